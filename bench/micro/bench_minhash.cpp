// MinHash benchmarks.
//
//   BM_MinHash_Sign/scheme:S/kernel:K/perm:P/shingles:N
//     scheme 0 = kPermutations (classic), 1 = kOnePermutation (default)
//     kernel 1 = scalar, 2 = avx2 (the one-permutation scheme has a single scalar path)
//   items/s = shingles/s; bytes/s = shingle bytes (8 per shingle); docs/s as a counter.
//   BM_MinHash_Estimate/bits:B/perm:P: estimate_jaccard on 64-bit (B=64), 32-bit (B=32)
//     signatures, or b-bit packed ones (B in 1, 8).
//
//   BM_Lsh_Insert/bands:B/rows:R: LshIndex::add_keys of precomputed band keys into an index of
//     1M documents (items/s = documents inserted/s); BM_Lsh_Query/bands:B/rows:R: query_keys
//     against it, half of the queries with a planted match (items/s = queries/s).
//   BM_Lsh_BandKeys/bands:B/rows:R: band keys of one signature (items/s = signatures/s).
//   BM_Verify_Jaccard/shingles:N: exact Jaccard of two sorted shingle sets of N values each
//     (items/s = pairs/s, bytes/s = set bytes read).
//   BM_EndToEnd_Gutenberg/stage:S: one pass over ../shared/datasets/gutenberg on one thread
//     (skipped when absent); stage 0 = read + normalize + tokenize + shingle hash (the baseline),
//     1 = the same + sign + band keys, 2 = near-duplicate clustering end to end (prepare +
//     add + finish, exact verification). bytes/s = text bytes; the ratio of stage 2 to stage 0
//     times is the cost of near-duplicate detection over a plain tokenize-and-hash pass.
//
// Inputs come from a fixed seed and are built outside the timed loop.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <random>
#include <vector>

#include "neardup/advanced/lsh_index.h"
#include "neardup/advanced/minhash.h"
#include "neardup/advanced/near_dup.h"
#include "neardup/advanced/reader.h"
#include "neardup/advanced/shingle.h"
#include "support/fixtures.h"

namespace {

using neardup::Kernel;
using neardup::MinHashScheme;

using neardup::fixtures::random_values;

void BM_MinHash_Sign(benchmark::State& state) {
  const auto scheme = static_cast<MinHashScheme>(state.range(0));
  const auto kernel = static_cast<Kernel>(state.range(1));
  const auto perm = static_cast<uint32_t>(state.range(2));
  const auto shingles = static_cast<std::size_t>(state.range(3));
  if (!neardup::kernel_supported(kernel)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  const neardup::MinHasher hasher({.scheme = scheme, .num_perm = perm, .seed = 1});
  // A few distinct documents so that one document's bins do not stay hot in the predictor.
  constexpr std::size_t kDocs = 8;
  std::vector<std::vector<uint64_t>> docs;
  for (std::size_t d = 0; d < kDocs; ++d) docs.push_back(random_values(shingles, 100 + d));
  std::vector<uint64_t> sig(perm);
  std::size_t d = 0;
  for (auto _ : state) {
    hasher.sign_with(kernel, docs[d], sig);
    benchmark::DoNotOptimize(sig.data());
    benchmark::ClobberMemory();
    d = (d + 1) % kDocs;
  }
  const auto iters = static_cast<int64_t>(state.iterations());
  state.SetItemsProcessed(iters * static_cast<int64_t>(shingles));
  state.SetBytesProcessed(iters * static_cast<int64_t>(shingles * sizeof(uint64_t)));
  state.counters["docs/s"] =
      benchmark::Counter(static_cast<double>(iters), benchmark::Counter::kIsRate);
  state.SetLabel(std::string(
      neardup::kernel_name(scheme == MinHashScheme::kOnePermutation ? Kernel::kScalar : kernel)));
}

void sign_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"scheme", "kernel", "perm", "shingles"});
  const int classic = static_cast<int>(MinHashScheme::kPermutations);
  const int oph = static_cast<int>(MinHashScheme::kOnePermutation);
  const int scalar = static_cast<int>(Kernel::kScalar);
  const int avx2 = static_cast<int>(Kernel::kAvx2);
  for (int shingles : {16, 256, 4096}) {
    b->Args({classic, scalar, 128, shingles});
    b->Args({classic, avx2, 128, shingles});
    b->Args({oph, scalar, 128, shingles});
  }
  for (int perm : {64, 256}) {
    b->Args({classic, scalar, perm, 256});
    b->Args({classic, avx2, perm, 256});
    b->Args({oph, scalar, perm, 256});
  }
}
BENCHMARK(BM_MinHash_Sign)->Apply(sign_args);

