#include "index/index_file.h"

#include <algorithm>
#include <cstring>

#include "neardup/advanced/hash.h"

namespace neardup::detail {

void finish_file(std::string& file, const FileFormat& format, const FileHeader& header) {
  const std::size_t payload_size = file.size() - kFileHeaderBytes;
  std::string head;
  head.reserve(kFileHeaderBytes);
  head.append(format.magic);
  put_u32(head, format.version);
  put_u32(head, format.kind);
  for (const uint32_t f : header.fields32) put_u32(head, f);
  put_u64(head, header.field64);
  put_u64(head, header.count);
  put_u64(head, payload_size);
  put_u64(head, hash64(file.data() + kFileHeaderBytes, payload_size, 0));
  std::memcpy(file.data(), head.data(), kFileHeaderBytes);
}

Result<CheckedFile> check_file(std::string_view file, const std::string& path,
                               const FileFormat& format) {
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  if (file.empty()) return corrupt(std::string("empty file, not a neardup ") + format.noun);
  if (std::memcmp(file.data(), format.magic.data(), std::min(file.size(), format.magic.size())) !=
      0) {
    return corrupt(std::string("not a neardup ") + format.name + " (bad magic)");
  }
  if (file.size() < kFileHeaderBytes) {
    return corrupt("truncated: " + std::to_string(file.size()) + " bytes, the header alone is 64");
  }
  const char* h = file.data();
  const uint32_t version = get_u32(h + 8);
  if (version != format.version) {
    return Status::unsupported_version(path + ": " + format.name + " format version " +
                                       std::to_string(version) + ", this build reads version " +
                                       std::to_string(format.version));
  }
  const uint32_t kind = get_u32(h + 12);
  CheckedFile f;
  for (std::size_t i = 0; i < 4; ++i) f.header.fields32[i] = get_u32(h + 16 + 4 * i);
  f.header.field64 = get_u64(h + 32);
  f.header.count = get_u64(h + 40);
  const uint64_t payload_size = get_u64(h + 48);
  const uint64_t checksum = get_u64(h + 56);
  if (kind != format.kind) return corrupt("unknown index kind " + std::to_string(kind));
  if (format.field3_reserved && f.header.fields32[3] != 0) {
    return corrupt("corrupt header (reserved field is not zero)");
  }
  const uint64_t have = file.size() - kFileHeaderBytes;
  if (payload_size > have) {
    return corrupt("truncated: the header promises " + std::to_string(payload_size) +
                   " payload bytes, the file has " + std::to_string(have));
  }
  if (payload_size < have) {
    return corrupt(std::to_string(have - payload_size) + " unexpected bytes after the payload");
  }
  f.payload = file.substr(kFileHeaderBytes);
  if (hash64(f.payload.data(), f.payload.size(), 0) != checksum) {
    return corrupt("checksum mismatch (the payload is corrupt)");
  }
  if (f.header.count > format.max_count) {
    return corrupt("inconsistent counts: " + std::to_string(f.header.count) + " " + format.counted);
  }
  return f;
}

}  // namespace neardup::detail
