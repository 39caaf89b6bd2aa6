/*
 * The SQLite catalog: schema version and WAL on open, case round trip,
 * updates that keep created_at, the one-id-per-generation rule,
 * transactions that leave nothing behind on rollback, the generation
 * counter, and attachment contents stored once (schema 2, migrated from
 * version 1). Each test opens a fresh catalog in its own temporary folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "case.h"
#include "catalog.h"
#include "catalog_history.h"
#include "refdata.h"

struct fixture {
    char dir[64];
    char path[128];
    struct catalog *cat;
};

static int setup(void **state)
{
    char *err = NULL;
    if (refdata_load(&err)) {
        print_error("refdata: %s\n", err ? err : "?");
        return -1;
    }
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    strcpy(f->dir, "/tmp/minga-catalog-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/catalog.db", f->dir);
    if (catalog_open(&f->cat, f->path, 0, &err) != MINGA_OK) {
        print_error("catalog_open: %s\n", err ? err : "?");
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    catalog_close(f->cat);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

/* Rosario's urban agriculture programme (2002), as a built case. */
static struct minga_case *rosario_case(void)
{
    struct minga_case *c = case_new();
    assert_non_null(c);
    case_set(&c->id, "rosario-programa-agricultura-urbana");
    case_set(&c->title, "Programa de Agricultura Urbana de Rosario");
    case_set(&c->summary,
             "La Municipalidad de Rosario creó en 2002 un "
             "programa de agricultura urbana en terrenos vacantes.");
    case_set(&c->body, "## Origen\n\nLa crisis argentina de 2001 ...");
    case_set(&c->language, "es");
    case_set(&c->city, "Rosario");
    case_set(&c->country, "AR");
    case_set(&c->region, "Santa Fe");
    c->year_start = 2002;
    c->year_end = 2021;
    c->goal_mask = (1u << 2) | (1u << 11) | (1u << 13);
    case_strv_push(&c->targets, &c->n_targets, "2.3");
    case_strv_push(&c->targets, &c->n_targets, "11.7");
    c->level_mask = MINGA_LEVEL_LOCAL;
    c->actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_COMMUNITY;
    case_strv_push(&c->tags, &c->n_tags, "huertas");
    case_strv_push(&c->tags, &c->n_tags, "agroecología");
    case_set(&c->source_url, "https://prizeforcities.org/2020-2021-winners");
    case_set(&c->license, "CC-BY-4.0");
    return c;
}

static int64_t query_int(struct catalog *cat, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(catalog_db(cat), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

static char *query_text(struct catalog *cat, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(catalog_db(cat), sql, -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    char *s = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return s;
}

/* Writes one case in its own transaction; returns the upsert's code. */
static int write_case(struct catalog *cat, const struct minga_case *c,
                      int *was_update)
{
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    int rc = catalog_upsert_case(cat, c, &w, NULL, was_update, NULL);
    if (rc)
        catalog_rollback(cat);
    else
        assert_int_equal(catalog_commit(cat), MINGA_OK);
    return rc;
}

static void test_open_creates_the_current_schema_in_wal_mode(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(query_int(f->cat, "PRAGMA user_version"),
                     CATALOG_SCHEMA_VERSION);
    char *mode = query_text(f->cat, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(query_int(f->cat, "PRAGMA foreign_keys"), 1);
    assert_int_equal(catalog_count_cases(f->cat), 0);
    assert_int_equal(catalog_generation(f->cat), 0);
    /* the reference tables: 17 goals, 169 targets */
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM goals"), 17);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM targets"), 169);
}

static void test_reopen_keeps_the_schema_and_the_cases(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    case_free(c);
    catalog_close(f->cat);
    char *err = NULL;
    assert_int_equal(catalog_open(&f->cat, f->path, 0, &err), MINGA_OK);
    assert_int_equal(query_int(f->cat, "PRAGMA user_version"),
                     CATALOG_SCHEMA_VERSION);
    assert_int_equal(catalog_count_cases(f->cat), 1);
    assert_int_equal(catalog_generation(f->cat), 1);
}

static void test_open_refuses_a_newer_schema(void **state)
{
    struct fixture *f = *state;
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d",
             CATALOG_SCHEMA_VERSION + 1);
    assert_int_equal(sqlite3_exec(catalog_db(f->cat), sql, NULL, NULL, NULL),
                     SQLITE_OK);
    catalog_close(f->cat);
    f->cat = NULL;
    char *err = NULL;
    struct catalog *cat = NULL;
    assert_int_not_equal(catalog_open(&cat, f->path, 0, &err), MINGA_OK);
    assert_null(cat);
    assert_non_null(err);
    free(err);
    /* reopen for teardown after putting the version back */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d",
             CATALOG_SCHEMA_VERSION);
    sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_close(db);
    assert_int_equal(catalog_open(&f->cat, f->path, 0, &err), MINGA_OK);
}

