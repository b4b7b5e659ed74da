// Story translation: FreeDict conversion (a small dictd database written here in the format of
// Debian's dict-freedict-*), the table file (round trip, corrupt and truncated files), and the
// featurizer with a table: pivots, shared counts, no name pairs from dictionary words, and
// amounts written with a decimal comma.
#include "neardup/advanced/story_translate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "neardup/advanced/hash.h"
#include "neardup/advanced/story.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;

std::string b64(uint64_t v) {
  static const char* kDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string s;
  do {
    s.insert(s.begin(), kDigits[v % 64]);
    v /= 64;
  } while (v != 0);
  return s;
}

// Writes NAME.dict and NAME.index (dictd format) holding these entries; returns the .dict.
fs::path write_dictd(const fs::path& dir,
                     const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string dict = "00-database-info\nA test dictionary\n\n";
  std::string index = "00-database-info\t" + b64(0) + "\t" + b64(dict.size()) + "\n";
  for (const auto& [head, body] : entries) {
    const std::size_t offset = dict.size();
    dict += body;
    index += head + "\t" + b64(offset) + "\t" + b64(body.size()) + "\n";
  }
  fixtures::write_file(dir / "test-eng.dict", dict);
  fixtures::write_file(dir / "test-eng.index", index);
  return dir / "test-eng.dict";
}

const std::vector<std::pair<std::string, std::string>> kEntries = {
    {"Fabrik", "Fabrik /fabɾˈiːk/ <fem, n, sg>\nfactory <n>\n see: {Fabriken}\n"},
    {"Fabrik", "Fabrik /fabɾˈiːk/ <fem, n, sg>\nplant <n>\n   Synonyms: {Werk}\n\n see: {Werke}\n"},
    {"eröffnet", "eröffnet /ɛɾˈœfnət/\nopened\n      \"Example sentence.\"  - I hereby open.\n"},
    {"Gewinn", "Gewinn /ɡəˈvɪn/ <masc, n, sg>\nprofit; gain, earnings\n"},
    {"etw. öffnen", "etw. öffnen <v>\nto open sth. <v>\n"},
    {"Europa", "Europa /eʊɾˈopa/ <n>\n1. Europe\n2. Europa\n"},
    {"Umsatz", "Umsatz <masc, n>\nturnover of the whole business over the trading period\n"},
    {"öffnen", "öffnen <v>\nto open <v>\n"},
};

TEST(StoryTranslateTest, ConvertsFreeDictEntriesToPivots) {
  const fs::path dir = fixtures::temp_dir("translate_convert");
  Result<TranslationTable> t =
      TranslationTable::from_freedict(write_dictd(dir, kEntries).string(), "german");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_EQ(t->language(), "german");
  std::vector<std::string_view> p;
  t->lookup("fabrik", p);  // headwords are case-folded; both entries' translations, in order
  EXPECT_EQ(p, (std::vector<std::string_view>{"factory", "plant"}));
  t->lookup("eröffnet", p);  // the indented example line is a note, not a translation
  EXPECT_EQ(p, (std::vector<std::string_view>{"opened"}));
  t->lookup("gewinn", p);  // alternatives split at ',' and ';', at most kMaxPivots
  EXPECT_EQ(p, (std::vector<std::string_view>{"profit", "gain", "earnings"}));
  t->lookup("europa", p);  // numbering dropped
  EXPECT_EQ(p, (std::vector<std::string_view>{"europe", "europa"}));
  t->lookup("öffnen", p);  // "to" dropped
  EXPECT_EQ(p, (std::vector<std::string_view>{"open"}));
  t->lookup("umsatz", p);  // a translation of more than kMaxPivotWords words gives nothing
  EXPECT_TRUE(p.empty());
  EXPECT_FALSE(t->contains("umsatz"));
  EXPECT_FALSE(t->contains("etw. öffnen"));  // multi-word headwords are skipped
  EXPECT_EQ(t->size(), 5u);
  // A file that is not a dictionary: a clear error.
  fixtures::write_file(dir / "bad-eng.dict", "nothing");
  fixtures::write_file(dir / "bad-eng.index", "word\t!!\tA\n");
  EXPECT_FALSE(TranslationTable::from_freedict((dir / "bad-eng.dict").string(), "german").ok());
  EXPECT_EQ(
      TranslationTable::from_freedict((dir / "absent.dict").string(), "german").status().code(),
      StatusCode::kIoError);
}

TEST(StoryTranslateTest, TableFileRoundTripsAndRejectsDamage) {
  const fs::path dir = fixtures::temp_dir("translate_file");
  Result<TranslationTable> t =
      TranslationTable::from_freedict(write_dictd(dir, kEntries).string(), "german");
  ASSERT_TRUE(t.ok());
  const std::string path = (dir / "de.ndxlt").string();
  ASSERT_TRUE(t->save(path).ok());
  Result<TranslationTable> back = TranslationTable::load(path);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->checksum(), t->checksum());
  EXPECT_EQ(back->language(), "german");
  std::vector<std::string_view> p;
  back->lookup("gewinn", p);
  EXPECT_EQ(p, (std::vector<std::string_view>{"profit", "gain", "earnings"}));
  const std::string bytes = fixtures::read_file(path);
  // Truncated, one flipped payload byte, another version: errors with their own codes.
  fixtures::write_file(dir / "short.ndxlt", bytes.substr(0, bytes.size() - 9));
  EXPECT_EQ(TranslationTable::load((dir / "short.ndxlt").string()).status().code(),
            StatusCode::kCorruptData);
  std::string flipped = bytes;
  flipped[80] ^= 0x10;
  fixtures::write_file(dir / "flip.ndxlt", flipped);
  EXPECT_EQ(TranslationTable::load((dir / "flip.ndxlt").string()).status().code(),
            StatusCode::kCorruptData);
  std::string v2 = bytes;
  v2[8] = 2;
  fixtures::write_file(dir / "v2.ndxlt", v2);
  EXPECT_EQ(TranslationTable::load((dir / "v2.ndxlt").string()).status().code(),
            StatusCode::kUnsupportedVersion);
}

