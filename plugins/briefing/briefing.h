/*
 * Briefing pack exporter: one zip for workshop facilitators, with an
 * index page, one HTML page per case, SVG charts, the cases as CSV and
 * JSON, their attachments and a manifest of every file's size and SHA-256.
 *
 * Internal header of the plugin: briefing.c owns the zip and the export
 * state, pages.c writes the HTML, charts.c the SVG, style.c the CSS. Every
 * string that comes from a case or from the host goes through
 * exp_out_html(); pages only link relatively, so the pack works offline.
 */
#ifndef MINGA_BRIEFING_H
#define MINGA_BRIEFING_H

#include "minga/plugin.h"
#include "l10n.h"
#include "out.h"
#include "stats.h"

/* What index.html keeps of a case: a few short strings per case. */
struct briefing_row {
    char *id; /* already safe as a file name */
    char *title;
    char *city;
    char *country; /* the code: named in the pack's language on output */
    int year_start;
    int year_end;
    uint32_t goal_mask;
};

/* The selection an export describes, copied from export_info at begin. */
struct briefing_selection {
    char *query;
    char *filters;
    char *lang; /* "es", "pt" or "en" */
    char *generated_at;
    char *minga_version;
    int is_related_skipped; /* too many cases for related lists */
};

/* How many related experiences a case page lists, and in packs of how
 * many cases at most: each list is a search (some 5 ms at 10 000 cases),
 * which would make a pack of the whole catalog take minutes. */
#define BRIEFING_RELATED_MAX 5
#define BRIEFING_RELATED_MAX_CASES 1000

/* A case id made safe as one path component: [a-z0-9-] kept, anything
 * else (never seen after validation) becomes '-'. Caller frees; NULL
 * when out of memory. (briefing.c) */
char *briefing_safe_id_new(const char *id);

/* pages.c: names in the pack's language come from l10n (l10n->lang is
 * the pack's language, l10n->host the host). `related` (n_related of
 * them, borrowed) are the experiences like the case, from the host. */
void briefing_page_case(struct exp_out *out, const struct exp_l10n *l10n,
                        const struct minga_case *c, const char *safe_id,
                        const struct minga_related_case *related,
                        size_t n_related);
void briefing_page_index(struct exp_out *out, const struct exp_l10n *l10n,
                         const struct briefing_selection *sel,
                         const struct exp_stats *stats,
                         const struct briefing_row *rows, size_t n_rows);
/* "#RRGGBB" of goal g when the host's colour is well formed, else grey. */
const char *briefing_goal_color(const struct minga_host_api *host, int goal);
/* Black or white, whichever reads better on the colour. */
const char *briefing_ink_on(const char *color);

/* charts.c: standalone SVG documents. */
void briefing_chart_goals(struct exp_out *out, const struct exp_l10n *l10n,
                          const struct exp_stats *stats);
void briefing_chart_levels(struct exp_out *out, const struct exp_l10n *l10n,
                           const struct exp_stats *stats);
void briefing_chart_countries(struct exp_out *out, const struct exp_l10n *l10n,
                              const struct exp_stats *stats);

/* style.c */
extern const char briefing_style_css[];

#endif /* MINGA_BRIEFING_H */
