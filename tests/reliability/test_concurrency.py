#!/usr/bin/env python3
"""Concurrency: writers serialise, readers never see half an import.

1. Two `minga import` of different archives at once: both succeed (one
   waits for the other's lock) or one fails with a message saying another
   import is running; never corruption: check is consistent and the counts
   add up.
2. A search loop (CLI) while imports write: no search fails, and the
   number of cases found for an import's marker word is always 0 or all of
   them.
3. With the server (skipped with a message if it does not start): 4
   threads search for 5 s while an upload and a CLI import run: no failed
   request, no partial import seen, and the new cases are visible once
   both have committed.

usage: test_concurrency.py MINGA_BINARY
"""
import os
import re
import shutil
import sys
import tempfile
import threading
import time
import json
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc  # noqa: E402

N = int(os.environ.get("MINGA_CONC_CASES", "1500"))
BUSY = re.compile(r"another import|try again|busy|locked", re.I)


def two_imports(binary, work, base, a, b):
    d = os.path.join(work, "two")
    rc.fresh_copy(base, d)
    mg = rc.Minga(binary, d)
    n0 = mg.stats_cases()
    pa = mg.popen("import", a)
    pb = mg.popen("import", b)
    outs = [p.communicate(timeout=300) for p in (pa, pb)]
    rcs = [pa.returncode, pb.returncode]
    for (out, err), code, name in zip(outs, rcs, ("A", "B")):
        if code not in (0, 1):
            rc.fail("concurrent import %s exited %d: %s" % (name, code, err))
        if code == 1 and not BUSY.search(err):
            rc.fail("concurrent import %s failed without saying another "
                    "import is running: %r" % (name, err))
    mg.check_consistent("after two concurrent imports")
    n = mg.stats_cases()
    expected = n0 + N * rcs.count(0)
    if n != expected:
        rc.fail("two concurrent imports (exits %s): %d cases, expected %d"
                % (rcs, n, expected))
    for marker, code in (("zqxconca", rcs[0]), ("zqxconcb", rcs[1])):
        total, _ = mg.search_total(marker)
        if total != (N if code == 0 else 0):
            rc.fail("after concurrent imports, %s finds %s cases (import "
                    "exit %d)" % (marker, total, code))
    rc.log("two concurrent imports: exits %s, %d cases, consistent" % (
        rcs, n))
    shutil.rmtree(d)


def search_while_importing(binary, work, base, a, b):
    d = os.path.join(work, "loop")
    rc.fresh_copy(base, d)
    mg = rc.Minga(binary, d)
    stop = threading.Event()
    errors, seen = [], {"zqxconca": set(), "zqxconcb": set()}
    n_searches = [0]

    def loop():
        deadline = time.time() + 120
        while not stop.is_set() and time.time() < deadline:
            for marker in seen:
                total, p = mg.search_total(marker)
                n_searches[0] += 1
                if total is None:
                    errors.append("search %s: exit %d: %s" % (
                        marker, p.returncode, p.stderr.strip()))
                else:
                    seen[marker].add(total)

    t = threading.Thread(target=loop)
    t.start()
    time.sleep(0.2)
    pa = mg.popen("import", a)
    pb = mg.popen("import", b)
    ea = pa.communicate(timeout=300)[1]
    eb = pb.communicate(timeout=300)[1]
    time.sleep(0.3)
    stop.set()
    t.join(timeout=130)
    if pa.returncode != 0 or pb.returncode != 0:
        rc.fail("imports during the search loop failed: %d %r / %d %r" % (
            pa.returncode, ea, pb.returncode, eb))
    if errors:
        rc.fail("searches failed while imports wrote (%d of %d):\n  %s" % (
            len(errors), n_searches[0], "\n  ".join(errors[:10])))
    for marker, totals in seen.items():
        if not totals <= {0, N}:
            rc.fail("a search saw a partial import: %s found %s cases "
                    "(0 or %d expected)" % (marker, sorted(totals), N))
        if N not in totals:
            rc.fail("the search loop never saw the committed import of %s"
                    % marker)
    mg.check_consistent("after the search loop")
    rc.log("search loop: %d searches during two imports, totals seen %s" % (
        n_searches[0], {k: sorted(v) for k, v in seen.items()}))
    shutil.rmtree(d)


