#!/usr/bin/env python3
"""Related experiences (issue 21, part 3) on the sample catalog
(data/sample), over HTTP, on the case page and from the CLI:

- GET /api/cases/{id}/related: a Spanish case finds its Portuguese and
  English kin through the thesaurus (Rosario's participatory budget finds
  Porto Alegre's "Orçamento Participativo" and New York's "Participatory
  Budgeting"; Bogotá's waste pickers find Belo Horizonte's catadores and
  Pune's waste pickers), never the case itself, each result with the
  goals, targets and words the two share; limit bounded (1-20, 400 with
  code bad_parameter otherwise), 404 for an unknown id; every answer
  matches docs/openapi.json;
- the case page lists them under "Experiencias relacionadas" /
  "Experiências relacionadas" / "Related experiences", each a link that
  keeps lang, with what they share;
- `minga related ID [--json] [--limit N]` answers what the API answers;
- a case of the same city ranks below one from elsewhere that is as like
  the case (a small catalog of twins made here);
- and snippets from attachments (issue 20 item 4, issue 21 item 2): a
  word only a case's report says gets the report's snippet, the word
  marked, "snippet_from" naming the report, and the page says "en
  informe-luthier.txt" with a link that downloads it.

usage: test_related.py MINGA_BINARY SOURCE_DIR WORK_DIR
Only the Python standard library is used.
"""
import html.parser
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import zipfile

MINGA, SOURCE_DIR, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
DATA = os.path.join(WORK_DIR, "data")

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from openapi_check import SchemaChecker  # noqa: E402
from webtest import Checks, Server, make_catalog  # noqa: E402

checks = Checks(is_verbose=True)
check = checks.check
server = None

SPEC = json.load(open(os.path.join(SOURCE_DIR, "docs", "openapi.json")))
CHECKER = SchemaChecker(SPEC)
TEMPLATE = "/api/cases/{id}/related"

PB_ES = "rosario-presupuesto-participativo"
PB_PT = "porto-alegre-orcamento-participativo"
PB_EN = "new-york-city-participatory-budgeting"
WP_ES = "bogota-remuneracion-recicladores-de-oficio"
WP_PT = "belo-horizonte-asmare-catadores"
WP_EN = "pune-swach-waste-pickers-cooperative"


def get(path, method="GET"):
    return server.request(method, path)


def get_json(path):
    status, hdrs, body = get(path)
    try:
        doc = json.loads(body)
    except ValueError:
        doc = None
    return status, doc


def validate(status, doc):
    entry = SPEC["paths"][TEMPLATE]["get"]["responses"].get(str(status))
    if not check(entry is not None, "status %d is documented" % status):
        return
    schema = entry["content"]["application/json"]["schema"]
    errs = CHECKER.errors(doc, schema)
    check(not errs, "the %d answer matches the OpenAPI schema%s"
          % (status, "" if not errs else ": " + "; ".join(errs[:5])))


def related(case_id, limit=None):
    path = "/api/cases/%s/related" % case_id
    if limit is not None:
        path += "?limit=%s" % limit
    return get_json(path)


def by_id(doc):
    return {r["id"]: r for r in (doc or {}).get("related", [])}


# -- the API on the sample ----------------------------------------------------

def test_spanish_case_finds_its_portuguese_and_english_kin():
    status, doc = related(PB_ES)
    check(status == 200, "GET related of %s is 200" % PB_ES)
    validate(status, doc)
    ids = [r["id"] for r in doc["related"]]
    check(len(ids) == 5, "5 related cases by default (%d)" % len(ids))
    check(PB_PT in ids and PB_EN in ids,
          "participatory budgeting in Spanish finds Porto Alegre's "
          "(pt) and New York's (en): %s" % ids)
    check(PB_ES not in ids, "never the case itself")
    for kin, word in ((PB_PT, "orçamento participativo"),
                      (PB_EN, "participatory budgeting")):
        reason = by_id(doc)[kin]["reason"]
        check(16 in reason["goals"] and 11 in reason["goals"],
              "%s: the reason names the shared goals 11 and 16 (%s)"
              % (kin, reason["goals"]))
        check("16.7" in reason["targets"] and "11.3" in reason["targets"],
              "%s: the reason names the shared targets 16.7 and 11.3 (%s)"
              % (kin, reason["targets"]))
        check(any(word in t.lower() and "presupuesto participativo"
                  in t.lower() for t in reason["terms"]),
              "%s: the terms say presupuesto participativo = %s (%s)"
              % (kin, word, reason["terms"]))
    # the goals of the reason are those the two cases both have
    own = set(json.loads(get("/api/cases/" + PB_ES)[2])["sdg_goals"])
    for r in doc["related"]:
        theirs = set(r["goals"])
        check(set(r["reason"]["goals"]) == own & theirs,
              "%s: reason.goals are the goals both cases have" % r["id"])


