// neardup-synth: a deterministic generator of English-like synthetic corpora with planted exact
// and near duplicates and their ground truth. See datasets/README.md for the text model, the edit
// model and the ground-truth format.
//
// Determinism: the output depends only on the options. Every random choice comes from our own
// xoshiro256** stream (seeded through splitmix64) and is turned into decisions with integer
// arithmetic only (no floating point, no libm, no std:: distributions), so the same options give
// byte-identical files on every machine and compiler.

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <iostream>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/program_options.hpp>

#include "unsigned_options.h"

namespace po = boost::program_options;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitRuntime = 1;
constexpr int kExitUsage = 2;

// ---------------------------------------------------------------------------------------------
// Random numbers: splitmix64 to expand the seed, xoshiro256** for the stream (Blackman & Vigna).

uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    uint64_t sm = seed;
    for (auto& w : s_) w = splitmix64(sm);
  }
  uint64_t next() noexcept {
    const uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // A value in [0, n): the high 32 bits scaled by n (Lemire's multiply-shift, without the
  // rejection step; the bias of at most n / 2^32 is irrelevant here and keeps it branch-free).
  uint32_t below(uint32_t n) noexcept {
    return static_cast<uint32_t>(((next() >> 32) * static_cast<uint64_t>(n)) >> 32);
  }
  // True with probability ppm / 1,000,000.
  bool chance_ppm(uint32_t ppm) noexcept { return below(1000000) < ppm; }

 private:
  std::array<uint64_t, 4> s_{};
};

// ---------------------------------------------------------------------------------------------
// Vocabulary: pronounceable pseudo-words built from syllables, with Zipf-Mandelbrot frequencies
// p(r) ~ 1 / (r + 2.7) over ranks r = 1..N. Frequent ranks get shorter words, as in English.
// The vocabulary depends only on its size (not on --seed), and the first n words of a larger
// vocabulary are the words of the size-n one.

constexpr std::array<std::string_view, 40> kOnsets = {
    "",   "",   "",   "b",  "c",  "d",  "f",  "g",  "h",  "j",  "k",  "l",  "m",  "n",
    "p",  "r",  "s",  "t",  "v",  "w",  "z",  "br", "cr", "dr", "fr", "gr", "pr", "tr",
    "bl", "cl", "fl", "gl", "pl", "sl", "sh", "ch", "th", "st", "sp", "sk"};
constexpr std::array<std::string_view, 14> kVowels = {"a", "e",  "i",  "o",  "u",  "a",  "e",
                                                      "o", "ai", "ea", "ee", "oo", "ou", "io"};
constexpr std::array<std::string_view, 16> kCodas = {"",  "",  "",  "",   "",   "n",  "r",  "s",
                                                     "l", "m", "t", "nd", "st", "rk", "ng", "x"};

class Vocabulary {
 public:
  explicit Vocabulary(uint32_t size) {
    Rng rng(0x6E65617264757021ULL);  // fixed: the vocabulary is not affected by --seed
    std::unordered_set<std::string> seen;
    seen.reserve(size * 2u);
    offsets_.reserve(size + 1u);
    offsets_.push_back(0);
    std::string w;
    for (uint32_t r = 0; r < size; ++r) {
      for (uint32_t attempt = 0;; ++attempt) {
        uint32_t syllables = 1;
        if (r < 60) {
          syllables = 1;
        } else if (r < 1500) {
          syllables = 1 + rng.below(2);
        } else if (r < 15000) {
          syllables = 2 + rng.below(2);
        } else {
          syllables = 2 + rng.below(2) + (rng.below(4) == 0 ? 1 : 0);
        }
        syllables += attempt / 64;  // a crowded length class: grow the word
        w.clear();
        for (uint32_t s = 0; s < syllables; ++s) {
          w += kOnsets[rng.below(kOnsets.size())];
          w += kVowels[rng.below(kVowels.size())];
          if (s + 1 == syllables || rng.below(5) == 0) w += kCodas[rng.below(kCodas.size())];
        }
        if (w.size() >= 2 || r < 8) {
          if (seen.insert(w).second) break;
        }
      }
      chars_ += w;
      offsets_.push_back(static_cast<uint32_t>(chars_.size()));
      max_len_ = std::max<uint32_t>(max_len_, static_cast<uint32_t>(w.size()));
    }
    chars_.append(16, '\0');  // padding for the renderer's fixed-size copies
    build_alias(size);
  }

  uint32_t size() const noexcept { return static_cast<uint32_t>(alias_.size()); }
  const char* word_data(uint32_t id) const noexcept { return chars_.data() + offsets_[id]; }
  uint32_t word_len(uint32_t id) const noexcept { return offsets_[id + 1] - offsets_[id]; }
  // The longest word, or 16 (the longest number is 13 bytes), whichever is larger.
  uint32_t max_word_len() const noexcept { return std::max<uint32_t>(max_len_, 16); }

  // A Zipf-distributed word id in O(1) (Walker/Vose alias method, integer thresholds).
  uint32_t sample(Rng& rng) const noexcept {
    const uint64_t x = rng.next();
    const auto bucket = static_cast<uint32_t>(((x >> 32) * alias_.size()) >> 32);
    const auto lo = static_cast<uint32_t>(x);
    return lo < prob_[bucket] ? bucket : alias_[bucket];
  }

