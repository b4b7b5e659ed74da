// Document readers: a buffered line splitter over a ByteSource, three line formats (JSONL, TSV,
// lines) on top of it, and a directory walker.
//
// Memory: the splitter holds one buffer of max(1 MiB, current line) bytes (doubling as a long
// line arrives); the Document holds raw and text copies of the current record. A line of L
// bytes therefore costs about 2L..3L plus the 1 MiB buffer, and a file of any size costs the
// same as its longest line. JSONL lines up to kSimdjsonMaxLine go through simdjson On-Demand
// (one parser per reader, parsing in place: the splitter keeps SIMDJSON_PADDING readable bytes
// after its buffer); longer lines, and lines simdjson rejects only for encoding reasons, go
// through the scalar lenient parser in reader/reader_json.cpp, which needs no index memory.
#include "neardup/advanced/reader.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <new>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "reader/byte_range.h"
#include "reader/reader_json.h"

namespace neardup {

Result<InputFormat> parse_input_format(std::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "jsonl") return InputFormat::kJsonl;
  if (name == "tsv") return InputFormat::kTsv;
  if (name == "lines") return InputFormat::kLines;
  if (name == "dir") return InputFormat::kDirectory;
  if (name == "shards") return InputFormat::kShards;
  return Status::invalid_argument("unknown input format '" + std::string(name) +
                                  "' (expected auto, jsonl, tsv, lines, dir or shards)");
}

std::string_view input_format_name(InputFormat f) noexcept {
  switch (f) {
    case InputFormat::kAuto:
      return "auto";
    case InputFormat::kJsonl:
      return "jsonl";
    case InputFormat::kTsv:
      return "tsv";
    case InputFormat::kLines:
      return "lines";
    case InputFormat::kDirectory:
      return "dir";
    case InputFormat::kShards:
      return "shards";
  }
  return "unknown";
}

Status ReaderOptions::validate() const {
  if (static_cast<uint8_t>(format) > static_cast<uint8_t>(InputFormat::kShards)) {
    return Status::invalid_argument("ReaderOptions: unknown input format value");
  }
  if (text_field.empty()) return Status::invalid_argument("ReaderOptions: text_field is empty");
  if (id_field.empty()) return Status::invalid_argument("ReaderOptions: id_field is empty");
  if (id_field == text_field) {
    return Status::invalid_argument("ReaderOptions: id_field and text_field are both '" +
                                    text_field + "'");
  }
  if (max_record_bytes == 0) {
    return Status::invalid_argument("ReaderOptions: max_record_bytes must be positive");
  }
  return Status::ok_status();
}

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kChunk = std::size_t{1} << 20;  // bytes per refill of the line buffer
constexpr std::size_t kPad = 64;                      // readable bytes after the buffer's end
static_assert(kPad >= simdjson::SIMDJSON_PADDING, "simdjson reads past the end of its input");
// Longer JSONL lines use the scalar parser: simdjson's index costs ~6 bytes per input byte,
// kept for the life of the parser.
constexpr std::size_t kSimdjsonMaxLine = std::size_t{1} << 20;
constexpr std::string_view kBom = "\xEF\xBB\xBF";

bool is_blank_byte(char c) noexcept { return c == ' ' || c == '\t' || c == '\r'; }

bool is_blank(std::string_view line) noexcept {
  for (char c : line) {
    if (!is_blank_byte(c)) return false;
  }
  return true;
}

std::string out_of_memory_message(const std::string& path) { return path + ": out of memory"; }

// Binary input: the first kSniffBytes bytes of a (decompressed) file are checked, as git and
// file(1) do: a NUL byte, which no UTF-8 text, JSONL or TSV record holds, or a known binary
// signature at offset 0 (executables, images, archives, UTF-16 text).
constexpr std::size_t kSniffBytes = std::size_t{64} << 10;

struct BinarySignature {
  std::string_view magic;
  const char* what;
};
constexpr BinarySignature kBinarySignatures[] = {
    {"\x7F"
     "ELF",
     "an ELF executable or library"},
    {"\x89PNG", "a PNG image"},
    {"\xFF\xD8\xFF", "a JPEG image"},
    {"GIF8", "a GIF image"},
    {"%PDF-", "a PDF document"},
    {"PK\x03\x04", "a ZIP archive"},
    {"7z\xBC\xAF\x27\x1C", "a 7-Zip archive"},
    {"Rar!\x1A\x07", "a RAR archive"},
    {"\xCA\xFE\xBA\xBE", "a Java class or Mach-O file"},
    {"\xCF\xFA\xED\xFE", "a Mach-O executable"},
    {"\x1F\x8B", "gzip data inside a compressed file"},
    {"\x28\xB5\x2F\xFD", "zstd data inside a compressed file"},
    {"\xFF\xFE", "UTF-16 text (convert it to UTF-8)"},
    {"\xFE\xFF", "UTF-16 text (convert it to UTF-8)"},
};

// What a file's start says it is, if not text: nullptr for text.
const char* binary_signature(std::string_view head) {
  for (const BinarySignature& sig : kBinarySignatures) {
    if (head.substr(0, sig.magic.size()) == sig.magic) return sig.what;
  }
  return nullptr;
}

// Whether `bytes`, found at `offset` in a file, hold a NUL byte within the file's first
// kSniffBytes; its offset goes to nul_at.
bool has_nul(std::string_view bytes, uint64_t offset, uint64_t& nul_at) {
  if (offset >= kSniffBytes) return false;
  bytes = bytes.substr(0, static_cast<std::size_t>(kSniffBytes - offset));
  const void* nul = std::memchr(bytes.data(), '\0', bytes.size());
  if (nul == nullptr) return false;
  nul_at = offset + static_cast<uint64_t>(static_cast<const char*>(nul) - bytes.data());
  return true;
}

