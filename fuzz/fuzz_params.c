/*
 * libFuzzer target for the server's request-target parsing (web/params.c):
 * the input is a raw request target as MHD hands it over; it is split into
 * path segments and parameters, and turned into a search and an export
 * query as GET /api/search and GET /api/export would.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web.h"
#include "minga.h"
#include "refdata.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    if (refdata_load(NULL) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 16384)
        return 0; /* MHD's connection memory bounds a target anyway */
    struct web_request req;
    memset(&req, 0, sizeof req);
    req.raw_uri = malloc(size + 1);
    if (!req.raw_uri)
        return 0;
    memcpy(req.raw_uri, data, size);
    req.raw_uri[size] = '\0';
    const char *errmsg = NULL;
    if (web_request_parse(&req, &errmsg) == 0) {
        for (size_t i = 0; i < req.n_segments; i++)
            (void)web_is_valid_id(req.segments[i]);
        (void)web_param(&req, "q");
        for (int is_export = 0; is_export <= 1; is_export++) {
            struct minga_query q;
            const char *bad = NULL;
            char *err = NULL;
            query_init(&q);
            if (web_query_build(&q, &req, is_export, &bad, &err) != 0) {
                if (bad)
                    (void)strlen(bad);
                free(err);
            }
            query_release(&q);
        }
    }
    /* the decoder on its own, both modes */
    for (int is_form = 0; is_form <= 1; is_form++)
        free(web_percent_decode((const char *)data, size, is_form));
    web_request_release(&req);
    return 0;
}
