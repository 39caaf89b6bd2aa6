/* init, import, show, delete, stats, check, reindex. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "case.h"
#include "harvest.h"
#include "refdata.h"

static int run_init(struct cli *cli, int argc, char **argv)
{
    (void)argv;
    if (argc > 1)
        return cli_usage_error(&cmd_init, "takes no arguments");
    struct minga *m = cli_open(cli, MINGA_OPEN_CREATE);
    if (!m)
        return EXIT_FAIL;
    printf("minga data folder ready at %s\n", cli->data_dir);
    minga_close(m);
    return EXIT_OK;
}

const struct cli_command cmd_init = {
    "init", "create a data folder (catalog and index)",
    "usage: minga [--data DIR] init\n\n"
    "Creates the data folder (catalog.db and index/) if it does not exist.\n"
    "Running it on an existing folder is harmless.\n",
    run_init};

static int parse_size(const char *s, uint64_t *out)
{
    char *end;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s)
        return -1;
    if (*end == 'K' || *end == 'k')
        n <<= 10, end++;
    else if (*end == 'M' || *end == 'm')
        n <<= 20, end++;
    else if (*end == 'G' || *end == 'g')
        n <<= 30, end++;
    if (*end == 'i')
        end++;
    if (*end == 'B')
        end++;
    if (*end || n == 0)
        return -1;
    *out = n;
    return 0;
}

/* A positive whole number, without the size suffixes: these limits count
 * values, levels and columns, not bytes. */
static int parse_count(const char *s, uint64_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (*end || n == 0 || errno)
        return -1;
    *out = n;
    return 0;
}

