/* minga_import_paths and minga_import_fd: one all-or-nothing import of
 * files from disk or from an upload. */
#include "import_session.h"
#include "sha256.h"

#include "catalog_history.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "case.h"
#include "host_impl.h"
#include "plugin_host.h"
#include "plugin_offers.h"
#include "refdata.h"

#define DEFAULT_MAX_COMPRESSED (256ull << 20)
#define DEFAULT_MAX_UNCOMPRESSED (1ull << 30)
#define DEFAULT_MAX_ENTRIES 10000ull
#define DEFAULT_MAX_ENTRY_SIZE MINGA_DEFAULT_MAX_ENTRY_SIZE
#define LOCK_WAIT_MS 30000

struct input {
    char *display_name;
    char *path; /* NULL when fd is given */
    int fd;
    char *disk_dir; /* folder for attachments; NULL for uploads */
};

struct input_list {
    struct input *items;
    size_t n, cap;
};

void minga_import_options_init(struct minga_import_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->by = "cli";
}

void minga_import_report_init(struct minga_import_report *rep)
{
    memset(rep, 0, sizeof *rep);
    diag_list_init(&rep->diags);
}

void minga_import_report_release(struct minga_import_report *rep)
{
    diag_list_release(&rep->diags);
    free(rep->skipped_note);
    free(rep->bad_addition_id);
    for (size_t i = 0; i < rep->n_kept; i++)
        case_free(rep->kept[i]);
    free(rep->kept);
    memset(rep, 0, sizeof *rep);
}

/* ---- targets added to named cases (the form's accepted suggestions) -- */

void minga_import_additions_init(struct minga_import_additions *a)
{
    memset(a, 0, sizeof *a);
}

void minga_import_additions_release(struct minga_import_additions *a)
{
    free(a->items);
    memset(a, 0, sizeof *a);
}

static int is_case_id(const char *s, size_t len)
{
    if (len < 1 || len > 100)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* Appends one pair unless it is there already. */
static int additions_push(struct minga_import_additions *a, const char *id,
                          size_t id_len, const char *target, char **errmsg)
{
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->items[i].target, target) == 0 &&
            strlen(a->items[i].case_id) == id_len &&
            memcmp(a->items[i].case_id, id, id_len) == 0)
            return MINGA_OK;
    if (a->n >= MINGA_IMPORT_MAX_ADDITIONS) {
        *errmsg = minga_strdupf("more than %d targets to add in one import",
                                MINGA_IMPORT_MAX_ADDITIONS);
        return MINGA_EINVAL;
    }
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 16;
        struct minga_import_addition *grown =
            realloc(a->items, cap * sizeof *grown);
        if (!grown) {
            *errmsg = strdup("out of memory");
            return MINGA_ENOMEM;
        }
        a->items = grown;
        a->cap = cap;
    }
    struct minga_import_addition *it = &a->items[a->n++];
    memset(it, 0, sizeof *it);
    memcpy(it->case_id, id, id_len);
    snprintf(it->target, sizeof it->target, "%s", target);
    return MINGA_OK;
}

int minga_import_additions_parse(struct minga_import_additions *a,
                                 const char *spec, char **errmsg)
{
    size_t n_before = a->n;
    const char *colon = strchr(spec, ':');
    int rc = MINGA_OK;
    *errmsg = NULL;
    if (refdata_load(errmsg)) /* the targets; once a process */
        return MINGA_EINTERNAL;
    if (strlen(spec) > MINGA_IMPORT_MAX_ADDITION_SPEC) {
        *errmsg = minga_strdupf("longer than %d bytes; send one value per "
                                "case",
                                MINGA_IMPORT_MAX_ADDITION_SPEC);
        return MINGA_EINVAL;
    }
    if (!colon) {
        *errmsg = strdup("expected CASE-ID:TARGET[,TARGET]... (such as "
                         "rosario-huertas:11.2,2.3)");
        return MINGA_EINVAL;
    }
    size_t id_len = (size_t)(colon - spec);
    if (!is_case_id(spec, id_len)) {
        *errmsg = minga_strdupf("\"%.*s\" is not a case id (1-100 of a-z "
                                "0-9 -)",
                                (int)(id_len > 100 ? 100 : id_len), spec);
        return MINGA_EINVAL;
    }
    const char *p = colon + 1;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char target[8] = "";
        int goal = 0;
        if (len > 0 && len < sizeof target)
            memcpy(target, p, len);
        if (!target[0] || !refdata_is_target(target, &goal)) {
            *errmsg = len == 0
                          ? minga_strdupf("no target after \"%.*s:\"",
                                          (int)id_len, spec)
                          : minga_strdupf(
                                "\"%.*s\" is not an official SDG target id "
                                "(such as 11.3 or 6.a)",
                                (int)(len > 16 ? 16 : len), p);
            rc = MINGA_EINVAL;
            break;
        }
        if ((rc = additions_push(a, spec, id_len, target, errmsg)))
            break;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (rc)
        a->n = n_before;
    return rc;
}

