#!/bin/sh
# Browser test of the minga page: runs browser_test.mjs with playwright-core
# against /usr/bin/chromium (never a downloaded browser). Exits 77 (ctest
# SKIP_RETURN_CODE) only when chromium or node is missing.
# usage: run_browser.sh MINGA_BINARY SOURCE_DIR WORK_DIR
set -u
MINGA=$1
SRC=$2
WORK=$3
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
cp "$HERE/package.json" "$HERE/package-lock.json" "$HERE/browser_test.mjs" \
   "$WORK/" || exit 1
cd "$WORK" || exit 1
if [ ! -f node_modules/playwright-core/package.json ]; then
    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund \
        --loglevel=error || exit 1
fi
exec node browser_test.mjs "$MINGA" "$SRC" "$WORK"
