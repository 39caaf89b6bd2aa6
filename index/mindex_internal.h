/*
 * Internals shared by the index shim's C++ files (mindex.cc: lifecycle,
 * shards and the batched writes; mindex_worker.cc: the writers' worker
 * threads; mindex_document.cc: a case's Xapian document; mindex_text.cc:
 * tokenising, stemming, the thesaurus and the stored document data;
 * mindex_plan.cc: reading a query's text into Xapian queries (its types
 * in mindex_plan.h); mindex_query.cc: running searches; mindex_facets.cc:
 * facet counts;
 * mindex_matchset.cc: match sets read from posting lists;
 * mindex_snippet.cc: highlighted snippets; mindex_related.cc: cases like
 * a case). Never included from C.
 *
 * Layout: the index folder holds a file SHARDS_FILE ("minga-index-shards
 * N") and N Xapian databases "shard0" .. "shardN-1" (after `minga
 * compact`, "minga-index-shards N C" and "shard0.cC" ..: see
 * mindex_compact.cc for the swap); a case lives in
 * shard fnv1a(id) % N. A folder that is itself a Xapian database (the
 * layout before shards) is opened as one shard. The spelling data lives
 * in its own Xapian database, "spelling" (no documents), written by its
 * own worker thread so that it costs an import no time on the shards'
 * writers; folders made before it keep their older spelling data in the
 * shards, and readers ask both.
 *
 * Terms in the index:
 *   folded words (unprefixed, with positions; also, counted once per
 *   position, the spelling data),
 *   "Z" + stem under the case's own language (no positions),
 *   boolean filters "XG11", "XT11.2", "XLlocal", "XAcivil_society",
 *   "XCBR", "XNpt", and "Q" + id (one document per case id);
 *   suggested goals and targets "XSG11", "XST11.2": those the case's text
 *   speaks of without being tagged with them (mindex_suggested.cc).
 * Values: SLOT_YEAR_START, SLOT_YEAR_END (effective: year_start when the
 * case has none), SLOT_FACETS (packed masks, country, language), SLOT_ID,
 * SLOT_SNIPPET_SOURCES (the start of the attachments' text, for snippets:
 * apart from the document data, which every hit reads, because only a
 * hit whose summary and body miss a word needs it).
 * Synonyms (shard 0 only): key = an entry's words folded and stemmed with
 * the entry's language, joined by one space; each synonym = "lang:folded
 * words".
 * Metadata: META_GENERATION and META_LANGUAGES in every shard,
 * META_WEIGHTING in every shard of an index made with length norms,
 * META_THESAURUS in shard 0, META_SUGGESTED in every shard of an index
 * whose every case has its suggested terms.
 *
 * Length norms: BM25 divides a term's frequency in a case by how long
 * the case is against a typical case. Asking Xapian for every candidate's
 * length decoded its whole document-length list, a third of the matcher's
 * work at 100 000 cases. Instead, as Lucene does, the length is applied
 * when the case is indexed: each field's wdf step is multiplied by the
 * case's norm (length_norm_step()), and searches weigh with BM25 without
 * document lengths (b = 0, k1 scaled by LENGTH_NORM_SCALE), which ranks
 * as BM25 with b = BM25_B over LENGTH_NORM_REF-word cases does, to the
 * rounding of the step. An index made before (no META_WEIGHTING, holding
 * cases) keeps plain steps and Xapian's BM25 until `minga reindex`.
 */
#ifndef MINGA_MINDEX_INTERNAL_H
#define MINGA_MINDEX_INTERNAL_H

#include <sys/stat.h>
#include <xapian.h>

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "mindex.h"

