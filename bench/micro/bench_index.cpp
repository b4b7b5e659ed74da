// NearDupIndex benchmarks.
//
//   BM_Index_Query/docs:N      query() of a near copy of an indexed document (sign + LSH +
//                              verify), single thread; items/s = queries/s, bytes/s = text MB/s.
//   BM_Index_QueryNew/docs:N   query() of an unrelated document (the common crawler case).
//   BM_Index_AddIfNew/docs:N   add_if_new() of 20000 fresh documents (half of them near copies
//                              of the previous one) into its own index of N documents.
//   BM_Index_QuerySignature/docs:N  query_signature(): the index part alone, without signing.
//   BM_Index_Latency/docs:N/text:T  the crawler question at scale: an index of N documents
//                              whose signatures are synthesized directly (signing 10M texts
//                              would take minutes and the index part does not depend on where
//                              signatures come from), queried with a 50/50 mix of near copies
//                              (13 of 128 slots changed, similarity ~0.9: found) and unrelated
//                              signatures; text:1 signs a 200-word text first (query() cost),
//                              text:0 is query_signature() alone. Counters p50_us / p99_us are
//                              per-query latency percentiles; items/s is queries per second (one
//                              thread). N = 10M needs ~9 GB: run it with
//                              --benchmark_filter='Latency/docs:10000000'.
//   BM_Index_Serialize/docs:N  the snapshot copy save() makes under the shared lock.
//   BM_Index_AddIfNewSignature/docs:N  add_if_new_signature() into an index of N synthesized
//                              documents (half near copies: not added), the index part alone.
// Texts are random words from a 5000-word vocabulary (fixed seed), 200 words per document;
// indexes are built once per size, outside the timed loop. The time per iteration is the mean
// per-operation latency (run with --benchmark_repetitions for medians).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "neardup/advanced/index.h"
#include "support/fixtures.h"

