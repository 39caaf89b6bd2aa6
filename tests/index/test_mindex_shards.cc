/*
 * Tests of the sharded index (index/mindex.cc): each test builds an index
 * of two shards (MINGA_INDEX_SHARDS=2) in a temporary folder through
 * mindex.h, then looks inside the shards with Xapian itself. C++ only to
 * reach Xapian; the checks are cmocka's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern "C" {
#include <cmocka.h>
}

#include <xapian.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <map>
#include <string>
#include <cmath>
#include <vector>

#include "mindex.h"

namespace
{

const int N_SHARDS = 2;
const int N_CASES = 50;

const char *const LANGS[] = {"es", "pt", "en"};
const char *const COUNTRIES[] = {"AR", "BR", "US", "UY"};
const char *const WORDS[] = {"huerta",  "presupuesto", "garden",  "budget",
                             "agua",    "bairro",      "transit", "vivienda",
                             "energia", "escola",      "market",  "bicicleta"};

/* The strings a test case points to. */
struct TestCase {
    std::string id, title, summary, body;
    struct minga_case c;
};

void make_case(TestCase *tc, int i, const char *extra)
{
    tc->id = "case-" + std::to_string(i);
    tc->title = std::string("Case ") + std::to_string(i) + " on " +
                WORDS[i % 12] + " and " + WORDS[(i * 7 + 3) % 12];
    tc->summary = std::string("A city works on ") + WORDS[(i + 5) % 12] +
                  " with its neighbours since " + std::to_string(1990 + i);
    tc->body = std::string("More about ") + WORDS[(i + 1) % 12] + " " +
               WORDS[(i + 2) % 12] + ". " + (extra ? extra : "");
    memset(&tc->c, 0, sizeof tc->c);
    tc->c.struct_size = sizeof tc->c;
    tc->c.id = tc->id.c_str();
    tc->c.title = tc->title.c_str();
    tc->c.summary = tc->summary.c_str();
    tc->c.body = tc->body.c_str();
    tc->c.language = LANGS[i % 3];
    tc->c.country = COUNTRIES[i % 4];
    tc->c.city = "Somewhere";
    tc->c.year_start = 1990 + i % 30;
    tc->c.goal_mask = 1u << (1 + i % 17);
    tc->c.level_mask = 1u << (i % 4);
    tc->c.actor_mask = 1u << (i % 6);
}

struct Fixture {
    char dir[64];
    struct mindex *writer = nullptr;
};

void put(struct mindex *ix, int i, const char *extra = nullptr)
{
    TestCase tc;
    char *errmsg = nullptr;
    make_case(&tc, i, extra);
    if (mindex_put_case(ix, &tc.c, &errmsg) != 0)
        fail_msg("put %d: %s", i, errmsg);
}

void commit(struct mindex *ix, uint64_t generation)
{
    char *errmsg = nullptr;
    if (mindex_commit(ix, generation, &errmsg) != 0)
        fail_msg("commit: %s", errmsg);
}

/* A fresh index of `shards` shards in a new folder, holding N_CASES. */
int build(Fixture *fx, int shards)
{
    char *errmsg = nullptr;
    strcpy(fx->dir, "/tmp/minga-test-shards-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    setenv("MINGA_INDEX_SHARDS", std::to_string(shards).c_str(), 1);
    int rc = mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg);
    unsetenv("MINGA_INDEX_SHARDS");
    if (rc != 0) {
        fprintf(stderr, "%s\n", errmsg);
        return -1;
    }
    for (int i = 0; i < N_CASES; i++)
        put(fx->writer, i);
    commit(fx->writer, 5);
    return 0;
}

int setup(void **state)
{
    Fixture *fx = new Fixture();
    if (build(fx, N_SHARDS) != 0)
        return -1;
    *state = fx;
    return 0;
}

