// ContainmentIndex (containment_index.h) and the Deduplicator's kContainment backend: pages found
// or not around the threshold in both directions with their exact containments, add_if_new,
// removal and empty pages, save/load identity, truncated / flipped / inconsistent files,
// concurrent queries, and agreement with the batch search (ContainmentClusterer, the engine of
// --mode containment) on a generated corpus.
#include "neardup/advanced/containment_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "neardup/advanced/containment.h"
#include "neardup/advanced/hash.h"
#include "neardup/deduplicator.h"
#include "support/expect_ok.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using fixtures::numbered_words;
using fixtures::random_text;
using fixtures::read_file;
using fixtures::temp_dir;
using fixtures::write_file;

ContainmentIndex make(ContainmentIndexOptions o = {}) {
  return testing::expect_ok(ContainmentIndex::create(o));
}

// An article of 100 distinct words (96 word 5-shingles) and pages around parts of it: the words
// [0, k) of the article between `before` and `after` other distinct words share exactly k - 4
// shingles with it (every shingle crossing a border holds a foreign word).
std::string article() { return numbered_words(0, 100); }
std::string page_with(int k, int before = 150, int after = 250) {
  return numbered_words(1000, 1000 + before, "left") + numbered_words(0, k) +
         numbered_words(5000, 5000 + after, "right");
}
double shingles_of_words(int words) { return words - 4; }

TEST(ContainmentIndexTest, OptionsAreValidatedNamingTheField) {
  ContainmentIndexOptions o;
  o.threshold = 0;
  EXPECT_NE(ContainmentIndex::create(o).status().message().find("threshold"), std::string::npos);
  o = {};
  o.num_perm = 2048;
  EXPECT_EQ(ContainmentIndex::create(o).status().code(), StatusCode::kOutOfRange);
  o = {};
  o.recall = 1.0;
  EXPECT_NE(ContainmentIndex::create(o).status().message().find("recall"), std::string::npos);
  o = {};
  o.direction = static_cast<ContainmentDirection>(7);
  EXPECT_FALSE(ContainmentIndex::create(o).ok());
  EXPECT_EQ(*parse_containment_direction("indexed-in-query"),
            ContainmentDirection::kIndexedInQuery);
  EXPECT_FALSE(parse_containment_direction("sideways").ok());
  EXPECT_EQ(containment_direction_name(ContainmentDirection::kEither), "either");
}

// Query in indexed: the article is found inside pages holding >= 90% of its shingles, with the
// exact values, and not inside pages holding less; unrelated pages never match.
TEST(ContainmentIndexTest, QueryContainedInIndexedPagesAroundTheThreshold) {
  ContainmentIndex index = make({.threshold = 0.9});
  ASSERT_TRUE(index.add("full", page_with(100)).ok());
  ASSERT_TRUE(index.add("k91", page_with(91)).ok());  // 87 / 96 = 0.906
  ASSERT_TRUE(index.add("k90", page_with(90)).ok());  // 86 / 96 = 0.896
  ASSERT_TRUE(index.add("k89", page_with(89)).ok());  // 85 / 96 = 0.885
  ASSERT_TRUE(index.add("other", random_text(7, 400)).ok());
  const std::vector<IndexMatch> m = testing::expect_ok(index.query(article(), 10));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].id, "full");
  EXPECT_EQ(m[0].query_in_match, 1.0);
  EXPECT_EQ(m[0].similarity, 1.0);
  EXPECT_DOUBLE_EQ(m[0].match_in_query, 96.0 / shingles_of_words(500));
  EXPECT_EQ(m[1].id, "k91");
  EXPECT_DOUBLE_EQ(m[1].query_in_match, 87.0 / 96.0);
  EXPECT_DOUBLE_EQ(m[1].similarity, 87.0 / 96.0);
}

