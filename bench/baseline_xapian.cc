/*
 * baseline_xapian: what one thread of plain Xapian does with the same
 * corpus and the same queries as minga, written as directly as possible:
 * the ceiling minga's index shim is measured against.
 *
 *   baseline_xapian index  --jsonl cases.jsonl --db DIR [--no-spelling]
 *   baseline_xapian search --db DIR --queries queries.tsv [--rounds R]
 *                          [--warmup W] [--full] [--label L]
 *
 * Indexing mirrors index/mindex.cc: text folded (minga_text's text_fold:
 * NFKD, marks stripped, case folded), a TermGenerator with the case's
 * language stemmer (STEM_SOME: "Z" + stem, unstemmed terms with
 * positions), spelling data, the same fields with the same wdf steps and a
 * gap of 100 positions between them, the same boolean terms (XG, XT, XL,
 * XA, XC, XN, Q) and values (years, packed facets, id), the snippet text
 * as document data; attachments (paths relative to the JSONL) are read
 * and indexed like the body. One thread, one transaction, one commit. It
 * adds documents (no replace, no spelling bookkeeping for replaced ones).
 *
 * Searching builds the query minga builds for plain words: each word
 * matches its folded term or "Z" + its stem under es, pt and en; words
 * AND-ed (OR-ed again when that finds nothing and there are two or more);
 * the goal as a boolean filter term; 10 hits; snippets with
 * MSet::snippet. --full adds what minga's /api/search also does: facet
 * counts over the whole match set (check_at_least = doccount and a match
 * spy decoding the packed facet value) and a spelling check of each word.
 */
#include <xapian.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include <jansson.h>

#include "bench_util.h"
extern "C" {
#include "textfold.h"
}

enum {
    SLOT_YEAR_START = 0,
    SLOT_YEAR_END = 1,
    SLOT_FACETS = 2,
    SLOT_ID = 3
};
static const Xapian::termpos FIELD_GAP = 100;
static const size_t SNIPPET_SOURCE_MAX = 8192;

static std::string fold(const char *s)
{
    if (!s || !*s)
        return std::string();
    char *f = text_fold(s, strlen(s));
    if (!f) {
        fprintf(stderr, "baseline_xapian: invalid UTF-8\n");
        exit(1);
    }
    std::string out(f);
    free(f);
    return out;
}

static const char *jstr(json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static std::string read_file(const std::string &path)
{
    FILE *f = fopen(path.c_str(), "rb");
    if (!f) {
        fprintf(stderr, "baseline_xapian: %s: cannot open\n", path.c_str());
        exit(1);
    }
    std::string out;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        out.append(buf, n);
    fclose(f);
    return out;
}

static uint32_t goal_mask_of(json_t *c)
{
    uint32_t mask = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c, "sdg_goals"), i, v) mask |=
        1u << json_integer_value(v);
    return mask;
}

