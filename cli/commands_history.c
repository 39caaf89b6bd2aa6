/* history, revert, restore, purge, review: the stewardship commands. The
 * operator at the machine runs them with no scope (a NULL principal). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *str_or(json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? s : dflt;
}

/* A positive integer argument, or -1. */
static long parse_positive(const char *s)
{
    char *end = NULL;
    errno = 0;
    long n = strtol(s, &end, 10);
    if (errno || !*s || *end || n < 1 || n > 2000000000)
        return -1;
    return n;
}

static int finish(struct minga *m, int rc, char *err, const char *what)
{
    if (rc)
        cli_fail("%s", err ? err : what);
    free(err);
    minga_close(m);
    return rc ? EXIT_FAIL : EXIT_OK;
}

static int run_history(struct cli *cli, int argc, char **argv)
{
    int is_json = 0;
    const char *id = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            is_json = 1;
        else if (argv[i][0] == '-')
            return cli_usage_error(&cmd_history, "unknown option %s", argv[i]);
        else if (!id)
            id = argv[i];
        else
            return cli_usage_error(&cmd_history, "one id at a time");
    }
    if (!id)
        return cli_usage_error(&cmd_history, "name a case id");
    struct minga *m = cli_open(cli, MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    json_t *h = NULL;
    char *err = NULL;
    int rc = minga_history_json(m, id, &h, &err);
    if (!rc && is_json) {
        cli_print_json(h);
    } else if (!rc) {
        json_t *revs = json_object_get(h, "revisions");
        json_t *current = json_object_get(h, "current");
        size_t i;
        json_t *r;
        printf("%s: %zu revision%s, %s\n", id, json_array_size(revs),
               json_array_size(revs) == 1 ? "" : "s",
               json_is_true(json_object_get(h, "deleted"))
                   ? "deleted (`minga restore ID` brings it back)"
                   : "published");
        json_array_foreach(revs, i, r)
        {
            json_int_t n = json_integer_value(json_object_get(r, "rev"));
            json_t *imp = json_object_get(r, "import_id");
            printf("%c%4lld  %-20s %-8s %-24s",
                   json_is_integer(current) && json_integer_value(current) == n
                       ? '*'
                       : ' ',
                   (long long)n, str_or(r, "time", "?"),
                   str_or(r, "action", "?"), str_or(r, "by", "?"));
            if (json_is_integer(imp))
                printf(" import %lld", (long long)json_integer_value(imp));
            if (json_is_string(json_object_get(r, "note")))
                printf("  (%s)", str_or(r, "note", ""));
            printf("\n");
        }
        json_t *purged = json_object_get(h, "purged");
        json_array_foreach(purged, i, r) printf(
            "  purged %s by %s: %lld revisions removed\n",
            str_or(r, "time", "?"), str_or(r, "by", "?"),
            (long long)json_integer_value(json_object_get(r, "revisions")));
        json_decref(h);
    }
    return finish(m, rc, err, "no history");
}

const struct cli_command cmd_history = {
    "history", "list every revision of a case",
    "usage: minga history ID [--json]\n\n"
    "Lists the revisions of a case, oldest first: number, time, action\n"
    "(create, update, delete, revert, restore), who (a token as\n"
    "\"token:NAME\", or \"cli\") and the import it came from; * marks the\n"
    "current one. `minga show ID --rev N` prints one as it was.\n\n"
    "--json: {\"id\", \"current\", \"deleted\", \"revisions\": [{\"rev\",\n"
    "\"action\", \"by\", \"time\", \"import_id\", \"note\"}], \"purged\"}\n",
    run_history};

static int run_revert(struct cli *cli, int argc, char **argv)
{
    const char *id = NULL;
    long to = -1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
            to = parse_positive(argv[++i]);
        else if (strncmp(argv[i], "--to=", 5) == 0)
            to = parse_positive(argv[i] + 5);
        else if (argv[i][0] == '-')
            return cli_usage_error(&cmd_revert, "unknown option %s", argv[i]);
        else if (!id)
            id = argv[i];
        else
            return cli_usage_error(&cmd_revert, "one id at a time");
    }
    if (!id || to < 1)
        return cli_usage_error(&cmd_revert, "expected ID --to N (a revision "
                                            "number from `minga history ID`)");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int new_rev = 0;
    int rc = minga_revert_case(m, id, (int)to, NULL, &new_rev, &err);
    if (!rc)
        printf("%s: revision %d is now as revision %ld was\n", id, new_rev,
               to);
    return finish(m, rc, err, "revert failed");
}

