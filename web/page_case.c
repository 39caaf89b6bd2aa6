/*
 * The case page on the server: the current version with who changed it
 * last, an older revision (?rev=N), or the case's history (?history=1),
 * from the same calls as GET /api/cases/{id} and its history. The case's
 * Markdown body is reduced to headings, lists and paragraphs of escaped
 * text; no markup from a case reaches the page.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "minga.h"
#include "case.h"
#include "harvest.h"
#include "federation.h"

static const char *str_of(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The entry of revision `rev` in a history; 0 is the newest. */
static json_t *history_revision(json_t *history, long rev)
{
    json_t *revs = json_object_get(history, "revisions");
    size_t n = json_array_size(revs);
    if (n == 0)
        return NULL;
    if (rev == 0)
        return json_array_get(revs, n - 1);
    size_t i;
    json_t *r;
    json_array_foreach(revs, i, r) if (json_integer_value(json_object_get(
                                           r, "rev")) == rev) return r;
    return NULL;
}

/* "token:montevideo" is the token montevideo; "cli" the operator. */
static const char *who(const char *lang, const char *by)
{
    if (strncmp(by, "token:", 6) == 0)
        return by + 6;
    return strcmp(by, "cli") == 0 ? page_str(lang, "operator") : by;
}

/* "Updated on 2024-05-01 12:30 UTC by montevideo (note)", escaped. */
static void put_change(struct page_buf *b, const char *lang, json_t *rev)
{
    char action[40], time[40];
    snprintf(action, sizeof action, "action_%.20s", str_of(rev, "action"));
    const char *t = str_of(rev, "time");
    if (strlen(t) >= 16 && t[10] == 'T')
        snprintf(time, sizeof time, "%.10s %.5s UTC", t, t + 11);
    else
        snprintf(time, sizeof time, "%.30s", t);
    page_text(b, lang, "changedBy", "action", page_str(lang, action), "time",
              time, "who", who(lang, str_of(rev, "by")), NULL);
    const char *note = str_of(rev, "note");
    if (*note) {
        page_put(b, " (");
        page_esc(b, note);
        page_put(b, ")");
    }
}

static void put_case_link(struct page_buf *b, const struct page_state *st,
                          const char *id, long rev, int is_history,
                          const char *text)
{
    struct page_link link = {.is_case = 1,
                             .case_id = id,
                             .rev = rev,
                             .is_history = is_history,
                             .page = st->page};
    page_put(b, "<a href=\"");
    page_url(b, st, &link);
    page_put(b, "\">");
    page_esc(b, text);
    page_put(b, "</a>");
}

static void put_back(struct page_buf *b, const struct page_state *st)
{
    struct page_link back = {.page = st->page};
    page_put(b, "<a class=\"back\" href=\"");
    page_url(b, st, &back);
    page_put(b, "\">‹ ");
    page_text(b, st->lang, "back", NULL);
    page_put(b, "</a>\n");
}

/* -- the body: Markdown, minimally ---------------------------------------- */

/* Inline text: [text](url) keeps its text, ** and __ go; escaped. */
static void put_inline(struct page_buf *b, const char *s, size_t len)
{
    struct page_buf text = {0};
    for (size_t i = 0; i < len; i++) {
        if ((s[i] == '*' || s[i] == '_') && i + 1 < len && s[i + 1] == s[i]) {
            i++;
            continue;
        }
        if (s[i] == '!' && i + 1 < len && s[i + 1] == '[')
            continue;
        if (s[i] == '[') {
            const char *close = memchr(s + i, ']', len - i);
            if (close && (size_t)(close - s) + 1 < len && close[1] == '(') {
                const char *paren =
                    memchr(close, ')', len - (size_t)(close - s));
                if (paren) {
                    page_putn(&text, s + i + 1, (size_t)(close - s - i - 1));
                    i = (size_t)(paren - s);
                    continue;
                }
            }
        }
        page_putn(&text, s + i, 1);
    }
    page_esc(b, text.data);
    b->is_failed |= text.is_failed;
    free(text.data);
}