namespace mindex_impl {

enum {
    SLOT_YEAR_START = 0,
    SLOT_YEAR_END = 1,
    SLOT_FACETS = 2,
    SLOT_ID = 3,
    SLOT_SNIPPET_SOURCES = 4
};

extern const char *const META_GENERATION;   /* decimal */
extern const char *const META_LANGUAGES;    /* "es pt en" */
extern const char *const META_THESAURUS;    /* synonym keys, one a line */
extern const char *const META_WEIGHTING;    /* WEIGHTING_LENGTH_NORMS */
extern const char *const WEIGHTING_LENGTH_NORMS;
extern const char *const META_SUGGESTED;    /* SUGGESTED_TERMS_V1 */
extern const char *const SUGGESTED_TERMS_V1;

/* BM25's parameters (Xapian's defaults) */
/* Seconds the matcher may spend counting matches past the page asked
 * for (Enquire::set_time_limit; see mindex::reset_enquire). */
const double MATCH_TIME_LIMIT_S = 0.5;
const double BM25_K1 = 1.0;
const double BM25_B = 0.5;
/* The wdf step of a case of LENGTH_NORM_REF words (a field's words
 * counted as many times as its own step): the larger, the finer the
 * rounding; a case needs 60 times the typical length to reach step 1. */
const double LENGTH_NORM_SCALE = 32.0;
const double LENGTH_NORM_REF = 450.0;

/* The file naming the shard count, in the index folder:
 * "minga-index-shards N" (shard folders "shard0".."shardN-1") or, after
 * `minga compact`, "minga-index-shards N C" (folders "shard0.cC"..). */
extern const char *const SHARDS_FILE;
/* Whether dir is itself a Xapian database: the layout before shards. */
bool is_single_database(const std::string &dir);
/* The shard count recorded in dir (0 when none) and its compaction
 * number. Throws. */
int read_shard_count(const std::string &dir, unsigned *compaction);
/* Records both, atomically (written aside, fsynced, renamed). Throws. */
void write_shard_count(const std::string &dir, int count,
                       unsigned compaction);
/* Shard i's folder under compaction number `compaction`. */
std::string shard_path(const std::string &dir, int i, unsigned compaction);
/* The spelling database's folder, in the index folder. */
extern const char *const SPELLING_DIR;
/* Most cases waiting in one shard's queue before mindex_put_case waits. */
const size_t SHARD_QUEUE_MAX = 64;
/* Cases a shard indexes between two hand-overs of its spelling counts to
 * the spelling database's worker (see Shard::spelling). */
const size_t SPELLING_FLUSH_DOCS = 2000;
/* Most hand-overs waiting for the spelling worker: each holds up to
 * SPELLING_FLUSH_DOCS cases' words, so this bounds their memory. */
const size_t SPELLER_QUEUE_MAX = 2;
/* Distinct words the speller gives Xapian between two merges of its
 * in-memory spelling changes into the table (see Shard::flush_spelling):
 * the merges cost little more when smaller, and 2000 cases hold about
 * 120 000 distinct words, 70 MiB of Xapian's changes, in the bench. */
const size_t SPELLING_MERGE_WORDS = 8192;

/* Bytes of summary + body kept in the document data for snippets. */
const size_t SNIPPET_SOURCE_MAX = 8192;
/* Attachments whose text's start (SNIPPET_SOURCE_MAX bytes each, cleaned
 * as summary and body are) SLOT_SNIPPET_SOURCES keeps for snippets, so a
 * hit found inside a report shows where: the first ones with text. */
const size_t ATTACHMENT_SNIPPET_SOURCES = 2;

extern const char *const LEVEL_NAMES[MINGA_N_LEVELS];
extern const char *const ACTOR_NAMES[MINGA_N_ACTORS];

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
    uint64_t country, language;        /* 0: none */
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

/* One entry of a thesaurus group: "pt: orçamento participativo" is
 * { "pt", { "orcamento", "participativo" } }. */
struct SynEntry {
    std::string lang;
    std::vector<std::string> words;
};

/* The synonym key for folded words: each stemmed, joined by one space.
 * `stem` is a Xapian::Stem or a StemMemo. */
template <class Stemmer>
std::string thesaurus_key(const std::vector<std::string> &words,
                          Stemmer &stem)
{
    std::string key;
    for (const std::string &w : words) {
        if (!key.empty())
            key += ' ';
        key += term_is_stemmable(w) ? stem(w) : w;
    }
    return key;
}

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
    std::unordered_map<std::string, int> keys;    /* key -> id */
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

/* *n_matched (when given): how many distinct words the query looked for
 * the snippet marks, so a caller can take it from the text where the
 * match is strongest. */
std::string make_snippet(const std::string &text, const std::string &lang,
                         StemMemo &stem, const Highlight &hl,
                         SnippetCache &cache, size_t *n_matched = nullptr);

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

/* One unit of a shard worker's work. A PUT carries the case's document,
 * built (folded, tokenised, stemmed) in the caller's thread: the caller
 * holds no other handle on it once queued, because Xapian's handles count
 * their references without atomics. */
struct ShardJob {
    enum Kind { PUT, REMOVE_ALL, COMMIT, SPELL } kind = PUT;
    Xapian::Document doc;              /* PUT */
    std::string idterm;                /* PUT: "Q" + the case id */
    /* SPELL: changes. PUT: when the job ends a window of
     * SPELLING_FLUSH_DOCS cases, the counts of the cases the caller put
     * in it (Shard::spelling_put), handed on after this case is written */
    std::unordered_map<std::string, int64_t> spelling;
    std::string generation;            /* COMMIT */
    std::string languages;             /* COMMIT: when set_languages */
    bool set_languages = false;
    bool set_weighting = false;        /* COMMIT: mark length norms */
    std::string suggested_mark;        /* COMMIT: META_SUGGESTED's value;
                                          "" removes it */
};

/* One Xapian database of the index. A writer's shard has a worker thread
 * that alone touches wdb while it has work; the caller's thread touches it
 * only when the shard is idle (drain()). */
struct Shard {
    std::string path;
    Xapian::Database rdb;              /* MINDEX_READ */
    Xapian::WritableDatabase wdb;      /* MINDEX_WRITE */

