"""cli.search_suggested: `minga search --sdg/--target X --suggested`
(issue 21) on the sample catalog (data/sample).

Bogotá's Ciclovía (bogota-ciclovia) is tagged 3.4 and 11.7, not 11.2,
but its text is about closing roads to cars so people cycle and walk
(target 11.2, "sustainable transport systems"); Buenos Aires' relief
tunnels were built with World Bank loans (goal 17, finance) without
being tagged with goal 17. With --suggested each is
found by that filter, after the tagged cases and marked; without it, not;
a tagged case is never marked, and the answer without the flag is as it
was (no "suggested" key anywhere).
"""
import json
import os

import clitest
from clitest import MingaTest

CICLOVIA = "bogota-ciclovia"
TUNNELS = "buenos-aires-tuneles-aliviadores-arroyo-maldonado"
TRANSMILENIO = "bogota-transmilenio-bus-rapid-transit"


class SearchSuggested(MingaTest):

    def setUp(self):
        super().setUp()
        self.import_ok(os.path.join(clitest.SRC, "data", "sample"))

    def search(self, *args):
        return json.loads(self.ok("search", "--json", "--limit", "50",
                                  *args).stdout)

    def test_sample_case_is_untagged_as_the_test_assumes(self):
        c = self.show(CICLOVIA)
        self.assertNotIn("11.2", c["sdg_targets"])
        self.assertNotIn(17, self.show(TUNNELS)["sdg_goals"])
        self.assertIn("11.2", self.show(TRANSMILENIO)["sdg_targets"])

    def test_target_filter_finds_untagged_case_only_with_the_flag(self):
        plain = self.search("--target", "11.2")
        ids = [h["id"] for h in plain["results"]]
        self.assertNotIn(CICLOVIA, ids)
        self.assertNotIn("suggested", plain)
        for h in plain["results"]:
            self.assertNotIn("suggested", h)
        sugg = self.search("--target", "11.2", "--suggested")
        self.assertTrue(sugg["suggested"])
        self.assertNotIn("suggested_unavailable", sugg)
        by_id = {h["id"]: h for h in sugg["results"]}
        self.assertIn(CICLOVIA, by_id)
        self.assertEqual(by_id[CICLOVIA]["suggested"],
                         {"goals": [], "targets": ["11.2"]})
        # the tagged cases are not marked, and they come first
        self.assertNotIn("suggested", by_id[TRANSMILENIO])
        marks = ["suggested" in h for h in sugg["results"]]
        self.assertEqual(marks, sorted(marks), marks)
        self.assertEqual(sugg["total"], plain["total"] + marks.count(True))
        # the tagged ones as without the flag, in the same order
        self.assertEqual([h["id"] for h in sugg["results"]
                          if "suggested" not in h], ids)

    def test_goal_filter_with_text_ranks_tagged_first(self):
        plain = self.search("--sdg", "17", "ciudad")
        self.assertNotIn(TUNNELS, [h["id"] for h in plain["results"]])
        sugg = self.search("--sdg", "17", "--suggested", "ciudad")
        by_id = {h["id"]: h for h in sugg["results"]}
        self.assertIn(TUNNELS, by_id)
        self.assertEqual(by_id[TUNNELS]["suggested"]["goals"], [17])
        marks = ["suggested" in h for h in sugg["results"]]
        self.assertEqual(marks, sorted(marks), marks)
        # tagged first even when a suggested case weighs more
        tagged = [h for h in sugg["results"] if "suggested" not in h]
        self.assertTrue(tagged)
        self.assertGreater(by_id[TUNNELS]["score"], tagged[-1]["score"])
        # the scores are BM25 weights, as without the flag
        plain_scores = {h["id"]: h["score"] for h in plain["results"]}
        for h in sugg["results"]:
            if h["id"] in plain_scores:
                self.assertAlmostEqual(h["score"], plain_scores[h["id"]],
                                       places=4)
            self.assertLessEqual(h["percent"], 100)
        # the facets count the same match set
        n = sum(c["count"] for c in sugg["facets"]["languages"])
        self.assertEqual(n, sugg["total"])

    def test_text_output_marks_the_suggested_case(self):
        out = self.ok("search", "--target", "11.2", "--suggested",
                      "--limit", "50").stdout
        line = [l for l in out.splitlines() if CICLOVIA in l]
        self.assertEqual(len(line), 1, out)
        self.assertIn("(suggested: 11.2)", line[0])
        tagged = [l for l in out.splitlines() if TRANSMILENIO in l]
        self.assertNotIn("suggested", tagged[0])
        self.assertNotIn(CICLOVIA, self.ok("search", "--target",
                                           "11.2").stdout)

    def test_reindex_keeps_the_suggestions_and_check_is_clean(self):
        self.ok("reindex")
        sugg = self.search("--target", "11.2", "--suggested")
        self.assertIn(CICLOVIA, [h["id"] for h in sugg["results"]])
        self.assertNotIn("suggested_unavailable", sugg)
        self.ok("check")


if __name__ == "__main__":
    clitest.main()