static void put_body(struct page_buf *b, const char *md)
{
    int in_list = 0, in_para = 0;
    for (const char *line = md; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        const char *next = end ? end + 1 : NULL;
        while (len > 0 && (*line == ' ' || *line == '\t'))
            line++, len--;
        while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\r' ||
                           line[len - 1] == '\t'))
            len--;
        size_t hashes = 0;
        while (hashes < len && line[hashes] == '#')
            hashes++;
        size_t digits = 0;
        while (digits < len && line[digits] >= '0' && line[digits] <= '9')
            digits++;
        int is_item = (len > 1 && strchr("-*+", line[0]) && line[1] == ' ') ||
                      (digits > 0 && digits + 1 < len &&
                       (line[digits] == '.' || line[digits] == ')') &&
                       line[digits + 1] == ' ');
        int is_heading =
            hashes >= 1 && hashes <= 6 && hashes < len && line[hashes] == ' ';
        if (len == 0 || is_heading || is_item) {
            if (in_para)
                page_put(b, "</p>\n");
            in_para = 0;
        }
        if ((len == 0 || is_heading || !is_item) && in_list) {
            page_put(b, "</ul>\n");
            in_list = 0;
        }
        if (is_heading) {
            const char *tag = hashes <= 2 ? "h3" : "h4";
            page_putf(b, "<%s>", tag);
            put_inline(b, line + hashes + 1, len - hashes - 1);
            page_putf(b, "</%s>\n", tag);
        } else if (is_item) {
            size_t skip = digits ? digits + 2 : 2;
            if (!in_list)
                page_put(b, "<ul>\n");
            in_list = 1;
            page_put(b, "<li>");
            put_inline(b, line + skip, len - skip);
            page_put(b, "</li>\n");
        } else if (len > 0) {
            page_put(b, in_para ? " " : "<p>");
            in_para = 1;
            put_inline(b, line, len);
        }
        line = next;
    }
    if (in_para)
        page_put(b, "</p>\n");
    if (in_list)
        page_put(b, "</ul>\n");
}

/* -- the views ------------------------------------------------------------ */

static void put_fact(struct page_buf *b, const char *lang, const char *key,
                     const char *value)
{
    if (!value || !*value)
        return;
    page_put(b, "<dt>");
    page_text(b, lang, key, NULL);
    page_put(b, "</dt><dd>");
    page_esc(b, value);
    page_put(b, "</dd>");
}

/* The labels of a list of codes ("local, national"), plain text. */
static char *labels_of(const char *lang, const char *field, json_t *list)
{
    struct page_buf out = {0};
    size_t i;
    json_t *v;
    json_array_foreach(list, i, v)
    {
        char buf[64];
        if (i)
            page_put(&out, ", ");
        page_put(&out, page_value_label(lang, field, json_string_value(v), buf,
                                        sizeof buf));
    }
    return out.data;
}

static int is_web_url(const char *url)
{
    return strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0;
}

/* An attachment's link: /api/cases/{id}/attachments/{path, one segment} */
static void put_attachment(struct page_buf *b, const char *id,
                           const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    page_put(b, "<li><a class=\"path\" download href=\"/api/cases/");
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
    page_esc(b, path);
    page_put(b, "</a></li>");
}

