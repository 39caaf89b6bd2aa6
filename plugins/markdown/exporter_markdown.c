/*
 * Markdown exporter: one readable document. A header with the selection,
 * then per case a heading, a metadata list (city, country, years, goals
 * named in the export language, levels, actors, source), the summary and
 * the body. Text from cases is backslash-escaped so a title like
 * "<script>" stays text; the body is Markdown already and goes through
 * cmark only to move its headings below the case heading. Streamed.
 */
#include <stdlib.h>
#include <string.h>

#include <cmark.h>

#include "minga/plugin.h"
#include "labels.h"
#include "out.h"

struct md_export {
    struct exp_out out;
    const struct minga_host_api *host;
    const char *lang;
};

/* Writes s with Markdown-active characters backslash-escaped, including
 * block markers at the start of a line (# - + = > and "1."). */
static void md_text(struct exp_out *out, const char *s)
{
    int at_line_start = 1;
    for (const char *p = s; p && *p; p++) {
        char ch = *p;
        int escape = strchr("\\`*_[]<>&|~!", ch) != NULL;
        if (at_line_start && ch != ' ') {
            if (strchr("#-+=>", ch))
                escape = 1;
            else if (ch >= '0' && ch <= '9') {
                const char *q = p;
                while (*q >= '0' && *q <= '9')
                    q++;
                if (*q == '.' || *q == ')') {
                    exp_out_write(out, p, (size_t)(q - p));
                    p = q;
                    ch = *p;
                    escape = 1;
                }
            }
            at_line_start = 0;
        }
        if (escape)
            exp_out_write(out, "\\", 1);
        exp_out_write(out, &ch, 1);
        if (ch == '\n')
            at_line_start = 1;
    }
}

static void md_item_start(struct md_export *exp, enum exp_label label)
{
    exp_out_printf(&exp->out, "- **%s:** ", exp_label(label, exp->lang));
}

static void md_list(struct md_export *exp, enum exp_label label,
                    const char *const *items, size_t n_items)
{
    if (n_items == 0)
        return;
    md_item_start(exp, label);
    for (size_t i = 0; i < n_items; i++) {
        if (i > 0)
            exp_out_puts(&exp->out, ", ");
        md_text(&exp->out, items[i]);
    }
    exp_out_puts(&exp->out, "\n");
}

/* The body with every heading moved three levels down (at most h6). */
static int md_body(struct exp_out *out, const char *body)
{
    cmark_node *doc =
        cmark_parse_document(body, strlen(body), CMARK_OPT_DEFAULT);
    if (!doc)
        return MINGA_ENOMEM;
    cmark_iter *iter = cmark_iter_new(doc);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(iter);
        if (ev == CMARK_EVENT_ENTER &&
            cmark_node_get_type(node) == CMARK_NODE_HEADING) {
            int level = cmark_node_get_heading_level(node) + 3;
            cmark_node_set_heading_level(node, level > 6 ? 6 : level);
        }
    }
    cmark_iter_free(iter);
    char *text = cmark_render_commonmark(doc, CMARK_OPT_DEFAULT, 0);
    cmark_node_free(doc);
    if (!text)
        return MINGA_ENOMEM;
    exp_out_puts(out, text);
    free(text);
    return out->status;
}

static int md_begin(const struct minga_host_api *host,
                    struct minga_export_ctx *ctx, void **state)
{
    struct md_export *exp = calloc(1, sizeof *exp);
    if (!exp)
        return MINGA_ENOMEM;
    exp_out_init_host(&exp->out, host, ctx);
    exp->host = host;
    const struct minga_export_info *info = host->export_info(ctx);
    exp->lang = exp_lang_norm(info ? info->lang : NULL);
    *state = exp;

    struct exp_out *out = &exp->out;
    exp_out_puts(out, "# minga\n\n");
    if (info) {
        md_item_start(exp, EXP_L_QUERY);
        md_text(out, info->query && *info->query
                         ? info->query
                         : exp_label(EXP_L_NO_QUERY, exp->lang));
        exp_out_puts(out, "\n");
        md_item_start(exp, EXP_L_FILTERS);
        md_text(out, info->filters && *info->filters
                         ? info->filters
                         : exp_label(EXP_L_NO_FILTERS, exp->lang));
        exp_out_puts(out, "\n");
        md_item_start(exp, EXP_L_GENERATED);
        md_text(out, info->generated_at);
        exp_out_puts(out, "\n");
        md_item_start(exp, EXP_L_CASES);
        exp_out_printf(out, "%llu\n", (unsigned long long)info->n_cases);
    }
    return exp_out_status(out);
}

