#!/usr/bin/env python3
"""The DCAT catalog at /dcat.jsonld paged and cached (issue 22), and the
sitemap index past the sitemap protocol's bound, on the sample catalog
(data/sample, 38 cases) with pages made small through the server's
environment (MINGA_DCAT_PAGE=5: eight pages; MINGA_SITEMAP_URLS=15):

- following hydra:next from page 1 visits every current case exactly
  once, hydra:totalItems is the number of current cases, first/last/
  previous/next are where they should be, a deleted case is on no page;
- a page past the last is 404 not_found; page=0, abc, huge or repeated
  are 400 bad_parameter, another parameter 400 unknown_parameter;
- a weak ETag and Last-Modified; If-None-Match with it is 304 without a
  body; an import changes the ETag;
- /sitemap.xml is a sitemapindex of /sitemap.xml?page=N whose pages list
  the home page and every current case once.

Usage: test_dcat.py MINGA SOURCE_DIR WORK_DIR.
"""
import json
import os
import shutil
import sqlite3
import sys
import urllib.parse
import xml.etree.ElementTree as ET

from webtest import Checks, Server, free_port, json_of, run_minga

MINGA, SOURCE, WORK_DIR = sys.argv[1], sys.argv[2], sys.argv[3]
SAMPLE = os.path.join(SOURCE, "data", "sample")
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE, SITEMAP_URLS = 5, 15
DATA = os.path.join(WORK_DIR, "data")

checks = Checks()
check = checks.check


def minga(*args):
    return run_minga(MINGA, DATA, *args)


def get(path, headers=None):
    return server.get(path, headers)


def path_of(url):
    u = urllib.parse.urlparse(url)
    return u.path + ("?" + u.query if u.query else "")


shutil.rmtree(WORK_DIR, ignore_errors=True)
os.makedirs(WORK_DIR)
minga("init")
minga("import", SAMPLE)
ALL_IDS = sorted(f[:-5] for f in os.listdir(SAMPLE) if f.endswith(".json"))
GONE = ALL_IDS[7]
minga("delete", GONE)
CURRENT = [i for i in ALL_IDS if i != GONE]

PORT = free_port()
BASE = "http://127.0.0.1:%d" % PORT
db = sqlite3.connect(os.path.join(DATA, "catalog.db"))
db.execute("INSERT OR REPLACE INTO meta VALUES('base_url', ?)", (BASE,))
db.commit()
db.close()
server = Server(MINGA, DATA, WORK_DIR, port=PORT,
                env={"MINGA_DCAT_PAGE": str(PAGE),
                     "MINGA_SITEMAP_URLS": str(SITEMAP_URLS)}).start()


def page_url(n):
    return BASE + "/dcat.jsonld?page=%d" % n


def test_walk():
    n_pages = (len(CURRENT) + PAGE - 1) // PAGE
    seen, url, n = [], BASE + "/dcat.jsonld", 0
    while url and n < 100:
        n += 1
        status, headers, body = get(path_of(url))
        check(status == 200 and headers.get("content-type", "")
              .startswith("application/ld+json"), "%s: 200 JSON-LD (%d)"
              % (url, status))
        doc = json.loads(body)
        check(doc.get("@context", {}).get("hydra") ==
              "http://www.w3.org/ns/hydra/core#", "the context maps hydra")
        check(doc.get("@type") == "dcat:Catalog", "a dcat:Catalog")
        sets = doc.get("dcat:dataset", [])
        check(0 < len(sets) <= PAGE, "page %d holds 1 to %d datasets (%d)"
              % (n, PAGE, len(sets)))
        seen += [d.get("dct:identifier") for d in sets]
        view = doc.get("hydra:view", {})
        check(view.get("@type") == "hydra:PartialCollectionView" and
              view.get("@id") == page_url(n), "page %d's view (%r)"
              % (n, view.get("@id")))
        check(view.get("hydra:totalItems") == len(CURRENT),
              "totalItems is the number of current cases (%r)"
              % view.get("hydra:totalItems"))
        check(view.get("hydra:first", {}).get("@id") == page_url(1) and
              view.get("hydra:last", {}).get("@id") == page_url(n_pages),
              "first and last pages")
        prev = view.get("hydra:previous", {}).get("@id")
        check(prev == (page_url(n - 1) if n > 1 else None),
              "previous on page %d (%r)" % (n, prev))
        url = view.get("hydra:next", {}).get("@id")
        check(url in (None, page_url(n + 1)), "next is the next page")
    check(n == n_pages, "hydra:next led through %d pages (%d)"
          % (n_pages, n))
    check(sorted(seen) == CURRENT and len(seen) == len(set(seen)),
          "every current case exactly once (%d of %d)"
          % (len(seen), len(CURRENT)))
    check(GONE not in seen, "the deleted case is on no page")
    status, _, body = get("/dcat.jsonld?page=%d" % (n_pages + 1))
    err = json_of(body)
    check(status == 404 and err.get("code") == "not_found" and
          err.get("params", {}).get("last") == n_pages,
          "a page past the last: 404 not_found (%d %r)" % (status, err))


