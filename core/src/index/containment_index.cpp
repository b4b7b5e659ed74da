// ContainmentIndex: the persistent-index skeleton (persistent_index.h) with a containment kind:
// exact shingle sets, 32-bit MinHash signatures and LSH Ensemble probing (the algorithm and its
// guarantees are in neardup/advanced/containment_index.h; the probing code is shared with the
// batch search, containment/lsh_ensemble.h).
#include "neardup/advanced/containment_index.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <iterator>
#include <new>
#include <optional>
#include <span>
#include <utility>

#include "containment/lsh_ensemble.h"
#include "detail/binary_io.h"
#include "index/index_file.h"
#include "index/index_support.h"
#include "index/persistent_index.h"
#include "neardup/advanced/minhash.h"

namespace neardup {

namespace detail {

namespace {

// The rows per band the index keeps tables for (every num_perm / r bands of each): a probe uses
// the best of these (the batch search, which builds its tables per query set, may use any r in
// 1..8). Powers of two keep the tables at 1.875 num_perm entries per document.
constexpr uint32_t kIndexRows[] = {1, 2, 4, 8};
constexpr uint32_t kRowsMask = (1u << 1) | (1u << 2) | (1u << 4) | (1u << 8);
constexpr std::size_t kRowChoices = std::size(kIndexRows);
// Size classes: a set of n >= 1 shingles is in class bit_width(n) - 1.
constexpr std::size_t kClasses = 64;
constexpr uint32_t kNoEntry = 0xFFFFFFFFu;
// Set storage grows in chunks of 32 KiB doubling up to 8 MiB (a set larger than that gets its own
// chunk), so neither a small index nor a large one wastes much; signatures in chunks of 1024.
constexpr std::size_t kFirstChunkShingles = std::size_t{1} << 12;
constexpr std::size_t kMaxChunkShingles = std::size_t{1} << 20;
constexpr std::size_t kSigChunkDocs = 1024;

constexpr uint32_t kTagContainmentSignatures = 3;
constexpr uint32_t kTagSetSizes = 4;
constexpr uint32_t kTagShingles = 5;

std::size_t size_class(std::size_t n) noexcept {
  return static_cast<std::size_t>(std::bit_width(n)) - 1;
}

}  // namespace

struct ContainmentSketch {
  std::span<const uint64_t> shingles;  // sorted, distinct
  std::span<const uint32_t> signature;
};

class ContainmentKind {
 public:
  using Options = ContainmentIndexOptions;
  using Value = ContainmentSketch;

  struct Scratch {
    std::unique_ptr<ShingleHasher> shingler;
    std::vector<uint64_t> shingles;
    std::vector<uint32_t> signature;
    std::vector<uint64_t> hashes;  // per band entry: the entry hash (bucket and key)
    std::vector<uint32_t> candidates;
    std::array<std::array<uint32_t, kClasses>, kRowChoices> need{};  // bands per (r, class)
    struct Scored {
      double score;
      uint32_t inter, doc;
    };
    std::vector<Scored> scored;
    std::vector<std::pair<uint32_t, uint32_t>> found;  // (|Q ∩ M|, doc), best first
    std::size_t query_size = 0;
  };

  static constexpr FileFormat kFormat = {.magic = kContainmentIndexMagic,
                                         .version = 1,
                                         .kind = 3,  // containment
                                         .field3_reserved = true,
                                         .name = "containment index",
                                         .noun = "containment index",
                                         .max_count = kMaxIndexDocuments,
                                         .counted = "documents"};

  explicit ContainmentKind(ContainmentIndexOptions options)
      : options_(std::move(options)),
        hasher_(MinHashParams{MinHashScheme::kPermutations, options_.num_perm, options_.seed}),
        num_perm_(options_.num_perm) {
    for (std::size_t ri = 0; ri < kRowChoices; ++ri) {
      first_entry_[ri] = entries_;
      bands_[ri] = kIndexRows[ri] <= num_perm_ ? num_perm_ / kIndexRows[ri] : 0;
      entries_ += bands_[ri];
    }
    head_shift_ = static_cast<unsigned>(std::bit_width(entries_)) - 1;
    heads_.assign(std::size_t{1} << (table_bits_ + head_shift_), kNoEntry);
    part_min_.fill(0);
    part_max_.fill(0);
    part_count_.fill(0);
  }

