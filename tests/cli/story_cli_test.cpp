// End-to-end tests of story mode through the real binary: `neardup cluster --mode story`,
// `neardup idf build` and `neardup pairs`; ctest runs `neardup` and checks exit codes, the JSONL
// records and the stderr summary.
//
// The time and duration parsers (parse_time_value, parse_duration in neardup/advanced/
// story_time.h) have unit tests in tests/unit/story_time_test.cpp; here they are tested through
// their effect: --time-field decides the order of the documents (a cluster is named by its
// earliest report) and, with --window, which reports are close enough in time to join.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "neardup/advanced/document_frequencies.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// Two stories, three rewritten reports each, and one unrelated item.
struct Report {
  const char* id;
  int story;
  const char* text;
};
const std::vector<Report> kReports = {
    {"v1", 0,
     "A volcano erupted on Iceland's Reykjanes peninsula late on Monday, sending lava fountains "
     "into the night sky near the fishing town of Grindavik, whose 4,000 residents had already "
     "been evacuated."},
    {"m1", 1,
     "Nordwind Airlines agreed to buy rival Baltic Air for $2.1 billion in cash, creating the "
     "largest low-cost carrier in northern Europe, the companies said on Tuesday."},
    {"v2", 0,
     "Lava poured from a fissure on the Reykjanes peninsula in southwest Iceland after a "
     "volcanic eruption began on Monday evening. Authorities said the town of Grindavik, home "
     "to about 4000 people, was evacuated weeks ago."},
    {"x1", 2,
     "The city council approved a new budget for public libraries and parks, with more money "
     "for reading programmes for children."},
    {"m2", 1,
     "Low-cost carrier Nordwind will acquire Baltic Air in a deal worth 2.1 billion dollars, "
     "the two airlines announced. Regulators in Brussels are expected to review the takeover."},
    {"v3", 0,
     "Grindavik evacuated as Reykjanes volcano erupts: lava spews from a long fissure in "
     "Iceland, but flights at Keflavik airport were not disrupted."},
    {"m3", 1,
     "Nordwind's $2.1 billion acquisition of Baltic Air will face scrutiny from European "
     "competition regulators, analysts said, as the merged carrier dominates Baltic routes."},
};

fs::path write_reports(const fs::path& dir) {
  std::string s;
  for (const Report& r : kReports) s += jsonl_record(r.id, r.text);
  write_file(dir / "reports.jsonl", s);
  return dir / "reports.jsonl";
}

// Checks one output line per report, in input order, and returns id -> cluster.
std::map<std::string, std::string> check_records(const std::string& out) {
  const auto lines = lines_of(out);
  EXPECT_EQ(lines.size(), kReports.size()) << out;
  std::map<std::string, std::string> cluster;
  for (std::size_t i = 0; i < lines.size() && i < kReports.size(); ++i) {
    const std::string& line = lines[i];
    EXPECT_EQ(field_of(line, "id"), kReports[i].id) << line;
    const std::string c = field_of(line, "cluster");
    cluster[kReports[i].id] = c;
    if (c == kReports[i].id) {
      // The cluster's first report: no duplicate_of, no similarity.
      EXPECT_EQ(line, "{\"id\":\"" + c + "\",\"cluster\":\"" + c + "\"}");
    } else {
      EXPECT_EQ(field_of(line, "duplicate_of"), c) << line;
      const double s = similarity_of(line);
      EXPECT_GT(s, 0.0) << line;
      EXPECT_LE(s, 1.0) << line;
    }
  }
  return cluster;
}

void expect_story_grouping(const std::map<std::string, std::string>& cluster) {
  ASSERT_EQ(cluster.size(), kReports.size());
  for (const Report& a : kReports) {
    for (const Report& b : kReports) {
      EXPECT_EQ(cluster.at(a.id) == cluster.at(b.id), a.story == b.story) << a.id << " " << b.id;
    }
  }
}

