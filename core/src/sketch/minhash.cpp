// MinHash signatures: parameter checks, key derivation, the one-permutation scheme, the classic
// scheme's driver (the hot loop lives in src/kernels/), estimators and b-bit packing.
#include "neardup/advanced/minhash.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <string>

#include "kernels/minhash_kernels.h"

namespace neardup {
namespace {

// Stafford's "Mix13" 64-bit finalizer (the one SplitMix64 uses): a bijection with full avalanche.
// mix64(0) == 0, which is harmless because every input is xored with a seeded key first.
constexpr uint64_t mix64(uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Key stream: SplitMix64 from a seed and a per-use domain constant.
class KeyStream {
 public:
  KeyStream(uint64_t seed, uint64_t domain) noexcept : state_(mix64(seed ^ domain)) {}
  uint64_t next() noexcept {
    state_ += 0x9E3779B97F4A7C15ULL;
    return mix64(state_);
  }

 private:
  uint64_t state_;
};

constexpr uint64_t kDomainPermutations = 0x6D696E6861736831ULL;  // "minhash1"
constexpr uint64_t kDomainOnePerm = 0x6F6E657065726D31ULL;       // "oneperm1"

// Shingles are premixed into a stack buffer in chunks of this many, then handed to the kernel.
constexpr std::size_t kShingleChunk = 256;
// sign32() of the classic scheme computes 64-bit slots in groups of this many permutations.
constexpr std::size_t kPermGroup = 256;

// floor(h32 * k / 2^32): maps a uniform 32-bit value onto [0, k) without a division (Lemire).
inline uint32_t reduce32(uint64_t h32, uint32_t k) noexcept {
  return static_cast<uint32_t>((h32 * k) >> 32);
}

uint32_t clamp_num_perm(uint32_t k) noexcept { return std::clamp<uint32_t>(k, 1, kMaxNumPerm); }

// Probe t >= 1 of empty bin i in the densification of a k-bin one-permutation signature.
inline uint32_t probe_bin(uint64_t probe_key, uint32_t i, uint64_t t, uint32_t k) noexcept {
  return reduce32(mix64(probe_key + (uint64_t{i} << 32) + t) >> 32, k);
}

// The first probes of every bin are cached in the hasher: at most this many table entries.
constexpr uint32_t kProbeTableEntries = 16384;  // 32 KiB of uint16_t
constexpr uint32_t kMaxProbesPerBin = 32;

struct OnePermKeys {
  uint64_t value_key;
  uint64_t bin_key;
  uint64_t probe_key;
  const uint16_t* probe_table;  // probe_table[i * probe_len + t - 1] == probe_bin(.., i, t, k)
  uint32_t probe_len;
};

// One-permutation hashing with optimal densification, writing slot values of type T:
// uint64_t (the full value) or uint32_t (its high half; the min of high halves is the high half
// of the min, so sign32 == sign >> 32 holds by construction).
template <class T>
void sign_one_permutation(std::span<const uint64_t> shingles, std::span<T> out,
                          const OnePermKeys& keys) noexcept {
  constexpr T kEmpty = static_cast<T>(~T{0});
  constexpr unsigned kShift = 64 - 8 * sizeof(T);
  const auto k = static_cast<uint32_t>(out.size());
  const uint32_t words = (k + 63) / 64;
  uint64_t occupied[kMaxNumPerm / 64];  // bit j: bin j holds at least one element
  std::fill_n(occupied, words, uint64_t{0});
  std::fill(out.begin(), out.end(), kEmpty);

  for (const uint64_t x : shingles) {
    const auto v = static_cast<T>(mix64(x ^ keys.value_key) >> kShift);
    const uint32_t j = reduce32(mix64(x ^ keys.bin_key) >> 32, k);
    out[j] = v < out[j] ? v : out[j];
    occupied[j >> 6] |= uint64_t{1} << (j & 63);
  }

  uint32_t m = 0;
  for (uint32_t w = 0; w < words; ++w) m += static_cast<uint32_t>(std::popcount(occupied[w]));
  if (m == 0 || m == k) return;  // empty document (sentinel) or no empty bin
  const auto is_occupied = [&](uint32_t j) { return ((occupied[j >> 6] >> (j & 63)) & 1) != 0; };
  if (m == 1) {
    // Every probe sequence ends at the only non-empty bin: same result, O(k) instead of O(k^2).
    uint32_t only = 0;
    while (!is_occupied(only)) ++only;
    std::fill(out.begin(), out.end(), out[only]);
    return;
  }
  // Optimal densification (Shrivastava 2017): empty bin i copies the first originally non-empty
  // bin along its own fixed probe sequence p(i, 1), p(i, 2), ..., uniform over [0, k) and the
  // same for every document. Only empty bins are written, so reads see original values.
  // Expected probes per empty bin: k / m. The first probe_len probes of each bin come from the
  // hasher's table (the same values, precomputed), later ones are computed.
  for (uint32_t i = 0; i < k; ++i) {
    if (is_occupied(i)) continue;
    const uint16_t* row = keys.probe_table + std::size_t{i} * keys.probe_len;
    uint32_t t = 0;
    while (t < keys.probe_len && !is_occupied(row[t])) ++t;
    if (t < keys.probe_len) {
      out[i] = out[row[t]];
      continue;
    }
    for (uint64_t u = uint64_t{keys.probe_len} + 1;; ++u) {
      const uint32_t j = probe_bin(keys.probe_key, i, u, k);
      if (is_occupied(j)) {
        out[i] = out[j];
        break;
      }
    }
  }
}

}  // namespace

Status MinHashParams::validate() const {
  if (scheme != MinHashScheme::kPermutations && scheme != MinHashScheme::kOnePermutation) {
    return Status::invalid_argument("minhash: unknown scheme " +
                                    std::to_string(static_cast<unsigned>(scheme)));
  }
  if (num_perm == 0) return Status::invalid_argument("minhash: num_perm must be at least 1");
  if (num_perm > kMaxNumPerm) {
    return Status::out_of_range("minhash: num_perm " + std::to_string(num_perm) +
                                " exceeds the maximum " + std::to_string(kMaxNumPerm));
  }
  return Status::ok_status();
}

MinHasher::MinHasher(MinHashParams params) : params_(params) {
  NEARDUP_DCHECK(params.validate().ok());
  params_.num_perm = clamp_num_perm(params_.num_perm);
  if (params_.scheme != MinHashScheme::kPermutations) {
    params_.scheme = MinHashScheme::kOnePermutation;
  }
  if (params_.scheme == MinHashScheme::kPermutations) {
    KeyStream keys(params_.seed, kDomainPermutations);
    premix_key_ = keys.next();
    a_.resize(params_.num_perm);
    b_.resize(params_.num_perm);
    for (uint32_t i = 0; i < params_.num_perm; ++i) {
      a_[i] = keys.next() | 1;  // odd: a*y mod 2^64 is then a bijection
      b_[i] = keys.next();
    }
  } else {
    KeyStream keys(params_.seed, kDomainOnePerm);
    value_key_ = keys.next();
    bin_key_ = keys.next();
    probe_key_ = keys.next();
    const uint32_t k = params_.num_perm;
    probe_len_ = std::min(kMaxProbesPerBin, std::max<uint32_t>(1, kProbeTableEntries / k));
    probe_table_.resize(std::size_t{k} * probe_len_);
    for (uint32_t i = 0; i < k; ++i) {
      for (uint32_t t = 1; t <= probe_len_; ++t) {
        probe_table_[std::size_t{i} * probe_len_ + t - 1] =
            static_cast<uint16_t>(probe_bin(probe_key_, i, t, k));  // k <= 8192 fits
      }
    }
  }
}

Result<MinHasher> MinHasher::create(MinHashParams params) {
  NEARDUP_RETURN_IF_ERROR(params.validate());
  return MinHasher(params);
}

void MinHasher::sign_permutations(Kernel kernel, std::span<const uint64_t> shingles,
                                  std::span<uint64_t> out) const noexcept {
  const detail::MinHashPermKernelFn fn = detail::minhash_perm_kernel(kernel);
  std::fill(out.begin(), out.end(), kEmptySlot);
  uint64_t y[kShingleChunk];
  for (std::size_t off = 0; off < shingles.size(); off += kShingleChunk) {
    const std::size_t n = std::min(kShingleChunk, shingles.size() - off);
    for (std::size_t s = 0; s < n; ++s) y[s] = mix64(shingles[off + s] ^ premix_key_);
    fn(y, n, a_.data(), b_.data(), out.size(), out.data());
  }
}

void MinHasher::sign_with(Kernel kernel, std::span<const uint64_t> shingles,
                          std::span<uint64_t> out) const noexcept {
  NEARDUP_DCHECK(out.size() == params_.num_perm);
  if (out.size() != params_.num_perm) {
    std::fill(out.begin(), out.end(), kEmptySlot);
    return;
  }
  if (params_.scheme == MinHashScheme::kPermutations) {
    sign_permutations(kernel, shingles, out);
  } else {
    sign_one_permutation<uint64_t>(
        shingles, out, {value_key_, bin_key_, probe_key_, probe_table_.data(), probe_len_});
  }
}

void MinHasher::sign(std::span<const uint64_t> shingles, std::span<uint64_t> out) const noexcept {
  sign_with(Kernel::kAuto, shingles, out);
}

Signature MinHasher::sign(std::span<const uint64_t> shingles) const {
  Signature sig(params_.num_perm);
  sign(shingles, sig);
  return sig;
}

void MinHasher::sign32(std::span<const uint64_t> shingles, std::span<uint32_t> out) const noexcept {
  NEARDUP_DCHECK(out.size() == params_.num_perm);
  if (out.size() != params_.num_perm) {
    std::fill(out.begin(), out.end(), kEmptySlot32);
    return;
  }
  if (params_.scheme == MinHashScheme::kOnePermutation) {
    sign_one_permutation<uint32_t>(
        shingles, out, {value_key_, bin_key_, probe_key_, probe_table_.data(), probe_len_});
    return;
  }
  // Classic: 64-bit slots for a group of permutations at a time on the stack, then the high half.
  const detail::MinHashPermKernelFn fn = detail::minhash_perm_kernel(Kernel::kAuto);
  uint64_t group[kPermGroup];
  uint64_t y[kShingleChunk];
  for (std::size_t p0 = 0; p0 < out.size(); p0 += kPermGroup) {
    const std::size_t g = std::min(kPermGroup, out.size() - p0);
    std::fill_n(group, g, kEmptySlot);
    for (std::size_t off = 0; off < shingles.size(); off += kShingleChunk) {
      const std::size_t n = std::min(kShingleChunk, shingles.size() - off);
      for (std::size_t s = 0; s < n; ++s) y[s] = mix64(shingles[off + s] ^ premix_key_);
      fn(y, n, a_.data() + p0, b_.data() + p0, g, group);
    }
    for (std::size_t i = 0; i < g; ++i) out[p0 + i] = static_cast<uint32_t>(group[i] >> 32);
  }
}

// --- signatures and estimators ------------------------------------------------------------------

bool is_empty_signature(std::span<const uint64_t> sig) noexcept {
  if (sig.empty()) return false;
  return std::all_of(sig.begin(), sig.end(), [](uint64_t v) { return v == kEmptySlot; });
}

bool is_empty_signature(std::span<const uint32_t> sig) noexcept {
  if (sig.empty()) return false;
  return std::all_of(sig.begin(), sig.end(), [](uint32_t v) { return v == kEmptySlot32; });
}

void to_signature32(std::span<const uint64_t> sig, std::span<uint32_t> out) noexcept {
  if (sig.size() != out.size()) return;
  for (std::size_t i = 0; i < sig.size(); ++i) out[i] = static_cast<uint32_t>(sig[i] >> 32);
}

namespace {

template <class T>
double estimate_jaccard_impl(std::span<const T> a, std::span<const T> b, T empty) noexcept {
  if (a.size() != b.size() || a.empty()) return 0.0;
  // A branch-free count of equal slots that the compiler vectorizes even for baseline x86-64
  // (SSE2 has no 64-bit compare: a 64-bit slot matches iff the OR of its xored halves is 0).
  std::size_t equal = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const uint64_t x = static_cast<uint64_t>(a[i] ^ b[i]);
    equal += static_cast<std::size_t>(static_cast<uint32_t>(x | (x >> 32)) == 0);
  }
  // Empty sentinels: only possible when slot 0 is the sentinel value, so the full check is rare.
  if ((a[0] == empty && is_empty_signature(a)) || (b[0] == empty && is_empty_signature(b))) {
    return 0.0;
  }
  return static_cast<double>(equal) / static_cast<double>(a.size());
}

}  // namespace

double estimate_jaccard(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept {
  return estimate_jaccard_impl<uint64_t>(a, b, kEmptySlot);
}

double estimate_jaccard(std::span<const uint32_t> a, std::span<const uint32_t> b) noexcept {
  return estimate_jaccard_impl<uint32_t>(a, b, kEmptySlot32);
}

// --- b-bit MinHash ------------------------------------------------------------------------------

bool is_valid_bbits(unsigned b) noexcept {
  return b == 1 || b == 2 || b == 4 || b == 8 || b == 16 || b == 32;
}

std::size_t packed_bbits_words(std::size_t num_perm, unsigned b) noexcept {
  return (num_perm * b + 63) / 64;
}

Status pack_bbits(std::span<const uint64_t> sig, unsigned b, std::span<uint64_t> packed) {
  if (!is_valid_bbits(b)) {
    return Status::invalid_argument("minhash: b-bit width " + std::to_string(b) +
                                    " is not one of 1, 2, 4, 8, 16, 32");
  }
  if (packed.size() != packed_bbits_words(sig.size(), b)) {
    return Status::invalid_argument("minhash: packed buffer has " + std::to_string(packed.size()) +
                                    " words, expected " +
                                    std::to_string(packed_bbits_words(sig.size(), b)));
  }
  std::fill(packed.begin(), packed.end(), uint64_t{0});
  const uint64_t mask = (uint64_t{1} << b) - 1;  // b <= 32
  for (std::size_t i = 0; i < sig.size(); ++i) {
    const std::size_t bit = i * b;  // b divides 64: a value never straddles two words
    packed[bit / 64] |= (sig[i] & mask) << (bit % 64);
  }
  return Status::ok_status();
}

namespace {

// A(r) of Li & Koenig (2010), computed with log1p/expm1 so that tiny r (r ~ n / 2^64) does not
// round 1 - r to 1 and divide by zero.
double bbit_a(unsigned b, double r) noexcept {
  const double two_b = std::ldexp(1.0, static_cast<int>(b));
  if (!(r > 0.0)) return 1.0 / two_b;
  if (r >= 1.0) return 0.0;  // (1-r)^(2^b - 1) = 0
  const double l = std::log1p(-r);
  return r * std::exp((two_b - 1.0) * l) / -std::expm1(two_b * l);
}

// Word w of the packed empty sentinel (every b-bit value all ones, zero padding).
uint64_t packed_empty_word(std::size_t w, std::size_t words, std::size_t total_bits) noexcept {
  if (w + 1 < words || total_bits % 64 == 0) return ~uint64_t{0};
  return (uint64_t{1} << (total_bits % 64)) - 1;
}

bool is_packed_empty(std::span<const uint64_t> p, std::size_t total_bits) noexcept {
  for (std::size_t w = 0; w < p.size(); ++w) {
    if (p[w] != packed_empty_word(w, p.size(), total_bits)) return false;
  }
  return true;
}

}  // namespace

BbitConstants bbit_constants(unsigned b, double r1, double r2) noexcept {
  const double a1 = bbit_a(b, r1);
  const double a2 = bbit_a(b, r2);
  const double sum = r1 + r2;
  if (!(sum > 0.0)) return {a1, a1};  // r1 = r2 = 0: A1 = A2 = 2^-b
  return {(a1 * r2 + a2 * r1) / sum, (a1 * r1 + a2 * r2) / sum};
}

double estimate_jaccard_bbits(std::span<const uint64_t> a, std::span<const uint64_t> b,
                              std::size_t num_perm, unsigned bits) noexcept {
  if (!is_valid_bbits(bits) || num_perm == 0) return 0.0;
  const std::size_t words = packed_bbits_words(num_perm, bits);
  if (a.size() != words || b.size() != words) return 0.0;
  const std::size_t total_bits = num_perm * bits;
  if (is_packed_empty(a, total_bits) || is_packed_empty(b, total_bits)) return 0.0;

  // Count b-bit groups that differ: OR-fold each group onto its lowest bit (after the shifts
  // 1, 2, ..., b/2 the lowest bit holds the OR of exactly the group's b bits), keep those bits,
  // popcount.
  const uint64_t low_bits = ~uint64_t{0} / ((uint64_t{1} << bits) - 1);  // 1 at each group's bit 0
  std::size_t differ = 0;
  for (std::size_t w = 0; w < words; ++w) {
    uint64_t x = (a[w] ^ b[w]) & packed_empty_word(w, words, total_bits);  // drop padding bits
    for (unsigned s = 1; s < bits; s <<= 1) x |= x >> s;
    differ += static_cast<std::size_t>(std::popcount(x & low_bits));
  }
  const double p_match =
      static_cast<double>(num_perm - std::min(differ, num_perm)) / static_cast<double>(num_perm);
  const BbitConstants c = bbit_constants(bits, 0.0, 0.0);
  return (p_match - c.c1) / (1.0 - c.c2);
}

}  // namespace neardup
