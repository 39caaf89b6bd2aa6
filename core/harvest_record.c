/* Each record of a page into an item to write, unchanged, or skipped
 * with a diagnostic: the checks of ownership, the mapping, and the
 * minga format's attachments fetched and checked (harvest_run.h). */
#include "harvest_run.h"
#include "sha256.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "catalog_history.h"
#include "harvest_http.h"
#include "harvest_map.h"
#include "minga_impl.h"

void harvest_item_release(struct harvest_item *it)
{
    free(it->identifier);
    free(it->datestamp);
    free(it->case_id);
    if (it->c) {
        for (size_t i = 0; i < it->c->n_attachments; i++)
            free(it->att_data ? it->att_data[i] : NULL);
        case_free(it->c);
    }
    free(it->att_data);
    free(it->att_len);
    memset(it, 0, sizeof *it);
}

void harvest_items_clear(struct harvest_run *r)
{
    for (size_t i = 0; i < r->n_items; i++)
        harvest_item_release(&r->items[i]);
    r->n_items = 0;
}

/* Adds an item; an earlier one for the same case in this page (a source
 * listing a record twice) gives way, since one generation writes a case
 * once. Takes it over. */
static int items_push(struct harvest_run *r, struct harvest_item *it)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (strcmp(r->items[i].case_id, it->case_id) == 0) {
            harvest_item_release(&r->items[i]);
            r->items[i] = *it;
            return MINGA_OK;
        }
    if (r->n_items == r->cap_items) {
        size_t cap = r->cap_items ? r->cap_items * 2 : 16;
        struct harvest_item *grown = realloc(r->items, cap * sizeof *grown);
        if (!grown)
            return MINGA_ENOMEM;
        r->items = grown;
        r->cap_items = cap;
    }
    r->items[r->n_items++] = *it;
    return MINGA_OK;
}

/* YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ */
int harvest_is_datestamp(const char *s)
{
    static const char day[] = "dddd-dd-dd", full[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t n = strlen(s);
    const char *shape = n == sizeof day - 1    ? day
                        : n == sizeof full - 1 ? full
                                               : NULL;
    if (!shape)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    return 1;
}

/* -- one record ---------------------------------------------------------- */

static void skip(struct harvest_run *r, const char *display, const char *field,
                 const char *fmt, const char *a, const char *b)
{
    char msg[600];
    snprintf(msg, sizeof msg, fmt, a, b);
    diag_add(&r->rep->diags, DIAG_ERROR, display, 0, 0, field,
             "%s; the record is skipped", msg);
    r->rep->n_skipped++;
}

/* Each path segment percent-encoded, the slashes kept. */
static char *attachment_url(struct harvest_run *r, const char *id,
                            const char *path)
{
    char *eid = harvest_http_escape(r->http, id);
    size_t cap = strlen(r->attach_base) + 3 * strlen(path) + 200;
    char *url = eid ? malloc(cap + strlen(eid)) : NULL;
    if (url) {
        int n =
            sprintf(url, "%s/api/cases/%s/attachments/", r->attach_base, eid);
        const char *p = path;
        while (*p) {
            size_t seg = strcspn(p, "/");
            char *part = strndup(p, seg);
            char *e = part ? harvest_http_escape(r->http, part) : NULL;
            n += sprintf(url + n, "%s%s", e ? e : "", p[seg] ? "/" : "");
            free(part);
            free(e);
            p += seg + (p[seg] ? 1 : 0);
        }
    }
    free(eid);
    return url;
}

/* Fetches a minga record's attachments and checks them against what the
 * record declared. 0, or MINGA_EINVAL after a diagnostic. */
static int fetch_attachments(struct harvest_run *r, const char *display,
                             struct harvest_item *it,
                             const struct harvest_attachment_ref *refs)
{
    size_t n = it->c->n_attachments;
    it->att_data = calloc(n, sizeof *it->att_data);
    it->att_len = calloc(n, sizeof *it->att_len);
    if (!it->att_data || !it->att_len)
        return MINGA_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *path = it->c->attachments[i].path;
        char field[48];
        snprintf(field, sizeof field, "attachments[%zu]", i);
        char *url = attachment_url(r, it->case_id, path);
        char *body = NULL, *err = NULL;
        size_t len = 0;
        int rc = url ? harvest_http_get(r->http, url, &body, &len, &err)
                     : MINGA_ENOMEM;
        free(url);
        if (rc) {
            skip(r, display, field, "\"%s\" could not be fetched: %s", path,
                 err ? err : "out of memory");
            free(err);
            return MINGA_EINVAL;
        }
        char sha[65];
        minga_sha256_hex(body, len, sha);
        if (!refs[i].sha256 || strcmp(sha, refs[i].sha256) != 0 ||
            refs[i].size != len) {
            skip(r, display, field,
                 "\"%s\": the bytes fetched differ from "
                 "the sha256 and size the record declares (%s)",
                 path, refs[i].sha256 ? refs[i].sha256 : "none");
            free(body);
            return MINGA_EINVAL;
        }
        it->att_data[i] = body;
        it->att_len[i] = len;
        r->rep->n_attachments++;
    }
    return MINGA_OK;
}

