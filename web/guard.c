/*
 * The header deadline: libmicrohttpd's connection timeout is an idle
 * timeout that every byte resets, so a client trickling one header byte a
 * second (slowloris) would hold a connection, and its address's share of
 * connections, for ever. The guard remembers when each connection began
 * waiting for a request's headers and shuts down the ones that have not
 * sent them all within the deadline. Requests whose headers are complete
 * (uploads streaming a body included) are left to the idle timeout.
 */
#include "web.h"

#include <stdlib.h>
#include <sys/socket.h>

struct guard_conn {
    struct guard_conn *prev, *next;
    MHD_socket fd;
    struct timespec since; /* began waiting for headers */
    int is_waiting;
};

void web_guard_init(struct web_guard *g, unsigned deadline_s)
{
    pthread_mutex_init(&g->lock, NULL);
    g->head = NULL;
    g->deadline_s = deadline_s;
}

void web_guard_release(struct web_guard *g)
{
    pthread_mutex_lock(&g->lock);
    while (g->head) {
        struct guard_conn *c = g->head;
        g->head = c->next;
        free(c);
    }
    pthread_mutex_unlock(&g->lock);
    pthread_mutex_destroy(&g->lock);
}

void web_guard_notify(void *cls, struct MHD_Connection *con,
                      void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    struct web_guard *g = &((struct web_server *)cls)->guard;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(con, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct guard_conn *c = calloc(1, sizeof *c);
        if (!c || !info) {
            free(c);
            return;
        }
        c->fd = info->connect_fd;
        c->is_waiting = 1;
        clock_gettime(CLOCK_MONOTONIC, &c->since);
        pthread_mutex_lock(&g->lock);
        c->next = g->head;
        if (g->head)
            g->head->prev = c;
        g->head = c;
        pthread_mutex_unlock(&g->lock);
        *socket_context = c;
        return;
    }
    /* closed: unlink before MHD closes the socket, under the lock the
     * reaper holds while it shuts sockets down */
    struct guard_conn *c = *socket_context;
    if (!c)
        return;
    pthread_mutex_lock(&g->lock);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    pthread_mutex_unlock(&g->lock);
    free(c);
    *socket_context = NULL;
}

static struct guard_conn *conn_of(struct MHD_Connection *con)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(con, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

void web_guard_headers_done(struct web_server *srv, struct MHD_Connection *con)
{
    struct guard_conn *c = conn_of(con);
    if (!c)
        return;
    pthread_mutex_lock(&srv->guard.lock);
    c->is_waiting = 0;
    pthread_mutex_unlock(&srv->guard.lock);
}

void web_guard_request_done(struct web_server *srv, struct MHD_Connection *con)
{
    struct guard_conn *c = conn_of(con);
    if (!c)
        return;
    pthread_mutex_lock(&srv->guard.lock);
    c->is_waiting = 1; /* a kept-alive connection waits for the next */
    clock_gettime(CLOCK_MONOTONIC, &c->since);
    pthread_mutex_unlock(&srv->guard.lock);
}

unsigned web_guard_reap(struct web_guard *g)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    unsigned n_reaped = 0;
    pthread_mutex_lock(&g->lock);
    for (struct guard_conn *c = g->head; c; c = c->next) {
        if (c->is_waiting &&
            now.tv_sec - c->since.tv_sec >= (time_t)g->deadline_s) {
            /* MHD sees the socket fail and closes it in its own thread */
            shutdown(c->fd, SHUT_RDWR);
            c->is_waiting = 0;
            n_reaped++;
        }
    }
    pthread_mutex_unlock(&g->lock);
    return n_reaped;
}
