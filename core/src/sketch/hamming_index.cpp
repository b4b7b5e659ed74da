#include "neardup/advanced/hamming_index.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <new>
#include <shared_mutex>
#include <utility>

#include "detail/binary_io.h"
#include "index/index_file.h"
#include "kernels/simhash_kernels.h"
#include "neardup/advanced/parallel.h"

namespace neardup {

namespace {

using detail::get_u32;
using detail::get_u64;
using detail::put_u32;
using detail::put_u64;

// The header's fields: bits, max distance, blocks, tables; expected size.
constexpr detail::FileFormat kFormat = {.magic = detail::kHammingIndexMagic,
                                        .version = kHammingIndexFormatVersion,
                                        .kind = 2,  // Hamming
                                        .field3_reserved = false,
                                        .name = "Hamming index",
                                        .noun = "Hamming index",
                                        .max_count = kMaxHammingFingerprints,
                                        .counted = "fingerprints"};
constexpr uint32_t kTagParams = 1;
constexpr uint32_t kTagFingerprints = 2;
constexpr std::size_t kParamsBytes = 24;
constexpr uint32_t kNone = 0xFFFFFFFFu;
constexpr unsigned kMinTableBits = 4;

// C(n, k), saturating at UINT32_MAX.
uint32_t binomial(uint32_t n, uint32_t k) noexcept {
  if (k > n) return 0;
  k = std::min(k, n - k);
  uint64_t r = 1;
  for (uint32_t i = 0; i < k; ++i) {
    // r * (n - i) / (i + 1) is exact: r * (n - i) is divisible by i + 1 (it is C(n, i+1) * (i+1)).
    r = r * (n - i) / (i + 1);
    if (r > UINT32_MAX) return UINT32_MAX;
  }
  return static_cast<uint32_t>(r);
}

uint32_t derive_blocks(uint32_t bits, uint32_t k, uint64_t expected) noexcept {
  const double n = static_cast<double>(std::max<uint64_t>(expected, 1));
  uint32_t best = k + 1;
  double best_cost = -1;
  for (uint32_t b = k + 1; b <= bits && b <= k + 64; ++b) {
    const uint32_t t = binomial(b, k);
    if (t > kMaxHammingTables) break;  // C(b, k) grows with b
    // The smallest key: the b - k smallest blocks, each at least floor(bits / b) bits.
    const double key_bits = static_cast<double>((b - k) * (bits / b));
    const double cost =
        static_cast<double>(t) * (2.0 + n / std::ldexp(1.0, static_cast<int>(key_bits)));
    if (best_cost < 0 || cost < best_cost) {
      best_cost = cost;
      best = b;
    }
  }
  return best;
}

bool masked_equal(const Fingerprint128& x, const Fingerprint128& y,
                  const Fingerprint128& m) noexcept {
  return (((x.lo ^ y.lo) & m.lo) | ((x.hi ^ y.hi) & m.hi)) == 0;
}

}  // namespace

// --- params -------------------------------------------------------------------------------------

Status HammingIndexParams::validate() const {
  if (bits != 64 && bits != 128) {
    return Status::invalid_argument("Hamming index bits must be 64 or 128, got " +
                                    std::to_string(bits));
  }
  if (max_distance >= bits) {
    return Status::invalid_argument("max distance " + std::to_string(max_distance) +
                                    " must be below the fingerprint width " + std::to_string(bits));
  }
  if (blocks != 0 && (blocks <= max_distance || blocks > bits)) {
    return Status::invalid_argument("blocks must be in (max distance, bits] = (" +
                                    std::to_string(max_distance) + ", " + std::to_string(bits) +
                                    "], got " + std::to_string(blocks));
  }
  if (tables() > kMaxHammingTables) {
    return Status::out_of_range("C(" + std::to_string(resolved_blocks()) + ", " +
                                std::to_string(max_distance) + ") tables exceed the limit of " +
                                std::to_string(kMaxHammingTables));
  }
  return Status();
}

uint32_t HammingIndexParams::resolved_blocks() const noexcept {
  if (blocks != 0) return blocks;
  return derive_blocks(bits == 128 ? 128 : 64, std::min(max_distance, bits - 1), expected_size);
}

uint32_t HammingIndexParams::tables() const noexcept {
  return binomial(resolved_blocks(), max_distance);
}

// --- state --------------------------------------------------------------------------------------

struct HammingIndex::State {
  HammingIndexParams params;
  uint32_t words = 1;
  std::vector<Fingerprint128> masks;  // one per table: the bits of its block combination

