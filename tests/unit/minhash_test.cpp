// MinHash: unit, golden, kernel-parity and statistical tests.
//
// Statistical tests vary only the MinHash seed (trial t uses seed kMasterSeed + t) over fixed sets
// A, B with |A n B| = I and |A u B| = U, so the exact Jaccard is J = I / U, and compare the
// estimates' mean and variance with theory:
//  - mean: |mean - J| <= 4 * sqrt(sigma^2 / T) (4 standard errors of the mean);
//  - variance: |s^2 - sigma^2| <= 4 * sd(s^2), with Var(s^2) ~= (mu4 - s^4 (T-3)/(T-1)) / T
//    from the sample fourth central moment mu4 (the variance-of-variance bound; for normal data
//    it reduces to the chi-square value 2 sigma^4 / (T-1)).
// Theoretical variances:
//  - classic scheme: k independent min-wise hashes, sigma^2 = J(1-J)/k;
//  - one-permutation + optimal densification: for the union's m non-empty bins the bin minima
//    are m distinct elements drawn without replacement (covariance -J(1-J)/(U-1) between bins),
//    and empty bin i copies a uniformly chosen non-empty bin, so slot weights are
//    w_j = (1 + c_j)/k with c ~ Multinomial(k - m, 1/m). Then
//      sigma^2 = J(1-J) * (E[S] * U/(U-1) - 1/(U-1)),  S = sum_j w_j^2,
//      E[S | m] = (m + 2(k-m) + (k-m)(1 - 1/m) + (k-m)^2/m) / k^2,
//    averaged over the occupancy distribution of m (U balls in k bins, computed exactly). With no
//    empty bins this is J(1-J)/k * (1 - (k-1)/(U-1)).
//  - b-bit (classic): P_b = C + (1-C) J with C = 2^-b; sigma^2 = P_b(1-P_b) / (k (1-C)^2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "neardup/advanced/minhash.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

constexpr uint64_t kMasterSeed = 20240601;

using fixtures::random_values;

std::vector<uint64_t> iota_values(std::size_t n, uint64_t first) {
  std::vector<uint64_t> v(n);
  std::iota(v.begin(), v.end(), first);
  return v;
}

std::vector<uint64_t> sign(const MinHasher& h, const std::vector<uint64_t>& shingles) {
  std::vector<uint64_t> sig(h.num_perm());
  h.sign(shingles, sig);
  return sig;
}

MinHasher make_hasher(MinHashScheme scheme, uint32_t num_perm, uint64_t seed) {
  return MinHasher(MinHashParams{.scheme = scheme, .num_perm = num_perm, .seed = seed});
}

// Two sets with |A n B| = inter, |A u B| = uni: the shared values plus an alternating split of
// the rest.
struct SetPair {
  std::vector<uint64_t> a;
  std::vector<uint64_t> b;
};

SetPair make_set_pair(std::size_t uni, std::size_t inter, uint64_t seed) {
  const std::vector<uint64_t> all = random_values(uni, seed);
  SetPair p;
  for (std::size_t i = 0; i < uni; ++i) {
    if (i < inter) {
      p.a.push_back(all[i]);
      p.b.push_back(all[i]);
    } else if ((i - inter) % 2 == 0) {
      p.a.push_back(all[i]);
    } else {
      p.b.push_back(all[i]);
    }
  }
  return p;
}

struct Moments {
  double mean = 0;
  double var = 0;  // unbiased sample variance
  double m4 = 0;   // fourth central moment
  std::size_t n = 0;
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  m.n = x.size();
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(m.n);
  double s2 = 0, s4 = 0;
  for (double v : x) {
    const double d = (v - m.mean) * (v - m.mean);
    s2 += d;
    s4 += d * d;
  }
  m.var = s2 / static_cast<double>(m.n - 1);
  m.m4 = s4 / static_cast<double>(m.n);
  return m;
}

