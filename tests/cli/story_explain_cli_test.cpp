// Story mode's second step through the real binary: --explain (why a report is in its
// cluster), the latent layer (--latent-rank, --latent-weight) and cross-language stories
// (--translate freedict, skipped when Debian's FreeDict dictionaries are not installed).
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

const char* const kReports[][2] = {
    {"v1",
     "A volcano erupted on Iceland's Reykjanes peninsula late on Monday, sending lava fountains "
     "into the night sky near the fishing town of Grindavik, whose 4,000 residents had already "
     "been evacuated."},
    {"m1",
     "Nordwind Airlines agreed to buy rival Baltic Air for $2.1 billion in cash, creating the "
     "largest low-cost carrier in northern Europe, the companies said on Tuesday."},
    {"v2",
     "Lava poured from a fissure on the Reykjanes peninsula in southwest Iceland after a "
     "volcanic eruption began on Monday evening. Authorities said the town of Grindavik, home "
     "to about 4000 people, was evacuated weeks ago."},
    {"x1",
     "The city council approved a new budget for public libraries and parks, with more money "
     "for reading programmes for children."},
    {"m2",
     "Low-cost carrier Nordwind will acquire Baltic Air in a deal worth 2.1 billion dollars, "
     "the two airlines announced. Regulators in Brussels are expected to review the takeover."},
};

fs::path write_reports(const fs::path& dir) {
  std::string s;
  for (const auto& r : kReports) s += jsonl_record(r[0], r[1]);
  write_file(dir / "reports.jsonl", s);
  return dir / "reports.jsonl";
}

// The "explain" object of a record (its raw JSON text), or "" when there is none.
std::string explain_of(const std::string& line) {
  const std::size_t at = line.find("\"explain\":{");
  if (at == std::string::npos) return "";
  return line.substr(at + 10, line.find('}', at) - at - 9);
}

TEST(StoryExplainCliTest, ExplainNamesTheSharedTermsOfEachReport) {
  const fs::path in = write_reports(temp_dir("story_explain"));
  RunResult plain = run_cli("cluster --quiet --mode story " + quote(in));
  RunResult r = run_cli("cluster --quiet --mode story --explain " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out), plain_lines = lines_of(plain.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  ASSERT_EQ(plain_lines.size(), 5u);
  std::map<std::string, std::string> explain;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    // The same clustering; only the "explain" member is new.
    EXPECT_EQ(field_of(lines[i], "cluster"), field_of(plain_lines[i], "cluster")) << lines[i];
    explain[field_of(lines[i], "id")] = explain_of(lines[i]);
  }
  // Every record has one; the reports of a story name the words, places and amounts they
  // share, the report alone in its cluster names none. Without --latent-rank, no latent score.
  EXPECT_NE(explain["v2"].find("\"grindavik\""), std::string::npos) << explain["v2"];
  EXPECT_NE(explain["v2"].find("\"lava\""), std::string::npos) << explain["v2"];
  EXPECT_NE(explain["m2"].find("\"carrier\""), std::string::npos) << explain["m2"];
  EXPECT_NE(explain["m2"].find("\"2100000000\""), std::string::npos) << explain["m2"];
  EXPECT_EQ(explain["x1"], "{\"terms\":[]}");
  for (const auto& [id, e] : explain) EXPECT_EQ(e.find("latent"), std::string::npos) << id;
  // With the latent layer: a latent cosine for the reports in a cluster of two or more.
  RunResult lat = run_cli("cluster --quiet --mode story --explain --latent-rank 3 " + quote(in));
  ASSERT_EQ(lat.exit_code, 0) << lat.err;
  for (const std::string& line : lines_of(lat.out)) {
    const std::string id = field_of(line, "id");
    if (id == "x1") continue;
    EXPECT_NE(explain_of(line).find("\"latent\":"), std::string::npos) << line;
  }
  // Not with --stream (it has no final clusters).
  RunResult stream = run_cli("cluster --quiet --mode story --explain --stream " + quote(in));
  EXPECT_EQ(stream.exit_code, 2);
  EXPECT_NE(stream.err.find("--explain"), std::string::npos) << stream.err;
}

TEST(StoryExplainCliTest, LatentLayerIsDeterministicOnAnyThreadCountAndChecksItsFlags) {
  const fs::path in = write_reports(temp_dir("story_latent_cli"));
  RunResult one = run_cli("cluster --quiet --threads 1 --mode story --latent-rank 3 " + quote(in));
  RunResult two = run_cli("cluster --quiet --threads 2 --mode story --latent-rank 3 " + quote(in));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, two.out);
  std::map<std::string, std::string> cluster;
  for (const std::string& line : lines_of(one.out))
    cluster[field_of(line, "id")] = field_of(line, "cluster");
  EXPECT_EQ(cluster["v2"], "v1");
  EXPECT_EQ(cluster["m2"], "m1");
  EXPECT_EQ(cluster["x1"], "x1");
  // Weight 0 is the lexical run.
  RunResult zero =
      run_cli("cluster --quiet --mode story --latent-rank 3 --latent-weight 0 " + quote(in));
  RunResult off = run_cli("cluster --quiet --mode story " + quote(in));
  EXPECT_EQ(zero.out, off.out);
  for (const char* bad :
       {"--latent-weight 1.5", "--latent-rank 5000", "--latent-rank 3 --stream"}) {
    RunResult r = run_cli(std::string("cluster --quiet --mode story ") + bad + " " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("latent"), std::string::npos) << bad << ": " << r.err;
  }
}