def test_waste_pickers_across_languages():
    status, doc = related(WP_ES, 3)
    ids = [r["id"] for r in doc["related"]]
    check(status == 200 and WP_PT in ids and WP_EN in ids,
          "Bogotá's recicladores: Belo Horizonte's catadores and Pune's "
          "waste pickers among the first 3 (%s)" % ids)
    terms = [t.lower() for t in by_id(doc).get(WP_EN, {}).get(
        "reason", {}).get("terms", [])]
    check(any("recicladores" in t and "waste pickers" in t for t in terms),
          "Pune's reason: recicladores = waste pickers (%s)" % terms)
    terms = [t.lower() for t in by_id(doc).get(WP_PT, {}).get(
        "reason", {}).get("terms", [])]
    check(any("recicladores" in t and "catadores" in t for t in terms),
          "Belo Horizonte's reason: recicladores = catadores (%s)" % terms)


WORD = re.compile(r"\w+")


def words_of(case_id):
    """The words a case writes (title, summary, body, tags), lower-case."""
    c = json.loads(get("/api/cases/" + case_id)[2])
    text = " ".join([c.get("title", ""), c.get("summary", ""),
                     c.get("body", "")] + c.get("tags", []))
    return set(w.lower() for w in WORD.findall(text))


def test_terms_are_words_as_the_cases_write_them():
    """Each term is words the asked case writes (accents and all, not a
    folded or stemmed index term); after " = ", words the related case
    writes."""
    mine = words_of(PB_ES)
    for case_id in (PB_ES, WP_ES):
        mine = words_of(case_id)
        _, doc = related(case_id, 20)
        for r in doc["related"]:
            theirs = words_of(r["id"])
            for term in r["reason"]["terms"]:
                ours, _, their = term.partition(" = ")
                bad = [w for w in WORD.findall(ours.lower())
                       if w not in mine]
                bad += [w for w in WORD.findall(their.lower())
                        if w not in theirs]
                check(not bad, "%s -> %s: %r is written so in the cases%s"
                      % (case_id, r["id"], term,
                         "" if not bad else " (not: %s)" % bad))


def test_limit_bounds():
    for limit in (1, 20):
        status, doc = related(PB_ES, limit)
        ids = [r["id"] for r in doc["related"]]
        check(status == 200 and 1 <= len(ids) <= limit
              and len(set(ids)) == len(ids) and PB_ES not in ids,
              "limit=%d: 1 to %d distinct cases, not the case (%d)"
              % (limit, limit, len(ids)))
        validate(status, doc)
    _, one = related(PB_ES, 1)
    _, five = related(PB_ES, 5)
    check([r["id"] for r in one["related"]] ==
          [r["id"] for r in five["related"]][:1],
          "limit=1 is the first of limit=5")
    scores = [r["score"] for r in five["related"]]
    check(scores == sorted(scores, reverse=True), "most alike first")
    for bad in ("0", "21", "abc", "-1", "5.0", "05"):
        status, doc = related(PB_ES, bad)
        check(status == 400 and doc and doc.get("code") == "bad_parameter"
              and doc.get("params", {}).get("param") == "limit",
              "limit=%s: 400 bad_parameter naming limit" % bad)
        validate(status, doc)
    status, doc = get_json("/api/cases/%s/related?limit=2&limit=3" % PB_ES)
    check(status == 400 and doc.get("code") == "bad_parameter",
          "limit twice: 400")
    status, doc = get_json("/api/cases/%s/related?q=agua" % PB_ES)
    check(status == 400 and doc.get("code") == "unknown_parameter",
          "an unknown parameter: 400 unknown_parameter")
    validate(status, doc)


