/*
 * Running a search (mindex_search, mindex_match_ids): the plan of the
 * text (mindex_plan.cc) through the matcher, with the facets, snippets
 * and spelling of the answer.
 *
 * How a text is read as people type it (docs/search.md): when all the
 * words match fewer than MINDEX_FEW_MATCHES cases, a QUORUM query ranks
 * the cases matching the most (and rarest) words next, marked partial; a
 * long text is searched by its most discriminating words (ANY); a text
 * that matches nothing is searched as its spelling correction when that
 * matches.
 */
#include "mindex_plan.h"
#include "mindex_facets.h"
#include "mindex_snippet.h"
#include "mindex_suggested.h"
#include "mindex_text.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace mindex_impl;

static char *dup_string(const std::string &s)
{
    char *copy = strdup(s.c_str());
    if (!copy)
        throw std::bad_alloc();
    return copy;
}

/* Terms a query may expand to: 64 words with three stems, a number
 * variant and a few translations each stay well below it. */
static const Xapian::termcount QUERY_MAX_TERMS = 4096;

static Xapian::Query checked(Xapian::Query text)
{
    if (text.get_length() > QUERY_MAX_TERMS)
        throw std::invalid_argument(
            "the query's words, with their stems and translations, make " +
            std::to_string(text.get_length()) + " terms (at most " +
            std::to_string(QUERY_MAX_TERMS) + "); search with fewer words");
    return text;
}

static Xapian::Query filtered(const Xapian::Query &text,
                              const Xapian::Query &filter)
{
    return filter.empty()
               ? text
               : Xapian::Query(Xapian::Query::OP_FILTER, text, filter);
}

/* The text with the tagged cases' tier added (tagged_tier_query), when
 * the search asks for suggestions. */
static Xapian::Query tiered(const Xapian::Query &text,
                            const Xapian::Query &tier)
{
    return tier.empty()
               ? text
               : Xapian::Query(Xapian::Query::OP_AND_MAYBE, text, tier);
}

/* How many cases match every word of `plan` (its stopwords aside), up
 * to `at_most`: exact below it. */
static Xapian::doccount count_all(struct mindex *ix, const Plan &plan,
                                  const Xapian::Query &filter,
                                  Xapian::doccount at_most)
{
    Xapian::Enquire &enquire = *ix->enquire;
    enquire.clear_matchspies();
    enquire.set_query(
        filtered(checked(text_query(ix, plan, Combine::ALL)), filter));
    Xapian::MSet probe = enquire.get_mset(0, at_most);
    return probe.size();
}

/* What run_match did. */
struct MatchInfo {
    bool is_quorum = false;     /* the QUORUM attempt gave the results */
    Xapian::doccount n_all = 0; /* then: the cases matching all words */
};

/* Runs the query of `plan` and `filter` through the matcher, results
 * first..first+count: the words AND-ed (stopwords optional); then, when
 * that matches fewer than MINDEX_FEW_MATCHES cases and the text has two
 * words or more, a QUORUM of them, so the cases matching most words
 * follow those that match all. A long text's plan is run as ANY.
 * prepare() is told the text query of each attempt and says how to
 * count its matches. */
