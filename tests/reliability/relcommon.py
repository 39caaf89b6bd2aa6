"""Helpers shared by the reliability tests: case generators, running the
minga binary with a time limit, starting and stopping `minga serve`, and a
small HTTP client on the standard library only.

Every test here is bounded in time: each subprocess has a timeout and each
loop a deadline. Servers are bound to 127.0.0.1 only.
"""
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import time
import http.client

SKIP = 77

# Words for bodies: plain ASCII so sizes are predictable.
WORDS = ("agua saneamiento vivienda movilidad presupuesto participativo "
         "huerta compostaje residuos energia solar barrio escuela salud "
         "transporte bicicleta parque arbolado inundacion drenaje empleo "
         "cooperativa mercado feria cultura biblioteca seguridad alumbrado").split()


def log(*args):
    print(*args, flush=True)


def fail(msg):
    print("FAIL: " + msg, flush=True)
    sys.exit(1)


def make_case(prefix, i, marker, body_bytes=0):
    """A valid case of the case format v1. `marker` is a made-up word
    that only this batch's cases hold, so a search for it counts them."""
    case = {
        "id": "%s-%06d" % (prefix, i),
        "title": "Experiencia %s numero %d" % (prefix, i),
        "summary": "Caso de prueba %s %d sobre %s y %s" % (
            marker, i, WORDS[i % len(WORDS)], WORDS[(i * 7) % len(WORDS)]),
        "language": "es",
        "city": "Ciudad %d" % (i % 97),
        "country": ("AR", "BR", "CL", "UY", "MX")[i % 5],
        "year_start": 2000 + i % 20,
        "sdg_goals": [1 + i % 17],
        "levels": ["local"],
        "tags": [marker],
    }
    if body_bytes:
        words = []
        n = 0
        k = i
        while n < body_bytes:
            w = WORDS[k % len(WORDS)]
            k = (k * 1103515245 + 12345) & 0x7fffffff
            words.append(w)
            n += len(w) + 1
        case["body"] = " ".join(words)[:body_bytes]
    return case


def write_json(path, cases):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cases, f, ensure_ascii=False)


def write_targz(path, prefix, n, marker, per_file=1, body_bytes=0):
    """A .tar.gz of n cases, `per_file` cases per JSON member."""
    with tarfile.open(path, "w:gz", compresslevel=1) as tar:
        for start in range(0, n, per_file):
            cases = [make_case(prefix, i, marker, body_bytes)
                     for i in range(start, min(n, start + per_file))]
            data = json.dumps(cases).encode()
            info = tarfile.TarInfo("cases/%s-%06d.json" % (prefix, start))
            info.size = len(data)
            info.mtime = 1700000000
            tar.addfile(info, io.BytesIO(data))


class Minga:
    def __init__(self, binary, data_dir):
        self.binary = binary
        self.data = data_dir

    def run(self, *args, timeout=120, check=False, input=None):
        cmd = [self.binary, "--data", self.data] + [str(a) for a in args]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True,
                               timeout=timeout, input=input)
        except subprocess.TimeoutExpired:
            fail("timed out after %ss: %s" % (timeout, " ".join(cmd)))
        if check and p.returncode != 0:
            fail("%s exited %d\nstdout: %s\nstderr: %s" % (
                " ".join(cmd), p.returncode, p.stdout[-2000:],
                p.stderr[-2000:]))
        return p

    def popen(self, *args, **kw):
        cmd = [self.binary, "--data", self.data] + [str(a) for a in args]
        return subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, **kw)

    def json(self, *args, timeout=120):
        p = self.run(*args, "--json", timeout=timeout)
        try:
            return p.returncode, json.loads(p.stdout)
        except ValueError:
            fail("%s --json printed no JSON (exit %d): %r / %r" % (
                " ".join(args), p.returncode, p.stdout[-500:],
                p.stderr[-500:]))

    def stats_cases(self):
        rc, s = self.json("stats")
        if rc != 0:
            fail("stats exited %d" % rc)
        return s["cases"]

    def check_consistent(self, what):
        rc, rep = self.json("check", timeout=300)
        if rc != 0 or not rep.get("consistent"):
            fail("%s: check exit %d, report %s" % (what, rc,
                                                  json.dumps(rep)[:1500]))
        return rep

    def search_total(self, text, timeout=60):
        p = self.run("search", "--json", "--limit", "1", text,
                     timeout=timeout)
        if p.returncode != 0:
            return None, p
        return json.loads(p.stdout)["total"], p

    def show(self, case_id):
        p = self.run("show", case_id, "--json")
        if p.returncode != 0:
            return None
        return json.loads(p.stdout)


