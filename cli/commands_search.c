/* search, list and export: commands that select cases with a query. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refdata.h"

enum {
    OPT_SDG = 1000,
    OPT_TARGET,
    OPT_LEVEL,
    OPT_ACTOR,
    OPT_COUNTRY,
    OPT_LANG,
    OPT_YEAR,
    OPT_SUGGESTED
};

#define FILTER_OPTIONS                                                        \
    {"sdg", required_argument, 0, OPT_SDG},                                   \
        {"target", required_argument, 0, OPT_TARGET},                         \
        {"level", required_argument, 0, OPT_LEVEL},                           \
        {"actor", required_argument, 0, OPT_ACTOR},                           \
        {"country", required_argument, 0, OPT_COUNTRY},                       \
        {"lang", required_argument, 0, OPT_LANG},                             \
    {                                                                         \
        "year", required_argument, 0, OPT_YEAR                                \
    }

#define FILTER_HELP                                                           \
    "filters (repeat an option or use commas for OR; different filters\n"     \
    "combine with AND; also inline in the query as sdg:11 level:local):\n"    \
    "  --sdg N          goal 1-17\n"                                          \
    "  --target ID      official target, e.g. 11.2 or 6.a\n"                  \
    "  --level L        local, regional, national, multilateral\n"            \
    "  --actor A        public_sector, civil_society, private_sector,\n"      \
    "                   academia, community, international_organization\n"    \
    "  --country CC     ISO 3166-1 alpha-2, e.g. BR\n"                        \
    "  --lang L         language of the case: es, pt, en ...\n"               \
    "  --year Y|A..B    cases active in that year or range\n"

static const char *const filter_names[] = {
    "sdg", "target", "level", "actor", "country", "lang", "year"};

static int parse_uint(const char *s, unsigned max, unsigned *out)
{
    char *end;
    unsigned long n = strtoul(s, &end, 10);
    if (end == s || *end || n == 0 || n > max)
        return -1;
    *out = (unsigned)n;
    return 0;
}

/* Appends the remaining arguments to the query text, inline filters
 * included. */
static int take_query_words(const struct cli_command *cmd,
                            struct minga_query *q, int argc, char **argv)
{
    for (int i = optind; i < argc; i++) {
        char *err = NULL;
        if (query_parse_inline(q, argv[i], &err)) {
            cli_usage_error(cmd, "%s", err ? err : "bad query");
            free(err);
            return -1;
        }
    }
    return 0;
}

/* Highlights <mark> in a snippet for a terminal, and unescapes the HTML
 * entities the snippet carries. */
static void print_snippet(const char *s, int is_tty)
{
    static const struct {
        const char *from, *to;
    } entities[] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                    {"&quot;", "\""}, {"&#39;", "'"}, {"&#x27;", "'"}};
    printf("    ");
    while (*s) {
        if (strncmp(s, "<mark>", 6) == 0) {
            fputs(is_tty ? "\033[1m" : "*", stdout);
            s += 6;
            continue;
        }
        if (strncmp(s, "</mark>", 7) == 0) {
            fputs(is_tty ? "\033[0m" : "*", stdout);
            s += 7;
            continue;
        }
        int matched = 0;
        for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++) {
            size_t n = strlen(entities[i].from);
            if (strncmp(s, entities[i].from, n) == 0) {
                fputs(entities[i].to, stdout);
                s += n;
                matched = 1;
                break;
            }
        }
        if (!matched)
            putchar(*s++);
    }
    putchar('\n');
}

static void print_hits(const struct minga_query *q,
                       const struct mindex_results *r, int with_snippets)
{
    int is_tty = isatty(STDOUT_FILENO);
    for (size_t i = 0; i < r->n_hits; i++) {
        const struct mindex_hit *h = &r->hits[i];
        printf("%2u. %s\n    %s, %s · %d", q->offset + (unsigned)i + 1,
               h->title, h->city, h->country, h->year_start);
        if (h->year_end)
            printf("-%d", h->year_end);
        printf(" · goals");
        for (int g = 1; g <= 17; g++)
            if (h->goal_mask & (1u << g))
                printf(" %d", g);
        printf(" · %s · %s", h->language, h->id);
        if (h->suggested_goal_mask || h->n_suggested_targets) {
            /* found through a suggestion, not a tag */
            printf(" (suggested:");
            for (int g = 1; g <= 17; g++)
                if (h->suggested_goal_mask & (1u << g))
                    printf(" goal %d", g);
            for (size_t k = 0; k < h->n_suggested_targets; k++)
                printf(" %s", h->suggested_targets[k]);
            printf(")");
        }
        printf("\n");
        if (with_snippets && h->snippet && *h->snippet)
            print_snippet(h->snippet, is_tty);
    }
}

