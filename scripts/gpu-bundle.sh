#!/usr/bin/env bash
# Prepares dist/gpu-bundle/ (and dist/gpu-bundle.tar.xz) for a GPU machine that has no Java and no network:
#   runtime/       a jlinked JDK 25 with the modules the jars need
#   lib/           albert4j jar + runtime dependencies, the test jar, JUnit's console launcher
#   src/           the CUDA sources and CMake files, to build libalbert4j_cuda.so there with its own nvcc
#   gpu-verify.sh  the script to run on the GPU machine (see scripts/gpu-verify.sh)
# Run after `mvn -B package -DskipTests` (the jars must exist). Needs network once to fetch the console launcher
# into the local Maven repository (or an already populated ~/.m2).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/dist/gpu-bundle}
java_home=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
version=0.1.0
junit_platform=$(sed -n 's:.*<junit.version>5\.\([0-9.]*\)</junit.version>.*:1.\1:p' "$root/pom.xml")

jar=$root/java/target/albert4j-$version.jar
tests_jar=$root/java/target/albert4j-$version-tests.jar
for f in "$jar" "$tests_jar" "$root/jcuda/target/albert4j-jcuda-$version.jar"; do
  [ -f "$f" ] || { echo "gpu-bundle: $f is missing; run 'mvn -B package -DskipTests' first" >&2; exit 1; }
done

rm -rf "$out"
mkdir -p "$out/lib" "$out/src"
cp "$jar" "$tests_jar" "$out/lib/"
cp "$root"/java/target/lib/*.jar "$out/lib/"
# albert4j-jcuda, its tests (JCublasGemmGpuTest) and JCuda 12.6's jars (~10 MB, most of it JCuda's natives).
cp "$root"/jcuda/target/albert4j-jcuda-$version.jar "$root"/jcuda/target/albert4j-jcuda-$version-tests.jar \
  "$root"/jcuda/target/lib/*.jar "$out/lib/"
# The JMH jar stays behind: its benchmarks are CPU kernels against OpenBLAS (85 MB of natives), and the device
# tool carries at most 64 MiB. The GPU benchmark is `albert bench --device cuda` against benchmarks/hf_peer.py.
# JUnit's console launcher; the standalone jar carries the Jupiter API, params and engine the test jar needs.
mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$junit_platform" \
  -DoutputDirectory="$out/lib" -f "$root/pom.xml" -N

# Modules the jars need: java.desktop (xchart), java.sql (Jackson's optional date types), java.xml,
# java.management/jdk.management (JMH, JUnit), jdk.unsupported (JMH), jdk.zipfs, java.naming (JUnit reports).
# jdeps cannot resolve this class path as modules (progressbar's module needs jline), so the list is explicit.
modules=java.base,java.logging,java.desktop,java.sql,java.xml,java.management,jdk.management,jdk.unsupported,jdk.zipfs,java.naming
"$java_home/bin/jlink" --add-modules "$modules" --strip-debug --no-header-files --no-man-pages \
  --compress=zip-9 --output "$out/runtime"

# Sources for the on-machine CUDA build (CMake builds the CPU library too; ALBERT4J_CUDA stays ON).
cp -r "$root/CMakeLists.txt" "$root/cmake" "$root/cpu" "$root/cuda" "$out/src/"
cp "$root/scripts/gpu-verify.sh" "$out/"
cp "$root/benchmarks/hf_peer.py" "$root/benchmarks/ncu_summary.py" "$out/"
chmod +x "$out/gpu-verify.sh"
echo "modules: $modules" > "$out/MODULES"
tar -C "$(dirname "$out")" -cf - "$(basename "$out")" | xz -9 -T0 > "$out.tar.xz"
du -sh "$out" "$out/runtime" "$out.tar.xz"
