/* token, plugins, serve. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"

static int run_token(struct cli *cli, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(&cmd_token, "expected add NAME, list or "
                               "revoke NAME");
    const char *verb = argv[1];
    int needs_name = strcmp(verb, "add") == 0 || strcmp(verb, "revoke") == 0;
    if (needs_name ? argc != 3 : (strcmp(verb, "list") != 0 || argc > 3))
        return cli_usage_error(&cmd_token, "expected add NAME, list [--json] "
                               "or revoke NAME");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc;
    if (strcmp(verb, "add") == 0) {
        char *token = NULL;
        rc = minga_token_add(m, argv[2], &token, &err);
        if (!rc) {
            printf("%s\n", token);
            fprintf(stderr, "token \"%s\" created; it is shown only once: "
                    "give it to the city's staff now\n", argv[2]);
        }
        free(token);
    } else if (strcmp(verb, "revoke") == 0) {
        rc = minga_token_revoke(m, argv[2], &err);
        if (!rc)
            printf("revoked token \"%s\"\n", argv[2]);
    } else {
        json_t *list = NULL;
        rc = minga_token_list(m, &list, &err);
        if (!rc && argc == 3 && strcmp(argv[2], "--json") == 0) {
            cli_print_json(list);
        } else if (!rc) {
            size_t i;
            json_t *t;
            json_array_foreach(list, i, t) {
                json_t *rev = json_object_get(t, "revoked_at");
                json_t *used = json_object_get(t, "last_used_at");
                printf("%-24s created %s  %s%s\n",
                       json_string_value(json_object_get(t, "name")),
                       json_string_value(json_object_get(t, "created_at")),
                       json_is_string(rev) ? "revoked " : "last used ",
                       json_is_string(rev) ? json_string_value(rev)
                       : json_is_string(used) ? json_string_value(used)
                                              : "never");
            }
            if (json_array_size(list) == 0)
                printf("no tokens; create one with `minga token add "
                       "NAME`\n");
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
    "usage: minga token add NAME | list [--json] | revoke NAME\n\n"
    "Upload tokens let a city send archives to POST /api/imports. `add`\n"
    "prints a new token once; only its hash is stored. Every upload is\n"
    "logged with the token's name.\n",
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
    json_array_foreach(list, i, p) {
        if (json_is_true(json_object_get(p, "loaded"))) {
            json_t *formats = json_object_get(p, "formats");
            printf("%-9s %-9s %-7s", json_string_value(json_object_get(p,
                                                                       "kind")),
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
        {0, 0, 0, 0}};
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
    "                   [--max-upload BYTES] [--quiet]\n\n"
    "Serves http://127.0.0.1:8080/ by default: the search page, the JSON\n"
    "API (/api/search, /api/cases/ID, /api/sdgs, /api/stats,\n"
    "/api/export/FORMAT) and authenticated uploads (POST /api/imports).\n"
    "SIGTERM or Ctrl-C stops it after the requests in flight.\n",
    run_serve};
