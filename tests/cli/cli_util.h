// Helpers for the CLI tests (tests/cli): run a built binary with arguments and stdin and capture
// its exit code, stdout and stderr; quote paths for the shell; write JSONL input records; read
// the JSONL output records. The generated texts, temporary directories, file and JSON-line
// helpers are in support/fixtures.h; the ones CLI tests use are re-exported here.
//
//   RunResult r = run_cli("cluster --mode near " + quote(dir / "in.tsv"));
//   ASSERT_EQ(r.exit_code, 0) << r.err;
//   EXPECT_EQ(field_of(lines_of(r.out)[0], "cluster"), "a");
//
// The CLI tests are written inside namespace neardup::testing, so these names need no
// using-declarations. run_cli() runs NEARDUP_CLI_PATH, run_synth() NEARDUP_SYNTH_PATH: each test
// binary defines the paths of the binaries it tests. Built as `neardup_cli_test_support`.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace neardup::testing {

using fixtures::field_of;
using fixtures::json_string;
using fixtures::jsonl_record;
using fixtures::lines_of;
using fixtures::read_file;
using fixtures::shared_datasets;
using fixtures::similarity_of;
using fixtures::source_dir;
using fixtures::temp_dir;
using fixtures::write_file;

// Single-quotes a path or word for the shell (no quote characters inside).
std::string quote(const std::string& s);
std::string quote(const std::filesystem::path& p);

struct RunResult {
  int exit_code = -1;  // -1 when the process did not exit normally
  std::string out;
  std::string err;
};

// Runs `'<exe>' <args>` through the shell (so `args` may quote), stdout and stderr captured,
// stdin from `stdin_file` when it is not empty.
RunResult run_program(const std::string& exe, const std::string& args,
                      const std::string& stdin_file = "");

// `<exe> ARGS...` with a pipe on its stdin and one on its stdout (stderr goes to a file), for
// tests of live input. Every wait has a deadline, so a missing record fails the test instead of
// hanging it; the destructor kills the child if it is still running.
class LiveProcess {
 public:
  LiveProcess(const std::string& exe, const std::vector<std::string>& args,
              const std::filesystem::path& err);
  LiveProcess(const LiveProcess&) = delete;
  LiveProcess& operator=(const LiveProcess&) = delete;
  ~LiveProcess();

  bool started() const { return pid_ > 0 && in_ >= 0 && out_ >= 0; }
  // Writes all of `s` to the child's stdin; false if the pipe is closed.
  bool write(const std::string& s);
  void close_stdin();
  // The next output line (without '\n'); nullopt at the end of the output or after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // The exit code; -1 if the child was killed by a signal or is still running at the deadline.
  int wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int in_ = -1, out_ = -1;
  std::string buffer_;
  void (*old_sigpipe_)(int) = nullptr;
};

#ifdef NEARDUP_CLI_PATH
inline RunResult run_cli(const std::string& args, const std::string& stdin_file = "") {
  return run_program(NEARDUP_CLI_PATH, args, stdin_file);
}
#endif
#ifdef NEARDUP_SYNTH_PATH
inline RunResult run_synth(const std::string& args) {
  return run_program(NEARDUP_SYNTH_PATH, args);
}
#endif

// The inputs of the `neardup index` tests, in a fresh temp_dir(name): base.jsonl holds 30
// random texts a0..a29 of `words` words from std::mt19937_64(seed); queries.jsonl holds
// q0 = edit(a3), q1 = a new random text and q2 = a copy of a17.
struct IndexCorpus {
  std::filesystem::path dir, base, queries;
  std::vector<std::string> texts;  // a0..a29
  std::string edited;              // q0's text
};
IndexCorpus index_corpus(const std::string& name, uint64_t seed, int words,
                         std::string (*edit)(const std::string&));

// --- JSONL output ------------------------------------------------------------------------------

// One parsed JSONL record: every top-level field as a string (numbers as their JSON text).
using Record = std::map<std::string, std::string>;
// Parses `line` fully (simdjson's DOM validates the JSON and its UTF-8); false if it is not a
// JSON object.
bool parse_record(const std::string& line, Record& out);
// Every line of `bytes`; a line that is not a JSON object fails the current test.
std::vector<Record> parse_jsonl(const std::string& bytes);

}  // namespace neardup::testing
