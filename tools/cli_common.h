// Shared pieces of the neardup command-line tool: exit codes, error reporting, the option groups
// (option_groups.h), buffered output, JSON string escaping and the progress line.
#pragma once

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/normalize.h"
#include "neardup/advanced/reader.h"
#include "neardup/status.h"
#include "option_groups.h"

namespace neardup::cli {

namespace po = boost::program_options;

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // runtime failure: I/O, corrupt input, malformed record
inline constexpr int kExitUsage = 2;    // unknown flag, bad value, missing argument
// Returned by parse_command_line() after printing --help: the command returns kExitOk.
inline constexpr int kHelpShown = -1;

// Prints "neardup: <command>: <message>" as one line on stderr.
void print_error(std::string_view command, std::string_view message);

// Parses `args` against `desc` (+ positional `inputs`). Returns kExitOk to continue, kHelpShown
// after printing --help, or kExitUsage after reporting a usage error.
int parse_command_line(std::string_view command, const std::vector<std::string>& args,
                       const po::options_description& desc, const std::string& usage_line,
                       std::vector<std::string>* positional, po::variables_map& vm);

// Buffered output to stdout ("-" or empty) or a file.
class Output {
 public:
  Output() = default;
  Output(const Output&) = delete;
  Output& operator=(const Output&) = delete;
  ~Output();  // discard() unless close() was called
  // Standard output ("-" or empty), or a file written crash-safely: the records go to a
  // temporary file beside it (".NAME.neardup-XXXXXX") that close() renames over `path`, so a run
  // that fails or is killed leaves the previous file as it was, never a truncated or partial
  // one. A path that is one of the run's `inputs`, or lies inside an input directory, is refused
  // (it would be read while being replaced).
  Status open(const std::string& path, const std::vector<std::string>& inputs = {});
  void write(std::string_view s);
  // Hands everything written so far to the file or pipe now (for a live reader); write errors
  // stick and are reported by close().
  void flush();
  // Flushes and reports write errors (disk full, closed pipe); a file is then renamed into place.
  Status close();
  // The run failed: a file's temporary is removed and `path` keeps what it held; on standard
  // output what was written so far is flushed (it has been handed on already).
  void discard();

 private:
  // Writes the buffer to the file (write errors stick in the FILE; close() reports them).
  void drain();
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string path_;
  std::string tmp_path_;  // the temporary file of a file output
  std::string buffer_;
};

// Appends s as a JSON string literal (with quotes). Valid UTF-8 passes as is; a byte that is not
// UTF-8 becomes the escape \udcXX (XX its value: PEP 383's "surrogateescape") and a lone
// surrogate in generalized UTF-8 (how the reader keeps "\ud800" in an id) its own escape, so
// that distinct strings stay distinct, reversibly, and the output is JSON text.
void append_json_string(std::string& out, std::string_view s);

// A progress line on stderr, at most once a second, after the first two seconds:
// "neardup: cluster: 120000 docs, 512.0 MB, 95.1 MB/s, 22000 docs/s, 43% ETA 12s".
class Progress {
 public:
  Progress(std::string command, bool enabled);
  // `done_fraction` < 0 when the total size is unknown.
  void update(uint64_t docs, uint64_t bytes, double done_fraction);
  void finish();
  double elapsed_seconds() const;

 private:
  std::string command_;
  bool enabled_;
  bool printed_ = false;
  bool tty_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

// "12.3 MB" style formatting and rates.
std::string format_rate_summary(uint64_t docs, uint64_t bytes, double seconds);

// A temporary copy of standard input, removed when it goes out of scope (for a command that
// reads its input twice).
class SpooledStdin {
 public:
  SpooledStdin() = default;
  SpooledStdin(const SpooledStdin&) = delete;
  SpooledStdin& operator=(const SpooledStdin&) = delete;
  ~SpooledStdin();
  // Into `tmp_dir`, or the system's temporary directory when empty.
  Status spool(const std::string& tmp_dir);
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

}  // namespace neardup::cli