def with_server(binary, work, base, a, b):
    d = os.path.join(work, "server")
    rc.fresh_copy(base, d)
    mg = rc.Minga(binary, d)
    token = rc.token_add(mg, "conc")
    srv = rc.start_server_or_skip_message(binary, d)
    if not srv:
        return
    try:
        stop = threading.Event()
        errors, seen = [], {"zqxconca": set(), "zqxconcb": set()}
        counts = [0]
        lock = threading.Lock()

        def searcher():
            deadline = time.time() + 60
            c = None
            while not stop.is_set() and time.time() < deadline:
                for marker in seen:
                    try:
                        st, body, _ = srv.request(
                            "GET", "/api/search?per_page=1&q=" +
                            urllib.parse.quote(marker), timeout=30)
                        total = json.loads(body)["total"] if st == 200 \
                            else None
                    except (OSError, ValueError) as e:
                        st, total = repr(e), None
                    with lock:
                        counts[0] += 1
                        if total is None:
                            errors.append("GET /api/search %s: %s" % (
                                marker, st))
                        else:
                            seen[marker].add(total)
            del c

        threads = [threading.Thread(target=searcher) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(0.3)
        up = []

        def do_upload():
            with open(a, "rb") as f:
                body = f.read()
            try:
                st, data, _ = srv.request(
                    "POST", "/api/imports?filename=a.tar.gz", body=body,
                    headers={"Authorization": "Bearer " + token},
                    timeout=120)
                up.append((st, data[:300]))
            except OSError as e:
                up.append((repr(e), b""))

        tu = threading.Thread(target=do_upload)
        tu.start()
        pb = mg.popen("import", b)
        eb = pb.communicate(timeout=300)[1]
        tu.join(timeout=130)
        t_end = time.time() + 5
        while time.time() < t_end and not (N in seen["zqxconca"] and
                                           N in seen["zqxconcb"]):
            time.sleep(0.1)
        stop.set()
        for t in threads:
            t.join(timeout=70)
        if pb.returncode != 0:
            rc.fail("CLI import beside an upload failed (%d): %s" % (
                pb.returncode, eb))
        if not up or up[0][0] != 201:
            rc.fail("upload beside a CLI import: %r" % (up,))
        if errors:
            rc.fail("%d of %d searches failed during the upload and import:"
                    "\n  %s" % (len(errors), counts[0],
                                "\n  ".join(errors[:10])))
        for marker, totals in seen.items():
            if not totals <= {0, N}:
                rc.fail("the server showed a partial import: %s found %s"
                        % (marker, sorted(totals)))
        st, body, _ = srv.request("GET", "/api/search?per_page=1&q=zqxconca")
        st2, body2, _ = srv.request("GET",
                                    "/api/search?per_page=1&q=zqxconcb")
        if json.loads(body)["total"] != N or json.loads(body2)["total"] != N:
            rc.fail("after both committed the server finds %s and %s cases,"
                    " expected %d each" % (json.loads(body)["total"],
                                           json.loads(body2)["total"], N))
        if not srv.healthy():
            rc.fail("server unhealthy after the concurrent writes")
        rc.log("server: %d searches from 4 threads during an upload and a "
               "CLI import, none failed; totals seen %s" % (
                   counts[0], {k: sorted(v) for k, v in seen.items()}))
    finally:
        srv.stop()
    mg.check_consistent("after the server part")
    shutil.rmtree(d)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minga-conc-")
    try:
        base = os.path.join(work, "base")
        mg = rc.Minga(binary, base)
        mg.run("init", check=True)
        bj = os.path.join(work, "base.json")
        rc.write_json(bj, [rc.make_case("base", i, "zqxbase")
                           for i in range(5)])
        mg.run("import", bj, check=True)
        a = os.path.join(work, "a.tar.gz")
        b = os.path.join(work, "b.tar.gz")
        rc.write_targz(a, "conca", N, "zqxconca")
        rc.write_targz(b, "concb", N, "zqxconcb")
        two_imports(binary, work, base, a, b)
        search_while_importing(binary, work, base, a, b)
        with_server(binary, work, base, a, b)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("concurrency: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
