// Sorting 64-bit hash values (shingle and word hashes): one counting pass on the top bits, a
// scatter into buckets of expected size < 1, and an insertion sort of each bucket. For values
// spread uniformly (seeded XXH3 outputs) this is O(n) with predictable branches, against the
// ~n log2 n mispredicted comparisons of std::sort; the result is exactly std::sort's (a sorted
// sequence of a multiset is unique). A bucket that is not small (values that are not spread, or
// many repeats of one value) is sorted with std::sort, so no input is worse than O(n log n).
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace neardup::detail {

// Reused between calls so that sorting allocates nothing once warm.
struct HashSortScratch {
  std::vector<uint64_t> values;
  std::vector<uint32_t> ends;
};

// Below this many values std::sort is as fast and needs no scratch.
inline constexpr std::size_t kBucketSortMin = 128;

inline void sort_hashes(uint64_t* p, std::size_t n, HashSortScratch& scratch) {
  if (n < kBucketSortMin || n > UINT32_MAX) {
    std::sort(p, p + n);
    return;
  }
  // About one bucket per value: 2^(bit_width(n) - 1) <= n buckets, 2^7 .. 2^16.
  const auto bits = std::clamp<unsigned>(static_cast<unsigned>(std::bit_width(n)) - 1, 7, 16);
  const unsigned shift = 64 - bits;
  const std::size_t buckets = std::size_t{1} << bits;
  std::vector<uint32_t>& ends = scratch.ends;
  ends.assign(buckets + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++ends[(p[i] >> shift) + 1];
  for (std::size_t b = 1; b <= buckets; ++b) ends[b] += ends[b - 1];  // ends[b]: start of b
  std::vector<uint64_t>& out = scratch.values;
  if (out.size() < n) out.resize(n);
  for (std::size_t i = 0; i < n; ++i) out[ends[p[i] >> shift]++] = p[i];  // ends[b]: end of b
  std::size_t begin = 0;
  for (std::size_t b = 0; b < buckets; ++b) {
    const std::size_t end = ends[b];
    if (end - begin > 32) {
      std::sort(out.data() + begin, out.data() + end);
    } else {
      for (std::size_t i = begin + 1; i < end; ++i) {
        const uint64_t v = out[i];
        std::size_t j = i;
        for (; j > begin && out[j - 1] > v; --j) out[j] = out[j - 1];
        out[j] = v;
      }
    }
    begin = end;
  }
  std::memcpy(p, out.data(), n * sizeof(uint64_t));
}

}  // namespace neardup::detail
