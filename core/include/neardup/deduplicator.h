// Deduplicator: the stable facade a crawler links. One question per fetched page, "have I
// (nearly) seen this before?", answered from a persistent index that lives for months.
//
//   auto dedup = neardup::Deduplicator::create({.threshold = 0.8});   // or ::load("crawl.ndx")
//   // SimHash instead: create({.backend = neardup::DedupBackend::kSimHash, .max_distance = 3})
//   if (!dedup.ok()) return dedup.status();
//   neardup::Result<neardup::DedupVerdict> v = dedup->add_if_new(url, page_text);
//   if (v.ok() && !v->added) skip(url, v->match.id, v->match.similarity);
//   neardup::Status st = dedup->save("crawl.ndx");    // snapshot; queries continue meanwhile
//
// Stability: this header, status.h and neardup_c.h are the stable API (exported from the shared
// library, see export.h). They include only standard headers and each other: no hashing, SIMD or
// linear-algebra headers, and the implementation sits behind a pointer (pimpl), so it can change
// without recompiling callers. Options are plain structs with defaults and validate(); fields
// are only ever appended. Errors are Status / Result values; nothing throws, prints or aborts.
//
// Backends (DeduplicatorOptions::backend; load() picks the backend from the file's magic bytes,
// stats() names the backend in use):
//  - kMinHash (default) signs word or character shingles with MinHash and finds candidates with
//    banded LSH, verified by the estimated Jaccard similarity >= threshold (index.h has the
//    algorithm, file format "NDUPINDX" and exact costs).
//  - kSimHash fingerprints the same shingles with 64- or 128-bit SimHash (term-frequency
//    weights) and finds every indexed page whose fingerprint differs in at most max_distance
//    bits, exactly, with permuted block tables (simhash_index.h: algorithm, file format
//    "NDUPSIMX"). Its reported similarity is 1 - distance / simhash_bits (1 for an identical
//    fingerprint, >= 1 - 3/64 = 0.953 at the defaults): an estimate of 1 - angle / pi between
//    the shingle-count vectors, not a Jaccard estimate, so `threshold` does not apply. At the
//    default 3 bits it is ~6x smaller than kMinHash (~150 vs ~840 B/page) and strict: it
//    finds re-fetched and trivially edited pages (one word changed at the end of a 200-word
//    page: ~90% within 3 bits), but only ~35% of pages with one word changed mid-text, which
//    MinHash at 0.8 always finds. max_distance 6 finds ~83% of those at ~MinHash's memory.
//    Removal tombstones a page (it never matches again); its memory is returned on save + load.
//  - kContainment asks whether a page is (nearly) CONTAINED in a page seen before, or a page seen
//    before sits inside it (containment_direction): an article embedded whole in a page with
//    sidebars and comments has low Jaccard similarity with it but containment near 1. Exact
//    shingle sets are kept and every candidate from a partitioned MinHash LSH index (LSH
//    Ensemble, advanced/containment_index.h: each pair at the threshold is a candidate with
//    probability >= 0.99) is verified exactly: matches carry the exact containments
//    (DedupMatch::query_in_match, match_in_query). File format "NDUPCONT". Memory: 8 bytes per
//    distinct shingle plus ~3 KB per page at 128 slots (stats()); the cost of exactness.
//
// Thread safety: every method may be called from any number of threads at once on one
// Deduplicator, except moving, assigning and destroying it. Readers (query, size, contains,
// stats, save) run concurrently with each other; writers (add, add_if_new, remove, reserve)
// serialize with each other and with readers of the index tables, but text normalization and
// signing run outside any lock, on the caller's thread. A query sees every write that completed
// before it started. add_if_new's check and insert are atomic: of two threads adding the same
// new page at once, exactly one gets added = true. save() writes a consistent snapshot (every
// write that completed before it, none after) while queries continue; writers wait only for
// the in-memory copy, not for the disk.
//
// Cost (MinHash, 128 slots, threshold 0.8, 1.2 KB pages, one core of the 2-core test VM; see
// bench/micro/bench_index.cpp): query p50 4.0 / 5.1 / 6.0 us at 100k / 1M / 10M pages, of which
// signing the text is ~4 us and the index part 0.6 / 1.2 / 2.0 us; add_if_new ~6-7 us.
// Memory ~780-810 bytes per page plus the id bytes at 128 slots (stats()); a removed page's
// memory is returned on the next save + load.
// Cost (SimHash, 64 bits, max_distance 3 = 10 block tables; the same pages, one thread, 100k
// pages, a scratch timing loop; MinHash measured alongside: query p50 3.7 us): query p50 3.0 /
// p99 4.3 us, of which fingerprinting the text is ~2.5 us and the index part 0.3-0.4 / 0.7-0.9
// us; add_if_new p50 3.7 us (~255k pages/s); memory ~150 bytes per page with 9-byte ids
// (stats()). max_distance 6 (84 tables): query p50 9.7 us, ~920 B/page.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/export.h"
#include "neardup/status.h"

