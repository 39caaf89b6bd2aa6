#!/usr/bin/env python3
"""The city's upload and the attachments over HTTP (issue 20), driven
through `minga serve` on the sample catalog (data/sample) with tokens
made by `minga token add`.

- An upload needs no header but the token: with no Content-Type (or
  curl's form-urlencoded) the type is told from the first bytes (zip,
  tar.gz, tar, JSON, JSON Lines, CSV, Markdown): 201. A PDF as the whole
  body is a 415 that names what is accepted.
- Errors name the uploaded file by its own name (?filename=, the form
  part's filename), and every error of every file comes in one answer:
  a bad field in one case file and a missing attachment in another.
- ?dry_run=1 validates (scopes included) and writes nothing: the JSON
  export is byte-identical before and after.
- GET /api/cases/{id}/attachments/{name}: the bytes imported, its type,
  inline for PDF and text, a sandboxed download for HTML, ETag = sha256,
  404 for an unknown name, ?rev=N for an older revision's attachment.
- Every error carries a stable code and its params (docs/api-errors.md),
  and a bad filter says its field once.

Every JSON answer is checked against docs/openapi.json.

usage: test_upload_web.py MINGA_BINARY SOURCE_DIR WORK_DIR
"""
import copy
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
import webtest  # noqa: E402
from webtest import Checks, Response, Server  # noqa: E402

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE_DIR, "data", "sample")
SPEC = json.load(open(os.path.join(SOURCE_DIR, "docs", "openapi.json")))
CHECKER = SchemaChecker(SPEC)
CODES = SPEC["components"]["schemas"]["Error"]["properties"]["code"]["enum"]

checks = Checks(is_verbose=True)
check = checks.check


def validate(template, method, resp):
    webtest.validate(check, SPEC, CHECKER, template, method, resp)


# -- HTTP ------------------------------------------------------------------

def request(method, path, body=None, token=None, headers=None):
    hdrs = dict(headers or {})
    if token:
        hdrs["Authorization"] = "Bearer " + token
    # http.client adds no Content-Type: the body goes as curl's
    # --data-binary would with -H "Content-Type:" (none)
    status, resp_headers, data = server.request(method, path, body, hdrs)
    return Response(status, resp_headers.items(), data)


def export_json():
    r = request("GET", "/api/export/json")
    check(r.status == 200, "the full JSON export is answered (%d)" % r.status)
    return r.body


def diag_texts(resp):
    return [(d.get("file") or "") + ": " + (d.get("field") or "") + ": " +
            d.get("message", "")
            for d in (resp.json() or {}).get("details", [])]


def check_code(resp, code, what):
    b = resp.json() or {}
    check(b.get("code") == code and code in CODES and
          isinstance(b.get("params"), dict),
          "%s: code %s with params (%s %s)" % (what, code, b.get("code"),
                                               b.get("params")))


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


# run from WORK_DIR, whose files no upload may reach
server = Server(MINGA, DATA, WORK_DIR, cwd=WORK_DIR)


def stop_server():
    rc = server.stop()
    check(rc == 0, "SIGTERM stops the server cleanly (exit %s)" % rc)


minga("init")
minga("import", *sorted(os.path.join(SAMPLE, f) for f in os.listdir(SAMPLE)
                        if f.endswith(".json")))
CURATOR = token_add("secretaria", "--role", "curator")
UY = token_add("montevideo", "--role", "city", "--country", "UY")

MONTEVIDEO = sample("montevideo-plan-saneamiento-urbano")   # UY
ROSARIO = sample("rosario-presupuesto-participativo")      # AR

REPORT_V1 = ("Informe de avance del Plan de Saneamiento Urbano.\n"
             "Las obras del colector Arroyo Miguelete avanzan según lo "
             "previsto.\n").encode("utf-8")
REPORT_V2 = REPORT_V1 + "Segunda edición, corregida.\n".encode("utf-8")
HTML = b"<!doctype html><title>x</title><script>alert(1)</script>"


def uy_case(case_id, title, **fields):
    c = dict(copy.deepcopy(MONTEVIDEO), id=case_id, title=title)
    c.update(fields)
    return c


