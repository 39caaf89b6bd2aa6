/*
 * The briefing's HTML: one page per case and the index.
 *
 * Every case string is HTML-escaped; the body is Markdown rendered by cmark
 * in safe mode (raw HTML omitted, javascript: and similar links dropped).
 * Links are relative so the unpacked zip works offline.
 */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "briefing.h"
#include "labels.h"

const char *briefing_goal_color(const struct minga_host_api *host, int goal)
{
    const struct minga_goal_info *info = host->goal_info(goal);
    const char *color = info ? info->color : NULL;
    if (!color || color[0] != '#' || strlen(color) != 7 ||
        strspn(color + 1, "0123456789abcdefABCDEF") != 6)
        return "#777777";
    return color;
}

const char *briefing_ink_on(const char *color)
{
    unsigned r = 0, g = 0, b = 0;
    if (sscanf(color, "#%2x%2x%2x", &r, &g, &b) != 3)
        return "#ffffff";
    /* Perceived brightness (ITU-R BT.601 weights). */
    return 299 * r + 587 * g + 114 * b > 160000 ? "#1a1a1a" : "#ffffff";
}

static void page_head(struct exp_out *out, const char *lang, const char *title,
                      const char *css_href)
{
    exp_out_printf(out,
                   "<!DOCTYPE html>\n<html lang=\"%s\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width,"
                   " initial-scale=1\">\n<title>",
                   lang);
    exp_out_html(out, title);
    exp_out_puts(out, " — minga</title>\n<link rel=\"stylesheet\" href=\"");
    exp_out_puts(out, css_href);
    exp_out_puts(out, "\">\n</head>\n<body>\n");
}

static void goal_chip(struct exp_out *out, const struct minga_host_api *host,
                      const char *lang, int goal, int is_named)
{
    const char *color = briefing_goal_color(host, goal);
    exp_out_printf(out,
                   "<span class=\"chip\" style=\"background:%s;"
                   "color:%s\"",
                   color, briefing_ink_on(color));
    const char *name = exp_goal_name(host->goal_info(goal), lang);
    if (!is_named) {
        exp_out_puts(out, " title=\"");
        exp_out_html(out, name);
        exp_out_puts(out, "\"");
    }
    exp_out_printf(out, "><b>%d</b>", goal);
    if (is_named && *name) {
        exp_out_puts(out, " ");
        exp_out_html(out, name);
    }
    exp_out_puts(out, "</span>");
}

static void years(struct exp_out *out, int year_start, int year_end)
{
    if (year_end && year_end != year_start)
        exp_out_printf(out, "%d–%d", year_start, year_end);
    else
        exp_out_printf(out, "%d", year_start);
}

static void meta_start(struct exp_out *out, const char *lang,
                       enum exp_label label)
{
    exp_out_puts(out, "<dt>");
    exp_out_html(out, exp_label(label, lang));
    exp_out_puts(out, "</dt><dd>");
}

static void meta_list(struct exp_out *out, const char *lang,
                      enum exp_label label, const char *const *items,
                      size_t n_items)
{
    if (n_items == 0)
        return;
    meta_start(out, lang, label);
    for (size_t i = 0; i < n_items; i++) {
        if (i > 0)
            exp_out_puts(out, ", ");
        exp_out_html(out, items[i]);
    }
    exp_out_puts(out, "</dd>\n");
}

/* The body as HTML, cmark in safe mode, its headings moved two levels
 * down so they sit below the page's h1 and h2. */
static void page_body_markdown(struct exp_out *out, const char *body)
{
    cmark_node *doc = cmark_parse_document(body, strlen(body), CMARK_OPT_SAFE);
    if (!doc) {
        out->status = MINGA_ENOMEM;
        return;
    }
    cmark_iter *iter = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        if (ev == CMARK_EVENT_ENTER &&
            cmark_node_get_type(node) == CMARK_NODE_HEADING) {
            int level = cmark_node_get_heading_level(node) + 2;
            cmark_node_set_heading_level(node, level > 6 ? 6 : level);
        }
    }
    cmark_iter_free(iter);
    char *html = cmark_render_html(doc, CMARK_OPT_SAFE);
    cmark_node_free(doc);
    if (!html) {
        out->status = MINGA_ENOMEM;
        return;
    }
    exp_out_puts(out, html);
    free(html);
}

