#include "neardup/advanced/near_dup.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <new>
#include <string>

#include "detail/sort_hashes.h"
#include "detail/sorted_set.h"
#include "neardup/advanced/spill.h"
#include "spill/temp_file.h"

#include <sys/uio.h>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace neardup {

double jaccard_sorted(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept {
  if (a.empty() || b.empty()) return 0.0;
  const std::size_t common = detail::sorted_intersection_size(a, b);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

// The temporary file of the sets on disk. Reads and in-place rewrites (pread/pwrite of distinct
// sets) may run on several threads; appends happen on one thread between them.
struct NearDupClusterer::SetFile {
  spill::TempFile file;
  std::mutex error_mutex;
  std::vector<iovec> iov;  // flush_batch_sets' gather list (reused)
};

NearDupClusterer::NearDupClusterer(NearDupOptions options)
    : options_(std::move(options)),
      hasher_(options_.similarity.minhash),
      index_(options_.lsh_params()),
      batch_index_(options_.lsh_params()) {}

Result<NearDupClusterer> NearDupClusterer::create(NearDupOptions options, SetStorage storage) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  NearDupClusterer c(std::move(options));
  if (storage.on_disk && c.options_.verify == VerifyMode::kShingles) {
    SpillOptions where;
    where.tmp_dir = storage.tmp_dir;
    const std::string dir = where.resolved_dir();  // empty: $TMPDIR, else /tmp
    // No write buffer: add_batch() appends a whole batch with one write.
    Result<spill::TempFile> f = spill::TempFile::create(dir, nullptr, 4096);
    if (!f.ok()) return f.status();
    c.set_file_ = std::make_shared<SetFile>();
    c.set_file_->file = std::move(*f);
  }
  return c;
}

void NearDupClusterer::set_error(Status s) const noexcept {
  if (!set_file_) return;
  std::lock_guard<std::mutex> lock(set_file_->error_mutex);
  if (status_.ok()) status_ = std::move(s);
}

namespace {
// Per-thread buffers for sets read from disk (the parallel phases give no per-worker storage that
// outlives a call): grown, never shrunk, so verification allocates nothing per document.
thread_local std::vector<uint64_t> tls_set_a;
thread_local std::vector<uint64_t> tls_set_b;
thread_local detail::HashSortScratch tls_sort;
}  // namespace

std::span<const uint64_t> NearDupClusterer::sorted_set(
    uint32_t doc, std::vector<uint64_t>& buffer) const noexcept {
  const uint32_t len = shingle_len_[doc];
  if (!set_file_) return {shingle_ptr_[doc], len};
  if (doc >= batch_first_) {
    // This batch's documents: only those verification reads were copied (and sorted).
    const uint64_t off = batch_off_[doc - batch_first_];
    if (off == kNotCopied) return {};
    return {batch_sets_.data() + off, len};
  }
  if (len == 0) return {};
  try {
    if (buffer.size() < len) buffer.resize(len);
  } catch (...) {
    set_error(Status::out_of_range("out of memory reading a shingle set"));
    return {};
  }
  const Status s = set_file_->file.read_at(shingle_pos_[doc] * sizeof(uint64_t), buffer.data(),
                                           len * sizeof(uint64_t));
  if (!s.ok()) {
    set_error(s);
    return {};
  }
  return {buffer.data(), len};
}

void NearDupClusterer::prepare(std::string_view text, PreparedDoc& out, Scratch& scratch) const {
  if (!scratch.shingler)
    scratch.shingler = std::make_unique<ShingleHasher>(options_.similarity.pipeline);
  std::span<const uint64_t> hashes = scratch.shingler->hash(text);
  // MinHash ignores order and repeats, so no sort here: only verification needs sets, and only
  // for the few documents that become candidates.
  out.shingles.assign(hashes.begin(), hashes.end());
  out.signature.resize(hasher_.num_perm());
  hasher_.sign(out.shingles, out.signature);
  out.band_keys.resize(index_.params().bands);
  index_.band_keys(out.signature, out.band_keys);
  out.exact_key = exact_key(scratch.shingler->last_normalized());
  out.text_bytes = text.size();
}

void NearDupClusterer::ChunkFree::operator()(uint64_t* p) const noexcept { std::free(p); }

uint64_t* NearDupClusterer::allocate_shingles(std::size_t n) {
  if (shingle_chunk_used_ + n > shingle_chunk_capacity_) {
    // A new chunk, doubling from 64 Ki values up to kShingleChunk so that small runs stay small;
    // a document larger than that gets a chunk of its own size. The unused tail of the previous
    // chunk is at most one document.
    const std::size_t grown = std::min(
        kShingleChunk, std::max<std::size_t>(std::size_t{1} << 16, 2 * shingle_chunk_capacity_));
    const std::size_t values = std::max(n, grown);
    // Chunks of 2 MiB and more are whole 2 MiB pages, aligned, so that Linux can back them with
    // transparent huge pages: the first touch then costs one fault per 2 MiB instead of one per
    // 4 KiB, which is most of the cost of storing the sets on a VM. Smaller chunks (small runs)
    // stay ordinary allocations so that they stay small.
    constexpr std::size_t kPage = std::size_t{2} << 20;
    const bool huge = values * sizeof(uint64_t) >= kPage;
    const std::size_t align = huge ? kPage : 64;
    const std::size_t bytes = (values * sizeof(uint64_t) + align - 1) / align * align;
    auto* p = static_cast<uint64_t*>(std::aligned_alloc(align, bytes));
    if (p == nullptr) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
    if (huge) (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    shingle_chunks_.emplace_back(p);
    shingle_chunk_capacity_ = bytes / sizeof(uint64_t);
    shingle_bytes_ += bytes;
    shingle_chunk_used_ = 0;
  }
  uint64_t* p = shingle_chunks_.back().get() + shingle_chunk_used_;
  shingle_chunk_used_ += n;
  return p;
}

void NearDupClusterer::sort_shingles(uint32_t doc) noexcept {
  uint64_t* p = nullptr;
  std::vector<uint64_t>& buffer = tls_set_a;
  const bool in_file = set_file_ && doc < batch_first_;
  if (!set_file_) {
    p = shingle_ptr_[doc];
  } else if (!in_file) {
    uint64_t& off = batch_off_[doc - batch_first_];
    if (off == kNotCopied) {
      // Not foreseen in add_batch's phase 2 (where every document verification reads is
      // marked); only reachable from a serial phase, so the buffer may grow here.
      const PreparedDoc& d = batch_docs_[doc - batch_first_];
      off = batch_sets_.size();
      batch_sets_.insert(batch_sets_.end(), d.shingles.begin(), d.shingles.end());
    }
    p = batch_sets_.data() + off;
  } else {
    // Read, sort, and write back in place (shorter by the repeats), once per document.
    const std::span<const uint64_t> read = sorted_set(doc, buffer);
    if (read.size() != shingle_len_[doc]) {
      shingle_len_[doc] = 0;  // unreadable: compares as dissimilar (status_ says why)
      shingle_sorted_[doc] = 1;
      return;
    }
    p = buffer.data();
  }
  detail::sort_hashes(p, shingle_len_[doc], tls_sort);
  shingle_len_[doc] = static_cast<uint32_t>(std::unique(p, p + shingle_len_[doc]) - p);
  shingle_sorted_[doc] = 1;
  if (in_file) {
    const Status s = set_file_->file.write_at(shingle_pos_[doc] * sizeof(uint64_t), p,
                                              shingle_len_[doc] * sizeof(uint64_t));
    if (!s.ok()) {
      set_error(s);
      shingle_len_[doc] = 0;
    }
  }
}

std::span<const uint32_t> NearDupClusterer::signature32(uint32_t doc) const {
  const std::size_t k = hasher_.num_perm();
  return {signature_chunks_[doc / kSignatureChunk].get() + (doc % kSignatureChunk) * k, k};
}

double NearDupClusterer::similarity_sorted(uint32_t a, uint32_t b) const noexcept {
  a = canon_[a];
  b = canon_[b];
  if (a == b) return 1.0;
  if (options_.verify == VerifyMode::kShingles) {
    return jaccard_sorted(sorted_set(a, tls_set_a), sorted_set(b, tls_set_b));
  }
  return estimate_jaccard(signature32(a), signature32(b));
}

double NearDupClusterer::similarity(uint32_t a, uint32_t b) {
  if (options_.verify == VerifyMode::kShingles) {
    if (shingle_sorted_[canon_[a]] == 0) sort_shingles(canon_[a]);
    if (shingle_sorted_[canon_[b]] == 0) sort_shingles(canon_[b]);
  }
  return similarity_sorted(a, b);
}

void NearDupClusterer::store(uint32_t doc, const PreparedDoc& prepared) noexcept {
  if (options_.verify == VerifyMode::kShingles) {
    uint64_t* p = nullptr;
    if (set_file_) {
      // On disk, a batch's sets are written straight from the prepared documents (flush);
      // only those verification reads are copied here, to be sorted.
      const uint64_t off = batch_off_[doc - batch_first_];
      if (off == kNotCopied) return;
      p = batch_sets_.data() + off;
    } else {
      p = shingle_ptr_[doc];
    }
    std::copy(prepared.shingles.begin(), prepared.shingles.end(), p);
  } else {
    const std::size_t k = hasher_.num_perm();
    uint32_t* p = signature_chunks_[doc / kSignatureChunk].get() + (doc % kSignatureChunk) * k;
    to_signature32(prepared.signature, std::span<uint32_t>(p, k));
  }
}

void NearDupClusterer::link(uint32_t doc, uint32_t other, double s) {
  if (s >= options_.similarity.threshold) {
    ++stats_.verified;
    components_.unite(other, doc);
  } else {
    ++stats_.rejected;
  }
}

uint32_t NearDupClusterer::add(const PreparedDoc& doc) {
  return add_batch(std::span<const PreparedDoc>(&doc, 1));
}

namespace {

// The band keys of a prepared document, or keys computed here when the caller filled only the
// signature (a PreparedDoc made by hand).
std::span<const uint64_t> keys_of(const LshIndex& index, const PreparedDoc& doc,
                                  std::vector<uint64_t>& tmp) {
  if (doc.band_keys.size() == index.params().bands) return doc.band_keys;
  tmp.resize(index.params().bands);
  index.band_keys(doc.signature, tmp);
  return tmp;
}

}  // namespace

uint32_t NearDupClusterer::add_batch(std::span<const PreparedDoc> docs, const ParallelRunner& run) {
  const auto first = static_cast<uint32_t>(canon_.size());
  const std::size_t n = docs.size();
  if (n == 0) return first;
  const auto par = [&run](std::size_t count, const ParallelBody& body) {
    if (run && count > 1) {
      run(count, body);
    } else {
      for (std::size_t i = 0; i < count; ++i) body(i, 0);
    }
  };
  const bool shingles = options_.verify == VerifyMode::kShingles;
  const bool components = options_.linkage == Linkage::kComponents;
  const bool in_batch = n > 1;  // pairs within the batch are possible
  std::vector<uint64_t> tmp_keys;

  // Phase 1 (parallel, read-only): candidates among the documents indexed before this batch.
  if (old_candidates_.size() < n) old_candidates_.resize(n);
  par(n, [&](std::size_t i, unsigned) {
    std::vector<uint32_t>& out = old_candidates_[i];
    if (docs[i].shingles.empty()) {
      out.clear();
    } else if (docs[i].band_keys.size() == index_.params().bands) {
      index_.query_keys(docs[i].band_keys, out);
    } else {
      index_.query(docs[i].signature, out);
    }
  });

  // Phase 2 (serial): exact copies, storage, pairs within the batch, sets to sort.
  stats_.documents += n;
  if (components) components_.resize(first + n);
  pending_.assign(n, Pending{});
  cand_.clear();
  cand_root_.clear();
  cand_sim_.clear();
  to_sort_.clear();
  if (in_batch) batch_index_.clear();
  batch_first_ = first;
  uint64_t batch_values = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const PreparedDoc& doc = docs[i];
    const auto id = static_cast<uint32_t>(first + i);
    const ExactIndex::Match m = exact_.add(doc.exact_key, id);
    const bool copy = !m.is_new;
    canon_.push_back(copy ? static_cast<uint32_t>(m.first) : id);
    Pending& p = pending_[i];
    p.copy = copy ? 1 : 0;
    if (shingles) {
      // Copies store nothing: they are compared through their first copy.
      const std::size_t len = copy ? 0 : doc.shingles.size();
      if (set_file_) {
        shingle_pos_.push_back(set_file_values_ + batch_values);
        batch_values += len;
      } else {
        shingle_ptr_.push_back(len > 0 ? allocate_shingles(len) : nullptr);
      }
      shingle_len_.push_back(static_cast<uint32_t>(len));
      shingle_sorted_.push_back(0);
    } else if (id % kSignatureChunk == 0) {
      signature_chunks_.push_back(
          std::make_unique_for_overwrite<uint32_t[]>(kSignatureChunk * hasher_.num_perm()));
    }
    p.begin = p.end = static_cast<uint32_t>(cand_.size());
    if (copy) {
      ++stats_.exact_duplicates;
      continue;
    }
    for (uint32_t c : old_candidates_[i]) {
      cand_.push_back(c);
      cand_root_.push_back(components ? components_.find(c) : c);
      cand_sim_.push_back(-1.0);
      if (shingles && shingle_sorted_[c] == 0) {
        shingle_sorted_[c] = 2;  // queued: sorted in phase 3
        to_sort_.push_back(c);
      }
    }
    p.end = static_cast<uint32_t>(cand_.size());
    if (in_batch && !doc.shingles.empty()) {
      const std::span<const uint64_t> keys = keys_of(batch_index_, doc, tmp_keys);
      batch_index_.query_keys(keys, candidates_);
      if (!candidates_.empty()) p.in_batch_pairs = 1;
      for (uint32_t j : candidates_) pending_[j - first].in_batch_pairs = 1;
      batch_index_.add_keys(id, keys);
    }
  }

  if (set_file_) {
    // Copies of the sets that verification will read (candidates, pairs within the batch).
    batch_docs_ = docs.data();
    batch_off_.assign(n, kNotCopied);
    std::size_t copied = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const Pending& p = pending_[i];
      if (!p.copy && !docs[i].shingles.empty() && (p.end > p.begin || p.in_batch_pairs)) {
        batch_off_[i] = copied;
        copied += docs[i].shingles.size();
      }
    }
    batch_sets_.resize(copied);
  }

  // Phase 3 (parallel): store this batch's sets or signatures; sort every set verification
  // will read (each by exactly one thread).
  par(n + to_sort_.size(), [&](std::size_t k, unsigned) {
    if (k >= n) {
      sort_shingles(to_sort_[k - n]);
      return;
    }
    if (pending_[k].copy) return;
    const auto id = static_cast<uint32_t>(first + k);
    store(id, docs[k]);
    if (shingles && shingle_len_[id] > 0 &&
        (pending_[k].end > pending_[k].begin || pending_[k].in_batch_pairs)) {
      sort_shingles(id);
    }
  });

  // Phase 4 (parallel, read-only): verify the candidates from before the batch. With
  // components, a candidate whose root (at batch start) is that of a candidate already verified
  // for this document is skipped, as add() skips pairs already in one component.
  par(n, [&](std::size_t i, unsigned) {
    const Pending& p = pending_[i];
    const auto id = static_cast<uint32_t>(first + i);
    constexpr std::size_t kRoots = 16;
    uint32_t roots[kRoots];
    std::size_t nroots = 0;
    for (uint32_t k = p.begin; k < p.end; ++k) {
      if (components && std::find(roots, roots + nroots, cand_root_[k]) != roots + nroots) {
        continue;  // stays -1: skipped
      }
      cand_sim_[k] = similarity_sorted(id, cand_[k]);
      if (components && cand_sim_[k] >= options_.similarity.threshold && nroots < kRoots) {
        roots[nroots++] = cand_root_[k];
      }
    }
  });

  // Phase 5 (serial, input order): apply the verified pairs, resolve pairs within the batch,
  // index the documents.
  if (in_batch) batch_index_.clear();
  for (std::size_t i = 0; i < n; ++i) {
    const PreparedDoc& doc = docs[i];
    const Pending& p = pending_[i];
    const auto id = static_cast<uint32_t>(first + i);
    if (p.copy) {
      const uint32_t orig = canon_[id];
      if (components) {
        components_.unite(orig, id);
      } else {
        cluster_of_.push_back(cluster_of_[orig]);
        rep_similarity_.push_back(rep_similarity_[orig]);
      }
      continue;
    }
    const bool indexable = !doc.shingles.empty();
    std::span<const uint64_t> keys;
    if (indexable) keys = keys_of(index_, doc, tmp_keys);
    stats_.candidates += p.end - p.begin;
    candidates_.clear();
    if (in_batch && indexable && p.in_batch_pairs) batch_index_.query_keys(keys, candidates_);
    stats_.candidates += candidates_.size();
    if (components) {
      for (uint32_t k = p.begin; k < p.end; ++k) {
        if (cand_sim_[k] < 0) {
          ++stats_.skipped_linked;
        } else {
          link(id, cand_[k], cand_sim_[k]);
        }
      }
      for (uint32_t j : candidates_) {
        if (components_.find(j) == components_.find(id)) {
          ++stats_.skipped_linked;
        } else {
          link(id, j, similarity(id, j));
        }
      }
      if (indexable) {
        index_.add_keys(id, keys);
        if (in_batch) batch_index_.add_keys(id, keys);
      }
    } else {
      // Only representatives are in the index: join the most similar one at or above the
      // threshold (ties: the earliest), else become a representative. Candidates from before
      // the batch all precede those within it, and each group is in ascending order.
      uint32_t best = id;
      double best_sim = -1;
      const auto consider = [&](uint32_t c, double s) {
        if (s >= options_.similarity.threshold) {
          ++stats_.verified;
          if (s > best_sim) {
            best_sim = s;
            best = c;
          }
        } else {
          ++stats_.rejected;
        }
      };
      for (uint32_t k = p.begin; k < p.end; ++k) consider(cand_[k], cand_sim_[k]);
      for (uint32_t j : candidates_) consider(j, similarity(id, j));
      cluster_of_.push_back(best);
      rep_similarity_.push_back(best == id ? 1.0f : static_cast<float>(best_sim));
      if (best == id && indexable) {
        index_.add_keys(id, keys);
        if (in_batch) batch_index_.add_keys(id, keys);
      }
    }
  }
  flush_batch_sets();
  return first;
}

