#!/usr/bin/env python3
"""The upload's dry run suggests SDG tags, and the import takes the
accepted ones (issue 21), on the sample catalog (data/sample):

- a dry run of a real sample case whose goal 11 and targets 11.x were
  stripped (under a new id) lists the case in `cases_checked` with
  suggestions that hold the stripped target 11.2, each with a score and
  its reasons, none of them a tag the case has already;
- `add_targets=ID:11.2` in a dry run shows the target (and goal 11) on
  the case and writes nothing; in the import it gives the case 11.2 and
  goal 11 in GET /api/cases/{id}, one revision by the token;
- a bad add_targets (a target that is not official, "99.9"; a case id
  not in the upload; no colon; an upper-case id; no target; a value over
  2048 bytes) is a 400 `bad_parameter` naming add_targets and the value,
  and nothing is imported;
- the bound: a pack of 60 cases gets suggestions for 50, cases_more 10;
- `minga import --add-targets` does the same from the CLI (a bad value
  is a usage error, exit 2);
- the answers match docs/openapi.json.

Usage: test_upload_suggest.py MINGA SOURCE_DIR WORK_DIR. Exit 0 when every
check passes.
"""
import copy
import io
import json
import os
import shutil
import subprocess
import sys
import time
import urllib.parse
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
from webtest import Checks, Response, Server, make_catalog  # noqa: E402

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE_DIR, "data", "sample")
SPEC = json.load(open(os.path.join(SOURCE_DIR, "docs", "openapi.json")))
CHECKER = SchemaChecker(SPEC)

checks = Checks(is_verbose=True)
check = checks.check


def validate(resp, what):
    op = SPEC["paths"]["/api/imports"]["post"]
    entry = op["responses"].get(str(resp.status))
    if not check(entry is not None, "%s: status %d is documented"
                 % (what, resp.status)):
        return
    schema = entry["content"]["application/json"]["schema"]
    errs = CHECKER.errors(resp.json(), schema)
    check(not errs, "%s: matches the OpenAPI schema%s"
          % (what, "" if not errs else ": " + "; ".join(errs[:5])))


def request(method, path, body=None, token=None):
    headers = {"Authorization": "Bearer " + token} if token else {}
    status, resp_headers, data = server.request(method, path, body, headers,
                                                timeout=120)
    return Response(status, resp_headers, data)


def upload(body, name, token, dry_run=False, add_targets=()):
    query = [("filename", name)]
    if dry_run:
        query.append(("dry_run", "1"))
    query += [("add_targets", v) for v in add_targets]
    return request("POST", "/api/imports?" + urllib.parse.urlencode(query),
                   body, token)


DATA = os.path.join(WORK_DIR, "data")


def minga(*args, expect=0):
    p = subprocess.run([MINGA, "--data", DATA] + list(args),
                       capture_output=True, text=True, timeout=300)
    if expect is not None and p.returncode != expect:
        print("minga %s: exit %d (want %d):\n%s%s"
              % (" ".join(args), p.returncode, expect, p.stdout, p.stderr))
        sys.exit(1)
    return p


def sample(case_id):
    with open(os.path.join(SAMPLE, case_id + ".json"), encoding="utf-8") as f:
        return json.load(f)


def as_zip(files):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, json.dumps(data, ensure_ascii=False))
    return buf.getvalue()


def stripped_brt(case_id):
    """The sample's bus rapid transit case without goal 11 and its
    targets (11.2 among them), under another id."""
    c = copy.deepcopy(sample("bogota-transmilenio-bus-rapid-transit"))
    check("11.2" in c["sdg_targets"] and 11 in c["sdg_goals"],
          "the sample case is tagged 11.2 and 11 (%r)" % c["sdg_targets"])
    c["id"] = case_id
    c["sdg_goals"] = [g for g in c["sdg_goals"] if g != 11]
    c["sdg_targets"] = [t for t in c["sdg_targets"]
                        if not t.startswith("11.")]
    return c


def case_status(case_id):
    return request("GET", "/api/cases/" + case_id).status


# -- tests -------------------------------------------------------------------

