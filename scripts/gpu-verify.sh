#!/usr/bin/env bash
# Runs on the GPU machine from inside the unpacked bundle (scripts/gpu-bundle.sh made it):
#   1. builds libalbert4j_cuda.so (and the CPU library) with the local nvcc for sm_90 (CUDA_ARCHITECTURES overrides);
#   2. runs the JUnit tests tagged `cuda` (every kernel and a training step against the CPU backend);
#   3. runs `albert pretrain` for 30 steps on cuda and on the CPU from one seed: their held-out losses must agree;
#   4. runs one training step under compute-sanitizer (memcheck) when it is installed;
#   5. runs the GPU benchmark: `albert bench --device cuda` (fp32 and --tf32), an ncu kernel-time profile of one
#      ALBERT-base seq-512 step, and, when torch and transformers are importable, the HF peer
#      (benchmarks/hf_peer.py) on the same shapes, so each ratio comes from one machine and one run.
# Each stage has a time limit (STAGE_TIMEOUT seconds, default 240), since a lease is short. Logs go to ./results/;
# with $OUT set (the device tool), they are also packed into $OUT/gpu-verify.tar.gz next to summary.txt and the bench
# lines. `--with-cpu-tests` adds the CPU suite on the GPU machine.
# `gpu-verify.sh --quick` keeps to ALBERT-base (bench, profile and peer) and skips the sanitizer: for a second run
# after a kernel change, inside what is left of a lease.
# `gpu-verify.sh --cpu-only` runs just the CPU test suite with the bundled (jlinked) runtime: the check that the
# bundle itself works, possible on any x86-64 Linux machine.
set -uo pipefail
flag=${1:-}  # the loops below reuse $1..$3
here=$(cd "$(dirname "$0")" && pwd)
results=$here/results/gpu-verify
mkdir -p "$results"
summary=$results/summary.txt
: > "$summary"
java=$here/runtime/bin/java
arch=${CUDA_ARCHITECTURES:-90}
build=$here/build

stage() {  # stage NAME COMMAND...: runs, logs to NAME.log, records pass/fail
  local name=$1; shift
  local start=$SECONDS
  local run=("$@")
  # timeout runs programs, not shell functions: a function stage runs in a child bash that inherits it (export -f).
  declare -F "$1" > /dev/null && run=(bash -c "$*")
  if timeout "${STAGE_TIMEOUT:-240}" "${run[@]}" > "$results/$name.log" 2>&1; then
    echo "PASS $name ($((SECONDS - start)) s)" | tee -a "$summary"
  else
    echo "FAIL $name ($((SECONDS - start)) s, exit $?; see $name.log)" | tee -a "$summary"
  fi
}

