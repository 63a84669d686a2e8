#!/usr/bin/env bash
# Long fuzzing of albert4j's file readers with Jazzer (the *FuzzTest classes under java/src/test/java).
#
#   scripts/fuzz.sh --list                 the targets, Class#method
#   scripts/fuzz.sh [TARGET] [SECONDS]     fuzz TARGET (Class#method, Class for its targets, a regex of them, or all)
#                                          for SECONDS each (default 300), one after another
#   scripts/fuzz.sh --seeds                rewrite the committed seed corpora (testing/FuzzSeeds)
#
# Without JAZZER_FUZZ, `mvn verify` runs each target on its seeds only (regression mode). Here JAZZER_FUZZ=1 makes
# Jazzer mutate them with coverage feedback; new coverage is kept in java/.cifuzz-corpus/ (git-ignored) and reused
# by the next run. A finding (any throwable other than the reader's own refusal naming the file, a hang over 10 s,
# an OutOfMemoryError in the 1 GiB heap) stops the target and Jazzer writes the input as crash-<sha1> under
# java/src/test/resources/<package>/<Class>Inputs/: fix the reader, move the file into the target's <method>/
# folder and it runs in every `mvn verify` from then on. Logs: java/target/fuzz/<Class>#<method>.log.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/find-jdk.sh"
cd "$root"

targets() {
    grep -rl --include='*FuzzTest.java' '@FuzzTest' java/src/test/java | sort | while read -r file; do
        class=$(basename "$file" .java)
        grep -A1 '@FuzzTest' "$file" | grep -oE 'void [a-zA-Z0-9_]+' | sed "s/^void /$class#/"
    done
}

case "${1:-all}" in
    --list) targets; exit 0 ;;
    --seeds)
        mvn -B -ntp -q -pl java test-compile
        cp=$(mvn -B -ntp -q -pl java dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=/dev/stdout)
        exec java --enable-native-access=ALL-UNNAMED -cp "java/target/test-classes:java/target/classes:$cp" \
            io.albert4j.testing.FuzzSeeds java/src/test/resources ;;
esac

selection=${1:-all}
seconds=${2:-300}
mapfile -t chosen < <(targets | { if [ "$selection" = all ]; then cat; else grep -E "^${selection}(#|$)"; fi; })
if [ ${#chosen[@]} -eq 0 ]; then
    echo "no fuzz target matches '$selection'; scripts/fuzz.sh --list names them" >&2
    exit 2
fi

mvn -B -ntp -q -pl java test-compile
mkdir -p java/target/fuzz
status=0
for target in "${chosen[@]}"; do
    log="java/target/fuzz/$target.log"
    echo "== $target: ${seconds}s (log $log)"
    # -timeout: an input that runs 10 s is a hang. The 1 GiB heap makes an allocation a lying length asks for fail
    # as an OutOfMemoryError, which Jazzer reports, instead of succeeding on a large machine.
    if JAZZER_FUZZ=1 JAVA_TOOL_OPTIONS="-Xmx1g" mvn -B -ntp -q -o -pl java surefire:test -Dtest="$target" \
            -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.max_duration="${seconds}s" \
            -Djazzer.internal.arg.0=fuzz -Djazzer.internal.arg.1=-timeout=10 > "$log" 2>&1; then
        echo "   no finding: $(grep -E '^Done [0-9]+ runs' "$log" | tail -1)"
    else
        status=1
        echo "   FINDING (or failure): see $log"
        grep -E '^== Java Exception|^Caused by|^java\.|crash-[0-9a-f]+' "$log" | head -5 | sed 's/^/   /'
    fi
done
exit $status
