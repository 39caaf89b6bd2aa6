/* The history of cases for the library's users: listing revisions,
 * reading one, and the writes that move between them (delete, revert,
 * restore, purge). The storage is catalog_history.c's; here each write is
 * one all-or-nothing step over catalog and index (minga_write_step). */
#include "minga_impl.h"

#include <stdlib.h>
#include <string.h>

#include "case.h"
#include "catalog_history.h"

int minga_write_step(struct minga *m,
                     int (*fn)(void *arg, struct minga *m, struct mindex *ix,
                               uint64_t gen, char **err),
                     void *arg, char **errmsg)
{
    if (m->flags & MINGA_OPEN_READONLY) {
        if (errmsg)
            *errmsg = strdup("the data folder is open read-only");
        return MINGA_EINVAL;
    }
    int rc = minga_lock(m, 30000, errmsg);
    if (rc)
        return rc;
    int was_needed;
    struct mindex *ix = NULL;
    uint64_t gen = 0;
    char *err = NULL;
    rc = minga_recover(m, &was_needed, &err);
    if (!rc)
        rc = minga_open_writer(m, &ix, &err);
    if (!rc && !(rc = catalog_begin(m->cat))) {
        rc = catalog_next_generation(m->cat, &gen);
        if (!rc)
            rc = fn(arg, m, ix, gen, &err);
        if (rc && !err)
            err = strdup(catalog_errmsg(m->cat));
        if (!rc)
            rc = mindex_commit(ix, gen, &err);
        if (!rc && (rc = catalog_commit(m->cat)))
            err = strdup(catalog_errmsg(m->cat));
        if (rc) {
            catalog_rollback(m->cat);
            mindex_rollback(ix);
        }
    } else if (rc && !err) {
        err = strdup(catalog_errmsg(m->cat));
    }
    mindex_close(ix);
    minga_unlock(m);
    if (!rc && m->reader)
        mindex_reopen(m->reader, NULL);
    if (rc && errmsg)
        *errmsg = err;
    else
        free(err);
    return rc;
}

int minga_apply_case(struct minga *m, struct mindex *ix,
                     const struct minga_case *c, const char *extra_json,
                     const struct catalog_write *w, int *rev, char **err)
{
    int rc = catalog_upsert_case(m->cat, c, w, extra_json, NULL, rev);
    for (size_t i = 0; !rc && i < c->n_attachments; i++)
        rc = catalog_add_attachment(m->cat, c->id, (int)i, &c->attachments[i]);
    if (rc) {
        *err = strdup(catalog_errmsg(m->cat));
        return rc;
    }
    return mindex_put_case(ix, c, err);
}

/* -- reading ------------------------------------------------------------- */

static int fail(char **errmsg, int rc, char *msg)
{
    if (errmsg)
        *errmsg = msg;
    else
        free(msg);
    return rc;
}

int minga_history_json(struct minga *m, const char *id, json_t **out,
                       char **errmsg)
{
    json_t *revs = catalog_revision_list(m->cat, id);
    json_t *purges = catalog_purge_list(m->cat, id);
    if (!revs || !purges) {
        json_decref(revs);
        json_decref(purges);
        return fail(errmsg, MINGA_EIO, strdup(catalog_errmsg(m->cat)));
    }
    if (json_array_size(revs) == 0 && json_array_size(purges) == 0) {
        json_decref(revs);
        json_decref(purges);
        return fail(
            errmsg, MINGA_ENOTFOUND,
            minga_strdupf("no case with id \"%s\" was ever stored", id));
    }
    int is_live = catalog_has_case(m->cat, id);
    json_t *last = json_array_get(revs, json_array_size(revs) - 1);
    json_t *o =
        json_pack("{s:s, s:o, s:b, s:o}", "id", id, "current",
                  is_live && last ? json_incref(json_object_get(last, "rev"))
                                  : json_null(),
                  "deleted", !is_live && last, "revisions", revs);
    if (json_array_size(purges))
        json_object_set_new(o, "purged", purges);
    else
        json_decref(purges);
    *out = o;
    return MINGA_OK;
}

int minga_get_case_rev(struct minga *m, const char *id, int rev,
                       struct minga_case **out, char **errmsg)
{
    int rc = catalog_revision_get(m->cat, id, rev, 0, out, NULL);
    if (rc)
        return fail(errmsg, rc, strdup(catalog_errmsg(m->cat)));
    return MINGA_OK;
}

