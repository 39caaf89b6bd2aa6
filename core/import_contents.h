/*
 * The attachment contents one import has met, so that each distinct
 * content (sha256, read as one media type) is stored and its text
 * extracted once however many cases name it, and its text counted once
 * against the import's budget on extracted attachment text.
 *
 * Why a budget: the archive limits count bytes read, but extraction turns
 * them into text that is stored and indexed, and before contents were
 * stored once, 60 cases naming one 4 MiB text in a 214 KB zip stored 60
 * copies (issue 18). The budget is checked after each extraction, so an
 * import stops at the first content that crosses it.
 *
 * Invariant: a content met while the import was writing has its bytes
 * stored (and its text, when extraction succeeded) in the catalog's
 * transaction; an import stops writing after its first error and never
 * starts again, so a content met after that is never looked for there.
 */
#ifndef MINGA_IMPORT_CONTENTS_H
#define MINGA_IMPORT_CONTENTS_H

#include <stddef.h>
#include <stdint.h>

#include "catalog.h"

/* 256 MiB: 64 attachments at the 4 MiB of text one attachment can give
 * (EXTRACT_MAX_TEXT), tens of thousands of ordinary reports (the bench's
 * 100 000-case corpus carries about 40 MB), and the size of the largest
 * archive an import reads by default (256 MiB). */
#define DEFAULT_MAX_ATTACHMENT_TEXT (256ull << 20)

struct import_contents;

/* max_text 0 means DEFAULT_MAX_ATTACHMENT_TEXT. NULL when out of memory. */
struct import_contents *import_contents_new(uint64_t max_text);
void import_contents_free(struct import_contents *ic);

/* The text of the attachment `name` whose bytes are data/len with digest
 * sha256, read as media_type (a static string): taken from the catalog
 * when stored there, else extracted, counted and stored (with the bytes)
 * when is_writing. Without is_writing a content met before gets "".
 * Returns 0 with *text (malloc'd, caller frees), or:
 *   MINGA_EINVAL  no text could be extracted: *problem says why (the same
 *                 answer for every case naming that content);
 *   MINGA_ELIMIT  this text took the import over its budget: *problem
 *                 names the limit and how to raise it; contents met after
 *                 it are not extracted (*text "", 0 returned);
 *   MINGA_EINTERNAL  a content stored earlier in this import is gone
 *                 from the catalog (*problem);
 *   MINGA_EIO ... the catalog failed (catalog_errmsg).
 * *problem is malloc'd, caller frees. */
int import_contents_text(struct import_contents *ic, struct catalog *cat,
                         int is_writing, const char *name, const void *data,
                         size_t len, const char *sha256,
                         const char *media_type, char **text, char **problem);

#endif
