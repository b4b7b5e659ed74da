// Byte ranges of one file (ReaderOptions::byte_begin/byte_end): finding the records that start
// in a range, and a ByteSource over their bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "neardup/advanced/reader.h"

namespace neardup::detail {

// gzip, zstd, xz or bzip2 magic bytes at the start of `head` (decompress.cpp).
bool has_compression_magic(std::string_view head) noexcept;

// The bytes [start, stop) of a regular file, read with pread; size() is stop - start.
Result<std::unique_ptr<ByteSource>> open_range_source(const std::string& path, uint64_t start,
                                                      uint64_t stop);

// The number of '\n' in the bytes [from, to) of `path`.
Result<uint64_t> count_newlines(const std::string& path, uint64_t from, uint64_t to);

}  // namespace neardup::detail