static int cmd_index(const char *jsonl, const char *dir, bool spelling)
{
    std::string base = jsonl;
    size_t slash = base.rfind('/');
    base =
        slash == std::string::npos ? std::string(".") : base.substr(0, slash);
    FILE *in = fopen(jsonl, "r");
    if (!in) {
        fprintf(stderr, "baseline_xapian: %s: cannot open\n", jsonl);
        return 1;
    }
    uint64_t t0 = bench_now_ns();
    Xapian::WritableDatabase db(dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    tg.set_database(db);
    if (spelling)
        tg.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
    tg.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
    std::map<std::string, Xapian::Stem> stems;
    db.begin_transaction(false);

    static const char *const levels[] = {"local", "regional", "national",
                                         "multilateral"};
    static const char *const actors[] = {
        "public_sector", "civil_society", "private_sector",
        "academia",      "community",     "international_organization"};
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    size_t n = 0;
    while ((len = getline(&line, &cap, in)) > 0) {
        json_error_t err;
        json_t *c = json_loadb(line, (size_t)len, 0, &err);
        if (!c) {
            fprintf(stderr, "baseline_xapian: line %zu: %s\n", n + 1,
                    err.text);
            return 1;
        }
        const std::string lang = jstr(c, "language");
        auto st = stems.find(lang);
        if (st == stems.end())
            st = stems.emplace(lang, Xapian::Stem(lang)).first;
        Xapian::Document doc;
        tg.set_document(doc);
        tg.set_stemmer(st->second);
        auto field = [&](const char *text, Xapian::termcount inc) {
            if (text && *text) {
                tg.index_text(fold(text), inc);
                tg.increase_termpos(FIELD_GAP);
            }
        };
        field(jstr(c, "title"), 5);
        size_t i;
        json_t *v;
        json_array_foreach(json_object_get(c, "tags"), i, v)
            field(json_string_value(v), 3);
        field(jstr(c, "city"), 2);
        field(jstr(c, "region"), 2);
        field(jstr(c, "summary"), 2);
        field(jstr(c, "body"), 1);
        json_array_foreach(json_object_get(c, "attachments"), i, v)
            field(read_file(base + "/" + json_string_value(v)).c_str(), 1);

        uint32_t goals = goal_mask_of(c);
        for (int g = 1; g <= 17; g++)
            if (goals & (1u << g))
                doc.add_boolean_term("XG" + std::to_string(g));
        json_array_foreach(json_object_get(c, "sdg_targets"), i, v)
            doc.add_boolean_term(std::string("XT") + json_string_value(v));
        uint32_t level_mask = 0, actor_mask = 0;
        json_array_foreach(json_object_get(c, "levels"), i, v)
        {
            doc.add_boolean_term(std::string("XL") + json_string_value(v));
            for (int b = 0; b < 4; b++)
                if (strcmp(levels[b], json_string_value(v)) == 0)
                    level_mask |= 1u << b;
        }
        json_array_foreach(json_object_get(c, "actors"), i, v)
        {
            doc.add_boolean_term(std::string("XA") + json_string_value(v));
            for (int b = 0; b < 6; b++)
                if (strcmp(actors[b], json_string_value(v)) == 0)
                    actor_mask |= 1u << b;
        }
        const std::string country = jstr(c, "country");
        const std::string id = jstr(c, "id");
        doc.add_boolean_term("XC" + country);
        doc.add_boolean_term("XN" + lang);
        doc.add_boolean_term("Q" + id);

        int ys = (int)json_integer_value(json_object_get(c, "year_start"));
        json_t *ye_j = json_object_get(c, "year_end");
        int ye = ye_j ? (int)json_integer_value(ye_j) : ys;
        doc.add_value(SLOT_YEAR_START, Xapian::sortable_serialise(ys));
        doc.add_value(SLOT_YEAR_END, Xapian::sortable_serialise(ye));
        std::string facets;
        for (int b = 0; b < 4; b++)
            facets += (char)((goals >> (8 * b)) & 0xff);
        facets += (char)level_mask;
        facets += (char)actor_mask;
        facets += (char)country.size();
        facets += country + lang;
        doc.add_value(SLOT_FACETS, facets);
        doc.add_value(SLOT_ID, id);

        /* data: id, title, language, then the snippet source */
        std::string text = jstr(c, "summary");
        const char *body = jstr(c, "body");
        if (body) {
            text += "\n";
            text += body;
        }
        if (text.size() > SNIPPET_SOURCE_MAX)
            text.resize(SNIPPET_SOURCE_MAX);
        std::string data =
            id + '\0' + jstr(c, "title") + '\0' + lang + '\0' + text;
        doc.set_data(data);
        db.add_document(doc);
        json_decref(c);
        n++;
    }
    free(line);
    fclose(in);
    db.commit_transaction();
    db.commit();
    db.close();
    double s = (double)(bench_now_ns() - t0) / 1e9;
    printf("INDEX baseline_xapian cases=%zu seconds=%.3f cases_per_s=%.1f\n",
           n, s, (double)n / s);
    return 0;
}

class FacetSpy : public Xapian::MatchSpy
{
  public:
    uint64_t goals[18] = {};
    std::map<std::string, uint64_t> countries;
    void operator()(const Xapian::Document &doc, double) override
    {
        std::string v = doc.get_value(SLOT_FACETS);
        if (v.size() < 7)
            return;
        const unsigned char *p = (const unsigned char *)v.data();
        uint32_t g = p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
        for (int i = 1; i <= 17; i++)
            if (g & (1u << i))
                goals[i]++;
        countries[v.substr(7, p[6])]++;
    }
};

static int cmd_search(const char *dir, const char *queries, int rounds,
                      int warmup, bool full, const char *label)
{
    size_t n_qs;
    struct bench_query *qs = bench_load_queries(queries, &n_qs);
    Xapian::Database db(dir);
    Xapian::Enquire enquire(db);
    std::map<std::string, Xapian::Stem> stems;
    const char *langs[] = {"es", "pt", "en"};
    for (const char *l : langs)
        stems.emplace(l, Xapian::Stem(l));
    uint64_t zero = 0, totals = 0;

    auto run = [&](const struct bench_query &bq, bool count) {
        std::vector<std::string> terms;
        std::vector<Xapian::Query> words;
        for (int k = 0; k < bq.n_words; k++) {
            std::string t = fold(bq.words[k]);
            terms.push_back(t);
            std::vector<Xapian::Query> alt{Xapian::Query(t)};
            for (auto &s : stems)
                alt.emplace_back("Z" + s.second(t));
            words.emplace_back(Xapian::Query::OP_OR, alt.begin(), alt.end());
        }
        Xapian::MSet mset;
        std::unique_ptr<FacetSpy> spy;
        for (int relaxed = 0; relaxed <= 1; relaxed++) {
            Xapian::Query q(relaxed ? Xapian::Query::OP_OR
                                    : Xapian::Query::OP_AND,
                            words.begin(), words.end());
            if (bq.goal)
                q = Xapian::Query(
                    Xapian::Query::OP_FILTER, q,
                    Xapian::Query("XG" + std::to_string(bq.goal)));
            enquire.set_query(q);
            enquire.clear_matchspies();
            spy.reset(new FacetSpy());
            if (full)
                enquire.add_matchspy(spy.get());
            mset = enquire.get_mset(0, 10, full ? db.get_doccount() : 0);
            enquire.clear_matchspies();
            if (!mset.empty() || bq.n_words < 2)
                break;
        }
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            std::string data = it.get_document().get_data();
            size_t a = data.find('\0'), b = data.find('\0', a + 1),
                   c = data.find('\0', b + 1);
            std::string lang = data.substr(b + 1, c - b - 1);
            std::string snip =
                mset.snippet(data.substr(c + 1), 200, stems[lang]);
            (void)snip;
        }
        if (full) {
            for (const std::string &t : terms) {
                bool found = db.term_exists(t);
                for (auto &s : stems)
                    found = found || db.term_exists("Z" + s.second(t));
                if (!found)
                    (void)db.get_spelling_suggestion(t);
            }
        }
        if (count) {
            zero += mset.get_matches_estimated() == 0;
            totals += mset.get_matches_estimated();
        }
    };

    for (int r = 0; r < warmup; r++)
        for (size_t i = 0; i < n_qs; i++)
            run(qs[i], false);
    std::vector<uint64_t> ns;
    uint64_t t0 = bench_now_ns();
    for (int r = 0; r < rounds; r++) {
        for (size_t i = 0; i < n_qs; i++) {
            uint64_t s = bench_now_ns();
            run(qs[i], r == 0);
            ns.push_back(bench_now_ns() - s);
        }
    }
    uint64_t wall = bench_now_ns() - t0;
    bench_report(label, ns.data(), ns.size(), wall);
    printf("CHECK %s queries=%zu zero_hits=%llu mean_total=%.1f\n", label,
           n_qs, (unsigned long long)zero, (double)totals / (double)n_qs);
    return 0;
}

