// Batch story clustering of a whole corpus: the single pass, then merging of clusters and
// fragments, then refinement against the final centroids (see
// neardup/advanced/story_cluster.h).
#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <numeric>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>

#include "neardup/advanced/story_cluster.h"
#include "neardup/advanced/story_latent.h"
#include "story/story_internal.h"

namespace neardup {

using story_internal::CandidateSet;
using story_internal::damp;
using story_internal::damped_score;
using story_internal::dot_sorted;
using story_internal::latent_score;
using story_internal::latent_sums_cosine;
using story_internal::LatentSum;
using story_internal::mix_latent;
using story_internal::slot_of;
using story_internal::top_terms;

namespace {

constexpr uint32_t kNone = UINT32_MAX;

// One cluster's summed member vectors, sorted by term, and the damped weights documents are
// scored with (StoryOptions::centroid_exponent).
struct ClusterSum {
  std::vector<uint64_t> terms;
  std::vector<float> weights;
  std::vector<float> damped;
  double norm = 0;                  // of weights
  double damped_norm = 0;           // of damped
  LatentSum latent;                 // sum of the members' latent vectors (story_latent.h), or empty
  story_internal::EventSet events;  // union of the members' event particulars and keys
};

// Scratch space of sum_members: the distinct terms with their summed weights, and an
// open-addressing table from a term to its entry, stamped per use so that it is never cleared.
struct SumScratch {
  std::vector<std::pair<uint64_t, float>> all;
  std::vector<double> sum;
  std::vector<uint64_t> keys;
  std::vector<uint32_t> entry, stamp;
  uint32_t epoch = 0;
};

// Sums the members' vectors and keeps the heaviest `cap` terms (ties by term id), as the online
// centroids do. Each term's weights are added in member order (deterministic).
void sum_members(const std::vector<StoryVector>& vectors, std::span<const uint32_t> members,
                 std::size_t cap, double exponent, SumScratch& x, ClusterSum& s) {
  std::size_t pairs = 0;
  for (uint32_t i : members) pairs += vectors[i].terms.size();
  std::size_t slots = 16;
  while (slots < 2 * pairs) slots *= 2;
  if (x.keys.size() < slots) {
    x.keys.assign(slots, 0);
    x.entry.assign(slots, 0);
    x.stamp.assign(slots, 0);
    x.epoch = 0;
  }
  if (++x.epoch == 0) {
    std::fill(x.stamp.begin(), x.stamp.end(), 0);
    x.epoch = 1;
  }
  const std::size_t mask = slots - 1;  // a prefix of the table is enough for this cluster
  x.sum.clear();
  x.all.clear();
  for (uint32_t i : members) {
    const StoryVector& v = vectors[i];
    for (std::size_t k = 0; k < v.terms.size(); ++k) {
      std::size_t h = slot_of(v.terms[k], mask);
      while (x.stamp[h] == x.epoch && x.keys[h] != v.terms[k]) h = (h + 1) & mask;
      if (x.stamp[h] != x.epoch) {
        x.stamp[h] = x.epoch;
        x.keys[h] = v.terms[k];
        x.entry[h] = static_cast<uint32_t>(x.all.size());
        x.all.emplace_back(v.terms[k], 0.0f);
        x.sum.push_back(0.0);
      }
      x.sum[x.entry[h]] += v.weights[k];
    }
  }
  std::vector<std::pair<uint64_t, float>>& all = x.all;
  for (std::size_t k = 0; k < all.size(); ++k) all[k].second = static_cast<float>(x.sum[k]);
  if (all.size() > cap) {
    const auto keep = static_cast<std::ptrdiff_t>(cap);
    std::nth_element(all.begin(), all.begin() + keep, all.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    all.resize(cap);
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  s.terms.clear();
  s.weights.clear();
  s.damped.clear();
  double n2 = 0, d2 = 0;
  for (const auto& [t, w] : all) {
    s.terms.push_back(t);
    s.weights.push_back(w);
    s.damped.push_back(damp(w, exponent));
    n2 += static_cast<double>(w) * w;
    d2 += static_cast<double>(s.damped.back()) * s.damped.back();
  }
  s.norm = std::sqrt(n2);
  s.damped_norm = std::sqrt(d2);
  s.latent.clear();
  s.events.clear();
  bool first = true;
  for (uint32_t i : members) {
    s.latent.add(vectors[i].latent, first);
    story_internal::add_events(s.events, vectors[i]);
    first = false;
  }
}

std::vector<std::vector<uint32_t>> members_of(const std::vector<uint32_t>& label,
                                              std::size_t clusters) {
  std::vector<std::vector<uint32_t>> members(clusters);
  for (std::size_t i = 0; i < label.size(); ++i)
    members[label[i]].push_back(static_cast<uint32_t>(i));
  return members;
}

std::vector<ClusterSum> centroid_sums(const std::vector<StoryVector>& vectors,
                                      const std::vector<uint32_t>& label, std::size_t clusters,
                                      std::size_t cap, double exponent) {
  const std::vector<std::vector<uint32_t>> members = members_of(label, clusters);
  std::vector<ClusterSum> sums(clusters);
  SumScratch scratch;
  for (std::size_t c = 0; c < clusters; ++c)
    sum_members(vectors, members[c], cap, exponent, scratch, sums[c]);
  return sums;
}

// Renumbers cluster labels densely in the order of each cluster's first document in `order`;
// returns the number of clusters.
std::size_t renumber(const std::vector<uint32_t>& order, std::vector<uint32_t>& label) {
  std::unordered_map<uint32_t, uint32_t> dense;
  for (const uint32_t i : order) {
    label[i] = dense.try_emplace(label[i], static_cast<uint32_t>(dense.size())).first->second;
  }
  return dense.size();
}

// Per cluster: the earliest and the newest time of its documents (for the window).
struct Spans {
  std::vector<double> lo, hi;
  bool active = false;
  // Makes room for `clusters` empty spans; active only with a window and times.
  void reset(std::span<const double> times, std::size_t clusters, double window) {
    active = window > 0 && !times.empty();
    if (!active) return;
    lo.assign(clusters, std::numeric_limits<double>::infinity());
    hi.assign(clusters, -std::numeric_limits<double>::infinity());
  }
  void compute(std::span<const double> times, const std::vector<uint32_t>& label,
               std::size_t clusters, double window) {
    reset(times, clusters, window);
    if (!active) return;
    for (std::size_t i = 0; i < label.size(); ++i) {
      lo[label[i]] = std::min(lo[label[i]], times[i]);
      hi[label[i]] = std::max(hi[label[i]], times[i]);
    }
  }
  // The same for one cluster from its member list.
  void compute_one(std::span<const double> times, std::size_t c,
                   std::span<const uint32_t> members) {
    if (!active) return;
    lo[c] = std::numeric_limits<double>::infinity();
    hi[c] = -std::numeric_limits<double>::infinity();
    for (uint32_t i : members) {
      lo[c] = std::min(lo[c], times[i]);
      hi[c] = std::max(hi[c], times[i]);
    }
  }
  // The time between the spans of clusters a and b (0 when they overlap).
  double gap(std::size_t a, std::size_t b) const {
    return std::max({0.0, lo[a] - hi[b], lo[b] - hi[a]});
  }
  double gap_to(std::size_t c, double t) const { return std::max({0.0, lo[c] - t, t - hi[c]}); }
};

// Cosine of member document d with its cluster's damped centroid after taking d itself out of
// the sum: the terms d shares are re-damped from (sum - d). The sum may have been capped to its
// heaviest terms, so only the terms it kept carry d's own weight.
double leave_one_out_cosine(const StoryVector& d, const ClusterSum& sum, double exponent,
                            double latent_weight) {
  double dot = 0, n2 = sum.damped_norm * sum.damped_norm;
  std::size_t i = 0, j = 0;
  while (i < d.terms.size() && j < sum.terms.size()) {
    if (d.terms[i] < sum.terms[j]) {
      ++i;
    } else if (sum.terms[j] < d.terms[i]) {
      ++j;
    } else {
      const float rest = damp(std::max(0.0f, sum.weights[j] - d.weights[i]), exponent);
      n2 += static_cast<double>(rest) * rest - static_cast<double>(sum.damped[j]) * sum.damped[j];
      dot += static_cast<double>(d.weights[i]) * rest;
      ++i;
      ++j;
    }
  }
  const double lexical = n2 > 1e-12 ? dot / std::sqrt(n2) : 0.0;
  return mix_latent(lexical, latent_score(d.latent, sum.latent, &d.latent), latent_weight);
}

// Merges clusters whose centroids are similar (centroid linkage, so merging does not chain
// through single documents). In each round every cluster finds its most similar other cluster;
// the pairs that clear the bar merge, strongest first:
//  - two stories: the cosine of the plain sums must reach merge_factor x the threshold of
//    their documents (the lower of the two clusters' mean effective terms);
//  - a fragment (a cluster with at most fragment_ratio of its partner's reports) is judged as
//    one document: its summed vector against the partner's damped centroid, at the threshold
//    for its documents' length, as a document joining the partner would be.
// Rounds repeat until no pair merges. Only the clusters that changed are summed again, and a
// cluster whose partner did not change looks only at the clusters that did: the others have
// the centroids they had when the partner was chosen. Labels come back with the ids of the
// surviving clusters (not dense).
void merge_clusters(const std::vector<StoryVector>& vectors, std::span<const double> times,
                    const StoryOptions& options, const StoryClusterer& clusterer,
                    std::vector<uint32_t>& label, std::size_t clusters) {
  std::vector<std::vector<uint32_t>> members = members_of(label, clusters);
  std::vector<ClusterSum> sums(clusters);
  std::vector<double> eff(clusters, 0);  // mean effective terms of the members
  // Each cluster's candidate_terms heaviest terms, with their weight in the unit centroid.
  std::vector<std::vector<std::pair<uint64_t, float>>> top(clusters);
  struct Posting {
    uint64_t term;
    uint32_t cluster;
    float weight;
  };
  std::vector<Posting> postings;
  std::vector<uint8_t> alive(clusters, 1), changed(clusters, 1);
  std::vector<uint32_t> best(clusters, kNone);
  std::vector<double> best_sim(clusters, -1);
  SumScratch scratch;
  std::vector<uint32_t> idx;
  CandidateSet candidates;
  Spans spans;  // filled per cluster when it is summed
  spans.reset(times, clusters, options.window_seconds);
  const auto plain_cosine = [&](std::size_t a, std::size_t b) {
    const double n = sums[a].norm * sums[b].norm;
    const double lexical =
        n > 0 ? dot_sorted(sums[a].terms, sums[a].weights, sums[b].terms, sums[b].weights) / n
              : 0.0;
    return mix_latent(lexical, latent_sums_cosine(sums[a].latent, sums[b].latent),
                      options.latent_weight);
  };
  const auto clears_bar = [&](std::size_t c, std::size_t o) {
    if (std::min(eff[c], eff[o]) >= story_internal::kEventMinTerms &&
        story_internal::events_conflict(options.event_rule, sums[c].events, sums[o].events)) {
      return false;
    }
    const std::size_t nc = members[c].size(), no = members[o].size();
    const std::size_t small = nc <= no ? c : o, large = small == c ? o : c;
    if (static_cast<double>(std::min(nc, no)) <=
        options.fragment_ratio * static_cast<double>(std::max(nc, no))) {
      const double n = sums[small].norm * sums[large].damped_norm;
      const double lexical = n > 0 ? dot_sorted(sums[small].terms, sums[small].weights,
                                                sums[large].terms, sums[large].damped) /
                                         n
                                   : 0.0;
      const double sim =
          mix_latent(lexical, latent_sums_cosine(sums[small].latent, sums[large].latent),
                     options.latent_weight);
      return sim >= clusterer.threshold_for(eff[small]);
    }
    return best_sim[c] >= options.merge_factor * clusterer.threshold_for(std::min(eff[c], eff[o]));
  };
  for (int round = 0; round < 64; ++round) {
    for (std::size_t c = 0; c < clusters; ++c) {
      if (!alive[c] || !changed[c]) continue;
      sum_members(vectors, members[c], options.max_centroid_terms, options.centroid_exponent,
                  scratch, sums[c]);
      eff[c] = 0;
      for (uint32_t i : members[c]) eff[c] += vectors[i].effective_terms;
      eff[c] /= static_cast<double>(std::max<std::size_t>(1, members[c].size()));
      spans.compute_one(times, c, members[c]);
      top[c].clear();
      if (sums[c].norm <= 0) continue;
      top_terms(sums[c].terms, sums[c].weights, options.candidate_terms, idx);
      for (uint32_t k : idx) {
        top[c].emplace_back(sums[c].terms[k],
                            static_cast<float>(sums[c].weights[k] / sums[c].norm));
      }
    }
    postings.clear();
    for (std::size_t c = 0; c < clusters; ++c) {
      if (!alive[c]) continue;
      for (const auto& [t, w] : top[c]) postings.push_back(Posting{t, static_cast<uint32_t>(c), w});
    }
    std::sort(postings.begin(), postings.end(), [](const Posting& a, const Posting& b) {
      return a.term != b.term ? a.term < b.term : a.cluster < b.cluster;
    });
    // Each cluster's best partner: candidates meet through their heaviest terms, the partial
    // dot product over those ranks them, and the max_candidates strongest get an exact cosine.
    for (std::size_t c = 0; c < clusters; ++c) {
      if (!alive[c] || top[c].empty()) continue;
      const uint32_t b = best[c];
      const bool full = changed[c] || (b != kNone && (changed[b] || !alive[b]));
      if (full) {
        best[c] = kNone;
        best_sim[c] = -1;
      }
      candidates.begin(clusters);
      candidates.skip(static_cast<uint32_t>(c));
      for (const auto& [t, w] : top[c]) {
        auto it = std::lower_bound(postings.begin(), postings.end(), t,
                                   [](const Posting& p, uint64_t term) { return p.term < term; });
        for (; it != postings.end() && it->term == t; ++it) {
          if (full || changed[it->cluster]) candidates.meet(it->cluster, w * it->weight);
        }
      }
      if (spans.active) {
        candidates.drop_if([&](uint32_t o) { return spans.gap(c, o) > options.window_seconds; });
      }
      for (const uint32_t o :
           candidates.strongest(options.max_candidates, [](uint32_t o) { return o; })) {
        const double sim = plain_cosine(c, o);
        if (sim > best_sim[c] || (sim == best_sim[c] && o < best[c])) {
          best_sim[c] = sim;
          best[c] = o;
        }
      }
    }
    // Edges c -> best[c] that clear the bar, strongest first. A mutual pair merges into its
    // older cluster; otherwise c merges into its best partner. In one round a cluster is either
    // absorbed or absorbs (a star around it), never both, so no chain forms: every absorbed
    // cluster cleared the bar against the centroid it joins.
    struct Edge {
      double sim;
      uint32_t from, to;
    };
    std::vector<Edge> edges;
    for (std::size_t c = 0; c < clusters; ++c) {
      const uint32_t o = best[c];
      if (!alive[c] || o == kNone) continue;
      if (best[o] == c && o < c) continue;  // the mutual pair is taken once, from its older end
      if (!clears_bar(c, o)) continue;
      const bool mutual = best[o] == c;
      const uint32_t from =
          mutual ? std::max(static_cast<uint32_t>(c), o) : static_cast<uint32_t>(c);
      const uint32_t to = mutual ? std::min(static_cast<uint32_t>(c), o) : o;
      edges.push_back(Edge{best_sim[c], from, to});
    }
    std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
      return a.sim != b.sim ? a.sim > b.sim : (a.from != b.from ? a.from < b.from : a.to < b.to);
    });
    enum : uint8_t { kFree, kAbsorbed, kAbsorbs };
    std::vector<uint8_t> role(clusters, kFree);
    std::fill(changed.begin(), changed.end(), 0);
    std::size_t merges = 0;
    for (const Edge& e : edges) {
      if (role[e.from] != kFree || role[e.to] == kAbsorbed) continue;
      role[e.from] = kAbsorbed;
      role[e.to] = kAbsorbs;
      members[e.to].insert(members[e.to].end(), members[e.from].begin(), members[e.from].end());
      std::vector<uint32_t>().swap(members[e.from]);
      alive[e.from] = 0;
      changed[e.to] = 1;
      ++merges;
    }
    if (merges == 0) break;
  }
  for (std::size_t c = 0; c < clusters; ++c) {
    for (uint32_t i : members[c]) label[i] = static_cast<uint32_t>(c);
  }
}

// Batch refinement: every document moves to the most similar final centroid (its own cluster's
// centroid without itself), if that clears its threshold; a document that fits no cluster any
// more starts its own. All moves of a round are decided on the same centroids (deterministic).
void refine_assignments(const std::vector<StoryVector>& vectors, const std::vector<uint32_t>& order,
                        std::span<const double> times, const StoryClusterer& clusterer,
                        const StoryOptions& options, std::vector<StoryAssignment>& out) {
  const std::size_t n = vectors.size();
  std::vector<uint32_t> label(n);
  for (std::size_t i = 0; i < n; ++i) label[i] = out[i].cluster;
  std::size_t clusters = renumber(order, label);
  if (options.merge_factor > 0) {
    merge_clusters(vectors, times, options, clusterer, label, clusters);
    clusters = renumber(order, label);
  }
  const int kRounds = options.refine ? options.refine_rounds : 0;
  std::vector<uint32_t> idx;
  CandidateSet candidates;
  Spans spans;
  for (int round = 0; round < kRounds; ++round) {
    const std::vector<ClusterSum> sums = centroid_sums(
        vectors, label, clusters, options.max_centroid_terms, options.centroid_exponent);
    spans.compute(times, label, clusters, options.window_seconds);
    std::unordered_map<uint64_t, std::vector<uint32_t>> postings;
    for (std::size_t c = 0; c < clusters; ++c) {
      top_terms(sums[c].terms, sums[c].weights, options.index_terms, idx);
      for (uint32_t k : idx) postings[sums[c].terms[k]].push_back(static_cast<uint32_t>(c));
    }
    std::vector<uint32_t> next = label;
    uint32_t fresh = static_cast<uint32_t>(clusters);
    for (std::size_t i = 0; i < n; ++i) {
      const StoryVector& d = vectors[i];
      if (d.terms.empty()) continue;
      top_terms(d.terms, d.weights, options.candidate_terms, idx);
      candidates.begin(clusters);
      candidates.skip(label[i]);
      for (const uint32_t k : idx) {
        const auto it = postings.find(d.terms[k]);
        if (it == postings.end()) continue;
        for (uint32_t c : it->second) candidates.meet(c, d.weights[k]);
      }
      // With a window, a document only moves to a cluster within the window of its time.
      if (spans.active) {
        candidates.drop_if(
            [&](uint32_t c) { return spans.gap_to(c, times[i]) > options.window_seconds; });
      }
      // Its own cluster always competes, with its centroid without this document.
      double best =
          leave_one_out_cosine(d, sums[label[i]], options.centroid_exponent, options.latent_weight);
      uint32_t best_c = label[i];
      for (const uint32_t c :
           candidates.strongest(options.max_candidates, [](uint32_t c) { return c; })) {
        const double sim = damped_score(d, sums[c].terms, sums[c].damped, sums[c].damped_norm,
                                        options.min_shared_terms, &sums[c].latent,
                                        options.latent_weight, &sums[c].events, options.event_rule);
        if (sim > best || (sim == best && c < best_c)) {
          best = sim;
          best_c = c;
        }
      }
      if (best_c == label[i]) {
        // stays
      } else if (best >= clusterer.threshold_for(d.effective_terms)) {
        next[i] = best_c;
      } else if (options.refine_split) {
        next[i] = fresh++;
      }
    }
    label.swap(next);
    clusters = renumber(order, label);
  }
  // The cluster's name is its earliest member (in time order).
  std::vector<uint32_t> first(clusters, kNone);
  for (const uint32_t i : order) {
    if (first[label[i]] == kNone) first[label[i]] = i;
  }
  // Similarity: the cosine with the final centroid of its cluster without itself.
  const std::vector<ClusterSum> sums = centroid_sums(
      vectors, label, clusters, options.max_centroid_terms, options.centroid_exponent);
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t c = label[i];
    out[i].cluster = first[c];
    out[i].similarity =
        out[i].cluster == i
            ? 1.0f
            : static_cast<float>(leave_one_out_cosine(
                  vectors[i], sums[c], options.centroid_exponent, options.latent_weight));
  }
}

// The explanation of each document's place (StoryExplanation): the rest of its cluster is the
// plain sum of the other members' vectors.
void explain_assignments(const std::vector<StoryVector>& vectors,
                         const std::vector<StoryAssignment>& out,
                         const std::vector<uint32_t>& order, std::size_t k,
                         std::vector<StoryExplanation>& explain) {
  const std::size_t n = vectors.size();
  std::vector<uint32_t> label(n);
  for (std::size_t i = 0; i < n; ++i) label[i] = out[i].cluster;
  const std::size_t clusters = renumber(order, label);
  const std::vector<ClusterSum> sums =
      centroid_sums(vectors, label, clusters, std::numeric_limits<uint32_t>::max(), 1.0);
  std::vector<std::size_t> size(clusters, 0);
  for (uint32_t c : label) ++size[c];
  explain.assign(n, StoryExplanation{});
  // Per cluster, how many members hold each event particular (sorted (cluster, particular)
  // pairs): a document's particular is shared when another member holds it too.
  std::vector<std::pair<uint32_t, uint64_t>> held;
  for (std::size_t i = 0; i < n; ++i) {
    for (uint64_t p : vectors[i].particulars) held.emplace_back(label[i], p);
  }
  std::sort(held.begin(), held.end());
  std::vector<std::pair<float, uint64_t>> shared;
  for (std::size_t i = 0; i < n; ++i) {
    const StoryVector& d = vectors[i];
    const ClusterSum& sum = sums[label[i]];
    if (size[label[i]] < 2) continue;
    shared.clear();
    std::size_t a = 0, b = 0;
    while (a < d.terms.size() && b < sum.terms.size()) {
      if (d.terms[a] < sum.terms[b]) {
        ++a;
      } else if (sum.terms[b] < d.terms[a]) {
        ++b;
      } else {
        const float rest = sum.weights[b] - d.weights[a];
        if (rest > 1e-6f) shared.emplace_back(d.weights[a] * rest, d.terms[a]);
        ++a;
        ++b;
      }
    }
    const std::size_t keep = std::min(k, shared.size());
    std::partial_sort(shared.begin(), shared.begin() + static_cast<std::ptrdiff_t>(keep),
                      shared.end(), [](const auto& x, const auto& y) {
                        return x.first != y.first ? x.first > y.first : x.second < y.second;
                      });
    for (std::size_t j = 0; j < keep; ++j) explain[i].terms.push_back(shared[j].second);
    for (uint64_t p : d.particulars) {
      const auto range = std::equal_range(held.begin(), held.end(), std::make_pair(label[i], p));
      if (range.second - range.first >= 2) explain[i].events.push_back(p);
    }
    const double lat = latent_score(d.latent, sum.latent, &d.latent);
    if (!std::isnan(lat)) explain[i].latent = static_cast<float>(lat);
  }
}

}  // namespace

