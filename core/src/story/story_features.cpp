// Story features: content words, canonical amounts and entity pairs (see
// neardup/advanced/story_features.h).
#include <libstemmer.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>
#include <unordered_set>
#include <utility>

#include "neardup/advanced/hash.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/story_features.h"
#include "neardup/advanced/story_translate.h"
#include "neardup/advanced/tokenize.h"
#include "story/stopwords.h"
#include "story/story_internal.h"

namespace neardup {
namespace {

constexpr uint64_t kAmountSalt = 0x616d6f756e742121ull;  // separates amounts from words
constexpr uint64_t kEntitySalt = 0x656e746974792121ull;  // and entity pairs from both
constexpr uint64_t kBigramSalt = 0x62696772616d2121ull;  // and word pairs from all three
// Tokens looked at to pick a document's language.
constexpr std::size_t kLanguageProbeTokens = 400;
// Entries of the per-document term list before it is folded (16 MB): bounds the memory a huge
// document takes beyond its text and tokens.
constexpr std::size_t kCompactAt = std::size_t{1} << 20;
// A text longer than this is featurized piece by piece, cut at a line or sentence end (else at
// a space), so that its normalized copies and token lists stay this small: a whole book on one
// line costs about its own size, not ten times it. The language is picked from the first piece.
constexpr std::size_t kPieceBytes = std::size_t{1} << 20;
// How far back from kPieceBytes a cut looks for a line or sentence end, then for a space.
constexpr std::size_t kCutSearch = std::size_t{1} << 16;
constexpr int kUndecided = -100;  // no language picked yet (real ones are >= -2)

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// The multiplier of a scale word or suffix ("thousand", "bn", "k"), or 0.
// With `other` (a document in a language with a translation table), also the scale words of
// the bundled languages (German, French, Spanish, Italian, Portuguese, Dutch: "Millionen",
// "Mrd", "millions", "milliards", "millones", "miliardi"), so that amounts cross languages;
// long-scale "billion" words (German "Billion" = 10^12) are not read, as their meaning depends
// on the language.
double scale_of(std::string_view s, bool suffix, bool other = false) {
  if (s == "thousand" || (suffix && s == "k")) return 1e3;
  if (s == "million" || s == "mln" || s == "mn" || (suffix && s == "m")) return 1e6;
  if (s == "billion" || s == "bn" || s == "bln" || (suffix && s == "b")) return 1e9;
  if (other) {
    if (s == "tausend") return 1e3;
    if (s == "millionen" || s == "mio" || s == "millions" || s == "millones" || s == "millón" ||
        s == "milioni" || s == "milhões" || s == "miljoen") {
      return 1e6;
    }
    if (s == "milliarde" || s == "milliarden" || s == "mrd" || s == "milliard" ||
        s == "milliards" || s == "miliardi" || s == "miljard") {
      return 1e9;
    }
  }
  if (s == "trillion" || s == "tn" || s == "trn") return 1e12;
  return 0;
}

// In text of a decimal-comma language: swaps ',' and '.' where they stand between two digits,
// so that the tokenizer (which reads English numbers) sees "4.8" for "4,8" and "61,500" for
// "61.500". In place.
void swap_decimal_marks(std::string& text) {
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    const char c = text[i];
    if ((c == ',' || c == '.') && is_digit(text[i - 1]) && is_digit(text[i + 1])) {
      text[i] = c == ',' ? '.' : ',';
    }
  }
}

// Parses "123", "5.93" (digits with at most one '.'); false otherwise.
bool parse_number(std::string_view s, double& value) {
  if (s.empty() || s.size() > 40) return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.') {
      if (dot) return false;
      dot = true;
    } else if (!is_digit(c)) {
      return false;
    }
  }
  if (s.back() == '.') return false;
  char buf[48];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  value = std::strtod(buf, nullptr);
  return std::isfinite(value);
}

