#include "neardup/advanced/normalize.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>

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
using detail::encode_utf8;

// ---- ASCII tables ------------------------------------------------------------------------------
// One table per combination of (case_fold, strip_punctuation, fold_whitespace). An entry is the
// output byte, or kFoldSpace when the byte is white space that fold_whitespace collapses (or
// punctuation that strip_punctuation turns into such a space). NFKC, invisible-removal and
// punctuation unification never change an ASCII character, so the table is the whole pipeline
// for ASCII bytes.
constexpr uint16_t kFoldSpace = 0x100;

constexpr bool ascii_is_space(unsigned c) { return c == 0x20 || (c >= 0x09 && c <= 0x0D); }
constexpr bool ascii_is_punct(unsigned c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}

constexpr std::array<uint16_t, 128> make_ascii_table(bool case_fold, bool strip, bool fold) {
  std::array<uint16_t, 128> t{};
  for (unsigned c = 0; c < 128; ++c) {
    unsigned out = c;
    if (case_fold && c >= 'A' && c <= 'Z') out = c + 32;
    if (strip && ascii_is_punct(c)) out = ' ';
    if (fold && (ascii_is_space(c) || (strip && ascii_is_punct(c)))) out = kFoldSpace;
    t[c] = static_cast<uint16_t>(out);
  }
  return t;
}

constexpr std::array<std::array<uint16_t, 128>, 8> kAsciiTables = {
    make_ascii_table(false, false, false), make_ascii_table(false, false, true),
    make_ascii_table(false, true, false),  make_ascii_table(false, true, true),
    make_ascii_table(true, false, false),  make_ascii_table(true, false, true),
    make_ascii_table(true, true, false),   make_ascii_table(true, true, true)};

const std::array<uint16_t, 128>& ascii_table(const NormalizeOptions& o) {
  return kAsciiTables[(o.case_fold ? 4u : 0u) | (o.strip_punctuation ? 2u : 0u) |
                      (o.fold_whitespace ? 1u : 0u)];
}

// ---- punctuation unification
// ---------------------------------------------------------------------
constexpr char32_t kEllipsis = 0x2026;

// Returns the ASCII replacement of a non-ASCII quote, dash or space, kEllipsis for U+2026, or 0.
char32_t unify_punctuation(char32_t c) {
  switch (c) {
    case 0x2018:
    case 0x2019:
    case 0x201A:
    case 0x201B:  // ‘ ’ ‚ ‛
    case 0x2039:
    case 0x203A:  // ‹ ›
    case 0x02BC:  // modifier letter apostrophe
    case 0x275B:
    case 0x275C:  // heavy single quote ornaments
    case 0xFF07:  // full-width apostrophe
      return '\'';
    case 0x201C:
    case 0x201D:
    case 0x201E:
    case 0x201F:  // “ ” „ ‟
    case 0x00AB:
    case 0x00BB:  // « »
    case 0x2E42:  // reversed double low-9 quote
    case 0x301D:
    case 0x301E:
    case 0x301F:  // CJK double prime quotes
    case 0x275D:
    case 0x275E:  // heavy double quote ornaments
    case 0xFF02:  // full-width quotation mark
      return '"';
    case 0x2212:  // minus sign
    case 0x2043:  // hyphen bullet
      return '-';
    case kEllipsis:
      return kEllipsis;
    default:
      break;
  }
  const utf8proc_category_t g = detail::category(c);
  if (g == UTF8PROC_CATEGORY_PD) return '-';
  if (g == UTF8PROC_CATEGORY_ZS || g == UTF8PROC_CATEGORY_ZL || g == UTF8PROC_CATEGORY_ZP) {
    return ' ';
  }
  return 0;
}

// ---- HTML entities ---------------------------------------------------------------------------
struct Entity {
  std::string_view name;
  char32_t cp;
};

