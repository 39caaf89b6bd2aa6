/*
 * baseline_fts5: SQLite FTS5 on the same corpus and queries, the
 * "just use SQLite" alternative.
 *
 *   baseline_fts5 index  --jsonl cases.jsonl --db FILE
 *   baseline_fts5 search --db FILE --queries queries.tsv [--rounds R]
 *                        [--warmup W] [--label L]
 *
 * One FTS5 table (title, tags, city, region, summary, body, attachments;
 * tokenizer unicode61 remove_diacritics 2: folding like minga's, but no
 * stemming, which FTS5 has only for English), a cases table and a
 * case_goals table, all filled from the JSONL in one transaction.
 * Attachments (paths relative to the JSONL) are read and indexed.
 * Searching: the words AND-ed (OR-ed again when that finds nothing and
 * there are two or more), bm25 ranking with the field weights minga gives
 * (title 5, tags 3, city/region/summary 2, body/attachments 1), the goal
 * filter through a join with case_goals, 10 hits with snippet().
 */
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

static sqlite3 *db;

static void die_db(const char *what)
{
    fprintf(stderr, "baseline_fts5: %s: %s\n", what, sqlite3_errmsg(db));
    exit(1);
}

static void exec(const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "baseline_fts5: %s: %s\n", sql, err);
        exit(1);
    }
}

