// Tests of the Normalizer: each step on its own, the steps combined, invalid UTF-8 with exact
// replacement counts, and parity of the ASCII fast path with a straightforward utf8proc
// reference on varied and random inputs.
#include "neardup/advanced/normalize.h"

#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace neardup {
namespace {

std::string norm(std::string_view in, NormalizeOptions o = {}, NormalizeStats* stats = nullptr) {
  Normalizer n(o);
  std::string out;
  n.normalize(in, out, stats);
  return out;
}

// Options with every step off except the ones a test turns on.
NormalizeOptions none() {
  NormalizeOptions o;
  o.decode_html_entities = false;
  o.remove_invisible = false;
  o.nfkc = false;
  o.case_fold = false;
  o.unify_punctuation = false;
  o.strip_punctuation = false;
  o.fold_whitespace = false;
  return o;
}

uint64_t invalid_count(std::string_view in) {
  NormalizeStats st;
  norm(in, {}, &st);
  return st.invalid_sequences;
}

const std::string kFffd = "\xEF\xBF\xBD";

// ---- reference path ----------------------------------------------------------------------------
// Repairs UTF-8 the slow, obvious way: try every sequence length against the definition of
// well-formed UTF-8 (Unicode table 3-7); an ill-formed unit is the longest prefix of some
// well-formed sequence, or one byte.
std::string reference_repair(std::string_view s) {
  auto cont = [](unsigned char c) { return c >= 0x80 && c <= 0xBF; };
  auto second_ok = [](unsigned char lead, unsigned char c) {
    if (lead == 0xE0) return c >= 0xA0 && c <= 0xBF;
    if (lead == 0xED) return c >= 0x80 && c <= 0x9F;
    if (lead == 0xF0) return c >= 0x90 && c <= 0xBF;
    if (lead == 0xF4) return c >= 0x80 && c <= 0x8F;
    return c >= 0x80 && c <= 0xBF;
  };
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t need = 0;
    if (b <= 0x7F)
      need = 1;
    else if (b >= 0xC2 && b <= 0xDF)
      need = 2;
    else if (b >= 0xE0 && b <= 0xEF)
      need = 3;
    else if (b >= 0xF0 && b <= 0xF4)
      need = 4;
    if (need == 0) {
      out += kFffd;
      ++i;
      continue;
    }
    std::size_t ok = 1;
    while (ok < need && i + ok < s.size()) {
      const auto c = static_cast<unsigned char>(s[i + ok]);
      if (ok == 1 ? !second_ok(b, c) : !cont(c)) break;
      ++ok;
    }
    if (ok == need) {
      out.append(s.substr(i, need));
    } else {
      out += kFffd;
    }
    i += ok;
  }
  return out;
}

// utf8proc applied to the whole document in one call (utf8proc_map allocates; fine in a test).
std::string reference_nfkc_casefold(std::string_view in) {
  const std::string valid = reference_repair(in);
  utf8proc_uint8_t* mapped = nullptr;
  const auto opts = static_cast<utf8proc_option_t>(
      UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
  const utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                   static_cast<utf8proc_ssize_t>(valid.size()), &mapped, opts);
  EXPECT_GE(n, 0) << utf8proc_errmsg(n);
  std::string out = n >= 0
                        ? std::string(reinterpret_cast<char*>(mapped), static_cast<std::size_t>(n))
                        : std::string();
  std::free(mapped);
  return out;
}

NormalizeOptions nfkc_casefold_only() {
  NormalizeOptions o = none();
  o.remove_invisible = true;
  o.nfkc = true;
  o.case_fold = true;
  return o;
}

