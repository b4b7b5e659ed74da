// Representative selection and field priorities, shared by every mode (see cluster.h).
#include <cstdlib>
#include <limits>
#include <map>

#include "neardup/advanced/cluster.h"

namespace neardup {

void assign_representatives(std::span<Assignment> out, std::span<const double> priority) {
  const std::size_t n = out.size();
  for (std::size_t i = 0; i < n; ++i) out[i].representative = out[i].cluster;
  if (priority.size() != n) return;
  // Clusters are numbered by their first member, which comes before the others, so one pass in
  // document order sees each cluster's current best before any later member.
  for (std::size_t i = 0; i < n; ++i) {
    uint32_t& rep = out[out[i].cluster].representative;
    if (priority[i] > priority[rep]) rep = static_cast<uint32_t>(i);
  }
  for (std::size_t i = 0; i < n; ++i) {
    out[i].representative = out[out[i].cluster].representative;
  }
}

std::vector<double> field_priority(std::span<const std::optional<std::string>> values) {
  std::vector<double> priority(values.size(), -std::numeric_limits<double>::infinity());
  bool numeric = true;
  for (const auto& v : values) {
    if (!v) continue;
    char* end = nullptr;
    (void)std::strtod(v->c_str(), &end);
    if (v->empty() || *end != '\0') {
      numeric = false;
      break;
    }
  }
  if (numeric) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i]) priority[i] = std::strtod(values[i]->c_str(), nullptr);
    }
    return priority;
  }
  std::map<std::string, double> rank;
  for (const auto& v : values) {
    if (v) rank.emplace(*v, 0.0);
  }
  double r = 0;
  for (auto& [text, value] : rank) value = r++;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (values[i]) priority[i] = rank[*values[i]];
  }
  return priority;
}

}  // namespace neardup
