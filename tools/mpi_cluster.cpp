#include "mpi_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "mpi_link.h"
#include "run_stats.h"
#include "stages.h"

#ifdef NEARDUP_HAVE_MPI
#include <mpi.h>
#endif

namespace neardup::cli {

bool mpi_launched() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"}) {
    const char* v = std::getenv(var);
    if (v != nullptr && std::atoi(v) > 1) return true;
  }
  return false;
}

#ifndef NEARDUP_HAVE_MPI

void mpi_start(int*, char***) {}
void mpi_stop() {}
int cluster_mpi(std::string_view command, ClusterOptions&, ModeHandler&) {
  print_error(command,
              "started as one of several MPI ranks, but this neardup was built without MPI "
              "(install libopenmpi-dev and configure with -DNEARDUP_MPI=ON)");
  return kExitUsage;
}

#else

namespace {
bool g_started = false;
}  // namespace

void mpi_start(int* argc, char*** argv) {
  if (!mpi_launched()) return;
  if (MPI_Init(argc, argv) == MPI_SUCCESS) g_started = true;
}

void mpi_stop() {
  if (g_started) MPI_Finalize();
  g_started = false;
}

int cluster_mpi(std::string_view command, ClusterOptions& opt, ModeHandler& mode) {
  if (!g_started) {
    print_error(command, "MPI did not start");
    return kExitFailure;
  }
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const std::string who =
      std::string(command) + " [rank " + std::to_string(rank) + "/" + std::to_string(size) + "]";
  // Usage errors are the same on every rank: each rank checks, rank 0 reports.
  Result<SketchFileInfo> info =
      sketch_info(opt, mode, static_cast<uint32_t>(rank), static_cast<uint32_t>(size));
  Status usage = info.ok() ? Status() : info.status();
  if (usage.ok() && opt.representative != "first" && opt.representative != "longest") {
    usage = Status::invalid_argument("with MPI, --representative is first or longest");
  }
  for (const std::string& input : opt.input.inputs) {
    if (usage.ok() && input == "-") {
      usage = Status::invalid_argument("with MPI the input must be files or directories");
    }
  }
  if (!usage.ok()) {
    if (rank == 0) print_error(command, usage.message());
    return kExitUsage;
  }
  // Every rank sketches its shard, then the ranks link them together (mpi_link.h): keys and
  // pairs are partitioned across the ranks; nothing is gathered in one place but the output.
  LinkConfig config;
  config.output = opt.output;
  config.output_dir = opt.output_dir;
  config.representative = opt.representative;
  config.spill = opt.spill;
  config.common = opt.common;
  uint64_t exchanged = 0;
  int rc = link_mpi(command, opt, *info, config, exchanged);
  if (rank != 0) return rc;
  RunStats& stats = RunStats::get();
  stats.set("command", command);
  stats.set("mpi_ranks", static_cast<uint64_t>(size));
  stats.set("bytes_exchanged", exchanged);
  rc = write_stats_file(command, rc, opt.stats, opt.input.inputs);
  if (rc == kExitOk && !opt.common.quiet) {
    char line[160];
    std::snprintf(line, sizeof line, "MPI: %d ranks exchanged %.1f MB", size,
                  static_cast<double>(exchanged) / 1e6);
    print_error(command, line);
  }
  return rc;
}

#endif

}  // namespace neardup::cli
