"""cli.archive_roundtrip: the sample catalogue, with attachments added to
some of its cases, exported with `--format archive` and imported into an
empty data folder comes back the same: `export --format json` byte for
byte, and every attachment's bytes. Two cases naming one path with
different bytes, two naming one path with the same bytes, names with
spaces and accents, and a Markdown report without front matter are all
in it."""

import glob
import json
import os
import shutil
import zipfile

import clitest
from clitest import MingaTest

# case id -> {path named by the case: bytes}; cases in one folder share
# their attachment files, so the clashing ones live in folders of their own.
ATTACHMENTS = {
    "seoul-cheonggyecheon-restoration": (
        "seul", {"docs/informe final.txt": "Informe de Seúl: 5,8 km.\n",
                 "notas.md": "# Notas\n\nSin front matter: un adjunto.\n"}),
    "bogota-ciclovia": (
        "bogota", {"docs/informe final.txt": "Informe de Bogotá: 120 km.\n",
                   "fotos/mapa del recorrido.html":
                       "<html><body><p>Mapa de la Ciclovía</p></body></html>"}),
    "rosario-presupuesto-participativo": (
        "rosario", {"docs/informe final.txt": "Informe de Seúl: 5,8 km.\n",
                    "notas.md": "# Notas\n\nSin front matter: un adjunto.\n"}),
}


