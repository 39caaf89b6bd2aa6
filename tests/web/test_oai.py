#!/usr/bin/env python3
"""Federation endpoints of `minga serve` (issue 22), on the sample catalog
(data/sample, 38 cases):

- OAI-PMH 2.0 at /oai: a third-party harvester (Debian's libhttp-oai-perl,
  HTTP::OAI::Harvester) lists every record in both formats through
  resumption tokens (MINGA_OAI_PAGE=7: six pages) and reads GetRecord in
  both; every verb and every error code that can arise; responses in the
  OAI namespace with the envelope the protocol's schema asks for (the
  official XSD is not available offline: the structure is checked with
  xml.etree); the `minga` metadata validated with xmllint against
  docs/minga-oai.xsd and equal to the case's JSON; a case deleted with
  `minga delete` is a deleted record with its deletion's time;
  from/until exact at seconds; set counts equal to the search's facets;
  POST with form-urlencoded arguments.
- /feed.atom parses (xmllint) and honours the search's filters;
  /sitemap.xml lists every current case; /dcat.jsonld is JSON-LD-shaped
  JSON with a dcat:Dataset per current case whose distributions resolve.
- Resumption tokens are opaque and tagged: an edit anywhere, another
  node's token, the old v1 form, one older than 24 hours (made here as
  the server makes them, web/oai_args.c) are badResumptionToken.
- Keyset paging (a second catalog of 2 500 cases, pages of 97): a walk
  during which cases change and one is deleted lists every record, in
  strictly increasing (datestamp, id) order, a case changed after it was
  sent twice (at its new datestamp), a case changed before it was
  reached once, the deleted one as deleted; the catalog has the index
  revisions_at, and a folder at version 4 without it gets it from its
  next writer.

Usage: test_oai.py MINGA SOURCE_DIR WORK_DIR. Exit 0 when every check
passes; 77 (skipped) when perl's HTTP::OAI is not installed.
"""
import base64
import datetime
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

import webtest
from webtest import Checks, Server, free_port, run_minga

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "data", "sample")
XSD = os.path.join(SOURCE, "docs", "minga-oai.xsd")
OAI = "{http://www.openarchives.org/OAI/2.0/}"
DC = "{http://purl.org/dc/elements/1.1/}"
MNS = "{urn:minga:case:1}"
ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HOST = "test.minga.example"
PAGE = 7

checks = Checks()
check = checks.check


if subprocess.run(["perl", "-MHTTP::OAI", "-e", "1"],
                  capture_output=True).returncode != 0:
    print("perl's HTTP::OAI is missing (apt-get install libhttp-oai-perl): "
          "skipped")
    sys.exit(77)


def minga(*args):
    return run_minga(MINGA, DATA, *args)


def request(method, path, body=None, headers=None):
    status, resp_headers, data = webtest.request(PORT, method, path, body,
                                                 headers)
    return status, resp_headers.get("content-type", ""), data


def get(path):
    return request("GET", path)


def oai(**args):
    status, ctype, body = get("/oai?" + urllib.parse.urlencode(args))
    check(status == 200, "OAI %r answers 200 (%d)" % (args, status))
    check(ctype.startswith("text/xml"), "OAI answers text/xml (%s)" % ctype)
    return envelope(body, args)


def envelope(body, args):
    """Parses an OAI-PMH answer and checks what OAI-PMH.xsd requires of
    its envelope: OAI-PMH, responseDate (UTC seconds), request (the base
    URL; its attributes only when the arguments were good), then the
    verb's element or one or more errors."""
    root = ET.fromstring(body)
    check(root.tag == OAI + "OAI-PMH", "root is OAI-PMH in the OAI "
          "namespace (%s)" % root.tag)
    kids = list(root)
    check(len(kids) >= 3, "OAI-PMH has responseDate, request and a body")
    check(kids[0].tag == OAI + "responseDate" and
          is_datestamp(kids[0].text or ""), "responseDate first, UTC")
    check(kids[1].tag == OAI + "request" and kids[1].text == BASE + "/oai",
          "request second, holding the base URL (%r)" % kids[1].text)
    errors = [k for k in kids[2:] if k.tag == OAI + "error"]
    if errors:
        check(len(errors) == len(kids) - 2, "errors come alone")
        codes = {e.get("code") for e in errors}
        if codes & {"badVerb", "badArgument"}:
            check(not kids[1].attrib, "no request attributes with %s" % codes)
    else:
        check(len(kids) == 3 and kids[2].tag == OAI + args.get("verb", "?"),
              "the verb's element follows (%s)" % [k.tag for k in kids])
        check(kids[1].attrib == {k: str(v) for k, v in args.items()},
              "request echoes the arguments (%r)" % kids[1].attrib)
    return root


def is_datestamp(s):
    try:
        datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
        return True
    except ValueError:
        return False


