// Story time: reading the times that news feeds write, and the default story window.
//
//   std::optional<double> t = neardup::parse_time_value("Tue, 10 Mar 2014 22:24:50 GMT");
//   neardup::Result<double> w = neardup::parse_duration("12h");          // 43200
//   options.window_seconds = neardup::default_story_window_seconds(/*timed=*/true);  // 3 days
//
// Times become seconds since 1970-01-01 UTC (a double, fractions of seconds dropped for dates).
// A document whose time cannot be read is not an error: story clusterers place it at the time of
// the document before it and count it (StoryStats::without_time).
//
// The default window. News stories are bursty: a story with no new report for three days is
// over, and a later report about the same company or place is a new story (as in TDT's time
// windows). So when documents carry times and the caller sets no window, a story clusterer
// should close clusters after kDefaultStoryWindowSeconds (StoryOptions::window_seconds itself
// defaults to 0 = never, the only meaningful value without times).
//
// Thread safety: pure functions, safe from any thread. Cost: O(length of the string); no
// allocation except parse_time_value's copy of a numeric string and the error messages.
#pragma once

#include <optional>
#include <string_view>

#include "neardup/status.h"

namespace neardup {

// Three days, in seconds: the window used when documents have times and none is given.
inline constexpr double kDefaultStoryWindowSeconds = 3 * 86400.0;

// The default StoryOptions::window_seconds: kDefaultStoryWindowSeconds when the documents carry
// times (`timed`), else 0 (never close: without times there is no clock to close by).
constexpr double default_story_window_seconds(bool timed) noexcept {
  return timed ? kDefaultStoryWindowSeconds : 0.0;
}

// A time value: unix seconds (or milliseconds, if above 1e11), ISO 8601
// "YYYY-MM-DD[THH:MM[:SS[.f]]][Z|+HH:MM]", or a day-month-year date with an English month name:
// RFC 2822 "[Tue, ]10 Mar 2014[ 22:24[:50]][ GMT|-0500]" (RSS) or "26-FEB-1987 15:01:01.79"
// (Reuters-21578). nullopt when it is none of these.
std::optional<double> parse_time_value(std::string_view s);

// A duration "3d", "12h", "90m" (or "90min"), "3600s", "2w" or plain seconds, >= 0.
// invalid_argument for anything else.
Result<double> parse_duration(std::string_view s);

}  // namespace neardup
