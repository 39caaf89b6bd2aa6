/* The rules of the case format v1 (docs/case-format.md), applied when an
 * importer ends a case. */
#include "case_builder_internal.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "case.h"
#include "refdata.h"
#include "textfold.h"

static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

/* Trims white space in place; returns s. */
static char *trim(char *s)
{
    char *start = s;
    while (isspace((unsigned char)*start))
        start++;
    size_t n = strlen(start);
    while (n && isspace((unsigned char)start[n - 1]))
        n--;
    memmove(s, start, n);
    s[n] = '\0';
    return s;
}

static int is_valid_id(const char *id)
{
    size_t n = strlen(id);
    if (n < 1 || n > MAX_ID_CHARS)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              *p == '-'))
            return 0;
    return 1;
}

static int is_valid_url(const char *url)
{
    const char *rest;
    if (strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncasecmp(url, "http://", 7) == 0)
        rest = url + 7;
    else
        return 0;
    if (!*rest || *rest == '/' || *rest == '?' || *rest == '#')
        return 0;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= ' ' || *p == 0x7f || *p == '"' || *p == '<' || *p == '>' ||
            *p == '\\')
            return 0;
    return 1;
}

/* An SPDX license expression: ids of [A-Za-z0-9.-] (optionally "+"),
 * joined by AND, OR, WITH, with parentheses. */
static int is_valid_spdx(const char *s)
{
    int expect_id = 1, depth = 0, n_ids = 0;
    const char *p = s;
    while (*p) {
        if (*p == ' ') {
            p++;
            continue;
        }
        if (*p == '(') {
            if (!expect_id)
                return 0;
            depth++;
            p++;
            continue;
        }
        if (*p == ')') {
            if (expect_id || --depth < 0)
                return 0;
            p++;
            continue;
        }
        const char *start = p;
        while (*p && (isalnum((unsigned char)*p) || *p == '.' || *p == '-' ||
                      *p == '+' || *p == ':'))
            p++;
        size_t n = (size_t)(p - start);
        if (n == 0)
            return 0;
        int is_op = (n == 3 && strncmp(start, "AND", 3) == 0) ||
                    (n == 2 && strncmp(start, "OR", 2) == 0) ||
                    (n == 4 && strncmp(start, "WITH", 4) == 0);
        if (is_op == expect_id)
            return 0;
        if (!is_op)
            n_ids++;
        expect_id = is_op;
    }
    return n_ids > 0 && !expect_id && depth == 0;
}

const char *case_check_attachment_path(const char *path)
{
    static const char *const allowed[] = {".pdf", ".docx", ".odt", ".html",
                                          ".htm", ".txt",  ".md",  NULL};
    if (!*path)
        return "empty path";
    if (path[0] == '/' || path[0] == '\\')
        return "absolute paths are not allowed; give a path relative to "
               "the case file";
    if (strchr(path, '\\'))
        return "use '/' to separate folders";
    const char *p = path;
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0)
            return "empty folder name in path";
        if (n == 2 && strncmp(p, "..", 2) == 0)
            return "a \"..\" component is not allowed";
        p += n + (slash ? 1 : 0);
    }
    const char *dot = strrchr(path, '.');
    for (int i = 0; dot && allowed[i]; i++)
        if (strcasecmp(dot, allowed[i]) == 0)
            return NULL;
    return "not an attachment type minga reads (PDF, DOCX, ODT, HTML, TXT, "
           "MD)";
}

/* Takes a required or optional string field; NULL when absent or bad. */
static char *take_string(struct case_builder *b, int id, size_t max_chars,
                         int is_trimmed)
{
    struct field *f = &b->fields[id];
    const char *name = field_specs[id].name;
    if (!f->is_present) {
        if (field_specs[id].is_required)
            builder_fail(b, 0, 0, name, "missing (required)");
        return NULL;
    }
    if (f->is_bad || !f->str)
        return NULL;
    char *s = f->str;
    if (is_trimmed)
        trim(s);
    size_t n = utf8_chars(s);
    if (n == 0) {
        if (field_specs[id].is_required)
            builder_fail(b, f->line, f->column, name, "is empty (required)");
        return NULL;
    }
    if (max_chars && n > max_chars) {
        builder_fail(b, f->line, f->column, name,
                     "is %zu characters long; at most %zu allowed", n,
                     max_chars);
        return NULL;
    }
    f->str = NULL;
    return s;
}

