// The spilling clusterers (advanced/spill.h): near and exact clustering from sorted runs on
// disk, with the in-memory clusterers' answers.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "neardup/advanced/lsh_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/spill.h"
#include "spill/external_sort.h"
#include "spill/temp_file.h"

namespace neardup {
namespace {

using spill::ExternalSorter;
using spill::TempFile;

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// One LSH band key of one document. Sorted by (band, key, doc): a run of equal (band, key) is
// one bucket of the in-memory index, its documents in input order.
struct BandRecord {
  uint64_t key;
  uint32_t band;
  uint32_t doc;
};
struct BandLess {
  bool operator()(const BandRecord& a, const BandRecord& b) const noexcept {
    return std::tie(a.band, a.key, a.doc) < std::tie(b.band, b.key, b.doc);
  }
};

// One exact key. Sorted by (key, doc): the first of a run of equal keys is the canon.
struct ExactRecord {
  uint64_t high;
  uint64_t low;
  uint32_t doc;
  uint32_t pad;
};
struct ExactLess {
  bool operator()(const ExactRecord& a, const ExactRecord& b) const noexcept {
    return std::tie(a.high, a.low, a.doc) < std::tie(b.high, b.low, b.doc);
  }
};

using BandSorter = ExternalSorter<BandRecord, BandLess>;
using ExactSorter = ExternalSorter<ExactRecord, ExactLess>;

void run_parallel(const ParallelRunner& run, std::size_t n, const ParallelBody& body) {
  if (run && n > 1) {
    run(n, body);
  } else {
    for (std::size_t i = 0; i < n; ++i) body(i, 0);
  }
}

constexpr uint64_t kMiB = uint64_t{1} << 20;
constexpr uint64_t kMinBudget = uint64_t{64} << 10;

// The budget left for merge buffers once `arrays` bytes of per-document arrays are held.
std::size_t merge_budget(uint64_t memory, uint64_t arrays) {
  const uint64_t reserve = std::min<uint64_t>(memory / 8, 8 * kMiB);
  const uint64_t left = memory > arrays + reserve ? memory - arrays - reserve : 0;
  return static_cast<std::size_t>(std::max<uint64_t>(left, 128 << 10));
}

Status too_small(uint64_t memory, uint64_t documents, uint64_t per_doc) {
  return Status::out_of_range(
      "the memory budget of " + std::to_string(memory >> 10) + " KiB is too small for " +
      std::to_string(documents) + " documents: clustering them needs " + std::to_string(per_doc) +
      " bytes per document (" + std::to_string((documents * per_doc) >> 10) +
      " KiB), which must stay under three quarters of the budget");
}

// Merges the exact keys: calls copy(first, doc) for every document whose normalized text
// appeared first at document `first`.
constexpr uint64_t kProgressEvery = uint64_t{1} << 20;

void report(const SpillProgress& progress, std::string_view stage, uint64_t done, uint64_t total) {
  if (progress) progress(stage, done, total);
}

template <class F>
Status merge_exact(ExactSorter& sorter, std::size_t budget, const SpillProgress& progress,
                   F&& copy) {
  NEARDUP_RETURN_IF_ERROR(sorter.finish(budget));
  ExactRecord r{}, prev{};
  bool have = false;
  uint32_t first = 0;
  uint64_t done = 0;
  const uint64_t total = sorter.size();
  while (sorter.next(r)) {
    if (++done % kProgressEvery == 0) report(progress, "exact keys", done, total);
    if (have && r.high == prev.high && r.low == prev.low) {
      copy(first, r.doc);
    } else {
      first = r.doc;
    }
    prev = r;
    have = true;
  }
  NEARDUP_RETURN_IF_ERROR(sorter.status());
  report(progress, "exact keys", total, total);
  return Status();
}

}  // namespace

// ----------------------------------------------------------------------------------------------
// Options and small helpers.

Status SpillOptions::validate() const {
  if (memory_bytes < kMinBudget) {
    return Status::invalid_argument("the memory budget must be at least 64 KiB, got " +
                                    std::to_string(memory_bytes) + " bytes");
  }
  const std::string dir = resolved_dir();
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    return Status::invalid_argument("the temporary directory " + dir +
                                    " is not a writable directory");
  }
  return Status();
}

