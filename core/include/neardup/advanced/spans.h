// Span deduplication: text repeated across the documents of a corpus, cut out of each document
// while the rest of it stays. Two kinds:
//
//   * units (SpanDeduplicator): lines, paragraphs or windows of N sentences, normalized and
//     hashed (XXH3-128); a unit found in at least `min_docs` documents is repeated. What
//     datatrove and CCNet do for lines and 3-sentence spans, Dolma for paragraphs.
//   * substrings (SubstringDeduplicator): every byte string of at least `min_bytes` (and
//     `min_tokens` whitespace tokens) that already occurred earlier in the corpus, found with a
//     suffix array (libdivsufsort), as in Lee et al. 2022, "Deduplicating Training Data Makes
//     Language Models Better"; the first occurrence stays.
//
// Units take two passes over the corpus, in the same order both times:
//
//   auto dedup = neardup::SpanDeduplicator::create({.unit = {neardup::SpanUnitKind::kLine}});
//   neardup::SpanDeduplicator::Scratch scratch;  // one per thread
//   neardup::PreparedSpans p;
//   for (text : corpus) { dedup->prepare(text, p, scratch); st = dedup->add(p); }
//   st = dedup->finish();
//   std::vector<neardup::RepeatedUnit> rep;
//   for (text : corpus) { dedup->prepare(text, p, scratch); st = dedup->next(p, rep);
//                         neardup::cut_units(text, p, rep, dedup->options(), out); }
//
// Substrings need the whole corpus in memory once (add each text, finish, then removed(i)).
//
// Thread safety: prepare() is const and may run on any thread with its own Scratch; add(),
// finish() and next() need one caller, in document order. The free functions are pure.
//
// Cost. Units: prepare is O(text) (normalization of each unit, one hash each). add() keeps 24
// bytes per hashed unit occurrence in an external merge sort bounded by SpillOptions::memory_bytes
// (sorted runs spill to SpillOptions::tmp_dir past it); finish() merges them and writes 16 bytes
// per occurrence of a repeated unit to a second sort keyed by document, plus 4 bytes per distinct
// repeated unit in memory. Substrings: kSubstringBytesPerInputByte (9) bytes of memory per input
// byte at the peak (text, 32-bit suffix array, 16-bit capped LCP and longest-previous-factor
// arrays), plus a stack that is small on text (it grows only along a run of suffixes that share
// min_bytes or more and appear in increasing position order, e.g. one character repeated);
// at most kSubstringMaxBytes (2^31 - 2) bytes in all, the limit of the 32-bit suffix array.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/hash.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/spill.h"
#include "neardup/status.h"

namespace neardup {

// ---- units -------------------------------------------------------------------------------------

enum class SpanUnitKind : uint8_t { kLine, kParagraph, kSentences };

// What is counted: a line, a paragraph (lines up to a blank line), or a window of `sentences`
// consecutive sentences (every window, overlapping; a document with fewer sentences has none).
struct SpanUnit {
  SpanUnitKind kind = SpanUnitKind::kLine;
  uint32_t sentences = 3;  // kSentences only
};

// "line", "paragraph", "sentences:N" (N in 1..1000).
Result<SpanUnit> parse_span_unit(std::string_view name);
std::string span_unit_name(SpanUnit unit);

// A piece of a document (a line, a paragraph or a sentence): its content [begin, end) without
// surrounding white space, and [cut_begin, cut_end) what cutting it removes: a line with its
// indentation, line break and the blank lines after it; a paragraph with the blank lines after
// it; a sentence with the spaces after it (and its line break when it is a whole line).
struct TextPiece {
  uint32_t cut_begin = 0, begin = 0, end = 0, cut_end = 0;
};

// The pieces of `text` in order; white-space-only lines and paragraphs are not pieces (they
// stay). Lines end at '\n' (a '\r' before it is white space); sentences end after '.', '!' or
// '?' followed by white space, or at a line break. `out` is overwritten.
void split_pieces(std::string_view text, SpanUnitKind kind, std::vector<TextPiece>& out);

struct SpanDedupOptions {
  SpanUnit unit;
  uint32_t min_docs = 2;        // a unit in at least this many documents is repeated (>= 2)
  bool keep_first = true;       // the first document with a repeated unit keeps it
  uint32_t min_unit_chars = 0;  // units shorter than this (code points, normalized) never count
  NormalizeOptions normalize;   // applied to each unit before hashing
  uint64_t seed = 0;            // of the unit hashes

  Status validate() const;
};

// One document's units: its pieces, and the units that are hashed (unit j covers pieces
// first_piece[j] .. first_piece[j] + window - 1).
struct PreparedSpans {
  std::vector<TextPiece> pieces;
  std::vector<Hash128> hashes;
  std::vector<uint32_t> first_piece;
  uint32_t window = 1;
};

// A unit of a document that is repeated (in the order of PreparedSpans::hashes): `unit` its
// index there, `docs` the number of documents that have it, `first` whether this document is
// the first of them.
struct RepeatedUnit {
  uint32_t unit = 0;
  uint32_t docs = 0;
  bool first = false;
};

struct SpanDedupStats {
  uint64_t documents = 0;
  uint64_t units = 0;           // hashed unit occurrences
  uint64_t repeated_units = 0;  // distinct units in at least min_docs documents
  uint64_t repeated_occurrences = 0;
};

class SpanDeduplicator {
 public:
  struct Scratch {
    Normalizer normalizer;
    std::string normalized, window;
    std::vector<uint32_t> piece_offsets;  // into `normalized`, one past each piece
    NormalizeStats normalize_stats;
    explicit Scratch(const NormalizeOptions& n = {}) : normalizer(n) {}
  };