// Writes a canonical spelling of an amount: integers without separators, else 6 significant
// digits, so that "1.5 million" and "1,500,000" agree.
std::size_t format_amount(double v, char* buf, std::size_t cap) {
  int n;
  if (v < 1e18 && std::floor(v) == v) {
    n = std::snprintf(buf, cap, "%llu", static_cast<unsigned long long>(v));
  } else {
    n = std::snprintf(buf, cap, "%.6g", v);
  }
  return n > 0 ? std::min(static_cast<std::size_t>(n), cap - 1) : 0;
}

bool starts_upper(std::string_view token) {
  if (token.empty()) return false;
  const auto c = static_cast<unsigned char>(token[0]);
  if (c < 0x80) return c >= 'A' && c <= 'Z';
  utf8proc_int32_t cp = 0;
  const auto n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(token.data()),
                                  static_cast<utf8proc_ssize_t>(token.size()), &cp);
  return n > 0 && utf8proc_category(cp) == UTF8PROC_CATEGORY_LU;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

// Where to end the next piece of a text longer than kPieceBytes: after a newline or a ". ",
// else at a space, else at the start of a UTF-8 character.
std::size_t piece_end(std::string_view text) {
  const std::size_t lo = kPieceBytes - kCutSearch;
  for (std::size_t c = kPieceBytes; c > lo; --c) {
    if (text[c - 1] == '\n' || (is_space(text[c]) && text[c - 1] == '.')) return c;
  }
  for (std::size_t c = kPieceBytes; c > lo; --c) {
    if (is_space(text[c])) return c;
  }
  std::size_t c = kPieceBytes;
  while (c > 1 && (static_cast<unsigned char>(text[c]) & 0xC0) == 0x80) --c;
  return c;
}

// The month (1-12) a folded word names, or 0: the calendar's month names and their usual
// abbreviations in English and in the languages with translation tables (German, French,
// Spanish), so that "30 April", "30. April", "30 avril" and "30 de abril" agree. "may" and
// "mar" are also words; they count only next to a day number (see read_day).
int month_of(std::string_view w) {
  struct Month {
    std::string_view name;
    int month;
  };
  static constexpr std::array<Month, 58> kMonths{{
      {"january", 1},   {"jan", 1},       {"januar", 1},     {"janvier", 1},    {"enero", 1},
      {"february", 2},  {"feb", 2},       {"februar", 2},    {"fevrier", 2},    {"février", 2},
      {"febrero", 2},   {"march", 3},     {"mar", 3},        {"märz", 3},       {"maerz", 3},
      {"mars", 3},      {"marzo", 3},     {"april", 4},      {"apr", 4},        {"avril", 4},
      {"abril", 4},     {"may", 5},       {"mai", 5},        {"mayo", 5},       {"june", 6},
      {"jun", 6},       {"juni", 6},      {"juin", 6},       {"junio", 6},      {"july", 7},
      {"jul", 7},       {"juli", 7},      {"juillet", 7},    {"julio", 7},      {"august", 8},
      {"aug", 8},       {"aout", 8},      {"août", 8},       {"agosto", 8},     {"september", 9},
      {"sep", 9},       {"sept", 9},      {"septembre", 9},  {"septiembre", 9}, {"october", 10},
      {"oct", 10},      {"oktober", 10},  {"octobre", 10},   {"octubre", 10},   {"november", 11},
      {"nov", 11},      {"novembre", 11}, {"noviembre", 11}, {"december", 12},  {"dec", 12},
      {"dezember", 12}, {"decembre", 12}, {"diciembre", 12},
  }};
  if (w.size() < 3 || w.size() > 10) return 0;
  // Every token of every document comes here: the first byte and the length turn most of them
  // away before a comparison of the bytes.
  if (std::string_view("jfmasond").find(w[0]) == std::string_view::npos) return 0;
  for (const Month& m : kMonths) {
    if (m.name.size() == w.size() && m.name[0] == w[0] && m.name == w) return m.month;
  }
  return 0;
}

