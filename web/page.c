/*
 * The server-rendered page's frame: the HTML buffer and its one escaping
 * function, the strings of i18n.js, the page's URLs, the head, header and
 * footer, and the route: GET / reads its URL on the connection's thread
 * and is rendered in the query pool (page_search.c, page_case.c).
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "minga.h"
#include "refdata.h"

extern const unsigned char web_asset_i18n_js[];
extern const size_t web_asset_i18n_js_len;

/* -- the buffer --------------------------------------------------------- */

static int grow(struct page_buf *b, size_t more)
{
    if (b->is_failed)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 16384;
    while (cap < b->len + more + 1)
        cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
        b->is_failed = 1;
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

void page_putn(struct page_buf *b, const char *s, size_t n)
{
    if (!s || grow(b, n) != 0)
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void page_put(struct page_buf *b, const char *s)
{
    if (s)
        page_putn(b, s, strlen(s));
}

void page_putf(struct page_buf *b, const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->is_failed = 1;
        return;
    }
    page_putn(b, s, (size_t)n);
    free(s);
}

void page_esc(struct page_buf *b, const char *text)
{
    if (!text)
        return;
    const char *run = text;
    for (const char *p = text; *p; p++) {
        const char *ent = NULL;
        switch (*p) {
        case '&':
            ent = "&amp;";
            break;
        case '<':
            ent = "&lt;";
            break;
        case '>':
            ent = "&gt;";
            break;
        case '"':
            ent = "&quot;";
            break;
        case '\'':
            ent = "&#39;";
            break;
        default:
            continue;
        }
        page_putn(b, run, (size_t)(p - run));
        page_put(b, ent);
        run = p + 1;
    }
    page_put(b, run);
}

/* -- strings -------------------------------------------------------------- */

static pthread_once_t strings_once = PTHREAD_ONCE_INIT;
static json_t *strings; /* {es: {...}, pt: {...}, en: {...}} */

/* i18n.js is a comment, then window.MINGA_I18N = {strict JSON}; */
static void load_strings(void)
{
    const char *text = (const char *)web_asset_i18n_js;
    const char *start = strstr(text, "window.MINGA_I18N = ");
    if (!start)
        return;
    start = strchr(start, '{');
    size_t n = web_asset_i18n_js_len - (size_t)(start - text);
    json_error_t err;
    strings = json_loadb(start, n, JSON_DISABLE_EOF_CHECK, &err);
}

const char *page_str(const char *lang, const char *key)
{
    pthread_once(&strings_once, load_strings);
    const char *s = json_string_value(
        json_object_get(json_object_get(strings, lang), key));
    if (!s)
        s = json_string_value(
            json_object_get(json_object_get(strings, "en"), key));
    return s ? s : key;
}

/* Fills {name} placeholders of template from the name, value pairs. */
static char *fill(const char *template, va_list ap)
{
    struct page_buf out = {0};
    const char *names[8], *values[8];
    size_t n_vars = 0;
    for (;;) {
        const char *name = va_arg(ap, const char *);
        if (!name)
            break;
        const char *value = va_arg(ap, const char *);
        if (n_vars < 8) {
            names[n_vars] = name;
            values[n_vars++] = value ? value : "";
        }
    }
    for (const char *p = template; *p; p++) {
        if (*p == '{') {
            const char *end = strchr(p, '}');
            size_t k = n_vars;
            if (end)
                for (k = 0; k < n_vars; k++)
                    if (strlen(names[k]) == (size_t)(end - p - 1) &&
                        strncmp(p + 1, names[k], (size_t)(end - p - 1)) == 0)
                        break;
            if (k < n_vars) {
                page_put(&out, values[k]);
                p = end;
                continue;
            }
        }
        page_putn(&out, p, 1);
    }
    if (out.is_failed || !out.data) {
        free(out.data);
        return strdup("");
    }
    return out.data;
}

void page_text(struct page_buf *b, const char *lang, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    char *s = fill(page_str(lang, key), ap);
    va_end(ap);
    if (!s) {
        b->is_failed = 1;
        return;
    }
    page_esc(b, s);
    free(s);
}

char *page_text_dup(const char *lang, const char *key, ...)
{
    va_list ap;
    va_start(ap, key);
    char *s = fill(page_str(lang, key), ap);
    va_end(ap);
    return s;
}

/* -- labels ------------------------------------------------------------- */

const char *page_value_label(const char *lang, const char *field,
                             const char *value, char *buf, size_t size)
{
    if (strcmp(field, "level") == 0) {
        uint32_t bit = refdata_level_bit(value);
        const char *s = bit ? refdata_level_label(bit, lang) : NULL;
        return s ? s : value;
    }
    if (strcmp(field, "actor") == 0) {
        uint32_t bit = refdata_actor_bit(value);
        const char *s = bit ? refdata_actor_label(bit, lang) : NULL;
        return s ? s : value;
    }
    if (strcmp(field, "country") == 0)
        return page_country_name(lang, value);
    if (strcmp(field, "language") == 0) {
        char key[16];
        snprintf(key, sizeof key, "lang_%.8s", value);
        const char *s = page_str(lang, key);
        return strcmp(s, key) == 0 ? value : s;
    }
    if (strcmp(field, "sdg") == 0) {
        snprintf(buf, size, "%s", page_str(lang, "goal"));
        char *at = strstr(buf, "{n}");
        if (at) {
            char rest[64];
            snprintf(rest, sizeof rest, "%s", at + 3);
            snprintf(at, size - (size_t)(at - buf), "%.8s%s", value, rest);
        }
        return buf;
    }
    return value;
}

const char *page_years(const char *lang, json_t *item, char *buf, size_t size)
{
    json_int_t from = json_integer_value(json_object_get(item, "year_start"));
    json_int_t to = json_integer_value(json_object_get(item, "year_end"));
    buf[0] = '\0';
    if (!from)
        return buf;
    if (to && to != from)
        snprintf(buf, size, "%lld–%lld", (long long)from, (long long)to);
    else if (to)
        snprintf(buf, size, "%lld", (long long)from);
    else {
        char y[24];
        snprintf(y, sizeof y, "%lld", (long long)from);
        char *s = page_text_dup(lang, "since", "y", y, NULL);
        snprintf(buf, size, "%s", s ? s : y);
        free(s);
    }
    return buf;
}

static const char *goal_name(const char *lang, int goal)
{
    const struct minga_goal_info *g = refdata_goal(goal);
    if (!g)
        return "";
    const char *s = strcmp(lang, "es") == 0   ? g->name_es
                    : strcmp(lang, "pt") == 0 ? g->name_pt
                                              : g->name_en;
    return s ? s : "";
}

void page_goal_chip(struct page_buf *b, const char *lang, int goal,
                    int with_name)
{
    char n[8];
    snprintf(n, sizeof n, "%d", goal);
    page_putf(b, "<span class=\"goal-chip g%d\"><span class=\"sr-only\">",
              goal);
    page_text(b, lang, "goal", "n", "", NULL);
    page_putf(b, "</span>%d", goal);
    if (with_name) {
        page_put(b, " <span class=\"goal-name\">");
        page_esc(b, goal_name(lang, goal));
        page_put(b, "</span>");
    } else {
        page_put(b, "<span class=\"sr-only\">: ");
        page_esc(b, goal_name(lang, goal));
        page_put(b, "</span>");
    }
    page_put(b, "</span>");
}

/* -- URLs ------------------------------------------------------------- */

/* Percent-encodes a query value (spaces as +) into out. */
static void put_encoded(struct page_buf *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char ch[4] = {(char)*p, 0, 0, 0};
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-_.~,", *p)) {
        } else if (*p == ' ') {
            ch[0] = '+';
        } else {
            ch[0] = '%';
            ch[1] = hex[*p >> 4];
            ch[2] = hex[*p & 15];
        }
        page_put(out, ch);
    }
}

