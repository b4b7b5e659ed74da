// neardup cluster: group documents and write one JSON line per input document, in input order:
//   {"id": "...", "cluster": "<id of the cluster's first document>"}
// plus "duplicate_of" (the cluster's representative) and "similarity" for every document that is
// not its cluster's representative. Every mode of the mode table (mode.h) is accepted.
#include <string>
#include <vector>

#include "cli_common.h"
#include "cluster_common.h"
#include "commands.h"
#include "mode.h"
#include "modes/span_common.h"
#include "mpi_cluster.h"
#include "run_stats.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "cluster";

// Writes each record as one JSON line.
class RecordWriter final : public RecordSink {
 public:
  explicit RecordWriter(Output& out) : out_(out) {}
  void record(const Document*, std::string_view id, std::string_view cluster,
              const std::string* duplicate_of, double similarity) override {
    append_record(line_, id, cluster, duplicate_of, similarity);
    out_.write(line_);
  }
  void flush() override { out_.flush(); }
  // --mode lines: the share of each document's text that is repeated in other documents.
  void spans(const SpanRecord& r) override {
    append_span_share(line_, r);
    out_.write(line_);
  }

 private:
  Output& out_;
  std::string line_;
};

}  // namespace

int cmd_cluster(const std::vector<std::string>& args) {
  ClusterOptions opt;
  ModeChoice modes(kCluster);
  po::options_description desc("options");
  ModeHandler* mode = nullptr;
  const int rc = parse_cluster_command(kCommand, args, desc, opt, modes, mode);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (mpi_launched()) return cluster_mpi(kCommand, opt, *mode);

  if (Status st = check_stats_path(opt); !st.ok()) {
    print_error(kCommand, "--stats: " + st.message());
    return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  Output out;
  if (Status open = out.open(opt.output, opt.input.inputs); !open.ok()) {
    print_error(kCommand, open.message());
    return open.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure;
  }
  RecordWriter writer(out);
  const int result = mode->run(kCommand, writer);
  // A failed run leaves an output file as it was (Output::discard).
  if (result != kExitOk) {
    out.discard();
    return result;
  }
  if (Status closed = out.close(); !closed.ok()) {
    print_error(kCommand, closed.message());
    return kExitFailure;
  }
  if (!opt.stats.empty()) {
    if (Status st = RunStats::get().write(opt.stats, opt.input.inputs); !st.ok()) {
      print_error(kCommand, st.message());
      return kExitFailure;
    }
  }
  return result;
}

}  // namespace neardup::cli