class ArchiveRoundTrip(MingaTest):

    def setUp(self):
        super().setUp()
        sample = os.path.join(clitest.SRC, "data", "sample")
        src = os.path.join(self.tmp, "sample")
        os.makedirs(src)
        self.ids = []
        for path in sorted(glob.glob(os.path.join(sample, "*.json"))):
            with open(path, encoding="utf-8") as f:
                case = json.load(f)
            self.ids.append(case["id"])
            folder = src
            if case["id"] in ATTACHMENTS:
                sub, files = ATTACHMENTS[case["id"]]
                folder = os.path.join(src, sub)
                case["attachments"] = list(files)
                for name, text in files.items():
                    p = os.path.join(folder, name)
                    os.makedirs(os.path.dirname(p), exist_ok=True)
                    with open(p, "w", encoding="utf-8") as f:
                        f.write(text)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, case["id"] + ".json"), "w",
                      encoding="utf-8") as f:
                json.dump(case, f, ensure_ascii=False, indent=2)
        self.assertGreaterEqual(len(self.ids), 30)
        r = self.import_ok(src)
        self.assertIn("imported %d cases" % len(self.ids), r.stdout)

    def export(self, fmt, data=None, name=None):
        out = os.path.join(self.tmp, name or ("export." + fmt))
        self.ok("export", "--format", fmt, "-o", out, data=data)
        with open(out, "rb") as f:
            return out, f.read()

    def attachment(self, case_id, path, data=None):
        r = subprocess_bytes(self, case_id, path, data)
        return r

    def test_archive_round_trips_byte_for_byte_with_attachments(self):
        _, before = self.export("json", name="before.json")
        archive, _ = self.export("archive", name="all.zip")
        fresh = os.path.join(self.tmp, "fresh")
        self.ok("init", data=fresh)
        r = self.ok("import", archive, data=fresh)
        n = len(self.ids)
        self.assertIn("imported %d cases from 1 file: %d new, 0 updated"
                      % (n, n), r.stdout)
        _, after = self.export("json", data=fresh, name="after.json")
        self.assertEqual(after, before)
        for case_id, (_, files) in ATTACHMENTS.items():
            for name, text in files.items():
                self.assertEqual(self.attachment(case_id, name, data=fresh),
                                 text.encode("utf-8"),
                                 "%s: %s" % (case_id, name))

    def test_archive_holds_the_import_layout(self):
        archive, _ = self.export("archive", name="all.zip")
        with zipfile.ZipFile(archive) as z:
            names = z.namelist()
            self.assertEqual(len(names), len(set(names)))
            case_files = [x for x in names if x.endswith(".json")]
            self.assertEqual(len(case_files), len(self.ids))
            for case_id in self.ids:
                found = [x for x in case_files
                         if x.endswith("/" + case_id + ".json")]
                self.assertEqual(len(found), 1, case_id)
                case = json.loads(z.read(found[0]).decode("utf-8"))
                self.assertEqual(case["id"], case_id)
                folder = found[0].rsplit("/", 1)[0]
                for path in case.get("attachments", []):
                    want = ATTACHMENTS[case_id][1][path].encode("utf-8")
                    self.assertEqual(z.read(folder + "/" + path), want,
                                     "%s: %s" % (case_id, path))
            # Same path, same bytes: one file for Seoul and Rosario.
            self.assertIn("cases/notas.md", names)
            self.assertEqual(sum(1 for x in names
                                 if x.endswith("/notas.md")), 1)

    def test_csv_and_jsonl_say_they_carry_no_attachment_bytes(self):
        plugins = json.loads(self.ok("plugins", "--json").stdout)
        described = {p.get("name"): p.get("description", "")
                     for p in plugins if p.get("kind") == "exporter"}
        self.assertIn("archive", described)
        for fmt in ("csv", "jsonl", "json"):
            self.assertIn("no attachment bytes", described[fmt], fmt)
        _, csv_bytes = self.export("csv")
        # The data itself stays the case format: no note in any cell.
        self.assertNotIn(b"no attachment bytes", csv_bytes)
        self.assertTrue(csv_bytes.startswith(b"\xef\xbb\xbfid,title,"))

    def test_jsonl_and_csv_import_back_with_no_attachments(self):
        n = len(self.ids)
        for fmt in ("jsonl", "csv"):
            out, _ = self.export(fmt)
            fresh = os.path.join(self.tmp, "fresh-" + fmt)
            self.ok("init", data=fresh)
            # Without the option a named attachment that is not there is
            # an error that names it, and nothing is imported.
            r = self.minga("import", out, data=fresh)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("docs/informe final.txt", r.stdout + r.stderr)
            self.assertIn("not found next to the case file",
                          r.stdout + r.stderr)
            self.assertEqual(self.stats(data=fresh)["cases"], 0, fmt)
            # With it: one warning per missing attachment, every case in,
            # none of them claiming an attachment it does not have.
            r = self.ok("import", "--no-attachments", "--json", out,
                        data=fresh)
            report = json.loads(r.stdout)
            self.assertEqual(report["new"], n, fmt)
            self.assertEqual(report["errors"], 0, fmt)
            named = sum(len(files) for _, files in ATTACHMENTS.values())
            self.assertEqual(report["warnings"], named, fmt)
            self.assertEqual(report["attachments"], 0, fmt)
            for d in report["diagnostics"]:
                self.assertEqual(d["severity"], "warning")
                self.assertIn("--no-attachments", d["message"])
            for case_id in ATTACHMENTS:
                case = self.show(case_id, data=fresh)
                self.assertEqual(case.get("attachments", []), [], case_id)
                before = self.show(case_id)
                self.assertEqual(case["title"], before["title"])

    def test_no_attachments_keeps_attachments_that_are_there(self):
        # A folder import with the files present: the option changes
        # nothing, the attachments are imported with their bytes.
        fresh = os.path.join(self.tmp, "fresh-folder")
        self.ok("init", data=fresh)
        self.ok("import", "--no-attachments",
                os.path.join(self.tmp, "sample"), data=fresh)
        for case_id, (_, files) in ATTACHMENTS.items():
            for name, text in files.items():
                self.assertEqual(self.attachment(case_id, name, data=fresh),
                                 text.encode("utf-8"))


def subprocess_bytes(test, case_id, path, data):
    import subprocess
    cmd = [clitest.MINGA, "--data", data or test.data, "show", case_id,
           "--attachment", path]
    r = subprocess.run(cmd, capture_output=True, env=test.env, timeout=300)
    test.assertEqual(r.returncode, 0, r.stderr)
    return r.stdout


if __name__ == "__main__":
    clitest.main()
