#include "neardup/advanced/tokenize.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <string_view>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "detail/utf8.h"
#include "text/text_reference.h"
#include "text/unicode_tables.h"

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

#if defined(__SSE2__)
// Byte classes of a 64-byte block, one bit per byte (bit i for p[i]).
struct BlockMasks {
  uint64_t word;     // ASCII letters and digits
  uint64_t digit;    // ASCII digits
  uint64_t special;  // '\'' and bytes >= 0x80: a word that reaches one may go on (word())
  uint64_t high;     // bytes >= 0x80
};

// SSE2 is part of x86-64, so this needs no run-time dispatch. Each range test adds a bias that
// moves the range to the bottom of the signed byte range (-128...), where one signed comparison
// tests it; bytes >= 0x80 never land there.
inline BlockMasks block_masks(const unsigned char* p) {
  const __m128i case_bit = _mm_set1_epi8(0x20);
  const __m128i letter_bias = _mm_set1_epi8(static_cast<char>(0x80 - 'a'));
  const __m128i letter_limit = _mm_set1_epi8(static_cast<char>(-128 + 26));
  const __m128i digit_bias = _mm_set1_epi8(static_cast<char>(0x80 - '0'));
  const __m128i digit_limit = _mm_set1_epi8(static_cast<char>(-128 + 10));
  const __m128i apostrophe = _mm_set1_epi8('\'');
  BlockMasks m{0, 0, 0, 0};
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    const __m128i letter =
        _mm_cmplt_epi8(_mm_add_epi8(_mm_or_si128(x, case_bit), letter_bias), letter_limit);
    const __m128i digit = _mm_cmplt_epi8(_mm_add_epi8(x, digit_bias), digit_limit);
    const __m128i quote = _mm_cmpeq_epi8(x, apostrophe);
    const auto bits = [](__m128i v) {
      return uint64_t{static_cast<uint32_t>(_mm_movemask_epi8(v))};
    };
    const int shift = 16 * k;
    m.word |= bits(_mm_or_si128(letter, digit)) << shift;
    m.digit |= bits(digit) << shift;
    m.special |= bits(_mm_or_si128(quote, x)) << shift;  // x: the high bit of bytes >= 0x80
    m.high |= bits(x) << shift;
  }
  return m;
}
#endif

// Right single quotation mark: an apostrophe in text normalized without unify_punctuation.
constexpr char32_t kRightSingleQuote = 0x2019;

// Writes tokens straight into the TokenBuffer arena, which the caller sized to the input length:
// a token is never longer than the text it came from (apostrophes and thousands separators are
// only dropped, a decimal ',' becomes '.').
//
// Token ends are written through a raw pointer into `ends`, which is grown on demand and cut to
// the token count by finish().
class TokenScanner {
 public:
  TokenScanner(const TokenizeOptions& o, char* arena, std::vector<uint32_t>& ends,
               std::size_t expected_tokens)
      : opts_(o), base_(arena), w_(arena), ends_(ends) {
    // Not cleared first: resize() then only zero-fills what the last document did not use.
    ends_.resize(std::max<std::size_t>({expected_tokens, kBlockTokens, ends_.size()}));
    e_ = ends_.data();
    e_limit_ = e_ + ends_.size();
  }

  std::size_t used() const { return static_cast<std::size_t>(w_ - base_); }
  void finish() { ends_.resize(static_cast<std::size_t>(e_ - ends_.data())); }