static void put_param(struct page_buf *out, const char *name,
                      const char *value)
{
    page_put(out, out->len > 2 ? "&" : "");
    page_put(out, name);
    page_put(out, "=");
    put_encoded(out, value);
}

/* The URL, raw (not escaped). Caller frees. */
static char *url_dup(const struct page_state *st, const struct page_link *link)
{
    struct page_buf u = {0};
    page_put(&u, "/?");
    put_param(&u, "lang", link->lang ? link->lang : st->lang);
    if (!link->is_bare) {
        if (st->q && *st->q)
            put_param(&u, "q", st->q);
        int is_toggled = 0;
        for (size_t i = 0; i < st->n_filters && !link->is_clear_filters; i++) {
            const struct page_filter *f = &st->filters[i];
            if (link->toggle_name && strcmp(f->name, link->toggle_name) == 0 &&
                strcmp(f->value, link->toggle_value) == 0) {
                is_toggled = 1;
                continue;
            }
            put_param(&u, f->name, f->value);
        }
        if (link->toggle_name && !is_toggled)
            put_param(&u, link->toggle_name, link->toggle_value);
        if (link->page > 1) {
            char n[24];
            snprintf(n, sizeof n, "%ld", link->page);
            put_param(&u, "page", n);
        }
    }
    if (link->is_case) {
        put_param(&u, "case", link->case_id);
        if (link->rev > 0) {
            char n[24];
            snprintf(n, sizeof n, "%ld", link->rev);
            put_param(&u, "rev", n);
        } else if (link->is_history) {
            put_param(&u, "history", "1");
        }
    }
    if (u.is_failed) {
        free(u.data);
        return NULL;
    }
    return u.data;
}

