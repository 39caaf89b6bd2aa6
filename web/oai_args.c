/*
 * The arguments of an OAI-PMH request against the protocol's rules, and
 * the resumption tokens (oai_args.h).
 *
 * A token is opaque: base64url of "v2~PREFIX~SET~FROM~UNTIL~DS~ID~CURSOR~
 * TOTAL~ISSUED" (the list's selection, from and until as full
 * datestamps, empty when absent; the last record sent, the keyset
 * cursor; how many were sent; the list's size counted at its first
 * page; when the token was issued, seconds since the epoch) followed by
 * a 16-byte BLAKE2b tag of it, keyed by the node (oai_host, base_url).
 * A token edited by one bit, made for another node, older than
 * OAI_TOKEN_TTL_S or of the earlier "v1~" form is a badResumptionToken.
 * The tag detects edits and foreign tokens; it is no secret (the key
 * derives from public settings), and needs none: a token only says
 * where a public list goes on.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "oai_args.h"

const char *const oai_verb_names[] = {
    "",         "Identify",        "ListMetadataFormats",
    "ListSets", "ListIdentifiers", "ListRecords",
    "GetRecord"};

int oai_set_error(struct oai_error *e, const char *code, const char *fmt, ...)
{
    va_list ap;
    e->code = code;
    va_start(ap, fmt);
    vsnprintf(e->text, sizeof e->text, fmt, ap);
    va_end(ap);
    return -1;
}

/* "YYYY-MM-DD" (granularity 1) or "YYYY-MM-DDThh:mm:ssZ" (2), a real
 * date and time; 0 otherwise. */
static int date_granularity(const char *s)
{
    static const char day[] = "dddd-dd-dd", full[] = "dddd-dd-ddTdd:dd:ddZ";
    size_t len = strlen(s);
    const char *shape = len == 10 ? day : len == 20 ? full : NULL;
    if (!shape)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != shape[i])
            return 0;
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    tm.tm_year = atoi(s) - 1900;
    tm.tm_mon = atoi(s + 5) - 1;
    tm.tm_mday = atoi(s + 8);
    if (len == 20) {
        tm.tm_hour = atoi(s + 11);
        tm.tm_min = atoi(s + 14);
        tm.tm_sec = atoi(s + 17);
    }
    struct tm check = tm;
    time_t t = timegm(&check);
    if (t == (time_t)-1 || check.tm_mday != tm.tm_mday ||
        check.tm_mon != tm.tm_mon || check.tm_hour != tm.tm_hour ||
        check.tm_min != tm.tm_min || check.tm_sec != tm.tm_sec)
        return 0;
    return len == 10 ? 1 : 2;
}

/* A day as the first (from) or last (until) second of it. */
static void full_datestamp(char out[21], const char *s, int is_until)
{
    if (strlen(s) == 20)
        snprintf(out, 21, "%s", s);
    else
        snprintf(out, 21, "%.10sT%s", s, is_until ? "23:59:59Z" : "00:00:00Z");
}

static int is_known_prefix(const char *p)
{
    return strcmp(p, "oai_dc") == 0 || strcmp(p, "minga") == 0;
}

/* "oai:HOST:ID" -> ID; 0 when it is not one of ours. */
static int parse_identifier(const struct fed_site *site, const char *s,
                            char id[101])
{
    size_t host_len = strlen(site->host);
    if (strncmp(s, "oai:", 4) != 0 || strncmp(s + 4, site->host, host_len) ||
        s[4 + host_len] != ':')
        return 0;
    const char *p = s + 4 + host_len + 1;
    if (!web_is_valid_id(p))
        return 0;
    snprintf(id, 101, "%s", p);
    return 1;
}

int oai_is_set_spec_char(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '-' || c == '_' ||
           c == '.';
}

#define TOKEN_TAG_LEN 16
#define TOKEN_MAX 512 /* the payload's bound, tag aside */

/* The tag of a token's payload, keyed by the node. */
static void token_tag(unsigned char tag[TOKEN_TAG_LEN],
                      const struct fed_site *site, const char *payload,
                      size_t len)
{
    unsigned char key[crypto_generichash_KEYBYTES];
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, sizeof key);
    static const char label[] = "minga OAI-PMH resumption token v2";
    crypto_generichash_update(&state, (const unsigned char *)label,
                              sizeof label);
    const char *parts[] = {site->host ? site->host : "",
                           site->base_url ? site->base_url : ""};
    for (size_t i = 0; i < 2; i++)
        crypto_generichash_update(&state, (const unsigned char *)parts[i],
                                  strlen(parts[i]) + 1);
    crypto_generichash_final(&state, key, sizeof key);
    crypto_generichash(tag, TOKEN_TAG_LEN, (const unsigned char *)payload, len,
                       key, sizeof key);
}

