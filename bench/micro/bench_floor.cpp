// The floor for end-to-end runs: the time to read a corpus and normalize + tokenize + hash its
// word 5-shingles, with the same reader and the same thread layout as `neardup cluster` (a
// read-ahead thread feeding T workers), but no MinHash, index, verification or output.
// `bench/speed` runs it on the same file in the same run as each `neardup cluster` command and
// reports the ratio of the two times.
//
//   NEARDUP_FLOOR_INPUT=corpus.jsonl ./build/bench/neardup_bench_floor --benchmark_format=json
//
//   BM_Floor_File/threads:T/stage:S, one pass over $NEARDUP_FLOOR_INPUT (any format the reader
//     accepts; skipped when the variable is unset, so the CI smoke run passes without it).
//     stage 0 = read only (decompress + parse), stage 1 = read + normalize + tokenize + word:5
//     shingle hashes (seed 1, as the CLI). bytes/s = text bytes; items/s = documents.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "neardup/advanced/parallel.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/shingle.h"

namespace {

constexpr std::size_t kBatchDocs = 4096;
constexpr std::size_t kBatchBytes = std::size_t{8} << 20;

struct Batch {
  std::vector<std::string> texts;
  std::size_t count = 0;
  uint64_t bytes = 0;
  bool error = false;
};

// Fills `b` with up to kBatchDocs documents (or kBatchBytes of text); count 0 at the end.
void read_batch(neardup::DocumentReader& reader, Batch& b) {
  b.count = 0;
  b.bytes = 0;
  neardup::Document doc;
  while (b.count < kBatchDocs && b.bytes < kBatchBytes) {
    auto more = reader.next(doc);
    if (!more.ok()) {
      b.error = true;
      return;
    }
    if (!*more) return;
    if (b.texts.size() <= b.count) b.texts.emplace_back();
    b.bytes += doc.text.size();
    b.texts[b.count++].swap(doc.text);
  }
}

void BM_Floor_File(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  const bool hash = state.range(1) != 0;
  const char* path = std::getenv("NEARDUP_FLOOR_INPUT");
  if (path == nullptr || *path == '\0') {
    state.SkipWithError("NEARDUP_FLOOR_INPUT not set");
    return;
  }
  neardup::PipelineOptions options;
  options.shingle.seed = 1;  // as the CLI (--seed 1)
  uint64_t bytes = 0, docs = 0;
  for (auto _ : state) {
    auto reader = neardup::DocumentReader::open(path, neardup::ReaderOptions{});
    if (!reader.ok()) {
      state.SkipWithError("cannot open NEARDUP_FLOOR_INPUT");
      return;
    }
    std::vector<neardup::ShingleHasher> hashers(threads, neardup::ShingleHasher(options));
    std::vector<uint64_t> sink(threads, 0);
    Batch current, next;
    read_batch(**reader, current);
    while (current.count > 0 && !current.error) {
      // Read the next batch on a second thread while the workers hash this one.
      std::thread ahead([&] { read_batch(**reader, next); });
      if (hash) {
        neardup::parallel_for(current.count, threads, [&](std::size_t i, unsigned w) {
          sink[w] += hashers[w].hash(current.texts[i]).size();
        });
      }
      ahead.join();
      bytes += current.bytes;
      docs += current.count;
      std::swap(current, next);
    }
    if (current.error) {
      state.SkipWithError("read error");
      return;
    }
    benchmark::DoNotOptimize(sink.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetItemsProcessed(static_cast<int64_t>(docs));
}
BENCHMARK(BM_Floor_File)
    ->ArgNames({"threads", "stage"})
    ->Args({1, 0})
    ->Args({1, 1})
    ->Args({2, 1})
    ->Unit(benchmark::kSecond)
    ->UseRealTime()
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