/* An error for each case id the additions name that no file held. */
static void check_additions_used(struct import_session *s)
{
    const struct minga_import_additions *a = s->opt->additions;
    for (size_t i = 0; a && i < a->n; i++) {
        int is_reported = 0;
        for (size_t j = 0; j < i && !is_reported; j++)
            is_reported =
                !s->is_addition_used[j] &&
                strcmp(a->items[j].case_id, a->items[i].case_id) == 0;
        if (s->is_addition_used[i] || is_reported)
            continue;
        diag_add(&s->rep->diags, DIAG_ERROR, NULL, 0, 0, "add_targets",
                 "no case \"%s\" in this import to add %s to",
                 a->items[i].case_id, a->items[i].target);
        if (!s->rep->bad_addition_id)
            s->rep->bad_addition_id = strdup(a->items[i].case_id);
        s->rep->n_bad_additions++;
    }
}

static int inputs_push(struct input_list *l, const char *display,
                       const char *path, int fd)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        struct input *grown = realloc(l->items, cap * sizeof *grown);
        if (!grown)
            return MINGA_ENOMEM;
        l->items = grown;
        l->cap = cap;
    }
    struct input *in = &l->items[l->n++];
    memset(in, 0, sizeof *in);
    in->display_name = strdup(display);
    in->path = path ? strdup(path) : NULL;
    in->fd = fd;
    if (path) {
        const char *slash = strrchr(path, '/');
        in->disk_dir =
            slash ? strndup(path, (size_t)(slash - path + 1)) : strdup(".");
        if (in->disk_dir && strlen(in->disk_dir) > 1 &&
            in->disk_dir[strlen(in->disk_dir) - 1] == '/')
            in->disk_dir[strlen(in->disk_dir) - 1] = '\0';
    }
    return MINGA_OK;
}

static void inputs_release(struct input_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].display_name);
        free(l->items[i].path);
        free(l->items[i].disk_dir);
    }
    free(l->items);
}

/* Reads the first bytes of a file on disk for import_is_case_markdown. */
static int is_case_file_on_disk(const char *path)
{
    char head[8] = "";
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, head, sizeof head) : -1;
    if (fd >= 0)
        close(fd);
    return import_is_case_markdown(path, head, n > 0 ? (size_t)n : 0);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds the case files below a folder, in name order, skipping hidden
 * entries and files no importer reads (they may be attachments). */
