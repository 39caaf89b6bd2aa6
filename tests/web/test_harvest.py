#!/usr/bin/env python3
"""Harvesting (issue 22, part 3): `minga harvest` between two real minga
servers on local ports, and against hostile sources.

- Node A serves the sample catalog (data/sample, 38 cases) plus a case
  with an attachment; node B harvests it (prefix minga): B's JSON export
  equals A's, the attachment's bytes too, and each case carries its
  provenance (`minga show --json`, the case page).
- A run with nothing new writes nothing: the catalog's generation, the
  index's generation and the number of revisions stay as they were.
- Creates, an update and a delete on A: the next run applies them, the
  exports are equal again, and the deletion is a tombstone by
  harvest:URL in B's history.
- A local import over a harvested case is refused, naming the source.
- SIGKILL at random points of harvests into C (one record a page), then
  a rerun: no duplicate, nothing missing, one revision per case,
  `minga check` consistent.
- oai_dc from A (a real OAI-PMH answer) maps records into cases.
- Hostile sources (a small http.server in this process): malformed XML,
  an oversized answer, a redirect loop, a record without its title, an
  attachment whose bytes differ from its sha256, and a list that breaks
  on its second page: clear errors naming the source, the record and
  the field; nothing half-written; a broken list resumes at the page
  after the last one committed.
- `minga oai set|show`.

Usage: test_harvest.py MINGA SOURCE_DIR WORK_DIR. Exit 0 when every
check passes.
"""
import atexit
import http.server
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import webtest
from webtest import Checks, Server, free_port

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "data", "sample")
HOST_A = "a.minga.example"

checks = Checks()
check = checks.check


def run(data, *args, ok=True, timeout=300):
    p = subprocess.run([MINGA, "--data", data] + list(args),
                       capture_output=True, text=True, timeout=timeout)
    if ok and p.returncode != 0:
        print("minga %s failed (%d): %s" % (" ".join(args), p.returncode,
                                             p.stderr))
        sys.exit(1)
    return p


def harvest(data, url, *args, ok=True):
    p = run(data, "harvest", url, "--json", *args, ok=ok)
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        print("harvest printed no JSON: %r %r" % (p.stdout, p.stderr))
        sys.exit(1)
    return p, rep


def http_get(port, path):
    status, _, body = webtest.get(port, path)
    return status, body


servers = []


@atexit.register
def stop_servers():
    """The servers go with the test, however it ends."""
    for server in servers:
        server.stop()


def serve(data, page):
    port = free_port()
    server = Server(MINGA, data, WORK_DIR, port=port,
                    env={"MINGA_OAI_PAGE": str(page)},
                    log_name="server-%d.log" % port)
    servers.append(server)
    server.start()
    return port


def export(data):
    p = run(data, "export", "--format", "json", "-o",
            os.path.join(WORK_DIR, "export.json"))
    with open(os.path.join(WORK_DIR, "export.json")) as f:
        cases = json.load(f)
    return {c["id"]: c for c in cases}


def export_or_empty(data):
    p = run(data, "export", "--format", "json", "-o",
            os.path.join(WORK_DIR, "export.json"), ok=False)
    if p.returncode != 0:
        return {}
    with open(os.path.join(WORK_DIR, "export.json")) as f:
        return {c["id"]: c for c in json.load(f)}


def check_json(data):
    p = run(data, "check", "--json", ok=False)
    return p.returncode, json.loads(p.stdout) if p.stdout.strip() else {}


def counts(data):
    """What a write changes: the catalog's generation, the revisions, the
    index's generation."""
    db = sqlite3.connect(os.path.join(data, "catalog.db"))
    try:
        revisions = db.execute("SELECT count(*) FROM revisions").fetchone()[0]
        imports = db.execute("SELECT count(*) FROM imports").fetchone()[0]
    finally:
        db.close()
    _, rep = check_json(data)
    return (rep.get("generation_catalog"), rep.get("generation_index"),
            revisions, imports)