/* " (PDF, 12.5 KiB)" after an attachment's link. */
static void attachment_note(struct exp_out *out,
                            const struct minga_attachment *att)
{
    static const struct {
        const char *media_type, *name;
    } kinds[] = {
        {"application/pdf", "PDF"},
        {"application/vnd.openxmlformats-officedocument.wordprocessingml."
         "document",
         "DOCX"},
        {"application/vnd.oasis.opendocument.text", "ODT"},
        {"text/html", "HTML"},
        {"text/plain", "TXT"},
        {"text/markdown", "Markdown"}};
    const char *kind = NULL;
    for (size_t i = 0; att->media_type && i < sizeof kinds / sizeof kinds[0];
         i++)
        if (strcmp(att->media_type, kinds[i].media_type) == 0)
            kind = kinds[i].name;
    if (!kind && att->size == 0)
        return;
    exp_out_puts(out, " <small>(");
    if (kind)
        exp_out_puts(out, kind);
    if (att->size > 0)
        exp_out_printf(out, "%s%.1f KiB", kind ? ", " : "",
                       (double)att->size / 1024.0);
    exp_out_puts(out, ")</small>");
}

/* "Rosario, Santa Fe · Argentina · 2002-2008"; region may be NULL. */
static void place(struct exp_out *out, const struct exp_l10n *l10n,
                  const char *city, const char *region, const char *country,
                  int year_start, int year_end)
{
    exp_out_html(out, city);
    if (region) {
        exp_out_puts(out, ", ");
        exp_out_html(out, region);
    }
    exp_out_puts(out, " · ");
    exp_out_html(out, exp_country_name(l10n, country));
    exp_out_puts(out, " · ");
    years(out, year_start, year_end);
}

/* "In common: SDG 11, SDG 2 · Targets 11.2 · huerta urbana, compost" */
static void related_in_common(struct exp_out *out, const struct exp_l10n *l10n,
                              const struct minga_related_case *r)
{
    const char *lang = l10n->lang;
    const char *sep = "";
    exp_out_puts(out, "<br><small>");
    exp_out_html(out, exp_label(EXP_L_IN_COMMON, lang));
    exp_out_puts(out, ": ");
    for (int g = 1; g <= 17; g++) {
        if (!(r->shared_goal_mask & (1u << g)))
            continue;
        exp_out_printf(out, "%s%s %d", sep, exp_label(EXP_L_SDG_SHORT, lang),
                       g);
        sep = ", ";
    }
    if (r->n_shared_targets > 0) {
        exp_out_printf(out, "%s%s ", *sep ? " · " : "",
                       exp_label(EXP_L_TARGETS, lang));
        for (size_t i = 0; i < r->n_shared_targets; i++) {
            if (i)
                exp_out_puts(out, ", ");
            exp_out_html(out, r->shared_targets[i]);
        }
        sep = ", ";
    }
    if (r->n_shared_terms > 0) {
        exp_out_puts(out, *sep ? " · " : "");
        for (size_t i = 0; i < r->n_shared_terms; i++) {
            if (i)
                exp_out_puts(out, ", ");
            exp_out_html(out, r->shared_terms[i]);
        }
    }
    exp_out_puts(out, "</small>");
}

/* The experiences like this one: a link to each page the pack holds,
 * the others named with where to find them (not in this pack). */