    /* Spelling data not yet handed on: per folded word, the change of
     * its count (occurrences in the cases put, minus those in the cases
     * replaced or removed). The TermGenerator's FLAG_SPELLING would call
     * add_spelling once per word occurrence, and Xapian keeps spelling
     * changes in memory until a commit; instead the counts are kept here,
     * handed to the speller every SPELLING_FLUSH_DOCS cases (and before a
     * read through the writer and at commit), and the speller applies
     * each distinct word once and has Xapian merge them into its table, so
     * memory stays bounded whatever the size of an import.
     *
     * The caller's thread counts the cases it puts (spelling_put), off the
     * worker, which is the import's busiest thread; the worker counts what
     * it takes back (spelling) when a case is replaced. The caller's
     * counts reach the worker in the queue, with the job that ends their
     * window, and are handed on as one batch with the worker's: a word
     * taken back is never applied before the count that added it.
     * `spelling`: the worker's, or the caller's while the shard is idle;
     * `spelling_put` and `spelling_put_docs`: the caller's only. */
    std::unordered_map<std::string, int64_t> spelling;
    std::unordered_map<std::string, int64_t> spelling_put;
    size_t spelling_put_docs = 0;      /* cases in spelling_put */
    Shard *speller = nullptr;          /* MINDEX_WRITE, not owned: the
                                          spelling database's worker */
    size_t queue_max = SHARD_QUEUE_MAX;

    std::thread worker;
    std::mutex mu;                     /* guards what follows */
    std::condition_variable has_work, has_room, is_idle;
    std::deque<ShardJob> queue;
    bool busy = false, stopping = false;
    int err_code = 0;                  /* the first failed job's */
    std::string err_msg;

    Xapian::Database &db(int mode)
    {
        return mode == MINDEX_WRITE ? wdb : rdb;
    }