 private:
  void build_alias(uint32_t n) {
    __extension__ using u128 = unsigned __int128;
    // Integer weights: w_r = floor(10 * 2^44 / (10 r + 27)), r = 1..n (Zipf-Mandelbrot, q=2.7).
    std::vector<u128> scaled(n);
    u128 total = 0;
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t w = (10ULL << 44) / (10ULL * (i + 1) + 27ULL);
      scaled[i] = w;
      total += w;
    }
    // Vose: bucket i keeps itself with probability prob_[i] / 2^32, else takes alias_[i]. In units
    // where the mean bucket holds `total`, each weight counts n times.
    for (auto& s : scaled) s *= n;
    prob_.assign(n, 0xFFFFFFFFu);
    alias_.resize(n);
    for (uint32_t i = 0; i < n; ++i) alias_[i] = i;
    std::vector<uint32_t> small;
    std::vector<uint32_t> large;
    for (uint32_t i = 0; i < n; ++i) (scaled[i] < total ? small : large).push_back(i);
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back();
      small.pop_back();
      const uint32_t l = large.back();
      prob_[s] = static_cast<uint32_t>((scaled[s] << 32) / total);
      alias_[s] = l;
      scaled[l] = scaled[l] + scaled[s] - total;
      if (scaled[l] < total) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Whatever remains is (up to rounding) exactly full: keep itself always.
  }

  std::string chars_;
  std::vector<uint32_t> offsets_;
  std::vector<uint32_t> prob_;
  std::vector<uint32_t> alias_;
  uint32_t max_len_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Documents are kept as token codes so that edits are cheap; render() turns them into text.
//
// Token code: bit 31 = a comma follows the token; bit 30 = the token is a number; for numbers
// bits 28-29 are the format and bits 0-27 the value; for words bits 0-29 are the word id.

constexpr uint32_t kComma = 1u << 31;
constexpr uint32_t kNumber = 1u << 30;
constexpr uint32_t kFormatShift = 28;
constexpr uint32_t kValueMask = (1u << 28) - 1;
constexpr uint32_t kWordMask = (1u << 30) - 1;
enum NumberFormat : uint32_t {
  kGrouped = 0,  // 1,250 or 3,250,000 (thousands separators)
  kDecimal = 1,  // value / 10 with one decimal: 3.5
  kPlain = 2,    // a year: 2019
};

struct Doc {
  std::vector<uint32_t> toks;
  std::vector<uint32_t> sent_end;  // exclusive end of each sentence in toks
  std::vector<uint8_t> para_end;   // 1 if a paragraph break follows the sentence
  uint32_t header = 0;             // boilerplate line index + 1, 0 = none
  uint32_t footer = 0;

  void clear() {
    toks.clear();
    sent_end.clear();
    para_end.clear();
    header = footer = 0;
  }
};

constexpr std::array<std::string_view, 6> kHeaders = {
    "Breaking news update",
    "This article is part of our weekly digest",
    "From the archive",
    "Updated with new details at the end of the story",
    "Sponsored content from our partners",
    "Listen to this article in our app",
};
constexpr std::array<std::string_view, 6> kFooters = {
    "Reporting by the news desk. Editing by the weekend team.",
    "Subscribe to our newsletter for more stories like this one.",
    "All rights reserved. Reproduction without permission is prohibited.",
    "Follow us on social media for the latest updates.",
    "Share this story with your friends and family.",
    "Comments are closed for this article.",
};

constexpr std::size_t max_boilerplate() {
  std::size_t m = 0;
  for (auto s : kHeaders) m = std::max(m, s.size());
  for (auto s : kFooters) m = std::max(m, s.size());
  return m + 8;  // plus the escaped paragraph break
}
constexpr std::size_t kMaxBoilerplate = max_boilerplate();

// The boilerplate lines must not need JSON escaping (the renderer writes text pre-escaped).
constexpr bool json_safe(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == '"' || c == '\\') return false;
  }
  return true;
}
constexpr bool all_json_safe() {
  for (auto s : kHeaders) {
    if (!json_safe(s)) return false;
  }
  for (auto s : kFooters) {
    if (!json_safe(s)) return false;
  }
  return true;
}
static_assert(all_json_safe());

uint32_t make_number(Rng& rng) {
  const uint32_t kind = rng.below(100);
  uint32_t value = 0;
  uint32_t format = kGrouped;
  if (kind < 35) {
    value = 1 + rng.below(99);
  } else if (kind < 55) {
    value = 1950 + rng.below(81);
    format = kPlain;
  } else if (kind < 80) {
    value = 1000 + rng.below(999) * (1 + rng.below(1000));  // 1,000 .. 998,998
  } else if (kind < 95) {
    value = 1 + rng.below(999);  // 0.1 .. 99.9
    format = kDecimal;
  } else {
    value = 1000000 + rng.below(99) * 1000000 + rng.below(1000) * 1000;
  }
  return kNumber | (format << kFormatShift) | value;
}

// Writes the number at p (at most 13 bytes) and returns the end.
char* write_number(char* p, uint32_t code) {
  uint32_t value = code & kValueMask;
  const uint32_t format = (code >> kFormatShift) & 3u;
  char digits[12];
  int n = 0;
  if (format == kDecimal) {
    const uint32_t frac = value % 10;
    value /= 10;
    do {
      digits[n++] = static_cast<char>('0' + value % 10);
      value /= 10;
    } while (value != 0);
    while (n > 0) *p++ = digits[--n];
    *p++ = '.';
    *p++ = static_cast<char>('0' + frac);
    return p;
  }
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  // digits[] holds the number reversed; thousands separators between groups of exactly three.
  const bool grouped = format == kGrouped;
  while (n > 0) {
    *p++ = digits[--n];
    if (grouped && n > 0 && n % 3 == 0) *p++ = ',';
  }
  return p;
}

// A growable byte buffer that is not zero-filled when it grows: the renderer reserves an upper
// bound, writes through a raw pointer and then commits what it wrote.
class ByteBuffer {
 public:
  std::size_t size() const noexcept { return size_; }
  const char* data() const noexcept { return data_.get(); }
  std::string_view view(std::size_t from = 0) const noexcept {
    return std::string_view(data_.get() + from, size_ - from);
  }
  void clear() noexcept { size_ = 0; }
  // A pointer to at least n writable bytes at the end.
  char* tail(std::size_t n) {
    if (size_ + n > cap_) {
      const std::size_t cap = std::max(cap_ * 2, size_ + n);
      std::unique_ptr<char[]> d(new char[cap]);
      if (size_ != 0) std::memcpy(d.get(), data_.get(), size_);
      data_ = std::move(d);
      cap_ = cap;
    }
    return data_.get() + size_;
  }
  void commit(const char* end) noexcept { size_ = static_cast<std::size_t>(end - data_.get()); }
  void append(std::string_view s) {
    char* p = tail(s.size());
    std::memcpy(p, s.data(), s.size());
    size_ += s.size();
  }

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t cap_ = 0;
};