def case_fields_equal(expected, got):
    """The fields we wrote come back unchanged."""
    for k, v in expected.items():
        if got.get(k) != v:
            return "%s: expected %r, got %r" % (k, v, got.get(k))
    return None


def assert_base_intact(mg, base_cases, what):
    for c in base_cases:
        got = mg.show(c["id"])
        if got is None:
            fail("%s: base case %s is missing" % (what, c["id"]))
        diff = case_fields_equal(c, got)
        if diff:
            fail("%s: base case %s changed: %s" % (what, c["id"], diff))


class Server:
    """`minga serve --port 0` on 127.0.0.1; the port is read from its
    'serving on' line."""

    def __init__(self, binary, data_dir, extra=()):
        self.binary = binary
        self.data = data_dir
        self.extra = list(extra)
        self.proc = None
        self.port = None
        self.log_path = None

    def start(self, timeout=15):
        fd, self.log_path = tempfile.mkstemp(prefix="minga-serve-",
                                             suffix=".log")
        self.logf = os.fdopen(fd, "w+")
        self.proc = subprocess.Popen(
            [self.binary, "--data", self.data, "serve", "--bind",
             "127.0.0.1", "--port", "0"] + self.extra,
            stdout=subprocess.DEVNULL, stderr=self.logf)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                return False
            with open(self.log_path) as f:
                m = re.search(r"serving on http://[^:]+:(\d+)/", f.read())
            if m:
                self.port = int(m.group(1))
                return True
            time.sleep(0.05)
        self.kill()
        return False

    def log_text(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def stop(self):
        self.kill(signal.SIGTERM)
        if self.log_path and os.path.exists(self.log_path):
            os.unlink(self.log_path)

    def conn(self, timeout=30):
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def request(self, method, path, body=None, headers=None, timeout=30):
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, data, dict(r.getheaders())
        finally:
            c.close()

    def healthy(self, timeout=5):
        try:
            st, body, _ = self.request("GET", "/healthz", timeout=timeout)
            return st == 200
        except OSError:
            return False


def start_server_or_skip_message(binary, data_dir, extra=()):
    """A started Server, or None with a message saying why the server
    part is skipped."""
    srv = Server(binary, data_dir, extra)
    try:
        ok = srv.start()
    except OSError as e:
        log("SKIP server part: cannot run minga serve: %s" % e)
        return None
    if not ok or not srv.healthy():
        log("SKIP server part: `minga serve` did not start or /healthz "
            "failed; its log:\n" + srv.log_text()[-2000:])
        srv.kill()
        return None
    return srv


def binary_from_argv(doc):
    """The minga binary named by the first argument, or None after printing
    the usage (`doc`)."""
    if len(sys.argv) < 2:
        print(doc)
        return None
    return os.path.abspath(sys.argv[1])


def new_data_folder(binary, prefix):
    """A new temporary folder holding an initialised data folder "data":
    (the temporary folder, a Minga on the data folder)."""
    work = tempfile.mkdtemp(prefix=prefix)
    mg = Minga(binary, os.path.join(work, "data"))
    mg.run("init", check=True)
    return work, mg


def clean_up(srv, work):
    """Stops the server (if there is one) and removes the temporary
    folder."""
    if srv:
        srv.stop()
    shutil.rmtree(work, ignore_errors=True)


def report(problems, what):
    """Prints the problems (the first 40) or that `what` passed; returns
    the exit status."""
    if problems:
        print("FAIL: %d problem(s):\n  %s" % (len(problems),
                                              "\n  ".join(problems[:40])))
        return 1
    print("%s: OK" % what)
    return 0


def token_add(mg, name):
    p = mg.run("token", "add", name, check=True)
    return p.stdout.strip().splitlines()[-1]


def fresh_copy(src, dst):
    if os.path.exists(dst):
        shutil.rmtree(dst)
    shutil.copytree(src, dst)