static void test_upsert_then_get_round_trips_every_field(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    int was_update = -1;
    assert_int_equal(write_case(f->cat, c, &was_update), MINGA_OK);
    assert_int_equal(was_update, 0);
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(f->cat, c->id, 1, &got), MINGA_OK);
    json_t *want_json = case_json_new(c, 0), *got_json = case_json_new(got, 0);
    char *want_text = json_dumps(want_json, JSON_SORT_KEYS);
    char *got_text = json_dumps(got_json, JSON_SORT_KEYS);
    assert_string_equal(got_text, want_text);
    assert_int_equal(got->year_end, 2021);
    assert_int_equal(got->goal_mask, c->goal_mask);
    assert_int_equal(got->actor_mask, c->actor_mask);
    assert_non_null(got->created_at);
    assert_non_null(got->updated_at);
    free(want_text);
    free(got_text);
    json_decref(want_json);
    json_decref(got_json);
    case_free(got);
    case_free(c);
}

static void test_absent_optional_fields_come_back_absent(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    case_set(&c->body, NULL);
    case_set(&c->region, NULL);
    case_set(&c->source_url, NULL);
    case_set(&c->license, NULL);
    c->year_end = 0;
    c->actor_mask = 0;
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(f->cat, c->id, 0, &got), MINGA_OK);
    assert_null(got->body);
    assert_null(got->region);
    assert_null(got->source_url);
    assert_null(got->license);
    assert_int_equal(got->year_end, 0);
    assert_int_equal(got->actor_mask, 0);
    case_free(got);
    case_free(c);
}

static void test_get_of_unknown_id_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(f->cat, "no-such-case", 0, &got),
                     MINGA_ENOTFOUND);
    assert_null(got);
}

static void test_update_replaces_fields_and_keeps_created_at(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    /* age the row so that "now" cannot coincide with it */
    assert_int_equal(
        sqlite3_exec(catalog_db(f->cat),
                     "UPDATE cases SET created_at='2020-01-02T03:04:05Z', "
                     "updated_at='2020-01-02T03:04:05Z'",
                     NULL, NULL, NULL),
        SQLITE_OK);
    case_set(&c->title, "Programa de Agricultura Urbana (Rosario)");
    c->goal_mask = 1u << 2;
    int was_update = -1;
    assert_int_equal(write_case(f->cat, c, &was_update), MINGA_OK);
    assert_int_equal(was_update, 1);
    assert_int_equal(catalog_count_cases(f->cat), 1);
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(f->cat, c->id, 0, &got), MINGA_OK);
    assert_string_equal(got->title,
                        "Programa de Agricultura Urbana (Rosario)");
    assert_int_equal(got->goal_mask, 1u << 2);
    assert_string_equal(got->created_at, "2020-01-02T03:04:05Z");
    assert_string_not_equal(got->updated_at, "2020-01-02T03:04:05Z");
    /* the relation tables follow the new row only */
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM case_goals"), 1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM case_tags"), 2);
    case_free(got);
    case_free(c);
}

