// Tests of shingling: the spec parser, options validation, the exact hash definitions, golden
// values, determinism, statistics, and a very large single-line document.
#include "neardup/advanced/shingle.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "neardup/advanced/hash.h"

#if defined(__SANITIZE_ADDRESS__)
#define NEARDUP_TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NEARDUP_TEST_SANITIZED 1
#endif
#endif

namespace neardup {
namespace {

std::vector<uint64_t> word_hashes(std::string_view text, uint32_t k, uint64_t seed) {
  ShingleHasher h(ShingleOptions{ShingleKind::kWord, k, seed});
  const auto s = h.hash(text);
  return {s.begin(), s.end()};
}

std::vector<uint64_t> char_hashes(std::string_view text, uint32_t k, uint64_t seed) {
  ShingleHasher h(ShingleOptions{ShingleKind::kChar, k, seed});
  const auto s = h.hash(text);
  return {s.begin(), s.end()};
}

// The documented definition, written out byte by byte.
uint64_t reference_word_shingle(const std::vector<std::string>& tokens, uint64_t seed) {
  std::string bytes;
  for (const std::string& t : tokens) {
    const uint64_t h = hash64(t, seed);
    for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((h >> (8 * b)) & 0xFF));
  }
  return hash64(bytes, seed);
}

// ---- spec and options --------------------------------------------------------------------------

TEST(ShingleTest, ParseSpecAcceptsKindAndK) {
  auto w = parse_shingle_spec("word:5");
  ASSERT_TRUE(w.ok()) << w.status().to_string();
  EXPECT_EQ(w->kind, ShingleKind::kWord);
  EXPECT_EQ(w->k, 5u);
  auto c = parse_shingle_spec("char:7");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->kind, ShingleKind::kChar);
  EXPECT_EQ(c->k, 7u);
  auto bare = parse_shingle_spec("char");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->kind, ShingleKind::kChar);
  EXPECT_EQ(bare->k, ShingleOptions{}.k);
  auto edge = parse_shingle_spec("word:64");
  ASSERT_TRUE(edge.ok());
  EXPECT_EQ(edge->k, 64u);
}

TEST(ShingleTest, ParseSpecRejectsMalformedSpecs) {
  for (const char* bad : {"", "word:", "word:0", "word:65", "word:5x", "word:-1", "byte:3",
                          "Word:5", "word:99999999999", ":5", "word:5:6", "word: 5"}) {
    auto r = parse_shingle_spec(bad);
    ASSERT_FALSE(r.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("shingle spec"), std::string::npos);
  }
}

TEST(ShingleTest, ValidateChecksKRange) {
  EXPECT_FALSE((ShingleOptions{ShingleKind::kWord, 0, 0}).validate().ok());
  EXPECT_TRUE((ShingleOptions{ShingleKind::kWord, 1, 0}).validate().ok());
  EXPECT_TRUE((ShingleOptions{ShingleKind::kChar, 64, 0}).validate().ok());
  EXPECT_FALSE((ShingleOptions{ShingleKind::kChar, 65, 0}).validate().ok());
  PipelineOptions p;
  EXPECT_TRUE(p.validate().ok());
  p.shingle.k = 100;
  const Status st = p.validate();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("100"), std::string::npos);
}

// ---- definitions -------------------------------------------------------------------------------

TEST(ShingleTest, WordShinglesFollowTheDocumentedDefinition) {
  const auto got = word_hashes("a b c d e f g", 5, 42);
  const std::vector<std::string> t = {"a", "b", "c", "d", "e", "f", "g"};
  ASSERT_EQ(got.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(got[i], reference_word_shingle({t.begin() + static_cast<std::ptrdiff_t>(i),
                                              t.begin() + static_cast<std::ptrdiff_t>(i + 5)},
                                             42))
        << i;
  }
}

