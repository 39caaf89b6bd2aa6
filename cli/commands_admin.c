/* token, plugins, serve. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

/* `token add NAME [--role city|curator] [--country CC]... [--city NAME]...
 * [--expires DAYS]` */
static int token_add(struct minga *m, int argc, char **argv, char **err)
{
    static const struct option longopts[] = {
        {"role", required_argument, 0, 'r'},
        {"country", required_argument, 0, 'c'},
        {"city", required_argument, 0, 'C'},
        {"expires", required_argument, 0, 'e'},
        {0, 0, 0, 0}};
    const char *countries[32], *cities[64];
    struct minga_token_spec spec = {
        .role = MINGA_ROLE_CURATOR, .countries = countries, .cities = cities};
    int has_role = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'r':
            if (strcmp(optarg, "city") == 0)
                spec.role = MINGA_ROLE_CITY;
            else if (strcmp(optarg, "curator") == 0)
                spec.role = MINGA_ROLE_CURATOR;
            else
                return cli_usage_error(&cmd_token,
                                       "--role: expected city or "
                                       "curator, not \"%s\"",
                                       optarg);
            has_role = 1;
            break;
        case 'c':
            if (spec.n_countries == 32)
                return cli_usage_error(&cmd_token, "at most 32 countries");
            countries[spec.n_countries++] = optarg;
            break;
        case 'C':
            if (spec.n_cities == 64)
                return cli_usage_error(&cmd_token, "at most 64 cities");
            cities[spec.n_cities++] = optarg;
            break;
        case 'e':
            spec.expires_days = (int)strtol(optarg, &end, 10);
            if (*end || spec.expires_days < 1 || spec.expires_days > 36500)
                return cli_usage_error(&cmd_token, "--expires: expected a "
                                                   "number of days (1-36500)");
            break;
        default:
            return cli_usage_error(&cmd_token, "unknown option");
        }
    }
    if (optind != argc - 1)
        return cli_usage_error(&cmd_token, "token add: name exactly one "
                                           "token");
    const char *name = argv[optind];
    if (!has_role && (spec.n_countries || spec.n_cities))
        spec.role = MINGA_ROLE_CITY; /* a scope implies the city role */
    char *token = NULL;
    int rc = minga_token_add(m, name, &spec, &token, err);
    if (!rc) {
        printf("%s\n", token);
        fprintf(stderr,
                "%s token \"%s\" created; it is shown only once: "
                "give it to its holder now\n",
                spec.role == MINGA_ROLE_CITY ? "city" : "curator", name);
    }
    free(token);
    return rc ? EXIT_FAIL : EXIT_OK;
}

static const char *json_str_or(json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : dflt;
}

/* "UY" or "UY: Montevideo, Canelones" */
static void print_scope(json_t *t)
{
    json_t *countries = json_object_get(t, "countries");
    json_t *cities = json_object_get(t, "cities");
    size_t i;
    json_t *v;
    if (!json_array_size(countries)) {
        printf("%-22s", "any case");
        return;
    }
    char buf[256] = "";
    size_t n = 0;
    json_array_foreach(countries, i, v) n +=
        (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s",
                         i ? "," : "", json_string_value(v));
    json_array_foreach(cities, i, v) n +=
        (size_t)snprintf(buf + n, n < sizeof buf ? sizeof buf - n : 0, "%s%s",
                         i ? ", " : ": ", json_string_value(v));
    printf("%-22s", buf);
}

