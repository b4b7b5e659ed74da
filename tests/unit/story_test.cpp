// Story mode: unit tests of the featurizer, document frequencies (with save/load and corrupt
// files), TF-IDF weighting and the clusterer; a hand-made corpus of paraphrased reports; and,
// with ../shared/datasets (skipped when absent), the five seed reports among thousands of
// background articles and pinned quality on labelled news sets.
//
// Quality pinned below (default StoryOptions and StoryFeatureOptions, no times; damped
// centroids, exponent 0.7, calibration scale 0.045):
//   uci-news/dev.jsonl       B-cubed F1 0.8364, NMI 0.8974 (87 clusters, 37 gold stories)
//   mstream-news/news.jsonl  NMI 0.8817, B-cubed F1 0.7575 (209 clusters, 152 gold stories)
// The bounds sit 0.02 below: a regression of the features, the weighting, the calibration or
// the merge/refinement steps moves them by more than that.
#include "neardup/advanced/story.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/eval.h"
#include "neardup/advanced/hash.h"
#include "neardup/advanced/reader.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Helpers

StoryFeaturizer make_featurizer(const StoryFeatureOptions& options = {}) {
  Result<StoryFeaturizer> f = StoryFeaturizer::create(options);
  EXPECT_TRUE(f.ok()) << f.status().to_string();
  return std::move(*f);
}

std::vector<StoryTerm> features_of(StoryFeaturizer& f, std::string_view text,
                                   std::string_view title = {}) {
  std::vector<StoryTerm> out;
  f.extract(text, title, out);
  return out;
}

std::vector<StoryTerm> features_of(std::string_view text, const StoryFeatureOptions& o = {}) {
  StoryFeaturizer f = make_featurizer(o);
  return features_of(f, text);
}

std::vector<uint64_t> term_ids(const std::vector<StoryTerm>& v) {
  std::vector<uint64_t> out;
  for (const StoryTerm& t : v) out.push_back(t.term);
  return out;
}

// Same terms with the same counts.
::testing::AssertionResult same_features(const std::vector<StoryTerm>& a,
                                         const std::vector<StoryTerm>& b) {
  if (a.size() != b.size()) {
    return ::testing::AssertionFailure() << a.size() << " vs " << b.size() << " terms";
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].term != b[i].term || a[i].count != b[i].count) {
      return ::testing::AssertionFailure() << "term " << i << " differs";
    }
  }
  return ::testing::AssertionSuccess();
}

// A document of unit-count terms (sorted, distinct).
std::vector<StoryTerm> doc_of(std::vector<uint64_t> terms) {
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  std::vector<StoryTerm> d;
  for (uint64_t t : terms) d.push_back({t, 1.0f});
  return d;
}

// Random documents over a Zipf-like vocabulary (term ids are hash-like 64-bit values).
std::vector<std::vector<StoryTerm>> random_docs(std::size_t n, std::size_t vocabulary,
                                                uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> vocab(vocabulary);
  for (auto& v : vocab) v = rng() | 2;  // never 0 or 1 (one slot, see document_frequencies.h)
  std::vector<double> w(vocabulary);
  for (std::size_t i = 0; i < vocabulary; ++i) w[i] = 1.0 / static_cast<double>(i + 1);
  std::discrete_distribution<std::size_t> pick(w.begin(), w.end());
  std::uniform_int_distribution<int> length(1, 40);
  std::vector<std::vector<StoryTerm>> docs(n);
  for (auto& d : docs) {
    std::vector<uint64_t> terms;
    for (int k = length(rng); k > 0; --k) terms.push_back(vocab[pick(rng)]);
    d = doc_of(terms);
  }
  return docs;
}

// Labels as small integers in order of first appearance.
template <class T>
std::vector<uint32_t> dense_labels(const std::vector<T>& labels) {
  std::map<T, uint32_t> ids;
  std::vector<uint32_t> out;
  for (const T& l : labels) out.push_back(ids.try_emplace(l, ids.size()).first->second);
  return out;
}

// The partition a clustering induces: each cluster as the sorted list of its members.
std::set<std::vector<std::size_t>> partition_of(const std::vector<uint32_t>& label) {
  std::map<uint32_t, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < label.size(); ++i) groups[label[i]].push_back(i);
  std::set<std::vector<std::size_t>> out;
  for (auto& [l, members] : groups) out.insert(members);
  return out;
}

std::vector<uint32_t> clusters_of(const std::vector<StoryAssignment>& a) {
  std::vector<uint32_t> out;
  for (const StoryAssignment& x : a) out.push_back(x.cluster);
  return out;
}

// B-cubed F1 (per-document precision and recall, averaged) and NMI (mutual information over the
// arithmetic mean of the entropies), computed here from the contingency table, independently of
// neardup::score_clustering (which the quality tests cross-check against it).
struct Quality {
  double bcubed_f1 = 0;
  double nmi = 0;
};

Quality quality_of(const std::vector<uint32_t>& gold, const std::vector<uint32_t>& pred) {
  std::map<std::pair<uint32_t, uint32_t>, double> cell;
  std::map<uint32_t, double> g, p;
  for (std::size_t i = 0; i < gold.size(); ++i) {
    cell[{gold[i], pred[i]}] += 1;
    g[gold[i]] += 1;
    p[pred[i]] += 1;
  }
  const double n = static_cast<double>(gold.size());
  double precision = 0, recall = 0, mi = 0, hg = 0, hp = 0;
  for (const auto& [key, nij] : cell) {
    precision += nij * nij / p[key.second];
    recall += nij * nij / g[key.first];
    mi += nij / n * std::log(n * nij / (g[key.first] * p[key.second]));
  }
  precision /= n;
  recall /= n;
  for (const auto& [k, a] : g) hg -= a / n * std::log(a / n);
  for (const auto& [k, b] : p) hp -= b / n * std::log(b / n);
  Quality q;
  q.bcubed_f1 = 2 * precision * recall / (precision + recall);
  q.nmi = hg + hp > 0 ? mi / ((hg + hp) / 2) : 1.0;
  return q;
}

Result<std::vector<StoryAssignment>> cluster_texts(const std::vector<std::string>& texts,
                                                   std::span<const double> times = {},
                                                   const StoryOptions& options = {}) {
  StoryFeaturizer f = make_featurizer();
  std::vector<std::vector<StoryTerm>> features;
  for (const std::string& t : texts) features.push_back(features_of(f, t));
  return cluster_stories(features, times, options);
}

// ---------------------------------------------------------------------------------------------
// StoryFeaturizer

TEST(StoryFeaturesTest, AmountsAreOneFeatureWhateverTheirSpelling) {
  StoryFeaturizer f = make_featurizer();
  const auto base = features_of(f, "Xiaomi will make 300,000 cars a year");
  ASSERT_EQ(base.size(), 3u);  // xiaomi, the amount, cars ("make", "a", "year" are stop words)
  for (const char* spelling : {"300 000", "300 thousand", "300k", "300000", "300K"}) {
    EXPECT_TRUE(same_features(
        base, features_of(f, std::string("Xiaomi will make ") + spelling + " cars a year")))
        << spelling;
  }
  // A different amount is a different feature.
  EXPECT_FALSE(same_features(base, features_of(f, "Xiaomi will make 300 cars a year")));
  EXPECT_FALSE(same_features(base, features_of(f, "Xiaomi will make 3,000,000 cars a year")));
  // Scaled decimals agree with their integer spelling.
  const auto million = features_of(f, "1.5 million");
  ASSERT_EQ(million.size(), 1u);
  EXPECT_TRUE(same_features(million, features_of(f, "1,500,000")));
  EXPECT_TRUE(same_features(million, features_of(f, "1.5m")));
  EXPECT_TRUE(same_features(million, features_of(f, "1.5 mln")));
}

// A document of more words than the featurizer's term list holds before it folds (1M entries)
// gets the same counts as when they are counted in one go: 1.2M words of three kinds.
TEST(StoryFeaturesTest, HugeDocumentCountsEveryWord) {
  std::string text;
  for (int i = 0; i < 400000; ++i) text += "reactor turbine Beijing ";
  StoryFeaturizer f = make_featurizer();
  const auto huge = features_of(f, text);
  const auto small = features_of(f, "reactor turbine Beijing");
  ASSERT_EQ(huge.size(), 3u);
  ASSERT_EQ(term_ids(huge), term_ids(small));
  for (const StoryTerm& t : huge) EXPECT_EQ(t.count, 400000.0f);
  // The featurizer is reusable after a huge document.
  EXPECT_TRUE(same_features(small, features_of(f, "reactor turbine Beijing")));
}

// A text of more than 1 MiB is featurized in pieces (so its normalized copies and token lists
// stay small), cut at a sentence end: the entity pair ("Lei Jun"), the amount spelled in two
// words ("300 thousand") and every word keep their counts over 30,000 sentences (2.6 MB). Cutting
// at a fixed offset instead would split words, names and amounts and change the counts.
TEST(StoryFeaturesTest, HugeTextIsFeaturizedInPiecesWithTheSameCounts) {
  const std::string sentence =
      "Xiaomi said on Monday that its plant near Beijing will build 300 thousand cars a year "
      "for Lei Jun and his partners. ";
  std::string text;
  const int kRepeats = 30000;
  for (int i = 0; i < kRepeats; ++i) text += sentence;
  ASSERT_GT(text.size(), std::size_t{2} << 20);
  StoryFeaturizer f = make_featurizer();
  const auto one = features_of(f, sentence);
  const auto all = features_of(f, text);
  ASSERT_EQ(term_ids(all), term_ids(one));
  EXPECT_TRUE(same_features(one, features_of(f,
                                             "Xiaomi said on Monday that its plant near "
                                             "Beijing will build 300,000 cars a year for "
                                             "Lei Jun and his partners.")));
  for (std::size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].count, one[i].count * kRepeats) << i;
  }
  // Text without any space or sentence end is cut between characters, never inside one: a
  // 3 MB run of two-byte letters gives a few long words, no invalid UTF-8, no crash.
  std::string run;
  while (run.size() < 3000000) run += "\xc3\xa9";  // é
  const auto pieces = features_of(f, run);
  EXPECT_GE(pieces.size(), 1u);
  EXPECT_LE(pieces.size(), 3u);
  // The featurizer is reusable afterwards.
  EXPECT_TRUE(same_features(one, features_of(f, sentence)));
}

TEST(StoryFeaturesTest, CurrencyWordsAndSymbolsAreNotFeatures) {
  StoryFeaturizer f = make_featurizer();
  const auto symbol = features_of(f, "Xiaomi will invest $10 billion");
  ASSERT_EQ(symbol.size(), 3u);  // xiaomi, invest, 1e10 ("will" is a stop word)
  EXPECT_TRUE(same_features(symbol, features_of(f, "Xiaomi will invest 10 billion dollars")));
  EXPECT_TRUE(same_features(symbol, features_of(f, "Xiaomi will invest 10bn dollars")));
  EXPECT_TRUE(same_features(symbol, features_of(f, "Xiaomi will invest 10,000,000,000")));
  // 10 million is another amount.
  EXPECT_FALSE(same_features(symbol, features_of(f, "Xiaomi will invest $10 million")));
}

TEST(StoryFeaturesTest, AmountsOffKeepsNumbersAsWords) {
  StoryFeatureOptions o;
  o.amounts = false;
  StoryFeaturizer f = make_featurizer(o);
  // "300 thousand" is then two tokens, "thousand" a content word: not the same as "300,000".
  EXPECT_FALSE(
      same_features(features_of(f, "make 300,000 cars"), features_of(f, "make 300 thousand cars")));
  EXPECT_EQ(features_of(f, "make 300 thousand cars").size(), 3u);
}