// Pieces that exercise composition across the ASCII/non-ASCII boundary, reordering, expansion
// and invalid bytes.
const std::vector<std::string> kPieces = {
    "a",
    "e",
    "E",
    "o",
    "Z",
    " ",
    "  ",
    "\t",
    "\r\n",
    ".",
    ",",
    "'",
    "<",
    "=",
    "1",
    "9",
    "\xCC\x81",  // U+0301 combining acute
    "\xCC\x88",  // U+0308 combining diaeresis
    "\xCC\xA3",  // U+0323 combining dot below (ccc 220: reorders before 0301)
    "\xCC\xB8",  // U+0338 combining long solidus ('<' + it -> U+226E)
    "\xCD\x85",  // U+0345 ypogegrammeni (case folds to iota)
    "\xC3\xA9",
    "\xC3\x89",      // é É
    "\xC3\x9F",      // ß
    "\xE1\xBA\x9E",  // ẞ
    "\xEF\xAC\x81",  // ﬁ
    "\xEF\xBC\xA1",
    "\xEF\xBD\x82",  // Ａ ｂ
    "\xE2\x80\x8B",
    "\xE2\x80\x8D",
    "\xEF\xBB\xBF",
    "\xC2\xAD",  // ZWSP ZWJ BOM SHY
    "\xCE\xA3",
    "\xCF\x82",
    "\xCE\x91",  // Σ ς Α
    "\xE1\x84\x80",
    "\xE1\x85\xA1",
    "\xE1\x86\xA8",  // Hangul L V T jamo
    "\xEA\xB0\x80",  // 가
    "\xE4\xB8\xAD",
    "\xE6\x96\x87",  // 中 文
    "\xE3\x81\x8B",
    "\xE3\x82\x99",
    "\xE3\x83\x8F",
    "\xE3\x82\x9A",  // か ゙ ハ ゚
    "\xEF\xB7\xBA",  // U+FDFA (expands to 18)
    "\xE2\x80\x9C",
    "\xE2\x80\x94",
    "\xE2\x80\xA6",
    "\xC2\xA0",      // “ — … NBSP
    "\xE2\x84\xAB",  // U+212B angstrom sign
    "\xE0\xA4\x95",
    "\xE0\xA4\xBC",  // क + nukta (exclusion)
    "\x80",
    "\xC3",
    "\xE2\x82",
    "\xF0\x9F\x98",
    "\xED\xA0\x80",
    "\xF4\x90\x80\x80",
    "\xFF",
    "\xC0\xAF",
    "\xF0\x9F\x98\x80",  // invalid; valid emoji
};

std::string random_piece_string(std::mt19937_64& rng, std::size_t pieces) {
  std::string s;
  for (std::size_t i = 0; i < pieces; ++i) s += kPieces[rng() % kPieces.size()];
  return s;
}

// ---- single steps ------------------------------------------------------------------------------

TEST(NormalizeTest, HeaderExampleGivesDocumentedOutput) {
  EXPECT_EQ(norm("\xEF\xBC\xA8\xEF\xBD\x85\xEF\xBD\x8C\xEF\xBD\x8C\xEF\xBD\x8F,\xE2\x80\x8B  "
                 "\xE2\x80\x9CWorld\xE2\x80\x9D"),
            "hello, \"world\"");
}

TEST(NormalizeTest, AsciiIsLowercasedAndOtherwiseUnchanged) {
  EXPECT_EQ(norm("Hello World! 123 #Tag_x"), "hello world! 123 #tag_x");
}

TEST(NormalizeTest, CaseFoldOffKeepsUppercase) {
  NormalizeOptions o;
  o.case_fold = false;
  EXPECT_EQ(norm("Hello \xC3\x89T\xC3\x89", o), "Hello \xC3\x89T\xC3\x89");
}

TEST(NormalizeTest, EmptyDocumentGivesEmptyOutput) {
  NormalizeStats st;
  EXPECT_EQ(norm("", {}, &st), "");
  EXPECT_EQ(st.invalid_sequences, 0u);
  EXPECT_EQ(st.documents_repaired, 0u);
}

TEST(NormalizeTest, WhitespaceOnlyDocumentGivesEmptyOutput) {
  EXPECT_EQ(norm(" \t\r\n  \xC2\xA0\xE2\x80\x89\xE3\x80\x80 "), "");
}

