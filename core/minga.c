/* The data folder: opening it, the writer lock, crash recovery, and the
 * read operations (search, case, stats, reference data). */
#include "minga_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "case.h"
#include "plugin_host.h"
#include "plugin_offers.h"
#include "refdata.h"
#include "suggest.h"

char *minga_strdupf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

const char *minga_data_dir(const struct minga *m)
{
    return m->dir;
}

static int fail_open(char **errmsg, int rc, const char *fmt, ...)
{
    if (errmsg) {
        va_list ap;
        va_start(ap, fmt);
        if (vasprintf(errmsg, fmt, ap) < 0)
            *errmsg = NULL;
        va_end(ap);
    }
    return rc;
}

int minga_open(struct minga **out, const char *dir, int flags, char **errmsg)
{
    char *err = NULL;
    if (refdata_load(&err)) {
        int rc = fail_open(errmsg, MINGA_EINTERNAL, "%s", err);
        free(err);
        return rc;
    }
    if (sodium_init() < 0)
        return fail_open(errmsg, MINGA_EINTERNAL, "libsodium failed to start");
    const struct plugin_registry *plugins = plugin_registry_default();
    struct stat st;
    if (stat(dir, &st) < 0) {
        if (!(flags & MINGA_OPEN_CREATE))
            return fail_open(errmsg, MINGA_ENOTFOUND,
                             "%s: no data folder here; create one with "
                             "`minga --data %s init`",
                             dir, dir);
        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
            return fail_open(errmsg, MINGA_EIO, "%s: cannot create: %s", dir,
                             strerror(errno));
    } else if (!S_ISDIR(st.st_mode)) {
        return fail_open(errmsg, MINGA_EINVAL, "%s: not a folder", dir);
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/catalog.db", dir);
    if (!(flags & MINGA_OPEN_CREATE) && access(path, F_OK) < 0)
        return fail_open(errmsg, MINGA_ENOTFOUND,
                         "%s: not a minga data folder (no catalog.db); "
                         "create one with `minga --data %s init`",
                         dir, dir);
    if (!(flags & MINGA_OPEN_READONLY) && access(dir, W_OK) != 0)
        return fail_open(errmsg, MINGA_EIO,
                         "%s: the data folder is not "
                         "writable (%s); searching works, changing it "
                         "needs write access",
                         dir, strerror(errno));
    struct minga *m = calloc(1, sizeof *m);
    if (!m)
        return MINGA_ENOMEM;
    m->dir = strdup(dir);
    m->index_dir = minga_strdupf("%s/index", dir);
    m->flags = flags;
    m->lock_fd = -1;
    m->plugins = plugins;
    int rc = catalog_open(&m->cat, path, flags & MINGA_OPEN_READONLY, &err);
    if (rc) {
        fail_open(errmsg, rc, "%s", err ? err : "cannot open the catalog");
        free(err);
        minga_close(m);
        return rc;
    }
    if (flags & MINGA_OPEN_CREATE) {
        struct mindex *ix = NULL;
        if ((rc = minga_lock(m, 30000, &err)) == 0) {
            rc = minga_open_writer(m, &ix, &err);
            if (!rc && mindex_generation(ix) == 0) {
                size_t len;
                const char *th = refdata_thesaurus(&len);
                rc = mindex_set_thesaurus(ix, th, len, &err);
                if (!rc)
                    rc = mindex_commit(ix, catalog_generation(m->cat), &err);
            }
            mindex_close(ix);
            minga_reserve_restore(m);
            minga_unlock(m);
        }
        if (rc) {
            fail_open(errmsg, rc, "%s", err ? err : "cannot create the index");
            free(err);
            minga_close(m);
            return rc;
        }
    }
    *out = m;
    return MINGA_OK;
}

void minga_close(struct minga *m)
{
    if (!m)
        return;
    if (m->reader)
        mindex_close(m->reader);
    catalog_close(m->cat);
    minga_unlock(m);
    plugin_registry_free(m->own_plugins);
    free(m->plugin_path);
    free(m->dir);
    free(m->index_dir);
    free(m);
}

int minga_plugins_add_path(struct minga *m, const char *path, char **errmsg)
{
    if (!m || !path) {
        if (errmsg)
            *errmsg = strdup("minga_plugins_add_path: no handle or path");
        return MINGA_EINVAL;
    }
    /* the folders already added come after the new ones */
    char *joined = m->own_plugins && m->plugin_path
                       ? minga_strdupf("%s:%s", path, m->plugin_path)
                       : strdup(path);
    struct plugin_registry *r = joined ? plugin_registry_with(joined) : NULL;
    if (!r) {
        free(joined);
        if (errmsg)
            *errmsg = strdup("out of memory");
        return MINGA_ENOMEM;
    }
    plugin_registry_free(m->own_plugins);
    free(m->plugin_path);
    m->own_plugins = r;
    m->plugin_path = joined;
    m->plugins = r;
    return MINGA_OK;
}

int minga_lock(struct minga *m, int wait_ms, char **errmsg)
{
    if (m->lock_fd >= 0)
        return MINGA_OK;
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/lock", m->dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return fail_open(errmsg, MINGA_EIO,
                         "%s: cannot open the lock file: "
                         "%s",
                         path, strerror(errno));
    for (int waited = 0;; waited += 50) {
        if (flock(fd, LOCK_EX | LOCK_NB) == 0)
            break;
        if (errno != EWOULDBLOCK || waited >= wait_ms) {
            close(fd);
            return fail_open(errmsg, MINGA_EBUSY,
                             "another import or change is running on %s "
                             "(waited %d s); try again when it ends",
                             m->dir, wait_ms / 1000);
        }
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    m->lock_fd = fd;
    return MINGA_OK;
}

void minga_unlock(struct minga *m)
{
    if (m->lock_fd >= 0) {
        flock(m->lock_fd, LOCK_UN);
        close(m->lock_fd);
        m->lock_fd = -1;
    }
}

#define RESERVE_BYTES (512 * 1024)

void minga_reserve_release(struct minga *m)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/reserve", m->dir);
    unlink(path);
}

