/* An exporter kept out of MINGA_PLUGIN_PATH: only a handle given its
 * folder with minga_plugins_add_path sees it. Writes "own". */
#include "minga/plugin.h"

static int own_begin(const struct minga_host_api *host,
                     struct minga_export_ctx *ctx, void **state)
{
    *state = ctx;
    return host->write(ctx, "own\n", 4);
}

static int own_write_case(void *state, const struct minga_case *c)
{
    (void)state;
    (void)c;
    return MINGA_OK;
}

static int own_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_OK;
}

static const struct minga_exporter own_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abiown",
    .media_type = "text/plain",
    .extension = "txt",
    .begin = own_begin,
    .write_case = own_write_case,
    .finish = own_finish,
};

MINGA_PLUGIN_DEFINE("abiown", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "seen by one handle", NULL, &own_exporter);
