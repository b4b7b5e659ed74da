// Helpers shared by the tests: paths to the repository and to the optional shared datasets.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace neardup::testing {

inline std::filesystem::path source_dir() { return NEARDUP_SOURCE_DIR; }

// ../shared/datasets next to the repository, or $NEARDUP_SHARED_DATASETS. The tests that use
// it call GTEST_SKIP() when this returns nullopt (a user's fresh clone has no ../shared).
inline std::optional<std::filesystem::path> shared_datasets() {
  std::filesystem::path p = NEARDUP_SHARED_DATASETS_DIR;
  if (const char* env = std::getenv("NEARDUP_SHARED_DATASETS")) p = env;
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return p;
  return std::nullopt;
}

// Removes the directories temp_dir() made when the test process exits.
struct TempDirCleaner {
  std::vector<std::filesystem::path> dirs;
  ~TempDirCleaner() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};
inline TempDirCleaner temp_dir_cleaner;

// A fresh empty directory under the system temp dir, unique per name and process (ctest -j runs
// every test in its own process, concurrently); removed when the process exits.
inline std::filesystem::path temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("neardup_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  temp_dir_cleaner.dirs.push_back(p);
  return p;
}

inline void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// One line per element (without the '\n').
inline std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) v.push_back(line);
  return v;
}

#ifdef NEARDUP_CLI_PATH
struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `neardup <args>` through the shell with stdout/stderr captured to files.
inline RunResult run_cli(const std::string& args, const std::string& stdin_file = "") {
  static int counter = 0;
  const std::filesystem::path dir = temp_dir("cli_run_" + std::to_string(counter++));
  const std::filesystem::path out = dir / "out", err = dir / "err";
  std::string cmd = std::string("'") + NEARDUP_CLI_PATH + "' " + args + " >'" + out.string() +
                    "' 2>'" + err.string() + "'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}
#endif

}  // namespace neardup::testing
