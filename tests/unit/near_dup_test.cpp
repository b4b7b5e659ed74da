#include "neardup/advanced/near_dup.h"

#include <gtest/gtest.h>

#include "neardup/advanced/parallel.h"
#include "support/fixtures.h"

#include <sys/resource.h>

#include <csignal>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace neardup {
namespace {

// Words w<first> .. w<last-1>, each followed by a space: distinct tokens, so shingle overlaps are
// exact.
std::string words(int first, int last) { return fixtures::numbered_words(first, last, "w"); }

std::vector<NearDupAssignment> cluster_all(const std::vector<std::string>& texts,
                                           NearDupOptions options, NearDupStats* stats = nullptr,
                                           SetStorage storage = {}) {
  auto c = NearDupClusterer::create(options, storage);
  EXPECT_TRUE(c.ok()) << c.status().to_string();
  NearDupClusterer::Scratch scratch;
  PreparedDoc doc;
  for (const auto& t : texts) {
    c->prepare(t, doc, scratch);
    c->add(doc);
  }
  if (stats != nullptr) *stats = c->stats();
  std::vector<NearDupAssignment> a = c->finish();
  EXPECT_TRUE(c->status().ok()) << c->status().to_string();
  return a;
}

TEST(NearDupTest, JaccardSortedCountsCommonElements) {
  std::vector<uint64_t> a = {1, 3, 5, 7}, b = {3, 4, 5, 8, 9}, none;
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, b), 2.0 / 7.0);
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, a), 1.0);
  EXPECT_DOUBLE_EQ(jaccard_sorted(a, none), 0.0);
  EXPECT_DOUBLE_EQ(jaccard_sorted(none, none), 0.0);
}

TEST(NearDupTest, OptionsAreValidated) {
  NearDupOptions o;
  o.similarity.threshold = 0;
  EXPECT_FALSE(o.validate().ok());
  o.similarity.threshold = 1.5;
  EXPECT_FALSE(o.validate().ok());
  o.similarity.threshold = 0.8;
  o.similarity.bands = 4;  // rows missing
  EXPECT_FALSE(o.validate().ok());
  o.similarity.rows = 40;  // 160 > 128 slots
  EXPECT_FALSE(o.validate().ok());
  o.similarity.rows = 32;
  EXPECT_TRUE(o.validate().ok());
  EXPECT_EQ(o.lsh_params().bands, 4u);
  NearDupOptions negative;
  negative.similarity.threshold = -1;
  EXPECT_FALSE(NearDupClusterer::create(negative).ok());
}

TEST(NearDupTest, NearCopiesClusterAndUnrelatedDocumentsDoNot) {
  const std::string base = words(0, 200);
  // One word of 200 changed: Jaccard ~0.95.
  const std::string edited = words(0, 100) + "changed " + words(101, 200);
  const std::vector<std::string> texts = {base, words(1000, 1200), edited, words(2000, 2150)};
  for (VerifyMode v : {VerifyMode::kShingles, VerifyMode::kSignature}) {
    NearDupOptions o;
    o.verify = v;
    auto a = cluster_all(texts, o);
    ASSERT_EQ(a.size(), 4u);
    EXPECT_EQ(a[0].cluster, 0u);
    EXPECT_EQ(a[1].cluster, 1u);
    EXPECT_EQ(a[2].cluster, 0u);
    EXPECT_EQ(a[2].representative, 0u);
    EXPECT_EQ(a[3].cluster, 3u);
    if (v == VerifyMode::kShingles) {
      // 196 shingles each, 5 lost on each side: 191 / 201.
      EXPECT_NEAR(a[2].similarity, 191.0 / 201.0, 1e-12);
    } else {
      EXPECT_NEAR(a[2].similarity, 191.0 / 201.0, 4 * std::sqrt(0.95 * 0.05 / 128));
    }
  }
}

TEST(NearDupTest, ExactCopiesAreLinkedWithoutEnteringTheIndex) {
  std::vector<std::string> texts(50, words(0, 100));
  texts.push_back("Something Else entirely");
  texts.push_back("something   else ENTIRELY");  // same after normalization
  NearDupStats stats;
  auto a = cluster_all(texts, NearDupOptions{}, &stats);
  for (std::size_t i = 0; i < 50; ++i) {
    EXPECT_EQ(a[i].cluster, 0u);
    EXPECT_DOUBLE_EQ(a[i].similarity, 1.0);
  }
  EXPECT_EQ(a[51].cluster, 50u);
  EXPECT_EQ(stats.exact_duplicates, 50u);
  EXPECT_EQ(stats.candidates, 0u);  // copies never query; the two distinct texts don't collide
}

