"""cli.stewardship: no version is ever lost (issue 19).

Every create, update, delete, restore and revert of a case is a revision
that `minga history` lists and `minga show --rev N` reads back exactly as
it was, attachments included (their bytes through --attachment); search
and exports show only the current revision; a purge removes every
revision and its bytes and leaves only a line saying so; tokens carry a
role and a scope; review is a setting kept in the data folder; and a data
folder written by release 0.1 (schema 2) upgrades in place.

Expectations come from the issue and shared/docs/case-format.md: the
cases are the fixtures of clitest.py (real experiences), changed the way
a city would change them.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile

import clitest
from clitest import (BOGOTA, PORTO_ALEGRE, ROSARIO, MingaTest, canonical,
                     case, without_times)

# Two versions of Rosario's report: text that appears in no case field.
REPORT_1 = ("Informe anual 2019 del Programa de Agricultura Urbana.\n"
            "La feria de la Plaza Montenegro reúne cada sábado a las "
            "huerteras de los parques huerta.\n").encode("utf-8")
REPORT_2 = ("Informe anual 2020 del Programa de Agricultura Urbana.\n"
            "Durante la pandemia la red de huerteras abasteció al Mercado "
            "del Patio con bolsones de verdura agroecológica.\n"
            ).encode("utf-8")
ATTACHMENT = "anexos/informe.txt"
TIME_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


class Stewardship(MingaTest):

    def write_rosario(self, version, report):
        """Writes a version of Rosario's case (and its report, when given)
        into its own folder, so each import is a new file."""
        folder = "v%d" % self.n_written
        self.n_written += 1
        self.write_json(os.path.join(folder, "rosario.json"), version)
        if report is not None:
            self.write(os.path.join(folder, ATTACHMENT), report)
        return os.path.join(folder, "rosario.json")

    def setUp(self):
        super().setUp()
        self.n_written = 0

    def history(self, case_id):
        return json.loads(self.ok("history", case_id, "--json").stdout)

    def show_rev(self, case_id, rev):
        r = self.minga("show", case_id, "--rev", rev, "--json")
        return json.loads(r.stdout) if r.returncode == 0 else None

    def attachment(self, case_id, rev=None):
        args = ["show", case_id, "--attachment", ATTACHMENT]
        if rev is not None:
            args += ["--rev", rev]
        cmd = [clitest.MINGA, "--data", self.data] + [str(a) for a in args]
        r = subprocess.run(cmd, capture_output=True, env=self.env,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return r.stdout

    def export_json(self):
        r = self.minga("export", "--format", "json")
        if r.returncode != 0:
            return []
        return json.loads(r.stdout)

    def test_every_revision_reads_back_exactly_as_it_was(self):
        v1 = case(ROSARIO, attachments=[ATTACHMENT])
        v2 = case(ROSARIO, title="Programa de Agricultura Urbana de Rosario "
                  "(Parques Huerta)", year_end=2020,
                  attachments=[ATTACHMENT])
        v3 = case(v2, summary=ROSARIO["summary"] + " En 2020 sumó el "
                  "cinturón verde periurbano.")
        v3.pop("attachments")
        rid = ROSARIO["id"]
        self.import_ok(self.write_rosario(v1, REPORT_1))
        self.import_ok(self.write_rosario(v2, REPORT_2))
        self.import_ok(self.write_rosario(v3, None))
        self.ok("delete", rid)
        self.assertIsNone(self.show(rid))
        self.assertEqual(self.search_ids("agricultura"), [])
        self.ok("restore", rid)
        r = self.ok("revert", rid, "--to", "1")
        self.assertIn("revision 6", r.stdout)

        h = self.history(rid)
        self.assertEqual(h["id"], rid)
        self.assertEqual(h["current"], 6)
        self.assertFalse(h["deleted"])
        self.assertEqual([x["rev"] for x in h["revisions"]],
                         [1, 2, 3, 4, 5, 6])
        self.assertEqual([x["action"] for x in h["revisions"]],
                         ["create", "update", "update", "delete", "restore",
                          "revert"])
        for x in h["revisions"]:
            self.assertEqual(x["by"], "cli")
            self.assertRegex(x["time"], TIME_RE)
        # imports carry their import; the commands at the machine do not
        self.assertTrue(all(isinstance(x["import_id"], int)
                            for x in h["revisions"][:3]))
        self.assertEqual(len({x["import_id"] for x in h["revisions"][:3]}),
                         3)
        self.assertTrue(all(x["import_id"] is None
                            for x in h["revisions"][3:]))

        expected = {1: v1, 2: v2, 3: v3, 5: v3, 6: v1}
        for rev, version in expected.items():
            got = self.show_rev(rid, rev)
            self.assertIsNotNone(got, "revision %d" % rev)
            self.assertEqual(without_times(got), canonical(version),
                             "revision %d" % rev)
        r = self.minga("show", rid, "--rev", "4", "--json")
        self.assertEqual(r.returncode, 1)
        self.assertIn("delet", r.stderr)
        self.assertEqual(self.minga("show", rid, "--rev", "7").returncode, 1)

        self.assertEqual(self.attachment(rid, 1), REPORT_1)
        self.assertEqual(self.attachment(rid, 2), REPORT_2)
        self.assertEqual(self.attachment(rid, 6), REPORT_1)
        self.assertEqual(self.attachment(rid), REPORT_1)
        r = self.minga("show", rid, "--rev", "3", "--attachment", ATTACHMENT)
        self.assertEqual(r.returncode, 1)

        # only the current revision is searched and exported
        self.assertEqual(without_times(self.show(rid)), canonical(v1))
        self.assertEqual(self.search_ids('"plaza montenegro"'), [rid])
        self.assertEqual(self.search_ids('"mercado del patio"'), [])
        self.assertEqual(self.search_ids('"cinturón verde"'), [])
        exported = self.export_json()
        self.assertEqual([c["id"] for c in exported], [rid])
        self.assertEqual(exported[0]["title"], ROSARIO["title"])
        self.ok("check")

    def test_a_deleted_case_is_gone_until_restored(self):
        self.write_json("two.json", [PORTO_ALEGRE, BOGOTA])
        self.import_ok("two.json")
        self.ok("delete", BOGOTA["id"])
        r = self.minga("show", BOGOTA["id"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.search_ids("ciclovía"), [])
        self.assertEqual([c["id"] for c in self.export_json()],
                         [PORTO_ALEGRE["id"]])
        self.assertEqual(self.stats()["cases"], 1)
        h = self.history(BOGOTA["id"])
        self.assertTrue(h["deleted"])
        self.assertIsNone(h["current"])
        # deleting again, or restoring a case that is there, says why
        r = self.minga("delete", BOGOTA["id"])
        self.assertEqual(r.returncode, 1)
        r = self.minga("restore", PORTO_ALEGRE["id"])
        self.assertEqual(r.returncode, 1)
        self.assertIn(PORTO_ALEGRE["id"], r.stderr)
        self.ok("restore", BOGOTA["id"])
        self.assertEqual(without_times(self.show(BOGOTA["id"])),
                         canonical(BOGOTA))
        self.assertEqual(self.search_ids("ciclovía"), [BOGOTA["id"]])
        self.assertEqual(self.stats()["cases"], 2)

    def test_revert_refuses_what_it_cannot_do(self):
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        self.ok("delete", BOGOTA["id"])
        for args in (["--to", "2"], ["--to", "9"]):   # a deletion, none
            r = self.minga("revert", BOGOTA["id"], *args)
            self.assertEqual(r.returncode, 1, r.stdout)
        r = self.minga("revert", "no-such-case", "--to", "1")
        self.assertEqual(r.returncode, 1)
        self.assertEqual(self.minga("revert", BOGOTA["id"]).returncode, 2)
        self.assertEqual(len(self.history(BOGOTA["id"])["revisions"]), 2)

    def test_purge_removes_every_revision_and_its_bytes(self):
        rid = ROSARIO["id"]
        self.import_ok(self.write_rosario(case(ROSARIO,
                                               attachments=[ATTACHMENT]),
                                          REPORT_1))
        self.import_ok(self.write_rosario(case(ROSARIO, year_end=2020,
                                               attachments=[ATTACHMENT]),
                                          REPORT_2))
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        r = self.ok("purge", rid)
        self.assertIn("2 revisions", r.stdout)
        self.assertIsNone(self.show(rid))
        self.assertIsNone(self.show_rev(rid, 1))
        h = self.history(rid)
        self.assertEqual(h["revisions"], [])
        self.assertEqual(len(h["purged"]), 1)
        self.assertEqual(h["purged"][0]["revisions"], 2)
        self.assertEqual(h["purged"][0]["by"], "cli")
        self.assertEqual(self.search_ids("agricultura"), [])
        db = sqlite3.connect(os.path.join(self.data, "catalog.db"))
        try:
            # no byte of either report is left
            self.assertEqual(db.execute("SELECT count(*) FROM blobs")
                             .fetchone()[0], 0)
            self.assertEqual(db.execute("SELECT count(*) FROM revisions "
                                        "WHERE case_id = ?", (rid,))
                             .fetchone()[0], 0)
        finally:
            db.close()
        self.assertEqual(self.show(BOGOTA["id"])["title"], BOGOTA["title"])
        self.ok("check")
        # a purged id can be created afresh, as revision 1
        self.import_ok(self.write_rosario(ROSARIO, None))
        self.assertEqual([x["rev"] for x in
                          self.history(rid)["revisions"]], [1])

    def test_token_roles_and_scopes(self):
        r = self.ok("token", "add", "montevideo", "--role", "city",
                    "--country", "UY", "--city", "Montevideo",
                    "--expires", "30")
        self.assertRegex(r.stdout.strip(), r"^\S{20,}$")
        self.ok("token", "add", "secretaria", "--role", "curator")
        tokens = {t["name"]: t for t in json.loads(
            self.ok("token", "list", "--json").stdout)}
        mvd = tokens["montevideo"]
        self.assertEqual(mvd["role"], "city")
        self.assertEqual(mvd["countries"], ["UY"])
        self.assertEqual(mvd["cities"], ["Montevideo"])
        self.assertRegex(mvd["expires_at"], TIME_RE)
        self.assertIsNone(mvd["last_used_at"])
        self.assertEqual(tokens["secretaria"]["role"], "curator")
        self.assertIsNone(tokens["secretaria"]["expires_at"])
        self.assertIn("montevideo", self.ok("token", "list").stdout)
        # a city token needs a real country; the role must be known
        for bad in (["--role", "city"],
                    ["--role", "city", "--country", "XX"],
                    ["--role", "mayor", "--country", "UY"],
                    ["--role", "curator", "--country", "UY"]):
            r = self.minga("token", "add", "bad", *bad)
            self.assertNotEqual(r.returncode, 0, bad)
        names = [t["name"] for t in json.loads(
            self.ok("token", "list", "--json").stdout)]
        self.assertNotIn("bad", names)

    def test_review_is_a_setting_of_the_data_folder(self):
        self.assertIn("off", self.ok("review", "status").stdout)
        self.ok("review", "on")
        self.assertIn("on", self.ok("review", "status").stdout)
        self.assertEqual(json.loads(self.ok("review", "list", "--json")
                                    .stdout), [])
        # imports at the machine are never held for review
        self.write_json("bogota.json", BOGOTA)
        self.import_ok("bogota.json")
        self.assertEqual(self.search_ids("ciclovía"), [BOGOTA["id"]])
        self.ok("review", "off")
        self.assertIn("off", self.ok("review", "status").stdout)
        self.assertEqual(self.minga("review", "approve", "99").returncode, 1)


class Upgrade(MingaTest):
    """A data folder written by release 0.1 (schema version 2), made by
    scripts/make-upgrade-fixture.sh from that release's code."""

    FIXTURE = "tests/cli/fixtures/release-0.1-data.tar.gz"

    def setUp(self):
        super().setUp()
        shutil.rmtree(self.data)
        with tarfile.open(os.path.join(clitest.SRC, self.FIXTURE)) as tar:
            tar.extractall(self.tmp)
        os.rename(os.path.join(self.tmp, "release-0.1-data"), self.data)

    def user_version(self):
        db = sqlite3.connect(os.path.join(self.data, "catalog.db"))
        try:
            return db.execute("PRAGMA user_version").fetchone()[0]
        finally:
            db.close()

    def test_cases_become_revision_1_and_tokens_curators(self):
        self.assertEqual(self.user_version(), 2)
        ids = sorted(c["id"] for c in json.loads(
            self.ok("export", "--format", "json").stdout))
        self.assertEqual(ids, sorted([PORTO_ALEGRE["id"], ROSARIO["id"],
                                      BOGOTA["id"]]))
        self.ok("token", "list")   # a writer: migrates
        self.assertEqual(self.user_version(), 4)   # 3: history, 4: harvest
        for cid in ids:
            h = json.loads(self.ok("history", cid, "--json").stdout)
            self.assertEqual([(x["rev"], x["action"]) for x in
                              h["revisions"]], [(1, "create")])
            self.assertEqual(h["revisions"][0]["by"], "cli")
        tokens = json.loads(self.ok("token", "list", "--json").stdout)
        self.assertEqual([(t["name"], t["role"]) for t in tokens],
                         [("rosario", "curator")])
        self.ok("check")
        self.assertEqual(self.search_ids("ciclovía"), [BOGOTA["id"]])
        # the old attachment reads back, and an update is revision 2
        self.assertEqual(self.minga("show", ROSARIO["id"], "--attachment",
                                    ATTACHMENT).stdout.encode(), REPORT_1)
        self.write_json("new/rosario.json", case(ROSARIO, year_end=2020,
                                                 attachments=[ATTACHMENT]))
        self.write(os.path.join("new", ATTACHMENT), REPORT_2)
        self.import_ok("new/rosario.json")
        h = json.loads(self.ok("history", ROSARIO["id"], "--json").stdout)
        self.assertEqual([x["action"] for x in h["revisions"]],
                         ["create", "update"])
        old = json.loads(self.ok("show", ROSARIO["id"], "--rev", "1",
                                 "--json").stdout)
        self.assertEqual(without_times(old),
                         canonical(case(ROSARIO, attachments=[ATTACHMENT])))


if __name__ == "__main__":
    clitest.main()
