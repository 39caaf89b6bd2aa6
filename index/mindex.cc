/*
 * The index handle: opening, reopening, the shards and the batched writes.
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

#include <errno.h>
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

/* Gap between fields so a phrase never spans two of them. */
static const Xapian::termpos FIELD_GAP = 100;

/* Xapian's inverter keeps, per term, an ordered map of the postings added
 * since its last flush to the tables; with Xapian's default threshold
 * (10000 documents) the maps grow large enough that walking them costs
 * more than flushing more often (perf: about a third of the indexing
 * time). The threshold counts documents, not bytes, so it also bounds
 * the memory an import of long reports needs: on 5000 bench cases, 1000
 * took 24-28 s and 134 MiB, 400 21-23 s and 91 MiB, 200 21-25 s and
 * 74 MiB. Xapian reads it from the environment when a writable database
 * opens, so it is set once here, before main() and any thread, unless the
 * user set it. */
static const char FLUSH_THRESHOLD[] = "250";
namespace {
struct FlushThresholdDefault {
    FlushThresholdDefault()
    {
        setenv("XAPIAN_FLUSH_THRESHOLD", FLUSH_THRESHOLD, 0);
    }
} flush_threshold_default;
} /* namespace */

static std::string str_or_empty(const char *s)
{
    return s ? std::string(s) : std::string();
}

/* -- layout ------------------------------------------------------------ */

/* Shards of a new index: MINGA_INDEX_SHARDS when set (1..64), else 1.
 *
 * One shard until the query side stops tripping a Xapian 1.4.22 bug:
 * searching several databases at once with OP_MAX (the thesaurus units
 * of mindex_query.cc) reads a freed posting list, and crashes, when one
 * shard holds none of an OP_MAX's terms while another's subqueries match
 * different documents and the matcher prunes (more matches than asked
 * for). With one shard a writer still indexes in its worker thread while
 * the caller parses and stores the next cases. The intended default is
 * the number of cores, at least 2 and at most 4:
 * std::max(2u, std::min(std::thread::hardware_concurrency(), 4u)). */
static int new_shard_count()
{
    const char *env = getenv("MINGA_INDEX_SHARDS");
    if (env && *env) {
        int n = atoi(env);
        if (n >= 1 && n <= 64)
            return n;
    }
    return 1;
}