  mutable std::shared_mutex mu;              // guards everything below
  std::vector<uint64_t> lo, hi;              // hi only for 128-bit indexes
  std::vector<std::vector<uint32_t>> heads;  // per table: bucket -> newest id, kNone = empty
  std::vector<std::vector<uint32_t>> next;   // per table: id -> next id in its chain
  unsigned table_bits = kMinTableBits;
  std::size_t n = 0;

  explicit State(HammingIndexParams p) : params(p), words(p.bits / 64) {
    const uint32_t b = params.resolved_blocks();
    params.blocks = b;
    const uint32_t keep = b - params.max_distance;  // blocks per key
    std::vector<Fingerprint128> block_mask(b);
    for (uint32_t i = 0; i < b; ++i) {
      const uint32_t start = i * params.bits / b, end = (i + 1) * params.bits / b;
      for (uint32_t bit = start; bit < end; ++bit) {
        if (bit < 64) {
          block_mask[i].lo |= uint64_t{1} << bit;
        } else {
          block_mask[i].hi |= uint64_t{1} << (bit - 64);
        }
      }
    }
    // Every combination of `keep` blocks, in lexicographic order.
    std::vector<uint32_t> comb(keep);
    for (uint32_t i = 0; i < keep; ++i) comb[i] = i;
    while (true) {
      Fingerprint128 m;
      for (const uint32_t c : comb) {
        m.lo |= block_mask[c].lo;
        m.hi |= block_mask[c].hi;
      }
      masks.push_back(m);
      // Advance: the rightmost element that can still move right.
      int i = static_cast<int>(keep) - 1;
      while (i >= 0 && comb[static_cast<std::size_t>(i)] == b - keep + static_cast<uint32_t>(i))
        --i;
      if (i < 0) break;
      ++comb[static_cast<std::size_t>(i)];
      for (auto j = static_cast<std::size_t>(i) + 1; j < keep; ++j) comb[j] = comb[j - 1] + 1;
    }
    heads.assign(masks.size(), std::vector<uint32_t>(std::size_t{1} << table_bits, kNone));
    next.resize(masks.size());
  }

  Fingerprint128 fp(std::size_t id) const noexcept {
    return Fingerprint128{lo[id], words == 2 ? hi[id] : 0};
  }

  std::size_t bucket(const Fingerprint128& f, std::size_t t) const noexcept {
    const Fingerprint128& m = masks[t];
    uint64_t key = f.lo & m.lo;
    if (words == 2) key ^= detail::simhash_mix((f.hi & m.hi) ^ 0x9E3779B97F4A7C15ULL);
    return static_cast<std::size_t>(detail::simhash_mix(key) >> (64 - table_bits));
  }

  // The first table whose key the two fingerprints share (exists when they are within
  // max_distance; the caller knows they share table `upto`).
  std::size_t first_shared_table(const Fingerprint128& x, const Fingerprint128& y,
                                 std::size_t upto) const noexcept {
    for (std::size_t t = 0; t < upto; ++t) {
      if (masked_equal(x, y, masks[t])) return t;
    }
    return upto;
  }

  void link(std::size_t t, uint32_t id) noexcept {
    const std::size_t b = bucket(fp(id), t);
    next[t][id] = heads[t][b];
    heads[t][b] = id;
  }

  Status check(const Fingerprint128& f) const {
    if (words == 1 && f.hi != 0) {
      return Status::invalid_argument("a 128-bit fingerprint given to a 64-bit Hamming index");
    }
    return Status();
  }