// The day (1-31) a token states: "3", "03", "3rd", "21st", "1er" (French); else 0.
int read_day(std::string_view t) {
  std::size_t d = 0;
  int day = 0;
  while (d < t.size() && d < 3 && is_digit(t[d])) day = day * 10 + (t[d++] - '0');
  if (d == 0 || d > 2 || day < 1 || day > 31) return 0;
  const std::string_view rest = t.substr(d);
  if (rest.empty() || rest == "st" || rest == "nd" || rest == "rd" || rest == "th" ||
      rest == "er") {
    return day;
  }
  return 0;
}

// Whether day `day` exists in month `month` in some year.
bool valid_date(int month, int day) {
  static constexpr std::array<int, 12> kDays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month >= 1 && month <= 12 && day >= 1 && day <= kDays[static_cast<std::size_t>(month - 1)];
}

// The canonical spelling of a date without its year: "03-07" for March 7.
std::string_view format_date(int month, int day, char* buf) {
  buf[0] = static_cast<char>('0' + month / 10);
  buf[1] = static_cast<char>('0' + month % 10);
  buf[2] = '-';
  buf[3] = static_cast<char>('0' + day / 10);
  buf[4] = static_cast<char>('0' + day % 10);
  return std::string_view(buf, 5);
}

// Numeric dates in normalized text: three digit groups joined by one separator, '-', '/' or
// '.', standing alone (no letter or digit around): year-month-day ("2021-03-07"), or
// day.month.year / day/month/year / month/day/year with a year of 2 or 4 digits. A slash date
// whose first two parts are both at most 12 is ambiguous (7/3 is March 7 in Britain, July 3 in
// the US) and gives both readings. Calls found(month, day) for each reading.
template <typename Found>
void scan_numeric_dates(std::string_view s, Found found) {
  const auto alnum = [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return is_digit(c) || u >= 0x80 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
  };
  std::size_t i = 0;
  while (i < s.size()) {
    if (!is_digit(s[i]) || (i > 0 && alnum(s[i - 1]))) {
      ++i;
      continue;
    }
    std::array<int, 3> value{};
    std::array<std::size_t, 3> len{};
    std::size_t j = i;
    char sep = 0;
    int groups = 0;
    while (groups < 3) {
      std::size_t d = 0;
      int v = 0;
      while (j < s.size() && is_digit(s[j]) && d < 5) {
        v = v * 10 + (s[j] - '0');
        ++j;
        ++d;
      }
      if (d == 0 || (j < s.size() && is_digit(s[j]))) break;
      value[static_cast<std::size_t>(groups)] = v;
      len[static_cast<std::size_t>(groups)] = d;
      ++groups;
      if (groups == 3 || j + 1 >= s.size()) break;
      const char c = s[j];
      if ((c != '-' && c != '/' && c != '.') || (sep != 0 && c != sep) || !is_digit(s[j + 1])) {
        break;
      }
      sep = c;
      ++j;
    }
    if (groups == 3 && (j >= s.size() || !alnum(s[j]))) {
      if (len[0] == 4 && sep == '-' && len[1] <= 2 && len[2] <= 2) {
        if (valid_date(value[1], value[2])) found(value[1], value[2]);
      } else if (len[0] <= 2 && len[1] <= 2 && (len[2] == 4 || (len[2] == 2 && sep == '/'))) {
        const bool dm = valid_date(value[1], value[0]);
        const bool md = sep == '/' && valid_date(value[0], value[1]);
        if (dm) found(value[1], value[0]);
        if (md && value[0] != value[1]) found(value[0], value[1]);
      }
    }
    while (j < s.size() && (is_digit(s[j]) || s[j] == '-' || s[j] == '/' || s[j] == '.')) ++j;
    i = j + (j == i ? 1 : 0);
  }
}

bool has_letter(std::string_view token) {
  for (char c : token) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z')) return true;
  }
  return false;
}

}  // namespace

