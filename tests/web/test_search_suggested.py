#!/usr/bin/env python3
"""GET /api/search?suggested=1 (issue 21) on the sample catalog
(data/sample):

- ?target=11.2&suggested=1 finds Bogotá's Ciclovía (its text is about
  closing roads to cars for cycling and walking; it is tagged 3.4 and
  11.7, not 11.2), after the tagged cases, with "suggested": {"goals":
  [], "targets": ["11.2"]}; a tagged case (TransMilenio) has no mark;
- without the parameter (or with suggested=0) the answer is as before:
  no Ciclovía, no "suggested" key;
- a bad value is a 400 `bad_parameter`;
- the answers match docs/openapi.json;
- the page has the option as a checkbox in a GET form that keeps the
  search, carries it in its links and exports, does not count it as a
  filter, and marks Ciclovía "suggested" with the target its text speaks
  of; the CSV export with suggested=1 holds the cases the search showed.

Usage: test_search_suggested.py MINGA SOURCE_DIR WORK_DIR.
"""
import csv
import html.parser
import io
import json
import urllib.parse
import os
import shutil
import sys

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "data", "sample")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
from webtest import Checks, Server, make_catalog  # noqa: E402

SCHEMAS = SchemaChecker(json.load(open(os.path.join(SOURCE, "docs",
                                                    "openapi.json"))))
CICLOVIA = "bogota-ciclovia"
TRANSMILENIO = "bogota-transmilenio-bus-rapid-transit"
checks = Checks()
check = checks.check


def get(path):
    status, _, data = server.get(path)
    return status, json.loads(data)


def search(params):
    status, a = get("/api/search?per_page=50&" + params)
    check(status == 200, "%s: status %d" % (params, status))
    errs = SCHEMAS.errors(a, {"$ref": "#/components/schemas/SearchResults"})
    check(not errs, "%s matches SearchResults: %s" % (params, errs[:3]))
    return a


def test_marks():
    plain = search("target=11.2")
    ids = [h["id"] for h in plain["results"]]
    check(CICLOVIA not in ids, "without suggested=1 no Ciclovía")
    check("suggested" not in plain, "without suggested=1 no flag")
    check(all("suggested" not in h for h in plain["results"]),
          "without suggested=1 no marks")
    off = search("target=11.2&suggested=0")
    check([h["id"] for h in off["results"]] == ids, "suggested=0 is off")
    a = search("target=11.2&suggested=1")
    check(a.get("suggested") is True, "the answer says suggested")
    check("suggested_unavailable" not in a, "the index has suggestions")
    by_id = {h["id"]: h for h in a["results"]}
    check(CICLOVIA in by_id, "Ciclovía found by suggestion")
    check(by_id.get(CICLOVIA, {}).get("suggested") ==
          {"goals": [], "targets": ["11.2"]}, "Ciclovía marked 11.2")
    check(TRANSMILENIO in by_id and
          "suggested" not in by_id[TRANSMILENIO], "tagged case not marked")
    marks = ["suggested" in h for h in a["results"]]
    check(marks == sorted(marks), "tagged cases first: %s" % marks)


def get_text(path):
    status, _, data = server.get(path)
    return status, data.decode("utf-8")


class Forms(html.parser.HTMLParser):
    """The inputs of each form by the form's id, the links, and the text
    of each result (li.result) in order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.forms, self.links, self.results = {}, [], []
        self._form = None
        self._in_result = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = self.forms.setdefault(a.get("id"), [])
        elif tag == "input" and self._form is not None:
            self._form.append(a)
        elif tag == "a" and "href" in a:
            self.links.append(a["href"])
        elif tag == "li" and a.get("class") == "result":
            self.results.append("")
            self._in_result = 1
        elif tag == "li" and self._in_result:
            self._in_result += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "li" and self._in_result:
            self._in_result -= 1

    def handle_data(self, data):
        if self._in_result:
            self.results[-1] += data


def test_page():
    status, text = get_text("/?lang=en&target=11.2")
    page = Forms(text)
    check(status == 200, "page status %d" % status)
    box = [i for i in page.forms.get("suggested-form", [])
           if i.get("name") == "suggested"]
    check(len(box) == 1 and box[0].get("type") == "checkbox" and
          "checked" not in box[0], "an unticked checkbox: %r" % box)
    kept = {(i.get("name"), i.get("value"))
            for i in page.forms.get("suggested-form", [])
            if i.get("type") == "hidden"}
    check(("target", "11.2") in kept and ("lang", "en") in kept,
          "the form keeps the search: %r" % kept)
    check(not any("Ciclov" in r for r in page.results),
          "unticked: no Ciclovía on the page")

    status, text = get_text("/?lang=en&target=11.2&suggested=1")
    page = Forms(text)
    box = [i for i in page.forms.get("suggested-form", [])
           if i.get("name") == "suggested"]
    check(box and "checked" in box[0], "ticked after the form is sent")
    check('id="filter-count" class="filter-count">(1)<' in text,
          "the option is not counted as a filter")
    mine = [r for r in page.results if "Ciclov" in r]
    check(len(mine) == 1 and "Suggested" in mine[0] and "11.2" in mine[0],
          "Ciclovía is marked suggested with 11.2: %r" % mine)
    transmilenio = [r for r in page.results if "TransMilenio" in r]
    check(transmilenio and "Suggested" not in transmilenio[0],
          "the tagged case is not marked")
    facet_links = [h for h in page.links if "sdg=" in h and "target=11.2" in h]
    check(facet_links and all("suggested=1" in h for h in facet_links),
          "the page's links keep the option")
    exports = [h for h in page.links if h.startswith("/api/export/csv")]
    check(exports and "suggested=1" in exports[0],
          "the CSV export keeps the option: %r" % exports)
    status, body = get_text(exports[0].replace("&amp;", "&"))
    body = body.lstrip("\ufeff")     # the CSV starts with a BOM for Excel
    ids = [row.get("id") for row in csv.DictReader(io.StringIO(body))]
    check(status == 200 and CICLOVIA in ids and TRANSMILENIO in ids,
          "the export holds what the page showed (%d: %r)" % (status, ids))
    status, text = get_text("/?lang=es&target=11.2&suggested=1")
    mine = [r for r in Forms(text).results if "Ciclov" in r]
    check(mine and "Sugerido" in mine[0], "in Spanish: %r" % mine)


def test_bad_value():
    status, a = get("/api/search?target=11.2&suggested=maybe")
    check(status == 400 and a.get("code") == "bad_parameter",
          "suggested=maybe: %d %s" % (status, a.get("code")))


DATA = os.path.join(WORK_DIR, "data")
os.makedirs(WORK_DIR, exist_ok=True)
shutil.rmtree(DATA, ignore_errors=True)
make_catalog(MINGA, DATA, [SAMPLE])
server = Server(MINGA, DATA, WORK_DIR).start()
try:
    checks.run([test_marks, test_page, test_bad_value])
finally:
    server.stop()
checks.finish()
