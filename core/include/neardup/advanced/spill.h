// Clustering in bounded memory: the near and exact clusterers of near_dup.h and
// exact_clusterer.h, rebuilt from sorted runs on disk so that a corpus larger than memory runs
// on one machine, with the same clusters, representatives and similarities as the in-memory
// clusterers (kComponents linkage).
//
//   neardup::SpillOptions spill{.tmp_dir = "/scratch", .memory_bytes = 1ull << 30};
//   auto c = neardup::SpillingNearDupClusterer::create(near_options, spill);
//   for each batch, in input order: c->prepare(text, doc, scratch) (any thread), then
//                                   c->add_batch(docs, runner);      // Status: disk errors
//   c->finish(priority, [&](uint32_t doc, const neardup::Assignment& a) { ...; return Status(); });
//
// How it works (near): add_batch writes each document's verification data (its sorted set of
// shingle hashes, or its 32-bit signature) to a data file, and one record per LSH band key and
// one per exact key to two external sorters, whose buffers hold as much as the memory budget
// allows and are written as sorted runs when full. finish() merges the exact keys (the first
// document with a normalized text is its canon; copies join it), then merges the band keys: the
// canonical documents sharing a key are candidate pairs, verified in parallel from the data
// file (pread) unless union-find already joins them, and united when they reach the threshold.
// The in-memory clusterer's components are the connected components of exactly these verified
// pairs plus the copy links, so both give the same clusters; representatives and similarities
// are computed by the same rules. Only the NearDupStats counters differ (a pair whose bands
// match twice may be verified twice; the in-memory run skips differently).
//
// Memory: the buffers of the two sorters take about half the budget while documents are added;
// finish() frees them, then holds two 4-byte arrays per document (canon and union-find; a third
// when `priority` is given, plus the caller's 8-byte priorities) and merge buffers within the
// budget. Nothing else per document stays in RAM. The temporary files are unlinked as soon as
// they are created, so they vanish when the clusterer is destroyed or the process dies; their
// size is in SpillStats. A full disk is an IoError that names the directory.
//
// Thread safety: prepare() concurrently; add_batch() and finish() from one thread at a time (they
// run their parallel parts through the ParallelRunner).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "neardup/advanced/cluster.h"
#include "neardup/advanced/exact_clusterer.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/status.h"

namespace neardup {

struct SpillOptions {
  std::string tmp_dir;                        // empty: $TMPDIR, else /tmp
  uint64_t memory_bytes = uint64_t{1} << 30;  // the budget for buffers and per-document arrays

  // At least 64 KiB (tiny budgets are for tests), and tmp_dir (when given) an existing,
  // writable directory.
  Status validate() const;
  std::string resolved_dir() const;
};

// What a spilling run wrote and how long its stages took.
struct SpillStats {
  uint64_t bytes_written = 0;  // to temporary files, in all (data, runs, merge passes)
  uint64_t runs = 0;           // sorted runs written by the sorters
  uint64_t merge_passes = 0;   // intermediate merge passes (0 when the runs fit one merge)
  double add_seconds = 0;      // time inside add_batch
  double exact_seconds = 0;    // finish: merging the exact keys
  double link_seconds = 0;     // finish: merging band keys, verifying candidates
  double assign_seconds = 0;   // finish: representatives, similarities, the callback
};

// Called by finish() on its thread now and then: the stage ("exact keys", "band keys",
// "assignments"), the units done and the total; done == total once at the end of each stage.
using SpillProgress = std::function<void(std::string_view stage, uint64_t done, uint64_t total)>;

// Receives each document's assignment in document order; an error stops finish() and is
// returned by it.
using AssignmentSink = std::function<Status(uint32_t doc, const Assignment& assignment)>;

// What the spilling near clusterer keeps of a document: the prepared document reduced to its
// exact key, band keys and verification data. `neardup sketch` writes these to a file and
// `neardup link` adds them back (add_sketched), so that sketching can run on many machines.
struct SketchedDoc {
  Hash128 exact_key;
  uint64_t text_bytes = 0;
  std::vector<uint64_t> band_keys;    // one per band; empty when the document has no shingles
  std::vector<uint64_t> set;          // kShingles: the sorted, distinct shingle hashes
  std::vector<uint32_t> signature32;  // kSignature: the 32-bit signature
};

class SpillingNearDupClusterer {
 public:
  using Scratch = NearDupClusterer::Scratch;

