/* Upload tokens: random secrets shown once, stored only as hashes
 * (libsodium's generic hash, keyed by nothing: the tokens carry 256 bits
 * of entropy, so a slow password hash would add nothing), compared in
 * constant time. */
#include "minga_impl.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

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
              (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' ||
              *p == '.'))
            return 0;
    return 1;
}

int minga_token_add(struct minga *m, const char *name, char **token_out,
                    char **errmsg)
{
    if (!valid_name(name)) {
        if (errmsg)
            *errmsg = minga_strdupf("token name \"%s\": use 1-64 letters, "
                                    "digits, '-', '_' or '.'", name);
        return MINGA_EINVAL;
    }
    unsigned char raw[TOKEN_BYTES];
    randombytes_buf(raw, sizeof raw);
    char hex[2 * TOKEN_BYTES + 1];
    sodium_bin2hex(hex, sizeof hex, raw, sizeof raw);
    sodium_memzero(raw, sizeof raw);
    char *token = minga_strdupf(TOKEN_PREFIX "%s", hex);
    char hash[65];
    hash_token(token, hash);
    int rc = catalog_token_add(m->cat, name, hash);
    if (rc) {
        if (errmsg)
            *errmsg = rc == MINGA_EEXISTS
                          ? minga_strdupf("a token named \"%s\" exists; "
                                          "revoke it first", name)
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

int minga_token_verify(struct minga *m, const char *token, char **name_out)
{
    if (!token || strlen(token) > 256)
        return MINGA_ENOTFOUND;
    struct verify_state st = {.name = NULL};
    hash_token(token, st.hash);
    if (catalog_token_foreach(m->cat, verify_one, &st) || !st.name) {
        free(st.name);
        return MINGA_ENOTFOUND;
    }
    if (!(m->flags & MINGA_OPEN_READONLY))
        catalog_token_touch(m->cat, st.name);
    *name_out = st.name;
    return MINGA_OK;
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