Status not_text_error(const std::string& path, const std::string& what) {
  return Status::corrupt_data(path + ": not a text file: " + what +
                              " (skip_bad / --skip-bad skips such files)");
}
Status not_text_nul(const std::string& path, uint64_t nul_at) {
  return not_text_error(path, "binary data (a NUL byte at offset " + std::to_string(nul_at) + ")");
}

// The same checks for a file read whole.
Status check_text(const std::string& path, std::string_view bytes) {
  if (const char* what = binary_signature(bytes)) return not_text_error(path, what);
  uint64_t nul_at = 0;
  if (has_nul(bytes, 0, nul_at)) return not_text_nul(path, nul_at);
  return Status::ok_status();
}

// Splits a ByteSource into lines without copying them: a line is a view into the buffer, valid
// until the next call. Holds only the current (partial) line plus one chunk.
class LineSplitter {
 public:
  enum class Kind : uint8_t { kLine, kEnd, kTooLong, kWouldBlock };

  LineSplitter(ByteSource* src, uint64_t max_record) : src_(src), max_(max_record) {}

  Status init(const std::string& path) {
    if (!allocate(kChunk)) return Status::io_error(out_of_memory_message(path));
    path_ = &path;
    return Status::ok_status();
  }

  // The next line without its '\n' and one trailing '\r', or kEnd, or kTooLong for a line over
  // max_record bytes (which is consumed, in constant memory, by this and the following call).
  // With wait = false: kWouldBlock instead of waiting for the rest of a line from a source that
  // has nothing to read now; the bytes read so far stay buffered for the next call. (The BOM
  // check at the start and the skipping of an over-long line still wait.)
  Result<Kind> next(std::string_view& line, bool wait = true) {
    if (!bom_done_) NEARDUP_RETURN_IF_ERROR(skip_bom());
    if (discarding_) NEARDUP_RETURN_IF_ERROR(discard_rest_of_line());
    for (;;) {
      char* start = buf_.get() + pos_;
      const std::size_t avail = end_ - pos_;
      const void* nl = scan_ < avail ? std::memchr(start + scan_, '\n', avail - scan_) : nullptr;
      if (nl != nullptr) {
        std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
        pos_ += len + 1;
        consumed_ += len + 1;
        scan_ = 0;
        return finish(start, len, line);
      }
      scan_ = avail;
      if (avail > 0 && avail - 1 > max_) {  // over the limit even if a '\r' ends it
        consumed_ += avail;
        pos_ = end_;
        scan_ = 0;
        discarding_ = true;
        return Kind::kTooLong;
      }
      if (eof_) {
        if (avail == 0) return Kind::kEnd;
        pos_ = end_;
        consumed_ += avail;
        scan_ = 0;
        start[avail] = '\n';  // inside the padding: no parser can run on into stale bytes
        return finish(start, avail, line);
      }
      if (!wait && src_->would_block()) return Kind::kWouldBlock;
      NEARDUP_RETURN_IF_ERROR(fill());
    }
  }

  // The first byte that is not blank or a newline, looking at no more than about one chunk
  // (after a BOM), without consuming anything; -1 if there is none.
  Result<int> peek_first_nonblank() {
    if (!bom_done_) NEARDUP_RETURN_IF_ERROR(skip_bom());
    std::size_t checked = 0;
    for (;;) {
      for (std::size_t i = pos_ + checked; i < end_; ++i) {
        const char c = buf_.get()[i];
        if (!is_blank_byte(c) && c != '\n') return static_cast<int>(static_cast<unsigned char>(c));
      }
      checked = end_ - pos_;
      if (eof_ || checked >= kChunk) return -1;
      NEARDUP_RETURN_IF_ERROR(fill());
    }
  }

  uint64_t consumed() const noexcept { return consumed_; }
  // The stream starts inside a file (a byte range): no byte-order mark to skip.
  void mid_file() noexcept { bom_done_ = true; }
  // Bytes readable from p (which points into the current buffer), padding included.
  std::size_t readable_from(const char* p) const noexcept {
    return static_cast<std::size_t>(buf_.get() + cap_ + kPad - p);
  }

 private:
  Kind finish(const char* start, std::size_t len, std::string_view& line) const noexcept {
    if (len > 0 && start[len - 1] == '\r') --len;
    if (len > max_) return Kind::kTooLong;
    line = std::string_view(start, len);
    return Kind::kLine;
  }

  // Grows the buffer (pos_ is 0 here: fill() compacts first). realloc lets glibc move a large
  // block with mremap instead of copying it and faulting in fresh pages.
  bool allocate(std::size_t cap) {
    void* grown = std::realloc(buf_.get(), cap + kPad);
    if (grown == nullptr) return false;
    (void)buf_.release();
    buf_.reset(static_cast<char*>(grown));
    std::memset(buf_.get() + cap, 0, kPad);
    cap_ = cap;
    return true;
  }

  // Moves the partial line to the front, grows the buffer if the line fills it, and reads.
  Status fill() {
    if (pos_ > 0) {
      std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == cap_) {
      if (!allocate(cap_ * 2)) {
        return Status::io_error(*path_ + ": out of memory buffering a line of more than " +
                                std::to_string(end_) + " bytes");
      }
    }
    Result<std::size_t> got = src_->read(buf_.get() + end_, cap_ - end_);
    if (!got.ok()) return got.status();
    if (*got == 0) {
      eof_ = true;
      if (read_ < sizeof(head_)) NEARDUP_RETURN_IF_ERROR(check_signature());
    } else {
      NEARDUP_RETURN_IF_ERROR(sniff_new_bytes(buf_.get() + end_, *got));
      end_ += *got;
    }
    return Status::ok_status();
  }