static void check_years(struct case_builder *b, struct minga_case *c)
{
    struct field *fs = &b->fields[FI_YEAR_START],
                 *fe = &b->fields[FI_YEAR_END];
    if (fs->is_bad || fe->is_bad)
        return;
    if (!fs->is_present) {
        builder_fail(b, 0, 0, "year_start", "missing (required)");
    } else if (fs->integer < 1900 || fs->integer > 2100) {
        builder_fail(b, fs->line, fs->column, "year_start",
                     "%lld is out of range (1900-2100)", fs->integer);
    } else {
        c->year_start = (int)fs->integer;
    }
    if (!fe->is_present)
        return;
    if (fe->integer < 1900 || fe->integer > 2100)
        builder_fail(b, fe->line, fe->column, "year_end",
                     "%lld is out of range (1900-2100)", fe->integer);
    else if (c->year_start && fe->integer < c->year_start)
        builder_fail(b, fe->line, fe->column, "year_end",
                     "%lld is before year_start %d", fe->integer,
                     c->year_start);
    else
        c->year_end = (int)fe->integer;
}

static void check_goals_and_targets(struct case_builder *b,
                                    struct minga_case *c)
{
    struct field *fg = &b->fields[FI_SDG_GOALS];
    char label[64];
    if (!fg->is_bad && (!fg->is_present || fg->n_items == 0))
        builder_fail(b, fg->line, fg->column, "sdg_goals",
                     fg->is_present ? "is empty; name at least one goal (1-17)"
                                    : "missing (required)");
    for (size_t i = 0; i < fg->n_items; i++) {
        long long g = fg->items[i].integer;
        snprintf(label, sizeof label, "sdg_goals[%zu]", i);
        if (g < 1 || g > 17)
            builder_fail(b, fg->items[i].line, fg->items[i].column, label,
                         "%lld is not an SDG goal (1-17)", g);
        else if (c->goal_mask & (1u << g))
            builder_fail(b, fg->items[i].line, fg->items[i].column, label,
                         "goal %lld is listed twice", g);
        else
            c->goal_mask |= 1u << g;
    }
    struct field *ft = &b->fields[FI_SDG_TARGETS];
    char **ids = calloc(ft->n_items + 1, sizeof *ids);
    size_t n_ids = 0;
    for (size_t i = 0; ids && i < ft->n_items; i++) {
        char *t = trim(ft->items[i].str);
        int goal = 0;
        snprintf(label, sizeof label, "sdg_targets[%zu]", i);
        if (!refdata_is_target(t, &goal)) {
            builder_fail(
                b, ft->items[i].line, ft->items[i].column, label,
                "\"%s\" is not an official SDG target id (such as 11.3 or "
                "6.a)",
                t);
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < n_ids; j++)
            is_dup |= strcmp(ids[j], t) == 0;
        if (is_dup)
            continue;
        ids[n_ids++] = t;
        c->goal_mask |= 1u << goal; /* a target's goal is implied */
    }
    /* canonical order: by goal, then number */
    for (size_t i = 1; i < n_ids; i++)
        for (size_t j = i; j > 0 && refdata_target_cmp(ids[j - 1], ids[j]) > 0;
             j--) {
            char *tmp = ids[j];
            ids[j] = ids[j - 1];
            ids[j - 1] = tmp;
        }
    for (size_t i = 0; i < n_ids; i++)
        case_strv_push(&c->targets, &c->n_targets, ids[i]);
    free(ids);
}

