// End-to-end tests of `neardup cluster --mode simhash` and `neardup dedup --mode simhash`: ctest
// runs the real binary and checks exit codes, the JSONL records and the stderr summary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;
using fixtures::numbered_words;

// a: 400 words; b: a with one word replaced (5 of 396 word 5-shingles differ: J = 391/401);
// c: unrelated; d: an exact copy of a; e: empty.
fs::path write_corpus(const std::string& name) {
  const fs::path dir = temp_dir(name);
  write_file(dir / "in.tsv", "a\t" + numbered_words(0, 400) + "\nb\t" + numbered_words(0, 200) +
                                 "changed " + numbered_words(201, 400) + "\nc\t" +
                                 numbered_words(1000, 1400) + "\nd\t" + numbered_words(0, 400) +
                                 "\ne\t\n");
  return dir / "in.tsv";
}

TEST(SimHashCliTest, GroupsNearCopiesAndReportsOneMinusDistanceOverBits) {
  const fs::path in = write_corpus("simhash_cli_basic");
  RunResult r = run_cli("cluster --mode simhash --bits 64 --max-distance 6 " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], R"({"id":"a","cluster":"a"})");
  EXPECT_EQ(lines[1].rfind(R"({"id":"b","cluster":"a","duplicate_of":"a","similarity":)", 0), 0u)
      << lines[1];
  // 1 - d/64 for some d in 1..6: a multiple of 1/64.
  const double s = similarity_of(lines[1]);
  EXPECT_GE(s, 1 - 6.0 / 64 - 1e-4);
  EXPECT_LT(s, 1.0);
  EXPECT_EQ(lines[2], R"({"id":"c","cluster":"c"})");
  EXPECT_EQ(lines[3], R"({"id":"d","cluster":"a","duplicate_of":"a","similarity":1})");
  EXPECT_EQ(lines[4], R"({"id":"e","cluster":"e"})");
  EXPECT_NE(r.err.find("mode simhash (64 bits, max distance 6"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 exact"), std::string::npos) << r.err;
  // With max distance 0 only the exact copy stays with a.
  RunResult strict = run_cli("cluster --quiet --mode simhash --max-distance 0 " + quote(in));
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(lines_of(strict.out)[1], R"({"id":"b","cluster":"b"})");
  EXPECT_EQ(lines_of(strict.out)[3], lines[3]);
  EXPECT_TRUE(strict.err.empty()) << strict.err;
}

TEST(SimHashCliTest, WideFingerprintsAndTfIdfWeightsGroupTheSameCopies) {
  const fs::path in = write_corpus("simhash_cli_wide");
  for (const char* flags : {"--bits 128 --max-distance 12", "--simhash-weights tfidf",
                            "--bits 128 --simhash-weights tfidf --max-distance 12"}) {
    RunResult r = run_cli("cluster --quiet --mode simhash " + std::string(flags) + " " + quote(in));
    ASSERT_EQ(r.exit_code, 0) << flags << ": " << r.err;
    const auto lines = lines_of(r.out);
    ASSERT_EQ(lines.size(), 5u) << flags;
    EXPECT_EQ(lines[2], R"({"id":"c","cluster":"c"})") << flags;
    EXPECT_EQ(lines[3], R"({"id":"d","cluster":"a","duplicate_of":"a","similarity":1})") << flags;
  }
}

TEST(SimHashCliTest, ShingleVerificationRejectsPairsBelowTheThresholdAndReportsJaccard) {
  const fs::path in = write_corpus("simhash_cli_verify");
  // Verification compares the features' sets (--shingle): word 5-shingles here.
  RunResult loose = run_cli(
      "cluster --quiet --mode simhash --shingle word:5 --bits 64 --max-distance 8 --verify "
      "shingles --threshold 0.9 " +
      quote(in));
  ASSERT_EQ(loose.exit_code, 0) << loose.err;
  // The exact Jaccard of b and a: 391 common of 401 distinct shingles.
  EXPECT_EQ(lines_of(loose.out)[1],
            R"({"id":"b","cluster":"a","duplicate_of":"a","similarity":0.9751})");
  RunResult strict = run_cli(
      "cluster --mode simhash --shingle word:5 --bits 64 --max-distance 8 --verify shingles "
      "--threshold 0.99 " +
      quote(in));
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(lines_of(strict.out)[1], R"({"id":"b","cluster":"b"})");
  EXPECT_EQ(lines_of(strict.out)[3],
            R"({"id":"d","cluster":"a","duplicate_of":"a","similarity":1})");
  EXPECT_NE(strict.err.find("1 rejected"), std::string::npos) << strict.err;
}

TEST(SimHashCliTest, RepresentativePolicyPicksTheLongestMember) {
  const fs::path dir = temp_dir("simhash_cli_longest");
  write_file(dir / "in.tsv",
             "a\t" + numbered_words(0, 400) + "\nb\t" + numbered_words(0, 400) + "extra\n");
  RunResult r = run_cli(
      "cluster --quiet --mode simhash --max-distance 8 --representative "
      "longest " +
      quote(dir / "in.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u);
  // The cluster keeps its first member's name; b (longer) represents it.
  EXPECT_EQ(lines[0].rfind(R"({"id":"a","cluster":"a","duplicate_of":"b","similarity":)", 0), 0u)
      << lines[0];
  EXPECT_EQ(lines[1], R"({"id":"b","cluster":"a"})");
}

TEST(SimHashCliTest, RejectsBadParametersAsUsageErrors) {
  const fs::path in = write_corpus("simhash_cli_bad");
  for (const char* flags :
       {"--bits 32", "--bits 64 --max-distance 64", "--max-distance 128", "--simhash-weights idf",
        "--verify signature", "--linkage representative", "--shingle x:1",
        "--threshold 2 --verify shingles"}) {
    RunResult r = run_cli("cluster --mode simhash " + std::string(flags) + " " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << flags << ": " << r.err;
  }
}

TEST(SimHashCliTest, OutputIsIdenticalForAnyThreadCount) {
  const fs::path dir = temp_dir("simhash_cli_threads");
  std::string in;
  for (int i = 0; i < 2000; ++i) {
    const int base = (i % 500) * 60;
    in += "d" + std::to_string(i) + "\t" + numbered_words(base, base + 50 + i % 3) + "\n";
  }
  write_file(dir / "in.tsv", in);
  const std::string cmd =
      "cluster --quiet --mode simhash --max-distance 5 --simhash-weights tfidf ";
  RunResult one = run_cli(cmd + "--threads 1 " + quote(dir / "in.tsv"));
  RunResult two = run_cli(cmd + "--threads 2 " + quote(dir / "in.tsv"));
  RunResult five = run_cli(cmd + "--threads 5 " + quote(dir / "in.tsv"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(lines_of(one.out).size(), 2000u);
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, five.out);
  // Documents i and i + 500 are copies or near copies: some clustering happened.
  EXPECT_NE(one.out.find("duplicate_of"), std::string::npos);
}

TEST(SimHashCliTest, DedupKeepsOneRecordPerCluster) {
  const fs::path in = write_corpus("simhash_cli_dedup");
  RunResult r = run_cli("dedup --quiet --mode simhash --max-distance 6 " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;  // a, c, e
  EXPECT_EQ(lines[0].rfind("a\t", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("c\t", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("e\t", 0), 0u) << lines[2];
}

}  // namespace
}  // namespace neardup::testing