std::string SpillOptions::resolved_dir() const {
  if (!tmp_dir.empty()) return tmp_dir;
  const char* env = std::getenv("TMPDIR");
  if (env != nullptr && *env != '\0') return env;
  return "/tmp";
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  const std::string s(text);
  const auto bad = [&s]() {
    return Status::invalid_argument("'" + s +
                                    "' is not a size (examples: 1G, 256M, 512K, 1.5G, 100000)");
  };
  if (s.empty() || s[0] == '-' || s[0] == '+') return bad();
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || !std::isfinite(v) || v <= 0) return bad();
  std::string unit(end);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (unit.size() >= 3 && unit.compare(unit.size() - 2, 2, "IB") == 0) {
    unit.erase(unit.size() - 2);
  } else if (unit.size() >= 2 && unit.back() == 'B') {
    unit.pop_back();
  }
  double scale = 1;
  if (unit.empty() || unit == "B") {
    scale = 1;
  } else if (unit == "K") {
    scale = 1024.0;
  } else if (unit == "M") {
    scale = 1024.0 * 1024;
  } else if (unit == "G") {
    scale = 1024.0 * 1024 * 1024;
  } else if (unit == "T") {
    scale = 1024.0 * 1024 * 1024 * 1024;
  } else {
    return bad();
  }
  const double bytes = v * scale;
  if (bytes < 1 || bytes > 1.8e19) return bad();
  return static_cast<uint64_t>(bytes);
}

uint64_t available_memory_bytes() noexcept {
  uint64_t total = 0;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) total = static_cast<uint64_t>(pages) * static_cast<uint64_t>(page);
  // A container's limit (cgroup v2, then v1) when it is lower.
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {
    std::ifstream in(path);
    std::string value;
    if (in >> value) {
      char* end = nullptr;
      const unsigned long long limit = std::strtoull(value.c_str(), &end, 10);
      if (end != value.c_str() && *end == '\0' && limit > 0 && (total == 0 || limit < total)) {
        total = limit;
      }
    }
  }
  return total;
}

// ----------------------------------------------------------------------------------------------
// SpilledStrings

struct SpilledStrings::Impl {
  TempFile offsets;  // u64 end offset of each string
  TempFile bytes;
  uint64_t count = 0;
  uint64_t written = 0;
};

