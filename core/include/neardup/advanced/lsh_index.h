// Banded MinHash LSH: documents whose signatures agree on every row of at least one band
// become candidate pairs.
//
//   neardup::LshParams p = neardup::LshParams::for_threshold(0.8, 128);  // bands x rows derived
//   neardup::LshIndex index(p);
//   index.add(doc, signature);                       // signature: uint64_t[num_perm]
//   std::vector<uint32_t> candidates;
//   index.query(other_signature, candidates);        // sorted, unique document numbers
//
// With b bands of r rows, two documents of Jaccard similarity s collide in at least one band with
// probability P(s) = 1 - (1 - s^r)^b (Leskovec, Rajaraman, Ullman, "Mining of Massive Datasets",
// ch. 3.4). for_threshold() picks (b, r) with b*r <= num_perm minimising
//   w_fp * integral_0^t P(s) ds + w_fn * integral_t^1 (1 - P(s)) ds,
// the weighted areas of false positives and false negatives around the threshold t (the same
// criterion datasketch uses). With equal weights that leaves many true pairs just above t
// unfound (at t = 0.8, 128 slots: b = 9, r = 13, P(0.85) = 0.69), which no later step can
// repair. Because neardup verifies every candidate, a false positive costs only one
// verification, so the default, for_recall(), instead minimises the false-positive area subject
// to P(t + margin) >= recall (t = 0.8: b = 14, r = 7, P(0.85) = 0.9955).
// Candidates are only candidates: callers verify them.
//
// Storage: per band, a chained hash table whose entries are 12 bytes (the 64-bit band key, mixed
// by a bijection, and the 32-bit index of the next entry in the chain), kept in fixed-size chunks
// so that growth never copies them; bucket heads are 4 bytes at a load of 1..2 entries per
// bucket; the document numbers are stored once (4 bytes), not once per band. Memory per
// document: about b * (12 + 2..4) + 4 bytes (~200-230 B at b = 14), with no transient doubling
// of the entries. (A 32-bit fingerprint instead of the key would not do: the bucket bits come
// from the stored value, so entries of one bucket would agree on them and a 2^20-bucket table
// would compare only 12 independent bits.)
//
// Band keys can be computed apart from the index (band_keys(), thread-safe and pure) and passed
// to add_keys()/query_keys(), so that hashing runs on many threads and only the table update is
// serial.
//
// Thread safety: query() and query_keys() may run concurrently with each other; add(),
// add_keys() and clear() need a single writer and must not overlap queries. Cost: add O(b);
// query O(b + candidates).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "neardup/status.h"

namespace neardup {

struct LshParams {
  uint32_t bands = 16;
  uint32_t rows = 8;
  uint64_t seed = 1;

  uint32_t num_perm_used() const noexcept { return bands * rows; }
  // Checks 1 <= bands, 1 <= rows, bands * rows <= num_perm.
  Status validate(uint32_t num_perm) const;

  // The (bands, rows) minimising the weighted false positive / false negative areas.
  static LshParams for_threshold(double threshold, uint32_t num_perm, double fp_weight = 0.5,
                                 double fn_weight = 0.5);
  // The (bands, rows) with the least false-positive area among those that find a pair of
  // similarity threshold + margin with probability >= recall; if none does, the one with the
  // highest such probability.
  static LshParams for_recall(double threshold, uint32_t num_perm, double margin = 0.05,
                              double recall = 0.995);
};

// Probability that two documents of Jaccard similarity s share at least one band.
double lsh_collision_probability(double s, uint32_t bands, uint32_t rows) noexcept;

// The 64-bit key of band `band` of a signature (rows values from band*rows).
uint64_t lsh_band_key(std::span<const uint64_t> signature, uint32_t band, uint32_t rows,
                      uint64_t seed) noexcept;

class LshIndex {
 public:
  explicit LshIndex(LshParams params);

  const LshParams& params() const noexcept { return params_; }
  std::size_t size() const noexcept { return documents_; }
  void reserve(std::size_t documents);

  // Adds document `doc` (any caller-chosen number) with its signature.
  void add(uint32_t doc, std::span<const uint64_t> signature);

  // Writes the documents sharing at least one band with `signature` to `out` (cleared first),
  // sorted and unique.
  void query(std::span<const uint64_t> signature, std::vector<uint32_t>& out) const;

  // keys[b] = lsh_band_key(signature, b, rows, seed) for every band (keys.size() == bands).
  void band_keys(std::span<const uint64_t> signature, std::span<uint64_t> keys) const noexcept;
  // add() and query() with the band keys computed by band_keys().
  void add_keys(uint32_t doc, std::span<const uint64_t> keys);
  void query_keys(std::span<const uint64_t> keys, std::vector<uint32_t>& out) const;

  // Removes every document; keeps the allocated memory for reuse.
  void clear() noexcept;

  // Heap bytes held by the tables.
  std::size_t memory_bytes() const noexcept;

 private:
  struct Entry {              // 12 bytes: two 32-bit halves avoid the padding of a uint64_t member
    uint32_t key_lo, key_hi;  // the mixed band key
    uint32_t next;            // index of the next entry in the chain, or kNone
    uint64_t key() const noexcept { return (uint64_t{key_hi} << 32) | key_lo; }
  };
  struct Band {
    std::vector<uint32_t> heads;  // power-of-two bucket array, kNone = empty
  };
  static constexpr uint32_t kNone = 0xFFFFFFFFu;
  static constexpr uint32_t kMaxBandsOnStack = 64;  // add()/query() hash on the stack up to this
  static constexpr unsigned kChunkBits = 12;        // entries per chunk and band: 4 Ki (48 KiB)
  static constexpr std::size_t kChunk = std::size_t{1} << kChunkBits;

  // Entry e of band b lives in chunks_[e >> kChunkBits][b * kChunk + (e & (kChunk - 1))]: one
  // allocation per chunk holds that chunk's entries for every band.
  const Entry& entry(uint32_t band, uint32_t e) const noexcept {
    return chunks_[e >> kChunkBits][band * kChunk + (e & (kChunk - 1))];
  }
  Entry& entry(uint32_t band, uint32_t e) noexcept {
    return chunks_[e >> kChunkBits][band * kChunk + (e & (kChunk - 1))];
  }
  void rehash(std::size_t buckets);

  LshParams params_;
  std::vector<Band> bands_;
  std::vector<std::unique_ptr<Entry[]>> chunks_;
  std::vector<std::unique_ptr<uint32_t[]>> doc_chunks_;  // entry -> document number
  std::size_t documents_ = 0;
};

}  // namespace neardup
