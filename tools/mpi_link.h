// The link stage of `mpirun -np P neardup cluster --mode near|exact`, partitioned across the
// ranks (tools/mpi_link.cpp). Every rank has sketched its shard of the input into a local sketch
// file; link_mpi then clusters the whole input without gathering it anywhere:
//
//  1. exact keys are hash-partitioned to owner ranks (MPI_Alltoallv); each owner sorts its keys
//     and tells every copy's home rank the first document with the same normalized text (its
//     canon), as the one-process run does;
//  2. band keys, one LSH band per round, are hash-partitioned the same way; each owner sorts its
//     buckets and emits every pair of canonical documents of a bucket that the union-find does
//     not already join. A pair is verified on one of its two documents' home ranks (chosen by a
//     hash of the pair, to spread the work); the other document's shingle set (or signature) is
//     fetched from its home once per round. Verified pairs are shared with every rank
//     (MPI_Allgatherv), which unite them in a replicated union-find (4 bytes per document of the
//     corpus). Rounds are capped in pairs, so a large bucket is worked off in steps, each seeing
//     the unions of the previous ones;
//  3. representatives (first, or longest: aggregated at the root's home rank), ids and the
//     similarity of each document with its representative are resolved in blocks of documents
//     by requests to the home ranks;
//  4. records are written in input order: rank 0 writes its own and then each other rank's, sent
//     in rank order; or, with --output-dir, every rank writes its own part file.
//
// The clusters are the connected components of exactly the verified pairs and copy links of a
// one-process run, so the output is byte for byte the same. What a rank holds in RAM: about
// 8 x bands + 48 bytes per document of its shard (band keys, the exact key on its way to its
// owner, canon, representative) and 4 bytes per document of the corpus (the union-find); the
// verification data, ids and records stay in unlinked temporary files in --tmp-dir
// (SpilledStrings).
#pragma once

#include <string>
#include <string_view>

#include "cluster_common.h"
#include "stages.h"

namespace neardup::cli {

#ifdef NEARDUP_HAVE_MPI
// Collective: every rank sketches its shard (shard `rank` of `size` of opt's input, as
// `neardup sketch --shard` does) and the ranks link the shards together. Prints errors (rank 0
// prints the summary unless quiet) and returns the exit code, the same on every rank.
// `bytes_exchanged` receives what all ranks sent to each other.
int link_mpi(std::string_view command, const ClusterOptions& opt, const SketchFileInfo& info,
             const LinkConfig& config, uint64_t& bytes_exchanged);
#endif

}  // namespace neardup::cli
