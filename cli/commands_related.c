/* related: the cases like one case, with why (minga_related). */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static void print_list(char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", items[i]);
}

static void print_related(const struct mindex_related_list *r)
{
    for (size_t i = 0; i < r->n_items; i++) {
        const struct mindex_related *item = &r->items[i];
        printf("%2zu. %s\n    %s, %s · %s · %s%s\n", i + 1, item->title,
               item->city, item->country, item->language, item->id,
               item->is_same_city ? " · same city" : "");
        printf("    shared:");
        int has_any = 0;
        if (item->shared_goal_mask) {
            printf(" goals");
            for (int g = 1; g <= 17; g++)
                if (item->shared_goal_mask & (1u << g))
                    printf(" %d", g);
            has_any = 1;
        }
        if (item->n_shared_targets) {
            printf("%s targets ", has_any ? ";" : "");
            print_list(item->shared_targets, item->n_shared_targets);
            has_any = 1;
        }
        if (item->n_shared_terms) {
            printf("%s terms ", has_any ? ";" : "");
            print_list(item->shared_terms, item->n_shared_terms);
            has_any = 1;
        }
        printf("%s\n", has_any ? "" : " -");
    }
}

static int run_related(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"json", no_argument, 0, 'j'},
        {"limit", required_argument, 0, 'n'},
        {0, 0, 0, 0}};
    int is_json = 0, c;
    unsigned long limit = 5;
    char **reordered =
        cli_options_first(&cmd_related, &argc, argv, longopts, "jn:");
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
                limit > MINDEX_RELATED_MAX) {
                cli_usage_error(&cmd_related, "--limit: expected 1-%d",
                                MINDEX_RELATED_MAX);
                goto out;
            }
        } else {
            cli_usage_error(&cmd_related, "unknown option");
            goto out;
        }
    }
    if (argc - optind != 1) {
        cli_usage_error(&cmd_related, "expected one case id");
        goto out;
    }
    const char *id = argv[optind];
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    rc = EXIT_FAIL;
    if (!m)
        goto out;
    struct mindex_related_list *r = NULL;
    char *err = NULL;
    if (minga_related(m, id, (unsigned)limit, &r, &err)) {
        cli_fail("%s", err ? err : "related cases failed");
        free(err);
    } else if (is_json) {
        char *text = minga_related_json(id, r, NULL);
        json_t *answer = text ? json_loads(text, 0, NULL) : NULL;
        free(text);
        if (answer) {
            cli_print_json(answer);
            rc = EXIT_OK;
        } else {
            cli_fail("the answer could not be written (out of memory, or "
                     "a stored text is not UTF-8)");
        }
    } else {
        if (r->n_items == 0)
            printf("no case like %s\n", id);
        print_related(r);
        rc = EXIT_OK;
    }
    mindex_related_free(r);
    minga_close(m);
out:
    free(reordered);
    return rc;
}

const struct cli_command cmd_related = {
    "related", "cases like one case, with what they share",
    "usage: minga related [--json] [--limit N] ID\n"
    "\n"
    "Lists the cases most like case ID: those that use its most\n"
    "distinctive words and phrases, in any language (through the\n"
    "thesaurus), and share its targets; a case of the same city ranks\n"
    "below one from elsewhere that is as like it. Each says what the two\n"
    "share: goals, targets and words.\n\n"
    "  --json       one JSON object: {id, related: [...]} as\n"
    "               GET /api/cases/ID/related answers\n"
    "  --limit N    how many (default 5, at most 20)\n",
    run_related};