void remove_tree(const char *dir)
{
    std::string cmd = std::string("rm -rf '") + dir + "'";
    if (system(cmd.c_str()) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

int teardown(void **state)
{
    Fixture *fx = (Fixture *)*state;
    mindex_close(fx->writer);
    remove_tree(fx->dir);
    delete fx;
    return 0;
}

std::string shard_dir(const Fixture *fx, int i)
{
    return std::string(fx->dir) + "/shard" + std::to_string(i);
}

/* Documents holding term, per shard, read with Xapian directly. */
std::vector<Xapian::doccount> termfreq_per_shard(const Fixture *fx,
                                                 const std::string &term)
{
    std::vector<Xapian::doccount> out;
    for (int i = 0; i < N_SHARDS; i++)
        out.push_back(Xapian::Database(shard_dir(fx, i)).get_termfreq(term));
    return out;
}

/* The shard holding a case id (-1 when none). */
int shard_of(const Fixture *fx, const std::string &id)
{
    std::vector<Xapian::doccount> tf = termfreq_per_shard(fx, "Q" + id);
    for (int i = 0; i < N_SHARDS; i++)
        if (tf[i])
            return i;
    return -1;
}

struct mindex *open_reader(const Fixture *fx)
{
    struct mindex *reader = nullptr;
    char *errmsg = nullptr;
    if (mindex_open(&reader, fx->dir, MINDEX_READ, &errmsg) != 0)
        fail_msg("open reader: %s", errmsg);
    return reader;
}

/* -- tests ------------------------------------------------------------- */

void test_layout_records_shard_count(void **state)
{
    Fixture *fx = (Fixture *)*state;
    FILE *f =
        fopen((std::string(fx->dir) + "/minga-index-shards").c_str(), "r");
    assert_non_null(f);
    int n = 0;
    assert_int_equal(fscanf(f, "minga-index-shards %d", &n), 1);
    fclose(f);
    assert_int_equal(n, N_SHARDS);
    /* reopening keeps the recorded count, whatever the environment says */
    mindex_close(fx->writer);
    char *errmsg = nullptr;
    setenv("MINGA_INDEX_SHARDS", "3", 1);
    int rc = mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg);
    unsetenv("MINGA_INDEX_SHARDS");
    assert_int_equal(rc, 0);
    assert_int_equal(access(shard_dir(fx, 2).c_str(), F_OK), -1);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
}

void test_cases_spread_over_shards(void **state)
{
    Fixture *fx = (Fixture *)*state;
    Xapian::doccount total = 0;
    for (int i = 0; i < N_SHARDS; i++) {
        Xapian::doccount n = Xapian::Database(shard_dir(fx, i)).get_doccount();
        assert_true(n > 0);
        total += n;
    }
    assert_int_equal(total, N_CASES);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
    struct mindex *reader = open_reader(fx);
    assert_int_equal(mindex_doccount(reader), N_CASES);
    int n_ids = 0;
    char *errmsg = nullptr;
    assert_int_equal(mindex_foreach_id(
                         reader,
                         [](void *arg, const char *) {
                             (*(int *)arg)++;
                             return 0;
                         },
                         &n_ids, &errmsg),
                     0);
    assert_int_equal(n_ids, N_CASES);
    mindex_close(reader);
}

void test_replaced_case_stays_in_its_shard(void **state)
{
    Fixture *fx = (Fixture *)*state;
    for (int i = 0; i < N_CASES; i += 7) {
        int before = shard_of(fx, "case-" + std::to_string(i));
        put(fx->writer, i, "now about beekeeping");
        commit(fx->writer, 6);
        std::vector<Xapian::doccount> tf =
            termfreq_per_shard(fx, "Qcase-" + std::to_string(i));
        assert_int_equal(tf[0] + tf[1], 1);
        assert_int_equal(shard_of(fx, "case-" + std::to_string(i)), before);
    }
    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
    std::vector<Xapian::doccount> bees = termfreq_per_shard(fx, "beekeeping");
    assert_int_equal(bees[0] + bees[1], (N_CASES + 6) / 7);
    /* removal finds the case in its shard */
    char *errmsg = nullptr;
    assert_int_equal(mindex_remove_case(fx->writer, "case-7", &errmsg), 0);
    commit(fx->writer, 7);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES - 1);
    assert_int_equal(shard_of(fx, "case-7"), -1);
}

void test_rollback_across_shards(void **state)
{
    Fixture *fx = (Fixture *)*state;
    char *errmsg = nullptr;
    std::vector<Xapian::doccount> before;
    for (int i = 0; i < N_SHARDS; i++)
        before.push_back(Xapian::Database(shard_dir(fx, i)).get_doccount());
    for (int i = N_CASES; i < N_CASES + 20; i++)
        put(fx->writer, i, "uncommitted xylophone");
    for (int i = 0; i < 10; i++)
        put(fx->writer, i, "uncommitted xylophone");
    assert_int_equal(mindex_remove_case(fx->writer, "case-11", &errmsg), 0);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES + 19);
    mindex_rollback(fx->writer);

    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
    for (int i = 0; i < N_SHARDS; i++) {
        Xapian::Database db(shard_dir(fx, i));
        assert_int_equal(db.get_doccount(), before[i]);
        assert_int_equal(db.get_termfreq("xylophone"), 0);
    }
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)"xylophone";
    q.limit = 10;
    struct mindex_results *r = nullptr;
    assert_int_equal(mindex_search(fx->writer, &q, &r, &errmsg), 0);
    assert_int_equal(r->n_hits, 0);
    mindex_results_free(r);
    /* the writer goes on after a rollback */
    put(fx->writer, N_CASES, "committed xylophone");
    commit(fx->writer, 6);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES + 1);
    assert_int_equal(mindex_generation(fx->writer), 6);
}

