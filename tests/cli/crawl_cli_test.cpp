// CLI tests of the neardup-crawl example (tools/crawl_example.cpp): verdicts per page, the index
// kept across runs with --index, exit codes. NEARDUP_CLI_PATH is neardup-crawl in this binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;
using fixtures::last_word_edited;  // Jaccard of word 5-shingles 145/146 at 150 words: > 0.8
using fixtures::random_text;       // a page's text: random_text(seed, 150)

TEST(CrawlCliTest, PrintsOneVerdictPerPageAndKeepsTheIndexAcrossRuns) {
  const fs::path dir = temp_dir("crawl_runs");
  const std::string a = random_text(1, 150), c = random_text(2, 150);
  write_file(dir / "day1.jsonl",
             jsonl_record("a", a) + jsonl_record("b", last_word_edited(a)) + jsonl_record("c", c));
  const std::string index = (dir / "crawl.ndx").string();
  RunResult r = run_cli("--index '" + index + "' '" + (dir / "day1.jsonl").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0], R"({"id":"a","verdict":"new"})");
  // The similarity of an edit of the last word: 145/146 shingles in common, estimated ~0.99.
  const std::string prefix = R"({"id":"b","verdict":"near-duplicate","of":"a","similarity":0.9)";
  EXPECT_EQ(out[1].rfind(prefix, 0), 0u) << out[1];
  EXPECT_EQ(out[1].back(), '}') << out[1];
  EXPECT_EQ(out[2], R"({"id":"c","verdict":"new"})");
  EXPECT_NE(r.err.find("3 pages: 2 new, 1 near-duplicates; minhash index 0 -> 2 pages"),
            std::string::npos)
      << r.err;
  ASSERT_TRUE(fs::exists(index));

  // The second run remembers day 1: a re-fetched page and an edit of c are duplicates.
  write_file(dir / "day2.jsonl", jsonl_record("a-again", a) +
                                     jsonl_record("c2", last_word_edited(c)) +
                                     jsonl_record("d", random_text(3, 150)));
  r = run_cli("--index '" + index + "' '" + (dir / "day2.jsonl").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0], R"({"id":"a-again","verdict":"near-duplicate","of":"a","similarity":1})");
  EXPECT_NE(out[1].find(R"("verdict":"near-duplicate","of":"c")"), std::string::npos) << out[1];
  EXPECT_EQ(out[2], R"({"id":"d","verdict":"new"})");
  EXPECT_NE(r.err.find("index 2 -> 3 pages"), std::string::npos) << r.err;
}

TEST(CrawlCliTest, WithoutIndexEachRunStartsEmptyAndReadsStdin) {
  const fs::path dir = temp_dir("crawl_stdin");
  const std::string a = random_text(4, 150);
  write_file(dir / "in.jsonl", jsonl_record("x\"1", a) + jsonl_record("y", a));  // the id is x"1
  const RunResult r = run_cli("--quiet -", (dir / "in.jsonl").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0], R"({"id":"x\"1","verdict":"new"})");  // ids are JSON-escaped
  EXPECT_EQ(out[1], R"({"id":"y","verdict":"near-duplicate","of":"x\"1","similarity":1})");
}