SpilledStrings::SpilledStrings(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SpilledStrings::SpilledStrings(SpilledStrings&&) noexcept = default;
SpilledStrings& SpilledStrings::operator=(SpilledStrings&&) noexcept = default;
SpilledStrings::~SpilledStrings() = default;

Result<SpilledStrings> SpilledStrings::create(const SpillOptions& spill) {
  NEARDUP_RETURN_IF_ERROR(spill.validate());
  auto impl = std::make_unique<Impl>();
  const std::string dir = spill.resolved_dir();
  Result<TempFile> o = TempFile::create(dir, &impl->written, 256 << 10);
  if (!o.ok()) return o.status();
  Result<TempFile> b = TempFile::create(dir, &impl->written, 256 << 10);
  if (!b.ok()) return b.status();
  impl->offsets = std::move(*o);
  impl->bytes = std::move(*b);
  return SpilledStrings(std::move(impl));
}

Status SpilledStrings::append(std::string_view s) {
  NEARDUP_RETURN_IF_ERROR(impl_->bytes.append(s.data(), s.size()));
  const uint64_t end = impl_->bytes.size();
  ++impl_->count;
  return impl_->offsets.append(&end, sizeof end);
}

Status SpilledStrings::seal() {
  NEARDUP_RETURN_IF_ERROR(impl_->bytes.flush());
  NEARDUP_RETURN_IF_ERROR(impl_->offsets.flush());
  impl_->bytes.release_buffer();
  impl_->offsets.release_buffer();
  return Status();
}

uint64_t SpilledStrings::size() const noexcept { return impl_->count; }
uint64_t SpilledStrings::bytes_written() const noexcept { return impl_->written; }

Status SpilledStrings::get(uint64_t i, std::string& out) const {
  if (i >= impl_->count)
    return Status::out_of_range("string " + std::to_string(i) + " of " +
                                std::to_string(impl_->count));
  uint64_t range[2] = {0, 0};
  if (i == 0) {
    NEARDUP_RETURN_IF_ERROR(impl_->offsets.read_at(0, &range[1], sizeof(uint64_t)));
  } else {
    NEARDUP_RETURN_IF_ERROR(
        impl_->offsets.read_at((i - 1) * sizeof(uint64_t), range, sizeof range));
  }
  if (range[1] < range[0]) return Status::internal("spilled string offsets out of order");
  out.resize(range[1] - range[0]);
  if (out.empty()) return Status();
  return impl_->bytes.read_at(range[0], out.data(), out.size());
}

// ----------------------------------------------------------------------------------------------
// SpillingNearDupClusterer

struct SpillingNearDupClusterer::Impl {
  Impl(NearDupOptions o, SpillOptions s, NearDupClusterer p)
      : options(std::move(o)),
        spill(std::move(s)),
        dir(spill.resolved_dir()),
        prep(std::move(p)),
        keyer(options.lsh_params()),
        bands(dir, static_cast<std::size_t>(spill.memory_bytes / 100 * 40), &sstats.bytes_written,
              &sstats.runs, &sstats.merge_passes),
        exact(dir, static_cast<std::size_t>(spill.memory_bytes / 100 * 5), &sstats.bytes_written,
              &sstats.runs, &sstats.merge_passes) {}

  NearDupOptions options;
  SpillOptions spill;
  std::string dir;
  NearDupClusterer prep;  // prepare() only
  LshIndex keyer;         // band keys of a PreparedDoc made by hand
  NearDupStats stats;
  SpillStats sstats;
  SpillProgress progress;
  BandSorter bands;
  ExactSorter exact;
  // Verification data: kShingles: each document's sorted set, located by `entries`
  // ({byte offset, count} per document); kSignature: one row of num_perm 32-bit values each.
  TempFile data, entries;
  uint64_t n = 0;
  std::vector<SketchedDoc> sketched;  // per document of the batch (reused)
  std::vector<uint32_t> canon;
  Status broken;
  bool finished = false;

  bool shingles() const { return options.verify == VerifyMode::kShingles; }
  uint32_t k() const { return options.similarity.minhash.num_perm; }

  Status read_set(uint32_t doc, std::vector<uint64_t>& out) const {
    uint64_t entry[2];
    NEARDUP_RETURN_IF_ERROR(entries.read_at(uint64_t{doc} * sizeof entry, entry, sizeof entry));
    out.resize(entry[1]);
    if (entry[1] == 0) return Status();
    return data.read_at(entry[0], out.data(), entry[1] * sizeof(uint64_t));
  }
  Status read_row(uint32_t doc, std::vector<uint32_t>& out) const {
    out.resize(k());
    return data.read_at(uint64_t{doc} * k() * sizeof(uint32_t), out.data(),
                        std::size_t{k()} * sizeof(uint32_t));
  }
  // The similarity of two documents as NearDupClusterer measures it (through their canons).
  Status similarity(uint32_t a, uint32_t b, double& out) const {
    a = canon[a];
    b = canon[b];
    if (a == b) {
      out = 1.0;
      return Status();
    }
    if (shingles()) {
      thread_local std::vector<uint64_t> sa, sb;
      NEARDUP_RETURN_IF_ERROR(read_set(a, sa));
      NEARDUP_RETURN_IF_ERROR(read_set(b, sb));
      out = jaccard_sorted(sa, sb);
    } else {
      thread_local std::vector<uint32_t> ra, rb;
      NEARDUP_RETURN_IF_ERROR(read_row(a, ra));
      NEARDUP_RETURN_IF_ERROR(read_row(b, rb));
      out = estimate_jaccard(std::span<const uint32_t>(ra), std::span<const uint32_t>(rb));
    }
    return Status();
  }
};

SpillingNearDupClusterer::SpillingNearDupClusterer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SpillingNearDupClusterer::SpillingNearDupClusterer(SpillingNearDupClusterer&&) noexcept = default;
SpillingNearDupClusterer& SpillingNearDupClusterer::operator=(SpillingNearDupClusterer&&) noexcept =
    default;
SpillingNearDupClusterer::~SpillingNearDupClusterer() = default;

Result<SpillingNearDupClusterer> SpillingNearDupClusterer::create(NearDupOptions options,
                                                                  SpillOptions spill) {
  if (options.linkage != Linkage::kComponents) {
    return Status::invalid_argument(
        "spilling to disk supports connected components only: representative linkage depends "
        "on the order of insertion and runs in memory");
  }
  NEARDUP_RETURN_IF_ERROR(spill.validate());
  Result<NearDupClusterer> prep = NearDupClusterer::create(options);
  if (!prep.ok()) return prep.status();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(spill), std::move(*prep));
  Result<TempFile> data = TempFile::create(impl->dir, &impl->sstats.bytes_written);
  if (!data.ok()) return data.status();
  impl->data = std::move(*data);
  if (impl->shingles()) {
    Result<TempFile> entries = TempFile::create(impl->dir, &impl->sstats.bytes_written, 256 << 10);
    if (!entries.ok()) return entries.status();
    impl->entries = std::move(*entries);
  }
  return SpillingNearDupClusterer(std::move(impl));
}

