// The story clusterer's private kernels (core/src/story/story_internal.h) against plain
// reference implementations: the sparse dot product's search path must give the merge's sum bit
// for bit, the in-place union of particulars must be the sorted set union, and the scan for the
// lightest centroid terms must pick what a full selection picks. The clusterer's output depends
// on all three being exact, not close.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <random>
#include <utility>
#include <vector>

#include "story/story_internal.h"

namespace neardup {
namespace {

// The merge every path of dot_sorted must equal.
double reference_dot(const std::vector<uint64_t>& at, const std::vector<float>& aw,
                     const std::vector<uint64_t>& bt, const std::vector<float>& bw,
                     std::size_t& shared) {
  double s = 0;
  std::size_t i = 0, j = 0;
  shared = 0;
  while (i < at.size() && j < bt.size()) {
    if (at[i] < bt[j]) {
      ++i;
    } else if (bt[j] < at[i]) {
      ++j;
    } else {
      s += static_cast<double>(aw[i]) * bw[j];
      ++i;
      ++j;
      ++shared;
    }
  }
  return s;
}

// Sorted terms drawn from `pool` (with or without repeats) and weights in (0, 1].
void draw(std::mt19937_64& rng, const std::vector<uint64_t>& pool, std::size_t n, bool repeats,
          std::vector<uint64_t>& terms, std::vector<float>& weights) {
  terms.clear();
  weights.clear();
  for (std::size_t k = 0; k < n; ++k) terms.push_back(pool[rng() % pool.size()]);
  std::sort(terms.begin(), terms.end());
  if (!repeats) terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::uniform_real_distribution<float> w(0.001f, 1.0f);
  for (std::size_t k = 0; k < terms.size(); ++k) weights.push_back(w(rng));
}

TEST(StoryKernelsTest, DotSortedEqualsTheMergeBitForBitOnEveryPath) {
  std::mt19937_64 rng(20);
  // Hashed ids (spread over 64 bits, what the search's guess assumes), small dense ids, and ids
  // crowded at both ends of the range (where the guess is far off): the result must not depend
  // on the spread.
  std::vector<std::vector<uint64_t>> pools(3);
  for (int k = 0; k < 3000; ++k) pools[0].push_back(rng());
  for (uint64_t k = 0; k < 600; ++k) pools[1].push_back(k);
  for (uint64_t k = 0; k < 300; ++k) {
    pools[2].push_back(k);
    pools[2].push_back(UINT64_MAX - k);
  }
  std::vector<uint64_t> at, bt;
  std::vector<float> aw, bw;
  std::size_t searched = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    const auto& pool = pools[static_cast<std::size_t>(trial) % pools.size()];
    const std::size_t na = 1 + rng() % 12, nb = rng() % 2 != 0 ? 50 + rng() % 700 : rng() % 40;
    const bool repeats = trial % 7 == 0;
    draw(rng, pool, na, repeats, at, aw);
    draw(rng, pool, nb, repeats, bt, bw);
    // Both orders: the short side first and second.
    for (int swap = 0; swap < 2; ++swap) {
      std::size_t want_shared = 0, got_shared = 99;
      const double want = swap == 0 ? reference_dot(at, aw, bt, bw, want_shared)
                                    : reference_dot(bt, bw, at, aw, want_shared);
      const double got = swap == 0 ? story_internal::dot_sorted(at, aw, bt, bw, &got_shared)
                                   : story_internal::dot_sorted(bt, bw, at, aw, &got_shared);
      ASSERT_EQ(got, want) << "trial " << trial << " swap " << swap;
      ASSERT_EQ(got_shared, want_shared) << "trial " << trial << " swap " << swap;
    }
    if (at.size() * 16 < bt.size()) ++searched;
  }
  EXPECT_GT(searched, 500u);  // the search path ran, not only the merge
}

TEST(StoryKernelsTest, DotSortedMatchesEveryTermOfALongVector) {
  // Each term of a long vector, alone, against the whole vector: found at the first, the last
  // and every position between (the guess clamps at both ends).
  std::mt19937_64 rng(7);
  std::vector<uint64_t> lt;
  std::vector<float> lw;
  for (int k = 0; k < 400; ++k) lt.push_back(rng());
  std::sort(lt.begin(), lt.end());
  for (std::size_t k = 0; k < lt.size(); ++k) lw.push_back(static_cast<float>(k + 1));
  for (std::size_t k = 0; k < lt.size(); ++k) {
    std::size_t shared = 0;
    EXPECT_EQ(story_internal::dot_sorted({lt[k]}, {2.0f}, lt, lw, &shared),
              2.0 * static_cast<double>(k + 1));
    EXPECT_EQ(shared, 1u);
    // A term just above: never in the vector (ids are distinct random values).
    if (k + 1 < lt.size() && lt[k] + 1 != lt[k + 1]) {
      EXPECT_EQ(story_internal::dot_sorted({lt[k] + 1}, {2.0f}, lt, lw, &shared), 0.0);
      EXPECT_EQ(shared, 0u);
    }
  }
}

TEST(StoryKernelsTest, UnionOfParticularsIsTheSortedSetUnion) {
  std::mt19937_64 rng(3);
  for (int trial = 0; trial < 2000; ++trial) {
    const uint64_t range = 1 + rng() % 60;
    std::vector<uint64_t> into, add;
    for (std::size_t k = rng() % 20; k > 0; --k) into.push_back(rng() % range);
    for (std::size_t k = rng() % 10; k > 0; --k) add.push_back(rng() % range);
    std::sort(into.begin(), into.end());
    into.erase(std::unique(into.begin(), into.end()), into.end());
    std::sort(add.begin(), add.end());  // may repeat an element
    std::vector<uint64_t> want;
    std::set_union(into.begin(), into.end(), add.begin(), add.end(), std::back_inserter(want));
    want.erase(std::unique(want.begin(), want.end()), want.end());
    story_internal::union_particulars(into, add);
    ASSERT_EQ(into, want) << "trial " << trial;
  }
}

TEST(StoryKernelsTest, LightestTermsAreWhatAFullSelectionDrops) {
  std::mt19937_64 rng(11);
  for (int trial = 0; trial < 2000; ++trial) {
    const std::size_t n = 1 + rng() % 60;
    std::vector<uint64_t> terms;
    for (std::size_t k = 0; k < n; ++k) terms.push_back(rng() % 1000);
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    std::vector<float> weights;
    // Few distinct weights, so that ties (broken by term id) are common.
    for (std::size_t k = 0; k < terms.size(); ++k)
      weights.push_back(static_cast<float>(rng() % 5) * 0.25f);
    const std::size_t drop = 1 + rng() % std::min<std::size_t>(16, terms.size());
    // Reference: order all heaviest first (ties by term), the last `drop` go.
    std::vector<std::size_t> order(terms.size());
    for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      return weights[a] != weights[b] ? weights[a] > weights[b] : terms[a] < terms[b];
    });
    std::vector<std::size_t> want(order.end() - static_cast<std::ptrdiff_t>(drop), order.end());
    std::sort(want.begin(), want.end());
    std::vector<std::size_t> got(drop, 999);
    story_internal::lightest_terms(terms, weights, drop, got.data());
    ASSERT_EQ(got, want) << "trial " << trial << " drop " << drop;
  }
}

}  // namespace
}  // namespace neardup
