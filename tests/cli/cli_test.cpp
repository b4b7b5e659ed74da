// End-to-end tests of the neardup command-line tool: ctest runs the real binary and checks exit
// codes, stdout records and the one-line stderr diagnostics.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "neardup/advanced/reader.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;
using fixtures::numbered_words;

// Reads a neardup cluster output (JSONL) into id -> cluster, keeping the order of ids.
struct Clusters {
  std::vector<std::string> ids;
  std::map<std::string, std::string> cluster;
};
Clusters parse_clusters(const fs::path& path) {
  Clusters c;
  ReaderOptions ro;
  ro.text_field = "cluster";
  auto reader = DocumentReader::open(path.string(), ro);
  EXPECT_TRUE(reader.ok()) << reader.status().to_string();
  if (!reader.ok()) return c;
  Document d;
  while (true) {
    auto more = (*reader)->next(d);
    EXPECT_TRUE(more.ok()) << more.status().to_string();
    if (!more.ok() || !*more) break;
    c.ids.push_back(d.id);
    c.cluster[d.id] = d.text;
  }
  return c;
}

TEST(CliTest, HelpListsCommandsAndExitCodes) {
  RunResult r = run_cli("--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("cluster"), std::string::npos);
  EXPECT_NE(r.out.find("exit codes"), std::string::npos);
}

TEST(CliTest, VersionPrintsVersion) {
  RunResult r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("neardup ", 0), 0u) << r.out;
}

