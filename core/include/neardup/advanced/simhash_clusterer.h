// SimHash clustering (mode simhash): documents whose SimHash fingerprints differ in at most
// max_distance bits are linked, optionally only when their exact shingle Jaccard similarity
// reaches a threshold; clusters are the connected components.
//
//   auto c = neardup::SimHashClusterer::create({.max_distance = 3});
//   neardup::SimHashClusterer::Scratch scratch;                 // one per thread
//   neardup::PreparedSimHash doc;
//   for (auto& text : texts) { c->prepare(text, doc, scratch); c->add(doc); }  // input order
//   neardup::Result<std::vector<neardup::Assignment>> a = c->finish();
//
// prepare() normalizes, shingles and (weights kTf) fingerprints a document; with kTfIdf or
// verification it keeps the sorted distinct shingles (and their counts for kTfIdf). add() takes
// them over in input order. Exact copies (same normalized text) are linked with similarity 1
// and only their first copy is fingerprinted and indexed; documents without shingles (empty
// text) enter no index and are near-duplicates of nothing. finish() computes the TF-IDF
// fingerprints once the document frequencies of all distinct texts are known (kTfIdf), finds
// every pair within max_distance with a permuted-block HammingIndex (all_pairs), verifies pairs
// (kShingles: Jaccard >= threshold), unites them, and picks representatives with
// assign_representatives(). similarity is 1 - d/bits to the representative, or the verified
// Jaccard with kShingles. Results do not depend on the thread count of prepare or finish.
//
// Thread safety: prepare() concurrently, each thread with its own Scratch; add() and finish()
// single-threaded (finish runs its own threads). Cost: prepare O(text); add O(1) (plus the
// shingle set it keeps); finish O(n) fingerprints + all_pairs (near-linear for small distances).
// Memory: 8 or 16 bytes of fingerprint + ~30 bytes of bookkeeping per document. With kTfIdf or
// verification the first copies' sorted distinct shingles (8 bytes each, and 4 per count with
// kTfIdf) are kept too: in RAM by default, or, created with SetStorage{.on_disk = true}, in an
// unlinked temporary file (12 bytes of RAM per document; finish() reads the file back in chunks
// of <= 16 MiB for the TF-IDF fingerprints and reads single sets for verification). The
// clusters are the same either way. A write or read error of that file is sticky in status()
// and returned by finish(). kTfIdf's document frequencies are counted as documents are added
// (a table of the distinct shingles, ~16-32 bytes each).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/document_frequencies.h"
#include "neardup/advanced/exact.h"
#include "neardup/advanced/hamming_index.h"
#include "neardup/advanced/near_dup.h"  // SetStorage
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/simhash.h"
#include "neardup/status.h"

namespace neardup {

// kTf: shingle counts; kTfIdf: counts x IDF over the input (fingerprints at finish);
// kLogTf: 1 + ln(count), which damps a phrase repeated many times (a page's boilerplate).
enum class SimHashWeights : uint8_t { kTf = 0, kTfIdf = 1, kLogTf = 2 };
enum class SimHashVerify : uint8_t { kNone = 0, kShingles = 1 };

struct SimHashClustererOptions {
  PipelineOptions pipeline;   // normalization, tokenization, shingles (default word:5)
  SimHashParams simhash;      // width (64 or 128) and seed
  uint32_t max_distance = 3;  // link fingerprints within this many bits (< bits)
  SimHashWeights weights = SimHashWeights::kTf;  // shingle counts, or counts x IDF of the input
  SimHashVerify verify = SimHashVerify::kNone;   // kShingles: keep pairs with Jaccard >= threshold
  double threshold = 0.8;                        // in [0, 1]; used by kShingles only

