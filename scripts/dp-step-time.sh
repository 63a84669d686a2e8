#!/usr/bin/env bash
# Step time of `albert pretrain` on 1 process and on 2 MPI ranks, with the gradient all-reduce overlapped with
# the backward pass and without (the README's data-parallel figures). Usage: scripts/dp-step-time.sh [CONFIG STEPS
# BATCH SEQ]; defaults: demo 40 32 32. Needs mpirun and the SOTU corpus in ../shared/data/sotu.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/find-jdk.sh"
config=${1:-demo} steps=${2:-40} batch=${3:-32} seq=${4:-32}
corpus="$root/../shared/data/sotu"
[ -d "$corpus" ] || corpus="$root/../../shared/data/sotu"
jar="$root/java/target/albert4j-0.1.0.jar"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar")
args=(pretrain --corpus "$corpus" --corpus-format PROSE --tokenizer "$root/java/src/test/resources/tokenizer/sotu8k.model"
  --config "$config" --batch "$batch" --seq "$seq" --steps "$steps" --eval-every 0 --eval-batches 1
  --save-checkpoints-steps 0 --log-every "$steps" --no-progress)
mpi=(mpirun --oversubscribe -np 2)
[ "$(id -u)" = 0 ] && mpi+=(--allow-run-as-root)
echo "== 1 process, 2 threads"
"${java[@]}" "${args[@]}" --threads 2 --out "$out/one" 2>&1 | grep -E "ms a step|tokens/s"
for overlap in "" --no-gradient-overlap; do
  echo "== 2 ranks, 1 thread each ${overlap:-(overlapped)}"
  "${mpi[@]}" "${java[@]}" "${args[@]}" --threads 1 --out "$out/two$overlap" $overlap 2>&1 \
    | grep -E "ms a step|tokens/s|all-reduce"
done