const struct cli_command cmd_revert = {
    "revert", "make an earlier revision of a case current again",
    "usage: minga revert ID --to N\n\n"
    "Writes a new revision of the case equal to revision N (its fields and\n"
    "attachments); nothing in between is lost. A deleted case comes back.\n",
    run_revert};

/* Whether `path` is a folder holding catalog.db: a backup, not an id. */
static int is_backup_folder(const char *path)
{
    char buf[4096];
    struct stat sb;
    if (snprintf(buf, sizeof buf, "%s/catalog.db", path) >= (int)sizeof buf)
        return 0;
    return strchr(path, '/') != NULL || stat(path, &sb) == 0
               ? stat(buf, &sb) == 0 && S_ISREG(sb.st_mode)
               : 0;
}

static int run_restore(struct cli *cli, int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-' && is_backup_folder(argv[i]))
            return cli_restore_backup(cli, argc, argv);
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(&cmd_restore, "expected a deleted case's id "
                                             "or a backup folder");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int new_rev = 0;
    int rc = minga_restore_case(m, argv[1], NULL, &new_rev, &err);
    if (!rc)
        printf("restored %s as revision %d\n", argv[1], new_rev);
    return finish(m, rc, err, "restore failed");
}

const struct cli_command cmd_restore = {
    "restore", "bring back a deleted case, or a data folder from a backup",
    "usage: minga restore ID\n"
    "       minga --data DIR restore BACKUP [--json]\n\n"
    "With a case id: brings the deleted case back as it was before its\n"
    "deletion, as a new revision.\n\n"
    "With a backup folder (made by `minga backup`): fills the data folder\n"
    "DIR, which must be missing or empty, from it, then checks it.\n",
    run_restore};

static int run_purge(struct cli *cli, int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-')
        return cli_usage_error(&cmd_purge, "name exactly one case id");
    struct minga *m = cli_open(cli, 0);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int n = 0;
    int rc = minga_purge_case(m, argv[1], &n, &err);
    if (!rc)
        printf("purged %s: %d revision%s and their attachments removed; the "
               "history keeps only the date of this purge\n",
               argv[1], n, n == 1 ? "" : "s");
    return finish(m, rc, err, "purge failed");
}

const struct cli_command cmd_purge = {
    "purge", "remove a case and every revision of it (legal removal)",
    "usage: minga purge ID\n\n"
    "Removes the case, every revision of it and the attachment bytes no\n"
    "other revision uses, for a legal removal. Only the operator can do\n"
    "it (no token can). The history keeps a line saying when it was\n"
    "purged and by whom, without any content. Backups made before keep\n"
    "their copy: purge those too.\n",
    run_purge};

static void print_submission(json_t *s)
{
    json_t *cases = json_object_get(s, "cases");
    printf("%6lld  %-9s %-20s %-24s %s (%zu case%s)\n",
           (long long)json_integer_value(json_object_get(s, "id")),
           str_or(s, "status", "?"), str_or(s, "time", "?"),
           str_or(s, "by", "?"), str_or(s, "source", "?"),
           json_array_size(cases), json_array_size(cases) == 1 ? "" : "s");
    if (json_is_string(json_object_get(s, "reason")))
        printf("        reason: %s\n", str_or(s, "reason", ""));
}

static int review_show(struct minga *m, int64_t id, int is_json, char **err)
{
    json_t *s = NULL;
    int rc = minga_review_show(m, id, &s, err);
    if (rc)
        return rc;
    if (is_json) {
        cli_print_json(s);
        return 0;
    }
    print_submission(s);
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(s, "cases"), i, c)
        printf("        %-8s %s: %s (%s, %s)\n",
               json_is_true(json_object_get(c, "updates_existing")) ? "update"
                                                                    : "new",
               str_or(c, "id", "?"), str_or(c, "title", "?"),
               str_or(c, "city", "?"), str_or(c, "country", "?"));
    json_decref(s);
    return 0;
}