TEST(StoryFeaturesTest, StopWordsGiveNoFeatures) {
  StoryFeaturizer f = make_featurizer();
  EXPECT_TRUE(features_of(f, "").empty());
  EXPECT_TRUE(features_of(f, "   \n\t ").empty());
  EXPECT_TRUE(features_of(f, "The of and it is what he said on Monday.").empty());
  EXPECT_TRUE(features_of(f, "", "").empty());
  EXPECT_TRUE(features_of(f, "The of and", "of the").empty());
  // Adding stop words to a text does not change its features.
  EXPECT_TRUE(same_features(features_of(f, "volcano erupts near Grindavik"),
                            features_of(f, "The volcano erupts near to the Grindavik, he said.")));
  // With language "none" nothing is a stop word (single ASCII letters are still dropped).
  StoryFeatureOptions none;
  none.language = "none";
  EXPECT_EQ(features_of("The of and it is what", none).size(), 6u);
}

TEST(StoryFeaturesTest, InvalidUtf8IsRepairedNeverRejected) {
  StoryFeaturizer f = make_featurizer();
  EXPECT_TRUE(features_of(f, "\xff\xfe\xc3").empty());
  EXPECT_TRUE(features_of(f, std::string("\0\0\0", 3)).empty());
  // A broken byte separates words like a space.
  EXPECT_TRUE(same_features(features_of(f, "merger \xff talks"), features_of(f, "merger talks")));
  EXPECT_TRUE(
      same_features(features_of(f, "merger talks", "\xc3\x28"), features_of(f, "merger talks")));
  // Arbitrary bytes never crash and always give sorted distinct terms.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    std::string s(static_cast<std::size_t>(rng() % 300), '\0');
    for (char& c : s) c = static_cast<char>(rng());
    const auto v = features_of(f, s, s.substr(0, s.size() / 3));
    for (std::size_t k = 1; k < v.size(); ++k) ASSERT_LT(v[k - 1].term, v[k].term);
  }
}

TEST(StoryFeaturesTest, OutputIsSortedDistinctWithCountsAndTitleWordsCountTitleBoostTimes) {
  StoryFeaturizer f = make_featurizer();
  const auto v = features_of(f,
                             "Lava lava LAVA flows from the fissure; the fissure glows and lava "
                             "reaches the road near Grindavik.",
                             "Lava reaches Grindavik");
  for (std::size_t k = 1; k < v.size(); ++k) EXPECT_LT(v[k - 1].term, v[k].term);
  const auto count_of = [&](std::string_view word) {
    const auto w = features_of(f, word);
    EXPECT_EQ(w.size(), 1u) << word;
    for (const StoryTerm& t : v) {
      if (t.term == w[0].term) return t.count;
    }
    return 0.0f;
  };
  EXPECT_EQ(count_of("lava"), 4.0f + 2.0f);       // 4 in the text, once in the title (x2)
  EXPECT_EQ(count_of("fissure"), 2.0f);           // text only
  EXPECT_EQ(count_of("grindavik"), 1.0f + 2.0f);  // once in each
  EXPECT_EQ(count_of("reaches"), 1.0f + 2.0f);
  EXPECT_EQ(count_of("road"), 1.0f);
  EXPECT_EQ(count_of("volcano"), 0.0f);

  StoryFeatureOptions o;
  o.title_boost = 3.5f;
  StoryFeaturizer g = make_featurizer(o);
  const auto t = features_of(g, "", "merger talks");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].count, 3.5f);
  EXPECT_EQ(t[1].count, 3.5f);
  // The title's terms are the text's terms, only counted more.
  EXPECT_EQ(term_ids(t), term_ids(features_of(g, "merger talks")));
}

TEST(StoryFeaturesTest, CaseAndSeedAffectTermsAsDocumented) {
  // Case is folded for words.
  EXPECT_TRUE(same_features(features_of("volcano erupts"), features_of("VOLCANO Erupts")));
  // The seed changes every term id.
  StoryFeatureOptions seeded;
  seeded.seed = 42;
  const auto a = term_ids(features_of("volcano erupts near Grindavik 4,000 residents"));
  const auto b = term_ids(features_of("volcano erupts near Grindavik 4,000 residents", seeded));
  ASSERT_EQ(a.size(), b.size());
  for (uint64_t t : a) EXPECT_EQ(std::count(b.begin(), b.end(), t), 0);
}

TEST(StoryFeaturesTest, AutoLanguageRemovesGermanAndFrenchStopWords) {
  StoryFeatureOptions plain;
  plain.entities = false;  // German capitalises nouns; compare words only
  StoryFeatureOptions none = plain;
  none.language = "none";
  StoryFeatureOptions english = plain;
  english.language = "english";

  const std::string german =
      "Die Regierung hat am Montag eine neue Steuer für die Unternehmen angekündigt, und die "
      "Opposition ist dagegen.";
  const auto de = features_of(german, plain);
  // Exactly the content words remain.
  EXPECT_TRUE(same_features(
      de, features_of("regierung montag neue steuer unternehmen angekündigt opposition dagegen",
                      none)));
  StoryFeatureOptions fixed = plain;
  fixed.language = "german";
  EXPECT_TRUE(same_features(de, features_of(german, fixed)));
  // English stop words would keep "die", "und", "hat", ...
  EXPECT_GT(features_of(german, english).size(), de.size());

  const std::string french =
      "Le gouvernement a annoncé lundi une nouvelle taxe sur les entreprises et les syndicats "
      "sont contre.";
  const auto fr = features_of(french, plain);
  EXPECT_TRUE(same_features(
      fr,
      features_of("gouvernement annoncé lundi nouvelle taxe entreprises syndicats contre", none)));
  EXPECT_GT(features_of(french, english).size(), fr.size());

  // One featurizer picks per document: an English text after a German one is still English.
  StoryFeaturizer f = make_featurizer(plain);
  (void)features_of(f, german);
  EXPECT_TRUE(same_features(features_of(f, "The government announced a new tax on Monday"),
                            features_of("government announced tax", none)));
}

TEST(StoryFeaturesTest, StemmingJoinsInflectionsOnlyWhenOn) {
  StoryFeatureOptions stem;
  stem.stem = true;
  stem.language = "english";
  EXPECT_TRUE(same_features(features_of("factories", stem), features_of("factory", stem)));
  EXPECT_FALSE(same_features(features_of("factories"), features_of("factory")));
}

TEST(StoryFeaturesTest, CapitalisedNamePairsAreEntityFeatures) {
  StoryFeatureOptions off;
  off.entities = false;
  StoryFeaturizer with = make_featurizer();
  StoryFeaturizer without = make_featurizer(off);

  // The extra terms that entity features add to a text.
  const auto entity_terms = [&](std::string_view text) {
    const auto a = term_ids(features_of(with, text));
    const auto b = term_ids(features_of(without, text));
    EXPECT_TRUE(std::includes(a.begin(), a.end(), b.begin(), b.end())) << text;
    std::vector<uint64_t> extra;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(extra));
    return extra;
  };

  const auto plosser = entity_terms(
      "the bank's president Charles Plosser said on tuesday that "
      "rates should rise soon");
  ASSERT_EQ(plosser.size(), 1u);  // "Charles Plosser"
  // Another report naming him shares that feature.
  const auto again = entity_terms("inflation worries Charles Plosser, who votes on rates");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0], plosser[0]);
  // Order matters: "Plosser Charles" is another pair.
  const auto reversed = entity_terms("inflation worries Plosser Charles, who votes on rates");
  ASSERT_EQ(reversed.size(), 1u);
  EXPECT_NE(reversed[0], plosser[0]);
  // Two capitalised words separated by a stop word are no pair.
  EXPECT_TRUE(entity_terms("the governor of Charles and of Plosser said rates rise").empty());
  // Title Case and ALL CAPS say nothing about names: no entity features.
  EXPECT_TRUE(
      entity_terms("Fed's Charles Plosser Sees High Bar For Change In Pace Of Tapering").empty());
  EXPECT_TRUE(entity_terms("FED OFFICIAL CHARLES PLOSSER SEES HIGH BAR FOR TAPERING").empty());
  EXPECT_TRUE(entity_terms("Charles Plosser said").empty());  // 2 of 3 words capitalised
}

TEST(StoryFeaturesTest, BigramsAddAdjacentWordPairsWhenWeighted) {
  StoryFeatureOptions o;
  o.bigram_weight = 0.5f;
  o.entities = false;
  const auto v = features_of("volcano erupts near Grindavik", o);
  // volcano, erupts, grindavik + (volcano erupts), (erupts grindavik): "near" is a stop word.
  ASSERT_EQ(v.size(), 5u);
  int halves = 0;
  for (const StoryTerm& t : v) halves += t.count == 0.5f ? 1 : 0;
  EXPECT_EQ(halves, 2);
}

TEST(StoryFeaturesTest, OptionsValidationRejectsBadValues) {
  EXPECT_TRUE(StoryFeatureOptions{}.validate().ok());
  for (float boost : {0.0f, 0.5f, -1.0f, 101.0f, std::nanf(""), INFINITY}) {
    StoryFeatureOptions o;
    o.title_boost = boost;
    const Status st = o.validate();
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << boost;
    EXPECT_FALSE(StoryFeaturizer::create(o).ok()) << boost;
  }
  for (const char* lang : {"auto", "none", "english", "german", "french", "spanish", "italian",
                           "portuguese", "dutch"}) {
    StoryFeatureOptions o;
    o.language = lang;
    EXPECT_TRUE(o.validate().ok()) << lang;
  }
  StoryFeatureOptions bad;
  bad.language = "klingon";
  const Status st = bad.validate();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("klingon"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("german"), std::string::npos) << st.message();
  EXPECT_FALSE(StoryFeaturizer::create(bad).ok());
}

// ---------------------------------------------------------------------------------------------
// DocumentFrequencies

TEST(DocumentFrequenciesTest, CountsDocumentsAndTerms) {
  DocumentFrequencies df;
  EXPECT_EQ(df.documents(), 0u);
  EXPECT_EQ(df.terms(), 0u);
  EXPECT_EQ(df.frequency(12345), 0u);
  df.add(doc_of({10, 20, 30}));
  df.add(doc_of({20, 30}));
  df.add(doc_of({30}));
  df.add({});
  EXPECT_EQ(df.documents(), 4u);
  EXPECT_EQ(df.terms(), 3u);
  EXPECT_EQ(df.frequency(10), 1u);
  EXPECT_EQ(df.frequency(20), 2u);
  EXPECT_EQ(df.frequency(30), 3u);
  EXPECT_EQ(df.frequency(40), 0u);
  // Counts do not matter, only presence.
  df.add(std::vector<StoryTerm>{{10, 7.0f}});
  EXPECT_EQ(df.frequency(10), 2u);
}

TEST(DocumentFrequenciesTest, IdfIsAtLeastOneAndFallsWithFrequency) {
  DocumentFrequencies df;
  for (uint64_t d = 0; d < 100; ++d) {
    std::vector<uint64_t> terms;
    for (uint64_t t = 2; t < 12; ++t) {
      if (d % (t - 1) == 0) terms.push_back(t * 1000);  // term t in every (t-1)-th document
    }
    df.add(doc_of(terms));
  }
  // 2000 is in every document, 11000 in every tenth, 99 in none.
  EXPECT_EQ(df.frequency(2000), 100u);
  EXPECT_EQ(df.frequency(11000), 10u);
  EXPECT_NEAR(df.idf(2000), 1.0f + std::log(101.0 / 101.0), 1e-6);
  EXPECT_NEAR(df.idf(11000), 1.0f + std::log(101.0 / 11.0), 1e-5);
  EXPECT_NEAR(df.idf(99), 1.0f + std::log(101.0), 1e-5);
  for (uint64_t t = 3; t < 12; ++t) {
    EXPECT_GE(df.frequency((t - 1) * 1000), df.frequency(t * 1000));
    EXPECT_LE(df.idf((t - 1) * 1000), df.idf(t * 1000)) << t;
  }
  for (uint64_t t = 2; t < 12; ++t) {
    EXPECT_GE(df.idf(t * 1000), 1.0f);
    EXPECT_LT(df.idf(t * 1000), df.idf(99));  // unseen terms are the rarest
  }
}