void BM_MinHash_Estimate(benchmark::State& state) {
  const auto bits = static_cast<unsigned>(state.range(0));
  const auto perm = static_cast<uint32_t>(state.range(1));
  const neardup::MinHasher hasher({.num_perm = perm, .seed = 1});
  auto doc_a = random_values(1000, 1);
  auto doc_b = doc_a;
  for (std::size_t i = 0; i < 200; ++i) doc_b[i] ^= 1;  // Jaccard ~ 0.67
  std::vector<uint64_t> a(perm), b(perm);
  hasher.sign(doc_a, a);
  hasher.sign(doc_b, b);
  std::vector<uint32_t> a32(perm), b32(perm);
  neardup::to_signature32(a, a32);
  neardup::to_signature32(b, b32);
  std::vector<uint64_t> pa, pb;
  if (bits < 32) {
    pa.resize(neardup::packed_bbits_words(perm, bits));
    pb.resize(pa.size());
    if (!neardup::pack_bbits(a, bits, pa).ok() || !neardup::pack_bbits(b, bits, pb).ok()) {
      state.SkipWithError("pack_bbits failed");
      return;
    }
  }
  for (auto _ : state) {
    double e = 0;
    if (bits == 64) {
      e = neardup::estimate_jaccard(a, b);
    } else if (bits == 32) {
      e = neardup::estimate_jaccard(std::span<const uint32_t>(a32), std::span<const uint32_t>(b32));
    } else {
      e = neardup::estimate_jaccard_bbits(pa, pb, perm, bits);
    }
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));  // pairs/s
}
BENCHMARK(BM_MinHash_Estimate)
    ->ArgNames({"bits", "perm"})
    ->Args({64, 128})
    ->Args({32, 128})
    ->Args({8, 128})
    ->Args({1, 128})
    ->Args({64, 256});

// ---- LSH -------------------------------------------------------------------------------------

constexpr std::size_t kLshDocs = 1'000'000;

std::vector<uint64_t> random_keys(std::size_t n, uint64_t seed) { return random_values(n, seed); }

