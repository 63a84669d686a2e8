#!/usr/bin/env python3
"""Sums the GPU time of each kernel in `ncu --csv --metrics gpu__time_duration.sum` output (stdin or a file) and
prints the kernels that took the most, with their share of the total: where a training step's time goes."""
import collections
import csv
import sys

# ncu writes "ns"/"us"/"ms" (newer) or "nsecond"/"usecond"/"msecond" (older); values are in microseconds here.
UNITS = {"ns": 1e-3, "nsecond": 1e-3, "us": 1.0, "usecond": 1.0, "ms": 1e3, "msecond": 1e3, "s": 1e6, "second": 1e6}


def main(argv):
    source = open(argv[1]) if len(argv) > 1 else sys.stdin
    rows = csv.reader(line for line in source if line.startswith('"'))
    header = next(rows, None)
    if header is None:
        print("ncu_summary: no CSV rows in the input", file=sys.stderr)
        return 1
    name_at, unit_at, value_at = header.index("Kernel Name"), header.index("Metric Unit"), header.index("Metric Value")
    micros = collections.Counter()
    launches = collections.Counter()
    for row in rows:
        name = row[name_at].replace("(anonymous namespace)::", "").replace("<unnamed>::", "").split("(")[0].removeprefix("void ")
        micros[name] += float(row[value_at].replace(",", "")) * UNITS.get(row[unit_at], float("nan"))
        launches[name] += 1
    total = sum(micros.values())
    print(f"{sum(launches.values())} launches, {total / 1000:.2f} ms of kernel time")
    for name, us in micros.most_common(30):
        print(f"{us / 1000:9.3f} ms {100 * us / total:5.1f}% {launches[name]:6d}x  {name[:110]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
