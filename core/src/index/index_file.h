// The frame of the index files (NearDupIndex, HammingIndex, SimHashIndex) and of the story IDF
// model (DocumentFrequencies, from version 3): a 64-byte header
//   [8 bytes magic][u32 version][u32 kind][4 x u32 fields][u64 field][u64 count]
//   [u64 payload bytes][u64 checksum: hash64(payload, seed 0)]
// and the payload (sections, binary_io.h) after it. What the fields hold is the format's.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>
#include <string>
#include <string_view>

#include "detail/binary_io.h"
#include "neardup/status.h"

namespace neardup::detail {

inline constexpr std::size_t kFileHeaderBytes = 64;

// The magic of each index file kind, in this one place: the formats below are built from them and
// open_index() (open_index.cpp) tells the kinds apart by them.
inline constexpr std::string_view kMinHashIndexMagic = "NDUPINDX";      // NearDupIndex
inline constexpr std::string_view kHammingIndexMagic = "NDUPHAMM";      // HammingIndex (no ids)
inline constexpr std::string_view kSimHashIndexMagic = "NDUPSIMX";      // SimHashIndex
inline constexpr std::string_view kContainmentIndexMagic = "NDUPCONT";  // ContainmentIndex
inline constexpr std::size_t kMagicBytes = 8;

struct FileFormat {
  std::string_view magic;  // 8 bytes
  uint32_t version;        // the one version this build writes and reads
  uint32_t kind;
  bool field3_reserved;  // fields32[3] (header bytes 28-31) must be zero
  // How errors name the files: `name` in "not a neardup <name> (bad magic)" and "<name> format
  // version ...", `noun` in "empty file, not a neardup <noun>" and "out of memory loading the
  // <noun>" (and serializing).
  const char* name;
  const char* noun;
  // The header's count may not exceed max_count: "inconsistent counts: <count> <counted>".
  uint64_t max_count;
  const char* counted;
};

// The format's own header fields.
struct FileHeader {
  uint32_t fields32[4] = {0, 0, 0, 0};  // header bytes 16-31
  uint64_t field64 = 0;                 // header bytes 32-39
  uint64_t count = 0;                   // header bytes 40-47
};

// Fills in the header of `file`, whose first kFileHeaderBytes bytes are set aside for it (so
// that the payload after them is never copied) and whose payload is complete.
void finish_file(std::string& file, const FileFormat& format, const FileHeader& header);

struct CheckedFile {
  FileHeader header;
  std::string_view payload;
};

// The header and payload of `file` once its magic, version, kind, reserved field, size and
// checksum are right; otherwise a CorruptData (or UnsupportedVersion) status that names `path`.
Result<CheckedFile> check_file(std::string_view file, const std::string& path,
                               const FileFormat& format);

// Writes serialize()'s bytes to `path` (write_file_atomically).
template <typename Serialize>
Status save_file(const std::string& path, const FileFormat& format, Serialize serialize) {
  std::string bytes;
  try {
    bytes = serialize();
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory serializing the " + format.noun);
  }
  return write_file_atomically(path, bytes);
}

// build(), which rebuilds an index from a checked file, with running out of memory an IoError.
template <typename Build>
auto guarded_rebuild(const std::string& path, const FileFormat& format, Build build)
    -> decltype(build()) {
  try {
    return build();
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory loading the " + format.noun);
  }
}

}  // namespace neardup::detail
