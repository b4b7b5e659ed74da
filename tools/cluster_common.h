// What `neardup cluster` and `neardup dedup` share: their options (the shared groups, --mode,
// --output, --representative), the near/simhash result shape, the cluster record and the
// summary pieces. The modes themselves live in tools/modes/, one file each (see mode.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "batch_runner.h"
#include "cli_common.h"
#include "id_check.h"
#include "jsonl_fields.h"
#include "mode.h"
#include "neardup/advanced/near_dup.h"  // SetStorage
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/spill.h"

namespace neardup::cli {

// The options of cluster and dedup that are not a mode's own: the similarity and story-feature
// groups are bases, so a mode's code reads them as opt.shingle, opt.language, ...
struct ClusterOptions : SimilarityFlags, StoryFeatureFlags {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string mode = "exact";
  std::string output = "-";
  std::string output_dir;                // cluster under mpirun: one output file per rank's shard
  std::string representative = "first";  // first | longest | field:NAME
  std::string on_duplicate_id = "warn";  // --on-duplicate-id: error | warn | keep
  std::string measure = "jaccard";       // --measure jaccard | containment (= --mode containment)
  OnDuplicateId on_duplicate = OnDuplicateId::kWarn;
  bool id_field_given = false;  // --id-field on the command line
  // --memory / --tmp-dir (near and exact). `spill` holds the limit (given, or
  // default_memory_limit()) and the directory; memory_given says whether --memory was given.
  // Near mode runs in memory when the input should fit the limit and spills to disk
  // (advanced/spill.h) when it would not, or when it passes the limit while it runs; exact
  // mode spills when --memory is given.
  std::string memory, tmp_dir;
  bool memory_given = false;
  // --set-store disk|memory (near and simhash): where shingle sets wait for verification /
  // TF-IDF; set_storage is its parsed form, with the directory of --tmp-dir.
  std::string set_store = "disk";
  SetStorage set_storage;
  std::string stats;  // --stats FILE: the run summary as JSON (run_stats.h)
  SpillOptions spill;
};

// The id checks of a run (id_check.h): --on-duplicate-id, and --id-field when given. A spilled
// run passes the share of --memory its id table may take (max_table_bytes).
IdCheckOptions id_check_options(const ClusterOptions& opt, std::string_view command,
                                uint64_t max_table_bytes = UINT64_MAX);
// The part of --memory a spilled run leaves to the id table: 1/8, less when the rest would fall
// below the spilling clusterers' 64 KiB minimum (nothing under keep).
uint64_t id_table_share(const ClusterOptions& opt);

// SpillOptions::progress for the command: on stderr (unless quiet), at most one line a second
// while a stage runs ("cluster: band keys: 12.6 M of 70.0 M (18%), 4 s"), and a closing line
// for each stage that took a second or more.
std::function<void(std::string_view, uint64_t, uint64_t)> stage_progress(std::string_view command,
                                                                         bool quiet);

// Reader batches of a spilled run: 1/64 of the limit in text (256 KiB to 4 MiB), so that the
// two batches in flight stay a small part of a small limit.
BatchLimits spill_batch_limits(const SpillOptions& spill);

// Checks before the run that --stats (when given) can be written there and is not an input:
// InvalidArgument (a usage error) or IoError.
Status check_stats_path(const std::string& path, const std::vector<std::string>& inputs);
Status check_stats_path(const ClusterOptions& opt);
// Writes the run's --stats file (when `path` is given) after a successful run (rc 0); returns
// the command's exit code: rc, or 1 after printing why the file could not be written.
int write_stats_file(std::string_view command, int rc, const std::string& path,
                     const std::vector<std::string>& inputs);

// The limit without --memory: half of physical memory (or of the cgroup's limit), 4 GiB when
// unknown.
uint64_t default_memory_limit();

// The input's size in bytes when known: regular files, and directories recursively
// (compressed files count 4x, a typical text ratio). Empty for standard input and other
// streams.
std::optional<uint64_t> input_bytes_estimate(const std::vector<std::string>& inputs);

// "note: ..." lines about memory on stderr (unless quiet).
void print_memory_note(std::string_view command, bool quiet, const std::string& text);
std::string format_megabytes(uint64_t bytes);

// Registers --mode (the modes of `modes`), --output, --representative, the shared groups those
// modes read, each mode's own flags, and the input and common groups.
void add_cluster_options(po::options_description& desc, ClusterOptions& opt, ModeChoice& modes);
// After parsing: the chosen mode (ModeChoice::choose), the checks every mode shares (inputs,
// --format, --representative), then the mode's own resolve. Errors are usage errors.
Result<ModeHandler*> resolve_cluster_options(ClusterOptions& opt, ModeChoice& modes,
                                             const po::variables_map& vm);
// The command line of cluster or dedup: add_cluster_options after the command's own options in
// `desc`, parsing, resolve_cluster_options. Returns kExitOk with `mode` set, kHelpShown after
// printing --help, or kExitUsage after reporting a usage error.
int parse_cluster_command(std::string_view command, const std::vector<std::string>& args,
                          po::options_description& desc, ClusterOptions& opt, ModeChoice& modes,
                          ModeHandler*& mode);

// Near and simhash modes: the ids in input order and each document's cluster, representative
// and similarity to it.
struct NearRun {
  std::vector<std::string> ids;
  std::vector<NearDupAssignment> assignment;
  // Containment mode: each document's best container (kNotContained: none) and its
  // containment; empty for the other modes.
  std::vector<uint32_t> contained_in;
  std::vector<double> containment;
};

// The priority of each document for --representative, gathered batch by batch: "longest" ranks
// by text length, "field:NAME" by the value of a JSONL field (read on the worker threads),
// "first" needs none (the cluster's first member represents it).
//
//   RepresentativeKeys keys(opt.representative, threads);
//   per batch: keys.start_batch(n); parallel: keys.read(i, w, docs[i]);
//              in input order: keys.keep(i, text_bytes);
//   Result<std::vector<double>> priority = keys.priorities();  // error: no record has the field
//   clusterer.finish(*priority);
class RepresentativeKeys {
 public:
  RepresentativeKeys(const std::string& representative, unsigned threads);
  void start_batch(std::size_t n) {
    if (by_field_) batch_values_.resize(n);
  }
  // Document i of the batch, on worker w (concurrently for different workers).
  void read(std::size_t i, unsigned w, const Document& doc) {
    if (by_field_) batch_values_[i] = extractors_[w].get(doc.raw, field_);
  }
  // Document i of the batch, in input order.
  void keep(std::size_t i, uint64_t text_bytes);
  // The priorities of every document kept (empty for "first"), for assign_representatives. For
  // "field:NAME", an invalid_argument error naming the field when no document has it (a typo
  // would silently mean "first"); documents without it rank last.
  Result<std::vector<double>> priorities();
  // "N records without the field 'NAME' (ranked last); " for the summary, or "" when none lacks it.
  std::string summary() const;