static void test_same_id_twice_in_one_generation_is_eexists(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(f->cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(f->cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    assert_int_equal(catalog_upsert_case(f->cat, c, &w, NULL, NULL, NULL),
                     MINGA_OK);
    assert_int_equal(catalog_upsert_case(f->cat, c, &w, NULL, NULL, NULL),
                     MINGA_EEXISTS);
    assert_non_null(strstr(catalog_errmsg(f->cat), c->id));
    catalog_rollback(f->cat);
    case_free(c);
}

static void test_same_id_in_a_later_generation_is_an_update(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    int was_update = -1;
    assert_int_equal(write_case(f->cat, c, &was_update), MINGA_OK);
    assert_int_equal(was_update, 0);
    assert_int_equal(write_case(f->cat, c, &was_update), MINGA_OK);
    assert_int_equal(was_update, 1);
    assert_int_equal(catalog_count_cases(f->cat), 1);
    case_free(c);
}

static void test_rollback_leaves_nothing(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(f->cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(f->cat, &gen), MINGA_OK);
    assert_int_equal(gen, 1);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    assert_int_equal(catalog_upsert_case(f->cat, c, &w, NULL, NULL, NULL),
                     MINGA_OK);
    catalog_rollback(f->cat);
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(f->cat, c->id, 0, &got),
                     MINGA_ENOTFOUND);
    assert_int_equal(catalog_count_cases(f->cat), 0);
    assert_int_equal(catalog_generation(f->cat), 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM case_goals"), 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM revisions"), 0);
    case_free(c);
}

static void test_generation_grows_by_one_per_committed_write(void **state)
{
    struct fixture *f = *state;
    uint64_t gen = 0;
    for (uint64_t want = 1; want <= 3; want++) {
        assert_int_equal(catalog_begin(f->cat), MINGA_OK);
        assert_int_equal(catalog_next_generation(f->cat, &gen), MINGA_OK);
        assert_int_equal(gen, want);
        assert_int_equal(catalog_commit(f->cat), MINGA_OK);
        assert_int_equal(catalog_generation(f->cat), want);
    }
}

static void test_case_row_records_its_generation(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    assert_int_equal(query_int(f->cat, "SELECT generation FROM cases"), 2);
    case_free(c);
}