  const ContainmentIndexOptions& options() const noexcept { return options_; }
  uint32_t entries() const noexcept { return entries_; }
  const PipelineOptions& pipeline() const noexcept { return options_.pipeline; }

  Status check(const Value& v) const {
    if (v.signature.size() != num_perm_) {
      return Status::invalid_argument("signature has " + std::to_string(v.signature.size()) +
                                      " slots, the index uses " + std::to_string(num_perm_));
    }
    for (std::size_t i = 1; i < v.shingles.size(); ++i) {
      if (!(v.shingles[i - 1] < v.shingles[i])) {
        return Status::invalid_argument("shingle set is not sorted and distinct");
      }
    }
    return Status();
  }

  Value sketch(std::string_view text, Scratch& s) const {
    const std::span<const uint64_t> h = s.shingler->hash(text);
    s.shingles.assign(h.begin(), h.end());
    std::sort(s.shingles.begin(), s.shingles.end());
    s.shingles.erase(std::unique(s.shingles.begin(), s.shingles.end()), s.shingles.end());
    s.signature.resize(num_perm_);
    hasher_.sign32(s.shingles, s.signature);
    return Value{s.shingles, s.signature};
  }

  // The hash of band entry e (bucket in the high bits, the stored key in the low 32).
  uint64_t entry_hash(const uint32_t* sig, uint32_t e) const noexcept {
    std::size_t ri = 0;
    while (ri + 1 < kRowChoices && e >= first_entry_[ri + 1]) ++ri;
    const uint64_t h = ensemble_band_key(sig, e - first_entry_[ri], kIndexRows[ri]);
    return ensemble_mix64(h ^ (0xD6E8FEB86659FD93ULL * (e + 1)));
  }

  void prepare(const Value& v, Scratch& s) const {
    s.query_size = v.shingles.size();
    s.hashes.resize(entries_);
    for (uint32_t e = 0; e < entries_; ++e) s.hashes[e] = entry_hash(v.signature.data(), e);
  }

  // Candidates by LSH Ensemble probing, verified exactly; the best `max_results` into s.found.
  Status find_locked(const Value& v, Scratch& s, std::size_t max_results, const DocTable& d) const {
    s.candidates.clear();
    s.found.clear();
    s.scored.clear();
    const std::size_t q = v.shingles.size();
    if (max_results == 0 || d.docs == 0 || q == 0) return Status();
    const double t = options_.threshold;
    const bool fwd = options_.direction != ContainmentDirection::kIndexedInQuery;
    const bool rev = options_.direction != ContainmentDirection::kQueryInIndexed;
    const auto qd = static_cast<double>(q);
    for (auto& row : s.need) row.fill(0);
    std::array<uint32_t, kRowChoices> max_bands{};
    const auto want = [&](std::size_t p, double s_star) {
      const EnsembleProbe probe =
          choose_ensemble_probe(s_star, num_perm_, options_.recall, kIndexRows);
      std::size_t ri = 0;
      while (kIndexRows[ri] != probe.rows) ++ri;
      s.need[ri][p] = std::max(s.need[ri][p], probe.bands);
      max_bands[ri] = std::max(max_bands[ri], probe.bands);
    };
    for (std::size_t p = 0; p < kClasses; ++p) {
      if (part_count_[p] == 0) continue;
      const auto lo = static_cast<double>(part_min_[p]);
      const auto hi = static_cast<double>(part_max_[p]);
      if (fwd && hi >= t * qd) want(p, contained_jaccard_floor(t, qd, hi));
      if (rev && t * lo <= qd) want(p, contained_jaccard_floor(t, lo, qd));
    }
    for (std::size_t ri = 0; ri < kRowChoices; ++ri) {
      for (uint32_t band = 0; band < max_bands[ri]; ++band) {
        const uint32_t e = first_entry_[ri] + band;
        const uint64_t h = s.hashes[e];
        const auto key = static_cast<uint32_t>(h);
        for (uint32_t id = heads_[bucket(h)]; id != kNoEntry; id = next_[id]) {
          if (id % entries_ != e || keys_[id] != key) continue;
          const uint32_t doc = id / entries_;
          if (band < s.need[ri][size_class(set_size_[doc])]) s.candidates.push_back(doc);
        }
      }
    }
    if (s.candidates.empty()) return Status();
    std::sort(s.candidates.begin(), s.candidates.end());
    s.candidates.erase(std::unique(s.candidates.begin(), s.candidates.end()), s.candidates.end());
    for (const uint32_t doc : s.candidates) {
      const auto m = static_cast<double>(set_size_[doc]);
      // The size filters the exact check implies, before the merge.
      const bool fwd_possible = fwd && m >= t * qd;
      const bool rev_possible = rev && t * m <= qd;
      if (!fwd_possible && !rev_possible) continue;
      const std::size_t inter = sorted_intersection_size(v.shingles, set(doc));
      const double qm = static_cast<double>(inter) / qd;  // the batch's containment(Q, M)
      const double mq = static_cast<double>(inter) / m;
      double score = -1.0;
      if (fwd_possible && qm >= t) score = qm;
      if (rev_possible && mq >= t) score = std::max(score, mq);
      if (score >= 0.0) s.scored.push_back({score, static_cast<uint32_t>(inter), doc});
    }
    const auto better = [](const Scratch::Scored& a, const Scratch::Scored& b) {
      return a.score != b.score ? a.score > b.score : a.doc < b.doc;
    };
    if (s.scored.size() > max_results) {
      std::partial_sort(s.scored.begin(),
                        s.scored.begin() + static_cast<std::ptrdiff_t>(max_results), s.scored.end(),
                        better);
      s.scored.resize(max_results);
    } else {
      std::sort(s.scored.begin(), s.scored.end(), better);
    }
    for (const auto& x : s.scored) s.found.emplace_back(x.inter, x.doc);
    return Status();
  }

