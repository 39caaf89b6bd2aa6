#!/usr/bin/env python3
"""schema.org JSON-LD in the server-rendered case page (issue 22).

- The current case page holds exactly one <script type="application/ld+json">
  whose text parses as JSON and describes the case as schema.org asks:
  @type Report, name, description, inLanguage, dateModified,
  spatialCoverage (the city, its country), about (each goal a DefinedTerm
  of the "Sustainable Development Goals" DefinedTermSet), keywords (goals,
  targets, tags), license (SPDX URL), url (the page, from base_url) and
  isBasedOn (the source URL).
- Hostile text cannot leave the data block: a case whose title holds
  `</script><script>alert(1)</script>` and whose summary holds `<!--`,
  U+2028 and U+2029 yields a page where the block is the only script the
  HTML parser sees besides the page's own, its JSON gives the title back
  unchanged, and no "<" nor raw U+2028/2029 is in the block's text (the
  escaping of fed_jsonld_script_text, web/jsonld.c).
- Pages that are no case's current version (a revision, the history, a
  deleted case) carry no JSON-LD; the Content-Security-Policy stays
  script-src 'self'.

Usage: test_jsonld.py MINGA SOURCE_DIR WORK_DIR.
"""
import html.parser
import json
import os
import shutil
import sqlite3
import sys

from webtest import Checks, Server, free_port, run_minga

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
FIXTURES = os.path.join(SOURCE, "tests", "web", "fixtures")
HOSTILE_TITLE = "</script><script>alert(1)</script> Hostile"
HOSTILE_SUMMARY = ("A summary with <!-- a comment opener, a line\u2028"
                   "separator and a paragraph\u2029separator </SCRIPT >.")

checks = Checks()
check = checks.check


def minga(*args):
    return run_minga(MINGA, DATA, *args)


def get(path):
    status, headers, body = server.get(path)
    return status, headers, body.decode("utf-8")


