// libFuzzer target: the decompressors (gzip, zstd, xz, bzip2, told by their magic bytes) as the
// reader uses them: ByteSource::open + read in odd-sized pieces until the end or an error, then
// the same bytes through DocumentReader. The whole input is the (compressed) file.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuzz_util.h"
#include "neardup/advanced/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const neardup::fuzz::MemFile file(neardup::fuzz::as_view(data, size));
  constexpr uint64_t kMaxOutput = uint64_t{16} << 20;  // bounds a decompression bomb

  if (auto source = neardup::ByteSource::open(file.path()); source.ok()) {
    std::vector<char> buf(65536);
    uint64_t total = 0;
    std::size_t piece = 1;
    while (total < kMaxOutput) {
      neardup::Result<std::size_t> got = (*source)->read(buf.data(), piece);
      if (!got.ok() || *got == 0) break;
      if (*got > piece) __builtin_trap();
      total += *got;
      piece = piece * 7 % buf.size() + 1;
    }
  }

  neardup::ReaderOptions options;
  options.skip_bad = true;
  options.max_record_bytes = uint64_t{1} << 20;
  auto reader = neardup::DocumentReader::open(file.path(), options);
  if (!reader.ok()) return 0;
  neardup::Document doc;
  for (int errors = 0; errors < 16 && (*reader)->stats().bytes < kMaxOutput;) {
    neardup::Result<bool> more = (*reader)->next(doc);
    if (!more.ok()) {
      ++errors;
      continue;
    }
    if (!*more) break;
  }
  return 0;
}
