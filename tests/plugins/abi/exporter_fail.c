/* An exporter built against the current header that fails in write_case
 * and says why with host->export_error (ABI 1.2). */
#include "minga/plugin.h"

static const struct minga_host_api *saved_host;

static int fail_begin(const struct minga_host_api *host,
                      struct minga_export_ctx *ctx, void **state)
{
    saved_host = host;
    *state = ctx;
    return MINGA_OK;
}

static int fail_write_case(void *state, const struct minga_case *c)
{
    (void)c;
    if (MINGA_HOST_HAS(saved_host, export_error))
        saved_host->export_error(state, "the test disk %s is full", "X9");
    return MINGA_EIO;
}

static int fail_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_OK;
}

static const struct minga_exporter fail_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abifail",
    .media_type = "text/plain",
    .extension = "txt",
    .begin = fail_begin,
    .write_case = fail_write_case,
    .finish = fail_finish,
};

MINGA_PLUGIN_DEFINE("abifail", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "fails with a message", NULL, &fail_exporter);
