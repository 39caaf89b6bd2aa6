/* minga: the command-line entry point and the helpers its commands share. */
#include "cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_command *const commands[] = {
    &cmd_init,    &cmd_import,  &cmd_search,  &cmd_list,    &cmd_show,
    &cmd_stats,   &cmd_export,  &cmd_delete,  &cmd_check,   &cmd_reindex,
    &cmd_token,   &cmd_history, &cmd_revert,  &cmd_restore, &cmd_purge,
    &cmd_review,  &cmd_backup,  &cmd_related, &cmd_harvest, &cmd_oai,
    &cmd_suggest, &cmd_compact, &cmd_serve,   &cmd_plugins, NULL};

static void print_help(FILE *out)
{
    fprintf(
        out,
        "minga %s - a knowledge base of city experiences with the SDGs\n\n"
        "usage: minga [--data DIR] COMMAND [OPTIONS] [ARGS]\n\n"
        "options:\n"
        "  --data DIR   the data folder (default $MINGA_DATA, else "
        "./minga-data)\n"
        "  --version    print the version\n"
        "  --help       this help; `minga COMMAND --help` for a command\n\n"
        "commands:\n",
        MINGA_VERSION);
    for (int i = 0; commands[i]; i++)
        fprintf(out, "  %-9s %s\n", commands[i]->name, commands[i]->summary);
    fprintf(out, "\nexit status: 0 success, 1 bad input or failed "
                 "operation, 2 usage error\n");
}

struct minga *cli_open(struct cli *cli, int flags)
{
    struct minga *m = NULL;
    char *err = NULL;
    if (minga_open(&m, cli->data_dir, flags, &err)) {
        fprintf(stderr, "minga: %s\n", err ? err : "cannot open data folder");
        free(err);
        return NULL;
    }
    return m;
}

int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "minga %s: ", cmd->name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see `minga %s --help`)\n", cmd->name);
    va_end(ap);
    return EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "minga: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    return EXIT_FAIL;
}

int cli_wants_help(const struct cli_command *cmd, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs(cmd->usage, stdout);
            return 1;
        }
    }
    return 0;
}

const char *cli_option_value(int argc, char **argv, int *i, const char *name)
{
    const char *arg = argv[*i];
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0)
        return NULL;
    if (arg[len] == '=')
        return arg + len + 1;
    if (arg[len] != '\0')
        return NULL;
    return *i + 1 < argc ? argv[++*i] : "";
}

int cli_parse_number(const char *v, long min, long max, long *out)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || !*v || *end || n < min || n > max)
        return -1;
    *out = n;
    return 0;
}

void cli_print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text) {
        puts(text);
        free(text);
    }
    json_decref(value);
}

static int progress_shown;

void cli_progress(void *arg, uint64_t done, uint64_t total)
{
    (void)arg;
    if (!isatty(STDERR_FILENO) || total == 0)
        return;
    int width = 40, filled = (int)(done * (uint64_t)width / total);
    if (filled > width)
        filled = width;
    fprintf(stderr, "\r[%.*s%*s] %3d%%", filled,
            "########################################", width - filled, "",
            (int)(done * 100 / total));
    fflush(stderr);
    progress_shown = 1;
}

void cli_progress_done(void)
{
    if (progress_shown) {
        fprintf(stderr, "\r%60s\r", "");
        progress_shown = 0;
    }
}

int cli_filter_option(const struct cli_command *cmd, struct minga_query *q,
                      const char *name, const char *value)
{
    if (!query_is_filter(name, strlen(name)))
        return 0;
    char *err = NULL;
    if (query_add_filter(q, name, value, &err)) {
        cli_usage_error(cmd, "--%s", err ? err : name);
        free(err);
        return -1;
    }
    return 1;
}

/* Finds whether argv[i] is an option of longopts/shortopts and how many
 * arguments it spans (1 or 2); 0 when it is a word; -1 when it needs a
 * value and none follows. */
static int option_span(char **argv, int i, int argc,
                       const struct option *longopts, const char *shortopts)
{
    const char *a = argv[i];
    if (a[0] != '-' || a[1] == '\0')
        return 0;
    if (a[1] == '-') {
        const char *name = a + 2;
        size_t len = strcspn(name, "=");
        for (const struct option *o = longopts; o->name; o++) {
            if (strlen(o->name) != len || strncmp(o->name, name, len) != 0)
                continue;
            if (o->has_arg == required_argument && !name[len])
                return i + 1 < argc ? 2 : -1;
            return 1;
        }
        return 1; /* an unknown --option: getopt reports it */
    }
    const char *spec = strchr(shortopts, a[1]);
    if (!spec || a[1] == ':' || a[1] == '+')
        return 0;
    if (spec[1] == ':' && !a[2])
        return i + 1 < argc ? 2 : -1;
    return 1;
}

char **cli_options_first(const struct cli_command *cmd, int *argc, char **argv,
                         const struct option *longopts, const char *shortopts)
{
    char **out = calloc((size_t)*argc + 2, sizeof *out);
    char **words = calloc((size_t)*argc + 1, sizeof *words);
    if (!out || !words) {
        free(out);
        free(words);
        fprintf(stderr, "minga: out of memory\n");
        return NULL;
    }
    int n = 0, n_words = 0;
    out[n++] = argv[0];
    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (++i < *argc)
                words[n_words++] = argv[i];
            break;
        }
        int span = option_span(argv, i, *argc, longopts, shortopts);
        if (span < 0) {
            cli_usage_error(cmd, "%s needs a value", argv[i]);
            free(words);
            free(out);
            return NULL;
        }
        if (span == 0) {
            words[n_words++] = argv[i];
            continue;
        }
        for (int k = 0; k < span; k++)
            out[n++] = argv[i + k];
        i += span - 1;
    }
    out[n++] = "--";
    for (int k = 0; k < n_words; k++)
        out[n++] = words[k];
    free(words);
    *argc = n;
    return out;
}

int main(int argc, char **argv)
{
    /* before any thread: see minga.h */
    setenv("XAPIAN_FLUSH_THRESHOLD", MINGA_XAPIAN_FLUSH_THRESHOLD, 0);
    struct cli cli = {.prog = "minga"};
    cli.data_dir = getenv("MINGA_DATA");
    if (!cli.data_dir || !*cli.data_dir)
        cli.data_dir = "./minga-data";
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--version") == 0) {
            printf("minga %s\n", MINGA_VERSION);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            print_help(stdout);
            return EXIT_OK;
        }
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            cli.data_dir = argv[++i];
        } else if (strncmp(argv[i], "--data=", 7) == 0) {
            cli.data_dir = argv[i] + 7;
        } else {
            fprintf(stderr, "minga: unknown option %s (see `minga --help`)\n",
                    argv[i]);
            return EXIT_USAGE;
        }
    }
    if (i >= argc) {
        print_help(stderr);
        return EXIT_USAGE;
    }
    for (int c = 0; commands[c]; c++) {
        if (strcmp(commands[c]->name, argv[i]) == 0) {
            if (cli_wants_help(commands[c], argc - i, argv + i))
                return EXIT_OK;
            return commands[c]->run(&cli, argc - i, argv + i);
        }
    }
    fprintf(stderr, "minga: unknown command \"%s\" (see `minga --help`)\n",
            argv[i]);
    return EXIT_USAGE;
}
