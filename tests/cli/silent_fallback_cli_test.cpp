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
using fixtures::numbered_words;

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

// Item 7: with --skip-bad a malformed line went neither to the output nor to --removed, and the
// summary said "kept 3 of 3, removed 0": the summary now counts the skipped records.
TEST(DedupSummaryCliTest, SkippedMalformedRecordsAreCountedInTheSummary) {
  const fs::path dir = temp_dir("cli_dedup_skipped");
  const std::string a = R"({"id":"a","text":"one fish two fish red fish blue fish"})";
  const std::string b = R"({"id":"b","text":"the quick brown fox jumps over the lazy dog"})";
  const std::string c = R"({"id":"c","text":"a stitch in time saves nine"})";
  write_file(dir / "in.jsonl", a + "\n{\"id\": oops\n" + b + "\n" + c + "\n");
  // --memory: the spilled runs of exact and near mode (issue 16) count the same way.
  for (const char* mode : {"exact", "near", "simhash", "exact --memory 64M", "near --memory 64M"}) {
    SCOPED_TRACE(mode);
    RunResult r = run_cli(std::string("dedup --skip-bad --mode ") + mode + " --removed " +
                          quote(dir / "removed.jsonl") + " " + quote(dir / "in.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, a + "\n" + b + "\n" + c + "\n");
    EXPECT_EQ(read_file(dir / "removed.jsonl"), "");
    EXPECT_NE(r.err.find("dedup: kept 3 of 4 records, removed 0 duplicates, skipped 1 malformed"),
              std::string::npos)
        << r.err;
  }
}

// Item 7: `"text": null` stopped the run ("text field is not a string"); it is empty text now,
// counted in the summary.
TEST(DedupSummaryCliTest, NullTextIsEmptyTextAndCounted) {
  const fs::path dir = temp_dir("cli_null_text");
  const std::string a = R"({"id":"a","text":null,"title":"kept as it was"})";
  const std::string b = R"({"id":"b","text":"some words of text here"})";
  write_file(dir / "in.jsonl", a + "\n" + b + "\n");
  RunResult d = run_cli("dedup " + quote(dir / "in.jsonl"));
  ASSERT_EQ(d.exit_code, 0) << d.err;
  EXPECT_EQ(d.out, a + "\n" + b + "\n");
  EXPECT_NE(d.err.find("kept 2 of 2 records, removed 0 duplicates, skipped 0 malformed, 1 record "
                       "with null text"),
            std::string::npos)
      << d.err;
  for (const char* mode : {"exact", "near", "simhash", "story"}) {
    SCOPED_TRACE(mode);
    RunResult r = run_cli(std::string("cluster --mode ") + mode + " " + quote(dir / "in.jsonl"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_of(r.out).size(), 2u) << r.out;
    EXPECT_NE(r.err.find("1 records with null text"), std::string::npos) << r.err;
  }
}

// Item 8: a typo in --gold-field scored everything 0 with exit 0.
TEST(EvalCliTest, AGoldFieldThatNoGoldRecordHasIsAnError) {
  const fs::path dir = temp_dir("cli_eval_gold_field");
  write_file(dir / "gold.jsonl",
             "{\"id\":\"a\",\"story\":\"s1\"}\n{\"id\":\"b\",\"story\":\"s1\"}\n");
  write_file(dir / "pred.jsonl",
             "{\"id\":\"a\",\"cluster\":\"a\"}\n{\"id\":\"b\",\"cluster\":\"a\"}\n");
  const std::string files =
      " --gold " + quote(dir / "gold.jsonl") + " --pred " + quote(dir / "pred.jsonl");
  expect_usage_error(run_cli("eval --gold-field nope" + files), "'nope' (--gold-field)");
  RunResult ok = run_cli("eval" + files);
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_NE(ok.out.find("\"bcubed_f1\":1,"), std::string::npos) << ok.out;
}

// Item 8: gold ids missing from the prediction were left out of the scores (35 of 65 missing
// still read B-cubed F1 0.974); each now counts as a singleton of the prediction.
TEST(EvalCliTest, GoldIdsMissingFromThePredictionAreScoredAsSingletons) {
  const fs::path dir = temp_dir("cli_eval_missing");
  write_file(dir / "gold.jsonl",
             "{\"id\":\"a\",\"story\":\"s\"}\n{\"id\":\"b\",\"story\":\"s\"}\n"
             "{\"id\":\"c\",\"story\":\"s\"}\n{\"id\":\"d\",\"story\":\"s\"}\n");
  // c and d are missing; x is not in the gold.
  write_file(dir / "pred.jsonl",
             "{\"id\":\"a\",\"cluster\":\"a\"}\n{\"id\":\"b\",\"cluster\":\"a\"}\n"
             "{\"id\":\"x\",\"cluster\":\"a\"}\n");
  RunResult r =
      run_cli("eval --gold " + quote(dir / "gold.jsonl") + " --pred " + quote(dir / "pred.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<Record> out = parse_jsonl(r.out);
  ASSERT_EQ(out.size(), 1u);
  const Record& s = out[0];
  EXPECT_EQ(s.at("documents"), "4");
  EXPECT_EQ(s.at("pred_clusters"), "3");  // {a,b}, {c}, {d}
  // B-cubed recall: a and b find 2 of their 4, c and d 1 of 4: (0.5 + 0.5 + 0.25 + 0.25) / 4.
  EXPECT_EQ(s.at("bcubed_recall"), "0.375");
  EXPECT_EQ(s.at("bcubed_precision"), "1");
  EXPECT_EQ(s.at("pairwise_recall"), "0.166667");  // 1 of the 6 gold pairs
  EXPECT_EQ(s.at("gold_not_in_pred"), "2");
  EXPECT_EQ(s.at("pred_not_in_gold"), "1");
  EXPECT_NE(r.err.find("2 gold documents missing from the prediction, scored as singletons"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("1 predicted document not in the gold, ignored"), std::string::npos)
      << r.err;
}

// Item 12b: `--window 3` meant 3 seconds without a word; a bare number other than 0 is a usage
// error now, and the documented forms still work.
TEST(OptionValuesCliTest, AStoryWindowWithoutAUnitIsAUsageError) {
  const fs::path dir = temp_dir("cli_window_unit");
  write_file(dir / "in.jsonl", "{\"id\":\"a\",\"time\":1,\"text\":\"one two three\"}\n");
  const std::string base = "cluster --mode story --time-field time ";
  const std::string in = " " + quote(dir / "in.jsonl");
  expect_usage_error(run_cli(base + "--window 3" + in), "--window 3 has no unit");
  expect_usage_error(run_cli(base + "--window 2.5" + in), "--window 2.5 has no unit");
  for (const char* ok : {"0", "3d", "12h", "90m", "3600s", "2w"}) {
    RunResult r = run_cli(base + "-q --window " + ok + in);
    EXPECT_EQ(r.exit_code, 0) << ok << ": " << r.err;
  }
}

// The story corpus of the time-field and representative tests: `time` and `score` in some
// records only.
fs::path partly_labelled(const std::string& name) {
  const fs::path dir = temp_dir(name);
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"time\":1,\"score\":3,\"text\":\"" + numbered_words(0, 60) + "\"}\n" +
                 "{\"id\":\"b\",\"time\":2,\"score\":9,\"text\":\"" + numbered_words(0, 62) +
                 "\"}\n" + "{\"id\":\"c\",\"text\":\"" + numbered_words(0, 61) + "\"}\n");
  return dir / "in.jsonl";
}

// Item 12c: `--time-field nope` reported "65 without a usable time" and exit 0.
TEST(StoryFieldsCliTest, ATimeFieldThatNoRecordHasIsAUsageError) {
  const std::string in = quote(partly_labelled("cli_time_field"));
  for (const char* extra : {"", "--stream "}) {
    SCOPED_TRACE(extra);
    RunResult nope =
        run_cli(std::string("cluster --mode story ") + extra + "--time-field nope " + in);
    EXPECT_EQ(nope.exit_code, 2) << nope.err;
    EXPECT_EQ(lines_of(nope.err).size(), 1u) << nope.err;
    EXPECT_NE(nope.err.find("no record has the field 'nope' (--time-field)"), std::string::npos)
        << nope.err;
    // In batch nothing is written; a stream has written its records as they came.
    if (std::string(extra).empty()) {
      EXPECT_EQ(nope.out, "");
    }
    // A field some records lack: they are counted, the run goes on.
    RunResult r = run_cli(std::string("cluster --mode story ") + extra + "--time-field time " + in);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(lines_of(r.out).size(), 3u);
    EXPECT_NE(r.err.find("1 without a usable time"), std::string::npos) << r.err;
  }
}

// Item 12d: `--representative field:nope` fell back to the first member without a word.
TEST(RepresentativeCliTest, ARepresentativeFieldThatNoRecordHasIsAUsageError) {
  const std::string in = quote(partly_labelled("cli_rep_field"));
  for (const char* command : {"cluster", "dedup"}) {
    for (const char* mode : {"near", "simhash", "near --memory 64M"}) {
      SCOPED_TRACE(std::string(command) + " " + mode);
      const std::string base = std::string(command) + " --mode " + mode + " --representative ";
      expect_usage_error(run_cli(base + "field:nope " + in),
                         "no record has the field 'nope' (--representative field:nope)");
      // c lacks "score": counted, ranked below any value; b (score 9) represents.
      RunResult r = run_cli(base + "field:score " + in);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      EXPECT_NE(r.err.find("1 record without the field 'score' (ranked last)"), std::string::npos)
          << r.err;
    }
  }
  RunResult r = run_cli("cluster --mode near --representative field:score " + in);
  EXPECT_EQ(field_of(lines_of(r.out)[0], "duplicate_of"), "b") << r.out;
}

// Item 12e: `neardup pairs` on a file without text1/text2 scored every pair 0, exit 0.
TEST(PairsCliTest, TextFieldsThatNoRecordHasAreAUsageError) {
  const fs::path dir = temp_dir("cli_pairs_fields");
  write_file(dir / "none.jsonl", "{\"a\":\"one text\",\"b\":\"another text\"}\n");
  expect_usage_error(run_cli("pairs " + quote(dir / "none.jsonl")),
                     "no record has the field 'text1' (--field1) nor 'text2' (--field2)");
  write_file(dir / "half.jsonl", "{\"text1\":\"one text\",\"b\":\"another text\"}\n");
  RunResult half = run_cli("pairs " + quote(dir / "half.jsonl"));
  expect_usage_error(half, "no record has the field 'text2' (--field2)");
  EXPECT_EQ(half.err.find("text1"), std::string::npos) << half.err;
  // Some records lacking a field are counted, as before.
  write_file(dir / "some.jsonl",
             "{\"text1\":\"one text\",\"text2\":\"one text\"}\n{\"text1\":\"one text\"}\n");
  RunResult some = run_cli("pairs " + quote(dir / "some.jsonl"));
  EXPECT_EQ(some.exit_code, 0) << some.err;
  EXPECT_EQ(lines_of(some.out).size(), 2u);
  EXPECT_NE(some.err.find("1 missing a text field"), std::string::npos) << some.err;
}

}  // namespace
}  // namespace neardup::testing