def as_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data if isinstance(data, bytes)
                       else json.dumps(data, ensure_ascii=False, indent=1))
    return buf.getvalue()


def as_tar_gz(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for name, data in files.items():
            raw = data if isinstance(data, bytes) else \
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            t.addfile(info, io.BytesIO(raw))
    return buf.getvalue()


# -- the tests ------------------------------------------------------------------

def test_upload_without_content_type():
    body = as_zip({"cases/a.json": uy_case("montevideo-sin-tipo-zip",
                                           "Subida sin tipo (zip)")})
    r = request("POST", "/api/imports", body, token=CURATOR)
    check(r.status == 201, "a zip with no Content-Type and no filename is "
          "imported (%d %s)" % (r.status, r.body[:200]))
    validate("/api/imports", "POST", r)
    # curl --data-binary sends application/x-www-form-urlencoded
    body = as_zip({"cases/a.json": uy_case("montevideo-sin-tipo-curl",
                                           "Subida como curl")})
    r = request("POST", "/api/imports", body, token=CURATOR, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    check(r.status == 201, "curl's default form-urlencoded type is sniffed "
          "too (%d %s)" % (r.status, r.body[:200]))
    # each kind of file, told by its first bytes
    kinds = [
        ("tar.gz", as_tar_gz({"cases/a.json": uy_case(
            "montevideo-sin-tipo-tgz", "Subida sin tipo (tar.gz)")})),
        ("JSON list", json.dumps([uy_case(
            "montevideo-sin-tipo-json", "Subida sin tipo (JSON)")],
            indent=2).encode("utf-8")),
        ("JSON Lines", (json.dumps(uy_case(
            "montevideo-sin-tipo-jsonl-1", "Subida JSON Lines 1")) + "\n" +
            json.dumps(uy_case("montevideo-sin-tipo-jsonl-2",
                               "Subida JSON Lines 2")) + "\n")
         .encode("utf-8")),
        ("Markdown", ("---\nid: montevideo-sin-tipo-md\ntitle: Subida "
                      "Markdown\nsummary: Un resumen del plan de "
                      "saneamiento.\nlanguage: es\ncity: Montevideo\n"
                      "country: UY\nyear_start: 2020\nsdg_goals: [6]\n"
                      "levels: [local]\n---\n\nTexto.\n").encode("utf-8")),
    ]
    for kind, body in kinds:
        r = request("POST", "/api/imports", body, token=CURATOR,
                    headers={"Content-Type": "application/octet-stream"})
        check(r.status == 201, "a %s body with application/octet-stream is "
              "told by its first bytes and imported (%d %s)"
              % (kind, r.status, r.body[:300]))
    r = request("GET", "/api/cases/montevideo-sin-tipo-jsonl-2")
    check(r.status == 200, "both JSON Lines cases were imported")


def test_pdf_body_is_a_clear_415():
    export_before = export_json()
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
    r = request("POST", "/api/imports", pdf, token=CURATOR)
    b = r.json() or {}
    check(r.status == 415, "a PDF as the whole body is a 415 (%d)" % r.status)
    check(".zip" in b.get("error", "") and ".json" in b.get("error", "")
          and "PDF" in b.get("error", ""),
          "its message says it is a PDF and names what is accepted (%s)"
          % b.get("error"))
    check_code(r, "unsupported_media_type", "the PDF's 415")
    check(".tar.gz" in b.get("params", {}).get("accepted", []) and
          b.get("params", {}).get("detected") == "application/pdf",
          "params list the accepted types and what was found")
    validate("/api/imports", "POST", r)
    r = request("POST", "/api/imports", pdf, token=CURATOR,
                headers={"Content-Type": "application/pdf"})
    check(r.status == 415, "a PDF declared as such is a 415 too (%d)"
          % r.status)
    r = request("POST", "/api/imports", b"\x00\x01\x02 no known type",
                token=CURATOR)
    check(r.status == 415 and ".zip" in (r.json() or {}).get("error", ""),
          "bytes of no known type are a 415 naming what is accepted")
    check(export_json() == export_before, "the refused uploads wrote nothing")


def broken_pack():
    """Two broken files: a bad field in one, a missing attachment in the
    other (with nothing wrong in its fields)."""
    return as_zip({
        "cases/01-bad-goal.json": uy_case("montevideo-meta-invalida",
                                          "Meta inválida", sdg_goals=[18]),
        "cases/02-sin-adjunto.json": uy_case(
            "montevideo-sin-adjunto", "Adjunto ausente",
            attachments=["anexos/informe-final.pdf"]),
    })


def test_every_error_in_one_answer():
    export_before = export_json()
    r = request("POST", "/api/imports?filename=informe-montevideo.zip",
                broken_pack(), token=CURATOR)
    b = r.json() or {}
    texts = diag_texts(r)
    check(r.status == 400, "the broken pack is a 400 (%d)" % r.status)
    check_code(r, "invalid_input", "the broken pack")
    check(any("01-bad-goal.json" in t and "sdg_goals" in t for t in texts),
          "the bad goal in one file is reported (%s)" % texts)
    check(any("02-sin-adjunto.json" in t and "attachments[0]" in t and
              "informe-final.pdf" in t for t in texts),
          "the missing attachment in the other file is reported in the same "
          "answer (%s)" % texts)
    check(b.get("params", {}).get("errors") == 2 and
          b.get("params", {}).get("more") == 0,
          "params count the errors (%s)" % b.get("params"))
    check("informe-montevideo.zip" in b.get("error", "") and
          "upload." not in b.get("error", ""),
          "the error names the uploaded file (%s)" % b.get("error"))
    check(all(d.get("file", "").startswith("informe-montevideo.zip!")
              for d in b.get("details", [])),
          "each diagnostic names the uploaded file and its member")
    check(all(isinstance(d.get("line"), int) and d.get("field")
              for d in b.get("details", [])),
          "each diagnostic keeps its line and field")
    validate("/api/imports", "POST", r)
    check(export_json() == export_before, "nothing of it was written")

    # the form part's own filename, spaces and accents kept
    boundary = "minga-test-boundary"
    body = ("--%s\r\nContent-Disposition: form-data; name=\"file\"; "
            "filename=\"Paquete Montevideo año 2.zip\"\r\nContent-Type: "
            "application/zip\r\n\r\n" % boundary).encode("utf-8") + \
        broken_pack() + ("\r\n--%s--\r\n" % boundary).encode()
    r = request("POST", "/api/imports", body, token=CURATOR, headers={
        "Content-Type": "multipart/form-data; boundary=" + boundary})
    b = r.json() or {}
    check(r.status == 400 and "Paquete Montevideo año 2.zip" in
          b.get("error", ""), "a form upload's error names the part's "
          "filename (%d %s)" % (r.status, b.get("error")))
    check(b.get("params", {}).get("file") == "Paquete Montevideo año 2.zip",
          "params.file is the uploaded file's name")

    # more than 20 problems: the first 20, then a count
    many = {"cases/%02d.json" % i: uy_case("montevideo-mal-%02d" % i, "Mal",
                                           sdg_goals=[18])
            for i in range(25)}
    r = request("POST", "/api/imports?filename=muchos.zip", as_zip(many),
                token=CURATOR)
    b = r.json() or {}
    check(r.status == 400 and len(b.get("details", [])) == 20 and
          b.get("params", {}).get("errors") == 25 and
          b.get("params", {}).get("more") == 5,
          "25 errors: 20 listed, and a count of the rest (%d listed, %s)"
          % (len(b.get("details", [])), b.get("params")))


def test_dry_run():
    export_before = export_json()
    good = as_zip({"cases/a.json": uy_case("montevideo-ensayo", "Ensayo")})
    r = request("POST", "/api/imports?dry_run=1&filename=ensayo.zip", good,
                token=CURATOR)
    b = r.json() or {}
    check(r.status == 200 and b.get("dry_run") is True and
          b.get("status") == "dry_run" and b.get("new") == 1,
          "a good dry run is a 200 saying what would be imported (%d %s)"
          % (r.status, b.get("summary")))
    validate("/api/imports", "POST", r)
    check(export_json() == export_before, "a dry run writes nothing: the "
          "export is identical")
    check(request("GET", "/api/cases/montevideo-ensayo").status == 404,
          "the dry run's case is not there")
    # the same diagnostics as a real upload
    real = request("POST", "/api/imports?filename=informe-montevideo.zip",
                   broken_pack(), token=CURATOR)
    dry = request("POST", "/api/imports?filename=informe-montevideo.zip"
                  "&dry_run=1", broken_pack(), token=CURATOR)
    check(dry.status == 400 and
          (dry.json() or {}).get("details") == (real.json() or {}).get(
              "details"),
          "a dry run of the broken pack reports what the upload does (%d)"
          % dry.status)
    check_code(dry, "invalid_input", "the broken pack's dry run")
    # scopes apply to dry runs too
    r = request("POST", "/api/imports?dry_run=1&filename=rosario.zip",
                as_zip({"cases/r.json": ROSARIO}), token=UY)
    check(r.status == 403, "a city's dry run of a case outside its scope is "
          "a 403 (%d)" % r.status)
    check_code(r, "forbidden_scope", "the dry run's 403")
    validate("/api/imports", "POST", r)
    r = request("POST", "/api/imports?dry_run=maybe", good, token=CURATOR)
    check(r.status == 400, "dry_run=maybe is a 400 (%d)" % r.status)
    check_code(r, "bad_parameter", "dry_run=maybe")
    check(export_json() == export_before, "nothing of the dry runs was "
          "written")


def upload_ok(files, what):
    r = request("POST", "/api/imports", as_zip(files), token=CURATOR)
    check(r.status in (200, 201), "%s (%d %s)" % (what, r.status,
                                                  r.body[:300]))


def test_attachments():
    cid = "montevideo-con-anexos"
    upload_ok({"cases/m.json": uy_case(cid, "Con anexos", attachments=[
        "anexos/informe de avance.txt", "anexos/pagina.html"]),
        "cases/anexos/informe de avance.txt": REPORT_V1,
        "cases/anexos/pagina.html": HTML}, "a case with two attachments")
    r = request("GET", "/api/cases/" + cid)
    b = r.json() or {}
    urls = b.get("attachment_urls") or []
    check(urls == ["/api/cases/%s/attachments/anexos%%2Finforme%%20de%%20"
                   "avance.txt" % cid,
                   "/api/cases/%s/attachments/anexos%%2Fpagina.html" % cid],
          "the case lists each attachment's URL (%s)" % urls)
    validate("/api/cases/{id}", "GET", r)

    r = request("GET", urls[0])
    check(r.status == 200 and r.body == REPORT_V1,
          "the text attachment's bytes are the file imported")
    check(r.headers.get("content-type") == "text/plain; charset=utf-8",
          "its type is text/plain (%s)" % r.headers.get("content-type"))
    check(r.headers.get("content-disposition", "").startswith("inline"),
          "plain text is shown inline (%s)"
          % r.headers.get("content-disposition"))
    check(r.headers.get("etag") == '"%s"' % hashlib.sha256(
        REPORT_V1).hexdigest(), "its ETag is the sha256 of its bytes")
    check(r.headers.get("x-content-type-options") == "nosniff" and
          r.headers.get("x-frame-options") == "DENY" and
          r.headers.get("referrer-policy") == "no-referrer",
          "it carries the security headers")
    r304 = request("GET", urls[0], headers={"If-None-Match":
                                             r.headers.get("etag", "")})
    check(r304.status == 304 and not r304.body,
          "If-None-Match with its ETag is a 304 (%d)" % r304.status)
    r = request("GET", "/api/cases/%s/attachments/anexos/informe%%20de%%20"
                "avance.txt" % cid)
    check(r.status == 200 and r.body == REPORT_V1,
          "the folder may be given as a segment of its own (%d)" % r.status)
    r = request("HEAD", urls[0])
    check(r.status == 200 and not r.body, "HEAD answers without the bytes")

    r = request("GET", urls[1])
    check(r.status == 200 and r.body == HTML, "the HTML attachment's bytes")
    check(r.headers.get("content-type", "").startswith("text/html"),
          "its type is text/html")
    check(r.headers.get("content-disposition", "").startswith(
        'attachment; filename="pagina.html"'),
          "HTML is a download, never shown (%s)"
          % r.headers.get("content-disposition"))
    csp = r.headers.get("content-security-policy", "")
    check(re.match(r"^sandbox\b", csp) and "default-src 'none'" in csp,
          "HTML is sandboxed by its own policy (%s)" % csp)
    check(r.headers.get("x-content-type-options") == "nosniff",
          "nosniff on the HTML download")

    for path, code in [
            ("/api/cases/%s/attachments/no-such.pdf" % cid,
             "attachment_not_found"),
            ("/api/cases/%s/attachments/anexos%%2Fotro.txt" % cid,
             "attachment_not_found"),
            ("/api/cases/no-such-case/attachments/x.pdf", "case_not_found")]:
        r = request("GET", path)
        check(r.status == 404, "%s is a 404 (%d)" % (path, r.status))
        check_code(r, code, path)
        validate("/api/cases/{id}/attachments/{name}", "GET", r)
    b = request("GET", "/api/cases/%s/attachments/no-such.pdf" % cid).json()
    check((b or {}).get("params", {}).get("attachments") ==
          ["anexos/informe de avance.txt", "anexos/pagina.html"],
          "the 404 lists the case's attachments")
    r = request("GET", urls[0] + "?colour=red")
    check(r.status == 400, "an unknown parameter is a 400")
    check_code(r, "unknown_parameter", "?colour=red")
    r = request("DELETE", urls[0], token=CURATOR)
    check(r.status == 405 and "GET" in r.headers.get("allow", ""),
          "DELETE on an attachment is a 405 with Allow")
    check_code(r, "method_not_allowed", "the 405")

    # a new revision with other bytes: ?rev=1 still reads the old ones
    upload_ok({"cases/m.json": uy_case(cid, "Con anexos, segunda edición",
                                       attachments=[
                                           "anexos/informe de avance.txt"]),
               "cases/anexos/informe de avance.txt": REPORT_V2},
              "the case's second revision")
    r = request("GET", urls[0])
    check(r.status == 200 and r.body == REPORT_V2,
          "the current attachment is the new one")
    r = request("GET", urls[0] + "?rev=1")
    check(r.status == 200 and r.body == REPORT_V1,
          "?rev=1 reads revision 1's attachment (%d)" % r.status)
    check(r.headers.get("etag") == '"%s"' % hashlib.sha256(
        REPORT_V1).hexdigest(), "with revision 1's ETag")
    r = request("GET", urls[1] + "?rev=1")
    check(r.status == 200 and r.body == HTML,
          "an attachment the case no longer names is read at its revision")
    r = request("GET", urls[1])
    check(r.status == 404, "and is a 404 in the current revision")
    r = request("GET", urls[0] + "?rev=9")
    check(r.status == 404, "a revision the case never had is a 404")
    check_code(r, "revision_not_found", "?rev=9")
    b = (request("GET", "/api/cases/%s?rev=1" % cid).json() or {})
    check(all(u.endswith("?rev=1") for u in b.get("attachment_urls", [])),
          "a revision's attachment_urls read that revision")


def test_error_codes():
    r = request("GET", "/api/search?sdg=18")
    b = r.json() or {}
    check(r.status == 400, "?sdg=18 is a 400")
    check_code(r, "bad_filter_value", "?sdg=18")
    check(b.get("params") == {"param": "sdg", "value": "18"},
          "its params name the filter and value (%s)" % b.get("params"))
    d = (b.get("details") or [{}])[0]
    check(d.get("field") == "sdg" and not d.get("message", "").startswith(
        "sdg:"), "the field is said once: field sdg, message %r"
          % d.get("message"))
    validate("/api/search", "GET", r)
    for path, status, code in [
            ("/api/search?colour=red", 400, "unknown_parameter"),
            ("/api/search?page=0", 400, "bad_parameter"),
            ("/api/export/json?sdg=0", 400, "bad_filter_value"),
            ("/api/export/nope", 404, "unknown_format"),
            ("/api/export/json?country=AQ", 404, "no_results"),
            ("/api/cases/NO", 400, "bad_id"),
            ("/api/cases/no-such-case", 404, "case_not_found"),
            ("/api/cases/no-such-case?rev=x", 400, "bad_parameter"),
            ("/api/nothing-here", 404, "not_found")]:
        r = request("GET", path)
        check(r.status == status, "%s is a %d (%d)" % (path, status,
                                                       r.status))
        check_code(r, code, path)
    r = request("POST", "/api/imports", b"[]")
    check(r.status == 401, "an upload without a token is a 401")
    check_code(r, "unauthorized", "the 401")
    r = request("GET", "/api/review", token=UY)
    check(r.status == 403, "a city token reading the review list is a 403")
    check_code(r, "forbidden", "the curator-only 403")
    r = request("POST", "/api/imports?colour=red", b"[]", token=CURATOR)
    check(r.status == 400, "an upload with an unknown parameter is a 400")
    check_code(r, "unknown_parameter", "the upload's unknown parameter")
    r = request("PUT", "/api/search")
    check(r.status == 405, "PUT /api/search is a 405")
    check_code(r, "method_not_allowed", "the 405")
    doc = open(os.path.join(SOURCE_DIR, "docs", "api-errors.md"),
               encoding="utf-8").read()
    missing = [c for c in CODES if "`%s`" % c not in doc]
    check(not missing, "docs/api-errors.md lists every code of the spec "
          "(missing: %s)" % missing)


def test_single_file_never_reads_the_servers_folder():
    # A case file uploaded alone has no folder beside it: an attachment it
    # names must not be read from the server's working directory.
    with open(os.path.join(WORK_DIR, "secreto.txt"), "w") as f:
        f.write("contenido del servidor\n")
    cid = "montevideo-adjunto-suelto"
    body = json.dumps(uy_case(cid, "Adjunto suelto",
                              attachments=["secreto.txt"])).encode("utf-8")
    r = request("POST", "/api/imports?filename=suelto.json", body,
                token=CURATOR)
    texts = diag_texts(r)
    check(r.status == 400 and any("suelto.json" in t and "secreto.txt" in t
                                  and "zip or tar" in t for t in texts),
          "a single uploaded file naming an attachment is a 400 that says "
          "to upload an archive (%d %s)" % (r.status, texts))
    check_code(r, "invalid_input", "the lone attachment")
    check(request("GET", "/api/cases/" + cid).status == 404,
          "nothing of it was imported")
    # no_attachments=1: imported without it, with a warning
    r = request("POST", "/api/imports?filename=suelto.json&no_attachments=1",
                body, token=CURATOR)
    b = r.json() or {}
    check(r.status == 201 and b.get("warnings") == 1 and
          b.get("attachments") == 0,
          "with no_attachments=1 the case imports without it, one warning "
          "(%d %s)" % (r.status, r.body[:300]))
    validate("/api/imports", "POST", r)
    got = request("GET", "/api/cases/" + cid).json() or {}
    check(got.get("case", got).get("attachments", []) == [],
          "the imported case names no attachment (%s)" % got)
    r = request("GET", "/api/cases/%s/attachments/secreto.txt" % cid)
    check(r.status == 404 and b"contenido del servidor" not in r.body,
          "the server's file is not served (%d)" % r.status)
    r = request("POST", "/api/imports?no_attachments=maybe", body,
                token=CURATOR)
    check(r.status == 400, "no_attachments=maybe is a 400 (%d)" % r.status)
    check_code(r, "bad_parameter", "no_attachments=maybe")


try:
    server.start()
    checks.run([test_upload_without_content_type,
                test_pdf_body_is_a_clear_415,
                test_every_error_in_one_answer,
                test_dry_run,
                test_attachments,
                test_single_file_never_reads_the_servers_folder,
                test_error_codes])
    print("-- stop")
    stop_server()
finally:
    server.stop()

if checks.failures:
    print("server log: " + server.log_path)
checks.finish()