static void put_case(struct page_buf *b, const struct page_state *st,
                     json_t *c, json_t *revision, json_t *current_rev,
                     json_t *last_change)
{
    const char *lang = st->lang;
    const char *id = str_of(c, "id");
    page_put(b, "<h1 id=\"case-title\" tabindex=\"-1\">");
    page_esc(b, *str_of(c, "title") ? str_of(c, "title") : id);
    page_put(b, "</h1>\n");
    if (revision) {
        json_int_t rev = json_integer_value(json_object_get(revision, "rev"));
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)rev);
        int is_current = json_integer_value(current_rev) == rev ||
                         json_is_null(current_rev) || !current_rev;
        page_put(b, "<div class=\"notice\" role=\"note\"><p "
                    "id=\"case-revision\">");
        page_text(b, lang, "revisionOf", "n", n, NULL);
        page_put(b, " ");
        put_change(b, lang, revision);
        page_put(b, ".</p><p>");
        if (!is_current) {
            put_case_link(b, st, id, 0, 0, page_str(lang, "seeCurrent"));
            page_put(b, " · ");
        }
        put_case_link(b, st, id, 0, 1, page_str(lang, "history"));
        page_put(b, "</p></div>\n");
    } else if (last_change) {
        page_put(b, "<p class=\"change\" id=\"case-change\">");
        put_change(b, lang, last_change);
        page_put(b, " · ");
        put_case_link(b, st, id, 0, 1, page_str(lang, "history"));
        page_put(b, "</p>\n");
    }
    json_t *from = json_object_get(c, "provenance"); /* harvested */
    if (from) {
        const char *lead = strcmp(lang, "es") == 0   ? "Cosechado de "
                           : strcmp(lang, "pt") == 0 ? "Coletado de "
                                                     : "Harvested from ";
        const char *on = strcmp(lang, "es") == 0   ? " el "
                         : strcmp(lang, "pt") == 0 ? " em "
                                                   : " on ";
        page_put(b, "<p class=\"change\" id=\"case-provenance\">");
        page_put(b, lead);
        page_esc(b, str_of(from, "source"));
        page_put(b, on);
        page_esc(b, str_of(from, "harvested_at"));
        page_put(b, "</p>\n");
    }
    page_put(b, "<div class=\"chips\">");
    size_t i;
    json_t *g;
    json_array_foreach(json_object_get(c, "sdg_goals"), i, g)
        page_goal_chip(b, lang, (int)json_integer_value(g), 1);
    page_put(b, "</div>\n<h2>");
    page_text(b, lang, "summary", NULL);
    page_put(b, "</h2>\n<p class=\"summary\">");
    page_esc(b, str_of(c, "summary"));
    page_put(b, "</p>\n<dl class=\"facts\">");

    struct page_buf place = {0};
    const char *parts[3] = {str_of(c, "city"), str_of(c, "region"),
                            *str_of(c, "country")
                                ? page_country_name(lang, str_of(c, "country"))
                                : ""};
    for (size_t k = 0; k < 3; k++)
        if (*parts[k]) {
            if (place.len)
                page_put(&place, ", ");
            page_put(&place, parts[k]);
        }
    put_fact(b, lang, "place", place.data);
    free(place.data);
    char years[64], buf[64];
    put_fact(b, lang, "years", page_years(lang, c, years, sizeof years));
    put_fact(b, lang, "language",
             page_value_label(lang, "language", str_of(c, "language"), buf,
                              sizeof buf));
    char *levels = labels_of(lang, "level", json_object_get(c, "levels"));
    put_fact(b, lang, "levels", levels);
    free(levels);
    char *actors = labels_of(lang, "actor", json_object_get(c, "actors"));
    put_fact(b, lang, "actors", actors);
    free(actors);
    char *targets = labels_of(lang, "", json_object_get(c, "sdg_targets"));
    put_fact(b, lang, "targets", targets);
    free(targets);
    char *tags = labels_of(lang, "", json_object_get(c, "tags"));
    put_fact(b, lang, "tags", tags);
    free(tags);
    const char *src = str_of(c, "source_url");
    if (*src && is_web_url(src)) {
        page_put(b, "<dt>");
        page_text(b, lang, "source", NULL);
        page_put(b, "</dt><dd><a href=\"");
        page_esc(b, src);
        page_put(b, "\" rel=\"noopener\">");
        page_esc(b, src);
        page_put(b, "</a></dd>");
    }
    put_fact(b, lang, "license", str_of(c, "license"));
    char updated[16];
    snprintf(updated, sizeof updated, "%.10s", str_of(c, "updated_at"));
    put_fact(b, lang, "updated", updated);
    page_put(b, "</dl>\n");
    if (*str_of(c, "body")) {
        page_put(b, "<section class=\"body\"><h2>");
        page_text(b, lang, "body", NULL);
        page_put(b, "</h2>\n");
        put_body(b, str_of(c, "body"));
        page_put(b, "</section>\n");
    }
    json_t *attachments = json_object_get(c, "attachments");
    if (json_array_size(attachments)) {
        page_put(b, "<section><h2>");
        page_text(b, lang, "attachments", NULL);
        page_put(b, "</h2><ul class=\"attachments\">");
        json_t *a;
        json_array_foreach(attachments, i, a)
        {
            const char *path =
                json_is_string(a) ? json_string_value(a) : str_of(a, "path");
            put_attachment(b, id, path);
        }
        page_put(b, "</ul></section>\n");
    }
}

