/* A descriptor claiming a minor ABI newer than the host's: it must be
 * refused with a message naming both versions. */
#include "minga/plugin.h"

static int future_begin(const struct minga_host_api *host,
                        struct minga_export_ctx *ctx, void **state)
{
    (void)host;
    (void)ctx;
    (void)state;
    return MINGA_EINVAL;
}

static int future_write_case(void *state, const struct minga_case *c)
{
    (void)state;
    (void)c;
    return MINGA_EINVAL;
}

static int future_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_OK;
}

static const struct minga_exporter future_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abifuture",
    .begin = future_begin,
    .write_case = future_write_case,
    .finish = future_finish,
};

MINGA_EXPORT extern const struct minga_plugin_desc minga_plugin;
MINGA_EXPORT const struct minga_plugin_desc minga_plugin = {
    MINGA_ABI_MAJOR,
    MINGA_ABI_MINOR + 7,
    sizeof(struct minga_plugin_desc),
    "abifuture",
    MINGA_PLUGIN_EXPORTER,
    "1.0.0",
    "from the future",
    NULL,
    &future_exporter,
    NULL,
    NULL};
