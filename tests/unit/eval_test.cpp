#include "neardup/advanced/eval.h"

#include <gtest/gtest.h>

#include <vector>

namespace neardup {
namespace {

TEST(EvalTest, IdenticalClusteringsScoreOneEverywhere) {
  // Labels differ by renaming only.
  std::vector<uint32_t> gold = {3, 3, 7, 7, 7, 9}, pred = {1, 1, 0, 0, 0, 5};
  ClusteringScores s = score_clustering(gold, pred);
  EXPECT_EQ(s.documents, 6u);
  EXPECT_EQ(s.gold_clusters, 3u);
  EXPECT_EQ(s.pred_clusters, 3u);
  EXPECT_DOUBLE_EQ(s.pairwise_f1, 1.0);
  EXPECT_DOUBLE_EQ(s.bcubed_f1, 1.0);
  EXPECT_DOUBLE_EQ(s.ari, 1.0);
  EXPECT_NEAR(s.nmi, 1.0, 1e-12);
  EXPECT_NEAR(s.nmi_sqrt, 1.0, 1e-12);
}

// Values worked out by hand from the contingency table (and agreeing with scikit-learn's
// adjusted_rand_score / normalized_mutual_info_score on the same labels).
TEST(EvalTest, HandWorkedSplitClustering) {
  std::vector<uint32_t> gold = {0, 0, 0, 1, 1, 1}, pred = {0, 0, 1, 1, 2, 2};
  ClusteringScores s = score_clustering(gold, pred);
  EXPECT_NEAR(s.pairwise_precision, 2.0 / 3.0, 1e-12);  // TP 2 of 3 predicted pairs
  EXPECT_NEAR(s.pairwise_recall, 1.0 / 3.0, 1e-12);     // TP 2 of 6 gold pairs
  EXPECT_NEAR(s.pairwise_f1, 4.0 / 9.0, 1e-12);
  EXPECT_NEAR(s.bcubed_precision, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(s.bcubed_recall, 5.0 / 9.0, 1e-12);
  EXPECT_NEAR(s.ari, 0.8 / 3.3, 1e-12);
  EXPECT_NEAR(s.nmi, 0.5158037429793888, 1e-12);
  EXPECT_NEAR(s.nmi_sqrt, 0.5295405780575617, 1e-12);
}

TEST(EvalTest, EverythingInOneClusterHasFullRecallAndZeroAri) {
  std::vector<uint32_t> gold = {0, 0, 1, 1, 2, 2}, pred(6, 4);
  ClusteringScores s = score_clustering(gold, pred);
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 1.0);
  EXPECT_NEAR(s.pairwise_precision, 3.0 / 15.0, 1e-12);
  EXPECT_DOUBLE_EQ(s.bcubed_recall, 1.0);
  EXPECT_NEAR(s.bcubed_precision, 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(s.ari, 0.0, 1e-12);
  EXPECT_NEAR(s.nmi, 0.0, 1e-12);
}

TEST(EvalTest, AllSingletonsHaveFullPrecisionByConvention) {
  std::vector<uint32_t> gold = {0, 0, 1, 1}, pred = {0, 1, 2, 3};
  ClusteringScores s = score_clustering(gold, pred);
  EXPECT_DOUBLE_EQ(s.pairwise_precision, 1.0);  // no predicted pair
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 0.0);
  EXPECT_DOUBLE_EQ(s.bcubed_precision, 1.0);
  EXPECT_DOUBLE_EQ(s.bcubed_recall, 0.5);
  EXPECT_LT(s.ari, 1e-12);
}

TEST(EvalTest, DegenerateCasesAreDefined) {
  ClusteringScores empty = score_clustering({}, {});
  EXPECT_EQ(empty.documents, 0u);
  std::vector<uint32_t> one = {5};
  ClusteringScores single = score_clustering(one, one);
  EXPECT_DOUBLE_EQ(single.ari, 1.0);
  EXPECT_DOUBLE_EQ(single.nmi, 1.0);
  std::vector<uint32_t> singles = {0, 1, 2}, singles2 = {7, 8, 9};
  EXPECT_DOUBLE_EQ(score_clustering(singles, singles2).ari, 1.0);
}

TEST(EvalTest, PearsonAndSpearmanWithTies) {
  std::vector<double> x = {1, 2, 3, 4}, y = {2, 4, 6, 9};
  EXPECT_NEAR(pearson(x, y), 0.9943767126843689, 1e-12);
  EXPECT_NEAR(spearman(x, y), 1.0, 1e-12);                       // monotone
  std::vector<double> a = {1, 2, 3, 4, 5}, b = {5, 6, 7, 8, 7};  // b has a tie: ranks 1,2,3.5,5,3.5
  EXPECT_NEAR(spearman(a, b), 0.8207826816681233, 1e-12);
  std::vector<double> rev = {9, 7, 5, 3};
  EXPECT_NEAR(spearman(x, rev), -1.0, 1e-12);
  std::vector<double> constant = {1, 1, 1, 1};
  EXPECT_EQ(pearson(x, constant), 0.0);
}

TEST(EvalTest, RocAucMatchesMannWhitney) {
  std::vector<double> score = {0.1, 0.4, 0.35, 0.8};
  std::vector<uint8_t> label = {0, 0, 1, 1};
  ASSERT_TRUE(roc_auc(score, label).has_value());
  EXPECT_NEAR(*roc_auc(score, label), 0.75, 1e-12);
  std::vector<double> tied = {0.5, 0.5};
  std::vector<uint8_t> pn = {1, 0};
  EXPECT_NEAR(*roc_auc(tied, pn), 0.5, 1e-12);  // a tie counts one half
  std::vector<uint8_t> all_pos = {1, 1};
  EXPECT_FALSE(roc_auc(tied, all_pos).has_value());
}

TEST(EvalTest, LinearInDocumentsOnALargeInput) {
  // 2 million documents: an all-pairs implementation would never finish; the contingency
  // table does it in well under a second.
  const std::size_t n = 2000000;
  std::vector<uint32_t> gold(n), pred(n);
  for (std::size_t i = 0; i < n; ++i) {
    gold[i] = static_cast<uint32_t>(i / 10);
    pred[i] = static_cast<uint32_t>(i / 20);  // merges pairs of gold clusters
  }
  ClusteringScores s = score_clustering(gold, pred);
  EXPECT_DOUBLE_EQ(s.pairwise_recall, 1.0);
  EXPECT_NEAR(s.pairwise_precision, 2 * 45.0 / 190.0, 1e-9);
  EXPECT_NEAR(s.bcubed_precision, 0.5, 1e-12);
}

}  // namespace
}  // namespace neardup