def error_code(root):
    e = root.find(OAI + "error")
    return e.get("code") if e is not None else None


def walk(verb, **args):
    """Every header or record of a list, page by page, checking the
    resumption tokens: cursor, completeListSize, expirationDate."""
    items, pages = [], 0
    root = oai(verb=verb, **args)
    if error_code(root):
        return items, error_code(root)
    cursor = 0
    while True:
        pages += 1
        body = root.find(OAI + verb)
        tag = "header" if verb == "ListIdentifiers" else "record"
        page = body.findall(OAI + tag)
        check(0 < len(page) <= PAGE, "a page holds 1-%d (%d)"
              % (PAGE, len(page)))
        items.extend(page)
        tok = body.find(OAI + "resumptionToken")
        if tok is None:
            check(pages == 1, "no token only on a single page")
            break
        check(int(tok.get("cursor")) == cursor, "cursor %s == %d"
              % (tok.get("cursor"), cursor))
        size = int(tok.get("completeListSize"))
        cursor += len(page)
        if not tok.text:
            check(size == cursor, "completeListSize %d == records sent %d"
                  % (size, cursor))
            check(tok.get("expirationDate") is None,
                  "the last page's empty token has no expiry")
            break
        exp = tok.get("expirationDate")
        check(exp and is_datestamp(exp) and
              exp > time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "a token expires in the future (%s)" % exp)
        check(size >= cursor, "completeListSize covers the cursor")
        root = oai(verb=verb, resumptionToken=tok.text)
        if error_code(root):
            return items, error_code(root)
    return items, None


def header_of(item):
    return item if item.tag == OAI + "header" else item.find(OAI + "header")


def ident(item):
    return header_of(item).find(OAI + "identifier").text


def case_id(item):
    return ident(item).split(":", 2)[2]


def datestamp(item):
    return header_of(item).find(OAI + "datestamp").text


def is_deleted(item):
    return header_of(item).get("status") == "deleted"


def search_json(qs):
    status, _, body = get("/api/search?" + qs)
    check(status == 200, "search %s answers 200" % qs)
    return json.loads(body)


def harvest_perl(prefix, verb="ListRecords"):
    """HTTP::OAI::Harvester, resuming through every token. Returns
    [(identifier, datestamp, is_deleted)]."""
    script = r'''
use strict; use warnings; use HTTP::OAI;
my ($base, $prefix, $verb) = @ARGV;
my $h = HTTP::OAI::Harvester->new(baseURL => $base, resume => 1);
my $cb = sub {
    my $rec = shift;
    my $hd = $rec->can("header") ? $rec->header : $rec;
    print join("\t", $hd->identifier, $hd->datestamp,
               $hd->is_deleted ? 1 : 0), "\n";
};
my $r = $verb eq "ListRecords"
    ? $h->ListRecords(metadataPrefix => $prefix, onRecord => $cb)
    : $h->ListIdentifiers(metadataPrefix => $prefix, onRecord => $cb);
die "harvest error: " . $r->message . "\n" if $r->is_error;
'''
    p = subprocess.run(["perl", "-e", script, BASE + "/oai", prefix, verb],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "HTTP::OAI::Harvester %s %s succeeds (%s)"
          % (verb, prefix, p.stderr.strip()[:300]))
    return [tuple(line.split("\t")) for line in p.stdout.splitlines()]


def get_record_perl(identifier, prefix):
    """HTTP::OAI::Harvester's GetRecord: the record's metadata as XML."""
    script = r'''
use strict; use warnings; use HTTP::OAI;
my ($base, $id, $prefix) = @ARGV;
my $h = HTTP::OAI::Harvester->new(baseURL => $base);
my $r = $h->GetRecord(identifier => $id, metadataPrefix => $prefix);
die "error: " . $r->message . "\n" if $r->is_error;
my $rec = $r->next or die "no record\n";
binmode STDOUT, ":encoding(UTF-8)";
my $dom = $rec->metadata->dom;
$dom = $dom->documentElement if $dom->can("documentElement");
print $rec->identifier, "\n", $dom->toString, "\n";
'''
    p = subprocess.run(["perl", "-e", script, BASE + "/oai", identifier,
                        prefix], capture_output=True, text=True, timeout=60)
    check(p.returncode == 0, "HTTP::OAI GetRecord %s %s (%s)"
          % (identifier, prefix, p.stderr.strip()[:300]))
    return p.stdout


# -- set-up ------------------------------------------------------------------

os.makedirs(WORK_DIR, exist_ok=True)
DATA = os.path.join(WORK_DIR, "data")
shutil.rmtree(DATA, ignore_errors=True)
minga("init")
minga("import", SAMPLE)
PORT = free_port()
BASE = "http://127.0.0.1:%d" % PORT
# the node's settings: the catalog's meta table (docs/federation.md)
db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
db.execute("INSERT OR REPLACE INTO meta VALUES('oai_host', ?)", (HOST,))
db.execute("INSERT OR REPLACE INTO meta VALUES('base_url', ?)", (BASE + "/",))
db.commit()
db.close()
server = Server(MINGA, DATA, WORK_DIR, port=PORT,
                env={"MINGA_OAI_PAGE": str(PAGE)}).start()

