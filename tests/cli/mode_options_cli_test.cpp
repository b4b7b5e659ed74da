// The CLI's mode table and option groups (tools/mode.h, tools/option_groups.h) through the real
// binary: an option the chosen mode does not read, or a mode the command does not take, is a
// usage error (exit 2, one stderr line naming it) instead of being ignored; the options a mode
// does read are accepted; --help lists only options the command can use.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup {
namespace {

namespace fs = std::filesystem;
using testing::lines_of;
using testing::run_cli;
using testing::RunResult;
using testing::temp_dir;
using testing::write_file;

// A small corpus every mode can cluster (with a time field for story mode).
fs::path corpus(const std::string& name) {
  const fs::path dir = temp_dir(name);
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"time\":1,\"text\":\"The central bank raised interest rates by a "
             "quarter point on Tuesday\"}\n"
             "{\"id\":\"b\",\"time\":2,\"text\":\"The central bank raised interest rates by a "
             "quarter point on Tuesday.\"}\n"
             "{\"id\":\"c\",\"time\":3,\"text\":\"A storm closed the harbour and cancelled every "
             "ferry to the islands\"}\n");
  return dir / "in.jsonl";
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// Exit 2, nothing on stdout, one stderr line "neardup: <command>: ..." containing `needle`.
void expect_usage_error(const std::string& command, const std::string& args,
                        const std::string& needle) {
  RunResult r = run_cli(command + " " + args);
  EXPECT_EQ(r.exit_code, 2) << command << " " << args << ": " << r.err;
  EXPECT_EQ(r.out, "") << args;
  ASSERT_EQ(lines_of(r.err).size(), 1u) << args << ": " << r.err;
  EXPECT_EQ(r.err.rfind("neardup: " + command + ": ", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << args << ": " << r.err;
}

TEST(ModeOptionsCliTest, OptionOfAnotherModeIsAUsageErrorNamingOptionAndMode) {
  const std::string in = quote(corpus("mode_opts_other"));
  struct Case {
    const char* command;
    const char* args;
    const char* option;
    const char* mode;
  };
  const Case cases[] = {
      {"cluster", "--mode near --max-distance 5", "--max-distance", "near"},
      {"cluster", "--mode near --bits 128", "--bits", "near"},
      {"cluster", "--mode near --simhash-weights tfidf", "--simhash-weights", "near"},
      {"cluster", "--mode near --time-field time", "--time-field", "near"},
      {"cluster", "--mode near --stem", "--stem", "near"},
      {"cluster", "--mode exact --num-perm 64", "--num-perm", "exact"},
      {"cluster", "--mode exact --threshold 0.5", "--threshold", "exact"},
      {"cluster", "--mode exact --seed 7", "--seed", "exact"},
      {"cluster", "--mode exact --window 3d", "--window", "exact"},
      {"cluster", "--mode exact --linkage representative", "--linkage", "exact"},
      {"cluster", "--mode simhash --linkage components", "--linkage", "simhash"},
      {"cluster", "--mode simhash --minhash perm", "--minhash", "simhash"},
      {"cluster", "--mode simhash --idf-model x.idf", "--idf-model", "simhash"},
      // simhash reads --threshold only to verify pairs by shingle Jaccard.
      {"cluster", "--mode simhash --threshold 0.5", "--threshold", "simhash"},
      {"cluster", "--mode story --shingle word:3", "--shingle", "story"},
      {"cluster", "--mode story --no-nfkc", "--no-nfkc", "story"},
      {"cluster", "--mode story --verify shingles", "--verify", "story"},
      {"cluster", "--mode story --bands 4", "--bands", "story"},
      {"dedup", "--mode near --max-distance 5", "--max-distance", "near"},
      {"dedup", "--mode exact --shingle char:4", "--shingle", "exact"},
      {"dedup", "--mode simhash --rows 3", "--rows", "simhash"},
      {"index build --index x.ndx", "--mode near --max-distance 5", "--max-distance", "near"},
      {"index build --index x.ndx", "--bits 128", "--bits", "near"},  // near is the default
      {"index build --index x.ndx", "--mode simhash --num-perm 64", "--num-perm", "simhash"},
      {"index build --index x.ndx", "--mode simhash --threshold 0.5", "--threshold", "simhash"},
  };
  for (const Case& c : cases) {
    std::string command = c.command, args = std::string(c.args) + " " + in;
    // "index build --index x.ndx": the command is "index build", the rest are arguments.
    if (const std::size_t index = command.find(" --index"); index != std::string::npos) {
      args = command.substr(index + 1) + " " + args;
      command.resize(index);
    }
    expect_usage_error(command, args,
                       std::string(c.option) + " does not apply to --mode " + c.mode);
  }
}

TEST(ModeOptionsCliTest, OptionsAModeReadsAreAccepted) {
  const fs::path dir = temp_dir("mode_opts_ok");
  const std::string in = quote(corpus("mode_opts_ok_in"));
  for (const char* args :
       {"cluster --mode near --threshold 0.5 --num-perm 64 --seed 3 --linkage representative",
        "cluster --mode near --no-nfkc --verify signature",
        "cluster --mode simhash --threshold 0.5 --verify shingles --bits 128 --max-distance 6",
        "cluster --mode simhash --simhash-weights tfidf --shingle word:3 --seed 2",
        "cluster --mode story --threshold 0.3 --stem --language english --time-field time "
        "--window 2d --single-pass --title-field headline --seed 4",
        "cluster --mode exact --no-case-fold --representative first",
        "dedup --mode near --threshold 0.9 --linkage representative",
        "dedup --mode simhash --max-distance 2 --simhash-weights tfidf",
        "dedup --mode exact --decode-html"}) {
    RunResult r = run_cli(std::string(args) + " -q " + in);
    EXPECT_EQ(r.exit_code, 0) << args << ": " << r.err;
  }
  const std::string near = quote(dir / "near.ndx"), sim = quote(dir / "sim.ndx");
  RunResult r = run_cli("index build -q --index " + near +
                        " --threshold 0.7 --num-perm 64 --minhash perm --bands 8 --rows 8 " + in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_cli("index build -q --mode simhash --index " + sim +
              " --bits 128 --max-distance 5 --shingle word:3 --seed 9 " + in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(ModeOptionsCliTest, ModeTheCommandDoesNotTakeIsAUsageError) {
  const std::string in = quote(corpus("mode_opts_cmd"));
  // Known modes a command does not take: the message lists the ones it does.
  expect_usage_error("dedup", "--mode story " + in,
                     "--mode story is not available here (available: exact, near, simhash, "
                     "containment, lines, substring)");
  expect_usage_error("index build", "--index x.ndx --mode exact " + in,
                     "--mode exact is not available here (available: near, simhash, containment)");
  expect_usage_error("index build", "--index x.ndx --mode story " + in,
                     "--mode story is not available here (available: near, simhash, containment)");
  // Unknown modes.
  expect_usage_error("cluster", "--mode nonsense " + in,
                     "unknown --mode 'nonsense' (available: exact, near, simhash, containment, "
                     "story, lines)");
  expect_usage_error(
      "dedup", "--mode Near " + in,
      "unknown --mode 'Near' (available: exact, near, simhash, containment, lines, substring)");
  expect_usage_error("index build", "--index x.ndx --mode minhash " + in,
                     "unknown --mode 'minhash' (available: near, simhash, containment)");
  // Commands without modes do not take --mode at all.
  expect_usage_error("index query", "--index x.ndx --mode near " + in, "--mode");
  RunResult idf = run_cli("idf build -o m.idf --mode story " + in);
  EXPECT_EQ(idf.exit_code, 2);
  EXPECT_NE(idf.err.find("--mode"), std::string::npos) << idf.err;
}

TEST(ModeOptionsCliTest, HelpListsOnlyOptionsTheCommandCanUse) {
  RunResult query = run_cli("index query --help");
  ASSERT_EQ(query.exit_code, 0);
  EXPECT_EQ(query.out.find("--seed"), std::string::npos) << query.out;  // stored in the index
  EXPECT_EQ(query.out.find("--mode"), std::string::npos) << query.out;
  expect_usage_error("index query", "--index x.ndx --seed 3 x.jsonl", "--seed");
  RunResult add = run_cli("index add --help");
  ASSERT_EQ(add.exit_code, 0);
  EXPECT_EQ(add.out.find("--seed"), std::string::npos) << add.out;

  // dedup takes no story mode, so none of story mode's options.
  RunResult dedup = run_cli("dedup --help");
  ASSERT_EQ(dedup.exit_code, 0);
  for (const char* story_only : {"--time-field", "--window", "--stream", "--single-pass",
                                 "--language", "--stem", "--idf-model", "--title-field"}) {
    EXPECT_EQ(dedup.out.find(story_only), std::string::npos) << story_only;
  }
  for (const char* s : {"--linkage", "--simhash-weights", "--max-distance", "--num-perm",
                        "(=exact)", "--removed"}) {
    EXPECT_NE(dedup.out.find(s), std::string::npos) << s;
  }

  // cluster: every mode of the table, with its one-line help, and every mode's own flags.
  RunResult cluster = run_cli("cluster --help");
  ASSERT_EQ(cluster.exit_code, 0);
  for (const char* s :
       {"exact: ", "near: ", "simhash: ", "story: ", "--linkage arg (=components)",
        "--simhash-weights arg (=tfidf)", "--time-field", "--stream",
        "containment: ", "--keep arg (=container)", "--language arg (=auto)", "--seed arg (=1)"}) {
    EXPECT_NE(cluster.out.find(s), std::string::npos) << s;
  }
  // index build: each flag of both index kinds with its default, no clustering-only flag.
  RunResult build = run_cli("index build --help");
  ASSERT_EQ(build.exit_code, 0);
  for (const char* s : {"--mode arg (=near)", "--threshold arg (=0.8)", "--bits arg (=64)",
                        "--max-distance arg (=3)", "--seed arg (=1)"}) {
    EXPECT_NE(build.out.find(s), std::string::npos) << s;
  }
  for (const char* s : {"--verify", "--linkage", "--simhash-weights", "--representative"}) {
    EXPECT_EQ(build.out.find(s), std::string::npos) << s;
  }
}

// --language, --stem and --seed decide an IDF model's fingerprint: idf build, story mode and
// pairs register them from one group, so the same flags give a model the others accept.
TEST(ModeOptionsCliTest, StoryFeatureFlagsAgreeAcrossIdfClusterAndPairs) {
  const fs::path dir = temp_dir("mode_opts_idf");
  const std::string in = quote(corpus("mode_opts_idf_in"));
  const std::string model = quote(dir / "m.idf");
  ASSERT_EQ(
      run_cli("idf build -q --language english --stem --seed 5 -o " + model + " " + in).exit_code,
      0);
  RunResult same = run_cli(
      "cluster -q --mode story --language english --stem --seed 5 "
      "--idf-model " +
      model + " " + in);
  EXPECT_EQ(same.exit_code, 0) << same.err;
  RunResult other = run_cli("cluster -q --mode story --language english --seed 5 --idf-model " +
                            model + " " + in);
  EXPECT_NE(other.exit_code, 0);
  EXPECT_NE(other.err.find("other feature settings"), std::string::npos) << other.err;

  write_file(dir / "pairs.jsonl", "{\"text1\":\"central bank rates\",\"text2\":\"bank rates\"}\n");
  RunResult pairs = run_cli("pairs -q --language english --stem --seed 5 --idf-model " + model +
                            " " + quote(dir / "pairs.jsonl"));
  EXPECT_EQ(pairs.exit_code, 0) << pairs.err;
  RunResult pairs_other = run_cli("pairs -q --language english --seed 5 --idf-model " + model +
                                  " " + quote(dir / "pairs.jsonl"));
  EXPECT_NE(pairs_other.exit_code, 0);
}

}  // namespace
}  // namespace neardup
