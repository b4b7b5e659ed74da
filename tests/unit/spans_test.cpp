// Span deduplication (advanced/spans.h): unit splitting, the bounded-memory unit counter against
// a plain map, and the suffix-array repeat finder against a brute-force reference on random
// small corpora.
#include "neardup/advanced/spans.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace neardup {
namespace {

std::vector<std::string> contents(std::string_view text, const std::vector<TextPiece>& pieces) {
  std::vector<std::string> out;
  for (const TextPiece& p : pieces) out.emplace_back(text.substr(p.begin, p.end - p.begin));
  return out;
}

TEST(SpansTest, ParsesUnitNames) {
  EXPECT_EQ(parse_span_unit("line")->kind, SpanUnitKind::kLine);
  EXPECT_EQ(parse_span_unit("paragraph")->kind, SpanUnitKind::kParagraph);
  Result<SpanUnit> s = parse_span_unit("sentences:3");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->kind, SpanUnitKind::kSentences);
  EXPECT_EQ(s->sentences, 3u);
  EXPECT_EQ(span_unit_name(*s), "sentences:3");
  for (const char* bad :
       {"sentences:0", "sentences:", "sentences:x", "lines", "", "sentences:3x"}) {
    EXPECT_FALSE(parse_span_unit(bad).ok()) << bad;
  }
}

TEST(SpansTest, SplitsLinesWithTheirBreaks) {
  const std::string text = "  one \r\n\n two\nthree";
  std::vector<TextPiece> p;
  split_pieces(text, SpanUnitKind::kLine, p);
  EXPECT_EQ(contents(text, p), (std::vector<std::string>{"one", "two", "three"}));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].cut_begin, 0u);
  EXPECT_EQ(p[0].cut_end, 9u);  // with "\r\n" and the blank line after it
  EXPECT_EQ(p[2].cut_end, text.size());
}

TEST(SpansTest, SplitsParagraphsAtBlankLines) {
  const std::string text = "a b\nc d\n\n\ne f\n \ng";
  std::vector<TextPiece> p;
  split_pieces(text, SpanUnitKind::kParagraph, p);
  EXPECT_EQ(contents(text, p), (std::vector<std::string>{"a b\nc d", "e f", "g"}));
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].cut_end, 10u);  // the blank lines after it go with it
  EXPECT_EQ(text.substr(p[1].cut_begin), "e f\n \ng");
  EXPECT_EQ(p[1].cut_end, 16u);
}

TEST(SpansTest, SplitsSentences) {
  const std::string text = "First one. Second? \"Third!\" e.g.x stays\nLast line";
  std::vector<TextPiece> p;
  split_pieces(text, SpanUnitKind::kSentences, p);
  EXPECT_EQ(contents(text, p), (std::vector<std::string>{"First one.", "Second?", "\"Third!\"",
                                                         "e.g.x stays", "Last line"}));
}

TEST(SpansTest, CutRangesRemovesExactlyTheRanges) {
  std::string out;
  const std::vector<ByteRange> r{{0, 2}, {4, 5}, {8, 10}};
  cut_ranges("abcdefghij", r, out);
  EXPECT_EQ(out, "cdfgh");
  cut_ranges("abc", {}, out);
  EXPECT_EQ(out, "abc");
}