Status StoryFeatureOptions::validate() const {
  if (!(title_boost >= 1.0f) || !std::isfinite(title_boost) || title_boost > 100.0f) {
    return Status::invalid_argument("title boost must be in [1, 100]");
  }
  for (std::size_t i = 0; i < translations.size(); ++i) {
    const auto& t = translations[i];
    if (t == nullptr) return Status::invalid_argument("translation table is null");
    bool known = false;
    for (std::size_t l = 1; l < detail::stop_lists().size(); ++l)
      known = known || detail::stop_lists()[l].language == t->language();
    if (!known) {
      return Status::invalid_argument("translation table for unknown or English language '" +
                                      t->language() + "'");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (translations[j]->language() == t->language()) {
        return Status::invalid_argument("two translation tables for " + t->language());
      }
    }
  }
  if (language == "auto" || language == "none") return Status();
  for (const auto& list : detail::stop_lists()) {
    if (list.language == language) return Status();
  }
  std::string names;
  for (const auto& list : detail::stop_lists()) {
    names += ", ";
    names += list.language;
  }
  return Status::invalid_argument("unknown language '" + language + "' (expected auto, none" +
                                  names + ")");
}

uint32_t StoryFeatureOptions::fingerprint() const noexcept {
  char numbers[128];
  std::snprintf(numbers, sizeof numbers, "|%d|%d|%d|%.6g|%.6g|%llu", stem ? 1 : 0, amounts ? 1 : 0,
                entities ? 1 : 0, static_cast<double>(title_boost),
                static_cast<double>(bigram_weight), static_cast<unsigned long long>(seed));
  std::string key = "story-features-v1|" + language + numbers;
  for (const auto& t : translations) {
    if (t != nullptr) key += "|" + t->language() + ":" + std::to_string(t->checksum());
  }
  const uint64_t h = hash64(key.data(), key.size(), 0);
  const auto folded = static_cast<uint32_t>(h ^ (h >> 32));
  return folded == 0 ? 1u : folded;
}

struct StoryFeaturizer::Impl {
  StoryFeatureOptions options;
  Normalizer folded_normalizer;
  Normalizer cased_normalizer;
  Tokenizer tokenizer;
  // Per language: stop-word hashes and a lazily created stemmer.
  std::vector<std::unordered_set<uint64_t>> stop_sets;
  std::vector<sb_stemmer*> stemmers;
  int fixed_language = -1;                      // index into stop_lists(), -1 = auto, -2 = none
  std::vector<const TranslationTable*> tables;  // per language: its table to English, or null
  std::vector<std::string_view> pivots;
  std::vector<std::pair<uint64_t, std::string>>* names = nullptr;

  std::string folded, cased;
  TokenBuffer folded_tokens, cased_tokens;
  std::vector<StoryTerm> raw;
  std::string pair;
  // Whether the document's first amount / date particular has been seen (kEventKey).
  bool amount_seen = false, date_seen = false;

  explicit Impl(const StoryFeatureOptions& o)
      // Story features keep entities as they are (their tuned thresholds predate the
      // decode-by-default of the near-duplicate modes).
      : options(o),
        folded_normalizer(NormalizeOptions{.decode_html_entities = false}),
        cased_normalizer([] {
          NormalizeOptions n;
          n.decode_html_entities = false;
          n.case_fold = false;
          return n;
        }()) {}
  ~Impl() {
    for (sb_stemmer* s : stemmers) {
      if (s != nullptr) sb_stemmer_delete(s);
    }
  }
  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;

  bool is_stop(int language, std::string_view w) const {
    return language >= 0 && stop_sets[static_cast<std::size_t>(language)].count(hash64(w, 0)) != 0;
  }

  int pick_language() const {
    if (fixed_language != -1) return fixed_language;
    std::array<uint32_t, 16> hits{};
    const std::size_t n = std::min(folded_tokens.size(), kLanguageProbeTokens);
    for (std::size_t i = 0; i < n; ++i) {
      const uint64_t h = hash64(folded_tokens[i], 0);
      for (std::size_t l = 0; l < stop_sets.size() && l < hits.size(); ++l) {
        hits[l] += static_cast<uint32_t>(stop_sets[l].count(h));
      }
    }
    int best = 0;  // english unless another language has clearly more function words
    for (std::size_t l = 1; l < stop_sets.size() && l < hits.size(); ++l) {
      if (hits[l] > hits[static_cast<std::size_t>(best)] + 1) best = static_cast<int>(l);
    }
    return best;
  }