static Xapian::MSet
run_match(struct mindex *ix, Plan &plan, const Xapian::Query &filter,
          const Xapian::Query &tier, Xapian::doccount first,
          Xapian::doccount count,
          const std::function<Counting(const Xapian::Query &text)> &prepare,
          MatchInfo *info)
{
    const bool can_relax = plan.n_content >= 2 && !plan.is_similar;
    Xapian::Enquire &enquire = *ix->enquire;
    if (plan.units.empty() && !tier.empty())
        enquire.set_sort_by_relevance_then_key(&ix->newest_first, false);
    else if (plan.units.empty())
        enquire.set_sort_by_key(&ix->newest_first, false);
    else
        sort_by_relevance_then_id(enquire);
    Xapian::MSet mset;
    const Combine attempts[2] = {plan.is_similar ? Combine::ANY : Combine::ALL,
                                 Combine::QUORUM};
    for (int relaxed = 0; relaxed <= 1; relaxed++) {
        Xapian::Query text = checked(text_query(ix, plan, attempts[relaxed]));
        Counting counting = prepare(text);
        Xapian::MatchSpy *spy = counting.spy;
        enquire.set_query(filtered(tiered(text, tier), filter));
        enquire.clear_matchspies();
        if (spy)
            enquire.add_matchspy(spy);
        mset = enquire.get_mset(first, count, counting.check_at_least);
        enquire.clear_matchspies();
        info->is_quorum = relaxed == 1;
        if (relaxed || !can_relax ||
            mset.get_matches_lower_bound() >= MINDEX_FEW_MATCHES)
            break;
        info->n_all = mset.get_matches_lower_bound();
        /* an estimate across the line: count them (at most a few).
         * The page and the counts already made stay valid. */
        if (mset.get_matches_upper_bound() != info->n_all) {
            info->n_all = count_all(ix, plan, filter, MINDEX_FEW_MATCHES);
            if (info->n_all >= MINDEX_FEW_MATCHES)
                break;
        }
        set_unit_steps(ix, plan, mset);
    }
    return mset;
}

/* A QUORUM hit's weight as the units it matches whole and its BM25
 * weight. */
static void quorum_split(double weight, size_t n_units, size_t *n_whole,
                         double *bm25)
{
    double steps = std::floor(weight / QUORUM_STEP);
    if (steps < 0)
        steps = 0;
    if (steps > (double)n_units)
        steps = (double)n_units;
    *n_whole = (size_t)steps;
    *bm25 = weight - steps * QUORUM_STEP;
}

/* The plan a search runs: the text's; or, when that matches nothing
 * (all its words together) and the spelling data corrects it into a
 * text that matches, the correction's (*corrected is then set to it).
 * A long text is never corrected, nor a text with quotes: quotes ask for
 * the words as typed (the page's "search instead for" link quotes). */
static Plan choose_plan(struct mindex *ix, const std::string &text,
                        const Xapian::Query &filter, bool can_correct,
                        std::string *suggestion, std::string *corrected)
{
    Plan plan = make_plan(ix, text);
    /* a pasted paragraph is not a misspelt query */
    if (suggestion && !plan.is_similar)
        *suggestion = suggest(ix, text, plan);
    if (!can_correct || plan.is_similar || plan.units.empty() ||
        plan.n_content == 0 || text.find('"') != std::string::npos)
        return plan;
    if ((suggestion && suggestion->empty()) ||
        count_all(ix, plan, filter, 1) > 0)
        return plan;
    std::string better = suggestion ? *suggestion : suggest(ix, text, plan);
    if (better.empty())
        return plan;
    Plan fixed = make_plan(ix, better);
    if (fixed.units.empty() || count_all(ix, fixed, filter, 1) == 0)
        return plan;
    *corrected = better;
    return fixed;
}

/* The hit's snippet from the text where the match is strongest: the
 * summary and body, unless they show fewer of the query's words than
 * the start of an attachment does (then hit->snippet_from names it). The
 * attachments (SLOT_SNIPPET_SOURCES, or the document data of an older
 * index) are read only when summary and body miss some word: a search
 * pays for them only then. */
static void put_snippet(struct mindex *ix, struct mindex_hit *hit,
                        const Xapian::Document &doc, const DocData &data,
                        const Plan &plan, SnippetCache &cache)
{
    StemMemo &stem = ix->stem_memo_for(data.language);
    size_t best = 0;
    std::string snippet = make_snippet(data.text, data.language, stem,
                                       plan.highlight, cache, &best);
    const std::string *from = nullptr;
    SnippetSources stored;
    const SnippetSources *sources = &data.attachments;
    if (best < plan.n_content && sources->empty() &&
        snippet_sources_decode(doc.get_value(SLOT_SNIPPET_SOURCES), &stored))
        sources = &stored;
    for (const auto &a : *sources) {
        if (best >= plan.n_content)
            break;
        size_t n = 0;
        std::string other = make_snippet(a.second, data.language, stem,
                                         plan.highlight, cache, &n);
        if (n > best) {
            best = n;
            snippet.swap(other);
            from = &a.first;
        }
    }
    hit->snippet = dup_string(snippet);
    if (from)
        hit->snippet_from = dup_string(*from);
}

