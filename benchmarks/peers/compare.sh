#!/usr/bin/env bash
# albert4j against its CPU peers on this machine: one config, sequence length, batch and thread count for all,
# in alternating rounds of
#   albert bench --mode train, torch_cpu_peer.py --mode train      (PyTorch: the pretraining step)
#   albert bench --mode infer, torch_cpu_peer.py --mode infer      (PyTorch: inference with the MLM and SOP heads)
#   albert bench --mode infer [--encoder-only], OnnxRuntimePeer    (ONNX Runtime: encoder + pooler)
# then, per row, albert4j's tokens/s, the peer's and their ratio as median (min–max) over the rounds, with the CPU
# and the thread count. Runs hold /tmp/albert4j-bench.lock so that no two benchmark runs overlap.
#   benchmarks/peers/compare.sh [--config base] [--seq 128] [--batch 8] [--rounds 3] [--threads N (all cores)]
#                               [--steps 3] [--warmup 1] [--rows train,infer,encoder] [--albert-args "--bf16 ..."]
#                               [--avx2]
# --rows picks the comparisons (train and infer against PyTorch, encoder against ONNX Runtime); --albert-args goes
# to every albert bench run (e.g. --bf16, or --mlm-positions masked), and its mode names carry the difference.
# --avx2 times an AVX2-only CPU (a Zen 3) on an AVX-512 one: albert4j on its AVX2 micro-kernels (ALBERT4J_ISA=avx2)
# and the library built without AVX-512 clones of its vectorised loops (java/target/native-avx2, built or brought up
# to date here), the torch peer on OpenBLAS's Haswell kernels (unless PEER_OPENBLAS_CORETYPE says otherwise); ONNX
# Runtime picks its kernels from the CPU alone, so its rows are no AVX2 figures.
# Configs: the presets base, large, xlarge, xxlarge (-v1/-v2) and tiny. Set PYTHON to use another python3 with torch,
# PEER_OPENBLAS_CORETYPE to give the torch peer other OpenBLAS kernels than the CPU's best (auto: OpenBLAS's choice).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