void page_url(struct page_buf *b, const struct page_state *st,
              const struct page_link *link)
{
    char *url = url_dup(st, link);
    if (!url) {
        b->is_failed = 1;
        return;
    }
    page_esc(b, url);
    free(url);
}

/* -- head, header, footer --------------------------------------------- */

static const char *const page_langs[] = {"es", "pt", "en"};

void page_open(struct page_buf *b, const struct page_state *st,
               const struct page_head *head)
{
    const char *lang = st->lang;
    page_put(b, "<!doctype html>\n<html lang=\"");
    page_put(b, lang);
    page_put(b, "\">\n<head>\n<meta charset=\"utf-8\">\n"
                "<meta name=\"viewport\" content=\"width=device-width, "
                "initial-scale=1\">\n<title>");
    page_esc(b, head->title);
    page_put(b, "</title>\n<meta name=\"description\" content=\"");
    page_esc(b, head->description);
    page_put(b, "\">\n");
    if (head->is_noindex || !head->canonical)
        page_put(b, "<meta name=\"robots\" content=\"noindex\">\n");
    if (head->canonical && st->origin && !head->is_noindex) {
        page_put(b, "<link rel=\"canonical\" href=\"");
        page_esc(b, st->origin);
        page_url(b, st, head->canonical);
        page_put(b, "\">\n");
        for (size_t i = 0; i < 3; i++) {
            struct page_link alt = *head->canonical;
            alt.lang = page_langs[i];
            page_put(b, "<link rel=\"alternate\" hreflang=\"");
            page_put(b, page_langs[i]);
            page_put(b, "\" href=\"");
            page_esc(b, st->origin);
            page_url(b, st, &alt);
            page_put(b, "\">\n");
        }
    }
    page_put(b, "<link rel=\"icon\" href=\"/favicon.svg\" "
                "type=\"image/svg+xml\">\n"
                "<link rel=\"stylesheet\" href=\"/style.css\">\n"
                "<script src=\"/i18n.js\" defer></script>\n"
                "<script src=\"/app.js\" defer></script>\n"
                "<script src=\"/case.js\" defer></script>\n"
                "</head>\n<body class=\"");
    page_put(b, head->body_class);
    page_put(b, "\">\n<a class=\"skip\" href=\"#main\">");
    page_text(b, lang, "skip", NULL);
    page_put(b, "</a>\n<header class=\"top\"><div class=\"top-inner\">\n"
                "<a class=\"brand\" id=\"home\" href=\"");
    struct page_link home = {.is_bare = 1};
    page_url(b, st, &home);
    page_put(b, "\"><img src=\"/favicon.svg\" alt=\"\" width=\"28\" "
                "height=\"28\"><span>minga</span></a>\n<p class=\"tagline\">");
    page_text(b, lang, "tagline", NULL);
    page_put(b, "</p>\n<nav class=\"ui-lang\" id=\"ui-lang\" aria-label=\"");
    page_text(b, lang, "uiLanguage", NULL);
    page_put(b, "\"><ul>");
    /* the same page in each language */
    struct page_link here = {0};
    if (st->case_id) {
        here.is_case = 1;
        here.case_id = st->case_id;
        here.rev = st->rev;
        here.is_history = st->is_history;
    }
    here.page = st->page;
    for (size_t i = 0; i < 3; i++) {
        struct page_link alt = here;
        alt.lang = page_langs[i];
        page_put(b, "<li><a href=\"");
        page_url(b, st, &alt);
        page_put(b, "\" hreflang=\"");
        page_put(b, page_langs[i]);
        page_put(b, "\" lang=\"");
        page_put(b, page_langs[i]);
        page_put(b, "\"");
        if (strcmp(page_langs[i], lang) == 0)
            page_put(b, " aria-current=\"true\"");
        page_put(b, ">");
        page_esc(b, page_str(page_langs[i], "langName"));
        page_put(b, "</a></li>");
    }
    page_put(b, "</ul></nav>\n</div></header>\n<div id=\"content\">\n");

    /* the search form: a GET to / that keeps the language and filters */
    page_put(b, "<form id=\"search-form\" class=\"search\" role=\"search\" "
                "action=\"/\" method=\"get\">\n");
    page_put(b, st->case_id ? "<p class=\"search-title\">"
                            : "<h1 class=\"search-title\">");
    page_put(b, "<label for=\"q\">");
    page_text(b, lang, "searchLabel", NULL);
    page_put(b, "</label>");
    page_put(b, st->case_id ? "</p>\n" : "</h1>\n");
    page_put(b, "<div class=\"search-row\"><input id=\"q\" name=\"q\" "
                "type=\"search\" autocomplete=\"off\" value=\"");
    page_esc(b, st->q);
    page_put(b, "\" placeholder=\"");
    page_text(b, lang, "searchPlaceholder", NULL);
    page_put(b, "\"><button type=\"submit\" class=\"primary\">");
    page_text(b, lang, "search", NULL);
    page_put(b, "</button></div>\n<input type=\"hidden\" name=\"lang\" "
                "value=\"");
    page_put(b, lang);
    page_put(b, "\">");
    page_put_hidden_filters(b, st, NULL);
    page_put(b, "\n</form>\n");
}

