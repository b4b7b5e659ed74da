// Story latent layer: the randomized truncated SVD against Eigen's dense SVD on small matrices,
// its determinism, its input checks; the latent space of a corpus (co-occurring words become
// close); and cluster_stories with the layer on.
#include "neardup/advanced/story_latent.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "neardup/advanced/hash.h"
#include "neardup/advanced/story.h"

namespace neardup {
namespace {

// A rows x cols sparse matrix of planted rank `planted` (plus small noise on the non-zeros),
// about `density` of its entries non-zero.
SparseRowMatrix planted_matrix(uint32_t rows, uint32_t cols, int planted, double density,
                               uint32_t seed, Eigen::MatrixXd& dense) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::uniform_real_distribution<double> unit;
  const Eigen::MatrixXd left =
      Eigen::MatrixXd::NullaryExpr(rows, planted, [&] { return normal(rng); });
  const Eigen::MatrixXd right =
      Eigen::MatrixXd::NullaryExpr(planted, cols, [&] { return normal(rng); });
  const Eigen::MatrixXd full = left * right;
  dense = Eigen::MatrixXd::Zero(rows, cols);
  SparseRowMatrix a;
  a.rows = rows;
  a.cols = cols;
  a.offsets.push_back(0);
  for (uint32_t r = 0; r < rows; ++r) {
    for (uint32_t c = 0; c < cols; ++c) {
      if (unit(rng) >= density) continue;
      const auto v = static_cast<float>(full(r, c) + 0.01 * normal(rng));
      a.col_index.push_back(c);
      a.values.push_back(v);
      dense(r, c) = v;
    }
    a.offsets.push_back(a.col_index.size());
  }
  return a;
}

TEST(StoryLatentTest, SingularValuesAndVectorsMatchDenseReference) {
  Eigen::MatrixXd dense;
  const SparseRowMatrix a = planted_matrix(80, 50, 50, 0.3, 7, dense);
  StoryLatentOptions o;
  o.rank = 6;
  o.oversample = 20;
  o.power_iterations = 4;
  Result<TruncatedSvd> svd = truncated_svd(a, o);
  ASSERT_TRUE(svd.ok()) << svd.status().message();
  ASSERT_EQ(svd->rank, 6u);
  Eigen::JacobiSVD<Eigen::MatrixXd> ref(dense, Eigen::ComputeThinU | Eigen::ComputeThinV);
  for (uint32_t j = 0; j < svd->rank; ++j) {
    const double want = ref.singularValues()(j);
    EXPECT_NEAR(svd->singular_values[j], want, 1e-3 * want) << "singular value " << j;
    // The singular vector, up to its sign: |<v, v_ref>| ~ 1 (the spectrum of a random matrix
    // has no near-ties in its top values for this seed).
    double dot_v = 0, dot_u = 0;
    for (uint32_t i = 0; i < a.cols; ++i) dot_v += svd->v[i * svd->rank + j] * ref.matrixV()(i, j);
    for (uint32_t i = 0; i < a.rows; ++i) dot_u += svd->u[i * svd->rank + j] * ref.matrixU()(i, j);
    EXPECT_NEAR(std::abs(dot_v), 1.0, 1e-3) << "right vector " << j;
    EXPECT_NEAR(std::abs(dot_u), 1.0, 1e-3) << "left vector " << j;
    EXPECT_GT(dot_u * dot_v, 0) << "U and V of pair " << j << " carry the same sign";
  }
}

TEST(StoryLatentTest, ExactOnAMatrixOfLowRank) {
  // A rank-3 matrix is recovered exactly by a rank-3 fit: U S V^T equals A.
  Eigen::MatrixXd dense;
  SparseRowMatrix a = planted_matrix(40, 30, 3, 1.1, 3, dense);
  // planted_matrix adds noise to every entry; take it out to make the rank exactly 3.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal;
  const Eigen::MatrixXd left = Eigen::MatrixXd::NullaryExpr(40, 3, [&] { return normal(rng); });
  const Eigen::MatrixXd right = Eigen::MatrixXd::NullaryExpr(3, 30, [&] { return normal(rng); });
  dense = left * right;
  for (uint32_t r = 0; r < a.rows; ++r) {
    for (uint64_t k = a.offsets[r]; k < a.offsets[r + 1]; ++k)
      a.values[k] = static_cast<float>(dense(r, a.col_index[k]));
  }
  StoryLatentOptions o;
  o.rank = 3;
  Result<TruncatedSvd> svd = truncated_svd(a, o);
  ASSERT_TRUE(svd.ok());
  ASSERT_EQ(svd->rank, 3u);
  double worst = 0;
  for (uint32_t r = 0; r < a.rows; ++r) {
    for (uint32_t c = 0; c < a.cols; ++c) {
      double x = 0;
      for (uint32_t j = 0; j < 3; ++j)
        x += svd->u[r * 3 + j] * svd->singular_values[j] * svd->v[c * 3 + j];
      worst = std::max(worst, std::abs(x - dense(r, c)));
    }
  }
  EXPECT_LT(worst, 1e-3 * dense.cwiseAbs().maxCoeff());
}

TEST(StoryLatentTest, SameSeedSameBytesOtherSeedSameSpectrum) {
  Eigen::MatrixXd dense;
  const SparseRowMatrix a = planted_matrix(100, 60, 8, 0.4, 11, dense);
  StoryLatentOptions o;
  o.rank = 5;
  Result<TruncatedSvd> x = truncated_svd(a, o), y = truncated_svd(a, o);
  ASSERT_TRUE(x.ok() && y.ok());
  EXPECT_EQ(x->singular_values, y->singular_values);
  EXPECT_EQ(x->u, y->u);
  EXPECT_EQ(x->v, y->v);
  o.seed = 99;
  Result<TruncatedSvd> z = truncated_svd(a, o);
  ASSERT_TRUE(z.ok());
  ASSERT_EQ(z->rank, x->rank);
  for (uint32_t j = 0; j < x->rank; ++j)
    EXPECT_NEAR(z->singular_values[j], x->singular_values[j], 1e-2 * x->singular_values[j]);
}

TEST(StoryLatentTest, RejectsMalformedMatricesAndOptions) {
  SparseRowMatrix a;
  a.rows = 2;
  a.cols = 2;
  a.offsets = {0, 1, 2};
  a.col_index = {0, 5};  // column 5 of 2
  a.values = {1, 1};
  EXPECT_EQ(truncated_svd(a, {}).status().code(), StatusCode::kInvalidArgument);
  a.col_index = {0, 1};
  a.offsets = {0, 2, 1};  // not monotone
  EXPECT_EQ(truncated_svd(a, {}).status().code(), StatusCode::kInvalidArgument);
  a.offsets = {0, 1, 2};
  a.values = {1, std::nanf("")};
  EXPECT_EQ(truncated_svd(a, {}).status().code(), StatusCode::kInvalidArgument);
  a.values = {1, 1};
  StoryLatentOptions o;
  o.rank = 0;
  EXPECT_EQ(truncated_svd(a, o).status().code(), StatusCode::kInvalidArgument);
  o.rank = 2;
  Result<TruncatedSvd> ok = truncated_svd(a, o);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->rank, 2u);
  EXPECT_NEAR(ok->singular_values[0], 1.0, 1e-6);
  // An empty matrix has rank 0, not an error.
  SparseRowMatrix empty;
  empty.offsets = {0};
  Result<TruncatedSvd> none = truncated_svd(empty, {});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->rank, 0u);
}