 private:
  bool by_length_ = false, by_field_ = false;
  std::string field_;
  std::vector<JsonFieldExtractor> extractors_;
  std::vector<std::optional<std::string>> batch_values_, field_values_;
  std::vector<double> priority_;
  uint64_t missing_ = 0;  // documents without the field
};

// The ids of a spilled run's records: resolve(doc, assignment), in document order, sets the
// document's id, its cluster's id and its representative's id (null when it represents its
// cluster) from the spilled id table; counts the clusters.
class SpilledIdResolver {
 public:
  explicit SpilledIdResolver(const SpilledStrings& ids) : ids_(ids) {}
  Status resolve(uint32_t doc, const Assignment& a);
  const std::string& id() const noexcept { return id_; }
  const std::string& cluster() const noexcept { return cluster_; }
  const std::string* representative() const noexcept { return has_rep_ ? &rep_ : nullptr; }
  uint64_t clusters() const noexcept { return clusters_; }

 private:
  const SpilledStrings& ids_;
  std::string id_, cluster_, rep_;
  bool has_rep_ = false;
  uint64_t clusters_ = 0;
};

// "kept 3 of 4 records, removed 0 duplicates, skipped 1 malformed" (dedup and apply): every
// record read is kept, removed or skipped; null texts and skipped files when there are any.
std::string dedup_summary(uint64_t kept, uint64_t dropped, const ReaderStats& read);

// "spilled 12.3 MB to /tmp in 4 runs (0 merge passes); stages: add 1.2 s, exact 0.1 s, link
// 0.4 s, assign 0.2 s; " for the summary line of a spilled run.
std::string spill_summary(const SpillStats& st, uint64_t id_bytes, const std::string& dir);

// "skipped N malformed records, M blank lines; K records with null text; ...; " for the summary
// line.
std::string reader_summary(const ReaderStats& rs, const NormalizeStats& ns);
// Prints a mode's summary line on stderr: "<mode_part><reader_part><docs/s, MB/s>, N threads".
void print_run_summary(std::string_view command, std::string_view mode_part,
                       std::string_view reader_part, uint64_t documents, uint64_t bytes,
                       double seconds, unsigned threads);

// The cluster record: {"id","cluster"} plus "duplicate_of" and "similarity" when duplicate_of
// is given. Overwrites `line`.
void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity, std::string_view extra = {});
// Adds "contained_in" and "containment" to a record append_record wrote.
void append_contained_in(std::string& line, std::string_view container, double containment);

}  // namespace neardup::cli
