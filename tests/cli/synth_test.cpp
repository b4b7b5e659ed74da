// Tests of the synthetic-corpus generator (tools/synth.cpp, run as a separate process) and of the
// hand-written news sample with its gold labels (datasets/news/).

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "cli/cli_util.h"
#include "neardup/advanced/normalize.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 0xCBF29CE484222325ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 0x100000001B3ULL;
  return h;
}

// Independent implementation of the documented ground-truth tokenization: ASCII lower case;
// ',' between digits removed; '.' between digits kept inside the token; tokens are maximal runs
// of [a-z0-9]. Shingles are the 5-token sequences as strings (exact, no hashing).
std::vector<std::string> simple_tokens(std::string_view text) {
  std::string t;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool between_digits = i > 0 && i + 1 < text.size() &&
                                std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                                std::isdigit(static_cast<unsigned char>(text[i + 1]));
    if (c == ',' && between_digits) continue;
    if (c == '.' && between_digits) {
      t.push_back('.');
    } else if (std::isalnum(static_cast<unsigned char>(c)) &&
               static_cast<unsigned char>(c) < 0x80) {
      t.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      t.push_back(' ');
    }
  }
  std::vector<std::string> out;
  std::size_t b = 0;
  while ((b = t.find_first_not_of(' ', b)) != std::string::npos) {
    std::size_t e = t.find(' ', b);
    if (e == std::string::npos) e = t.size();
    out.push_back(t.substr(b, e - b));
    b = e;
  }
  return out;
}

std::set<std::string> shingles5(std::string_view text) {
  const std::vector<std::string> w = simple_tokens(text);
  std::set<std::string> out;
  const std::size_t k = std::min<std::size_t>(5, w.size());
  for (std::size_t i = 0; k > 0 && i + k <= w.size(); ++i) {
    std::string s;
    for (std::size_t j = 0; j < k; ++j) s += w[i + j] + " ";
    out.insert(s);
  }
  return out;
}

double jaccard(const std::set<std::string>& a, const std::set<std::string>& b) {
  std::size_t inter = 0;
  for (const auto& x : a) inter += b.count(x);
  const std::size_t uni = a.size() + b.size() - inter;
  return uni == 0 ? 1.0 : static_cast<double>(inter) / static_cast<double>(uni);
}

// One corpus shared by the tests of the suite (generating it is the slow part).
class SynthTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(temp_dir("synth"));
    const RunResult r =
        run_synth("--docs 3000 --seed 5 --quiet --output " + quote(*dir_ / "a.jsonl") +
                  " --truth " + quote(*dir_ / "a.truth.jsonl"));
    ASSERT_EQ(r.exit_code, 0);
    corpus_ = new std::vector<Record>(parse_jsonl(read_file(*dir_ / "a.jsonl")));
    truth_ = new std::vector<Record>(parse_jsonl(read_file(*dir_ / "a.truth.jsonl")));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete corpus_;
    delete truth_;
    delete dir_;
  }
  // Map id -> text of the shared corpus.
  static std::map<std::string, std::string> texts() {
    std::map<std::string, std::string> m;
    for (const Record& r : *corpus_) m[r.at("id")] = r.at("text");
    return m;
  }

  static fs::path* dir_;
  static std::vector<Record>* corpus_;
  static std::vector<Record>* truth_;
};
fs::path* SynthTest::dir_ = nullptr;
std::vector<Record>* SynthTest::corpus_ = nullptr;
std::vector<Record>* SynthTest::truth_ = nullptr;

TEST_F(SynthTest, DocsCountIsRespectedAndIdsAreSequential) {
  ASSERT_EQ(corpus_->size(), 3000u);
  EXPECT_EQ(corpus_->front().at("id"), "syn-000000001");
  EXPECT_EQ(corpus_->back().at("id"), "syn-000003000");
  for (std::size_t i = 1; i < corpus_->size(); ++i) {
    ASSERT_LT((*corpus_)[i - 1].at("id"), (*corpus_)[i].at("id"));
  }
}

