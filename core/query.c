#include "query.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "minga/plugin.h"
#include "refdata.h"

void query_init(struct minga_query *q)
{
    memset(q, 0, sizeof *q);
    q->text = strdup("");
    q->limit = QUERY_DEFAULT_LIMIT;
}

static void strv_release(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

void query_release(struct minga_query *q)
{
    free(q->text);
    strv_release(q->countries, q->n_countries);
    strv_release(q->languages, q->n_languages);
    strv_release(q->targets, q->n_targets);
    memset(q, 0, sizeof *q);
}

static int fail(char **errmsg, const char *fmt, const char *name,
                const char *value)
{
    if (errmsg && asprintf(errmsg, fmt, name, value) < 0)
        *errmsg = NULL;
    return -1;
}

static int push_unique(char ***items, size_t *n, const char *value)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*items)[i], value) == 0)
            return 0;
    char **grown = realloc(*items, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    *items = grown;
    if (!(grown[*n] = strdup(value)))
        return -1;
    (*n)++;
    return 0;
}

static int parse_year(const char *s, int *out)
{
    char *end;
    long y = strtol(s, &end, 10);
    if (end == s || *end || y < 1900 || y > 2100)
        return -1;
    *out = (int)y;
    return 0;
}

/* Adds one value (no commas) of a filter. */
static int add_one(struct minga_query *q, const char *name, const char *value,
                   char **errmsg)
{
    if (strcmp(name, "sdg") == 0 || strcmp(name, "goal") == 0) {
        char *end;
        long g = strtol(value, &end, 10);
        if (end == value || *end || g < 1 || g > 17)
            return fail(errmsg, "%s: \"%s\" is not an SDG goal (1-17)", name,
                        value);
        q->goal_mask |= 1u << g;
        return 0;
    }
    if (strcmp(name, "target") == 0) {
        if (!refdata_is_target(value, NULL))
            return fail(errmsg,
                        "%s: \"%s\" is not an official SDG target "
                        "id (such as 11.3 or 6.a)",
                        name, value);
        return push_unique(&q->targets, &q->n_targets, value);
    }
    if (strcmp(name, "level") == 0) {
        uint32_t bit = refdata_level_bit(value);
        if (!bit)
            return fail(errmsg,
                        "%s: \"%s\" is not one of local, regional, "
                        "national, multilateral",
                        name, value);
        q->level_mask |= bit;
        return 0;
    }
    if (strcmp(name, "actor") == 0) {
        uint32_t bit = refdata_actor_bit(value);
        if (!bit)
            return fail(errmsg,
                        "%s: \"%s\" is not one of public_sector, "
                        "civil_society, private_sector, academia, community, "
                        "international_organization",
                        name, value);
        q->actor_mask |= bit;
        return 0;
    }
    if (strcmp(name, "country") == 0) {
        char code[3] = {0};
        if (strlen(value) == 2) {
            code[0] = (char)toupper((unsigned char)value[0]);
            code[1] = (char)toupper((unsigned char)value[1]);
        }
        if (!code[0] || !refdata_is_country(code))
            return fail(errmsg,
                        "%s: \"%s\" is not an ISO 3166-1 alpha-2 "
                        "country code (BR, CL, UY ...)",
                        name, value);
        return push_unique(&q->countries, &q->n_countries, code);
    }
    if (strcmp(name, "lang") == 0 || strcmp(name, "language") == 0) {
        char code[4] = {0};
        for (size_t i = 0; i < 3 && value[i]; i++)
            code[i] = (char)tolower((unsigned char)value[i]);
        if (strlen(value) > 3 || !refdata_is_language(code))
            return fail(errmsg,
                        "%s: \"%s\" is not a language code minga "
                        "knows (es, pt, en ...)",
                        name, value);
        return push_unique(&q->languages, &q->n_languages, code);
    }
    if (strcmp(name, "year") == 0) {
        const char *dots = strstr(value, "..");
        char from[16] = "", to[16] = "";
        if (dots) {
            size_t n = (size_t)(dots - value);
            if (n >= sizeof from || strlen(dots + 2) >= sizeof to)
                return fail(errmsg, "%s: \"%s\" is not a year or FROM..TO",
                            name, value);
            memcpy(from, value, n);
            strcpy(to, dots + 2);
        } else if (strlen(value) < sizeof from) {
            strcpy(from, value);
            strcpy(to, value);
        }
        int y_from = 0, y_to = 0;
        if ((*from && parse_year(from, &y_from)) ||
            (*to && parse_year(to, &y_to)) || (!*from && !*to) ||
            (y_from && y_to && y_from > y_to))
            return fail(errmsg,
                        "%s: \"%s\" is not a year or a range "
                        "FROM..TO of years 1900-2100",
                        name, value);
        q->year_from = y_from;
        q->year_to = y_to;
        return 0;
    }
    if (strcmp(name, "year_from") == 0 || strcmp(name, "year_to") == 0) {
        int y;
        if (parse_year(value, &y))
            return fail(errmsg, "%s: \"%s\" is not a year (1900-2100)", name,
                        value);
        if (name[5] == 'f')
            q->year_from = y;
        else
            q->year_to = y;
        if (q->year_from && q->year_to && q->year_from > q->year_to)
            return fail(errmsg, "%s: \"%s\" makes an empty year range", name,
                        value);
        return 0;
    }
    return fail(errmsg,
                "%s: unknown filter (\"%s\"); known: sdg, target, "
                "level, actor, country, lang, year, year_from, year_to",
                name, value);
}

