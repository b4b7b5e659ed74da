// Sketch files (advanced/stages.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

#include "detail/binary_io.h"
#include "index/index_support.h"
#include "neardup/advanced/stages.h"

namespace neardup {
namespace {

// Records are read straight into vectors of u64/u32: the file is little-endian, as the machine.
static_assert(std::endian::native == std::endian::little, "sketch files assume little-endian");

using detail::get_similarity_options;
using detail::get_u32;
using detail::get_u64;
using detail::put_similarity_options;
using detail::put_u32;
using detail::put_u64;

constexpr std::string_view kMagic = "NDUPSKCH";
constexpr uint32_t kVersion = 1;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kOptionsBytes = detail::kSimilarityOptionsBytes;
constexpr std::size_t kRecordHead = 40;
constexpr uint32_t kMaxBands = 4096;
constexpr uint64_t kMaxIdBytes = uint64_t{1} << 30;
constexpr uint64_t kMaxDataWords = uint64_t{1} << 31;

std::string errno_text() { return std::strerror(errno); }

void put_options(std::string& out, const SketchFileInfo& info) {
  put_similarity_options(out, info.near.similarity, info.near.similarity.lsh_params());
}

}  // namespace

bool same_sketch_options(const SketchFileInfo& a, const SketchFileInfo& b) {
  std::string x, y;
  put_options(x, a);
  put_options(y, b);
  return a.mode == b.mode && a.near.verify == b.near.verify && x == y;
}

// ----------------------------------------------------------------------------------------------

struct SketchWriter::Impl {
  std::string path, tmp_path;
  int fd = -1;
  SketchFileInfo info;
  XXH3_state_t* state = nullptr;
  std::string buffer;
  uint64_t payload = 0, count = 0;
  bool closed = false;
  uint32_t bands = 0, num_perm = 0;

