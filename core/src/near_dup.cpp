#include "neardup/near_dup.h"

#include "detail/similarity_options.h"

#include <algorithm>
#include <string>

namespace neardup {

Status NearDupOptions::validate() const { return detail::validate_similarity_options(*this); }

LshParams NearDupOptions::lsh_params() const { return detail::similarity_lsh_params(*this); }

double jaccard_sorted(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept {
  if (a.empty() || b.empty()) return 0.0;
  std::size_t i = 0, j = 0, common = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      ++common;
      ++i;
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

NearDupClusterer::NearDupClusterer(NearDupOptions options)
    : options_(std::move(options)), hasher_(options_.minhash), index_(options_.lsh_params()) {}

Result<NearDupClusterer> NearDupClusterer::create(NearDupOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  return NearDupClusterer(std::move(options));
}

void NearDupClusterer::prepare(std::string_view text, PreparedDoc& out, Scratch& scratch) const {
  if (!scratch.shingler) scratch.shingler = std::make_unique<ShingleHasher>(options_.pipeline);
  std::span<const uint64_t> hashes = scratch.shingler->hash(text);
  // MinHash ignores order and repeats, so no sort here: only verification needs sets, and only
  // for the few documents that become candidates.
  out.shingles.assign(hashes.begin(), hashes.end());
  out.signature.resize(hasher_.num_perm());
  hasher_.sign(out.shingles, out.signature);
  out.exact_key = exact_key(scratch.shingler->last_normalized());
  out.text_bytes = text.size();
}

std::span<const uint64_t> NearDupClusterer::sorted_shingles(uint32_t doc) {
  uint64_t* p = shingle_ptr_[doc];
  if (shingle_sorted_[doc] == 0) {
    std::sort(p, p + shingle_len_[doc]);
    shingle_len_[doc] = static_cast<uint32_t>(std::unique(p, p + shingle_len_[doc]) - p);
    shingle_sorted_[doc] = 1;
  }
  return {p, shingle_len_[doc]};
}

std::span<const uint32_t> NearDupClusterer::signature32(uint32_t doc) const {
  const std::size_t k = hasher_.num_perm();
  return {signature_chunks_[doc / kSignatureChunk].get() + (doc % kSignatureChunk) * k, k};
}

double NearDupClusterer::similarity(uint32_t a, uint32_t b) {
  a = canon_[a];
  b = canon_[b];
  if (a == b) return 1.0;
  if (options_.verify == VerifyMode::kShingles) {
    return jaccard_sorted(sorted_shingles(a), sorted_shingles(b));
  }
  return estimate_jaccard(signature32(a), signature32(b));
}

void NearDupClusterer::store(uint32_t doc, const PreparedDoc& prepared, bool copy) {
  if (options_.verify == VerifyMode::kShingles) {
    // Copies store nothing: they are compared through their first copy.
    const std::size_t n = copy ? 0 : prepared.shingles.size();
    uint64_t* p = nullptr;
    if (n > 0) {
      if (shingle_chunk_used_ + n > shingle_chunk_capacity_) {
        // A new chunk, doubling from 64 Ki values up to kShingleChunk so that small runs stay
        // small; a document larger than that gets a chunk of its own size.
        const std::size_t grown =
            std::min(kShingleChunk,
                     std::max<std::size_t>(std::size_t{1} << 16, 2 * shingle_chunk_capacity_));
        shingle_chunk_capacity_ = std::max(n, grown);
        shingle_chunks_.push_back(
            std::make_unique_for_overwrite<uint64_t[]>(shingle_chunk_capacity_));
        shingle_bytes_ += shingle_chunk_capacity_ * sizeof(uint64_t);
        shingle_chunk_used_ = 0;
      }
      p = shingle_chunks_.back().get() + shingle_chunk_used_;
      std::copy(prepared.shingles.begin(), prepared.shingles.end(), p);
      shingle_chunk_used_ += n;
    }
    shingle_ptr_.push_back(p);
    shingle_len_.push_back(static_cast<uint32_t>(n));
    shingle_sorted_.push_back(0);
  } else {
    const std::size_t k = hasher_.num_perm();
    if (doc % kSignatureChunk == 0) {
      signature_chunks_.push_back(std::make_unique_for_overwrite<uint32_t[]>(kSignatureChunk * k));
    }
    uint32_t* p = signature_chunks_.back().get() + (doc % kSignatureChunk) * k;
    to_signature32(prepared.signature, std::span<uint32_t>(p, k));
  }
}

uint32_t NearDupClusterer::add(const PreparedDoc& doc) {
  const auto i = static_cast<uint32_t>(canon_.size());
  ++stats_.documents;
  components_.resize(i + 1u);
  const ExactIndex::Match m = exact_.add(doc.exact_key, i);
  const bool copy = !m.is_new;
  canon_.push_back(copy ? static_cast<uint32_t>(m.first) : i);

  store(i, doc, copy);

  if (copy) {
    ++stats_.exact_duplicates;
    const auto first = static_cast<uint32_t>(m.first);
    if (options_.linkage == Linkage::kComponents) {
      components_.unite(first, i);
    } else {
      cluster_of_.push_back(cluster_of_[first]);
      rep_similarity_.push_back(rep_similarity_[first]);
    }
    return i;
  }

  const bool indexable = !doc.shingles.empty();
  if (indexable)
    index_.query(doc.signature, candidates_);
  else
    candidates_.clear();
  stats_.candidates += candidates_.size();

  if (options_.linkage == Linkage::kComponents) {
    for (uint32_t c : candidates_) {
      if (components_.find(c) == components_.find(i)) {
        ++stats_.skipped_linked;
        continue;
      }
      if (similarity(i, c) >= options_.threshold) {
        ++stats_.verified;
        components_.unite(c, i);
      } else {
        ++stats_.rejected;
      }
    }
    if (indexable) index_.add(i, doc.signature);
  } else {
    // Only representatives are in the index: join the most similar one at or above the
    // threshold (ties: the earliest), else become a representative.
    uint32_t best = i;
    double best_sim = -1;
    for (uint32_t c : candidates_) {
      const double s = similarity(i, c);
      if (s >= options_.threshold) {
        ++stats_.verified;
        if (s > best_sim) {
          best_sim = s;
          best = c;
        }
      } else {
        ++stats_.rejected;
      }
    }
    cluster_of_.push_back(best);
    rep_similarity_.push_back(best == i ? 1.0f : static_cast<float>(best_sim));
    if (best == i && indexable) index_.add(i, doc.signature);
  }
  return i;
}

std::vector<NearDupAssignment> NearDupClusterer::finish(std::span<const double> priority) {
  const auto n = static_cast<uint32_t>(canon_.size());
  std::vector<NearDupAssignment> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    out[i].cluster =
        options_.linkage == Linkage::kComponents ? components_.find(i) : cluster_of_[i];
    out[i].representative = out[i].cluster;
  }
  if (priority.size() == n) {
    // Clusters are numbered by their first member, which comes before the others, so one pass
    // in document order sees each cluster's current best before any later member.
    for (uint32_t i = 0; i < n; ++i) {
      uint32_t& rep = out[out[i].cluster].representative;
      if (priority[i] > priority[rep]) rep = i;
    }
    for (uint32_t i = 0; i < n; ++i) out[i].representative = out[out[i].cluster].representative;
  }
  for (uint32_t i = 0; i < n; ++i) {
    NearDupAssignment& a = out[i];
    if (a.representative == i) {
      a.similarity = 1.0;
    } else if (options_.linkage == Linkage::kRepresentative && a.representative == a.cluster) {
      a.similarity = static_cast<double>(rep_similarity_[i]);  // computed when it joined
    } else {
      a.similarity = similarity(i, a.representative);
    }
  }
  return out;
}

std::size_t NearDupClusterer::memory_bytes() const noexcept {
  return index_.memory_bytes() + exact_.memory_bytes() + shingle_bytes_ +
         shingle_ptr_.capacity() * (sizeof(uint64_t*) + sizeof(uint32_t) + sizeof(uint8_t)) +
         signature_chunks_.size() * kSignatureChunk * hasher_.num_perm() * sizeof(uint32_t) +
         canon_.capacity() * sizeof(uint32_t) + components_.size() * sizeof(uint32_t) +
         cluster_of_.capacity() * sizeof(uint32_t) + rep_similarity_.capacity() * sizeof(float);
}

}  // namespace neardup
