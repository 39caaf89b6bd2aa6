/* An exporter whose init fails with a reason (ABI 1.2): the host refuses
 * it, naming the file and the reason, and never calls it. */
#include <stdio.h>

#include "minga/plugin.h"

static int never_begin(const struct minga_host_api *host,
                       struct minga_export_ctx *ctx, void **state)
{
    (void)host;
    (void)ctx;
    (void)state;
    return MINGA_EINTERNAL;
}

static int never_write_case(void *state, const struct minga_case *c)
{
    (void)state;
    (void)c;
    return MINGA_EINTERNAL;
}

static int never_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_EINTERNAL;
}

static int refusing_init(const struct minga_host_api *host, char *why,
                         size_t why_size)
{
    (void)host;
    snprintf(why, why_size, "the licence file %s is missing", "T7.key");
    return MINGA_ENOTFOUND;
}

static const struct minga_exporter never_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abiinitfail",
    .media_type = "text/plain",
    .extension = "txt",
    .begin = never_begin,
    .write_case = never_write_case,
    .finish = never_finish,
};

MINGA_PLUGIN_DEFINE_HOOKS("abiinitfail", MINGA_PLUGIN_EXPORTER, "1.0.0",
                          "init fails", NULL, &never_exporter, refusing_init,
                          NULL);