namespace neardup {

enum class DedupBackend : uint8_t {
  kMinHash = 1,      // Jaccard similarity of shingle sets (MinHash + banded LSH)
  kSimHash = 2,      // Hamming distance of SimHash fingerprints (permuted block tables)
  kContainment = 3,  // containment |A ∩ B| / |A| of shingle sets (LSH Ensemble, exact check)
};

// kContainment: which containment a query asks about (Q the queried page, B an indexed one).
enum class DedupDirection : uint8_t {
  kQueryInIndexed = 0,  // Q is (nearly) contained in B: |Q ∩ B| / |Q| >= threshold
  kIndexedInQuery = 1,  // B sits inside Q: |Q ∩ B| / |B| >= threshold
  kEither = 2,          // either of the two
};

// "minhash", "simhash", "containment".
NEARDUP_API std::string_view dedup_backend_name(DedupBackend backend) noexcept;

struct DeduplicatorOptions {
  DedupBackend backend = DedupBackend::kMinHash;
  // kMinHash: a page matches an indexed one when their estimated Jaccard similarity is at least
  // this; kContainment: when the exact containment (containment_direction) is at least this;
  // in (0, 1]. Not used by kSimHash (see max_distance).
  double threshold = 0.8;
  // Shingles: `shingle_k` consecutive words (char_shingles = false) or code points (true), of
  // the normalized text (NFKC, case folded, punctuation unified, whitespace folded); 1..64.
  uint32_t shingle_k = 5;
  bool char_shingles = false;
  // kMinHash: slots per signature (more: finer similarity estimates, more memory); 1..8192.
  // kContainment: slots of the LSH Ensemble signature (more: better recall of small pages in
  // much larger ones, more memory); 1..1024.
  uint32_t num_perm = 128;
  uint64_t seed = 1;  // MinHash or SimHash seed
  // kMinHash: LSH shape; 0/0 = derived from threshold and num_perm (recall-oriented). Set both
  // or neither.
  uint32_t bands = 0;
  uint32_t rows = 0;
  // kSimHash: a page matches an indexed one when their fingerprints differ in at most this many
  // bits; below simhash_bits (Manku et al. use 3 of 64). Larger values need more block tables,
  // and memory and time per page grow with them: 64 bits, k = 0, 1, 2, 3, 4, 5, 6, 7, 8: 1, 2,
  // 3, 10, 15, 56, 84, 120, 495 tables (each ~4-8 B per page; hamming_index.h).
  uint32_t max_distance = 3;
  // kSimHash: fingerprint width, 64 or 128.
  uint32_t simhash_bits = 64;
  // kContainment: the direction query(), add_if_new() (a page is not added when it matches)
  // and the reported similarity use.
  DedupDirection containment_direction = DedupDirection::kQueryInIndexed;

  // invalid_argument / out_of_range naming the offending field; ok otherwise.
  NEARDUP_API Status validate() const;
};

struct DedupMatch {
  std::string id;
  // Estimated similarity with the queried page: Jaccard (kMinHash), 1 - distance / simhash_bits
  // (kSimHash); kContainment: the larger of the two exact containments below that qualifies
  // under containment_direction.
  double similarity = 0;
  // kContainment only (0 otherwise), exact over the shingle sets, Q the queried page and M this
  // match: |Q ∩ M| / |Q| (how much of the query lies in the match) and |Q ∩ M| / |M|.
  double query_in_match = 0;
  double match_in_query = 0;
};

struct DedupVerdict {
  bool added = false;  // true: the page was new and is now indexed
  DedupMatch match;    // when !added: the best match, the reason it was not added
};

struct DedupStats {
  DedupBackend backend = DedupBackend::kMinHash;
  uint64_t documents = 0;     // size()
  uint64_t memory_bytes = 0;  // heap bytes held by the index (capacity, incl. removed documents)
  double bytes_per_document = 0;  // memory_bytes / documents (0 when empty)
  // The lowest similarity a match can have: threshold (kMinHash, kContainment), 1 -
  // max_distance / simhash_bits (kSimHash).
  double threshold = 0;
  uint32_t num_perm = 0;  // kMinHash, kContainment (0 for kSimHash)
  uint32_t bands = 0;     // kMinHash: LSH shape actually used (0 for kSimHash)
  uint32_t rows = 0;
  uint32_t simhash_bits = 0;  // kSimHash (0 for kMinHash)
  uint32_t max_distance = 0;  // kSimHash
  uint32_t tables = 0;        // kSimHash: permuted block tables
  uint32_t band_entries = 0;  // kContainment: LSH entries per page (240 at 128 slots)
};

class NEARDUP_API Deduplicator {
 public:
  // An empty index. Errors: invalid options (as validate()).
  static Result<Deduplicator> create(const DeduplicatorOptions& options);
  // An index saved by save(). Errors: kIoError (cannot open/read), kCorruptData (not an index,
  // truncated, checksum mismatch), kUnsupportedVersion (a format this build does not read).
  // Messages start with the path. The loaded index keeps the options it was saved with and
  // grows with add() like a new one.
  static Result<Deduplicator> load(const std::string& path);

