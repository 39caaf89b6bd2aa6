"""cli.validation: every rule of the case format v1 through `minga import`.

For each rule a bad case file makes `minga import` exit 1, print a
compiler-style line naming the file, the line of the field (JSON) and the
field, and leave the catalog exactly as it was: same `cases` count in
`stats --json`, and a case imported before still identical in `show --json`.
"""

import json
import os
import re
import tarfile
import zipfile

import clitest
from clitest import (BOGOTA, DROP, PORTO_ALEGRE, ROSARIO, MingaTest, case,
                     csv_text, json_text, line_of, markdown_text)

MIB = 1024 * 1024

# name -> (changes to Porto Alegre's case, field named in the error,
#          where: field name, (field, index), or None for "some line",
#          regex the message must match or None)
JSON_RULES = {
    "id_with_upper_case_and_underscore": (
        {"id": "Porto_Alegre"}, "id", "id", None),
    "id_of_101_chars": ({"id": "a" * 101}, "id", "id", None),
    "id_with_accent": ({"id": "orçamento-participativo"}, "id", "id", None),
    "missing_title": ({"title": DROP}, "title", None, None),
    "blank_title": ({"title": "   "}, "title", "title", None),
    "title_of_301_chars": ({"title": "ã" * 301}, "title", "title", None),
    "missing_summary": ({"summary": DROP}, "summary", None, None),
    "empty_summary": ({"summary": ""}, "summary", "summary", None),
    "summary_of_4001_chars": ({"summary": "é" * 4001}, "summary", "summary",
                              None),
    "body_over_1_mib": ({"body": "a" * (MIB + 1)}, "body", "body", None),
    "body_that_is_not_a_string": ({"body": ["## Origem"]}, "body", "body",
                                  None),
    "language_in_upper_case": ({"language": "PT"}, "language", "language",
                               r"lower case"),
    "unknown_language": ({"language": "xx"}, "language", "language", "xx"),
    "language_name_instead_of_code": ({"language": "português"}, "language",
                                      "language", None),
    "missing_language": ({"language": DROP}, "language", None, None),
    "missing_city": ({"city": DROP}, "city", None, None),
    "empty_city": ({"city": ""}, "city", "city", None),
    "country_in_lower_case": ({"country": "br"}, "country", "country",
                              r"upper case"),
    "country_code_that_does_not_exist": ({"country": "XX"}, "country",
                                         "country", "XX"),
    "country_alpha3": ({"country": "BRA"}, "country", "country", None),
    "missing_country": ({"country": DROP}, "country", None, None),
    "region_that_is_not_a_string": ({"region": 43}, "region", "region",
                                    None),
    "missing_year_start": ({"year_start": DROP}, "year_start", None, None),
    "year_start_1899": ({"year_start": 1899}, "year_start", "year_start",
                        "1899"),
    "year_start_2101": ({"year_start": 2101}, "year_start", "year_start",
                        "2101"),
    "year_start_as_string": ({"year_start": "1989"}, "year_start",
                             "year_start", None),
    "year_start_with_fraction": ({"year_start": 1989.5}, "year_start",
                                 "year_start", None),
    "year_end_before_year_start": ({"year_end": 1988}, "year_end",
                                   "year_end", "1988"),
    "year_end_2101": ({"year_end": 2101}, "year_end", "year_end", None),
    "missing_sdg_goals": ({"sdg_goals": DROP, "sdg_targets": DROP},
                          "sdg_goals", None, None),
    "empty_sdg_goals": ({"sdg_goals": [], "sdg_targets": DROP},
                        "sdg_goals", "sdg_goals", None),
    "sdg_goals_not_an_array": ({"sdg_goals": 11}, "sdg_goals", "sdg_goals",
                               None),
    "goal_0": ({"sdg_goals": [0, 11]}, "sdg_goals[0]", ("sdg_goals", 0),
               r"1-17"),
    "goal_listed_twice": ({"sdg_goals": [16, 11, 16]}, "sdg_goals[2]",
                          ("sdg_goals", 2), None),
    "goal_as_string": ({"sdg_goals": [16, "11"]}, "sdg_goals[1]",
                       ("sdg_goals", 1), None),
    "target_11_8_that_does_not_exist": (
        {"sdg_targets": ["16.7", "11.8"]}, "sdg_targets[1]",
        ("sdg_targets", 1), r"11\.8"),
    "target_6_c_that_does_not_exist": (
        {"sdg_targets": ["6.c"]}, "sdg_targets[0]", ("sdg_targets", 0),
        r"6\.c"),
    "target_without_number": ({"sdg_targets": ["11"]}, "sdg_targets[0]",
                              ("sdg_targets", 0), None),
    "missing_levels": ({"levels": DROP}, "levels", None, None),
    "empty_levels": ({"levels": []}, "levels", "levels", None),
    "level_outside_the_list": ({"levels": ["local", "municipal"]},
                               "levels[1]", ("levels", 1), "municipal"),
    "actor_outside_the_list": ({"actors": ["public_sector", "government"]},
                               "actors[1]", ("actors", 1), "government"),
    "actors_not_an_array": ({"actors": "community"}, "actors", "actors",
                            None),
    "tag_that_is_not_a_string": ({"tags": ["orçamento", 1989]}, "tags[1]",
                                 ("tags", 1), None),
    "ftp_source_url": ({"source_url": "ftp://ftp.portoalegre.rs.gov.br/op"},
                       "source_url", "source_url", None),
    "relative_source_url": (
        {"source_url": "pt.wikipedia.org/wiki/Or%C3%A7amento_participativo"},
        "source_url", "source_url", None),
    "license_that_is_not_spdx": ({"license": "CC BY 4.0"}, "license",
                                 "license", None),
    "attachment_with_dotdot": ({"attachments": ["../secret.txt"]},
                               "attachments[0]", ("attachments", 0), r"\.\."),
    "attachment_with_inner_dotdot": (
        {"attachments": ["docs/../../secret.txt"]}, "attachments[0]",
        ("attachments", 0), r"\.\."),
    "absolute_attachment": ({"attachments": ["/etc/hostname.txt"]},
                            "attachments[0]", ("attachments", 0), None),
    "attachment_of_a_type_not_read": ({"attachments": ["setup.exe"]},
                                      "attachments[0]", ("attachments", 0),
                                      None),
    "missing_attachment": ({"attachments": ["attachments/ata-1989.pdf"]},
                           "attachments[0]", ("attachments", 0), None),
    "unknown_field_in_strict_mode": ({"sdg_goal": [11]}, "sdg_goal",
                                     "sdg_goal", r"unknown"),
    "object_where_a_string_is_expected": ({"city": {"name": "Porto Alegre"}},
                                          "city", "city", None),
}


