#include "neardup/advanced/shingle.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <string>

// The one place besides hash.cpp that inlines XXH3, so that hashing inlines into the shingle
// loops. Values are identical to neardup::hash64 (same function, same seed).
#define XXH_INLINE_ALL
#include <xxhash.h>

namespace neardup {
namespace {

constexpr uint32_t kMaxK = 64;

uint32_t clamp_k(uint32_t k) { return std::clamp<uint32_t>(k, 1, kMaxK); }

inline uint64_t h64(const void* data, std::size_t len, uint64_t seed) {
  return XXH3_64bits_withSeed(data, len, seed);
}

// The shingle input is the token hashes as little-endian bytes. On a little-endian host the
// uint64_t array already has that layout; elsewhere the stored words are byte-swapped first.
inline uint64_t to_le(uint64_t v) {
  if constexpr (std::endian::native == std::endian::little) {
    return v;
  } else {
    return ((v & 0x00000000000000FFULL) << 56) | ((v & 0x000000000000FF00ULL) << 40) |
           ((v & 0x0000000000FF0000ULL) << 24) | ((v & 0x00000000FF000000ULL) << 8) |
           ((v & 0x000000FF00000000ULL) >> 8) | ((v & 0x0000FF0000000000ULL) >> 24) |
           ((v & 0x00FF000000000000ULL) >> 40) | ((v & 0xFF00000000000000ULL) >> 56);
  }
}

}  // namespace

Status ShingleOptions::validate() const {
  if (k < 1 || k > kMaxK) {
    return Status::invalid_argument("shingle k must be in 1..64, got " + std::to_string(k));
  }
  if (kind != ShingleKind::kWord && kind != ShingleKind::kChar) {
    return Status::invalid_argument("unknown shingle kind");
  }
  return Status();
}

Status PipelineOptions::validate() const {
  NEARDUP_RETURN_IF_ERROR(normalize.validate());
  NEARDUP_RETURN_IF_ERROR(tokenize.validate());
  return shingle.validate();
}

Result<ShingleOptions> parse_shingle_spec(std::string_view spec) {
  const auto bad = [&](std::string_view why) {
    return Status::invalid_argument("invalid shingle spec '" + std::string(spec) + "': " +
                                    std::string(why) + " (expected word[:K] or char[:K], K 1..64)");
  };
  ShingleOptions o;
  const std::size_t colon = spec.find(':');
  const std::string_view kind = spec.substr(0, colon);
  if (kind == "word") {
    o.kind = ShingleKind::kWord;
  } else if (kind == "char") {
    o.kind = ShingleKind::kChar;
  } else {
    return bad("unknown kind");
  }
  if (colon != std::string_view::npos) {
    const std::string_view num = spec.substr(colon + 1);
    uint32_t k = 0;
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), k);
    if (num.empty() || ec != std::errc() || ptr != num.data() + num.size()) {
      return bad("K is not a number");
    }
    o.k = k;
  }
  NEARDUP_RETURN_IF_ERROR(
      o.validate().with_context("invalid shingle spec '" + std::string(spec) + "'"));
  return o;
}

namespace {

// Writes h_i = hash64(token i) to h[i], stored little-endian. `flatten` inlines XXH3's length
// dispatch into the loop.
[[gnu::flatten]] void token_hashes(const TokenBuffer& tokens, uint64_t seed, uint64_t* h) {
  const char* const bytes = tokens.bytes().data();
  const std::size_t n = tokens.size();
  uint32_t begin = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const uint32_t end = tokens.end_offset(i);
    h[i] = to_le(h64(bytes + begin, end - begin, seed));
    begin = end;
  }
}

// Shingle i reads token hashes i..i+k-1 and is written over slot i, which no later shingle
// reads: the whole transform runs in place, left to right. K is a compile-time constant for
// the common sizes so that XXH3's dispatch on the length folds away.
template <uint32_t K>
[[gnu::flatten]] void shingles_fixed(uint64_t* h, std::size_t m, uint64_t seed) {
  for (std::size_t i = 0; i < m; ++i) h[i] = h64(h + i, K * sizeof(uint64_t), seed);
}
[[gnu::flatten]] void shingles_any(uint64_t* h, std::size_t m, uint32_t k, uint64_t seed) {
  for (std::size_t i = 0; i < m; ++i) h[i] = h64(h + i, std::size_t{k} * sizeof(uint64_t), seed);
}