void test_generation_disagreement_is_a_mismatch(void **state)
{
    Fixture *fx = (Fixture *)*state;
    assert_int_equal(mindex_generation(fx->writer), 5);
    mindex_close(fx->writer);
    fx->writer = nullptr;
    {
        /* as if a crash came between the two shards' commits */
        Xapian::WritableDatabase db(shard_dir(fx, 1), Xapian::DB_OPEN);
        db.set_metadata("minga_generation", "6");
        db.commit();
    }
    struct mindex *reader = open_reader(fx);
    uint64_t g = mindex_generation(reader);
    assert_true(g == MINDEX_GENERATION_MIXED);
    assert_true(g != 5 && g != 6);
    mindex_close(reader);

    /* a rebuild's commit makes them agree again */
    char *errmsg = nullptr;
    assert_int_equal(mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg),
                     0);
    assert_true(mindex_generation(fx->writer) == MINDEX_GENERATION_MIXED);
    assert_int_equal(mindex_remove_all(fx->writer, &errmsg), 0);
    for (int i = 0; i < N_CASES; i++)
        put(fx->writer, i);
    commit(fx->writer, 5);
    assert_int_equal(mindex_generation(fx->writer), 5);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
}

/* Adds doc to db and commits it as generation `generation`, after
 * `delay_ms` (in a thread of its own when it is not 0). */
std::thread commit_later(Xapian::WritableDatabase &db,
                         const Xapian::Document &doc, const char *generation,
                         int delay_ms)
{
    return std::thread([&db, doc, generation, delay_ms]() {
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        db.add_document(doc);
        db.set_metadata("minga_generation", generation);
        db.commit();
    });
}

/* A reader that opens between two shards' commits (a writer commits them
 * in parallel, so it can) waits for the other one instead of searching
 * part of an import. */
void test_reader_waits_for_a_commit_half_done(void **state)
{
    Fixture *fx = (Fixture *)*state;
    mindex_close(fx->writer);
    fx->writer = nullptr;
    Xapian::WritableDatabase db0(shard_dir(fx, 0), Xapian::DB_OPEN);
    Xapian::WritableDatabase db1(shard_dir(fx, 1), Xapian::DB_OPEN);
    Xapian::Document d0, d1;
    d0.add_boolean_term("Qhalf-0");
    d1.add_boolean_term("Qhalf-1");
    /* generation 6 adds one document to each shard: shard 0 first, shard
     * 1 100 ms later */
    commit_later(db0, d0, "6", 0).join();
    std::thread late = commit_later(db1, d1, "6", 100);
    struct mindex *reader = open_reader(fx);
    late.join();
    /* the whole of generation 6, not shard 0's half */
    assert_int_equal(mindex_generation(reader), 6);
    assert_int_equal(mindex_doccount(reader), N_CASES + 2);

    /* a reader open at 6 that reopens in the middle of 7 waits too */
    commit_later(db0, d0, "7", 0).join();
    late = commit_later(db1, d1, "7", 100);
    char *errmsg = nullptr;
    assert_int_equal(mindex_reopen(reader, &errmsg), 0);
    late.join();
    assert_int_equal(mindex_generation(reader), 7);
    assert_int_equal(mindex_doccount(reader), N_CASES + 4);
    mindex_close(reader);
}

void test_worker_error_comes_back_with_case_id(void **state)
{
    Fixture *fx = (Fixture *)*state;
    char *errmsg = nullptr;
    TestCase tc;
    make_case(&tc, 3, "changed");
    /* Xapian refuses terms over 245 bytes: only the worker finds out */
    std::string target(300, '1');
    const char *targets[] = {target.c_str()};
    tc.c.targets = targets;
    tc.c.n_targets = 1;
    assert_int_equal(mindex_put_case(fx->writer, &tc.c, &errmsg), 0);
    int rc = mindex_commit(fx->writer, 6, &errmsg);
    assert_true(rc < 0);
    assert_non_null(errmsg);
    assert_non_null(strstr(errmsg, "case-3"));
    free(errmsg);
    errmsg = nullptr;
    /* nothing was committed, and the writer is usable again */
    assert_int_equal(mindex_generation(fx->writer), 5);
    put(fx->writer, 3, "changed");
    commit(fx->writer, 6);
    assert_int_equal(mindex_generation(fx->writer), 6);
    assert_int_equal(mindex_doccount(fx->writer), N_CASES);
}

/* The spelling data of one Xapian database, as written: word ->
 * frequency. */
