/*
 * Internals shared by the index shim's C++ files (mindex.cc: lifecycle and
 * writing; mindex_text.cc: tokenising, stemming, the thesaurus and the
 * stored document data; mindex_query.cc: searching and facets;
 * mindex_snippet.cc: highlighted snippets). Never included from C.
 *
 * Terms in the index:
 *   folded words (unprefixed, with positions, also the spelling data),
 *   "Z" + stem under the case's own language (no positions),
 *   boolean filters "XG11", "XT11.2", "XLlocal", "XAcivil_society",
 *   "XCBR", "XNpt", and "Q" + id (one document per case id).
 * Values: SLOT_YEAR_START, SLOT_YEAR_END (effective: year_start when the
 * case has none), SLOT_FACETS (packed masks, country, language), SLOT_ID.
 * Synonyms: key = an entry's words folded and stemmed with the entry's
 * language, joined by one space; each synonym = "lang:folded words".
 */
#ifndef MINGA_MINDEX_INTERNAL_H
#define MINGA_MINDEX_INTERNAL_H

#include <xapian.h>

#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include "mindex.h"

namespace mindex_impl {

enum {
    SLOT_YEAR_START = 0,
    SLOT_YEAR_END = 1,
    SLOT_FACETS = 2,
    SLOT_ID = 3
};

extern const char *const META_GENERATION;   /* decimal */
extern const char *const META_LANGUAGES;    /* "es pt en" */
extern const char *const META_THESAURUS;    /* synonym keys, one a line */

/* Bytes of summary + body kept in the document data for snippets. */
const size_t SNIPPET_SOURCE_MAX = 8192;

extern const char *const LEVEL_NAMES[MINGA_N_LEVELS];
extern const char *const ACTOR_NAMES[MINGA_N_ACTORS];

/* What the document data holds: the fields of a hit plus snippet text. */
struct DocData {
    std::string id, title, city, country, language, text;
    int year_start = 0;
    int year_end = 0;
    uint32_t goal_mask = 0, level_mask = 0, actor_mask = 0;
};

std::string docdata_encode(const DocData &d);
/* Returns false when the data is not in our encoding. */
bool docdata_decode(const std::string &data, DocData *out);

std::string facets_encode(uint32_t goal_mask, uint32_t level_mask,
                          uint32_t actor_mask, const std::string &country,
                          const std::string &language);
bool facets_decode(const std::string &packed, uint32_t *goal_mask,
                   uint32_t *level_mask, uint32_t *actor_mask,
                   std::string *country, std::string *language);

/* Folds text (accents, case) the way the whole index does, and turns
 * apostrophes into spaces so "l'agriculture" is two words. Throws
 * std::invalid_argument on invalid UTF-8. */
std::string fold_text(const char *s, size_t len);
inline std::string fold_text(const std::string &s)
{
    return fold_text(s.data(), s.size());
}

/* Whether the TermGenerator stems this term (its first character is a
 * letter), so "Z" + stem can exist for it. */
bool term_is_stemmable(const std::string &term);

/* One entry of a thesaurus group: "pt: orçamento participativo" is
 * { "pt", { "orcamento", "participativo" } }. */
struct SynEntry {
    std::string lang;
    std::vector<std::string> words;
};

/* The synonym key for folded words: each stemmed, joined by one space. */
std::string thesaurus_key(const std::vector<std::string> &words,
                          const Xapian::Stem &stem);

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
std::string make_snippet(const std::string &text, const Xapian::Stem &stem,
                         const Highlight &hl);

/* -- errors: no exception leaves an extern "C" function ------------ */

/* Sets *errmsg (when errmsg is not NULL) to a malloc'd copy of msg. */
void set_errmsg(char **errmsg, const std::string &msg);
/* The MINGA_E... code for a Xapian error. */
int error_code(const Xapian::Error &e);

/* Runs f() (returning an int code) and turns any exception into a code and
 * a message starting with `what`. */
template <class F> int guard(char **errmsg, const char *what, F &&f)
{
    try {
        return f();
    } catch (const Xapian::Error &e) {
        set_errmsg(errmsg, std::string(what) + ": " + e.get_description());
        return error_code(e);
    } catch (const std::bad_alloc &) {
        set_errmsg(errmsg, std::string(what) + ": out of memory");
        return MINGA_ENOMEM;
    } catch (const std::invalid_argument &e) {
        set_errmsg(errmsg, std::string(what) + ": " + e.what());
        return MINGA_EINVAL;
    } catch (const std::exception &e) {
        set_errmsg(errmsg, std::string(what) + ": " + e.what());
        return MINGA_EINTERNAL;
    } catch (...) {
        set_errmsg(errmsg, std::string(what) + ": unknown error");
        return MINGA_EINTERNAL;
    }
}

/* guard() for reads: a reader whose revision was overwritten by a writer
 * (DatabaseModifiedError) reopens and runs f() again, a few times. */
template <class F>
int guard_read(struct mindex *ix, char **errmsg, const char *what, F &&f);

} /* namespace mindex_impl */

struct mindex {
    int mode;
    std::string dir;
    Xapian::Database rdb;              /* MINDEX_READ */
    Xapian::WritableDatabase wdb;      /* MINDEX_WRITE */
    bool in_txn = false;               /* a write since the last commit */

    std::map<std::string, Xapian::Stem> stems;  /* by language code */
    std::set<std::string> languages;   /* languages of indexed cases */
    bool has_thesaurus = false;
    /* Stemmers every query word is stemmed with: es, pt, en, then the
     * other languages seen in the index. */
    std::vector<std::pair<std::string, Xapian::Stem>> query_stems;

    Xapian::TermGenerator indexer;     /* writing: fold -> terms + spelling */
    Xapian::TermGenerator tokenizer;   /* the same tokenising, no stemming */
    std::unique_ptr<Xapian::Enquire> enquire;
    Xapian::MultiValueKeyMaker newest_first;

    Xapian::Database &db() { return mode == MINDEX_WRITE ? wdb : rdb; }

    /* The stemmer for a language code; "none" when Xapian has none. */
    const Xapian::Stem &stem_for(const std::string &lang);
    /* Rebuilds query_stems from `languages`. */
    void refresh_query_stems();
    /* Reads the language list and whether there is a thesaurus from the
     * metadata. */
    void load_languages();
    /* Readers: moves to the latest commit and reloads what is cached from
     * the metadata. Returns whether anything changed. Throws. */
    bool reopen_db();
    /* Words of already-folded text, in order, exactly as the indexer
     * splits them. */
    std::vector<std::string> tokenize(const std::string &folded);
    /* The other entries of the thesaurus groups that hold these folded
     * words (an n-gram of a query), trying the key under every query
     * stemmer. Throws. */
    std::vector<mindex_impl::SynEntry> thesaurus_lookup(
        const std::vector<std::string> &words);
};

namespace mindex_impl {

template <class F>
int guard_read(struct mindex *ix, char **errmsg, const char *what, F &&f)
{
    return guard(errmsg, what, [&]() -> int {
        for (int attempt = 0;; attempt++) {
            try {
                return f();
            } catch (const Xapian::DatabaseModifiedError &) {
                if (attempt >= 4)
                    throw;
                ix->reopen_db();
            }
        }
    });
}

} /* namespace mindex_impl */

#endif
