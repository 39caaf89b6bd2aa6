/* The case to suggest for: from a JSON object (the API's body, a JSON
 * file), or from any file the importers read (minga suggest FILE). */
#include "suggest.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "case.h"
#include "minga.h"
#include "refdata.h"
#include "textfold.h"

/* A text field: absent or null is fine, anything but a string is not. */
static int read_text(json_t *obj, const char *name, const char **slot,
                     const char **bad_field, char **errmsg)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return MINGA_OK;
    if (!json_is_string(v)) {
        *bad_field = name;
        asprintf(errmsg, "%s: expected a string", name);
        return MINGA_EINVAL;
    }
    return case_set(slot, json_string_value(v)) ? MINGA_ENOMEM : MINGA_OK;
}

static int read_strings(json_t *obj, const char *name,
                        const char *const **items, size_t *n,
                        const char **bad_field, char **errmsg)
{
    json_t *v = json_object_get(obj, name);
    if (!v || json_is_null(v))
        return MINGA_OK;
    size_t i;
    json_t *item;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item))
                break;
            if (case_strv_push(items, n, json_string_value(item)))
                return MINGA_ENOMEM;
        }
        if (i == json_array_size(v))
            return MINGA_OK;
    }
    *bad_field = name;
    asprintf(errmsg, "%s: expected an array of strings", name);
    return MINGA_EINVAL;
}

static int read_goals(json_t *obj, struct minga_case *c,
                      const char **bad_field, char **errmsg)
{
    json_t *v = json_object_get(obj, "sdg_goals");
    if (!v || json_is_null(v))
        return MINGA_OK;
    size_t i;
    json_t *item;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            json_int_t g = json_integer_value(item);
            if (!json_is_integer(item) || g < 1 || g > REFDATA_N_GOALS)
                break;
            c->goal_mask |= 1u << g;
        }
        if (i == json_array_size(v))
            return MINGA_OK;
    }
    *bad_field = "sdg_goals";
    asprintf(errmsg, "sdg_goals: expected an array of goals (1-17)");
    return MINGA_EINVAL;
}

int suggest_case_from_json(json_t *obj, struct minga_case **out,
                           const char **bad_field, char **errmsg)
{
    *bad_field = NULL;
    if (!json_is_object(obj)) {
        *errmsg = strdup("expected a case: a JSON object");
        return MINGA_EINVAL;
    }
    struct minga_case *c = case_new();
    if (!c)
        return MINGA_ENOMEM;
    int rc = read_text(obj, "id", &c->id, bad_field, errmsg);
    if (!rc)
        rc = read_text(obj, "title", &c->title, bad_field, errmsg);
    if (!rc)
        rc = read_text(obj, "summary", &c->summary, bad_field, errmsg);
    if (!rc)
        rc = read_text(obj, "body", &c->body, bad_field, errmsg);
    if (!rc)
        rc = read_text(obj, "language", &c->language, bad_field, errmsg);
    if (!rc)
        rc =
            read_strings(obj, "tags", &c->tags, &c->n_tags, bad_field, errmsg);
    if (!rc)
        rc = read_strings(obj, "sdg_targets", &c->targets, &c->n_targets,
                          bad_field, errmsg);
    if (!rc)
        rc = read_goals(obj, c, bad_field, errmsg);
    for (size_t i = 0; !rc && i < c->n_targets; i++) {
        int goal;
        if (refdata_is_target(c->targets[i], &goal))
            c->goal_mask |= 1u << goal;
    }
    int has_text = (c->title && *c->title) || (c->summary && *c->summary) ||
                   (c->body && *c->body);
    if (!rc && !has_text) {
        *bad_field = "title";
        *errmsg = strdup("the case has no text: give a title, a summary or "
                         "a body");
        rc = MINGA_EINVAL;
    }
    if (rc) {
        case_free(c);
        return rc;
    }
    *out = c;
    return MINGA_OK;
}

/* -- from a file ------------------------------------------------------- */

static int has_suffix(const char *path, const char *suffix)
{
    size_t n = strlen(path), k = strlen(suffix);
    return n >= k && strcasecmp(path + n - k, suffix) == 0;
}

static int push_case(struct minga_case ***cases, size_t *n,
                     struct minga_case *c)
{
    struct minga_case **grown = realloc(*cases, (*n + 1) * sizeof *grown);
    if (!grown) {
        case_free(c);
        return MINGA_ENOMEM;
    }
    *cases = grown;
    (*cases)[(*n)++] = c;
    return MINGA_OK;
}

static void free_cases(struct minga_case **cases, size_t n)
{
    for (size_t i = 0; i < n; i++)
        case_free(cases[i]);
    free(cases);
}

