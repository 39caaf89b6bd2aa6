/*
 * query_bench: the fixed query mix through minga_search, in process, with
 * what GET /api/search asks for (facets, snippets, spelling, 10 per page).
 *
 *   query_bench --data DIR --queries queries.tsv [--rounds R] [--warmup W]
 *               [--threads T] [--label NAME] [--no-facets]
 *               [--no-snippets] [--no-spelling] [--json] [--slowest N]
 *
 * Opens the data folder read-only (one struct minga per thread, as the
 * server does), runs the mix W times untimed, then R times timed, and
 * prints one RESULT line (bench_util.h) plus a CHECK line with how many
 * queries matched nothing and the mean total. --no-snippets and
 * --no-spelling leave those parts out (to see what each costs); --json
 * also builds and serialises each answer as GET /api/search sends it (to
 * see what the server adds before HTTP); --slowest
 * N prints the N queries with the highest median latency of the first
 * thread, with their totals (to see what makes the tail).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "minga.h"

struct opts {
    const char *data, *queries, *label;
    int rounds, warmup, threads, facets, snippets, spelling, json, slowest;
};

struct worker {
    const struct opts *o;
    struct bench_query *qs;
    size_t n_qs;
    uint64_t *ns; /* rounds * n_qs latencies */
    size_t n_ns;
    uint64_t zero, totals, suggestions, errors;
    uint64_t *total_of; /* n_qs: each query's total (first round) */
};

static int run_one(struct minga *m, const struct bench_query *bq,
                   const struct opts *o, struct worker *w, size_t index)
{
    struct minga_query q;
    query_init(&q);
    char *err = NULL;
    int rc = query_parse_inline(&q, bq->text, &err);
    if (!rc && bq->goal) {
        char g[8];
        snprintf(g, sizeof g, "%d", bq->goal);
        rc = query_add_filter(&q, "sdg", g, &err);
    }
    q.offset = 0;
    q.limit = 10;
    q.want_facets = o->facets;
    q.want_snippets = o->snippets;
    q.want_spelling = o->spelling;
    struct mindex_results *r = NULL;
    if (!rc)
        rc = minga_search(m, &q, &r, &err);
    if (rc) {
        if (w->errors++ == 0)
            fprintf(stderr, "query_bench: \"%s\": %s\n", bq->text,
                    err ? err : "error");
    } else if (w) {
        if (r->total == 0)
            w->zero++;
        w->totals += r->total;
        if (w->total_of)
            w->total_of[index] = r->total;
        if (r->suggestion)
            w->suggestions++;
    }
    if (!rc && o->json) {
        char *text = minga_results_json(&q, r, NULL);
        if (!text && w)
            w->errors++;
        free(text);
    }
    free(err);
    mindex_results_free(r);
    query_release(&q);
    return rc;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct slow {
    uint64_t median_ns;
    size_t index;
};

static int cmp_slow_desc(const void *a, const void *b)
{
    const struct slow *x = a, *y = b;
    return x->median_ns > y->median_ns ? -1 : x->median_ns < y->median_ns;
}

/* The queries of w with the highest median latency over its rounds. */
static void print_slowest(const struct worker *w, int rounds, size_t n)
{
    struct slow *s = calloc(w->n_qs, sizeof *s);
    uint64_t *one = calloc((size_t)rounds, sizeof *one);
    for (size_t i = 0; i < w->n_qs; i++) {
        for (int r = 0; r < rounds; r++)
            one[r] = w->ns[(size_t)r * w->n_qs + i];
        qsort(one, (size_t)rounds, sizeof *one, cmp_u64);
        s[i].median_ns = one[rounds / 2];
        s[i].index = i;
    }
    qsort(s, w->n_qs, sizeof *s, cmp_slow_desc);
    for (size_t k = 0; k < n && k < w->n_qs; k++) {
        const struct bench_query *bq = &w->qs[s[k].index];
        printf("SLOW %.3f ms total=%llu goal=%d \"%s\"\n",
               (double)s[k].median_ns / 1e6,
               (unsigned long long)w->total_of[s[k].index], bq->goal,
               bq->text);
    }
    free(one);
    free(s);
}

static pthread_barrier_t ready;

/* Opens its own handle, warms it up untimed, waits for the others at the
 * barrier, then runs the timed rounds. */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    const struct opts *o = w->o;
    struct minga *m = NULL;
    char *err = NULL;
    if (minga_open(&m, o->data, MINGA_OPEN_READONLY, &err)) {
        fprintf(stderr, "query_bench: %s\n", err ? err : "cannot open");
        exit(1);
    }
    struct worker scratch = {0};
    for (int r = 0; r < o->warmup; r++)
        for (size_t i = 0; i < w->n_qs; i++)
            run_one(m, &w->qs[i], o, &scratch, i);
    pthread_barrier_wait(&ready);
    for (int r = 0; r < o->rounds; r++) {
        for (size_t i = 0; i < w->n_qs; i++) {
            uint64_t t0 = bench_now_ns();
            run_one(m, &w->qs[i], o, r == 0 ? w : &scratch, i);
            w->ns[w->n_ns++] = bench_now_ns() - t0;
        }
    }
    w->errors += scratch.errors;
    minga_close(m);
    return NULL;
}

