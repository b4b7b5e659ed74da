// Scalar reference kernel of the classic MinHash scheme (see minhash_kernels.h).
#include "kernels/minhash_kernels.h"

namespace neardup::detail {

void minhash_perm_scalar(const uint64_t* y, std::size_t n, const uint64_t* a, const uint64_t* b,
                         std::size_t k, uint64_t* sig) noexcept {
  // Shingles outer, permutations inner: a[], b[] and sig[] are contiguous and walked in step.
  for (std::size_t s = 0; s < n; ++s) {
    const uint64_t ys = y[s];
    for (std::size_t i = 0; i < k; ++i) {
      const uint64_t h = minhash_perm_hash(a[i], b[i], ys);
      sig[i] = h < sig[i] ? h : sig[i];
    }
  }
}

}  // namespace neardup::detail
