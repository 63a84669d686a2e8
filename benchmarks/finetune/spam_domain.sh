#!/usr/bin/env bash
# SpamAssassin with a model pretrained on the split's own training mails (domain-adaptive pretraining: unlabelled
# train.jsonl text only; dev and test unseen): `albert demo --corpus` on those mails trains the tokenizer and the
# model for 5 minutes on 64-token rows, then the fine-tune reads up to 24 windows of 64 pieces (stride 62) per mail,
# one sample per mail (the loss on its mean window logits). The same fine-tune from a fresh `albert init` of that
# shape and tokenizer, and the bag-of-words baseline on whole mails, run beside it.
# Usage: benchmarks/finetune/spam_domain.sh WORK_DIR [extra albert finetune options, e.g. --seed 2]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=$1
shift
data=${SPAM_DATA:-$root/../shared/data/spam-assassin}
albert="$root/albert"
mkdir -p "$work"
python3 "$root/benchmarks/finetune/spam_pretraining_corpus.py" "$data" "$work/corpus"
"$albert" demo --corpus "$work/corpus" --out "$work/pretrain" --seq 64
pretrained=$work/pretrain/run/model
"$albert" init --config "$pretrained/config.json" --out "$work/fresh-init" --seed 1 --overwrite
cp "$pretrained/spiece.model" "$work/fresh-init/"
for start in pretrained fresh; do
  model=$pretrained
  [ "$start" = fresh ] && model=$work/fresh-init
  echo "== $start: up to 24 windows of 64 pieces, one sample per mail"
  "$albert" finetune --task text --model "$model" --train "$data/train.jsonl" --dev "$data/dev.jsonl" \
    --text-fields subject,body --out "$work/spam-$start" --seq 64 --batch 8 --epochs 3 --lr 5e-4 \
    --window-stride 62 --max-windows 24 --window-loss example --eval-every 200 --overwrite "$@"
  echo "== $start, test split"
  "$albert" eval --model "$work/spam-$start" --data "$data/test.jsonl"
done
python3 "$root/benchmarks/finetune/bow_logistic_baseline.py" "$data" --text-fields subject,body --max-words 0
