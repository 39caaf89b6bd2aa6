/*
 * Backup and restore of a data folder (minga_backup, minga_restore_backup).
 *
 * A backup is itself a data folder: catalog.db and index/, which
 * `minga --data BACKUP` opens and `minga check` passes as is.
 *
 * The catalog is copied with `VACUUM INTO`, on a read-only connection of
 * its own. In WAL mode that statement reads inside one read transaction,
 * so the copy is the database exactly as one committed write left it:
 * one generation, whatever imports commit meanwhile. It takes neither
 * the data folder's writer lock nor SQLite's write lock, so uploads and
 * imports go on while it runs (a reader only keeps SQLite from
 * checkpointing the WAL past its snapshot until it ends). Everything the
 * catalog holds comes along: cases, their history, submissions, the
 * attachments' bytes and text, the import log, tokens (as hashes) and the
 * settings of its meta table.
 *
 * The index is not copied: it is rebuilt in the copy from the copied
 * catalog, so it records exactly the copy's generation. Copying the live
 * index could not promise that: an import commits the index before the
 * catalog, and the shards one after another, so index files read while
 * an import commits may mix revisions and, even when whole, reflect a
 * later generation than the catalog snapshot. Holding the writer lock
 * for as long as the copy takes would stop uploads. Rebuilding costs CPU
 * time in the backup process (as much as `minga reindex`) and no lock on
 * the live folder. The copy's index gets the source's shard count (the
 * default for a new folder when the source has no readable index).
 *
 * Both functions build the new folder under a temporary name beside
 * `dest` (".NAME.partial-XXXXXX") and rename it to `dest` only when it is
 * complete and checked, so a failed or interrupted run never leaves a
 * half-written `dest`. `dest` must be missing or an empty folder, and not
 * a mount point (a rename cannot replace one).
 *
 * A restore is the same copy the other way: the catalog of `src` (a
 * backup, or any data folder, even a live one) is copied with VACUUM
 * INTO, migrated to this minga's schema when older, its index rebuilt,
 * and the result checked as `minga check` does before it takes the name
 * `dest`. The backup's own index is not trusted: it may come from
 * another minga version or shard count.
 */
#include "minga_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Sets *errmsg (when not NULL) and returns rc. */
static int fail(char **errmsg, int rc, char *msg)
{
    if (errmsg)
        *errmsg = msg;
    else
        free(msg);
    return rc;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- the target folder ------------------------------------------------ */

/* Where the new folder is built and what it becomes. */
struct target {
    char dest[PATH_MAX];   /* as given, without trailing slashes */
    char parent[PATH_MAX]; /* the folder holding dest */
    char tmp[PATH_MAX];    /* parent/.NAME.partial-XXXXXX, once made */
    int has_tmp;
};

/* 1 when the folder holds no entry, 0 when it holds one, -1 on error. */
static int is_empty_dir(const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return -1;
    struct dirent *e;
    int is_empty = 1;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            is_empty = 0;
            break;
        }
    }
    closedir(d);
    return is_empty;
}

/* Checks that `dest` is missing or an empty folder that a rename can
 * replace, and makes the temporary folder beside it. `refusal` ends the
 * message that refuses a folder already in use. */
