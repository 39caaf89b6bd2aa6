/*
 * The index handle: opening, reopening, the shards and the batched writes
 * (the workers' side is mindex_worker.cc, building a case's document
 * mindex_document.cc).
 *
 * The index is N Xapian databases ("shards", see mindex_internal.h); a
 * case always lives in shard fnv1a(id) % N. A writer runs one worker
 * thread per shard: mindex_put_case checks the case and builds its
 * Xapian document in the caller's thread (folding, tokenising, stemming:
 * about half of the indexing work) and queues it (at most SHARD_QUEUE_MAX
 * per shard); the worker writes the document to its shard and counts its
 * words for the spelling data, which one more worker (the "speller")
 * writes to the spelling database: Xapian's spelling tables cost as much
 * as the documents, so with one shard the three threads keep both cores
 * busy. An error in a worker is kept and
 * returned by the next mindex_put_case, mindex_remove_case,
 * mindex_remove_all or mindex_commit; the jobs queued after it are
 * dropped, and mindex_commit then rolls back instead of committing.
 * Whatever reads through a writer (search, counts, the thesaurus, removal
 * checks) first waits for the workers to go idle (mindex::sync).
 *
 * Every write runs inside one unflushed Xapian transaction per shard that
 * begins lazily at the first write after a commit; mindex_commit ends
 * them and commits each shard (in the workers, so in parallel),
 * mindex_rollback cancels them. Inside a transaction Xapian still moves
 * its in-memory postings to the tables every XAPIAN_FLUSH_THRESHOLD
 * changes but never commits them, so each shard's import is all or
 * nothing and readers see nothing of it before mindex_commit. The shards'
 * commits are not atomic together: see mindex.h.
 */
#include "mindex_internal.h"
#include "mindex_worker.h"

#include <chrono>
#include <thread>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>

extern "C" {
#include "textfold.h"
}

using namespace mindex_impl;

/* -- layout ------------------------------------------------------------ */

/* Shards of a new index: MINGA_INDEX_SHARDS when set (1..64), else one
 * per two cores, 1 to 4.
 *
 * Each shard has its own writer thread; the caller builds the documents
 * and the speller writes its own database. With one shard the writer is
 * the busiest thread (36 of 46 CPU-s on a 10 000-case import, the caller
 * 21), so a second shard pays once there are cores for it: on two cores
 * the import already keeps both busy (1.7 cores), and make bench measured
 * 2 shards at 0.96x the speed of one, with 63.7 against 59.9 CPU-s and
 * 131 against 92 MiB peak. From four cores two writers halve the busiest
 * thread's work. Searches see the shards as one database and answer the
 * same whatever their number (exact facets through the facet table, ties
 * ranked by case id, no OP_MAX: Xapian 1.4.22's crash in MaxPostList,
 * issue 18). */
static int new_shard_count()
{
    const char *env = getenv("MINGA_INDEX_SHARDS");
    if (env && *env) {
        int n = atoi(env);
        if (n >= 1 && n <= MINDEX_MAX_SHARDS)
            return n;
    }
    unsigned cores = std::thread::hardware_concurrency();
    return (int)std::max(1u, std::min(cores / 2, 4u));
}

static bool path_exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

bool mindex_impl::is_single_database(const std::string &dir)
{
    return path_exists(dir + "/iamglass") || path_exists(dir + "/iamchert");
}

int mindex_impl::read_shard_count(const std::string &dir, unsigned *compaction)
{
    *compaction = 0;
    std::string path = dir + "/" + SHARDS_FILE;
    FILE *f = fopen(path.c_str(), "r");
    if (!f) {
        if (errno == ENOENT || errno == ENOTDIR)
            return 0;
        throw Xapian::DatabaseOpeningError("cannot read " + path + ": " +
                                           strerror(errno));
    }
    char buf[64];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    int count = 0;
    unsigned c = 0;
    int got = sscanf(buf, "minga-index-shards %d %u", &count, &c);
    if (got < 1 || count < 1 || count > 64)
        throw Xapian::DatabaseCorruptError(path + ": not a shard count");
    *compaction = got == 2 ? c : 0;
    return count;
}

