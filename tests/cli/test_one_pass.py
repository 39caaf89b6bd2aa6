"""cli.one_pass: one import reports every error of every file at once
(issue 20). A missing attachment used to come out only once the field
errors of another file were fixed: attachments were looked for only while
no error had been met. Now they are checked after errors too, in archives
and on disk, in real imports and dry runs, while nothing is written when
any error exists."""

import os
import zipfile

import clitest
from clitest import BOGOTA, PORTO_ALEGRE, ROSARIO, MingaTest, case, \
    json_text, line_of

REPORT = "Informe anual del Programa de Agricultura Urbana.\n"


class OnePass(MingaTest):

    def broken_files(self):
        """A bad goal in one case file (Porto Alegre), a missing
        attachment in the next (Rosario), with nothing else wrong."""
        bad = json_text(case(PORTO_ALEGRE, sdg_goals=[16, 18]))
        missing = json_text(case(ROSARIO, attachments=["anexos/informe.pdf"]))
        return bad, missing

    def assert_both_reported(self, stderr, prefix, bad, missing):
        self.assert_error_line(stderr, prefix + "01-porto-alegre.json",
                               "sdg_goals[1]",
                               line_of(bad, "sdg_goals", 1), "18")
        self.assert_error_line(stderr, prefix + "02-rosario.json",
                               "attachments[0]",
                               line_of(missing, "attachments", 0),
                               "informe.pdf")
        self.assertIn("2 errors", stderr)

    def assert_nothing_written(self):
        self.assertEqual(self.stats()["cases"], 1)
        self.assertIsNone(self.show(PORTO_ALEGRE["id"]))
        self.assertIsNone(self.show(ROSARIO["id"]))

    def setUp(self):
        super().setUp()
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")

    def test_archive_reports_field_error_and_missing_attachment(self):
        bad, missing = self.broken_files()
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/01-porto-alegre.json", bad)
            z.writestr("cases/02-rosario.json", missing)
        r = self.minga("import", "pack.zip")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assert_both_reported(r.stderr, "pack.zip!cases/", bad, missing)
        self.assert_nothing_written()

    def test_missing_attachment_before_the_bad_file_too(self):
        # the order does not matter: the attachment is checked at the end
        # of the archive, the bad field as its file is read
        bad, missing = self.broken_files()
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/02-rosario.json", missing)
            z.writestr("cases/01-porto-alegre.json", bad)
        r = self.minga("import", "pack.zip")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assert_both_reported(r.stderr, "pack.zip!cases/", bad, missing)
        self.assert_nothing_written()

    def test_folder_on_disk_reports_both(self):
        bad, missing = self.broken_files()
        self.write("casos/01-porto-alegre.json", bad)
        self.write("casos/02-rosario.json", missing)
        r = self.minga("import", "casos")
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assert_both_reported(r.stderr, "casos/", bad, missing)
        self.assert_nothing_written()

    def test_dry_run_reports_the_same(self):
        bad, missing = self.broken_files()
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/01-porto-alegre.json", bad)
            z.writestr("cases/02-rosario.json", missing)
        real = self.minga("import", "pack.zip")
        dry = self.minga("import", "--dry-run", "pack.zip")
        self.assertEqual(dry.returncode, 1, dry.stderr)
        self.assert_both_reported(dry.stderr, "pack.zip!cases/", bad,
                                  missing)
        self.assertEqual([l for l in real.stderr.splitlines()
                          if ": error: " in l],
                         [l for l in dry.stderr.splitlines()
                          if ": error: " in l])
        self.assert_nothing_written()

    def test_a_good_attachment_after_an_error_is_not_an_error(self):
        # a case whose attachment is there stays clean after an error
        bad, _ = self.broken_files()
        good = json_text(case(ROSARIO, attachments=["anexos/informe.txt"]))
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/01-porto-alegre.json", bad)
            z.writestr("cases/02-rosario.json", good)
            z.writestr("cases/anexos/informe.txt", REPORT)
        r = self.minga("import", "pack.zip")
        self.assertEqual(r.returncode, 1, r.stderr)
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 1, r.stderr)
        self.assertIn("01-porto-alegre.json", errors[0])
        self.assert_nothing_written()

    def test_fixed_pack_imports_with_its_attachment(self):
        # and once both are fixed the same pack imports whole
        good_pa = json_text(PORTO_ALEGRE)
        good_ro = json_text(case(ROSARIO, attachments=["anexos/informe.txt"]))
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/01-porto-alegre.json", good_pa)
            z.writestr("cases/02-rosario.json", good_ro)
            z.writestr("cases/anexos/informe.txt", REPORT)
        self.import_ok("pack.zip")
        self.assertEqual(self.stats()["cases"], 3)
        self.assertEqual(self.show(ROSARIO["id"])["attachments"],
                         ["anexos/informe.txt"])
        self.assertEqual(self.search_ids('"agricultura urbana"'),
                         [ROSARIO["id"]])

    def test_more_than_20_errors_are_counted(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            for i in range(25):
                z.writestr("cases/%02d.json" % i, json_text(case(
                    ROSARIO, id="rosario-mal-%02d" % i,
                    attachments=["falta-%02d.pdf" % i])))
        r = self.minga("import", "pack.zip")
        self.assertEqual(r.returncode, 1, r.stderr)
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 20, r.stderr)
        self.assertIn("... and 5 more", r.stderr)
        self.assertEqual(self.stats()["cases"], 1)


if __name__ == "__main__":
    clitest.main()
