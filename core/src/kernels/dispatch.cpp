// Run-time choice of the MinHash kernel: once, at first use, from the CPU's features and the
// NEARDUP_FORCE_KERNEL environment variable ("scalar" or "avx2"; other values are ignored, and
// "avx2" on a CPU without AVX2 falls back to scalar rather than crashing).
#include <cstdlib>
#include <string_view>

#include "kernels/minhash_kernels.h"
#include "kernels/simhash_kernels.h"
#include "neardup/minhash.h"

namespace neardup {
namespace {

bool cpu_has_avx2() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  // libgcc / compiler-rt also check that the OS saves the YMM state (XGETBV) before reporting it.
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
#else
  return false;
#endif
}

MinHashKernel resolve_auto() noexcept {
  const bool avx2 = cpu_has_avx2();
  if (const char* env = std::getenv("NEARDUP_FORCE_KERNEL")) {
    const std::string_view v(env);
    if (v == "scalar") return MinHashKernel::kScalar;
    if (v == "avx2") return avx2 ? MinHashKernel::kAvx2 : MinHashKernel::kScalar;
  }
  return avx2 ? MinHashKernel::kAvx2 : MinHashKernel::kScalar;
}

}  // namespace

MinHashKernel minhash_active_kernel() noexcept {
  static const MinHashKernel kernel = resolve_auto();  // thread-safe one-time initialization
  return kernel;
}

bool minhash_kernel_supported(MinHashKernel kernel) noexcept {
  switch (kernel) {
    case MinHashKernel::kAuto:
    case MinHashKernel::kScalar:
      return true;
    case MinHashKernel::kAvx2: {
      static const bool avx2 = cpu_has_avx2();
      return avx2;
    }
  }
  return false;
}

std::string_view minhash_kernel_name(MinHashKernel kernel) noexcept {
  switch (kernel) {
    case MinHashKernel::kAuto:
      return "auto";
    case MinHashKernel::kScalar:
      return "scalar";
    case MinHashKernel::kAvx2:
      return "avx2";
  }
  return "unknown";
}

namespace detail {

MinHashPermKernelFn minhash_perm_kernel(MinHashKernel kernel) noexcept {
  if (kernel == MinHashKernel::kAuto) kernel = minhash_active_kernel();
  if (kernel == MinHashKernel::kAvx2 && minhash_kernel_supported(MinHashKernel::kAvx2)) {
    return &minhash_perm_avx2;
  }
  return &minhash_perm_scalar;
}

}  // namespace detail

// SimHash: the same policy (CPU features, then NEARDUP_FORCE_KERNEL), resolved once.
SimHashKernel simhash_active_kernel() noexcept {
  static const SimHashKernel kernel = minhash_active_kernel() == MinHashKernel::kAvx2
                                          ? SimHashKernel::kAvx2
                                          : SimHashKernel::kScalar;
  return kernel;
}

bool simhash_kernel_supported(SimHashKernel kernel) noexcept {
  return kernel != SimHashKernel::kAvx2 || minhash_kernel_supported(MinHashKernel::kAvx2);
}

std::string_view simhash_kernel_name(SimHashKernel kernel) noexcept {
  switch (kernel) {
    case SimHashKernel::kAuto:
      return "auto";
    case SimHashKernel::kScalar:
      return "scalar";
    case SimHashKernel::kAvx2:
      return "avx2";
  }
  return "unknown";
}

namespace detail {

SimHashAccFn simhash_acc_kernel(SimHashKernel kernel) noexcept {
  if (kernel == SimHashKernel::kAuto) kernel = simhash_active_kernel();
  if (kernel == SimHashKernel::kAvx2 && simhash_kernel_supported(SimHashKernel::kAvx2)) {
    return &simhash_acc_avx2;
  }
  return &simhash_acc_scalar;
}

}  // namespace detail
}  // namespace neardup
