// Near-duplicate clustering in batch: shingle -> MinHash -> banded LSH candidates -> verification
// -> clusters.
//
//   auto c = neardup::NearDupClusterer::create({.similarity = {.threshold = 0.8}});
//   neardup::NearDupClusterer::Scratch scratch;            // one per thread
//   neardup::PreparedDoc doc;
//   for (auto& text : texts) { c->prepare(text, doc, scratch); c->add(doc); }  // input order
//   std::vector<neardup::Assignment> a = c->finish();            // cluster.h
//
// prepare() (normalize, shingle, sign, LSH band keys) is the expensive, parallel part: it is const
// and may run on many threads at once, each with its own Scratch. add() must be called in input
// order by a single thread; it queries the LSH index, verifies every candidate and links documents
// whose verified Jaccard similarity reaches the threshold.
//
// add_batch() adds a run of documents in input order and spreads most of add()'s work over the
// threads of a caller-supplied ParallelRunner: every document of the batch queries the index as
// it was before the batch and verifies those candidates in parallel (read-only), its shingle set
// or signature is stored in parallel, and only the cheap part is serial (exact-copy lookup, pairs
// within the batch, union-find, index insertion). The clusters, representatives and similarities
// are exactly those of calling add() for each document in turn, for any batch size and thread
// count (union-find roots are the smallest document number; verified pairs are a superset of the
// ones add() checks, within the same components). Only the NearDupStats counters of skipped and
// verified pairs may differ between batch sizes (never between thread counts).
//
// Verification (VerifyMode):
//   kShingles   exact Jaccard of the two documents' sets of shingle hashes (kept in one arena,
//               8 bytes per distinct shingle): no false merges beyond 64-bit hash collisions.
//   kSignature  the MinHash estimate from 32-bit signatures (512 bytes per document at 128
//               slots): lean memory, estimates with standard deviation sqrt(J(1-J)/k).
// Exact copies (same normalized text) are linked before LSH with similarity 1 and only the first
// copy enters the index, so a thousand copies of one page cost one index entry.
//
// Linkage:
//   kComponents      connected components over verified pairs (single link): a chain
//                    a~b~c joins a and c even when they are not similar themselves.
//   kRepresentative  no chaining: a document joins the cluster of the most similar earlier
//                    cluster representative (first member) if that similarity reaches the
//                    threshold; otherwise it starts a cluster of its own. Every member is then
//                    similar to its representative.
//
// Where kShingles keeps the sets (SetStorage): in RAM (the default), or on disk in an unlinked
// temporary file: each batch's sets are appended with one write, and only the sets verification
// reads (candidates, cluster members in finish()) come back, by pread, sorted and written back in
// place the first time. The page cache keeps the hot part of the file; the process holds ~14 B
// per document for it instead of 8 B per shingle. Same answers either way. A disk error is kept
// in status() (sticky): check it after add_batch() and before trusting finish().
//
// Thread safety: prepare() concurrently, also with add_batch() (it reads only the options);
// add()/add_batch()/finish() single-threaded (add_batch runs its own parallel phases through the
// runner). Memory per document at 128 slots and 14
// bands: ~205 B of LSH entries + 512 B signature (kSignature) or 8 B per shingle (kShingles in
// RAM; ~14 B with the sets on disk), + ~65 B of bookkeeping (exact-copy table, union-find, copy
// links): ~780 B per document with kSignature (measured: 766 B/doc from memory_bytes() at 1M
// synthetic documents), ~290 B with the sets on disk, plus the caller's ids. Signatures, shingle
// sets and LSH entries grow in chunks, never by copying.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/exact.h"
#include "neardup/advanced/lsh_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/similarity.h"
#include "neardup/status.h"

namespace neardup {

enum class VerifyMode : uint8_t { kShingles = 0, kSignature = 1 };
enum class Linkage : uint8_t { kComponents = 0, kRepresentative = 1 };

struct NearDupOptions {
  // Shingles, MinHash, the Jaccard threshold at which two documents are near-duplicates (default
  // 0.8) and the LSH shape (similarity.h).
  SimilarityOptions similarity;
  VerifyMode verify = VerifyMode::kShingles;
  Linkage linkage = Linkage::kComponents;

