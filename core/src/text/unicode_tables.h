// Private Unicode classification helpers (code point ranges and utf8proc categories) shared by
// the normalizer and the tokenizer.
#pragma once

#include <utf8proc.h>

#include <cstdint>

namespace neardup::detail {

// Unicode White_Space property (PropList.txt, Unicode 15).
inline bool is_white_space(char32_t c) noexcept {
  if (c < 0x80) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
         c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

inline utf8proc_category_t category(char32_t c) noexcept {
  return utf8proc_category(static_cast<utf8proc_int32_t>(c));
}

inline bool is_letter_category(utf8proc_category_t g) noexcept {
  return g >= UTF8PROC_CATEGORY_LU && g <= UTF8PROC_CATEGORY_LO;
}
inline bool is_mark_category(utf8proc_category_t g) noexcept {
  return g >= UTF8PROC_CATEGORY_MN && g <= UTF8PROC_CATEGORY_ME;
}
// Letters, marks and numbers: the characters that make up words.
inline bool is_word_category(utf8proc_category_t g) noexcept {
  return g >= UTF8PROC_CATEGORY_LU && g <= UTF8PROC_CATEGORY_NO;
}
// Punctuation (P*) or symbol (S*).
inline bool is_punct_or_symbol_category(utf8proc_category_t g) noexcept {
  return g >= UTF8PROC_CATEGORY_PC && g <= UTF8PROC_CATEGORY_SO;
}

// Scripts written without spaces between words: Han, Hiragana, Katakana, Thai, Lao, Khmer,
// Myanmar, Tibetan (block ranges from Blocks.txt, Unicode 15).
inline bool is_unspaced_script(char32_t c) noexcept {
  if (c < 0x0F00) return c >= 0x0E00;  // Thai 0E00-0E7F, Lao 0E80-0EFF
  if (c < 0x1000) return true;         // Tibetan 0F00-0FFF
  if (c < 0x10A0) return true;         // Myanmar 1000-109F
  if (c < 0x1780) return false;
  if (c < 0x1800) return true;                  // Khmer 1780-17FF
  if (c >= 0x19E0 && c <= 0x19FF) return true;  // Khmer symbols
  if (c < 0x2E80) return false;
  if (c <= 0x2FDF) return true;                 // CJK radicals, Kangxi radicals
  if (c >= 0x3005 && c <= 0x3007) return true;  // iteration mark, closing mark, zero
  if (c >= 0x3021 && c <= 0x3029) return true;  // Hangzhou numerals
  if (c >= 0x3031 && c <= 0x3035) return true;  // kana repeat marks
  if (c >= 0x3038 && c <= 0x303C) return true;
  if (c >= 0x3040 && c <= 0x30FF) return true;    // Hiragana, Katakana
  if (c >= 0x31F0 && c <= 0x31FF) return true;    // Katakana phonetic extensions
  if (c >= 0x3400 && c <= 0x4DBF) return true;    // CJK extension A
  if (c >= 0x4E00 && c <= 0x9FFF) return true;    // CJK unified ideographs
  if (c >= 0xA9E0 && c <= 0xA9FF) return true;    // Myanmar extended-B
  if (c >= 0xAA60 && c <= 0xAA7F) return true;    // Myanmar extended-A
  if (c >= 0xF900 && c <= 0xFAFF) return true;    // CJK compatibility ideographs
  if (c >= 0xFF66 && c <= 0xFF9F) return true;    // half-width Katakana
  if (c >= 0x1AFF0 && c <= 0x1B16F) return true;  // Kana extended/supplement
  if (c >= 0x20000 && c <= 0x323AF) return true;  // CJK extensions B-H, compatibility supp.
  return false;
}

}  // namespace neardup::detail
