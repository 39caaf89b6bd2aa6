/*
 * Checks and normalizes archive entry names (see entry_names.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entry_names.h"

int entry_name_is_utf8(const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if (c >= 0xC2 && c <= 0xDF) {
            n = 1;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            n = 2;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (len - i <= n)
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((p[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += n + 1;
    }
    return 1;
}

/*
 * CP437's upper half as Unicode. This is the one hand-written character
 * table in minga, and it is justified: zip tools before the UTF-8 flag
 * (bit 11, 2006) wrote names in the DOS code page, which the zip spec names
 * as CP437; libarchive can only convert them through iconv and the process
 * locale, which a plugin must not touch and which differ between machines.
 * 128 fixed code points make the result the same everywhere.
 */
static const uint16_t cp437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA,
    0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5, 0x00C9, 0x00E6,
    0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC,
    0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192, 0x00E1, 0x00ED, 0x00F3, 0x00FA,
    0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC,
    0x00A1, 0x00AB, 0x00BB, 0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561,
    0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B,
    0x2510, 0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F,
    0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567, 0x2568,
    0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518,
    0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580, 0x03B1, 0x00DF, 0x0393,
    0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4,
    0x221E, 0x03C6, 0x03B5, 0x2229, 0x2261, 0x00B1, 0x2265, 0x2264, 0x2320,
    0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2,
    0x25A0, 0x00A0,
};

char *entry_name_from_cp437(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len * 3 + 1); /* every code point fits 3 bytes */
    if (!out)
        return NULL;
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x80) {
            out[o++] = (char)*p;
            continue;
        }
        uint16_t cp = cp437_high[*p - 0x80];
        if (cp < 0x800) {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    return out;
}

static int is_separator(char c)
{
    return c == '/' || c == '\\';
}

int entry_name_check(const char *name, char **out,
                     enum entry_name_verdict *verdict)
{
    size_t len = strlen(name);
    if (len > ENTRY_NAME_MAX) {
        *verdict = ENTRY_NAME_TOO_LONG;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)name[i];
        if (c < 0x20 || c == 0x7F) {
            *verdict = ENTRY_NAME_CONTROL;
            return 0;
        }
    }
    /* "/x", "\x" and "C:x" are absolute on some system that unpacks it. */
    if ((len > 0 && is_separator(name[0])) ||
        (len > 1 && name[1] == ':' &&
         ((name[0] >= 'A' && name[0] <= 'Z') ||
          (name[0] >= 'a' && name[0] <= 'z')))) {
        *verdict = ENTRY_NAME_ABSOLUTE;
        return 0;
    }
    char *norm = malloc(len + 1);
    if (!norm)
        return -1;
    size_t n = 0;
    const char *p = name;
    while (*p) {
        size_t part = 0;
        while (p[part] && !is_separator(p[part]))
            part++;
        if (part == 2 && p[0] == '.' && p[1] == '.') {
            free(norm);
            *verdict = ENTRY_NAME_DOTDOT;
            return 0;
        }
        if (part > 0 && !(part == 1 && p[0] == '.')) {
            if (n > 0)
                norm[n++] = '/';
            memcpy(norm + n, p, part);
            n += part;
        }
        p += part;
        if (*p)
            p++;
    }
    norm[n] = '\0';
    if (n == 0) {
        free(norm);
        *verdict = ENTRY_NAME_EMPTY;
        return 0;
    }
    *verdict = ENTRY_NAME_OK;
    *out = norm;
    return 0;
}

int entry_name_is_junk(const char *name)
{
    if (strncmp(name, "__MACOSX/", 9) == 0 || strcmp(name, "__MACOSX") == 0)
        return 1;
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    return strncmp(base, "._", 2) == 0 || strcmp(base, ".DS_Store") == 0;
}

const char *entry_name_reason(enum entry_name_verdict verdict)
{
    switch (verdict) {
    case ENTRY_NAME_OK:
        return "valid";
    case ENTRY_NAME_EMPTY:
        return "the entry has an empty name";
    case ENTRY_NAME_ABSOLUTE:
        return "the entry has an absolute path";
    case ENTRY_NAME_DOTDOT:
        return "the entry's path has a \"..\" component";
    case ENTRY_NAME_CONTROL:
        return "the entry's name contains a control character";
    case ENTRY_NAME_TOO_LONG:
        return "the entry's name is too long";
    }
    return "the entry's name is invalid";
}
