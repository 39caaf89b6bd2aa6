/* The plugin ABI across minors, through the real host (core/plugin_host.c):
 * an exporter built against the 1.0 header loads and runs; one built
 * against the current header reports its failure with export_error and the
 * text reaches minga_export's caller; a plugin claiming a newer minor than
 * the host is refused with a message naming its file and both versions.
 * MINGA_PLUGIN_PATH (set by ctest) points at the folder of test plugins. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "minga.h"
#include "minga/plugin.h"
#include "plugin_host.h"
#include "query.h"

struct buffer {
    char data[4096];
    size_t len;
};

static int buffer_write(void *arg, const void *data, size_t len)
{
    struct buffer *b = arg;
    if (b->len + len >= sizeof b->data)
        return -1;
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

static struct minga *open_with_one_case(char *dir)
{
    assert_non_null(mkdtemp(dir));
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, dir, MINGA_OPEN_CREATE, &errmsg);
    if (rc)
        fail_msg("minga_open %s: %s", dir, errmsg ? errmsg : "?");
    const char *paths[] = {MINGA_SAMPLE_DIR
                           "/bogota-transmilenio-bus-rapid-transit.json"};
    struct minga_import_options opt;
    minga_import_options_init(&opt);
    struct minga_import_report rep;
    minga_import_report_init(&rep);
    rc = minga_import_paths(m, paths, 1, &opt, &rep);
    minga_import_report_release(&rep);
    assert_int_equal(rc, MINGA_OK);
    return m;
}

/* Why the plugin file `name` was refused; fails the test when it was
 * not. */
static const char *refused_reason(const char *name)
{
    for (size_t i = 0;
         i < plugin_registry_refused_count(plugin_registry_default()); i++) {
        const struct refused_plugin *r =
            plugin_registry_refused(plugin_registry_default(), i);
        if (strstr(r->path, name) && r->reason)
            return r->reason;
    }
    fail_msg("%s was not refused", name);
    return "";
}

static void test_newer_minor_is_refused_by_name(void **unused)
{
    (void)unused;
    assert_null(
        plugin_registry_exporter(plugin_registry_default(), "abifuture"));
    char plugin_abi[32], host_abi[32];
    snprintf(plugin_abi, sizeof plugin_abi, "%d.%d", MINGA_ABI_MAJOR,
             MINGA_ABI_MINOR + 7);
    snprintf(host_abi, sizeof host_abi, "%d.%d", MINGA_ABI_MAJOR,
             MINGA_ABI_MINOR);
    const char *reason = refused_reason("exporter_future.so");
    assert_non_null(strstr(reason, plugin_abi));
    assert_non_null(strstr(reason, host_abi));
}

static void test_abi_1_0_exporter_runs(void **unused)
{
    (void)unused;
    assert_non_null(
        plugin_registry_exporter(plugin_registry_default(), "abi10"));
    char dir[] = "/tmp/minga-abi-XXXXXX";
    struct minga *m = open_with_one_case(dir);
    struct minga_query q;
    query_init(&q);
    struct buffer out = {.len = 0};
    struct minga_export_options opt = {
        .format = "abi10", .write = buffer_write, .write_arg = &out};
    char *errmsg = NULL;
    int rc = minga_export(m, &q, &opt, &errmsg);
    if (rc)
        fail_msg("export abi10: %s", errmsg ? errmsg : "?");
    assert_string_equal(out.data, "abi-1.0\ncase\n");
    query_release(&q);
    minga_close(m);
}

static void test_export_error_reaches_caller(void **unused)
{
    (void)unused;
    assert_non_null(
        plugin_registry_exporter(plugin_registry_default(), "abifail"));
    char dir[] = "/tmp/minga-abi-XXXXXX";
    struct minga *m = open_with_one_case(dir);
    struct minga_query q;
    query_init(&q);
    struct buffer out = {.len = 0};
    struct minga_export_options opt = {
        .format = "abifail", .write = buffer_write, .write_arg = &out};
    char *errmsg = NULL;
    int rc = minga_export(m, &q, &opt, &errmsg);
    assert_int_equal(rc, MINGA_EIO);
    assert_non_null(errmsg);
    assert_non_null(strstr(errmsg, "the test disk X9 is full"));
    assert_non_null(strstr(errmsg, "abifail"));
    free(errmsg);
    query_release(&q);
    minga_close(m);
}

/* Exports `format` from a fresh folder holding one case into *out. */
static int export_one(const char *format, struct buffer *out, char **errmsg)
{
    char dir[] = "/tmp/minga-abi-XXXXXX";
    struct minga *m = open_with_one_case(dir);
    struct minga_query q;
    query_init(&q);
    struct minga_export_options opt = {
        .format = format, .write = buffer_write, .write_arg = out};
    int rc = minga_export(m, &q, &opt, errmsg);
    query_release(&q);
    minga_close(m);
    return rc;
}