static void test_delete_removes_case_and_unknown_id_is_not_found(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(f->cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(f->cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    assert_int_equal(catalog_delete_case(f->cat, c->id, gen, &w), MINGA_OK);
    assert_int_equal(catalog_delete_case(f->cat, c->id, gen, &w),
                     MINGA_ENOTFOUND);
    assert_int_equal(catalog_commit(f->cat), MINGA_OK);
    assert_int_equal(catalog_count_cases(f->cat), 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM case_tags"), 0);
    case_free(c);
}

static void test_lenient_extra_fields_are_stored(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(f->cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(f->cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    assert_int_equal(catalog_upsert_case(f->cat, c, &w,
                                         "{\"intendente\":\"Lifschitz\"}",
                                         NULL, NULL),
                     MINGA_OK);
    assert_int_equal(catalog_commit(f->cat), MINGA_OK);
    char *extra = query_text(f->cat, "SELECT extra FROM cases");
    assert_string_equal(extra, "{\"intendente\":\"Lifschitz\"}");
    free(extra);
    case_free(c);
}

/* ---- attachment contents (schema 2): stored once, released with the last
 * case naming them, migrated from version 1 ---------------------------- */

#define REPORT_SHA                                                            \
    "5f1d0a2c9e8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f"
static const char report_text[] =
    "Informe anual. La feria de la Plaza Montenegro reúne cada sábado a "
    "las huerteras de los parques huerta.";

/* Writes a Rosario case with id `id` naming the report, in its own
 * transaction; the content's bytes and text are stored as the import
 * stores them, once whoever names them. */
static void write_case_naming_report(struct catalog *cat, const char *id)
{
    struct minga_case *c = rosario_case();
    case_set(&c->id, id);
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    assert_int_equal(catalog_upsert_case(cat, c, &w, NULL, NULL, NULL),
                     MINGA_OK);
    assert_int_equal(catalog_put_blob(cat, REPORT_SHA, "%PDF", 4), MINGA_OK);
    assert_int_equal(catalog_put_attachment_text(cat, REPORT_SHA, "text/plain",
                                                 report_text),
                     MINGA_OK);
    struct minga_attachment a = {"docs/informe.txt", REPORT_SHA, "text/plain",
                                 4, NULL};
    assert_int_equal(catalog_add_attachment(cat, id, 0, &a), MINGA_OK);
    assert_int_equal(catalog_commit(cat), MINGA_OK);
    case_free(c);
}

static void assert_case_has_report(struct catalog *cat, const char *id,
                                   int with_text)
{
    struct minga_case *got = NULL;
    assert_int_equal(catalog_get_case(cat, id, with_text, &got), MINGA_OK);
    assert_int_equal(got->n_attachments, 1);
    assert_string_equal(got->attachments[0].path, "docs/informe.txt");
    assert_string_equal(got->attachments[0].sha256, REPORT_SHA);
    assert_string_equal(got->attachments[0].media_type, "text/plain");
    assert_int_equal(got->attachments[0].size, 4);
    assert_string_equal(got->attachments[0].text,
                        with_text ? report_text : "");
    case_free(got);
}

/* A deletion that keeps the history (a tombstone), or a purge. */
static void delete_in_own_transaction(struct catalog *cat, const char *id,
                                      int is_purge)
{
    uint64_t gen = 0;
    assert_int_equal(catalog_begin(cat), MINGA_OK);
    assert_int_equal(catalog_next_generation(cat, &gen), MINGA_OK);
    struct catalog_write w = {.generation = gen, .by = "cli"};
    int n = 0;
    if (is_purge) {
        if (catalog_has_case(cat, id)) /* as minga_purge_case does */
            assert_int_equal(catalog_delete_case(cat, id, gen, NULL),
                             MINGA_OK);
        assert_int_equal(catalog_revision_purge(cat, id, "cli", &n), MINGA_OK);
        assert_true(n >= 1);
    } else {
        int rc = catalog_delete_case(cat, id, gen, &w);
        if (rc)
            print_error("%s\n", catalog_errmsg(cat));
        assert_int_equal(rc, MINGA_OK);
    }
    assert_int_equal(catalog_commit(cat), MINGA_OK);
}

static void test_cases_naming_one_content_share_one_copy(void **state)
{
    struct fixture *f = *state;
    write_case_naming_report(f->cat, "rosario-a");
    write_case_naming_report(f->cat, "rosario-b");
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM "
                                       "attachment_texts"),
                     1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM attachments"), 2);
    assert_case_has_report(f->cat, "rosario-a", 1);
    assert_case_has_report(f->cat, "rosario-b", 1);
    assert_case_has_report(f->cat, "rosario-b", 0);
    char *text = NULL;
    assert_int_equal(
        catalog_read_attachment_text(f->cat, REPORT_SHA, "text/plain", &text),
        MINGA_OK);
    assert_string_equal(text, report_text);
    free(text);
    assert_int_equal(
        catalog_read_attachment_text(f->cat, REPORT_SHA, "text/html", &text),
        MINGA_ENOTFOUND);
}

/* A content stays while a current case or any revision names it, and
 * goes with the purge of the last of them. */
static void test_content_goes_with_the_last_revision_naming_it(void **state)
{
    struct fixture *f = *state;
    write_case_naming_report(f->cat, "rosario-a");
    write_case_naming_report(f->cat, "rosario-b");
    delete_in_own_transaction(f->cat, "rosario-a", 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 1);
    assert_case_has_report(f->cat, "rosario-b", 1);
    /* replacing the last case naming it without the attachment: the
     * revision it was keeps it */
    struct minga_case *c = rosario_case();
    case_set(&c->id, "rosario-b");
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    case_free(c);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 1);
    struct minga_case *old = NULL;
    assert_int_equal(
        catalog_revision_get(f->cat, "rosario-b", 1, 1, &old, NULL), MINGA_OK);
    assert_int_equal(old->n_attachments, 1);
    assert_string_equal(old->attachments[0].sha256, REPORT_SHA);
    assert_string_equal(old->attachments[0].text, report_text);
    case_free(old);
    delete_in_own_transaction(f->cat, "rosario-a", 1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 1);
    delete_in_own_transaction(f->cat, "rosario-b", 1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM "
                                       "attachment_texts"),
                     0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM revisions"), 0);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM purges"), 2);
}

/* Create, update, delete: each a revision, each readable as it was. */
static void test_every_revision_reads_as_it_was(void **state)
{
    struct fixture *f = *state;
    struct minga_case *c = rosario_case();
    assert_int_equal(write_case(f->cat, c, NULL), MINGA_OK);
    char *first_title = strdup(c->title);
    case_set(&c->title, "Programa de Agricultura Urbana (segunda etapa)");
    c->year_end = 2023;
    int was_update = 0;
    assert_int_equal(write_case(f->cat, c, &was_update), MINGA_OK);
    assert_int_equal(was_update, 1);
    delete_in_own_transaction(f->cat, c->id, 0);

    json_t *list = catalog_revision_list(f->cat, c->id);
    assert_non_null(list);
    assert_int_equal(json_array_size(list), 3);
    const char *actions[] = {"create", "update", "delete"};
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(list, i);
        assert_int_equal(json_integer_value(json_object_get(r, "rev")),
                         (json_int_t)i + 1);
        assert_string_equal(json_string_value(json_object_get(r, "action")),
                            actions[i]);
        assert_string_equal(json_string_value(json_object_get(r, "by")),
                            "cli");
    }
    json_decref(list);

    struct minga_case *got = NULL;
    assert_int_equal(catalog_revision_get(f->cat, c->id, 1, 1, &got, NULL),
                     MINGA_OK);
    assert_string_equal(got->title, first_title);
    assert_int_equal(got->year_end, 2021);
    case_free(got);
    assert_int_equal(catalog_revision_get(f->cat, c->id, 2, 1, &got, NULL),
                     MINGA_OK);
    assert_string_equal(got->title, c->title);
    assert_int_equal(got->year_end, 2023);
    assert_string_equal(got->summary, c->summary);
    case_free(got);
    assert_int_equal(catalog_revision_get(f->cat, c->id, 3, 1, &got, NULL),
                     MINGA_ENOTFOUND);
    assert_int_equal(catalog_revision_get(f->cat, c->id, 4, 1, &got, NULL),
                     MINGA_ENOTFOUND);
    int last = 0;
    assert_int_equal(catalog_revision_last_content(f->cat, c->id, &last),
                     MINGA_OK);
    assert_int_equal(last, 2);
    free(first_title);
    case_free(c);
}

