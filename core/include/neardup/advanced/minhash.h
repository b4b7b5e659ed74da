// MinHash signatures: a fixed-size sketch of a set of 64-bit shingle hashes whose slot-wise
// agreement estimates the Jaccard similarity |A n B| / |A u B| of two documents.
//
//   neardup::MinHasher hasher({.num_perm = 128, .seed = 1});      // one-permutation by default
//   std::vector<uint64_t> a(hasher.num_perm()), b(hasher.num_perm());
//   hasher.sign(shingles_a, a);                                   // shingles from ShingleHasher
//   hasher.sign(shingles_b, b);
//   double j = neardup::estimate_jaccard(a, b);                   // ~ Jaccard(A, B)
//
// Input: a span of 64-bit shingle hashes, in any order, repeats allowed, possibly empty. Only the
// set of distinct values matters: order and repeats never change a signature. Every input value
// is first passed through a seeded 64-bit bijective mixer ("premix"), so structured inputs (small
// integers, counters) are as good as hashes.
//
// Schemes (MinHashScheme):
//  - kPermutations: the classic scheme, k independent hash functions, slot i = min over the set
//    of h_i(y) = fold(a_i * y + b_i mod 2^64), with y = premix(x), a_i odd and b_i random 64-bit
//    keys derived from the seed, and fold(u) = u ^ (u >> 32). a_i*y + b_i is the
//    multiply-add-shift family (Dietzfelbinger 1996): its top bits, which decide the minimum, are
//    2-universal; fold() leaves the order of the top 32 bits untouched and mixes them into the low
//    half so that low bits (b-bit MinHash) and the high half (32-bit signatures) are both good.
//    h_i is a bijection of 64-bit values, so distinct shingles never tie. Cost: O(n * k)
//    multiply-adds; an AVX2 kernel (4 lanes, 64x64 multiply emulated with 3 32x32->64 products)
//    and a scalar reference give bit-identical results (~29M / ~10M shingles/s at k = 128).
//  - kOnePermutation (default): one-permutation hashing (Li, Owen, Zhang 2012) with optimal
//    densification (Shrivastava, ICML 2017). Each element gets a value v(x) = mix(x ^ key_v) and a
//    bin j(x) = floor(hi32(mix(x ^ key_b)) * k / 2^32); slot j = min of v over the elements in
//    bin j. Every bin left empty by the document copies the value of the first non-empty bin met
//    along a fixed pseudo-random probe sequence p(i, 1), p(i, 2), ... (uniform over the k bins,
//    the same for every document, derived from the seed). Cost: O(n + (k - m) * k / m) for m
//    non-empty bins (a document with a single distinct shingle is special-cased to O(k)); the
//    hasher caches the first probes of every bin (<= 32 KiB), so a probe is a table lookup.
//    Measured: ~340M shingles/s at 256 shingles/doc, ~0.7 us for a 16-shingle doc (k = 128).
//    Accuracy: unbiased; for n >> k distinct shingles the variance is
//    J(1-J)/k * (1 - (k-1)/(n-1)) (sampling without replacement, slightly below the classic
//    scheme's J(1-J)/k); with empty bins it grows as documented in minhash_test.cpp.
//
// Empty documents: the signature is the sentinel with every slot = UINT64_MAX
// (kEmptySlot; UINT32_MAX for 32-bit signatures). estimate_jaccard() returns 0 when either
// signature is the empty sentinel: an empty document is a near-duplicate of nothing, including
// another empty document (exact-duplicate detection handles those).
//
// 32-bit signatures: sign32() writes the high 32 bits of each slot of sign(), i.e. exactly
// to_signature32(sign(...)). For both schemes the high half of a slot is itself the minimum of a
// 32-bit hash over the set (the order of a slot's values is decided by their top bits), so a
// 32-bit signature is a MinHash signature with a 2^-32 chance of a false match per slot.
//
// b-bit MinHash (Li & Koenig, WWW 2010): pack_bbits() keeps the lowest b bits of each slot,
// b in {1, 2, 4, 8, 16, 32}; estimate_jaccard_bbits() corrects the chance agreement of
// different minima: P(match) = C1 + (1 - C2) J, so J^ = (P^ - C1) / (1 - C2). With our 2^64 hash
// space the set-size ratios r = |A| / 2^64 vanish and C1 = C2 = 2^-b exactly in the limit
// (see bbit_constants() for the general formula). The estimate is unbiased and therefore NOT
// clamped: it can be slightly negative for unrelated documents.
//
// Kernels: the classic scheme's hot loop has a scalar reference and an AVX2 version, chosen once
// at first use with __builtin_cpu_supports("avx2"). The environment variable
// NEARDUP_FORCE_KERNEL=scalar|avx2 overrides that choice (avx2 on a CPU without it falls back to
// scalar; any other value is ignored). sign_with() picks a kernel explicitly, for tests and
// benchmarks. The one-permutation scheme always runs its own O(n) scalar path. All kernels give
// bit-identical signatures: the same shingles, parameters and seed give the same signature on
// every machine.
//
// Thread safety: MinHasher is immutable after construction; all const methods may run
// concurrently. The free functions are pure. sign() and friends never allocate (scratch lives on
// the stack, at most ~4 KiB) and never fail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "neardup/advanced/kernel.h"
#include "neardup/status.h"

