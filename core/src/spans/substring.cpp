// Repeated substrings after their first occurrence, from a suffix array.
//
// A byte of document text is cut when it lies in some range [i, i + len), len >= min_bytes,
// whose bytes also start at an earlier position j < i. With LPF[i], the longest previous factor
// (the longest prefix of suffix i that starts somewhere before i), that is exactly the union of
// [i, i + LPF[i]) over the positions with LPF[i] >= min_bytes. LPF[i] is the larger of the LCPs
// of suffix i with its nearest neighbours in suffix-array order that start before i (the
// previous and next smaller values of SA around i's rank; Crochemore and Ilie 2008), found with
// one stack pass in each direction.
//
// Memory (n bytes of corpus): the text (n), the suffix array (4n, libdivsufsort's 32-bit
// divsufsort), and one 4n buffer that first holds Phi (Phi[SA[r]] = SA[r - 1], Kasai et al.'s
// permuted-LCP construction), then, in place, PLCP capped at 65535 in its first half and LPF
// capped at 65535 in its second half: 9n at the peak. Capping loses nothing: LPF[i + 1] >=
// LPF[i] - 1, so a range longer than the cap is still covered by the capped ranges of the
// positions after i (each at least min_bytes <= cap long).
#include <divsufsort.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "neardup/advanced/spans.h"