const NearDupOptions& SpillingNearDupClusterer::options() const noexcept { return impl_->options; }
uint64_t SpillingNearDupClusterer::documents() const noexcept { return impl_->n; }
void SpillingNearDupClusterer::set_progress(SpillProgress progress) {
  impl_->progress = std::move(progress);
}
const NearDupStats& SpillingNearDupClusterer::stats() const noexcept { return impl_->stats; }
const SpillStats& SpillingNearDupClusterer::spill_stats() const noexcept { return impl_->sstats; }

void SpillingNearDupClusterer::prepare(std::string_view text, PreparedDoc& out,
                                       Scratch& scratch) const {
  impl_->prep.prepare(text, out, scratch);
}

void SpillingNearDupClusterer::sketch(const PreparedDoc& doc, SketchedDoc& out) const {
  const Impl& m = *impl_;
  out.exact_key = doc.exact_key;
  out.text_bytes = doc.text_bytes;
  out.band_keys.clear();
  if (!doc.shingles.empty()) {
    if (doc.band_keys.size() == m.keyer.params().bands) {
      out.band_keys.assign(doc.band_keys.begin(), doc.band_keys.end());
    } else {
      out.band_keys.resize(m.keyer.params().bands);
      m.keyer.band_keys(doc.signature, out.band_keys);
    }
  }
  if (m.shingles()) {
    // Sorted and deduplicated, as the in-memory clusterer sorts a set before it compares.
    out.set.assign(doc.shingles.begin(), doc.shingles.end());
    std::sort(out.set.begin(), out.set.end());
    out.set.erase(std::unique(out.set.begin(), out.set.end()), out.set.end());
    out.signature32.clear();
  } else {
    out.set.clear();
    out.signature32.resize(m.k());
    to_signature32(doc.signature, out.signature32);
  }
}

Status SpillingNearDupClusterer::add_batch(std::span<const PreparedDoc> docs,
                                           const ParallelRunner& run) {
  Impl& m = *impl_;
  if (!m.broken.ok()) return m.broken;
  const auto t0 = std::chrono::steady_clock::now();
  if (m.sketched.size() < docs.size()) m.sketched.resize(docs.size());
  run_parallel(run, docs.size(), [&](std::size_t i, unsigned) { sketch(docs[i], m.sketched[i]); });
  const double sketch_seconds = seconds_since(t0);
  Status st = add_sketched(std::span<const SketchedDoc>(m.sketched.data(), docs.size()));
  m.sstats.add_seconds += sketch_seconds;
  return st;
}