TEST(ShingleTest, DocumentShorterThanKGetsOneShingleOverAllTokens) {
  const auto got = word_hashes("Only three words", 5, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], reference_word_shingle({"only", "three", "words"}, 1));
}

TEST(ShingleTest, ExactlyKTokensGiveOneShingle) {
  EXPECT_EQ(word_hashes("a b c d e", 5, 0).size(), 1u);
  EXPECT_EQ(word_hashes("a b c d e f", 5, 0).size(), 2u);
}

TEST(ShingleTest, EmptyAndWhitespaceOnlyDocumentsGiveNoShingles) {
  EXPECT_TRUE(word_hashes("", 5, 0).empty());
  EXPECT_TRUE(word_hashes(" \t\r\n\xC2\xA0 ", 5, 0).empty());
  EXPECT_TRUE(word_hashes("... !!! ---", 5, 0).empty());  // no tokens at all
  EXPECT_TRUE(char_hashes("", 5, 0).empty());
  EXPECT_TRUE(char_hashes("  \n ", 5, 0).empty());
}

TEST(ShingleTest, KOfOneHashesEachTokenOnItsOwnShingle) {
  const auto got = word_hashes("x y", 1, 3);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], reference_word_shingle({"x"}, 3));
  EXPECT_EQ(got[1], reference_word_shingle({"y"}, 3));
}

TEST(ShingleTest, WordShingleHashesAppendToOutput) {
  TokenBuffer tb;
  Tokenizer().tokenize("a b c", tb);
  std::vector<uint64_t> out = {7, 8};
  word_shingle_hashes(tb, 2, 0, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], 7u);
  EXPECT_EQ(out[1], 8u);
  EXPECT_EQ(out[2], reference_word_shingle({"a", "b"}, 0));
  EXPECT_EQ(out[3], reference_word_shingle({"b", "c"}, 0));
}

TEST(ShingleTest, CharShinglesHashKCodePointsOfUtf8) {
  std::vector<uint64_t> out;
  const std::string s = "h\xC3\xA9llo";  // 5 code points, 6 bytes
  char_shingle_hashes(s, 3, 9, out);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[0], hash64("h\xC3\xA9l", 9));
  EXPECT_EQ(out[1], hash64("\xC3\xA9ll", 9));
  EXPECT_EQ(out[2], hash64("llo", 9));
}

TEST(ShingleTest, CharShinglesOfShortTextAreOneShingle) {
  std::vector<uint64_t> out;
  char_shingle_hashes("\xE4\xB8\xAD\xE6\x96\x87", 5, 0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], hash64("\xE4\xB8\xAD\xE6\x96\x87", 0));
  out.clear();
  char_shingle_hashes("abcde", 5, 0, out);  // exactly k
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], hash64("abcde", 0));
}

TEST(ShingleTest, CharShinglerRunsOnNormalizedText) {
  const auto got = char_hashes(
      "  AB\xC2\xA0\xC2\xA0"
      "CD  ",
      3, 0);  // -> "ab cd"
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], hash64("ab ", 0));
  EXPECT_EQ(got[2], hash64(" cd", 0));
}

TEST(ShingleTest, OutOfRangeKIsClamped) {
  EXPECT_EQ(word_hashes("a b c", 0, 0), word_hashes("a b c", 1, 0));
  std::vector<uint64_t> big, max;
  const std::string text(200, 'x');
  char_shingle_hashes(text, 1000, 0, big);
  char_shingle_hashes(text, 64, 0, max);
  EXPECT_EQ(big, max);
}

// ---- golden ------------------------------------------------------------------------------------

constexpr std::string_view kSentence =
    "The quick brown fox jumps over the lazy dog, while 1,000 cats watch.";