class Renderer {
 public:
  explicit Renderer(const Vocabulary& vocab) : vocab_(vocab) {}

  // Appends the text of `doc` to `out`, as the contents of a JSON string when `json` (newlines
  // written as \n; nothing else in our texts needs escaping), else as plain text.
  void render(const Doc& doc, ByteBuffer& out, bool json) const {
    const std::string_view para = json ? std::string_view("\\n\\n") : std::string_view("\n\n");
    // Upper bound: every token at its longest plus ", ", every sentence ". " or a paragraph
    // break, the boilerplate, and slack for the fixed 16-byte word copies.
    const std::size_t bound = doc.toks.size() * (vocab_.max_word_len() + 16) +
                              doc.sent_end.size() * 8 + 2 * kMaxBoilerplate + 64;
    char* const start = out.tail(bound);
    char* p = start;
    const auto put = [&p](std::string_view s) {
      std::memcpy(p, s.data(), s.size());
      p += s.size();
    };
    if (doc.header != 0) {
      put(kHeaders[doc.header - 1]);
      put(para);
    }
    uint32_t begin = 0;
    const std::size_t nsent = doc.sent_end.size();
    for (std::size_t s = 0; s < nsent; ++s) {
      const uint32_t end = doc.sent_end[s];
      for (uint32_t i = begin; i < end; ++i) {
        const uint32_t code = doc.toks[i];
        if (code & kNumber) {
          p = write_number(p, code);
        } else {
          const uint32_t id = code & kWordMask;
          const char* w = vocab_.word_data(id);
          const uint32_t len = vocab_.word_len(id);
          // Words are padded in the arena, so a fixed-size copy is safe and branch-light.
          if (len <= 16) {
            std::memcpy(p, w, 16);
          } else {
            std::memcpy(p, w, len);
          }
          if (i == begin) *p = static_cast<char>(*p - ('a' - 'A'));
          p += len;
        }
        if (i + 1 < end) {
          if (code & kComma) *p++ = ',';
          *p++ = ' ';
        }
      }
      *p++ = '.';
      if (s + 1 < nsent) {
        if (doc.para_end[s]) {
          put(para);
        } else {
          *p++ = ' ';
        }
      }
      begin = end;
    }
    if (doc.footer != 0) {
      put(para);
      put(kFooters[doc.footer - 1]);
    }
    out.commit(p);
  }

 private:
  const Vocabulary& vocab_;
};

// ---------------------------------------------------------------------------------------------
// Ground-truth similarity: the set of word 5-shingles under the documented simple tokenization:
// ASCII lower-casing; a ',' between two digits is removed and a '.' between two digits is part
// of the number; a token is a maximal run of [a-z0-9] (plus such decimal points). A text with
// 1..4 tokens has one shingle made of all its tokens. Shingles are compared through 64-bit
// hashes (a false match needs a 64-bit collision: ~1e-14 per pair of documents).

constexpr uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

constexpr bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
constexpr bool is_word_char(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Token hashes of `text`, which is plain text or the contents of a JSON string (an escape such
// as \n is a separator; our texts contain no other escapes).
void token_hashes(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  const std::size_t n = text.size();
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  uint64_t h = 0;
  bool in_token = false;
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = at(i);
    if (is_word_char(c)) {
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c + ('a' - 'A'));
      if (!in_token) h = 0xCBF29CE484222325ULL;  // FNV-1a
      h = (h ^ c) * 0x100000001B3ULL;
      in_token = true;
      continue;
    }
    if (c == '\\') {
      ++i;  // the escaped character is a separator too
    } else {
      const bool between_digits = i > 0 && i + 1 < n && is_digit(at(i - 1)) && is_digit(at(i + 1));
      if (between_digits && c == ',') continue;  // thousands separator: dropped
      if (between_digits && c == '.') {          // decimal point: part of the token
        h = (h ^ c) * 0x100000001B3ULL;
        continue;
      }
    }
    if (in_token) out.push_back(mix64(h));
    in_token = false;
  }
  if (in_token) out.push_back(mix64(h));
}

// Word 5-shingle hashes of `text` in document order (with repeats).
void shingle_hashes(std::string_view text, std::vector<uint64_t>& tokens,
                    std::vector<uint64_t>& out) {
  constexpr std::size_t k = 5;
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ULL;
  token_hashes(text, tokens);
  out.clear();
  const std::size_t n = tokens.size();
  const std::size_t len = n < k ? n : k;
  const std::size_t count = n == 0 ? 0 : (n < k ? 1 : n - k + 1);
  for (std::size_t i = 0; i < count; ++i) {
    uint64_t h = len;  // polynomial in the (already mixed) token hashes, then mixed
    for (std::size_t j = 0; j < len; ++j) h = h * kMul + tokens[i + j];
    out.push_back(mix64(h));
  }
}

// Sorted, de-duplicated word 5-shingle hashes of `text`.
void shingle_set(std::string_view text, std::vector<uint64_t>& tokens, std::vector<uint64_t>& out) {
  shingle_hashes(text, tokens, out);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
}

// Counts |A ∩ B| and |A ∪ B| for a sorted set A and a multiset B, with an open-addressing table
// over B (cheaper than sorting B).
class SetCompare {
 public:
  std::pair<uint64_t, uint64_t> intersect_union(const std::vector<uint64_t>& a,
                                                const std::vector<uint64_t>& b) {
    std::size_t cap = 16;
    while (cap < 2 * b.size()) cap *= 2;
    table_.assign(cap, 0);
    used_.assign(cap, 0);
    const std::size_t mask = cap - 1;
    uint64_t nb = 0;
    for (uint64_t x : b) {
      std::size_t i = static_cast<std::size_t>(x) & mask;
      while (used_[i] && table_[i] != x) i = (i + 1) & mask;
      if (!used_[i]) {
        used_[i] = 1;
        table_[i] = x;
        ++nb;
      }
    }
    uint64_t inter = 0;
    for (uint64_t x : a) {
      std::size_t i = static_cast<std::size_t>(x) & mask;
      while (used_[i] && table_[i] != x) i = (i + 1) & mask;
      inter += used_[i];
    }
    return {inter, a.size() + nb - inter};
  }

