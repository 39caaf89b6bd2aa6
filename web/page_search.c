/*
 * The search page on the server: runs the page's search as /api/search
 * does (web_query_build, minga_search, the answer's JSON from
 * minga_results_json, so both show the same data) and writes the
 * results, snippets, facets as links, the pager and the downloads.
 *
 * A filter value the query refuses (?sdg=18) is dropped from the search
 * and from every link, and said once, in the page's language, above the
 * results of the rest.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "minga.h"
#include "query.h"
#include "refdata.h"

#define MAX_PROBLEMS 8

static const char *const level_order[] = {"local", "regional", "national",
                                          "multilateral", NULL};
static const char *const actor_order[] = {"public_sector",
                                          "civil_society",
                                          "private_sector",
                                          "academia",
                                          "community",
                                          "international_organization",
                                          NULL};

/* -- the query, with the values it refuses taken out ------------------- */

static void drop_filter(struct page_state *st, size_t i)
{
    free(st->filters[i].name);
    free(st->filters[i].value);
    memmove(&st->filters[i], &st->filters[i + 1],
            (st->n_filters - i - 1) * sizeof st->filters[0]);
    st->n_filters--;
}

/* Builds q from st as the API would from the same parameters (the page's
 * `language` is the API's `lang`). A refused value is taken out of st
 * and recorded; returns -1 only when out of memory. */
static int build_query(struct minga_query *q, struct page_state *st,
                       struct page_problem *problems, size_t *n_problems)
{
    for (int attempt = 0; attempt <= MAX_PROBLEMS; attempt++) {
        struct web_param params[PAGE_MAX_FILTERS + 3];
        struct web_request fake;
        memset(&fake, 0, sizeof fake);
        size_t n = 0;
        char page[24], per_page[8];
        if (st->q)
            params[n++] = (struct web_param){"q", st->q};
        for (size_t i = 0; i < st->n_filters; i++)
            params[n++] =
                (struct web_param){strcmp(st->filters[i].name, "language") == 0
                                       ? "lang"
                                       : st->filters[i].name,
                                   st->filters[i].value};
        snprintf(page, sizeof page, "%ld", st->page);
        snprintf(per_page, sizeof per_page, "%d", PAGE_PER_PAGE);
        params[n++] = (struct web_param){"page", page};
        params[n++] = (struct web_param){"per_page", per_page};
        fake.params = params;
        fake.n_params = n;
        const char *bad_param = NULL;
        char *errmsg = NULL;
        query_release(q);
        query_init(q);
        if (web_query_build(q, &fake, 0, &bad_param, &errmsg) == 0)
            return 0;
        size_t at = n;
        for (size_t i = 0; i < n; i++)
            if (bad_param == params[i].name)
                at = i;
        if (at == n || *n_problems == MAX_PROBLEMS) {
            free(errmsg);
            return -1;
        }
        struct page_problem *pr = &problems[(*n_problems)++];
        pr->english = errmsg;
        if (st->q && at == 0) {
            pr->code = "err_bad_query";
            free(st->q);
            st->q = NULL;
        } else {
            size_t i = at - (st->q ? 1 : 0);
            pr->code = "err_bad_filter_value";
            pr->param = strdup(st->filters[i].name);
            pr->value = strdup(st->filters[i].value);
            drop_filter(st, i);
        }
    }
    return -1;
}

/* -- pieces ------------------------------------------------------------- */

static int is_selected(const struct page_state *st, const char *name,
                       const char *value)
{
    for (size_t i = 0; i < st->n_filters; i++)
        if (strcmp(st->filters[i].name, name) == 0 &&
            strcmp(st->filters[i].value, value) == 0)
            return 1;
    return 0;
}

/* "suggested" is an option of the search, not a filter (page.h). */
static int is_option(const char *name)
{
    return strcmp(name, "suggested") == 0;
}

static int is_suggested_on(const struct page_state *st)
{
    for (size_t i = 0; i < st->n_filters; i++)
        if (is_option(st->filters[i].name))
            return strcmp(st->filters[i].value, "0") != 0 &&
                   strcmp(st->filters[i].value, "false") != 0;
    return 0;
}