static int add_folder(struct input_list *l, const char *dir, int depth,
                      const struct plugin_registry *plugins,
                      struct diag_list *dl)
{
    if (depth > 16)
        return MINGA_OK;
    DIR *d = opendir(dir);
    if (!d) {
        diag_add(dl, DIAG_ERROR, dir, 0, 0, NULL, "cannot read folder: %s",
                 strerror(errno));
        return MINGA_EINVAL;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 32;
            char **grown = realloc(names, cap * sizeof *grown);
            if (!grown)
                break;
            names = grown;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    if (n > 1) /* an empty folder has no array */
        qsort(names, n, sizeof *names, name_cmp);
    int rc = MINGA_OK;
    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        struct stat st;
        if (!rc && lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                rc = add_folder(l, path, depth + 1, plugins, dl);
            else if (S_ISREG(st.st_mode) &&
                     plugin_registry_importer_for(plugins, path) &&
                     is_case_file_on_disk(path))
                rc = inputs_push(l, path, path, -1);
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

/* Reads one input through its importer. */
static int import_one(struct import_session *s, struct input *in, int fd,
                      const struct stat *st)
{
    struct minga_import_report *rep = s->rep;
    const struct minga_importer *imp =
        plugin_registry_importer_for(s->m->plugins, in->display_name);
    if (!imp) {
        char *offers = plugin_offers(s->m->plugins, MINGA_PLUGIN_IMPORTER);
        diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                 "no importer reads this type of file (the importers read "
                 "%s; see `minga plugins`)",
                 offers ? offers : "");
        free(offers);
        return MINGA_EINVAL;
    }
    if (st->st_size == 0) {
        diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                 "the file is empty");
        return MINGA_EINVAL;
    }
    struct minga_import_sink sink;
    sink_init(&sink, s, in->display_name);
    sink.disk_dir = in->disk_dir ? strdup(in->disk_dir) : NULL;
    int rc;
    size_t errors_before = rep->diags.n_errors;
    if (imp->import_fd) {
        lseek(fd, 0, SEEK_SET);
        rc = imp->import_fd(plugin_host_api(), &sink, in->display_name, fd);
    } else if ((uint64_t)st->st_size > s->limits.max_entry_size) {
        /* mapped whole, and the parsers copy what they read (one CSV
         * cell of 100 MB took 312 MB), so bounded as an archive's entry */
        diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                 "the file is larger than max_entry_size (%llu bytes); "
                 "refused (raise it with minga import --max-entry-size N)",
                 (unsigned long long)s->limits.max_entry_size);
        rc = MINGA_ELIMIT;
    } else {
        size_t len = (size_t)st->st_size;
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                     "cannot read: %s", strerror(errno));
            sink_release(&sink);
            return MINGA_EIO;
        }
        rc = imp->import_buffer(plugin_host_api(), &sink, in->display_name,
                                map, len);
        munmap(map, len);
    }
    if (case_builder_is_open(s->builder))
        sink_case_end(&sink);
    sink_release(&sink);
    if (rc && rep->diags.n_errors == errors_before && !s->has_failed)
        diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                 "the importer failed (code %d) without saying why", rc);
    return rc;
}

static uint64_t or_default(uint64_t given, uint64_t dflt)
{
    return given ? given : dflt;
}

static void default_limits(struct minga_limits *l,
                           const struct minga_limits *given)
{
    static const struct minga_limits none;
    if (!given)
        given = &none;
    l->struct_size = sizeof *l;
    l->max_compressed =
        or_default(given->max_compressed, DEFAULT_MAX_COMPRESSED);
    l->max_uncompressed =
        or_default(given->max_uncompressed, DEFAULT_MAX_UNCOMPRESSED);
    l->max_entries = or_default(given->max_entries, DEFAULT_MAX_ENTRIES);
    l->max_entry_size =
        or_default(given->max_entry_size, DEFAULT_MAX_ENTRY_SIZE);
    /* the parsers' budgets: the same defaults a plugin falls back on */
    l->max_json_values =
        or_default(given->max_json_values, MINGA_DEFAULT_MAX_JSON_VALUES);
    l->max_depth = or_default(given->max_depth, MINGA_DEFAULT_MAX_DEPTH);
    l->max_csv_columns =
        or_default(given->max_csv_columns, MINGA_DEFAULT_MAX_CSV_COLUMNS);
}

