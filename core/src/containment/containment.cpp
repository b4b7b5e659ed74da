// ContainmentClusterer: partitioned MinHash LSH candidates (LSH Ensemble), exact verification,
// and the clustering under a keep policy. The algorithm and its guarantees are in
// neardup/advanced/containment.h.
#include "neardup/advanced/containment.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

#include "containment/lsh_ensemble.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/parallel.h"

namespace neardup {
namespace {

constexpr uint32_t kMaxRows = detail::kEnsembleMaxRows;
constexpr uint32_t kMaxContainmentPerm = 1024;
// The batch search probes with any r in 1..kMaxRows (its band tables are built per query set).
constexpr uint32_t kAllRows[] = {1, 2, 3, 4, 5, 6, 7, 8};
static_assert(sizeof(kAllRows) / sizeof(kAllRows[0]) == kMaxRows);

using detail::EnsembleProbe;
uint64_t band_key(const uint32_t* sig, uint32_t band, uint32_t rows) noexcept {
  return detail::ensemble_band_key(sig, band, rows);
}

struct Edge {
  uint32_t a = 0, b = 0;  // a is contained in b
  double c = 0;           // |a ∩ b| / |a|
};

}  // namespace

Status ContainmentOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(pipeline.validate());
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return Status::invalid_argument("containment threshold must be in (0, 1], got " +
                                    std::to_string(threshold));
  }
  if (num_perm == 0 || num_perm > kMaxContainmentPerm) {
    return Status::out_of_range("containment num_perm must be 1..1024, got " +
                                std::to_string(num_perm));
  }
  if (partitions == 0 || partitions > 64) {
    return Status::out_of_range("containment partitions must be 1..64, got " +
                                std::to_string(partitions));
  }
  if (!(recall > 0.0 && recall < 1.0)) {
    return Status::invalid_argument("containment recall must be in (0, 1), got " +
                                    std::to_string(recall));
  }
  return Status();
}

std::string_view containment_keep_name(ContainmentKeep keep) noexcept {
  return keep == ContainmentKeep::kContained ? "contained" : "container";
}

Result<ContainmentKeep> parse_containment_keep(std::string_view name) {
  if (name == "container") return ContainmentKeep::kContainer;
  if (name == "contained") return ContainmentKeep::kContained;
  return Status::invalid_argument("unknown containment keep policy '" + std::string(name) +
                                  "' (container, contained)");
}

struct ContainmentClusterer::Impl {
  ContainmentOptions options;
  MinHasher hasher;
  std::vector<uint64_t> shingles;    // every document's sorted set, concatenated
  std::vector<uint64_t> offsets{0};  // document i: [offsets[i], offsets[i + 1])
  std::vector<uint32_t> signatures;  // num_perm slots per document
  ContainmentStats stats;
  bool found = false;
  std::vector<Edge> edges;

  explicit Impl(const ContainmentOptions& o)
      : options(o), hasher(MinHashParams{MinHashScheme::kPermutations, o.num_perm, o.seed}) {}

  std::size_t size() const noexcept { return offsets.size() - 1; }
  std::span<const uint64_t> set(uint32_t i) const noexcept {
    return {shingles.data() + offsets[i], static_cast<std::size_t>(offsets[i + 1] - offsets[i])};
  }
  uint64_t set_size(uint32_t i) const noexcept { return offsets[i + 1] - offsets[i]; }
  const uint32_t* sig(uint32_t i) const noexcept {
    return signatures.data() + static_cast<std::size_t>(i) * options.num_perm;
  }

  void find_pairs(unsigned threads);
};

