#!/usr/bin/env bash
# Runs every libFuzzer target of a MINGA_FUZZ build for a fixed time each,
# starting from the seed corpus in fuzz/corpus/<target>/ (read-only: new
# inputs go to a temporary folder). Exits 1 if any target crashed; the
# crashing input is kept in fuzz/artifacts/<target>/ (or $FUZZ_ARTIFACTS).
#
#   fuzz/run.sh BUILD_DIR [SECONDS]      every target in BUILD_DIR/fuzz
#   fuzz/run.sh --one TARGET_BINARY [SECONDS]   one target (used by ctest)
set -u
here="$(cd "$(dirname "$0")" && pwd)"
artifacts_root="${FUZZ_ARTIFACTS:-$here/artifacts}"

run_one() {
    local bin="$1" secs="$2" name
    name="$(basename "$bin")"
    local seeds="$here/corpus/${name#fuzz_}"
    local work artifacts
    work="$(mktemp -d "${TMPDIR:-/tmp}/minga-fuzz-$name.XXXXXX")"
    artifacts="$artifacts_root/${name#fuzz_}"
    mkdir -p "$artifacts"
    echo "== $name: ${secs}s from $seeds"
    # -rss_limit_mb: the limits of the fuzz host keep a case well below it
    ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$bin" -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
        -max_len=1048576 -print_final_stats=1 \
        -artifact_prefix="$artifacts/" "$work" "$seeds" \
        >"$work.log" 2>&1
    local rc=$?
    tail -n 12 "$work.log" | grep -E 'stat::number_of_executed_units|cov:|ERROR|SUMMARY|Test unit written' | tail -n 4
    if [ $rc -ne 0 ]; then
        echo "== $name: FAILED (exit $rc); log: $work.log"
        grep -E 'ERROR|SUMMARY|#[0-9]+ 0x' "$work.log" | head -n 20
        rm -rf "$work"
        return 1
    fi
    rm -rf "$work" "$work.log"
    echo "== $name: ok"
    return 0
}

if [ "${1:-}" = "--one" ]; then
    run_one "$2" "${3:-20}"
    exit $?
fi

build="${1:?usage: fuzz/run.sh BUILD_DIR [SECONDS]}"
secs="${2:-20}"
failed=0
n=0
for bin in "$build"/fuzz/fuzz_*; do
    [ -x "$bin" ] || continue
    n=$((n + 1))
    run_one "$bin" "$secs" || failed=$((failed + 1))
done
if [ $n -eq 0 ]; then
    echo "no fuzz targets in $build/fuzz: configure with CC=clang" \
         "CXX=clang++ -DMINGA_FUZZ=ON and build the 'fuzz' target" >&2
    exit 2
fi
echo "$((n - failed)) passed, $failed failed"
[ $failed -eq 0 ]