void page_put_hidden_filters(struct page_buf *b, const struct page_state *st,
                             const char *except)
{
    for (size_t i = 0; i < st->n_filters; i++) {
        if (except && strcmp(st->filters[i].name, except) == 0)
            continue;
        page_put(b, "<input type=\"hidden\" name=\"");
        page_esc(b, st->filters[i].name);
        page_put(b, "\" value=\"");
        page_esc(b, st->filters[i].value);
        page_put(b, "\">");
    }
}

void page_close(struct page_buf *b, const struct page_state *st)
{
    const char *lang = st->lang;
    /* Uploading needs the script (the token goes in a header, never in
     * a URL): the button starts disabled and case.js enables it. */
    page_put(b, "</div>\n<section class=\"upload\" "
                "aria-labelledby=\"upload-title\">\n"
                "<details id=\"upload-details\"><summary><h2 "
                "id=\"upload-title\">");
    page_text(b, lang, "upload", NULL);
    page_put(b, "</h2></summary>\n<form id=\"upload-form\">\n"
                "<p class=\"help\">");
    page_text(b, lang, "uploadHelp", NULL);
    page_put(b, "</p>\n<div class=\"upload-row\">\n<label><span>");
    page_text(b, lang, "token", NULL);
    page_put(b, "</span><input id=\"upload-token\" type=\"password\" "
                "autocomplete=\"off\" required></label>\n<label><span>");
    page_text(b, lang, "file", NULL);
    page_put(b, "</span><input id=\"upload-file\" type=\"file\" required "
                "accept=\".json,.jsonl,.ndjson,.csv,.md,.zip,.tar,.tgz,"
                ".tar.gz,.tar.xz\"></label>\n<button type=\"submit\" "
                "class=\"primary\" disabled>");
    page_text(b, lang, "send", NULL);
    page_put(b,
             "</button>\n</div>\n<div id=\"upload-result\" "
             "aria-live=\"polite\"></div>\n</form>\n</details>\n</section>\n"
             "<footer class=\"foot\"><span>");
    page_text(b, lang, "footer", NULL);
    page_put(b, "</span> <a href=\"/api/openapi.json\">OpenAPI</a></footer>\n"
                "</body>\n</html>\n");
}

/* -- the state from the URL ------------------------------------------- */

static const char *const filter_names[] = {
    "sdg",  "target",    "level",   "country",   "language", "actor",
    "year", "year_from", "year_to", "suggested", NULL};

static int is_filter(const char *name)
{
    for (size_t i = 0; filter_names[i]; i++)
        if (strcmp(name, filter_names[i]) == 0)
            return 1;
    return 0;
}

static void state_release(struct page_state *st)
{
    free(st->q);
    for (size_t i = 0; i < st->n_filters; i++) {
        free(st->filters[i].name);
        free(st->filters[i].value);
    }
    free(st->case_id);
    free(st->origin);
    memset(st, 0, sizeof *st);
}

