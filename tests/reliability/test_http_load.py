#!/usr/bin/env python3
"""HTTP load against `minga serve`, on loopback only: slow requests must
not hold the fast ones.

A catalog of 3000 generated cases (2 KB of body each) is served with
`--threads 2`. For FLOOD_S seconds or more:

- a burst at the start: 12 JSON exports at once, each from its own
  address. The export pool runs one and queues a few (web/server.c: 1
  export worker and 4 queued with 2 threads); the rest must get 503 with
  Retry-After at once, and the queued ones must be answered, not cut,
  though the last waits about as long as the header deadline (15 s,
  web/guard.c) or longer;
- 3 clients export (json, csv, markdown) in a loop, 2 upload 20 new
  cases at a time with a token (each pausing UPLOAD_PAUSE_S between
  uploads: see there), 4 run heavy searches (60 `q` parameters of
  wildcard-looking words, 1000 bytes of text, 20 `q` parameters);
- every 0.25 s, from other addresses, GET /healthz and a plain search
  must each answer 200 within PROBE_LIMIT_S.

Every request must get an HTTP answer (none cut or timed out), floods
must make progress, and the server must not log that it closed
connections for not sending their request. Before the worker pools
(libmicrohttpd ran each handler on the connection's thread) /healthz
waited seconds behind exports and no request was ever refused with 503.

Skips (77) when the server does not start.
usage: test_http_load.py MINGA_BINARY
"""
import collections
import json
import os
import socket
import sys
import threading
import time
import http.client
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc  # noqa: E402

N_CASES = 3000
FLOOD_S = 20               # at least; longer while the burst is answered
MAX_S = 45                 # the flood stops by then whatever happens
PROBE_EVERY_S = 0.25
PROBE_LIMIT_S = 1.0
HEADER_DEADLINE_S = 15     # web/server.c HEADER_DEADLINE_S
BURST = 12
# Back-to-back uploads commit the index several times a second, and a
# search that finds its revision overwritten by two commits retries only
# a few times (index/mindex_internal.h guard_read) before it fails with
# 500 DatabaseModifiedError: a write rate no city's uploads come near,
# and index/'s to answer, not the server's threads. So the uploaders
# pause.
UPLOAD_PAUSE_S = 1.0
problems = []
lock = threading.Lock()


def problem(msg):
    rc.log("PROBLEM: " + msg)
    with lock:
        problems.append(msg)


def get(port, path, src, timeout=90, method="GET", body=None,
        headers=None):
    """One request on a new connection from address src: (status,
    headers, body length, seconds). Raises OSError or HTTPException when
    the connection fails or is cut."""
    t0 = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                   source_address=(src, 0))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        n = 0
        while True:
            chunk = r.read(1 << 16)
            if not chunk:
                break
            n += len(chunk)
        return r.status, dict(r.getheaders()), n, time.monotonic() - t0
    finally:
        c.close()


class Tally:
    """Statuses and failures of one kind of request."""

    def __init__(self):
        self.statuses = collections.Counter()
        self.slowest = 0.0

    def add(self, kind, port, path, src, ok=(200,), **kw):
        try:
            st, hdrs, n, took = get(port, path, src, **kw)
        except (OSError, http.client.HTTPException) as e:
            problem("%s %s from %s: no answer (%r)" % (kind, path[:60], src,
                                                       e))
            self.statuses["cut"] += 1
            return None
        with lock:
            self.statuses[st] += 1
            self.slowest = max(self.slowest, took)
        if st == 503:
            if "Retry-After" not in hdrs:
                problem("%s: a 503 without Retry-After" % kind)
        elif st not in ok:
            problem("%s %s: status %d" % (kind, path[:60], st))
        return st, took


HEAVY = [
    "&".join("q=" + urllib.parse.quote(w[:4] + "*") for w in
             (rc.WORDS * 3)[:60]),
    "q=" + urllib.parse.quote(" ".join(rc.WORDS * 10)[:1000]),
    "q=" + urllib.parse.quote(" OR ".join(rc.WORDS * 5)[:1000]),
    "&".join("q=" + urllib.parse.quote(" ".join(rc.WORDS[i:i + 4]))
             for i in range(0, 40, 2)),
]


def flood(port, stop, kind, k, tally, token):
    src = "127.0.2.%d" % (10 * k + len(kind))
    n = 0
    while not stop.is_set():
        n += 1
        if kind == "export":
            fmt = ("json", "csv", "markdown")[k % 3]
            res = tally.add(kind, port, "/api/export/" + fmt, src)
        elif kind == "upload":
            cases = [rc.make_case("up%d-%d" % (k, n), i, "zqxupload")
                     for i in range(20)]
            res = tally.add(kind, port, "/api/imports?filename=u.json", src,
                            ok=(200, 201, 409), method="POST",
                            body=json.dumps(cases).encode(),
                            headers={"Authorization": "Bearer " + token})
        else:
            res = tally.add(kind, port, "/api/search?" +
                            HEAVY[(n + k) % len(HEAVY)], src)
        if kind == "upload":
            time.sleep(UPLOAD_PAUSE_S)
        elif res is None or res[0] == 503:
            time.sleep(0.5)   # keeps the pressure on without spinning


