#!/usr/bin/env python3
"""Stewardship over HTTP (issue 19): who may change what, every version
kept, and review before publication, driven through `minga serve` with
the sample catalog (data/sample) and tokens made by `minga token add`.

- A city token (UY) cannot create, update or delete a case outside its
  scope, alone or hidden among its own cases in a JSON list or a zip:
  403 naming the case, and a full JSON export byte-identical before and
  after. It can create, update and delete its own; a curator any case.
- Revoked and expired tokens are refused (401).
- History over the API lists each change with its token in order;
  ?rev=N gives the exact older version; a deleted case is a 404 that says
  so and points at its history.
- With review on (`minga serve --review`), a city upload is 202 pending
  and absent from search, /api/cases, exports and the page until a
  curator approves it over the API; a rejected one never appears, and
  the uploader reads the reason at GET /api/imports/{id}.

Every JSON answer is checked against docs/openapi.json. The page (case.js)
is checked in the system's Chromium (--dump-dom) when /usr/bin/chromium
exists; those checks are skipped otherwise.

usage: test_stewardship_web.py MINGA_BINARY SOURCE_DIR WORK_DIR
"""
import copy
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
import webtest  # noqa: E402
from webtest import Checks, Response, Server  # noqa: E402

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE_DIR, "data", "sample")
SPEC = json.load(open(os.path.join(SOURCE_DIR, "docs", "openapi.json")))
CHECKER = SchemaChecker(SPEC)
CHROMIUM = "/usr/bin/chromium"

checks = Checks(is_verbose=True)
check = checks.check


def validate(template, method, resp):
    webtest.validate(check, SPEC, CHECKER, template, method, resp)


# -- HTTP ------------------------------------------------------------------

def request(method, path, body=None, token=None, headers=None):
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    status, resp_headers, data = server.request(method, path, body, hdrs)
    return Response(status, resp_headers.items(), data)


def upload(name, data, token):
    return request("POST", "/api/imports?filename=" + name, data, token)


def export_json():
    r = request("GET", "/api/export/json")
    check(r.status == 200, "the full JSON export is answered (%d)" % r.status)
    return r.body


def search(qs):
    r = request("GET", "/api/search?" + qs)
    return r.json() or {}


def search_ids(qs):
    return [h["id"] for h in search(qs).get("results", [])]


def found(case_id, q):
    """Whether a search for q lists case_id (its words are ORed, so other
    cases may match too)."""
    return case_id in search_ids("q=%s&per_page=100" % q)


def messages(resp):
    return [d.get("message") for d in (resp.json() or {}).get("details", [])]


# -- set-up -------------------------------------------------------------------

os.makedirs(WORK_DIR, exist_ok=True)
DATA = os.path.join(WORK_DIR, "data")
shutil.rmtree(DATA, ignore_errors=True)


