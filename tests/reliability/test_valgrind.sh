#!/usr/bin/env bash
# The integration path under valgrind memcheck: init, import of the sample
# catalog and of an archive with attachments, search, show, export (json
# and briefing), check. Fails on any memory error, and on any leak whose
# stack passes through minga's own code ("definitely" or "indirectly"
# lost); caches that system libraries keep for the life of the process are
# named in valgrind.supp.
# usage: test_valgrind.sh MINGA SOURCE_DIR
set -u
minga=$1
src=$2
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
data=$work/data
# an archive with a case that names a text attachment
mkdir -p "$work/pack/cases/reports"
cp "$src/data/sample/rosario-programa-agricultura-urbana.json" "$work/pack/cases/rosario.json"
python3 - "$work/pack/cases/rosario.json" <<'PY'
import json, sys
p = sys.argv[1]
c = json.load(open(p))
c["id"] = "rosario-agricultura-urbana-informe"
c["attachments"] = ["reports/informe.txt"]
json.dump(c, open(p, "w"), ensure_ascii=False)
PY
printf 'Informe anual: huertas comunitarias y ferias agroecológicas en barrios.\n' \
  > "$work/pack/cases/reports/informe.txt"
(cd "$work/pack" && tar czf "$work/pack.tar.gz" cases)

vg() {
  valgrind -q --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --suppressions="$src/tests/reliability/valgrind.supp" \
    "$minga" --data "$data" "$@" >"$work/out" 2>"$work/err"
  local rc=$?
  if [ $rc -eq 99 ]; then
    echo "FAIL: valgrind found errors in: minga $*"; cat "$work/err"; exit 1
  fi
  if [ $rc -ne 0 ]; then
    echo "FAIL: minga $* exited $rc under valgrind"; cat "$work/err"; exit 1
  fi
  echo "ok: minga $*"
}
vg init
vg import "$src/data/sample"
vg import "$work/pack.tar.gz"
vg search --json --sdg 2 huertas comunitarias
grep -q rosario-agricultura-urbana-informe "$work/out" || { echo "FAIL: the attachment's case was not found"; exit 1; }
vg show --json porto-alegre-orcamento-participativo
vg export --format json -o "$work/all.json"
vg export --format briefing --lang es -o "$work/pack.zip" --sdg 11
vg check
vg import "$work/pack.tar.gz"
echo "valgrind: no errors and no leaks from minga's code"