void mindex_impl::write_shard_count(const std::string &dir, int count,
                                    unsigned compaction)
{
    std::string path = dir + "/" + SHARDS_FILE, tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    bool ok =
        f && (compaction
                  ? fprintf(f, "minga-index-shards %d %u\n", count, compaction)
                  : fprintf(f, "minga-index-shards %d\n", count)) > 0;
    ok = f && fflush(f) == 0 && fsync(fileno(f)) == 0 && ok;
    if (f && fclose(f) != 0)
        ok = false;
    if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
        int e = errno;
        unlink(tmp.c_str());
        throw Xapian::DatabaseCreateError("cannot write " + path + ": " +
                                          strerror(e));
    }
}

std::string mindex_impl::shard_path(const std::string &dir, int i,
                                    unsigned compaction)
{
    std::string p = dir + "/shard" + std::to_string(i);
    if (compaction)
        p += ".c" + std::to_string(compaction);
    return p;
}

/* FNV-1a: stable across builds and platforms, unlike std::hash. */
static uint64_t id_hash(const std::string &id)
{
    uint64_t h = 14695981039346656037ULL;
    for (unsigned char ch : id) {
        h ^= ch;
        h *= 1099511628211ULL;
    }
    return h;
}

static Shard &shard_for(struct mindex *ix, const std::string &id)
{
    return *ix->shards[id_hash(id) % ix->shards.size()];
}

static int check_case(const struct minga_case *c, char **errmsg)
{
    if (!c || !c->id || !*c->id || !c->title || !c->language) {
        set_errmsg(errmsg, "index put_case: case without id, title or "
                           "language");
        return MINGA_EINVAL;
    }
    if (strlen(c->id) > 200) {
        set_errmsg(errmsg,
                   std::string("index put_case: id too long: ") + c->id);
        return MINGA_EINVAL;
    }
    return 0;
}

/* -- the handle -------------------------------------------------------- */

std::vector<Shard *> mindex::writers()
{
    std::vector<Shard *> all;
    for (auto &sh : shards)
        all.push_back(sh.get());
    if (speller)
        all.push_back(speller.get());
    return all;
}

void mindex::sync()
{
    /* the shards first: their workers hand work to the speller */
    for (Shard *w : writers())
        w->drain();
}

void mindex::sync_for_read()
{
    sync();
    for (auto &sh : shards)
        sh->send_spelling();
    if (speller)
        speller->drain();
}

void mindex::begin_write()
{
    if (in_txn)
        return;
    sync();
    std::vector<Shard *> all = writers();
    size_t begun = 0;
    try {
        for (Shard *w : all) {
            w->wdb.begin_transaction(false);
            begun++;
        }
    } catch (...) {
        for (size_t i = 0; i < begun; i++) {
            try {
                all[i]->wdb.cancel_transaction();
            } catch (...) {
            }
        }
        throw;
    }
    in_txn = true;
}

Xapian::WritableDatabase &mindex::meta_writer()
{
    sync();
    begin_write();
    return shards.at(0)->wdb;
}

void VersionFiles::set_paths(std::vector<std::string> list)
{
    forget();
    paths = std::move(list);
}

void VersionFiles::forget()
{
    for (const Watched &w : watched)
        close(w.fd);
    watched.clear();
    is_watching = false;
}

bool VersionFiles::unchanged() const
{
    if (!is_watching)
        return false;
    for (const Watched &w : watched) {
        struct stat st;
        if (stat(w.path.c_str(), &st) != 0 || st.st_ino != w.ino ||
            st.st_dev != w.dev)
            return false;
    }
    return true;
}

void VersionFiles::watch()
{
    forget();
    for (const std::string &path : paths) {
        int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0) {
            if (fd >= 0)
                close(fd);
            forget(); /* not a glass database: reopen every time */
            return;
        }
        watched.push_back({path, fd, st.st_dev, st.st_ino});
    }
    is_watching = !watched.empty();
}

