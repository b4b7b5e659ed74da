#include "neardup/advanced/exact.h"

namespace neardup {

ExactIndex::Match ExactIndex::add(const Hash128& key, uint64_t ordinal) {
  auto [it, inserted] = map_.try_emplace(key, ordinal);
  return Match{it->second, inserted};
}

std::optional<uint64_t> ExactIndex::find(const Hash128& key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

std::size_t ExactIndex::memory_bytes() const noexcept {
  // libstdc++ nodes: next pointer + value (16-byte key + 8-byte ordinal) + cached hash.
  constexpr std::size_t kNode = sizeof(void*) + sizeof(Hash128) + sizeof(uint64_t) + sizeof(size_t);
  return map_.bucket_count() * sizeof(void*) + map_.size() * kNode;
}

}  // namespace neardup