TEST(ShingleTest, GoldenWord5HashesOfFixedSentence) {
  // Pinned from this implementation with seed 1 (XXH3 output is frozen since xxHash 0.8.0, so these
  // values only change if the normalization, tokenization or shingle definition changes: that is a
  // format change and must be deliberate).
  // Tokens: the quick brown fox jumps over the lazy dog while 1000 cats watch (13 -> 9 shingles).
  const std::vector<uint64_t> expected = {
      0x13E9C45440B9F01AULL, 0xDFF9405046ABA102ULL, 0x69992DD01783EDC7ULL,
      0x5A5414DE585DF161ULL, 0x76CDB12D78472FFAULL, 0xF6DC6A9ABC513D63ULL,
      0x2E636D8EC103E7C4ULL, 0xF5FF2E6406398A39ULL, 0xE4A444B6B89CED52ULL,
  };
  EXPECT_EQ(word_hashes(kSentence, 5, 1), expected);
}

TEST(ShingleTest, GoldenChar5HashesOfFixedSentence) {
  const auto got = char_hashes(kSentence, 5, 1);
  ASSERT_EQ(got.size(), 64u);                     // 68 code points after normalization
  EXPECT_EQ(got.front(), 0x35E22E9045F5220AULL);  // "the q"
  EXPECT_EQ(got.back(), 0x9FFA8815EA58A5DDULL);   // "atch."
  uint64_t x = 0;                                 // an order-sensitive fold of all 64 values
  for (uint64_t h : got) x = x * 0x100000001B3ULL + h;
  EXPECT_EQ(x, 0xCF8C292276988BA2ULL);
}

// ---- determinism and statistics ----------------------------------------------------------------

TEST(ShingleTest, SameTextAndSeedGiveSameHashes) {
  ShingleHasher a(ShingleOptions{ShingleKind::kWord, 5, 7});
  ShingleHasher b(ShingleOptions{ShingleKind::kWord, 5, 7});
  const auto span = a.hash(kSentence);
  const std::vector<uint64_t> first(span.begin(), span.end());
  a.hash("something else entirely to disturb the scratch buffers of a");
  const auto again = a.hash(kSentence);
  const auto other = b.hash(kSentence);
  EXPECT_EQ(first, std::vector<uint64_t>(again.begin(), again.end()));
  EXPECT_EQ(first, std::vector<uint64_t>(other.begin(), other.end()));
}

TEST(ShingleTest, DifferentSeedsGiveDifferentHashes) {
  const auto s1 = word_hashes(kSentence, 5, 1);
  const auto s2 = word_hashes(kSentence, 5, 2);
  ASSERT_EQ(s1.size(), s2.size());
  for (std::size_t i = 0; i < s1.size(); ++i) EXPECT_NE(s1[i], s2[i]);
  EXPECT_NE(char_hashes(kSentence, 5, 1), char_hashes(kSentence, 5, 2));
}

TEST(ShingleTest, NormalizationEquivalentTextsGiveSameShingles) {
  const std::string messy =
      "\xEF\xBB\xBFThe  QUICK brown \xEF\xBD\x86ox ju\xE2\x80\x8Bmps over the lazy dog, "
      "while 1,000 cats watch.";
  EXPECT_EQ(word_hashes(messy, 5, 1), word_hashes(kSentence, 5, 1));
  EXPECT_EQ(char_hashes(messy, 5, 1), char_hashes(kSentence, 5, 1));
  EXPECT_NE(word_hashes("The quick brown fox jumps over the lazy cat", 5, 1),
            word_hashes("The quick brown fox jumps over the lazy dog", 5, 1));
}