 private:
  std::vector<uint64_t> table_;
  std::vector<uint8_t> used_;
};

// "0.873412": the ratio rounded half-up to 6 decimals, in integer arithmetic.
std::string format_ratio(uint64_t num, uint64_t den) {
  if (den == 0) return "1.000000";  // two empty sets are identical
  const uint64_t micro = (num * 2000000 + den) / (2 * den);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%llu.%06llu", static_cast<unsigned long long>(micro / 1000000),
                static_cast<unsigned long long>(micro % 1000000));
  return buf;
}

// ---------------------------------------------------------------------------------------------
// Generation.

struct Options {
  uint64_t docs = 1000;
  uint64_t bytes = 0;  // 0: use docs
  uint64_t seed = 1;
  uint32_t dup_ppm = 200000;
  uint32_t exact_ppm = 50000;
  uint32_t entity_ppm = 0;  // near copies written with HTML entities
  uint32_t embed_ppm = 0;   // pages that hold a copy of an earlier article between other text
  uint32_t mean_words = 300;
  uint32_t vocab = 50000;
  std::string output = "-";
  std::string truth;
  bool quiet = false;
};

// Quantiles of a log-normal distribution with sigma = 0.6 and mean 1, at (i + 0.5) / 128, in
// units of 1/10000 (computed offline; integers so that lengths are identical everywhere).
constexpr std::array<uint32_t, 128> kLogNormalQuantiles = {
    1693,  2144,  2422,  2637,  2820,  2981,  3127,  3263,  3390,  3510,  3624,  3734,  3840,
    3943,  4043,  4141,  4236,  4330,  4421,  4512,  4601,  4689,  4776,  4862,  4948,  5033,
    5117,  5200,  5284,  5367,  5449,  5532,  5614,  5696,  5778,  5860,  5942,  6024,  6106,
    6188,  6271,  6354,  6437,  6520,  6603,  6687,  6772,  6857,  6942,  7028,  7114,  7201,
    7289,  7377,  7466,  7555,  7646,  7737,  7829,  7922,  8016,  8111,  8207,  8304,  8402,
    8501,  8602,  8704,  8807,  8911,  9017,  9125,  9234,  9345,  9458,  9572,  9689,  9807,
    9928,  10050, 10175, 10303, 10433, 10565, 10701, 10839, 10981, 11126, 11274, 11426, 11582,
    11742, 11906, 12075, 12249, 12428, 12612, 12803, 13000, 13204, 13416, 13635, 13863, 14101,
    14348, 14607, 14879, 15163, 15463, 15779, 16114, 16470, 16849, 17256, 17693, 18167, 18683,
    19250, 19878, 20583, 21383, 22309, 23404, 24742, 26454, 28809, 32535, 41208};

struct EditCounts {
  uint32_t sub = 0, del = 0, ins = 0, swap = 0, sdrop = 0, head = 0, foot = 0, trunc = 0;

  std::string str() const {
    std::string s;
    const auto add = [&s](const char* name, uint32_t v) {
      if (v == 0) return;
      if (!s.empty()) s.push_back(',');
      s += name;
      s.push_back(':');
      s += std::to_string(v);
    };
    add("sub", sub);
    add("del", del);
    add("ins", ins);
    add("swap", swap);
    add("sdrop", sdrop);
    add("head", head);
    add("foot", foot);
    add("trunc", trunc);
    return s;
  }
};

struct PoolEntry {
  uint64_t doc_no = 0;
  Doc doc;
  std::vector<uint64_t> shingles;  // computed when first used as a source
  bool have_shingles = false;
};

class Generator {
 public:
  explicit Generator(const Options& opt)
      : opt_(opt), vocab_(opt.vocab), renderer_(vocab_), rng_(opt.seed ^ 0x73796E7468ULL) {
    // Keep about 32M tokens of candidate sources at most, and never more than 4096 documents.
    const uint64_t cap = (32ULL << 20) / std::max<uint32_t>(opt.mean_words, 1);
    pool_capacity_ = static_cast<std::size_t>(std::clamp<uint64_t>(cap, 16, 4096));
  }

  struct Stats {
    uint64_t docs = 0, bytes = 0, near = 0, exact = 0;
  };

  // Writes the corpus; returns false (with errno-style message in `error`) on an I/O failure.
  bool run(std::FILE* out, std::FILE* truth, std::string& error) {
    const auto start = std::chrono::steady_clock::now();
    auto last_report = start;
    ByteBuffer& buf = out_;
    std::string tbuf;
    for (uint64_t doc_no = 1;; ++doc_no) {
      if (opt_.bytes != 0 ? stats_.bytes >= opt_.bytes : doc_no > opt_.docs) break;
      const std::size_t before = buf.size();
      emit_doc(doc_no, buf, truth != nullptr ? &tbuf : nullptr);
      stats_.bytes += buf.size() - before;
      ++stats_.docs;
      if (buf.size() >= kFlushBytes) {
        if (!write_all(out, buf, error)) return false;
        if (truth != nullptr && !write_all(truth, tbuf, error)) return false;
        if (!opt_.quiet) {
          const auto now = std::chrono::steady_clock::now();
          if (now - last_report >= std::chrono::seconds(1)) {
            last_report = now;
            report(start, now, "progress");
          }
        }
      }
    }
    if (!write_all(out, buf, error)) return false;
    if (truth != nullptr && !write_all(truth, tbuf, error)) return false;
    if (!opt_.quiet) report(start, std::chrono::steady_clock::now(), "done");
    return true;
  }

  const Stats& stats() const { return stats_; }