static int run_import(struct cli *cli, int argc, char **argv)
{
    struct minga_import_options opt;
    minga_import_options_init(&opt);
    int is_json = 0;
    static const struct option longopts[] = {
        {"dry-run", no_argument, 0, 'n'},
        {"lenient", no_argument, 0, 'l'},
        {"force", no_argument, 0, 'f'},
        {"json", no_argument, 0, 'j'},
        {"strict-attachments", no_argument, 0, 's'},
        {"no-attachments", no_argument, 0, 'a'},
        {"max-archive-size", required_argument, 0, 'A'},
        {"max-total-size", required_argument, 0, 'T'},
        {"max-entries", required_argument, 0, 'E'},
        {"max-entry-size", required_argument, 0, 'S'},
        {"max-attachment-text", required_argument, 0, 'X'},
        {"max-json-values", required_argument, 0, 'V'},
        {"max-depth", required_argument, 0, 'D'},
        {"max-csv-columns", required_argument, 0, 'C'},
        {"add-targets", required_argument, 0, 'G'},
        {0, 0, 0, 0}};
    optind = 1;
    int c;
    /* the --add-targets values, parsed once the options are read */
    const char **add_specs = calloc((size_t)argc + 1, sizeof *add_specs);
    size_t n_add_specs = 0;
    if (!add_specs)
        return EXIT_FAIL;
    while ((c = getopt_long(argc, argv, "+nlfj", longopts, NULL)) != -1) {
        uint64_t *limit = NULL, *count = NULL;
        switch (c) {
        case 'n':
            opt.is_dry_run = 1;
            break;
        case 'l':
            opt.is_lenient = 1;
            break;
        case 'f':
            opt.is_forced = 1;
            break;
        case 'j':
            is_json = 1;
            break;
        case 's':
            opt.is_strict_attachments = 1;
            break;
        case 'a':
            opt.is_no_attachments = 1;
            break;
        case 'A':
            limit = &opt.limits.max_compressed;
            break;
        case 'T':
            limit = &opt.limits.max_uncompressed;
            break;
        case 'E':
            limit = &opt.limits.max_entries;
            break;
        case 'S':
            limit = &opt.limits.max_entry_size;
            break;
        case 'X':
            limit = &opt.max_attachment_text;
            break;
        case 'V':
            count = &opt.limits.max_json_values;
            break;
        case 'D':
            count = &opt.limits.max_depth;
            break;
        case 'C':
            count = &opt.limits.max_csv_columns;
            break;
        case 'G':
            add_specs[n_add_specs++] = optarg;
            break;
        default:
            free(add_specs);
            return cli_usage_error(&cmd_import, "unknown option");
        }
        if ((limit && parse_size(optarg, limit)) ||
            (count && parse_count(optarg, count))) {
            free(add_specs);
            return cli_usage_error(
                &cmd_import,
                limit ? "\"%s\" is not a size (such as 64M or "
                        "1G)"
                      : "\"%s\" is not a count (a whole number "
                        "from 1)",
                optarg);
        }
    }
    struct minga_import_additions additions;
    minga_import_additions_init(&additions);
    for (size_t i = 0; i < n_add_specs; i++) {
        char *why = NULL;
        if (minga_import_additions_parse(&additions, add_specs[i], &why)) {
            int rc = cli_usage_error(&cmd_import, "--add-targets %s: %s",
                                     add_specs[i], why ? why : "?");
            free(why);
            free(add_specs);
            minga_import_additions_release(&additions);
            return rc;
        }
    }
    free(add_specs);
    opt.additions = &additions;
    if (optind >= argc) {
        minga_import_additions_release(&additions);
        return cli_usage_error(&cmd_import, "name one or more files");
    }
    struct minga *m = cli_open(cli, 0);
    if (!m) {
        minga_import_additions_release(&additions);
        return EXIT_FAIL;
    }
    opt.progress = cli_progress;
    struct minga_import_report rep;
    minga_import_report_init(&rep);
    int rc = minga_import_paths(m, (const char *const *)argv + optind,
                                (size_t)(argc - optind), &opt, &rep);
    cli_progress_done();
    diag_list_print(&rep.diags, stderr, DIAG_PRINT_MAX);
    if (is_json) {
        cli_print_json(minga_import_report_json(&rep, opt.is_dry_run));
    } else if (rc == MINGA_OK) {
        char *summary = minga_import_summary(&rep, opt.is_dry_run);
        printf("%s\n", summary ? summary : "done");
        free(summary);
    } else {
        fprintf(stderr,
                "minga: import failed: %zu error%s; nothing was "
                "imported\n",
                rep.diags.n_errors, rep.diags.n_errors == 1 ? "" : "s");
    }
    minga_import_report_release(&rep);
    minga_import_additions_release(&additions);
    minga_close(m);
    return rc == MINGA_OK ? EXIT_OK : EXIT_FAIL;
}

const struct cli_command cmd_import = {
    "import", "import case files, folders and archives (all or nothing)",
    "usage: minga import [OPTIONS] FILE|FOLDER...\n\n"
    "Imports case studies (format v1) from .json, .jsonl, .ndjson, .csv,\n"
    ".md files, folders of them, and .zip/.tar/.tar.gz/.tgz/.tar.xz\n"
    "archives with their attachments. One command is one transaction:\n"
    "any error imports nothing. A file imported before, byte for byte, is\n"
    "skipped.\n\n"
    "options:\n"
    "  --dry-run             validate and report; write nothing\n"
    "  --lenient             keep and ignore unknown fields\n"
    "  --force               import files even if imported before\n"
    "  --strict-attachments  an attachment without readable text is an "
    "error\n"
    "  --no-attachments      an attachment missing next to its case file\n"
    "                        is a warning and the case imports without it\n"
    "                        (for CSV and JSON Lines exports, which name\n"
    "                        attachments but carry no bytes)\n"
    "  --add-targets ID:T[,T]...  add SDG targets (and their goals) to\n"
    "                        case ID of this import before it is stored,\n"
    "                        as suggested by `minga suggest` (repeatable;\n"
    "                        ID must be a case of the files imported)\n"
    "  --json                print the report as JSON\n"
    "  --max-archive-size N  archive file size limit (default 256M)\n"
    "  --max-total-size N    total uncompressed size limit (default 1G)\n"
    "  --max-entries N       entries in one archive (default 10000)\n"
    "  --max-attachment-text N  text extracted from the attachments, each\n"
    "                        distinct file counted once (default 256M)\n"
    "  --max-entry-size N    one archive entry, attachment, .json, .csv or\n"
    "                        .md file, or JSON Lines line (default 64M)\n"
    "  --max-json-values N   values in one case of a .json or JSON Lines\n"
    "                        file (default 500000)\n"
    "  --max-depth N         nesting of JSON and of YAML front matter\n"
    "                        (default 64)\n"
    "  --max-csv-columns N   columns of a CSV header (default 1000)\n",
    run_import};

