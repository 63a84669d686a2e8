#!/usr/bin/env bash
# The classification proof: fine-tune a demo-pretrained ALBERT and the same shape freshly initialised on the
# SpamAssassin split with the same commands (one 32-token sequence per mail, then four 32-token windows), score
# both on dev and test, and run the bag-of-words logistic-regression baseline on the whole mail and on about the
# words the model reads (14, 57 and 114 words: 30, 120 and 240 pieces at the demo tokenizer's 2.1 pieces per word).
# Usage: benchmarks/finetune/spam.sh PRETRAINED_MODEL_DIR WORK_DIR   (e.g. albert-demo/run/model from ./albert demo)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
pretrained=$1
work=$2
data=${SPAM_DATA:-$root/../shared/data/spam-assassin}
albert="$root/albert"
mkdir -p "$work"
"$albert" init --config "$pretrained/config.json" --out "$work/fresh-init" --seed 1 --overwrite
cp "$pretrained/spiece.model" "$work/fresh-init/"
for start in demo fresh; do
  model=$pretrained
  [ "$start" = fresh ] && model=$work/fresh-init
  for reading in single windows; do
    extra=(--eval-every 100)
    [ "$reading" = windows ] && extra=(--window-stride 30 --max-windows 4 --eval-every 300)
    echo "== $start, $reading"
    "$albert" finetune --task text --model "$model" --train "$data/train.jsonl" --dev "$data/dev.jsonl" \
      --text-fields subject,body --out "$work/spam-$start-$reading" --seq 32 --batch 16 --epochs 2 --lr 1e-3 \
      --overwrite "${extra[@]}"
    echo "== $start, $reading, test split"
    "$albert" eval --model "$work/spam-$start-$reading" --data "$data/test.jsonl"
  done
done
echo "== demo, eight windows, five epochs"
"$albert" finetune --task text --model "$pretrained" --train "$data/train.jsonl" --dev "$data/dev.jsonl" \
  --text-fields subject,body --out "$work/spam-demo-windows8" --seq 32 --batch 32 --epochs 5 --lr 5e-4 \
  --window-stride 30 --max-windows 8 --eval-every 500 --overwrite
"$albert" eval --model "$work/spam-demo-windows8" --data "$data/test.jsonl"
echo "== demo, up to 24 windows (most of a mail), each mail one sample: the loss on its mean window logits"
"$albert" finetune --task text --model "$pretrained" --train "$data/train.jsonl" --dev "$data/dev.jsonl" \
  --text-fields subject,body --out "$work/spam-demo-pooled24" --seq 32 --batch 8 --epochs 3 --lr 5e-4 \
  --window-stride 30 --max-windows 24 --window-loss example --eval-every 200 --overwrite
"$albert" eval --model "$work/spam-demo-pooled24" --data "$data/test.jsonl"
for words in 0 14 57 114; do
  python3 "$root/benchmarks/finetune/bow_logistic_baseline.py" "$data" --text-fields subject,body --max-words "$words"
done
