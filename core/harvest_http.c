/* GET through libcurl with a size cap, a timeout and bounded redirects
 * (see harvest_http.h). */
#include "harvest_http.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "minga/plugin.h"
#include "minga_impl.h"

#define N_RETRIES_503 2
#define MAX_RETRY_AFTER_S 30

struct harvest_http {
    CURL *curl;
    uint64_t max_bytes;
    long timeout_s;
    char *buf; /* the answer being read */
    size_t len, cap;
    int is_over_limit;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
    struct harvest_http *h = arg;
    size_t bytes = size * n;
    if (h->len + bytes > h->max_bytes) {
        h->is_over_limit = 1;
        return 0; /* stops the transfer: CURLE_WRITE_ERROR */
    }
    if (h->len + bytes + 1 > h->cap) {
        size_t cap = h->cap ? h->cap : 1 << 16;
        while (cap < h->len + bytes + 1)
            cap *= 2;
        char *grown = realloc(h->buf, cap);
        if (!grown)
            return 0;
        h->buf = grown;
        h->cap = cap;
    }
    memcpy(h->buf + h->len, data, bytes);
    h->len += bytes;
    h->buf[h->len] = '\0';
    return bytes;
}

int harvest_http_new(struct harvest_http **out, uint64_t max_bytes,
                     long timeout_s, char **errmsg)
{
    pthread_once(&curl_once, init_curl);
    struct harvest_http *h = calloc(1, sizeof *h);
    if (curl_init_rc != CURLE_OK || !h || !(h->curl = curl_easy_init())) {
        free(h);
        *errmsg = strdup("cannot start libcurl");
        return MINGA_EINTERNAL;
    }
    h->max_bytes = max_bytes;
    h->timeout_s = timeout_s;
    CURL *c = h->curl;
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)HARVEST_MAX_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     timeout_s < 30 ? timeout_s : 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
    curl_easy_setopt(c, CURLOPT_USERAGENT,
                     "minga/" MINGA_VERSION " (OAI-PMH harvester)");
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, h);
    *out = h;
    return MINGA_OK;
}

void harvest_http_free(struct harvest_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h->buf);
    free(h);
}

char *harvest_http_escape(struct harvest_http *h, const char *part)
{
    char *e = curl_easy_escape(h->curl, part, 0);
    char *copy = e ? strdup(e) : NULL;
    curl_free(e);
    return copy;
}

/* One request; *status gets the HTTP status, *retry_after its header. */
static int get_once(struct harvest_http *h, const char *url, long *status,
                    long *retry_after, char **errmsg)
{
    char errbuf[CURL_ERROR_SIZE] = "";
    h->len = 0;
    h->is_over_limit = 0;
    if (h->buf)
        h->buf[0] = '\0';
    curl_easy_setopt(h->curl, CURLOPT_URL, url);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode rc = curl_easy_perform(h->curl);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, NULL);
    if (h->is_over_limit || rc == CURLE_FILESIZE_EXCEEDED) {
        *errmsg = minga_strdupf("%s: the answer is larger than the limit of "
                                "%llu bytes (--max-response); refused",
                                url, (unsigned long long)h->max_bytes);
        return MINGA_ELIMIT;
    }
    if (rc == CURLE_TOO_MANY_REDIRECTS) {
        *errmsg = minga_strdupf("%s: more than %d redirects (a redirect "
                                "loop?); refused",
                                url, HARVEST_MAX_REDIRECTS);
        return MINGA_EIO;
    }
    if (rc == CURLE_OPERATION_TIMEDOUT) {
        *errmsg = minga_strdupf("%s: no complete answer within %ld s "
                                "(--timeout)",
                                url, h->timeout_s);
        return MINGA_EIO;
    }
    if (rc != CURLE_OK) {
        *errmsg = minga_strdupf("%s: %s", url,
                                *errbuf ? errbuf : curl_easy_strerror(rc));
        return MINGA_EIO;
    }
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
    curl_off_t after = 0;
    if (curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER, &after) != CURLE_OK)
        after = 0;
    *retry_after = (long)after;
    return MINGA_OK;
}

int harvest_http_get(struct harvest_http *h, const char *url, char **body,
                     size_t *len, char **errmsg)
{
    long status = 0, retry_after = 0;
    for (int attempt = 0;; attempt++) {
        int rc = get_once(h, url, &status, &retry_after, errmsg);
        if (rc)
            return rc;
        if (status != 503 || attempt == N_RETRIES_503)
            break;
        long wait = retry_after > 0 ? retry_after : 5;
        sleep((unsigned)(wait < MAX_RETRY_AFTER_S ? wait : MAX_RETRY_AFTER_S));
    }
    if (status != 200) {
        *errmsg = minga_strdupf("%s: HTTP status %ld", url, status);
        return MINGA_EIO;
    }
    *body = malloc(h->len + 1);
    if (!*body) {
        *errmsg = strdup("out of memory");
        return MINGA_ENOMEM;
    }
    memcpy(*body, h->buf ? h->buf : "", h->len);
    (*body)[h->len] = '\0';
    *len = h->len;
    return MINGA_OK;
}
