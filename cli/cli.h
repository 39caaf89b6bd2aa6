/*
 * The `minga` command: argument parsing and printing only. Every command
 * calls the library (core/minga.h, web/server.h); nothing here decides
 * behaviour the web server could not share.
 *
 * Exit status: 0 success, 1 bad input or a failed operation, 2 usage.
 */
#ifndef MINGA_CLI_H
#define MINGA_CLI_H

#include <stdio.h>
#include "minga.h"

#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cli {
    const char *data_dir;
    const char *prog; /* "minga" */
};

struct cli_command {
    const char *name;
    const char *summary;
    const char *usage; /* full help text */
    int (*run)(struct cli *cli, int argc, char **argv);
};

/* Opens the data folder or prints why not; NULL on failure. */
struct minga *cli_open(struct cli *cli, int flags);
int cli_usage_error(const struct cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Whether argv holds -h or --help; prints the command's help then. */
int cli_wants_help(const struct cli_command *cmd, int argc, char **argv);
void cli_print_json(json_t *value); /* steals the reference */
/* When argv[*i] is the option `name` ("--rev") as "--rev N" or
 * "--rev=N": its value ("" when none follows), with *i moved onto the
 * last word it used. NULL when argv[*i] is something else. */
const char *cli_option_value(int argc, char **argv, int *i, const char *name);
/* v as a whole number from min to max into *out: 0, or -1 when it is not
 * one (empty, trailing characters, out of range). */
int cli_parse_number(const char *v, long min, long max, long *out);
/* A progress bar on stderr when it is a terminal; silent otherwise. */
void cli_progress(void *arg, uint64_t done, uint64_t total);
void cli_progress_done(void);

/* Parses the filter options shared by search, list and export into q;
 * returns -1 after printing on a bad value, 0 when not a filter option,
 * 1 when consumed. */
int cli_filter_option(const struct cli_command *cmd, struct minga_query *q,
                      const char *name, const char *value);

/* Returns argv reordered as options (of longopts/shortopts, with their
 * values), "--", then every other argument, and updates *argc: people put
 * options after the query words, and a "-word" that is no option stays a
 * query word (an exclusion). Use before getopt_long. Returns a new array
 * (caller frees; the strings stay argv's), or NULL after saying why (an
 * option of cmd without its value, or no memory). */
struct option;
char **cli_options_first(const struct cli_command *cmd, int *argc, char **argv,
                         const struct option *longopts, const char *shortopts);

extern const struct cli_command cmd_init, cmd_import, cmd_show, cmd_list,
    cmd_search, cmd_stats, cmd_export, cmd_delete, cmd_plugins, cmd_check,
    cmd_reindex, cmd_token, cmd_serve, cmd_history, cmd_revert, cmd_restore,
    cmd_purge, cmd_review, cmd_backup;
extern const struct cli_command cmd_compact; /* cli/commands_compact.c */
extern const struct cli_command cmd_related; /* cli/commands_related.c */
extern const struct cli_command cmd_suggest; /* cli/commands_suggest.c */
extern const struct cli_command cmd_harvest, cmd_oai; /* commands_harvest.c */

/* `minga restore SRC` when SRC is a backup folder: fills the data folder
 * (--data) from it (cli/commands_backup.c). argv[0] is "restore". */
int cli_restore_backup(struct cli *cli, int argc, char **argv);

#endif
