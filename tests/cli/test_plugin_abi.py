"""cli.plugin_abi: third-party plugins built at test time, out of the tree,
from include/minga/plugin.h alone.

(a) "hello", a tiny exporter, loads and `minga export --format hello` uses
it; (b) the same with abi_major 99 is refused; (c) a .so without the
minga_plugin symbol is refused; (d) a descriptor larger than the host knows
is refused. Refusals name the file; the built-in plugins still load.
"""

import json
import os
import shutil
import subprocess
import unittest

import clitest
from clitest import BOGOTA, ROSARIO, MingaTest

HELLO_C = r"""
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "minga/plugin.h"

struct hello_state {
    const struct minga_host_api *host;
    struct minga_export_ctx *ctx;
};

static int hello_begin(const struct minga_host_api *host,
                       struct minga_export_ctx *ctx, void **state)
{
    struct hello_state *s = malloc(sizeof *s);
    if (!s)
        return MINGA_ENOMEM;
    s->host = host;
    s->ctx = ctx;
    *state = s;
    char line[96];
    int n = snprintf(line, sizeof line, "hello %llu\n",
                     (unsigned long long)host->export_info(ctx)->n_cases);
    return host->write(ctx, line, (size_t)n);
}

static int hello_write_case(void *state, const struct minga_case *c)
{
    struct hello_state *s = state;
    char line[512];
    int n = snprintf(line, sizeof line, "hello %s (%s, %s)\n", c->id,
                     c->city, c->country);
    return s->host->write(s->ctx, line, (size_t)n);
}

static int hello_finish(void *state, int ok)
{
    struct hello_state *s = state;
    int rc = ok ? s->host->write(s->ctx, "bye\n", 4) : MINGA_OK;
    free(s);
    return rc;
}

static const struct minga_exporter hello_exporter = {
    sizeof(struct minga_exporter), "hello", "text/plain", "txt",
    hello_begin, hello_write_case, hello_finish};

@DESCRIPTOR@
"""

HELLO_DESCRIPTOR = """
MINGA_PLUGIN_DEFINE("hello", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "says hello to each case", NULL, &hello_exporter);
"""

# the descriptor written by hand, for an ABI this host does not know
ABI99_DESCRIPTOR = """
MINGA_EXPORT extern const struct minga_plugin_desc minga_plugin;
MINGA_EXPORT const struct minga_plugin_desc minga_plugin = {
    99, 0, sizeof(struct minga_plugin_desc), "hello99",
    MINGA_PLUGIN_EXPORTER, "1.0.0", "built for ABI 99", NULL,
    &hello_exporter};
"""

# a descriptor claiming to be larger than the host's struct (a newer minga)
BIG_DESCRIPTOR = """
struct bigger_desc {
    struct minga_plugin_desc desc;
    const char *added_in_a_later_minor[8];
};
MINGA_EXPORT extern const struct bigger_desc minga_plugin;
MINGA_EXPORT const struct bigger_desc minga_plugin = {
    {MINGA_ABI_MAJOR, MINGA_ABI_MINOR, sizeof(struct bigger_desc),
     "hellobig", MINGA_PLUGIN_EXPORTER, "1.0.0", "from the future", NULL,
     &hello_exporter}, {0}};
"""

NOSYM_C = r"""
int not_a_minga_plugin(void) { return 42; }
"""


