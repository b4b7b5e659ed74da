// MinHash benchmarks.
//
//   BM_MinHash_Sign/scheme:S/kernel:K/perm:P/shingles:N
//     scheme 0 = kPermutations (classic), 1 = kOnePermutation (default)
//     kernel 1 = scalar, 2 = avx2 (the one-permutation scheme has a single scalar path)
//   items/s = shingles/s; bytes/s = shingle bytes (8 per shingle); docs/s as a counter.
//   BM_MinHash_Estimate/bits:B/perm:P: estimate_jaccard on 64-bit (B=64), 32-bit (B=32)
//     signatures, or b-bit packed ones (B in 1, 8).
//
// Inputs come from a fixed seed and are built outside the timed loop.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "neardup/minhash.h"

namespace {

using neardup::MinHashKernel;
using neardup::MinHashScheme;

std::vector<uint64_t> random_values(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint64_t> v(n);
  for (auto& x : v) x = rng();
  return v;
}

void BM_MinHash_Sign(benchmark::State& state) {
  const auto scheme = static_cast<MinHashScheme>(state.range(0));
  const auto kernel = static_cast<MinHashKernel>(state.range(1));
  const auto perm = static_cast<uint32_t>(state.range(2));
  const auto shingles = static_cast<std::size_t>(state.range(3));
  if (!neardup::minhash_kernel_supported(kernel)) {
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
  state.SetLabel(std::string(neardup::minhash_kernel_name(
      scheme == MinHashScheme::kOnePermutation ? MinHashKernel::kScalar : kernel)));
}

void sign_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"scheme", "kernel", "perm", "shingles"});
  const int classic = static_cast<int>(MinHashScheme::kPermutations);
  const int oph = static_cast<int>(MinHashScheme::kOnePermutation);
  const int scalar = static_cast<int>(MinHashKernel::kScalar);
  const int avx2 = static_cast<int>(MinHashKernel::kAvx2);
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

}  // namespace

BENCHMARK_MAIN();
