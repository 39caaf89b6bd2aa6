#!/usr/bin/env python3
"""Writes the seed bombs of issue 18 ("Hostile load") into fuzz/corpus/:
the shapes that took minga gigabytes or minutes before the import budgets,
made a few KB each but over the fuzz host's budgets (fuzz_host.c: 1000
JSON values, depth 64, 100 CSV columns), so every fuzz run starts from
the budget paths and mutates them. Run it from anywhere; it rewrites the
same bytes each time (fixed zip and tar dates)."""

import gzip
import io
import os
import tarfile
import zipfile

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")


def write(target, name, data):
    path = os.path.join(CORPUS, target, name)
    with open(path, "wb") as f:
        f.write(data)


def empty_objects(n):
    """[{},{},...]: jansson spends about 230 bytes on each."""
    return b"[" + b",".join([b"{}"] * n) + b"]"


def front_matter_of_brackets(n):
    """YAML front matter whose title opens n flow sequences: libyaml
    checks every open level at each token."""
    return b"---\ntitle: " + b"[" * n + b"\n---\nbody\n"


def zip_of(name, data):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, data)
    return buf.getvalue()


def tar_gz_of(members):
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1704067200
            t.addfile(info, io.BytesIO(data))
    return gzip.compress(raw.getvalue(), mtime=0)


def main():
    write("json", "bomb-empty-objects.json", empty_objects(1500))
    write("json", "bomb-deep-arrays.json", b"[" * 10000)
    write("markdown", "bomb-deep-flow.md", front_matter_of_brackets(10000))
    header = ",".join("c%d" % i for i in range(300)).encode()
    write("csv", "bomb-wide-header.csv", header + b"\n" + b"x," * 299
          + b"x\n")
    # a 900 KB member, under the fuzz host's 1 MiB entry size
    objects_zip = zip_of("cases.json", empty_objects(300000))
    deep_tgz = tar_gz_of([("case%d.md" % i, front_matter_of_brackets(10000))
                          for i in range(3)])
    for target in ("archive", "archive_fd"):
        write(target, "bomb-empty-objects.zip", objects_zip)
        write(target, "bomb-deep-flow.tar.gz", deep_tgz)


if __name__ == "__main__":
    main()