// The counter against a map from unit text to the set of documents that have it.
void check_counter(const std::vector<std::string>& corpus, const SpanDedupOptions& options,
                   uint64_t memory) {
  SpillOptions spill;
  spill.memory_bytes = memory;
  Result<SpanDeduplicator> d = SpanDeduplicator::create(options, spill);
  ASSERT_TRUE(d.ok()) << d.status().message();
  SpanDeduplicator::Scratch scratch(options.normalize);
  PreparedSpans p;
  for (const std::string& text : corpus) {
    d->prepare(text, p, scratch);
    ASSERT_TRUE(d->add(p).ok());
  }
  ASSERT_TRUE(d->finish().ok());
  // Reference: lines are the units (options use kLine and the identity-ish normalization of
  // lowercase ASCII without extra spaces).
  std::map<std::string, std::set<std::size_t>> docs;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    std::vector<TextPiece> pieces;
    split_pieces(corpus[i], SpanUnitKind::kLine, pieces);
    for (const std::string& c : contents(corpus[i], pieces)) {
      if (c.size() >= options.min_unit_chars) docs[c].insert(i);
    }
  }
  uint64_t repeated = 0;
  for (const auto& [unit, set] : docs) repeated += set.size() >= options.min_docs;
  EXPECT_EQ(d->stats().repeated_units, repeated);
  std::vector<RepeatedUnit> rep;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    d->prepare(corpus[i], p, scratch);
    ASSERT_TRUE(d->next(p, rep).ok());
    std::vector<TextPiece> pieces;
    split_pieces(corpus[i], SpanUnitKind::kLine, pieces);
    const std::vector<std::string> c = contents(corpus[i], pieces);
    std::vector<std::string> hashed;
    for (const std::string& u : c) {
      if (u.size() >= options.min_unit_chars) hashed.push_back(u);
    }
    ASSERT_EQ(p.hashes.size(), hashed.size());
    std::size_t k = 0;
    for (uint32_t j = 0; j < hashed.size(); ++j) {
      const std::set<std::size_t>& s = docs[hashed[j]];
      if (s.size() < options.min_docs) continue;
      ASSERT_LT(k, rep.size()) << "doc " << i << " unit " << j;
      EXPECT_EQ(rep[k].unit, j);
      EXPECT_EQ(rep[k].docs, s.size());
      EXPECT_EQ(rep[k].first, *s.begin() == i);
      ++k;
    }
    EXPECT_EQ(k, rep.size()) << "doc " << i;
  }
}

std::vector<std::string> random_line_corpus(uint32_t seed, std::size_t docs) {
  std::mt19937 rng(seed);
  std::vector<std::string> vocab;
  for (int i = 0; i < 40; ++i) {
    vocab.push_back("line number " + std::to_string(i) +
                    std::string(static_cast<std::size_t>(i % 7), 'x'));
  }
  std::vector<std::string> corpus;
  for (std::size_t d = 0; d < docs; ++d) {
    std::string text;
    const int lines = static_cast<int>(rng() % 8);
    for (int l = 0; l < lines; ++l) {
      // Mostly unique lines, some from a small shared vocabulary (repeats inside a document too).
      if (rng() % 3 == 0) {
        text += vocab[rng() % vocab.size()];
      } else {
        text += "unique " + std::to_string(d) + " " + std::to_string(l);
      }
      text += "\n";
    }
    corpus.push_back(text);
  }
  return corpus;
}

TEST(SpanDeduplicatorTest, CountsMatchAMapInMemoryAndSpilled) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::vector<std::string> corpus = random_line_corpus(seed, 3000);
    for (uint32_t min_docs : {2u, 5u}) {
      SpanDedupOptions o;
      o.min_docs = min_docs;
      o.min_unit_chars = 14;
      check_counter(corpus, o, uint64_t{1} << 30);  // everything in memory
      check_counter(corpus, o, 64 << 10);           // sorted runs on disk
    }
  }
}

TEST(SpanDeduplicatorTest, KeepFirstDecidesWhetherTheFirstCopyStays) {
  SpanDedupOptions o;
  Result<SpanDeduplicator> d = SpanDeduplicator::create(o);
  ASSERT_TRUE(d.ok());
  const std::vector<std::string> corpus{"Header\nbody one\nFooter", "Header\nbody two\nFooter",
                                        "nothing shared"};
  SpanDeduplicator::Scratch s;
  PreparedSpans p;
  for (const auto& t : corpus) {
    d->prepare(t, p, s);
    ASSERT_TRUE(d->add(p).ok());
  }
  ASSERT_TRUE(d->finish().ok());
  std::vector<RepeatedUnit> rep;
  std::vector<ByteRange> ranges;
  std::string out;
  d->prepare(corpus[0], p, s);
  ASSERT_TRUE(d->next(p, rep).ok());
  ASSERT_EQ(rep.size(), 2u);
  EXPECT_TRUE(rep[0].first);
  EXPECT_EQ(rep[0].docs, 2u);
  repeated_ranges(p, rep, true, ranges);
  EXPECT_TRUE(ranges.empty());
  repeated_ranges(p, rep, false, ranges);
  cut_ranges(corpus[0], ranges, out);
  EXPECT_EQ(out, "body one\n");
  d->prepare(corpus[1], p, s);
  ASSERT_TRUE(d->next(p, rep).ok());
  repeated_ranges(p, rep, true, ranges);
  cut_ranges(corpus[1], ranges, out);
  EXPECT_EQ(out, "body two\n");
  d->prepare(corpus[2], p, s);
  ASSERT_TRUE(d->next(p, rep).ok());
  EXPECT_TRUE(rep.empty());
  // A fourth document in the second pass is an error, not a crash.
  EXPECT_FALSE(d->next(p, rep).ok());
}