int main(int argc, char **argv)
{
    struct opts o = {NULL, NULL, "minga_inproc", 5, 1, 1, 1, 1, 1, 0, 0};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-facets") == 0) {
            o.facets = 0;
            continue;
        }
        if (strcmp(a, "--no-snippets") == 0) {
            o.snippets = 0;
            continue;
        }
        if (strcmp(a, "--no-spelling") == 0) {
            o.spelling = 0;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o.json = 1;
            continue;
        }
        if (!v)
            goto usage;
        if (strcmp(a, "--data") == 0)
            o.data = v;
        else if (strcmp(a, "--queries") == 0)
            o.queries = v;
        else if (strcmp(a, "--rounds") == 0)
            o.rounds = atoi(v);
        else if (strcmp(a, "--warmup") == 0)
            o.warmup = atoi(v);
        else if (strcmp(a, "--threads") == 0)
            o.threads = atoi(v);
        else if (strcmp(a, "--label") == 0)
            o.label = v;
        else if (strcmp(a, "--slowest") == 0)
            o.slowest = atoi(v);
        else
            goto usage;
        i++;
    }
    if (!o.data || !o.queries || o.rounds < 1 || o.threads < 1 ||
        o.threads > 64)
        goto usage;

    size_t n_qs;
    struct bench_query *qs = bench_load_queries(o.queries, &n_qs);
    struct worker *ws = calloc((size_t)o.threads, sizeof *ws);
    pthread_t *tids = calloc((size_t)o.threads, sizeof *tids);
    for (int t = 0; t < o.threads; t++) {
        ws[t].o = &o;
        ws[t].qs = qs;
        ws[t].n_qs = n_qs;
        ws[t].ns = calloc((size_t)o.rounds * n_qs, sizeof(uint64_t));
        ws[t].total_of = calloc(n_qs, sizeof(uint64_t));
    }
    pthread_barrier_init(&ready, NULL, (unsigned)o.threads + 1);
    for (int t = 0; t < o.threads; t++)
        pthread_create(&tids[t], NULL, worker_main, &ws[t]);
    pthread_barrier_wait(&ready);
    uint64_t t0 = bench_now_ns();
    for (int t = 0; t < o.threads; t++)
        pthread_join(tids[t], NULL);
    uint64_t wall = bench_now_ns() - t0;

    size_t total_n = 0;
    for (int t = 0; t < o.threads; t++)
        total_n += ws[t].n_ns;
    uint64_t *all = calloc(total_n, sizeof *all);
    size_t k = 0;
    uint64_t zero = 0, totals = 0, sugg = 0, errors = 0;
    for (int t = 0; t < o.threads; t++) {
        memcpy(all + k, ws[t].ns, ws[t].n_ns * sizeof *all);
        k += ws[t].n_ns;
        zero += ws[t].zero;
        totals += ws[t].totals;
        sugg += ws[t].suggestions;
        errors += ws[t].errors;
    }
    bench_report(o.label, all, total_n, wall);
    printf("CHECK %s queries=%zu zero_hits=%llu mean_total=%.1f "
           "suggestions=%llu errors=%llu\n",
           o.label, n_qs, (unsigned long long)zero / (unsigned)o.threads,
           (double)totals / (double)n_qs / o.threads,
           (unsigned long long)sugg / (unsigned)o.threads,
           (unsigned long long)errors);
    if (o.slowest > 0)
        print_slowest(&ws[0], o.rounds, (size_t)o.slowest);
    return errors ? 1 : 0;
usage:
    fprintf(stderr, "usage: query_bench --data DIR --queries FILE "
                    "[--rounds R] [--warmup W] [--threads T] [--label L] "
                    "[--no-facets] [--no-snippets] [--no-spelling] [--json] "
                    "[--slowest N]\n");
    return 2;
}