ALL_IDS = sorted(f[:-5] for f in os.listdir(SAMPLE) if f.endswith(".json"))


# -- tests -------------------------------------------------------------------

def test_identify_formats_sets():
    root = oai(verb="Identify")
    idf = root.find(OAI + "Identify")
    check(idf.find(OAI + "baseURL").text == BASE + "/oai", "baseURL")
    check(idf.find(OAI + "protocolVersion").text == "2.0", "version 2.0")
    check(idf.find(OAI + "deletedRecord").text == "persistent",
          "deletedRecord persistent")
    check(idf.find(OAI + "granularity").text == "YYYY-MM-DDThh:mm:ssZ",
          "seconds granularity")
    check("@" in idf.find(OAI + "adminEmail").text, "an adminEmail")
    check(is_datestamp(idf.find(OAI + "earliestDatestamp").text),
          "earliestDatestamp")
    root = oai(verb="ListMetadataFormats")
    prefixes = [f.find(OAI + "metadataPrefix").text for f in
                root.iter(OAI + "metadataFormat")]
    check(prefixes == ["oai_dc", "minga"], "formats oai_dc, minga (%s)"
          % prefixes)
    schema = [f.find(OAI + "schema").text for f in
              root.iter(OAI + "metadataFormat")][1]
    status, _, xsd = get(urllib.parse.urlparse(schema).path)
    check(status == 200 and xsd == open(XSD, "rb").read(),
          "the minga format's schema is served at its URL (%s)" % schema)
    root = oai(verb="ListMetadataFormats",
               identifier="oai:%s:bogota-ciclovia" % HOST)
    check(len(list(root.iter(OAI + "metadataFormat"))) == 2,
          "an item has both formats")
    root = oai(verb="ListSets")
    specs = [s.find(OAI + "setSpec").text for s in root.iter(OAI + "set")]
    for spec in ["sdg", "sdg:1", "sdg:17", "country", "country:BR",
                 "level:local", "lang", "lang:pt"]:
        check(spec in specs, "set %s listed" % spec)


def test_harvester_lists_everything():
    n_before = open(os.path.join(WORK_DIR, "server.log")).read().count(
        "GET /oai?verb=ListRecords&resumptionToken=")
    for prefix in ["oai_dc", "minga"]:
        got = harvest_perl(prefix)
        ids = sorted(g[0] for g in got)
        check(ids == ["oai:%s:%s" % (HOST, i) for i in ALL_IDS],
              "HTTP::OAI lists all 38 records as %s (%d)" % (prefix, len(ids)))
        check(all(is_datestamp(g[1]) for g in got), "datestamps in seconds")
    got = harvest_perl("oai_dc", "ListIdentifiers")
    check(len(got) == 38, "HTTP::OAI ListIdentifiers: 38 (%d)" % len(got))
    log_text = open(os.path.join(WORK_DIR, "server.log")).read()
    n_resumed = log_text.count(
        "GET /oai?verb=ListRecords&resumptionToken=") - n_before
    check(n_resumed == 2 * 5, "the harvester followed 5 tokens per list "
          "(%d)" % n_resumed)
    out = get_record_perl("oai:%s:bogota-ciclovia" % HOST, "oai_dc")
    check("Ciclovía de Bogotá</dc:title>" in out,
          "HTTP::OAI GetRecord oai_dc holds the title")
    out = get_record_perl("oai:%s:bogota-ciclovia" % HOST, "minga")
    check("<id>bogota-ciclovia</id>" in out and "urn:minga:case:1" in out,
          "HTTP::OAI GetRecord minga holds the case")


