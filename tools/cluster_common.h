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
#include "neardup/near_dup.h"
#include "neardup/reader.h"

namespace neardup::cli {

struct ClusterOptions {
  CommonOptions common;
  InputOptions input;
  NormalizeFlags normalize;
  std::string mode = "exact";
  std::string output = "-";
  std::string representative = "first";  // first | longest | field:NAME
  // --mode near
  double threshold = 0.8;
  std::string shingle = "word:5";
  uint32_t num_perm = 128;
  std::string minhash = "oph";
  uint32_t bands = 0, rows = 0;
  std::string verify = "shingles";
  std::string linkage = "components";
};

// Registers --mode, --output, --representative, the near-mode options and the input,
// normalization and common option groups.
void add_cluster_options(po::options_description& desc, ClusterOptions& opt);

// Checks the parsed options (a usage error on failure) and, for --mode near, fills `near`.
Status resolve_cluster_options(ClusterOptions& opt, std::optional<NearDupOptions>& near);

// Streams documents from all inputs in batches, so that the per-document work of a batch can
// run on all threads while results stay in input order.
class BatchReader {
 public:
  BatchReader(const std::vector<std::string>& inputs, const ReaderOptions& options)
      : inputs_(inputs), options_(options) {}

  // Fills docs[0..count) and returns count (0 at the end of all inputs).
  Result<std::size_t> next(std::vector<Document>& docs);
  // Totals over all inputs so far.
  ReaderStats stats() const;
  // Fraction of the input done, or -1 when unknown (several inputs, stdin).
  double done_fraction() const;

 private:
  void finish_reader();

  const std::vector<std::string>& inputs_;
  ReaderOptions options_;
  std::size_t next_input_ = 0;
  std::unique_ptr<DocumentReader> reader_;
  ReaderStats done_;
};

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

// The cluster record: {"id","cluster"} plus "duplicate_of" and "similarity" when duplicate_of
// is given. Overwrites `line`.
void append_record(std::string& line, std::string_view id, std::string_view cluster,
                   const std::string* duplicate_of, double similarity);

}  // namespace neardup::cli
