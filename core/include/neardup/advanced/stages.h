// Sketch files: the first stage of `neardup cluster --mode near|exact` as a file, so that the
// pipeline can run as separate steps on any scheduler (a Slurm job array, Kubernetes, Spark):
//
//   neardup sketch --shard I/N ...   one file per shard of the input (SketchWriter)
//   neardup link SKETCHES...          reads them in shard order (SketchReader), clusters them
//                                     with the spilling clusterers (spill.h) and writes the
//                                     records of `neardup cluster`, byte for byte
//   neardup apply ...                 per shard: the dedup output of that shard
//
// Format (version 1; little-endian): a 64-byte header
//   [8 "NDUPSKCH"][u32 version][u32 mode][u32 shard][u32 shards][u32 verify][u32 0]
//   [u64 options bytes][u64 documents][u64 payload bytes][u64 checksum: XXH3-64 of the payload]
// then the payload: the options (the text pipeline, MinHash and LSH parameters, threshold),
// then one record per document in input order:
//   [u32 id bytes][u32 flags: 1 = empty normalized text][u64 exact key high][u64 low]
//   [u64 text bytes][u32 band keys][u32 data words][id][band keys: u64 each]
//   [data: kShingles the sorted set, u64 each; kSignature the 32-bit signature, u32 each]
// The writer streams (constant memory) into a temporary file beside the target and renames it
// when complete, so a sketch file either is whole or does not exist; the reader checks every
// length against the header and the file size, and the checksum and document count at the end
// (a damaged file is a CorruptData error naming it, never a crash).
//
// Thread safety: one thread per writer or reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/spill.h"
#include "neardup/status.h"

namespace neardup {

enum class SketchMode : uint32_t { kExact = 0, kNear = 1 };

struct SketchFileInfo {
  SketchMode mode = SketchMode::kNear;
  uint32_t shard = 0;   // this file's shard, 0-based
  uint32_t shards = 1;  // of how many
  // near: the similarity options and verification mode (linkage is always components); exact:
  // near.similarity.pipeline.normalize is the normalization, the rest is unused.
  NearDupOptions near;
  uint64_t documents = 0;  // set by the writer; read from the file by the reader
};

// Whether two sketch files come from the same run's settings: mode, verification, text
// pipeline, MinHash, LSH shape and threshold (shards may differ).
bool same_sketch_options(const SketchFileInfo& a, const SketchFileInfo& b);

struct SketchRecord {
  std::string id;
  bool empty = false;  // the normalized text is empty (exact mode's statistics)
  SketchedDoc doc;     // exact mode: exact_key and text_bytes only
};

class SketchWriter {
 public:
  static Result<SketchWriter> create(const std::string& path, const SketchFileInfo& info);
  SketchWriter(SketchWriter&&) noexcept;
  SketchWriter& operator=(SketchWriter&&) noexcept;
  ~SketchWriter();  // without close(), the temporary file is removed and `path` left alone

  Status add(const SketchRecord& record);
  // Completes the file (header, checksum, fsync) and renames it to `path`.
  Status close();
  uint64_t documents() const noexcept;
  uint64_t bytes() const noexcept;

 private:
  struct Impl;
  explicit SketchWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class SketchReader {
 public:
  // Opens `path` and checks its header (magic, version, sizes, options).
  static Result<SketchReader> open(const std::string& path);
  SketchReader(SketchReader&&) noexcept;
  SketchReader& operator=(SketchReader&&) noexcept;
  ~SketchReader();

  const SketchFileInfo& info() const noexcept;
  // The next record; false at the end, once the count and checksum are verified.
  Result<bool> next(SketchRecord& out);

 private:
  struct Impl;
  explicit SketchReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup
