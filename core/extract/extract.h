/*
 * Text extraction from attachments (PDF, DOCX, ODT, HTML, TXT, Markdown),
 * so that a case's documents are searchable with it.
 *
 * Invariants: the text returned is always valid UTF-8 without NUL bytes and
 * at most EXTRACT_MAX_TEXT bytes (longer text is cut at a character
 * boundary); nothing is fetched from the network, no XML entity is
 * expanded, and nothing is printed. libxml2 is initialised once, and never
 * cleaned up, since other modules of the process may use it too.
 */
#ifndef MINGA_EXTRACT_H
#define MINGA_EXTRACT_H

#include <stddef.h>

#define EXTRACT_MAX_TEXT (4u * 1024 * 1024)

/* Extracts the text of an attachment for indexing. Returns 0 with
 * *text_out (malloc'd UTF-8, caller frees; "" when the file has no text)
 * and *media_type_out (static string), or a negative MINGA_E* code with
 * *errmsg (malloc'd, caller frees) for a corrupt, encrypted or unsupported
 * file: MINGA_EINVAL for those, MINGA_ENOMEM when memory ran out.
 * `name` chooses the type by its extension and appears in messages. */
int extract_text(const char *name, const void *data, size_t len,
                 char **text_out, const char **media_type_out, char **errmsg);

/* The media type of an allowed attachment type, by extension (case
 * insensitive); NULL when the type is not allowed as an attachment. */
const char *extract_media_type(const char *name);

#endif