 private:
  static constexpr std::size_t kFlushBytes = 4u << 20;

  template <class Buffer>
  static bool write_all(std::FILE* f, Buffer& buf, std::string& error) {
    if (buf.size() != 0 && std::fwrite(buf.data(), 1, buf.size(), f) != buf.size()) {
      error = std::strerror(errno);
      return false;
    }
    buf.clear();
    return true;
  }

  void report(std::chrono::steady_clock::time_point start,
              std::chrono::steady_clock::time_point now, const char* what) const {
    const double secs = std::chrono::duration<double>(now - start).count();
    const double mb = static_cast<double>(stats_.bytes) / 1e6;
    std::fprintf(stderr,
                 "neardup-synth: %s: %llu docs, %llu bytes, %llu near + %llu exact planted, "
                 "%.2f s, %.1f MB/s\n",
                 what, static_cast<unsigned long long>(stats_.docs),
                 static_cast<unsigned long long>(stats_.bytes),
                 static_cast<unsigned long long>(stats_.near),
                 static_cast<unsigned long long>(stats_.exact), secs, secs > 0 ? mb / secs : 0.0);
  }

  uint32_t doc_length() {
    // Log-normal-ish: interpolate the quantile table at a 16-bit uniform position.
    const uint32_t u = rng_.below(127u << 8);
    const uint32_t i = u >> 8, f = u & 255u;
    const uint64_t q =
        (uint64_t{kLogNormalQuantiles[i]} * (256 - f) + uint64_t{kLogNormalQuantiles[i + 1]} * f) /
        256;
    const uint64_t len = uint64_t{opt_.mean_words} * q / 10000;
    return static_cast<uint32_t>(std::max<uint64_t>(len, 1));
  }

  uint32_t random_token() {
    if (rng_.chance_ppm(20000)) return make_number(rng_);
    return vocab_.sample(rng_);
  }

  void make_original(Doc& d) {
    d.clear();
    const uint32_t len = doc_length();
    uint32_t words = 0;
    while (words < len) {
      uint32_t slen = 4 + rng_.below(11) + rng_.below(11);  // 4..24, mean 14
      const uint32_t left = len - words;
      if (left < slen + 3) slen = left;  // the last sentence takes the remainder
      for (uint32_t i = 0; i < slen; ++i) {
        // One draw decides "number?" (2%, low 20 bits) and "comma after?" (7%, next 20 bits).
        const uint64_t x = rng_.next();
        uint32_t t = (x & 0xFFFFF) < 20972 ? make_number(rng_) : vocab_.sample(rng_);
        if (i + 1 < slen && ((x >> 20) & 0xFFFFF) < 73400) t |= kComma;
        d.toks.push_back(t);
      }
      words += slen;
      d.sent_end.push_back(words);
      d.para_end.push_back(rng_.below(4) == 0 ? 1 : 0);
    }
  }

  // Applies the edit model (datasets/README.md) at strength k in 0..1000 to `src`, into `dst`.
  EditCounts make_near(const Doc& src, uint32_t k, Doc& dst) {
    EditCounts ec;
    dst.clear();
    const std::size_t nsent = src.sent_end.size();
    // Sentence plan: which source sentences survive, in which order.
    order_.clear();
    for (uint32_t s = 0; s < nsent; ++s) order_.push_back(s);
    if (nsent >= 3 && rng_.chance_ppm(k * 500)) {  // drop sentences
      const uint32_t max_drop =
          std::max<uint32_t>(1, static_cast<uint32_t>(nsent * uint64_t{k} / 4000));
      const uint32_t drops = 1 + rng_.below(max_drop);
      for (uint32_t j = 0; j < drops && order_.size() > 2; ++j) {
        order_.erase(order_.begin() + rng_.below(static_cast<uint32_t>(order_.size())));
        ++ec.sdrop;
      }
    }
    if (order_.size() >= 2 && rng_.chance_ppm(150000 + k * 150)) {  // swap neighbours
      const uint32_t swaps = 1 + rng_.below(2);
      for (uint32_t j = 0; j < swaps; ++j) {
        const uint32_t a = rng_.below(static_cast<uint32_t>(order_.size() - 1));
        std::swap(order_[a], order_[a + 1]);
        ++ec.swap;
      }
    }
    // Truncation point, in tokens of the surviving text.
    uint64_t total = 0;
    for (uint32_t s : order_) total += src.sent_end[s] - (s == 0 ? 0 : src.sent_end[s - 1]);
    uint64_t keep = total;
    if (total >= 10 && rng_.chance_ppm(k * 200)) {
      const uint64_t cut = total * rng_.below(1 + k * 35 / 100) / 1000;  // up to 35% at k=1000
      keep = total - cut;
      ec.trunc = static_cast<uint32_t>(cut);
    }
    // Word edits: each token is edited with probability k * 0.01% (10% at k=1000).
    const uint32_t word_ppm = k * 100;
    uint64_t kept = 0;
    for (std::size_t si = 0; si < order_.size() && kept < keep; ++si) {
      const uint32_t s = order_[si];
      const uint32_t b = s == 0 ? 0 : src.sent_end[s - 1];
      const uint32_t e = src.sent_end[s];
      const std::size_t sent_start = dst.toks.size();
      for (uint32_t i = b; i < e && kept < keep; ++i, ++kept) {
        const uint32_t t = src.toks[i];
        if (!rng_.chance_ppm(word_ppm)) {
          dst.toks.push_back(t);
          continue;
        }
        const uint32_t op = rng_.below(4);
        if (op <= 1) {  // substitute a different word, keep the punctuation
          uint32_t r = vocab_.sample(rng_);
          if (r == (t & kWordMask) && !(t & kNumber)) r = (r + 1) % vocab_.size();
          dst.toks.push_back(r | (t & kComma));
          ++ec.sub;
        } else if (op == 2) {  // delete
          ++ec.del;
        } else {  // insert a word after this one
          dst.toks.push_back(t);
          dst.toks.push_back(random_token());
          ++ec.ins;
        }
      }
      if (dst.toks.size() == sent_start) continue;  // every word deleted: no sentence
      dst.toks.back() &= ~kComma;
      dst.sent_end.push_back(static_cast<uint32_t>(dst.toks.size()));
      dst.para_end.push_back(src.para_end[s]);
    }
    if (rng_.chance_ppm(250000)) {
      dst.header = 1 + rng_.below(kHeaders.size());
      ec.head = 1;
    }
    if (rng_.chance_ppm(350000)) {
      dst.footer = 1 + rng_.below(kFooters.size());
      ec.foot = 1;
    }
    if (dst.toks.empty() || ec.str().empty()) {  // always at least one edit
      if (dst.toks.empty()) {
        dst.toks.push_back(src.toks.front() & ~kComma);
        dst.sent_end.push_back(1);
        dst.para_end.push_back(0);
      }
      const uint32_t i = rng_.below(static_cast<uint32_t>(dst.toks.size()));
      uint32_t r = vocab_.sample(rng_);
      if (r == (dst.toks[i] & kWordMask) && !(dst.toks[i] & kNumber)) r = (r + 1) % vocab_.size();
      dst.toks[i] = r | (dst.toks[i] & kComma);
      ++ec.sub;
    }
    return ec;
  }