// Indexed in query: indexed articles found inside a queried page, at and around the threshold.
TEST(ContainmentIndexTest, IndexedPagesContainedInTheQueryAroundTheThreshold) {
  ContainmentIndex index =
      make({.threshold = 0.9, .direction = ContainmentDirection::kIndexedInQuery});
  ASSERT_TRUE(index.add("article", article()).ok());
  ASSERT_TRUE(index.add("other", random_text(8, 100)).ok());
  for (const int k : {100, 91, 90, 89, 60}) {
    const std::vector<IndexMatch> m = testing::expect_ok(index.query(page_with(k), 10));
    const double want = shingles_of_words(k) / 96.0;
    if (want >= 0.9) {
      ASSERT_EQ(m.size(), 1u) << k;
      EXPECT_EQ(m[0].id, "article");
      EXPECT_DOUBLE_EQ(m[0].match_in_query, want);
      EXPECT_DOUBLE_EQ(m[0].similarity, want);
      EXPECT_DOUBLE_EQ(m[0].query_in_match, shingles_of_words(k) / shingles_of_words(k + 400));
    } else {
      EXPECT_TRUE(m.empty()) << k;
    }
  }
  // Querying the article itself: it is contained in itself (both directions are 1).
  const std::vector<IndexMatch> self = testing::expect_ok(index.query(article(), 10));
  ASSERT_EQ(self.size(), 1u);
  EXPECT_EQ(self[0].match_in_query, 1.0);
  // A small page inside the query does not count as the query inside the page: a page with
  // the article is not found when only kQueryInIndexed is asked.
  ContainmentIndex fwd = make({.threshold = 0.9});
  ASSERT_TRUE(fwd.add("article", article()).ok());
  EXPECT_TRUE(testing::expect_ok(fwd.query(page_with(100), 10)).empty());
}

TEST(ContainmentIndexTest, EitherDirectionReportsBothKindsRankedByContainment) {
  ContainmentIndex index = make({.threshold = 0.9, .direction = ContainmentDirection::kEither});
  ASSERT_TRUE(index.add("container", page_with(100)).ok());     // holds the query
  ASSERT_TRUE(index.add("piece", numbered_words(0, 92)).ok());  // inside the query: 88/88
  ASSERT_TRUE(index.add("partial", page_with(91)).ok());        // holds 87/96 of the query
  const std::vector<IndexMatch> m = testing::expect_ok(index.query(article(), 10));
  ASSERT_EQ(m.size(), 3u);
  // Ties at 1.0: the earlier added first.
  EXPECT_EQ(m[0].id, "container");
  EXPECT_EQ(m[1].id, "piece");
  EXPECT_EQ(m[1].match_in_query, 1.0);
  EXPECT_DOUBLE_EQ(m[1].query_in_match, 88.0 / 96.0);
  EXPECT_EQ(m[2].id, "partial");
  // max_results keeps the best.
  EXPECT_EQ(testing::expect_ok(index.query(article(), 1)).size(), 1u);
}

// A small article inside a page 20 times its size: the Jaccard similarity is ~0.05, the probe
// falls back to single-slot bands, and the pair is still found.
TEST(ContainmentIndexTest, SmallArticleInAMuchLargerPageIsFound) {
  ContainmentIndex index = make({.threshold = 0.8});
  ASSERT_TRUE(index.add("portal", page_with(100, 900, 1000)).ok());
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(
        index.add("noise" + std::to_string(i), random_text(static_cast<uint64_t>(100 + i), 300))
            .ok());
  }
  const std::vector<IndexMatch> m = testing::expect_ok(index.query(article(), 5));
  ASSERT_EQ(m.size(), 1u);
  EXPECT_EQ(m[0].id, "portal");
  EXPECT_EQ(m[0].query_in_match, 1.0);
}

TEST(ContainmentIndexTest, AddIfNewRemoveAndEmptyPages) {
  ContainmentIndex index = make({.threshold = 0.9});
  ASSERT_TRUE(testing::expect_ok(index.add_if_new("portal", page_with(100))).added);
  const AddIfNewResult r = testing::expect_ok(index.add_if_new("article", article()));
  EXPECT_FALSE(r.added);
  EXPECT_EQ(r.match.id, "portal");
  EXPECT_EQ(r.match.query_in_match, 1.0);
  EXPECT_FALSE(index.contains("article"));
  // Empty pages are stored but never match, and an empty query matches nothing.
  ASSERT_TRUE(index.add("empty", "").ok());
  EXPECT_TRUE(testing::expect_ok(index.query("", 5)).empty());
  EXPECT_TRUE(testing::expect_ok(index.add_if_new("empty2", "")).added);
  EXPECT_EQ(index.size(), 3u);
  // Removal: never a match again.
  EXPECT_EQ(*index.remove("portal"), 1u);
  EXPECT_EQ(*index.remove("portal"), 0u);
  EXPECT_TRUE(testing::expect_ok(index.query(article(), 5)).empty());
  EXPECT_TRUE(testing::expect_ok(index.add_if_new("article", article())).added);
  EXPECT_EQ(index.size(), 3u);
}

