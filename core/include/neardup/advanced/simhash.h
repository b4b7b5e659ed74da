// SimHash fingerprints (Charikar, STOC 2002): a 64- or 128-bit sketch of a weighted feature
// vector whose Hamming distance estimates the angle between two documents' vectors.
//
//   neardup::SimHasher sh({.bits = 64, .seed = 1});
//   neardup::ShingleHasher shingler;                            // word:5 by default
//   uint64_t a = sh.fingerprint64(shingler.hash(text_a));       // weight = term frequency
//   uint64_t b = sh.fingerprint64(shingler.hash(text_b));
//   uint32_t d = neardup::hamming(a, b);                        // E[d / 64] = theta / pi
//
// Definition. Every feature x (a 64-bit shingle hash) gets pseudo-random bits
// r(x) = mix(x ^ key_w) for word w of the fingerprint (mix: a 64-bit bijective finalizer, keys
// from the seed; 128-bit fingerprints use two keys). The accumulator of bit j is
//   acc[j] = sum over the input elements i of (bit j of r(x_i) ? +w_i : -w_i)
// in float, in input order, and fingerprint bit j = (acc[j] > 0). With unit weights (the default)
// each occurrence adds +-1, so a feature repeated tf times weighs tf: term-frequency weighting
// without building a histogram. The sums are then small integers, exact in float (up to 2^24
// occurrences), so the fingerprint does not depend on the order of the input at all.
// TF-IDF: fingerprint_tfidf() sorts the features, merges repeats into (x, tf * idf(x)) and
// accumulates the distinct features in increasing order, so it too is a function of the multiset.
// The document frequencies are DocumentFrequencies (document_frequencies.h; counted from the
// corpus in batch, or a saved table in streaming use); idf(x) = ln((1 + N) / (1 + df(x))) + 1 >= 1.
//
// Theory (Charikar 2002, sec. 3): for the random-hyperplane sketch, P(bit differs) = theta / pi
// where theta is the angle between the weighted vectors; r(x) here is a +-1 random projection
// rather than a Gaussian one, which tests show tracks theta / pi closely for documents with more
// than a handful of features (simhash_test.cpp, CosineTracksHammingDistance).
//
// Kernels: the accumulation has a scalar reference and an AVX2 version (8 float lanes; bit j of
// r(x) moved into lane j's sign bit with one variable shift, then a sign-select blend), chosen once
// at first use like MinHash's (NEARDUP_FORCE_KERNEL=scalar|avx2). Both add the same values in the
// same order per bit, so they are bit-identical (a parity test pins this).
//
// Empty input (no features) gives the all-zero fingerprint; callers that cluster should treat
// empty documents separately (the CLI does: they match nothing).
//
// Thread safety: SimHasher is immutable; const methods may run concurrently. fingerprint*() never
// allocate; fingerprint_tfidf() uses the caller's SimHashScratch (one per thread).
// Cost: 64 (or 128) float additions per input element. Measured (bench_simhash, shared 2-core
// EPYC 2.1 GHz, 4096 shingles): AVX2 ~410M shingles/s at 64 bits, ~195M/s at 128; scalar ~27M/s.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "neardup/advanced/kernel.h"
#include "neardup/status.h"

namespace neardup {

using Fingerprint64 = uint64_t;

struct Fingerprint128 {
  uint64_t lo = 0;  // bits 0..63
  uint64_t hi = 0;  // bits 64..127
  friend bool operator==(const Fingerprint128&, const Fingerprint128&) = default;
};

inline uint32_t hamming(Fingerprint64 a, Fingerprint64 b) noexcept {
  return static_cast<uint32_t>(std::popcount(a ^ b));
}
inline uint32_t hamming(const Fingerprint128& a, const Fingerprint128& b) noexcept {
  return static_cast<uint32_t>(std::popcount(a.lo ^ b.lo) + std::popcount(a.hi ^ b.hi));
}

struct SimHashParams {
  uint32_t bits = 64;  // 64 or 128
  uint64_t seed = 1;

  Status validate() const;  // invalid_argument unless bits is 64 or 128
};

// Document frequencies and idf(x) = ln((1 + N) / (1 + df(x))) + 1 (>= 1): see
// document_frequencies.h.
class DocumentFrequencies;

// Caller-owned buffers for fingerprint_tfidf(); one per thread.
struct SimHashScratch {
  std::vector<uint64_t> features;
  std::vector<float> weights;
};

class SimHasher {
 public:
  // Precondition: params.validate().ok() (checked in debug builds; release builds treat any
  // bits other than 128 as 64). create() returns a Status instead.
  explicit SimHasher(SimHashParams params = {});
  static Result<SimHasher> create(SimHashParams params);

  const SimHashParams& params() const noexcept { return params_; }
  uint32_t bits() const noexcept { return params_.bits; }
  uint32_t words() const noexcept { return params_.bits / 64; }

  // Writes the fingerprint of `features` (weights: empty = 1 per element, else one per element)
  // into out[0..words()) (out.size() must be words(), and weights.size() 0 or features.size();
  // otherwise debug builds trap and release builds write zeros). No allocation.
  void fingerprint(std::span<const uint64_t> features, std::span<const float> weights,
                   std::span<uint64_t> out) const noexcept;
  // As fingerprint(), with the kernel chosen explicitly (kAuto: the dispatched one; one the CPU
  // lacks falls back to scalar). The result never depends on the kernel.
  void fingerprint_with(Kernel kernel, std::span<const uint64_t> features,
                        std::span<const float> weights, std::span<uint64_t> out) const noexcept;

  // Term-frequency fingerprints (unit weight per occurrence), for the matching width.
  Fingerprint64 fingerprint64(std::span<const uint64_t> features) const noexcept;
  Fingerprint128 fingerprint128(std::span<const uint64_t> features) const noexcept;

  // TF-IDF fingerprint: distinct features in increasing order, weight tf(x) * idf(x).
  void fingerprint_tfidf(std::span<const uint64_t> features, const DocumentFrequencies& df,
                         SimHashScratch& scratch, std::span<uint64_t> out) const;

 private:
  SimHashParams params_;
  uint64_t key_[2] = {0, 0};
};

}  // namespace neardup
