// Story latent space: randomized truncated SVD of the TF-IDF matrix with Eigen (see
// neardup/advanced/story_latent.h).
#include <Eigen/Dense>
#include <Eigen/SparseCore>
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <new>
#include <numbers>
#include <string>
#include <unordered_map>
#include <utility>

#include "neardup/advanced/story_latent.h"

namespace neardup {
namespace {

using SparseF = Eigen::SparseMatrix<float, Eigen::RowMajor, int>;
// Row-major dense blocks: the sparse products (row-major A times a block, and A^T times a
// block) add a scaled row of the block to a row of the result for every non-zero, so rows must
// be contiguous.
using DenseF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// splitmix64: a fixed, portable sequence for the Gaussian test matrix.
uint64_t next_random(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform in (0, 1) from the top 53 bits (never 0, so the logarithm below is finite).
double uniform(uint64_t& state) {
  return (static_cast<double>(next_random(state) >> 11) + 0.5) * 0x1.0p-53;
}

// Fills m with standard normal values (Box-Muller), column by column.
void gaussian(DenseF& m, uint64_t seed) {
  uint64_t state = seed;
  float* p = m.data();
  const auto size = static_cast<std::size_t>(m.size());
  for (std::size_t i = 0; i < size; i += 2) {
    const double r = std::sqrt(-2.0 * std::log(uniform(state)));
    const double t = 2.0 * std::numbers::pi * uniform(state);
    p[i] = static_cast<float>(r * std::cos(t));
    if (i + 1 < size) p[i + 1] = static_cast<float>(r * std::sin(t));
  }
}

// One Cholesky QR step in double: y <- y R^-1 with R^T R = y^T y. False (y unchanged) when the
// Gram matrix is not safely positive definite: y's condition number above 1e6.
bool cholesky_qr_step(Eigen::MatrixXd& y) {
  const Eigen::MatrixXd g = y.transpose() * y;
  Eigen::LLT<Eigen::MatrixXd> llt(g);
  if (llt.info() != Eigen::Success) return false;
  const Eigen::MatrixXd l = llt.matrixL();
  const Eigen::VectorXd d = l.diagonal().cwiseAbs();
  if (!(d.minCoeff() > 1e-6 * d.maxCoeff())) return false;
  // y R^-1 = (R^-T y^T)^T = (L^-1 y^T)^T
  y = l.triangularView<Eigen::Lower>().solve(y.transpose()).transpose();
  return true;
}

// An orthonormal basis of the columns of y, in place. CholeskyQR2 (two Cholesky QR steps in
// double; Fukaya et al. 2014): matrix products instead of a Householder QR's reflections,
// several times faster on the tall n x (rank + oversample) blocks and orthonormal to double
// precision when y is well conditioned, which the re-orthonormalization after every product
// keeps it. A rank-deficient y (a matrix of lower rank than the block) falls back to the thin
// Q of a Householder QR.
void orthonormalize(DenseF& y) {
  const Eigen::Index rows = y.rows(), cols = y.cols();
  Eigen::MatrixXd yd = y.cast<double>();
  if (cholesky_qr_step(yd) && cholesky_qr_step(yd)) {
    y = yd.cast<float>();
    return;
  }
  Eigen::HouseholderQR<DenseF> qr(y);
  y = qr.householderQ() * DenseF::Identity(rows, cols);
}

Status check_matrix(const SparseRowMatrix& a) {
  if (a.offsets.size() != static_cast<std::size_t>(a.rows) + 1 || a.offsets.front() != 0 ||
      a.offsets.back() != a.col_index.size() || a.col_index.size() != a.values.size()) {
    return Status::invalid_argument("truncated_svd: malformed sparse matrix");
  }
  if (a.values.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      a.rows > static_cast<uint32_t>(std::numeric_limits<int>::max()) ||
      a.cols > static_cast<uint32_t>(std::numeric_limits<int>::max())) {
    return Status::invalid_argument("truncated_svd: more than 2^31 - 1 non-zeros, rows or columns");
  }
  for (uint32_t r = 0; r < a.rows; ++r) {
    if (a.offsets[r] > a.offsets[r + 1]) {
      return Status::invalid_argument("truncated_svd: malformed sparse matrix");
    }
  }
  for (std::size_t i = 0; i < a.col_index.size(); ++i) {
    if (a.col_index[i] >= a.cols || !std::isfinite(a.values[i])) {
      return Status::invalid_argument(
          "truncated_svd: column index out of range or value not finite");
    }
  }
  return Status();
}

// Copies the compressed rows into an Eigen matrix (Eigen wants signed, sorted inner indices).
SparseF to_eigen(const SparseRowMatrix& a) {
  std::vector<Eigen::Triplet<float, int>> t;
  t.reserve(a.values.size());
  for (uint32_t r = 0; r < a.rows; ++r) {
    for (uint64_t k = a.offsets[r]; k < a.offsets[r + 1]; ++k) {
      t.emplace_back(static_cast<int>(r), static_cast<int>(a.col_index[k]), a.values[k]);
    }
  }
  SparseF m(static_cast<Eigen::Index>(a.rows), static_cast<Eigen::Index>(a.cols));
  m.setFromTriplets(t.begin(), t.end());
  return m;
}

// out = a x (a row-major sparse matrix times a row-major block), written into the row-major
// result directly. Eigen evaluates this product into a column-major temporary, so every
// non-zero scattered a row of the block across as many cache lines as the block has columns;
// here each non-zero adds one contiguous row to another. Each entry gets the same float
// operations in the same order as Eigen's (out(i, c) += v * x(k, c), non-zeros in storage
// order, from 0), so the result is the same to the bit.
void sparse_times(const SparseF& a, const DenseF& x, DenseF& out) {
  const Eigen::Index l = x.cols();
  out.setZero(a.rows(), l);
  const int* outer = a.outerIndexPtr();
  const int* inner = a.innerIndexPtr();
  const float* value = a.valuePtr();
  const int* counts = a.innerNonZeroPtr();  // null when compressed
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    float* o = out.data() + i * l;
    const int end = counts != nullptr ? outer[i] + counts[i] : outer[i + 1];
    for (int p = outer[i]; p < end; ++p) {
      const float v = value[p];
      const float* r = x.data() + static_cast<Eigen::Index>(inner[p]) * l;
      for (Eigen::Index c = 0; c < l; ++c) o[c] += v * r[c];
    }
  }
}

// out = a^T x, the same way (Eigen's order: rows of a in turn, each non-zero (i, k) adding
// v * x.row(i) to out.row(k)).
void sparse_transpose_times(const SparseF& a, const DenseF& x, DenseF& out) {
  const Eigen::Index l = x.cols();
  out.setZero(a.cols(), l);
  const int* outer = a.outerIndexPtr();
  const int* inner = a.innerIndexPtr();
  const float* value = a.valuePtr();
  const int* counts = a.innerNonZeroPtr();  // null when compressed
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    const float* r = x.data() + i * l;
    const int end = counts != nullptr ? outer[i] + counts[i] : outer[i + 1];
    for (int p = outer[i]; p < end; ++p) {
      const float v = value[p];
      float* o = out.data() + static_cast<Eigen::Index>(inner[p]) * l;
      for (Eigen::Index c = 0; c < l; ++c) o[c] += v * r[c];
    }
  }
}

TruncatedSvd svd_of(const SparseF& a, const StoryLatentOptions& options) {
  TruncatedSvd out;
  const Eigen::Index rows = a.rows(), cols = a.cols();
  const Eigen::Index smaller = std::min(rows, cols);
  const Eigen::Index k = std::min<Eigen::Index>(options.rank, smaller);
  if (k <= 0 || a.nonZeros() == 0) return out;
  const Eigen::Index l = std::min<Eigen::Index>(k + options.oversample, smaller);
  // Range finder with power iterations, re-orthonormalized at each step (Halko et al. 4.4).
  DenseF omega(cols, l);
  gaussian(omega, options.seed);
  DenseF q;
  sparse_times(a, omega, q);
  omega.resize(0, 0);
  orthonormalize(q);
  DenseF z;
  for (uint32_t it = 0; it < options.power_iterations; ++it) {
    sparse_transpose_times(a, q, z);
    orthonormalize(z);
    sparse_times(a, z, q);
    orthonormalize(q);
  }
  // B = Q^T A, kept as its transpose (cols x l). B B^T = Bt^T Bt is l x l: its eigenvectors are
  // the left singular vectors of B and its eigenvalues the squared singular values.
  DenseF bt;
  sparse_transpose_times(a, q, bt);
  const Eigen::MatrixXd g = (bt.transpose() * bt).cast<double>();
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(g);
  const Eigen::VectorXd& lambda = eig.eigenvalues();  // ascending
  const Eigen::MatrixXd& vec = eig.eigenvectors();
  // Keep the k largest pairs whose singular value is not zero (a rank-deficient matrix has
  // fewer).
  const double top = std::max(lambda(l - 1), 0.0);
  Eigen::Index kept = 0;
  while (kept < k && lambda(l - 1 - kept) > top * 1e-12 && lambda(l - 1 - kept) > 0) ++kept;
  if (kept == 0) return out;
  Eigen::MatrixXd ub(l, kept);
  out.singular_values.resize(static_cast<std::size_t>(kept));
  for (Eigen::Index j = 0; j < kept; ++j) {
    ub.col(j) = vec.col(l - 1 - j);
    out.singular_values[static_cast<std::size_t>(j)] = std::sqrt(lambda(l - 1 - j));
  }
  Eigen::MatrixXd v = bt.cast<double>() * ub;  // cols x kept, column j scaled by sigma_j
  for (Eigen::Index j = 0; j < kept; ++j)
    v.col(j) /= out.singular_values[static_cast<std::size_t>(j)];
  Eigen::MatrixXd u = q.cast<double>() * ub;  // rows x kept
  // Fix each pair's sign: the largest |component| of the V column is positive (first on ties).
  for (Eigen::Index j = 0; j < kept; ++j) {
    Eigen::Index arg = 0;
    for (Eigen::Index i = 1; i < cols; ++i) {
      if (std::abs(v(i, j)) > std::abs(v(arg, j))) arg = i;
    }
    if (v(arg, j) < 0) {
      v.col(j) *= -1;
      u.col(j) *= -1;
    }
  }
  out.rank = static_cast<uint32_t>(kept);
  out.u.resize(static_cast<std::size_t>(rows * kept));
  out.v.resize(static_cast<std::size_t>(cols * kept));
  for (Eigen::Index i = 0; i < rows; ++i) {
    for (Eigen::Index j = 0; j < kept; ++j)
      out.u[static_cast<std::size_t>(i * kept + j)] = static_cast<float>(u(i, j));
  }
  for (Eigen::Index i = 0; i < cols; ++i) {
    for (Eigen::Index j = 0; j < kept; ++j)
      out.v[static_cast<std::size_t>(i * kept + j)] = static_cast<float>(v(i, j));
  }
  return out;
}

}  // namespace