bool mindex::relayout()
{
    if (mode == MINDEX_WRITE || is_single_database(dir))
        return false;
    for (int attempt = 0;; attempt++) {
        unsigned c = 0;
        int n = read_shard_count(dir, &c);
        if (n == 0 || (c == compaction && (size_t)n == shards.size()))
            return false;
        try {
            std::vector<std::unique_ptr<Shard>> fresh;
            Xapian::Database all, spell;
            for (int i = 0; i < n; i++) {
                std::unique_ptr<Shard> sh(new Shard());
                sh->path = shard_path(dir, i, c);
                sh->rdb = Xapian::Database(sh->path);
                all.add_database(sh->rdb);
                spell.add_database(sh->rdb);
                fresh.push_back(std::move(sh));
            }
            const std::string spell_path = dir + "/" + SPELLING_DIR;
            std::vector<std::string> version_paths;
            version_paths.push_back(dir + "/" + SHARDS_FILE);
            for (auto &sh : fresh)
                version_paths.push_back(sh->path + "/iamglass");
            if (path_exists(spell_path)) {
                spell.add_database(Xapian::Database(spell_path));
                version_paths.push_back(spell_path + "/iamglass");
            }
            enquire.reset();
            shards = std::move(fresh);
            rdb = all;
            spell_all = spell;
            compaction = c;
            versions.set_paths(std::move(version_paths));
            versions.watch();
            facet_table.reset();
            load_metadata();
            return true;
        } catch (const Xapian::DatabaseOpeningError &) {
            /* a compaction after the layout was read removed what it
             * named: read it again */
            if (attempt >= 3)
                throw;
        }
    }
}

bool mindex::reopen_db(bool force)
{
    if (mode == MINDEX_WRITE || (!force && versions.unchanged()))
        return false;
    versions.watch();
    if (relayout())
        return true;
    /* the shards' handles share their internals with rdb and spell_all:
     * rdb first, or it would find them reopened already */
    bool changed = rdb.reopen();
    changed = spell_all.reopen() || changed;
    if (!changed)
        return false;
    facet_table.reset();
    load_metadata();
    return true;
}

static int require_writer(struct mindex *ix, char **errmsg, const char *what)
{
    if (!ix) {
        set_errmsg(errmsg, std::string(what) + ": no index handle");
        return MINGA_EINVAL;
    }
    if (ix->mode != MINDEX_WRITE) {
        set_errmsg(errmsg, std::string(what) + ": index " + ix->dir +
                               " is open read-only");
        return MINGA_EINVAL;
    }
    return 0;
}

/* The first error a worker kept, as this call's result (it is kept until
 * mindex_rollback or the failed commit). */
static int worker_error(struct mindex *ix, char **errmsg)
{
    for (Shard *w : ix->writers()) {
        std::string msg;
        int rc = w->error(&msg);
        if (rc) {
            set_errmsg(errmsg, msg);
            return rc;
        }
    }
    return 0;
}

/* Cancels every shard's transaction and forgets the workers' errors. */
static void rollback_all(struct mindex *ix)
{
    /* the shards first: their workers hand work to the speller */
    std::vector<Shard *> all = ix->writers();
    for (Shard *w : all)
        w->discard();
    if (ix->in_txn) {
        for (Shard *w : all) {
            try {
                w->wdb.cancel_transaction();
            } catch (...) {
            }
        }
        ix->in_txn = false;
    }
    for (Shard *w : all) {
        w->spelling.clear();
        w->take_spelling_put();
        w->clear_error();
    }
    ix->languages_dirty = false;
    try {
        ix->load_metadata();
    } catch (...) {
    }
}

