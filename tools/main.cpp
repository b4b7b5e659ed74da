// neardup: duplicate, near-duplicate and same-story detection for text.
//
//   neardup <command> [options] [FILE|DIR|-]...
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli_common.h"
#include "commands.h"
#include "mpi_cluster.h"

namespace {

struct Command {
  std::string_view name;
  int (*run)(const std::vector<std::string>&);
  std::string_view summary;
};

constexpr Command kCommands[] = {
    {"cluster", neardup::cli::cmd_cluster,
     "group exact or near duplicates; one JSON line per input document"},
    {"dedup", neardup::cli::cmd_dedup,
     "write the input records minus duplicates (one kept per cluster), unchanged"},
    {"eval", neardup::cli::cmd_eval,
     "score a clustering against gold labels (pairwise, B-cubed, ARI, NMI) or pair scores"},
    {"index", neardup::cli::cmd_index,
     "build, extend or query a persistent near-duplicate index file (build|add|query)"},
    {"pairs", neardup::cli::cmd_pairs,
     "score pairs of texts with the story similarity (for eval --pairs)"},
    {"idf", neardup::cli::cmd_idf,
     "build an IDF model (document frequencies) for story clustering of streams"},
    {"sketch", neardup::cli::cmd_sketch,
     "stage 1 of a staged cluster/dedup run: sketch one shard of the input to a file"},
    {"link", neardup::cli::cmd_link,
     "stage 2: cluster the sketches of every shard; writes the records of cluster"},
    {"apply", neardup::cli::cmd_apply,
     "stage 3: the dedup output of one shard, from link's cluster records"},
};

void print_usage(std::ostream& os) {
  os << "usage: neardup <command> [options] [FILE|DIR|-]...\n"
        "       neardup <command> --help\n"
        "       neardup --version\n\n"
        "Finds duplicate and near-duplicate text. Inputs: JSON Lines (id/text fields), TSV\n"
        "(id<TAB>text), one document per line, or a directory (one document per file);\n"
        ".gz and .zst are decompressed; - reads stdin.\n\ncommands:\n";
  for (const Command& c : kCommands) {
    os << "  " << c.name << std::string(10 - c.name.size(), ' ') << c.summary << "\n";
  }
  os << "\nexit codes: 0 success, 1 runtime failure (I/O, corrupt or malformed input),\n"
        "            2 usage error (unknown command or flag, bad value)\n";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    print_usage(std::cerr);
    return neardup::cli::kExitUsage;
  }
  const std::string_view first = argv[1];
  if (first == "--help" || first == "-h" || first == "help") {
    print_usage(std::cout);
    return neardup::cli::kExitOk;
  }
  if (first == "--version" || first == "-V") {
    std::cout << "neardup " << NEARDUP_VERSION_STRING << "\n";
    return neardup::cli::kExitOk;
  }
  for (const Command& c : kCommands) {
    if (c.name == first) {
      std::vector<std::string> args(argv + 2, argv + argc);
      // Under mpirun with several ranks only `cluster` cooperates; any other command would run
      // once per rank and write its output several times over.
      if (neardup::cli::mpi_launched() && c.name != "cluster") {
        neardup::cli::print_error(c.name,
                                  "only `neardup cluster` runs across MPI ranks (for dedup, "
                                  "use the stages: sketch, link, apply)");
        return neardup::cli::kExitUsage;
      }
      struct MpiSession {
        MpiSession(int* ac, char*** av) { neardup::cli::mpi_start(ac, av); }
        ~MpiSession() { neardup::cli::mpi_stop(); }
      } mpi(&argc, &argv);
      try {
        return c.run(args);
      } catch (const std::bad_alloc&) {
        neardup::cli::print_error(c.name, "out of memory");
      } catch (const std::exception& e) {
        neardup::cli::print_error(c.name, std::string("unexpected error: ") + e.what());
      }
      return neardup::cli::kExitFailure;
    }
  }
  neardup::cli::print_error("",
                            "unknown command '" + std::string(first) + "' (see 'neardup --help')");
  return neardup::cli::kExitUsage;
}
