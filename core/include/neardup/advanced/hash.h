// Seeded 64- and 128-bit hashing under neardup's own names.
//
// The implementation is XXH3 (xxHash >= 0.8.0, whose output is frozen), hidden behind these
// functions so that no public header includes xxhash.h.
//
//   uint64_t h = neardup::hash64(text.data(), text.size(), /*seed=*/1);
//   neardup::Hash128 d = neardup::hash128(text.data(), text.size(), 0);
//
// Thread safety: pure functions. Cost: XXH3, about 0.1-0.3 cycles/byte on long inputs plus a
// small constant per call on short ones. Values are the same on every machine (little- or
// big-endian) and pinned by golden tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace neardup {

struct Hash128 {
  uint64_t low = 0;
  uint64_t high = 0;
  friend bool operator==(const Hash128&, const Hash128&) = default;
};

// XXH3-64 of [data, data+len) with the given seed.
uint64_t hash64(const void* data, std::size_t len, uint64_t seed) noexcept;
inline uint64_t hash64(std::string_view s, uint64_t seed) noexcept {
  return hash64(s.data(), s.size(), seed);
}

// XXH3-128 of [data, data+len) with the given seed.
Hash128 hash128(const void* data, std::size_t len, uint64_t seed) noexcept;
inline Hash128 hash128(std::string_view s, uint64_t seed) noexcept {
  return hash128(s.data(), s.size(), seed);
}

// Hash functor for unordered containers keyed by Hash128 (the value is already uniform).
struct Hash128Hasher {
  std::size_t operator()(const Hash128& h) const noexcept {
    return static_cast<std::size_t>(h.low ^ (h.high * 0x9E3779B97F4A7C15ULL));
  }
};

}  // namespace neardup
