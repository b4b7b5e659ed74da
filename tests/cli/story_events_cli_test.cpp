// Story mode's event rule through the real binary (--events, --no-event-dates): the bundled
// sample's stories without times, the seeds' story among other events of its company and
// district (datasets/news/seeds-hard-cases.jsonl; the seeds are ../shared data, the test skips
// cleanly without them), --explain naming the particulars a report shares with its cluster, and
// the flags' errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

fs::path news_dir() { return source_dir() / "datasets" / "news"; }

std::map<std::string, std::string> sample_gold() {
  std::map<std::string, std::string> gold;
  for (const std::string& line : lines_of(read_file(news_dir() / "gold.jsonl"))) {
    gold[field_of(line, "id", ": ")] = field_of(line, "story", ": ");
  }
  return gold;
}

// id -> cluster of a story run.
std::map<std::string, std::string> cluster_ids(const fs::path& in, const std::string& flags) {
  RunResult r = run_cli("cluster --quiet --mode story " + flags + " " + quote(in));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> out;
  for (const std::string& line : lines_of(r.out))
    out[field_of(line, "id")] = field_of(line, "cluster");
  return out;
}

// The clusters holding reports of more than one gold story, as "a+b" strings.
std::set<std::string> mixed(const std::map<std::string, std::string>& cluster,
                            const std::map<std::string, std::string>& gold) {
  std::map<std::string, std::set<std::string>> stories;
  for (const auto& [id, c] : cluster) {
    const auto g = gold.find(id);
    if (g != gold.end()) stories[c].insert(g->second);
  }
  std::set<std::string> out;
  for (const auto& [c, s] : stories) {
    if (s.size() < 2) continue;
    std::string joined;
    for (const std::string& x : s) joined += (joined.empty() ? "" : "+") + x;
    out.insert(joined);
  }
  return out;
}

TEST(StoryEventsCliTest, TheSampleStoriesStayApartWithoutTimes) {
  const fs::path sample = news_dir() / "sample.jsonl";
  const auto gold = sample_gold();
  EXPECT_FALSE(mixed(cluster_ids(sample, "--events off"), gold).empty())
      << "the case the rule is for";
  EXPECT_EQ(cluster_ids(sample, ""), cluster_ids(sample, "--events off"));  // the default
  EXPECT_EQ(mixed(cluster_ids(sample, "--events key"), gold), std::set<std::string>{});
  EXPECT_EQ(mixed(cluster_ids(sample, "--events shared"), gold), std::set<std::string>{});
}

// Amounts and dates are judged each on their own. With times, the sample's rate-rise story
// opens with a report that names a date ("2 May") and no amount, and one of its reports (n019,
// on mortgages) states an amount ("a typical 200,000 euro loan") and no date: judged in one
// pool they would conflict and n019 would leave its story; per kind nothing is compared.
TEST(StoryEventsCliTest, AmountsAndDatesAreJudgedEachOnTheirOwn) {
  const fs::path sample = news_dir() / "sample.jsonl";
  const auto key = cluster_ids(sample, "--time-field time --events key");
  EXPECT_EQ(key, cluster_ids(sample, "--time-field time --events off"));
  EXPECT_EQ(key.at("n019"), key.at("n014"));
  EXPECT_EQ(mixed(key, sample_gold()), std::set<std::string>{});
}

