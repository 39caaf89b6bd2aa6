"""cli.suggest: `minga suggest FILE|ID [--json] [--limit N]` (issue 21).

Suggestions for a case file in any importable format (nothing written to
the catalog) or a catalog case: goals and targets with their reasons (the
phrases of data/sdg_targets.json found in the case, the similar cases of
the catalog tagged with them). Expectations come from the SDG targets the
fixture cases are about (Rosario's urban agriculture programme is goal 2,
target 2.3 "small-scale food producers"; Porto Alegre's participatory
budgeting is 16.7 "participatory decision-making"), not from the output.
"""
import json

import clitest
from clitest import BOGOTA, PORTO_ALEGRE, ROSARIO, MingaTest, csv_text


def hidden(c):
    """The case as a city writing it would send it: no goals, no targets."""
    return {k: v for k, v in c.items() if k not in ("sdg_goals",
                                                     "sdg_targets")}


def phrases(item):
    return [r["phrase"] for r in item["reasons"] if r["kind"] == "phrase"]


def similar(answer):
    return {(r["case"], r["tagged"]) for item in answer["targets"]
            for r in item["reasons"] if r["kind"] == "similar"}


class Suggest(MingaTest):

    def setUp(self):
        super().setUp()
        self.write_json("catalog.json", [PORTO_ALEGRE, BOGOTA])
        self.import_ok("catalog.json")

    def suggest_json(self, *args, **kw):
        return json.loads(self.ok("suggest", "--json", *args, **kw).stdout)

    def test_json_file_without_goals_gets_its_goal_and_target(self):
        path = self.write_json("rosario.json", hidden(ROSARIO))
        a = self.suggest_json(path)
        self.assertEqual(a["goals"][0]["goal"], 2, a["goals"])
        targets = {t["target"]: t for t in a["targets"]}
        self.assertIn("2.3", targets)
        self.assertIn("agricultura urbana", phrases(targets["2.3"]))
        self.assertEqual(targets["2.3"]["goal"], 2)
        # the labels are in the case's language (Spanish)
        self.assertNotEqual(targets["2.3"]["label"],
                            "Small-scale food producers' productivity and "
                            "incomes")
        scores = [t["score"] for t in a["targets"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        # a file is only read: the catalog holds what it held
        self.assertEqual(self.stats()["cases"], 2)
        self.assertIsNone(self.show(ROSARIO["id"]))

    def test_csv_file_goes_through_the_importer(self):
        path = self.write("rosario.csv", csv_text([ROSARIO]))
        a = self.suggest_json(path)
        self.assertEqual(a["goals"][0]["goal"], 2, a["goals"])
        self.assertIn("2.3", [t["target"] for t in a["targets"]])
        self.assertEqual(self.stats()["cases"], 2)
        self.assertIsNone(self.show(ROSARIO["id"]))

    def test_catalog_case_by_id_is_not_its_own_neighbour(self):
        a = self.suggest_json(PORTO_ALEGRE["id"])
        targets = {t["target"]: t for t in a["targets"]}
        self.assertIn("16.7", targets)
        self.assertIn("orçamento participativo", phrases(targets["16.7"]))
        self.assertNotIn(PORTO_ALEGRE["id"], {c for c, _ in similar(a)})

    def test_similar_cases_name_what_they_are_tagged_with(self):
        # a second participatory budgeting case: Porto Alegre is like it
        other = dict(hidden(PORTO_ALEGRE), id="another-orcamento",
                     city="Canoas", tags=["orçamento participativo"])
        a = self.suggest_json(self.write_json("other.json", other))
        pairs = similar(a)
        self.assertTrue(pairs, a)
        tagged = {c["id"]: c["sdg_targets"] for c in (PORTO_ALEGRE, BOGOTA)}
        for case_id, target in pairs:
            self.assertIn(target, tagged[case_id])

    def test_without_a_data_folder_a_file_uses_the_packs_alone(self):
        path = self.write_json("rosario.json", hidden(ROSARIO))
        r = self.minga("suggest", "--json", path,
                       data=self.path("no-such-folder"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("query packs alone", r.stderr)
        a = json.loads(r.stdout)
        self.assertEqual(a["goals"][0]["goal"], 2)
        self.assertEqual(similar(a), set())

    def test_several_cases_in_a_file_answer_one_each(self):
        path = self.write_json("two.json", [hidden(ROSARIO),
                                            hidden(BOGOTA)])
        a = self.suggest_json(path)
        self.assertEqual([x["id"] for x in a],
                         [ROSARIO["id"], BOGOTA["id"]])

    def test_table_shows_targets_and_phrases(self):
        path = self.write_json("rosario.json", hidden(ROSARIO))
        out = self.ok("suggest", path).stdout
        line = [l for l in out.splitlines() if " 2.3 " in l]
        self.assertTrue(line, out)
        self.assertIn('"agricultura urbana"', out)

    def test_limit(self):
        path = self.write_json("rosario.json", hidden(ROSARIO))
        a = self.suggest_json("--limit", "1", path)
        self.assertEqual((len(a["goals"]), len(a["targets"])), (1, 1))
        for bad in ("0", "170", "x"):
            r = self.minga("suggest", "--limit", bad, path)
            self.assertEqual(r.returncode, 2, bad)

    def test_errors(self):
        self.assertEqual(self.minga("suggest").returncode, 2)
        r = self.minga("suggest", "no-such-case")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-case", r.stderr)
        bad = self.write("bad.json", '{"title": ')
        r = self.minga("suggest", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.json", r.stderr)
        notext = self.write_json("notext.json", {"city": "Rosario"})
        r = self.minga("suggest", notext)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no text", r.stderr)


if __name__ == "__main__":
    clitest.main()