def test_bad_parameters():
    for qs, code in [("page=0", "bad_parameter"),
                     ("page=-1", "bad_parameter"),
                     ("page=abc", "bad_parameter"),
                     ("page=99999999999999999999", "bad_parameter"),
                     ("page=1&page=2", "bad_parameter"),
                     ("per_page=3", "unknown_parameter")]:
        for path in ["/dcat.jsonld", "/sitemap.xml"]:
            status, _, body = get(path + "?" + qs)
            err = json_of(body)
            param = qs.split("=")[0]
            check(status == 400 and err.get("code") == code and
                  err.get("params", {}).get("param") == param,
                  "%s?%s: 400 %s naming %s (%d %r)"
                  % (path, qs, code, param, status, err))


def test_caching():
    status, headers, _ = get("/dcat.jsonld?page=2")
    etag = headers.get("etag", "")
    check(status == 200 and etag.startswith('W/"'), "a weak ETag (%r)" % etag)
    check(headers.get("last-modified", "").endswith(" GMT"),
          "Last-Modified an HTTP date (%r)" % headers.get("last-modified"))
    check("no-cache" in headers.get("cache-control", ""),
          "Cache-Control: no-cache")
    status, h304, body = get("/dcat.jsonld?page=2",
                             {"If-None-Match": etag})
    check(status == 304 and body == b"" and h304.get("etag") == etag,
          "If-None-Match with the ETag: 304 without a body (%d)" % status)
    status, _, _ = get("/dcat.jsonld?page=1", {"If-None-Match": etag})
    check(status == 200, "another page's ETag does not match (%d)" % status)
    status, _, _ = get("/dcat.jsonld?page=2", {"If-None-Match": '"other"'})
    check(status == 200, "another ETag: 200 (%d)" % status)
    # an import changes it, even within the same second
    case = json.load(open(os.path.join(SAMPLE, CURRENT[0] + ".json")))
    case.pop("attachments", None)
    case["summary"] += " Changed."
    folder = os.path.join(WORK_DIR, "change")
    os.makedirs(folder, exist_ok=True)
    json.dump(case, open(os.path.join(folder, "c.json"), "w"))
    minga("import", folder)
    status, headers, _ = get("/dcat.jsonld?page=2",
                             {"If-None-Match": etag})
    check(status == 200 and headers.get("etag") not in (None, etag),
          "after an import the ETag changes (%d %r)"
          % (status, headers.get("etag")))


def test_sitemap_index():
    status, _, body = get("/sitemap.xml")
    root = ET.fromstring(body)
    n_pages = (len(CURRENT) + 1 + SITEMAP_URLS - 1) // SITEMAP_URLS
    locs = [e.text for e in root.iter(SM + "loc")]
    check(status == 200 and root.tag == SM + "sitemapindex" and
          locs == [BASE + "/sitemap.xml?page=%d" % i
                   for i in range(1, n_pages + 1)],
          "past the bound /sitemap.xml is a sitemapindex (%s)" % locs)
    urls = []
    for loc in locs:
        status, _, body = get(path_of(loc))
        page = ET.fromstring(body)
        got = [e.text for e in page.iter(SM + "loc")]
        check(status == 200 and page.tag == SM + "urlset" and
              0 < len(got) <= SITEMAP_URLS, "%s: a urlset of at most %d"
              % (loc, SITEMAP_URLS))
        urls += got
    want = [BASE + "/"] + [BASE + "/?case=" + i for i in CURRENT]
    check(sorted(urls) == sorted(want), "the sitemaps list the home page "
          "and every current case once (%d of %d)" % (len(urls), len(want)))
    status, _, _ = get("/sitemap.xml?page=%d" % (n_pages + 1))
    check(status == 404, "a sitemap page past the last: 404 (%d)" % status)


try:
    checks.run([test_walk, test_bad_parameters, test_sitemap_index,
                test_caching])
finally:
    server.stop()
checks.finish()