def test_own_walk_and_formats():
    recs, err = walk("ListRecords", metadataPrefix="minga")
    check(err is None and sorted(case_id(r) for r in recs) == ALL_IDS,
          "ListRecords minga walks to all 38 (%s)" % err)
    dsts = [(datestamp(r), case_id(r)) for r in recs]
    check(dsts == sorted(dsts), "records come in (datestamp, id) order")
    xsd_dir = os.path.join(WORK_DIR, "minga-xml")
    os.makedirs(xsd_dir, exist_ok=True)
    paths = []
    for r in recs:
        c = r.find(OAI + "metadata/" + MNS + "case")
        cid = case_id(r)
        status, _, body = get("/api/cases/" + cid)
        j = json.loads(body)
        text = lambda n: c.findtext(MNS + n)  # noqa: E731
        items = lambda n, m: [e.text for e in c.findall(  # noqa: E731
            MNS + n + "/" + MNS + m)]
        same = (text("id") == j["id"] and text("title") == j["title"] and
                text("summary") == j["summary"] and
                text("body") == j.get("body") and
                text("city") == j["city"] and
                text("country") == j["country"] and
                text("language") == j["language"] and
                int(text("year_start")) == j["year_start"] and
                [int(g) for g in items("sdg_goals", "goal")]
                == j["sdg_goals"] and
                items("sdg_targets", "target") == j.get("sdg_targets", []) and
                items("levels", "level") == j["levels"] and
                items("actors", "actor") == j.get("actors", []) and
                items("tags", "tag") == j.get("tags", []) and
                text("license") == j.get("license") and
                text("source_url") == j.get("source_url"))
        check(same, "minga record of %s equals its JSON" % cid)
        path = os.path.join(xsd_dir, cid + ".xml")
        with open(path, "wb") as f:
            f.write(ET.tostring(c, encoding="utf-8"))
        paths.append(path)
    if shutil.which("xmllint"):
        p = subprocess.run(["xmllint", "--noout", "--schema", XSD] + paths,
                           capture_output=True, text=True)
        check(p.returncode == 0, "every minga record is valid against "
              "docs/minga-oai.xsd (%s)" % p.stderr[-500:])
    recs, err = walk("ListRecords", metadataPrefix="oai_dc")
    check(err is None and len(recs) == 38, "ListRecords oai_dc walks to 38")
    r = [x for x in recs if case_id(x) == "bogota-ciclovia"][0]
    dc = r.find(OAI + "metadata/{http://www.openarchives.org/OAI/2.0/"
                "oai_dc/}dc")
    status, _, body = get("/api/cases/bogota-ciclovia")
    j = json.loads(body)
    vals = lambda n: [e.text for e in dc.findall(DC + n)]  # noqa: E731
    check(vals("title") == [j["title"]], "dc:title")
    check(vals("description") == [j["summary"]], "dc:description: summary")
    subjects = vals("subject")
    check(all("SDG %d" % g in subjects for g in j["sdg_goals"]) and
          all("SDG " + t in subjects for t in j.get("sdg_targets", [])) and
          all(t in subjects for t in j.get("tags", [])),
          "dc:subject: SDG N, SDG N.M and the tags (%s)" % subjects)
    check(j["city"] in vals("coverage") and j["country"] in vals("coverage"),
          "dc:coverage: city and country")
    check(str(j["year_start"]) in vals("date"), "dc:date: the years")
    check(vals("language") == [j["language"]], "dc:language")
    check(vals("identifier") == [BASE + "/?case=bogota-ciclovia"],
          "dc:identifier: the case's URL (%s)" % vals("identifier"))
    if j.get("license"):
        check(vals("rights") == [j["license"]], "dc:rights: the license")
    if j.get("source_url"):
        check(vals("source") == [j["source_url"]], "dc:source")
    check(len(vals("contributor")) == len(j.get("actors", [])),
          "dc:contributor for each actor type")


def test_sets_match_facets():
    facets = search_json("per_page=1")["facets"]
    for name, prefix in [("goals", "sdg"), ("countries", "country"),
                         ("levels", "level"), ("languages", "lang")]:
        for f in facets[name]:
            heads, err = walk("ListIdentifiers", metadataPrefix="oai_dc",
                              set="%s:%s" % (prefix, f["value"]))
            n = len([h for h in heads if not is_deleted(h)])
            check(n == f["count"], "set %s:%s holds %d == facet %d"
                  % (prefix, f["value"], n, f["count"]))
    heads, _ = walk("ListIdentifiers", metadataPrefix="oai_dc", set="sdg")
    check(len(heads) == 38, "the parent set sdg holds every record")
    check(error_code(oai(verb="ListIdentifiers", metadataPrefix="oai_dc",
                         set="sdg:99")) == "noRecordsMatch",
          "an unknown set: noRecordsMatch")