def test_unknown_and_bad_ids():
    status, doc = related("no-such-case")
    check(status == 404 and doc.get("code") == "case_not_found"
          and doc.get("params", {}).get("id") == "no-such-case",
          "an unknown id: 404 case_not_found")
    validate(status, doc)
    status, doc = related("Rosario")
    check(status == 400 and doc.get("code") == "bad_id",
          "an id that is no id: 400 bad_id")
    status, hdrs, _ = get("/api/cases/%s/related" % PB_ES, method="POST")
    check(status == 405 and "GET" in hdrs.get("allow", ""),
          "POST: 405 with Allow")


# -- the case page ------------------------------------------------------------

class Links(html.parser.HTMLParser):
    """The links and the text of the related section."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.in_related = 0
        self.links, self.text, self.heading = [], "", ""
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("id") == "related":
            self.in_related = 1
        elif self.in_related and tag == "section":
            self.in_related += 1
        if self.in_related and tag == "a":
            self.links.append(a.get("href", ""))
        if self.in_related and tag == "h2":
            self._in_h2 = True

    def handle_endtag(self, tag):
        if self.in_related and tag == "section":
            self.in_related -= 1
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self.in_related:
            self.text += data
            if self._in_h2:
                self.heading += data


def test_case_page_lists_related():
    _, api = related(PB_ES)
    want = [r["id"] for r in api["related"]]
    for lang, heading, shared in (("es", "Experiencias relacionadas",
                                   "En común"),
                                  ("pt", "Experiências relacionadas",
                                   "Em comum"),
                                  ("en", "Related experiences",
                                   "In common")):
        status, _, body = get("/?case=%s&lang=%s" % (PB_ES, lang))
        p = Links(body.decode("utf-8"))
        check(status == 200 and p.heading.strip() == heading,
              "%s: the case page has a section \"%s\" (%r)"
              % (lang, heading, p.heading))
        cases = [urllib.parse.parse_qs(urllib.parse.urlsplit(h).query)
                 for h in p.links]
        check([c.get("case", [""])[0] for c in cases] == want,
              "%s: it links the cases /related answers, in order" % lang)
        check(all(c.get("lang") == [lang] for c in cases),
              "%s: every link keeps lang=%s" % (lang, lang))
        check(p.text.count(shared) == len(want),
              "%s: each says what it shares (\"%s: ...\")" % (lang, shared))
    _, _, body = get("/?case=%s&lang=es" % PB_ES)
    text = Links(body.decode("utf-8")).text
    check("presupuesto participativo = Orçamento Participativo" in text
          or "presupuesto participativo = Participatory budgeting" in text,
          "the page names the phrase in common and its translation")
    status, _, body = get("/?case=%s&lang=es&rev=1" % PB_ES)
    check(status == 200 and b'id="related"' not in body,
          "an old revision's page lists no related cases")


# -- the CLI --------------------------------------------------------------------

def minga(*args, data=DATA):
    return subprocess.run([MINGA, "--data", data] + list(args),
                          capture_output=True, text=True)


def test_cli_related():
    r = minga("related", "--json", "--limit", "5", PB_ES)
    _, api = related(PB_ES, 5)
    check(r.returncode == 0 and json.loads(r.stdout) == api,
          "minga related --json answers what the API answers")
    r = minga("related", PB_ES)
    check(r.returncode == 0 and "Orçamento Participativo de Porto Alegre"
          in r.stdout and "shared: goals 11 16" in r.stdout,
          "minga related prints titles and what they share")
    r = minga("related", "--limit", "0", PB_ES)
    check(r.returncode == 2 and "--limit" in r.stderr,
          "--limit 0 is a usage error (2)")
    r = minga("related")
    check(r.returncode == 2, "no id is a usage error (2)")
    r = minga("related", "no-such-case")
    check(r.returncode == 1 and "no-such-case" in r.stderr,
          "an unknown id fails (1) naming it")


class PackRelated(html.parser.HTMLParser):
    """A briefing pack's case page: the heading and the items of its
    section class="related", each [href or None, text]."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.depth, self.heading, self.items = 0, "", []
        self._in_h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "section" and a.get("class") == "related":
            self.depth = 1
        elif self.depth and tag == "section":
            self.depth += 1
        if not self.depth:
            return
        if tag == "h2":
            self._in_h2 = True
        elif tag == "li":
            self.items.append([None, ""])
        elif tag == "a" and self.items:
            self.items[-1][0] = a.get("href")

    def handle_endtag(self, tag):
        if self.depth and tag == "section":
            self.depth -= 1
        if tag == "h2":
            self._in_h2 = False

    def handle_data(self, data):
        if self.depth and self._in_h2:
            self.heading += data
        elif self.depth and self.items:
            self.items[-1][1] += data