static void test_init_runs_once_before_any_call(void **unused)
{
    (void)unused;
    assert_non_null(
        plugin_registry_exporter(plugin_registry_default(), "abihooks"));
    char expected[64];
    snprintf(expected, sizeof expected, "inits 1 minor %d\n", MINGA_ABI_MINOR);
    for (int round = 0; round < 2; round++) {
        struct buffer out = {.len = 0};
        char *errmsg = NULL;
        int rc = export_one("abihooks", &out, &errmsg);
        if (rc)
            fail_msg("export abihooks: %s", errmsg ? errmsg : "?");
        assert_string_equal(out.data, expected);
    }
}

static void test_failed_init_refuses_the_plugin_with_its_reason(void **unused)
{
    (void)unused;
    assert_null(
        plugin_registry_exporter(plugin_registry_default(), "abiinitfail"));
    const char *reason = refused_reason("exporter_init_fail.so");
    assert_non_null(strstr(reason, "init failed"));
    assert_non_null(strstr(reason, "the licence file T7.key is missing"));
}

/* release runs at exit: in a child that loads the plugins and exits */
static void test_release_runs_at_exit(void **unused)
{
    (void)unused;
    char path[] = "/tmp/minga-abi-release-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("MINGA_TEST_RELEASE_FILE", path, 1);
        exit(plugin_registry_exporter(plugin_registry_default(), "abihooks")
                 ? 0
                 : 3);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    char line[64] = "";
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    unlink(path);
    assert_string_equal(line, "released after 1 init\n");
}

/* A host that appends fields to struct minga_attachment steps over its
 * array with attachment_size; a case from a host before it has none. */
static void test_attachments_are_reached_by_their_stride(void **unused)
{
    (void)unused;
    struct grown {
        struct minga_attachment a;
        const char *added_later[3];
    } grown[2] = {{.a = {.path = "one.pdf"}}, {.a = {.path = "two.pdf"}}};
    struct minga_case c = {.struct_size = sizeof c,
                           .attachments = &grown[0].a,
                           .n_attachments = 2,
                           .attachment_size = sizeof grown[0]};
    assert_string_equal(minga_case_attachment(&c, 1)->path, "two.pdf");

    struct minga_attachment_1_0 old[2] = {{.path = "a.pdf"},
                                          {.path = "b.pdf"}};
    struct minga_case c10 = {
        .struct_size = offsetof(struct minga_case, attachment_size),
        .attachments = (const struct minga_attachment *)(void *)old,
        .n_attachments = 2,
        .attachment_size = 999}; /* past struct_size: never read */
    assert_string_equal(minga_case_attachment(&c10, 1)->path, "b.pdf");
}

/* Two handles in one process: the one given a folder of its own exports
 * with the plugin found there; the other does not see it. */
static void test_each_handle_sees_its_own_plugins(void **unused)
{
    (void)unused;
    char dir_a[] = "/tmp/minga-abi-XXXXXX", dir_b[] = "/tmp/minga-abi-XXXXXX";
    struct minga *a = open_with_one_case(dir_a);
    struct minga *b = open_with_one_case(dir_b);
    char *errmsg = NULL;
    assert_int_equal(minga_plugins_add_path(b, MINGA_OWN_PLUGIN_DIR, &errmsg),
                     MINGA_OK);
    struct minga_query q;
    query_init(&q);
    struct buffer out = {.len = 0};
    struct minga_export_options opt = {
        .format = "abiown", .write = buffer_write, .write_arg = &out};
    int rc = minga_export(b, &q, &opt, &errmsg);
    if (rc)
        fail_msg("export abiown through its handle: %s",
                 errmsg ? errmsg : "?");
    assert_string_equal(out.data, "own\n");
    /* the handle still has every other plugin */
    opt.format = "abi10";
    out.len = 0;
    assert_int_equal(minga_export(b, &q, &opt, &errmsg), MINGA_OK);
    opt.format = "abiown";
    rc = minga_export(a, &q, &opt, &errmsg);
    assert_int_equal(rc, MINGA_ENOTFOUND);
    assert_non_null(errmsg);
    assert_non_null(strstr(errmsg, "abiown"));
    free(errmsg);
    assert_null(plugin_registry_exporter(plugin_registry_default(), "abiown"));
    query_release(&q);
    minga_close(a);
    minga_close(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newer_minor_is_refused_by_name),
        cmocka_unit_test(test_abi_1_0_exporter_runs),
        cmocka_unit_test(test_export_error_reaches_caller),
        cmocka_unit_test(test_init_runs_once_before_any_call),
        cmocka_unit_test(test_failed_init_refuses_the_plugin_with_its_reason),
        cmocka_unit_test(test_release_runs_at_exit),
        cmocka_unit_test(test_attachments_are_reached_by_their_stride),
        cmocka_unit_test(test_each_handle_sees_its_own_plugins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