static bool path_exists(const std::string &path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

/* Whether dir is itself a Xapian database: the layout before shards. */
static bool is_single_database(const std::string &dir)
{
    return path_exists(dir + "/iamglass") || path_exists(dir + "/iamchert");
}

/* The shard count recorded in dir; 0 when dir records none. */
static int read_shard_count(const std::string &dir)
{
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
    if (sscanf(buf, "minga-index-shards %d", &count) != 1 || count < 1 ||
        count > 64)
        throw Xapian::DatabaseCorruptError(path + ": not a shard count");
    return count;
}

/* Records the shard count, atomically (written aside, then renamed). */
static void write_shard_count(const std::string &dir, int count)
{
    std::string path = dir + "/" + SHARDS_FILE, tmp = path + ".tmp";
    FILE *f = fopen(tmp.c_str(), "w");
    bool ok = f && fprintf(f, "minga-index-shards %d\n", count) > 0;
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

static std::string shard_path(const std::string &dir, int i)
{
    return dir + "/shard" + std::to_string(i);
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

/* -- the shard workers ------------------------------------------------- */

void Shard::start()
{
    worker = std::thread([this]() { run(); });
}

void Shard::push(ShardJob &&job)
{
    std::unique_lock<std::mutex> lock(mu);
    has_room.wait(lock, [this]() { return queue.size() < queue_max; });
    queue.push_back(std::move(job));
    lock.unlock();
    has_work.notify_one();
}

void Shard::drain()
{
    std::unique_lock<std::mutex> lock(mu);
    is_idle.wait(lock, [this]() { return queue.empty() && !busy; });
}

void Shard::discard()
{
    std::unique_lock<std::mutex> lock(mu);
    queue.clear();
    has_room.notify_all();
    is_idle.wait(lock, [this]() { return queue.empty() && !busy; });
}

void Shard::stop()
{
    if (!worker.joinable())
        return;
    {
        std::lock_guard<std::mutex> lock(mu);
        queue.clear();
        stopping = true;
    }
    has_work.notify_one();
    has_room.notify_all();
    worker.join();
}

Shard::~Shard()
{
    stop();
}

int Shard::error(std::string *msg)
{
    std::lock_guard<std::mutex> lock(mu);
    if (err_code && msg)
        *msg = err_msg;
    return err_code;
}

void Shard::clear_error()
{
    std::lock_guard<std::mutex> lock(mu);
    err_code = 0;
    err_msg.clear();
}

void Shard::run()
{
    std::unique_lock<std::mutex> lock(mu);
    for (;;) {
        has_work.wait(lock, [this]() { return stopping || !queue.empty(); });
        if (stopping)
            return;
        ShardJob job = std::move(queue.front());
        queue.pop_front();
        busy = true;
        /* after a failure nothing more is written: the batch is lost */
        bool skip = err_code != 0;
        lock.unlock();
        has_room.notify_one();
        std::string msg;
        int rc = skip ? 0 : run_job(job, &msg);
        job = ShardJob();   /* free the copy outside the lock */
        lock.lock();
        busy = false;
        if (rc && !err_code) {
            err_code = rc;
            err_msg = msg;
        }
        if (queue.empty())
            is_idle.notify_all();
    }
}

void Shard::count_spelling(const Xapian::Document &doc, int sign)
{
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        /* prefixed terms are not spelling data; Xapian ignores words of
         * one byte */
        if (term.size() <= 1 || (term[0] >= 'A' && term[0] <= 'Z'))
            continue;
        Xapian::termcount occurrences = t.positionlist_count();
        if (occurrences > 0)
            spelling[term] += sign * (int64_t)occurrences;
    }
}

void Shard::flush_spelling(bool merge)
{
    spelling_docs = 0;
    if (spelling.empty())
        return;
    /* emptied first: after a failure the batch is rolled back anyway */
    std::unordered_map<std::string, int64_t> pending;
    pending.swap(spelling);
    /* Xapian 1.4 holds spelling changes in memory until a commit (for a
     * new word, a set entry per fragment of it: about 0.6 KiB), except
     * that reading the spelling data merges them into the table first
     * (uncommitted: a cancelled transaction still drops them). A word of
     * two bytes no case holds makes that read cheap; doing it every
     * SPELLING_MERGE_WORDS words bounds the memory. */
    const std::string no_word("\x01\x01", 2);
    size_t applied = 0;
    for (const auto &w : pending) {
        if (w.second > 0)
            wdb.add_spelling(w.first, (Xapian::termcount)w.second);
        else if (w.second < 0)
            wdb.remove_spelling(w.first, (Xapian::termcount)-w.second);
        if (merge && ++applied % SPELLING_MERGE_WORDS == 0)
            (void)wdb.get_spelling_suggestion(no_word, 1);
    }
    pending.clear();
    if (merge)
        (void)wdb.get_spelling_suggestion(no_word, 1);
}

void Shard::send_spelling()
{
    spelling_docs = 0;
    if (spelling.empty() || !speller)
        return;
    ShardJob job;
    job.kind = ShardJob::SPELL;
    job.spelling.swap(spelling);
    speller->push(std::move(job));
}

/* Takes back the spelling counts of the document that `idterm` names,
 * before it is replaced or deleted, so suggestions never point at words
 * no case holds. */
static void forget_spelling(Shard &sh, const std::string &idterm)
{
    Xapian::PostingIterator p = sh.wdb.postlist_begin(idterm);
    if (p == sh.wdb.postlist_end(idterm))
        return;
    sh.count_spelling(sh.wdb.get_document(*p), -1);
}

/* -- writing: what a worker does with a case -------------------------- */

/* One field's text, folded, with its within-document frequency step. */
struct FoldedField {
    std::string text;
    Xapian::termcount wdf_inc;
};

static void add_field(std::vector<FoldedField> &fields,
                      const std::string &text, Xapian::termcount wdf_inc)
{
    if (!text.empty())
        fields.push_back({ fold_text(text), wdf_inc });
}

/* Summary and body as shown in snippets: whitespace runs collapsed and
 * Markdown's emphasis and heading marks dropped, cut at a character
 * boundary near SNIPPET_SOURCE_MAX bytes. */
static std::string snippet_source(const char *summary, const char *body)
{
    std::string raw = str_or_empty(summary);
    if (body && *body) {
        raw += "\n";
        raw += body;
    }
    std::string out;
    out.reserve(std::min(raw.size(), SNIPPET_SOURCE_MAX + 4));
    bool in_space = false, at_line_start = true;
    for (size_t i = 0; i < raw.size() && out.size() < SNIPPET_SOURCE_MAX;
         i++) {
        char ch = raw[i];
        if (ch == '\n') {
            at_line_start = true;
            in_space = true;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            in_space = true;
            continue;
        }
        if (ch == '*' || ch == '`' || (ch == '#' && at_line_start))
            continue;
        at_line_start = false;
        if (in_space && !out.empty())
            out += ' ';
        in_space = false;
        out += ch;
    }
    /* never end inside a UTF-8 sequence */
    size_t end = out.size();
    if (end >= SNIPPET_SOURCE_MAX) {
        while (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0x80)
            end--;
        if (end > 0 && ((unsigned char)out[end - 1] & 0x80))
            end--;   /* the lead byte of a cut sequence */
        out.resize(end);
    }
    return out;
}

static int check_case(const struct minga_case *c, char **errmsg)
{
    if (!c || !c->id || !*c->id || !c->title || !c->language) {
        set_errmsg(errmsg, "index put_case: case without id, title or "
                           "language");
        return MINGA_EINVAL;
    }
    if (strlen(c->id) > 200) {
        set_errmsg(errmsg, std::string("index put_case: id too long: ") +
                           c->id);
        return MINGA_EINVAL;
    }
    return 0;
}

/* The case's document: folded, tokenised and stemmed text with positions,
 * boolean filter terms, values and the stored data. Runs in the caller's
 * thread, on the writer's own TermGenerator and stemmers; reads the case
 * in place. Throws (before anything is queued). */
static Xapian::Document build_document(struct mindex *ix,
                                       const struct minga_case *c)
{
    std::vector<FoldedField> fields;
    add_field(fields, str_or_empty(c->title), 5);
    for (size_t i = 0; i < c->n_tags; i++)
        add_field(fields, str_or_empty(c->tags[i]), 3);
    add_field(fields, str_or_empty(c->city), 2);
    add_field(fields, str_or_empty(c->region), 2);
    add_field(fields, str_or_empty(c->summary), 2);
    add_field(fields, str_or_empty(c->body), 1);
    for (size_t i = 0; i < c->n_attachments; i++)
        add_field(fields, str_or_empty(c->attachments[i].text), 1);

    const std::string lang = c->language;
    const std::string country = str_or_empty(c->country);
    Xapian::Document doc;
    Xapian::TermGenerator &indexer = ix->indexer;
    indexer.set_document(doc);
    indexer.set_stemmer(ix->stem_for(lang));
    for (const FoldedField &f : fields) {
        indexer.index_text(f.text, f.wdf_inc);
        indexer.increase_termpos(FIELD_GAP);
    }
    /* the indexer lets go of the document: it goes to another thread */
    indexer.set_document(Xapian::Document());

    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g))
            doc.add_boolean_term("XG" + std::to_string(g));
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i] && *c->targets[i])
            doc.add_boolean_term(std::string("XT") + c->targets[i]);
    for (int b = 0; b < MINGA_N_LEVELS; b++)
        if (c->level_mask & (1u << b))
            doc.add_boolean_term(std::string("XL") + LEVEL_NAMES[b]);
    for (int b = 0; b < MINGA_N_ACTORS; b++)
        if (c->actor_mask & (1u << b))
            doc.add_boolean_term(std::string("XA") + ACTOR_NAMES[b]);
    if (!country.empty())
        doc.add_boolean_term("XC" + country);
    doc.add_boolean_term("XN" + lang);
    doc.add_boolean_term(std::string("Q") + c->id);

    int year_end = c->year_end ? c->year_end : c->year_start;
    doc.add_value(SLOT_YEAR_START, Xapian::sortable_serialise(c->year_start));
    doc.add_value(SLOT_YEAR_END, Xapian::sortable_serialise(year_end));
    doc.add_value(SLOT_FACETS, facets_encode(c->goal_mask, c->level_mask,
                                             c->actor_mask, country, lang));
    doc.add_value(SLOT_ID, c->id);

    DocData data;
    data.id = c->id;
    data.title = c->title;
    data.city = str_or_empty(c->city);
    data.country = country;
    data.language = lang;
    data.year_start = c->year_start;
    data.year_end = c->year_end;
    data.goal_mask = c->goal_mask;
    data.level_mask = c->level_mask;
    data.actor_mask = c->actor_mask;
    data.text = snippet_source(c->summary, c->body);
    doc.set_data(docdata_encode(data));
    return doc;
}

