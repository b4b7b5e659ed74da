// The online story clusterer: single pass in time order over damped centroids, candidate
// clusters from an inverted index, a time window that closes clusters (see
// neardup/advanced/story_cluster.h).
#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <queue>
#include <unordered_map>
#include <utility>

#include "neardup/advanced/story_cluster.h"
#include "story/story_internal.h"

namespace neardup {

using story_internal::CandidateSet;
using story_internal::damp;
using story_internal::damped_score;
using story_internal::top_terms;

Status StoryOptions::validate() const {
  if (!std::isnan(threshold) && !(threshold > 0.0 && threshold < 1.0)) {
    return Status::invalid_argument("story threshold must be in (0, 1) or auto");
  }
  if (!(window_seconds >= 0) || !std::isfinite(window_seconds)) {
    return Status::invalid_argument("window must be a finite number of seconds >= 0");
  }
  if (candidate_terms == 0 || candidate_terms > 1024) {
    return Status::invalid_argument("candidate terms must be in [1, 1024]");
  }
  if (max_centroid_terms < 8 || max_centroid_terms > (1u << 20)) {
    return Status::invalid_argument("max centroid terms must be in [8, 1048576]");
  }
  if (max_candidates == 0) return Status::invalid_argument("max candidates must be >= 1");
  if (index_terms == 0 || index_terms > max_centroid_terms) {
    return Status::invalid_argument("index terms must be in [1, max centroid terms]");
  }
  if (!(merge_factor >= 0.0) || !std::isfinite(merge_factor)) {
    return Status::invalid_argument("merge factor must be a finite number >= 0");
  }
  if (!(fragment_ratio >= 0.0 && fragment_ratio < 1.0)) {
    return Status::invalid_argument("fragment ratio must be in [0, 1)");
  }
  if (static_cast<uint8_t>(event_rule) > static_cast<uint8_t>(StoryEventRule::kKey)) {
    return Status::invalid_argument("unknown story event rule");
  }
  if (!(latent_weight >= 0.0 && latent_weight <= 1.0)) {
    return Status::invalid_argument("latent weight must be in [0, 1]");
  }
  if (latent_rank > 1000) return Status::invalid_argument("latent rank must be in [0, 1000]");
  if (min_shared_terms > 64) {
    return Status::invalid_argument("min shared terms must be in [0, 64] (0 = auto)");
  }
  if (!(centroid_exponent > 0.0 && centroid_exponent <= 1.0)) {
    return Status::invalid_argument("centroid exponent must be in (0, 1]");
  }
  return Status();
}

namespace {

struct Centroid {
  std::vector<uint64_t> terms;       // sorted
  std::vector<float> weights;        // sum of member unit vectors
  std::vector<float> damped;         // weights ^ centroid_exponent (what documents are scored with)
  std::vector<uint64_t> indexed;     // sorted: the heaviest index_terms terms, in the postings
  story_internal::LatentSum latent;  // sum of the members' latent vectors (when they have one)
  story_internal::EventSet events;   // union of the members' event particulars and keys
  double norm = 0;                   // of `damped`
  double last_time = 0;
  uint32_t first_doc = 0;
  uint32_t size = 0;
  uint32_t generation = 0;  // bumped when the slot is closed, so stale expiry entries are ignored
  bool open = true;
};

// A cluster's newest time when it was pushed; the heap is ordered by time, then slot.
struct Expiry {
  double time;
  uint32_t slot;
  uint32_t generation;
  bool operator>(const Expiry& o) const { return time != o.time ? time > o.time : slot > o.slot; }
};

void remove_posting(std::unordered_map<uint64_t, std::vector<uint32_t>>& postings, uint64_t term,
                    uint32_t slot) {
  const auto it = postings.find(term);
  if (it == postings.end()) return;
  auto& list = it->second;
  const auto pos = std::find(list.begin(), list.end(), slot);
  if (pos != list.end()) list.erase(pos);
  if (list.empty()) postings.erase(it);
}

}  // namespace

struct StoryClusterer::Impl {
  StoryOptions options;
  // Slots of open clusters; a closed cluster's slot is reused, so memory follows the number of
  // clusters open in the window, not the length of the stream.
  std::vector<Centroid> clusters;
  std::vector<uint32_t> free_slots;
  std::priority_queue<Expiry, std::vector<Expiry>, std::greater<>> expiry;
  std::vector<uint32_t> closed_log;  // first documents of clusters closed since take_closed()
  // term -> slots of the open clusters whose centroid holds the term (exactly those)
  std::unordered_map<uint64_t, std::vector<uint32_t>> postings;
  CandidateSet candidates;  // per slot: the weight of the document's top terms it holds
  std::vector<std::size_t> order;
  std::vector<uint32_t> top;  // the document's candidate terms
  std::vector<uint64_t> merged_terms, top_index;
  std::vector<float> merged_weights, merged_damped;
  std::vector<std::pair<float, std::size_t>> heavy;
  std::vector<std::pair<float, uint64_t>> weighted;
  // Up to this many terms over the cap after a join are dropped by a linear scan (add_to).
  static constexpr std::size_t kFewDropped = 16;
  double now = -std::numeric_limits<double>::infinity();  // any time, also before 1970
  std::size_t documents = 0;
  std::size_t open_count = 0;