cp=$(ls "$here"/lib/*.jar | grep -v benchmarks.jar | grep -v console-standalone | tr '\n' ':')
launcher=$(ls "$here"/lib/junit-platform-console-standalone-*.jar | head -1)
export here java cp launcher results
cpu_tests() {
  "$java" --enable-native-access=ALL-UNNAMED -jar "$launcher" execute --class-path "$cp" \
    --select-package io.albert4j --exclude-tag cuda --details=summary --reports-dir "$results/junit-cpu"
}
export -f cpu_tests
if [ "$flag" = "--cpu-only" ]; then
  stage cpu-tests cpu_tests
  echo "results in $results"
  grep -q '^FAIL' "$summary" && exit 1 || exit 0
fi

nvidia-smi > "$results/nvidia-smi.txt" 2>&1 || true
stage build bash -c "cmake -S '$here/src' -B '$build' -DCMAKE_BUILD_TYPE=Release -DALBERT4J_CUDA=ON -DCMAKE_CUDA_ARCHITECTURES=$arch && cmake --build '$build' -j \$(nproc)"
export ALBERT4J_NATIVE_DIR=$build
[ "$flag" = "--with-cpu-tests" ] && stage cpu-tests cpu_tests

stage cuda-tests "$java" --enable-native-access=ALL-UNNAMED -Dalbert4j.sourceRoot="$here/src" -jar "$launcher" \
  execute --class-path "$cp" --select-package io.albert4j --include-tag cuda --details=tree \
  --reports-dir "$results/junit"
stage symbol-test "$java" --enable-native-access=ALL-UNNAMED -Dalbert4j.sourceRoot="$here/src" -jar "$launcher" \
  execute --class-path "$cp" --select-class io.albert4j.backend.cuda.CudaLibrarySymbolsTest \
  --select-class io.albert4j.backend.cuda.CudaBackendAvailabilityTest --details=tree
# The training loop end to end on the GPU: `albert pretrain` on a generated corpus, 30 steps on cuda and on the CPU
# from the same seed; their held-out losses must agree (the MLM head at the masked positions, metrics, LAMB).
pretrain_cpu_vs_cuda() {
  local dir=$here/results/pretrain
  rm -rf "$dir" && mkdir -p "$dir"
  python3 - "$dir/corpus.txt" <<'PY'
import random, sys
random.seed(0)
subjects = ["the president", "congress", "the nation", "our people", "the army", "the treasury"]
verbs = ["must support", "will review", "has reduced", "should protect", "cannot ignore"]
objects = ["the public debt", "new schools", "the union", "foreign trade", "the courts", "our farmers"]
with open(sys.argv[1], "w") as f:
    for document in range(200):
        for sentence in range(8):
            f.write(f"{random.choice(subjects)} {random.choice(verbs)} {random.choice(objects)}.\n")
        f.write("\n")
PY
  for dev in cpu cuda; do
    local tok=()
    [ "$dev" = cuda ] && tok=(--tokenizer "$dir/cpu/spiece.model")
    "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.cli.AlbertCli pretrain --corpus "$dir/corpus.txt" \
      --eval-corpus "$dir/corpus.txt" "${tok[@]}" --vocab-size 60 --config demo --seq 32 --batch 8 --steps 30 \
      --eval-every 10 --eval-batches 2 --no-progress --device "$dev" --out "$dir/$dev" > "$dir/$dev.log" 2>&1 \
      || { cat "$dir/$dev.log"; return 1; }
    grep '^held-out:' "$dir/$dev.log" | sed "s/^/$dev /"
  done
  python3 - "$dir/cpu.log" "$dir/cuda.log" <<'PY'
import re, sys
loss = [float(re.search(r"^held-out: loss ([0-9.]+)", open(f).read(), re.M).group(1)) for f in sys.argv[1:]]
print(f"held-out loss cpu {loss[0]:.4f} cuda {loss[1]:.4f}")
sys.exit(0 if abs(loss[0] - loss[1]) <= 1e-2 * abs(loss[0]) else 1)
PY
}
export -f pretrain_cpu_vs_cuda
stage pretrain-cpu-vs-cuda pretrain_cpu_vs_cuda
if [ "$flag" = "--quick" ]; then
  echo "SKIP sanitizer (--quick)" | tee -a "$summary"
elif command -v compute-sanitizer > /dev/null 2>&1; then
  stage sanitizer compute-sanitizer --tool memcheck --error-exitcode 9 --target-processes all \
    "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.backend.cuda.CudaTrainingStepMain
else
  echo "SKIP sanitizer (compute-sanitizer not on PATH)" | tee -a "$summary"
fi
shapes=("base 128 32" "base 512 8" "large 128 32" "large 512 8")
[ "$flag" = "--quick" ] && shapes=("base 128 32" "base 512 8")
for run in "${shapes[@]}"; do
  set -- $run
  stage "albert-bench-$1-$2" "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.cli.AlbertCli bench \
    --device cuda --config "$1" --seq "$2" --batch "$3" --steps 10 --warmup 3
done
for run in "${shapes[@]}"; do
  set -- $run
  stage "albert-bench-$1-$2-tf32" "$java" --enable-native-access=ALL-UNNAMED -cp "$cp" io.albert4j.cli.AlbertCli bench \
    --device cuda --config "$1" --seq "$2" --batch "$3" --steps 10 --warmup 3 --mode train --tf32
done
grep -h '^bench ' "$results"/albert-bench-*.log > "$results/albert-bench.txt" 2>/dev/null || true
if command -v ncu > /dev/null 2>&1; then
  # Where one training step's GPU time goes, kernel by kernel (ALBERT-base, seq 512).
  stage profile-base-512 bash -c "ncu --target-processes all --csv --metrics gpu__time_duration.sum \
    '$java' --enable-native-access=ALL-UNNAMED -cp '$cp' io.albert4j.cli.AlbertCli bench --device cuda \
    --config base --seq 512 --batch 8 --steps 1 --warmup 0 --mode train > '$results/ncu-base-512.csv' \
    && python3 '$here/ncu_summary.py' '$results/ncu-base-512.csv'"
else
  echo "SKIP profile (ncu not on PATH)" | tee -a "$summary"
fi
if python3 -c 'import torch, transformers' > /dev/null 2>&1; then
  # fp32 is the like-for-like peer (albert4j computes in fp32); bf16 autocast and torch.compile show the field's best.
  peer_modes=(all)
  peer_shapes=("base 512" "large 128" "large 512")
  if [ "$flag" = "--quick" ]; then peer_modes=(hf-fp32 hf-sdpa); peer_shapes=("base 512"); fi
  stage hf-peer-base-128 python3 "$here/hf_peer.py" --size base --seq 128 --mode "${peer_modes[@]}"
  for run in "${peer_shapes[@]}"; do
    set -- $run
    stage "hf-peer-$1-$2" python3 "$here/hf_peer.py" --size "$1" --seq "$2" --mode hf-fp32 hf-sdpa
  done
  grep -h '^bench ' "$results"/hf-peer-*.log > "$results/hf-peer.txt" 2>/dev/null || true
else
  echo "SKIP hf-peer (torch/transformers not importable)" | tee -a "$summary"
fi
echo "results in $results"
if [ -n "${OUT:-}" ]; then
  tar -C "$here/results" -czf "$OUT/gpu-verify.tar.gz" gpu-verify
  cp "$summary" "$results"/albert-bench.txt "$OUT/" 2>/dev/null
  [ -f "$results/hf-peer.txt" ] && cp "$results/hf-peer.txt" "$OUT/"
  [ -f "$results/profile-base-512.log" ] && cp "$results/profile-base-512.log" "$OUT/"
fi
cat "$results"/albert-bench.txt "$results"/hf-peer.txt 2>/dev/null
[ -f "$results/profile-base-512.log" ] && head -25 "$results/profile-base-512.log"
for log in $(grep '^FAIL' "$summary" | awk '{print $2}'); do
  echo "=== tail of $log.log"; tail -40 "$results/$log.log"
done
grep -q '^FAIL' "$summary" && exit 1 || exit 0
