// ByteSource: a plain file or stdin, optionally decompressed from gzip (zlib inflate, all members
// of a multi-member file), zstd (ZSTD_decompressStream, all frames), xz (liblzma, all streams)
// or bzip2 (libbz2, all streams, as written by pbzip2). The format is chosen by the magic bytes
// at the start of the stream; a ".gz"/".zst"/".xz"/".bz2" name whose bytes do not carry the
// matching magic is an error rather than being passed through as plain bytes.
//
// Integrity: a gzip member ends with CRC-32 and ISIZE (RFC 1952 section 2.3), which inflate checks;
// an xz stream carries a check (CRC-64 by default) that liblzma verifies, a bzip2 block a CRC-32;
// a stream that ends inside a member, frame, stream or block is reported as truncated. A zstd
// frame only detects corruption reliably when it was written with a content checksum (the zstd
// CLI default; RFC 8878 section 3.1.1): without one, a flipped literal byte can decode to
// different bytes.
#include <bzlib.h>
#include <fcntl.h>
#include <lzma.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <system_error>

#include "neardup/advanced/reader.h"

namespace neardup {
namespace {

constexpr std::size_t kInputChunk = std::size_t{256} << 10;  // compressed bytes per read(2)
constexpr std::size_t kMaxSysRead = std::size_t{1} << 30;  // keep one read(2) well below SSIZE_MAX

std::string errno_text(int e) { return std::generic_category().message(e); }

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// A file descriptor (or stdin) with a small look-ahead of the first bytes, so the compression
// can be sniffed without seeking (stdin may be a pipe).
class FileSource final : public ByteSource {
 public:
  FileSource(std::string path, int fd, bool owns_fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), owns_fd_(owns_fd), size_(size) {}
  ~FileSource() override {
    if (owns_fd_ && fd_ >= 0) ::close(fd_);
  }
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  // Reads up to 4 bytes into the look-ahead buffer (a live pipe's first record may be no longer).
  Status prime() {
    while (head_len_ < sizeof(head_)) {
      Result<std::size_t> got = sys_read(head_ + head_len_, sizeof(head_) - head_len_);
      if (!got.ok()) return got.status();
      if (*got == 0) break;
      head_len_ += *got;
    }
    return Status::ok_status();
  }
  std::string_view head() const noexcept { return {head_, head_len_}; }
  const std::string& path() const noexcept { return path_; }

  Result<std::size_t> read(char* buf, std::size_t n) override {
    if (n == 0) return std::size_t{0};
    if (head_pos_ < head_len_) {
      std::size_t k = std::min(n, head_len_ - head_pos_);
      std::memcpy(buf, head_ + head_pos_, k);
      head_pos_ += k;
      return k;
    }
    return sys_read(buf, n);
  }
  // poll(2) with a zero timeout: a regular file is always readable; a pipe, terminal or socket
  // is readable when it holds data or its writer has gone (then read() returns the end).
  bool would_block() const noexcept override {
    if (head_pos_ < head_len_) return false;
    pollfd p{fd_, POLLIN, 0};
    int r = 0;
    do {
      r = ::poll(&p, 1, 0);
    } while (r < 0 && errno == EINTR);
    return r == 0;  // on an error read() reports it
  }
  uint64_t size() const noexcept override { return size_; }
  uint64_t consumed() const noexcept override { return consumed_; }

 private:
  Result<std::size_t> sys_read(char* buf, std::size_t n) {
    n = std::min(n, kMaxSysRead);
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) {
        consumed_ += static_cast<uint64_t>(r);
        return static_cast<std::size_t>(r);
      }
      if (errno == EINTR) continue;
      return Status::io_error(path_ + ": read failed: " + errno_text(errno));
    }
  }

  std::string path_;
  int fd_;
  bool owns_fd_;
  uint64_t size_;
  uint64_t consumed_ = 0;
  char head_[4] = {};
  std::size_t head_len_ = 0;
  std::size_t head_pos_ = 0;
};

// What every decompressing source shares: the compressed file, one chunk of its bytes, the
// sticky error, and the end-of-file and end-of-stream flags. Each decoder runs in read().
class DecoderSource : public ByteSource {
 public:
  explicit DecoderSource(std::unique_ptr<FileSource> file) : file_(std::move(file)) {}
  // Only when the decoder has used up its input: read() would then read the file first.
  bool would_block() const noexcept override {
    return error_.ok() && !done_ && !eof_ && input_used_up() && file_->would_block();
  }
  uint64_t size() const noexcept override { return file_->size(); }
  uint64_t consumed() const noexcept override { return file_->consumed(); }

