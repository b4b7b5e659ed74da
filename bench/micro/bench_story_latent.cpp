// The story latent layer's cost: StoryLatentSpace::fit (randomized truncated SVD of the
// documents x terms TF-IDF matrix, rank 100, 10 extra directions, 2 power iterations) and
// project, on synthetic unit vectors: Zipf-distributed term ids from a 200,000-word
// vocabulary, `terms` distinct terms per document. Peak resident memory is reported as the
// counter rss_mb (getrusage; it includes the input vectors).
//
//   ./build/bench/neardup_bench_story_latent          # CI-sized: 20,000 documents
//   NEARDUP_LATENT_DOCS=1000000 ./build/bench/neardup_bench_story_latent
//       --benchmark_filter=Fit/docs:1000000               # the scale-up (one command line)
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <vector>

#include "neardup/advanced/story_latent.h"

namespace {

using neardup::StoryLatentOptions;
using neardup::StoryLatentSpace;
using neardup::StoryVector;

std::vector<StoryVector> make_vectors(std::size_t docs, std::size_t terms, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  constexpr double kVocabulary = 200000;
  std::vector<StoryVector> out(docs);
  for (StoryVector& v : out) {
    while (v.terms.size() < terms) {
      // Zipf-like: rank = V^u, so small ranks (common words) are far more frequent.
      const auto rank = static_cast<uint64_t>(std::pow(kVocabulary, unit(rng)));
      const uint64_t id = (rank + 1) * 0x9E3779B97F4A7C15ull;
      if (std::find(v.terms.begin(), v.terms.end(), id) == v.terms.end()) v.terms.push_back(id);
    }
    std::sort(v.terms.begin(), v.terms.end());
    v.weights.assign(terms, static_cast<float>(1.0 / std::sqrt(static_cast<double>(terms))));
    v.effective_terms = static_cast<float>(terms);
  }
  return out;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

void BM_StoryLatent_Fit(benchmark::State& state) {
  const auto docs = static_cast<std::size_t>(state.range(0));
  const auto terms = static_cast<std::size_t>(state.range(1));
  const std::vector<StoryVector> vectors = make_vectors(docs, terms, 42);
  StoryLatentOptions o;
  o.rank = 100;
  uint32_t rank = 0;
  for (auto _ : state) {
    auto space = StoryLatentSpace::fit(vectors, o);
    if (!space.ok()) {
      state.SkipWithError("fit failed");
      return;
    }
    rank = space->rank();
    benchmark::DoNotOptimize(rank);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(docs));
  state.counters["rank"] = rank;
  state.counters["rss_mb"] = peak_rss_mb();
}

void BM_StoryLatent_Project(benchmark::State& state) {
  const std::vector<StoryVector> vectors = make_vectors(20000, 30, 42);
  StoryLatentOptions o;
  o.rank = 100;
  auto space = StoryLatentSpace::fit(vectors, o);
  if (!space.ok()) {
    state.SkipWithError("fit failed");
    return;
  }
  std::vector<float> z;
  std::size_t i = 0;
  for (auto _ : state) {
    space->project(vectors[i++ % vectors.size()], z);
    benchmark::DoNotOptimize(z.data());
  }
  state.SetItemsProcessed(state.iterations());
}

void fit_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"docs", "terms"});
  b->Args({20000, 30});
  if (const char* env = std::getenv("NEARDUP_LATENT_DOCS")) {
    const long long n = std::atoll(env);
    if (n > 0) {
      b->Args({n, 10});
      b->Args({n, 30});
    }
  }
  b->Unit(benchmark::kMillisecond)->Iterations(1);
}

BENCHMARK(BM_StoryLatent_Fit)->Apply(fit_args);
BENCHMARK(BM_StoryLatent_Project);

}  // namespace

BENCHMARK_MAIN();
