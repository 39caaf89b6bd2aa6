#!/usr/bin/env python3
"""POST /api/suggest (issue 21) on the sample catalog (data/sample):

- a case sent as JSON (no goals, no targets) gets ranked goals and
  targets with their reasons: a bus rapid transit case gets goal 11 first
  and target 11.2 with the phrase "bus rapid transit", and each "similar
  case X tagged T" names a sample case really tagged T;
- the case's own id is never its own neighbour; ?limit=N bounds both
  lists;
- errors in the scheme of docs/api-errors.md: bad JSON is a 400
  `bad_json`, JSON that is no case a 400 `bad_case` (with the field), a
  body over the limit a 413 `too_large`, GET a 405 with Allow: POST, an
  unknown parameter a 400 `unknown_parameter`;
- answers and errors match docs/openapi.json.

Usage: test_suggest.py MINGA SOURCE_DIR WORK_DIR. Exit 0 when every check
passes.
"""
import json
import os
import shutil
import sys

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "data", "sample")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
from webtest import Checks, Server, make_catalog  # noqa: E402

SPEC = json.load(open(os.path.join(SOURCE, "docs", "openapi.json")))
SCHEMAS = SchemaChecker(SPEC)

checks = Checks()
check = checks.check


def request(method, path, body=None, headers=None):
    return server.request(method, path, body, headers)


def post(body, path="/api/suggest"):
    if not isinstance(body, bytes):
        body = json.dumps(body).encode()
    status, headers, data = request("POST", path, body,
                                    {"Content-Type": "application/json"})
    try:
        answer = json.loads(data)
    except ValueError:
        answer = None
    return status, headers, answer


def schema(name):
    return {"$ref": "#/components/schemas/" + name}


def check_schema(value, name, what):
    errs = SCHEMAS.errors(value, schema(name))
    check(not errs, "%s matches %s: %s" % (what, name, errs[:3]))


def check_error(status, answer, want_status, want_code, what):
    check(status == want_status, "%s: status %d (want %d)"
          % (what, status, want_status))
    check(isinstance(answer, dict) and answer.get("code") == want_code,
          "%s: code %r (want %s)" % (what, answer and answer.get("code"),
                                     want_code))
    if isinstance(answer, dict):
        check_schema(answer, "Error", what)


SAMPLE_CASES = {}
for name in os.listdir(SAMPLE):
    if name.endswith(".json"):
        with open(os.path.join(SAMPLE, name), encoding="utf-8") as f:
            c = json.load(f)
        SAMPLE_CASES[c["id"]] = c


def hidden(case_id, new_id=None):
    """A sample case without its goals and targets (and another id)."""
    c = {k: v for k, v in SAMPLE_CASES[case_id].items()
         if k not in ("sdg_goals", "sdg_targets")}
    if new_id is None:
        c.pop("id")
    else:
        c["id"] = new_id
    return c


# -- tests -------------------------------------------------------------------

def test_bus_rapid_transit_case():
    status, headers, a = post(hidden("bogota-transmilenio-bus-rapid-transit",
                                     "a-new-brt-case"))
    check(status == 200, "a valid case: 200 (%d)" % status)
    check(headers.get("content-type", "").startswith("application/json"),
          "JSON answer")
    if status != 200:
        return
    check_schema(a, "SuggestAnswer", "the answer")
    check(a["goals"] and a["goals"][0]["goal"] == 11,
          "goal 11 first (%r)" % [g["goal"] for g in a["goals"]][:3])
    targets = {t["target"]: t for t in a["targets"]}
    t = targets.get("11.2")
    check(t is not None, "11.2 suggested (%r)" % list(targets))
    if not t:
        return
    first_11 = [x["target"] for x in a["targets"] if x["goal"] == 11][0]
    check(first_11 == "11.2", "11.2 first among 11.x (%s)" % first_11)
    phrases = [r["phrase"] for r in t["reasons"] if r["kind"] == "phrase"]
    check("bus rapid transit" in phrases,
          "11.2's reasons hold the phrase (%r)" % phrases)
    check(all(r["count"] >= 1 for r in t["reasons"]
              if r["kind"] == "phrase"), "phrases counted")
    scores = [x["score"] for x in a["targets"]]
    check(scores == sorted(scores, reverse=True), "targets best first")
    n_similar = 0
    for item in a["targets"]:
        for r in item["reasons"]:
            if r["kind"] != "similar":
                continue
            n_similar += 1
            tagged = SAMPLE_CASES.get(r["case"], {}).get("sdg_targets", [])
            check(r["tagged"] == item["target"] and r["tagged"] in tagged,
                  "similar case %s is tagged %s" % (r["case"], r["tagged"]))
    check(n_similar > 0, "similar cases among the reasons")


