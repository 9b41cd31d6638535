#!/usr/bin/env bash
# bench/watch_latency.sh [SERVICES] [RUNS] [DEBOUNCE_MS]
#
# Save→diff latency of `meshc watch`: generates a workspace of SERVICES services (default
# 1000) with bench/gen, starts a release `meshc watch` on it, then RUNS times (default 20)
# saves a change to one team file the way editors do (sed -i writes a temporary file and
# renames it over the original) and times how long until the diff is printed (its last
# summary line, `prod: …`) and until the output is written (`wrote …`). Prints the median
# and p95 of each, of the diff latency beyond the debounce (DEBOUNCE_MS, default 100), and
# of the two parts of a rebuild meshc reports on its `wrote` line: building (load, check,
# emit, diff) and writing the output tree; and meshc's CPU time per save, which unlike the
# wall-clock figures does not grow with the load of a shared machine.
#
# Not a test: run it by hand on an otherwise idle machine and copy the figures into
# bench/RESULTS.md (## watch). MESHC=path/to/meshc times that binary instead of building
# one; WORK=dir puts the workspace and its output under dir instead of $TMPDIR or /tmp (to
# compare disks: the output is thousands of files).
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-1000}
runs=${2:-20}
debounce=${3:-100}

if [[ ! -x bench/gen ]]; then
    echo "watch_latency: bench/gen (the workspace generator of the meshc-bench crate) is missing" >&2
    exit 2
fi
if [[ -z ${MESHC:-} ]]; then
    cargo build --release --quiet -p meshc
fi
meshc=$(realpath "${MESHC:-target/release/meshc}")

work=$(mktemp -d "${WORK:-${TMPDIR:-/tmp}}/watch-latency.XXXXXX")
pid=
cleanup() {
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        kill -INT "$pid"
        wait "$pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

bench/gen "$services" "$work/proj"
# The team file holding the middle service; its lead route has a `timeout 10s` to edit.
team=$(printf 'team-%04d.mesh' $((services / 20)))
file=$work/proj/teams/$team
grep -q 'timeout 10s' "$file"

mkfifo "$work/lines"
(cd "$work" && exec "$meshc" --color never watch proj --out out --debounce-ms "$debounce" >lines 2>stderr.log) &
pid=$!
exec 3<"$work/lines"

# Reads meshc's stdout until a line starts with $1 and leaves it in $line; a failed build
# ends the benchmark, since it would time the diagnostics instead of the diff.
line=
wait_for() {
    while IFS= read -r -u 3 line; do
        [[ $line == "$1"* ]] && return 0
        if [[ $line == "build failed"* ]]; then
            echo "watch_latency: the generated workspace does not build; meshc's stderr:" >&2
            tail -n 40 "$work/stderr.log" >&2
            exit 1
        fi
    done
    echo "watch_latency: meshc watch stopped before printing '$1'; its stderr:" >&2
    tail -n 40 "$work/stderr.log" >&2
    exit 1
}
wait_for "wrote "
wait_for "watching "

# User and system CPU time of meshc so far, in clock ticks (fields 14 and 15 of its stat).
cpu_ticks() { awk '{ print $14, $15 }' "/proc/$pid/stat"; }
read -r user_before system_before <<<"$(cpu_ticks)"


ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", (b - a) * 1000 }'; }
diffs=()
writes=()
built=()
written=()
for ((run = 1; run <= runs; run++)); do
    if ((run % 2)); then from=10s to=11s; else from=11s to=10s; fi
    sed -i "0,/timeout $from/s//timeout $to/" "$file"
    saved=$EPOCHREALTIME
    wait_for "prod: "
    diffs+=("$(ms_since "$saved")")
    wait_for "wrote "
    writes+=("$(ms_since "$saved")")
    # `wrote out/dev, out/staging, out/prod (built in 812 ms, written in 95 ms)`
    built+=("$(sed -E 's/.*built in ([0-9]+) ms.*/\1/' <<<"$line")")
    written+=("$(sed -E 's/.*written in ([0-9]+) ms.*/\1/' <<<"$line")")
done

read -r user_after system_after <<<"$(cpu_ticks)"

# Median and p95 (nearest rank) of the numbers on stdin.
stats() {
    sort -n | awk '{ v[NR] = $1 } END {
        p95 = int(NR * 0.95 + 0.999999); if (p95 > NR) p95 = NR
        median = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "median %.1f ms, p95 %.1f ms (min %.1f, max %.1f)\n", median, v[p95], v[1], v[NR] }'
}

inputs=$(find "$work/proj" -name '*.mesh' | wc -l)
outputs=$(find "$work/out" -type f | wc -l)
echo "meshc watch, $services services ($inputs files in, $outputs out), $runs saves, debounce $debounce ms, $(nproc) cores"
echo -n "save → diff printed:          "
printf '%s\n' "${diffs[@]}" | stats
echo -n "  beyond the debounce:        "
printf '%s\n' "${diffs[@]}" | awk -v d="$debounce" '{ print $1 - d }' | stats
echo -n "save → output written:        "
printf '%s\n' "${writes[@]}" | stats
echo -n "meshc: build (load…diff):     "
printf '%s\n' "${built[@]}" | stats
echo -n "meshc: write the output tree: "
printf '%s\n' "${written[@]}" | stats
awk -v u=$((user_after - user_before)) -v s=$((system_after - system_before)) -v hz="$(getconf CLK_TCK)" -v n="$runs" \
    'BEGIN { printf "meshc: CPU time per save:     %.0f ms user, %.0f ms system\n", u / hz / n * 1000, s / hz / n * 1000 }'
