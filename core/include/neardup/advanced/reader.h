// Document readers: stream documents out of files, directories of shards, directories of
// documents or stdin in constant memory (bounded by the largest single record), with transparent
// gzip, zstd, xz and bzip2 decompression.
//
//   neardup::ReaderOptions opt;                 // JSONL with "id"/"text" by default
//   auto reader = neardup::DocumentReader::open("crawl.jsonl.zst", opt);
//   if (!reader.ok()) return reader.status();
//   neardup::Document doc;
//   while (true) {
//     neardup::Result<bool> more = (*reader)->next(doc);
//     if (!more.ok()) return more.status();   // "crawl.jsonl.zst:17: malformed JSON: ..."
//     if (!*more) break;
//     use(doc.id, doc.text);
//   }
//
// Formats (InputFormat):
//   kJsonl   one JSON object per line; the text is `text_field` (default "text"), the id is
//            `id_field` (default "id", a string or a number); a record without it gets the id
//            "<file>:<line>" (the path as opened, "-" for stdin; the 1-based line), counted in
//            ReaderStats::missing_id, so that it is not mistaken for a real id such as "3"
//            (a caller can tell a field no record has, e.g. a typo, by missing_id == records).
//            An id is returned as read: invalid UTF-8 bytes pass through, and a lone \u
//            surrogate escape becomes its 3-byte generalized UTF-8 form (ED A0 80 for \ud800),
//            so that distinct ids stay distinct. Blank lines are skipped (counted in blank_lines).
//            A line that is not a JSON object, or lacks a string text field, is a malformed record;
//            a null text is empty text (counted in null_text), not an error. A record that is valid
//            JSON except for invalid UTF-8 bytes, raw control characters in strings or a lone \u
//            surrogate is kept (counted in lenient): the bytes pass through as read, a lone
//            surrogate becomes U+FFFD.
//   kTsv     `id<TAB>text` per line; the text may contain further tabs. A line without a tab
//            is a malformed record.
//   kLines   one document per line; the id is the 1-based line number. Blank lines (empty or
//            only spaces/tabs) are skipped in every line format.
//   kDirectory  every regular file below the directory, recursively, in byte order of their
//            relative paths; one document per file, id = relative path. Compressed files are
//            decompressed (and the suffix stays in the id).
//   kShards  a corpus cut into files: every regular file below the directory, recursively, in
//            byte order of their relative paths, each read as its own stream of records (format
//            by its name, else its content, as kAuto; compression by its magic bytes). Files
//            and folders whose name starts with '.' or '_' (_SUCCESS, .crc) are left out. A
//            record without an id gets "<relative path>:<line>", so ids never collide across
//            shards. ReaderStats::files counts the shards.
//   kAuto    a directory -> kShards when its visible files are all JSONL or TSV by name
//            (compressed or not), kDirectory when none is, and an invalid_argument error naming
//            one of each when it holds both; a file -> by the name without .gz/.zst/.xz/.bz2:
//            .jsonl .ndjson .json -> kJsonl, .tsv -> kTsv, .txt -> kLines; otherwise (and for
//            "-") the first non-blank byte (in the first MiB) decides: '{' -> kJsonl, else
//            kLines.
// Lines end at '\n'; a trailing '\r' is removed (CRLF files). A UTF-8 BOM at the start of a file
// is removed. Document text is returned as read (not normalized, not validated as UTF-8): the
// Normalizer repairs invalid bytes, so nothing is dropped.
//
// Not text: a file whose (decompressed) first 64 KiB hold a NUL byte, or which starts with a
// known binary signature (ELF, PNG, JPEG, GIF, PDF, ZIP, 7-Zip, RAR, Mach-O, gzip or zstd data
// inside a compressed file, UTF-16), is a kCorruptData error naming the file and what it is;
// with skip_bad the file (or its rest, for a NUL past the first records) is skipped and counted
// in ReaderStats::skipped_files.
//
// Errors: an unreadable file, a truncated or corrupt compressed stream, or (without skip_bad) a
// malformed record return an error Status naming "<file>:<line>". With skip_bad, malformed
// records are skipped and counted in ReaderStats::skipped; I/O and decompression errors are
// never skipped. A record longer than max_record_bytes is an out-of-range error (or skipped).
// After a malformed or oversized record next() may be called again and continues with the next
// record; after an I/O or decompression error it returns that error again.
//
// Live input (a pipe, terminal or socket that a producer is still writing): next() waits for the
// next record. try_next() instead returns kWouldBlock when the next record has not fully arrived
// and the input has nothing to read right now; it keeps what it has read, so the caller can hand
// on the documents it already has and call again (or call next() to wait). Regular files and
// directories never report kWouldBlock. A compressed stream reports it only when the
// decompressor has used up the input it read (a partly arrived compressed block can still wait),
// and the first bytes of a stream (format and compression detection) are always waited for.
//
// Thread safety: a DocumentReader is used by one thread at a time. Cost: one buffered pass over
// the input; memory O(largest record).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "neardup/status.h"