TEST(DocumentFrequenciesTest, MergeEqualsAddingBothSetsOfDocuments) {
  const auto docs = random_docs(3000, 5000, 11);
  DocumentFrequencies all, a, b;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    all.add(docs[i]);
    (i % 3 == 0 ? a : b).add(docs[i]);
  }
  DocumentFrequencies merged = a;
  merged.merge(b);
  EXPECT_EQ(merged.documents(), all.documents());
  EXPECT_EQ(merged.terms(), all.terms());
  for (const auto& d : docs) {
    for (const StoryTerm& t : d) {
      ASSERT_EQ(merged.frequency(t.term), all.frequency(t.term));
      ASSERT_EQ(merged.idf(t.term), all.idf(t.term));
    }
  }
  // Equal tables save to identical bytes, whatever their insertion history.
  const fs::path dir = fixtures::temp_dir("story_df_merge");
  ASSERT_TRUE(merged.save((dir / "m").string()).ok());
  ASSERT_TRUE(all.save((dir / "a").string()).ok());
  EXPECT_EQ(fixtures::read_file(dir / "m"), fixtures::read_file(dir / "a"));
  // Merging into an empty table copies.
  DocumentFrequencies empty;
  empty.merge(all);
  EXPECT_EQ(empty.documents(), all.documents());
  EXPECT_EQ(empty.terms(), all.terms());
}

TEST(DocumentFrequenciesTest, SaveLoadRoundTripKeepsEveryFrequency) {
  const auto docs = random_docs(5000, 20000, 5);
  DocumentFrequencies df;
  for (const auto& d : docs) df.add(d);
  df.add(doc_of({0}));  // term 0 is legal (stored in the slot of 1)
  ASSERT_GT(df.terms(), 5000u);
  const fs::path dir = fixtures::temp_dir("story_df_roundtrip");
  const std::string path = (dir / "model.idf").string();
  ASSERT_TRUE(df.save(path).ok());
  Result<DocumentFrequencies> back = DocumentFrequencies::load(path);
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->documents(), df.documents());
  EXPECT_EQ(back->terms(), df.terms());
  EXPECT_EQ(back->frequency(0), 1u);
  for (const auto& d : docs) {
    for (const StoryTerm& t : d) {
      ASSERT_EQ(back->frequency(t.term), df.frequency(t.term));
      ASSERT_EQ(back->idf(t.term), df.idf(t.term));
    }
  }
  EXPECT_EQ(back->idf(77), df.idf(77));
  // A loaded table keeps counting like the original.
  df.add(docs[0]);
  back->add(docs[0]);
  EXPECT_EQ(back->frequency(docs[0][0].term), df.frequency(docs[0][0].term));
  // Saving again gives the same bytes; no temporary file is left behind.
  ASSERT_TRUE(DocumentFrequencies::load(path)->save((dir / "again.idf").string()).ok());
  EXPECT_EQ(fixtures::read_file(path), fixtures::read_file(dir / "again.idf"));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator()), 2);
  // An empty table round-trips too.
  ASSERT_TRUE(DocumentFrequencies().save((dir / "empty.idf").string()).ok());
  Result<DocumentFrequencies> empty = DocumentFrequencies::load((dir / "empty.idf").string());
  ASSERT_TRUE(empty.ok()) << empty.status().to_string();
  EXPECT_EQ(empty->documents(), 0u);
  EXPECT_EQ(empty->terms(), 0u);
}

// The version field of a model file (bytes 8-11, little endian).
uint32_t detail_version(const std::string& file) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(file[8 + static_cast<std::size_t>(i)]);
  return v;
}

// A small saved model (64-byte header, two sections, 12 bytes per term) for the corruption
// tests.
std::string small_model(const fs::path& dir) {
  DocumentFrequencies df;
  for (const auto& d : random_docs(40, 60, 3)) df.add(d);
  const std::string path = (dir / "small.idf").string();
  EXPECT_TRUE(df.save(path).ok());
  return fixtures::read_file(path);
}

TEST(DocumentFrequenciesTest, EveryTruncationIsAnErrorWithAMessage) {
  const fs::path dir = fixtures::temp_dir("story_df_truncated");
  const std::string bytes = small_model(dir);
  ASSERT_GT(bytes.size(), 40u + 12u * 20u);
  const std::string path = (dir / "cut.idf").string();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    fixtures::write_file(path, bytes.substr(0, len));
    Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
    ASSERT_FALSE(r.ok()) << "prefix of " << len << " bytes loaded";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << len;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
  // Extra bytes after the payload are corrupt too.
  fixtures::write_file(path, bytes + "x");
  EXPECT_EQ(DocumentFrequencies::load(path).status().code(), StatusCode::kCorruptData);
  fixtures::write_file(path, bytes);
  EXPECT_TRUE(DocumentFrequencies::load(path).ok());
}

// Every byte of the file is covered: the header by the frame's checks (magic, version, kind,
// reserved fields, sizes) or by the model section that repeats its values, the payload by the
// checksum. A version flipped to 2, the other version this build reads, is parsed as a version 2
// file and fails its checks: corrupt, not unsupported.
TEST(DocumentFrequenciesTest, EveryFlippedBitIsDetected) {
  const fs::path dir = fixtures::temp_dir("story_df_flipped");
  const std::string bytes = small_model(dir);
  ASSERT_TRUE(DocumentFrequencies::load((dir / "small.idf").string()).ok());
  const std::string path = (dir / "flipped.idf").string();
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    for (const int mask : {0x01, 0x02, 0x10, 0x80}) {
      std::string b = bytes;
      b[at] = static_cast<char>(static_cast<unsigned char>(b[at]) ^ mask);
      fixtures::write_file(path, b);
      Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
      ASSERT_FALSE(r.ok()) << "byte " << at << " ^ " << mask << " loaded";
      EXPECT_FALSE(r.status().message().empty());
      const bool version = at >= 8 && at < 12 && detail_version(b) != 2;
      const StatusCode expected =
          version ? StatusCode::kUnsupportedVersion : StatusCode::kCorruptData;
      EXPECT_EQ(r.status().code(), expected) << "byte " << at << ": " << r.status().message();
    }
  }
}

TEST(DocumentFrequenciesTest, WrongMagicVersionAndMissingFileAreDistinctErrors) {
  const fs::path dir = fixtures::temp_dir("story_df_magic");
  const std::string bytes = small_model(dir);
  const std::string path = (dir / "bad.idf").string();

  std::string magic = bytes;
  magic.replace(0, 8, "NDUPIDX1");
  fixtures::write_file(path, magic);
  Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kCorruptData);
  EXPECT_NE(r.status().message().find("magic"), std::string::npos) << r.status().message();

  fixtures::write_file(path, "{\"id\":\"a\",\"text\":\"not a model at all\"}\n");
  EXPECT_EQ(DocumentFrequencies::load(path).status().code(), StatusCode::kCorruptData);

  // A future version and the old version 1 (no fingerprint, payload-only checksum).
  for (char v : {char{5}, char{1}}) {
    std::string version = bytes;
    version[8] = v;
    fixtures::write_file(path, version);
    r = DocumentFrequencies::load(path);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kUnsupportedVersion);
    EXPECT_NE(r.status().message().find("version " + std::to_string(int{v})), std::string::npos)
        << r.status().message();
  }

  r = DocumentFrequencies::load((dir / "does-not-exist.idf").string());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("does-not-exist.idf"), std::string::npos);

  // A directory is no model either; saving into a missing directory is an I/O error.
  EXPECT_FALSE(DocumentFrequencies::load(dir.string()).ok());
  const Status st = DocumentFrequencies().save((dir / "no" / "such" / "dir.idf").string());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_FALSE(st.message().empty());
}

TEST(DocumentFrequenciesTest, FeatureFingerprintIsSavedAndLoaded) {
  const fs::path dir = fixtures::temp_dir("story_df_fingerprint");
  DocumentFrequencies df;
  df.add(doc_of({10, 20}));
  EXPECT_EQ(df.feature_fingerprint(), 0u);  // not recorded
  ASSERT_TRUE(df.save((dir / "none.idf").string()).ok());
  EXPECT_EQ(DocumentFrequencies::load((dir / "none.idf").string())->feature_fingerprint(), 0u);
  const uint32_t fp = StoryFeatureOptions{}.fingerprint();
  df.set_feature_fingerprint(fp);
  ASSERT_TRUE(df.save((dir / "fp.idf").string()).ok());
  Result<DocumentFrequencies> back = DocumentFrequencies::load((dir / "fp.idf").string());
  ASSERT_TRUE(back.ok()) << back.status().to_string();
  EXPECT_EQ(back->feature_fingerprint(), fp);
  EXPECT_EQ(back->frequency(10), 1u);
}

// The version 4 file: the index files' 64-byte frame, a model section repeating the header's
// values, and the terms as sorted (u64 term, u32 count) rows (no latent sections: rank 0).
TEST(DocumentFrequenciesTest, FileIsTheIndexFrameWithAModelSectionAndSortedRows) {
  const fs::path dir = fixtures::temp_dir("story_df_layout");
  DocumentFrequencies df;
  df.add(doc_of({30, 20}));
  df.add(doc_of({20, 10}));
  df.set_feature_fingerprint(0xABCD1234u);
  const std::string path = (dir / "layout.idf").string();
  ASSERT_TRUE(df.save(path).ok());
  const std::string b = fixtures::read_file(path);
  const auto u32 = [&](std::size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
    return v;
  };
  const auto u64 = [&](std::size_t at) { return uint64_t{u32(at)} | uint64_t{u32(at + 4)} << 32; };
  // header 64 + model section 16 + 24 + terms section 16 + 16 + 3 rows of 12 + 4 bytes padding
  ASSERT_EQ(b.size(), 64u + 40u + 32u + 36u + 4u);
  EXPECT_EQ(b.substr(0, 8), "NDUPIDF1");
  EXPECT_EQ(u32(8), 4u);            // version
  EXPECT_EQ(u32(12), 1u);           // kind
  EXPECT_EQ(u32(16), 0xABCD1234u);  // feature fingerprint
  EXPECT_EQ(u32(20), 0u);           // latent rank
  EXPECT_EQ(u32(24), 0u);           // latent columns
  EXPECT_EQ(u32(28), 0u);
  EXPECT_EQ(u64(32), 2u);             // documents
  EXPECT_EQ(u64(40), 3u);             // terms
  EXPECT_EQ(u64(48), b.size() - 64);  // payload bytes
  EXPECT_EQ(u64(56), hash64(b.data() + 64, b.size() - 64, 0));
  // model section: tag 1, 24 bytes: documents, fingerprint, rank, columns, 0
  EXPECT_EQ(u32(64), 1u);
  EXPECT_EQ(u64(72), 24u);
  EXPECT_EQ(u64(80), 2u);
  EXPECT_EQ(u32(88), 0xABCD1234u);
  EXPECT_EQ(u32(92), 0u);
  EXPECT_EQ(u32(96), 0u);
  EXPECT_EQ(u32(100), 0u);
  // terms section: tag 2, an array of 3 rows of 3 four-byte words
  EXPECT_EQ(u32(104), 2u);
  EXPECT_EQ(u64(112), 16u + 36u);
  EXPECT_EQ(u64(120), 3u);
  EXPECT_EQ(u32(128), 3u);
  const std::size_t rows = 136;
  EXPECT_EQ(u64(rows), 10u);
  EXPECT_EQ(u32(rows + 8), 1u);
  EXPECT_EQ(u64(rows + 12), 20u);
  EXPECT_EQ(u32(rows + 20), 2u);
  EXPECT_EQ(u64(rows + 24), 30u);
  EXPECT_EQ(u32(rows + 32), 1u);
  EXPECT_EQ(b.substr(rows + 36), std::string(4, '\0'));
}

