// Run-time choice of every SIMD kernel (MinHash, SimHash; see neardup/advanced/kernel.h): once,
// at first use, from the CPU's features and the NEARDUP_FORCE_KERNEL environment variable
// ("scalar" or "avx2"; other values are ignored, and "avx2" on a CPU without AVX2 falls back to
// scalar rather than crashing).
#include <cstdlib>
#include <string_view>

#include "kernels/minhash_kernels.h"
#include "kernels/simhash_kernels.h"
#include "neardup/advanced/kernel.h"

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

Kernel resolve_auto() noexcept {
  const bool avx2 = cpu_has_avx2();
  if (const char* env = std::getenv("NEARDUP_FORCE_KERNEL")) {
    const std::string_view v(env);
    if (v == "scalar") return Kernel::kScalar;
    if (v == "avx2") return avx2 ? Kernel::kAvx2 : Kernel::kScalar;
  }
  return avx2 ? Kernel::kAvx2 : Kernel::kScalar;
}

}  // namespace

Kernel active_kernel() noexcept {
  static const Kernel kernel = resolve_auto();  // thread-safe one-time initialization
  return kernel;
}

bool kernel_supported(Kernel kernel) noexcept {
  switch (kernel) {
    case Kernel::kAuto:
    case Kernel::kScalar:
      return true;
    case Kernel::kAvx2: {
      static const bool avx2 = cpu_has_avx2();
      return avx2;
    }
  }
  return false;
}

std::string_view kernel_name(Kernel kernel) noexcept {
  switch (kernel) {
    case Kernel::kAuto:
      return "auto";
    case Kernel::kScalar:
      return "scalar";
    case Kernel::kAvx2:
      return "avx2";
  }
  return "unknown";
}

namespace detail {

MinHashPermKernelFn minhash_perm_kernel(Kernel kernel) noexcept {
  if (kernel == Kernel::kAuto) kernel = active_kernel();
  if (kernel == Kernel::kAvx2 && kernel_supported(Kernel::kAvx2)) {
    return &minhash_perm_avx2;
  }
  return &minhash_perm_scalar;
}

}  // namespace detail

namespace detail {

SimHashAccFn simhash_acc_kernel(Kernel kernel) noexcept {
  if (kernel == Kernel::kAuto) kernel = active_kernel();
  if (kernel == Kernel::kAvx2 && kernel_supported(Kernel::kAvx2)) {
    return &simhash_acc_avx2;
  }
  return &simhash_acc_scalar;
}

}  // namespace detail
}  // namespace neardup
