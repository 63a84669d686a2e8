#!/usr/bin/env python3
"""The table at the end of compare.sh: reads its log (lines `round=R runner=NAME bench ... mode=M ...
tokens/s=T ...`) and prints, per row, albert4j's tokens/s, the peer's and their ratio as the median and the
min–max over the rounds. A round's ratio pairs the two runs of that round, which ran back to back. Standard
library only.

    benchmarks/peers/summarize.py LOG
"""
import statistics
import sys


def read(path):
    """{(runner, mode): {round: tokens/s}} from the bench lines of a compare.sh log."""
    runs = {}
    with open(path) as log:
        for line in log:
            words = line.split()
            if len(words) < 3 or words[2] != "bench":
                continue  # the runs' stderr, kept in the log as `round=R runner=NAME stderr: ...`
            fields = dict(w.split("=", 1) for w in words if "=" in w)
            key = (fields["runner"], fields["mode"])
            runs.setdefault(key, {})[int(fields["round"])] = float(fields["tokens/s"])
    return runs


def tokens(x):
    return "%.0f" % x


def ratio(x):
    return "%.2f" % x if x >= 0.1 else "%.2g" % x  # two figures also for tiny ratios


def spread(values, fmt):
    if not values:
        return "n/a"
    return "%s (%s–%s)" % (fmt(statistics.median(values)), fmt(min(values)), fmt(max(values)))


def rows(runs):
    """(label, albert4j runs, peer runs) for each comparison the log holds. albert4j's mode may carry a suffix
    (train-bf16, train-masked-mlm, infer-encoder-bf16): the label shows it."""
    def runner(name):
        return {mode: r for (who, mode), r in runs.items() if who == name}

    def mode_like(modes, prefix, exclude=None):
        for mode in sorted(modes):
            if mode.startswith(prefix) and not (exclude and mode.startswith(exclude)):
                return mode
        return None

    ours, encoder, torch, ort = runner("albert4j"), runner("albert4j-encoder"), runner("pytorch"), \
        runner("onnxruntime")
    out = []
    for kind, exclude in (("train", None), ("infer", "infer-encoder")):
        mode = mode_like(ours, kind, exclude)
        if mode is not None or kind in torch:
            out.append(("%s vs PyTorch" % (mode or kind), ours.get(mode, {}), torch.get(kind, {})))
    ort_runs = ort.get("infer-encoder", {})
    if encoder:
        mode = mode_like(encoder, "infer")
        out.append(("%s (encoder+pooler) vs ONNX Runtime" % mode, encoder[mode], ort_runs))
    elif ort_runs:
        mode = mode_like(ours, "infer", "infer-encoder") or "infer"
        out.append(("%s (albert4j with heads) vs ONNX Runtime" % mode, ours.get(mode, {}), ort_runs))
    return out


def main(argv):
    if len(argv) != 2:
        sys.exit("usage: summarize.py LOG")
    table = []
    for label, ours, peer in rows(read(argv[1])):
        ratios = [ours[r] / peer[r] for r in sorted(ours) if r in peer]
        table.append((label, spread(list(ours.values()), tokens), spread(list(peer.values()), tokens),
                      spread(ratios, ratio)))
    header = ("row", "albert4j tokens/s", "peer tokens/s", "albert4j/peer")
    widths = [max(len(row[i]) for row in table + [header]) for i in range(4)]
    print("median (min–max) over the rounds; ratio > 1: albert4j is faster")
    for row in [header] + table:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


if __name__ == "__main__":
    main(sys.argv)
