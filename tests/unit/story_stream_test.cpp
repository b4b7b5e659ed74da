// StoryStream and BatchStoryClusterer (story_stream.h): story clustering with the shape of every
// mode's clusterer.
#include "neardup/advanced/story_stream.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace neardup {
namespace {

const std::string kQuake = "earthquake strikes coastal city tsunami warning issued residents flee";
const std::string kQuake2 = "tsunami warning after earthquake strikes coastal city residents";
const std::string kBank = "central bank raises interest rates inflation worries investors";

StoryModeOptions options(bool timed) {
  StoryModeOptions o;
  o.features.language = "none";  // plain words: hand-checkable
  o.story.threshold = 0.3;
  o.timed = timed;
  return o;
}

struct Doc {
  std::string id, text;
  std::optional<double> time;
};

std::vector<StoryMatch> stream_all(StoryStream& s, const std::vector<Doc>& docs,
                                   std::vector<std::string>* cluster_ids = nullptr) {
  StoryStream::Scratch scratch;
  PreparedStory prepared;
  std::vector<StoryMatch> out;
  for (const Doc& d : docs) {
    s.prepare({d.text, "", d.time}, prepared, scratch);
    Result<StoryMatch> m = s.add(prepared, d.id);
    EXPECT_TRUE(m.ok()) << m.status().to_string();
    out.push_back(*m);
    if (cluster_ids != nullptr) cluster_ids->emplace_back(m->cluster_id);
  }
  return out;
}

TEST(StoryStreamTest, OptionsAreValidated) {
  StoryModeOptions o = options(false);
  o.story.threshold = 1.5;
  EXPECT_FALSE(StoryStream::create(o).ok());
  EXPECT_FALSE(BatchStoryClusterer::create(o).ok());
  o = options(false);
  o.features.language = "klingon";
  EXPECT_FALSE(StoryStream::create(o).ok());
}

TEST(StoryStreamTest, FirstReportFoundsLaterReportsJoinAndGetItsId) {
  Result<StoryStream> s = StoryStream::create(options(false));
  ASSERT_TRUE(s.ok()) << s.status().to_string();
  std::vector<std::string> ids;
  const std::vector<StoryMatch> m = stream_all(
      *s, {{"a", kQuake, {}}, {"b", kBank, {}}, {"c", kQuake2, {}}, {"d", kBank, {}}}, &ids);
  EXPECT_TRUE(m[0].founder);
  EXPECT_EQ(m[0].cluster, 0u);
  EXPECT_EQ(m[0].similarity, 1.0f);
  EXPECT_TRUE(m[1].founder);
  EXPECT_EQ(m[1].cluster, 1u);
  EXPECT_FALSE(m[2].founder);
  EXPECT_EQ(m[2].cluster, 0u);
  EXPECT_GT(m[2].similarity, 0.3f);
  EXPECT_LT(m[2].similarity, 1.0f);
  EXPECT_FALSE(m[3].founder);
  EXPECT_EQ(m[3].cluster, 1u);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b", "a", "b"}));
  EXPECT_EQ(s->stats().documents, 4u);
  EXPECT_EQ(s->stats().clusters, 2u);
  EXPECT_EQ(s->open_clusters(), 2u);
  EXPECT_EQ(s->document_frequencies().documents(), 4u);
}

TEST(StoryStreamTest, TheWindowClosesAStoryAndALaterReportFoundsANewOne) {
  StoryModeOptions o = options(true);
  o.story.window_seconds = 10;
  Result<StoryStream> s = StoryStream::create(o);
  ASSERT_TRUE(s.ok());
  std::vector<std::string> ids;
  const std::vector<StoryMatch> m = stream_all(
      *s, {{"a", kQuake, 0.0}, {"b", kQuake2, 5.0}, {"c", kQuake, 100.0}, {"d", kQuake2, 104.0}},
      &ids);
  EXPECT_EQ(m[1].cluster, 0u);  // 5 s after the first report: joins
  EXPECT_TRUE(m[2].founder);    // 95 s after the story's newest report: it is closed
  EXPECT_EQ(m[2].cluster, 2u);
  EXPECT_EQ(m[3].cluster, 2u);
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "a", "c", "c"}));
  EXPECT_EQ(s->open_clusters(), 1u);
}

TEST(StoryStreamTest, MissingTimesTakeThePreviousDocumentsAndAreCounted) {
  StoryModeOptions o = options(true);
  o.story.window_seconds = 10;
  Result<StoryStream> s = StoryStream::create(o);
  ASSERT_TRUE(s.ok());
  // "b" has no time: it is placed at 100 (the time of "x"), so the quake story (newest report
  // at 0) is closed for it.
  const std::vector<StoryMatch> m =
      stream_all(*s, {{"a", kQuake, 0.0}, {"x", kBank, 100.0}, {"b", kQuake2, std::nullopt}});
  EXPECT_TRUE(m[2].founder);
  EXPECT_EQ(s->stats().without_time, 1u);
  // Without `timed`, times are ignored: nothing closes and nothing is counted.
  Result<StoryStream> untimed = StoryStream::create(options(false));
  ASSERT_TRUE(untimed.ok());
  const std::vector<StoryMatch> u =
      stream_all(*untimed, {{"a", kQuake, 0.0}, {"x", kBank, 100.0}, {"b", kQuake2, std::nullopt}});
  EXPECT_EQ(u[2].cluster, 0u);
  EXPECT_EQ(untimed->stats().without_time, 0u);
}