  // Tokenizes [p, end). With `fast`, blocks of plain ASCII words take the SSE2 path below;
  // without it, every byte goes through the scalar scanner (the reference, see
  // text/text_reference.h). Both give the same tokens.
  void run(const unsigned char* p, const unsigned char* const end, bool fast) {
    while (p < end) {
#if defined(__SSE2__)
      if (fast && *p < 0x80) {
        p = fast_blocks(p, end);
        if (p == end) break;
      }
#else
      (void)fast;
#endif
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
  // At most 32 tokens start in 64 bytes (a token and a separator take two bytes at least).
  static constexpr std::size_t kBlockTokens = 32;

  void append(const unsigned char* b, const unsigned char* e) {
    const auto n = static_cast<std::size_t>(e - b);
    std::memcpy(w_, b, n);
    w_ += n;
  }
  void append_byte(char c) { *w_++ = c; }
  void finish_token() {
    if (e_ == e_limit_) grow();
    *e_++ = static_cast<uint32_t>(w_ - base_);
  }
  // Makes room for at least kBlockTokens more token ends.
  void grow() {
    const auto n = static_cast<std::size_t>(e_ - ends_.data());
    ends_.resize(std::max(ends_.size() * 2, n + kBlockTokens));
    e_ = ends_.data() + n;
    e_limit_ = ends_.data() + ends_.size();
  }

#if defined(__SSE2__)
  // The fast path: from p (a position where the scalar loop would start a step), takes 64-byte
  // blocks while 64 bytes remain and emits every token that is a plain run of ASCII letters and
  // digits: one that the scalar scanner would also end at the first other byte. It returns,
  // without emitting it, at the first token it cannot vouch for, so that the scalar loop takes
  // it: a run followed by an apostrophe or a byte >= 0x80 (word() may extend it), a digit run
  // that a separator and a digit follow (number() may join groups), a run that reaches the end of
  // a block (continued from a new block at its start, or left to the scalar loop when it fills a
  // whole block). It also returns at the first byte >= 0x80. Bytes skipped are ASCII non-word
  // bytes, which the scalar loop skips too; so both paths make the same tokens.
  const unsigned char* fast_blocks(const unsigned char* p, const unsigned char* const end) {
    // 80: a token starting in the block has 16 bytes to read after its start.
    while (end - p >= 80) {
      if (e_limit_ - e_ < static_cast<std::ptrdiff_t>(kBlockTokens)) grow();
      const BlockMasks m = block_masks(p);
      uint64_t starts = m.word & ~(m.word << 1);  // bit 0: a token starts at p if p[0] is one
      uint64_t stops = ~m.word & (m.word << 1);   // the byte after each run
      // Tokens must start before the first byte >= 0x80, which the scalar loop decodes. A run
      // that starts before it also ends before it, so the k-th start still pairs with the k-th
      // stop.
      const int limit = m.high != 0 ? std::countr_zero(m.high) : 64;
      if (limit < 64) starts &= (uint64_t{1} << limit) - 1;
      // Digit-led runs: number() may join them with what follows.
      const uint64_t number_starts = opts_.canonical_numbers ? starts & m.digit : 0;
      uint32_t* e = e_;
      char* w = w_;
      const unsigned char* stop_at = p + limit;  // where the scalar loop takes over
      bool next_block = limit == 64;
      while (starts != 0) {
        const int s = std::countr_zero(starts);
        starts &= starts - 1;
        const unsigned char* const a = p + s;
        if (stops == 0) {  // the run reaches the end of the block: rescan from its start,
          stop_at = a;     // unless it fills the whole block (then the scalar loop copies it)
          next_block = s != 0;
          break;
        }
        const int t = std::countr_zero(stops);
        stops &= stops - 1;
        if (((m.special >> t) & 1) != 0 ||
            (((number_starts >> s) & 1) != 0 && number_may_go_on(p + t, end))) {
          stop_at = a;
          next_block = false;
          break;
        }
        const auto len = static_cast<std::size_t>(t - s);
        if (len <= 16) {
          // 16 bytes from a are in the input (see the loop condition) and fit in the arena,
          // which is as long as the input: w never runs ahead of a.
          _mm_storeu_si128(reinterpret_cast<__m128i*>(w),
                           _mm_loadu_si128(reinterpret_cast<const __m128i*>(a)));
        } else {
          std::memcpy(w, a, len);
        }
        w += len;
        *e++ = static_cast<uint32_t>(w - base_);
      }
      e_ = e;
      w_ = w;
      if (!next_block) return stop_at;
      p = stop_at;
    }
    return p;
  }

  // Whether number() may go past the end b of a digit-led run: a separator and a digit follow.
  static bool number_may_go_on(const unsigned char* b, const unsigned char* end) {
    return (*b == ',' || *b == '.' || *b == ' ') && end - b >= 2 && is_digit(b[1]);
  }
#endif

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
  uint32_t* e_;
  uint32_t* e_limit_;
};

void tokenize_into(const TokenizeOptions& options, std::string_view text, std::string& bytes,
                   std::vector<uint32_t>& ends, bool fast) {
  bytes.resize(text.size() + 8);  // + 8: slack for the eight-byte copies
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  // Prose has a token every five or six bytes; the scanner grows the ends when text has more.
  TokenScanner scanner(options, bytes.data(), ends, text.size() / 5 + 16);
  scanner.run(p, p + text.size(), fast);
  scanner.finish();
  bytes.resize(scanner.used());
}

}  // namespace

void Tokenizer::tokenize(std::string_view normalized, TokenBuffer& out) const {
  tokenize_into(options_, normalized, out.bytes_, out.ends_, /*fast=*/true);
}

namespace detail {

void tokenize_reference(const TokenizeOptions& options, std::string_view text, TokenBuffer& out) {
  std::string bytes;
  std::vector<uint32_t> ends;
  tokenize_into(options, text, bytes, ends, /*fast=*/false);
  out.clear();
  uint32_t begin = 0;
  for (const uint32_t e : ends) {
    out.append(std::string_view(bytes).substr(begin, e - begin));
    out.finish_token();
    begin = e;
  }
}

}  // namespace detail

}  // namespace neardup
