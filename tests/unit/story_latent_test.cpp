// Story latent layer: the randomized truncated SVD against Eigen's dense SVD on small matrices,
// its determinism, its input checks; the latent space of a corpus (co-occurring words become
// close); and cluster_stories with the layer on.
#include "neardup/advanced/story_latent.h"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <Eigen/SVD>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "neardup/advanced/hash.h"
#include "neardup/advanced/story.h"
#include "neardup/advanced/story_stream.h"
#include "support/fixtures.h"

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

// The randomized SVD against the exact one (Eigen's BDCSVD) on a matrix with a known spectrum,
// for many seeds, with bounds from theory rather than tuned tolerances:
//  - the range finder's error (Halko, Martinsson and Tropp 2011, eq. 10.9 and section 10.4):
//    with probability at least 1 - 6 p^-p, ||A - Q Q^T A|| <= C^(1/(2q+1)) sigma_{k+1} with
//    C = 1 + 11 sqrt(k + p) sqrt(min(m, n)) (p oversampling, q power iterations), and the rank-k
//    truncation adds at most sigma_{k+1} (their theorem 9.3);
//  - the subspace (Wedin's sin-theta theorem): the sine of the largest principal angle between
//    the computed and the exact top-k right singular subspaces is at most
//    ||A - A_k_hat|| / (sigma_k_hat - sigma_{k+1}).
// With p = 10 the first bound fails with probability below 1e-9 per draw.
TEST(StoryLatentTest, RandomizedSubspaceWithinTheoreticalBoundsOfTheExactSvd) {
  const int m = 120, n = 70, k = 5;
  std::mt19937_64 rng(5);
  std::normal_distribution<double> normal;
  // A = U diag(sigma) V^T with orthonormal U, V and a spectrum with a gap after k.
  Eigen::MatrixXd gu = Eigen::MatrixXd::NullaryExpr(m, n, [&] { return normal(rng); });
  Eigen::MatrixXd gv = Eigen::MatrixXd::NullaryExpr(n, n, [&] { return normal(rng); });
  const Eigen::MatrixXd qu =
      Eigen::HouseholderQR<Eigen::MatrixXd>(gu).householderQ() * Eigen::MatrixXd::Identity(m, n);
  const Eigen::MatrixXd qv =
      Eigen::HouseholderQR<Eigen::MatrixXd>(gv).householderQ() * Eigen::MatrixXd::Identity(n, n);
  Eigen::VectorXd sigma(n);
  for (int i = 0; i < n; ++i) sigma(i) = i < k ? 10.0 - i : 1.0 / (1.0 + 0.2 * i);
  const Eigen::MatrixXd dense = qu * sigma.asDiagonal() * qv.transpose();
  SparseRowMatrix a;
  a.rows = m;
  a.cols = n;
  a.offsets.push_back(0);
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) {
      a.col_index.push_back(static_cast<uint32_t>(c));
      a.values.push_back(static_cast<float>(dense(r, c)));
    }
    a.offsets.push_back(a.col_index.size());
  }
  // The reference of the matrix as stored (floats).
  Eigen::MatrixXd stored(m, n);
  for (int r = 0; r < m; ++r) {
    for (int c = 0; c < n; ++c) stored(r, c) = a.values[static_cast<std::size_t>(r * n + c)];
  }
  Eigen::BDCSVD<Eigen::MatrixXd> exact(stored, Eigen::ComputeThinU | Eigen::ComputeThinV);
  const Eigen::VectorXd& s = exact.singularValues();
  const Eigen::MatrixXd vk = exact.matrixV().leftCols(k);
  for (const uint32_t q : {0u, 1u, 2u}) {
    const uint32_t p = 10;
    const double c = 1 + 11 * std::sqrt(double{k + p}) * std::sqrt(double{n});
    const double bound = s(k) + std::pow(c, 1.0 / (2 * q + 1)) * s(k);
    double worst_angle = 0;
    for (uint64_t seed = 1; seed <= 20; ++seed) {
      StoryLatentOptions o;
      o.rank = k;
      o.oversample = p;
      o.power_iterations = q;
      o.seed = seed;
      Result<TruncatedSvd> svd = truncated_svd(a, o);
      ASSERT_TRUE(svd.ok());
      ASSERT_EQ(svd->rank, static_cast<uint32_t>(k));
      Eigen::MatrixXd u(m, k), v(n, k);
      for (int i = 0; i < m; ++i)
        for (int j = 0; j < k; ++j) u(i, j) = svd->u[static_cast<std::size_t>(i * k + j)];
      for (int i = 0; i < n; ++i)
        for (int j = 0; j < k; ++j) v(i, j) = svd->v[static_cast<std::size_t>(i * k + j)];
      Eigen::VectorXd sv(k);
      for (int j = 0; j < k; ++j) sv(j) = svd->singular_values[static_cast<std::size_t>(j)];
      const Eigen::MatrixXd residual = stored - u * sv.asDiagonal() * v.transpose();
      const double err = Eigen::BDCSVD<Eigen::MatrixXd>(residual).singularValues()(0);
      EXPECT_LE(err, bound) << "q " << q << " seed " << seed;
      EXPECT_GE(err, s(k) * (1 - 1e-4)) << "no rank-k matrix is closer than sigma_{k+1}";
      // Principal angles: sin(theta_max) = sqrt(1 - sigma_min(V_k^T V_hat)^2).
      const double cos_min =
          Eigen::BDCSVD<Eigen::MatrixXd>(vk.transpose() * v).singularValues()(k - 1);
      const double sin_max = std::sqrt(std::max(0.0, 1 - cos_min * cos_min));
      ASSERT_GT(sv(k - 1), s(k));
      EXPECT_LE(sin_max, err / (sv(k - 1) - s(k)) + 1e-4) << "q " << q << " seed " << seed;
      worst_angle = std::max(worst_angle, sin_max);
    }
    // The gap (5 vs at most 1) makes the subspace sharp; power iterations make it sharper.
    EXPECT_LT(worst_angle, q == 0 ? 0.5 : 0.05) << "q " << q;
  }
}

