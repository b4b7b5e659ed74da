// Reads chosen fields of JSON Lines records (for eval and other tools that need fields other
// than id/text). Numbers and booleans come back as their JSON text, strings decoded.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup::cli {

using FieldValues = std::span<const std::optional<std::string>>;

// A field name that stands for the whole record: its value is the raw JSONL line.
inline const std::string kWholeRecord = "\x01record";

// Calls `fn(line, values)` for every non-blank line of `path` (".gz"/".zst" decompressed, "-" is
// stdin); values[i] is field i's value, or nullopt when the record lacks it. A line that is not
// a JSON object is a parse error naming file and line. `fn` may stop the walk with an error.
Status for_each_jsonl_record(const std::string& path, const std::vector<std::string>& fields,
                             const std::function<Status(uint64_t, FieldValues)>& fn);

// Reads one field of single JSON records (e.g. a document's raw JSONL line). One per thread.
class JsonFieldExtractor {
 public:
  JsonFieldExtractor();
  ~JsonFieldExtractor();
  JsonFieldExtractor(JsonFieldExtractor&&) noexcept;
  JsonFieldExtractor& operator=(JsonFieldExtractor&&) noexcept;
  // The value of `field` in the JSON object `record` (numbers and booleans as their JSON text,
  // strings decoded), or nullopt when the record is not an object or lacks the field.
  std::optional<std::string> get(std::string_view record, const std::string& field);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace neardup::cli
