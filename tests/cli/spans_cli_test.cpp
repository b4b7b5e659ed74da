// `dedup --mode lines|substring` and `cluster --mode lines`: repeated spans cut from each record
// with every other field kept, --removed, the same output for any --threads and --memory,
// standard input, and clear errors for bad flags and input.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

const char* const kSmall =
    "{\"id\":\"a\",\"text\":\"Welcome to Example News\\nFirst story body here.\\nCopyright "
    "Example News Ltd\",\"lang\":\"en\",\"n\":1}\n"
    "{\"id\":\"b\",\"meta\":{\"text\":\"nested\"},\"text\":\"Welcome to Example News\\nSecond "
    "story, other words.\\nCopyright Example News Ltd\"}\n"
    "{\"id\":\"c\",\"text\":\"Nothing repeated in this one at all.\",\"tags\":[\"x\",\"y\"]}\n";

// `s` as a JSON string literal, line breaks escaped too.
std::string json_text(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Pages of a few sites: each site has a header and a footer line on every page, and a pasted
// paragraph shows up in one page of ten.
std::string boilerplate_corpus(std::size_t docs, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out;
  for (std::size_t d = 0; d < docs; ++d) {
    const auto site = static_cast<unsigned>(rng() % 4);
    // Paragraphs are separated by blank lines, so that --unit paragraph sees them too.
    std::string text = "Site " + std::to_string(site) + " header: home | news | sport\n\n";
    const auto words = static_cast<unsigned>(20 + rng() % 40);
    for (unsigned w = 0; w < words; ++w) text += "w" + std::to_string(rng() % 5000) + " ";
    text += "\n\n";
    if (d % 10 == 3) {
      text += "This paragraph was pasted into many pages of the corpus verbatim.\n\n";
    }
    text += "(c) Site " + std::to_string(site) + " footer, all rights reserved";
    out += "{\"id\":\"d" + std::to_string(d) + "\",\"text\":" + json_text(text) +
           ",\"k\":" + std::to_string(d) + "}\n";
  }
  return out;
}

TEST(SpansCli, LinesDedupCutsRepeatsAndKeepsEveryOtherField) {
  const fs::path dir = temp_dir("spans_cli_lines");
  write_file(dir / "in.jsonl", kSmall);
  RunResult r = run_cli("dedup --mode lines --removed " + quote(dir / "removed.jsonl") + " " +
                        quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u);
  // The first copy stays byte for byte; the second loses header and footer; fields, their
  // order and the nested "text" stay.
  EXPECT_EQ(out[0] + "\n", lines_of(kSmall)[0] + "\n");
  EXPECT_EQ(out[1],
            "{\"id\":\"b\",\"meta\":{\"text\":\"nested\"},\"text\":\"Second story, other "
            "words.\\n\"}");
  EXPECT_EQ(out[2], lines_of(kSmall)[2]);
  const std::vector<std::string> removed = lines_of(read_file(dir / "removed.jsonl"));
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(
      removed[0],
      "{\"id\":\"b\",\"begin\":0,\"end\":23,\"text\":\"Welcome to Example News\",\"docs\":2}");
  EXPECT_EQ(field_of(removed[1], "text"), "Copyright Example News Ltd");
  EXPECT_NE(r.err.find("cut"), std::string::npos) << r.err;

  // --keep-first no: the first copy loses them too; --min-length drops what is left too short.
  r = run_cli("dedup -q --mode lines --keep-first no --min-length 24 " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> strict = lines_of(r.out);
  ASSERT_EQ(strict.size(), 2u);  // "Second story, other words.\n" stays, "First story..." goes
  EXPECT_EQ(field_of(strict[0], "id"), "b");
  EXPECT_EQ(field_of(strict[1], "id"), "c");
}

TEST(SpansCli, ClusterReportsTheRepeatedShare) {
  const fs::path dir = temp_dir("spans_cli_share");
  write_file(dir / "in.jsonl", kSmall);
  RunResult r = run_cli("cluster -q --mode lines " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[2],
            "{\"id\":\"c\",\"bytes\":36,\"repeated_bytes\":0,\"repeated_fraction\":0.0000,"
            "\"units\":1,\"repeated_units\":0}");
  const std::vector<Record> records = parse_jsonl(r.out);
  EXPECT_EQ(records[0].at("repeated_bytes"), "49");  // 23 + 26: header and footer
  EXPECT_EQ(records[0].at("repeated_units"), "2");
  EXPECT_EQ(records[1].at("repeated_fraction"), "0.6364");  // 49 of 77 bytes
}

TEST(SpansCli, OutputIsTheSameForAnyThreadsMemoryAndStdin) {
  const fs::path dir = temp_dir("spans_cli_threads");
  const fs::path in = dir / "in.jsonl";
  write_file(in, boilerplate_corpus(3000, 11));
  for (const std::string mode :
       {"--mode lines", "--mode lines --unit paragraph", "--mode lines --unit sentences:2",
        "--mode substring --min-bytes 30"}) {
    RunResult base = run_cli("dedup -q " + mode + " --threads 1 " + quote(in));
    ASSERT_EQ(base.exit_code, 0) << base.err;
    ASSERT_EQ(lines_of(base.out).size(), 3000u) << mode;
    EXPECT_TRUE(base.out != read_file(in)) << mode << ": nothing was cut";
    RunResult two = run_cli("dedup -q " + mode + " --threads 2 " + quote(in));
    EXPECT_TRUE(two.out == base.out) << mode;
    RunResult piped = run_cli("dedup -q " + mode + " --threads 2 -", in.string());
    EXPECT_TRUE(piped.out == base.out) << mode;
  }
  RunResult mem = run_cli("dedup -q --mode lines " + quote(in));
  RunResult spilled =
      run_cli("dedup -q --mode lines --memory 64K --tmp-dir " + quote(dir) + " " + quote(in));
  ASSERT_EQ(spilled.exit_code, 0) << spilled.err;
  EXPECT_TRUE(spilled.out == mem.out);
  // Every header and footer line is cut from all but the first page of its site.
  std::size_t headers = 0;
  for (const Record& rec : parse_jsonl(mem.out)) {
    headers += rec.at("text").find("header: home") != std::string::npos;
  }
  EXPECT_EQ(headers, 4u);
}

TEST(SpansCli, SubstringCutsLaterCopiesOnly) {
  const fs::path dir = temp_dir("spans_cli_substring");
  const std::string shared = "the same long sentence that was copied from one page to another";
  write_file(dir / "in.jsonl", "{\"id\":\"1\",\"text\":\"First: " + shared + ".\"}\n" +
                                   "{\"id\":\"2\",\"text\":\"Unrelated words only.\"}\n" +
                                   "{\"id\":\"3\",\"text\":\"Then " + shared + "!\",\"x\":true}\n");
  RunResult r = run_cli("dedup -q --mode substring --min-bytes 40 --removed " +
                        quote(dir / "rm.jsonl") + " " + quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(field_of(out[0], "text"), "First: " + shared + ".");
  EXPECT_EQ(out[2], "{\"id\":\"3\",\"text\":\"Then!\",\"x\":true}");
  const std::vector<std::string> removed = lines_of(read_file(dir / "rm.jsonl"));
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(field_of(removed[0], "text"), " " + shared);
  // --min-tokens above the repeat's 13 tokens: nothing is cut.
  r = run_cli("dedup -q --mode substring --min-bytes 40 --min-tokens 14 " +
              quote(dir / "in.jsonl"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, read_file(dir / "in.jsonl"));
}

TEST(SpansCli, SubstringPastItsMemoryLimitIsAClearError) {
  const fs::path dir = temp_dir("spans_cli_limit");
  write_file(dir / "in.jsonl", boilerplate_corpus(2000, 3));
  write_file(dir / "out.jsonl", "previous\n");
  RunResult r = run_cli("dedup --mode substring --memory 64K -o " + quote(dir / "out.jsonl") + " " +
                        quote(dir / "in.jsonl"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("9 bytes per byte of text"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(dir / "out.jsonl"), "previous\n");
}

TEST(SpansCli, TextAndTsvInputsAndDirectories) {
  const fs::path dir = temp_dir("spans_cli_formats");
  write_file(dir / "in.tsv",
             "x\tshared line of boilerplate. body one\ny\tshared line of boilerplate. body two\n");
  RunResult r = run_cli("dedup -q --mode lines --unit sentences:1 " + quote(dir / "in.tsv"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "x\tshared line of boilerplate. body one\ny\tbody two\n");
  fs::create_directories(dir / "docs");
  write_file(dir / "docs" / "a.txt", "Common footer line here\nalpha\n");
  write_file(dir / "docs" / "b.txt", "Common footer line here\nbeta\n");
  r = run_cli("dedup -q --mode lines " + quote(dir / "docs"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> out = lines_of(r.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1], "{\"id\":\"b.txt\",\"text\":\"beta\\n\"}");
}

TEST(SpansCli, BadFlagsAndInputAreReported) {
  const fs::path dir = temp_dir("spans_cli_bad");
  write_file(dir / "in.jsonl", kSmall);
  const std::string in = quote(dir / "in.jsonl");
  for (const std::string args :
       {"dedup --mode lines --unit words", "dedup --mode lines --unit sentences:0",
        "dedup --mode lines --min-docs 1", "dedup --mode substring --min-bytes 0",
        "dedup --mode substring --min-bytes 70000", "dedup --mode lines --min-bytes 5",
        "dedup --mode substring --unit line", "cluster --mode substring",
        "dedup --mode lines --representative longest", "dedup --mode lines --keep-first maybe",
        "cluster --mode lines --keep-first no", "cluster --mode lines --min-length 5"}) {
    RunResult r = run_cli(args + " " + in);
    EXPECT_EQ(r.exit_code, 2) << args << ": " << r.err;
    EXPECT_EQ(r.out, "") << args;
  }
  write_file(dir / "bad.jsonl", std::string(kSmall) + "{\"id\":\"z\",\"text\": nope}\n");
  RunResult r = run_cli("dedup --mode lines " + quote(dir / "bad.jsonl"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("bad.jsonl:4"), std::string::npos) << r.err;
  r = run_cli("dedup --mode lines --skip-bad " + quote(dir / "bad.jsonl"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out).size(), 3u);
  EXPECT_NE(r.err.find("skipped 1 malformed"), std::string::npos) << r.err;
}

TEST(SpansCli, GoldenOutputOfBothModes) {
  // Pinned: a change here is a change of behaviour (unit splitting, cutting, JSON rewriting).
  const fs::path dir = temp_dir("spans_cli_golden");
  write_file(dir / "in.jsonl", boilerplate_corpus(40, 5));
  RunResult lines = run_cli("dedup -q --mode lines " + quote(dir / "in.jsonl"));
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  RunResult sub = run_cli("dedup -q --mode substring --min-bytes 25 " + quote(dir / "in.jsonl"));
  ASSERT_EQ(sub.exit_code, 0) << sub.err;
  const std::vector<std::string> l = lines_of(lines.out), s = lines_of(sub.out);
  ASSERT_EQ(l.size(), 40u);
  ASSERT_EQ(s.size(), 40u);
  EXPECT_EQ(
      l[13],
      R"({"id":"d13","text":"w4855 w2229 w1391 w4906 w572 w883 w2843 w2799 w1171 w2939 w1345 w4241 w2117 w4720 w2271 w4961 w4591 w1141 w1302 w1413 w938 w1412 w1114 w3154 w4034 w1076 w2484 w2951 w3837 w3139 w4993 w2721 w4837 w256 w4753 w1470 w1834 w1830 w705 w154 w2752 w503 \n\n","k":13})");
  EXPECT_EQ(
      s[13],
      R"({"id":"d13","text":"55 w2229 w1391 w4906 w572 w883 w2843 w2799 w1171 w2939 w1345 w4241 w2117 w4720 w2271 w4961 w4591 w1141 w1302 w1413 w938 w1412 w1114 w3154 w4034 w1076 w2484 w2951 w3837 w3139 w4993 w2721 w4837 w256 w4753 w1470 w1834 w1830 w705 w154 w2752 w503","k":13})");
}

}  // namespace
}  // namespace neardup::testing