// Enough pages to grow the tables several times; queries before and after a save/load give
// identical answers, the file is deterministic and compact, and the loaded index grows.
TEST(ContainmentIndexTest, SaveLoadRoundTripGivesIdenticalAnswers) {
  const fs::path dir = temp_dir("containment_index_roundtrip");
  ContainmentIndexOptions o;
  o.threshold = 0.85;
  o.num_perm = 64;
  o.seed = 9;
  o.pipeline.shingle.k = 4;
  o.direction = ContainmentDirection::kEither;
  ContainmentIndex index = make(o);
  std::mt19937_64 rng(3);
  std::vector<std::string> texts;
  for (int i = 0; i < 120; ++i) {
    std::string t = random_text(rng, 40 + (i % 7) * 30);
    if (i % 5 == 4) t = random_text(rng, 50) + " " + texts[static_cast<std::size_t>(i - 3)];
    texts.push_back(t);
    ASSERT_TRUE(index.add("d" + std::to_string(i), t).ok());
  }
  ASSERT_TRUE(index.remove("d10").ok());
  const fs::path path = dir / "c.ndc";
  ASSERT_TRUE(index.save(path.string()).ok());
  ContainmentIndex loaded = testing::expect_ok(ContainmentIndex::load(path.string()));
  EXPECT_EQ(loaded.size(), 119u);
  EXPECT_EQ(loaded.options().threshold, 0.85);
  EXPECT_EQ(loaded.options().num_perm, 64u);
  EXPECT_EQ(loaded.options().pipeline.shingle.k, 4u);
  EXPECT_EQ(loaded.options().direction, ContainmentDirection::kEither);
  EXPECT_EQ(loaded.serialize(), read_file(path));  // deterministic
  std::size_t matches = 0;
  for (const std::string& t : texts) {
    const std::vector<IndexMatch> a = testing::expect_ok(index.query(t, 20));
    const std::vector<IndexMatch> b = testing::expect_ok(loaded.query(t, 20));
    ASSERT_EQ(a.size(), b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      EXPECT_EQ(a[i].id, b[i].id);
      EXPECT_EQ(a[i].similarity, b[i].similarity);
      EXPECT_EQ(a[i].query_in_match, b[i].query_in_match);
      EXPECT_EQ(a[i].match_in_query, b[i].match_in_query);
    }
    matches += a.size();
  }
  EXPECT_GT(matches, texts.size());  // the embedded copies match besides the pages themselves
  EXPECT_FALSE(loaded.contains("d10"));
  ASSERT_TRUE(loaded.add("late", page_with(100)).ok());
  EXPECT_EQ(testing::expect_ok(loaded.query(article(), 3)).at(0).id, "late");
}

uint64_t get_u64(const std::string& b, std::size_t at) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | static_cast<unsigned char>(b[at + static_cast<std::size_t>(i)]);
  }
  return v;
}
void put_u64(std::string& b, std::size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    b[at + static_cast<std::size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xFF);
  }
}
std::string rechecksum(std::string b) {
  put_u64(b, 56, hash64(b.data() + 64, b.size() - 64, 0));
  return b;
}

