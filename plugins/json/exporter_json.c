/*
 * JSON exporter: a JSON array of case objects in the case format v1,
 * streamed case by case (only one case is in memory at a time),
 * pretty-printed and UTF-8 unescaped. The output re-imports through the
 * JSON importer unchanged.
 */
#include <stdlib.h>

#include "minga/plugin.h"
#include "json_stream.h"

struct json_export {
    struct exp_out out;
    struct exp_json_array arr;
};

static int json_begin(const struct minga_host_api *host,
                      struct minga_export_ctx *ctx, void **state)
{
    struct json_export *exp = calloc(1, sizeof *exp);
    if (!exp)
        return MINGA_ENOMEM;
    exp_out_init_host(&exp->out, host, ctx);
    exp_json_array_begin(&exp->arr, &exp->out);
    *state = exp;
    return exp_out_status(&exp->out);
}

static int json_write_case(void *state, const struct minga_case *c)
{
    struct json_export *exp = state;
    return exp_json_array_add(&exp->arr, c);
}

static int json_finish(void *state, int ok)
{
    struct json_export *exp = state;
    int rc = MINGA_OK;
    if (ok)
        rc = exp_json_array_end(&exp->arr);
    free(exp);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "json",
                                               "application/json",
                                               "json",
                                               json_begin,
                                               json_write_case,
                                               json_finish};

MINGA_PLUGIN_DEFINE("json", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "JSON array of cases (case format v1); attachment "
                    "paths only, no attachment bytes (use archive)",
                    NULL, &exporter);
