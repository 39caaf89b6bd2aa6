/*
 * The request target: strict percent-decoding, path segments, query
 * parameters, and the translation of search parameters into a
 * struct minga_query (all value checks are query_add_filter's).
 */
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "web.h"
#include "minga.h"

#define MAX_PARAMS 64
#define MAX_TEXT_BYTES 1000
#define MAX_PAGE 10000
#define MAX_PER_PAGE 100
#define DEFAULT_PER_PAGE 10

static int hex_value(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Whether s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
static int is_valid_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n_follow;
        unsigned cp;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            n_follow = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n_follow = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n_follow = 3;
            cp = c & 0x07;
        } else
            return 0;
        if (len - i <= n_follow)
            return 0;
        for (size_t k = 1; k <= n_follow; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((n_follow == 2 && cp < 0x800) || (n_follow == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n_follow + 1;
    }
    return 1;
}

char *web_percent_decode(const char *src, size_t len, int is_form)
{
    char *out = malloc(len + 1);
    size_t n_out = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        char ch = src[i];
        if (ch == '%') {
            if (len - i < 3) {
                free(out);
                return NULL;
            }
            int hi = hex_value(src[i + 1]);
            int lo = hex_value(src[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                free(out);
                return NULL;
            }
            out[n_out++] = (char)(hi * 16 + lo);
            i += 2;
        } else if (ch == '+' && is_form) {
            out[n_out++] = ' ';
        } else {
            out[n_out++] = ch;
        }
    }
    out[n_out] = '\0';
    if (!is_valid_utf8((const unsigned char *)out, n_out)) {
        free(out);
        return NULL;
    }
    return out;
}

void web_request_release(struct web_request *req)
{
    for (size_t i = 0; i < req->n_segments; i++)
        free(req->segments[i]);
    free(req->segments);
    for (size_t i = 0; i < req->n_params; i++) {
        free(req->params[i].name);
        free(req->params[i].value);
    }
    free(req->params);
    free(req->raw_uri);
    req->segments = NULL;
    req->params = NULL;
    req->raw_uri = NULL;
    req->n_segments = req->n_params = 0;
}

static int parse_path(struct web_request *req, const char *path, size_t len)
{
    size_t n_slashes = 0;
    for (size_t i = 0; i < len; i++)
        n_slashes += path[i] == '/';
    req->segments = calloc(n_slashes + 1, sizeof *req->segments);
    if (!req->segments)
        return -1;
    /* "/a/b" -> ["a", "b"]; "/" -> [""] */
    size_t start = 1;
    for (size_t i = 1; i <= len; i++) {
        if (i == len || path[i] == '/') {
            char *seg = web_percent_decode(path + start, i - start, 0);
            if (!seg)
                return -1;
            req->segments[req->n_segments++] = seg;
            start = i + 1;
        }
    }
    return 0;
}

static int parse_params(struct web_request *req, const char *query)
{
    size_t n_pairs = 1;
    for (const char *p = query; *p; p++)
        n_pairs += *p == '&';
    if (n_pairs > MAX_PARAMS)
        return -2;
    req->params = calloc(n_pairs, sizeof *req->params);
    if (!req->params)
        return -1;
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if (end > p) {
            const char *eq = memchr(p, '=', (size_t)(end - p));
            const char *name_end = eq ? eq : end;
            struct web_param *prm = &req->params[req->n_params];
            prm->name = web_percent_decode(p, (size_t)(name_end - p), 1);
            prm->value =
                eq ? web_percent_decode(eq + 1, (size_t)(end - eq - 1), 1)
                   : strdup("");
            if (!prm->name || !prm->value) {
                free(prm->name);
                free(prm->value);
                prm->name = prm->value = NULL;
                return -1;
            }
            req->n_params++;
        }
        p = *end ? end + 1 : end;
    }
    return 0;
}

int web_request_parse(struct web_request *req, const char **errmsg)
{
    const char *uri = req->raw_uri;
    if (!uri || uri[0] != '/') {
        *errmsg = "the request target must start with /";
        return -1;
    }
    /* raw control bytes are never part of a URI (RFC 3986 2); encoded
     * ones are decoded and checked with the rest */
    for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
        if (*p < 0x20 || *p == 0x7F) {
            *errmsg = "a control character in the request target";
            return -1;
        }
    const char *query = strchr(uri, '?');
    const char *hash = strchr(uri, '#');
    size_t path_len = query ? (size_t)(query - uri) : strlen(uri);
    if (hash && (size_t)(hash - uri) < path_len)
        path_len = (size_t)(hash - uri);
    if (parse_path(req, uri, path_len) != 0) {
        *errmsg = "malformed percent-encoding in the path";
        return -1;
    }
    if (query) {
        char *qcopy = strdup(query + 1);
        if (!qcopy) {
            *errmsg = "out of memory";
            return -1;
        }
        char *frag = strchr(qcopy, '#');
        if (frag)
            *frag = '\0';
        int rc = parse_params(req, qcopy);
        free(qcopy);
        if (rc == -2) {
            *errmsg = "too many query parameters";
            return -1;
        }
        if (rc != 0) {
            *errmsg = "malformed percent-encoding in the query string";
            return -1;
        }
    }
    return 0;
}

