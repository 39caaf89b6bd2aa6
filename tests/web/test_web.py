#!/usr/bin/env python3
"""Integration test of `minga serve`: builds a data folder with the real
`minga` binary, starts the server on a free port and drives every endpoint
over real HTTP, checking statuses, security headers and every JSON answer
against docs/openapi.json.

usage: test_web.py MINGA_BINARY SOURCE_DIR WORK_DIR

Only the Python standard library is used. Prints one line per check and
exits 1 if any failed.
"""
import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
import webtest  # noqa: E402
from webtest import Checks, Response, Server, free_port  # noqa: E402

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
FIXTURES = os.path.join(SOURCE_DIR, "tests", "web", "fixtures")
SPEC = json.load(open(os.path.join(SOURCE_DIR, "docs", "openapi.json")))
MAX_UPLOAD = 100000

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}

checks = Checks(is_verbose=True)
check = checks.check


# -- OpenAPI -------------------------------------------------------------------

CHECKER = SchemaChecker(SPEC)


def validate(template, method, resp):
    webtest.validate(check, SPEC, CHECKER, template, method, resp)


# -- HTTP -----------------------------------------------------------------------

PORT = None


def request(method, path, body=None, headers=None, check_headers=True):
    con = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    con.putrequest(method, path, skip_accept_encoding=True)
    hdrs = dict(headers or {})
    if body is not None and "Content-Length" not in hdrs:
        hdrs["Content-Length"] = str(len(body))
    for k, v in hdrs.items():
        con.putheader(k, v)
    con.endheaders()
    if body is not None:
        con.send(body)
    r = con.getresponse()
    resp = Response(r.status, r.getheaders(), r.read())
    con.close()
    if check_headers:
        missing = [h for h, v in SECURITY_HEADERS.items()
                   if resp.headers.get(h) != v]
        check(not missing, "%s %s: security headers present%s"
              % (method, path[:60], " (missing %s)" % missing
                 if missing else ""))
        is_json = resp.headers.get("content-type", "").startswith(
            "application/json")
        if is_json and method != "HEAD" and path != "/api/openapi.json":
            check(resp.headers.get("cache-control") == "no-store",
                  "%s %s: JSON is Cache-Control: no-store" % (method, path[:60]))
            check(resp.json() is not None, "%s %s: body is JSON"
                  % (method, path[:60]))
    return resp


def raw_exchange(head, body_chunks=(), wait_first=False):
    """Sends a raw request; returns (first bytes read, everything read).
    With wait_first, reads an answer before sending any body (for
    Expect: 100-continue)."""
    s = socket.create_connection(("127.0.0.1", PORT), timeout=10)
    s.sendall(head)
    first = b""
    if wait_first:
        first = s.recv(65536)
        if first.startswith(b"HTTP/1.1 100"):
            for c in body_chunks:
                s.sendall(c)
    else:
        try:
            for c in body_chunks:
                s.sendall(c)
        except OSError:
            pass
    data = first
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and b'"error"' in data \
                    and data.rstrip().endswith(b"}"):
                break
    except OSError:
        pass
    s.close()
    return first, data


