/*
 * libFuzzer target for the query parser (core/query.c): the first line of
 * the input is a query as typed (query_parse_inline), each further line a
 * filter "name=value" (query_add_filter); then the query is described and
 * released.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "query.h"
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
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct minga_query q;
    query_init(&q);
    char *save = NULL, *err = NULL;
    char *line = strtok_r(text, "\n", &save);
    if (line) {
        if (query_parse_inline(&q, line, &err) != 0) {
            free(err);
            err = NULL;
        }
        while ((line = strtok_r(NULL, "\n", &save))) {
            char *eq = strchr(line, '=');
            if (!eq)
                continue;
            *eq = '\0';
            if (query_add_filter(&q, line, eq + 1, &err) != 0) {
                free(err);
                err = NULL;
            }
        }
    }
    free(query_describe_filters(&q));
    (void)query_is_empty(&q);
    query_release(&q);
    free(text);
    return 0;
}
