/*
 * JSON Lines exporter: one compact case object (case format v1) per line,
 * streamed.
 */
#include <stdlib.h>

#include "minga/plugin.h"
#include "json_stream.h"

static int jsonl_begin(const struct minga_host_api *host,
                       struct minga_export_ctx *ctx, void **state)
{
    struct exp_out *out = calloc(1, sizeof *out);
    if (!out)
        return MINGA_ENOMEM;
    exp_out_init_host(out, host, ctx);
    *state = out;
    return MINGA_OK;
}

static int jsonl_write_case(void *state, const struct minga_case *c)
{
    return exp_json_write_line(state, c);
}

static int jsonl_finish(void *state, int ok)
{
    struct exp_out *out = state;
    int rc = ok ? exp_out_status(out) : MINGA_OK;
    free(out);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "jsonl",
                                               "application/x-ndjson",
                                               "jsonl",
                                               jsonl_begin,
                                               jsonl_write_case,
                                               jsonl_finish};

MINGA_PLUGIN_DEFINE("jsonl", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "JSON Lines, one case per line (case format v1); "
                    "attachment paths only, no attachment bytes (use "
                    "archive)",
                    NULL, &exporter);