static uint32_t check_mask(struct case_builder *b, int id,
                           uint32_t (*bit_of)(const char *),
                           const char *allowed)
{
    struct field *f = &b->fields[id];
    const char *name = field_specs[id].name;
    char label[64];
    uint32_t mask = 0;
    if (field_specs[id].is_required && !f->is_bad &&
        (!f->is_present || f->n_items == 0))
        builder_fail(b, f->line, f->column, name,
                     f->is_present ? "is empty; expected at least one of %s"
                                   : "missing (required; one or more of %s)",
                     allowed);
    for (size_t i = 0; i < f->n_items; i++) {
        char *v = trim(f->items[i].str);
        uint32_t bit = bit_of(v);
        snprintf(label, sizeof label, "%s[%zu]", name, i);
        if (!bit)
            builder_fail(b, f->items[i].line, f->items[i].column, label,
                         "\"%s\" is not one of %s", v, allowed);
        mask |= bit;
    }
    return mask;
}

static void check_language_country(struct case_builder *b,
                                   struct minga_case *c)
{
    struct field *fl = &b->fields[FI_LANGUAGE], *fc = &b->fields[FI_COUNTRY];
    char *lang = take_string(b, FI_LANGUAGE, 0, 1);
    if (lang && !refdata_is_language(lang)) {
        char lower[8] = "";
        for (size_t i = 0; lang[i] && i < sizeof lower - 1; i++)
            lower[i] = (char)tolower((unsigned char)lang[i]);
        if (strcmp(lower, lang) != 0 && refdata_is_language(lower))
            builder_fail(b, fl->line, fl->column, "language",
                         "\"%s\" must be lower case (\"%s\")", lang, lower);
        else
            builder_fail(
                b, fl->line, fl->column, "language",
                "\"%s\" is not an ISO 639-1 code of a language with a "
                "stemmer (es, pt, en, fr, it, de, nl, ca ...)",
                lang);
        free(lang);
        lang = NULL;
    }
    c->language = lang;
    char *country = take_string(b, FI_COUNTRY, 0, 1);
    if (country && !refdata_is_country(country)) {
        char upper[3] = "";
        if (strlen(country) == 2) {
            upper[0] = (char)toupper((unsigned char)country[0]);
            upper[1] = (char)toupper((unsigned char)country[1]);
        }
        if (upper[0] && refdata_is_country(upper))
            builder_fail(b, fc->line, fc->column, "country",
                         "\"%s\" must be upper case (\"%s\")", country, upper);
        else
            builder_fail(
                b, fc->line, fc->column, "country",
                "\"%s\" is not an ISO 3166-1 alpha-2 country code (BR, CL, "
                "UY ...)",
                country);
        free(country);
        country = NULL;
    }
    c->country = country;
}

static void check_optional_strings(struct case_builder *b,
                                   struct minga_case *c)
{
    struct field *f;
    c->region = take_string(b, FI_REGION, 300, 1);
    char *url = take_string(b, FI_SOURCE_URL, 2000, 1);
    f = &b->fields[FI_SOURCE_URL];
    if (url && !is_valid_url(url)) {
        builder_fail(b, f->line, f->column, "source_url",
                     "\"%s\" is not an absolute http or https URL", url);
        free(url);
        url = NULL;
    }
    c->source_url = url;
    char *license = take_string(b, FI_LICENSE, 200, 1);
    f = &b->fields[FI_LICENSE];
    if (license && !is_valid_spdx(license)) {
        builder_fail(
            b, f->line, f->column, "license",
            "\"%s\" is not an SPDX license identifier (such as CC-BY-4.0)",
            license);
        free(license);
        license = NULL;
    }
    c->license = license;
    f = &b->fields[FI_BODY];
    if (f->is_bad || !f->str) {
        /* reported, or absent */
    } else if (strlen(f->str) > MAX_BODY_BYTES) {
        builder_fail(b, f->line, f->column, "body",
                     "is %zu bytes; at most 1 MiB", strlen(f->str));
    } else if (f->str[strspn(f->str, " \t\r\n")]) {
        c->body = f->str;
        f->str = NULL;
    }
}