/* Writes one case's document into the shard (its worker thread), in
 * place of the case's earlier version. Throws. */
static void write_document(Shard &sh, const std::string &idterm,
                           const Xapian::Document &doc)
{
    forget_spelling(sh, idterm);
    sh.wdb.replace_document(idterm, doc);
    sh.count_spelling(doc, 1);
    if (++sh.spelling_docs >= SPELLING_FLUSH_DOCS)
        sh.send_spelling();
}

/* Empties the shard: documents and spelling data. Throws. */
static void clear_shard(Shard &sh)
{
    Xapian::WritableDatabase &wdb = sh.wdb;
    /* what is pending goes with the documents; what Xapian holds in
     * memory is merged so that the word list below shows it */
    sh.spelling.clear();
    sh.flush_spelling(true);
    std::vector<Xapian::docid> docids;
    for (auto p = wdb.postlist_begin(""); p != wdb.postlist_end(""); ++p)
        docids.push_back(*p);
    for (Xapian::docid did : docids)
        wdb.delete_document(did);
    std::vector<std::pair<std::string, Xapian::termcount>> words;
    for (auto s = wdb.spellings_begin(); s != wdb.spellings_end(); ++s)
        words.emplace_back(*s, s.get_termfreq());
    for (const auto &w : words)
        wdb.remove_spelling(w.first, w.second);
}