/* One case object, an array of them, or {"cases": [...]}: the shapes of
 * a .json case file (docs/case-format.md). */
static int read_json_file(const char *path, struct minga_case ***cases,
                          size_t *n, struct diag_list *diags)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        diag_add(diags, DIAG_ERROR, path, jerr.line, jerr.column, NULL, "%s",
                 jerr.text);
        return MINGA_EINVAL;
    }
    json_t *list = json_is_array(root) ? root
                   : json_is_array(json_object_get(root, "cases"))
                       ? json_object_get(root, "cases")
                       : NULL;
    size_t n_items = list ? json_array_size(list) : 1;
    int rc = MINGA_OK;
    for (size_t i = 0; i < n_items && rc != MINGA_ENOMEM; i++) {
        json_t *obj = list ? json_array_get(list, i) : root;
        struct minga_case *c = NULL;
        const char *field = NULL;
        char *err = NULL;
        int one = suggest_case_from_json(obj, &c, &field, &err);
        if (one == MINGA_OK) {
            rc = push_case(cases, n, c);
        } else {
            char where[32];
            snprintf(where, sizeof where, "cases[%zu]", i);
            diag_add(diags, DIAG_ERROR, path, 0, 0, list ? where : field, "%s",
                     err ? err : "out of memory");
            rc = one;
        }
        free(err);
    }
    json_decref(root);
    if (!rc && *n == 0) {
        diag_add(diags, DIAG_ERROR, path, 0, 0, NULL, "no case in this file");
        rc = MINGA_EINVAL;
    }
    return rc;
}

static int remove_entry(const char *path, const struct stat *st, int flag,
                        struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* Any other format: the importers read it into a throwaway data folder
 * (so every format, archives with their reports included, is read by
 * the same code as `minga import`), and the cases are read back. */
static int read_through_import(const char *path, struct minga_case ***cases,
                               size_t *n, struct diag_list *diags)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = NULL;
    if (asprintf(&dir, "%s/minga-suggest-XXXXXX", tmp && *tmp ? tmp : "/tmp") <
        0)
        return MINGA_ENOMEM;
    if (!mkdtemp(dir)) {
        diag_add(diags, DIAG_ERROR, dir, 0, 0, NULL,
                 "cannot make a temporary folder");
        free(dir);
        return MINGA_EIO;
    }
    struct minga *m = NULL;
    char *err = NULL;
    int rc = minga_open(&m, dir, MINGA_OPEN_CREATE, &err);
    if (rc) {
        diag_add(diags, DIAG_ERROR, dir, 0, 0, NULL, "%s",
                 err ? err : "cannot open a temporary data folder");
    } else {
        struct minga_import_options opt;
        struct minga_import_report rep;
        minga_import_options_init(&opt);
        minga_import_report_init(&rep);
        opt.by = "cli";
        rc = minga_import_paths(m, &path, 1, &opt, &rep);
        for (size_t i = 0; i < rep.diags.n_items; i++) {
            const struct diag *d = &rep.diags.items[i];
            diag_add(diags, d->severity, d->file, d->line, d->column, d->field,
                     "%s", d->message);
        }
        minga_import_report_release(&rep);
        char **ids = NULL;
        size_t n_ids = 0;
        struct minga_query q;
        query_init(&q);
        q.limit = 0;
        if (!rc)
            rc = minga_match_ids(m, &q, &ids, &n_ids, &err);
        query_release(&q);
        for (size_t i = 0; !rc && i < n_ids; i++) {
            struct minga_case *c = NULL;
            rc = minga_get_case(m, ids[i], &c, &err);
            if (!rc)
                rc = push_case(cases, n, c);
        }
        if (ids)
            mindex_ids_free(ids, n_ids);
        if (rc && err)
            diag_add(diags, DIAG_ERROR, path, 0, 0, NULL, "%s", err);
        minga_close(m);
    }
    free(err);
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
    return rc;
}

int minga_suggest_read_file(const char *path, struct minga_case ***cases,
                            size_t *n, struct diag_list *diags)
{
    struct minga_case **list = NULL;
    size_t n_list = 0;
    int rc = has_suffix(path, ".json")
                 ? read_json_file(path, &list, &n_list, diags)
                 : read_through_import(path, &list, &n_list, diags);
    if (!rc && n_list == 0) {
        diag_add(diags, DIAG_ERROR, path, 0, 0, NULL, "no case in this file");
        rc = MINGA_EINVAL;
    }
    if (rc) {
        free_cases(list, n_list);
        return rc;
    }
    *cases = list;
    *n = n_list;
    return MINGA_OK;
}
