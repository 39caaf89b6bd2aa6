/*
 * When upload tokens were last used. The server checks tokens through
 * read-only handles, which cannot write, so `minga token list` said
 * "never" for tokens in daily use. A successful check now hands a short
 * write (one UPDATE on a writable handle of its own) to the import
 * worker, off the connection's thread and after any import before it,
 * so it does not wait for an import's write lock. At most one write a token every TOKEN_USE_INTERVAL_S seconds,
 * so a stream of uploads does not become a stream of writes; a write
 * that fails or finds the queue full is retried at the next check.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web.h"
#include "minga.h"

#define TOKEN_USE_INTERVAL_S 60

struct token_use {
    struct token_use *next;
    char *name;
    struct timespec written; /* when its last write was handed over */
    int has_write;           /* a write is queued or was made */
};

void web_token_uses_init(struct web_token_uses *t)
{
    pthread_mutex_init(&t->lock, NULL);
    t->head = NULL;
}

void web_token_uses_release(struct web_token_uses *t)
{
    while (t->head) {
        struct token_use *u = t->head;
        t->head = u->next;
        free(u->name);
        free(u);
    }
    pthread_mutex_destroy(&t->lock);
}

/* The entry for name, created if new; NULL when out of memory. The
 * list holds one entry per token name that passed a check, and only an
 * operator creates tokens, so it stays short. Called with the lock. */
static struct token_use *find(struct web_token_uses *t, const char *name)
{
    for (struct token_use *u = t->head; u; u = u->next)
        if (strcmp(u->name, name) == 0)
            return u;
    struct token_use *u = calloc(1, sizeof *u);
    if (!u || !(u->name = strdup(name))) {
        free(u);
        return NULL;
    }
    u->next = t->head;
    t->head = u;
    return u;
}

/* Forgets the last write, so the next check writes again. */
static void forget(struct web_token_uses *t, const char *name)
{
    pthread_mutex_lock(&t->lock);
    struct token_use *u = find(t, name);
    if (u)
        u->has_write = 0;
    pthread_mutex_unlock(&t->lock);
}

/* In the import worker; ctx is the token's name (owned by the job). */
static void run_touch(struct web_server *srv, struct web_job *job)
{
    const char *name = job->ctx;
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, srv->opt.data_dir, 0, &errmsg);
    if (rc == 0)
        rc = minga_token_touch(m, name, &errmsg);
    minga_close(m);
    if (rc != 0) {
        web_log(srv, "recording the use of token %s failed: %s", name,
                errmsg ? errmsg : "unknown error");
        forget(&srv->token_uses, name);
    }
    free(errmsg);
}

void web_token_use_record(struct web_server *srv, const char *name)
{
    struct web_token_uses *t = &srv->token_uses;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&t->lock);
    struct token_use *u = find(t, name);
    int is_due = u && (!u->has_write ||
                       now.tv_sec - u->written.tv_sec >= TOKEN_USE_INTERVAL_S);
    if (is_due) {
        u->has_write = 1;
        u->written = now;
    }
    pthread_mutex_unlock(&t->lock);
    if (!is_due)
        return;
    char *ctx = strdup(name);
    if (!ctx ||
        web_pool_submit_detached(&srv->import_pool, run_touch, ctx, free) != 0)
        forget(t, name);
}
