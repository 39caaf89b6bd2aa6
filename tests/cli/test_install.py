"""cli.install: minga installed like a library and packaged (issue 23).

`cmake --install` of this build tree into a temporary prefix must give:
the binary, which finds its plugins beside itself; a man page for minga
and for every command its --help lists, each naming its command; a bash
completion that completes commands and a command's options; the
plugin author's header and minga-plugin.pc, with which the complete
importer of docs/plugins.md (docs/examples/kv_importer.c) builds and
is loaded by the installed minga from `plugindir`; a systemd unit that
`systemd-analyze verify` accepts. `cpack` builds minga_VERSION_ARCH.deb
holding all of these, with shared library dependencies filled in.
"""

import glob
import gzip
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import clitest


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          **kw)


def build_dir():
    return os.path.dirname(os.path.dirname(clitest.MINGA))


def commands_of(minga):
    """The commands `minga --help` lists: the man pages' and completion's
    one source."""
    out = run([minga, "--help"]).stdout
    section = out.split("commands:", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^  ([a-z]+)  ", section, re.M)


def case_as_kv(case):
    """A case of the sample as the example importer's "field: value"
    lines: arrays joined with ';', the body last."""
    lines = []
    for key, value in case.items():
        if key in ("body", "attachments"):
            continue
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        lines.append("%s: %s" % (key, value))
    lines.append("body:")
    lines.append(case.get("body", ""))
    return "\n".join(lines) + "\n"


class InstallTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="minga-install-")
        cls.prefix = os.path.join(cls.tmp, "prefix")
        r = run(["cmake", "--install", build_dir(), "--prefix", cls.prefix])
        if r.returncode != 0:
            raise AssertionError("cmake --install failed:\n" + r.stdout +
                                 r.stderr)
        cls.minga = os.path.join(cls.prefix, "bin", "minga")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_binary_finds_its_plugins(self):
        r = run([self.minga, "plugins", "--json"])
        self.assertEqual(r.returncode, 0, r.stderr)
        names = {(p["kind"], p["name"]) for p in json.loads(r.stdout)
                 if isinstance(p, dict) and "name" in p} \
            if isinstance(json.loads(r.stdout), list) else set()
        if not names:   # {"plugins": [...], "refused": [...]}
            doc = json.loads(r.stdout)
            names = {(p["kind"], p["name"]) for p in doc["plugins"]}
        for expected in [("importer", "json"), ("importer", "archive"),
                         ("exporter", "briefing"), ("exporter", "pdf")]:
            self.assertIn(expected, names)
        for path in glob.glob(os.path.join(self.prefix, "lib", "minga",
                                           "plugins", "*.so")):
            self.assertTrue(os.path.basename(path).startswith("minga_"))

    def test_man_page_per_command(self):
        man1 = os.path.join(self.prefix, "share", "man", "man1")
        commands = commands_of(self.minga)
        self.assertGreater(len(commands), 10)
        with gzip.open(os.path.join(man1, "minga.1.gz"), "rt") as f:
            page = f.read()
        self.assertIn('.TH MINGA "1"', page)
        for cmd in commands:
            self.assertIn("minga-%s" % cmd, page, "SEE ALSO names it")
            path = os.path.join(man1, "minga-%s.1.gz" % cmd)
            self.assertTrue(os.path.exists(path), path)
            with gzip.open(path, "rt") as f:
                page = f.read()
            self.assertIn('.TH MINGA-%s "1"' % cmd.upper(), page)
            self.assertRegex(page, r"usage: minga (.*\] )?%s\b" % cmd)
            # every option of the command's help is in its page
            help_text = run([self.minga, cmd, "--help"]).stdout
            for opt in set(re.findall(r"--[a-z][a-z-]+", help_text)):
                self.assertIn(opt.replace("-", r"\-"), page,
                              "%s of %s" % (opt, cmd))

    def complete(self, *words):
        script = os.path.join(self.prefix, "share", "bash-completion",
                              "completions", "minga")
        words = " ".join("'%s'" % w for w in (self.minga,) + words)
        r = run(["bash", "-c",
                 'source "%s"; COMP_WORDS=(%s); COMP_CWORD=$((${#COMP_WORDS[@]}-1));'
                 ' _minga; printf "%%s\\n" "${COMPREPLY[@]}"' % (script, words)])
        self.assertEqual(r.returncode, 0, r.stderr)
        return set(r.stdout.split())

    def test_bash_completion(self):
        self.assertEqual(self.complete("se"), {"search", "serve"})
        self.assertEqual(self.complete("--data", "d", "harv"), {"harvest"})
        opts = self.complete("search", "--s")
        self.assertIn("--sdg", opts)
        self.assertFalse(any(not o.startswith("--s") for o in opts), opts)
        self.assertIn("--dry-run", self.complete("import", "--d"))

    def test_plugin_built_with_pkg_config_is_loaded(self):
        env = dict(os.environ,
                   PKG_CONFIG_PATH=os.path.join(self.prefix, "lib",
                                                "pkgconfig"))
        cflags = run(["pkg-config", "--cflags", "minga-plugin"], env=env)
        self.assertEqual(cflags.returncode, 0, cflags.stderr)
        plugindir = run(["pkg-config", "--variable=plugindir",
                         "minga-plugin"], env=env).stdout.strip()
        self.assertEqual(os.path.realpath(plugindir),
                         os.path.realpath(os.path.join(
                             self.prefix, "lib", "minga", "plugins")))
        # only the installed header: no -I into the source tree
        src = os.path.join(clitest.SRC, "docs", "examples", "kv_importer.c")
        so = os.path.join(plugindir, "kv_importer.so")
        cc = run(["cc", "-shared", "-fPIC", "-Wall", "-Wextra", "-Werror",
                  "-o", so, src] + cflags.stdout.split(), env=env,
                 cwd=self.tmp)
        self.assertEqual(cc.returncode, 0, cc.stderr)
        try:
            self._import_with_kv(plugindir)
        finally:
            os.unlink(so)

    def _import_with_kv(self, plugindir):
        data = os.path.join(self.tmp, "data")
        self.assertEqual(run([self.minga, "--data", data, "init"])
                         .returncode, 0)
        listed = run([self.minga, "plugins"]).stdout
        self.assertRegex(listed, r"importer\s+kv\s")
        sample = os.path.join(clitest.SRC, "data", "sample",
                              "bogota-ciclovia.json")
        with open(sample, encoding="utf-8") as f:
            case = json.load(f)
        kv = os.path.join(self.tmp, "ciclovia.kv")
        with open(kv, "w", encoding="utf-8") as f:
            f.write(case_as_kv(case))
        r = run([self.minga, "--data", data, "import", kv])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        shown = json.loads(run([self.minga, "--data", data, "show", "--json",
                                case["id"]]).stdout)
        for field in ("title", "city", "country", "sdg_goals",
                      "sdg_targets", "levels", "actors", "year_start"):
            self.assertEqual(shown[field], case[field], field)
        self.assertEqual(shown["body"].strip(), case["body"].strip())
        hits = json.loads(run([self.minga, "--data", data, "search", "--json",
                               "ciclovía"]).stdout)
        self.assertEqual([h["id"] for h in hits["results"]], [case["id"]])
        # a bad line: an error naming the file and the line, nothing in
        bad = os.path.join(self.tmp, "bad.kv")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("id: x-bad\ntitle: Bad\nthis line has no colon\n")
        r = run([self.minga, "--data", data, "import", bad])
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("bad.kv", r.stderr)
        self.assertRegex(r.stderr, r"bad\.kv:3\b")
        r = run([self.minga, "--data", data, "show", "x-bad"])
        self.assertNotEqual(r.returncode, 0)

    def libminga(self):
        libs = glob.glob(os.path.join(self.prefix, "lib*", "**",
                                      "libminga.so.*"), recursive=True)
        self.assertTrue(libs, "libminga.so.N is installed")
        return sorted(libs, key=len)[0]

    def test_libminga_exports_only_its_api(self):
        lib = self.libminga()
        self.assertRegex(os.path.basename(lib), r"^libminga\.so\.\d+$",
                         "the SONAME link, libminga.so.MAJOR")
        r = run(["objdump", "-p", lib])
        self.assertRegex(r.stdout, r"SONAME\s+libminga\.so\.\d+\b")
        r = run(["nm", "-D", "--defined-only", lib])
        self.assertEqual(r.returncode, 0, r.stderr)
        # "T minga_open@@MINGA_0"; the version node itself is type A
        names = [line.split()[-1].split("@")[0]
                 for line in r.stdout.splitlines()
                 if line.split() and line.split()[-2] != "A"]
        self.assertGreater(len(names), 5)
        self.assertEqual([n for n in names if not n.startswith("minga_")],
                         [], "nm -D: only minga_ symbols")
        # and every function the public headers declare
        declared = set()
        for h in glob.glob(os.path.join(self.prefix, "include", "minga",
                                        "*.h")):
            if h.endswith("plugin.h"):
                continue
            with open(h, encoding="utf-8") as f:
                declared |= set(re.findall(r"\b(minga_[a-z_]+)\(",
                                           f.read()))
        self.assertEqual(declared - set(names), set(),
                         "every public function is exported")

    def test_program_built_with_pkg_config(self):
        env = dict(os.environ,
                   PKG_CONFIG_PATH=os.path.join(
                       os.path.dirname(self.libminga()), "pkgconfig"))
        flags = run(["pkg-config", "--cflags", "--libs", "minga"], env=env)
        self.assertEqual(flags.returncode, 0, flags.stderr)
        self.assertNotIn(clitest.SRC, flags.stdout, "no source tree paths")
        prog = os.path.join(self.tmp, "search_catalog")
        src = os.path.join(clitest.SRC, "docs", "examples",
                           "search_catalog.c")
        # a sanitizer build's libminga needs its runtime first in the
        # program too (make check-sanitize)
        needed = run(["readelf", "-d", self.libminga()]).stdout
        sanitizers = [name for name, lib in (("address", "libasan"),
                                             ("undefined", "libubsan"))
                      if lib in needed]
        extra = ["-fsanitize=" + ",".join(sanitizers)] if sanitizers else []
        cc = run(["cc", "-Wall", "-Wextra", "-Werror", "-o", prog, src]
                 + extra + flags.stdout.split(), cwd=self.tmp)
        self.assertEqual(cc.returncode, 0, cc.stderr)
        env = dict(os.environ,
                   LD_LIBRARY_PATH=os.path.dirname(self.libminga()))
        data = os.path.join(self.tmp, "prog-data")
        sample = os.path.join(clitest.SRC, "data", "sample")
        files = sorted(os.listdir(sample))
        rosario = os.path.join(sample, "rosario-presupuesto-participativo"
                                       ".json")
        r = run([prog, data, rosario, "presupuesto", "participativo"],
                env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual([h["id"] for h in doc["results"]],
                         ["rosario-presupuesto-participativo"])
        # a second file; the program's search answers as the CLI's does
        porto = os.path.join(sample, "porto-alegre-orcamento-participativo"
                                     ".json")
        self.assertIn(os.path.basename(porto), files)
        r = run([prog, data, porto, "presupuesto participativo sdg:16"],
                env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        ours = json.loads(r.stdout)
        cli = json.loads(run([self.minga, "--data", data, "search",
                              "--json", "--sdg", "16", "presupuesto",
                              "participativo"]).stdout)
        self.assertEqual([h["id"] for h in ours["results"]],
                         [h["id"] for h in cli["results"]])
        self.assertEqual(len(ours["results"]), 2,
                         "the thesaurus finds the Portuguese case too")
        r = run([prog, data, "--show", "rosario-presupuesto-participativo"],
                env=env)
        shown = json.loads(r.stdout)
        with open(rosario, encoding="utf-8") as f:
            want = json.load(f)
        for field in ("title", "city"):
            self.assertEqual(shown[field], want[field], field)
        self.assertEqual(shown["sdg_goals"], sorted(want["sdg_goals"]))
        # a bad file: exit 1, the file and the field named, nothing in
        bad = os.path.join(self.tmp, "bad-case.json")
        with open(bad, "w", encoding="utf-8") as f:
            json.dump(dict(want, id="rosario-copy", sdg_goals=[19]), f)
        r = run([prog, data, bad, "rosario"], env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad-case.json", r.stderr)
        self.assertIn("sdg_goals", r.stderr)
        r = run([prog, data, "--show", "rosario-copy"], env=env)
        self.assertEqual(r.returncode, 1, "the bad case was not imported")
        self.assertIn("rosario-copy", r.stderr)

    def test_systemd_unit_verifies(self):
        unit = os.path.join(self.prefix, "lib", "systemd", "system",
                            "minga.service")
        with open(unit, encoding="utf-8") as f:
            text = f.read()
        for hardening in ("ProtectSystem=strict", "NoNewPrivileges=yes",
                          "PrivateTmp=yes", "ReadWritePaths=/var/lib/minga",
                          "User=minga", "Restart=on-failure"):
            self.assertIn(hardening, text)
        sysusers = os.path.join(self.prefix, "lib", "sysusers.d",
                                "minga.conf")
        with open(sysusers, encoding="utf-8") as f:
            self.assertRegex(f.read(), r"(?m)^u minga ")
        if not shutil.which("systemd-analyze"):
            self.skipTest("systemd-analyze not installed")
        # the unit names the configured prefix's binary; check it against
        # the one installed here, with its man page
        m = re.search(r"(?m)^ExecStart=(\S+)/minga ", text)
        self.assertIsNotNone(m)
        local = os.path.join(self.tmp, "minga.service")
        with open(local, "w", encoding="utf-8") as f:
            f.write(text.replace(m.group(1) + "/minga",
                                 os.path.join(self.prefix, "bin", "minga")))
        env = dict(os.environ,
                   MANPATH=os.path.join(self.prefix, "share", "man"))
        r = run(["systemd-analyze", "verify", local], env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class PackageTest(unittest.TestCase):
    def test_deb(self):
        if not shutil.which("dpkg-deb") or not shutil.which("dpkg-shlibdeps"):
            self.skipTest("dpkg-dev not installed")
        tmp = tempfile.mkdtemp(prefix="minga-deb-")
        try:
            config = os.path.join(build_dir(), "CPackConfig.cmake")
            r = run(["cpack", "--config", config, "-B", tmp])
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            version = run([clitest.MINGA, "--version"]).stdout.split()[1]
            arch = run(["dpkg", "--print-architecture"]).stdout.strip()
            deb = os.path.join(tmp, "minga_%s_%s.deb" % (version, arch))
            self.assertTrue(os.path.exists(deb), os.listdir(tmp))
            listing = run(["dpkg-deb", "-c", deb]).stdout
            paths = {line.split()[-1].lstrip(".") for line in
                     listing.splitlines()}
            for want in ("/usr/bin/minga",
                         "/usr/lib/minga/plugins/minga_importer_json.so",
                         "/usr/lib/minga/plugins/minga_exporter_pdf.so",
                         "/usr/include/minga/plugin.h",
                         "/usr/include/minga/minga.h",
                         "/usr/include/minga/errors.h",
                         "/usr/include/minga/version.h",
                         "/usr/share/man/man1/minga.1.gz",
                         "/usr/share/man/man1/minga-serve.1.gz",
                         "/usr/share/bash-completion/completions/minga",
                         "/usr/lib/systemd/system/minga.service",
                         "/usr/lib/sysusers.d/minga.conf",
                         "/usr/share/doc/minga/README.md"):
                self.assertIn(want, paths)
            self.assertTrue(any(p.endswith("/pkgconfig/minga-plugin.pc")
                                for p in paths))
            self.assertTrue(any(p.endswith("/pkgconfig/minga.pc")
                                for p in paths))
            self.assertRegex(listing, r"/libminga\.so\.\d+ -> ",
                             "libminga (its SONAME link) in the .deb")
            self.assertFalse(any(p.startswith("/tmp") or "/build" in p
                                 for p in paths), "no build paths")
            depends = run(["dpkg-deb", "-f", deb, "Depends"]).stdout
            for lib in ("libxapian", "libsqlite3", "libmicrohttpd",
                        "iso-codes"):
                self.assertIn(lib, depends)
            control = run(["dpkg-deb", "-I", deb]).stdout
            self.assertIn("postinst", control)
            self.assertIn("triggers", control, "the ldconfig trigger")
            self.assertIn("/usr/share/doc/minga/copyright", paths)
            self.assertIn("/usr/share/doc/minga/changelog.gz", paths)
            self._lintian(deb)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    # lintian's tags that docs/operations.md explains ("The Debian
    # package"); any other tag, and any error, fails the test
    EXPLAINED = {
        "link-to-shared-library-in-wrong-package",
        "package-name-doesnt-match-sonames",
        "maintscript-calls-ldconfig",
        "pkg-config-unavailable-for-cross-compilation",
    }

    def _lintian(self, deb):
        if not shutil.which("lintian"):
            self.skipTest("lintian not installed")
        r = run(["lintian", "--tag-display-limit", "0", deb])
        tags = re.findall(r"(?m)^([EWI]): minga: (\S+)", r.stdout)
        self.assertTrue(r.stdout.strip() == "" or tags, r.stdout + r.stderr)
        errors = [t for level, t in tags if level == "E"]
        self.assertEqual(errors, [], r.stdout)
        unexplained = {t for level, t in tags} - self.EXPLAINED
        self.assertEqual(unexplained, set(), r.stdout)
        with open(os.path.join(clitest.SRC, "docs", "operations.md"),
                  encoding="utf-8") as f:
            explained_in = f.read()
        for tag in self.EXPLAINED:
            self.assertIn(tag, explained_in)


if __name__ == "__main__":
    clitest.main()