void NearDupClusterer::flush_batch_sets() noexcept {
  if (!set_file_ || batch_first_ == canon_.size()) return;
  // The batch's sets go to the file in a few gathered writes, each set at its place: the sorted
  // copy (padded to the prepared length with the prepared tail, which is never read) or the
  // prepared hashes as they are. From now on they are read back from there.
  const auto n = static_cast<uint32_t>(canon_.size() - batch_first_);
  uint64_t values = 0;
  std::vector<iovec>& iov = set_file_->iov;
  iov.clear();
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t doc = batch_first_ + i;
    if (canon_[doc] != doc) continue;  // copies store nothing
    const std::vector<uint64_t>& prepared = batch_docs_[i].shingles;
    if (prepared.empty()) continue;
    if (batch_off_[i] == kNotCopied) {
      iov.push_back({const_cast<uint64_t*>(prepared.data()), prepared.size() * sizeof(uint64_t)});
    } else {
      const std::size_t len = shingle_len_[doc];
      iov.push_back({batch_sets_.data() + batch_off_[i], len * sizeof(uint64_t)});
      if (len < prepared.size()) {
        iov.push_back({const_cast<uint64_t*>(prepared.data() + len),
                       (prepared.size() - len) * sizeof(uint64_t)});
      }
    }
    values += prepared.size();
  }
  const Status s = set_file_->file.write_gather(set_file_values_ * sizeof(uint64_t), iov);
  if (!s.ok()) {
    set_error(s);
    for (uint32_t d = batch_first_; d < canon_.size(); ++d) shingle_len_[d] = 0;
  }
  set_file_values_ += values;
  batch_sets_.clear();
  batch_docs_ = nullptr;
  batch_first_ = static_cast<uint32_t>(canon_.size());
}

