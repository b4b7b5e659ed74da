// Deduplicator facade (deduplicator.h) and the NearDupIndex features under it: removal,
// persistence (snapshot save, mmap load, compact files, corrupt / truncated / wrong-version
// files), memory per document, and concurrency (run under ThreadSanitizer in CI).
#include "neardup/deduplicator.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::temp_dir;
using testing::write_file;

std::string random_text(std::mt19937_64& rng, int words = 200) {
  std::string t;
  for (int i = 0; i < words; ++i) {
    if (i != 0) t += ' ';
    t += "w" + std::to_string(rng() % 5000);
  }
  return t;
}

// Replaces one word in the middle: Jaccard of the word 5-shingles 191/201 = 0.95 at 200 words,
// far above the 0.8 threshold (estimate standard deviation ~0.02 at 128 slots).
std::string near_copy(const std::string& text) {
  const std::size_t mid = text.find(' ', text.size() / 2);
  const std::size_t end = text.find(' ', mid + 1);
  return text.substr(0, mid) + " changed" + text.substr(end);
}

Deduplicator make(DeduplicatorOptions o = {}) {
  Result<Deduplicator> r = Deduplicator::create(o);
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return std::move(r.value());
}

Deduplicator load_ok(const fs::path& p) {
  Result<Deduplicator> r = Deduplicator::load(p.string());
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return std::move(r.value());
}

std::vector<std::string> texts(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(random_text(rng));
  return v;
}

TEST(DeduplicatorTest, CreateRejectsInvalidOptionsNamingTheProblem) {
  DeduplicatorOptions o;
  o.threshold = 0;
  Result<Deduplicator> r = Deduplicator::create(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("threshold"), std::string::npos);
  o = {};
  o.shingle_k = 0;
  EXPECT_FALSE(o.validate().ok());
  o = {};
  o.num_perm = 0;
  EXPECT_FALSE(o.validate().ok());
  o = {};
  o.bands = 4;  // rows missing
  EXPECT_NE(o.validate().message().find("bands and rows"), std::string::npos);
  o = {};
  o.backend = static_cast<DedupBackend>(7);
  EXPECT_NE(o.validate().message().find("backend"), std::string::npos);
  EXPECT_TRUE(DeduplicatorOptions{}.validate().ok());
}

TEST(DeduplicatorTest, FindsNearCopiesAndNotUnrelatedPages) {
  Deduplicator d = make();
  const std::vector<std::string> t = texts(200, 1);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_TRUE(d.add("p" + std::to_string(i), t[i]).ok());
  EXPECT_EQ(d.size(), 200u);
  for (std::size_t i = 0; i < t.size(); i += 17) {
    Result<std::vector<DedupMatch>> m = d.query(near_copy(t[i]));
    ASSERT_TRUE(m.ok());
    ASSERT_EQ(m->size(), 1u) << i;
    EXPECT_EQ((*m)[0].id, "p" + std::to_string(i));
    EXPECT_GE((*m)[0].similarity, 0.8);
    EXPECT_LT((*m)[0].similarity, 1.0);
  }
  const std::vector<std::string> other = texts(20, 2);
  for (const std::string& o : other) EXPECT_TRUE(d.query(o)->empty());
  EXPECT_TRUE(d.query(t[3], 0)->empty());  // max_results 0
}

TEST(DeduplicatorTest, AddIfNewAddsOnlyPagesWithoutAMatch) {
  Deduplicator d = make();
  const std::vector<std::string> t = texts(3, 3);
  Result<DedupVerdict> v = d.add_if_new("a", t[0]);
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->added);
  v = d.add_if_new("a2", near_copy(t[0]));
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->added);
  EXPECT_EQ(v->match.id, "a");
  EXPECT_GE(v->match.similarity, 0.8);
  EXPECT_TRUE(d.add_if_new("b", t[1])->added);
  EXPECT_EQ(d.size(), 2u);
  EXPECT_TRUE(d.contains("a"));
  EXPECT_FALSE(d.contains("a2"));
}