  Status validate() const;
};

// A document after the parallel part of the work (buffers reused between documents).
struct PreparedSimHash {
  uint64_t fingerprint[2] = {0, 0};  // kTf only; words beyond the width are 0
  Hash128 exact_key;                 // of the normalized text
  bool empty = false;                // no shingles
  std::vector<uint64_t> features;    // kTfIdf or kShingles: sorted distinct shingle hashes
  std::vector<float> counts;         // kTfIdf: their counts
  uint64_t text_bytes = 0;           // length of the original text
};

struct SimHashStats {
  uint64_t documents = 0;
  uint64_t exact_duplicates = 0;  // copies of an earlier document's normalized text
  uint64_t empty = 0;             // documents without shingles
  // After finish():
  uint64_t clusters = 0;
  uint64_t pairs = 0;     // pairs of indexed fingerprints within max_distance
  uint64_t verified = 0;  // kShingles: pairs kept
  uint64_t rejected = 0;  // kShingles: pairs below the threshold
};

class SimHashClusterer {
 public:
  class Scratch {
   public:
    Scratch() = default;
    // Invalid-UTF-8 repairs counted by the documents prepared with this scratch.
    NormalizeStats normalize_stats() const {
      return shingler_ ? shingler_->stats() : NormalizeStats{};
    }

   private:
    friend class SimHashClusterer;
    std::unique_ptr<ShingleHasher> shingler_;
    std::vector<uint64_t> features_;  // kLogTf: sorted distinct shingles
    std::vector<float> weights_;      // kLogTf: their weights
  };

  // storage.on_disk keeps the shingle sets of kTfIdf / kShingles in a temporary file in
  // storage.tmp_dir (see the header comment); errors: invalid options, the file cannot be made.
  static Result<SimHashClusterer> create(SimHashClustererOptions options, SetStorage storage = {});

  const SimHashClustererOptions& options() const noexcept { return options_; }

  // Normalizes, shingles and (kTf) fingerprints `text` into `out`. Thread-safe.
  void prepare(std::string_view text, PreparedSimHash& out, Scratch& scratch) const;
  // Adds the next document in input order and returns its number; takes over doc's shingle set
  // (in RAM: moved out of doc; on disk: written, and doc's buffers kept for reuse). At most 2^32
  // documents. A disk error is kept in status().
  uint32_t add(PreparedSimHash& doc);

  // Clusters every document added so far (see the header comment), on `threads` threads, with
  // representatives by `priority` (one value per document; empty = the first member). Call once.
  Result<std::vector<Assignment>> finish(std::span<const double> priority = {},
                                         unsigned threads = 1);

  const SimHashStats& stats() const noexcept { return stats_; }
  // The index finish() built: its block count and number of tables (0 before finish()).
  uint32_t index_blocks() const noexcept;
  uint32_t index_tables() const noexcept;
  // Heap bytes of the index finish() built (0 before).
  std::size_t index_memory_bytes() const;
  // Bytes of shingle sets written to the temporary file (0 in RAM).
  uint64_t disk_bytes() const noexcept { return disk_bytes_; }
  // The first disk error (sticky), else OK.
  const Status& status() const noexcept { return status_; }

 private:
  struct SetFile;

  explicit SimHashClusterer(SimHashClustererOptions options);
  Fingerprint128 fingerprint(std::size_t doc) const noexcept;
  bool keeps_sets() const noexcept {
    return options_.weights == SimHashWeights::kTfIdf ||
           options_.verify == SimHashVerify::kShingles;
  }
  // The sorted set of first copy d: in RAM, or read from the file into `buffer` (empty on an
  // error, which goes to status_).
  std::span<const uint64_t> set_of(std::size_t d, std::vector<uint64_t>& buffer);
  Status tfidf_fingerprints(unsigned threads);

  SimHashClustererOptions options_;
  SimHasher hasher_;
  uint32_t words_ = 1;
  ExactIndex exact_;
  std::vector<uint64_t> fps_;                // words_ per document (copies: their first copy's)
  std::vector<uint32_t> canon_;              // first document with the same normalized text
  std::vector<uint8_t> empty_;               // no shingles
  std::vector<std::vector<uint64_t>> sets_;  // in RAM, kTfIdf or kShingles: first copies' sets
  std::vector<std::vector<float>> counts_;   // in RAM, kTfIdf: their counts
  std::shared_ptr<SetFile> file_;            // on disk: the sets (and counts) of first copies
  std::vector<uint64_t> set_pos_;            // on disk: byte offset of document d's record
  std::vector<uint32_t> set_len_;            // on disk: its number of distinct shingles
  uint64_t disk_bytes_ = 0;
  DocumentFrequencies df_;        // kTfIdf: over the first copies, as they are added
  std::vector<StoryTerm> terms_;  // add()'s scratch for df_
  Status status_;
  std::optional<HammingIndex> index_;  // built by finish()
  SimHashStats stats_;
};

}  // namespace neardup
