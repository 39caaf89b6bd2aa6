"""Shared helpers of the CLI integration tests.

Every test script is run as `python3 test_x.py MINGA_BINARY SOURCE_DIR`;
each test gets a fresh temporary folder with its own data folder (created
with `minga init`), so tests are independent and leave nothing behind.

The fixture cases are real, documented experiences (Porto Alegre's
participatory budgeting, Rosario's urban agriculture programme, Bogotá's
Ciclovía), written in the case format v1 of shared/docs/case-format.md.
Expectations are derived from that contract, never from the program's own
output.
"""

import copy
import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

MINGA = None
SRC = None


def configure():
    """Takes MINGA_BINARY and SOURCE_DIR off sys.argv (unittest keeps the
    rest, e.g. -v or a test name)."""
    global MINGA, SRC
    if len(sys.argv) < 3:
        sys.exit("usage: %s MINGA_BINARY SOURCE_DIR [unittest args]"
                 % sys.argv[0])
    MINGA = os.path.abspath(sys.argv[1])
    SRC = os.path.abspath(sys.argv[2])
    del sys.argv[1:3]


def main():
    configure()
    unittest.main(verbosity=2)


# ---- fixture cases --------------------------------------------------------

PORTO_ALEGRE = {
    "id": "porto-alegre-orcamento-participativo",
    "title": "Orçamento Participativo de Porto Alegre",
    "summary": ("Criado em 1989 pela administração do prefeito Olívio Dutra, "
                "o Orçamento Participativo permite que a população defina, em "
                "assembleias regionais e temáticas, as prioridades de "
                "investimento da prefeitura."),
    "body": ("## Origem\n\nO primeiro ciclo ocorreu em 1989, com o objetivo "
             "declarado de inverter prioridades e levar investimentos às "
             "regiões mais pobres da cidade.\n"),
    "language": "pt",
    "city": "Porto Alegre",
    "country": "BR",
    "region": "Rio Grande do Sul",
    "year_start": 1989,
    "sdg_goals": [16, 11, 10],
    "sdg_targets": ["16.7", "16.6", "11.3", "10.2"],
    "levels": ["local"],
    "actors": ["public_sector", "community", "civil_society"],
    "tags": ["orçamento participativo", "democracia participativa"],
    "source_url": "https://pt.wikipedia.org/wiki/Or%C3%A7amento_participativo",
    "license": "CC-BY-4.0",
}

ROSARIO = {
    "id": "rosario-programa-agricultura-urbana",
    "title": "Programa de Agricultura Urbana de Rosario",
    "summary": ("La Municipalidad de Rosario creó en 2002, en plena crisis "
                "económica, un programa de agricultura urbana que entrega "
                "herramientas, semillas y capacitación para producir "
                "alimentos agroecológicos en terrenos vacantes."),
    "language": "es",
    "city": "Rosario",
    "country": "AR",
    "region": "Santa Fe",
    "year_start": 2002,
    "sdg_goals": [2, 11, 13, 8],
    "sdg_targets": ["2.1", "2.3", "2.4", "11.7", "13.1", "8.3"],
    "levels": ["local"],
    "actors": ["public_sector", "civil_society", "community"],
    "tags": ["agricultura urbana", "huertas", "agroecología"],
    "source_url": "https://prizeforcities.org/2020-2021-winners",
    "license": "CC-BY-4.0",
}

BOGOTA = {
    "id": "bogota-ciclovia",
    "title": "Ciclovía de Bogotá",
    "summary": ("Desde 1974 Bogotá cierra al tráfico motorizado más de 120 km "
                "de vías los domingos y festivos para que la gente camine, "
                "corra y monte en bicicleta."),
    "language": "es",
    "city": "Bogotá",
    "country": "CO",
    "year_start": 1974,
    "sdg_goals": [3, 11],
    "sdg_targets": ["3.4", "11.2"],
    "levels": ["local"],
    "actors": ["public_sector", "community"],
    "tags": ["ciclovía", "espacio público"],
    "source_url": "https://en.wikipedia.org/wiki/Ciclov%C3%ADa",
    "license": "CC-BY-4.0",
}


def case(base, **changes):
    """A deep copy of a fixture with fields changed; a value of DROP removes
    the field."""
    c = copy.deepcopy(base)
    for k, v in changes.items():
        if v is DROP:
            c.pop(k, None)
        else:
            c[k] = v
    return c


class _Drop:
    def __repr__(self):
        return "DROP"


DROP = _Drop()

# ---- the contract's canonical form ----------------------------------------

LEVELS = ["local", "regional", "national", "multilateral"]
ACTORS = ["public_sector", "civil_society", "private_sector", "academia",
          "community", "international_organization"]
FIELD_ORDER = ["id", "title", "summary", "body", "language", "city",
               "country", "region", "year_start", "year_end", "sdg_goals",
               "sdg_targets", "levels", "actors", "tags", "source_url",
               "license", "attachments"]


def target_key(t):
    goal, _, rest = t.partition(".")
    # numbers before letters: 11.1 < 11.7 < 11.a
    return (int(goal), 0 if rest.isdigit() else 1,
            int(rest) if rest.isdigit() else rest)


