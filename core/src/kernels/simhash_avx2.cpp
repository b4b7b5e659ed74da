// AVX2 kernel of SimHash's weighted bit accumulation; bit-identical to simhash_acc_scalar().
//
// Built with -mavx2 and only called after the dispatcher checked the CPU (see dispatch.cpp).
// Layout: the 64 accumulators live in 8 registers of 8 floats for the whole call (lane l of
// register v is bit 8v + l), so acc[] is loaded and stored once per call, not per feature.
// Per feature: the 32-bit half of r that holds register v's bits is broadcast, and one
// variable left shift (vpsllvd) by 31 - (bit index within the half) moves each lane's bit into
// its sign bit; vblendvps selects +w or -w on exactly that sign bit. The add is the same float
// addition the scalar loop performs for that bit, in the same feature order, hence parity.
#include <immintrin.h>

#include "kernels/simhash_kernels.h"

namespace neardup::detail {

void simhash_acc_avx2(const uint64_t* x, const float* w, std::size_t n, uint64_t key,
                      float* acc) noexcept {
  __m256i shift[4];
  for (int v = 0; v < 4; ++v) {
    // Lane l of register v (and of v + 4, on the high half) holds bit 8v + l of its half.
    shift[v] = _mm256_setr_epi32(31 - 8 * v, 30 - 8 * v, 29 - 8 * v, 28 - 8 * v, 27 - 8 * v,
                                 26 - 8 * v, 25 - 8 * v, 24 - 8 * v);
  }
  __m256 a[8];
  for (int v = 0; v < 8; ++v) a[v] = _mm256_loadu_ps(acc + 8 * v);
  for (std::size_t s = 0; s < n; ++s) {
    const uint64_t r = simhash_mix(x[s] ^ key);
    const float wf = w != nullptr ? w[s] : 1.0f;
    const __m256 pos = _mm256_set1_ps(wf);
    const __m256 neg = _mm256_set1_ps(-wf);
    const __m256i lo = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(r)));
    const __m256i hi = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(r >> 32)));
    for (int v = 0; v < 4; ++v) {
      const __m256 mlo = _mm256_castsi256_ps(_mm256_sllv_epi32(lo, shift[v]));
      const __m256 mhi = _mm256_castsi256_ps(_mm256_sllv_epi32(hi, shift[v]));
      a[v] = _mm256_add_ps(a[v], _mm256_blendv_ps(neg, pos, mlo));
      a[v + 4] = _mm256_add_ps(a[v + 4], _mm256_blendv_ps(neg, pos, mhi));
    }
  }
  for (int v = 0; v < 8; ++v) _mm256_storeu_ps(acc + 8 * v, a[v]);
}

}  // namespace neardup::detail
