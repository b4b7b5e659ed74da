#include <string>

#include "neardup/advanced/similarity.h"

namespace neardup {

LshParams SimilarityOptions::lsh_params() const {
  LshParams p =
      bands != 0 ? LshParams{bands, rows, 1} : LshParams::for_recall(threshold, minhash.num_perm);
  p.seed = minhash.seed;
  return p;
}

Status SimilarityOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(pipeline.validate());
  NEARDUP_RETURN_IF_ERROR(minhash.validate());
  if (!(threshold > 0.0 && threshold <= 1.0)) {
    return Status::invalid_argument("threshold must be in (0, 1], got " +
                                    std::to_string(threshold));
  }
  if ((bands == 0) != (rows == 0)) {
    return Status::invalid_argument("set both LSH bands and rows, or neither");
  }
  if (bands != 0) NEARDUP_RETURN_IF_ERROR(lsh_params().validate(minhash.num_perm));
  return Status();
}

}  // namespace neardup
