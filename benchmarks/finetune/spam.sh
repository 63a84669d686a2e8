#!/usr/bin/env bash
# The classification proof: fine-tune a demo-pretrained ALBERT and the same shape freshly initialised on the
# SpamAssassin split, with the same command, then score both on dev and test; compare with
# bow_logistic_baseline.py. Usage: benchmarks/finetune/spam.sh PRETRAINED_MODEL_DIR WORK_DIR [finetune options]
# (PRETRAINED_MODEL_DIR: e.g. albert-demo/run/model from ./albert demo).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pretrained=$1
work=$2
shift 2
data=${SPAM_DATA:-$root/../shared/data/spam-assassin}
albert="$root/albert"
mkdir -p "$work"
"$albert" init --config "$pretrained/config.json" --out "$work/fresh-init" --seed 1 --overwrite
cp "$pretrained/spiece.model" "$work/fresh-init/"
for start in demo fresh; do
  model=$pretrained
  [ "$start" = fresh ] && model=$work/fresh-init
  echo "== fine-tuning from $start ($model)"
  "$albert" finetune --task text --model "$model" --train "$data/train.jsonl" --dev "$data/dev.jsonl" \
    --text-fields subject,body --out "$work/spam-$start" --seq 32 --batch 16 --epochs 2 --lr 1e-3 --eval-every 100 \
    --overwrite "$@"
  echo "== $start, test split"
  "$albert" eval --model "$work/spam-$start" --data "$data/test.jsonl"
done
python3 "$root/benchmarks/finetune/bow_logistic_baseline.py" "$data" --text-fields subject,body
python3 "$root/benchmarks/finetune/bow_logistic_baseline.py" "$data" --text-fields subject,body --max-words 24
