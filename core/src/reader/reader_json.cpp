#include "reader/reader_json.h"

#include <bitset>
#include <cstring>

namespace neardup::detail {
namespace {

bool is_ws(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

void append_utf8(std::string& s, uint32_t cp) {
  if (cp < 0x80) {
    s.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view s, std::string& error)
      : begin_(s.data()), p_(s.data()), end_(s.data() + s.size()), error_(error) {}

  bool parse_record(std::string_view id_field, std::string_view text_field, JsonRecordOut& out) {
    skip_ws();
    if (p_ == end_ || *p_ != '{') {
      error_ = "not a JSON object";
      return false;
    }
    ++p_;
    skip_ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
    } else {
      for (;;) {
        if (p_ == end_ || *p_ != '"') return fail("expected a string key");
        out.key_scratch->clear();
        if (!parse_string(out.key_scratch)) return false;
        skip_ws();
        if (p_ == end_ || *p_ != ':') return fail("expected ':'");
        ++p_;
        skip_ws();
        if (p_ == end_) return fail("expected a value");
        const std::string_view key = *out.key_scratch;
        if (!out.has_text && key == text_field) {
          out.text->clear();
          if (*p_ == 'n') {  // null is empty text
            if (!parse_literal("null")) return false;
            out.text_null = true;
          } else if (*p_ != '"') {
            error_ = field_not_string_message(text_field);
            return false;
          } else if (!parse_string(out.text)) {
            return false;
          }
          out.has_text = true;
        } else if (!out.has_id && key == id_field) {
          if (*p_ == '"') {
            out.id->clear();
            // An id keeps a lone surrogate (as generalized UTF-8), so "b\ud800", "b\ufffd"
            // and "b\xff" stay three ids; a text turns it into U+FFFD.
            keep_lone_surrogates_ = true;
            const bool parsed = parse_string(out.id);
            keep_lone_surrogates_ = false;
            if (!parsed) return false;
          } else if (*p_ == '-' || is_digit(*p_)) {
            const char* start = p_;
            if (!parse_number()) return false;
            out.id->assign(start, static_cast<std::size_t>(p_ - start));
          } else {
            error_ = id_wrong_type_message(id_field);
            return false;
          }
          out.has_id = true;
        } else if (!skip_value()) {
          return false;
        }
        skip_ws();
        if (p_ < end_ && *p_ == ',') {
          ++p_;
          skip_ws();
          continue;
        }
        if (p_ < end_ && *p_ == '}') {
          ++p_;
          break;
        }
        return fail("expected ',' or '}'");
      }
    }
    skip_ws();
    if (p_ != end_) return fail("trailing content after the JSON object");
    return true;
  }

  bool parse_number() {
    const char* start = p_;
    if (p_ < end_ && *p_ == '-') ++p_;
    if (p_ == end_) return fail_at(start, "invalid number");
    if (*p_ == '0') {
      ++p_;
    } else if (is_digit(*p_)) {
      while (p_ < end_ && is_digit(*p_)) ++p_;
    } else {
      return fail_at(start, "invalid number");
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail_at(start, "invalid number");
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !is_digit(*p_)) return fail_at(start, "invalid number");
      while (p_ < end_ && is_digit(*p_)) ++p_;
    }
    // A number must end at a delimiter, not run into letters ("12abc").
    if (p_ < end_ && !is_ws(*p_) && *p_ != ',' && *p_ != '}' && *p_ != ']') {
      return fail_at(start, "invalid number");
    }
    return true;
  }

 private:
  void skip_ws() noexcept {
    while (p_ < end_ && is_ws(*p_)) ++p_;
  }

  bool fail(const char* what) { return fail_at(p_, what); }
  bool fail_at(const char* where, const char* what) {
    error_ = "malformed JSON: ";
    error_ += what;
    error_ += " at byte ";
    error_ += std::to_string(where - begin_ + 1);
    return false;
  }

  // At an opening quote. Decodes into *dst (nullptr: validate and skip).
  bool parse_string(std::string* dst) {
    const char* open = p_;
    ++p_;
    // `quote` caches the next '"' at or after p_ so that a long string with many escapes is
    // scanned once, not once per escape.
    const char* quote = nullptr;
    for (;;) {
      if (quote == nullptr || quote < p_) {
        quote = static_cast<const char*>(std::memchr(p_, '"', static_cast<std::size_t>(end_ - p_)));
        if (quote == nullptr) return fail_at(open, "unterminated string");
      }
      const char* bs =
          static_cast<const char*>(std::memchr(p_, '\\', static_cast<std::size_t>(quote - p_)));
      if (bs == nullptr) {
        if (dst != nullptr) dst->append(p_, static_cast<std::size_t>(quote - p_));
        p_ = quote + 1;
        return true;
      }
      if (dst != nullptr) dst->append(p_, static_cast<std::size_t>(bs - p_));
      p_ = bs + 1;
      if (p_ == end_) return fail_at(open, "unterminated string");
      const char c = *p_++;
      char simple = 0;
      switch (c) {
        case '"':
          simple = '"';
          break;
        case '\\':
          simple = '\\';
          break;
        case '/':
          simple = '/';
          break;
        case 'b':
          simple = '\b';
          break;
        case 'f':
          simple = '\f';
          break;
        case 'n':
          simple = '\n';
          break;
        case 'r':
          simple = '\r';
          break;
        case 't':
          simple = '\t';
          break;
        case 'u':
          break;
        default:
          return fail_at(bs, "invalid escape");
      }
      if (c != 'u') {
        if (dst != nullptr) dst->push_back(simple);
        continue;
      }
      int32_t cp = read_hex4();
      if (cp < 0) return fail_at(bs, "invalid \\u escape");
      if (cp >= 0xD800 && cp <= 0xDBFF) {
        // A high surrogate must be followed by \u and a low surrogate (RFC 8259 section 7).
        int32_t lo = -1;
        if (end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
          const char* save = p_;
          p_ += 2;
          lo = read_hex4();
          if (lo < 0xDC00 || lo > 0xDFFF) {
            p_ = save;
            lo = -1;
          }
        }
        if (lo >= 0) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (!keep_lone_surrogates_) {
          cp = 0xFFFD;
        }
      } else if (cp >= 0xDC00 && cp <= 0xDFFF && !keep_lone_surrogates_) {
        cp = 0xFFFD;  // a lone low surrogate
      }
      if (dst != nullptr) append_utf8(*dst, static_cast<uint32_t>(cp));
    }
  }

