// Private pieces shared by the story files: the term-id slot hash (document frequencies and
// the batch's centroid sums), sparse dot products and scores, top terms, damping, and the
// candidate set of the online and batch clusterers. Not installed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <vector>

#include "neardup/advanced/story_weighting.h"

namespace neardup::story_internal {

inline uint64_t slot_of(uint64_t term, std::size_t mask) {
  // Term ids are hashes already; mix once more so that low bits are well spread.
  return (term * 0x9E3779B97F4A7C15ull) >> 17 & mask;
}

// The dot product of two sorted sparse vectors; `shared` (when given) gets the number of terms
// they have in common.
inline double dot_sorted(const std::vector<uint64_t>& at, const std::vector<float>& aw,
                         const std::vector<uint64_t>& bt, const std::vector<float>& bw,
                         std::size_t* shared = nullptr) {
  double s = 0;
  std::size_t i = 0, j = 0, n = 0;
  while (i < at.size() && j < bt.size()) {
    if (at[i] < bt[j]) {
      ++i;
    } else if (bt[j] < at[i]) {
      ++j;
    } else {
      s += static_cast<double>(aw[i]) * bw[j];
      ++i;
      ++j;
      ++n;
    }
  }
  if (shared != nullptr) *shared = n;
  return s;
}

// A document's cosine with a damped centroid (terms, damped weights, norm of the damped
// weights), or 0 when the document has at least `min_shared` terms and the centroid holds fewer
// of them: one word in common (a name, a place) makes a topic, not a story.
inline double damped_score(const StoryVector& d, const std::vector<uint64_t>& terms,
                           const std::vector<float>& damped, double norm, uint32_t min_shared) {
  if (norm <= 0) return 0;
  std::size_t shared = 0;
  const double dot = dot_sorted(d.terms, d.weights, terms, damped, &shared);
  if (shared < min_shared && d.terms.size() >= min_shared) return 0;
  return dot / norm;
}

// Top-k terms of a weighted sorted vector, as indices (heaviest first, ties by term).
inline void top_terms(const std::vector<uint64_t>& terms, const std::vector<float>& weights,
                      std::size_t k, std::vector<uint32_t>& idx) {
  idx.resize(terms.size());
  std::iota(idx.begin(), idx.end(), 0u);
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](uint32_t a, uint32_t b) {
                      return weights[a] != weights[b] ? weights[a] > weights[b]
                                                      : terms[a] < terms[b];
                    });
  idx.resize(k);
}

// A centroid term's weight as documents see it: the members' summed weight ^ exponent.
inline float damp(float sum, double exponent) {
  if (exponent == 1.0) return sum;
  return sum > 0 ? static_cast<float>(std::pow(static_cast<double>(sum), exponent)) : 0.0f;
}

// The clusters a query meets through its heaviest terms, with the evidence each gathers (the
// query's weights of the terms they share, times the cluster's weight where one is given), so
// that only the strongest get an exact cosine. One instance serves many queries: a stamp per
// cluster marks the ones met by the current query, so starting a query costs nothing.
class CandidateSet {
 public:
  // Starts a query over clusters 0 .. n-1 (n may grow from one query to the next).
  void begin(std::size_t n) {
    if (stamp_.size() < n) {
      stamp_.resize(n, 0);
      evidence_.resize(n, 0.0f);
    }
    if (++epoch_ == 0) {
      std::fill(stamp_.begin(), stamp_.end(), 0);
      epoch_ = 1;
    }
    found_.clear();
  }
  // Marks c as met without collecting it (the query's own cluster).
  void skip(uint32_t c) { stamp_[c] = epoch_; }
  void meet(uint32_t c, float weight) {
    if (stamp_[c] == epoch_) {
      evidence_[c] += weight;
      return;
    }
    stamp_[c] = epoch_;
    evidence_[c] = weight;
    found_.push_back(c);
  }
  // Drops the clusters met so far for which `out(c)` holds.
  template <typename Pred>
  void drop_if(Pred out) {
    std::erase_if(found_, out);
  }
  // The `limit` clusters with the most evidence (ties to the smaller age key, so the result
  // does not depend on the order of the postings), in no particular order.
  template <typename AgeKey>
  const std::vector<uint32_t>& strongest(std::size_t limit, AgeKey age) {
    if (found_.size() > limit) {
      const auto keep = static_cast<std::ptrdiff_t>(limit);
      std::nth_element(
          found_.begin(), found_.begin() + keep, found_.end(), [&](uint32_t a, uint32_t b) {
            return evidence_[a] != evidence_[b] ? evidence_[a] > evidence_[b] : age(a) < age(b);
          });
      found_.resize(limit);
    }
    return found_;
  }

 private:
  std::vector<uint32_t> stamp_;
  std::vector<float> evidence_;
  std::vector<uint32_t> found_;
  uint32_t epoch_ = 0;
};

}  // namespace neardup::story_internal