std::map<std::string, Xapian::termcount> spelling_in(const std::string &dir)
{
    std::map<std::string, Xapian::termcount> out;
    Xapian::Database db(dir);
    for (auto s = db.spellings_begin(); s != db.spellings_end(); ++s)
        out[*s] = s.get_termfreq();
    return out;
}

/* The index's spelling database. */
std::string spelling_dir(const Fixture *fx)
{
    return std::string(fx->dir) + "/spelling";
}

std::map<std::string, Xapian::termcount> spelling_of(const Fixture *fx)
{
    return spelling_in(spelling_dir(fx));
}

/* What the spelling data must be: one per occurrence of each unprefixed
 * word (of two bytes or more) in the shards' documents, as Xapian's
 * FLAG_SPELLING counted them. */
std::map<std::string, Xapian::termcount> occurrences_in(const Fixture *fx)
{
    std::map<std::string, Xapian::termcount> out;
    Xapian::Database db;
    for (int s = 0; s < N_SHARDS; s++)
        db.add_database(Xapian::Database(shard_dir(fx, s)));
    for (auto d = db.postlist_begin(""); d != db.postlist_end(""); ++d) {
        Xapian::Document doc = db.get_document(*d);
        for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
            const std::string &term = *t;
            if (term.size() <= 1 || (term[0] >= 'A' && term[0] <= 'Z'))
                continue;
            out[term] += t.positionlist_count();
        }
    }
    return out;
}

void assert_spelling_in_step(const Fixture *fx)
{
    auto have = spelling_of(fx), want = occurrences_in(fx);
    for (const auto &w : want) {
        auto it = have.find(w.first);
        if (it == have.end() || it->second != w.second)
            fail_msg("\"%s\" occurs %u times, spelling data says %u",
                     w.first.c_str(), (unsigned)w.second,
                     it == have.end() ? 0u : (unsigned)it->second);
    }
    for (const auto &h : have)
        if (!want.count(h.first))
            fail_msg("spelling data holds \"%s\" (%u), no case does",
                     h.first.c_str(), (unsigned)h.second);
    /* the shards hold none: their writers leave it to the speller */
    for (int s = 0; s < N_SHARDS; s++)
        if (!spelling_in(shard_dir(fx, s)).empty())
            fail_msg("shard %d holds spelling data", s);
}

/* The shards count spelling data themselves and hand it to the spelling
 * database's worker in batches: across batches, replacements and removals in the same
 * transaction, a rollback and remove_all, it stays one per occurrence. */
void test_spelling_data_counts_occurrences(void **state)
{
    Fixture *fx = (Fixture *)*state;
    char *errmsg = nullptr;
    assert_spelling_in_step(fx);

    /* more cases than one flush holds, in each shard */
    const int N_BIG = 4600;
    for (int i = N_CASES; i < N_BIG; i++)
        put(fx->writer, i, i % 10 == 0 ? "zanahorias zanahorias" : nullptr);
    /* replace and remove, both cases put in this batch (some already
     * flushed, some not) and committed ones */
    for (int i : {3, 60, 61, 2100, 4500, 4599})
        put(fx->writer, i, "pepinos");
    for (int i : {4, 70, 2101, 4590})
        assert_int_equal(
            mindex_remove_case(fx->writer,
                               ("case-" + std::to_string(i)).c_str(), &errmsg),
            0);
    commit(fx->writer, 6);
    assert_spelling_in_step(fx);
    assert_int_equal(spelling_of(fx)["pepinos"], 6);

    /* a rolled back batch leaves no trace */
    for (int i = 0; i < 2500; i++)
        put(fx->writer, i, "calabazas");
    mindex_rollback(fx->writer);
    commit(fx->writer, 7);
    assert_spelling_in_step(fx);
    assert_int_equal(spelling_of(fx).count("calabazas"), 0);

    /* remove_all takes everything, pending or written */
    for (int i = 0; i < 100; i++)
        put(fx->writer, i, "berenjenas");
    assert_int_equal(mindex_remove_all(fx->writer, &errmsg), 0);
    put(fx->writer, 1, "tomates");
    commit(fx->writer, 8);
    assert_spelling_in_step(fx);
    assert_int_equal(spelling_of(fx).count("berenjenas"), 0);
    assert_int_equal(spelling_of(fx)["tomates"], 1);
}

/* What WANT_* asks of a search. */
enum {
    WANT_FACETS = 1,
    WANT_SNIPPETS = 2,
    WANT_SPELLING = 4
};

