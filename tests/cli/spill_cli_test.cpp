// `--memory` / `--tmp-dir` (cluster and dedup, near and exact modes): a run that spills to disk
// writes byte for byte what the in-memory run writes, whatever the limit and thread count; bad
// values are usage errors; a full temporary directory is a clear error that leaves the previous
// output whole and nothing behind.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// A synthetic corpus with planted near and exact duplicates (about 3,000 documents).
fs::path synthetic_corpus(const fs::path& dir) {
  const fs::path corpus = dir / "synth.jsonl";
  if (!fs::exists(corpus)) {
    RunResult r = run_synth("--docs 3000 --mean-words 80 --seed 3 -q -o " + quote(corpus));
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  return corpus;
}

std::size_t entries_in(const fs::path& dir) {
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

TEST(SpillCli, ClusterOutputIsIdenticalToTheInMemoryRun) {
  const fs::path dir = temp_dir("spill_cli_cluster");
  const fs::path tmp = dir / "tmp";
  fs::create_directories(tmp);
  const fs::path synth = synthetic_corpus(dir);
  const std::string sample = (source_dir() / "datasets/news/sample.jsonl").string();
  for (const std::string& input : {synth.string(), sample}) {
    for (const std::string mode :
         {"--mode near", "--mode near --verify signature --representative longest",
          "--mode near --shingle char:5 --threshold 0.6", "--mode exact"}) {
      RunResult mem = run_cli("cluster -q " + mode + " " + quote(input));
      ASSERT_EQ(mem.exit_code, 0) << mem.err;
      std::size_t duplicates = 0;
      for (const Record& r : parse_jsonl(mem.out)) duplicates += r.count("duplicate_of");
      EXPECT_GT(duplicates, 3u) << mode;
      for (const std::string limit : {"64K", "1M", "1G"}) {
        for (const std::string threads : {"1", "2"}) {
          RunResult spilled = run_cli("cluster " + mode + " --memory " + limit + " --tmp-dir " +
                                      quote(tmp) + " --threads " + threads + " " + quote(input));
          ASSERT_EQ(spilled.exit_code, 0) << spilled.err;
          EXPECT_EQ(spilled.out, mem.out) << mode << " --memory " << limit << " " << input;
          // Near mode with 1G: the input fits, so the run stays in memory; the small limits
          // spill. Exact mode spills whenever --memory is given.
          const bool exact = mode == "--mode exact";
          EXPECT_EQ(spilled.err.find("spilled") != std::string::npos, exact || limit != "1G")
              << mode << " " << limit << ": " << spilled.err;
        }
      }
    }
  }
  // The 64 KiB limit really wrote sorted runs and merged them in passes.
  RunResult tiny =
      run_cli("cluster --mode near --memory 64K --tmp-dir " + quote(tmp) + " " + quote(synth));
  ASSERT_EQ(tiny.exit_code, 0) << tiny.err;
  EXPECT_EQ(tiny.err.find(" 0 runs"), std::string::npos) << tiny.err;
  EXPECT_EQ(tiny.err.find("(0 merge passes)"), std::string::npos) << tiny.err;
  EXPECT_EQ(entries_in(tmp), 0u);  // nothing left behind
}

// Short documents cost more memory than their size suggests: the run starts in memory (the
// input's size fits the limit), passes the limit, and starts again spilling, with the same
// output. From standard input, which cannot be read twice, --memory spills from the start.
TEST(SpillCli, RunThatPassesTheLimitStartsAgainSpilling) {
  const fs::path dir = temp_dir("spill_cli_restart");
  const fs::path corpus = dir / "short.jsonl";
  RunResult gen = run_synth("--docs 60000 --mean-words 12 --seed 5 -q -o " + quote(corpus));
  ASSERT_EQ(gen.exit_code, 0) << gen.err;
  ASSERT_LT(fs::file_size(corpus), 10u << 20);  // so that 2 bytes per input byte fit 20M
  RunResult mem = run_cli("cluster -q --mode near " + quote(corpus));
  ASSERT_EQ(mem.exit_code, 0) << mem.err;
  RunResult restarted = run_cli("cluster --mode near --memory 20M " + quote(corpus));
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  EXPECT_NE(restarted.err.find("passed the memory limit"), std::string::npos) << restarted.err;
  EXPECT_NE(restarted.err.find("starting again"), std::string::npos) << restarted.err;
  EXPECT_NE(restarted.err.find("spilled"), std::string::npos) << restarted.err;
  EXPECT_EQ(restarted.out, mem.out);
  RunResult piped = run_cli("cluster --mode near --memory 1G -", corpus.string());
  ASSERT_EQ(piped.exit_code, 0) << piped.err;
  EXPECT_EQ(piped.err.find("starting again"), std::string::npos) << piped.err;
  EXPECT_NE(piped.err.find("spilled"), std::string::npos) << piped.err;
  EXPECT_EQ(piped.out, mem.out);
}

TEST(SpillCli, DedupOutputIsIdenticalToTheInMemoryRun) {
  const fs::path dir = temp_dir("spill_cli_dedup");
  const fs::path synth = synthetic_corpus(dir);
  for (const std::string mode : {"--mode near", "--mode exact"}) {
    const fs::path removed_mem = dir / "removed-mem.jsonl", removed_spill = dir / "removed.jsonl";
    RunResult mem =
        run_cli("dedup -q " + mode + " --removed " + quote(removed_mem) + " " + quote(synth));
    ASSERT_EQ(mem.exit_code, 0) << mem.err;
    RunResult spilled = run_cli("dedup " + mode + " --memory 100K --removed " +
                                quote(removed_spill) + " " + quote(synth));
    ASSERT_EQ(spilled.exit_code, 0) << spilled.err;
    EXPECT_EQ(spilled.out, mem.out) << mode;
    EXPECT_EQ(read_file(removed_spill), read_file(removed_mem)) << mode;
    EXPECT_GT(lines_of(read_file(removed_mem)).size(), 100u);
    // Standard input (spooled for the second pass) gives the same.
    RunResult piped = run_cli("dedup -q " + mode + " --memory 100K -", synth.string());
    ASSERT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(piped.out, mem.out) << mode;
  }
}

TEST(SpillCli, BadValuesAreUsageErrors) {
  const std::string sample = quote(source_dir() / "datasets/news/sample.jsonl");
  for (const std::string args :
       {"--memory abc", "--memory -1G", "--memory 0", "--memory 1000", "--mode simhash --memory 1G",
        "--mode story --memory 1G", "--mode exact --tmp-dir /tmp",
        "--memory 1G --tmp-dir /nonexistent/dir", "--tmp-dir /nonexistent/dir", "--set-store ram",
        "--mode exact --set-store disk", "--mode near --linkage representative --memory 1G",
        "--mode simhash --set-store ram", "--mode simhash --tmp-dir /nonexistent/dir",
        "--mode story --set-store disk"}) {
    for (const std::string command : {"cluster", "dedup"}) {
      const std::string mode = args.find("--mode") == std::string::npos ? "--mode near " : "";
      RunResult r = run_cli(command + " " + mode + args + " " + sample);
      EXPECT_EQ(r.exit_code, 2) << command << " " << args << ": " << r.err;
      EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
      EXPECT_TRUE(r.out.empty());
    }
  }
}

// A full --tmp-dir: a 512 KiB tmpfs (needs root; skipped otherwise).
TEST(SpillCli, FullTmpDirIsAClearErrorAndKeepsThePreviousOutput) {
  const fs::path dir = temp_dir("spill_cli_full");
  const fs::path synth = synthetic_corpus(dir);
  const fs::path tiny = dir / "tiny";
  fs::create_directories(tiny);
  if (::geteuid() != 0 || ::mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=512k") != 0) {
    GTEST_SKIP() << "needs root to mount a small tmpfs";
  }
  const fs::path out = dir / "out.jsonl";
  write_file(out, "previous\n");
  RunResult r = run_cli("cluster --mode near --memory 1M --tmp-dir " + quote(tiny) + " -o " +
                        quote(out) + " " + quote(synth));
  const std::size_t left = entries_in(tiny);
  ::umount(tiny.c_str());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("is full"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(tiny.string()), std::string::npos) << r.err;
  EXPECT_EQ(read_file(out), "previous\n");
  EXPECT_EQ(left, 0u);
}

// Near mode keeps its shingle sets on disk by default (--set-store disk): the output is byte for
// byte that of --set-store memory, for cluster and dedup, any thread count, --tmp-dir or not;
// --stats reports the bytes on disk, and RAM (index_bytes) holds no sets.
TEST(SpillCli, SetsOnDiskGiveTheInMemoryOutput) {
  const fs::path dir = temp_dir("spill_cli_set_store");
  const fs::path tmp = dir / "tmp";
  fs::create_directories(tmp);
  const fs::path synth = synthetic_corpus(dir);
  for (const std::string command : {"cluster", "dedup"}) {
    for (const std::string mode :
         {"--mode near", "--mode near --linkage representative",
          "--mode near --representative longest --threshold 0.6", "--mode simhash",
          "--mode simhash --verify shingles --threshold 0.7 --representative longest"}) {
      RunResult mem = run_cli(command + " -q " + mode + " --set-store memory " + quote(synth));
      ASSERT_EQ(mem.exit_code, 0) << mem.err;
      for (const std::string& extra :
           {std::string("--threads 1"), std::string("--threads 2 --set-store disk"),
            "--threads 2 --tmp-dir " + quote(tmp)}) {
        RunResult disk = run_cli(command + " -q " + mode + " " + extra + " " + quote(synth));
        ASSERT_EQ(disk.exit_code, 0) << disk.err;
        EXPECT_EQ(disk.out, mem.out) << command << " " << mode << " " << extra;
      }
    }
  }
  EXPECT_EQ(entries_in(tmp), 0u);  // the file is unlinked at once
  const fs::path stats = dir / "stats.json";
  uint64_t index_bytes[2] = {0, 0};
  for (int disk = 0; disk < 2; ++disk) {
    RunResult r =
        run_cli("cluster -q --mode near --set-store " + std::string(disk ? "disk" : "memory") +
                " --stats " + quote(stats) + " " + quote(synth));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Record s;
    ASSERT_TRUE(parse_record(read_file(stats), s)) << read_file(stats);
    index_bytes[disk] = std::stoull(s["index_bytes"]);
    // ~3,000 documents of ~80 words: ~2 MB of 8-byte shingles.
    if (disk) {
      EXPECT_GT(std::stoull(s["set_store_bytes"]), 1'000'000u);
    } else {
      EXPECT_EQ(s["set_store_bytes"], "0");
    }
  }
  EXPECT_GT(index_bytes[0], index_bytes[1] + 1'000'000u);
  // simhash (TF-IDF by default): the sets and counts on disk, 12 bytes a distinct word.
  for (int disk = 0; disk < 2; ++disk) {
    RunResult r =
        run_cli("cluster -q --mode simhash --set-store " + std::string(disk ? "disk" : "memory") +
                " --stats " + quote(stats) + " " + quote(synth));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    Record s;
    ASSERT_TRUE(parse_record(read_file(stats), s)) << read_file(stats);
    if (disk) {
      EXPECT_GT(std::stoull(s["set_store_bytes"]), 1'000'000u);
    } else {
      EXPECT_EQ(s["set_store_bytes"], "0");
    }
  }
}

// The sets on disk in a full --tmp-dir: a clear error, the previous output kept.
TEST(SpillCli, SetsOnDiskInAFullTmpDirAreAClearError) {
  const fs::path dir = temp_dir("spill_cli_set_store_full");
  const fs::path synth = synthetic_corpus(dir);
  const fs::path tiny = dir / "tiny";
  fs::create_directories(tiny);
  if (::geteuid() != 0 || ::mount("tmpfs", tiny.c_str(), "tmpfs", 0, "size=256k") != 0) {
    GTEST_SKIP() << "needs root to mount a small tmpfs";
  }
  const fs::path out = dir / "out.jsonl";
  write_file(out, "previous\n");
  for (const std::string mode : {"near", "simhash"}) {
    RunResult r = run_cli("cluster --mode " + mode + " --tmp-dir " + quote(tiny) + " -o " +
                          quote(out) + " " + quote(synth));
    EXPECT_EQ(r.exit_code, 1) << mode << ": " << r.err;
    EXPECT_NE(r.err.find("is full"), std::string::npos) << mode << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << mode << ": " << r.err;
    EXPECT_EQ(read_file(out), "previous\n") << mode;
    EXPECT_EQ(entries_in(tiny), 0u) << mode;
  }
  ::umount(tiny.c_str());
}

}  // namespace
}  // namespace neardup::testing
