/* backup, and restore from a backup (core/backup.c does the work). */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

/* "12 cases (generation 40), 3.1 MB in 0.4 s" */
static void print_summary(const char *verb, json_t *report)
{
    double bytes =
        (double)json_integer_value(json_object_get(report, "bytes"));
    const char *unit = "bytes";
    if (bytes >= 1e9) {
        bytes /= 1e9;
        unit = "GB";
    } else if (bytes >= 1e6) {
        bytes /= 1e6;
        unit = "MB";
    } else if (bytes >= 1e3) {
        bytes /= 1e3;
        unit = "kB";
    }
    printf(
        "%s %s: %lld cases (generation %lld), %.*f %s in %.1f s\n", verb,
        json_string_value(json_object_get(report, "dest")),
        (long long)json_integer_value(json_object_get(report, "cases")),
        (long long)json_integer_value(json_object_get(report, "generation")),
        strcmp(unit, "bytes") ? 1 : 0, bytes, unit,
        json_real_value(json_object_get(report, "seconds")));
}

/* Takes one folder argument and an optional --json from argv[1..];
 * `missing` says what to name when the folder is not given. */
static int parse_args(const struct cli_command *cmd, int argc, char **argv,
                      const char *missing, const char **folder, int *is_json)
{
    *folder = NULL;
    *is_json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            *is_json = 1;
        else if (strcmp(argv[i], "--") == 0 && i + 1 < argc && !*folder)
            *folder = argv[++i];
        else if (argv[i][0] == '-')
            return cli_usage_error(cmd, "unknown option %s", argv[i]);
        else if (*folder)
            return cli_usage_error(cmd, "name one folder");
        else
            *folder = argv[i];
    }
    if (!*folder)
        return cli_usage_error(cmd, "%s", missing);
    return EXIT_OK;
}

static int run_backup(struct cli *cli, int argc, char **argv)
{
    const char *dest;
    int is_json;
    int rc = parse_args(&cmd_backup, argc, argv,
                        "name the folder to write the backup into", &dest,
                        &is_json);
    if (rc)
        return rc;
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    json_t *report = NULL;
    char *err = NULL;
    rc = minga_backup(m, dest, &report, &err);
    minga_close(m);
    if (rc) {
        cli_fail("backup: %s", err ? err : "failed");
        free(err);
        return EXIT_FAIL;
    }
    if (is_json) {
        cli_print_json(report);
    } else {
        print_summary("backed up to", report);
        json_decref(report);
    }
    return EXIT_OK;
}

const struct cli_command cmd_backup = {
    "backup", "copy the data folder while it is in use",
    "usage: minga backup DEST [--json]\n\n"
    "Writes a copy of the data folder into DEST, which must not exist or\n"
    "be empty. Imports and uploads go on meanwhile; the copy holds the\n"
    "catalog as one committed import left it (its generation is shown),\n"
    "with an index rebuilt for exactly that catalog. The copy is a data\n"
    "folder: `minga --data DEST check` passes, and `minga restore DEST`\n"
    "brings it back. Nothing is left in DEST when the backup fails.\n\n"
    "The copy holds every case and its history, submissions, attachments,\n"
    "the import log and the tokens (as hashes): keep it private.\n"
    "See docs/operations.md for a nightly schedule.\n\n"
    "  --json   print {dest, source, cases, generation, bytes, seconds}\n",
    run_backup};

/* The help and usage errors of `minga restore SRC` (the command itself is
 * cmd_restore, which hands a backup folder to cli_restore_backup). */
static const struct cli_command restore_backup_help = {
    "restore", "restore a data folder from a backup",
    "usage: minga [--data DIR] restore BACKUP [--json]\n\n"
    "Fills the data folder (--data, which must not exist or be empty)\n"
    "from the backup folder BACKUP made by `minga backup`: the catalog is\n"
    "copied, its index rebuilt, and the result checked before it takes\n"
    "the name DIR. An existing data folder is never overwritten.\n\n"
    "  --json   print {dest, source, cases, generation, bytes, seconds,\n"
    "           check}\n",
    NULL};

int cli_restore_backup(struct cli *cli, int argc, char **argv)
{
    const char *src;
    int is_json;
    int rc = parse_args(&restore_backup_help, argc, argv,
                        "name the backup folder to restore", &src, &is_json);
    if (rc)
        return rc;
    json_t *report = NULL;
    char *err = NULL;
    rc = minga_restore_backup(src, cli->data_dir, &report, &err);
    if (rc) {
        cli_fail("restore: %s", err ? err : "failed");
        free(err);
        return EXIT_FAIL;
    }
    if (is_json) {
        cli_print_json(report);
    } else {
        print_summary("restored", report);
        json_decref(report);
    }
    return EXIT_OK;
}
