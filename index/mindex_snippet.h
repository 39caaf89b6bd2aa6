/*
 * Highlighted snippets (index/mindex_snippet.cc, which tells how they
 * are cut and why they cost little): what a search highlights, the
 * window of a hit's original text that shows it, and what the hits of
 * one search share so each word is looked at once. Internal to the
 * index shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_SNIPPET_H
#define MINGA_MINDEX_SNIPPET_H

#include <stddef.h>
#include <stdint.h>

#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "mindex_text.h"

namespace mindex_impl
{

/* What a snippet highlights: a token matches when its folded form is in
 * `words` or its stem under the case's language is in `stems`. */
struct Highlight {
    std::set<std::string> words;
    std::set<std::string> stems;
};

/* An HTML-safe window of about SNIPPET_CHARS characters of `text` (the
 * original, unfolded summary + body) holding the most distinct matches,
 * matches inside <mark>...</mark>, "…" where the text was cut. */
const size_t SNIPPET_CHARS = 200;
/* A snippet starts at the beginning of the sentence holding its first
 * match when that is at most this many characters before the match;
 * it ends at a sentence end when one falls in its second half. */
const size_t SNIPPET_LEAD_MAX = 80;

/* What make_snippet learnt about the tokens of texts in one language for
 * one Highlight: whether each distinct token (its original bytes)
 * matches, and as which key. Share one between the hits of a search that
 * have the same language, so each distinct word is stemmed (and each
 * non-ASCII one folded) once per search. */
struct SnippetCache {
    /* key id (-1: no match) of a folded word that had to be looked up,
     * and of a non-ASCII token by its original bytes */
    std::unordered_map<std::string, int> folded, tokens;
    std::unordered_map<std::string, int> keys; /* key -> id */
    std::string scratch;
    bool ready = false;
    /* A folded token can only be one the query looked for when its
     * first byte is in any_first, its first two bytes in head2 (a
     * 65 536-bit set) or its first three in head3 (hashed to 65 536
     * bits); start2 holds the first two bytes of all of those, one
     * look-up that rejects most tokens. See prepare() in
     * mindex_snippet.cc. */
    bool any_first[256] = {};
    std::vector<uint64_t> start2, head2, head3;
};

/* *n_matched (when given): how many distinct words the query looked for
 * the snippet marks, so a caller can take it from the text where the
 * match is strongest. */
std::string make_snippet(const std::string &text, const std::string &lang,
                         StemMemo &stem, const Highlight &hl,
                         SnippetCache &cache, size_t *n_matched = nullptr);

} /* namespace mindex_impl */

#endif
