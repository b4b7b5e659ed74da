#include "neardup/advanced/lsh_index.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "neardup/advanced/hash.h"

namespace neardup {
namespace {

// Simpson's rule over [a, b] with an even number of intervals; P(s) is smooth, and 256
// intervals give the areas to ~1e-9, far finer than the differences between (b, r) choices.
template <class F>
double integrate(F f, double a, double b) {
  constexpr int kIntervals = 256;
  const double h = (b - a) / kIntervals;
  double sum = f(a) + f(b);
  for (int i = 1; i < kIntervals; ++i) sum += f(a + i * h) * (i % 2 == 1 ? 4 : 2);
  return sum * h / 3;
}

// Keys are stored mixed with murmur3's fmix64, a bijection, so equality is unchanged while the
// bucket bits (the top bits) are uniform even for keys of nearly identical rows, whose XXH3
// outputs were seen to share top bits more often than chance.
uint64_t mix_key(uint64_t key) noexcept {
  key ^= key >> 33;
  key *= 0xFF51AFD7ED558CCDULL;
  key ^= key >> 33;
  key *= 0xC4CEB9FE1A85EC53ULL;
  key ^= key >> 33;
  return key;
}

uint32_t bucket_of(uint64_t mixed, std::size_t buckets) noexcept {
  const int shift = 64 - std::countr_zero(buckets);
  return shift >= 64 ? 0 : static_cast<uint32_t>(mixed >> shift);
}

}  // namespace

Status LshParams::validate(uint32_t num_perm) const {
  if (bands == 0 || rows == 0) {
    return Status::invalid_argument("LSH bands and rows must be at least 1");
  }
  if (uint64_t{bands} * rows > num_perm) {
    return Status::invalid_argument("LSH bands x rows (" + std::to_string(bands) + " x " +
                                    std::to_string(rows) + ") exceeds the " +
                                    std::to_string(num_perm) + " signature values");
  }
  return Status();
}

double lsh_collision_probability(double s, uint32_t bands, uint32_t rows) noexcept {
  return 1.0 - std::pow(1.0 - std::pow(s, rows), bands);
}

LshParams LshParams::for_threshold(double threshold, uint32_t num_perm, double fp_weight,
                                   double fn_weight) {
  LshParams best{1, std::max<uint32_t>(num_perm, 1), 1};
  double best_cost = std::numeric_limits<double>::infinity();
  const double t = std::clamp(threshold, 0.0, 1.0);
  for (uint32_t b = 1; b <= num_perm; ++b) {
    for (uint32_t r = 1; b * r <= num_perm; ++r) {
      const double fp =
          integrate([&](double s) { return lsh_collision_probability(s, b, r); }, 0, t);
      const double fn =
          integrate([&](double s) { return 1 - lsh_collision_probability(s, b, r); }, t, 1);
      const double cost = fp_weight * fp + fn_weight * fn;
      if (cost < best_cost) {
        best_cost = cost;
        best.bands = b;
        best.rows = r;
      }
    }
  }
  return best;
}

LshParams LshParams::for_recall(double threshold, uint32_t num_perm, double margin, double recall) {
  const double t = std::clamp(threshold, 0.0, 1.0);
  const double high = std::min(1.0, t + margin);
  LshParams best{1, std::max<uint32_t>(num_perm, 1), 1};
  bool best_meets = false;
  double best_fp = std::numeric_limits<double>::infinity(), best_p = -1;
  for (uint32_t b = 1; b <= num_perm; ++b) {
    for (uint32_t r = 1; b * r <= num_perm; ++r) {
      const double p = lsh_collision_probability(high, b, r);
      const bool meets = p >= recall;
      if (best_meets && !meets) continue;
      const double fp =
          integrate([&](double s) { return lsh_collision_probability(s, b, r); }, 0, t);
      const bool better = meets ? (!best_meets || fp < best_fp) : p > best_p;
      if (better) {
        best = LshParams{b, r, 1};
        best_meets = meets;
        best_fp = fp;
        best_p = p;
      }
    }
  }
  return best;
}

uint64_t lsh_band_key(std::span<const uint64_t> signature, uint32_t band, uint32_t rows,
                      uint64_t seed) noexcept {
  const std::size_t begin = std::size_t{band} * rows;
  // Hash the little-endian bytes of the rows; signatures are in host order, and every supported
  // target is little-endian (checked in hash_test's golden values).
  return hash64(signature.data() + begin, std::size_t{rows} * sizeof(uint64_t),
                seed + 0x9E3779B97F4A7C15ULL * (band + 1));
}

LshIndex::LshIndex(LshParams params) : params_(params), bands_(params.bands) {
  for (Band& b : bands_) b.heads.assign(16, kNone);
}

void LshIndex::reserve(std::size_t documents) {
  // At most two entries per bucket on average (see add_keys).
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(documents / 2, 16));
  if (!bands_.empty() && bands_[0].heads.size() < buckets) rehash(buckets);
  const std::size_t chunks = (documents + kChunk - 1) / kChunk;
  chunks_.reserve(chunks);
  doc_chunks_.reserve(chunks);
}

