#!/usr/bin/env python3
"""Reproduction of issue 18, finding 5: many cases naming one large text
attachment.

    bench/shared_attachment.py OUT_DIR [--cases 60] [--base 3000]

Writes into OUT_DIR:
  shared.zip   --cases case files (c000.json ...) that all name one
               report.txt of 4 MiB (EXTRACT_MAX_TEXT, the most text one
               attachment can give), made of sentences of data/sample
  base.jsonl   --base ordinary cases without attachments (the catalog the
               shared ones are imported into), from data/sample's texts

The text is real prose (the sample cases' summaries and bodies, in
Spanish, Portuguese and English) shuffled with a fixed seed, so the same
arguments give the same files. Measure with, for example:

    minga --data D init && minga --data D import OUT_DIR/base.jsonl
    du -sb D; /usr/bin/time -v minga --data D import OUT_DIR/shared.zip
    du -sb D; time minga --data D export --format csv -o /dev/null
"""

import argparse
import glob
import json
import os
import random
import re
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
TEXT_BYTES = 4 * 1024 * 1024


def sample_cases():
    cases = []
    for path in sorted(glob.glob(os.path.join(HERE, "..", "data", "sample",
                                              "*.json"))):
        with open(path, encoding="utf-8") as f:
            cases.append(json.load(f))
    return cases


def sentences(cases):
    out = []
    for c in cases:
        for field in ("summary", "body"):
            text = c.get(field) or ""
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+", text)
                    if len(s.strip()) > 20]
    return out


def report_text(sents, rng):
    parts, size = [], 0
    while size < TEXT_BYTES:
        para = " ".join(rng.choice(sents) for _ in range(rng.randint(3, 8)))
        para += "\n\n"
        parts.append(para)
        size += len(para.encode("utf-8"))
    text = "".join(parts).encode("utf-8")[:TEXT_BYTES]
    return text.decode("utf-8", errors="ignore")


def variant(base, i, prefix, rng, sents):
    c = {k: v for k, v in base.items() if k not in ("id", "attachments")}
    c["id"] = "%s-%05d" % (prefix, i)
    c["title"] = "%s (%s %d)" % (base["title"][:250], prefix, i)
    c["summary"] = " ".join(rng.choice(sents) for _ in range(3))[:3900]
    return c


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--cases", type=int, default=60)
    ap.add_argument("--base", type=int, default=3000)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(18)
    cases = sample_cases()
    sents = sentences(cases)
    with zipfile.ZipFile(os.path.join(args.out, "shared.zip"), "w",
                         zipfile.ZIP_DEFLATED) as z:
        z.writestr("report.txt", report_text(sents, rng))
        for i in range(args.cases):
            c = variant(cases[i % len(cases)], i, "shared", rng, sents)
            c["attachments"] = ["report.txt"]
            z.writestr("c%03d.json" % i, json.dumps(c, ensure_ascii=False))
    with open(os.path.join(args.out, "base.jsonl"), "w",
              encoding="utf-8") as f:
        for i in range(args.base):
            c = variant(cases[i % len(cases)], i, "base", rng, sents)
            f.write(json.dumps(c, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
