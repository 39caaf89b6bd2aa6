#!/usr/bin/env python3
"""The crash window between the index's commit and the catalog's (issue 18,
finding 8). An import commits the index first and the catalog last; a
SIGKILL between the two leaves the index one generation ahead, holding
cases the catalog never got. The test makes that state exactly: a data
folder with base cases, its catalog files kept aside, a second import, then
the kept catalog put back (the index keeps the second import, the catalog
does not: what the kill leaves). Then:

- `minga search` (a read-only handle, which repairs nothing) must not
  answer with the cases the catalog lacks, and the base cases are found;
- `minga serve` must rebuild the index at start and say so in its log,
  after which /api/search and /api/stats agree with the catalog and
  `minga check` says consistent.

On the code before the fix, the first search returned the new cases.

usage: test_index_ahead.py MINGA_BINARY [WORK_DIR]
"""
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc  # noqa: E402

MARKER = "zqxaheadmarker"
N_BASE, N_NEW = 5, 12
CATALOG_FILES = ("catalog.db", "catalog.db-wal", "catalog.db-shm")


def keep_catalog(data, aside):
    os.makedirs(aside)
    for name in CATALOG_FILES:
        path = os.path.join(data, name)
        if os.path.exists(path):
            shutil.copy2(path, os.path.join(aside, name))


def put_back_catalog(data, aside):
    for name in CATALOG_FILES:
        path = os.path.join(data, name)
        if os.path.exists(path):
            os.unlink(path)
        kept = os.path.join(aside, name)
        if os.path.exists(kept):
            shutil.copy2(kept, path)


def search_ids(mg, text):
    p = mg.run("search", "--json", "--limit", "50", text)
    if p.returncode != 0:
        rc.fail("search %r exited %d: %s" % (text, p.returncode, p.stderr))
    return [h["id"] for h in json.loads(p.stdout)["results"]]


def main():
    binary = sys.argv[1]
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(
        prefix="minga-ahead-")
    data = os.path.join(work, "data")
    mg = rc.Minga(binary, data)
    mg.run("init", check=True)
    base = [rc.make_case("base", i, "baseword") for i in range(N_BASE)]
    rc.write_json(os.path.join(work, "base.json"), base)
    mg.run("import", os.path.join(work, "base.json"), check=True)
    keep_catalog(data, os.path.join(work, "aside"))
    new = [rc.make_case("ahead", i, MARKER) for i in range(N_NEW)]
    rc.write_json(os.path.join(work, "new.json"), new)
    mg.run("import", os.path.join(work, "new.json"), check=True)
    put_back_catalog(data, os.path.join(work, "aside"))

    if mg.stats_cases() != N_BASE:
        rc.fail("the catalog put back should hold the %d base cases" % N_BASE)
    got = search_ids(mg, MARKER)
    if got:
        rc.fail("with the index ahead, a search answered with %d cases the "
                "catalog does not hold: %s" % (len(got), got[:3]))
    base_ids = {c["id"] for c in base}
    got = set(search_ids(mg, "baseword"))
    if got != base_ids:
        rc.fail("with the index ahead, the base cases were not all found: "
                "%s" % sorted(got ^ base_ids))
    p = mg.run("list", "--json")
    if p.returncode == 0 and MARKER in p.stdout:
        rc.fail("`minga list` shows a case the catalog does not hold")

    srv = rc.start_server_or_skip_message(binary, data)
    if srv is None:
        sys.exit(77)
    try:
        log = srv.log_text()
        if "rebuilt it from the catalog" not in log:
            rc.fail("serve did not say it repaired the index; log: %s"
                    % log[-800:])
        st, body, _ = srv.request("GET", "/api/search?q=" + MARKER)
        if st != 200 or json.loads(body)["total"] != 0:
            rc.fail("after serve's repair /api/search finds the unfinished "
                    "import (%s %s)" % (st, body[:300]))
        st, body, _ = srv.request("GET", "/api/stats")
        if st != 200 or json.loads(body)["cases"] != N_BASE:
            rc.fail("/api/stats after the repair: %s %s" % (st, body[:300]))
    finally:
        srv.stop()
    mg.check_consistent("after serve's repair")
    rc.log("index ahead of the catalog: searches left out the %d cases the "
           "catalog lacks; serve rebuilt the index at start" % N_NEW)
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
