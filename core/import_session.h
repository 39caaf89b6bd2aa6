/*
 * One import: the state behind struct minga_import_sink while importer
 * plugins report cases, and the steps that make it all or nothing.
 *
 * Cases are validated and written to the catalog transaction as they
 * arrive (memory stays flat however large the input). A case read from
 * disk gets its attachments read, their text extracted, and is indexed at
 * once; a case inside an archive that names attachments is held and
 * indexed at the end, once the whole archive has been read (its
 * attachments may come after it). Any error anywhere makes the session
 * roll the catalog back and drop the index changes.
 */
#ifndef MINGA_IMPORT_SESSION_H
#define MINGA_IMPORT_SESSION_H

#include "minga_impl.h"
#include "case_builder.h"
#include "import_case_file.h"

struct pending_attachment_case;
struct import_contents;

struct import_session {
    struct minga *m;
    const struct minga_import_options *opt;
    struct minga_import_report *rep;
    struct minga_limits limits;
    struct case_builder *builder;
    struct mindex *ix; /* NULL in a dry run */
    uint64_t generation;
    int64_t import_id; /* log row of the file being read */
    int has_failed;    /* an I/O or internal error: stop writing */
    char *fail_message;
    struct pending_attachment_case *pending; /* linked list */
    size_t n_members;                 /* case files read inside archives */
    struct import_contents *contents; /* met so far; made on first use */
    /* One flag per opt->additions pair: its case was read. Owned. */
    unsigned char *is_addition_used;
};

struct minga_import_sink {
    struct import_session *session;
    char *display_name; /* "pack.zip!cases/rosario.json" */
    char *archive_name; /* "pack.zip" inside an archive; else NULL */
    char *member_dir;   /* folder of the member inside the archive */
    char *disk_dir;     /* folder of a case file read from disk */
    int depth;          /* 0 for a file on disk, 1 inside an archive */
};

void sink_init(struct minga_import_sink *sink, struct import_session *s,
               const char *display_name);
void sink_release(struct minga_import_sink *sink);

/* Stores a validated case (and queues its attachments). */
int session_store_case(struct import_session *s,
                       struct minga_import_sink *sink, struct built_case *bc);
/* Resolves queued attachments, extracts their text, indexes those cases. */
int session_finish_attachments(struct import_session *s);
/* Gives a validated case the targets opt->additions names for it (and
 * their goals), and keeps a copy in rep->kept when asked to. */
int session_amend_case(struct import_session *s, struct built_case *bc);
/* Frees the held cases and the record of the contents met. */
void session_free_pending(struct import_session *s);

void session_fail(struct import_session *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