/* `show ID --attachment PATH`: the bytes of one attachment, as the case
 * (or the revision) named them, to stdout. */
static int write_attachment(struct minga *m, const struct minga_case *c,
                            const char *path)
{
    const struct minga_attachment *a = NULL;
    for (size_t i = 0; i < c->n_attachments && !a; i++)
        if (strcmp(c->attachments[i].path, path) == 0)
            a = &c->attachments[i];
    if (!a)
        return cli_fail("%s has no attachment \"%s\"%s", c->id, path,
                        c->n_attachments ? " (see `minga show ID`)" : "");
    void *data = NULL;
    size_t len = 0;
    char *err = NULL;
    int rc = minga_read_attachment(m, a->sha256, &data, &len, &err);
    if (!rc && fwrite(data, 1, len, stdout) != len)
        rc = MINGA_EIO;
    free(data);
    if (rc)
        cli_fail("%s: %s", path, err ? err : "cannot write it");
    free(err);
    return rc ? EXIT_FAIL : EXIT_OK;
}

static int run_show(struct cli *cli, int argc, char **argv)
{
    int is_json = 0, rev = 0;
    const char *id = NULL, *attachment = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (strcmp(argv[i], "--json") == 0) {
            is_json = 1;
        } else if (strcmp(argv[i], "--attachment") == 0 && i + 1 < argc) {
            attachment = argv[++i];
        } else if ((v = cli_option_value(argc, argv, &i, "--rev"))) {
            long n;
            if (cli_parse_number(v, 1, 1000000000, &n) != 0)
                return cli_usage_error(&cmd_show,
                                       "--rev: expected a revision "
                                       "number (see `minga history ID`)");
            rev = (int)n;
        } else if (argv[i][0] == '-')
            return cli_usage_error(&cmd_show, "unknown option %s", argv[i]);
        else if (!id)
            id = argv[i];
        else
            return cli_usage_error(&cmd_show, "one id at a time");
    }
    if (!id)
        return cli_usage_error(&cmd_show, "name a case id");
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    struct minga_case *c = NULL;
    char *err = NULL;
    int rc = rev ? minga_get_case_rev(m, id, rev, &c, &err)
                 : minga_get_case(m, id, &c, &err);
    if (rc) {
        cli_fail("%s", err ? err : "not found");
        free(err);
        minga_close(m);
        return EXIT_FAIL;
    }
    if (attachment) {
        rc = write_attachment(m, c, attachment);
        case_free(c);
        minga_close(m);
        return rc;
    }
    if (is_json) {
        json_t *o = minga_case_json(c, 1);
        /* beside the case's fields, as created_at: not part of format v1 */
        json_t *from = rev ? NULL : minga_harvest_provenance(m, id);
        if (from)
            json_object_set_new(o, "provenance", from);
        cli_print_json(o);
    } else {
        printf("%s\n%s, %s%s%s · %d", c->title, c->city,
               c->region ? c->region : "", c->region ? ", " : "", c->country,
               c->year_start);
        if (c->year_end)
            printf("-%d", c->year_end);
        printf("\nid: %s   language: %s\ngoals:", c->id, c->language);
        for (int g = 1; g <= 17; g++)
            if (c->goal_mask & (1u << g))
                printf(" %d (%s)", g, refdata_goal(g)->name_en);
        printf("\n");
        if (c->n_targets) {
            printf("targets:");
            for (size_t i = 0; i < c->n_targets; i++)
                printf(" %s", c->targets[i]);
            printf("\n");
        }
        printf("levels:");
        for (int i = 0; i < MINGA_N_LEVELS; i++)
            if (c->level_mask & (1u << i))
                printf(" %s", refdata_level_name(1u << i));
        if (c->actor_mask) {
            printf("\nactors:");
            for (int i = 0; i < MINGA_N_ACTORS; i++)
                if (c->actor_mask & (1u << i))
                    printf(" %s", refdata_actor_name(1u << i));
        }
        printf("\n\n%s\n", c->summary);
        if (c->body)
            printf("\n%s\n", c->body);
        for (size_t i = 0; i < c->n_attachments; i++)
            printf("%sattachment: %s (%s, %llu bytes)\n", i ? "" : "\n",
                   c->attachments[i].path, c->attachments[i].media_type,
                   (unsigned long long)c->attachments[i].size);
        if (c->source_url)
            printf("\nsource: %s\n", c->source_url);
        if (c->license)
            printf("license: %s\n", c->license);
        json_t *from = rev ? NULL : minga_harvest_provenance(m, id);
        if (from)
            printf("harvested from %s (%s, datestamp %s) on %s\n",
                   json_string_value(json_object_get(from, "source")),
                   json_string_value(json_object_get(from, "identifier")),
                   json_string_value(json_object_get(from, "datestamp")),
                   json_string_value(json_object_get(from, "harvested_at")));
        json_decref(from);
    }
    case_free(c);
    minga_close(m);
    return EXIT_OK;
}