// A header that disagrees with the model section (documents, fingerprint) is corrupt even when
// the payload's checksum matches: those header fields are outside the checksum.
TEST(DocumentFrequenciesTest, HeaderThatDisagreesWithTheModelSectionIsCorrupt) {
  const fs::path dir = fixtures::temp_dir("story_df_header");
  const std::string bytes = small_model(dir);
  const std::string path = (dir / "edited.idf").string();
  for (const std::size_t at :
       {std::size_t{16}, std::size_t{20}, std::size_t{24}, std::size_t{32}, std::size_t{39}}) {
    std::string b = bytes;
    b[at] = static_cast<char>(b[at] ^ 0x04);
    fixtures::write_file(path, b);
    Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << at;
    EXPECT_EQ(r.status().message().find("checksum"), std::string::npos) << r.status().message();
  }
}

// tests/data/sample-v2.idf: `neardup idf build` of datasets/news/sample.jsonl written by the
// build before the model moved to the index frame (format version 2, 40-byte header).
fs::path version2_model() { return fixtures::source_dir() / "tests" / "data" / "sample-v2.idf"; }

TEST(DocumentFrequenciesTest, Version2ModelStillLoadsAndSavesAsVersion4) {
  const fs::path dir = fixtures::temp_dir("story_df_v2");
  const std::string old_bytes = fixtures::read_file(version2_model());
  ASSERT_EQ(detail_version(old_bytes), 2u);
  Result<DocumentFrequencies> old = DocumentFrequencies::load(version2_model().string());
  ASSERT_TRUE(old.ok()) << old.status().to_string();
  EXPECT_EQ(old->documents(), 65u);
  EXPECT_EQ(old->terms(), 1390u);
  EXPECT_EQ(old->terms() * 12 + 40, old_bytes.size());
  EXPECT_NE(old->feature_fingerprint(), 0u);
  // Every stored (term, count) row is found with its count.
  for (std::size_t at = 40; at < old_bytes.size(); at += 12) {
    uint64_t term = 0;
    uint32_t count = 0;
    for (int i = 7; i >= 0; --i)
      term = (term << 8) | static_cast<unsigned char>(old_bytes[at + static_cast<std::size_t>(i)]);
    for (int i = 3; i >= 0; --i)
      count = (count << 8) |
              static_cast<unsigned char>(old_bytes[at + 8 + static_cast<std::size_t>(i)]);
    ASSERT_EQ(old->frequency(term), count) << at;
  }
  const std::string path = (dir / "v4.idf").string();
  ASSERT_TRUE(old->save(path).ok());
  EXPECT_EQ(detail_version(fixtures::read_file(path)), 4u);
  Result<DocumentFrequencies> again = DocumentFrequencies::load(path);
  ASSERT_TRUE(again.ok()) << again.status().to_string();
  EXPECT_EQ(again->documents(), old->documents());
  EXPECT_EQ(again->terms(), old->terms());
  EXPECT_EQ(again->feature_fingerprint(), old->feature_fingerprint());
  for (std::size_t at = 40; at < old_bytes.size(); at += 12) {
    uint64_t term = 0;
    for (int i = 7; i >= 0; --i)
      term = (term << 8) | static_cast<unsigned char>(old_bytes[at + static_cast<std::size_t>(i)]);
    ASSERT_EQ(again->frequency(term), old->frequency(term)) << at;
  }
}

