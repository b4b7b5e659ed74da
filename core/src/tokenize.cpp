#include "neardup/tokenize.h"

#include <array>
#include <bit>
#include <cstring>
#include <string_view>
#include <vector>

#include "detail/unicode_tables.h"
#include "detail/utf8.h"

namespace neardup {
namespace {

using detail::decode_utf8;
using detail::Decoded;

enum AsciiClass : uint8_t { kOther = 0, kLetter = 1, kDigit = 2 };

constexpr std::array<uint8_t, 256> make_class_table() {
  std::array<uint8_t, 256> t{};
  for (unsigned c = 0; c < 128; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) t[c] = kLetter;
    if (c >= '0' && c <= '9') t[c] = kDigit;
  }
  return t;  // bytes >= 0x80 are kOther: the caller decodes them
}
constexpr std::array<uint8_t, 256> kClass = make_class_table();

inline bool is_digit(unsigned char c) { return kClass[c] == kDigit; }

// For eight bytes loaded little-endian, the high bit of each byte that is NOT an ASCII letter or
// digit. Bytes are reduced to 7 bits first so that adding a constant below 0x80 never carries
// into the next byte: each high bit is then an exact per-byte range test. Bytes >= 0x80 count as
// non-word here (the caller decodes them).
inline uint64_t non_word_bytes(uint64_t x) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  const uint64_t x7 = x & ~kHigh;
  const uint64_t folded = x7 | (kOnes * 0x20);  // 'A'-'Z' -> 'a'-'z'
  const uint64_t letter = (folded + kOnes * (0x80 - 'a')) & ~(folded + kOnes * (0x7F - 'z'));
  const uint64_t digit = (x7 + kOnes * (0x80 - '0')) & ~(x7 + kOnes * (0x7F - '9'));
  const uint64_t word = (letter | digit) & ~x & kHigh;
  const uint64_t stop = ~word & kHigh;
  if constexpr (std::endian::native == std::endian::little) {
    return stop;
  } else {
    return __builtin_bswap64(stop);
  }
}

// Right single quotation mark: an apostrophe in text normalized without unify_punctuation.
constexpr char32_t kRightSingleQuote = 0x2019;

// Writes tokens straight into the TokenBuffer arena, which the caller sized to the input length:
// a token is never longer than the text it came from (apostrophes and thousands separators are
// only dropped, a decimal ',' becomes '.').
class TokenScanner {
 public:
  TokenScanner(const TokenizeOptions& o, char* arena, std::vector<uint32_t>& ends)
      : opts_(o), base_(arena), w_(arena), ends_(ends) {}

  std::size_t used() const { return static_cast<std::size_t>(w_ - base_); }

  void run(const unsigned char* p, const unsigned char* const end) {
    while (p < end) {
      const unsigned char b = *p;
      const uint8_t cls = kClass[b];
      if (cls == kLetter) {
        // The common case inline: an ASCII word ending at an ASCII separator.
        const unsigned char* const start = p;
        p = copy_alnum(p, end);
        if (p < end && (*p == '\'' || *p >= 0x80)) p = word(start, p, end);
        finish_token();
        continue;
      }
      if (cls == kDigit) {
        const unsigned char* const start = p;
        if (opts_.canonical_numbers) p = number(p, end);
        p = word(start, p, end);
        finish_token();
        continue;
      }
      if (b < 0x80) {
        ++p;
        continue;
      }
      const Decoded d = decode_utf8(p, end);
      const utf8proc_category_t g = detail::category(d.cp);
      if (!d.valid || !detail::is_word_category(g)) {
        p += d.len;
        continue;
      }
      if (opts_.split_unspaced_scripts && detail::is_unspaced_script(d.cp)) {
        p = unspaced_char(p, d.len, end);
      } else {
        p = word(p, p, end);
      }
      finish_token();
    }
  }

 private:
  void append(const unsigned char* b, const unsigned char* e) {
    const auto n = static_cast<std::size_t>(e - b);
    std::memcpy(w_, b, n);
    w_ += n;
  }
  void append_byte(char c) { *w_++ = c; }
  void finish_token() { ends_.push_back(static_cast<uint32_t>(w_ - base_)); }

  // One character of an unspaced script plus the combining marks that follow it.
  const unsigned char* unspaced_char(const unsigned char* p, uint32_t len,
                                     const unsigned char* end) {
    const unsigned char* q = p + len;
    while (q < end && *q >= 0x80) {
      const Decoded d = decode_utf8(q, end);
      if (!d.valid || !detail::is_mark_category(detail::category(d.cp))) break;
      q += d.len;
    }
    append(p, q);
    return q;
  }

  bool starts_with_letter(const unsigned char* p, const unsigned char* end) const {
    if (p >= end) return false;
    if (*p < 0x80) return kClass[*p] == kLetter;
    const Decoded d = decode_utf8(p, end);
    return d.valid && detail::is_letter_category(detail::category(d.cp)) &&
           !(opts_.split_unspaced_scripts && detail::is_unspaced_script(d.cp));
  }

