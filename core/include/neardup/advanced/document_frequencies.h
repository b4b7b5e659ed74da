// Document frequencies: how many documents of a corpus contain each story term, and the
// inverse document frequency (IDF) that weighs a term by its rarity.
//
// A table is built by counting documents (add) or by summing other tables (merge, for parallel
// counting). Saved to a file it is an IDF model (`neardup idf build`) that lets a stream weigh
// its first documents sensibly instead of starting from an empty table.
//
// Example:
//   neardup::DocumentFrequencies df;
//   for (const auto& terms : corpus_features) df.add(terms);   // StoryTerm lists
//   df.set_feature_fingerprint(feature_options.fingerprint());
//   if (neardup::Status st = df.save("news.idf"); !st.ok()) { /* the caller decides */ }
//   auto model = neardup::DocumentFrequencies::load("news.idf");  // Result<DocumentFrequencies>
//
// A model may also hold a latent space (story_latent.h): the LSA term projection of a
// background corpus (`neardup idf build --latent-rank K`), so that a stream, a batch and
// `neardup pairs` project documents into a prebuilt space instead of fitting an SVD per batch.
//
// Model file (version 4, little-endian; equal tables give byte-identical files): the 64-byte
// header the index files share (magic "NDUPIDF1", version, kind 1, the feature fingerprint,
// the latent rank and columns, the number of documents, the number of terms, the payload's
// size and checksum), then the sections: the same fingerprint, document count, rank and
// columns, so that every header byte is checked; the terms, sorted, as (u64 term, u32 count)
// rows; and with a latent space of rank k over m columns: the m column terms (u64, ascending),
// V (m rows of k floats) and the mean latent vector (k floats). Version 3 (no latent space)
// and version 2 files (a 40-byte header of their own) still load, as models without a latent
// space; every other version is kUnsupportedVersion. A truncated or corrupt file is
// kCorruptData, never a crash.
//
// Thread safety: const methods (frequency, idf, save) may run concurrently; add and merge need
// a single writer.
// Cost: add O(distinct terms) amortized (an open-addressing table that doubles; unsorted input
// is sorted first); frequency and idf O(1) expected; 12 bytes per table slot, at most 3/4 full.
// save sorts the terms: O(terms log terms); load O(terms).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "neardup/advanced/story_features.h"
#include "neardup/status.h"

namespace neardup {

class StoryLatentSpace;  // story_latent.h

class DocumentFrequencies {
 public:
  // Counts one document (each distinct term once).
  void add(std::span<const StoryTerm> doc);
  // Adds another table's counts (built with the same feature settings: the fingerprint of this
  // table is kept, or taken from `other` when this one has none).
  void merge(const DocumentFrequencies& other);
  uint64_t documents() const noexcept { return documents_; }
  std::size_t terms() const noexcept { return size_; }
  uint64_t frequency(uint64_t term) const noexcept;
  // StoryFeatureOptions::fingerprint() of the features counted (0 = not recorded); saved with
  // the table, so a model built with other settings can be refused.
  uint32_t feature_fingerprint() const noexcept { return feature_fingerprint_; }
  void set_feature_fingerprint(uint32_t fingerprint) noexcept {
    feature_fingerprint_ = fingerprint;
  }
  // ln((N + 1) / (df + 1)) + 1: >= 1, and largest for terms never seen.
  float idf(uint64_t term) const noexcept { return idf_of_frequency(frequency(term)); }
  // The same for a term held by `df` documents (callers may cache it by df).
  float idf_of_frequency(uint64_t df) const noexcept {
    const double n = static_cast<double>(documents_);
    return static_cast<float>(std::log((n + 1.0) / (static_cast<double>(df) + 1.0)) + 1.0);
  }

  // The latent space the model carries (story_latent.h), or nullptr. Shared and immutable, so
  // copies of the table are cheap; add and merge leave it as it is (it describes the corpus it
  // was fitted to).
  const StoryLatentSpace* latent() const noexcept { return latent_.get(); }
  std::shared_ptr<const StoryLatentSpace> shared_latent() const noexcept { return latent_; }
  void set_latent(std::shared_ptr<const StoryLatentSpace> space) noexcept {
    latent_ = std::move(space);
  }

  // Versioned, checksummed file (see above); a truncated or corrupt file is an error, never a
  // crash.
  Status save(const std::string& path) const;
  static Result<DocumentFrequencies> load(const std::string& path);

 private:
  void grow();
  // Open addressing on the term id; term 0 marks an empty slot (a real term 0 is stored as 1).
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> counts_;
  std::size_t size_ = 0;
  uint64_t documents_ = 0;
  uint32_t feature_fingerprint_ = 0;
  std::shared_ptr<const StoryLatentSpace> latent_;
};

}  // namespace neardup
