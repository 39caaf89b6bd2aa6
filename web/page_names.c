/*
 * Country names in the page's language. The reference data names
 * countries in English (iso-codes' JSON); Debian's iso-codes package
 * also ships their translations as gettext catalogs
 * (/usr/share/locale/LANG/LC_MESSAGES/iso_3166-1.mo), keyed by that
 * English name. Each catalog is read once, whole, and looked up by a
 * binary search over its sorted keys (the .mo layout), without
 * setlocale(), which is process-wide and not for a threaded server.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"
#include "refdata.h"

#define MO_MAGIC 0x950412deu
#define MO_MAX_SIZE (8u << 20)

struct mo_catalog {
    unsigned char *data;
    size_t size;
    uint32_t n_strings;
    uint32_t orig_offset, trans_offset;
};

static struct mo_catalog catalogs[2]; /* es, pt */
static pthread_once_t catalogs_once = PTHREAD_ONCE_INIT;

static uint32_t read_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Reads one catalog; leaves it empty when the file is missing or not a
 * little-endian .mo that fits its own tables. */
static void load_catalog(struct mo_catalog *cat, const char *lang)
{
    char path[128];
    snprintf(path, sizeof path,
             "/usr/share/locale/%s/LC_MESSAGES/iso_3166-1.mo", lang);
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    unsigned char *data = malloc(MO_MAX_SIZE);
    size_t size = data ? fread(data, 1, MO_MAX_SIZE, f) : 0;
    fclose(f);
    if (size < 28 || read_u32(data) != MO_MAGIC) {
        free(data);
        return;
    }
    uint32_t n = read_u32(data + 8), orig = read_u32(data + 12),
             trans = read_u32(data + 16);
    if (n > size / 16 || orig > size - (size_t)n * 8 ||
        trans > size - (size_t)n * 8) {
        free(data);
        return;
    }
    unsigned char *fit = realloc(data, size);
    cat->data = fit ? fit : data;
    cat->size = size;
    cat->n_strings = n;
    cat->orig_offset = orig;
    cat->trans_offset = trans;
}

static void load_catalogs(void)
{
    load_catalog(&catalogs[0], "es");
    load_catalog(&catalogs[1], "pt");
}

/* String `i` of a table, or NULL when it does not fit the file or lacks
 * its NUL. */
static const char *table_string(const struct mo_catalog *cat, uint32_t table,
                                uint32_t i)
{
    const unsigned char *entry = cat->data + table + (size_t)i * 8;
    uint32_t len = read_u32(entry), off = read_u32(entry + 4);
    if (off >= cat->size || len >= cat->size - off || cat->data[off + len])
        return NULL;
    return (const char *)cat->data + off;
}

static const char *lookup(const struct mo_catalog *cat, const char *key)
{
    uint32_t lo = 0, hi = cat->n_strings;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        const char *s = table_string(cat, cat->orig_offset, mid);
        if (!s)
            return NULL;
        int cmp = strcmp(key, s);
        if (cmp == 0) {
            const char *t = table_string(cat, cat->trans_offset, mid);
            return t && *t ? t : NULL;
        }
        if (cmp < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *page_country_name(const char *lang, const char *alpha2)
{
    const char *english = refdata_country_name(alpha2);
    if (!english)
        return alpha2;
    int which = strcmp(lang, "es") == 0 ? 0 : strcmp(lang, "pt") == 0 ? 1 : -1;
    if (which < 0)
        return english;
    pthread_once(&catalogs_once, load_catalogs);
    if (!catalogs[which].data)
        return english;
    const char *name = lookup(&catalogs[which], english);
    return name ? name : english;
}