/* Turns the fixture's catalog back into the layout of schema version 1:
 * attachment text inline in each WITHOUT ROWID attachment row, no content
 * table, blobs never released. */
static void rewrite_as_version_1(struct catalog *cat)
{
    static const char sql[] =
        /* first what version 4 added, then version 3 */
        "DROP TABLE harvest_records; DROP TABLE harvest_sources;"
        "DROP TRIGGER attachments_release;"
        "DROP TRIGGER revision_attachments_release;"
        "DROP TRIGGER submission_attachments_release;"
        "DROP TABLE revisions; DROP TABLE revision_attachments;"
        "DROP TABLE purges; DROP TABLE submissions;"
        "DROP TABLE submission_cases; DROP TABLE submission_attachments;"
        "DELETE FROM meta WHERE key = 'review';"
        "ALTER TABLE tokens DROP COLUMN role;"
        "ALTER TABLE tokens DROP COLUMN countries;"
        "ALTER TABLE tokens DROP COLUMN cities;"
        "ALTER TABLE tokens DROP COLUMN expires_at;"
        "CREATE TABLE attachments_v1("
        "  case_rowid INTEGER NOT NULL REFERENCES cases(rowid)"
        "    ON DELETE CASCADE,"
        "  position INTEGER NOT NULL,"
        "  path TEXT NOT NULL,"
        "  sha256 TEXT NOT NULL REFERENCES blobs(sha256),"
        "  media_type TEXT NOT NULL,"
        "  size INTEGER NOT NULL,"
        "  text TEXT NOT NULL,"
        "  PRIMARY KEY(case_rowid, position)) WITHOUT ROWID;"
        "INSERT INTO attachments_v1 SELECT a.case_rowid, a.position, a.path,"
        "  a.sha256, a.media_type, a.size, t.text FROM attachments a"
        "  JOIN attachment_texts t USING(sha256, media_type);"
        "DROP TABLE attachments;"
        "DROP TABLE attachment_texts;"
        "ALTER TABLE attachments_v1 RENAME TO attachments;"
        "CREATE INDEX attachments_sha256 ON attachments(sha256);"
        /* a blob version 1 left behind when its case went */
        "INSERT INTO blobs VALUES('00', 2, x'0000');"
        "PRAGMA user_version = 1;";
    char *err = NULL;
    int rc = sqlite3_exec(catalog_db(cat), sql, NULL, NULL, &err);
    if (rc != SQLITE_OK)
        print_error("%s\n", err ? err : "?");
    assert_int_equal(rc, SQLITE_OK);
}