  // Writes "syn-" and the number, zero-padded to 9 digits, at p; returns the end.
  static char* write_id(char* p, uint64_t doc_no) {
    char digits[24];
    int n = 0;
    do {
      digits[n++] = static_cast<char>('0' + doc_no % 10);
      doc_no /= 10;
    } while (doc_no != 0);
    std::memcpy(p, "syn-", 4);
    p += 4;
    for (int i = n; i < 9; ++i) *p++ = '0';
    while (n > 0) *p++ = digits[--n];
    return p;
  }
  static void append_id(std::string& out, uint64_t doc_no) {
    char buf[32];
    out.append(buf, static_cast<std::size_t>(write_id(buf, doc_no) - buf));
  }

  const std::vector<uint64_t>& source_shingles(PoolEntry& e) {
    if (!e.have_shingles) {
      source_text_.clear();
      renderer_.render(e.doc, source_text_, /*json=*/false);
      shingle_set(source_text_.view(), tokens_, e.shingles);
      e.have_shingles = true;
    }
    return e.shingles;
  }

  void emit_doc(uint64_t doc_no, ByteBuffer& out, std::string* truth) {
    {
      char* p = out.tail(64);
      std::memcpy(p, "{\"id\":\"", 7);
      p = write_id(p + 7, doc_no);
      std::memcpy(p, "\",\"text\":\"", 10);
      out.commit(p + 10);
    }
    const std::size_t text_begin = out.size();
    // Decide what this document is: original, exact copy or near duplicate of a pooled original.
    const uint32_t roll = rng_.below(1000000);
    const bool can_copy = !pool_.empty();
    if (can_copy && roll < opt_.exact_ppm) {
      PoolEntry& src = pool_[rng_.below(static_cast<uint32_t>(pool_.size()))];
      renderer_.render(src.doc, out, /*json=*/true);
      ++stats_.exact;
      if (truth != nullptr) write_truth(*truth, doc_no, src.doc_no, "exact", "", "1.000000");
    } else if (can_copy && roll < opt_.exact_ppm + opt_.dup_ppm) {
      PoolEntry& src = pool_[rng_.below(static_cast<uint32_t>(pool_.size()))];
      // Strength 0..1000, skewed towards light edits so that the planted Jaccards spread over
      // about 0.3..1.0 (heavy edit rates all land near the bottom of that range).
      const uint32_t u = rng_.below(1001);
      const uint32_t k = u * u / 1000;
      const EditCounts ec = make_near(src.doc, k, scratch_doc_);
      renderer_.render(scratch_doc_, out, /*json=*/true);
      ++stats_.near;
      if (truth != nullptr) {
        const auto& a = source_shingles(src);
        shingle_hashes(out.view(text_begin), tokens_, shingles_);
        const auto [inter, uni] = compare_.intersect_union(a, shingles_);
        write_truth(*truth, doc_no, src.doc_no, "near", ec.str(), format_ratio(inter, uni));
      }
    } else if (can_copy && roll < opt_.exact_ppm + opt_.dup_ppm + opt_.entity_ppm) {
      emit_entity_copy(doc_no, out, text_begin, truth);
    } else if (can_copy &&
               roll < opt_.exact_ppm + opt_.dup_ppm + opt_.entity_ppm + opt_.embed_ppm) {
      emit_embedded(doc_no, out, text_begin, truth);
    } else {
      // An original: render it and maybe keep it as a future source.
      Doc* target = &scratch_doc_;
      if (pool_.size() < pool_capacity_) {
        pool_.emplace_back();
        target = &pool_.back().doc;
        pool_.back().doc_no = doc_no;
      } else if (rng_.below(8) == 0) {
        PoolEntry& e = pool_[rng_.below(static_cast<uint32_t>(pool_.size()))];
        e.doc_no = doc_no;
        e.have_shingles = false;
        target = &e.doc;
      }
      make_original(*target);
      renderer_.render(*target, out, /*json=*/true);
    }
    out.append("\"}\n");
  }