TEST_F(SynthTest, EveryLineHasExactlyIdAndNonEmptyText) {
  for (const Record& r : *corpus_) {
    ASSERT_EQ(r.size(), 2u);
    ASSERT_EQ(r.count("id"), 1u);
    ASSERT_EQ(r.count("text"), 1u);
    ASSERT_FALSE(r.at("text").empty());
  }
}

TEST_F(SynthTest, TextLooksLikeEnglishProse) {
  std::size_t paragraphs = 0, commas = 0, numbers_with_separator = 0, decimals = 0;
  for (const Record& r : *corpus_) {
    const std::string& t = r.at("text");
    ASSERT_TRUE(std::isupper(static_cast<unsigned char>(t[0])) ||
                std::isdigit(static_cast<unsigned char>(t[0])))
        << t.substr(0, 40);
    ASSERT_EQ(t.back() == '.' || t.back() == ' ', true);
    for (std::size_t i = 0; i + 2 < t.size(); ++i) {
      paragraphs += t.compare(i, 2, "\n\n") == 0;
      commas += t.compare(i, 2, ", ") == 0;
      const bool d0 = std::isdigit(static_cast<unsigned char>(t[i])) != 0;
      const bool d2 = std::isdigit(static_cast<unsigned char>(t[i + 2])) != 0;
      numbers_with_separator += d0 && t[i + 1] == ',' && d2;
      decimals += d0 && t[i + 1] == '.' && d2;
    }
  }
  EXPECT_GT(paragraphs, corpus_->size());
  EXPECT_GT(commas, corpus_->size());
  EXPECT_GT(numbers_with_separator, 100u);
  EXPECT_GT(decimals, 100u);
}

TEST_F(SynthTest, PlantedRatesAreRoughlyAsRequested) {
  std::size_t near = 0, exact = 0;
  for (const Record& t : *truth_) (t.at("kind") == "near" ? near : exact) += 1;
  // Defaults: 20% near, 5% exact, of 3000 docs. Binomial sd: ~22 and ~12; allow 5 sd.
  EXPECT_NEAR(static_cast<double>(near), 600.0, 110.0);
  EXPECT_NEAR(static_cast<double>(exact), 150.0, 60.0);
}

TEST_F(SynthTest, TruthReferencesExistingEarlierIds) {
  const auto m = texts();
  std::set<std::string> seen;
  for (const Record& t : *truth_) {
    ASSERT_EQ(m.count(t.at("id")), 1u) << t.at("id");
    ASSERT_EQ(m.count(t.at("source")), 1u) << t.at("source");
    ASSERT_LT(t.at("source"), t.at("id"));
    ASSERT_TRUE(seen.insert(t.at("id")).second) << "two truth lines for " << t.at("id");
    ASSERT_TRUE(t.at("kind") == "exact" || t.at("kind") == "near") << t.at("kind");
  }
  // Sources are never planted docs themselves.
  for (const Record& t : *truth_) ASSERT_EQ(seen.count(t.at("source")), 0u);
}

TEST_F(SynthTest, ExactCopiesAreByteIdenticalAndNearCopiesAreNot) {
  const auto m = texts();
  std::size_t exact = 0, near_equal = 0;
  for (const Record& t : *truth_) {
    const bool same = m.at(t.at("id")) == m.at(t.at("source"));
    if (t.at("kind") == "exact") {
      ASSERT_TRUE(same) << t.at("id");
      EXPECT_EQ(std::stod(t.at("jaccard_w5")), 1.0);
      EXPECT_EQ(t.at("edits"), "");
      ++exact;
    } else {
      near_equal += same;
    }
  }
  EXPECT_GT(exact, 0u);
  EXPECT_EQ(near_equal, 0u);
}

