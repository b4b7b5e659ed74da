#include "neardup/status.h"

#include <gtest/gtest.h>

namespace neardup {
namespace {

TEST(StatusTest, DefaultIsOk) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kOk);
  EXPECT_EQ(s.to_string(), "ok");
}

TEST(StatusTest, ErrorCarriesCodeAndMessage) {
  Status s = Status::parse_error("a.jsonl:3: malformed JSON");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kParseError);
  EXPECT_EQ(s.to_string(), "parse error: a.jsonl:3: malformed JSON");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  Status s = Status::io_error("cannot open").with_context("x.txt");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_EQ(s.message(), "x.txt: cannot open");
  EXPECT_TRUE(Status().with_context("x").ok());
}

TEST(StatusTest, EveryCodeHasADistinctName) {
  const StatusCode codes[] = {
      StatusCode::kOk,         StatusCode::kInvalidArgument, StatusCode::kIoError,
      StatusCode::kParseError, StatusCode::kCorruptData,     StatusCode::kUnsupportedVersion,
      StatusCode::kOutOfRange, StatusCode::kNotFound,        StatusCode::kInternal};
  for (StatusCode a : codes) {
    for (StatusCode b : codes) {
      if (a != b) {
        EXPECT_NE(status_code_name(a), status_code_name(b));
      }
    }
  }
}

TEST(ResultTest, HoldsValueOrError) {
  Result<int> v = 42;
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, 42);
  Result<int> e = Status::not_found("no such field");
  EXPECT_FALSE(e.ok());
  EXPECT_EQ(e.status().code(), StatusCode::kNotFound);
}

TEST(ResultTest, OkStatusIsNotAValueAndBecomesInternalError) {
  Result<int> r = Status();
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInternal);
}

Status fails_then_propagates() {
  NEARDUP_RETURN_IF_ERROR(Status::corrupt_data("bad checksum"));
  return Status::internal("not reached");
}

TEST(StatusTest, ReturnIfErrorPropagatesFirstError) {
  Status s = fails_then_propagates();
  EXPECT_EQ(s.code(), StatusCode::kCorruptData);
}

}  // namespace
}  // namespace neardup
