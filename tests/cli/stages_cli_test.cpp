// neardup sketch | link | apply: a staged run over shards writes byte for byte what one
// `neardup cluster` / `neardup dedup` run writes; shards of a directory of shard files (one of
// them compressed) and of several inputs; more shards than files; and every way a user can get
// the stages wrong is an error that names the problem, never a silently different answer.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_util.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// A directory of 8 JSONL shard files (one gzip-compressed), 5,000 synthetic documents with
// planted near and exact duplicates across files; records of part-05 have no id, so their ids
// are "part-05.jsonl:<line>".
struct Corpus {
  fs::path dir, corpus;
};

Corpus make_corpus(const std::string& name) {
  Corpus c;
  c.dir = temp_dir(name);
  c.corpus = c.dir / "corpus";
  fs::create_directories(c.corpus);
  const fs::path all = c.dir / "all.jsonl";
  RunResult r = run_synth("--docs 5000 --mean-words 80 --seed 3 -q -o " + quote(all));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> lines = lines_of(read_file(all));
  for (std::size_t part = 0; part < 8; ++part) {
    std::string text;
    for (std::size_t i = part * 625; i < (part + 1) * 625 && i < lines.size(); ++i) {
      std::string line = lines[i];
      if (part == 5) line = "{" + line.substr(line.find("\"text\""));  // no id
      text += line + "\n";
    }
    write_file(c.corpus / ("part-0" + std::to_string(part) + ".jsonl"), text);
  }
  r = run_program("/bin/sh", "-c 'gzip " + quote(c.corpus / "part-03.jsonl") + "'");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return c;
}

std::string sketch_all(const Corpus& c, const std::string& mode, int shards,
                       std::vector<std::string>& files) {
  files.clear();
  std::string list;
  for (int i = 0; i < shards; ++i) {
    const fs::path out =
        c.dir / (mode + "-" + std::to_string(i) + "of" + std::to_string(shards) + ".nds");
    RunResult r = run_cli("sketch -q --mode " + mode + " --shard " + std::to_string(i) + "/" +
                          std::to_string(shards) + " -o " + quote(out) + " " + quote(c.corpus));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    files.push_back(out.string());
    list = quote(out) + " " + list;  // in reverse: link sorts by shard
  }
  return list;
}

TEST(StagesCli, ThreeStepsWriteWhatOneRunWrites) {
  const Corpus c = make_corpus("stages_identity");
  for (const std::string mode : {"near", "exact"}) {
    RunResult cluster = run_cli("cluster -q --mode " + mode + " " + quote(c.corpus));
    ASSERT_EQ(cluster.exit_code, 0) << cluster.err;
    EXPECT_NE(cluster.out.find("part-05.jsonl:"), std::string::npos);
    const fs::path removed_ref = c.dir / "removed-ref.jsonl";
    RunResult dedup = run_cli("dedup -q --mode " + mode + " --removed " + quote(removed_ref) + " " +
                              quote(c.corpus));
    ASSERT_EQ(dedup.exit_code, 0) << dedup.err;
    for (int shards : {1, 3, 11}) {  // 11 shards of 8 files: some shards are empty
      std::vector<std::string> files;
      const std::string list = sketch_all(c, mode, shards, files);
      for (const std::string memory : {"64K", "1G"}) {
        RunResult link = run_cli("link -q --memory " + memory + " " + list);
        ASSERT_EQ(link.exit_code, 0) << link.err;
        EXPECT_EQ(link.out, cluster.out) << mode << " " << shards << " shards, " << memory;
      }
      const fs::path parts = c.dir / (mode + "-parts-" + std::to_string(shards));
      RunResult link = run_cli("link --output-dir " + quote(parts) + " " + list);
      ASSERT_EQ(link.exit_code, 0) << link.err;
      std::string concatenated, kept, removed;
      for (int i = 0; i < shards; ++i) {
        char name[32];
        std::snprintf(name, sizeof name, "part-%05d.jsonl", i);
        const std::string part = read_file(parts / name);
        concatenated += part;
        const fs::path rm = c.dir / "removed.jsonl";
        RunResult apply = run_cli("apply -q --clusters " + quote(parts / name) + " --shard " +
                                  std::to_string(i) + "/" + std::to_string(shards) + " --removed " +
                                  quote(rm) + " " + quote(c.corpus));
        ASSERT_EQ(apply.exit_code, 0) << apply.err;
        kept += apply.out;
        removed += read_file(rm);
      }
      EXPECT_EQ(concatenated, cluster.out) << mode << " " << shards;
      EXPECT_EQ(kept, dedup.out) << mode << " " << shards;
      EXPECT_EQ(removed, read_file(removed_ref)) << mode << " " << shards;
    }
  }
}