const struct cli_command cmd_show = {
    "show", "show one case",
    "usage: minga show ID [--rev N] [--json | --attachment PATH]\n\n"
    "Prints a case; --json prints it in the case format v1 with its\n"
    "created_at and updated_at times. --rev N prints revision N as it\n"
    "was (see `minga history ID`), even of a deleted case.\n"
    "--attachment PATH writes the bytes of that attachment (as the case\n"
    "names it) to standard output.\n",
    run_show};

static int run_delete(struct cli *cli, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(&cmd_delete, "name exactly one case id");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc = minga_delete_case(m, argv[1], NULL, &err);
    if (rc)
        cli_fail("%s", err ? err : "delete failed");
    else
        printf("deleted %s (its history is kept: `minga restore %s` brings "
               "it back)\n",
               argv[1], argv[1]);
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cmd_delete = {
    "delete", "delete a case",
    "usage: minga delete ID\n\nRemoves a case from the catalog and the "
    "index, keeping its\nhistory and a tombstone: `minga restore ID` "
    "brings it back, `minga\npurge ID` removes every revision.\n",
    run_delete};

static void print_counts(const char *title, json_t *obj)
{
    const char *key;
    json_t *v;
    printf("%s:", title);
    json_object_foreach(obj, key, v)
        printf(" %s=%lld", key, (long long)json_integer_value(v));
    printf("\n");
}

static int run_stats(struct cli *cli, int argc, char **argv)
{
    int is_json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !is_json))
        return cli_usage_error(&cmd_stats, "unknown argument %s", argv[1]);
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    json_t *stats = NULL;
    char *err = NULL;
    int rc = minga_stats_json(m, &stats, &err);
    minga_close(m);
    if (rc) {
        cli_fail("%s", err ? err : "stats failed");
        free(err);
        return EXIT_FAIL;
    }
    if (is_json) {
        cli_print_json(stats);
        return EXIT_OK;
    }
    printf("cases: %lld (indexed: %lld)\n",
           (long long)json_integer_value(json_object_get(stats, "cases")),
           (long long)json_integer_value(json_object_get(stats, "indexed")));
    print_counts("goals", json_object_get(stats, "goals"));
    print_counts("levels", json_object_get(stats, "levels"));
    print_counts("actors", json_object_get(stats, "actors"));
    print_counts("countries", json_object_get(stats, "countries"));
    print_counts("languages", json_object_get(stats, "languages"));
    printf(
        "attachments: %lld   imports: %lld\n",
        (long long)json_integer_value(json_object_get(stats, "attachments")),
        (long long)json_integer_value(json_object_get(stats, "imports")));
    json_decref(stats);
    return EXIT_OK;
}

