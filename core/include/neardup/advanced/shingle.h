// Shingling: normalize -> tokenize -> k-shingles, each hashed to 64 bits with seeded XXH3.
//
//   neardup::ShingleHasher sh({.kind = neardup::ShingleKind::kWord, .k = 5, .seed = 1});
//   std::span<const uint64_t> hashes = sh.hash(page_text);   // valid until the next call
//
// Word shingles: token i contributes h_i = hash64(token_i, seed); the shingle starting at i is
// hash64(h_i .. h_{i+k-1} as 8k little-endian bytes, seed). A document with 0 < n < k tokens
// gets one shingle over all n tokens (hashed the same way), never an empty set.
// Char shingles: k consecutive code points of the normalized text (after whitespace folding);
// a document shorter than k code points gets one shingle of the whole text.
// The output is the multiset of shingle hashes in document order (duplicates are kept: callers
// that want a set sort+unique or use MinHash, which is insensitive to repeats).
//
// Thread safety: a ShingleHasher owns scratch buffers; use one per thread. Cost: O(n) in the
// document's bytes; no allocation once warm.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/normalize.h"
#include "neardup/advanced/tokenize.h"
#include "neardup/status.h"

namespace neardup {

enum class ShingleKind : uint8_t { kWord = 0, kChar = 1 };

struct ShingleOptions {
  ShingleKind kind = ShingleKind::kWord;
  uint32_t k = 5;  // tokens (word) or code points (char) per shingle; 1..64 (clamped if not)
  uint64_t seed = 0;

  Status validate() const;
};

// Parses "word:5" / "char:7" (or "word" / "char" with the default k) into options.
Result<ShingleOptions> parse_shingle_spec(std::string_view spec);

// Appends word k-shingle hashes of `tokens` to `out` (not cleared).
void word_shingle_hashes(const TokenBuffer& tokens, uint32_t k, uint64_t seed,
                         std::vector<uint64_t>& out);
// Appends char k-gram hashes of `normalized` (valid UTF-8) to `out` (not cleared).
void char_shingle_hashes(std::string_view normalized, uint32_t k, uint64_t seed,
                         std::vector<uint64_t>& out);

struct PipelineOptions {
  NormalizeOptions normalize;
  TokenizeOptions tokenize;
  ShingleOptions shingle;

  Status validate() const;
};

class ShingleHasher {
 public:
  explicit ShingleHasher(PipelineOptions options = {});
  explicit ShingleHasher(ShingleOptions shingle)
      : ShingleHasher(PipelineOptions{{}, {}, shingle}) {}

  // Normalizes, tokenizes and hashes `text`. The span stays valid until the next call.
  std::span<const uint64_t> hash(std::string_view text);

  // The normalized text and tokens of the last hash() call (no tokens for char shingles).
  std::string_view last_normalized() const noexcept { return normalized_; }
  const TokenBuffer& last_tokens() const noexcept { return tokens_; }

  // Invalid-UTF-8 counts accumulated over all calls.
  const NormalizeStats& stats() const noexcept { return stats_; }
  const PipelineOptions& options() const noexcept { return options_; }

 private:
  PipelineOptions options_;
  Normalizer normalizer_;
  Tokenizer tokenizer_;
  std::string normalized_;
  TokenBuffer tokens_;
  std::vector<uint64_t> hashes_;
  NormalizeStats stats_;
};

}  // namespace neardup