/* -- related experiences --------------------------------------------------- */

#define PAGE_RELATED_LIMIT 5

/* "In common: SDGs 11, 16 · targets 11.3 · presupuesto participativo",
 * plain text (caller frees), or NULL when they share nothing said. */
static char *related_reason(const char *lang, const struct mindex_related *r)
{
    struct page_buf what = {0}, list = {0};
    for (int g = 1; g <= 17; g++)
        if (r->shared_goal_mask & (1u << g))
            page_putf(&list, "%s%d", list.len ? ", " : "", g);
    if (list.len) {
        char *goals =
            page_text_dup(lang, "relatedGoals", "list", list.data, NULL);
        page_put(&what, goals);
        free(goals);
    }
    list.len = 0;
    for (size_t i = 0; i < r->n_shared_targets; i++)
        page_putf(&list, "%s%s", i ? ", " : "", r->shared_targets[i]);
    if (list.len) {
        char *targets =
            page_text_dup(lang, "relatedTargets", "list", list.data, NULL);
        page_putf(&what, "%s%s", what.len ? " · " : "", targets);
        free(targets);
    }
    for (size_t i = 0; i < r->n_shared_terms; i++)
        page_putf(&what, "%s%s", what.len ? (i ? ", " : " · ") : "",
                  r->shared_terms[i]);
    char *out =
        what.len && !what.is_failed
            ? page_text_dup(lang, "relatedShared", "what", what.data, NULL)
            : NULL;
    free(list.data);
    free(what.data);
    return out;
}

/* The cases like this one (minga_related), each a link that keeps the
 * page's language, with what the two share. Nothing when the index has
 * none (or cannot say: the case itself is shown all the same). */
static void put_related(struct page_buf *b, const struct page_state *st,
                        struct web_server *srv, struct minga *m,
                        const char *id)
{
    struct mindex_related_list *r = NULL;
    char *errmsg = NULL;
    int rc = minga_related(m, id, PAGE_RELATED_LIMIT, &r, &errmsg);
    if (rc != 0 && rc != MINGA_ENOTFOUND)
        web_log(srv, "page: related cases of %s: %s", id,
                errmsg ? errmsg : "unknown error");
    free(errmsg);
    if (rc != 0 || r->n_items == 0) {
        mindex_related_free(r);
        return;
    }
    const char *lang = st->lang;
    page_put(b, "<section class=\"related\" id=\"related\"><h2>");
    page_text(b, lang, "related", NULL);
    page_put(b, "</h2>\n<ul class=\"related-list\">");
    for (size_t i = 0; i < r->n_items; i++) {
        const struct mindex_related *item = &r->items[i];
        page_put(b, "<li>");
        put_case_link(b, st, item->id, 0, 0, item->title);
        page_put(b, "<span class=\"muted\"> · ");
        page_esc(b, item->city);
        if (*item->country) {
            page_put(b, ", ");
            page_esc(b, page_country_name(lang, item->country));
        }
        if (item->is_same_city) {
            page_put(b, " · ");
            page_text(b, lang, "sameCity", NULL);
        }
        page_put(b, "</span>");
        char *reason = related_reason(lang, item);
        if (reason) {
            page_put(b, "<br><small class=\"reason\">");
            page_esc(b, reason);
            page_put(b, "</small>");
        }
        free(reason);
        page_put(b, "</li>");
    }
    page_put(b, "</ul></section>\n");
    mindex_related_free(r);
}