// Named entities: the XML five, the Latin-1 set (U+00A0-U+00FF) and common typographic ones.
constexpr Entity kEntities[] = {
    {"amp", '&'},       {"lt", '<'},        {"gt", '>'},        {"quot", '"'},
    {"apos", '\''},     {"nbsp", 0xA0},     {"iexcl", 0xA1},    {"cent", 0xA2},
    {"pound", 0xA3},    {"curren", 0xA4},   {"yen", 0xA5},      {"brvbar", 0xA6},
    {"sect", 0xA7},     {"uml", 0xA8},      {"copy", 0xA9},     {"ordf", 0xAA},
    {"laquo", 0xAB},    {"not", 0xAC},      {"shy", 0xAD},      {"reg", 0xAE},
    {"macr", 0xAF},     {"deg", 0xB0},      {"plusmn", 0xB1},   {"sup2", 0xB2},
    {"sup3", 0xB3},     {"acute", 0xB4},    {"micro", 0xB5},    {"para", 0xB6},
    {"middot", 0xB7},   {"cedil", 0xB8},    {"sup1", 0xB9},     {"ordm", 0xBA},
    {"raquo", 0xBB},    {"frac14", 0xBC},   {"frac12", 0xBD},   {"frac34", 0xBE},
    {"iquest", 0xBF},   {"Agrave", 0xC0},   {"Aacute", 0xC1},   {"Acirc", 0xC2},
    {"Atilde", 0xC3},   {"Auml", 0xC4},     {"Aring", 0xC5},    {"AElig", 0xC6},
    {"Ccedil", 0xC7},   {"Egrave", 0xC8},   {"Eacute", 0xC9},   {"Ecirc", 0xCA},
    {"Euml", 0xCB},     {"Igrave", 0xCC},   {"Iacute", 0xCD},   {"Icirc", 0xCE},
    {"Iuml", 0xCF},     {"ETH", 0xD0},      {"Ntilde", 0xD1},   {"Ograve", 0xD2},
    {"Oacute", 0xD3},   {"Ocirc", 0xD4},    {"Otilde", 0xD5},   {"Ouml", 0xD6},
    {"times", 0xD7},    {"Oslash", 0xD8},   {"Ugrave", 0xD9},   {"Uacute", 0xDA},
    {"Ucirc", 0xDB},    {"Uuml", 0xDC},     {"Yacute", 0xDD},   {"THORN", 0xDE},
    {"szlig", 0xDF},    {"agrave", 0xE0},   {"aacute", 0xE1},   {"acirc", 0xE2},
    {"atilde", 0xE3},   {"auml", 0xE4},     {"aring", 0xE5},    {"aelig", 0xE6},
    {"ccedil", 0xE7},   {"egrave", 0xE8},   {"eacute", 0xE9},   {"ecirc", 0xEA},
    {"euml", 0xEB},     {"igrave", 0xEC},   {"iacute", 0xED},   {"icirc", 0xEE},
    {"iuml", 0xEF},     {"eth", 0xF0},      {"ntilde", 0xF1},   {"ograve", 0xF2},
    {"oacute", 0xF3},   {"ocirc", 0xF4},    {"otilde", 0xF5},   {"ouml", 0xF6},
    {"divide", 0xF7},   {"oslash", 0xF8},   {"ugrave", 0xF9},   {"uacute", 0xFA},
    {"ucirc", 0xFB},    {"uuml", 0xFC},     {"yacute", 0xFD},   {"thorn", 0xFE},
    {"yuml", 0xFF},     {"OElig", 0x152},   {"oelig", 0x153},   {"Scaron", 0x160},
    {"scaron", 0x161},  {"Yuml", 0x178},    {"fnof", 0x192},    {"circ", 0x2C6},
    {"tilde", 0x2DC},   {"ensp", 0x2002},   {"emsp", 0x2003},   {"thinsp", 0x2009},
    {"zwnj", 0x200C},   {"zwj", 0x200D},    {"lrm", 0x200E},    {"rlm", 0x200F},
    {"ndash", 0x2013},  {"mdash", 0x2014},  {"lsquo", 0x2018},  {"rsquo", 0x2019},
    {"sbquo", 0x201A},  {"ldquo", 0x201C},  {"rdquo", 0x201D},  {"bdquo", 0x201E},
    {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022},   {"hellip", 0x2026},
    {"permil", 0x2030}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A}, {"euro", 0x20AC},
    {"trade", 0x2122},
};

