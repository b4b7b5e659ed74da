// Tests of the Tokenizer: word boundaries by general category, apostrophes, unspaced scripts,
// canonical numbers, and buffer reuse.
#include "neardup/advanced/tokenize.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/normalize.h"

namespace neardup {
namespace {

std::vector<std::string> toks(std::string_view text, TokenizeOptions o = {}) {
  TokenBuffer buf;
  Tokenizer(o).tokenize(text, buf);
  std::vector<std::string> v;
  for (std::size_t i = 0; i < buf.size(); ++i) v.emplace_back(buf[i]);
  return v;
}

using V = std::vector<std::string>;

TEST(TokenizeTest, HeaderExampleGivesDocumentedTokens) {
  EXPECT_EQ(toks("we sold 300,000 cars in \xE5\x8C\x97\xE4\xBA\xAC"),
            (V{"we", "sold", "300000", "cars", "in", "\xE5\x8C\x97", "\xE4\xBA\xAC"}));
}

TEST(TokenizeTest, PunctuationAndSymbolsSeparateWords) {
  EXPECT_EQ(toks("hello, world! a-b a_b (x) \"q\" e@mail.com $5"),
            (V{"hello", "world", "a", "b", "a", "b", "x", "q", "e", "mail", "com", "5"}));
}

TEST(TokenizeTest, EmptyAndSeparatorOnlyTextGiveNoTokens) {
  EXPECT_TRUE(toks("").empty());
  EXPECT_TRUE(toks("   ").empty());
  EXPECT_TRUE(toks(" ... --- !!! \xE2\x80\x94 ").empty());
}

TEST(TokenizeTest, ApostropheBetweenLettersJoinsTheWord) {
  EXPECT_EQ(toks("don't it's rock'n'roll"), (V{"dont", "its", "rocknroll"}));
}

TEST(TokenizeTest, ApostropheNotBetweenLettersSeparates) {
  EXPECT_EQ(toks("'quoted' dogs' 90's o'"), (V{"quoted", "dogs", "90", "s", "o"}));
  EXPECT_EQ(toks("a''b"), (V{"a", "b"}));
}

TEST(TokenizeTest, RightSingleQuoteActsAsApostrophe) {
  EXPECT_EQ(toks("don\xE2\x80\x99t"), (V{"dont"}));  // text normalized without unification
}

TEST(TokenizeTest, ApostropheJoinsNonAsciiLetters) {
  EXPECT_EQ(toks("l'\xC3\xA9t\xC3\xA9 \xC3\xA9'l"), (V{"l\xC3\xA9t\xC3\xA9", "\xC3\xA9l"}));
}

TEST(TokenizeTest, WordsFollowUnicodeCategories) {
  // Accented Latin, Cyrillic, Greek, Arabic-Indic digits, a decomposed accent (a mark).
  EXPECT_EQ(
      toks("na\xC3\xAFve \xD0\xBC\xD0\xB8\xD1\x80 \xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x82 "
           "\xD9\xA3\xD9\xA4 e\xCC\x81t\xC3\xA9"),
      (V{"na\xC3\xAFve", "\xD0\xBC\xD0\xB8\xD1\x80", "\xCE\xBB\xCF\x8C\xCE\xB3\xCE\xBF\xCF\x82",
         "\xD9\xA3\xD9\xA4", "e\xCC\x81t\xC3\xA9"}));
  // Non-ASCII punctuation and symbols separate: em dash, guillemet, emoji, U+FFFD.
  EXPECT_EQ(toks("a\xE2\x80\x94"
                 "b\xC2\xBB"
                 "c\xF0\x9F\x98\x80"
                 "d\xEF\xBF\xBD"
                 "e"),
            (V{"a", "b", "c", "d", "e"}));
}

TEST(TokenizeTest, HanCharactersAreOneTokenEach) {
  EXPECT_EQ(toks("\xE5\x8C\x97\xE4\xBA\xAC\xE6\xAC\xA2\xE8\xBF\x8E\xE4\xBD\xA0"),  // 北京欢迎你
            (V{"\xE5\x8C\x97", "\xE4\xBA\xAC", "\xE6\xAC\xA2", "\xE8\xBF\x8E", "\xE4\xBD\xA0"}));
}

TEST(TokenizeTest, KanaCharactersAreOneTokenEach) {
  // ひらカナ
  EXPECT_EQ(toks("\xE3\x81\xB2\xE3\x82\x89\xE3\x82\xAB\xE3\x83\x8A"),
            (V{"\xE3\x81\xB2", "\xE3\x82\x89", "\xE3\x82\xAB", "\xE3\x83\x8A"}));
}

TEST(TokenizeTest, ThaiCharactersAreTokensWithTheirMarks) {
  // สวัสดี: ส ว+ั ส ด+ี (vowel signs are combining marks)
  EXPECT_EQ(
      toks("\xE0\xB8\xAA\xE0\xB8\xA7\xE0\xB8\xB1\xE0\xB8\xAA\xE0\xB8\x94\xE0\xB8\xB5"),
      (V{"\xE0\xB8\xAA", "\xE0\xB8\xA7\xE0\xB8\xB1", "\xE0\xB8\xAA", "\xE0\xB8\x94\xE0\xB8\xB5"}));
}

TEST(TokenizeTest, UnspacedScriptsSplitFromAdjacentWordsAndNumbers) {
  EXPECT_EQ(toks("abc\xE4\xB8\xAD"
                 "def 2024\xE5\xB9\xB4"),
            (V{"abc", "\xE4\xB8\xAD", "def", "2024", "\xE5\xB9\xB4"}));
}

TEST(TokenizeTest, SplitUnspacedScriptsOffKeepsRuns) {
  TokenizeOptions o;
  o.split_unspaced_scripts = false;
  EXPECT_EQ(toks("\xE5\x8C\x97\xE4\xBA\xAC abc", o), (V{"\xE5\x8C\x97\xE4\xBA\xAC", "abc"}));
}

TEST(TokenizeTest, HangulIsSpacedAndKeepsWords) {
  EXPECT_EQ(toks("\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4 \xEB\xAC\xB8"),
            (V{"\xED\x95\x9C\xEA\xB5\xAD\xEC\x96\xB4", "\xEB\xAC\xB8"}));
}

TEST(TokenizeTest, ThousandsSeparatorsAreRemoved) {
  EXPECT_EQ(toks("300,000"), toks("300000"));
  EXPECT_EQ(toks("300,000"), (V{"300000"}));
  EXPECT_EQ(toks("1,234,567"), (V{"1234567"}));
  EXPECT_EQ(toks("1.234.567"), (V{"1234567"}));
  EXPECT_EQ(toks("2 000 people"), (V{"2000", "people"}));
  EXPECT_EQ(toks("300,000km"), (V{"300000km"}));
}

TEST(TokenizeTest, DecimalPointIsKept) {
  EXPECT_EQ(toks("5.93"), (V{"5.93"}));
  EXPECT_EQ(toks("0.5 3.14159"), (V{"0.5", "3.14159"}));
  EXPECT_EQ(toks("5.930"), (V{"5.930"}));       // one dot group is ambiguous: stays a decimal
  EXPECT_EQ(toks("v1.2.3"), (V{"v1", "2.3"}));  // number rules start at a token
  EXPECT_EQ(toks("1.2.3"), (V{"1.2.3"}));
  EXPECT_EQ(toks("3.5mm"), (V{"3.5mm"}));
}

TEST(TokenizeTest, ThousandsWithDecimalPartCanonicalise) {
  EXPECT_EQ(toks("1,234.56"), (V{"1234.56"}));
  EXPECT_EQ(toks("1.234.567,89"), (V{"1234567.89"}));
  EXPECT_EQ(toks("1 234,5"), (V{"1234.5"}));
}

TEST(TokenizeTest, NonThousandsGroupsAreNotJoined) {
  EXPECT_EQ(toks("1,23"), (V{"1", "23"}));
  EXPECT_EQ(toks("1,2345"), (V{"1", "2345"}));
  EXPECT_EQ(toks("1234,567"), (V{"1234", "567"}));
  EXPECT_EQ(toks("1,234,56"), (V{"1234", "56"}));
  EXPECT_EQ(toks("3 100m"), (V{"3", "100m"}));  // a space group must end the number
  EXPECT_EQ(toks("a1,000"), (V{"a1", "000"}));  // number rules start at a token
  EXPECT_EQ(toks("1, 234"), (V{"1", "234"}));
}

TEST(TokenizeTest, LeadingZerosAreKept) { EXPECT_EQ(toks("007 0042"), (V{"007", "0042"})); }

TEST(TokenizeTest, CanonicalNumbersOffSplitsAtSeparators) {
  TokenizeOptions o;
  o.canonical_numbers = false;
  EXPECT_EQ(toks("300,000 5.93", o), (V{"300", "000", "5", "93"}));
}

TEST(TokenizeTest, InvalidBytesSeparateAndNeverCrash) {
  EXPECT_EQ(toks("a\xFF"
                 "b\xE2\x82"),
            (V{"a", "b"}));
  EXPECT_EQ(toks("\xC3"), V{});
}

TEST(TokenizeTest, BufferIsClearedAndReused) {
  Tokenizer t;
  TokenBuffer buf;
  t.tokenize("one two three four", buf);
  t.tokenize("five", buf);
  ASSERT_EQ(buf.size(), 1u);
  EXPECT_EQ(buf[0], "five");
  EXPECT_EQ(buf.bytes(), "five");
}

TEST(TokenizeTest, AsciiTokensMatchASimpleReference) {
  // Reference: maximal runs of [A-Za-z0-9], joined across an apostrophe between two letters.
  // The alphabet holds the neighbours of each range ('/' ':' '@' '[' '`' '{') and long runs, to
  // exercise the eight-byte scanner at every alignment.
  std::mt19937_64 rng(17);
  const std::string alphabet = "aaaaabbbbbzzzzAAZZ0099//::@@[[``{{''  \x7f";
  TokenizeOptions o;
  o.canonical_numbers = false;
  const Tokenizer t(o);
  TokenBuffer buf;
  auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto alnum = [&](char c) { return letter(c) || (c >= '0' && c <= '9'); };
  for (int i = 0; i < 5000; ++i) {
    std::string in(rng() % 120, ' ');
    for (char& c : in) c = alphabet[rng() % alphabet.size()];
    V ref;
    std::string cur;
    bool in_word = false;
    for (std::size_t j = 0; j < in.size(); ++j) {
      const char c = in[j];
      if (alnum(c)) {
        cur += c;
        in_word = true;
        continue;
      }
      if (c == '\'' && in_word && letter(in[j - 1]) && j + 1 < in.size() && letter(in[j + 1])) {
        continue;
      }
      if (in_word) ref.push_back(cur);
      cur.clear();
      in_word = false;
    }
    if (in_word) ref.push_back(cur);
    t.tokenize(in, buf);
    V got;
    for (std::size_t j = 0; j < buf.size(); ++j) got.emplace_back(buf[j]);
    ASSERT_EQ(got, ref) << "input '" << in << "'";
  }
}

TEST(TokenizeTest, NormalizedVariantsGiveSameTokens) {
  Normalizer n;
  std::string a, b;
  n.normalize(
      "Don\xE2\x80\x99t  STOP\xC2\xA0"
      "3\xEF\xBC\x90\xEF\xBC\x90,000 co\xE2\x80\x8Bop",
      a);
  n.normalize("don't stop 300000 coop", b);
  EXPECT_EQ(toks(a), toks(b));
  EXPECT_EQ(toks(b), (V{"dont", "stop", "300000", "coop"}));
}

}  // namespace
}  // namespace neardup