    /* Applies the pending counts to wdb (in its open transaction) and
     * empties them; with `merge`, has Xapian write its in-memory spelling
     * changes to the table too. Throws. */
    void flush_spelling(bool merge);
    /* The caller's counts, handed over: returns them and starts a new
     * window. The caller's thread. */
    std::unordered_map<std::string, int64_t> take_spelling_put()
    {
        std::unordered_map<std::string, int64_t> out;
        out.swap(spelling_put);
        spelling_put_docs = 0;
        return out;
    }
    /* Queues the pending counts, the caller's and the worker's, for the
     * speller and empties them (waits while the speller's queue is full).
     * The caller's thread, while the shard is idle. */
    void send_spelling();
    /* The worker's part: queues `batch` (the caller's counts, from a PUT)
     * with its own pending counts for the speller, and empties them. */
    void send_spelling(std::unordered_map<std::string, int64_t> &&batch);
    ~Shard();
    void start();
    /* Queues a job, waiting while the queue is full. */
    void push(ShardJob &&job);
    /* Waits until the queue is empty and no job runs. */
    void drain();
    /* Drops the queued jobs, then drains. */
    void discard();
    /* Ends the worker (queued jobs are dropped). */
    void stop();
    /* The first error since clear_error(), or 0. */
    int error(std::string *msg);
    void clear_error();

private:
    void run();
    /* Returns 0 or a code, with the message in *msg. */
    int run_job(ShardJob &job, std::string *msg);
};

/* -- mindex_plan.cc: the parts mindex_related.cc builds on ------------ */

/* A folded word's terms as a query word matches them: itself, its other
 * number when folding hides it from the stemmers, and "Z" + the stem of
 * each under every query stemmer. */
std::set<std::string> query_word_terms(struct mindex *ix,
                                       const std::string &word);
/* Folded words (one, or an n-gram a thesaurus entry names) as a search
 * matches a unit of its query: all the words (stopwords optional), each
 * by query_word_terms, or one of `synonyms`, its weight times
 * `translated_scale` (a search: 0.5), for the cases the words miss.
 * Entries of "sdg" are goal links. */
Xapian::Query unit_words_query(struct mindex *ix,
                               const std::vector<std::string> &words,
                               const std::vector<SynEntry> &synonyms,
                               double translated_scale);

/* -- mindex_document.cc, mindex_worker.cc ----------------------------- */

/* The case's document: folded, tokenised and stemmed text with positions,
 * boolean filter terms, values and the stored data. Runs in the caller's
 * thread of a writer, on its own TermGenerator and stemmers; reads the
 * case in place. Throws. */
Xapian::Document build_document(struct mindex *ix,
                                const struct minga_case *c,
                                const struct mindex_suggested *suggested);
/* Adds (sign 1) or takes back (sign -1) into `counts` the spelling
 * counts of a document's unprefixed terms: one per position, as
 * FLAG_SPELLING counted them. */
void count_spelling(std::unordered_map<std::string, int64_t> &counts,
                    const Xapian::Document &doc, int sign);
/* Takes back the spelling counts of the document that `idterm` names,
 * before it is replaced or deleted (the shard's worker, or the caller's
 * thread while the shard is idle). Throws. */
void forget_spelling(Shard &sh, const std::string &idterm);

/* -- mindex_suggested.cc ---------------------------------------------- */

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

/* -- mindex_matchset.cc ------------------------------------------------ */

/* A set of documents: one bit per docid, 0..last_docid. */
struct DocSet {
    explicit DocSet(Xapian::docid last_docid);
    std::vector<uint64_t> words;
    Xapian::docid last_docid;

    void add(Xapian::docid did)        /* ignores docids past last_docid */
    {
        size_t w = did / 64;
        if (w < words.size())
            words[w] |= (uint64_t)1 << (did % 64);
    }
    bool empty() const;
    uint64_t count() const;
    void clear();
    void unite(const DocSet &other);   /* other: the same last_docid */
    void intersect(const DocSet &other);
    void subtract(const DocSet &other);
};

struct SetNode;

/* The documents a query matches, read from its posting lists without the
 * matcher: planned first, so the caller can weigh the cost of reading
 * against what the matcher would do. */
class MatchSet {
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

/* -- mindex_facets.cc -------------------------------------------------- */

/* One document's facet values, unpacked. */
struct FacetRow {
    uint32_t goal_mask = 0;
    uint8_t level_mask = 0, actor_mask = 0;
    uint16_t country = 0, language = 0;   /* numbers in FacetTable::codes */
    int16_t year_start = 0, year_end = 0; /* year_end: effective */
};

/* How many documents hold each facet value. */
struct FacetCounts {
    uint64_t goals[18] = {};           /* [1..17] */
    uint64_t levels[MINGA_N_LEVELS] = {};
    uint64_t actors[MINGA_N_ACTORS] = {};
    /* by code number of a FacetTable; [0]: none */
    std::vector<uint64_t> countries, languages;