  // Checks freshly read bytes for binary content (binary_signature, has_nul): the signature once
  // the first bytes are in (they may arrive over several reads from a pipe), NUL bytes within the
  // first kSniffBytes.
  Status sniff_new_bytes(const char* p, std::size_t n) {
    if (read_ >= kSniffBytes) {
      read_ += n;
      return Status::ok_status();
    }
    const uint64_t at = read_;
    if (at < sizeof(head_)) {
      const std::size_t k = std::min(n, static_cast<std::size_t>(sizeof(head_) - at));
      std::memcpy(head_ + at, p, k);
    }
    read_ += n;
    if (at < sizeof(head_) && read_ >= sizeof(head_)) NEARDUP_RETURN_IF_ERROR(check_signature());
    uint64_t nul_at = 0;
    if (has_nul(std::string_view(p, n), at, nul_at)) {
      NEARDUP_RETURN_IF_ERROR(check_signature());  // a short file: name what it is if we can
      not_text_ = true;
      return not_text_nul(*path_, nul_at);
    }
    return Status::ok_status();
  }
  Status check_signature() {
    const std::size_t k = static_cast<std::size_t>(std::min<uint64_t>(read_, sizeof(head_)));
    if (const char* what = binary_signature(std::string_view(head_, k))) {
      not_text_ = true;
      return not_text_error(*path_, what);
    }
    return Status::ok_status();
  }

 public:
  // True after fill() failed because the input is not text.
  bool not_text() const noexcept { return not_text_; }

 private:
  Status skip_bom() {
    while (end_ - pos_ < kBom.size() && !eof_) NEARDUP_RETURN_IF_ERROR(fill());
    if (end_ - pos_ >= kBom.size() && std::memcmp(buf_.get() + pos_, kBom.data(), 3) == 0) {
      pos_ += kBom.size();
      consumed_ += kBom.size();
    }
    bom_done_ = true;
    return Status::ok_status();
  }

  Status discard_rest_of_line() {
    for (;;) {
      const char* start = buf_.get() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      if (nl != nullptr) {
        const std::size_t k = static_cast<std::size_t>(static_cast<const char*>(nl) - start) + 1;
        pos_ += k;
        consumed_ += k;
        break;
      }
      consumed_ += end_ - pos_;
      pos_ = end_;
      if (eof_) break;
      NEARDUP_RETURN_IF_ERROR(fill());
    }
    discarding_ = false;
    return Status::ok_status();
  }

  ByteSource* src_;
  uint64_t max_;
  struct Free {
    void operator()(char* p) const noexcept { std::free(p); }
  };

  const std::string* path_ = nullptr;
  std::unique_ptr<char, Free> buf_;
  std::size_t cap_ = 0;
  std::size_t pos_ = 0;   // start of the unconsumed bytes
  std::size_t end_ = 0;   // end of the bytes read
  std::size_t scan_ = 0;  // bytes after pos_ already known to hold no '\n'
  uint64_t consumed_ = 0;
  bool eof_ = false;
  bool bom_done_ = false;
  bool discarding_ = false;
  bool not_text_ = false;
  char head_[8] = {};  // the stream's first bytes, for the signature check
  uint64_t read_ = 0;  // bytes read from the source so far
};