def status_of(raw):
    m = re.match(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(m.group(1)) if m else None


def final_status(raw):
    """The last status line in raw (after any 100 Continue)."""
    codes = re.findall(rb"HTTP/1\.[01] (\d{3})", raw)
    return int(codes[-1]) if codes else None


# -- set-up -----------------------------------------------------------------------

def minga(*args, check_rc=True):
    p = subprocess.run([MINGA, "--data", DATA] + list(args),
                       capture_output=True, text=True, timeout=120)
    if check_rc and p.returncode != 0:
        print("minga %s failed (%d):\n%s%s" % (" ".join(args), p.returncode,
                                               p.stdout, p.stderr))
        sys.exit(1)
    return p


os.makedirs(WORK_DIR, exist_ok=True)
DATA = os.path.join(WORK_DIR, "data")
shutil.rmtree(DATA, ignore_errors=True)
minga("init")
minga("import", *sorted(os.path.join(FIXTURES, f)
                        for f in os.listdir(FIXTURES) if f.endswith(".json")))
TOKEN = minga("token", "add", "test-uploader").stdout.strip().split()[-1]

PORT = free_port()
server = Server(MINGA, DATA, WORK_DIR, port=PORT,
                args=["--max-upload", str(MAX_UPLOAD)]).start()


def ids(resp):
    return [r["id"] for r in (resp.json() or {}).get("results", [])]


def search(qs):
    r = request("GET", "/api/search?" + qs)
    if r.status == 200:
        validate("/api/search", "GET", r)
    return r


def case_zip(cases, extra=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, c in enumerate(cases):
            z.writestr("cases/case%d.json" % i, json.dumps(c))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def test_health_and_static():
    bad = CHECKER.errors({"total": "3", "results": [{"id": 1}]},
                         {"$ref": "#/components/schemas/SearchResults"})
    check(len(bad) >= 3, "the schema checker catches a wrong body (%d errors)"
          % len(bad))
    r = request("GET", "/healthz")
    check(r.status == 200 and r.json() == {"status": "ok"}, "healthz is ok")
    validate("/healthz", "GET", r)
    r = request("HEAD", "/healthz")
    check(r.status == 200 and r.body == b"", "HEAD /healthz has no body")
    for path, ctype in [("/", "text/html"), ("/?q=agricultura+urbana&sdg=2",
                                              "text/html"),
                        ("/app.js", "text/javascript"),
                        ("/case.js", "text/javascript"),
                        ("/i18n.js", "text/javascript"),
                        ("/style.css", "text/css"),
                        ("/favicon.svg", "image/svg+xml"),
                        ("/api/openapi.json", "application/json")]:
        r = request("GET", path)
        check(r.status == 200 and r.headers.get("content-type", "")
              .startswith(ctype) and r.headers.get("etag"),
              "GET %s: 200 %s with an ETag" % (path, ctype))
    r = request("GET", "/")
    check(b"<script" in r.body and b"<script>" not in r.body
          and b"style=" not in r.body, "index.html has no inline script or style")
    r2 = request("GET", "/", headers={"If-None-Match": r.headers["etag"]})
    check(r2.status == 304, "If-None-Match gives 304")
    for path in ["/nope.js", "/index.html/../etc/passwd", "/etc/passwd",
                 "/api/nothing", "/api/search/", "/app.js/x"]:
        r = request("GET", path)
        check(r.status == 404 and r.json() and "error" in r.json(),
              "GET %s is a JSON 404" % path)


def test_search():
    r = search("q=agricultura+urbana")
    check(r.status == 200 and ids(r)[:1] == ["rosario-agricultura-urbana"],
          "search 'agricultura urbana' finds Rosario first")
    r = search("q=huertas+comunitarias")
    hit = ((r.json() or {}).get("results") or [{}])[0]
    check("<mark>huertas</mark>" in hit.get("snippet", ""),
          "the snippet marks matched words")
    r = search("q=transmilenio")
    check(ids(r) == ["bogota-transmilenio"], "search 'transmilenio' finds Bogotá")
    r = search("")
    check(r.status == 200 and r.json()["total"] == 3, "empty search lists all 3")
    facets = r.json()["facets"]
    goal_counts = {f["value"]: f["count"] for f in facets["goals"]}
    check(goal_counts.get(11) == 3 and goal_counts.get(2) == 1,
          "goal facets count 3 cases for goal 11 and 1 for goal 2")
    for qs, want in [
        ("sdg=11", 3), ("sdg=2&sdg=9", 2), ("sdg=2,9", 2), ("sdg=16", 1),
        ("sdg=2&country=CO", 0), ("country=BR", 1), ("country=br", 1),
        ("level=national", 2), ("lang=pt", 1), ("lang=es,en", 2),
        ("actor=private_sector", 1), ("target=11.3", 1),
        ("year_from=2001", 1), ("year_to=1999", 1),
        ("q=sdg:11+level:national", 2),
    ]:
        r = search(qs)
        total = (r.json() or {}).get("total")
        check(r.status == 200 and total == want,
              "search ?%s gives %d (got %s %s)" % (qs, want, r.status, total))
    r = search("per_page=1&page=2")
    b = r.json() or {}
    check(r.status == 200 and len(b.get("results", [])) == 1 and
          b.get("page") == 2 and b.get("per_page") == 1,
          "per_page=1&page=2 gives one result on page 2")
    r = search("q=agricultra+urbana")
    check(r.status == 200, "a misspelt query is answered (suggestion: %r)"
          % (r.json() or {}).get("suggestion"))
    # Many searches at once: each server thread opens its own handle.
    results = []

    def worker():
        try:
            results.append(request("GET", "/api/search?q=cidade&sdg=11",
                                   check_headers=False).status)
        except OSError as e:
            results.append(str(e))
    threads = [threading.Thread(target=worker) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(results == [200] * 24, "24 concurrent searches all succeed")


def test_bad_parameters():
    for qs, param in [("sdg=18", "sdg"), ("sdg=2&sdg=x", "sdg"),
                      ("level=city", "level"), ("country=XX", "country"),
                      ("year_from=abc", "year_from"), ("page=0", "page"),
                      ("per_page=101", "per_page"), ("per_page=x", "per_page"),
                      ("target=11.8", "target"), ("colour=red", "colour")]:
        r = request("GET", "/api/search?" + qs)
        b = r.json() or {}
        named = param in b.get("error", "") and \
            (b.get("details") or [{}])[0].get("field") == param
        check(r.status == 400 and named,
              "search ?%s is a 400 naming %s (%s)" % (qs, param, b.get("error")))
        validate("/api/search", "GET", r)
    # the text budget is for all q parameters together (issue 18: 28
    # copies of 333 "a*" were one search of 9 000 words); one q at the
    # limit, or a few short ones, are searched
    many = "&".join(["q=" + "+".join(["a*"] * 333)] * 2)
    r = request("GET", "/api/search?" + many)
    check(r.status == 400 and "q" in (r.json() or {}).get("error", ""),
          "two q of 999 bytes are a 400 naming q (%s)" % r.status)
    r = request("GET", "/api/search?q=" + "+".join(["a*"] * 333))
    check(r.status == 200, "one q of 999 bytes, one word repeated, is "
          "searched (%s)" % r.status)
    r = request("GET", "/api/search?q=agua&q=saneamiento")
    check(r.status == 200, "two short q are searched (%s)" % r.status)
    # more than 64 different words is a 400 from the index's budget
    # (negated, so that they are not read as a pasted paragraph, which
    # keeps only its most distinctive words)
    words = "+".join("-w%03dx" % i for i in range(70))
    r = request("GET", "/api/search?q=" + words)
    check(r.status == 400 and "64" in (r.json() or {}).get("error", ""),
          "70 different words are a 400 that says 64 (%s %s)"
          % (r.status, (r.json() or {}).get("error")))
    for path in ["/api/search?q=%zz", "/api/search?q=%4", "/api/search?q=%E0%A4",
                 "/api/search?q=a%00b", "/api/sea%zzrch", "/api/cases/%zz"]:
        r = request("GET", path)
        check(r.status == 400, "malformed encoding %s is a 400" % path)


def test_cases():
    r = request("GET", "/api/cases/rosario-agricultura-urbana")
    c = r.json() or {}
    check(r.status == 200 and c.get("city") == "Rosario" and
          c.get("sdg_goals") == [1, 2, 11] and "created_at" in c,
          "GET a case gives it in format v1 with times")
    validate("/api/cases/{id}", "GET", r)
    r = request("GET", "/api/cases/no-such-case")
    check(r.status == 404, "an unknown case is a 404")
    validate("/api/cases/{id}", "GET", r)
    for path in ["/api/cases/..%2F..%2Fetc", "/api/cases/..%2F..%2Fetc%2Fpasswd",
                 "/api/cases/%2e%2e", "/api/cases/../../etc/passwd",
                 "/api/cases/Rosario", "/api/cases/a_b", "/api/cases/" + "a" * 101,
                 "/api/cases/rosario-agricultura-urbana/x"]:
        r = request("GET", path)
        check(r.status in (400, 404) and (r.json() or {}).get("error"),
              "GET %s is a JSON 400/404 (%d)" % (path[:50], r.status))


def test_sdgs_and_stats():
    r = request("GET", "/api/sdgs")
    goals = r.json() or []
    check(r.status == 200 and len(goals) == 17 and
          [g["number"] for g in goals] == list(range(1, 18)),
          "sdgs lists the 17 goals in order")
    check(all(re.match(r"^#[0-9A-Fa-f]{6}$", g.get("color", "")) for g in goals),
          "every goal has a colour")
    validate("/api/sdgs", "GET", r)
    r = request("GET", "/api/stats")
    check(r.status == 200 and (r.json() or {}).get("cases") == 3,
          "stats counts 3 cases")
    validate("/api/stats", "GET", r)


def test_export():
    today = time.strftime("%Y-%m-%d", time.gmtime())
    r = request("GET", "/api/export/json")
    check(r.status == 200 and r.headers.get("content-type", "")
          .startswith("application/json"), "export json is JSON")
    check(r.headers.get("content-disposition") ==
          'attachment; filename="minga-json-%s.json"' % today,
          "export json has Content-Disposition (%s)"
          % r.headers.get("content-disposition"))
    try:
        text = r.body.decode("utf-8")
        json.loads(text)
        parsed = True
    except ValueError:
        text, parsed = "", False
    check(parsed and all(i in text for i in
                         ["porto-alegre-orcamento-participativo",
                          "rosario-agricultura-urbana", "bogota-transmilenio"]),
          "export json holds all 3 cases")
    r = request("GET", "/api/export/json?sdg=2")
    text = r.body.decode("utf-8", "replace")
    check(r.status == 200 and "rosario-agricultura-urbana" in text and
          "bogota-transmilenio" not in text, "export json?sdg=2 holds Rosario only")
    r = request("GET", "/api/export/json?language=pt&lang=es")
    text = r.body.decode("utf-8", "replace")
    check(r.status == 200 and "porto-alegre" in text and "rosario" not in text,
          "export uses language= as the case filter")
    r = request("GET", "/api/export/briefing?q=agricultura&lang=es")
    check(r.status == 200 and r.body[:4] == b"PK\x03\x04",
          "export briefing is a zip (%d, %r)" % (r.status, r.body[:4]))
    check(re.fullmatch(r'attachment; filename="minga-briefing-%s\.zip"' % today,
                       r.headers.get("content-disposition", "")) is not None,
          "briefing has Content-Disposition .zip (%s)"
          % r.headers.get("content-disposition"))
    r = request("GET", "/api/export/csv?country=CO")
    check(r.status == 200 and "csv" in r.headers.get("content-type", "") and
          b"bogota-transmilenio" in r.body, "export csv is CSV")
    r = request("GET", "/api/export/nope")
    b = r.json() or {}
    check(r.status == 404 and "json" in b.get("formats", []) and
          "briefing" in b.get("formats", []),
          "an unknown format is a 404 listing the formats (%s)" % b.get("formats"))
    validate("/api/export/{format}", "GET", r)
    r = request("GET", "/api/export/json?sdg=17")
    check(r.status == 404 and (r.json() or {}).get("error"),
          "an export of zero cases is a JSON 404 (%s)"
          % (r.json() or {}).get("error"))
    validate("/api/export/{format}", "GET", r)
    for qs, param in [("lang=fr", "lang"), ("sdg=0", "sdg"), ("page=2", "page")]:
        r = request("GET", "/api/export/json?" + qs)
        check(r.status == 400 and param in (r.json() or {}).get("error", ""),
              "export ?%s is a 400 naming %s" % (qs, param))


NEW_CASE = {
    "id": "medellin-metrocable",
    "title": "Metrocable de Medellín",
    "summary": "Desde 2004 un sistema de teleféricos conecta los barrios de "
               "ladera con el metro, como transporte público integrado.",
    "language": "es", "city": "Medellín", "country": "CO", "year_start": 2004,
    "sdg_goals": [11], "levels": ["local"],
    "source_url": "https://es.wikipedia.org/wiki/Metrocable_(Medell%C3%ADn)",
}


def test_upload_auth():
    body = case_zip([NEW_CASE])
    r = request("POST", "/api/imports?filename=pack.zip", body)
    check(r.status == 401 and r.headers.get("www-authenticate", "")
          .startswith("Bearer"), "an upload without a token is a 401 Bearer")
    validate("/api/imports", "POST", r)
    r = request("POST", "/api/imports?filename=pack.zip", body,
                {"Authorization": "Bearer not-a-real-token"})
    check(r.status == 401, "an upload with a wrong token is a 401")
    # The token is checked before the body is read: no "100 Continue".
    head = ("POST /api/imports?filename=pack.zip HTTP/1.1\r\nHost: x\r\n"
            "Authorization: Bearer wrong\r\nContent-Length: %d\r\n"
            "Expect: 100-continue\r\n\r\n" % len(body)).encode()
    first, _ = raw_exchange(head, [body], wait_first=True)
    check(status_of(first) == 401,
          "a wrong token is refused before the body is sent (%r)" % first[:20])
    r = request("GET", "/api/stats")
    check((r.json() or {}).get("cases") == 3, "refused uploads changed nothing")


def test_upload_bad():
    auth = {"Authorization": "Bearer " + TOKEN}
    bad = dict(NEW_CASE, id="bad-case", sdg_goals=[18])
    r = request("POST", "/api/imports?filename=bad.zip", case_zip([NEW_CASE, bad]),
                auth)
    b = r.json() or {}
    check(r.status == 400 and any("sdg_goals" in (d.get("field") or "") +
                                  d.get("message", "")
                                  for d in b.get("details", [])),
          "an archive with a bad case is a 400 listing the error (%s)"
          % b.get("details"))
    validate("/api/imports", "POST", r)
    r = request("POST", "/api/imports?filename=broken.zip",
                b"PK\x03\x04 this is not really a zip" * 10, auth)
    check(r.status == 400, "a broken zip is a 400 (%d)" % r.status)
    # application/octet-stream says nothing of the type: the first bytes
    # do (issue 20), and these are of no type minga reads
    r = request("POST", "/api/imports", b"\x00\x01 no known type", dict(
        auth, **{"Content-Type": "application/octet-stream"}))
    check(r.status == 415, "an upload of unknown type is a 415 (%d)" % r.status)
    r = request("GET", "/api/stats")
    check((r.json() or {}).get("cases") == 3, "bad uploads changed nothing")
    r = search("q=metrocable")
    check(r.json()["total"] == 0, "the refused case is not searchable")


def test_upload_too_large():
    auth = "Authorization: Bearer %s\r\n" % TOKEN
    size = MAX_UPLOAD * 2
    head = ("POST /api/imports?filename=big.json HTTP/1.1\r\nHost: x\r\n%s"
            "Content-Length: %d\r\nExpect: 100-continue\r\n\r\n"
            % (auth, size)).encode()
    first, _ = raw_exchange(head, [b" " * size], wait_first=True)
    check(status_of(first) == 413,
          "a declared oversize body is a 413 before it is sent (%r)" % first[:20])
    head = ("POST /api/imports?filename=big.json HTTP/1.1\r\nHost: x\r\n%s"
            "Transfer-Encoding: chunked\r\n\r\n" % auth).encode()
    chunk = b" " * 10000
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * 15 + [b"0\r\n\r\n"]
    _, data = raw_exchange(head, chunks)
    check(final_status(data) == 413,
          "a chunked body growing past the limit is a 413 (%r)"
          % final_status(data))


def test_upload_good():
    auth = {"Authorization": "Bearer " + TOKEN}
    r = request("POST", "/api/imports?filename=pack.zip", case_zip([NEW_CASE]),
                auth)
    b = r.json() or {}
    check(r.status == 201 and b.get("cases") == 1 and b.get("new") == 1,
          "a good archive is a 201 with its report (%d %s)" % (r.status, b))
    validate("/api/imports", "POST", r)
    r = search("q=metrocable")
    check(ids(r) == ["medellin-metrocable"],
          "the uploaded case is found by the next search")
    r = request("GET", "/api/stats")
    check((r.json() or {}).get("cases") == 4, "stats counts 4 cases")
    # The same bytes again: nothing to do.
    r = request("POST", "/api/imports?filename=pack.zip", case_zip([NEW_CASE]),
                auth)
    check(r.status in (200, 201), "re-uploading the same archive is accepted "
          "(%d)" % r.status)
    # Raw JSON typed by Content-Type only.
    case2 = dict(NEW_CASE, id="curitiba-rede-integrada",
                 title="Rede Integrada de Transporte de Curitiba",
                 summary="Desde 1974 Curitiba organiza ônibus expressos em "
                         "canaletas exclusivas.", language="pt",
                 city="Curitiba", country="BR", year_start=1974)
    r = request("POST", "/api/imports", json.dumps(case2).encode(),
                dict(auth, **{"Content-Type": "application/json"}))
    check(r.status == 201, "a JSON body typed by Content-Type is imported "
          "(%d %s)" % (r.status, r.json()))
    # multipart/form-data, as a browser form sends it.
    case3 = dict(NEW_CASE, id="montevideo-plan-climatico",
                 title="Plan Climático de Montevideo",
                 summary="Un plan municipal de adaptación y mitigación del "
                         "cambio climático.", city="Montevideo", country="UY",
                 year_start=2016, sdg_goals=[13])
    boundary = "minga-test-boundary"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\n"
            "hello\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"montevideo.json\"\r\nContent-Type: application/json"
            "\r\n\r\n%s\r\n--%s--\r\n" % (boundary, boundary,
                                          json.dumps(case3), boundary)).encode()
    r = request("POST", "/api/imports", body, dict(
        auth, **{"Content-Type": "multipart/form-data; boundary=" + boundary}))
    check(r.status == 201, "a multipart/form-data upload is imported (%d %s)"
          % (r.status, r.json()))
    r = search("sdg=13")
    check("montevideo-plan-climatico" in ids(r),
          "the multipart upload is searchable")


def test_token_use_recorded():
    """The server checks tokens through read-only handles; a token's use
    is written apart (web/token_use.c), so `token list` tells when it
    was last used."""
    used = None
    deadline = time.time() + 10
    while used is None and time.time() < deadline:
        tokens = json.loads(minga("token", "list", "--json").stdout)
        used = {t["name"]: t.get("last_used_at") for t in tokens}.get(
            "test-uploader")
        if used is None:
            time.sleep(0.2)
    check(used is not None, "after uploads, `token list` shows when the "
          "token was last used (%r)" % used)


def test_control_bytes_in_target():
    """libmicrohttpd hands the target over as a C string: a raw NUL cut it
    short (/healthz<NUL>junk was /healthz)."""
    for target, what in [(b"/healthz\x00junk", "a raw NUL byte"),
                         (b"/api/search?q=agua\x00%zz", "a raw NUL byte "
                          "in the query"),
                         (b"/healthz\x00", "a raw NUL byte at the end"),
                         (b"/healthz\x01", "a raw control byte"),
                         (b"/api/search?q=a\x1bb", "a raw ESC byte"),
                         (b"/healthz\x7f", "a raw DEL byte")]:
        _, raw = raw_exchange(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n"
                              b"Connection: close\r\n\r\n")
        check(status_of(raw) == 400, "%s in the request target is a 400 (%r)"
              % (what, raw[:40]))
    with open(os.path.join(WORK_DIR, "server.log"), "rb") as f:
        logged = f.read()
    check(b"\x1b" not in logged and b"\x01" not in logged,
          "control bytes of a request target do not reach the server's log")


def test_methods():
    for method, path, allow in [("DELETE", "/api/search", "GET, HEAD"),
                                ("POST", "/api/stats", "GET, HEAD"),
                                ("PUT", "/api/cases/bogota-transmilenio",
                                 "GET, HEAD, DELETE"),
                                ("GET", "/api/imports", "POST"),
                                ("POST", "/", "GET, HEAD")]:
        r = request(method, path, b"" if method in ("POST", "PUT") else None)
        check(r.status == 405 and r.headers.get("allow") == allow,
              "%s %s is a 405 with Allow: %s" % (method, path, allow))
    validate("/api/search", "GET",
             request("DELETE", "/api/search"))


def test_host_header():
    """HTTP/1.1 requires Host (RFC 9112 3.2); HTTP/1.0 does not."""
    _, raw = raw_exchange(b"GET /healthz HTTP/1.1\r\n\r\n")
    check(status_of(raw) == 400 and b"Host" in raw,
          "an HTTP/1.1 GET without Host is a 400 (%r)" % raw[:80])
    _, raw = raw_exchange(b"GET /healthz HTTP/1.0\r\n\r\n")
    check(status_of(raw) == 200, "an HTTP/1.0 GET without Host is answered "
          "(%r)" % raw[:80])


def test_keep_alive():
    """One connection carries several requests (a browser's or a client
    library's): the server must not close it after each answer."""
    con = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    answers = []
    for path in ["/api/search?q=agua", "/healthz", "/api/sdgs",
                 "/api/search?q=zzzqqq"]:
        con.request("GET", path)
        r = con.getresponse()
        answers.append((path, r.status, r.getheader("Connection"), r.read()))
        if r.will_close:
            break
    check(len(answers) == 4 and all(a[1] == 200 for a in answers),
          "four GETs answered on one connection (%s)"
          % [(a[0], a[1], a[2]) for a in answers])
    con.close()
    # a GET that sends a body is still answered; its body is not read as a
    # second request
    _, raw = raw_exchange(b"GET /healthz HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Length: 22\r\n\r\n"
                          b"GET /api/sdgs HTTP/1.1")
    check(status_of(raw) == 200 and raw.count(b"HTTP/1.1 ") == 1,
          "a GET with a body gets one answer (%r)" % raw[:60])


def test_shutdown():
    server.proc.send_signal(signal.SIGTERM)
    try:
        rc = server.proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        rc = "timeout"
    check(rc == 0, "SIGTERM stops the server cleanly (exit %s)" % rc)


try:
    checks.run([test_health_and_static, test_search, test_bad_parameters,
                test_cases, test_sdgs_and_stats, test_export,
                test_upload_auth, test_upload_bad, test_upload_too_large,
                test_upload_good, test_token_use_recorded,
                test_control_bytes_in_target, test_methods, test_host_header,
                test_keep_alive])
    print("-- test_shutdown")
    test_shutdown()
finally:
    server.stop()

if checks.failures:
    print("server log: " + server.log_path)
checks.finish()
