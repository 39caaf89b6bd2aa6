#!/bin/sh
# Lighthouse (mobile) and axe-core (WCAG 2.1 AA) on the minga page over
# the sample catalog, in Debian's Chromium: see test_lighthouse.mjs.
# Installs the pinned npm packages of tests/web/browser once into
# NODE_DIR (shared with the browser test, under the build dir). Exits 77
# (ctest SKIP_RETURN_CODE) only when Chromium cannot be run here, or node
# is missing.
# usage: test_lighthouse.sh MINGA_BINARY SOURCE_DIR WORK_DIR NODE_DIR
set -u
MINGA=$1
SRC=$2
WORK=$3
NODE_DIR=$4
CHROME=${CHROME_PATH:-/usr/bin/chromium}

if [ ! -x "$CHROME" ]; then
    echo "SKIP: $CHROME is missing (scripts/setup.sh --with-browser)"
    exit 77
fi
if ! timeout 60 "$CHROME" --headless --no-sandbox --disable-gpu \
        --no-first-run --dump-dom about:blank >/dev/null 2>&1; then
    echo "SKIP: $CHROME cannot be run here (headless start failed)"
    exit 77
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "SKIP: node or npm is missing"
    exit 77
fi

mkdir -p "$WORK" "$NODE_DIR" || exit 1
sh "$SRC/tests/web/browser/install_node_modules.sh" "$SRC" "$NODE_DIR" || exit 1
export CHROME_PATH="$CHROME"
cp "$SRC/tests/web/test_lighthouse.mjs" "$NODE_DIR/" || exit 1
exec node "$NODE_DIR/test_lighthouse.mjs" "$MINGA" "$SRC" "$WORK"