TEST(StoryExplainCliTest, TranslateNeedsAKnownValue) {
  const fs::path in = write_reports(temp_dir("story_translate_bad"));
  RunResult r = run_cli("cluster --quiet --mode story --translate klingon " + quote(in));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--translate must be none or freedict"), std::string::npos) << r.err;
  // No dictionary where it is looked for: a clear usage error, not an empty table.
  const fs::path empty = temp_dir("story_translate_nodict");
  RunResult none = run_program(
      "env", "NEARDUP_FREEDICT_DIR=" + quote(empty) + " " + quote(std::string(NEARDUP_CLI_PATH)) +
                 " cluster --quiet --mode story --translate freedict " + quote(in));
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no FreeDict dictionary"), std::string::npos) << none.err;
}

// The bundled sample plus its French and Spanish rewrites, clustered in time order with
// --translate freedict: the German (n032), French (n066) and Spanish (n067) rewrites join their
// English stories, and no cluster mixes stories. Without translation they stay alone.
TEST(StoryExplainCliTest, TranslatedReportsJoinTheirStoryWithoutFalseJoins) {
  if (!fs::exists("/usr/share/dictd/freedict-deu-eng.dict.dz") ||
      !fs::exists("/usr/share/dictd/freedict-fra-eng.dict.dz") ||
      !fs::exists("/usr/share/dictd/freedict-spa-eng.dict.dz")) {
    GTEST_SKIP() << "dict-freedict-deu-eng, -fra-eng and -spa-eng are not all installed";
  }
  const fs::path dir = temp_dir("story_translate");
  const fs::path news = source_dir() / "datasets" / "news";
  write_file(dir / "all.jsonl",
             read_file(news / "sample.jsonl") + read_file(news / "rewrites-fr-es.jsonl"));
  std::map<std::string, std::string> gold;
  for (const fs::path& g : {news / "gold.jsonl", news / "rewrites-fr-es.gold.jsonl"}) {
    for (const std::string& line : lines_of(read_file(g))) {
      gold[field_of(line, "id", ": ")] = field_of(line, "story", ": ");
    }
  }
  const auto run = [&](const std::string& flags) {
    return run_program("env", "NEARDUP_CACHE_DIR=" + quote(dir / "cache") + " " +
                                  quote(std::string(NEARDUP_CLI_PATH)) +
                                  " cluster --quiet --mode story --time-field time " + flags + " " +
                                  quote(dir / "all.jsonl"));
  };
  const auto clusters = [&](const RunResult& r) {
    std::map<std::string, std::string> cluster;
    std::map<std::string, std::set<std::string>> stories_of;
    for (const std::string& line : lines_of(r.out)) {
      const std::string id = field_of(line, "id"), c = field_of(line, "cluster");
      cluster[id] = c;
      stories_of[c].insert(gold.at(id));
    }
    EXPECT_EQ(cluster.size(), gold.size());
    for (const auto& [c, stories] : stories_of) EXPECT_EQ(stories.size(), 1u) << "cluster " << c;
    return cluster;
  };
  RunResult r = run("--translate freedict");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // The tables were converted on first use and cached; the second run reads them.
  EXPECT_TRUE(fs::exists(dir / "cache" / "freedict-deu-eng.ndxlt"));
  EXPECT_TRUE(fs::exists(dir / "cache" / "freedict-spa-eng.ndxlt"));
  RunResult again = run("--translate freedict");
  EXPECT_EQ(again.out, r.out);
  auto cluster = clusters(r);
  EXPECT_EQ(cluster["n032"], cluster["n030"]) << "the German rewrite joins kestrel-results";
  EXPECT_EQ(cluster["n066"], cluster["n009"]) << "the French rewrite joins port-strike";
  EXPECT_EQ(cluster["n067"], cluster["n001"]) << "the Spanish rewrite joins kestrel-plant";
  // Without translation each stays alone (and the clusters are as pure).
  cluster = clusters(run(""));
  for (const char* id : {"n032", "n066", "n067"}) EXPECT_EQ(cluster[id], id);
}

// The bundled sample without times: without the event rule the quarterly results of Kestrel Motors
// join the report of its battery plant opening (same company, town and plant words). With
// --event-amounts the two events' figures (310 million and 4.8 billion against 1.2 billion and
// 2,400 jobs) keep them apart, and every cluster is pure.
TEST(StoryExplainCliTest, EventAmountsKeepTwoEventsOfOneCompanyApartWithoutTimes) {
  const fs::path news = source_dir() / "datasets" / "news";
  std::map<std::string, std::string> gold;
  for (const std::string& line : lines_of(read_file(news / "gold.jsonl"))) {
    gold[field_of(line, "id", ": ")] = field_of(line, "story", ": ");
  }
  const auto mixed_clusters = [&](const std::string& flags) {
    RunResult r =
        run_cli("cluster --quiet --mode story " + flags + " " + quote(news / "sample.jsonl"));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::set<std::string>> stories_of;
    for (const std::string& line : lines_of(r.out)) {
      stories_of[field_of(line, "cluster")].insert(gold.at(field_of(line, "id")));
    }
    int mixed = 0;
    for (const auto& [c, stories] : stories_of) mixed += stories.size() > 1 ? 1 : 0;
    return mixed;
  };
  EXPECT_GE(mixed_clusters("--events off"), 1) << "the case this option exists for";
  EXPECT_EQ(mixed_clusters("--event-amounts"), 0);
}

}  // namespace
}  // namespace neardup::testing
