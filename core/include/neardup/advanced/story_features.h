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
//   dates          "March 3", "3rd of March", "3 mars", "2021-03-03", "3/3/2021" become one
//                  particular "03-03" (the year is dropped: one report names it, another does
//                  not); an ambiguous numeric date (both parts at most 12) gives both readings.
//                  Particulars only (kEventOnly), for the event rule (story_cluster.h).
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
  // Event particulars (StoryOptions::event_rule), a set of the bits below; 0 for an ordinary
  // term. What reports of one event agree on and reports of other events of the same company
  // do not: its amounts (of at least 1,000, years excluded) and the dates it names ("March 3",
  // "3 March", "2021-03-03", "3/3/2021"; a weekday or a month alone is not a date).
  uint8_t event = 0;
};

// StoryTerm::event bits.
inline constexpr uint8_t kEventAmount = 1;  // an amount of at least 1,000, not a year
inline constexpr uint8_t kEventDate = 2;    // a calendar date named in the text (month and day)
// The document's first particular of its kind in reading order (title first, then text): its
// lead figure or date, which a report of the event states and a report of another event of the
// same company does not.
inline constexpr uint8_t kEventKey = 0x40;
// Not a lexical term: the term only marks the particular (dates: their words and numbers are
// terms already), so weigh_story_terms and DocumentFrequencies leave it out of the TF-IDF
// vector and the IDF table.
inline constexpr uint8_t kEventOnly = 0x80;

struct StoryFeatureOptions {
  // "auto" (pick per document among the bundled stop-word lists: english, german, french,
  // spanish, italian, portuguese, dutch), one of those names, or "none" (no stop words, no
  // stemming: for text that is already pre-processed).
  std::string language = "auto";
  // Snowball stemming in the document's language. Off by default: on the labelled news sets
  // (UCI headlines, MStream tweets) it merged more unrelated stories than it joined reports.
  bool stem = false;
  bool amounts = true;   // canonical amounts: 300,000 == 300 thousand == 300k
  bool entities = true;  // capitalised name pairs as extra features
  // Dates named in the text as event particulars (StoryTerm::event, kEventDate | kEventOnly):
  // they never change a document's TF-IDF vector, only what StoryOptions::event_rule compares.
  bool dates = true;
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
