// libFuzzer target: the sketch file reader (stages.h): SketchReader::open, then next() until the
// end or an error, as read from disk and with the frame's size and checksum made right.
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "neardup/advanced/stages.h"

namespace {

void read(std::string_view bytes) {
  const neardup::fuzz::MemFile file(bytes);
  auto reader = neardup::SketchReader::open(file.path());
  if (!reader.ok()) return;
  neardup::SketchRecord record;
  uint64_t records = 0;
  while (true) {
    neardup::Result<bool> more = reader->next(record);
    if (!more.ok() || !*more) break;
    if (++records > reader->info().documents) __builtin_trap();  // never past the stated count
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes = neardup::fuzz::as_view(data, size);
  read(bytes);
  read(neardup::fuzz::with_fixed_checksum(bytes));
  return 0;
}