void BM_Lsh_BandKeys(benchmark::State& state) {
  const neardup::LshParams p{static_cast<uint32_t>(state.range(0)),
                             static_cast<uint32_t>(state.range(1)), 1};
  const neardup::LshIndex index(p);
  const auto sig = random_values(p.num_perm_used(), 3);
  std::vector<uint64_t> keys(p.bands);
  for (auto _ : state) {
    index.band_keys(sig, keys);
    benchmark::DoNotOptimize(keys.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Lsh_BandKeys)->ArgNames({"bands", "rows"})->Args({14, 7})->Args({9, 13});

void BM_Lsh_Insert(benchmark::State& state) {
  const neardup::LshParams p{static_cast<uint32_t>(state.range(0)),
                             static_cast<uint32_t>(state.range(1)), 1};
  const auto keys = random_keys(kLshDocs * p.bands, 5);
  for (auto _ : state) {
    neardup::LshIndex index(p);
    for (uint32_t d = 0; d < kLshDocs; ++d) {
      index.add_keys(d, std::span<const uint64_t>(keys.data() + std::size_t{d} * p.bands, p.bands));
    }
    benchmark::DoNotOptimize(index.size());
    state.counters["bytes/doc"] =
        static_cast<double>(index.memory_bytes()) / static_cast<double>(kLshDocs);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(kLshDocs));
}
BENCHMARK(BM_Lsh_Insert)
    ->ArgNames({"bands", "rows"})
    ->Args({14, 7})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

void BM_Lsh_Query(benchmark::State& state) {
  const neardup::LshParams p{static_cast<uint32_t>(state.range(0)),
                             static_cast<uint32_t>(state.range(1)), 1};
  const auto keys = random_keys(kLshDocs * p.bands, 5);
  neardup::LshIndex index(p);
  for (uint32_t d = 0; d < kLshDocs; ++d) {
    index.add_keys(d, std::span<const uint64_t>(keys.data() + std::size_t{d} * p.bands, p.bands));
  }
  // Queries: even ones share one band with an indexed document, odd ones match nothing.
  constexpr std::size_t kQueries = 4096;
  auto queries = random_keys(kQueries * p.bands, 9);
  for (std::size_t q = 0; q < kQueries; q += 2) {
    const std::size_t d = (q * 7919) % kLshDocs;
    queries[q * p.bands + q % p.bands] = keys[d * p.bands + q % p.bands];
  }
  std::vector<uint32_t> out;
  std::size_t q = 0, found = 0;
  for (auto _ : state) {
    index.query_keys(std::span<const uint64_t>(queries.data() + q * p.bands, p.bands), out);
    found += out.size();
    q = (q + 1) % kQueries;
  }
  benchmark::DoNotOptimize(found);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_Lsh_Query)->ArgNames({"bands", "rows"})->Args({14, 7});

// ---- verification ----------------------------------------------------------------------------

void BM_Verify_Jaccard(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto a = random_values(n, 11);
  auto b = a;
  for (std::size_t i = 0; i < n / 10; ++i) b[i * 10] ^= 0x5555;  // J ~ 0.82
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  for (auto _ : state) {
    double j = neardup::jaccard_sorted(a, b);
    benchmark::DoNotOptimize(j);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(2 * n * sizeof(uint64_t)));
}
BENCHMARK(BM_Verify_Jaccard)->ArgNames({"shingles"})->Arg(100)->Arg(1000)->Arg(10000);

// ---- end to end on Gutenberg -----------------------------------------------------------------

void BM_EndToEnd_Gutenberg(benchmark::State& state) {
  const int stage = static_cast<int>(state.range(0));
  const auto path = neardup::fixtures::gutenberg_path();
  if (!std::filesystem::exists(path)) {
    state.SkipWithError("shared datasets not available");
    return;
  }
  neardup::NearDupOptions options;
  options.similarity.pipeline.shingle.seed = 1;  // as the CLI (--seed 1)
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto reader = neardup::DocumentReader::open(path.string(), neardup::ReaderOptions{});
    if (!reader.ok()) {
      state.SkipWithError("cannot open gutenberg");
      return;
    }
    auto clusterer = neardup::NearDupClusterer::create(options);
    neardup::ShingleHasher shingler(options.similarity.pipeline);
    neardup::NearDupClusterer::Scratch scratch;
    neardup::PreparedDoc prepared;
    neardup::Document doc;
    uint64_t sink = 0;
    while (true) {
      auto more = (*reader)->next(doc);
      if (!more.ok() || !*more) break;
      bytes += doc.text.size();
      if (stage == 0) {
        sink += shingler.hash(doc.text).size();
      } else {
        clusterer->prepare(doc.text, prepared, scratch);
        sink += prepared.signature[0];
        if (stage == 2) clusterer->add(prepared);
      }
    }
    if (stage == 2) sink += clusterer->finish().size();
    benchmark::DoNotOptimize(sink);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_EndToEnd_Gutenberg)
    ->ArgNames({"stage"})
    ->Arg(0)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kSecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