    void add_masks(uint32_t goal_mask, uint32_t level_mask,
                   uint32_t actor_mask);
    void add(const FacetRow &row);     /* grows the code counts */
};

/* Every document's facet values and years by docid, read once per
 * revision of a reader (16 bytes a document). */
struct FacetTable {
    std::vector<FacetRow> rows;        /* [docid]; [0] unused */
    std::vector<uint64_t> codes;       /* country and language codes by
                                          number (as code keys); [0]: none */
    uint64_t n_docs = 0;
    FacetCounts all;                   /* over every document */
};

/* Reads SLOT_FACETS and the years of every document of db. Throws. */
std::unique_ptr<FacetTable> facet_table_load(Xapian::Database &db);

/* A query's filters but the targets (which the table does not hold),
 * checked against table rows: OR within a field, AND across fields, as
 * the filter terms match. */
struct RowFilter {
    RowFilter(const FacetTable &table, const struct minga_query *q);
    uint32_t goal_mask, level_mask, actor_mask;   /* 0: any */
    std::vector<bool> countries, languages;       /* by code number;
                                                     empty: any */
    int year_from, year_to;                       /* 0: open */
    /* The share of documents that pass, but for the years, as if the
     * fields were independent. */
    double share;

    bool passes(const FacetRow &row) const
    {
        return (!goal_mask || (row.goal_mask & goal_mask)) &&
               (!level_mask || (row.level_mask & level_mask)) &&
               (!actor_mask || (row.actor_mask & actor_mask)) &&
               (countries.empty() || countries[row.country]) &&
               (languages.empty() || languages[row.language]) &&
               (!year_to || row.year_start <= year_to) &&
               (!year_from || row.year_end >= year_from);
    }
};

/* Counts facets over the first `limit` matching documents the matcher
 * shows it (in docid order, as Xapian matches); past `limit` the
 * matcher, told to check only that many, skips documents it cannot rank
 * in the page, and the spy ignores the rest. With a table (a reader's)
 * it looks documents up there, else it decodes their packed value. */
class FacetSpy : public Xapian::MatchSpy {
  public:
    FacetSpy(Xapian::doccount limit, const FacetTable *table);
    Xapian::doccount limit;
    const FacetTable *table;           /* borrowed; or nullptr */
    Xapian::doccount seen = 0;
    Xapian::docid last_seen = 0;       /* by the matcher */
    FacetCounts counts;                /* codes by number: with a table */

    void operator()(const Xapian::Document &doc, double) override;
    std::string name() const override { return "minga::FacetSpy"; }
    Xapian::MatchSpy *clone() const override
    {
        return new FacetSpy(limit, table);
    }
    /* Counts, through the table, the documents of `set` that pass
     * `filter`, and returns how many. */
    uint64_t count_set(const DocSet &set, const RowFilter &filter);
    /* Scales every count from the documents seen to `total`. */
    void scale(uint64_t total);
    /* Fills r's countries and languages, sorted by count, then code. */
    void copy_codes(struct mindex_results *r);

  private:
    std::unordered_map<uint64_t, uint64_t> countries, languages;  /* keys:
                                          without a table */
};

/* How one attempt of the matcher counts its matches: a match spy to add
 * (or nullptr) and how many matches it must look at. */
struct Counting {
    Xapian::MatchSpy *spy = nullptr;
    Xapian::doccount check_at_least = 0;
};

/* Counts one search's facets. The matcher can show a FacetSpy every
 * match up to MINDEX_FACET_EXACT_MAX (past it the counts are estimated),
 * which makes it weigh matches it could otherwise skip. A reader whose
 * match set costs less to read from the posting lists (MatchSet) counts
 * the set through its facet table instead: the whole set exactly, or,
 * for a large one, the part of the docid range that should hold about
 * MINDEX_FACET_EXACT_MAX matches, as an estimate; the matcher then only
 * ranks the page. */
class FacetCounter {
  public:
    /* targets: the filters q's facet table cannot check
     * (target_filter_query; empty when none); the others come from q.
     * Throws. */
    FacetCounter(struct mindex *ix, const struct minga_query *q,
                 const Xapian::Query &targets);
    /* How to count the matches of the attempt with text query `text`
     * (the matcher may try a stricter one first). Throws. */
    Counting prepare(const Xapian::Query &text);
    /* After the attempt that gave mset: r's total (which the caller set
     * to Xapian's estimate), is_estimate and facet counts. Throws. */
    void finish(const Xapian::MSet &mset, struct mindex_results *r);

