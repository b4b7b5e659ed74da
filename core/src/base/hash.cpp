#include "neardup/advanced/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace neardup {

uint64_t hash64(const void* data, std::size_t len, uint64_t seed) noexcept {
  return XXH3_64bits_withSeed(data, len, seed);
}

Hash128 hash128(const void* data, std::size_t len, uint64_t seed) noexcept {
  const XXH128_hash_t h = XXH3_128bits_withSeed(data, len, seed);
  return Hash128{h.low64, h.high64};
}

}  // namespace neardup
