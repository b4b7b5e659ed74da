// Private: the classic MinHash scheme's hot loop, its implementations and the dispatcher.
//
// A kernel folds n premixed shingle values y[0..n) into k running minima:
//   sig[i] = min(sig[i], min_s fold(a[i] * y[s] + b[i] mod 2^64)),  fold(u) = u ^ (u >> 32)
// for i in [0, k). Every kernel must be bit-identical to minhash_perm_scalar().
//
// This header is included by a translation unit built with -mavx2: everything defined here has
// internal linkage (static) so that no AVX2-compiled copy of an inline function can be merged by
// the linker with the baseline copy used on CPUs without AVX2.
#pragma once

#include <cstddef>
#include <cstdint>

#include "neardup/advanced/minhash.h"

namespace neardup::detail {

using MinHashPermKernelFn = void (*)(const uint64_t* y, std::size_t n, const uint64_t* a,
                                     const uint64_t* b, std::size_t k, uint64_t* sig) noexcept;

// One slot of the classic family: multiply-add mod 2^64 then fold the high half into the low
// half. fold() is a bijection (the shift is >= half the width), so h is a bijection of y for odd a.
static inline uint64_t minhash_perm_hash(uint64_t a, uint64_t b, uint64_t y) noexcept {
  const uint64_t u = a * y + b;
  return u ^ (u >> 32);
}

void minhash_perm_scalar(const uint64_t* y, std::size_t n, const uint64_t* a, const uint64_t* b,
                         std::size_t k, uint64_t* sig) noexcept;
// Only call when the CPU supports AVX2.
void minhash_perm_avx2(const uint64_t* y, std::size_t n, const uint64_t* a, const uint64_t* b,
                       std::size_t k, uint64_t* sig) noexcept;

// The kernel to run for `kernel` (kAuto resolved once; unsupported kernels map to scalar).
MinHashPermKernelFn minhash_perm_kernel(Kernel kernel) noexcept;

}  // namespace neardup::detail