void minga_reserve_restore(struct minga *m)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/reserve", m->dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    /* real blocks, not a hole: posix_fallocate fails cleanly when full */
    if (posix_fallocate(fd, 0, RESERVE_BYTES) != 0) {
        close(fd);
        unlink(path);
        return;
    }
    close(fd);
}

/* Every writer gets the suggester, so that each case put, by an import,
 * a reindex, a revert or a repair, carries its suggested goals and
 * targets (suggest.h). Packs that do not load (they are built in and
 * checked by the tests) leave a writer without it: the index then says
 * it has no suggestions rather than refusing every write. */
_Static_assert(MINGA_MAX_SHARDS == MINDEX_MAX_SHARDS, "one shard limit");

/* With shards > 0, a writer over that many new shards (a relayout). */
static int open_writer_shards(struct minga *m, int shards, struct mindex **out,
                              char **errmsg)
{
    int rc = shards > 0
                 ? mindex_open_relayout(out, m->index_dir, shards, errmsg)
                 : mindex_open(out, m->index_dir, MINDEX_WRITE, errmsg);
    if (rc)
        return rc;
    char *err = NULL;
    const struct suggest_packs *packs = suggest_packs_builtin(&err);
    free(err);
    if (packs)
        mindex_set_suggester(*out, suggest_for_index, (void *)packs);
    return 0;
}

int minga_open_writer(struct minga *m, struct mindex **out, char **errmsg)
{
    return open_writer_shards(m, 0, out, errmsg);
}

struct rebuild_state {
    struct mindex *ix;
    uint64_t done, total;
    void (*progress)(void *, uint64_t, uint64_t);
    void *arg;
    char *err;
};