  double similarity(uint32_t /*inter*/) const noexcept { return 0.0; }  // see annotate()
  // The exact containments of a found (|Q ∩ M|, M) and the larger qualifying one. Lock held.
  void annotate(IndexMatch& m, const std::pair<uint32_t, uint32_t>& found, const Scratch& s) const {
    const auto inter = static_cast<double>(found.first);
    m.query_in_match = inter / static_cast<double>(s.query_size);
    m.match_in_query = inter / static_cast<double>(set_size_[found.second]);
    const double t = options_.threshold;
    double best = 0.0;
    if (options_.direction != ContainmentDirection::kIndexedInQuery && m.query_in_match >= t) {
      best = m.query_in_match;
    }
    if (options_.direction != ContainmentDirection::kQueryInIndexed && m.match_in_query >= t) {
      best = std::max(best, m.match_in_query);
    }
    m.similarity = best;
  }

  static uint8_t flags_of(const Value& v) noexcept { return v.shingles.empty() ? kEmptyDoc : 0; }

  // Capacity for document `doc`'s fixed-size parts (throws std::bad_alloc, changing nothing but
  // capacity). Its shingles are placed by append().
  void make_room(std::size_t doc) {
    if (doc % kSigChunkDocs == 0 && doc / kSigChunkDocs == sig_chunks_.size()) {
      detail::make_room(sig_chunks_);
      sig_chunks_.push_back(std::make_unique<uint32_t[]>(kSigChunkDocs * num_perm_));
    }
    detail::make_room(set_at_);
    detail::make_room(set_size_);
    const std::size_t need = (doc + 1) * entries_;
    if (keys_.capacity() < need) {
      const std::size_t cap = std::max(need, keys_.capacity() * 2);
      keys_.reserve(cap);
      next_.reserve(cap);
    }
  }