  Status validate() const { return similarity.validate(); }
  LshParams lsh_params() const { return similarity.lsh_params(); }  // explicit or derived
};

// Where the shingle sets of kShingles verification live (see the header comment).
struct SetStorage {
  bool on_disk = false;
  std::string tmp_dir;  // on disk: the directory of the temporary file; empty: $TMPDIR, else /tmp
};

// A document after the parallel part of the work.
struct PreparedDoc {
  std::vector<uint64_t> shingles;   // shingle hashes in document order (repeats kept)
  std::vector<uint64_t> signature;  // num_perm slots
  std::vector<uint64_t> band_keys;  // LshIndex::band_keys() of the signature, one per band
  Hash128 exact_key;                // XXH3-128 of the normalized text
  uint64_t text_bytes = 0;          // length of the original text
};

// The assignment shared by every mode (cluster.h); similarity is the Jaccard (verified or
// estimated) to the representative.
using NearDupAssignment = Assignment;

struct NearDupStats {
  uint64_t documents = 0;
  uint64_t exact_duplicates = 0;
  uint64_t candidates = 0;      // candidate pairs the LSH index returned
  uint64_t verified = 0;        // candidates that reached the threshold
  uint64_t rejected = 0;        // candidates verification rejected (LSH false positives)
  uint64_t skipped_linked = 0;  // candidates already in the same cluster (no check needed)
};

// Runs body(i, worker) once for every i in [0, n), possibly on several threads, and returns when
// all calls are done. `worker` (0 .. threads-1) identifies the calling thread; no two concurrent
// calls share a worker number. An empty runner means: run serially on the calling thread.
using ParallelBody = std::function<void(std::size_t i, unsigned worker)>;
using ParallelRunner = std::function<void(std::size_t n, const ParallelBody& body)>;

class NearDupClusterer {
 public:
  class Scratch {
   public:
    Scratch() = default;
    // Invalid-UTF-8 repairs counted by the documents prepared with this scratch.
    NormalizeStats normalize_stats() const {
      return shingler ? shingler->stats() : NormalizeStats{};
    }

   private:
    friend class NearDupClusterer;
    std::unique_ptr<ShingleHasher> shingler;
  };

  // IoError when `storage` is on disk and no temporary file can be created there.
  static Result<NearDupClusterer> create(NearDupOptions options, SetStorage storage = {});

  const NearDupOptions& options() const noexcept { return options_; }
  const LshParams& lsh_params() const noexcept { return index_.params(); }

  // Normalizes, shingles and signs `text` into `out` (buffers reused). Thread-safe.
  void prepare(std::string_view text, PreparedDoc& out, Scratch& scratch) const;

  // Adds the next document in input order; returns its number (0, 1, 2, ...).
  uint32_t add(const PreparedDoc& doc);
  // Adds docs[0], docs[1], ... in input order, as add() on each would (see the header comment),
  // running the parallel phases through `run`. Returns the number of docs[0].
  uint32_t add_batch(std::span<const PreparedDoc> docs, const ParallelRunner& run = {});

  // Cluster assignment of every document added so far, by document number. (Not const: it may
  // sort stored shingle sets to compute similarities.)
  //
  // Representatives: by default each cluster's first document. With `priority` (one value per
  // document), the member with the highest priority represents its cluster (ties: the earliest),
  // e.g. text length for "keep the longest", or a quality score. Every other member reports its
  // similarity to the representative. `cluster` stays the number of the first member, so cluster
  // labels never depend on the policy.
  std::vector<NearDupAssignment> finish(std::span<const double> priority = {});

  const NearDupStats& stats() const noexcept { return stats_; }
  // Heap bytes held by the index, signatures/shingle sets and bookkeeping.
  std::size_t memory_bytes() const noexcept;
  // Bytes of shingle sets written to the temporary file (0 in RAM).
  uint64_t disk_bytes() const noexcept { return set_file_values_ * sizeof(uint64_t); }
  // OK, or the first IoError of the on-disk set store. After an error the sets that could not be
  // stored or read compare as dissimilar, so the clusters are incomplete: report it.
  const Status& status() const noexcept { return status_; }

