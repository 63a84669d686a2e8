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
}  // namespace a4j

// Hot loops that auto-vectorise get an AVX-512 clone picked by the loader (ifunc) on CPUs that have it.
#define A4J_CLONES __attribute__((target_clones("arch=x86-64-v4", "default")))

#endif