Status StoryLatentOptions::validate() const {
  if (rank < 1 || rank > 1000) return Status::invalid_argument("latent rank must be in [1, 1000]");
  if (oversample > 1000)
    return Status::invalid_argument("latent oversampling must be at most 1000");
  if (power_iterations > 20) {
    return Status::invalid_argument("latent power iterations must be at most 20");
  }
  if (min_df < 1) return Status::invalid_argument("latent min_df must be at least 1");
  return Status();
}

Result<TruncatedSvd> truncated_svd(const SparseRowMatrix& a, const StoryLatentOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  NEARDUP_RETURN_IF_ERROR(check_matrix(a));
  try {
    return svd_of(to_eigen(a), options);
  } catch (const std::bad_alloc&) {
    return Status::internal("truncated_svd: out of memory");
  }
}

// Term -> column: open addressing with linear probing on a multiplicative hash, at most half
// full, instead of a std::unordered_map (a modulo and a node per lookup), since project() looks
// up every term of every document. Term 0 is kept aside (0 marks an empty slot).
class ColumnTable {
 public:
  void build(const std::vector<uint64_t>& vocabulary) {
    std::size_t slots = 16;
    while (slots < 2 * vocabulary.size()) slots *= 2;
    keys_.assign(slots, 0);
    columns_.assign(slots, 0);
    shift_ = 64 - static_cast<unsigned>(std::countr_zero(slots));
    zero_ = kAbsent;
    size_ = vocabulary.size();
    for (std::size_t c = 0; c < vocabulary.size(); ++c) {
      const uint64_t t = vocabulary[c];
      if (t == 0) {
        zero_ = static_cast<uint32_t>(c);
        continue;
      }
      std::size_t i = slot(t);
      while (keys_[i] != 0) i = (i + 1) & (keys_.size() - 1);
      keys_[i] = t;
      columns_[i] = static_cast<uint32_t>(c);
    }
  }
  void clear() {
    keys_.clear();
    columns_.clear();
    zero_ = kAbsent;
    size_ = 0;
  }
  std::size_t size() const noexcept { return size_; }
  // The column of `term`, or kAbsent.
  uint32_t find(uint64_t term) const noexcept {
    if (term == 0) return zero_;
    if (keys_.empty()) return kAbsent;
    for (std::size_t i = slot(term);; i = (i + 1) & (keys_.size() - 1)) {
      if (keys_[i] == term) return columns_[i];
      if (keys_[i] == 0) return kAbsent;
    }
  }
  static constexpr uint32_t kAbsent = UINT32_MAX;