static int target_prepare(struct target *t, const char *dest,
                          const char *refusal, char **errmsg)
{
    memset(t, 0, sizeof *t);
    size_t len = strlen(dest);
    while (len > 1 && dest[len - 1] == '/')
        len--;
    if (len == 0 || len >= sizeof t->dest)
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("\"%s\": not a usable folder name", dest));
    memcpy(t->dest, dest, len);
    t->dest[len] = '\0';
    char copy[PATH_MAX];
    snprintf(copy, sizeof copy, "%s", t->dest);
    snprintf(t->parent, sizeof t->parent, "%s", dirname(copy));
    snprintf(copy, sizeof copy, "%s", t->dest);
    const char *name = basename(copy);
    if (!strcmp(name, "/") || !strcmp(name, ".") || !strcmp(name, ".."))
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("%s: name a folder of its own (e.g. "
                                  "%s/minga-backup)",
                                  t->dest,
                                  strcmp(t->dest, "/") ? t->dest : ""));
    struct stat st, parent_st;
    if (stat(t->parent, &parent_st) < 0 || !S_ISDIR(parent_st.st_mode))
        return fail(
            errmsg, MINGA_ENOTFOUND,
            minga_strdupf("%s: no such folder (create it first)", t->parent));
    if (stat(t->dest, &st) == 0) {
        if (!S_ISDIR(st.st_mode))
            return fail(errmsg, MINGA_EINVAL,
                        minga_strdupf("%s: exists and is not a folder; %s",
                                      t->dest, refusal));
        int empty = is_empty_dir(t->dest);
        if (empty < 0)
            return fail(errmsg, MINGA_EIO,
                        minga_strdupf("%s: cannot read: %s", t->dest,
                                      strerror(errno)));
        if (!empty)
            return fail(errmsg, MINGA_EEXISTS,
                        minga_strdupf("%s: not empty; %s", t->dest, refusal));
        if (st.st_dev != parent_st.st_dev)
            return fail(errmsg, MINGA_EINVAL,
                        minga_strdupf("%s: a mount point, which the finished "
                                      "folder cannot be renamed over; name "
                                      "a folder inside it (e.g. "
                                      "%s/minga-backup)",
                                      t->dest, t->dest));
    } else if (errno != ENOENT) {
        return fail(errmsg, MINGA_EIO,
                    minga_strdupf("%s: %s", t->dest, strerror(errno)));
    }
    if ((size_t)snprintf(t->tmp, sizeof t->tmp, "%s/.%s.partial-XXXXXX",
                         t->parent, name) >= sizeof t->tmp)
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("%s: path too long", t->dest));
    /* mkdtemp makes it 0700: a backup holds token hashes and every
     * uploaded report; the finished folder keeps that mode */
    if (!mkdtemp(t->tmp))
        return fail(errmsg, MINGA_EIO,
                    minga_strdupf("%s: cannot create a folder here: %s",
                                  t->parent, strerror(errno)));
    t->has_tmp = 1;
    return MINGA_OK;
}

static int remove_entry(const char *path, const struct stat *st, int type,
                        struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    remove(path);
    return 0;
}

/* Removes the temporary folder (and only it) after a failure. */
static void target_abandon(struct target *t)
{
    if (t->has_tmp)
        nftw(t->tmp, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    t->has_tmp = 0;
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Gives the finished temporary folder the name dest, durably. */
static int target_commit(struct target *t, char **errmsg)
{
    if (fsync_path(t->tmp) < 0)
        return fail(
            errmsg, MINGA_EIO,
            minga_strdupf("%s: cannot sync: %s", t->tmp, strerror(errno)));
    /* replaces dest only when it is still missing or empty */
    if (rename(t->tmp, t->dest) < 0) {
        int e = errno;
        if (e == ENOTEMPTY || e == EEXIST)
            return fail(errmsg, MINGA_EEXISTS,
                        minga_strdupf("%s: something was written there "
                                      "meanwhile; left it alone",
                                      t->dest));
        return fail(errmsg, MINGA_EIO,
                    minga_strdupf("%s: cannot rename %s to it: %s", t->dest,
                                  t->tmp, strerror(e)));
    }
    t->has_tmp = 0;
    fsync_path(t->parent);
    return MINGA_OK;
}

/* The size of the regular files under `dir` (not following links). */
static uint64_t folder_bytes(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    uint64_t total = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char path[PATH_MAX];
        struct stat st;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >=
                sizeof path ||
            lstat(path, &st) < 0)
            continue;
        if (S_ISREG(st.st_mode))
            total += (uint64_t)st.st_size;
        else if (S_ISDIR(st.st_mode))
            total += folder_bytes(path);
    }
    closedir(d);
    return total;
}

/* ---- the copy --------------------------------------------------------- */

/* Copies the catalog `src_path` into `dst_path` (which must not exist)
 * as one snapshot: see the top of this file. */
static int copy_catalog(const char *src_path, const char *dst_path,
                        char **errmsg)
{
    struct catalog *cat = NULL;
    char *err = NULL;
    int rc = catalog_open(&cat, src_path, 1, &err);
    if (rc) {
        fail(errmsg, rc,
             minga_strdupf("%s: %s", src_path, err ? err : "cannot open"));
        free(err);
        return rc;
    }
    sqlite3 *db = catalog_db(cat);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK) {
        rc = catalog_fail(cat, "backup");
    } else {
        sqlite3_bind_text(st, 1, dst_path, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = catalog_fail(cat, "copy");
    }
    sqlite3_finalize(st);
    if (rc)
        fail(errmsg, rc,
             minga_strdupf("%s: %s", src_path, catalog_errmsg(cat)));
    catalog_close(cat);
    if (!rc && fsync_path(dst_path) < 0)
        rc = fail(
            errmsg, MINGA_EIO,
            minga_strdupf("%s: cannot sync: %s", dst_path, strerror(errno)));
    return rc;
}

/* Turns the folder `dir` holding a copied catalog into a data folder:
 * the schema brought to this minga's, the index rebuilt in `shards`
 * shards (0: the default for a new folder), then checked. *report gets
 * {cases, generation, check}. */