// A unit story vector of the given words (weights equal).
StoryVector vec_of(const std::vector<std::string>& words) {
  std::vector<uint64_t> ids;
  for (const auto& w : words) ids.push_back(hash64(w, 0));
  std::sort(ids.begin(), ids.end());
  StoryVector v;
  for (uint64_t t : ids) {
    v.terms.push_back(t);
    v.weights.push_back(static_cast<float>(1.0 / std::sqrt(static_cast<double>(ids.size()))));
  }
  v.effective_terms = static_cast<float>(ids.size());
  return v;
}

TEST(StoryLatentTest, WordsOfOneContextMeetInTheLatentSpace) {
  // "pot" and "marijuana" never occur together, but both occur with the same words; two
  // documents that share no word then have a high latent cosine, while documents of the other
  // subject have a low one.
  const std::vector<std::vector<std::string>> a = {
      {"pot", "legal", "colorado", "sales"}, {"marijuana", "legal", "colorado", "stores"},
      {"pot", "colorado", "stores", "tax"},  {"marijuana", "sales", "tax", "legal"},
      {"pot", "legal", "stores", "tax"},     {"marijuana", "colorado", "sales", "stores"}};
  const std::vector<std::vector<std::string>> b = {
      {"fed", "taper", "rates", "stocks"},   {"fed", "plosser", "taper", "bar"},
      {"stocks", "rates", "yellen", "fed"},  {"taper", "yellen", "rates", "bar"},
      {"stocks", "plosser", "fed", "rates"}, {"yellen", "taper", "stocks", "bar"}};
  std::vector<StoryVector> docs;
  for (int rep = 0; rep < 3; ++rep) {
    for (const auto& d : a) docs.push_back(vec_of(d));
    for (const auto& d : b) docs.push_back(vec_of(d));
  }
  // Two subjects: rank 2 holds them (more dimensions would model the contrasts within one).
  StoryLatentOptions o;
  o.rank = 2;
  Result<StoryLatentSpace> space = StoryLatentSpace::fit(docs, o);
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->rank(), 2u);
  EXPECT_EQ(space->columns(), 14u);
  std::vector<float> pot, marijuana, fed, unknown;
  space->project(vec_of({"pot", "stores"}), pot);
  space->project(vec_of({"marijuana", "sales"}), marijuana);
  space->project(vec_of({"fed", "bar"}), fed);
  space->project(vec_of({"never", "seen"}), unknown);
  ASSERT_EQ(pot.size(), space->rank());
  EXPECT_TRUE(unknown.empty());
  EXPECT_NEAR(latent_cosine(pot, pot), 1.0, 1e-5);
  EXPECT_GT(latent_cosine(pot, marijuana), 0.8);
  EXPECT_LT(latent_cosine(pot, fed), 0.2);
  EXPECT_EQ(latent_cosine(pot, unknown), 0.0);
}

