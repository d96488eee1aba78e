#!/usr/bin/env bash
# Bounded libFuzzer run of fuzz_session, as `deploy/lab test` does it.
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]
# BUILD_DIR is a clang + KLAB_SANITIZE build (the asan preset). The run starts from
# the golden scripts (each under both presets), uses a fixed seed,
# and is capped both in runs and in seconds so CI time stays bounded. New corpus entries go
# to a scratch directory, never into the repository. Exit status: 0 when libFuzzer found
# nothing; otherwise libFuzzer's status, with the reproducer path printed.
set -euo pipefail

build=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
seconds=${2:-${KLAB_FUZZ_SECONDS:-60}}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
fuzzer="$build/tests/fuzz/fuzz_session"

if [ ! -x "$fuzzer" ]; then
  echo "run.sh: $fuzzer not built (needs the asan preset: clang with KLAB_SANITIZE=ON)" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/klab-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/seeds" "$build/fuzz-artifacts"

# The golden scripts are good starting points; the first byte picks the preset
# (odd: i386, even: x86_64), as in fuzz_session.cpp.
for f in "$root"/tests/golden/*.kc; do
  name=$(basename "$f" .kc)
  { printf '\x00'; cat "$f"; } >"$work/seeds/x64_$name"
  { printf '\x01'; cat "$f"; } >"$work/seeds/i386_$name"
done

echo "fuzz_session: up to ${seconds}s, seed 1"
set +e
"$fuzzer" -seed=1 -runs=500000 -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
  -max_len=4096 -print_final_stats=1 \
  -artifact_prefix="$build/fuzz-artifacts/" \
  "$work/corpus" "$work/seeds" 2>&1
status=$?
set -e
if [ "$status" -ne 0 ]; then
  echo "fuzz_session FAILED (status $status); reproducers in $build/fuzz-artifacts/:" >&2
  ls -1 "$build/fuzz-artifacts/" >&2 || true
fi
exit "$status"
