#!/usr/bin/env python3
"""Search relevance test: runs tests/search/relevance.tsv against a fresh
data folder built from data/sample and scores the results.

usage: run_relevance.py MINGA_BINARY SOURCE_DIR [--threshold F] [-v]

A query passes when every expected case id is among the first k results
("^id": ranked first; "!id": not among the first 5), every result
satisfies the query's filters, the JSON "suggestion" is what the row asks
for and the answer says what the row's flags ask (corrected, partial,
similar). Prints each failure with what came back, then the score
(fraction of queries passing), the mean reciprocal rank of the first
expected case, and over the graded judgements (2 = squarely relevant,
1 = partly; a row without grades counts its expected ids as 2) the mean
nDCG@10, success@1 and success@5 (a relevant case first, in the first
5); exits 1 when any of them is below its threshold.
"""
import argparse
import json
import math
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unicodedata

# Just under the score reached (see README.md); raise it when relevance
# improves, never lower it to make a regression pass.
DEFAULT_THRESHOLD = 1.0
# The same for the graded measures, over the whole set (README.md).
MIN_NDCG10 = 0.955
MIN_SUCCESS1 = 0.95
MIN_SUCCESS5 = 1.0
LIMIT = 10        # results asked for: nDCG@10
CHECK_DEPTH = 5   # where "!id" must not be
FILTER_NAMES = ("sdg", "target", "level", "actor", "country", "lang", "year")


def fold(s):
    s = unicodedata.normalize("NFD", s.casefold())
    return "".join(c for c in s if unicodedata.category(c) != "Mn")


class Row:
    def __init__(self, line_no, fields):
        if len(fields) < 5:
            raise ValueError("line %d: expected at least 5 tab-separated "
                             "fields" % line_no)
        fields += [""] * (8 - len(fields))
        self.line_no = line_no
        self.category = fields[0].strip()
        self.k = int(fields[1])
        self.query = fields[2].strip()
        opts = fields[3].strip()
        self.options = [] if opts in ("", "-") else shlex.split(opts)
        self.first = None
        self.wanted, self.unwanted = [], []
        for tok in fields[4].split():
            if tok.startswith("^"):
                self.first = tok[1:]
                self.wanted.append(tok[1:])
            elif tok.startswith("!"):
                self.unwanted.append(tok[1:])
            else:
                self.wanted.append(tok)
        self.suggestion = fields[5].strip()
        # graded judgements "id=2 id=1"; without them, the expected ids
        self.grades = {}
        for tok in fields[6].split():
            cid, _, g = tok.partition("=")
            self.grades[cid] = int(g)
        if not self.grades:
            self.grades = {cid: 2 for cid in self.wanted}
        self.flags = [f for f in fields[7].split(",") if f.strip() and
                      f.strip() != "-"]

    def label(self):
        opts = " ".join(self.options)
        return "%s [%s]%s" % (self.category, self.query,
                              " " + opts if opts else "")

    def filters(self):
        """The filters of the row, options and inline, as (name, values)."""
        out = []
        args = list(self.options)
        i = 0
        while i < len(args):
            a = args[i]
            if a.startswith("--") and a[2:] in FILTER_NAMES and \
                    i + 1 < len(args):
                out.append((a[2:], args[i + 1].split(",")))
                i += 2
                continue
            i += 1
        for word in self.query.split():
            name, sep, value = word.partition(":")
            if sep and name in FILTER_NAMES and value:
                out.append((name, value.split(",")))
        return out


def load_rows(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rows.append(Row(n, line.split("\t")))
    return rows


def run(cmd, check=True):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    if check and p.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd),
                                                  p.returncode, p.stderr))
    return p


def search(binary, data, options, text):
    cmd = [binary, "--data", data, "search", "--json", "--limit",
           str(LIMIT)] + options + ["--", text]
    p = run(cmd, check=False)
    if p.returncode != 0:
        return None, (p.stderr.strip() or "exit status %d" % p.returncode)
    try:
        return json.loads(p.stdout), None
    except ValueError as e:
        return None, "bad JSON: %s" % e


def hit_matches(hit, name, values):
    if name == "sdg":
        return any(int(v) in hit.get("goals", []) for v in values)
    if name == "level":
        return any(v in hit.get("levels", []) for v in values)
    if name == "actor":
        return any(v in hit.get("actors", []) for v in values)
    if name == "country":
        return hit.get("country", "").upper() in [v.upper() for v in values]
    if name == "lang":
        return hit.get("language", "").lower() in [v.lower() for v in values]
    if name == "year":
        start = hit.get("year_start") or 0
        end = hit.get("year_end") or start
        for v in values:
            lo, dots, hi = v.partition("..")
            if not dots:
                hi = lo
            lo = int(lo) if lo else -10**9
            hi = int(hi) if hi else 10**9
            if start <= hi and end >= lo:
                return True
        return False
    return True   # target: not in the hit JSON, trusted to the index tests


