/*
 * Suggested goals and targets in the index (issue 21): a case whose text
 * speaks of target 11.2 without being tagged with it is found by a
 * search for target 11.2 that asks for suggestions, after the tagged
 * cases, and marked.
 *
 * The suggestions come from core (its SDG query packs, text only)
 * through a callback a writer is given (mindex_set_suggester): the index
 * sits below core and never calls it. They are stored as boolean terms
 * apart from the tags, "XSG<g>" and "XST<target>" (a tag and a
 * suggestion are never the same term, so a search without suggestions
 * reads exactly the terms it read before), and the index is marked
 * (META_SUGGESTED) when every case has them: an index made before them
 * answers a search with suggestions with the tagged cases only and says
 * so (mindex_results.is_suggested_unavailable) until `minga reindex`.
 */
#include "mindex_suggested.h"
#include "mindex_internal.h"

#include <stdlib.h>
#include <string.h>

using namespace mindex_impl;

extern "C" void mindex_set_suggester(struct mindex *ix, mindex_suggest_fn fn,
                                     void *arg)
{
    if (!ix || ix->mode != MINDEX_WRITE)
        return;
    ix->suggester = fn;
    ix->suggester_arg = arg;
}

extern "C" int mindex_has_suggested(struct mindex *ix)
{
    return ix && ix->suggested_terms;
}

namespace mindex_impl
{

static bool is_tagged_target(const struct minga_case *c, const char *t)
{
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i] && strcmp(c->targets[i], t) == 0)
            return true;
    return false;
}

void add_suggested_terms(Xapian::Document &doc, const struct minga_case *c,
                         const struct mindex_suggested &suggested)
{
    for (int g = 1; g <= 17; g++)
        if ((suggested.goal_mask & (1u << g)) && !(c->goal_mask & (1u << g)))
            doc.add_boolean_term("XSG" + std::to_string(g));
    size_t n = std::min<size_t>(suggested.n_targets, MINDEX_SUGGESTED_MAX);
    for (size_t i = 0; i < n; i++) {
        const char *t = suggested.targets[i];
        if (*t && memchr(t, '\0', sizeof suggested.targets[i]) &&
            !is_tagged_target(c, t))
            doc.add_boolean_term(std::string("XST") + t);
    }
}

std::vector<std::string> goal_filter_terms(const struct minga_query *q)
{
    std::vector<std::string> terms;
    for (int g = 1; g <= 17; g++) {
        if (!(q->goal_mask & (1u << g)))
            continue;
        terms.push_back("XG" + std::to_string(g));
        if (q->want_suggested)
            terms.push_back("XSG" + std::to_string(g));
    }
    return terms;
}

std::vector<std::string> target_filter_terms(const struct minga_query *q)
{
    std::vector<std::string> terms;
    for (size_t i = 0; i < q->n_targets; i++) {
        terms.push_back(std::string("XT") + q->targets[i]);
        if (q->want_suggested)
            terms.push_back(std::string("XST") + q->targets[i]);
    }
    return terms;
}

Xapian::Query tagged_tier_query(const struct minga_query *q)
{
    if (!q->want_suggested || (!q->goal_mask && !q->n_targets))
        return Xapian::Query();
    std::vector<std::string> goals, targets;
    for (int g = 1; g <= 17; g++)
        if (q->goal_mask & (1u << g))
            goals.push_back("XG" + std::to_string(g));
    for (size_t i = 0; i < q->n_targets; i++)
        targets.push_back(std::string("XT") + q->targets[i]);
    std::vector<Xapian::Query> fields;
    if (!goals.empty())
        fields.emplace_back(Xapian::Query::OP_OR, goals.begin(), goals.end());
    if (!targets.empty())
        fields.emplace_back(Xapian::Query::OP_OR, targets.begin(),
                            targets.end());
    /* boolean terms weigh nothing under BM25: a source of fixed weight,
     * filtered to the tagged cases, gives them their tier */
    Xapian::Query tier(
        (new Xapian::FixedWeightPostingSource(TAGGED_TIER))->release());
    return Xapian::Query(
        Xapian::Query::OP_FILTER, tier,
        Xapian::Query(Xapian::Query::OP_AND, fields.begin(), fields.end()));
}

static char *dup_or_throw(const std::string &s)
{
    char *copy = strdup(s.c_str());
    if (!copy)
        throw std::bad_alloc();
    return copy;
}

bool mark_suggested_hit(const Xapian::Document &doc,
                        const struct minga_query *q, struct mindex_hit *hit)
{
    std::set<std::string> terms; /* the document's XS* and XT* terms */
    for (const char *prefix : {"XS", "XT"}) {
        Xapian::TermIterator t = doc.termlist_begin();
        t.skip_to(prefix);
        for (; t != doc.termlist_end(); ++t) {
            const std::string term = *t;
            if (term.compare(0, 2, prefix) != 0)
                break;
            terms.insert(term);
        }
    }
    bool is_tagged = true;
    if (q->goal_mask && !(hit->goal_mask & q->goal_mask)) {
        is_tagged = false;
        for (int g = 1; g <= 17; g++)
            if ((q->goal_mask & (1u << g)) &&
                terms.count("XSG" + std::to_string(g)))
                hit->suggested_goal_mask |= 1u << g;
    }
    bool has_target = false;
    for (size_t i = 0; i < q->n_targets && !has_target; i++)
        has_target = terms.count(std::string("XT") + q->targets[i]) > 0;
    if (q->n_targets && !has_target) {
        is_tagged = false;
        std::vector<std::string> marks;
        for (size_t i = 0; i < q->n_targets; i++)
            if (terms.count(std::string("XST") + q->targets[i]))
                marks.push_back(q->targets[i]);
        if (!marks.empty()) {
            hit->suggested_targets =
                (char **)calloc(marks.size(), sizeof(char *));
            if (!hit->suggested_targets)
                throw std::bad_alloc();
            for (const std::string &m : marks)
                hit->suggested_targets[hit->n_suggested_targets++] =
                    dup_or_throw(m);
        }
    }
    return is_tagged;
}

} /* namespace mindex_impl */