static int rebuild_one(void *arg, struct minga_case *c)
{
    struct rebuild_state *st = arg;
    int rc = mindex_put_case(st->ix, c, &st->err);
    st->done++;
    if (st->progress && (st->done % 256 == 0 || st->done == st->total))
        st->progress(st->arg, st->done, st->total);
    return rc;
}

int minga_rebuild_index(struct minga *m, struct mindex *ix,
                        void (*progress)(void *, uint64_t, uint64_t),
                        void *arg, char **errmsg)
{
    struct rebuild_state st = {ix, 0, 0, progress, arg, NULL};
    int64_t n = catalog_count_cases(m->cat);
    st.total = n > 0 ? (uint64_t)n : 0;
    int rc = mindex_remove_all(ix, &st.err);
    size_t len;
    const char *th = refdata_thesaurus(&len);
    if (!rc)
        rc = mindex_set_thesaurus(ix, th, len, &st.err);
    if (!rc)
        rc = catalog_foreach_case(m->cat, 0, rebuild_one, &st);
    if (!rc)
        rc = mindex_commit(ix, catalog_generation(m->cat), &st.err);
    else
        mindex_rollback(ix);
    if (rc && errmsg)
        *errmsg =
            st.err ? st.err : minga_strdupf("%s", catalog_errmsg(m->cat));
    else
        free(st.err);
    return rc;
}

int minga_recover(struct minga *m, int *was_needed, char **errmsg)
{
    *was_needed = 0;
    struct mindex *ix = NULL;
    int rc = minga_open_writer(m, &ix, errmsg);
    if (rc)
        return rc;
    if (mindex_generation(ix) != catalog_generation(m->cat)) {
        *was_needed = 1;
        rc = minga_rebuild_index(m, ix, NULL, NULL, errmsg);
    }
    mindex_close(ix);
    return rc;
}

int minga_finish_interrupted(struct minga *m, int *was_needed, char **errmsg)
{
    *was_needed = 0;
    int rc = minga_lock(m, 30000, errmsg);
    if (rc)
        return rc;
    rc = minga_recover(m, was_needed, errmsg);
    minga_unlock(m);
    return rc;
}

int minga_reindex(struct minga *m, int shards,
                  void (*progress)(void *arg, uint64_t done, uint64_t total),
                  void *arg, char **errmsg)
{
    int rc = minga_lock(m, 30000, errmsg);
    if (rc)
        return rc;
    struct mindex *ix = NULL;
    rc = open_writer_shards(m, shards, &ix, errmsg);
    if (!rc)
        rc = minga_rebuild_index(m, ix, progress, arg, errmsg);
    mindex_close(ix);
    /* a rebuilt index is a large write: compact it (docs/operations.md) */
    if (!rc)
        rc = mindex_compact(m->index_dir, NULL, NULL, errmsg);
    minga_unlock(m);
    return rc;
}

int minga_compact(struct minga *m, uint64_t *bytes_before,
                  uint64_t *bytes_after, char **errmsg)
{
    int had_lock = m->lock_fd >= 0;
    int rc = minga_lock(m, 30000, errmsg);
    if (rc)
        return rc;
    rc = mindex_compact(m->index_dir, bytes_before, bytes_after, errmsg);
    if (!had_lock)
        minga_unlock(m);
    return rc;
}

/* ---- reading ---------------------------------------------------------- */

static int ensure_reader(struct minga *m, char **errmsg)
{
    if (m->reader)
        return mindex_reopen(m->reader, errmsg);
    return mindex_open(&m->reader, m->index_dir, MINDEX_READ, errmsg);
}

/* True when the index reflects a later generation than the catalog: an
 * import was killed between the index's commit and the catalog's, and the
 * index holds cases the catalog never got (until the next write or
 * `minga check --repair` rebuilds it). Remembered for minga_index_ahead. */