bool has_term(const std::vector<StoryTerm>& terms, uint64_t id, float count) {
  for (const StoryTerm& t : terms) {
    if (t.term == id) return std::abs(t.count - count) < 1e-6f;
  }
  return false;
}

TEST(StoryTranslateTest, FeaturizerMapsWordsToPivotsAndReadsDecimalCommas) {
  const fs::path dir = fixtures::temp_dir("translate_features");
  Result<TranslationTable> t =
      TranslationTable::from_freedict(write_dictd(dir, kEntries).string(), "german");
  ASSERT_TRUE(t.ok());
  StoryFeatureOptions o;
  o.translations.push_back(std::make_shared<const TranslationTable>(std::move(*t)));
  Result<StoryFeaturizer> f = StoryFeaturizer::create(o);
  ASSERT_TRUE(f.ok());
  std::vector<StoryTerm> terms;
  std::vector<std::pair<uint64_t, std::string>> names;
  // German (picked from its function words): "Fabrik" gives factory and plant, half a count
  // each; "Gewinn" three pivots at a third; "4,8 Milliarden" is 4.8e9 and "61.500" is 61500.
  f->extract(
      "Die Fabrik und der Gewinn sind mit 4,8 Milliarden Euro und 61.500 Autos nicht "
      "bei der Bank, aber die Fabrik ist in Lindholm.",
      "", terms, &names);
  EXPECT_TRUE(has_term(terms, hash64("factory", 0), 1.0f));  // twice half
  EXPECT_TRUE(has_term(terms, hash64("plant", 0), 1.0f));
  EXPECT_TRUE(has_term(terms, hash64("profit", 0), 1.0f / 3));
  EXPECT_FALSE(has_term(terms, hash64("fabrik", 0), 1.0f));
  bool amount = false, thousands = false, name_pair = false;
  for (const auto& [id, name] : names) {
    amount = amount || name == "4800000000";
    thousands = thousands || name == "61500";
    name_pair = name_pair || name.find(' ') != std::string::npos;
  }
  EXPECT_TRUE(amount);
  EXPECT_TRUE(thousands);
  EXPECT_FALSE(name_pair) << "dictionary words form no name pairs";
  // The same text in English keeps its own numbers: "4,800" is a thousands group there.
  f->extract("The plant and the profit of 4,800 cars are with the bank.", "", terms, &names);
  bool english = false;
  for (const auto& [id, name] : names) english = english || name == "4800";
  EXPECT_TRUE(english);
  // The tables are part of the feature settings: an IDF model built without them is refused.
  EXPECT_NE(o.fingerprint(), StoryFeatureOptions{}.fingerprint());
  StoryFeatureOptions twice = o;
  twice.translations.push_back(o.translations[0]);
  EXPECT_EQ(twice.validate().code(), StatusCode::kInvalidArgument);
  StoryFeatureOptions null_table;
  null_table.translations.push_back(nullptr);
  EXPECT_EQ(null_table.validate().code(), StatusCode::kInvalidArgument);
}

// Event particulars (StoryOptions::event_rule): amounts of at least 1,000 that are not years.
TEST(StoryEventTest, AmountsOfAnEventAreMarkedYearsAndSmallNumbersAreNot) {
  Result<StoryFeaturizer> f = StoryFeaturizer::create({});
  ASSERT_TRUE(f.ok());
  std::vector<StoryTerm> terms;
  std::vector<std::pair<uint64_t, std::string>> names;
  f->extract(
      "The plant will make 300,000 cars a year from 2024 for 10 billion dollars, with 150 "
      "engineers and 2 percent of the market, and 2024 million in sales.",
      "", terms, &names);
  std::map<std::string, int> event;
  for (const auto& [id, name] : names) {
    for (const StoryTerm& t : terms) {
      if (t.term == id) event[name] = t.event & kEventAmount;
    }
  }
  EXPECT_EQ(event.at("300000"), 1);
  EXPECT_EQ(event.at("10000000000"), 1);
  EXPECT_EQ(event.at("2024000000"), 1);  // a scale word makes it an amount, not a year
  EXPECT_EQ(event.at("2024"), 0);        // a year
  EXPECT_EQ(event.at("150"), 0);
  EXPECT_EQ(event.at("plant"), 0);
  // Weighing keeps them, sorted, as the vector's particulars.
  DocumentFrequencies df;
  df.add(terms);
  StoryVector v;
  weigh_story_terms(terms, df, v);
  EXPECT_EQ(v.particulars.size(), 3u);
  EXPECT_TRUE(std::is_sorted(v.particulars.begin(), v.particulars.end()));
}

}  // namespace
}  // namespace neardup