/* mindex_open, and with relayout > 0 mindex_open_relayout. */
static int open_index(struct mindex **out, const char *dir, int mode,
                      int relayout, char **errmsg)
{
    if (!out || !dir || !*dir ||
        (mode != MINDEX_READ && mode != MINDEX_WRITE)) {
        set_errmsg(errmsg, "index open: invalid arguments");
        return MINGA_EINVAL;
    }
    std::string what = std::string("index open ") + dir;
    if (mode == MINDEX_READ) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            set_errmsg(errmsg, what + ": no index at this path");
            return MINGA_ENOTFOUND;
        }
    }
    return guard(errmsg, what.c_str(), [&]() -> int {
        std::unique_ptr<struct mindex> ix(new struct mindex());
        ix->mode = mode;
        ix->dir = dir;
        std::vector<std::string> paths;
        int new_count = 0; /* > 0: a new index, to record */
        if (is_single_database(ix->dir)) {
            if (relayout) {
                set_errmsg(errmsg, what + ": an index of the layout before "
                                          "shards cannot be resharded; "
                                          "move it aside and run `minga "
                                          "reindex`");
                return MINGA_EINVAL;
            }
            paths.push_back(ix->dir);
        } else if (int n = read_shard_count(ix->dir, &ix->compaction)) {
            if (relayout) {
                /* new folders beside the live ones, which readers go on
                 * searching until the commit names the new ones */
                remove_unnamed(ix->dir, n, ix->compaction);
                ix->pending_compaction = ix->compaction + 1;
                for (int i = 0; i < relayout; i++)
                    paths.push_back(
                        shard_path(ix->dir, i, ix->pending_compaction));
            } else {
                for (int i = 0; i < n; i++)
                    paths.push_back(shard_path(ix->dir, i, ix->compaction));
            }
        } else if (mode == MINDEX_READ) {
            /* not ours: a database of another kind, or Xapian's error */
            Xapian::Database probe(ix->dir);
            paths.push_back(ix->dir);
        } else {
            new_count = relayout ? relayout : new_shard_count();
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                throw Xapian::DatabaseCreateError(
                    std::string("cannot create the folder: ") +
                    strerror(errno));
            for (int i = 0; i < new_count; i++)
                paths.push_back(shard_path(ix->dir, i, 0));
        }
        for (const std::string &path : paths) {
            std::unique_ptr<Shard> sh(new Shard());
            sh->path = path;
            if (mode == MINDEX_WRITE) {
                /* a shard lost since is recreated empty: its generation
                 * (0) then tells minga_recover to rebuild */
                sh->wdb =
                    Xapian::WritableDatabase(path, Xapian::DB_CREATE_OR_OPEN);
                ix->wall.add_database(sh->wdb);
            } else {
                sh->rdb = Xapian::Database(path);
                ix->rdb.add_database(sh->rdb);
            }
            ix->shards.push_back(std::move(sh));
        }
        if (new_count)
            write_shard_count(ix->dir, new_count, 0);
        for (auto &sh : ix->shards)
            ix->spell_all.add_database(sh->db(mode));
        const std::string spell_path = ix->dir + "/" + SPELLING_DIR;
        if (mode == MINDEX_WRITE) {
            std::unique_ptr<Shard> sp(new Shard());
            sp->path = spell_path;
            sp->wdb = Xapian::WritableDatabase(spell_path,
                                               Xapian::DB_CREATE_OR_OPEN);
            sp->queue_max = SPELLER_QUEUE_MAX;
            ix->spell_all.add_database(sp->wdb);
            ix->speller = std::move(sp);
            for (auto &sh : ix->shards)
                sh->speller = ix->speller.get();
            for (Shard *w : ix->writers())
                w->start();
        } else if (path_exists(spell_path)) {
            /* a folder made before the spelling database has none */
            ix->spell_all.add_database(Xapian::Database(spell_path));
        }
        if (mode == MINDEX_READ) {
            std::vector<std::string> version_paths;
            /* renamed into place by mindex_compact: a new layout */
            if (path_exists(ix->dir + "/" + SHARDS_FILE))
                version_paths.push_back(ix->dir + "/" + SHARDS_FILE);
            for (auto &sh : ix->shards)
                version_paths.push_back(sh->path + "/iamglass");
            if (path_exists(spell_path))
                version_paths.push_back(spell_path + "/iamglass");
            ix->versions.set_paths(std::move(version_paths));
        }
        ix->tokenizer.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        /* no FLAG_SPELLING: the shards count spelling data themselves
         * (Shard::spelling) */
        ix->indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        ix->load_metadata();
        ix->newest_first.add_value(SLOT_YEAR_START, true);
        ix->newest_first.add_value(SLOT_ID);
        *out = ix.release();
        return 0;
    });
}