Status SpillingNearDupClusterer::add_sketched(std::span<const SketchedDoc> docs) {
  Impl& m = *impl_;
  if (!m.broken.ok()) return m.broken;
  if (m.finished) return Status::invalid_argument("add after finish");
  const auto t0 = std::chrono::steady_clock::now();
  const std::size_t n = docs.size();
  if (m.n + n >= UINT32_MAX) {
    return Status::out_of_range("more than 4294967294 documents in one clustering");
  }
  const uint32_t bands = m.keyer.params().bands;
  for (const SketchedDoc& doc : docs) {  // all checked before any is added
    const bool shape = (doc.band_keys.empty() || doc.band_keys.size() == bands) &&
                       (m.shingles() ? doc.signature32.empty()
                                     : doc.set.empty() && doc.signature32.size() == m.k());
    if (!shape) {
      return Status::invalid_argument(
          "a sketched document does not match the clusterer's options (bands, signature "
          "size or verification mode)");
    }
  }
  Status st;
  for (std::size_t i = 0; i < n && st.ok(); ++i) {
    const SketchedDoc& doc = docs[i];
    const auto id = static_cast<uint32_t>(m.n + i);
    st = m.exact.add(ExactRecord{doc.exact_key.high, doc.exact_key.low, id, 0});
    for (uint32_t b = 0; b < doc.band_keys.size() && st.ok(); ++b) {
      st = m.bands.add(BandRecord{doc.band_keys[b], b, id});
    }
    if (!st.ok()) break;
    if (m.shingles()) {
      const uint64_t entry[2] = {m.data.size(), doc.set.size()};
      st = m.entries.append(entry, sizeof entry);
      if (st.ok()) st = m.data.append(doc.set.data(), doc.set.size() * sizeof(uint64_t));
    } else {
      st = m.data.append(doc.signature32.data(), doc.signature32.size() * sizeof(uint32_t));
    }
  }
  if (!st.ok()) {
    m.broken = st;
    return st;
  }
  m.n += n;
  m.stats.documents += n;
  m.sstats.add_seconds += seconds_since(t0);
  return Status();
}

