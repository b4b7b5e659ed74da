// libFuzzer target: DocumentReader over JSONL, TSV and lines input (and whatever compression the
// input's magic bytes name). The first byte picks the format and options, the rest is the file.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_util.h"
#include "neardup/advanced/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const uint8_t control = data[0];
  static constexpr neardup::InputFormat kFormats[4] = {
      neardup::InputFormat::kAuto, neardup::InputFormat::kJsonl, neardup::InputFormat::kTsv,
      neardup::InputFormat::kLines};
  neardup::ReaderOptions options;
  options.format = kFormats[control & 3];
  options.skip_bad = (control & 4) != 0;
  options.max_record_bytes = (control & 8) != 0 ? 64 : (uint64_t{1} << 20);
  if ((control & 16) != 0) options.id_field = "url";
  if ((control & 32) != 0) options.text_field = "body";

  const neardup::fuzz::MemFile file(neardup::fuzz::as_view(data + 1, size - 1));
  auto reader = neardup::DocumentReader::open(file.path(), options);
  if (!reader.ok()) return 0;
  neardup::Document doc;
  // Errors of a malformed record may be followed by more records; an I/O or decompression error
  // repeats. Both are bounded, and so is the output of a decompression bomb.
  for (int errors = 0; errors < 64 && (*reader)->stats().bytes < (uint64_t{16} << 20);) {
    neardup::Result<bool> more = (*reader)->next(doc);
    if (!more.ok()) {
      ++errors;
      continue;
    }
    if (!*more) break;
    if (doc.source.empty()) __builtin_trap();  // every document names its file
  }
  return 0;
}
