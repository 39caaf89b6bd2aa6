"""cli.commands: show, stats, delete, check, search, list, export and the
exit statuses (0 success, 1 bad input or failed operation, 2 usage)."""

import json
import os
import re

import clitest
from clitest import (BOGOTA, DROP, PORTO_ALEGRE, ROSARIO, MingaTest, case,
                     canonical, without_times)

COMMANDS = ["init", "import", "search", "list", "show", "stats", "export",
            "delete", "check", "reindex", "token", "serve", "plugins"]

ISO_UTC = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


def project_version():
    with open(os.path.join(clitest.SRC, "CMakeLists.txt")) as f:
        return re.search(r"project\(minga VERSION ([0-9.]+)", f.read()).group(1)


class Commands(MingaTest):

    def setUp(self):
        super().setUp()
        self.write_json("cases.json", [PORTO_ALEGRE, ROSARIO, BOGOTA])
        self.import_ok("cases.json")

    # -- show

    def test_show_json_is_the_case_format_v1_in_canonical_order(self):
        for c in (PORTO_ALEGRE, ROSARIO, BOGOTA):
            got = self.show(c["id"])
            want = canonical(c)
            for field in clitest.FIELD_ORDER:
                self.assertEqual(got.get(field), want.get(field),
                                 "%s: field %s" % (c["id"], field))
            self.assertEqual(without_times(got), want)

    def test_show_json_lists_fields_in_the_contracts_order(self):
        got = self.ok("show", PORTO_ALEGRE["id"], "--json").stdout
        keys = list(json.loads(got, object_pairs_hook=lambda kv: kv))
        keys = [k for k, _ in keys]
        order = clitest.FIELD_ORDER + ["created_at", "updated_at"]
        self.assertEqual(keys, [k for k in order if k in keys])

    def test_show_json_adds_utc_times(self):
        got = self.show(ROSARIO["id"])
        self.assertRegex(got["created_at"], ISO_UTC)
        self.assertRegex(got["updated_at"], ISO_UTC)

    def test_show_json_adds_a_targets_goal_to_the_goals(self):
        self.write_json("sobral.json", case(
            BOGOTA, id="bogota-ciclovia-2", sdg_goals=[3],
            sdg_targets=["11.2", "3.4"]))
        self.import_ok("sobral.json")
        got = self.show("bogota-ciclovia-2")
        self.assertEqual(got["sdg_goals"], [3, 11])
        self.assertEqual(got["sdg_targets"], ["3.4", "11.2"])

    def test_show_text_names_title_and_city(self):
        r = self.ok("show", ROSARIO["id"])
        self.assertIn(ROSARIO["title"], r.stdout)
        self.assertIn("Rosario", r.stdout)

    def test_show_of_unknown_id_fails(self):
        r = self.minga("show", "no-such-case")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-case", r.stderr)

    # -- stats

    def test_stats_json_has_cases_and_indexed(self):
        stats = self.stats()
        self.assertEqual(stats["cases"], 3)
        self.assertEqual(stats["indexed"], 3)

    def test_stats_json_counts_goals(self):
        goals = self.stats()["goals"]
        # goal 11: all three; goal 2: Rosario only
        self.assertEqual(goals["11"], 3)
        self.assertEqual(goals["2"], 1)

    # -- delete

    def test_delete_removes_the_case_from_show_and_search(self):
        self.assertIn(ROSARIO["id"], self.search_ids("agricultura"))
        r = self.ok("delete", ROSARIO["id"])
        self.assertIsNone(self.show(ROSARIO["id"]))
        self.assertNotIn(ROSARIO["id"], self.search_ids("agricultura"))
        self.assertNotIn(ROSARIO["id"], self.search_ids("--country", "AR"))
        stats = self.stats()
        self.assertEqual((stats["cases"], stats["indexed"]), (2, 2))
        self.assertIsNotNone(self.show(BOGOTA["id"]))

    def test_delete_of_unknown_id_fails(self):
        r = self.minga("delete", "no-such-case")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.stats()["cases"], 3)

    def test_deleted_case_can_be_imported_again(self):
        self.ok("delete", BOGOTA["id"])
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        self.assertEqual(without_times(self.show(BOGOTA["id"])),
                         canonical(BOGOTA))

    # -- check

    def test_check_reports_consistent(self):
        r = self.ok("check")
        self.assertIn("consistent", r.stdout)
        self.assertNotIn("INCONSISTENT", r.stdout)

    def test_check_json_reports_consistent_with_counts(self):
        report = json.loads(self.ok("check", "--json").stdout)
        self.assertIs(report["consistent"], True)
        self.assertEqual(report["cases"], 3)
        self.assertEqual(report["indexed"], 3)

    def test_check_stays_consistent_after_delete_and_update(self):
        self.ok("delete", PORTO_ALEGRE["id"])
        self.write_json("rosario.json", case(ROSARIO, year_end=2021))
        self.import_ok("rosario.json")
        report = json.loads(self.ok("check", "--json").stdout)
        self.assertIs(report["consistent"], True)
        self.assertEqual((report["cases"], report["indexed"]), (2, 2))

    def test_reindex_keeps_everything_searchable(self):
        self.ok("reindex")
        self.assertEqual(self.search_ids("ciclovía"), [BOGOTA["id"]])
        self.assertIs(json.loads(self.ok("check", "--json").stdout)
                      ["consistent"], True)

    # -- search and list

    def test_search_ignores_accents_and_case(self):
        self.assertEqual(self.search_ids("CICLOVIA"), [BOGOTA["id"]])
        self.assertEqual(self.search_ids("orcamento"), [PORTO_ALEGRE["id"]])

    def test_search_filters_combine(self):
        self.assertEqual(sorted(self.search_ids("--sdg", "11")),
                         sorted([PORTO_ALEGRE["id"], ROSARIO["id"],
                                 BOGOTA["id"]]))
        self.assertEqual(self.search_ids("--sdg", "2"), [ROSARIO["id"]])
        self.assertEqual(sorted(self.search_ids("--sdg", "2,3")),
                         sorted([ROSARIO["id"], BOGOTA["id"]]))
        self.assertEqual(self.search_ids("--sdg", "11", "--country", "BR"),
                         [PORTO_ALEGRE["id"]])
        self.assertEqual(self.search_ids("sdg:11 country:co"),
                         [BOGOTA["id"]])
        self.assertEqual(self.search_ids("--year", "..1980"), [BOGOTA["id"]])

    def test_search_takes_options_after_the_query_words(self):
        # people type the words first; "--limit 1" must not become text
        res = json.loads(self.ok("search", "--sdg", "11", "--json",
                                 "--limit", "1").stdout)
        self.assertEqual(res["total"], 3)
        self.assertEqual(len(res["results"]), 1)
        res = json.loads(self.ok("search", "ciclovia", "--json").stdout)
        self.assertEqual([h["id"] for h in res["results"]], [BOGOTA["id"]])
        self.assertEqual(res["query"], "ciclovia")

    def test_search_minus_word_excludes_and_unknown_option_is_usage(self):
        ids = self.search_ids("--sdg", "11", "-ciclovia")
        self.assertNotIn(BOGOTA["id"], ids)
        self.assertEqual(self.minga("search", "x", "--no-such").returncode, 2)
        self.assertEqual(self.minga("search", "x", "--limit").returncode, 2)

    def test_search_json_has_total_and_results(self):
        r = self.ok("search", "--json", "participativo")
        res = json.loads(r.stdout)
        self.assertEqual(res["total"], 1)
        self.assertEqual(res["results"][0]["id"], PORTO_ALEGRE["id"])

    def test_list_prints_every_id(self):
        r = self.ok("list")
        for c in (PORTO_ALEGRE, ROSARIO, BOGOTA):
            self.assertIn(c["id"], r.stdout)

    # -- what the plugins offer, named in messages

    def test_messages_name_what_the_loaded_plugins_offer(self):
        plugins = json.loads(self.ok("plugins", "--json").stdout)
        # "formats" is an importer's file endings, an exporter's format
        endings = [e for p in plugins if p.get("kind") == "importer"
                   for e in p["formats"]]
        formats = [f for p in plugins if p.get("kind") == "exporter"
                   for f in p["formats"]]
        self.assertIn(".markdown", endings)
        self.assertIn("briefing", formats)
        self.write("notes.txt", "not a case")
        r = self.minga("import", "notes.txt")
        self.assertEqual(r.returncode, 1)
        for e in endings:
            self.assertIn(e, r.stderr, "the import error names %s" % e)
        r = self.minga("export")
        self.assertEqual(r.returncode, 2)
        for f in formats:
            self.assertIn(f, r.stderr, "the usage error names %s" % f)

    # -- export

    def test_export_json_to_stdout_holds_the_selected_cases(self):
        r = self.ok("export", "--format", "json", "--country", "AR")
        data = json.loads(r.stdout)
        cases = data["cases"] if isinstance(data, dict) else data
        if isinstance(cases, dict):
            cases = [cases]
        self.assertEqual([c["id"] for c in cases], [ROSARIO["id"]])
        self.assertEqual(without_times(cases[0]), canonical(ROSARIO))

    def test_export_of_zero_cases_fails_and_writes_no_file(self):
        out = os.path.join(self.tmp, "out.json")
        r = self.minga("export", "--format", "json", "--sdg", "14",
                       "-o", out)
        self.assertEqual(r.returncode, 1)
        self.assertTrue(r.stderr.strip(), "no message")
        self.assertFalse(os.path.exists(out))
        self.assertEqual([f for f in os.listdir(self.tmp)
                          if f.startswith("out")], [])

    def test_export_of_zero_cases_to_stdout_prints_nothing(self):
        r = self.minga("export", "--format", "csv", "--language", "en")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stdout, "")
        self.assertTrue(r.stderr.strip())

    def test_export_to_a_file(self):
        out = os.path.join(self.tmp, "all.jsonl")
        self.ok("export", "--format", "jsonl", "-o", out)
        with open(out, encoding="utf-8") as f:
            ids = sorted(json.loads(l)["id"] for l in f if l.strip())
        self.assertEqual(ids, sorted([PORTO_ALEGRE["id"], ROSARIO["id"],
                                      BOGOTA["id"]]))

    def test_export_with_unknown_format_fails(self):
        r = self.minga("export", "--format", "docx")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("docx", r.stderr)

    # -- help, version, exit statuses

    def test_help_on_every_command_exits_0(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                r = self.minga(cmd, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("usage: minga", r.stdout)
                self.assertIn(cmd, r.stdout)

    def test_global_help_lists_every_command(self):
        r = self.minga("--help", data=False)
        self.assertEqual(r.returncode, 0)
        for cmd in COMMANDS:
            self.assertRegex(r.stdout, r"(?m)^\s+%s\s" % cmd)

    def test_version_prints_the_project_version(self):
        r = self.minga("--version", data=False)
        self.assertEqual(r.returncode, 0)
        self.assertEqual(r.stdout.strip(), "minga " + project_version())

    def test_usage_errors_exit_2(self):
        cases = [
            ("import", "--bogus", "cases.json"),          # unknown option
            ("import",),                                  # no file
            ("import", "--max-entries"),                  # missing argument
            ("import", "--max-entries", "lots", "cases.json"),
            ("export",),                                  # --format required
            ("export", "--format"),                       # missing argument
            ("search", "--limit", "0", "ciclovia"),
            ("search", "--sdg", "18"),                    # bad filter value
            ("search", "--country", "XX"),
            ("search", "--year", "2020..2010"),
            ("list", "ciclovia"),
            ("show",),                                    # no id
            ("delete",),
            ("stats", "--bogus"),
            ("check", "--bogus"),
            ("plugins", "--bogus"),
            ("token",),
            ("no-such-command",),
        ]
        for args in cases:
            with self.subTest(args=args):
                r = self.minga(*args)
                self.assertEqual(r.returncode, 2, r.stderr)
                self.assertTrue(r.stderr.strip())
        r = self.minga("--data", data=False)
        self.assertEqual(r.returncode, 2)
        r = self.minga("--bogus", "stats", data=False)
        self.assertEqual(r.returncode, 2)

    def test_bad_filter_message_names_the_parameter(self):
        r = self.minga("search", "--sdg", "18", "agua")
        self.assertIn("sdg", r.stderr)
        self.assertIn("18", r.stderr)

    def test_bad_input_exits_1(self):
        self.write_json("bad.json", case(BOGOTA, country="Colombia"))
        self.assertEqual(self.minga("import", "bad.json").returncode, 1)
        self.write("broken.json", '{"id": "bogota-ciclovia",')
        self.assertEqual(self.minga("import", "broken.json").returncode, 1)
        self.write("notes.docx", "not a case file")
        self.assertEqual(self.minga("import", "notes.docx").returncode, 1)
        self.write("empty.json", "")
        self.assertEqual(self.minga("import", "empty.json").returncode, 1)
        self.assertEqual(self.stats()["cases"], 3)

    def test_commands_on_a_missing_data_folder_fail_with_1(self):
        nowhere = os.path.join(self.tmp, "nowhere")
        for args in (("stats",), ("show", ROSARIO["id"]), ("search", "x"),
                     ("check",)):
            with self.subTest(args=args):
                r = self.minga(*args, data=nowhere)
                self.assertEqual(r.returncode, 1)
                self.assertTrue(r.stderr.strip())


if __name__ == "__main__":
    clitest.main()