TEST(DeduplicatorTest, RemoveUnlinksEveryPageWithTheIdAndCountsThem) {
  Deduplicator d = make();
  const std::vector<std::string> t = texts(4, 4);
  ASSERT_TRUE(d.add("x", t[0]).ok());
  ASSERT_TRUE(d.add("x", t[1]).ok());  // ids need not be unique
  ASSERT_TRUE(d.add("y", t[2]).ok());
  Result<std::size_t> n = d.remove("x");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_EQ(d.size(), 1u);
  EXPECT_FALSE(d.contains("x"));
  EXPECT_TRUE(d.query(t[0])->empty());
  EXPECT_TRUE(d.query(t[1])->empty());
  EXPECT_EQ(d.query(t[2])->at(0).id, "y");
  EXPECT_EQ(*d.remove("x"), 0u);
  EXPECT_EQ(*d.remove("never-added"), 0u);
  // A removed page no longer blocks add_if_new, and can come back under its id.
  Result<DedupVerdict> v = d.add_if_new("x", near_copy(t[0]));
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->added);
  EXPECT_EQ(d.query(t[0])->at(0).id, "x");
  EXPECT_EQ(d.size(), 2u);
}

TEST(DeduplicatorTest, RemovingManyPagesAcrossTableGrowthKeepsTheRestFindable) {
  Deduplicator d = make();
  const std::vector<std::string> t = texts(600, 5);
  for (std::size_t i = 0; i < t.size(); ++i) {
    ASSERT_TRUE(d.add("p" + std::to_string(i), t[i]).ok());
    // Remove every third page soon after adding it, so that removals interleave with the
    // table doublings at 16, 32, ..., 512 documents.
    if (i % 3 == 2) {
      ASSERT_EQ(*d.remove("p" + std::to_string(i - 1)), 1u);
    }
  }
  EXPECT_EQ(d.size(), 400u);
  for (std::size_t i = 0; i < t.size(); ++i) {
    const bool removed = i % 3 == 1;
    Result<std::vector<DedupMatch>> m = d.query(t[i]);
    ASSERT_TRUE(m.ok());
    if (removed) {
      EXPECT_TRUE(m->empty()) << i;
    } else {
      ASSERT_EQ(m->size(), 1u) << i;
      EXPECT_EQ((*m)[0].id, "p" + std::to_string(i));
      EXPECT_EQ((*m)[0].similarity, 1.0);
    }
  }
}

TEST(DeduplicatorTest, SaveLoadRoundTripKeepsResultsOptionsAndGrows) {
  const fs::path dir = temp_dir("dedup_roundtrip");
  DeduplicatorOptions o;
  o.threshold = 0.7;
  o.shingle_k = 4;
  o.num_perm = 64;
  o.seed = 99;
  Deduplicator d = make(o);
  const std::vector<std::string> t = texts(300, 6);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_TRUE(d.add("p" + std::to_string(i), t[i]).ok());
  ASSERT_TRUE(d.save((dir / "a.ndx").string()).ok());
  Deduplicator e = load_ok(dir / "a.ndx");
  EXPECT_EQ(e.size(), 300u);
  EXPECT_EQ(e.options().threshold, 0.7);
  EXPECT_EQ(e.options().shingle_k, 4u);
  EXPECT_EQ(e.options().num_perm, 64u);
  EXPECT_EQ(e.options().seed, 99u);
  EXPECT_EQ(e.stats().bands, d.stats().bands);
  for (std::size_t i = 0; i < t.size(); i += 7) {
    const std::string q = near_copy(t[i]);
    Result<std::vector<DedupMatch>> a = d.query(q), b = e.query(q);
    ASSERT_TRUE(a.ok() && b.ok());
    ASSERT_EQ(a->size(), b->size());
    for (std::size_t k = 0; k < a->size(); ++k) {
      EXPECT_EQ((*a)[k].id, (*b)[k].id);
      EXPECT_EQ((*a)[k].similarity, (*b)[k].similarity);
    }
  }
  // Grows without rebuilding, and saving again gives the same bytes as the original index
  // grown the same way.
  const std::vector<std::string> more = texts(50, 7);
  for (std::size_t i = 0; i < more.size(); ++i) {
    ASSERT_TRUE(e.add("q" + std::to_string(i), more[i]).ok());
    ASSERT_TRUE(d.add("q" + std::to_string(i), more[i]).ok());
  }
  EXPECT_EQ(e.query(more[10])->at(0).id, "q10");
  ASSERT_TRUE(d.save((dir / "d.ndx").string()).ok());
  ASSERT_TRUE(e.save((dir / "e.ndx").string()).ok());
  EXPECT_EQ(read_file(dir / "d.ndx"), read_file(dir / "e.ndx"));
  // No temporary file is left behind.
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file() ? 1u : 0u;
  EXPECT_EQ(files, 3u);
}

