// ContainmentIndex: a persistent, thread-safe containment index, the engine behind
// Deduplicator's kContainment backend (deduplicator.h). It answers "is this page (nearly)
// contained in a page I have seen?" and "does a page I have seen sit inside this one?": page A is
// contained in page B when |A ∩ B| / |A| >= threshold over the shingle sets of their normalized
// text (the measure of the batch search in containment.h).
//
//   auto index = neardup::ContainmentIndex::create({.threshold = 0.9});   // or load("crawl.ndc")
//   auto r = index->add_if_new(url, page_text);     // not added if contained in a page seen
//   if (r.ok() && !r->added) skip(url, r->match.id, r->match.query_in_match);
//   auto hits = index->query(text);                 // best first, exact containments
//   neardup::Status st = index->save("crawl.ndc");  // atomic replace, snapshot
//
// Direction (ContainmentIndexOptions::direction): kQueryInIndexed matches indexed pages B with
// |Q ∩ B| / |Q| >= threshold (the query is contained in B; the default, so add_if_new drops
// pages already seen inside a larger one); kIndexedInQuery matches B with |Q ∩ B| / |B| >=
// threshold (B sits inside the query); kEither matches both. Every match reports both exact
// values (IndexMatch::query_in_match, match_in_query); `similarity` is the larger of the
// qualifying ones, and matches are ranked by it (ties: earlier added first).
//
// Algorithm (LSH Ensemble, Zhu, Nargesian, Pu, Miller, VLDB 2016; the probing code is the batch
// search's, containment/lsh_ensemble.h). Each document is stored with its sorted, distinct 64-bit
// shingle hashes (for exact verification) and its 32-bit MinHash signature (num_perm independent
// permutations). Documents are partitioned by set size into classes [2^p, 2^(p+1)) (a stream has
// no final size distribution to cut into the paper's equal-depth partitions; a class bounds the
// size ratio within it by 2). The signature is entered in banded LSH tables for r = 1, 2, 4 and 8
// rows (all num_perm / r bands of each). A query Q of q shingles probes each class p holding
// documents with sizes in [l_p, u_p] (the smallest and largest ever added to it):
//   Q in B: the pair's Jaccard is at least s* = T q / (q (1 - T) + u_p) (skipped if u_p < T q);
//   B in Q: at least s* = T l_p / (l_p (1 - T) + q) (skipped if T l_p > q);
// and the class is probed with the shape (r in {1, 2, 4, 8}, b bands) whose collision probability
// 1 - (1 - s*^r)^b reaches `recall` (0.99) with the fewest false candidates at s*/2. So every
// pair at the threshold is a candidate with probability >= recall, unless even r = 1 with all
// num_perm slots cannot reach it (a page of q shingles inside one of ~30 q or more at T = 0.9,
// num_perm 128: raise num_perm). Candidates are then verified EXACTLY on the stored shingle sets
// (a merge), so every reported match reaches the threshold (up to 64-bit hash collisions) and
// carries its exact containment values. Empty documents (no shingles) are stored but match
// nothing. The result is the batch search's (find_contained, --mode containment) pairs, minus
// the ~(1 - recall) the LSH may miss (containment_index_test checks both directions on a
// generated corpus).
//
// Removal: remove(id) unlinks the documents from the LSH chains and the id table; their memory
// is returned when the index is saved and loaded again (as NearDupIndex).
// Thread safety: as NearDupIndex (index.h): queries, size, contains, memory_bytes and save run
// concurrently (shared lock); add, add_if_new, remove and reserve serialize (exclusive lock);
// shingling and signing run before any lock; add_if_new's check and insert are atomic.
//
// Memory per document at 128 slots: 8 B per distinct shingle (the exact sets) + 512 B signature
// + 240 band entries of 8 B (32-bit key, chain link) + ~0.5-1 KB of bucket heads + 12 B set
// location + the id table's ~13 B + the id bytes (stats: memory_bytes()). At most (2^32 - 2) /
// 240 = ~17.9M documents at 128 slots (entries are numbered in 32 bits).
// Cost: query = shingling + signing (num_perm x shingles) + probing + one merge per candidate
// (O(q + |B|)); add O(num_perm x shingles + 240) amortized.
//
// File format (version 1, little-endian; deterministic): the 64-byte header of index_file.h,
//     0 char[8] "NDUPCONT"  8 u32 version (1)  12 u32 kind (3)  16 u32 num_perm  20 u32 direction
//     24 u32 0  28 u32 reserved (0)  32 u64 minhash seed  40 u64 document count
//     48 u64 payload bytes  56 u64 XXH3-64 of the payload
//   then tagged sections: 1 = options (pipeline 24 B; u32 num_perm, u32 direction, u64 seed, f64
//   threshold, f64 recall, u32 rows mask, u32 0: 64 B), 2 = ids, 3 = signatures (count x
//   num_perm u32), 4 = set sizes (count x u32), 5 = shingles (sum of the sizes x u64, each set
//   sorted and distinct). load() checks the frame (magic, version, sizes, checksum), every count
//   against the bytes present before allocating, the options, and that each set is sorted; the
//   LSH tables are rebuilt from the signatures.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/index.h"
#include "neardup/advanced/shingle.h"
#include "neardup/status.h"

