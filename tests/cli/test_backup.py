"""cli.backup: `minga backup DEST` copies a data folder while imports go
on, as one committed generation that passes `minga check`; `minga restore
BACKUP` fills an empty data folder with a catalog identical, byte for byte
in a JSON export, to the one backed up; neither ever writes into a folder
that holds something (issue 19, part 4)."""

import glob
import hashlib
import json
import os
import subprocess
import threading

import clitest
from clitest import MingaTest


def tree_digest(root):
    """Every path under root with the sha256 of its content (None for a
    folder): what must not change when a command is refused."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            out[os.path.relpath(os.path.join(dirpath, d), root)] = None
        for f in filenames:
            p = os.path.join(dirpath, f)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, root)] = hashlib.sha256(
                    fh.read()).hexdigest()
    return out


class Backup(MingaTest):

    def setUp(self):
        super().setUp()
        self.sample = os.path.join(clitest.SRC, "data", "sample")
        self.sample_files = sorted(glob.glob(os.path.join(self.sample,
                                                          "*.json")))
        self.assertGreaterEqual(len(self.sample_files), 30)
        self.cases = []
        for path in self.sample_files:
            with open(path, encoding="utf-8") as f:
                self.cases.append(json.load(f))
        # the sample, plus one case with a report whose text is searchable
        # only through the attachment (its bytes live in the catalog)
        self.import_ok(self.sample)
        report_case = dict(self.cases[0], id="backup-report-case",
                           attachments=["report.txt"])
        self.write_json("with-report/case.json", report_case)
        self.write("with-report/report.txt",
                   "Informe final: la palabra zarzaparrilla solo está "
                   "aquí.\n")
        self.import_ok(self.path("with-report", "case.json"))

    # helpers

    def export_json(self, data=None):
        """The whole catalog as the JSON exporter writes it (bytes)."""
        r = subprocess.run([clitest.MINGA, "--data", data or self.data,
                            "export", "--format", "json"],
                           capture_output=True, env=self.env, timeout=300)
        self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        return r.stdout

    def generation(self, data=None):
        return self.stats(data=data)["generation"]

    def backup(self, dest, data=None):
        r = self.ok("backup", dest, "--json", data=data)
        return json.loads(r.stdout)

    def assert_checks(self, data):
        r = self.ok("check", "--json", data=data)
        report = json.loads(r.stdout)
        self.assertTrue(report["consistent"], report)
        self.assertFalse(report["recovered_interrupted_write"], report)
        self.assertEqual(report["generation_catalog"],
                         report["generation_index"])
        return report

    def assert_no_partial_folders(self, parent):
        left = [n for n in os.listdir(parent) if ".partial-" in n]
        self.assertEqual(left, [], "temporary folders left in %s" % parent)

    # backup

    def test_backup_is_a_data_folder_that_passes_check(self):
        dest = os.path.join(self.tmp, "backup")
        rep = self.backup(dest)
        n_cases = len(self.cases) + 1
        self.assertEqual(rep["cases"], n_cases)
        self.assertEqual(rep["generation"], self.generation())
        self.assertEqual(rep["dest"], dest)
        self.assertGreater(rep["bytes"], 0)
        self.assertGreaterEqual(rep["seconds"], 0)
        check = self.assert_checks(dest)
        self.assertEqual(check["cases"], n_cases)
        self.assertEqual(check["indexed"], n_cases)
        self.assert_no_partial_folders(self.tmp)

    def test_backup_exports_byte_for_byte_as_the_source(self):
        dest = os.path.join(self.tmp, "backup")
        self.backup(dest)
        self.assertEqual(self.export_json(dest), self.export_json())
        for c in self.cases[:5] + [{"id": "backup-report-case"}]:
            self.assertEqual(self.show(c["id"], data=dest),
                             self.show(c["id"]), c["id"])
        # the report's text came along, and the rebuilt index has it
        self.assertEqual(self.search_ids("zarzaparrilla", data=dest),
                         ["backup-report-case"])

    def test_backup_into_an_empty_folder_is_allowed(self):
        dest = os.path.join(self.tmp, "empty")
        os.mkdir(dest)
        rep = self.backup(dest)
        self.assertEqual(rep["cases"], len(self.cases) + 1)
        self.assert_checks(dest)

    def test_backup_into_a_folder_holding_something_fails_untouched(self):
        dest = os.path.join(self.tmp, "busy")
        os.mkdir(dest)
        with open(os.path.join(dest, "notes.txt"), "w") as f:
            f.write("keep me\n")
        before = tree_digest(dest)
        r = self.minga("backup", dest)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not empty", r.stderr)
        self.assertEqual(tree_digest(dest), before)
        self.assert_no_partial_folders(self.tmp)

    def test_backup_onto_a_file_or_into_a_missing_parent_fails(self):
        f = self.write("a-file", "x")
        r = self.minga("backup", f)
        self.assertEqual(r.returncode, 1, r.stderr)
        with open(f) as fh:
            self.assertEqual(fh.read(), "x")
        r = self.minga("backup", os.path.join(self.tmp, "no", "such"))
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "no")))

    def test_backup_needs_a_destination(self):
        r = self.minga("backup")
        self.assertEqual(r.returncode, 2, r.stderr)

    def test_backup_during_a_stream_of_imports_holds_one_generation(self):
        """A writer imports changed and new cases in a loop, recording the
        exact export at every generation it commits; backups taken
        meanwhile must each export byte for byte as one of those."""
        n_imports = 25
        recorded = {self.generation(): self.export_json()}
        errors = []
        done = threading.Event()

        def writer():
            try:
                for i in range(n_imports):
                    batch = []
                    for k, c in enumerate(self.cases[:6]):
                        batch.append(dict(c, title="%s (edición %d)"
                                          % (c["title"], i)))
                    batch.append(dict(self.cases[i % len(self.cases)],
                                      id="stream-case-%03d" % i))
                    path = self.write_json("stream/batch-%03d.json" % i,
                                           batch)
                    r = self.minga("import", path)
                    if r.returncode != 0:
                        errors.append(r.stderr)
                        return
                    # the only writer: nothing changes until the next
                    # import, so these two reads see the same generation
                    recorded[self.generation()] = self.export_json()
            except Exception as e:   # reported by the main thread
                errors.append(repr(e))
            finally:
                done.set()

        t = threading.Thread(target=writer)
        t.start()
        backups = []
        try:
            while not done.is_set() and len(backups) < 100:
                dest = os.path.join(self.tmp, "bk-%03d" % len(backups))
                r = self.minga("backup", dest, "--json")
                self.assertEqual(r.returncode, 0, r.stderr)
                backups.append((dest, json.loads(r.stdout)))
        finally:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(recorded), n_imports + 1)
        first, last = min(recorded), max(recorded)
        during = set()
        for dest, rep in backups:
            gen = rep["generation"]
            self.assertIn(gen, recorded, "backup %s" % dest)
            self.assertEqual(self.generation(data=dest), gen)
            self.assert_checks(dest)
            self.assertEqual(self.export_json(dest), recorded[gen],
                             "backup %s is not generation %d" % (dest, gen))
            if first < gen < last:
                during.add(gen)
        # the point of the test: backups were taken while imports ran
        self.assertGreaterEqual(len(during), 2,
                                "generations %s" % [r["generation"]
                                                    for _, r in backups])
        self.assert_no_partial_folders(self.tmp)

    # restore

    def test_restore_into_an_empty_folder_reproduces_the_catalog(self):
        dest = os.path.join(self.tmp, "backup")
        self.backup(dest)
        restored = os.path.join(self.tmp, "restored")
        os.mkdir(restored)
        r = self.ok("restore", dest, "--json", data=restored)
        rep = json.loads(r.stdout)
        self.assertEqual(rep["cases"], len(self.cases) + 1)
        self.assertEqual(rep["generation"], self.generation())
        self.assertTrue(rep["check"]["consistent"])
        self.assertEqual(self.export_json(restored), self.export_json())
        self.assertEqual(self.generation(data=restored), self.generation())
        self.assert_checks(restored)
        self.assertEqual(self.search_ids("zarzaparrilla", data=restored),
                         ["backup-report-case"])
        # the history came along too
        self.assertEqual(self.minga("history", "backup-report-case",
                                    "--json", data=restored).stdout,
                         self.minga("history", "backup-report-case",
                                    "--json").stdout)

    def test_backup_and_restore_keep_the_shard_count(self):
        # a count other than the default, set by reindex --shards
        self.ok("reindex", "--shards", "3")
        self.assertEqual(self.assert_checks(self.data)["shards"], 3)
        before = self.minga("search", "--json", "zarzaparrilla").stdout
        dest = os.path.join(self.tmp, "backup")
        self.backup(dest)
        self.assertEqual(self.assert_checks(dest)["shards"], 3)
        # then back into one shard, and restored from the 3-shard backup
        self.ok("reindex", "--shards", "1", data=dest)
        self.assertEqual(self.assert_checks(dest)["shards"], 1)
        restored = os.path.join(self.tmp, "restored")
        self.ok("restore", dest, data=restored)
        self.assertEqual(self.assert_checks(restored)["shards"], 1)
        self.assertEqual(
            self.minga("search", "--json", "zarzaparrilla",
                       data=restored).stdout.replace(restored, ""),
            before.replace(self.data, ""))

    def test_restore_into_a_missing_folder_creates_it(self):
        dest = os.path.join(self.tmp, "backup")
        self.backup(dest)
        restored = os.path.join(self.tmp, "new-data")
        r = self.ok("restore", dest, data=restored)
        self.assertIn("restored", r.stdout)
        self.assertEqual(self.export_json(restored), self.export_json())
        self.assert_no_partial_folders(self.tmp)

    def test_restore_into_a_data_folder_fails_and_leaves_it_untouched(self):
        dest = os.path.join(self.tmp, "backup")
        self.backup(dest)
        other = os.path.join(self.tmp, "other")
        self.ok("init", data=other)
        self.import_ok(self.sample_files[0], data=other)
        before = tree_digest(other)
        r = self.minga("restore", dest, data=other)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn("not empty", r.stderr)
        self.assertEqual(tree_digest(other), before)
        self.assert_no_partial_folders(self.tmp)
        # nor into the folder the backup came from
        before = tree_digest(self.data)
        r = self.minga("restore", dest)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertEqual(tree_digest(self.data), before)


if __name__ == "__main__":
    clitest.main()