std::string_view trim_right_ws(std::string_view s) noexcept {
  while (!s.empty() &&
         (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// JSONL / TSV / lines over one byte stream.
class StreamReader final : public DocumentReader {
 public:
  StreamReader(std::string path, InputFormat format, const ReaderOptions& options,
               std::unique_ptr<ByteSource> src)
      : path_(std::move(path)),
        format_(format),
        options_(options),
        src_(std::move(src)),
        splitter_(src_.get(), options.max_record_bytes) {
    lenient_.id = &lenient_id_;
    lenient_.text = &lenient_text_;
    lenient_.key_scratch = &key_scratch_;
  }

  Status init() {
    stats_.files = 1;
    return splitter_.init(path_);
  }

  // Settles kAuto by the first non-blank byte: '{' -> JSONL, else lines.
  Status detect_format() {
    Result<int> first = splitter_.peek_first_nonblank();
    if (!first.ok()) return skip_if_not_text(first.status());
    format_ = *first == '{' ? InputFormat::kJsonl : InputFormat::kLines;
    return Status::ok_status();
  }

  // Prefixes the ids this reader makes up (records without an id, line formats): "PREFIX:LINE"
  // instead of the bare line number. Used for the shards of a directory.
  void set_id_prefix(std::string prefix) { id_prefix_ = std::move(prefix); }
  // A byte range that starts after `lines` lines of its file.
  void start_after_lines(uint64_t lines, bool mid_file) {
    line_no_ = lines;
    if (mid_file) splitter_.mid_file();
  }

  Result<bool> next(Document& doc) override {
    Result<NextOutcome> got = guarded_next(doc, true);
    if (!got.ok()) return got.status();
    return *got == NextOutcome::kDocument;  // kWouldBlock only comes with wait = false
  }

  Result<NextOutcome> try_next(Document& doc) override { return guarded_next(doc, false); }

  const ReaderStats& stats() const noexcept override { return stats_; }
  InputFormat format() const noexcept override { return format_; }
  uint64_t input_size() const noexcept override { return src_->size(); }
  uint64_t input_consumed() const noexcept override { return src_->consumed(); }

 private:
  enum class Outcome : uint8_t { kOk, kMalformed, kRetryLenient, kFatal };

  std::string where() const { return path_ + ":" + std::to_string(line_no_) + ": "; }

  Result<NextOutcome> guarded_next(Document& doc, bool wait) {
    if (!sticky_.ok()) return sticky_;
    try {
      return next_impl(doc, wait);
    } catch (const std::bad_alloc&) {
      sticky_ = Status::io_error(where() + "out of memory");
    } catch (const std::exception& e) {
      sticky_ = Status::internal(where() + "unexpected exception: " + e.what());
    } catch (...) {
      sticky_ = Status::internal(where() + "unexpected exception");
    }
    return sticky_;
  }

  // A file found not to be text ends, counted, under skip_bad; any other error stays.
  Status skip_if_not_text(Status st) {
    if (st.ok() || !splitter_.not_text() || !options_.skip_bad) return st;
    ++stats_.skipped_files;
    skipped_file_ = true;
    return Status::ok_status();
  }

  Result<NextOutcome> next_impl(Document& doc, bool wait) {
    for (;;) {
      if (skipped_file_) return NextOutcome::kEnd;
      std::string_view line;
      Result<LineSplitter::Kind> kind = splitter_.next(line, wait);
      if (!kind.ok()) {
        if (Status st = skip_if_not_text(kind.status()); st.ok()) return NextOutcome::kEnd;
        sticky_ = kind.status();
        return sticky_;
      }
      stats_.bytes = splitter_.consumed();
      if (*kind == LineSplitter::Kind::kEnd) return NextOutcome::kEnd;
      if (*kind == LineSplitter::Kind::kWouldBlock) return NextOutcome::kWouldBlock;
      ++line_no_;
      if (*kind == LineSplitter::Kind::kTooLong) {
        if (options_.skip_bad) {
          ++stats_.skipped;
          continue;
        }
        return Status::out_of_range(where() + "record longer than max_record_bytes (" +
                                    std::to_string(options_.max_record_bytes) + ")");
      }
      if (line.empty() || (is_blank_byte(line.front()) && is_blank(line))) {
        ++stats_.blank_lines;
        continue;
      }
      bool ok = true;
      switch (format_) {
        case InputFormat::kJsonl: {
          Outcome o = parse_jsonl(line, doc);
          if (o == Outcome::kFatal) {
            sticky_ = Status::io_error(where() + err_);
            return sticky_;
          }
          ok = o == Outcome::kOk;
          break;
        }
        case InputFormat::kTsv: {
          const void* tab = std::memchr(line.data(), '\t', line.size());
          if (tab == nullptr) {
            err_ = "malformed TSV: no tab (expected id<TAB>text)";
            ok = false;
          } else {
            const std::size_t k =
                static_cast<std::size_t>(static_cast<const char*>(tab) - line.data());
            doc.id.assign(line.data(), k);
            doc.text.assign(line.data() + k + 1, line.size() - k - 1);
          }
          break;
        }
        default:  // kLines (kAuto was settled at open)
          assign_line_id(doc.id);
          doc.text.assign(line);
          break;
      }
      if (!ok) {
        if (options_.skip_bad) {
          ++stats_.skipped;
          continue;
        }
        return Status::parse_error(where() + err_);
      }
      doc.raw.assign(line);
      doc.source.assign(path_);
      doc.line = line_no_;
      ++stats_.records;
      if (null_text_) ++stats_.null_text;
      return NextOutcome::kDocument;
    }
  }

  Outcome parse_jsonl(std::string_view line, Document& doc) {
    bool has_id = false;
    null_text_ = false;
    if (line.size() <= kSimdjsonMaxLine) {
      Outcome o = parse_simdjson(line, doc, has_id);
      if (o == Outcome::kOk) {
        if (!has_id) assign_missing_id(doc.id);
        return o;
      }
      if (o != Outcome::kRetryLenient) return o;
    }
    // The lenient parser decodes into its own strings, then swaps them in, so that its result
    // never mixes with a partial simdjson result.
    if (!detail::lenient_parse_record(line, options_.id_field, options_.text_field, lenient_)) {
      err_ = lenient_.error;
      return Outcome::kMalformed;
    }
    if (!lenient_.has_text) return missing_text();
    null_text_ = lenient_.text_null;
    doc.text.swap(lenient_text_);
    if (lenient_.has_id) {
      doc.id.swap(lenient_id_);
    } else {
      assign_missing_id(doc.id);
    }
    if (line.size() <= kSimdjsonMaxLine) ++stats_.lenient;
    return Outcome::kOk;
  }

  Outcome missing_text() {
    err_ = "missing text field \"" + options_.text_field + "\"";
    return Outcome::kMalformed;
  }

  Outcome simdjson_failure(simdjson::error_code e) {
    switch (e) {
      case simdjson::UTF8_ERROR:       // bytes that are not UTF-8
      case simdjson::UNESCAPED_CHARS:  // raw control characters inside a string
      case simdjson::STRING_ERROR:     // e.g. a lone \ud800; also bad escapes (lenient rejects)
        return Outcome::kRetryLenient;
      case simdjson::MEMALLOC:
        err_ = "out of memory";
        return Outcome::kFatal;
      default:
        err_ = "malformed JSON: ";
        err_ += simdjson::error_message(e);
        return Outcome::kMalformed;
    }
  }

  // On-Demand skips the values it is not asked for without checking them (it would accept
  // `"x":[}`), so walk the other fields too: a record is only accepted if all of it is JSON, on
  // this path and on the lenient one alike. Cheap: records are mostly their text.
  simdjson::error_code validate_value(simdjson::ondemand::value value, int depth) {
    using simdjson::ondemand::json_type;
    json_type type = json_type::null;
    simdjson::error_code e = value.type().get(type);
    if (e != simdjson::SUCCESS) return e;
    // Entering a container deeper than the parser's max depth breaks an On-Demand invariant
    // (an assert in unoptimized builds), so stop at the limit both JSON paths share.
    const bool container = type == json_type::array || type == json_type::object;
    if (container && depth > static_cast<int>(detail::kMaxNestingInField)) {
      return simdjson::DEPTH_ERROR;
    }
    switch (type) {
      case json_type::array: {
        simdjson::ondemand::array array;
        if ((e = value.get_array().get(array)) != simdjson::SUCCESS) return e;
        for (auto element : array) {
          simdjson::ondemand::value v;
          if ((e = std::move(element).get(v)) != simdjson::SUCCESS) return e;
          if ((e = validate_value(v, depth + 1)) != simdjson::SUCCESS) return e;
        }
        return simdjson::SUCCESS;
      }
      case json_type::object: {
        simdjson::ondemand::object object;
        if ((e = value.get_object().get(object)) != simdjson::SUCCESS) return e;
        for (auto field_result : object) {
          simdjson::ondemand::field field;
          if ((e = std::move(field_result).get(field)) != simdjson::SUCCESS) return e;
          std::string_view key;
          if ((e = field.unescaped_key().get(key)) != simdjson::SUCCESS) return e;
          if ((e = validate_value(field.value(), depth + 1)) != simdjson::SUCCESS) return e;
        }
        return simdjson::SUCCESS;
      }
      case json_type::string: {
        std::string_view s;
        return value.get_string().get(s);
      }
      case json_type::number:
        return detail::is_json_number(trim_right_ws(value.raw_json_token()))
                   ? simdjson::SUCCESS
                   : simdjson::NUMBER_ERROR;
      case json_type::boolean: {
        bool b = false;
        return value.get_bool().get(b);
      }
      case json_type::null:
        return trim_right_ws(value.raw_json_token()) == "null" ? simdjson::SUCCESS
                                                               : simdjson::INCORRECT_TYPE;
    }
    return simdjson::INCORRECT_TYPE;
  }

  // A text or id value of the wrong type. On-Demand types a scalar by its first byte, so check
  // the token: `oops` or `nul` is bad JSON, not a value of the wrong type.
  Outcome wrong_type(simdjson::ondemand::value& value, bool is_text) {
    using simdjson::ondemand::json_type;
    json_type type = json_type::null;
    bool valid = value.type().get(type) == simdjson::SUCCESS;
    if (valid) {
      const std::string_view token = trim_right_ws(value.raw_json_token());
      if (type == json_type::number) valid = detail::is_json_number(token);
      if (type == json_type::boolean) valid = token == "true" || token == "false";
      if (type == json_type::null) valid = token == "null";
    }
    if (!valid) {
      err_ = "malformed JSON: invalid value in field \"";
      err_ += is_text ? options_.text_field : options_.id_field;
      err_ += "\"";
    } else {
      err_ = is_text ? detail::field_not_string_message(options_.text_field)
                     : detail::id_wrong_type_message(options_.id_field);
    }
    return Outcome::kMalformed;
  }

  Outcome parse_simdjson(std::string_view line, Document& doc, bool& has_id) {
    using simdjson::ondemand::json_type;
    simdjson::ondemand::document json;
    simdjson::error_code e =
        parser_.iterate(line.data(), line.size(), splitter_.readable_from(line.data())).get(json);
    if (e != simdjson::SUCCESS) return simdjson_failure(e);
    simdjson::ondemand::object obj;
    e = json.get_object().get(obj);
    if (e == simdjson::INCORRECT_TYPE) {
      err_ = "not a JSON object";
      return Outcome::kMalformed;
    }
    if (e != simdjson::SUCCESS) return simdjson_failure(e);
    bool has_text = false;
    for (auto field_result : obj) {
      simdjson::ondemand::field field;
      if ((e = std::move(field_result).get(field)) != simdjson::SUCCESS) return simdjson_failure(e);
      std::string_view key;
      if ((e = field.unescaped_key().get(key)) != simdjson::SUCCESS) return simdjson_failure(e);
      if (!has_text && key == options_.text_field) {
        std::string_view s;
        e = field.value().get_string().get(s);
        if (e == simdjson::INCORRECT_TYPE) {
          // null is empty text (counted); any other type is a malformed record.
          bool null = false;
          if (field.value().is_null().get(null) != simdjson::SUCCESS || !null) {
            return wrong_type(field.value(), true);
          }
          s = {};
          null_text_ = true;
        } else if (e != simdjson::SUCCESS) {
          return simdjson_failure(e);
        }
        doc.text.assign(s);
        has_text = true;
      } else if (!has_id && key == options_.id_field) {
        json_type type = json_type::null;
        if ((e = field.value().type().get(type)) != simdjson::SUCCESS) return simdjson_failure(e);
        if (type == json_type::string) {
          std::string_view s;
          if ((e = field.value().get_string().get(s)) != simdjson::SUCCESS) {
            return simdjson_failure(e);
          }
          doc.id.assign(s);
        } else if (type == json_type::number) {
          // The number exactly as written: lossless for any size, no float formatting.
          const std::string_view token = trim_right_ws(field.value().raw_json_token());
          if (!detail::is_json_number(token)) {
            err_ = "malformed JSON: invalid number in id field";
            return Outcome::kMalformed;
          }
          doc.id.assign(token);
        } else {
          return wrong_type(field.value(), false);
        }
        has_id = true;
      } else if ((e = validate_value(field.value(), 1)) != simdjson::SUCCESS) {
        return simdjson_failure(e);
      }
    }
    // On-Demand stops after the object: anything after it is a second value on the line.
    const char* rest = nullptr;
    if (json.current_location().get(rest) == simdjson::SUCCESS) {
      err_ = "malformed JSON: trailing content after the JSON object";
      return Outcome::kMalformed;
    }
    if (!has_text) return missing_text();
    return Outcome::kOk;
  }

  // The id of a JSONL record without the id field: "<file>:<line>", the file being id_prefix_
  // (a shard's relative path) or else the path as opened ("-" for stdin), so that it cannot
  // be taken for the bare numbers and names of real ids. Counted in ReaderStats::missing_id.
  void assign_missing_id(std::string& id) {
    ++stats_.missing_id;
    id.assign(id_prefix_.empty() ? path_ : id_prefix_);
    id += ':';
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof(buf), line_no_);
    id.append(buf, static_cast<std::size_t>(res.ptr - buf));
  }

  // The id of a line of the lines format: its line number, after id_prefix_ and ':' if set.
  void assign_line_id(std::string& id) const {
    id.assign(id_prefix_);
    if (!id_prefix_.empty()) id += ':';
    char buf[24];
    auto res = std::to_chars(buf, buf + sizeof(buf), line_no_);
    id.append(buf, static_cast<std::size_t>(res.ptr - buf));
  }

  std::string path_;
  InputFormat format_;
  ReaderOptions options_;
  std::unique_ptr<ByteSource> src_;
  LineSplitter splitter_;
  std::string id_prefix_;
  bool skipped_file_ = false;  // not text, skipped under skip_bad
  simdjson::ondemand::parser parser_;
  detail::JsonRecordOut lenient_;
  std::string lenient_id_;
  std::string lenient_text_;
  std::string key_scratch_;
  ReaderStats stats_;
  uint64_t line_no_ = 0;
  bool null_text_ = false;  // the JSONL record just parsed has "text": null
  std::string err_;
  Status sticky_;
};

// A regular file below a directory: its path relative to the directory, and its size.
struct FileEntry {
  std::string rel;
  uint64_t size;
};

// Every regular file below `root`, recursively, in byte order of the relative paths (std::string
// compares as unsigned bytes: a fixed order on every machine and locale).
Result<std::vector<FileEntry>> list_files(const std::string& root_name) {
  std::vector<FileEntry> entries;
  std::error_code ec;
  const fs::path root(root_name);
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  if (ec) return Status::io_error(root_name + ": cannot read directory: " + ec.message());
  const fs::recursive_directory_iterator end;
  while (it != end) {
    const fs::directory_entry& entry = *it;
    std::error_code ec2;
    const bool regular = entry.is_regular_file(ec2);
    if (ec2) return Status::io_error(entry.path().string() + ": cannot stat: " + ec2.message());
    if (regular) {
      uint64_t size = entry.file_size(ec2);
      if (ec2) size = 0;
      entries.push_back({entry.path().lexically_relative(root).generic_string(), size});
    }
    it.increment(ec);
    if (ec) return Status::io_error(root_name + ": cannot read directory: " + ec.message());
  }
  std::sort(entries.begin(), entries.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.rel < b.rel; });
  return entries;
}

// Files that a corpus in shards leaves beside its data: any path component starting with '.'
// or '_' (Hadoop and Spark's _SUCCESS, .part-00000.crc, editors' .swp files).
bool is_hidden(std::string_view rel) {
  std::size_t start = 0;
  for (;;) {
    if (start < rel.size() && (rel[start] == '.' || rel[start] == '_')) return true;
    const std::size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos) return false;
    start = slash + 1;
  }
}