TEST(ShingleTest, DistinctShinglesGetDistinctHashesAndBalancedBits) {
  // 100,004 distinct tokens give 100,000 distinct 5-shingles. A 64-bit hash collides among
  // them with probability ~ n^2 / 2^65 ~ 3e-10. Each output bit is set with p = 1/2, so its
  // count is within 5 sigma (sigma = sqrt(n)/2 ~ 158) of n/2 except with probability ~6e-7 per
  // bit.
  std::string text;
  for (int i = 0; i < 100004; ++i) {
    text += 'w';
    text += std::to_string(i);
    text += ' ';
  }
  const auto h = word_hashes(text, 5, 12345);
  ASSERT_EQ(h.size(), 100000u);
  std::unordered_set<uint64_t> seen(h.begin(), h.end());
  EXPECT_EQ(seen.size(), h.size());
  std::array<int, 64> ones{};
  for (uint64_t v : h) {
    for (int b = 0; b < 64; ++b)
      ones[static_cast<std::size_t>(b)] += static_cast<int>((v >> b) & 1);
  }
  for (int b = 0; b < 64; ++b) {
    EXPECT_NEAR(ones[static_cast<std::size_t>(b)], 50000, 5 * 158) << "bit " << b;
  }
}

TEST(ShingleTest, BuffersAreReusedOnceWarm) {
  ShingleHasher h(ShingleOptions{ShingleKind::kWord, 5, 0});
  const std::string doc = "one two three four five six seven eight nine ten";
  const auto first = h.hash(doc);
  const uint64_t* data = first.data();
  const char* norm = h.last_normalized().data();
  const auto second = h.hash(doc);
  EXPECT_EQ(second.data(), data);
  EXPECT_EQ(h.last_normalized().data(), norm);
  EXPECT_EQ(h.last_tokens().size(), 10u);
}

TEST(ShingleTest, StatsAccumulateInvalidUtf8AcrossCalls) {
  ShingleHasher h(ShingleOptions{});
  h.hash("fine");
  h.hash("bad \xFF\xFE bytes");
  h.hash("\xC3");
  EXPECT_EQ(h.stats().invalid_sequences, 3u);
  EXPECT_EQ(h.stats().documents_repaired, 2u);
}

TEST(ShingleTest, HugeSingleLineDocumentNormalizesAndHashes) {
#ifdef NEARDUP_TEST_SANITIZED
  constexpr std::size_t kTarget = 20u << 20;  // sanitizers are ~10x slower
#else
  constexpr std::size_t kTarget = 100u << 20;
#endif
  const std::string para =
      "It was the best of times, it was the worst of times; it was the age of wisdom \xE2\x80\x94 "
      "it was the age of foolishness. Caf\xC3\xA9 na\xC3\xAFve \xE2\x80\x9Cquoted\xE2\x80\x9D "
      "text with 1,234 numbers and don't-stop words, repeated until the line is enormous.";
  ShingleHasher probe(ShingleOptions{ShingleKind::kWord, 5, 0});
  probe.hash(para);
  const std::string para_norm(probe.last_normalized());
  const std::size_t para_tokens = probe.last_tokens().size();

  std::string doc;
  doc.reserve(kTarget + para.size() + 1);
  std::size_t reps = 0;
  while (doc.size() < kTarget) {
    doc += para;
    doc += ' ';
    ++reps;
  }
  ShingleHasher h(ShingleOptions{ShingleKind::kWord, 5, 0});
  const auto hashes = h.hash(doc);
  EXPECT_EQ(h.stats().invalid_sequences, 0u);

  const std::string_view n = h.last_normalized();
  ASSERT_EQ(n.size(), reps * para_norm.size() + (reps - 1));
  for (std::size_t r = 0; r < reps; ++r) {
    ASSERT_EQ(n.substr(r * (para_norm.size() + 1), para_norm.size()), para_norm) << "rep " << r;
  }
  ASSERT_EQ(h.last_tokens().size(), reps * para_tokens);
  ASSERT_EQ(hashes.size(), reps * para_tokens - 4);
  // The document is periodic in tokens, so its shingles are too.
  for (std::size_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(hashes[i], hashes[i + para_tokens]);
    ASSERT_EQ(hashes[hashes.size() - 1 - i], hashes[hashes.size() - 1 - i - para_tokens]);
  }
}

}  // namespace
}  // namespace neardup