static void print_token_list(json_t *list)
{
    size_t i;
    json_t *t;
    if (json_array_size(list))
        printf("%-20s %-8s %-22s %-20s %-20s %s\n", "NAME", "ROLE", "SCOPE",
               "CREATED", "LAST USED", "EXPIRES");
    json_array_foreach(list, i, t)
    {
        json_t *revoked = json_object_get(t, "revoked_at");
        printf("%-20s %-8s ", json_str_or(t, "name", "?"),
               json_str_or(t, "role", "?"));
        print_scope(t);
        printf(" %-20s %-20s %s%s\n", json_str_or(t, "created_at", "-"),
               json_str_or(t, "last_used_at", "never"),
               json_is_string(revoked) ? "revoked " : "",
               json_is_string(revoked) ? json_string_value(revoked)
               : json_is_true(json_object_get(t, "is_expired"))
                   ? "expired"
                   : json_str_or(t, "expires_at", "never"));
    }
    if (json_array_size(list) == 0)
        printf("no tokens; create one with `minga token add NAME --role city "
               "--country CC` or `--role curator`\n");
}

static int run_token(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(&cmd_token, "expected add NAME, list or "
                                           "revoke NAME");
    const char *verb = argv[1];
    int is_add = strcmp(verb, "add") == 0;
    if (!is_add &&
        (strcmp(verb, "revoke") == 0
             ? argc != 3
             : strcmp(verb, "list") != 0 ||
                   (argc == 3 && strcmp(argv[2], "--json") != 0) || argc > 3))
        return cli_usage_error(&cmd_token, "expected add NAME [OPTIONS], "
                                           "list [--json] or revoke NAME");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc;
    if (is_add) {
        rc = token_add(m, argc - 1, argv + 1, &err);
        if (rc == EXIT_USAGE) {
            minga_close(m);
            return rc;
        }
    } else if (strcmp(verb, "revoke") == 0) {
        rc = minga_token_revoke(m, argv[2], &err);
        if (!rc)
            printf("revoked token \"%s\"\n", argv[2]);
    } else {
        json_t *list = NULL;
        rc = minga_token_list(m, &list, &err);
        if (!rc && argc == 3)
            cli_print_json(list);
        else if (!rc) {
            print_token_list(list);
            json_decref(list);
        }
    }
    if (rc)
        cli_fail("token %s: %s", verb, err ? err : "failed");
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

const struct cli_command cmd_token = {
    "token", "manage upload tokens (add, list, revoke)",
    "usage: minga token add NAME --role city --country CC [--country CC]...\n"
    "                           [--city NAME]... [--expires DAYS]\n"
    "       minga token add NAME --role curator [--expires DAYS]\n"
    "       minga token list [--json]\n"
    "       minga token revoke NAME\n\n"
    "Upload tokens let a city send archives to POST /api/imports. `add`\n"
    "prints a new token once; only its hash is stored.\n\n"
    "A city token may create, update and delete only cases whose country\n"
    "(and city, when --city is given) is in its scope; an upload holding\n"
    "one case outside it is refused whole (HTTP 403). A curator token may\n"
    "change any case and approve or reject uploads waiting for review.\n"
    "Without --role, a token with --country is a city token, else a\n"
    "curator token. The operator at the machine (this CLI) is not\n"
    "restricted. Every change is kept in the case's history under\n"
    "\"token:NAME\".\n",
    run_token};

static int run_plugins(struct cli *cli, int argc, char **argv)
{
    (void)cli;
    int is_json = argc == 2 && strcmp(argv[1], "--json") == 0;
    if (argc > 2 || (argc == 2 && !is_json))
        return cli_usage_error(&cmd_plugins, "unknown argument %s", argv[1]);
    json_t *list = minga_plugins_json();
    if (is_json) {
        cli_print_json(list);
        return EXIT_OK;
    }
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        if (json_is_true(json_object_get(p, "loaded"))) {
            json_t *formats = json_object_get(p, "formats");
            printf("%-9s %-9s %-7s",
                   json_string_value(json_object_get(p, "kind")),
                   json_string_value(json_object_get(p, "name")),
                   json_string_value(json_object_get(p, "version")));
            size_t j;
            json_t *f;
            json_array_foreach(formats, j, f)
                printf(" %s", json_string_value(f));
            printf("\n");
        } else {
            fprintf(stderr, "refused  %s: %s\n",
                    json_string_value(json_object_get(p, "file")),
                    json_string_value(json_object_get(p, "reason")));
        }
    }
    json_decref(list);
    return EXIT_OK;
}