// One document per regular file below a directory, in byte order of the relative paths.
class DirectoryReader final : public DocumentReader {
 public:
  DirectoryReader(std::string root, std::vector<FileEntry> entries, const ReaderOptions& options)
      : root_(std::move(root)), options_(options), entries_(std::move(entries)) {
    for (const FileEntry& e : entries_) total_size_ += e.size;
  }

  Result<bool> next(Document& doc) override {
    if (!sticky_.ok()) return sticky_;
    try {
      return next_impl(doc);
    } catch (const std::bad_alloc&) {
      sticky_ = Status::io_error(root_ + ": out of memory");
    } catch (const std::exception& e) {
      sticky_ = Status::internal(root_ + ": unexpected exception: " + e.what());
    } catch (...) {
      sticky_ = Status::internal(root_ + ": unexpected exception");
    }
    return sticky_;
  }

  const ReaderStats& stats() const noexcept override { return stats_; }
  InputFormat format() const noexcept override { return InputFormat::kDirectory; }
  uint64_t input_size() const noexcept override { return total_size_; }
  uint64_t input_consumed() const noexcept override { return consumed_; }

 private:
  Result<bool> next_impl(Document& doc) {
    while (next_ < entries_.size()) {
      const FileEntry& entry = entries_[next_++];
      std::string full = (fs::path(root_) / entry.rel).string();
      Result<std::unique_ptr<ByteSource>> src = ByteSource::open(full);
      if (!src.ok()) {
        sticky_ = src.status();
        return sticky_;
      }
      ++stats_.files;
      Result<bool> fits = read_all(**src, doc.raw);
      consumed_ += entry.size;
      if (!fits.ok()) {
        sticky_ = fits.status();
        return sticky_;
      }
      stats_.bytes += doc.raw.size();
      if (!*fits) {
        if (options_.skip_bad) {
          ++stats_.skipped;
          continue;
        }
        return Status::out_of_range(full + ": file longer than max_record_bytes (" +
                                    std::to_string(options_.max_record_bytes) + ")");
      }
      if (Status st = check_text(full, doc.raw); !st.ok()) {
        if (!options_.skip_bad) return st;
        ++stats_.skipped_files;
        continue;
      }
      const std::string_view raw = doc.raw;
      const std::size_t skip = raw.substr(0, kBom.size()) == kBom ? kBom.size() : 0;
      doc.text.assign(raw.substr(skip));
      doc.id.assign(entry.rel);
      doc.source = std::move(full);
      doc.line = 0;
      ++stats_.records;
      return true;
    }
    return false;
  }

