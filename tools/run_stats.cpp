#include "run_stats.h"

#include <sys/resource.h>

#include <cmath>
#include <cstdio>

#include "cli_common.h"

namespace neardup::cli {

RunStats& RunStats::get() {
  static RunStats stats;
  return stats;
}

void RunStats::put(std::string_view key, std::string json_value) {
  for (auto& [k, v] : fields_) {
    if (k == key) {
      v = std::move(json_value);
      return;
    }
  }
  fields_.emplace_back(std::string(key), std::move(json_value));
}

void RunStats::set(std::string_view key, uint64_t value) { put(key, std::to_string(value)); }

void RunStats::set(std::string_view key, double value) {
  if (!std::isfinite(value)) {
    put(key, "null");
    return;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", value);
  put(key, buf);
}

void RunStats::set(std::string_view key, std::string_view value) {
  std::string v;
  append_json_string(v, value);
  put(key, std::move(v));
}

std::optional<uint64_t> RunStats::count(std::string_view key) const {
  for (const auto& [k, v] : fields_) {
    if (k != key) continue;
    if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos) {
      return std::nullopt;
    }
    return std::stoull(v);
  }
  return std::nullopt;
}

uint64_t RunStats::peak_rss_bytes() {
  struct rusage ru {};
  if (::getrusage(RUSAGE_SELF, &ru) != 0) return 0;
  return static_cast<uint64_t>(ru.ru_maxrss) * 1024;
}

std::string RunStats::json() const {
  std::string out = "{";
  for (const auto& [k, v] : fields_) {
    if (out.size() > 1) out += ',';
    append_json_string(out, k);
    out += ':';
    out += v;
  }
  if (const uint64_t rss = peak_rss_bytes(); rss > 0) {
    if (out.size() > 1) out += ',';
    out += "\"peak_rss_bytes\":" + std::to_string(rss);
  }
  out += "}\n";
  return out;
}

Status RunStats::write(const std::string& path, const std::vector<std::string>& inputs) const {
  Output out;
  NEARDUP_RETURN_IF_ERROR(out.open(path, inputs));
  out.write(json());
  return out.close();
}

}  // namespace neardup::cli
