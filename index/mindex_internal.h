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
 * This header holds the layout of the index, errors, and struct mindex
 * with the plumbing of its reads; each part has its own header:
 * mindex_text.h (folding, stemmers, the stored document data),
 * mindex_thesaurus.h, mindex_snippet.h, mindex_worker.h (the shards and
 * their writers' threads), mindex_suggested.h, mindex_matchset.h,
 * mindex_facets.h and mindex_plan.h.
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

#include <map>
#include <memory>
#include <new>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include "mindex.h"
/* what struct mindex holds: its stemmers, the thesaurus entries it
 * looks up, its facet table and its shards */
#include "mindex_facets.h"
#include "mindex_text.h"
#include "mindex_thesaurus.h"
#include "mindex_worker.h"

namespace mindex_impl
{

enum {
    SLOT_YEAR_START = 0,
    SLOT_YEAR_END = 1,
    SLOT_FACETS = 2,
    SLOT_ID = 3,
    SLOT_SNIPPET_SOURCES = 4
};

/* Ranks by relevance, equal weights by case id (SLOT_ID, ascending).
 * Not by docid, Xapian's default: a case's docid depends on the shard
 * count and on the order the cases were written in (the shards' docids
 * interleave), so ties would come out in another order after a reindex
 * or a relayout. */
inline void sort_by_relevance_then_id(Xapian::Enquire &enquire)
{
    enquire.set_sort_by_relevance_then_value(SLOT_ID, false);
}

extern const char *const META_GENERATION; /* decimal */
extern const char *const META_LANGUAGES;  /* "es pt en" */
extern const char *const META_THESAURUS;  /* synonym keys, one a line */
extern const char *const META_WEIGHTING;  /* WEIGHTING_LENGTH_NORMS */
extern const char *const WEIGHTING_LENGTH_NORMS;
extern const char *const META_SUGGESTED; /* SUGGESTED_TERMS_V1 */
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
void write_shard_count(const std::string &dir, int count, unsigned compaction);
/* Shard i's folder under compaction number `compaction`. */
std::string shard_path(const std::string &dir, int i, unsigned compaction);
/* mindex_compact.cc: removes the shard folders of dir that SHARDS_FILE
 * does not name (count, compaction): what a compaction or a relayout
 * that died left. */
void remove_unnamed(const std::string &dir, int count, unsigned compaction);
/* Makes `count` complete shard folders under `compaction` the index's:
 * fsyncs them, names them in SHARDS_FILE (atomically) and removes the
 * folders no longer named. Throws. */
void swap_layout(const std::string &dir, int count, unsigned compaction);
/* Removes a folder and everything under it (best effort). */
void remove_tree(const std::string &path);
/* The spelling database's folder, in the index folder. */
extern const char *const SPELLING_DIR;

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

/* -- mindex_document.cc ----------------------------------------------- */

/* The case's document: folded, tokenised and stemmed text with positions,
 * boolean filter terms, values and the stored data. Runs in the caller's
 * thread of a writer, on its own TermGenerator and stemmers; reads the
 * case in place. Throws. */
Xapian::Document build_document(struct mindex *ix, const struct minga_case *c,
                                const struct mindex_suggested *suggested);

/* The version files (iamglass) of a reader's databases, to tell
 * whether a writer has committed since: Xapian's Database::reopen()
 * opens and reads each of them, three files and twelve system calls a
 * search; a commit renames a new one into place, which stat() sees as
 * another inode. An open descriptor is kept on each watched file so its
 * inode cannot be reused by a later one. */
class VersionFiles
{
  public:
    VersionFiles() = default;
    VersionFiles(const VersionFiles &) = delete;
    VersionFiles &operator=(const VersionFiles &) = delete;
    ~VersionFiles()
    {
        forget();
    }

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
    Xapian::Database rdb;  /* MINDEX_READ: all shards, sharing their
                                Database internals */
    Xapian::Database wall; /* MINDEX_WRITE: all shards' wdb, for reading
                                through the writer (after sync()) */
    std::unique_ptr<mindex_impl::Shard> speller; /* MINDEX_WRITE: the
                                spelling database and its worker */
    Xapian::Database spell_all;         /* the spelling data: the spelling
                                database and the shards (older folders) */
    mindex_impl::VersionFiles versions; /* MINDEX_READ: of rdb, spell_all */
    bool in_txn = false;                /* a write since the last commit */
    bool languages_dirty = false;       /* META_LANGUAGES to rewrite */
    /* Documents carry length norms (see "Length norms" above): writers
     * of a new or emptied index and readers of one marked so. */
    bool length_norms = false;
    /* Every case carries its suggested terms (META_SUGGESTED): readers
     * of an index marked so or empty; writers of a new or emptied index,
     * or of a marked one, until a case is put without a suggester. */
    bool suggested_terms = false;
    mindex_suggest_fn suggester = nullptr; /* writers; borrowed */
    void *suggester_arg = nullptr;
    /* Readers: the generation of the revision open, read by
     * load_metadata() (it changes only when reopen_db() moves on), so a
     * search does not read it from every shard again. */
    uint64_t generation = 0;

    std::map<std::string, Xapian::Stem> stems; /* by language code */
    std::set<std::string> languages;           /* languages of indexed cases */
    bool has_thesaurus = false;
    /* Stemmers every query word is stemmed with: es, pt, en, then the
     * other languages seen in the index. */
    std::vector<std::pair<std::string, mindex_impl::StemMemo *>> query_stems;

    Xapian::TermGenerator tokenizer; /* the same tokenising as the
                                          indexer, no stemming */
    Xapian::TermGenerator indexer;   /* MINDEX_WRITE: builds the cases'
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
    /* Readers: the facet table of the current revision (loading it when
     * needed), by the combined database's docids, as posting lists read
     * over all shards give them. Writers: nullptr (their documents change
     * under them). Over several shards a match spy must not use it:
     * Xapian 1.4 shows a spy each shard's own docids, which the table
     * cannot tell apart (spy_may_use_facets). Throws. */
    bool spy_may_use_facets() const
    {
        return shards.size() == 1;
    }
    const mindex_impl::FacetTable *facets()
    {
        if (mode == MINDEX_WRITE)
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
    /* Readers: sets `generation`, first waiting (reopening) while the
     * shards hold different ones, a commit half done. Throws. */
    void settle_generation();
    /* Readers: when the index folder names other shard folders than the
     * ones open (a compaction swapped new ones in), opens those instead.
     * Returns whether it did. Throws. */
    bool relayout();
    /* The compaction number of the shard folders open (0: "shardI",
     * else "shardI.cN"; see SHARDS_FILE). */
    unsigned compaction = 0;
    /* A writer of mindex_open_relayout: its shards are new folders under
     * this compaction number, not yet named by SHARDS_FILE; the first
     * commit swaps them in (swap_layout). 0 otherwise. */
    unsigned pending_compaction = 0;
    /* Words of already-folded text, in order, exactly as the indexer
     * splits them. */
    std::vector<std::string> tokenize(const std::string &folded);
    /* The other entries of the thesaurus groups that hold these folded
     * words (an n-gram of a query), trying the key under every query
     * stemmer. Throws. */
    std::vector<mindex_impl::SynEntry>
    thesaurus_lookup(const std::vector<std::string> &words);
};

namespace mindex_impl
{

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
