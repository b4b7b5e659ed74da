// End-to-end tests of `--mode containment` in `neardup cluster` and `neardup dedup` (an article
// embedded in a larger page), and of HTML entity decoding, on by default, through the CLI.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;
using fixtures::random_text;

// art: a 150-word article; other: unrelated; page: 400 words, the article, 500 words;
// copy: the article again; blank: empty text.
fs::path write_corpus(const std::string& name) {
  const fs::path dir = temp_dir(name);
  const std::string art = random_text(uint64_t{31}, 150);
  const std::string page =
      random_text(uint64_t{32}, 400) + " " + art + " " + random_text(uint64_t{33}, 500);
  write_file(dir / "in.tsv", "art\t" + art + "\nother\t" + random_text(uint64_t{34}, 300) +
                                 "\npage\t" + page + "\ncopy\t" + art + "\nblank\t\n");
  return dir / "in.tsv";
}

std::vector<std::string> ids_of(const std::string& tsv) {
  std::vector<std::string> ids;
  for (const std::string& line : lines_of(tsv)) ids.push_back(line.substr(0, line.find('\t')));
  return ids;
}

TEST(ContainmentCliTest, ClusterReportsWhichDocumentContainsWhich) {
  const fs::path in = write_corpus("containment_cli_cluster");
  RunResult r = run_cli("cluster --mode containment --threshold 0.9 " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Golden: the page contains the article and its copy; the page is kept (--keep container).
  EXPECT_EQ(r.out, R"({"id":"art","cluster":"art","duplicate_of":"page","similarity":1,)"
                   R"("contained_in":"page","containment":1})"
                   "\n"
                   R"({"id":"other","cluster":"other"})"
                   "\n"
                   R"({"id":"page","cluster":"art"})"
                   "\n"
                   R"({"id":"copy","cluster":"art","duplicate_of":"page","similarity":1,)"
                   R"("contained_in":"page","containment":1})"
                   "\n"
                   R"({"id":"blank","cluster":"blank"})"
                   "\n");
  EXPECT_NE(r.err.find("mode containment (threshold 0.90, word:5, 128 slots"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 contained in another, 3 kept, 1 empty"), std::string::npos) << r.err;
  // The same for any thread count.
  RunResult two = run_cli("cluster -q --threads 2 --mode containment --threshold 0.9 " + quote(in));
  EXPECT_EQ(two.out, r.out);
  // Keep the contained: the article is kept and the page and the copy point to it; who
  // contains whom does not change.
  RunResult k = run_cli("cluster -q --mode containment --keep contained " + quote(in));
  ASSERT_EQ(k.exit_code, 0) << k.err;
  const auto lines = lines_of(k.out);
  ASSERT_EQ(lines.size(), 5u);
  EXPECT_EQ(lines[0], R"({"id":"art","cluster":"art","contained_in":"page","containment":1})");
  EXPECT_EQ(lines[2], R"({"id":"page","cluster":"art","duplicate_of":"art","similarity":1})");
}

TEST(ContainmentCliTest, DedupDropsTheContainedOrTheContainerByPolicy) {
  const fs::path in = write_corpus("containment_cli_dedup");
  RunResult r = run_cli("dedup --mode containment " + quote(in));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(ids_of(r.out), (std::vector<std::string>{"other", "page", "blank"}));
  EXPECT_NE(r.err.find("kept 3 of 5 records, removed 2"), std::string::npos) << r.err;
  RunResult k = run_cli("dedup -q --mode containment --keep contained " + quote(in));
  ASSERT_EQ(k.exit_code, 0) << k.err;
  EXPECT_EQ(ids_of(k.out), (std::vector<std::string>{"art", "other", "blank"}));
  // From standard input too (spooled for the second pass).
  RunResult piped = run_cli("dedup -q --mode containment -", in.string());
  EXPECT_EQ(piped.out, r.out);
}

TEST(ContainmentCliTest, BadFlagsAreUsageErrors) {
  const fs::path in = write_corpus("containment_cli_usage");
  for (const char* flags :
       {"--keep both", "--threshold 1.5", "--threshold 0", "--num-perm 0", "--partitions 0",
        "--lsh-recall 1", "--representative longest", "--verify shingles", "--bands 4 --rows 4",
        "--max-distance 3", "--linkage representative"}) {
    RunResult r = run_cli("cluster --mode containment " + std::string(flags) + " " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
    EXPECT_FALSE(r.err.empty()) << flags;
  }
  // The persistent index takes containment's flags, not the LSH shape of near mode.
  RunResult idx = run_cli("index build --mode containment --bands 4 --rows 4 --index " +
                          quote(temp_dir("containment_cli_usage") / "x.ndc") + " " + quote(in));
  EXPECT_EQ(idx.exit_code, 2) << idx.err;
  // --keep belongs to containment only.
  RunResult near = run_cli("cluster --mode near --keep contained " + quote(in));
  EXPECT_EQ(near.exit_code, 2) << near.err;
  EXPECT_NE(near.err.find("--keep does not apply to --mode near"), std::string::npos) << near.err;
}

// `neardup index build --mode containment` (or --measure containment): a persistent containment
// index whose queries name the container and both exact containments, in the direction asked;
// add and query --add read everything from the file; flags of other kinds are usage errors.
TEST(ContainmentCliTest, PersistentIndexFindsTheContainerInBothDirections) {
  const fs::path in = write_corpus("containment_cli_index");
  const fs::path dir = in.parent_path();
  const std::string art = random_text(uint64_t{31}, 150);
  write_file(dir / "q.tsv", "q-art\t" + art + "\nq-new\t" + random_text(uint64_t{35}, 200) + "\n");
  const std::string index = quote(dir / "c.ndc");
  RunResult build = run_cli("index build --mode containment --index " + index + " " + quote(in));
  ASSERT_EQ(build.exit_code, 0) << build.err;
  EXPECT_NE(build.err.find("containment 0.90 query-in-indexed, 128 slots"), std::string::npos)
      << build.err;
  RunResult q = run_cli("index query -q --index " + index + " " + quote(dir / "q.tsv"));
  ASSERT_EQ(q.exit_code, 0) << q.err;
  // The article is contained in itself ("art", first added, similarity 1 ties) and in the page.
  ASSERT_EQ(lines_of(q.out).size(), 2u) << q.out;
  EXPECT_EQ(lines_of(q.out)[0].rfind(R"({"id":"q-art","match":"art","similarity":1,)"
                                     R"("query_in_match":1,"match_in_query":1})",
                                     0),
            0u)
      << q.out;
  EXPECT_EQ(lines_of(q.out)[1], R"({"id":"q-new","match":null})");
  // The other direction: the page queried finds the article inside it.
  const std::string rev = quote(dir / "r.ndc");
  RunResult b2 = run_cli(
      "index build -q --measure containment --direction indexed-in-query "
      "--threshold 0.95 --index " +
      rev + " " + quote(in));
  ASSERT_EQ(b2.exit_code, 0) << b2.err;
  write_file(dir / "p.tsv", "q-page\t" + random_text(uint64_t{36}, 100) + " " + art + "\n");
  RunResult q2 = run_cli("index query -q --index " + rev + " " + quote(dir / "p.tsv"));
  ASSERT_EQ(q2.exit_code, 0) << q2.err;
  EXPECT_NE(q2.out.find(R"("match":"art","similarity":1,)"), std::string::npos) << q2.out;
  EXPECT_NE(q2.out.find(R"("match_in_query":1})"), std::string::npos) << q2.out;
  // query --add adds the new document only, and saves.
  RunResult add = run_cli("index query -q --add --index " + index + " " + quote(dir / "q.tsv"));
  ASSERT_EQ(add.exit_code, 0) << add.err;
  RunResult again = run_cli("index query -q --index " + index + " " + quote(dir / "q.tsv"));
  EXPECT_NE(lines_of(again.out)[1].find(R"("match":"q-new")"), std::string::npos) << again.out;
  // Usage errors: another kind's flag, a direction for another kind, an unknown direction.
  for (const char* flags :
       {"--mode containment --max-distance 3", "--mode near --direction either",
        "--mode containment --direction sideways", "--mode simhash --measure containment",
        "--mode containment --threshold 0", "--measure cosine"}) {
    RunResult r = run_cli("index build " + std::string(flags) + " --index " +
                          quote(dir / "bad.ndc") + " " + quote(in));
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
  }
}

// --measure containment (the issue's spelling) is --mode containment, alone or with --mode near,
// in cluster and dedup; with another mode, or an unknown measure, it is a usage error.
TEST(ContainmentCliTest, MeasureContainmentIsTheContainmentMode) {
  const fs::path in = write_corpus("containment_cli_measure");
  for (const char* command : {"cluster", "dedup"}) {
    RunResult mode = run_cli(std::string(command) + " -q --mode containment " + quote(in));
    ASSERT_EQ(mode.exit_code, 0) << mode.err;
    for (const char* flags : {"--measure containment", "--mode near --measure containment"}) {
      RunResult measure = run_cli(std::string(command) + " -q " + flags + " " + quote(in));
      ASSERT_EQ(measure.exit_code, 0) << measure.err;
      EXPECT_EQ(measure.out, mode.out) << command << " " << flags;
    }
  }
  RunResult exact = run_cli("cluster --mode exact --measure containment " + quote(in));
  EXPECT_EQ(exact.exit_code, 2);
  EXPECT_NE(exact.err.find("not to --mode exact"), std::string::npos) << exact.err;
  RunResult unknown = run_cli("cluster --measure cosine " + quote(in));
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown --measure 'cosine'"), std::string::npos) << unknown.err;
}

// Entity-encoded quotes no longer break shingles: decoded by default (--decode-html, the old
// switch, still accepted), kept as they are with --no-decode-html; both at once is an error.
TEST(ContainmentCliTest, HtmlEntitiesAreDecodedByDefault) {
  const fs::path dir = temp_dir("entities_cli");
  write_file(
      dir / "in.jsonl",
      R"({"id":"plain","text":"He said \"it's done\" & left the room at noon today"})"
      "\n"
      R"({"id":"html","text":"He said &quot;it&#39;s done&quot; &amp; left the room at noon today"})"
      "\n");
  const std::string in = quote(dir / "in.jsonl");
  RunResult both = run_cli("cluster --decode-html --no-decode-html " + in);
  EXPECT_EQ(both.exit_code, 2) << both.err;
  EXPECT_NE(both.err.find("contradict"), std::string::npos) << both.err;
  RunResult old = run_cli("cluster -q --decode-html " + in);  // the old switch: still accepted
  EXPECT_EQ(old.exit_code, 0) << old.err;
  for (const char* mode : {"exact", "near", "simhash"}) {
    RunResult r = run_cli("cluster -q --mode " + std::string(mode) + " " + in);
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    EXPECT_EQ(lines_of(r.out)[1],
              R"({"id":"html","cluster":"plain","duplicate_of":"plain","similarity":1})")
        << mode;
    if (std::string(mode) == "simhash") continue;  // unigram fingerprints may still be close
    for (const char* off : {"--no-decode-html"}) {
      RunResult kept = run_cli("cluster -q --mode " + std::string(mode) + " " + off + " " + in);
      ASSERT_EQ(kept.exit_code, 0) << mode << " " << off << ": " << kept.err;
      EXPECT_EQ(lines_of(kept.out)[1].rfind(R"({"id":"html","cluster":"html")", 0), 0u)
          << mode << " " << off << ": " << kept.out;
    }
  }
}

}  // namespace
}  // namespace neardup::testing
