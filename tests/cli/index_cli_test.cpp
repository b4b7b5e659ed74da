// `neardup index build|add|query` (MinHash, the default kind) end to end: one record per query in
// input order, the index extended by add and query --add, corrupt files exit 1, bad flags exit 2.
// The SimHash kind is in simhash_index_cli_test.cpp; the library's index in unit/index_test.cpp.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// 30 texts of 120 words (seed 31); q0 is a near copy of a3 (its middle word replaced).
IndexCorpus corpus(const std::string& name) {
  return index_corpus(name, 31, 120, fixtures::near_copy);
}

TEST(IndexCliTest, BuildThenQueryWritesOneRecordPerDocumentInOrder) {
  const IndexCorpus c = corpus("index_cli_query");
  const fs::path idx = c.dir / "i.ndx";
  RunResult r = run_cli("index build -q --index " + quote(idx) + " " + quote(c.base));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(idx));
  r = run_cli("index query -q --threads 2 --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0].rfind("{\"id\":\"q0\",\"match\":\"a3\",\"similarity\":0.", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1], "{\"id\":\"q1\",\"match\":null}");
  EXPECT_EQ(lines[2], "{\"id\":\"q2\",\"match\":\"a17\",\"similarity\":1}");
  // The summary names the documents and the size on disk.
  r = run_cli("index query --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("bytes/doc"), std::string::npos) << r.err;
}

TEST(IndexCliTest, AddAndQueryWithAddExtendTheIndex) {
  const IndexCorpus c = corpus("index_cli_add");
  const fs::path idx = c.dir / "i.ndx";
  ASSERT_EQ(run_cli("index build -q --index " + quote(idx) + " " + quote(c.base)).exit_code, 0);
  const std::string built = read_file(idx);
  // query --add: q1 is new, so it is added and the index saved; a second run finds it.
  RunResult r = run_cli("index query -q --add --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out)[1], "{\"id\":\"q1\",\"match\":null}");
  EXPECT_GT(read_file(idx).size(), built.size());
  r = run_cli("index query -q --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out)[1], "{\"id\":\"q1\",\"match\":\"q1\",\"similarity\":1}");
  // index add: the same as building from both files at once.
  const fs::path idx2 = c.dir / "j.ndx", both = c.dir / "both.ndx";
  ASSERT_EQ(run_cli("index build -q --index " + quote(idx2) + " " + quote(c.base)).exit_code, 0);
  ASSERT_EQ(run_cli("index add -q --index " + quote(idx2) + " " + quote(c.queries)).exit_code, 0);
  ASSERT_EQ(run_cli("index build -q --index " + quote(both) + " " + quote(c.base) + " " +
                    quote(c.queries))
                .exit_code,
            0);
  EXPECT_EQ(read_file(idx2), read_file(both));
}

TEST(IndexCliTest, CorruptIndexFileExitsOneWithOneLineNamingIt) {
  const IndexCorpus c = corpus("index_cli_corrupt");
  const fs::path idx = c.dir / "i.ndx";
  ASSERT_EQ(run_cli("index build -q --index " + quote(idx) + " " + quote(c.base)).exit_code, 0);
  std::string bytes = read_file(idx);
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  write_file(idx, bytes);
  RunResult r = run_cli("index query --index " + quote(idx) + " " + quote(c.queries));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("i.ndx"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  write_file(idx, "not an index");
  r = run_cli("index add --index " + quote(idx) + " " + quote(c.queries));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("not a neardup index"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(idx), "not an index");  // a failed add leaves the file alone
}

TEST(IndexCliTest, UsageErrorsExitTwo) {
  const IndexCorpus c = corpus("index_cli_usage");
  const fs::path idx = c.dir / "i.ndx";
  EXPECT_EQ(run_cli("index").exit_code, 2);
  EXPECT_EQ(run_cli("index frobnicate --index x " + quote(c.base)).exit_code, 2);
  EXPECT_EQ(run_cli("index build " + quote(c.base)).exit_code, 2);       // no --index
  EXPECT_EQ(run_cli("index build --index " + quote(idx)).exit_code, 2);  // no input
  EXPECT_EQ(run_cli("index build --bogus --index " + quote(idx) + " " + quote(c.base)).exit_code,
            2);
  EXPECT_EQ(
      run_cli("index build --threshold 2 --index " + quote(idx) + " " + quote(c.base)).exit_code,
      2);
  EXPECT_EQ(
      run_cli("index query --threshold 0.5 --index " + quote(idx) + " " + quote(c.base)).exit_code,
      2);  // the threshold is stored in the index
  EXPECT_FALSE(fs::exists(idx));
}

TEST(IndexCliTest, HelpShowsEveryDefault) {
  RunResult r = run_cli("index build --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* s : {"(=0.8)", "(=word:5)", "(=128)", "(=oph)", "(=auto)", "exit codes"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  r = run_cli("index --help");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("index query"), std::string::npos);
  r = run_cli("index query --help");
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--add"), std::string::npos);
}

}  // namespace
}  // namespace neardup::testing

namespace neardup::testing {
namespace {

// Issue 15 item 6d: `index add` of ids already in the index replaces them by default (the
// index does not grow), refuses them with --on-existing-id refuse (exit 1, the file unchanged),
// and keeps both only when asked.
TEST(IndexCliExistingIds, AddingTheSameFileTwiceReplacesRefusesOrKeeps) {
  const std::filesystem::path dir = temp_dir("index_existing_ids");
  const std::string sample = quote(source_dir() / "datasets/news/sample.jsonl");
  const std::string index = quote(dir / "i.idx");
  ASSERT_EQ(run_cli("index build -q --index " + index + " " + sample).exit_code, 0);
  RunResult before = run_cli("index query -q --index " + index + " " + sample);
  ASSERT_EQ(before.exit_code, 0) << before.err;

  RunResult again = run_cli("index add --index " + index + " " + sample);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("65 added (65 replacing a document with their id)"), std::string::npos)
      << again.err;
  EXPECT_NE(again.err.find(": 65 documents"), std::string::npos) << again.err;
  RunResult after = run_cli("index query -q --index " + index + " " + sample);
  EXPECT_EQ(after.out, before.out);  // the same answers

  const std::string bytes = read_file(dir / "i.idx");
  RunResult refused = run_cli("index add --on-existing-id refuse --index " + index + " " + sample);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("is already in the index"), std::string::npos) << refused.err;
  EXPECT_EQ(read_file(dir / "i.idx"), bytes);

  RunResult kept = run_cli("index add --on-existing-id keep --index " + index + " " + sample);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_NE(kept.err.find(": 130 documents"), std::string::npos) << kept.err;
  EXPECT_EQ(run_cli("index add --on-existing-id never --index " + index + " " + sample).exit_code,
            2);
}

}  // namespace
}  // namespace neardup::testing
