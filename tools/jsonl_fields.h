// Reads chosen fields of JSON Lines records (for eval and other tools that need fields other
// than id/text). Numbers and booleans come back as their JSON text, strings decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "neardup/status.h"

namespace neardup::cli {

using FieldValues = std::span<const std::optional<std::string>>;

// Calls `fn(line, values)` for every non-blank line of `path` (".gz"/".zst" decompressed, "-" is
// stdin); values[i] is field i's value, or nullopt when the record lacks it. A line that is not
// a JSON object is a parse error naming file and line. `fn` may stop the walk with an error.
Status for_each_jsonl_record(const std::string& path, const std::vector<std::string>& fields,
                             const std::function<Status(uint64_t, FieldValues)>& fn);

}  // namespace neardup::cli
