// The fixtures of fixtures.h. Every generator keeps the exact sequence of draws of the copies it
// replaced, so tests and benchmarks see the same bytes as before for the same seeds.
#include "support/fixtures.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <system_error>

#include "neardup/advanced/reader.h"

namespace neardup::fixtures {

std::vector<uint64_t> random_values(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

std::string random_text(std::mt19937_64& rng, int words) {
  std::string t;
  for (int i = 0; i < words; ++i) {
    if (i != 0) t += ' ';
    t += "w" + std::to_string(rng() % 5000);
  }
  return t;
}

std::string random_text(uint64_t seed, int words) {
  std::mt19937_64 rng(seed);
  return random_text(rng, words);
}

std::vector<std::string> random_texts(std::size_t n, uint64_t seed, int words) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) v.push_back(random_text(rng, words));
  return v;
}

std::string near_copy(const std::string& text) {
  const std::size_t mid = text.find(' ', text.size() / 2);
  const std::size_t end = text.find(' ', mid + 1);
  return text.substr(0, mid) + " changed" + text.substr(end);
}

std::string last_word_edited(const std::string& text) {
  return text.substr(0, text.rfind(' ')) + " edited";
}

std::string numbered_words(int first, int last, std::string_view prefix) {
  std::string s;
  for (int i = first; i < last; ++i) {
    s += prefix;
    s += std::to_string(i);
    s += ' ';
  }
  return s;
}

std::vector<std::string> english_corpus(std::size_t doc_bytes, std::size_t total_bytes) {
  static const char* const kWords[] = {"the",
                                       "of",
                                       "and",
                                       "to",
                                       "a",
                                       "in",
                                       "that",
                                       "it",
                                       "was",
                                       "he",
                                       "for",
                                       "on",
                                       "are",
                                       "as",
                                       "with",
                                       "his",
                                       "they",
                                       "at",
                                       "be",
                                       "this",
                                       "have",
                                       "from",
                                       "or",
                                       "one",
                                       "had",
                                       "by",
                                       "word",
                                       "but",
                                       "not",
                                       "what",
                                       "all",
                                       "were",
                                       "we",
                                       "when",
                                       "your",
                                       "can",
                                       "said",
                                       "there",
                                       "use",
                                       "an",
                                       "each",
                                       "which",
                                       "she",
                                       "do",
                                       "how",
                                       "their",
                                       "if",
                                       "will",
                                       "up",
                                       "other",
                                       "about",
                                       "out",
                                       "many",
                                       "then",
                                       "them",
                                       "these",
                                       "so",
                                       "some",
                                       "her",
                                       "would",
                                       "make",
                                       "like",
                                       "him",
                                       "into",
                                       "time",
                                       "has",
                                       "look",
                                       "two",
                                       "more",
                                       "write",
                                       "go",
                                       "see",
                                       "number",
                                       "no",
                                       "way",
                                       "could",
                                       "people",
                                       "my",
                                       "than",
                                       "first",
                                       "water",
                                       "been",
                                       "call",
                                       "who",
                                       "oil",
                                       "its",
                                       "now",
                                       "find",
                                       "long",
                                       "down",
                                       "day",
                                       "did",
                                       "get",
                                       "come",
                                       "made",
                                       "may",
                                       "part",
                                       "over",
                                       "new",
                                       "sound",
                                       "take",
                                       "only",
                                       "little",
                                       "work",
                                       "know",
                                       "place",
                                       "year",
                                       "live",
                                       "me",
                                       "back",
                                       "give",
                                       "most",
                                       "very",
                                       "after",
                                       "thing",
                                       "our",
                                       "just",
                                       "name",
                                       "good",
                                       "sentence",
                                       "man",
                                       "think",
                                       "say",
                                       "great",
                                       "where",
                                       "help",
                                       "through",
                                       "much",
                                       "before",
                                       "line",
                                       "right",
                                       "too",
                                       "mean",
                                       "old",
                                       "any",
                                       "same",
                                       "tell",
                                       "boy",
                                       "follow",
                                       "came",
                                       "want",
                                       "show",
                                       "also",
                                       "around",
                                       "form",
                                       "three",
                                       "small",
                                       "set",
                                       "put",
                                       "end",
                                       "does",
                                       "another",
                                       "well",
                                       "large",
                                       "must",
                                       "big",
                                       "even",
                                       "such",
                                       "because",
                                       "turn",
                                       "here",
                                       "why",
                                       "ask",
                                       "went",
                                       "men",
                                       "read",
                                       "need",
                                       "land",
                                       "different",
                                       "home",
                                       "us",
                                       "move",
                                       "try",
                                       "kind",
                                       "hand",
                                       "picture",
                                       "again",
                                       "change",
                                       "off",
                                       "play",
                                       "spell",
                                       "air",
                                       "away",
                                       "animal",
                                       "house",
                                       "point",
                                       "page",
                                       "letter",
                                       "mother",
                                       "answer",
                                       "found",
                                       "study",
                                       "still",
                                       "learn",
                                       "should",
                                       "america",
                                       "world",
                                       "morning",
                                       "remarkable",
                                       "circumstances",
                                       "nevertheless",
                                       "extraordinary",
                                       "conversation"};
  constexpr std::size_t kVocab = sizeof(kWords) / sizeof(kWords[0]);
  std::mt19937_64 rng(20240601);
  // Zipf(1) over ranks via the inverse-CDF table.
  std::vector<double> cdf(kVocab);
  double sum = 0;
  for (std::size_t i = 0; i < kVocab; ++i) cdf[i] = (sum += 1.0 / static_cast<double>(i + 1));
  std::uniform_real_distribution<double> u(0.0, sum);
  auto word = [&]() -> const char* {
    const double x = u(rng);
    std::size_t lo = 0, hi = kVocab - 1;
    while (lo < hi) {
      const std::size_t mid = (lo + hi) / 2;
      if (cdf[mid] < x)
        lo = mid + 1;
      else
        hi = mid;
    }
    return kWords[lo];
  };
  std::vector<std::string> docs;
  std::size_t total = 0;
  while (total < total_bytes) {
    std::string d;
    bool sentence_start = true;
    while (d.size() < doc_bytes) {
      std::string w = word();
      if (rng() % 40 == 0) w = std::to_string(rng() % 100000);
      if (sentence_start && w[0] >= 'a' && w[0] <= 'z') w[0] = static_cast<char>(w[0] - 32);
      d += w;
      sentence_start = false;
      const uint64_t r = rng() % 100;
      if (r < 7) {
        d += ". ";
        sentence_start = true;
        if (rng() % 8 == 0) d += "\n\n";
      } else if (r < 14) {
        d += ", ";
      } else {
        d += ' ';
      }
    }
    total += d.size();
    docs.push_back(std::move(d));
  }
  return docs;
}

