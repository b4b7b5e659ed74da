// Time values and durations (story_time.h). The CLI tests in tests/cli/story_cli_test.cpp check
// the same parsers through their effect on `neardup cluster --mode story --time-field`.
#include "neardup/advanced/story_time.h"

#include <gtest/gtest.h>

namespace neardup {
namespace {

constexpr double kT = 1394490290;  // 2014-03-10 22:24:50 UTC

TEST(StoryTimeTest, NumbersAreUnixSecondsOrMilliseconds) {
  EXPECT_EQ(parse_time_value("1394490290"), kT);
  EXPECT_EQ(parse_time_value("1394490290000"), kT);  // above 1e11: milliseconds
  EXPECT_EQ(parse_time_value("12.5"), 12.5);
  EXPECT_EQ(parse_time_value(""), std::nullopt);
}

TEST(StoryTimeTest, Iso8601WithAndWithoutClockAndOffset) {
  EXPECT_EQ(parse_time_value("2014-03-10T22:24:50Z"), kT);
  EXPECT_EQ(parse_time_value("2014-03-10 22:24:50"), kT);
  EXPECT_EQ(parse_time_value("2014-03-10T22:24:50.750Z"), kT);  // fractions dropped
  EXPECT_EQ(parse_time_value("2014-03-10T23:24:50+01:00"), kT);
  EXPECT_EQ(parse_time_value("2014-03-10T17:24:50-0500"), kT);
  EXPECT_EQ(parse_time_value("2014-03-10T22:24Z"), kT - 50);
  EXPECT_EQ(parse_time_value("2014-03-10"), 1394409600);
  EXPECT_EQ(parse_time_value("2014-13-01"), std::nullopt);               // month 13
  EXPECT_EQ(parse_time_value("2014-03-10T25:00Z"), std::nullopt);        // hour 25
  EXPECT_EQ(parse_time_value("2014-03-10T22:24:50 GMT"), std::nullopt);  // names are RFC 2822's
}

TEST(StoryTimeTest, Rfc2822AndDayMonthYearDates) {
  EXPECT_EQ(parse_time_value("Tue, 10 Mar 2014 22:24:50 GMT"), kT);
  EXPECT_EQ(parse_time_value("10 Mar 2014 22:24:50"), kT);  // no zone: UTC
  EXPECT_EQ(parse_time_value("10 March 2014 17:24:50 -0500"), kT);
  EXPECT_EQ(parse_time_value("Mon, 10 Mar 2014 15:24:50 PDT"), kT);   // weekday not checked
  EXPECT_EQ(parse_time_value("10 Mar 14 22:24:50 UT"), kT);           // two-digit year: 20xx
  EXPECT_EQ(parse_time_value("26-FEB-1987 15:01:01.79"), 541350061);  // Reuters-21578
  EXPECT_EQ(parse_time_value("1 Jan 70"), 0.0);                       // 19xx from 50
  EXPECT_EQ(parse_time_value("10 Mar 2014 22:24:50 XYZ"), std::nullopt);
  EXPECT_EQ(parse_time_value("32 Mar 2014"), std::nullopt);
  EXPECT_EQ(parse_time_value("yesterday"), std::nullopt);
}

TEST(StoryTimeTest, DurationsWithUnits) {
  EXPECT_EQ(*parse_duration("3d"), 3 * 86400.0);
  EXPECT_EQ(*parse_duration("12h"), 43200.0);
  EXPECT_EQ(*parse_duration("90m"), 5400.0);
  EXPECT_EQ(*parse_duration("90min"), 5400.0);
  EXPECT_EQ(*parse_duration("3600s"), 3600.0);
  EXPECT_EQ(*parse_duration("2w"), 14 * 86400.0);
  EXPECT_EQ(*parse_duration("1.5"), 1.5);
  EXPECT_EQ(*parse_duration("0"), 0.0);
  for (const char* bad : {"", "-1d", "3x", "d", "abc"}) {
    const Result<double> r = parse_duration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(StoryTimeTest, TheDefaultWindowIsThreeDaysWhenDocumentsHaveTimes) {
  EXPECT_EQ(kDefaultStoryWindowSeconds, 259200.0);
  EXPECT_EQ(default_story_window_seconds(true), kDefaultStoryWindowSeconds);
  EXPECT_EQ(default_story_window_seconds(false), 0.0);
}

}  // namespace
}  // namespace neardup