static sqlite3_stmt *prep(const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        die_db(sql);
    return st;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "baseline_fts5: %s: cannot open\n", path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (!s || fread(s, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "baseline_fts5: %s: cannot read\n", path);
        exit(1);
    }
    s[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return s;
}

static const char *jstr(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static void bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

/* Array of strings joined with sep; caller frees. */
static char *join(json_t *arr, const char *sep)
{
    size_t total = 1, i;
    json_t *v;
    json_array_foreach(arr, i, v) total +=
        strlen(json_string_value(v)) + strlen(sep);
    char *out = calloc(1, total);
    json_array_foreach(arr, i, v)
    {
        if (i)
            strcat(out, sep);
        strcat(out, json_string_value(v));
    }
    return out;
}

static int cmd_index(const char *jsonl, const char *path)
{
    char base[4096];
    snprintf(base, sizeof base, "%s", jsonl);
    char *slash = strrchr(base, '/');
    if (slash)
        *slash = 0;
    else
        strcpy(base, ".");
    remove(path);
    uint64_t t0 = bench_now_ns();
    if (sqlite3_open(path, &db) != SQLITE_OK)
        die_db(path);
    exec("CREATE TABLE cases(rowid INTEGER PRIMARY KEY, id TEXT UNIQUE, "
         "title TEXT, language TEXT, country TEXT, year_start INTEGER)");
    exec("CREATE TABLE case_goals(goal INTEGER, case_rowid INTEGER, "
         "PRIMARY KEY(goal, case_rowid)) WITHOUT ROWID");
    exec("CREATE VIRTUAL TABLE fts USING fts5(title, tags, city, region, "
         "summary, body, attachments, "
         "tokenize = 'unicode61 remove_diacritics 2')");
    exec("BEGIN");
    sqlite3_stmt *ins_case = prep(
        "INSERT INTO cases(rowid, id, title, language, country, year_start) "
        "VALUES(?,?,?,?,?,?)");
    sqlite3_stmt *ins_goal =
        prep("INSERT INTO case_goals(goal, case_rowid) VALUES(?,?)");
    sqlite3_stmt *ins_fts = prep(
        "INSERT INTO fts(rowid, title, tags, city, region, summary, body, "
        "attachments) VALUES(?,?,?,?,?,?,?,?)");
    FILE *in = fopen(jsonl, "r");
    if (!in) {
        fprintf(stderr, "baseline_fts5: %s: cannot open\n", jsonl);
        return 1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    sqlite3_int64 rowid = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        json_error_t err;
        json_t *c = json_loadb(line, (size_t)len, 0, &err);
        if (!c) {
            fprintf(stderr, "baseline_fts5: line %lld: %s\n",
                    (long long)rowid + 1, err.text);
            return 1;
        }
        rowid++;
        sqlite3_bind_int64(ins_case, 1, rowid);
        bind_text(ins_case, 2, jstr(c, "id"));
        bind_text(ins_case, 3, jstr(c, "title"));
        bind_text(ins_case, 4, jstr(c, "language"));
        bind_text(ins_case, 5, jstr(c, "country"));
        sqlite3_bind_int(
            ins_case, 6,
            (int)json_integer_value(json_object_get(c, "year_start")));
        if (sqlite3_step(ins_case) != SQLITE_DONE)
            die_db("insert case");
        sqlite3_reset(ins_case);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(c, "sdg_goals"), i, v)
        {
            sqlite3_bind_int(ins_goal, 1, (int)json_integer_value(v));
            sqlite3_bind_int64(ins_goal, 2, rowid);
            if (sqlite3_step(ins_goal) != SQLITE_DONE)
                die_db("insert goal");
            sqlite3_reset(ins_goal);
        }
        char *tags = join(json_object_get(c, "tags"), "; ");
        char *att = NULL;
        size_t att_len = 0;
        json_array_foreach(json_object_get(c, "attachments"), i, v)
        {
            char p[8192];
            snprintf(p, sizeof p, "%s/%s", base, json_string_value(v));
            size_t n;
            char *text = read_file(p, &n);
            att = realloc(att, att_len + n + 2);
            memcpy(att + att_len, text, n);
            att_len += n;
            att[att_len++] = '\n';
            att[att_len] = 0;
            free(text);
        }
        sqlite3_bind_int64(ins_fts, 1, rowid);
        bind_text(ins_fts, 2, jstr(c, "title"));
        bind_text(ins_fts, 3, tags);
        bind_text(ins_fts, 4, jstr(c, "city"));
        bind_text(ins_fts, 5, jstr(c, "region"));
        bind_text(ins_fts, 6, jstr(c, "summary"));
        bind_text(ins_fts, 7, jstr(c, "body"));
        bind_text(ins_fts, 8, att);
        if (sqlite3_step(ins_fts) != SQLITE_DONE)
            die_db("insert fts");
        sqlite3_reset(ins_fts);
        sqlite3_clear_bindings(ins_fts);
        free(tags);
        free(att);
        json_decref(c);
    }
    free(line);
    fclose(in);
    sqlite3_finalize(ins_case);
    sqlite3_finalize(ins_goal);
    sqlite3_finalize(ins_fts);
    exec("COMMIT");
    sqlite3_close(db);
    double s = (double)(bench_now_ns() - t0) / 1e9;
    printf("INDEX baseline_fts5 cases=%lld seconds=%.3f cases_per_s=%.1f\n",
           (long long)rowid, s, (double)rowid / s);
    return 0;
}

#define SELECT_HIT                                                            \
    "SELECT c.id, c.title, snippet(fts, -1, '<mark>', '</mark>', '…', 30) " \
    "FROM fts JOIN cases c ON c.rowid = fts.rowid "
#define RANK " ORDER BY bm25(fts, 5.0, 3.0, 2.0, 2.0, 2.0, 1.0, 1.0) LIMIT 10"

static int cmd_search(const char *path, const char *queries, int rounds,
                      int warmup, const char *label)
{
    size_t n_qs;
    struct bench_query *qs = bench_load_queries(queries, &n_qs);
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        die_db(path);
    sqlite3_stmt *plain = prep(SELECT_HIT "WHERE fts MATCH ?1" RANK);
    sqlite3_stmt *by_goal =
        prep(SELECT_HIT "JOIN case_goals g ON g.case_rowid = fts.rowid "
                        "AND g.goal = ?2 WHERE fts MATCH ?1" RANK);
    uint64_t zero = 0;
    uint64_t *ns = calloc((size_t)rounds * n_qs, sizeof *ns);
    size_t k = 0;
    uint64_t t0 = 0;
    for (int r = -warmup; r < rounds; r++) {
        if (r == 0)
            t0 = bench_now_ns();
        for (size_t i = 0; i < n_qs; i++) {
            const struct bench_query *q = &qs[i];
            uint64_t s = bench_now_ns();
            int hits = 0;
            for (int relaxed = 0; relaxed <= 1 && !hits; relaxed++) {
                char match[1024] = "";
                for (int w = 0; w < q->n_words; w++) {
                    if (w)
                        strcat(match, relaxed ? " OR " : " ");
                    strcat(match, "\"");
                    strcat(match, q->words[w]);
                    strcat(match, "\"");
                }
                sqlite3_stmt *st = q->goal ? by_goal : plain;
                sqlite3_bind_text(st, 1, match, -1, SQLITE_TRANSIENT);
                if (q->goal)
                    sqlite3_bind_int(st, 2, q->goal);
                int rc;
                while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                    (void)sqlite3_column_text(st, 2);
                    hits++;
                }
                if (rc != SQLITE_DONE)
                    die_db(match);
                sqlite3_reset(st);
                if (q->n_words < 2)
                    break;
            }
            if (r >= 0) {
                ns[k++] = bench_now_ns() - s;
                if (r == 0 && !hits)
                    zero++;
            }
        }
    }
    uint64_t wall = bench_now_ns() - t0;
    bench_report(label, ns, k, wall);
    printf("CHECK %s queries=%zu zero_hits=%llu\n", label, n_qs,
           (unsigned long long)zero);
    sqlite3_finalize(plain);
    sqlite3_finalize(by_goal);
    sqlite3_close(db);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: baseline_fts5 index --jsonl FILE --db FILE\n"
                    "       baseline_fts5 search --db FILE --queries FILE "
                    "[--rounds R] [--warmup W] [--label L]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *jsonl = NULL, *path = NULL, *queries = NULL;
    const char *label = "fts5";
    int rounds = 5, warmup = 1;
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *a = argv[i], *v = argv[i + 1];
        if (strcmp(a, "--jsonl") == 0)
            jsonl = v;
        else if (strcmp(a, "--db") == 0)
            path = v;
        else if (strcmp(a, "--queries") == 0)
            queries = v;
        else if (strcmp(a, "--rounds") == 0)
            rounds = atoi(v);
        else if (strcmp(a, "--warmup") == 0)
            warmup = atoi(v);
        else if (strcmp(a, "--label") == 0)
            label = v;
        else
            return usage();
    }
    if (strcmp(argv[1], "index") == 0 && jsonl && path)
        return cmd_index(jsonl, path);
    if (strcmp(argv[1], "search") == 0 && path && queries)
        return cmd_search(path, queries, rounds, warmup, label);
    return usage();
}
