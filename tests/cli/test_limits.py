"""cli.limits: the budgets of `minga import` against hostile load (issue 18)
and the CSV cells that a spreadsheet would run as formulas.

The budgets: JSON values in one case and nesting, YAML nesting, CSV
header columns, and max_entry_size, which bounds a case file the parsers
hold whole (a .json, .csv or .md file, a line of JSON Lines) as it bounds
an archive entry.

Each budget refuses the whole import with one compiler-style error that
names the file, the line and column where the budget was crossed, the
limit and the option that raises it; the option does raise it. The bomb
shapes of the issue are built here small enough to stay quick, but over
the default budgets: without them minga read them whole (a zip of 600 000
`{}` is 1.8 MB of JSON that jansson would hold in about 140 MB). A .json
case list is read one case at a time, so the value budget is a case's:
a list of 600 000 `{}` is 600 000 (invalid) cases, and an export of any
number of cases imports back under the budget its cases fit.
"""

import csv
import io
import json
import re
import tarfile
import zipfile

import clitest
from clitest import (BOGOTA, ROSARIO, MingaTest, canonical, case, csv_text,
                     json_text, markdown_text)


class Limits(MingaTest):

    def import_refused(self, *args):
        """`minga import ARGS...` must fail and import nothing."""
        r = self.minga("import", *args)
        self.assertEqual(r.returncode, 1, "import %s should fail:\n%s%s"
                         % (" ".join(map(str, args)), r.stdout, r.stderr))
        self.assertEqual(self.stats()["cases"], 0)
        return r

    def assert_budget_error(self, stderr, file, line, column, message):
        """One line FILE:LINE:COLUMN: error: MESSAGE (a regex)."""
        pattern = r"^%s:%d:%d: error: %s" % (re.escape(file), line, column,
                                             message)
        lines = [l for l in stderr.splitlines() if re.match(pattern, l)]
        self.assertTrue(lines, "no error %r in:\n%s" % (pattern, stderr))

    def three_cases_json(self):
        cases = [case(BOGOTA, id="bogota-ciclovia-%d" % i) for i in range(3)]
        return self.write("cases.json", json.dumps(cases))

    # -- JSON --------------------------------------------------------------

    def test_json_over_max_json_values_is_refused_and_the_option_raises_it(
            self):
        self.three_cases_json()
        # 3 cases of 24 values each: the 21st of the first case is its
        # first tag (the file's 73 values are no longer counted together)
        r = self.import_refused("--max-json-values", "20", "cases.json")
        self.assert_budget_error(
            r.stderr, "cases.json", 1, 456,
            r"more than max_json_values \(20\) values in one case; "
            r"refused \(raise it with minga import --max-json-values N\)")
        self.import_refused("--max-json-values", "23", "cases.json")
        self.import_ok("--max-json-values", "24", "cases.json")
        self.assertEqual(self.stats()["cases"], 3)

    def test_json_export_of_more_values_than_the_budget_imports_back(self):
        # 200 cases of 37 values: 7 400 values, a budget of 1 000, which
        # each case is well under; the JSON export (one array) must import
        # back under the same budget, as it does with the default budget
        # whatever the number of cases
        cases = [generated_case(i) for i in range(200)]
        self.write("cases.jsonl",
                   "".join(json.dumps(c, ensure_ascii=False) + "\n"
                           for c in cases))
        budget = ("--max-json-values", "1000")
        self.import_ok(*budget, "cases.jsonl")
        out = self.path("export.json")
        self.ok("export", "--format", "json", "-o", out)
        with open(out, encoding="utf-8") as f:
            exported = json.load(f)
        self.assertEqual(len(exported), 200)
        fresh = self.path("fresh")
        self.ok("init", data=fresh)
        self.ok("import", *budget, out, data=fresh)
        self.assertEqual(self.stats(data=fresh)["cases"], 200)
        again = self.path("again.json")
        self.ok("export", "--format", "json", "-o", again, data=fresh)
        with open(again, encoding="utf-8") as f:
            self.assertEqual(json.load(f), exported)

    def test_zip_of_empty_objects_is_read_one_case_at_a_time(self):
        objects = ",".join(["{}"] * 600000)
        with zipfile.ZipFile(self.path("pack.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            z.writestr("cases/bomb.json", "[" + objects + "]")
        # 600 000 cases, each refused by the host for what it lacks
        r = self.import_refused("pack.zip")
        self.assertIn("pack.zip!cases/bomb.json:1: error: title: missing "
                      "(required)", r.stderr)
        self.assertNotIn("max_json_values", r.stderr)
        # one case of them all: [[{},{},...]]
        with zipfile.ZipFile(self.path("one.zip"), "w",
                             zipfile.ZIP_DEFLATED) as z:
            z.writestr("cases/one.json", "[[" + objects + "]]")
        r = self.import_refused("one.zip")
        # its 500 001st value is its 500 000th {}, at byte 3 + 3 * 499 999
        self.assert_budget_error(r.stderr, "one.zip!cases/one.json", 1,
                                 1500000,
                                 r"more than max_json_values \(500000\) "
                                 r"values in one case")
        # refused before a single case was read
        self.assertNotIn("missing (required)", r.stderr)

    def test_json_nested_deeper_than_max_depth_is_refused(self):
        text = json_text(case(ROSARIO, tags="DEEP"))
        text = text.replace('"DEEP"', "[" * 100 + "]" * 100)
        self.write("deep.json", text)
        r = self.import_refused("deep.json")
        line = text.split("\n").index(
            [l for l in text.split("\n") if '"tags"' in l][0]) + 1
        column = text.split("\n")[line - 1].index("[") + 1 + 63
        self.assert_budget_error(
            r.stderr, "deep.json", line, column,
            r"arrays and objects nested deeper than max_depth \(64\); "
            r"refused \(raise it with minga import --max-depth N\)")
        # raised, the text is parsed and the host judges the value
        r = self.import_refused("--max-depth", "200", "deep.json")
        self.assertNotIn("max_depth", r.stderr)
        self.assertRegex(r.stderr, r"deep\.json:\d+:\d+: error: tags")

    def test_case_file_read_whole_is_bounded_by_max_entry_size(self):
        # a body of 2.1 MB: over the 1 MiB of the contract, and over
        # --max-entry-size 1M, which is then what refuses the file
        big = case(ROSARIO, body="huerta " * 300000)
        files = {"big.json": json_text(big), "big.md": markdown_text(big),
                 "big.csv": csv_text([big])}
        for name, text in files.items():
            self.write(name, text)
            r = self.import_refused(name)
            self.assertNotIn("max_entry_size", r.stderr)
            r = self.import_refused("--max-entry-size", "1M", name)
            self.assertRegex(r.stderr, r"(?m)^%s: error: the file is larger "
                             r"than max_entry_size \(1048576 bytes\); "
                             r"refused \(raise it with minga import "
                             r"--max-entry-size N\)" % re.escape(name))
        # JSON Lines are held a line at a time: the line is refused
        self.write("big.jsonl", json.dumps(ROSARIO) + "\n" + json.dumps(big)
                   + "\n")
        r = self.import_refused("--max-entry-size", "1M", "big.jsonl")
        self.assertRegex(r.stderr, r"(?m)^big\.jsonl:2: error: the line is "
                         r"larger than max_entry_size \(1048576 bytes\)")

    # -- YAML front matter -------------------------------------------------

    def test_front_matter_nested_deeper_than_max_depth_is_refused(self):
        md = b"---\ntitle: " + b"[" * 100000 + b"\n---\nbody\n"
        with tarfile.open(self.path("pack.tar.gz"), "w:gz") as t:
            for i in range(3):
                info = tarfile.TarInfo("case%d.md" % i)
                info.size = len(md)
                t.addfile(info, io.BytesIO(md))
        r = self.import_refused("pack.tar.gz")
        # the title's first '[' is column 8 and opens level 2
        self.assert_budget_error(
            r.stderr, "pack.tar.gz!case0.md", 2, 71,
            r"front matter: sequences and mappings nested deeper than "
            r"max_depth \(64\); refused \(raise it with minga import "
            r"--max-depth N\)")
        # a budget crossed stops the archive: the other files are not read
        self.assertNotIn("case1.md", r.stderr)

    def test_max_depth_option_raises_the_front_matter_budget(self):
        md = "---\ntitle: Ciclovía\ntags: [[[[x]]]]\n---\n"
        self.write("case.md", md)
        r = self.import_refused("--max-depth", "4", "case.md")
        self.assert_budget_error(r.stderr, "case.md", 3, 10,
                                 r"front matter: .* max_depth \(4\)")
        r = self.import_refused("--max-depth", "5", "case.md")
        self.assertNotIn("max_depth", r.stderr)

    # -- CSV ---------------------------------------------------------------

    def test_csv_header_over_max_csv_columns_is_refused(self):
        header = ",".join("c%d" % i for i in range(100000))
        self.write("wide.csv", header + "\n" + "x," * 99999 + "x\n")
        r = self.import_refused("--lenient", "wide.csv")
        self.assert_budget_error(
            r.stderr, "wide.csv", 1, 4891,
            r"the header has more than max_csv_columns \(1000\) columns; "
            r"refused \(raise it with minga import --max-csv-columns N\)")

    def test_max_csv_columns_option_sets_the_budget(self):
        self.write("cases.csv", csv_text([BOGOTA]))
        n_columns = len(BOGOTA)
        r = self.import_refused("--max-csv-columns", n_columns - 1,
                                "cases.csv")
        self.assertIn("max_csv_columns (%d)" % (n_columns - 1), r.stderr)
        self.import_ok("--max-csv-columns", n_columns, "cases.csv")
        self.assertEqual(self.stats()["cases"], 1)

    def test_budget_options_take_positive_counts_only(self):
        self.three_cases_json()
        for option in ("--max-json-values", "--max-depth",
                       "--max-csv-columns"):
            for value in ("0", "-1", "ten", "1M"):
                r = self.minga("import", option, value, "cases.json")
                self.assertEqual(r.returncode, 2, "%s %s" % (option, value))
                self.assertIn("is not a count", r.stderr)


def generated_case(i):
    """A valid case of 37 values (with the object itself)."""
    return {
        "id": "caso-%05d" % i,
        "title": "Huertas comunitarias %d" % i,
        "summary": "Un barrio siembra alimentos en terrenos vacantes (%d)."
                   % i,
        "body": "## Origen\n\nVecinas y vecinos del barrio %d.\n" % i,
        "language": "es",
        "city": "Rosario",
        "country": "AR",
        "region": "Santa Fe",
        "year_start": 2002,
        "year_end": 2020,
        "sdg_goals": [2, 11, 12],
        "sdg_targets": ["2.1", "11.7", "12.5"],
        "levels": ["local", "national"],
        "actors": ["public_sector", "community", "civil_society"],
        "tags": ["huerta", "agroecología", "barrio", "alimentos",
                 "terrenos", "vacantes", "semillas", "t%d" % i],
        "source_url": "https://example.org/caso/%d" % i,
        "license": "CC-BY-4.0",
    }


# Values a spreadsheet would run as formulas (= + - @ first), one that
# starts with a quote and then '=' (it must come back with its quote),
# and one that starts with a quote alone (left as it is).
FORMULAS = case(ROSARIO, id="rosario-formulas",
                title='=HYPERLINK("http://evil.example","Rosario")',
                city="=2+2",
                summary="-30 % de residuos en los barrios con huertas",
                region="'=Santa Fe",
                tags=["@huerteras", "+1 huerta"],
                body="'Huerta' quiere decir tierra que da de comer.\n")


class CsvFormulas(MingaTest):

    def setUp(self):
        super().setUp()
        self.write_json("formulas.json", FORMULAS)
        self.import_ok("formulas.json")

    def check_cells(self, text):
        rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
        self.assertEqual(len(rows), 1)
        row = rows[0]
        self.assertEqual(row["title"],
                         '\'=HYPERLINK("http://evil.example","Rosario")')
        self.assertEqual(row["city"], "'=2+2")
        self.assertEqual(row["summary"], "'" + FORMULAS["summary"])
        self.assertEqual(row["region"], "''=Santa Fe")
        self.assertEqual(row["tags"], "'@huerteras;+1 huerta")
        self.assertEqual(row["body"], FORMULAS["body"])   # not a formula
        for name, value in row.items():
            self.assertNotRegex(value, r"^[=+\-@\t\r]", name)

    def test_csv_export_guards_formula_cells_and_round_trips(self):
        out = self.path("export.csv")
        self.ok("export", "--format", "csv", "-o", out)
        with open(out, encoding="utf-8", newline="") as f:
            self.check_cells(f.read())
        fresh = self.path("fresh")
        self.ok("init", data=fresh)
        self.ok("import", out, data=fresh)
        self.assertEqual(clitest.without_times(self.show(FORMULAS["id"],
                                                         data=fresh)),
                         canonical(FORMULAS))

    def test_briefing_cases_csv_guards_formula_cells(self):
        out = self.path("pack.zip")
        self.ok("export", "--format", "briefing", "-o", out)
        with zipfile.ZipFile(out) as z:
            self.check_cells(z.read("cases.csv").decode("utf-8"))


if __name__ == "__main__":
    clitest.main()