  // InvalidArgument for Linkage::kRepresentative (its clusters depend on the order of
  // insertion; run it in memory) and for invalid options.
  static Result<SpillingNearDupClusterer> create(NearDupOptions options, SpillOptions spill);
  SpillingNearDupClusterer(SpillingNearDupClusterer&&) noexcept;
  SpillingNearDupClusterer& operator=(SpillingNearDupClusterer&&) noexcept;
  ~SpillingNearDupClusterer();

  const NearDupOptions& options() const noexcept;
  // As NearDupClusterer::prepare. Thread-safe.
  void prepare(std::string_view text, PreparedDoc& out, Scratch& scratch) const;
  // Adds docs in input order (their numbers continue from the previous batch). IoError when a
  // temporary file cannot be written; the clusterer is then unusable.
  Status add_batch(std::span<const PreparedDoc> docs, const ParallelRunner& run = {});
  // A prepared document as add_batch keeps it. Thread-safe.
  void sketch(const PreparedDoc& doc, SketchedDoc& out) const;
  // Adds documents already sketched (by a clusterer with the same options), in input order.
  Status add_sketched(std::span<const SketchedDoc> docs);
  // Clusters everything added and calls `sink` for every document in order. `priority` as in
  // NearDupClusterer::finish (empty, or one value per document). Call once.
  Status finish(std::span<const double> priority, const AssignmentSink& sink,
                const ParallelRunner& run = {});

  void set_progress(SpillProgress progress);
  uint64_t documents() const noexcept;
  const NearDupStats& stats() const noexcept;
  const SpillStats& spill_stats() const noexcept;

 private:
  struct Impl;
  explicit SpillingNearDupClusterer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Exact clustering in bounded memory: the same assignments as ExactClusterer (every document
// joins the first with the same normalized text), from sorted runs of exact keys.
class SpillingExactClusterer {
 public:
  using Scratch = ExactClusterer::Scratch;

  static Result<SpillingExactClusterer> create(ExactOptions options, SpillOptions spill);
  SpillingExactClusterer(SpillingExactClusterer&&) noexcept;
  SpillingExactClusterer& operator=(SpillingExactClusterer&&) noexcept;
  ~SpillingExactClusterer();

  void prepare(std::string_view text, PreparedExact& out, Scratch& scratch) const;
  Status add_batch(std::span<const PreparedExact> docs);
  // Every document's cluster (= representative: the first copy) in order; similarity 1.
  Status finish(const AssignmentSink& sink);

  void set_progress(SpillProgress progress);
  uint64_t documents() const noexcept;
  const ExactStats& stats() const noexcept;  // complete after finish()
  const SpillStats& spill_stats() const noexcept;

 private:
  struct Impl;
  explicit SpillingExactClusterer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Strings by number, on disk: append in order, read back sequentially or by number (each a
// pread, thread-safe once appending is over). For the ids of a run too large to hold them in RAM.
class SpilledStrings {
 public:
  static Result<SpilledStrings> create(const SpillOptions& spill);
  SpilledStrings(SpilledStrings&&) noexcept;
  SpilledStrings& operator=(SpilledStrings&&) noexcept;
  ~SpilledStrings();

  Status append(std::string_view s);
  // Ends appending (flushes the buffers); needed before any get().
  Status seal();
  uint64_t size() const noexcept;
  uint64_t bytes_written() const noexcept;
  // String number i (< size()) into `out`.
  Status get(uint64_t i, std::string& out) const;

 private:
  struct Impl;
  explicit SpilledStrings(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "1G", "256M", "512K", "1.5G", "100000" (bytes; K/M/G/T are powers of 1024, a trailing B or
// iB is allowed) into bytes. InvalidArgument for anything else or zero.
Result<uint64_t> parse_byte_size(std::string_view text);

// Physical memory, or the cgroup limit when it is lower (0 when unknown).
uint64_t available_memory_bytes() noexcept;

}  // namespace neardup