TEST(DeduplicatorTest, RemovalSurvivesSaveLoadAndTheFileIsCompact) {
  const fs::path dir = temp_dir("dedup_removal");
  const std::vector<std::string> t = texts(3, 8);
  Deduplicator with = make();
  ASSERT_TRUE(with.add("a", t[0]).ok());
  ASSERT_TRUE(with.add("b", t[1]).ok());
  ASSERT_TRUE(with.add("c", t[2]).ok());
  ASSERT_EQ(*with.remove("b"), 1u);
  ASSERT_TRUE(with.save((dir / "removed.ndx").string()).ok());
  Deduplicator without = make();
  ASSERT_TRUE(without.add("a", t[0]).ok());
  ASSERT_TRUE(without.add("c", t[2]).ok());
  ASSERT_TRUE(without.save((dir / "never.ndx").string()).ok());
  // The saved file holds only live pages: identical to never having added "b".
  EXPECT_EQ(read_file(dir / "removed.ndx"), read_file(dir / "never.ndx"));
  Deduplicator loaded = load_ok(dir / "removed.ndx");
  EXPECT_EQ(loaded.size(), 2u);
  EXPECT_FALSE(loaded.contains("b"));
  EXPECT_TRUE(loaded.query(t[1])->empty());
  EXPECT_EQ(loaded.query(t[2])->at(0).id, "c");
  EXPECT_EQ(*loaded.remove("a"), 1u);
  EXPECT_TRUE(loaded.query(t[0])->empty());
}

