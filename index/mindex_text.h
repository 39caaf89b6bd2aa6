/*
 * Text as the whole index reads it, and what a case's document stores
 * (index/mindex_text.cc): folding, stemmers (StemMemo's lookup is in
 * mindex_snippet.cc, its busiest user), the stopword lists
 * (mindex_stopwords.cc), the document data with its snippet text, the
 * attachments' snippet sources and the packed facet value. Which value
 * slot holds what is in mindex_internal.h. Internal to the index shim,
 * as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_TEXT_H
#define MINGA_MINDEX_TEXT_H

#include <stddef.h>
#include <stdint.h>
#include <xapian.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mindex_impl
{

/* Bytes of summary + body kept in the document data for snippets. */
const size_t SNIPPET_SOURCE_MAX = 8192;
/* Attachments whose text's start (SNIPPET_SOURCE_MAX bytes each, cleaned
 * as summary and body are) SLOT_SNIPPET_SOURCES keeps for snippets, so a
 * hit found inside a report shows where: the first ones with text. */
const size_t ATTACHMENT_SNIPPET_SOURCES = 2;

/* (path, text) of a case's attachments, for snippets. */
typedef std::vector<std::pair<std::string, std::string>> SnippetSources;

/* What the document data holds: the fields of a hit plus snippet text:
 * summary and body. An index written by 0.1 after issue 21 also holds
 * the start of the attachments' text there (now in SLOT_SNIPPET_SOURCES):
 * it is read as before. */
struct DocData {
    std::string id, title, city, country, language, text;
    /* at most ATTACHMENT_SNIPPET_SOURCES; empty in what is written now */
    SnippetSources attachments;
    int year_start = 0;
    int year_end = 0;
    uint32_t goal_mask = 0, level_mask = 0, actor_mask = 0;
};

std::string docdata_encode(const DocData &d);
/* Returns false when the data is not in our encoding. */
bool docdata_decode(const std::string &data, DocData *out);
/* The value of SLOT_SNIPPET_SOURCES; decode returns false when `value`
 * is not such a value (an empty value is an empty list). */
std::string snippet_sources_encode(const SnippetSources &sources);
bool snippet_sources_decode(const std::string &value, SnippetSources *out);

std::string facets_encode(uint32_t goal_mask, uint32_t level_mask,
                          uint32_t actor_mask, const std::string &country,
                          const std::string &language);
/* A value of facets_encode, unpacked in place: the codes as numbers
 * (their bytes, first byte lowest), so that counting allocates nothing. */
struct PackedFacets {
    uint32_t goal_mask, level_mask, actor_mask;
    uint64_t country, language; /* 0: none */
};
/* False when `packed` is not such a value. */
bool facets_decode(const std::string &packed, PackedFacets *out);
/* A country or language code as PackedFacets holds it. */
uint64_t facet_code_key(const std::string &code);

/* Folds text (accents, case) the way the whole index does, and turns
 * apostrophes into spaces so "l'agriculture" is two words. Throws
 * std::invalid_argument on invalid UTF-8. */
std::string fold_text(const char *s, size_t len);
inline std::string fold_text(const std::string &s)
{
    return fold_text(s.data(), s.size());
}

/* The stemmer for a language code; "none" when Xapian has none. */
Xapian::Stem make_stem(const std::string &lang);

/* Whether the TermGenerator stems this term (its first character is a
 * letter), so "Z" + stem can exist for it. */
bool term_is_stemmable(const std::string &term);

/* Whether a folded word is in the Snowball stopword list of Spanish,
 * Portuguese or English (data/stopwords/): a query's stopwords are
 * optional and never highlighted. mindex_stopwords.cc. */
bool is_stopword(const std::string &folded);
/* Distinct folded stopwords of the three lists (for tests). */
size_t stopword_count();

/* A stemmer that remembers what it stemmed: queries and their snippets
 * stem the same words search after search, and a call through
 * Xapian::Stem costs about 2 800 instructions, a lookup here a tenth of
 * that. Emptied when it holds STEM_MEMO_MAX words; one per language in a
 * handle, so one thread. */
struct StemMemo {
    Xapian::Stem stem;
    std::unordered_map<std::string, std::string> memo;
    /* valid until the next call */
    const std::string &operator()(const std::string &word);
};
const size_t STEM_MEMO_MAX = 50000;

} /* namespace mindex_impl */

#endif