static int run_review(struct cli *cli, int argc, char **argv)
{
    const char *verb = argc >= 2 ? argv[1] : "list";
    const char *reason = NULL, *status = "pending";
    int is_json = 0;
    long id = 0;
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0)
            is_json = 1;
        else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
            reason = argv[++i];
        else if (strcmp(argv[i], "--all") == 0)
            status = NULL;
        else if (strncmp(argv[i], "--status=", 9) == 0)
            status = argv[i] + 9;
        else if (argv[i][0] == '-' || id)
            return cli_usage_error(&cmd_review, "unexpected argument %s",
                                   argv[i]);
        else if ((id = parse_positive(argv[i])) < 1)
            return cli_usage_error(&cmd_review,
                                   "%s: expected a submission "
                                   "number (see `minga review list`)",
                                   argv[i]);
    }
    int is_decision =
        strcmp(verb, "approve") == 0 || strcmp(verb, "reject") == 0;
    int needs_id = is_decision || strcmp(verb, "show") == 0;
    if (needs_id != (id > 0) ||
        (!needs_id && strcmp(verb, "list") && strcmp(verb, "on") &&
         strcmp(verb, "off") && strcmp(verb, "status")))
        return cli_usage_error(&cmd_review,
                               "expected list, show ID, approve "
                               "ID, reject ID [--reason TEXT], on, off or "
                               "status");
    if (reason && strcmp(verb, "reject") != 0)
        return cli_usage_error(&cmd_review, "--reason goes with reject");
    struct minga *m = cli_open(cli, is_decision || !strcmp(verb, "on") ||
                                            !strcmp(verb, "off")
                                        ? 0
                                        : MINGA_OPEN_READONLY);
    if (!m)
        return EXIT_FAIL;
    char *err = NULL;
    int rc = 0;
    if (strcmp(verb, "list") == 0) {
        json_t *list = NULL;
        rc = minga_review_list(m, status, &list, &err);
        if (!rc && is_json) {
            cli_print_json(list);
        } else if (!rc) {
            size_t i;
            json_t *s;
            json_array_foreach(list, i, s) print_submission(s);
            if (!json_array_size(list))
                printf("no %s submissions%s\n", status ? status : "",
                       minga_review_enabled(m)
                           ? ""
                           : " (review is off: `minga review on`)");
            json_decref(list);
        }
    } else if (strcmp(verb, "show") == 0) {
        rc = review_show(m, id, is_json, &err);
    } else if (is_decision) {
        int is_approved = strcmp(verb, "approve") == 0;
        rc = minga_review_decide(m, id, is_approved, reason, NULL, &err);
        if (!rc)
            printf("submission %ld %s\n", id,
                   is_approved ? "approved: its cases are published"
                               : "rejected; the uploader reads the reason");
    } else if (strcmp(verb, "status") == 0) {
        printf("review is %s\n", minga_review_enabled(m) ? "on" : "off");
    } else {
        int is_on = strcmp(verb, "on") == 0;
        rc = minga_review_set(m, is_on, &err);
        if (!rc)
            printf("review is %s: uploads from city tokens %s\n",
                   is_on ? "on" : "off",
                   is_on ? "wait for a curator's approval"
                         : "are published at once");
    }
    return finish(m, rc, err, "review failed");
}

const struct cli_command cmd_review = {
    "review", "review uploads before they are published",
    "usage: minga review list [--all | --status=STATUS] [--json]\n"
    "       minga review show ID [--json]\n"
    "       minga review approve ID\n"
    "       minga review reject ID [--reason TEXT]\n"
    "       minga review on | off | status\n\n"
    "With review on (or `minga serve --review`), an upload from a city\n"
    "token is validated and kept as a submission, but not searchable,\n"
    "exportable or shown until a curator approves it. Approving publishes\n"
    "its cases as revisions by the uploader; rejecting keeps them out,\n"
    "and the uploader reads the reason at GET /api/imports/ID. Uploads\n"
    "from curator tokens and imports at the machine are never held.\n",
    run_review};