 protected:
  // Whether the decoder holds no unread input bytes.
  virtual bool input_used_up() const noexcept = 0;

  Status allocate_chunk() {
    chunk_.reset(new (std::nothrow) char[kInputChunk]);
    if (!chunk_) return Status::io_error(file_->path() + ": out of memory");
    return Status::ok_status();
  }
  // The next chunk of compressed bytes into chunk_; 0 (and eof_) at the end of the file.
  Result<std::size_t> read_chunk() {
    Result<std::size_t> got = file_->read(chunk_.get(), kInputChunk);
    if (!got.ok()) return fail(got.status());
    if (*got == 0) eof_ = true;
    return got;
  }
  Status fail(Status s) {
    error_ = std::move(s);
    return error_;
  }

  std::unique_ptr<FileSource> file_;
  std::unique_ptr<char[]> chunk_;
  bool eof_ = false;
  bool done_ = false;
  Status error_;
};

class GzipSource final : public DecoderSource {
 public:
  explicit GzipSource(std::unique_ptr<FileSource> file) : DecoderSource(std::move(file)) {}
  ~GzipSource() override {
    if (initialized_) inflateEnd(&strm_);
  }
  GzipSource(const GzipSource&) = delete;
  GzipSource& operator=(const GzipSource&) = delete;

  Status init() {
    NEARDUP_RETURN_IF_ERROR(allocate_chunk());
    std::memset(&strm_, 0, sizeof(strm_));
    // 15 = the largest deflate window; +16 = expect a gzip header and trailer, not zlib.
    if (inflateInit2(&strm_, 15 + 16) != Z_OK) {
      return Status::io_error(file_->path() + ": cannot initialise zlib");
    }
    initialized_ = true;
    return Status::ok_status();
  }

  Result<std::size_t> read(char* buf, std::size_t n) override {
    if (!error_.ok()) return error_;
    if (done_ || n == 0) return std::size_t{0};
    const std::size_t want = std::min<std::size_t>(n, UINT_MAX);
    strm_.next_out = reinterpret_cast<Bytef*>(buf);
    strm_.avail_out = static_cast<uInt>(want);
    for (;;) {
      std::size_t produced = want - strm_.avail_out;
      if (strm_.avail_in == 0 && !eof_) {
        if (produced > 0) return produced;  // hand out what we have before blocking on input
        Result<std::size_t> got = read_chunk();
        if (!got.ok()) return got.status();
        strm_.next_in = reinterpret_cast<Bytef*>(chunk_.get());
        strm_.avail_in = static_cast<uInt>(*got);
      }
      if (strm_.avail_in == 0 && eof_) {
        if (produced > 0) return produced;
        if (in_member_) {
          return fail(Status::corrupt_data(file_->path() +
                                           ": truncated gzip stream (unexpected end of file)"));
        }
        done_ = true;
        return std::size_t{0};
      }
      if (!in_member_) {  // more bytes after a complete member: the next member of the file
        inflateReset(&strm_);
        in_member_ = true;
      }
      int rc = inflate(&strm_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        std::string what = strm_.msg != nullptr ? strm_.msg : "inflate error " + std::to_string(rc);
        if (rc == Z_MEM_ERROR) return fail(Status::io_error(file_->path() + ": out of memory"));
        return fail(Status::corrupt_data(file_->path() + ": corrupt gzip stream: " + what));
      }
      if (strm_.avail_out == 0) return want;
    }
  }
  bool input_used_up() const noexcept override { return strm_.avail_in == 0; }

 private:
  z_stream strm_{};
  bool initialized_ = false;
  bool in_member_ = true;  // an empty file is a truncated stream, as for gzip -d
};

class ZstdSource final : public DecoderSource {
 public:
  explicit ZstdSource(std::unique_ptr<FileSource> file) : DecoderSource(std::move(file)) {}
  ~ZstdSource() override { ZSTD_freeDCtx(dctx_); }
  ZstdSource(const ZstdSource&) = delete;
  ZstdSource& operator=(const ZstdSource&) = delete;

  Status init() {
    NEARDUP_RETURN_IF_ERROR(allocate_chunk());
    dctx_ = ZSTD_createDCtx();
    if (dctx_ == nullptr) return Status::io_error(file_->path() + ": out of memory");
    // Accept frames written with --long=31 (the default limit is a 128 MiB window); the window
    // is only allocated when a frame asks for it.
    ZSTD_DCtx_setParameter(dctx_, ZSTD_d_windowLogMax, sizeof(std::size_t) == 8 ? 31 : 30);
    return Status::ok_status();
  }

