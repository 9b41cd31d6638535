#!/usr/bin/env bash
# The headless Neovim check: `meshc lsp` attaches to a .mesh buffer through
# editors/neovim/meshc.lua, its diagnostics arrive, and it exits when Neovim quits.
# Usage: run.sh MESHC   (fails loudly if nvim is missing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
meshc="$(realpath "${1:?usage: run.sh PATH/TO/meshc}")"
command -v nvim >/dev/null || { echo "nvim is not installed (apt-get install neovim)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -r "$repo/examples/canary" "$work/project"
mesh="$work/project/shop.mesh"
grep -q 'checkout@v3' "$mesh"
sed -i '0,/checkout@v3/s//checkout@v7/' "$mesh" # one unknown version: E0102
expected_line="$(grep -n 'checkout@v7' "$mesh" | head -1 | cut -d: -f1)"

MESHC="$meshc" MESH_FILE="$mesh" RESULT="$work/result" \
  timeout 60 nvim --headless -u NONE -c "luafile $here/check.lua" </dev/null >/dev/null 2>&1 || true
cat "$work/result"

grep -qx 'attached meshc' "$work/result"
grep -qx "diagnostic meshc E0102 line $expected_line" "$work/result"
pid="$(sed -n 's/^pid //p' "$work/result")"
[ -n "$pid" ]
# Neovim has exited; the server must be gone too (bounded wait: it exits on `exit`).
for _ in $(seq 50); do
  kill -0 "$pid" 2>/dev/null || { echo "neovim check: ok (server $pid exited with Neovim)"; exit 0; }
  sleep 0.1
done
echo "meshc lsp (pid $pid) is still running after Neovim quit" >&2
kill "$pid"
exit 1
