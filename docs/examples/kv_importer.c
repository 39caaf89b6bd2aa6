/*
 * A complete minga importer: case studies written as "field: value" lines,
 * one case per .kv file, the way a city clerk might type them in a plain
 * text editor:
 *
 *   id: bogota-ciclovia
 *   title: Ciclovía de Bogotá
 *   goals: 3; 11
 *   ...
 *   body:
 *   Every line after "body:" is the body, as Markdown.
 *
 * Every value is reported as MINGA_VALUE_TEXT: the host converts it to the
 * field's type, splits array fields on ';' and checks every rule of the
 * case format, so the importer only reads its syntax. It is built against
 * the installed header alone (docs/plugins.md, "A complete importer"):
 *
 *   cc -shared -fPIC $(pkg-config --cflags minga-plugin) kv_importer.c \
 *      -o "$(pkg-config --variable=plugindir minga-plugin)/kv_importer.so"
 */
#include <string.h>

#include "minga/plugin.h"

/* Reports `name: value` (value trimmed) at `line`. Returns the host's code. */
static int report(const struct minga_host_api *host,
                  struct minga_import_sink *sink, const char *name,
                  size_t name_len, const char *value, size_t value_len,
                  int line, int column)
{
    char field[64];
    if (name_len == 0 || name_len >= sizeof field) {
        host->error(sink, line, 1, NULL, "expected \"field: value\"");
        return MINGA_EINVAL;
    }
    memcpy(field, name, name_len);
    field[name_len] = '\0';
    while (value_len > 0 && (*value == ' ' || *value == '\t')) {
        value++;
        value_len--;
        column++;
    }
    while (value_len > 0 &&
           (value[value_len - 1] == ' ' || value[value_len - 1] == '\t' ||
            value[value_len - 1] == '\r'))
        value_len--;
    struct minga_value v = {
        MINGA_VALUE_TEXT, value, value_len, 0, 0.0, line, column};
    return host->case_field(sink, field, &v);
}

static int kv_import_buffer(const struct minga_host_api *host,
                            struct minga_import_sink *sink, const char *name,
                            const void *data, size_t len)
{
    (void)name; /* the host names the file in messages */
    const char *p = data, *end = p + len;
    int line = 1;
    int rc = host->case_begin(sink, 1);
    while (rc == 0 && p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol)
            eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (eol == p || (eol == p + 1 && *p == '\r') || *p == '#') {
            /* blank lines and # comments */
        } else if (!colon) {
            host->error(sink, line, 1, NULL,
                        "expected \"field: value\" or \"body:\"");
            rc = MINGA_EINVAL;
        } else if (colon - p == 4 && memcmp(p, "body", 4) == 0 &&
                   colon + 1 >= eol - (eol[-1] == '\r')) {
            /* "body:" alone: the rest of the file is the body */
            const char *body = eol < end ? eol + 1 : end;
            struct minga_value v = {
                MINGA_VALUE_TEXT, body, (size_t)(end - body), 0, 0.0,
                line + 1,         1};
            rc = host->case_field(sink, "body", &v);
            break;
        } else {
            rc = report(host, sink, p, (size_t)(colon - p), colon + 1,
                        (size_t)(eol - colon - 1), line, (int)(colon - p) + 2);
        }
        p = eol < end ? eol + 1 : end;
        line++;
    }
    if (rc == 0)
        rc = host->case_end(sink);
    return rc;
}

static const char *const kv_extensions[] = {".kv", NULL};

static const struct minga_importer kv_importer = {
    sizeof(struct minga_importer), kv_extensions, kv_import_buffer, NULL};

MINGA_PLUGIN_DEFINE("kv", MINGA_PLUGIN_IMPORTER, "1.0.0",
                    "case studies as \"field: value\" lines (.kv)",
                    &kv_importer, NULL);