class PluginAbi(MingaTest):

    @classmethod
    def setUpClass(cls):
        cls.cc = shutil.which("cc") or shutil.which("gcc")
        if not cls.cc:
            raise unittest.SkipTest("no C compiler")

    def build(self, name, source):
        src = os.path.join(self.build_dir, name + ".c")
        with open(src, "w") as f:
            f.write(source)
        out = os.path.join(self.plugin_dir, name + ".so")
        # only the public header: -I <src>/include, nothing of the tree
        cmd = [self.cc, "-shared", "-fPIC", "-std=c11", "-Wall", "-Werror",
               "-fvisibility=hidden",
               "-I", os.path.join(clitest.SRC, "include"), "-o", out, src]
        r = subprocess.run(cmd, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out

    def setUp(self):
        super().setUp()
        self.build_dir = os.path.join(self.tmp, "build")
        self.plugin_dir = os.path.join(self.tmp, "plugins")
        os.makedirs(self.build_dir)
        os.makedirs(self.plugin_dir)
        self.hello = self.build("hello",
                                HELLO_C.replace("@DESCRIPTOR@", HELLO_DESCRIPTOR))
        self.abi99 = self.build("hello99",
                                HELLO_C.replace("@DESCRIPTOR@", ABI99_DESCRIPTOR))
        self.big = self.build("hellobig",
                              HELLO_C.replace("@DESCRIPTOR@", BIG_DESCRIPTOR))
        self.nosym = self.build("nosym", NOSYM_C)
        self.env["MINGA_PLUGIN_PATH"] = self.plugin_dir
        self.write_json("cases.json", [ROSARIO, BOGOTA])
        self.import_ok("cases.json")

    def plugins(self):
        return json.loads(self.ok("plugins", "--json").stdout)

    def entry_for_file(self, path):
        for p in self.plugins():
            if os.path.realpath(p.get("file", "")) == os.path.realpath(path):
                return p
        self.fail("no plugin entry for %s" % path)

    def test_hello_plugin_is_listed_as_loaded(self):
        hello = [p for p in self.plugins() if p.get("name") == "hello"]
        self.assertEqual(len(hello), 1)
        self.assertIs(hello[0]["loaded"], True)
        self.assertEqual(hello[0]["kind"], "exporter")
        self.assertEqual(hello[0]["version"], "1.0.0")
        self.assertEqual(os.path.realpath(hello[0]["file"]),
                         os.path.realpath(self.hello))

    def test_plugin_of_another_abi_major_is_refused_naming_the_file(self):
        p = self.entry_for_file(self.abi99)
        self.assertIs(p["loaded"], False)
        self.assertRegex(p["reason"], r"(?i)ABI|major")
        self.assertNotIn("hello99", [q.get("name") for q in self.plugins()
                                     if q.get("loaded")])

    def test_plugin_with_a_larger_descriptor_is_refused(self):
        p = self.entry_for_file(self.big)
        self.assertIs(p["loaded"], False)
        self.assertTrue(p["reason"])

    def test_shared_object_without_the_symbol_is_refused(self):
        p = self.entry_for_file(self.nosym)
        self.assertIs(p["loaded"], False)
        self.assertIn("minga_plugin", p["reason"])

    def test_refusals_are_printed_with_the_file_name(self):
        r = self.ok("plugins")
        for path in (self.abi99, self.big, self.nosym):
            self.assertIn(os.path.basename(path), r.stderr)
        self.assertIn("hello", r.stdout)

    def test_built_in_plugins_still_load(self):
        loaded = {(p["kind"], p["name"]) for p in self.plugins()
                  if p.get("loaded")}
        for want in [("exporter", "json"), ("exporter", "csv"),
                     ("exporter", "jsonl"), ("importer", "json"),
                     ("importer", "csv"), ("importer", "markdown")]:
            self.assertIn(want, loaded)

    def test_export_uses_the_hello_plugin(self):
        r = self.ok("export", "--format", "hello")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "hello 2")
        self.assertEqual(sorted(lines[1:3]), sorted([
            "hello bogota-ciclovia (Bogotá, CO)",
            "hello rosario-programa-agricultura-urbana (Rosario, AR)"]))
        self.assertEqual(lines[3:], ["bye"])

    def test_export_with_a_refused_plugins_format_fails(self):
        # hello99 and hellobig share the format name "hello" with the good
        # one; a format nobody loaded must fail
        r = self.minga("export", "--format", "hello-nobody")
        self.assertNotEqual(r.returncode, 0)

    def test_import_and_search_work_with_bad_plugins_present(self):
        self.assertEqual(self.search_ids("ciclovía"), [BOGOTA["id"]])

    def test_without_the_plugin_path_hello_is_absent(self):
        env = dict(self.env)
        env.pop("MINGA_PLUGIN_PATH")
        r = self.minga("plugins", "--json", env=env)
        names = [p.get("name") for p in json.loads(r.stdout)]
        self.assertNotIn("hello", names)
        r = self.minga("export", "--format", "hello", env=env)
        self.assertEqual(r.returncode, 1)

    def test_a_folder_of_many_files_still_loads_its_plugin(self):
        # 1000 .so files that are not plugins, sorting before hello.so
        # ("a0000.so" ...): the folder is read whole (a fixed list of 256
        # names used to drop the rest, in readdir's order).
        crowded = os.path.join(self.tmp, "crowded")
        os.makedirs(crowded)
        for i in range(1000):
            with open(os.path.join(crowded, "a%04d.so" % i), "w") as f:
                f.write("not a shared object\n")
        shutil.copy(self.hello, os.path.join(crowded, "zz-hello.so"))
        env = dict(self.env, MINGA_PLUGIN_PATH=crowded)
        listed = json.loads(self.ok("plugins", "--json", env=env).stdout)
        hello = [p for p in listed if p.get("name") == "hello"]
        self.assertEqual(len(hello), 1, [p.get("file") for p in listed][:5])
        self.assertIs(hello[0]["loaded"], True)
        r = self.minga("export", "--format", "hello", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    clitest.main()