TEST(StoryCliTest, ClustersRewrittenReportsOneRecordPerInputInInputOrder) {
  const fs::path in = write_reports(temp_dir("story_cli_basic"));
  RunResult r = run_cli("cluster --mode story " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cluster = check_records(r.out);
  expect_story_grouping(cluster);
  // Without times a cluster is named by its first report in the input.
  EXPECT_EQ(cluster.at("v3"), "v1");
  EXPECT_EQ(cluster.at("m3"), "m1");
  EXPECT_EQ(cluster.at("x1"), "x1");
  EXPECT_NE(r.err.find("3 clusters of 7 documents"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("threshold auto"), std::string::npos) << r.err;
  // --quiet: the same records, nothing on stderr; any thread count gives the same output.
  RunResult quiet = run_cli("cluster --quiet --threads 1 --mode story " + quote(in));
  ASSERT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.out, r.out);
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
  RunResult three = run_cli("cluster --quiet --threads 3 --mode story " + quote(in));
  EXPECT_EQ(three.out, r.out);
  // Single pass groups these reports the same way.
  RunResult single = run_cli("cluster --quiet --mode story --single-pass " + quote(in));
  ASSERT_EQ(single.exit_code, 0) << single.err;
  expect_story_grouping(check_records(single.out));
  // Reading from stdin gives the same result.
  RunResult piped = run_cli("cluster --quiet --mode story -", in.string());
  EXPECT_EQ(piped.out, r.out);
}

TEST(StoryCliTest, ThresholdIsANumberInTheOpenUnitIntervalOrAuto) {
  const fs::path in = write_reports(temp_dir("story_cli_threshold"));
  RunResult half = run_cli("cluster --quiet --mode story --threshold 0.5 " + quote(in));
  ASSERT_EQ(half.exit_code, 0) << half.err;
  EXPECT_EQ(lines_of(half.out).size(), kReports.size());
  // A fixed threshold replaces the calibrated one: reports of one story that clear the
  // calibrated threshold (about 0.1-0.2 at this length) fall apart at 0.95.
  RunResult strict = run_cli("cluster --mode story --threshold 0.95 " + quote(in));
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  const auto cluster = check_records(strict.out);
  for (const auto& [id, c] : cluster) EXPECT_EQ(id, c);
  EXPECT_NE(strict.err.find("threshold 0.95"), std::string::npos) << strict.err;
  RunResult automatic = run_cli("cluster --quiet --mode story --threshold auto " + quote(in));
  ASSERT_EQ(automatic.exit_code, 0) << automatic.err;
  EXPECT_EQ(automatic.out, run_cli("cluster --quiet --mode story " + quote(in)).out);

  for (const char* bad : {"2", "abc", "0", "1", "-0.1", "0.5x", "nan"}) {
    RunResult r =
        run_cli("cluster --mode story --threshold '" + std::string(bad) + "' " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << bad << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << bad;
    ASSERT_EQ(lines_of(r.err).size(), 1u) << bad << ": " << r.err;
    EXPECT_EQ(r.err.rfind("neardup: cluster: ", 0), 0u) << r.err;
  }
  EXPECT_NE(run_cli("cluster --mode story --threshold abc " + quote(in)).err.find("'abc'"),
            std::string::npos);
}

TEST(StoryCliTest, OtherUsageErrorsExitTwoWithOneLine) {
  const fs::path in = write_reports(temp_dir("story_cli_usage"));
  for (const char* flags :
       {"--window 3d",  // needs --time-field
        "--time-field time --window 3x", "--time-field time --window abc",
        "--time-field time --window -1d", "--time-field time --window 3dd",
        "--time-field time --window 'inf'",
        "--time-field time --window 3600",  // a bare number: no unit (issue 15, item 12b)
        "--language klingon", "--representative longest"}) {
    RunResult r = run_cli("cluster --mode story " + std::string(flags) + " " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << flags;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << flags << ": " << r.err;
  }
  EXPECT_NE(run_cli("cluster --mode story --window 3d " + quote(in)).err.find("--time-field"),
            std::string::npos);
  EXPECT_NE(run_cli("cluster --mode story --time-field t --window 3x " + quote(in)).err.find("3x"),
            std::string::npos);
  // Every documented unit is accepted, and 0 (never) needs none. The reports get times: a
  // --time-field that no record has is a usage error (issue 15, item 12c).
  std::string timed;
  for (std::size_t i = 0; i < kReports.size(); ++i) {
    timed += "{\"id\":" + json_string(kReports[i].id) + ",\"time\":" + std::to_string(i) +
             ",\"text\":" + json_string(kReports[i].text) + "}\n";
  }
  write_file(in.parent_path() / "timed.jsonl", timed);
  for (const char* window : {"3d", "12h", "90m", "90min", "3600s", "1w", "0.5d", "0"}) {
    RunResult r = run_cli("cluster --quiet --mode story --time-field time --window " +
                          std::string(window) + " " + quote(in.parent_path() / "timed.jsonl"));
    EXPECT_EQ(r.exit_code, 0) << window << ": " << r.err;
    EXPECT_EQ(lines_of(r.out).size(), kReports.size()) << window;
  }
}

// Identical texts, so only time separates them.
const char* const kSameText =
    "Lava erupts from a fissure near Grindavik on the Reykjanes peninsula in Iceland";

std::string timed_record(const std::string& id, const std::string& time_json) {
  std::string s = "{\"id\":" + json_string(id) + ",\"text\":" + json_string(kSameText);
  if (!time_json.empty()) s += ",\"time\":" + time_json;
  return s + "}\n";
}

TEST(StoryCliTest, TimeFieldOrdersTheDocumentsInUnixSecondsMillisecondsOrIso8601) {
  const fs::path dir = temp_dir("story_cli_time_order");
  // b is the earliest (2021-11-28T12:00:00Z as unix seconds, a JSON number); c is the same day
  // 13:00Z written with an offset; a and d are the next day (ISO with Z, and milliseconds).
  write_file(dir / "in.jsonl", timed_record("a", "\"2021-11-29T12:00:00Z\"") +
                                   timed_record("b", "1638100800") +
                                   timed_record("c", "\"2021-11-28T11:00:00-02:00\"") +
                                   timed_record("d", "1638187200000"));
  RunResult r = run_cli("cluster --mode story --time-field time " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u);
  // Output stays in input order; the cluster is named by its earliest report.
  EXPECT_EQ(lines[0], R"({"id":"a","cluster":"b","duplicate_of":"b","similarity":1})");
  EXPECT_EQ(lines[1], R"({"id":"b","cluster":"b"})");
  EXPECT_EQ(field_of(lines[2], "cluster"), "b");
  EXPECT_EQ(field_of(lines[3], "cluster"), "b");
  EXPECT_NE(r.err.find("0 without a usable time"), std::string::npos) << r.err;
  // Without --time-field the input order decides.
  RunResult untimed = run_cli("cluster --quiet --mode story " + quote(dir / "in.jsonl"));
  EXPECT_EQ(lines_of(untimed.out)[0], R"({"id":"a","cluster":"a"})");
}

TEST(StoryCliTest, WindowSeparatesReportsByTimeWithIsoOffsetsApplied) {
  const fs::path dir = temp_dir("story_cli_window");
  // With a 59-minute window: p, q, r are within 45 minutes of each other once their offsets
  // are applied (10:00Z, 10:30Z, 10:45Z); s is 75 minutes after r; t 30 minutes after s; u a
  // week later. A wrong or ignored offset puts q (12:30 local) or r (09:45 local) out of p's
  // window. "w" has an unusable time and "y" none: both are counted and take the time of the
  // record before them (u), so they join u.
  write_file(dir / "in.jsonl", timed_record("p", "\"2021-11-29T10:00:00Z\"") +
                                   timed_record("q", "\"2021-11-29T12:30:00+02:00\"") +
                                   timed_record("r", "\"2021-11-29T09:45:00-0100\"") +
                                   timed_record("s", "\"2021-11-29 12:00\"") +
                                   timed_record("t", "\"2021-11-29T12:30:00.250Z\"") +
                                   timed_record("u", "\"2021-12-06\"") +
                                   timed_record("w", "\"yesterday\"") + timed_record("y", ""));
  const std::map<std::string, std::string> expected = {{"p", "p"}, {"q", "p"}, {"r", "p"},
                                                       {"s", "s"}, {"t", "s"}, {"u", "u"},
                                                       {"w", "u"}, {"y", "u"}};
  for (const char* mode : {"", "--single-pass "}) {
    RunResult r = run_cli("cluster --mode story --time-field time --window 59m " +
                          std::string(mode) + quote(dir / "in.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), expected.size());
    std::map<std::string, std::string> got;
    for (const auto& line : lines) got[field_of(line, "id")] = field_of(line, "cluster");
    EXPECT_EQ(got, expected) << mode << r.out;
    EXPECT_NE(r.err.find("2 without a usable time"), std::string::npos) << r.err;
  }
  // A window of 2 hours joins p..t.
  RunResult wide = run_cli("cluster --quiet --mode story --time-field time --window 2h " +
                           quote(dir / "in.jsonl"));
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  std::set<std::string> clusters;
  for (const auto& line : lines_of(wide.out)) clusters.insert(field_of(line, "cluster"));
  EXPECT_EQ(clusters, (std::set<std::string>{"p", "u"}));
  // With --time-field the window defaults to 3 days: u, a week after t, is another story.
  RunResult by_default =
      run_cli("cluster --mode story --time-field time " + quote(dir / "in.jsonl"));
  ASSERT_EQ(by_default.exit_code, 0) << by_default.err;
  clusters.clear();
  for (const auto& line : lines_of(by_default.out)) clusters.insert(field_of(line, "cluster"));
  EXPECT_EQ(clusters, (std::set<std::string>{"p", "u"}));
  EXPECT_NE(by_default.err.find("window 72h"), std::string::npos) << by_default.err;
  // --window 0 never closes a cluster: the identical reports are one story.
  RunResult forever = run_cli("cluster --quiet --mode story --time-field time --window 0 " +
                              quote(dir / "in.jsonl"));
  ASSERT_EQ(forever.exit_code, 0) << forever.err;
  clusters.clear();
  for (const auto& line : lines_of(forever.out)) clusters.insert(field_of(line, "cluster"));
  EXPECT_EQ(clusters, (std::set<std::string>{"p"}));
}

// RSS feeds date items in RFC 2822 (<pubDate>), Reuters-21578 as "26-FEB-1987 15:01:01.79".
// With a 59-minute window: b (22:00Z once -0500 is applied), c (22:10Z from PDT), a (22:24:50Z)
// and d (23:00Z from +02:00, a day name in full) are one story; f (two-digit year, midnight of
// the 11th) comes 60 minutes after d and starts another; e is 1987. Ignoring any zone moves b,
// c or d hours away from the others.
TEST(StoryCliTest, TimeFieldReadsRfc2822AndDayMonthYearDates) {
  const fs::path dir = temp_dir("story_cli_rfc2822");
  write_file(dir / "in.jsonl",
             timed_record("a", "\"Tue, 10 Mar 2014 22:24:50 GMT\"") +
                 timed_record("b", "\"Tue, 10 Mar 2014 17:00:00 -0500\"") +
                 timed_record("c", "\"10 mar 2014 15:10 PDT\"") +
                 timed_record("d", "\"Wednesday, 11 March 2014 01:00:00 +02:00\"") +
                 timed_record("e", "\"26-FEB-1987 15:01:01.79\"") +
                 timed_record("f", "\"11-Mar-14\""));
  RunResult r =
      run_cli("cluster --mode story --time-field time --window 59m " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u);
  std::map<std::string, std::string> got;
  for (const auto& line : lines) got[field_of(line, "id")] = field_of(line, "cluster");
  const std::map<std::string, std::string> expected = {{"a", "b"}, {"b", "b"}, {"c", "b"},
                                                       {"d", "b"}, {"e", "e"}, {"f", "f"}};
  EXPECT_EQ(got, expected) << r.out;
  EXPECT_NE(r.err.find("0 without a usable time"), std::string::npos) << r.err;
}

TEST(StoryCliTest, UnusableTimesAreCountedNotFatal) {
  const fs::path dir = temp_dir("story_cli_bad_times");
  // None of these is a time: each takes the time of the record before it (the first: 0).
  std::string s;
  int i = 0;
  for (const char* t : {"\"2021-13-01\"",
                        "\"2021-11-32\"",
                        "\"2021-11-29T25:00\"",
                        "\"2021-11-29T10:61\"",
                        "\"2021-11-29T10\"",
                        "\"2021-11-29Zoo\"",
                        "\"2021-11-29T10:00+5\"",
                        "\"2021-11-29T10:00+25:00\"",
                        "\"29/11/2021\"",
                        "\"Tue, 32 Mar 2014\"",
                        "\"10 Foo 2014\"",
                        "\"10 Mar 2014 25:00\"",
                        "\"10 Mar 2014 22:00 XYZ\"",
                        "\"Tue, 10 Mar\"",
                        "\"10 Mar 2014 22:00 GMT extra\"",
                        "\"Funday, 10 Mar 2014\"",
                        "\"10 Mar 123\"",
                        "\"\"",
                        "\"nan\"",
                        "true",
                        "null",
                        "{\"s\":1}"}) {
    s += timed_record("n" + std::to_string(i++), t);
  }
  write_file(dir / "in.jsonl", s);
  RunResult r = run_cli("cluster --mode story --time-field time " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), static_cast<std::size_t>(i));
  EXPECT_NE(r.err.find(std::to_string(i) + " without a usable time"), std::string::npos) << r.err;
  // All at time 0, identical texts: one cluster named by the first.
  for (const auto& line : lines_of(r.out)) EXPECT_EQ(field_of(line, "cluster"), "n0") << line;
}

TEST(StoryCliTest, TitleFieldCountsAndIsReported) {
  const fs::path dir = temp_dir("story_cli_title");
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"title\":\"Volcano erupts near Grindavik\",\"text\":\"Lava flows "
             "toward the town.\"}\n"
             "{\"id\":\"b\",\"headline\":\"Volcano erupts near Grindavik\",\"text\":\"Lava flows "
             "toward the town.\"}\n");
  RunResult r = run_cli("cluster --mode story " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 with a title"), std::string::npos) << r.err;
  RunResult h = run_cli("cluster --mode story --title-field headline " + quote(dir / "in.jsonl"));
  ASSERT_EQ(h.exit_code, 0) << h.err;
  EXPECT_NE(h.err.find("1 with a title"), std::string::npos) << h.err;
}

TEST(StoryCliTest, IdfModelBuildThenCluster) {
  const fs::path dir = temp_dir("story_cli_idf");
  const fs::path in = write_reports(dir);
  // A background corpus for the model: the reports plus unrelated items.
  std::string corpus = testing::read_file(in);
  for (int i = 0; i < 50; ++i) {
    corpus += "{\"id\":\"bg" + std::to_string(i) + "\",\"title\":\"Weekly market report " +
              std::to_string(i) + "\",\"text\":\"Prices of wheat and corn rose in week " +
              std::to_string(i) + " while carrier rates fell.\"}\n";
  }
  write_file(dir / "corpus.jsonl", corpus);
  const fs::path model = dir / "model.idf";
  RunResult b = run_cli("idf build -o " + quote(model) + " " + quote(dir / "corpus.jsonl"));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_TRUE(b.out.empty());
  EXPECT_NE(b.err.find("57 documents"), std::string::npos) << b.err;
  ASSERT_TRUE(fs::exists(model));
  // The model's bytes do not depend on the thread count.
  RunResult b1 = run_cli("idf build --quiet --threads 1 -o " + quote(dir / "one.idf") + " " +
                         quote(dir / "corpus.jsonl"));
  ASSERT_EQ(b1.exit_code, 0) << b1.err;
  EXPECT_EQ(testing::read_file(dir / "one.idf"), testing::read_file(model));

  RunResult r = run_cli("cluster --mode story --idf-model " + quote(model) + " " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_story_grouping(check_records(r.out));
  // The model changes the weights: the similarities are not those without it.
  RunResult plain = run_cli("cluster --quiet --mode story " + quote(in));
  EXPECT_NE(r.out, plain.out);
  // pairs reads the same model.
  write_file(dir / "pairs.jsonl", "{\"text1\":\"wheat prices\",\"text2\":\"corn prices\"}\n");
  RunResult p =
      run_cli("pairs --quiet --idf-model " + quote(model) + " " + quote(dir / "pairs.jsonl"));
  ASSERT_EQ(p.exit_code, 0) << p.err;
  EXPECT_EQ(lines_of(p.out).size(), 1u);

  // Usage errors.
  RunResult no_output = run_cli("idf build " + quote(in));
  EXPECT_EQ(no_output.exit_code, 2);
  EXPECT_EQ(lines_of(no_output.err).size(), 1u) << no_output.err;
  EXPECT_EQ(run_cli("idf").exit_code, 2);
  EXPECT_EQ(run_cli("idf frobnicate").exit_code, 2);
  EXPECT_EQ(run_cli("idf build -o " + quote(dir / "x.idf")).exit_code, 2);  // no input
}

TEST(StoryCliTest, CorruptOrMissingModelIsARuntimeFailureWithAClearMessage) {
  const fs::path dir = temp_dir("story_cli_bad_model");
  const fs::path in = write_reports(dir);
  const fs::path model = dir / "model.idf";
  ASSERT_EQ(run_cli("idf build --quiet -o " + quote(model) + " " + quote(in)).exit_code, 0);
  const std::string bytes = testing::read_file(model);
  ASSERT_GT(bytes.size(), 60u);

  const auto expect_failure = [&](const fs::path& path, const std::string& what) {
    for (const char* command : {"cluster --mode story", "pairs"}) {
      RunResult r = run_cli(std::string(command) + " --idf-model " + quote(path) + " " + quote(in));
      EXPECT_EQ(r.exit_code, 1) << command << " " << what << ": " << r.err;
      EXPECT_TRUE(r.out.empty()) << command << " " << what;
      ASSERT_EQ(lines_of(r.err).size(), 1u) << command << " " << what << ": " << r.err;
      EXPECT_NE(r.err.find(path.filename().string()), std::string::npos) << r.err;
      EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
    }
  };
  write_file(dir / "truncated.idf", bytes.substr(0, bytes.size() - 5));
  expect_failure(dir / "truncated.idf", "truncated");
  write_file(dir / "header.idf", bytes.substr(0, 20));
  expect_failure(dir / "header.idf", "truncated: 20 bytes, the header alone is 64");
  std::string flipped = bytes;
  flipped[bytes.size() - 3] = static_cast<char>(flipped[bytes.size() - 3] ^ 0x10);
  write_file(dir / "flipped.idf", flipped);
  expect_failure(dir / "flipped.idf", "checksum");
  write_file(dir / "text.idf", "this is not a model\n");
  expect_failure(dir / "text.idf", "magic");
  expect_failure(dir / "missing.idf", "cannot open");
}

// Models written by older builds still work: format version 2 (tests/data/sample-v2.idf, the
// build before the IDF model moved to the index files' frame) and version 3
// (tests/data/sample-v3.idf, before a model could hold a latent space), both from
// datasets/news/sample.jsonl. Each holds the table this build counts from the same file
// (converted, it is byte for byte this build's model), and clustering with it gives the output
// the new model gives.
TEST(StoryCliTest, OldModelsFromOlderBuildsGiveTheSameResults) {
  const fs::path dir = temp_dir("story_cli_v2_model");
  const fs::path sample = testing::source_dir() / "datasets" / "news" / "sample.jsonl";
  const fs::path new_model = dir / "new.idf";
  RunResult b = run_cli("idf build --quiet -o " + quote(new_model) + " " + quote(sample));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  for (const char* name : {"sample-v2.idf", "sample-v3.idf"}) {
    const fs::path old_model = testing::source_dir() / "tests" / "data" / name;
    Result<DocumentFrequencies> old = DocumentFrequencies::load(old_model.string());
    ASSERT_TRUE(old.ok()) << old.status().to_string();
    EXPECT_EQ(old->latent(), nullptr);
    ASSERT_TRUE(old->save((dir / "converted.idf").string()).ok());
    EXPECT_EQ(testing::read_file(dir / "converted.idf"), testing::read_file(new_model)) << name;
    EXPECT_NE(testing::read_file(old_model), testing::read_file(new_model)) << name;

    for (const char* command : {"cluster --quiet --mode story",
                                "cluster --quiet --mode story --stream", "pairs --quiet"}) {
      const fs::path in = std::string(command).starts_with("pairs") ? dir / "pairs.jsonl" : sample;
      if (std::string(command).starts_with("pairs")) {
        write_file(in,
                   "{\"text1\":\"Kestrel recalls cars\",\"text2\":\"Kestrel recall widens\"}\n");
      }
      RunResult with_old =
          run_cli(std::string(command) + " --idf-model " + quote(old_model) + " " + quote(in));
      RunResult with_new =
          run_cli(std::string(command) + " --idf-model " + quote(new_model) + " " + quote(in));
      ASSERT_EQ(with_old.exit_code, 0) << command << ": " << with_old.err;
      ASSERT_EQ(with_new.exit_code, 0) << command << ": " << with_new.err;
      EXPECT_FALSE(with_old.out.empty());
      EXPECT_EQ(with_old.out, with_new.out) << name << ": " << command;
    }
  }
}

TEST(StoryCliTest, ModelBuiltWithOtherFeatureSettingsIsRefused) {
  const fs::path dir = temp_dir("story_cli_model_settings");
  const fs::path in = write_reports(dir);
  const fs::path model = dir / "english.idf";
  ASSERT_EQ(run_cli("idf build --quiet --language english -o " + quote(model) + " " + quote(in))
                .exit_code,
            0);
  // The same settings: accepted.
  RunResult ok = run_cli("cluster --quiet --mode story --language english --idf-model " +
                         quote(model) + " " + quote(in));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(lines_of(ok.out).size(), kReports.size());
  // Other settings (language, seed, stemming): refused with one clear line, for both commands.
  for (const char* flags :
       {"--language auto", "--language english --seed 7", "--language english --stem"}) {
    for (const char* command : {"cluster --mode story", "pairs"}) {
      RunResult r = run_cli(std::string(command) + " " + flags + " --idf-model " + quote(model) +
                            " " + quote(in));
      EXPECT_EQ(r.exit_code, 1) << command << " " << flags << ": " << r.err;
      EXPECT_TRUE(r.out.empty());
      EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
      EXPECT_NE(r.err.find("other feature settings"), std::string::npos) << r.err;
    }
  }
}

TEST(StoryCliTest, PairsAddsASimilarityToEveryRecord) {
  const fs::path dir = temp_dir("story_cli_pairs");
  const std::string v1 = kReports[0].text, v2 = kReports[2].text, m1 = kReports[1].text;
  write_file(
      dir / "pairs.jsonl",
      "{\"pair\":\"same-story\",\"text1\":" + json_string(v1) + ",\"text2\":" + json_string(v2) +
          ",\"overall\":1}\n" + "{\"pair\":\"other-story\",\"text1\":" + json_string(v1) +
          ",\"text2\":" + json_string(m1) + ",\"overall\":4}\n" +
          "{\"pair\":\"identical\",\"text1\":" + json_string(m1) + ",\"text2\":" + json_string(m1) +
          "}\n" + "{\"pair\":\"one-sided\",\"text1\":" + json_string(m1) + "}\n");
  RunResult r = run_cli("pairs " + quote(dir / "pairs.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u) << r.out;
  // Each record comes back unchanged with "similarity" appended.
  EXPECT_EQ(lines[0].rfind("{\"pair\":\"same-story\",\"text1\":", 0), 0u) << lines[0];
  EXPECT_NE(lines[0].find(",\"overall\":1,\"similarity\":"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[0].back(), '}');
  std::vector<double> s;
  for (const auto& line : lines) s.push_back(similarity_of(line));
  EXPECT_GT(s[0], 0.1);
  EXPECT_LT(s[1], 0.05);
  EXPECT_GT(s[0], 3 * s[1]);
  EXPECT_NEAR(s[2], 1.0, 1e-5);
  EXPECT_EQ(s[3], 0.0);  // a missing text has no features
  EXPECT_NE(r.err.find("4 pairs scored (1 missing a text field)"), std::string::npos) << r.err;

  // Other field names.
  write_file(dir / "ab.jsonl", "{\"a\":" + json_string(v1) + ",\"b\":" + json_string(v2) + "}\n");
  RunResult ab = run_cli("pairs --quiet --field1 a --field2 b " + quote(dir / "ab.jsonl"));
  ASSERT_EQ(ab.exit_code, 0) << ab.err;
  EXPECT_GT(similarity_of(lines_of(ab.out).at(0)), 0.1);
  EXPECT_TRUE(ab.err.empty());
  // Exactly one input.
  EXPECT_EQ(run_cli("pairs").exit_code, 2);
  EXPECT_EQ(run_cli("pairs " + quote(dir / "ab.jsonl") + " " + quote(dir / "ab.jsonl")).exit_code,
            2);
  // A line that is not JSON is an error naming file and line.
  write_file(dir / "broken.jsonl", "{\"text1\":\"a b\",\"text2\":\"c d\"}\n{\"text1\":\n");
  RunResult broken = run_cli("pairs " + quote(dir / "broken.jsonl"));
  EXPECT_EQ(broken.exit_code, 1) << broken.err;
  EXPECT_NE(broken.err.find("broken.jsonl:2"), std::string::npos) << broken.err;
}

TEST(StoryCliTest, EmptyInputGivesNoOutput) {
  const fs::path dir = temp_dir("story_cli_empty");
  write_file(dir / "empty.jsonl", "");
  write_file(dir / "blank.jsonl", "\n\n   \n");
  for (const char* name : {"empty.jsonl", "blank.jsonl"}) {
    RunResult r = run_cli("cluster --mode story " + quote(dir / name));
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    EXPECT_TRUE(r.out.empty()) << name << ": " << r.out;
    EXPECT_NE(r.err.find("0 clusters of 0 documents"), std::string::npos) << r.err;
  }
  RunResult p = run_cli("pairs " + quote(dir / "empty.jsonl"));
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_TRUE(p.out.empty());
  RunResult m =
      run_cli("idf build -o " + quote(dir / "empty.idf") + " " + quote(dir / "empty.jsonl"));
  EXPECT_EQ(m.exit_code, 0) << m.err;
  EXPECT_TRUE(fs::exists(dir / "empty.idf"));
}

TEST(StoryCliTest, MalformedRecordsStopTheRunOrAreSkippedAndCounted) {
  const fs::path dir = temp_dir("story_cli_malformed");
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"text\":\"volcano erupts near Grindavik in Iceland\"}\n"
             "{\"id\":\"b\",\"text\":\"broken\n"
             "{\"id\":\"c\",\"text\":\"Grindavik volcano eruption in Iceland\"}\n"
             "[1, 2, 3]\n"
             "{\"id\":\"d\",\"body\":\"no text field\"}\n");
  RunResult strict = run_cli("cluster --mode story " + quote(dir / "in.jsonl"));
  EXPECT_EQ(strict.exit_code, 1) << strict.err;
  EXPECT_TRUE(strict.out.empty()) << strict.out;
  EXPECT_NE(strict.err.find("in.jsonl:2"), std::string::npos) << strict.err;

  RunResult skip = run_cli("cluster --mode story --skip-bad " + quote(dir / "in.jsonl"));
  ASSERT_EQ(skip.exit_code, 0) << skip.err;
  const auto lines = lines_of(skip.out);
  ASSERT_EQ(lines.size(), 2u) << skip.out;
  EXPECT_EQ(lines[0], R"({"id":"a","cluster":"a"})");
  EXPECT_EQ(field_of(lines[1], "id"), "c");
  EXPECT_EQ(field_of(lines[1], "cluster"), "a");
  EXPECT_NE(skip.err.find("skipped 3 malformed records"), std::string::npos) << skip.err;
  EXPECT_NE(skip.err.find("of 2 documents"), std::string::npos) << skip.err;
}

TEST(StoryCliTest, StreamWritesOneRecordPerInputInInputOrder) {
  const fs::path in = write_reports(temp_dir("story_cli_stream"));
  RunResult r = run_cli("cluster --mode story --stream " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto cluster = check_records(r.out);
  // Clusters are named by their first report in input order, and no cluster spans stories.
  for (const Report& a : kReports) {
    const std::string& c = cluster.at(a.id);
    bool found = false;
    for (const Report& b : kReports) {
      if (b.id == c) {
        EXPECT_EQ(b.story, a.story) << a.id << " in " << c;
        found = true;
        break;
      }
      if (b.id == std::string(a.id)) break;  // the name comes before (or is) the report
    }
    EXPECT_TRUE(found) << a.id << " named " << c;
  }
}

// `tail -f feed.jsonl | neardup cluster --mode story --stream -`: each document's record comes
// out while the input is still open, not when a batch of 2048 is full or the input ends.
TEST(StoryCliTest, StreamFromALivePipeWritesEachRecordBeforeTheInputEnds) {
  // Generous: only a machine that is very busy needs more than a few milliseconds.
  constexpr std::chrono::seconds kPatience(20);
  const fs::path err = temp_dir("story_cli_live") / "err";
  LiveProcess cli(NEARDUP_CLI_PATH, {"cluster", "--mode", "story", "--stream", "-"}, err);
  ASSERT_TRUE(cli.started());

  ASSERT_TRUE(cli.write(jsonl_record(kReports[0].id, kReports[0].text)));  // v1
  std::optional<std::string> first = cli.read_line(kPatience);
  ASSERT_TRUE(first.has_value()) << "no record for the first document within 20 s while stdin "
                                    "is open; stderr: "
                                 << testing::read_file(err);
  EXPECT_EQ(*first, R"({"id":"v1","cluster":"v1"})");

  ASSERT_TRUE(cli.write(jsonl_record(kReports[2].id, kReports[2].text)));  // v2, the same story
  std::optional<std::string> second = cli.read_line(kPatience);
  ASSERT_TRUE(second.has_value()) << "no record for the second document within 20 s; stderr: "
                                  << testing::read_file(err);
  EXPECT_EQ(field_of(*second, "id"), "v2") << *second;
  EXPECT_EQ(field_of(*second, "cluster"), "v1") << *second;
  EXPECT_EQ(field_of(*second, "duplicate_of"), "v1") << *second;
  EXPECT_GT(similarity_of(*second), 0.0) << *second;

  cli.close_stdin();
  EXPECT_EQ(cli.read_line(kPatience), std::nullopt);  // the end of the output, nothing more
  EXPECT_EQ(cli.wait(kPatience), 0) << testing::read_file(err);
  EXPECT_NE(testing::read_file(err).find("1 clusters of 2 documents"), std::string::npos)
      << testing::read_file(err);
}

}  // namespace
}  // namespace neardup::testing
