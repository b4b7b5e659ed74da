// libFuzzer target: loading the story IDF model (DocumentFrequencies::load), as read from disk
// and with the frame's size and checksum made right. A model that loads must answer lookups.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_util.h"
#include "neardup/advanced/document_frequencies.h"

namespace {

void load(std::string_view bytes) {
  const neardup::fuzz::MemFile file(bytes);
  auto model = neardup::DocumentFrequencies::load(file.path());
  if (!model.ok()) return;
  for (uint64_t term : {uint64_t{0}, uint64_t{1}, uint64_t{0x9E3779B97F4A7C15}, ~uint64_t{0}}) {
    if (std::isnan(model->idf(term))) __builtin_trap();
  }
  neardup::DocumentFrequencies copy;
  copy.merge(*model);
  if (copy.terms() != model->terms()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes = neardup::fuzz::as_view(data, size);
  load(bytes);
  load(neardup::fuzz::with_fixed_checksum(bytes));
  return 0;
}