  // Copies ASCII letters and digits from p; returns the first other byte (or end). Eight bytes
  // at a time while eight remain, then one at a time.
  const unsigned char* copy_alnum(const unsigned char* p, const unsigned char* end) {
    char* w = w_;
    while (end - p >= 8) {
      uint64_t x;
      std::memcpy(&x, p, 8);
      std::memcpy(w, &x, 8);  // the arena has 8 bytes of slack; only the word bytes count
      const uint64_t stop = non_word_bytes(x);
      if (stop != 0) {
        const int n = std::countr_zero(stop) >> 3;
        w_ = w + n;
        return p + n;
      }
      p += 8;
      w += 8;
    }
    while (p < end && kClass[*p] != kOther) *w++ = static_cast<char>(*p++);
    w_ = w;
    return p;
  }

  // Continues the token that began at `start` from p (everything before p is already written),
  // and returns the position after the word. Handles non-ASCII word characters, and drops an
  // apostrophe between two letters so that the word goes on.
  const unsigned char* word(const unsigned char* const start, const unsigned char* p,
                            const unsigned char* end) {
    bool prev_letter_non_ascii = false;  // category of the last non-ASCII code point
    while (true) {
      p = copy_alnum(p, end);
      if (p == end) break;
      const unsigned char b = *p;
      uint32_t apostrophe_len = 0;
      if (b == '\'') {
        apostrophe_len = 1;
      } else if (b >= 0x80) {
        const Decoded d = decode_utf8(p, end);
        if (d.valid && d.cp == kRightSingleQuote) {
          apostrophe_len = d.len;
        } else {
          if (!d.valid) break;
          const utf8proc_category_t g = detail::category(d.cp);
          if (!detail::is_word_category(g)) break;
          if (opts_.split_unspaced_scripts && detail::is_unspaced_script(d.cp)) break;
          prev_letter_non_ascii = detail::is_letter_category(g) ||
                                  (detail::is_mark_category(g) && prev_letter_non_ascii);
          append(p, p + d.len);
          p += d.len;
          continue;
        }
      } else {
        break;
      }
      // An apostrophe: join only between letters ("don't" -> "dont", not "90's" or "'quoted'").
      const bool prev_letter =
          p > start && (p[-1] < 0x80 ? kClass[p[-1]] == kLetter : prev_letter_non_ascii);
      if (!prev_letter || !starts_with_letter(p + apostrophe_len, end)) break;
      p += apostrophe_len;
    }
    return p;
  }

  // A number starting at an ASCII digit at the start of a token. Writes its canonical form and
  // returns the position after it:
  //   - thousands groups: d{1,3} (s ddd)+ with one separator s in {',', '.', ' '} lose the
  //     separators. '.' needs two groups ("1.234.567"; "5.930" is ambiguous and stays a
  //     decimal), ' ' must end the number ("3 100m" is two tokens);
  //   - after thousands groups, a decimal part with the other separator becomes ".ddd";
  //   - otherwise dot-separated digit groups are kept as they are ("5.93", "1.2.3").
  const unsigned char* number(const unsigned char* p, const unsigned char* end) {
    const unsigned char* q = p;
    while (q < end && is_digit(*q)) ++q;
    append(p, q);
    const std::ptrdiff_t lead = q - p;
    if (end - q < 2 || !is_digit(q[1])) return q;
    const unsigned char s = *q;
    if (s != ',' && s != '.' && s != ' ') return q;

    // Count the separator-led groups of exactly three digits.
    const unsigned char* r = q;
    int groups = 0;
    while (end - r >= 4 && r[0] == s && is_digit(r[1]) && is_digit(r[2]) && is_digit(r[3]) &&
           !(end - r > 4 && is_digit(r[4]))) {
      if (s == ' ' && end - r > 4 && (r[4] >= 0x80 || kClass[r[4]] == kLetter)) break;
      r += 4;
      ++groups;
    }
    const bool thousands = lead <= 3 && groups >= 1 && (s != '.' || groups >= 2);
    if (thousands) {
      for (const unsigned char* g = q; g < r; g += 4) append(g + 1, g + 4);
      q = r;
      if (end - q >= 2 && is_digit(q[1]) &&
          ((s == ',' && q[0] == '.') || (s == '.' && q[0] == ',') ||
           (s == ' ' && (q[0] == '.' || q[0] == ',')))) {
        append_byte('.');
        const unsigned char* d = q + 1;
        while (d < end && is_digit(*d)) ++d;
        append(q + 1, d);
        q = d;
      }
      return q;
    }
    if (s != '.') return q;
    while (end - q >= 2 && q[0] == '.' && is_digit(q[1])) {
      const unsigned char* d = q + 1;
      while (d < end && is_digit(*d)) ++d;
      append(q, d);
      q = d;
    }
    return q;
  }

  const TokenizeOptions& opts_;
  char* const base_;
  char* w_;
  std::vector<uint32_t>& ends_;
};

}  // namespace

void Tokenizer::tokenize(std::string_view normalized, TokenBuffer& out) const {
  out.ends_.clear();
  out.bytes_.resize(normalized.size() + 8);  // + 8: slack for the eight-byte copies
  const auto* p = reinterpret_cast<const unsigned char*>(normalized.data());
  TokenScanner scanner(options_, out.bytes_.data(), out.ends_);
  scanner.run(p, p + normalized.size());
  out.bytes_.resize(scanner.used());
}

}  // namespace neardup
