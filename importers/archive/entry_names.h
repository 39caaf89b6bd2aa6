/*
 * Entry names of archives: what a name must be before any other part of
 * minga sees it. A checked name is valid UTF-8, relative, free of "." and
 * ".." components and of control characters, with '/' as the separator.
 */
#ifndef MINGA_ENTRY_NAMES_H
#define MINGA_ENTRY_NAMES_H

#include <stddef.h>

#define ENTRY_NAME_MAX 1024

enum entry_name_verdict {
    ENTRY_NAME_OK = 0,
    ENTRY_NAME_EMPTY, /* nothing left once "." parts are gone */
    ENTRY_NAME_ABSOLUTE,
    ENTRY_NAME_DOTDOT,
    ENTRY_NAME_CONTROL,
    ENTRY_NAME_TOO_LONG
};

/* 1 when the `len` bytes at `s` are valid UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
int entry_name_is_utf8(const char *s, size_t len);

/* Decodes a CP437 name (what old zip tools write) to UTF-8. Returns a new
 * string; caller frees. NULL when out of memory. */
char *entry_name_from_cp437(const char *s);

/* Checks `name` and writes its normalized form (no leading "./", no empty
 * or "." components, '\' read as '/') to a new string in *out; caller
 * frees. *out is set only when the verdict is ENTRY_NAME_OK. Returns -1
 * when out of memory. */
int entry_name_check(const char *name, char **out,
                     enum entry_name_verdict *verdict);

/* 1 for the files macOS and its zip tool leave behind (__MACOSX/, "._*",
 * .DS_Store): not content. `name` is a normalized name. */
int entry_name_is_junk(const char *name);

/* A short English reason for a verdict other than ENTRY_NAME_OK. */
const char *entry_name_reason(enum entry_name_verdict verdict);

#endif
