// `neardup index build|add|query --mode simhash` end to end: the kind is chosen at build time and
// read back from the file by add and query; near copies found, similarity 1 - d/bits; corrupt
// files exit 1, bad flags exit 2. The MinHash index CLI is in index_cli_test.cpp.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "neardup/advanced/simhash_index.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// 30 texts of 150 words (seed 41); q0 is a3 with its last word replaced.
IndexCorpus corpus(const std::string& name) {
  return index_corpus(name, 41, 150, fixtures::last_word_edited);
}

TEST(SimHashIndexCliTest, BuildThenQueryFindsNearCopiesWithOneMinusDistanceOverBits) {
  const IndexCorpus c = corpus("simhash_index_cli_query");
  const fs::path idx = c.dir / "i.nds";
  RunResult r = run_cli("index build -q --mode simhash --max-distance 4 --index " + quote(idx) +
                        " " + quote(c.base));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(read_file(idx).substr(0, 8), "NDUPSIMX");
  // The distance the CLI must report, from the library with the index's own options.
  Result<SimHashIndex> lib = SimHashIndex::load(idx.string());
  ASSERT_TRUE(lib.ok()) << lib.status().to_string();
  EXPECT_EQ(lib->options().max_distance, 4u);
  EXPECT_EQ(lib->size(), 30u);
  const uint32_t d = hamming(lib->fingerprint(c.edited).value, lib->fingerprint(c.texts[3]).value);
  ASSERT_GT(d, 0u);  // the edit moved the fingerprint...
  ASSERT_LE(d, 4u);  // ...but stayed within --max-distance
  char sim[32];
  std::snprintf(sim, sizeof sim, "%.4g", 1.0 - d / 64.0);

  r = run_cli("index query -q --threads 2 --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3u) << r.out;
  EXPECT_EQ(lines[0], std::string("{\"id\":\"q0\",\"match\":\"a3\",\"similarity\":") + sim + "}");
  EXPECT_EQ(lines[1], "{\"id\":\"q1\",\"match\":null}");
  EXPECT_EQ(lines[2], "{\"id\":\"q2\",\"match\":\"a17\",\"similarity\":1}");
  // The summary names the kind and its shape.
  r = run_cli("index query --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("(simhash, 64 bits, max distance 4, 15 tables)"), std::string::npos)
      << r.err;
  // A stricter index built from the same input misses the edit when it moved more bits.
  const fs::path exact = c.dir / "exact.nds";
  ASSERT_EQ(run_cli("index build -q --mode simhash --max-distance 0 --index " + quote(exact) + " " +
                    quote(c.base))
                .exit_code,
            0);
  r = run_cli("index query -q --index " + quote(exact) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out)[0], "{\"id\":\"q0\",\"match\":null}");
}

TEST(SimHashIndexCliTest, AddAndQueryWithAddExtendTheIndexOfTheFilesKind) {
  const IndexCorpus c = corpus("simhash_index_cli_add");
  const fs::path idx = c.dir / "i.nds";
  ASSERT_EQ(run_cli("index build -q --mode simhash --index " + quote(idx) + " " + quote(c.base))
                .exit_code,
            0);
  const std::string built = read_file(idx);
  // query --add: q1 is new, so it is added and the index saved; a second run finds it.
  RunResult r = run_cli("index query -q --add --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out)[1], "{\"id\":\"q1\",\"match\":null}");
  EXPECT_EQ(lines_of(r.out)[2], "{\"id\":\"q2\",\"match\":\"a17\",\"similarity\":1}");
  EXPECT_GT(read_file(idx).size(), built.size());
  r = run_cli("index query -q --index " + quote(idx) + " " + quote(c.queries));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(lines_of(r.out)[1], "{\"id\":\"q1\",\"match\":\"q1\",\"similarity\":1}");
  // index add: the same file as building from both inputs at once (any thread count).
  const fs::path idx2 = c.dir / "j.nds", both = c.dir / "both.nds";
  ASSERT_EQ(run_cli("index build -q --mode simhash --index " + quote(idx2) + " " + quote(c.base))
                .exit_code,
            0);
  ASSERT_EQ(
      run_cli("index add -q --threads 3 --index " + quote(idx2) + " " + quote(c.queries)).exit_code,
      0);
  ASSERT_EQ(run_cli("index build -q --mode simhash --threads 1 --index " + quote(both) + " " +
                    quote(c.base) + " " + quote(c.queries))
                .exit_code,
            0);
  EXPECT_EQ(read_file(idx2), read_file(both));
  Result<SimHashIndex> lib = SimHashIndex::load(both.string());
  ASSERT_TRUE(lib.ok());
  EXPECT_EQ(lib->size(), 33u);
}

TEST(SimHashIndexCliTest, CorruptIndexFileExitsOneWithOneLineNamingIt) {
  const IndexCorpus c = corpus("simhash_index_cli_corrupt");
  const fs::path idx = c.dir / "i.nds";
  ASSERT_EQ(run_cli("index build -q --mode simhash --index " + quote(idx) + " " + quote(c.base))
                .exit_code,
            0);
  const std::string good = read_file(idx);
  std::string bytes = good;
  bytes[bytes.size() / 2] = static_cast<char>(bytes[bytes.size() / 2] ^ 1);
  write_file(idx, bytes);
  RunResult r = run_cli("index query --index " + quote(idx) + " " + quote(c.queries));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  EXPECT_NE(r.err.find("i.nds"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("checksum mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  write_file(idx, good.substr(0, good.size() - 3));
  r = run_cli("index add --index " + quote(idx) + " " + quote(c.queries));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(idx), good.substr(0, good.size() - 3));  // a failed add leaves the file
  write_file(idx, good.substr(0, 6));  // "NDUPSI": a SimHash file cut inside its magic
  r = run_cli("index query --index " + quote(idx) + " " + quote(c.queries));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
}

TEST(SimHashIndexCliTest, BadFlagsExitTwoAndCreateNoFile) {
  const IndexCorpus c = corpus("simhash_index_cli_usage");
  const fs::path idx = c.dir / "i.nds";
  const std::string tail = " --index " + quote(idx) + " " + quote(c.base);
  for (const char* flags :
       {"--mode simhash --max-distance 64", "--mode simhash --max-distance -1",
        "--mode simhash --max-distance abc", "--mode simhash --bits 96", "--mode bogus",
        "--mode simhash --threshold 0.9", "--mode simhash --num-perm 64", "--max-distance 3",
        "--mode near --bits 128"}) {
    const RunResult r = run_cli(std::string("index build ") + flags + tail);
    EXPECT_EQ(r.exit_code, 2) << flags << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << flags << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(idx));
  // add and query read the kind and max distance from the file.
  ASSERT_EQ(run_cli("index build -q --mode simhash" + tail).exit_code, 0);
  EXPECT_EQ(run_cli("index query --max-distance 5 --index " + quote(idx) + " " + quote(c.queries))
                .exit_code,
            2);
  EXPECT_EQ(
      run_cli("index add --mode simhash --index " + quote(idx) + " " + quote(c.queries)).exit_code,
      2);
}

TEST(SimHashIndexCliTest, HelpShowsTheModesAndDefaults) {
  const RunResult r = run_cli("index build --help");
  ASSERT_EQ(r.exit_code, 0);
  for (const char* s :
       {"--mode", "(=near)", "simhash", "--max-distance", "(=3)", "--bits", "(=64)", "(=0.8)"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s;
  }
  const RunResult i = run_cli("index --help");
  ASSERT_EQ(i.exit_code, 0);
  EXPECT_NE(i.out.find("--mode simhash"), std::string::npos) << i.out;
}

}  // namespace
}  // namespace neardup::testing