TEST(StagesCli, SeveralInputsAndLongestRepresentative) {
  const Corpus c = make_corpus("stages_inputs");
  const std::string inputs = quote(c.corpus / "part-00.jsonl") + " " + quote(c.corpus) + " " +
                             quote(c.corpus / "part-07.jsonl");
  RunResult cluster =
      run_cli("cluster -q --mode near --representative longest --threshold 0.6 " + inputs);
  ASSERT_EQ(cluster.exit_code, 0) << cluster.err;
  std::string list;
  for (int i = 0; i < 4; ++i) {
    const fs::path out = c.dir / ("s" + std::to_string(i) + ".nds");
    RunResult r = run_cli("sketch -q --mode near --threshold 0.6 --shard " + std::to_string(i) +
                          "/4 -o " + quote(out) + " " + inputs);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    list += " " + quote(out);
  }
  RunResult link = run_cli("link -q --representative longest" + list);
  ASSERT_EQ(link.exit_code, 0) << link.err;
  EXPECT_EQ(link.out, cluster.out);
}

// Plain files are cut into byte ranges at record boundaries: three files (one without ids)
// sketched as 1, 4 and 9 shards; link, the --output-dir parts and apply give what one run gives,
// made-up ids "FILE:LINE" included (each shard counts the lines before its range).
TEST(StagesCli, PlainFilesAreCutIntoByteRanges) {
  const Corpus c = make_corpus("stages_bytes");
  const std::string inputs = quote(c.corpus / "part-04.jsonl") + " " +
                             quote(c.corpus / "part-05.jsonl") + " " +
                             quote(c.corpus / "part-06.jsonl");
  RunResult cluster = run_cli("cluster -q --mode near " + inputs);
  ASSERT_EQ(cluster.exit_code, 0) << cluster.err;
  EXPECT_NE(cluster.out.find("part-05.jsonl:"), std::string::npos);
  RunResult dedup = run_cli("dedup -q --mode near " + inputs);
  ASSERT_EQ(dedup.exit_code, 0) << dedup.err;
  for (int shards : {1, 4, 9}) {
    std::string list;
    for (int i = 0; i < shards; ++i) {
      const fs::path out = c.dir / ("b" + std::to_string(i) + ".nds");
      RunResult r = run_cli("sketch --mode near --shard " + std::to_string(i) + "/" +
                            std::to_string(shards) + " -o " + quote(out) + " " + inputs);
      ASSERT_EQ(r.exit_code, 0) << r.err;
      if (shards > 1) {
        EXPECT_NE(r.err.find("byte ranges of"), std::string::npos) << r.err;
      }
      list += " " + quote(out);
    }
    RunResult link = run_cli("link -q" + list);
    ASSERT_EQ(link.exit_code, 0) << link.err;
    EXPECT_EQ(link.out, cluster.out) << shards;
    const fs::path parts = c.dir / ("bparts" + std::to_string(shards));
    ASSERT_EQ(run_cli("link -q --output-dir " + quote(parts) + list).exit_code, 0);
    std::string kept;
    for (int i = 0; i < shards; ++i) {
      char name[32];
      std::snprintf(name, sizeof name, "part-%05d.jsonl", i);
      RunResult apply = run_cli("apply -q --clusters " + quote(parts / name) + " --shard " +
                                std::to_string(i) + "/" + std::to_string(shards) + " " + inputs);
      ASSERT_EQ(apply.exit_code, 0) << apply.err;
      kept += apply.out;
    }
    EXPECT_EQ(kept, dedup.out) << shards;
  }
}

// --stats on every stage, and ids that occur twice across the sketches: link warns (the output
// is unchanged), refuses with --on-duplicate-id error, or stays silent with keep.
TEST(StagesCli, StatsOfEveryStageAndDuplicateIdsAcrossSketches) {
  const Corpus c = make_corpus("stages_stats");
  const fs::path a = c.dir / "a.nds", b = c.dir / "b.nds", stats = c.dir / "stats.json";
  const std::string file = quote(c.corpus / "part-00.jsonl");
  RunResult r =
      run_cli("sketch -q --mode near --stats " + quote(stats) + " -o " + quote(a) + " " + file);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string json = read_file(stats);
  EXPECT_NE(json.find("\"command\":\"sketch\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"documents\":625,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"peak_rss_bytes\":"), std::string::npos) << json;
  // The same file as shard 1/2 of a two-file run: every id of shard 0 again.
  ASSERT_EQ(run_cli("sketch -q --mode near --shard 0/2 -o " + quote(a) + " " + file + " " + file)
                .exit_code,
            0);
  ASSERT_EQ(run_cli("sketch -q --mode near --shard 1/2 -o " + quote(b) + " " + file + " " + file)
                .exit_code,
            0);
  const std::string both = quote(a) + " " + quote(b);
  RunResult warned = run_cli("link --stats " + quote(stats) + " " + both);
  ASSERT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_NE(warned.err.find("warning: 625 duplicate ids, the first"), std::string::npos)
      << warned.err;
  json = read_file(stats);
  EXPECT_NE(json.find("\"command\":\"link\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"documents\":1250,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"duplicate_ids\":625,"), std::string::npos) << json;
  RunResult kept = run_cli("link -q --on-duplicate-id keep " + both);
  ASSERT_EQ(kept.exit_code, 0) << kept.err;
  EXPECT_EQ(kept.err, "");
  EXPECT_EQ(kept.out, warned.out);
  RunResult refused = run_cli("link -q --on-duplicate-id error " + both);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("duplicate id"), std::string::npos) << refused.err;
  EXPECT_EQ(refused.out, "");
  // apply --stats: kept and removed.
  const fs::path clusters = c.dir / "clusters.jsonl";
  ASSERT_EQ(run_cli("link -q --on-duplicate-id keep -o " + quote(clusters) + " " + both).exit_code,
            0);
  RunResult applied = run_cli("apply -q --stats " + quote(stats) + " --clusters " +
                              quote(clusters) + " --shard 0/2 " + file + " " + file);
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  json = read_file(stats);
  EXPECT_NE(json.find("\"command\":\"apply\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"kept\":"), std::string::npos) << json;
  EXPECT_EQ(run_cli("link --stats - " + both).exit_code, 2);
}

