/*
 * The inside of struct minga, shared by the core's own modules (import,
 * export, check, tokens). Nothing outside core/ includes this.
 */
#ifndef MINGA_MINGA_IMPL_H
#define MINGA_MINGA_IMPL_H

#include "minga.h"
#include "catalog.h"

struct minga {
    char *dir;       /* the data folder */
    char *index_dir; /* dir/index */
    int flags;       /* enum minga_open_flags */
    struct catalog *cat;
    struct mindex *reader; /* opened lazily by the first search */
    int lock_fd;           /* held while writing; -1 otherwise */
    /* seen by the last search: the index's generation when it was ahead
     * of the catalog's (0 when not), and the catalog's */
    uint64_t ahead_index_gen, ahead_catalog_gen;
    /* the plugins this handle imports and exports with: the default
     * registry, or own_plugins after minga_plugins_add_path */
    const struct plugin_registry *plugins;
    struct plugin_registry *own_plugins; /* owned; NULL: none */
    char *plugin_path;                   /* its folders; owned */
};

/* Takes the data folder's writer lock, waiting up to `wait_ms`. Returns
 * MINGA_EBUSY with a message when another writer keeps it. */
int minga_lock(struct minga *m, int wait_ms, char **errmsg);
void minga_unlock(struct minga *m);

/* A small file of reserved space in the data folder, given back to the
 * file system just before a catalog commit so that a full disk cannot
 * fail that last step, and taken again afterwards (best effort). */
void minga_reserve_release(struct minga *m);
void minga_reserve_restore(struct minga *m);

/* Opens the index for writing; caller closes. */
int minga_open_writer(struct minga *m, struct mindex **out, char **errmsg);

/* Brings the index back to the catalog after an interrupted write (the
 * generations differ) by rebuilding it. Call with the lock held. Sets
 * *was_needed. */
int minga_recover(struct minga *m, int *was_needed, char **errmsg);

/* Rebuilds the whole index inside an open writer. */
int minga_rebuild_index(struct minga *m, struct mindex *ix,
                        void (*progress)(void *, uint64_t, uint64_t),
                        void *arg, char **errmsg);

/* One write over catalog and index, all or nothing: takes the writer
 * lock, recovers an interrupted write, opens the index writer and a
 * catalog transaction with a new generation `gen`, runs fn, and commits
 * both (index first: see commit_both in import.c) or rolls both back.
 * fn sets *err (malloc'd) or leaves it for the catalog's message.
 * (core/history.c) */
int minga_write_step(struct minga *m,
                     int (*fn)(void *arg, struct minga *m, struct mindex *ix,
                               uint64_t gen, char **err),
                     void *arg, char **errmsg);
/* Inside a write step: stores case c (its attachment contents already
 * stored, their text loaded for the index) as a new revision written by
 * w, and indexes it. *rev (may be NULL) gets the revision. */
struct catalog_write;
int minga_apply_case(struct minga *m, struct mindex *ix,
                     const struct minga_case *c, const char *extra_json,
                     const struct catalog_write *w, int *rev, char **err);

char *minga_strdupf(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

#endif
