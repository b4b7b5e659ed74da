// Text normalization: raw bytes -> one canonical UTF-8 form, so that documents that differ only
// in encoding accidents (full-width letters, composed vs decomposed accents, curly quotes,
// zero-width characters, runs of spaces, HTML entities) hash the same.
//
//   neardup::Normalizer norm({});            // defaults: every step below marked "on"
//   std::string out;
//   neardup::NormalizeStats stats;
//   norm.normalize("Ｈｅｌｌｏ,\u200b  “World”", out, &stats);   // out == "hello, \"world\""
//
// Steps, in order (each switchable in NormalizeOptions):
//   1. UTF-8 validation (always on): every maximal invalid subsequence is replaced by U+FFFD and
//      counted in NormalizeStats::invalid_sequences. Never fails, never drops the document.
//   2. decode_html_entities (on): &amp; &lt; &gt; &quot; &apos; &nbsp; &#NNN; &#xHH; and the
//      common named Latin-1 entities. Unknown entities are left as they are. On by default since
//      0.2: crawled text is full of &quot; &#39; &#8217;, and one encoded quote breaks five
//      word 5-shingles, while text that went through an HTML parser has no entities left to
//      decode. Files written before (indexes, sketch files) record the setting they used.
//   3. remove_invisible (on): zero-width space/joiners (U+200B-U+200D, U+2060), BOM / ZWNBSP
//      (U+FEFF), soft hyphen (U+00AD) and other default-ignorable format characters are removed.
//   4. nfkc (on): Unicode NFKC via utf8proc (full-width -> ASCII, ligatures split, composed
//      accents). case_fold (on): Unicode full case folding.
//   5. unify_punctuation (on): all quotation marks -> ' or ", all dashes/hyphens -> '-',
//      all Unicode spaces -> ' ', ellipsis -> "...".
//   6. strip_punctuation (off): every punctuation or symbol character becomes a space.
//   7. fold_whitespace (on): runs of white space (including CR/LF/TAB) become one ' ';
//      leading and trailing white space is removed.
//
// ASCII text takes a fast path (no utf8proc call); non-ASCII runs go through utf8proc with the
// preceding ASCII starter so that combining marks compose correctly.
//
// Thread safety: a Normalizer keeps scratch buffers; use one per thread. Options are immutable
// after construction. Cost: O(n); allocation-free once its buffers have grown to the largest
// document seen.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/status.h"

namespace neardup {

struct NormalizeOptions {
  bool decode_html_entities = true;
  bool remove_invisible = true;
  bool nfkc = true;
  bool case_fold = true;
  bool unify_punctuation = true;
  bool strip_punctuation = false;
  bool fold_whitespace = true;

  Status validate() const { return Status(); }
};

struct NormalizeStats {
  uint64_t invalid_sequences = 0;   // invalid UTF-8 subsequences replaced by U+FFFD
  uint64_t documents_repaired = 0;  // documents with at least one replacement
  void add(const NormalizeStats& o) {
    invalid_sequences += o.invalid_sequences;
    documents_repaired += o.documents_repaired;
  }
};

class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options = {});

  // Writes the normalized form of `in` to `out` (cleared first). If stats is non-null, adds this
  // document's counts to it. Never fails.
  void normalize(std::string_view in, std::string& out, NormalizeStats* stats = nullptr);

  const NormalizeOptions& options() const noexcept { return options_; }

 private:
  NormalizeOptions options_;
  std::vector<int32_t> codepoints_;  // scratch for the utf8proc slow path
  std::string segment_;              // scratch
};

// Returns true if `s` is valid UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s) noexcept;

}  // namespace neardup
