"""cli.import_semantics: what `minga import` does with good files.

--dry-run writes nothing; a byte-identical re-import is a no-op that says
so; a changed file with the same id updates; the one-line summary
`imported N cases from M files: X new, Y updated`; every file type the
contract lists is accepted.
"""

import json
import os
import re
import tarfile
import zipfile

import clitest
from clitest import (BOGOTA, DROP, PORTO_ALEGRE, ROSARIO, MingaTest, case,
                     canonical, csv_text, json_text, markdown_text,
                     without_times)

SUMMARY_RE = (r"^imported (\d+) cases? from (\d+) files?: (\d+) new, "
              r"(\d+) updated$")


class ImportSemantics(MingaTest):

    def summary(self, stdout):
        for line in stdout.splitlines():
            m = re.match(SUMMARY_RE, line)
            if m:
                return tuple(int(x) for x in m.groups())
        self.fail("no summary line in:\n" + stdout)

    def test_import_prints_one_summary_line(self):
        self.write_json("two.json", [PORTO_ALEGRE, ROSARIO])
        self.write_json("bogota.json", BOGOTA)
        r = self.import_ok("two.json", "bogota.json")
        self.assertEqual(r.stdout.strip().splitlines(),
                         ["imported 3 cases from 2 files: 3 new, 0 updated"])
        self.assertEqual(self.stats()["cases"], 3)

    def test_import_of_one_case_uses_the_singular(self):
        self.write_json("bogota.json", BOGOTA)
        r = self.import_ok("bogota.json")
        self.assertEqual(r.stdout.strip(),
                         "imported 1 case from 1 file: 1 new, 0 updated")

    def test_dry_run_writes_nothing(self):
        self.write_json("two.json", [PORTO_ALEGRE, ROSARIO])
        r = self.import_ok("--dry-run", "two.json")
        self.assertIn("2 cases", r.stdout)
        self.assertEqual(self.stats()["cases"], 0)
        self.assertEqual(self.stats()["indexed"], 0)
        self.assertIsNone(self.show(ROSARIO["id"]))
        self.assertEqual(self.search_ids("agricultura"), [])
        # and the file is not remembered as imported
        r = self.import_ok("two.json")
        self.assertEqual(self.summary(r.stdout), (2, 1, 2, 0))

    def test_dry_run_of_an_update_changes_nothing(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        before = self.show(ROSARIO["id"])
        self.write_json("rosario.json", case(ROSARIO, year_end=2021))
        self.import_ok("--dry-run", "rosario.json")
        self.assertEqual(self.show(ROSARIO["id"]), before)

    def test_reimporting_an_identical_file_is_a_no_op_that_says_so(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        before = self.show(ROSARIO["id"])
        imports_before = self.stats().get("imports")
        r = self.import_ok("rosario.json")
        self.assertNotRegex(r.stdout, r"\b[1-9]\d* (new|updated)\b")
        out = r.stdout + r.stderr
        self.assertRegex(out, r"(?i)nothing to import|identical|unchanged")
        self.assertIn("rosario.json", out)
        self.assertEqual(self.show(ROSARIO["id"]), before)   # same times
        self.assertEqual(self.stats()["cases"], 1)
        if imports_before is not None:
            self.assertEqual(self.stats()["imports"], imports_before)

    def test_force_reimports_an_identical_file_as_an_update(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        r = self.import_ok("--force", "rosario.json")
        self.assertEqual(self.summary(r.stdout), (1, 1, 0, 1))

    def test_changed_file_with_the_same_id_updates_the_case(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        created = self.show(ROSARIO["id"])["created_at"]
        changed = case(ROSARIO, year_end=2021, tags=["huertas"])
        self.write_json("rosario.json", changed)
        r = self.import_ok("rosario.json")
        self.assertIn("0 new, 1 updated", r.stdout)
        self.assertEqual(self.summary(r.stdout), (1, 1, 0, 1))
        got = self.show(ROSARIO["id"])
        self.assertEqual(without_times(got), canonical(changed))
        self.assertEqual(got["created_at"], created)
        self.assertEqual(self.stats()["cases"], 1)

    def test_update_from_another_file_name_is_not_a_duplicate(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        self.write("rosario.csv", csv_text([case(ROSARIO, year_end=2021)]))
        r = self.import_ok("rosario.csv")
        self.assertEqual(self.summary(r.stdout), (1, 1, 0, 1))
        self.assertEqual(self.stats()["cases"], 1)
        self.assertEqual(self.show(ROSARIO["id"])["year_end"], 2021)

    def test_an_update_drops_fields_the_new_version_leaves_out(self):
        self.write_json("porto-alegre.json", PORTO_ALEGRE)
        self.import_ok("porto-alegre.json")
        shorter = case(PORTO_ALEGRE, body=DROP, region=DROP, tags=DROP)
        self.write_json("porto-alegre.json", shorter)
        self.import_ok("porto-alegre.json")
        got = self.show(PORTO_ALEGRE["id"])
        for field in ("body", "region", "tags"):
            self.assertNotIn(field, got)

    def test_update_replaces_the_indexed_text(self):
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        self.assertEqual(self.search_ids("herramientas"), [ROSARIO["id"]])
        self.write_json("rosario.json", case(
            ROSARIO, summary="La Municipalidad de Rosario apoya huertas "
            "comunitarias en terrenos vacantes desde 2002."))
        self.import_ok("rosario.json")
        self.assertEqual(self.search_ids("herramientas"), [])
        self.assertEqual(self.search_ids("comunitarias"), [ROSARIO["id"]])

    def test_missing_id_is_derived_from_city_and_title(self):
        sao_paulo = case(PORTO_ALEGRE, id=DROP, city="São Paulo",
                         region="São Paulo", year_start=2001,
                         title="Orçamento Participativo")
        self.write_json("sao-paulo.json", sao_paulo)
        self.import_ok("sao-paulo.json")
        got = self.show("sao-paulo-orcamento-participativo")
        self.assertIsNotNone(got)
        self.assertEqual(got["city"], "São Paulo")
        # the derived id is stable: a changed version updates that case
        self.write_json("sao-paulo.json", case(sao_paulo, year_end=2004))
        r = self.import_ok("sao-paulo.json")
        self.assertEqual(self.summary(r.stdout), (1, 1, 0, 1))
        self.assertEqual(self.show("sao-paulo-orcamento-participativo")
                         ["year_end"], 2004)

    def test_importing_into_a_missing_data_folder_says_to_init(self):
        self.write_json("rosario.json", ROSARIO)
        r = self.minga("import", "rosario.json",
                       data=os.path.join(self.tmp, "nowhere"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("init", r.stderr)

    def test_import_of_a_file_that_does_not_exist_fails(self):
        r = self.minga("import", "no-such-file.json")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-file.json", r.stderr)

    def test_import_json_report(self):
        self.write_json("two.json", [PORTO_ALEGRE, ROSARIO])
        r = self.import_ok("--json", "two.json")
        rep = json.loads(r.stdout)
        self.assertEqual((rep["cases"], rep["new"], rep["updated"]),
                         (2, 2, 0))

    # -- every file type of the contract

    def assert_imported(self, *cases):
        for c in cases:
            self.assertEqual(without_times(self.show(c["id"])), canonical(c))

    def test_json_array_of_cases_is_accepted(self):
        self.write_json("cases.json", [PORTO_ALEGRE, ROSARIO])
        self.import_ok("cases.json")
        self.assert_imported(PORTO_ALEGRE, ROSARIO)

    def test_json_cases_object_is_accepted(self):
        self.write_json("cases.json", {"cases": [PORTO_ALEGRE, BOGOTA]})
        self.import_ok("cases.json")
        self.assert_imported(PORTO_ALEGRE, BOGOTA)

    def test_jsonl_and_ndjson_are_accepted(self):
        self.write("a.jsonl", json.dumps(ROSARIO, ensure_ascii=False) + "\n" +
                   json.dumps(BOGOTA, ensure_ascii=False) + "\n")
        self.write("b.ndjson", json.dumps(PORTO_ALEGRE, ensure_ascii=False) +
                   "\n")
        r = self.import_ok("a.jsonl", "b.ndjson")
        self.assertEqual(self.summary(r.stdout), (3, 2, 3, 0))
        self.assert_imported(ROSARIO, BOGOTA, PORTO_ALEGRE)

    def test_csv_with_semicolon_arrays_is_accepted(self):
        self.write("cases.csv", csv_text([PORTO_ALEGRE, ROSARIO, BOGOTA]))
        r = self.import_ok("cases.csv")
        self.assertEqual(self.summary(r.stdout), (3, 1, 3, 0))
        self.assert_imported(PORTO_ALEGRE, ROSARIO, BOGOTA)

    def test_csv_with_quoted_newlines_and_commas_is_accepted(self):
        c = case(PORTO_ALEGRE, summary="Assembleias regionais, temáticas e "
                 "o Conselho do OP:\n\"inverter prioridades\".")
        self.write("cases.csv", csv_text([c]))
        self.import_ok("cases.csv")
        self.assert_imported(c)

    def test_markdown_front_matter_and_body_are_accepted(self):
        self.write("porto-alegre.md", markdown_text(PORTO_ALEGRE))
        self.import_ok("porto-alegre.md")
        got = self.show(PORTO_ALEGRE["id"])
        self.assertEqual(got["body"].strip(), PORTO_ALEGRE["body"].strip())
        self.assertEqual(without_times(case(got, body=DROP)),
                         canonical(case(PORTO_ALEGRE, body=DROP)))

    def test_folder_import_skips_markdown_without_front_matter(self):
        self.write_json("casos/rosario.json", ROSARIO)
        self.write("casos/README.md", "# Casos\n\nNotas sobre los casos.\n")
        r = self.import_ok("casos")
        self.assertEqual(self.summary(r.stdout), (1, 1, 1, 0))

    def archive_members(self):
        return {"cases/rosario.json": json_text(ROSARIO),
                "cases/porto-alegre.md": markdown_text(PORTO_ALEGRE),
                "more/bogota.csv": csv_text([BOGOTA])}

    def test_zip_archive_is_accepted(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            for name, text in self.archive_members().items():
                z.writestr(name, text)
        r = self.import_ok("pack.zip")
        self.assertEqual(self.summary(r.stdout)[0], 3)
        self.assert_imported(ROSARIO, BOGOTA)
        self.assertIsNotNone(self.show(PORTO_ALEGRE["id"]))

    def test_tar_archives_are_accepted(self):
        for name, text in self.archive_members().items():
            self.write("tree/" + name, text)
        for suffix, mode in ((".tar", "w"), (".tar.gz", "w:gz"),
                             (".tgz", "w:gz"), (".tar.xz", "w:xz")):
            with self.subTest(suffix=suffix):
                data = os.path.join(self.tmp, "data" + suffix)
                self.ok("init", data=data)
                archive = self.path("pack" + suffix)
                with tarfile.open(archive, mode) as t:
                    t.add(self.path("tree", "cases"), "cases")
                    t.add(self.path("tree", "more"), "more")
                r = self.ok("import", archive, data=data)
                self.assertEqual(self.summary(r.stdout)[0], 3)
                self.assertEqual(without_times(self.show(ROSARIO["id"],
                                                         data=data)),
                                 canonical(ROSARIO))


if __name__ == "__main__":
    clitest.main()