/* Whether the id is free for this source to write: a case harvested from
 * another source, or a local case, is left alone. */
static int may_write(struct harvest_run *r, const char *display,
                     const char *id)
{
    int64_t owner = 0;
    int was_deleted = 0;
    char *url = NULL;
    int rc = harvest_record_get(r->m->cat, id, &owner, &url, NULL, NULL,
                                &was_deleted);
    if (rc == MINGA_OK && owner != r->src.id) {
        skip(r, display, "id",
             "case \"%s\" was harvested from %s, and "
             "belongs to that source",
             id, url ? url : "another source");
        free(url);
        return 0;
    }
    free(url);
    if (rc == MINGA_OK)
        return 1;
    char *country = NULL, *city = NULL;
    int is_local =
        catalog_case_place(r->m->cat, id, &country, &city) == MINGA_OK;
    free(country);
    free(city);
    if (is_local)
        skip(r, display, "id",
             "case \"%s\" is a case of this catalog, not "
             "harvested from %s: a harvest does not overwrite it",
             id, r->opt->url);
    return !is_local;
}

int harvest_prepare_record(struct harvest_run *r,
                           const struct harvest_record *rec)
{
    r->rep->n_records++;
    char display[1200];
    snprintf(display, sizeof display, "%s!%s", r->opt->url,
             rec->identifier ? rec->identifier : "?");
    if (!rec->identifier || !rec->datestamp ||
        !harvest_is_datestamp(rec->datestamp)) {
        char line[32];
        snprintf(line, sizeof line, "%d", rec->line);
        skip(r, display, rec->identifier ? "datestamp" : "identifier",
             "the record's header (line %s of the answer) lacks a valid %s",
             line, rec->identifier ? "datestamp" : "identifier");
        return MINGA_OK;
    }
    if (!r->run_max || strcmp(rec->datestamp, r->run_max) > 0) {
        free(r->run_max);
        r->run_max = strdup(rec->datestamp);
    }
    char *old_id = NULL, *old_ds = NULL;
    int old_deleted = 0;
    int rc = harvest_record_find(r->m->cat, r->src.id, rec->identifier,
                                 &old_id, &old_ds, &old_deleted);
    if (rc && rc != MINGA_ENOTFOUND) {
        free(old_id);
        free(old_ds);
        return rc;
    }
    int is_known = rc == MINGA_OK;
    if ((is_known && strcmp(old_ds, rec->datestamp) == 0 &&
         old_deleted == rec->is_deleted) ||
        (!is_known && rec->is_deleted)) {
        /* held at that datestamp, or a deletion of what we never held */
        r->rep->n_unchanged++;
        free(old_id);
        free(old_ds);
        return MINGA_OK;
    }
    free(old_ds);
    struct harvest_item it = {.is_deleted = rec->is_deleted};
    if (rec->is_deleted) {
        it.case_id = old_id;
    } else {
        struct built_case bc = {0};
        struct harvest_attachment_ref *refs = NULL;
        int is_minga = strcmp(r->prefix, "minga") == 0;
        rc = is_minga
                 ? harvest_map_minga(r->builder, &r->rep->diags, rec->metadata,
                                     display, &bc, &refs)
                 : harvest_map_dc(r->builder, &r->rep->diags, rec->metadata,
                                  display, rec->identifier, &bc);
        if (rc) {
            r->rep->n_skipped++;
            free(old_id);
            return MINGA_OK;
        }
        it.c = bc.c;
        bc.c = NULL;
        built_case_release(&bc);
        it.case_id = strdup(it.c->id);
        int is_ok = 1;
        if (is_known && strcmp(old_id, it.case_id) != 0) {
            skip(r, display, "id",
                 "this record was case \"%s\" and now "
                 "says \"%s\"; a case's id does not change",
                 old_id, it.case_id);
            is_ok = 0;
        }
        is_ok = is_ok && may_write(r, display, it.case_id);
        if (is_ok && it.c->n_attachments)
            is_ok = fetch_attachments(r, display, &it, refs) == MINGA_OK;
        if (is_minga && refs) {
            for (size_t i = 0; i < it.c->n_attachments; i++)
                free(refs[i].sha256);
            free(refs);
        }
        free(old_id);
        if (!is_ok) {
            harvest_item_release(&it);
            return MINGA_OK;
        }
    }
    it.identifier = strdup(rec->identifier);
    it.datestamp = strdup(rec->datestamp);
    rc = items_push(r, &it);
    if (rc)
        harvest_item_release(&it);
    return rc;
}
