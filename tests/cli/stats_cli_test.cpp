// --stats FILE (cluster, dedup): the run's summary as one JSON object, written with --quiet
// too, only when the run succeeds, never over an input.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

TEST(StatsCli, ClusterAndDedupWriteTheSummaryAsJson) {
  const fs::path dir = temp_dir("stats_cli");
  const std::string sample = quote(source_dir() / "datasets/news/sample.jsonl");
  const fs::path stats = dir / "stats.json";
  RunResult r = run_cli("cluster -q --mode near --stats " + quote(stats) + " " + sample);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // --quiet still holds for stderr
  Record s;
  ASSERT_TRUE(parse_record(read_file(stats), s)) << read_file(stats);
  EXPECT_EQ(s["command"], "cluster");
  EXPECT_EQ(s["mode"], "near");
  EXPECT_EQ(s["documents"], "65");
  EXPECT_EQ(s["records"], "65");
  EXPECT_EQ(s["skipped_malformed"], "0");
  const std::size_t clusters = parse_jsonl(r.out).size() - [&] {
    std::size_t d = 0;
    for (const Record& rec : parse_jsonl(r.out)) d += rec.count("duplicate_of");
    return d;
  }();
  EXPECT_EQ(s["clusters"], std::to_string(clusters));
  EXPECT_GT(std::stoull(s["peak_rss_bytes"]), 1000000u);
  EXPECT_GT(std::stod(s["seconds"]), 0.0);
  EXPECT_EQ(s.count("spilled"), 0u);

  // dedup, spilled: kept + removed + skipped = records; the spill figures are there.
  const fs::path bad = dir / "with_bad.jsonl";
  write_file(bad, read_file(source_dir() / "datasets/news/sample.jsonl") + "not json\n");
  r = run_cli("dedup -q --skip-bad --mode near --memory 64K --stats " + quote(stats) + " " +
              quote(bad));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(parse_record(read_file(stats), s)) << read_file(stats);
  EXPECT_EQ(s["command"], "dedup");
  EXPECT_EQ(s["spilled"], "true");
  EXPECT_EQ(s["skipped_malformed"], "1");
  EXPECT_EQ(std::stoull(s["kept"]) + std::stoull(s["removed"]), 65u);
  EXPECT_EQ(std::stoull(s["kept"]), lines_of(r.out).size());
  EXPECT_TRUE(s.count("spilled_bytes") && s.count("link_seconds") && s.count("sorted_runs"));

  // A failed run leaves the previous stats file whole; an input is never overwritten.
  write_file(stats, "previous\n");
  r = run_cli("cluster --stats " + quote(stats) + " " + quote(dir / "missing.jsonl"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(read_file(stats), "previous\n");
  r = run_cli("cluster --stats " + sample + " " + sample);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(lines_of(read_file(source_dir() / "datasets/news/sample.jsonl")).size(), 65u);
}

}  // namespace
}  // namespace neardup::testing

namespace neardup::testing {
namespace {

// A corpus of shards: the summary says how many files were read (issue 15: "the summary counts
// shards"), and --stats has the same figure.
TEST(StatsCli, SummaryCountsShards) {
  const std::filesystem::path dir = temp_dir("stats_cli_shards");
  const std::filesystem::path corpus = dir / "corpus";
  std::filesystem::create_directories(corpus);
  for (int i = 0; i < 3; ++i) {
    write_file(corpus / ("part-" + std::to_string(i) + ".jsonl"),
               "{\"id\":\"d" + std::to_string(i) + "\",\"text\":\"some words here\"}\n");
  }
  write_file(corpus / "_SUCCESS", "");
  const std::filesystem::path stats = dir / "stats.json";
  RunResult r = run_cli("cluster --stats " + quote(stats) + " " + quote(corpus));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("read 3 files (0 skipped as not text)"), std::string::npos) << r.err;
  Record s;
  ASSERT_TRUE(parse_record(read_file(stats), s));
  EXPECT_EQ(s["files"], "3");
}

}  // namespace
}  // namespace neardup::testing