/* A hit of a search with suggestions (its weight holds TAGGED_TIER when
 * it is tagged with the filter's goals and targets): its marks, its
 * BM25 weight back, and its percent against the best tagged match's
 * (Xapian's own percent would see every tier alike). Reads hit's
 * goal_mask, score and is_partial as set from the match. */
static void untier_hit(const Xapian::Document &doc,
                       const struct minga_query *q, const Xapian::MSet &mset,
                       const MatchInfo &info, const Plan &plan,
                       bool is_listing, struct mindex_hit *hit)
{
    if (mark_suggested_hit(doc, q, hit))
        hit->score -= TAGGED_TIER;
    if (hit->score < 0)
        hit->score = 0; /* rounding */
    if (is_listing)
        return;
    double best = mset.get_max_attained();
    if (info.is_quorum) {
        size_t n_whole;
        quorum_split(best, (size_t)plan.total_steps, &n_whole, &best);
    }
    if (best >= TAGGED_TIER)
        best -= TAGGED_TIER;
    int percent = best > 0 ? (int)(100.0 * hit->score / best + 0.5) : 0;
    hit->percent = percent > 100 ? 100 : percent;
}

static void results_deleter(struct mindex_results *r)
{
    mindex_results_free(r);
}
typedef std::unique_ptr<struct mindex_results,
                        void (*)(struct mindex_results *)>
    ResultsPtr;

extern "C" int mindex_search(struct mindex *ix, const struct minga_query *q,
                             struct mindex_results **out, char **errmsg)
{
    if (!ix || !q || !out) {
        set_errmsg(errmsg, "index search: invalid arguments");
        return MINGA_EINVAL;
    }
    ResultsPtr results(nullptr, results_deleter);
    int rc = guard_read(ix, errmsg, "index search", [&]() -> int {
        results.reset((struct mindex_results *)calloc(1, sizeof *results));
        if (!results)
            throw std::bad_alloc();
        const std::string text = q->text ? q->text : "";
        const Xapian::Query filter = filter_query(q);
        const Xapian::Query tier = tagged_tier_query(q);
        std::string suggestion, corrected;
        Plan plan =
            choose_plan(ix, text, filter, q->want_spelling,
                        q->want_spelling ? &suggestion : nullptr, &corrected);
        const bool is_listing = plan.units.empty();
        Xapian::doccount limit = std::min<unsigned>(q->limit, QUERY_MAX_LIMIT);
        FacetCounter counter(ix, q, target_filter_query(q));
        MatchInfo info;
        Xapian::MSet mset = run_match(
            ix, plan, filter, tier, q->offset, limit,
            [&](const Xapian::Query &text) { return counter.prepare(text); },
            &info);
        results->total = mset.get_matches_estimated();
        results->is_similar = plan.is_similar;
        results->is_suggested_unavailable =
            q->want_suggested && !ix->suggested_terms;
        if (info.is_quorum)
            results->is_partial = results->total > info.n_all;
        else
            results->is_partial = plan.is_similar && plan.n_content > 1;
        if (!corrected.empty()) {
            results->corrected_from = dup_string(text);
            results->query_used = dup_string(corrected);
        }
        if (q->want_facets)
            counter.finish(mset, results.get());
        if (mset.size() > 0) {
            results->hits = (struct mindex_hit *)calloc(
                mset.size(), sizeof(struct mindex_hit));
            if (!results->hits)
                throw std::bad_alloc();
        }
        /* one per language: the hits share their words' stems */
        std::map<std::string, SnippetCache> snippet_caches;
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            DocData data;
            const Xapian::Document doc = it.get_document();
            if (!docdata_decode(doc.get_data(), &data))
                continue; /* not one of ours: skip rather than fail */
            struct mindex_hit *hit = &results->hits[results->n_hits++];
            hit->id = dup_string(data.id);
            hit->score = it.get_weight();
            hit->percent = is_listing ? 0 : mset.convert_to_percent(it);
            if (info.is_quorum) {
                size_t n_whole;
                quorum_split(hit->score, (size_t)plan.total_steps, &n_whole,
                             &hit->score);
                hit->is_partial = n_whole < (size_t)plan.total_steps;
            } else {
                hit->is_partial = plan.is_similar && plan.n_content > 1;
            }
            hit->title = dup_string(data.title);
            hit->city = dup_string(data.city);
            hit->country = dup_string(data.country);
            hit->language = dup_string(data.language);
            hit->year_start = data.year_start;
            hit->year_end = data.year_end;
            hit->goal_mask = data.goal_mask;
            hit->level_mask = data.level_mask;
            hit->actor_mask = data.actor_mask;
            if (!tier.empty())
                untier_hit(doc, q, mset, info, plan, is_listing, hit);
            if (q->want_snippets)
                put_snippet(ix, hit, doc, data, plan,
                            snippet_caches[data.language]);
        }
        if (!suggestion.empty())
            results->suggestion = dup_string(suggestion);
        return 0;
    });
    if (rc)
        return rc;
    *out = results.release();
    return 0;
}