// A background corpus of two subjects whose synonyms never co-occur; its model (document
// frequencies + the latent space of its TF-IDF vectors, as `neardup idf build --latent-rank`
// makes it).
DocumentFrequencies latent_model(uint32_t rank) {
  const std::vector<std::vector<std::string>> subjects = {
      {"colorado", "dispensary", "legal", "sales", "tax", "stores"},
      {"carmaker", "assembly", "vehicles", "workers", "production", "shifts"}};
  const std::vector<std::vector<std::string>> synonyms = {{"pot", "marijuana"},
                                                          {"factory", "plant"}};
  std::vector<std::vector<StoryTerm>> docs;
  for (int i = 0; i < 60; ++i) {
    const auto& w = subjects[static_cast<std::size_t>(i % 2)];
    docs.push_back(terms_of(
        {synonyms[static_cast<std::size_t>(i % 2)][static_cast<std::size_t>((i / 2) % 2)],
         w[static_cast<std::size_t>(i % 6)], w[static_cast<std::size_t>((i / 3 + 2) % 6)]}));
  }
  DocumentFrequencies df;
  for (const auto& d : docs) df.add(d);
  df.set_feature_fingerprint(1234);
  std::vector<StoryVector> vectors(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) weigh_story_terms(docs[i], df, vectors[i]);
  StoryLatentOptions o;
  o.rank = rank;
  Result<StoryLatentSpace> space = StoryLatentSpace::fit(vectors, o);
  EXPECT_TRUE(space.ok());
  df.set_latent(std::make_shared<const StoryLatentSpace>(std::move(*space)));
  return df;
}