  // The stem of `w` (w itself when stemming is off or fails).
  std::string_view stem(int language, std::string_view w) {
    if (!options.stem || language < 0) return w;
    const auto l = static_cast<std::size_t>(language);
    if (stemmers[l] == nullptr) {
      stemmers[l] = sb_stemmer_new(std::string(detail::stop_lists()[l].language).c_str(), "UTF_8");
      if (stemmers[l] == nullptr) return w;
    }
    const sb_symbol* s = sb_stemmer_stem(stemmers[l], reinterpret_cast<const sb_symbol*>(w.data()),
                                         static_cast<int>(w.size()));
    if (s == nullptr) return w;
    return std::string_view(reinterpret_cast<const char*>(s),
                            static_cast<std::size_t>(sb_stemmer_length(stemmers[l])));
  }

  // With names (extract's `names`): records what each term stands for.
  void named(uint64_t term, float count, std::string_view name, uint8_t event = 0) {
    push(term, count, event);
    if (names != nullptr) names->emplace_back(term, std::string(name));
  }

  void push(uint64_t term, float count, uint8_t event = 0) {
    // A huge document (a whole book on one line) would otherwise hold one entry per word:
    // fold the list into one entry per term whenever it reaches kCompactAt.
    if (raw.size() == kCompactAt) compact();
    raw.push_back(StoryTerm{term, count, event});
  }

  // Sorts `raw` by term and sums the counts of equal terms (in place).
  void compact() {
    std::sort(raw.begin(), raw.end(),
              [](const StoryTerm& a, const StoryTerm& b) { return a.term < b.term; });
    std::size_t out = 0;
    for (std::size_t i = 0; i < raw.size(); ++i) {
      if (out > 0 && raw[out - 1].term == raw[i].term) {
        raw[out - 1].count += raw[i].count;
        raw[out - 1].event |= raw[i].event;
      } else {
        raw[out++] = raw[i];
      }
    }
    raw.resize(out);
  }

  // A particular's event bits, with kEventKey for the document's first of its kind.
  uint8_t particular(uint8_t kind, bool& seen) {
    if (seen) return kind;
    seen = true;
    return static_cast<uint8_t>(kind | kEventKey);
  }

  void add_date(int month, int day) {
    char buf[8];
    const std::string_view d = format_date(month, day, buf);
    // Not a hash: a range of its own, so that the event rule can tell dates from amounts.
    const auto id = story_internal::kDateIdTag | static_cast<uint64_t>(month * 32 + day);
    named(id, 1.0f, names != nullptr ? "date " + std::string(d) : "",
          static_cast<uint8_t>(particular(kEventDate, date_seen) | kEventOnly));
  }

  // Dates named with a month word: "March 3", "3 March", "3rd of March", "30 de abril".
  void named_dates() {
    const std::size_t n = folded_tokens.size();
    for (std::size_t i = 0; i < n; ++i) {
      const int month = month_of(folded_tokens[i]);
      if (month == 0) continue;
      int day = i > 0 ? read_day(folded_tokens[i - 1]) : 0;
      if (day == 0 && i > 1 && (folded_tokens[i - 1] == "of" || folded_tokens[i - 1] == "de")) {
        day = read_day(folded_tokens[i - 2]);
      }
      if (day == 0 && i + 1 < n) day = read_day(folded_tokens[i + 1]);
      if (day != 0 && valid_date(month, day)) add_date(month, day);
    }
  }

