/*
 * The shard workers of a writer: their queues, the spelling counts they
 * hand to the speller, and what a worker does with each job (writing a
 * document, emptying its database, committing). See mindex.cc for the
 * threads and transactions.
 */
#include "mindex_worker.h"
#include "mindex_internal.h"

#include <string.h>

namespace mindex_impl
{

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
        job = ShardJob(); /* free the copy outside the lock */
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

void count_spelling(std::unordered_map<std::string, int64_t> &counts,
                    const Xapian::Document &doc, int sign)
{
    for (auto t = doc.termlist_begin(); t != doc.termlist_end(); ++t) {
        const std::string &term = *t;
        /* prefixed terms are not spelling data; Xapian ignores words of
         * one byte */
        if (term.size() <= 1 || (term[0] >= 'A' && term[0] <= 'Z'))
            continue;
        Xapian::termcount occurrences = t.positionlist_count();
        if (occurrences > 0)
            counts[term] += sign * (int64_t)occurrences;
    }
}

void Shard::flush_spelling(bool merge)
{
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
    send_spelling(take_spelling_put());
}

void Shard::send_spelling(std::unordered_map<std::string, int64_t> &&batch)
{
    /* the smaller map goes into the larger: in an import of new cases
     * the worker's own counts are empty */
    if (spelling.size() > batch.size())
        spelling.swap(batch);
    for (const auto &w : spelling)
        batch[w.first] += w.second;
    spelling.clear();
    if (batch.empty() || !speller)
        return;
    ShardJob job;
    job.kind = ShardJob::SPELL;
    job.spelling.swap(batch);
    speller->push(std::move(job));
}

/* Takes back the spelling counts of the document that `idterm` names,
 * before it is replaced or deleted, so suggestions never point at words
 * no case holds. */
void forget_spelling(Shard &sh, const std::string &idterm)
{
    Xapian::PostingIterator p = sh.wdb.postlist_begin(idterm);
    if (p == sh.wdb.postlist_end(idterm))
        return;
    count_spelling(sh.spelling, sh.wdb.get_document(*p), -1);
}

/* -- the jobs ------------------------------------------------------------ */

/* Writes one case's document into the shard (its worker thread), in
 * place of the case's earlier version, and hands on the spelling counts
 * the job carries. Throws. */
static void write_document(Shard &sh, ShardJob &job)
{
    forget_spelling(sh, job.idterm);
    sh.wdb.replace_document(job.idterm, job.doc);
    if (!job.spelling.empty())
        sh.send_spelling(std::move(job.spelling));
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
            write_document(*this, job);
            break;
        case ShardJob::REMOVE_ALL:
            clear_shard(*this);
            break;
        case ShardJob::COMMIT:
            try {
                if (job.set_languages)
                    wdb.set_metadata(META_LANGUAGES, job.languages);
                if (job.set_weighting)
                    wdb.set_metadata(META_WEIGHTING, WEIGHTING_LENGTH_NORMS);
                wdb.set_metadata(META_SUGGESTED, job.suggested_mark);
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

} /* namespace mindex_impl */