def check_row(binary, data, row):
    """Returns (problems, reciprocal rank, ids shown)."""
    problems = []
    res, err = search(binary, data, row.options, row.query)
    if err:
        return [err], 0.0, [], (0.0, 0.0, 0.0)
    ids = [h["id"] for h in res.get("results", [])]
    sugg = res.get("suggestion")
    judged = res
    if row.suggestion == "-":
        if sugg:
            problems.append("unexpected suggestion %r" % sugg)
    elif row.suggestion.startswith("="):
        want = row.suggestion[1:]
        if not sugg or fold(sugg) != fold(want):
            problems.append("suggestion %r, expected %r" % (sugg, want))
        if sugg and not res.get("corrected_from"):
            judged, err = search(binary, data, row.options, sugg)
            if err:
                return problems + [err], 0.0, ids, (0.0, 0.0, 0.0)
    for flag in row.flags:
        key = {"corrected": "corrected_from"}.get(flag, flag)
        if not res.get(key):
            problems.append("answer not %s" % flag)
    judged_ids = [h["id"] for h in judged.get("results", [])]
    for cid in row.wanted:
        if cid not in judged_ids[:row.k]:
            problems.append("%s not in top %d" % (cid, row.k))
    if row.first and (not judged_ids or judged_ids[0] != row.first):
        problems.append("%s not ranked first" % row.first)
    for cid in row.unwanted:
        if cid in judged_ids[:CHECK_DEPTH]:
            problems.append("%s returned (rank %d)"
                            % (cid, judged_ids.index(cid) + 1))
    for name, values in row.filters():
        for h in judged.get("results", []):
            if not hit_matches(h, name, values):
                problems.append("%s breaks filter %s:%s"
                                % (h["id"], name, ",".join(values)))
    rr = 0.0
    for rank, cid in enumerate(judged_ids, 1):
        if cid in row.wanted:
            rr = 1.0 / rank
            break
    shown = judged.get("results", [])
    return problems, rr, shown, graded(row, judged_ids)


def graded(row, ids):
    """(nDCG@10, success@1, success@5) of a ranking against the row's
    grades."""
    def dcg(gains):
        return sum((2 ** g - 1) / math.log2(i + 2)
                   for i, g in enumerate(gains[:10]))
    gains = [row.grades.get(cid, 0) for cid in ids]
    ideal = dcg(sorted(row.grades.values(), reverse=True))
    ndcg = dcg(gains) / ideal if ideal else 0.0
    s1 = 1.0 if gains[:1] and gains[0] > 0 else 0.0
    s5 = 1.0 if any(g > 0 for g in gains[:5]) else 0.0
    return ndcg, s1, s5


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("source_dir")
    ap.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    ap.add_argument("--set", help="relevance file (default: next to this "
                    "script)")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="print every query, not only failures")
    args = ap.parse_args()

    set_path = args.set or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "relevance.tsv")
    rows = load_rows(set_path)
    sample = os.path.join(args.source_dir, "data", "sample")
    tmp = tempfile.mkdtemp(prefix="minga-relevance-")
    try:
        data = os.path.join(tmp, "data")
        env_binary = os.path.abspath(args.binary)
        run([env_binary, "--data", data, "init"])
        run([env_binary, "--data", data, "import", sample])
        passed, rr_sum = 0, 0.0
        sums = [0.0, 0.0, 0.0]
        by_cat = {}
        for row in rows:
            problems, rr, shown, g = check_row(env_binary, data, row)
            rr_sum += rr
            cat = by_cat.setdefault(row.category, [0, 0, 0.0, 0.0, 0.0])
            cat[1] += 1
            for i in range(3):
                sums[i] += g[i]
                cat[2 + i] += g[i]
            if not problems:
                passed += 1
                cat[0] += 1
            if problems or args.verbose:
                print("%s %s (line %d)" % ("FAIL" if problems else "ok  ",
                                           row.label(), row.line_no))
                for p in problems:
                    print("     - %s" % p)
                for i, h in enumerate(shown, 1):
                    print("       %d. %-52s %s %6.2f" % (
                        i, h["id"], h.get("language", "?"),
                        h.get("score") or 0.0))
        n = len(rows)
        score = passed / n if n else 0.0
        mrr = rr_sum / n if n else 0.0
        print()
        for cat, (p, t, nd, s1, s5) in by_cat.items():
            print("  %-10s %2d/%-2d  nDCG@10 %.3f  success@1 %.3f  "
                  "success@5 %.3f" % (cat, p, t, nd / t, s1 / t, s5 / t))
        ndcg, s1, s5 = (x / n if n else 0.0 for x in sums)
        print("relevance: %d/%d queries pass, score %.3f, MRR %.3f "
              "(threshold %.2f)" % (passed, n, score, mrr, args.threshold))
        print("graded: nDCG@10 %.3f (min %.2f), success@1 %.3f (min %.2f), "
              "success@5 %.3f (min %.2f)" % (ndcg, MIN_NDCG10, s1,
                                              MIN_SUCCESS1, s5,
                                              MIN_SUCCESS5))
        ok = (score >= args.threshold and ndcg >= MIN_NDCG10 - 1e-9 and
              s1 >= MIN_SUCCESS1 - 1e-9 and s5 >= MIN_SUCCESS5 - 1e-9)
        return 0 if ok else 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
