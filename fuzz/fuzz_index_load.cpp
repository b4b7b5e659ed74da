// libFuzzer target: loading an index file of either kind (open_index, by the magic), as read from
// disk and with the frame's size and checksum made right (so the section parsers are reached).
// A file that loads must answer queries, take an add and a remove, and serialize to bytes that
// load again to the same size.
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_util.h"
#include "neardup/advanced/open_index.h"

namespace {

template <typename Index>
void exercise(Index& index) {
  const std::size_t before = index.size();
  (void)index.query("the quick brown fox jumps over the lazy dog again and again", 5);
  (void)index.contains("a");
  const std::string bytes = index.serialize();
  auto again = Index::deserialize(bytes, "round trip");
  if (!again.ok() || again->size() != before) __builtin_trap();
  (void)index.add_if_new("fuzz-new", "a new document about nothing in particular at all");
  (void)index.remove("a");
  (void)index.query("a new document about nothing in particular at all", 3);
}

void load(std::string_view bytes) {
  const neardup::fuzz::MemFile file(bytes);
  neardup::Result<neardup::AnyIndex> index = neardup::open_index(file.path());
  if (!index.ok()) return;
  std::visit([](auto& i) { exercise(i); }, *index);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view bytes = neardup::fuzz::as_view(data, size);
  load(bytes);
  load(neardup::fuzz::with_fixed_checksum(bytes));
  return 0;
}
