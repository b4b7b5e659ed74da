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

#include "reader/reader_json.h"

namespace neardup {

Result<InputFormat> parse_input_format(std::string_view name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "jsonl") return InputFormat::kJsonl;
  if (name == "tsv") return InputFormat::kTsv;
  if (name == "lines") return InputFormat::kLines;
  if (name == "dir") return InputFormat::kDirectory;
  return Status::invalid_argument("unknown input format '" + std::string(name) +
                                  "' (expected auto, jsonl, tsv, lines or dir)");
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
  }
  return "unknown";
}

Status ReaderOptions::validate() const {
  if (static_cast<uint8_t>(format) > static_cast<uint8_t>(InputFormat::kDirectory)) {
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
    } else {
      end_ += *got;
    }
    return Status::ok_status();
  }

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
};

void assign_number(std::string& out, uint64_t v) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  out.assign(buf, static_cast<std::size_t>(res.ptr - buf));
}

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
    if (!first.ok()) return first.status();
    format_ = *first == '{' ? InputFormat::kJsonl : InputFormat::kLines;
    return Status::ok_status();
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

  Result<NextOutcome> next_impl(Document& doc, bool wait) {
    for (;;) {
      std::string_view line;
      Result<LineSplitter::Kind> kind = splitter_.next(line, wait);
      if (!kind.ok()) {
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
          assign_number(doc.id, line_no_);
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
      return NextOutcome::kDocument;
    }
  }

  Outcome parse_jsonl(std::string_view line, Document& doc) {
    bool has_id = false;
    if (line.size() <= kSimdjsonMaxLine) {
      Outcome o = parse_simdjson(line, doc, has_id);
      if (o == Outcome::kOk) {
        if (!has_id) assign_number(doc.id, line_no_);
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
    doc.text.swap(lenient_text_);
    if (lenient_.has_id) {
      doc.id.swap(lenient_id_);
    } else {
      assign_number(doc.id, line_no_);
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
        if (e == simdjson::INCORRECT_TYPE) return wrong_type(field.value(), true);
        if (e != simdjson::SUCCESS) return simdjson_failure(e);
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

  std::string path_;
  InputFormat format_;
  ReaderOptions options_;
  std::unique_ptr<ByteSource> src_;
  LineSplitter splitter_;
  simdjson::ondemand::parser parser_;
  detail::JsonRecordOut lenient_;
  std::string lenient_id_;
  std::string lenient_text_;
  std::string key_scratch_;
  ReaderStats stats_;
  uint64_t line_no_ = 0;
  std::string err_;
  Status sticky_;
};

// One document per regular file below a directory, in byte order of the relative paths.
class DirectoryReader final : public DocumentReader {
 public:
  DirectoryReader(std::string root, const ReaderOptions& options)
      : root_(std::move(root)), options_(options) {}

  Status list() {
    std::error_code ec;
    const fs::path root(root_);
    fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
    if (ec) return Status::io_error(root_ + ": cannot read directory: " + ec.message());
    const fs::recursive_directory_iterator end;
    while (it != end) {
      const fs::directory_entry& entry = *it;
      std::error_code ec2;
      const bool regular = entry.is_regular_file(ec2);
      if (ec2) {
        return Status::io_error(entry.path().string() + ": cannot stat: " + ec2.message());
      }
      if (regular) {
        uint64_t size = entry.file_size(ec2);
        if (ec2) size = 0;
        entries_.push_back({entry.path().lexically_relative(root).generic_string(), size});
        total_size_ += size;
      }
      it.increment(ec);
      if (ec) return Status::io_error(root_ + ": cannot read directory: " + ec.message());
    }
    // std::string compares as unsigned bytes: a fixed order on every machine and locale.
    std::sort(entries_.begin(), entries_.end(),
              [](const Entry& a, const Entry& b) { return a.rel < b.rel; });
    return Status::ok_status();
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
  struct Entry {
    std::string rel;
    uint64_t size;
  };

  Result<bool> next_impl(Document& doc) {
    while (next_ < entries_.size()) {
      const Entry& entry = entries_[next_++];
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
  std::vector<Entry> entries_;
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

// kAuto by name: the extension under an optional .gz/.zst decides, if it is a known one.
InputFormat format_from_name(std::string_view path) {
  if (ends_with_ci(path, ".gz")) {
    path.remove_suffix(3);
  } else if (ends_with_ci(path, ".zst")) {
    path.remove_suffix(4);
  }
  if (ends_with_ci(path, ".jsonl") || ends_with_ci(path, ".ndjson") ||
      ends_with_ci(path, ".json")) {
    return InputFormat::kJsonl;
  }
  if (ends_with_ci(path, ".tsv")) return InputFormat::kTsv;
  if (ends_with_ci(path, ".txt")) return InputFormat::kLines;
  return InputFormat::kAuto;
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
  if (format == InputFormat::kDirectory || (format == InputFormat::kAuto && is_dir)) {
    if (!is_dir) return Status::io_error(path + ": not a directory");
    auto reader = std::make_unique<DirectoryReader>(path, options);
    NEARDUP_RETURN_IF_ERROR(reader->list());
    return std::unique_ptr<DocumentReader>(std::move(reader));
  }
  if (format == InputFormat::kAuto && path != "-") format = format_from_name(path);
  Result<std::unique_ptr<ByteSource>> src = ByteSource::open(path);
  if (!src.ok()) return src.status();
  auto reader = std::make_unique<StreamReader>(path, format, options, std::move(*src));
  NEARDUP_RETURN_IF_ERROR(reader->init());
  if (format == InputFormat::kAuto) NEARDUP_RETURN_IF_ERROR(reader->detect_format());
  return std::unique_ptr<DocumentReader>(std::move(reader));
}

}  // namespace

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
