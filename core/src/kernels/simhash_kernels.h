// Private: SimHash's hot loop (weighted bit accumulation), its implementations and the dispatcher.
//
// A kernel adds n weighted features into 64 float accumulators, one per fingerprint bit:
//   r = simhash_mix(x[s] ^ key);   acc[j] += (bit j of r) ? w[s] : -w[s]   for j in [0, 64)
// for s = 0, 1, ..., n-1 in that order (w == nullptr means w[s] = 1). A 128-bit fingerprint
// runs the kernel twice with two keys. Every kernel must be bit-identical to
// simhash_acc_scalar(): the same float additions in the same order for every bit.
//
// Included by a translation unit built with -mavx2: everything defined here is static (see
// minhash_kernels.h for why).
#pragma once

#include <cstddef>
#include <cstdint>

#include "neardup/advanced/simhash.h"

namespace neardup::detail {

using SimHashAccFn = void (*)(const uint64_t* x, const float* w, std::size_t n, uint64_t key,
                              float* acc) noexcept;

// The MurmurHash3 64-bit finalizer (fmix64): a bijection whose output bits each depend on every
// input bit, so bits of r are close to independent fair coins even for structured x.
static inline uint64_t simhash_mix(uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDULL;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ULL;
  x ^= x >> 33;
  return x;
}

void simhash_acc_scalar(const uint64_t* x, const float* w, std::size_t n, uint64_t key,
                        float* acc) noexcept;
// Only call when the CPU supports AVX2.
void simhash_acc_avx2(const uint64_t* x, const float* w, std::size_t n, uint64_t key,
                      float* acc) noexcept;

// The kernel to run for `kernel` (kAuto resolved once; unsupported kernels map to scalar).
SimHashAccFn simhash_acc_kernel(Kernel kernel) noexcept;

}  // namespace neardup::detail