TEST(SpanDeduplicatorTest, SentenceWindowsCutEveryCoveredSentence) {
  SpanDedupOptions o;
  o.unit = {SpanUnitKind::kSentences, 2};
  Result<SpanDeduplicator> d = SpanDeduplicator::create(o);
  ASSERT_TRUE(d.ok());
  const std::vector<std::string> corpus{"Alpha one. Shared two. Shared three. Beta four.",
                                        "Gamma. Shared two. Shared three."};
  SpanDeduplicator::Scratch s;
  PreparedSpans p;
  for (const auto& t : corpus) {
    d->prepare(t, p, s);
    ASSERT_TRUE(d->add(p).ok());
  }
  ASSERT_TRUE(d->finish().ok());
  std::vector<RepeatedUnit> rep;
  std::vector<ByteRange> ranges;
  std::string out;
  d->prepare(corpus[0], p, s);
  ASSERT_TRUE(d->next(p, rep).ok());
  d->prepare(corpus[1], p, s);
  ASSERT_TRUE(d->next(p, rep).ok());
  ASSERT_EQ(rep.size(), 1u);
  repeated_ranges(p, rep, true, ranges);
  cut_ranges(corpus[1], ranges, out);
  EXPECT_EQ(out, "Gamma. ");
}

TEST(SpanDeduplicatorTest, RejectsBadOptions) {
  SpanDedupOptions o;
  o.min_docs = 1;
  EXPECT_FALSE(SpanDeduplicator::create(o).ok());
  SpillOptions tiny;
  tiny.memory_bytes = 10;
  EXPECT_FALSE(SpanDeduplicator::create({}, tiny).ok());
}

// ---- substrings --------------------------------------------------------------------------------

bool space(char c) { return c == ' '; }

// Brute force: LPF by comparing every earlier position, then the same union of ranges.
std::vector<ByteRange> brute_repeats(const std::string& text, const SubstringOptions& o) {
  const std::size_t n = text.size();
  std::vector<ByteRange> out;
  std::vector<char> covered(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t best = 0;
    for (std::size_t j = 0; j < i; ++j) {
      std::size_t h = 0;
      while (i + h < n && text[i + h] == text[j + h] && text[i + h] != '\0') ++h;
      best = std::max(best, h);
    }
    if (best < o.min_bytes) continue;
    std::size_t tokens = 0;
    for (std::size_t k = i; k < i + best; ++k) {
      if (!space(text[k]) && (k == i || space(text[k - 1]))) ++tokens;
    }
    if (tokens < o.min_tokens) continue;
    for (std::size_t k = i; k < i + best; ++k) covered[k] = 1;
  }
  for (std::size_t i = 0; i < n;) {
    if (!covered[i]) {
      ++i;
      continue;
    }
    std::size_t e = i;
    while (e < n && covered[e]) ++e;
    out.push_back({static_cast<uint32_t>(i), static_cast<uint32_t>(e)});
    i = e;
  }
  return out;
}

TEST(SubstringTest, MatchesBruteForceOnRandomCorpora) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 300; ++trial) {
    const std::size_t docs = 1 + rng() % 5;
    std::string text;
    std::vector<uint64_t> ends;
    const char* alphabet = trial % 2 == 0 ? "ab " : "abcd  ";
    const std::size_t alpha = std::char_traits<char>::length(alphabet);
    for (std::size_t d = 0; d < docs; ++d) {
      if (d > 0) text.push_back('\0');
      const std::size_t len = rng() % 60;
      for (std::size_t k = 0; k < len; ++k) text.push_back(alphabet[rng() % alpha]);
      // Sometimes paste an earlier piece, so that long repeats exist.
      if (text.size() > 20 && rng() % 2 == 0) {
        const std::size_t from = rng() % (text.size() - 10);
        std::string piece = text.substr(from, 5 + rng() % 15);
        piece.erase(std::remove(piece.begin(), piece.end(), '\0'), piece.end());
        text += piece;
      }
      ends.push_back(text.size());
    }
    for (uint32_t min_bytes : {1u, 3u, 8u}) {
      for (uint32_t min_tokens : {0u, 2u}) {
        SubstringOptions o;
        o.min_bytes = min_bytes;
        o.min_tokens = min_tokens;
        std::vector<ByteRange> got;
        ASSERT_TRUE(find_repeats(text, ends, o, got).ok());
        EXPECT_EQ(got, brute_repeats(text, o))
            << "trial " << trial << " min_bytes " << min_bytes << " min_tokens " << min_tokens;
      }
    }
  }
}