def test_errors():
    cases = [
        ({}, "badVerb"),
        ({"verb": "Frobnicate"}, "badVerb"),
        ("verb=Identify&verb=Identify", "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "colour": "red"}, "badArgument"),
        ("verb=ListRecords&metadataPrefix=oai_dc&set=sdg:1&set=sdg:2",
         "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "from": "2020-13-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "from": "2020-01-01T00:00:00"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "from": "2021-01-01", "until": "2020-01-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "from": "2020-01-01", "until": "2021-01-01T00:00:00Z"},
         "badArgument"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "resumptionToken": "x"}, "badArgument"),
        ({"verb": "ListRecords", "resumptionToken": "garbage"},
         "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken":
          "v1~oai_dc~~~~2020-01-01T00:00:00Z~bogota-ciclovia~7~1000000"},
         "badResumptionToken"),   # expired long ago
        ({"verb": "ListSets", "resumptionToken": "x"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "marc21"},
         "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "metadataPrefix": "marc21",
          "identifier": "oai:%s:bogota-ciclovia" % HOST},
         "cannotDisseminateFormat"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc",
          "identifier": "oai:%s:no-such-case" % HOST}, "idDoesNotExist"),
        ({"verb": "GetRecord", "metadataPrefix": "oai_dc",
          "identifier": "oai:elsewhere.org:bogota-ciclovia"},
         "idDoesNotExist"),
        ({"verb": "ListMetadataFormats",
          "identifier": "oai:%s:no-such-case" % HOST}, "idDoesNotExist"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc",
          "from": "2099-01-01"}, "noRecordsMatch"),
        ({"verb": "ListIdentifiers", "metadataPrefix": "minga",
          "set": "country:ZZ"}, "noRecordsMatch"),
    ]
    # noMetadataFormats cannot arise: every item, deleted or not, is
    # offered in both formats (docs/federation.md)
    for args, code in cases:
        qs = args if isinstance(args, str) else urllib.parse.urlencode(args)
        status, _, body = get("/oai?" + qs)
        root = envelope(body, {}) if status == 200 else None
        got = error_code(root) if root is not None else status
        check(got == code, "%s -> %s (got %s)" % (qs, code, got))
    test_tokens()


def make_token(payload, host=None, base=None):
    """A token as web/oai_args.c makes one: base64url(payload + tag), the
    tag a 16-byte BLAKE2b keyed by the node (libsodium's generichash)."""
    key = hashlib.blake2b(b"minga OAI-PMH resumption token v2\0" +
                          (host or HOST).encode() + b"\0" +
                          (base or BASE).encode() + b"\0",
                          digest_size=32).digest()
    raw = payload.encode()
    raw += hashlib.blake2b(raw, key=key, digest_size=16).digest()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def token_error(tok):
    return error_code(oai(verb="ListIdentifiers", resumptionToken=tok))


