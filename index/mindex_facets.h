/*
 * Facet counts (index/mindex_facets.cc): a reader's table of every
 * document's facet values (struct mindex keeps one per revision), the
 * filters checked against it, the match spy that counts, and
 * FacetCounter, which picks for each search between the spy and a match
 * set (mindex_matchset.h). Internal to the index shim, as
 * mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_FACETS_H
#define MINGA_MINDEX_FACETS_H

#include <stdint.h>
#include <xapian.h>

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "mindex.h"

namespace mindex_impl
{

/* mindex_matchset.h */
struct DocSet;

/* One document's facet values, unpacked. */
struct FacetRow {
    uint32_t goal_mask = 0;
    uint8_t level_mask = 0, actor_mask = 0;
    uint16_t country = 0, language = 0;   /* numbers in FacetTable::codes */
    int16_t year_start = 0, year_end = 0; /* year_end: effective */
};

/* How many documents hold each facet value. */
struct FacetCounts {
    uint64_t goals[18] = {}; /* [1..17] */
    uint64_t levels[MINGA_N_LEVELS] = {};
    uint64_t actors[MINGA_N_ACTORS] = {};
    /* by code number of a FacetTable; [0]: none */
    std::vector<uint64_t> countries, languages;

    void add_masks(uint32_t goal_mask, uint32_t level_mask,
                   uint32_t actor_mask);
    void add(const FacetRow &row); /* grows the code counts */
};

/* Every document's facet values and years by docid, read once per
 * revision of a reader (16 bytes a document). */
struct FacetTable {
    std::vector<FacetRow> rows;  /* [docid]; [0] unused */
    std::vector<uint64_t> codes; /* country and language codes by
                                          number (as code keys); [0]: none */
    uint64_t n_docs = 0;
    FacetCounts all; /* over every document */
};

/* Reads SLOT_FACETS and the years of every document of db. Throws. */
std::unique_ptr<FacetTable> facet_table_load(Xapian::Database &db);

/* A query's filters but the targets (which the table does not hold),
 * checked against table rows: OR within a field, AND across fields, as
 * the filter terms match. */
struct RowFilter {
    RowFilter(const FacetTable &table, const struct minga_query *q);
    uint32_t goal_mask, level_mask, actor_mask; /* 0: any */
    std::vector<bool> countries, languages;     /* by code number;
                                                     empty: any */
    int year_from, year_to;                     /* 0: open */
    /* The share of documents that pass, but for the years, as if the
     * fields were independent. */
    double share;

    bool passes(const FacetRow &row) const
    {
        return (!goal_mask || (row.goal_mask & goal_mask)) &&
               (!level_mask || (row.level_mask & level_mask)) &&
               (!actor_mask || (row.actor_mask & actor_mask)) &&
               (countries.empty() || countries[row.country]) &&
               (languages.empty() || languages[row.language]) &&
               (!year_to || row.year_start <= year_to) &&
               (!year_from || row.year_end >= year_from);
    }
};

/* Counts facets over the first `limit` matching documents the matcher
 * shows it (in docid order, as Xapian matches); past `limit` the
 * matcher, told to check only that many, skips documents it cannot rank
 * in the page, and the spy ignores the rest. With a table (a reader's)
 * it looks documents up there, else it decodes their packed value. */
class FacetSpy : public Xapian::MatchSpy
{
  public:
    FacetSpy(Xapian::doccount limit, const FacetTable *table);
    Xapian::doccount limit;
    const FacetTable *table; /* borrowed; or nullptr */
    Xapian::doccount seen = 0;
    Xapian::docid last_seen = 0; /* by the matcher */
    FacetCounts counts;          /* codes by number: with a table */

    void operator()(const Xapian::Document &doc, double) override;
    std::string name() const override
    {
        return "minga::FacetSpy";
    }
    Xapian::MatchSpy *clone() const override
    {
        return new FacetSpy(limit, table);
    }
    /* Counts, through the table, the documents of `set` that pass
     * `filter`, and returns how many. */
    uint64_t count_set(const DocSet &set, const RowFilter &filter);
    /* Scales every count from the documents seen to `total`. */
    void scale(uint64_t total);
    /* Fills r's countries and languages, sorted by count, then code. */
    void copy_codes(struct mindex_results *r);

  private:
    std::unordered_map<uint64_t, uint64_t> countries, languages; /* keys:
                                          without a table */
};

/* How one attempt of the matcher counts its matches: a match spy to add
 * (or nullptr) and how many matches it must look at. */
struct Counting {
    Xapian::MatchSpy *spy = nullptr;
    Xapian::doccount check_at_least = 0;
};

/* Counts one search's facets. The matcher can show a FacetSpy every
 * match up to MINDEX_FACET_EXACT_MAX (past it the counts are estimated),
 * which makes it weigh matches it could otherwise skip. A reader whose
 * match set costs less to read from the posting lists (MatchSet) counts
 * the set through its facet table instead: the whole set exactly, or,
 * for a large one, the part of the docid range that should hold about
 * MINDEX_FACET_EXACT_MAX matches, as an estimate; the matcher then only
 * ranks the page. */
class FacetCounter
{
  public:
    /* targets: the filters q's facet table cannot check
     * (target_filter_query; empty when none); the others come from q.
     * Throws. */
    FacetCounter(struct mindex *ix, const struct minga_query *q,
                 const Xapian::Query &targets);
    /* How to count the matches of the attempt with text query `text`
     * (the matcher may try a stricter one first). Throws. */
    Counting prepare(const Xapian::Query &text);
    /* After the attempt that gave mset: r's total (which the caller set
     * to Xapian's estimate), is_estimate and facet counts. Throws. */
    void finish(const Xapian::MSet &mset, struct mindex_results *r);

  private:
    struct mindex *ix;           /* borrowed */
    const struct minga_query *q; /* borrowed */
    Xapian::Query targets;
    const FacetTable *table;           /* borrowed; nullptr: spy only */
    std::unique_ptr<RowFilter> filter; /* with a table */
    Xapian::doccount check_at_least;
    std::unique_ptr<FacetSpy> spy; /* counts, whichever way */
    Xapian::docid read_limit = 0;  /* 0: the matcher shows the spy
                                          its matches; else the set was
                                          read and counted up to it */
};

} /* namespace mindex_impl */

#endif
