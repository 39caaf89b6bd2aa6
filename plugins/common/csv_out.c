/* RFC 4180 rows of the case format v1. */
#include "csv_out.h"

#include <string.h>

#include "labels.h"

static const char *const csv_fields[] = {
    "id",         "title",       "summary",    "body",       "language",
    "city",       "country",     "region",     "year_start", "year_end",
    "sdg_goals",  "sdg_targets", "levels",     "actors",     "tags",
    "source_url", "license",     "attachments"};
#define N_CSV_FIELDS (sizeof csv_fields / sizeof csv_fields[0])

/* The items of one cell: strings, or the paths of attachments. */
struct cell_items {
    const char *const *strings;
    const struct minga_case *attachments_of; /* or their paths */
    size_t n;
};

static const char *item_at(const struct cell_items *items, size_t i)
{
    return items->strings
               ? items->strings[i]
               : minga_case_attachment(items->attachments_of, i)->path;
}

static int needs_quotes(const char *s)
{
    size_t len = strlen(s);
    if (len == 0)
        return 0;
    if (s[0] == ' ' || s[0] == '\t' || s[len - 1] == ' ' || s[len - 1] == '\t')
        return 1;
    return strpbrk(s, ",\"\r\n") != NULL;
}

/* Spreadsheets run a cell that starts with = + - @ tab or CR as a formula
 * (CSV injection: `=HYPERLINK(...)` in a title). Such a cell is written
 * with a leading `'` (OWASP's advice), which spreadsheets take as "this is
 * text"; so is a cell that starts with `'`s and then one of those, so that
 * the CSV importer, which strips one `'` from exactly these cells, gives
 * every value back as it was ("'=x" is written "''=x"). Only the cell's
 * first item matters: the joined text starts with it. */
static int needs_formula_guard(const char *first_item)
{
    while (*first_item == '\'')
        first_item++;
    return *first_item != '\0' && strchr("=+-@\t\r", *first_item) != NULL;
}

static void write_quoted(struct exp_out *out, const char *s)
{
    const char *run = s;
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            exp_out_write(out, run, (size_t)(p - run + 1));
            run = p; /* the quote is written again: doubled */
        }
    }
    exp_out_puts(out, run);
}

/* Writes items joined with ';' as one cell, preceded by a comma unless it
 * is the row's first. The whole cell is quoted when any item needs it, or
 * when the joined text would start or end with blanks. A tag that itself
 * holds ';' is written as is and will come back split in two on import:
 * CSV v1 has no escape for the separator (use the JSON export to
 * round-trip such tags). */
static void write_cell(struct exp_out *out, const struct cell_items *items,
                       int is_first)
{
    if (!is_first)
        exp_out_write(out, ",", 1);
    int quote = 0;
    for (size_t i = 0; i < items->n; i++)
        if (item_at(items, i) && needs_quotes(item_at(items, i)))
            quote = 1;
    if (quote)
        exp_out_write(out, "\"", 1);
    if (items->n > 0 && item_at(items, 0) &&
        needs_formula_guard(item_at(items, 0)))
        exp_out_write(out, "'", 1);
    for (size_t i = 0; i < items->n; i++) {
        if (i > 0)
            exp_out_write(out, ";", 1);
        if (item_at(items, i))
            write_quoted(out, item_at(items, i));
    }
    if (quote)
        exp_out_write(out, "\"", 1);
}

/* Writes a field (NULL: an empty cell). */
static void write_field(struct exp_out *out, const char *s, int is_first)
{
    struct cell_items items = {&s, NULL, s ? 1 : 0};
    write_cell(out, &items, is_first);
}

static void write_list(struct exp_out *out, const char *const *strings,
                       size_t n_strings)
{
    struct cell_items items = {strings, NULL, n_strings};
    write_cell(out, &items, 0);
}

static void write_mask(struct exp_out *out, uint32_t mask, unsigned n_bits,
                       const char *(*name_of)(unsigned))
{
    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < n_bits; i++)
        if (mask & (1u << i))
            names[n_names++] = name_of(i);
    write_list(out, names, n_names);
}

int exp_csv_write_header(struct exp_out *out)
{
    exp_out_write(out, "\xEF\xBB\xBF", 3);
    for (size_t i = 0; i < N_CSV_FIELDS; i++)
        write_field(out, csv_fields[i], i == 0);
    return exp_out_write(out, "\r\n", 2);
}

int exp_csv_write_case(struct exp_out *out, const struct minga_case *c)
{
    char year_start[16], year_end[16] = "";
    snprintf(year_start, sizeof year_start, "%d", c->year_start);
    if (c->year_end != 0)
        snprintf(year_end, sizeof year_end, "%d", c->year_end);

    write_field(out, c->id, 1);
    write_field(out, c->title, 0);
    write_field(out, c->summary, 0);
    write_field(out, c->body, 0);
    write_field(out, c->language, 0);
    write_field(out, c->city, 0);
    write_field(out, c->country, 0);
    write_field(out, c->region, 0);
    write_field(out, year_start, 0);
    write_field(out, year_end, 0);

    exp_out_write(out, ",", 1);
    int n_goals = 0;
    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g))
            exp_out_printf(out, n_goals++ ? ";%d" : "%d", g);

    write_list(out, c->targets, c->n_targets);
    write_mask(out, c->level_mask, MINGA_N_LEVELS, vocab_level_name);
    write_mask(out, c->actor_mask, MINGA_N_ACTORS, vocab_actor_name);
    write_list(out, c->tags, c->n_tags);
    write_field(out, c->source_url, 0);
    write_field(out, c->license, 0);
    /* attachments: their declared paths, like the JSON export */
    struct cell_items paths = {NULL, c, c->n_attachments};
    write_cell(out, &paths, 0);
    return exp_out_write(out, "\r\n", 2);
}
