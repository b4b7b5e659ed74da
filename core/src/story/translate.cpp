// Story translation tables from FreeDict (see neardup/advanced/story_translate.h).
#include "neardup/advanced/story_translate.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "detail/binary_io.h"
#include "index/index_file.h"
#include "neardup/advanced/hash.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/tokenize.h"
#include "story/stopwords.h"

namespace neardup {
namespace {

constexpr uint32_t kVersion = 1;
constexpr detail::FileFormat kFormat = {.magic = "NDUPXLT1",
                                        .version = kVersion,
                                        .kind = 3,  // a story translation table
                                        .field3_reserved = true,
                                        .name = "translation table",
                                        .noun = "translation table",
                                        .max_count = uint64_t{1} << 32,
                                        .counted = "headwords"};
constexpr uint32_t kTagLanguage = 1;
constexpr uint32_t kTagEntries = 2;
constexpr uint32_t kTagRefs = 3;
constexpr uint32_t kTagWords = 4;

using detail::get_u32;
using detail::get_u64;
using detail::put_u32;
using detail::put_u64;

// Reads a whole file, gzip (dictzip) or plain; zlib reads both.
Result<std::string> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return Status::io_error(path + ": cannot open");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      gzclose(f);
      return Status::corrupt_data(path + ": not a readable gzip/dictzip file");
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  gzclose(f);
  return out;
}

// dictd's base64 number (the offsets and lengths of its .index).
bool decode_b64(std::string_view s, uint64_t& value) {
  value = 0;
  if (s.empty() || s.size() > 10) return false;
  for (char c : s) {
    int d;
    if (c >= 'A' && c <= 'Z') {
      d = c - 'A';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 26;
    } else if (c >= '0' && c <= '9') {
      d = c - '0' + 52;
    } else if (c == '+') {
      d = 62;
    } else if (c == '/') {
      d = 63;
    } else {
      return false;
    }
    value = value * 64 + static_cast<uint64_t>(d);
  }
  return true;
}

// Folds and tokenizes text the way the featurizer does.
struct Folder {
  Normalizer normalizer{NormalizeOptions{}};
  Tokenizer tokenizer;
  std::string folded;
  TokenBuffer tokens;
  void fold(std::string_view text) {
    normalizer.normalize(text, folded);
    tokenizer.tokenize(folded, tokens);
  }
};

// Removes the spans between open and close (and the brackets).
std::string drop_brackets(std::string_view s) {
  std::string out;
  int depth = 0;
  for (char c : s) {
    if (c == '<' || c == '(' || c == '[' || c == '{') {
      ++depth;
    } else if ((c == '>' || c == ')' || c == ']' || c == '}') && depth > 0) {
      --depth;
    } else if (depth == 0) {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace

Result<TranslationTable> TranslationTable::from_freedict(const std::string& dict_path,
                                                         std::string_view language) {
  std::string index_path = dict_path;
  for (const char* ext : {".dict.dz", ".dict"}) {
    const std::size_t n = std::strlen(ext);
    if (index_path.size() > n && index_path.compare(index_path.size() - n, n, ext) == 0) {
      index_path.resize(index_path.size() - n);
      break;
    }
  }
  index_path += ".index";
  try {
    Result<std::string> dict = read_gz(dict_path);
    if (!dict.ok()) return dict.status();
    Result<std::string> index = detail::read_whole_file(index_path);
    if (!index.ok()) return index.status();
    const detail::StopList* english = &detail::stop_lists()[0];
    std::unordered_set<std::string_view> stop(english->words.begin(), english->words.end());
    Folder folder;
    // headword hash -> its pivot words in order (distinct, at most kMaxPivots)
    std::unordered_map<uint64_t, std::vector<std::string>> pivots;
    std::vector<uint64_t> order;  // headwords in first-seen order (deterministic output)
    std::string_view rest = *index;
    std::size_t lines = 0, usable = 0;
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
      if (line.empty()) continue;
      ++lines;
      const std::size_t t1 = line.find('\t');
      const std::size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
      if (t2 == std::string_view::npos) continue;
      const std::string_view head = line.substr(0, t1);
      uint64_t offset = 0, length = 0;
      std::string_view len_text = line.substr(t2 + 1);
      if (const std::size_t t3 = len_text.find('\t'); t3 != std::string_view::npos) {
        len_text = len_text.substr(0, t3);
      }
      if (!decode_b64(line.substr(t1 + 1, t2 - t1 - 1), offset) || !decode_b64(len_text, length) ||
          offset > dict->size() || length > dict->size() - offset) {
        return Status::corrupt_data(index_path + ": bad offset or length on line " +
                                    std::to_string(lines));
      }
      if (head.starts_with("00-database") || head.starts_with("00database")) continue;
      // Single-word headwords only, folded as the featurizer folds them.
      folder.fold(head);
      if (folder.tokens.size() != 1) continue;
      const std::string_view word = folder.tokens[0];
      if (word.empty() || (word[0] >= '0' && word[0] <= '9')) continue;
      const uint64_t key = hash64(word, 0);
      // The entry: the headword line, then translation lines up to the first blank line; lines
      // that start with a space are notes (synonyms, examples, "see:").
      std::string_view body(dict->data() + offset, length);
      const std::size_t first_nl = body.find('\n');
      if (first_nl == std::string_view::npos) continue;
      body.remove_prefix(first_nl + 1);
      std::vector<std::string>* mine = nullptr;
      while (!body.empty()) {
        const std::size_t e = body.find('\n');
        std::string_view tl = body.substr(0, e);
        body.remove_prefix(e == std::string_view::npos ? body.size() : e + 1);
        if (tl.empty()) break;
        if (tl[0] == ' ' || tl[0] == '\t') continue;
        // "1. Europe" -> "Europe"
        std::size_t digits = 0;
        while (digits < tl.size() && tl[digits] >= '0' && tl[digits] <= '9') ++digits;
        if (digits > 0 && digits + 1 < tl.size() && tl[digits] == '.' && tl[digits + 1] == ' ') {
          tl.remove_prefix(digits + 2);
        }
        const std::string clean = drop_brackets(tl);
        std::string_view alts = clean;
        while (!alts.empty()) {
          const std::size_t cut = alts.find_first_of(",;");
          const std::string_view alt = alts.substr(0, cut);
          alts.remove_prefix(cut == std::string_view::npos ? alts.size() : cut + 1);
          folder.fold(alt);
          std::vector<std::string_view> words;
          bool bad = false;
          for (std::size_t i = 0; i < folder.tokens.size(); ++i) {
            const std::string_view w = folder.tokens[i];
            if (i == 0 && w == "to") continue;  // "to open"
            if (w == "sth" || w == "sb" || w == "sth." || w == "sb." || w == "." || w == "...") {
              continue;
            }
            if (stop.count(w) != 0 || w.size() < 2) continue;
            bool letters = true;
            for (char c : w) letters = letters && !(c >= '0' && c <= '9');
            if (!letters) bad = true;
            words.push_back(w);
          }
          if (bad || words.empty() || words.size() > kMaxPivotWords) continue;
          if (mine == nullptr) {
            auto [it, fresh] = pivots.try_emplace(key);
            if (fresh) order.push_back(key);
            mine = &it->second;
          }
          for (const std::string_view w : words) {
            if (mine->size() >= kMaxPivots) break;
            if (std::find(mine->begin(), mine->end(), w) == mine->end()) mine->emplace_back(w);
          }
        }
      }
      ++usable;
    }
    (void)usable;
    if (pivots.empty()) {
      return Status::corrupt_data(dict_path + ": no translation found (not a FreeDict database?)");
    }
    TranslationTable t;
    t.language_ = std::string(language);
    std::sort(order.begin(), order.end());
    std::unordered_map<std::string, uint32_t> word_offset;
    for (const uint64_t key : order) {
      const std::vector<std::string>& p = pivots[key];
      if (p.empty()) continue;
      t.keys_.push_back(key);
      t.entries_.push_back(
          Entry{static_cast<uint32_t>(t.pivot_offsets_.size()), static_cast<uint32_t>(p.size())});
      for (const std::string& w : p) {
        auto [it, fresh] = word_offset.try_emplace(w, static_cast<uint32_t>(t.pivots_.size()));
        if (fresh) {
          t.pivots_ += w;
          t.pivots_.push_back('\0');
        }
        t.pivot_offsets_.push_back(it->second);
      }
    }
    t.finish();
    return t;
  } catch (const std::bad_alloc&) {
    return Status::internal(dict_path + ": out of memory converting the dictionary");
  }
}

void TranslationTable::finish() {
  uint64_t h = hash64(language_, 0);
  h = hash64(keys_.data(), keys_.size() * sizeof(uint64_t), h);
  for (const Entry& e : entries_) h = hash64(&e.first, sizeof e.first, h ^ e.count);
  h = hash64(pivot_offsets_.data(), pivot_offsets_.size() * sizeof(uint32_t), h);
  checksum_ = hash64(pivots_, h);
}

bool TranslationTable::contains(std::string_view folded_word) const {
  return std::binary_search(keys_.begin(), keys_.end(), hash64(folded_word, 0));
}

void TranslationTable::lookup(std::string_view folded_word,
                              std::vector<std::string_view>& pivots) const {
  pivots.clear();
  const uint64_t key = hash64(folded_word, 0);
  const auto it = std::lower_bound(keys_.begin(), keys_.end(), key);
  if (it == keys_.end() || *it != key) return;
  const Entry& e = entries_[static_cast<std::size_t>(it - keys_.begin())];
  for (uint32_t i = 0; i < e.count; ++i) {
    const char* w = pivots_.data() + pivot_offsets_[e.first + i];
    pivots.emplace_back(w, std::strlen(w));
  }
}

Status TranslationTable::save(const std::string& path) const {
  return detail::save_file(path, kFormat, [this] {
    std::string file(detail::kFileHeaderBytes, '\0');
    detail::put_section_head(file, kTagLanguage, language_.size());
    file += language_;
    detail::pad8(file);
    detail::put_array_head(file, kTagEntries, keys_.size(), 4, 4);  // u64 key, u32, u32
    for (std::size_t i = 0; i < keys_.size(); ++i) {
      put_u64(file, keys_[i]);
      put_u32(file, entries_[i].first);
      put_u32(file, entries_[i].count);
    }
    detail::pad8(file);
    detail::put_array_head(file, kTagRefs, pivot_offsets_.size(), 1, 4);
    for (const uint32_t o : pivot_offsets_) put_u32(file, o);
    detail::pad8(file);
    detail::put_section_head(file, kTagWords, pivots_.size());
    file += pivots_;
    detail::pad8(file);
    detail::finish_file(
        file, kFormat,
        {{static_cast<uint32_t>(pivot_offsets_.size()), 0, 0, 0}, pivots_.size(), keys_.size()});
    return file;
  });
}

Result<TranslationTable> TranslationTable::load(const std::string& path) {
  Result<std::string> file = detail::read_whole_file(path);
  if (!file.ok()) return file.status();
  Result<detail::CheckedFile> checked = detail::check_file(*file, path, kFormat);
  if (!checked.ok()) return checked.status();
  const auto corrupt = [&path](const std::string& what) {
    return Status::corrupt_data(path + ": " + what);
  };
  const detail::FileHeader& h = checked->header;
  if (h.fields32[1] != 0 || h.fields32[2] != 0) return corrupt("reserved header field not zero");
  return detail::guarded_rebuild(path, kFormat, [&]() -> Result<TranslationTable> {
    detail::SectionReader sections(checked->payload, path);
    Result<std::string_view> lang = sections.next(kTagLanguage, "language");
    if (!lang.ok()) return lang.status();
    Result<std::string_view> entries =
        sections.next_array(kTagEntries, "entries", h.count, 4, 4, "16 bytes");
    if (!entries.ok()) return entries.status();
    Result<std::string_view> refs =
        sections.next_array(kTagRefs, "pivot references", h.fields32[0], 1, 4, "4 bytes");
    if (!refs.ok()) return refs.status();
    Result<std::string_view> words = sections.next_sized(kTagWords, "pivot words", h.field64);
    if (!words.ok()) return words.status();
    if (!sections.at_end()) return corrupt("data after the last section");
    TranslationTable t;
    t.language_ = std::string(*lang);
    t.pivots_ = std::string(*words);
    if (!t.pivots_.empty() && t.pivots_.back() != '\0') return corrupt("unterminated pivot word");
    const std::size_t refs_n = h.fields32[0];
    t.pivot_offsets_.resize(refs_n);
    for (std::size_t i = 0; i < refs_n; ++i) {
      const uint32_t o = get_u32(refs->data() + 4 * i);
      if (o >= t.pivots_.size() || (o > 0 && t.pivots_[o - 1] != '\0')) {
        return corrupt("pivot reference " + std::to_string(i) + " out of range");
      }
      t.pivot_offsets_[i] = o;
    }
    t.keys_.resize(h.count);
    t.entries_.resize(h.count);
    for (std::size_t i = 0; i < h.count; ++i) {
      const char* p = entries->data() + 16 * i;
      t.keys_[i] = get_u64(p);
      t.entries_[i] = Entry{get_u32(p + 8), get_u32(p + 12)};
      if ((i > 0 && t.keys_[i] <= t.keys_[i - 1]) ||
          uint64_t{t.entries_[i].first} + t.entries_[i].count > refs_n ||
          t.entries_[i].count > kMaxPivots) {
        return corrupt("invalid entry " + std::to_string(i));
      }
    }
    t.finish();
    return t;
  });
}

}  // namespace neardup