  double threshold_for(double effective_terms) const {
    if (!std::isnan(options.threshold)) return options.threshold;
    const double t = options.calibration_scale *
                     std::pow(std::max(1.0, effective_terms), options.calibration_exponent);
    return std::clamp(t, 0.01, 0.9);
  }

  double score(const StoryVector& d, const Centroid& c) const {
    return damped_score(d, c.terms, c.damped, c.norm, options.min_shared_terms, &c.latent,
                        options.latent_weight, &c.events, options.event_rule);
  }

  // Puts the centroid's heaviest index_terms terms (ties by term id) in the postings, taking
  // out the ones that dropped below.
  void reindex(uint32_t slot) {
    Centroid& c = clusters[slot];
    top_index.clear();
    if (c.terms.size() <= options.index_terms) {
      top_index.assign(c.terms.begin(), c.terms.end());
    } else {
      // (weight, term) pairs side by side: the selection compares neighbours in one array
      // instead of reaching into two through an index.
      weighted.clear();
      for (std::size_t k = 0; k < c.terms.size(); ++k)
        weighted.emplace_back(c.weights[k], c.terms[k]);
      const auto k = static_cast<std::ptrdiff_t>(options.index_terms);
      std::nth_element(weighted.begin(), weighted.begin() + k, weighted.end(),
                       [](const auto& a, const auto& b) {
                         return a.first != b.first ? a.first > b.first : a.second < b.second;
                       });
      for (std::ptrdiff_t r = 0; r < k; ++r)
        top_index.push_back(weighted[static_cast<std::size_t>(r)].second);
      std::sort(top_index.begin(), top_index.end());
    }
    std::size_t i = 0, j = 0;
    while (i < c.indexed.size() || j < top_index.size()) {
      if (j == top_index.size() || (i < c.indexed.size() && c.indexed[i] < top_index[j])) {
        remove_posting(postings, c.indexed[i++], slot);
      } else if (i == c.indexed.size() || top_index[j] < c.indexed[i]) {
        postings[top_index[j++]].push_back(slot);
      } else {
        ++i;
        ++j;
      }
    }
    c.indexed.swap(top_index);
  }

  void close(uint32_t slot) {
    Centroid& c = clusters[slot];
    for (uint64_t t : c.indexed) remove_posting(postings, t, slot);
    std::vector<uint64_t>().swap(c.indexed);
    std::vector<uint64_t>().swap(c.terms);
    std::vector<float>().swap(c.weights);
    std::vector<float>().swap(c.damped);
    std::vector<float>().swap(c.latent.sum);
    std::vector<uint64_t>().swap(c.events.particulars);
    std::vector<uint64_t>().swap(c.events.keys);
    c.open = false;
    ++c.generation;
    --open_count;
    closed_log.push_back(c.first_doc);
    free_slots.push_back(slot);
  }