TEST(StoryStreamTest, StatsCountTitlesAndDocumentsWithoutFeatures) {
  Result<StoryStream> s = StoryStream::create(options(false));
  ASSERT_TRUE(s.ok());
  StoryStream::Scratch scratch;
  PreparedStory p;
  s->prepare({kQuake, "Quake", {}}, p, scratch);
  EXPECT_TRUE(p.titled);
  ASSERT_TRUE(s->add(p, "a").ok());
  s->prepare({"", "", {}}, p, scratch);
  EXPECT_TRUE(p.terms.empty());
  ASSERT_TRUE(s->add(p, "b").ok());
  EXPECT_EQ(s->stats().with_title, 1u);
  EXPECT_EQ(s->stats().without_features, 1u);
}

TEST(StoryStreamTest, AStartingModelWeighsTheFirstDocuments) {
  // A model in which "earthquake" is everywhere (idf ~1) and the rest never seen.
  StoryModeOptions o = options(false);
  Result<StoryFeaturizer> f = StoryFeaturizer::create(o.features);
  ASSERT_TRUE(f.ok());
  std::vector<StoryTerm> terms;
  f->extract("earthquake", "", terms);
  DocumentFrequencies model;
  for (int i = 0; i < 100; ++i) model.add(terms);
  Result<StoryStream> s = StoryStream::create(o, model);
  ASSERT_TRUE(s.ok());
  stream_all(*s, {{"a", kQuake, {}}});
  EXPECT_EQ(s->document_frequencies().documents(), 101u);
  EXPECT_EQ(s->document_frequencies().frequency(terms[0].term), 101u);
}

// Topics of a few shared words each, reworded per report.
std::vector<std::string> corpus() {
  const std::vector<std::string> topics = {
      "earthquake tsunami coastal city warning residents evacuate",
      "central bank interest rates inflation investors markets",
      "football championship final goal striker stadium fans",
      "election candidate votes ballot campaign polls debate"};
  std::vector<std::string> texts;
  for (int i = 0; i < 60; ++i) {
    const std::string& t = topics[static_cast<std::size_t>(i) % topics.size()];
    texts.push_back(t + " report" + std::to_string(i) + " detail" + std::to_string(i % 7));
  }
  return texts;
}

TEST(BatchStoryClustererTest, GivesTheAssignmentsOfClusterStories) {
  StoryModeOptions o = options(true);
  const std::vector<std::string> texts = corpus();
  Result<BatchStoryClusterer> c = BatchStoryClusterer::create(o);
  ASSERT_TRUE(c.ok());
  BatchStoryClusterer::Scratch scratch;
  PreparedStory p;
  Result<StoryFeaturizer> f = StoryFeaturizer::create(o.features);
  ASSERT_TRUE(f.ok());
  std::vector<std::vector<StoryTerm>> features(texts.size());
  std::vector<double> times;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    // Times run backwards, with one missing (placed at its predecessor's time).
    const std::optional<double> t =
        i == 7 ? std::nullopt : std::optional<double>(1000.0 - static_cast<double>(i));
    c->prepare({texts[i], "", t}, p, scratch);
    EXPECT_EQ(c->add(p), i);
    f->extract(texts[i], "", features[i]);
    times.push_back(t ? *t : times.back());
  }
  Result<std::vector<Assignment>> got = c->finish();
  ASSERT_TRUE(got.ok()) << got.status().to_string();
  Result<std::vector<StoryAssignment>> want = cluster_stories(features, times, o.story);
  ASSERT_TRUE(want.ok());
  ASSERT_EQ(got->size(), want->size());
  uint64_t clusters = 0;
  for (std::size_t i = 0; i < got->size(); ++i) {
    EXPECT_EQ((*got)[i].cluster, (*want)[i].cluster) << i;
    EXPECT_EQ((*got)[i].representative, (*want)[i].cluster) << i;
    EXPECT_EQ(static_cast<float>((*got)[i].similarity), (*want)[i].similarity) << i;
    clusters += (*got)[i].cluster == i ? 1u : 0u;
  }
  EXPECT_EQ(c->stats().clusters, clusters);
  EXPECT_LT(clusters, texts.size());  // the reports of a topic were grouped
  EXPECT_EQ(c->stats().without_time, 1u);
}

TEST(StoryStreamTest, SameAssignmentsWhenPreparedOnOneOrTwoThreads) {
  const std::vector<std::string> texts = corpus();
  const auto prepare_all = [&](const auto& clusterer, unsigned threads) {
    std::vector<PreparedStory> prepared(texts.size());
    std::vector<StoryScratch> scratch(threads);
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (std::size_t i = t; i < texts.size(); i += threads) {
          clusterer.prepare({texts[i], "", static_cast<double>(i)}, prepared[i], scratch[t]);
        }
      });
    }
    for (auto& th : pool) th.join();
    return prepared;
  };
  const auto stream = [&](unsigned threads) {
    Result<StoryStream> s = StoryStream::create(options(true));
    EXPECT_TRUE(s.ok());
    std::vector<uint32_t> clusters;
    for (const PreparedStory& p : prepare_all(*s, threads)) {
      clusters.push_back(s->add(p, "id")->cluster);
    }
    return clusters;
  };
  const auto batch = [&](unsigned threads) {
    Result<BatchStoryClusterer> c = BatchStoryClusterer::create(options(true));
    EXPECT_TRUE(c.ok());
    for (PreparedStory& p : prepare_all(*c, threads)) c->add(p);
    const Result<std::vector<Assignment>> assigned = c->finish();
    EXPECT_TRUE(assigned.ok());
    std::vector<uint32_t> clusters;
    for (const Assignment& a : *assigned) clusters.push_back(a.cluster);
    return clusters;
  };
  EXPECT_EQ(stream(1), stream(2));
  EXPECT_EQ(batch(1), batch(2));
  const std::vector<uint32_t> s1 = stream(1);
  EXPECT_NE(std::count(s1.begin(), s1.end(), 0u), 1);  // some reports joined the first story
}

}  // namespace
}  // namespace neardup
