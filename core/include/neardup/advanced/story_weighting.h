// Story weighting: a document's story terms as a TF-IDF unit vector, and the cosine of two.
//
// Each term weighs (1 + ln tf) * idf (tf itself below 1: a fractional count, such as a word's
// share of its translations): sublinear in its count within the document, times its
// inverse document frequency ln((N + 1) / (df + 1)) + 1 (DocumentFrequencies::idf). The vector
// is then scaled to unit length, so the cosine of two documents is their dot product. IDF comes
// from the corpus in batch clustering, from a running table in a stream, optionally started
// from a saved model. The vector also records its effective number of terms
// n = (sum w)^2 / sum w^2, which the clusterer's length calibration uses (story_cluster.h).
//
// Example:
//   neardup::StoryVector a, b;                            // reused for every document
//   neardup::weigh_story_terms(terms_a, df, a);
//   neardup::weigh_story_terms(terms_b, df, b);
//   double similarity = neardup::story_cosine(a, b);      // the dot product
//
// Thread safety: both functions are pure: any number of threads may call them at once with
// their own output vectors (the table is only read).
// Cost: weigh_story_terms O(terms) (one IDF lookup per term), no allocation once `out` has
// grown; story_cosine O(terms of a + terms of b), a merge of two sorted lists.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "neardup/advanced/document_frequencies.h"
#include "neardup/advanced/story_features.h"

namespace neardup {

// A document as a sparse unit vector, sorted by term.
struct StoryVector {
  std::vector<uint64_t> terms;
  std::vector<float> weights;
  float effective_terms = 0;  // (sum w)^2 / sum w^2 of the TF-IDF weights: 1 .. distinct terms
  // The document's unit latent vector (story_latent.h), or empty: not part of the TF-IDF
  // weights; the clusterer mixes its cosine in when StoryOptions::latent_weight > 0.
  std::vector<float> latent;
  // Sorted ids of its event particulars (StoryTerm::event: amounts of at least 1,000, dates
  // named in the text), and of its key particulars (kEventKey: its first of each kind).
  // Particulars marked kEventOnly are here but not in `terms`.
  std::vector<uint64_t> particulars;
  std::vector<uint64_t> keys;
  void clear() {
    particulars.clear();
    keys.clear();
    terms.clear();
    weights.clear();
    latent.clear();
    effective_terms = 0;
  }
};

// Weighs raw features by sublinear TF x IDF and scales to unit length.
void weigh_story_terms(std::span<const StoryTerm> doc, const DocumentFrequencies& df,
                       StoryVector& out);

// Cosine of two unit story vectors (the plain dot product).
double story_cosine(const StoryVector& a, const StoryVector& b) noexcept;

}  // namespace neardup