TEST(NormalizeTest, WhitespaceRunsFoldToOneSpaceAndEndsAreTrimmed) {
  EXPECT_EQ(norm("  a \t\t b\n\n\nc  "), "a b c");
}

TEST(NormalizeTest, CrLfBecomesOneSpace) {
  EXPECT_EQ(norm("line one\r\nline two\r\n"), "line one line two");
}

TEST(NormalizeTest, WhitespaceFoldingOffKeepsWhitespaceAsIs) {
  NormalizeOptions o = none();
  EXPECT_EQ(norm("  a \t b\r\n", o), "  a \t b\r\n");
}

TEST(NormalizeTest, FullWidthLettersBecomeAscii) {
  EXPECT_EQ(norm("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3"), "abc");  // ＡＢＣ
  NormalizeOptions o = none();
  o.nfkc = true;
  EXPECT_EQ(norm("\xEF\xBC\xA1\xEF\xBC\xA2\xEF\xBC\xA3", o), "ABC");
}

TEST(NormalizeTest, NfkcOffKeepsFullWidthLetters) {
  NormalizeOptions o;
  o.nfkc = false;
  o.case_fold = false;
  EXPECT_EQ(norm("\xEF\xBC\xA1", o), "\xEF\xBC\xA1");
}

TEST(NormalizeTest, CombiningAccentComposesWithPrecedingAsciiLetter) {
  const std::string composed = norm("caf\xC3\xA9");  // café, precomposed
  EXPECT_EQ(norm("cafe\xCC\x81"), composed);         // e + U+0301
  EXPECT_EQ(norm("CAFE\xCC\x81"), composed);         // E + U+0301, case folded
  EXPECT_EQ(composed, "caf\xC3\xA9");
  EXPECT_EQ(norm("e\xCC\x81"), "\xC3\xA9");      // the starter is the first byte
  EXPECT_EQ(norm("<\xCC\xB8"), "\xE2\x89\xAE");  // '<' + U+0338 -> U+226E
}

TEST(NormalizeTest, CombiningMarksAreReorderedCanonically) {
  // U+0323 (ccc 220) sorts before U+0307 (ccc 230); both orders give U+1E69.
  EXPECT_EQ(norm("s\xCC\x87\xCC\xA3"), norm("s\xCC\xA3\xCC\x87"));
  EXPECT_EQ(norm("s\xCC\xA3\xCC\x87"), "\xE1\xB9\xA9");
}

TEST(NormalizeTest, LigatureIsSplit) {
  EXPECT_EQ(norm("\xEF\xAC\x81nd"), "find");  // ﬁnd
  EXPECT_EQ(norm("\xEF\xAC\x80"), "ff");
}

TEST(NormalizeTest, CurlyQuotesBecomeAsciiQuotes) {
  EXPECT_EQ(norm("\xE2\x80\x9Chi\xE2\x80\x9D \xE2\x80\x98x\xE2\x80\x99 \xC2\xABy\xC2\xBB"),
            "\"hi\" 'x' \"y\"");
  EXPECT_EQ(norm("don\xE2\x80\x99t"), "don't");
}

TEST(NormalizeTest, UnifyPunctuationOffKeepsCurlyQuotes) {
  NormalizeOptions o;
  o.unify_punctuation = false;
  EXPECT_EQ(norm("\xE2\x80\x9Chi\xE2\x80\x9D", o), "\xE2\x80\x9Chi\xE2\x80\x9D");
}

TEST(NormalizeTest, DashesBecomeHyphenMinus) {
  // em dash, en dash, minus sign, hyphen U+2010, figure dash U+2012
  EXPECT_EQ(norm("a\xE2\x80\x94"
                 "b\xE2\x80\x93"
                 "c\xE2\x88\x92"
                 "d\xE2\x80\x90"
                 "e\xE2\x80\x92"
                 "f"),
            "a-b-c-d-e-f");
}