def test_own_id_is_no_neighbour():
    own = "bogota-transmilenio-bus-rapid-transit"
    status, _, a = post(hidden(own, own))
    check(status == 200, "the case with its own id: 200 (%d)" % status)
    if status != 200:
        return
    named = {r["case"] for item in a["goals"] + a["targets"]
             for r in item["reasons"] if r["kind"] == "similar"}
    check(own not in named, "the case is not its own neighbour (%r)"
          % sorted(named))


def test_limit():
    status, _, a = post(hidden("rosario-programa-agricultura-urbana"),
                        "/api/suggest?limit=2")
    check(status == 200, "?limit=2: 200 (%d)" % status)
    if status == 200:
        check(0 < len(a["targets"]) <= 2 and 0 < len(a["goals"]) <= 2,
              "?limit=2 bounds both lists (%d, %d)"
              % (len(a["goals"]), len(a["targets"])))
    status, _, a = post(hidden("rosario-programa-agricultura-urbana"),
                        "/api/suggest?limit=0")
    check_error(status, a, 400, "bad_parameter", "?limit=0")
    status, _, a = post({"title": "x"}, "/api/suggest?sdg=11")
    check_error(status, a, 400, "unknown_parameter", "an unknown parameter")


def test_errors():
    status, _, a = post(b"{\"title\": \"unfinished")
    check_error(status, a, 400, "bad_json", "bad JSON")
    status, _, a = post(b"")
    check_error(status, a, 400, "bad_json", "an empty body")
    status, _, a = post([{"title": "a list"}])
    check_error(status, a, 400, "bad_case", "a JSON array")
    status, _, a = post({"title": 5})
    check_error(status, a, 400, "bad_case", "a title that is a number")
    check(a and a.get("params", {}).get("field") == "title",
          "the field is named (%r)" % (a and a.get("params")))
    status, _, a = post({"tags": "not a list", "title": "ok"})
    check_error(status, a, 400, "bad_case", "tags not an array")
    status, _, a = post({"city": "Rosario"})
    check_error(status, a, 400, "bad_case", "a case without text")
    big = {"title": "big", "body": "agua potable " * 60000}   # ~720 KB
    status, _, a = post(big)
    check_error(status, a, 413, "too_large", "an oversized case")
    check(a and a.get("params", {}).get("limit", 0) > 0, "413 says the limit")
    status, headers, data = request("GET", "/api/suggest")
    a = json.loads(data) if data else None
    check_error(status, a, 405, "method_not_allowed", "GET")
    check(headers.get("allow") == "POST", "Allow: POST (%r)"
          % headers.get("allow"))
    check(request("GET", "/healthz")[0] == 200, "the server still answers")


DATA = os.path.join(WORK_DIR, "data")
os.makedirs(WORK_DIR, exist_ok=True)
shutil.rmtree(DATA, ignore_errors=True)
make_catalog(MINGA, DATA, [SAMPLE])
server = Server(MINGA, DATA, WORK_DIR).start()

try:
    checks.run([test_bus_rapid_transit_case, test_own_id_is_no_neighbour,
                test_limit, test_errors])
finally:
    server.stop()
checks.finish()