// sd of the sample variance (see the file comment).
double sd_of_variance(const Moments& m) {
  const double t = static_cast<double>(m.n);
  const double v = (m.m4 - m.var * m.var * (t - 3) / (t - 1)) / t;
  return std::sqrt(std::max(v, 0.0));
}

void expect_mean_and_variance(const std::vector<double>& est, double expected_mean,
                              double expected_var, const char* what) {
  const Moments m = moments(est);
  const double sem = std::sqrt(expected_var / static_cast<double>(m.n));
  EXPECT_NEAR(m.mean, expected_mean, 4 * sem) << what;
  EXPECT_NEAR(m.var, expected_var, 4 * sd_of_variance(m))
      << what << " (ratio " << m.var / expected_var << ")";
}

// sigma^2 / (J(1-J)) of one-permutation hashing with optimal densification (file comment).
double oph_variance_factor(std::size_t uni, uint32_t k) {
  std::vector<double> p(k + 1, 0.0);  // p[m]: m bins occupied
  p[0] = 1.0;
  for (std::size_t ball = 0; ball < uni; ++ball) {
    for (uint32_t m = std::min<uint32_t>(k, static_cast<uint32_t>(ball + 1)); m >= 1; --m) {
      p[m] = p[m] * m / k + p[m - 1] * (k - m + 1) / k;
    }
    p[0] = 0.0;
  }
  const double kd = k;
  double es = 0.0;
  for (uint32_t m = 1; m <= k; ++m) {
    const double md = m, e = kd - md;
    es += p[m] * (md + 2 * e + e * (1 - 1 / md) + e * e / md) / (kd * kd);
  }
  const double u = static_cast<double>(uni);
  return es * u / (u - 1) - 1 / (u - 1);
}

struct TrialEstimates {
  std::vector<double> full;
  std::vector<double> bbits[3];  // b = 1, 2, 8
};
constexpr unsigned kBbits[3] = {1, 2, 8};

TrialEstimates run_trials(MinHashScheme scheme, uint32_t k, const SetPair& p, int trials) {
  TrialEstimates out;
  std::vector<uint64_t> sa(k), sb(k);
  for (int t = 0; t < trials; ++t) {
    const MinHasher h = make_hasher(scheme, k, kMasterSeed + static_cast<uint64_t>(t));
    h.sign(p.a, sa);
    h.sign(p.b, sb);
    out.full.push_back(estimate_jaccard(sa, sb));
    for (int i = 0; i < 3; ++i) {
      std::vector<uint64_t> pa(packed_bbits_words(k, kBbits[i])), pb(pa.size());
      EXPECT_TRUE(pack_bbits(sa, kBbits[i], pa).ok());
      EXPECT_TRUE(pack_bbits(sb, kBbits[i], pb).ok());
      out.bbits[i].push_back(estimate_jaccard_bbits(pa, pb, k, kBbits[i]));
    }
  }
  return out;
}

// Sanitizer builds check memory safety, not statistics: fewer trials keep them quick (the
// tolerances scale with the trial count, so the tests stay valid).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kTrials = 500;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr int kTrials = 500;
#else
constexpr int kTrials = 2000;
#endif
#else
constexpr int kTrials = 2000;
#endif
constexpr uint32_t kK = 128;

// --- parameters ---------------------------------------------------------------------------------

TEST(MinHashTest, DefaultParamsAreOnePermutation128AndValid) {
  const MinHashParams p;
  EXPECT_EQ(p.scheme, MinHashScheme::kOnePermutation);
  EXPECT_EQ(p.num_perm, 128u);
  EXPECT_TRUE(p.validate().ok());
}

