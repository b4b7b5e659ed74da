// Time values and durations for story clustering (see story_time.h).
#include "neardup/advanced/story_time.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <utility>

namespace neardup {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

// Reads `n` digits at s[pos..] into v.
bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& v) {
  if (pos + n > s.size()) return false;
  v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// 1..12 for an English month name or its three-letter abbreviation ("Mar", "MARCH"), else 0.
unsigned month_of(std::string_view w) {
  static constexpr std::string_view kMonths[12] = {"january",   "february", "march",    "april",
                                                   "may",       "june",     "july",     "august",
                                                   "september", "october",  "november", "december"};
  for (unsigned m = 0; m < 12; ++m) {
    if (iequals(w, kMonths[m]) || (w.size() == 3 && iequals(w, kMonths[m].substr(0, 3)))) {
      return m + 1;
    }
  }
  return 0;
}

bool is_weekday(std::string_view w) {
  static constexpr std::string_view kDays[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                                "friday", "saturday", "sunday"};
  for (std::string_view d : kDays) {
    if (iequals(w, d) || (w.size() == 3 && iequals(w, d.substr(0, 3)))) return true;
  }
  return false;
}

// Seconds east of UTC for a zone written as +HHMM, -HH:MM or a name of RFC 2822 (UT, GMT, Z and
// the North American zones), plus UTC.
std::optional<int64_t> zone_offset(std::string_view z) {
  if (iequals(z, "UT") || iequals(z, "UTC") || iequals(z, "GMT") || iequals(z, "Z")) return 0;
  static constexpr std::pair<std::string_view, int> kNamed[] = {
      {"EST", -5}, {"EDT", -4}, {"CST", -6}, {"CDT", -5},
      {"MST", -7}, {"MDT", -6}, {"PST", -8}, {"PDT", -7}};
  for (const auto& [name, hours] : kNamed) {
    if (iequals(z, name)) return int64_t{hours} * 3600;
  }
  if (z.size() < 5 || (z[0] != '+' && z[0] != '-')) return std::nullopt;
  unsigned oh = 0, om = 0;
  std::size_t p = 1;
  if (!digits(z, p, 2, oh)) return std::nullopt;
  p += 2;
  if (p < z.size() && z[p] == ':') ++p;
  if (!digits(z, p, 2, om) || p + 2 != z.size() || oh > 23 || om > 59) return std::nullopt;
  return (z[0] == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
}

// Reads a clock time "HH:MM[:SS[.fff]]" at s[pos..] into `seconds` (of the day) and moves pos
// past it; false when there is none.
bool read_clock(std::string_view s, std::size_t& pos, unsigned& seconds) {
  unsigned h = 0, mi = 0, se = 0;
  std::size_t p = pos;
  if (!digits(s, p, 2, h) || p + 2 >= s.size() || s[p + 2] != ':' || !digits(s, p + 3, 2, mi) ||
      h > 23 || mi > 59) {
    return false;
  }
  p += 5;
  if (p < s.size() && s[p] == ':') {
    if (!digits(s, p + 1, 2, se) || se > 60) return false;
    p += 3;
    if (p < s.size() && s[p] == '.') {
      ++p;
      while (p < s.size() && std::isdigit(static_cast<unsigned char>(s[p]))) ++p;
    }
  }
  pos = p;
  seconds = h * 3600 + mi * 60 + se;
  return true;
}

// "HH:MM[:SS[.fff]]" and nothing else -> seconds of the day.
std::optional<unsigned> time_of_day(std::string_view t) {
  std::size_t pos = 0;
  unsigned seconds = 0;
  if (!read_clock(t, pos, seconds) || pos != t.size()) return std::nullopt;
  return seconds;
}

// Day-month-year dates with an English month name: RFC 2822 as in RSS <pubDate>
// ("Tue, 10 Mar 2014 22:24:50 GMT", "10 Mar 2014 22:24 -0500") and dashed forms such as
// "26-FEB-1987 15:01:01.79" (Reuters-21578). A weekday may lead; the time and the zone are
// optional (no zone = UTC); a two-digit year is 19xx from 50, else 20xx (RFC 2822).
std::optional<double> parse_day_month_year(std::string_view s) {
  std::string_view words[6];
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    if (s[i] == ' ' || s[i] == ',' || s[i] == '\t') {
      ++i;
      continue;
    }
    std::size_t j = i;
    // '-' separates the date's parts ("26-FEB-1987") but starts a zone ("-0500").
    while (j < s.size() && s[j] != ' ' && s[j] != ',' && s[j] != '\t' &&
           !(s[j] == '-' && j > i && n < 3)) {
      ++j;
    }
    if (n == std::size(words)) return std::nullopt;
    words[n++] = s.substr(i, j - i);
    i = j < s.size() && s[j] == '-' && n <= 3 ? j + 1 : j;
  }
  std::size_t w = 0;
  if (w < n && is_weekday(words[w])) ++w;
  if (n - w < 3) return std::nullopt;
  unsigned d = 0, y = 0;
  const std::string_view day = words[w], year = words[w + 2];
  if (!(day.size() <= 2 && digits(day, 0, day.size(), d)) || d < 1 || d > 31) return std::nullopt;
  const unsigned mo = month_of(words[w + 1]);
  if (mo == 0) return std::nullopt;
  if (year.size() == 4 && digits(year, 0, 4, y)) {
  } else if (year.size() == 2 && digits(year, 0, 2, y)) {
    y += y >= 50 ? 1900 : 2000;
  } else {
    return std::nullopt;
  }
  w += 3;
  unsigned seconds = 0;
  int64_t offset = 0;
  if (w < n) {
    const std::optional<unsigned> t = time_of_day(words[w]);
    if (!t) return std::nullopt;
    seconds = *t;
    ++w;
  }
  if (w < n) {
    const std::optional<int64_t> z = zone_offset(words[w]);
    if (!z) return std::nullopt;
    offset = *z;
    ++w;
  }
  if (w != n) return std::nullopt;
  return static_cast<double>(days_from_civil(y, mo, d) * 86400 + seconds - offset);
}

}  // namespace

