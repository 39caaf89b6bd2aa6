/*
 * Unicode text folding (utf8proc): the one place that decides how text is
 * normalised for matching, so the index, the query parser and the id
 * slugs agree. Folding is NFKD, marks stripped, case folded: "Participación"
 * and "PARTICIPACION" both fold to "participacion", "orçamento" to
 * "orcamento".
 */
#ifndef MINGA_TEXTFOLD_H
#define MINGA_TEXTFOLD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Returns a new NUL-terminated folded copy of s[0..len), or NULL when s is
 * not valid UTF-8 or memory ran out. Caller frees. */
char *text_fold(const char *s, size_t len);

/* Whether s[0..len) is valid UTF-8 with no NUL byte. */
int text_is_valid_utf8(const char *s, size_t len);

/* Returns the byte offset of the first invalid UTF-8 sequence in
 * s[0..len), or len when all is valid. */
size_t text_utf8_error_offset(const char *s, size_t len);

/* A slug for ids: folded, runs of anything but a-z0-9 become one '-',
 * no leading or trailing '-', at most max_len bytes (cut at a '-' when
 * possible). Returns a new string (possibly ""); NULL on invalid UTF-8. */
char *text_slug(const char *s, size_t max_len);

#ifdef __cplusplus
}
#endif

#endif