  // Exclusive lock held. All allocation happens before the first change.
  Result<uint32_t> insert_locked(const Fingerprint128& f) {
    if (n >= kMaxHammingFingerprints) {
      return Status::out_of_range("Hamming index is full (" + std::to_string(n) + " fingerprints)");
    }
    const bool grow = n + 1 > (std::size_t{1} << table_bits);
    std::vector<std::vector<uint32_t>> new_heads;
    try {
      const auto room = [](auto& v) {
        if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(16, v.capacity() * 2));
      };
      room(lo);
      if (words == 2) room(hi);
      for (auto& v : next) room(v);
      if (grow) {
        new_heads.assign(masks.size(), std::vector<uint32_t>(std::size_t{1} << (table_bits + 1)));
      }
    } catch (const std::bad_alloc&) {
      return Status::out_of_range("out of memory adding fingerprint " + std::to_string(n));
    }
    // No allocation below.
    const auto id = static_cast<uint32_t>(n);
    lo.push_back(f.lo);
    if (words == 2) hi.push_back(f.hi);
    for (auto& v : next) v.push_back(kNone);
    ++n;
    if (grow) {
      ++table_bits;
      for (std::size_t t = 0; t < masks.size(); ++t) {
        heads[t].swap(new_heads[t]);
        std::fill(heads[t].begin(), heads[t].end(), kNone);
        for (std::size_t d = 0; d < id; ++d) link(t, static_cast<uint32_t>(d));
      }
    }
    for (std::size_t t = 0; t < masks.size(); ++t) link(t, id);
    return id;
  }

  void query_locked(const Fingerprint128& q, uint32_t k, std::vector<HammingMatch>& out) const {
    out.clear();
    if (n == 0) return;
    for (std::size_t t = 0; t < masks.size(); ++t) {
      for (uint32_t d = heads[t][bucket(q, t)]; d != kNone; d = next[t][d]) {
        const Fingerprint128 x = fp(d);
        if (!masked_equal(x, q, masks[t])) continue;  // a bucket collision
        const uint32_t dist = hamming(x, q);
        if (dist <= k && first_shared_table(x, q, t) == t) out.push_back({d, dist});
      }
    }
    std::sort(out.begin(), out.end(), [](const HammingMatch& a, const HammingMatch& b) {
      return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
    });
  }

  // The pairs of table t (shared lock held by the caller).
  void table_pairs(std::size_t t, uint32_t k, std::vector<HammingPair>& out,
                   std::vector<uint32_t>& members) const {
    const Fingerprint128& m = masks[t];
    for (const uint32_t head : heads[t]) {
      if (head == kNone || next[t][head] == kNone) continue;  // empty or a single member
      members.clear();
      for (uint32_t d = head; d != kNone; d = next[t][d]) members.push_back(d);
      for (std::size_t i = 0; i < members.size(); ++i) {
        const Fingerprint128 x = fp(members[i]);
        for (std::size_t j = i + 1; j < members.size(); ++j) {
          const Fingerprint128 y = fp(members[j]);
          if (!masked_equal(x, y, m)) continue;
          const uint32_t dist = hamming(x, y);
          if (dist <= k && first_shared_table(x, y, t) == t) {
            out.push_back(
                {std::min(members[i], members[j]), std::max(members[i], members[j]), dist});
          }
        }
      }
    }
  }

  std::size_t memory_bytes_locked() const {
    std::size_t m = sizeof(State) + (lo.capacity() + hi.capacity()) * sizeof(uint64_t) +
                    masks.capacity() * sizeof(Fingerprint128);
    for (const auto& v : heads) m += v.capacity() * sizeof(uint32_t);
    for (const auto& v : next) m += v.capacity() * sizeof(uint32_t);
    return m;
  }
};

// --- public API ---------------------------------------------------------------------------------

HammingIndex::HammingIndex(std::unique_ptr<State> state) : state_(std::move(state)) {}
HammingIndex::HammingIndex(HammingIndex&&) noexcept = default;
HammingIndex& HammingIndex::operator=(HammingIndex&&) noexcept = default;
HammingIndex::~HammingIndex() = default;