// The five seed reports (a carmaker's new plant: 300,000 cars a year), three reports of other
// events of the same company and district, and the bundled sample, without times: with
// --events key the seeds are one cluster of their own, even against the phone factory that
// repeats the company's "10 billion dollars" plan (--events shared lets it in), and no sample
// cluster mixes stories.
TEST(StoryEventsCliTest, TheSeedsStayOnePureClusterAmongOtherEventsWithoutTimes) {
  const auto shared = shared_datasets();
  if (!shared) GTEST_SKIP() << "../shared/datasets not present";
  const fs::path seeds = *shared / "seeds" / "seeds.jsonl";
  if (!fs::exists(seeds)) GTEST_SKIP() << seeds << " not present";
  // The seeds' records as they are (their times are not read without --time-field).
  std::string in = read_file(seeds);
  if (!in.empty() && in.back() != '\n') in += '\n';
  std::vector<std::string> seed_ids;
  for (const std::string& line : lines_of(in)) seed_ids.push_back(field_of(line, "id", ": "));
  ASSERT_EQ(seed_ids.size(), 5u);
  in += read_file(news_dir() / "seeds-hard-cases.jsonl");
  in += read_file(news_dir() / "sample.jsonl");
  const fs::path path = temp_dir("story_events_seeds") / "in.jsonl";
  write_file(path, in);
  const auto gold = sample_gold();
  const auto others_with_seeds = [&](const std::map<std::string, std::string>& cluster) {
    std::set<std::string> seed_clusters, others;
    for (const std::string& s : seed_ids) seed_clusters.insert(cluster.at(s));
    EXPECT_EQ(seed_clusters.size(), 1u) << "the seeds are one cluster";
    for (const auto& [id, c] : cluster) {
      if (seed_clusters.count(c) != 0 && id.rfind("seed-", 0) != 0) others.insert(id);
    }
    return others;
  };
  EXPECT_EQ(others_with_seeds(cluster_ids(path, "--events off")),
            (std::set<std::string>{"hard-1", "hard-2", "hard-3"}));
  EXPECT_EQ(others_with_seeds(cluster_ids(path, "--events shared")),
            std::set<std::string>{"hard-3"});
  const auto key = cluster_ids(path, "--events key");
  EXPECT_EQ(others_with_seeds(key), std::set<std::string>{});
  EXPECT_EQ(mixed(key, gold), std::set<std::string>{});
}

TEST(StoryEventsCliTest, ExplainNamesTheSharedParticulars) {
  RunResult r = run_cli("cluster --quiet --mode story --events key --explain " +
                        quote(news_dir() / "sample.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::map<std::string, std::string> line_of;
  for (const std::string& line : lines_of(r.out)) line_of[field_of(line, "id")] = line;
  // The plant opening's reports share its 1.2 billion euros and 2,400 jobs; the chief
  // executive's departure has no figure but a date, April 30 (two reports, two spellings).
  EXPECT_NE(line_of.at("n002").find("\"events\":[\"180000000\",\"1200000000\",\"2400\""),
            std::string::npos)
      << line_of.at("n002");
  EXPECT_NE(line_of.at("n049").find("\"events\":[\"date 04-30\"]"), std::string::npos)
      << line_of.at("n049");
  EXPECT_EQ(line_of.at("n048").find("\"events\""), std::string::npos) << line_of.at("n048");
  // Without dates, the departure's reports share no particular.
  RunResult nodates = run_cli(
      "cluster --quiet --mode story --events key --no-event-dates "
      "--explain " +
      quote(news_dir() / "sample.jsonl"));
  ASSERT_EQ(nodates.exit_code, 0) << nodates.err;
  for (const std::string& line : lines_of(nodates.out)) {
    if (field_of(line, "id") == "n049") {
      EXPECT_EQ(line.find("\"events\""), std::string::npos);
    }
  }
}

TEST(StoryEventsCliTest, EventFlagsAreChecked) {
  const fs::path sample = news_dir() / "sample.jsonl";
  RunResult bad = run_cli("cluster --quiet --mode story --events sometimes " + quote(sample));
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--events must be off, shared or key"), std::string::npos) << bad.err;
  RunResult both =
      run_cli("cluster --quiet --mode story --events key --event-amounts " + quote(sample));
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("--event-amounts is --events shared"), std::string::npos) << both.err;
  // --event-amounts is --events shared: the same clusters.
  EXPECT_EQ(cluster_ids(sample, "--event-amounts"), cluster_ids(sample, "--events shared"));
  // Another mode does not take them.
  RunResult other = run_cli("cluster --quiet --mode near --events key " + quote(sample));
  EXPECT_EQ(other.exit_code, 2) << other.err;
}

}  // namespace
}  // namespace neardup::testing
