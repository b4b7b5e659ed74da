#include "neardup/advanced/simhash.h"

#include <algorithm>
#include <string>

#include "detail/sort_hashes.h"
#include "kernels/simhash_kernels.h"
#include "neardup/advanced/story.h"

namespace neardup {

Status SimHashParams::validate() const {
  if (bits != 64 && bits != 128) {
    return Status::invalid_argument("SimHash bits must be 64 or 128, got " + std::to_string(bits));
  }
  return Status();
}

// --- SimHasher ----------------------------------------------------------------------------------

SimHasher::SimHasher(SimHashParams params) : params_(params) {
  NEARDUP_DCHECK(params_.validate().ok());
  if (params_.bits != 128) params_.bits = 64;
  // Independent-looking keys per fingerprint word, derived from the seed.
  key_[0] = detail::simhash_mix(params_.seed ^ 0x9E3779B97F4A7C15ULL);
  key_[1] = detail::simhash_mix(params_.seed ^ 0xD1B54A32D192ED03ULL);
}

Result<SimHasher> SimHasher::create(SimHashParams params) {
  NEARDUP_RETURN_IF_ERROR(params.validate());
  return SimHasher(params);
}

void SimHasher::fingerprint_with(Kernel kernel, std::span<const uint64_t> features,
                                 std::span<const float> weights,
                                 std::span<uint64_t> out) const noexcept {
  const bool ok = out.size() == words() && (weights.empty() || weights.size() == features.size());
  NEARDUP_DCHECK(ok);
  if (!ok) {
    std::fill(out.begin(), out.end(), uint64_t{0});
    return;
  }
  const detail::SimHashAccFn acc_fn = detail::simhash_acc_kernel(kernel);
  const float* w = weights.empty() ? nullptr : weights.data();
  for (uint32_t word = 0; word < words(); ++word) {
    float acc[64] = {};
    acc_fn(features.data(), w, features.size(), key_[word], acc);
    uint64_t fp = 0;
    for (unsigned j = 0; j < 64; ++j) fp |= static_cast<uint64_t>(acc[j] > 0.0f ? 1u : 0u) << j;
    out[word] = fp;
  }
}

void SimHasher::fingerprint(std::span<const uint64_t> features, std::span<const float> weights,
                            std::span<uint64_t> out) const noexcept {
  fingerprint_with(Kernel::kAuto, features, weights, out);
}

Fingerprint64 SimHasher::fingerprint64(std::span<const uint64_t> features) const noexcept {
  uint64_t out[2] = {0, 0};
  fingerprint(features, {}, std::span<uint64_t>(out, words()));
  return out[0];
}

Fingerprint128 SimHasher::fingerprint128(std::span<const uint64_t> features) const noexcept {
  uint64_t out[2] = {0, 0};
  fingerprint(features, {}, std::span<uint64_t>(out, words()));
  return Fingerprint128{out[0], out[1]};
}

namespace {
thread_local detail::HashSortScratch tls_sort;  // the scratch's sort buffers, per thread
}  // namespace

void SimHasher::fingerprint_tfidf(std::span<const uint64_t> features, const DocumentFrequencies& df,
                                  SimHashScratch& scratch, std::span<uint64_t> out) const {
  std::vector<uint64_t>& f = scratch.features;
  std::vector<float>& w = scratch.weights;
  f.assign(features.begin(), features.end());
  detail::sort_hashes(f.data(), f.size(), tls_sort);
  w.resize(f.size());
  std::size_t m = 0;
  for (std::size_t i = 0; i < f.size();) {
    std::size_t j = i + 1;
    while (j < f.size() && f[j] == f[i]) ++j;
    f[m] = f[i];
    w[m] = static_cast<float>(j - i) * df.idf(f[i]);
    ++m;
    i = j;
  }
  fingerprint(std::span<const uint64_t>(f.data(), m), std::span<const float>(w.data(), m), out);
}

}  // namespace neardup
