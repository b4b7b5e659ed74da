// The clustering modes of the CLI and the one table that names them. A mode is the way
// documents are grouped (exact, near, simhash, story); each lives in one file under
// tools/modes/ that registers its own flags, resolves them and runs the library's clusterer.
// Commands that take --mode (cluster, dedup, index build) choose it through this table, which
// also says which commands accept which mode; no other code compares mode names.
//
//   ModeChoice modes(kCluster);
//   modes.add_mode_option(desc, opt.mode, "exact");        // --mode, with the table's help
//   modes.add_group(desc, [&](auto& d) { add_normalize_options(d, opt.normalize); });
//   modes.add_mode_flags(desc);                             // each accepted mode's own flags
//   ... parse ...
//   Result<ModeHandler*> mode = modes.choose(opt.mode, vm); // usage errors name the option
//   mode->resolve(opt); mode->run(command, sink);
//
// Adding a mode: a file tools/modes/<name>.cpp defining make_<name>_mode() (tools/CMakeLists.txt
// builds every file in tools/modes/), and one line in NEARDUP_CLI_MODES below, from which the
// enumerator, the handler's declaration and the table row are made.
//
// Thread safety: everything here runs on the main thread; a mode's run() uses the run's
// threads itself. Cost: the table lookups are negligible.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/near_dup.h"
#include "option_groups.h"

namespace neardup::cli {

struct ClusterOptions;
struct NearRun;

// The mode table: one line per mode, in the order --help lists them: enumerator, name (--mode
// NAME; tools/modes/NAME.cpp defines make_NAME_mode()), the commands that accept it (kCluster,
// kDedup, kIndex below), and one line of help.
#define NEARDUP_CLI_MODES(X)                                                                \
  X(kExact, exact, kCluster | kDedup | kSketch, "identical text after normalization")       \
  X(kNear, near, kCluster | kDedup | kIndex | kSketch,                                      \
    "MinHash/LSH near-duplicates (Jaccard of shingle sets >= --threshold)")                 \
  X(kSimHash, simhash, kCluster | kDedup | kIndex,                                          \
    "SimHash fingerprints within --max-distance bits")                                      \
  X(kContainment, containment, kCluster | kDedup | kIndex,                                  \
    "documents contained in another (|A & B| / |A| >= --threshold of A's shingles)")        \
  X(kStory, story, kCluster,                                                                \
    "same news story: TF-IDF cosine to a cluster's centroid, in time order (--time-field)") \
  X(kLines, lines, kCluster | kDedup,                                                       \
    "repeated lines, paragraphs or sentence windows (--unit) found in --min-docs "          \
    "documents: dedup cuts them from each record, cluster reports the repeated share")      \
  X(kSubstring, substring, kDedup,                                                          \
    "substrings of --min-bytes or more seen earlier in the corpus, cut after their "        \
    "first occurrence (suffix array; holds 9 bytes per input byte, at most 2 GiB of text)")

enum class Mode {
#define NEARDUP_CLI_MODE_ENUM(e, name, commands, help) e,
  NEARDUP_CLI_MODES(NEARDUP_CLI_MODE_ENUM)
#undef NEARDUP_CLI_MODE_ENUM
};

// The commands that take --mode (bits of ModeInfo::commands).
inline constexpr unsigned kCluster = 1;
inline constexpr unsigned kDedup = 2;
inline constexpr unsigned kIndex = 4;   // index build: near, simhash, containment: the kind
inline constexpr unsigned kSketch = 8;  // sketch: the first stage of a staged run

// The shared option groups a mode reads (bits of ModeHandler::groups); a command registers the
// groups of the modes it accepts, once each.
inline constexpr unsigned kNormalizeGroup = 1;
inline constexpr unsigned kSimilarityGroup = 2;
inline constexpr unsigned kStoryFeatureGroup = 4;

// What a span mode (lines, substring) found in one document.
struct SpanRecord {
  std::string_view id;
  // dedup: the record with the repeated spans cut (the input's bytes when nothing was cut);
  // null when the document is dropped (--min-length).
  const std::string* record = nullptr;
  std::string_view removed;                // dedup: JSON lines describing each cut, for --removed
  uint64_t bytes = 0, repeated_bytes = 0;  // text bytes, and those in repeated units
  uint64_t units = 0, repeated_units = 0;
};

// Where a mode writes its result: one record per input document, in input order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // `id` is in the cluster named by its first document `cluster`; `duplicate_of` is the
  // cluster's representative (null when `id` is it) and `similarity` the similarity to it.
  // `doc` is the document itself when the mode writes records while it reads (exact), else null.
  virtual void record(const Document* doc, std::string_view id, std::string_view cluster,
                      const std::string* duplicate_of, double similarity) = 0;
  // A mode that clusters the whole input first (near, simhash) hands over the result once; by
  // default one record() per document.
  virtual void clustering(NearRun& run);
  // More members for the next record() (a JSON fragment without braces, e.g. story
  // --explain's "explain":{...}); a sink that writes no JSON records may ignore them.
  virtual void extra(std::string_view /*json_members*/) {}
  // Called after each batch of a live stream (story --stream): hand the records on now.
  virtual void flush() {}
  // The reader's totals (malformed records skipped, null texts, ...) once a mode that passes
  // documents (exact) has read its input: its caller does not see that reading.
  virtual void read_stats(const ReaderStats&) {}
  // A span mode's result for one document, in input order, instead of record(); rewrites()
  // says whether the sink writes rewritten records (dedup) or only the repeated share (cluster).
  virtual void spans(const SpanRecord&) {}
  virtual bool rewrites() const { return false; }
};