extern "C" int mindex_match_ids(struct mindex *ix, const struct minga_query *q,
                                char ***ids, size_t *n, char **errmsg)
{
    if (!ix || !q || !ids || !n) {
        set_errmsg(errmsg, "index match: invalid arguments");
        return MINGA_EINVAL;
    }
    *ids = NULL;
    *n = 0;
    std::vector<char *> out;
    auto free_ids = [&out]() {
        for (char *id : out)
            free(id);
        out.clear();
    };
    int rc = guard_read(ix, errmsg, "index match", [&]() -> int {
        free_ids(); /* a retry after the index changed starts over */
        const Xapian::Query filter = filter_query(q);
        const Xapian::Query tier = tagged_tier_query(q);
        std::string corrected;
        /* corrected as mindex_search corrects, so an export holds the
         * cases the search showed */
        Plan plan = choose_plan(ix, q->text ? q->text : "", filter, true,
                                nullptr, &corrected);
        Xapian::doccount all = ix->db().get_doccount();
        Xapian::doccount count =
            q->limit ? std::min<Xapian::doccount>(q->limit, all) : all;
        MatchInfo info;
        Xapian::MSet mset = run_match(
            ix, plan, filter, tier, q->offset, count,
            [](const Xapian::Query &) { return Counting(); }, &info);
        out.reserve(mset.size());
        /* the id from its value slot: the stored data holds up to 8 KB
         * of text a case */
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            std::string id = it.get_document().get_value(SLOT_ID);
            if (!id.empty())
                out.push_back(dup_string(id));
        }
        return 0;
    });
    if (!rc && !out.empty()) {
        *ids = (char **)malloc(out.size() * sizeof **ids);
        if (!*ids) {
            set_errmsg(errmsg, "index match: out of memory");
            rc = MINGA_ENOMEM;
        }
    }
    if (rc) {
        free_ids();
        return rc;
    }
    if (!out.empty())
        memcpy(*ids, out.data(), out.size() * sizeof **ids);
    *n = out.size();
    return 0;
}

extern "C" void mindex_ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

extern "C" void mindex_hit_release(struct mindex_hit *hit)
{
    free(hit->id);
    free(hit->title);
    free(hit->city);
    free(hit->country);
    free(hit->language);
    free(hit->snippet);
    free(hit->snippet_from);
    for (size_t i = 0; i < hit->n_suggested_targets; i++)
        free(hit->suggested_targets[i]);
    free(hit->suggested_targets);
    memset(hit, 0, sizeof *hit);
}

extern "C" void mindex_results_free(struct mindex_results *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_hits; i++)
        mindex_hit_release(&r->hits[i]);
    free(r->hits);
    free(r->countries);
    free(r->languages);
    free(r->suggestion);
    free(r->corrected_from);
    free(r->query_used);
    free(r);
}
