/* minga_check: compares the catalog with the index and repairs them. */
#include "minga_impl.h"

#include <stdlib.h>
#include <string.h>

struct id_set {
    char **ids;
    size_t n, cap;
};

static int collect(void *arg, const char *id)
{
    struct id_set *set = arg;
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 256;
        char **grown = realloc(set->ids, cap * sizeof *grown);
        if (!grown)
            return MINGA_ENOMEM;
        set->ids = grown;
        set->cap = cap;
    }
    set->ids[set->n++] = strdup(id);
    return 0;
}

static int cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void release(struct id_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        free(set->ids[i]);
    free(set->ids);
}

/* Walks two sorted id lists, listing what only one side has (at most 100
 * of each, counted in full). */
static void diff(struct id_set *cat, struct id_set *ix, json_t *missing,
                 json_t *extra, size_t *n_missing, size_t *n_extra)
{
    size_t i = 0, j = 0;
    while (i < cat->n || j < ix->n) {
        int c = i == cat->n  ? 1
                : j == ix->n ? -1
                             : strcmp(cat->ids[i], ix->ids[j]);
        if (c == 0) {
            i++;
            j++;
        } else if (c < 0) {
            if ((*n_missing)++ < 100)
                json_array_append_new(missing, json_string(cat->ids[i]));
            i++;
        } else {
            if ((*n_extra)++ < 100)
                json_array_append_new(extra, json_string(ix->ids[j]));
            j++;
        }
    }
}

static int compare(struct minga *m, json_t *report, char **errmsg)
{
    struct id_set cat_ids = {0}, ix_ids = {0};
    struct mindex *ix = NULL;
    int rc = mindex_open(&ix, m->index_dir, MINDEX_READ, errmsg);
    if (rc)
        return rc;
    uint64_t ix_gen = mindex_generation(ix);
    rc = catalog_foreach_id(m->cat, collect, &cat_ids);
    if (!rc)
        rc = mindex_foreach_id(ix, collect, &ix_ids, errmsg);
    mindex_close(ix);
    if (rc) {
        release(&cat_ids);
        release(&ix_ids);
        return rc;
    }
    /* an empty catalog has no array: qsort(NULL, 0) is undefined */
    if (cat_ids.n > 1)
        qsort(cat_ids.ids, cat_ids.n, sizeof(char *), cmp);
    if (ix_ids.n > 1)
        qsort(ix_ids.ids, ix_ids.n, sizeof(char *), cmp);
    json_t *missing = json_array(), *extra = json_array();
    size_t n_missing = 0, n_extra = 0;
    diff(&cat_ids, &ix_ids, missing, extra, &n_missing, &n_extra);
    uint64_t cat_gen = catalog_generation(m->cat);
    int is_consistent = !n_missing && !n_extra && cat_gen == ix_gen;
    json_object_set_new(report, "consistent", json_boolean(is_consistent));
    json_object_set_new(report, "cases", json_integer((json_int_t)cat_ids.n));
    json_object_set_new(report, "indexed", json_integer((json_int_t)ix_ids.n));
    json_object_set_new(report, "generation_catalog",
                        json_integer((json_int_t)cat_gen));
    json_object_set_new(report, "generation_index",
                        json_integer((json_int_t)ix_gen));
    json_object_set_new(report, "shards",
                        json_integer(mindex_shards_of(m->index_dir)));
    json_object_set_new(report, "missing_from_index", missing);
    json_object_set_new(report, "extra_in_index", extra);
    json_object_set_new(report, "n_missing_from_index",
                        json_integer((json_int_t)n_missing));
    json_object_set_new(report, "n_extra_in_index",
                        json_integer((json_int_t)n_extra));
    release(&cat_ids);
    release(&ix_ids);
    return is_consistent ? MINGA_OK : MINGA_EINVAL;
}

int minga_check(struct minga *m, int repair, json_t **report, char **errmsg)
{
    json_t *r = json_object();
    int recovered = 0;
    /* An interrupted import (generations differ) is finished first, as
     * SQLite replays its journal: that is recovery, not damage. */
    if (!(m->flags & MINGA_OPEN_READONLY) &&
        minga_lock(m, 30000, NULL) == MINGA_OK) {
        char *err = NULL;
        if (minga_recover(m, &recovered, &err) && errmsg && !*errmsg)
            *errmsg = err;
        else
            free(err);
        minga_unlock(m);
    }
    json_object_set_new(r, "recovered_interrupted_write",
                        json_boolean(recovered));
    int rc = compare(m, r, errmsg);
    json_object_set_new(r, "repaired", json_false());
    if (rc == MINGA_EINVAL && repair) {
        rc = minga_reindex(m, 0, NULL, NULL, errmsg);
        if (!rc) {
            json_t *after = json_object();
            rc = compare(m, after, errmsg);
            json_object_update(r, after);
            json_decref(after);
            json_object_set_new(r, "repaired", json_true());
        }
    }
    *report = r;
    return rc;
}