/* Runs a query; fails the test on an error. */
struct mindex_results *run_search(struct mindex *ix, const char *text,
                                  unsigned limit, int wants,
                                  uint32_t goal_mask = 0)
{
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)text;
    q.limit = limit;
    q.want_facets = (wants & WANT_FACETS) != 0;
    q.want_snippets = (wants & WANT_SNIPPETS) != 0;
    q.want_spelling = (wants & WANT_SPELLING) != 0;
    q.goal_mask = goal_mask;
    struct mindex_results *r = nullptr;
    char *errmsg = nullptr;
    if (mindex_search(ix, &q, &r, &errmsg) != 0)
        fail_msg("search '%s': %s", text, errmsg);
    return r;
}

/* Xapian 1.4 reads a combined Database's synonyms and spelling data from
 * every database in it: the thesaurus can live in shard 0 alone, the
 * spelling data in the spelling database (and, in folders made before it,
 * in the shards). */
void test_combined_database_reads_synonyms_and_spelling(void **state)
{
    Fixture *fx = (Fixture *)*state;
    char *errmsg = nullptr;
    const char th[] = "es: huerta | en: garden\n";
    assert_int_equal(mindex_set_thesaurus(fx->writer, th, strlen(th), &errmsg),
                     0);
    /* a word only one case holds, in shard 1 */
    int i = 0;
    while (shard_of(fx, "case-" + std::to_string(i)) != 1)
        i++;
    put(fx->writer, i, "zanahorias");
    commit(fx->writer, 6);

    Xapian::Database all;
    for (int s = 0; s < N_SHARDS; s++)
        all.add_database(Xapian::Database(shard_dir(fx, s)));
    all.add_database(Xapian::Database(spelling_dir(fx)));
    assert_true(Xapian::Database(shard_dir(fx, 0)).synonym_keys_begin() !=
                Xapian::Database(shard_dir(fx, 0)).synonym_keys_end());
    assert_true(Xapian::Database(shard_dir(fx, 1)).synonym_keys_begin() ==
                Xapian::Database(shard_dir(fx, 1)).synonym_keys_end());
    int n_synonyms = 0;
    for (auto s = all.synonyms_begin("huert"); s != all.synonyms_end("huert");
         ++s)
        n_synonyms++;
    assert_int_equal(n_synonyms, 1);
    assert_string_equal(all.get_spelling_suggestion("zanahoria").c_str(),
                        "zanahorias");
    for (int s = 0; s < N_SHARDS; s++)
        assert_string_equal(Xapian::Database(shard_dir(fx, s))
                                .get_spelling_suggestion("zanahoria")
                                .c_str(),
                            "");
    /* and through the API */
    struct mindex *reader = open_reader(fx);
    struct mindex_results *r =
        run_search(reader, "zanahoriaz", 10, WANT_SPELLING);
    assert_non_null(r->suggestion);
    assert_string_equal(r->suggestion, "zanahorias");
    mindex_results_free(r);
    mindex_close(reader);
}

/* What one query returns, for comparing two indexes. */
std::string describe(struct mindex *ix, const char *text, int facets,
                     uint32_t goal_mask)
{
    /* all: ties rank by docid, which differs */
    struct mindex_results *r =
        run_search(ix, text, N_CASES + 10,
                   WANT_SNIPPETS | (facets ? WANT_FACETS : 0), goal_mask);
    std::string out = "total " + std::to_string(r->total) + ":";
    /* equal scores come in docid order, and docids differ between the
     * layouts: order by score, then id */
    std::vector<std::pair<std::string, std::string>> hits;
    for (size_t i = 0; i < r->n_hits; i++) {
        char score[32];
        snprintf(score, sizeof score, "%.6f", r->hits[i].score);
        std::string key =
            text[0] ? std::string(score) + r->hits[i].id : std::to_string(i);
        hits.emplace_back(key,
                          std::string(" ") + r->hits[i].id + "/" + score +
                              "/" + std::to_string(r->hits[i].percent) + "/" +
                              (r->hits[i].snippet ? r->hits[i].snippet : ""));
    }
    std::sort(hits.begin(), hits.end(), [](const auto &a, const auto &b) {
        return a.first.size() != b.first.size()
                   ? a.first.size() > b.first.size()
                   : a.first > b.first;
    });
    for (const auto &h : hits)
        out += h.second;
    for (int g = 1; g <= 17; g++)
        out += " g" + std::to_string(r->goal_counts[g]);
    for (size_t i = 0; i < r->n_countries; i++)
        out += std::string(" ") + r->countries[i].key + "=" +
               std::to_string(r->countries[i].count);
    mindex_results_free(r);
    return out;
}