static int run_search(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'},
        {"limit", required_argument, 0, 'n'},
        {"page", required_argument, 0, 'p'},
        {"suggested", no_argument, 0, OPT_SUGGESTED},
        FILTER_OPTIONS,
        {0, 0, 0, 0}};
    struct minga_query q;
    query_init(&q);
    q.want_facets = q.want_snippets = q.want_spelling = 1;
    int is_json = 0, c, rc = EXIT_USAGE;
    unsigned page = 1;
    char **reordered =
        cli_options_first(&cmd_search, &argc, argv, longopts, "jn:p:");
    if (!reordered)
        goto out;
    argv = reordered;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+jn:p:", longopts, NULL)) != -1) {
        if (c >= OPT_SDG && c <= OPT_YEAR) {
            if (cli_filter_option(&cmd_search, &q, filter_names[c - OPT_SDG],
                                  optarg) < 0)
                goto out;
        } else if (c == 'j') {
            is_json = 1;
        } else if (c == OPT_SUGGESTED) {
            q.want_suggested = 1;
        } else if (c == 'n') {
            if (parse_uint(optarg, QUERY_MAX_LIMIT, &q.limit)) {
                cli_usage_error(&cmd_search, "--limit: expected 1-%d",
                                QUERY_MAX_LIMIT);
                goto out;
            }
        } else if (c == 'p') {
            if (parse_uint(optarg, 100000, &page)) {
                cli_usage_error(&cmd_search, "--page: expected a number "
                                             "from 1");
                goto out;
            }
        } else {
            cli_usage_error(&cmd_search, "unknown option");
            goto out;
        }
    }
    if (take_query_words(&cmd_search, &q, argc, argv))
        goto out;
    q.offset = (page - 1) * q.limit;
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    rc = EXIT_FAIL;
    if (!m)
        goto out;
    struct mindex_results *r = NULL;
    char *err = NULL;
    if (minga_search(m, &q, &r, &err)) {
        cli_fail("%s", err ? err : "search failed");
        free(err);
    } else {
        rc = EXIT_OK;
        if (is_json) {
            /* read back to be indented as every other JSON the CLI
             * prints */
            char *text = minga_results_json(&q, r, NULL);
            json_t *answer = text ? json_loads(text, 0, NULL) : NULL;
            free(text);
            if (answer) {
                cli_print_json(answer);
            } else {
                cli_fail("the answer could not be written (out of memory, "
                         "or a stored text is not UTF-8)");
                rc = EXIT_FAIL;
            }
        } else {
            printf("%s%llu result%s", r->is_estimate ? "about " : "",
                   (unsigned long long)r->total, r->total == 1 ? "" : "s");
            if (*q.text)
                printf(" for \"%s\"", q.text);
            char *filters = query_describe_filters(&q);
            if (filters && *filters)
                printf(" (%s)", filters);
            free(filters);
            printf("\n");
            if (r->suggestion)
                printf("did you mean: %s\n", r->suggestion);
            if (r->is_suggested_unavailable)
                printf("no suggested goals or targets in this index (made "
                       "before them): tagged cases only; run `minga "
                       "reindex`\n");
            print_hits(&q, r, 1);
        }
        mindex_results_free(r);
    }
    minga_close(m);
out:
    free(reordered);
    query_release(&q);
    return rc;
}

const struct cli_command cmd_search = {
    "search", "full-text search with filters and facets",
    "usage: minga search [--json] [--limit N] [--page N] [FILTERS] QUERY...\n"
    "\n"
    "Searches titles, summaries, bodies, tags and attachment text, in\n"
    "Spanish, Portuguese and English: accents and case are ignored, words\n"
    "match their inflections, \"quoted phrases\" match in order, -word\n"
    "excludes, and key terms match across languages (presupuesto\n"
    "participativo finds orçamento participativo).\n\n"
    "  --json       one JSON object: total, results, facets, suggestion\n"
    "  --limit N    results per page (default 10, at most 1000)\n"
    "  --page N     page of results (default 1)\n"
    "  --suggested  --sdg and --target also match the cases whose text\n"
    "               speaks of the goal or target without tagging it\n"
    "               (after the tagged ones, marked \"suggested\")\n\n" FILTER_HELP,
    run_search};