static size_t count_filters(const struct page_state *st)
{
    size_t n = 0;
    for (size_t i = 0; i < st->n_filters; i++)
        n += !is_option(st->filters[i].name);
    return n;
}

static void put_problem(struct page_buf *b, const char *lang,
                        const struct page_problem *pr)
{
    page_put(b, "<li>");
    if (strcmp(pr->code, "err_bad_filter_value") == 0) {
        char key[32];
        snprintf(key, sizeof key, "param_%s", pr->param);
        char *problem;
        if (strcmp(pr->param, "sdg") == 0)
            problem = page_text_dup(lang, "badGoal", "value", pr->value, NULL);
        else
            problem =
                page_text_dup(lang, "err_bad_filter_value", "value", pr->value,
                              "param", page_str(lang, key), NULL);
        page_text(b, lang, "filterIgnored", "problem", problem, NULL);
        free(problem);
    } else {
        page_text(b, lang, pr->code, NULL);
    }
    page_put(b, "</li>");
}

/* Thousands grouped as the language writes them. */
static void format_count(char *buf, size_t size, json_int_t n,
                         const char *lang)
{
    char digits[32];
    snprintf(digits, sizeof digits, "%lld", (long long)n);
    size_t len = strlen(digits), k = 0;
    int is_grouped = len > 4 || (len == 4 && strcmp(lang, "en") == 0);
    const char *sep = strcmp(lang, "en") == 0 ? "," : ".";
    for (size_t i = 0; i < len && k + 2 < size; i++) {
        if (is_grouped && i > 0 && (len - i) % 3 == 0)
            buf[k++] = sep[0];
        buf[k++] = digits[i];
    }
    buf[k] = '\0';
}

static char *count_text(const char *lang, json_int_t total, int estimated)
{
    if (total == 0)
        return page_text_dup(lang, "count0", NULL);
    if (total == 1)
        return page_text_dup(lang, "count1", NULL);
    char n[40];
    format_count(n, sizeof n, total, lang);
    char *s = page_text_dup(lang, "countN", "n", n, NULL);
    if (s && estimated) {
        char *e = NULL;
        if (asprintf(&e, "≈ %s", s) < 0)
            e = NULL;
        free(s);
        s = e;
    }
    return s;
}

/* A facet as {value: count} looked up in the answer's list. */
static json_int_t facet_count(json_t *list, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        json_t *v = json_object_get(e, "value");
        char buf[32];
        const char *s = json_string_value(v);
        if (!s && json_is_integer(v)) {
            snprintf(buf, sizeof buf, "%lld",
                     (long long)json_integer_value(v));
            s = buf;
        }
        if (s && strcmp(s, value) == 0)
            return json_integer_value(json_object_get(e, "count"));
    }
    return 0;
}

static void put_toggle_href(struct page_buf *b, const struct page_state *st,
                            const char *name, const char *value)
{
    struct page_link link = {.toggle_name = name, .toggle_value = value};
    page_put(b, " href=\"");
    page_url(b, st, &link);
    page_put(b, "\"");
}

static void put_goal_chips(struct page_buf *b, const struct page_state *st,
                           json_t *facet)
{
    const char *lang = st->lang;
    page_put(b, "<section class=\"facet-group\" aria-labelledby=\"h-goals\">"
                "<h3 id=\"h-goals\">");
    page_text(b, lang, "goals", NULL);
    page_put(b, "</h3><ul class=\"goal-chips\" id=\"goal-chips\">");
    for (int g = 1; g <= REFDATA_N_GOALS; g++) {
        char value[8];
        snprintf(value, sizeof value, "%d", g);
        json_int_t count = facet_count(facet, value);
        int is_on = is_selected(st, "sdg", value);
        const struct minga_goal_info *info = refdata_goal(g);
        const char *name = !info                     ? ""
                           : strcmp(lang, "es") == 0 ? info->name_es
                           : strcmp(lang, "pt") == 0 ? info->name_pt
                                                     : info->name_en;
        page_put(b, "<li>");
        if (count || is_on) {
            page_putf(b, "<a class=\"goal-chip g%d%s\"", g,
                      is_on ? " is-on" : "");
            put_toggle_href(b, st, "sdg", value);
            if (is_on)
                page_put(b, " aria-current=\"true\"");
            page_put(b, ">");
        } else {
            page_putf(b, "<span class=\"goal-chip g%d is-empty\">", g);
        }
        page_put(b, "<span class=\"goal-num\"><span class=\"sr-only\">");
        page_text(b, lang, "goal", "n", "", NULL);
        page_putf(b, "</span>%d</span><span class=\"sr-only\">: ", g);
        page_esc(b, name ? name : "");
        page_put(b, ",</span> <span class=\"goal-count\">");
        page_putf(b, "%lld", (long long)count);
        page_put(b,
                 count || is_on ? "</span></a></li>" : "</span></span></li>");
    }
    page_put(b, "</ul></section>\n");
}

