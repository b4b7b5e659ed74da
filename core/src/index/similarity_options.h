// Validation and LSH shape shared by the option structs that carry the same similarity fields
// (NearDupOptions, IndexOptions): pipeline, minhash, threshold, bands, rows.
#pragma once

#include <string>

#include "neardup/advanced/lsh_index.h"
#include "neardup/status.h"

namespace neardup::detail {

// The explicit bands/rows, or the shape derived from threshold and num_perm.
template <class Options>
LshParams similarity_lsh_params(const Options& o) {
  LshParams p = o.bands != 0 ? LshParams{o.bands, o.rows, 1}
                             : LshParams::for_recall(o.threshold, o.minhash.num_perm);
  p.seed = o.minhash.seed;
  return p;
}

template <class Options>
Status validate_similarity_options(const Options& o) {
  NEARDUP_RETURN_IF_ERROR(o.pipeline.validate());
  NEARDUP_RETURN_IF_ERROR(o.minhash.validate());
  if (!(o.threshold > 0.0 && o.threshold <= 1.0)) {
    return Status::invalid_argument("threshold must be in (0, 1], got " +
                                    std::to_string(o.threshold));
  }
  if ((o.bands == 0) != (o.rows == 0)) {
    return Status::invalid_argument("set both LSH bands and rows, or neither");
  }
  if (o.bands != 0) {
    NEARDUP_RETURN_IF_ERROR(similarity_lsh_params(o).validate(o.minhash.num_perm));
  }
  return Status();
}

}  // namespace neardup::detail