Status SpillingNearDupClusterer::finish(std::span<const double> priority,
                                        const AssignmentSink& sink, const ParallelRunner& run) {
  Impl& m = *impl_;
  if (!m.broken.ok()) return m.broken;
  if (m.finished) return Status::invalid_argument("finish called twice");
  m.finished = true;
  const auto n = static_cast<uint32_t>(m.n);
  const bool by_priority = priority.size() == n && n > 0;
  // Per-document arrays: canon and union-find (and the best member of each cluster).
  const uint64_t per_doc = by_priority ? 12 : 8;
  if (uint64_t{n} * per_doc > m.spill.memory_bytes / 4 * 3) {
    m.broken = too_small(m.spill.memory_bytes, n, per_doc);
    return m.broken;
  }
  std::vector<SketchedDoc>().swap(m.sketched);
  // The sorters' buffers go (to disk, when they spilled) before the per-document arrays come.
  NEARDUP_RETURN_IF_ERROR(m.bands.seal());
  NEARDUP_RETURN_IF_ERROR(m.exact.seal());
  NEARDUP_RETURN_IF_ERROR(m.data.flush());
  m.data.release_buffer();
  if (m.shingles()) {
    NEARDUP_RETURN_IF_ERROR(m.entries.flush());
    m.entries.release_buffer();
  }
  const std::size_t budget = merge_budget(m.spill.memory_bytes, uint64_t{n} * per_doc);

  // Exact copies: canon = the first document with the same normalized text.
  auto t0 = std::chrono::steady_clock::now();
  m.canon.resize(n);
  std::iota(m.canon.begin(), m.canon.end(), 0u);
  UnionFind uf(n);
  NEARDUP_RETURN_IF_ERROR(
      merge_exact(m.exact, budget, m.progress, [&](uint32_t first, uint32_t doc) {
        m.canon[doc] = first;
        uf.unite(first, doc);
        ++m.stats.exact_duplicates;
      }));
  m.sstats.exact_seconds = seconds_since(t0);

  // Candidates: the canonical documents of each bucket, pairwise, verified in parallel in
  // batches unless union-find joins them already; verified pairs are united in order.
  t0 = std::chrono::steady_clock::now();
  NEARDUP_RETURN_IF_ERROR(m.bands.finish(budget));
  const double threshold = m.options.similarity.threshold;
  constexpr std::size_t kPairBatch = std::size_t{1} << 15;
  std::vector<std::pair<uint32_t, uint32_t>> pairs;
  std::vector<double> sims;
  std::vector<Status> errors;
  Status st;
  const auto verify = [&]() {
    // A pair whose documents share several bands comes once per band.
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    sims.assign(pairs.size(), 0.0);
    run_parallel(run, pairs.size(), [&](std::size_t i, unsigned) {
      Status s = m.similarity(pairs[i].first, pairs[i].second, sims[i]);
      if (!s.ok()) sims[i] = std::nan("");
    });
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      if (std::isnan(sims[i])) {
        // Read the pair again serially for the error message.
        double unused = 0;
        st = m.similarity(pairs[i].first, pairs[i].second, unused);
        if (st.ok()) st = Status::io_error("a temporary file could not be read");
        return;
      }
      ++m.stats.candidates;
      if (sims[i] >= threshold) {
        ++m.stats.verified;
        uf.unite(pairs[i].first, pairs[i].second);
      } else {
        ++m.stats.rejected;
      }
    }
    pairs.clear();
  };
  std::vector<uint32_t> group;
  BandRecord r{}, prev{};
  bool have = false, more = true;
  const uint64_t band_total = m.bands.size();
  uint64_t band_done = 0;
  while (more && st.ok()) {
    more = m.bands.next(r);
    if (more && ++band_done % kProgressEvery == 0) {
      report(m.progress, "band keys", band_done, band_total);
    }
    const bool same = more && have && r.band == prev.band && r.key == prev.key;
    if (!same) {
      // The bucket that ended: every pair of its canonical documents.
      for (std::size_t j = 1; j < group.size() && st.ok(); ++j) {
        for (std::size_t i = 0; i < j; ++i) {
          if (uf.find(group[i]) == uf.find(group[j])) {
            ++m.stats.skipped_linked;
            continue;
          }
          pairs.emplace_back(group[i], group[j]);
          if (pairs.size() == kPairBatch) {
            verify();
            if (!st.ok()) break;
          }
        }
      }
      group.clear();
    }
    if (more && m.canon[r.doc] == r.doc) group.push_back(r.doc);
    prev = r;
    have = more;
  }
  NEARDUP_RETURN_IF_ERROR(m.bands.status());
  if (st.ok() && !pairs.empty()) verify();
  if (!st.ok()) {
    m.broken = st;
    return st;
  }
  report(m.progress, "band keys", band_total, band_total);
  m.sstats.link_seconds = seconds_since(t0);

  // Assignments in document order, in blocks: clusters and representatives serially (union-
  // find is not thread-safe), similarities in parallel, then the sink in order.
  t0 = std::chrono::steady_clock::now();
  std::vector<uint32_t> best;
  if (by_priority) {
    best.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      const uint32_t root = uf.find(i);
      if (root == i) best[i] = i;  // the root is the smallest member: seen first
      if (priority[i] > priority[best[root]]) best[root] = i;
    }
  }
  constexpr uint32_t kBlock = 1u << 16;
  std::vector<Assignment> block;
  std::vector<uint8_t> failed;
  for (uint32_t begin = 0; begin < n; begin += kBlock) {
    const uint32_t end = std::min<uint32_t>(n, begin + kBlock);
    block.resize(end - begin);
    for (uint32_t i = begin; i < end; ++i) {
      Assignment& a = block[i - begin];
      a.cluster = uf.find(i);
      a.representative = by_priority ? best[a.cluster] : a.cluster;
      a.similarity = 1.0;
    }
    failed.assign(block.size(), 0);
    run_parallel(run, block.size(), [&](std::size_t j, unsigned) {
      Assignment& a = block[j];
      const auto i = static_cast<uint32_t>(begin + j);
      if (a.representative != i && !m.similarity(i, a.representative, a.similarity).ok()) {
        failed[j] = 1;
      }
    });
    if (begin > 0 && begin % (kBlock * 16) == 0) report(m.progress, "assignments", begin, n);
    for (std::size_t j = 0; j < block.size(); ++j) {
      const auto i = static_cast<uint32_t>(begin + j);
      if (failed[j] != 0) {
        Status s = m.similarity(i, block[j].representative, block[j].similarity);
        m.broken = s.ok() ? Status::io_error("a temporary file could not be read") : s;
        return m.broken;
      }
      if (Status s = sink(i, block[j]); !s.ok()) {
        m.broken = s;
        return s;
      }
    }
  }
  report(m.progress, "assignments", n, n);
  m.sstats.assign_seconds = seconds_since(t0);
  return Status();
}

// ----------------------------------------------------------------------------------------------
// SpillingExactClusterer

