// neardup cluster: group documents and write one JSON line per input document, in input order:
//   {"id": "...", "cluster": "<id of the cluster's first document>"}
// plus "duplicate_of" (the cluster's representative) and "similarity" for every document that is
// not its cluster's representative, and in containment mode "contained_in" and "containment"
// for every document contained in another. Every mode of the mode table (mode.h) is accepted.
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
    append_record(line_, id, cluster, duplicate_of, similarity, extra_);
    extra_.clear();
    out_.write(line_);
  }
  void extra(std::string_view json_members) override { extra_.assign(json_members); }
  void flush() override { out_.flush(); }
  void clustering(NearRun& run) override {
    if (run.contained_in.empty()) return RecordSink::clustering(run);
    for (std::size_t i = 0; i < run.assignment.size(); ++i) {  // containment mode
      const NearDupAssignment& a = run.assignment[i];
      append_record(line_, run.ids[i], run.ids[a.cluster],
                    a.representative == i ? nullptr : &run.ids[a.representative], a.similarity);
      if (run.contained_in[i] != UINT32_MAX) {
        append_contained_in(line_, run.ids[run.contained_in[i]], run.containment[i]);
      }
      out_.write(line_);
    }
  }
  // --mode lines: the share of each document's text that is repeated in other documents.
  void spans(const SpanRecord& r) override {
    append_span_share(line_, r);
    out_.write(line_);
  }

 private:
  Output& out_;
  std::string line_;
  std::string extra_;
};

}  // namespace

int cmd_cluster(const std::vector<std::string>& args) {
  ClusterOptions opt;
  ModeChoice modes(kCluster);
  po::options_description desc("options");
  desc.add_options()  //
      ("output-dir", po::value(&opt.output_dir),
       "with mpirun: instead of --output, one file per rank's shard of the input, "
       "DIR/part-00000.jsonl, ... (their concatenation in order is the --output file)");
  ModeHandler* mode = nullptr;
  const int rc = parse_cluster_command(kCommand, args, desc, opt, modes, mode);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  if (!opt.output_dir.empty() && opt.output != "-") {
    print_error(kCommand, "give --output or --output-dir, not both");
    return kExitUsage;
  }
  if (mpi_launched()) return cluster_mpi(kCommand, opt, *mode);
  if (!opt.output_dir.empty()) {
    print_error(kCommand,
                "--output-dir splits the output by MPI rank (mpirun -np N neardup cluster ...); "
                "in one process use --output");
    return kExitUsage;
  }

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
  return write_stats_file(kCommand, result, opt.stats, opt.input.inputs);
}

}  // namespace neardup::cli