TEST(MinHashTest, ValidateRejectsZeroHugeAndUnknownScheme) {
  EXPECT_EQ(MinHashParams{.num_perm = 0}.validate().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(MinHashParams{.num_perm = kMaxNumPerm + 1}.validate().code(), StatusCode::kOutOfRange);
  EXPECT_EQ(MinHashParams{.num_perm = UINT32_MAX}.validate().code(), StatusCode::kOutOfRange);
  EXPECT_TRUE(MinHashParams{.num_perm = kMaxNumPerm}.validate().ok());
  EXPECT_TRUE(MinHashParams{.num_perm = 1}.validate().ok());
  MinHashParams bad;
  bad.scheme = static_cast<MinHashScheme>(7);
  EXPECT_EQ(bad.validate().code(), StatusCode::kInvalidArgument);
}

TEST(MinHashTest, CreateReturnsErrorForInvalidParamsAndHasherForValid) {
  const Result<MinHasher> bad = MinHasher::create({.num_perm = 0});
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  const Result<MinHasher> good = MinHasher::create({.num_perm = 64, .seed = 3});
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->num_perm(), 64u);
  EXPECT_EQ(good->params().seed, 3u);
}

// --- basic properties ---------------------------------------------------------------------------

class MinHashSchemeTest : public ::testing::TestWithParam<MinHashScheme> {};

TEST_P(MinHashSchemeTest, IdenticalDocumentsEstimateOne) {
  const MinHasher h = make_hasher(GetParam(), kK, 5);
  for (std::size_t n : {1u, 3u, 50u, 1000u}) {
    const auto doc = random_values(n, n);
    EXPECT_EQ(estimate_jaccard(sign(h, doc), sign(h, doc)), 1.0) << n;
  }
}

TEST_P(MinHashSchemeTest, DisjointDocumentsEstimateZero) {
  const MinHasher h = make_hasher(GetParam(), kK, 5);
  for (std::size_t n : {2u, 30u, 1000u}) {
    const auto a = random_values(n, 100 + n);
    const auto b = random_values(n, 200 + n);
    // Different elements give different 64-bit slot values (up to 2^-64 collisions).
    EXPECT_EQ(estimate_jaccard(sign(h, a), sign(h, b)), 0.0) << n;
  }
}

TEST_P(MinHashSchemeTest, OrderAndRepeatsDoNotChangeTheSignature) {
  const MinHasher h = make_hasher(GetParam(), kK, 9);
  std::mt19937_64 rng(1);
  for (std::size_t n : {1u, 5u, 40u, 700u}) {
    const auto doc = random_values(n, 300 + n);
    std::vector<uint64_t> shuffled = doc;
    shuffled.insert(shuffled.end(), doc.begin(), doc.begin() + static_cast<long>(n / 2 + 1));
    std::shuffle(shuffled.begin(), shuffled.end(), rng);
    EXPECT_EQ(sign(h, doc), sign(h, shuffled)) << n;
  }
}

TEST_P(MinHashSchemeTest, EmptyDocumentGivesSentinelAndEstimatesZero) {
  const MinHasher h = make_hasher(GetParam(), kK, 1);
  const std::vector<uint64_t> empty;
  const auto se = sign(h, empty);
  EXPECT_TRUE(is_empty_signature(std::span<const uint64_t>(se)));
  EXPECT_EQ(se, std::vector<uint64_t>(kK, kEmptySlot));
  std::vector<uint32_t> s32(kK);
  h.sign32(empty, s32);
  EXPECT_EQ(s32, std::vector<uint32_t>(kK, kEmptySlot32));
  // Empty documents are near-duplicates of nothing, not even of each other.
  EXPECT_EQ(estimate_jaccard(se, se), 0.0);
  EXPECT_EQ(estimate_jaccard(std::span<const uint32_t>(s32), std::span<const uint32_t>(s32)), 0.0);
  const auto sx = sign(h, random_values(10, 1));
  EXPECT_FALSE(is_empty_signature(std::span<const uint64_t>(sx)));
  EXPECT_EQ(estimate_jaccard(se, sx), 0.0);
  EXPECT_EQ(estimate_jaccard(sx, se), 0.0);
  std::vector<uint64_t> pe(packed_bbits_words(kK, 1)), px(pe.size());
  ASSERT_TRUE(pack_bbits(se, 1, pe).ok());
  ASSERT_TRUE(pack_bbits(sx, 1, px).ok());
  EXPECT_EQ(estimate_jaccard_bbits(pe, pe, kK, 1), 0.0);
  EXPECT_EQ(estimate_jaccard_bbits(pe, px, kK, 1), 0.0);
}

