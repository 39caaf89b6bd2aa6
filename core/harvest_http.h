/*
 * The harvester's HTTP client (libcurl): GET with the limits a harvester
 * owes its host and the sources it reads. Redirects are followed (at most
 * HARVEST_MAX_REDIRECTS, http and https only), TLS certificates and host
 * names are verified (never switched off), an answer larger than the cap
 * is cut off and refused, and each request has a timeout. A 503 answer
 * is retried twice, after its Retry-After (at most 30 s).
 *
 * Errors name the URL and what went wrong; *errmsg is malloc'd (caller
 * frees). One handle serves one thread.
 */
#ifndef MINGA_HARVEST_HTTP_H
#define MINGA_HARVEST_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HARVEST_MAX_REDIRECTS 5

struct harvest_http;

/* max_bytes: the largest answer read; timeout_s: one request's bound. */
int harvest_http_new(struct harvest_http **out, uint64_t max_bytes,
                     long timeout_s, char **errmsg);
void harvest_http_free(struct harvest_http *h);

/* GETs url. *body (malloc'd, NUL-terminated; caller frees) and *len on
 * success (HTTP 200). MINGA_ELIMIT for an answer over the cap, MINGA_EIO
 * for the network, TLS, a redirect loop or another HTTP status. */
int harvest_http_get(struct harvest_http *h, const char *url, char **body,
                     size_t *len, char **errmsg);

/* url with `part` appended percent-encoded (a path segment); malloc'd. */
char *harvest_http_escape(struct harvest_http *h, const char *part);

#endif