/* Reads every input inside one catalog transaction and one index batch. */
static int import_inputs(struct import_session *s, struct input_list *inputs)
{
    struct minga *m = s->m;
    struct minga_import_report *rep = s->rep;
    size_t n_read = 0;
    for (size_t i = 0; i < inputs->n && !s->has_failed; i++) {
        struct input *in = &inputs->items[i];
        int fd = in->path ? open(in->path, O_RDONLY | O_CLOEXEC) : in->fd;
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0) {
            diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                     "cannot open: %s", strerror(errno));
            if (fd >= 0 && in->path)
                close(fd);
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                     "not a regular file");
            if (in->path)
                close(fd);
            continue;
        }
        char sha[65];
        if (minga_sha256_fd(fd, sha) < 0) {
            diag_add(&rep->diags, DIAG_ERROR, in->display_name, 0, 0, NULL,
                     "cannot read: %s", strerror(errno));
            if (in->path)
                close(fd);
            continue;
        }
        int64_t earlier = 0;
        char *when = NULL;
        /* with additions the same file makes different cases */
        if (!s->opt->is_forced &&
            !(s->opt->additions && s->opt->additions->n) &&
            catalog_find_import(m->cat, sha, &earlier, &when) == MINGA_OK) {
            if (!rep->skipped_note)
                rep->skipped_note = minga_strdupf(
                    "%s is identical to the file of import #%lld (%s)",
                    in->display_name, (long long)earlier, when);
            free(when);
            rep->n_skipped++;
            if (in->path)
                close(fd);
            continue;
        }
        size_t new0 = rep->n_new, upd0 = rep->n_updated;
        if (catalog_log_import(m->cat, in->display_name, sha, 0, 0, 0,
                               s->opt->by, &s->import_id) ||
            (s->opt->is_pending &&
             catalog_submission_add(m->cat, s->import_id, s->opt->by))) {
            session_fail(s, "%s", catalog_errmsg(m->cat));
        } else {
            import_one(s, in, fd, &st);
            size_t n_new = rep->n_new - new0, n_upd = rep->n_updated - upd0;
            if (!s->has_failed &&
                catalog_finish_import(m->cat, s->import_id,
                                      (int64_t)(n_new + n_upd), (int64_t)n_new,
                                      (int64_t)n_upd))
                session_fail(s, "%s", catalog_errmsg(m->cat));
            if (!rep->import_id)
                rep->import_id = s->import_id;
        }
        n_read++;
        if (in->path)
            close(fd);
    }
    rep->n_files = n_read;
    if (!s->has_failed)
        check_additions_used(s);
    /* after errors too: the attachments are checked, not written */
    if (!s->has_failed)
        session_finish_attachments(s);
    return MINGA_OK;
}

/* Commits the index, then the catalog. A full disk must not leave the
 * index holding what the catalog refused, so: the catalog's pages go to
 * its WAL first (most of its writing, done while both can still roll
 * back); the space reserve is released just before the catalog commit;
 * and if that commit still fails, the index is rebuilt from the catalog
 * (or, failing that too, left for minga_recover: the generations differ). */
static void commit_both(struct import_session *s)
{
    struct minga *m = s->m;
    char *ixerr = NULL;
    if (catalog_flush(m->cat)) {
        session_fail(s, "%s", catalog_errmsg(m->cat));
        return;
    }
    if (mindex_commit(s->ix, s->generation, &ixerr)) {
        session_fail(s, "index: %s", ixerr ? ixerr : "commit failed");
        free(ixerr);
        return;
    }
    minga_reserve_release(m);
    int rc = catalog_commit(m->cat);
    if (rc == MINGA_OK) {
        minga_reserve_restore(m);
        return;
    }
    session_fail(s, "%s", catalog_errmsg(m->cat));
    catalog_rollback(m->cat);
    catalog_checkpoint(m->cat); /* give the WAL's space back first */
    mindex_close(s->ix);
    s->ix = NULL;
    int was_needed = 0;
    char *err = NULL;
    if (minga_recover(m, &was_needed, &err) != MINGA_OK)
        free(err); /* the next writer or `minga check` finishes it */
    minga_reserve_restore(m);
}

/* An import that wrote at least this many cases, and at least a quarter
 * of the catalog's, compacts the index after its commit. Xapian writes
 * its B-trees for later updates, part-filled, so a bulk load leaves the
 * index about a third larger than a compacted copy (docs/operations.md);
 * a quarter's growth between compactions bounds their cost to a pass
 * over the index for every quarter of it written. */
#define IMPORT_COMPACT_MIN_CASES 2000

/* MINGA_COMPACT_AFTER_CASES in the environment sets the minimum (0: never
 * after an import), for an operator who compacts on a schedule. */
static size_t compact_min_cases(void)
{
    const char *env = getenv("MINGA_COMPACT_AFTER_CASES");
    if (!env || !*env)
        return IMPORT_COMPACT_MIN_CASES;
    char *end;
    unsigned long long n = strtoull(env, &end, 10);
    return *end || env[0] == '-' ? IMPORT_COMPACT_MIN_CASES
           : n == 0              ? SIZE_MAX
                                 : (size_t)n;
}