  std::vector<uint32_t> prepare_rehash(unsigned bits) const {
    return std::vector<uint32_t>(std::size_t{1} << (bits + head_shift_), kNoEntry);
  }
  // Relinks every live, non-empty document's entries under the new heads. No allocation.
  void commit_rehash(std::vector<uint32_t> heads, unsigned bits, const DocTable& d) noexcept {
    table_bits_ = bits;
    heads_.swap(heads);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc) || d.is_empty(doc)) continue;
      const uint32_t* sig = signature(doc);
      for (uint32_t e = 0; e < entries_; ++e) link(doc, e, entry_hash(sig, e));
    }
  }

  // Stores document `doc` and links it. Fails (changing nothing) when the entry numbers would
  // overflow or its set cannot be placed.
  Status append(std::size_t doc, const Value& v, const Scratch& s) noexcept {
    if ((doc + 1) * std::size_t{entries_} >= kNoEntry) {
      return Status::out_of_range("containment index full: " + std::to_string(doc) +
                                  " documents at " + std::to_string(entries_) + " band entries");
    }
    const std::size_t n = v.shingles.size();
    uint64_t* dst = nullptr;
    try {
      dst = place(n);
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding document " + std::to_string(doc));
    }
    std::copy(v.shingles.begin(), v.shingles.end(), dst);
    set_at_.push_back(dst);
    set_size_.push_back(static_cast<uint32_t>(n));
    uint32_t* sig = sig_chunks_[doc / kSigChunkDocs].get() + (doc % kSigChunkDocs) * num_perm_;
    std::copy(v.signature.begin(), v.signature.end(), sig);
    for (uint32_t e = 0; e < entries_; ++e) {
      keys_.push_back(static_cast<uint32_t>(s.hashes[e]));
      next_.push_back(kNoEntry);
      if (n != 0) link(doc, e, s.hashes[e]);
    }
    if (n != 0) {
      const std::size_t p = size_class(n);
      if (part_count_[p] == 0 || n < part_min_[p]) part_min_[p] = n;
      part_max_[p] = std::max<std::size_t>(part_max_[p], n);
      ++part_count_[p];
    }
    return Status();
  }

  // Unlinks a removed document's entries. Its class keeps its size bounds (they only widen the
  // probes, never narrow them).
  void erase(uint32_t doc, const DocTable& d) noexcept {
    if (d.is_empty(doc)) return;
    const uint32_t* sig = signature(doc);
    for (uint32_t e = 0; e < entries_; ++e) {
      const uint32_t id = doc * entries_ + e;
      uint32_t* at = &heads_[bucket(entry_hash(sig, e))];
      while (*at != kNoEntry && *at != id) at = &next_[*at];
      if (*at == id) *at = next_[id];
    }
    --part_count_[size_class(set_size_[doc])];
  }

  void reserve(std::size_t documents) {
    sig_chunks_.reserve((documents + kSigChunkDocs - 1) / kSigChunkDocs);
    set_at_.reserve(documents);
    set_size_.reserve(documents);
    keys_.reserve(documents * entries_);
    next_.reserve(documents * entries_);
  }

  std::size_t memory_bytes() const noexcept {
    std::size_t m = sig_chunks_.size() * kSigChunkDocs * num_perm_ * sizeof(uint32_t) +
                    vector_bytes(sig_chunks_) + vector_bytes(set_at_) + vector_bytes(set_size_) +
                    vector_bytes(keys_) + vector_bytes(next_) + vector_bytes(heads_) +
                    vector_bytes(chunks_);
    for (const Chunk& c : chunks_) m += c.capacity * sizeof(uint64_t);
    return m;
  }

  // --- file ---------------------------------------------------------------------------------

  std::size_t doc_bytes() const noexcept { return 4 * std::size_t{num_perm_} + 4; }

  void put_options(std::string& out) const {
    put_pipeline(out, options_.pipeline);
    put_u32(out, num_perm_);
    put_u32(out, static_cast<uint32_t>(options_.direction));
    put_u64(out, options_.seed);
    put_u64(out, std::bit_cast<uint64_t>(options_.threshold));
    put_u64(out, std::bit_cast<uint64_t>(options_.recall));
    put_u32(out, kRowsMask);
    put_u32(out, 0);
  }

  void put_sketches(std::string& out, const DocTable& d, std::size_t count) const {
    put_array_head(out, kTagContainmentSignatures, count, num_perm_, 4);
    std::size_t total = 0;
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc)) continue;
      for (uint32_t i = 0; i < num_perm_; ++i) put_u32(out, signature(doc)[i]);
      total += set_size_[doc];
    }
    pad8(out);
    put_array_head(out, kTagSetSizes, count, 1, 4);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (d.is_live(doc)) put_u32(out, set_size_[doc]);
    }
    pad8(out);
    out.reserve(out.size() + 8 * total + 64);
    put_array_head(out, kTagShingles, total, 1, 8);
    for (std::size_t doc = 0; doc < d.docs; ++doc) {
      if (!d.is_live(doc)) continue;
      for (const uint64_t h : set(doc)) put_u64(out, h);
    }
    pad8(out);
  }

  FileHeader file_header(std::size_t count) const noexcept {
    return FileHeader{
        {num_perm_, static_cast<uint32_t>(options_.direction), 0, 0}, options_.seed, count};
  }

  struct Stored {
    ContainmentIndexOptions options;
  };

  static Result<Stored> read_options(const char* p, const FileHeader& header,
                                     const std::string& path) {
    const auto corrupt = [&path](const std::string& what) {
      return Status::corrupt_data(path + ": " + what);
    };
    const std::optional<PipelineOptions> pipeline = get_pipeline(p);
    const uint32_t direction = get_u32(p + 28);
    if (!pipeline || direction > 2) {
      return corrupt("invalid options (unknown shingle kind, flag or direction)");
    }
    Stored stored;
    ContainmentIndexOptions& o = stored.options;
    o.pipeline = *pipeline;
    o.num_perm = get_u32(p + 24);
    o.direction = static_cast<ContainmentDirection>(direction);
    o.seed = get_u64(p + 32);
    o.threshold = std::bit_cast<double>(get_u64(p + 40));
    o.recall = std::bit_cast<double>(get_u64(p + 48));
    if (Status st = o.validate(); !st.ok()) return corrupt("invalid options: " + st.message());
    if (o.num_perm != header.fields32[0] || direction != header.fields32[1] ||
        header.fields32[2] != 0 || o.seed != header.field64) {
      return corrupt("inconsistent header: num_perm/direction/seed differ from the stored options");
    }
    return stored;
  }

  // The signatures, set sizes and shingles, checked against the count and each other;
  // value(d) copies document d (called for d = 0, 1, 2, ... in order).
  class Sketches {
   public:
    Sketches(std::string_view sigs, std::string_view sizes, std::string_view shingles,
             uint32_t num_perm)
        : sigs_(sigs), sizes_(sizes), shingles_(shingles), num_perm_(num_perm) {}
    Value value(uint64_t d) {
      sig_.resize(num_perm_);
      const char* src = sigs_.data() + 4 * d * num_perm_;
      for (uint32_t i = 0; i < num_perm_; ++i) sig_[i] = get_u32(src + 4 * i);
      const uint32_t n = get_u32(sizes_.data() + 4 * d);
      set_.resize(n);
      for (uint32_t i = 0; i < n; ++i) set_[i] = get_u64(shingles_.data() + 8 * (pos_ + i));
      pos_ += n;
      return Value{set_, sig_};
    }

   private:
    std::string_view sigs_, sizes_, shingles_;
    uint32_t num_perm_;
    uint64_t pos_ = 0;
    std::vector<uint32_t> sig_;
    std::vector<uint64_t> set_;
  };

  static Result<Sketches> read_sketches(SectionReader& sections, const Stored& stored,
                                        uint64_t count, const std::string& path) {
    const uint32_t num_perm = stored.options.num_perm;
    Result<std::string_view> sigs =
        sections.next_array(kTagContainmentSignatures, "signatures", count, num_perm, 4,
                            std::to_string(num_perm) + " slots");
    if (!sigs.ok()) return sigs.status();
    Result<std::string_view> sizes =
        sections.next_array(kTagSetSizes, "set sizes", count, 1, 4, "one u32");
    if (!sizes.ok()) return sizes.status();
    uint64_t total = 0;
    for (uint64_t d = 0; d < count; ++d) total += get_u32(sizes->data() + 4 * d);
    Result<std::string_view> shingles =
        sections.next_array(kTagShingles, "shingles", total, 1, 8, "one u64");
    if (!shingles.ok()) return shingles.status();
    // Every set sorted and distinct (verification merges them).
    uint64_t pos = 0;
    for (uint64_t d = 0; d < count; ++d) {
      const uint32_t n = get_u32(sizes->data() + 4 * d);
      for (uint32_t i = 1; i < n; ++i) {
        if (!(get_u64(shingles->data() + 8 * (pos + i - 1)) <
              get_u64(shingles->data() + 8 * (pos + i)))) {
          return Status::corrupt_data(path + ": the shingle set of document " + std::to_string(d) +
                                      " is not sorted");
        }
      }
      pos += n;
    }
    return Sketches(*sigs, *sizes, *shingles, num_perm);
  }

  static Result<ContainmentKind> create(const Stored& stored, const std::string& /*path*/) {
    return ContainmentKind(stored.options);
  }

 private:
  struct Chunk {
    std::unique_ptr<uint64_t[]> data;
    std::size_t capacity = 0, used = 0;
  };

  // Room for n shingles in the set storage (a new chunk when the last is full; a set larger
  // than a chunk gets its own). Throws std::bad_alloc, changing nothing.
  uint64_t* place(std::size_t n) {
    if (chunks_.empty() || chunks_.back().capacity - chunks_.back().used < n) {
      const std::size_t grown = kFirstChunkShingles << std::min<std::size_t>(chunks_.size(), 8);
      const std::size_t cap = std::max(n, std::min(grown, kMaxChunkShingles));
      detail::make_room(chunks_);
      chunks_.push_back(Chunk{std::make_unique<uint64_t[]>(cap), cap, 0});
    }
    Chunk& c = chunks_.back();
    uint64_t* at = c.data.get() + c.used;
    c.used += n;
    return at;
  }

  std::span<const uint64_t> set(std::size_t doc) const noexcept {
    return {set_at_[doc], set_size_[doc]};
  }
  const uint32_t* signature(std::size_t doc) const noexcept {
    return sig_chunks_[doc / kSigChunkDocs].get() + (doc % kSigChunkDocs) * num_perm_;
  }
  std::size_t bucket(uint64_t h) const noexcept {
    return static_cast<std::size_t>(h >> (64 - table_bits_ - head_shift_));
  }
  void link(std::size_t doc, uint32_t e, uint64_t h) noexcept {
    const auto id = static_cast<uint32_t>(doc * entries_ + e);
    const std::size_t b = bucket(h);
    next_[id] = heads_[b];
    heads_[b] = id;
  }

  ContainmentIndexOptions options_;
  MinHasher hasher_;
  uint32_t num_perm_ = 0;
  uint32_t entries_ = 0;  // band entries per document
  std::array<uint32_t, kRowChoices> first_entry_{};
  std::array<uint32_t, kRowChoices> bands_{};
  unsigned head_shift_ = 0;
  // Guarded by the index's lock:
  unsigned table_bits_ = DocTable::kMinTableBits;  // as the id table's
  std::vector<uint32_t> heads_;                    // 2^(table_bits + head_shift) chains
  std::vector<uint32_t> keys_, next_;              // per entry doc * entries + e
  std::vector<std::unique_ptr<uint32_t[]>> sig_chunks_;
  std::vector<Chunk> chunks_;
  std::vector<const uint64_t*> set_at_;
  std::vector<uint32_t> set_size_;
  std::array<std::size_t, kClasses> part_min_{}, part_max_{}, part_count_{};
};

}  // namespace detail

