// NearDupIndex benchmarks.
//
//   BM_Index_Query/docs:N      query() of a near copy of an indexed document (sign + LSH +
//                              verify), single thread; items/s = queries/s, bytes/s = text MB/s.
//   BM_Index_QueryNew/docs:N   query() of an unrelated document (the common crawler case).
//   BM_Index_AddIfNew/docs:N   add_if_new() of 20000 fresh documents (half of them near copies
//                              of the previous one) into its own index of N documents.
//   BM_Index_QuerySignature/docs:N  query_signature(): the index part alone, without signing.
// Texts are random words from a 5000-word vocabulary (fixed seed), 200 words per document;
// indexes are built once per size, outside the timed loop. The time per iteration is the mean
// per-operation latency (run with --benchmark_repetitions for medians).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "neardup/index.h"

namespace {

constexpr int kWords = 200;
constexpr int64_t kAddIterations = 20000;  // fixed so that every iteration adds a fresh text

std::string random_text(std::mt19937_64& rng) {
  std::string t;
  for (int i = 0; i < kWords; ++i) {
    if (i != 0) t += ' ';
    t += "w" + std::to_string(rng() % 5000);
  }
  return t;
}

std::string near_copy(const std::string& text) {
  const std::size_t mid = text.find(' ', text.size() / 2);
  const std::size_t end = text.find(' ', mid + 1);
  return text.substr(0, mid) + " changed" + text.substr(end);
}

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
    const std::string text = random_text(rng);
    (void)f.index->add("doc" + std::to_string(i), text);
    if (i % (docs / 1000) == 0) f.near.push_back(near_copy(text));
  }
  for (int i = 0; i < 1000; ++i) f.fresh.push_back(random_text(rng));
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
    texts.push_back(j % 2 == 1 ? near_copy(texts.back()) : random_text(rng));
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

BENCHMARK(BM_Index_Query)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_QueryNew)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_QuerySignature)->ArgName("docs")->Arg(10000)->Arg(100000);
BENCHMARK(BM_Index_AddIfNew)->ArgName("docs")->Arg(10000)->Arg(100000)->Iterations(kAddIterations);

}  // namespace

BENCHMARK_MAIN();
