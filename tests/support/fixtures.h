// Fixtures shared by the tests (tests/unit, tests/cli) and the micro benchmarks (bench/micro):
// generated texts, values and corpora, the location of the optional shared datasets, and
// temporary files. One copy, so that the same generator with the same seed gives the same bytes
// in every test and benchmark that uses it. Built as the `neardup_test_support` library; nothing
// here depends on GoogleTest or Google Benchmark.
//
//   std::mt19937_64 rng(7);
//   const std::string a = fixtures::random_text(rng, 200);   // "w123 w4077 ..."
//   const std::string b = fixtures::near_copy(a);            // J(word 5-shingles) ~ 0.95
//   const auto dir = fixtures::temp_dir("my_test");          // removed when the process exits
//
// Thread safety: the generators are pure functions of their arguments (or of the caller's rng);
// temp_dir() is for the test's main thread. Cost: linear in the output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/simhash.h"

namespace neardup::fixtures {

// --- random values and texts -------------------------------------------------------------------

// n values from std::mt19937_64(seed): stand-ins for shingle hashes, signatures or band keys.
std::vector<uint64_t> random_values(std::size_t n, uint64_t seed);

// `words` words "w<k>", k uniform in [0, 5000), joined by single spaces, drawn from `rng`: two
// such texts share almost no word 5-shingle.
std::string random_text(std::mt19937_64& rng, int words);
// The same from a fresh std::mt19937_64(seed).
std::string random_text(uint64_t seed, int words);
// n texts of `words` words each, from one std::mt19937_64(seed), in order.
std::vector<std::string> random_texts(std::size_t n, uint64_t seed, int words);

// `text` with its middle word replaced by "changed": 5 of ~words word 5-shingles change
// (J = 191/201 ~ 0.95 at 200 words).
std::string near_copy(const std::string& text);
// `text` with its last word replaced by "edited": one word 5-shingle changes.
std::string last_word_edited(const std::string& text);

// "<prefix><first> <prefix><first+1> ... <prefix><last-1> " (each word followed by a space):
// distinct tokens, so shingle overlaps between two ranges are exact.
std::string numbered_words(int first, int last, std::string_view prefix = "word");

// English-like prose, pure ASCII: a Zipf-distributed vocabulary of common words, capitalised
// sentences, commas, occasional numbers and paragraph breaks. Documents of about `doc_bytes`
// bytes until `total_bytes` are reached; always the same corpus for the same arguments.
std::vector<std::string> english_corpus(std::size_t doc_bytes, std::size_t total_bytes);

// n fingerprints of `bits` bits (64 or 128; hi = 0 at 64), about one in `one_in` planted near an
// earlier one (0..max_flip random bits flipped), the rest uniform; from std::mt19937_64(seed).
std::vector<Fingerprint128> planted_fingerprints(std::size_t n, uint32_t bits, uint32_t max_flip,
                                                 uint64_t one_in, uint64_t seed);

// --- shared datasets -----------------------------------------------------------------------------

// $NEARDUP_SHARED_DATASETS, or ../shared/datasets next to the repository.
std::filesystem::path shared_datasets_dir();
// The same when it is a directory; nullopt otherwise (a user's fresh clone has no ../shared).
// Tests call GTEST_SKIP() and benchmarks SkipWithError() then.
std::optional<std::filesystem::path> shared_datasets();
// <shared datasets>/gutenberg/gutenberg.jsonl.zst: Project Gutenberg chunks of ~4.5 KB.
std::filesystem::path gutenberg_path();

// The texts of the first documents of a file (any format the reader accepts), read until at
// least `max_bytes` of text; `error` says why there are none (missing file, read error).
struct TextSample {
  std::vector<std::string> docs;
  std::size_t bytes = 0;
  std::string error;
};
TextSample read_texts(const std::filesystem::path& path, std::size_t max_bytes);

// --- JSON lines ------------------------------------------------------------------------------

// `s` as a JSON string literal (quotes and backslashes escaped; enough for the test texts).
std::string json_string(const std::string& s);
// One input line {"id":...,"text":...} with its '\n'.
std::string jsonl_record(const std::string& id, const std::string& text);
// The value of a string field of one flat JSON record written "key"<colon>"value" ("" when
// absent; the value must have no escapes). The default is the compact form the CLI writes.
std::string field_of(const std::string& line, const std::string& key, std::string_view colon = ":");
// The value of the numeric "similarity" field of one record (-1 when absent).
double similarity_of(const std::string& line);

// --- files -------------------------------------------------------------------------------------

// The repository's root.
std::filesystem::path source_dir();

// A fresh empty directory under the system temp dir, unique per name and process (ctest -j runs
// every test in its own process, concurrently); removed when the process exits.
std::filesystem::path temp_dir(const std::string& name);

void write_file(const std::filesystem::path& p, const std::string& bytes);
std::string read_file(const std::filesystem::path& p);

// One element per line (without the '\n'); no empty last element for a final '\n'.
std::vector<std::string> lines_of(const std::string& s);

}  // namespace neardup::fixtures
