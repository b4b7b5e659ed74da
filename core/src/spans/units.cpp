// Units of text (lines, paragraphs, sentences), the ranges to cut for repeated ones, and the
// cutting itself.
#include <algorithm>
#include <charconv>
#include <string>

#include "neardup/advanced/spans.h"

namespace neardup {
namespace {

inline bool is_hspace(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

// [b, e) of the line starting at `start`: e at the '\n' or the end; returns the next line's start.
inline std::size_t line_end(std::string_view text, std::size_t start) noexcept {
  const std::size_t nl = text.find('\n', start);
  return nl == std::string_view::npos ? text.size() : nl;
}

// The content of [b, e) without white space around it; false when it is all white space.
inline bool trim(std::string_view text, std::size_t& b, std::size_t& e) noexcept {
  while (b < e && is_hspace(text[b])) ++b;
  while (e > b && is_hspace(text[e - 1])) --e;
  return e > b;
}

inline uint32_t u32(std::size_t v) noexcept { return static_cast<uint32_t>(v); }

void split_lines(std::string_view text, std::vector<TextPiece>& out) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t e0 = line_end(text, start);
    const std::size_t next = e0 < text.size() ? e0 + 1 : e0;
    std::size_t b = start, e = e0;
    if (trim(text, b, e)) {
      out.push_back({u32(start), u32(b), u32(e), u32(next)});
    } else if (!out.empty()) {
      out.back().cut_end = u32(next);  // blank lines go with the line before them
    }
    start = next;
  }
}

void split_paragraphs(std::string_view text, std::vector<TextPiece>& out) {
  std::size_t start = 0;
  bool open = false;
  TextPiece cur;
  while (start < text.size()) {
    const std::size_t e0 = line_end(text, start);
    const std::size_t next = e0 < text.size() ? e0 + 1 : e0;
    std::size_t b = start, e = e0;
    if (trim(text, b, e)) {
      if (!open) {
        cur = {u32(start), u32(b), u32(e), u32(next)};
        open = true;
      } else {
        cur.end = u32(e);
        cur.cut_end = u32(next);
      }
    } else if (open) {
      // A blank line ends the paragraph; it and the blank lines after it go with it.
      cur.cut_end = u32(next);
      out.push_back(cur);
      open = false;
    } else if (!out.empty()) {
      out.back().cut_end = u32(next);
    }
    start = next;
  }
  if (open) out.push_back(cur);
}

inline bool is_closer(char c) noexcept { return c == '"' || c == '\'' || c == ')' || c == ']'; }

void split_sentences(std::string_view text, std::vector<TextPiece>& out) {
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t e0 = line_end(text, start);
    const std::size_t next_line = e0 < text.size() ? e0 + 1 : e0;
    std::size_t p = start;
    while (p < e0) {
      while (p < e0 && is_hspace(text[p])) ++p;
      if (p >= e0) break;
      const std::size_t b = p;
      // The sentence ends after [.!?] (and closing quotes or brackets) before white space.
      std::size_t e = e0;
      for (std::size_t q = b; q < e0; ++q) {
        const char c = text[q];
        if (c != '.' && c != '!' && c != '?') continue;
        std::size_t r = q + 1;
        while (r < e0 && (text[r] == '.' || text[r] == '!' || text[r] == '?' || is_closer(text[r])))
          ++r;
        if (r == e0 || is_hspace(text[r])) {
          e = r;
          break;
        }
        q = r - 1;
      }
      std::size_t after = e;
      while (after < e0 && is_hspace(text[after])) ++after;
      std::size_t content_end = e;
      while (content_end > b && is_hspace(text[content_end - 1])) --content_end;
      const bool whole_line = b == start || std::all_of(text.begin() + static_cast<long>(start),
                                                        text.begin() + static_cast<long>(b),
                                                        [](char c) { return is_hspace(c); });
      TextPiece piece{u32(b), u32(b), u32(content_end), u32(after)};
      if (after == e0) {
        piece.cut_end = u32(whole_line ? next_line : e0);
        if (whole_line) piece.cut_begin = u32(start);
      }
      out.push_back(piece);
      p = after;
    }
    start = next_line;
  }
}

}  // namespace

