#!/usr/bin/env python3
"""Bag-of-words logistic regression on a JSON-lines classification split: the baseline a fine-tuned ALBERT must beat.

Features: the lower-cased word types ([a-z0-9']+) of the chosen text fields, present/absent, vocabulary from the
training file (words seen in at least 2 mails). Model: binary logistic regression, L2-regularised, trained by
full-batch gradient descent with Adam (pure Python, no numpy/scikit-learn needed). The L2 strength is chosen on
dev; dev and test accuracy are printed for the chosen one.

    python3 benchmarks/finetune/bow_logistic_baseline.py ../shared/data/spam-assassin --text-fields subject,body
"""
import argparse
import json
import math
import re
from collections import Counter
from pathlib import Path

WORD = re.compile(r"[a-z0-9']+")


def read(path, fields, label_field, max_words=0):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                text = " ".join(str(row.get(k) or "") for k in fields)
                if max_words:
                    text = " ".join(text.split()[:max_words])
                rows.append((set(WORD.findall(text.lower())), row[label_field]))
    return rows


def train(rows, vocab, positive, l2, epochs=60, lr=0.05):
    w = [0.0] * len(vocab)
    b = 0.0
    m = [0.0] * (len(vocab) + 1)
    v = [0.0] * (len(vocab) + 1)
    feats = [[vocab[t] for t in words if t in vocab] for words, _ in rows]
    ys = [1.0 if label == positive else 0.0 for _, label in rows]
    n = len(rows)
    for epoch in range(1, epochs + 1):
        grad = [0.0] * len(vocab)
        gb = 0.0
        for x, y in zip(feats, ys):
            z = b + sum(w[i] for i in x)
            p = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
            d = (p - y) / n
            gb += d
            for i in x:
                grad[i] += d
        for i in range(len(vocab)):
            g = grad[i] + l2 * w[i]
            m[i] = 0.9 * m[i] + 0.1 * g
            v[i] = 0.999 * v[i] + 0.001 * g * g
            w[i] -= lr * (m[i] / (1 - 0.9 ** epoch)) / (math.sqrt(v[i] / (1 - 0.999 ** epoch)) + 1e-8)
        m[-1] = 0.9 * m[-1] + 0.1 * gb
        v[-1] = 0.999 * v[-1] + 0.001 * gb * gb
        b -= lr * (m[-1] / (1 - 0.9 ** epoch)) / (math.sqrt(v[-1] / (1 - 0.999 ** epoch)) + 1e-8)
    return w, b


def accuracy(rows, vocab, positive, w, b):
    correct = 0
    for words, label in rows:
        z = b + sum(w[vocab[t]] for t in words if t in vocab)
        correct += (z > 0) == (label == positive)
    return correct / len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data", type=Path, help="folder with train.jsonl, dev.jsonl, test.jsonl")
    parser.add_argument("--text-fields", default="subject,body")
    parser.add_argument("--label-field", default="label")
    parser.add_argument("--positive", default="spam")
    parser.add_argument("--max-words", type=int, default=0,
                        help="read only the first N whitespace words of the joined fields (0: all), to give the "
                             "baseline the same text as a model reading a short sequence")
    args = parser.parse_args()
    fields = args.text_fields.split(",")
    train_rows = read(args.data / "train.jsonl", fields, args.label_field, args.max_words)
    dev_rows = read(args.data / "dev.jsonl", fields, args.label_field, args.max_words)
    test_path = args.data / "test.jsonl"
    test_rows = read(test_path, fields, args.label_field, args.max_words) if test_path.exists() else None
    counts = Counter(t for words, _ in train_rows for t in words)
    vocab = {t: i for i, t in enumerate(sorted(t for t, c in counts.items() if c >= 2))}
    majority = Counter(label for _, label in dev_rows).most_common(1)[0][1] / len(dev_rows)
    print(f"{len(train_rows)} train, {len(dev_rows)} dev; vocabulary {len(vocab)} words; dev majority {majority:.4f}")
    best = None
    for l2 in (1e-4, 1e-3, 1e-2):
        w, b = train(train_rows, vocab, args.positive, l2)
        dev = accuracy(dev_rows, vocab, args.positive, w, b)
        print(f"l2 {l2:g}: dev accuracy {dev:.4f}")
        if best is None or dev > best[0]:
            best = (dev, l2, w, b)
    dev, l2, w, b = best
    line = f"bag-of-words logistic regression (l2 {l2:g}): dev accuracy {dev:.4f}"
    if test_rows:
        line += f", test accuracy {accuracy(test_rows, vocab, args.positive, w, b):.4f}"
    print(line)


if __name__ == "__main__":
    main()
