/*
 * The search page and the case page, rendered on the server (issue 20):
 * GET / answers HTML that already holds the results, facets and snippets
 * of a search (the same search as /api/search, run in the query pool, so
 * the page has the same budgets and the same 503), or a case, its
 * history or one of its revisions (?case=ID[&rev=N|&history=1]). Filters
 * are links and the search is a GET form, so the page works without
 * JavaScript; app.js only makes moving between pages smoother.
 *
 * The page's language is the `lang` parameter (es, pt, en), else the
 * reader's Accept-Language, else Spanish; every URL the page makes
 * carries it, so a shared link opens in the language it was shared in.
 * The case language filter is `language` on the page (as in exports).
 *
 * Every text that reaches the HTML goes through page_esc(), the one
 * escaping function; labels come from the one table of the page's
 * strings, web/assets/i18n.js, which the script uses too.
 */
#ifndef MINGA_WEB_PAGE_H
#define MINGA_WEB_PAGE_H

#include <stddef.h>
#include <stdarg.h>
#include <jansson.h>

#include "web.h"

#define PAGE_MAX_FILTERS 64
#define PAGE_PER_PAGE 10

/* HTML being written. A failed allocation sets is_failed and makes the
 * later writes no-ops, so callers check once at the end. */
struct page_buf {
    char *data;
    size_t len, cap;
    int is_failed;
};

/* One filter value of the page's URL: name is the page's parameter
 * ("sdg", "level", "country", "language", "actor", "target", "year",
 * "year_from", "year_to"), or the option "suggested" (goal and target
 * filters also match suggested cases), carried in every URL the same
 * way but not counted or described as a filter. */
struct page_filter {
    char *name;
    char *value;
};

/* What the page's URL asks for; strings owned (page_state_release). */
struct page_state {
    const char *lang;  /* "es", "pt", "en": a literal */
    int is_lang_given; /* lang came from the URL */
    char *q;           /* NULL: no text */
    struct page_filter filters[PAGE_MAX_FILTERS];
    size_t n_filters;
    long page;     /* from 1 */
    char *case_id; /* NULL: the search page */
    long rev;      /* 0: the current version */
    int is_history;
    char *origin; /* "http://host:port" for absolute
                                  links, or NULL */
};

/* A problem with the URL, shown once in the page's language: a string
 * key of i18n.js ("err_bad_filter_value") and its two parameters. */
struct page_problem {
    const char *code;
    char *param;
    char *value;
    char *english; /* the API's English text, as a fallback */
};

/* -- page.c: buffers, escaping, strings, URLs, the shell -------------- */

void page_put(struct page_buf *b, const char *s);
void page_putn(struct page_buf *b, const char *s, size_t n);
void page_putf(struct page_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The one escaping function: text into HTML text or a quoted attribute
 * (& < > " ' become entities). NULL writes nothing. */
void page_esc(struct page_buf *b, const char *text);

/* A label in `lang` (English when the language lacks it; the key when
 * nobody has it). Borrowed from the table, valid for the process. */
const char *page_str(const char *lang, const char *key);
/* A label with {name} placeholders filled from NULL-terminated name,
 * value pairs, escaped into b. */
void page_text(struct page_buf *b, const char *lang, const char *key, ...)
    __attribute__((sentinel));
/* The same into a new string (caller frees), not escaped. */
char *page_text_dup(const char *lang, const char *key, ...)
    __attribute__((sentinel));

/* What a URL built from a state changes. */
struct page_link {
    const char *lang;        /* NULL: the state's */
    const char *toggle_name; /* a filter value added or taken off */
    const char *toggle_value;
    int is_clear_filters;
    long page;   /* 0: page 1 */
    int is_case; /* a case URL (else the search) */
    const char *case_id;
    long rev;
    int is_history;
    int is_bare; /* just lang (and case, rev, history) */
};
/* Writes the URL (escaped for an attribute). */
void page_url(struct page_buf *b, const struct page_state *st,
              const struct page_link *link);

/* The page's head and header up to <main>, and its end. `title` and
 * `description` are plain text; `canonical` is a link as for page_url
 * (NULL: none, and the page is not indexed). */
struct page_head {
    const char *title;
    const char *description;
    const struct page_link *canonical;
    const char *body_class; /* "is-search", "is-case" */
    int is_noindex;
};
void page_open(struct page_buf *b, const struct page_state *st,
               const struct page_head *head);
void page_close(struct page_buf *b, const struct page_state *st);
/* The state's filters as hidden inputs of a GET form to / (all but the
 * ones named `except`, unless NULL), so the form keeps them. */
void page_put_hidden_filters(struct page_buf *b, const struct page_state *st,
                             const char *except);

/* A goal chip (a span); with_name adds the goal's name. */
void page_goal_chip(struct page_buf *b, const char *lang, int goal,
                    int with_name);
/* The label of a facet value: "local", "Brasil", "português". */
const char *page_value_label(const char *lang, const char *field,
                             const char *value, char *buf, size_t size);
/* "2004–2010", "desde 2004" (plain text, into buf). */
const char *page_years(const char *lang, json_t *item, char *buf, size_t size);

/* -- page_names.c: country names in the page's language --------------- */

/* The name of a country (ISO 3166-1 alpha-2) in es/pt/en, from the
 * system's iso-codes translations; the English name when there is no
 * translation, the code when the country is unknown. Borrowed. */
const char *page_country_name(const char *lang, const char *alpha2);

/* -- page_search.c and page_case.c: the bodies ------------------------ */

/* Renders the search page for st into b; the status into *status. Runs
 * in a query worker on its read-only handle. */
void page_render_search(struct page_buf *b, struct web_server *srv,
                        struct minga *m, struct page_state *st,
                        unsigned *status);
/* Renders the case page (current, revision or history). */
void page_render_case(struct page_buf *b, struct web_server *srv,
                      struct minga *m, struct page_state *st,
                      unsigned *status);

/* -- page.c: the route ------------------------------------------------ */

/* GET / (search or case page): reads the URL on the connection's thread
 * and renders in the query pool. */
enum MHD_Result web_page_handle(struct web_server *srv,
                                struct MHD_Connection *con,
                                struct web_request *req);

#endif
