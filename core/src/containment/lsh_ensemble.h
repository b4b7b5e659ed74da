// The LSH Ensemble pieces shared by the batch containment search (ContainmentClusterer,
// containment.cpp) and the persistent containment index (ContainmentIndex,
// index/containment_index.cpp): the band key of a 32-bit MinHash signature, the Jaccard floor a
// contained pair must reach given the sizes, and the band shape that makes every such pair a
// candidate with a target probability. The math is in neardup/advanced/containment.h.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "detail/sorted_set.h"

namespace neardup::detail {

// Most rows per band a probe uses.
inline constexpr uint32_t kEnsembleMaxRows = 8;

constexpr uint64_t ensemble_mix64(uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// The key of band `band` (slots [band * rows, band * rows + rows)): collisions between
// different bands or different slot values only add candidates, which verification removes.
inline uint64_t ensemble_band_key(const uint32_t* sig, uint32_t band, uint32_t rows) noexcept {
  uint64_t h = ensemble_mix64(0x9E3779B97F4A7C15ULL * (band + 1));
  const uint32_t* p = sig + static_cast<std::size_t>(band) * rows;
  for (uint32_t i = 0; i < rows; ++i) h = ensemble_mix64(h ^ p[i]);
  return h;
}

// Probability that a pair with Jaccard s shares at least one of b bands of r rows.
inline double ensemble_collision(double s, uint32_t r, uint32_t b) {
  return 1.0 - std::pow(1.0 - std::pow(s, static_cast<double>(r)), static_cast<double>(b));
}

// The lowest Jaccard similarity of a set of `small` shingles of which at least a fraction t lies
// in a set of at most `big` shingles: J = t small / (small + big - t small), which grows with t
// and shrinks with big; capped at 1.
inline double contained_jaccard_floor(double t, double small, double big) {
  return std::min(1.0, t * small / (small * (1.0 - t) + big));
}

struct EnsembleProbe {
  uint32_t rows = 1, bands = 1;
  bool below_target = false;  // even r = 1 with every slot misses `recall`
};

// The band shape for a Jaccard floor s*: for each allowed r, the fewest bands b (b * r <=
// num_perm) whose collision probability at s* reaches `recall`; among those shapes the one with
// the lowest collision probability at s*/2 (fewest false candidates). None feasible: r = 1
// with every slot, below_target. `rows` lists the allowed r in increasing order and holds 1.
inline EnsembleProbe choose_ensemble_probe(double s_star, uint32_t num_perm, double recall,
                                           std::span<const uint32_t> rows) {
  EnsembleProbe best{1, num_perm, true};
  double best_fp = 2.0;
  for (const uint32_t r : rows) {
    if (r > num_perm) break;
    const double p1 = std::pow(s_star, static_cast<double>(r));
    if (p1 <= 0.0) continue;
    // (1 - p1)^b <= 1 - recall  <=>  b >= log(1 - recall) / log(1 - p1)
    double need = p1 >= 1.0 ? 1.0 : std::ceil(std::log(1.0 - recall) / std::log1p(-p1));
    if (!(need >= 1.0)) need = 1.0;
    if (need > static_cast<double>(num_perm / r)) continue;
    const auto b = static_cast<uint32_t>(need);
    const double fp = ensemble_collision(s_star / 2.0, r, b);
    if (fp < best_fp) {
      best_fp = fp;
      best = EnsembleProbe{r, b, false};
    }
  }
  return best;
}

}  // namespace neardup::detail
