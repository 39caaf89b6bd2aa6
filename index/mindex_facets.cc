/*
 * Facet counts: the match spy that counts goals, levels, actors,
 * countries and languages over a match set, and the per-reader table of
 * every document's facet values that lets it count without asking Xapian
 * for each document's value (Document::get_value was a quarter of the
 * search time at 100 000 cases).
 */
#include "mindex_internal.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>

namespace mindex_impl {

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
        return 0;   /* more codes than any index holds: not counted */
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
    }
    return table;
}

FacetSpy::FacetSpy(Xapian::doccount limit_, const FacetTable *table_)
    : limit(limit_), table(table_)
{
    if (table) {
        country_counts.assign(table->codes.size(), 0);
        language_counts.assign(table->codes.size(), 0);
    }
}

void FacetSpy::count(uint32_t goal_mask, uint32_t level_mask,
                     uint32_t actor_mask)
{
    for (uint32_t m = goal_mask & 0x3fffe; m; m &= m - 1)
        goals[__builtin_ctz(m)]++;
    for (int b = 0; b < MINGA_N_LEVELS; b++)
        if (level_mask & (1u << b))
            levels[b]++;
    for (int b = 0; b < MINGA_N_ACTORS; b++)
        if (actor_mask & (1u << b))
            actors[b]++;
}

void FacetSpy::operator()(const Xapian::Document &doc, double)
{
    if (seen >= limit)
        return;
    seen++;
    last_seen = doc.get_docid();
    if (table) {
        if (last_seen >= table->rows.size())
            return;   /* newer than the table: cannot happen for a reader */
        const FacetRow &row = table->rows[last_seen];
        count(row.goal_mask, row.level_mask, row.actor_mask);
        country_counts[row.country]++;   /* [0]: none */
        language_counts[row.language]++;
        return;
    }
    PackedFacets f;
    if (!facets_decode(doc.get_value(SLOT_FACETS), &f))
        return;
    count(f.goal_mask, f.level_mask, f.actor_mask);
    if (f.country)
        countries[f.country]++;
    if (f.language)
        languages[f.language]++;
}

void FacetSpy::scale(uint64_t total)
{
    if (seen == 0 || total == seen)
        return;
    auto up = [&](uint64_t n) {
        return n == 0 ? 0
                      : std::max<uint64_t>(1, (n * total + seen / 2) / seen);
    };
    for (uint64_t &n : goals)
        n = up(n);
    for (uint64_t &n : levels)
        n = up(n);
    for (uint64_t &n : actors)
        n = up(n);
    for (uint64_t &n : country_counts)
        n = up(n);
    for (uint64_t &n : language_counts)
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
            if (country_counts[n])
                countries[table->codes[n]] = country_counts[n];
            if (language_counts[n])
                languages[table->codes[n]] = language_counts[n];
        }
    }
    copy_counts(countries, &r->countries, &r->n_countries);
    copy_counts(languages, &r->languages, &r->n_languages);
}

uint64_t estimate_total(const FacetSpy &spy, const Xapian::MSet &mset,
                        Xapian::docid last_docid)
{
    uint64_t lower = mset.get_matches_lower_bound();
    uint64_t upper = mset.get_matches_upper_bound();
    uint64_t guess = spy.last_seen
                         ? (uint64_t)((double)spy.seen * last_docid /
                                          spy.last_seen +
                                      0.5)
                         : mset.get_matches_estimated();
    return std::min(upper, std::max(lower, guess));
}

} /* namespace mindex_impl */