static void check_tags(struct case_builder *b, struct minga_case *c)
{
    struct field *f = &b->fields[FI_TAGS];
    for (size_t i = 0; i < f->n_items; i++) {
        char *tag = trim(f->items[i].str);
        char label[64];
        snprintf(label, sizeof label, "tags[%zu]", i);
        if (!*tag)
            continue;
        if (utf8_chars(tag) > 100) {
            builder_fail(b, f->items[i].line, f->items[i].column, label,
                         "is longer than 100 characters");
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < c->n_tags; j++)
            is_dup |= strcmp(c->tags[j], tag) == 0;
        if (!is_dup)
            case_strv_push(&c->tags, &c->n_tags, tag);
    }
}

static void check_attachments(struct case_builder *b, struct minga_case *c,
                              struct built_case *out)
{
    struct field *f = &b->fields[FI_ATTACHMENTS];
    out->attachment_lines = calloc(f->n_items + 1, sizeof(int));
    for (size_t i = 0; i < f->n_items; i++) {
        char *path = trim(f->items[i].str);
        char label[64];
        snprintf(label, sizeof label, "attachments[%zu]", i);
        const char *problem = case_check_attachment_path(path);
        if (problem) {
            builder_fail(b, f->items[i].line, f->items[i].column, label,
                         "\"%s\": %s", path, problem);
            continue;
        }
        int is_dup = 0;
        for (size_t j = 0; j < c->n_attachments; j++)
            is_dup |= strcmp(c->attachments[j].path, path) == 0;
        if (is_dup)
            continue;
        if (out->attachment_lines)
            out->attachment_lines[c->n_attachments] =
                f->items[i].line ? f->items[i].line : f->line;
        case_add_attachment(c, path, NULL, NULL, 0, NULL);
    }
}

static void check_id(struct case_builder *b, struct minga_case *c)
{
    struct field *f = &b->fields[FI_ID];
    if (f->is_bad)
        return;
    if (f->is_present) {
        char *id = trim(f->str);
        if (!is_valid_id(id)) {
            builder_fail(
                b, f->line, f->column, "id",
                "\"%s\" is not a valid id (1-100 characters of a-z, 0-9 "
                "and '-')",
                id);
            return;
        }
        c->id = id;
        f->str = NULL;
        return;
    }
    if (!c->city || !c->title)
        return; /* already reported */
    char *both = NULL;
    if (asprintf(&both, "%s %s", c->city, c->title) < 0)
        return;
    char *slug = text_slug(both, MAX_ID_CHARS);
    free(both);
    if (!slug || !*slug) {
        builder_fail(b, 0, 0, "id",
                     "cannot derive an id from city and title; "
                     "give one");
        free(slug);
        return;
    }
    c->id = slug;
}

int case_builder_end(struct case_builder *b, struct built_case *out)
{
    memset(out, 0, sizeof *out);
    if (!b->is_open)
        return MINGA_EINVAL;
    b->is_open = 0;
    /* errors reported while fields came in count too */
    size_t errors_before = b->errors_at_begin;
    struct minga_case *c = case_new();
    if (!c)
        return MINGA_ENOMEM;
    c->title = take_string(b, FI_TITLE, MAX_TITLE_CHARS, 1);
    c->summary = take_string(b, FI_SUMMARY, MAX_SUMMARY_CHARS, 1);
    c->city = take_string(b, FI_CITY, 300, 1);
    check_language_country(b, c);
    check_years(b, c);
    check_goals_and_targets(b, c);
    c->level_mask = check_mask(b, FI_LEVELS, refdata_level_bit,
                               "local, regional, national, multilateral");
    c->actor_mask = check_mask(b, FI_ACTORS, refdata_actor_bit,
                               "public_sector, civil_society, "
                               "private_sector, academia, community, "
                               "international_organization");
    check_tags(b, c);
    check_optional_strings(b, c);
    check_attachments(b, c, out);
    check_id(b, c);
    out->c = c;
    out->line = b->line;
    out->extra = b->extra;
    b->extra = NULL;
    builder_reset(b);
    if (b->dl->n_errors != errors_before) {
        built_case_release(out);
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}