namespace neardup {

enum class ContainmentDirection : uint8_t {
  kQueryInIndexed = 0,  // the query is contained in an indexed page
  kIndexedInQuery = 1,  // an indexed page is contained in the query
  kEither = 2,
};

// "query-in-indexed", "indexed-in-query", "either".
std::string_view containment_direction_name(ContainmentDirection d) noexcept;
Result<ContainmentDirection> parse_containment_direction(std::string_view name);

struct ContainmentIndexOptions {
  PipelineOptions pipeline = {};  // normalization, tokenization, shingles (default word:5)
  double threshold = 0.9;         // containment at which a page matches, in (0, 1]
  uint32_t num_perm = 128;        // MinHash slots (independent permutations), 1..1024
  uint64_t seed = 1;              // MinHash seed
  double recall = 0.99;           // per-pair candidate probability aimed at, in (0, 1)
  ContainmentDirection direction = ContainmentDirection::kQueryInIndexed;
  // invalid_argument / out_of_range naming the field; ok otherwise.
  Status validate() const;
};

class ContainmentIndex {
 public:
  static Result<ContainmentIndex> create(ContainmentIndexOptions options);
  // Errors: kIoError (cannot open/read), kCorruptData (not an index, truncated, checksum,
  // inconsistent), kUnsupportedVersion. Messages start with the path.
  static Result<ContainmentIndex> load(const std::string& path);
  // load() without the file; `name` starts the error messages.
  static Result<ContainmentIndex> deserialize(std::string_view bytes, const std::string& name);

  ContainmentIndex(ContainmentIndex&&) noexcept;
  ContainmentIndex& operator=(ContainmentIndex&&) noexcept;
  ~ContainmentIndex();

  // Adds `text` under `id`. Errors: id longer than kMaxIndexIdBytes, index full, out of memory.
  Status add(std::string_view id, std::string_view text);
  // Indexed pages that match in the options' direction, best first (see above).
  Result<std::vector<IndexMatch>> query(std::string_view text, std::size_t max_results = 10) const;
  // If some indexed page matches, returns the best (as query()) and adds nothing; else adds.
  Result<AddIfNewResult> add_if_new(std::string_view id, std::string_view text);
  // Removes every document with this id; returns how many (0: none).
  Result<std::size_t> remove(std::string_view id);
  bool contains(std::string_view id) const;

  // The same operations on a page prepared by prepare() (its sorted shingle hashes and
  // signature), so that callers can prepare on many threads and add in a fixed order.
  // Errors: a page of another shape (signature size, unsorted shingles).
  struct PreparedPage {
    std::vector<uint64_t> shingles;  // sorted, distinct
    std::vector<uint32_t> signature;
  };
  void prepare(std::string_view text, PreparedPage& out) const;
  Status add_prepared(std::string_view id, const PreparedPage& page);
  Result<std::vector<IndexMatch>> query_prepared(const PreparedPage& page,
                                                 std::size_t max_results = 10) const;
  Result<AddIfNewResult> add_if_new_prepared(std::string_view id, const PreparedPage& page);

  // Capacity for `documents` in total (a hint: ignored if out of memory).
  void reserve(std::size_t documents);
  std::size_t size() const;          // documents (removed ones not counted)
  std::size_t memory_bytes() const;  // heap bytes held (capacity, incl. removed documents)
  const ContainmentIndexOptions& options() const noexcept;
  uint32_t band_entries() const noexcept;  // LSH entries per document (240 at 128 slots)

  // Writes a snapshot to `path` atomically (unique temporary file, fsync, rename). kIoError.
  Status save(const std::string& path) const;
  std::string serialize() const;

 private:
  struct State;
  explicit ContainmentIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace neardup