namespace {

constexpr int kWords = 200;
constexpr int64_t kAddIterations = 20000;  // fixed so that every iteration adds a fresh text

using neardup::fixtures::near_copy;
using neardup::fixtures::random_text;

struct Fixture {
  std::unique_ptr<neardup::NearDupIndex> index;
  std::vector<std::string> near;   // near copies of indexed documents
  std::vector<std::string> fresh;  // unrelated documents
};

// `key` = documents, plus a high bit for a separate copy.
Fixture& fixture(std::size_t key) {
  static std::map<std::size_t, Fixture> cache;
  Fixture& f = cache[key];
  if (f.index) return f;
  const std::size_t docs = key & 0xFFFFFFFFu;
  auto created = neardup::NearDupIndex::create({});
  f.index = std::make_unique<neardup::NearDupIndex>(std::move(created.value()));
  f.index->reserve(docs);
  std::mt19937_64 rng(docs);
  for (std::size_t i = 0; i < docs; ++i) {
    const std::string text = random_text(rng, kWords);
    (void)f.index->add("doc" + std::to_string(i), text);
    if (i % (docs / 1000) == 0) f.near.push_back(near_copy(text));
  }
  for (int i = 0; i < 1000; ++i) f.fresh.push_back(random_text(rng, kWords));
  return f;
}

void BM_Index_Query(benchmark::State& state) {
  Fixture& f = fixture(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0, bytes = 0, found = 0;
  for (auto _ : state) {
    const std::string& q = f.near[i++ % f.near.size()];
    auto m = f.index->query(q, 1);
    found += m->size();
    bytes += q.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
}

void BM_Index_QueryNew(benchmark::State& state) {
  Fixture& f = fixture(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& q = f.fresh[i++ % f.fresh.size()];
    auto m = f.index->query(q, 1);
    benchmark::DoNotOptimize(m);
    bytes += q.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_Index_QuerySignature(benchmark::State& state) {
  Fixture& f = fixture(static_cast<std::size_t>(state.range(0)));
  std::vector<std::vector<uint32_t>> sigs(f.near.size(), std::vector<uint32_t>(128));
  for (std::size_t j = 0; j < f.near.size(); ++j) (void)f.index->sign(f.near[j], sigs[j]);
  std::size_t i = 0;
  for (auto _ : state) {
    auto m = f.index->query_signature(sigs[i++ % sigs.size()], 1);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_Index_AddIfNew(benchmark::State& state) {
  // An index of its own (the benchmark grows it), and fresh texts built before timing: every
  // second one a near copy of the one before, so both outcomes occur (added ~ 0.5).
  constexpr std::size_t kOwn = std::size_t{1} << 40;
  Fixture& f = fixture(kOwn | static_cast<std::size_t>(state.range(0)));
  std::mt19937_64 rng(12345 + static_cast<uint64_t>(state.range(0)));
  std::vector<std::string> texts;
  for (int64_t j = 0; j < kAddIterations; ++j) {
    texts.push_back(j % 2 == 1 ? near_copy(texts.back()) : random_text(rng, kWords));
  }
  static uint64_t counter = 0;
  std::size_t i = 0, bytes = 0, added = 0;
  for (auto _ : state) {
    const std::string& t = texts[i++ % texts.size()];
    auto r = f.index->add_if_new("new" + std::to_string(counter++), t);
    added += r->added ? 1u : 0u;
    bytes += t.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["added"] = static_cast<double>(added) / static_cast<double>(state.iterations());
}

// --- synthesized signatures at 100k .. 10M documents ---------------------------------------

constexpr uint32_t kSlots = 128;

uint64_t mix(uint64_t x) {  // splitmix64 finalizer
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The signature of synthetic document `doc`: a pure function of doc, so it need not be stored.
void synth_signature(uint64_t doc, std::span<uint32_t> out) {
  for (uint32_t i = 0; i < kSlots; ++i) {
    out[i] = static_cast<uint32_t>(mix(doc * kSlots + i) >> 32);
  }
}

// A near copy: 13 of the 128 slots changed (estimated similarity 115/128 = 0.90).
void near_signature(uint64_t doc, std::span<uint32_t> out) {
  synth_signature(doc, out);
  for (uint32_t i = 0; i < 13; ++i) out[(i * 37 + doc) % kSlots] ^= 0x5bd1e995u;
}

std::unique_ptr<neardup::NearDupIndex>& synth_index(std::size_t docs) {
  static std::map<std::size_t, std::unique_ptr<neardup::NearDupIndex>> cache;
  auto& index = cache[docs];
  if (index) return index;
  if (!cache.empty()) {  // keep one big index at a time
    for (auto& [n, other] : cache) {
      if (n != docs) other.reset();
    }
  }
  index = std::make_unique<neardup::NearDupIndex>(neardup::NearDupIndex::create({}).value());
  // Headroom for the documents BM_Index_AddIfNewSignature adds: without it the first add past
  // the reserved capacity doubles every per-band array under the exclusive lock (a pause of
  // seconds at 10M documents, see index.h), which is not the steady state measured here.
  index->reserve(docs + docs / 4);
  std::vector<uint32_t> sig(kSlots);
  for (std::size_t d = 0; d < docs; ++d) {
    synth_signature(d, sig);
    (void)index->add_signature("doc" + std::to_string(d), sig);
  }
  return index;
}

double percentile_us(std::vector<double>& ns, double p) {
  if (ns.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(ns.size() - 1));
  std::nth_element(ns.begin(), ns.begin() + static_cast<std::ptrdiff_t>(k), ns.end());
  return ns[k] / 1000.0;
}

void BM_Index_Latency(benchmark::State& state) {
  const auto docs = static_cast<std::size_t>(state.range(0));
  const bool text = state.range(1) != 0;
  const neardup::NearDupIndex& index = *synth_index(docs);
  constexpr std::size_t kQueries = 4096;
  std::vector<std::vector<uint32_t>> sigs(kQueries, std::vector<uint32_t>(kSlots));
  std::vector<std::string> texts;
  std::mt19937_64 rng(docs);
  for (std::size_t q = 0; q < kQueries; ++q) {
    if (q % 2 == 0) {
      near_signature(rng() % docs, sigs[q]);
    } else {
      synth_signature(docs + 1 + rng() % docs, sigs[q]);  // never indexed
    }
    if (text) texts.push_back(random_text(rng, kWords));
  }
  std::vector<uint32_t> scratch(kSlots);
  std::vector<double> ns;
  ns.reserve(1 << 20);
  std::size_t i = 0, found = 0;
  for (auto _ : state) {
    const std::size_t q = i++ % kQueries;
    const auto t0 = std::chrono::steady_clock::now();
    // text:1 signs a real text (discarding the result) and then queries the synthetic
    // signature, so the cost is that of query(text) on an index of this size.
    if (text) (void)index.sign(texts[q], scratch);
    auto m = index.query_signature(sigs[q], 1);
    const auto t1 = std::chrono::steady_clock::now();
    found += m->size();
    if (ns.size() < ns.capacity()) {
      ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["found"] = static_cast<double>(found) / static_cast<double>(state.iterations());
  state.counters["p50_us"] = percentile_us(ns, 0.50);
  state.counters["p99_us"] = percentile_us(ns, 0.99);
  state.counters["MB_per_doc"] =
      static_cast<double>(index.memory_bytes()) / static_cast<double>(index.size()) / 1e6;
}

void BM_Index_AddIfNewSignature(benchmark::State& state) {
  const auto docs = static_cast<std::size_t>(state.range(0));
  neardup::NearDupIndex& index = *synth_index(docs);
  std::vector<uint32_t> sig(kSlots);
  static uint64_t next = uint64_t{1} << 40;  // fresh documents, never queried elsewhere
  std::size_t added = 0, i = 0;
  for (auto _ : state) {
    // Even iterations: a new document; odd: a near copy of the previous one (not added).
    if (i++ % 2 == 0) {
      synth_signature(next++, sig);
    } else {
      sig[5] ^= 1u;
      sig[77] ^= 1u;
    }
    auto r = index.add_if_new_signature("n" + std::to_string(i), sig);
    added += r->added ? 1u : 0u;
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["added"] = static_cast<double>(added) / static_cast<double>(state.iterations());
}

// serialize(): the in-memory snapshot copy that save() makes under the shared lock (writers wait
// for this long; queries do not wait at all).
void BM_Index_Serialize(benchmark::State& state) {
  const neardup::NearDupIndex& index = *synth_index(static_cast<std::size_t>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string file = index.serialize();
    bytes += file.size();
    benchmark::DoNotOptimize(file.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_Index_Serialize)->ArgName("docs")->Arg(100000)->Unit(benchmark::kMillisecond);

// 100k always; 1M (~1 GB) and 10M (~9 GB) only with NEARDUP_BENCH_LARGE=1 in the environment,
// so that the CI smoke run stays small.
void latency_sizes(benchmark::internal::Benchmark* b) {
  const char* large = std::getenv("NEARDUP_BENCH_LARGE");
  const bool big = large != nullptr && std::string_view(large) == "1";
  for (const int64_t n : {int64_t{100000}, int64_t{1000000}, int64_t{10000000}}) {
    if (n > 100000 && !big) continue;
    b->Args({n, 0});
    b->Args({n, 1});
  }
}
void add_sizes(benchmark::internal::Benchmark* b) {
  const char* large = std::getenv("NEARDUP_BENCH_LARGE");
  b->Arg(100000);
  if (large != nullptr && std::string_view(large) == "1") b->Arg(1000000)->Arg(10000000);
}

BENCHMARK(BM_Index_Latency)
    ->ArgNames({"docs", "text"})
    ->Apply(latency_sizes)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_Index_AddIfNewSignature)
    ->ArgName("docs")
    ->Apply(add_sizes)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_Index_Query)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_QueryNew)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_QuerySignature)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_AddIfNew)->ArgName("docs")->Arg(10000)->Arg(100000)->Iterations(kAddIterations);

}  // namespace

BENCHMARK_MAIN();