/* One facet: its values as links that add or take off the filter, the
 * selected ones first in their list's order. Nothing when empty. */
static void put_facet(struct page_buf *b, const struct page_state *st,
                      const char *field, const char *heading_key,
                      json_t *facet, const char *const *order)
{
    const char *lang = st->lang;
    /* the values: the facet's, and selected ones it lacks (count 0) */
    const char *values[256];
    json_int_t counts[256];
    size_t n = 0;
    if (order) {
        for (size_t i = 0; order[i]; i++) {
            json_int_t c = facet_count(facet, order[i]);
            if (c || is_selected(st, field, order[i])) {
                values[n] = order[i];
                counts[n++] = c;
            }
        }
    } else {
        size_t i;
        json_t *e;
        json_array_foreach(facet, i, e)
        {
            const char *v = json_string_value(json_object_get(e, "value"));
            if (v && n < 200) {
                values[n] = v;
                counts[n++] = json_integer_value(json_object_get(e, "count"));
            }
        }
        for (size_t k = 0; k < st->n_filters && n < 256; k++)
            if (strcmp(st->filters[k].name, field) == 0 &&
                !facet_count(facet, st->filters[k].value)) {
                values[n] = st->filters[k].value;
                counts[n++] = 0;
            }
        /* most cases first, then by code */
        for (size_t a = 1; a < n; a++)
            for (size_t k = a;
                 k > 0 && (counts[k] > counts[k - 1] ||
                           (counts[k] == counts[k - 1] &&
                            strcmp(values[k], values[k - 1]) < 0));
                 k--) {
                const char *tv = values[k];
                json_int_t tc = counts[k];
                values[k] = values[k - 1];
                counts[k] = counts[k - 1];
                values[k - 1] = tv;
                counts[k - 1] = tc;
            }
    }
    if (n == 0)
        return;
    page_putf(b,
              "<section class=\"facet-group\" aria-labelledby=\"h-%s\">"
              "<h3 id=\"h-%s\">",
              field, field);
    page_text(b, lang, heading_key, NULL);
    page_putf(b, "</h3><ul class=\"facet\" id=\"f-%s\">", field);
    for (size_t i = 0; i < n; i++) {
        char buf[64];
        int is_on = is_selected(st, field, values[i]);
        page_put(b, "<li><a class=\"facet-link\"");
        put_toggle_href(b, st, field, values[i]);
        page_put(b, " data-value=\"");
        page_esc(b, values[i]);
        page_put(b, "\"");
        if (is_on)
            page_put(b, " aria-current=\"true\"");
        page_put(b, "><span class=\"facet-name\">");
        page_esc(b, page_value_label(lang, field, values[i], buf, sizeof buf));
        page_putf(b,
                  "</span> <span class=\"facet-count\">%lld</span></a>"
                  "</li>",
                  (long long)counts[i]);
    }
    page_put(b, "</ul></section>\n");
}

/* A real checkbox in a GET form that keeps the rest of the search: the
 * option changes what the goal and target filters match. */