void ContainmentClusterer::Impl::find_pairs(unsigned threads) {
  const auto n = static_cast<uint32_t>(size());
  const double t = options.threshold;
  const uint32_t num_perm = options.num_perm;
  stats.candidates = stats.below_target = 0;
  edges.clear();
  // Non-empty documents by size (ties: input order), cut into partitions of equal count.
  std::vector<uint32_t> order;
  order.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    if (set_size(i) != 0) order.push_back(i);
  }
  stats.empty = n - order.size();
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t x, uint32_t y) { return set_size(x) < set_size(y); });
  const std::size_t m = order.size();
  const std::size_t parts = std::min<std::size_t>(options.partitions, std::max<std::size_t>(m, 1));
  std::vector<std::size_t> cut(parts + 1);
  for (std::size_t p = 0; p <= parts; ++p) cut[p] = m * p / parts;

  // Probes per (partition, rows): the query documents and the bands each needs.
  struct Query {
    uint32_t doc, bands;
  };
  std::vector<std::vector<std::vector<Query>>> probes(
      parts, std::vector<std::vector<Query>>(kMaxRows + 1));
  for (const uint32_t a : order) {
    const auto sa = static_cast<double>(set_size(a));
    for (std::size_t p = 0; p < parts; ++p) {
      if (cut[p] == cut[p + 1]) continue;
      const auto u = static_cast<double>(set_size(order[cut[p + 1] - 1]));
      if (u < t * sa) continue;  // no set here can hold T |A| of A's shingles
      const double s_star = detail::contained_jaccard_floor(t, sa, u);
      const EnsembleProbe probe =
          detail::choose_ensemble_probe(s_star, num_perm, options.recall, kAllRows);
      if (probe.below_target) ++stats.below_target;
      probes[p][probe.rows].push_back(Query{a, probe.bands});
    }
  }

  // Each worker collects its candidates and verified pairs; the pairs are sorted at the end, so
  // the result does not depend on the thread count.
  const unsigned workers = std::max(1u, threads);
  struct Worker {
    std::vector<uint32_t> candidates;
    std::vector<Edge> edges;
    uint64_t checked = 0;
  };
  std::vector<Worker> work(workers);
  std::vector<std::pair<uint64_t, uint32_t>> table;
  std::vector<uint32_t> head;
  for (std::size_t p = 0; p < parts; ++p) {
    for (uint32_t r = 1; r <= kMaxRows; ++r) {
      const std::vector<Query>& queries = probes[p][r];
      if (queries.empty()) continue;
      uint32_t max_bands = 0;
      for (const Query& q : queries) max_bands = std::max(max_bands, q.bands);
      // The partition's band table for r rows: (key, document), sorted.
      table.clear();
      table.reserve((cut[p + 1] - cut[p]) * max_bands);
      for (std::size_t k = cut[p]; k < cut[p + 1]; ++k) {
        const uint32_t d = order[k];
        for (uint32_t band = 0; band < max_bands; ++band) {
          table.emplace_back(band_key(sig(d), band, r), d);
        }
      }
      std::sort(table.begin(), table.end());
      // An open-addressing index over the distinct keys: slot -> first table entry with the key
      // (equal keys are contiguous after the sort), so a probe costs one or two cache misses
      // instead of a binary search over the whole table.
      std::size_t cap = 16;
      while (cap < 2 * table.size()) cap *= 2;
      const std::size_t mask = cap - 1;
      head.assign(cap, UINT32_MAX);
      for (std::size_t e = 0; e < table.size(); ++e) {
        if (e != 0 && table[e].first == table[e - 1].first) continue;
        std::size_t h = static_cast<std::size_t>(table[e].first) & mask;
        while (head[h] != UINT32_MAX) h = (h + 1) & mask;
        head[h] = static_cast<uint32_t>(e);
      }
      const auto find = [&](uint64_t key) -> std::size_t {  // table.size() when absent
        std::size_t h = static_cast<std::size_t>(key) & mask;
        while (head[h] != UINT32_MAX) {
          if (table[head[h]].first == key) return head[h];
          h = (h + 1) & mask;
        }
        return table.size();
      };
      parallel_for(queries.size(), workers, [&](std::size_t qi, unsigned w) {
        const Query& q = queries[qi];
        Worker& wk = work[w];
        const uint32_t a = q.doc;
        const double need = t * static_cast<double>(set_size(a));
        wk.candidates.clear();
        for (uint32_t band = 0; band < q.bands; ++band) {
          const uint64_t key = band_key(sig(a), band, r);
          for (std::size_t e = find(key); e < table.size() && table[e].first == key; ++e) {
            const uint32_t b = table[e].second;
            if (b != a && static_cast<double>(set_size(b)) >= need) wk.candidates.push_back(b);
          }
        }
        std::sort(wk.candidates.begin(), wk.candidates.end());
        wk.candidates.erase(std::unique(wk.candidates.begin(), wk.candidates.end()),
                            wk.candidates.end());
        for (const uint32_t b : wk.candidates) {
          ++wk.checked;
          const double c = containment(set(a), set(b));
          if (c >= t) wk.edges.push_back(Edge{a, b, c});
        }
      });
    }
  }
  for (Worker& wk : work) {
    stats.candidates += wk.checked;
    edges.insert(edges.end(), wk.edges.begin(), wk.edges.end());
  }
  std::sort(edges.begin(), edges.end(),
            [](const Edge& x, const Edge& y) { return x.a != y.a ? x.a < y.a : x.b < y.b; });
  stats.pairs = edges.size();
  found = true;
}

ContainmentClusterer::ContainmentClusterer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ContainmentClusterer::ContainmentClusterer(ContainmentClusterer&&) noexcept = default;
ContainmentClusterer& ContainmentClusterer::operator=(ContainmentClusterer&&) noexcept = default;
ContainmentClusterer::~ContainmentClusterer() = default;

ContainmentClusterer::Scratch::Scratch() = default;
ContainmentClusterer::Scratch::Scratch(Scratch&&) noexcept = default;
ContainmentClusterer::Scratch& ContainmentClusterer::Scratch::operator=(Scratch&&) noexcept =
    default;
ContainmentClusterer::Scratch::~Scratch() = default;
NormalizeStats ContainmentClusterer::Scratch::normalize_stats() const {
  return shingler_ ? shingler_->stats() : NormalizeStats{};
}

Result<ContainmentClusterer> ContainmentClusterer::create(const ContainmentOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  return ContainmentClusterer(std::make_unique<Impl>(options));
}

