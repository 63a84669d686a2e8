#!/usr/bin/env bash
# The span, multiple-choice and token-classification proofs: generate the small SOTU tasks, then fine-tune a
# pretrained model (e.g. albert-demo/run/model from ./albert demo) on each with the README's commands.
# Usage: benchmarks/finetune/sotu_tasks.sh PRETRAINED_MODEL_DIR WORK_DIR
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
model=$1
work=$2
albert="$root/albert"
python3 "$root/benchmarks/finetune/make_sotu_tasks.py" "${SOTU:-$root/../shared/data/sotu}" "$work/data"
common=(--model "$model" --seq 64 --batch 16 --epochs 2 --lr 1e-3 --overwrite)
"$albert" finetune --task squad-v1.1 --data "$work/data/squad" --out "$work/squad-v1.1" "${common[@]}" \
  --max-query-length 16 --doc-stride 32 --eval-every 100
for head in "" --answer-class-head; do
  "$albert" finetune --task squad-v2.0 --data "$work/data/squad" --out "$work/squad-v2.0$head" "${common[@]}" \
    --max-query-length 16 --doc-stride 32 --eval-every 100 $head
done
"$albert" finetune --task race --data "$work/data/race" --out "$work/race" "${common[@]}" --max-qa-length 16 \
  --warmup-fraction 0.1 --max-examples 2000 --eval-every 50
"$albert" finetune --task tokens --data "$work/data/ner" --out "$work/tokens" "${common[@]}" \
  --warmup-fraction 0.1 --eval-every 100
