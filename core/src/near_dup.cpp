#include "neardup/near_dup.h"

#include <algorithm>
#include <string>

namespace neardup {

Status NearDupOptions::validate() const {
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

LshParams NearDupOptions::lsh_params() const {
  LshParams p =
      bands != 0 ? LshParams{bands, rows, 1} : LshParams::for_recall(threshold, minhash.num_perm);
  p.seed = minhash.seed;
  return p;
}

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
    : options_(std::move(options)), hasher_(options_.minhash), index_(options_.lsh_params()) {
  shingle_offsets_.push_back(0);
}

Result<NearDupClusterer> NearDupClusterer::create(NearDupOptions options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  return NearDupClusterer(std::move(options));
}

void NearDupClusterer::prepare(std::string_view text, PreparedDoc& out, Scratch& scratch) const {
  if (!scratch.shingler) scratch.shingler = std::make_unique<ShingleHasher>(options_.pipeline);
  std::span<const uint64_t> hashes = scratch.shingler->hash(text);
  out.shingles.assign(hashes.begin(), hashes.end());
  std::sort(out.shingles.begin(), out.shingles.end());
  out.shingles.erase(std::unique(out.shingles.begin(), out.shingles.end()), out.shingles.end());
  out.signature.resize(hasher_.num_perm());
  hasher_.sign(out.shingles, out.signature);
  out.exact_key = exact_key(scratch.shingler->last_normalized());
  out.text_bytes = text.size();
}

double NearDupClusterer::similarity(uint32_t a, uint32_t b) const {
  a = canon_[a];
  b = canon_[b];
  if (a == b) return 1.0;
  if (options_.verify == VerifyMode::kShingles) {
    const std::span<const uint64_t> arena(shingle_arena_);
    return jaccard_sorted(
        arena.subspan(shingle_offsets_[a], shingle_offsets_[a + 1] - shingle_offsets_[a]),
        arena.subspan(shingle_offsets_[b], shingle_offsets_[b + 1] - shingle_offsets_[b]));
  }
  const std::size_t k = hasher_.num_perm();
  const std::span<const uint32_t> sigs(signatures32_);
  return estimate_jaccard(sigs.subspan(a * k, k), sigs.subspan(b * k, k));
}

uint32_t NearDupClusterer::add(const PreparedDoc& doc) {
  const auto i = static_cast<uint32_t>(canon_.size());
  ++stats_.documents;
  components_.resize(i + 1u);
  const ExactIndex::Match m = exact_.add(doc.exact_key, i);
  const bool copy = !m.is_new;
  canon_.push_back(copy ? static_cast<uint32_t>(m.first) : i);

  // Verification data: copies store nothing (they are compared through their first copy).
  if (options_.verify == VerifyMode::kShingles) {
    if (!copy)
      shingle_arena_.insert(shingle_arena_.end(), doc.shingles.begin(), doc.shingles.end());
    shingle_offsets_.push_back(shingle_arena_.size());
  } else {
    const std::size_t k = hasher_.num_perm();
    signatures32_.resize(signatures32_.size() + k);
    to_signature32(doc.signature,
                   std::span<uint32_t>(signatures32_).subspan(std::size_t{i} * k, k));
  }

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

std::vector<NearDupAssignment> NearDupClusterer::finish() {
  std::vector<NearDupAssignment> out(canon_.size());
  for (uint32_t i = 0; i < out.size(); ++i) {
    if (options_.linkage == Linkage::kComponents) {
      const uint32_t root = components_.find(i);
      out[i] = {root, root, root == i ? 1.0 : similarity(i, root)};
    } else {
      out[i] = {cluster_of_[i], cluster_of_[i], static_cast<double>(rep_similarity_[i])};
    }
  }
  return out;
}

std::size_t NearDupClusterer::memory_bytes() const noexcept {
  return index_.memory_bytes() + exact_.memory_bytes() +
         shingle_arena_.capacity() * sizeof(uint64_t) +
         shingle_offsets_.capacity() * sizeof(uint64_t) +
         signatures32_.capacity() * sizeof(uint32_t) + canon_.capacity() * sizeof(uint32_t) +
         components_.size() * sizeof(uint32_t) + cluster_of_.capacity() * sizeof(uint32_t) +
         rep_similarity_.capacity() * sizeof(float);
}

}  // namespace neardup