def test_dry_run_suggests_a_stripped_target():
    c = stripped_brt("brt-sin-once")
    r = upload(as_zip({"cases/brt.json": c}), "pack.zip", CURATOR,
               dry_run=True)
    check(r.status == 200, "the dry run: 200 (%d %s)" % (r.status, r.body[:300]))
    validate(r, "the dry run")
    a = r.json() or {}
    checked = a.get("cases_checked") or []
    check(len(checked) == 1 and a.get("cases_more") == 0,
          "one case checked, none more (%d, %r)"
          % (len(checked), a.get("cases_more")))
    if not checked:
        return
    one = checked[0]
    check(one["id"] == "brt-sin-once" and one["title"] == c["title"],
          "the case's id and title (%s)" % one["id"])
    check(one["targets"] == sorted(c["sdg_targets"],
                                   key=lambda t: [int(x) if x.isdigit() else
                                                  100 + ord(x)
                                                  for x in t.split(".")])
          and 11 not in one["goals"],
          "its tags as it would be imported (%r %r)"
          % (one["goals"], one["targets"]))
    targets = {t["target"]: t for t in one["suggestions"]["targets"]}
    check("11.2" in targets, "the stripped 11.2 is suggested (%r)"
          % list(targets))
    check(not set(targets) & set(c["sdg_targets"]),
          "no target the case has is suggested (%r)" % list(targets))
    goals = [g["goal"] for g in one["suggestions"]["goals"]]
    check(11 in goals and not set(goals) & set(c["sdg_goals"]),
          "goal 11 suggested, no goal the case has (%r)" % goals)
    check(len(targets) <= 5 and len(goals) <= 3,
          "a few of each (%d targets, %d goals)" % (len(targets), len(goals)))
    t = targets.get("11.2")
    if t:
        phrases = [x.get("phrase") for x in t["reasons"]
                   if x["kind"] == "phrase"]
        check(t["score"] > 0 and "bus rapid transit" in phrases,
              "11.2 has a score and its reason (%r)" % phrases)
    check(case_status("brt-sin-once") == 404, "the dry run wrote nothing")


def test_dry_run_with_add_targets():
    c = stripped_brt("brt-check")
    r = upload(as_zip({"cases/brt.json": c}), "pack.zip", CURATOR,
               dry_run=True, add_targets=["brt-check:11.2"])
    check(r.status == 200, "a dry run with add_targets: 200 (%d %s)"
          % (r.status, r.body[:300]))
    checked = (r.json() or {}).get("cases_checked") or [{}]
    one = checked[0]
    check("11.2" in one.get("targets", []) and 11 in one.get("goals", []),
          "the check shows 11.2 and goal 11 on the case (%r %r)"
          % (one.get("goals"), one.get("targets")))
    sugg = [t["target"] for t in one.get("suggestions", {}).get("targets",
                                                                 [])]
    check("11.2" not in sugg, "an accepted target is no more suggested (%r)"
          % sugg)
    check(case_status("brt-check") == 404, "the dry run wrote nothing")


def test_import_with_add_targets():
    c = stripped_brt("brt-con-once")
    body = as_zip({"cases/brt.json": c})
    r = upload(body, "pack.zip", CURATOR, add_targets=["brt-con-once:11.2"])
    check(r.status == 201, "the import with add_targets: 201 (%d %s)"
          % (r.status, r.body[:300]))
    validate(r, "the import")
    check("cases_checked" not in (r.json() or {}),
          "an import lists no suggestions")
    got = request("GET", "/api/cases/brt-con-once")
    case = got.json() or {}
    check(got.status == 200 and "11.2" in case.get("sdg_targets", []) and
          11 in case.get("sdg_goals", []),
          "GET /api/cases/brt-con-once has 11.2 and goal 11 (%r %r)"
          % (case.get("sdg_goals"), case.get("sdg_targets")))
    kept = [t for t in c["sdg_targets"] if t not in case.get("sdg_targets",
                                                                [])]
    check(not kept, "the file's own targets stay (%r missing)" % kept)
    hist = request("GET", "/api/cases/brt-con-once/history").json() or {}
    revs = hist.get("revisions", [])
    check(len(revs) == 1 and revs[0].get("by") == "token:secretaria",
          "one revision, by the token (%r)" % revs)
    # the same file again, with another target: not skipped as identical
    r = upload(body, "pack.zip", CURATOR,
               add_targets=["brt-con-once:11.2,11.6"])
    case = request("GET", "/api/cases/brt-con-once").json() or {}
    check(r.status == 201 and "11.6" in case.get("sdg_targets", []),
          "the same file with another add_targets is a new revision "
          "(%d, %r)" % (r.status, case.get("sdg_targets")))


