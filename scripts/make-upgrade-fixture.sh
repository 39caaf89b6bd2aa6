#!/bin/sh
# Writes tests/cli/fixtures/release-0.1-data.tar.gz: a data folder made by
# release 0.1's own code (commit f81fd0f, catalog schema version 2), which
# cli.stewardship opens with the current code to test the upgrade in
# place. Run once per release whose folders must keep opening:
#   scripts/make-upgrade-fixture.sh [COMMIT] [BUILT_MINGA_BINARY]
# Without a binary it builds COMMIT in a temporary git worktree.
set -eu
rel=${1:-f81fd0f}
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"; git -C "$src" worktree prune' EXIT
if [ $# -ge 2 ]; then
    minga=$2
else
    git -C "$src" worktree add --detach "$work/src" "$rel" >/dev/null
    cmake -S "$work/src" -B "$work/build" >/dev/null
    cmake --build "$work/build" -j"$(nproc)" --target minga >/dev/null
    minga=$work/build/bin/minga
fi
# the cases are the CLI tests' real fixtures; Rosario with its report
python3 - "$src/tests/cli" "$work/in" <<'PY'
import os, sys
sys.path.insert(0, sys.argv[1])
from clitest import BOGOTA, PORTO_ALEGRE, ROSARIO, case, json_text
from test_stewardship import ATTACHMENT, REPORT_1
out = sys.argv[2]
os.makedirs(os.path.join(out, "rosario", os.path.dirname(ATTACHMENT)))
with open(os.path.join(out, "two.json"), "w", encoding="utf-8") as f:
    f.write(json_text([PORTO_ALEGRE, BOGOTA]))
with open(os.path.join(out, "rosario", "rosario.json"), "w",
          encoding="utf-8") as f:
    f.write(json_text(case(ROSARIO, attachments=[ATTACHMENT])))
with open(os.path.join(out, "rosario", ATTACHMENT), "wb") as f:
    f.write(REPORT_1)
PY
data=$work/release-0.1-data
"$minga" --data "$data" init >/dev/null
"$minga" --data "$data" import "$work/in/two.json" \
    "$work/in/rosario/rosario.json" >/dev/null
"$minga" --data "$data" token add rosario >/dev/null 2>&1
rm -f "$data/reserve" "$data/lock"   # recreated on open
mkdir -p "$src/tests/cli/fixtures"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf \
    "$src/tests/cli/fixtures/release-0.1-data.tar.gz" release-0.1-data
echo "wrote tests/cli/fixtures/release-0.1-data.tar.gz"