// --- options ----------------------------------------------------------------------------------

std::string_view containment_direction_name(ContainmentDirection d) noexcept {
  switch (d) {
    case ContainmentDirection::kQueryInIndexed:
      return "query-in-indexed";
    case ContainmentDirection::kIndexedInQuery:
      return "indexed-in-query";
    case ContainmentDirection::kEither:
      return "either";
  }
  return "unknown";
}

Result<ContainmentDirection> parse_containment_direction(std::string_view name) {
  if (name == "query-in-indexed") return ContainmentDirection::kQueryInIndexed;
  if (name == "indexed-in-query") return ContainmentDirection::kIndexedInQuery;
  if (name == "either") return ContainmentDirection::kEither;
  return Status::invalid_argument("unknown containment direction '" + std::string(name) +
                                  "' (query-in-indexed, indexed-in-query, either)");
}

Status ContainmentIndexOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(pipeline.validate());
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return Status::invalid_argument("containment threshold must be in (0, 1], got " +
                                    std::to_string(threshold));
  }
  if (num_perm == 0 || num_perm > 1024) {
    return Status::out_of_range("containment num_perm must be 1..1024, got " +
                                std::to_string(num_perm));
  }
  if (!(recall > 0.0 && recall < 1.0)) {
    return Status::invalid_argument("containment recall must be in (0, 1), got " +
                                    std::to_string(recall));
  }
  if (static_cast<unsigned>(direction) > 2) {
    return Status::invalid_argument("unknown containment direction " +
                                    std::to_string(static_cast<unsigned>(direction)));
  }
  return Status();
}

