"""cli.roundtrip: import the sample catalogue, export it as json, csv and
jsonl, import each export into a fresh data folder: every case comes back
identical (show --json without times)."""

import glob
import json
import os

import clitest
from clitest import MingaTest, canonical, without_times


class RoundTrip(MingaTest):

    def setUp(self):
        super().setUp()
        self.sample = os.path.join(clitest.SRC, "data", "sample")
        self.sample_files = sorted(glob.glob(os.path.join(self.sample,
                                                          "*.json")))
        self.assertGreaterEqual(len(self.sample_files), 30)
        self.ids = []
        for path in self.sample_files:
            with open(path, encoding="utf-8") as f:
                self.ids.append(json.load(f)["id"])
        r = self.import_ok(self.sample)
        self.assertIn("imported %d cases from %d files: %d new, 0 updated"
                      % ((len(self.ids),) * 3), r.stdout)

    def all_cases(self, data=None):
        return {i: without_times(self.show(i, data=data)) for i in self.ids}

    def test_sample_imports_as_written(self):
        for path in self.sample_files:
            with open(path, encoding="utf-8") as f:
                want = canonical(json.load(f))
            self.assertEqual(without_times(self.show(want["id"])), want,
                             os.path.basename(path))

    def round_trip(self, fmt):
        out = os.path.join(self.tmp, "export." + fmt)
        self.ok("export", "--format", fmt, "-o", out)
        self.assertTrue(os.path.getsize(out) > 0)
        fresh = os.path.join(self.tmp, "fresh-" + fmt)
        self.ok("init", data=fresh)
        r = self.ok("import", out, data=fresh)
        n = len(self.ids)
        self.assertIn("imported %d cases from 1 file: %d new, 0 updated"
                      % (n, n), r.stdout)
        self.assertEqual(self.stats(data=fresh)["cases"], n)
        before = self.all_cases()
        after = self.all_cases(data=fresh)
        for i in self.ids:
            self.assertEqual(after[i], before[i], "%s via %s" % (i, fmt))

    def test_json_export_round_trips(self):
        self.round_trip("json")

    def test_csv_export_round_trips(self):
        self.round_trip("csv")

    def test_jsonl_export_round_trips(self):
        self.round_trip("jsonl")

    def test_reimporting_an_export_into_the_same_folder_updates_only(self):
        out = os.path.join(self.tmp, "export.json")
        self.ok("export", "--format", "json", "-o", out)
        before = self.all_cases()
        r = self.import_ok(out)
        n = len(self.ids)
        self.assertIn("imported %d cases from 1 file: 0 new, %d updated"
                      % (n, n), r.stdout)
        self.assertEqual(self.all_cases(), before)


if __name__ == "__main__":
    clitest.main()