static void put_suggested_toggle(struct page_buf *b,
                                 const struct page_state *st)
{
    const char *lang = st->lang;
    page_put(b, "<form id=\"suggested-form\" class=\"suggested-toggle\" "
                "action=\"/\" method=\"get\"><input type=\"hidden\" "
                "name=\"lang\" value=\"");
    page_put(b, lang);
    page_put(b, "\">");
    if (st->q && *st->q) {
        page_put(b, "<input type=\"hidden\" name=\"q\" value=\"");
        page_esc(b, st->q);
        page_put(b, "\">");
    }
    page_put_hidden_filters(b, st, "suggested");
    page_put(b, "<label><input type=\"checkbox\" id=\"suggested\" "
                "name=\"suggested\" value=\"1\"");
    if (is_suggested_on(st))
        page_put(b, " checked");
    page_put(b, "> ");
    page_text(b, lang, "includeSuggested", NULL);
    page_put(b, "</label> <button type=\"submit\">");
    page_text(b, lang, "apply", NULL);
    page_put(b, "</button></form>\n");
}

static void put_filters(struct page_buf *b, const struct page_state *st,
                        json_t *facets)
{
    const char *lang = st->lang;
    size_t n_on = count_filters(st);
    page_put(b, "<aside id=\"filters\" aria-labelledby=\"filters-title\">"
                "<details id=\"filter-box\"><summary class=\"filters-head\">"
                "<h2 id=\"filters-title\">");
    page_text(b, lang, "filters", NULL);
    page_put(b, "</h2><span id=\"filter-count\" class=\"filter-count\">");
    if (n_on)
        page_putf(b, "(%zu)", n_on);
    page_put(b, "</span></summary>\n");
    if (n_on) {
        struct page_link clear = {.is_clear_filters = 1};
        page_put(b, "<p class=\"clear\"><a id=\"clear-filters\" href=\"");
        page_url(b, st, &clear);
        page_put(b, "\">");
        page_text(b, lang, "clearFilters", NULL);
        page_put(b, "</a></p>\n");
    }
    put_goal_chips(b, st, json_object_get(facets, "goals"));
    put_suggested_toggle(b, st);
    put_facet(b, st, "level", "levels", json_object_get(facets, "levels"),
              level_order);
    put_facet(b, st, "country", "countries",
              json_object_get(facets, "countries"), NULL);
    put_facet(b, st, "language", "languages",
              json_object_get(facets, "languages"), NULL);
    put_facet(b, st, "actor", "actors", json_object_get(facets, "actors"),
              actor_order);
    page_put(b, "</details></aside>\n");
}

/* The snippet is HTML-safe text with <mark>...</mark>: it is decoded to
 * text and escaped again by page_esc, with only the marks kept. */
static void put_snippet(struct page_buf *b, const char *snippet)
{
    struct page_buf text = {0};
    page_put(b, "<p class=\"snippet\">");
    for (const char *p = snippet; *p;) {
        if (strncmp(p, "<mark>", 6) == 0 || strncmp(p, "</mark>", 7) == 0) {
            page_esc(b, text.data);
            text.len = 0;
            if (text.data)
                text.data[0] = '\0';
            int is_open = p[1] == 'm';
            page_put(b, is_open ? "<mark>" : "</mark>");
            p += is_open ? 6 : 7;
            continue;
        }
        if (*p == '&') {
            static const struct {
                const char *ent, *ch;
            } ents[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                        {"&quot;", "\""}, {"&#39;", "'"}, {"&apos;", "'"}};
            size_t k;
            for (k = 0; k < sizeof ents / sizeof ents[0]; k++)
                if (strncmp(p, ents[k].ent, strlen(ents[k].ent)) == 0)
                    break;
            if (k < sizeof ents / sizeof ents[0]) {
                page_put(&text, ents[k].ch);
                p += strlen(ents[k].ent);
                continue;
            }
        }
        if (*p == '<') { /* any other tag: dropped, as text would be */
            const char *end = strchr(p, '>');
            p = end ? end + 1 : p + strlen(p);
            continue;
        }
        page_putn(&text, p, 1);
        p++;
    }
    page_esc(b, text.data);
    page_put(b, "</p>");
    b->is_failed |= text.is_failed;
    free(text.data);
}