def canonical(c):
    """A case as the contract says minga holds it: a target's goal added to
    sdg_goals, goals ascending, targets by goal then number, levels and
    actors in the contract's order; tags as given."""
    out = dict(c)
    goals = set(c["sdg_goals"])
    for t in c.get("sdg_targets", []):
        goals.add(int(t.split(".")[0]))
    out["sdg_goals"] = sorted(goals)
    if "sdg_targets" in c:
        out["sdg_targets"] = sorted(set(c["sdg_targets"]), key=target_key)
    out["levels"] = [x for x in LEVELS if x in c["levels"]]
    if "actors" in c:
        out["actors"] = [x for x in ACTORS if x in c["actors"]]
    return out


def without_times(c):
    return {k: v for k, v in c.items() if k not in ("created_at",
                                                    "updated_at")}


# ---- writing fixture files ------------------------------------------------

def json_text(obj):
    """One field per line, so that a field's line is easy to find."""
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def line_of(text, field, index=None, occurrence=0):
    """The 1-based line of `"field":` in a JSON text rendered by json_text
    (occurrence counts from 0 among cases in one file); with an index, the
    line of that array item (one scalar item per line)."""
    lines = text.split("\n")
    seen = 0
    for i, line in enumerate(lines):
        if re.match(r'\s*"%s":' % re.escape(field), line):
            if seen == occurrence:
                return i + 1 + (0 if index is None else 1 + index)
            seen += 1
    raise AssertionError("field %s not in the text" % field)


def csv_text(cases, fields=None):
    """RFC 4180 with a header row; arrays joined with ';'."""
    if fields is None:
        fields = []
        for c in cases:
            for k in c:
                if k not in fields:
                    fields.append(k)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(fields)
    for c in cases:
        row = []
        for f in fields:
            v = c.get(f, "")
            if isinstance(v, list):
                v = ";".join(str(x) for x in v)
            row.append(str(v))
        w.writerow(row)
    return buf.getvalue()


def markdown_text(c):
    """YAML front matter (strings double-quoted, arrays as block
    sequences) and the body after it."""
    lines = ["---"]
    for k, v in c.items():
        if k == "body":
            continue
        if isinstance(v, list):
            lines.append("%s:" % k)
            for x in v:
                lines.append("  - %s" % (json.dumps(x, ensure_ascii=False)
                                         if isinstance(x, str) else x))
        elif isinstance(v, str):
            lines.append("%s: %s" % (k, json.dumps(v, ensure_ascii=False)))
        else:
            lines.append("%s: %s" % (k, v))
    lines.append("---")
    text = "\n".join(lines) + "\n"
    if "body" in c:
        text += "\n" + c["body"]
    return text


# ---- the test case base ---------------------------------------------------

class MingaTest(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="minga-cli-")
        self.data = os.path.join(self.tmp, "data")
        self.env = dict(os.environ)
        for k in ("MINGA_DATA", "MINGA_PLUGIN_PATH"):
            self.env.pop(k, None)
        self.env["LC_ALL"] = "C.UTF-8"
        r = self.minga("init")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # running the binary

    def minga(self, *args, data=None, env=None, cwd=None):
        cmd = [MINGA]
        if data is not False:
            cmd += ["--data", data or self.data]
        cmd += [str(a) for a in args]
        return subprocess.run(cmd, capture_output=True, cwd=cwd or self.tmp,
                              env=env or self.env, timeout=300,
                              encoding="utf-8", errors="replace")

    def ok(self, *args, **kw):
        r = self.minga(*args, **kw)
        self.assertEqual(r.returncode, 0,
                         "minga %s failed:\n%s%s" % (" ".join(map(str, args)),
                                                    r.stdout, r.stderr))
        return r

    def import_ok(self, *paths, **kw):
        return self.ok("import", *paths, **kw)

    def show(self, case_id, data=None):
        r = self.minga("show", case_id, "--json", data=data)
        if r.returncode != 0:
            return None
        return json.loads(r.stdout)

    def stats(self, data=None):
        return json.loads(self.ok("stats", "--json", data=data).stdout)

    def search_ids(self, *args, data=None):
        r = self.ok("search", "--json", "--limit", "100", *args, data=data)
        return [hit["id"] for hit in json.loads(r.stdout)["results"]]

    # writing files

    def path(self, *parts):
        p = os.path.join(self.tmp, *parts)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def write(self, name, content):
        p = self.path(name)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(p, mode, **({} if mode == "wb" else
                              {"encoding": "utf-8", "newline": ""})) as f:
            f.write(content)
        return p

    def write_json(self, name, obj):
        return self.write(name, json_text(obj))

    # checks

    def snapshot(self, *ids):
        """What must not change when an import is refused."""
        return (self.stats()["cases"], [self.show(i) for i in ids])

    def assert_error_line(self, stderr, file, field, line=None,
                          message=None):
        """Checks that stderr holds a compiler-style error line
        FILE:LINE[:COL]: error: FIELD: MESSAGE."""
        line_re = r"\d+" if line is None else str(line)
        pattern = r"^%s:%s(:\d+)?: error: %s: (.*)$" % (
            re.escape(file), line_re, re.escape(field))
        matches = [m for m in (re.match(pattern, l)
                               for l in stderr.splitlines()) if m]
        self.assertTrue(matches, "no error line %s:%s: error: %s: ... in:\n%s"
                        % (file, line_re, field, stderr))
        if message is not None:
            texts = [m.group(2) for m in matches]
            self.assertTrue(any(re.search(message, t) for t in texts),
                            "no message matching %r among %r" % (message,
                                                                 texts))
        return matches
