// Sorted sets of 64-bit hashes (shingle sets): the merge every exact verification runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace neardup::detail {

// |a ∩ b| of two sorted, distinct sets (a merge, O(|a| + |b|)).
inline std::size_t sorted_intersection_size(std::span<const uint64_t> a,
                                            std::span<const uint64_t> b) noexcept {
  std::size_t i = 0, j = 0, inter = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++inter;
      ++i;
      ++j;
    }
  }
  return inter;
}

}  // namespace neardup::detail