std::vector<NearDupAssignment> NearDupClusterer::finish(std::span<const double> priority) {
  const auto n = static_cast<uint32_t>(canon_.size());
  std::vector<NearDupAssignment> out(n);
  for (uint32_t i = 0; i < n; ++i) {
    out[i].cluster =
        options_.linkage == Linkage::kComponents ? components_.find(i) : cluster_of_[i];
  }
  assign_representatives(out, priority);
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
  std::size_t batch = pending_.capacity() * sizeof(Pending) +
                      cand_.capacity() * (2 * sizeof(uint32_t) + sizeof(double)) +
                      to_sort_.capacity() * sizeof(uint32_t);
  for (const auto& v : old_candidates_) batch += v.capacity() * sizeof(uint32_t);
  return index_.memory_bytes() + batch_index_.memory_bytes() + exact_.memory_bytes() +
         shingle_bytes_ + batch_sets_.capacity() * sizeof(uint64_t) +
         (shingle_ptr_.capacity() + shingle_pos_.capacity()) * sizeof(uint64_t) +
         shingle_len_.capacity() * (sizeof(uint32_t) + sizeof(uint8_t)) +
         signature_chunks_.size() * kSignatureChunk * hasher_.num_perm() * sizeof(uint32_t) +
         canon_.capacity() * sizeof(uint32_t) + components_.size() * sizeof(uint32_t) +
         cluster_of_.capacity() * sizeof(uint32_t) + rep_similarity_.capacity() * sizeof(float) +
         batch;
}

}  // namespace neardup
