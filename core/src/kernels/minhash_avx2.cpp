// AVX2 kernel of the classic MinHash scheme; bit-identical to minhash_perm_scalar().
//
// Built with -mavx2 (set_source_files_properties in core/CMakeLists.txt) and only called after
// dispatch.cpp has checked __builtin_cpu_supports("avx2"). Everything here except the exported
// kernel has internal linkage (see minhash_kernels.h).
//
// AVX2 has neither a 64x64-bit multiply nor an unsigned 64-bit min, so:
//  - a*y mod 2^64 = lo(a)lo(y) + ((hi(a)lo(y) + lo(a)hi(y)) << 32): three _mm256_mul_epu32
//    (32x32->64 on the low half of each lane); the hi(a)hi(y) term is a multiple of 2^64 and
//    drops out. hi(y) is computed once per shingle, hi(a) once per block of permutations.
//  - unsigned min(p, q) = the signed min of p ^ 2^63 and q ^ 2^63 (flipping the top bit maps
//    unsigned order onto signed order); the running minima are kept flipped in registers and
//    flipped back when stored, so only the new hash needs one extra xor.
// Layout: permutations are processed in blocks of 16 (4 vectors); for each block the minima stay
// in registers while all shingles stream through, so sig[] is loaded and stored once per block
// per call instead of once per shingle. The k % 4 leftover slots use the scalar formula.
#include <immintrin.h>

#include "kernels/minhash_kernels.h"

namespace neardup::detail {
namespace {

template <std::size_t kVecs>
inline void perm_block_avx2(const uint64_t* y, std::size_t n, const uint64_t* a, const uint64_t* b,
                            uint64_t* sig) noexcept {
  const __m256i flip = _mm256_set1_epi64x(INT64_MIN);
  __m256i va[kVecs];
  __m256i va_hi[kVecs];
  __m256i vb[kVecs];
  __m256i acc[kVecs];  // running minima, top bit flipped
  for (std::size_t v = 0; v < kVecs; ++v) {
    va[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a + 4 * v));
    va_hi[v] = _mm256_srli_epi64(va[v], 32);
    vb[v] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + 4 * v));
    acc[v] =
        _mm256_xor_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(sig + 4 * v)), flip);
  }
  for (std::size_t s = 0; s < n; ++s) {
    const __m256i y_lo = _mm256_set1_epi64x(static_cast<long long>(y[s]));
    const __m256i y_hi = _mm256_srli_epi64(y_lo, 32);
    for (std::size_t v = 0; v < kVecs; ++v) {
      const __m256i lo = _mm256_mul_epu32(va[v], y_lo);
      const __m256i cross =
          _mm256_add_epi64(_mm256_mul_epu32(va_hi[v], y_lo), _mm256_mul_epu32(va[v], y_hi));
      const __m256i u = _mm256_add_epi64(_mm256_add_epi64(lo, _mm256_slli_epi64(cross, 32)), vb[v]);
      const __m256i h = _mm256_xor_si256(_mm256_xor_si256(u, _mm256_srli_epi64(u, 32)), flip);
      // acc > h (signed, both flipped) <=> unsigned acc > unsigned h: take h.
      const __m256i gt = _mm256_cmpgt_epi64(acc[v], h);
      acc[v] = _mm256_blendv_epi8(acc[v], h, gt);
    }
  }
  for (std::size_t v = 0; v < kVecs; ++v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sig + 4 * v), _mm256_xor_si256(acc[v], flip));
  }
}

}  // namespace

void minhash_perm_avx2(const uint64_t* y, std::size_t n, const uint64_t* a, const uint64_t* b,
                       std::size_t k, uint64_t* sig) noexcept {
  std::size_t i = 0;
  for (; i + 16 <= k; i += 16) perm_block_avx2<4>(y, n, a + i, b + i, sig + i);
  for (; i + 4 <= k; i += 4) perm_block_avx2<1>(y, n, a + i, b + i, sig + i);
  for (; i < k; ++i) {
    uint64_t m = sig[i];
    for (std::size_t s = 0; s < n; ++s) {
      const uint64_t h = minhash_perm_hash(a[i], b[i], y[s]);
      m = h < m ? h : m;
    }
    sig[i] = m;
  }
}

}  // namespace neardup::detail