/* "in informe.pdf": the attachment the snippet comes from, a link to
 * its bytes (/api/cases/{id}/attachments/{path as one segment}). */
static void put_snippet_from(struct page_buf *b, const char *lang,
                             const char *id, const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    page_put(b, "<p class=\"snippet-from\"><a download href=\"/api/cases/");
    page_esc(b, id);
    page_put(b, "/attachments/");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
            (*p >= '0' && *p <= '9') || strchr("-_.~", *p)) {
            page_putn(b, (const char *)p, 1);
        } else {
            char enc[4] = {'%', hex[*p >> 4], hex[*p & 15], 0};
            page_put(b, enc);
        }
    }
    page_put(b, "\">");
    page_text(b, lang, "snippetFrom", "name", base, NULL);
    page_put(b, "</a></p>");
}

/* A hit found through a suggestion says so, and which goals and targets
 * its text speaks of ({"goals": [11], "targets": ["11.2"]}). */
static void put_suggested_note(struct page_buf *b, const char *lang,
                               json_t *suggested)
{
    if (!json_is_object(suggested))
        return;
    struct page_buf what = {0};
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(suggested, "goals"), i, v)
    {
        char n[16];
        snprintf(n, sizeof n, "%d", (int)json_integer_value(v));
        char *goal = page_text_dup(lang, "goal", "n", n, NULL);
        if (what.len)
            page_put(&what, ", ");
        page_put(&what, goal ? goal : n);
        free(goal);
    }
    struct page_buf list = {0};
    json_array_foreach(json_object_get(suggested, "targets"), i, v)
    {
        if (list.len)
            page_put(&list, ", ");
        page_put(&list, json_string_value(v) ? json_string_value(v) : "");
    }
    if (list.len) {
        char *targets =
            page_text_dup(lang, "relatedTargets", "list", list.data, NULL);
        if (what.len)
            page_put(&what, "; ");
        page_put(&what, targets ? targets : list.data);
        free(targets);
    }
    page_put(b, "<p class=\"suggested-note\"><span class=\"badge\">");
    page_text(b, lang, "suggestedBadge", NULL);
    page_put(b, "</span> ");
    page_text(b, lang, "suggestedWhy", "what", what.data ? what.data : "",
              NULL);
    page_put(b, "</p>");
    if (what.is_failed || list.is_failed)
        b->is_failed = 1;
    free(what.data);
    free(list.data);
}

static void put_result(struct page_buf *b, const struct page_state *st,
                       json_t *r)
{
    const char *lang = st->lang;
    const char *id = json_string_value(json_object_get(r, "id"));
    const char *title = json_string_value(json_object_get(r, "title"));
    const char *city = json_string_value(json_object_get(r, "city"));
    const char *country = json_string_value(json_object_get(r, "country"));
    if (!id)
        return;
    struct page_link open = {.is_case = 1, .case_id = id, .page = st->page};
    page_put(b, "<li class=\"result\"><h3><a href=\"");
    page_url(b, st, &open);
    page_put(b, "\">");
    page_esc(b, title ? title : id);
    page_put(b, "</a></h3><p class=\"meta\">");
    page_esc(b, city);
    if (city && *city && country)
        page_put(b, ", ");
    if (country)
        page_esc(b, page_country_name(lang, country));
    char years[64];
    if (*page_years(lang, r, years, sizeof years)) {
        page_put(b, " · ");
        page_esc(b, years);
    }
    page_put(b, "</p>");
    const char *snippet = json_string_value(json_object_get(r, "snippet"));
    if (snippet && *snippet)
        put_snippet(b, snippet);
    const char *from = json_string_value(json_object_get(r, "snippet_from"));
    if (snippet && *snippet && from && *from)
        put_snippet_from(b, lang, id, from);
    page_put(b, "<div class=\"chips\">");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(r, "goals"), i, g)
        page_goal_chip(b, lang, (int)json_integer_value(g), 0);
    page_put(b, "</div>");
    put_suggested_note(b, lang, json_object_get(r, "suggested"));
    page_put(b, "</li>\n");
}