  ~Impl() {
    if (fd >= 0) ::close(fd);
    if (!closed && !tmp_path.empty()) ::unlink(tmp_path.c_str());
    if (state != nullptr) XXH3_freeState(state);
  }
  Status write_all(const char* p, std::size_t n, uint64_t offset) {
    while (n > 0) {
      const ssize_t w = ::pwrite(fd, p, n, static_cast<off_t>(offset));
      if (w < 0) {
        if (errno == EINTR) continue;
        return Status::io_error(path + ": cannot write: " + errno_text());
      }
      p += w;
      n -= static_cast<std::size_t>(w);
      offset += static_cast<uint64_t>(w);
    }
    return Status();
  }
  Status flush() {
    if (buffer.empty()) return Status();
    XXH3_64bits_update(state, buffer.data(), buffer.size());
    NEARDUP_RETURN_IF_ERROR(write_all(buffer.data(), buffer.size(), kHeaderBytes + payload));
    payload += buffer.size();
    buffer.clear();
    return Status();
  }
};

SketchWriter::SketchWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SketchWriter::SketchWriter(SketchWriter&&) noexcept = default;
SketchWriter& SketchWriter::operator=(SketchWriter&&) noexcept = default;
SketchWriter::~SketchWriter() = default;

Result<SketchWriter> SketchWriter::create(const std::string& path, const SketchFileInfo& info) {
  if (info.shards == 0 || info.shard >= info.shards) {
    return Status::invalid_argument("shard " + std::to_string(info.shard) + " of " +
                                    std::to_string(info.shards) + " does not exist");
  }
  if (info.mode == SketchMode::kNear) {
    NEARDUP_RETURN_IF_ERROR(info.near.validate());
    if (info.near.linkage != Linkage::kComponents) {
      return Status::invalid_argument("sketches support --linkage components only");
    }
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->info = info;
  // A new name beside the target, created with the permissions a plain create gives (umask).
  static std::atomic<uint64_t> counter{0};
  for (int attempt = 0; attempt < 100 && impl->fd < 0; ++attempt) {
    impl->tmp_path =
        path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
    impl->fd = ::open(impl->tmp_path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0666);
    if (impl->fd < 0 && errno != EEXIST) break;
  }
  if (impl->fd < 0) {
    impl->tmp_path.clear();
    return Status::io_error(path + ": cannot create a temporary file beside it: " + errno_text());
  }
  impl->state = XXH3_createState();
  if (impl->state == nullptr) return Status::io_error(path + ": out of memory");
  XXH3_64bits_reset(impl->state);
  impl->bands = info.near.lsh_params().bands;
  impl->num_perm = info.near.similarity.minhash.num_perm;
  std::string options;
  put_options(options, info);
  impl->buffer = options;
  return SketchWriter(std::move(impl));
}

Status SketchWriter::add(const SketchRecord& r) {
  Impl& m = *impl_;
  if (m.closed) return Status::invalid_argument("add after close");
  const SketchedDoc& d = r.doc;
  const bool near = m.info.mode == SketchMode::kNear;
  const bool shingles = m.info.near.verify == VerifyMode::kShingles;
  if (near &&
      !((d.band_keys.empty() || d.band_keys.size() == m.bands) &&
        (shingles ? d.signature32.empty() : d.set.empty() && d.signature32.size() == m.num_perm))) {
    return Status::invalid_argument("a sketched document does not match the file's options");
  }
  if (r.id.size() > kMaxIdBytes) return Status::out_of_range("an id longer than 1 GiB");
  const std::size_t nbands = near ? d.band_keys.size() : 0;
  const std::size_t ndata = near ? (shingles ? d.set.size() : d.signature32.size()) : 0;
  std::string& b = m.buffer;
  put_u32(b, static_cast<uint32_t>(r.id.size()));
  put_u32(b, r.empty ? 1u : 0u);
  put_u64(b, d.exact_key.high);
  put_u64(b, d.exact_key.low);
  put_u64(b, d.text_bytes);
  put_u32(b, static_cast<uint32_t>(nbands));
  put_u32(b, static_cast<uint32_t>(ndata));
  b.append(r.id);
  for (std::size_t i = 0; i < nbands; ++i) put_u64(b, d.band_keys[i]);
  if (near && shingles) {
    for (uint64_t v : d.set) put_u64(b, v);
  } else if (near) {
    for (uint32_t v : d.signature32) put_u32(b, v);
  }
  ++m.count;
  if (b.size() >= (std::size_t{1} << 20)) return m.flush();
  return Status();
}

Status SketchWriter::close() {
  Impl& m = *impl_;
  if (m.closed) return Status();
  NEARDUP_RETURN_IF_ERROR(m.flush());
  std::string header(kMagic);
  put_u32(header, kVersion);
  put_u32(header, static_cast<uint32_t>(m.info.mode));
  put_u32(header, m.info.shard);
  put_u32(header, m.info.shards);
  put_u32(header, static_cast<uint32_t>(m.info.near.verify));
  put_u32(header, 0);
  put_u64(header, kOptionsBytes);
  put_u64(header, m.count);
  put_u64(header, m.payload);
  put_u64(header, XXH3_64bits_digest(m.state));
  NEARDUP_RETURN_IF_ERROR(m.write_all(header.data(), header.size(), 0));
  if (::fsync(m.fd) != 0) return Status::io_error(m.path + ": cannot sync: " + errno_text());
  if (::close(m.fd) != 0) {
    m.fd = -1;
    return Status::io_error(m.path + ": cannot close: " + errno_text());
  }
  m.fd = -1;
  if (std::rename(m.tmp_path.c_str(), m.path.c_str()) != 0) {
    return Status::io_error(m.path +
                            ": cannot rename the finished file into place: " + errno_text());
  }
  m.closed = true;
  m.info.documents = m.count;
  return Status();
}

uint64_t SketchWriter::documents() const noexcept { return impl_->count; }
uint64_t SketchWriter::bytes() const noexcept {
  return kHeaderBytes + impl_->payload + impl_->buffer.size();
}

// ----------------------------------------------------------------------------------------------

struct SketchReader::Impl {
  std::string path;
  std::FILE* f = nullptr;
  SketchFileInfo info;
  XXH3_state_t* state = nullptr;
  uint64_t payload = 0, checksum = 0, consumed = 0, seen = 0;
  uint32_t bands = 0;
  std::vector<char> scratch;
  bool done = false;

  ~Impl() {
    if (f != nullptr) std::fclose(f);
    if (state != nullptr) XXH3_freeState(state);
  }
  Status corrupt(const std::string& what) const {
    return Status::corrupt_data(path + ": damaged sketch file: " + what);
  }
  // Reads n payload bytes into p (checksummed); a short read is a truncated file.
  Status read(void* p, std::size_t n) {
    if (n > payload - consumed) return corrupt("a record runs past the end of the payload");
    if (n > 0 && std::fread(p, 1, n, f) != n) {
      if (std::ferror(f)) return Status::io_error(path + ": cannot read: " + errno_text());
      return corrupt("the file is truncated");
    }
    XXH3_64bits_update(state, p, n);
    consumed += n;
    return Status();
  }
};

SketchReader::SketchReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SketchReader::SketchReader(SketchReader&&) noexcept = default;
SketchReader& SketchReader::operator=(SketchReader&&) noexcept = default;
SketchReader::~SketchReader() = default;

Result<SketchReader> SketchReader::open(const std::string& path) {
  auto m = std::make_unique<Impl>();
  m->path = path;
  m->f = std::fopen(path.c_str(), "rb");
  if (m->f == nullptr) return Status::io_error(path + ": cannot open: " + errno_text());
  struct stat st {};
  if (::fstat(::fileno(m->f), &st) != 0 || !S_ISREG(st.st_mode)) {
    return Status::io_error(path + ": not a regular file");
  }
  char h[kHeaderBytes];
  if (std::fread(h, 1, kHeaderBytes, m->f) != kHeaderBytes) {
    return m->corrupt("shorter than the 64-byte header");
  }
  if (std::string_view(h, 8) != kMagic) {
    return Status::corrupt_data(path + ": not a neardup sketch file (bad magic)");
  }
  const uint32_t version = get_u32(h + 8);
  if (version != kVersion) {
    return Status::unsupported_version(path + ": sketch format version " + std::to_string(version) +
                                       "; this build reads version " + std::to_string(kVersion));
  }
  const uint32_t mode = get_u32(h + 12);
  m->info.shard = get_u32(h + 16);
  m->info.shards = get_u32(h + 20);
  const uint32_t verify = get_u32(h + 24);
  const uint64_t options_bytes = get_u64(h + 32);
  m->info.documents = get_u64(h + 40);
  m->payload = get_u64(h + 48);
  m->checksum = get_u64(h + 56);
  if (mode > 1 || verify > 1 || get_u32(h + 28) != 0 || options_bytes != kOptionsBytes ||
      m->info.shards == 0 || m->info.shard >= m->info.shards) {
    return m->corrupt("bad header fields");
  }
  if (static_cast<uint64_t>(st.st_size) != kHeaderBytes + m->payload ||
      m->payload < kOptionsBytes) {
    return m->corrupt("the header says " + std::to_string(kHeaderBytes + m->payload) +
                      " bytes, the file has " + std::to_string(st.st_size) +
                      " (truncated or appended to)");
  }
  if (m->info.documents > (m->payload - kOptionsBytes) / kRecordHead) {
    return m->corrupt("more documents than the payload can hold");
  }
  m->info.mode = static_cast<SketchMode>(mode);
  m->info.near.verify = static_cast<VerifyMode>(verify);
  m->info.near.linkage = Linkage::kComponents;
  m->state = XXH3_createState();
  if (m->state == nullptr) return Status::io_error(path + ": out of memory");
  XXH3_64bits_reset(m->state);
  char o[kOptionsBytes];
  NEARDUP_RETURN_IF_ERROR(m->read(o, kOptionsBytes));
  const std::optional<SimilarityOptions> read = get_similarity_options(o);
  if (!read) return m->corrupt("unknown text pipeline options or MinHash scheme");
  SimilarityOptions& s = m->info.near.similarity;
  s = *read;
  if (m->info.mode == SketchMode::kNear) {
    if (!s.validate().ok()) return m->corrupt("invalid similarity options");
    const LshParams lsh = s.lsh_params();
    if (lsh.bands != get_u32(o + 56) || lsh.rows != get_u32(o + 60)) {
      return m->corrupt("LSH shape does not match its parameters");
    }
    m->bands = lsh.bands;
  }
  return SketchReader(std::move(m));
}

const SketchFileInfo& SketchReader::info() const noexcept { return impl_->info; }

Result<bool> SketchReader::next(SketchRecord& out) {
  Impl& m = *impl_;
  if (m.done) return false;
  if (m.seen == m.info.documents) {
    if (m.consumed != m.payload) return m.corrupt("bytes after the last record");
    if (XXH3_64bits_digest(m.state) != m.checksum) {
      return m.corrupt("checksum mismatch (the contents changed after it was written)");
    }
    m.done = true;
    return false;
  }
  char h[kRecordHead];
  NEARDUP_RETURN_IF_ERROR(m.read(h, kRecordHead));
  const uint32_t id_bytes = get_u32(h);
  const uint32_t flags = get_u32(h + 4);
  const uint32_t nbands = get_u32(h + 32);
  const uint32_t ndata = get_u32(h + 36);
  const bool near = m.info.mode == SketchMode::kNear;
  const bool shingles = m.info.near.verify == VerifyMode::kShingles;
  if (flags > 1 || id_bytes > kMaxIdBytes || nbands > kMaxBands || ndata > kMaxDataWords ||
      (near ? (nbands != 0 && nbands != m.bands) ||
                  (!shingles && ndata != m.info.near.similarity.minhash.num_perm)
            : nbands != 0 || ndata != 0)) {
    return m.corrupt("record " + std::to_string(m.seen + 1) + " has impossible lengths");
  }
  // The lengths must fit in what is left of the payload before anything is sized by them: a
  // damaged length would otherwise allocate up to 16 GiB for a record of a few bytes.
  const uint64_t body = uint64_t{id_bytes} + uint64_t{nbands} * 8 +
                        uint64_t{ndata} * (near && shingles ? 8
                                           : near           ? 4
                                                            : 0);
  if (body > m.payload - m.consumed) {
    return m.corrupt("record " + std::to_string(m.seen + 1) + " claims " + std::to_string(body) +
                     " bytes, more than the " + std::to_string(m.payload - m.consumed) +
                     " left in the payload");
  }
  out.empty = flags == 1;
  out.doc.exact_key.high = get_u64(h + 8);
  out.doc.exact_key.low = get_u64(h + 16);
  out.doc.text_bytes = get_u64(h + 24);
  out.id.resize(id_bytes);
  NEARDUP_RETURN_IF_ERROR(m.read(out.id.data(), id_bytes));
  out.doc.band_keys.resize(nbands);
  NEARDUP_RETURN_IF_ERROR(m.read(out.doc.band_keys.data(), std::size_t{nbands} * 8));
  if (near && shingles) {
    out.doc.set.resize(ndata);
    out.doc.signature32.clear();
    NEARDUP_RETURN_IF_ERROR(m.read(out.doc.set.data(), std::size_t{ndata} * 8));
  } else if (near) {
    out.doc.set.clear();
    out.doc.signature32.resize(ndata);
    NEARDUP_RETURN_IF_ERROR(m.read(out.doc.signature32.data(), std::size_t{ndata} * 4));
  } else {
    out.doc.set.clear();
    out.doc.signature32.clear();
  }
  ++m.seen;
  return true;
}

}  // namespace neardup
