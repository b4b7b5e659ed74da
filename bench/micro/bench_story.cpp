// Story mode kernels: feature extraction, TF-IDF weighing, the online clusterer (with and without
// a window) and batch clustering (single pass + merge + refinement).
//
// Inputs are generated once from a fixed seed, outside the timed loops: news-like documents,
// each a report of one of many stories. A story has its own names, places and amounts; a report
// mixes a few of them with common news vocabulary, so stories overlap the way real ones do.
// "article" documents have ~150 words, "headline" documents ~8.
//
//   ./build/bench/neardup_bench_story --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "neardup/advanced/story.h"

namespace {

using neardup::DocumentFrequencies;
using neardup::StoryClusterer;
using neardup::StoryFeaturizer;
using neardup::StoryOptions;
using neardup::StoryTerm;
using neardup::StoryVector;

struct Corpus {
  std::vector<std::string> texts;
  std::vector<double> times;
  uint64_t bytes = 0;
};

std::string word(std::mt19937_64& rng, bool capital) {
  static const char* const kSyllables[] = {"ka", "lo", "ri", "ten", "mar", "vo",  "sel", "din",
                                           "ra", "bu", "ne", "sto", "pel", "gar", "mi",  "tor"};
  std::string w;
  const int n = 2 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) w += kSyllables[rng() % 16];
  if (capital) w[0] = static_cast<char>(w[0] - 'a' + 'A');
  return w;
}

// `stories` stories, `docs` reports in time order (one every 60 s), `words` words per report.
Corpus make_corpus(std::size_t docs, std::size_t stories, std::size_t words, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> common;
  for (int i = 0; i < 3000; ++i) common.push_back(word(rng, false));
  std::vector<std::vector<std::string>> story_words(stories);
  for (auto& sw : story_words) {
    for (int i = 0; i < 6; ++i) sw.push_back(word(rng, true) + " " + word(rng, true));
    for (int i = 0; i < 12; ++i) sw.push_back(word(rng, false));
    sw.push_back(std::to_string(rng() % 900 + 100) + " million");
  }
  Corpus c;
  for (std::size_t d = 0; d < docs; ++d) {
    // Stories come and go: a report is about one of the 50 stories active around its time.
    const std::size_t base = d * stories / docs;
    const std::size_t s = (base + rng() % 50) % stories;
    std::string t;
    for (std::size_t w = 0; w < words; ++w) {
      if (!t.empty()) t += ' ';
      if (rng() % 4 == 0) {
        t += story_words[s][rng() % story_words[s].size()];
      } else {
        // Zipf-like: low indices far more often.
        const std::size_t r = rng() % common.size();
        t += common[(r * r) / common.size()];
      }
    }
    t += '.';
    c.bytes += t.size();
    c.texts.push_back(std::move(t));
    c.times.push_back(60.0 * static_cast<double>(d));
  }
  return c;
}

const Corpus& articles() {
  static const Corpus c = make_corpus(20000, 2000, 150, 7);
  return c;
}
const Corpus& headlines() {
  static const Corpus c = make_corpus(100000, 5000, 8, 11);
  return c;
}
const Corpus& corpus_arg(int64_t headline) { return headline != 0 ? headlines() : articles(); }

std::vector<std::vector<StoryTerm>> features_of(const Corpus& c) {
  auto f = StoryFeaturizer::create({});
  std::vector<std::vector<StoryTerm>> out(c.texts.size());
  for (std::size_t i = 0; i < c.texts.size(); ++i) f->extract(c.texts[i], {}, out[i]);
  return out;
}

void BM_Story_Featurize(benchmark::State& state) {
  const Corpus& c = corpus_arg(state.range(0));
  auto f = StoryFeaturizer::create({});
  if (!f.ok()) {
    state.SkipWithError(f.status().message().c_str());
    return;
  }
  std::vector<StoryTerm> out;
  std::size_t i = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    f->extract(c.texts[i], {}, out);
    benchmark::DoNotOptimize(out.data());
    bytes += c.texts[i].size();
    if (++i == c.texts.size()) i = 0;
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Story_Featurize)->ArgNames({"headline"})->Arg(0)->Arg(1);