extern "C" int mindex_shards_of(const char *dir)
{
    if (!dir)
        return 0;
    try {
        unsigned compaction = 0;
        return is_single_database(dir) ? 1
                                       : read_shard_count(dir, &compaction);
    } catch (...) {
        return 0; /* unreadable or corrupt: as good as none here */
    }
}

extern "C" int mindex_open(struct mindex **out, const char *dir, int mode,
                           char **errmsg)
{
    return open_index(out, dir, mode, 0, errmsg);
}

extern "C" int mindex_open_relayout(struct mindex **out, const char *dir,
                                    int shards, char **errmsg)
{
    if (shards < 1 || shards > MINDEX_MAX_SHARDS) {
        set_errmsg(errmsg, "index relayout: the shard count must be 1-" +
                               std::to_string(MINDEX_MAX_SHARDS));
        return MINGA_EINVAL;
    }
    return open_index(out, dir, MINDEX_WRITE, shards, errmsg);
}

extern "C" void mindex_close(struct mindex *ix)
{
    if (!ix)
        return;
    /* a relayout never committed: its folders go (they hold a copy) */
    std::vector<std::string> unswapped;
    if (ix->pending_compaction)
        for (auto &sh : ix->shards)
            unswapped.push_back(sh->path);
    try {
        /* a reader's "writers" are its shards, without workers */
        std::vector<Shard *> all = ix->writers();
        for (Shard *w : all)
            w->stop();
        ix->enquire.reset();
        for (Shard *w : all) {
            try {
                if (ix->mode == MINDEX_WRITE) {
                    if (ix->in_txn)
                        w->wdb.cancel_transaction();
                    w->wdb.close();
                } else {
                    w->rdb.close();
                }
            } catch (...) {
                /* closing is best effort: the destructor releases the
                 * lock */
            }
        }
    } catch (...) {
    }
    try {
        delete ix;
    } catch (...) {
    }
    for (const std::string &path : unswapped)
        remove_tree(path);
}

extern "C" int mindex_reopen(struct mindex *ix, char **errmsg)
{
    if (!ix) {
        set_errmsg(errmsg, "index reopen: no index handle");
        return MINGA_EINVAL;
    }
    return guard_read(ix, errmsg, "index reopen", [&]() -> int {
        ix->reopen_db();
        return 0;
    });
}

void mindex_impl::read_backoff(int attempt)
{
    std::this_thread::sleep_for(std::chrono::milliseconds(1 << (attempt - 1)));
}

extern "C" uint64_t mindex_generation(struct mindex *ix)
{
    uint64_t generation = 0;
    if (!ix)
        return 0;
    if (ix->mode == MINDEX_READ)
        return ix->generation; /* of the revision open */
    guard_read(ix, NULL, "index generation", [&]() -> int {
        generation = ix->read_generation();
        return 0;
    });
    return generation;
}

uint64_t mindex::read_generation()
{
    if (mode == MINDEX_WRITE)
        sync();
    uint64_t generation = 0;
    for (size_t i = 0; i < shards.size(); i++) {
        std::string value = shards[i]->db(mode).get_metadata(META_GENERATION);
        uint64_t g = value.empty() ? 0 : strtoull(value.c_str(), NULL, 10);
        if (i == 0)
            generation = g;
        else if (g != generation)
            return MINDEX_GENERATION_MIXED; /* a commit stopped between
                                                two shards */
    }
    return generation;
}