/* The revisions, newest first, each but a deletion linked by number. */
static void put_history(struct page_buf *b, const struct page_state *st,
                        const char *id, json_t *h)
{
    const char *lang = st->lang;
    page_put(b, "<h1 id=\"case-title\" tabindex=\"-1\">");
    page_text(b, lang, "historyOf", "id", id, NULL);
    page_put(b, "</h1>\n");
    json_int_t current = json_integer_value(json_object_get(h, "current"));
    if (json_is_true(json_object_get(h, "deleted"))) {
        page_put(b, "<p class=\"notice\">");
        page_text(b, lang, "deletedNote", NULL);
        page_put(b, "</p>\n");
    }
    if (current) {
        page_put(b, "<p>");
        put_case_link(b, st, id, 0, 0, page_str(lang, "seeCurrent"));
        page_put(b, "</p>\n");
    }
    page_put(b, "<ol class=\"history\" id=\"case-history\" reversed>");
    json_t *revs = json_object_get(h, "revisions");
    for (size_t i = json_array_size(revs); i-- > 0;) {
        json_t *r = json_array_get(revs, i);
        json_int_t rev = json_integer_value(json_object_get(r, "rev"));
        char n[24];
        snprintf(n, sizeof n, "%lld", (long long)rev);
        char *label = page_text_dup(lang, "revision", "n", n, NULL);
        page_put(b, rev == current ? "<li class=\"revision is-current\">"
                                   : "<li class=\"revision\">");
        if (strcmp(str_of(r, "action"), "delete") == 0) {
            page_put(b, "<span class=\"rev\">");
            page_esc(b, label);
            page_put(b, "</span>");
        } else {
            put_case_link(b, st, id, (long)rev, 0, label ? label : n);
        }
        free(label);
        page_put(b, " · ");
        put_change(b, lang, r);
        if (rev == current) {
            page_put(b, "<span class=\"muted\"> · ");
            page_text(b, lang, "current", NULL);
            page_put(b, "</span>");
        }
        page_put(b, "</li>");
    }
    page_put(b, "</ol>\n");
}

/* A message instead of the case: not found, deleted, a deletion's
 * revision. */
/* The case's schema.org description for search engines (issue 22), a
 * data block, which script-src 'self' lets be; escaped by
 * fed_jsonld_script_text so that no case text can end the element. */
static void put_jsonld(struct page_buf *b, struct minga *m, json_t *c)
{
    struct fed_site site;
    if (fed_site_load(m, &site) != 0)
        return;
    json_t *doc = fed_case_jsonld(&site, c);
    char *json = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    char *text = json ? fed_jsonld_script_text(json) : NULL;
    if (text) {
        page_put(b, "<script type=\"application/ld+json\">");
        page_put(b, text);
        page_put(b, "</script>\n");
    }
    free(text);
    free(json);
    json_decref(doc);
    fed_site_release(&site);
}

static void put_notice(struct page_buf *b, const struct page_state *st,
                       const char *text, const char *id, int with_history)
{
    page_put(b, "<h1 id=\"case-title\" tabindex=\"-1\" class=\"sr-only\">");
    page_esc(b, id ? id : "minga");
    page_put(b, "</h1><p class=\"notice error\" role=\"alert\" "
                "id=\"case-deleted\">");
    page_esc(b, text);
    page_put(b, "</p>\n");
    if (with_history) {
        page_put(b, "<p>");
        put_case_link(b, st, id, 0, 1, page_str(st->lang, "history"));
        page_put(b, "</p>\n");
    }
}

void page_render_case(struct page_buf *b, struct web_server *srv,
                      struct minga *m, struct page_state *st, unsigned *status)
{
    const char *lang = st->lang;
    const char *id = st->case_id;
    json_t *history = NULL, *c = NULL;
    char *errmsg = NULL;
    int is_valid = web_is_valid_id(id) && st->rev >= 0;
    int rc = is_valid ? minga_history_json(m, id, &history, &errmsg)
                      : MINGA_ENOTFOUND;
    if (rc != 0 && rc != MINGA_ENOTFOUND)
        web_log(srv, "page: the history of %s: %s", id,
                errmsg ? errmsg : "unknown error");
    free(errmsg);
    errmsg = NULL;

