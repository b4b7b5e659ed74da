// Status and Result<T>: the only error vocabulary of neardup.
//
// The library never prints, exits or aborts. Every operation that can fail for a reason outside
// the caller's control (bad parameters, I/O, a malformed record, a corrupt file) returns a
// Status or a Result<T>. A Status is a code plus a human-readable message that names the file
// and line where there is one.
//
//   neardup::Result<int> r = parse_something(text);
//   if (!r.ok()) return r.status();          // propagate
//   use(r.value());
//
// Thread safety: plain values; copying and reading from several threads is safe.
// Cost: an ok Status holds no heap memory; an error holds one std::string.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "neardup/export.h"

namespace neardup {

enum class StatusCode : uint8_t {
  kOk = 0,
  kInvalidArgument,     // bad parameters or options
  kIoError,             // cannot open, read or write
  kParseError,          // malformed record (JSON, TSV, ...)
  kCorruptData,         // truncated or corrupt file / compressed stream / checksum mismatch
  kUnsupportedVersion,  // on-disk format version this build does not read
  kOutOfRange,          // a size or count beyond a documented limit
  kNotFound,            // a named field or file does not exist
  kInternal,            // a broken invariant: a bug, reported rather than aborting
};

// A short stable name for a code, e.g. "parse error".
NEARDUP_API std::string_view status_code_name(StatusCode code) noexcept;

class [[nodiscard]] NEARDUP_API Status {
 public:
  Status() noexcept = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() noexcept { return Status(); }
  static Status invalid_argument(std::string m) {
    return {StatusCode::kInvalidArgument, std::move(m)};
  }
  static Status io_error(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status parse_error(std::string m) { return {StatusCode::kParseError, std::move(m)}; }
  static Status corrupt_data(std::string m) { return {StatusCode::kCorruptData, std::move(m)}; }
  static Status unsupported_version(std::string m) {
    return {StatusCode::kUnsupportedVersion, std::move(m)};
  }
  static Status out_of_range(std::string m) { return {StatusCode::kOutOfRange, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const noexcept { return code_ == StatusCode::kOk; }
  StatusCode code() const noexcept { return code_; }
  const std::string& message() const noexcept { return message_; }
  // "parse error: data.jsonl:17: expected '}'" (or "ok").
  std::string to_string() const;

  // Returns a copy whose message is "<prefix>: <message>" (for adding file/line context).
  Status with_context(std::string_view prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or an error. Accessing value() of an error Result is a precondition violation
// (checked in debug builds only).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status::internal("Result constructed from an ok Status");
  }

  bool ok() const noexcept { return value_.has_value(); }
  const Status& status() const noexcept { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace neardup

// Propagates an error Status from an expression returning Status.
#define NEARDUP_RETURN_IF_ERROR(expr)                  \
  do {                                                 \
    ::neardup::Status neardup_status_ = (expr);        \
    if (!neardup_status_.ok()) return neardup_status_; \
  } while (0)

#ifndef NDEBUG
#define NEARDUP_DCHECK(cond)       \
  do {                             \
    if (!(cond)) __builtin_trap(); \
  } while (0)
#else
#define NEARDUP_DCHECK(cond) \
  do {                       \
  } while (0)
#endif