/* Closes the session's writer and compacts when the import was large. A
 * failure leaves the import committed and says so as a warning: the
 * index is whole, only larger (minga compact retries). */
static void compact_after_large_import(struct import_session *s)
{
    struct minga_import_report *rep = s->rep;
    size_t written = rep->n_new + rep->n_updated;
    int64_t n_cases = catalog_count_cases(s->m->cat);
    if (written < compact_min_cases() || n_cases <= 0 ||
        (int64_t)written * 4 < n_cases)
        return;
    mindex_close(s->ix);
    s->ix = NULL;
    char *err = NULL;
    if (mindex_compact(s->m->index_dir, &rep->compacted_from,
                       &rep->compacted_to, &err)) {
        diag_add(&rep->diags, DIAG_WARNING, NULL, 0, 0, NULL,
                 "the import is complete, but compacting the index after "
                 "it failed (%s); `minga compact` tries again",
                 err ? err : "unknown error");
        rep->compacted_from = rep->compacted_to = 0;
    }
    free(err);
}

static int run_import(struct minga *m, struct input_list *inputs,
                      const struct minga_import_options *opt,
                      struct minga_import_report *rep)
{
    if (m->flags & MINGA_OPEN_READONLY) {
        diag_add(&rep->diags, DIAG_ERROR, m->dir, 0, 0, NULL,
                 "the data folder is open read-only; nothing was imported");
        return MINGA_EIO;
    }
    struct import_session s;
    memset(&s, 0, sizeof s);
    s.m = m;
    s.opt = opt;
    s.rep = rep;
    default_limits(&s.limits, &opt->limits);
    s.builder = case_builder_new(opt->is_lenient, &rep->diags);
    char *err = NULL;
    int rc = MINGA_OK;
    if (opt->additions && opt->additions->n &&
        !(s.is_addition_used = calloc(opt->additions->n, 1))) {
        rc = MINGA_ENOMEM;
        err = strdup("out of memory");
    }
    if (!rc)
        rc = minga_lock(m, LOCK_WAIT_MS, &err);
    if (!rc) {
        int was_needed = 0;
        rc = minga_recover(m, &was_needed, &err);
    }
    if (!rc && !opt->is_dry_run)
        rc = minga_open_writer(m, &s.ix, &err);
    if (!rc && !(rc = catalog_begin(m->cat)))
        rc = catalog_next_generation(m->cat, &s.generation);
    if (rc && !err)
        err = strdup(catalog_errmsg(m->cat));
    if (!rc) {
        import_inputs(&s, inputs);
        int ok = !s.has_failed && !rep->diags.n_errors;
        int has_work = rep->n_files > 0;
        if (ok && has_work && !opt->is_dry_run)
            commit_both(&s);
        if (!ok || !has_work || opt->is_dry_run || s.has_failed) {
            catalog_rollback(m->cat);
            if (s.ix)
                mindex_rollback(s.ix);
        }
        if (s.has_failed) {
            err = s.fail_message;
            s.fail_message = NULL;
            rc = MINGA_EIO;
        } else if (!ok) {
            rc = MINGA_EINVAL;
        } else {
            rc = MINGA_OK;
            if (!opt->is_dry_run && !opt->is_pending && has_work)
                compact_after_large_import(&s);
        }
    }
    if (err) {
        diag_add(&rep->diags, DIAG_ERROR, NULL, 0, 0, NULL,
                 "%s; nothing was imported", err);
        free(err);
    }
    if (!rc && opt->is_pending && !opt->is_dry_run && rep->n_files)
        rep->is_pending = 1;
    diag_list_sort(&rep->diags);
    session_free_pending(&s);
    free(s.fail_message);
    if (s.ix)
        mindex_close(s.ix);
    case_builder_free(s.builder);
    free(s.is_addition_used);
    minga_unlock(m);
    if (m->reader)
        mindex_reopen(m->reader, NULL);
    return rc;
}