  // Reads the whole stream into out; false if it is longer than max_record_bytes (reading stops
  // there).
  Result<bool> read_all(ByteSource& src, std::string& out) {
    out.clear();
    const uint64_t max = options_.max_record_bytes;
    for (;;) {
      const std::size_t old = out.size();
      std::size_t want = std::max<std::size_t>(kChunk / 4, out.capacity() - old);
      out.resize(old + want);
      Result<std::size_t> got = src.read(out.data() + old, want);
      if (!got.ok()) {
        out.resize(old);
        return got.status();
      }
      out.resize(old + *got);
      if (out.size() > max) return false;
      if (*got == 0) return true;
    }
  }

  std::string root_;
  ReaderOptions options_;
  std::vector<FileEntry> entries_;
  std::size_t next_ = 0;
  uint64_t total_size_ = 0;
  uint64_t consumed_ = 0;
  ReaderStats stats_;
  Status sticky_;
};

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  s = s.substr(s.size() - suffix.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != suffix[i]) return false;
  }
  return true;
}

// kAuto by name: the extension under an optional compression suffix decides, if it is a known
// one.
InputFormat format_from_name(std::string_view path) {
  for (std::string_view z : {".gz", ".zst", ".xz", ".bz2"}) {
    if (ends_with_ci(path, z)) {
      path.remove_suffix(z.size());
      break;
    }
  }
  if (ends_with_ci(path, ".jsonl") || ends_with_ci(path, ".ndjson") ||
      ends_with_ci(path, ".json")) {
    return InputFormat::kJsonl;
  }
  if (ends_with_ci(path, ".tsv")) return InputFormat::kTsv;
  if (ends_with_ci(path, ".txt")) return InputFormat::kLines;
  return InputFormat::kAuto;
}

