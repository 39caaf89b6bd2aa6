/* harvest (core/harvest.c does the work) and oai, the node's OAI
 * settings (core/oai.h, core/oai_settings.h). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

#include "harvest.h"
#include "oai.h"
#include "oai_settings.h"

/* A positive number for option `name`; 0 after a usage error. */
static unsigned long long parse_count(const struct cli_command *cmd,
                                      const char *name, const char *value)
{
    char *end = NULL;
    unsigned long long n = strtoull(value, &end, 10);
    if (!*value || *end || n == 0 || value[0] == '-') {
        cli_usage_error(cmd, "%s: expected a positive number, got \"%s\"",
                        name, value);
        return 0;
    }
    return n;
}

static void print_progress(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "minga: %s\n", line);
}

static int list_sources(struct cli *cli, int is_json)
{
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    json_t *list = NULL;
    char *err = NULL;
    if (minga_harvest_sources(m, &list, &err)) {
        cli_fail("%s", err ? err : "cannot list the sources");
        free(err);
        minga_close(m);
        return EXIT_FAIL;
    }
    if (is_json) {
        cli_print_json(list);
    } else if (json_array_size(list) == 0) {
        printf("no sources harvested yet (minga harvest URL)\n");
        json_decref(list);
    } else {
        size_t i;
        json_t *s;
        json_array_foreach(list, i, s)
        {
            const char *set = json_string_value(json_object_get(s, "set"));
            const char *last =
                json_string_value(json_object_get(s, "last_run"));
            const char *ds =
                json_string_value(json_object_get(s, "last_datestamp"));
            const char *status =
                json_string_value(json_object_get(s, "last_status"));
            printf(
                "%s  (%s%s%s)\n  %lld cases, %lld deleted; records up to "
                "%s%s\n  last run %s: %s\n",
                json_string_value(json_object_get(s, "url")),
                json_string_value(json_object_get(s, "prefix")),
                set ? ", set " : "", set ? set : "",
                (long long)json_integer_value(json_object_get(s, "cases")),
                (long long)json_integer_value(json_object_get(s, "deleted")),
                ds ? ds : "(none yet)",
                json_is_true(json_object_get(s, "unfinished"))
                    ? " (a list unfinished: the next run goes on)"
                    : "",
                last ? last : "never", status ? status : "");
        }
        json_decref(list);
    }
    minga_close(m);
    return EXIT_OK;
}

static int run_harvest(struct cli *cli, int argc, char **argv)
{
    struct minga_harvest_options opt;
    minga_harvest_options_init(&opt);
    int is_list = 0, is_json = 0, is_quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--list") == 0) {
            is_list = 1;
        } else if (strcmp(a, "--json") == 0) {
            is_json = 1;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            is_quiet = 1;
        } else if (a[0] == '-' && !v) {
            return cli_usage_error(&cmd_harvest,
                                   "%s: a value is missing "
                                   "or the option is unknown",
                                   a);
        } else if (strcmp(a, "--prefix") == 0) {
            opt.prefix = argv[++i];
        } else if (strcmp(a, "--set") == 0) {
            opt.set = argv[++i];
        } else if (strcmp(a, "--from") == 0) {
            opt.from = argv[++i];
        } else if (strcmp(a, "--max-pages") == 0) {
            if (!(opt.max_pages =
                      (size_t)parse_count(&cmd_harvest, a, argv[++i])))
                return EXIT_USAGE;
        } else if (strcmp(a, "--max-response") == 0) {
            if (!(opt.max_response = parse_count(&cmd_harvest, a, argv[++i])))
                return EXIT_USAGE;
        } else if (strcmp(a, "--timeout") == 0) {
            if (!(opt.timeout_s =
                      (long)parse_count(&cmd_harvest, a, argv[++i])))
                return EXIT_USAGE;
        } else if (a[0] == '-') {
            return cli_usage_error(&cmd_harvest, "unknown option %s", a);
        } else if (opt.url) {
            return cli_usage_error(&cmd_harvest, "one URL at a time");
        } else {
            opt.url = a;
        }
    }
    if (is_list)
        return opt.url ? cli_usage_error(&cmd_harvest, "--list takes no URL")
                       : list_sources(cli, is_json);
    if (!opt.url)
        return cli_usage_error(&cmd_harvest,
                               "name the repository's base URL "
                               "(https://casos.example.org/oai)");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    if (!is_quiet) {
        opt.progress = print_progress;
    }
    struct minga_harvest_report rep;
    minga_harvest_report_init(&rep);
    char *err = NULL;
    int rc = minga_harvest(m, &opt, &rep, &err);
    diag_list_print(&rep.diags, stderr, DIAG_PRINT_MAX);
    if (rc)
        fprintf(stderr, "minga: error: %s\n", err ? err : "harvest failed");
    char *summary = minga_harvest_summary(&rep);
    if (is_json) {
        json_t *o = json_pack(
            "{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o, "
            "s:o}",
            "source", opt.url, "summary", summary ? summary : "", "pages",
            (json_int_t)rep.n_pages, "records", (json_int_t)rep.n_records,
            "new", (json_int_t)rep.n_new, "updated", (json_int_t)rep.n_updated,
            "deleted", (json_int_t)rep.n_deleted, "unchanged",
            (json_int_t)rep.n_unchanged, "skipped", (json_int_t)rep.n_skipped,
            "attachments", (json_int_t)rep.n_attachments, "complete",
            rep.is_complete, "diagnostics",
            diag_list_json(&rep.diags, DIAG_PRINT_MAX), "error",
            err ? json_string(err) : json_null());
        cli_print_json(o);
    } else if (!rc || rep.n_pages || rep.n_records) {
        printf("%s\n", summary ? summary : ""); /* not after a bad option */
    }
    free(summary);
    free(err);
    int status = rc || rep.n_skipped ? EXIT_FAIL : EXIT_OK;
    minga_harvest_report_release(&rep);
    minga_close(m);
    return status;
}

