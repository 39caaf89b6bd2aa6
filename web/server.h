/*
 * minga's HTTP server: a thin shell over the library facade (minga.h).
 * Every endpoint calls one minga_ function and turns its answer into JSON,
 * a file download or an embedded page asset; no behaviour lives here that
 * the CLI could not also reach.
 *
 * Invariants:
 *   - each server thread owns its own read-only struct minga, opened lazily
 *     and closed when the thread ends (Xapian handles are not shared);
 *   - libmicrohttpd's threads only parse, route and send: searches,
 *     statistics, exports and imports run in bounded worker pools while
 *     their connections are suspended, so one slow request does not hold
 *     the others;
 *   - uploads open a writable handle only for the length of one import;
 *   - the server never reads the filesystem to answer a URL: the page's
 *     assets are embedded in the binary;
 *   - every error is JSON {"error": msg, "details": [...]}.
 */
#ifndef MINGA_WEB_SERVER_H
#define MINGA_WEB_SERVER_H

#include <stdint.h>

struct minga_server_options {
    const char *data_dir;     /* the data folder (required) */
    const char *bind_addr;    /* numeric address or host; "127.0.0.1" */
    int port;                 /* 8080 */
    unsigned n_threads;       /* 0 = number of cores */
    unsigned max_connections; /* 0 = 256 */
    unsigned per_ip_limit;    /* connections from one address; 0 = 32 */
    unsigned timeout_s;       /* idle connection timeout; 0 = 30 */
    uint64_t max_upload;      /* bytes of one upload body; 0 = 256 MiB */
    /* Memory MHD may use per connection (headers, post processor); 0 =
     * 128 KiB. */
    uint64_t connection_memory;
    /* Seconds to wait for requests in flight after SIGTERM; 0 = 30. */
    unsigned grace_s;
    /* Worker threads for searches and statistics; 0 = n_threads. */
    unsigned query_workers;
    /* Worker threads for exports; 0 = half of n_threads, at least 1.
     * (Imports have one worker: they take the data folder's lock one
     * at a time anyway.) */
    unsigned export_workers;
    /* Jobs that may wait for a query worker; more get 503 with
     * Retry-After. 0 = 8 per query worker. */
    unsigned query_queue;
    /* The same for the export workers; 0 = 4 per export worker. */
    unsigned export_queue;
    /* The same for the import worker; 0 = 4. */
    unsigned import_queue;
    /* Called once the socket listens, with the bound address and port, so
     * the caller can print where to go. May be NULL. */
    void (*on_ready)(void *arg, const char *addr, int port);
    /* Called with one line per request ("GET /api/search 200 3 ms") and
     * per server error. May be NULL: the library itself never prints. */
    void (*log)(void *arg, const char *line);
    void *arg; /* passed to on_ready and log */
};

/* Fills *opt with the defaults above (data_dir NULL). */
void minga_server_options_init(struct minga_server_options *opt);

/* Serves until SIGTERM or SIGINT, then stops accepting connections, lets
 * requests in flight finish (up to grace_s) and returns 0. SIGINT, SIGTERM
 * and SIGPIPE are blocked in the calling thread while it runs (the server
 * threads inherit that mask) and restored on return. Returns a negative
 * MINGA_E... code with *errmsg (caller frees) when the data folder cannot
 * be opened or the address cannot be bound. */
int minga_server_run(const struct minga_server_options *opt, char **errmsg);

#endif