def write_case(folder, case, attachment=None):
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, case["id"] + ".json")
    with open(path, "w") as f:
        json.dump(case, f, ensure_ascii=False)
    if attachment:
        with open(os.path.join(folder, attachment[0]), "wb") as f:
            f.write(attachment[1])
    return path


# -- node A: the sample catalog, one case with an attachment ---------------

shutil.rmtree(WORK_DIR, ignore_errors=True)
os.makedirs(WORK_DIR)
A, B, C, D, E = (os.path.join(WORK_DIR, n) for n in "ABCDE")
run(A, "init")
run(A, "import", SAMPLE)
REPORT = ("Informe de la huerta comunitaria: 40 familias, 3 barrios, "
          "zumbadorverde.\n" * 50).encode()
NEW_CASES = os.path.join(WORK_DIR, "new")
write_case(NEW_CASES, {
    "id": "rosario-huerta-informe", "title": "Huertas con informe",
    "summary": "Una huerta comunitaria con su informe adjunto.",
    "language": "es", "city": "Rosario", "country": "AR",
    "year_start": 2019, "sdg_goals": [2, 11], "levels": ["local"],
    "tags": ["huerta"], "attachments": ["informe.txt"]},
    ("informe.txt", REPORT))
run(A, "import", NEW_CASES)

# oai set / show
p = run(A, "oai", "set", "host", "not_a_domain", ok=False)
check(p.returncode == 1 and "domain" in p.stderr,
      "oai set host refuses a bad host (%d %s)" % (p.returncode, p.stderr))
run(A, "oai", "set", "host", HOST_A)
run(A, "oai", "set", "name", "Nodo A")
show = json.loads(run(A, "oai", "show", "--json").stdout)
check(show["oai_host"] == {"value": HOST_A, "default": False},
      "oai show gives the host set (%r)" % show.get("oai_host"))
check(show["base_url"] == {"value": "http://" + HOST_A, "default": True},
      "oai show derives base_url from the host (%r)" % show.get("base_url"))
check(show["repository_name"]["value"] == "Nodo A", "oai show: the name")

PORT_A = serve(A, 5)
URL_A = "http://127.0.0.1:%d/oai" % PORT_A
status, body = http_get(PORT_A, "/oai?verb=Identify")
check(b"Nodo A" in body and HOST_A.encode() in body,
      "the served Identify reflects the settings")

# -- B harvests A ----------------------------------------------------------

run(B, "init")
p, rep = harvest(B, URL_A)
n_a = len(export(A))
check(p.returncode == 0, "the first harvest succeeds (%s)" % p.stderr)
check(rep["new"] == n_a == 39 and rep["pages"] == 8 and rep["complete"],
      "the first harvest brings every case in pages of 5 (%r)" % rep)
check(rep["attachments"] == 1, "the attachment was fetched (%r)" % rep)
ea, eb = export(A), export(B)
check(ea == eb, "B's JSON export equals A's after the first harvest")
att_a = run(A, "show", "rosario-huerta-informe", "--attachment",
            "informe.txt").stdout
att_b = run(B, "show", "rosario-huerta-informe", "--attachment",
            "informe.txt").stdout
check(att_b == att_a == REPORT.decode(),
      "the attachment's bytes reached B unchanged")
found = json.loads(run(B, "search", "--json", "zumbadorverde").stdout)
check([r["id"] for r in found["results"]] == ["rosario-huerta-informe"],
      "the attachment's text is searchable on B")
prov = json.loads(run(B, "show", "bogota-ciclovia", "--json").stdout)
pv = prov.get("provenance") or {}
check(pv.get("source") == URL_A and
      pv.get("identifier") == "oai:%s:bogota-ciclovia" % HOST_A and
      pv.get("prefix") == "minga" and len(pv.get("datestamp", "")) == 20,
      "show --json carries the provenance beside the case (%r)" % pv)