// HTML maps numeric references 128-159 through windows-1252 (HTML Living Standard, 13.2.5.80).
constexpr char32_t kWindows1252[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

constexpr bool is_ascii_alnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
constexpr int hex_value(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses an entity at p (*p == '&'). On success returns its length and sets cp.
std::size_t parse_entity(const unsigned char* p, const unsigned char* end, char32_t& cp) {
  constexpr std::ptrdiff_t kMaxLen = 12;  // "&#x0010FFFF;" and the longest names fit
  const unsigned char* q = p + 1;
  if (q < end && *q == '#') {
    ++q;
    const bool hex = q < end && (*q == 'x' || *q == 'X');
    if (hex) ++q;
    const unsigned char* digits = q;
    uint32_t v = 0;
    while (q < end && q - p <= kMaxLen) {
      const int d = hex ? hex_value(*q) : (*q >= '0' && *q <= '9' ? *q - '0' : -1);
      if (d < 0) break;
      v = std::min<uint32_t>(v * (hex ? 16u : 10u) + static_cast<uint32_t>(d), 0x110000u);
      ++q;
    }
    if (q == digits || q >= end || *q != ';') return 0;
    if (v >= 0x80 && v < 0xA0) {
      v = kWindows1252[v - 0x80];
    } else if (v == 0 || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
      v = detail::kReplacementChar;
    }
    cp = v;
    return static_cast<std::size_t>(q - p + 1);
  }
  while (q < end && q - p <= kMaxLen && is_ascii_alnum(*q)) ++q;
  if (q >= end || *q != ';' || q == p + 1) return 0;
  const std::string_view name(reinterpret_cast<const char*>(p + 1),
                              static_cast<std::size_t>(q - p - 1));
  for (const Entity& e : kEntities) {
    if (e.name == name) {
      cp = e.cp;
      return static_cast<std::size_t>(q - p + 1);
    }
  }
  return 0;
}

// Copies `in` to `out` with entities decoded and invalid UTF-8 replaced by U+FFFD; returns the
// number of replacements.
uint64_t decode_entities_and_repair(std::string_view in, std::string& out) {
  out.clear();
  uint64_t invalid = 0;
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* end = p + in.size();
  char buf[4];
  while (p < end) {
    if (*p == '&') {
      char32_t cp = 0;
      if (const std::size_t n = parse_entity(p, end, cp); n != 0) {
        out.append(buf, encode_utf8(cp, buf));
        p += n;
        continue;
      }
    }
    if (*p < 0x80) {
      out.push_back(static_cast<char>(*p++));
      continue;
    }
    const Decoded d = decode_utf8(p, end);
    if (d.valid) {
      out.append(reinterpret_cast<const char*>(p), d.len);
    } else {
      ++invalid;
      out.append(buf, encode_utf8(detail::kReplacementChar, buf));
    }
    p += d.len;
  }
  return invalid;
}

// A code point before which a long non-ASCII segment may be cut without changing the result of
// NFKC + case folding: a starter with no decomposition, no case mapping, that is never the second
// character of a canonical composition. These blocks cover the long unspaced runs (CJK, Thai)
// that are the only realistic way to get megabytes without an ASCII byte.
bool is_safe_split(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK unified ideographs
         (c >= 0x3041 && c <= 0x3096) ||  // Hiragana letters
         (c >= 0x30A1 && c <= 0x30FA) ||  // Katakana letters
         (c >= 0xAC00 && c <= 0xD7A3) ||  // Hangul syllables
         (c >= 0x0E01 && c <= 0x0E2E);    // Thai consonants
}
constexpr std::ptrdiff_t kSegmentSoftLimit = 4096;  // bytes; beyond it, cut at a safe split

// The output writer: a raw pointer into `out` (sized ahead), the ASCII table and the pending
// space of whitespace folding. A pending space is written only before the next visible
// character, which removes leading and trailing white space and collapses runs for free.
//
// With `fast` off, ASCII goes through the byte loop alone (the reference for the word paths).
class NormalizerWriter {
 public:
  NormalizerWriter(std::string& out, const NormalizeOptions& o, bool fast)
      : out_(out),
        table_(ascii_table(o).data()),
        opts_(o),
        swar_(fast && !o.strip_punctuation),
        fold_(o.fold_whitespace),
        case_fold_(o.case_fold) {}

  void reserve(std::size_t extra) {
    const auto used = static_cast<std::size_t>(o_ - base());
    if (out_.size() - used < extra + 16) {  // slack for the 8-byte stores
      out_.resize(std::max(out_.size() * 2, used + extra + 64));
    }
    o_ = base() + used;
  }
  void begin(std::size_t expected) {
    out_.resize(expected + 64);
    o_ = base();
  }
  void finish() { out_.resize(static_cast<std::size_t>(o_ - base())); }

  // The hot loop: ASCII bytes [p, end). Requires reserve(end - p).
  void ascii_run(const unsigned char* p, const unsigned char* end) {
    if (swar_) {
#if defined(__SSE2__)
      while (end - p >= 16) {
        if (!ascii_chunk(p)) {
          for (const unsigned char* h = p; h < p + 16; h += 8) {
            uint64_t w;
            std::memcpy(&w, h, 8);
            if (!ascii_word(w)) ascii_bytes(h, h + 8);
          }
        }
        p += 16;
      }
#endif
      while (end - p >= 8) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        if (!ascii_word(w)) {
          ascii_bytes(p, p + 8);
        }
        p += 8;
      }
    }
    ascii_bytes(p, end);
  }

  // Eight ASCII bytes at once (SWAR), for the common case: no control characters, tabs or line
  // breaks, no two spaces in a row, and no space right after an earlier white space. Then the
  // output is the input with A-Z lowered, except that a space in the last byte becomes the
  // pending space. Returns false (having written nothing) when the word needs the byte loop.
  // Every byte is < 0x80 here, so adding a constant below 0x80 to a byte never carries into
  // its neighbour: each high bit below is an exact per-byte comparison.
  bool ascii_word(uint64_t w) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHigh = 0x8080808080808080ULL;
    const uint64_t ge_21 = (w + kOnes * (0x80 - 0x21)) & kHigh;  // byte >= '!'
    const uint64_t x = w ^ (kOnes * 0x20);
    const uint64_t space = ~((x + kOnes * 0x7F) | x) & kHigh;  // byte == ' '
    if (fold_) {
      if (((~ge_21 & kHigh) & ~space) != 0 || (space & (space << 8)) != 0) return false;
      const auto first_space = static_cast<unsigned>(space & 0x80) >> 7;
      if (first_space & (pending_ | static_cast<unsigned>(o_ == base()))) return false;
    }
    if (case_fold_) {
      const uint64_t ge_a = (w + kOnes * (0x80 - 'A')) & kHigh;
      const uint64_t gt_z = (w + kOnes * (0x7F - 'Z')) & kHigh;
      w |= (ge_a & ~gt_z) >> 2;  // 0x80 >> 2 == 0x20: the case bit
    }
    char* o = o_;
    *o = ' ';
    o += pending_;
    std::memcpy(o, &w, 8);
    const auto last_space = fold_ ? static_cast<unsigned>(space >> 63) : 0u;
    o_ = o + 8 - last_space;
    pending_ = last_space;
    return true;
  }

#if defined(__SSE2__)
  // Sixteen ASCII bytes at once (SSE2, part of x86-64): the case of ascii_word() with line breaks
  // and tabs allowed too, each white space byte written as ' '. The common case: no two white
  // space bytes in a row, and none at the start after an earlier white space or at the start of
  // the output. Control characters other than white space are visible bytes here, as in the
  // table. Returns false (having written nothing) when the chunk needs the slower paths.
  bool ascii_chunk(const unsigned char* p) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    unsigned last_space = 0;
    if (fold_) {
      const __m128i space = _mm_set1_epi8(' ');
      // 0x09..0x0D: moved to -128..-124 and compared signed.
      const __m128i controls = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - 0x09)),
                                              _mm_set1_epi8(static_cast<char>(-128 + 5)));
      const __m128i white = _mm_or_si128(_mm_cmpeq_epi8(x, space), controls);
      const auto m = static_cast<unsigned>(_mm_movemask_epi8(white));
      if ((m & (m << 1)) != 0) return false;
      if ((m & 1u) & (pending_ | static_cast<unsigned>(o_ == base()))) return false;
      x = _mm_or_si128(_mm_andnot_si128(white, x), _mm_and_si128(white, space));
      last_space = m >> 15;
    }
    if (case_fold_) {
      const __m128i upper = _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8(0x80 - 'A')),
                                           _mm_set1_epi8(static_cast<char>(-128 + 26)));
      x = _mm_or_si128(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
    }
    char* o = o_;
    *o = ' ';
    o += pending_;
    _mm_storeu_si128(reinterpret_cast<__m128i*>(o), x);
    o_ = o + 16 - last_space;
    pending_ = last_space;
    return true;
  }