TEST_P(MinHashSchemeTest, DifferentSeedsGiveDifferentSignatures) {
  const auto doc = random_values(100, 4);
  EXPECT_NE(sign(make_hasher(GetParam(), kK, 1), doc), sign(make_hasher(GetParam(), kK, 2), doc));
  EXPECT_EQ(sign(make_hasher(GetParam(), kK, 1), doc), sign(make_hasher(GetParam(), kK, 1), doc));
}

TEST_P(MinHashSchemeTest, Sign32IsTheHighHalfOfSign) {
  for (uint32_t k : {1u, 7u, 128u, 300u}) {
    const MinHasher h = make_hasher(GetParam(), k, 11);
    for (std::size_t n : {1u, 2u, 20u, 600u}) {
      const auto doc = random_values(n, 7 * n + k);
      const auto s = sign(h, doc);
      std::vector<uint32_t> s32(k), conv(k);
      h.sign32(doc, s32);
      to_signature32(s, conv);
      EXPECT_EQ(s32, conv) << k << " " << n;
      EXPECT_EQ(conv[0], static_cast<uint32_t>(s[0] >> 32));
    }
  }
}

TEST_P(MinHashSchemeTest, ConcurrentSignsMatchSerialResults) {
  const MinHasher h = make_hasher(GetParam(), kK, 13);
  std::vector<std::vector<uint64_t>> docs;
  for (std::size_t i = 0; i < 16; ++i) docs.push_back(random_values(50 + 37 * i, i));
  std::vector<std::vector<uint64_t>> serial;
  for (const auto& d : docs) serial.push_back(sign(h, d));
  std::vector<std::vector<uint64_t>> r1(docs.size()), r2(docs.size());
  std::thread t1([&] {
    for (std::size_t i = 0; i < docs.size(); ++i) r1[i] = sign(h, docs[i]);
  });
  std::thread t2([&] {
    for (std::size_t i = docs.size(); i-- > 0;) r2[i] = sign(h, docs[i]);
  });
  t1.join();
  t2.join();
  EXPECT_EQ(r1, serial);
  EXPECT_EQ(r2, serial);
}

std::string scheme_name(const ::testing::TestParamInfo<MinHashScheme>& param) {
  return param.param == MinHashScheme::kPermutations ? "Permutations" : "OnePermutation";
}

INSTANTIATE_TEST_SUITE_P(Schemes, MinHashSchemeTest,
                         ::testing::Values(MinHashScheme::kPermutations,
                                           MinHashScheme::kOnePermutation),
                         scheme_name);

TEST(MinHashTest, OnePermutationSingleShingleFillsEverySlot) {
  const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, kK, 1);
  const auto s = sign(h, {42});
  EXPECT_TRUE(std::all_of(s.begin(), s.end(), [&](uint64_t v) { return v == s[0]; }));
  EXPECT_NE(s[0], kEmptySlot);
}

TEST(MinHashTest, OnePermutationDensifiedSlotsComeFromTheDocument) {
  // With 5 shingles and 128 bins most slots are densified copies: every slot must still hold one
  // of the (at most 5) distinct bin minima, and all 5 elements' bins must appear.
  const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, kK, 1);
  const auto s = sign(h, random_values(5, 77));
  std::vector<uint64_t> distinct = s;
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  EXPECT_LE(distinct.size(), 5u);
  EXPECT_GE(distinct.size(), 4u);  // 5 elements in 128 bins share a bin with probability ~8%
}

// --- golden -------------------------------------------------------------------------------------