 private:
  std::size_t slot(uint64_t term) const noexcept {
    return static_cast<std::size_t>((term * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> columns_;
  unsigned shift_ = 60;
  uint32_t zero_ = kAbsent;
  std::size_t size_ = 0;
};

struct StoryLatentSpace::Impl {
  ColumnTable column;                // term -> column
  std::vector<uint64_t> vocabulary;  // column -> term, ascending
  std::vector<float> projection;     // columns x rank, row-major: V
  std::vector<float> mean;           // rank: the corpus's mean of x^T V
  uint32_t rank = 0;

  // x^T V for the vocabulary terms of d into out (rank floats); false when d has none.
  bool raw(const StoryVector& d, std::vector<float>& out) const {
    out.assign(rank, 0.0f);
    bool any = false;
    for (std::size_t i = 0; i < d.terms.size(); ++i) {
      const uint32_t c = column.find(d.terms[i]);
      if (c == ColumnTable::kAbsent) continue;
      any = true;
      const float w = d.weights[i];
      const float* row = projection.data() + static_cast<std::size_t>(c) * rank;
      for (uint32_t j = 0; j < rank; ++j) out[j] += w * row[j];
    }
    return any;
  }
};

StoryLatentSpace::StoryLatentSpace(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoryLatentSpace::StoryLatentSpace(StoryLatentSpace&&) noexcept = default;
StoryLatentSpace& StoryLatentSpace::operator=(StoryLatentSpace&&) noexcept = default;
StoryLatentSpace::~StoryLatentSpace() = default;

uint32_t StoryLatentSpace::rank() const noexcept { return impl_->rank; }
std::size_t StoryLatentSpace::columns() const noexcept { return impl_->column.size(); }

Result<StoryLatentSpace> StoryLatentSpace::fit(std::span<const StoryVector> docs,
                                               const StoryLatentOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  if (docs.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    return Status::invalid_argument("latent space: too many documents");
  }
  try {
    auto impl = std::make_unique<Impl>();
    // The vocabulary: terms held by at least min_df documents, numbered in term order.
    std::unordered_map<uint64_t, uint32_t> df;
    for (const StoryVector& d : docs) {
      for (uint64_t t : d.terms) ++df[t];
    }
    std::vector<uint64_t> vocab;
    for (const auto& [t, c] : df) {
      if (c >= options.min_df) vocab.push_back(t);
    }
    std::unordered_map<uint64_t, uint32_t>().swap(df);
    std::sort(vocab.begin(), vocab.end());
    impl->vocabulary = vocab;
    impl->column.build(vocab);
    SparseRowMatrix a;
    a.rows = static_cast<uint32_t>(docs.size());
    a.cols = static_cast<uint32_t>(vocab.size());
    a.offsets.reserve(docs.size() + 1);
    a.offsets.push_back(0);
    for (const StoryVector& d : docs) {
      for (std::size_t i = 0; i < d.terms.size(); ++i) {
        const uint32_t c = impl->column.find(d.terms[i]);
        if (c == ColumnTable::kAbsent) continue;
        a.col_index.push_back(c);
        a.values.push_back(d.weights[i]);
      }
      a.offsets.push_back(a.col_index.size());
    }
    if (a.values.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
      return Status::invalid_argument("latent space: more than 2^31 - 1 non-zeros");
    }
    TruncatedSvd svd;
    if (a.rows >= 2 && a.cols >= 1) {
      SparseF m = to_eigen(a);
      a = SparseRowMatrix();
      svd = svd_of(m, options);
    }
    impl->rank = svd.rank;
    impl->projection = std::move(svd.v);
    if (impl->rank == 0) {
      impl->column.clear();
      impl->vocabulary.clear();
      return StoryLatentSpace(std::move(impl));
    }
    // The mean latent vector of the documents that have one (centering): the sum of x^T V over
    // them is (the column sums of A)^T V, O(columns x rank) instead of a projection each.
    std::vector<double> sum(impl->rank, 0.0);
    std::vector<double> column_sum(impl->column.size(), 0.0);
    std::size_t counted = 0;
    for (const StoryVector& d : docs) {
      bool any = false;
      for (std::size_t i = 0; i < d.terms.size(); ++i) {
        const uint32_t c = impl->column.find(d.terms[i]);
        if (c == ColumnTable::kAbsent) continue;
        any = true;
        column_sum[c] += d.weights[i];
      }
      counted += any ? 1 : 0;
    }
    for (std::size_t c = 0; c < column_sum.size(); ++c) {
      const float* row = impl->projection.data() + c * impl->rank;
      for (uint32_t j = 0; j < impl->rank; ++j) sum[j] += column_sum[c] * row[j];
    }
    impl->mean.assign(impl->rank, 0.0f);
    for (uint32_t j = 0; j < impl->rank; ++j)
      impl->mean[j] =
          static_cast<float>(sum[j] / static_cast<double>(std::max<std::size_t>(1, counted)));
    return StoryLatentSpace(std::move(impl));
  } catch (const std::bad_alloc&) {
    return Status::internal("latent space: out of memory");
  }
}

std::span<const uint64_t> StoryLatentSpace::vocabulary() const noexcept {
  return impl_->vocabulary;
}
std::span<const float> StoryLatentSpace::projection() const noexcept { return impl_->projection; }
std::span<const float> StoryLatentSpace::mean() const noexcept { return impl_->mean; }

Result<StoryLatentSpace> StoryLatentSpace::from_parts(std::vector<uint64_t> vocabulary,
                                                      std::vector<float> projection,
                                                      std::vector<float> mean, uint32_t rank) {
  if (rank > 1000) return Status::invalid_argument("latent space: rank above 1000");
  if (rank == 0 && (!vocabulary.empty() || !projection.empty() || !mean.empty())) {
    return Status::invalid_argument("latent space: rank 0 with a vocabulary");
  }
  if (vocabulary.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()) ||
      projection.size() / std::max<uint32_t>(rank, 1) != vocabulary.size() ||
      projection.size() % std::max<uint32_t>(rank, 1) != 0 || mean.size() != rank) {
    return Status::invalid_argument("latent space: the projection or the mean has the wrong size");
  }
  for (std::size_t i = 1; i < vocabulary.size(); ++i) {
    if (vocabulary[i - 1] >= vocabulary[i]) {
      return Status::invalid_argument("latent space: vocabulary not strictly ascending");
    }
  }
  for (float x : projection) {
    if (!std::isfinite(x)) return Status::invalid_argument("latent space: value not finite");
  }
  for (float x : mean) {
    if (!std::isfinite(x)) return Status::invalid_argument("latent space: value not finite");
  }
  try {
    auto impl = std::make_unique<Impl>();
    impl->column.build(vocabulary);
    impl->vocabulary = std::move(vocabulary);
    impl->projection = std::move(projection);
    impl->mean = std::move(mean);
    impl->rank = rank;
    return StoryLatentSpace(std::move(impl));
  } catch (const std::bad_alloc&) {
    return Status::internal("latent space: out of memory");
  }
}

void StoryLatentSpace::project(const StoryVector& d, std::vector<float>& out) const {
  const Impl& m = *impl_;
  if (m.rank == 0 || !m.raw(d, out)) {
    out.clear();
    return;
  }
  double n2 = 0;
  for (uint32_t j = 0; j < m.rank; ++j) {
    out[j] -= m.mean[j];
    n2 += static_cast<double>(out[j]) * out[j];
  }
  if (n2 <= 1e-24) {
    out.clear();
    return;
  }
  const double inv = 1.0 / std::sqrt(n2);
  for (float& x : out) x = static_cast<float>(x * inv);
}

double latent_cosine(std::span<const float> a, std::span<const float> b) noexcept {
  if (a.empty() || a.size() != b.size()) return 0;
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

}  // namespace neardup