TEST(StoryLatentTest, TooSmallACorpusGivesRankZero) {
  std::vector<StoryVector> docs = {vec_of({"one", "two"})};
  Result<StoryLatentSpace> space = StoryLatentSpace::fit(docs, {});
  ASSERT_TRUE(space.ok());
  EXPECT_EQ(space->rank(), 0u);
  std::vector<float> z = {1, 2};
  space->project(docs[0], z);
  EXPECT_TRUE(z.empty());
}

// Raw story terms of the given words (count 1 each).
std::vector<StoryTerm> terms_of(const std::vector<std::string>& words) {
  std::vector<StoryTerm> t;
  for (const auto& w : words) t.push_back(StoryTerm{hash64(w, 0), 1.0f});
  std::sort(t.begin(), t.end(),
            [](const StoryTerm& x, const StoryTerm& y) { return x.term < y.term; });
  return t;
}

TEST(StoryLatentTest, ClusterStoriesWithWeightZeroEqualsTheLexicalRun) {
  std::vector<std::vector<StoryTerm>> features;
  const std::vector<std::vector<std::string>> docs = {
      {"pot", "legal", "colorado", "sales"},  {"marijuana", "legal", "colorado", "stores"},
      {"fed", "taper", "rates", "stocks"},    {"fed", "plosser", "taper", "bar"},
      {"pot", "colorado", "stores", "tax"},   {"stocks", "rates", "yellen", "fed"},
      {"marijuana", "sales", "tax", "legal"}, {"taper", "yellen", "rates", "bar"}};
  for (const auto& d : docs) features.push_back(terms_of(d));
  StoryOptions off;
  StoryOptions zero;
  zero.latent_rank = 3;
  zero.latent_weight = 0;
  Result<std::vector<StoryAssignment>> x = cluster_stories(features, {}, off);
  Result<std::vector<StoryAssignment>> y = cluster_stories(features, {}, zero);
  ASSERT_TRUE(x.ok() && y.ok());
  for (std::size_t i = 0; i < docs.size(); ++i) {
    EXPECT_EQ((*x)[i].cluster, (*y)[i].cluster) << i;
    EXPECT_FLOAT_EQ((*x)[i].similarity, (*y)[i].similarity) << i;
  }
  // With the layer on, the result is deterministic and the two subjects stay apart.
  StoryOptions on;
  on.latent_rank = 3;
  on.latent_weight = 0.5;
  Result<std::vector<StoryAssignment>> p = cluster_stories(features, {}, on);
  Result<std::vector<StoryAssignment>> q = cluster_stories(features, {}, on);
  ASSERT_TRUE(p.ok() && q.ok());
  for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ((*p)[i].cluster, (*q)[i].cluster);
  EXPECT_NE((*p)[0].cluster, (*p)[2].cluster);
  StoryOptions bad;
  bad.latent_weight = 1.5;
  EXPECT_EQ(cluster_stories(features, {}, bad).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace neardup
