#!/bin/sh
# Browser test of the minga page: runs browser_test.mjs with playwright-core
# against /usr/bin/chromium (never a downloaded browser). Exits 77 (ctest
# SKIP_RETURN_CODE) only when chromium or node is missing. The npm
# packages are installed once into NODE_DIR (default: WORK_DIR's sibling
# "node", shared with the Lighthouse test).
# usage: run_browser.sh MINGA_BINARY SOURCE_DIR WORK_DIR [NODE_DIR]
set -u
MINGA=$1
SRC=$2
WORK=$3
NODE_DIR=${4:-$(dirname "$WORK")/node}
HERE=$SRC/tests/web/browser

if [ ! -x /usr/bin/chromium ]; then
    echo "SKIP: /usr/bin/chromium is missing (apt-get install chromium)"
    exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node or npm is missing"
    exit 77
fi

mkdir -p "$WORK" || exit 1
sh "$HERE/install_node_modules.sh" "$SRC" "$NODE_DIR" || exit 1
# ES modules find their packages beside them, so the test runs from there
cp "$HERE/browser_test.mjs" "$NODE_DIR/" || exit 1
exec node "$NODE_DIR/browser_test.mjs" "$MINGA" "$SRC" "$WORK"