TEST(CliTest, CommandHelpShowsEveryDefault) {
  RunResult r = run_cli("cluster --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* s : {"--mode", "(=exact)", "--id-field", "(=id)", "--text-field", "(=text)",
                        "--threads", "--skip-bad", "--format", "(=auto)", "--output"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
}

TEST(CliTest, UsageErrorsExitTwoWithOneLine) {
  for (const char* args :
       {"", "frobnicate", "cluster --no-such-flag x", "cluster", "cluster --mode nonsense x",
        "cluster --threads abc x", "cluster --format xml x",
        // An abbreviation is not guessed: --keep is dedup's flag, not an abbreviation of one of
        // index build's (which read "contained" as an input file before).
        "index build --keep contained --index x.ndx x", "cluster --thread 2 x"}) {
    RunResult r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args;
    if (std::string(args).empty()) continue;  // bare `neardup` prints the usage text
    EXPECT_EQ(lines_of(r.err).size(), 1u) << args << ": " << r.err;
    EXPECT_EQ(r.err.rfind("neardup: ", 0), 0u) << r.err;
  }
}

// Issue 15, item 3: -o truncated its file before the inputs were opened, `-o a.jsonl a.jsonl`
// emptied the input, and a run failing half way left a partial file. Outputs are now written to
// a temporary file and renamed into place on success only.
TEST(CliTest, OutputFilesAreNeverClobberedByAFailedRun) {
  const fs::path dir = temp_dir("cli_safe_output");
  const std::string good = "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n";
  write_file(dir / "in.jsonl", good);
  write_file(dir / "o.jsonl", "previous\n");
  RunResult r = run_cli("cluster -o " + quote(dir / "o.jsonl") + " " + quote(dir / "missing"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fixtures::read_file(dir / "o.jsonl"), "previous\n");
  // A malformed record half way: the run fails, the previous output stays whole.
  write_file(dir / "bad.jsonl", good + "{not json\n");
  for (const char* mode : {"exact", "near"}) {
    r = run_cli(std::string("cluster --mode ") + mode + " -o " + quote(dir / "o.jsonl") + " " +
                quote(dir / "bad.jsonl"));
    EXPECT_EQ(r.exit_code, 1) << mode << ": " << r.err;
    EXPECT_EQ(fixtures::read_file(dir / "o.jsonl"), "previous\n") << mode;
  }
  r = run_cli("dedup -o " + quote(dir / "o.jsonl") + " --removed " + quote(dir / "r.jsonl") + " " +
              quote(dir / "bad.jsonl"));
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(fixtures::read_file(dir / "o.jsonl"), "previous\n");
  EXPECT_FALSE(fs::exists(dir / "r.jsonl"));
  // The output named as an input (or inside an input directory) is a usage error.
  r = run_cli("cluster -o " + quote(dir / "in.jsonl") + " " + quote(dir / "in.jsonl"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is also an input"), std::string::npos) << r.err;
  EXPECT_EQ(fixtures::read_file(dir / "in.jsonl"), good);
  fs::create_directories(dir / "corpus");
  write_file(dir / "corpus" / "part-0.jsonl", good);
  r = run_cli("cluster -o " + quote(dir / "corpus" / "out.jsonl") + " " + quote(dir / "corpus"));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("lies inside the input"), std::string::npos) << r.err;
  // Success replaces the file, and no temporary file is left behind.
  r = run_cli("cluster -q -o " + quote(dir / "o.jsonl") + " " + quote(dir / "in.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(fixtures::read_file(dir / "o.jsonl")).size(), 2u);
  for (const auto& e : fs::directory_iterator(dir)) {
    EXPECT_EQ(e.path().filename().string().find(".neardup-"), std::string::npos) << e.path();
  }
}

// Issue 15, item 10: the README says v0.2; every tool answers --version with the project's.
TEST(CliTest, EveryToolPrintsTheProjectVersion) {
  const std::string want = "0.2.0";
  RunResult r = run_cli("--version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "neardup " + want + "\n");
  const fs::path tools = fs::path(NEARDUP_CLI_PATH).parent_path();
  for (const char* tool : {"neardup-synth", "neardup-crawl"}) {
    RunResult t = run_program((tools / tool).string(), "--version");
    EXPECT_EQ(t.exit_code, 0) << tool << ": " << t.err;
    EXPECT_EQ(t.out, std::string(tool) + " " + want + "\n");
  }
}

// Issue 15, item 1: --threads 100000 started ~32,000 threads and never finished; -1 (wrapped to
// 4294967295) reported "out of memory". Both are usage errors now, before any input is read.
TEST(CliTest, AbsurdThreadCountsAreUsageErrors) {
  const fs::path dir = temp_dir("cli_threads");
  write_file(dir / "in.jsonl", "{\"id\":\"a\",\"text\":\"one\"}\n");
  for (const char* mode : {"exact", "near", "simhash", "story"}) {
    for (const char* t : {"100000", "-1", "1025"}) {
      RunResult r = run_cli(std::string("cluster --mode ") + mode + " --threads " + t + " " +
                            quote(dir / "in.jsonl"));
      EXPECT_EQ(r.exit_code, 2) << mode << " " << t << ": " << r.err;
      // A negative count is refused as any unsigned flag's is (unsigned_options.h).
      const std::string want = t[0] == '-'
                                   ? std::string("--threads must be a non-negative integer, got ")
                                   : "--threads must be 0 (all hardware threads) to 1024, not ";
      EXPECT_NE(r.err.find(want + t), std::string::npos) << r.err;
      EXPECT_TRUE(r.out.empty());
    }
  }
  RunResult ok = run_cli("cluster --threads 64 -q " + quote(dir / "in.jsonl"));
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  RunResult idx = run_cli("index build --threads 5000 --index " + quote(dir / "i.ndx") + " " +
                          quote(dir / "in.jsonl"));
  EXPECT_EQ(idx.exit_code, 2) << idx.err;
  EXPECT_FALSE(fs::exists(dir / "i.ndx"));
}

TEST(CliTest, ExactModeGroupsNormalizedCopiesInInputOrder) {
  const fs::path dir = temp_dir("cli_exact");
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"text\":\"The Cat sat on the mat.\"}\n"
             "{\"id\":\"b\",\"text\":\"A different story entirely.\"}\n"
             "{\"id\":\"c\",\"text\":\"the   cat SAT on the mat.\"}\n"
             "{\"id\":\"d\",\"text\":\"\\uff34he cat sat on the mat.\"}\n"  // full-width T
             "{\"id\":\"e\",\"text\":\"The cat sat on the hat.\"}\n");
  RunResult r = run_cli("cluster --mode exact --quiet " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.err, "");  // --quiet
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], R"({"id":"a","cluster":"a"})");
  EXPECT_EQ(lines[1], R"({"id":"b","cluster":"b"})");
  EXPECT_EQ(lines[2], R"({"id":"c","cluster":"a","duplicate_of":"a","similarity":1})");
  EXPECT_EQ(lines[3], R"({"id":"d","cluster":"a","duplicate_of":"a","similarity":1})");
  EXPECT_EQ(lines[4], R"({"id":"e","cluster":"e"})");
}

TEST(CliTest, SummaryOnStderrCountsClustersAndDuplicates) {
  const fs::path dir = temp_dir("cli_summary");
  write_file(dir / "in.tsv", "1\tsame text\n2\tSame  text\n3\tother\n");
  RunResult r = run_cli("cluster " + quote(dir / "in.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("2 clusters, 1 duplicates"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 docs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("MB/s"), std::string::npos) << r.err;
}

TEST(CliTest, MalformedRecordFailsNamingFileAndLine) {
  const fs::path dir = temp_dir("cli_malformed");
  write_file(dir / "bad.jsonl",
             "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n{\"id\": oops\n"
             "{\"id\":\"d\",\"text\":\"four\"}\n");
  RunResult r = run_cli("cluster --quiet " + quote(dir / "bad.jsonl"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("bad.jsonl:3"), std::string::npos) << r.err;
}

TEST(CliTest, SkipBadSkipsAndCountsMalformedRecords) {
  const fs::path dir = temp_dir("cli_skipbad");
  write_file(
      dir / "bad.jsonl",
      "{\"id\":\"a\",\"text\":\"one\"}\n[1,2]\n{\"id\": oops\n{\"id\":\"d\",\"text\":\"four\"}\n");
  RunResult r = run_cli("cluster --skip-bad " + quote(dir / "bad.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 2u);
  EXPECT_NE(r.err.find("skipped 2 malformed"), std::string::npos) << r.err;
}

TEST(CliTest, MissingInputFileIsARuntimeError) {
  RunResult r = run_cli("cluster /nonexistent/neardup/input.jsonl");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/neardup/input.jsonl"), std::string::npos) << r.err;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
}

TEST(CliTest, InvalidUtf8DocumentIsRepairedCountedAndStillOutput) {
  const fs::path dir = temp_dir("cli_utf8");
  write_file(dir / "in.txt", "caf\xE9 latte\nplain line\ncaf\xE9 latte\n");
  RunResult r = run_cli("cluster --format lines " + quote(dir / "in.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[2], R"({"id":"3","cluster":"1","duplicate_of":"1","similarity":1})");
  EXPECT_NE(r.err.find("repaired 2 documents"), std::string::npos) << r.err;
}

TEST(CliTest, OutputFlagWritesFileAndStdinWorks) {
  const fs::path dir = temp_dir("cli_output");
  write_file(dir / "in.jsonl",
             "{\"id\":\"x\",\"text\":\"hello\"}\n{\"id\":\"y\",\"text\":\"HELLO\"}\n");
  RunResult r = run_cli("cluster --quiet --output " + quote(dir / "out.jsonl") + " -",
                        (dir / "in.jsonl").string());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_file(dir / "out.jsonl"),
            "{\"id\":\"x\",\"cluster\":\"x\"}\n"
            "{\"id\":\"y\",\"cluster\":\"x\",\"duplicate_of\":\"x\",\"similarity\":1}\n");
}

TEST(CliTest, UnwritableOutputIsARuntimeError) {
  const fs::path dir = temp_dir("cli_unwritable");
  write_file(dir / "in.txt", "a\n");
  RunResult r = run_cli("cluster --output /nonexistent/dir/out.jsonl " + quote(dir / "in.txt"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("/nonexistent/dir/out.jsonl"), std::string::npos) << r.err;
}

TEST(CliTest, OutputIsIdenticalForAnyThreadCount) {
  // Enough documents for several batches, with many duplicates across batch boundaries.
  const fs::path dir = temp_dir("cli_threads");
  std::string in;
  for (int i = 0; i < 20000; ++i) {
    in += "{\"id\":\"d" + std::to_string(i) + "\",\"text\":\"Document number " +
          std::to_string((i * 7919) % 6000) + " says hello\"}\n";
  }
  write_file(dir / "in.jsonl", in);
  RunResult one = run_cli("cluster --quiet --threads 1 " + quote(dir / "in.jsonl"));
  RunResult two = run_cli("cluster --quiet --threads 2 " + quote(dir / "in.jsonl"));
  RunResult many = run_cli("cluster --quiet --threads 7 " + quote(dir / "in.jsonl"));
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_EQ(lines_of(one.out).size(), 20000u);
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, many.out);
}

TEST(CliTest, DirectoryAndCompressedInputs) {
  const fs::path dir = temp_dir("cli_dir");
  fs::create_directories(dir / "docs" / "sub");
  write_file(dir / "docs" / "a.txt", "Same words here.");
  write_file(dir / "docs" / "sub" / "b.txt", "same WORDS here.\r\n");
  write_file(dir / "docs" / "c.txt", "Something else.");
  RunResult r = run_cli("cluster --quiet " + quote(dir / "docs"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], R"({"id":"a.txt","cluster":"a.txt"})");
  EXPECT_EQ(lines[1], R"({"id":"c.txt","cluster":"c.txt"})");
  EXPECT_EQ(lines[2],
            R"({"id":"sub/b.txt","cluster":"a.txt","duplicate_of":"a.txt","similarity":1})");
}

TEST(CliTest, BundledSampleExactClustersMatchGoldExactGroups) {
  const fs::path sample = testing::source_dir() / "datasets" / "news" / "sample.jsonl";
  const fs::path gold = testing::source_dir() / "datasets" / "news" / "gold.jsonl";
  ASSERT_TRUE(fs::exists(sample) && fs::exists(gold));
  const fs::path dir = temp_dir("cli_sample");
  RunResult r = run_cli("cluster --quiet --mode exact --output " + quote(dir / "pred.jsonl") + " " +
                        quote(sample));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Clusters pred = parse_clusters(dir / "pred.jsonl");
  // gold.jsonl: id -> exact_group
  ReaderOptions ro;
  ro.text_field = "exact_group";
  auto reader = DocumentReader::open(gold.string(), ro);
  ASSERT_TRUE(reader.ok()) << reader.status().to_string();
  std::map<std::string, std::string> gold_group;
  Document d;
  while (true) {
    auto more = (*reader)->next(d);
    ASSERT_TRUE(more.ok()) << more.status().to_string();
    if (!*more) break;
    gold_group[d.id] = d.text;
  }
  ASSERT_EQ(pred.ids.size(), gold_group.size());
  std::set<std::string> groups_with_copies;
  // Same gold group <=> same predicted cluster, for every pair (tens of documents).
  for (const auto& a : pred.ids) {
    for (const auto& b : pred.ids) {
      EXPECT_EQ(gold_group.at(a) == gold_group.at(b), pred.cluster.at(a) == pred.cluster.at(b))
          << a << " vs " << b;
    }
    if (gold_group.at(a) != a) groups_with_copies.insert(gold_group.at(a));
  }
  EXPECT_GE(groups_with_copies.size(), 2u) << "the sample should contain exact copies";
}

TEST(CliTest, EvalScoresClusteringFromFilesAndCountsMissingIds) {
  const fs::path dir = temp_dir("cli_eval");
  write_file(dir / "gold.jsonl",
             "{\"id\":\"1\",\"story\":\"a\"}\n{\"id\":\"2\",\"story\":\"a\"}\n"
             "{\"id\":\"3\",\"story\":\"a\"}\n{\"id\":4,\"story\":\"b\"}\n"
             "{\"id\":\"5\",\"story\":\"b\"}\n{\"id\":\"6\",\"story\":\"b\"}\n"
             "{\"id\":\"7\",\"story\":\"c\"}\n");
  // Ids 1..6 as in EvalTest.HandWorkedSplitClustering; 7 missing; 8 not in gold.
  write_file(dir / "pred.jsonl",
             "{\"id\":\"1\",\"cluster\":\"x\"}\n{\"id\":\"2\",\"cluster\":\"x\"}\n"
             "{\"id\":\"3\",\"cluster\":\"y\"}\n{\"id\":\"4\",\"cluster\":\"y\"}\n"
             "{\"id\":\"5\",\"cluster\":\"z\"}\n{\"id\":\"6\",\"cluster\":\"z\"}\n"
             "{\"id\":\"8\",\"cluster\":\"z\"}\n");
  RunResult r =
      run_cli("eval --gold " + quote(dir / "gold.jsonl") + " --pred " + quote(dir / "pred.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // 7 is scored as a singleton of the prediction (issue 15, item 8): it adds no pair, so the
  // pairwise precision of the hand-worked case stays; ARI over 7 documents:
  // (2 - 6 * 3 / 21) / ((6 + 3) / 2 - 6 * 3 / 21).
  EXPECT_NE(r.out.find("\"documents\":7,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"pairwise_precision\":0.666667,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"ari\":0.313725,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"gold_not_in_pred\":1,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"pred_not_in_gold\":1,"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("B-cubed"), std::string::npos) << r.err;
}

TEST(CliTest, EvalPairsReportsCorrelationAndAuc) {
  const fs::path dir = temp_dir("cli_eval_pairs");
  write_file(dir / "pairs.jsonl",
             "{\"similarity\":0.1,\"label\":0}\n{\"similarity\":0.4,\"label\":0}\n"
             "{\"similarity\":0.35,\"label\":1}\n{\"similarity\":0.8,\"label\":1}\n");
  RunResult r =
      run_cli("eval --quiet --pairs " + quote(dir / "pairs.jsonl") + " --gold-field label");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("\"pairs\":4,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"roc_auc\":0.75,"), std::string::npos) << r.out;
}

TEST(CliTest, EvalRejectsMalformedInputAndBadUsage) {
  const fs::path dir = temp_dir("cli_eval_bad");
  write_file(dir / "gold.jsonl", "{\"id\":\"1\",\"story\":\"a\"}\nnot json\n");
  write_file(dir / "pred.jsonl", "{\"id\":\"1\",\"cluster\":\"a\"}\n");
  RunResult bad =
      run_cli("eval --gold " + quote(dir / "gold.jsonl") + " --pred " + quote(dir / "pred.jsonl"));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("gold.jsonl:2"), std::string::npos) << bad.err;
  EXPECT_EQ(run_cli("eval --gold " + quote(dir / "gold.jsonl")).exit_code, 2);
  EXPECT_EQ(run_cli("eval --bogus").exit_code, 2);
}

TEST(CliTest, NearModeGroupsNearCopiesWithTheirSimilarity) {
  const fs::path dir = temp_dir("cli_near");
  // b: one word of 100 changed (J = 91/101 with word 5-shingles); c: unrelated; d: copy of a.
  write_file(dir / "in.tsv", "a\t" + numbered_words(0, 100) + "\nb\t" + numbered_words(0, 50) +
                                 "changed " + numbered_words(51, 100) + "\nc\t" +
                                 numbered_words(500, 600) + "\nd\t" + numbered_words(0, 100) +
                                 "\n");
  RunResult r = run_cli("cluster --mode near --threshold 0.75 " + quote(dir / "in.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], R"({"id":"a","cluster":"a"})");
  EXPECT_EQ(lines[1], R"({"id":"b","cluster":"a","duplicate_of":"a","similarity":0.901})");
  EXPECT_EQ(lines[2], R"({"id":"c","cluster":"c"})");
  EXPECT_EQ(lines[3], R"({"id":"d","cluster":"a","duplicate_of":"a","similarity":1})");
  EXPECT_NE(r.err.find("mode near"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 exact"), std::string::npos) << r.err;
  // At 0.92 the edited copy is no longer a near-duplicate.
  RunResult strict =
      run_cli("cluster --quiet --mode near --threshold 0.92 " + quote(dir / "in.tsv"));
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  EXPECT_EQ(lines_of(strict.out)[1], R"({"id":"b","cluster":"b"})");
}

TEST(CliTest, NearModeRejectsBadParametersAsUsageErrors) {
  const fs::path dir = temp_dir("cli_near_bad");
  write_file(dir / "in.txt", "x\n");
  for (const char* flags : {"--threshold 1.5", "--threshold 0", "--verify nope", "--linkage x",
                            "--minhash x", "--shingle word:0", "--shingle bogus:3",
                            "--bands 20 --rows 20", "--bands 4", "--num-perm 0"}) {
    RunResult r =
        run_cli("cluster --mode near " + std::string(flags) + " " + quote(dir / "in.txt"));
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << flags << ": " << r.err;
  }
}

TEST(CliTest, NearModeOutputIsIdenticalForAnyThreadCount) {
  const fs::path dir = temp_dir("cli_near_threads");
  std::string in;
  for (int i = 0; i < 3000; ++i) {
    const int base = (i % 700) * 40;
    in += "d" + std::to_string(i) + "\t" + numbered_words(base, base + 30 + i % 5) + "\n";
  }
  write_file(dir / "in.tsv", in);
  RunResult one = run_cli("cluster --quiet --mode near --threads 1 " + quote(dir / "in.tsv"));
  RunResult two = run_cli("cluster --quiet --mode near --threads 2 " + quote(dir / "in.tsv"));
  RunResult five = run_cli("cluster --quiet --mode near --threads 5 " + quote(dir / "in.tsv"));
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(lines_of(one.out).size(), 3000u);
  EXPECT_EQ(one.out, two.out);
  EXPECT_EQ(one.out, five.out);
  EXPECT_NE(one.out.find("duplicate_of"), std::string::npos);
}

// Reads a flat JSONL file into one map per line: field -> value text (strings unescaped only
// trivially: enough for ids, labels and numbers).
std::vector<std::map<std::string, std::string>> read_records(const fs::path& path) {
  std::vector<std::map<std::string, std::string>> out;
  std::istringstream in(read_file(path));
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> rec;
    // Flat objects with string or number values, as neardup and neardup-synth write them.
    std::size_t i = line.find('{') + 1;
    while (i < line.size() && line[i] == '"') {
      const std::size_t key_end = line.find('"', i + 1);
      const std::string key = line.substr(i + 1, key_end - i - 1);
      std::size_t v = key_end + 2;  // after ':'
      std::size_t v_end = v;
      if (line[v] == '"') {
        v_end = line.find('"', v + 1) + 1;
        rec[key] = line.substr(v + 1, v_end - v - 2);
      } else {
        v_end = line.find_first_of(",}", v);
        rec[key] = line.substr(v, v_end - v);
      }
      i = v_end + 1;
    }
    out.push_back(std::move(rec));
  }
  return out;
}

// Quality on the synthetic corpus with planted edits (ground truth from neardup-synth): every
// planted pair with true Jaccard >= threshold + 0.05 is found, no pair below threshold - 0.05 is
// merged, and every reported similarity is at least threshold - 0.05.
TEST(CliTest, NearModeQualityOnPlantedSyntheticCorpus) {
  const fs::path dir = temp_dir("cli_near_quality");
  const std::string synth = std::string("'") + NEARDUP_SYNTH_PATH + "' --quiet --docs 3000 " +
                            "--seed 7 --output " + quote(dir / "corpus.jsonl") + " --truth " +
                            quote(dir / "truth.jsonl");
  ASSERT_EQ(std::system(synth.c_str()), 0);
  const auto truth = read_records(dir / "truth.jsonl");
  ASSERT_GT(truth.size(), 500u);
  for (const char* verify : {"shingles", "signature"}) {
    RunResult r =
        run_cli(std::string("cluster --quiet --mode near --verify ") + verify + " --output " +
                quote(dir / "pred.jsonl") + " " + quote(dir / "corpus.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::map<std::string, std::string>> pred;
    for (auto& rec : read_records(dir / "pred.jsonl")) pred[rec["id"]] = rec;
    ASSERT_EQ(pred.size(), 3000u);
    int must = 0, found = 0, low = 0, low_merged = 0, exact_pairs_checked = 0;
    for (const auto& t : truth) {
      const double j = std::stod(t.at("jaccard_w5"));
      const bool merged = pred[t.at("id")]["cluster"] == pred[t.at("source")]["cluster"];
      if (j >= 0.85) {
        ++must;
        found += merged ? 1 : 0;
      }
      if (j < 0.75) {
        ++low;
        low_merged += merged ? 1 : 0;
      }
      // With exact verification the reported similarity is the true Jaccard (4 digits).
      auto& p = pred[t.at("id")];
      if (std::string(verify) == "shingles" && p.count("duplicate_of") &&
          p["duplicate_of"] == t.at("source")) {
        EXPECT_NEAR(std::stod(p["similarity"]), j, 1e-4) << t.at("id");
        ++exact_pairs_checked;
      }
    }
    int reported = 0, reported_low = 0;
    for (auto& [id, p] : pred) {
      if (!p.count("similarity")) continue;
      ++reported;
      reported_low += std::stod(p["similarity"]) < 0.75 ? 1 : 0;
    }
    ASSERT_GT(must, 100) << verify;
    ASSERT_GT(low, 100) << verify;
    EXPECT_GE(found, must * 98 / 100) << verify << ": recall " << found << "/" << must;
    EXPECT_EQ(low_merged, 0) << verify;
    EXPECT_LE(reported_low * 100, reported) << verify << ": precision below 0.99";
    if (std::string(verify) == "shingles") {
      EXPECT_EQ(found, must);
      EXPECT_GT(exact_pairs_checked, 100);
    }
  }
}

TEST(CliTest, DedupExactKeepsFirstCopiesUnchangedAndWritesSidecar) {
  const fs::path dir = temp_dir("cli_dedup_exact");
  // Extra fields and odd spacing must survive byte for byte.
  const std::string a = R"({"id":"a", "text":"Same story.", "extra":[1,2]})";
  const std::string b = R"({"id":"b","text":"same   STORY."})";
  const std::string c = R"({"id":"c","text":"Other story."})";
  write_file(dir / "in.jsonl", a + "\n" + b + "\n" + c + "\n");
  RunResult r =
      run_cli("dedup --removed " + quote(dir / "removed.jsonl") + " " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, a + "\n" + c + "\n");
  EXPECT_EQ(read_file(dir / "removed.jsonl"),
            "{\"id\":\"b\",\"cluster\":\"a\",\"duplicate_of\":\"a\",\"similarity\":1}\n");
  EXPECT_NE(r.err.find("kept 2 of 3 records, removed 1 duplicates, skipped 0 malformed"),
            std::string::npos)
      << r.err;
}

TEST(CliTest, DedupNearKeepsTheRepresentativeByPolicyAndReadsStdin) {
  const fs::path dir = temp_dir("cli_dedup_near");
  // b is a longer near copy of a (10 more words), c is unrelated; "score" ranks b above a.
  const std::string a = "{\"id\":\"a\",\"score\":2,\"text\":\"" + numbered_words(0, 100) + "\"}";
  const std::string b = "{\"id\":\"b\",\"score\":10,\"text\":\"" + numbered_words(0, 110) + "\"}";
  const std::string c = "{\"id\":\"c\",\"score\":5,\"text\":\"" + numbered_words(300, 400) + "\"}";
  write_file(dir / "in.jsonl", a + "\n" + b + "\n" + c + "\n");
  const std::string base = "dedup --quiet --mode near --threshold 0.8 ";
  RunResult first = run_cli(base + quote(dir / "in.jsonl"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, a + "\n" + c + "\n");
  RunResult longest =
      run_cli(base + "--representative longest --removed " + quote(dir / "removed.jsonl") + " -",
              (dir / "in.jsonl").string());
  ASSERT_EQ(longest.exit_code, 0) << longest.err;
  EXPECT_EQ(longest.out, b + "\n" + c + "\n");
  EXPECT_EQ(read_file(dir / "removed.jsonl"),
            "{\"id\":\"a\",\"cluster\":\"a\",\"duplicate_of\":\"b\",\"similarity\":0.9057}\n");
  RunResult by_field = run_cli(base + "--representative field:score " + quote(dir / "in.jsonl"));
  ASSERT_EQ(by_field.exit_code, 0) << by_field.err;
  EXPECT_EQ(by_field.out, b + "\n" + c + "\n");  // 10 > 2 as numbers (not as text)
}

TEST(CliTest, ClusterReportsTheChosenRepresentative) {
  const fs::path dir = temp_dir("cli_rep");
  write_file(dir / "in.tsv",
             "a\t" + numbered_words(0, 100) + "\nb\t" + numbered_words(0, 110) + "\n");
  RunResult r =
      run_cli("cluster --quiet --mode near --representative longest " + quote(dir / "in.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "{\"id\":\"a\",\"cluster\":\"a\",\"duplicate_of\":\"b\",\"similarity\":0.9057}\n"
            "{\"id\":\"b\",\"cluster\":\"a\"}\n");
  // Exact mode streams and keeps the first copy: other policies are a usage error.
  EXPECT_EQ(run_cli("cluster --representative longest " + quote(dir / "in.tsv")).exit_code, 2);
  EXPECT_EQ(
      run_cli("cluster --mode near --representative tallest " + quote(dir / "in.tsv")).exit_code,
      2);
}

// Real data: every group of byte-identical Reuters bodies must end up in one cluster.
TEST(CliTest, ReutersIdenticalBodiesAreAllFound) {
  auto shared = testing::shared_datasets();
  if (!shared) GTEST_SKIP() << "../shared/datasets not present";
  const fs::path reuters = *shared / "reuters21578" / "reuters.jsonl.zst";
  if (!fs::exists(reuters)) GTEST_SKIP() << reuters << " not present";
  const fs::path dir = temp_dir("cli_reuters");
  RunResult r = run_cli("cluster --quiet --mode exact --output " + quote(dir / "pred.jsonl") + " " +
                        quote(reuters));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Clusters pred = parse_clusters(dir / "pred.jsonl");
  auto reader = DocumentReader::open(reuters.string(), ReaderOptions{});
  ASSERT_TRUE(reader.ok());
  std::map<std::string, std::vector<std::string>> by_body;
  Document d;
  while (true) {
    auto more = (*reader)->next(d);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    by_body[d.text].push_back(d.id);
  }
  ASSERT_EQ(pred.ids.size(), 19043u);
  std::size_t groups = 0, missed = 0;
  for (const auto& [body, ids] : by_body) {
    if (ids.size() < 2) continue;
    ++groups;
    for (const auto& id : ids) {
      if (pred.cluster.at(id) != pred.cluster.at(ids[0])) ++missed;
    }
  }
  EXPECT_GT(groups, 250u);  // 260 groups of byte-identical bodies (~350 after normalization)
  EXPECT_EQ(missed, 0u);
}

}  // namespace
}  // namespace neardup::testing
