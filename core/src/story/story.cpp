// Story clustering: document frequencies, TF-IDF vectors and single-pass centroid clustering
// (see neardup/advanced/story.h).
#include "neardup/advanced/story.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>
#include <numeric>
#include <queue>
#include <string>
#include <unordered_map>
#include <utility>

#include "detail/binary_io.h"
#include "neardup/advanced/hash.h"

namespace neardup {
namespace {

// ---------------------------------------------------------------------------------------------
// Document-frequency file: 40-byte header (magic, version 2, feature fingerprint, documents,
// entries, checksum), then `entries` records of (u64 term, u32 count), little endian. The
// checksum is XXH3 of the payload seeded with XXH3 of the first 32 header bytes, so a flipped
// bit anywhere is caught. Version 1 had no fingerprint and checked only the payload.
constexpr char kDfMagic[8] = {'N', 'D', 'U', 'P', 'I', 'D', 'F', '1'};
constexpr uint32_t kDfVersion = 2;
constexpr std::size_t kDfHeader = 40;
constexpr std::size_t kDfRecord = 12;

using detail::get_u32;
using detail::get_u64;
using detail::put_u32;
using detail::put_u64;

uint64_t slot_of(uint64_t term, std::size_t mask) {
  // Term ids are hashes already; mix once more so that low bits are well spread.
  return (term * 0x9E3779B97F4A7C15ull) >> 17 & mask;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// DocumentFrequencies

uint64_t DocumentFrequencies::frequency(uint64_t term) const noexcept {
  if (keys_.empty()) return 0;
  if (term == 0) term = 1;
  const std::size_t mask = keys_.size() - 1;
  for (std::size_t i = slot_of(term, mask);; i = (i + 1) & mask) {
    if (keys_[i] == term) return counts_[i];
    if (keys_[i] == 0) return 0;
  }
}

void DocumentFrequencies::grow() {
  const std::size_t cap = keys_.empty() ? 1024 : keys_.size() * 2;
  std::vector<uint64_t> keys(cap, 0);
  std::vector<uint32_t> counts(cap, 0);
  const std::size_t mask = cap - 1;
  for (std::size_t j = 0; j < keys_.size(); ++j) {
    if (keys_[j] == 0) continue;
    std::size_t i = slot_of(keys_[j], mask);
    while (keys[i] != 0) i = (i + 1) & mask;
    keys[i] = keys_[j];
    counts[i] = counts_[j];
  }
  keys_.swap(keys);
  counts_.swap(counts);
}

namespace {
template <class Keys, class Counts>
void bump(Keys& keys, Counts& counts, std::size_t& size, uint64_t term, uint32_t by) {
  const std::size_t mask = keys.size() - 1;
  for (std::size_t i = slot_of(term, mask);; i = (i + 1) & mask) {
    if (keys[i] == term) {
      counts[i] = counts[i] > UINT32_MAX - by ? UINT32_MAX : counts[i] + by;
      return;
    }
    if (keys[i] == 0) {
      keys[i] = term;
      counts[i] = by;
      ++size;
      return;
    }
  }
}
}  // namespace

void DocumentFrequencies::add(std::span<const StoryTerm> doc) {
  ++documents_;
  // Each distinct term once (term 0 is stored as 1, so the two are one term here). The
  // featurizer's output is sorted, so duplicates are neighbours; other input is sorted first.
  const auto key = [](uint64_t term) { return term == 0 ? uint64_t{1} : term; };
  bool sorted = true;
  for (std::size_t i = 1; i < doc.size() && sorted; ++i) {
    sorted = key(doc[i - 1].term) <= key(doc[i].term);
  }
  const auto count = [&](uint64_t term, uint64_t& previous) {
    if (term == previous) return;
    previous = term;
    if ((size_ + 1) * 4 > keys_.size() * 3) grow();
    bump(keys_, counts_, size_, term, 1);
  };
  uint64_t previous = 0;  // never a stored key
  if (sorted) {
    for (const StoryTerm& t : doc) count(key(t.term), previous);
    return;
  }
  std::vector<uint64_t> terms;
  terms.reserve(doc.size());
  for (const StoryTerm& t : doc) terms.push_back(key(t.term));
  std::sort(terms.begin(), terms.end());
  for (uint64_t t : terms) count(t, previous);
}

void DocumentFrequencies::merge(const DocumentFrequencies& other) {
  documents_ += other.documents_;
  if (feature_fingerprint_ == 0) feature_fingerprint_ = other.feature_fingerprint_;
  for (std::size_t j = 0; j < other.keys_.size(); ++j) {
    if (other.keys_[j] == 0) continue;
    if ((size_ + 1) * 4 > keys_.size() * 3) grow();
    bump(keys_, counts_, size_, other.keys_[j], other.counts_[j]);
  }
}

Status DocumentFrequencies::save(const std::string& path) const {
  std::string payload;
  try {
    payload.reserve(size_ * kDfRecord);
    // Sorted by term, so that equal tables give byte-identical files.
    std::vector<std::pair<uint64_t, uint32_t>> entries;
    entries.reserve(size_);
    for (std::size_t j = 0; j < keys_.size(); ++j) {
      if (keys_[j] != 0) entries.emplace_back(keys_[j], counts_[j]);
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& [term, count] : entries) {
      put_u64(payload, term);
      put_u32(payload, count);
    }
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the model");
  }
  std::string header(kDfMagic, sizeof kDfMagic);
  put_u32(header, kDfVersion);
  put_u32(header, feature_fingerprint_);
  put_u64(header, documents_);
  put_u64(header, size_);
  put_u64(header, hash64(payload.data(), payload.size(), hash64(header.data(), header.size(), 0)));
  try {
    header.append(payload);
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the model");
  }
  return detail::write_file_atomically(path, header);
}

Result<DocumentFrequencies> DocumentFrequencies::load(const std::string& path) {
  Result<std::string> file = detail::read_whole_file(path);
  if (!file.ok()) return file.status();
  const std::string& bytes = *file;
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  if (bytes.size() < sizeof kDfMagic || std::memcmp(bytes.data(), kDfMagic, sizeof kDfMagic) != 0) {
    return corrupt("not a neardup IDF model (bad magic)");
  }
  if (bytes.size() < kDfHeader) return corrupt("truncated header");
  const uint32_t version = get_u32(bytes.data() + 8);
  if (version != kDfVersion) {
    return Status::unsupported_version(path + ": IDF model version " + std::to_string(version) +
                                       ", this build reads version " + std::to_string(kDfVersion));
  }
  const uint64_t documents = get_u64(bytes.data() + 16);
  const uint64_t entries = get_u64(bytes.data() + 24);
  const uint64_t checksum = get_u64(bytes.data() + 32);
  const uint64_t payload = bytes.size() - kDfHeader;
  if (entries > payload / kDfRecord || entries * kDfRecord != payload) {
    return corrupt("truncated or oversized: the header promises " + std::to_string(entries) +
                   " entries, the payload has " + std::to_string(payload) + " bytes");
  }
  if (hash64(bytes.data() + kDfHeader, payload, hash64(bytes.data(), 32, 0)) != checksum) {
    return corrupt("checksum mismatch (the model is corrupt)");
  }
  DocumentFrequencies df;
  try {
    std::size_t cap = 1024;
    while (cap * 3 < (entries + 1) * 4) cap *= 2;
    df.keys_.assign(cap, 0);
    df.counts_.assign(cap, 0);
    df.documents_ = documents;
    df.feature_fingerprint_ = get_u32(bytes.data() + 12);
    const char* p = bytes.data() + kDfHeader;
    for (uint64_t i = 0; i < entries; ++i, p += kDfRecord) {
      const uint64_t term = get_u64(p);
      const uint32_t count = get_u32(p + 8);
      if (term == 0 || count == 0 || count > documents) {
        return corrupt("invalid entry " + std::to_string(i));
      }
      bump(df.keys_, df.counts_, df.size_, term, count);
    }
    if (df.size_ != entries) return corrupt("duplicate terms");
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the model");
  }
  return df;
}

// ---------------------------------------------------------------------------------------------
// Weighting

void weigh_story_terms(std::span<const StoryTerm> doc, const DocumentFrequencies& df,
                       StoryVector& out) {
  out.clear();
  double sum = 0, sum2 = 0;
  for (const StoryTerm& t : doc) {
    if (!(t.count > 0)) continue;
    const double w = (1.0 + std::log(static_cast<double>(t.count))) * df.idf(t.term);
    out.terms.push_back(t.term);
    out.weights.push_back(static_cast<float>(w));
    sum += w;
    sum2 += w * w;
  }
  if (sum2 <= 0) return;
  const double inv = 1.0 / std::sqrt(sum2);
  for (float& w : out.weights) w = static_cast<float>(w * inv);
  out.effective_terms = static_cast<float>(sum * sum / sum2);
}

// ---------------------------------------------------------------------------------------------
// StoryClusterer

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
  std::vector<uint64_t> terms;    // sorted
  std::vector<float> weights;     // sum of member unit vectors
  std::vector<float> damped;      // weights ^ centroid_exponent (what documents are scored with)
  std::vector<uint64_t> indexed;  // sorted: the heaviest index_terms terms, in the postings
  double norm = 0;                // of `damped`
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

// The dot product of two sorted sparse vectors; `shared` (when given) gets the number of terms
// they have in common.
double dot_sorted(const std::vector<uint64_t>& at, const std::vector<float>& aw,
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
double damped_score(const StoryVector& d, const std::vector<uint64_t>& terms,
                    const std::vector<float>& damped, double norm, uint32_t min_shared) {
  if (norm <= 0) return 0;
  std::size_t shared = 0;
  const double dot = dot_sorted(d.terms, d.weights, terms, damped, &shared);
  if (shared < min_shared && d.terms.size() >= min_shared) return 0;
  return dot / norm;
}

// Top-k terms of a weighted sorted vector, as indices (heaviest first, ties by term).
void top_terms(const std::vector<uint64_t>& terms, const std::vector<float>& weights, std::size_t k,
               std::vector<uint32_t>& idx) {
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

}  // namespace

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
    return damped_score(d, c.terms, c.damped, c.norm, options.min_shared_terms);
  }

  // Puts the centroid's heaviest index_terms terms (ties by term id) in the postings, taking
  // out the ones that dropped below.
  void reindex(uint32_t slot) {
    Centroid& c = clusters[slot];
    top_index.clear();
    if (c.terms.size() <= options.index_terms) {
      top_index.assign(c.terms.begin(), c.terms.end());
    } else {
      order.resize(c.terms.size());
      std::iota(order.begin(), order.end(), std::size_t{0});
      const auto k = static_cast<std::ptrdiff_t>(options.index_terms);
      std::nth_element(order.begin(), order.begin() + k, order.end(),
                       [&](std::size_t a, std::size_t b) {
                         return c.weights[a] != c.weights[b] ? c.weights[a] > c.weights[b]
                                                             : c.terms[a] < c.terms[b];
                       });
      for (std::ptrdiff_t r = 0; r < k; ++r)
        top_index.push_back(c.terms[order[static_cast<std::size_t>(r)]]);
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
    if (merged_terms.size() > options.max_centroid_terms) {
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

double story_cosine(const StoryVector& a, const StoryVector& b) noexcept {
  return dot_sorted(a.terms, a.weights, b.terms, b.weights);
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

// ---------------------------------------------------------------------------------------------
// Batch

namespace {

constexpr uint32_t kNone = UINT32_MAX;

// One cluster's summed member vectors, sorted by term, and the damped weights documents are
// scored with (StoryOptions::centroid_exponent).
struct ClusterSum {
  std::vector<uint64_t> terms;
  std::vector<float> weights;
  std::vector<float> damped;
  double norm = 0;         // of weights
  double damped_norm = 0;  // of damped
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
double leave_one_out_cosine(const StoryVector& d, const ClusterSum& sum, double exponent) {
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
  return n2 > 1e-12 ? dot / std::sqrt(n2) : 0.0;
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
    return n > 0 ? dot_sorted(sums[a].terms, sums[a].weights, sums[b].terms, sums[b].weights) / n
                 : 0.0;
  };
  const auto clears_bar = [&](std::size_t c, std::size_t o) {
    const std::size_t nc = members[c].size(), no = members[o].size();
    const std::size_t small = nc <= no ? c : o, large = small == c ? o : c;
    if (static_cast<double>(std::min(nc, no)) <=
        options.fragment_ratio * static_cast<double>(std::max(nc, no))) {
      const double n = sums[small].norm * sums[large].damped_norm;
      const double sim = n > 0 ? dot_sorted(sums[small].terms, sums[small].weights,
                                            sums[large].terms, sums[large].damped) /
                                     n
                               : 0.0;
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
      double best = leave_one_out_cosine(d, sums[label[i]], options.centroid_exponent);
      uint32_t best_c = label[i];
      for (const uint32_t c :
           candidates.strongest(options.max_candidates, [](uint32_t c) { return c; })) {
        const double sim = damped_score(d, sums[c].terms, sums[c].damped, sums[c].damped_norm,
                                        options.min_shared_terms);
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
    out[i].similarity = out[i].cluster == i ? 1.0f
                                            : static_cast<float>(leave_one_out_cosine(
                                                  vectors[i], sums[c], options.centroid_exponent));
  }
}

}  // namespace

Result<std::vector<StoryAssignment>> cluster_stories(
    const std::vector<std::vector<StoryTerm>>& features, std::span<const double> times,
    const StoryOptions& options, const DocumentFrequencies* model) {
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
    const bool keep = options.refine || options.merge_factor > 0;
    std::vector<StoryVector> vectors(keep ? n : 1);
    StoryVector v;
    for (const uint32_t i : order) {
      StoryVector& target = keep ? vectors[i] : v;
      weigh_story_terms(features[i], df, target);
      StoryAssignment a = clusterer->add(target, times.empty() ? 0.0 : times[i]);
      a.cluster = order[a.cluster];  // position in time order -> input index
      out[i] = a;
    }
    if (keep) refine_assignments(vectors, order, times, *clusterer, resolved, out);
    return out;
  } catch (const std::bad_alloc&) {
    return Status::internal("cluster_stories: out of memory");
  }
}

}  // namespace neardup
