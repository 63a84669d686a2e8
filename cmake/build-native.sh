#!/usr/bin/env bash
# Called by Maven (java/pom.xml, phase generate-resources): configure + build the native libraries
# with CMake and copy them to the jar's resource directory. Incremental: the build dir is reused.
#   build-native.sh BUILD_DIR OUT_DIR
set -euo pipefail
build_dir=$1
out_dir=$2
src_dir=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v cmake >/dev/null 2>&1; then
  echo "albert4j: CMake (>= 3.20) is needed to build the native kernels and was not found on PATH." >&2
  echo "          Install it, e.g. 'apt-get install cmake' on Debian/Ubuntu." >&2
  exit 1
fi
if ! command -v "${CXX:-g++}" >/dev/null 2>&1 && ! command -v c++ >/dev/null 2>&1; then
  echo "albert4j: a C++17 compiler (g++ >= 9 or clang++) is needed and none was found." >&2
  echo "          Install it, e.g. 'apt-get install g++' on Debian/Ubuntu." >&2
  exit 1
fi
cuda_flag=()
if [ -n "${ALBERT4J_CUDA:-}" ]; then cuda_flag=(-DALBERT4J_CUDA="$ALBERT4J_CUDA"); fi
if [ -n "${CUDA_ARCHITECTURES:-}" ]; then cuda_flag+=(-DCMAKE_CUDA_ARCHITECTURES="$CUDA_ARCHITECTURES"); fi
# ALBERT4J_SANITIZE=ON: the ASan + UBSan build of the CPU kernels (java/pom.xml's kernels-sanitized run).
if [ -n "${ALBERT4J_SANITIZE:-}" ]; then cuda_flag+=(-DALBERT4J_SANITIZE="$ALBERT4J_SANITIZE"); fi
# ALBERT4J_AVX2_ONLY=ON: no AVX-512 clones of the vectorised loops (java/pom.xml's kernels-avx2 run).
if [ -n "${ALBERT4J_AVX2_ONLY:-}" ]; then cuda_flag+=(-DALBERT4J_AVX2_ONLY="$ALBERT4J_AVX2_ONLY"); fi
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S "$src_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "${cuda_flag[@]}" >/dev/null
elif [ ${#cuda_flag[@]} -gt 0 ]; then
  cmake "$build_dir" "${cuda_flag[@]}" >/dev/null
fi
cmake --build "$build_dir" -j "$(nproc)" -- --no-print-directory >/dev/null || {
  echo "albert4j: native build failed; rerun 'cmake --build $build_dir' to see the compiler output" >&2
  cmake --build "$build_dir" -j 1 2>&1 | tail -40 >&2
  exit 1
}
mkdir -p "$out_dir"
for lib in libalbert4j_cpu.so libalbert4j_cuda.so; do
  if [ -f "$build_dir/$lib" ]; then cp -p "$build_dir/$lib" "$out_dir/$lib"; fi
done