static int usage()
{
    fprintf(stderr, "usage: baseline_xapian index --jsonl FILE --db DIR "
                    "[--no-spelling]\n"
                    "       baseline_xapian search --db DIR --queries FILE "
                    "[--rounds R] [--warmup W] [--full] [--label L]\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage();
    const char *jsonl = NULL, *db = NULL, *queries = NULL;
    const char *label = "xapian_bare";
    int rounds = 5, warmup = 1;
    bool spelling = true, full = false;
    for (int i = 2; i < argc; i++) {
        std::string a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (a == "--no-spelling") {
            spelling = false;
            continue;
        }
        if (a == "--full") {
            full = true;
            continue;
        }
        if (!v)
            return usage();
        if (a == "--jsonl")
            jsonl = v;
        else if (a == "--db")
            db = v;
        else if (a == "--queries")
            queries = v;
        else if (a == "--rounds")
            rounds = atoi(v);
        else if (a == "--warmup")
            warmup = atoi(v);
        else if (a == "--label")
            label = v;
        else
            return usage();
        i++;
    }
    try {
        if (strcmp(argv[1], "index") == 0 && jsonl && db)
            return cmd_index(jsonl, db, spelling);
        if (strcmp(argv[1], "search") == 0 && db && queries)
            return cmd_search(db, queries, rounds, warmup, full, label);
    } catch (const Xapian::Error &e) {
        fprintf(stderr, "baseline_xapian: %s\n", e.get_description().c_str());
        return 1;
    }
    return usage();
}