def briefing_pack(name, lang, *selection):
    """Exports a briefing pack; returns {case id: its page's text}."""
    path = os.path.join(WORK_DIR, name)
    r = minga("export", "--format", "briefing", "--lang", lang, "-o", path,
              *selection)
    if r.returncode != 0:
        raise AssertionError("briefing export failed: " + r.stderr)
    with zipfile.ZipFile(path) as z:
        return {n[len("cases/"):-len(".html")]: z.read(n).decode("utf-8")
                for n in z.namelist()
                if n.startswith("cases/") and n.endswith(".html")}


def test_briefing_pack_lists_related():
    want = json.loads(minga("related", "--json", PB_ES).stdout)["related"]
    for name, lang, selection, heading, elsewhere in (
            ("goal16.zip", "es", ["sdg:16"], "Experiencias relacionadas",
             "no está en este dossier"),
            ("argentina.zip", "pt", ["country:AR"],
             "Experiências relacionadas", "não está neste dossiê")):
        pages = briefing_pack(name, lang, *selection)
        check(PB_ES in pages, "%s holds %s" % (name, PB_ES))
        p = PackRelated(pages.get(PB_ES, ""))
        check(p.heading == heading,
              "%s: the case page has a section \"%s\" (%r)"
              % (name, heading, p.heading))
        check(len(p.items) == len(want),
              "%s: it lists the %d cases `minga related` names (%d)"
              % (name, len(want), len(p.items)))
        for (href, text), r in zip(p.items, want):
            if r["id"] in pages:
                check(href == r["id"] + ".html",
                      "%s: %s is in the pack and linked (%r)"
                      % (name, r["id"], href))
            else:
                check(href is None and r["title"] in text and elsewhere
                      in text, "%s: %s is not in the pack: its title "
                      "unlinked, \"%s\" (%r)" % (name, r["id"],
                                                  elsewhere, text))
    # sdg:16 holds the Portuguese and English kin; country:AR neither
    for name, selection in (("goal16", ["sdg:16"]), ("ar", ["country:AR"])):
        pages = briefing_pack(name + "-en.zip", "en", *selection)
        items = PackRelated(pages[PB_ES]).items
        linked = [h for h, _ in items if h]
        if name == "goal16":
            check(PB_PT + ".html" in linked and PB_EN + ".html" in linked,
                  "a goal-16 pack links Porto Alegre's and New York's "
                  "pages (%s)" % linked)
            text = " ".join(t for _, t in items)
            check("In common: SDG 11" in text and "16.7" in text
                  and "presupuesto participativo = " in text.lower(),
                  "each says what it shares: goals, targets, the phrase "
                  "and its translation (%r)" % text[:300])
        else:
            check(PB_PT + ".html" not in linked,
                  "an Argentine pack does not link Porto Alegre (%s)"
                  % linked)


