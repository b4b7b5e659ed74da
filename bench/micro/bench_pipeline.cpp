// Throughput of the text pipeline: normalize -> tokenize -> shingle hashes.
//
// Inputs are built once, outside the timed loops: a synthetic English-like corpus from a fixed
// seed (always available) and the first ~32 MB of Project Gutenberg chunks from the shared
// datasets (skipped when absent). Each iteration processes one document, cycling through the
// corpus, so MB/s and docs/s reflect realistic document sizes and warm, reused buffers.
//
//   ./build/bench/neardup_bench_pipeline --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "neardup/advanced/normalize.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/tokenize.h"

namespace {

// ---- inputs ----------------------------------------------------------------------------------

// English-like prose: a Zipf-distributed vocabulary of common words, capitalised sentences,
// commas, occasional numbers and paragraph breaks. Pure ASCII.
std::vector<std::string> synthetic_corpus(std::size_t doc_bytes, std::size_t total_bytes) {
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

const std::vector<std::string>& synthetic(std::size_t doc_bytes) {
  static std::vector<std::string> small = synthetic_corpus(256, 4u << 20);
  static std::vector<std::string> medium = synthetic_corpus(4096, 16u << 20);
  return doc_bytes <= 256 ? small : medium;
}

std::filesystem::path datasets_dir() {
  if (const char* env = std::getenv("NEARDUP_SHARED_DATASETS")) return env;
#ifdef NEARDUP_SHARED_DATASETS_DIR
  return NEARDUP_SHARED_DATASETS_DIR;
#else
  return {};
#endif
}

// The first ~32 MB of text from the Gutenberg chunks, or an error message.
struct Gutenberg {
  std::vector<std::string> docs;
  std::string error;
};
const Gutenberg& gutenberg() {
  static const Gutenberg g = [] {
    Gutenberg out;
    const auto path = datasets_dir() / "gutenberg" / "gutenberg.jsonl.zst";
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      out.error = "dataset not found: " + path.string();
      return out;
    }
    auto reader = neardup::DocumentReader::open(path.string(), neardup::ReaderOptions{});
    if (!reader.ok()) {
      out.error = reader.status().to_string();
      return out;
    }
    neardup::Document doc;
    std::size_t total = 0;
    while (total < (32u << 20)) {
      const neardup::Result<bool> more = (*reader)->next(doc);
      if (!more.ok()) {
        out.error = more.status().to_string();
        return out;
      }
      if (!*more) break;
      total += doc.text.size();
      out.docs.push_back(doc.text);
    }
    if (out.docs.empty()) out.error = "no documents in " + path.string();
    return out;
  }();
  return g;
}

std::size_t total_bytes(const std::vector<std::string>& docs) {
  std::size_t n = 0;
  for (const auto& d : docs) n += d.size();
  return n;
}

// Runs fn(doc) once per iteration over the corpus, cycling, and reports bytes and documents.
template <class Fn>
void run_over(benchmark::State& state, const std::vector<std::string>& docs, Fn&& fn) {
  std::size_t i = 0;
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string& d = docs[i];
    fn(d);
    bytes += d.size();
    if (++i == docs.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

std::vector<std::string> normalized(const std::vector<std::string>& docs) {
  neardup::Normalizer n;
  std::vector<std::string> out(docs.size());
  for (std::size_t i = 0; i < docs.size(); ++i) n.normalize(docs[i], out[i]);
  return out;
}

// ---- benchmarks --------------------------------------------------------------------------------

void BM_Normalize_Ascii(benchmark::State& state) {
  const auto& docs = synthetic(static_cast<std::size_t>(state.range(0)));
  neardup::Normalizer n;
  std::string out;
  run_over(state, docs, [&](const std::string& d) {
    n.normalize(d, out);
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_Normalize_Ascii)->ArgNames({"bytes"})->Arg(256)->Arg(4096);

void BM_Tokenize(benchmark::State& state) {
  static const auto docs = normalized(synthetic(4096));
  const neardup::Tokenizer t;
  neardup::TokenBuffer tokens;
  run_over(state, docs, [&](const std::string& d) {
    t.tokenize(d, tokens);
    benchmark::DoNotOptimize(tokens.size());
  });
}
BENCHMARK(BM_Tokenize)->ArgNames({"bytes"})->Arg(4096);

void BM_ShingleHash_Word5(benchmark::State& state) {
  // Bytes are those of the normalized text the tokens came from.
  static const auto docs = normalized(synthetic(4096));
  static const auto tokenized = [] {
    std::vector<neardup::TokenBuffer> v(docs.size());
    const neardup::Tokenizer t;
    for (std::size_t i = 0; i < docs.size(); ++i) t.tokenize(docs[i], v[i]);
    return v;
  }();
  std::vector<uint64_t> out;
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    out.clear();
    neardup::word_shingle_hashes(tokenized[i], 5, 1, out);
    benchmark::DoNotOptimize(out.data());
    bytes += docs[i].size();
    if (++i == docs.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ShingleHash_Word5)->ArgNames({"bytes"})->Arg(4096);

void BM_ShingleHash_Char5(benchmark::State& state) {
  static const auto docs = normalized(synthetic(4096));
  std::vector<uint64_t> out;
  run_over(state, docs, [&](const std::string& d) {
    out.clear();
    neardup::char_shingle_hashes(d, 5, 1, out);
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_ShingleHash_Char5)->ArgNames({"bytes"})->Arg(4096);

// The whole pipeline on raw text: normalize + tokenize + word:5 or char:5 hashes.
void BM_Pipeline_Synthetic(benchmark::State& state) {
  const auto& docs = synthetic(static_cast<std::size_t>(state.range(0)));
  neardup::ShingleOptions so;
  so.kind = state.range(1) == 0 ? neardup::ShingleKind::kWord : neardup::ShingleKind::kChar;
  so.k = 5;
  so.seed = 1;
  neardup::ShingleHasher h(so);
  run_over(state, docs, [&](const std::string& d) { benchmark::DoNotOptimize(h.hash(d).data()); });
}
BENCHMARK(BM_Pipeline_Synthetic)
    ->ArgNames({"bytes", "char"})
    ->Args({256, 0})
    ->Args({4096, 0})
    ->Args({4096, 1});

// Real prose, read from memory: Gutenberg chunks (~4.5 KB each, mostly ASCII with curly quotes,
// dashes and accented names).
void BM_Pipeline_Gutenberg(benchmark::State& state) {
  const Gutenberg& g = gutenberg();
  if (!g.error.empty()) {
    state.SkipWithError(g.error.c_str());
    return;
  }
  neardup::ShingleOptions so;
  so.kind = state.range(0) == 0 ? neardup::ShingleKind::kWord : neardup::ShingleKind::kChar;
  so.k = 5;
  so.seed = 1;
  neardup::ShingleHasher h(so);
  run_over(state, g.docs,
           [&](const std::string& d) { benchmark::DoNotOptimize(h.hash(d).data()); });
  state.counters["corpus_MB"] = static_cast<double>(total_bytes(g.docs)) / 1e6;
}
BENCHMARK(BM_Pipeline_Gutenberg)->ArgNames({"char"})->Arg(0)->Arg(1);

// Normalization alone on the same real prose (exercises the non-ASCII path where it occurs).
void BM_Normalize_Gutenberg(benchmark::State& state) {
  const Gutenberg& g = gutenberg();
  if (!g.error.empty()) {
    state.SkipWithError(g.error.c_str());
    return;
  }
  neardup::Normalizer n;
  std::string out;
  run_over(state, g.docs, [&](const std::string& d) {
    n.normalize(d, out);
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(BM_Normalize_Gutenberg);

}  // namespace

BENCHMARK_MAIN();