Result<HammingIndex> HammingIndex::create(HammingIndexParams params) {
  NEARDUP_RETURN_IF_ERROR(params.validate());
  try {
    return HammingIndex(std::make_unique<State>(params));
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("out of memory creating a Hamming index");
  }
}

const HammingIndexParams& HammingIndex::params() const noexcept { return state_->params; }
uint32_t HammingIndex::tables() const noexcept {
  return static_cast<uint32_t>(state_->masks.size());
}

std::size_t HammingIndex::size() const {
  std::shared_lock lock(state_->mu);
  return state_->n;
}

Fingerprint128 HammingIndex::fingerprint(uint32_t id) const {
  std::shared_lock lock(state_->mu);
  NEARDUP_DCHECK(id < state_->n);
  return state_->fp(id);
}

std::size_t HammingIndex::memory_bytes() const {
  std::shared_lock lock(state_->mu);
  return state_->memory_bytes_locked();
}

void HammingIndex::reserve(std::size_t fingerprints) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  try {
    s.lo.reserve(fingerprints);
    if (s.words == 2) s.hi.reserve(fingerprints);
    for (auto& v : s.next) v.reserve(fingerprints);
  } catch (const std::bad_alloc&) {  // NOLINT(bugprone-empty-catch): reserve is only a hint
  }
}

Result<uint32_t> HammingIndex::add(Fingerprint64 fp) { return add(Fingerprint128{fp, 0}); }

Result<uint32_t> HammingIndex::add(const Fingerprint128& fp) {
  State& s = *state_;
  NEARDUP_RETURN_IF_ERROR(s.check(fp));
  std::unique_lock lock(s.mu);
  return s.insert_locked(fp);
}

Status HammingIndex::query(Fingerprint64 fp, uint32_t k, std::vector<HammingMatch>& out) const {
  return query(Fingerprint128{fp, 0}, k, out);
}

namespace {
Status check_k(uint32_t k, uint32_t max_distance) {
  if (k > max_distance) {
    return Status::invalid_argument("distance " + std::to_string(k) +
                                    " exceeds the index's max distance " +
                                    std::to_string(max_distance));
  }
  return Status();
}
}  // namespace

Status HammingIndex::query(const Fingerprint128& fp, uint32_t k,
                           std::vector<HammingMatch>& out) const {
  const State& s = *state_;
  out.clear();
  NEARDUP_RETURN_IF_ERROR(s.check(fp));
  NEARDUP_RETURN_IF_ERROR(check_k(k, s.params.max_distance));
  std::shared_lock lock(s.mu);
  try {
    s.query_locked(fp, k, out);
  } catch (const std::bad_alloc&) {
    out.clear();
    return Status::out_of_range("out of memory in a Hamming query");
  }
  return Status();
}