char *oai_token_new(const struct oai_args *a, const struct fed_site *site,
                    const char *last_ds, const char *last_id, long cursor,
                    long total, long long issued)
{
    unsigned char buf[TOKEN_MAX + TOKEN_TAG_LEN];
    int len =
        snprintf((char *)buf, TOKEN_MAX, "v2~%s~%s~%s~%s~%s~%s~%ld~%ld~%lld",
                 a->prefix, a->set ? a->set : "", a->from_full, a->until_full,
                 last_ds, last_id, cursor, total, issued);
    if (len < 0 || len >= TOKEN_MAX)
        return NULL;
    token_tag(buf + len, site, (const char *)buf, (size_t)len);
    size_t n = (size_t)len + TOKEN_TAG_LEN;
    size_t out_len =
        sodium_base64_encoded_len(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    char *token = malloc(out_len);
    if (!token)
        return NULL;
    sodium_bin2base64(token, out_len, buf, n,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return token;
}

/* Unpacks a resumption token into args; 0 when it is not one of ours
 * (its tag does not match: edited, foreign, of the v1 form) or has
 * expired. */
static int parse_token(const char *token, const struct fed_site *site,
                       struct oai_args *a)
{
    unsigned char raw[TOKEN_MAX + TOKEN_TAG_LEN + 1];
    size_t raw_len = 0;
    if (strlen(token) > 2 * sizeof raw ||
        sodium_base642bin(raw, sizeof raw - 1, token, strlen(token), NULL,
                          &raw_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        raw_len <= TOKEN_TAG_LEN)
        return 0;
    size_t len = raw_len - TOKEN_TAG_LEN;
    unsigned char tag[TOKEN_TAG_LEN];
    token_tag(tag, site, (const char *)raw, len);
    if (sodium_memcmp(tag, raw + len, TOKEN_TAG_LEN) != 0)
        return 0;
    raw[len] = '\0';
    if (memchr(raw, '\0', len))
        return 0;
    char *buf = (char *)raw;
    char *fields[10];
    size_t n = 0;
    char *p = buf;
    for (;;) {
        if (n == 10)
            return 0;
        fields[n++] = p;
        char *tilde = strchr(p, '~');
        if (!tilde)
            break;
        *tilde = '\0';
        p = tilde + 1;
    }
    if (n != 10 || strcmp(fields[0], "v2") != 0)
        return 0;
    if (strcmp(fields[1], "oai_dc") == 0)
        a->prefix = "oai_dc";
    else if (strcmp(fields[1], "minga") == 0)
        a->prefix = "minga";
    else
        return 0;
    for (const char *c = fields[2]; *c; c++)
        if (!oai_is_set_spec_char(*c))
            return 0;
    if (strlen(fields[2]) >= sizeof a->token_set)
        return 0;
    snprintf(a->token_set, sizeof a->token_set, "%s", fields[2]);
    a->set = *fields[2] ? a->token_set : NULL;
    if (*fields[3] && date_granularity(fields[3]) != 2)
        return 0;
    if (*fields[4] && date_granularity(fields[4]) != 2)
        return 0;
    snprintf(a->from_full, sizeof a->from_full, "%s", fields[3]);
    snprintf(a->until_full, sizeof a->until_full, "%s", fields[4]);
    if (date_granularity(fields[5]) != 2 || !web_is_valid_id(fields[6]))
        return 0;
    snprintf(a->after_ds, sizeof a->after_ds, "%s", fields[5]);
    snprintf(a->after_id, sizeof a->after_id, "%s", fields[6]);
    char *end = NULL;
    a->cursor = strtol(fields[7], &end, 10);
    if (!*fields[7] || *end || a->cursor < 1 || a->cursor > 1000000000L)
        return 0;
    a->total = strtol(fields[8], &end, 10);
    if (!*fields[8] || *end || a->total < 0 || a->total > 1000000000L)
        return 0;
    long long issued = strtoll(fields[9], &end, 10);
    time_t now = time(NULL);
    if (!*fields[9] || *end || issued > (long long)now + 60 ||
        (long long)now - issued > OAI_TOKEN_TTL_S)
        return 0;
    return 1;
}

/* Which arguments each verb takes, in the order of oai_check_args'
 * names: "r" required, "o" optional, "x" exclusive (resumptionToken:
 * alone with the verb), "" not taken. */
static const char *const rules[][6] = {
    [OAI_NONE] = {"", "", "", "", "", ""},
    [OAI_IDENTIFY] = {"", "", "", "", "", ""},
    [OAI_FORMATS] = {"o", "", "", "", "", ""},
    [OAI_SETS] = {"", "", "", "", "", "x"},
    [OAI_IDENTIFIERS] = {"", "r", "o", "o", "o", "x"},
    [OAI_RECORDS] = {"", "r", "o", "o", "o", "x"},
    [OAI_GET] = {"r", "r", "", "", "", ""},
};

int oai_check_args(const struct web_request *req, const struct fed_site *site,
                   struct oai_args *a, struct oai_error *e)
{
    const char **slots[] = {&a->identifier, &a->prefix, &a->from,
                            &a->until,      &a->set,    &a->token};
    static const char *const names[] = {"identifier", "metadataPrefix",
                                        "from",       "until",
                                        "set",        "resumptionToken"};
    const char *verb = NULL;
    int n_verbs = 0;
    memset(a, 0, sizeof *a);
    for (size_t i = 0; i < req->n_params; i++)
        if (strcmp(req->params[i].name, "verb") == 0) {
            verb = req->params[i].value;
            n_verbs++;
        }
    if (n_verbs > 1)
        return oai_set_error(e, "badVerb", "the verb argument is repeated");
    if (!verb)
        return oai_set_error(e, "badVerb", "the verb argument is missing");
    for (int v = OAI_IDENTIFY; v <= OAI_GET; v++)
        if (strcmp(verb, oai_verb_names[v]) == 0)
            a->verb = (enum oai_verb)v;
    if (a->verb == OAI_NONE)
        return oai_set_error(e, "badVerb",
                             "\"%.60s\" is not an OAI-PMH "
                             "verb",
                             verb);
    for (size_t i = 0; i < req->n_params; i++) {
        const char *name = req->params[i].name;
        if (strcmp(name, "verb") == 0)
            continue;
        size_t k = 0;
        while (k < 6 && strcmp(name, names[k]) != 0)
            k++;
        if (k == 6)
            return oai_set_error(e, "badArgument",
                                 "\"%.60s\" is not an "
                                 "argument of OAI-PMH",
                                 name);
        if (*slots[k])
            return oai_set_error(e, "badArgument",
                                 "the argument %s is "
                                 "repeated",
                                 name);
        *slots[k] = req->params[i].value;
    }
    const char *const *kinds = rules[a->verb];
    int has_exclusive = a->token != NULL;
    for (size_t k = 0; k < 6; k++) {
        const char *kind = kinds[k];
        int given = *slots[k] != NULL;
        if (given && !*kind)
            return oai_set_error(e, "badArgument",
                                 "%s does not take the "
                                 "argument %s",
                                 oai_verb_names[a->verb], names[k]);
        if (given && has_exclusive && *kind != 'x')
            return oai_set_error(e, "badArgument",
                                 "resumptionToken is an "
                                 "exclusive argument: %s may not come with "
                                 "it",
                                 names[k]);
        if (!given && *kind == 'r' && !has_exclusive)
            return oai_set_error(e, "badArgument",
                                 "%s requires the "
                                 "argument %s",
                                 oai_verb_names[a->verb], names[k]);
    }
    if (a->token) {
        if (a->verb == OAI_SETS || !parse_token(a->token, site, a))
            return oai_set_error(e, "badResumptionToken",
                                 "the resumption "
                                 "token is invalid or has expired");
        return 0;
    }
    int g_from = 0, g_until = 0;
    if (a->from && !(g_from = date_granularity(a->from)))
        return oai_set_error(e, "badArgument",
                             "from: expected YYYY-MM-DD "
                             "or YYYY-MM-DDThh:mm:ssZ");
    if (a->until && !(g_until = date_granularity(a->until)))
        return oai_set_error(e, "badArgument",
                             "until: expected YYYY-MM-DD "
                             "or YYYY-MM-DDThh:mm:ssZ");
    if (g_from && g_until && g_from != g_until)
        return oai_set_error(e, "badArgument",
                             "from and until must have "
                             "the same granularity");
    if (a->from)
        full_datestamp(a->from_full, a->from, 0);
    if (a->until)
        full_datestamp(a->until_full, a->until, 1);
    if (a->from && a->until && strcmp(a->from_full, a->until_full) > 0)
        return oai_set_error(e, "badArgument", "from is later than until");
    if (a->prefix && !is_known_prefix(a->prefix))
        return oai_set_error(e, "cannotDisseminateFormat",
                             "metadataPrefix "
                             "\"%.60s\" is not offered (oai_dc, minga)",
                             a->prefix);
    if (a->identifier && !parse_identifier(site, a->identifier, a->id))
        return oai_set_error(e, "idDoesNotExist",
                             "\"%.100s\" is not an "
                             "identifier of this repository (oai:%s:ID)",
                             a->identifier, site->host);
    return 0;
}