namespace neardup {
namespace {

constexpr uint32_t kCap = 0xFFFF;  // LCP and LPF are stored in 16 bits, capped here

inline uint32_t load32(const unsigned char* p, uint64_t i) noexcept {
  uint32_t v;
  std::memcpy(&v, p + 4 * i, 4);
  return v;
}
inline uint16_t load16(const unsigned char* p, uint64_t i) noexcept {
  uint16_t v;
  std::memcpy(&v, p + 2 * i, 2);
  return v;
}
inline void store16(unsigned char* p, uint64_t i, uint16_t v) noexcept {
  std::memcpy(p + 2 * i, &v, 2);
}

inline bool is_space(unsigned char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

struct StackEntry {
  uint32_t pos;
  uint32_t h;  // min LCP between this entry and the one above it (the top: the current rank)
};

}  // namespace

Status SubstringOptions::validate() const {
  if (min_bytes < 1 || min_bytes > kCap) {
    return Status::invalid_argument("substring: min_bytes must be in 1..65535");
  }
  if (max_bytes > kSubstringMaxBytes) {
    return Status::invalid_argument("substring: max_bytes is at most 2^31 - 2");
  }
  return Status();
}

Status find_repeats(std::string_view text, std::span<const uint64_t> doc_ends,
                    const SubstringOptions& options, std::vector<ByteRange>& out) {
  out.clear();
  NEARDUP_RETURN_IF_ERROR(options.validate());
  const uint64_t n = text.size();
  if (n > kSubstringMaxBytes) {
    return Status::out_of_range("substring: the corpus holds " + std::to_string(n) +
                                " bytes, past the suffix array's limit of 2^31 - 2");
  }
  if (doc_ends.empty() || doc_ends.back() != n) {
    return Status::invalid_argument("substring: doc_ends must end at the text's size");
  }
  if (n < 2) return Status();
  const auto* t = reinterpret_cast<const unsigned char*>(text.data());
  const uint32_t min_len = options.min_bytes;
  std::vector<int32_t> sa;
  std::unique_ptr<unsigned char[]> buf;
  try {
    sa.resize(n);
    buf.reset(new unsigned char[4 * n]);
  } catch (const std::bad_alloc&) {
    return Status::out_of_range("substring: cannot allocate " + std::to_string(9 * n) +
                                " bytes for the suffix array of " + std::to_string(n) +
                                " bytes of text");
  }
  if (divsufsort(t, sa.data(), static_cast<saidx_t>(n)) != 0) {
    return Status::internal("substring: divsufsort failed");
  }
  // Phi, then PLCP in place (2 bytes at offset 2i, written after the 4 bytes at 4i were read;
  // every later read is at 4i' > 2i + 1).
  unsigned char* b = buf.get();
  constexpr uint32_t kNone = 0xFFFFFFFFu;
  {
    uint32_t v = kNone;
    std::memcpy(b + 4 * static_cast<uint64_t>(sa[0]), &v, 4);
    for (uint64_t r = 1; r < n; ++r) {
      v = static_cast<uint32_t>(sa[r - 1]);
      std::memcpy(b + 4 * static_cast<uint64_t>(sa[r]), &v, 4);
    }
  }
  {
    uint64_t h = 0;
    for (uint64_t i = 0; i < n; ++i) {
      const uint32_t j = load32(b, i);
      if (j == kNone) {
        h = 0;
      } else {
        // The common prefix stops at a document separator (NUL): no repeat crosses one.
        while (i + h < n && j + h < n && t[i + h] == t[j + h] && t[i + h] != 0) ++h;
      }
      store16(b, i, static_cast<uint16_t>(std::min<uint64_t>(h, kCap)));
      if (h > 0) --h;
    }
  }
  const unsigned char* plcp = b;  // PLCP[i] = LCP of suffix i and the one before it in SA
  unsigned char* lpf = b + 2 * n;
  auto lcp_at_rank = [&](uint64_t r) -> uint32_t {  // LCP of ranks r - 1 and r
    return load16(plcp, static_cast<uint64_t>(sa[r]));
  };
  std::vector<StackEntry> stack;
  // One pass: for each rank, the LCP with the nearest rank on the `step` side whose suffix
  // starts earlier. Entries whose LCP with the current rank fell below min_len can never give
  // a result >= min_len again (LCPs only shrink over a longer range of ranks): the stack drops
  // them, which keeps it small on text.
  auto pass = [&](bool forward) {
    stack.clear();
    for (uint64_t k = 0; k < n; ++k) {
      const uint64_t r = forward ? k : n - 1 - k;
      const uint32_t p = static_cast<uint32_t>(sa[r]);
      if (!stack.empty()) {
        const uint32_t l = forward ? lcp_at_rank(r) : lcp_at_rank(r + 1);
        stack.back().h = std::min(stack.back().h, l);
      }
      while (!stack.empty() && stack.back().pos > p) {
        const uint32_t h = stack.back().h;
        stack.pop_back();
        if (!stack.empty()) stack.back().h = std::min(stack.back().h, h);
      }
      uint32_t best = stack.empty() ? 0 : stack.back().h;
      if (best < min_len) {
        best = 0;
        stack.clear();
      }
      if (forward) {
        store16(lpf, p, static_cast<uint16_t>(best));
      } else if (best > load16(lpf, p)) {
        store16(lpf, p, static_cast<uint16_t>(best));
      }
      stack.push_back({p, kCap});
    }
  };
  pass(true);
  pass(false);
  std::vector<StackEntry>().swap(stack);
  std::vector<int32_t>().swap(sa);

  // In text order: the ranges, their token counts (two pointers: e = i + LPF[i] never moves
  // back inside a document), merged, shrunk to character boundaries.
  uint64_t doc = 0, doc_end = doc_ends[0];
  uint64_t tok_ptr = 0, tok_count = 0;  // token starts in [0, tok_ptr)
  auto token_starts_before = [&](uint64_t x) -> uint64_t {
    if (x < tok_ptr) {  // not expected (see above); count from scratch to stay correct
      tok_ptr = 0;
      tok_count = 0;
    }
    for (; tok_ptr < x; ++tok_ptr) {
      if (!is_space(t[tok_ptr]) && t[tok_ptr] != 0 &&
          (tok_ptr == 0 || is_space(t[tok_ptr - 1]) || t[tok_ptr - 1] == 0)) {
        ++tok_count;
      }
    }
    return tok_count;
  };
  uint64_t cur_begin = 0, cur_end = 0;
  bool open = false;
  auto flush = [&]() {
    if (!open) return;
    open = false;
    uint64_t bgn = cur_begin, end = cur_end;
    while (bgn < end && (t[bgn] & 0xC0) == 0x80) ++bgn;
    while (end > bgn && end < n && (t[end] & 0xC0) == 0x80) --end;
    if (end > bgn) out.push_back({static_cast<uint32_t>(bgn), static_cast<uint32_t>(end)});
  };
  for (uint64_t i = 0; i < n; ++i) {
    while (i >= doc_end && doc + 1 < doc_ends.size()) {
      doc_end = doc_ends[++doc];
    }
    const uint64_t len = std::min<uint64_t>(load16(lpf, i), doc_end > i ? doc_end - i : 0);
    if (len < min_len) continue;
    const uint64_t e = i + len;
    if (options.min_tokens > 0) {
      // Tokens overlapping [i, e): the one i is in (if any), and those starting after i.
      const uint64_t inside = is_space(t[i]) ? 0 : 1;
      const uint64_t a = token_starts_before(i + 1);
      const uint64_t z = token_starts_before(e);
      if (z - a + inside < options.min_tokens) continue;
    }
    if (open && i <= cur_end) {
      cur_end = std::max(cur_end, e);
    } else {
      flush();
      cur_begin = i;
      cur_end = e;
      open = true;
    }
  }
  flush();
  return Status();
}

Result<SubstringDeduplicator> SubstringDeduplicator::create(const SubstringOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  return SubstringDeduplicator(options);
}

Status SubstringDeduplicator::add(std::string_view text) {
  const uint64_t sep = ends_.empty() ? 0 : 1;
  if (text_.size() + sep + text.size() > options_.max_bytes) {
    return Status::out_of_range("substring: the corpus passes its limit of " +
                                std::to_string(options_.max_bytes) + " bytes of text (document " +
                                std::to_string(ends_.size() + 1) + ")");
  }
  if (sep) text_.push_back('\0');
  const std::size_t at = text_.size();
  text_.append(text);
  std::replace(text_.begin() + static_cast<std::ptrdiff_t>(at), text_.end(), '\0', '\x01');
  ends_.push_back(text_.size());
  return Status();
}

Status SubstringDeduplicator::finish() {
  std::vector<ByteRange> all;
  if (!ends_.empty()) NEARDUP_RETURN_IF_ERROR(find_repeats(text_, ends_, options_, all));
  std::string().swap(text_);
  range_begin_.assign(ends_.size() + 1, 0);
  ranges_.clear();
  ranges_.reserve(all.size());
  std::size_t k = 0;
  for (uint64_t d = 0; d < ends_.size(); ++d) {
    range_begin_[d] = ranges_.size();
    const uint64_t start = d == 0 ? 0 : ends_[d - 1] + 1;
    for (; k < all.size() && all[k].begin < ends_[d]; ++k) {
      ranges_.push_back(
          {static_cast<uint32_t>(all[k].begin - start), static_cast<uint32_t>(all[k].end - start)});
    }
  }
  range_begin_[ends_.size()] = ranges_.size();
  return Status();
}

std::span<const ByteRange> SubstringDeduplicator::removed(uint64_t doc) const noexcept {
  if (doc + 1 >= range_begin_.size()) return {};
  return std::span<const ByteRange>(ranges_).subspan(range_begin_[doc],
                                                     range_begin_[doc + 1] - range_begin_[doc]);
}

}  // namespace neardup
