/*
 * The shards of the index and their writers' worker threads
 * (index/mindex_worker.cc): a writer's shard has a bounded queue of jobs
 * and one thread that writes them, and hands the spelling counts of its
 * cases to one more worker, the speller, that alone writes the spelling
 * database. mindex.cc, whose struct mindex owns the shards, tells how the
 * threads share the work and the transactions. Internal to the index
 * shim, as mindex_internal.h is.
 */
#ifndef MINGA_MINDEX_WORKER_H
#define MINGA_MINDEX_WORKER_H

#include <stddef.h>
#include <stdint.h>
#include <xapian.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "mindex.h"

namespace mindex_impl
{

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

/* One unit of a shard worker's work. A PUT carries the case's document,
 * built (folded, tokenised, stemmed) in the caller's thread: the caller
 * holds no other handle on it once queued, because Xapian's handles count
 * their references without atomics. */
struct ShardJob {
    enum Kind {
        PUT,
        REMOVE_ALL,
        COMMIT,
        SPELL
    } kind = PUT;
    Xapian::Document doc; /* PUT */
    std::string idterm;   /* PUT: "Q" + the case id */
    /* SPELL: changes. PUT: when the job ends a window of
     * SPELLING_FLUSH_DOCS cases, the counts of the cases the caller put
     * in it (Shard::spelling_put), handed on after this case is written */
    std::unordered_map<std::string, int64_t> spelling;
    std::string generation; /* COMMIT */
    std::string languages;  /* COMMIT: when set_languages */
    bool set_languages = false;
    bool set_weighting = false; /* COMMIT: mark length norms */
    std::string suggested_mark; /* COMMIT: META_SUGGESTED's value;
                                          "" removes it */
};

/* One Xapian database of the index. A writer's shard has a worker thread
 * that alone touches wdb while it has work; the caller's thread touches it
 * only when the shard is idle (drain()). */
struct Shard {
    std::string path;
    Xapian::Database rdb;         /* MINDEX_READ */
    Xapian::WritableDatabase wdb; /* MINDEX_WRITE */

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
    size_t spelling_put_docs = 0; /* cases in spelling_put */
    Shard *speller = nullptr;     /* MINDEX_WRITE, not owned: the
                                          spelling database's worker */
    size_t queue_max = SHARD_QUEUE_MAX;

    std::thread worker;
    std::mutex mu; /* guards what follows */
    std::condition_variable has_work, has_room, is_idle;
    std::deque<ShardJob> queue;
    bool busy = false, stopping = false;
    int err_code = 0; /* the first failed job's */
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

/* Adds (sign 1) or takes back (sign -1) into `counts` the spelling
 * counts of a document's unprefixed terms: one per position, as
 * FLAG_SPELLING counted them. */
void count_spelling(std::unordered_map<std::string, int64_t> &counts,
                    const Xapian::Document &doc, int sign);
/* Takes back the spelling counts of the document that `idterm` names,
 * before it is replaced or deleted (the shard's worker, or the caller's
 * thread while the shard is idle). Throws. */
void forget_spelling(Shard &sh, const std::string &idterm);

} /* namespace mindex_impl */

#endif
