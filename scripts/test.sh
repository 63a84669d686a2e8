#!/usr/bin/env bash
# Builds everything and runs the test suite (the README's test command; .ci/run runs this).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
source "$root/scripts/find-jdk.sh"
cd "$root"
exec mvn -B -ntp verify "$@"