TEST(MinHashTest, GoldenPermutationsSignature) {
  const MinHasher h = make_hasher(MinHashScheme::kPermutations, kK, 1);
  const auto s = sign(h, iota_values(100, 0));
  const std::vector<uint64_t> first8(s.begin(), s.begin() + 8);
  const std::vector<uint64_t> expected = {
      0x00FCBD80A0490487ULL, 0x0030830925A41465ULL, 0x000A4CC69396BD9AULL, 0x006ADD3A3B5026CAULL,
      0x03D872EAB394EFDAULL, 0x00DE37BE5725B2DBULL, 0x01BFC4A77DF940CBULL, 0x01A8DE86EA403D13ULL};
  EXPECT_EQ(first8, expected);
}

TEST(MinHashTest, GoldenOnePermutationSignature) {
  const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, kK, 1);
  const auto s = sign(h, iota_values(1000, 0));
  const std::vector<uint64_t> first8(s.begin(), s.begin() + 8);
  const std::vector<uint64_t> expected = {
      0x0CD999243876BA03ULL, 0x27387F101FD8F796ULL, 0x422EB8E70E63C770ULL, 0x296682E61881BA8EULL,
      0x0D4DCF8D72DEAB06ULL, 0x059E95091C16C8BDULL, 0x02EC370F25ABF625ULL, 0x0FA2C863B2A09CF9ULL};
  EXPECT_EQ(first8, expected);
}

TEST(MinHashTest, GoldenOnePermutationDensifiedSignature) {
  // 10 shingles into 128 bins: pins the densification probe sequence too.
  const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, kK, 1);
  const auto s = sign(h, iota_values(10, 0));
  const std::vector<uint64_t> first8(s.begin(), s.begin() + 8);
  const std::vector<uint64_t> expected = {
      0xA13B73345E4D263AULL, 0x54ECA2BF5013F032ULL, 0x16DD31754B1F6F3BULL, 0x4DCE137A8C7E3676ULL,
      0x602B52FEBBBFC685ULL, 0x34141F244066E9EAULL, 0x34141F244066E9EAULL, 0x54ECA2BF5013F032ULL};
  EXPECT_EQ(first8, expected);
}

TEST(MinHashTest, GoldenOnePermutationVerySparseDigest) {
  // 2-3 shingles in 128 or 4096 bins: most probe walks run past the hasher's cached probes
  // (32 per bin at k = 128, 4 at k = 4096) into the computed ones. The pinned digests were
  // checked against a build without the cache.
  struct Case {
    uint32_t k;
    std::size_t n;
    uint64_t digest;
  };
  for (const Case c :
       {Case{128, 2, 0x4162a6cc0fd9b879ULL}, Case{128, 3, 0xfeec7a02d1e61c7bULL},
        Case{4096, 3, 0xd13d427a282637f3ULL}, Case{4096, 40, 0x32047c8adab9621fULL}}) {
    const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, c.k, 1);
    uint64_t digest = 0;
    for (const uint64_t v : sign(h, iota_values(c.n, 0))) digest = digest * 31 + v;
    EXPECT_EQ(digest, c.digest) << c.k << " " << c.n;
  }
}

// --- kernels ------------------------------------------------------------------------------------

TEST(MinHashTest, KernelNamesAndSupport) {
  EXPECT_EQ(kernel_name(Kernel::kScalar), "scalar");
  EXPECT_EQ(kernel_name(Kernel::kAvx2), "avx2");
  EXPECT_EQ(kernel_name(Kernel::kAuto), "auto");
  EXPECT_TRUE(kernel_supported(Kernel::kScalar));
  EXPECT_TRUE(kernel_supported(active_kernel()));
  EXPECT_NE(active_kernel(), Kernel::kAuto);
}

TEST(MinHashTest, ActiveKernelFollowsCpuAndForceEnvironment) {
  Kernel expected = kernel_supported(Kernel::kAvx2) ? Kernel::kAvx2 : Kernel::kScalar;
  if (const char* env = std::getenv("NEARDUP_FORCE_KERNEL"); env && std::string(env) == "scalar") {
    expected = Kernel::kScalar;
  }
  EXPECT_EQ(active_kernel(), expected);
}