local = json.loads(run(A, "show", "bogota-ciclovia", "--json").stdout)
check("provenance" not in local, "a local case has no provenance")
text = run(B, "show", "bogota-ciclovia").stdout
check("harvested from " + URL_A in text, "show prints the provenance")
hist = json.loads(run(B, "history", "bogota-ciclovia", "--json").stdout)
check([(r["action"], r["by"]) for r in hist["revisions"]] ==
      [("create", "harvest:" + URL_A)],
      "the harvested case's revision is by harvest:URL (%r)"
      % hist["revisions"])
code, rep_check = check_json(B)
check(code == 0 and rep_check.get("consistent"), "B is consistent")

# -- nothing new: nothing written -----------------------------------------

before = counts(B)
p, rep = harvest(B, URL_A)
check(p.returncode == 0 and rep["new"] == rep["updated"] == rep["deleted"]
      == 0 and rep["unchanged"] == rep["records"] > 0,
      "a second run finds everything unchanged (%r)" % rep)
check(counts(B) == before, "a run with nothing new writes nothing: "
      "generations, revisions, imports %r -> %r" % (before, counts(B)))

# -- a local import over a harvested case is refused ----------------------

p = run(B, "import", os.path.join(SAMPLE, "bogota-ciclovia.json"), ok=False)
check(p.returncode == 1 and "harvested from " + URL_A in p.stderr and
      "bogota-ciclovia" in p.stderr,
      "a local import over a harvested case is refused (%s)" % p.stderr)
check(counts(B) == before, "the refused import wrote nothing")

# -- creates, updates and deletes on A -------------------------------------

time.sleep(1.1)   # datestamps at seconds: the changes are newer
changed = os.path.join(WORK_DIR, "changed")
with open(os.path.join(SAMPLE, "bogota-ciclovia.json")) as f:
    upd = json.load(f)
upd["summary"] = upd["summary"] + " Actualizado en el nodo A."
upd["tags"] = upd.get("tags", []) + ["actualizado"]
write_case(changed, upd)
write_case(changed, {
    "id": "montevideo-nuevo-caso", "title": "Un caso nuevo",
    "summary": "Creado en el nodo A después de la primera cosecha.",
    "language": "es", "city": "Montevideo", "country": "UY",
    "year_start": 2024, "sdg_goals": [11], "levels": ["local", "national"],
    "actors": ["civil_society"]})
run(A, "import", changed)
run(A, "delete", "barcelona-superblocks")
p, rep = harvest(B, URL_A)
check(p.returncode == 0 and rep["new"] == 1 and rep["updated"] == 1 and
      rep["deleted"] == 1, "the next run applies one create, one update, "
      "one delete (%r)" % rep)
ea, eb = export(A), export(B)
check(ea == eb, "after creates, updates and deletes the exports are equal "
      "(A only: %s, B only: %s, differ: %s)"
      % (sorted(set(ea) - set(eb)), sorted(set(eb) - set(ea)),
         sorted(k for k in ea if k in eb and ea[k] != eb[k])))
hist = json.loads(run(B, "history", "barcelona-superblocks", "--json").stdout)
check(hist["deleted"] and hist["revisions"][-1]["action"] == "delete" and
      hist["revisions"][-1]["by"] == "harvest:" + URL_A,
      "the deletion is a tombstone by harvest:URL (%r)" % hist)
prov = json.loads(run(B, "show", "bogota-ciclovia", "--json").stdout)
check(prov["provenance"]["datestamp"] > pv["datestamp"],
      "the update's provenance has the new datestamp")
before = counts(B)
p, rep = harvest(B, URL_A)
check(rep["new"] == rep["updated"] == rep["deleted"] == 0 and
      counts(B) == before, "after the changes, a run with nothing new "
      "writes nothing (%r)" % rep)
sources = json.loads(run(B, "harvest", "--list", "--json").stdout)
check(len(sources) == 1 and sources[0]["url"] == URL_A and
      sources[0]["cases"] == n_a and sources[0]["deleted"] == 1 and
      sources[0]["last_run"] and not sources[0]["unfinished"] and
      sources[0]["last_datestamp"],
      "harvest --list shows the source, its counts and last run (%r)"
      % sources)
