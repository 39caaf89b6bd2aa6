/*
 * A program on libminga, the public C API (docs/library.md): imports a
 * case file into a data folder and searches it.
 *
 *   cc search_catalog.c $(pkg-config --cflags --libs minga) -o search_catalog
 *   ./search_catalog DATA_FOLDER CASE_FILE QUERY...
 *   ./search_catalog DATA_FOLDER --show CASE_ID
 *
 * Prints the search's JSON (the shape of GET /api/search), or the case
 * as JSON, on standard output; an error goes to standard error and the
 * exit status is 1.
 */
#include <stdio.h>
#include <string.h>

#include <minga/minga.h>

static int fail(const char *what, int rc, char *errmsg)
{
    fprintf(stderr, "search_catalog: %s: %s\n", what,
            errmsg ? errmsg : minga_strerror(rc));
    minga_free(errmsg);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: search_catalog DATA_FOLDER CASE_FILE "
                        "QUERY...\n"
                        "       search_catalog DATA_FOLDER --show ID\n");
        return 2;
    }
    struct minga *m = NULL;
    char *errmsg = NULL;
    int rc = minga_open(&m, argv[1], MINGA_OPEN_CREATE, &errmsg);
    if (rc)
        return fail(argv[1], rc, errmsg);

    if (strcmp(argv[2], "--show") == 0) {
        char *case_json = NULL;
        rc = minga_case_get_json(m, argv[3], &case_json, &errmsg);
        minga_close(m);
        if (rc)
            return fail(argv[3], rc, errmsg);
        printf("%s\n", case_json);
        minga_free(case_json);
        return 0;
    }

    /* one file, one transaction: any error imports nothing */
    const char *paths[] = {argv[2]};
    char *report = NULL;
    rc = minga_import_files(m, paths, 1, 0, &report, &errmsg);
    if (rc) {
        if (report)
            fprintf(stderr, "%s\n", report);
        minga_free(report);
        minga_close(m);
        return fail(argv[2], rc, errmsg);
    }
    minga_free(report);

    /* the words after the file, joined: the search box's language */
    char query[1024] = "";
    for (int i = 3; i < argc; i++) {
        if (i > 3)
            strncat(query, " ", sizeof query - strlen(query) - 1);
        strncat(query, argv[i], sizeof query - strlen(query) - 1);
    }
    char *json = NULL;
    rc = minga_search_json(m, query, 0, 10, &json, NULL, &errmsg);
    if (rc) {
        minga_close(m);
        return fail(query, rc, errmsg);
    }
    printf("%s\n", json);

    minga_free(json);
    minga_close(m);
    return 0;
}
