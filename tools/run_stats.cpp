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

std::string RunStats::json() const {
  std::string out = "{";
  for (const auto& [k, v] : fields_) {
    if (out.size() > 1) out += ',';
    append_json_string(out, k);
    out += ':';
    out += v;
  }
  struct rusage ru {};
  if (::getrusage(RUSAGE_SELF, &ru) == 0) {
    if (out.size() > 1) out += ',';
    out += "\"peak_rss_bytes\":" + std::to_string(static_cast<uint64_t>(ru.ru_maxrss) * 1024);
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
