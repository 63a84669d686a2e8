#!/usr/bin/env bash
# albert4j vs plain PyTorch on this CPU, same config, same thread count: runs `albert bench` and
# benchmarks/peers/torch_cpu_peer.py with the same arguments, then prints tokens/s albert4j ÷ PyTorch per mode.
#   benchmarks/compare_cpu.sh [--config base] [--seq 128] [--batch 8] [--steps 3] [--warmup 1] [--threads N]
# Needs `mvn -DskipTests package` first (java/target/albert4j-*.jar + lib/) and python3 with torch.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
args=(--config base --seq 128 --batch 8 --steps 3 --warmup 1 --threads "$(nproc)")
[ $# -gt 0 ] && args=("$@")
java=${JAVA_HOME:+$JAVA_HOME/bin/}java
python=${PYTHON:-/usr/bin/python3}
jar=$(ls "$root"/java/target/albert4j-*.jar | grep -v -- '-tests.jar' | head -1)
ours=$("$java" --enable-native-access=ALL-UNNAMED -jar "$jar" bench "${args[@]}")
theirs=$("$python" "$root/benchmarks/peers/torch_cpu_peer.py" "${args[@]}")
echo "$ours"
echo "$theirs"
field() { awk -v m="mode=$2" -v k="$3=" '$0 ~ (" " m " ") { for (i = 1; i <= NF; i++) if (index($i, k) == 1) print substr($i, length(k) + 1) }' <<<"$1"; }
for mode in infer train; do
  a=$(field "$ours" "$mode" tokens/s)
  b=$(field "$theirs" "$mode" tokens/s)
  if [ -n "$a" ] && [ -n "$b" ]; then
    awk -v m="$mode" -v a="$a" -v b="$b" 'BEGIN { printf "ratio mode=%s albert4j/pytorch tokens/s = %.2f (%s / %s)\n", m, a / b, a, b }'
  fi
done