const struct cli_command cmd_plugins = {
    "plugins", "list importer and exporter plugins",
    "usage: minga plugins [--json]\n\n"
    "Lists the plugins found in MINGA_PLUGIN_PATH and beside the binary\n"
    "(../lib/minga/plugins), and the ones refused, with the reason.\n",
    run_plugins};

static void on_ready(void *arg, const char *addr, int port)
{
    (void)arg;
    fprintf(stderr, "minga: serving on http://%s:%d/ (Ctrl-C stops)\n", addr,
            port);
}

static void on_log(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

static int run_serve(struct cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"bind", required_argument, 0, 'b'},
        {"port", required_argument, 0, 'p'},
        {"threads", required_argument, 0, 't'},
        {"max-upload", required_argument, 0, 'u'},
        {"quiet", no_argument, 0, 'q'},
        {"review", no_argument, 0, 'r'},
        {0, 0, 0, 0}};
    int is_review = 0;
    struct minga_server_options opt;
    minga_server_options_init(&opt);
    opt.data_dir = cli->data_dir;
    opt.on_ready = on_ready;
    opt.log = on_log;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+b:p:", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (c) {
        case 'b':
            opt.bind_addr = optarg;
            break;
        case 'p':
            opt.port = (int)strtol(optarg, &end, 10);
            if (*end || opt.port < 0 || opt.port > 65535)
                return cli_usage_error(&cmd_serve, "--port: expected "
                                                   "0-65535");
            break;
        case 't':
            opt.n_threads = (unsigned)strtoul(optarg, &end, 10);
            if (*end || opt.n_threads > 256)
                return cli_usage_error(&cmd_serve, "--threads: expected "
                                                   "0-256");
            break;
        case 'u':
            opt.max_upload = strtoull(optarg, &end, 10);
            if (*end || opt.max_upload == 0)
                return cli_usage_error(&cmd_serve, "--max-upload: expected "
                                                   "a number of bytes");
            break;
        case 'q':
            opt.log = NULL;
            break;
        case 'r':
            is_review = 1;
            break;
        default:
            return cli_usage_error(&cmd_serve, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage_error(&cmd_serve, "unexpected argument %s",
                               argv[optind]);
    char *err = NULL;
    /* an import killed between the index's commit and the catalog's left
     * the index ahead: finish it before serving anything */
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    int was_needed = 0;
    int rc = minga_finish_interrupted(m, &was_needed, &err);
    /* stored in the data folder: it holds after a restart without the
     * option, until `minga review off` */
    if (!rc && is_review && !minga_review_enabled(m))
        rc = minga_review_set(m, 1, &err);
    minga_close(m);
    if (rc) {
        cli_fail("serve: %s", err ? err : "repair failed");
        free(err);
        return EXIT_FAIL;
    }
    if (was_needed && opt.log)
        opt.log(NULL, "the index was out of step with the catalog (an "
                      "import did not finish): rebuilt it from the catalog");
    rc = minga_server_run(&opt, &err);
    if (rc) {
        cli_fail("serve: %s", err ? err : "failed");
        free(err);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

const struct cli_command cmd_serve = {
    "serve", "serve the search page and the JSON API over HTTP",
    "usage: minga serve [--bind ADDR] [--port N] [--threads N]\n"
    "                   [--max-upload BYTES] [--review] [--quiet]\n\n"
    "Serves http://127.0.0.1:8080/ by default: the search page, the JSON\n"
    "API (/api/search, /api/cases/ID, /api/sdgs, /api/stats,\n"
    "/api/export/FORMAT) and authenticated uploads (POST /api/imports).\n"
    "SIGTERM or Ctrl-C stops it after the requests in flight.\n\n"
    "--review turns review on (stored in the data folder, like `minga\n"
    "review on`): uploads from city tokens wait, unpublished, until a\n"
    "curator approves them (`minga review`, /api/review).\n",
    run_serve};
