// Library-wide state: version, thread count (OpenMP), which ISA the kernels dispatch to, and the
// thread-local error message behind A4J_ERR_* codes.
#include "albert4j.h"
#include "cpu_common.h"

#include <omp.h>

namespace a4j {
thread_local std::string last_error_message;

int set_error(int status, const std::string& message) {
  last_error_message = message;
  return status;
}

bool has_avx512() {
  static const bool supported = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                                __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq");
  return supported;
}
}  // namespace a4j

extern "C" {
A4J_API int a4j_version(void) { return 1; }

A4J_API int a4j_set_num_threads(int threads) {
  omp_set_num_threads(threads <= 0 ? omp_get_num_procs() : threads);
  return A4J_OK;
}

A4J_API int a4j_get_num_threads(void) { return omp_get_max_threads(); }

A4J_API int a4j_cpu_isa(void) { return a4j::has_avx512() ? 2 : 1; }

A4J_API const char* a4j_last_error(void) { return a4j::last_error_message.c_str(); }
}
