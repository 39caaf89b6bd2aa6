/*
 * A harvested record's metadata read into a case, through the case
 * builder (every rule of the case format v1 applies, as for any import):
 *
 *   minga   (urn:minga:case:1, docs/minga-oai.xsd): element for element,
 *           lossless; the attachments' declared sha256 and size are kept
 *           so that their bytes, fetched apart, can be checked.
 *   oai_dc  (Dublin Core): mapped as docs/federation.md says (title,
 *           description as the summary, language, coverage for city,
 *           region and country, date for the years, subject "SDG N" and
 *           "SDG N.M" for goals and targets, other subjects as tags,
 *           contributor for the actors, source, rights); levels, which
 *           Dublin Core cannot say, are "local".
 *
 * A record that cannot be mapped gets diagnostics naming the record
 * ("URL!IDENTIFIER") and the field (the Dublin Core element when the
 * mapping failed, the case field when a rule did), and no case.
 */
#ifndef MINGA_HARVEST_MAP_H
#define MINGA_HARVEST_MAP_H

#include <stdint.h>
#include <libxml/tree.h>

#include "case_builder.h"
#include "diag.h"

#define HARVEST_MINGA_NS "urn:minga:case:1"

/* What the source says of an attachment (the minga format). */
struct harvest_attachment_ref {
    char *sha256; /* 64 hex chars, or NULL when not declared */
    uint64_t size;
};

/* Reads a `minga` record. Returns 0 with *out (release with
 * built_case_release) and *refs (one per out->c->n_attachments; free with
 * free() after freeing each sha256), or MINGA_EINVAL after diagnostics. */
int harvest_map_minga(struct case_builder *b, struct diag_list *dl,
                      xmlNodePtr meta, const char *display,
                      struct built_case *out,
                      struct harvest_attachment_ref **refs);

/* Reads an `oai_dc` record; the case id is made from the identifier's
 * last part (after its last ':'): lower case, a-z 0-9 and '-'. */
int harvest_map_dc(struct case_builder *b, struct diag_list *dl,
                   xmlNodePtr meta, const char *display,
                   const char *identifier, struct built_case *out);

/* The case id a record's identifier gives (as harvest_map_dc makes it);
 * malloc'd, NULL when nothing of it is usable. */
char *harvest_id_from_identifier(const char *identifier);

#endif