/* `minga list`: one line, or one JSON object, a case. */
struct list_out {
    int is_json;
    json_t *all; /* owned: with --json */
};

static int list_one(void *arg, const struct mindex_hit *h)
{
    struct list_out *out = arg;
    if (!out->is_json) {
        printf("%-48s %d  %-2s  %s — %s\n", h->id, h->year_start, h->country,
               h->city, h->title);
        return 0;
    }
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:i}", "id", h->id, "title",
                             h->title, "city", h->city, "country", h->country,
                             "year_start", h->year_start);
    return item && json_array_append_new(out->all, item) == 0 ? 0
                                                              : MINGA_ENOMEM;
}

static int run_list(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        FILTER_OPTIONS, {"json", no_argument, 0, 'j'}, {0, 0, 0, 0}};
    struct minga_query q;
    query_init(&q);
    int c, rc = EXIT_USAGE;
    struct list_out out = {0, NULL};
    optind = 1;
    while ((c = getopt_long(argc, argv, "+j", longopts, NULL)) != -1) {
        if (c == 'j') {
            out.is_json = 1;
        } else if (c >= OPT_SDG && c <= OPT_YEAR) {
            if (cli_filter_option(&cmd_list, &q, filter_names[c - OPT_SDG],
                                  optarg) < 0)
                goto out;
        } else {
            cli_usage_error(&cmd_list, "unknown option");
            goto out;
        }
    }
    if (optind < argc) {
        cli_usage_error(&cmd_list, "takes filters only; use `minga search` "
                                   "for text");
        goto out;
    }
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    rc = EXIT_FAIL;
    if (!m)
        goto out;
    out.all = out.is_json ? json_array() : NULL;
    uint64_t total = 0;
    char *err = NULL;
    int lrc = out.is_json && !out.all
                  ? MINGA_ENOMEM
                  : minga_list(m, &q, list_one, &out, &total, &err);
    minga_close(m);
    if (lrc) {
        cli_fail("%s", err ? err : "list failed (out of memory)");
        free(err);
        json_decref(out.all);
        goto out;
    }
    if (out.is_json)
        cli_print_json(out.all);
    else
        fprintf(stderr, "%llu case%s\n", (unsigned long long)total,
                total == 1 ? "" : "s");
    rc = EXIT_OK;
out:
    query_release(&q);
    return rc;
}

const struct cli_command cmd_list = {
    "list", "list cases by filters, newest first",
    "usage: minga list [--json] [FILTERS]\n\n"
    "Lists the id, start year, country, city and title of every case that\n"
    "matches the filters, newest first.\n\n" FILTER_HELP,
    run_list};

static int write_file(void *arg, const void *data, size_t len)
{
    return fwrite(data, 1, len, arg) == len ? 0 : -1;
}