int minga_read_attachment(struct minga *m, const char *sha256, void **data,
                          size_t *len, char **errmsg)
{
    int rc = catalog_read_blob(m->cat, sha256, data, len);
    if (rc)
        return fail(errmsg, rc,
                    rc == MINGA_ENOTFOUND
                        ? minga_strdupf("no attachment content "
                                        "%s",
                                        sha256)
                        : strdup(catalog_errmsg(m->cat)));
    return MINGA_OK;
}

/* -- writing ------------------------------------------------------------- */

struct move {
    const char *id;
    int to;             /* the revision to bring back */
    const char *action; /* "revert", "restore" */
    const struct minga_principal *who;
    int new_rev;
    int n_removed; /* purge */
};

static int delete_step(void *arg, struct minga *m, struct mindex *ix,
                       uint64_t gen, char **err)
{
    struct move *mv = arg;
    char *forbidden = minga_scope_violation(m, mv->who, mv->id, NULL);
    if (forbidden) {
        *err = forbidden;
        return MINGA_EFORBIDDEN;
    }
    char *by = minga_principal_by(mv->who);
    struct catalog_write w = {.generation = gen, .by = by};
    int rc = catalog_delete_case(m->cat, mv->id, gen, &w);
    free(by);
    return rc ? rc : mindex_remove_case(ix, mv->id, err);
}

int minga_delete_case(struct minga *m, const char *id,
                      const struct minga_principal *who, char **errmsg)
{
    struct move mv = {.id = id, .who = who};
    return minga_write_step(m, delete_step, &mv, errmsg);
}

static int bring_back_step(void *arg, struct minga *m, struct mindex *ix,
                           uint64_t gen, char **err)
{
    struct move *mv = arg;
    struct minga_case *c = NULL;
    char *extra = NULL;
    int rc = catalog_revision_get(m->cat, mv->id, mv->to, 1, &c, &extra);
    if (rc)
        return rc;
    char *forbidden = minga_scope_violation(m, mv->who, mv->id, c);
    if (forbidden) {
        case_free(c);
        free(extra);
        *err = forbidden;
        return MINGA_EFORBIDDEN;
    }
    char note[64];
    snprintf(note, sizeof note, "revision %d brought back", mv->to);
    char *by = minga_principal_by(mv->who);
    struct catalog_write w = {
        .generation = gen, .by = by, .action = mv->action, .note = note};
    rc = minga_apply_case(m, ix, c, extra, &w, &mv->new_rev, err);
    free(by);
    free(extra);
    case_free(c);
    return rc;
}

int minga_revert_case(struct minga *m, const char *id, int to,
                      const struct minga_principal *who, int *new_rev,
                      char **errmsg)
{
    struct move mv = {.id = id, .to = to, .action = "revert", .who = who};
    int rc = minga_write_step(m, bring_back_step, &mv, errmsg);
    if (!rc && new_rev)
        *new_rev = mv.new_rev;
    return rc;
}

int minga_restore_case(struct minga *m, const char *id,
                       const struct minga_principal *who, int *new_rev,
                       char **errmsg)
{
    if (catalog_has_case(m->cat, id))
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("case \"%s\" is not deleted; `minga "
                                  "revert %s --to N` brings back an older "
                                  "revision",
                                  id, id));
    struct move mv = {.id = id, .action = "restore", .who = who};
    int rc = catalog_revision_last_content(m->cat, id, &mv.to);
    if (!rc && mv.to == 0)
        return fail(
            errmsg, MINGA_ENOTFOUND,
            minga_strdupf("no case with id \"%s\" was ever stored", id));
    if (!rc)
        rc = minga_write_step(m, bring_back_step, &mv, errmsg);
    else if (errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    if (!rc && new_rev)
        *new_rev = mv.new_rev;
    return rc;
}

static int purge_step(void *arg, struct minga *m, struct mindex *ix,
                      uint64_t gen, char **err)
{
    struct move *mv = arg;
    int rc = MINGA_OK;
    if (catalog_has_case(m->cat, mv->id) &&
        ((rc = catalog_delete_case(m->cat, mv->id, gen, NULL)) ||
         (rc = mindex_remove_case(ix, mv->id, err))))
        return rc;
    if ((rc = catalog_revision_purge(m->cat, mv->id, "cli", &mv->n_removed)))
        return rc;
    if (mv->n_removed == 0) {
        *err = minga_strdupf("no case with id \"%s\" has a history to purge",
                             mv->id);
        return MINGA_ENOTFOUND;
    }
    return MINGA_OK;
}

int minga_purge_case(struct minga *m, const char *id, int *n_revisions,
                     char **errmsg)
{
    struct move mv = {.id = id};
    int rc = minga_write_step(m, purge_step, &mv, errmsg);
    if (!rc && n_revisions)
        *n_revisions = mv.n_removed;
    return rc;
}
