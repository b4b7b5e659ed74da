#include "neardup/advanced/simhash_clusterer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
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
                                            std::span<const double> priority = {}) {
  Result<SimHashClusterer> c = SimHashClusterer::create(o);
  if (!c.ok()) return c.status();
  SimHashClusterer::Scratch scratch;
  PreparedSimHash doc;
  for (const auto& t : texts) {
    c->prepare(t, doc, scratch);
    c->add(doc);
  }
  Result<std::vector<Assignment>> a = c->finish(priority);
  if (stats != nullptr) *stats = c->stats();
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

}  // namespace
}  // namespace neardup
