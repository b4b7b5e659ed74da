// SimilarityOptions: what "near-duplicate" means for the MinHash building blocks, in one struct
// shared by the batch clusterer (NearDupOptions, near_dup.h) and the persistent index
// (IndexOptions, index.h): how a text becomes shingles, how shingles become a signature, the
// Jaccard similarity at which two documents match and the LSH shape that finds candidates.
//
//   neardup::SimilarityOptions s{.threshold = 0.8};       // word:5 shingles, 128 OPH slots
//   if (neardup::Status st = s.validate(); !st.ok()) return st;
//   neardup::LshParams lsh = s.lsh_params();               // 14 bands x 7 rows at 0.8, 128 slots
//   auto c = neardup::NearDupClusterer::create({.similarity = s});
//
// lsh_params() returns the explicit bands x rows when they are set, otherwise
// LshParams::for_recall(threshold, minhash.num_perm); the LSH seed is always minhash.seed.
//
// Thread safety: a plain value; const methods may run concurrently. Cost: O(1) with explicit
// bands/rows; deriving them (for_recall) tries every shape b * r <= num_perm, O(num_perm log
// num_perm) numeric integrals: call it once per clusterer or index, not per document.
#pragma once

#include <cstdint>

#include "neardup/advanced/lsh_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/shingle.h"
#include "neardup/status.h"

namespace neardup {

struct SimilarityOptions {
  PipelineOptions pipeline;  // normalization, tokenization, shingles (default word:5)
  MinHashParams minhash;     // default one-permutation, 128 slots
  double threshold = 0.8;    // Jaccard similarity at which two documents match, in (0, 1]
  uint32_t bands = 0;        // 0 = derived from threshold and num_perm (LshParams::for_recall)
  uint32_t rows = 0;         // set both bands and rows, or neither

  // invalid_argument naming the offending field (the pipeline's and MinHash's own checks
  // first); ok otherwise.
  Status validate() const;
  // The explicit bands/rows, or the shape derived from threshold and num_perm; seed minhash.seed.
  LshParams lsh_params() const;
};

}  // namespace neardup