const ContainmentOptions& ContainmentClusterer::options() const noexcept { return impl_->options; }
const ContainmentStats& ContainmentClusterer::stats() const noexcept { return impl_->stats; }
std::size_t ContainmentClusterer::size() const noexcept { return impl_->size(); }

void ContainmentClusterer::prepare(std::string_view text, PreparedContainment& out,
                                   Scratch& scratch) const {
  if (!scratch.shingler_) {
    scratch.shingler_ = std::make_unique<ShingleHasher>(impl_->options.pipeline);
  }
  const std::span<const uint64_t> h = scratch.shingler_->hash(text);
  out.shingles.assign(h.begin(), h.end());
  std::sort(out.shingles.begin(), out.shingles.end());
  out.shingles.erase(std::unique(out.shingles.begin(), out.shingles.end()), out.shingles.end());
  out.signature.resize(impl_->options.num_perm);
  impl_->hasher.sign32(out.shingles, out.signature);
  out.text_bytes = text.size();
}

Status ContainmentClusterer::add(const PreparedContainment& doc) {
  Impl& s = *impl_;
  if (s.size() >= UINT32_MAX - 1) {
    return Status::out_of_range("containment: more than 2^32 - 2 documents");
  }
  if (doc.signature.size() != s.options.num_perm) {
    return Status::invalid_argument("containment: document not prepared by this clusterer");
  }
  s.shingles.insert(s.shingles.end(), doc.shingles.begin(), doc.shingles.end());
  s.offsets.push_back(s.shingles.size());
  s.signatures.insert(s.signatures.end(), doc.signature.begin(), doc.signature.end());
  ++s.stats.documents;
  s.found = false;
  s.edges.clear();
  return Status();
}

double ContainmentClusterer::containment(std::span<const uint64_t> a,
                                         std::span<const uint64_t> b) noexcept {
  if (a.empty()) return 0.0;
  return static_cast<double>(detail::sorted_intersection_size(a, b)) /
         static_cast<double>(a.size());
}

Result<ContainmentResult> ContainmentClusterer::finish(ContainmentKeep keep, unsigned threads) {
  Impl& s = *impl_;
  if (!s.found) s.find_pairs(threads);
  const auto n = static_cast<uint32_t>(s.size());
  // Container order: larger set first, then input order. Reverse order for kContained.
  const auto above_container = [&](uint32_t x, uint32_t y) {  // x ranks above y
    return s.set_size(x) != s.set_size(y) ? s.set_size(x) > s.set_size(y) : x < y;
  };
  const auto above_contained = [&](uint32_t x, uint32_t y) {
    return s.set_size(x) != s.set_size(y) ? s.set_size(x) < s.set_size(y) : x < y;
  };
  ContainmentResult r;
  r.contained_in.assign(n, kNotContained);
  r.containment.assign(n, 0.0);
  std::vector<uint32_t> next(n, kNotContained);  // the pointer of the policy
  std::vector<double> next_c(n, 0.0);
  for (const Edge& e : s.edges) {
    if (above_container(e.b, e.a)) {
      uint32_t& best = r.contained_in[e.a];
      if (best == kNotContained || e.c > r.containment[e.a] ||
          (e.c == r.containment[e.a] && above_container(e.b, best))) {
        best = e.b;
        r.containment[e.a] = e.c;
      }
    }
    if (keep == ContainmentKeep::kContained && above_contained(e.a, e.b)) {
      uint32_t& best = next[e.b];  // the page e.b holds e.a, a better document to keep
      if (best == kNotContained || e.c > next_c[e.b] ||
          (e.c == next_c[e.b] && above_contained(e.a, best))) {
        best = e.a;
        next_c[e.b] = e.c;
      }
    }
  }
  if (keep == ContainmentKeep::kContainer) next = r.contained_in;
  s.stats.contained = static_cast<uint64_t>(std::count_if(
      r.contained_in.begin(), r.contained_in.end(), [](uint32_t c) { return c != kNotContained; }));
  // Roots: follow the pointers (ranks strictly improve along them, so they end).
  std::vector<uint32_t> root(n, kNotContained);
  std::vector<uint32_t> path;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t x = i;
    path.clear();
    while (root[x] == kNotContained && next[x] != kNotContained) {
      path.push_back(x);
      x = next[x];
    }
    const uint32_t top = root[x] == kNotContained ? x : root[x];
    root[x] = top;
    for (uint32_t y : path) root[y] = top;
  }
  std::vector<uint32_t> first(n, kNotContained);
  for (uint32_t i = 0; i < n; ++i) {
    if (first[root[i]] == kNotContained) first[root[i]] = i;
  }
  r.assignment.resize(n);
  s.stats.kept = 0;
  for (uint32_t i = 0; i < n; ++i) {
    Assignment& a = r.assignment[i];
    a.cluster = first[root[i]];
    a.representative = root[i];
    if (root[i] == i) {
      a.similarity = 1.0;
      ++s.stats.kept;
    } else {
      a.similarity = keep == ContainmentKeep::kContainer ? containment(s.set(i), s.set(root[i]))
                                                         : containment(s.set(root[i]), s.set(i));
    }
  }
  return r;
}

}  // namespace neardup