static void related_section(struct exp_out *out, const struct exp_l10n *l10n,
                            const struct minga_related_case *related,
                            size_t n_related)
{
    const char *lang = l10n->lang;
    exp_out_puts(out, "<section class=\"related\">\n<h2>");
    exp_out_html(out, exp_label(EXP_L_RELATED, lang));
    exp_out_puts(out, "</h2>\n<ul>\n");
    for (size_t i = 0; i < n_related; i++) {
        const struct minga_related_case *r = &related[i];
        char *safe = r->is_exported ? briefing_safe_id_new(r->id) : NULL;
        exp_out_puts(out, "<li>");
        if (safe) {
            exp_out_puts(out, "<a href=\"");
            exp_out_url_path(out, safe);
            exp_out_puts(out, ".html\">");
            exp_out_html(out, r->title);
            exp_out_puts(out, "</a>");
        } else {
            exp_out_puts(out, "<cite>");
            exp_out_html(out, r->title);
            exp_out_puts(out, "</cite>");
        }
        free(safe);
        exp_out_puts(out, " <span class=\"place\">");
        place(out, l10n, r->city, NULL, r->country, r->year_start,
              r->year_end);
        exp_out_puts(out, "</span>");
        if (!r->is_exported) {
            exp_out_puts(out, " <small>(");
            exp_out_html(out, exp_label(EXP_L_NOT_IN_PACK, lang));
            exp_out_puts(out, ")</small>");
        }
        if (r->shared_goal_mask || r->n_shared_targets || r->n_shared_terms)
            related_in_common(out, l10n, r);
        exp_out_puts(out, "</li>\n");
    }
    exp_out_puts(out, "</ul>\n</section>\n");
}

void briefing_page_case(struct exp_out *out, const struct exp_l10n *l10n,
                        const struct minga_case *c, const char *safe_id,
                        const struct minga_related_case *related,
                        size_t n_related)
{
    const struct minga_host_api *host = l10n->host;
    const char *lang = l10n->lang;
    page_head(out, lang, c->title, "../style.css");
    exp_out_puts(out, "<nav class=\"nav\"><a href=\"../index.html\">← ");
    exp_out_html(out, exp_label(EXP_L_ALL_CASES, lang));
    exp_out_puts(out, "</a></nav>\n<article class=\"case\" lang=\"");
    exp_out_html(out, c->language);
    exp_out_puts(out, "\">\n<h1>");
    exp_out_html(out, c->title);
    exp_out_puts(out, "</h1>\n<p class=\"place\">");
    place(out, l10n, c->city, c->region, c->country, c->year_start,
          c->year_end);
    exp_out_puts(out, "</p>\n<p class=\"chips\">");
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g))
            goal_chip(out, host, lang, g, 1);
    exp_out_puts(out, "</p>\n<dl class=\"meta\">\n");

    meta_list(out, lang, EXP_L_TARGETS, c->targets, c->n_targets);
    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            names[n_names++] = exp_level_label(i, lang);
    meta_list(out, lang, EXP_L_LEVELS, names, n_names);
    n_names = 0;
    for (unsigned i = 0; i < MINGA_N_ACTORS; i++)
        if (c->actor_mask & (1u << i))
            names[n_names++] = exp_actor_label(i, lang);
    meta_list(out, lang, EXP_L_ACTORS, names, n_names);
    meta_list(out, lang, EXP_L_TAGS, c->tags, c->n_tags);
    if (c->license)
        meta_list(out, lang, EXP_L_LICENSE, &c->license, 1);
    if (c->source_url) {
        meta_start(out, lang, EXP_L_SOURCE);
        int is_web = strncmp(c->source_url, "https://", 8) == 0 ||
                     strncmp(c->source_url, "http://", 7) == 0;
        if (is_web) {
            exp_out_puts(out, "<a href=\"");
            exp_out_html(out, c->source_url);
            exp_out_puts(out, "\">");
        }
        exp_out_html(out, c->source_url);
        exp_out_puts(out, is_web ? "</a></dd>\n" : "</dd>\n");
    }
    exp_out_puts(out, "</dl>\n<section class=\"summary\">\n<h2>");
    exp_out_html(out, exp_label(EXP_L_SUMMARY, lang));
    exp_out_puts(out, "</h2>\n<p>");
    exp_out_html(out, c->summary);
    exp_out_puts(out, "</p>\n</section>\n");
    if (c->body && *c->body) {
        exp_out_puts(out, "<section class=\"body\">\n<h2>");
        exp_out_html(out, exp_label(EXP_L_BODY, lang));
        exp_out_puts(out, "</h2>\n");
        page_body_markdown(out, c->body);
        exp_out_puts(out, "</section>\n");
    }
    if (c->n_attachments > 0) {
        exp_out_puts(out, "<section class=\"attachments\">\n<h2>");
        exp_out_html(out, exp_label(EXP_L_ATTACHMENTS, lang));
        exp_out_puts(out, "</h2>\n<ul>\n");
        for (size_t i = 0; i < c->n_attachments; i++) {
            const struct minga_attachment *att = minga_case_attachment(c, i);
            exp_out_puts(out, "<li><a href=\"../attachments/");
            exp_out_url_path(out, safe_id);
            exp_out_puts(out, "/");
            exp_out_url_path(out, att->path);
            exp_out_puts(out, "\">");
            exp_out_html(out, att->path);
            exp_out_puts(out, "</a>");
            attachment_note(out, att);
            exp_out_puts(out, "</li>\n");
        }
        exp_out_puts(out, "</ul>\n</section>\n");
    }
    if (n_related > 0)
        related_section(out, l10n, related, n_related);
    exp_out_puts(out, "</article>\n</body>\n</html>\n");
}

