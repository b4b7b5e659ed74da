#include "detail/sort_hashes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

namespace neardup {
namespace {

// sort_hashes gives exactly std::sort's order, for every size around the thresholds, for
// uniform values, repeats, values that share their top bits (one bucket gets them all), and
// descending input; and the scratch is reused across calls.
TEST(SortHashesTest, SameOrderAsStdSortOnEveryKindOfInput) {
  std::mt19937_64 rng(42);
  detail::HashSortScratch scratch;
  std::size_t checked = 0;
  for (std::size_t n : {0u, 1u, 2u, 127u, 128u, 129u, 255u, 256u, 1000u, 4096u, 70000u}) {
    for (int kind = 0; kind < 5; ++kind) {
      std::vector<uint64_t> v(n);
      for (std::size_t i = 0; i < n; ++i) {
        const uint64_t r = rng();
        switch (kind) {
          case 0:
            v[i] = r;
            break;  // uniform
          case 1:
            v[i] = r % 7;
            break;  // few values, many repeats
          case 2:
            v[i] = (uint64_t{0xABCD} << 48) | (r >> 16);
            break;  // one top-bits bucket
          case 3:
            v[i] = ~uint64_t{0} - i * 977;
            break;  // descending
          default:
            v[i] = i % 3 == 0 ? r : v[i / 2];
            break;  // uniform with duplicates
        }
      }
      std::vector<uint64_t> expected = v;
      std::sort(expected.begin(), expected.end());
      detail::sort_hashes(v.data(), v.size(), scratch);
      ASSERT_EQ(v, expected) << "n " << n << " kind " << kind;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 55u);
  EXPECT_GE(scratch.values.size(), 70000u);  // grown once, kept
}

}  // namespace
}  // namespace neardup