TEST_F(SynthTest, EditsUseTheDocumentedVocabulary) {
  const std::set<std::string> names = {"sub",   "del",  "ins",  "swap",
                                       "sdrop", "head", "foot", "trunc"};
  for (const Record& t : *truth_) {
    if (t.at("kind") != "near") continue;
    const std::string& e = t.at("edits");
    ASSERT_FALSE(e.empty()) << t.at("id");
    std::size_t b = 0;
    while (b < e.size()) {
      std::size_t end = e.find(',', b);
      if (end == std::string::npos) end = e.size();
      const std::string item = e.substr(b, end - b);
      const std::size_t colon = item.find(':');
      ASSERT_NE(colon, std::string::npos) << e;
      ASSERT_EQ(names.count(item.substr(0, colon)), 1u) << e;
      ASSERT_GT(std::stoul(item.substr(colon + 1)), 0u) << e;
      b = end + 1;
    }
  }
}

TEST_F(SynthTest, JaccardMatchesAnIndependentRecount) {
  const auto m = texts();
  std::size_t checked = 0;
  for (const Record& t : *truth_) {
    if (t.at("kind") != "near") continue;
    if (++checked > 150) break;
    const double expect = jaccard(shingles5(m.at(t.at("source"))), shingles5(m.at(t.at("id"))));
    EXPECT_NEAR(std::stod(t.at("jaccard_w5")), expect, 1e-4) << t.at("id");
  }
  EXPECT_GT(checked, 100u);
}

TEST_F(SynthTest, PlantedJaccardsSpanAWideRange) {
  double lo = 1.0, hi = 0.0;
  std::array<int, 10> bands{};
  for (const Record& t : *truth_) {
    if (t.at("kind") != "near") continue;
    const double j = std::stod(t.at("jaccard_w5"));
    lo = std::min(lo, j);
    hi = std::max(hi, j);
    bands[static_cast<std::size_t>(std::min(9.0, j * 10))] += 1;
  }
  EXPECT_LT(lo, 0.6);
  EXPECT_GT(hi, 0.9);
  // Every band from 0.3 to 1.0 is populated.
  for (std::size_t b = 3; b < 10; ++b) EXPECT_GT(bands[b], 10) << "band " << b;
}

TEST(SynthCliTest, SameSeedGivesIdenticalBytesAndTruthDoesNotChangeTheCorpus) {
  const fs::path d = temp_dir("synth_det");
  const std::string base = "--docs 400 --seed 9 --quiet";
  ASSERT_EQ(run_synth(base + " --output " + quote(d / "1.jsonl")).exit_code, 0);
  ASSERT_EQ(run_synth(base + " --output " + quote(d / "2.jsonl") + " --truth " + quote(d / "t"))
                .exit_code,
            0);
  const RunResult to_stdout = run_synth(base);
  ASSERT_EQ(to_stdout.exit_code, 0);
  const std::string a = read_file(d / "1.jsonl");
  EXPECT_GT(a.size(), 100000u);
  EXPECT_EQ(a, read_file(d / "2.jsonl"));
  EXPECT_EQ(a, to_stdout.out);
  fs::remove_all(d);
}

TEST(SynthCliTest, DifferentSeedGivesDifferentOutput) {
  const fs::path d = temp_dir("synth_seed");
  ASSERT_EQ(run_synth("--docs 50 --quiet --seed 1 --output " + quote(d / "1")).exit_code, 0);
  ASSERT_EQ(run_synth("--docs 50 --quiet --seed 2 --output " + quote(d / "2")).exit_code, 0);
  const std::string a = read_file(d / "1"), b = read_file(d / "2");
  EXPECT_NE(a, b);
  EXPECT_NE(lines_of(a).front(), lines_of(b).front());
  fs::remove_all(d);
}

// Golden: the exact bytes for fixed options, so that any change to the generator (or a platform
// difference) shows up. If the generator is changed on purpose, update the pinned value and say
// so in datasets/README.md: corpora generated before the change are not reproducible with it.
TEST(SynthCliTest, OutputBytesArePinned) {
  const fs::path d = temp_dir("synth_golden");
  ASSERT_EQ(run_synth("--docs 200 --seed 1 --quiet --output " + quote(d / "o") + " --truth " +
                      quote(d / "t"))
                .exit_code,
            0);
  EXPECT_EQ(fnv1a(read_file(d / "o")), 0xf8cab7686852eb0aULL);
  EXPECT_EQ(fnv1a(read_file(d / "t")), 0xb6ed74a427c19dcfULL);
  fs::remove_all(d);
}

