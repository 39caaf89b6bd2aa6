#include "textfold.h"

#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <utf8proc.h>

/* Whether the 8 bytes at p are ASCII and none is NUL. */
static int is_plain_ascii8(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    const uint64_t high = 0x8080808080808080ull, ones = 0x0101010101010101ull;
    return (w & high) == 0 && ((w - ones) & ~w & high) == 0;
}

size_t text_utf8_error_offset(const char *s, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        /* most text is ASCII: 8 bytes a step until a byte that is not */
        while (len - pos >= 8 && is_plain_ascii8(s + pos))
            pos += 8;
        if (pos < len && (unsigned char)s[pos] < 0x80 && s[pos] != 0) {
            pos++;
            continue;
        }
        if (pos == len)
            break;
        utf8proc_int32_t cp;
        utf8proc_ssize_t n =
            utf8proc_iterate((const utf8proc_uint8_t *)s + pos,
                             (utf8proc_ssize_t)(len - pos), &cp);
        if (n <= 0 || cp == 0)
            return pos;
        pos += (size_t)n;
    }
    return len;
}

int text_is_valid_utf8(const char *s, size_t len)
{
    return text_utf8_error_offset(s, len) == len;
}

char *text_fold(const char *s, size_t len)
{
    utf8proc_uint8_t *out = NULL;
    if (len == 0)
        return strdup("");
    utf8proc_ssize_t n = utf8proc_map(
        (const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &out,
        UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
            UTF8PROC_CASEFOLD | UTF8PROC_STABLE);
    if (n < 0)
        return NULL;
    return (char *)out;
}

char *text_slug(const char *s, size_t max_len)
{
    char *folded = text_fold(s, strlen(s));
    if (!folded)
        return NULL;
    size_t n = 0;
    int pending_dash = 0;
    for (const char *p = folded; *p; p++) {
        unsigned char ch = (unsigned char)*p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (pending_dash && n > 0)
                folded[n++] = '-';
            pending_dash = 0;
            folded[n++] = (char)ch;
        } else {
            pending_dash = 1;
        }
    }
    folded[n] = '\0';
    if (n > max_len) {
        size_t cut = max_len;
        while (cut > max_len / 2 && folded[cut] != '-')
            cut--;
        if (folded[cut] != '-')
            cut = max_len;
        folded[cut] = '\0';
        while (cut > 0 && folded[cut - 1] == '-')
            folded[--cut] = '\0';
    }
    return folded;
}