static int index_is_ahead(struct minga *m)
{
    uint64_t ix_gen = mindex_generation(m->reader);
    uint64_t cat_gen = catalog_generation(m->cat);
    m->ahead_index_gen = ix_gen > cat_gen ? ix_gen : 0;
    m->ahead_catalog_gen = cat_gen;
    return ix_gen > cat_gen;
}

/* Matches a search in that state counts case by case against the
 * catalog (a look-up each); past it the total stays the index's, marked
 * as an estimate. */
#define AHEAD_EXACT_MAX 10000

/* Keeps in ids[0..n) those the catalog holds, in order, freeing the
 * others; returns how many are kept. */
static size_t keep_committed_ids(struct minga *m, char **ids, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (catalog_has_case(m->cat, ids[i]))
            ids[kept++] = ids[i];
        else
            free(ids[i]);
    }
    return kept;
}

/* With the index ahead: drops from `r` the hits the catalog does not
 * hold, so that a search never answers with a case that GET
 * /api/cases/{id} calls unknown, and counts the total over the cases the
 * catalog holds, so that it agrees with /api/stats. This state is also
 * the moment of every import between its index commit and its catalog
 * commit: a total then shows none of the import, never a part of it
 * (reliability_concurrency). The facets still count the index's matches
 * and say they are estimates. */
static void keep_committed_hits(struct minga *m, const struct minga_query *q,
                                struct mindex_results *r)
{
    size_t kept = 0;
    for (size_t i = 0; i < r->n_hits; i++) {
        struct mindex_hit *hit = &r->hits[i];
        if (catalog_has_case(m->cat, hit->id))
            r->hits[kept++] = *hit;
        else
            mindex_hit_release(hit);
    }
    r->n_hits = kept;
    r->is_estimate = 1;
    if (r->total > AHEAD_EXACT_MAX)
        return;
    struct minga_query all = *q; /* shares q's strings, read only */
    all.offset = 0;
    all.limit = 0;
    char **ids = NULL;
    size_t n = 0;
    if (mindex_match_ids(m->reader, &all, &ids, &n, NULL) != 0)
        return;
    n = keep_committed_ids(m, ids, n);
    r->total = n;
    mindex_ids_free(ids, n);
}

int minga_search(struct minga *m, const struct minga_query *q,
                 struct mindex_results **out, char **errmsg)
{
    int rc = ensure_reader(m, errmsg);
    if (rc)
        return rc;
    rc = mindex_search(m->reader, q, out, errmsg);
    if (!rc && index_is_ahead(m) && catalog_begin_read(m->cat) == 0) {
        /* one snapshot of the catalog for every look-up, or an import
         * committing meanwhile would be counted in part */
        if (index_is_ahead(m))
            keep_committed_hits(m, q, *out);
        catalog_commit(m->cat);
    }
    return rc;
}

int minga_list(struct minga *m, const struct minga_query *filters,
               int (*each)(void *arg, const struct mindex_hit *hit), void *arg,
               uint64_t *total, char **errmsg)
{
    /* the filters alone, a page of the largest size at a time: a
     * listing has no text, so pages come newest first without ranking */
    struct minga_query q = *filters;
    q.text = (char *)"";
    q.offset = 0;
    q.limit = QUERY_MAX_LIMIT;
    q.want_facets = q.want_snippets = q.want_spelling = 0;
    if (total)
        *total = 0;
    for (;;) {
        struct mindex_results *r = NULL;
        int rc = minga_search(m, &q, &r, errmsg);
        if (rc)
            return rc;
        if (total && q.offset == 0)
            *total = r->total;
        size_t n = r->n_hits;
        for (size_t i = 0; !rc && i < n; i++)
            rc = each(arg, &r->hits[i]);
        mindex_results_free(r);
        if (rc || n < q.limit)
            return rc;
        q.offset += q.limit;
    }
}

