// Clustering kernel: the union-find that turns verified pairs into connected components
// (neardup::UnionFind, core/include/neardup/cluster.h).
//
//   BM_UnionFind_Unite/docs:N/pattern:P: unite the pairs of a pattern over N elements, then
//     find() every element once (what near mode does after verification). items/s = unite +
//     find operations. pattern 0 = near-dup-like: one document in five is linked to a random
//     earlier one at most 4096 places back (small clusters, like neardup-synth's planted copies);
//     pattern 1 = N random pairs over all N (a giant component forms, long paths before
//     halving: the worst case); pattern 2 = star: N pairs all touching document 0.
//   BM_UnionFind_Find/docs:N: find() on a forest already compressed by one full pass, random
//     order (the lookup cost when cluster labels are read out). items/s = finds.
//
// Inputs come from a fixed seed and are built outside the timed loop; each iteration starts from
// a fresh UnionFind (its construction is timed too: it is part of the real cost).
//
//   ./build/bench/neardup_bench_cluster --benchmark_min_time=0.2
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "neardup/advanced/cluster.h"

namespace {

using Pairs = std::vector<std::pair<uint32_t, uint32_t>>;

Pairs make_pairs(uint32_t n, int pattern) {
  std::mt19937_64 rng(42 + static_cast<uint64_t>(pattern));
  Pairs pairs;
  pairs.reserve(n);
  for (uint32_t i = 0; i < n; ++i) {
    switch (pattern) {
      case 0:  // near-dup-like: 20% of documents copy an earlier one
        if (i > 0 && rng() % 5 == 0) {
          const uint32_t back = 1 + static_cast<uint32_t>(rng() % std::min<uint32_t>(i, 4096));
          pairs.emplace_back(i, i - back);
        }
        break;
      case 1:  // random
        pairs.emplace_back(static_cast<uint32_t>(rng() % n), static_cast<uint32_t>(rng() % n));
        break;
      default:  // star
        pairs.emplace_back(static_cast<uint32_t>(rng() % n), 0);
        break;
    }
  }
  return pairs;
}

void BM_UnionFind_Unite(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  const auto pattern = static_cast<int>(state.range(1));
  const Pairs pairs = make_pairs(n, pattern);
  uint64_t components = 0;
  for (auto _ : state) {
    neardup::UnionFind uf(n);
    uint64_t merged = 0;
    for (const auto& [a, b] : pairs) {
      if (uf.unite(a, b)) ++merged;
    }
    uint64_t sum = 0;
    for (uint32_t i = 0; i < n; ++i) sum += uf.find(i);
    benchmark::DoNotOptimize(sum);
    components = n - merged;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(pairs.size() + n));
  state.counters["components"] = static_cast<double>(components);
}
BENCHMARK(BM_UnionFind_Unite)
    ->ArgNames({"docs", "pattern"})
    ->Args({100'000, 0})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 2})
    ->Unit(benchmark::kMillisecond);

void BM_UnionFind_Find(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  neardup::UnionFind uf(n);
  for (const auto& [a, b] : make_pairs(n, 1)) uf.unite(a, b);
  for (uint32_t i = 0; i < n; ++i) uf.find(i);
  std::mt19937_64 rng(7);
  std::vector<uint32_t> order(1 << 16);
  for (auto& x : order) x = static_cast<uint32_t>(rng() % n);
  std::size_t i = 0;
  uint64_t sum = 0;
  for (auto _ : state) {
    sum += uf.find(order[i]);
    i = (i + 1) & (order.size() - 1);
  }
  benchmark::DoNotOptimize(sum);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_UnionFind_Find)->ArgNames({"docs"})->Arg(1'000'000);

}  // namespace

BENCHMARK_MAIN();
