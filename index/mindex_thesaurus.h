/*
 * The cross-language thesaurus's entries and keys, shared by loading it
 * (index/mindex_thesaurus.cc, which tells its format and how it lives in
 * Xapian's synonym table) and reading it for a query
 * (mindex::thesaurus_lookup, mindex_plan.cc, mindex_related.cc).
 * Internal to the index shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_THESAURUS_H
#define MINGA_MINDEX_THESAURUS_H

#include <string>
#include <vector>

#include "mindex_text.h"

namespace mindex_impl
{

/* One entry of a thesaurus group: "pt: orçamento participativo" is
 * { "pt", { "orcamento", "participativo" } }. */
struct SynEntry {
    std::string lang;
    std::vector<std::string> words;
};

/* The synonym key for folded words: each stemmed, joined by one space.
 * `stem` is a Xapian::Stem or a StemMemo. */
template <class Stemmer>
std::string thesaurus_key(const std::vector<std::string> &words, Stemmer &stem)
{
    std::string key;
    for (const std::string &w : words) {
        if (!key.empty())
            key += ' ';
        key += term_is_stemmable(w) ? stem(w) : w;
    }
    return key;
}

} /* namespace mindex_impl */

#endif