config=base seq=128 batch=8 rounds=3 threads=$(nproc) steps=3 warmup=1 rows=train,infer,encoder albert_args=
avx2=
while [ $# -gt 0 ]; do
  case "$1" in
    --avx2) avx2=yes; shift ;;
    --albert-args)
      [ $# -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }
      albert_args=$2
      shift 2 ;;
    --config|--seq|--batch|--rounds|--threads|--steps|--warmup|--rows)
      [ $# -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }
      printf -v "${1#--}" '%s' "$2"
      shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; usage >&2; exit 2 ;;
  esac
done
for name in seq batch rounds threads steps warmup; do
  [[ ${!name} =~ ^[0-9]+$ ]] || { echo "compare.sh: --$name takes a number, got '${!name}'" >&2; exit 2; }
done

# (a) prerequisites: say everything that is missing at once, with the way to get it
python=${PYTHON:-/usr/bin/python3}
missing=()
if ! source "$root/scripts/find-jdk.sh" 2>/dev/null; then
  missing+=("a JDK 25 or newer (none in \$JAVA_HOME or /usr/lib/jvm): install e.g. Temurin 25 and set JAVA_HOME")
fi
jar=$(ls "$root"/java/target/albert4j-*.jar 2>/dev/null | grep -v -- '-tests\.jar$' | head -1 || true)
peer_jar=$root/benchmarks/target/benchmarks.jar
if [ -z "$jar" ] || [ ! -f "$peer_jar" ]; then
  build="(cd $root && mvn -B -DskipTests package)"
  missing+=("java/target/albert4j-*.jar and benchmarks/target/benchmarks.jar: build them with $build")
fi
if ! "$python" -c 'import torch' 2>/dev/null; then
  missing+=("torch for $python: apt-get install -y python3-torch (or set PYTHON to a python3 that has torch)")
fi
# Debian's torch takes its BLAS from libblas.so.3, by default the reference one: OpenBLAS goes first on the path.
blas_dir=$(ls -d /usr/lib/*-linux-gnu/openblas-openmp 2>/dev/null | head -1 || true)
if [ -z "$blas_dir" ] || [ ! -e "$blas_dir/libblas.so.3" ]; then
  missing+=("OpenBLAS (OpenMP build) for torch: apt-get install -y libopenblas0-openmp")
fi
for tool in flock lscpu awk; do
  command -v "$tool" >/dev/null || missing+=("$tool: apt-get install -y util-linux gawk")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "compare.sh: missing prerequisites:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 1
fi
java=$JAVA_HOME/bin/java
if [ -n "$avx2" ]; then
  avx2_dir=$root/java/target/native-avx2
  if ! ALBERT4J_AVX2_ONLY=ON ALBERT4J_CUDA=OFF bash "$root/cmake/build-native.sh" "$root/java/target/native-build-avx2" \
      "$avx2_dir"; then
    echo "compare.sh: --avx2 needs the AVX2-only build of the CPU kernels, and building it failed" >&2
    exit 1
  fi
  export ALBERT4J_ISA=avx2 ALBERT4J_NATIVE_DIR=$avx2_dir
  PEER_OPENBLAS_CORETYPE=${PEER_OPENBLAS_CORETYPE:-Haswell}
fi
# The torch peer's environment: OpenBLAS, and glibc malloc thresholds high enough that freed activations stay
# mapped (without them torch page-faults every step and runs at about half speed).
torch_env=(env "LD_LIBRARY_PATH=$blas_dir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" MALLOC_MMAP_THRESHOLD_=1073741824
  MALLOC_TRIM_THRESHOLD_=4294967296 "OMP_NUM_THREADS=$threads")
# The peer runs OpenBLAS's best kernels for this CPU, whatever OPENBLAS_CORETYPE the shell carries: 0.3.21 does not
# know CPUs newer than itself (a Zen 5 gets its AVX2 Haswell kernels, half the speed of its AVX-512 ones there),
# and an inherited OPENBLAS_CORETYPE=Haswell on an AVX-512 machine would do the same. PEER_OPENBLAS_CORETYPE
# chooses another; "auto" leaves it to OpenBLAS.
peer_core=${PEER_OPENBLAS_CORETYPE:-}
if [ -z "$peer_core" ]; then
  if grep -qw avx512_bf16 /proc/cpuinfo; then peer_core=Cooperlake
  elif grep -qw avx512f /proc/cpuinfo; then peer_core=SkylakeX
  elif grep -qw avx2 /proc/cpuinfo; then peer_core=Haswell
  else peer_core=auto; fi
fi
if [ "$peer_core" = auto ]; then
  torch_env=(env -u OPENBLAS_CORETYPE "${torch_env[@]:1}")
else
  torch_env+=("OPENBLAS_CORETYPE=$peer_core")
fi
if [ -n "${OPENBLAS_CORETYPE:-}" ] && [ "$OPENBLAS_CORETYPE" != "$peer_core" ]; then
  echo "compare.sh: the peer runs OpenBLAS core type $peer_core, not the shell's OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE" \
    "(set PEER_OPENBLAS_CORETYPE to choose)" >&2
fi

# (b) the ONNX model of the encoder + pooler, written once per config
model_name=albert-${config#albert-}
onnx=${XDG_CACHE_HOME:-$HOME/.cache}/albert4j/peers/$model_name.onnx
if [ ! -f "$onnx" ]; then
  echo "compare.sh: exporting $onnx" >&2
  if ! "${torch_env[@]}" "$python" "$here/export_onnx.py" --config "$config" --out "$onnx"; then
    echo "compare.sh: the ONNX export failed; if torch.onnx asks for the onnx package:" \
      "apt-get install -y python3-onnx" >&2
    exit 1
  fi
fi

# (c) one benchmark at a time on this machine
lock=/tmp/albert4j-bench.lock
exec 9>>"$lock"
if ! flock -n 9; then
  echo "compare.sh: another benchmark holds $lock; waiting for it" >&2
  flock 9
fi

# (d) the rounds; every bench line and every run's stderr go to the log, prefixed with round and runner
log=$(mktemp "${TMPDIR:-/tmp}/albert4j-compare.XXXXXX.log")
common=(--config "$config" --seq "$seq" --batch "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads")
albert_cli=("$java" --enable-native-access=ALL-UNNAMED -jar "$jar")
read -r -a extra <<<"$albert_args"
albert=("${albert_cli[@]}" bench "${common[@]}" "${extra[@]}")
torch_peer=("${torch_env[@]}" "$python" "$here/torch_cpu_peer.py" "${common[@]}")
ort_peer=("$java" --enable-native-access=ALL-UNNAMED -cp "$peer_jar" io.albert4j.bench.OnnxRuntimePeer --model "$onnx"
  --seq "$seq" --batch "$batch" --steps "$steps" --warmup "$warmup" --threads "$threads")
encoder_only=
if "${albert_cli[@]}" bench --help 2>&1 | grep -q -- '--encoder-only'; then
  encoder_only=yes
fi
failed=0
run() {  # run ROUND RUNNER COMMAND...
  local round=$1 runner=$2 out err rc=0
  shift 2
  out=$(mktemp) err=$(mktemp)
  "$@" >"$out" 2>"$err" || rc=$?
  grep '^bench ' "$out" | sed "s/^/$(printf '%-16s' "$runner") /" || true
  sed "s/^/round=$round runner=$runner /" "$out" >>"$log"
  sed "s/^/round=$round runner=$runner stderr: /" "$err" >>"$log"
  if [ "$rc" -ne 0 ]; then
    echo "compare.sh: $runner failed in round $round (exit $rc):" >&2
    cat "$err" >&2
    failed=1
  elif [ "$round" -eq 1 ]; then
    sed "s/^/$(printf '%-16s' "$runner") /" "$err" >&2  # the BLAS, thread and version lines
  fi
  rm -f "$out" "$err"
}
for ((round = 1; round <= rounds; round++)); do
  echo "--- round $round of $rounds" >&2
  if [[ ,$rows, == *,train,* ]]; then
    run "$round" albert4j "${albert[@]}" --mode train
    run "$round" pytorch "${torch_peer[@]}" --mode train
  fi
  if [[ ,$rows, == *,infer,* ]]; then
    run "$round" albert4j "${albert[@]}" --mode infer
    run "$round" pytorch "${torch_peer[@]}" --mode infer
  fi
  if [[ ,$rows, == *,encoder,* ]]; then
    if [ -n "$encoder_only" ]; then
      run "$round" albert4j-encoder "${albert[@]}" --mode infer --encoder-only
    fi
    run "$round" onnxruntime "${ort_peer[@]}"
  fi
done

# (e) the summary
cpu=$(lscpu | awk -F: '/^Model name/ { sub(/^[ \t]+/, "", $2); print $2; exit }')
avx512=no
grep -qw avx512f /proc/cpuinfo && avx512=yes
echo
echo "cpu: ${cpu:-unknown} (avx512f: $avx512), $(nproc) cores online; threads: $threads"
if [ -n "$avx2" ]; then
  echo "albert4j: as on an AVX2-only CPU (--avx2: ALBERT4J_ISA=avx2, the AVX2-only build in $ALBERT4J_NATIVE_DIR)"
elif [ -n "${ALBERT4J_ISA:-}${ALBERT4J_NATIVE_DIR:-}" ]; then
  echo "albert4j: ALBERT4J_ISA=${ALBERT4J_ISA:-} ALBERT4J_NATIVE_DIR=${ALBERT4J_NATIVE_DIR:-}"
fi
echo "run: $model_name seq=$seq batch=$batch, $rounds round(s) of $steps timed step(s) after $warmup warmup${albert_args:+; albert bench $albert_args}"
sed -n 's/^round=1 runner=pytorch stderr: torch_cpu_peer: torch /pytorch: torch /p' "$log" | head -1
sed -n 's/^round=1 runner=onnxruntime stderr: OnnxRuntimePeer: /onnxruntime: /p' "$log" | head -1
if [ -z "$encoder_only" ]; then
  echo "note: this albert bench has no --encoder-only: the ONNX Runtime row sets albert4j's inference with the MLM and"
  echo "      SOP heads against ORT's encoder + pooler alone, which flatters ORT (most at small widths, where the"
  echo "      30000-way logits dominate)"
fi
"$python" "$here/summarize.py" "$log"
echo "log: $log"
exit "$failed"
