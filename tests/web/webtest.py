"""The scaffolding every web test repeats: counted checks and the summary
exit, a free port, the server started and stopped, HTTP helpers, and a
catalog made from files. Python 3.11 standard library only.

A script imports it from its own folder (tests/web is on sys.path when
the script runs), so the command line `test_x.py MINGA SOURCE WORK_DIR`
stays as CMake gives it.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time


class Checks:
    """Counts checks and remembers the failed ones; finish() prints the
    "N checks, M failed" line ctest's log is read by and exits with it."""

    def __init__(self, is_verbose=False):
        self.n_checks = 0
        self.failures = []
        self.is_verbose = is_verbose    # print the passed checks too

    def check(self, cond, what):
        self.n_checks += 1
        if not cond:
            self.failures.append(what)
            print("FAIL: " + what)
        elif self.is_verbose:
            print("ok   " + what)
        return cond

    def run(self, tests):
        """Runs each test; one that raises is one failed check, so the
        others still run."""
        for test in tests:
            print("-- " + test.__name__)
            try:
                test()
            except Exception as e:
                self.check(False, "%s raised %r" % (test.__name__, e))

    def finish(self):
        print("\n%d checks, %d failed" % (self.n_checks, len(self.failures)))
        for f in self.failures:
            print("FAILED: " + f)
        sys.exit(1 if self.failures else 0)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def request(port, method, path, body=None, headers=None, timeout=60):
    """One request on a fresh connection; returns (status, headers with
    lower-case names, body bytes)."""
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    con.request(method, path, body=body, headers=headers or {})
    r = con.getresponse()
    data = r.read()
    con.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def get(port, path, headers=None):
    return request(port, "GET", path, headers=headers)


def post(port, path, body, headers=None):
    return request(port, "POST", path, body=body, headers=headers)


def json_of(body):
    """The body's JSON, or {} for an empty body (a 304, a HEAD)."""
    return json.loads(body) if body else {}


class Response:
    """An answer as the tests that check many of them hold it."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in dict(headers).items()}
        self.body = body

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except ValueError:
            return None


def validate(check, spec, checker, template, method, resp):
    """Checks a JSON answer against the spec's schema for its status."""
    op = spec["paths"][template][method.lower()]
    entry = op["responses"].get(str(resp.status))
    if not check(entry is not None, "%s %s: status %d is documented"
                 % (method, template, resp.status)):
        return
    content = entry.get("content", {})
    if "application/json" not in content:
        return
    errs = checker.errors(resp.json(), content["application/json"]["schema"])
    check(not errs, "%s %s %d matches the OpenAPI schema%s"
          % (method, template, resp.status,
             "" if not errs else ": " + "; ".join(errs[:5])))


class Server:
    """`minga --data DIR serve --port N [args]` as a context manager: its
    log in WORK_DIR/server.log, ready once /healthz answers 200."""

    def __init__(self, minga, data_dir, work_dir, args=(), env=None,
                 port=None, log_name="server.log", cwd=None,
                 is_log_appended=False):
        self.minga, self.data_dir, self.cwd = minga, data_dir, cwd
        # a test that restarts the server keeps every run in one log
        self.log_mode = "a" if is_log_appended else "w"
        self.args, self.env = list(args), env
        self.port = port or free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log_path = os.path.join(work_dir, log_name)
        self.proc = None

    def start(self, timeout=30):
        log = open(self.log_path, self.log_mode)
        self.proc = subprocess.Popen(
            [self.minga, "--data", self.data_dir, "serve",
             "--port", str(self.port)] + self.args,
            stdout=log, stderr=subprocess.STDOUT,
            env=dict(os.environ, **(self.env or {})), cwd=self.cwd)
        log.close()     # the child holds its own descriptor
        deadline = time.time() + timeout
        while True:
            try:
                if self.get("/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("server did not start:\n" + self.log_tail())
            time.sleep(0.1)

    def stop(self, timeout=30):
        """SIGTERM, then SIGKILL if it has not gone in timeout seconds.
        Returns its exit status, or "timeout" when it had to be killed,
        for the tests that check a clean shutdown."""
        if self.proc is None:
            return None
        if self.proc.poll() is not None:
            return self.proc.returncode
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            return "timeout"

    def log_tail(self, n_lines=20):
        with open(self.log_path, errors="replace") as f:
            return "".join(f.readlines()[-n_lines:])

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    def get(self, path, headers=None):
        return get(self.port, path, headers)

    def post(self, path, body, headers=None):
        return post(self.port, path, body, headers)

    def request(self, method, path, body=None, headers=None, timeout=60):
        return request(self.port, method, path, body, headers, timeout)


def run_minga(minga, data_dir, *args):
    """`minga --data DIR args`; exits the test with its output on failure,
    since nothing after a failed set-up step means anything."""
    p = subprocess.run([minga, "--data", data_dir] + list(args),
                       capture_output=True, text=True)
    if p.returncode != 0:
        print("minga %s failed: %s %s" % (" ".join(args), p.stdout,
                                          p.stderr))
        sys.exit(1)
    return p


def make_catalog(minga, data_dir, paths):
    """A fresh catalog in data_dir holding the files or folders paths."""
    run_minga(minga, data_dir, "init")
    for path in paths:
        run_minga(minga, data_dir, "import", path)
