/*
 * Suggested goals and targets (index/mindex_suggested.cc, issue 21):
 * the terms a case gets for the goals and targets its text speaks of
 * without being tagged with them, and how a search that asks for
 * suggestions filters, ranks and marks its hits with them. Internal to
 * the index shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_SUGGESTED_H
#define MINGA_MINDEX_SUGGESTED_H

#include <xapian.h>

#include <string>
#include <vector>

#include "mindex.h"

namespace mindex_impl
{

/* Adds the suggested goals and targets the case is not tagged with, as
 * "XSG<g>" and "XST<target>". */
void add_suggested_terms(Xapian::Document &doc, const struct minga_case *c,
                         const struct mindex_suggested &suggested);
/* The filter's terms for its goals, and for its targets: "XG<g>" (and,
 * with q->want_suggested, "XSG<g>"), "XT<t>" (and "XST<t>"). */
std::vector<std::string> goal_filter_terms(const struct minga_query *q);
std::vector<std::string> target_filter_terms(const struct minga_query *q);
/* What a tagged match adds to its weight in a search with suggestions,
 * so that the cases tagged with the filter's goals and targets rank
 * before those matching them only by suggestion: above any BM25 sum (a
 * few hundred a word), below QUORUM_STEP (mindex_plan.h), so a QUORUM
 * search still ranks by the words matched first. */
const double TAGGED_TIER = 2.5e6;
/* With q->want_suggested and a goal or target filter: a query matching
 * every case tagged with the filter's goals and targets (those of other
 * filters aside), weighing TAGGED_TIER; else an empty query. */
Xapian::Query tagged_tier_query(const struct minga_query *q);
/* For a hit of a search with suggestions: sets hit's suggested goals and
 * targets (those of the filter it matched only by suggestion) from its
 * document's terms; returns whether it is tagged with the filter's goals
 * and targets (it then weighs TAGGED_TIER more). Throws. */
bool mark_suggested_hit(const Xapian::Document &doc,
                        const struct minga_query *q, struct mindex_hit *hit);

} /* namespace mindex_impl */

#endif