def minga(*args):
    p = subprocess.run([MINGA, "--data", DATA] + list(args),
                       capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        print("minga %s failed (%d):\n%s%s" % (" ".join(args), p.returncode,
                                               p.stdout, p.stderr))
        sys.exit(1)
    return p


def token_add(name, *options):
    """A token from the CLI: its one line on stdout."""
    return minga("token", "add", name, *options).stdout.strip().split()[-1]


def sample(case_id):
    with open(os.path.join(SAMPLE, case_id + ".json"), encoding="utf-8") as f:
        return json.load(f)


server = None


def start_server(*extra):
    global server
    server = Server(MINGA, DATA, WORK_DIR, args=extra,
                    is_log_appended=True).start()


def stop_server():
    rc = server.stop()
    check(rc == 0, "SIGTERM stops the server cleanly (exit %s)" % rc)


minga("init")
minga("import", *sorted(os.path.join(SAMPLE, f) for f in os.listdir(SAMPLE)
                        if f.endswith(".json")))
UY = token_add("montevideo", "--role", "city", "--country", "UY")
AR_TOKEN = token_add("rosario", "--role", "city", "--country", "AR")
CURATOR = token_add("secretaria", "--role", "curator")
REVOKED = token_add("old-montevideo", "--role", "city", "--country", "UY")
minga("token", "revoke", "old-montevideo")
EXPIRED = token_add("visiting", "--role", "city", "--country", "UY",
                    "--expires", "30")
# no waiting a day: the expiry is put in the past, in the format
# catalog_aux.c writes (strftime '%Y-%m-%dT%H:%M:%SZ')
with sqlite3.connect(os.path.join(DATA, "catalog.db")) as db:
    db.execute("UPDATE tokens SET expires_at = ? WHERE name = 'visiting'",
               (time.strftime("%Y-%m-%dT%H:%M:%SZ",
                              time.gmtime(time.time() - 3600)),))
db.close()

MONTEVIDEO = sample("montevideo-plan-saneamiento-urbano")   # UY
ROSARIO = sample("rosario-presupuesto-participativo")      # AR
ROSARIO_TITLE = ROSARIO["title"]
AR_WHY = ("rosario-presupuesto-participativo: country AR is outside this "
          "token's scope (UY)")
AR_STORED_WHY = ("rosario-presupuesto-participativo: the stored case belongs "
                 "elsewhere: country AR is outside this token's scope (UY)")


def uy_case(case_id, title):
    """A new UY case: the Montevideo sample under another id and title."""
    return dict(copy.deepcopy(MONTEVIDEO), id=case_id, title=title)


def as_json(cases):
    return json.dumps(cases, ensure_ascii=False).encode("utf-8")


def as_zip(cases, extra=None):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, c in enumerate(cases):
            z.writestr("cases/%02d-%s.json" % (i, c["id"]),
                       json.dumps(c, ensure_ascii=False))
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return buf.getvalue()


def history(case_id):
    r = request("GET", "/api/cases/%s/history" % case_id)
    if r.status == 200:
        validate("/api/cases/{id}/history", "GET", r)
    return r.json() or {}


def actions_and_by(h):
    return [(r["action"], r["by"]) for r in h.get("revisions", [])]


# -- the page (case.js), in Chromium --------------------------------------

def page_dom(query):
    """The case page's article after its scripts ran, or None when there
    is no Chromium."""
    if not os.path.exists(CHROMIUM):
        return None
    profile = os.path.join(WORK_DIR, "chromium-profile")
    p = subprocess.run([CHROMIUM, "--headless", "--no-sandbox",
                        "--disable-gpu", "--no-first-run",
                        "--disable-background-networking",
                        "--disable-component-update", "--disable-sync",
                        "--user-data-dir=" + profile, "--lang=en-US",
                        "--virtual-time-budget=10000", "--dump-dom",
                        "%s/%s" % (server.base, query)],
                       capture_output=True, text=True, timeout=120)
    start = p.stdout.find('<article id="case-view"')
    end = p.stdout.find("</article>", start)
    return p.stdout[start:end] if start >= 0 else ""


def page_check(query, want, unwanted, what):
    dom = page_dom(query)
    if dom is None:
        print("skip " + what + " (no " + CHROMIUM + ")")
        return
    missing = [w for w in want if w not in dom]
    present = [u for u in unwanted if u in dom]
    check(not missing and not present, "the page %s (missing %s, present "
          "%s)" % (what, missing, present) if missing or present
          else "the page " + what)


# -- tests -----------------------------------------------------------------

def test_out_of_scope_upload_is_refused_whole():
    before = export_json()
    searched = search("q=presupuesto+participativo&per_page=50")
    good1 = uy_case("montevideo-presupuesto-participativo",
                    "Presupuesto Participativo de Montevideo")
    updated = dict(copy.deepcopy(MONTEVIDEO),
                   title="Plan de Saneamiento Urbano (actualizado)")
    hostile = dict(copy.deepcopy(ROSARIO), title="Título cambiado desde UY")
    r = upload("cases.json", as_json([good1, hostile, updated]), UY)
    check(r.status == 403, "a UY JSON list holding one AR case is a 403 (%d)"
          % r.status)
    validate("/api/imports", "POST", r)
    check(messages(r) == [AR_WHY], "the 403 names the AR case and why: %s"
          % messages(r))
    check("1 case is outside the scope of token montevideo"
          in (r.json() or {}).get("error", ""),
          "the 403 says one case is outside token montevideo's scope (%s)"
          % (r.json() or {}).get("error"))
    r = upload("pack.zip", as_zip([good1, updated, hostile]), UY)
    check(r.status == 403 and messages(r) == [AR_WHY],
          "the same AR case hidden in a zip among UY cases is a 403 naming "
          "it (%d %s)" % (r.status, messages(r)))
    d = ((r.json() or {}).get("details") or [{}])[0]
    check(d.get("file", "").endswith("02-rosario-presupuesto-participativo"
                                     ".json"),
          "the 403 names the archive member (%s)" % d.get("file"))
    validate("/api/imports", "POST", r)
    # a new case in AR, and an AR case relabelled as UY
    new_ar = dict(copy.deepcopy(ROSARIO), id="rosario-caso-nuevo",
                  title="Un caso nuevo de Rosario")
    r = upload("new-ar.json", as_json([good1, new_ar]), UY)
    check(r.status == 403 and messages(r) ==
          ["rosario-caso-nuevo: country AR is outside this token's scope "
           "(UY)"], "a new AR case from a UY token is a 403 (%d %s)"
          % (r.status, messages(r)))
    relabelled = dict(copy.deepcopy(ROSARIO), country="UY",
                      city="Montevideo", region="Montevideo",
                      title="Presupuesto Participativo (ahora de Montevideo)")
    r = upload("relabel.json", as_json([relabelled]), UY)
    check(r.status == 403 and messages(r) == [AR_STORED_WHY],
          "relabelling the stored AR case as UY is a 403 (%d %s)"
          % (r.status, messages(r)))
    after = export_json()
    check(after == before, "the full JSON export is byte-identical after "
          "the refused uploads (%d vs %d bytes)" % (len(after), len(before)))
    check(search("q=presupuesto+participativo&per_page=50") == searched,
          "search answers the same after the refused uploads")
    check(actions_and_by(history("montevideo-plan-saneamiento-urbano")) ==
          [("create", "cli")], "the UY case in the refused uploads has one "
          "revision still")
    r = request("GET", "/api/cases/montevideo-presupuesto-participativo")
    check(r.status == 404, "the UY case of the refused uploads was not "
          "created (%d)" % r.status)


def test_city_cannot_delete_outside_scope():
    before = export_json()
    r = request("DELETE", "/api/cases/rosario-presupuesto-participativo",
                token=UY)
    check(r.status == 403, "a UY token deleting an AR case is a 403 (%d)"
          % r.status)
    validate("/api/cases/{id}", "DELETE", r)
    b = r.json() or {}
    check("rosario-presupuesto-participativo" in b.get("error", "") and
          messages(r) == [AR_STORED_WHY],
          "the 403 names the case and why (%s %s)"
          % (b.get("error"), messages(r)))
    check(export_json() == before, "the export is byte-identical after the "
          "refused delete")
    r = request("GET", "/api/cases/rosario-presupuesto-participativo")
    check(r.status == 200, "the AR case is still there (%d)" % r.status)
    for what, token in [("without a token", None),
                        ("with a revoked token", REVOKED),
                        ("with an expired token", EXPIRED),
                        ("with a made-up token", "minga_" + "0" * 64)]:
        r = request("DELETE", "/api/cases/montevideo-plan-saneamiento-urbano",
                    token=token)
        check(r.status == 401 and r.headers.get("www-authenticate", "")
              .startswith("Bearer"), "a delete %s is a 401 (%d)"
              % (what, r.status))
        validate("/api/cases/{id}", "DELETE", r)
    check(export_json() == before, "refused deletes changed nothing")
    r = request("DELETE", "/api/cases/no-such-case", token=CURATOR)
    check(r.status == 404, "deleting an unknown case is a 404 (%d)" % r.status)
    validate("/api/cases/{id}", "DELETE", r)
    r = request("DELETE", "/api/cases/montevideo-plan-saneamiento-urbano",
                b"{}", CURATOR)
    check(r.status == 400, "a DELETE with a body is a 400 (%d)" % r.status)
    r = request("GET", "/api/cases/montevideo-plan-saneamiento-urbano")
    check(r.status == 200, "and deleted nothing (%d)" % r.status)
    r = request("PUT", "/api/cases/montevideo-plan-saneamiento-urbano", b"")
    check(r.status == 405 and r.headers.get("allow") == "GET, HEAD, DELETE",
          "PUT on a case is a 405 with Allow: GET, HEAD, DELETE (%s)"
          % r.headers.get("allow"))


def test_revoked_and_expired_tokens_are_refused():
    good = uy_case("montevideo-caso-de-prueba", "Caso de prueba")
    for what, token in [("revoked", REVOKED), ("expired", EXPIRED)]:
        r = upload("case.json", as_json([good]), token)
        check(r.status == 401, "an upload with a %s token is a 401 (%d)"
              % (what, r.status))
        validate("/api/imports", "POST", r)
        r = request("GET", "/api/imports/1", token=token)
        check(r.status == 401, "an import status with a %s token is a 401 "
              "(%d)" % (what, r.status))
    r = request("GET", "/api/cases/montevideo-caso-de-prueba")
    check(r.status == 404, "nothing was created by them")


def test_city_changes_its_own_cases():
    cid = "montevideo-compost-barrial"
    first = uy_case(cid, "Compostaje barrial en Montevideo")
    r = upload("pack.zip", as_zip([dict(first, attachments=["informe.txt"])],
                                  {"cases/informe.txt": "Informe 2023.\n"}),
               UY)
    check(r.status == 201 and (r.json() or {}).get("new") == 1,
          "a UY token creates a UY case (%d %s)" % (r.status, r.json()))
    second = dict(first, title="Compostaje barrial y huertas en Montevideo")
    r = upload("update.json", as_json([second]), UY)
    check(r.status == 201 and (r.json() or {}).get("updated") == 1,
          "a UY token updates its case (%d %s)" % (r.status, r.json()))
    r = request("GET", "/api/cases/" + cid)
    c = r.json() or {}
    validate("/api/cases/{id}", "GET", r)
    check(c.get("title") == second["title"], "the current title is the new "
          "one (%s)" % c.get("title"))
    lc = c.get("last_change") or {}
    check((lc.get("rev"), lc.get("action"), lc.get("by")) ==
          (2, "update", "token:montevideo"),
          "last_change says revision 2, an update by token:montevideo (%s)"
          % lc)
    r = request("GET", "/api/cases/%s?rev=1" % cid)
    old = r.json() or {}
    validate("/api/cases/{id}", "GET", r)
    check(r.status == 200 and old.get("title") == first["title"],
          "?rev=1 gives the exact older title (%s)" % old.get("title"))
    check(old.get("attachments") == ["informe.txt"] and
          "attachments" not in c,
          "?rev=1 lists the attachment it had, the current one none (%s, "
          "%s)" % (old.get("attachments"), c.get("attachments")))
    check((old.get("revision") or {}).get("rev") == 1 and
          old.get("current_rev") == 2,
          "?rev=1 says which revision it is and the current one (%s, %s)"
          % (old.get("revision"), old.get("current_rev")))
    check(search_ids("q=%22compostaje+barrial%22") == [cid],
          "search finds the case once, as its current revision")
    check(search_ids("q=%22Compostaje+barrial+y+huertas%22") == [cid] and
          search_ids("q=%22Compostaje+barrial+en+Montevideo%22") == [],
          "search holds the new title only")
    r = request("DELETE", "/api/cases/" + cid, token=UY)
    check(r.status == 200 and r.json() == {"deleted": cid, "rev": 3,
                                           "by": "token:montevideo"},
          "a UY token deletes its case: 200 with the revision (%d %s)"
          % (r.status, r.json()))
    validate("/api/cases/{id}", "DELETE", r)
    r = request("GET", "/api/cases/" + cid)
    b = r.json() or {}
    validate("/api/cases/{id}", "GET", r)
    check(r.status == 404 and "was deleted" in b.get("error", "") and
          "/api/cases/%s/history" % cid in b.get("error", "") and
          b.get("history") == "/api/cases/%s/history" % cid and
          (b.get("deleted") or {}).get("by") == "token:montevideo",
          "a deleted case is a 404 that says so and points at its history "
          "(%s)" % b)
    check(not found(cid, "compostaje+barrial") and
          cid.encode() not in export_json(),
          "the deleted case leaves search and exports")
    r = request("DELETE", "/api/cases/" + cid, token=UY)
    check(r.status == 404, "deleting it again is a 404 (%d)" % r.status)
    h = history(cid)
    check(actions_and_by(h) == [("create", "token:montevideo"),
                                ("update", "token:montevideo"),
                                ("delete", "token:montevideo")],
          "the history lists create, update, delete by token:montevideo "
          "(%s)" % actions_and_by(h))
    check(h.get("current") is None and h.get("deleted") is True,
          "the history says the case is deleted")
    r = request("GET", "/api/cases/%s?rev=3" % cid)
    check(r.status == 410, "?rev of the deletion is a 410 (%d)" % r.status)
    validate("/api/cases/{id}", "GET", r)
    r = request("GET", "/api/cases/%s?rev=2" % cid)
    check(r.status == 200 and (r.json() or {}).get("title") ==
          second["title"] and (r.json() or {}).get("current_rev") is None,
          "?rev=2 of the deleted case is still readable")
    r = request("GET", "/api/cases/%s?rev=4" % cid)
    check(r.status == 404, "?rev past the last revision is a 404 (%d)"
          % r.status)
    for bad in ["0", "x", "-1", "1.5", ""]:
        r = request("GET", "/api/cases/%s?rev=%s" % (cid, bad))
        d = ((r.json() or {}).get("details") or [{}])[0]
        check(r.status == 400 and d.get("field") == "rev",
              "?rev=%s is a 400 naming rev (%d)" % (bad, r.status))
    validate("/api/cases/{id}", "GET", r)
    r = request("GET", "/api/cases/no-such-case/history")
    check(r.status == 404, "the history of an unknown case is a 404")
    validate("/api/cases/{id}/history", "GET", r)
    page_check("?case=%s&history=1" % cid,
               ["Deleted on", "by montevideo", "rev=2", "rev=1"],
               ["rev=3\""], "lists the revisions, each but the deletion "
               "linked")
    page_check("?case=%s&rev=1" % cid,
               [first["title"], "Version 1:", "Created on"], [],
               "shows revision 1 with its old title")
    page_check("?case=" + cid, ["was deleted on", "by montevideo",
                                "history=1"], [second["title"]],
               "says the case was deleted, by whom, and links its history")


def test_curator_changes_any_case():
    cid = "rosario-presupuesto-participativo"
    changed = dict(copy.deepcopy(ROSARIO),
                   title="Presupuesto Participativo de Rosario (revisado)")
    r = upload("rosario.json", as_json([changed]), CURATOR)
    check(r.status == 201 and (r.json() or {}).get("updated") == 1,
          "a curator updates an AR case (%d)" % r.status)
    r = request("GET", "/api/cases/%s?rev=1" % cid)
    check((r.json() or {}).get("title") == ROSARIO_TITLE,
          "?rev=1 gives the sample's title (%s)" % (r.json() or {}).get(
              "title"))
    page_check("?case=" + cid, [changed["title"], "Updated on",
                                "by secretaria", "history=1"], [],
               "shows who changed the case last, and links its history")
    r = request("DELETE", "/api/cases/" + cid, token=CURATOR)
    check(r.status == 200 and (r.json() or {}).get("rev") == 3,
          "a curator deletes an AR case (%d %s)" % (r.status, r.json()))
    check(actions_and_by(history(cid)) == [("create", "cli"),
                                           ("update", "token:secretaria"),
                                           ("delete", "token:secretaria")],
          "the history lists the operator's create, then the curator's "
          "update and delete")
    # the AR city token may change what is in its own scope
    r = upload("rosario.json", as_json([ROSARIO]), AR_TOKEN)
    check(r.status == 201 and (r.json() or {}).get("new") == 1,
          "the AR token brings the deleted AR case back by uploading it "
          "(%d %s)" % (r.status, r.json()))
    h = history(cid)
    check([a for a, _ in actions_and_by(h)][-1:] == ["create"] and
          h.get("current") == 4, "that is revision 4 (%s)" % h.get("current"))


def test_review():
    stop_server()
    start_server("--review")
    before = export_json()
    cid = "montevideo-huertas-escolares"
    pending = uy_case(cid, "Huertas escolares de Montevideo")
    pending["summary"] = ("Las escuelas públicas de Montevideo cultivan "
                          "huertas pedagógicas con apoyo de la Intendencia "
                          "y de la Universidad de la República.")
    r = upload("huertas.json", as_json([pending]), UY)
    b = r.json() or {}
    check(r.status == 202 and b.get("status") == "pending",
          "with review on a city upload is a 202 pending (%d %s)"
          % (r.status, b.get("status")))
    validate("/api/imports", "POST", r)
    import_id = b.get("import_id")

    def absent(what):
        r = request("GET", "/api/cases/" + cid)
        check(r.status == 404, "%s: /api/cases is a 404 (%d)" % (what,
                                                                   r.status))
        check(not found(cid, "huertas+pedagogicas"),
              "%s: search does not find it" % what)
        check(export_json() == before, "%s: the export is byte-identical to "
              "before the upload" % what)
        page_check("?case=" + cid, ["There is no such experience"],
                   [pending["title"]], "does not show it (%s)" % what)
    absent("pending")

    r = request("GET", "/api/review")
    check(r.status == 401, "the review list without a token is a 401 (%d)"
          % r.status)
    validate("/api/review", "GET", r)
    r = request("GET", "/api/review", token=UY)
    check(r.status == 403, "the review list for a city token is a 403 (%d)"
          % r.status)
    validate("/api/review", "GET", r)
    r = request("GET", "/api/review", token=CURATOR)
    validate("/api/review", "GET", r)
    subs = r.json() or []
    check(r.status == 200 and [(s["id"], s["status"], s["by"], s["cases"])
                               for s in subs] ==
          [(import_id, "pending", "token:montevideo", [cid])],
          "a curator lists the pending submission (%s)" % subs)
    r = request("GET", "/api/review?status=approved", token=CURATOR)
    check(r.status == 200 and r.json() == [], "no approved submissions yet")
    r = request("GET", "/api/review?status=maybe", token=CURATOR)
    check(r.status == 400 and ((r.json() or {}).get("details") or [{}])[0]
          .get("field") == "status", "a bad status is a 400 naming status")
    r = request("GET", "/api/review/%d" % import_id, token=CURATOR)
    validate("/api/review/{id}", "GET", r)
    shown = r.json() or {}
    check(r.status == 200 and [(c["id"], c["title"], c["updates_existing"])
                               for c in shown.get("cases", [])] ==
          [(cid, pending["title"], False)],
          "a curator reads the submitted case (%s)" % shown.get("cases"))
    r = request("GET", "/api/imports/%d" % import_id, token=UY)
    validate("/api/imports/{id}", "GET", r)
    check(r.status == 200 and (r.json() or {}).get("status") == "pending",
          "the uploader reads its import as pending (%d %s)"
          % (r.status, r.json()))
    r = request("GET", "/api/imports/%d" % import_id, token=AR_TOKEN)
    check(r.status == 403, "another city token cannot read it (%d)"
          % r.status)
    validate("/api/imports/{id}", "GET", r)
    r = request("POST", "/api/review/%d/approve" % import_id, b"", UY)
    check(r.status == 403, "a city token cannot approve (%d)" % r.status)
    validate("/api/review/{id}/approve", "POST", r)
    absent("after a city token tried to approve")

    r = request("POST", "/api/review/%d/approve" % import_id, b"", CURATOR)
    b = r.json() or {}
    validate("/api/review/{id}/approve", "POST", r)
    check(r.status == 200 and b.get("status") == "approved" and
          b.get("decided_by") == "token:secretaria",
          "a curator approves over the API (%d %s)" % (r.status, b))
    r = request("GET", "/api/cases/" + cid)
    check(r.status == 200 and (r.json() or {}).get("title") ==
          pending["title"], "approved: /api/cases gives it (%d)" % r.status)
    check(search_ids("q=huertas+pedagogicas")[:1] == [cid],
          "approved: search finds it first")
    check(cid.encode() in export_json(), "approved: the export holds it")
    h = history(cid)
    check([(x["action"], x["by"], x["note"]) for x in h.get("revisions", [])]
          == [("create", "token:montevideo", "approved by token:secretaria")],
          "approved: its revision is the uploader's, noted with the curator "
          "(%s)" % h.get("revisions"))
    page_check("?case=" + cid, [pending["title"], "by montevideo",
                                "approved by token:secretaria"], [],
               "shows the approved case")
    r = request("POST", "/api/review/%d/reject" % import_id, b"", CURATOR)
    check(r.status == 409, "deciding it again is a 409 (%d)" % r.status)
    validate("/api/review/{id}/reject", "POST", r)

    # a rejected submission never appears; the uploader reads the reason
    before = export_json()
    rid = "montevideo-caso-rechazado"
    rejected = uy_case(rid, "Caso que la secretaría rechaza")
    rejected["summary"] = ("Un resumen sin fuentes verificables sobre "
                           "alumbrado solar en los barrios de Montevideo.")
    r = upload("rechazo.json", as_json([rejected]), UY)
    check(r.status == 202, "a second city upload is pending (%d)" % r.status)
    reject_id = (r.json() or {}).get("import_id")
    reason = "Falta la fuente oficial del programa; súbanlo con el enlace."
    r = request("POST", "/api/review/%d/approve?reason=x" % reject_id, b"",
                CURATOR)
    check(r.status == 400, "a reason goes with reject, not approve (%d)"
          % r.status)
    r = request("POST", "/api/review/%d/reject" % reject_id,
                json.dumps({"reason": reason}).encode(), CURATOR,
                {"Content-Type": "application/json"})
    validate("/api/review/{id}/reject", "POST", r)
    check(r.status == 200 and (r.json() or {}).get("status") == "rejected",
          "a curator rejects with a reason (%d %s)" % (r.status, r.json()))
    r = request("GET", "/api/imports/%d" % reject_id, token=UY)
    b = r.json() or {}
    validate("/api/imports/{id}", "GET", r)
    check(r.status == 200 and b.get("status") == "rejected" and
          b.get("reason") == reason and b.get("decided_by") ==
          "token:secretaria",
          "the uploader reads status rejected and the exact reason (%s)" % b)
    r = request("GET", "/api/cases/" + rid)
    check(r.status == 404, "rejected: /api/cases is a 404 (%d)" % r.status)
    check(not found(rid, "alumbrado+solar"),
          "rejected: search does not find it")
    check(export_json() == before, "rejected: the export is byte-identical")
    r = request("POST", "/api/review/%d/approve" % reject_id, b"", CURATOR)
    check(r.status == 409, "a rejected submission cannot be approved later "
          "(%d)" % r.status)
    check(request("GET", "/api/cases/" + rid).status == 404,
          "rejected: it still never appears")
    r = request("POST", "/api/review/%d/reject" % reject_id,
                b"x" * 5000, CURATOR)
    check(r.status == 413, "a decision body over 4096 bytes is a 413 (%d)"
          % r.status)
    for body, what in [(b'{"reason": "a\\u001b[2Jb"}',
                        "a control character"),
                       (b'{"reason": 3}', "a reason that is not text"),
                       (b'{"reason": "x", "other": 1}', "another field"),
                       (b"not json", "a body that is not JSON"),
                       (json.dumps({"reason": "x" * 1001}).encode(),
                        "a reason over 1000 bytes")]:
        r = request("POST", "/api/review/%d/reject" % reject_id, body,
                    CURATOR)
        d = ((r.json() or {}).get("details") or [{}])[0]
        check(r.status == 400 and d.get("field") == "reason",
              "a decision with %s is a 400 naming reason (%d)"
              % (what, r.status))
    validate("/api/review/{id}/reject", "POST", r)
    r = request("POST", "/api/review/999999/reject?reason=x", b"", CURATOR)
    check(r.status == 404, "an unknown submission is a 404 (%d)" % r.status)
    validate("/api/review/{id}/reject", "POST", r)

    # a curator's upload is published at once, review or not
    r = upload("curator.json", as_json([uy_case(
        "montevideo-caso-de-la-secretaria", "Caso cargado por la "
        "secretaría")]), CURATOR)
    check(r.status == 201 and (r.json() or {}).get("status") == "published",
          "with review on a curator's upload is published at once (%d)"
          % r.status)
    r = request("GET", "/api/imports/%d" % (r.json() or {}).get("import_id"),
                token=CURATOR)
    check(r.status == 200 and (r.json() or {}).get("status") == "published",
          "its status is published")


try:
    start_server()
    checks.run([test_out_of_scope_upload_is_refused_whole,
                test_city_cannot_delete_outside_scope,
                test_revoked_and_expired_tokens_are_refused,
                test_city_changes_its_own_cases,
                test_curator_changes_any_case,
                test_review])
    print("-- stop")
    stop_server()
finally:
    if server:
        server.stop()

if checks.failures:
    print("server log: " + server.log_path)
checks.finish()