std::optional<double> parse_time_value(std::string_view s) {
  if (s.empty()) return std::nullopt;
  // A number: unix seconds (values above 1e11 are taken as milliseconds).
  {
    std::string buf(s);
    char* end = nullptr;
    const double v = std::strtod(buf.c_str(), &end);
    if (end != buf.c_str() && *end == '\0' && std::isfinite(v)) return v > 1e11 ? v / 1000 : v;
  }
  // ISO 8601: YYYY-MM-DD[(T| )HH:MM[:SS[.fff]]][Z|(+|-)HH[:]MM]
  unsigned y = 0, mo = 0, d = 0, seconds = 0;
  if (!digits(s, 0, 4, y) || s.size() < 10 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || mo < 1 || mo > 12 || d < 1 || d > 31) {
    return parse_day_month_year(s);
  }
  std::size_t pos = 10;
  if (pos < s.size() && (s[pos] == 'T' || s[pos] == ' ')) {
    ++pos;
    if (!read_clock(s, pos, seconds)) return std::nullopt;
  }
  int64_t offset = 0;
  if (pos < s.size()) {
    // Z or a numeric offset only: zone names are RFC 2822's, not ISO's.
    if (s[pos] != 'Z' && s[pos] != '+' && s[pos] != '-') return std::nullopt;
    const std::optional<int64_t> z = zone_offset(s.substr(pos));
    if (!z) return std::nullopt;
    offset = *z;
  }
  return static_cast<double>(days_from_civil(y, mo, d) * 86400 + seconds - offset);
}

Result<double> parse_duration(std::string_view s) {
  if (s.empty()) return Status::invalid_argument("empty duration");
  std::string buf(s);
  char* end = nullptr;
  const double v = std::strtod(buf.c_str(), &end);
  if (end == buf.c_str() || !std::isfinite(v) || v < 0) {
    return Status::invalid_argument("bad duration '" + buf + "' (e.g. 3d, 12h, 90m, 3600s)");
  }
  const std::string unit(end);
  double scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m" || unit == "min") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (unit == "w") scale = 7 * 86400;
  if (scale == 0) {
    return Status::invalid_argument("bad duration unit in '" + buf + "' (s, m, h, d, w)");
  }
  return v * scale;
}

}  // namespace neardup
