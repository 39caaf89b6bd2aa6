/* minga_export: selects cases with the index, loads them from the catalog
 * one by one and hands them to an exporter plugin. */
#include "minga_impl.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "host_impl.h"
#include "plugin_host.h"

struct minga_export_ctx {
    struct minga *m;
    const struct minga_export_options *opt;
    struct minga_export_info info;
    void *blob;          /* last attachment read; owned */
    char *plugin_errmsg; /* from export_error; owned */
    int has_write_failed;
    char *const *ids; /* the exported cases, rank order; borrowed */
    size_t n_ids;
    const char **sorted_ids;             /* the same, sorted, made at the first
                                related_cases call; owned array */
    struct mindex_related_list *related; /* last related_cases */
    struct minga_related_case *related_items; /* views into it; owned */
};

void export_error(struct minga_export_ctx *ctx, const char *fmt, ...)
{
    if (!ctx || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *text = NULL;
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    if (!text)
        return;
    free(ctx->plugin_errmsg); /* the last message before failing wins */
    ctx->plugin_errmsg = text;
}

int minga_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int minga_export_write_fd(void *arg, const void *data, size_t len)
{
    return minga_write_all(*(const int *)arg, data, len);
}

int export_write(struct minga_export_ctx *ctx, const void *data, size_t len)
{
    if (ctx->has_write_failed)
        return MINGA_EIO;
    if (len && ctx->opt->write(ctx->opt->write_arg, data, len) != 0) {
        ctx->has_write_failed = 1;
        return MINGA_EIO;
    }
    return MINGA_OK;
}

const struct minga_export_info *export_info(struct minga_export_ctx *ctx)
{
    return &ctx->info;
}

int export_attachment_read(struct minga_export_ctx *ctx, const char *sha256,
                           const void **data, size_t *len)
{
    free(ctx->blob);
    ctx->blob = NULL;
    void *blob = NULL;
    int rc = catalog_read_blob(ctx->m->cat, sha256, &blob, len);
    if (rc)
        return rc;
    ctx->blob = blob;
    *data = blob;
    return MINGA_OK;
}

static int compare_ids(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_exported(struct minga_export_ctx *ctx, const char *id)
{
    if (!ctx->sorted_ids) {
        ctx->sorted_ids =
            malloc((ctx->n_ids ? ctx->n_ids : 1) * sizeof *ctx->sorted_ids);
        if (!ctx->sorted_ids)
            return 0;
        memcpy(ctx->sorted_ids, ctx->ids, ctx->n_ids * sizeof(char *));
        qsort(ctx->sorted_ids, ctx->n_ids, sizeof(char *), compare_ids);
    }
    return bsearch(&id, ctx->sorted_ids, ctx->n_ids, sizeof(char *),
                   compare_ids) != NULL;
}

static void related_release(struct minga_export_ctx *ctx)
{
    mindex_related_free(ctx->related);
    ctx->related = NULL;
    free(ctx->related_items);
    ctx->related_items = NULL;
}

int export_related_cases(struct minga_export_ctx *ctx, const char *id,
                         unsigned limit,
                         const struct minga_related_case **items,
                         size_t *n_items)
{
    related_release(ctx);
    *items = NULL;
    *n_items = 0;
    if (!id || limit == 0)
        return MINGA_OK;
    if (limit > MINDEX_RELATED_MAX)
        limit = MINDEX_RELATED_MAX;
    char *errmsg = NULL;
    int rc = minga_related(ctx->m, id, limit, &ctx->related, &errmsg);
    free(errmsg); /* the plugin gets the code; the words are ours */
    if (rc == MINGA_ENOTFOUND)
        return MINGA_OK; /* not in the index yet: nothing like it */
    if (rc)
        return rc;
    const struct mindex_related_list *r = ctx->related;
    if (r->n_items == 0)
        return MINGA_OK;
    ctx->related_items = calloc(r->n_items, sizeof *ctx->related_items);
    if (!ctx->related_items) {
        related_release(ctx);
        return MINGA_ENOMEM;
    }
    for (size_t i = 0; i < r->n_items; i++) {
        const struct mindex_related *src = &r->items[i];
        ctx->related_items[i] = (struct minga_related_case){
            .struct_size = sizeof(struct minga_related_case),
            .id = src->id,
            .title = src->title,
            .city = src->city,
            .country = src->country,
            .year_start = src->year_start,
            .year_end = src->year_end,
            .score = src->score,
            .is_same_city = src->is_same_city,
            .is_exported = is_exported(ctx, src->id),
            .shared_goal_mask = src->shared_goal_mask,
            .shared_targets = (const char *const *)src->shared_targets,
            .n_shared_targets = src->n_shared_targets,
            .shared_terms = (const char *const *)src->shared_terms,
            .n_shared_terms = src->n_shared_terms};
    }
    *items = ctx->related_items;
    *n_items = r->n_items;
    return MINGA_OK;
}

int minga_export(struct minga *m, const struct minga_query *q,
                 const struct minga_export_options *opt, char **errmsg)
{
    const struct minga_exporter *exp =
        plugin_registry_exporter(m->plugins, opt->format);
    if (!exp) {
        if (errmsg)
            *errmsg = minga_strdupf("no exporter for format \"%s\" (see "
                                    "`minga plugins`)",
                                    opt->format);
        return MINGA_ENOTFOUND;
    }
    char **ids = NULL;
    size_t n_ids = 0;
    int rc = minga_match_ids(m, q, &ids, &n_ids, errmsg);
    if (rc)
        return rc;
    if (n_ids == 0) {
        free(ids);
        if (errmsg)
            *errmsg = strdup("no cases match this selection; nothing was "
                             "exported");
        return MINGA_ENOTFOUND;
    }
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char *filters = query_describe_filters(q);
    struct minga_export_ctx ctx = {
        .m = m,
        .opt = opt,
        .info = {.struct_size = sizeof ctx.info,
                 .query = q->text ? q->text : "",
                 .filters = filters ? filters : "",
                 .lang = opt->lang ? opt->lang : "en",
                 .n_cases = n_ids,
                 .generated_at = now,
                 .minga_version = MINGA_VERSION},
        .ids = ids,
        .n_ids = n_ids};
    void *state = NULL;
    rc = exp->begin(plugin_host_api(), &ctx, &state);
    for (size_t i = 0; !rc && i < n_ids; i++) {
        struct minga_case *c = NULL;
        rc = catalog_get_case(m->cat, ids[i], 0, &c);
        if (rc == MINGA_ENOTFOUND) {
            rc = MINGA_OK; /* deleted since the search: skip it */
            continue;
        }
        if (!rc)
            rc = exp->write_case(state, c);
        case_free(c);
    }
    if (state || !rc) {
        int frc = exp->finish(state, rc == MINGA_OK);
        if (!rc)
            rc = frc;
    }
    if (!rc && ctx.has_write_failed)
        rc = MINGA_EIO;
    if (rc && errmsg && !*errmsg && ctx.plugin_errmsg) {
        /* the plugin's own words, named by format */
        *errmsg = minga_strdupf("the %s exporter failed: %s", opt->format,
                                ctx.plugin_errmsg);
    }
    if (rc && errmsg && !*errmsg)
        *errmsg = ctx.has_write_failed
                      ? strdup("writing the export failed (disk full?)")
                      : minga_strdupf("the %s exporter failed (code %d)",
                                      opt->format, rc);
    mindex_ids_free(ids, n_ids);
    free(ctx.blob);
    free(ctx.plugin_errmsg);
    free(ctx.sorted_ids);
    related_release(&ctx);
    free(filters);
    return rc;
}
