// An anonymous temporary file for spilling: created in a directory and unlinked at once, so it
// disappears when closed or when the process dies; appended through a buffer, read back with
// pread (thread-safe once appending is over).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "neardup/status.h"

struct iovec;

namespace neardup::spill {

class TempFile {
 public:
  // `counter`, when given, accumulates the bytes written (shared by the files of one run).
  static Result<TempFile> create(const std::string& dir, uint64_t* counter = nullptr,
                                 std::size_t buffer_bytes = std::size_t{1} << 20);
  TempFile() = default;
  TempFile(TempFile&& o) noexcept;
  TempFile& operator=(TempFile&& o) noexcept;
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  ~TempFile();

  bool is_open() const noexcept { return fd_ >= 0; }
  Status append(const void* data, std::size_t n);
  Status flush();
  // Writes n bytes at offset with pwrite, beside the buffered appends (do not mix the two on one
  // file). Thread-safe for distinct ranges, as read_at, when the file has no byte counter.
  Status write_at(uint64_t offset, const void* data, std::size_t n);
  // write_at of the buffers of `parts` one after the other (pwritev, IOV_MAX at a time); `parts`
  // is used as scratch (partial writes advance it).
  Status write_gather(uint64_t offset, std::vector<iovec>& parts);
  // Reads n bytes at offset (which must have been flushed). IoError on a short read.
  Status read_at(uint64_t offset, void* data, std::size_t n) const;
  uint64_t size() const noexcept { return size_; }  // appended so far, buffered bytes included
  // Empties the file for reuse.
  Status clear();
  void release_buffer() noexcept { buffer_ = std::vector<char>(); }

 private:
  Status write_out(const char* p, std::size_t n);
  Status write_error(int e) const;
  int fd_ = -1;
  std::string dir_;
  uint64_t* counter_ = nullptr;
  std::vector<char> buffer_;
  std::size_t buffer_bytes_ = 0, used_ = 0;
  uint64_t size_ = 0;
};

}  // namespace neardup::spill
