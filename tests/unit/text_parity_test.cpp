// Parity of the text pipeline's fast paths with their scalar references (text/text_reference.h):
// the same normalized text and the same tokens byte for byte, on random and adversarial inputs. The
// fast paths only take inputs they can vouch for and hand everything else to the reference code, so
// these inputs mix what they take (plain ASCII words at every alignment of a 64-byte block) with
// what they must hand over: invalid UTF-8, mixed scripts, combining marks, apostrophes, digits with
// separators, long tokens and empty input.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/normalize.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/tokenize.h"
#include "text/text_reference.h"

namespace neardup {
namespace {

// Pieces of text that the generator strings together.
const std::vector<std::string>& pieces() {
  static const std::vector<std::string> p = {
      // plain ASCII words and separators (the fast paths' diet), white space runs
      "\n\n", "   ", " \n", "\n ", "\v", "\f", "\r", "\x1f", std::string(1, '\0'), "&amp;",
      "&#8217;", "&lt", "the", "of", "and", "a", "I", "extraordinary", "Conversation", "WORD", "x",
      "zz", " ", " ", " ", "  ", "\n", "\r\n", "\t", ", ", ". ", "; ", "-", "--", "(", ")", "\"",
      "!", "?", "/", ":", "@", "[", "`", "{", "~", "_", "\x7f", "\x01",
      // apostrophes: ASCII and U+2019, between letters or not
      "'", "don't", "o'", "'s", "90's", "rock'n'roll", "don\xE2\x80\x99t", "\xE2\x80\x99",
      // digits and separators
      "0", "7", "42", "300,000", "1,234.56", "1.234.567,89", "2 000", "3 100m", "5.93", "1,23",
      "1234,567", "007", "1.2.3", "3.5mm", "12ab", "5th", ",", ".", "1", "000",
      // non-ASCII letters, combining marks, symbols, spaces
      "\xC3\xA9", "na\xC3\xAFve", "e\xCC\x81", "\xCC\x81", "\xC3\x9F", "\xD0\xBC\xD0\xB8\xD1\x80",
      "\xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x82", "\xD9\xA3\xD9\xA4", "\xE2\x80\x94", "\xC2\xAB",
      "\xC2\xA0", "\xF0\x9F\x98\x80", "\xEF\xBF\xBD", "\xE2\x80\x8B",
      // unspaced scripts: Han, Kana, Thai with a vowel sign
      "\xE5\x8C\x97\xE4\xBA\xAC", "\xE3\x81\xB2\xE3\x82\xAB", "\xE0\xB8\xAA\xE0\xB8\xB1",
      // invalid UTF-8: stray continuation, truncated sequences, overlong, surrogate, > U+10FFFF
      "\x80", "\xBF", "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xC0\xAF", "\xED\xA0\x80",
      "\xF4\x90\x80\x80", "\xFF", "\xFE"};
  return p;
}

std::string random_text(std::mt19937_64& rng, std::size_t max_pieces) {
  const auto& p = pieces();
  std::string s;
  const std::size_t n = rng() % (max_pieces + 1);
  for (std::size_t i = 0; i < n; ++i) {
    const uint64_t r = rng() % 100;
    if (r < 55) {  // mostly plain words, so that blocks take the fast path
      s += p[12 + rng() % 12];
      s += ' ';
    } else if (r < 60) {  // a long token, sometimes longer than a block
      s.append(1 + rng() % 150, static_cast<char>('a' + rng() % 26));
    } else {
      s += p[rng() % p.size()];
    }
  }
  return s;
}

std::vector<std::string> all_tokens(const TokenBuffer& b) {
  std::vector<std::string> v;
  for (std::size_t i = 0; i < b.size(); ++i) v.emplace_back(b[i]);
  return v;
}

std::vector<TokenizeOptions> tokenize_option_sets() {
  std::vector<TokenizeOptions> v;
  for (int m = 0; m < 4; ++m) {
    TokenizeOptions o;
    o.canonical_numbers = (m & 1) != 0;
    o.split_unspaced_scripts = (m & 2) != 0;
    v.push_back(o);
  }
  return v;
}

void expect_tokenize_parity(std::string_view text, const TokenizeOptions& o) {
  TokenBuffer fast;
  TokenBuffer ref;
  Tokenizer(o).tokenize(text, fast);
  detail::tokenize_reference(o, text, ref);
  ASSERT_EQ(all_tokens(fast), all_tokens(ref))
      << "canonical_numbers=" << o.canonical_numbers
      << " split_unspaced_scripts=" << o.split_unspaced_scripts << " input '" << text << "'";
  ASSERT_EQ(fast.bytes(), ref.bytes());
}

// All 128 combinations of the normalizer's switches.
std::vector<NormalizeOptions> normalize_option_sets() {
  std::vector<NormalizeOptions> v;
  for (unsigned m = 0; m < 128; ++m) {
    NormalizeOptions o;
    o.decode_html_entities = (m & 1) != 0;
    o.remove_invisible = (m & 2) != 0;
    o.nfkc = (m & 4) != 0;
    o.case_fold = (m & 8) != 0;
    o.unify_punctuation = (m & 16) != 0;
    o.strip_punctuation = (m & 32) != 0;
    o.fold_whitespace = (m & 64) != 0;
    v.push_back(o);
  }
  return v;
}

void expect_normalize_parity(std::string_view text, const NormalizeOptions& o) {
  Normalizer n(o);
  std::string fast;
  std::string ref;
  NormalizeStats fast_stats;
  NormalizeStats ref_stats;
  n.normalize(text, fast, &fast_stats);
  detail::normalize_reference(o, text, ref, &ref_stats);
  ASSERT_EQ(fast, ref) << "options " << o.decode_html_entities << o.remove_invisible << o.nfkc
                       << o.case_fold << o.unify_punctuation << o.strip_punctuation
                       << o.fold_whitespace << " input '" << text << "'";
  ASSERT_EQ(fast_stats.invalid_sequences, ref_stats.invalid_sequences);
  ASSERT_EQ(fast_stats.documents_repaired, ref_stats.documents_repaired);
  // A reused normalizer (warm buffers, longer previous output) gives the same again.
  n.normalize(text, fast);
  ASSERT_EQ(fast, ref);
}

TEST(TextParityTest, NormalizerMatchesReferenceOnEmptyAndShortInputs) {
  for (const NormalizeOptions& o : normalize_option_sets()) {
    expect_normalize_parity("", o);
    for (const std::string& p : pieces()) expect_normalize_parity(p, o);
  }
}

TEST(TextParityTest, NormalizerMatchesReferenceOnRandomMixedText) {
  std::mt19937_64 rng(31337);
  const auto sets = normalize_option_sets();
  for (const NormalizeOptions& o : sets) {
    for (int i = 0; i < 60; ++i) expect_normalize_parity(random_text(rng, 120), o);
  }
  for (int i = 0; i < 3000; ++i) expect_normalize_parity(random_text(rng, 150), {});
}

TEST(TextParityTest, NormalizerMatchesReferenceOnWhiteSpaceAtEveryAlignment) {
  // White space runs, line breaks and capitals at every offset of the sixteen- and eight-byte
  // words, after a leading run of white space or none.
  const std::vector<std::string> specials = {" ",    "  ",  "\n",       "\n\n",      "\r\n",
                                             "\t ",  "A",   "Z ",       " @",        "\x01",
                                             "\x7f", "[`{", "\xC3\xA9", "e\xCC\x81", "\xFF"};
  for (const NormalizeOptions& o : normalize_option_sets()) {
    for (const std::string& sp : specials) {
      for (std::size_t shift = 0; shift < 20; ++shift) {
        for (const char* lead : {"", " ", "\n "}) {
          std::string text = lead;
          text += std::string("Abcdefghijklmnopqrstuvwxyz").substr(0, shift);
          text += sp;
          text += "Quick brown fox jumps over the lazy dog ";
          text += sp;
          expect_normalize_parity(text, o);
        }
      }
    }
  }
}

TEST(TextParityTest, NormalizerMatchesReferenceOnDenseWhiteSpace) {
  std::mt19937_64 rng(5);
  const std::string alphabet = "aB \n\t\r.,'\x01";
  for (int i = 0; i < 5000; ++i) {
    std::string text(rng() % 100, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    NormalizeOptions o;
    o.fold_whitespace = (i & 1) == 0;
    o.case_fold = (i & 2) == 0;
    expect_normalize_parity(text, o);
  }
}

TEST(TextParityTest, TokenizerMatchesReferenceOnEmptyAndShortInputs) {
  for (const TokenizeOptions& o : tokenize_option_sets()) {
    expect_tokenize_parity("", o);
    for (const std::string& p : pieces()) expect_tokenize_parity(p, o);
  }
}

TEST(TextParityTest, TokenizerMatchesReferenceOnRandomMixedText) {
  std::mt19937_64 rng(20240611);
  for (const TokenizeOptions& o : tokenize_option_sets()) {
    for (int i = 0; i < 3000; ++i) expect_tokenize_parity(random_text(rng, 120), o);
  }
}

TEST(TextParityTest, TokenizerMatchesReferenceOnNormalizedText) {
  // The tokenizer's usual input: lower case, folded white space, ASCII apostrophes.
  std::mt19937_64 rng(7);
  Normalizer n;
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    n.normalize(random_text(rng, 150), out);
    expect_tokenize_parity(out, TokenizeOptions{});
  }
}

TEST(TextParityTest, TokenizerMatchesReferenceAtEveryBlockAlignment) {
  // One special piece after a run of plain words, shifted through all 64 offsets of a block,
  // with the text cut at every length near the end so that the last block varies too.
  const std::vector<std::string> specials = {"don't",      "300,000",
                                             "1 234",      "12.5",
                                             "x\xC3\xA9y", "\xE5\x8C\x97x",
                                             "a\xFF",      "9'",
                                             "ab'\xC3",    std::string(70, 'q'),
                                             "7,",         "7, 1"};
  for (const TokenizeOptions& o : tokenize_option_sets()) {
    for (const std::string& sp : specials) {
      for (std::size_t shift = 0; shift < 64; ++shift) {
        std::string text(shift, ' ');
        text += "ab cd ";
        text += sp;
        text += " efg hi jk lmnop qr st uvw xyz ab cd ef gh ij kl mn op qr st uv wx yz";
        expect_tokenize_parity(text, o);
        for (std::size_t cut = text.size() > 80 ? text.size() - 80 : 0; cut < text.size(); ++cut) {
          expect_tokenize_parity(std::string_view(text).substr(0, cut), o);
        }
      }
    }
  }
}

TEST(TextParityTest, TokenizerMatchesReferenceOnDenseAndLongTokens) {
  std::mt19937_64 rng(99);
  const std::string alphabet = "aZ09 '.,\xC3\xA9\x80";
  for (int i = 0; i < 3000; ++i) {
    std::string text(rng() % 300, ' ');
    for (char& c : text) c = alphabet[rng() % alphabet.size()];
    expect_tokenize_parity(text, TokenizeOptions{});
  }
  // Single-byte tokens (32 per block: the most a block can hold) and runs of every length.
  std::string dense;
  for (int i = 0; i < 500; ++i) dense += (i % 3 == 0 ? "7 " : "a ");
  expect_tokenize_parity(dense, TokenizeOptions{});
  for (std::size_t len = 1; len < 300; ++len) {
    expect_tokenize_parity(std::string(len, 'w') + " x " + std::string(len, '4'), {});
  }
}

TEST(TextParityTest, PipelineHashesMatchReferencePipeline) {
  // A warm ShingleHasher (its hash buffer keeps its largest size) over documents of falling and
  // rising sizes, against the reference normalizer and tokenizer and word_shingle_hashes().
  std::mt19937_64 rng(424242);
  for (const uint32_t k : {1u, 3u, 5u, 9u}) {
    ShingleHasher hasher(ShingleOptions{ShingleKind::kWord, k, 11});
    for (int i = 0; i < 400; ++i) {
      const std::size_t max_pieces = i % 7 == 0 ? 600 : (i % 3 == 0 ? 0 : 40);
      const std::string text = random_text(rng, max_pieces);
      const auto got = hasher.hash(text);
      std::string normalized;
      detail::normalize_reference(NormalizeOptions{}, text, normalized);
      TokenBuffer tokens;
      detail::tokenize_reference(TokenizeOptions{}, normalized, tokens);
      std::vector<uint64_t> want;
      word_shingle_hashes(tokens, k, 11, want);
      ASSERT_EQ(std::vector<uint64_t>(got.begin(), got.end()), want) << "input '" << text << "'";
      ASSERT_EQ(hasher.last_normalized(), normalized);
      ASSERT_EQ(all_tokens(hasher.last_tokens()), all_tokens(tokens));
    }
  }
}

}  // namespace
}  // namespace neardup