// The version 2 reader keeps its checks: truncation, trailing bytes and flipped bits (every
// header byte, a sample of the payload) are errors, never a crash or a silently wrong table.
TEST(DocumentFrequenciesTest, CorruptVersion2ModelIsAnError) {
  const fs::path dir = fixtures::temp_dir("story_df_v2_corrupt");
  const std::string bytes = fixtures::read_file(version2_model());
  const std::string path = (dir / "bad.idf").string();
  for (const std::size_t len :
       {std::size_t{0}, std::size_t{5}, std::size_t{11}, std::size_t{12}, std::size_t{20},
        std::size_t{39}, std::size_t{40}, std::size_t{52}, bytes.size() - 12, bytes.size() - 1}) {
    fixtures::write_file(path, bytes.substr(0, len));
    Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
    ASSERT_FALSE(r.ok()) << "prefix of " << len << " bytes loaded";
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << len;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
  fixtures::write_file(path, bytes + std::string(12, '\0'));
  EXPECT_EQ(DocumentFrequencies::load(path).status().code(), StatusCode::kCorruptData);
  for (std::size_t at = 0; at < bytes.size(); at += at < 40 ? 1 : 97) {
    for (const int mask : {0x01, 0x80}) {
      std::string b = bytes;
      b[at] = static_cast<char>(static_cast<unsigned char>(b[at]) ^ mask);
      fixtures::write_file(path, b);
      Result<DocumentFrequencies> r = DocumentFrequencies::load(path);
      ASSERT_FALSE(r.ok()) << "byte " << at << " ^ " << mask << " loaded";
      const uint32_t v = detail_version(b);
      const bool unsupported = at >= 8 && at < 12 && v != 2 && v != 3;
      EXPECT_EQ(r.status().code(),
                unsupported ? StatusCode::kUnsupportedVersion : StatusCode::kCorruptData)
          << "byte " << at << ": " << r.status().message();
    }
  }
}

TEST(StoryFeaturesTest, FingerprintChangesWithEveryTermDecidingSetting) {
  const uint32_t base = StoryFeatureOptions{}.fingerprint();
  EXPECT_NE(base, 0u);  // 0 means "not recorded"
  EXPECT_EQ(StoryFeatureOptions{}.fingerprint(), base);
  std::set<uint32_t> seen = {base};
  const auto differs = [&](const char* what, auto set) {
    StoryFeatureOptions o;
    set(o);
    EXPECT_TRUE(seen.insert(o.fingerprint()).second) << what;
  };
  differs("language", [](StoryFeatureOptions& o) { o.language = "english"; });
  differs("language none", [](StoryFeatureOptions& o) { o.language = "none"; });
  differs("stem", [](StoryFeatureOptions& o) { o.stem = true; });
  differs("amounts", [](StoryFeatureOptions& o) { o.amounts = false; });
  differs("entities", [](StoryFeatureOptions& o) { o.entities = false; });
  differs("title boost", [](StoryFeatureOptions& o) { o.title_boost = 3; });
  differs("bigrams", [](StoryFeatureOptions& o) { o.bigram_weight = 0.5f; });
  differs("seed", [](StoryFeatureOptions& o) { o.seed = 1; });
}

// ---------------------------------------------------------------------------------------------
// Weighting

TEST(StoryWeightTest, VectorsHaveUnitNormAndEffectiveTermsInRange) {
  const auto docs = random_docs(500, 2000, 17);
  DocumentFrequencies df;
  for (const auto& d : docs) df.add(d);
  StoryVector v;
  for (auto d : docs) {
    // Raw counts vary: 1 + ln(tf) grows with them.
    for (std::size_t k = 0; k < d.size(); ++k) d[k].count = static_cast<float>(1 + k % 5);
    weigh_story_terms(d, df, v);
    ASSERT_EQ(v.terms.size(), d.size());
    ASSERT_EQ(v.weights.size(), d.size());
    double norm2 = 0;
    for (std::size_t k = 0; k < v.terms.size(); ++k) {
      EXPECT_EQ(v.terms[k], d[k].term);  // sorted by term, as given
      EXPECT_GT(v.weights[k], 0.0f);
      norm2 += static_cast<double>(v.weights[k]) * v.weights[k];
    }
    EXPECT_NEAR(norm2, 1.0, 1e-5);
    EXPECT_GE(v.effective_terms, 1.0f - 1e-5f);
    EXPECT_LE(v.effective_terms, static_cast<float>(d.size()) + 1e-3f);
    EXPECT_NEAR(story_cosine(v, v), 1.0, 1e-5);
  }
}

TEST(StoryWeightTest, WeightsAreSublinearTfTimesIdf) {
  DocumentFrequencies df;
  df.add(doc_of({1000, 2000}));
  df.add(doc_of({2000}));
  df.add(doc_of({3000}));
  // term 1000: df 1, tf 1; term 2000: df 2, tf e (1 + ln e = 2); term 4000 unseen, tf 1.
  const std::vector<StoryTerm> d = {{1000, 1.0f}, {2000, std::exp(1.0f)}, {4000, 1.0f}};
  StoryVector v;
  weigh_story_terms(d, df, v);
  ASSERT_EQ(v.terms.size(), 3u);
  const double w1 = df.idf(1000), w2 = 2.0 * df.idf(2000), w4 = df.idf(4000);
  const double norm = std::sqrt(w1 * w1 + w2 * w2 + w4 * w4);
  EXPECT_NEAR(v.weights[0], w1 / norm, 1e-5);
  EXPECT_NEAR(v.weights[1], w2 / norm, 1e-5);
  EXPECT_NEAR(v.weights[2], w4 / norm, 1e-5);
  EXPECT_NEAR(v.effective_terms, (w1 + w2 + w4) * (w1 + w2 + w4) / (norm * norm), 1e-4);
}

TEST(StoryWeightTest, EffectiveTermsCountEqualWeightsAndIgnoreZeroCounts) {
  DocumentFrequencies df;  // empty: every idf is 1 + ln 1 = 1
  StoryVector v;
  weigh_story_terms(doc_of({5, 6, 7, 8, 9}), df, v);
  EXPECT_NEAR(v.effective_terms, 5.0f, 1e-4);
  weigh_story_terms(doc_of({5}), df, v);
  EXPECT_NEAR(v.effective_terms, 1.0f, 1e-6);
  EXPECT_NEAR(v.weights[0], 1.0f, 1e-6);
  // Zero counts are no terms; an empty document is an empty vector.
  weigh_story_terms(std::vector<StoryTerm>{{5, 0.0f}, {6, 1.0f}}, df, v);
  ASSERT_EQ(v.terms.size(), 1u);
  EXPECT_EQ(v.terms[0], 6u);
  weigh_story_terms({}, df, v);
  EXPECT_TRUE(v.terms.empty());
  EXPECT_EQ(v.effective_terms, 0.0f);
  StoryVector empty;
  EXPECT_EQ(story_cosine(empty, empty), 0.0);
}

TEST(StoryWeightTest, CosineIsSymmetricAndZeroForDisjointDocuments) {
  DocumentFrequencies df;
  StoryVector a, b, c;
  weigh_story_terms(doc_of({1, 2, 3, 4}), df, a);
  weigh_story_terms(doc_of({3, 4, 5, 6}), df, b);
  weigh_story_terms(doc_of({7, 8}), df, c);
  EXPECT_NEAR(story_cosine(a, b), 0.5, 1e-6);  // 2 shared of 4, equal weights
  EXPECT_EQ(story_cosine(a, b), story_cosine(b, a));
  EXPECT_EQ(story_cosine(a, c), 0.0);
}

// ---------------------------------------------------------------------------------------------
// StoryClusterer and cluster_stories

TEST(StoryClustererTest, OptionsValidationRejectsBadValues) {
  EXPECT_TRUE(StoryOptions{}.validate().ok());
  const auto rejects = [](const char* what, auto set) {
    StoryOptions o;
    set(o);
    EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument) << what;
    EXPECT_FALSE(StoryClusterer::create(o).ok()) << what;
    EXPECT_FALSE(cluster_stories({}, {}, o).ok()) << what;
  };
  rejects("threshold 0", [](StoryOptions& o) { o.threshold = 0; });
  rejects("threshold 1", [](StoryOptions& o) { o.threshold = 1; });
  rejects("threshold -0.5", [](StoryOptions& o) { o.threshold = -0.5; });
  rejects("threshold 2", [](StoryOptions& o) { o.threshold = 2; });
  rejects("threshold inf", [](StoryOptions& o) { o.threshold = INFINITY; });
  rejects("window -1", [](StoryOptions& o) { o.window_seconds = -1; });
  rejects("window inf", [](StoryOptions& o) { o.window_seconds = INFINITY; });
  rejects("window nan", [](StoryOptions& o) { o.window_seconds = NAN; });
  rejects("candidate terms 0", [](StoryOptions& o) { o.candidate_terms = 0; });
  rejects("candidate terms 1025", [](StoryOptions& o) { o.candidate_terms = 1025; });
  rejects("centroid terms 7", [](StoryOptions& o) { o.max_centroid_terms = 7; });
  rejects("index terms 0", [](StoryOptions& o) { o.index_terms = 0; });
  rejects("centroid exponent 0", [](StoryOptions& o) { o.centroid_exponent = 0; });
  rejects("centroid exponent -1", [](StoryOptions& o) { o.centroid_exponent = -1; });
  rejects("centroid exponent 1.5", [](StoryOptions& o) { o.centroid_exponent = 1.5; });
  rejects("centroid exponent nan", [](StoryOptions& o) { o.centroid_exponent = NAN; });
  rejects("merge factor -1", [](StoryOptions& o) { o.merge_factor = -1; });
  rejects("merge factor nan", [](StoryOptions& o) { o.merge_factor = NAN; });
  rejects("merge factor inf", [](StoryOptions& o) { o.merge_factor = INFINITY; });
  rejects("fragment ratio -0.1", [](StoryOptions& o) { o.fragment_ratio = -0.1; });
  rejects("fragment ratio 1", [](StoryOptions& o) { o.fragment_ratio = 1; });
  rejects("fragment ratio nan", [](StoryOptions& o) { o.fragment_ratio = NAN; });
  rejects("min shared terms 65", [](StoryOptions& o) { o.min_shared_terms = 65; });
  rejects("index terms above centroid terms", [](StoryOptions& o) {
    o.max_centroid_terms = 100;
    o.index_terms = 101;
  });
  StoryOptions fixed;
  fixed.threshold = 0.5;
  EXPECT_TRUE(fixed.validate().ok());
  StoryOptions plain_sum;
  plain_sum.centroid_exponent = 1;
  EXPECT_TRUE(plain_sum.validate().ok());
  StoryOptions small;
  small.max_centroid_terms = 8;
  small.index_terms = 8;
  EXPECT_TRUE(small.validate().ok());
  // Times must be absent or one per document.
  const std::vector<std::vector<StoryTerm>> two = {doc_of({1}), doc_of({2})};
  const std::vector<double> one_time = {5.0};
  const auto r = cluster_stories(two, one_time, StoryOptions{});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(StoryClustererTest, ThresholdGrowsWithEffectiveTermsUnlessFixed) {
  Result<StoryClusterer> c = StoryClusterer::create({});
  ASSERT_TRUE(c.ok());
  double previous = 0;
  for (double n : {1.0, 2.0, 7.0, 20.0, 100.0, 400.0}) {
    const double t = c->threshold_for(n);
    EXPECT_GT(t, previous) << n;
    EXPECT_NEAR(t, 0.045 * std::pow(n, 0.385), 1e-12) << n;
    previous = t;
  }
  // About 0.1 for a headline, 0.23 for an article (story_cluster.h).
  EXPECT_NEAR(c->threshold_for(7), 0.095, 0.01);
  EXPECT_NEAR(c->threshold_for(70), 0.23, 0.02);
  EXPECT_EQ(c->threshold_for(0), c->threshold_for(1));  // fewer than one term counts as one

  StoryOptions o;
  o.threshold = 0.42;
  Result<StoryClusterer> fixed = StoryClusterer::create(o);
  ASSERT_TRUE(fixed.ok());
  for (double n : {0.0, 1.0, 7.0, 100.0, 1e6}) EXPECT_EQ(fixed->threshold_for(n), 0.42);
}

TEST(StoryClustererTest, SinglePassJoinsSimilarAndOpensClustersForTheRest) {
  DocumentFrequencies df;  // idf 1 everywhere: plain cosines
  Result<StoryClusterer> c = StoryClusterer::create({});
  ASSERT_TRUE(c.ok());
  StoryVector v;
  const auto add = [&](std::vector<uint64_t> terms) {
    weigh_story_terms(doc_of(std::move(terms)), df, v);
    return c->add(v, 0);
  };
  EXPECT_EQ(add({1, 2, 3, 4}).cluster, 0u);
  EXPECT_EQ(add({10, 11, 12}).cluster, 1u);
  const StoryAssignment near = add({1, 2, 3, 5});  // cosine 0.75 with document 0
  EXPECT_EQ(near.cluster, 0u);
  EXPECT_NEAR(near.similarity, 0.75, 1e-5);
  EXPECT_LT(near.similarity, 1.0f);
  EXPECT_EQ(add({20, 21}).cluster, 3u);  // nothing shared: a new cluster named by its index
  EXPECT_EQ(add({}).cluster, 4u);        // an empty document joins nothing
  EXPECT_EQ(add({}).cluster, 5u);
  EXPECT_EQ(c->documents(), 6u);
  EXPECT_EQ(c->open_clusters(), 5u);
  // The founder's similarity is 1.
  EXPECT_EQ(add({30, 31}).similarity, 1.0f);
}

// A hand-made unit vector (terms sorted, weights already unit length).
StoryVector unit_vector(std::vector<std::pair<uint64_t, float>> entries) {
  StoryVector v;
  double n2 = 0;
  for (const auto& [t, w] : entries) n2 += static_cast<double>(w) * w;
  for (const auto& [t, w] : entries) {
    v.terms.push_back(t);
    v.weights.push_back(static_cast<float>(w / std::sqrt(n2)));
  }
  v.effective_terms = static_cast<float>(entries.size());
  return v;
}

// Documents are scored against the centroid whose summed weights are raised to
// centroid_exponent: checked against the cosine computed by hand for 0.5 and 1 (plain sum).
TEST(StoryClustererTest, DocumentsAreScoredAgainstTheDampedCentroid) {
  for (const double e : {0.5, 1.0}) {
    StoryOptions o;
    o.threshold = 0.01;
    o.centroid_exponent = e;
    Result<StoryClusterer> c = StoryClusterer::create(o);
    ASSERT_TRUE(c.ok());
    EXPECT_EQ(c->add(unit_vector({{1, 0.6f}, {2, 0.8f}}), 0).cluster, 0u);
    const StoryAssignment b = c->add(unit_vector({{1, 0.6f}, {3, 0.8f}}), 0);
    EXPECT_EQ(b.cluster, 0u);
    // Against document 0 alone: weights 0.6, 0.8 damped to 0.6^e, 0.8^e.
    const double d0 = std::sqrt(std::pow(0.36, e) + std::pow(0.64, e));
    EXPECT_NEAR(b.similarity, 0.6 * std::pow(0.6, e) / d0, 1e-5) << e;
    // The centroid sums to {1: 1.2, 2: 0.8, 3: 0.8}.
    const StoryAssignment a = c->add(unit_vector({{1, 1.0f}}), 0);
    EXPECT_EQ(a.cluster, 0u);
    const double norm = std::sqrt(std::pow(1.44, e) + 2 * std::pow(0.64, e));
    EXPECT_NEAR(a.similarity, std::pow(1.2, e) / norm, 1e-5) << e;
  }
}

// What the damping is for: a name every member of a cluster repeats cannot carry a document
// that shares nothing else into the cluster, while a document that shares the name and the
// event still joins. Ten members {name 0.8, event 0.4, own word 0.45}; at a fixed threshold of
// 0.47 the name-only document scores 0.530 against the plain sum (joins) and 0.418 at
// exponent 0.5 (opens its own cluster).
TEST(StoryClustererTest, DampedCentroidStopsASharedNameFromCarryingADocumentAlone) {
  const auto run = [](double e, const StoryVector& probe) {
    StoryOptions o;
    o.threshold = 0.47;
    o.centroid_exponent = e;
    Result<StoryClusterer> c = StoryClusterer::create(o);
    EXPECT_TRUE(c.ok());
    for (uint64_t k = 0; k < 10; ++k) {
      EXPECT_EQ(c->add(unit_vector({{1, 0.8f}, {2, 0.4f}, {100 + k, 0.45f}}), 0).cluster, 0u) << k;
    }
    return c->add(probe, 0);
  };
  const StoryVector name_only = unit_vector({{1, 0.6f}, {999, 0.8f}});
  const StoryVector name_and_event = unit_vector({{1, 0.6f}, {2, 0.6f}, {998, 0.5f}});
  const StoryAssignment plain = run(1.0, name_only);
  EXPECT_EQ(plain.cluster, 0u);
  EXPECT_NEAR(plain.similarity, 0.530, 0.001);
  const StoryAssignment damped = run(0.5, name_only);
  EXPECT_EQ(damped.cluster, 10u);  // a new cluster, named by its index
  EXPECT_EQ(run(0.5, name_and_event).cluster, 0u);
  EXPECT_EQ(run(1.0, name_and_event).cluster, 0u);
}

// min_shared_terms: a document that shares only one word with a cluster (here the cluster's
// dominant name, cosine 0.697 against a threshold of 0.3) joins when one shared term is enough and
// opens its own cluster when two are required; a document sharing two joins either way, and a
// one-word document needs only its word.
TEST(StoryClustererTest, OneSharedWordIsNotEnoughWhenTwoAreRequired) {
  const auto run = [](uint32_t min_shared, const StoryVector& probe) {
    StoryOptions o;
    o.threshold = 0.3;
    o.min_shared_terms = min_shared;
    Result<StoryClusterer> c = StoryClusterer::create(o);
    EXPECT_TRUE(c.ok());
    EXPECT_EQ(c->add(unit_vector({{1, 0.8f}, {2, 0.6f}}), 0).cluster, 0u);
    return c->add(probe, 0);
  };
  const StoryVector name_only = unit_vector({{1, 0.9f}, {3, 0.436f}});
  const StoryAssignment one = run(1, name_only);
  EXPECT_EQ(one.cluster, 0u);
  const double e = StoryOptions{}.centroid_exponent;
  const double norm = std::sqrt(std::pow(0.64, e) + std::pow(0.36, e));
  EXPECT_NEAR(one.similarity, 0.9 / std::sqrt(0.9 * 0.9 + 0.436 * 0.436) * std::pow(0.8, e) / norm,
              1e-4);
  EXPECT_EQ(run(2, name_only).cluster, 1u);
  EXPECT_EQ(run(0, name_only).cluster, 0u);  // auto is 1 for the online clusterer
  EXPECT_EQ(run(2, unit_vector({{1, 0.7f}, {2, 0.5f}, {4, 0.5f}})).cluster, 0u);
  EXPECT_EQ(run(2, unit_vector({{1, 1.0f}})).cluster, 0u);
  EXPECT_EQ(run(3, unit_vector({{1, 0.7f}, {2, 0.5f}, {4, 0.5f}})).cluster, 1u);
}

// Auto in cluster_stories: two shared terms when refinement (or merging) follows the pass, one
// when the pass stands alone. {1, 5} shares only term 1 with the first two documents.
TEST(StoryClusteringTest, AutoMinSharedTermsIsTwoInBatchAndOneForASinglePass) {
  const std::vector<std::vector<StoryTerm>> docs = {doc_of({1, 2, 3}), doc_of({1, 2, 4}),
                                                    doc_of({1, 5})};
  StoryOptions batch;
  batch.threshold = 0.05;
  batch.merge_factor = 0;  // refinement only
  auto r = cluster_stories(docs, {}, batch);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 0, 2}));
  StoryOptions single = batch;
  single.refine = false;
  r = cluster_stories(docs, {}, single);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 0, 0}));
  StoryOptions one = batch;
  one.min_shared_terms = 1;
  r = cluster_stories(docs, {}, one);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 0, 0}));
}