static int run_export(struct cli *cli, int argc, char **argv)
{
    /* For export, --lang is the language of the pack's labels (as the
     * web API's lang=); the case-language filter is --language. */
    static const struct option longopts[] = {
        {"format", required_argument, 0, 'f'},
        {"output", required_argument, 0, 'o'},
        {"limit", required_argument, 0, 'n'},
        {"lang", required_argument, 0, 'L'},
        {"labels", required_argument, 0, 'L'},
        {"language", required_argument, 0, OPT_LANG},
        {"sdg", required_argument, 0, OPT_SDG},
        {"target", required_argument, 0, OPT_TARGET},
        {"level", required_argument, 0, OPT_LEVEL},
        {"actor", required_argument, 0, OPT_ACTOR},
        {"country", required_argument, 0, OPT_COUNTRY},
        {"year", required_argument, 0, OPT_YEAR},
        {"suggested", no_argument, 0, OPT_SUGGESTED},
        {0, 0, 0, 0}};
    struct minga_query q;
    query_init(&q);
    q.limit = 0;
    const char *format = NULL, *output = NULL, *labels = "en";
    int c, rc = EXIT_USAGE;
    char **reordered =
        cli_options_first(&cmd_export, &argc, argv, longopts, "f:o:n:");
    if (!reordered)
        goto out;
    argv = reordered;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+f:o:n:", longopts, NULL)) != -1) {
        if (c >= OPT_SDG && c <= OPT_YEAR) {
            if (cli_filter_option(&cmd_export, &q, filter_names[c - OPT_SDG],
                                  optarg) < 0)
                goto out;
        } else if (c == 'f') {
            format = optarg;
        } else if (c == 'o') {
            output = optarg;
        } else if (c == 'L') {
            labels = optarg;
        } else if (c == OPT_SUGGESTED) {
            q.want_suggested = 1;
        } else if (c == 'n') {
            if (parse_uint(optarg, 10000000, &q.limit)) {
                cli_usage_error(&cmd_export, "--limit: expected a number");
                goto out;
            }
        } else {
            cli_usage_error(&cmd_export, "unknown option");
            goto out;
        }
    }
    if (!format) {
        char *offers = minga_plugin_offers(MINGA_PLUGIN_EXPORTER);
        cli_usage_error(&cmd_export,
                        "--format is required (%s; see `minga "
                        "plugins`)",
                        offers ? offers : "");
        free(offers);
        goto out;
    }
    if (!refdata_label_lang(labels)) {
        cli_usage_error(&cmd_export,
                        "--lang: expected es, pt or en (the "
                        "labels' language; filter cases with --language)");
        goto out;
    }
    if (take_query_words(&cmd_export, &q, argc, argv))
        goto out;
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    rc = EXIT_FAIL;
    if (!m)
        goto out;
    if (!minga_find_exporter(format)) {
        cli_fail("no exporter for format \"%s\" (see `minga plugins`)",
                 format);
        minga_close(m);
        goto out;
    }
    /* write to a temporary name and rename: no half-written file */
    char *tmp = NULL;
    if (output && asprintf(&tmp, "%s.part", output) < 0)
        tmp = NULL;
    FILE *f = output ? fopen(tmp, "wb") : stdout;
    if (!f) {
        cli_fail("%s: cannot write", output);
        free(tmp);
        minga_close(m);
        goto out;
    }
    struct minga_export_options opt = {format, labels, write_file, f};
    char *err = NULL;
    int erc = minga_export(m, &q, &opt, &err);
    if (output) {
        if (fclose(f) != 0 && !erc)
            erc = MINGA_EIO;
        if (erc)
            unlink(tmp);
        else if (rename(tmp, output) != 0)
            erc = MINGA_EIO;
    } else {
        fflush(stdout);
    }
    free(tmp);
    if (erc) {
        cli_fail("export: %s", err ? err : "failed");
    } else {
        rc = EXIT_OK;
        if (output)
            fprintf(stderr, "wrote %s\n", output);
    }
    free(err);
    minga_close(m);
out:
    free(reordered);
    query_release(&q);
    return rc;
}

const struct cli_command cmd_export = {
    "export", "export a selection (json, csv, briefing pack, pdf ...)",
    "usage: minga export --format NAME [-o FILE] [--limit N] [--lang "
    "es|pt|en]\n"
    "                    [FILTERS] [QUERY...]\n\n"
    "Exports the cases that the query and filters select (all of them\n"
    "without either), most relevant first. Formats come from exporter\n"
    "plugins: json, jsonl, csv, markdown, briefing (a zip pack for\n"
    "workshops), pdf, archive (a zip in the import layout with the\n"
    "attachments' bytes: the lossless round trip; json, jsonl and csv\n"
    "name attachments without their bytes). Selecting no case is an\n"
    "error.\n\n"
    "  --format NAME   exporter to use\n"
    "  -o, --output F  write to F (default: standard output)\n"
    "  --limit N       the N most relevant cases\n"
    "  --lang L        language of labels and goal names in packs: es, pt,\n"
    "                  en (default en); filter by the cases' language\n"
    "                  with --language L or lang:L in the query\n"
    "  --suggested     --sdg and --target also select the cases whose text\n"
    "                  speaks of them untagged (as `minga search\n"
    "                  --suggested`; the API's suggested=1)\n\n" FILTER_HELP,
    run_export};
