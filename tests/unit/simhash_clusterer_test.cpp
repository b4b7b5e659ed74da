#include "neardup/advanced/simhash_clusterer.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <bit>
#include <csignal>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "neardup/advanced/near_dup.h"  // jaccard_sorted
#include "neardup/advanced/story.h"     // DocumentFrequencies

namespace neardup {
namespace {

// Words w<first> .. w<last-1>: distinct tokens, so shingle overlaps are exact.
std::string words(int first, int last) {
  std::string s;
  for (int i = first; i < last; ++i) s += "w" + std::to_string(i) + " ";
  return s;
}

std::vector<uint64_t> shingle_set(const std::string& text, const PipelineOptions& pipeline) {
  ShingleHasher h(pipeline);
  const std::span<const uint64_t> s = h.hash(text);
  std::vector<uint64_t> v(s.begin(), s.end());
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The TF fingerprint distance of two texts, from the building blocks.
uint32_t tf_distance(const std::string& a, const std::string& b, const SimHashClustererOptions& o) {
  const SimHasher hasher(o.simhash);
  ShingleHasher h(o.pipeline);
  const std::span<const uint64_t> sa = h.hash(a);
  const Fingerprint64 fa = hasher.fingerprint64(std::vector<uint64_t>(sa.begin(), sa.end()));
  const std::span<const uint64_t> sb = h.hash(b);
  const Fingerprint64 fb = hasher.fingerprint64(std::vector<uint64_t>(sb.begin(), sb.end()));
  return hamming(fa, fb);
}

Result<std::vector<Assignment>> cluster_all(const std::vector<std::string>& texts,
                                            const SimHashClustererOptions& o,
                                            SimHashStats* stats = nullptr,
                                            std::span<const double> priority = {},
                                            SetStorage storage = {}, uint64_t* disk = nullptr) {
  Result<SimHashClusterer> c = SimHashClusterer::create(o, storage);
  if (!c.ok()) return c.status();
  SimHashClusterer::Scratch scratch;
  PreparedSimHash doc;
  for (const auto& t : texts) {
    c->prepare(t, doc, scratch);
    c->add(doc);
  }
  Result<std::vector<Assignment>> a = c->finish(priority);
  if (stats != nullptr) *stats = c->stats();
  if (disk != nullptr) *disk = c->disk_bytes();
  return a;
}

// A base text, one word changed in it, and an unrelated text.
const std::string kBase = words(0, 60);
const std::string kEdited = words(0, 30) + "changed " + words(31, 60);
const std::string kOther = words(1000, 1060);

TEST(SimHashClustererTest, OptionsAreValidated) {
  SimHashClustererOptions o;
  EXPECT_TRUE(o.validate().ok());
  o.simhash.bits = 32;
  EXPECT_FALSE(o.validate().ok());
  o.simhash.bits = 64;
  o.max_distance = 64;  // must be < bits
  EXPECT_FALSE(o.validate().ok());
  o.max_distance = 3;
  o.verify = SimHashVerify::kShingles;
  o.threshold = 1.5;
  EXPECT_FALSE(o.validate().ok());
  EXPECT_FALSE(SimHashClusterer::create(o).ok());
}

TEST(SimHashClustererTest, PairsWithinTheDistanceLinkPairsBeyondDoNot) {
  SimHashClustererOptions o;
  const uint32_t d = tf_distance(kBase, kEdited, o);
  ASSERT_GT(d, 0u);
  ASSERT_LT(d, 40u);
  ASSERT_GT(tf_distance(kBase, kOther, o), d);  // the unrelated text is farther

  o.max_distance = d;  // exactly within
  SimHashStats st;
  Result<std::vector<Assignment>> a = cluster_all({kBase, kEdited}, o, &st);
  ASSERT_TRUE(a.ok()) << a.status().to_string();
  EXPECT_EQ((*a)[1].cluster, 0u);
  EXPECT_EQ((*a)[1].representative, 0u);
  EXPECT_DOUBLE_EQ((*a)[1].similarity, 1.0 - d / 64.0);
  EXPECT_EQ(st.pairs, 1u);
  EXPECT_EQ(st.clusters, 1u);

  o.max_distance = d - 1;  // one bit short
  a = cluster_all({kBase, kEdited}, o, &st);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[1].cluster, 1u);
  EXPECT_EQ(st.pairs, 0u);
  EXPECT_EQ(st.clusters, 2u);
}

TEST(SimHashClustererTest, ExactCopiesAndEmptyDocuments) {
  SimHashClustererOptions o;
  SimHashStats st;
  // Normalization folds case: documents 0 and 2 are exact copies. Empty texts have no shingles:
  // they link to nothing, not even to each other by distance (only as exact copies).
  Result<std::vector<Assignment>> a =
      cluster_all({kBase, "", "  " + kBase + "  ", kOther, ""}, o, &st);
  ASSERT_TRUE(a.ok());
  const uint32_t want[] = {0, 1, 0, 3, 1};
  for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ((*a)[i].cluster, want[i]) << i;
  EXPECT_EQ((*a)[2].similarity, 1.0);
  EXPECT_EQ(st.exact_duplicates, 2u);
  EXPECT_EQ(st.empty, 2u);
  EXPECT_EQ(st.clusters, 3u);
}

TEST(SimHashClustererTest, VerificationRejectsAPairBelowTheThreshold) {
  SimHashClustererOptions o;
  const uint32_t d = tf_distance(kBase, kEdited, o);
  o.max_distance = d;
  o.verify = SimHashVerify::kShingles;
  const double j = jaccard_sorted(shingle_set(kBase, o.pipeline), shingle_set(kEdited, o.pipeline));
  ASSERT_GT(j, 0.5);
  ASSERT_LT(j, 1.0);

  o.threshold = j;  // reached: kept, similarity is the Jaccard
  SimHashStats st;
  Result<std::vector<Assignment>> a = cluster_all({kBase, kEdited}, o, &st);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[1].cluster, 0u);
  EXPECT_DOUBLE_EQ((*a)[1].similarity, j);
  EXPECT_EQ(st.verified, 1u);
  EXPECT_EQ(st.rejected, 0u);

