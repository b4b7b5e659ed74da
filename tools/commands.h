// The neardup subcommands; each takes the arguments after its name and returns the exit code.
#pragma once

#include <string>
#include <vector>

namespace neardup::cli {

int cmd_cluster(const std::vector<std::string>& args);
int cmd_eval(const std::vector<std::string>& args);
int cmd_index(const std::vector<std::string>& args);
int cmd_dedup(const std::vector<std::string>& args);
int cmd_pairs(const std::vector<std::string>& args);
int cmd_idf(const std::vector<std::string>& args);
int cmd_sketch(const std::vector<std::string>& args);
int cmd_link(const std::vector<std::string>& args);
int cmd_apply(const std::vector<std::string>& args);

}  // namespace neardup::cli
