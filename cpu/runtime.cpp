// Library-wide state: version, thread count, which ISA the kernels dispatch to, and the thread-local error
// message behind A4J_ERR_* codes.
#include "albert4j.h"
#include "cpu_common.h"

#include <omp.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

#include <sys/syscall.h>
#include <unistd.h>

namespace a4j {
namespace {
// OMP_NUM_THREADS when the user set it, otherwise every core this process may run on.
int default_threads() { return std::getenv("OMP_NUM_THREADS") != nullptr ? omp_get_max_threads() : omp_get_num_procs(); }

// The team size of every parallel region. Process-wide on purpose: omp_set_num_threads() only changes the
// calling thread's ICV, and the JVM calls kernels from many threads (test runners, data loader, JMH forks).
std::atomic<int> thread_count{0};
}  // namespace

int num_threads() {
  int threads = thread_count.load(std::memory_order_relaxed);
  if (threads > 0) return threads;
  // First use: settle on the default once, unless a concurrent a4j_set_num_threads got there first.
  const int fallback = default_threads();
  int expected = 0;
  thread_count.compare_exchange_strong(expected, fallback > 0 ? fallback : 1, std::memory_order_relaxed);
  return thread_count.load(std::memory_order_relaxed);
}

thread_local std::string last_error_message;

int set_error(int status, const std::string& message) {
  last_error_message = message;
  return status;
}

// ALBERT4J_ISA=avx2 makes the hand-written kernels (GEMM, attention) take their AVX2 path on an AVX-512 CPU, so
// both paths are tested and benchmarked on one machine; ALBERT4J_ISA=avx512 keeps AMX out of the bf16 GEMMs. (The
// auto-vectorised loops built with A4J_CLONES are chosen by the loader from the CPU alone.)
bool has_avx512() {
  static const bool supported = [] {
    const char* forced = std::getenv("ALBERT4J_ISA");
    if (forced != nullptr && std::strcmp(forced, "avx2") == 0) return false;
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  }();
  return supported;
}

bool has_avx512_bf16() {
  static const bool supported = has_avx512() && __builtin_cpu_supports("avx512bf16");
  return supported;
}

// Linux hands out AMX's 8 KiB of tile state only to a process that asks (arch_prctl ARCH_REQ_XCOMP_PERM for
// XTILEDATA, kernel 5.16+); a refusal (older kernel, a hypervisor that hides the state) leaves the AVX512_BF16 path.
bool has_amx_bf16() {
  static const bool supported = [] {
    const char* forced = std::getenv("ALBERT4J_ISA");
    if (forced != nullptr && std::strcmp(forced, "avx512") == 0) return false;
    if (!has_avx512_bf16() || !__builtin_cpu_supports("amx-tile") || !__builtin_cpu_supports("amx-bf16")) return false;
    constexpr long kArchReqXcompPerm = 0x1023;
    constexpr long kXfeatureXtiledata = 18;
    return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
  }();
  return supported;
}
}  // namespace a4j

extern "C" {
A4J_API int a4j_version(void) { return 1; }

A4J_API int a4j_set_num_threads(int threads) {
  const int fallback = a4j::default_threads();
  a4j::thread_count.store(threads > 0 ? threads : (fallback > 0 ? fallback : 1), std::memory_order_relaxed);
  return A4J_OK;
}

A4J_API int a4j_get_num_threads(void) { return a4j::num_threads(); }

A4J_API int a4j_cpu_isa(void) { return a4j::has_avx512() ? (a4j::has_amx_bf16() ? 3 : 2) : 1; }

#ifdef A4J_NO_CLONES
A4J_API int a4j_avx512_clones(void) { return 0; }
#else
A4J_API int a4j_avx512_clones(void) { return 1; }
#endif

A4J_API const char* a4j_last_error(void) { return a4j::last_error_message.c_str(); }
}
