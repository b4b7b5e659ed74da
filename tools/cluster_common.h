// The clustering engine shared by `neardup cluster` and `neardup dedup`: options, batched
// reading with a read-ahead thread, and the exact and near modes.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/story.h"

namespace neardup::cli {

struct ClusterOptions {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string mode = "exact";
  std::string output = "-";
  std::string representative = "first";  // first | longest | field:NAME
  // --threshold as given ("" = the mode's default: 0.8 for near, auto for story)
  std::string threshold_text;
  bool threshold_given = false;  // --threshold was on the command line (even if empty)
  // --mode near
  double threshold = 0.8;
  std::string shingle = "word:5";
  uint32_t num_perm = 128;
  std::string minhash = "oph";
  uint32_t bands = 0, rows = 0;
  std::string verify;  // "" = the mode's default (near: shingles, simhash: none)
  std::string linkage = "components";
  // --mode story
  std::string time_field, title_field = "title", window, language = "auto", idf_model;
  bool single_pass = false, stem = false, stream = false;
  // --mode simhash
  uint32_t simhash_bits = 64;
  uint32_t max_distance = 3;
  std::string simhash_weights = "tf";
};

// Story mode settings resolved from ClusterOptions.
struct StoryConfig {
  StoryFeatureOptions features;
  StoryOptions story;
  std::string time_field, title_field, idf_model;
  bool stream = false;  // --stream: assign in input order with running document frequencies
};

// Registers --mode, --output, --representative, the near-mode options and the input,
// normalization and common option groups.
void add_cluster_options(po::options_description& desc, ClusterOptions& opt);

// Checks the parsed options (a usage error on failure) and, for --mode near, fills `near`.
Status resolve_cluster_options(ClusterOptions& opt, std::optional<NearDupOptions>& near);
// For --mode story: the story settings (call after resolve_cluster_options).
Result<StoryConfig> story_config(const ClusterOptions& opt);
// Loads an IDF model (neardup idf build) and checks that it was built with these feature
// settings: term ids from other settings would all look unseen.
Result<DocumentFrequencies> load_idf_model(const std::string& path,
                                           const StoryFeatureOptions& features);

// The text pipeline and the MinHash parameters from the flags that near mode, simhash mode and
// `neardup index` share: normalization flags, --shingle (word:K|char:K), --seed, --num-perm,
// --minhash (oph|perm). Errors are usage errors.
Result<PipelineOptions> pipeline_options(const NormalizeFlags& normalize,
                                         const std::string& shingle, uint64_t seed);
Result<MinHashParams> minhash_params(uint32_t num_perm, const std::string& scheme, uint64_t seed);

// --mode simhash (tools/simhash_mode.cpp): registers --bits, --max-distance, --simhash-weights
// (called by add_cluster_options) and checks them (a usage error on failure).
void add_simhash_options(po::options_description& desc, ClusterOptions& opt);
Status check_simhash_options(const ClusterOptions& opt);

// Exact mode, streaming: calls emit(doc, first) for every document in input order, where
// `first` is the id of the first document with the same normalized text, or null if this is
// the first. Prints the summary (unless --quiet). Returns an exit code.
using ExactEmit = std::function<void(const Document& doc, const std::string* first)>;
int run_exact(std::string_view command, const ClusterOptions& opt, const ExactEmit& emit);

// Near mode: clusters all inputs. Prints the summary (unless --quiet). Returns an exit code.
struct NearRun {
  std::vector<std::string> ids;
  std::vector<NearDupAssignment> assignment;
};
int run_near(std::string_view command, const ClusterOptions& opt, const NearDupOptions& near,
             NearRun& out);

// Story mode (tools/story_mode.cpp): clusters all inputs and calls emit once per document in
// input order (id, the cluster's first document's id, whether it is that document, similarity).
// With --stream, batches end early when the input has nothing more to read right now
// (BatchReader::next_available) and `flush` (if set) is called after each batch's records, so
// that a live feed gets each record promptly. Prints the summary (unless --quiet).
using StoryEmit = std::function<void(const std::string& id, const std::string& cluster,
                                     bool founder, float similarity)>;
int run_story(std::string_view command, const ClusterOptions& opt, const StoryConfig& config,
              const StoryEmit& emit, const std::function<void()>& flush = {});
// A time value: unix seconds (or milliseconds, if above 1e11), ISO 8601
// "YYYY-MM-DD[THH:MM[:SS[.f]]][Z|+HH:MM]", or a day-month-year date with an English month name:
// RFC 2822 "[Tue, ]10 Mar 2014[ 22:24[:50]][ GMT|-0500]" (RSS) or "26-FEB-1987 15:01:01.79";
// nullopt when it is none of these.
std::optional<double> parse_time_value(std::string_view s);
// A duration "3d", "12h", "90m", "3600s" or plain seconds.
Result<double> parse_duration(std::string_view s);

// SimHash mode (tools/simhash_mode.cpp): clusters all inputs (union-find over the pairs within
// --max-distance bits, optionally verified by shingle Jaccard). The same result shape as near
// mode. Prints the summary (unless --quiet). Returns an exit code.
int run_simhash(std::string_view command, const ClusterOptions& opt, NearRun& out);

// "skipped N malformed records, ...; " for the summary line.
std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns);
// Representative priorities from the values of a JSON field (--representative field:NAME):
// numeric when every present value is a number, else by byte order; a missing field ranks lowest.
std::vector<double> field_priority(const std::vector<std::optional<std::string>>& values);

// The cluster record: {"id","cluster"} plus "duplicate_of" and "similarity" when duplicate_of
// is given. Overwrites `line`.
void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity);

}  // namespace neardup::cli