extern "C" uint64_t mindex_doccount(struct mindex *ix)
{
    uint64_t count = 0;
    if (!ix)
        return 0;
    guard_read(ix, NULL, "index doccount", [&]() -> int {
        count = ix->db().get_doccount();
        return 0;
    });
    return count;
}

/* -- writing ----------------------------------------------------------- */

/* Throws std::invalid_argument when s is not valid UTF-8. */
static void check_utf8(const char *s)
{
    if (s && *s && !text_is_valid_utf8(s, strlen(s)))
        throw std::invalid_argument("invalid UTF-8");
}

extern "C" int mindex_put_case(struct mindex *ix, const struct minga_case *c,
                               char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index put_case");
    if (rc == 0)
        rc = check_case(c, errmsg);
    if (rc == 0)
        rc = worker_error(ix, errmsg);
    if (rc)
        return rc;
    std::string what = std::string("index put_case ") + c->id;
    return guard(errmsg, what.c_str(), [&]() -> int {
        /* What the worker folds must be valid UTF-8: refuse it here, before
         * anything is queued. */
        check_utf8(c->title);
        for (size_t i = 0; i < c->n_tags; i++)
            check_utf8(c->tags[i]);
        check_utf8(c->city);
        check_utf8(c->region);
        check_utf8(c->summary);
        check_utf8(c->body);
        for (size_t i = 0; i < c->n_attachments; i++)
            check_utf8(c->attachments[i].text);

        /* the suggestions first: a suggester's error queues nothing */
        struct mindex_suggested suggested;
        memset(&suggested, 0, sizeof suggested);
        if (ix->suggester) {
            char *err = NULL;
            int src = ix->suggester(ix->suggester_arg, c, &suggested, &err);
            if (src) {
                set_errmsg(errmsg,
                           what + ": suggestions: " + (err ? err : "failed"));
                free(err);
                return src;
            }
        } else {
            ix->suggested_terms = false; /* this case has none */
        }
        ShardJob job;
        job.kind = ShardJob::PUT;
        job.doc = build_document(ix, c, ix->suggester ? &suggested : NULL);
        job.idterm = std::string("Q") + c->id;
        const std::string lang = c->language;
        ix->begin_write();
        Shard &sh = shard_for(ix, c->id);
        count_spelling(sh.spelling_put, job.doc, 1);
        if (++sh.spelling_put_docs >= SPELLING_FLUSH_DOCS)
            job.spelling = sh.take_spelling_put();
        sh.push(std::move(job));
        if (ix->languages.insert(lang).second) {
            ix->languages_dirty = true;
            ix->refresh_query_stems();
        }
        return 0;
    });
}

extern "C" int mindex_remove_case(struct mindex *ix, const char *id,
                                  char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index remove_case");
    if (rc)
        return rc;
    if (!id || !*id) {
        set_errmsg(errmsg, "index remove_case: empty id");
        return MINGA_EINVAL;
    }
    if ((rc = worker_error(ix, errmsg)))
        return rc;
    std::string what = std::string("index remove_case ") + id;
    return guard(errmsg, what.c_str(), [&]() -> int {
        const std::string idterm = std::string("Q") + id;
        Shard &sh = shard_for(ix, id);
        sh.drain();
        /* the worker is idle and gets no work from another thread */
        if (!sh.wdb.term_exists(idterm)) {
            set_errmsg(errmsg, what + ": no such case in the index");
            return MINGA_ENOTFOUND;
        }
        ix->begin_write();
        forget_spelling(sh, idterm);
        sh.wdb.delete_document(idterm);
        return 0;
    });
}

extern "C" int mindex_remove_all(struct mindex *ix, char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index remove_all");
    if (rc == 0)
        rc = worker_error(ix, errmsg);
    if (rc)
        return rc;
    return guard(errmsg, "index remove_all", [&]() -> int {
        /* idle first: no shard hands the speller counts of cases put
         * before this after the speller has been emptied */
        ix->sync();
        ix->begin_write();
        for (auto &sh : ix->shards)
            sh->take_spelling_put(); /* they go with their cases */
        for (Shard *w : ix->writers()) {
            ShardJob job;
            job.kind = ShardJob::REMOVE_ALL;
            w->push(std::move(job));
        }
        ix->languages.clear();
        ix->languages_dirty = true;
        ix->refresh_query_stems();
        /* no case left with plain steps: the new ones get norms */
        ix->length_norms = true;
        ix->suggested_terms = true; /* until a put without suggester */
        ix->reset_enquire();
        return 0;
    });
}