const char *web_param(const struct web_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, name) == 0)
            return req->params[i].value;
    return NULL;
}

int64_t web_parse_positive(const char *s, int64_t max)
{
    size_t len = strlen(s);
    if (len < 1 || len > 18 || s[0] == '0')
        return -1;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v <= max ? v : -1;
}

int web_is_valid_id(const char *id)
{
    size_t len = strlen(id);
    if (len < 1 || len > 100)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '-'))
            return 0;
    }
    return 1;
}

/* Parses a positive integer in [1, max]; -1 when not one. */
static long parse_bounded(const char *s, long max)
{
    if (!*s || strlen(s) > 9)
        return -1;
    long v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        v = v * 10 + (*p - '0');
    }
    return (v >= 1 && v <= max) ? v : -1;
}

/* Adds each comma-separated item of `value` as filter `filter`. */
static char *dup_message(const char *msg)
{
    return strdup(msg);
}

/* Maps a URL parameter to a filter name, "" for the non-filter ones the
 * caller handles, or NULL for an unknown parameter. */
static const char *filter_for(const char *param, int is_export)
{
    if (strcmp(param, "q") == 0 || strcmp(param, "suggested") == 0)
        return "";
    /* exports: lang is the labels' language (the route reads it) */
    if (is_export && strcmp(param, "lang") == 0)
        return "";
    if (!is_export &&
        (strcmp(param, "page") == 0 || strcmp(param, "per_page") == 0))
        return "";
    return query_is_filter(param, strlen(param)) ? param : NULL;
}

int web_query_build(struct minga_query *q, const struct web_request *req,
                    int is_export, const char **bad_param, char **errmsg)
{
    long page = 1, per_page = DEFAULT_PER_PAGE;
    /* the q parameters are joined into one query: the budget is for all
     * of them (64 of 1000 bytes each once made one search of 21 000
     * words, minutes of matching: issue 18) */
    size_t text_bytes = 0;
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        const char *value = req->params[i].value;
        const char *filter = filter_for(name, is_export);
        *bad_param = name;
        if (!filter) {
            char buf[160];
            snprintf(buf, sizeof buf, "%.60s: unknown parameter", name);
            *errmsg = dup_message(buf);
            return -1; /* *bad_param points into req, which outlives q */
        }
        if (strcmp(name, "q") == 0) {
            text_bytes += strlen(value);
            if (text_bytes > MAX_TEXT_BYTES) {
                *errmsg = dup_message("q: at most 1000 bytes of text, all "
                                      "q parameters together");
                return -1;
            }
            if (query_parse_inline(q, value, errmsg) != 0)
                return -1;
        } else if (strcmp(name, "page") == 0) {
            if (*value && (page = parse_bounded(value, MAX_PAGE)) < 0) {
                *errmsg = dup_message("page: expected an integer from 1 "
                                      "to 10000");
                return -1;
            }
        } else if (strcmp(name, "per_page") == 0) {
            per_page = DEFAULT_PER_PAGE;
            if (*value &&
                (per_page = parse_bounded(value, MAX_PER_PAGE)) < 0) {
                *errmsg = dup_message("per_page: expected an integer from 1 "
                                      "to 100");
                return -1;
            }
        } else if (strcmp(name, "suggested") == 0) {
            /* goal and target filters also match by suggestion */
            if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0 ||
                strcmp(value, "on") == 0) {
                q->want_suggested = 1;
            } else if (*value && strcmp(value, "0") != 0 &&
                       strcmp(value, "false") != 0) {
                *errmsg = dup_message("suggested: expected 1 or 0");
                return -1;
            }
        } else if (*filter) {
            /* "2,11" is 2 OR 11: query_add_filter splits it. An empty
             * value (a form's empty select) is no filter. */
            if (value[strspn(value, ", ")] &&
                query_add_filter(q, filter, value, errmsg) != 0) {
                if (!*errmsg)
                    *errmsg = dup_message("out of memory");
                return -1;
            }
        }
    }
    *bad_param = NULL;
    if (is_export) {
        q->offset = 0;
        q->limit = 0; /* every matching case */
    } else {
        q->offset = (unsigned)((page - 1) * per_page);
        q->limit = (unsigned)per_page;
        q->want_facets = 1;
        q->want_snippets = 1;
        q->want_spelling = 1;
    }
    return 0;
}

const char *web_query_param_code(const char *bad_param, int is_export)
{
    const char *filter = bad_param ? filter_for(bad_param, is_export) : "";
    if (!filter)
        return "unknown_parameter";
    return *filter ? "bad_filter_value" : "bad_parameter";
}
