// No silent wrong answer (issue 15, items 7, 8, 9 and 12), through the real binaries: a value or
// a field name the tool cannot use is a usage error (exit 2, one stderr line naming it) instead
// of a fallback; a record it skips or a field some records lack is counted in the summary.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// Exit 2, nothing on stdout, one stderr line holding `needle`.
void expect_usage_error(const RunResult& r, const std::string& needle) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

// Item 12a: `--num-perm -5` was read as 4294967291 ("num_perm 4294967291 exceeds the maximum");
// every unsigned flag of every command now refuses a sign, naming the flag and the value.
TEST(OptionValuesCliTest, NegativeValuesOfUnsignedFlagsAreUsageErrorsNamingTheFlag) {
  const fs::path dir = temp_dir("cli_negative_unsigned");
  const std::string in = quote(dir / "in.jsonl");
  write_file(dir / "in.jsonl", "{\"id\":\"a\",\"text\":\"one two three\"}\n");
  const struct {
    std::string args, needle;
  } cases[] = {
      {"cluster --mode near --num-perm -5 " + in,
       "--num-perm must be a non-negative integer, got -5"},
      {"cluster --mode near --num-perm=-5 " + in,
       "--num-perm must be a non-negative integer, got -5"},
      {"cluster --threads -1 " + in, "--threads must be a non-negative integer, got -1"},
      {"cluster --mode near --bands -3 " + in, "--bands must be a non-negative integer, got -3"},
      {"cluster --mode near --rows -2 " + in, "--rows must be a non-negative integer, got -2"},
      {"cluster --mode near --seed -1 " + in, "--seed must be a non-negative integer, got -1"},
      {"cluster --mode simhash --max-distance -1 " + in,
       "--max-distance must be a non-negative integer, got -1"},
      {"cluster --max-record-bytes -10 " + in,
       "--max-record-bytes must be a non-negative integer, got -10"},
      {"dedup --mode near --num-perm -64 " + in,
       "--num-perm must be a non-negative integer, got -64"},
      {"index build --index " + quote(dir / "i.ndx") + " --num-perm -5 " + in,
       "--num-perm must be a non-negative integer, got -5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.args);
    expect_usage_error(run_cli(c.args), c.needle);
  }
  EXPECT_FALSE(fs::exists(dir / "i.ndx"));
  RunResult synth = run_synth("--docs -5 -q");
  EXPECT_EQ(synth.exit_code, 2) << synth.err;
  EXPECT_NE(synth.err.find("--docs must be a non-negative integer, got -5"), std::string::npos)
      << synth.err;
  // Non-negative values still pass.
  RunResult ok = run_cli("cluster -q --mode near --num-perm 64 --bands 0 --seed 7 " + in);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

}  // namespace
}  // namespace neardup::testing
