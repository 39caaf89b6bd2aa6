/* GNU .mo catalogs: read whole, checked, looked up by binary search. */
#include "mo_catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MO_MAGIC 0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u
#define MO_MAX_SIZE (16u << 20) /* iso_3166-1.mo is about 20 KiB */

struct exp_mo {
    char *data;
    size_t size;
    uint32_t n_strings;
    const char **originals; /* into data, NUL-terminated */
    const char **translations;
    int is_sorted;
};

static uint32_t read_u32(const struct exp_mo *mo, size_t offset,
                         int is_swapped)
{
    uint32_t v;
    memcpy(&v, mo->data + offset, 4);
    if (is_swapped)
        v = (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) |
            (v << 24);
    return v;
}

/* The string of table entry `index` (length, offset), or NULL when it
 * does not lie inside the file with its NUL. */
static const char *table_string(const struct exp_mo *mo, uint32_t table,
                                uint32_t index, int is_swapped)
{
    size_t entry = (size_t)table + (size_t)index * 8;
    if (entry + 8 > mo->size)
        return NULL;
    uint32_t len = read_u32(mo, entry, is_swapped);
    uint32_t offset = read_u32(mo, entry + 4, is_swapped);
    if ((size_t)offset + len + 1 > mo->size || mo->data[offset + len] != 0)
        return NULL;
    return mo->data + offset;
}

static char *read_whole(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        len = ftell(f);
    if (len >= 28 && (unsigned long)len <= MO_MAX_SIZE &&
        fseek(f, 0, SEEK_SET) == 0 && (data = malloc((size_t)len)) &&
        fread(data, 1, (size_t)len, f) != (size_t)len) {
        free(data);
        data = NULL;
    }
    fclose(f);
    *size = data ? (size_t)len : 0;
    return data;
}

int exp_mo_open(struct exp_mo **out, const char *path)
{
    struct exp_mo *mo = calloc(1, sizeof *mo);
    if (!mo)
        return -1;
    mo->data = read_whole(path, &mo->size);
    if (!mo->data) {
        exp_mo_free(mo);
        return -1;
    }
    uint32_t magic;
    memcpy(&magic, mo->data, 4);
    int is_swapped = magic == MO_MAGIC_SWAPPED;
    if (magic != MO_MAGIC && !is_swapped) {
        exp_mo_free(mo);
        return -1;
    }
    uint32_t n = read_u32(mo, 8, is_swapped);
    uint32_t orig_table = read_u32(mo, 12, is_swapped);
    uint32_t trans_table = read_u32(mo, 16, is_swapped);
    if (n > mo->size / 16) { /* two 8-byte entries per string at least */
        exp_mo_free(mo);
        return -1;
    }
    mo->originals = calloc(n ? n : 1, sizeof *mo->originals);
    mo->translations = calloc(n ? n : 1, sizeof *mo->translations);
    if (!mo->originals || !mo->translations) {
        exp_mo_free(mo);
        return -1;
    }
    mo->is_sorted = 1;
    for (uint32_t i = 0; i < n; i++) {
        const char *orig = table_string(mo, orig_table, i, is_swapped);
        const char *trans = table_string(mo, trans_table, i, is_swapped);
        if (!orig || !trans) {
            exp_mo_free(mo);
            return -1;
        }
        mo->originals[mo->n_strings] = orig;
        mo->translations[mo->n_strings] = trans;
        if (mo->n_strings > 0 &&
            strcmp(mo->originals[mo->n_strings - 1], orig) >= 0)
            mo->is_sorted = 0;
        mo->n_strings++;
    }
    *out = mo;
    return 0;
}

void exp_mo_free(struct exp_mo *mo)
{
    if (!mo)
        return;
    free(mo->originals);
    free(mo->translations);
    free(mo->data);
    free(mo);
}

const char *exp_mo_lookup(const struct exp_mo *mo, const char *msgid)
{
    if (!mo || !msgid || !*msgid)
        return NULL;
    long found = -1;
    if (mo->is_sorted) { /* msgfmt sorts the originals by strcmp */
        size_t lo = 0, hi = mo->n_strings;
        while (lo < hi && found < 0) {
            size_t mid = lo + (hi - lo) / 2;
            int cmp = strcmp(msgid, mo->originals[mid]);
            if (cmp == 0)
                found = (long)mid;
            else if (cmp < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    } else {
        for (size_t i = 0; i < mo->n_strings && found < 0; i++)
            if (strcmp(msgid, mo->originals[i]) == 0)
                found = (long)i;
    }
    if (found < 0 || !*mo->translations[found])
        return NULL;
    return mo->translations[found];
}
