// Private pieces shared by the story files: the term-id slot hash (document frequencies and
// the batch's centroid sums), sparse dot products and scores, top terms, damping, and the
// candidate set of the online and batch clusterers. Not installed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "neardup/advanced/story_cluster.h"
#include "neardup/advanced/story_weighting.h"

namespace neardup::story_internal {

inline uint64_t slot_of(uint64_t term, std::size_t mask) {
  // Term ids are hashes already; mix once more so that low bits are well spread.
  return (term * 0x9E3779B97F4A7C15ull) >> 17 & mask;
}

// The first position in [first, last) whose term is >= x, given that every term before `first`
// is < x. Term ids are 64-bit hashes, spread evenly over their range, so x's rank among n sorted
// terms is close to x / 2^64 * n: the search starts there and walks or gallops to the answer
// (a few neighbouring loads instead of a binary search's chain of dependent far ones). Exact
// for any input; only the speed depends on the spread.
inline const uint64_t* lower_bound_from_guess(const uint64_t* base, std::size_t n,
                                              const uint64_t* first, const uint64_t* last,
                                              uint64_t x) {
  if (first == last) return last;
  // x / 2^64 * n, rounded down (below n: a double just under 1 times n).
  const auto guess =
      static_cast<std::size_t>(static_cast<double>(x >> 11) * 0x1p-53 * static_cast<double>(n));
  const uint64_t* p = std::clamp(base + std::min(guess, n - 1), first, last - 1);
  if (*p < x) {
    // Forward: the answer is in (p, last].
    for (int k = 0; k < 8; ++k) {
      if (++p == last || *p >= x) return p;
    }
    std::size_t step = 8;
    const uint64_t* lo = p;  // *lo < x
    const uint64_t* hi = p;
    while (true) {
      hi = last - lo > static_cast<std::ptrdiff_t>(step) ? lo + step : last;
      if (hi == last || *hi >= x) break;
      lo = hi;
      step *= 2;
    }
    return std::lower_bound(lo + 1, hi, x);
  }
  // Backward: *p >= x, the answer is in [first, p].
  for (int k = 0; k < 8; ++k) {
    if (p == first || *(p - 1) < x) return p;
    --p;
  }
  return std::lower_bound(first, p, x);
}

// The dot product of two sorted sparse vectors; `shared` (when given) gets the number of terms
// they have in common. When one side is much shorter than the other (a headline of 6 terms
// against a centroid of 400), the long side is searched for each term of the short one
// instead of walked: the same pairs meet in the same (ascending) order, so the sum is the
// same, bit for bit, as the merge's.
inline double dot_sorted(const std::vector<uint64_t>& at, const std::vector<float>& aw,
                         const std::vector<uint64_t>& bt, const std::vector<float>& bw,
                         std::size_t* shared = nullptr) {
  double s = 0;
  std::size_t n = 0;
  const bool a_short = at.size() * 16 < bt.size();
  if (a_short || bt.size() * 16 < at.size()) {
    const std::vector<uint64_t>& st = a_short ? at : bt;  // the short side
    const std::vector<float>& sw = a_short ? aw : bw;
    const std::vector<uint64_t>& lt = a_short ? bt : at;  // the long side
    const std::vector<float>& lw = a_short ? bw : aw;
    const uint64_t* first = lt.data();
    const uint64_t* const last = lt.data() + lt.size();
    for (std::size_t i = 0; i < st.size(); ++i) {
      // The short side's terms ascend, so the next one is at or after the previous position,
      // as in the merge.
      first = lower_bound_from_guess(lt.data(), lt.size(), first, last, st[i]);
      if (first == last) break;
      if (*first == st[i]) {
        const auto j = static_cast<std::size_t>(first - lt.data());
        // The same product as the merge's (aw[i] * bw[j] in double: commutative).
        s += a_short ? static_cast<double>(sw[i]) * lw[j] : static_cast<double>(lw[j]) * sw[i];
        ++first;
        ++n;
      }
    }
    if (shared != nullptr) *shared = n;
    return s;
  }
  // The merge, with the step on each side computed rather than branched on (which side
  // advances is a coin flip for hashed ids); only the rarer match is a branch.
  const uint64_t* a = at.data();
  const uint64_t* b = bt.data();
  const std::size_t na = at.size(), nb = bt.size();
  std::size_t i = 0, j = 0;
  while (i < na && j < nb) {
    const uint64_t x = a[i], y = b[j];
    if (x == y) {
      s += static_cast<double>(aw[i]) * bw[j];
      ++n;
    }
    i += static_cast<std::size_t>(x <= y);
    j += static_cast<std::size_t>(y <= x);
  }
  if (shared != nullptr) *shared = n;
  return s;
}

// The event rule (StoryOptions::event_rule) judges only documents long enough to state an
// event's figures, by effective terms: a headline (fewer than ~15) quotes one figure among
// many (one outlet the price of a deal, another its number of users), while an article (more
// than ~30) states the event's key figures and its rewrites repeat them. Measured:
// bench/results/story_latent.md#event-amounts, bench/results/story_events.md.
constexpr float kEventMinTerms = 20;

// Whether two sorted lists have an element in common.
inline bool intersects(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

// The event particulars of a cluster: the union of its members' particulars and of their key
// particulars, sorted.
struct EventSet {
  std::vector<uint64_t> particulars;
  std::vector<uint64_t> keys;
  void clear() {
    particulars.clear();
    keys.clear();
  }
};

// Date particulars (kEventDate) have ids in a range of their own: kDateIdTag | (month * 32 +
// day). They are not lexical terms, so their ids need not be hashes; an amount's id (a 64-bit
// hash) falls in that range with probability 2^-48. The rule tells the two kinds apart by it.
constexpr uint64_t kDateIdTag = 0xDA7E'0000'0000'0000ull;
inline bool is_date_particular(uint64_t id) { return (id >> 16) == (kDateIdTag >> 16); }

// Whether two sorted lists have an element of one kind (dates or amounts) in common.
inline bool intersects_kind(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b,
                            bool dates) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_date_particular(a[i]) != dates) {
      ++i;
    } else if (is_date_particular(b[j]) != dates) {
      ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

inline bool has_kind(const std::vector<uint64_t>& a, bool dates) {
  for (uint64_t x : a) {
    if (is_date_particular(x) == dates) return true;
  }
  return false;
}

// Whether two sides' particulars conflict under `rule`. Each kind (amounts, dates) is judged on
// its own, where both sides state it: (kShared) the sides share one of that kind, or (kKey) a
// key of one side of that kind is among the other's. The sides conflict when at least one kind
// is stated by both and no such kind agrees: a cluster that names only a date and a report
// that states only an amount do not conflict; reports that agree on the amount but name
// different dates do not either.
inline bool particulars_conflict(StoryEventRule rule, const std::vector<uint64_t>& a_parts,
                                 const std::vector<uint64_t>& a_keys,
                                 const std::vector<uint64_t>& b_parts,
                                 const std::vector<uint64_t>& b_keys) {
  if (rule == StoryEventRule::kOff || a_parts.empty() || b_parts.empty()) return false;
  bool judged = false;
  for (const bool dates : {false, true}) {
    if (!has_kind(a_parts, dates) || !has_kind(b_parts, dates)) continue;
    judged = true;
    const bool agree =
        rule == StoryEventRule::kShared
            ? intersects_kind(a_parts, b_parts, dates)
            : intersects_kind(a_keys, b_parts, dates) || intersects_kind(b_keys, a_parts, dates);
    if (agree) return false;
  }
  return judged;
}

inline bool events_conflict(StoryEventRule rule, const EventSet& a, const EventSet& b) {
  return particulars_conflict(rule, a.particulars, a.keys, b.particulars, b.keys);
}

// Adds the sorted list `add` to the sorted set `into` (a cluster's particulars: the union of
// its members').
// `into` is a sorted set; `add` is sorted. The new elements are merged in from the back, in
// place: no temporary buffer (std::inplace_merge takes one per call), and nothing moves when
// the cluster holds them all already (a rewrite repeating its story's figures).
inline void union_particulars(std::vector<uint64_t>& into, const std::vector<uint64_t>& add) {
  const std::size_t old = into.size();
  const auto known = [&](std::size_t j) {
    return (j > 0 && add[j - 1] == add[j]) ||
           std::binary_search(into.begin(), into.begin() + static_cast<std::ptrdiff_t>(old),
                              add[j]);
  };
  std::size_t fresh = 0;
  for (std::size_t j = 0; j < add.size(); ++j) fresh += static_cast<std::size_t>(!known(j));
  if (fresh == 0) return;
  into.resize(old + fresh);
  std::size_t i = old, w = old + fresh;  // into[0 .. i) not yet placed; into[w ..) final
  for (std::size_t j = add.size(); j-- > 0;) {
    const uint64_t x = add[j];
    if (j > 0 && add[j - 1] == x) continue;
    while (i > 0 && into[i - 1] > x) into[--w] = into[--i];
    if (i > 0 && into[i - 1] == x) continue;  // known (into[0 .. i) is still the old set)
    into[--w] = x;
  }
}

// Adds a member's particulars and keys to a cluster's.
inline void add_events(EventSet& into, const StoryVector& d) {
  union_particulars(into.particulars, d.particulars);
  union_particulars(into.keys, d.keys);
}

// A cluster's latent centroid: the sum of its members' latent vectors and its norm (empty when
// the layer is off or a member had none).
struct LatentSum {
  std::vector<float> sum;
  double norm = 0;
  void clear() {
    sum.clear();
    norm = 0;
  }
  // Adds a member's latent vector; a member without one makes the whole sum empty (the
  // cluster then scores lexically only).
  void add(const std::vector<float>& v, bool first) {
    if (first) {
      sum = v;
    } else if (v.size() != sum.size()) {
      sum.clear();
    } else {
      for (std::size_t j = 0; j < v.size(); ++j) sum[j] += v[j];
    }
    double n2 = 0;
    for (float x : sum) n2 += static_cast<double>(x) * x;
    norm = std::sqrt(n2);
  }
};

// The latent cosine of a unit latent vector with a latent sum (`minus` taken out of the sum
// first when given: a member against its cluster without itself), or NaN when either is absent.
inline double latent_score(const std::vector<float>& d, const LatentSum& c,
                           const std::vector<float>* minus = nullptr) {
  if (d.empty() || d.size() != c.sum.size()) return std::numeric_limits<double>::quiet_NaN();
  if (minus == nullptr) {
    // The common case (a document against a cluster it is not in): the sum's norm is kept, so
    // this is one dot product, in float lanes (fixed order: the same on every run).
    if (!(c.norm > 1e-6)) return std::numeric_limits<double>::quiet_NaN();
    float lanes[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    const std::size_t n = d.size(), whole = n - n % 8;
    for (std::size_t j = 0; j < whole; j += 8) {
      for (std::size_t l = 0; l < 8; ++l) lanes[l] += d[j + l] * c.sum[j + l];
    }
    double dot = 0;
    for (std::size_t j = whole; j < n; ++j) dot += static_cast<double>(d[j]) * c.sum[j];
    for (float x : lanes) dot += x;
    return dot / c.norm;
  }
  double dot = 0, n2 = 0;
  for (std::size_t j = 0; j < d.size(); ++j) {
    const double x =
        c.sum[j] - (minus != nullptr && minus->size() == d.size() ? (*minus)[j] : 0.0f);
    dot += d[j] * x;
    n2 += x * x;
  }
  return n2 > 1e-12 ? dot / std::sqrt(n2) : std::numeric_limits<double>::quiet_NaN();
}

// The rule that combines the two similarities (StoryOptions::latent_weight): a weighted mean
// (1 - weight) * lexical + weight * latent; the lexical cosine alone when there is no latent
// score.
// The latent cosine of two clusters' latent sums (NaN when either is absent).
inline double latent_sums_cosine(const LatentSum& a, const LatentSum& b) {
  if (a.sum.empty() || a.sum.size() != b.sum.size() || a.norm <= 0 || b.norm <= 0) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  double dot = 0;
  for (std::size_t j = 0; j < a.sum.size(); ++j) dot += static_cast<double>(a.sum[j]) * b.sum[j];
  return dot / (a.norm * b.norm);
}

inline double mix_latent(double lexical, double latent, double weight) {
  if (!(weight > 0) || std::isnan(latent)) return lexical;
  return (1 - weight) * lexical + weight * latent;
}

// A document's cosine with a damped centroid (terms, damped weights, norm of the damped
// weights), or 0 when the document has at least `min_shared` terms and the centroid holds fewer
// of them: one word in common (a name, a place) makes a topic, not a story. With a latent
// weight, the latent cosine with the cluster's latent sum is mixed in (mix_latent).
inline double damped_score(const StoryVector& d, const std::vector<uint64_t>& terms,
                           const std::vector<float>& damped, double norm, uint32_t min_shared,
                           const LatentSum* latent = nullptr, double latent_weight = 0,
                           const EventSet* events = nullptr,
                           StoryEventRule rule = StoryEventRule::kOff) {
  if (norm <= 0) return 0;
  if (events != nullptr && d.effective_terms >= kEventMinTerms &&
      particulars_conflict(rule, d.particulars, d.keys, events->particulars, events->keys)) {
    return 0;
  }
  std::size_t shared = 0;
  const double dot = dot_sorted(d.terms, d.weights, terms, damped, &shared);
  if (shared < min_shared && d.terms.size() >= min_shared) return 0;
  if (latent == nullptr) return dot / norm;
  return mix_latent(dot / norm, latent_score(d.latent, *latent), latent_weight);
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

// The positions of the `drop` lightest terms of a weighted vector (the last `drop` in the
// order heaviest first, ties by the smaller term id: the terms a capped centroid lets go),
// ascending, into out[0 .. drop). One pass with an insertion-sorted list of `drop`: for the
// few terms a join pushes over the cap, cheaper than selecting and sorting the hundreds that
// stay.
inline void lightest_terms(const std::vector<uint64_t>& terms, const std::vector<float>& weights,
                           std::size_t drop, std::size_t* out) {
  const auto before = [&](std::size_t a, std::size_t b) {  // a ahead of b in the order
    return weights[a] != weights[b] ? weights[a] > weights[b] : terms[a] < terms[b];
  };
  // out[0 .. n): the lightest seen so far, in the order (the least light first).
  std::size_t n = 0;
  for (std::size_t k = 0; k < terms.size() && drop > 0; ++k) {
    if (n < drop) {
      std::size_t pos = n++;
      while (pos > 0 && before(k, out[pos - 1])) {
        out[pos] = out[pos - 1];
        --pos;
      }
      out[pos] = k;
    } else if (before(out[0], k)) {
      // k is lighter than the least light of the list, which then stays.
      std::size_t at = 0;
      while (at + 1 < n && before(out[at + 1], k)) {
        out[at] = out[at + 1];
        ++at;
      }
      out[at] = k;
    }
  }
  std::sort(out, out + n);
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
  std::size_t found_size() const { return found_.size(); }
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
