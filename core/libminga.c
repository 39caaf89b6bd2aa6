/*
 * The public API's functions that are not the facade's own (the headers
 * of include/minga/ but plugin.h): each turns its arguments into the internal facade's and
 * its answer into JSON text, so that no internal or third-party type
 * crosses into a program built against libminga.
 */
#include "minga_impl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "refdata.h"

void minga_free(void *p)
{
    free(p);
}

const char *minga_library_version(void)
{
    return MINGA_VERSION;
}

const char *minga_strerror(int code)
{
    switch (code) {
    case MINGA_OK:
        return "success";
    case MINGA_EINVAL:
        return "invalid input";
    case MINGA_ENOMEM:
        return "out of memory";
    case MINGA_EIO:
        return "input/output error";
    case MINGA_ELIMIT:
        return "a size or count limit was crossed";
    case MINGA_ENOTFOUND:
        return "not found";
    case MINGA_EINTERNAL:
        return "internal error";
    case MINGA_EBUSY:
        return "busy";
    case MINGA_EEXISTS:
        return "already exists";
    case MINGA_EFORBIDDEN:
        return "forbidden";
    default:
        return "unknown error";
    }
}

static void set_errmsg(char **errmsg, char *text)
{
    if (errmsg && !*errmsg)
        *errmsg = text;
    else
        free(text);
}

/* Moves a jansson value into *json as compact text; steals `value`. */
static int json_out(json_t *value, char **json, size_t *len, char **errmsg)
{
    if (!value) {
        set_errmsg(errmsg, strdup("out of memory"));
        return MINGA_ENOMEM;
    }
    char *text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(value);
    if (!text) {
        set_errmsg(errmsg, strdup("the answer could not be written"));
        return MINGA_ENOMEM;
    }
    *json = text;
    if (len)
        *len = strlen(text);
    return MINGA_OK;
}

int minga_import_files(struct minga *m, const char *const *paths,
                       size_t n_paths, unsigned flags, char **report,
                       char **errmsg)
{
    if (report)
        *report = NULL;
    if (!m || (!paths && n_paths)) {
        set_errmsg(errmsg, strdup("minga_import_files: no handle or paths"));
        return MINGA_EINVAL;
    }
    struct minga_import_options opt;
    minga_import_options_init(&opt);
    opt.is_dry_run = (flags & MINGA_IMPORT_DRY_RUN) != 0;
    opt.is_lenient = (flags & MINGA_IMPORT_LENIENT) != 0;
    opt.is_forced = (flags & MINGA_IMPORT_FORCE) != 0;
    opt.is_no_attachments = (flags & MINGA_IMPORT_NO_ATTACHMENTS) != 0;
    opt.by = "libminga";
    struct minga_import_report rep;
    minga_import_report_init(&rep);
    int rc = minga_import_paths(m, paths, n_paths, &opt, &rep);
    if (rc) {
        const struct diag *first = NULL;
        for (size_t i = 0; !first && i < rep.diags.n_items; i++)
            if (rep.diags.items[i].severity == DIAG_ERROR)
                first = &rep.diags.items[i];
        set_errmsg(
            errmsg,
            rep.diags.n_errors
                ? minga_strdupf("import failed: %zu error%s (the "
                                "first: %s); nothing was imported",
                                rep.diags.n_errors,
                                rep.diags.n_errors == 1 ? "" : "s",
                                first ? first->message : "")
                : minga_strdupf("import failed: %s", minga_strerror(rc)));
    }
    if (report) {
        int jrc = json_out(minga_import_report_json(&rep, opt.is_dry_run),
                           report, NULL, errmsg);
        if (!rc)
            rc = jrc;
    }
    minga_import_report_release(&rep);
    return rc;
}

int minga_case_get_json(struct minga *m, const char *id, char **json,
                        char **errmsg)
{
    struct minga_case *c = NULL;
    int rc = minga_get_case(m, id, &c, errmsg);
    if (rc)
        return rc;
    rc = json_out(minga_case_json(c, 1), json, NULL, errmsg);
    case_free(c);
    return rc;
}

int minga_case_remove(struct minga *m, const char *id, char **errmsg)
{
    return minga_delete_case(m, id, NULL, errmsg);
}

int minga_catalog_stats(struct minga *m, char **json, char **errmsg)
{
    json_t *stats = NULL;
    int rc = minga_stats_json(m, &stats, errmsg);
    if (rc)
        return rc;
    return json_out(stats, json, NULL, errmsg);
}

/* The query of the search box: inline filters, words and phrases. */
static int parse_query(struct minga_query *q, const char *query, char **errmsg)
{
    query_init(q);
    if (query && query_parse_inline(q, query, errmsg) != 0) {
        query_release(q);
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}

int minga_search_json(struct minga *m, const char *query, unsigned offset,
                      unsigned limit, char **json, size_t *json_len,
                      char **errmsg)
{
    struct minga_query q;
    int rc = parse_query(&q, query, errmsg);
    if (rc)
        return rc;
    q.offset = offset;
    q.limit = limit == 0                ? QUERY_DEFAULT_LIMIT
              : limit > QUERY_MAX_LIMIT ? QUERY_MAX_LIMIT
                                        : limit;
    q.want_facets = q.want_snippets = q.want_spelling = 1;
    struct mindex_results *results = NULL;
    rc = minga_search(m, &q, &results, errmsg);
    if (!rc) {
        size_t n = 0;
        char *text = minga_results_json(&q, results, &n);
        mindex_results_free(results);
        if (text) {
            *json = text;
            if (json_len)
                *json_len = n;
        } else {
            set_errmsg(errmsg, strdup("the answer could not be written"));
            rc = MINGA_ENOMEM;
        }
    }
    query_release(&q);
    return rc;
}

int minga_case_related_json(struct minga *m, const char *id, unsigned limit,
                            char **json, size_t *json_len, char **errmsg)
{
    if (limit == 0)
        limit = 5;
    if (limit > MINDEX_RELATED_MAX) {
        set_errmsg(errmsg,
                   minga_strdupf("limit must be 1-%d", MINDEX_RELATED_MAX));
        return MINGA_EINVAL;
    }
    struct mindex_related_list *r = NULL;
    int rc = minga_related(m, id, limit, &r, errmsg);
    if (rc)
        return rc;
    size_t n = 0;
    char *text = minga_related_json(id, r, &n);
    mindex_related_free(r);
    if (!text) {
        set_errmsg(errmsg, strdup("the answer could not be written"));
        return MINGA_ENOMEM;
    }
    *json = text;
    if (json_len)
        *json_len = n;
    return MINGA_OK;
}

int minga_export_fd(struct minga *m, const char *query, const char *format,
                    const char *lang, int fd, char **errmsg)
{
    if (!format) {
        set_errmsg(errmsg, strdup("minga_export_fd: no format"));
        return MINGA_EINVAL;
    }
    if (lang && !refdata_label_lang(lang)) {
        set_errmsg(errmsg, minga_strdupf("language \"%s\": expected es, pt "
                                         "or en",
                                         lang));
        return MINGA_EINVAL;
    }
    struct minga_query q;
    int rc = parse_query(&q, query, errmsg);
    if (rc)
        return rc;
    q.limit = 0; /* every case selected */
    struct minga_export_options opt = {.format = format,
                                       .lang = lang,
                                       .write = minga_export_write_fd,
                                       .write_arg = &fd};
    rc = minga_export(m, &q, &opt, errmsg);
    query_release(&q);
    return rc;
}
