/*
 * CSV exporter: RFC 4180 with a UTF-8 BOM and a header row of the case
 * format v1 field names; array fields joined with ';'. Streamed row by row.
 * A tag that contains ';' is written as is but cannot round-trip: the CSV
 * importer splits it (see csv_out.c).
 */
#include <stdlib.h>

#include "minga/plugin.h"
#include "csv_out.h"

static int csv_begin(const struct minga_host_api *host,
                     struct minga_export_ctx *ctx, void **state)
{
    struct exp_out *out = calloc(1, sizeof *out);
    if (!out)
        return MINGA_ENOMEM;
    exp_out_init_host(out, host, ctx);
    *state = out;
    return exp_csv_write_header(out);
}

static int csv_write_case(void *state, const struct minga_case *c)
{
    return exp_csv_write_case(state, c);
}

static int csv_finish(void *state, int ok)
{
    struct exp_out *out = state;
    int rc = ok ? exp_out_status(out) : MINGA_OK;
    free(out);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "csv",
                                               "text/csv; charset=utf-8",
                                               "csv",
                                               csv_begin,
                                               csv_write_case,
                                               csv_finish};

MINGA_PLUGIN_DEFINE("csv", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "CSV, one case per row (case format v1); attachment "
                    "paths only, no attachment bytes (use archive)",
                    NULL, &exporter);
