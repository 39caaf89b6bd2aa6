/*
 * The arguments of an OAI-PMH request (web/oai_args.c): checked against
 * the protocol's rules (which verb takes which argument, dates,
 * identifiers), and resumption tokens, which carry the whole state of a
 * list so that the server keeps none.
 */
#ifndef MINGA_WEB_OAI_ARGS_H
#define MINGA_WEB_OAI_ARGS_H

#include "federation.h"

/* How long a resumption token is good for, from when it was issued. */
#define OAI_TOKEN_TTL_S (24 * 3600)

enum oai_verb {
    OAI_NONE,
    OAI_IDENTIFY,
    OAI_FORMATS,
    OAI_SETS,
    OAI_IDENTIFIERS,
    OAI_RECORDS,
    OAI_GET
};

/* "Identify", ... by enum oai_verb; "" for OAI_NONE. */
extern const char *const oai_verb_names[];

/* The arguments of a request, once checked; the strings point into the
 * request. */
struct oai_args {
    enum oai_verb verb;
    const char *identifier, *prefix, *from, *until, *set, *token;
    char id[101];                       /* the case id of identifier */
    char from_full[21], until_full[21]; /* as full datestamps, or "" */
    /* from a token: the last record sent, and how many were */
    char after_ds[21], after_id[101];
    char token_set[128];
    long cursor;
    long total; /* the list's size, at page 1 */
};

/* An OAI error: its code ("badArgument") and its text. */
struct oai_error {
    const char *code;
    char text[300];
};

/* Sets *e; returns -1. */
int oai_set_error(struct oai_error *e, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks the request's arguments. Returns 0 with *a filled (a token
 * unpacked into it), or -1 with *e: badVerb, badArgument,
 * badResumptionToken, cannotDisseminateFormat, idDoesNotExist. */
int oai_check_args(const struct web_request *req, const struct fed_site *site,
                   struct oai_args *a, struct oai_error *e);

/* The token that continues a list after `last_ds`, `last_id`, with
 * `cursor` records sent of `total`, issued at `issued`: opaque, tagged
 * for this node (oai_args.c). Returns a new string (caller frees). */
char *oai_token_new(const struct oai_args *a, const struct fed_site *site,
                    const char *last_ds, const char *last_id, long cursor,
                    long total, long long issued);

/* Whether a set spec may hold c (a token keeps the set between '~'). */
int oai_is_set_spec_char(char c);

#endif
