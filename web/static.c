/*
 * The page's assets, embedded in the binary at build time (minga_embed), so
 * no URL can reach the filesystem. The page itself (/) is rendered by
 * page.c; these are its script, labels, style and icon. Each has a strong ETag (a hash of its
 * bytes) and is revalidated on every load (no-cache), so a new binary
 * serves new assets at once.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "web.h"

extern const unsigned char web_asset_app_js[];
extern const size_t web_asset_app_js_len;
extern const unsigned char web_asset_case_js[];
extern const size_t web_asset_case_js_len;
extern const unsigned char web_asset_i18n_js[];
extern const size_t web_asset_i18n_js_len;
extern const unsigned char web_asset_style_css[];
extern const size_t web_asset_style_css_len;
extern const unsigned char web_asset_favicon_svg[];
extern const size_t web_asset_favicon_svg_len;
extern const unsigned char web_asset_openapi_json[];
extern const size_t web_asset_openapi_json_len;

struct asset {
    const char *path;
    const char *media_type;
    const unsigned char *data;
    const size_t *len;
    char etag[24];
};

static struct asset assets[] = {
    {"/app.js", "text/javascript; charset=utf-8", web_asset_app_js,
     &web_asset_app_js_len, ""},
    {"/case.js", "text/javascript; charset=utf-8", web_asset_case_js,
     &web_asset_case_js_len, ""},
    {"/i18n.js", "text/javascript; charset=utf-8", web_asset_i18n_js,
     &web_asset_i18n_js_len, ""},
    {"/style.css", "text/css; charset=utf-8", web_asset_style_css,
     &web_asset_style_css_len, ""},
    {"/favicon.svg", "image/svg+xml", web_asset_favicon_svg,
     &web_asset_favicon_svg_len, ""},
    {"/api/openapi.json", "application/json; charset=utf-8",
     web_asset_openapi_json, &web_asset_openapi_json_len, ""},
};
#define N_ASSETS (sizeof assets / sizeof assets[0])

static pthread_once_t etags_once = PTHREAD_ONCE_INIT;

/* FNV-1a, 64 bits: enough to tell two versions of a file apart. */
static void compute_etags(void)
{
    for (size_t i = 0; i < N_ASSETS; i++) {
        uint64_t hash = 14695981039346656037ull;
        for (size_t k = 0; k < *assets[i].len; k++) {
            hash ^= assets[i].data[k];
            hash *= 1099511628211ull;
        }
        snprintf(assets[i].etag, sizeof assets[i].etag, "\"%016" PRIx64 "\"",
                 hash);
    }
}

static struct asset *find(const char *path)
{
    for (size_t i = 0; i < N_ASSETS; i++)
        if (strcmp(assets[i].path, path) == 0)
            return &assets[i];
    return NULL;
}

int web_static_find(const char *path)
{
    return find(path) != NULL;
}

/* Whether an If-None-Match header lists `etag` (or is "*"). */
static int matches(const char *header, const char *etag)
{
    if (!header)
        return 0;
    if (strcmp(header, "*") == 0)
        return 1;
    return strstr(header, etag) != NULL;
}

enum MHD_Result web_static_send(struct MHD_Connection *con,
                                struct web_request *req, const char *path)
{
    struct asset *a = find(path);
    if (!a)
        return web_send_error(con, req, MHD_HTTP_NOT_FOUND, "not found", NULL);
    pthread_once(&etags_once, compute_etags);
    const char *inm =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    unsigned status = MHD_HTTP_OK;
    struct MHD_Response *resp;
    if (matches(inm, a->etag)) {
        status = MHD_HTTP_NOT_MODIFIED;
        resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(*a->len, (void *)a->data,
                                               MHD_RESPMEM_PERSISTENT);
    }
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", a->media_type);
    MHD_add_response_header(resp, "ETag", a->etag);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    return web_send(con, req, status, resp);
}
