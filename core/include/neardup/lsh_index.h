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
// Storage: per band, a chained hash table of (band key, document) entries, 16 bytes per entry,
// so about 16*b + 8*b*load bytes per document (~170 B at b = 9).
//
// Thread safety: query() may run concurrently with other query() calls; add() needs a single
// writer and must not overlap queries. Cost: add O(b); query O(b + candidates).
#pragma once

#include <cstdint>
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

  // Heap bytes held by the tables.
  std::size_t memory_bytes() const noexcept;

 private:
  struct Entry {
    uint64_t key;
    uint32_t doc;
    uint32_t next;  // index of the next entry in the chain, or kNone
  };
  struct Band {
    std::vector<uint32_t> heads;  // power-of-two bucket array, kNone = empty
    std::vector<Entry> entries;
  };
  static constexpr uint32_t kNone = 0xFFFFFFFFu;

  void grow(Band& band);

  LshParams params_;
  std::vector<Band> bands_;
  std::size_t documents_ = 0;
};

}  // namespace neardup