  // Closes the clusters whose newest document is older than the window: O(log n) per expired
  // entry of the heap (one entry per join).
  void close_expired() {
    if (options.window_seconds <= 0) return;
    while (!expiry.empty() && now - expiry.top().time > options.window_seconds) {
      const Expiry e = expiry.top();
      expiry.pop();
      const Centroid& c = clusters[e.slot];
      if (c.open && c.generation == e.generation && c.last_time == e.time) close(e.slot);
    }
  }

  void add_to(uint32_t slot, const StoryVector& d, double time) {
    Centroid& c = clusters[slot];
    const double e = options.centroid_exponent;
    merged_terms.clear();
    merged_weights.clear();
    merged_damped.clear();
    // Only the document's terms change weight: the others keep their damped value.
    std::size_t i = 0, j = 0;
    while (i < c.terms.size() || j < d.terms.size()) {
      if (j == d.terms.size() || (i < c.terms.size() && c.terms[i] < d.terms[j])) {
        merged_terms.push_back(c.terms[i]);
        merged_weights.push_back(c.weights[i]);
        merged_damped.push_back(c.damped[i]);
        ++i;
      } else if (i == c.terms.size() || d.terms[j] < c.terms[i]) {
        merged_terms.push_back(d.terms[j]);
        merged_weights.push_back(d.weights[j]);
        merged_damped.push_back(damp(d.weights[j], e));
        ++j;
      } else {
        merged_terms.push_back(c.terms[i]);
        merged_weights.push_back(c.weights[i] + d.weights[j]);
        merged_damped.push_back(damp(merged_weights.back(), e));
        ++i;
        ++j;
      }
    }
    if (merged_terms.size() > options.max_centroid_terms &&
        merged_terms.size() - options.max_centroid_terms <= kFewDropped) {
      // A centroid at its cap after a join: a few terms (at most the document's new ones) go.
      // Find the lightest `drop` (the last in the order heaviest first, ties by term id) in one
      // pass, then compact: the same terms stay, in the same order, as with the full selection
      // below, without sorting the hundreds that stay.
      const std::size_t drop = merged_terms.size() - options.max_centroid_terms;
      std::array<std::size_t, kFewDropped> lightest{};
      story_internal::lightest_terms(merged_terms, merged_weights, drop, lightest.data());
      c.terms.clear();
      c.weights.clear();
      c.damped.clear();
      std::size_t next = 0;
      for (std::size_t k = 0; k < merged_terms.size(); ++k) {
        if (next < drop && lightest[next] == k) {
          ++next;
          continue;
        }
        c.terms.push_back(merged_terms[k]);
        c.weights.push_back(merged_weights[k]);
        c.damped.push_back(merged_damped[k]);
      }
    } else if (merged_terms.size() > options.max_centroid_terms) {
      // Keep the heaviest terms (ties by term id, so the result is deterministic).
      heavy.clear();
      for (std::size_t k = 0; k < merged_terms.size(); ++k)
        heavy.emplace_back(merged_weights[k], k);
      const auto keep = static_cast<std::ptrdiff_t>(options.max_centroid_terms);
      std::nth_element(
          heavy.begin(), heavy.begin() + keep, heavy.end(), [&](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first
                                      : merged_terms[a.second] < merged_terms[b.second];
          });
      heavy.resize(options.max_centroid_terms);
      std::sort(heavy.begin(), heavy.end(),
                [](const auto& a, const auto& b) { return a.second < b.second; });
      c.terms.clear();
      c.weights.clear();
      c.damped.clear();
      for (const auto& [w, k] : heavy) {
        c.terms.push_back(merged_terms[k]);
        c.weights.push_back(w);
        c.damped.push_back(merged_damped[k]);
      }
    } else {
      c.terms.swap(merged_terms);
      c.weights.swap(merged_weights);
      c.damped.swap(merged_damped);
    }
    double n2 = 0;
    for (float w : c.damped) n2 += static_cast<double>(w) * w;
    c.norm = std::sqrt(n2);
    c.latent.add(d.latent, c.size == 0);
    story_internal::add_events(c.events, d);
    // A heap entry per change of the cluster's newest time (not per join): with equal times the
    // heap does not grow.
    const bool newer = c.size == 0 || time > c.last_time;
    c.last_time = std::max(c.last_time, time);
    ++c.size;
    // The heaviest terms of a large centroid change slowly: re-pick them every 8th join.
    if (c.size <= 32 || c.size % 8 == 0) reindex(slot);
    if (options.window_seconds > 0 && newer) expiry.push(Expiry{c.last_time, slot, c.generation});
  }