// One file as a stream of records: `format` kAuto is settled by the name, then the content.
Result<std::unique_ptr<StreamReader>> open_stream(const std::string& path, InputFormat format,
                                                  const ReaderOptions& options,
                                                  std::string id_prefix) {
  if (format == InputFormat::kAuto && path != "-") format = format_from_name(path);
  Result<std::unique_ptr<ByteSource>> src = ByteSource::open(path);
  if (!src.ok()) return src.status();
  auto reader = std::make_unique<StreamReader>(path, format, options, std::move(*src));
  reader->set_id_prefix(std::move(id_prefix));
  NEARDUP_RETURN_IF_ERROR(reader->init());
  if (format == InputFormat::kAuto) NEARDUP_RETURN_IF_ERROR(reader->detect_format());
  return reader;
}

// A corpus in shards: every file below a directory that is not hidden (see is_hidden), in byte
// order of the relative paths, each read by its own format (name, then content) and
// compression. A record without an id gets "<relative path>:<line>", so ids never collide
// across shards.
class ShardsReader final : public DocumentReader {
 public:
  ShardsReader(std::string root, std::vector<FileEntry> entries, const ReaderOptions& options)
      : root_(std::move(root)), options_(options), entries_(std::move(entries)) {
    for (const FileEntry& e : entries_) total_size_ += e.size;
  }

  Result<bool> next(Document& doc) override {
    for (;;) {
      if (!current_) {
        if (next_ == entries_.size()) return false;
        const FileEntry& entry = entries_[next_++];
        Result<std::unique_ptr<StreamReader>> r = open_stream(
            (fs::path(root_) / entry.rel).string(), InputFormat::kAuto, options_, entry.rel);
        if (!r.ok()) return r.status();
        current_ = std::move(*r);
        current_size_ = entry.size;
      }
      Result<bool> more = current_->next(doc);
      if (!more.ok() || *more) return more;
      done_.add(current_->stats());
      done_consumed_ += current_size_;
      current_.reset();
    }
  }

  const ReaderStats& stats() const noexcept override {
    stats_ = done_;
    if (current_) stats_.add(current_->stats());
    return stats_;
  }
  InputFormat format() const noexcept override { return InputFormat::kShards; }
  uint64_t input_size() const noexcept override { return total_size_; }
  uint64_t input_consumed() const noexcept override {
    return done_consumed_ + (current_ ? std::min(current_->input_consumed(), current_size_) : 0);
  }

 private:
  std::string root_;
  ReaderOptions options_;
  std::vector<FileEntry> entries_;
  std::size_t next_ = 0;
  std::unique_ptr<StreamReader> current_;
  uint64_t current_size_ = 0;
  uint64_t total_size_ = 0;
  uint64_t done_consumed_ = 0;
  ReaderStats done_;
  mutable ReaderStats stats_;
};

// kAuto on a directory: shards when its visible files are all record files (JSONL or TSV by
// name, compressed or not), one document per file when none is; a mix is an error that names
// one file of each kind, because guessing would turn a corpus into garbage either way.
Result<InputFormat> directory_format(const std::string& path, const std::vector<FileEntry>& files) {
  const FileEntry* record = nullptr;
  const FileEntry* other = nullptr;
  for (const FileEntry& f : files) {
    if (is_hidden(f.rel)) continue;
    const InputFormat by_name = format_from_name(f.rel);
    const bool is_record = by_name == InputFormat::kJsonl || by_name == InputFormat::kTsv;
    (is_record ? record : other) = &f;
    if (record != nullptr && other != nullptr) {
      return Status::invalid_argument(
          path + ": holds both record files (" + record->rel + ") and other files (" + other->rel +
          "): choose --format shards (each file holds records) or --format dir (each file is "
          "one document)");
    }
  }
  return record != nullptr ? InputFormat::kShards : InputFormat::kDirectory;
}

