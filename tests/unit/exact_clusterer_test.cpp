#include "neardup/advanced/exact_clusterer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace neardup {
namespace {

TEST(ExactClustererTest, CopiesJoinTheFirstCopyAndAddAnswersAtOnce) {
  ExactClusterer c;
  ExactClusterer::Scratch scratch;
  PreparedExact doc;
  const std::vector<std::string> texts = {
      "the cat sat", "a dog ran", "the cat sat", "", "a dog ran", "the cat sat", ""};
  const uint32_t want_cluster[] = {0, 1, 0, 3, 1, 0, 3};
  const uint32_t want_ordinal[] = {0, 1, 0, 2, 1, 0, 2};
  for (std::size_t i = 0; i < texts.size(); ++i) {
    c.prepare(texts[i], doc, scratch);
    const ExactMatch m = c.add(doc);
    EXPECT_EQ(m.document, i);
    EXPECT_EQ(m.cluster, want_cluster[i]) << i;
    EXPECT_EQ(m.ordinal, want_ordinal[i]) << i;
    EXPECT_EQ(m.is_new, m.cluster == i) << i;
  }
  const std::vector<Assignment> a = c.finish();
  ASSERT_EQ(a.size(), texts.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].cluster, want_cluster[i]);
    EXPECT_EQ(a[i].representative, want_cluster[i]);
    EXPECT_EQ(a[i].similarity, 1.0);
  }
  EXPECT_EQ(c.stats().documents, 7u);
  EXPECT_EQ(c.stats().clusters, 3u);
  EXPECT_EQ(c.stats().duplicates, 4u);
  EXPECT_EQ(c.stats().empty, 2u);
}

TEST(ExactClustererTest, NormalizationDecidesWhatIsACopy) {
  const std::vector<std::string> texts = {"Hello   World", "hello world"};
  ExactClusterer folded;  // default: case folded, whitespace collapsed
  ExactClusterer::Scratch scratch;
  PreparedExact doc;
  for (const auto& t : texts) {
    folded.prepare(t, doc, scratch);
    folded.add(doc);
  }
  EXPECT_EQ(folded.finish()[1].cluster, 0u);

  ExactOptions raw;
  raw.normalize.case_fold = false;
  ExactClusterer strict(raw);
  ExactClusterer::Scratch scratch2;
  for (const auto& t : texts) {
    strict.prepare(t, doc, scratch2);
    strict.add(doc);
  }
  EXPECT_EQ(strict.finish()[1].cluster, 1u);
}

TEST(ExactClustererTest, WithoutKeptAssignmentsFinishIsEmptyButAddStillAnswers) {
  ExactClusterer c({.normalize = {}, .keep_assignments = false});
  ExactClusterer::Scratch scratch;
  PreparedExact doc;
  c.prepare("same", doc, scratch);
  EXPECT_TRUE(c.add(doc).is_new);
  EXPECT_FALSE(c.add(doc).is_new);
  EXPECT_TRUE(c.finish().empty());
  EXPECT_EQ(c.stats().duplicates, 1u);
}

TEST(ExactClustererTest, SameAssignmentsWhenPreparedOnOneOrTwoThreads) {
  std::vector<std::string> texts;
  for (int i = 0; i < 400; ++i) texts.push_back("text number " + std::to_string(i % 37));
  const auto run = [&](unsigned threads) {
    ExactClusterer c;
    std::vector<PreparedExact> prepared(texts.size());
    std::vector<ExactClusterer::Scratch> scratch(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t i = t; i < texts.size(); i += threads) {
          c.prepare(texts[i], prepared[i], scratch[t]);
        }
      });
    }
    for (auto& th : pool) th.join();
    for (const auto& p : prepared) c.add(p);
    return c.finish();
  };
  const std::vector<Assignment> one = run(1), two = run(2);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_EQ(one[i].cluster, two[i].cluster);
    EXPECT_EQ(one[i].cluster, i % 37);
  }
}

}  // namespace
}  // namespace neardup
