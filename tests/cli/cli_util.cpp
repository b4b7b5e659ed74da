// The CLI test helpers of cli_util.h.
#include "cli/cli_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <random>
#include <thread>
#include <utility>

namespace neardup::testing {

namespace fs = std::filesystem;

// Built with append: GCC 12's -Wrestrict misfires on "'" + std::string at -O3.
std::string quote(const std::string& s) {
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('\'');
  q.append(s);
  q.push_back('\'');
  return q;
}

std::string quote(const fs::path& p) { return quote(p.string()); }

RunResult run_program(const std::string& exe, const std::string& args,
                      const std::string& stdin_file) {
  static int counter = 0;
  const fs::path dir = temp_dir("cli_run_" + std::to_string(counter++));
  const fs::path out = dir / "out", err = dir / "err";
  std::string cmd = quote(exe) + " " + args + " >" + quote(out) + " 2>" + quote(err);
  if (!stdin_file.empty()) cmd += " <" + quote(stdin_file);
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

LiveProcess::LiveProcess(const std::string& exe, const std::vector<std::string>& args,
                         const fs::path& err) {
  old_sigpipe_ = std::signal(SIGPIPE, SIG_IGN);  // a dead child must not kill the test
  int in[2], out[2];
  if (::pipe2(in, O_CLOEXEC) != 0) return;
  if (::pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    return;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], STDIN_FILENO);  // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<std::string> argv_s = {exe};
  argv_s.insert(argv_s.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  if (::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
    pid_ = -1;
  }
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  in_ = in[1];
  out_ = out[0];
}

LiveProcess::~LiveProcess() {
  close_stdin();
  if (out_ >= 0) ::close(out_);
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::signal(SIGPIPE, old_sigpipe_);
}

bool LiveProcess::write(const std::string& s) {
  std::size_t done = 0;
  while (done < s.size()) {
    const ssize_t n = ::write(in_, s.data() + done, s.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void LiveProcess::close_stdin() {
  if (in_ >= 0) ::close(in_);
  in_ = -1;
}

std::optional<std::string> LiveProcess::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const std::size_t nl = buffer_.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer_.substr(0, nl);
      buffer_.erase(0, nl + 1);
      return line;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return std::nullopt;
    pollfd p{out_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return std::nullopt;
    char buf[4096];
    const ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

int LiveProcess::wait(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (pid_ > 0) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    if (r < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

IndexCorpus index_corpus(const std::string& name, uint64_t seed, int words,
                         std::string (*edit)(const std::string&)) {
  IndexCorpus c;
  c.dir = temp_dir(name);
  std::mt19937_64 rng(seed);
  std::string base, queries;
  for (int i = 0; i < 30; ++i) {
    c.texts.push_back(fixtures::random_text(rng, words));
    base += jsonl_record("a" + std::to_string(i), c.texts.back());
  }
  c.edited = edit(c.texts[3]);
  queries += jsonl_record("q0", c.edited);
  queries += jsonl_record("q1", fixtures::random_text(rng, words));
  queries += jsonl_record("q2", c.texts[17]);
  c.base = c.dir / "base.jsonl";
  c.queries = c.dir / "queries.jsonl";
  write_file(c.base, base);
  write_file(c.queries, queries);
  return c;
}

bool parse_record(const std::string& line, Record& out) {
  static simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(line).get(obj) != simdjson::SUCCESS) return false;
  out.clear();
  for (auto field : obj) {
    std::string_view sv;
    if (field.value.get_string().get(sv) == simdjson::SUCCESS) {
      out[std::string(field.key)] = std::string(sv);
    } else {
      out[std::string(field.key)] = simdjson::minify(field.value);
    }
  }
  return true;
}

std::vector<Record> parse_jsonl(const std::string& bytes) {
  std::vector<Record> out;
  for (const std::string& line : lines_of(bytes)) {
    Record r;
    EXPECT_TRUE(parse_record(line, r)) << "not a JSON object: " << line.substr(0, 200);
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace neardup::testing