int Shard::run_job(ShardJob &job, std::string *msg)
{
    std::string what;
    switch (job.kind) {
    case ShardJob::PUT:
        what = "index put_case " + job.idterm.substr(1);
        break;
    case ShardJob::REMOVE_ALL:
        what = "index remove_all";
        break;
    case ShardJob::COMMIT:
        what = "index commit " + path;
        break;
    case ShardJob::SPELL:
        what = "index spelling " + path;
        break;
    }
    char *err = NULL;
    int rc = guard(&err, what.c_str(), [&]() -> int {
        switch (job.kind) {
        case ShardJob::PUT:
            write_document(*this, job.idterm, job.doc);
            break;
        case ShardJob::REMOVE_ALL:
            clear_shard(*this);
            break;
        case ShardJob::COMMIT:
            try {
                if (job.set_languages)
                    wdb.set_metadata(META_LANGUAGES, job.languages);
                wdb.set_metadata(META_GENERATION, job.generation);
                wdb.commit_transaction();
            } catch (...) {
                try {
                    wdb.cancel_transaction();
                } catch (...) {
                }
                throw;
            }
            wdb.commit();
            break;
        case ShardJob::SPELL:
            spelling.swap(job.spelling);
            flush_spelling(true);
            break;
        }
        return 0;
    });
    if (rc) {
        *msg = err ? err : what + ": failed";
        free(err);
    }
    return rc;
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

bool mindex::reopen_db()
{
    if (mode == MINDEX_WRITE)
        return false;
    /* the shards' handles share their internals with rdb and spell_all:
     * rdb first, or it would find them reopened already */
    bool changed = rdb.reopen();
    changed = spell_all.reopen() || changed;
    if (!changed)
        return false;
    facet_table.reset();
    load_languages();
    enquire.reset(new Xapian::Enquire(rdb));
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
        w->spelling_docs = 0;
        w->clear_error();
    }
    ix->languages_dirty = false;
    try {
        ix->load_languages();
    } catch (...) {
    }
}