// Batch: a member's reported similarity is the cosine with its cluster's damped centroid
// without itself, i.e. with (sum of the other members)^exponent, computed here by hand.
TEST(StoryClusteringTest, BatchSimilarityIsLeaveOneOutAgainstTheDampedCentroid) {
  const std::vector<std::vector<StoryTerm>> docs = {doc_of({1, 2, 3}), doc_of({1, 2, 4}),
                                                    doc_of({1, 2, 3, 4, 5}), doc_of({1, 3, 6})};
  DocumentFrequencies df;
  for (const auto& d : docs) df.add(d);
  std::vector<StoryVector> v(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) weigh_story_terms(docs[i], df, v[i]);
  for (const double e : {0.7, 1.0}) {
    StoryOptions o;
    o.threshold = 0.05;
    o.centroid_exponent = e;
    const auto r = cluster_stories(docs, {}, o);
    ASSERT_TRUE(r.ok());
    for (std::size_t i = 0; i < docs.size(); ++i) EXPECT_EQ((*r)[i].cluster, 0u) << i;
    EXPECT_EQ((*r)[0].similarity, 1.0f);
    for (std::size_t i = 1; i < docs.size(); ++i) {
      std::map<uint64_t, double> rest;
      for (std::size_t j = 0; j < docs.size(); ++j) {
        if (j == i) continue;
        for (std::size_t k = 0; k < v[j].terms.size(); ++k) rest[v[j].terms[k]] += v[j].weights[k];
      }
      double dot = 0, n2 = 0;
      for (const auto& [t, w] : rest) n2 += std::pow(w, 2 * e);
      for (std::size_t k = 0; k < v[i].terms.size(); ++k) {
        const auto it = rest.find(v[i].terms[k]);
        if (it != rest.end()) dot += v[i].weights[k] * std::pow(it->second, e);
      }
      EXPECT_NEAR((*r)[i].similarity, dot / std::sqrt(n2), 1e-5) << "doc " << i << " e " << e;
    }
  }
}

// Batch merging of a fragment: twenty reports {1, 2, 3, 4, own word} and two that share half of
// that vocabulary each plus a word of their own pair (50). Each of the two alone is too far from
// the twenty (they form their own cluster), and the pair's centroid is far below merge_factor x
// the threshold. As a fragment (2 <= 0.1 x 20) the pair is judged as one document: its summed
// vector against the twenty's damped centroid, computed here by hand, must clear the threshold.
TEST(StoryClusteringTest, FragmentMergesWhenItsSumClearsTheThresholdAgainstTheDampedCentroid) {
  std::vector<std::vector<StoryTerm>> docs;
  for (uint64_t k = 0; k < 20; ++k) docs.push_back(doc_of({1, 2, 3, 4, 100 + k}));
  docs.push_back(doc_of({1, 2, 50, 60}));
  docs.push_back(doc_of({3, 4, 50, 61}));
  DocumentFrequencies df;
  for (const auto& d : docs) df.add(d);
  std::map<uint64_t, double> big, fragment;
  StoryVector v;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    weigh_story_terms(docs[i], df, v);
    for (std::size_t k = 0; k < v.terms.size(); ++k) {
      (i < 20 ? big : fragment)[v.terms[k]] += v.weights[k];
    }
  }
  const double e = StoryOptions{}.centroid_exponent;
  double dot = 0, big2 = 0, fragment2 = 0;
  for (const auto& [t, w] : big) big2 += std::pow(w, 2 * e);
  for (const auto& [t, w] : fragment) {
    fragment2 += w * w;
    const auto it = big.find(t);
    if (it != big.end()) dot += w * std::pow(it->second, e);
  }
  const double cosine = dot / std::sqrt(big2 * fragment2);
  ASSERT_GT(cosine, 0.15);
  ASSERT_LT(cosine, 0.3);
  const auto run = [&](double threshold, double ratio) {
    StoryOptions o;
    o.threshold = threshold;
    o.fragment_ratio = ratio;
    o.min_shared_terms = 1;  // the pair shares one word (50): let it form its cluster
    const auto r = cluster_stories(docs, {}, o);
    EXPECT_TRUE(r.ok());
    const std::vector<uint32_t> c = clusters_of(*r);
    for (std::size_t i = 1; i < 20; ++i) EXPECT_EQ(c[i], c[0]) << i;
    EXPECT_EQ(c[20], c[21]);
    return c[20] == c[0];
  };
  // Not a fragment (fragment_ratio 0, or 2 > 0.09 x 20): the two stay apart.
  EXPECT_FALSE(run(cosine - 0.005, 0.0));
  EXPECT_FALSE(run(cosine - 0.005, 0.09));
  // A fragment: merges exactly when the hand-computed cosine clears the threshold.
  EXPECT_TRUE(run(cosine - 0.005, 0.1));
  EXPECT_FALSE(run(cosine + 0.005, 0.1));
}

TEST(StoryClustererTest, WindowClosesClustersWhoseNewestReportIsTooOld) {
  DocumentFrequencies df;
  StoryOptions o;
  o.window_seconds = 100;
  Result<StoryClusterer> c = StoryClusterer::create(o);
  ASSERT_TRUE(c.ok());
  StoryVector v;
  weigh_story_terms(doc_of({1, 2, 3}), df, v);
  EXPECT_EQ(c->add(v, 1000).cluster, 0u);
  EXPECT_EQ(c->add(v, 1060).cluster, 0u);  // 60 s later: within the window
  EXPECT_EQ(c->add(v, 1150).cluster, 0u);  // 90 s after the newest report: still open
  EXPECT_EQ(c->add(v, 1251).cluster, 3u);  // 101 s after the newest: closed, a new cluster
  EXPECT_EQ(c->open_clusters(), 1u);
  std::vector<uint32_t> closed = {99};
  c->take_closed(closed);
  EXPECT_EQ(closed, (std::vector<uint32_t>{0}));  // named by its first document
  c->take_closed(closed);
  EXPECT_TRUE(closed.empty());  // taken once
  // An unrelated document opens its own cluster; a late report (its time before the clock)
  // joins an open cluster and the clock does not move back.
  weigh_story_terms(doc_of({7, 8}), df, v);
  EXPECT_EQ(c->add(v, 1300).cluster, 4u);
  EXPECT_EQ(c->open_clusters(), 2u);
  weigh_story_terms(doc_of({1, 2, 3}), df, v);
  EXPECT_EQ(c->add(v, 1200).cluster, 3u);  // late; the newest report of cluster 3 stays 1251
  EXPECT_EQ(c->add(v, 1340).cluster, 3u);  // 1340 - 1251 <= 100
  EXPECT_EQ(c->open_clusters(), 2u);
  // 1400 is exactly 100 s after 1300: cluster 4 stays open, cluster 3 (newest 1340) too.
  weigh_story_terms(doc_of({7, 8}), df, v);
  EXPECT_EQ(c->add(v, 1400).cluster, 4u);
  // Much later both have closed: the same text founds a new cluster.
  weigh_story_terms(doc_of({1, 2, 3}), df, v);
  EXPECT_EQ(c->add(v, 2000).cluster, 8u);
  EXPECT_EQ(c->open_clusters(), 1u);
  EXPECT_EQ(c->documents(), 9u);
  c->take_closed(closed);
  std::sort(closed.begin(), closed.end());
  EXPECT_EQ(closed, (std::vector<uint32_t>{3, 4}));

  // Without a window nothing ever closes.
  Result<StoryClusterer> forever = StoryClusterer::create({});
  ASSERT_TRUE(forever.ok());
  EXPECT_EQ(forever->add(v, 0).cluster, 0u);
  EXPECT_EQ(forever->add(v, 1e9).cluster, 0u);
}

TEST(StoryClustererTest, BatchRespectsTheWindowForIdenticalReports) {
  const std::vector<std::string> texts = {
      "Lava erupts from a fissure near Grindavik on the Reykjanes peninsula",
      "Lava erupts from a fissure near Grindavik on the Reykjanes peninsula",
      "Lava erupts from a fissure near Grindavik on the Reykjanes peninsula"};
  StoryOptions o;
  o.window_seconds = 3 * 86400.0;
  // Within three days: one cluster. A week apart: separate clusters, also after the batch's
  // merge and refinement steps.
  const std::vector<double> close = {0, 86400, 2 * 86400};
  auto r = cluster_texts(texts, close, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 0, 0}));
  const std::vector<double> apart = {0, 7 * 86400, 14 * 86400};
  r = cluster_texts(texts, apart, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 1, 2}));
  // Single pass only (no merge, no refinement) agrees.
  o.refine = false;
  o.merge_factor = 0;
  r = cluster_texts(texts, apart, o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 1, 2}));
  // Without a window the same times make one cluster.
  r = cluster_texts(texts, apart, StoryOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 0, 0}));
}

// Three stories, four reports each, written in different words (shared: names, places,
// amounts), plus two unrelated items.
struct Report {
  int story;
  const char* text;
};
const std::vector<Report> kReports = {
    {0,
     "A volcano erupted on Iceland's Reykjanes peninsula late on Monday, sending lava fountains "
     "into the night sky near the fishing town of Grindavik, whose 4,000 residents had already "
     "been evacuated."},
    {1,
     "Nordwind Airlines agreed to buy rival Baltic Air for $2.1 billion in cash, creating the "
     "largest low-cost carrier in northern Europe, the companies said on Tuesday."},
    {2,
     "Ferrari is recalling about 12,000 cars in the United States because a faulty brake fluid "
     "cap can leak, causing a loss of braking, the carmaker told safety regulators."},
    {0,
     "Lava poured from a fissure on the Reykjanes peninsula in southwest Iceland after a "
     "volcanic eruption began on Monday evening. Authorities said the town of Grindavik, home "
     "to about 4000 people, was evacuated weeks ago."},
    {-1,
     "The city council approved a new budget for public libraries and parks, with more money "
     "for reading programmes for children."},
    {1,
     "Low-cost carrier Nordwind will acquire Baltic Air in a deal worth 2.1 billion dollars, "
     "the two airlines announced. Regulators in Brussels are expected to review the takeover."},
    {2,
     "The Italian sports car maker Ferrari will recall 12 thousand vehicles after finding that "
     "brake fluid may leak from a defective cap, according to a filing with US regulators."},
    {0,
     "Iceland's Meteorological Office confirmed an eruption near Grindavik. The fissure on the "
     "Reykjanes peninsula is about four kilometres long, and glowing lava could be seen from "
     "Reykjavik."},
    {1,
     "Shares of Baltic Air jumped 30% after Nordwind Airlines unveiled a 2.1bn dollar takeover "
     "offer. The combined airline would fly 40 million passengers a year."},
    {2,
     "A brake fluid leak has forced Ferrari to recall roughly 12k cars built since 2005; owners "
     "will get a replacement cap free of charge."},
    {-2,
     "Scientists found that honeybees learn to count up to four when rewarded with sugar water, "
     "a study in a biology journal reported."},
    {0,
     "Grindavik evacuated as Reykjanes volcano erupts: lava spews from a long fissure in "
     "Iceland, but flights at Keflavik airport were not disrupted."},
    {1,
     "Nordwind's $2.1 billion acquisition of Baltic Air will face scrutiny from European "
     "competition regulators, analysts said, as the merged carrier dominates Baltic routes."},
    {2,
     "Ferrari recall: 12,000 vehicles affected by a brake defect that can cause a complete loss "
     "of braking, the US safety agency said."},
};

std::vector<std::string> report_texts() {
  std::vector<std::string> t;
  for (const Report& r : kReports) t.emplace_back(r.text);
  return t;
}

// Each story one cluster, each unrelated item alone.
std::set<std::vector<std::size_t>> expected_partition() {
  std::vector<int> gold;
  for (const Report& r : kReports) gold.push_back(r.story);
  return partition_of(dense_labels(gold));
}