void LshIndex::rehash(std::size_t buckets) {
  const auto n = static_cast<uint32_t>(documents_);
  for (uint32_t b = 0; b < bands_.size(); ++b) {
    std::vector<uint32_t>& heads = bands_[b].heads;
    heads.assign(buckets, kNone);
    // Ascending insertion keeps every chain in descending entry order, as add_keys() builds it.
    for (uint32_t e = 0; e < n; ++e) {
      Entry& en = entry(b, e);
      const uint32_t bucket = bucket_of(en.key(), buckets);
      en.next = heads[bucket];
      heads[bucket] = e;
    }
  }
}

void LshIndex::band_keys(std::span<const uint64_t> signature,
                         std::span<uint64_t> keys) const noexcept {
  const std::size_t n = std::min<std::size_t>(keys.size(), params_.bands);
  for (uint32_t b = 0; b < n; ++b) keys[b] = lsh_band_key(signature, b, params_.rows, params_.seed);
}

void LshIndex::add(uint32_t doc, std::span<const uint64_t> signature) {
  uint64_t keys[kMaxBandsOnStack];
  if (params_.bands <= kMaxBandsOnStack) {
    band_keys(signature, std::span<uint64_t>(keys, params_.bands));
    add_keys(doc, std::span<const uint64_t>(keys, params_.bands));
  } else {
    std::vector<uint64_t> heap(params_.bands);
    band_keys(signature, heap);
    add_keys(doc, heap);
  }
}

void LshIndex::add_keys(uint32_t doc, std::span<const uint64_t> keys) {
  const auto e = static_cast<uint32_t>(documents_);
  if ((e >> kChunkBits) >= chunks_.size()) {  // chunks survive clear(): reuse them first
    chunks_.push_back(std::make_unique_for_overwrite<Entry[]>(kChunk * bands_.size()));
    doc_chunks_.push_back(std::make_unique_for_overwrite<uint32_t[]>(kChunk));
  }
  // At most two entries per bucket on average: chains stay short and heads cost 2-4 bytes per
  // document and band. rehash() relinks the entries [0, e).
  if (!bands_.empty() && std::size_t{e} + 1 > 2 * bands_[0].heads.size()) {
    rehash(2 * bands_[0].heads.size());
  }
  doc_chunks_[e >> kChunkBits][e & (kChunk - 1)] = doc;
  for (uint32_t b = 0; b < bands_.size(); ++b) {
    std::vector<uint32_t>& heads = bands_[b].heads;
    const uint64_t key = mix_key(keys[b]);
    const uint32_t bucket = bucket_of(key, heads.size());
    entry(b, e) =
        Entry{static_cast<uint32_t>(key), static_cast<uint32_t>(key >> 32), heads[bucket]};
    heads[bucket] = e;
  }
  ++documents_;
}

void LshIndex::query(std::span<const uint64_t> signature, std::vector<uint32_t>& out) const {
  uint64_t keys[kMaxBandsOnStack];
  if (params_.bands <= kMaxBandsOnStack) {
    band_keys(signature, std::span<uint64_t>(keys, params_.bands));
    query_keys(std::span<const uint64_t>(keys, params_.bands), out);
  } else {
    std::vector<uint64_t> heap(params_.bands);
    band_keys(signature, heap);
    query_keys(heap, out);
  }
}

void LshIndex::query_keys(std::span<const uint64_t> keys, std::vector<uint32_t>& out) const {
  out.clear();
  for (uint32_t b = 0; b < bands_.size(); ++b) {
    const std::vector<uint32_t>& heads = bands_[b].heads;
    const uint64_t key = mix_key(keys[b]);
    for (uint32_t e = heads[bucket_of(key, heads.size())]; e != kNone;) {
      const Entry& en = entry(b, e);
      if (en.key() == key) out.push_back(doc_chunks_[e >> kChunkBits][e & (kChunk - 1)]);
      e = en.next;
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

void LshIndex::clear() noexcept {
  for (Band& b : bands_) std::fill(b.heads.begin(), b.heads.end(), kNone);
  documents_ = 0;
}

std::size_t LshIndex::memory_bytes() const noexcept {
  std::size_t bytes = (chunks_.capacity() + doc_chunks_.capacity()) * sizeof(void*);
  bytes += chunks_.size() * kChunk * (bands_.size() * sizeof(Entry) + sizeof(uint32_t));
  for (const Band& b : bands_) bytes += b.heads.capacity() * sizeof(uint32_t);
  return bytes;
}

}  // namespace neardup