Result<SpanUnit> parse_span_unit(std::string_view name) {
  if (name == "line") return SpanUnit{SpanUnitKind::kLine, 1};
  if (name == "paragraph") return SpanUnit{SpanUnitKind::kParagraph, 1};
  constexpr std::string_view kPrefix = "sentences:";
  if (name.starts_with(kPrefix)) {
    const std::string_view num = name.substr(kPrefix.size());
    uint32_t n = 0;
    const auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), n);
    if (ec == std::errc() && ptr == num.data() + num.size() && n >= 1 && n <= 1000) {
      return SpanUnit{SpanUnitKind::kSentences, n};
    }
    return Status::invalid_argument("unit '" + std::string(name) +
                                    "': N in sentences:N must be a number in 1..1000");
  }
  return Status::invalid_argument("unknown unit '" + std::string(name) +
                                  "' (line, paragraph or sentences:N)");
}

std::string span_unit_name(SpanUnit unit) {
  switch (unit.kind) {
    case SpanUnitKind::kLine:
      return "line";
    case SpanUnitKind::kParagraph:
      return "paragraph";
    case SpanUnitKind::kSentences:
      return "sentences:" + std::to_string(unit.sentences);
  }
  return "line";
}

void split_pieces(std::string_view text, SpanUnitKind kind, std::vector<TextPiece>& out) {
  out.clear();
  switch (kind) {
    case SpanUnitKind::kLine:
      split_lines(text, out);
      break;
    case SpanUnitKind::kParagraph:
      split_paragraphs(text, out);
      break;
    case SpanUnitKind::kSentences:
      split_sentences(text, out);
      break;
  }
}

namespace {

// Calls emit(piece) for every piece covered by a unit of `repeated` (skipping the first
// document's when skip_first), in piece order, each once.
template <class Emit>
void for_each_covered(const PreparedSpans& doc, std::span<const RepeatedUnit> repeated,
                      bool skip_first, Emit&& emit) {
  std::size_t done = 0;  // pieces before this are emitted or passed
  for (const RepeatedUnit& u : repeated) {
    if (skip_first && u.first) continue;
    if (u.unit >= doc.first_piece.size()) continue;
    const std::size_t a = doc.first_piece[u.unit];
    const std::size_t b = std::min<std::size_t>(a + doc.window, doc.pieces.size());
    for (std::size_t k = std::max(a, done); k < b; ++k) emit(doc.pieces[k]);
    done = std::max(done, b);
  }
}

inline void push_merged(std::vector<ByteRange>& out, uint32_t b, uint32_t e) {
  if (e <= b) return;
  if (!out.empty() && b <= out.back().end) {
    out.back().end = std::max(out.back().end, e);
  } else {
    out.push_back({b, e});
  }
}

}  // namespace

void repeated_ranges(const PreparedSpans& doc, std::span<const RepeatedUnit> repeated,
                     bool keep_first, std::vector<ByteRange>& out) {
  out.clear();
  for_each_covered(doc, repeated, keep_first,
                   [&](const TextPiece& p) { push_merged(out, p.cut_begin, p.cut_end); });
}

void repeated_content(const PreparedSpans& doc, std::span<const RepeatedUnit> repeated,
                      std::vector<ByteRange>& out) {
  out.clear();
  for_each_covered(doc, repeated, false,
                   [&](const TextPiece& p) { push_merged(out, p.begin, p.end); });
}

void cut_ranges(std::string_view text, std::span<const ByteRange> ranges, std::string& out) {
  out.clear();
  std::size_t at = 0;
  for (const ByteRange& r : ranges) {
    const std::size_t b = std::min<std::size_t>(r.begin, text.size());
    const std::size_t e = std::min<std::size_t>(r.end, text.size());
    if (b > at) out.append(text.substr(at, b - at));
    at = std::max(at, e);
  }
  if (at < text.size()) out.append(text.substr(at));
}

}  // namespace neardup