TEST(StoryClusteringTest, ParaphrasedReportsFormOneClusterPerStory) {
  const auto texts = report_texts();
  auto r = cluster_texts(texts);
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), texts.size());
  EXPECT_EQ(partition_of(clusters_of(*r)), expected_partition());
  // Without times a cluster is named by its first member in input order, and the founder has
  // similarity 1; the others report a similarity below 1.
  for (std::size_t i = 0; i < r->size(); ++i) {
    const StoryAssignment& a = (*r)[i];
    EXPECT_LE(a.cluster, i);
    EXPECT_EQ((*r)[a.cluster].cluster, a.cluster);
    for (std::size_t j = 0; j < i; ++j) {
      if ((*r)[j].cluster == a.cluster) {
        EXPECT_LE(a.cluster, j);
      }
    }
    if (a.cluster == i) {
      EXPECT_EQ(a.similarity, 1.0f);
    } else {
      EXPECT_GT(a.similarity, 0.0f);
      EXPECT_LT(a.similarity, 1.0f);
    }
  }
  EXPECT_EQ((*r)[0].cluster, 0u);
  EXPECT_EQ((*r)[3].cluster, 0u);
  EXPECT_EQ((*r)[5].cluster, 1u);
  EXPECT_EQ((*r)[13].cluster, 2u);

  // The same grouping in single-pass mode, and with an explicit threshold.
  StoryOptions single;
  single.refine = false;
  single.merge_factor = 0;
  r = cluster_texts(texts, {}, single);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(partition_of(clusters_of(*r)), expected_partition());
  // A threshold no pair of reports reaches leaves every document alone.
  StoryOptions strict;
  strict.threshold = 0.99;
  r = cluster_texts(texts, {}, strict);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(partition_of(clusters_of(*r)).size(), texts.size());
}

TEST(StoryClusteringTest, ResultIsDeterministicAndTimesOrderTheDocuments) {
  const auto texts = report_texts();
  const auto first = cluster_texts(texts);
  const auto second = cluster_texts(texts);
  ASSERT_TRUE(first.ok() && second.ok());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ((*first)[i].cluster, (*second)[i].cluster);
    EXPECT_EQ((*first)[i].similarity, (*second)[i].similarity);
  }
  // Times in reverse input order: documents are visited latest-input first, so each cluster is
  // named by its last member in input order; the grouping does not change.
  std::vector<double> reversed(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i)
    reversed[i] = 1e9 - 3600.0 * static_cast<double>(i);
  const auto r = cluster_texts(texts, reversed);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(partition_of(clusters_of(*r)), expected_partition());
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_GE((*r)[i].cluster, i);
    for (std::size_t j = i; j < texts.size(); ++j) {
      if ((*r)[j].cluster == (*r)[i].cluster) {
        EXPECT_GE((*r)[i].cluster, j);
      }
    }
  }
  // Equal times keep input order (stable): the same result as without times.
  const std::vector<double> same(texts.size(), 42.0);
  const auto tied = cluster_texts(texts, same);
  ASSERT_TRUE(tied.ok());
  EXPECT_EQ(clusters_of(*tied), clusters_of(*first));
}

TEST(StoryClusteringTest, IdfModelIsAddedToTheCorpusFrequencies) {
  const auto texts = report_texts();
  StoryFeaturizer f = make_featurizer();
  std::vector<std::vector<StoryTerm>> features;
  for (const auto& t : texts) features.push_back(features_of(f, t));
  const auto plain = cluster_stories(features, {}, StoryOptions{});
  ASSERT_TRUE(plain.ok());
  // A model of the same corpus counted 1000 times: the idf ratios barely change, so the
  // grouping holds, but the weights (and so the similarities) are not those of the corpus alone.
  DocumentFrequencies model;
  for (int k = 0; k < 1000; ++k) {
    for (const auto& d : features) model.add(d);
  }
  const auto with_model = cluster_stories(features, {}, StoryOptions{}, &model);
  ASSERT_TRUE(with_model.ok());
  EXPECT_EQ(partition_of(clusters_of(*with_model)), expected_partition());
  std::size_t changed = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    changed += (*with_model)[i].similarity != (*plain)[i].similarity ? 1u : 0u;
  }
  EXPECT_GT(changed, 0u);
  EXPECT_EQ(model.documents(),
            std::size_t{1000} * texts.size());  // the caller's model is not changed
  // Single pass, cluster_stories is: frequencies = model + corpus, weigh each document, add it
  // to a StoryClusterer in order. Rebuilt here by hand, with a model in which every term of the
  // reports is common (which flattens the weights), it gives the same assignments and
  // similarities, and those differ from the ones without the model.
  DocumentFrequencies common;
  for (int k = 0; k < 1000; ++k) {
    std::vector<uint64_t> all;
    for (const auto& d : features) {
      for (const StoryTerm& t : d) all.push_back(t.term);
    }
    common.add(doc_of(all));
  }
  StoryOptions single;
  single.refine = false;
  single.merge_factor = 0;
  const auto batch = cluster_stories(features, {}, single, &common);
  const auto batch_plain = cluster_stories(features, {}, single);
  ASSERT_TRUE(batch.ok() && batch_plain.ok());
  DocumentFrequencies df = common;
  for (const auto& d : features) df.add(d);
  Result<StoryClusterer> clusterer = StoryClusterer::create(single);
  ASSERT_TRUE(clusterer.ok());
  StoryVector v;
  std::size_t differs = 0;
  for (std::size_t i = 0; i < features.size(); ++i) {
    weigh_story_terms(features[i], df, v);
    const StoryAssignment a = clusterer->add(v, 0);
    EXPECT_EQ((*batch)[i].cluster, a.cluster) << i;
    EXPECT_EQ((*batch)[i].similarity, a.similarity) << i;
    differs += (*batch_plain)[i].similarity != a.similarity ? 1u : 0u;
  }
  EXPECT_GT(differs, 0u);
  // An empty model is the same as none.
  DocumentFrequencies empty;
  const auto none = cluster_stories(features, {}, StoryOptions{}, &empty);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(clusters_of(*none), clusters_of(*plain));
}