int query_add_filter(struct minga_query *q, const char *name,
                     const char *value, char **errmsg)
{
    if (refdata_load(errmsg)) /* countries and targets; once a process */
        return -1;
    if (!value || !*value)
        return fail(errmsg, "%s: empty value%s", name, "");
    /* "2,11" means 2 OR 11, as repeating the filter does */
    char *copy = strdup(value), *save = NULL;
    int rc = 0, n_parts = 0;
    if (!copy)
        return -1;
    for (char *part = strtok_r(copy, ",", &save); part && !rc;
         part = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*part))
            part++;
        size_t len = strlen(part);
        while (len && isspace((unsigned char)part[len - 1]))
            part[--len] = '\0';
        if (!*part)
            continue;
        rc = add_one(q, name, part, errmsg);
        n_parts++;
    }
    free(copy);
    if (!rc && n_parts == 0)
        return fail(errmsg, "%s: empty value%s", name, "");
    return rc;
}

static int parse_inline_filters(struct minga_query *q, const char *input,
                                char **errmsg);

int query_is_filter(const char *name, size_t len)
{
    static const char *const names[] = {
        "sdg",  "goal",     "target", "level",     "actor",   "country",
        "lang", "language", "year",   "year_from", "year_to", NULL};
    for (int i = 0; names[i]; i++)
        if (strlen(names[i]) == len && strncmp(names[i], name, len) == 0)
            return 1;
    return 0;
}

static int append_text(struct minga_query *q, const char *s, size_t len)
{
    size_t have = strlen(q->text);
    char *grown = realloc(q->text, have + len + 2);
    if (!grown)
        return -1;
    if (have)
        grown[have++] = ' ';
    memcpy(grown + have, s, len);
    grown[have + len] = '\0';
    q->text = grown;
    return 0;
}

/* Words that say "goal" (before a number 1-17: "ODS 6", "objetivo 6",
 * "SDG 11") and "target" (before a target id: "meta 11.2", "target
 * 6.1"); "ODS 11.2" names a target too. */
static const char *const GOAL_WORDS[] = {"sdg",  "ods", "objetivo",
                                         "goal", "odm", NULL};
static const char *const TARGET_WORDS[] = {"meta", "target", NULL};

static int is_word_in(const char *word, size_t len, const char *const *list)
{
    for (int i = 0; list[i]; i++)
        if (strlen(list[i]) == len && strncasecmp(list[i], word, len) == 0)
            return 1;
    return 0;
}

/* A goal number (1-17) or a target id in s[0..len), trailing
 * punctuation aside: copies it to out and returns 1 for a goal, 2 for a
 * target, 0 for neither. */
static int read_sdg_number(const char *s, size_t len, char out[8])
{
    while (len && strchr(",.;:?!)", s[len - 1]))
        len--;
    if (len == 0 || len >= 8 || !isdigit((unsigned char)s[0]))
        return 0;
    memcpy(out, s, len);
    out[len] = '\0';
    for (size_t i = 0; i < len; i++)
        out[i] = (char)tolower((unsigned char)out[i]);
    if (strspn(out, "0123456789") == len) {
        long g = strtol(out, NULL, 10);
        return g >= 1 && g <= 17 ? 1 : 0;
    }
    /* the targets are reference data, loaded once a process */
    return refdata_load(NULL) == 0 && refdata_is_target(out, NULL) ? 2 : 0;
}

/* Reads goal and target phrases in q->text as filters, as people type
 * them ("ODS 6", "SDG6", "ods-11", "meta 11.2", "target 11.2", "objetivo
 * 6"), and takes them out of the text; quoted phrases are left alone. A
 * number that is no goal or target ("meta 2030") stays text. Run on the
 * whole text after each piece is appended, so a phrase split across
 * command-line arguments ("ODS" "6") is read too. */