TEST(NormalizeTest, UnicodeSpacesBecomeOneSpace) {
  // NBSP, thin space, narrow NBSP, ideographic space, Ogham space mark
  EXPECT_EQ(norm("a\xC2\xA0"
                 "b\xE2\x80\x89"
                 "c\xE2\x80\xAF"
                 "d\xE3\x80\x80"
                 "e\xE1\x9A\x80"
                 "f"),
            "a b c d e f");
  NormalizeOptions o = none();
  o.unify_punctuation = true;  // without NFKC or folding: each space becomes exactly ' '
  EXPECT_EQ(norm("a\xC2\xA0\xC2\xA0"
                 "b\xE1\x9A\x80"
                 "c",
                 o),
            "a  b c");
}

TEST(NormalizeTest, EllipsisBecomesThreeDots) {
  EXPECT_EQ(norm("wait\xE2\x80\xA6"), "wait...");
  NormalizeOptions o = none();
  o.unify_punctuation = true;  // no NFKC: the unification step does it
  EXPECT_EQ(norm("wait\xE2\x80\xA6", o), "wait...");
}

TEST(NormalizeTest, ZeroWidthCharactersInsideWordsAreRemoved) {
  EXPECT_EQ(norm("co\xE2\x80\x8Bop"), "coop");  // ZWSP
  EXPECT_EQ(norm("co\xE2\x80\x8C"
                 "o\xE2\x80\x8Dp\xE2\x81\xA0"),
            "coop");                        // ZWNJ ZWJ WJ
  EXPECT_EQ(norm("co\xC2\xADop"), "coop");  // soft hyphen
}

TEST(NormalizeTest, ByteOrderMarkIsRemoved) {
  EXPECT_EQ(norm("\xEF\xBB\xBFtext"), "text");
  EXPECT_EQ(norm("te\xEF\xBB\xBFxt"), "text");
}

TEST(NormalizeTest, RemoveInvisibleOffKeepsZeroWidthSpace) {
  NormalizeOptions o;
  o.remove_invisible = false;
  EXPECT_EQ(norm("co\xE2\x80\x8Bop", o), "co\xE2\x80\x8Bop");
  NormalizeOptions only = none();
  only.remove_invisible = true;  // the step alone, without NFKC or case folding
  EXPECT_EQ(norm("Co\xE2\x80\x8Bop\xEF\xBC\xA1", only), "Coop\xEF\xBC\xA1");
}

TEST(NormalizeTest, GermanSharpSCaseFoldsToSs) {
  EXPECT_EQ(norm("STRASSE"), "strasse");
  EXPECT_EQ(norm("stra\xC3\x9F"
                 "e"),
            "strasse");
  EXPECT_EQ(norm("STRA\xE1\xBA\x9E"
                 "E"),
            "strasse");  // capital sharp s
}

TEST(NormalizeTest, GreekFinalSigmaFoldsToSigma) {
  const std::string upper = norm("\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x9F\xCE\xA3");  // ΣΟΦΟΣ
  const std::string lower = norm("\xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x82");  // σοφος
  EXPECT_EQ(upper, lower);
  EXPECT_EQ(lower, "\xCF\x83\xCE\xBF\xCF\x86\xCE\xBF\xCF\x83");  // σοφοσ
}

TEST(NormalizeTest, StripPunctuationTurnsPunctuationAndSymbolsIntoSpaces) {
  NormalizeOptions o;
  o.strip_punctuation = true;
  EXPECT_EQ(norm("Hello, world! (a+b) \xE2\x80\x9Cq\xE2\x80\x9D \xC2\xA9 x\xE2\x80\x94y", o),
            "hello world a b q x y");
  NormalizeOptions off;
  EXPECT_EQ(norm("a, b!", off), "a, b!");
  NormalizeOptions no_fold = none();
  no_fold.strip_punctuation = true;
  EXPECT_EQ(norm("a,b\xC2\xA7"
                 "c",
                 no_fold),
            "a b c");  // § is a symbol too
}