TEST(StoryClusteringTest, EmptyAndFeaturelessCorporaAreFine) {
  auto r = cluster_stories({}, {}, StoryOptions{});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  // Documents without features are singletons.
  r = cluster_texts({"", "the of and", "", "volcano Grindavik", "volcano Grindavik"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(clusters_of(*r), (std::vector<uint32_t>{0, 1, 2, 3, 3}));
}

// ---------------------------------------------------------------------------------------------
// Regression tests for bugs found while writing these tests (each failed before its fix).

// story/clusterer.cpp StoryClusterer::Impl: `double now = 0;` starts the clock at 1970-01-01, and
// it only moves forward (`if (time > now)`), so with times before the epoch (negative unix seconds,
// e.g. ISO dates before 1970) no cluster ever closes.
TEST(StoryClustererTest, WindowWorksForTimesBeforeTheEpoch) {
  DocumentFrequencies df;
  StoryOptions o;
  o.window_seconds = 100;
  Result<StoryClusterer> c = StoryClusterer::create(o);
  ASSERT_TRUE(c.ok());
  StoryVector v;
  weigh_story_terms(doc_of({1, 2, 3}), df, v);
  EXPECT_EQ(c->add(v, -1e6).cluster, 0u);
  EXPECT_EQ(c->add(v, -1e6 + 1000).cluster, 1u);  // 1000 s later: the first cluster is closed
}

// story/batch.cpp refine_assignments: similarity[] starts at 1.0 and is only set by refinement when
// a document stays with the best cluster or moves; with refine_rounds = 0 (merge only) every joined
// document reports 1, and after refinement a document that stays because its better cluster misses
// the threshold reports 1 too (8 of the uci-news documents).
TEST(StoryClusteringTest, JoinedDocumentsNeverReportSimilarityOne) {
  const auto texts = report_texts();
  StoryOptions merge_only;
  merge_only.refine_rounds = 0;
  for (const StoryOptions& o : {StoryOptions{}, merge_only}) {
    const auto r = cluster_texts(texts, {}, o);
    ASSERT_TRUE(r.ok());
    for (std::size_t i = 0; i < r->size(); ++i) {
      if ((*r)[i].cluster != i) {
        EXPECT_LT((*r)[i].similarity, 1.0f) << i;
      }
    }
  }
}

// story/batch.cpp refine_assignments: `const int kRounds = options.refine_rounds;` ignores
// StoryOptions::refine, so refine = false still refines whenever merge_factor > 0 (the default).
// On uci-news, refine = false and refine_rounds = 0 differ in 746 of 2161 assignments.
TEST(StoryClusteringTest, RefineFalseSkipsRefinement) {
  const auto dir = fixtures::shared_datasets();
  if (!dir || !fs::exists(*dir / "uci-news" / "dev.jsonl")) GTEST_SKIP() << "no shared datasets";
  auto reader = DocumentReader::open((*dir / "uci-news" / "dev.jsonl").string(), {});
  ASSERT_TRUE(reader.ok());
  StoryFeaturizer f = make_featurizer();
  std::vector<std::vector<StoryTerm>> features;
  Document doc;
  while (*(*reader)->next(doc)) features.push_back(features_of(f, doc.text));
  StoryOptions off, zero;
  off.refine = false;
  zero.refine_rounds = 0;
  const auto a = cluster_stories(features, {}, off);
  const auto b = cluster_stories(features, {}, zero);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(clusters_of(*a), clusters_of(*b));
}

// story/document_frequencies.cpp DocumentFrequencies::add counts every entry, not every distinct
// term: a document holding a term twice (or both term 0 and term 1, which share a slot) counts it
// twice, idf drops below 1, and the saved model no longer loads ("invalid entry": count >
// documents).
TEST(DocumentFrequenciesTest, EachDistinctTermCountsOncePerDocument) {
  DocumentFrequencies df;
  df.add(std::vector<StoryTerm>{{5, 1.0f}, {5, 1.0f}});
  df.add(std::vector<StoryTerm>{{0, 1.0f}, {1, 1.0f}});
  EXPECT_EQ(df.frequency(5), 1u);
  EXPECT_EQ(df.frequency(1), 1u);
  EXPECT_GE(df.idf(5), 1.0f);
  const fs::path dir = fixtures::temp_dir("story_df_distinct");
  ASSERT_TRUE(df.save((dir / "m.idf").string()).ok());
  EXPECT_TRUE(DocumentFrequencies::load((dir / "m.idf").string()).ok());
}

// ---------------------------------------------------------------------------------------------
// Real data (../shared/datasets)

std::optional<fs::path> dataset(const std::string& relative) {
  const auto dir = fixtures::shared_datasets();
  if (!dir) return std::nullopt;
  const fs::path p = *dir / relative;
  if (!fs::exists(p)) return std::nullopt;
  return p;
}

// The string (or number, as text) value of a field of a JSON object, or "".
std::string json_field(simdjson::dom::parser& parser, std::string_view line, const char* field) {
  simdjson::dom::element doc;
  if (parser.parse(line.data(), line.size()).get(doc)) return {};
  simdjson::dom::element value;
  if (doc[field].get(value)) return {};
  if (value.is_string()) return std::string(std::string_view(value.get_string().value()));
  return simdjson::to_string(value);
}

struct Labelled {
  std::vector<std::string> ids, texts, titles, labels;
  std::vector<double> times;
};

// Reads a JSONL file through the project's reader (.zst decompressed) with extra fields.
std::optional<Labelled> read_labelled(const fs::path& path, const char* label_field,
                                      const char* title_field = nullptr) {
  auto reader = DocumentReader::open(path.string(), ReaderOptions{});
  EXPECT_TRUE(reader.ok()) << reader.status().to_string();
  if (!reader.ok()) return std::nullopt;
  simdjson::dom::parser parser;
  Labelled out;
  Document doc;
  while (true) {
    Result<bool> more = (*reader)->next(doc);
    EXPECT_TRUE(more.ok()) << more.status().to_string();
    if (!more.ok()) return std::nullopt;
    if (!*more) break;
    out.ids.push_back(doc.id);
    out.texts.push_back(doc.text);
    out.labels.push_back(label_field != nullptr ? json_field(parser, doc.raw, label_field) : "");
    out.titles.push_back(title_field != nullptr ? json_field(parser, doc.raw, title_field) : "");
    const std::string t = json_field(parser, doc.raw, "time");
    out.times.push_back(t.empty() ? 0.0 : std::stod(t));
  }
  return out;
}

std::vector<std::vector<StoryTerm>> featurize(const Labelled& data) {
  StoryFeaturizer f = make_featurizer();
  std::vector<std::vector<StoryTerm>> out(data.texts.size());
  for (std::size_t i = 0; i < out.size(); ++i) f.extract(data.texts[i], data.titles[i], out[i]);
  return out;
}

// The seed reports among background news: reuters21578 articles (with titles), the semeval
// article pairs (both sides, 2019-2020 news, some on cars, companies and China) and the five
// seeds. Rewritten reports of one announcement share almost no 5-word phrase; story clustering
// must put exactly the five seeds together, whatever the order of the input (no times are
// given: with times, cluster_stories would visit the documents in time order and the order of
// the input would not matter).
//
// The whole collection (19,370 documents) is clustered once, in input order (~4 s in Release).
// The other orders use a subset of 3,327: the 300 Reuters articles closest to the seeds (cosine
// to the seeds' mean vector, IDF over the whole collection: car makers, plants, China, large
// investments; Reuters 1987 has no Xiaomi), 2,700 evenly spaced others, all of semeval and the
// seeds.
class StorySeedsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const auto seeds = dataset("seeds/seeds.jsonl");
    const auto reuters = dataset("reuters21578/reuters.jsonl.zst");
    const auto semeval = dataset("semeval-news-similarity/train-en.jsonl");
    if (!seeds || !reuters || !semeval) return;
    corpus_ = new Labelled;
    whole_ = new Labelled;
    const auto bg = read_labelled(*reuters, nullptr, "title");
    const auto sd = read_labelled(*seeds, "story");
    ASSERT_TRUE(bg && sd);
    ASSERT_GE(bg->ids.size(), 19000u);
    ASSERT_EQ(sd->ids.size(), 5u);
    // Semeval: two articles per record.
    std::vector<std::string> sem;
    {
      std::ifstream in(*semeval);
      simdjson::dom::parser parser;
      for (std::string line; std::getline(in, line);) {
        if (line.empty()) continue;
        sem.push_back(json_field(parser, line, "text1"));
        sem.push_back(json_field(parser, line, "text2"));
      }
    }
    ASSERT_EQ(sem.size(), 322u);

    // Pick the background: the Reuters articles closest to the seeds, plus a sample.
    const auto bg_features = featurize(*bg);
    const auto seed_features = featurize(*sd);
    DocumentFrequencies df;
    for (const auto& f : bg_features) df.add(f);
    for (const auto& f : seed_features) df.add(f);
    StoryVector v;
    std::map<uint64_t, float> mean;
    for (const auto& f : seed_features) {
      weigh_story_terms(f, df, v);
      for (std::size_t k = 0; k < v.terms.size(); ++k) mean[v.terms[k]] += v.weights[k];
    }
    StoryVector seed_mean;
    for (const auto& [t, w] : mean) {
      seed_mean.terms.push_back(t);
      seed_mean.weights.push_back(w);
    }
    std::vector<std::pair<double, std::size_t>> closest;
    for (std::size_t i = 0; i < bg_features.size(); ++i) {
      weigh_story_terms(bg_features[i], df, v);
      closest.emplace_back(-story_cosine(v, seed_mean), i);
    }
    std::sort(closest.begin(), closest.end());
    std::vector<bool> take(bg_features.size(), false);
    for (std::size_t k = 0; k < kClosest; ++k) take[closest[k].second] = true;
    std::vector<std::size_t> rest;
    for (std::size_t i = 0; i < bg_features.size(); ++i) {
      if (!take[i]) rest.push_back(i);
    }
    const std::size_t sample = kBackground - kClosest;
    for (std::size_t k = 0; k < sample; ++k) take[rest[k * rest.size() / sample]] = true;
    for (std::size_t i = 0; i < bg_features.size(); ++i) {
      if (!take[i]) continue;
      corpus_->ids.push_back(bg->ids[i]);
      features_.push_back(bg_features[i]);
    }
    StoryFeaturizer f = make_featurizer();
    for (std::size_t i = 0; i < sem.size(); ++i) {
      corpus_->ids.push_back("semeval-" + std::to_string(i));
      features_.push_back(features_of(f, sem[i]));
    }
    for (std::size_t i = 0; i < sd->ids.size(); ++i) {
      corpus_->ids.push_back(sd->ids[i]);
      features_.push_back(seed_features[i]);
    }
    // The whole collection: every Reuters article, then semeval, then the seeds.
    whole_->ids = bg->ids;
    whole_features_ = bg_features;
    for (std::size_t i = 0; i < sem.size(); ++i) {
      whole_->ids.push_back("semeval-" + std::to_string(i));
      whole_features_.push_back(features_[kBackground + i]);
    }
    for (std::size_t i = 0; i < sd->ids.size(); ++i) {
      whole_->ids.push_back(sd->ids[i]);
      whole_features_.push_back(seed_features[i]);
    }
  }
  static void TearDownTestSuite() {
    delete corpus_;
    delete whole_;
    corpus_ = whole_ = nullptr;
    features_.clear();
    whole_features_.clear();
  }
  void SetUp() override {
    if (corpus_ == nullptr) GTEST_SKIP() << "shared datasets not available";
  }

  // Clusters the subset visited in `order` (a permutation of it) and checks that the seeds
  // form exactly one cluster with nothing else in it.
  static void expect_seeds_alone(const std::vector<std::size_t>& order, const std::string& name) {
    std::vector<std::vector<StoryTerm>> features;
    std::vector<std::string> ids;
    for (std::size_t i : order) {
      features.push_back(features_[i]);
      ids.push_back(corpus_->ids[i]);
    }
    expect_seeds_alone(features, ids, name);
  }
  static void expect_seeds_alone(const std::vector<std::vector<StoryTerm>>& features,
                                 const std::vector<std::string>& ids, const std::string& name) {
    const auto r = cluster_stories(features, {}, StoryOptions{});  // no times: input order
    ASSERT_TRUE(r.ok()) << r.status().to_string();
    std::set<uint32_t> seed_clusters;
    std::size_t seeds = 0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i].rfind("seed-", 0) == 0) {
        seed_clusters.insert((*r)[i].cluster);
        ++seeds;
      }
    }
    ASSERT_EQ(seeds, 5u);
    ASSERT_EQ(seed_clusters.size(), 1u) << name << ": the seeds are split";
    std::vector<std::string> members;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if ((*r)[i].cluster == *seed_clusters.begin()) members.push_back(ids[i]);
    }
    std::sort(members.begin(), members.end());
    EXPECT_EQ(members, (std::vector<std::string>{"seed-000", "seed-001", "seed-002", "seed-003",
                                                 "seed-004"}))
        << name;
    // Many other clusters exist: the corpus is not lumped together.
    EXPECT_GT(partition_of(clusters_of(*r)).size(), ids.size() / 10) << name;
  }

  static constexpr std::size_t kBackground = 3000, kClosest = 300;
  static inline Labelled* corpus_ = nullptr;  // the subset
  static inline std::vector<std::vector<StoryTerm>> features_;
  static inline Labelled* whole_ = nullptr;  // the whole collection
  static inline std::vector<std::vector<StoryTerm>> whole_features_;
};

TEST_F(StorySeedsTest, SeedsFormOneClusterInTheWholeCollection) {
  ASSERT_EQ(whole_features_.size(), 19043u + 322u + 5u);
  expect_seeds_alone(whole_features_, whole_->ids, "whole collection");
}

TEST_F(StorySeedsTest, SeedsFormOneClusterInInputOrder) {
  // The seeds come last, after all background articles.
  std::vector<std::size_t> order(features_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  EXPECT_EQ(features_.size(), kBackground + 322 + 5);
  expect_seeds_alone(order, "input order");
}

TEST_F(StorySeedsTest, SeedsFormOneClusterInReversedOrder) {
  std::vector<std::size_t> order(features_.size());
  std::iota(order.rbegin(), order.rend(), std::size_t{0});
  expect_seeds_alone(order, "reversed");
}

TEST_F(StorySeedsTest, SeedsFormOneClusterInShuffledOrders) {
  std::vector<std::size_t> order(features_.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    std::shuffle(order.begin(), order.end(), rng);
    expect_seeds_alone(order, "shuffle seed " + std::to_string(seed));
  }
}

// Quality on labelled news: B-cubed F1 and NMI against the gold stories, at the defaults.
Quality measure(const Labelled& data, std::span<const double> times, const char* name,
                const StoryOptions& options = {}) {
  const auto r = cluster_stories(featurize(data), times, options);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  if (!r.ok()) return {};
  const auto gold = dense_labels(data.labels);
  const auto pred = clusters_of(*r);
  const Quality q = quality_of(gold, pred);
  const ClusteringScores s = score_clustering(gold, pred);
  EXPECT_NEAR(q.bcubed_f1, s.bcubed_f1, 1e-9);
  EXPECT_NEAR(q.nmi, s.nmi, 1e-9);
  std::printf("  %s: B-cubed F1 %.4f, NMI %.4f, %zu clusters / %zu gold\n", name, q.bcubed_f1,
              q.nmi, s.pred_clusters, s.gold_clusters);
  return q;
}

TEST(StoryQualityTest, UciHeadlinesBcubedF1) {
  const auto path = dataset("uci-news/dev.jsonl");
  if (!path) GTEST_SKIP() << "shared datasets not available";
  const auto data = read_labelled(*path, "story");
  ASSERT_TRUE(data);
  ASSERT_EQ(data->ids.size(), 2161u);
  const Quality q = measure(*data, {}, "uci-news dev");
  EXPECT_GE(q.bcubed_f1, 0.8447);  // measured 0.8647
  EXPECT_GE(q.nmi, 0.8916);        // measured 0.9116
  // With the publication times (documents visited in time order) the quality holds.
  const Quality timed = measure(*data, data->times, "uci-news dev, timed");
  EXPECT_GE(timed.bcubed_f1, 0.8447);
  // Merging fragments is worth 0.022 B-cubed here (0.8429 without): reports of one story
  // worded apart from the rest join it as a group.
  StoryOptions no_fragments;
  no_fragments.fragment_ratio = 0;
  const Quality apart = measure(*data, {}, "uci-news dev, no fragment merging", no_fragments);
  EXPECT_GT(q.bcubed_f1, apart.bcubed_f1 + 0.01);
}

TEST(StoryQualityTest, MStreamNewsNmi) {
  const auto path = dataset("mstream-news/news.jsonl");
  if (!path) GTEST_SKIP() << "shared datasets not available";
  const auto data = read_labelled(*path, "story");
  ASSERT_TRUE(data);
  ASSERT_EQ(data->ids.size(), 11109u);
  const Quality q = measure(*data, {}, "mstream-news");
  EXPECT_GE(q.nmi, 0.8819);        // measured 0.9019 (MStream, KDD 2018: 0.834)
  EXPECT_GE(q.bcubed_f1, 0.7788);  // measured 0.7988
  // Requiring two shared words to join is worth 0.012 NMI and 0.021 B-cubed here (0.8896 and
  // 0.7777 with one): titles that share one name are no longer pulled into its story.
  StoryOptions one_word;
  one_word.min_shared_terms = 1;
  const Quality loose = measure(*data, {}, "mstream-news, one shared word", one_word);
  EXPECT_GT(q.nmi, loose.nmi + 0.005);
  EXPECT_GT(q.bcubed_f1, loose.bcubed_f1 + 0.01);
}

}  // namespace
}  // namespace neardup
