// Evaluation metrics: how well a predicted clustering matches gold labels, and how well a
// similarity score matches graded or binary gold judgements on pairs.
//
//   std::vector<uint32_t> gold = {0, 0, 1, 1, 2}, pred = {0, 0, 0, 1, 2};
//   neardup::ClusteringScores s = neardup::score_clustering(gold, pred);
//   // s.pairwise_f1, s.bcubed_f1, s.ari, s.nmi ...
//
// Clustering metrics are computed from the contingency table n_ij (documents with gold label i
// and predicted label j), its row sums a_i and column sums b_j, in O(n) time and O(nonzero
// cells) memory; no loop over pairs of documents:
//   pairwise   TP = sum C(n_ij,2); precision = TP / sum C(b_j,2); recall = TP / sum C(a_i,2)
//   B-cubed    precision = (1/n) sum n_ij^2 / b_j; recall = (1/n) sum n_ij^2 / a_i (Bagga &
//              Baldwin 1998, as averaged per document by Amigo et al. 2009)
//   ARI        Hubert & Arabie (1985) adjusted Rand index
//   NMI        I(G;P) / mean(H(G), H(P)) with the arithmetic mean (scikit-learn's default);
//              nmi_sqrt uses sqrt(H(G) H(P)) (Strehl & Ghosh 2002), as some papers do.
// Conventions for degenerate cases: pairwise precision is 1 when no pair is predicted, recall
// is 1 when the gold has no pair; ARI is 1 when both clusterings are identical up to renaming
// and its denominator is 0; NMI is 1 when both have a single cluster (both entropies 0).
//
// Pair metrics: Pearson r, Spearman rho (Pearson on average ranks, ties get the mean rank) and
// ROC AUC (the Mann-Whitney probability that a positive outranks a negative, ties counting 1/2).
//
// Thread safety: pure functions. Cost: O(n) for clusterings, O(n log n) for ranks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace neardup {

struct ClusteringScores {
  std::size_t documents = 0;
  std::size_t gold_clusters = 0;
  std::size_t pred_clusters = 0;
  double pairwise_precision = 0, pairwise_recall = 0, pairwise_f1 = 0;
  double bcubed_precision = 0, bcubed_recall = 0, bcubed_f1 = 0;
  double ari = 0;
  double nmi = 0;       // arithmetic-mean normalization
  double nmi_sqrt = 0;  // geometric-mean normalization
};

// gold[i] and pred[i] are the labels of document i (any integers; only equality matters).
// The spans must have the same length.
ClusteringScores score_clustering(std::span<const uint32_t> gold, std::span<const uint32_t> pred);

double pearson(std::span<const double> x, std::span<const double> y);
double spearman(std::span<const double> x, std::span<const double> y);
// `positive[i]` is the binary gold label of the pair scored `score[i]`. nullopt when one of the
// classes is empty.
std::optional<double> roc_auc(std::span<const double> score, std::span<const uint8_t> positive);

}  // namespace neardup