  Result<std::size_t> read(char* buf, std::size_t n) override {
    if (!error_.ok()) return error_;
    if (done_ || n == 0) return std::size_t{0};
    ZSTD_outBuffer out{buf, n, 0};
    for (;;) {
      if (in_.pos == in_.size && !eof_) {
        if (out.pos > 0) return out.pos;  // hand out what we have before blocking on input
        Result<std::size_t> got = read_chunk();
        if (!got.ok()) return got.status();
        in_ = ZSTD_inBuffer{chunk_.get(), *got, 0};
      }
      const bool input_exhausted = in_.pos == in_.size && eof_;
      if (input_exhausted && frame_complete_) {
        if (out.pos == 0) done_ = true;
        return out.pos;
      }
      const std::size_t before = out.pos;
      const std::size_t r = ZSTD_decompressStream(dctx_, &out, &in_);
      if (ZSTD_isError(r) != 0u) {
        if (ZSTD_getErrorCode(r) == ZSTD_error_memory_allocation) {
          return fail(Status::io_error(file_->path() + ": out of memory"));
        }
        return fail(
            Status::corrupt_data(file_->path() + ": corrupt zstd stream: " + ZSTD_getErrorName(r)));
      }
      // r == 0: a frame is complete and fully flushed; otherwise more input or output is due.
      frame_complete_ = r == 0;
      if (out.pos == out.size) return out.pos;
      if (input_exhausted && !frame_complete_ && out.pos == before) {
        if (out.pos > 0) return out.pos;
        return fail(Status::corrupt_data(
            file_->path() + ": truncated zstd stream (unexpected end of file inside a frame)"));
      }
    }
  }
  bool input_used_up() const noexcept override { return in_.pos == in_.size; }

 private:
  ZSTD_DCtx* dctx_ = nullptr;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool frame_complete_ = false;  // an empty file is a truncated stream, as for zstd -d
};

// xz: liblzma's stream decoder over every concatenated stream.
class XzSource final : public DecoderSource {
 public:
  explicit XzSource(std::unique_ptr<FileSource> file) : DecoderSource(std::move(file)) {}
  ~XzSource() override { lzma_end(&strm_); }
  XzSource(const XzSource&) = delete;
  XzSource& operator=(const XzSource&) = delete;

  Status init() {
    NEARDUP_RETURN_IF_ERROR(allocate_chunk());
    // LZMA_CONCATENATED: decode every stream of a file made by `cat a.xz b.xz` (as xz -d does);
    // no memory limit beyond what the stream's header declares.
    const lzma_ret r = lzma_stream_decoder(&strm_, UINT64_MAX, LZMA_CONCATENATED);
    if (r != LZMA_OK) return Status::io_error(file_->path() + ": cannot initialise liblzma");
    return Status::ok_status();
  }

  Result<std::size_t> read(char* buf, std::size_t n) override {
    if (!error_.ok()) return error_;
    if (done_ || n == 0) return std::size_t{0};
    strm_.next_out = reinterpret_cast<uint8_t*>(buf);
    strm_.avail_out = n;
    for (;;) {
      if (strm_.avail_in == 0 && !eof_) {
        if (strm_.avail_out < n) return n - strm_.avail_out;  // hand out before blocking
        Result<std::size_t> got = read_chunk();
        if (!got.ok()) return got.status();
        strm_.next_in = reinterpret_cast<const uint8_t*>(chunk_.get());
        strm_.avail_in = *got;
      }
      const lzma_ret r = lzma_code(&strm_, eof_ ? LZMA_FINISH : LZMA_RUN);
      const std::size_t produced = n - strm_.avail_out;
      if (r == LZMA_STREAM_END) {
        done_ = produced == 0;
        return produced;
      }
      if (r == LZMA_BUF_ERROR && eof_) {
        if (produced > 0) return produced;
        return fail(
            Status::corrupt_data(file_->path() + ": truncated xz stream (unexpected end of file)"));
      }
      if (r == LZMA_MEM_ERROR) return fail(Status::io_error(file_->path() + ": out of memory"));
      if (r != LZMA_OK && r != LZMA_BUF_ERROR) {
        const char* what = r == LZMA_DATA_ERROR          ? "data error"
                           : r == LZMA_FORMAT_ERROR      ? "not an xz stream"
                           : r == LZMA_OPTIONS_ERROR     ? "unsupported options"
                           : r == LZMA_UNSUPPORTED_CHECK ? "unsupported integrity check"
                                                         : "decoder error";
        return fail(Status::corrupt_data(file_->path() + ": corrupt xz stream: " + what));
      }
      if (strm_.avail_out == 0) return n;
    }
  }
  bool input_used_up() const noexcept override { return strm_.avail_in == 0; }