// One mode: its own flags, which shared options it reads, and its run.
class ModeHandler {
 public:
  virtual ~ModeHandler() = default;
  // The shared option groups it reads (kNormalizeGroup | ...).
  virtual unsigned groups() const = 0;
  // Registers the flags only this mode reads; their values live in this object.
  virtual void add_options(po::options_description& desc) = 0;
  // Whether this mode reads `option` (a long name: a shared option or one of its own) in this
  // run; `vm` holds everything given (an option may apply only with another, e.g. simhash's
  // --threshold only with --verify shingles).
  virtual bool uses(std::string_view option, const po::variables_map& vm) const = 0;
  // Checks its flags and takes the shared ones from `shared`; errors are usage errors. May be
  // called again when the shared options change (dedup replaces stdin by a spooled copy).
  virtual Status resolve(const ClusterOptions& shared) = 0;
  // The resolved near-duplicate options, for modes that have them (near): what `neardup
  // sketch` writes into a sketch file.
  virtual const NearDupOptions* near_dup_options() const { return nullptr; }
  // Whether record() gets each document (doc != null) as it is read, in one pass.
  virtual bool passes_documents() const { return false; }
  // Whether the mode cuts spans out of records (lines, substring: RecordSink::spans) instead of
  // clustering them; it reads its inputs twice itself.
  virtual bool rewrites_records() const { return false; }
  // Clusters all inputs, writes the records to `sink`, prints the summary (unless --quiet).
  // Returns an exit code.
  virtual int run(std::string_view command, RecordSink& sink) = 0;
};

// Whether `option` is one of `names` (for ModeHandler::uses).
inline bool option_in(std::string_view option, std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (option == name) return true;
  }
  return false;
}

// A row of the mode table.
struct ModeInfo {
  Mode mode;
  std::string_view name;
  std::string_view help;  // one line for --help
  // kCluster | kDedup | kIndex: the commands that accept it. dedup needs either the documents
  // in record() (passes_documents) or one clustering(); index build needs a persistent index
  // kind for the mode (tools/cmd_index.cpp).
  unsigned commands;
  std::unique_ptr<ModeHandler> (*make)();
};

// The mode table, in the order --help lists it.
std::span<const ModeInfo> mode_table();
const ModeInfo& mode_info(Mode mode);

// The modes one command accepts: registers --mode and their options, and after parsing picks
// the chosen mode and rejects options it does not read.
class ModeChoice {
 public:
  explicit ModeChoice(unsigned command);

  // --mode NAME with `default_mode` and one line per accepted mode in its help.
  void add_mode_option(po::options_description& desc, std::string& mode,
                       std::string_view default_mode);
  // The shared groups the accepted modes read (kNormalizeGroup | ...).
  unsigned groups() const;
  // The accepted modes' names, joined by `separator` ("exact|near|simhash").
  std::string names(std::string_view separator) const;
  // Registers a shared option group through add(desc); its options apply only to the modes
  // that read them.
  void add_group(po::options_description& desc,
                 const std::function<void(po::options_description&)>& add);
  // Marks an option registered elsewhere (--seed of the common group) as read by some modes only.
  void add_mode_dependent(std::string_view option);
  // Registers each accepted mode's own flags.
  void add_mode_flags(po::options_description& desc);

  // The handler of the mode named `name`, after checking that this command accepts it and
  // that every mode-dependent option given on the command line is one the mode reads. Errors
  // are usage errors naming the mode or the option.
  Result<ModeHandler*> choose(const std::string& name, const po::variables_map& vm);
  // The chosen mode (after choose()).
  Mode mode() const { return chosen_; }

 private:
  std::vector<const ModeInfo*> accepted_;
  std::vector<std::unique_ptr<ModeHandler>> handlers_;  // one per accepted mode
  std::vector<std::string> dependent_;                  // mode-dependent options, in order
  Mode chosen_ = Mode::kExact;
};

}  // namespace neardup::cli
