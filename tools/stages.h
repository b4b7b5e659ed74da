// The stages of a staged run (tools/cmd_stages.cpp) as functions, for the commands sketch,
// link and apply and for `mpirun ... neardup cluster` (tools/mpi_cluster.cpp), which runs the
// same stages across MPI ranks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "cluster_common.h"
#include "mode.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/spill.h"
#include "neardup/advanced/stages.h"

namespace neardup::cli {

// The inputs of shard `index` of `count`. When every input is a plain file (regular, not
// compressed), shard i reads the records that start in the i-th of `count` equal parts of the
// inputs' bytes (one file may be cut into many shards, at record boundaries; see
// ReaderOptions::byte_begin); otherwise it reads the i-th part of the input's files (each
// input file, and each file of an input directory, counted in reading order).
struct ShardPlan {
  std::vector<std::string> inputs;
  std::vector<ReaderOptions> options;    // one per input: its file or byte range
  std::vector<std::size_t> input_index;  // the position of each input among all inputs
  uint64_t files = 0, total_files = 0;
  bool byte_ranges = false;
};
Result<ShardPlan> plan_shard(const std::vector<std::string>& inputs, const ReaderOptions& reader,
                             uint32_t index, uint32_t count);

// What a sketch file of shard `shard` of `shards` records for this mode (near or exact);
// InvalidArgument for representative linkage.
Result<SketchFileInfo> sketch_info(const ClusterOptions& opt, const ModeHandler& mode,
                                   uint32_t shard, uint32_t shards);
// Sketches shard info.shard/info.shards of opt's inputs into `path`. Prints errors and (unless
// quiet) the summary; returns an exit code.
int write_sketch(std::string_view command, const ClusterOptions& opt, const SketchFileInfo& info,
                 const std::string& path);
// The same, handing each record in input order to `sink` instead of a file (an error from it
// stops the run); `describe` gives the summary's words on where they went.
using SketchSink = std::function<Status(const SketchRecord&)>;
// `plan` (when given) replaces plan_shard() of opt's inputs: the MPI run gives the byte ranges'
// line numbers it counted across the ranks.
int sketch_shard(std::string_view command, const ClusterOptions& opt, const SketchFileInfo& info,
                 const SketchSink& sink, const std::function<std::string()>& describe,
                 const ShardPlan* plan = nullptr);

struct LinkConfig {
  std::string output = "-";  // one output, or
  std::string output_dir;    // one file per shard
  std::string representative = "first";
  SpillOptions spill;
  CommonOptions common;
  OnDuplicateId on_duplicate = OnDuplicateId::kWarn;  // link: ids that occur twice
};
// Clusters the sketch files (every shard of one run, any order) and writes the cluster records.
// Prints errors and (unless quiet) the summary; returns an exit code.
int link_sketches(std::string_view command, const std::vector<std::string>& sketches,
                  const LinkConfig& config);

}  // namespace neardup::cli