  o.threshold = j + 0.01;  // the same pair, now rejected
  a = cluster_all({kBase, kEdited}, o, &st);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[1].cluster, 1u);
  EXPECT_EQ(st.pairs, 1u);
  EXPECT_EQ(st.verified, 0u);
  EXPECT_EQ(st.rejected, 1u);
}

TEST(SimHashClustererTest, TfIdfFingerprintsUseTheInputsDocumentFrequencies) {
  SimHashClustererOptions o;
  o.weights = SimHashWeights::kTfIdf;
  const std::vector<std::string> texts = {kBase, kEdited, kOther, kBase};
  // The expected fingerprints from the building blocks: df over the distinct texts.
  DocumentFrequencies df;
  std::vector<std::vector<uint64_t>> sets;
  for (std::size_t i = 0; i < 3; ++i) {
    sets.push_back(shingle_set(texts[i], o.pipeline));
    std::vector<StoryTerm> terms;
    for (uint64_t f : sets.back()) terms.push_back({f, 1.0f});
    df.add(terms);
  }
  const SimHasher hasher(o.simhash);
  std::vector<uint64_t> fp(3);
  for (std::size_t i = 0; i < 3; ++i) {
    std::vector<float> w;
    for (uint64_t f : sets[i]) w.push_back(df.idf(f));  // every count is 1 (distinct words)
    hasher.fingerprint(sets[i], w, std::span<uint64_t>(&fp[i], 1));
  }
  const auto d01 = static_cast<uint32_t>(std::popcount(fp[0] ^ fp[1]));
  const auto d02 = static_cast<uint32_t>(std::popcount(fp[0] ^ fp[2]));
  ASSERT_LT(d01, d02);
  ASSERT_LT(d01, 40u);
  o.max_distance = d01;
  Result<std::vector<Assignment>> a = cluster_all(texts, o);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[1].cluster, 0u);
  EXPECT_DOUBLE_EQ((*a)[1].similarity, 1.0 - d01 / 64.0);
  EXPECT_EQ((*a)[2].cluster, 2u);
  EXPECT_EQ((*a)[3].cluster, 0u);
  EXPECT_EQ((*a)[3].similarity, 1.0);
}