#endif

  void ascii_bytes(const unsigned char* p, const unsigned char* end) {
    char* o = o_;
    const char* const b = base();
    unsigned pending = pending_;
    const uint16_t* t = table_;
    // Branch-free: a pending space is written before every visible byte but only kept (o
    // advanced) when one is due; a folded space writes nothing and only sets `pending`.
    for (; p < end; ++p) {
      const unsigned e = t[*p];
      const unsigned space = e >> 8;  // 1 for kFoldSpace
      const unsigned visible = space ^ 1u;
      *o = ' ';
      o += pending & visible;
      *o = static_cast<char>(e);
      o += visible;
      pending = space & static_cast<unsigned>(o != b);
    }
    pending_ = pending;
    o_ = o;
  }

  void ascii(unsigned c) {
    const unsigned e = table_[c];
    if (e == kFoldSpace) {
      pending_ = o_ != base();
      return;
    }
    if (pending_) *o_++ = ' ';
    pending_ = 0;
    *o_++ = static_cast<char>(e);
  }

  // Steps 5-7 for one code point coming out of NFKC/case folding. Requires 4 bytes of room.
  void code_point(char32_t c) {
    if (c < 0x80) return ascii(static_cast<unsigned>(c));
    if (opts_.unify_punctuation) {
      if (const char32_t u = unify_punctuation(c); u != 0) {
        if (u == kEllipsis) {
          ascii('.');
          ascii('.');
          ascii('.');
        } else {
          ascii(static_cast<unsigned>(u));
        }
        return;
      }
    }
    if (opts_.fold_whitespace && detail::is_white_space(c)) return ascii(' ');
    if (opts_.strip_punctuation && detail::is_punct_or_symbol_category(detail::category(c))) {
      return ascii(' ');  // folded when fold_whitespace is on, a literal space otherwise
    }
    if (pending_) *o_++ = ' ';
    pending_ = 0;
    o_ += encode_utf8(c, o_);
  }

 private:
  char* base() { return out_.data(); }

  std::string& out_;
  const uint16_t* table_;
  const NormalizeOptions& opts_;
  const bool swar_;  // the word paths handle every option mix without strip_punctuation
  const bool fold_;
  const bool case_fold_;
  char* o_ = nullptr;
  unsigned pending_ = 0;
};