extern "C" int mindex_open(struct mindex **out, const char *dir, int mode,
                           char **errmsg)
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
        int new_count = 0;   /* > 0: a new index, to record */
        if (is_single_database(ix->dir)) {
            paths.push_back(ix->dir);
        } else if (int n = read_shard_count(ix->dir)) {
            for (int i = 0; i < n; i++)
                paths.push_back(shard_path(ix->dir, i));
        } else if (mode == MINDEX_READ) {
            /* not ours: a database of another kind, or Xapian's error */
            Xapian::Database probe(ix->dir);
            paths.push_back(ix->dir);
        } else {
            new_count = new_shard_count();
            if (mkdir(dir, 0755) != 0 && errno != EEXIST)
                throw Xapian::DatabaseCreateError(
                    std::string("cannot create the folder: ") +
                    strerror(errno));
            for (int i = 0; i < new_count; i++)
                paths.push_back(shard_path(ix->dir, i));
        }
        for (const std::string &path : paths) {
            std::unique_ptr<Shard> sh(new Shard());
            sh->path = path;
            if (mode == MINDEX_WRITE) {
                /* a shard lost since is recreated empty: its generation
                 * (0) then tells minga_recover to rebuild */
                sh->wdb = Xapian::WritableDatabase(path,
                                                   Xapian::DB_CREATE_OR_OPEN);
                ix->wall.add_database(sh->wdb);
            } else {
                sh->rdb = Xapian::Database(path);
                ix->rdb.add_database(sh->rdb);
            }
            ix->shards.push_back(std::move(sh));
        }
        if (new_count)
            write_shard_count(ix->dir, new_count);
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
        ix->tokenizer.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        /* no FLAG_SPELLING: the shards count spelling data themselves
         * (Shard::spelling) */
        ix->indexer.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
        ix->load_languages();
        ix->enquire.reset(new Xapian::Enquire(ix->db()));
        ix->newest_first.add_value(SLOT_YEAR_START, true);
        ix->newest_first.add_value(SLOT_ID);
        *out = ix.release();
        return 0;
    });
}

extern "C" void mindex_close(struct mindex *ix)
{
    if (!ix)
        return;
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
}

extern "C" int mindex_reopen(struct mindex *ix, char **errmsg)
{
    if (!ix) {
        set_errmsg(errmsg, "index reopen: no index handle");
        return MINGA_EINVAL;
    }
    return guard(errmsg, "index reopen", [&]() -> int {
        ix->reopen_db();
        return 0;
    });
}

extern "C" uint64_t mindex_generation(struct mindex *ix)
{
    uint64_t generation = 0;
    if (!ix)
        return 0;
    guard_read(ix, NULL, "index generation", [&]() -> int {
        if (ix->mode == MINDEX_WRITE)
            ix->sync();
        for (size_t i = 0; i < ix->shards.size(); i++) {
            std::string value =
                ix->shards[i]->db(ix->mode).get_metadata(META_GENERATION);
            uint64_t g = value.empty() ? 0 : strtoull(value.c_str(), NULL, 10);
            if (i == 0) {
                generation = g;
            } else if (g != generation) {
                /* a commit stopped between two shards */
                generation = MINDEX_GENERATION_MIXED;
                break;
            }
        }
        return 0;
    });
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

        ShardJob job;
        job.kind = ShardJob::PUT;
        job.doc = build_document(ix, c);
        job.idterm = std::string("Q") + c->id;
        const std::string lang = c->language;
        ix->begin_write();
        Shard &sh = shard_for(ix, c->id);
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
        for (Shard *w : ix->writers()) {
            ShardJob job;
            job.kind = ShardJob::REMOVE_ALL;
            w->push(std::move(job));
        }
        ix->languages.clear();
        ix->languages_dirty = true;
        ix->refresh_query_stems();
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
                               "error: " + msg);
            return rc;
        }
        ix->begin_write();
        std::string list;
        for (const std::string &l : ix->languages)
            list += (list.empty() ? "" : " ") + l;
        for (auto &sh : ix->shards)
            sh->send_spelling();
        /* each worker commits its database: the fsyncs run in parallel */
        for (Shard *w : ix->writers()) {
            ShardJob job;
            job.kind = ShardJob::COMMIT;
            job.generation = std::to_string(generation);
            job.set_languages = ix->languages_dirty;
            job.languages = list;
            w->push(std::move(job));
        }
        ix->sync();
        ix->in_txn = false;
        ix->languages_dirty = false;
        for (Shard *w : ix->writers()) {
            if (!rc && (rc = w->error(&msg)))
                set_errmsg(errmsg, msg);
            w->clear_error();
        }
        if (rc) {
            try {
                ix->load_languages();
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
