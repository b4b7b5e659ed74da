// End-to-end tests of the prebuilt latent space (issue 20): `neardup idf build --latent-rank K`
// stores the LSA term projection in the model; `pairs`, `cluster --mode story` (batch) and
// `--stream` use it with --idf-model. The background corpus has two subjects whose reports use
// synonyms that never occur together ("pot"/"marijuana", "factory"/"plant"), so that only the
// latent space can relate two texts that share no word.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "cli/cli_util.h"
#include "neardup/advanced/document_frequencies.h"
#include "neardup/advanced/story_latent.h"

namespace neardup::testing {
namespace {

namespace fs = std::filesystem;

// 120 short reports: cannabis sales (pot / marijuana) and car plants (factory / plant), each
// report with one of the two synonyms and three of the subject's other words.
fs::path write_background(const fs::path& dir) {
  const std::vector<std::vector<std::string>> subjects = {
      {"colorado", "dispensary", "legal", "sales", "tax", "stores", "recreational", "voters"},
      {"carmaker", "assembly", "vehicles", "workers", "production", "shifts", "electric",
       "output"}};
  const std::vector<std::vector<std::string>> synonyms = {{"pot", "marijuana"},
                                                          {"factory", "plant"}};
  std::string corpus;
  for (int i = 0; i < 120; ++i) {
    const int s = i % 2;
    const auto& w = subjects[static_cast<std::size_t>(s)];
    const std::string text =
        synonyms[static_cast<std::size_t>(s)][static_cast<std::size_t>((i / 2) % 2)] + " " +
        w[static_cast<std::size_t>(i % 8)] + " " + w[static_cast<std::size_t>((i / 3 + 2) % 8)] +
        " " + w[static_cast<std::size_t>((i / 5 + 5) % 8)];
    corpus += "{\"id\":\"bg" + std::to_string(i) + "\",\"text\":\"" + text + "\"}\n";
  }
  const fs::path path = dir / "background.jsonl";
  write_file(path, corpus);
  return path;
}

// The "similarity" of each line of `pairs` output.
std::vector<double> similarities(const std::string& out) {
  std::vector<double> s;
  for (const std::string& line : lines_of(out)) {
    const auto at = line.find("\"similarity\":");
    EXPECT_NE(at, std::string::npos) << line;
    if (at != std::string::npos) s.push_back(std::stod(line.substr(at + 13)));
  }
  return s;
}

TEST(StoryLatentCliTest, IdfBuildStoresALatentSpaceThatPairsUse) {
  const fs::path dir = temp_dir("story_latent_cli_pairs");
  const fs::path background = write_background(dir);
  const fs::path model = dir / "latent.idf", plain = dir / "plain.idf";
  RunResult b = run_cli("idf build --latent-rank 2 -o " + quote(model) + " " + quote(background));
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_NE(b.err.find("latent space of rank 2"), std::string::npos) << b.err;
  ASSERT_EQ(run_cli("idf build --quiet -o " + quote(plain) + " " + quote(background)).exit_code, 0);
  Result<DocumentFrequencies> loaded = DocumentFrequencies::load(model.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().to_string();
  ASSERT_NE(loaded->latent(), nullptr);
  EXPECT_EQ(loaded->latent()->rank(), 2u);
  EXPECT_EQ(loaded->documents(), 120u);
  // The same table as the model without a space: only the latent sections differ.
  Result<DocumentFrequencies> table = DocumentFrequencies::load(plain.string());
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->latent(), nullptr);
  EXPECT_EQ(table->terms(), loaded->terms());

  // The bytes do not depend on the thread count (the SVD is single-threaded and seeded).
  for (const char* threads : {"1", "2", "3"}) {
    const fs::path again = dir / (std::string("t") + threads + ".idf");
    ASSERT_EQ(run_cli(std::string("idf build --quiet --latent-rank 2 --threads ") + threads +
                      " -o " + quote(again) + " " + quote(background))
                  .exit_code,
              0);
    EXPECT_EQ(read_file(again), read_file(model)) << threads << " threads";
  }

  // Texts of one subject that share no word: lexical cosine 0; the latent space relates them,
  // and not texts of the other subject.
  write_file(dir / "pairs.jsonl",
             "{\"text1\":\"pot dispensary\",\"text2\":\"marijuana stores\"}\n"
             "{\"text1\":\"factory workers\",\"text2\":\"plant shifts\"}\n"
             "{\"text1\":\"pot dispensary\",\"text2\":\"plant shifts\"}\n");
  const std::string pairs = quote(dir / "pairs.jsonl");
  RunResult lexical = run_cli("pairs --quiet --idf-model " + quote(plain) + " " + pairs);
  RunResult latent = run_cli("pairs --quiet --idf-model " + quote(model) + " " + pairs);
  RunResult off =
      run_cli("pairs --quiet --latent-weight 0 --idf-model " + quote(model) + " " + pairs);
  RunResult half =
      run_cli("pairs --quiet --latent-weight 0.5 --idf-model " + quote(model) + " " + pairs);
  ASSERT_EQ(lexical.exit_code, 0) << lexical.err;
  ASSERT_EQ(latent.exit_code, 0) << latent.err;
  ASSERT_EQ(off.exit_code, 0) << off.err;
  ASSERT_EQ(half.exit_code, 0) << half.err;
  const std::vector<double> lex = similarities(lexical.out), lat = similarities(latent.out),
                            zero = similarities(off.out), mid = similarities(half.out);
  ASSERT_EQ(lex.size(), 3u);
  ASSERT_EQ(lat.size(), 3u);
  ASSERT_EQ(mid.size(), 3u);
  EXPECT_EQ(zero, lex);  // weight 0: the lexical cosine
  for (double s : lex) EXPECT_EQ(s, 0.0);
  // The default weight 0.25 x a latent cosine near 1 for the same subject, near 0 (or below)
  // for the other.
  EXPECT_GT(lat[0], 0.2);
  EXPECT_GT(lat[1], 0.2);
  EXPECT_LT(lat[2], 0.05);
  EXPECT_NEAR(mid[0], 2 * lat[0], 1e-4);  // the rule: W x latent cosine (lexical 0 here)

  // Usage errors: --latent-weight without a latent space or out of range; a bad rank.
  EXPECT_EQ(
      run_cli("pairs --latent-weight 0.5 --idf-model " + quote(plain) + " " + pairs).exit_code, 2);
  EXPECT_EQ(
      run_cli("pairs --latent-weight 1.5 --idf-model " + quote(model) + " " + pairs).exit_code, 2);
  EXPECT_EQ(
      run_cli("idf build --latent-rank 2000 -o " + quote(dir / "x.idf") + " " + quote(background))
          .exit_code,
      2);
  EXPECT_EQ(
      run_cli("idf build --latent-min-df 3 -o " + quote(dir / "x.idf") + " " + quote(background))
          .exit_code,
      2);
  EXPECT_FALSE(fs::exists(dir / "x.idf"));
}

TEST(StoryLatentCliTest, BatchAndStreamUseTheModelsSpace) {
  const fs::path dir = temp_dir("story_latent_cli_cluster");
  const fs::path background = write_background(dir);
  const fs::path model = dir / "latent.idf";
  ASSERT_EQ(
      run_cli("idf build --quiet --latent-rank 2 -o " + quote(model) + " " + quote(background))
          .exit_code,
      0);
  // Reports that share a word or two with each other; with the space their similarities move.
  write_file(dir / "in.jsonl",
             "{\"id\":\"a\",\"text\":\"pot dispensary sales colorado\"}\n"
             "{\"id\":\"b\",\"text\":\"marijuana dispensary sales voters\"}\n"
             "{\"id\":\"c\",\"text\":\"factory workers assembly shifts\"}\n"
             "{\"id\":\"d\",\"text\":\"plant workers assembly output\"}\n");
  const std::string in = quote(dir / "in.jsonl");
  for (const char* command :
       {"cluster --quiet --mode story --single-pass", "cluster --quiet --mode story --stream"}) {
    const std::string base = std::string(command) + " --idf-model " + quote(model) + " ";
    RunResult with = run_cli(base + in);
    RunResult without = run_cli(base + "--latent-weight 0 " + in);
    ASSERT_EQ(with.exit_code, 0) << command << ": " << with.err;
    ASSERT_EQ(without.exit_code, 0) << command << ": " << without.err;
    ASSERT_EQ(lines_of(with.out).size(), 4u) << with.out;
    // The space is used: the similarities of the joined reports change (a latent cosine near 1
    // is mixed in), and the output is deterministic.
    EXPECT_NE(with.out, without.out) << command;
    EXPECT_EQ(run_cli(base + in).out, with.out) << command;
  }
  // A model's space and a space fitted to the batch are exclusive.
  RunResult both =
      run_cli("cluster --mode story --latent-rank 5 --idf-model " + quote(model) + " " + in);
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_NE(both.err.find("latent space"), std::string::npos) << both.err;
}

}  // namespace
}  // namespace neardup::testing
