// Story latent space: a truncated SVD (latent semantic analysis) of the TF-IDF term-document
// matrix, so that reports which say "pot" and "marijuana", or "plant" and "factory", get a
// similarity beyond the words they share.
//
//   matrix      rows = documents (their unit TF-IDF story vectors), columns = the terms that
//               occur in at least min_df documents (a term of one document carries no
//               co-occurrence and would only cost a column).
//   SVD         randomized range finder (Halko, Martinsson and Tropp 2011, algorithms 4.4 and
//               5.1): Y = A * Omega with a seeded Gaussian Omega of rank + oversample columns,
//               power_iterations rounds of re-orthonormalized A^T / A products, then the exact
//               SVD of the small projected matrix B = Q^T A through the eigenvectors of B B^T.
//               Eigen sparse x dense products; no threads, so the result does not depend on the
//               thread count, and a fixed seed gives the same factors on every run.
//   projection  a document's latent vector is x^T V_k (its coordinates U Sigma in the classic
//               LSA picture), minus the corpus's mean latent vector (so that the common
//               direction every news text shares does not make unrelated reports similar),
//               scaled to unit length. The latent cosine of two documents is the dot product.
//
// How the clusterer combines it with the lexical cosine: story_cluster.h (latent_weight).
//
// Example:
//   auto space = neardup::StoryLatentSpace::fit(vectors, {.rank = 100});  // unit story vectors
//   for (neardup::StoryVector& v : vectors) space->project(v, v.latent);
//   double lat = neardup::latent_cosine(a, b);
//
// Thread safety: fit() keeps no shared state; a StoryLatentSpace is immutable after fit(), and
// project() may run on any number of threads at once.
// Cost (n documents, z non-zeros, m columns, l = rank + oversample, q power iterations):
// time O((2q + 2) * z * l + (2q + 2) * (n + m) * l^2), memory O(z + (n + m) * l) floats (a few
// copies of the n x l block). Measured per million documents: bench/results/story_latent.md.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "neardup/advanced/story_weighting.h"
#include "neardup/status.h"

namespace neardup {

struct StoryLatentOptions {
  uint32_t rank = 100;            // latent dimensions kept (1 .. 1000)
  uint32_t oversample = 10;       // extra random directions of the range finder
  uint32_t power_iterations = 2;  // sharpen the spectrum; 0 = plain range finder
  uint32_t min_df = 2;            // a term is a column when at least this many documents hold it
  uint64_t seed = 0x5eed;         // of the Gaussian test matrix

  Status validate() const;
};

// A sparse matrix in compressed rows (for truncated_svd; row r holds the entries
// offsets[r] .. offsets[r + 1] - 1 of cols and values).
struct SparseRowMatrix {
  uint32_t rows = 0, cols = 0;
  std::vector<uint64_t> offsets;  // rows + 1 entries
  std::vector<uint32_t> col_index;
  std::vector<float> values;
};

// A rank-k factorization A ~ U diag(S) V^T, singular values in decreasing order. U is rows x k,
// V is cols x k, both row-major. The sign of each singular pair is fixed so that the largest
// component of its V column is positive (the factors are unique up to these signs).
struct TruncatedSvd {
  uint32_t rank = 0;
  std::vector<double> singular_values;
  std::vector<float> u, v;
};

// The randomized truncated SVD of `a` (rank is min(options.rank, rows, cols)). invalid_argument
// for a malformed matrix; internal on out of memory.
Result<TruncatedSvd> truncated_svd(const SparseRowMatrix& a, const StoryLatentOptions& options);

class StoryLatentSpace {
 public:
  // Fits the space to these unit story vectors (the rows of the matrix). A corpus with fewer
  // than two documents or no shared term gives a space of rank 0, which projects nothing.
  static Result<StoryLatentSpace> fit(std::span<const StoryVector> docs,
                                      const StoryLatentOptions& options);
  StoryLatentSpace(StoryLatentSpace&&) noexcept;
  StoryLatentSpace& operator=(StoryLatentSpace&&) noexcept;
  ~StoryLatentSpace();

  uint32_t rank() const noexcept;
  std::size_t columns() const noexcept;  // terms of the vocabulary
  // The latent vector of `d` (rank() floats, unit length), or empty when d holds no term of the
  // vocabulary or the space has rank 0. No allocation once `out` has grown.
  void project(const StoryVector& d, std::vector<float>& out) const;

  // The parts a saved model holds (DocumentFrequencies::save): the vocabulary (the columns'
  // terms, ascending), V (columns() x rank(), row-major) and the corpus's mean latent vector
  // (rank() floats). Empty for a space of rank 0.
  std::span<const uint64_t> vocabulary() const noexcept;
  std::span<const float> projection() const noexcept;
  std::span<const float> mean() const noexcept;
  // A space from saved parts: invalid_argument when the sizes disagree (projection must hold
  // vocabulary.size() x rank floats, mean rank floats), the terms are not strictly ascending,
  // a value is not finite, or rank is above 1000. A space of rank 0 has no vocabulary.
  static Result<StoryLatentSpace> from_parts(std::vector<uint64_t> vocabulary,
                                             std::vector<float> projection, std::vector<float> mean,
                                             uint32_t rank);

 private:
  struct Impl;
  explicit StoryLatentSpace(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The dot product of two latent vectors (0 when either is empty or their sizes differ).
double latent_cosine(std::span<const float> a, std::span<const float> b) noexcept;

}  // namespace neardup
