// `mpirun -np N neardup cluster --mode near|exact ...`: the input's files are cut into N shards;
// every rank sketches its shard (reading, decompression, parsing, normalization, shingles,
// MinHash: the per-byte work) into a sketch file in --tmp-dir, the ranks send their sketches to
// rank 0 in rank order (point-to-point, in 4 MiB messages, after a collective go/no-go), and
// rank 0 links them in bounded memory (the `neardup link` stage) and writes the records. The
// output is byte for byte that of a one-process run. Built when CMake finds MPI
// (-DNEARDUP_MPI=AUTO|ON|OFF).
#pragma once

#include <string_view>

#include "cluster_common.h"
#include "mode.h"

namespace neardup::cli {

// Whether this process was started by mpirun (or srun) as one of several ranks.
bool mpi_launched();
// MPI_Init / MPI_Finalize when launched so and built with MPI; no-ops otherwise.
void mpi_start(int* argc, char*** argv);
void mpi_stop();
// The MPI run of `neardup cluster`; a usage error when this build has no MPI.
int cluster_mpi(std::string_view command, ClusterOptions& opt, ModeHandler& mode);

}  // namespace neardup::cli
