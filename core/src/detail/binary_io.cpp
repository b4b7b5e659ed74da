#include "detail/binary_io.h"

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

#include <unistd.h>

namespace neardup::detail {

Status SectionReader::corrupt(const std::string& what) const {
  return Status::corrupt_data(path_ + ": " + what);
}

Result<std::string_view> SectionReader::next(uint32_t tag, const char* name) {
  if (data_.size() - pos_ < 16) {
    return corrupt(std::string("inconsistent layout: missing the ") + name + " section");
  }
  const uint32_t got = get_u32(data_.data() + pos_);
  const uint32_t zero = get_u32(data_.data() + pos_ + 4);
  const uint64_t length = get_u64(data_.data() + pos_ + 8);
  pos_ += 16;
  if (got != tag || zero != 0) {
    return corrupt("inconsistent layout: expected the " + std::string(name) + " section (tag " +
                   std::to_string(tag) + "), found tag " + std::to_string(got));
  }
  if (length > data_.size() - pos_) {
    return corrupt(std::string("inconsistent layout: the ") + name + " section claims " +
                   std::to_string(length) + " bytes, " + std::to_string(data_.size() - pos_) +
                   " remain");
  }
  const std::string_view body = data_.substr(pos_, static_cast<std::size_t>(length));
  pos_ += static_cast<std::size_t>(length);
  while (pos_ % 8 != 0) {
    if (pos_ >= data_.size() || data_[pos_] != '\0') {
      return corrupt(std::string("inconsistent layout: bad padding after the ") + name +
                     " section");
    }
    ++pos_;
  }
  return body;
}

Result<std::string_view> SectionReader::next_sized(uint32_t tag, const char* name,
                                                   std::size_t bytes) {
  Result<std::string_view> body = next(tag, name);
  if (body.ok() && body->size() != bytes) {
    return corrupt("inconsistent layout: " + std::string(name) + " section of " +
                   std::to_string(body->size()) + " bytes, expected " + std::to_string(bytes));
  }
  return body;
}

Result<std::string_view> SectionReader::next_array(uint32_t tag, const char* name, uint64_t count,
                                                   uint32_t width, std::size_t word_bytes,
                                                   const std::string& row_size) {
  Result<std::string_view> body = next(tag, name);
  if (!body.ok()) return body.status();
  const std::string_view a = *body;
  const std::size_t row_bytes = word_bytes * width;
  if (a.size() < 16 || get_u64(a.data()) != count || get_u32(a.data() + 8) != width ||
      get_u32(a.data() + 12) != 0 || row_bytes == 0 || (a.size() - 16) % row_bytes != 0 ||
      (a.size() - 16) / row_bytes != count) {
    return corrupt("inconsistent counts: the " + std::string(name) + " section does not hold " +
                   std::to_string(count) + " " + name + " of " + row_size);
  }
  return a.substr(16);
}

Result<IdsReader> IdsReader::read(SectionReader& sections, uint32_t tag, uint64_t count) {
  Result<std::string_view> body = sections.next(tag, "ids");
  if (!body.ok()) return body.status();
  const std::string_view ids = *body;
  if (ids.size() < 8 || get_u64(ids.data()) != count || (ids.size() - 8) / 4 < count) {
    return sections.corrupt("inconsistent counts: the ids section does not hold " +
                            std::to_string(count) + " ids");
  }
  const std::string_view id_bytes = ids.substr(8 + 4 * count);
  uint64_t id_total = 0;
  for (uint64_t d = 0; d < count; ++d) {
    id_total += get_u32(ids.data() + 8 + 4 * d);
    if (id_total > id_bytes.size()) break;
  }
  if (id_total != id_bytes.size()) {
    return sections.corrupt("inconsistent counts: id lengths add up to " +
                            std::to_string(id_total) + " bytes, the section holds " +
                            std::to_string(id_bytes.size()));
  }
  return IdsReader(ids.data() + 8, id_bytes);
}

Status write_file_atomically(const std::string& path, std::string_view bytes) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return Status::io_error(tmp + ": cannot open for writing: " + std::strerror(errno));
  }
  const std::size_t written = std::fwrite(bytes.data(), 1, bytes.size(), f);
  const bool write_ok = written == bytes.size() && std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  const int saved_errno = errno;
  const bool close_ok = std::fclose(f) == 0;
  if (!write_ok || !close_ok) {
    std::remove(tmp.c_str());
    return Status::io_error(tmp + ": write failed: " + std::strerror(saved_errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    std::remove(tmp.c_str());
    return Status::io_error(path + ": cannot rename " + tmp + ": " + std::strerror(e));
  }
  return Status();
}

Result<std::string> read_whole_file(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::io_error(path + ": cannot open: " + std::strerror(errno));
  std::string bytes;
  Status st;
  try {
    char buf[1 << 16];
    while (true) {
      const std::size_t got = std::fread(buf, 1, sizeof buf, f);
      bytes.append(buf, got);
      if (got < sizeof buf) break;
    }
    if (std::ferror(f) != 0) st = Status::io_error(path + ": read error: " + std::strerror(errno));
  } catch (const std::bad_alloc&) {
    st = Status::io_error(path + ": out of memory reading the file");
  }
  std::fclose(f);
  if (!st.ok()) return st;
  return bytes;
}

}  // namespace neardup::detail
