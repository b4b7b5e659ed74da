// SimHash: the fingerprint kernel (scalar vs AVX2), the whole text pipeline on real prose, and
// the Hamming index (build, query, all pairs at k = 3 over 1M fingerprints).
//
// Inputs are built once from fixed seeds, outside the timed loops. The Gutenberg benchmarks read
// the first ~16 MB of ../shared/datasets/gutenberg (skipped when absent).
//
//   ./build/bench/neardup_bench_simhash --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bench_util.h"
#include "neardup/advanced/hamming_index.h"
#include "neardup/advanced/shingle.h"
#include "neardup/advanced/simhash.h"
#include "support/fixtures.h"

namespace {

using neardup::Fingerprint128;
using neardup::HammingIndex;
using neardup::Kernel;
using neardup::SimHasher;

using neardup::bench::loaded_or_skip;
using neardup::bench::run_over;
using neardup::fixtures::random_values;
using neardup::fixtures::TextSample;

Kernel kernel_arg(int64_t k) { return k == 0 ? Kernel::kScalar : Kernel::kAvx2; }

// --- the kernel -------------------------------------------------------------------------------

void BM_SimHash_Fingerprint(benchmark::State& state) {
  const Kernel kernel = kernel_arg(state.range(0));
  if (!neardup::kernel_supported(kernel)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  const auto bits = static_cast<uint32_t>(state.range(1));
  const auto n = static_cast<std::size_t>(state.range(2));
  const SimHasher h({.bits = bits, .seed = 1});
  const std::vector<uint64_t> f = random_values(n, 42);
  uint64_t out[2];
  for (auto _ : state) {
    h.fingerprint_with(kernel, f, {}, std::span<uint64_t>(out, bits / 64));
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(n));
}
BENCHMARK(BM_SimHash_Fingerprint)
    ->ArgNames({"avx2", "bits", "shingles"})
    ->Args({0, 64, 256})
    ->Args({1, 64, 256})
    ->Args({0, 64, 4096})
    ->Args({1, 64, 4096})
    ->Args({0, 128, 4096})
    ->Args({1, 128, 4096});

// --- real prose ---------------------------------------------------------------------------------

// The first ~16 MB of the Gutenberg chunks.
const TextSample& gutenberg() {
  static const TextSample c =
      neardup::fixtures::read_texts(neardup::fixtures::gutenberg_path(), 16u << 20);
  return c;
}

// normalize + tokenize + word:5 shingles (no fingerprint): the baseline the fingerprint adds to.
void BM_SimHash_ShinglesOnly_Gutenberg(benchmark::State& state) {
  const TextSample& c = gutenberg();
  if (!loaded_or_skip(state, c)) return;
  neardup::ShingleHasher sh(neardup::ShingleOptions{.k = 5, .seed = 1});
  run_over(state, c.docs, [&](const std::string& d) { benchmark::DoNotOptimize(sh.hash(d)); });
}
BENCHMARK(BM_SimHash_ShinglesOnly_Gutenberg);

// normalize + tokenize + word:5 shingles + 64-bit TF fingerprint: the end-to-end rate per core.
void BM_SimHash_Pipeline_Gutenberg(benchmark::State& state) {
  const TextSample& c = gutenberg();
  if (!loaded_or_skip(state, c)) return;
  const Kernel kernel = kernel_arg(state.range(0));
  if (!neardup::kernel_supported(kernel)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  neardup::ShingleHasher sh(neardup::ShingleOptions{.k = 5, .seed = 1});
  const SimHasher h({.bits = 64, .seed = 1});
  uint64_t shingles = 0;
  run_over(state, c.docs, [&](const std::string& d) {
    const std::span<const uint64_t> s = sh.hash(d);
    uint64_t fp[1];
    h.fingerprint_with(kernel, s, {}, fp);
    benchmark::DoNotOptimize(fp);
    shingles += s.size();
  });
  state.counters["shingles/s"] =
      benchmark::Counter(static_cast<double>(shingles), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimHash_Pipeline_Gutenberg)->ArgNames({"avx2"})->Arg(0)->Arg(1);

// --- Hamming index ------------------------------------------------------------------------------

// n 64-bit fingerprints, 10% of them planted 0..3 bits from an earlier one (so all-pairs has real
// answers), from a fixed seed.
std::vector<uint64_t> planted_fingerprints(std::size_t n) {
  std::vector<uint64_t> v;
  v.reserve(n);
  for (const Fingerprint128& f : neardup::fixtures::planted_fingerprints(n, 64, 3, 10, 7)) {
    v.push_back(f.lo);
  }
  return v;
}

HammingIndex make_index(const std::vector<uint64_t>& fps) {
  neardup::Result<HammingIndex> r =
      HammingIndex::create({.bits = 64, .max_distance = 3, .expected_size = fps.size()});
  HammingIndex index = std::move(r.value());
  index.reserve(fps.size());
  for (uint64_t f : fps) (void)index.add(f);
  return index;
}

void BM_HammingIndex_Build(benchmark::State& state) {
  const std::vector<uint64_t> fps = planted_fingerprints(static_cast<std::size_t>(state.range(0)));
  for (auto _ : state) {
    HammingIndex index = make_index(fps);
    benchmark::DoNotOptimize(index.size());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_HammingIndex_Build)
    ->ArgNames({"n"})
    ->Arg(1 << 20)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

const HammingIndex& million_index() {
  static const HammingIndex index = make_index(planted_fingerprints(1 << 20));
  return index;
}

void BM_HammingIndex_Query(benchmark::State& state) {
  const HammingIndex& index = million_index();
  const std::vector<uint64_t> probes = random_values(4096, 9);
  std::vector<neardup::HammingMatch> out;
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    (void)index.query(probes[i], 3, out);
    found += out.size();
    i = (i + 1) & 4095;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["tables"] = index.tables();
}
BENCHMARK(BM_HammingIndex_Query);

void BM_HammingIndex_AllPairs(benchmark::State& state) {
  const HammingIndex& index = million_index();
  const auto threads = static_cast<unsigned>(state.range(0));
  std::vector<neardup::HammingPair> pairs;
  for (auto _ : state) {
    (void)index.all_pairs(3, pairs, threads);
    benchmark::DoNotOptimize(pairs.data());
  }
  state.counters["pairs"] = static_cast<double>(pairs.size());
  state.counters["n"] = static_cast<double>(index.size());
  state.counters["tables"] = index.tables();
}
BENCHMARK(BM_HammingIndex_AllPairs)
    ->ArgNames({"threads"})
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
