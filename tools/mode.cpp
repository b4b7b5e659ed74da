#include "mode.h"

#include "cluster_common.h"

namespace neardup::cli {

// Each mode's handler, defined in tools/modes/<name>.cpp.
#define NEARDUP_CLI_MODE_MAKE(e, name, commands, help) \
  std::unique_ptr<ModeHandler> make_##name##_mode();
NEARDUP_CLI_MODES(NEARDUP_CLI_MODE_MAKE)
#undef NEARDUP_CLI_MODE_MAKE

namespace {

// The mode table (NEARDUP_CLI_MODES in mode.h).
constexpr ModeInfo kModes[] = {
#define NEARDUP_CLI_MODE_ROW(e, name, commands, help) \
  {Mode::e, #name, help, commands, make_##name##_mode},
    NEARDUP_CLI_MODES(NEARDUP_CLI_MODE_ROW)
#undef NEARDUP_CLI_MODE_ROW
};

}  // namespace

std::span<const ModeInfo> mode_table() { return kModes; }

const ModeInfo& mode_info(Mode mode) {
  for (const ModeInfo& m : kModes) {
    if (m.mode == mode) return m;
  }
  return kModes[0];  // unreachable: every enumerator has a row
}

void RecordSink::clustering(NearRun& run) {
  for (std::size_t i = 0; i < run.assignment.size(); ++i) {
    const NearDupAssignment& a = run.assignment[i];
    const bool represents = a.representative == i;
    record(nullptr, run.ids[i], run.ids[a.cluster],
           represents ? nullptr : &run.ids[a.representative], a.similarity);
  }
}

ModeChoice::ModeChoice(unsigned command) {
  for (const ModeInfo& m : kModes) {
    if ((m.commands & command) == 0) continue;
    accepted_.push_back(&m);
    handlers_.push_back(m.make());
  }
}

void ModeChoice::add_mode_option(po::options_description& desc, std::string& mode,
                                 std::string_view default_mode) {
  std::string help;
  for (const ModeInfo* m : accepted_) {
    if (!help.empty()) help += "; ";
    help += std::string(m->name) + ": " + std::string(m->help);
  }
  desc.add_options()("mode", po::value(&mode)->default_value(std::string(default_mode)),
                     help.c_str());
}

unsigned ModeChoice::groups() const {
  unsigned g = 0;
  for (const auto& h : handlers_) g |= h->groups();
  return g;
}

void ModeChoice::add_group(po::options_description& desc,
                           const std::function<void(po::options_description&)>& add) {
  const std::size_t before = desc.options().size();
  add(desc);
  for (std::size_t i = before; i < desc.options().size(); ++i) {
    dependent_.push_back(desc.options()[i]->long_name());
  }
}

void ModeChoice::add_mode_dependent(std::string_view option) { dependent_.emplace_back(option); }

void ModeChoice::add_mode_flags(po::options_description& desc) {
  for (const auto& h : handlers_) {
    add_group(desc, [&h](po::options_description& d) { h->add_options(d); });
  }
}

std::string ModeChoice::names(std::string_view separator) const {
  std::string out;
  for (const ModeInfo* m : accepted_) {
    if (!out.empty()) out += separator;
    out += m->name;
  }
  return out;
}

Result<ModeHandler*> ModeChoice::choose(const std::string& name, const po::variables_map& vm) {
  const std::string available = names(", ");
  ModeHandler* handler = nullptr;
  for (std::size_t i = 0; i < accepted_.size(); ++i) {
    if (accepted_[i]->name == name) {
      handler = handlers_[i].get();
      chosen_ = accepted_[i]->mode;
    }
  }
  if (handler == nullptr) {
    for (const ModeInfo& m : kModes) {
      if (m.name == name) {
        return Status::invalid_argument("--mode " + name +
                                        " is not available here (available: " + available + ")");
      }
    }
    return Status::invalid_argument("unknown --mode '" + name + "' (available: " + available + ")");
  }
  for (const std::string& option : dependent_) {
    const auto it = vm.find(option);
    if (it == vm.end() || it->second.defaulted()) continue;
    if (!handler->uses(option, vm)) {
      return Status::invalid_argument("--" + option + " does not apply to --mode " + name);
    }
  }
  return handler;
}

}  // namespace neardup::cli