TEST(SynthCliTest, BytesLimitStopsAfterTheFirstDocumentReachingIt) {
  const fs::path d = temp_dir("synth_bytes");
  ASSERT_EQ(run_synth("--bytes 64K --quiet --output " + quote(d / "o")).exit_code, 0);
  const std::string out = read_file(d / "o");
  const auto lines = lines_of(out);
  ASSERT_FALSE(lines.empty());
  EXPECT_GE(out.size(), 65536u);
  EXPECT_LT(out.size() - lines.back().size() - 1, 65536u);
  fs::remove_all(d);
}

TEST(SynthCliTest, SummaryLineOnStderrUnlessQuiet) {
  const fs::path d = temp_dir("synth_summary");
  const RunResult loud = run_synth("--docs 20 --output " + quote(d / "o"));
  ASSERT_EQ(loud.exit_code, 0);
  const std::string& err = loud.err;
  EXPECT_NE(err.find("neardup-synth: done: 20 docs"), std::string::npos) << err;
  EXPECT_NE(err.find("MB/s"), std::string::npos) << err;
  const RunResult quiet = run_synth("--docs 20 --quiet --output " + quote(d / "o"));
  ASSERT_EQ(quiet.exit_code, 0);
  EXPECT_EQ(quiet.err, "");
  fs::remove_all(d);
}

TEST(SynthCliTest, HelpExitsZeroAndShowsDefaults) {
  const RunResult help = run_synth("--help");
  ASSERT_EQ(help.exit_code, 0);
  const std::string& h = help.out;
  for (const char* s :
       {"--bytes", "--docs", "--seed", "--dup-rate", "--exact-rate", "--mean-words", "--output",
        "--truth", "--vocab", "(=0.2)", "(=0.05)", "(=300)", "(=50000)"}) {
    EXPECT_NE(h.find(s), std::string::npos) << s;
  }
}