  // A near copy (light edits) as a crawler's text extraction leaves it when it skips entity
  // decoding: some words in &quot; / &#8220; &#8221; quotes, &nbsp; after some sentences. The
  // truth is measured on the decoded text (the same tokens as the plain copy).
  void emit_entity_copy(uint64_t doc_no, ByteBuffer& out, std::size_t text_begin,
                        std::string* truth) {
    PoolEntry& src = pool_[rng_.below(static_cast<uint32_t>(pool_.size()))];
    const uint32_t u = rng_.below(1001);
    const EditCounts ec = make_near(src.doc, u * u / 4000, scratch_doc_);
    entity_plain_.clear();
    renderer_.render(scratch_doc_, entity_plain_, /*json=*/true);
    const std::string_view plain = entity_plain_.view();
    uint32_t entities = 0;
    for (std::size_t i = 0; i < plain.size();) {
      const bool word_start =
          (i == 0 || plain[i - 1] == ' ') && is_word_char(static_cast<unsigned char>(plain[i]));
      if (word_start && rng_.below(12) == 0) {  // a quoted word
        std::size_t j = i;
        while (j < plain.size() && is_word_char(static_cast<unsigned char>(plain[j]))) ++j;
        const bool curly = rng_.below(2) == 0;
        out.append(curly ? "&#8220;" : "&quot;");
        out.append(plain.substr(i, j - i));
        out.append(curly ? "&#8221;" : "&quot;");
        entities += 2;
        i = j;
        continue;
      }
      if (plain[i] == '.' && i + 1 < plain.size() && plain[i + 1] == ' ' && rng_.below(3) == 0) {
        out.append(".&nbsp; ");
        ++entities;
        i += 2;
        continue;
      }
      out.append(plain.substr(i, 1));
      ++i;
    }
    ++stats_.near;
    if (truth != nullptr) {
      const auto& a = source_shingles(src);
      shingle_hashes(plain, tokens_, shingles_);
      const auto [inter, uni] = compare_.intersect_union(a, shingles_);
      std::string edits = ec.str();
      edits += ",ent:" + std::to_string(entities);
      write_truth(*truth, doc_no, src.doc_no, "entity", edits, format_ratio(inter, uni));
    }
    (void)text_begin;
  }

  // A page that holds a copy of an earlier article (exact or lightly edited) between one to
  // three paragraphs-worth of other text before and after (sidebars, other stories, comments):
  // low Jaccard with the article, containment of the article close to 1.
  void emit_embedded(uint64_t doc_no, ByteBuffer& out, std::size_t text_begin, std::string* truth) {
    PoolEntry& src = pool_[rng_.below(static_cast<uint32_t>(pool_.size()))];
    make_original(filler_doc_);
    renderer_.render(filler_doc_, out, /*json=*/true);
    out.append("\\n\\n");
    EditCounts ec;
    if (rng_.below(2) == 0) {
      renderer_.render(src.doc, out, /*json=*/true);
    } else {
      const uint32_t u = rng_.below(1001);
      ec = make_near(src.doc, u * u / 10000, scratch_doc_);
      renderer_.render(scratch_doc_, out, /*json=*/true);
    }
    if (rng_.below(3) != 0) {
      make_original(filler_doc_);
      out.append("\\n\\n");
      renderer_.render(filler_doc_, out, /*json=*/true);
    }
    ++stats_.near;
    if (truth != nullptr) {
      const auto& a = source_shingles(src);
      shingle_hashes(out.view(text_begin), tokens_, shingles_);
      const auto [inter, uni] = compare_.intersect_union(a, shingles_);
      std::string edits = ec.str();
      edits += edits.empty() ? "embed" : ",embed";
      write_truth(*truth, doc_no, src.doc_no, "embed", edits, format_ratio(inter, uni),
                  format_ratio(inter, a.size()));
    }
  }

  static void write_truth(std::string& t, uint64_t doc_no, uint64_t src_no, const char* kind,
                          const std::string& edits, const std::string& jaccard,
                          const std::string& containment = std::string()) {
    t += "{\"id\":\"";
    append_id(t, doc_no);
    t += "\",\"source\":\"";
    append_id(t, src_no);
    t += "\",\"kind\":\"";
    t += kind;
    t += "\",\"edits\":\"";
    t += edits;
    t += "\",\"jaccard_w5\":";
    t += jaccard;
    if (!containment.empty()) {
      t += ",\"containment_w5\":";
      t += containment;
    }
    t += "}\n";
  }

  Options opt_;
  Vocabulary vocab_;
  Renderer renderer_;
  Rng rng_;
  std::size_t pool_capacity_ = 4096;
  std::vector<PoolEntry> pool_;
  Doc scratch_doc_;
  Doc filler_doc_;
  ByteBuffer entity_plain_;
  std::vector<uint32_t> order_;
  ByteBuffer out_;
  ByteBuffer source_text_;
  std::vector<uint64_t> tokens_;
  std::vector<uint64_t> shingles_;
  SetCompare compare_;
  Stats stats_;
};

// ---------------------------------------------------------------------------------------------
// Command line.

struct UsageError : std::exception {
  explicit UsageError(std::string m) : msg(std::move(m)) {}
  const char* what() const noexcept override { return msg.c_str(); }
  std::string msg;
};

uint64_t parse_size(const std::string& s) {
  std::size_t i = 0;
  uint64_t v = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
    const auto d = static_cast<uint64_t>(s[i] - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) throw UsageError("--bytes: too large");
    v = v * 10 + d;
    ++i;
  }
  if (i == 0) throw UsageError("--bytes: expected a number with an optional K/M/G/T suffix: " + s);
  int shift = 0;
  if (i < s.size()) {
    switch (s[i]) {
      case 'k':
      case 'K':
        shift = 10;
        break;
      case 'm':
      case 'M':
        shift = 20;
        break;
      case 'g':
      case 'G':
        shift = 30;
        break;
      case 't':
      case 'T':
        shift = 40;
        break;
      default:
        throw UsageError("--bytes: unknown suffix in '" + s + "' (use K, M, G or T)");
    }
    ++i;
    if (i < s.size() && (s[i] == 'B' || s[i] == 'b')) ++i;
    if (i != s.size()) throw UsageError("--bytes: trailing characters in '" + s + "'");
  }
  if (shift != 0 && v > (std::numeric_limits<uint64_t>::max() >> shift))
    throw UsageError("--bytes: too large");
  v <<= shift;
  if (v == 0) throw UsageError("--bytes must be positive");
  return v;
}