def test_briefing_pack_of_many_cases_says_why_no_related():
    """A pack of more than 1000 cases lists no related experiences (each
    list is a search) and its index page says so."""
    data = os.path.join(WORK_DIR, "many")
    sample = os.path.join(SOURCE_DIR, "data", "sample")
    real = [json.load(open(os.path.join(sample, n), encoding="utf-8"))
            for n in sorted(os.listdir(sample)) if n.endswith(".json")]
    lines = os.path.join(WORK_DIR, "many.jsonl")
    n = 0
    with open(lines, "w", encoding="utf-8") as f:
        for copy in range(1001 // len(real) + 1):
            for c in real:
                c = dict(c, id="%s-%d" % (c["id"][:90], copy))
                c.pop("attachments", None)
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
                n += 1
    check(n > 1000, "%d cases, more than 1000" % n)
    minga("init", data=data)
    r = minga("import", lines, data=data)
    check(r.returncode == 0, "they import (%s)" % r.stderr.strip()[:200])
    path = os.path.join(WORK_DIR, "many.zip")
    r = minga("export", "--format", "briefing", "--lang", "en", "-o", path,
              data=data)
    check(r.returncode == 0, "the pack of %d cases exports" % n)
    with zipfile.ZipFile(path) as z:
        index = z.read("index.html").decode("utf-8")
        pages = [z.read(p).decode("utf-8") for p in z.namelist()
                 if p.startswith("cases/")]
    check(len(pages) == n and not any('class="related"' in p
                                      for p in pages),
          "no case page of the %d lists related experiences" % len(pages))
    check("Related experiences: listed in briefings of up to 1000 cases"
          in index, "the index page says why")
    # the same folder lists past one page of the largest size (1000)
    r = minga("list", "--json", data=data)
    ids = [c["id"] for c in json.loads(r.stdout)] if r.returncode == 0 \
        else []
    check(len(ids) == n and len(set(ids)) == n,
          "minga list pages through all %d cases, each once (%d, %d "
          "distinct)" % (n, len(ids), len(set(ids))))


def twin(case_id, city, country="AR"):
    return {
        "id": case_id, "language": "es", "city": city, "country": country,
        "title": "Huertas comunitarias en terrenos baldíos",
        "summary": "Vecinas y vecinos cultivan huertas comunitarias "
                   "agroecológicas en terrenos baldíos, con semillas, "
                   "herramientas y ferias de venta directa.",
        "body": "Las huertas agroecológicas abastecen comedores "
                "comunitarios y ferias semanales; los productores "
                "reciben capacitación en compostaje y riego por goteo.",
        "year_start": 2010, "sdg_goals": [2, 11],
        "sdg_targets": ["2.3", "11.7"], "levels": ["local"],
        "actors": ["community"], "tags": ["huertas comunitarias"],
        "license": "CC-BY-4.0"}


def test_same_city_ranks_below_elsewhere():
    data = os.path.join(WORK_DIR, "twins")
    cases = os.path.join(WORK_DIR, "twins-cases")
    os.makedirs(cases, exist_ok=True)
    docs = [twin("rosario-huertas", "Rosario"),
            twin("rosario-huertas-bis", "Rosario"),
            twin("cordoba-huertas", "Córdoba")]
    for src in ("bogota-transmilenio.json", "porto-alegre-orcamento.json"):
        docs.append(json.load(open(os.path.join(
            SOURCE_DIR, "tests", "web", "fixtures", src))))
    for d in docs:
        with open(os.path.join(cases, d["id"] + ".json"), "w") as f:
            json.dump(d, f, ensure_ascii=False)
    minga("init", data=data)
    r = minga("import", cases, data=data)
    check(r.returncode == 0, "the twins import (%s)" % r.stderr.strip())
    r = minga("related", "--json", "rosario-huertas", data=data)
    doc = json.loads(r.stdout) if r.returncode == 0 else {"related": []}
    ids = [x["id"] for x in doc["related"]]
    check(ids[:2] == ["cordoba-huertas", "rosario-huertas-bis"],
          "the twin from Córdoba ranks above the same text from Rosario "
          "(%s)" % ids)
    same = {x["id"]: x["same_city"] for x in doc["related"]}
    check(same.get("rosario-huertas-bis") is True
          and same.get("cordoba-huertas") is False,
          "same_city says which is from the same city")
    s = {x["id"]: x["score"] for x in doc["related"]}
    check(s.get("rosario-huertas-bis", 0) < s.get("cordoba-huertas", 0),
          "the same city's score is lower")


LUTHIER_ID = "asuncion-orquesta-de-reciclados"


def add_case_with_report():
    """A case on a topic of its own (music), whose report alone says
    "luthería"."""
    folder = os.path.join(WORK_DIR, "with-report")
    os.makedirs(os.path.join(folder, "anexos"), exist_ok=True)
    case = {
        "id": LUTHIER_ID, "language": "es", "city": "Cateura",
        "country": "PY", "title": "Orquesta juvenil de Cateura",
        "summary": "Niñas y niños del barrio tocan violines y chelos en "
                   "una orquesta juvenil que ensaya cada sábado.",
        "body": "La orquesta da conciertos en escenarios del país.",
        "year_start": 2006, "sdg_goals": [4], "sdg_targets": ["4.7"],
        "levels": ["local"], "actors": ["community"],
        "tags": ["orquesta juvenil"], "license": "CC-BY-4.0",
        "attachments": ["anexos/informe-luthier.txt"]}
    with open(os.path.join(folder, LUTHIER_ID + ".json"), "w") as f:
        json.dump(case, f, ensure_ascii=False)
    with open(os.path.join(folder, "anexos", "informe-luthier.txt"),
              "w") as f:
        f.write("# Informe anual\n\nEl taller de luthería formó a doce "
                "jóvenes que hoy reparan los instrumentos de la orquesta. "
                "Otra frase sin nada.\n")
    r = minga("import", os.path.join(folder, LUTHIER_ID + ".json"))
    if r.returncode != 0:
        raise SystemExit("the case with a report did not import: "
                         + r.stderr)


def test_snippet_from_attachment():
    status, doc = get_json("/api/search?q=luther%C3%ADa")
    hits = [h for h in (doc or {}).get("results", [])
            if h["id"] == LUTHIER_ID]
    check(status == 200 and len(hits) == 1,
          "luthería (only in the report) finds the case")
    if not hits:
        return
    h = hits[0]
    check(h.get("snippet_from") == "anexos/informe-luthier.txt",
          "snippet_from names the report (%r)" % h.get("snippet_from"))
    check("<mark>luthería</mark>" in h["snippet"]
          and "Informe anual" not in h["snippet"],
          "the snippet is the report's, the word marked, the heading "
          "left out (%r)" % h["snippet"])
    status, doc = get_json("/api/search?q=violines")
    h = [x for x in doc["results"] if x["id"] == LUTHIER_ID][0]
    check("snippet_from" not in h and "<mark>violines</mark>"
          in h["snippet"], "a word of the summary: the summary's snippet, "
          "no snippet_from")
    status, _, body = get("/?q=luther%C3%ADa&lang=es")
    text = body.decode("utf-8")
    link = "/api/cases/%s/attachments/anexos%%2Finforme-luthier.txt" \
        % LUTHIER_ID
    check(status == 200 and ('href="%s">en informe-luthier.txt</a>'
                             % link) in text,
          "the page says where the snippet comes from, linked")
    _, _, body = get("/?q=luther%C3%ADa&lang=pt")
    check(b">em informe-luthier.txt</a>" in body, "in Portuguese too")
    status, hdrs, body = get(link)
    check(status == 200 and body.startswith(b"# Informe anual"),
          "the link downloads the report")


def main():
    global server
    shutil.rmtree(WORK_DIR, ignore_errors=True)
    os.makedirs(WORK_DIR)
    make_catalog(MINGA, DATA, [os.path.join(SOURCE_DIR, "data", "sample")])
    add_case_with_report()
    with Server(MINGA, DATA, WORK_DIR) as server:
        checks.run([fn for name, fn in sorted(globals().items())
                    if name.startswith("test_") and callable(fn)])
    checks.finish()


main()
