/*
 * Match sets (index/mindex_matchset.cc, which tells why and when): the
 * documents a query matches, read from its posting lists into one bit
 * per docid without Xapian's matcher, for FacetCounter (mindex_facets.h).
 * Internal to the index shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_MATCHSET_H
#define MINGA_MINDEX_MATCHSET_H

#include <stddef.h>
#include <stdint.h>
#include <xapian.h>

#include <memory>
#include <vector>

namespace mindex_impl
{

/* A set of documents: one bit per docid, 0..last_docid. */
struct DocSet {
    explicit DocSet(Xapian::docid last_docid);
    std::vector<uint64_t> words;
    Xapian::docid last_docid;

    void add(Xapian::docid did) /* ignores docids past last_docid */
    {
        size_t w = did / 64;
        if (w < words.size())
            words[w] |= (uint64_t)1 << (did % 64);
    }
    bool empty() const;
    uint64_t count() const;
    void clear();
    void unite(const DocSet &other); /* other: the same last_docid */
    void intersect(const DocSet &other);
    void subtract(const DocSet &other);
};

struct SetNode;

/* The documents a query matches, read from its posting lists without the
 * matcher: planned first, so the caller can weigh the cost of reading
 * against what the matcher would do. */
class MatchSet
{
  public:
    MatchSet();
    ~MatchSet();
    /* False when which documents match depends on more than posting
     * lists (phrases, NEAR, value ranges, wildcards). Throws. */
    bool plan(Xapian::Database &db, const Xapian::Query &query);
    /* Posting-list entries read() will go through, at most. */
    uint64_t reads() const;
    /* How many documents match, guessed from posting-list sizes. */
    double guess_size(Xapian::doccount n_docs) const;
    /* Fills `out` (sized for the database's last docid) with the
     * documents up to docid `limit` (0: all). Throws. */
    void read(Xapian::Database &db, DocSet &out,
              Xapian::docid limit = 0) const;

  private:
    std::unique_ptr<SetNode> root;
};

} /* namespace mindex_impl */

#endif