void BM_Story_Weigh(benchmark::State& state) {
  const Corpus& c = corpus_arg(state.range(0));
  const auto features = features_of(c);
  DocumentFrequencies df;
  for (const auto& f : features) df.add(f);
  StoryVector v;
  std::size_t i = 0;
  for (auto _ : state) {
    neardup::weigh_story_terms(features[i], df, v);
    benchmark::DoNotOptimize(v.weights.data());
    if (++i == features.size()) i = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Story_Weigh)->ArgNames({"headline"})->Arg(0)->Arg(1);

// The sparse cosine of a document with a long vector (a headline of ~8 terms or an article
// against a centroid at its 400-term cap): the clusterer's inner loop, run for every candidate
// cluster of every document. Headlines take the search path (story_internal::dot_sorted), an
// article the merge.
void BM_Story_CosineWithCentroid(benchmark::State& state) {
  const Corpus& c = corpus_arg(state.range(0));
  const auto features = features_of(c);
  DocumentFrequencies df;
  for (const auto& f : features) df.add(f);
  std::vector<StoryVector> vectors(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    neardup::weigh_story_terms(features[i], df, vectors[i]);
  }
  // Centroid-sized vectors: the union of consecutive documents' terms, cut at 400 terms.
  std::vector<StoryVector> centroids;
  for (std::size_t i = 0; i + 64 <= vectors.size() && centroids.size() < 64; i += 64) {
    std::vector<uint64_t> terms;
    for (std::size_t k = i; k < i + 64; ++k)
      terms.insert(terms.end(), vectors[k].terms.begin(), vectors[k].terms.end());
    std::sort(terms.begin(), terms.end());
    terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
    // 400 terms spread over the whole range of ids, as a capped centroid's are.
    if (terms.size() > 400) {
      std::vector<uint64_t> kept;
      for (std::size_t k = 0; k < 400; ++k) kept.push_back(terms[k * terms.size() / 400]);
      terms.swap(kept);
    }
    StoryVector v;
    v.terms = terms;
    v.weights.assign(terms.size(), 0.05f);
    centroids.push_back(std::move(v));
  }
  std::size_t i = 0, j = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(neardup::story_cosine(vectors[i], centroids[j]));
    if (++i == vectors.size()) i = 0;
    if (++j == centroids.size()) j = 0;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Story_CosineWithCentroid)->ArgNames({"headline"})->Arg(0)->Arg(1);

// The whole stream through one clusterer per iteration (items = documents).
void BM_Story_ClustererAdd(benchmark::State& state) {
  const Corpus& c = corpus_arg(state.range(0));
  const bool window = state.range(1) != 0;
  const auto features = features_of(c);
  DocumentFrequencies df;
  for (const auto& f : features) df.add(f);
  std::vector<StoryVector> vectors(features.size());
  for (std::size_t i = 0; i < features.size(); ++i) {
    neardup::weigh_story_terms(features[i], df, vectors[i]);
  }
  StoryOptions o;
  if (window) o.window_seconds = 3 * 3600;  // ~180 reports: a few open stories at a time
  for (auto _ : state) {
    auto clusterer = StoryClusterer::create(o);
    if (!clusterer.ok()) {
      state.SkipWithError(clusterer.status().message().c_str());
      return;
    }
    for (std::size_t i = 0; i < vectors.size(); ++i) {
      benchmark::DoNotOptimize(clusterer->add(vectors[i], c.times[i]));
    }
    state.counters["open_clusters"] = static_cast<double>(clusterer->open_clusters());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(vectors.size()));
}
BENCHMARK(BM_Story_ClustererAdd)
    ->ArgNames({"headline", "window"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Unit(benchmark::kMillisecond);

// cluster_stories with the defaults: corpus IDF, single pass, merge, refinement.
void BM_Story_ClusterBatch(benchmark::State& state) {
  const Corpus& c = corpus_arg(state.range(0));
  const auto features = features_of(c);
  for (auto _ : state) {
    auto r = neardup::cluster_stories(features, c.times, StoryOptions{});
    if (!r.ok()) {
      state.SkipWithError(r.status().message().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(features.size()));
}
BENCHMARK(BM_Story_ClusterBatch)
    ->ArgNames({"headline"})
    ->Arg(0)
    ->Arg(1)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