Result<std::vector<StoryAssignment>> cluster_stories(
    const std::vector<std::vector<StoryTerm>>& features, std::span<const double> times,
    const StoryOptions& options, const DocumentFrequencies* model,
    std::vector<StoryExplanation>* explain, std::size_t explain_terms) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  const std::size_t n = features.size();
  if (!times.empty() && times.size() != n) {
    return Status::invalid_argument("cluster_stories: " + std::to_string(times.size()) +
                                    " times for " + std::to_string(n) + " documents");
  }
  if (n > UINT32_MAX) return Status::invalid_argument("cluster_stories: too many documents");
  try {
    DocumentFrequencies df;
    if (model != nullptr) df = *model;
    for (const auto& f : features) df.add(f);
    std::vector<uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    if (!times.empty()) {
      std::stable_sort(order.begin(), order.end(),
                       [&](uint32_t a, uint32_t b) { return times[a] < times[b]; });
    }
    // With merging or refinement after the pass, a join needs two shared terms (auto): a wrong
    // join in the pass is permanent, a split is repaired by merging.
    StoryOptions resolved = options;
    if (resolved.min_shared_terms == 0) {
      resolved.min_shared_terms = options.refine || options.merge_factor > 0 ? 2 : 1;
    }
    Result<StoryClusterer> clusterer = StoryClusterer::create(resolved);
    if (!clusterer.ok()) return clusterer.status();
    std::vector<StoryAssignment> out(n);
    // The latent layer: fitted to the batch (latent_rank), or the model's prebuilt space.
    const StoryLatentSpace* prebuilt =
        options.latent_rank == 0 && model != nullptr && options.latent_weight > 0 ? model->latent()
                                                                                  : nullptr;
    const bool latent = options.latent_rank > 0 || prebuilt != nullptr;
    const bool keep = options.refine || options.merge_factor > 0 || latent || explain != nullptr;
    std::vector<StoryVector> vectors(keep ? n : 1);
    StoryVector v;
    if (latent) {
      // Every document's TF-IDF vector, then (without a prebuilt space) a truncated SVD of the
      // whole batch's matrix, then every document's latent vector.
      for (std::size_t i = 0; i < n; ++i) weigh_story_terms(features[i], df, vectors[i]);
      if (prebuilt != nullptr) {
        for (StoryVector& d : vectors) prebuilt->project(d, d.latent);
      } else {
        StoryLatentOptions lo;
        lo.rank = options.latent_rank;
        Result<StoryLatentSpace> space = StoryLatentSpace::fit(vectors, lo);
        if (!space.ok()) return space.status();
        for (StoryVector& d : vectors) space->project(d, d.latent);
      }
    }
    for (const uint32_t i : order) {
      StoryVector& target = keep ? vectors[i] : v;
      if (!latent) weigh_story_terms(features[i], df, target);
      StoryAssignment a = clusterer->add(target, times.empty() ? 0.0 : times[i]);
      a.cluster = order[a.cluster];  // position in time order -> input index
      out[i] = a;
    }
    if (options.refine || options.merge_factor > 0) {
      refine_assignments(vectors, order, times, *clusterer, resolved, out);
    }
    if (explain != nullptr) explain_assignments(vectors, out, order, explain_terms, *explain);
    return out;
  } catch (const std::bad_alloc&) {
    return Status::internal("cluster_stories: out of memory");
  }
}

}  // namespace neardup