namespace neardup {

enum class MinHashScheme : uint8_t {
  // Classic: k independent hash functions h_i(y) = fold(a_i*y + b_i mod 2^64), min over the set.
  kPermutations = 0,
  // One-permutation hashing + optimal densification (bin-wise min, empty bins filled along a
  // fixed per-bin random probe sequence).
  kOnePermutation = 1,
};

inline constexpr uint32_t kMaxNumPerm = 8192;
inline constexpr uint64_t kEmptySlot = UINT64_MAX;
inline constexpr uint32_t kEmptySlot32 = UINT32_MAX;

struct MinHashParams {
  MinHashScheme scheme = MinHashScheme::kOnePermutation;
  uint32_t num_perm = 128;  // slots per signature, 1..kMaxNumPerm
  uint64_t seed = 1;

  // invalid_argument for an unknown scheme or num_perm == 0; out_of_range above kMaxNumPerm.
  Status validate() const;
};

// A signature owned by the caller; hot loops use their own std::span<uint64_t> buffers instead.
using Signature = std::vector<uint64_t>;

class MinHasher {
 public:
  // Precondition: params.validate().ok() (checked in debug builds; in release builds num_perm is
  // clamped to [1, kMaxNumPerm] and an unknown scheme means kOnePermutation). Use create() to get
  // a Status instead.
  explicit MinHasher(MinHashParams params = {});
  static Result<MinHasher> create(MinHashParams params);

  const MinHashParams& params() const noexcept { return params_; }
  uint32_t num_perm() const noexcept { return params_.num_perm; }

  // Writes the signature of the set of `shingles` into `out` (out.size() == num_perm(); if not,
  // debug builds trap and release builds fill `out` with kEmptySlot). No allocation.
  void sign(std::span<const uint64_t> shingles, std::span<uint64_t> out) const noexcept;
  // As sign(), with the classic scheme's kernel chosen explicitly (kAuto = the dispatched one;
  // a kernel the CPU lacks falls back to kScalar). The result never depends on the kernel.
  void sign_with(Kernel kernel, std::span<const uint64_t> shingles,
                 std::span<uint64_t> out) const noexcept;
  // The high 32 bits of each slot of sign(); same size contract, sentinel kEmptySlot32.
  void sign32(std::span<const uint64_t> shingles, std::span<uint32_t> out) const noexcept;
  // Convenience form that allocates the result (not for hot loops).
  Signature sign(std::span<const uint64_t> shingles) const;

 private:
  void sign_permutations(Kernel kernel, std::span<const uint64_t> shingles,
                         std::span<uint64_t> out) const noexcept;

  MinHashParams params_;
  uint64_t premix_key_ = 0;  // classic: y = premix(x ^ premix_key_)
  uint64_t value_key_ = 0;   // one-permutation: value and bin keys, probe-sequence seed
  uint64_t bin_key_ = 0;
  uint64_t probe_key_ = 0;
  std::vector<uint64_t> a_;            // classic: odd multipliers, contiguous (SoA)
  std::vector<uint64_t> b_;            // classic: additive keys
  std::vector<uint16_t> probe_table_;  // one-permutation: cached first probes of every bin
  uint32_t probe_len_ = 0;             // probes cached per bin
};

// True when every slot is the empty sentinel (the signature of an empty document).
bool is_empty_signature(std::span<const uint64_t> sig) noexcept;
bool is_empty_signature(std::span<const uint32_t> sig) noexcept;

// out[i] = sig[i] >> 32 (kEmptySlot maps to kEmptySlot32). Sizes must match (else no-op).
void to_signature32(std::span<const uint64_t> sig, std::span<uint32_t> out) noexcept;

// Fraction of equal slots; 0 when either signature is the empty sentinel, when the sizes differ
// or when they are empty.
double estimate_jaccard(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept;
double estimate_jaccard(std::span<const uint32_t> a, std::span<const uint32_t> b) noexcept;

// --- b-bit MinHash ------------------------------------------------------------------------------
// b in {1, 2, 4, 8, 16, 32}.
bool is_valid_bbits(unsigned b) noexcept;
// uint64_t words holding num_perm b-bit values: ceil(num_perm * b / 64).
std::size_t packed_bbits_words(std::size_t num_perm, unsigned b) noexcept;
// Slot i's lowest b bits go to word (i*b)/64 at bit offset (i*b)%64; unused high bits of the last
// word are zero. Errors: invalid b, packed.size() != packed_bbits_words(sig.size(), b).
Status pack_bbits(std::span<const uint64_t> sig, unsigned b, std::span<uint64_t> packed);

// Li & Koenig (2010), Theorem 1: for r1 = |A|/D, r2 = |B|/D (D = size of the hash space),
// A(r) = r (1-r)^(2^b - 1) / (1 - (1-r)^(2^b)), C1 = (A1 r2 + A2 r1)/(r1 + r2),
// C2 = (A1 r1 + A2 r2)/(r1 + r2). As r -> 0, A(r) -> 2^-b and C1 = C2 = 2^-b.
struct BbitConstants {
  double c1 = 0;
  double c2 = 0;
};
BbitConstants bbit_constants(unsigned b, double r1, double r2) noexcept;

// (P^ - C1)/(1 - C2) with P^ the fraction of matching b-bit slots and C1 = C2 = 2^-b (r -> 0,
// exact for a 2^64 hash space up to |A|/2^64). Not clamped (unbiased; may be < 0 or > 1 by
// noise). Returns 0 for invalid b, mismatched sizes, num_perm == 0, or when either packed
// signature is all ones (the packed empty sentinel; a non-empty document packs to all ones
// with probability 2^-(b*num_perm)).
double estimate_jaccard_bbits(std::span<const uint64_t> a, std::span<const uint64_t> b,
                              std::size_t num_perm, unsigned bits) noexcept;

}  // namespace neardup
