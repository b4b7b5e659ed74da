// HammingIndex: "every stored fingerprint within k bits of this one", for 64- and 128-bit SimHash
// fingerprints, by permuted block tables (Manku, Jain, Das Sarma, "Detecting Near-Duplicates for
// Web Crawling", WWW 2007, sec. 3.1).
//
//   auto index = neardup::HammingIndex::create({.bits = 64, .max_distance = 3});
//   for (uint64_t fp : fingerprints) (void)index->add(fp);          // ids 0, 1, 2, ... in order
//   std::vector<neardup::HammingMatch> near;
//   neardup::Status st = index->query(fp, 3, near);                 // (id, distance), closest
//   first std::vector<neardup::HammingPair> pairs; st = index->all_pairs(3, pairs); // batch: every
//   pair once
//
// Scheme. The bits are cut into B contiguous blocks of near-equal size (B > k). Two fingerprints
// within k bits differ in at most k blocks, so (pigeonhole) they agree exactly on at least B - k
// blocks, i.e. on at least one of the C(B, k) combinations of B - k blocks. Each such combination
// is a table keyed by those bits: a query looks up its own key in every table and checks the
// candidates' true distance with popcount. Every pair within k (<= max_distance) is therefore
// found: the index answers exactly what brute force answers (tested for every k up to the
// maximum). A pair that agrees on several combinations is reported only from the first
// (lexicographically smallest) combination it agrees on, so no deduplication set is needed.
// B: HammingIndexParams::blocks, or derived from bits, max_distance and expected_size by
// minimising tables * (2 + n / 2^key_bits), the lookups plus the expected random candidates per
// query (64 bits, k = 3: B = 4, 16-bit keys, 4 tables up to ~16k fingerprints; B = 5, ~25-bit
// keys, 10 tables at 1M). Tables are at most kMaxHammingTables.
//
// Storage: fingerprints (8 or 16 B each) plus, per table, a chain link (4 B) per fingerprint and a
// power-of-two bucket array (4 B per bucket, load factor 0.5..1): 64 bits, 10 tables: ~100 B per
// fingerprint. Bucket arrays double as the index grows (all chains relinked under the writer
// lock: amortized O(tables) per add).
//
// File format (version 1, little-endian, the conventions of index.h):
//   header, 64 bytes:
//     0  char[8] magic "NDUPHAMM"           8  u32 format version (1)   12 u32 kind (2)
//     16 u32 bits                          20 u32 max_distance         24 u32 blocks
//     28 u32 tables                        32 u64 expected_size        40 u64 fingerprint count
//     48 u64 payload bytes (file size-64)  56 u64 XXH3-64 (seed 0) of the payload
//   payload: tagged sections {u32 tag, u32 0, u64 length, bytes, zero padding to 8}:
//     1 = params (u32 bits, max_distance, blocks, tables; u64 expected_size), 2 = fingerprints
//     (u64 count, u32 words per fingerprint, u32 0, count * words u64 values).
// The tables are rebuilt on load. load()/deserialize() reject, with distinct messages and never a
// crash: bad magic, a truncated file, trailing bytes, a checksum mismatch (kCorruptData), another
// format version (kUnsupportedVersion), and any count or parameter inconsistent with the header.
//
// Thread safety: query(), all_pairs(), size(), fingerprint(), memory_bytes(), serialize() and
// save() may run concurrently with each other and with one writer calling add() and reserve()
// (guarded by a std::shared_mutex: readers shared, the writer exclusive). Moving is not
// thread-safe.
// Cost: add O(tables) amortized; query O(tables + candidates); all_pairs O(tables * n + sum over
// buckets of their size squared). Measured (bench_simhash, 1M 64-bit fingerprints, k = 3, 10
// tables, one core of a shared 2.1 GHz EPYC): build ~0.7 s, query ~1 us, all_pairs ~0.3 s CPU.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/simhash.h"
#include "neardup/status.h"

namespace neardup {

inline constexpr uint32_t kHammingIndexFormatVersion = 1;
inline constexpr uint32_t kMaxHammingTables = 1024;
// Most fingerprints one index holds (ids are 32-bit).
inline constexpr std::size_t kMaxHammingFingerprints = 0xFFFFFFF0u;

struct HammingIndexParams {
  uint32_t bits = 64;         // 64 or 128
  uint32_t max_distance = 3;  // largest k a query may ask for; < bits
  uint32_t blocks = 0;        // B; 0 = derived (see above); else max_distance < B <= bits
  uint64_t expected_size = uint64_t{1} << 20;  // only used to derive B

  Status validate() const;
  // B as given, or derived.
  uint32_t resolved_blocks() const noexcept;
  // C(B, max_distance) for the resolved B (saturates at UINT32_MAX).
  uint32_t tables() const noexcept;
};

struct HammingMatch {
  uint32_t id = 0;
  uint32_t distance = 0;
  friend bool operator==(const HammingMatch&, const HammingMatch&) = default;
};

struct HammingPair {
  uint32_t a = 0;  // a < b
  uint32_t b = 0;
  uint32_t distance = 0;
  friend bool operator==(const HammingPair&, const HammingPair&) = default;
};

class HammingIndex {
 public:
  static Result<HammingIndex> create(HammingIndexParams params);
  static Result<HammingIndex> load(const std::string& path);
  // load() without the file; `name` starts the error messages.
  static Result<HammingIndex> deserialize(std::string_view bytes, const std::string& name);

  HammingIndex(HammingIndex&&) noexcept;
  HammingIndex& operator=(HammingIndex&&) noexcept;
  ~HammingIndex();

  // Adds a fingerprint; returns its id (0, 1, 2, ... in order of addition). A 64-bit index
  // rejects a Fingerprint128 with hi != 0 (invalid_argument); errors leave the index unchanged.
  Result<uint32_t> add(Fingerprint64 fp);
  Result<uint32_t> add(const Fingerprint128& fp);
  void reserve(std::size_t fingerprints);

  // Writes every stored fingerprint within k bits of fp to `out` (cleared first), sorted by
  // (distance, id). Errors: k > max_distance, hi bits set on a 64-bit index. No allocation once
  // `out` has grown.
  Status query(Fingerprint64 fp, uint32_t k, std::vector<HammingMatch>& out) const;
  Status query(const Fingerprint128& fp, uint32_t k, std::vector<HammingMatch>& out) const;

  // Every pair of stored fingerprints within k bits, each once, sorted by (a, b). Runs the tables
  // on up to `threads` threads; the result does not depend on it. Errors: k > max_distance.
  Status all_pairs(uint32_t k, std::vector<HammingPair>& out, unsigned threads = 1) const;

  std::size_t size() const;
  // The fingerprint with this id (precondition: id < size(); hi = 0 for 64-bit indexes).
  Fingerprint128 fingerprint(uint32_t id) const;
  std::size_t memory_bytes() const;
  const HammingIndexParams& params() const noexcept;  // blocks resolved
  uint32_t tables() const noexcept;

  // Writes via path + ".tmp" and a rename. Errors: kIoError.
  Status save(const std::string& path) const;
  std::string serialize() const;

 private:
  struct State;
  explicit HammingIndex(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace neardup
