/*
 * The context the route handlers share with the server (context.h): this
 * thread's read-only handle, the log, a request's target for the log and
 * temporary files. Nothing here calls into server.c.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "web.h"
#include "minga.h"

char *web_dup_printf(const char *fmt, ...)
{
    va_list ap;
    char *out = NULL;
    va_start(ap, fmt);
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

void web_log(struct web_server *srv, const char *fmt, ...)
{
    if (!srv->opt.log)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    srv->opt.log(srv->opt.arg, line);
}

/* -- per-thread handles ----------------------------------------------- */

struct minga *web_thread_minga(struct web_server *srv, char **errmsg)
{
    struct minga *m = pthread_getspecific(srv->minga_key);
    if (m)
        return m;
    if (minga_open(&m, srv->opt.data_dir, MINGA_OPEN_READONLY, errmsg) != 0)
        return NULL;
    if (pthread_setspecific(srv->minga_key, m) != 0) {
        minga_close(m);
        *errmsg = strdup("out of memory");
        return NULL;
    }
    return m;
}

struct minga *web_thread_minga_reply(struct web_server *srv,
                                     struct web_reply *reply)
{
    char *errmsg = NULL;
    struct minga *m = web_thread_minga(srv, &errmsg);
    if (!m) {
        web_log(srv, "cannot open the data folder: %s",
                errmsg ? errmsg : "unknown error");
        web_reply_error(reply, MHD_HTTP_SERVICE_UNAVAILABLE,
                        "the data folder cannot be opened", NULL);
        free(errmsg);
    }
    return m;
}

int web_tmpfile(struct web_server *srv)
{
    char *path = web_dup_printf("%s/minga-web-XXXXXX", srv->tmp_dir);
    if (!path)
        return -1;
    int fd = mkstemp(path);
    if (fd >= 0)
        unlink(path);
    free(path);
    return fd;
}

/* -- requests --------------------------------------------------------- */

char *web_target_for_log(const struct web_request *req, char *buf, size_t size)
{
    size_t n = 0;
    for (const char *p = req->raw_uri; p && *p && n + 1 < size; p++)
        buf[n++] = (unsigned char)*p < 0x20 || *p == 0x7F ? '?' : *p;
    buf[n] = '\0';
    return buf;
}