TEST(SimHashClustererTest, PriorityPicksTheRepresentative) {
  SimHashClustererOptions o;
  o.max_distance = tf_distance(kBase, kEdited, o);
  const std::vector<double> priority = {1, 2, 0};
  Result<std::vector<Assignment>> a = cluster_all({kBase, kEdited, kOther}, o, nullptr, priority);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ((*a)[0].cluster, 0u);  // labels stay the first member
  EXPECT_EQ((*a)[0].representative, 1u);
  EXPECT_EQ((*a)[1].representative, 1u);
  EXPECT_EQ((*a)[1].similarity, 1.0);
  EXPECT_LT((*a)[0].similarity, 1.0);
  EXPECT_EQ((*a)[2].representative, 2u);
}

TEST(SimHashClustererTest, SameAssignmentsWhenPreparedAndFinishedOnOneOrTwoThreads) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i) {
    const int base = (i % 40) * 100;
    texts.push_back(words(base, base + 40) + (i % 3 == 0 ? "x" + std::to_string(i) : ""));
  }
  for (const SimHashWeights weights : {SimHashWeights::kTf, SimHashWeights::kTfIdf}) {
    SimHashClustererOptions o;
    o.weights = weights;
    o.max_distance = 8;
    o.verify = SimHashVerify::kShingles;
    o.threshold = 0.5;
    const auto run = [&](unsigned threads, SimHashStats& st) {
      Result<SimHashClusterer> c = SimHashClusterer::create(o);
      EXPECT_TRUE(c.ok());
      std::vector<PreparedSimHash> prepared(texts.size());
      std::vector<SimHashClusterer::Scratch> scratch(threads);
      std::vector<std::thread> pool;
      for (unsigned t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
          for (std::size_t i = t; i < texts.size(); i += threads) {
            c->prepare(texts[i], prepared[i], scratch[t]);
          }
        });
      }
      for (auto& th : pool) th.join();
      for (auto& p : prepared) c->add(p);
      Result<std::vector<Assignment>> a = c->finish({}, threads);
      EXPECT_TRUE(a.ok());
      st = c->stats();
      return *a;
    };
    SimHashStats s1, s2;
    const std::vector<Assignment> one = run(1, s1), two = run(2, s2);
    ASSERT_EQ(one.size(), two.size());
    std::size_t joined = 0;
    for (std::size_t i = 0; i < one.size(); ++i) {
      EXPECT_EQ(one[i].cluster, two[i].cluster);
      EXPECT_EQ(one[i].representative, two[i].representative);
      EXPECT_EQ(one[i].similarity, two[i].similarity);
      joined += one[i].cluster != i ? 1u : 0u;
    }
    EXPECT_GT(joined, 0u);
    EXPECT_EQ(s1.pairs, s2.pairs);
    EXPECT_EQ(s1.verified, s2.verified);
    EXPECT_EQ(s1.rejected, s2.rejected);
  }
}

