// Containment: document A is (near-)contained in document B when |A ∩ B| / |A| >= threshold,
// over the shingle sets of their normalized text: a news article embedded whole in a larger page
// (sidebars, comments, other stories) has low Jaccard similarity with the page but containment
// close to 1.
//
//   auto c = neardup::ContainmentClusterer::create({.threshold = 0.9});
//   neardup::ContainmentClusterer::Scratch scratch;          // one per thread
//   neardup::PreparedContainment doc;
//   for (auto& text : texts) { c->prepare(text, doc, scratch); c->add(doc); }  // input order
//   neardup::Result<neardup::ContainmentResult> r =
//   c->finish(neardup::ContainmentKeep::kContainer);
//   // r->contained_in[i]: the document that contains i (kNotContained if none)
//
// Candidates come from a partitioned MinHash LSH index, as in LSH Ensemble (Zhu, Nargesian,
// Pu, Miller, VLDB 2016): documents are split by shingle-set size into equal-count partitions;
// for a query A (|A| = a) and a partition whose sets have at most u shingles, a pair with
// containment t >= threshold has Jaccard J = t a / (a + |B| - t a) >= s* = T a / (a (1 - T) + u)
// (J grows with t and shrinks with |B|). The partition is probed with r rows per band and
// b = floor(num_perm / r) bands, r the largest value (up to 8) whose collision probability
// 1 - (1 - s*^r)^b reaches `recall`: every contained pair in the partition is a candidate with
// at least that probability (independent-permutation MinHash: a slot collides with probability
// exactly J). When even r = 1 (b = num_perm single slots) cannot reach it, r = 1 is used and
// the query is counted in ContainmentStats::below_target (a small article in a much larger
// page needs more slots: num_perm). Partitions whose sets are too small (u < T a) are skipped:
// no set there can hold T a of A's shingles. Every candidate pair is then verified exactly on
// the sorted shingle sets, so a reported pair always has containment >= threshold (up to
// 64-bit hash collisions); the LSH only decides which pairs get checked.
//
// Output. A document "ranks above" another in the container order when its set is larger, or
// equal and it came first. contained_in[i] is the container ranked above i with the highest
// containment of i (ties: the higher-ranked); exact copies are contained in their first copy.
// When |B| <= |A|, containment of A in B >= T implies containment of B in A >= T, so every
// contained pair shows in this direction. The clustering (assignment) follows `keep`:
//   kContainer  drop the contained: a document contained in a higher-ranked one points to its
//               best container; kept documents are those with no container.
//   kContained  keep the contained, drop the pages that embed them: a document that contains a
//               document ranked above it in the reverse order (smaller, or equal and earlier)
//               points to the best such document (highest containment).
// Following the pointers ends at a kept document (the ranks strictly improve along them): that
// is the representative; the cluster is numbered by its first member in input order (cluster.h);
// similarity is the exact containment of the smaller of the document and its representative in
// the larger (1 for the representative).
//
// Thread safety: prepare() concurrently, each thread with its own Scratch; add() and finish()
// single-threaded (finish runs its own threads). Cost: prepare O(text + shingles x num_perm);
// memory per document 8 B per distinct shingle + 4 B per slot (32-bit signature) + ~24 B; finish
// builds one partition's band table at a time (16 B per document and band) and verifies each
// candidate pair by a merge of the two sorted sets, O(|A| + |B|). Very different sizes (a 100-word
// article in a 10,000-word page) need low Jaccard thresholds, r = 1 and many candidates: that is
// the cost of recall.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/shingle.h"
#include "neardup/status.h"

namespace neardup {

struct ContainmentOptions {
  PipelineOptions pipeline = {};  // normalization, tokenization, shingles (default word:5)
  double threshold = 0.9;         // |A ∩ B| / |A| at which A is contained in B, in (0, 1]
  uint32_t num_perm = 128;        // MinHash slots (independent permutations), 1..1024
  uint64_t seed = 1;
  uint32_t partitions = 8;  // size partitions of equal document count, 1..64
  double recall = 0.99;     // per-pair candidate probability aimed at, in (0, 1)
  // invalid_argument / out_of_range naming the field; ok otherwise.
  Status validate() const;
};

// What to keep when one document contains another (see the header comment).
enum class ContainmentKeep : uint8_t { kContainer = 0, kContained = 1 };

struct PreparedContainment {
  std::vector<uint64_t> shingles;   // sorted, distinct
  std::vector<uint32_t> signature;  // num_perm 32-bit slots
  uint64_t text_bytes = 0;
};

inline constexpr uint32_t kNotContained = UINT32_MAX;

struct ContainmentResult {
  std::vector<Assignment> assignment;  // one per document, see `keep`
  std::vector<uint32_t> contained_in;  // best container ranked above, or kNotContained
  std::vector<double> containment;     // |A ∩ B| / |A| with that container (0 if none)
};

struct ContainmentStats {
  uint64_t documents = 0;
  uint64_t empty = 0;         // documents without shingles: never contained, never containers
  uint64_t candidates = 0;    // candidate pairs (query, document) checked exactly
  uint64_t pairs = 0;         // verified pairs with containment >= threshold
  uint64_t contained = 0;     // documents with a container (contained_in set)
  uint64_t below_target = 0;  // (query, partition) probes where r = 1 missed `recall`
  uint64_t kept = 0;          // representatives under the `keep` of the last finish()
};

class ContainmentClusterer {
 public:
  static Result<ContainmentClusterer> create(const ContainmentOptions& options);
  ContainmentClusterer(ContainmentClusterer&&) noexcept;
  ContainmentClusterer& operator=(ContainmentClusterer&&) noexcept;
  ~ContainmentClusterer();

  class Scratch {
   public:
    Scratch();
    Scratch(Scratch&&) noexcept;
    Scratch& operator=(Scratch&&) noexcept;
    ~Scratch();
    // Invalid-UTF-8 repairs counted by the documents prepared with this scratch.
    NormalizeStats normalize_stats() const;

   private:
    friend class ContainmentClusterer;
    std::unique_ptr<ShingleHasher> shingler_;
  };

  // Normalizes and shingles `text`, sorts its distinct shingles and signs them. Thread-safe.
  void prepare(std::string_view text, PreparedContainment& out, Scratch& scratch) const;
  // Appends the document (numbered in call order). Errors: more than 2^32 - 2 documents.
  Status add(const PreparedContainment& doc);
  // Finds every contained pair (verifying candidates on up to `threads` threads; the result does
  // not depend on the count) and the clustering under `keep`. May be called again (with the
  // other policy); the contained pairs are found once.
  Result<ContainmentResult> finish(ContainmentKeep keep = ContainmentKeep::kContainer,
                                   unsigned threads = 1);

  const ContainmentOptions& options() const noexcept;
  const ContainmentStats& stats() const noexcept;
  std::size_t size() const noexcept;

  // Exact |A ∩ B| / |A| of two sorted distinct sets (0 when A is empty).
  static double containment(std::span<const uint64_t> a, std::span<const uint64_t> b) noexcept;

 private:
  struct Impl;
  explicit ContainmentClusterer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "container", "contained" (the CLI's --keep values).
std::string_view containment_keep_name(ContainmentKeep keep) noexcept;
Result<ContainmentKeep> parse_containment_keep(std::string_view name);

}  // namespace neardup
