// Private UTF-8 helpers shared by the normalizer, the tokenizer and the shingler.
//
// decode_utf8() follows the Unicode "maximal subpart" practice (Unicode 15, section 3.9,
// table 3-7 and "U+FFFD Substitution of Maximal Subparts"): a lead byte that can start a
// well-formed sequence, followed by a valid prefix of that sequence, is one ill-formed unit;
// every other invalid byte is its own unit. Each unit becomes one U+FFFD.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace neardup::detail {

inline constexpr char32_t kReplacementChar = 0xFFFD;

struct Decoded {
  char32_t cp;   // the code point, or U+FFFD when !valid
  uint32_t len;  // bytes consumed (>= 1)
  bool valid;
};

// Decodes one code point at p (p < end). Never reads at or past end.
inline Decoded decode_utf8(const unsigned char* p, const unsigned char* end) noexcept {
  const unsigned b0 = p[0];
  if (b0 < 0x80) return {b0, 1, true};
  const std::ptrdiff_t avail = end - p;
  if (b0 < 0xC2) return {kReplacementChar, 1, false};  // continuation byte or overlong C0/C1
  if (b0 < 0xE0) {
    if (avail < 2 || (p[1] & 0xC0) != 0x80) return {kReplacementChar, 1, false};
    return {((b0 & 0x1Fu) << 6) | (p[1] & 0x3Fu), 2, true};
  }
  if (b0 < 0xF0) {
    // E0: second byte A0..BF (no overlongs); ED: 80..9F (no surrogates).
    const unsigned lo = b0 == 0xE0 ? 0xA0 : 0x80;
    const unsigned hi = b0 == 0xED ? 0x9F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {kReplacementChar, 1, false};
    if (avail < 3 || (p[2] & 0xC0) != 0x80) return {kReplacementChar, 2, false};
    return {((b0 & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu), 3, true};
  }
  if (b0 < 0xF5) {
    // F0: second byte 90..BF (no overlongs); F4: 80..8F (nothing above U+10FFFF).
    const unsigned lo = b0 == 0xF0 ? 0x90 : 0x80;
    const unsigned hi = b0 == 0xF4 ? 0x8F : 0xBF;
    if (avail < 2 || p[1] < lo || p[1] > hi) return {kReplacementChar, 1, false};
    if (avail < 3 || (p[2] & 0xC0) != 0x80) return {kReplacementChar, 2, false};
    if (avail < 4 || (p[3] & 0xC0) != 0x80) return {kReplacementChar, 3, false};
    return {((b0 & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu),
            4, true};
  }
  return {kReplacementChar, 1, false};  // F5..FF never appear in UTF-8
}

// Writes the UTF-8 encoding of cp (a scalar value <= U+10FFFF) to out; returns the byte count.
inline uint32_t encode_utf8(char32_t cp, char* out) noexcept {
  if (cp < 0x80) {
    out[0] = static_cast<char>(cp);
    return 1;
  }
  if (cp < 0x800) {
    out[0] = static_cast<char>(0xC0 | (cp >> 6));
    out[1] = static_cast<char>(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (cp >> 12));
    out[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (cp >> 18));
  out[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (cp & 0x3F));
  return 4;
}

// Returns the first position in [p, end) holding a byte >= 0x80, or end. Scans sixteen bytes at
// a time with SSE2 (part of x86-64), then eight (memcpy keeps the unaligned load well-defined).
inline const unsigned char* find_non_ascii(const unsigned char* p,
                                           const unsigned char* end) noexcept {
#if defined(__SSE2__)
  while (end - p >= 16) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const auto m = static_cast<unsigned>(_mm_movemask_epi8(x));
    if (m != 0) return p + std::countr_zero(m);
    p += 16;
  }
#endif
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    const uint64_t m = w & kHigh;
    if (m != 0) {
      if constexpr (std::endian::native == std::endian::little) {
        return p + (std::countr_zero(m) >> 3);
      } else {
        return p + (std::countl_zero(m) >> 3);
      }
    }
    p += 8;
  }
  while (p < end && *p < 0x80) ++p;
  return p;
}

// Returns the first position in [p, end) holding an ASCII byte, or end.
inline const unsigned char* find_ascii(const unsigned char* p, const unsigned char* end) noexcept {
  while (p < end && *p >= 0x80) ++p;
  return p;
}

}  // namespace neardup::detail
