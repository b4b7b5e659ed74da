// The CLI test helpers of cli_util.h.
#include "cli/cli_util.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/wait.h>

#include <cstdlib>
#include <random>
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