def test_bad_add_targets():
    c = stripped_brt("brt-mal")
    body = as_zip({"cases/brt.json": c})
    bad = [
        ("brt-mal:99.9", "a target that is not official"),
        ("otro-caso:11.2", "a case id not in the upload"),
        ("brt-mal", "no colon"),
        ("BRT-MAL:11.2", "an upper-case id"),
        ("brt-mal:", "no target"),
        ("brt-mal:11.2,,11.3", "an empty target"),
        ("brt-mal:" + ",".join(["11.2"] * 600), "a value over 2048 bytes"),
    ]
    for value, what in bad:
        for dry in (True, False):
            r = upload(body, "pack.zip", CURATOR, dry_run=dry,
                       add_targets=["brt-mal:11.3", value])
            a = r.json() or {}
            params = a.get("params", {})
            label = "%s%s" % (what, " (dry run)" if dry else "")
            check(r.status == 400 and a.get("code") == "bad_parameter" and
                  params.get("param") == "add_targets" and
                  params.get("value") == value,
                  "%s: 400 bad_parameter naming add_targets and the value "
                  "(%d %s %r)" % (label, r.status, a.get("code"),
                                  {k: str(v)[:40] for k, v in params.items()}))
            if not dry:
                validate(r, label)
    check(case_status("brt-mal") == 404,
          "nothing imported after the bad add_targets")
    r = upload(body, "pack.zip", CURATOR, add_targets=["brt-mal:11.3"])
    check(r.status == 201, "the same upload with a good value: 201 (%d)"
          % r.status)


def test_the_bound():
    base = sample("montevideo-plan-saneamiento-urbano")
    files = {}
    for i in range(60):
        c = dict(copy.deepcopy(base), id="montevideo-copia-%02d" % i,
                 title="%s (%d)" % (base["title"], i))
        files["cases/%02d.json" % i] = c
    t0 = time.time()
    r = upload(as_zip(files), "sixty.zip", CURATOR, dry_run=True)
    seconds = time.time() - t0
    a = r.json() or {}
    checked = a.get("cases_checked") or []
    check(r.status == 200 and a.get("cases") == 60 and len(checked) == 50
          and a.get("cases_more") == 10,
          "60 cases: 50 checked, cases_more 10 (%d, %r, %d, %r; %.2f s)"
          % (r.status, a.get("cases"), len(checked), a.get("cases_more"),
             seconds))
    check([x["id"] for x in checked] ==
          ["montevideo-copia-%02d" % i for i in range(50)],
          "the first 50 in the order read")
    validate(r, "the bounded dry run")


def test_cli_add_targets():
    c = stripped_brt("brt-cli")
    path = os.path.join(WORK_DIR, "brt-cli.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(c, f, ensure_ascii=False)
    p = minga("import", "--add-targets", "brt-cli:99.9", path, expect=2)
    check("99.9" in p.stderr, "a bad --add-targets: exit 2 naming it (%s)"
          % p.stderr.strip()[:200])
    p = minga("import", "--add-targets", "otro:11.2", path, expect=1)
    check("otro" in p.stderr, "a case not in the files: exit 1 (%s)"
          % p.stderr.strip()[:200])
    minga("import", "--add-targets", "brt-cli:11.2,11.6", path)
    case = request("GET", "/api/cases/brt-cli").json() or {}
    check({"11.2", "11.6"} <= set(case.get("sdg_targets", [])) and
          11 in case.get("sdg_goals", []),
          "minga import --add-targets adds them (%r)"
          % case.get("sdg_targets"))


shutil.rmtree(WORK_DIR, ignore_errors=True)
os.makedirs(WORK_DIR)
make_catalog(MINGA, DATA, [SAMPLE])
CURATOR = minga("token", "add", "secretaria", "--role",
                "curator").stdout.strip().split()[-1]
server = Server(MINGA, DATA, WORK_DIR).start()
try:
    checks.run([test_dry_run_suggests_a_stripped_target,
                test_dry_run_with_add_targets, test_import_with_add_targets,
                test_bad_add_targets, test_the_bound, test_cli_add_targets])
finally:
    server.stop()
checks.finish()
