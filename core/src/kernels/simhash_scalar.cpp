// Scalar reference kernel of SimHash's weighted bit accumulation (see simhash_kernels.h).
#include <bit>

#include "kernels/simhash_kernels.h"

namespace neardup::detail {

void simhash_acc_scalar(const uint64_t* x, const float* w, std::size_t n, uint64_t key,
                        float* acc) noexcept {
  for (std::size_t s = 0; s < n; ++s) {
    const uint64_t r = simhash_mix(x[s] ^ key);
    const float weight = w != nullptr ? w[s] : 1.0f;
    // +w when bit j is set, else -w: -w with its sign bit flipped by bit j is exactly +w (float
    // negation only flips the sign bit). Branch-free: a branch per bit would mispredict half the
    // time on random bits (measured ~10x slower), and this form vectorizes.
    const uint32_t neg = std::bit_cast<uint32_t>(-weight);
    for (unsigned j = 0; j < 64; ++j) {
      const auto flip = static_cast<uint32_t>((r >> j) & 1u) << 31;
      acc[j] += std::bit_cast<float>(neg ^ flip);
    }
  }
}

}  // namespace neardup::detail