  private:
    struct mindex *ix;                 /* borrowed */
    const struct minga_query *q;       /* borrowed */
    Xapian::Query targets;
    const FacetTable *table;           /* borrowed; nullptr: spy only */
    std::unique_ptr<RowFilter> filter; /* with a table */
    Xapian::doccount check_at_least;
    std::unique_ptr<FacetSpy> spy;     /* counts, whichever way */
    Xapian::docid read_limit = 0;      /* 0: the matcher shows the spy
                                          its matches; else the set was
                                          read and counted up to it */
};

/* The version files (iamglass) of a reader's databases, to tell
 * whether a writer has committed since: Xapian's Database::reopen()
 * opens and reads each of them, three files and twelve system calls a
 * search; a commit renames a new one into place, which stat() sees as
 * another inode. An open descriptor is kept on each watched file so its
 * inode cannot be reused by a later one. */
class VersionFiles {
public:
    VersionFiles() = default;
    VersionFiles(const VersionFiles &) = delete;
    VersionFiles &operator=(const VersionFiles &) = delete;
    ~VersionFiles() { forget(); }

    /* The files to watch, from the next watch() on. */
    void set_paths(std::vector<std::string> paths);
    /* Whether every file is still the one watch() saw; false before the
     * first watch(), or when one cannot be read (Xapian decides then). */
    bool unchanged() const;
    /* Takes hold of the files as they are now. Call it before reopening
     * the databases, so a commit between the two is seen next time. */
    void watch();

private:
    struct Watched {
        std::string path;
        int fd;
        dev_t dev;
        ino_t ino;
    };
    std::vector<std::string> paths;
    std::vector<Watched> watched;
    bool is_watching = false;
    void forget();
};

} /* namespace mindex_impl */

struct mindex {
    int mode;
    std::string dir;
    std::vector<std::unique_ptr<mindex_impl::Shard>> shards;
    Xapian::Database rdb;    /* MINDEX_READ: all shards, sharing their
                                Database internals */
    Xapian::Database wall;   /* MINDEX_WRITE: all shards' wdb, for reading
                                through the writer (after sync()) */
    std::unique_ptr<mindex_impl::Shard> speller;  /* MINDEX_WRITE: the
                                spelling database and its worker */
    Xapian::Database spell_all;  /* the spelling data: the spelling
                                database and the shards (older folders) */
    mindex_impl::VersionFiles versions;  /* MINDEX_READ: of rdb, spell_all */
    bool in_txn = false;               /* a write since the last commit */
    bool languages_dirty = false;      /* META_LANGUAGES to rewrite */
    /* Documents carry length norms (see "Length norms" above): writers
     * of a new or emptied index and readers of one marked so. */
    bool length_norms = false;
    /* Every case carries its suggested terms (META_SUGGESTED): readers
     * of an index marked so or empty; writers of a new or emptied index,
     * or of a marked one, until a case is put without a suggester. */
    bool suggested_terms = false;
    mindex_suggest_fn suggester = nullptr;   /* writers; borrowed */
    void *suggester_arg = nullptr;
    /* Readers: the generation of the revision open, read by
     * load_metadata() (it changes only when reopen_db() moves on), so a
     * search does not read it from every shard again. */
    uint64_t generation = 0;

    std::map<std::string, Xapian::Stem> stems;  /* by language code */
    std::set<std::string> languages;   /* languages of indexed cases */
    bool has_thesaurus = false;
    /* Stemmers every query word is stemmed with: es, pt, en, then the
     * other languages seen in the index. */
    std::vector<std::pair<std::string, mindex_impl::StemMemo *>> query_stems;

    Xapian::TermGenerator tokenizer;   /* the same tokenising as the
                                          indexer, no stemming */
    Xapian::TermGenerator indexer;     /* MINDEX_WRITE: builds the cases'
                                          documents, in the caller's thread */
    std::unique_ptr<Xapian::Enquire> enquire;
    /* Readers: loaded at the first search with facets, dropped when
     * reopen_db() moves to a newer revision. */
    std::unique_ptr<mindex_impl::FacetTable> facet_table;
    Xapian::MultiValueKeyMaker newest_first;

