// Story translation: the content words of a German, French or Spanish report mapped to English
// pivot words, so that it shares terms with the English reports of its story (names and
// amounts cross languages already).
//
// The bilingual resource is FreeDict (Debian dict-freedict-deu-eng, -fra-eng, -spa-eng: dictd
// databases, /usr/share/dictd/freedict-LLL-eng.{index,dict.dz}); nothing is hand-written.
// from_freedict() converts one into a compact table:
//   headwords   single words only, case-folded and tokenized as story features are (so a
//               lookup is one hash), inflected forms included where the dictionary lists them
//               ("Fabriken" -> "factories");
//   pivots      of every entry of the headword, in the dictionary's order, each translation
//               line cut at "," and ";", grammar tags <...>, (...) and [...] and a leading "to"
//               removed; a translation of at most kMaxPivotWords content words gives those
//               words (English stop words dropped); the first kMaxPivots distinct words are
//               kept ("Fabrik" -> factory, plant).
// A featurizer with tables (StoryFeatureOptions::translations) replaces a word of a document
// in that language by its pivots, each counting 1/k of the word (k pivots), and hashes them as
// English words; a word the dictionary knows is a common word, so it forms no name pair.
//
// Table file (version 1): the index files' frame (magic "NDUPXLT1", kind 3; count = headwords,
// field64 = pivot bytes), then a section with the language name, a section of (u64 headword
// hash, u32 first pivot, u32 pivots) rows sorted by hash, and the pivot words, each ended by a
// 0 byte. Other versions are kUnsupportedVersion; truncated or corrupt files kCorruptData.
//
// Example:
//   auto de = neardup::TranslationTable::from_freedict(
//       "/usr/share/dictd/freedict-deu-eng.dict.dz", "german");
//   de->save("deu-eng.ndxlt");                               // load() later: milliseconds
//   neardup::StoryFeatureOptions fo;
//   fo.translations.push_back(std::make_shared<const neardup::TranslationTable>(std::move(*de)));
//
// Thread safety: a table is immutable after construction; lookups may run concurrently.
// Cost: from_freedict reads and parses the whole database (German: 100 MB of text, 500,000
// headwords, a few seconds); load O(file); lookup O(log headwords).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup {

class TranslationTable {
 public:
  static constexpr std::size_t kMaxPivots = 3;
  static constexpr std::size_t kMaxPivotWords = 2;

  // Converts a FreeDict dictd database: `dict_path` is its .dict.dz (or .dict); the .index is
  // found next to it. `language` is the stop-list name of the source language ("german",
  // "french", "spanish", ...).
  static Result<TranslationTable> from_freedict(const std::string& dict_path,
                                                std::string_view language);
  static Result<TranslationTable> load(const std::string& path);
  Status save(const std::string& path) const;

  const std::string& language() const noexcept { return language_; }
  std::size_t size() const noexcept { return keys_.size(); }
  // A hash of the table's content (feature fingerprints record it).
  uint64_t checksum() const noexcept { return checksum_; }

  // The English pivots of a case-folded word (as the featurizer's tokens are); empty when the
  // dictionary does not have it. Views into the table.
  void lookup(std::string_view folded_word, std::vector<std::string_view>& pivots) const;
  bool contains(std::string_view folded_word) const;

 private:
  struct Entry {
    uint32_t first = 0;  // index into pivot_offsets_
    uint32_t count = 0;
  };
  void finish();  // pivot views and checksum
  std::string language_;
  std::vector<uint64_t> keys_;  // sorted hashes of headwords
  std::vector<Entry> entries_;
  std::vector<uint32_t> pivot_offsets_;  // into pivots_, each word ends with '\0'
  std::string pivots_;
  uint64_t checksum_ = 0;
};

}  // namespace neardup