static int md_write_case(void *state, const struct minga_case *c)
{
    struct md_export *exp = state;
    struct exp_out *out = &exp->out;
    const char *lang = exp->lang;

    exp_out_puts(out, "\n---\n\n## ");
    md_text(out, c->title);
    exp_out_puts(out, "\n\n");

    md_item_start(exp, EXP_L_CITY);
    md_text(out, c->city);
    if (c->region) {
        exp_out_puts(out, " (");
        md_text(out, c->region);
        exp_out_puts(out, ")");
    }
    exp_out_puts(out, "\n");
    md_item_start(exp, EXP_L_COUNTRY);
    const char *country =
        exp->host->country_name ? exp->host->country_name(c->country) : NULL;
    if (country) {
        md_text(out, country);
        exp_out_puts(out, " (");
        md_text(out, c->country);
        exp_out_puts(out, ")\n");
    } else {
        md_text(out, c->country);
        exp_out_puts(out, "\n");
    }
    md_item_start(exp, c->year_end ? EXP_L_YEARS : EXP_L_YEAR);
    if (c->year_end && c->year_end != c->year_start)
        exp_out_printf(out, "%d–%d\n", c->year_start, c->year_end);
    else
        exp_out_printf(out, "%d\n", c->year_start);

    md_item_start(exp, EXP_L_GOALS);
    int n_goals = 0;
    for (int g = 1; g <= 17; g++) {
        if (!(c->goal_mask & (1u << g)))
            continue;
        exp_out_printf(out, "%s%d ", n_goals++ ? "; " : "", g);
        md_text(out, exp_goal_name(exp->host->goal_info(g), lang));
    }
    exp_out_puts(out, "\n");
    md_list(exp, EXP_L_TARGETS, c->targets, c->n_targets);

    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        if (c->level_mask & (1u << i))
            names[n_names++] = exp_level_label(i, lang);
    md_list(exp, EXP_L_LEVELS, names, n_names);
    n_names = 0;
    for (unsigned i = 0; i < MINGA_N_ACTORS; i++)
        if (c->actor_mask & (1u << i))
            names[n_names++] = exp_actor_label(i, lang);
    md_list(exp, EXP_L_ACTORS, names, n_names);
    md_list(exp, EXP_L_TAGS, c->tags, c->n_tags);

    if (c->source_url) {
        md_item_start(exp, EXP_L_SOURCE);
        if (strpbrk(c->source_url, " <>\t\r\n") == NULL)
            exp_out_printf(out, "<%s>\n", c->source_url);
        else {
            md_text(out, c->source_url);
            exp_out_puts(out, "\n");
        }
    }
    if (c->license) {
        md_item_start(exp, EXP_L_LICENSE);
        md_text(out, c->license);
        exp_out_puts(out, "\n");
    }
    for (size_t i = 0; i < c->n_attachments; i++) {
        if (i == 0)
            md_item_start(exp, EXP_L_ATTACHMENTS);
        else
            exp_out_puts(out, ", ");
        md_text(out, minga_case_attachment(c, i)->path);
        if (i + 1 == c->n_attachments)
            exp_out_puts(out, "\n");
    }

    exp_out_printf(out, "\n### %s\n\n", exp_label(EXP_L_SUMMARY, lang));
    md_text(out, c->summary);
    exp_out_puts(out, "\n");
    if (c->body && *c->body) {
        exp_out_printf(out, "\n### %s\n\n", exp_label(EXP_L_BODY, lang));
        int rc = md_body(out, c->body);
        if (rc != MINGA_OK)
            return rc;
    }
    return exp_out_status(out);
}

static int md_finish(void *state, int ok)
{
    struct md_export *exp = state;
    int rc = ok ? exp_out_status(&exp->out) : MINGA_OK;
    free(exp);
    return rc;
}

static const struct minga_exporter exporter = {sizeof(struct minga_exporter),
                                               "markdown",
                                               "text/markdown; charset=utf-8",
                                               "md",
                                               md_begin,
                                               md_write_case,
                                               md_finish};

MINGA_PLUGIN_DEFINE("markdown", MINGA_PLUGIN_EXPORTER, "1.0.0",
                    "Markdown document for reading", NULL, &exporter);
