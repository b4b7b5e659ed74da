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

#include "cli_common.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/story.h"
#include "neardup/advanced/story_time.h"

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

// Streams documents from all inputs in batches, so that the per-document work of a batch can
// run on all threads while results stay in input order.
class BatchReader {
 public:
  BatchReader(const std::vector<std::string>& inputs, const ReaderOptions& options)
      : inputs_(inputs), options_(options) {}

  // Fills docs[0..count) and returns count (0 at the end of all inputs).
  Result<std::size_t> next(std::vector<Document>& docs);
  // As next(), for live input (--stream): waits for the first document of the batch only, then
  // returns early with the documents it has once the next one has not arrived yet (a pipe,
  // terminal or socket with nothing to read now, or the next input is such a stream). Regular
  // files and directories never end a batch early, so their batches stay full.
  Result<std::size_t> next_available(std::vector<Document>& docs);
  // Totals over all inputs so far.
  ReaderStats stats() const;
  // Fraction of the input done, or -1 when unknown (several inputs, stdin).
  double done_fraction() const;

 private:
  Result<std::size_t> fill(std::vector<Document>& docs, bool live);
  void finish_reader();

  const std::vector<std::string>& inputs_;
  ReaderOptions options_;
  std::size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  ReaderStats done_;
};

// The batch runner of every mode: reads all inputs in batches and calls
// process(docs, n, run) for each, in input order, on `threads` threads in all (reading
// included: the next batch is read in the background while this one is processed); `run`
// spreads per-document work over those threads (worker numbers < threads). `live`: batches
// end early when the input has nothing more to read right now (BatchReader::next_available).
// A non-ok Status from process stops the run. Reports errors; returns kExitOk or kExitFailure.
using BatchProcess =
    std::function<Status(std::vector<Document>& docs, std::size_t n, const ParallelRunner& run)>;
int run_batches(std::string_view command, unsigned threads, BatchReader& reader, Progress& progress,
                uint64_t& documents, const BatchProcess& process, bool live = false);

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

// SimHash mode (tools/simhash_mode.cpp): clusters all inputs (union-find over the pairs within
// --max-distance bits, optionally verified by shingle Jaccard). The same result shape as near
// mode. Prints the summary (unless --quiet). Returns an exit code.
int run_simhash(std::string_view command, const ClusterOptions& opt, NearRun& out);

// "skipped N malformed records, ...; " for the summary line.
std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns);

// The cluster record: {"id","cluster"} plus "duplicate_of" and "similarity" when duplicate_of
// is given. Overwrites `line`.
void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity);

}  // namespace neardup::cli
