/* The contents an import has met: extract once, store once, count once
 * (see import_contents.h). A small open-addressing table keyed by the
 * sha256 (already uniform, so its first digits are the hash) and the media
 * type; it holds one entry per distinct content, never its text. */
#include "import_contents.h"

#include <stdlib.h>
#include <string.h>

#include "extract.h"
#include "minga_impl.h"

struct content_seen {
    char sha256[65];        /* "" for an empty slot */
    const char *media_type; /* static */
    char *problem;          /* why no text could be extracted; or NULL */
};

struct import_contents {
    struct content_seen *slots;
    size_t n_slots; /* a power of two */
    size_t n_used;
    uint64_t text_bytes; /* extracted this import, each content once */
    uint64_t max_text;
    int is_over_budget;
};

struct import_contents *import_contents_new(uint64_t max_text)
{
    struct import_contents *ic = calloc(1, sizeof *ic);
    if (!ic)
        return NULL;
    ic->n_slots = 64;
    ic->slots = calloc(ic->n_slots, sizeof *ic->slots);
    if (!ic->slots) {
        free(ic);
        return NULL;
    }
    ic->max_text = max_text ? max_text : DEFAULT_MAX_ATTACHMENT_TEXT;
    return ic;
}

void import_contents_free(struct import_contents *ic)
{
    if (!ic)
        return;
    for (size_t i = 0; i < ic->n_slots; i++)
        free(ic->slots[i].problem);
    free(ic->slots);
    free(ic);
}

static size_t slot_of(const struct content_seen *slots, size_t n_slots,
                      const char *sha256, const char *media_type)
{
    size_t hash = 0;
    for (int i = 0; i < 16 && sha256[i]; i++)
        hash = hash << 4 | (size_t)(sha256[i] <= '9' ? sha256[i] - '0'
                                                     : sha256[i] - 'a' + 10);
    size_t i = hash & (n_slots - 1);
    while (slots[i].sha256[0] &&
           (strcmp(slots[i].sha256, sha256) != 0 ||
            strcmp(slots[i].media_type, media_type) != 0))
        i = (i + 1) & (n_slots - 1);
    return i;
}

static struct content_seen *find(struct import_contents *ic,
                                 const char *sha256, const char *media_type)
{
    struct content_seen *e =
        &ic->slots[slot_of(ic->slots, ic->n_slots, sha256, media_type)];
    return e->sha256[0] ? e : NULL;
}

/* Records a content; the table stays at most half full. */
static int remember(struct import_contents *ic, const char *sha256,
                    const char *media_type, const char *problem)
{
    if (2 * (ic->n_used + 1) > ic->n_slots) {
        size_t n = ic->n_slots * 2;
        struct content_seen *grown = calloc(n, sizeof *grown);
        if (!grown)
            return MINGA_ENOMEM;
        for (size_t i = 0; i < ic->n_slots; i++)
            if (ic->slots[i].sha256[0])
                grown[slot_of(grown, n, ic->slots[i].sha256,
                              ic->slots[i].media_type)] = ic->slots[i];
        free(ic->slots);
        ic->slots = grown;
        ic->n_slots = n;
    }
    struct content_seen *e =
        &ic->slots[slot_of(ic->slots, ic->n_slots, sha256, media_type)];
    memcpy(e->sha256, sha256, 65);
    e->media_type = media_type;
    e->problem = problem ? strdup(problem) : NULL;
    ic->n_used++;
    return problem && !e->problem ? MINGA_ENOMEM : MINGA_OK;
}

/* Extracts a content met for the first time, records it, counts its text
 * and stores it. */
static int extract_new(struct import_contents *ic, struct catalog *cat,
                       int is_writing, const char *name, const void *data,
                       size_t len, const char *sha256, const char *media_type,
                       char **text, char **problem)
{
    int rc = is_writing ? catalog_put_blob(cat, sha256, data, len) : MINGA_OK;
    if (rc)
        return rc;
    char *extracted = NULL, *why = NULL;
    const char *type_found = NULL;
    if (extract_text(name, data, len, &extracted, &type_found, &why)) {
        rc = remember(ic, sha256, media_type, why ? why : "unreadable");
        *problem = why ? why : strdup("unreadable");
        return rc ? rc : MINGA_EINVAL;
    }
    if ((rc = remember(ic, sha256, media_type, NULL))) {
        free(extracted);
        return rc;
    }
    ic->text_bytes += strlen(extracted);
    if (ic->text_bytes > ic->max_text) {
        ic->is_over_budget = 1;
        free(extracted);
        *problem = minga_strdupf(
            "with this file the text extracted from this import's "
            "attachments (each distinct file counted once) goes over the "
            "limit of %llu bytes; raise it with `minga import "
            "--max-attachment-text BYTES`",
            (unsigned long long)ic->max_text);
        return MINGA_ELIMIT;
    }
    if (is_writing && (rc = catalog_put_attachment_text(
                           cat, sha256, media_type, extracted))) {
        free(extracted);
        return rc;
    }
    *text = extracted;
    return MINGA_OK;
}

int import_contents_text(struct import_contents *ic, struct catalog *cat,
                         int is_writing, const char *name, const void *data,
                         size_t len, const char *sha256,
                         const char *media_type, char **text, char **problem)
{
    const struct content_seen *seen = find(ic, sha256, media_type);
    if (seen && seen->problem) {
        *problem = strdup(seen->problem);
        return *problem ? MINGA_EINVAL : MINGA_ENOMEM;
    }
    if ((seen && !is_writing) || (!seen && ic->is_over_budget)) {
        /* nothing will be stored or indexed: no need to extract again */
        *text = strdup("");
        return *text ? MINGA_OK : MINGA_ENOMEM;
    }
    if (is_writing) {
        /* stored by an earlier case of this import, or an earlier import */
        int rc = catalog_read_attachment_text(cat, sha256, media_type, text);
        if (rc == MINGA_OK && !seen)
            rc = remember(ic, sha256, media_type, NULL);
        if (rc != MINGA_ENOTFOUND)
            return rc;
        if (seen) {
            *problem = minga_strdupf("the text of %s left the catalog "
                                     "during the import",
                                     name);
            return MINGA_EINTERNAL;
        }
    }
    return extract_new(ic, cat, is_writing, name, data, len, sha256,
                       media_type, text, problem);
}