TEST(NormalizeTest, HtmlEntitiesAreDecodedWhenOn) {
  NormalizeOptions o;
  o.decode_html_entities = true;
  EXPECT_EQ(norm("Tom &amp; Jerry &lt;3 &quot;x&quot; &apos;y&apos;", o),
            "tom & jerry <3 \"x\" 'y'");
  EXPECT_EQ(norm("caf&eacute; &Eacute;T&Eacute;", o), "caf\xC3\xA9 \xC3\xA9t\xC3\xA9");
  EXPECT_EQ(norm("a&nbsp;&nbsp;b", o), "a b");
  EXPECT_EQ(norm("&#65;&#x42;&#X63;", o), "abc");
  EXPECT_EQ(norm("x&mdash;y &hellip;", o), "x-y ...");
  EXPECT_EQ(norm("&#150;&#8212;", o), "--");  // windows-1252 en dash, em dash
  EXPECT_EQ(norm("co&#8203;op", o), "coop");  // a decoded ZWSP is removed like a literal one
}

TEST(NormalizeTest, HtmlEntitiesAreUntouchedWhenOff) {
  NormalizeOptions o;
  o.decode_html_entities = false;
  EXPECT_EQ(norm("Tom &amp; Jerry &#65; &eacute;", o), "tom &amp; jerry &#65; &eacute;");
}

TEST(NormalizeTest, HtmlEntitiesAreDecodedByDefault) {
  EXPECT_TRUE(NormalizeOptions{}.decode_html_entities);
  // An entity-encoded copy and the plain text normalize to the same bytes.
  EXPECT_EQ(norm("He said &quot;it&#8217;s done&quot; &amp; left"),
            norm("He said \"it\u2019s done\" & left"));
  EXPECT_EQ(norm("Tom &amp; Jerry &#65;"), "tom & jerry a");
}

TEST(NormalizeTest, MalformedOrUnknownHtmlEntitiesAreLeftAsText) {
  NormalizeOptions o;
  o.decode_html_entities = true;
  EXPECT_EQ(norm("&amp &bogus; &#; &#x; &;", o), "&amp &bogus; &#; &#x; &;");
  NormalizeStats st;
  // Numeric references to nothing become U+FFFD; they are not UTF-8 errors.
  EXPECT_EQ(norm("&#0;&#xD800;&#x110000;", o, &st), kFffd + kFffd + kFffd);
  EXPECT_EQ(st.invalid_sequences, 0u);
}

TEST(NormalizeTest, HtmlDecodingStillRepairsInvalidUtf8) {
  NormalizeOptions o;
  o.decode_html_entities = true;
  NormalizeStats st;
  EXPECT_EQ(norm("a&amp;\xFF"
                 "b",
                 o, &st),
            "a&" + kFffd + "b");
  EXPECT_EQ(st.invalid_sequences, 1u);
}

// ---- invalid UTF-8 -----------------------------------------------------------------------------

TEST(NormalizeTest, LoneContinuationBytesAreEachReplaced) {
  EXPECT_EQ(norm("a\x80"
                 "b"),
            "a" + kFffd + "b");
  EXPECT_EQ(invalid_count("\x80\xBF\x80"), 3u);
}

TEST(NormalizeTest, TruncatedSequencesAreOneReplacementEach) {
  EXPECT_EQ(invalid_count("\xC3"), 1u);
  EXPECT_EQ(invalid_count("\xE2\x82"), 1u);
  EXPECT_EQ(invalid_count("\xF0\x9F\x98"), 1u);
  EXPECT_EQ(norm("x\xE2\x82y\xF0\x9F\x98z"), "x" + kFffd + "y" + kFffd + "z");
  EXPECT_EQ(norm("\xF0\x9F\x98\xF0\x9F\x98\x80"), kFffd + "\xF0\x9F\x98\x80");
}

TEST(NormalizeTest, OverlongEncodingsAreRejectedBytewise) {
  EXPECT_EQ(invalid_count("\xC0\xAF"), 2u);  // '/' as 2 bytes
  EXPECT_EQ(invalid_count("\xC1\xBF"), 2u);
  EXPECT_EQ(invalid_count("\xE0\x80\xAF"), 3u);      // E0 needs A0..BF next
  EXPECT_EQ(invalid_count("\xF0\x80\x80\xAF"), 4u);  // F0 needs 90..BF next
}