uint32_t parse_rate(double f, const char* name) {
  if (!(f >= 0.0 && f <= 1.0)) throw UsageError(std::string(name) + " must be in [0, 1]");
  return static_cast<uint32_t>(f * 1e6 + 0.5);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  po::options_description desc(
      "neardup-synth: a deterministic synthetic corpus (JSONL {\"id\",\"text\"}) with planted\n"
      "exact and near duplicates. Same options => byte-identical output on any machine.\n\n"
      "Usage: neardup-synth [--bytes N | --docs N] [options]\n\n"
      "Exit codes: 0 success, 1 I/O failure, 2 usage error.\n\n"
      "Options");
  std::string bytes_str;
  double dup_rate = 0.2, exact_rate = 0.05, entity_rate = 0, embed_rate = 0;
  // clang-format off
  desc.add_options()
    ("help,h", "print this help and exit")
    ("version", "print the version and exit")
    ("bytes", po::value<std::string>(&bytes_str),
     "stop once the output has at least N bytes; suffixes K, M, G, T (powers of 1024), "
     "e.g. 1G (default: unset, use --docs)")
    ("docs", po::value<uint64_t>(&opt.docs)->default_value(1000),
     "number of documents to write when --bytes is not given (the two are exclusive)")
    ("seed", po::value<uint64_t>(&opt.seed)->default_value(1), "random seed")
    ("dup-rate", po::value<double>(&dup_rate)->default_value(0.2, "0.2"),
     "fraction of documents that are planted near duplicates of an earlier document")
    ("exact-rate", po::value<double>(&exact_rate)->default_value(0.05, "0.05"),
     "fraction of documents that are byte-identical copies of an earlier document")
    ("entity-rate", po::value<double>(&entity_rate)->default_value(0, "0"),
     "fraction of documents that are lightly edited near copies written with HTML entities "
     "(&quot;, &#8220; &#8221;, &nbsp;); truth kind \"entity\", Jaccard of the decoded text")
    ("embed-rate", po::value<double>(&embed_rate)->default_value(0, "0"),
     "fraction of documents that are pages holding a copy of an earlier article between other "
     "text; truth kind \"embed\" with containment_w5 (the article's share of shingles in the "
     "page)")
    ("mean-words", po::value<uint32_t>(&opt.mean_words)->default_value(300),
     "mean document length in words (log-normal, sigma 0.6)")
    ("vocab", po::value<uint32_t>(&opt.vocab)->default_value(50000),
     "vocabulary size (Zipf-distributed pseudo-words), 100..10000000")
    ("output,o", po::value<std::string>(&opt.output)->default_value("-"),
     "output JSONL file, - for stdout")
    ("truth", po::value<std::string>(&opt.truth)->default_value(""),
     "ground-truth JSONL file, one line per planted document (default: none)")
    ("quiet,q", po::bool_switch(&opt.quiet), "no progress or summary on stderr");
  // clang-format on
  po::variables_map vm;
  try {
    const po::parsed_options parsed = po::command_line_parser(argc, argv).options(desc).run();
    neardup::cli::reject_negative_unsigned(parsed);  // `--docs -5` would be read as 2^64 - 5
    po::store(parsed, vm);
    if (vm.count("help") != 0) {
      std::cout << desc << "\n";
      return kExitOk;
    }
    if (vm.count("version") != 0) {
      std::cout << "neardup-synth " NEARDUP_VERSION_STRING "\n";
      return kExitOk;
    }
    po::notify(vm);
    if (vm.count("bytes") != 0) {
      if (!vm["docs"].defaulted()) throw UsageError("--bytes and --docs are mutually exclusive");
      opt.bytes = parse_size(bytes_str);
    } else if (opt.docs == 0) {
      throw UsageError("--docs must be positive");
    }
    opt.dup_ppm = parse_rate(dup_rate, "--dup-rate");
    opt.exact_ppm = parse_rate(exact_rate, "--exact-rate");
    opt.entity_ppm = parse_rate(entity_rate, "--entity-rate");
    opt.embed_ppm = parse_rate(embed_rate, "--embed-rate");
    if (opt.dup_ppm + opt.exact_ppm + opt.entity_ppm + opt.embed_ppm > 1000000)
      throw UsageError(
          "--dup-rate + --exact-rate + --entity-rate + --embed-rate must be at most 1");
    if (opt.mean_words < 1 || opt.mean_words > 1000000)
      throw UsageError("--mean-words must be in 1..1000000");
    if (opt.vocab < 100 || opt.vocab > 10000000)
      throw UsageError("--vocab must be in 100..10000000");
  } catch (const std::exception& e) {
    std::cerr << "neardup-synth: " << e.what() << "\n";
    return kExitUsage;
  }

  std::FILE* out = stdout;
  std::FILE* truth = nullptr;
  if (opt.output != "-") {
    out = std::fopen(opt.output.c_str(), "wb");
    if (out == nullptr) {
      std::cerr << "neardup-synth: cannot open " << opt.output << ": " << std::strerror(errno)
                << "\n";
      return kExitRuntime;
    }
  }
  if (!opt.truth.empty()) {
    truth = std::fopen(opt.truth.c_str(), "wb");
    if (truth == nullptr) {
      std::cerr << "neardup-synth: cannot open " << opt.truth << ": " << std::strerror(errno)
                << "\n";
      if (out != stdout) std::fclose(out);
      return kExitRuntime;
    }
  }
  int rc = kExitOk;
  try {
    Generator gen(opt);
    std::string error;
    if (!gen.run(out, truth, error)) {
      std::cerr << "neardup-synth: write failed: " << error << "\n";
      rc = kExitRuntime;
    }
  } catch (const std::bad_alloc&) {
    std::cerr << "neardup-synth: out of memory\n";
    rc = kExitRuntime;
  }
  if (truth != nullptr && std::fclose(truth) != 0 && rc == kExitOk) {
    std::cerr << "neardup-synth: cannot write " << opt.truth << ": " << std::strerror(errno)
              << "\n";
    rc = kExitRuntime;
  }
  if (std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    if (rc == kExitOk) {
      std::cerr << "neardup-synth: cannot write " << opt.output << ": " << std::strerror(errno)
                << "\n";
    }
    rc = kExitRuntime;
  }
  return rc;
}