Status HammingIndex::all_pairs(uint32_t k, std::vector<HammingPair>& out, unsigned threads) const {
  const State& s = *state_;
  out.clear();
  NEARDUP_RETURN_IF_ERROR(check_k(k, s.params.max_distance));
  std::shared_lock lock(s.mu);
  const std::size_t tables = s.masks.size();
  const unsigned workers = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(tables)));
  try {
    std::vector<std::vector<HammingPair>> found(tables);
    std::vector<std::vector<uint32_t>> members(workers);
    parallel_for(tables, workers, [&](std::size_t t, unsigned w) {
      try {
        s.table_pairs(t, k, found[t], members[w]);
      } catch (const std::bad_alloc&) {
        found[t].clear();
        found[t].push_back({kNone, kNone, kNone});  // marks the failure
      }
    });
    std::size_t total = 0;
    for (const auto& f : found) {
      if (!f.empty() && f.back().a == kNone) {
        return Status::out_of_range("out of memory collecting Hamming pairs");
      }
      total += f.size();
    }
    out.reserve(total);
    for (auto& f : found) {
      out.insert(out.end(), f.begin(), f.end());
      std::vector<HammingPair>().swap(f);
    }
  } catch (const std::bad_alloc&) {
    out.clear();
    return Status::out_of_range("out of memory collecting Hamming pairs");
  }
  std::sort(out.begin(), out.end(), [](const HammingPair& x, const HammingPair& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  return Status();
}

// --- serialization ------------------------------------------------------------------------------

std::string HammingIndex::serialize() const {
  const State& s = *state_;
  std::shared_lock lock(s.mu);
  const HammingIndexParams& p = s.params;
  const auto tables = static_cast<uint32_t>(s.masks.size());
  // One buffer for the whole file; the header is filled in last.
  std::string file(detail::kFileHeaderBytes, '\0');
  file.reserve(detail::kFileHeaderBytes + 64 + s.n * 8 * s.words);
  detail::put_section_head(file, kTagParams, kParamsBytes);
  put_u32(file, p.bits);
  put_u32(file, p.max_distance);
  put_u32(file, p.blocks);
  put_u32(file, tables);
  put_u64(file, p.expected_size);
  detail::put_array_head(file, kTagFingerprints, s.n, s.words, 8);
  for (std::size_t d = 0; d < s.n; ++d) {
    put_u64(file, s.lo[d]);
    if (s.words == 2) put_u64(file, s.hi[d]);
  }
  detail::pad8(file);
  detail::finish_file(file, kFormat,
                      {{p.bits, p.max_distance, p.blocks, tables}, p.expected_size, s.n});
  return file;
}

Status HammingIndex::save(const std::string& path) const {
  return detail::save_file(path, kFormat, [this] { return serialize(); });
}

Result<HammingIndex> HammingIndex::load(const std::string& path) {
  Result<std::string> bytes = detail::read_whole_file(path);
  if (!bytes.ok()) return bytes.status();
  return deserialize(*bytes, path);
}

Result<HammingIndex> HammingIndex::deserialize(std::string_view file, const std::string& path) {
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  Result<detail::CheckedFile> checked = detail::check_file(file, path, kFormat);
  if (!checked.ok()) return checked.status();
  HammingIndexParams p;
  p.bits = checked->header.fields32[0];
  p.max_distance = checked->header.fields32[1];
  p.blocks = checked->header.fields32[2];
  const uint32_t tables = checked->header.fields32[3];
  p.expected_size = checked->header.field64;
  const uint64_t count = checked->header.count;
  if (Status v = p.validate(); !v.ok()) return corrupt("invalid parameters: " + v.message());
  if (p.blocks == 0 || tables != p.tables()) {
    return corrupt("inconsistent header: " + std::to_string(tables) + " tables for " +
                   std::to_string(p.blocks) + " blocks");
  }
  const uint32_t words = p.bits / 64;
  // Sections: params, then fingerprints, nothing else.
  detail::SectionReader sections(checked->payload, path);
  Result<std::string_view> body = sections.next(kTagParams, "params");
  if (!body.ok()) return body.status();
  if (body->size() != kParamsBytes || get_u32(body->data()) != p.bits ||
      get_u32(body->data() + 4) != p.max_distance || get_u32(body->data() + 8) != p.blocks ||
      get_u32(body->data() + 12) != tables || get_u64(body->data() + 16) != p.expected_size) {
    return corrupt("inconsistent header: the params section differs from the header");
  }
  Result<std::string_view> fps = sections.next_array(kTagFingerprints, "fingerprints", count, words,
                                                     8, std::to_string(p.bits) + " bits");
  if (!fps.ok()) return fps.status();
  if (!sections.at_end()) return corrupt("inconsistent layout: data after the last section");

  return detail::guarded_rebuild(path, kFormat, [&]() -> Result<HammingIndex> {
    HammingIndex index(std::make_unique<State>(p));
    index.reserve(static_cast<std::size_t>(count));
    State& s = *index.state_;
    std::unique_lock lock(s.mu);
    for (uint64_t d = 0; d < count; ++d) {
      const char* src = fps->data() + 8 * words * d;
      const Fingerprint128 f{get_u64(src), words == 2 ? get_u64(src + 8) : 0};
      Result<uint32_t> r = s.insert_locked(f);
      if (!r.ok()) return corrupt("cannot rebuild: " + r.status().message());
    }
    lock.unlock();
    return index;
  });
}

}  // namespace neardup
