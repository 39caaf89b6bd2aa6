/* Shared by the benchmark tools: the query mix, a clock and percentiles. */
#include "bench_util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct bench_query *bench_load_queries(const char *path, size_t *n_out)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        exit(1);
    }
    struct bench_query *qs = NULL;
    size_t n = 0, cap = 0;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            qs = realloc(qs, cap * sizeof *qs);
            if (!qs) {
                fprintf(stderr, "out of memory\n");
                exit(1);
            }
        }
        struct bench_query *q = &qs[n++];
        memset(q, 0, sizeof *q);
        q->goal = atoi(line);
        q->text = strdup(tab + 1);
        char *copy = strdup(tab + 1), *save = NULL;
        for (char *w = strtok_r(copy, " ", &save); w && q->n_words < 3;
             w = strtok_r(NULL, " ", &save))
            q->words[q->n_words++] = w;
    }
    fclose(f);
    if (n == 0) {
        fprintf(stderr, "%s: no queries\n", path);
        exit(1);
    }
    *n_out = n;
    return qs;
}

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

void bench_report(const char *label, uint64_t *ns, size_t n, uint64_t wall_ns)
{
    qsort(ns, n, sizeof *ns, cmp_u64);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += (double)ns[i];
    /* nearest-rank percentiles */
    size_t i50 = (size_t)((n * 50 + 99) / 100), i99 = (n * 99 + 99) / 100;
    i50 = i50 ? i50 - 1 : 0;
    i99 = i99 ? i99 - 1 : 0;
    printf("RESULT %s n=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f "
           "mean_us=%.1f qps=%.1f\n",
           label, n, ns[i50] / 1e3, ns[i99] / 1e3, ns[n - 1] / 1e3,
           sum / (double)n / 1e3,
           wall_ns ? (double)n / ((double)wall_ns / 1e9) : 0.0);
    fflush(stdout);
}
