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
    const char *paths[] = {
        MINGA_SAMPLE_DIR "/bogota-transmilenio-bus-rapid-transit.json"};
    struct minga_import_options opt;
    minga_import_options_init(&opt);
    struct minga_import_report rep;
    minga_import_report_init(&rep);
    rc = minga_import_paths(m, paths, 1, &opt, &rep);
    minga_import_report_release(&rep);
    assert_int_equal(rc, MINGA_OK);
    return m;
}

static void test_newer_minor_is_refused_by_name(void **unused)
{
    (void)unused;
    plugin_host_init();
    assert_null(plugin_host_exporter("abifuture"));
    char plugin_abi[32], host_abi[32];
    snprintf(plugin_abi, sizeof plugin_abi, "%d.%d", MINGA_ABI_MAJOR,
             MINGA_ABI_MINOR + 7);
    snprintf(host_abi, sizeof host_abi, "%d.%d", MINGA_ABI_MAJOR,
             MINGA_ABI_MINOR);
    int is_found = 0;
    for (size_t i = 0; i < plugin_host_refused_count(); i++) {
        const struct refused_plugin *r = plugin_host_refused(i);
        if (!strstr(r->path, "exporter_future.so"))
            continue;
        is_found = 1;
        assert_non_null(r->reason);
        assert_non_null(strstr(r->reason, plugin_abi));
        assert_non_null(strstr(r->reason, host_abi));
    }
    assert_true(is_found);
}

static void test_abi_1_0_exporter_runs(void **unused)
{
    (void)unused;
    plugin_host_init();
    assert_non_null(plugin_host_exporter("abi10"));
    char dir[] = "/tmp/minga-abi-XXXXXX";
    struct minga *m = open_with_one_case(dir);
    struct minga_query q;
    query_init(&q);
    struct buffer out = {.len = 0};
    struct minga_export_options opt = {.format = "abi10",
                                       .write = buffer_write,
                                       .write_arg = &out};
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
    plugin_host_init();
    assert_non_null(plugin_host_exporter("abifail"));
    char dir[] = "/tmp/minga-abi-XXXXXX";
    struct minga *m = open_with_one_case(dir);
    struct minga_query q;
    query_init(&q);
    struct buffer out = {.len = 0};
    struct minga_export_options opt = {.format = "abifail",
                                       .write = buffer_write,
                                       .write_arg = &out};
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_newer_minor_is_refused_by_name),
        cmocka_unit_test(test_abi_1_0_exporter_runs),
        cmocka_unit_test(test_export_error_reaches_caller),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
