// Helpers shared by the libFuzzer targets (fuzz/README.md): the library's loaders and readers
// take paths, so the fuzz input is handed to them as an in-memory file (memfd) reached through
// /proc/self/fd/N, which costs no disk I/O and leaves nothing behind.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "neardup/advanced/hash.h"

namespace neardup::fuzz {

// An anonymous in-memory file holding `bytes`; path() opens it afresh (offset 0) every time.
class MemFile {
 public:
  explicit MemFile(std::string_view bytes) {
    fd_ = ::memfd_create("neardup-fuzz", MFD_CLOEXEC);
    if (fd_ < 0) std::abort();  // the harness, not the library: no memfd is a broken machine
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
      if (n <= 0) std::abort();
      done += static_cast<std::size_t>(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  ~MemFile() { ::close(fd_); }
  const std::string& path() const noexcept { return path_; }

 private:
  int fd_ = -1;
  std::string path_;
};

// The file frame every neardup file shares (index files, the IDF model, sketch files): a 64-byte
// header whose bytes 48-55 are the payload size and 56-63 its XXH3-64 checksum. A mutated file
// almost never has the right checksum, so the targets also load a copy with both fields made
// right: that copy reaches the section parsers behind the checksum.
inline std::string with_fixed_checksum(std::string_view bytes) {
  std::string out(bytes);
  if (out.size() < 64) return out;
  const uint64_t payload = out.size() - 64;
  const uint64_t checksum = hash64(out.data() + 64, out.size() - 64, 0);
  for (int i = 0; i < 8; ++i) {
    out[48 + static_cast<std::size_t>(i)] = static_cast<char>((payload >> (8 * i)) & 0xFF);
    out[56 + static_cast<std::size_t>(i)] = static_cast<char>((checksum >> (8 * i)) & 0xFF);
  }
  return out;
}

inline std::string_view as_view(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace neardup::fuzz