// A byte range of one file (ReaderOptions::byte_begin/byte_end): the format is told by the
// file's name or its first record (as for the whole file), then only the records that start in
// the range are read, numbered from the file's start.
Result<std::unique_ptr<DocumentReader>> open_range(const std::string& path, InputFormat format,
                                                   const ReaderOptions& options) {
  if (path == "-") return Status::invalid_argument("standard input cannot be read by byte ranges");
  if (format == InputFormat::kAuto) format = format_from_name(path);
  if (format == InputFormat::kAuto) {
    Result<std::unique_ptr<StreamReader>> whole = open_stream(path, format, options, std::string());
    if (!whole.ok()) return whole.status();
    format = (*whole)->format();
  }
  Result<RecordRange> range = locate_records(path, options.byte_begin, options.byte_end, false);
  if (!range.ok()) return range.status();
  uint64_t lines = options.lines_before;
  if (lines == ReaderOptions::kLinesUnknown) {
    Result<uint64_t> counted = detail::count_newlines(path, 0, range->start);
    if (!counted.ok()) return counted.status();
    lines = *counted;
  }
  Result<std::unique_ptr<ByteSource>> src =
      detail::open_range_source(path, range->start, range->stop);
  if (!src.ok()) return src.status();
  auto reader = std::make_unique<StreamReader>(path, format, options, std::move(*src));
  NEARDUP_RETURN_IF_ERROR(reader->init());
  reader->start_after_lines(lines, range->start > 0);
  return std::unique_ptr<DocumentReader>(std::move(reader));
}

Result<std::unique_ptr<DocumentReader>> open_reader(const std::string& path,
                                                    const ReaderOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  InputFormat format = options.format;
  bool is_dir = false;
  if (path != "-") {
    std::error_code ec;
    is_dir = fs::is_directory(path, ec);
  }
  const bool dir_format = format == InputFormat::kDirectory || format == InputFormat::kShards;
  if (dir_format || (format == InputFormat::kAuto && is_dir)) {
    if (!is_dir) return Status::io_error(path + ": not a directory");
    if (options.has_byte_range()) {
      return Status::invalid_argument(path +
                                      ": a directory cannot be read by byte ranges (its files "
                                      "can: file_begin and file_end)");
    }
    Result<std::vector<FileEntry>> files = list_files(path);
    if (!files.ok()) return files.status();
    if (format == InputFormat::kAuto) {
      Result<InputFormat> f = directory_format(path, *files);
      if (!f.ok()) return f.status();
      format = *f;
    }
    if (format == InputFormat::kShards) {
      std::erase_if(*files, [](const FileEntry& f) { return is_hidden(f.rel); });
    }
    if (options.file_begin > 0 || options.file_end < files->size()) {
      const uint64_t end = std::min<uint64_t>(options.file_end, files->size());
      const uint64_t begin = std::min(options.file_begin, end);
      files->erase(files->begin() + static_cast<std::ptrdiff_t>(end), files->end());
      files->erase(files->begin(), files->begin() + static_cast<std::ptrdiff_t>(begin));
    }
    if (format == InputFormat::kShards) {
      return std::unique_ptr<DocumentReader>(
          std::make_unique<ShardsReader>(path, std::move(*files), options));
    }
    return std::unique_ptr<DocumentReader>(
        std::make_unique<DirectoryReader>(path, std::move(*files), options));
  }
  if (options.has_byte_range()) return open_range(path, format, options);
  Result<std::unique_ptr<StreamReader>> r = open_stream(path, format, options, std::string());
  if (!r.ok()) return r.status();
  return std::unique_ptr<DocumentReader>(std::move(*r));
}

Result<uint64_t> count_files(const std::string& path, const ReaderOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  std::error_code ec;
  const bool is_dir = path != "-" && fs::is_directory(path, ec);
  const InputFormat format = options.format;
  const bool dir_format = format == InputFormat::kDirectory || format == InputFormat::kShards;
  if (!(dir_format || (format == InputFormat::kAuto && is_dir))) return uint64_t{1};
  if (!is_dir) return Status::io_error(path + ": not a directory");
  Result<std::vector<FileEntry>> files = list_files(path);
  if (!files.ok()) return files.status();
  InputFormat f = format;
  if (f == InputFormat::kAuto) {
    Result<InputFormat> detected = directory_format(path, *files);
    if (!detected.ok()) return detected.status();
    f = *detected;
  }
  if (f == InputFormat::kShards) {
    std::erase_if(*files, [](const FileEntry& e) { return is_hidden(e.rel); });
  }
  return static_cast<uint64_t>(files->size());
}

}  // namespace

Result<uint64_t> count_input_files(const std::string& path, const ReaderOptions& options) {
  try {
    return count_files(path, options);
  } catch (const std::exception& e) {
    return Status::io_error(path + ": " + e.what());
  }
}

Result<NextOutcome> DocumentReader::try_next(Document& doc) {
  Result<bool> more = next(doc);
  if (!more.ok()) return more.status();
  return *more ? NextOutcome::kDocument : NextOutcome::kEnd;
}

Result<std::unique_ptr<DocumentReader>> DocumentReader::open(const std::string& path,
                                                             const ReaderOptions& options) {
  try {
    return open_reader(path, options);
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory");
  } catch (const std::exception& e) {
    return Status::internal(path + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::internal(path + ": unexpected exception");
  }
}

}  // namespace neardup
