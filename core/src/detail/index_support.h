// Helpers shared by the persistent indexes (NearDupIndex, SimHashIndex): how their files record
// the text-pipeline switches, and memory accounting / growth that cannot throw mid-update.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "neardup/normalize.h"
#include "neardup/tokenize.h"

namespace neardup::detail {

// The normalization switches as bits of one file field (and back).
inline uint32_t normalize_bits(const NormalizeOptions& n) {
  return (n.decode_html_entities ? 1u : 0u) | (n.remove_invisible ? 2u : 0u) | (n.nfkc ? 4u : 0u) |
         (n.case_fold ? 8u : 0u) | (n.unify_punctuation ? 16u : 0u) |
         (n.strip_punctuation ? 32u : 0u) | (n.fold_whitespace ? 64u : 0u);
}
inline NormalizeOptions normalize_from_bits(uint32_t b) {
  NormalizeOptions n;
  n.decode_html_entities = (b & 1u) != 0;
  n.remove_invisible = (b & 2u) != 0;
  n.nfkc = (b & 4u) != 0;
  n.case_fold = (b & 8u) != 0;
  n.unify_punctuation = (b & 16u) != 0;
  n.strip_punctuation = (b & 32u) != 0;
  n.fold_whitespace = (b & 64u) != 0;
  return n;
}
inline uint32_t tokenize_bits(const TokenizeOptions& t) {
  return (t.canonical_numbers ? 1u : 0u) | (t.split_unspaced_scripts ? 2u : 0u);
}

// Heap bytes held by a vector.
std::size_t vector_bytes(const auto& v) { return v.capacity() * sizeof(v[0]); }

// Grows v's capacity geometrically so that one more push_back cannot throw.
template <class V>
void make_room(V& v) {
  if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(16, v.capacity() * 2));
}

}  // namespace neardup::detail