class Scripts(html.parser.HTMLParser):
    """Every <script> element as the HTML parser sees it: its type and
    text (the parser ends script data at the first "</script")."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.scripts = []
        self.current = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.current = [dict(attrs).get("type"), ""]
            self.scripts.append(self.current)

    def handle_data(self, data):
        if self.current is not None:
            self.current[1] += data

    def handle_endtag(self, tag):
        if tag == "script":
            self.current = None


def scripts_of(page):
    p = Scripts()
    p.feed(page)
    p.close()
    return p.scripts


def jsonld_of(page):
    blocks = [s for s in scripts_of(page) if s[0] == "application/ld+json"]
    return blocks


# -- set-up ------------------------------------------------------------------

os.makedirs(WORK_DIR, exist_ok=True)
DATA = os.path.join(WORK_DIR, "data")
CASES = os.path.join(WORK_DIR, "cases")
shutil.rmtree(DATA, ignore_errors=True)
shutil.rmtree(CASES, ignore_errors=True)
os.makedirs(CASES)
porto = json.load(open(os.path.join(FIXTURES, "porto-alegre-orcamento.json")))
json.dump(porto, open(os.path.join(CASES, "porto.json"), "w"))
hostile = dict(porto, id="hostile-title", title=HOSTILE_TITLE,
               summary=HOSTILE_SUMMARY,
               tags=["</script>", "tag\u2028two"])
json.dump(hostile, open(os.path.join(CASES, "hostile.json"), "w"))
minga("init")
minga("import", CASES)
# a second revision of porto, so that ?rev=1 exists
porto2 = dict(porto, summary=porto["summary"] + " Revised.")
json.dump(porto2, open(os.path.join(CASES, "porto.json"), "w"))
os.remove(os.path.join(CASES, "hostile.json"))
minga("import", CASES)
minga("delete", "hostile-title")     # restored by the hostile test
PORT = free_port()
BASE = "http://127.0.0.1:%d" % PORT
db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
db.execute("INSERT OR REPLACE INTO meta VALUES('base_url', ?)", (BASE,))
db.commit()
db.close()
server = Server(MINGA, DATA, WORK_DIR, port=PORT).start()


# -- tests -------------------------------------------------------------------

def test_fields():
    pid = porto["id"]
    status, headers, page = get("/?case=" + pid)
    check(status == 200, "the case page answers 200 (%d)" % status)
    csp = headers.get("content-security-policy", "")
    check("script-src 'self'" in csp, "CSP keeps script-src 'self' (%s)"
          % csp)
    blocks = jsonld_of(page)
    check(len(blocks) == 1, "one JSON-LD block (%d)" % len(blocks))
    if not blocks:
        return
    d = json.loads(blocks[0][1])
    check(d.get("@context") == "https://schema.org", "@context schema.org")
    check(d.get("@type") == "Report", "@type Report (%r)" % d.get("@type"))
    check(d.get("name") == porto["title"], "name is the title")
    check(d.get("description") == porto2["summary"],
          "description is the current summary")
    check(d.get("inLanguage") == "pt", "inLanguage pt")
    check(len(d.get("dateModified", "")) >= 19 and
          d["dateModified"][:2] == "20", "dateModified a time (%r)"
          % d.get("dateModified"))
    page_url = BASE + "/?case=" + pid
    check(d.get("url") == page_url, "url is the page from base_url (%r)"
          % d.get("url"))
    check(d.get("isBasedOn") == porto["source_url"], "isBasedOn the source")
    check(d.get("license") == "https://spdx.org/licenses/CC-BY-4.0",
          "license the SPDX URL (%r)" % d.get("license"))
    place = d.get("spatialCoverage", {})
    check(place.get("@type") == "City" and place.get("name") == "Porto Alegre"
          and place.get("address", {}).get("addressCountry") == "BR"
          and place.get("address", {}).get("addressRegion") ==
          "Rio Grande do Sul", "spatialCoverage the city in BR (%r)" % place)
    about = d.get("about", [])
    check([a.get("termCode") for a in about] == ["11", "16"],
          "about: a term per goal (%r)" % about)
    check(all(a.get("@type") == "DefinedTerm" and
              a.get("@id") == "http://metadata.un.org/sdg/" + a["termCode"]
              and a.get("name") and
              a.get("inDefinedTermSet", {}).get("name") ==
              "Sustainable Development Goals" for a in about),
          "each goal a DefinedTerm of the SDG DefinedTermSet")
    kw = d.get("keywords", [])
    check(kw[:4] == ["SDG 11", "SDG 16", "SDG 11.3", "SDG 16.7"] and
          all(t in kw for t in porto["tags"]),
          "keywords: goals, targets, tags (%r)" % kw)
    check(d.get("temporalCoverage") == "1989/..", "temporalCoverage (%r)"
          % d.get("temporalCoverage"))
    # not on pages that are no current version
    for path in ("/?case=%s&rev=1" % pid, "/?case=%s&history=1" % pid,
                 "/?case=hostile-title", "/?case=no-such-case"):
        status, _, page = get(path)
        check(not jsonld_of(page), "no JSON-LD on %s (%d)" % (path, status))


def test_hostile_text_stays_inside():
    minga("restore", "hostile-title")
    status, _, page = get("/?case=hostile-title")
    check(status == 200, "the hostile case's page answers 200 (%d)" % status)
    check("<script>alert(1)" not in page,
          "no <script>alert(1) anywhere in the HTML")
    blocks = jsonld_of(page)
    check(len(blocks) == 1, "one JSON-LD block (%d)" % len(blocks))
    others = [s for s in scripts_of(page) if s[0] != "application/ld+json"]
    check(all("alert" not in s[1] for s in others),
          "no script the parser sees holds the title's alert")
    if not blocks:
        return
    text = blocks[0][1]
    check("<" not in text, "no '<' in the data block")
    check("\u2028" not in text and "\u2029" not in text,
          "no raw U+2028/U+2029 in the data block")
    d = json.loads(text)
    check(d.get("name") == HOSTILE_TITLE,
          "the title comes back unchanged (%r)" % d.get("name"))
    check(d.get("description") == HOSTILE_SUMMARY,
          "the summary comes back unchanged")
    check("</script>" in d.get("keywords", []), "the tag comes back")


try:
    checks.run([test_fields, test_hostile_text_stays_inside])
finally:
    server.stop()
checks.finish()
