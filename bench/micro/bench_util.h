// Helpers shared by the micro benchmarks (Google Benchmark specific; the inputs themselves come
// from tests/support/fixtures.h).
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "support/fixtures.h"

namespace neardup::bench {

// True when `sample` was read; otherwise the benchmark is skipped with the sample's error (a
// shared dataset that is absent, say).
inline bool loaded_or_skip(benchmark::State& state, const fixtures::TextSample& sample) {
  if (sample.error.empty()) return true;
  state.SkipWithError(sample.error.c_str());
  return false;
}

// Runs fn(doc) once per iteration, cycling through `docs`, and reports bytes (of the documents
// as given) and items (documents) processed.
template <class Fn>
void run_over(benchmark::State& state, const std::vector<std::string>& docs, Fn&& fn) {
  std::size_t i = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& d = docs[i];
    fn(d);
    bytes += static_cast<int64_t>(d.size());
    if (++i == docs.size()) i = 0;
  }
  state.SetBytesProcessed(bytes);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

}  // namespace neardup::bench