static void figure(struct exp_out *out, const char *lang, enum exp_label label,
                   uint64_t value)
{
    exp_out_printf(out,
                   "<div class=\"figure\"><span class=\"value\">%llu"
                   "</span><span class=\"label\">",
                   (unsigned long long)value);
    exp_out_html(out, exp_label(label, lang));
    exp_out_puts(out, "</span></div>\n");
}

static void chart_img(struct exp_out *out, const char *lang, const char *src,
                      enum exp_label label)
{
    exp_out_puts(out, "<figure class=\"chart\"><img src=\"");
    exp_out_puts(out, src);
    exp_out_puts(out, "\" alt=\"");
    exp_out_html(out, exp_label(label, lang));
    exp_out_puts(out, "\"></figure>\n");
}

/* The filters as a list of phrases in the pack's language ("ODS 11:
 * Ciudades y comunidades sostenibles"), the raw description in a title
 * attribute for whoever wants to repeat the export. */
static void filters_list(struct exp_out *out, const struct exp_l10n *l10n,
                         const char *filters)
{
    if (!*filters) {
        exp_out_html(out, exp_label(EXP_L_NO_FILTERS, l10n->lang));
        return;
    }
    exp_out_puts(out, "<ul class=\"filters\" title=\"");
    exp_out_html(out, filters);
    exp_out_puts(out, "\">");
    for (const char *p = filters; *p;) {
        p += strspn(p, " ");
        size_t len = strcspn(p, " ");
        if (len == 0)
            break;
        char *words = exp_filter_in_words(l10n, p, len);
        p += len;
        if (!words) {
            out->status = MINGA_ENOMEM;
            return;
        }
        exp_out_puts(out, "<li>");
        exp_out_html(out, words);
        exp_out_puts(out, "</li>");
        free(words);
    }
    exp_out_puts(out, "</ul>");
}

static void cell_start(struct exp_out *out, const char *lang,
                       enum exp_label label, const char *class_name)
{
    exp_out_puts(out, "<td");
    if (class_name)
        exp_out_printf(out, " class=\"%s\"", class_name);
    exp_out_puts(out, " data-label=\"");
    exp_out_html(out, exp_label(label, lang));
    exp_out_puts(out, "\">");
}

