// The run summary as JSON (--stats FILE): every figure of the summary line on stderr, by name,
// for pipelines. One command runs per process, so the summary is one object for the process:
// the summary printers (print_run_summary, reader_summary, spill_summary) and the modes record
// their figures with set(), whether or not --quiet keeps the line off stderr.
//
//   {"command":"cluster","mode":"near","documents":65,"input_bytes":41833,"seconds":0.01,
//    "clusters":56,..., "peak_rss_bytes":9437184}
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "neardup/status.h"

namespace neardup::cli {

class RunStats {
 public:
  static RunStats& get();

  // --quiet: the summary printers record but do not print.
  void set_quiet(bool quiet) noexcept { quiet_ = quiet; }
  bool quiet() const noexcept { return quiet_; }

  // A field (replaced when set again; the order is that of first setting).
  void set(std::string_view key, uint64_t value);
  void set(std::string_view key, double value);
  void set(std::string_view key, std::string_view value);
  void set(std::string_view key, bool value) { put(key, value ? "true" : "false"); }

  // The value of an integer field; nullopt when it is absent or not an integer.
  std::optional<uint64_t> count(std::string_view key) const;
  // This process's peak resident set size in bytes (getrusage; 0 when unknown).
  static uint64_t peak_rss_bytes();

  // The object, with "peak_rss_bytes" (getrusage) added.
  std::string json() const;
  // Writes json() to `path` crash-safely; a path that is one of `inputs` is InvalidArgument.
  Status write(const std::string& path, const std::vector<std::string>& inputs) const;

 private:
  void put(std::string_view key, std::string json_value);
  bool quiet_ = false;
  std::vector<std::pair<std::string, std::string>> fields_;
};

}  // namespace neardup::cli