static int finish_folder(const char *dir, int shards, json_t **report,
                         char **errmsg)
{
    struct minga *m = NULL;
    int rc = minga_open(&m, dir, 0, errmsg);
    if (rc)
        return rc;
    rc = minga_reindex(m, shards, NULL, NULL, errmsg);
    json_t *check = NULL;
    if (!rc) {
        rc = minga_check(m, 0, &check, errmsg);
        if (rc == MINGA_EINVAL && errmsg && !*errmsg)
            *errmsg = strdup("the copy does not pass `minga check`: its "
                             "index differs from its catalog");
    }
    if (!rc) {
        *report = json_object();
        json_object_set(*report, "cases", json_object_get(check, "cases"));
        json_object_set_new(
            *report, "generation",
            json_integer((json_int_t)catalog_generation(m->cat)));
        json_object_set_new(*report, "check", check);
    } else {
        json_decref(check);
    }
    /* the last connection's close checkpoints the WAL into catalog.db */
    minga_close(m);
    return rc;
}

/* The whole of a backup or restore from the catalog `src_catalog` into
 * `dest`; *report (not NULL) gets {cases, generation, check, dest,
 * bytes, seconds}. */
static int copy_data_folder(const char *src_catalog, const char *dest,
                            const char *refusal, json_t **report,
                            char **errmsg)
{
    double start = now_seconds();
    struct target t;
    int rc = target_prepare(&t, dest, refusal, errmsg);
    if (rc)
        return rc;
    char path[sizeof t.tmp + sizeof "/catalog.db"];
    snprintf(path, sizeof path, "%s/catalog.db", t.tmp);
    json_t *rep = NULL;
    /* the copy keeps the source's shard count (`reindex --shards N` may
     * have set one other than the default) */
    char src_index[PATH_MAX];
    int shards = 0;
    const char *slash = strrchr(src_catalog, '/');
    if (slash && (size_t)snprintf(src_index, sizeof src_index, "%.*s/index",
                                  (int)(slash - src_catalog),
                                  src_catalog) < sizeof src_index)
        shards = mindex_shards_of(src_index);
    rc = copy_catalog(src_catalog, path, errmsg);
    if (!rc)
        rc = finish_folder(t.tmp, shards, &rep, errmsg);
    if (!rc && fsync_path(path) < 0)
        rc = fail(errmsg, MINGA_EIO,
                  minga_strdupf("%s: cannot sync: %s", path, strerror(errno)));
    if (!rc)
        rc = target_commit(&t, errmsg);
    if (rc) {
        target_abandon(&t);
        json_decref(rep);
        return rc;
    }
    json_object_set_new(rep, "dest", json_string(t.dest));
    json_object_set_new(rep, "bytes",
                        json_integer((json_int_t)folder_bytes(t.dest)));
    json_object_set_new(rep, "seconds", json_real(now_seconds() - start));
    *report = rep;
    return MINGA_OK;
}

/* ---- the API ---------------------------------------------------------- */

int minga_backup(struct minga *m, const char *dest, json_t **report,
                 char **errmsg)
{
    char src[PATH_MAX];
    if ((size_t)snprintf(src, sizeof src, "%s/catalog.db", m->dir) >=
        sizeof src)
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("%s: path too long", m->dir));
    json_t *rep = NULL;
    int rc = copy_data_folder(src, dest,
                              "a backup goes into a new or empty folder and "
                              "never overwrites one (nothing was written)",
                              &rep, errmsg);
    if (rc)
        return rc;
    json_object_set_new(rep, "source", json_string(m->dir));
    json_object_del(rep, "check");
    if (report)
        *report = rep;
    else
        json_decref(rep);
    return MINGA_OK;
}

int minga_restore_backup(const char *src, const char *dest, json_t **report,
                         char **errmsg)
{
    char path[PATH_MAX];
    struct stat st;
    if ((size_t)snprintf(path, sizeof path, "%s/catalog.db", src) >=
        sizeof path)
        return fail(errmsg, MINGA_EINVAL,
                    minga_strdupf("%s: path too long", src));
    if (stat(path, &st) < 0 || !S_ISREG(st.st_mode))
        return fail(errmsg, MINGA_ENOTFOUND,
                    minga_strdupf("%s: not a backup or data folder (no "
                                  "catalog.db)",
                                  src));
    json_t *rep = NULL;
    int rc = copy_data_folder(path, dest,
                              "restore fills a new or empty data folder "
                              "and never overwrites one (nothing was "
                              "changed)",
                              &rep, errmsg);
    if (rc)
        return rc;
    json_object_set_new(rep, "source", json_string(src));
    if (report)
        *report = rep;
    else
        json_decref(rep);
    return MINGA_OK;
}
