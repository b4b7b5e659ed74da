// libFuzzer target: the story time parsers (story_time.h), parse_time_value and parse_duration.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "fuzz_util.h"
#include "neardup/advanced/story_time.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view s = neardup::fuzz::as_view(data, size);
  const std::optional<double> t = neardup::parse_time_value(s);
  if (t && std::isnan(*t)) __builtin_trap();  // a time is a number of seconds, never NaN
  const neardup::Result<double> d = neardup::parse_duration(s);
  if (d.ok() && !(*d >= 0)) __builtin_trap();  // documented: a duration is >= 0
  return 0;
}
