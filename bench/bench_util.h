/* Shared by the benchmark tools: the query mix, a clock and percentiles. */
#ifndef MINGA_BENCH_UTIL_H
#define MINGA_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bench_query {
    int goal;       /* 0: no goal filter */
    char *text;     /* 1-3 words, space separated */
    char *words[3]; /* the words (pointers into a copy) */
    int n_words;
};

/* Reads queries.tsv ("GOAL<TAB>words" a line). Exits on error. */
struct bench_query *bench_load_queries(const char *path, size_t *n_out);

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* Sorts `ns` and prints one line
 *   RESULT <label> n=N p50_us=.. p99_us=.. max_us=.. mean_us=.. qps=..
 * where qps is n divided by `wall_ns` (the whole timed loop). */
void bench_report(const char *label, uint64_t *ns, size_t n, uint64_t wall_ns);

#ifdef __cplusplus
}
#endif

#endif