// The whole of Normalizer::normalize(), with its scratch buffers passed in; `fast` picks the
// word-at-a-time ASCII paths (off: the byte loop alone, the reference).
void normalize_impl(const NormalizeOptions& options, std::vector<int32_t>& codepoints,
                    std::string& segment, std::string_view in, std::string& out,
                    NormalizeStats* stats, bool fast) {
  uint64_t invalid = 0;
  if (options.decode_html_entities && in.find('&') != std::string_view::npos) {
    invalid = decode_entities_and_repair(in, segment);
    in = segment;  // now valid UTF-8: the loop below finds nothing more to repair
  }

  const bool use_utf8proc = options.nfkc || options.case_fold || options.remove_invisible;
  int flags = UTF8PROC_STABLE;
  if (options.nfkc) flags |= UTF8PROC_COMPAT | UTF8PROC_COMPOSE;
  if (options.case_fold) flags |= UTF8PROC_CASEFOLD;
  if (options.remove_invisible) flags |= UTF8PROC_IGNORE;
  const auto uflags = static_cast<utf8proc_option_t>(flags);

  NormalizerWriter w(out, options, fast);
  w.begin(in.size());
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto* const end = p + in.size();
  while (p < end) {
    const unsigned char* q = detail::find_non_ascii(p, end);
    if (q == end) {
      w.reserve(static_cast<std::size_t>(end - p));
      w.ascii_run(p, end);
      break;
    }
    // The ASCII byte before a non-ASCII run is a starter that a following combining mark may
    // compose with ('e' + U+0301 -> U+00E9), so it goes through utf8proc with the run. An ASCII
    // byte is never the second half of a composition and has combining class 0, so the run
    // itself ends safely at the next ASCII byte.
    const unsigned char* seg = q;
    if (q > p) {
      seg = q - 1;
      w.reserve(static_cast<std::size_t>(seg - p));
      w.ascii_run(p, seg);
    }

    // Find the end of the segment and validate it.
    const unsigned char* r = q;
    uint64_t seg_invalid = 0;
    while (r < end && *r >= 0x80) {
      const Decoded d = decode_utf8(r, end);
      if (r - seg > kSegmentSoftLimit && d.valid && is_safe_split(d.cp)) break;
      seg_invalid += d.valid ? 0 : 1;
      r += d.len;
    }
    invalid += seg_invalid;

    const unsigned char* src = seg;
    std::size_t src_len = static_cast<std::size_t>(r - seg);
    if (seg_invalid != 0) {
      // Only reachable without HTML decoding (that path repairs up front), so segment is free.
      segment.clear();
      char buf[4];
      for (const unsigned char* s = seg; s < r;) {
        const Decoded d = decode_utf8(s, r);
        if (d.valid) {
          segment.append(reinterpret_cast<const char*>(s), d.len);
        } else {
          segment.append(buf, encode_utf8(detail::kReplacementChar, buf));
        }
        s += d.len;
      }
      src = reinterpret_cast<const unsigned char*>(segment.data());
      src_len = segment.size();
    }

    if (use_utf8proc) {
      if (codepoints.size() < src_len + 16) codepoints.resize(src_len + 16);
      auto n = utf8proc_decompose_custom(
          src, static_cast<utf8proc_ssize_t>(src_len), codepoints.data(),
          static_cast<utf8proc_ssize_t>(codepoints.size()), uflags, nullptr, nullptr);
      if (n > static_cast<utf8proc_ssize_t>(codepoints.size())) {
        codepoints.resize(static_cast<std::size_t>(n));
        n = utf8proc_decompose_custom(src, static_cast<utf8proc_ssize_t>(src_len),
                                      codepoints.data(), n, uflags, nullptr, nullptr);
      }
      if (n >= 0 && options.nfkc) n = utf8proc_normalize_utf32(codepoints.data(), n, uflags);
      if (n >= 0) {
        // unify_punctuation writes at most 3 bytes per code point, UTF-8 at most 4, plus the
        // pending space.
        w.reserve(static_cast<std::size_t>(n) * 4 + 4);
        for (utf8proc_ssize_t i = 0; i < n; ++i) {
          w.code_point(static_cast<char32_t>(codepoints[static_cast<std::size_t>(i)]));
        }
        p = r;
        continue;
      }
      // utf8proc only fails on invalid input, which src never is; fall through to the plain
      // copy rather than lose text.
    }
    w.reserve(src_len * 4 + 4);
    for (const unsigned char* s = src; s < src + src_len;) {
      const Decoded d = decode_utf8(s, src + src_len);
      w.code_point(d.cp);
      s += d.len;
    }
    p = r;
  }
  w.finish();

  if (stats != nullptr) {
    stats->invalid_sequences += invalid;
    stats->documents_repaired += invalid != 0 ? 1 : 0;
  }
}

}  // namespace

Normalizer::Normalizer(NormalizeOptions options) : options_(options) {}

void Normalizer::normalize(std::string_view in, std::string& out, NormalizeStats* stats) {
  normalize_impl(options_, codepoints_, segment_, in, out, stats, /*fast=*/true);
}

namespace detail {

void normalize_reference(const NormalizeOptions& options, std::string_view in, std::string& out,
                         NormalizeStats* stats) {
  std::vector<int32_t> codepoints;
  std::string segment;
  normalize_impl(options, codepoints, segment, in, out, stats, /*fast=*/false);
}

}  // namespace detail

bool is_valid_utf8(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    p = detail::find_non_ascii(p, end);
    if (p == end) break;
    const Decoded d = decode_utf8(p, end);
    if (!d.valid) return false;
    p += d.len;
  }
  return true;
}

}  // namespace neardup
