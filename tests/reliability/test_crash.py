#!/usr/bin/env python3
"""Crash consistency: `minga import` (and the server during an upload)
killed with SIGKILL at many points of a large import. After each kill:
`minga check --json` exits 0 and says consistent, the import is all there
or all absent, the base cases are intact, and importing again succeeds.

usage: test_crash.py MINGA_BINARY [WORK_DIR]
Environment: MINGA_CRASH_ROUNDS (default 20), MINGA_CRASH_CASES (3000).
"""
import os
import shutil
import signal
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc  # noqa: E402

ROUNDS = int(os.environ.get("MINGA_CRASH_ROUNDS", "20"))
N_BIG = int(os.environ.get("MINGA_CRASH_CASES", "3000"))
SERVER_ROUNDS = max(6, ROUNDS // 2)
MARKER = "zqxcrashmarker"
N_BASE = 5


def verify_after_kill(mg, base_cases, what, allow_recovery=True):
    """Returns 'present' or 'absent' (the import's state), failing the test
    on anything else."""
    rep = mg.check_consistent(what)
    n = mg.stats_cases()
    if n not in (N_BASE, N_BASE + N_BIG):
        rc.fail("%s: %d cases after the kill; expected %d (import absent) "
                "or %d (import complete): a partial import" % (
                    what, n, N_BASE, N_BASE + N_BIG))
    total, p = mg.search_total(MARKER)
    if total is None:
        rc.fail("%s: search failed after the kill: %s" % (what, p.stderr))
    expected = N_BIG if n == N_BASE + N_BIG else 0
    if total != expected:
        rc.fail("%s: the index finds %d cases of the import, the catalog "
                "has %d" % (what, total, expected))
    rc.assert_base_intact(mg, base_cases, what)
    state = "present" if n == N_BASE + N_BIG else "absent"
    if rep.get("recovered_interrupted_write"):
        state += "+recovered"
    return state


def reimport(mg, big, what):
    p = mg.run("import", big, timeout=300)
    if p.returncode != 0:
        rc.fail("%s: importing again failed (exit %d): %s" % (
            what, p.returncode, p.stderr[-1500:]))
    n = mg.stats_cases()
    if n != N_BASE + N_BIG:
        rc.fail("%s: after importing again %d cases, expected %d" % (
            what, n, N_BASE + N_BIG))
    mg.check_consistent(what + " (after importing again)")


def cli_rounds(binary, work, base_dir, big, base_cases):
    # How long one import takes, to spread the kills over it.
    probe = os.path.join(work, "probe")
    duration = 0.0
    for _ in range(2):   # the slower of two: timings vary a lot
        rc.fresh_copy(base_dir, probe)
        mg = rc.Minga(binary, probe)
        t0 = time.monotonic()
        mg.run("import", big, check=True, timeout=300)
        duration = max(duration, time.monotonic() - t0)
    rc.log("one import of %d cases takes up to %.2f s" % (N_BIG, duration))
    shutil.rmtree(probe)

    seen = {}
    for i in range(ROUNDS):
        # from 2% to 140% of the duration: the last ones land after the
        # commit, or during process exit
        delay = duration * (0.02 + 1.38 * i / max(1, ROUNDS - 1))
        d = os.path.join(work, "cli-%02d" % i)
        rc.fresh_copy(base_dir, d)
        mg = rc.Minga(binary, d)
        proc = mg.popen("import", big)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        what = "CLI round %d (kill after %.3f s)" % (i, delay)
        state = verify_after_kill(mg, base_cases, what)
        seen[state] = seen.get(state, 0) + 1
        reimport(mg, big, what)
        shutil.rmtree(d)
    rc.log("CLI: %d kills; states after recovery: %s" % (ROUNDS, seen))
    if not any(s.startswith("absent") for s in seen):
        rc.fail("no kill landed before the commit: the test did not test "
                "anything (import too fast?)")
    if not any(s.startswith("present") for s in seen):
        rc.log("note: no kill landed after the commit this time")


def upload(srv, token, big, result):
    try:
        with open(big, "rb") as f:
            body = f.read()
        st, data, _ = srv.request(
            "POST", "/api/imports?filename=big.tar.gz", body=body,
            headers={"Authorization": "Bearer " + token,
                     "Content-Type": "application/octet-stream"},
            timeout=120)
        result.append(st)
    except OSError as e:
        result.append(e)


def server_rounds(binary, work, base_dir, big, base_cases):
    import threading
    # A base with a token; the token survives in every copy.
    sbase = os.path.join(work, "server-base")
    rc.fresh_copy(base_dir, sbase)
    token = rc.token_add(rc.Minga(binary, sbase), "crash")

    probe = os.path.join(work, "server-probe")
    rc.fresh_copy(sbase, probe)
    srv = rc.start_server_or_skip_message(binary, probe)
    if not srv:
        return
    res = []
    t0 = time.monotonic()
    upload(srv, token, big, res)
    duration = time.monotonic() - t0
    srv.stop()
    if res != [201]:
        rc.log("SKIP server part: a plain upload of the archive did not "
               "answer 201 (got %r); server log:\n%s" % (
                   res, srv.log_text()[-1500:]))
        return
    rc.log("one upload of %d cases takes %.2f s" % (N_BIG, duration))
    shutil.rmtree(probe)

    seen = {}
    for i in range(SERVER_ROUNDS):
        delay = duration * (0.05 + 1.0 * i / max(1, SERVER_ROUNDS - 1))
        d = os.path.join(work, "srv-%02d" % i)
        rc.fresh_copy(sbase, d)
        srv = rc.Server(binary, d)
        if not srv.start():
            rc.fail("server round %d: the server did not start:\n%s" % (
                i, srv.log_text()[-1500:]))
        res = []
        t = threading.Thread(target=upload, args=(srv, token, big, res))
        t.start()
        time.sleep(delay)
        srv.kill(signal.SIGKILL)
        t.join(timeout=60)
        mg = rc.Minga(binary, d)
        what = "server round %d (kill after %.3f s, upload got %r)" % (
            i, delay, res)
        state = verify_after_kill(mg, base_cases, what)
        if res == [201] and not state.startswith("present"):
            rc.fail(what + ": the upload was answered 201 but its cases are "
                    "gone after the kill")
        seen[state] = seen.get(state, 0) + 1
        reimport(mg, big, what)
        shutil.rmtree(d)
    rc.log("server: %d kills during uploads; states after recovery: %s" % (
        SERVER_ROUNDS, seen))


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    work = tempfile.mkdtemp(prefix="minga-crash-",
                            dir=sys.argv[2] if len(sys.argv) > 2 else None)
    try:
        base_dir = os.path.join(work, "base")
        mg = rc.Minga(binary, base_dir)
        mg.run("init", check=True)
        base_cases = [rc.make_case("base", i, "zqxbasemarker")
                      for i in range(N_BASE)]
        base_json = os.path.join(work, "base.json")
        rc.write_json(base_json, base_cases)
        mg.run("import", base_json, check=True)
        big = os.path.join(work, "big.tar.gz")
        rc.write_targz(big, "big", N_BIG, MARKER)
        cli_rounds(binary, work, base_dir, big, base_cases)
        server_rounds(binary, work, base_dir, big, base_cases)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("crash consistency: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