TEST(StoryLatentModelTest, SaveLoadGivesTheSameSpaceBytesAndClusters) {
  const std::filesystem::path dir = fixtures::temp_dir("story_latent_model");
  const DocumentFrequencies df = latent_model(3);
  ASSERT_NE(df.latent(), nullptr);
  ASSERT_EQ(df.latent()->rank(), 3u);
  const std::string path = (dir / "latent.idf").string();
  ASSERT_TRUE(df.save(path).ok());
  Result<DocumentFrequencies> back = DocumentFrequencies::load(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  ASSERT_NE(back->latent(), nullptr);
  const StoryLatentSpace& x = *df.latent();
  const StoryLatentSpace& y = *back->latent();
  EXPECT_EQ(y.rank(), x.rank());
  EXPECT_EQ(std::vector<uint64_t>(y.vocabulary().begin(), y.vocabulary().end()),
            std::vector<uint64_t>(x.vocabulary().begin(), x.vocabulary().end()));
  EXPECT_EQ(std::vector<float>(y.projection().begin(), y.projection().end()),
            std::vector<float>(x.projection().begin(), x.projection().end()));
  EXPECT_EQ(std::vector<float>(y.mean().begin(), y.mean().end()),
            std::vector<float>(x.mean().begin(), x.mean().end()));
  EXPECT_EQ(back->feature_fingerprint(), 1234u);
  EXPECT_EQ(back->documents(), df.documents());
  // Saved again: the same bytes.
  ASSERT_TRUE(back->save((dir / "again.idf").string()).ok());
  EXPECT_EQ(fixtures::read_file(dir / "again.idf"), fixtures::read_file(path));

  // The same clusters and similarities with the model in memory and the loaded one; and the
  // space is used: without it (weight 0) the similarities of joined documents differ.
  std::vector<std::vector<StoryTerm>> features;
  for (const auto& d : std::vector<std::vector<std::string>>{{"pot", "dispensary", "sales"},
                                                             {"marijuana", "dispensary", "sales"},
                                                             {"factory", "workers", "shifts"},
                                                             {"plant", "workers", "shifts"},
                                                             {"pot", "legal", "tax"}}) {
    features.push_back(terms_of(d));
  }
  StoryOptions o;
  o.latent_weight = 0.5;
  Result<std::vector<StoryAssignment>> mem = cluster_stories(features, {}, o, &df);
  Result<std::vector<StoryAssignment>> disk = cluster_stories(features, {}, o, &*back);
  ASSERT_TRUE(mem.ok() && disk.ok());
  StoryOptions lexical = o;
  lexical.latent_weight = 0;
  Result<std::vector<StoryAssignment>> plain = cluster_stories(features, {}, lexical, &df);
  ASSERT_TRUE(plain.ok());
  bool moved = false;
  for (std::size_t i = 0; i < features.size(); ++i) {
    EXPECT_EQ((*mem)[i].cluster, (*disk)[i].cluster) << i;
    EXPECT_EQ((*mem)[i].similarity, (*disk)[i].similarity) << i;
    moved = moved || (*mem)[i].similarity != (*plain)[i].similarity;
  }
  EXPECT_TRUE(moved) << "the model's latent space was not used";
  EXPECT_NE((*mem)[0].cluster, (*mem)[2].cluster);  // the two subjects stay apart

  // The stream uses it too: its similarities differ from a stream without the space.
  StoryModeOptions mo;
  mo.story.latent_weight = 0.5;
  StoryModeOptions mo_off = mo;
  mo_off.story.latent_weight = 0;
  Result<StoryStream> with = StoryStream::create(mo, *back);
  Result<StoryStream> without = StoryStream::create(mo_off, *back);
  ASSERT_TRUE(with.ok() && without.ok());
  bool stream_moved = false;
  for (std::size_t i = 0; i < features.size(); ++i) {
    PreparedStory doc;
    doc.terms = features[i];
    Result<StoryMatch> a = with->add(doc, std::to_string(i));
    Result<StoryMatch> b = without->add(doc, std::to_string(i));
    ASSERT_TRUE(a.ok() && b.ok());
    stream_moved = stream_moved || a->similarity != b->similarity;
  }
  EXPECT_TRUE(stream_moved) << "the stream ignored the model's latent space";
}

// Every truncation and every flipped bit of a model with a latent space is an error (the
// latent sections are under the checksum and their sizes are in the header twice).
TEST(StoryLatentModelTest, EveryTruncationAndFlippedBitOfALatentModelIsAnError) {
  const std::filesystem::path dir = fixtures::temp_dir("story_latent_model_corrupt");
  const std::string path = (dir / "latent.idf").string();
  ASSERT_TRUE(latent_model(2).save(path).ok());
  const std::string bytes = fixtures::read_file(path);
  const std::string bad = (dir / "bad.idf").string();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    fixtures::write_file(bad, bytes.substr(0, len));
    Result<DocumentFrequencies> r = DocumentFrequencies::load(bad);
    ASSERT_FALSE(r.ok()) << "prefix of " << len << " bytes loaded";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << len;
  }
  // One bit per byte, its position rotating (story_test.cpp flips four bits of every byte of
  // a model without a space; here the bytes of the latent sections matter).
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    const int mask = 1 << (at % 8);
    std::string b = bytes;
    b[at] = static_cast<char>(static_cast<unsigned char>(b[at]) ^ mask);
    fixtures::write_file(bad, b);
    Result<DocumentFrequencies> r = DocumentFrequencies::load(bad);
    ASSERT_FALSE(r.ok()) << "byte " << at << " ^ " << mask << " loaded";
    EXPECT_FALSE(r.status().message().empty());
  }
  // Parts that disagree are refused when a space is made from them.
  EXPECT_FALSE(StoryLatentSpace::from_parts({1, 2}, {1, 2, 3}, {0, 0}, 2).ok());
  EXPECT_FALSE(StoryLatentSpace::from_parts({2, 1}, {1, 2, 3, 4}, {0, 0}, 2).ok());
  EXPECT_FALSE(StoryLatentSpace::from_parts({1, 2}, {1, 2, 3, std::nanf("")}, {0, 0}, 2).ok());
  EXPECT_FALSE(StoryLatentSpace::from_parts({1}, {}, {}, 0).ok());
  EXPECT_TRUE(StoryLatentSpace::from_parts({1, 2}, {1, 2, 3, 4}, {0, 0}, 2).ok());
}

}  // namespace
}  // namespace neardup