 private:
  lzma_stream strm_ = LZMA_STREAM_INIT;
};

// bzip2: libbz2, one decoder per stream; a stream followed by more bytes starts the next one.
class Bzip2Source final : public DecoderSource {
 public:
  explicit Bzip2Source(std::unique_ptr<FileSource> file) : DecoderSource(std::move(file)) {}
  ~Bzip2Source() override {
    if (initialized_) BZ2_bzDecompressEnd(&strm_);
  }
  Bzip2Source(const Bzip2Source&) = delete;
  Bzip2Source& operator=(const Bzip2Source&) = delete;

  Status init() {
    NEARDUP_RETURN_IF_ERROR(allocate_chunk());
    return start_stream();
  }

  Result<std::size_t> read(char* buf, std::size_t n) override {
    if (!error_.ok()) return error_;
    if (done_ || n == 0) return std::size_t{0};
    // avail_out is an unsigned int: hand out at most 1 GiB per call.
    const auto want = static_cast<unsigned>(std::min<std::size_t>(n, std::size_t{1} << 30));
    strm_.next_out = buf;
    strm_.avail_out = want;
    for (;;) {
      if (strm_.avail_in == 0 && !eof_) {
        if (strm_.avail_out < want) return std::size_t{want - strm_.avail_out};
        Result<std::size_t> got = read_chunk();
        if (!got.ok()) return got.status();
        strm_.next_in = chunk_.get();
        strm_.avail_in = static_cast<unsigned>(*got);
      }
      if (!in_stream_) {
        // Between streams: only another stream (pbzip2, `cat a.bz2 b.bz2`) may follow.
        if (strm_.avail_in == 0 && eof_) {
          done_ = strm_.avail_out == want;
          return std::size_t{want - strm_.avail_out};
        }
        if (Status st = start_stream(); !st.ok()) return fail(std::move(st));
      }
      const int r = BZ2_bzDecompress(&strm_);
      const std::size_t produced = want - strm_.avail_out;
      if (r == BZ_STREAM_END) {
        BZ2_bzDecompressEnd(&strm_);
        initialized_ = false;
        in_stream_ = false;
        if (strm_.avail_out == 0) return produced;
        continue;
      }
      if (r == BZ_MEM_ERROR) return fail(Status::io_error(file_->path() + ": out of memory"));
      if (r != BZ_OK) {
        const char* what = r == BZ_DATA_ERROR_MAGIC ? "not a bzip2 stream"
                           : r == BZ_DATA_ERROR     ? "data error (CRC mismatch)"
                                                    : "decoder error";
        return fail(Status::corrupt_data(file_->path() + ": corrupt bzip2 stream: " + what));
      }
      if (strm_.avail_out == 0) return produced;
      if (eof_ && strm_.avail_in == 0) {
        if (produced > 0) return produced;
        return fail(Status::corrupt_data(file_->path() +
                                         ": truncated bzip2 stream (unexpected end of file)"));
      }
    }
  }
  bool input_used_up() const noexcept override { return strm_.avail_in == 0; }

 private:
  Status start_stream() {
    char* next_in = strm_.next_in;
    const unsigned avail_in = strm_.avail_in;
    char* next_out = strm_.next_out;
    const unsigned avail_out = strm_.avail_out;
    strm_ = bz_stream{};
    strm_.next_in = next_in;
    strm_.avail_in = avail_in;
    strm_.next_out = next_out;
    strm_.avail_out = avail_out;
    const int r = BZ2_bzDecompressInit(&strm_, 0, 0);
    if (r == BZ_MEM_ERROR) return Status::io_error(file_->path() + ": out of memory");
    if (r != BZ_OK) return Status::io_error(file_->path() + ": cannot initialise libbz2");
    initialized_ = true;
    in_stream_ = true;
    return Status::ok_status();
  }
  bz_stream strm_{};
  bool initialized_ = false;
  bool in_stream_ = false;
};

bool is_gzip_magic(std::string_view h) {
  return h.size() >= 2 && static_cast<unsigned char>(h[0]) == 0x1f &&
         static_cast<unsigned char>(h[1]) == 0x8b;
}