TEST(SubstringTest, KeepsTheFirstOccurrenceAndCutsLaterOnes) {
  Result<SubstringDeduplicator> d = SubstringDeduplicator::create({.min_bytes = 10});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->add("intro: the quick brown fox jumps").ok());
  ASSERT_TRUE(d->add("other text").ok());
  ASSERT_TRUE(d->add("xx the quick brown fox jumps yy").ok());
  ASSERT_TRUE(d->finish().ok());
  EXPECT_TRUE(d->removed(0).empty());
  EXPECT_TRUE(d->removed(1).empty());
  ASSERT_EQ(d->removed(2).size(), 1u);
  EXPECT_EQ(d->removed(2)[0], (ByteRange{2, 28}));  // " the quick brown fox jumps"
  EXPECT_TRUE(d->removed(3).empty());               // past the end: nothing
}

TEST(SubstringTest, RangesEndOnCharacterBoundaries) {
  // The repeat "\xA9 caf\xC3" starts inside "ĩ" (C4 A9) and ends inside "ê" (C3 AA): the cut
  // is shrunk to " caf".
  Result<SubstringDeduplicator> d = SubstringDeduplicator::create({.min_bytes = 4});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->add("X\xC3\xA9 caf\xC3\xA9").ok());
  const std::string t = "\xC4\xA9 caf\xC3\xAA";
  ASSERT_TRUE(d->add(t).ok());
  ASSERT_TRUE(d->finish().ok());
  ASSERT_EQ(d->removed(1).size(), 1u);
  EXPECT_EQ(d->removed(1)[0], (ByteRange{2, 6}));
  const ByteRange r = d->removed(1)[0];
  EXPECT_TRUE(is_valid_utf8(t.substr(r.begin, r.end - r.begin)));
}

TEST(SubstringTest, RepeatsNeverCrossDocuments) {
  // "abcdef" exists only across the boundary of documents 0 and 1.
  Result<SubstringDeduplicator> d = SubstringDeduplicator::create({.min_bytes = 4});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->add("xxabc").ok());
  ASSERT_TRUE(d->add("defyy").ok());
  ASSERT_TRUE(d->add("abcdef").ok());
  ASSERT_TRUE(d->finish().ok());
  EXPECT_TRUE(d->removed(2).empty());
}

TEST(SubstringTest, CorpusPastTheLimitIsAnError) {
  Result<SubstringDeduplicator> d =
      SubstringDeduplicator::create({.min_bytes = 4, .max_bytes = 10});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->add("12345").ok());
  const Status st = d->add("123456");
  EXPECT_EQ(st.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(d->bytes(), 5u);
  EXPECT_FALSE(SubstringDeduplicator::create({.min_bytes = 0}).ok());
  EXPECT_FALSE(SubstringDeduplicator::create({.min_bytes = 70000}).ok());
}

TEST(SubstringTest, LongRunsAreCoveredPastTheLcpCap) {
  // A 200 KB repeat: LCPs are capped at 65535, and the ranges after i still cover it all.
  std::mt19937 rng(5);
  std::string block(200000, ' ');
  for (char& c : block) c = static_cast<char>('a' + rng() % 26);
  Result<SubstringDeduplicator> d = SubstringDeduplicator::create({.min_bytes = 50});
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(d->add(block).ok());
  ASSERT_TRUE(d->add("head " + block + " tail").ok());
  ASSERT_TRUE(d->finish().ok());
  ASSERT_EQ(d->removed(1).size(), 1u);
  EXPECT_EQ(d->removed(1)[0], (ByteRange{5, 200005}));
}

}  // namespace
}  // namespace neardup