void test_search_same_as_one_database(void **state)
{
    Fixture *fx = (Fixture *)*state;
    Fixture one;
    assert_int_equal(build(&one, 1), 0);
    struct mindex *sharded = open_reader(fx), *single = open_reader(&one);
    const char *queries[] = {"",
                             "garden",
                             "huertas",
                             "\"more about\"",
                             "budget transit",
                             "agua -bairro",
                             "neighbours 1995",
                             "energia market"};
    for (const char *text : queries) {
        for (int facets = 0; facets <= 1; facets++) {
            std::string a = describe(sharded, text, facets, 0);
            std::string b = describe(single, text, facets, 0);
            if (a != b)
                fail_msg("'%s': sharded %s\nsingle %s", text, a.c_str(),
                         b.c_str());
        }
        std::string a = describe(sharded, text, 1, 1u << 3);
        std::string b = describe(single, text, 1, 1u << 3);
        assert_string_equal(a.c_str(), b.c_str());
    }
    mindex_close(sharded);
    mindex_close(single);
    mindex_close(one.writer);
    remove_tree(one.dir);
}

/* A query through a thesaurus group (the translations' OP_SYNONYM, scaled,
 * beside the own words: no OP_MAX, whose 1.4.22 bug crashed get_mset over
 * several databases) ranks the same over two shards as over one: same
 * ids in the same order, same scores and totals. The groups are lines of
 * data/thesaurus.txt; cases use each language's word, in both shards. */
void test_thesaurus_search_same_as_one_database(void **state)
{
    Fixture *fx = (Fixture *)*state;
    Fixture one;
    assert_int_equal(build(&one, 1), 0);
    const char th[] =
        "es: saneamiento | pt: saneamento | en: sanitation\n"
        "es: residuos | es: basura | pt: resíduos | pt: lixo | en: waste "
        "| en: garbage | en: rubbish\n";
    const char *extras[] = {"saneamiento",
                            "saneamento",
                            "sanitation",
                            "saneamiento y residuos",
                            "lixo e saneamento",
                            "waste",
                            "basura",
                            "garbage sanitation"};
    const int n_extras = (int)(sizeof extras / sizeof extras[0]);
    struct mindex *writers[] = {fx->writer, one.writer};
    for (struct mindex *w : writers) {
        char *errmsg = nullptr;
        assert_int_equal(mindex_set_thesaurus(w, th, strlen(th), &errmsg), 0);
        /* twice over: each word lands in both shards */
        for (int i = 0; i < 2 * n_extras; i++)
            put(w, N_CASES + i, extras[i % n_extras]);
        commit(w, 6);
    }
    bool in_shard[2] = {false, false};
    for (int i = 0; i < 2 * n_extras; i++)
        in_shard[shard_of(fx, "case-" + std::to_string(N_CASES + i))] = true;
    assert_true(in_shard[0] && in_shard[1]);

    struct mindex *sharded = open_reader(fx), *single = open_reader(&one);
    const char *queries[] = {"saneamiento",
                             "saneamento",
                             "sanitation",
                             "residuos",
                             "lixo",
                             "saneamiento residuos",
                             "\"agua\" saneamiento"};
    for (const char *text : queries) {
        struct mindex_results *a = run_search(sharded, text, 100, 0);
        struct mindex_results *b = run_search(single, text, 100, 0);
        /* the group reaches every language's cases */
        if (!strcmp(text, "sanitation") || !strcmp(text, "saneamento"))
            assert_int_equal(a->total, 12);
        if (!strcmp(text, "lixo"))
            assert_int_equal(a->total, 10);
        assert_true(a->total >= (uint64_t)4);
        assert_int_equal(a->total, b->total);
        assert_int_equal(a->n_hits, b->n_hits);
        for (size_t i = 0; i < a->n_hits; i++) {
            if (strcmp(a->hits[i].id, b->hits[i].id) != 0 &&
                a->hits[i].score != b->hits[i].score)
                fail_msg("'%s' hit %zu: sharded %s (%f), single %s (%f)", text,
                         i, a->hits[i].id, a->hits[i].score, b->hits[i].id,
                         b->hits[i].score);
            assert_true(fabs(a->hits[i].score - b->hits[i].score) < 1e-9);
        }
        mindex_results_free(a);
        mindex_results_free(b);
        for (int facets = 0; facets <= 1; facets++) {
            std::string da = describe(sharded, text, facets, 0);
            std::string db = describe(single, text, facets, 0);
            if (da != db)
                fail_msg("'%s': sharded %s\nsingle %s", text, da.c_str(),
                         db.c_str());
        }
    }
    mindex_close(sharded);
    mindex_close(single);
    mindex_close(one.writer);
    remove_tree(one.dir);
}

/* The suggestion a reader of fx's index gives for `typed`; "" for none. */
std::string suggestion_for(const Fixture *fx, const char *typed)
{
    struct mindex *reader = open_reader(fx);
    struct mindex_results *r = run_search(reader, typed, 10, WANT_SPELLING);
    std::string out = r->suggestion ? r->suggestion : "";
    mindex_results_free(r);
    mindex_close(reader);
    return out;
}

