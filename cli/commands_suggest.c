/* suggest: SDG goals and targets for a case file or a catalog case, with
 * the reasons (minga_suggest, core/suggest.h). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "case.h"
#include "suggest.h"

static void print_reasons(json_t *reasons)
{
    size_t i;
    json_t *r;
    const char *sep = "";
    json_array_foreach(reasons, i, r)
    {
        const char *kind = json_string_value(json_object_get(r, "kind"));
        if (!kind)
            continue;
        if (strcmp(kind, "phrase") == 0) {
            printf("%s\"%s\" x%d", sep,
                   json_string_value(json_object_get(r, "phrase")),
                   (int)json_integer_value(json_object_get(r, "count")));
        } else if (strcmp(kind, "similar") == 0) {
            printf("%ssimilar case %s tagged %s", sep,
                   json_string_value(json_object_get(r, "case")),
                   json_string_value(json_object_get(r, "tagged")));
        } else if (strcmp(kind, "tagged_goal") == 0) {
            printf("%sthe case is tagged goal %d", sep,
                   (int)json_integer_value(json_object_get(r, "goal")));
        } else if (strcmp(kind, "target") == 0) {
            printf("%s%s", sep,
                   json_string_value(json_object_get(r, "target")));
        } else {
            continue;
        }
        sep = "; ";
    }
}

static void print_table(json_t *answer)
{
    json_t *goals = json_object_get(answer, "goals");
    json_t *targets = json_object_get(answer, "targets");
    size_t i;
    json_t *item;
    if (json_array_size(goals) == 0) {
        printf("no suggestion: no target's terms were found, and no "
               "similar case\n");
        return;
    }
    printf("%-7s %-6s %s\n", "score", "goal", "name / why");
    json_array_foreach(goals, i, item)
    {
        printf("%7.2f %-6d %s\n",
               json_number_value(json_object_get(item, "score")),
               (int)json_integer_value(json_object_get(item, "goal")),
               json_string_value(json_object_get(item, "name")));
        printf("%15s", "");
        print_reasons(json_object_get(item, "reasons"));
        printf("\n");
    }
    printf("\n%-7s %-6s %s\n", "score", "target", "label / why");
    json_array_foreach(targets, i, item)
    {
        printf("%7.2f %-6s %s\n",
               json_number_value(json_object_get(item, "score")),
               json_string_value(json_object_get(item, "target")),
               json_string_value(json_object_get(item, "label")));
        printf("%15s", "");
        print_reasons(json_object_get(item, "reasons"));
        printf("\n");
    }
}

/* The cases to suggest for: those of FILE, or catalog case ID. */
static int load_cases(struct minga *m, const char *arg, int is_file,
                      struct minga_case ***cases, size_t *n)
{
    if (is_file) {
        struct diag_list diags;
        diag_list_init(&diags);
        int rc = minga_suggest_read_file(arg, cases, n, &diags);
        if (rc)
            diag_list_print(&diags, stderr, DIAG_PRINT_MAX);
        diag_list_release(&diags);
        return rc;
    }
    struct minga_case *c = NULL;
    char *err = NULL;
    if (minga_get_case(m, arg, &c, &err)) {
        cli_fail("%s", err ? err : "cannot read the case");
        free(err);
        return MINGA_ENOTFOUND;
    }
    *cases = malloc(sizeof **cases);
    if (!*cases) {
        case_free(c);
        return MINGA_ENOMEM;
    }
    (*cases)[0] = c;
    *n = 1;
    return MINGA_OK;
}

