# libalbert4j_cpu.so: every cpu/*.cpp file is one op family (gemm.cpp, layer_norm.cpp, ...).
# Baseline is AVX2+FMA (the jar must run on any x86-64 with AVX2); hot loops carry AVX-512 clones
# chosen at run time (see cpu/isa.h), so one build serves both.
set(CMAKE_CXX_STANDARD 17)
set(CMAKE_CXX_STANDARD_REQUIRED ON)
if(NOT CMAKE_BUILD_TYPE)
  set(CMAKE_BUILD_TYPE Release)
endif()
find_package(OpenMP REQUIRED COMPONENTS CXX)
file(GLOB A4J_CPU_SOURCES CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/cpu/*.cpp)
add_library(albert4j_cpu SHARED ${A4J_CPU_SOURCES})
target_include_directories(albert4j_cpu PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/cmake/include ${CMAKE_CURRENT_SOURCE_DIR}/cpu)
# -fno-trapping-math: nothing here traps on floating-point exceptions, and with traps assumed GCC keeps every loop
# with a float compare-and-select (a4j_exp's clamps, the GELUs) scalar in its AVX2 code, where it has no masked
# AVX-512 form to fall back on. It changes no result (no reassociation, no contraction): a 300-step AVX2 demo run
# prints the same losses and metrics to the digit. Measured with the AVX2-only build (-DALBERT4J_AVX2_ONLY=ON,
# ALBERT4J_ISA=avx2: as on a Zen 3) on an Intel Xeon, alternating runs: the demo model's step 28.4 / 28.6 / 27.7 ->
# 24.7 / 23.2 / 23.1 ms, ALBERT-base b8 x s128 training 2,750 / 2,796 -> 2,700 / 2,677 ms.
target_compile_options(albert4j_cpu PRIVATE -O3 -mavx2 -mfma -mf16c -fno-math-errno -fno-trapping-math
  -fvisibility=hidden -Wall -Wextra -Werror=return-type -Wno-unused-parameter)
target_link_libraries(albert4j_cpu PRIVATE OpenMP::OpenMP_CXX)
# Static libstdc++/libgomp would clash with a JVM that loads another copy; link them dynamically
# but refuse undefined symbols so a missing kernel fails the build, not the first downcall.
target_link_options(albert4j_cpu PRIVATE -Wl,--no-undefined)
install(TARGETS albert4j_cpu LIBRARY DESTINATION .)
# -DALBERT4J_AVX2_ONLY=ON: the loops that carry an AVX-512 clone (A4J_CLONES) get only their AVX2 code, for the
# kernels-avx2 test run (java/pom.xml) and for timing an AVX2-only CPU on an AVX-512 one (with ALBERT4J_ISA=avx2).
option(ALBERT4J_AVX2_ONLY "build libalbert4j_cpu.so without the AVX-512 clones of vectorised loops" OFF)
if(ALBERT4J_AVX2_ONLY)
  target_compile_definitions(albert4j_cpu PRIVATE A4J_NO_CLONES)
endif()
# -DALBERT4J_SANITIZE=ON: the same library with AddressSanitizer and UndefinedBehaviorSanitizer, for the
# kernels-sanitized test run (cmake/sanitizer/bin/java preloads the runtime into the JVM). Every finding aborts
# the process (no recovery), so a report fails the tests that ran into it instead of scrolling past.
option(ALBERT4J_SANITIZE "build libalbert4j_cpu.so with ASan + UBSan" OFF)
if(ALBERT4J_SANITIZE)
  target_compile_options(albert4j_cpu PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all
    -fno-omit-frame-pointer -g)
  target_link_options(albert4j_cpu PRIVATE -fsanitize=address,undefined)
endif()
