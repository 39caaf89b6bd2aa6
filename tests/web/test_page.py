#!/usr/bin/env python3
"""The server-rendered page (issue 20), read as a browser without
JavaScript or a crawler reads it: the HTML of GET / already holds the
results, snippets and facets of the search (the same as /api/search),
filters are links and the search a GET form, `lang` (es, pt, en) is in
every URL the page makes, and each page has its <html lang>, hreflang
alternates, canonical link and meta description. A bad filter is said
once, in the page's language, with no empty facet headings; there is no
briefing pack to download for 0 results; a case page shows the case,
its last change, its history and older revisions.

usage: test_page.py MINGA_BINARY SOURCE_DIR WORK_DIR
Only the Python standard library is used.
"""
import html.parser
import json
import os
import re
import shutil
import sys
import urllib.parse

from webtest import Checks, Server, make_catalog

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
DATA = os.path.join(WORK_DIR, "data")
checks = Checks(is_verbose=True)
check = checks.check
server = None


def get(path, headers=None):
    return server.get(path, headers)


class Page(html.parser.HTMLParser):
    """What a test needs from a page: its links, head entries, the text
    of elements by id, and the elements' ids and classes in order."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.links, self.head, self.elements = [], [], []
        self.html_lang = None
        self.texts = {}          # id -> text
        self._open = []          # ids being collected
        self._stack = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if tag in ("meta", "link"):
            self.head.append((tag, a))
        if tag == "a" and "href" in a:
            self.links.append(a)
        self.elements.append((tag, a))
        if tag in ("meta", "link", "input", "img", "br"):
            return
        self._stack.append(a.get("id"))
        if a.get("id"):
            self.texts[a["id"]] = ""
            self._open.append(a["id"])

    def handle_endtag(self, tag):
        if tag in ("meta", "link", "input", "img", "br") or not self._stack:
            return
        ident = self._stack.pop()
        if ident and ident in self._open:
            self._open.remove(ident)

    def handle_data(self, data):
        for ident in self._open:
            self.texts[ident] += data

    def meta(self, name):
        for tag, a in self.head:
            if tag == "meta" and a.get("name") == name:
                return a.get("content")
        return None

    def rel(self, rel):
        return [a for tag, a in self.head if tag == "link"
                and a.get("rel") == rel]

    def by_class(self, cls):
        return [a for tag, a in self.elements
                if cls in (a.get("class") or "").split()]


def page(path, headers=None):
    status, hdrs, body = get(path, headers)
    return status, hdrs, Page(body.decode("utf-8")), body


def params(href):
    return urllib.parse.parse_qs(urllib.parse.urlsplit(href).query)


# -- tests -----------------------------------------------------------------

def test_search_page_holds_the_results():
    status, hdrs, p, body = page("/?q=agua&sdg=6&lang=es")
    api = json.loads(get("/api/search?q=agua&sdg=6&per_page=10")[2])
    check(status == 200 and hdrs["content-type"].startswith("text/html")
          and hdrs.get("content-language") == "es",
          "GET /?q=agua&sdg=6&lang=es is an HTML page in Spanish")
    titles = [a for a in p.links if "case" in params(a["href"])]
    ids = [params(a["href"])["case"][0] for a in titles]
    check(ids == [r["id"] for r in api["results"]],
          "the page lists the same cases as /api/search, in its order (%d)"
          % len(ids))
    check(body.count(b'class="snippet"') == len(api["results"])
          and b"<mark>" in body, "each result has its snippet, with <mark>")
    check(p.texts.get("count", "").startswith("%d experiencias"
                                              % api["total"]),
          "the count is in Spanish (%r)" % p.texts.get("count"))
    check(p.html_lang == "es", "<html lang=es>")
    for goal in (f["value"] for f in api["facets"]["goals"]):
        href = [a for a in p.links if "goal-chip" in a.get("class", "")
                and (str(goal) in params(a["href"]).get("sdg", []))
                != (goal == 6)]
        check(len(href) == 1, "goal %d is a link that toggles it" % goal)
    countries = [a for a in p.links if a.get("data-value")
                 and "country" in params(a["href"])]
    check(sorted(a["data-value"] for a in countries) ==
          sorted(f["value"] for f in api["facets"]["countries"]),
          "the country facet is a link per country of the answer")
    check(b"Sud\xc3\xa1frica" in body and b"Brasil" in body,
          "countries are named in Spanish")
    check(b'<form id="search-form"' in body and b'method="get"' in body
          and b'name="lang" value="es"' in body
          and b'type="hidden" name="sdg" value="6"' in body,
          "the search form is a GET that keeps lang and the filters")


def test_lang_in_every_url():
    for lang in ("es", "pt", "en"):
        status, _, p, _ = page("/?q=agua&sdg=6&lang=" + lang)
        local = [a["href"] for a in p.links if a["href"].startswith("/?")]
        bad = [h for h in local if "hreflang" not in h and
               params(h).get("lang") != [lang]
               and not any(a.get("hreflang") for a in p.links
                           if a["href"] == h)]
        check(status == 200 and local and not bad,
              "every page link carries lang=%s (%d links; wrong: %s)"
              % (lang, len(local), bad[:3]))
        exports = [a["href"] for a in p.links
                   if a["href"].startswith("/api/export/")]
        check(len(exports) == 3 and all(params(h).get("lang") == [lang]
                                        for h in exports),
              "the downloads ask for %s labels" % lang)
        check(p.html_lang == lang, "<html lang=%s>" % lang)


def test_head_for_search_engines():
    for path, want in [("/?lang=pt", "/?lang=pt"),
                       ("/?q=agua&sdg=6&lang=en", "/?lang=en&q=agua&sdg=6"),
                       ("/?lang=es&case=montevideo-plan-saneamiento-urbano",
                        "/?lang=es&case=montevideo-plan-saneamiento-urbano")]:
        _, _, p, _ = page(path)
        base = server.base
        canon = p.rel("canonical")
        check(len(canon) == 1 and canon[0]["href"] == base + want,
              "%s: canonical %s" % (path, canon and canon[0]["href"]))
        alts = {a["hreflang"]: a["href"] for a in p.rel("alternate")}
        check(sorted(alts) == ["en", "es", "pt"] and all(
            params(h)["lang"] == [l] for l, h in alts.items()),
            "%s: hreflang alternates es, pt, en" % path)
        desc = p.meta("description") or ""
        check(len(desc) > 40, "%s: a meta description (%r)"
              % (path, desc[:60]))
    d1 = page("/?lang=es")[2].meta("description")
    d2 = page("/?q=agua&lang=es")[2].meta("description")
    d3 = page("/?lang=es&case=bogota-ciclovia")[2].meta("description")
    check(len({d1, d2, d3}) == 3, "each page has its own description")


def test_language_from_the_reader():
    _, hdrs, p, _ = page("/", {"Accept-Language": "pt-BR,pt;q=0.9,en;q=0.5"})
    check(p.html_lang == "pt" and "accept-language" in
          hdrs.get("vary", "").lower(),
          "no lang in the URL: Accept-Language picks pt, and Vary says so")
    _, hdrs, p, _ = page("/?lang=en", {"Accept-Language": "pt-BR"})
    check(p.html_lang == "en" and "vary" not in hdrs,
          "lang in the URL wins over Accept-Language")
    _, _, p, _ = page("/", {"Accept-Language": "de-DE"})
    check(p.html_lang == "es", "a language the page lacks gives Spanish")


def test_bad_filter_said_once():
    status, _, p, body = page("/?sdg=18&lang=pt")
    err = p.texts.get("error", "")
    check(status == 200 and err.count("18") == 1 and "sdg: sdg" not in err
          and "ODS 18" in err and "filtro" in err.lower(),
          "sdg=18: one message, in Portuguese (%r)" % err.strip())
    check(b"<li>" in body and body.count(b'role="alert"') == 1,
          "one alert on the page")
    groups = re.findall(rb'<section class="facet-group"(.*?)</section>',
                        body, re.S)
    check(groups and all(b"<li>" in g for g in groups),
          "no facet heading without values (%d groups)" % len(groups))
    check(p.meta("robots") == "noindex", "the page with a problem is not "
          "indexed")
    check(not [a for a in p.links if "18" in params(a["href"]).get("sdg", [])],
          "no link carries the bad filter on")
    _, _, p, _ = page("/?sdg=6&country=XX&lang=en")
    err = p.texts.get("error", "")
    check("XX" in err and "country" in err and p.texts.get("count", "")
          .endswith("experiences"), "a bad country in English, results for "
          "the rest (%r)" % err.strip())


def test_what_kind_of_answer():
    """A corrected search says what it searched and offers the typed text
    (quoted: searched as typed); a partial or "similar" answer says so;
    a plain answer says nothing."""
    api = json.loads(get("/api/search?q=presupuseto")[2])
    _, _, p, body = page("/?q=presupuseto&lang=en")
    used = api.get("query")
    check(api.get("corrected_from") == "presupuseto" and used
          and used != "presupuseto", "the API corrects presupuseto (%r)"
          % used)
    text = " ".join(p.texts.get("corrected", "").split())
    check(text.startswith("Showing results for %s." % used)
          and text.endswith("Search instead for presupuseto"),
          "the page says what it searched (%r)" % text)
    instead = [a for a in p.links if a.get("id") == "search-instead"]
    check(instead and params(instead[0]["href"]).get("q") ==
          ['"presupuseto"'] and params(instead[0]["href"]).get("lang") ==
          ["en"], "search instead: the typed text in quotes (%r)" % instead)
    check(b'id="suggestion"' not in body, "no 'did you mean' beside it")
    _, _, p, body = page(instead[0]["href"])
    check(b'id="corrected"' not in body and
          p.texts.get("count", "").startswith("No "),
          "the typed text in quotes is searched as typed: %r"
          % p.texts.get("count"))

    q = "violencia+contra+mujeres+transporte+agua"
    api = json.loads(get("/api/search?q=" + q)[2])
    _, _, p, _ = page("/?lang=es&q=" + q)
    check(api.get("partial") is True and api.get("similar") is False,
          "the API: partial (%r)" % api.get("partial"))
    check("todas sus palabras" in p.texts.get("search-note", ""),
          "the page says no case has every word, in Spanish (%r)"
          % p.texts.get("search-note"))
    pasted = ("The city built dedicated busways with high-capacity "
              "articulated buses, pre-paid boarding at enclosed stations "
              "and feeder lines that bring riders from the edges of the city")
    qs = urllib.parse.urlencode({"q": pasted, "lang": "pt"})
    api = json.loads(get("/api/search?" + urllib.parse.urlencode(
        {"q": pasted}))[2])
    _, _, p, _ = page("/?" + qs)
    check(api.get("similar") is True and "parecidos" in
          p.texts.get("search-note", ""), "a pasted text: cases like it, in "
          "Portuguese (%r)" % p.texts.get("search-note"))
    _, _, p, body = page("/?q=agua&lang=es")
    check(b'id="search-note"' not in body and b'id="corrected"' not in body,
          "a plain answer has no note")


def test_no_briefing_for_no_results():
    _, _, p, body = page("/?q=zzzqqqxxx&lang=es")
    check(p.texts.get("count", "").startswith("Ninguna")
          and b"dl-briefing" not in body and b"/api/export/" not in body,
          "0 results: no briefing pack or data to download")
    _, _, p, body = page("/?q=agua&lang=es")
    check(b'id="dl-briefing"' in body, "results: the briefing pack is "
          "offered")


def test_escaping():
    status, _, p, body = page("/?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22"
                              "&lang=en")
    check(status == 200 and b"<script>alert" not in body
          and b"&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in body,
          "the query is escaped wherever the page shows it")
    check(b"style=" not in body and b"<script>" not in body,
          "no inline script or style")


def test_etag():
    status, hdrs, _, _ = page("/?lang=es")
    check(status == 200 and hdrs.get("etag"), "the page has an ETag")
    status, _, _ = get("/?lang=es", {"If-None-Match": hdrs["etag"]})
    check(status == 304, "If-None-Match gives 304")


def test_case_page():
    cid = "montevideo-plan-saneamiento-urbano"
    status, _, p, body = page("/?lang=pt&case=" + cid)
    case = json.loads(get("/api/cases/" + cid)[2])
    check(status == 200 and p.texts.get("case-title") == case["title"],
          "the case page holds the case (%r)" % p.texts.get("case-title"))
    check("Criado em" in p.texts.get("case-change", "") and
          any(params(a["href"]).get("history") == ["1"] for a in p.links),
          "it says who changed it last and links the history")
    _, _, p, body = page("/?lang=en&case=%s&history=1" % cid)
    check(p.texts.get("case-history", "").startswith("Version 1")
          and any(params(a["href"]).get("rev") == ["1"] for a in p.links),
          "the history lists revision 1, linked")
    status, _, p, _ = page("/?lang=en&case=%s&rev=1" % cid)
    check(status == 200 and "Version 1:" in p.texts.get("case-revision", ""),
          "?rev=1 shows revision 1")
    status, _, p, body = page("/?lang=es&case=no-such-case")
    check(status == 404 and b"No existe esa experiencia" in body,
          "an unknown case is a 404 page in Spanish")
    status, _, p, body = page("/?lang=es&case=..%2Fetc")
    check(status == 404, "a malformed case id is a 404 page")


def test_every_api_error_code_is_translated():
    """The page says an API error by its code (app.js errorText): each
    code of docs/api-errors.md needs its string in es, pt and en."""
    doc = open(os.path.join(SOURCE_DIR, "docs", "api-errors.md")).read()
    codes = sorted(set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.M)))
    js = open(os.path.join(SOURCE_DIR, "web", "assets", "i18n.js")).read()
    table = json.loads(js[js.index("window.MINGA_I18N = ") + 20:]
                       .rstrip().rstrip(";"))
    for lang in ("es", "pt", "en"):
        missing = [c for c in codes if "err_" + c not in table[lang]]
        check(codes and not missing, "every API error code (%d) has its %s "
              "string (missing: %s)" % (len(codes), lang, missing))
    check(sorted(table["es"]) == sorted(table["pt"]) == sorted(table["en"]),
          "es, pt and en have the same strings")


def main():
    global server
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    os.makedirs(WORK_DIR)
    make_catalog(MINGA, DATA, [os.path.join(SOURCE_DIR, "data", "sample")])
    with Server(MINGA, DATA, WORK_DIR) as server:
        checks.run([fn for name, fn in sorted(globals().items())
                    if name.startswith("test_") and callable(fn)])
    checks.finish()


main()
