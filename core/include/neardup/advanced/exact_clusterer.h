// Exact-duplicate clustering (mode exact): documents whose normalized text is byte-identical
// share a cluster, named by its first document.
//
//   neardup::ExactClusterer c({});                       // default normalization
//   neardup::ExactClusterer::Scratch scratch;            // one per thread
//   neardup::PreparedExact doc;
//   for (auto& text : texts) {
//     c.prepare(text, doc, scratch);                     // normalize + key: any thread
//     neardup::ExactMatch m = c.add(doc);                // input order: the answer at once
//     if (!m.is_new) { /* duplicate of document m.cluster */ }
//   }
//   std::vector<neardup::Assignment> a = c.finish();     // cluster = first copy, similarity 1
//
// The same shape as every mode's clusterer (prepare on any thread, add in input order, finish
// -> assignments), but exact mode needs no look-back: add() returns the document's cluster
// immediately, so a caller can stream its output. Keys are exact_key() digests (exact.h), so
// memory is ~44 bytes per distinct text, plus 4 bytes per document for finish() unless
// ExactOptions::keep_assignments is false (a streaming caller that never calls finish()).
// Every copy represents its cluster by the first copy (the representative is the cluster).
//
// Thread safety: prepare() is const and may run concurrently, each thread with its own Scratch;
// add() and finish() need a single caller, in input order. Cost: prepare is one normalization
// pass and one XXH3-128 over the text; add is one hash-table lookup; no allocation per document
// once the scratch is warm (except the table's own growth).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/exact.h"
#include "neardup/advanced/normalize.h"

namespace neardup {

struct ExactOptions {
  NormalizeOptions normalize;
  // Record every document's cluster for finish(); false saves 4 bytes per document for a
  // caller that only uses add()'s answers (finish() then returns nothing).
  bool keep_assignments = true;
};

// A document after the parallel part of the work.
struct PreparedExact {
  Hash128 key;         // exact_key() of the normalized text
  bool empty = false;  // the normalized text is empty
};

// add()'s answer.
struct ExactMatch {
  uint32_t document = 0;  // this document's number (0, 1, 2, ...)
  uint32_t cluster = 0;   // number of the first document with the same normalized text
  uint32_t ordinal = 0;   // the cluster's rank among clusters (0, 1, 2, ... as they appear)
  bool is_new = false;    // this document is that first one
};

struct ExactStats {
  uint64_t documents = 0;
  uint64_t clusters = 0;    // distinct normalized texts
  uint64_t duplicates = 0;  // documents - clusters
  uint64_t empty = 0;       // documents whose normalized text is empty
};

class ExactClusterer {
 public:
  class Scratch {
   public:
    Scratch() = default;
    // Invalid-UTF-8 repairs counted by the documents prepared with this scratch.
    const NormalizeStats& normalize_stats() const noexcept { return stats_; }

   private:
    friend class ExactClusterer;
    std::optional<Normalizer> normalizer_;
    std::string normalized_;
    NormalizeStats stats_;
  };

  explicit ExactClusterer(ExactOptions options = {}) : options_(options) {}

  const ExactOptions& options() const noexcept { return options_; }

  // Normalizes `text` and computes its key into `out`. Thread-safe.
  void prepare(std::string_view text, PreparedExact& out, Scratch& scratch) const;
  // Adds the next document in input order (at most 2^32 documents).
  ExactMatch add(const PreparedExact& doc);
  // The assignment of every document added so far (empty when keep_assignments is false).
  std::vector<Assignment> finish() const;

  const ExactStats& stats() const noexcept { return stats_; }
  std::size_t memory_bytes() const noexcept {
    return index_.memory_bytes() +
           (first_doc_.capacity() + cluster_of_.capacity()) * sizeof(uint32_t);
  }

 private:
  ExactOptions options_;
  ExactIndex index_;                  // key -> cluster ordinal
  std::vector<uint32_t> first_doc_;   // cluster ordinal -> number of its first document
  std::vector<uint32_t> cluster_of_;  // keep_assignments
  ExactStats stats_;
};

}  // namespace neardup
