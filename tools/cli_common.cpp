#include "cli_common.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "unsigned_options.h"

namespace neardup::cli {

void print_error(std::string_view command, std::string_view message) {
  std::string line = "neardup: ";
  if (!command.empty()) {
    line += command;
    line += ": ";
  }
  line += message;
  // One line, always: fold any newline inside a message.
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

int parse_command_line(std::string_view command, const std::vector<std::string>& args,
                       const po::options_description& desc, const std::string& usage_line,
                       std::vector<std::string>* positional, po::variables_map& vm) {
  po::options_description all;
  all.add(desc);
  std::vector<std::string> pos_storage;
  po::positional_options_description pos;
  if (positional != nullptr) {
    all.add_options()("input", po::value(&pos_storage), "input files");
    pos.add("input", -1);
  }
  bool help = false;
  all.add_options()("help,h", po::bool_switch(&help), "show this help and exit");
  try {
    // No guessing of abbreviated flags: `index build --keep contained` must be an unknown flag,
    // not `--keep-<something>` followed by an input file named "contained".
    const po::parsed_options parsed =
        po::command_line_parser(args)
            .options(all)
            .positional(pos)
            .style(po::command_line_style::default_style & ~po::command_line_style::allow_guessing)
            .run();
    reject_negative_unsigned(parsed);  // `--num-perm -5` would be read as 2^32 - 5
    po::store(parsed, vm);
    po::notify(vm);
  } catch (const po::error& e) {
    print_error(command,
                std::string(e.what()) + " (see 'neardup " + std::string(command) + " --help')");
    return kExitUsage;
  }
  if (help) {
    std::cout << "usage: " << usage_line << "\n\n"
              << desc << "  -h [ --help ]         "
              << "show this help and exit\n\n"
              << "exit codes: 0 success, 1 runtime failure (I/O, corrupt or malformed input),\n"
              << "            2 usage error (unknown flag, bad value)\n";
    return kHelpShown;
  }
  if (positional != nullptr) *positional = pos_storage;
  return kExitOk;
}

Output::~Output() { discard(); }

namespace {

// Whether writing `output` would replace one of `inputs` or a file inside an input directory.
std::optional<std::string> output_conflict(const std::string& output,
                                           const std::vector<std::string>& inputs) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path out = fs::weakly_canonical(fs::absolute(output, ec), ec);
  if (ec) return std::nullopt;
  const fs::file_status out_status = fs::status(out, ec);
  for (const std::string& input : inputs) {
    if (input == "-" || input.empty()) continue;
    std::error_code ec2;
    const fs::path in = fs::weakly_canonical(fs::absolute(input, ec2), ec2);
    if (ec2) continue;
    if (fs::exists(out_status) && fs::equivalent(out, in, ec2) && !ec2) return input;
    if (fs::is_directory(in, ec2)) {
      const auto [in_end, out_it] = std::mismatch(in.begin(), in.end(), out.begin(), out.end());
      if (in_end == in.end() && out_it != out.end()) return input;
    }
  }
  return std::nullopt;
}

}  // namespace

Status Output::open(const std::string& path, const std::vector<std::string>& inputs) {
  path_ = path.empty() ? "-" : path;
  if (path_ == "-") {
    file_ = stdout;
    owned_ = false;
  } else {
    if (std::optional<std::string> input = output_conflict(path_, inputs)) {
      return Status::invalid_argument(
          "the output " + path_ +
          (*input == path_ ? " is also an input" : " lies inside the input " + *input) +
          ": write it elsewhere");
    }
    const std::filesystem::path target(path_);
    const std::filesystem::path dir = target.has_parent_path() ? target.parent_path() : ".";
    std::string templ = (dir / ("." + target.filename().string() + ".neardup-XXXXXX")).string();
    const int fd = ::mkstemp(templ.data());
    if (fd < 0) {
      return Status::io_error("cannot open " + path_ + " for writing: " + std::strerror(errno));
    }
    // mkstemp makes the file 0600; the output gets the permissions a plain create would give.
    const mode_t mask = ::umask(0);
    ::umask(mask);
    (void)::fchmod(fd, 0666 & ~mask);
    file_ = ::fdopen(fd, "wb");
    if (file_ == nullptr) {
      const int err = errno;
      ::close(fd);
      std::remove(templ.c_str());
      return Status::io_error("cannot open " + path_ + " for writing: " + std::strerror(err));
    }
    tmp_path_ = std::move(templ);
    owned_ = true;
  }
  buffer_.reserve(1 << 20);
  return Status();
}

void Output::write(std::string_view s) {
  buffer_.append(s);
  if (buffer_.size() >= (1u << 20)) drain();
}

void Output::drain() {
  if (!buffer_.empty()) (void)std::fwrite(buffer_.data(), 1, buffer_.size(), file_);
  buffer_.clear();
}

void Output::flush() {
  if (file_ == nullptr) return;
  drain();
  (void)std::fflush(file_);
}

Status Output::close() {
  if (file_ == nullptr) return Status();
  drain();
  bool failed = std::fflush(file_) != 0 || std::ferror(file_) != 0;
  int err = errno;
  if (owned_ && std::fclose(file_) != 0 && !failed) {
    failed = true;
    err = errno;
  }
  file_ = nullptr;
  if (failed) {
    if (!tmp_path_.empty()) std::remove(tmp_path_.c_str());
    tmp_path_.clear();
    return Status::io_error("cannot write " + path_ + ": " + std::strerror(err));
  }
  if (!tmp_path_.empty()) {
    const bool renamed = std::rename(tmp_path_.c_str(), path_.c_str()) == 0;
    err = errno;
    if (!renamed) std::remove(tmp_path_.c_str());
    tmp_path_.clear();
    if (!renamed) return Status::io_error("cannot replace " + path_ + ": " + std::strerror(err));
  }
  return Status();
}

void Output::discard() {
  if (file_ == nullptr) return;
  if (tmp_path_.empty()) {
    (void)close();  // standard output: what was written has been handed on already
    return;
  }
  buffer_.clear();
  std::fclose(file_);
  file_ = nullptr;
  std::remove(tmp_path_.c_str());
  tmp_path_.clear();
}

namespace {
// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  std::size_t len;
  uint32_t min;
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  uint32_t cp = b0 & (0x7F >> len);
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}
}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(s, i);
      if (len == 0 && c == 0xED && i + 2 < s.size() &&
          (static_cast<unsigned char>(s[i + 1]) & 0xE0) == 0xA0 &&
          (static_cast<unsigned char>(s[i + 2]) & 0xC0) == 0x80) {
        // A lone surrogate (generalized UTF-8, as the reader keeps "\ud800" in an id): its
        // JSON escape, as it was written.
        const unsigned cp = 0xD000u | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                            (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
        out.append("\\u");
        for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(cp >> shift) & 15]);
        i += 3;
      } else if (len == 0) {
        // A byte that is not UTF-8: \udcXX (PEP 383's "surrogateescape"), so that distinct ids
        // stay distinct and the bytes can be had back (Python: json.loads(line)["id"].encode(
        // "utf-8", "surrogateescape")).
        out.append("\\udc");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
        ++i;
      } else {
        out.append(s.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          out.append("\\u00");
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

Progress::Progress(std::string command, bool enabled)
    : command_(std::move(command)),
      enabled_(enabled),
      tty_(isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

double Progress::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string format_rate_summary(uint64_t docs, uint64_t bytes, double seconds) {
  char buf[256];
  const double mb = static_cast<double>(bytes) / 1e6;
  const double s = seconds > 1e-9 ? seconds : 1e-9;
  std::snprintf(buf, sizeof buf, "%llu docs, %.1f MB in %.2f s (%.1f MB/s, %.0f docs/s)",
                static_cast<unsigned long long>(docs), mb, seconds, mb / s,
                static_cast<double>(docs) / s);
  return buf;
}

void Progress::update(uint64_t docs, uint64_t bytes, double done_fraction) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - start_ < std::chrono::seconds(2) || now - last_ < std::chrono::seconds(1)) return;
  last_ = now;
  const double secs = elapsed_seconds();
  std::string line = "neardup: " + command_ + ": " + format_rate_summary(docs, bytes, secs);
  if (done_fraction > 0 && done_fraction <= 1) {
    char buf[64];
    std::snprintf(buf, sizeof buf, ", %.0f%% ETA %.0fs", done_fraction * 100,
                  secs * (1 - done_fraction) / done_fraction);
    line += buf;
  }
  if (tty_) {
    line = "\r" + line + "\x1b[K";
  } else {
    line += '\n';
  }
  std::fwrite(line.data(), 1, line.size(), stderr);
  printed_ = true;
}

void Progress::finish() {
  if (enabled_ && printed_ && tty_) std::fputc('\n', stderr);
  printed_ = false;
}

}  // namespace neardup::cli