static void add_filter(struct page_state *st, const char *name,
                       const char *value, size_t len)
{
    while (len > 0 && *value == ' ')
        value++, len--;
    while (len > 0 && value[len - 1] == ' ')
        len--;
    if (len == 0 || st->n_filters == PAGE_MAX_FILTERS)
        return;
    for (size_t i = 0; i < st->n_filters; i++)
        if (strcmp(st->filters[i].name, name) == 0 &&
            strlen(st->filters[i].value) == len &&
            strncmp(st->filters[i].value, value, len) == 0)
            return;
    struct page_filter *f = &st->filters[st->n_filters];
    f->name = strdup(name);
    f->value = strndup(value, len);
    if (f->name && f->value)
        st->n_filters++;
    else {
        free(f->name);
        free(f->value);
    }
}

/* es, pt or en from an Accept-Language header (the highest q wins),
 * else es. */
static const char *lang_from_header(const char *header)
{
    const char *best = "es";
    double best_q = -1;
    for (const char *p = header; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        double q = 1;
        const char *qs = memmem(p, len, ";q=", 3);
        if (qs)
            q = strtod(qs + 3, NULL);
        for (size_t i = 0; i < 3; i++)
            if (len >= 2 && strncasecmp(p, page_langs[i], 2) == 0 &&
                (len == 2 || p[2] == '-' || p[2] == ';' || p[2] == '_') &&
                q > best_q) {
                best = page_langs[i];
                best_q = q;
            }
        if (!end)
            break;
        p = end + 1;
    }
    return best;
}

/* "http://host" from the Host header when it looks like a host name. */
static char *origin_of(struct MHD_Connection *con)
{
    const char *host = MHD_lookup_connection_value(con, MHD_HEADER_KIND,
                                                   MHD_HTTP_HEADER_HOST);
    if (!host || !*host || strlen(host) > 200)
        return NULL;
    for (const char *p = host; *p; p++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789.-:[]",
                    *p))
            return NULL;
    const char *proto =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "X-Forwarded-Proto");
    char *out = NULL;
    if (asprintf(&out, "%s://%s",
                 proto && strcmp(proto, "https") == 0 ? "https" : "http",
                 host) < 0)
        return NULL;
    return out;
}

static int state_from_request(struct page_state *st,
                              struct MHD_Connection *con,
                              const struct web_request *req)
{
    memset(st, 0, sizeof *st);
    st->page = 1;
    const char *lang = web_param(req, "lang");
    for (size_t i = 0; lang && i < 3; i++)
        if (strcmp(lang, page_langs[i]) == 0) {
            st->lang = page_langs[i];
            st->is_lang_given = 1;
        }
    if (!st->lang)
        st->lang = lang_from_header(MHD_lookup_connection_value(
            con, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT_LANGUAGE));
    struct page_buf q = {0};
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        const char *value = req->params[i].value;
        if (strcmp(name, "q") == 0 && *value) {
            if (q.len)
                page_put(&q, " ");
            page_put(&q, value);
        } else if (is_filter(name)) {
            for (const char *p = value;;) {
                const char *comma = strchr(p, ',');
                add_filter(st, name, p,
                           comma ? (size_t)(comma - p) : strlen(p));
                if (!comma)
                    break;
                p = comma + 1;
            }
        } else if (strcmp(name, "page") == 0) {
            int64_t n = web_parse_positive(value, 10000);
            st->page = n > 0 ? (long)n : 1;
        } else if (strcmp(name, "case") == 0 && !st->case_id && *value) {
            st->case_id = strdup(value);
        } else if (strcmp(name, "rev") == 0) {
            int64_t n = web_parse_positive(value, 999999999);
            st->rev = n > 0 ? (long)n : -1;
        } else if (strcmp(name, "history") == 0) {
            st->is_history = strcmp(value, "1") == 0;
        }
        /* anything else (lang, tracking parameters) is not the page's */
    }
    st->q = q.data;
    if (q.is_failed)
        return -1;
    st->origin = origin_of(con);
    return 0;
}

/* -- the route -------------------------------------------------------- */

struct page_job {
    struct page_state st;
    char *if_none_match;
};

static void page_job_free(void *ctx)
{
    struct page_job *pj = ctx;
    if (!pj)
        return;
    state_release(&pj->st);
    free(pj->if_none_match);
    free(pj);
}

