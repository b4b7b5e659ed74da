// ContainmentClusterer: exact containment, the LSH Ensemble candidate recall against its stated
// per-pair target (statistical, fixed seed), the keep policies, chains, copies and empty
// documents, options.
#include "neardup/advanced/containment.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "support/expect_ok.h"
#include "support/fixtures.h"

namespace neardup {
namespace {

using fixtures::random_text;

ContainmentClusterer make(ContainmentOptions o = {}) {
  return testing::expect_ok(ContainmentClusterer::create(o));
}

ContainmentResult run(ContainmentClusterer& c, const std::vector<std::string>& texts,
                      ContainmentKeep keep = ContainmentKeep::kContainer) {
  ContainmentClusterer::Scratch scratch;
  PreparedContainment doc;
  for (const std::string& t : texts) {
    c.prepare(t, doc, scratch);
    EXPECT_TRUE(c.add(doc).ok());
  }
  return testing::expect_ok(c.finish(keep));
}

// Replaces `edits` words of `text`, spread evenly (each kills up to five 5-shingles).
std::string with_edits(const std::string& text, int edits) {
  std::vector<std::string> words;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    words.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  for (int e = 0; e < edits; ++e) {
    words[(static_cast<std::size_t>(e) * 2 + 1) * words.size() /
          (static_cast<std::size_t>(edits) * 2)] = "edit" + std::to_string(e);
  }
  std::string out;
  for (const std::string& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

TEST(ContainmentTest, ContainmentOfSortedSets) {
  const std::vector<uint64_t> a{1, 3, 5, 7}, b{0, 1, 2, 3, 5, 9};
  EXPECT_DOUBLE_EQ(ContainmentClusterer::containment(a, b), 0.75);
  EXPECT_DOUBLE_EQ(ContainmentClusterer::containment(b, a), 0.5);
  EXPECT_DOUBLE_EQ(ContainmentClusterer::containment({}, b), 0.0);
  EXPECT_DOUBLE_EQ(ContainmentClusterer::containment(a, {}), 0.0);
  EXPECT_DOUBLE_EQ(ContainmentClusterer::containment(a, a), 1.0);
}

TEST(ContainmentTest, EmbeddedArticleIsContainedInItsPageUnderBothPolicies) {
  std::mt19937_64 rng(7);
  const std::string article = random_text(rng, 150);
  const std::string page = random_text(rng, 600) + " " + article + " " + random_text(rng, 900);
  const std::string other = random_text(rng, 300);
  const std::vector<std::string> texts{article, other, page};
  ContainmentClusterer c = make({.threshold = 0.9});
  ContainmentResult r = run(c, texts);
  EXPECT_EQ(r.contained_in[0], 2u);
  EXPECT_DOUBLE_EQ(r.containment[0], 1.0);
  EXPECT_EQ(r.contained_in[1], kNotContained);
  EXPECT_EQ(r.contained_in[2], kNotContained);
  // Keep the container: the article is the duplicate of the page.
  EXPECT_EQ(r.assignment[0].representative, 2u);
  EXPECT_EQ(r.assignment[0].cluster, 0u);  // numbered by the first member
  EXPECT_DOUBLE_EQ(r.assignment[0].similarity, 1.0);
  EXPECT_EQ(r.assignment[2].representative, 2u);
  EXPECT_EQ(r.assignment[1].representative, 1u);
  EXPECT_EQ(c.stats().kept, 2u);
  // Keep the contained: the page is the duplicate of the article; contained_in is unchanged.
  ContainmentResult k = testing::expect_ok(c.finish(ContainmentKeep::kContained));
  EXPECT_EQ(k.contained_in, r.contained_in);
  EXPECT_EQ(k.assignment[2].representative, 0u);
  EXPECT_EQ(k.assignment[0].representative, 0u);
  EXPECT_DOUBLE_EQ(k.assignment[2].similarity, 1.0);  // the article's share held by the page
  EXPECT_EQ(c.stats().kept, 2u);
  // The Jaccard similarity of article and page is low: near mode would not join them.
  EXPECT_LT(150.0 / 1650.0, 0.2);
}

TEST(ContainmentTest, ChainsCopiesAndEmptyDocuments) {
  std::mt19937_64 rng(11);
  const std::string a = random_text(rng, 80);
  const std::string b = random_text(rng, 100) + " " + a + " " + random_text(rng, 100);
  const std::string c = random_text(rng, 300) + " " + b + " " + random_text(rng, 300);
  //                                  0  1  2  3 (copy of 1)  4 (empty)  5 (empty)
  const std::vector<std::string> texts{c, a, b, a, "", "  "};
  ContainmentClusterer cl = make({.threshold = 0.95});
  ContainmentResult r = run(cl, texts);
  EXPECT_EQ(r.contained_in[0], kNotContained);
  EXPECT_EQ(r.contained_in[2], 0u);                                 // b in c
  EXPECT_TRUE(r.contained_in[1] == 0u || r.contained_in[1] == 2u);  // a in c and in b
  EXPECT_EQ(r.contained_in[3], r.contained_in[1]);  // equal containment, same choice
  EXPECT_EQ(r.contained_in[4], kNotContained);
  EXPECT_EQ(r.contained_in[5], kNotContained);
  EXPECT_EQ(cl.stats().empty, 2u);
  for (uint32_t i : {0u, 1u, 2u, 3u}) EXPECT_EQ(r.assignment[i].representative, 0u) << i;
  EXPECT_EQ(r.assignment[4].representative, 4u);
  EXPECT_EQ(r.assignment[5].representative, 5u);

  ContainmentResult k = testing::expect_ok(cl.finish(ContainmentKeep::kContained));
  // The smallest document, first copy, is kept; its copy and every page holding it point to it.
  for (uint32_t i : {0u, 1u, 2u, 3u}) EXPECT_EQ(k.assignment[i].representative, 1u) << i;
  for (uint32_t i : {0u, 1u, 2u, 3u}) EXPECT_EQ(k.assignment[i].cluster, 0u) << i;
  EXPECT_EQ(cl.stats().kept, 3u);  // a, and the two empty documents
}

TEST(ContainmentTest, IdenticalCopiesPointToTheFirst) {
  const std::string t = random_text(uint64_t{5}, 120);
  ContainmentClusterer c = make();
  ContainmentResult r = run(c, {t, t, t});
  EXPECT_EQ(r.contained_in[0], kNotContained);
  EXPECT_EQ(r.contained_in[1], 0u);
  EXPECT_EQ(r.contained_in[2], 0u);
  for (const Assignment& a : r.assignment) EXPECT_EQ(a.representative, 0u);
}

// Pairs planted just above the threshold, in pages 1-6x their size: the share found must be at
// least the stated per-pair recall, within three binomial standard deviations.
TEST(ContainmentTest, CandidateRecallMeetsItsStatedTarget) {
  constexpr double kRecall = 0.9;
  constexpr std::size_t kPairs = 120;
  std::mt19937_64 rng(2016);
  std::vector<std::string> texts;
  for (std::size_t i = 0; i < kPairs; ++i) {
    const int words = 60 + static_cast<int>(rng() % 200);
    const std::string article = random_text(rng, words);
    // About 0.8-0.85 of the article's shingles survive in the page's copy.
    const int edits = std::max(1, static_cast<int>(std::lround(0.17 * words / 5)));
    const int pad = static_cast<int>(rng() % 6) * words / 2;
    texts.push_back(article);
    texts.push_back(random_text(rng, pad + 1) + " " + with_edits(article, edits) + " " +
                    random_text(rng, pad + 1));
  }
  ContainmentOptions o{.threshold = 0.8, .recall = kRecall};
  ContainmentClusterer c = make(o);
  ContainmentResult r = run(c, texts);
  // The truth from the exact sets (the same pipeline the clusterer uses).
  ShingleHasher sh(o.pipeline);
  int truth = 0, found = 0;
  for (std::size_t i = 0; i < kPairs; ++i) {
    std::span<const uint64_t> ha = sh.hash(texts[2 * i]);
    std::vector<uint64_t> a(ha.begin(), ha.end());
    std::span<const uint64_t> hb = sh.hash(texts[2 * i + 1]);
    std::vector<uint64_t> b(hb.begin(), hb.end());
    for (auto* v : {&a, &b}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    if (ContainmentClusterer::containment(a, b) < o.threshold) continue;
    ++truth;
    found += r.contained_in[2 * i] == static_cast<uint32_t>(2 * i + 1) ? 1 : 0;
  }
  ASSERT_GE(truth, static_cast<int>(kPairs / 2));  // most plants land above the threshold
  const double sigma = std::sqrt(truth * kRecall * (1 - kRecall));
  EXPECT_GE(found, truth * kRecall - 3 * sigma) << found << " of " << truth;
  // Nothing else is reported: unrelated random texts share no 5-shingle (a page barely larger
  // than its article may also be contained in the article).
  for (std::size_t i = 0; i < kPairs; ++i) {
    const uint32_t in = r.contained_in[2 * i + 1];
    EXPECT_TRUE(in == kNotContained || in == static_cast<uint32_t>(2 * i)) << i;
  }
  EXPECT_GE(c.stats().pairs, static_cast<uint64_t>(found));
}

TEST(ContainmentTest, ResultDoesNotDependOnTheThreadCount) {
  std::mt19937_64 rng(3);
  std::vector<std::string> texts;
  for (int i = 0; i < 60; ++i) {
    const std::string article = random_text(rng, 50 + i);
    texts.push_back(article);
    texts.push_back(random_text(rng, 20 * (i % 7) + 1) + " " + with_edits(article, i % 3) + " " +
                    random_text(rng, 30));
    if (i % 5 == 0) texts.push_back(article);
  }
  ContainmentClusterer one = make({.threshold = 0.85});
  ContainmentClusterer three = make({.threshold = 0.85});
  ContainmentResult a = run(one, texts);
  ContainmentClusterer::Scratch scratch;
  PreparedContainment doc;
  for (const std::string& t : texts) {
    three.prepare(t, doc, scratch);
    ASSERT_TRUE(three.add(doc).ok());
  }
  ContainmentResult b = testing::expect_ok(three.finish(ContainmentKeep::kContainer, 3));
  EXPECT_EQ(a.contained_in, b.contained_in);
  EXPECT_EQ(a.containment, b.containment);
  for (std::size_t i = 0; i < texts.size(); ++i) {
    EXPECT_EQ(a.assignment[i].representative, b.assignment[i].representative) << i;
    EXPECT_EQ(a.assignment[i].cluster, b.assignment[i].cluster) << i;
  }
  EXPECT_EQ(one.stats().pairs, three.stats().pairs);
  EXPECT_EQ(one.stats().candidates, three.stats().candidates);
  EXPECT_GE(one.stats().contained, 60u);  // every article is in its page
}

TEST(ContainmentTest, OptionsAreValidated) {
  EXPECT_TRUE(ContainmentOptions{}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.threshold = 0}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.threshold = 1.5}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.num_perm = 0}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.num_perm = 4096}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.partitions = 0}.validate().ok());
  EXPECT_FALSE(ContainmentOptions{.recall = 1.0}.validate().ok());
  EXPECT_FALSE(ContainmentClusterer::create({.threshold = -1}).ok());
  EXPECT_EQ(testing::expect_ok(parse_containment_keep("contained")), ContainmentKeep::kContained);
  EXPECT_FALSE(parse_containment_keep("both").ok());
}

TEST(ContainmentTest, AddRejectsADocumentPreparedElsewhere) {
  ContainmentClusterer a = make({.num_perm = 64}), b = make({.num_perm = 128});
  ContainmentClusterer::Scratch scratch;
  PreparedContainment doc;
  a.prepare("some text here to shingle", doc, scratch);
  EXPECT_EQ(b.add(doc).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace neardup
