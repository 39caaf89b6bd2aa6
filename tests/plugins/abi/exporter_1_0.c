/* An exporter built against the ABI 1.0 header (tests/plugins/abi_1_0):
 * writes one line per case. It must load and run in a newer host. */
#include <string.h>
#include "minga/plugin.h"

static const struct minga_host_api *saved_host;

static int old_begin(const struct minga_host_api *host,
                     struct minga_export_ctx *ctx, void **state)
{
    saved_host = host;
    *state = ctx;
    return host->write(ctx, "abi-1.0\n", 8);
}

static int old_write_case(void *state, const struct minga_case *c)
{
    (void)c;
    return saved_host->write(state, "case\n", 5);
}

static int old_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_OK;
}

static const struct minga_exporter old_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abi10",
    .media_type = "text/plain",
    .extension = "txt",
    .begin = old_begin,
    .write_case = old_write_case,
    .finish = old_finish,
};

MINGA_PLUGIN_DEFINE("abi10", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "built against the ABI 1.0 header", NULL, &old_exporter);