    json_t *revision = NULL, *last = history_revision(history, 0);
    char *notice = NULL;
    int notice_has_history = 0;
    if (!is_valid || (rc != 0 && rc != MINGA_ENOTFOUND)) {
        *status = is_valid ? web_status_for(rc) : MHD_HTTP_NOT_FOUND;
        notice = page_text_dup(lang, is_valid ? "error" : "notFound", NULL);
    } else if (st->is_history && !st->rev) {
        if (!history ||
            !json_array_size(json_object_get(history, "revisions"))) {
            *status = MHD_HTTP_NOT_FOUND;
            notice = page_text_dup(lang, "notFound", NULL);
        }
    } else if (st->rev) {
        revision = history_revision(history, st->rev);
        struct minga_case *mc = NULL;
        if (!revision) {
            *status = MHD_HTTP_NOT_FOUND;
            notice = page_text_dup(lang, "notFound", NULL);
        } else if (strcmp(str_of(revision, "action"), "delete") == 0) {
            *status = MHD_HTTP_GONE;
            notice = page_text_dup(lang, "revisionDeleted", NULL);
            notice_has_history = 1;
        } else if ((rc = minga_get_case_rev(m, id, (int)st->rev, &mc,
                                            &errmsg)) != 0) {
            *status = web_status_for(rc);
            notice = page_text_dup(
                lang, rc == MINGA_ENOTFOUND ? "notFound" : "error", NULL);
        } else {
            c = minga_case_json(mc, 1);
            case_free(mc);
        }
    } else {
        struct minga_case *mc = NULL;
        rc = minga_get_case(m, id, &mc, &errmsg);
        if (rc == MINGA_ENOTFOUND &&
            json_is_true(json_object_get(history, "deleted")) && last) {
            char time[40];
            const char *t = str_of(last, "time");
            snprintf(time, sizeof time, "%.10s %.5s UTC", t,
                     strlen(t) >= 16 ? t + 11 : "");
            *status = MHD_HTTP_NOT_FOUND;
            notice = page_text_dup(lang, "wasDeleted", "time", time, "who",
                                   who(lang, str_of(last, "by")), NULL);
            notice_has_history = 1;
        } else if (rc != 0) {
            *status = web_status_for(rc);
            notice = page_text_dup(
                lang, rc == MINGA_ENOTFOUND ? "notFound" : "error", NULL);
        } else {
            c = minga_case_json(mc, 1);
            case_free(mc);
            json_t *from = minga_harvest_provenance(m, id);
            if (from)
                json_object_set_new(c, "provenance", from);
        }
    }
    free(errmsg);

    /* the head: the case's title and summary */
    char *title = NULL;
    const char *description = page_str(lang, "tagline");
    if (c) {
        description =
            *str_of(c, "summary") ? str_of(c, "summary") : description;
        if (asprintf(&title, "%s · minga", str_of(c, "title")) < 0)
            title = NULL;
    } else if (st->is_history && history && !notice) {
        char *h = page_text_dup(lang, "historyOf", "id", id, NULL);
        if (asprintf(&title, "%s · minga", h ? h : id) < 0)
            title = NULL;
        free(h);
    } else if (asprintf(&title, "%s · minga", notice ? notice : id) < 0) {
        title = NULL;
    }
    struct page_link canonical = {.is_case = 1,
                                  .case_id = id,
                                  .rev = st->rev,
                                  .is_history = st->is_history,
                                  .is_bare = 1};
    struct page_head head = {.title = title,
                             .description = description,
                             .canonical = is_valid ? &canonical : NULL,
                             .body_class = "is-case",
                             .is_noindex =
                                 notice != NULL || st->rev || st->is_history};
    page_open(b, st, &head);
    page_put(b, "<div class=\"layout\">\n<main id=\"main\" tabindex=\"-1\">\n"
                "<article id=\"case-view\" class=\"case\">\n");
    put_back(b, st);
    if (notice)
        put_notice(b, st, notice, is_valid ? id : NULL, notice_has_history);
    else if (c)
        put_case(b, st, c, revision, json_object_get(history, "current"),
                 revision ? NULL : last);
    if (c && !revision)
        put_jsonld(b, m, c);
    if (c && !revision)
        put_related(b, st, srv, m, id);
    else
        put_history(b, st, id, history);
    page_put(b, "</article>\n</main>\n</div>\n");
    page_close(b, st);
    free(title);
    free(notice);
    json_decref(c);
    json_decref(history);
}
