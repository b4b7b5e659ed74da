// The building blocks of neardup's file formats (NearDupIndex, HammingIndex, SimHashIndex, the
// story IDF model): little-endian integers, sections of the form
//   [u32 tag][u32 0][u64 length][length bytes][zero padding to a multiple of 8]
// read with bounds checks, whole-file reads, and crash-safe whole-file writes. (The header these
// files share is in index/index_file.h.)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "neardup/status.h"

namespace neardup::detail {

inline void put_u32(std::string& out, uint32_t v) {
  char b[4];
  for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(b, 4);
}
inline void put_u64(std::string& out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  out.append(b, 8);
}
inline uint32_t get_u32(const char* p) noexcept {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline uint64_t get_u64(const char* p) noexcept {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
inline void pad8(std::string& out) {
  while (out.size() % 8 != 0) out.push_back('\0');
}
// The 16-byte head of a section whose body (`length` bytes, then pad8) follows.
inline void put_section_head(std::string& out, uint32_t tag, std::size_t length) {
  put_u32(out, tag);
  put_u32(out, 0);
  put_u64(out, length);
}

// The heads of an array section, [u64 count][u32 width][u32 0][count rows of width words of
// word_bytes bytes each]: the caller appends the rows (and pads).
inline void put_array_head(std::string& out, uint32_t tag, uint64_t count, uint32_t width,
                           std::size_t word_bytes) {
  put_section_head(out, tag, 16 + word_bytes * width * count);
  put_u64(out, count);
  put_u32(out, width);
  put_u32(out, 0);
}

// Bounds-checked reading of the sections of a payload (whose checksum already matched).
// Errors are CorruptData statuses that name `path`; `path` must outlive the reader.
class SectionReader {
 public:
  SectionReader(std::string_view payload, const std::string& path) : data_(payload), path_(path) {}

  // The body of the next section, which must carry `tag`.
  Result<std::string_view> next(uint32_t tag, const char* name);
  // The same, for a section whose body is exactly `bytes` long.
  Result<std::string_view> next_sized(uint32_t tag, const char* name, std::size_t bytes);
  // The rows of the next section, an array section (see put_array_head) that must hold `count`
  // rows of `width` words of `word_bytes` bytes (width > 0). A mismatch is the error
  // "the <name> section does not hold <count> <name> of <row_size>".
  Result<std::string_view> next_array(uint32_t tag, const char* name, uint64_t count,
                                      uint32_t width, std::size_t word_bytes,
                                      const std::string& row_size);
  bool at_end() const noexcept { return pos_ == data_.size(); }
  Status corrupt(const std::string& what) const;

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
  const std::string& path_;
};

// An ids section: [u64 count][count x u32 length][the ids' bytes, concatenated]. The writer
// takes the documents 0..docs, skipping those live(d) rejects; id(d) gives a document's id.
template <typename Live, typename Id>
void put_ids_section(std::string& out, uint32_t tag, std::size_t docs, Live live, Id id) {
  std::size_t count = 0, bytes = 0;
  for (std::size_t d = 0; d < docs; ++d) {
    if (live(d)) {
      ++count;
      bytes += id(d).size();
    }
  }
  put_section_head(out, tag, 8 + 4 * count + bytes);
  put_u64(out, count);
  for (std::size_t d = 0; d < docs; ++d) {
    if (live(d)) put_u32(out, static_cast<uint32_t>(id(d).size()));
  }
  for (std::size_t d = 0; d < docs; ++d) {
    if (live(d)) out.append(id(d));
  }
  pad8(out);
}

// The ids of an ids section, checked: exactly `count` lengths that add up to the bytes held.
// next() returns them in order.
class IdsReader {
 public:
  static Result<IdsReader> read(SectionReader& sections, uint32_t tag, uint64_t count);
  std::string_view next() {
    const std::size_t len = get_u32(lengths_ + 4 * index_++);
    const std::string_view id = bytes_.substr(pos_, len);
    pos_ += len;
    return id;
  }

 private:
  IdsReader(const char* lengths, std::string_view bytes) : lengths_(lengths), bytes_(bytes) {}
  const char* lengths_;
  std::string_view bytes_;
  std::size_t index_ = 0, pos_ = 0;
};

// Writes `bytes` to a temporary file next to `path` (a name unique to this process and call,
// so concurrent saves to one path never write into each other's file), flushes and fsyncs it,
// and renames it over `path`: after a crash `path` holds the old or the new file, whole.
Status write_file_atomically(const std::string& path, std::string_view bytes);

// The whole content of a file (a read error or running out of memory is an IoError).
Result<std::string> read_whole_file(const std::string& path);

}  // namespace neardup::detail
