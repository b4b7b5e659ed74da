// neardup cluster: group documents and write one JSON line per input document, in input order:
//   {"id": "...", "cluster": "<id of the cluster's first document>"}
// plus "duplicate_of" (the cluster's representative) and "similarity" for every document that is
// not its cluster's representative.
#include <string>
#include <vector>

#include "cli_common.h"
#include "cluster_common.h"
#include "commands.h"

namespace neardup::cli {
namespace {

constexpr std::string_view kCommand = "cluster";

}  // namespace

int cmd_cluster(const std::vector<std::string>& args) {
  ClusterOptions opt;
  po::options_description desc("options");
  add_cluster_options(desc, opt);
  po::variables_map vm;
  const int rc = parse_command_line(
      kCommand, args, desc,
      "neardup cluster [--mode exact|near|story|simhash] [options] FILE|DIR|- ...",
      &opt.input.inputs, vm);
  if (rc == kHelpShown) return kExitOk;
  if (rc != kExitOk) return rc;
  std::optional<NearDupOptions> near;
  if (Status st = resolve_cluster_options(opt, near); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitUsage;
  }

  Output out;
  if (Status st = out.open(opt.output); !st.ok()) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  std::string line;
  int result;
  if (opt.mode == "story") {
    Result<StoryConfig> config = story_config(opt);
    const StoryEmit emit = [&](const std::string& id, const std::string& cluster, bool founder,
                               float similarity) {
      append_record(line, id, cluster, founder ? nullptr : &cluster, similarity);
      out.write(line);
    };
    // --stream flushes after each batch: records of a live feed go out as they are made.
    result =
        config.ok() ? run_story(kCommand, opt, *config, emit, [&] { out.flush(); }) : kExitUsage;
  } else if (!near && opt.mode != "simhash") {
    result = run_exact(kCommand, opt, [&](const Document& doc, const std::string* first) {
      append_record(line, doc.id, first != nullptr ? *first : doc.id, first, 1.0);
      out.write(line);
    });
  } else {
    NearRun run;
    result = near ? run_near(kCommand, opt, *near, run) : run_simhash(kCommand, opt, run);
    if (result == kExitOk) {
      for (std::size_t i = 0; i < run.assignment.size(); ++i) {
        const NearDupAssignment& a = run.assignment[i];
        const bool represents = a.representative == i;
        append_record(line, run.ids[i], run.ids[a.cluster],
                      represents ? nullptr : &run.ids[a.representative], a.similarity);
        out.write(line);
      }
    }
  }
  // Close (flush) whatever was written, also after a failure: it is what was produced so far.
  if (Status st = out.close(); !st.ok() && result == kExitOk) {
    print_error(kCommand, st.message());
    return kExitFailure;
  }
  return result;
}

}  // namespace neardup::cli
