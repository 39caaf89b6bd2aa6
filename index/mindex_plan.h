/*
 * What a search's text becomes (index/mindex_plan.cc): the words and
 * phrases of the text, grouped into units (a word, a phrase, or an n-gram
 * the thesaurus knows, with its translations), and the Xapian queries
 * built from them and from the filters. index/mindex_query.cc runs them.
 * Internal to the index shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_PLAN_H
#define MINGA_MINDEX_PLAN_H

#include "mindex_internal.h"
#include "mindex_snippet.h"
#include "mindex_thesaurus.h"

namespace mindex_impl
{

/* A whitespace-separated piece of the query text, and its folded terms. */
struct QWord {
    size_t offset, length; /* in q->text */
    std::vector<std::string> terms;
};

/* A word, a "quoted phrase", or either of them negated with '-'. */
struct QItem {
    bool is_negated = false;
    bool is_quoted = false;
    std::vector<QWord> words;
    std::vector<std::string> terms; /* all words' terms, in order */
};

/* One part of the query: a word or phrase, or an n-gram found in the
 * thesaurus, with the other languages' entries it expands to. */
struct Unit {
    std::vector<std::string> words; /* plain words of the n-gram */
    bool is_phrase = false;         /* quoted, or a word of several terms */
    bool is_stop = false;           /* one stopword, outside quotes */
    /* What matching it whole adds to a QUORUM query, in QUORUM_STEPs:
     * 1 for the commonest of the query's units to 4 for the rarest. */
    int steps = 1;
    std::vector<SynEntry> synonyms;
};

struct Plan {
    std::vector<QItem> items;
    std::vector<Unit> units;
    size_t n_words = 0;   /* positive words, a phrase counts 1 */
    size_t n_content = 0; /* units that are not stopwords */
    int total_steps = 0;  /* the content units' steps */
    /* A long text (a pasted paragraph): `units` are its most
     * discriminating words, any of which may match. */
    bool is_similar = false;
    Highlight highlight;
};

/* How a plan's units combine (text_query). */
enum class Combine {
    ALL,    /* every unit but the stopwords, which are optional */
    QUORUM, /* any unit; a case ranks by how many it matches whole */
    ANY,    /* any unit, weighed by BM25 alone (a long text) */
};

/* The weight a QUORUM query adds, times the unit's steps, for each unit
 * a case matches whole: far above any BM25 sum (a word weighs at most a
 * few hundred, with its stems and translations), so the cases rank by
 * the steps of the units they match (how many, the rarer counting more:
 * "flooding" before "cities"), then by BM25, and the steps are read
 * back from the weight (quorum_split). */
const double QUORUM_STEP = 1e7;

/* Reads the text: its items, units and what snippets mark. A text of
 * more than MINDEX_LONG_QUERY_WORDS plain words is a pasted paragraph:
 * its units are its most discriminating words (is_similar). Throws
 * std::invalid_argument past the limits on words and phrases. */
Plan make_plan(struct mindex *ix, const std::string &text);
/* Each content unit's steps from how rare it is against the query's
 * other units, and the plan's total. `stats`: the MSet of the query of
 * all the words (its term statistics cost no read). */
void set_unit_steps(struct mindex *ix, Plan &plan, const Xapian::MSet &stats);
/* The text part of the query, its units combined as `how` says; MatchAll
 * when there is nothing positive to look for. */
Xapian::Query text_query(struct mindex *ix, const Plan &plan, Combine how);
/* The filters a reader's facet table cannot check: the targets, OR-ed,
 * and with q->want_suggested the goals too; an empty query when there
 * are none. */
Xapian::Query target_filter_query(const struct minga_query *q);
/* Every filter (OR within a field, AND across fields); an empty query
 * when there are none. */
Xapian::Query filter_query(const struct minga_query *q);
/* The text with each misspelt word replaced by the spelling data's best
 * guess; "" when nothing changed. */
std::string suggest(struct mindex *ix, const std::string &text,
                    const Plan &plan);

} /* namespace mindex_impl */

#endif