  // Appends the features of one text with each occurrence counting `weight`, in pieces of at
  // most kPieceBytes.
  void extract_text(std::string_view text, float weight) {
    int language = kUndecided;
    while (text.size() > kPieceBytes) {
      const std::size_t end = piece_end(text);
      language = extract_part(text.substr(0, end), weight, language);
      text.remove_prefix(end);
    }
    extract_part(text, weight, language);
  }

  // Appends the features of one piece of text in `language` (kUndecided: picked from the
  // piece); returns the language used.
  int extract_part(std::string_view text, float weight, int language) {
    folded_normalizer.normalize(text, folded);
    tokenizer.tokenize(folded, folded_tokens);
    bool aligned = false;
    if (options.entities) {
      cased_normalizer.normalize(text, cased);
      tokenizer.tokenize(cased, cased_tokens);
      aligned = cased_tokens.size() == folded_tokens.size();
      if (aligned) {
        // Title Case and ALL CAPS text says nothing about names.
        std::size_t words = 0, capitals = 0;
        for (std::size_t i = 0; i < cased_tokens.size(); ++i) {
          const std::string_view t = cased_tokens[i];
          if (!has_letter(t)) continue;
          ++words;
          capitals += starts_upper(t) ? 1u : 0u;
        }
        aligned = words > 0 && capitals * 2 <= words;
      }
    }
    if (language == kUndecided) language = pick_language();
    if (options.dates) {
      scan_numeric_dates(folded, [&](int month, int day) { add_date(month, day); });
      named_dates();
    }
    const TranslationTable* table =
        language >= 0 ? tables[static_cast<std::size_t>(language)] : nullptr;
    if (table != nullptr && options.amounts) {
      // A language with a translation table (never English): a decimal comma and thousands
      // dots. Tokenize again with the marks swapped (only the text of such documents pays).
      bool digits_with_marks = false;
      for (std::size_t i = 1; i + 1 < folded.size() && !digits_with_marks; ++i) {
        digits_with_marks = (folded[i] == ',' || folded[i] == '.') && is_digit(folded[i - 1]) &&
                            is_digit(folded[i + 1]);
      }
      if (digits_with_marks) {
        swap_decimal_marks(folded);
        tokenizer.tokenize(folded, folded_tokens);
        if (aligned) {
          swap_decimal_marks(cased);
          tokenizer.tokenize(cased, cased_tokens);
          aligned = cased_tokens.size() == folded_tokens.size();
        }
      }
    }
    const uint64_t seed = options.seed;
    std::string_view prev_name;  // stem of the previous token when it was a capitalised word
    std::string prev_name_buf;
    std::string prev_word;  // stem of the previous content word (stop words skipped)
    const float bigram_weight = options.bigram_weight * weight;
    const std::size_t n = folded_tokens.size();
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view t = folded_tokens[i];
      if (t.empty()) continue;
      if (is_digit(t[0])) {
        prev_name = {};
        std::size_t digits = 0;
        while (digits < t.size() && (is_digit(t[digits]) || t[digits] == '.')) ++digits;
        double value = 0;
        bool scaled = false;
        if (!parse_number(t.substr(0, digits), value)) {
          named(hash64(t, seed), weight, t);
          continue;
        }
        if (!options.amounts) {
          named(hash64(t, seed), weight, t);
          continue;
        }
        if (digits < t.size()) {  // "10bn", "300k"; else a code like "5g" stays a word
          const double s = scale_of(t.substr(digits), true, table != nullptr);
          if (s == 0) {
            named(hash64(t, seed), weight, t);
            continue;
          }
          value *= s;
          scaled = true;
        } else if (i + 1 < n) {
          const double s = scale_of(folded_tokens[i + 1], false, table != nullptr);
          if (s != 0) {
            value *= s;
            scaled = true;
            ++i;
          }
        }
        const bool year = !scaled && value >= 1900 && value <= 2100 && std::floor(value) == value;
        const uint8_t event =
            value >= 1000 && !year ? particular(kEventAmount, amount_seen) : uint8_t{0};
        char buf[64];
        const std::size_t len = format_amount(value, buf, sizeof buf);
        named(hash64(buf, len, seed ^ kAmountSalt), weight, std::string_view(buf, len), event);
        continue;
      }
      if (is_stop(language, t) || (t.size() == 1 && static_cast<unsigned char>(t[0]) < 0x80)) {
        prev_name = {};
        continue;
      }
      if (table != nullptr) {
        table->lookup(t, pivots);
        if (!pivots.empty()) {
          // English pivots, sharing the word's count; a dictionary word is not a name.
          const float share = weight / static_cast<float>(pivots.size());
          for (const std::string_view p : pivots) {
            const std::string_view e = stem(0, p);
            named(hash64(e, seed), share, e);
          }
          prev_name = {};
          continue;
        }
      }
      const std::string_view s = stem(language, t);
      named(hash64(s, seed), weight, s);
      if (bigram_weight > 0) {
        if (!prev_word.empty()) {
          pair.assign(prev_word);
          pair.push_back('\x1f');
          pair.append(s);
          named(hash64(pair, seed ^ kBigramSalt), bigram_weight, pair);
        }
        prev_word.assign(s);
      }
      if (aligned && starts_upper(cased_tokens[i])) {
        if (!prev_name.empty()) {
          pair.assign(prev_name);
          pair.push_back('\x1f');
          pair.append(s);
          named(hash64(pair, seed ^ kEntitySalt), weight, pair);
        }
        prev_name_buf.assign(s);
        prev_name = prev_name_buf;
      } else {
        prev_name = {};
      }
    }
    return language;
  }
};

