// Tokenization of normalized text into words.
//
//   neardup::Tokenizer tok({});
//   neardup::TokenBuffer tokens;
//   tok.tokenize("we sold 300,000 cars in 北京", tokens);
//   // tokens: "we" "sold" "300000" "cars" "in" "北" "京"
//
// Rules:
//   - A word is a maximal run of letters (L*), combining marks (M*) and digits (N*), by Unicode
//     general category (utf8proc). Everything else separates words.
//   - An apostrophe between two letters joins them and is dropped ("don't" -> "dont").
//   - Scripts written without spaces (Han, Hiragana, Katakana, Thai, Lao, Khmer, Myanmar, Tibetan)
//     give one token per character, so such documents still get meaningful shingles.
//   - canonical_numbers (on): a number is written one way. Thousands separators (',' or '.'
//     or ' ' between digit groups of exactly three, where unambiguous) are removed, so
//     "300,000" and "300000" are the same token; a decimal point is kept ("5.93"); leading
//     zeros of integers are kept (they are often codes).
//
// Thread safety: a Tokenizer is immutable after construction; tokenize() is const and may run
// concurrently with distinct TokenBuffers. Cost: O(n); no allocation once the buffer is warm.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup {

struct TokenizeOptions {
  bool canonical_numbers = true;
  bool split_unspaced_scripts = true;  // one token per character for Han, Kana, Thai, ...

  Status validate() const { return Status(); }
};

// Tokens stored back to back in one byte arena; token i is bytes [begin(i), end(i)).
class TokenBuffer {
 public:
  void clear() noexcept {
    bytes_.clear();
    ends_.clear();
  }
  std::size_t size() const noexcept { return ends_.size(); }
  bool empty() const noexcept { return ends_.empty(); }
  std::string_view operator[](std::size_t i) const noexcept {
    const uint32_t b = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(b, ends_[i] - b);
  }
  // Appending API used by the tokenizer.
  void append_byte(char c) { bytes_.push_back(c); }
  void append(std::string_view s) { bytes_.append(s); }
  void finish_token() { ends_.push_back(static_cast<uint32_t>(bytes_.size())); }
  // Bytes appended since the last finish_token().
  std::size_t pending_size() const noexcept {
    return bytes_.size() - (ends_.empty() ? 0 : ends_.back());
  }
  const std::string& bytes() const noexcept { return bytes_; }
  // Offset in bytes() where token i ends; token i starts where token i-1 ends (or at 0).
  uint32_t end_offset(std::size_t i) const noexcept { return ends_[i]; }

 private:
  friend class Tokenizer;  // writes the arena directly (no per-token append call)
  std::string bytes_;
  std::vector<uint32_t> ends_;
};

class Tokenizer {
 public:
  explicit Tokenizer(TokenizeOptions options = {}) : options_(options) {}

  // Appends the tokens of `normalized` to `out` after clearing it.
  void tokenize(std::string_view normalized, TokenBuffer& out) const;

  const TokenizeOptions& options() const noexcept { return options_; }

 private:
  TokenizeOptions options_;
};

}  // namespace neardup