  Deduplicator(Deduplicator&&) noexcept;
  Deduplicator& operator=(Deduplicator&&) noexcept;
  ~Deduplicator();

  // Indexes `text` under `id` (ids are opaque bytes, up to 1 MiB; uniqueness is not checked).
  Status add(std::string_view id, std::string_view text);
  // Indexed pages that match `text` (similarity >= threshold for kMinHash, distance <=
  // max_distance for kSimHash), best first (ties: earlier added first), at most max_results.
  Result<std::vector<DedupMatch>> query(std::string_view text, std::size_t max_results = 10) const;
  // Adds the page unless some indexed page matches; atomic (see the thread-safety contract).
  Result<DedupVerdict> add_if_new(std::string_view id, std::string_view text);
  // Removes every page indexed under `id`; returns how many (0 if none). A removed page never
  // matches again; its memory is returned when the index is saved and loaded.
  Result<std::size_t> remove(std::string_view id);
  // Whether a page is indexed under `id`.
  bool contains(std::string_view id) const;
  // Pages indexed (removed ones not counted).
  std::size_t size() const;
  // Pre-sizes the index for `documents` pages in total (a hint: adds up to that never pause
  // queries to grow the tables).
  void reserve(std::size_t documents);

  // Writes a snapshot to `path` atomically (temporary file, fsync, rename). Errors: kIoError.
  Status save(const std::string& path) const;

  DedupStats stats() const;
  // The options in effect (for a loaded index: those it was saved with).
  const DeduplicatorOptions& options() const noexcept;

  class Backend;  // the implementation interface (defined in the library)

 private:
  explicit Deduplicator(std::unique_ptr<Backend> backend);
  std::unique_ptr<Backend> backend_;
};

// Containment in a batch of pages: which page is (nearly) contained in another, e.g. an article
// embedded whole in a page with sidebars and comments, whose Jaccard similarity with the page
// is low. Page i is contained in page j when at least `threshold` of i's shingles (as in
// DeduplicatorOptions: `shingle_k` words or code points of the normalized text) are in j.
//
//   std::vector<std::string_view> pages = {article, page_with_article, other};
//   auto found = neardup::find_contained(pages, {.threshold = 0.9});
//   // found->at(0): {.document = 0, .container = 1, .containment = 1.0}
//
// Candidates come from a partitioned MinHash LSH index (LSH Ensemble, advanced/containment.h:
// each contained pair is a candidate with probability >= 0.99 when num_perm slots allow it)
// and every candidate is verified exactly, so a reported pair always reaches the threshold.
// For each contained page the result names its best container among the pages ranked above it
// (more shingles, or as many and earlier): highest containment, then the higher rank; identical
// pages are contained in the first. Ordered by `document`. Cost: 8 bytes per distinct shingle
// and 4 per slot for each page while it runs; pages of very different sizes cost more
// candidates. Thread safety: a pure function.
struct ContainmentSearchOptions {
  double threshold = 0.9;  // in (0, 1]
  uint32_t shingle_k = 5;  // 1..64
  bool char_shingles = false;
  uint32_t num_perm = 128;  // 1..1024
  uint64_t seed = 1;
  // invalid_argument / out_of_range naming the offending field; ok otherwise.
  NEARDUP_API Status validate() const;
};
struct ContainedPage {
  std::size_t document = 0;   // index into the pages given
  std::size_t container = 0;  // the page that contains it
  double containment = 0;     // |document ∩ container| / |document| over shingles
};
NEARDUP_API Result<std::vector<ContainedPage>> find_contained(
    const std::vector<std::string_view>& pages, const ContainmentSearchOptions& options = {});

}  // namespace neardup
