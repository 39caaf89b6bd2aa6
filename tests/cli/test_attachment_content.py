"""cli.attachment_content: an attachment's content (its bytes and its
extracted text) is stored once however many cases name it (issue 18,
finding 5: 60 cases naming one 4 MiB text stored 60 copies of it); every
case still shows, exports and finds its attachment; content goes when the
last case naming it goes; and an import whose attachments give more text
than --max-attachment-text is refused, naming the file and the limit,
with nothing written.

The copies are counted in catalog.db with Python's sqlite3 (read only):
the catalog keeps one row per distinct content in `blobs` and
`attachment_texts`, and small per-case rows in `attachments`."""

import json
import os
import sqlite3
import zipfile

import clitest
from clitest import BOGOTA, ROSARIO, MingaTest, case, json_text

N_CASES = 12
# Text of about 200 KB found only in the attachment; the phrase is rare.
REPORT = ("Informe del programa. La feria de la Plaza Montenegro reúne "
          "cada sábado a las huerteras de los parques huerta.\n") * 1800
PHRASE = '"plaza montenegro"'


def numbered(i, **changes):
    return case(ROSARIO, id="rosario-%02d" % i,
                title="Agricultura urbana en Rosario, parque %d" % i,
                **changes)


class AttachmentContent(MingaTest):

    def db_count(self, sql):
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(
            self.data, "catalog.db"), uri=True)
        try:
            return db.execute(sql).fetchone()[0]
        finally:
            db.close()

    def catalog_bytes(self):
        return sum(os.path.getsize(os.path.join(self.data, f))
                   for f in os.listdir(self.data)
                   if f.startswith("catalog.db"))

    def copies(self):
        """(contents, texts, attachment rows) in the catalog."""
        return (self.db_count("SELECT count(*) FROM blobs"),
                self.db_count("SELECT count(*) FROM attachment_texts"),
                self.db_count("SELECT count(*) FROM attachments"))

    def shared_zip(self, name="pack.zip", n=N_CASES, report=REPORT):
        with zipfile.ZipFile(self.path(name), "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("report.txt", report)
            for i in range(n):
                z.writestr("c%02d.json" % i,
                           json_text(numbered(i, attachments=["report.txt"])))
        return name

    def ids(self, n=N_CASES):
        return ["rosario-%02d" % i for i in range(n)]

    def test_cases_naming_one_attachment_store_one_copy(self):
        before = self.catalog_bytes()
        self.import_ok(self.shared_zip())
        self.assertEqual(self.copies(), (1, 1, N_CASES))
        # one copy of the bytes and one of the text (and pages, indexes):
        # far below the N_CASES copies of the text stored before
        grown = self.catalog_bytes() - before
        self.assertLess(grown, 4 * len(REPORT.encode()), grown)
        self.assertEqual(
            self.db_count("SELECT sum(length(text)) FROM attachment_texts"),
            len(REPORT))

    def test_every_case_shows_exports_and_finds_its_attachment(self):
        self.import_ok(self.shared_zip())
        for case_id in self.ids():
            self.assertEqual(self.show(case_id)["attachments"],
                             ["report.txt"])
        self.assertEqual(sorted(self.search_ids(PHRASE)), self.ids())
        out = self.path("all.jsonl")
        self.ok("export", "--format", "jsonl", "-o", out)
        with open(out, encoding="utf-8") as f:
            exported = [json.loads(line) for line in f if line.strip()]
        self.assertEqual(sorted(c["id"] for c in exported), self.ids())
        for c in exported:
            self.assertEqual(c["attachments"], ["report.txt"])

    def test_cases_from_disk_naming_one_file_store_one_copy(self):
        self.write("casos/report.txt", REPORT)
        for i in range(3):
            self.write_json("casos/c%d.json" % i,
                            numbered(i, attachments=["report.txt"]))
        self.import_ok("casos")
        self.assertEqual(self.copies(), (1, 1, 3))
        self.assertEqual(sorted(self.search_ids(PHRASE)), self.ids(3))

    def test_deleting_one_case_keeps_the_content_others_name(self):
        self.import_ok(self.shared_zip())
        self.ok("delete", "rosario-00")
        self.assertEqual(self.copies(), (1, 1, N_CASES - 1))
        self.assertEqual(self.show("rosario-01")["attachments"],
                         ["report.txt"])
        self.assertEqual(sorted(self.search_ids(PHRASE)), self.ids()[1:])

    def test_content_goes_with_the_purge_of_the_last_revision_naming_it(self):
        self.import_ok(self.shared_zip(n=2))
        self.ok("delete", "rosario-00")
        self.ok("delete", "rosario-01")
        # the deleted cases' revisions still name it (issue 19)
        self.assertEqual(self.copies(), (1, 1, 0))
        self.ok("purge", "rosario-00")
        self.assertEqual(self.copies(), (1, 1, 0))
        self.ok("purge", "rosario-01")
        self.assertEqual(self.copies(), (0, 0, 0))

    def test_update_that_drops_the_attachment_keeps_it_for_others(self):
        self.import_ok(self.shared_zip())
        self.write_json("one.json", numbered(3))
        self.import_ok("one.json")
        self.assertNotIn("attachments", self.show("rosario-03"))
        self.assertEqual(self.copies(), (1, 1, N_CASES - 1))
        self.assertEqual(self.show("rosario-04")["attachments"],
                         ["report.txt"])
        self.assertNotIn("rosario-03", self.search_ids(PHRASE))

    def test_update_to_new_content_keeps_the_old_one_for_history(self):
        self.import_ok(self.shared_zip(n=2))
        self.import_ok(self.shared_zip("v2.zip", n=2,
                                       report="Otro informe, sin feria.\n"))
        # the current cases name the new content; revision 1 the old one
        self.assertEqual(self.copies(), (2, 2, 2))
        self.assertEqual(self.search_ids(PHRASE), [])
        self.assertEqual(sorted(self.search_ids("feria")), self.ids(2))
        old = self.ok("show", "rosario-00", "--rev", "1", "--attachment",
                      "report.txt").stdout
        self.assertEqual(old, REPORT)

    def test_forced_reimport_keeps_one_copy(self):
        name = self.shared_zip()
        self.import_ok(name)
        self.import_ok("--force", name)
        self.assertEqual(self.copies(), (1, 1, N_CASES))
        self.assertEqual(sorted(self.search_ids(PHRASE)), self.ids())

    def test_a_later_import_naming_known_content_keeps_one_copy(self):
        self.import_ok(self.shared_zip(n=2))
        with zipfile.ZipFile(self.path("more.zip"), "w") as z:
            z.writestr("docs/informe.txt", REPORT)     # same bytes
            z.writestr("bogota.json", json_text(
                case(BOGOTA, attachments=["docs/informe.txt"])))
        self.import_ok("more.zip")
        self.assertEqual(self.copies(), (1, 1, 3))
        self.assertIn(BOGOTA["id"], self.search_ids(PHRASE))

    # -- the per-import budget on extracted attachment text

    def two_reports_zip(self):
        """Two cases, two distinct attachments of 600 bytes of text."""
        with zipfile.ZipFile(self.path("two.zip"), "w") as z:
            for i in range(2):
                z.writestr("r%d.txt" % i, ("%d" % i) * 600)
                z.writestr("c%d.json" % i, json_text(
                    numbered(i, attachments=["r%d.txt" % i])))
        return "two.zip"

    def test_text_over_the_budget_refuses_the_import(self):
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        before = self.snapshot(BOGOTA["id"], "rosario-00")
        r = self.minga("import", "--max-attachment-text", "1000",
                       self.two_reports_zip())
        self.assertEqual(r.returncode, 1, r.stderr)
        # whichever case's attachment crosses the limit gets the one error
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertRegex(errors[0],
                         r'^two\.zip!c([01])\.json:\d+: error: '
                         r'attachments\[0\]: "r\1\.txt": .*1000 bytes.*'
                         r'--max-attachment-text')
        self.assertEqual(self.snapshot(BOGOTA["id"], "rosario-00"), before)
        self.assertEqual(self.copies(), (0, 0, 0))

    def test_text_within_the_budget_is_imported(self):
        self.import_ok("--max-attachment-text", "1200",
                       self.two_reports_zip())
        self.assertEqual(self.copies(), (2, 2, 2))

    def test_one_content_named_many_times_is_counted_once(self):
        report = "x" * 600
        self.import_ok("--max-attachment-text", "1000",
                       self.shared_zip(report=report))
        self.assertEqual(self.copies(), (1, 1, N_CASES))

    def test_dry_run_checks_the_budget_too(self):
        r = self.minga("import", "--dry-run", "--max-attachment-text", "1000",
                       self.two_reports_zip())
        self.assertEqual(r.returncode, 1)
        self.assertIn("--max-attachment-text", r.stderr)

    def test_max_attachment_text_must_be_a_size(self):
        r = self.minga("import", "--max-attachment-text", "lots",
                       self.two_reports_zip())
        self.assertEqual(r.returncode, 2)
        self.assertEqual(self.stats()["cases"], 0)

    def test_import_help_names_the_option_and_its_default(self):
        r = self.ok("import", "--help")
        self.assertRegex(r.stdout, r"--max-attachment-text N[^-]*default 256M")


if __name__ == "__main__":
    clitest.main()