const struct cli_command cmd_harvest = {
    "harvest", "harvest another node or OAI-PMH repository",
    "usage: minga harvest URL [--prefix minga|oai_dc] [--set SPEC]\n"
    "                     [--from DATE] [--max-pages N] [--max-response "
    "BYTES]\n"
    "                     [--timeout SECONDS] [--quiet] [--json]\n"
    "       minga harvest --list [--json]\n\n"
    "Harvests the OAI-PMH 2.0 repository at URL (its base URL, such as\n"
    "https://casos.example.org/oai) into the catalog. --prefix minga (the\n"
    "default) reads another minga node losslessly, attachments included;\n"
    "oai_dc reads any repository's Dublin Core, mapped into the case\n"
    "format (a record that cannot be mapped is skipped, with an error\n"
    "naming the record and the field). Each page is committed whole; a\n"
    "run goes on where the last one stopped (records newer than the last\n"
    "complete list, or the rest of an unfinished one); --from DATE\n"
    "(YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ) starts from that date instead.\n"
    "Updates and deletions are applied; harvested cases record their\n"
    "source (minga show ID) and are not to be edited locally.\n\n"
    "Limits: --max-pages (1000), --max-response bytes an answer (64 MiB),\n"
    "--timeout seconds a request (120); at most 5 redirects; TLS\n"
    "certificates are always verified.\n\n"
    "--list shows each source: cases, deletions, the last datestamp and\n"
    "the last run. Exit status 1 when the run failed or skipped records.\n",
    run_harvest};

/* -- oai: the node's settings ------------------------------------------- */

static int oai_show(struct cli *cli, int is_json)
{
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    json_t *o = json_object();
    for (const struct minga_oai_setting_info *s = minga_oai_settings; s->name;
         s++) {
        int is_default = 0;
        char *value = minga_oai_setting_effective(m, s->key, &is_default);
        if (is_json)
            json_object_set_new(o, s->key,
                                json_pack("{s:s?, s:b}", "value", value,
                                          "default", is_default));
        else
            printf("%-12s %s%s\n", s->name, value ? value : "",
                   is_default ? "   (default)" : "");
        free(value);
    }
    if (is_json)
        cli_print_json(o);
    else
        json_decref(o);
    minga_close(m);
    return EXIT_OK;
}

static int run_oai(struct cli *cli, int argc, char **argv)
{
    const char *verb = argc > 1 ? argv[1] : NULL;
    if (verb && strcmp(verb, "show") == 0) {
        int is_json = argc == 3 && strcmp(argv[2], "--json") == 0;
        if (argc > 2 && !is_json)
            return cli_usage_error(&cmd_oai, "unknown option %s", argv[2]);
        return oai_show(cli, is_json);
    }
    if (!verb || strcmp(verb, "set") != 0)
        return cli_usage_error(&cmd_oai, "expected `oai show` or `oai set "
                                         "NAME VALUE`");
    if (argc != 4)
        return cli_usage_error(&cmd_oai, "usage: minga oai set NAME VALUE");
    const struct minga_oai_setting_info *s = minga_oai_setting_find(argv[2]);
    if (!s)
        return cli_usage_error(&cmd_oai,
                               "no setting \"%s\" (host, base-url, "
                               "name, admin-email)",
                               argv[2]);
    const char *problem = minga_oai_setting_problem(s->key, argv[3]);
    if (problem) {
        cli_fail("%s \"%s\": %s", s->name, argv[3], problem);
        return EXIT_FAIL;
    }
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc = minga_oai_setting_set(m, s->key, argv[3], &err);
    if (rc)
        cli_fail("%s", err ? err : "cannot store the setting");
    else
        printf("%s = %s\n", s->name, argv[3]);
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cmd_oai = {
    "oai", "the node's OAI-PMH settings",
    "usage: minga oai show [--json]\n"
    "       minga oai set NAME VALUE\n\n"
    "The settings other catalogs see (docs/federation.md):\n"
    "  host         repository identifier in oai:HOST:ID: a domain name\n"
    "               with a dot (casos.example.org); set it once, before\n"
    "               announcing the node\n"
    "  base-url     public address of the node (https://casos.example.org)\n"
    "  name         Identify's repositoryName, the feed's title\n"
    "  admin-email  Identify's adminEmail\n"
    "A running server reads them at each request.\n",
    run_oai};
