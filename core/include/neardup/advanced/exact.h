// Exact-duplicate grouping: documents whose normalized text is byte-identical share a cluster.
//
//   neardup::ExactIndex index;
//   neardup::Hash128 key = neardup::exact_key(normalized_text);
//   neardup::ExactIndex::Match m = index.add(key, doc_ordinal);
//   // m.first == doc_ordinal for a new text, else the ordinal of its first occurrence
//
// Keys are XXH3-128 digests of the normalized text (seed kExactSeed). Two different texts share a
// key with probability about n^2 / 2^129 for n documents (below 1e-19 for a billion documents),
// so the index does not keep the texts themselves: memory is about 40 bytes per distinct text.
//
// Thread safety: add() needs a single writer; find() may run concurrently with other find()
// calls but not with add(). Cost: O(1) expected per call; reserve(n) avoids rehashing.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "neardup/advanced/hash.h"

namespace neardup {

inline constexpr uint64_t kExactSeed = 0x6e65617264757021ULL;  // "neardup!"

// The key of a normalized text for exact-duplicate grouping.
inline Hash128 exact_key(std::string_view normalized) noexcept {
  return hash128(normalized, kExactSeed);
}

class ExactIndex {
 public:
  struct Match {
    uint64_t first = 0;   // ordinal of the first document with this key
    bool is_new = false;  // true if this call inserted the key
  };

  // Records `ordinal` under `key` unless the key is already present.
  Match add(const Hash128& key, uint64_t ordinal);
  // The first ordinal recorded under `key`, if any.
  std::optional<uint64_t> find(const Hash128& key) const;

  void reserve(std::size_t n) { map_.reserve(n); }
  std::size_t size() const noexcept { return map_.size(); }
  // Approximate heap bytes held (buckets + nodes).
  std::size_t memory_bytes() const noexcept;

 private:
  std::unordered_map<Hash128, uint64_t, Hash128Hasher> map_;
};

}  // namespace neardup
