// Story features: a document as a bag of the terms that identify a news story.
//
// Near-duplicate hashing cannot group five outlets' reports of one announcement: they share
// almost no 5-word phrase. What they share is vocabulary: the names, the places, the amounts
// and the rare content words. A StoryFeaturizer turns a document (text and optional title)
// into those terms, each a 64-bit id with a count:
//
//   content words  stop words removed; optionally Snowball-stemmed. The language is picked per
//                  document from its stop-word profile (or fixed by StoryFeatureOptions).
//   amounts        canonical amounts: "300,000", "300 thousand" and "300k" are one feature;
//                  "$10 billion" and "10 billion dollars" agree because currency words are not
//                  features.
//   entities       capitalised name pairs ("Charles Plosser") as extra features.
//   title words    count title_boost times (twice by default).
//   translations   with bilingual tables (story_translate.h), a word of a German, French or
//                  Spanish document becomes its English pivots, each counting 1/k of it; and
//                  in such a document ',' between digits is the decimal mark and '.' the
//                  thousands separator ("4,8 Milliarden" is 4.8e9, "61.500" is 61500), and the
//                  scale words of the bundled languages count ("Millionen", "Mrd", "millions",
//                  "milliards", "millones"). Without tables nothing changes.
//
// Example:
//   neardup::Result<neardup::StoryFeaturizer> f = neardup::StoryFeaturizer::create({});
//   std::vector<neardup::StoryTerm> terms;               // reused for every document
//   f->extract(article.text, article.title, terms);      // sorted by term id, one per term
//   // then: DocumentFrequencies (document_frequencies.h), weigh_story_terms (story_weighting.h)
//
// Thread safety: StoryFeaturizer is not thread-safe (it holds a stemmer and buffers): use one
// per thread. StoryFeatureOptions is a plain value.
// Cost: linear in the text (normalize, tokenize, a stop-word lookup and a hash per token, a
// stem per content word when stemming); no allocation per document once the buffers are warm.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neardup/status.h"

namespace neardup {

class TranslationTable;  // story_translate.h

// One feature of a document: a 64-bit term id (hash of the stemmed word, the amount or the
// entity pair) and its raw weighted count (title words count title_boost times).
struct StoryTerm {
  uint64_t term = 0;
  float count = 0;
  // 1 for an event particular: an amount of at least 1,000 that is not a year (1900-2100
  // without a scale word): what reports of one event agree on and reports of other events of
  // the same company do not (StoryOptions::event_amounts).
  uint8_t event = 0;
};

struct StoryFeatureOptions {
  // "auto" (pick per document among the bundled stop-word lists: english, german, french,
  // spanish, italian, portuguese, dutch), one of those names, or "none" (no stop words, no
  // stemming: for text that is already pre-processed).
  std::string language = "auto";
  // Snowball stemming in the document's language. Off by default: on the labelled news sets
  // (UCI headlines, MStream tweets) it merged more unrelated stories than it joined reports.
  bool stem = false;
  bool amounts = true;         // canonical amounts: 300,000 == 300 thousand == 300k
  bool entities = true;        // capitalised name pairs as extra features
  float title_boost = 2.0f;    // count of each title word (>= 1)
  float bigram_weight = 0.0f;  // count of each pair of adjacent content words (0 = off)
  uint64_t seed = 0;           // seeds the term hashes
  // Bilingual tables to English (story_translate.h), at most one per source language; empty =
  // no translation. Shared, immutable: copies of the options share the tables.
  std::vector<std::shared_ptr<const TranslationTable>> translations;

  Status validate() const;
  // A hash of every setting that decides which term ids a document gives. An IDF model records
  // the fingerprint of the settings it was built with; a model is only valid for those.
  uint32_t fingerprint() const noexcept;
};

class StoryFeaturizer {
 public:
  static Result<StoryFeaturizer> create(const StoryFeatureOptions& options);
  StoryFeaturizer(StoryFeaturizer&&) noexcept;
  StoryFeaturizer& operator=(StoryFeaturizer&&) noexcept;
  ~StoryFeaturizer();

  // Writes the features of one document to `out` (cleared first), one entry per distinct term,
  // sorted by term id. `title` may be empty. Invalid UTF-8 is repaired, never rejected; an empty
  // or stop-word-only document gives no features. No allocation once the buffers are warm.
  // `names` (optional, for explanations): what each term of `out` stands for (the word, the
  // canonical amount, the name pair "kestrel motors", the English pivot), sorted by term; this
  // allocates per document.
  void extract(std::string_view text, std::string_view title, std::vector<StoryTerm>& out,
               std::vector<std::pair<uint64_t, std::string>>* names = nullptr);

 private:
  struct Impl;
  explicit StoryFeaturizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup
