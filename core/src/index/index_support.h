// Helpers shared by the persistent indexes (NearDupIndex, SimHashIndex): how their files record
// the text pipeline, their pooled scratch's shingler, and memory accounting / growth that cannot
// throw mid-update.
#pragma once

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "detail/binary_io.h"
#include "index/scratch_pool.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/similarity.h"
#include "neardup/advanced/tokenize.h"

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
inline TokenizeOptions tokenize_from_bits(uint32_t b) {
  TokenizeOptions t;
  t.canonical_numbers = (b & 1u) != 0;
  t.split_unspaced_scripts = (b & 2u) != 0;
  return t;
}

// The pipeline's 24 bytes at the start of an index file's options section:
//   [u32 shingle kind][u32 k][u64 shingle seed][u32 normalize bits][u32 tokenize bits]
inline void put_pipeline(std::string& out, const PipelineOptions& p) {
  put_u32(out, static_cast<uint32_t>(p.shingle.kind));
  put_u32(out, p.shingle.k);
  put_u64(out, p.shingle.seed);
  put_u32(out, normalize_bits(p.normalize));
  put_u32(out, tokenize_bits(p.tokenize));
}
// The pipeline put_pipeline wrote at `p`, or nullopt for an unknown shingle kind or flag.
inline std::optional<PipelineOptions> get_pipeline(const char* p) {
  const uint32_t shingle_kind = get_u32(p);
  const uint32_t norm = get_u32(p + 16);
  const uint32_t tok = get_u32(p + 20);
  if (shingle_kind > 1 || norm > 127 || tok > 3) return std::nullopt;
  PipelineOptions o;
  o.shingle.kind = static_cast<ShingleKind>(shingle_kind);
  o.shingle.k = get_u32(p + 4);
  o.shingle.seed = get_u64(p + 8);
  o.normalize = normalize_from_bits(norm);
  o.tokenize = tokenize_from_bits(tok);
  return o;
}

// The similarity options as the MinHash index and the sketch files store them, 64 bytes: the
// pipeline (24); the MinHash scheme and num_perm (u32 each) and seed (u64); the threshold (f64);
// bands and rows as given (u32 each, 0 = derived); bands and rows as used, `lsh` (u32 each).
inline constexpr std::size_t kSimilarityOptionsBytes = 64;
inline void put_similarity_options(std::string& out, const SimilarityOptions& o,
                                   const LshParams& lsh) {
  put_pipeline(out, o.pipeline);
  put_u32(out, static_cast<uint32_t>(o.minhash.scheme));
  put_u32(out, o.minhash.num_perm);
  put_u64(out, o.minhash.seed);
  put_u64(out, std::bit_cast<uint64_t>(o.threshold));
  put_u32(out, o.bands);
  put_u32(out, o.rows);
  put_u32(out, lsh.bands);
  put_u32(out, lsh.rows);
}
// The options put_similarity_options wrote at `p` (the LSH shape used is get_u32(p + 56) and
// get_u32(p + 60)), or nullopt for an unknown shingle kind, flag or MinHash scheme. Not
// validated: the caller checks them against its header.
inline std::optional<SimilarityOptions> get_similarity_options(const char* p) {
  const std::optional<PipelineOptions> pipeline = get_pipeline(p);
  const uint32_t scheme = get_u32(p + 24);
  if (!pipeline || scheme > 1) return std::nullopt;
  SimilarityOptions o;
  o.pipeline = *pipeline;
  o.minhash.scheme = static_cast<MinHashScheme>(scheme);
  o.minhash.num_perm = get_u32(p + 28);
  o.minhash.seed = get_u64(p + 32);
  o.threshold = std::bit_cast<double>(get_u64(p + 40));
  o.bands = get_u32(p + 48);
  o.rows = get_u32(p + 52);
  return o;
}

// A pooled scratch (one with a `shingler`) whose shingler is made on first use.
template <typename Scratch>
struct ShinglerLease : ScratchPool<Scratch>::Lease {
  ShinglerLease(const ScratchPool<Scratch>& pool, const PipelineOptions& pipeline)
      : ScratchPool<Scratch>::Lease(pool) {
    if (!(*this)->shingler) (*this)->shingler = std::make_unique<ShingleHasher>(pipeline);
  }
};

// Heap bytes held by a vector.
std::size_t vector_bytes(const auto& v) { return v.capacity() * sizeof(v[0]); }

// Grows v's capacity geometrically so that one more push_back cannot throw.
template <class V>
void make_room(V& v) {
  if (v.size() == v.capacity()) v.reserve(std::max<std::size_t>(16, v.capacity() * 2));
}

}  // namespace neardup::detail