TEST(NearDupTest, RepresentativeLinkageDoesNotChain) {
  // J(A,B) = J(B,C) = 86/106 ~ 0.81, J(A,C) = 76/116 ~ 0.66 with word 5-shingles.
  const std::vector<std::string> texts = {words(0, 100), words(10, 110), words(20, 120)};
  NearDupOptions o;
  o.similarity.threshold = 0.75;
  auto components = cluster_all(texts, o);
  EXPECT_EQ(components[1].cluster, 0u);
  EXPECT_EQ(components[2].cluster, 0u);                        // chained through B
  EXPECT_NEAR(components[2].similarity, 76.0 / 116.0, 1e-12);  // reported honestly
  o.linkage = Linkage::kRepresentative;
  auto rep = cluster_all(texts, o);
  EXPECT_EQ(rep[1].cluster, 0u);
  EXPECT_NEAR(rep[1].similarity, 86.0 / 106.0, 1e-6);  // stored as float
  EXPECT_EQ(rep[2].cluster, 2u);                       // not similar enough to representative A
}

TEST(NearDupTest, EmptyAndShortDocumentsAreHandled) {
  const std::vector<std::string> texts = {"", "   ", "!!!", "one two", "One  two", "three"};
  auto a = cluster_all(texts, NearDupOptions{});
  EXPECT_EQ(a[1].cluster, 0u);  // both empty after normalization: exact copies
  EXPECT_EQ(a[2].cluster, 2u);  // no tokens: near-duplicate of nothing
  EXPECT_EQ(a[4].cluster, 3u);  // shorter than k but identical after normalization
  EXPECT_EQ(a[5].cluster, 5u);
}

TEST(NearDupTest, PriorityChoosesTheRepresentativeWithoutChangingClusters) {
  // Three near copies of different lengths plus an unrelated document.
  const std::vector<std::string> texts = {words(0, 100), words(200, 300), words(0, 110),
                                          words(0, 105)};
  auto c = NearDupClusterer::create(NearDupOptions{});
  ASSERT_TRUE(c.ok());
  NearDupClusterer::Scratch scratch;
  PreparedDoc doc;
  std::vector<double> length;
  for (const auto& t : texts) {
    c->prepare(t, doc, scratch);
    c->add(doc);
    length.push_back(static_cast<double>(t.size()));
  }
  auto first = c->finish();
  auto longest = c->finish(length);
  for (std::size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(first[i].cluster, longest[i].cluster);
  EXPECT_EQ(first[3].representative, 0u);
  EXPECT_EQ(longest[0].representative, 2u);
  EXPECT_EQ(longest[3].representative, 2u);
  EXPECT_EQ(longest[2].representative, 2u);
  EXPECT_DOUBLE_EQ(longest[2].similarity, 1.0);
  EXPECT_NEAR(longest[0].similarity, 96.0 / 106.0, 1e-12);   // 100 vs 110 words
  EXPECT_NEAR(longest[3].similarity, 101.0 / 106.0, 1e-12);  // 105 vs 110 words
  EXPECT_EQ(longest[1].representative, 1u);
}

// Planted near-duplicates with known Jaccard: everything at or above threshold + 0.05 must be
// found, nothing below threshold - 0.05 may be merged.
TEST(NearDupTest, RecallAndPrecisionOnPlantedPairs) {
  std::mt19937_64 rng(2024);
  std::vector<std::string> texts;
  std::vector<int> source;  // planted copy -> source index, else -1
  std::vector<int> kept;    // planted copy: words kept from the source
  for (int d = 0; d < 400; ++d) {
    const int first = d * 1000;
    texts.push_back(words(first, first + 300));
    source.push_back(-1);
    kept.push_back(300);
    // A copy with the last 300 - keep words replaced by new ones: of its 296 shingles,
    // keep - 4 are shared with the source.
    const int keep = 240 + static_cast<int>(rng() % 61);  // 240..300 words kept
    texts.push_back(words(first, first + keep) + words(first + 500, first + 500 + (300 - keep)));
    source.push_back(static_cast<int>(texts.size()) - 2);
    kept.push_back(keep);
  }
  NearDupOptions o;  // threshold 0.8
  auto a = cluster_all(texts, o);
  int must = 0, found = 0, wrong = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (source[i] < 0) continue;
    const int keep = kept[i];
    const double shared = keep >= 300 ? 296 : std::max(0, keep - 4);
    const double j = shared / (296 + 296 - shared);
    const bool merged = a[i].cluster == a[static_cast<std::size_t>(source[i])].cluster;
    if (j >= o.similarity.threshold + 0.05) {
      ++must;
      found += merged ? 1 : 0;
    }
    if (j < o.similarity.threshold - 0.05 && merged) ++wrong;
  }
  ASSERT_GT(must, 50);
  EXPECT_EQ(found, must);
  EXPECT_EQ(wrong, 0);
  // Distinct source documents never merge with each other.
  for (std::size_t i = 0; i < texts.size(); i += 2) EXPECT_EQ(a[i].cluster, i);
}