TEST(ContainmentIndexTest, EveryTruncationAndFlippedByteIsRejectedThroughTheFacade) {
  const fs::path dir = temp_dir("containment_index_corrupt");
  Deduplicator d = testing::expect_ok(Deduplicator::create(
      {.backend = DedupBackend::kContainment, .threshold = 0.9, .num_perm = 8}));
  ASSERT_TRUE(d.add("p0", "one two three four five six seven").ok());
  ASSERT_TRUE(d.add("", "").ok());
  const fs::path good = dir / "good.ndc", bad = dir / "bad.ndc";
  ASSERT_TRUE(d.save(good.string()).ok());
  const std::string bytes = read_file(good);
  ASSERT_EQ(bytes.substr(0, 8), "NDUPCONT");
  const auto load_status = [&](const std::string& content) {
    write_file(bad, content);
    Result<Deduplicator> r = Deduplicator::load(bad.string());
    return r.ok() ? Status() : r.status();
  };
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    const Status st = load_status(bytes.substr(0, len));
    ASSERT_EQ(st.code(), StatusCode::kCorruptData) << len << ": " << st.to_string();
    EXPECT_EQ(st.message().rfind(bad.string(), 0), 0u) << st.message();
    if (len >= 64) {
      EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();
    }
  }
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::string flipped = bytes;
    flipped[i] = static_cast<char>(flipped[i] ^ 0x10);
    const Status st = load_status(flipped);
    ASSERT_FALSE(st.ok()) << "byte " << i << " went unnoticed";
    EXPECT_EQ(st.code(),
              i >= 8 && i < 12 ? StatusCode::kUnsupportedVersion : StatusCode::kCorruptData)
        << i << ": " << st.to_string();
  }
  std::string v2 = bytes;
  v2[8] = 2;
  const Status st = load_status(v2);
  EXPECT_NE(st.message().find("containment index format version 2"), std::string::npos)
      << st.message();
  Deduplicator back = testing::expect_ok(Deduplicator::load(good.string()));
  EXPECT_EQ(back.options().backend, DedupBackend::kContainment);
  EXPECT_EQ(back.options().num_perm, 8u);
  EXPECT_EQ(back.size(), 2u);
}

// Changes the checksum cannot see (recomputed after the change): the loader's own checks.
TEST(ContainmentIndexTest, LoaderChecksMoreThanTheChecksum) {
  ContainmentIndex index = make({.num_perm = 4});
  ASSERT_TRUE(index.add("a", "one two three four five six seven eight").ok());
  const std::string good = index.serialize();
  ASSERT_TRUE(ContainmentIndex::deserialize(good, "mem").ok());
  const auto expect_corrupt = [&](const std::string& b, const char* what) {
    Result<ContainmentIndex> r = ContainmentIndex::deserialize(rechecksum(b), "mem");
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruptData) << r.status().to_string();
    EXPECT_NE(r.status().message().find(what), std::string::npos) << r.status().message();
  };
  constexpr std::size_t kOptions = 64 + 16;
  std::string b = good;
  b[kOptions + 28] = 2;  // stored direction differs from the header's
  expect_corrupt(b, "inconsistent header");
  b = good;
  b[kOptions + 28] = 9;  // unknown direction
  expect_corrupt(b, "invalid options");
  b = good;
  put_u64(b, kOptions + 40, 0);  // threshold 0
  expect_corrupt(b, "invalid options");
  b = good;
  put_u64(b, 40, 2);  // header count
  expect_corrupt(b, "inconsistent counts");
  // The last section holds the 4 shingles, 8 bytes each, at the end of the file: swap two.
  b = good;
  const std::size_t last = b.size() - 8, prev = b.size() - 16;
  const uint64_t x = get_u64(b, last), y = get_u64(b, prev);
  put_u64(b, last, y);
  put_u64(b, prev, x);
  expect_corrupt(b, "not sorted");
}