void briefing_page_index(struct exp_out *out, const struct exp_l10n *l10n,
                         const struct briefing_selection *sel,
                         const struct exp_stats *stats,
                         const struct briefing_row *rows, size_t n_rows)
{
    const struct minga_host_api *host = l10n->host;
    const char *lang = sel->lang;
    const char *title = exp_label(EXP_L_BRIEFING_TITLE, lang);
    page_head(out, lang, title, "style.css");
    exp_out_puts(out, "<header class=\"cover\">\n<h1>minga — ");
    exp_out_html(out, title);
    exp_out_puts(out, "</h1>\n<dl class=\"meta\">\n");
    meta_start(out, lang, EXP_L_QUERY);
    exp_out_html(out,
                 *sel->query ? sel->query : exp_label(EXP_L_NO_QUERY, lang));
    exp_out_puts(out, "</dd>\n");
    meta_start(out, lang, EXP_L_FILTERS);
    filters_list(out, l10n, sel->filters);
    exp_out_puts(out, "</dd>\n");
    meta_start(out, lang, EXP_L_GENERATED);
    char when[128];
    exp_format_date_words(when, sizeof when, sel->generated_at, lang);
    exp_out_puts(out, "<time datetime=\"");
    exp_out_html(out, sel->generated_at);
    exp_out_puts(out, "\">");
    exp_out_html(out, when);
    exp_out_puts(out, "</time></dd>\n</dl>\n<div class=\"figures\">\n");
    figure(out, lang, EXP_L_CASES, stats->n_cases);
    figure(out, lang, EXP_L_COUNTRIES, exp_stats_n_countries(stats));
    figure(out, lang, EXP_L_GOALS, exp_stats_n_goals(stats));
    exp_out_puts(out, "</div>\n");
    if (sel->is_related_skipped) {
        exp_out_puts(out, "<p class=\"note\">");
        exp_out_html(out, exp_label(EXP_L_RELATED, lang));
        exp_out_puts(out, ": ");
        exp_out_printf(out, exp_label(EXP_L_RELATED_LIMIT, lang),
                       BRIEFING_RELATED_MAX_CASES);
        exp_out_puts(out, "</p>\n");
    }
    exp_out_puts(out, "</header>\n<section class=\"charts\">\n<h2>");
    exp_out_html(out, exp_label(EXP_L_OVERVIEW, lang));
    exp_out_puts(out, "</h2>\n");
    chart_img(out, lang, "charts/goals.svg", EXP_L_PER_GOAL);
    chart_img(out, lang, "charts/levels.svg", EXP_L_PER_LEVEL);
    chart_img(out, lang, "charts/countries.svg", EXP_L_PER_COUNTRY);

    exp_out_puts(out, "</section>\n<section class=\"cases\">\n<h2>");
    exp_out_html(out, exp_label(EXP_L_CASES, lang));
    exp_out_puts(out, "</h2>\n<div class=\"table-wrap\">\n"
                      "<table class=\"case-list\">\n<thead><tr>");
    static const enum exp_label columns[] = {
        EXP_L_TITLE, EXP_L_CITY, EXP_L_COUNTRY, EXP_L_YEARS, EXP_L_GOALS};
    for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
        exp_out_puts(out, "<th scope=\"col\">");
        exp_out_html(out, exp_label(columns[i], lang));
        exp_out_puts(out, "</th>");
    }
    exp_out_puts(out, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < n_rows; i++) {
        const struct briefing_row *row = &rows[i];
        exp_out_puts(out, "<tr id=\"");
        exp_out_html(out, row->id);
        exp_out_puts(out, "\">");
        cell_start(out, lang, EXP_L_TITLE, "title");
        exp_out_puts(out, "<a href=\"cases/");
        exp_out_url_path(out, row->id);
        exp_out_puts(out, ".html\">");
        exp_out_html(out, row->title);
        exp_out_puts(out, "</a></td>");
        cell_start(out, lang, EXP_L_CITY, NULL);
        exp_out_html(out, row->city);
        exp_out_puts(out, "</td>");
        cell_start(out, lang, EXP_L_COUNTRY, NULL);
        exp_out_html(out, exp_country_name(l10n, row->country));
        exp_out_puts(out, "</td>");
        cell_start(out, lang, EXP_L_YEARS, NULL);
        years(out, row->year_start, row->year_end);
        exp_out_puts(out, "</td>");
        cell_start(out, lang, EXP_L_GOALS, "chips");
        for (int g = 1; g <= 17; g++)
            if (row->goal_mask & (1u << g))
                goal_chip(out, host, lang, g, 0);
        exp_out_puts(out, "</td></tr>\n");
    }
    exp_out_puts(out, "</tbody>\n</table>\n</div>\n</section>\n"
                      "<footer>minga ");
    exp_out_html(out, sel->minga_version);
    exp_out_puts(out, "</footer>\n</body>\n</html>\n");
}