def burst(port, tallies):
    threads = []
    for i in range(BURST):
        t = threading.Thread(target=tallies["burst"].add, args=(
            "burst export", port, "/api/export/json", "127.0.4.%d" % (i + 1)))
        t.start()
        threads.append(t)
    return threads


def probe(port, tallies, n):
    src = "127.0.3.%d" % (1 + n % 200)
    for kind, path in (("healthz", "/healthz"),
                       ("plain search", "/api/search?q=agua&per_page=5")):
        res = tallies[kind].add(kind, port, path, src, timeout=20)
        if res and res[1] > PROBE_LIMIT_S:
            problem("%s took %.2f s (limit %.1f s) under load" % (
                kind, res[1], PROBE_LIMIT_S))


def load(srv, token):
    port = srv.port
    tallies = collections.defaultdict(Tally)
    stop = threading.Event()
    bursts = burst(port, tallies)
    time.sleep(0.5)   # the burst fills the bulk queue first
    floods = []
    for kind, n in (("export", 3), ("upload", 2), ("heavy search", 4)):
        for k in range(n):
            t = threading.Thread(target=flood, args=(
                port, stop, kind, k, tallies[kind], token))
            t.start()
            floods.append(t)
    start = time.monotonic()
    n = 0
    while True:
        elapsed = time.monotonic() - start
        if elapsed > MAX_S or (elapsed > FLOOD_S and
                               not any(t.is_alive() for t in bursts)):
            break
        probe(port, tallies, n)
        n += 1
        time.sleep(PROBE_EVERY_S)
    stop.set()
    for t in floods + bursts:
        t.join(timeout=120)
    took = time.monotonic() - start
    for kind in ("healthz", "plain search", "export", "upload",
                 "heavy search", "burst"):
        t = tallies[kind]
        rc.log("%-13s %s, slowest %.2f s" % (
            kind, dict(t.statuses), t.slowest))
    rc.log("flood: %.0f s" % took)
    # progress: the floods did run, and the queued exports were served
    for kind, ok in (("export", 200), ("upload", 201), ("heavy search", 200)):
        if tallies[kind].statuses[ok] == 0:
            problem("no %s was answered %d during the flood" % (kind, ok))
    b = tallies["burst"].statuses
    if b[503] == 0:
        problem("a burst of %d exports with 1 running and 4 queued got no "
                "503: the queue is not bounded" % BURST)
    if b[200] == 0:
        problem("no export of the burst was served")
    wait = tallies["burst"].slowest
    if b[200] and wait > HEADER_DEADLINE_S:
        rc.log("a queued export was answered after %.0f s, past the %d s "
               "header deadline" % (wait, HEADER_DEADLINE_S))
    else:
        rc.log("note: no queued export waited past the header deadline "
               "(exports were quick): that part was not exercised")


def main():
    binary = rc.binary_from_argv(__doc__)
    if not binary:
        return 2
    work, mg = rc.new_data_folder(binary, "minga-load-")
    srv = None
    try:
        path = os.path.join(work, "cases.jsonl")
        with open(path, "w") as f:
            for i in range(N_CASES):
                f.write(json.dumps(rc.make_case("load", i, "zqxload", 2000))
                        + "\n")
        mg.run("import", path, check=True, timeout=300)
        token = rc.token_add(mg, "load")
        srv = rc.start_server_or_skip_message(
            binary, mg.data, extra=("--threads", "2"))
        if not srv:
            print("SKIP: the server does not work")
            return rc.SKIP
        load(srv, token)
        if srv.proc.poll() is not None:
            problem("the server died (exit %s); log:\n%s" % (
                srv.proc.returncode, srv.log_text()[-2000:]))
        for line in srv.log_text().splitlines():
            if "that sent no complete request" in line:
                problem("the server cut connections as slow senders "
                        "though their requests had arrived: " + line)
        if problems:
            notes = [ln for ln in srv.log_text().splitlines()
                     if not ln.startswith(("GET ", "HEAD ", "POST "))]
            rc.log("the server's log, but for the access lines:\n" +
                   "\n".join(notes[-30:]))
    finally:
        rc.clean_up(srv, work)
    return rc.report(problems, "HTTP load")


if __name__ == "__main__":
    socket.setdefaulttimeout(120)
    sys.exit(main())
