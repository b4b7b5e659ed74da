// GoogleTest helper for the unit tests: unwrap a Result the test expects to be ok.
//
//   NearDupIndex index = testing::expect_ok(NearDupIndex::create(options));
#pragma once

#include <gtest/gtest.h>

#include <utility>

#include "neardup/status.h"

namespace neardup::testing {

// The value of `r`; a failed EXPECT naming the status when it is an error (the value is then
// read anyway, as the callers did before: the test has already failed).
template <class T>
T expect_ok(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().to_string();
  return std::move(r.value());
}

}  // namespace neardup::testing