// --- public API -------------------------------------------------------------------------------

struct ContainmentIndex::State : detail::PersistentIndex<detail::ContainmentKind> {
  using PersistentIndex::PersistentIndex;
};

ContainmentIndex::ContainmentIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
ContainmentIndex::ContainmentIndex(ContainmentIndex&&) noexcept = default;
ContainmentIndex& ContainmentIndex::operator=(ContainmentIndex&&) noexcept = default;
ContainmentIndex::~ContainmentIndex() = default;

Result<ContainmentIndex> ContainmentIndex::create(ContainmentIndexOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  try {
    return ContainmentIndex(std::make_unique<State>(detail::ContainmentKind(std::move(options))));
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("out of memory creating the containment index");
  }
}

const ContainmentIndexOptions& ContainmentIndex::options() const noexcept {
  return state_->kind().options();
}
uint32_t ContainmentIndex::band_entries() const noexcept { return state_->kind().entries(); }
std::size_t ContainmentIndex::size() const { return state_->size(); }
std::size_t ContainmentIndex::memory_bytes() const { return state_->memory_bytes(); }
void ContainmentIndex::reserve(std::size_t documents) { state_->reserve(documents); }

Status ContainmentIndex::add(std::string_view id, std::string_view text) {
  return state_->add(id, text);
}
Result<std::vector<IndexMatch>> ContainmentIndex::query(std::string_view text,
                                                        std::size_t max_results) const {
  return state_->query(text, max_results);
}
Result<AddIfNewResult> ContainmentIndex::add_if_new(std::string_view id, std::string_view text) {
  return state_->add_if_new(id, text);
}
Result<std::size_t> ContainmentIndex::remove(std::string_view id) { return state_->remove(id); }
bool ContainmentIndex::contains(std::string_view id) const { return state_->contains(id); }