class Validation(MingaTest):
    """Rosario is imported first; every bad file must leave it alone."""

    def setUp(self):
        super().setUp()
        self.write_json("rosario.json", ROSARIO)
        self.import_ok("rosario.json")
        self.before = self.snapshot(ROSARIO["id"], PORTO_ALEGRE["id"])
        self.assertEqual(self.before[0], 1)

    def assert_unchanged(self):
        self.assertEqual(self.snapshot(ROSARIO["id"], PORTO_ALEGRE["id"]),
                         self.before)

    def import_bad(self, *args):
        """Runs `minga import ARGS...` (options first, then files)."""
        r = self.minga("import", *args)
        self.assertEqual(r.returncode, 1,
                         "import %s should fail:\n%s%s" % (" ".join(args),
                                                           r.stdout,
                                                           r.stderr))
        self.assert_unchanged()
        return r

    def check_json_rule(self, changes, field, where, message):
        bad = case(PORTO_ALEGRE, **changes)
        text = json_text(bad)
        self.write("bad.json", text)
        r = self.import_bad("bad.json")
        if where is None:
            line = None
        elif isinstance(where, tuple):
            line = line_of(text, where[0], where[1])
        else:
            line = line_of(text, where)
        self.assert_error_line(r.stderr, "bad.json", field, line, message)

    # -- rules that need more than one changed field

    def test_import_rejects_goal_18_with_the_contracts_message(self):
        bad = case(PORTO_ALEGRE, sdg_goals=[11, 18])
        text = json_text(bad)
        self.write("bad.json", text)
        r = self.import_bad("bad.json")
        line = line_of(text, "sdg_goals", 1)
        self.assertRegex(r.stderr, r"(?m)^bad\.json:%d(:\d+)?: error: "
                         r"sdg_goals\[1\]: 18 is not an SDG goal \(1-17\)$"
                         % line)

    def test_import_rejects_a_field_given_twice(self):
        text = json_text(PORTO_ALEGRE).replace(
            '  "city": "Porto Alegre",\n',
            '  "city": "Porto Alegre",\n  "city": "Canoas",\n')
        self.write("bad.json", text)
        r = self.import_bad("bad.json")
        line = line_of(text, "city", occurrence=1)
        self.assertRegex(r.stderr, r"(?m)^bad\.json:%d(:\d+)?: error: .*city"
                         % line)

    def test_import_rejects_invalid_utf8_in_json(self):
        text = json_text(PORTO_ALEGRE).encode("utf-8")
        text = text.replace("Orçamento Participativo de".encode(),
                            "Or\xe7amento Participativo de".encode("latin-1"))
        self.write("bad.json", text)
        r = self.import_bad("bad.json")
        line = line_of(json_text(PORTO_ALEGRE), "title")
        self.assertRegex(r.stderr, r"(?m)^bad\.json:%d(:\d+)?: error: " % line)

    def test_import_rejects_escaped_lone_surrogate_in_json(self):
        text = json_text(PORTO_ALEGRE).replace("Porto Alegre\",",
                                               "Porto Alegre \\ud800\",", 1)
        self.write("bad.json", text)
        r = self.import_bad("bad.json")
        self.assertRegex(r.stderr, r"(?m)^bad\.json:\d+(:\d+)?: error: ")

    def test_lenient_import_keeps_going_past_an_unknown_field(self):
        bad = case(PORTO_ALEGRE, sdg_goal=[11], prefeito="Olívio Dutra")
        self.write_json("lenient.json", bad)
        self.import_ok("--lenient", "lenient.json")
        self.assertEqual(clitest.without_times(self.show(PORTO_ALEGRE["id"])),
                         clitest.canonical(PORTO_ALEGRE))

    def test_lenient_import_still_rejects_bad_values(self):
        bad = case(PORTO_ALEGRE, sdg_goal=[11], sdg_goals=[18])
        text = json_text(bad)
        self.write("bad.json", text)
        r = self.import_bad("--lenient", "bad.json")
        self.assert_error_line(r.stderr, "bad.json", "sdg_goals[0]",
                               line_of(text, "sdg_goals", 0))

    def test_import_rejects_an_id_used_twice_in_one_import(self):
        self.write_json("twice.json", [PORTO_ALEGRE,
                                       case(PORTO_ALEGRE, year_start=1990)])
        r = self.import_bad("twice.json")
        self.assertRegex(r.stderr, r"(?m)^twice\.json:\d+(:\d+)?: error: id: ")

    # -- all or nothing

    def test_one_bad_case_among_good_ones_in_a_file_imports_nothing(self):
        cases = [case(ROSARIO, title="Programa de Agricultura Urbana"),
                 BOGOTA, case(PORTO_ALEGRE, sdg_goals=[16, 18])]
        text = json_text(cases)
        self.write("mixed.json", text)
        r = self.import_bad("mixed.json")
        self.assert_error_line(r.stderr, "mixed.json", "sdg_goals[1]",
                               line_of(text, "sdg_goals", 1, occurrence=2))
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_one_bad_file_among_good_files_imports_nothing(self):
        self.write_json("a-bogota.json", BOGOTA)
        self.write_json("b-porto-alegre.json",
                        case(PORTO_ALEGRE, country="Brasil"))
        r = self.import_bad("a-bogota.json", "b-porto-alegre.json")
        self.assert_error_line(r.stderr, "b-porto-alegre.json", "country")
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_one_bad_case_in_an_archive_imports_nothing(self):
        bad_text = json_text(case(PORTO_ALEGRE, levels=["municipal"]))
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr("cases/porto-alegre.json", bad_text)
        r = self.import_bad("pack.zip")
        self.assert_error_line(r.stderr, "pack.zip!cases/porto-alegre.json",
                               "levels[0]", line_of(bad_text, "levels", 0))
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_one_bad_case_in_a_tar_gz_imports_nothing(self):
        bad_text = json_text(case(PORTO_ALEGRE, year_start=1889))
        for name, text in (("bogota.json", json_text(BOGOTA)),
                           ("porto-alegre.json", bad_text)):
            self.write("tree/" + name, text)
        with tarfile.open(self.path("pack.tar.gz"), "w:gz") as t:
            t.add(self.path("tree", "bogota.json"), "bogota.json")
            t.add(self.path("tree", "porto-alegre.json"), "porto-alegre.json")
        r = self.import_bad("pack.tar.gz")
        self.assert_error_line(r.stderr, "pack.tar.gz!porto-alegre.json",
                               "year_start", line_of(bad_text, "year_start"))
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_at_most_20_error_lines_are_printed(self):
        cases = [case(PORTO_ALEGRE, id="porto-alegre-%02d" % i,
                      sdg_goals=[18]) for i in range(30)]
        self.write_json("many.json", cases)
        r = self.import_bad("many.json")
        errors = [l for l in r.stderr.splitlines() if ": error: " in l]
        self.assertEqual(len(errors), 20, r.stderr)
        self.assertRegex(r.stderr, r"\b10 more\b")

    def test_dry_run_of_a_bad_file_fails_too(self):
        self.write_json("bad.json", case(PORTO_ALEGRE, language="ES"))
        r = self.import_bad("--dry-run", "bad.json")
        self.assert_error_line(r.stderr, "bad.json", "language")

    # -- CSV

    def test_csv_bad_goal_names_the_record_line_and_item(self):
        good = case(BOGOTA)
        bad = case(PORTO_ALEGRE, sdg_goals=[11, 18], body=DROP)
        self.write("cases.csv", csv_text([good, bad]))
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "sdg_goals[1]", 3,
                               r"18 is not an SDG goal \(1-17\)")
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_csv_lower_case_country_is_rejected(self):
        self.write("cases.csv", csv_text([case(PORTO_ALEGRE, country="br",
                                               body=DROP)]))
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "country", 2,
                               r"upper case")

    def test_csv_year_that_is_not_a_number_is_rejected(self):
        self.write("cases.csv", csv_text([case(PORTO_ALEGRE, year_start="c.1989",
                                               body=DROP)]))
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "year_start", 2)

    def test_csv_invalid_utf8_names_the_field(self):
        text = csv_text([case(PORTO_ALEGRE, body=DROP)]).encode("utf-8")
        text = text.replace("Orçamento Participativo de".encode(),
                            "Or\xe7amento Participativo de".encode("latin-1"))
        self.write("cases.csv", text)
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "title", 2, r"UTF-8")

    def test_csv_unknown_column_is_rejected_in_strict_mode(self):
        self.write("cases.csv", csv_text([case(PORTO_ALEGRE, body=DROP,
                                               prefeito="Olívio Dutra")]))
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "prefeito")

    def test_csv_unknown_target_names_the_item(self):
        self.write("cases.csv", csv_text([case(PORTO_ALEGRE, body=DROP,
                                               sdg_targets=["11.3", "6.c"])]))
        r = self.import_bad("cases.csv")
        self.assert_error_line(r.stderr, "cases.csv", "sdg_targets[1]", 2)

    # -- Markdown with front matter

    def md_line(self, text, needle):
        for i, line in enumerate(text.split("\n")):
            if needle in line:
                return i + 1
        raise AssertionError(needle)

    def test_markdown_bad_goal_names_the_line_of_the_item(self):
        text = markdown_text(case(PORTO_ALEGRE, sdg_goals=[16, 18]))
        self.write("porto-alegre.md", text)
        r = self.import_bad("porto-alegre.md")
        self.assert_error_line(r.stderr, "porto-alegre.md", "sdg_goals[1]",
                               self.md_line(text, "  - 18"),
                               r"18 is not an SDG goal \(1-17\)")

    def test_markdown_upper_case_language_is_rejected(self):
        text = markdown_text(case(PORTO_ALEGRE, language="PT"))
        self.write("porto-alegre.md", text)
        r = self.import_bad("porto-alegre.md")
        self.assert_error_line(r.stderr, "porto-alegre.md", "language",
                               self.md_line(text, "language:"))

    def test_markdown_field_given_twice_is_rejected(self):
        text = markdown_text(PORTO_ALEGRE).replace(
            'city: "Porto Alegre"\n', 'city: "Porto Alegre"\ncity: "Canoas"\n')
        self.write("porto-alegre.md", text)
        r = self.import_bad("porto-alegre.md")
        self.assert_error_line(r.stderr, "porto-alegre.md", "city",
                               self.md_line(text, 'city: "Canoas"'))

    def test_markdown_invalid_utf8_in_body_is_rejected(self):
        text = markdown_text(PORTO_ALEGRE).encode("utf-8")
        text = text.replace("às regiões".encode(),
                            "\xe0s regi\xf5es".encode("latin-1"))
        self.write("porto-alegre.md", text)
        r = self.import_bad("porto-alegre.md")
        self.assert_error_line(r.stderr, "porto-alegre.md", "body")

    def test_markdown_unknown_field_is_rejected(self):
        text = markdown_text(case(PORTO_ALEGRE, prefeito="Olívio Dutra"))
        self.write("porto-alegre.md", text)
        r = self.import_bad("porto-alegre.md")
        self.assert_error_line(r.stderr, "porto-alegre.md", "prefeito",
                               self.md_line(text, "prefeito:"))

    # -- JSON Lines

    def test_jsonl_bad_case_names_its_line(self):
        lines = [json.dumps(BOGOTA, ensure_ascii=False),
                 json.dumps(case(PORTO_ALEGRE, sdg_targets=["11.8"]),
                            ensure_ascii=False)]
        self.write("cases.jsonl", "\n".join(lines) + "\n")
        r = self.import_bad("cases.jsonl")
        self.assert_error_line(r.stderr, "cases.jsonl", "sdg_targets[0]", 2)
        self.assertIsNone(self.show(BOGOTA["id"]))

    # -- archives: entries that must be refused

    def test_archive_entry_with_dotdot_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr("../porto-alegre.json", json_text(PORTO_ALEGRE))
        r = self.import_bad("pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_entry_with_absolute_path_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr(zipfile.ZipInfo("/tmp/porto-alegre.json"),
                       json_text(PORTO_ALEGRE))
        r = self.import_bad("pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_symlink_entry_is_refused(self):
        self.write("tree/bogota.json", json_text(BOGOTA))
        os.symlink("/etc/passwd", self.path("tree", "link.txt"))
        with tarfile.open(self.path("pack.tar"), "w") as t:
            t.add(self.path("tree", "bogota.json"), "bogota.json")
            t.add(self.path("tree", "link.txt"), "link.txt")
        r = self.import_bad("pack.tar")
        self.assertIn("pack.tar", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_fifo_entry_is_refused(self):
        self.write("tree/bogota.json", json_text(BOGOTA))
        info = tarfile.TarInfo("pipe")
        info.type = tarfile.FIFOTYPE
        with tarfile.open(self.path("pack.tar"), "w") as t:
            t.add(self.path("tree", "bogota.json"), "bogota.json")
            t.addfile(info)
        r = self.import_bad("pack.tar")
        self.assertIn("pack.tar", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_over_the_entry_count_limit_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w") as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            for i in range(5):
                z.writestr("notes/nota-%d.txt" % i, "Ciclovía %d" % i)
        # the same archive is fine within the default limits
        self.ok("import", "--dry-run", "pack.zip")
        r = self.import_bad("--max-entries", "3", "pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_entry_over_the_size_limit_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr("docs/informe.txt", "ciclovía " * 300000)  # ~3 MB
        # the same archive is fine within the default limits
        self.ok("import", "--dry-run", "pack.zip")
        r = self.import_bad("--max-entry-size", "1M", "pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_over_the_total_size_limit_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            for i in range(3):
                z.writestr("docs/informe-%d.txt" % i, "ciclovía " * 100000)
        # the same archive is fine within the default limits
        self.ok("import", "--dry-run", "pack.zip")
        r = self.import_bad("--max-total-size", "2M", "pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))

    def test_archive_over_the_compressed_size_limit_is_refused(self):
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_STORED) as z:
            z.writestr("cases/bogota.json", json_text(BOGOTA))
            z.writestr("docs/informe.txt", "ciclovía " * 200000)  # ~2 MB
        # the same archive is fine within the default limits
        self.ok("import", "--dry-run", "pack.zip")
        r = self.import_bad("--max-archive-size", "1M", "pack.zip")
        self.assertIn("pack.zip", r.stderr)
        self.assertIsNone(self.show(BOGOTA["id"]))


def _make_rule_test(changes, field, where, message):
    def test(self):
        self.check_json_rule(changes, field, where, message)
    return test


for _name, (_changes, _field, _where, _message) in JSON_RULES.items():
    setattr(Validation, "test_import_rejects_" + _name,
            _make_rule_test(_changes, _field, _where, _message))


if __name__ == "__main__":
    clitest.main()