// add_batch() must give exactly what add() gives one document at a time, whatever the batch
// size and the number of threads: clusters, representatives, similarities and candidate counts.
// The corpus mixes near-copies next to each other (pairs within a batch), near-copies far apart
// (pairs across batches), chains, exact copies in and across batches, and empty documents.
TEST(NearDupTest, BatchesAndThreadsGiveTheSameResultAsAddingOneByOne) {
  std::mt19937_64 rng(77);
  std::vector<std::string> texts;
  for (int d = 0; d < 120; ++d) {
    const int base = static_cast<int>(rng() % 40) * 1000;  // 40 families: many near pairs
    const int shift = static_cast<int>(rng() % 12);
    texts.push_back(words(base + shift, base + shift + 80));
    if (d % 9 == 0) texts.push_back(texts.back());  // exact copy right after
    if (d % 17 == 0) texts.push_back("");
    if (d % 23 == 0 && d > 0) texts.push_back(texts[static_cast<std::size_t>(d / 2)]);  // far copy
  }
  for (VerifyMode verify : {VerifyMode::kShingles, VerifyMode::kSignature}) {
    for (Linkage linkage : {Linkage::kComponents, Linkage::kRepresentative}) {
      NearDupOptions o;
      o.similarity.threshold = 0.7;
      o.verify = verify;
      o.linkage = linkage;
      NearDupStats one_stats;
      const std::vector<NearDupAssignment> one = cluster_all(texts, o, &one_stats);
      std::size_t merged = 0;
      for (std::size_t i = 0; i < one.size(); ++i) merged += one[i].cluster != i ? 1u : 0u;
      ASSERT_GT(merged, 40u);  // the corpus really has near-duplicates
      // The sets on disk (kShingles) must change nothing either, added one by one or in batches.
      std::vector<SetStorage> stores = {SetStorage{}};
      if (verify == VerifyMode::kShingles) stores.push_back(SetStorage{true, ""});
      NearDupStats disk_stats;
      const std::vector<NearDupAssignment> disk_one =
          cluster_all(texts, o, &disk_stats, SetStorage{true, ""});
      ASSERT_EQ(disk_one.size(), one.size());
      for (std::size_t i = 0; i < one.size(); ++i) {
        ASSERT_EQ(disk_one[i].cluster, one[i].cluster) << "doc " << i;
        ASSERT_EQ(disk_one[i].representative, one[i].representative) << "doc " << i;
        ASSERT_EQ(disk_one[i].similarity, one[i].similarity) << "doc " << i;
      }
      EXPECT_EQ(disk_stats.verified, one_stats.verified);
      EXPECT_EQ(disk_stats.rejected, one_stats.rejected);
      for (std::size_t batch : {std::size_t{1}, std::size_t{7}, std::size_t{64}, texts.size()}) {
        for (unsigned threads : {1u, 3u}) {
          for (const SetStorage& store : stores) {
            auto c = NearDupClusterer::create(o, store);
            ASSERT_TRUE(c.ok());
            std::vector<NearDupClusterer::Scratch> scratch(threads);
            const ParallelRunner run = [threads](std::size_t n, const ParallelBody& body) {
              parallel_for(n, threads, body);
            };
            std::vector<PreparedDoc> prepared(texts.size());
            for (std::size_t b = 0; b < texts.size(); b += batch) {
              const std::size_t n = std::min(batch, texts.size() - b);
              run(n, [&](std::size_t i, unsigned w) {
                c->prepare(texts[b + i], prepared[b + i], scratch[w]);
              });
              EXPECT_EQ(c->add_batch(std::span<const PreparedDoc>(prepared.data() + b, n), run), b);
            }
            const std::vector<NearDupAssignment> got = c->finish();
            ASSERT_EQ(got.size(), one.size());
            for (std::size_t i = 0; i < one.size(); ++i) {
              ASSERT_EQ(got[i].cluster, one[i].cluster) << "doc " << i << " batch " << batch;
              ASSERT_EQ(got[i].representative, one[i].representative) << "doc " << i;
              ASSERT_EQ(got[i].similarity, one[i].similarity) << "doc " << i;
            }
            EXPECT_EQ(c->stats().candidates, one_stats.candidates);
            EXPECT_EQ(c->stats().exact_duplicates, one_stats.exact_duplicates);
            EXPECT_TRUE(c->status().ok()) << c->status().to_string();
            if (store.on_disk) {
              EXPECT_GT(c->disk_bytes(), 0u);
            } else {
              EXPECT_EQ(c->disk_bytes(), 0u);
            }
          }
        }
      }
    }
  }
}

