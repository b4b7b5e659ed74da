// parallel_for: run body(i) for i in [0, n) on up to `threads` threads, in contiguous chunks.
//
//   neardup::parallel_for(docs.size(), threads, [&](std::size_t i, unsigned worker) {
//     keys[i] = work(docs[i], scratch[worker]);
//   });
//
// Each index is processed exactly once; `worker` (0 .. threads-1) identifies the calling thread
// so that callers can give each thread its own scratch. Results are written by index, so output
// order never depends on the thread count. The body must not throw.
// Cost: one thread start per worker per call; meant for batches of thousands of documents.
#pragma once

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace neardup {

// The number of hardware threads (at least 1).
inline unsigned hardware_threads() noexcept {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

template <class Body>
void parallel_for(std::size_t n, unsigned threads, Body&& body) {
  if (threads <= 1 || n < 2) {
    for (std::size_t i = 0; i < n; ++i) body(i, 0u);
    return;
  }
  const std::size_t workers = std::min<std::size_t>(threads, n);
  const std::size_t chunk = (n + workers - 1) / workers;
  std::vector<std::thread> pool;
  pool.reserve(workers - 1);
  for (std::size_t w = 1; w < workers; ++w) {
    pool.emplace_back([&body, w, chunk, n] {
      const std::size_t end = std::min(n, (w + 1) * chunk);
      for (std::size_t i = w * chunk; i < end; ++i) body(i, static_cast<unsigned>(w));
    });
  }
  for (std::size_t i = 0; i < std::min(n, chunk); ++i) body(i, 0u);
  for (auto& t : pool) t.join();
}

}  // namespace neardup