static void put_page_link(struct page_buf *b, const struct page_state *st,
                          long page, const char *rel, const char *text)
{
    struct page_link link = {.page = page};
    page_put(b, "<li><a href=\"");
    page_url(b, st, &link);
    page_put(b, "\"");
    if (rel)
        page_putf(b, " rel=\"%s\"", rel);
    page_put(b, ">");
    page_put(b, text);
    page_put(b, "</a></li>");
}

static void put_pager(struct page_buf *b, const struct page_state *st,
                      json_int_t total)
{
    long pages = (long)((total + PAGE_PER_PAGE - 1) / PAGE_PER_PAGE);
    if (pages <= 1)
        return;
    const char *lang = st->lang;
    page_put(b, "<nav id=\"pager\" class=\"pager\" aria-label=\"");
    page_text(b, lang, "pagination", NULL);
    page_put(b, "\"><ul>");
    struct page_buf label = {0};
    if (st->page > 1) {
        page_put(&label, "‹ ");
        page_text(&label, lang, "previous", NULL);
        put_page_link(b, st, st->page - 1, "prev", label.data);
    }
    long from = st->page - 3 > 1 ? st->page - 3 : 1;
    long to = st->page + 3 < pages ? st->page + 3 : pages;
    for (long p = from; p <= to; p++) {
        char n[24];
        snprintf(n, sizeof n, "%ld", p);
        if (p == st->page)
            page_putf(b,
                      "<li><span class=\"current\" aria-current=\"page\">"
                      "%ld</span></li>",
                      p);
        else
            put_page_link(b, st, p, NULL, n);
    }
    if (st->page < pages) {
        label.len = 0;
        page_text(&label, lang, "next", NULL);
        page_put(&label, " ›");
        put_page_link(b, st, st->page + 1, "next", label.data);
    }
    free(label.data);
    page_put(b, "</ul></nav>\n");
}

/* The export links: the page's filters (language= is the case filter
 * there too) and lang= for the pack's labels. */
static void put_downloads(struct page_buf *b, const struct page_state *st)
{
    static const char *const formats[] = {"briefing", "json", "csv"};
    const char *lang = st->lang;
    struct page_link link = {0};
    char *url = NULL;
    page_put(b, "<div class=\"downloads\">");
    for (size_t i = 0; i < 3; i++) {
        /* reuse the page's URL: "/?lang=..&..." becomes the export's */
        url = NULL;
        struct page_buf u = {0};
        page_put(&u, "/api/export/");
        page_put(&u, formats[i]);
        struct page_buf q = {0};
        page_url(&q, st, &link); /* escaped already: &amp; */
        page_put(&u, q.data ? q.data + 1 : "");
        free(q.data);
        url = u.data;
        if (i == 0) {
            page_put(b, "<a id=\"dl-briefing\" class=\"button primary\" "
                        "download href=\"");
            page_put(b, url);
            page_put(b, "\">");
            page_text(b, lang, "briefing", NULL);
            page_put(b, "</a><span class=\"data-links\">");
            page_text(b, lang, "dataDownloads", NULL);
        } else {
            page_putf(b, " <a id=\"dl-%s\" download href=\"", formats[i]);
            page_put(b, url);
            page_put(b, "\">");
            page_put(b, i == 1 ? "JSON" : "CSV");
            page_put(b, "</a>");
        }
        free(url);
    }
    page_put(b, "</span></div>");
}

/* The meta description: the count and the query or the filters. */
static char *describe(const struct page_state *st, json_t *answer,
                      const char *count)
{
    const char *lang = st->lang;
    if (st->q && *st->q)
        return page_text_dup(lang, "metaSearch", "count", count, "q", st->q,
                             NULL);
    if (count_filters(st)) {
        struct page_buf f = {0};
        for (size_t i = 0, n = 0; i < st->n_filters && n < 6; i++) {
            char buf[64];
            if (is_option(st->filters[i].name))
                continue;
            if (n++)
                page_put(&f, ", ");
            page_put(&f,
                     page_value_label(lang, st->filters[i].name,
                                      st->filters[i].value, buf, sizeof buf));
        }
        char *s = page_text_dup(lang, "metaFiltered", "count", count,
                                "filters", f.data ? f.data : "", NULL);
        free(f.data);
        return s;
    }
    char n[40];
    format_count(n, sizeof n,
                 json_integer_value(json_object_get(answer, "total")), lang);
    return page_text_dup(lang, "metaHome", "n", n, NULL);
}