// Readers query articles inside pages that are never removed while one thread adds and removes
// others and another saves snapshots: every answer is the one given before the threads started.
TEST(ContainmentIndexTest, ConcurrentQueriesWhileOneThreadAddsRemovesAndSaves) {
  const fs::path dir = temp_dir("containment_index_threads");
  ContainmentIndex index = make({.threshold = 0.9, .num_perm = 64});
  std::vector<std::string> articles, pages;
  for (int i = 0; i < 40; ++i) {
    articles.push_back(random_text(static_cast<uint64_t>(500 + i), 60));
    pages.push_back(random_text(static_cast<uint64_t>(900 + i), 100) + " " + articles.back() + " " +
                    random_text(static_cast<uint64_t>(1300 + i), 100));
    ASSERT_TRUE(index.add("page" + std::to_string(i), pages.back()).ok());
  }
  // The answers before the threads start: the LSH finds each page with probability >= 0.99, so a
  // rare article may be missed, and then it must be missed the same way under concurrency.
  const auto key = [](const std::vector<IndexMatch>& m) {
    std::string k;
    for (const IndexMatch& x : m) k += x.id + ":" + std::to_string(x.query_in_match) + ";";
    return k;
  };
  std::vector<std::string> expected;
  std::size_t found = 0;
  for (std::size_t i = 0; i < articles.size(); ++i) {
    expected.push_back(key(testing::expect_ok(index.query(articles[i], 3))));
    found += expected.back() == "page" + std::to_string(i) + ":" + std::to_string(1.0) + ";";
  }
  EXPECT_GE(found, articles.size() - 2);
  const std::vector<std::string> churn = fixtures::random_texts(150, 77, 120);
  std::atomic<bool> done{false};
  std::atomic<int> errors{0}, queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&, r] {
      for (int pass = 0; pass < 1 || !done.load(); ++pass) {
        for (std::size_t i = static_cast<std::size_t>(r); i < articles.size(); i += 3) {
          Result<std::vector<IndexMatch>> m = index.query(articles[i], 3);
          if (!m.ok() || key(*m) != expected[i]) ++errors;
          ++queries;
        }
      }
    });
  }
  std::thread saver([&] {
    for (int k = 0; k < 2; ++k) {
      if (!index.save((dir / ("snap" + std::to_string(k))).string()).ok()) ++errors;
    }
  });
  for (std::size_t i = 0; i < churn.size(); ++i) {
    if (!index.add_if_new("c" + std::to_string(i), churn[i]).ok()) ++errors;
    if (i % 2 == 1 && *index.remove("c" + std::to_string(i - 1)) != 1) ++errors;
  }
  saver.join();
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(index.size(), articles.size() + churn.size() / 2);
  for (int k = 0; k < 2; ++k) {
    ContainmentIndex snap =
        testing::expect_ok(ContainmentIndex::load((dir / ("snap" + std::to_string(k))).string()));
    EXPECT_EQ(key(testing::expect_ok(snap.query(articles[7], 3))), expected[7]);
  }
}

// The persistent index against the batch search (ContainmentClusterer, --mode containment) on a
// generated corpus of pages of many sizes, a third embedding an earlier article (whole, in part,
// or slightly edited). Property: every document the batch finds contained in a larger one, the
// index finds contained in that same container (querying the document against an index of all
// the documents), and every container the index reports for a document ranked below it is one
// the batch accepts (containment >= T, exact and equal to the batch's where both name it);
// misses on either side are bounded by the stated 1 - recall per pair.
TEST(ContainmentIndexQualityTest, FindsTheSameContainedPairsAsTheBatchSearch) {
  const double t = 0.8;
  std::mt19937_64 rng(2024);
  std::vector<std::string> docs;
  for (int i = 0; i < 400; ++i) {
    const int words = 30 + static_cast<int>(rng() % 400);
    std::string d = random_text(rng, words);
    if (i > 10 && i % 3 == 0) {
      std::string inner = docs[rng() % docs.size()];
      if (i % 9 == 0) inner = inner.substr(0, inner.size() * 9 / 10);  // part of it
      if (i % 15 == 0) inner = fixtures::near_copy(inner);             // edited
      d = random_text(rng, static_cast<int>(rng() % 1200)) + " " + inner + " " + d;
    }
    docs.push_back(std::move(d));
  }
  ContainmentOptions bo;
  bo.threshold = t;
  bo.pipeline.shingle.seed = 1;
  ContainmentClusterer batch = testing::expect_ok(ContainmentClusterer::create(bo));
  ContainmentClusterer::Scratch scratch;
  PreparedContainment prepared;
  std::vector<std::size_t> set_size;
  for (const std::string& d : docs) {
    batch.prepare(d, prepared, scratch);
    set_size.push_back(prepared.shingles.size());
    ASSERT_TRUE(batch.add(prepared).ok());
  }
  const ContainmentResult br = testing::expect_ok(batch.finish(ContainmentKeep::kContainer));

  ContainmentIndexOptions io;
  io.threshold = t;
  io.pipeline.shingle.seed = 1;
  ContainmentIndex index = make(io);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    ASSERT_TRUE(index.add(std::to_string(i), docs[i]).ok());
  }
  const auto above = [&](std::size_t x, std::size_t y) {  // x ranks above y (the batch's order)
    return set_size[x] != set_size[y] ? set_size[x] > set_size[y] : x < y;
  };
  std::size_t batch_pairs = 0, index_missed = 0, index_pairs = 0, batch_missed = 0;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    const std::vector<IndexMatch> m = testing::expect_ok(index.query(docs[i], docs.size()));
    std::map<std::size_t, double> found;  // containers ranked above i -> containment
    for (const IndexMatch& x : m) {
      const std::size_t j = std::stoul(x.id);
      EXPECT_GE(x.query_in_match, t);
      if (j != i && above(j, i)) found[j] = x.query_in_match;
    }
    if (br.contained_in[i] != kNotContained) {
      ++batch_pairs;
      const auto it = found.find(br.contained_in[i]);
      if (it == found.end()) {
        ++index_missed;
      } else {
        EXPECT_EQ(it->second, br.containment[i]) << i;
      }
    }
    if (!found.empty()) {
      ++index_pairs;
      if (br.contained_in[i] == kNotContained) {
        ++batch_missed;
      } else {
        // The batch names the best container; the index's best has the same containment.
        double best = 0;
        for (const auto& [j, c] : found) best = std::max(best, c);
        EXPECT_EQ(best, br.containment[i]) << i;
      }
    }
  }
  EXPECT_GE(batch_pairs, 80u);  // the corpus plants enough pairs to mean something
  std::printf("batch pairs %zu, index missed %zu; index pairs %zu, batch missed %zu\n", batch_pairs,
              index_missed, index_pairs, batch_missed);
  // 1 - recall = 1% per pair on each side; allow 2% plus one.
  EXPECT_LE(index_missed, batch_pairs / 50 + 1) << index_missed << " of " << batch_pairs;
  EXPECT_LE(batch_missed, index_pairs / 50 + 1) << batch_missed << " of " << index_pairs;
}

