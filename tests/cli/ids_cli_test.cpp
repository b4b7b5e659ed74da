// Document ids (issue 15, item 6), through the real binary: an --id-field no record has is a
// usage error; records without an id get "FILE:LINE" (counted), which cannot collide with a real
// id such as "3"; duplicate ids are reported (--on-duplicate-id); ids that are not UTF-8 stay
// distinct in the output.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// Item 6a: a typo in --id-field fell back to line numbers with exit 0, where the same typo in
// --text-field is an error.
TEST(IdsCliTest, IdFieldThatNoRecordHasIsAUsageError) {
  const fs::path dir = temp_dir("cli_ids_field");
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"text\":\"one two\"}\n{\"id\":\"b\",\"text\":\"three four\"}\n");
  for (const std::string mode : {"exact", "near", "simhash", "story"}) {
    RunResult r = run_cli("cluster --mode " + mode + " --id-field idd " + quote(dir / "in.jsonl"));
    EXPECT_EQ(r.exit_code, 2) << mode << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find("no record has the field 'idd' (--id-field)"), std::string::npos) << r.err;
  }
  RunResult d = run_cli("dedup --id-field idd " + quote(dir / "in.jsonl"));
  EXPECT_EQ(d.exit_code, 2) << d.err;
  // The default field missing from every record is a corpus without ids, not a typo.
  write_file(dir / "noid.jsonl", "{\"text\":\"one two\"}\n{\"text\":\"three four\"}\n");
  RunResult ok = run_cli("cluster " + quote(dir / "noid.jsonl"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.err.find("2 records without an id (given FILE:LINE)"), std::string::npos) << ok.err;
}

// Item 6a/6b: some records lack the id: they get "<file>:<line>" (counted in the summary), so a
// record {"id":"3"} and a record without an id on line 3 no longer share the id "3".
TEST(IdsCliTest, RecordsWithoutIdGetFileAndLineThatCannotCollideWithRealIds) {
  const fs::path dir = temp_dir("cli_ids_fallback");
  write_file(dir / "in.jsonl",
             "{\"id\":\"3\",\"text\":\"alpha beta\"}\n{\"text\":\"gamma delta\"}\n"
             "{\"text\":\"epsilon zeta\"}\n");
  RunResult r = run_cli("cluster " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  const std::string file = (dir / "in.jsonl").string();
  EXPECT_EQ(field_of(lines[0], "id"), "3");
  EXPECT_EQ(field_of(lines[1], "id"), file + ":2");
  EXPECT_EQ(field_of(lines[2], "id"), file + ":3");
  EXPECT_NE(r.err.find("2 records without an id (given FILE:LINE)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("duplicate id"), std::string::npos) << r.err;
  // Standard input is "-".
  RunResult s = run_cli("cluster -q -", (dir / "in.jsonl").string());
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(field_of(lines_of(s.out)[2], "id"), "-:3");
}

// Item 6c: duplicate ids were never reported. warn (default): one stderr line with the count and
// the first, output unchanged; error: exit 1 naming it; keep: silent. Every clustering mode, in
// memory and spilled (--memory), and dedup.
TEST(IdsCliTest, DuplicateIdsAreWarnedRefusedOrKept) {
  const fs::path dir = temp_dir("cli_ids_duplicates");
  const std::string in = quote(dir / "in.jsonl");
  write_file(dir / "in.jsonl",
             "{\"id\":\"x\",\"text\":\"one two three four five six\"}\n"
             "{\"id\":\"y\",\"text\":\"seven eight nine ten eleven\"}\n"
             "{\"id\":\"x\",\"text\":\"twelve thirteen fourteen fifteen\"}\n"
             "{\"id\":\"y\",\"text\":\"sixteen seventeen eighteen nineteen\"}\n");
  for (const std::string args :
       {"cluster --mode exact", "cluster --mode near", "cluster --mode simhash",
        "cluster --mode story", "cluster --mode near --memory 1M",
        "cluster --mode exact --memory 1M", "dedup"}) {
    RunResult keep = run_cli(args + " -q --on-duplicate-id keep " + in);
    EXPECT_EQ(keep.exit_code, 0) << args << ": " << keep.err;
    EXPECT_TRUE(keep.err.empty()) << args << ": " << keep.err;
    RunResult warn = run_cli(args + " -q " + in);
    EXPECT_EQ(warn.exit_code, 0) << args << ": " << warn.err;
    EXPECT_EQ(warn.out, keep.out) << args;
    EXPECT_EQ(lines_of(warn.err).size(), 1u) << args << ": " << warn.err;
    EXPECT_NE(warn.err.find("warning: 2 duplicate ids, the first \"x\""), std::string::npos)
        << args << ": " << warn.err;
    RunResult error = run_cli(args + " -q --on-duplicate-id error " + in);
    EXPECT_EQ(error.exit_code, 1) << args << ": " << error.err;
    EXPECT_EQ(lines_of(error.err).size(), 1u) << args << ": " << error.err;
    EXPECT_NE(error.err.find("duplicate id \"x\" at " + (dir / "in.jsonl").string() + ":3"),
              std::string::npos)
        << args << ": " << error.err;
  }
  RunResult bad = run_cli("cluster --on-duplicate-id maybe " + in);
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  // No duplicates: nothing said.
  write_file(dir / "unique.jsonl",
             "{\"id\":\"x\",\"text\":\"a b\"}\n{\"id\":\"y\",\"text\":\"c\"}\n");
  RunResult unique = run_cli("cluster -q " + quote(dir / "unique.jsonl"));
  EXPECT_EQ(unique.exit_code, 0);
  EXPECT_TRUE(unique.err.empty()) << unique.err;
}

// Item 6e: ids "b\xff" (a byte that is not UTF-8), "b\ud800" (a lone surrogate escape) and
// "b\ufffd" were all written as "b\ufffd". Now each is written so that it stays distinct and its
// bytes can be had back: \udcff (PEP 383), \ud800 as read, and U+FFFD itself.
TEST(IdsCliTest, IdsThatAreNotUtf8StayDistinct) {
  const fs::path dir = temp_dir("cli_ids_utf8");
  write_file(dir / "in.jsonl",
             "{\"id\":\"b\xff\",\"text\":\"one\"}\n{\"id\":\"b\\ud800\",\"text\":\"two\"}\n"
             "{\"id\":\"b\\ufffd\",\"text\":\"three\"}\n");
  RunResult r = run_cli("cluster -q --on-duplicate-id keep " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], R"({"id":"b\udcff","cluster":"b\udcff"})");
  EXPECT_EQ(lines[1], R"({"id":"b\ud800","cluster":"b\ud800"})");
  EXPECT_EQ(lines[2], "{\"id\":\"b\xEF\xBF\xBD\",\"cluster\":\"b\xEF\xBF\xBD\"}");
  std::set<std::string> distinct(lines.begin(), lines.end());
  EXPECT_EQ(distinct.size(), 3u);
}

}  // namespace
}  // namespace neardup::testing
