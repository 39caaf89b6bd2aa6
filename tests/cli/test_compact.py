"""cli.compact: `minga compact` swaps a compacted copy of the index in
atomically (issue 24, part 2): the index does not grow, every search
answers the same before and after (ids, order, scores, facet counts), a
server searching all along gets no error and no empty answer, a SIGKILL
at any point leaves an index that `minga check` finds clean and that
answers the same, imports go on after it, and a folder of the layout
before compaction (shard0, no compaction number) opens and is migrated
by the first compaction. `minga reindex --shards N` (issue 24, part 1)
builds a layout of N shards beside the live one and swaps it in the
same way: the same answers with 1, 2 and 3 shards, a server searching
all along, and a SIGKILL leaving the old layout. A new data folder gets
one shard per two cores, 1 to 4 (MINGA_INDEX_SHARDS when set)."""

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


def default_shards(env):
    """The shard count a new data folder gets (index/mindex.cc)."""
    if env.get("MINGA_INDEX_SHARDS"):
        return int(env["MINGA_INDEX_SHARDS"])
    return max(1, min((os.cpu_count() or 1) // 2, 4))


def named(n, compaction):
    """What layout() reads for n shards under a compaction number."""
    return ("minga-index-shards %d %d" % (n, compaction),
            ["shard%d.c%d" % (i, compaction) for i in range(n)])


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
        self.n = default_shards(self.env)
        # shard0 .. shardN-1, no compaction number yet
        self.assertEqual(layout(self.data),
                         ("minga-index-shards %d" % self.n,
                          ["shard%d" % i for i in range(self.n)]))

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
        r = self.compact()
        self.assertIn("compacted the index", r.stdout)
        # the old ones removed
        self.assertEqual(layout(self.data), named(self.n, 1))
        self.assertLessEqual(index_bytes(self.data), size_before)
        self.assertEqual(self.answers(), before)
        self.assert_checks()
        # again: the next number, still the same answers
        self.compact()
        self.assertEqual(layout(self.data), named(self.n, 2))
        self.assertEqual(self.answers(), before)

    def import_one_and_find_it(self, case_id):
        c = dict(self.base, id=case_id, title="Zarzaparrilla plaza")
        c.pop("attachments", None)
        self.write_json("after/case.json", c)
        self.import_ok(self.path("after", "case.json"))
        self.assertEqual(self.search_ids("zarzaparrilla"), [case_id])

    def test_import_after_compaction_is_searchable(self):
        self.compact()
        self.import_one_and_find_it("after-compact")
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
        self.assertEqual(layout(self.data), named(self.n, 1))
        self.assert_checks()
        self.assertEqual(self.stats()["cases"], n_before + 300)
        self.assertIn("big-0007", self.search_ids("large", "import", "7"))
        self.assertEqual(self.search_ids("mulher"),
                         [h["id"] for h in before[QUERIES.index(["mulher"])]
                          ["results"]])
        # 120 more: over the minimum, under a quarter of 735 cases
        r = self.ok("import", self.generated("big2.jsonl", 300, 120), env=env)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assertEqual(layout(self.data), named(self.n, 1))
        # 0: never after an import
        env0 = dict(self.env, MINGA_COMPACT_AFTER_CASES="0")
        r = self.ok("import", self.generated("big3.jsonl", 420, 900), env=env0)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assertEqual(layout(self.data), named(self.n, 1))
        # a dry run writes nothing, so compacts nothing
        r = self.ok("import", "--dry-run", "--force",
                    self.generated("big4.jsonl", 2000, 900), env=env)
        self.assertNotIn("compacted", r.stdout + r.stderr)
        self.assert_checks()

    def test_reindex_compacts_and_check_is_clean(self):
        before = self.answers()
        self.ok("reindex")
        self.assertEqual(layout(self.data), named(self.n, 1))
        self.assert_checks()
        ids = lambda a: [h["id"] for h in a["results"]]
        self.assertEqual([ids(a) for a in self.answers()],
                         [ids(a) for a in before])

    def test_old_layout_folder_opens_and_migrates(self):
        # the layout every folder had before compaction existed
        old = os.path.join(self.tmp, "old")
        shutil.copytree(self.data, old)
        before = self.answers(data=old)
        self.assert_checks(old)
        self.compact(data=old)
        self.assertEqual(layout(old), named(self.n, 1))
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
        self.assertEqual((text, dirs), named(self.n, int(text.split()[-1])))
        self.assertEqual(self.answers(), before)

    def search_all_through(self, action):
        """Runs action() while a server answers searches in a loop; every
        answer must be the one it gave before, and the server must read
        the new layout after."""
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
            action()
            time.sleep(0.3)
        finally:
            stop.set()
            th.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertGreater(counts[0], 10)
        for q, ids in expect.items():
            self.assertEqual([h["id"] for h in get(q)[1]["results"]], ids)

    def test_server_answers_all_through_compaction(self):
        def compact_thrice():
            for _ in range(3):
                self.compact()
        self.search_all_through(compact_thrice)

    # -- reindex --shards N: a new layout swapped in -------------------

    def reshard(self, n, data=None):
        r = self.ok("reindex", "--shards", str(n), data=data)
        self.assertIn("into %d shard" % n, r.stdout)
        return r

    def test_reshard_keeps_every_answer(self):
        before = self.answers()
        compaction = 0
        for n in (1, 3, 2, 1):
            self.reshard(n)
            # built at the next number, swapped in, then compacted at the
            # one after; every other folder gone
            compaction += 2
            self.assertEqual(layout(self.data), named(n, compaction))
            self.assert_checks()
            # ids, order, scores, totals, facets: the shards are searched
            # as one database
            self.assertEqual(self.answers(), before, "with %d shards" % n)
        # imports, compaction and a plain reindex keep the new count
        self.import_one_and_find_it("after-reshard")
        self.compact()
        self.ok("reindex")
        self.assertEqual(layout(self.data)[1],
                         named(1, compaction + 2)[1])
        self.assert_checks()

    def test_reshard_refuses_bad_counts(self):
        for bad in ("0", "65", "two", ""):
            r = self.minga("reindex", "--shards", bad)
            self.assertEqual(r.returncode, 2, (bad, r.stderr))
            self.assertIn("--shards", r.stderr)
        r = self.minga("reindex", "--shards")
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.minga("reindex", "extra")
        self.assertEqual(r.returncode, 2, r.stderr)
        # nothing changed
        self.assertEqual(layout(self.data)[0],
                         "minga-index-shards %d" % self.n)

    def test_server_answers_all_through_resharding(self):
        def reshard_twice():
            self.reshard(3)
            self.reshard(self.n)
        self.search_all_through(reshard_twice)
        self.assertEqual(layout(self.data), named(self.n, 4))

    def test_sigkill_during_resharding_keeps_the_old_layout(self):
        before = self.answers()
        self.compact()
        old = layout(self.data)
        t0 = time.time()
        self.reshard(3)
        took = time.time() - t0
        self.reshard(self.n)   # back, at compaction 5
        old = layout(self.data)
        self.assertEqual(old, named(self.n, 5))
        rnd = random.Random(11)
        for i in range(6):
            p = subprocess.Popen([clitest.MINGA, "--data", self.data,
                                  "reindex", "--shards", "3"], env=self.env,
                                 stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            # the first part: the rebuild, before the swap
            time.sleep(rnd.uniform(0, took * 0.6))
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=60)
            text, dirs = layout(self.data)
            self.assert_checks()
            self.assertEqual(self.answers(), before, "after kill %d" % i)
            if text == old[0]:
                # killed before the swap: the old shards, and at most the
                # new ones' half-built folders beside them
                self.assertTrue(set(old[1]) <= set(dirs), dirs)
            else:
                # killed after it: three shards, complete
                self.assertEqual(text.split()[1], "3")
            old = layout(self.data)
        # a compaction removes whatever a kill left unnamed
        self.compact()
        text, dirs = layout(self.data)
        self.assertEqual((text, dirs),
                         named(int(text.split()[1]), int(text.split()[2])))
        self.assertEqual(self.answers(), before)


if __name__ == "__main__":
    clitest.main()
