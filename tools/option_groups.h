// The option groups of the neardup command-line tool. Each group is registered by one function
// here and by no other code, so a flag means the same thing, with the same default, in every
// command that takes it:
//   common          --threads, --seed, --quiet                 every command (index add/query:
//                                                              no --seed, it is in the file)
//   output          --output/-o                                cluster, dedup, index query, pairs
//   input           --format, --id-field, --text-field, ...    every command reading documents
//   normalization   --no-nfkc, --no-decode-html, ...            exact, near, simhash, index build
//   similarity      --threshold, --shingle, --num-perm,        near, simhash, story (threshold),
//                   --minhash, --bands, --rows, --verify,      index build
//                   --bits, --max-distance
//   story features  --language, --stem, --title-field,         story, idf build, pairs (an IDF
//                   --idf-model                                model fits only the same settings)
//
//   SimilarityFlags sim;
//   add_similarity_options(desc, sim, SimilarityUse::kCluster);
//   ... parse ...
//   if (Status st = parse_threshold(sim); !st.ok()) { /* usage error */ }
//
// Thread safety: registration and resolution run once, on the main thread, before any work.
// Cost: negligible (once per run).
#pragma once

#include <boost/program_options.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/minhash.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/similarity.h"
#include "neardup/advanced/story.h"
#include "neardup/status.h"

namespace neardup::cli {

namespace po = boost::program_options;

// --threads, --seed, --quiet.
struct CommonOptions {
  unsigned threads = 0;  // 0 = all hardware threads
  uint64_t seed = 1;
  bool quiet = false;
  unsigned resolved_threads() const;
};
// with_seed = false for commands whose seed comes from a file (index add, index query).
void add_common_options(po::options_description& desc, CommonOptions& opts, bool with_seed = true);

// --output/-o FILE (default "-": stdout) for commands that write records.
void add_output_option(po::options_description& desc, std::string& output);

// Input reading options (--format, --id-field, --text-field, --skip-bad, --max-record-bytes).
struct InputOptions {
  std::string format = "auto";
  ReaderOptions reader;
  std::vector<std::string> inputs;
  Status resolve();  // parses `format` into reader.format and validates
};
void add_input_options(po::options_description& desc, InputOptions& opts);

// Normalization switches (--no-nfkc, --decode-html, ...), applied on top of the defaults.
struct NormalizeFlags {
  bool no_nfkc = false, no_case_fold = false, keep_invisible = false, no_unify_punctuation = false;
  bool decode_html = false, no_decode_html = false;  // entities are decoded unless no_decode_html
  bool strip_punctuation = false, no_fold_whitespace = false;
  NormalizeOptions options() const;
};
void add_normalize_options(po::options_description& desc, NormalizeFlags& flags);

// Similarity and sketch options: what makes two documents similar and how it is estimated.
struct SimilarityFlags {
  // --threshold as given ("" = the mode's default: 0.8 for near, auto for story)
  std::string threshold_text;
  bool threshold_given = false;  // --threshold was on the command line (even if empty)
  double threshold = 0.8;        // parse_threshold(): the number, for near and simhash
  std::string shingle = "word:5";
  uint32_t num_perm = 128;
  std::string minhash = "oph";
  uint32_t bands = 0, rows = 0;
  std::string verify;  // "" = the mode's default (near: shingles, simhash: none)
  uint32_t simhash_bits = 64;
  uint32_t max_distance = 3;
  // In the clustering commands --shingle, --bits and --max-distance default by mode (simhash:
  // word:1, 128 bits, 13 apart; near and containment: word:5): whether they were given.
  bool shingle_given = false, max_distance_given = false, bits_given = false;
};
// kCluster: the clustering commands (with --verify); kIndex: `index build` (no verification).
enum class SimilarityUse { kCluster, kIndex };
void add_similarity_options(po::options_description& desc, SimilarityFlags& flags,
                            SimilarityUse use);
// Parses --threshold, when given, into `threshold` (near and simhash take a number).
Status parse_threshold(SimilarityFlags& flags);
// The text pipeline (normalization flags, --shingle word:K|char:K, --seed) and the MinHash
// parameters (--num-perm, --minhash oph|perm, --seed). Errors are usage errors.
Result<PipelineOptions> pipeline_options(const NormalizeFlags& normalize,
                                         const std::string& shingle, uint64_t seed);
Result<MinHashParams> minhash_params(uint32_t num_perm, const std::string& scheme, uint64_t seed);
// The MinHash similarity of near mode and of a near index (pipeline, MinHash, --threshold,
// --bands, --rows), from the similarity and normalization groups.
Result<SimilarityOptions> similarity_options(const SimilarityFlags& flags,
                                             const NormalizeFlags& normalize, uint64_t seed);

// Story features: which terms a document gives. An IDF model records the settings it was
// built with (with --seed) and fits only a run with the same ones.
struct StoryFeatureFlags {
  std::string language = "auto";
  bool stem = false;
  std::string title_field = "title";
  std::string idf_model;
  std::string translate = "none";  // --translate: none or freedict
  // The feature options without the translation tables (load_translations adds them).
  StoryFeatureOptions features(uint64_t seed) const;
};
// --translate freedict: loads the German, French and Spanish tables to English, converting
// each FreeDict dictionary found ($NEARDUP_FREEDICT_DIR, else /usr/share/dictd) on first use
// into a cached table ($NEARDUP_CACHE_DIR, else $XDG_CACHE_HOME/neardup, else
// ~/.cache/neardup; rebuilt when the dictionary is newer). No dictionary at all is an error.
Status load_translations(const StoryFeatureFlags& flags, StoryFeatureOptions& features);
// Parts of the group a command takes besides --language and --stem.
inline constexpr unsigned kStoryTitleField = 1;  // --title-field
inline constexpr unsigned kStoryIdfModel = 2;    // --idf-model
void add_story_feature_options(po::options_description& desc, StoryFeatureFlags& flags,
                               unsigned parts);
// Loads an IDF model (neardup idf build) and checks that it was built with these feature
// settings: term ids from other settings would all look unseen.
Result<DocumentFrequencies> load_idf_model(const std::string& path,
                                           const StoryFeatureOptions& features);

// Whether `option` (a long name, without --) belongs to the normalization group.
bool is_normalize_option(std::string_view option);

}  // namespace neardup::cli