TEST(MinHashTest, Avx2KernelMatchesScalarBitForBit) {
  if (!kernel_supported(Kernel::kAvx2)) GTEST_SKIP() << "CPU lacks AVX2";
  std::size_t checked = 0;
  for (uint32_t k : {1u, 2u, 3u, 4u, 5u, 7u, 8u, 15u, 16u, 17u, 20u, 31u, 33u, 64u, 100u, 128u,
                     129u, 256u, 300u}) {
    const MinHasher h = make_hasher(MinHashScheme::kPermutations, k, 1000 + k);
    std::vector<uint64_t> s_scalar(k), s_avx2(k), s_auto(k);
    for (std::size_t n : {0u, 1u, 2u, 3u, 5u, 16u, 100u, 255u, 256u, 257u, 1000u}) {
      // Include extreme values so that the unsigned-min emulation sees both halves of the range.
      auto doc = random_values(n, k * 7919 + n);
      if (n > 2) {
        doc[0] = 0;
        doc[1] = UINT64_MAX;
      }
      h.sign_with(Kernel::kScalar, doc, s_scalar);
      h.sign_with(Kernel::kAvx2, doc, s_avx2);
      h.sign_with(Kernel::kAuto, doc, s_auto);
      ASSERT_EQ(s_scalar, s_avx2) << "k=" << k << " n=" << n;
      ASSERT_EQ(s_scalar, s_auto) << "k=" << k << " n=" << n;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 19u * 11u);
}

TEST(MinHashTest, OnePermutationIgnoresTheKernelChoice) {
  const MinHasher h = make_hasher(MinHashScheme::kOnePermutation, kK, 3);
  const auto doc = random_values(300, 3);
  std::vector<uint64_t> a(kK), b(kK);
  h.sign_with(Kernel::kScalar, doc, a);
  h.sign_with(Kernel::kAvx2, doc, b);
  EXPECT_EQ(a, b);
}

// --- estimators ---------------------------------------------------------------------------------

TEST(MinHashTest, EstimateCountsEqualSlots) {
  const std::vector<uint64_t> a = {1, 2, 3, 4};
  const std::vector<uint64_t> b = {1, 9, 3, 9};
  EXPECT_DOUBLE_EQ(estimate_jaccard(a, b), 0.5);
  const std::vector<uint32_t> a32 = {1, 2, 3, 4}, b32 = {1, 2, 3, 9};
  EXPECT_DOUBLE_EQ(estimate_jaccard(std::span<const uint32_t>(a32), std::span<const uint32_t>(b32)),
                   0.75);
  const std::vector<uint64_t> shorter = {1, 2, 3};
  EXPECT_EQ(estimate_jaccard(a, shorter), 0.0);
  EXPECT_EQ(estimate_jaccard(std::span<const uint64_t>(), std::span<const uint64_t>()), 0.0);
}

TEST(MinHashTest, PackBbitsKeepsLowBitsAndZeroPadding) {
  const auto sig = random_values(37, 5);  // 37 slots: the last word is partly padding for b >= 2
  for (unsigned b : {1u, 2u, 4u, 8u, 16u, 32u}) {
    std::vector<uint64_t> packed(packed_bbits_words(sig.size(), b));
    EXPECT_EQ(packed.size(), (37 * b + 63) / 64);
    ASSERT_TRUE(pack_bbits(sig, b, packed).ok()) << b;
    const uint64_t mask = (uint64_t{1} << b) - 1;
    for (std::size_t i = 0; i < sig.size(); ++i) {
      const uint64_t got = (packed[i * b / 64] >> (i * b % 64)) & mask;
      EXPECT_EQ(got, sig[i] & mask) << b << " " << i;
    }
    const std::size_t used = (37 * b) % 64;
    if (used != 0) {
      EXPECT_EQ(packed.back() >> used, 0u) << b;
    }
    EXPECT_EQ(estimate_jaccard_bbits(packed, packed, sig.size(), b), 1.0) << b;
  }
}

TEST(MinHashTest, PackBbitsRejectsBadWidthAndSize) {
  const std::vector<uint64_t> sig(128, 3);
  std::vector<uint64_t> packed(packed_bbits_words(128, 2));
  EXPECT_EQ(pack_bbits(sig, 3, packed).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pack_bbits(sig, 0, packed).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pack_bbits(sig, 64, packed).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(pack_bbits(sig, 1, packed).code(), StatusCode::kInvalidArgument);  // wrong size
  EXPECT_TRUE(pack_bbits(sig, 2, packed).ok());
  EXPECT_EQ(estimate_jaccard_bbits(packed, packed, 128, 3), 0.0);
  EXPECT_EQ(estimate_jaccard_bbits(packed, packed, 200, 2), 0.0);  // size mismatch
}

TEST(MinHashTest, BbitEstimatorAppliesLiKoenigCorrection) {
  // b = 1, 8 slots, values chosen so that exactly 6 of 8 low bits agree: P = 0.75,
  // J^ = (0.75 - 0.5) / (1 - 0.5) = 0.5.
  const std::vector<uint64_t> a = {0, 1, 0, 1, 0, 1, 0, 1};
  const std::vector<uint64_t> b = {0, 1, 0, 1, 0, 1, 1, 0};
  std::vector<uint64_t> pa(1), pb(1);
  ASSERT_TRUE(pack_bbits(a, 1, pa).ok());
  ASSERT_TRUE(pack_bbits(b, 1, pb).ok());
  EXPECT_DOUBLE_EQ(estimate_jaccard_bbits(pa, pb, 8, 1), 0.5);
  // b = 4: 3 of 4 groups agree: (0.75 - 1/16) / (1 - 1/16) = 11/15.
  const std::vector<uint64_t> c = {0x10, 0x2F, 0x3, 0x4};
  const std::vector<uint64_t> d = {0x20, 0x1F, 0x3, 0x5};
  ASSERT_TRUE(pack_bbits(c, 4, pa).ok());
  ASSERT_TRUE(pack_bbits(d, 4, pb).ok());
  EXPECT_DOUBLE_EQ(estimate_jaccard_bbits(pa, pb, 4, 4), 11.0 / 15.0);
}

TEST(MinHashTest, BbitConstantsMatchLiKoenigFormula) {
  for (unsigned b : {1u, 2u, 8u, 32u}) {
    const BbitConstants c0 = bbit_constants(b, 0.0, 0.0);
    EXPECT_DOUBLE_EQ(c0.c1, std::ldexp(1.0, -static_cast<int>(b)));
    EXPECT_DOUBLE_EQ(c0.c2, c0.c1);
    // A 2^64 hash space: r ~ 1e-15 is indistinguishable from the limit.
    const BbitConstants tiny = bbit_constants(b, 1e-15, 3e-15);
    EXPECT_NEAR(tiny.c1, c0.c1, 1e-9);
  }
  // b = 1, r1 = r2 = 1/2: A = (1/2)(1/2) / (1 - 1/4) = 1/3 = C1 = C2.
  const BbitConstants half = bbit_constants(1, 0.5, 0.5);
  EXPECT_NEAR(half.c1, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(half.c2, 1.0 / 3.0, 1e-12);
  // Asymmetric: C1 = (A1 r2 + A2 r1)/(r1+r2), C2 = (A1 r1 + A2 r2)/(r1+r2).
  const double r1 = 0.2, r2 = 0.6;
  const auto a_of = [](double r) { return r * (1 - r) / (1 - (1 - r) * (1 - r)); };  // b = 1
  const BbitConstants c = bbit_constants(1, r1, r2);
  EXPECT_NEAR(c.c1, (a_of(r1) * r2 + a_of(r2) * r1) / (r1 + r2), 1e-12);
  EXPECT_NEAR(c.c2, (a_of(r1) * r1 + a_of(r2) * r2) / (r1 + r2), 1e-12);
}

// --- statistical --------------------------------------------------------------------------------

struct JaccardCase {
  std::size_t inter;
  double j;
};

TEST(MinHashTest, PermutationsEstimateIsUnbiasedWithBinomialVariance) {
  constexpr std::size_t kUnion = 100;  // the classic scheme's variance does not depend on U
  for (const JaccardCase jc :
       {JaccardCase{10, 0.1}, JaccardCase{50, 0.5}, JaccardCase{80, 0.8}, JaccardCase{95, 0.95}}) {
    SCOPED_TRACE(jc.j);
    const SetPair p = make_set_pair(kUnion, jc.inter, 17);
    const TrialEstimates e = run_trials(MinHashScheme::kPermutations, kK, p, kTrials);
    expect_mean_and_variance(e.full, jc.j, jc.j * (1 - jc.j) / kK, "full");
    if (jc.j == 0.5 || jc.j == 0.8) {
      for (int i = 0; i < 3; ++i) {
        const double c = std::ldexp(1.0, -static_cast<int>(kBbits[i]));
        const double pb = c + (1 - c) * jc.j;
        expect_mean_and_variance(e.bbits[i], jc.j, pb * (1 - pb) / (kK * (1 - c) * (1 - c)),
                                 "b-bit");
      }
    }
  }
}

TEST(MinHashTest, OnePermutationDenseEstimateIsUnbiasedWithFinitePopulationVariance) {
  constexpr std::size_t kUnion = 2000;  // no empty bins (probability ~2e-5 per pair)
  const double factor = oph_variance_factor(kUnion, kK);
  EXPECT_NEAR(factor, (1.0 - 127.0 / 1999.0) / kK, 1e-6);
  for (const JaccardCase jc : {JaccardCase{200, 0.1}, JaccardCase{1000, 0.5},
                               JaccardCase{1600, 0.8}, JaccardCase{1900, 0.95}}) {
    SCOPED_TRACE(jc.j);
    const SetPair p = make_set_pair(kUnion, jc.inter, 19);
    const TrialEstimates e = run_trials(MinHashScheme::kOnePermutation, kK, p, kTrials);
    expect_mean_and_variance(e.full, jc.j, jc.j * (1 - jc.j) * factor, "full");
    // b-bit: unbiased after the correction (variance checked for the classic scheme only; here
    // the standard error uses the sample variance).
    for (int i = 0; i < 3; ++i) {
      const Moments m = moments(e.bbits[i]);
      EXPECT_NEAR(m.mean, jc.j, 4 * std::sqrt(m.var / kTrials)) << "b=" << kBbits[i];
    }
  }
}

TEST(MinHashTest, OnePermutationDensifiedEstimateIsUnbiasedWithTheoreticalVariance) {
  constexpr std::size_t kUnion = 80;  // ~60 of 128 bins occupied: densification everywhere
  const double factor = oph_variance_factor(kUnion, kK);
  // Densification costs accuracy: above the dense finite-population value, and here (U < k)
  // even above the classic scheme's 1/k.
  EXPECT_GT(factor, 1.0 / kK);
  EXPECT_GT(factor, oph_variance_factor(2000, kK));
  for (const JaccardCase jc :
       {JaccardCase{8, 0.1}, JaccardCase{40, 0.5}, JaccardCase{64, 0.8}, JaccardCase{76, 0.95}}) {
    SCOPED_TRACE(jc.j);
    const SetPair p = make_set_pair(kUnion, jc.inter, 23);
    const TrialEstimates e = run_trials(MinHashScheme::kOnePermutation, kK, p, kTrials);
    expect_mean_and_variance(e.full, jc.j, jc.j * (1 - jc.j) * factor, "full");
  }
}

}  // namespace
}  // namespace neardup