TEST(DeduplicatorContainmentBackendTest, FacadeReportsContainmentAndStats) {
  DeduplicatorOptions o;
  o.backend = DedupBackend::kContainment;
  o.threshold = 0.9;
  EXPECT_EQ(dedup_backend_name(o.backend), "containment");
  o.num_perm = 5000;
  EXPECT_FALSE(o.validate().ok());
  o.num_perm = 128;
  o.containment_direction = DedupDirection::kEither;
  Deduplicator d = testing::expect_ok(Deduplicator::create(o));
  ASSERT_TRUE(d.add("portal", page_with(100)).ok());
  ASSERT_TRUE(d.add("piece", numbered_words(0, 92)).ok());
  const std::vector<DedupMatch> m = testing::expect_ok(d.query(article(), 5));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].id, "portal");
  EXPECT_EQ(m[0].query_in_match, 1.0);
  EXPECT_EQ(m[1].id, "piece");
  EXPECT_EQ(m[1].match_in_query, 1.0);
  const DedupVerdict v = testing::expect_ok(d.add_if_new("article", article()));
  EXPECT_FALSE(v.added);
  EXPECT_EQ(v.match.id, "portal");
  DedupStats s = d.stats();
  EXPECT_EQ(s.backend, DedupBackend::kContainment);
  EXPECT_EQ(s.num_perm, 128u);
  EXPECT_EQ(s.band_entries, 240u);
  EXPECT_EQ(s.threshold, 0.9);
  // Memory per page as the header states it: 8 B per distinct shingle, the 512 B signature,
  // 240 band entries of 8 B, and bucket heads (0.5-1 KB) plus growth slack.
  Deduplicator big = testing::expect_ok(Deduplicator::create(o));
  const std::vector<std::string> pages = fixtures::random_texts(600, 5, 300);  // 296 shingles
  for (std::size_t i = 0; i < pages.size(); ++i) {
    ASSERT_TRUE(big.add("p" + std::to_string(i), pages[i]).ok());
  }
  s = big.stats();
  const double fixed = 8.0 * 296 + 512 + 240 * 8;
  EXPECT_GT(s.bytes_per_document, fixed);
  EXPECT_LT(s.bytes_per_document, fixed + 4096);
  // Jaccard backends report no containment.
  Deduplicator j = testing::expect_ok(Deduplicator::create({}));
  ASSERT_TRUE(j.add("a", article()).ok());
  EXPECT_EQ(testing::expect_ok(j.query(article(), 1)).at(0).query_in_match, 0.0);
}

}  // namespace
}  // namespace neardup
