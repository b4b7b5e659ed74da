#include "spill/temp_file.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace neardup::spill {

Result<TempFile> TempFile::create(const std::string& dir, uint64_t* counter,
                                  std::size_t buffer_bytes) {
  std::string path = dir;
  if (path.empty() || path.back() != '/') path += '/';
  path += "neardup-spill-XXXXXX";
  const int fd = ::mkstemp(path.data());
  if (fd < 0) {
    return Status::io_error("cannot create a temporary file in " + dir + ": " +
                            std::strerror(errno));
  }
  // Unlinked at once: the file lives as long as the descriptor, and a killed process leaves
  // nothing behind.
  (void)::unlink(path.c_str());
  TempFile f;
  f.fd_ = fd;
  f.dir_ = dir;
  f.counter_ = counter;
  f.buffer_bytes_ = buffer_bytes < 4096 ? 4096 : buffer_bytes;
  return f;
}

TempFile::TempFile(TempFile&& o) noexcept { *this = std::move(o); }

TempFile& TempFile::operator=(TempFile&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(o.fd_, -1);
    dir_ = std::move(o.dir_);
    counter_ = o.counter_;
    buffer_ = std::move(o.buffer_);
    buffer_bytes_ = o.buffer_bytes_;
    used_ = std::exchange(o.used_, 0);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

TempFile::~TempFile() {
  if (fd_ >= 0) ::close(fd_);
}

Status TempFile::write_out(const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return write_error(errno);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    if (counter_ != nullptr) *counter_ += static_cast<uint64_t>(w);
  }
  return Status();
}

Status TempFile::write_error(int e) const {
  if (e == ENOSPC || e == EDQUOT || e == EFBIG) {
    return Status::io_error("the temporary directory " + dir_ + " is full: " + std::strerror(e) +
                            " (free space there or choose another with --tmp-dir)");
  }
  return Status::io_error("cannot write a temporary file in " + dir_ + ": " + std::strerror(e));
}

Status TempFile::write_at(uint64_t offset, const void* data, std::size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::pwrite(fd_, p, n, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return write_error(errno);
    }
    p += w;
    n -= static_cast<std::size_t>(w);
    offset += static_cast<uint64_t>(w);
    if (counter_ != nullptr) *counter_ += static_cast<uint64_t>(w);
  }
  return Status();
}

Status TempFile::write_gather(uint64_t offset, std::vector<iovec>& parts) {
  std::size_t first = 0;
  while (first < parts.size()) {
    const int count = static_cast<int>(std::min<std::size_t>(parts.size() - first, IOV_MAX));
    const ssize_t w = ::pwritev(fd_, parts.data() + first, count, static_cast<off_t>(offset));
    if (w < 0) {
      if (errno == EINTR) continue;
      return write_error(errno);
    }
    if (w == 0 && parts[first].iov_len > 0) {
      return Status::io_error("cannot write a temporary file in " + dir_ + ": no progress");
    }
    offset += static_cast<uint64_t>(w);
    if (counter_ != nullptr) *counter_ += static_cast<uint64_t>(w);
    // Skip what was written: whole parts, then the written head of a part.
    auto left = static_cast<std::size_t>(w);
    while (first < parts.size() && left >= parts[first].iov_len) {
      left -= parts[first].iov_len;
      ++first;
    }
    if (left > 0) {
      parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + left;
      parts[first].iov_len -= left;
    }
  }
  return Status();
}

Status TempFile::append(const void* data, std::size_t n) {
  if (n == 0) return Status();  // (data may be null: an empty vector's)
  const char* p = static_cast<const char*>(data);
  size_ += n;
  if (used_ + n > buffer_bytes_) {
    NEARDUP_RETURN_IF_ERROR(flush());
    if (n >= buffer_bytes_) return write_out(p, n);
  }
  if (buffer_.size() < buffer_bytes_) buffer_.resize(buffer_bytes_);
  std::memcpy(buffer_.data() + used_, p, n);
  used_ += n;
  return Status();
}

Status TempFile::flush() {
  if (used_ == 0) return Status();
  const std::size_t n = std::exchange(used_, 0);
  return write_out(buffer_.data(), n);
}

Status TempFile::read_at(uint64_t offset, void* data, std::size_t n) const {
  char* p = static_cast<char*>(data);
  while (n > 0) {
    const ssize_t r = ::pread(fd_, p, n, static_cast<off_t>(offset));
    if (r < 0) {
      if (errno == EINTR) continue;
      return Status::io_error("cannot read a temporary file in " + dir_ + ": " +
                              std::strerror(errno));
    }
    if (r == 0) return Status::io_error("a temporary file in " + dir_ + " is shorter than written");
    p += r;
    n -= static_cast<std::size_t>(r);
    offset += static_cast<uint64_t>(r);
  }
  return Status();
}

Status TempFile::clear() {
  used_ = 0;
  size_ = 0;
  if (::ftruncate(fd_, 0) != 0 || ::lseek(fd_, 0, SEEK_SET) < 0) {
    return Status::io_error("cannot truncate a temporary file in " + dir_ + ": " +
                            std::strerror(errno));
  }
  return Status();
}

}  // namespace neardup::spill