TEST(SynthCliTest, UsageErrorsExitWithCodeTwoAndOneLineMessage) {
  for (const char* args :
       {"--no-such-option", "--bytes 12X", "--bytes 1G --docs 5", "--dup-rate 1.5",
        "--dup-rate 0.8 --exact-rate 0.3", "--vocab 10", "--docs abc", "--mean-words 0"}) {
    const RunResult r = run_synth(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    const std::string& err = r.err;
    EXPECT_EQ(err.rfind("neardup-synth: ", 0), 0u) << args << ": " << err;
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << args << ": " << err;
  }
}

TEST(SynthCliTest, UnwritableOutputIsARuntimeFailure) {
  EXPECT_EQ(run_synth("--docs 5 --quiet --output /nonexistent-dir/x.jsonl").exit_code, 1);
}

// ---------------------------------------------------------------------------------------------
// datasets/news: the hand-written sample and its gold labels.

// A light normalization, independent of the library: decode UTF-8; full-width ASCII -> ASCII;
// Unicode spaces -> ' '; zero-width characters removed; curly quotes -> straight; combining marks
// dropped and common precomposed Latin letters reduced to their base; ASCII lower case;
// whitespace runs folded. Enough for the differences planted in the sample.
std::string light_normalize(std::string_view s) {
  std::u32string cps;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (int j = 1; j < len && i + static_cast<std::size_t>(j) < s.size(); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + static_cast<std::size_t>(j)]) & 0x3Fu);
    }
    cps.push_back(cp);
    i += static_cast<std::size_t>(len);
  }
  std::string out;
  bool space = true;
  const auto put = [&](char32_t cp) {
    if (cp == ' ' || cp == '\n' || cp == '\t' || cp == '\r') {
      if (!space) out.push_back(' ');
      space = true;
      return;
    }
    space = false;
    if (cp < 0x80) {
      out.push_back(static_cast<char>(std::tolower(static_cast<int>(cp))));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  const std::u32string_view latin1_base =
      U"AAAAAAACEEEEIIIIDNOOOOOxOUUUUYTsaaaaaaaceeeeiiiidnooooo/ouuuuyty";  // U+00C0..U+00FF
  for (char32_t cp : cps) {
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp == 0x00A0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x3000) cp = ' ';
    if ((cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF || cp == 0x00AD) continue;
    if (cp >= 0x0300 && cp <= 0x036F) continue;  // combining marks
    if (cp >= 0x2018 && cp <= 0x201B) cp = '\'';
    if (cp >= 0x201C && cp <= 0x201F) cp = '"';
    if (cp >= 0x00C0 && cp <= 0x00FF && cp != 0x00D7 && cp != 0x00F7) cp = latin1_base[cp - 0xC0];
    put(cp);
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::set<std::string> word_set(std::string_view text) {
  const auto w = simple_tokens(light_normalize(text));
  return {w.begin(), w.end()};
}

struct NewsSample {
  std::vector<Record> docs;
  std::map<std::string, Record> gold;  // by id
};

NewsSample load_news() {
  NewsSample s;
  const fs::path dir = source_dir() / "datasets" / "news";
  s.docs = parse_jsonl(read_file(dir / "sample.jsonl"));
  for (Record& g : parse_jsonl(read_file(dir / "gold.jsonl"))) {
    const std::string id = g["id"];
    EXPECT_TRUE(s.gold.emplace(id, std::move(g)).second) << "two gold lines for " << id;
  }
  return s;
}

TEST(NewsSampleTest, EveryDocumentHasTheDocumentedFieldsAndNoLabels) {
  const NewsSample s = load_news();
  ASSERT_GE(s.docs.size(), 50u);
  std::set<std::string> ids;
  int64_t tmin = INT64_MAX, tmax = 0;
  for (const Record& d : s.docs) {
    for (const char* f : {"id", "title", "text", "outlet", "time"}) {
      ASSERT_EQ(d.count(f), 1u) << f << " missing in " << (d.count("id") ? d.at("id") : "?");
    }
    EXPECT_EQ(d.size(), 5u) << d.at("id") << ": only the five documented fields";
    EXPECT_TRUE(ids.insert(d.at("id")).second) << "duplicate id " << d.at("id");
    EXPECT_FALSE(d.at("outlet").empty());
    const int64_t t = std::stoll(d.at("time"));
    tmin = std::min(tmin, t);
    tmax = std::max(tmax, t);
  }
  EXPECT_GT(tmin, 1600000000);                // a plausible recent date
  EXPECT_LT(tmax - tmin, 8 * 7 * 24 * 3600);  // within a few weeks
}

TEST(NewsSampleTest, GoldHasExactlyOneLinePerDocument) {
  const NewsSample s = load_news();
  EXPECT_EQ(s.gold.size(), s.docs.size());
  for (const Record& d : s.docs) ASSERT_EQ(s.gold.count(d.at("id")), 1u) << d.at("id");
  const std::set<std::string> kinds = {"original", "rewrite", "exact-copy", "normalized-copy",
                                       "near-copy"};
  for (const auto& [id, g] : s.gold) {
    for (const char* f : {"story", "exact_group", "near_group", "kind"}) {
      ASSERT_EQ(g.count(f), 1u) << f << " missing for " << id;
    }
    EXPECT_EQ(kinds.count(g.at("kind")), 1u) << id << ": " << g.at("kind");
    EXPECT_EQ(s.gold.count(g.at("exact_group")), 1u) << id;
    EXPECT_EQ(s.gold.count(g.at("near_group")), 1u) << id;
  }
}

TEST(NewsSampleTest, StoriesHaveSeveralOutletsAndSingletonsExist) {
  const NewsSample s = load_news();
  std::map<std::string, std::set<std::string>> outlets;
  std::map<std::string, int> size;
  for (const Record& d : s.docs) {
    const std::string& story = s.gold.at(d.at("id")).at("story");
    outlets[story].insert(d.at("outlet"));
    size[story] += 1;
  }
  int multi = 0, singletons = 0;
  for (const auto& [story, n] : size) {
    if (n >= 2) {
      ++multi;
      EXPECT_GE(outlets[story].size(), 2u) << story;
    } else {
      ++singletons;
    }
  }
  EXPECT_GE(multi, 10);
  EXPECT_GE(singletons, 3);
}

TEST(NewsSampleTest, CopyLabelsAgreeWithTheTexts) {
  const NewsSample s = load_news();
  std::map<std::string, std::string> text;
  for (const Record& d : s.docs) text[d.at("id")] = d.at("text");
  std::map<std::string, int> kind_count;
  for (const auto& [id, g] : s.gold) {
    const std::string& kind = g.at("kind");
    kind_count[kind] += 1;
    const std::string& eg = g.at("exact_group");
    const std::string& ng = g.at("near_group");
    SCOPED_TRACE(id + " (" + kind + ")");
    if (kind == "original" || kind == "rewrite") {
      EXPECT_EQ(eg, id);
      EXPECT_EQ(ng, id);
      continue;
    }
    // Every copy points at a group root that is itself an original or a rewrite of the same story.
    const Record& root = s.gold.at(ng);
    EXPECT_TRUE(root.at("kind") == "original" || root.at("kind") == "rewrite");
    EXPECT_EQ(root.at("story"), g.at("story"));
    EXPECT_LT(ng, id) << "the root comes first";
    if (kind == "exact-copy") {
      EXPECT_EQ(eg, ng);
      EXPECT_EQ(text.at(id), text.at(eg));
    } else if (kind == "normalized-copy") {
      EXPECT_EQ(eg, ng);
      EXPECT_NE(text.at(id), text.at(eg)) << "differs in bytes";
      EXPECT_EQ(light_normalize(text.at(id)), light_normalize(text.at(eg)));
    } else {  // near-copy
      EXPECT_EQ(eg, id);
      EXPECT_NE(light_normalize(text.at(id)), light_normalize(text.at(ng)));
      const auto a = word_set(text.at(id)), b = word_set(text.at(ng));
      std::size_t inter = 0;
      for (const auto& w : a) inter += b.count(w);
      EXPECT_GT(static_cast<double>(inter) / static_cast<double>(a.size() + b.size() - inter), 0.7);
    }
  }
  EXPECT_GE(kind_count["exact-copy"], 2);
  EXPECT_GE(kind_count["normalized-copy"], 3);
  EXPECT_GE(kind_count["near-copy"], 3);
  EXPECT_GE(kind_count["rewrite"], 20);
}

TEST(NewsSampleTest, DistinctGroupsHaveDistinctNormalizedTexts) {
  const NewsSample s = load_news();
  std::map<std::string, std::string> seen;  // normalized text -> exact_group
  for (const Record& d : s.docs) {
    const std::string& eg = s.gold.at(d.at("id")).at("exact_group");
    const auto [it, inserted] = seen.emplace(light_normalize(d.at("text")), eg);
    EXPECT_EQ(it->second, eg) << d.at("id") << " has the text of group " << it->second;
  }
}

// The gold exact groups are exactly the classes of equal text under the library's default
// normalization (NFKC, case folding, punctuation and whitespace unification, invisible
// characters removed): the planted normalized copies collapse, nothing else does.
TEST(NewsSampleTest, ExactGroupsMatchTheLibraryNormalizer) {
  const NewsSample s = load_news();
  neardup::Normalizer norm;
  std::map<std::string, std::set<std::string>> groups_of_text;
  std::map<std::string, std::set<std::string>> texts_of_group;
  std::string out;
  for (const Record& d : s.docs) {
    norm.normalize(d.at("text"), out);
    const std::string& eg = s.gold.at(d.at("id")).at("exact_group");
    groups_of_text[out].insert(eg);
    texts_of_group[eg].insert(out);
  }
  for (const auto& [text, groups] : groups_of_text) {
    EXPECT_EQ(groups.size(), 1u) << "groups sharing one normalized text: " << *groups.begin();
  }
  for (const auto& [group, texts] : texts_of_group) {
    EXPECT_EQ(texts.size(), 1u) << "group " << group << " has different normalized texts";
  }
}

}  // namespace
}  // namespace neardup::testing