// With the sets on disk, RAM holds no shingles: memory_bytes() must not grow with the text, and
// the file must hold 8 bytes per shingle of every non-copy document; representatives by priority
// and similarities read from the file must equal the in-memory ones.
TEST(NearDupTest, SetsOnDiskKeepRamSmallAndAnswerAlike) {
  std::vector<std::string> texts;
  for (int d = 0; d < 200; ++d) {
    const int base = (d / 4) * 10000;  // families of four near-copies
    texts.push_back(words(base + d % 4, base + 2000));
  }
  std::vector<double> priority(texts.size());
  for (std::size_t i = 0; i < priority.size(); ++i) priority[i] = static_cast<double>(i % 4);
  NearDupOptions o;
  std::vector<std::vector<NearDupAssignment>> results;
  std::vector<std::size_t> memory;
  uint64_t total_shingles = 0;
  for (bool on_disk : {false, true}) {
    auto c = NearDupClusterer::create(o, SetStorage{on_disk, ""});
    ASSERT_TRUE(c.ok()) << c.status().to_string();
    NearDupClusterer::Scratch scratch;
    std::vector<PreparedDoc> prepared(texts.size());
    uint64_t shingles = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      c->prepare(texts[i], prepared[i], scratch);
      shingles += prepared[i].shingles.size();
    }
    for (std::size_t b = 0; b < texts.size(); b += 16) {
      c->add_batch(std::span<const PreparedDoc>(prepared.data() + b,
                                                std::min<std::size_t>(16, texts.size() - b)));
    }
    memory.push_back(c->memory_bytes());
    total_shingles = shingles;
    if (on_disk) {
      EXPECT_EQ(c->disk_bytes(), shingles * sizeof(uint64_t));
    }
    results.push_back(c->finish(priority));
    EXPECT_TRUE(c->status().ok());
  }
  ASSERT_EQ(results[0].size(), results[1].size());
  std::size_t merged = 0;
  for (std::size_t i = 0; i < results[0].size(); ++i) {
    EXPECT_EQ(results[0][i].cluster, results[1][i].cluster);
    EXPECT_EQ(results[0][i].representative, results[1][i].representative);
    EXPECT_EQ(results[0][i].similarity, results[1][i].similarity);
    merged += results[0][i].cluster != i ? 1u : 0u;
  }
  EXPECT_EQ(merged, 150u);  // 50 families of 4
  // 200 documents of ~2000 words: ~3.2 MB of shingles in RAM, none on disk but one batch's.
  ASSERT_GT(total_shingles, 300'000u);
  EXPECT_GE(memory[0],
            memory[1] + total_shingles * sizeof(uint64_t) - 16 * 2000 * sizeof(uint64_t));
}

TEST(NearDupTest, SetsOnDiskInAMissingDirectoryAreAnIoError) {
  auto c = NearDupClusterer::create(NearDupOptions{}, SetStorage{true, "/nonexistent/dir"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kIoError);
  EXPECT_NE(c.status().message().find("/nonexistent/dir"), std::string::npos);
  // Signature verification keeps no sets: nothing to create.
  NearDupOptions sig;
  sig.verify = VerifyMode::kSignature;
  EXPECT_TRUE(NearDupClusterer::create(sig, SetStorage{true, "/nonexistent/dir"}).ok());
}

// A full disk while adding: status() carries the error (sticky), nothing crashes, and the sets
// that were not stored compare as dissimilar. RLIMIT_FSIZE makes pwrite fail with EFBIG.
TEST(NearDupTest, SetsOnDiskReportAFullDisk) {
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  auto c = NearDupClusterer::create(NearDupOptions{}, SetStorage{true, ""});
  ASSERT_TRUE(c.ok());
  NearDupClusterer::Scratch scratch;
  PreparedDoc doc;
  c->prepare(words(0, 100), doc, scratch);
  c->add(doc);
  EXPECT_TRUE(c->status().ok());
  struct rlimit small = old;
  small.rlim_cur = 4096;  // the first document's 96 shingles fit; the next 1000 do not
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  c->prepare(words(0, 1000), doc, scratch);
  c->add(doc);
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(c->status().code(), StatusCode::kIoError);
  EXPECT_NE(c->status().message().find("full"), std::string::npos) << c->status().message();
  const std::vector<NearDupAssignment> a = c->finish();
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[1].cluster, 1u);
}

}  // namespace
}  // namespace neardup
