// Stop-word lists for story features, one per language, written for this project: the
// function words of each language (articles, pronouns, prepositions, conjunctions, auxiliary
// and modal verbs, common adverbs) plus, for English, the reporting verbs and date words that
// every news report uses ("said", "monday", "year") and that say nothing about the story.
// Entries are lower-case and accent-free where the normalizer would fold them the same way.
#pragma once

#include <span>
#include <string_view>

namespace neardup::detail {

struct StopList {
  std::string_view language;  // Snowball algorithm name
  std::span<const std::string_view> words;
};

// All bundled lists; english first.
std::span<const StopList> stop_lists() noexcept;

}  // namespace neardup::detail