namespace neardup::cli {

SpooledStdin::~SpooledStdin() {
  if (!path_.empty()) std::remove(path_.c_str());
}

Status SpooledStdin::spool(const std::string& tmp_dir) {
  std::error_code ec;
  std::filesystem::path dir =
      tmp_dir.empty() ? std::filesystem::temp_directory_path(ec) : std::filesystem::path(tmp_dir);
  if (ec) dir = "/tmp";
  std::string templ = (dir / "neardup-stdin-XXXXXX").string();
  const int fd = ::mkstemp(templ.data());
  if (fd < 0)
    return Status::io_error("cannot create a temporary file: " + std::string(std::strerror(errno)));
  path_ = templ;
  std::FILE* f = ::fdopen(fd, "wb");
  if (f == nullptr) {
    ::close(fd);
    return Status::io_error("cannot write " + path_);
  }
  std::vector<char> buf(1 << 20);
  std::size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), stdin)) > 0) {
    if (std::fwrite(buf.data(), 1, n, f) != n) {
      std::fclose(f);
      return Status::io_error("cannot write " + path_ + ": " + std::strerror(errno));
    }
  }
  const bool read_failed = std::ferror(stdin) != 0;
  if (std::fclose(f) != 0 || read_failed) return Status::io_error("cannot spool standard input");
  return Status();
}

}  // namespace neardup::cli