int minga_import_paths(struct minga *m, const char *const *paths,
                       size_t n_paths, const struct minga_import_options *opt,
                       struct minga_import_report *rep)
{
    struct input_list inputs = {0};
    int rc = MINGA_OK;
    for (size_t i = 0; i < n_paths; i++) {
        struct stat st;
        if (stat(paths[i], &st) < 0) {
            diag_add(&rep->diags, DIAG_ERROR, paths[i], 0, 0, NULL,
                     "cannot open: %s", strerror(errno));
            rc = MINGA_EINVAL;
        } else if (S_ISDIR(st.st_mode)) {
            size_t before = inputs.n;
            if (add_folder(&inputs, paths[i], 0, m->plugins, &rep->diags))
                rc = MINGA_EINVAL;
            else if (inputs.n == before)
                diag_add(&rep->diags, DIAG_ERROR, paths[i], 0, 0, NULL,
                         "no case files in this folder");
        } else {
            inputs_push(&inputs, paths[i], paths[i], -1);
        }
    }
    if (rep->diags.n_errors)
        rc = MINGA_EINVAL;
    else
        rc = run_import(m, &inputs, opt, rep);
    inputs_release(&inputs);
    return rc;
}

int minga_import_fd(struct minga *m, const char *name, int fd,
                    const struct minga_import_options *opt,
                    struct minga_import_report *rep)
{
    struct input_list inputs = {0};
    inputs_push(&inputs, name, NULL, fd);
    int rc = run_import(m, &inputs, opt, rep);
    inputs_release(&inputs);
    return rc;
}

char *minga_import_summary(const struct minga_import_report *rep,
                           int is_dry_run)
{
    if (rep->n_files == 0 && rep->n_skipped == 1)
        return minga_strdupf("nothing to import: %s; use --force to import "
                             "it again",
                             rep->skipped_note);
    if (rep->n_files == 0 && rep->n_skipped)
        return minga_strdupf("nothing to import: the %zu files were "
                             "imported before, unchanged (use --force to "
                             "import them again)",
                             rep->n_skipped);
    char compacted[96] = "";
    if (rep->compacted_from)
        snprintf(compacted, sizeof compacted,
                 "; the index compacted from "
                 "%.1f to %.1f MB",
                 (double)rep->compacted_from / 1e6,
                 (double)rep->compacted_to / 1e6);
    return minga_strdupf("%s %zu case%s from %zu file%s: %zu new, %zu "
                         "updated%s%s%s%s",
                         is_dry_run        ? "would import"
                         : rep->is_pending ? "submitted for review"
                                           : "imported",
                         rep->n_cases, rep->n_cases == 1 ? "" : "s",
                         rep->n_files, rep->n_files == 1 ? "" : "s",
                         rep->n_new, rep->n_updated,
                         rep->n_skipped ? " (identical files skipped)" : "",
                         is_dry_run ? " (dry run: nothing written)" : "",
                         rep->is_pending ? "; a curator publishes them "
                                           "once approved"
                                         : "",
                         compacted);
}

json_t *minga_import_report_json(const struct minga_import_report *rep,
                                 int is_dry_run)
{
    char *summary = minga_import_summary(rep, is_dry_run);
    json_t *o = json_pack(
        "{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:I, "
        "s:o, s:I, s:I}",
        "summary", summary ? summary : "", "files", (json_int_t)rep->n_files,
        "skipped", (json_int_t)rep->n_skipped, "cases",
        (json_int_t)rep->n_cases, "new", (json_int_t)rep->n_new, "updated",
        (json_int_t)rep->n_updated, "attachments",
        (json_int_t)rep->n_attachments, "dry_run", is_dry_run, "import_id",
        (json_int_t)rep->import_id, "diagnostics",
        diag_list_json(&rep->diags, 20), "errors",
        (json_int_t)rep->diags.n_errors, "warnings",
        (json_int_t)rep->diags.n_warnings);
    free(summary);
    json_object_set_new(o, "status",
                        json_string(is_dry_run          ? "dry_run"
                                    : rep->is_pending   ? "pending"
                                    : rep->n_files == 0 ? "unchanged"
                                                        : "published"));
    json_object_set_new(o, "forbidden",
                        json_integer((json_int_t)rep->n_forbidden));
    return o;
}