extern "C" int mindex_commit(struct mindex *ix, uint64_t generation,
                             char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index commit");
    if (rc)
        return rc;
    return guard(errmsg, "index commit", [&]() -> int {
        ix->sync();
        std::string msg;
        for (Shard *w : ix->writers()) {
            if ((rc = w->error(&msg)))
                break;
        }
        if (rc) {
            /* a write failed: the batch is incomplete, commit nothing */
            rollback_all(ix);
            set_errmsg(errmsg, "index commit: nothing committed after an "
                               "error: " +
                                   msg);
            return rc;
        }
        ix->begin_write();
        std::string list;
        for (const std::string &l : ix->languages)
            list += (list.empty() ? "" : " ") + l;
        for (auto &sh : ix->shards)
            sh->send_spelling();
        auto commit_job = [&]() {
            ShardJob job;
            job.kind = ShardJob::COMMIT;
            job.generation = std::to_string(generation);
            job.set_languages = ix->languages_dirty;
            job.languages = list;
            job.set_weighting = ix->length_norms;
            job.suggested_mark =
                ix->suggested_terms && ix->suggester ? SUGGESTED_TERMS_V1 : "";
            return job;
        };
        /* The spelling data first, then the shards, whose commit carries
         * the generation. A speller that cannot commit (a full disk)
         * leaves the shards' transactions to be cancelled and the index
         * as it was; in the other order a refused import's cases stayed
         * searchable until a repair that a full disk also refuses
         * (reliability_disk). Then each shard's worker commits its
         * database, their fsyncs in parallel. */
        if (ix->speller) {
            ix->speller->push(commit_job());
            ix->speller->drain();
            if ((rc = ix->speller->error(&msg))) {
                rollback_all(ix);
                set_errmsg(errmsg, msg);
                return rc;
            }
        }
        for (auto &sh : ix->shards)
            sh->push(commit_job());
        ix->sync();
        ix->in_txn = false;
        ix->languages_dirty = false;
        for (Shard *w : ix->writers()) {
            if (!rc && (rc = w->error(&msg)))
                set_errmsg(errmsg, msg);
            w->clear_error();
        }
        if (!rc && ix->pending_compaction) {
            /* every new shard holds the commit: name them (a throw here
             * leaves the old layout named, and this one pending) */
            swap_layout(ix->dir, (int)ix->shards.size(),
                        ix->pending_compaction);
            ix->compaction = ix->pending_compaction;
            ix->pending_compaction = 0;
        }
        if (rc) {
            try {
                ix->load_metadata();
            } catch (...) {
            }
        }
        return rc;
    });
}

extern "C" void mindex_rollback(struct mindex *ix)
{
    if (!ix || ix->mode != MINDEX_WRITE)
        return;
    rollback_all(ix);
}

extern "C" int mindex_foreach_id(struct mindex *ix,
                                 int (*fn)(void *arg, const char *id),
                                 void *arg, char **errmsg)
{
    if (!ix || !fn) {
        set_errmsg(errmsg, "index foreach_id: invalid arguments");
        return MINGA_EINVAL;
    }
    /* Collect first: a retry after DatabaseModifiedError must not call fn
     * twice for one id. */
    std::vector<std::string> ids;
    int rc = guard_read(ix, errmsg, "index foreach_id", [&]() -> int {
        ids.clear();
        Xapian::Database &db = ix->db();
        for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t)
            ids.push_back((*t).substr(1));
        return 0;
    });
    if (rc)
        return rc;
    for (const std::string &id : ids)
        if (fn(arg, id.c_str()))
            break;
    return 0;
}