TEST(DeduplicatorTest, TruncatedCorruptAndWrongVersionFilesHaveDistinctErrors) {
  const fs::path dir = temp_dir("dedup_corrupt");
  Deduplicator d = make();
  const std::vector<std::string> t = texts(20, 9);
  for (std::size_t i = 0; i < t.size(); ++i) ASSERT_TRUE(d.add("p" + std::to_string(i), t[i]).ok());
  const fs::path good = dir / "good.ndx";
  ASSERT_TRUE(d.save(good.string()).ok());
  const std::string bytes = read_file(good);
  ASSERT_GT(bytes.size(), 64u);
  const fs::path bad = dir / "bad.ndx";
  const auto load_status = [&](const std::string& content) {
    write_file(bad, content);
    Result<Deduplicator> r = Deduplicator::load(bad.string());
    return r.ok() ? Status() : r.status();
  };
  // Truncated anywhere: header, payload, last byte.
  for (const std::size_t len : {std::size_t{0}, std::size_t{5}, std::size_t{40}, std::size_t{64},
                                bytes.size() / 2, bytes.size() - 1}) {
    const Status st = load_status(bytes.substr(0, len));
    EXPECT_EQ(st.code(), StatusCode::kCorruptData) << len << ": " << st.to_string();
    EXPECT_EQ(st.message().rfind(bad.string(), 0), 0u) << st.message();  // starts with the path
  }
  EXPECT_NE(load_status(bytes.substr(0, bytes.size() - 1)).message().find("truncated"),
            std::string::npos);
  // One flipped byte in the payload: checksum.
  std::string flipped = bytes;
  flipped[bytes.size() - 100] = static_cast<char>(flipped[bytes.size() - 100] ^ 0x20);
  EXPECT_NE(load_status(flipped).message().find("checksum"), std::string::npos);
  // A newer format version: rejected, naming both versions.
  std::string v2 = bytes;
  v2[8] = 2;
  const Status st = load_status(v2);
  EXPECT_EQ(st.code(), StatusCode::kUnsupportedVersion);
  EXPECT_NE(st.message().find("version 2"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("reads version 1"), std::string::npos) << st.message();
  // Not an index at all; a missing file.
  EXPECT_NE(load_status("{\"id\": 1, \"text\": \"hello\"}\n").message().find("not a neardup index"),
            std::string::npos);
  Result<Deduplicator> missing = Deduplicator::load((dir / "missing.ndx").string());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  // The good file still loads.
  EXPECT_EQ(load_ok(good).size(), 20u);
}

TEST(DeduplicatorTest, SaveToUnwritablePathIsIoErrorAndLeavesNoFile) {
  Deduplicator d = make();
  const Status st = d.save("/nonexistent-dir/x.ndx");
  EXPECT_EQ(st.code(), StatusCode::kIoError);
  EXPECT_NE(st.message().find("/nonexistent-dir/x.ndx"), std::string::npos);
}

// The documented memory per page (deduplicator.h, index.h): 512 B of 32-bit signature at 128
// slots, plus LSH entries and ids, below 1 KiB in total with short ids.
TEST(DeduplicatorTest, StatsReportMemoryPerDocumentAsDocumented) {
  Deduplicator d = make();
  EXPECT_EQ(d.stats().documents, 0u);
  EXPECT_EQ(d.stats().bytes_per_document, 0.0);
  std::mt19937_64 rng(10);
  constexpr std::size_t kDocs = 20000;
  for (std::size_t i = 0; i < kDocs; ++i) {
    ASSERT_TRUE(d.add("doc" + std::to_string(i), random_text(rng, 20)).ok());
  }
  const DedupStats s = d.stats();
  EXPECT_EQ(s.documents, kDocs);
  EXPECT_EQ(s.backend, DedupBackend::kMinHash);
  EXPECT_EQ(dedup_backend_name(s.backend), "minhash");
  EXPECT_EQ(s.num_perm, 128u);
  EXPECT_EQ(s.threshold, 0.8);
  EXPECT_GE(s.bytes_per_document, 512.0 + 12.0 * s.bands);
  EXPECT_LE(s.bytes_per_document, 1024.0);
  EXPECT_DOUBLE_EQ(s.bytes_per_document,
                   static_cast<double>(s.memory_bytes) / static_cast<double>(s.documents));
}

// Many threads query while one thread adds and removes and another saves snapshots. The pages
// added before the threads start are never removed, so every query of them must find them;
// pages the writer adds and removes must be found or not, never a wrong id. Under TSan this
// also checks that the locking is complete.
TEST(DeduplicatorConcurrencyTest, QueriesWhileOneThreadAddsRemovesAndSaves) {
  const fs::path dir = temp_dir("dedup_concurrency");
  Deduplicator d = make();
  const std::vector<std::string> stable = texts(100, 11);
  const std::vector<std::string> churn = texts(300, 12);
  for (std::size_t i = 0; i < stable.size(); ++i) {
    ASSERT_TRUE(d.add("s" + std::to_string(i), stable[i]).ok());
  }
  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::atomic<int> queries{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 4; ++r) {
    readers.emplace_back([&, r] {
      std::size_t i = static_cast<std::size_t>(r);
      // At least one full pass, then until the writer is done.
      for (int pass = 0; pass < 1 || !done.load(); ++pass) {
        for (std::size_t k = 0; k < 25; ++k, i = (i + 7) % stable.size()) {
          Result<std::vector<DedupMatch>> m = d.query(near_copy(stable[i]), 3);
          if (!m.ok() || m->empty() || (*m)[0].id != "s" + std::to_string(i)) ++errors;
          const std::size_t c = (i * 3 + k) % churn.size();
          Result<std::vector<DedupMatch>> n = d.query(churn[c], 3);
          if (!n.ok() || (!n->empty() && (*n)[0].id != "c" + std::to_string(c))) ++errors;
          if (d.contains("s" + std::to_string(i)) == false) ++errors;
          (void)d.stats();
          queries += 2;
        }
      }
    });
  }
  std::thread saver([&] {
    for (int k = 0; k < 3; ++k) {
      if (!d.save((dir / ("snap" + std::to_string(k) + ".ndx")).string()).ok()) ++errors;
    }
  });
  for (std::size_t i = 0; i < churn.size(); ++i) {
    if (!d.add_if_new("c" + std::to_string(i), churn[i]).ok()) ++errors;
    if (i % 2 == 1 && *d.remove("c" + std::to_string(i - 1)) != 1) ++errors;
  }
  saver.join();
  done = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_GT(queries.load(), 0);
  EXPECT_EQ(d.size(), stable.size() + churn.size() / 2);
  // Every snapshot is a consistent, loadable index holding all the stable pages.
  for (int k = 0; k < 3; ++k) {
    Deduplicator snap = load_ok(dir / ("snap" + std::to_string(k) + ".ndx"));
    EXPECT_GE(snap.size(), stable.size());
    EXPECT_LE(snap.size(), stable.size() + churn.size());
    EXPECT_EQ(snap.query(stable[42])->at(0).id, "s42");
  }
}

// add_if_new is atomic: of several threads offering the same pages at once, exactly one wins
// each page.
TEST(DeduplicatorConcurrencyTest, AddIfNewFromManyThreadsAddsEachPageOnce) {
  Deduplicator d = make();
  const std::vector<std::string> t = texts(200, 13);
  std::atomic<int> added{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (std::size_t i = 0; i < t.size(); ++i) {
        const std::string text = w % 2 == 0 ? t[i] : near_copy(t[i]);
        Result<DedupVerdict> v =
            d.add_if_new("t" + std::to_string(w) + "-" + std::to_string(i), text);
        if (!v.ok()) ++errors;
        if (v.ok() && v->added) ++added;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(added.load(), 200);
  EXPECT_EQ(d.size(), 200u);
}

}  // namespace
}  // namespace neardup