  // Errors: invalid options or spill options (InvalidArgument).
  static Result<SpanDeduplicator> create(const SpanDedupOptions& options,
                                         const SpillOptions& spill = {});
  SpanDeduplicator(SpanDeduplicator&&) noexcept;
  SpanDeduplicator& operator=(SpanDeduplicator&&) noexcept;
  ~SpanDeduplicator();

  const SpanDedupOptions& options() const noexcept;

  // Splits `text` into pieces and hashes its units (those of at least min_unit_chars). Uses a
  // Scratch made with options().normalize for the same results as every other thread.
  void prepare(std::string_view text, PreparedSpans& out, Scratch& scratch) const;
  // First pass, in document order. Errors: temporary file I/O; more than 2^32 - 1 documents.
  Status add(const PreparedSpans& doc);
  // Counts the documents of every unit. Errors: temporary file I/O.
  Status finish();
  // Second pass, the same documents in the same order (prepared again): the document's
  // repeated units, in unit order. Errors: temporary file I/O, or a document with fewer units
  // than in the first pass (the input changed).
  Status next(const PreparedSpans& doc, std::vector<RepeatedUnit>& out);

  const SpanDedupStats& stats() const noexcept;
  const SpillStats& spill_stats() const noexcept;

 private:
  struct Impl;
  explicit SpanDeduplicator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A byte range [begin, end) of a document.
struct ByteRange {
  uint32_t begin = 0, end = 0;
  friend bool operator==(const ByteRange&, const ByteRange&) = default;
};

// The ranges to cut for the repeated units `repeated` of `doc` (prepared from `text`): the
// cut extent of every piece covered by a repeated unit, except the first document's when
// `keep_first`; merged and in order. `content` (when not null) gets the pieces' content bytes
// (without separators) instead, for reports of how much text is repeated; there keep_first
// is ignored.
void repeated_ranges(const PreparedSpans& doc, std::span<const RepeatedUnit> repeated,
                     bool keep_first, std::vector<ByteRange>& out);
void repeated_content(const PreparedSpans& doc, std::span<const RepeatedUnit> repeated,
                      std::vector<ByteRange>& out);

// `text` without `ranges` (sorted, disjoint, within text). `out` is overwritten.
void cut_ranges(std::string_view text, std::span<const ByteRange> ranges, std::string& out);

// ---- substrings --------------------------------------------------------------------------------

inline constexpr uint64_t kSubstringBytesPerInputByte = 9;
inline constexpr uint64_t kSubstringMaxBytes = (uint64_t{1} << 31) - 2;

struct SubstringOptions {
  uint32_t min_bytes = 100;  // a repeat is at least this long (>= 1)
  uint32_t min_tokens = 0;   // and spans at least this many white-space separated tokens
  // The corpus (all texts, one byte between documents) may hold at most this many bytes:
  // kSubstringMaxBytes at most.
  uint64_t max_bytes = kSubstringMaxBytes;

  Status validate() const;
};

// The repeats of a corpus after their first occurrence. `text` holds the documents joined by one
// NUL byte each (a NUL inside a document counts as byte 0x01 for matching); `doc_ends` is one
// past each document's last byte, increasing, the last == text.size(). The result is the union
// of every range [i, i + len) with len >= min_bytes (and at least min_tokens tokens) inside one
// document such that text[i, i + len) also starts at some j < i: sorted, disjoint, shrunk to
// UTF-8 character boundaries, in corpus offsets. Errors: more than kSubstringMaxBytes.
Status find_repeats(std::string_view text, std::span<const uint64_t> doc_ends,
                    const SubstringOptions& options, std::vector<ByteRange>& out);

class SubstringDeduplicator {
 public:
  static Result<SubstringDeduplicator> create(const SubstringOptions& options);
  // Appends a document. Errors: OutOfRange when the corpus would pass max_bytes (nothing is
  // added then).
  Status add(std::string_view text);
  // Finds the repeats (find_repeats) and frees the corpus.
  Status finish();
  uint64_t documents() const noexcept { return ends_.size(); }
  uint64_t bytes() const noexcept { return text_.size(); }
  // After finish(): document `doc`'s ranges to cut, relative to its text, sorted.
  std::span<const ByteRange> removed(uint64_t doc) const noexcept;

 private:
  explicit SubstringDeduplicator(const SubstringOptions& options) : options_(options) {}
  SubstringOptions options_;
  std::string text_;
  std::vector<uint64_t> ends_;         // one past each document's text in text_
  std::vector<uint64_t> range_begin_;  // document i's ranges: ranges_[range_begin_[i] ..]
  std::vector<ByteRange> ranges_;
};

}  // namespace neardup