  StoryAssignment add(const StoryVector& d, double time) {
    const auto index = static_cast<uint32_t>(documents++);
    if (time > now) {
      now = time;
      close_expired();
    }
    // Candidate clusters from the document's heaviest terms.
    top_terms(d.terms, d.weights, options.candidate_terms, top);
    candidates.begin(clusters.size());
    for (const uint32_t r : top) {
      const auto it = postings.find(d.terms[r]);
      if (it == postings.end()) continue;
      const float w = d.weights[r];
      for (uint32_t c : it->second) {
        if (clusters[c].open) candidates.meet(c, w);
      }
    }
    const double threshold = threshold_for(d.effective_terms);
    double best = -1;
    uint32_t best_slot = 0;
    for (uint32_t c : candidates.strongest(options.max_candidates,
                                           [&](uint32_t c) { return clusters[c].first_doc; })) {
      const double s = score(d, clusters[c]);
      // Ties go to the older cluster, so the result does not depend on posting order.
      if (s > best || (s == best && clusters[c].first_doc < clusters[best_slot].first_doc)) {
        best = s;
        best_slot = c;
      }
    }
    if (best >= threshold && !d.terms.empty()) {
      add_to(best_slot, d, time);
      return StoryAssignment{clusters[best_slot].first_doc, static_cast<float>(best)};
    }
    uint32_t slot;
    if (free_slots.empty()) {
      slot = static_cast<uint32_t>(clusters.size());
      clusters.emplace_back();
    } else {
      slot = free_slots.back();
      free_slots.pop_back();
      const uint32_t generation = clusters[slot].generation;
      clusters[slot] = Centroid();
      clusters[slot].generation = generation;
    }
    clusters[slot].first_doc = index;
    clusters[slot].last_time = time;
    ++open_count;
    add_to(slot, d, time);
    return StoryAssignment{index, 1.0f};
  }
};

StoryClusterer::StoryClusterer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoryClusterer::StoryClusterer(StoryClusterer&&) noexcept = default;
StoryClusterer& StoryClusterer::operator=(StoryClusterer&&) noexcept = default;
StoryClusterer::~StoryClusterer() = default;

Result<StoryClusterer> StoryClusterer::create(const StoryOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  // Auto: one shared term online; cluster_stories asks for two when merging and refinement
  // follow the pass.
  if (impl->options.min_shared_terms == 0) impl->options.min_shared_terms = 1;
  return StoryClusterer(std::move(impl));
}

StoryAssignment StoryClusterer::add(const StoryVector& doc, double time) {
  return impl_->add(doc, time);
}

double StoryClusterer::threshold_for(double effective_terms) const {
  return impl_->threshold_for(effective_terms);
}

std::size_t StoryClusterer::open_clusters() const noexcept { return impl_->open_count; }
std::size_t StoryClusterer::documents() const noexcept { return impl_->documents; }

void StoryClusterer::take_closed(std::vector<uint32_t>& first_docs) {
  first_docs.clear();
  first_docs.swap(impl_->closed_log);
}

}  // namespace neardup