static void run_page(struct web_server *srv, struct web_job *job)
{
    struct page_job *pj = job->ctx;
    struct minga *m = web_thread_minga_reply(srv, &job->reply);
    if (!m)
        return;
    struct page_buf b = {0};
    unsigned status = MHD_HTTP_OK;
    if (pj->st.case_id)
        page_render_case(&b, srv, m, &pj->st, &status);
    else
        page_render_search(&b, srv, m, &pj->st, &status);
    if (b.is_failed || !b.data) {
        free(b.data);
        web_reply_error(&job->reply, MHD_HTTP_INTERNAL_SERVER_ERROR,
                        "the page could not be written", NULL);
        return;
    }
    /* FNV-1a of the page: a reload of an unchanged page is a 304 */
    uint64_t hash = 14695981039346656037ull;
    for (size_t i = 0; i < b.len; i++) {
        hash ^= (unsigned char)b.data[i];
        hash *= 1099511628211ull;
    }
    char etag[24];
    snprintf(etag, sizeof etag, "\"%016" PRIx64 "\"", hash);
    struct MHD_Response *resp;
    if (status == MHD_HTTP_OK && pj->if_none_match &&
        (strstr(pj->if_none_match, etag) ||
         strcmp(pj->if_none_match, "*") == 0)) {
        free(b.data);
        status = MHD_HTTP_NOT_MODIFIED;
        resp =
            MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else {
        resp = MHD_create_response_from_buffer(b.len, b.data,
                                               MHD_RESPMEM_MUST_FREE);
        if (!resp)
            free(b.data);
    }
    if (resp) {
        MHD_add_response_header(resp, "Content-Type",
                                "text/html; charset=utf-8");
        MHD_add_response_header(resp, "Content-Language", pj->st.lang);
        MHD_add_response_header(resp, "ETag", etag);
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
        if (!pj->st.is_lang_given)
            MHD_add_response_header(resp, "Vary", "Accept-Language");
    }
    web_reply_set(&job->reply, status, resp);
}

/* The query pool's 503, as a page in the reader's language (the pool
 * answers JSON when it fills between this check and the submit). */
static enum MHD_Result send_busy(struct web_server *srv,
                                 struct MHD_Connection *con,
                                 struct web_request *req,
                                 const struct page_state *st)
{
    struct page_buf b = {0};
    char *title = NULL;
    if (asprintf(&title, "%s · minga", page_str(st->lang, "err_busy")) < 0)
        title = NULL;
    struct page_head head = {.title = title,
                             .description = page_str(st->lang, "err_busy"),
                             .body_class = "is-search",
                             .is_noindex = 1};
    page_open(&b, st, &head);
    page_put(&b, "<div class=\"layout\"><main id=\"main\" tabindex=\"-1\">"
                 "<p class=\"notice error\" role=\"alert\">");
    page_text(&b, st->lang, "err_busy", NULL);
    page_put(&b, "</p></main></div>\n");
    page_close(&b, st);
    free(title);
    if (b.is_failed) {
        free(b.data);
        return web_pool_send_busy(&srv->query_pool, con, req);
    }
    char target[201];
    web_log(srv, "query queue full: %s %s refused with 503", req->method,
            web_target_for_log(req, target, sizeof target));
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(b.len, b.data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(b.data);
        return MHD_NO;
    }
    char seconds[16];
    snprintf(seconds, sizeof seconds, "%u", srv->query_pool.retry_after_s);
    MHD_add_response_header(resp, "Content-Type", "text/html; charset=utf-8");
    MHD_add_response_header(resp, "Retry-After", seconds);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    return web_send(con, req, MHD_HTTP_SERVICE_UNAVAILABLE, resp);
}

enum MHD_Result web_page_handle(struct web_server *srv,
                                struct MHD_Connection *con,
                                struct web_request *req)
{
    struct page_job *pj = calloc(1, sizeof *pj);
    if (!pj || state_from_request(&pj->st, con, req) != 0) {
        page_job_free(pj);
        return web_send_error(con, req, MHD_HTTP_INTERNAL_SERVER_ERROR,
                              "out of memory", NULL);
    }
    if (web_pool_is_full(&srv->query_pool)) {
        enum MHD_Result ret = send_busy(srv, con, req, &pj->st);
        page_job_free(pj);
        return ret;
    }
    const char *inm =
        MHD_lookup_connection_value(con, MHD_HEADER_KIND, "If-None-Match");
    if (inm)
        pj->if_none_match = strdup(inm);
    return web_pool_submit(&srv->query_pool, con, req, run_page, pj,
                           page_job_free);
}