TEST(CrawlCliTest, CorruptIndexExitsOneNamingTheFile) {
  const fs::path dir = temp_dir("crawl_corrupt");
  write_file(dir / "bad.ndx", "NDUPINDX but then garbage");
  write_file(dir / "in.jsonl", jsonl_record("a", random_text(5, 150)));
  const RunResult r =
      run_cli("--index '" + (dir / "bad.ndx").string() + "' '" + (dir / "in.jsonl").string() + "'");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("bad.ndx"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

// --backend simhash makes a SimHash index; the next run loads it (without --backend) and keeps
// using it: a re-fetched page is a duplicate with similarity 1, an unrelated page is new.
TEST(CrawlCliTest, SimHashBackendIsChosenAtCreationAndReadFromTheFileAfterwards) {
  const fs::path dir = temp_dir("crawl_simhash");
  const std::string a = random_text(6, 150), c = random_text(7, 150);
  write_file(dir / "day1.jsonl",
             jsonl_record("a", a) + jsonl_record("a-copy", a) + jsonl_record("c", c));
  const std::string index = (dir / "crawl.nds").string();
  RunResult r = run_cli("--backend simhash --max-distance 4 --index '" + index + "' '" +
                        (dir / "day1.jsonl").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u) << r.out;
  EXPECT_EQ(out[0], R"({"id":"a","verdict":"new"})");
  EXPECT_EQ(out[1], R"({"id":"a-copy","verdict":"near-duplicate","of":"a","similarity":1})");
  EXPECT_EQ(out[2], R"({"id":"c","verdict":"new"})");
  EXPECT_NE(r.err.find("simhash index 0 -> 2 pages"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_file(index).substr(0, 8), "NDUPSIMX");

  write_file(dir / "day2.jsonl",
             jsonl_record("c-again", c) + jsonl_record("d", random_text(8, 150)));
  r = run_cli("--index '" + index + "' '" + (dir / "day2.jsonl").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  out = lines_of(r.out);
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_EQ(out[0], R"({"id":"c-again","verdict":"near-duplicate","of":"c","similarity":1})");
  EXPECT_EQ(out[1], R"({"id":"d","verdict":"new"})");
  EXPECT_NE(r.err.find("simhash index 2 -> 3 pages"), std::string::npos) << r.err;
}

// Issue 15, item 9: the README promises `url<TAB>text` lines; only JSONL was read (a TSV line
// was a malformed JSON record). Both are read now, told apart by the input's first byte.
TEST(CrawlCliTest, ReadsUrlTabTextLinesAsWellAsJsonl) {
  const fs::path dir = temp_dir("crawl_tsv");
  const std::string a = random_text(9, 150), c = random_text(10, 150);
  const std::string tsv = "https://example.com/a\t" + a + "\nhttps://example.com/b\t" +
                          last_word_edited(a) + "\r\nhttps://example.com/c\t" + c + "\n";
  write_file(dir / "pages", tsv);  // no extension: the content decides
  const std::vector<std::string> want = {
      R"({"id":"https://example.com/a","verdict":"new"})",
      R"({"id":"https://example.com/b","verdict":"near-duplicate","of":"https://example.com/a")",
      R"({"id":"https://example.com/c","verdict":"new"})"};
  for (const bool from_stdin : {false, true}) {
    SCOPED_TRACE(from_stdin ? "stdin" : "file");
    const RunResult r = from_stdin ? run_cli("-", (dir / "pages").string())
                                   : run_cli("'" + (dir / "pages").string() + "'");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::vector<std::string> out = lines_of(r.out);
    ASSERT_EQ(out.size(), 3u) << r.out;
    EXPECT_EQ(out[0], want[0]);
    EXPECT_EQ(out[1].rfind(want[1], 0), 0u) << out[1];
    EXPECT_EQ(out[2], want[2]);
  }
  // A line without a tab is a malformed record naming its line.
  write_file(dir / "bad.tsv", "https://example.com/a\t" + a + "\njust some text\n");
  const RunResult bad = run_cli("'" + (dir / "bad.tsv").string() + "'");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("bad.tsv:2"), std::string::npos) << bad.err;
  write_file(dir / "bad", "https://example.com/a\t" + a + "\njust some text\n");
  const RunResult bad2 = run_cli("'" + (dir / "bad").string() + "'");
  EXPECT_EQ(bad2.exit_code, 1);
  EXPECT_NE(bad2.err.find("bad:2: "), std::string::npos) << bad2.err;
  EXPECT_NE(bad2.err.find("no tab"), std::string::npos) << bad2.err;
}

TEST(CrawlCliTest, UsageErrorsExitTwoAndHelpExitsZero) {
  EXPECT_EQ(run_cli("--no-such-flag").exit_code, 2);
  EXPECT_EQ(run_cli("--threshold 1.5 -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--threshold abc -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--backend lsh -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--backend simhash --max-distance 64 -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--backend simhash --max-distance x -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--backend simhash --threshold 0.9 -", "/dev/null").exit_code, 2);
  EXPECT_EQ(run_cli("--max-distance 5 -", "/dev/null").exit_code, 2);  // minhash by default
  const RunResult h = run_cli("--help");
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.out.find("--index FILE"), std::string::npos);
  EXPECT_NE(h.out.find("default 0.8"), std::string::npos);
  EXPECT_NE(h.out.find("--backend B"), std::string::npos);
  EXPECT_NE(h.out.find("--max-distance K"), std::string::npos);
}

}  // namespace
}  // namespace neardup::testing