// A zstd frame (0xFD2FB528 little-endian) or a skippable frame (0x184D2A50..5F).
bool is_zstd_magic(std::string_view h) {
  if (h.size() < 4) return false;
  auto b = [&](std::size_t i) { return static_cast<unsigned char>(h[i]); };
  if (b(0) == 0x28 && b(1) == 0xb5 && b(2) == 0x2f && b(3) == 0xfd) return true;
  return (b(0) & 0xf0) == 0x50 && b(1) == 0x2a && b(2) == 0x4d && b(3) == 0x18;
}

// xz: FD 37 7A 58 5A 00 (the .xz file format, section 2.1.1.1). The first four bytes decide
// (0xFD never starts UTF-8 text); liblzma checks the rest.
bool is_xz_magic(std::string_view h) {
  return h.size() >= 4 && static_cast<unsigned char>(h[0]) == 0xFD && h.substr(1, 3) == "7zX";
}

// bzip2: "BZh" and a block size digit 1..9.
bool is_bzip2_magic(std::string_view h) {
  return h.size() >= 4 && h.substr(0, 3) == "BZh" && h[3] >= '1' && h[3] <= '9';
}

Result<std::unique_ptr<ByteSource>> open_impl(const std::string& path) {
  std::unique_ptr<FileSource> file;
  if (path == "-") {
    struct stat st {};
    const bool regular = ::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode);  // `< file`
    file = std::make_unique<FileSource>("-", STDIN_FILENO, false,
                                        regular ? static_cast<uint64_t>(st.st_size) : 0);
  } else {
    int fd = -1;
    do {
      fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return Status::io_error(path + ": cannot open: " + errno_text(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      const int e = errno;
      ::close(fd);
      return Status::io_error(path + ": cannot stat: " + errno_text(e));
    }
    if (S_ISDIR(st.st_mode)) {
      ::close(fd);
      return Status::io_error(path + ": is a directory");
    }
    const uint64_t size = S_ISREG(st.st_mode) ? static_cast<uint64_t>(st.st_size) : 0;
    file = std::make_unique<FileSource>(path, fd, true, size);
  }
  NEARDUP_RETURN_IF_ERROR(file->prime());

  const std::string_view head = file->head();
  const bool gz_name = ends_with(path, ".gz");
  const bool zst_name = ends_with(path, ".zst");
  const bool xz_name = ends_with(path, ".xz");
  const bool bz2_name = ends_with(path, ".bz2");
  if (is_gzip_magic(head)) {
    auto src = std::make_unique<GzipSource>(std::move(file));
    NEARDUP_RETURN_IF_ERROR(src->init());
    return std::unique_ptr<ByteSource>(std::move(src));
  }
  if (is_zstd_magic(head)) {
    auto src = std::make_unique<ZstdSource>(std::move(file));
    NEARDUP_RETURN_IF_ERROR(src->init());
    return std::unique_ptr<ByteSource>(std::move(src));
  }
  if (is_xz_magic(head)) {
    auto src = std::make_unique<XzSource>(std::move(file));
    NEARDUP_RETURN_IF_ERROR(src->init());
    return std::unique_ptr<ByteSource>(std::move(src));
  }
  if (is_bzip2_magic(head)) {
    auto src = std::make_unique<Bzip2Source>(std::move(file));
    NEARDUP_RETURN_IF_ERROR(src->init());
    return std::unique_ptr<ByteSource>(std::move(src));
  }
  if (gz_name || zst_name || xz_name || bz2_name) {
    const char* kind = gz_name ? "gzip" : zst_name ? "zstd" : xz_name ? "xz" : "bzip2";
    if (head.empty()) {
      return Status::corrupt_data(path + ": truncated " + kind + " stream (empty file)");
    }
    return Status::corrupt_data(path + (xz_name ? ": not an " : ": not a ") + kind +
                                " stream (bad magic bytes)");
  }
  return std::unique_ptr<ByteSource>(std::move(file));
}

}  // namespace

namespace detail {
bool has_compression_magic(std::string_view head) noexcept {
  return is_gzip_magic(head) || is_zstd_magic(head) || is_xz_magic(head) || is_bzip2_magic(head);
}
}  // namespace detail

Result<std::unique_ptr<ByteSource>> ByteSource::open(const std::string& path) {
  try {
    return open_impl(path);
  } catch (const std::bad_alloc&) {
    return Status::io_error(path + ": out of memory");
  } catch (...) {
    return Status::internal(path + ": unexpected exception while opening");
  }
}

}  // namespace neardup
