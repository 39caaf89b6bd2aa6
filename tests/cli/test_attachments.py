"""cli.attachments: documents named by a case are read from the case file's
folder (or the same archive), their text is searchable with the case, and
a named attachment that is missing, or that leads outside the folder, is
an error naming attachments[N]."""

import os
import zipfile

import clitest
from clitest import BOGOTA, ROSARIO, MingaTest, case, json_text, line_of

# Text that appears only in the attachment, never in the case's fields.
REPORT = ("Informe anual del Programa de Agricultura Urbana.\n"
          "La feria de la Plaza Montenegro reúne cada sábado a las "
          "huerteras y huerteros de los parques huerta.\n")
PHRASE = '"plaza montenegro"'


class Attachments(MingaTest):

    def rosario_with(self, *paths):
        return case(ROSARIO, attachments=list(paths))

    def test_attachment_text_from_disk_is_searchable(self):
        self.write_json("casos/rosario.json",
                        self.rosario_with("attachments/report.txt"))
        self.write("casos/attachments/report.txt", REPORT)
        self.assertNotIn("Montenegro", json_text(ROSARIO))
        self.import_ok(os.path.join("casos", "rosario.json"))
        self.assertEqual(self.search_ids(PHRASE), [ROSARIO["id"]])
        self.assertEqual(self.show(ROSARIO["id"])["attachments"],
                         ["attachments/report.txt"])
        self.assertGreaterEqual(self.stats().get("attachments", 1), 1)

    def test_attachment_is_relative_to_the_case_file_not_the_cwd(self):
        self.write_json("a/b/rosario.json", self.rosario_with("report.txt"))
        self.write("a/b/report.txt", REPORT)
        self.write("report.txt", "otro texto sin la frase")
        self.import_ok(os.path.join(self.tmp, "a", "b", "rosario.json"))
        self.assertEqual(self.search_ids(PHRASE), [ROSARIO["id"]])

    def test_missing_attachment_is_an_error_naming_the_item(self):
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        c = self.rosario_with("attachments/report.txt",
                              "attachments/fotos.pdf")
        text = json_text(c)
        self.write("rosario.json", text)
        self.write("attachments/report.txt", REPORT)
        r = self.minga("import", "rosario.json")
        self.assertEqual(r.returncode, 1)
        self.assert_error_line(r.stderr, "rosario.json", "attachments[1]",
                               line_of(text, "attachments", 1))
        self.assertIsNone(self.show(ROSARIO["id"]))
        self.assertEqual(self.search_ids(PHRASE), [])
        self.assertEqual(self.stats()["cases"], 1)

    def test_missing_first_attachment_names_attachments_0(self):
        text = json_text(self.rosario_with("attachments/report.txt"))
        self.write("rosario.json", text)
        r = self.minga("import", "rosario.json")
        self.assertEqual(r.returncode, 1)
        self.assert_error_line(r.stderr, "rosario.json", "attachments[0]",
                               line_of(text, "attachments", 0))

    def test_attachment_through_a_link_out_of_the_folder_is_refused(self):
        self.write("secret/report.txt", REPORT)
        self.write_json("casos/rosario.json",
                        self.rosario_with("attachments/report.txt"))
        os.makedirs(self.path("casos", "attachments"))
        os.symlink(self.path("secret", "report.txt"),
                   self.path("casos", "attachments", "report.txt"))
        r = self.minga("import", os.path.join("casos", "rosario.json"))
        self.assertEqual(r.returncode, 1)
        self.assert_error_line(r.stderr, os.path.join("casos", "rosario.json"),
                               "attachments[0]")
        self.assertIsNone(self.show(ROSARIO["id"]))

    def test_attachment_inside_an_archive_is_searchable(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            z.writestr("cases/rosario.json",
                       json_text(self.rosario_with("docs/informe.txt")))
            z.writestr("cases/docs/informe.txt", REPORT)
            z.writestr("cases/bogota.json", json_text(BOGOTA))
        self.import_ok("pack.zip")
        self.assertEqual(self.search_ids(PHRASE), [ROSARIO["id"]])
        self.assertEqual(self.show(ROSARIO["id"])["attachments"],
                         ["docs/informe.txt"])
        # the case waited for the end of the archive without its summary in
        # memory: it was indexed with it all the same
        self.assertEqual(self.search_ids('"terrenos vacantes"'),
                         [ROSARIO["id"]])
        self.assertEqual(self.show(ROSARIO["id"])["summary"],
                         ROSARIO["summary"])

    def test_attachment_missing_from_an_archive_is_an_error(self):
        text = json_text(self.rosario_with("docs/informe.txt"))
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/rosario.json", text)
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr("informe.txt", REPORT)     # not where it was named
        r = self.minga("import", "pack.zip")
        self.assertEqual(r.returncode, 1)
        self.assert_error_line(r.stderr, "pack.zip!cases/rosario.json",
                               "attachments[0]",
                               line_of(text, "attachments", 0))
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_show_lists_attachment_paths_as_declared(self):
        self.write_json("rosario.json", self.rosario_with("report.txt"))
        self.write("report.txt", REPORT)
        self.import_ok("rosario.json")
        got = self.show(ROSARIO["id"])
        self.assertEqual(clitest.without_times(got),
                         clitest.canonical(self.rosario_with("report.txt")))


if __name__ == "__main__":
    clitest.main()