void ContainmentIndex::prepare(std::string_view text, PreparedPage& out) const {
  const State& s = *state_;
  State::Lease scratch(s);
  const detail::ContainmentSketch v = s.kind().sketch(text, *scratch);
  out.shingles.assign(v.shingles.begin(), v.shingles.end());
  out.signature.assign(v.signature.begin(), v.signature.end());
}

namespace {
detail::ContainmentSketch sketch_of(const ContainmentIndex::PreparedPage& page) {
  return detail::ContainmentSketch{page.shingles, page.signature};
}
}  // namespace

Status ContainmentIndex::add_prepared(std::string_view id, const PreparedPage& page) {
  return state_->add_value(id, sketch_of(page));
}
Result<std::vector<IndexMatch>> ContainmentIndex::query_prepared(const PreparedPage& page,
                                                                 std::size_t max_results) const {
  return state_->query_value(sketch_of(page), max_results);
}
Result<AddIfNewResult> ContainmentIndex::add_if_new_prepared(std::string_view id,
                                                             const PreparedPage& page) {
  return state_->add_if_new_value(id, sketch_of(page));
}

std::string ContainmentIndex::serialize() const { return state_->serialize(); }
Status ContainmentIndex::save(const std::string& path) const { return state_->save(path); }

Result<ContainmentIndex> ContainmentIndex::load(const std::string& path) {
  Result<std::string> bytes = detail::read_whole_file(path);
  if (!bytes.ok()) return bytes.status();
  return deserialize(*bytes, path);
}

Result<ContainmentIndex> ContainmentIndex::deserialize(std::string_view file,
                                                       const std::string& path) {
  Result<std::unique_ptr<State>> state = State::deserialize<State>(file, path);
  if (!state.ok()) return state.status();
  return ContainmentIndex(std::move(*state));
}

}  // namespace neardup
