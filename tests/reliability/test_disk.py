#!/usr/bin/env python3
"""Full disk and read-only data folders, on small tmpfs mounts.

Full disk: a data folder on a 3 MiB tmpfs holds a few cases; importing
cases with big bodies fills the disk. The import must exit 1 saying the
disk is full, readers must see nothing of it (not even before the next
write), `check` must say consistent and the earlier cases must be intact;
a small import must work again afterwards. Several sizes are tried, so
that the disk fills while cases are written and while the transaction
commits.

Read-only: the same folder remounted read-only: `minga search`, `stats`
and `show` still work; `minga import` fails with a message saying the
folder is read-only.

Needs root and mount(2); exits 77 (skipped) when mounting is not allowed.
usage: test_disk.py MINGA_BINARY
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import relcommon as rc  # noqa: E402

DISK_FULL = re.compile(r"disk is full|no space left", re.I)
READ_ONLY = re.compile(r"read-only|read only", re.I)
N_BASE = 3
# (cases, KiB of body each): from "fits" to "the disk fills while the
# cases are written" through "the disk fills at commit"
SIZES = [(1, 300), (2, 900), (3, 900), (4, 600), (4, 900), (6, 900)]


def sh(*cmd):
    return subprocess.run(list(cmd), capture_output=True, text=True,
                          timeout=60)


def mount_tmpfs(path, size):
    p = sh("mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
           "tmpfs", path)
    return p.returncode == 0, p.stderr.strip()


def umount(path):
    sh("umount", path)


def full_disk(binary, mnt, work):
    failures = 0
    for k, kb in SIZES:
        ok, err = mount_tmpfs(mnt, "3m")
        if not ok:
            rc.fail("mounting tmpfs worked once, then failed: " + err)
        try:
            data = os.path.join(mnt, "data")
            mg = rc.Minga(binary, data)
            mg.run("init", check=True)
            base = [rc.make_case("base", i, "zqxbase") for i in range(N_BASE)]
            base_json = os.path.join(work, "base.json")
            rc.write_json(base_json, base)
            mg.run("import", base_json, check=True)
            fat_json = os.path.join(work, "fat-%d-%d.json" % (k, kb))
            marker = "zqxfat%dx%d" % (k, kb)
            rc.write_json(fat_json, [rc.make_case("fat", i, marker,
                                                  body_bytes=kb * 1024)
                                     for i in range(k)])
            what = "%d cases of %d KiB on a 3 MiB disk" % (k, kb)
            p = mg.run("import", fat_json, timeout=120)
            if p.returncode == 0:
                n = mg.stats_cases()
                if n != N_BASE + k:
                    rc.fail("%s: imported, but %d cases" % (what, n))
                mg.check_consistent(what)
                rc.log("%s: fits" % what)
                continue
            failures += 1
            if p.returncode != 1:
                rc.fail("%s: import exited %d, expected 1" % (
                    what, p.returncode))
            if not DISK_FULL.search(p.stderr):
                rc.fail("%s: the message does not say the disk is full: %r"
                        % (what, p.stderr))
            rc.log("%s: refused: %s" % (what, p.stderr.strip()
                                        .splitlines()[0]))
            # Readers right after the failure, before anything repairs:
            # nothing of the failed import may be visible.
            total, sp = mg.search_total(marker)
            if total is None:
                rc.fail("%s: search failed after the failed import: %s" % (
                    what, sp.stderr))
            if total != 0:
                rc.fail("%s: the import failed, yet a search finds %d of "
                        "its cases (the index kept what the catalog rolled "
                        "back)" % (what, total))
            rc_, st = mg.json("stats")
            if st["cases"] != N_BASE or st.get("indexed") != N_BASE:
                rc.fail("%s: after the failed import the catalog has %s "
                        "cases and the index %s; expected %d and %d" % (
                            what, st["cases"], st.get("indexed"), N_BASE,
                            N_BASE))
            mg.check_consistent(what)
            rc.assert_base_intact(mg, base, what)
            # The space is given back: a small import works again.
            small = os.path.join(work, "small.json")
            rc.write_json(small, [rc.make_case("after", 0, "zqxafter")])
            p = mg.run("import", small)
            if p.returncode != 0:
                rc.fail("%s: a small import after the failure failed: %s"
                        % (what, p.stderr))
            mg.check_consistent(what + ", then a small import")
        finally:
            umount(mnt)
    if failures == 0:
        rc.fail("no size filled the disk: the test tested nothing")


def read_only(binary, mnt, work):
    ok, err = mount_tmpfs(mnt, "8m")
    if not ok:
        rc.fail("mounting tmpfs worked once, then failed: " + err)
    try:
        data = os.path.join(mnt, "data")
        mg = rc.Minga(binary, data)
        mg.run("init", check=True)
        base = [rc.make_case("base", i, "zqxrobase") for i in range(N_BASE)]
        base_json = os.path.join(work, "robase.json")
        rc.write_json(base_json, base)
        mg.run("import", base_json, check=True)
        p = sh("mount", "-o", "remount,ro", mnt)
        if p.returncode != 0:
            rc.log("SKIP read-only part: remount,ro not allowed: "
                   + p.stderr.strip())
            return False
        # root ignores permission bits, not a read-only mount
        probe = os.path.join(data, "probe")
        try:
            open(probe, "w").close()
            rc.fail("the read-only mount accepted a write")
        except OSError:
            pass
        problems = []
        total, sp = mg.search_total("zqxrobase")
        if total != N_BASE:
            problems.append("`minga search` on a read-only data folder: "
                            "exit %d, %s" % (sp.returncode,
                                              sp.stderr.strip()))
        p = mg.run("stats", "--json")
        if p.returncode != 0:
            problems.append("`minga stats` on a read-only data folder: "
                            "exit %d, %s" % (p.returncode, p.stderr.strip()))
        if mg.show(base[0]["id"]) is None:
            problems.append("`minga show` on a read-only data folder fails")
        small = os.path.join(work, "small.json")
        rc.write_json(small, [rc.make_case("ro", 0, "zqxro")])
        p = mg.run("import", small)
        if p.returncode != 1:
            problems.append("`minga import` into a read-only data folder "
                            "exited %d, expected 1" % p.returncode)
        elif not READ_ONLY.search(p.stderr):
            problems.append("`minga import` into a read-only data folder "
                            "does not say so: %r" % p.stderr.strip())
        else:
            rc.log("read-only import refused: " + p.stderr.strip())
        sh("mount", "-o", "remount,rw", mnt)
        mg.check_consistent("after the read-only test")
        rc.assert_base_intact(mg, base, "after the read-only test")
        if problems:
            rc.fail("read-only data folder:\n  " + "\n  ".join(problems))
        rc.log("read-only data folder: search, stats and show work; "
               "import refused")
        return True
    finally:
        umount(mnt)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("SKIP: needs root to mount a tmpfs")
        return rc.SKIP
    work = tempfile.mkdtemp(prefix="minga-disk-")
    mnt = os.path.join(work, "mnt")
    os.mkdir(mnt)
    ok, err = mount_tmpfs(mnt, "3m")
    if not ok:
        print("SKIP: mounting a tmpfs is not permitted here: " + err)
        os.rmdir(mnt)
        os.rmdir(work)
        return rc.SKIP
    umount(mnt)
    failed = []
    try:
        for part in (full_disk, read_only):
            try:
                part(binary, mnt, work)
            except SystemExit:   # rc.fail printed why; run the other part
                failed.append(part.__name__)
                umount(mnt)
    finally:
        umount(mnt)
        subprocess.run(["rm", "-rf", "--one-file-system", work])
    if failed:
        print("FAILED parts: " + ", ".join(failed))
        return 1
    print("full disk and read-only: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
