#include "neardup/advanced/lsh_index.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "neardup/advanced/cluster.h"

namespace neardup {
namespace {

double weighted_cost(double t, uint32_t b, uint32_t r) {
  // Independent check by the midpoint rule (the implementation uses Simpson's rule).
  const int n = 4000;
  double fp = 0, fn = 0;
  for (int i = 0; i < n; ++i) {
    const double s = (i + 0.5) / n;
    const double p = lsh_collision_probability(s, b, r);
    if (s < t)
      fp += p / n;
    else
      fn += (1 - p) / n;
  }
  return 0.5 * fp + 0.5 * fn;
}

TEST(LshParamsTest, ForThresholdIsALocalMinimumOfTheWeightedErrors) {
  for (double t : {0.5, 0.7, 0.8, 0.9}) {
    LshParams p = LshParams::for_threshold(t, 128);
    ASSERT_TRUE(p.validate(128).ok());
    const double c = weighted_cost(t, p.bands, p.rows);
    for (int db = -1; db <= 1; ++db) {
      for (int dr = -1; dr <= 1; ++dr) {
        const int b = static_cast<int>(p.bands) + db, r = static_cast<int>(p.rows) + dr;
        if (b < 1 || r < 1 || b * r > 128) continue;
        EXPECT_LE(c, weighted_cost(t, static_cast<uint32_t>(b), static_cast<uint32_t>(r)) + 1e-6)
            << "t=" << t << " b=" << b << " r=" << r;
      }
    }
    // The S-curve is steep around the threshold.
    EXPECT_GT(lsh_collision_probability(std::min(1.0, t + 0.1), p.bands, p.rows), 0.85) << t;
    EXPECT_LT(lsh_collision_probability(t - 0.25, p.bands, p.rows), 0.2) << t;
  }
}

TEST(LshParamsTest, ForRecallFindsPairsJustAboveTheThreshold) {
  for (double t : {0.5, 0.7, 0.8, 0.9}) {
    LshParams p = LshParams::for_recall(t, 128);
    ASSERT_TRUE(p.validate(128).ok());
    EXPECT_GE(lsh_collision_probability(t + 0.05, p.bands, p.rows), 0.995) << t;
    // Among the shapes that meet the recall floor, no neighbour has fewer false positives.
    const auto fp_area = [t](uint32_t b, uint32_t r) {
      double a = 0;
      for (int i = 0; i < 2000; ++i) a += lsh_collision_probability(t * (i + 0.5) / 2000, b, r);
      return a * t / 2000;
    };
    for (uint32_t b = std::max(1u, p.bands - 2); b <= p.bands + 2; ++b) {
      for (uint32_t r = std::max(1u, p.rows - 2); r <= p.rows + 2 && b * r <= 128; ++r) {
        if (lsh_collision_probability(t + 0.05, b, r) < 0.995) continue;
        EXPECT_LE(fp_area(p.bands, p.rows), fp_area(b, r) + 1e-6) << t << " " << b << "x" << r;
      }
    }
  }
  // Unreachable floor: the shape with the best recall is returned.
  LshParams tiny = LshParams::for_recall(0.5, 2, 0.05, 0.9999);
  EXPECT_EQ(tiny.bands, 2u);
  EXPECT_EQ(tiny.rows, 1u);
}

TEST(LshParamsTest, HigherThresholdUsesMoreRowsPerBand) {
  LshParams low = LshParams::for_threshold(0.5, 128), high = LshParams::for_threshold(0.9, 128);
  EXPECT_LT(low.rows, high.rows);
  EXPECT_GT(low.bands, high.bands);
}

TEST(LshParamsTest, ValidateRejectsImpossibleShapes) {
  EXPECT_FALSE((LshParams{0, 8, 1}).validate(128).ok());
  EXPECT_FALSE((LshParams{16, 0, 1}).validate(128).ok());
  EXPECT_FALSE((LshParams{17, 8, 1}).validate(128).ok());
  EXPECT_TRUE((LshParams{16, 8, 1}).validate(128).ok());
}

std::vector<uint64_t> random_signature(std::mt19937_64& rng, std::size_t n) {
  std::vector<uint64_t> s(n);
  for (auto& v : s) v = rng();
  return s;
}

TEST(LshIndexTest, FindsIdenticalSignaturesAndNotRandomOnes) {
  std::mt19937_64 rng(7);
  LshIndex index(LshParams{16, 8, 1});
  std::vector<std::vector<uint64_t>> sigs;
  for (uint32_t i = 0; i < 20000; ++i) {  // enough to force several table growths
    sigs.push_back(random_signature(rng, 128));
    index.add(i, sigs.back());
  }
  EXPECT_EQ(index.size(), 20000u);
  std::vector<uint32_t> out;
  for (uint32_t i = 0; i < 20000; i += 997) {
    index.query(sigs[i], out);
    ASSERT_EQ(out, std::vector<uint32_t>{i});
  }
  index.query(random_signature(rng, 128), out);
  EXPECT_TRUE(out.empty());
  // Compact storage: 12 bytes per entry and band, plus bucket heads and document numbers.
  EXPECT_GT(index.memory_bytes(), 20000u * 16u * 12u);
  EXPECT_LT(index.memory_bytes(), 20000u * 16u * 18u);
}

TEST(LshIndexTest, PrecomputedBandKeysMatchSignatureCalls) {
  std::mt19937_64 rng(11);
  const LshParams p{6, 3, 9};
  LshIndex by_sig(p), by_keys(p);
  std::vector<std::vector<uint64_t>> sigs;
  std::vector<uint64_t> keys(p.bands);
  for (uint32_t i = 0; i < 3000; ++i) {
    sigs.push_back(random_signature(rng, 18));
    if (i % 3 == 1) sigs.back() = sigs[i - 1];  // some identical pairs
    by_sig.add(i, sigs.back());
    by_keys.band_keys(sigs.back(), keys);
    for (uint32_t b = 0; b < p.bands; ++b) {
      ASSERT_EQ(keys[b], lsh_band_key(sigs.back(), b, p.rows, p.seed));
    }
    by_keys.add_keys(i, keys);
  }
  std::vector<uint32_t> a, b;
  for (uint32_t i = 0; i < 3000; i += 7) {
    by_sig.query(sigs[i], a);
    by_keys.band_keys(sigs[i], keys);
    by_keys.query_keys(keys, b);
    ASSERT_EQ(a, b);
    ASSERT_FALSE(a.empty());
  }
}

TEST(LshIndexTest, ClearForgetsDocumentsAndTheIndexIsReusable) {
  std::mt19937_64 rng(5);
  LshIndex index(LshParams{4, 2, 1});
  std::vector<uint64_t> s1 = random_signature(rng, 8), s2 = random_signature(rng, 8);
  for (uint32_t i = 0; i < 10000; ++i) index.add(i, random_signature(rng, 8));
  index.add(10000, s1);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  std::vector<uint32_t> out;
  index.query(s1, out);
  EXPECT_TRUE(out.empty());
  index.add(7, s2);
  index.query(s2, out);
  EXPECT_EQ(out, std::vector<uint32_t>{7});
}

// Statistical: if each signature slot agrees independently with probability s, the rate of
// LSH collisions must match P(s) = 1 - (1 - s^r)^b within 5 binomial standard errors.
TEST(LshIndexTest, CollisionRateMatchesTheSCurve) {
  const LshParams p{8, 4, 3};
  std::mt19937_64 rng(12345);
  std::uniform_real_distribution<double> unit(0, 1);
  for (double s : {0.3, 0.5, 0.7, 0.85}) {
    const int trials = 4000;
    int hits = 0;
    for (int t = 0; t < trials; ++t) {
      LshIndex index(p);
      std::vector<uint64_t> a = random_signature(rng, 32), b = random_signature(rng, 32);
      for (std::size_t i = 0; i < 32; ++i) {
        if (unit(rng) < s) b[i] = a[i];
      }
      index.add(0, a);
      std::vector<uint32_t> out;
      index.query(b, out);
      hits += out.empty() ? 0 : 1;
    }
    const double expected = lsh_collision_probability(s, p.bands, p.rows);
    const double se = std::sqrt(expected * (1 - expected) / trials);
    EXPECT_NEAR(static_cast<double>(hits) / trials, expected, 5 * se + 1e-9) << "s=" << s;
  }
}

TEST(LshIndexTest, QueryResultIsSortedAndUnique) {
  LshIndex index(LshParams{4, 2, 1});
  std::vector<uint64_t> sig(8, 42);
  for (uint32_t d : {5u, 3u, 9u, 3u}) index.add(d, sig);
  std::vector<uint32_t> out;
  index.query(sig, out);
  EXPECT_EQ(out, (std::vector<uint32_t>{3, 5, 9}));
}

TEST(UnionFindTest, RootIsSmallestMemberWhateverTheOrder) {
  UnionFind a(6), b(6);
  a.unite(4, 5);
  a.unite(5, 2);
  a.unite(0, 1);
  b.unite(2, 5);
  b.unite(1, 0);
  b.unite(5, 4);
  for (uint32_t i = 0; i < 6; ++i) EXPECT_EQ(a.find(i), b.find(i)) << i;
  EXPECT_EQ(a.find(4), 2u);
  EXPECT_EQ(a.find(1), 0u);
  EXPECT_EQ(a.find(3), 3u);
  EXPECT_FALSE(a.unite(2, 4));
  EXPECT_TRUE(a.unite(3, 4));
  EXPECT_EQ(a.find(5), 2u);
}

TEST(UnionFindTest, LongChainStaysCorrect) {
  UnionFind uf(100000);
  for (uint32_t i = 99999; i > 0; --i) uf.unite(i, i - 1);
  for (uint32_t i = 0; i < 100000; i += 1234) EXPECT_EQ(uf.find(i), 0u);
  uf.resize(100002);
  EXPECT_EQ(uf.find(100001), 100001u);
}

}  // namespace
}  // namespace neardup
