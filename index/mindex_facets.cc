/*
 * Facet counts: the match spy that counts goals, levels, actors,
 * countries and languages over a match set, and the per-reader table of
 * every document's facet values that lets it count without asking Xapian
 * for each document's value (Document::get_value was a quarter of the
 * search time at 100 000 cases).
 */
#include "mindex_facets.h"
#include "mindex_internal.h"
#include "mindex_matchset.h"
#include "mindex_text.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <functional>

namespace mindex_impl
{

/* A code of PackedFacets back as text. */
static std::string code_string(uint64_t key)
{
    std::string s;
    for (; key; key >>= 8)
        s += (char)(key & 0xff);
    return s;
}

/* The number of a code in table->codes, added when new. */
static uint16_t code_number(FacetTable &table,
                            std::unordered_map<uint64_t, uint16_t> &numbers,
                            uint64_t key)
{
    if (key == 0)
        return 0;
    auto it = numbers.find(key);
    if (it != numbers.end())
        return it->second;
    if (table.codes.size() >= 0xffff)
        return 0; /* more codes than any index holds: not counted */
    uint16_t n = (uint16_t)table.codes.size();
    table.codes.push_back(key);
    numbers.emplace(key, n);
    return n;
}

std::unique_ptr<FacetTable> facet_table_load(Xapian::Database &db)
{
    std::unique_ptr<FacetTable> table(new FacetTable());
    table->rows.resize((size_t)db.get_lastdocid() + 1);
    table->codes.push_back(0);
    std::unordered_map<uint64_t, uint16_t> numbers;
    for (auto v = db.valuestream_begin(SLOT_FACETS);
         v != db.valuestream_end(SLOT_FACETS); ++v) {
        PackedFacets f;
        if (v.get_docid() >= table->rows.size() || !facets_decode(*v, &f))
            continue;
        FacetRow &row = table->rows[v.get_docid()];
        row.goal_mask = f.goal_mask;
        row.level_mask = (uint8_t)f.level_mask;
        row.actor_mask = (uint8_t)f.actor_mask;
        row.country = code_number(*table, numbers, f.country);
        row.language = code_number(*table, numbers, f.language);
        table->n_docs++;
        table->all.add(row);
    }
    table->all.countries.resize(table->codes.size());
    table->all.languages.resize(table->codes.size());
    for (int slot : {SLOT_YEAR_START, SLOT_YEAR_END}) {
        for (auto v = db.valuestream_begin(slot);
             v != db.valuestream_end(slot); ++v) {
            if (v.get_docid() >= table->rows.size())
                continue;
            FacetRow &row = table->rows[v.get_docid()];
            double year = Xapian::sortable_unserialise(*v);
            year = std::max(-32768.0, std::min(32767.0, year));
            (slot == SLOT_YEAR_START ? row.year_start : row.year_end) =
                (int16_t)year;
        }
    }
    return table;
}

void FacetCounts::add_masks(uint32_t goal_mask, uint32_t level_mask,
                            uint32_t actor_mask)
{
    for (uint32_t m = goal_mask & 0x3fffe; m; m &= m - 1)
        goals[__builtin_ctz(m)]++;
    for (uint32_t m = level_mask & ((1u << MINGA_N_LEVELS) - 1); m; m &= m - 1)
        levels[__builtin_ctz(m)]++;
    for (uint32_t m = actor_mask & ((1u << MINGA_N_ACTORS) - 1); m; m &= m - 1)
        actors[__builtin_ctz(m)]++;
}

void FacetCounts::add(const FacetRow &row)
{
    add_masks(row.goal_mask, row.level_mask, row.actor_mask);
    if (row.country >= countries.size())
        countries.resize((size_t)row.country + 1);
    if (row.language >= languages.size())
        languages.resize((size_t)row.language + 1);
    countries[row.country]++;
    languages[row.language]++;
}

FacetSpy::FacetSpy(Xapian::doccount limit_, const FacetTable *table_)
    : limit(limit_), table(table_)
{
    if (table) {
        counts.countries.assign(table->codes.size(), 0);
        counts.languages.assign(table->codes.size(), 0);
    }
}

void FacetSpy::operator()(const Xapian::Document &doc, double)
{
    if (seen >= limit)
        return;
    seen++;
    last_seen = doc.get_docid();
    if (table) {
        if (last_seen < table->rows.size())
            counts.add(table->rows[last_seen]);
        /* else newer than the table: cannot happen for a reader */
        return;
    }
    PackedFacets f;
    if (!facets_decode(doc.get_value(SLOT_FACETS), &f))
        return;
    counts.add_masks(f.goal_mask, f.level_mask, f.actor_mask);
    if (f.country)
        countries[f.country]++;
    if (f.language)
        languages[f.language]++;
}

/* The codes of `codes` (strings) as a bit per code number of `table`;
 * empty when there are none. */
static std::vector<bool> code_numbers(const FacetTable &table, char **codes,
                                      size_t n_codes)
{
    std::vector<bool> wanted;
    if (n_codes == 0)
        return wanted;
    wanted.assign(table.codes.size(), false);
    for (size_t i = 0; i < n_codes; i++) {
        uint64_t key = facet_code_key(codes[i]);
        for (size_t n = 1; n < table.codes.size(); n++)
            if (table.codes[n] == key)
                wanted[n] = true;
    }
    return wanted;
}

/* The share of table's documents that hold one of the values `wanted`
 * (bits of a mask, or code numbers), counted in `docs`. */
static double share_of(const FacetTable &table, const uint64_t *docs,
                       size_t n_values,
                       const std::function<bool(size_t)> &wanted)
{
    uint64_t n = 0;
    for (size_t v = 0; v < n_values; v++)
        if (wanted(v))
            n += docs[v];
    return table.n_docs ? std::min(1.0, (double)n / table.n_docs) : 1.0;
}

RowFilter::RowFilter(const FacetTable &table, const struct minga_query *q)
    /* with suggestions the goals are matched by terms
     * (target_filter_query): the table knows the tagged ones only */
    : goal_mask(q->want_suggested ? 0 : q->goal_mask),
      level_mask(q->level_mask), actor_mask(q->actor_mask),
      countries(code_numbers(table, q->countries, q->n_countries)),
      languages(code_numbers(table, q->languages, q->n_languages)),
      year_from(q->year_from), year_to(q->year_to), share(1.0)
{
    auto in_mask = [](uint32_t mask) {
        return [mask](size_t bit) { return ((mask >> bit) & 1) != 0; };
    };
    if (goal_mask)
        share *= share_of(table, table.all.goals, 18, in_mask(goal_mask));
    if (level_mask)
        share *= share_of(table, table.all.levels, MINGA_N_LEVELS,
                          in_mask(level_mask));
    if (actor_mask)
        share *= share_of(table, table.all.actors, MINGA_N_ACTORS,
                          in_mask(actor_mask));
    auto in_codes = [](const std::vector<bool> &codes) {
        return [&codes](size_t n) { return (bool)codes[n]; };
    };
    if (!countries.empty())
        share *= share_of(table, table.all.countries.data(), countries.size(),
                          in_codes(countries));
    if (!languages.empty())
        share *= share_of(table, table.all.languages.data(), languages.size(),
                          in_codes(languages));
}

uint64_t FacetSpy::count_set(const DocSet &set, const RowFilter &filter)
{
    const size_t n_rows = table->rows.size();
    for (size_t w = 0; w < set.words.size(); w++) {
        for (uint64_t bits = set.words[w]; bits; bits &= bits - 1) {
            size_t did = w * 64 + (size_t)__builtin_ctzll(bits);
            if (did >= n_rows)
                return seen; /* newer than the table: as above */
            const FacetRow &row = table->rows[did];
            if (!filter.passes(row))
                continue;
            counts.add(row);
            seen++;
        }
    }
    return seen;
}

void FacetSpy::scale(uint64_t total)
{
    if (seen == 0 || total == seen)
        return;
    auto up = [&](uint64_t n) {
        return n == 0 ? 0
                      : std::max<uint64_t>(1, (n * total + seen / 2) / seen);
    };
    for (uint64_t &n : counts.goals)
        n = up(n);
    for (uint64_t &n : counts.levels)
        n = up(n);
    for (uint64_t &n : counts.actors)
        n = up(n);
    for (uint64_t &n : counts.countries)
        n = up(n);
    for (uint64_t &n : counts.languages)
        n = up(n);
    for (auto &kv : countries)
        kv.second = up(kv.second);
    for (auto &kv : languages)
        kv.second = up(kv.second);
}

/* Copies counts sorted by count (highest first), then code. */
static void copy_counts(const std::unordered_map<uint64_t, uint64_t> &from,
                        struct mindex_count **out, size_t *n_out)
{
    std::vector<std::pair<std::string, uint64_t>> sorted;
    sorted.reserve(from.size());
    for (const auto &kv : from)
        if (kv.second)
            sorted.emplace_back(code_string(kv.first), kv.second);
    std::sort(sorted.begin(), sorted.end(), [](const auto &a, const auto &b) {
        return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    if (sorted.empty())
        return;
    *out = (struct mindex_count *)calloc(sorted.size(), sizeof **out);
    if (!*out)
        throw std::bad_alloc();
    for (size_t i = 0; i < sorted.size(); i++) {
        strncpy((*out)[i].key, sorted[i].first.c_str(),
                sizeof(*out)[i].key - 1);
        (*out)[i].count = sorted[i].second;
    }
    *n_out = sorted.size();
}

void FacetSpy::copy_codes(struct mindex_results *r)
{
    if (table) {
        for (size_t n = 1; n < table->codes.size(); n++) {
            if (counts.countries[n])
                countries[table->codes[n]] = counts.countries[n];
            if (counts.languages[n])
                languages[table->codes[n]] = counts.languages[n];
        }
    }
    copy_counts(countries, &r->countries, &r->n_countries);
    copy_counts(languages, &r->languages, &r->n_languages);
}

/* The size of a match set of which `seen` matches lie in docids
 * 1..covered: its density there over the whole docid range, within the
 * bounds Xapian knows. */
static uint64_t estimate_total(uint64_t seen, Xapian::docid covered,
                               const Xapian::MSet &mset,
                               Xapian::docid last_docid)
{
    uint64_t lower = mset.get_matches_lower_bound();
    uint64_t upper = mset.get_matches_upper_bound();
    uint64_t guess =
        covered ? (uint64_t)((double)seen * last_docid / covered + 0.5)
                : mset.get_matches_estimated();
    return std::min(upper, std::max(lower, guess));
}

/* How many posting-list entries a reader may read to count matches, for
 * each match the matcher would otherwise weigh for the spy: callgrind,
 * at 10 000 and 100 000 cases, counts about 90 instructions an entry
 * against 1 000-2 000 a weighed match. */
static const double READS_PER_WEIGHED_MATCH = 10;

FacetCounter::FacetCounter(struct mindex *ix_, const struct minga_query *q_,
                           const Xapian::Query &targets_)
    : ix(ix_), q(q_), targets(targets_),
      table(q_->want_facets ? ix_->facets() : nullptr),
      filter(table ? new RowFilter(*table, q_) : nullptr),
      check_at_least(q_->want_facets
                         ? std::min<Xapian::doccount>(ix_->db().get_doccount(),
                                                      MINDEX_FACET_EXACT_MAX)
                         : 0)
{
}

Counting FacetCounter::prepare(const Xapian::Query &text)
{
    if (!q->want_facets)
        return Counting();
    read_limit = 0;
    /* the matcher shows its spy each shard's own docids: over several
     * shards the spy reads the documents' values, not the table */
    auto spy_in_matcher = [&]() {
        spy.reset(new FacetSpy(check_at_least,
                               ix->spy_may_use_facets() ? table : nullptr));
        return Counting{spy.get(), check_at_least};
    };
    spy.reset(new FacetSpy(check_at_least, table));
    MatchSet set;
    /* not for an AND of words: the matcher weighs each of its matches
     * anyway */
    if (!table || text.get_type() == Xapian::Query::OP_AND ||
        !set.plan(ix->db(), targets.empty()
                                ? text
                                : Xapian::Query(Xapian::Query::OP_FILTER, text,
                                                targets)))
        return spy_in_matcher();
    const double size = set.guess_size(table->n_docs) * filter->share;
    const double reads = (double)set.reads();
    const Xapian::docid last = (Xapian::docid)(table->rows.size() - 1);
    if (reads <=
        std::min<double>(size, check_at_least) * READS_PER_WEIGHED_MATCH) {
        read_limit = last;
    } else if (size > check_at_least &&
               reads <= size * READS_PER_WEIGHED_MATCH) {
        /* the docids that should hold check_at_least matches cost
         * reads * check_at_least / size entries: less than the spy */
        read_limit =
            (Xapian::docid)std::max<double>(1, last * (check_at_least / size));
    } else {
        return spy_in_matcher();
    }
    DocSet matched(last);
    set.read(ix->db(), matched, read_limit);
    spy->count_set(matched, *filter);
    if (read_limit < last && spy->seen < check_at_least / 10) {
        /* the guess was far off (words that seldom meet, a filter that
         * seldom holds them): too few to estimate from; read the rest */
        spy.reset(new FacetSpy(check_at_least, table));
        read_limit = last;
        set.read(ix->db(), matched, read_limit);
        spy->count_set(matched, *filter);
    }
    return Counting();
}

void FacetCounter::finish(const Xapian::MSet &mset, struct mindex_results *r)
{
    const Xapian::docid last = ix->db().get_lastdocid();
    bool is_partial = false;
    if (read_limit) {
        r->total = spy->seen;
        if (read_limit < table->rows.size() - 1) {
            r->total = estimate_total(spy->seen, read_limit, mset, last);
            is_partial = true;
        }
    } else if (check_at_least > 0 && (spy->seen >= check_at_least ||
                                      mset.get_matches_lower_bound() !=
                                          mset.get_matches_upper_bound())) {
        /* the spy stopped counting, or the matcher did at its time limit
         * (MATCH_TIME_LIMIT_S; it knows the total exactly when it looked
         * at every match): Xapian may still know the exact total (when it
         * could not skip anything) */
        if (mset.get_matches_lower_bound() != mset.get_matches_upper_bound())
            r->total = estimate_total(spy->seen, spy->last_seen, mset, last);
        is_partial = true;
    }
    if (is_partial && r->total > spy->seen) {
        r->is_estimate = 1;
        spy->scale(r->total);
    }
    memcpy(r->goal_counts, spy->counts.goals, sizeof spy->counts.goals);
    memcpy(r->level_counts, spy->counts.levels, sizeof spy->counts.levels);
    memcpy(r->actor_counts, spy->counts.actors, sizeof spy->counts.actors);
    spy->copy_codes(r);
}

} /* namespace mindex_impl */