  int32_t read_hex4() {
    if (end_ - p_ < 4) return -1;
    int32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const int h = hex_value(p_[i]);
      if (h < 0) return -1;
      v = v * 16 + h;
    }
    p_ += 4;
    return v;
  }

  bool parse_literal(std::string_view word) {
    if (static_cast<std::size_t>(end_ - p_) < word.size() ||
        std::memcmp(p_, word.data(), word.size()) != 0) {
      return fail("invalid literal");
    }
    p_ += word.size();
    return true;
  }

  bool parse_scalar() {
    switch (*p_) {
      case '"':
        return parse_string(nullptr);
      case 't':
        return parse_literal("true");
      case 'f':
        return parse_literal("false");
      case 'n':
        return parse_literal("null");
      default:
        if (*p_ == '-' || is_digit(*p_)) return parse_number();
        return fail("expected a value");
    }
  }

  // At the first byte of a value. Iterative, so deep nesting cannot overflow the stack.
  bool skip_value() {
    std::bitset<kMaxNestingInField> in_object;
    std::size_t depth = 0;
    for (;;) {
      // Expecting a value.
      skip_ws();
      if (p_ == end_) return fail("expected a value");
      bool closed_empty = false;
      if (*p_ == '{' || *p_ == '[') {
        // Empty or not, this container is at level depth + 1 (as the simdjson path counts).
        if (depth == kMaxNestingInField) return fail("nesting too deep");
        const bool obj = *p_ == '{';
        ++p_;
        skip_ws();
        if (p_ < end_ && *p_ == (obj ? '}' : ']')) {
          ++p_;
          closed_empty = true;
        } else {
          in_object[depth++] = obj;
          if (obj && !parse_key_colon()) return false;
          continue;
        }
      }
      if (!closed_empty && !parse_scalar()) return false;
      // After a value: close containers or move to the next element.
      for (;;) {
        if (depth == 0) return true;
        skip_ws();
        if (p_ == end_) return fail("unterminated object or array");
        const bool obj = in_object[depth - 1];
        if (*p_ == ',') {
          ++p_;
          if (obj && !parse_key_colon()) return false;
          break;
        }
        if (*p_ == (obj ? '}' : ']')) {
          ++p_;
          --depth;
          continue;
        }
        return fail(obj ? "expected ',' or '}'" : "expected ',' or ']'");
      }
    }
  }

  bool parse_key_colon() {
    skip_ws();
    if (p_ == end_ || *p_ != '"') return fail("expected a string key");
    if (!parse_string(nullptr)) return false;
    skip_ws();
    if (p_ == end_ || *p_ != ':') return fail("expected ':'");
    ++p_;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::string& error_;
  bool keep_lone_surrogates_ = false;  // while parsing an id: see parse_record
};

}  // namespace

std::string field_not_string_message(std::string_view text_field) {
  std::string m = "text field \"";
  m += text_field;
  m += "\" is not a string";
  return m;
}

std::string id_wrong_type_message(std::string_view id_field) {
  std::string m = "id field \"";
  m += id_field;
  m += "\" is not a string or a number";
  return m;
}

bool lenient_parse_record(std::string_view line, std::string_view id_field,
                          std::string_view text_field, JsonRecordOut& out) {
  out.has_id = false;
  out.has_text = false;
  out.text_null = false;
  Parser parser(line, out.error);
  return parser.parse_record(id_field, text_field, out);
}

bool is_json_number(std::string_view s) noexcept {
  if (s.empty()) return false;
  std::size_t i = 0;
  if (s[i] == '-') ++i;
  if (i == s.size()) return false;
  if (s[i] == '0') {
    ++i;
  } else if (is_digit(s[i])) {
    while (i < s.size() && is_digit(s[i])) ++i;
  } else {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (i == s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (i == s.size() || !is_digit(s[i])) return false;
    while (i < s.size() && is_digit(s[i])) ++i;
  }
  return i == s.size();
}

}  // namespace neardup::detail
