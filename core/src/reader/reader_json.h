// A small forgiving JSON reader for one JSONL record, used when simdjson cannot take the line:
// the line holds bytes that are not UTF-8, raw control characters inside strings, or lone
// \u surrogates (all of which simdjson rejects), or the line is too large for simdjson's
// ~6 bytes of index per input byte to be worth it.
//
// It checks the JSON grammar (RFC 8259) of the whole record except for those three leniencies:
// invalid UTF-8 bytes are passed through unchanged (the Normalizer repairs them later), raw
// control characters are kept, and a lone surrogate escape decodes to U+FFFD. It extracts the
// first occurrence of two top-level fields. Scalar code, no allocation beyond the outputs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace neardup::detail {

// Arrays/objects nested inside one field value, at most. simdjson's On-Demand parser has a
// max depth of 1024 (DEFAULT_MAX_DEPTH) counting the root object, and asserts in unoptimized
// builds when a container is entered at that depth; 1022 keeps a margin of one.
inline constexpr std::size_t kMaxNestingInField = 1022;

struct JsonRecordOut {
  std::string* id = nullptr;    // set when the id field is a string (decoded) or number (token)
  std::string* text = nullptr;  // set when the text field is a string (decoded)
  std::string* key_scratch = nullptr;
  bool has_id = false;
  bool has_text = false;
  bool text_null = false;  // the text field is null (text is then empty)
  // On failure: what went wrong, e.g. "malformed JSON: expected ':' at byte 17".
  std::string error;
};

// Parses `line` as one JSON object. Returns false (with out.error set) when the line is not a
// well-formed JSON object or the text/id fields have the wrong type (a null text is not: it
// reads as empty, with text_null set). A missing field is not a failure here: the caller checks
// has_text / has_id.
bool lenient_parse_record(std::string_view line, std::string_view id_field,
                          std::string_view text_field, JsonRecordOut& out);

// The messages both JSON paths use for a field of the wrong type.
std::string field_not_string_message(std::string_view text_field);
std::string id_wrong_type_message(std::string_view id_field);

// True if `s` is exactly one JSON number (RFC 8259 section 6): -?(0|[1-9][0-9]*)(.[0-9]+)?
// ([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) noexcept;

}  // namespace neardup::detail