static void test_version_1_is_read_then_migrated(void **state)
{
    struct fixture *f = *state;
    write_case_naming_report(f->cat, "rosario-a");
    write_case_naming_report(f->cat, "rosario-b");
    rewrite_as_version_1(f->cat);
    catalog_close(f->cat);
    f->cat = NULL;
    char *err = NULL;
    /* a reader does not migrate, and reads version 1 as it is */
    struct catalog *reader = NULL;
    assert_int_equal(catalog_open(&reader, f->path, 1, &err), MINGA_OK);
    assert_int_equal(query_int(reader, "PRAGMA user_version"), 1);
    assert_case_has_report(reader, "rosario-a", 1);
    assert_case_has_report(reader, "rosario-b", 0);
    /* a writer migrates; the reader opened before it still reads */
    assert_int_equal(catalog_open(&f->cat, f->path, 0, &err), MINGA_OK);
    assert_int_equal(query_int(f->cat, "PRAGMA user_version"),
                     CATALOG_SCHEMA_VERSION);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM "
                                       "attachment_texts"),
                     1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 1);
    assert_case_has_report(f->cat, "rosario-a", 1);
    assert_case_has_report(f->cat, "rosario-b", 1);
    assert_case_has_report(reader, "rosario-a", 1);
    catalog_close(reader);
    /* each case became its revision 1 */
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM revisions "
                                       "WHERE rev = 1 AND action = 'create'"),
                     2);
    /* and the migrated catalog releases contents as version 2 does */
    delete_in_own_transaction(f->cat, "rosario-a", 1);
    delete_in_own_transaction(f->cat, "rosario-b", 1);
    assert_int_equal(query_int(f->cat, "SELECT count(*) FROM blobs"), 0);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_open_creates_the_current_schema_in_wal_mode),
        T(test_reopen_keeps_the_schema_and_the_cases),
        T(test_open_refuses_a_newer_schema),
        T(test_upsert_then_get_round_trips_every_field),
        T(test_absent_optional_fields_come_back_absent),
        T(test_get_of_unknown_id_is_not_found),
        T(test_update_replaces_fields_and_keeps_created_at),
        T(test_same_id_twice_in_one_generation_is_eexists),
        T(test_same_id_in_a_later_generation_is_an_update),
        T(test_rollback_leaves_nothing),
        T(test_generation_grows_by_one_per_committed_write),
        T(test_case_row_records_its_generation),
        T(test_delete_removes_case_and_unknown_id_is_not_found),
        T(test_lenient_extra_fields_are_stored),
        T(test_cases_naming_one_content_share_one_copy),
        T(test_content_goes_with_the_last_revision_naming_it),
        T(test_every_revision_reads_as_it_was),
        T(test_version_1_is_read_then_migrated),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