TEST(NormalizeTest, SurrogatesAreRejected) {
  EXPECT_EQ(invalid_count("\xED\xA0\x80"), 3u);     // U+D800
  EXPECT_EQ(invalid_count("\xED\xBF\xBF"), 3u);     // U+DFFF
  EXPECT_EQ(norm("\xED\x9F\xBF"), "\xED\x9F\xBF");  // U+D7FF is fine
}

TEST(NormalizeTest, CodePointsAboveMaxAreRejected) {
  EXPECT_EQ(invalid_count("\xF4\x90\x80\x80"), 4u);  // U+110000
  EXPECT_EQ(invalid_count("\xF5\x80\x80\x80"), 4u);
  EXPECT_EQ(invalid_count("\xFE\xFF"), 2u);
  EXPECT_EQ(norm("\xF4\x8F\xBF\xBF"), "\xF4\x8F\xBF\xBF");  // U+10FFFF is fine
}

TEST(NormalizeTest, RepairedDocumentsAreCountedOncePerDocument) {
  NormalizeStats st;
  Normalizer n;
  std::string out;
  n.normalize("ok", out, &st);
  n.normalize("\x80\x80 bad", out, &st);
  n.normalize("\xFF", out, &st);
  EXPECT_EQ(st.invalid_sequences, 3u);
  EXPECT_EQ(st.documents_repaired, 2u);
  EXPECT_EQ(out, kFffd);  // the document is never dropped
}

