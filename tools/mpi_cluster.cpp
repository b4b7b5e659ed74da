#include "mpi_cluster.h"

#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

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
constexpr std::size_t kChunk = std::size_t{4} << 20;
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
  const std::string dir = opt.spill.resolved_dir();
  const std::string stem =
      dir + "/neardup-mpi-" + std::to_string(::getpid()) + "-" + std::to_string(rank);
  const std::string local = stem + ".nds";
  // 1. Every rank sketches its shard.
  ClusterOptions quiet_opt = opt;
  quiet_opt.common.quiet = opt.common.quiet || rank != 0;
  const int sketched = write_sketch(who, quiet_opt, *info, local);
  // 2. Go only if every rank succeeded (a failed rank printed its error).
  int ok = sketched == kExitOk ? 1 : 0, all_ok = 0;
  MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  if (all_ok == 0) {
    std::remove(local.c_str());
    if (rank == 0 && sketched == kExitOk) print_error(command, "another rank failed");
    return kExitFailure;
  }
  // 3. The sketches travel to rank 0 in rank order.
  if (rank != 0) {
    std::ifstream in(local, std::ios::binary);
    std::vector<char> buf(kChunk);
    in.seekg(0, std::ios::end);
    const auto bytes = static_cast<unsigned long long>(in.tellg());
    in.seekg(0);
    MPI_Send(&bytes, 1, MPI_UNSIGNED_LONG_LONG, 0, 0, MPI_COMM_WORLD);
    for (unsigned long long sent = 0; sent < bytes;) {
      const auto n = static_cast<std::size_t>(std::min<unsigned long long>(kChunk, bytes - sent));
      in.read(buf.data(), static_cast<std::streamsize>(n));
      // A failed read sends zeros: rank 0's checksum check names the damaged sketch.
      if (!in) std::fill(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n), 0);
      MPI_Send(buf.data(), static_cast<int>(n), MPI_BYTE, 0, 1, MPI_COMM_WORLD);
      sent += n;
    }
    std::remove(local.c_str());
    return kExitOk;
  }
  std::vector<std::string> sketches{local};
  unsigned long long received = 0;
  std::vector<char> buf(kChunk);
  bool write_failed = false;
  for (int r = 1; r < size; ++r) {
    unsigned long long bytes = 0;
    MPI_Recv(&bytes, 1, MPI_UNSIGNED_LONG_LONG, r, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    const std::string path =
        dir + "/neardup-mpi-" + std::to_string(::getpid()) + "-from-" + std::to_string(r) + ".nds";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) write_failed = true;
    for (unsigned long long got = 0; got < bytes;) {
      const auto n = static_cast<std::size_t>(std::min<unsigned long long>(kChunk, bytes - got));
      MPI_Recv(buf.data(), static_cast<int>(n), MPI_BYTE, r, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
      if (f != nullptr && std::fwrite(buf.data(), 1, n, f) != n) write_failed = true;
      got += n;
    }
    if (f != nullptr && std::fclose(f) != 0) write_failed = true;
    received += bytes;
    sketches.push_back(path);
  }
  int rc = kExitFailure;
  if (write_failed) {
    print_error(command, "cannot write the received sketches to " + dir);
  } else {
    LinkConfig config;
    config.output = opt.output;
    config.representative = opt.representative;
    config.spill = opt.spill;
    config.common = opt.common;
    rc = link_sketches(command, sketches, config);
    RunStats& stats = RunStats::get();
    stats.set("command", command);
    stats.set("mpi_ranks", static_cast<uint64_t>(size));
    stats.set("bytes_exchanged", static_cast<uint64_t>(received));
    if (rc == kExitOk && !opt.stats.empty()) {
      if (Status st = stats.write(opt.stats, opt.input.inputs); !st.ok()) {
        print_error(command, st.message());
        rc = kExitFailure;
      }
    }
    if (rc == kExitOk && !opt.common.quiet) {
      char line[160];
      std::snprintf(line, sizeof line,
                    "MPI: %d ranks; received %.1f MB of sketches from ranks 1-%d", size,
                    static_cast<double>(received) / 1e6, size - 1);
      print_error(command, line);
    }
  }
  for (const std::string& s : sketches) std::remove(s.c_str());
  return rc;
}

#endif

}  // namespace neardup::cli
