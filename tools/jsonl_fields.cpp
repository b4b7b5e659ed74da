#include "jsonl_fields.h"

#include <simdjson.h>

#include <cstring>

#include "neardup/advanced/reader.h"

namespace neardup::cli {
namespace {

std::optional<std::string> field_text(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING:
      return std::string(std::string_view(e));
    case simdjson::dom::element_type::INT64:
      return std::to_string(int64_t(e));
    case simdjson::dom::element_type::UINT64:
      return std::to_string(uint64_t(e));
    case simdjson::dom::element_type::DOUBLE:
      return simdjson::minify(e);
    case simdjson::dom::element_type::BOOL:
      return bool(e) ? "true" : "false";
    case simdjson::dom::element_type::NULL_VALUE:
      return std::nullopt;
    default:
      return simdjson::minify(e);
  }
}

}  // namespace

Status for_each_jsonl_record(const std::string& path, const std::vector<std::string>& fields,
                             const std::function<Status(uint64_t, FieldValues)>& fn) {
  Result<std::unique_ptr<ByteSource>> src = ByteSource::open(path);
  if (!src.ok()) return src.status();
  simdjson::dom::parser parser;
  std::vector<std::optional<std::string>> values(fields.size());
  std::string pending;
  std::vector<char> chunk(1 << 20);
  uint64_t line_no = 0;
  bool eof = false;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = pending.find('\n', start);
    if (nl == std::string::npos && !eof) {
      pending.erase(0, start);
      start = 0;
      Result<std::size_t> got = (*src)->read(chunk.data(), chunk.size());
      if (!got.ok()) return got.status().with_context(path);
      if (*got == 0) {
        eof = true;
      } else {
        pending.append(chunk.data(), *got);
      }
      continue;
    }
    if (nl == std::string::npos && start >= pending.size()) break;
    const std::size_t end = nl == std::string::npos ? pending.size() : nl;
    std::string_view line(pending.data() + start, end - start);
    start = nl == std::string::npos ? pending.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    simdjson::dom::element doc;
    if (auto err = parser.parse(line.data(), line.size()).get(doc); err) {
      return Status::parse_error(path + ":" + std::to_string(line_no) +
                                 ": malformed JSON: " + simdjson::error_message(err));
    }
    if (!doc.is_object()) {
      return Status::parse_error(path + ":" + std::to_string(line_no) +
                                 ": record is not a JSON object");
    }
    for (std::size_t i = 0; i < fields.size(); ++i) {
      if (fields[i] == kWholeRecord) {
        values[i] = std::string(line);
        continue;
      }
      simdjson::dom::element v;
      values[i] = doc[fields[i]].get(v) ? std::nullopt : field_text(v);
    }
    NEARDUP_RETURN_IF_ERROR(fn(line_no, values));
  }
  return Status();
}

struct JsonFieldExtractor::Impl {
  simdjson::dom::parser parser;
};

JsonFieldExtractor::JsonFieldExtractor() : impl_(std::make_unique<Impl>()) {}
JsonFieldExtractor::~JsonFieldExtractor() = default;
JsonFieldExtractor::JsonFieldExtractor(JsonFieldExtractor&&) noexcept = default;
JsonFieldExtractor& JsonFieldExtractor::operator=(JsonFieldExtractor&&) noexcept = default;

std::optional<std::string> JsonFieldExtractor::get(std::string_view record,
                                                   const std::string& field) {
  simdjson::dom::element doc, value;
  if (impl_->parser.parse(record.data(), record.size()).get(doc)) return std::nullopt;
  if (!doc.is_object() || doc[field].get(value)) return std::nullopt;
  return field_text(value);
}

}  // namespace neardup::cli
