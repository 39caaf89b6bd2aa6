/*
 * Match sets: the documents a query matches, read straight from its
 * posting lists into one bit per docid, without Xapian's matcher.
 *
 * Why: to count facets through a match spy, the matcher must weigh every
 * match it shows the spy (check_at_least), even those it could skip when
 * ranking: 1 000-2 000 instructions a match for a word with its stems
 * and translations. Reading the same posting lists costs about 90 an
 * entry. FacetCounter (mindex_facets.cc) weighs one against the other.
 *
 * Only sets that posting lists alone decide are read: terms, MatchAll,
 * posting sources (ours match every document and only weigh) and the
 * boolean operators. Phrases, NEAR, value ranges and wildcards make
 * plan() refuse. An AND reads its cheapest part and looks up only its
 * documents in the others (PostingIterator::skip_to), as the matcher
 * does, unless reading those whole is cheaper.
 */
#include "mindex_matchset.h"

#include <algorithm>

namespace mindex_impl
{

DocSet::DocSet(Xapian::docid last_docid_)
    : words((size_t)last_docid_ / 64 + 1, 0), last_docid(last_docid_)
{
}

void DocSet::clear()
{
    std::fill(words.begin(), words.end(), 0);
}

bool DocSet::empty() const
{
    for (uint64_t w : words)
        if (w)
            return false;
    return true;
}

void DocSet::unite(const DocSet &other)
{
    for (size_t i = 0; i < words.size(); i++)
        words[i] |= other.words[i];
}

void DocSet::intersect(const DocSet &other)
{
    for (size_t i = 0; i < words.size(); i++)
        words[i] &= other.words[i];
}

void DocSet::subtract(const DocSet &other)
{
    for (size_t i = 0; i < words.size(); i++)
        words[i] &= ~other.words[i];
}

uint64_t DocSet::count() const
{
    uint64_t n = 0;
    for (uint64_t w : words)
        n += (uint64_t)__builtin_popcountll(w);
    return n;
}

/* A query as the set operations that give its documents. */
struct SetNode {
    enum Kind {
        TERM,
        ALL,
        ANY,
        BOTH,
        FIRST_BUT
    } kind;
    std::string term;           /* TERM */
    std::vector<SetNode> parts; /* ANY: any of them; BOTH: all of
                                       them, cheapest first; FIRST_BUT:
                                       the first less the others */
    uint64_t termfreq = 0;      /* TERM, ALL: its posting list */
    uint64_t cost = 0;          /* posting-list entries it reads */
};

/* Whether a subquery matches every document: in an AND it only weighs. */
static bool matches_all(const Xapian::Query &q)
{
    Xapian::Query::op type = q.get_type();
    return type == Xapian::Query::LEAF_MATCH_ALL ||
           type == Xapian::Query::LEAF_POSTING_SOURCE;
}

/* Plans `q`; false when its set cannot be read from posting lists. */
static bool plan_set(Xapian::Database &db, const Xapian::Query &q,
                     SetNode &node)
{
    const Xapian::Query::op type = q.get_type();
    switch (type) {
    case Xapian::Query::LEAF_TERM: {
        Xapian::TermIterator t = q.get_terms_begin();
        node.kind = SetNode::TERM;
        node.term = t == q.get_terms_end() ? std::string() : *t;
        node.termfreq = node.cost = db.get_termfreq(node.term);
        return true;
    }
    case Xapian::Query::LEAF_MATCH_ALL:
    case Xapian::Query::LEAF_POSTING_SOURCE: /* ours match everything */
        node.kind = SetNode::ALL;
        node.termfreq = node.cost = db.get_doccount();
        return true;
    case Xapian::Query::LEAF_MATCH_NOTHING:
        node.kind = SetNode::ANY;
        return true;
    case Xapian::Query::OP_AND:
    case Xapian::Query::OP_FILTER:
        node.kind = SetNode::BOTH;
        break;
    case Xapian::Query::OP_AND_NOT:
        node.kind = SetNode::FIRST_BUT;
        break;
    case Xapian::Query::OP_OR:
    case Xapian::Query::OP_MAX:
    case Xapian::Query::OP_SYNONYM:
    case Xapian::Query::OP_SCALE_WEIGHT:
    case Xapian::Query::OP_AND_MAYBE: /* matches as its first part */
        node.kind = SetNode::ANY;
        break;
    default:
        return false; /* positions, values, wildcards */
    }
    size_t n = q.get_num_subqueries();
    if (n == 0)
        return false; /* an operator we cannot look into */
    if (type == Xapian::Query::OP_AND_MAYBE)
        n = 1;
    for (size_t i = 0; i < n; i++) {
        Xapian::Query sub = q.get_subquery(i);
        if (node.kind == SetNode::BOTH && matches_all(sub) &&
            (i + 1 < n || !node.parts.empty()))
            continue; /* unless all do */
        node.parts.emplace_back();
        if (!plan_set(db, sub, node.parts.back()))
            return false;
    }
    if (node.kind == SetNode::BOTH)
        std::sort(node.parts.begin(), node.parts.end(),
                  [](const SetNode &a, const SetNode &b) {
                      return a.cost < b.cost;
                  });
    /* the first part of BOTH and FIRST_BUT is read; the others are only
     * looked up for its documents, at most as many */
    for (size_t i = 0; i < node.parts.size(); i++)
        node.cost += node.kind == SetNode::ANY || i == 0
                         ? node.parts[i].cost
                         : std::min(node.parts[i].cost, node.parts[0].cost);
    return true;
}

/* Where a set is read from: the database, up to docid `limit`. */
struct SetReader {
    Xapian::Database &db;
    Xapian::docid limit;
};

static void read_set(const SetReader &r, const SetNode &node, DocSet &out);
static void keep_set(const SetReader &r, const SetNode &node, DocSet &set);

/* Given in `set` the documents of the first part of a BOTH or FIRST_BUT
 * node, keeps those the node matches. */
static void keep_rest(const SetReader &r, const SetNode &node, DocSet &set)
{
    for (size_t i = 1; i < node.parts.size() && !set.empty(); i++) {
        if (node.kind == SetNode::BOTH) {
            keep_set(r, node.parts[i], set);
        } else {
            DocSet dropped = set;
            keep_set(r, node.parts[i], dropped);
            set.subtract(dropped);
        }
    }
}

/* Keeps in `set` only the documents of `node`: reading its posting lists
 * whole when that is cheaper, else skipping to each document of `set`. */
static void keep_set(const SetReader &r, const SetNode &node, DocSet &set)
{
    switch (node.kind) {
    case SetNode::ALL:
        return;
    case SetNode::TERM: {
        if (set.count() * 2 > node.termfreq) {
            DocSet other(set.last_docid);
            read_set(r, node, other);
            set.intersect(other);
            return;
        }
        Xapian::PostingIterator p = r.db.postlist_begin(node.term),
                                end = r.db.postlist_end(node.term);
        for (size_t w = 0; w < set.words.size(); w++) {
            uint64_t kept = 0;
            for (uint64_t bits = set.words[w]; bits && p != end;
                 bits &= bits - 1) {
                Xapian::docid did =
                    (Xapian::docid)(w * 64 + (size_t)__builtin_ctzll(bits));
                p.skip_to(did);
                if (p != end && *p == did)
                    kept |= bits & -bits;
            }
            set.words[w] = kept;
        }
        return;
    }
    case SetNode::BOTH:
    case SetNode::FIRST_BUT:
        keep_set(r, node.parts[0], set);
        keep_rest(r, node, set);
        return;
    case SetNode::ANY: {
        /* each part is asked only about what the ones before missed */
        DocSet kept(set.last_docid);
        for (const SetNode &part : node.parts) {
            DocSet found = set;
            keep_set(r, part, found);
            kept.unite(found);
            set.subtract(found);
        }
        set = kept;
        return;
    }
    }
}

/* Adds the documents of `node` to `out`. */
static void read_set(const SetReader &r, const SetNode &node, DocSet &out)
{
    switch (node.kind) {
    case SetNode::TERM:
    case SetNode::ALL: {
        /* "": every document */
        for (Xapian::PostingIterator p = r.db.postlist_begin(node.term),
                                     end = r.db.postlist_end(node.term);
             p != end && *p <= r.limit; ++p)
            out.add(*p);
        return;
    }
    case SetNode::ANY:
        for (const SetNode &part : node.parts)
            read_set(r, part, out);
        return;
    case SetNode::BOTH:
    case SetNode::FIRST_BUT: {
        DocSet kept(out.last_docid);
        read_set(r, node.parts[0], kept);
        keep_rest(r, node, kept);
        out.unite(kept);
        return;
    }
    }
}

/* The documents `node` matches, guessed from its posting lists' sizes as
 * if they were independent: for alternatives, the documents none of
 * them misses; for an AND, its smallest part thinned by the others'
 * shares. */
static double guess_matches(const SetNode &node, double n_docs)
{
    switch (node.kind) {
    case SetNode::TERM:
    case SetNode::ALL:
        return (double)node.termfreq;
    case SetNode::ANY: {
        if (n_docs <= 0)
            return 0;
        double missed = 1;
        for (const SetNode &part : node.parts)
            missed *= 1 - std::min(1.0, guess_matches(part, n_docs) / n_docs);
        return n_docs * (1 - missed);
    }
    case SetNode::BOTH: {
        double n = guess_matches(node.parts[0], n_docs);
        for (size_t i = 1; i < node.parts.size() && n_docs > 0; i++)
            n *= std::min(1.0, guess_matches(node.parts[i], n_docs) / n_docs);
        return n;
    }
    case SetNode::FIRST_BUT:
        return guess_matches(node.parts[0], n_docs);
    }
    return 0;
}

MatchSet::MatchSet() = default;
MatchSet::~MatchSet() = default;

bool MatchSet::plan(Xapian::Database &db, const Xapian::Query &query)
{
    root.reset(new SetNode());
    if (!plan_set(db, query, *root)) {
        root.reset();
        return false;
    }
    return true;
}

uint64_t MatchSet::reads() const
{
    return root ? root->cost : 0;
}

double MatchSet::guess_size(Xapian::doccount n_docs) const
{
    return root ? guess_matches(*root, (double)n_docs) : 0;
}

void MatchSet::read(Xapian::Database &db, DocSet &out,
                    Xapian::docid limit) const
{
    out.clear();
    if (root)
        read_set(SetReader{db, limit ? limit : out.last_docid}, *root, out);
}

} /* namespace mindex_impl */