TEST(StagesCli, MistakesAreErrors) {
  const Corpus c = make_corpus("stages_errors");
  std::vector<std::string> files;
  sketch_all(c, "near", 3, files);
  const fs::path other = c.dir / "other.nds";
  ASSERT_EQ(run_cli("sketch -q --mode near --threshold 0.7 --shard 1/3 -o " + quote(other) + " " +
                    quote(c.corpus))
                .exit_code,
            0);
  struct Case {
    std::string args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"link " + quote(files[0]) + " " + quote(files[1]), 1, "give every shard once"},
      {"link " + quote(files[0]) + " " + quote(files[1]) + " " + quote(files[1]), 1,
       "expected shard 2/3"},
      {"link " + quote(files[0]) + " " + quote(other) + " " + quote(files[2]), 1, "other options"},
      {"link " + quote(c.corpus / "part-00.jsonl"), 1, "not a neardup sketch file"},
      {"link --representative field:x " + quote(files[0]), 2, "first or longest"},
      {"link", 2, "no sketch files"},
      {"sketch --shard 3/3 -o x.nds " + quote(c.corpus), 2, "0 <= I < N"},
      {"sketch --shard two -o x.nds " + quote(c.corpus), 2, "I/N"},
      {"sketch --mode simhash -o x.nds " + quote(c.corpus), 2, "simhash"},
      {"sketch --linkage representative -o x.nds " + quote(c.corpus), 2, "components"},
      {"sketch " + quote(c.corpus), 2, "-o SKETCH is required"},
      {"apply --shard 0/3 " + quote(c.corpus), 2, "--clusters is required"},
  };
  for (const Case& k : cases) {
    RunResult r = run_cli(k.args);
    EXPECT_EQ(r.exit_code, k.exit_code) << k.args << ": " << r.err;
    EXPECT_NE(r.err.find(k.message), std::string::npos) << k.args << ": " << r.err;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
  }
  // Damaged sketches: a flipped byte in the records, a truncated file, bytes appended.
  const std::string good = read_file(files[1]);
  const fs::path bad = c.dir / "bad.nds";
  for (int damage = 0; damage < 3; ++damage) {
    std::string bytes = good;
    if (damage == 0) bytes[bytes.size() / 2] ^= 0x20;
    if (damage == 1) bytes.resize(bytes.size() - 100);
    if (damage == 2) bytes += "x";
    write_file(bad, bytes);
    const fs::path out = c.dir / "out.jsonl";
    write_file(out, "previous\n");
    RunResult r = run_cli("link -o " + quote(out) + " " + quote(files[0]) + " " + quote(bad) + " " +
                          quote(files[2]));
    EXPECT_EQ(r.exit_code, 1) << damage << ": " << r.err;
    EXPECT_NE(r.err.find("damaged sketch file"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(out), "previous\n");  // the previous output stays whole
  }
  // Clusters of another input (all.jsonl holds the same records, but those of part-05 with their
  // ids): apply stops at the first id that does not match.
  RunResult link = run_cli("link -q -o " + quote(c.dir / "clusters.jsonl") + " " + quote(files[0]) +
                           " " + quote(files[1]) + " " + quote(files[2]));
  ASSERT_EQ(link.exit_code, 0) << link.err;
  RunResult wrong = run_cli("apply --clusters " + quote(c.dir / "clusters.jsonl") + " " +
                            quote(c.dir / "all.jsonl"));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_NE(wrong.err.find("do not belong to this input"), std::string::npos) << wrong.err;
  // A sketch that failed half way leaves no file behind.
  RunResult failed =
      run_cli("sketch -o " + quote(c.dir / "never.nds") + " " + quote(c.dir / "missing.jsonl"));
  EXPECT_EQ(failed.exit_code, 1) << failed.err;
  for (const auto& e : fs::directory_iterator(c.dir)) {
    EXPECT_EQ(e.path().filename().string().find("never.nds"), std::string::npos) << e.path();
  }
}

}  // namespace
}  // namespace neardup::testing
