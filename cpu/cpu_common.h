// Helpers shared by the CPU kernels: error reporting and ISA dispatch.
#ifndef A4J_CPU_COMMON_H
#define A4J_CPU_COMMON_H

#include <string>

#include "albert4j.h"

namespace a4j {
// Stores `message` for a4j_last_error() and returns `status`.
int set_error(int status, const std::string& message);
// True when the CPU runs AVX-512 F/BW/VL/DQ: kernels with an AVX-512 variant pick it then.
bool has_avx512();
// True when the AVX-512 kernels are in use and the CPU has AVX512_BF16 (vdpbf16ps): the opt-in bf16 GEMM needs it.
bool has_avx512_bf16();
// AMX tiles with bf16 products (Intel Xeon since Sapphire Rapids), the OS's permission to use them granted to this
// process, and not turned off by ALBERT4J_ISA (avx512: AVX-512 without AMX; avx2). The opt-in bf16 GEMMs use it.
bool has_amx_bf16();
// Team size for every OpenMP region of the library: set process-wide by a4j_set_num_threads (an atomic, so any
// JVM thread sees it), defaulting to OMP_NUM_THREADS if set, else the cores available to the process. Use it as
// `#pragma omp parallel num_threads(a4j::num_threads())`, never omp_get_max_threads(), which is per thread.
int num_threads();
}  // namespace a4j

// Hot loops that auto-vectorise get an AVX-512 clone picked by the loader (ifunc) on CPUs that have it.
// ALBERT4J_ISA cannot reach that choice, so the build with A4J_NO_CLONES (cmake -DALBERT4J_AVX2_ONLY=ON) leaves the
// clones out: with ALBERT4J_ISA=avx2 it runs everything as an AVX2-only CPU (Zen 3) would, and the AVX2 test fork
// uses it so that an AVX-512 machine checks these loops' AVX2 code too.
#ifdef A4J_NO_CLONES
#define A4J_CLONES
#else
#define A4J_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))
#endif

#endif
