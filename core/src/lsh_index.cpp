#include "neardup/lsh_index.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>

#include "neardup/hash.h"

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

uint32_t bucket_of(uint64_t key, std::size_t buckets) noexcept {
  // Keys are XXH3 outputs, uniform in all bits: the high bits pick the bucket.
  const int shift = 64 - std::countr_zero(buckets);
  return static_cast<uint32_t>(shift >= 64 ? 0 : key >> shift);
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
  const std::size_t buckets = std::bit_ceil(std::max<std::size_t>(documents, 16));
  for (Band& b : bands_) {
    b.entries.reserve(documents);
    if (b.heads.size() < buckets) {
      b.heads.assign(buckets, kNone);
      for (uint32_t i = 0; i < b.entries.size(); ++i) {
        const uint32_t bucket = bucket_of(b.entries[i].key, buckets);
        b.entries[i].next = b.heads[bucket];
        b.heads[bucket] = i;
      }
    }
  }
}

void LshIndex::grow(Band& band) {
  band.heads.assign(band.heads.size() * 2, kNone);
  for (uint32_t i = 0; i < band.entries.size(); ++i) {
    const uint32_t bucket = bucket_of(band.entries[i].key, band.heads.size());
    band.entries[i].next = band.heads[bucket];
    band.heads[bucket] = i;
  }
}

void LshIndex::add(uint32_t doc, std::span<const uint64_t> signature) {
  for (uint32_t b = 0; b < params_.bands; ++b) {
    Band& band = bands_[b];
    if (band.entries.size() >= band.heads.size()) grow(band);
    const uint64_t key = lsh_band_key(signature, b, params_.rows, params_.seed);
    const uint32_t bucket = bucket_of(key, band.heads.size());
    band.entries.push_back(Entry{key, doc, band.heads[bucket]});
    band.heads[bucket] = static_cast<uint32_t>(band.entries.size() - 1);
  }
  ++documents_;
}

void LshIndex::query(std::span<const uint64_t> signature, std::vector<uint32_t>& out) const {
  out.clear();
  for (uint32_t b = 0; b < params_.bands; ++b) {
    const Band& band = bands_[b];
    const uint64_t key = lsh_band_key(signature, b, params_.rows, params_.seed);
    for (uint32_t i = band.heads[bucket_of(key, band.heads.size())]; i != kNone;
         i = band.entries[i].next) {
      if (band.entries[i].key == key) out.push_back(band.entries[i].doc);
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

std::size_t LshIndex::memory_bytes() const noexcept {
  std::size_t bytes = 0;
  for (const Band& b : bands_) {
    bytes += b.heads.capacity() * sizeof(uint32_t) + b.entries.capacity() * sizeof(Entry);
  }
  return bytes;
}

}  // namespace neardup
