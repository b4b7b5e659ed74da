#include "reader/byte_range.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace neardup {
namespace {

std::string errno_text(int e) { return std::strerror(e); }

// An open regular file, closed on destruction.
class Fd {
 public:
  Fd() = default;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  // Opens `path`, which must be a regular file whose data is not compressed.
  Status open(const std::string& path) {
    path_ = path;
    if (path == "-") {
      return Status::invalid_argument("standard input cannot be read by byte ranges");
    }
    do {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) return Status::io_error(path + ": cannot open: " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd_, &st) != 0)
      return Status::io_error(path + ": cannot stat: " + errno_text(errno));
    if (!S_ISREG(st.st_mode)) {
      return Status::invalid_argument(path + ": only a regular file can be read by byte ranges");
    }
    size_ = static_cast<uint64_t>(st.st_size);
    char head[4] = {0, 0, 0, 0};
    Result<std::size_t> got = read_at(0, head, sizeof head);
    if (!got.ok()) return got.status();
    if (detail::has_compression_magic(std::string_view(head, *got))) {
      return Status::invalid_argument(path +
                                      ": a compressed file cannot be read by byte ranges "
                                      "(decompress it, or cut the corpus into files)");
    }
    return Status();
  }
  Result<std::size_t> read_at(uint64_t offset, char* buf, std::size_t n) const {
    for (;;) {
      const ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(offset));
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno != EINTR) return Status::io_error(path_ + ": cannot read: " + errno_text(errno));
    }
  }
  uint64_t size() const noexcept { return size_; }
  int get() const noexcept { return fd_; }
  int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

constexpr std::size_t kScan = std::size_t{1} << 20;

// The first offset >= from that starts a record: from itself when it is 0 or follows a '\n',
// else the byte after the next '\n' (the file's size when there is none).
Result<uint64_t> record_start(const Fd& fd, uint64_t from) {
  if (from == 0) return uint64_t{0};
  if (from >= fd.size()) return fd.size();
  std::vector<char> buf(kScan);
  for (uint64_t at = from - 1; at < fd.size();) {
    const auto n = static_cast<std::size_t>(std::min<uint64_t>(kScan, fd.size() - at));
    Result<std::size_t> got = fd.read_at(at, buf.data(), n);
    if (!got.ok()) return got.status();
    if (*got == 0) break;  // the file shrank
    if (const void* nl = std::memchr(buf.data(), '\n', *got); nl != nullptr) {
      return at + static_cast<uint64_t>(static_cast<const char*>(nl) - buf.data()) + 1;
    }
    at += *got;
  }
  return fd.size();
}

Result<uint64_t> newlines(const Fd& fd, uint64_t from, uint64_t to) {
  std::vector<char> buf(kScan);
  uint64_t count = 0;
  while (from < to) {
    const auto n = static_cast<std::size_t>(std::min<uint64_t>(kScan, to - from));
    Result<std::size_t> got = fd.read_at(from, buf.data(), n);
    if (!got.ok()) return got.status();
    if (*got == 0) break;
    count += static_cast<uint64_t>(std::count(buf.data(), buf.data() + *got, '\n'));
    from += *got;
  }
  return count;
}

class RangeSource final : public ByteSource {
 public:
  RangeSource(std::string path, int fd, uint64_t start, uint64_t stop)
      : path_(std::move(path)), fd_(fd), start_(start), pos_(start), stop_(stop) {}
  ~RangeSource() override {
    if (fd_ >= 0) ::close(fd_);
  }
  RangeSource(const RangeSource&) = delete;
  RangeSource& operator=(const RangeSource&) = delete;

  Result<std::size_t> read(char* buf, std::size_t n) override {
    n = static_cast<std::size_t>(std::min<uint64_t>({n, stop_ - pos_, uint64_t{1} << 30}));
    while (n > 0) {
      const ssize_t r = ::pread(fd_, buf, n, static_cast<off_t>(pos_));
      if (r > 0) {
        pos_ += static_cast<uint64_t>(r);
        return static_cast<std::size_t>(r);
      }
      if (r == 0) {
        return Status::corrupt_data(path_ + ": the file became shorter while it was read");
      }
      if (errno != EINTR) return Status::io_error(path_ + ": cannot read: " + errno_text(errno));
    }
    return std::size_t{0};
  }
  uint64_t size() const noexcept override { return stop_ - start_; }
  uint64_t consumed() const noexcept override { return pos_ - start_; }

 private:
  std::string path_;
  int fd_;
  uint64_t start_, pos_, stop_;
};

}  // namespace

namespace detail {

Result<std::unique_ptr<ByteSource>> open_range_source(const std::string& path, uint64_t start,
                                                      uint64_t stop) {
  Fd fd;
  NEARDUP_RETURN_IF_ERROR(fd.open(path));
  stop = std::min(stop, fd.size());
  start = std::min(start, stop);
  return std::unique_ptr<ByteSource>(
      std::make_unique<RangeSource>(path, fd.release(), start, stop));
}

Result<uint64_t> count_newlines(const std::string& path, uint64_t from, uint64_t to) {
  Fd fd;
  NEARDUP_RETURN_IF_ERROR(fd.open(path));
  return newlines(fd, from, std::min(to, fd.size()));
}

}  // namespace detail

Result<RecordRange> locate_records(const std::string& path, uint64_t begin, uint64_t end,
                                   bool count_lines) {
  Fd fd;
  NEARDUP_RETURN_IF_ERROR(fd.open(path));
  RecordRange r;
  Result<uint64_t> start = record_start(fd, begin);
  if (!start.ok()) return start.status();
  r.start = *start;
  if (end <= begin) {
    r.stop = r.start;
    return r;
  }
  Result<uint64_t> stop = record_start(fd, end);
  if (!stop.ok()) return stop.status();
  r.stop = std::max(*stop, r.start);
  if (count_lines && r.stop > r.start) {
    Result<uint64_t> lines = newlines(fd, r.start, r.stop);
    if (!lines.ok()) return lines.status();
    r.lines = *lines;
    // An unterminated last line is a line too.
    char last = '\n';
    Result<std::size_t> got = fd.read_at(r.stop - 1, &last, 1);
    if (!got.ok()) return got.status();
    if (*got == 1 && last != '\n') ++r.lines;
  }
  return r;
}

Result<bool> splittable_file(const std::string& path) {
  Fd fd;
  Status st = fd.open(path);
  if (st.ok()) return true;
  if (st.code() == StatusCode::kInvalidArgument) return false;
  return st;
}

}  // namespace neardup
