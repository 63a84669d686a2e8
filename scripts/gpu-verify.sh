#!/usr/bin/env bash
# Runs on the GPU machine from inside the unpacked bundle (scripts/gpu-bundle.sh made it):
#   1. builds libalbert4j_cuda.so (and the CPU library) with the local nvcc for sm_90 (CUDA_ARCHITECTURES overrides);
#   2. runs the JUnit tests tagged `cuda` (every kernel and a training step against the CPU backend);
#   3. runs one training step under compute-sanitizer (memcheck) when it is installed;
#   4. runs the GPU benchmark (`albert bench --device cuda`, the JMH jar when present, the HF peer when torch and
#      transformers are importable);
# and writes everything to $OUT/gpu-verify/ (or ./results/) with a summary line per stage.
# `gpu-verify.sh --cpu-only` runs just the CPU test suite with the bundled (jlinked) runtime: the check that the
# bundle itself works, possible on any x86-64 Linux machine.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
results=${OUT:-$here/results}/gpu-verify
mkdir -p "$results"
summary=$results/summary.txt
: > "$summary"
java=$here/runtime/bin/java
arch=${CUDA_ARCHITECTURES:-90}
build=$here/build

stage() {  # stage NAME COMMAND...: runs, logs to NAME.log, records pass/fail
  local name=$1; shift
  local start=$SECONDS
  if "$@" > "$results/$name.log" 2>&1; then
    echo "PASS $name ($((SECONDS - start)) s)" | tee -a "$summary"
  else
    echo "FAIL $name ($((SECONDS - start)) s, exit $?; see $name.log)" | tee -a "$summary"
  fi
}

cp=$(ls "$here"/lib/*.jar | grep -v benchmarks.jar | grep -v console-standalone | tr '\n' ':')
launcher=$(ls "$here"/lib/junit-platform-console-standalone-*.jar | head -1)
cpu_tests() {
  "$java" --enable-native-access=ALL-UNNAMED -jar "$launcher" execute --class-path "$cp" \
    --select-package io.albert4j --exclude-tag cuda --details=summary --reports-dir "$results/junit-cpu"
}
if [ "${1:-}" = "--cpu-only" ]; then
  stage cpu-tests cpu_tests
  echo "results in $results"
  grep -q '^FAIL' "$summary" && exit 1 || exit 0
fi

nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
stage build bash -c "cmake -S '$here/src' -B '$build' -DCMAKE_BUILD_TYPE=Release -DALBERT4J_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=$arch && cmake --build '$build' -j \$(nproc)"
export ALBERT4J_NATIVE_DIR=$build
stage cpu-tests cpu_tests

stage cuda-tests "$java" --enable-native-access=ALL-UNNAMED -Dalbert4j.sourceRoot="$here/src" -jar "$launcher" \
  execute --class-path "$cp" --select-package io.albert4j --include-tag cuda --details=tree \
  --reports-dir "$results/junit"
stage symbol-test "$java" --enable-native-access=ALL-UNNAMED -Dalbert4j.sourceRoot="$here/src" -jar "$launcher" \
  execute --class-path "$cp" --select-class io.albert4j.backend.cuda.CudaLibrarySymbolsTest \
  --select-class io.albert4j.backend.cuda.CudaBackendAvailabilityTest --details=tree
if command -v compute-sanitizer > /dev/null 2>&1; then
  stage sanitizer compute-sanitizer --tool memcheck --error-exitcode 9 --target-processes all \
    "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.backend.cuda.CudaTrainingStepMain
else
  echo "SKIP sanitizer (compute-sanitizer not on PATH)" | tee -a "$summary"
fi
for run in "base 128 32" "base 512 8" "large 128 32" "large 512 8"; do
  set -- $run
  stage "albert-bench-$1-$2" "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.cli.AlbertCli bench \
    --device cuda --config "$1" --seq "$2" --batch "$3" --steps 10 --warmup 3
done
grep -h '^bench ' "$results"/albert-bench-*.log > "$results/albert-bench.txt" 2>/dev/null || true
if [ -f "$here/lib/benchmarks.jar" ]; then
  stage jmh "$java" --enable-native-access=ALL-UNNAMED -Dalbert4j.device=cuda -jar "$here/lib/benchmarks.jar" \
    -f 1 -wi 2 -i 3 -rf json -rff "$results/jmh.json"
fi
if python3 -c 'import torch, transformers' > /dev/null 2>&1; then
  stage hf-peer-base-128 python3 "$here/hf_peer.py" --size base --seq 128 --save "$results/hf-base-128"
  for run in "base 512" "large 128" "large 512"; do
    set -- $run
    stage "hf-peer-$1-$2" python3 "$here/hf_peer.py" --size "$1" --seq "$2"
  done
else
  echo "SKIP hf-peer (torch/transformers not importable)" | tee -a "$summary"
fi
echo "results in $results"
grep -q '^FAIL' "$summary" && exit 1 || exit 0