static int suggest_all(struct minga *m, struct minga_case **cases, size_t n,
                       size_t limit, int is_json)
{
    json_t *list = json_array();
    int rc = EXIT_OK;
    for (size_t i = 0; i < n && rc == EXIT_OK; i++) {
        struct minga_suggest_options opt = {.limit = limit,
                                            .is_text_only = m == NULL};
        json_t *answer = NULL;
        char *err = NULL;
        if (minga_suggest(m, cases[i], &opt, &answer, &err)) {
            rc = cli_fail("%s", err ? err : "suggest failed");
            free(err);
            break;
        }
        if (n > 1 && cases[i]->id)
            json_object_set_new(answer, "id", json_string(cases[i]->id));
        if (is_json) {
            json_array_append_new(list, answer);
            continue;
        }
        if (n > 1)
            printf("%s== %s: %s\n\n", i ? "\n" : "",
                   cases[i]->id ? cases[i]->id : "(no id)",
                   cases[i]->title ? cases[i]->title : "");
        print_table(answer);
        json_decref(answer);
    }
    if (is_json && rc == EXIT_OK) {
        /* one case: its answer; several: an array of them, each with id */
        json_t *out = json_array_size(list) == 1
                          ? json_incref(json_array_get(list, 0))
                          : list;
        if (out != list)
            json_decref(list);
        cli_print_json(out);
    } else {
        json_decref(list);
    }
    return rc;
}

static int run_suggest(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'},
        {"limit", required_argument, 0, 'n'},
        {0, 0, 0, 0}};
    int is_json = 0, c;
    unsigned long limit = SUGGEST_DEFAULT_LIMIT;
    char **reordered =
        cli_options_first(&cmd_suggest, &argc, argv, longopts, "jn:");
    if (!reordered)
        return EXIT_USAGE;
    argv = reordered;
    optind = 1;
    int rc = EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "+jn:", longopts, NULL)) != -1) {
        if (c == 'j') {
            is_json = 1;
        } else if (c == 'n') {
            char *end;
            limit = strtoul(optarg, &end, 10);
            if (end == optarg || *end || limit < 1 ||
                limit > SUGGEST_MAX_LIMIT) {
                cli_usage_error(&cmd_suggest, "--limit: expected 1-%d",
                                SUGGEST_MAX_LIMIT);
                goto out;
            }
        } else {
            cli_usage_error(&cmd_suggest, "unknown option");
            goto out;
        }
    }
    if (argc - optind != 1) {
        cli_usage_error(&cmd_suggest, "expected one case file or case id");
        goto out;
    }
    const char *arg = argv[optind];
    struct stat st;
    int is_file = stat(arg, &st) == 0;
    rc = EXIT_FAIL;
    struct minga *m = NULL;
    if (is_file) {
        /* a file needs no catalog: without one, the packs alone */
        char *err = NULL;
        if (minga_open(&m, cli->data_dir, MINGA_OPEN_READONLY, &err)) {
            fprintf(stderr,
                    "%s: note: %s; suggesting from the query packs "
                    "alone, without similar cases\n",
                    cli->prog, err ? err : "no data folder");
            m = NULL;
        }
        free(err);
    } else if (!(m = cli_open(cli, MINGA_OPEN_READONLY))) {
        goto out;
    }
    struct minga_case **cases = NULL;
    size_t n_cases = 0;
    if (load_cases(m, arg, is_file, &cases, &n_cases) == MINGA_OK) {
        rc = suggest_all(m, cases, n_cases, limit, is_json);
        for (size_t i = 0; i < n_cases; i++)
            case_free(cases[i]);
        free(cases);
    }
    if (m)
        minga_close(m);
out:
    free(reordered);
    return rc;
}

const struct cli_command cmd_suggest = {
    "suggest", "SDG goals and targets for a case, with the reasons",
    "usage: minga suggest [--json] [--limit N] FILE|ID\n"
    "\n"
    "Suggests the SDG goals and targets a case speaks of: each target's\n"
    "query pack (data/sdg_targets.json: terms and phrases in Spanish,\n"
    "Portuguese and English) matched against the case's title, tags,\n"
    "summary and body, and the goals and targets of the most similar\n"
    "cases of the catalog. Each suggestion has a score and its reasons:\n"
    "the phrases found, the similar cases tagged with it.\n"
    "\n"
    "FILE is a case file in any format `minga import` reads (nothing is\n"
    "written to the catalog); ID is a case of the catalog. Without a data\n"
    "folder a FILE is scored on the query packs alone.\n\n"
    "  --json       {\"goals\": [{goal, name, score, reasons}], \"targets\":\n"
    "               [{target, goal, label, score, reasons}]}, as POST\n"
    "               /api/suggest answers; for a file of several cases, an\n"
    "               array of them, each with the case's id\n"
    "  --limit N    goals and targets each (default 10, at most 169)\n",
    run_suggest};