int minga_match_ids(struct minga *m, const struct minga_query *q, char ***ids,
                    size_t *n, char **errmsg)
{
    int rc = ensure_reader(m, errmsg);
    if (rc)
        return rc;
    rc = mindex_match_ids(m->reader, q, ids, n, errmsg);
    if (!rc && index_is_ahead(m) && catalog_begin_read(m->cat) == 0) {
        if (index_is_ahead(m))
            *n = keep_committed_ids(m, *ids, *n);
        catalog_commit(m->cat);
    }
    return rc;
}

int minga_related(struct minga *m, const char *id, unsigned limit,
                  struct mindex_related_list **out, char **errmsg)
{
    int rc = ensure_reader(m, errmsg);
    if (rc)
        return rc;
    if (!catalog_has_case(m->cat, id)) {
        if (errmsg)
            *errmsg = minga_strdupf("no case with id \"%s\"", id);
        return MINGA_ENOTFOUND;
    }
    rc = mindex_related_cases(m->reader, id, limit, out, errmsg);
    if (rc || !index_is_ahead(m))
        return rc;
    /* as minga_search: no case the catalog lacks */
    struct mindex_related_list *r = *out;
    size_t kept = 0;
    for (size_t i = 0; i < r->n_items; i++) {
        if (catalog_has_case(m->cat, r->items[i].id)) {
            r->items[kept++] = r->items[i];
        } else {
            mindex_related_release(&r->items[i]);
        }
    }
    r->n_items = kept;
    return 0;
}

uint64_t minga_index_ahead(const struct minga *m, uint64_t *catalog_gen)
{
    if (catalog_gen)
        *catalog_gen = m->ahead_catalog_gen;
    return m->ahead_index_gen;
}

int minga_get_case(struct minga *m, const char *id, struct minga_case **out,
                   char **errmsg)
{
    int rc = catalog_get_case(m->cat, id, 0, out);
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}

json_t *minga_case_json(const struct minga_case *c, int with_times)
{
    return case_json_new(c, with_times ? CASE_JSON_TIMES : 0);
}

int minga_stats_json(struct minga *m, json_t **out, char **errmsg)
{
    json_t *o = json_object();
    int rc = catalog_stats_json(m->cat, o);
    if (rc) {
        if (errmsg)
            *errmsg = strdup(catalog_errmsg(m->cat));
        json_decref(o);
        return rc;
    }
    char *err = NULL;
    if (ensure_reader(m, &err) == 0) {
        json_object_set_new(
            o, "indexed",
            json_integer((json_int_t)mindex_doccount(m->reader)));
    } else {
        json_object_set_new(o, "indexed", json_null());
        json_object_set_new(o, "index_error", json_string(err ? err : "?"));
    }
    free(err);
    json_object_set_new(o, "generation",
                        json_integer((json_int_t)catalog_generation(m->cat)));
    *out = o;
    return MINGA_OK;
}

json_t *minga_sdgs_json(void)
{
    if (refdata_load(NULL))
        return json_array();
    json_t *arr = json_array();
    for (int g = 1; g <= REFDATA_N_GOALS; g++) {
        const struct minga_goal_info *gi = refdata_goal(g);
        json_t *targets = json_array();
        for (const char *const *t = refdata_goal_targets(g); *t; t++)
            json_array_append_new(targets, json_string(*t));
        json_array_append_new(
            arr,
            json_pack(
                "{s:i, s:s, s:{s:s, s:s, s:s}, s:{s:s?, s:s?, s:s?}, s:o}",
                "number", g, "color", gi->color, "names", "es", gi->name_es,
                "pt", gi->name_pt, "en", gi->name_en, "titles", "es",
                gi->title_es, "pt", gi->title_pt, "en", gi->title_en,
                "targets", targets));
    }
    return arr;
}

json_t *minga_plugins_json(void)
{
    return plugin_registry_json(plugin_registry_default());
}

const struct minga_exporter *minga_find_exporter(const char *format)
{
    return plugin_registry_exporter(plugin_registry_default(), format);
}

char *minga_plugin_offers(int kind)
{
    return plugin_offers(plugin_registry_default(), kind);
}
