"""cli.compact: `minga compact` swaps a compacted copy of the index in
atomically (issue 24, part 2): the index does not grow, every search
answers the same before and after (ids, order, scores, facet counts), a
server searching all along gets no error and no empty answer, a SIGKILL
at any point leaves an index that `minga check` finds clean and that
answers the same, imports go on after it, and a folder of the layout
before compaction (shard0, no compaction number) opens and is migrated
by the first compaction."""

import glob
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

import clitest
from clitest import MingaTest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "reliability"))

QUERIES = [
    [], ["agua"], ["participatory", "budgeting"], ["presupuesto"],
    ["transporte", "público"], ["sdg:11"], ["reciclaje", "lang:es"],
    ["generated"], ["generated", "sdg:6"], ['"urban agriculture"'],
    ["mulher"], ["zzznomatch"],
]

WORDS = ("agua saneamiento transporte bicicleta reciclaje vivienda "
         "escuela salud energía parque barrio mercado huerta río lluvia "
         "calor árbol basura orçamento moradia saúde water housing school "
         "budget energy").split()


def layout(data):
    """(the shards file's text, the shard folders) of data's index."""
    ix = os.path.join(data, "index")
    with open(os.path.join(ix, "minga-index-shards")) as f:
        text = f.read().strip()
    return text, sorted(n for n in os.listdir(ix) if n.startswith("shard"))


def index_bytes(data):
    ix = os.path.join(data, "index")
    total = 0
    for d, _, files in os.walk(ix):
        if os.path.basename(d).startswith("spelling"):
            continue
        total += sum(os.path.getsize(os.path.join(d, f)) for f in files)
    return total


def comparable(answer):
    """A search answer without what may differ between two runs."""
    if isinstance(answer, dict):
        return {k: comparable(v) for k, v in answer.items()
                if k not in ("took_ms", "ms", "seconds", "elapsed_ms")}
    if isinstance(answer, list):
        return [comparable(v) for v in answer]
    return answer