// The shingle sets on disk (SetStorage::on_disk) give the assignments and similarities of the
// sets in RAM, for TF-IDF weights, verification and both, with exact copies, empty documents
// and families of near-copies; the file holds exactly the first copies' records.
TEST(SimHashClustererTest, SetsOnDiskGiveTheInMemoryAssignments) {
  std::vector<std::string> texts;
  uint64_t tfidf_bytes = 0, verify_bytes = 0;
  for (int d = 0; d < 120; ++d) {
    const int base = (d / 4) * 10000;  // families of four near-copies
    texts.push_back(words(base, base + 60 + d % 4) + (d % 4 == 3 ? "edited" : ""));
    if (d % 10 == 0) texts.push_back(texts.back());  // an exact copy: no record of its own
    if (d % 25 == 0) texts.push_back("");            // empty: no record
  }
  std::vector<double> priority(texts.size());
  for (std::size_t i = 0; i < priority.size(); ++i) priority[i] = static_cast<double>(i % 3);
  struct Config {
    SimHashWeights weights;
    SimHashVerify verify;
  };
  for (const Config cfg : {Config{SimHashWeights::kTfIdf, SimHashVerify::kNone},
                           Config{SimHashWeights::kTfIdf, SimHashVerify::kShingles},
                           Config{SimHashWeights::kTf, SimHashVerify::kShingles}}) {
    SimHashClustererOptions o;
    o.pipeline.shingle.k = 1;
    o.simhash.bits = 128;
    o.max_distance = 13;
    o.weights = cfg.weights;
    o.verify = cfg.verify;
    o.threshold = 0.9;
    SimHashStats mem_stats, disk_stats;
    uint64_t mem_disk = 1, disk = 0;
    Result<std::vector<Assignment>> in_ram =
        cluster_all(texts, o, &mem_stats, priority, SetStorage{false, ""}, &mem_disk);
    Result<std::vector<Assignment>> on_disk =
        cluster_all(texts, o, &disk_stats, priority, SetStorage{true, ""}, &disk);
    ASSERT_TRUE(in_ram.ok()) << in_ram.status().to_string();
    ASSERT_TRUE(on_disk.ok()) << on_disk.status().to_string();
    ASSERT_EQ(in_ram->size(), texts.size());
    ASSERT_EQ(on_disk->size(), texts.size());
    std::size_t merged = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      EXPECT_EQ((*in_ram)[i].cluster, (*on_disk)[i].cluster) << i;
      EXPECT_EQ((*in_ram)[i].representative, (*on_disk)[i].representative) << i;
      EXPECT_EQ((*in_ram)[i].similarity, (*on_disk)[i].similarity) << i;
      merged += (*in_ram)[i].cluster != i ? 1u : 0u;
    }
    EXPECT_EQ(disk_stats.pairs, mem_stats.pairs);
    EXPECT_EQ(disk_stats.verified, mem_stats.verified);
    EXPECT_EQ(disk_stats.rejected, mem_stats.rejected);
    EXPECT_GE(merged, 12u);  // at least the 12 exact copies
    EXPECT_EQ(mem_disk, 0u);
    // 120 first copies of 60-63 distinct words: 8 bytes a shingle, plus a 4-byte count with
    // TF-IDF (each record padded to 8 bytes).
    uint64_t expected = 0;
    for (int d = 0; d < 120; ++d) {
      const auto n = static_cast<uint64_t>(60 + d % 4 + (d % 4 == 3 ? 1 : 0));
      expected += cfg.weights == SimHashWeights::kTfIdf ? (n * 12 + 7) / 8 * 8 : n * 8;
    }
    EXPECT_EQ(disk, expected);
    (cfg.weights == SimHashWeights::kTfIdf ? tfidf_bytes : verify_bytes) = disk;
  }
  EXPECT_GT(tfidf_bytes, verify_bytes);
  // TF weights without verification keep no sets: nothing on disk.
  SimHashClustererOptions tf;
  uint64_t disk = 1;
  ASSERT_TRUE(cluster_all(texts, tf, nullptr, {}, SetStorage{true, ""}, &disk).ok());
  EXPECT_EQ(disk, 0u);
}

TEST(SimHashClustererTest, SetsOnDiskInAMissingDirectoryAreAnIoError) {
  SimHashClustererOptions o;
  o.weights = SimHashWeights::kTfIdf;
  Result<SimHashClusterer> c = SimHashClusterer::create(o, SetStorage{true, "/nonexistent/dir"});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kIoError);
  EXPECT_NE(c.status().message().find("/nonexistent/dir"), std::string::npos);
  o.weights = SimHashWeights::kTf;  // keeps no sets: no file to make
  EXPECT_TRUE(SimHashClusterer::create(o, SetStorage{true, "/nonexistent/dir"}).ok());
}

// A full disk while adding: status() says so (sticky), nothing crashes, and finish() returns
// the error instead of fingerprints computed from sets that were never written.
// RLIMIT_FSIZE makes the write fail with EFBIG.
TEST(SimHashClustererTest, SetsOnDiskReportAFullDisk) {
  SimHashClustererOptions o;
  o.pipeline.shingle.k = 1;
  o.weights = SimHashWeights::kTfIdf;
  Result<SimHashClusterer> c = SimHashClusterer::create(o, SetStorage{true, ""});
  ASSERT_TRUE(c.ok()) << c.status().to_string();
  SimHashClusterer::Scratch scratch;
  PreparedSimHash doc;
  struct rlimit old {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old), 0);
  const auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 64 * 1024;  // far less than the 2,000 x 1,000 x 12 bytes below
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  for (int d = 0; d < 2000; ++d) {
    c->prepare(words(d * 1000, d * 1000 + 1000), doc, scratch);
    c->add(doc);
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  Result<std::vector<Assignment>> a = c->finish();
  EXPECT_EQ(c->status().code(), StatusCode::kIoError);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kIoError);
  EXPECT_NE(a.status().message().find("full"), std::string::npos) << a.status().message();
}

}  // namespace
}  // namespace neardup