const struct cli_command cmd_stats = {
    "stats", "counts per goal, level, country, language",
    "usage: minga stats [--json]\n\n"
    "Counts cases per goal, level, actor, country and language. The JSON\n"
    "has `cases` (in the catalog) and `indexed` (in the index).\n",
    run_stats};

static int run_check(struct cli *cli, int argc, char **argv)
{
    int repair = 0, is_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--repair") == 0)
            repair = 1;
        else if (strcmp(argv[i], "--json") == 0)
            is_json = 1;
        else
            return cli_usage_error(&cmd_check, "unknown argument %s", argv[i]);
    }
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    json_t *report = NULL;
    char *err = NULL;
    int rc = minga_check(m, repair, &report, &err);
    minga_close(m);
    if (!report) {
        cli_fail("%s", err ? err : "check failed");
        free(err);
        return EXIT_FAIL;
    }
    free(err);
    int ok = json_is_true(json_object_get(report, "consistent"));
    if (is_json) {
        cli_print_json(report);
    } else {
        if (json_is_true(
                json_object_get(report, "recovered_interrupted_write")))
            printf("recovered an interrupted write: the index was rebuilt "
                   "from the catalog\n");
        printf(
            "%s: %lld cases in the catalog, %lld in the index\n",
            ok ? "consistent" : "INCONSISTENT",
            (long long)json_integer_value(json_object_get(report, "cases")),
            (long long)json_integer_value(json_object_get(report, "indexed")));
        if (!ok)
            printf("missing from index: %lld, extra in index: %lld; run "
                   "`minga check --repair`\n",
                   (long long)json_integer_value(
                       json_object_get(report, "n_missing_from_index")),
                   (long long)json_integer_value(
                       json_object_get(report, "n_extra_in_index")));
        json_decref(report);
    }
    return rc == MINGA_OK && ok ? EXIT_OK : EXIT_FAIL;
}

const struct cli_command cmd_check = {
    "check", "compare catalog and index (--repair fixes)",
    "usage: minga check [--repair] [--json]\n\n"
    "Checks that the index holds exactly the catalog's cases at the\n"
    "catalog's generation. An interrupted import is finished first (the\n"
    "index is rebuilt from the catalog). --repair rebuilds the index when\n"
    "they differ. Exit 0 when consistent.\n",
    run_check};

static int run_reindex(struct cli *cli, int argc, char **argv)
{
    int shards = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        long n;
        if ((v = cli_option_value(argc, argv, &i, "--shards"))) {
            if (cli_parse_number(v, 1, MINGA_MAX_SHARDS, &n) != 0)
                return cli_usage_error(&cmd_reindex,
                                       "--shards: expected a number of "
                                       "shards, 1-%d",
                                       MINGA_MAX_SHARDS);
            shards = (int)n;
        } else {
            return cli_usage_error(&cmd_reindex, "unexpected argument %s",
                                   argv[i]);
        }
    }
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc = minga_reindex(m, shards, cli_progress, NULL, &err);
    cli_progress_done();
    if (rc)
        cli_fail("%s", err ? err : "reindex failed");
    else if (shards)
        printf("reindexed the catalog into %d shard%s\n", shards,
               shards == 1 ? "" : "s");
    else
        printf("reindexed the catalog\n");
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cmd_reindex = {
    "reindex", "rebuild the index from the catalog",
    "usage: minga reindex [--shards N]\n\n"
    "Rebuilds the full-text index from the catalog (the source of truth),\n"
    "then compacts it. --shards N rebuilds it into N shards (1-64; a new\n"
    "data folder gets one per two cores, 1 to 4): the new index is built\n"
    "beside the old one, which answers searches until it is swapped in at\n"
    "the end, and stays as it was if the reindex fails or is killed. Needs\n"
    "free disk space of about the index's size.\n",
    run_reindex};
