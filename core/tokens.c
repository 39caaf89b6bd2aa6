/* Upload tokens: random secrets shown once, stored only as hashes
 * (libsodium's generic hash, keyed by nothing: the tokens carry 256 bits
 * of entropy, so a slow password hash would add nothing), compared in
 * constant time. Each has a role and, for a city, a scope: what it may
 * write (minga_scope_violation). */
#include "minga_impl.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "catalog_history.h"
#include "refdata.h"
#include "textfold.h"

#define TOKEN_BYTES 32
#define TOKEN_PREFIX "minga_"

static void hash_token(const char *token, char out[65])
{
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (const unsigned char *)token,
                       strlen(token), NULL, 0);
    sodium_bin2hex(out, 65, h, sizeof h);
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n < 1 || n > 64)
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

static json_t *strv_json(const char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

/* Checks a spec; returns a message (caller frees) or NULL when fine. */
static char *spec_problem(const struct minga_token_spec *spec)
{
    if (spec->role != MINGA_ROLE_CITY && spec->role != MINGA_ROLE_CURATOR)
        return strdup("role: expected city or curator");
    if (spec->expires_days < 0 || spec->expires_days > 36500)
        return strdup("expires: expected a number of days from 1 to 36500");
    if (spec->role == MINGA_ROLE_CURATOR) {
        if (spec->n_countries || spec->n_cities)
            return strdup("a curator token may change any case: it takes "
                          "no --country or --city");
        return NULL;
    }
    if (spec->n_countries == 0)
        return strdup("a city token needs its scope: at least one "
                      "--country CC");
    for (size_t i = 0; i < spec->n_countries; i++)
        if (!refdata_is_country(spec->countries[i]))
            return minga_strdupf("country \"%s\": not an ISO 3166-1 "
                                 "alpha-2 code (such as UY or BR)",
                                 spec->countries[i]);
    for (size_t i = 0; i < spec->n_cities; i++) {
        size_t n = strlen(spec->cities[i]);
        if (n == 0 || n > 200 || !text_is_valid_utf8(spec->cities[i], n))
            return minga_strdupf("city \"%s\": expected a city name of 1 "
                                 "to 200 characters",
                                 spec->cities[i]);
    }
    return NULL;
}

int minga_token_add(struct minga *m, const char *name,
                    const struct minga_token_spec *spec, char **token_out,
                    char **errmsg)
{
    static const struct minga_token_spec curator = {.role =
                                                        MINGA_ROLE_CURATOR};
    if (!spec)
        spec = &curator;
    char *problem = valid_name(name)
                        ? spec_problem(spec)
                        : minga_strdupf("token name \"%s\": use 1-64 "
                                        "letters, digits, '-', '_' or '.'",
                                        name);
    if (problem) {
        if (errmsg)
            *errmsg = problem;
        else
            free(problem);
        return MINGA_EINVAL;
    }
    char *countries = NULL, *cities = NULL;
    if (spec->role == MINGA_ROLE_CITY) {
        json_t *c = strv_json(spec->countries, spec->n_countries);
        countries = json_dumps(c, JSON_COMPACT);
        json_decref(c);
        if (spec->n_cities) {
            c = strv_json(spec->cities, spec->n_cities);
            cities = json_dumps(c, JSON_COMPACT);
            json_decref(c);
        }
    }
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    char hex[2 * TOKEN_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    char *token = minga_strdupf(TOKEN_PREFIX "%s", hex);
    char hash[65];
    hash_token(token, hash);
    int rc = catalog_token_add(
        m->cat, name, hash, spec->role == MINGA_ROLE_CITY ? "city" : "curator",
        countries, cities, spec->expires_days);
    free(countries);
    free(cities);
    if (rc) {
        if (errmsg)
            *errmsg = rc == MINGA_EEXISTS
                          ? minga_strdupf("a token named \"%s\" exists; "
                                          "revoke it first",
                                          name)
                          : strdup(catalog_errmsg(m->cat));
        free(token);
        return rc;
    }
    *token_out = token;
    return MINGA_OK;
}

int minga_token_revoke(struct minga *m, const char *name, char **errmsg)
{
    int rc = catalog_token_revoke(m->cat, name);
    if (rc && errmsg)
        *errmsg = rc == MINGA_ENOTFOUND
                      ? minga_strdupf("no active token named \"%s\"", name)
                      : strdup(catalog_errmsg(m->cat));
    return rc;
}

int minga_token_list(struct minga *m, json_t **out, char **errmsg)
{
    int rc = catalog_token_list(m->cat, out);
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}

struct verify_state {
    char hash[65];
    char *name;
};

/* Compares against every active token, without stopping at a match, so
 * the time does not tell which one matched. */
static int verify_one(void *arg, const char *name, const char *hash)
{
    struct verify_state *st = arg;
    if (strlen(hash) == 64 && sodium_memcmp(st->hash, hash, 64) == 0 &&
        !st->name)
        st->name = strdup(name);
    return 0;
}

void minga_principal_free(struct minga_principal *p)
{
    if (!p)
        return;
    free(p->name);
    for (size_t i = 0; i < p->n_countries; i++)
        free(p->countries[i]);
    for (size_t i = 0; i < p->n_cities; i++)
        free(p->cities[i]);
    free(p->countries);
    free(p->cities);
    free(p);
}

char *minga_principal_by(const struct minga_principal *p)
{
    return p ? minga_strdupf("token:%s", p->name) : strdup("cli");
}

/* Copies a JSON array of strings into *items. */
static int strv_from_json(const char *text, char ***items, size_t *n)
{
    json_t *arr = text ? json_loads(text, 0, NULL) : NULL;
    *items = NULL;
    *n = 0;
    if (!json_is_array(arr)) {
        json_decref(arr);
        return 0;
    }
    *items = calloc(json_array_size(arr) + 1, sizeof **items);
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (*items && json_is_string(v))(
        *items)[(*n)++] = strdup(json_string_value(v));
    json_decref(arr);
    return *items ? 0 : -1;
}

static struct minga_principal *load_principal(struct minga *m,
                                              const char *name)
{
    char *role = NULL, *countries = NULL, *cities = NULL;
    if (catalog_token_rights(m->cat, name, &role, &countries, &cities))
        return NULL;
    struct minga_principal *p = calloc(1, sizeof *p);
    int bad = !p;
    if (p) {
        p->name = strdup(name);
        p->role =
            strcmp(role, "city") == 0 ? MINGA_ROLE_CITY : MINGA_ROLE_CURATOR;
        bad = !p->name ||
              strv_from_json(countries, &p->countries, &p->n_countries) ||
              strv_from_json(cities, &p->cities, &p->n_cities);
        /* a city token without countries may write nothing */
    }
    free(role);
    free(countries);
    free(cities);
    if (bad) {
        minga_principal_free(p);
        return NULL;
    }
    return p;
}

int minga_token_verify(struct minga *m, const char *token,
                       struct minga_principal **out)
{
    if (!token || strlen(token) > 256)
        return MINGA_ENOTFOUND;
    struct verify_state st = {.name = NULL};
    hash_token(token, st.hash);
    if (catalog_token_foreach(m->cat, verify_one, &st) || !st.name) {
        free(st.name);
        return MINGA_ENOTFOUND;
    }
    struct minga_principal *p = load_principal(m, st.name);
    if (p && !(m->flags & MINGA_OPEN_READONLY))
        catalog_token_touch(m->cat, st.name);
    free(st.name);
    if (!p)
        return MINGA_ENOTFOUND;
    *out = p;
    return MINGA_OK;
}

/* "UY" or "UY, AR" or "Montevideo, UY": the scope, for messages. */
static char *scope_text(const struct minga_principal *p)
{
    size_t cap = 16;
    for (size_t i = 0; i < p->n_cities; i++)
        cap += strlen(p->cities[i]) + 2;
    cap += p->n_countries * 4;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < p->n_cities; i++) {
        strcat(out, p->cities[i]);
        strcat(out, ", ");
    }
    for (size_t i = 0; i < p->n_countries; i++) {
        strcat(out, p->countries[i]);
        if (i + 1 < p->n_countries)
            strcat(out, ", ");
    }
    return out;
}

static int in_list(char *const *items, size_t n, const char *s, int folded)
{
    char *fs = folded ? text_fold(s, strlen(s)) : NULL;
    int found = 0;
    for (size_t i = 0; i < n && !found; i++) {
        if (!folded) {
            found = strcasecmp(items[i], s) == 0;
            continue;
        }
        char *fi = text_fold(items[i], strlen(items[i]));
        found = fs && fi && strcmp(fs, fi) == 0;
        free(fi);
    }
    free(fs);
    return found;
}

/* Why a place is outside p's scope, or NULL when inside. */
static char *place_problem(const struct minga_principal *p, const char *id,
                           const char *country, const char *city,
                           const char *what)
{
    char *scope = scope_text(p);
    char *why = NULL;
    if (!in_list(p->countries, p->n_countries, country, 0))
        why = minga_strdupf("%s: %scountry %s is outside this token's scope "
                            "(%s)",
                            id, what, country, scope ? scope : "?");
    else if (p->n_cities && !in_list(p->cities, p->n_cities, city, 1))
        why = minga_strdupf("%s: %scity %s is outside this token's scope "
                            "(%s)",
                            id, what, city, scope ? scope : "?");
    free(scope);
    return why;
}

char *minga_scope_violation(struct minga *m, const struct minga_principal *who,
                            const char *id, const struct minga_case *c)
{
    if (!who || who->role == MINGA_ROLE_CURATOR)
        return NULL;
    if (c) {
        char *why = place_problem(who, id, c->country ? c->country : "",
                                  c->city ? c->city : "", "");
        if (why)
            return why;
    }
    char *country = NULL, *city = NULL;
    char *why = NULL;
    if (catalog_case_place(m->cat, id, &country, &city) == MINGA_OK)
        why = place_problem(who, id, country, city,
                            "the stored case belongs elsewhere: ");
    free(country);
    free(city);
    return why;
}

int minga_token_touch(struct minga *m, const char *name, char **errmsg)
{
    if (m->flags & MINGA_OPEN_READONLY) {
        if (errmsg)
            *errmsg = strdup("a read-only handle cannot record a token's "
                             "use");
        return MINGA_EINVAL;
    }
    int rc = catalog_token_touch(m->cat, name);
    if (rc && errmsg)
        *errmsg = strdup(catalog_errmsg(m->cat));
    return rc;
}