 private:
  explicit NearDupClusterer(NearDupOptions options);
  double similarity(uint32_t a, uint32_t b);  // sorts shingle sets on first use
  // similarity() of two documents whose sets are already sorted (or kSignature); read-only but
  // for status_ (sets on disk are read into thread-local buffers).
  double similarity_sorted(uint32_t a, uint32_t b) const noexcept;
  void sort_shingles(uint32_t doc) noexcept;
  // The sorted set of `doc` (canonical, kShingles): in RAM, in this batch's buffer, or read from
  // the file into `buffer`. Empty on a read error (recorded in status_).
  std::span<const uint64_t> sorted_set(uint32_t doc, std::vector<uint64_t>& buffer) const noexcept;
  void set_error(Status s) const noexcept;
  void flush_batch_sets() noexcept;  // the batch's sets to the file (sets on disk)
  std::span<const uint32_t> signature32(uint32_t doc) const;
  uint64_t* allocate_shingles(std::size_t n);
  void store(uint32_t doc, const PreparedDoc& prepared) noexcept;  // into reserved storage
  void link(uint32_t doc, uint32_t other, double similarity);      // a verified pair

  NearDupOptions options_;
  MinHasher hasher_;
  LshIndex index_;
  LshIndex batch_index_;  // documents of the current batch only (pairs within the batch)
  ExactIndex exact_;
  // Verification data, one entry per document. Shingle sets (kShingles) are stored as
  // prepared, unsorted, in large chunks so that growth never copies them (huge pages where the
  // OS offers them), and are sorted and deduplicated the first time verification needs them
  // (most documents never are).
  static constexpr std::size_t kShingleChunk = std::size_t{1} << 22;  // values per chunk (32 MiB)
  static constexpr std::size_t kSignatureChunk = 4096;                // documents per chunk
  struct ChunkFree {
    void operator()(uint64_t* p) const noexcept;
  };
  std::vector<std::unique_ptr<uint64_t[], ChunkFree>> shingle_chunks_;
  std::size_t shingle_chunk_used_ = 0;
  std::size_t shingle_chunk_capacity_ = 0;
  std::vector<uint64_t*> shingle_ptr_;
  std::vector<uint32_t> shingle_len_;
  std::vector<uint8_t> shingle_sorted_;
  std::vector<std::unique_ptr<uint32_t[]>> signature_chunks_;  // 32-bit signatures (kSignature)
  std::size_t shingle_bytes_ = 0;
  // Sets on disk (SetStorage::on_disk): shingle_pos_[doc] is the set's position in values.
  // During add_batch, the batch's sets are in its prepared documents (batch_docs_), and those
  // verification reads are copied to batch_sets_ at batch_off_ to be sorted; the batch goes to
  // the file at its end.
  struct SetFile;
  static constexpr uint64_t kNotCopied = ~uint64_t{0};
  std::shared_ptr<SetFile> set_file_;
  std::vector<uint64_t> shingle_pos_;
  std::vector<uint64_t> batch_sets_;
  std::vector<uint64_t> batch_off_;
  const PreparedDoc* batch_docs_ = nullptr;
  uint64_t set_file_values_ = 0;
  uint32_t batch_first_ = 0;
  mutable Status status_;
  std::vector<uint32_t> canon_;        // first document with the same normalized text
  UnionFind components_;               // kComponents
  std::vector<uint32_t> cluster_of_;   // kRepresentative: the representative joined
  std::vector<float> rep_similarity_;  // kRepresentative: similarity to it
  // Per-batch work space (reused).
  struct Pending {
    uint32_t begin = 0, end = 0;  // this document's candidates in cand_ / cand_root_ / cand_sim_
    uint8_t copy = 0;             // exact copy of an earlier document
    uint8_t in_batch_pairs = 0;   // collides with another document of the batch
  };
  std::vector<Pending> pending_;
  std::vector<std::vector<uint32_t>> old_candidates_;  // per document of the batch
  std::vector<uint32_t> cand_;       // candidates from before the batch, concatenated
  std::vector<uint32_t> cand_root_;  // kComponents: their union-find root at batch start
  std::vector<double> cand_sim_;     // similarity, or -1 when skipped
  std::vector<uint32_t> to_sort_;    // earlier documents whose sets the batch needs sorted
  std::vector<uint32_t> candidates_;
  NearDupStats stats_;
};

// Exact Jaccard similarity of two sorted sets of distinct values; 0 when either is empty (an
// empty document is a near-duplicate of nothing; identical texts are linked as exact copies).
double jaccard_sorted(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept;

}  // namespace neardup