StoryFeaturizer::StoryFeaturizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
StoryFeaturizer::StoryFeaturizer(StoryFeaturizer&&) noexcept = default;
StoryFeaturizer& StoryFeaturizer::operator=(StoryFeaturizer&&) noexcept = default;
StoryFeaturizer::~StoryFeaturizer() = default;

Result<StoryFeaturizer> StoryFeaturizer::create(const StoryFeatureOptions& options) {
  NEARDUP_RETURN_IF_ERROR(options.validate());
  try {
    auto impl = std::make_unique<Impl>(options);
    const auto lists = detail::stop_lists();
    impl->stop_sets.resize(lists.size());
    impl->stemmers.assign(lists.size(), nullptr);
    for (std::size_t l = 0; l < lists.size(); ++l) {
      for (std::string_view w : lists[l].words) impl->stop_sets[l].insert(hash64(w, 0));
      if (options.language == lists[l].language) impl->fixed_language = static_cast<int>(l);
    }
    if (options.language == "none") impl->fixed_language = -2;
    impl->tables.assign(lists.size(), nullptr);
    for (const auto& t : options.translations) {
      for (std::size_t l = 0; l < lists.size(); ++l) {
        if (lists[l].language == t->language()) impl->tables[l] = t.get();
      }
    }
    return StoryFeaturizer(std::move(impl));
  } catch (const std::bad_alloc&) {
    return Status::internal("out of memory creating the story featurizer");
  }
}

void StoryFeaturizer::extract(std::string_view text, std::string_view title,
                              std::vector<StoryTerm>& out,
                              std::vector<std::pair<uint64_t, std::string>>* names) {
  Impl& m = *impl_;
  m.raw.clear();
  m.amount_seen = m.date_seen = false;
  m.names = names;
  if (names != nullptr) names->clear();
  if (!title.empty()) m.extract_text(title, m.options.title_boost);
  m.extract_text(text, 1.0f);
  m.compact();
  out.assign(m.raw.begin(), m.raw.end());
  m.names = nullptr;
  if (names != nullptr) {
    // One name per term (the first seen, in term order); a pair's separator shown as a space.
    std::stable_sort(names->begin(), names->end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    names->erase(std::unique(names->begin(), names->end(),
                             [](const auto& a, const auto& b) { return a.first == b.first; }),
                 names->end());
    for (auto& [term, name] : *names) std::replace(name.begin(), name.end(), '\x1f', ' ');
  }
}

}  // namespace neardup