    /* The whole index for reading; a writer first waits for its shard
     * workers to go idle. */
    Xapian::Database &db()
    {
        if (mode == MINDEX_WRITE) {
            sync_for_read();
            return wall;
        }
        return rdb;
    }
    /* Where spelling suggestions come from; a writer first hands the
     * shards' counts to the speller and waits for it. */
    Xapian::Database &spelling_db()
    {
        if (mode == MINDEX_WRITE)
            sync_for_read();
        return spell_all;
    }
    /* Readers of one shard: the facet table of the current revision
     * (loading it when needed). Writers: nullptr (their documents change
     * under them); several shards: nullptr too (Xapian 1.4 shows a match
     * spy each shard's own docids, which the table cannot tell apart).
     * Throws. */
    const mindex_impl::FacetTable *facets()
    {
        if (mode == MINDEX_WRITE || shards.size() != 1)
            return nullptr;
        if (!facet_table)
            facet_table = mindex_impl::facet_table_load(rdb);
        return facet_table.get();
    }
    /* The shards, then (writers) the speller. */
    std::vector<mindex_impl::Shard *> writers();
    /* Writers: waits until every shard worker, then the speller, is
     * idle. */
    void sync();
    /* Writers: sync(), then hands the shards' pending spelling counts to
     * the speller and waits until it has applied them, so reads through
     * the writer see them. Throws. */
    void sync_for_read();
    /* Writers: starts the transaction of every shard (at the first write
     * after a commit or rollback). */
    void begin_write();
    /* Writers: shard 0's database, for the thesaurus and metadata, in the
     * open transaction, with every worker idle. */
    Xapian::WritableDatabase &meta_writer();

    /* The stemmer for a language code; "none" when Xapian has none. */
    const Xapian::Stem &stem_for(const std::string &lang);
    /* The same, remembering its words: for the query's words, its
     * thesaurus keys and snippets, which stem the same words search
     * after search. A std::map, so query_stems may point into it. */
    mindex_impl::StemMemo &stem_memo_for(const std::string &lang);
    std::map<std::string, mindex_impl::StemMemo> stem_memos;
    /* Rebuilds query_stems from `languages`. */
    void refresh_query_stems();
    /* Reads the language list, whether there is a thesaurus and whether
     * documents carry length norms from the metadata, and makes a fresh
     * Enquire that weighs as they say. Throws. */
    void load_metadata();
    /* The generation the shards' last commit recorded, read from each;
     * MINDEX_GENERATION_MIXED when they disagree. Throws. */
    uint64_t read_generation();
    /* A fresh Enquire over db(), weighing as length_norms says. */
    void reset_enquire();
    /* Readers: moves to the latest commit and reloads what is cached from
     * the metadata. Returns whether anything changed. Without `force` it
     * looks at the version files first and does nothing when none
     * changed; a retry after DatabaseModifiedError forces it. Throws. */
    bool reopen_db(bool force = false);
    /* Readers: when the index folder names other shard folders than the
     * ones open (a compaction swapped new ones in), opens those instead.
     * Returns whether it did. Throws. */
    bool relayout();
    /* The compaction number of the shard folders open (0: "shardI",
     * else "shardI.cN"; see SHARDS_FILE). */
    unsigned compaction = 0;
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

/* How often a read is tried when commits keep overwriting the revision
 * it reads (DatabaseModifiedError): a writer that commits several times
 * a second (uploads back to back) must not turn searches into errors. */
const int READ_ATTEMPTS = 8;
/* Waits before attempt `attempt` (1, 2, 4 ... 64 ms: 127 ms in all). */
void read_backoff(int attempt);

template <class F>
int guard_read(struct mindex *ix, char **errmsg, const char *what, F &&f)
{
    return guard(errmsg, what, [&]() -> int {
        for (int attempt = 0; attempt < READ_ATTEMPTS; attempt++) {
            try {
                /* inside the try: the reopen itself reads a revision a
                 * commit can overwrite */
                if (attempt > 0) {
                    read_backoff(attempt);
                    ix->reopen_db(true);
                }
                return f();
            } catch (const Xapian::DatabaseModifiedError &) {
            } catch (const Xapian::DatabaseCorruptError &) {
                /* a block a commit freed and reused under the reader can
                 * also read as corrupt ("Expected block 2 to be level 1,
                 * not 0", seen under commits back to back); a real
                 * corruption stays so after every attempt */
                if (attempt + 1 == READ_ATTEMPTS)
                    throw;
            }
        }
        set_errmsg(errmsg, std::string(what) + ": the index changed " +
                               std::to_string(READ_ATTEMPTS) +
                               " times while it was read; try again");
        return MINGA_EBUSY;
    });
}

} /* namespace mindex_impl */

#endif
