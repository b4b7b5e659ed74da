// Kernel: which implementation of a hot loop runs (the one instruction-set switch for every
// SIMD kernel in the library: MinHash's classic scheme and SimHash's accumulation).
//
// Every fast kernel has a plain C++ scalar reference that gives bit-identical results; parity
// tests compare them. kAuto is resolved once per process, at first use, from the CPU's features
// and the NEARDUP_FORCE_KERNEL environment variable ("scalar" or "avx2"; other values are
// ignored, and "avx2" on a CPU without AVX2 falls back to scalar rather than crashing).
//
//   neardup::Kernel k = neardup::active_kernel();          // kScalar or kAvx2
//   hasher.sign_with(neardup::Kernel::kScalar, shingles, sig);  // tests and benchmarks
//
// Thread safety: every function here may be called from any thread.
// Cost: active_kernel() and kernel_supported() are a load after the first call.
#pragma once

#include <cstdint>
#include <string_view>

namespace neardup {

enum class Kernel : uint8_t {
  kAuto = 0,    // chosen once at first use (CPU features, NEARDUP_FORCE_KERNEL)
  kScalar = 1,  // plain C++ reference
  kAvx2 = 2,    // 256-bit lanes; needs a CPU with AVX2
};

// What kAuto resolves to in this process (never kAuto).
Kernel active_kernel() noexcept;
// Whether this CPU can run `kernel` (kAuto and kScalar: always).
bool kernel_supported(Kernel kernel) noexcept;
// "auto", "scalar" or "avx2".
std::string_view kernel_name(Kernel kernel) noexcept;

}  // namespace neardup
