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
#include <string>
#include <vector>

#include "bench_util.h"
#include "neardup/advanced/normalize.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/tokenize.h"
#include "support/fixtures.h"

namespace {

// ---- inputs ----------------------------------------------------------------------------------

using neardup::bench::loaded_or_skip;
using neardup::bench::run_over;
using neardup::fixtures::TextSample;

// English-like prose from a fixed seed (fixtures::english_corpus).
const std::vector<std::string>& synthetic(std::size_t doc_bytes) {
  static std::vector<std::string> small = neardup::fixtures::english_corpus(256, 4u << 20);
  static std::vector<std::string> medium = neardup::fixtures::english_corpus(4096, 16u << 20);
  return doc_bytes <= 256 ? small : medium;
}

// The first ~32 MB of text from the Gutenberg chunks, or an error message.
const TextSample& gutenberg() {
  static const TextSample g =
      neardup::fixtures::read_texts(neardup::fixtures::gutenberg_path(), 32u << 20);
  return g;
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
  const TextSample& g = gutenberg();
  if (!loaded_or_skip(state, g)) return;
  neardup::ShingleOptions so;
  so.kind = state.range(0) == 0 ? neardup::ShingleKind::kWord : neardup::ShingleKind::kChar;
  so.k = 5;
  so.seed = 1;
  neardup::ShingleHasher h(so);
  run_over(state, g.docs,
           [&](const std::string& d) { benchmark::DoNotOptimize(h.hash(d).data()); });
  state.counters["corpus_MB"] = static_cast<double>(g.bytes) / 1e6;
}
BENCHMARK(BM_Pipeline_Gutenberg)->ArgNames({"char"})->Arg(0)->Arg(1);

// Normalization alone on the same real prose (exercises the non-ASCII path where it occurs).
void BM_Normalize_Gutenberg(benchmark::State& state) {
  const TextSample& g = gutenberg();
  if (!loaded_or_skip(state, g)) return;
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
