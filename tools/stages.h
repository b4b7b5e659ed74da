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
#include "neardup/advanced/spill.h"
#include "neardup/advanced/stages.h"

namespace neardup::cli {

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
int sketch_shard(std::string_view command, const ClusterOptions& opt, const SketchFileInfo& info,
                 const SketchSink& sink, const std::function<std::string()>& describe);

struct LinkConfig {
  std::string output = "-";  // one output, or
  std::string output_dir;    // one file per shard
  std::string representative = "first";
  SpillOptions spill;
  CommonOptions common;
};
// Clusters the sketch files (every shard of one run, any order) and writes the cluster records.
// Prints errors and (unless quiet) the summary; returns an exit code.
int link_sketches(std::string_view command, const std::vector<std::string>& sketches,
                  const LinkConfig& config);

}  // namespace neardup::cli