text = run(B, "harvest", "--list").stdout
check(URL_A in text and "%d cases, 1 deleted" % n_a in text,
      "harvest --list prints the source (%s)" % text)

# the case page says where a case came from
PORT_B = serve(B, 100)
status, page = http_get(PORT_B, "/?case=bogota-ciclovia&lang=en")
check(status == 200 and b'id="case-provenance"' in page and
      ("Harvested from " + URL_A).encode() in page,
      "the case page says where the case was harvested from")
status, page = http_get(PORT_A, "/?case=bogota-ciclovia&lang=en")
check(b'id="case-provenance"' not in page, "a local case's page does not")
status, body = http_get(PORT_B, "/api/cases/bogota-ciclovia")
api_pv = json.loads(body).get("provenance") if status == 200 else None
check(api_pv and api_pv.get("source") == URL_A and
      api_pv.get("identifier") == "oai:%s:bogota-ciclovia" % HOST_A,
      "GET /api/cases/ID carries the provenance beside the case (%r)"
      % api_pv)
status, body = http_get(PORT_A, "/api/cases/bogota-ciclovia")
check(status == 200 and "provenance" not in json.loads(body),
      "a local case's API answer has none")

# -- SIGKILL during harvests, then a rerun ---------------------------------

PORT_A1 = serve(A, 1)    # one record a page: many commits to land in
URL_A1 = "http://127.0.0.1:%d/oai" % PORT_A1
run(C, "init")
random.seed(22)
n_kills = n_partial = 0
for attempt in range(40):
    proc = subprocess.Popen([MINGA, "--data", C, "harvest", URL_A1,
                             "--quiet"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    time.sleep(random.uniform(0.02, 0.5))
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n_kills += 1
        held = len(export_or_empty(C))
        n_partial += 0 < held < n_a
        if n_kills >= 6:
            break
check(n_kills >= 3 and n_partial >= 1,
      "harvests were killed mid-list (%d kills, %d left partial)"
      % (n_kills, n_partial))
p, rep = harvest(C, URL_A1)
check(p.returncode == 0 and rep["complete"], "the rerun finishes (%r %s)"
      % (rep, p.stderr))
ec = export(C)
check(ec == export(A), "after kills and a rerun C holds exactly A's cases "
      "(missing %s, extra %s)" % (sorted(set(ea) - set(ec)),
                                  sorted(set(ec) - set(ea))))
code, rep_check = check_json(C)
check(code == 0 and rep_check.get("consistent") and
      rep_check.get("cases") == rep_check.get("indexed") == n_a,
      "minga check is clean after the kills (%r)" % rep_check)
dups = []
for cid in ec:
    h = json.loads(run(C, "history", cid, "--json").stdout)
    if len(h["revisions"]) != 1:
        dups.append((cid, len(h["revisions"])))
check(not dups, "no case was written twice across the kills (%r)" % dups)

# -- oai_dc from A ---------------------------------------------------------

run(D, "init")
p, rep = harvest(D, URL_A, "--prefix", "oai_dc")
ed = export(D)
check(p.returncode == 0 and rep["new"] == n_a and rep["skipped"] == 0,
      "an oai_dc harvest maps every record of A (%r %s)" % (rep, p.stderr))
a_case, d_case = ea.get("bogota-ciclovia"), ed.get("bogota-ciclovia", {})
same = ["title", "summary", "language", "city", "country", "year_start",
        "sdg_goals", "source_url", "license"]
check(all(a_case.get(k) == d_case.get(k) for k in same),
      "oai_dc carries title, summary, language, place, years, goals, "
      "source and license (%r)" % {k: (a_case.get(k), d_case.get(k))
                                   for k in same
                                   if a_case.get(k) != d_case.get(k)})
check(d_case.get("levels") == ["local"],
      "Dublin Core has no levels: local (%r)" % d_case.get("levels"))
check(sorted(d_case.get("sdg_targets", [])) ==
      sorted(a_case.get("sdg_targets", [])),
      "targets come through subjects \"SDG N.M\"")

# -- hostile sources -------------------------------------------------------

OAI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://'
            'www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01T00:00:'
            '00Z</responseDate><request>x</request>')
IDENTIFY = (OAI_HEAD + '<Identify><repositoryName>hostile</repositoryName>'
            '<baseURL>x</baseURL><protocolVersion>2.0</protocolVersion>'
            '<adminEmail>a@b.c</adminEmail><earliestDatestamp>2020-01-01T00:'
            '00:00Z</earliestDatestamp><deletedRecord>no</deletedRecord>'
            '<granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>'
            '</OAI-PMH>')


def dc_record(ident, title=True):
    return ('<record><header><identifier>%s</identifier><datestamp>2025-03-'
            '01T10:00:00Z</datestamp></header><metadata><oai_dc:dc xmlns:'
            'oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc='
            '"http://purl.org/dc/elements/1.1/">%s<dc:description>Una '
            'experiencia.</dc:description><dc:subject>SDG 11</dc:subject>'
            '<dc:subject>SDG 11.2</dc:subject><dc:date>2021</dc:date>'
            '<dc:language>spa</dc:language><dc:coverage>Salto</dc:coverage>'
            '<dc:coverage>UY</dc:coverage></oai_dc:dc></metadata></record>'
            % (ident, "<dc:title>Un caso</dc:title>" if title else ""))


def minga_record(ident, cid, title=True, attachment=None):
    att = ""
    if attachment:
        att = ('<attachments><attachment sha256="%s" media_type="text/plain"'
               ' size="%d">nota.txt</attachment></attachments>' % attachment)
    return ('<record><header><identifier>%s</identifier><datestamp>2025-03-'
            '01T10:00:00Z</datestamp></header><metadata><case xmlns="urn:'
            'minga:case:1" format="1"><id>%s</id>%s<summary>Resumen.'
            '</summary><language>es</language><city>Salto</city><country>UY'
            '</country><year_start>2020</year_start><sdg_goals><goal>6</goal>'
            '</sdg_goals><levels><level>local</level></levels>%s</case>'
            '</metadata></record>'
            % (ident, cid, "<title>Agua</title>" if title else "", att))


def list_records(records, token=None):
    tok = ('<resumptionToken completeListSize="2" cursor="0">%s'
           '</resumptionToken>' % token) if token is not None else ""
    return (OAI_HEAD + "<ListRecords>" + "".join(records) + tok +
            "</ListRecords></OAI-PMH>")


class Hostile(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, body, status=200, headers=()):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path, _, query = self.path.partition("?")
        name = path.strip("/").split("/")[0]
        if name == "loop":
            return self.reply("", 302, [("Location", self.path)])
        if "verb=Identify" in query:
            return self.reply(IDENTIFY)
        if name == "malformed":
            return self.reply(OAI_HEAD + "<ListRecords><record><header>"
                              "<identifier>oai:h:1</identifier></head>")
        if name == "big":
            return self.reply(list_records([dc_record("oai:h:big")] * 4000))
        if name == "notitle":
            return self.reply(list_records([
                dc_record("oai:hostile.example:salto-agua"),
                dc_record("oai:hostile.example:sin-titulo", title=False)]))
        if name == "mingabad":
            body = b"otro texto"
            return self.reply(list_records([
                minga_record("oai:h:m1", "salto-sin-titulo", title=False),
                minga_record("oai:h:m2", "salto-nota", attachment=(
                    "0" * 64, len(body)))]))
        if name == "api":   # the attachment of mingabad's record m2
            return self.reply(b"otro texto")
        if name == "midfail":
            if "resumptionToken=p2" in query:
                return self.reply(OAI_HEAD + "<ListRecords><record>")
            return self.reply(list_records(
                [dc_record("oai:hostile.example:primera-pagina")], "p2"))
        return self.reply("not here", 404)


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass   # the harvester hangs up on the oversized answer: expected


hostile = QuietServer(("127.0.0.1", 0), Hostile)
threading.Thread(target=hostile.serve_forever, daemon=True).start()
H = "http://127.0.0.1:%d" % hostile.server_address[1]
run(E, "init")


def nothing_written(what):
    check(len(export_or_empty(E)) == 0, "%s: nothing was imported" % what)
    code, rep_check = check_json(E)
    check(code == 0 and rep_check.get("consistent"),
          "%s: the catalog stays consistent" % what)


p, rep = harvest(E, H + "/malformed/oai", "--prefix", "oai_dc", ok=False)
check(p.returncode == 1 and "not well-formed XML" in (rep["error"] or "") and
      H + "/malformed/oai" in rep["error"],
      "malformed XML is a clear error naming the source (%r)" % rep["error"])
nothing_written("malformed XML")

p, rep = harvest(E, H + "/big/oai", "--prefix", "oai_dc", "--max-response",
                 "100000", ok=False)
check(p.returncode == 1 and "larger than the limit of 100000 bytes" in
      (rep["error"] or ""), "an oversized answer is refused (%r)"
      % rep["error"])
nothing_written("an oversized answer")

p, rep = harvest(E, H + "/loop/oai", ok=False)
check(p.returncode == 1 and "redirects" in (rep["error"] or ""),
      "a redirect loop is refused (%r)" % rep["error"])
nothing_written("a redirect loop")

p, rep = harvest(E, H + "/notitle/oai", "--prefix", "oai_dc", ok=False)
diags = rep["diagnostics"]
check(p.returncode == 1 and rep["new"] == 1 and rep["skipped"] == 1,
      "a record without its title is skipped, the other imported (%r)" % rep)
check(len(diags) == 1 and diags[0]["file"] ==
      H + "/notitle/oai!oai:hostile.example:sin-titulo" and
      diags[0]["field"] == "dc:title",
      "the diagnostic names the source, the identifier and the field (%r)"
      % diags)
check("dc:title" in p.stderr and "sin-titulo" in p.stderr,
      "the diagnostic is printed (%s)" % p.stderr)
held = export_or_empty(E)
check(sorted(held) == ["salto-agua"] and held["salto-agua"]["sdg_goals"] ==
      [11] and held["salto-agua"]["language"] == "es" and
      held["salto-agua"]["country"] == "UY",
      "the good record was mapped (%r)" % held)

p, rep = harvest(E, H + "/mingabad/oai", ok=False)
fields = sorted(d["field"] for d in rep["diagnostics"])
check(p.returncode == 1 and rep["new"] == 0 and rep["skipped"] == 2 and
      "title" in fields and "attachments[0]" in fields,
      "a minga record without its title, and one whose attachment does "
      "not match its sha256, are skipped naming the field (%r)"
      % rep["diagnostics"])
check(sorted(export_or_empty(E)) == ["salto-agua"],
      "nothing of the bad minga records was written")

p, rep = harvest(E, H + "/midfail/oai", "--prefix", "oai_dc", ok=False)
check(p.returncode == 1 and rep["new"] == 1 and rep["pages"] == 1 and
      "not well-formed" in (rep["error"] or ""),
      "a list broken on page 2 keeps page 1 committed (%r)" % rep)
src = [s for s in json.loads(run(E, "harvest", "--list", "--json").stdout)
       if s["url"] == H + "/midfail/oai"]
check(src and src[0]["unfinished"] and src[0]["last_datestamp"] is None and
      "failed" in (src[0]["last_status"] or ""),
      "the broken list is unfinished; its datestamp did not advance (%r)"
      % src)
code, rep_check = check_json(E)
check(code == 0 and rep_check.get("consistent"),
      "after every hostile source the catalog is consistent")

# -- end -------------------------------------------------------------------

stop_servers()
hostile.shutdown()
checks.finish()