/* A folder made before the spelling database kept its spelling data in
 * the shards: readers still suggest from it, and a writer adds the
 * spelling database beside it. */
void test_older_folder_keeps_spelling_in_shards(void **state)
{
    Fixture *fx = (Fixture *)*state;
    mindex_close(fx->writer);
    fx->writer = nullptr;
    {
        Xapian::WritableDatabase shard(shard_dir(fx, 1), Xapian::DB_OPEN);
        shard.add_spelling("zanahorias", 3);
        shard.commit();
    }
    remove_tree(spelling_dir(fx).c_str());
    assert_string_equal(suggestion_for(fx, "zanahoriaz").c_str(),
                        "zanahorias");

    char *errmsg = nullptr;
    assert_int_equal(mindex_open(&fx->writer, fx->dir, MINDEX_WRITE, &errmsg),
                     0);
    put(fx->writer, N_CASES, "pepinos");
    commit(fx->writer, 6);
    assert_int_equal(spelling_of(fx)["pepinos"], 1);
    assert_string_equal(suggestion_for(fx, "zanahoriaz").c_str(),
                        "zanahorias");
    assert_string_equal(suggestion_for(fx, "pepinoz").c_str(), "pepinos");
}

struct mindex_results *search_facets(struct mindex *ix, const char *text,
                                     uint32_t goal_mask)
{
    return run_search(ix, text, 10, WANT_FACETS, goal_mask);
}

void assert_near(uint64_t have, double want, double tolerance)
{
    if (have < want * (1 - tolerance) || have > want * (1 + tolerance))
        fail_msg("%llu is not within %.0f%% of %.1f", (unsigned long long)have,
                 tolerance * 100, want);
}

/* Checks (and frees) the estimated counts of a search that matched all
 * n cases of a fixture, which hold one goal and country each in turn. */
void assert_estimated_spread(struct mindex_results *r, int n)
{
    assert_int_equal(r->is_estimate, 1);
    assert_near(r->total, n, 0.02);
    for (int g = 1; g <= 17; g++)
        assert_near(r->goal_counts[g], n / 17.0, 0.05);
    assert_int_equal(r->n_countries, 4);
    for (size_t i = 0; i < r->n_countries; i++)
        assert_near(r->countries[i].count, n / 4.0, 0.05);
    assert_int_equal(r->n_languages, 3);
    mindex_results_free(r);
}

/* A reader counts every match of a large match set exactly (from the
 * posting lists, through its facet table); a writer, past
 * MINDEX_FACET_EXACT_MAX matches, estimates the counts from the first
 * ones and says so. The same index serves mindex_match_ids, which must
 * give more than a search's QUERY_MAX_LIMIT. */
/* Over `shards` shards: the counts below are the same, being the
 * catalog's, however the documents are spread. */
