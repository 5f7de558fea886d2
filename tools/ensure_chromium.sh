#!/usr/bin/env bash
# Makes sure the browser tests' Chromium is installed: Debian's chromium at $CHROMIUM (default /usr/bin/chromium).
# Installs it with apt-get when this user may (root, or passwordless sudo); otherwise prints the one command to run
# and fails. Used by `make test` and .ci/run.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
INSTALL="apt-get install -y chromium"

if [ -x "$CHROMIUM" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: $CHROMIUM is missing and this is not a Debian/Ubuntu system; install Chromium so that $CHROMIUM exists, then rerun" >&2
    exit 1
fi
if [ "$(id -u)" = "0" ]; then
    run=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    run=(sudo -n)
else
    echo "ensure_chromium: $CHROMIUM is missing (the browser tests need it); install it with: sudo apt-get update && sudo $INSTALL" >&2
    exit 1
fi
echo "ensure_chromium: $CHROMIUM is missing; installing Debian's chromium (${run[*]:+${run[*]} }$INSTALL)" >&2
export DEBIAN_FRONTEND=noninteractive
"${run[@]}" apt-get update -qq
"${run[@]}" apt-get install -y -qq chromium >/dev/null
if [ ! -x "$CHROMIUM" ]; then
    echo "ensure_chromium: apt-get installed chromium but $CHROMIUM is still missing; set CHROMIUM to its path" >&2
    exit 1
fi