TEST(NormalizeTest, IsValidUtf8MatchesTheDefinition) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii text that is long enough for the 8-byte scan"));
  EXPECT_TRUE(is_valid_utf8("caf\xC3\xA9 \xE4\xB8\xAD \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));
  EXPECT_FALSE(is_valid_utf8("abc\x80"));
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(is_valid_utf8("truncated \xE2\x82"));
}

// ---- combined and parity -----------------------------------------------------------------------

TEST(NormalizeTest, AllDefaultStepsCombine) {
  const std::string messy =
      "\xEF\xBB\xBF  \xEF\xBC\xB4he  Q\xEF\xBD\x95ick\xE2\x80\x8B  \xE2\x80\x9C"
      "Caf"
      "e\xCC\x81"
      "\xE2\x80\x9D \xE2\x80\x94 \xEF\xAC\x81nal\xE2\x80\xA6\r\n";
  EXPECT_EQ(norm(messy), "the quick \"caf\xC3\xA9\" - final...");
}

TEST(NormalizeTest, AsciiOutputIsIdenticalAcrossReuse) {
  Normalizer n;
  std::string out;
  n.normalize("A much LONGER document that grows the buffer", out);
  n.normalize("Short", out);
  EXPECT_EQ(out, "short");
}

TEST(NormalizeTest, FastPathMatchesUtf8procOnVariedInputs) {
  std::mt19937_64 rng(20240601);
  Normalizer n(nfkc_casefold_only());
  std::string out;
  for (int i = 0; i < 3000; ++i) {
    const std::string in = random_piece_string(rng, 1 + rng() % 24);
    n.normalize(in, out);
    ASSERT_EQ(out, reference_nfkc_casefold(in)) << "case " << i;
  }
}

TEST(NormalizeTest, FastPathMatchesUtf8procOnRandomBytes) {
  std::mt19937_64 rng(7);
  Normalizer n(nfkc_casefold_only());
  std::string out;
  for (int i = 0; i < 3000; ++i) {
    std::string in(rng() % 48, '\0');
    for (char& c : in) {
      // Half ASCII letters, half arbitrary bytes, so sequences both succeed and fail.
      const uint64_t r = rng();
      c = static_cast<char>((r & 1) != 0 ? 'a' + static_cast<int>((r >> 8) % 26)
                                         : static_cast<int>((r >> 8) & 0xFF));
    }
    NormalizeStats st;
    n.normalize(in, out, &st);
    ASSERT_EQ(out, reference_nfkc_casefold(in)) << "case " << i;
    ASSERT_TRUE(is_valid_utf8(out));
    EXPECT_EQ(st.invalid_sequences == 0, is_valid_utf8(in));
  }
}

TEST(NormalizeTest, LongNonAsciiRunsMatchUtf8procAcrossSegmentSplits) {
  // Over a megabyte without one ASCII byte: the normalizer cuts it into segments; kana with
  // combining voicing marks right after a cut must still compose.
  std::mt19937_64 rng(99);
  const std::vector<std::string> cjk = {"\xE4\xB8\xAD", "\xE6\x96\x87", "\xE3\x81\x8B",
                                        "\xE3\x82\x99", "\xE3\x83\x8F", "\xE3\x82\x9A",
                                        "\xEA\xB0\x80", "\xE1\x86\xA8", "\xEF\xBC\xA1",
                                        "\xE0\xB8\x81", "\xE0\xB8\xB4", "\xE2\x80\x8B"};
  std::string in;
  while (in.size() < (1u << 20)) in += cjk[rng() % cjk.size()];
  Normalizer n(nfkc_casefold_only());
  std::string out;
  n.normalize(in, out);
  EXPECT_EQ(out, reference_nfkc_casefold(in));
}

TEST(NormalizeTest, DefaultsMatchReferenceOnAsciiText) {
  // Reference for ASCII: lowercase, collapse white space, trim.
  // Includes the neighbours of every range the eight-byte path tests (@ [ ` { around the
  // letters, '!' and control bytes around the space, DEL) and long runs of letters.
  std::mt19937_64 rng(3);
  const std::string alphabet =
      std::string("aaaaaaaaZZZZ      9\t\n\r\v\f.,'\"-@[`{AMz!~\x7f\x01\x1f") +
      std::string(1, '\0');
  Normalizer n;
  std::string out;
  for (int i = 0; i < 5000; ++i) {
    std::string in(rng() % 100, ' ');
    for (char& c : in) c = alphabet[rng() % alphabet.size()];
    std::string ref;
    bool pending = false;
    for (char c : in) {
      if (c == ' ' || (c >= '\t' && c <= '\r')) {
        pending = !ref.empty();
        continue;
      }
      if (pending) ref += ' ';
      pending = false;
      ref += (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
    }
    n.normalize(in, out);
    ASSERT_EQ(out, ref) << "input '" << in << "'";
  }
}

TEST(NormalizeTest, AsciiWithoutFoldingIsLowercasedBytewise) {
  std::mt19937_64 rng(4);
  NormalizeOptions o;
  o.fold_whitespace = false;
  Normalizer n(o);
  std::string out;
  for (int i = 0; i < 3000; ++i) {
    std::string in(rng() % 100, ' ');
    for (char& c : in) c = static_cast<char>(rng() % 128);
    std::string ref = in;
    for (char& c : ref) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    n.normalize(in, out);
    ASSERT_EQ(out, ref);
  }
}

TEST(NormalizeTest, DefaultOutputIsValidAndCanonicallySpaced) {
  std::mt19937_64 rng(11);
  Normalizer n;
  std::string out;
  for (int i = 0; i < 2000; ++i) {
    const std::string in = random_piece_string(rng, rng() % 30);
    n.normalize(in, out);
    ASSERT_TRUE(is_valid_utf8(out));
    ASSERT_EQ(out.find("  "), std::string::npos) << out;
    ASSERT_EQ(out.find_first_of("\t\r\n"), std::string::npos) << out;
    if (!out.empty()) {
      ASSERT_NE(out.front(), ' ');
      ASSERT_NE(out.back(), ' ');
    }
    std::string again;
    Normalizer(NormalizeOptions{}).normalize(out, again);
    ASSERT_EQ(again, out) << "not idempotent, case " << i;
  }
}

}  // namespace
}  // namespace neardup