struct SpillingExactClusterer::Impl {
  Impl(ExactOptions o, SpillOptions s)
      : prep(o),
        spill(std::move(s)),
        dir(spill.resolved_dir()),
        exact(dir, static_cast<std::size_t>(spill.memory_bytes / 2), &sstats.bytes_written,
              &sstats.runs, &sstats.merge_passes) {}
  ExactClusterer prep;
  SpillOptions spill;
  std::string dir;
  SpillStats sstats;
  SpillProgress progress;
  ExactStats stats;
  ExactSorter exact;
  uint64_t n = 0;
  Status broken;
  bool finished = false;
};

SpillingExactClusterer::SpillingExactClusterer(std::unique_ptr<Impl> impl)
    : impl_(std::move(impl)) {}
SpillingExactClusterer::SpillingExactClusterer(SpillingExactClusterer&&) noexcept = default;
SpillingExactClusterer& SpillingExactClusterer::operator=(SpillingExactClusterer&&) noexcept =
    default;
SpillingExactClusterer::~SpillingExactClusterer() = default;

Result<SpillingExactClusterer> SpillingExactClusterer::create(ExactOptions options,
                                                              SpillOptions spill) {
  NEARDUP_RETURN_IF_ERROR(spill.validate());
  return SpillingExactClusterer(std::make_unique<Impl>(options, std::move(spill)));
}

void SpillingExactClusterer::prepare(std::string_view text, PreparedExact& out,
                                     Scratch& scratch) const {
  impl_->prep.prepare(text, out, scratch);
}

uint64_t SpillingExactClusterer::documents() const noexcept { return impl_->n; }
void SpillingExactClusterer::set_progress(SpillProgress progress) {
  impl_->progress = std::move(progress);
}
const ExactStats& SpillingExactClusterer::stats() const noexcept { return impl_->stats; }
const SpillStats& SpillingExactClusterer::spill_stats() const noexcept { return impl_->sstats; }

Status SpillingExactClusterer::add_batch(std::span<const PreparedExact> docs) {
  Impl& m = *impl_;
  if (!m.broken.ok()) return m.broken;
  if (m.finished) return Status::invalid_argument("add_batch after finish");
  if (m.n + docs.size() >= UINT32_MAX) {
    return Status::out_of_range("more than 4294967294 documents in one clustering");
  }
  const auto t0 = std::chrono::steady_clock::now();
  for (const PreparedExact& d : docs) {
    Status st = m.exact.add(ExactRecord{d.key.high, d.key.low, static_cast<uint32_t>(m.n), 0});
    if (!st.ok()) {
      m.broken = st;
      return st;
    }
    ++m.n;
    if (d.empty) ++m.stats.empty;
  }
  m.sstats.add_seconds += seconds_since(t0);
  return Status();
}

Status SpillingExactClusterer::finish(const AssignmentSink& sink) {
  Impl& m = *impl_;
  if (!m.broken.ok()) return m.broken;
  if (m.finished) return Status::invalid_argument("finish called twice");
  m.finished = true;
  const auto n = static_cast<uint32_t>(m.n);
  if (uint64_t{n} * 4 > m.spill.memory_bytes / 4 * 3) {
    m.broken = too_small(m.spill.memory_bytes, n, 4);
    return m.broken;
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<uint32_t> canon(n);
  std::iota(canon.begin(), canon.end(), 0u);
  m.stats.documents = n;
  m.stats.duplicates = 0;
  NEARDUP_RETURN_IF_ERROR(merge_exact(m.exact, merge_budget(m.spill.memory_bytes, uint64_t{n} * 4),
                                      m.progress, [&](uint32_t first, uint32_t doc) {
                                        canon[doc] = first;
                                        ++m.stats.duplicates;
                                      }));
  m.stats.clusters = n - m.stats.duplicates;
  m.sstats.exact_seconds = seconds_since(t0);
  t0 = std::chrono::steady_clock::now();
  for (uint32_t i = 0; i < n; ++i) {
    const Assignment a{canon[i], canon[i], 1.0};
    NEARDUP_RETURN_IF_ERROR(sink(i, a));
  }
  report(m.progress, "assignments", n, n);
  m.sstats.assign_seconds = seconds_since(t0);
  return Status();
}

}  // namespace neardup