def test_tokens():
    """Opaque, tagged tokens: any edit, another node's, the v1 form or an
    expired one is badResumptionToken; a good one resumes."""
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    tok = root.find(OAI + "ListIdentifiers/" + OAI + "resumptionToken").text
    check(all(c.isalnum() or c in "-_" for c in tok) and "~" not in tok
          and "oai_dc" not in tok, "the token is opaque (%s)" % tok)
    check(token_error(tok) is None, "the token as given resumes")
    for i in (0, len(tok) // 3, len(tok) // 2, len(tok) - 2, len(tok) - 1):
        bad = tok[:i] + ("A" if tok[i] != "A" else "B") + tok[i + 1:]
        check(token_error(bad) == "badResumptionToken",
              "a token edited at %d: badResumptionToken" % i)
    check(token_error(tok[:-4]) == "badResumptionToken",
          "a truncated token: badResumptionToken")
    now = int(time.time())
    # what the token holds, made again here: the test's own tokens are
    # accepted only if it makes them as the server does
    pay = "v2~oai_dc~~~~2000-01-01T00:00:00Z~a~7~%d~%%d" % len(ALL_IDS)
    check(token_error(make_token(pay % now)) is None,
          "a token made as the server makes them resumes")
    check(token_error(make_token(pay % (now - 23 * 3600))) is None,
          "a token 23 hours old resumes")
    check(token_error(make_token(pay % (now - 24 * 3600 - 5))) ==
          "badResumptionToken", "a token past 24 hours: badResumptionToken")
    check(token_error(make_token(pay % now, host="other.example.org")) ==
          "badResumptionToken", "another node's token: badResumptionToken")
    check(token_error(make_token(pay.replace("v2~", "v1~") % now)) ==
          "badResumptionToken", "a v1 payload: badResumptionToken")
    check(token_error("v1~oai_dc~~~~2020-01-01T00:00:00Z~bogota-ciclovia~7~%d"
                      % now) == "badResumptionToken",
          "a token of the old form: badResumptionToken")


def test_post():
    qs = "verb=ListIdentifiers&metadataPrefix=oai_dc&set=country%3ABR"
    status, ctype, body = request(
        "POST", "/oai", body=qs,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    check(status == 200 and ctype.startswith("text/xml"), "POST /oai: 200")
    root = envelope(body, {"verb": "ListIdentifiers",
                           "metadataPrefix": "oai_dc",
                           "set": "country:BR"})
    posted = [ident(h) for h in root.iter(OAI + "header")]
    got = [ident(h) for h in oai(verb="ListIdentifiers",
                                 metadataPrefix="oai_dc",
                                 set="country:BR").iter(OAI + "header")]
    check(posted == got and len(got) > 0, "POST answers as GET does")
    status, _, _ = request("POST", "/oai", body="verb=Identify",
                           headers={"Content-Type": "text/plain"})
    check(status == 415, "POST /oai of another type: 415 (%d)" % status)
    status, _, _ = request("DELETE", "/oai")
    check(status == 405, "DELETE /oai: 405")


def next_second():
    t = time.time()
    time.sleep(int(t) + 1.05 - t)


def test_deleted_and_dates():
    recs, _ = walk("ListIdentifiers", metadataPrefix="oai_dc")
    t0 = max(datestamp(r) for r in recs)
    gone = "montevideo-plan-saneamiento-urbano"
    next_second()
    minga("delete", gone)
    hist = json.loads(minga("history", gone, "--json").stdout)
    t1 = hist["revisions"][-1]["time"]
    check(hist["revisions"][-1]["action"] == "delete" and t1 > t0,
          "the deletion is a later revision (%s > %s)" % (t1, t0))
    # an update, a second later still
    next_second()
    changed = "bogota-ciclovia"
    case = json.load(open(os.path.join(SAMPLE, changed + ".json")))
    case["summary"] += " (updated)"
    path = os.path.join(WORK_DIR, changed + ".json")
    json.dump(case, open(path, "w"))
    minga("import", path)
    t2 = json.loads(minga("history", changed, "--json").stdout)[
        "revisions"][-1]["time"]
    check(t2 > t1, "the update is later (%s > %s)" % (t2, t1))

    for prefix in ["oai_dc", "minga"]:
        root = oai(verb="GetRecord", metadataPrefix=prefix,
                   identifier="oai:%s:%s" % (HOST, gone))
        rec = root.find(OAI + "GetRecord/" + OAI + "record")
        check(rec is not None and is_deleted(rec) and
              rec.find(OAI + "metadata") is None,
              "GetRecord %s of a deleted case: status=deleted, no "
              "metadata" % prefix)
        check(rec is not None and datestamp(rec) == t1,
              "its datestamp is the deletion's time (%s)" % t1)
        check(rec is not None and "country:UY" in
              [s.text for s in header_of(rec).findall(OAI + "setSpec")],
              "a deleted record keeps its sets")
    got = harvest_perl("oai_dc")
    dels = [g for g in got if g[2] == "1"]
    check(len(got) == 38 and [d[0] for d in dels] ==
          ["oai:%s:%s" % (HOST, gone)] and dels[0][1] == t1,
          "HTTP::OAI sees 37 records and 1 deleted, with its time (%s)"
          % dels)
    heads, _ = walk("ListIdentifiers", metadataPrefix="oai_dc",
                    set="country:UY")
    check(any(case_id(h) == gone and is_deleted(h) for h in heads),
          "the deleted record is in its set's list")

    def sel(**args):
        heads, err = walk("ListIdentifiers", metadataPrefix="oai_dc", **args)
        return sorted(case_id(h) for h in heads), err

    check(sel(**{"from": t1, "until": t1}) == ([gone], None),
          "from=until=%s selects exactly the deletion" % t1)
    check(sel(**{"from": t1}) == (sorted([gone, changed]), None),
          "from=%s: the deletion and the update" % t1)
    check(sel(**{"from": t2}) == ([changed], None), "from=%s: the update" % t2)
    check(sel(until=t0)[0] == sorted(set(ALL_IDS) - {gone, changed}),
          "until=%s: the 36 untouched" % t0)
    before_t1 = (datetime.datetime.strptime(t1, "%Y-%m-%dT%H:%M:%SZ")
                 - datetime.timedelta(seconds=1)).strftime(
                     "%Y-%m-%dT%H:%M:%SZ")
    check(gone not in sel(until=before_t1)[0],
          "until one second before the deletion leaves it out")
    if t0[:10] == t2[:10]:
        check(len(sel(**{"from": t0[:10], "until": t2[:10]})[0]) == 38,
              "day granularity covers the whole day")
    check(sel(**{"from": "2099-01-01T00:00:00Z"})[1] == "noRecordsMatch",
          "nothing after 2099: noRecordsMatch")
    return gone, changed


def test_feeds(gone, changed):
    # sitemap
    status, ctype, body = get("/sitemap.xml")
    check(status == 200 and "xml" in ctype, "/sitemap.xml: 200 XML")
    locs = [e.text for e in ET.fromstring(body).iter(SM + "loc")]
    want = [BASE + "/"] + [BASE + "/?case=" + i for i in ALL_IDS
                           if i != gone]
    check(sorted(locs) == sorted(want), "the sitemap lists the home page and "
          "every current case (%d of %d)" % (len(locs), len(want)))
    # atom
    for qs in ["sdg=11&country=BR", "q=agua", "level=national&lang=es", ""]:
        status, ctype, body = get("/feed.atom?" + qs)
        check(status == 200 and ctype.startswith("application/atom+xml"),
              "/feed.atom?%s: 200 Atom" % qs)
        path = os.path.join(WORK_DIR, "feed.xml")
        open(path, "wb").write(body)
        if shutil.which("xmllint"):
            check(subprocess.run(["xmllint", "--noout", path]).returncode
                  == 0, "the feed is well-formed (xmllint)")
        feed = ET.fromstring(body)
        check(feed.tag == ATOM + "feed" and feed.find(ATOM + "id") is not None
              and feed.find(ATOM + "updated") is not None and
              feed.find(ATOM + "title") is not None, "feed id/title/updated")
        entries = feed.findall(ATOM + "entry")
        got = sorted(e.find(ATOM + "id").text.split("=", 1)[1]
                     for e in entries)
        res = search_json(qs + ("&" if qs else "") + "per_page=100")
        want = sorted(r["id"] for r in res["results"])
        if res["total"] <= 50:
            check(got == want, "feed ?%s has the search's %d cases (%d)"
                  % (qs, len(want), len(got)))
        else:
            check(len(got) == 50 and set(got) <= set(ALL_IDS),
                  "feed ?%s has the newest 50" % qs)
        ups = [e.find(ATOM + "updated").text for e in entries]
        check(ups == sorted(ups, reverse=True), "entries newest first")
        check(all(e.find(ATOM + "title").text and
                  e.find(ATOM + "link").get("href") for e in entries),
              "each entry has a title and a link")
        if qs == "":
            check(got and entries[0].find(ATOM + "id").text.endswith(
                "=" + changed), "the updated case leads the feed")
            check(gone not in got, "the deleted case is not in the feed")
    status, _, _ = get("/feed.atom?sdg=99")
    check(status == 400, "a bad filter: 400 (%d)" % status)
    status, _, body = get("/feed.atom?per_page=3")
    check(len(ET.fromstring(body).findall(ATOM + "entry")) == 3,
          "per_page bounds the entries")
    # dcat
    status, ctype, body = get("/dcat.jsonld")
    check(status == 200 and ctype.startswith("application/ld+json"),
          "/dcat.jsonld: 200 JSON-LD")
    doc = json.loads(body)
    ctx = doc.get("@context", {})
    check(ctx.get("dcat") == "http://www.w3.org/ns/dcat#" and
          ctx.get("dct") == "http://purl.org/dc/terms/",
          "the context maps dcat and dct")
    check(doc.get("@type") == "dcat:Catalog" and doc.get("dct:title"),
          "a dcat:Catalog with a title")
    sets = doc.get("dcat:dataset", [])
    ids = sorted(d.get("dct:identifier") for d in sets)
    check(ids == sorted(i for i in ALL_IDS if i != gone),
          "a dcat:Dataset per current case (%d)" % len(ids))
    for d in sets:
        dists = d.get("dcat:distribution", [])
        ok = (d.get("@type") == "dcat:Dataset" and d.get("dct:title") and
              d.get("dct:description") and dists and
              all(x.get("@type") == "dcat:Distribution" and
                  x.get("dcat:accessURL", {}).get("@id") for x in dists))
        check(ok, "dataset %s has type, title, description, distributions"
              % d.get("dct:identifier"))
    d = [x for x in sets if x["dct:identifier"] == changed][0]
    url = d["dcat:distribution"][0]["dcat:accessURL"]["@id"]
    status, _, body = get(urllib.parse.urlparse(url).path)
    check(status == 200 and json.loads(body)["id"] == changed,
          "the JSON distribution resolves to the case (%s)" % url)
    n_att = len(json.loads(body).get("attachments", []))
    check(len(d["dcat:distribution"]) == 1 + n_att,
          "one distribution per attachment besides the JSON")


try:
    for test in [test_identify_formats_sets, test_harvester_lists_everything,
                 test_own_walk_and_formats, test_sets_match_facets,
                 test_errors, test_post]:
        print("-- " + test.__name__)
        try:
            test()
        except Exception as e:  # a crash in one test is a failure, not a stop
            check(False, "%s raised %r" % (test.__name__, e))
    print("-- test_deleted_and_dates")
    gone, changed = test_deleted_and_dates()
    print("-- test_feeds")
    test_feeds(gone, changed)
except Exception as e:
    check(False, "raised %r" % e)
finally:
    server.stop()

# -- keyset paging through a larger catalog, changed while it is walked -----

N_LARGE, LARGE_PAGE = 2500, 97


def start_server(page):
    global PORT, BASE
    PORT = free_port()
    BASE = "http://127.0.0.1:%d" % PORT
    db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
    db.execute("INSERT OR REPLACE INTO meta VALUES('oai_host', ?)", (HOST,))
    db.execute("INSERT OR REPLACE INTO meta VALUES('base_url', ?)", (BASE,))
    db.commit()
    db.close()
    return Server(MINGA, DATA, WORK_DIR, port=PORT,
                  env={"MINGA_OAI_PAGE": str(page)},
                  log_name="server-large.log").start()


def large_case(i, summary_extra=""):
    base = json.load(open(os.path.join(SAMPLE, ALL_IDS[i % len(ALL_IDS)] +
                                       ".json")))
    base.pop("attachments", None)
    return dict(base, id="large-%05d" % i,
                title="Large case %d" % i,
                summary="Case %d of the keyset test.%s" % (i, summary_extra))


def write_cases(folder, cases):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    for c in cases:
        json.dump(c, open(os.path.join(folder, c["id"] + ".json"), "w"))


def test_keyset_walk():
    """2 500 cases in pages of 97: a harvester walking the list while
    cases change meets every record, a case changed after it was sent
    once again at its new datestamp, a case changed before it was reached
    once, a case deleted before it was reached as a deleted record; the
    walk is in strictly increasing (datestamp, id) order."""
    ids = ["large-%05d" % i for i in range(N_LARGE)]
    db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
    check(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                     "name = 'revisions_at'").fetchone() is not None,
          "the catalog has the datestamp index revisions_at")
    db.close()
    seen, order = {}, []
    root = oai(verb="ListIdentifiers", metadataPrefix="oai_dc")
    tok = root.find(OAI + "ListIdentifiers/" + OAI + "resumptionToken")
    check(tok is not None and int(tok.get("completeListSize")) == N_LARGE,
          "completeListSize is the catalog's size at the first page")
    pages, changed_early, changed_late, deleted_late = 0, [], [], None
    while True:
        pages += 1
        body = root.find(OAI + "ListIdentifiers")
        for h in body.findall(OAI + "header"):
            cid = h.find(OAI + "identifier").text.rsplit(":", 1)[1]
            seen.setdefault(cid, []).append(
                (h.find(OAI + "datestamp").text, h.get("status")))
            order.append((h.find(OAI + "datestamp").text, cid))
        tok = body.find(OAI + "resumptionToken")
        if pages == 3:
            # between pages: change 5 cases already sent and 5 not yet,
            # delete one not yet reached
            sent = [c for c in ids if c in seen]
            later = [c for c in ids if c not in seen]
            changed_early, changed_late = sent[:5], later[:5]
            deleted_late = later[-1]
            next_second()      # so that the changes get new datestamps
            write_cases(os.path.join(WORK_DIR, "changes"),
                        [large_case(int(c[6:]), " Changed.")
                         for c in changed_early + changed_late])
            minga("import", os.path.join(WORK_DIR, "changes"))
            minga("delete", deleted_late)
        if tok is None or not tok.text:
            break
        root = oai(verb="ListIdentifiers", resumptionToken=tok.text)
        if error_code(root):
            check(False, "the walk stopped: %s" % error_code(root))
            break
    check(pages >= N_LARGE // LARGE_PAGE, "the walk took every page (%d)"
          % pages)
    check(order == sorted(order) and len(set(order)) == len(order),
          "the walk is in strictly increasing (datestamp, id) order")
    missing = [c for c in ids if c not in seen]
    check(not missing, "every record listed (%d missing: %s)"
          % (len(missing), missing[:5]))
    twice = sorted(c for c, v in seen.items() if len(v) > 1)
    check(twice == sorted(changed_early),
          "only the cases changed after they were sent come twice (%s)"
          % twice[:10])
    for c in changed_early:
        v = seen.get(c, [])
        check(len(v) == 2 and v[1][0] > v[0][0],
              "%s met again at its new datestamp (%s)" % (c, v))
    for c in changed_late:
        check(len(seen.get(c, [])) == 1, "%s, changed before it was "
              "reached, comes once" % c)
    check(seen.get(deleted_late, [(None, None)])[-1][1] == "deleted",
          "%s, deleted before it was reached, comes as deleted"
          % deleted_late)


def test_index_added_to_v4_folder():
    """A folder already at version 4 without revisions_at gets it from
    its next writer."""
    db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
    db.execute("DROP INDEX revisions_at")
    db.commit()
    check(db.execute("PRAGMA user_version").fetchone()[0] >= 4,
          "the folder is at version 4 or later")
    db.close()
    minga("import", os.path.join(WORK_DIR, "changes"))
    db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
    check(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'index' AND "
                     "name = 'revisions_at'").fetchone() is not None,
          "a writer added revisions_at to a folder at version 4")
    db.close()


if not checks.failures:
    print("-- test_keyset_walk (%d cases)" % N_LARGE)
    DATA = os.path.join(WORK_DIR, "data-large")
    shutil.rmtree(DATA, ignore_errors=True)
    minga("init")
    write_cases(os.path.join(WORK_DIR, "large"),
                [large_case(i) for i in range(N_LARGE)])
    minga("import", os.path.join(WORK_DIR, "large"))
    server = start_server(LARGE_PAGE)
    PAGE = LARGE_PAGE
    try:
        for test in [test_keyset_walk, test_index_added_to_v4_folder]:
            try:
                test()
            except Exception as e:
                check(False, "%s raised %r" % (test.__name__, e))
    finally:
        server.stop()

checks.finish()