namespace neardup {

enum class InputFormat : uint8_t { kAuto, kJsonl, kTsv, kLines, kDirectory, kShards };

// "auto", "jsonl", "tsv", "lines", "dir", "shards".
Result<InputFormat> parse_input_format(std::string_view name);
std::string_view input_format_name(InputFormat f) noexcept;

struct ReaderOptions {
  InputFormat format = InputFormat::kAuto;
  std::string id_field = "id";
  std::string text_field = "text";
  bool skip_bad = false;
  uint64_t max_record_bytes = uint64_t{1} << 31;  // 2 GiB
  // A directory (kShards, kDirectory) is read from its file number file_begin up to, not
  // including, file_end, counting its files in the order they are read (count_input_files);
  // how `neardup sketch --shard I/N` reads its part of a corpus. Other inputs ignore them.
  uint64_t file_begin = 0;
  uint64_t file_end = UINT64_MAX;
  // A byte range of one file (how `--shard I/N` cuts a file too large for one job): a regular,
  // uncompressed file in a line format (JSONL, TSV, lines) is read from the first record that
  // starts at or after byte_begin up to the last one that starts before byte_end, so that
  // consecutive ranges read every record exactly once. Line numbers (in errors, Document::line
  // and the ids "FILE:LINE" made up for records without one) count from the start of the file,
  // as in a whole read: lines_before is the number of lines before the range's first record
  // when the caller knows it (from locate_records() of the earlier ranges), else the reader
  // counts them, reading the bytes before the range. Standard input, directories and compressed
  // files refuse a range (InvalidArgument).
  uint64_t byte_begin = 0;
  uint64_t byte_end = UINT64_MAX;
  static constexpr uint64_t kLinesUnknown = UINT64_MAX;
  uint64_t lines_before = kLinesUnknown;

  bool has_byte_range() const noexcept {
    return byte_begin > 0 || byte_end != UINT64_MAX || lines_before != kLinesUnknown;
  }
  Status validate() const;
};

// The records of a regular, uncompressed file that start at a byte in [begin, end): they fill
// the bytes [start, stop) of the file; `lines` counts them (the '\n' in the range, plus an
// unterminated last line) when asked for. Errors: the file cannot be read, or is compressed.
struct RecordRange {
  uint64_t start = 0;
  uint64_t stop = 0;
  uint64_t lines = 0;
};
Result<RecordRange> locate_records(const std::string& path, uint64_t begin, uint64_t end,
                                   bool count_lines);

// Whether `path` can be read by byte ranges: a regular file (not a directory, not standard
// input) whose data is not compressed. Errors: it cannot be opened.
Result<bool> splittable_file(const std::string& path);

// How many files DocumentReader::open(path, options) reads: those of a directory (after the
// hidden files of kShards are left out), 1 for a file or "-". Errors as open()'s.
Result<uint64_t> count_input_files(const std::string& path, const ReaderOptions& options);

struct Document {
  std::string id;
  std::string text;
  std::string raw;     // the record exactly as read (the JSONL/TSV line, or file bytes)
  std::string source;  // file the record came from ("-" for stdin)
  uint64_t line = 0;   // 1-based line of the record in its file (0 for kDirectory)
};

struct ReaderStats {
  uint64_t records = 0;        // documents returned
  uint64_t skipped = 0;        // malformed records skipped under skip_bad
  uint64_t blank_lines = 0;    // empty lines skipped (JSONL/TSV/lines)
  uint64_t lenient = 0;        // JSONL records kept despite invalid UTF-8 etc. (see kJsonl)
  uint64_t bytes = 0;          // decompressed bytes consumed
  uint64_t files = 0;          // files opened
  uint64_t skipped_files = 0;  // files skipped under skip_bad because they are not text
  uint64_t null_text = 0;      // JSONL records whose text is null, read as empty text
  uint64_t missing_id = 0;     // JSONL records without id_field, given "<file>:<line>"

  void add(const ReaderStats& o) noexcept {
    records += o.records;
    skipped_files += o.skipped_files;
    skipped += o.skipped;
    blank_lines += o.blank_lines;
    lenient += o.lenient;
    bytes += o.bytes;
    files += o.files;
    null_text += o.null_text;
    missing_id += o.missing_id;
  }
};

// What DocumentReader::try_next() found.
enum class NextOutcome : uint8_t { kDocument, kEnd, kWouldBlock };

class DocumentReader {
 public:
  virtual ~DocumentReader() = default;

  // Opens `path` ("-" for stdin). Fails if the path cannot be opened or the options are invalid.
  static Result<std::unique_ptr<DocumentReader>> open(const std::string& path,
                                                      const ReaderOptions& options);

  // Fills `doc` with the next document and returns true, or returns false at the end.
  virtual Result<bool> next(Document& doc) = 0;
  // Like next(), but returns kWouldBlock instead of waiting for live input (see above); `doc`
  // is unspecified then. The default calls next(): readers that never wait need nothing else.
  virtual Result<NextOutcome> try_next(Document& doc);

  virtual const ReaderStats& stats() const noexcept = 0;
  // The format actually used (after kAuto detection).
  virtual InputFormat format() const noexcept = 0;
  // Total input size in bytes if known (compressed size for compressed files), else 0; and the
  // bytes of input consumed so far on the same scale, for progress/ETA.
  virtual uint64_t input_size() const noexcept = 0;
  virtual uint64_t input_consumed() const noexcept = 0;
};

// A byte stream with transparent decompression; exposed for tests and other readers.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Opens a file ("-" = stdin); gzip, zstd, xz and bzip2 data are decompressed (told by their
  // magic bytes; a .gz/.zst/.xz/.bz2 name without the matching magic is an error).
  static Result<std::unique_ptr<ByteSource>> open(const std::string& path);
  // Reads up to n bytes; returns 0 only at the end of the stream. A truncated or corrupt
  // compressed stream is a kCorruptData error.
  virtual Result<std::size_t> read(char* buf, std::size_t n) = 0;
  // True when read() would wait for input that has not arrived yet: an open pipe, terminal or
  // socket with nothing to read right now. False for regular files, at the end of the stream,
  // after an error, and when it cannot tell. Never blocks.
  virtual bool would_block() const noexcept { return false; }
  virtual uint64_t size() const noexcept = 0;      // compressed file size if known, else 0
  virtual uint64_t consumed() const noexcept = 0;  // compressed bytes consumed so far
};

}  // namespace neardup