static int read_sdg_phrases(struct minga_query *q, char **errmsg)
{
    const char *t = q->text;
    size_t n = strlen(t);
    /* words are joined by one space, also where a closing quote touched
     * the next word ("a"b), so the text may grow: at most one separator
     * per input byte */
    char *out = malloc(2 * n + 1);
    if (!out)
        return -1;
    size_t out_len = 0;
    const char *p = t;
    while (*p) {
        while (*p && isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *word = p;
        if (*p == '"') {
            p++;
            while (*p && *p != '"')
                p++;
            if (*p)
                p++;
        } else {
            while (*p && !isspace((unsigned char)*p))
                p++;
        }
        size_t len = (size_t)(p - word);
        char number[8];
        int kind = 0, is_goal_word = 0;
        const char *after = p;
        /* "SDG6", "ODS-6", "ods_11" */
        for (int i = 0; GOAL_WORDS[i] && !kind; i++) {
            size_t k = strlen(GOAL_WORDS[i]);
            if (k > 3 || len <= k || strncasecmp(word, GOAL_WORDS[i], k))
                continue;
            size_t skip = k + (word[k] == '-' || word[k] == '_');
            kind = read_sdg_number(word + skip, len - skip, number);
        }
        /* "ODS 6", "meta 11.2" */
        if (!kind && ((is_goal_word = is_word_in(word, len, GOAL_WORDS)) ||
                      is_word_in(word, len, TARGET_WORDS))) {
            const char *next = p;
            while (*next && isspace((unsigned char)*next))
                next++;
            const char *end = next;
            while (*end && !isspace((unsigned char)*end))
                end++;
            kind = read_sdg_number(next, (size_t)(end - next), number);
            if (kind == 1 && !is_goal_word)
                kind = 0; /* "meta 11": a number, not a target */
            if (kind)
                after = end;
        }
        if (kind) {
            if (query_add_filter(q, kind == 1 ? "sdg" : "target", number,
                                 errmsg)) {
                free(out);
                return -1;
            }
            p = after;
            continue;
        }
        if (out_len)
            out[out_len++] = ' ';
        memcpy(out + out_len, word, len);
        out_len += len;
    }
    out[out_len] = '\0';
    free(q->text);
    q->text = out;
    return 0;
}

int query_parse_inline(struct minga_query *q, const char *input, char **errmsg)
{
    int rc = parse_inline_filters(q, input, errmsg);
    return rc ? rc : read_sdg_phrases(q, errmsg);
}

static int parse_inline_filters(struct minga_query *q, const char *input,
                                char **errmsg)
{
    const char *p = input;
    while (*p) {
        while (isspace((unsigned char)*p))
            p++;
        if (!*p)
            break;
        const char *start = p;
        if (*p == '"') {
            p++;
            while (*p && *p != '"')
                p++;
            if (*p == '"')
                p++;
            if (append_text(q, start, (size_t)(p - start)))
                return -1;
            continue;
        }
        while (*p && !isspace((unsigned char)*p))
            p++;
        const char *colon = memchr(start, ':', (size_t)(p - start));
        if (colon && query_is_filter(start, (size_t)(colon - start)) &&
            colon + 1 < p) {
            char *name = strndup(start, (size_t)(colon - start));
            char *value = strndup(colon + 1, (size_t)(p - colon - 1));
            int rc =
                name && value ? query_add_filter(q, name, value, errmsg) : -1;
            free(name);
            free(value);
            if (rc)
                return rc;
            continue;
        }
        if (append_text(q, start, (size_t)(p - start)))
            return -1;
    }
    return 0;
}

static void describe(char **out, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void describe(char **out, size_t *len, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    char *grown = realloc(*out, *len + (size_t)n + 2);
    if (!grown)
        return;
    if (*len)
        grown[(*len)++] = ' ';
    memcpy(grown + *len, buf, (size_t)n + 1);
    *len += (size_t)n;
    *out = grown;
}

char *query_describe_filters(const struct minga_query *q)
{
    char *out = calloc(1, 1);
    size_t len = 0;
    for (int g = 1; g <= 17; g++)
        if (q->goal_mask & (1u << g))
            describe(&out, &len, "sdg:%d", g);
    for (size_t i = 0; i < q->n_targets; i++)
        describe(&out, &len, "target:%s", q->targets[i]);
    for (int i = 0; i < MINGA_N_LEVELS; i++)
        if (q->level_mask & (1u << i))
            describe(&out, &len, "level:%s", refdata_level_name(1u << i));
    for (int i = 0; i < MINGA_N_ACTORS; i++)
        if (q->actor_mask & (1u << i))
            describe(&out, &len, "actor:%s", refdata_actor_name(1u << i));
    for (size_t i = 0; i < q->n_countries; i++)
        describe(&out, &len, "country:%s", q->countries[i]);
    for (size_t i = 0; i < q->n_languages; i++)
        describe(&out, &len, "lang:%s", q->languages[i]);
    if (q->year_from || q->year_to) {
        char from[8] = "", to[8] = "";
        if (q->year_from)
            snprintf(from, sizeof from, "%d", q->year_from);
        if (q->year_to)
            snprintf(to, sizeof to, "%d", q->year_to);
        describe(&out, &len, "year:%s..%s", from, to);
    }
    return out;
}

int query_is_empty(const struct minga_query *q)
{
    return (!q->text || !q->text[strspn(q->text, " \t")]) && !q->goal_mask &&
           !q->level_mask && !q->actor_mask && !q->n_countries &&
           !q->n_languages && !q->n_targets && !q->year_from && !q->year_to;
}
