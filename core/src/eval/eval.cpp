#include "neardup/advanced/eval.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_map>
#include <vector>

namespace neardup {
namespace {

double choose2(double x) { return x * (x - 1) / 2; }

double f1(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

// Relabels `labels` to 0..k-1 in order of first appearance; returns k.
std::size_t dense_labels(std::span<const uint32_t> labels, std::vector<uint32_t>& out) {
  std::unordered_map<uint32_t, uint32_t> map;
  map.reserve(labels.size());
  out.resize(labels.size());
  for (std::size_t i = 0; i < labels.size(); ++i) {
    auto [it, inserted] = map.try_emplace(labels[i], static_cast<uint32_t>(map.size()));
    out[i] = it->second;
  }
  return map.size();
}

double entropy(const std::vector<double>& counts, double n) {
  double h = 0;
  for (double c : counts) {
    if (c > 0) h -= (c / n) * std::log(c / n);
  }
  return h;
}

// Average ranks (1-based), ties share the mean of their ranks.
std::vector<double> ranks(std::span<const double> x) {
  std::vector<std::size_t> order(x.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return x[a] < x[b]; });
  std::vector<double> r(x.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && x[order[j + 1]] == x[order[i]]) ++j;
    const double mean_rank = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (std::size_t k = i; k <= j; ++k) r[order[k]] = mean_rank;
    i = j + 1;
  }
  return r;
}

}  // namespace

ClusteringScores score_clustering(std::span<const uint32_t> gold, std::span<const uint32_t> pred) {
  ClusteringScores s;
  const std::size_t n = std::min(gold.size(), pred.size());
  s.documents = n;
  if (n == 0) return s;
  std::vector<uint32_t> g, p;
  s.gold_clusters = dense_labels(gold.first(n), g);
  s.pred_clusters = dense_labels(pred.first(n), p);

  std::vector<double> a(s.gold_clusters, 0), b(s.pred_clusters, 0);
  std::unordered_map<uint64_t, double> cells;
  cells.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    a[g[i]] += 1;
    b[p[i]] += 1;
    cells[(uint64_t{g[i]} << 32) | p[i]] += 1;
  }
  const double dn = static_cast<double>(n);

  double tp = 0, mutual = 0, bc_p = 0, bc_r = 0;
  for (const auto& [key, nij] : cells) {
    const double ai = a[key >> 32], bj = b[key & 0xFFFFFFFFu];
    tp += choose2(nij);
    bc_p += nij * nij / bj;
    bc_r += nij * nij / ai;
    mutual += (nij / dn) * std::log(nij * dn / (ai * bj));
  }
  double gold_pairs = 0, pred_pairs = 0;
  for (double x : a) gold_pairs += choose2(x);
  for (double x : b) pred_pairs += choose2(x);

  s.pairwise_precision = pred_pairs > 0 ? tp / pred_pairs : 1.0;
  s.pairwise_recall = gold_pairs > 0 ? tp / gold_pairs : 1.0;
  s.pairwise_f1 = f1(s.pairwise_precision, s.pairwise_recall);
  s.bcubed_precision = bc_p / dn;
  s.bcubed_recall = bc_r / dn;
  s.bcubed_f1 = f1(s.bcubed_precision, s.bcubed_recall);

  const double all_pairs = choose2(dn);
  const double expected = all_pairs > 0 ? gold_pairs * pred_pairs / all_pairs : 0;
  const double max_index = (gold_pairs + pred_pairs) / 2;
  if (max_index - expected != 0) {
    s.ari = (tp - expected) / (max_index - expected);
  } else {
    // Both clusterings are all-singletons or one block (or n < 2): agreement is perfect only if
    // they are identical up to renaming.
    s.ari = (s.gold_clusters == s.pred_clusters && cells.size() == s.gold_clusters) ? 1.0 : 0.0;
  }

  const double hg = entropy(a, dn), hp = entropy(b, dn);
  if (hg == 0 && hp == 0) {
    s.nmi = s.nmi_sqrt = 1.0;
  } else {
    s.nmi = (hg + hp) > 0 ? mutual / ((hg + hp) / 2) : 0;
    s.nmi_sqrt = (hg > 0 && hp > 0) ? mutual / std::sqrt(hg * hp) : 0;
  }
  return s;
}

double pearson(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  if (n < 2) return 0;
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < n; ++i) {
    mx += x[i];
    my += y[i];
  }
  mx /= static_cast<double>(n);
  my /= static_cast<double>(n);
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < n; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  if (sxx == 0 || syy == 0) return 0;
  return sxy / std::sqrt(sxx * syy);
}

double spearman(std::span<const double> x, std::span<const double> y) {
  const std::size_t n = std::min(x.size(), y.size());
  const std::vector<double> rx = ranks(x.first(n)), ry = ranks(y.first(n));
  return pearson(rx, ry);
}

std::optional<double> roc_auc(std::span<const double> score, std::span<const uint8_t> positive) {
  const std::size_t n = std::min(score.size(), positive.size());
  const std::vector<double> r = ranks(score.first(n));
  double pos = 0, rank_sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (positive[i] != 0) {
      pos += 1;
      rank_sum += r[i];
    }
  }
  const double neg = static_cast<double>(n) - pos;
  if (pos == 0 || neg == 0) return std::nullopt;
  // Mann-Whitney U of the positives, normalized.
  return (rank_sum - pos * (pos + 1) / 2) / (pos * neg);
}

}  // namespace neardup