std::vector<Fingerprint128> planted_fingerprints(std::size_t n, uint32_t bits, uint32_t max_flip,
                                                 uint64_t one_in, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Fingerprint128> v;
  v.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0 && rng() % one_in == 0) {
      Fingerprint128 f = v[rng() % v.size()];
      const uint32_t flips = static_cast<uint32_t>(rng() % (max_flip + 1));
      for (uint32_t k = 0; k < flips; ++k) {
        const uint32_t bit = static_cast<uint32_t>(rng() % bits);
        if (bit < 64) {
          f.lo ^= uint64_t{1} << bit;
        } else {
          f.hi ^= uint64_t{1} << (bit - 64);
        }
      }
      v.push_back(f);
    } else {
      v.push_back({rng(), bits == 128 ? rng() : 0});  // braced: lo is drawn before hi
    }
  }
  return v;
}

std::filesystem::path shared_datasets_dir() {
  if (const char* env = std::getenv("NEARDUP_SHARED_DATASETS")) return env;
  return NEARDUP_SHARED_DATASETS_DIR;
}

std::optional<std::filesystem::path> shared_datasets() {
  std::filesystem::path p = shared_datasets_dir();
  std::error_code ec;
  if (std::filesystem::is_directory(p, ec)) return p;
  return std::nullopt;
}

std::filesystem::path gutenberg_path() {
  return shared_datasets_dir() / "gutenberg" / "gutenberg.jsonl.zst";
}

TextSample read_texts(const std::filesystem::path& path, std::size_t max_bytes) {
  TextSample out;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    out.error = "dataset not found: " + path.string();
    return out;
  }
  auto reader = DocumentReader::open(path.string(), ReaderOptions{});
  if (!reader.ok()) {
    out.error = reader.status().to_string();
    return out;
  }
  Document doc;
  while (out.bytes < max_bytes) {
    const Result<bool> more = (*reader)->next(doc);
    if (!more.ok()) {
      out.error = more.status().to_string();
      return out;
    }
    if (!*more) break;
    out.bytes += doc.text.size();
    out.docs.push_back(doc.text);
  }
  if (out.docs.empty()) out.error = "no documents in " + path.string();
  return out;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string jsonl_record(const std::string& id, const std::string& text) {
  return "{\"id\":" + json_string(id) + ",\"text\":" + json_string(text) + "}\n";
}

std::string field_of(const std::string& line, const std::string& key, std::string_view colon) {
  std::string pat = "\"" + key + "\"";
  pat += colon;
  pat += '"';
  const std::size_t at = line.find(pat);
  if (at == std::string::npos) return {};
  const std::size_t begin = at + pat.size();
  return line.substr(begin, line.find('"', begin) - begin);
}

double similarity_of(const std::string& line) {
  const std::size_t at = line.find("\"similarity\":");
  if (at == std::string::npos) return -1;
  return std::stod(line.substr(at + 13));
}

std::filesystem::path source_dir() { return NEARDUP_SOURCE_DIR; }

namespace {

// Removes the directories temp_dir() made when the process exits.
struct TempDirCleaner {
  std::vector<std::filesystem::path> dirs;
  ~TempDirCleaner() {
    std::error_code ec;
    for (const auto& d : dirs) std::filesystem::remove_all(d, ec);
  }
};

TempDirCleaner& temp_dir_cleaner() {
  static TempDirCleaner cleaner;
  return cleaner;
}

}  // namespace

std::filesystem::path temp_dir(const std::string& name) {
  auto p = std::filesystem::temp_directory_path() /
           ("neardup_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  temp_dir_cleaner().dirs.push_back(p);
  return p;
}

void write_file(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream f(p, std::ios::binary);
  f << bytes;
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> v;
  std::istringstream in(s);
  for (std::string line; std::getline(in, line);) v.push_back(line);
  return v;
}

}  // namespace neardup::fixtures