class Compact(MingaTest):

    def setUp(self):
        super().setUp()
        sample = os.path.join(clitest.SRC, "data", "sample")
        files = sorted(glob.glob(os.path.join(sample, "*.json")))
        self.assertGreaterEqual(len(files), 30)
        with open(files[0], encoding="utf-8") as f:
            self.base = json.load(f)
        self.import_ok(sample)
        # a generated batch, imported in two steps and partly replaced, so
        # the index holds free space a compaction can take back
        rnd = random.Random(24)
        lines = []
        for i in range(400):
            text = " ".join(rnd.choice(WORDS) for _ in range(60))
            c = dict(self.base, id="gen-%04d" % i,
                     title="Generated case %d %s" % (i, rnd.choice(WORDS)),
                     summary="generated " + text[:200],
                     sdg_goals=[rnd.randint(1, 17)])
            c.pop("sdg_targets", None)
            c.pop("attachments", None)
            lines.append(json.dumps(c, ensure_ascii=False))
        self.write("batch1.jsonl", "\n".join(lines[:250]) + "\n")
        self.write("batch2.jsonl", "\n".join(lines[150:]) + "\n")
        self.import_ok(self.path("batch1.jsonl"))
        self.import_ok(self.path("batch2.jsonl"))

    def answers(self, data=None):
        out = []
        for q in QUERIES:
            r = self.ok("search", "--json", "--limit", "50", *q, data=data)
            out.append(comparable(json.loads(r.stdout)))
        return out

    def compact(self, data=None):
        r = self.minga("compact", data=data)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r

    def assert_checks(self, data=None):
        r = self.ok("check", "--json", data=data)
        report = json.loads(r.stdout)
        self.assertTrue(report["consistent"], report)
        self.assertEqual(report["generation_catalog"],
                         report["generation_index"])
        return report

    def test_compact_keeps_answers_and_does_not_grow(self):
        before = self.answers()
        self.assertTrue(any(a["results"] for a in before))
        self.assertTrue(any(a.get("facets") for a in before))
        size_before = index_bytes(self.data)
        text, dirs = layout(self.data)
        self.assertEqual(dirs, ["shard0"])
        r = self.compact()
        self.assertIn("compacted the index", r.stdout)
        text, dirs = layout(self.data)
        self.assertEqual(text, "minga-index-shards 1 1")
        self.assertEqual(dirs, ["shard0.c1"])   # the old one removed
        self.assertLessEqual(index_bytes(self.data), size_before)
        self.assertEqual(self.answers(), before)
        self.assert_checks()
        # again: the next number, still the same answers
        self.compact()
        self.assertEqual(layout(self.data),
                         ("minga-index-shards 1 2", ["shard0.c2"]))
        self.assertEqual(self.answers(), before)

    def test_import_after_compaction_is_searchable(self):
        self.compact()
        c = dict(self.base, id="after-compact", title="Zarzaparrilla plaza")
        c.pop("attachments", None)
        self.write_json("after/case.json", c)
        self.import_ok(self.path("after", "case.json"))
        self.assertEqual(self.search_ids("zarzaparrilla"), ["after-compact"])
        self.assert_checks()
        self.compact()
        self.assertEqual(self.search_ids("zarzaparrilla"), ["after-compact"])

    def generated(self, name, first, n):
        rnd = random.Random(first)
        lines = []
        for i in range(first, first + n):
            text = " ".join(rnd.choice(WORDS) for _ in range(40))
            c = dict(self.base, id="big-%04d" % i, title="Large import %d" % i,
                     summary="generated " + text)
            c.pop("sdg_targets", None)
            c.pop("attachments", None)
            lines.append(json.dumps(c, ensure_ascii=False))
        return self.write(name, "\n".join(lines) + "\n")

    def test_a_large_import_compacts_after_its_commit(self):
        env = dict(self.env, MINGA_COMPACT_AFTER_CASES="100")
        n_before = self.stats()["cases"]
        before = self.answers()
        self.assertTrue(before[QUERIES.index(["mulher"])]["results"])
        # 300 new cases: over the minimum and over a quarter of the catalog
        r = self.ok("import", self.generated("big1.jsonl", 0, 300), env=env)
        self.assertIn("the index compacted from", r.stdout + r.stderr)
        self.assertEqual(layout(self.data),
                         ("minga-index-shards 1 1", ["shard0.c1"]))
        self.assert_checks()
        self.assertEqual(self.stats()["cases"], n_before + 300)
        self.assertIn("big-0007", self.search_ids("large", "import", "7"))
        self.assertEqual(self.search_ids("mulher"),
                         [h["id"] for h in before[QUERIES.index(["mulher"])]
                          ["results"]])
        # 120 more: over the minimum, under a quarter of 735 cases
        r = self.ok("import", self.generated("big2.jsonl", 300, 120), env=env)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assertEqual(layout(self.data)[1], ["shard0.c1"])
        # 0: never after an import
        env0 = dict(self.env, MINGA_COMPACT_AFTER_CASES="0")
        r = self.ok("import", self.generated("big3.jsonl", 420, 900), env=env0)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assertEqual(layout(self.data)[1], ["shard0.c1"])
        # a dry run writes nothing, so compacts nothing
        r = self.ok("import", "--dry-run", "--force",
                    self.generated("big4.jsonl", 2000, 900), env=env)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assert_checks()

    def test_reindex_compacts_and_check_is_clean(self):
        before = self.answers()
        self.ok("reindex")
        text, dirs = layout(self.data)
        self.assertEqual(text, "minga-index-shards 1 1")
        self.assertEqual(dirs, ["shard0.c1"])
        self.assert_checks()
        ids = lambda a: [h["id"] for h in a["results"]]
        self.assertEqual([ids(a) for a in self.answers()],
                         [ids(a) for a in before])

    def test_old_layout_folder_opens_and_migrates(self):
        # the layout every folder had before compaction existed
        old = os.path.join(self.tmp, "old")
        shutil.copytree(self.data, old)
        self.assertEqual(layout(old),
                         ("minga-index-shards 1", ["shard0"]))
        before = self.answers(data=old)
        self.assert_checks(old)
        self.compact(data=old)
        self.assertEqual(layout(old),
                         ("minga-index-shards 1 1", ["shard0.c1"]))
        self.assertEqual(self.answers(data=old), before)

    def test_sigkill_at_any_point_leaves_a_clean_index(self):
        before = self.answers()
        t0 = time.time()
        self.compact()
        took = time.time() - t0
        rnd = random.Random(7)
        for i in range(8):
            p = subprocess.Popen([clitest.MINGA, "--data", self.data,
                                  "compact"], env=self.env,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            time.sleep(rnd.uniform(0, took * 1.2))
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
            self.assert_checks()
            self.assertEqual(self.answers(), before, "after kill %d" % i)
        # a compaction after them leaves only the folders it names
        self.compact()
        text, dirs = layout(self.data)
        self.assertEqual(len(dirs), 1)
        self.assertEqual(dirs[0], "shard0.c" + text.split()[-1])
        self.assertEqual(self.answers(), before)

    def test_server_answers_all_through_compaction(self):
        from relcommon import Server
        srv = Server(clitest.MINGA, self.data)
        self.assertTrue(srv.start(), "the server did not start")
        self.addCleanup(srv.stop)
        base = "http://127.0.0.1:%d/api/search?" % srv.port

        def get(q):
            url = base + urllib.parse.urlencode({"q": q, "per_page": "20"})
            with urllib.request.urlopen(url, timeout=30) as r:
                return r.status, json.loads(r.read())

        expect = {q: [h["id"] for h in get(q)[1]["results"]]
                  for q in ("agua", "generated", "presupuesto")}
        for q, ids in expect.items():
            self.assertTrue(ids, q)
        errors, counts = [], [0]
        stop = threading.Event()

        def loop():
            while not stop.is_set():
                for q, ids in expect.items():
                    try:
                        status, body = get(q)
                        got = [h["id"] for h in body["results"]]
                        if status != 200 or got != ids:
                            errors.append((q, status, got))
                    except Exception as e:   # noqa: BLE001
                        errors.append((q, repr(e)))
                    counts[0] += 1

        th = threading.Thread(target=loop)
        th.start()
        try:
            for _ in range(3):
                self.compact()
            time.sleep(0.3)
        finally:
            stop.set()
            th.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertGreater(counts[0], 10)
        # the server now reads the compacted folders
        for q, ids in expect.items():
            self.assertEqual([h["id"] for h in get(q)[1]["results"]], ids)


if __name__ == "__main__":
    clitest.main()