void check_large_match_sets(int shards)
{
    Fixture one;
    assert_int_equal(build(&one, shards), 0);
    const int N = 2 * MINDEX_FACET_EXACT_MAX + 500;
    /* words every case holds, as translations of one another */
    const char th[] = "en: works | en: neighbours | en: since\n";
    char *errmsg = nullptr;
    assert_int_equal(mindex_set_thesaurus(one.writer, th, strlen(th), &errmsg),
                     0);
    for (int i = N_CASES; i < N; i++)
        put(one.writer, i);
    commit(one.writer, 6);
    struct mindex *reader = open_reader(&one);

    /* every case holds "city": one goal, country, language each, in turn */
    struct mindex_results *r = search_facets(reader, "city", 0);
    assert_int_equal(r->is_estimate, 0);
    assert_int_equal(r->total, N);
    for (int g = 1; g <= 17; g++)
        assert_int_equal(r->goal_counts[g], N / 17 + (g - 1 < N % 17));
    assert_int_equal(r->n_countries, 4);
    for (size_t i = 0; i < r->n_countries; i++) {
        int c =
            (int)(std::find_if(std::begin(COUNTRIES), std::end(COUNTRIES),
                               [&](const char *code) {
                                   return !strcmp(code, r->countries[i].key);
                               }) -
                  std::begin(COUNTRIES));
        assert_int_equal(r->countries[i].count, N / 4 + (c < N % 4));
    }
    assert_int_equal(r->n_languages, 3);
    mindex_results_free(r);
    assert_estimated_spread(search_facets(one.writer, "city", 0), N);
    /* reading every posting list of a word and its translations would
     * cost more than the spy: a reader reads those of the first docids
     * and estimates from them, as a writer's spy does */
    assert_estimated_spread(search_facets(reader, "works", 0), N);

    /* goal 3 alone: i % 17 == 2, fewer than the limit, counted exactly */
    uint64_t want = 0;
    for (int i = 0; i < N; i++)
        want += i % 17 == 2;
    r = search_facets(reader, "city", 1u << 3);
    assert_int_equal(r->is_estimate, 0);
    assert_int_equal(r->total, want);
    assert_int_equal(r->goal_counts[3], want);
    uint64_t in_countries = 0;
    for (size_t i = 0; i < r->n_countries; i++)
        in_countries += r->countries[i].count;
    assert_int_equal(in_countries, want);
    mindex_results_free(r);

    /* an export's selection: every match, past a search's cap, in the
     * search's order, from an offset */
    struct minga_query q;
    memset(&q, 0, sizeof q);
    q.text = (char *)"city";
    char **ids = nullptr;
    size_t n = 0;
    assert_int_equal(mindex_match_ids(reader, &q, &ids, &n, &errmsg), 0);
    assert_int_equal(n, N);
    assert_true(n > QUERY_MAX_LIMIT);
    r = run_search(reader, "city", 10, 0);
    for (size_t i = 0; i < r->n_hits; i++)
        assert_string_equal(ids[i], r->hits[i].id);
    mindex_results_free(r);
    q.offset = 1000;
    q.limit = 5;
    char **page = nullptr;
    size_t n_page = 0;
    assert_int_equal(mindex_match_ids(reader, &q, &page, &n_page, &errmsg), 0);
    assert_int_equal(n_page, 5);
    for (size_t i = 0; i < n_page; i++)
        assert_string_equal(page[i], ids[1000 + i]);
    mindex_ids_free(page, n_page);
    mindex_ids_free(ids, n);
    /* a listing (no text) of one goal: all of it, newest first */
    q.text = (char *)"";
    q.offset = 0;
    q.limit = 0;
    q.goal_mask = 1u << 3;
    assert_int_equal(mindex_match_ids(reader, &q, &ids, &n, &errmsg), 0);
    assert_int_equal(n, want);
    r = run_search(reader, "", 10, 0, 1u << 3);
    assert_int_equal(r->n_hits, 10);
    for (size_t i = 0; i < r->n_hits; i++)
        assert_string_equal(ids[i], r->hits[i].id);
    mindex_results_free(r);
    mindex_ids_free(ids, n);

    mindex_close(reader);
    mindex_close(one.writer);
    remove_tree(one.dir);
}

void test_large_match_sets_estimate_facets(void **state)
{
    (void)state;
    check_large_match_sets(1);
}

/* the facet table and the match-set path over two shards' interleaved
 * docids: exact where one shard is exact, estimated alike where not */
void test_large_match_sets_over_two_shards(void **state)
{
    (void)state;
    check_large_match_sets(2);
}

void test_single_database_folder_opens_as_one_shard(void **state)
{
    (void)state;
    Fixture fx;
    assert_int_equal(build(&fx, 1), 0);
    mindex_close(fx.writer);
    fx.writer = nullptr;
    /* the layout before shards: the database files in the folder itself */
    std::string cmd = std::string("cd '") + fx.dir +
                      "' && mv shard0/* . && rmdir shard0 && "
                      "rm minga-index-shards";
    assert_int_equal(system(cmd.c_str()), 0);
    struct mindex *reader = open_reader(&fx);
    assert_int_equal(mindex_doccount(reader), N_CASES);
    assert_int_equal(mindex_generation(reader), 5);
    mindex_close(reader);
    char *errmsg = nullptr;
    assert_int_equal(mindex_open(&fx.writer, fx.dir, MINDEX_WRITE, &errmsg),
                     0);
    put(fx.writer, N_CASES);
    commit(fx.writer, 6);
    assert_int_equal(mindex_doccount(fx.writer), N_CASES + 1);
    assert_int_equal(access((std::string(fx.dir) + "/shard0").c_str(), F_OK),
                     -1);
    mindex_close(fx.writer);
    remove_tree(fx.dir);
}

} /* namespace */

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_layout_records_shard_count),
        T(test_cases_spread_over_shards),
        T(test_replaced_case_stays_in_its_shard),
        T(test_rollback_across_shards),
        T(test_generation_disagreement_is_a_mismatch),
        T(test_reader_waits_for_a_commit_half_done),
        T(test_worker_error_comes_back_with_case_id),
        T(test_combined_database_reads_synonyms_and_spelling),
        T(test_spelling_data_counts_occurrences),
        T(test_search_same_as_one_database),
        T(test_thesaurus_search_same_as_one_database),
        T(test_older_folder_keeps_spelling_in_shards),
        cmocka_unit_test(test_single_database_folder_opens_as_one_shard),
        cmocka_unit_test(test_large_match_sets_estimate_facets),
        cmocka_unit_test(test_large_match_sets_over_two_shards),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