/* The answer of st's search as /api/search gives it, or NULL with
 * *failure (a string key) and *status set. */
static json_t *search(struct web_server *srv, struct minga *m,
                      struct page_state *st, struct page_problem *problems,
                      size_t *n_problems, const char **failure,
                      unsigned *status)
{
    struct minga_query q;
    json_t *answer = NULL;
    query_init(&q);
    if (build_query(&q, st, problems, n_problems) != 0) {
        *failure = "err_bad_query";
        *status = MHD_HTTP_BAD_REQUEST;
        query_release(&q);
        return NULL;
    }
    struct mindex_results *results = NULL;
    char *errmsg = NULL;
    int rc = minga_search(m, &q, &results, &errmsg);
    if (rc != 0) {
        if (rc != MINGA_EINVAL)
            web_log(srv, "page search failed: %s", errmsg ? errmsg : "");
        *failure = rc == MINGA_EINVAL ? "err_bad_query" : "err_search_failed";
        *status = web_status_for(rc);
    } else {
        char *text = minga_results_json(&q, results, NULL);
        if (text)
            answer = json_loads(text, 0, NULL);
        free(text);
        if (!answer) {
            *failure = "err_search_failed";
            *status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
    }
    free(errmsg);
    mindex_results_free(results);
    query_release(&q);
    return answer;
}

/* The typed text matched nothing and its correction was searched:
 * "showing results for X; search instead for Y", where Y in quotes is
 * searched as typed. */
static void put_corrected(struct page_buf *b, const struct page_state *st,
                          json_t *answer, const char *typed)
{
    const char *lang = st->lang;
    const char *used = json_string_value(json_object_get(answer, "query"));
    struct page_buf quoted = {0};
    page_put(&quoted, "\"");
    page_put(&quoted, typed);
    page_put(&quoted, "\"");
    struct page_state alt = *st;
    alt.q = quoted.data;
    struct page_link link = {0};
    page_put(b, "<p id=\"corrected\" class=\"suggestion\">");
    page_text(b, lang, "showingResultsFor", NULL);
    page_put(b, " <strong>");
    page_esc(b, used);
    page_put(b, "</strong>. ");
    page_text(b, lang, "searchInsteadFor", NULL);
    page_put(b, " <a id=\"search-instead\" href=\"");
    if (quoted.data)
        page_url(b, &alt, &link);
    page_put(b, "\">");
    page_esc(b, typed);
    page_put(b, "</a></p>\n");
    if (quoted.is_failed)
        b->is_failed = 1;
    free(quoted.data);
}

/* What kind of answer this is, when not every hit has every word. */
static void put_search_notes(struct page_buf *b, const char *lang,
                             json_t *answer)
{
    const char *key = NULL;
    if (json_is_true(json_object_get(answer, "similar")))
        key = "similarResults";
    else if (json_is_true(json_object_get(answer, "partial")))
        key = "partialResults";
    if (key) {
        page_put(b, "<p id=\"search-note\" class=\"note\">");
        page_text(b, lang, key, NULL);
        page_put(b, "</p>\n");
    }
    if (json_is_true(json_object_get(answer, "suggested_unavailable"))) {
        page_put(b, "<p id=\"suggested-unavailable\" class=\"note\">");
        page_text(b, lang, "suggestedUnavailable", NULL);
        page_put(b, "</p>\n");
    }
}

void page_render_search(struct page_buf *b, struct web_server *srv,
                        struct minga *m, struct page_state *st,
                        unsigned *status)
{
    struct page_problem problems[MAX_PROBLEMS];
    size_t n_problems = 0;
    const char *failure = NULL;
    json_t *answer =
        search(srv, m, st, problems, &n_problems, &failure, status);
    /* a page past the last (an old link) shows the last */
    json_int_t n_found = json_integer_value(json_object_get(answer, "total"));
    if (answer && n_found > 0 && st->page > 1 &&
        !json_array_size(json_object_get(answer, "results"))) {
        json_decref(answer);
        st->page = (long)((n_found + PAGE_PER_PAGE - 1) / PAGE_PER_PAGE);
        answer = search(srv, m, st, problems, &n_problems, &failure, status);
    }

    const char *lang = st->lang;
    json_int_t total = json_integer_value(json_object_get(answer, "total"));
    int is_estimated = json_is_true(json_object_get(answer, "estimated"));
    char *count = count_text(lang, total, is_estimated);
    char *title = NULL,
         *description = answer ? describe(st, answer, count) : NULL;
    if (st->q && *st->q) {
        char *s = page_text_dup(lang, "searchFor", "q", st->q, NULL);
        if (asprintf(&title, "%s · minga", s ? s : "") < 0)
            title = NULL;
        free(s);
    } else if (asprintf(&title, "minga · %s", page_str(lang, "tagline")) < 0)
        title = NULL;
    struct page_link canonical = {0};
    struct page_head head = {
        .title = title,
        .description = description ? description : page_str(lang, "tagline"),
        .canonical = &canonical,
        .body_class = "is-search",
        .is_noindex = failure != NULL || n_problems > 0};
    page_open(b, st, &head);
    page_put(b, "<div class=\"layout\">\n");
    put_filters(b, st, json_object_get(answer, "facets"));
    page_put(b, "<main id=\"main\" tabindex=\"-1\">\n<section "
                "id=\"results-view\" aria-labelledby=\"results-title\">"
                "<h2 id=\"results-title\" class=\"sr-only\">");
    page_text(b, lang, "results", NULL);
    page_put(b, "</h2>\n<div class=\"results-head\"><p id=\"count\" "
                "class=\"count\">");
    if (answer)
        page_esc(b, count);
    page_put(b, "</p>");
    if (total > 0)
        put_downloads(b, st);
    page_put(b, "</div>\n");
    if (n_problems || failure) {
        page_put(b, "<div id=\"error\" class=\"error\" role=\"alert\"><ul>");
        for (size_t i = 0; i < n_problems; i++)
            put_problem(b, lang, &problems[i]);
        if (failure) {
            page_put(b, "<li>");
            page_text(b, lang, failure, NULL);
            page_put(b, "</li>");
        }
        page_put(b, "</ul></div>\n");
    }
    const char *corrected =
        json_string_value(json_object_get(answer, "corrected_from"));
    if (corrected && *corrected)
        put_corrected(b, st, answer, corrected);
    put_search_notes(b, lang, answer);
    const char *suggestion =
        json_string_value(json_object_get(answer, "suggestion"));
    if (suggestion && *suggestion && !(corrected && *corrected)) {
        struct page_state alt = *st;
        alt.q = (char *)suggestion;
        struct page_link link = {0};
        page_put(b, "<p id=\"suggestion\" class=\"suggestion\">");
        page_text(b, lang, "didYouMean", NULL);
        page_put(b, " <a href=\"");
        page_url(b, &alt, &link);
        page_put(b, "\">");
        page_esc(b, suggestion);
        page_put(b, "</a>?</p>\n");
    }
    if (answer && total == 0) {
        page_put(b, "<p class=\"muted\">");
        page_text(b, lang, "noResultsHelp", NULL);
        page_put(b, "</p>\n");
    }
    page_put(b, "<ol id=\"results\" class=\"results\">\n");
    size_t i;
    json_t *r;
    json_array_foreach(json_object_get(answer, "results"), i, r)
        put_result(b, st, r);
    page_put(b, "</ol>\n");
    put_pager(b, st, total);
    page_put(b, "</section>\n</main>\n</div>\n");
    page_close(b, st);

    for (size_t k = 0; k < n_problems; k++) {
        free(problems[k].param);
        free(problems[k].value);
        free(problems[k].english);
    }
    free(count);
    free(title);
    free(description);
    json_decref(answer);
}