// Writes the word k-shingle hashes of `tokens` (n > 0 of them) to h[0, n) and returns their
// count. k is clamped already.
std::size_t word_shingles_into(const TokenBuffer& tokens, uint32_t k, uint64_t seed, uint64_t* h) {
  const std::size_t n = tokens.size();
  token_hashes(tokens, seed, h);
  if (n < k) {  // one shingle over all the tokens
    h[0] = h64(h, n * sizeof(uint64_t), seed);
    return 1;
  }
  const std::size_t m = n - k + 1;
  switch (k) {
    case 1:
      shingles_fixed<1>(h, m, seed);
      break;
    case 2:
      shingles_fixed<2>(h, m, seed);
      break;
    case 3:
      shingles_fixed<3>(h, m, seed);
      break;
    case 4:
      shingles_fixed<4>(h, m, seed);
      break;
    case 5:
      shingles_fixed<5>(h, m, seed);
      break;
    case 6:
      shingles_fixed<6>(h, m, seed);
      break;
    case 7:
      shingles_fixed<7>(h, m, seed);
      break;
    case 8:
      shingles_fixed<8>(h, m, seed);
      break;
    default:
      shingles_any(h, m, k, seed);
      break;
  }
  return m;
}

}  // namespace

void word_shingle_hashes(const TokenBuffer& tokens, uint32_t k, uint64_t seed,
                         std::vector<uint64_t>& out) {
  const std::size_t n = tokens.size();
  if (n == 0) return;
  const std::size_t base = out.size();
  out.resize(base + n);
  out.resize(base + word_shingles_into(tokens, clamp_k(k), seed, out.data() + base));
}

void char_shingle_hashes(std::string_view normalized, uint32_t k, uint64_t seed,
                         std::vector<uint64_t>& out) {
  if (normalized.empty()) return;
  k = clamp_k(k);
  const char* s = normalized.data();
  const std::size_t n = normalized.size();
  // starts[j % k] holds the byte offset of code point j for the last k code points.
  std::size_t starts[kMaxK];
  std::size_t slot = 0;   // j % k
  std::size_t count = 0;  // code points seen
  for (std::size_t i = 0; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) continue;  // continuation byte
    if (count >= k) {
      const std::size_t first = starts[slot];  // start of code point count - k
      out.push_back(h64(s + first, i - first, seed));
    }
    starts[slot] = i;
    if (++slot == k) slot = 0;
    ++count;
  }
  if (count >= k) {
    const std::size_t first = starts[slot];
    out.push_back(h64(s + first, n - first, seed));
  } else {
    out.push_back(h64(s, n, seed));  // shorter than k code points: one shingle
  }
}

ShingleHasher::ShingleHasher(PipelineOptions options)
    : options_(options), normalizer_(options.normalize), tokenizer_(options.tokenize) {
  options_.shingle.k = clamp_k(options_.shingle.k);
}

std::span<const uint64_t> ShingleHasher::hash(std::string_view text) {
  normalizer_.normalize(text, normalized_, &stats_);
  if (options_.shingle.kind == ShingleKind::kChar) {
    hashes_.clear();
    tokens_.clear();
    char_shingle_hashes(normalized_, options_.shingle.k, options_.shingle.seed, hashes_);
    return hashes_;
  }
  tokenizer_.tokenize(normalized_, tokens_);
  const std::size_t n = tokens_.size();
  if (n == 0) return std::span<const uint64_t>(hashes_.data(), 0);
  // hashes_ keeps its largest size, so that a warm hasher does not zero-fill it again; the span
  // covers this document's shingles.
  if (hashes_.size() < n) hashes_.resize(n);
  const std::size_t m =
      word_shingles_into(tokens_, options_.shingle.k, options_.shingle.seed, hashes_.data());
  return std::span<const uint64_t>(hashes_.data(), m);
}

}  // namespace neardup
