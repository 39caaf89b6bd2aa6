/*
 * minga plugin ABI, version 1 (minor 2: docs/plugins.md lists what each
 * minor added).
 *
 * This is the only header a third-party importer or exporter needs. A plugin
 * is a shared object that exports exactly one data symbol, `minga_plugin`,
 * defined with MINGA_PLUGIN_DEFINE. The host dlopen()s it, checks
 * abi_major, abi_minor (a plugin built for a newer minor than the host is
 * refused) and struct_size, and keeps it loaded for the life of the process.
 *
 * Rules that keep the ABI stable:
 *   - structs only grow at the end; a field is never reordered or removed
 *     within one major version, and every struct carries its own size;
 *   - the host passes the plugin a table of host functions; the plugin never
 *     links against the host's internals;
 *   - memory allocated by one side is freed by that side: every pointer the
 *     host hands a plugin is borrowed and valid only during the call.
 *
 * Importers turn bytes into cases by reporting fields one by one to the host
 * (case_begin, case_field, case_item, case_end). The host owns the case
 * model: it checks field names and types, validates every rule of the case
 * format, and writes all or nothing. Exporters receive finished cases, one
 * by one, and write their output through host->write.
 */
#ifndef MINGA_PLUGIN_H
#define MINGA_PLUGIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MINGA_ABI_MAJOR 1
#define MINGA_ABI_MINOR 2

#if defined(__GNUC__)
#define MINGA_EXPORT __attribute__((visibility("default")))
#define MINGA_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MINGA_EXPORT
#define MINGA_PRINTF(f, a)
#endif

/* Return codes shared by the host and plugins: MINGA_OK, MINGA_EINVAL,
 * MINGA_ENOMEM, MINGA_EIO, MINGA_ELIMIT, MINGA_ENOTFOUND, ... */
#include "errors.h"

enum minga_plugin_kind {
    MINGA_PLUGIN_IMPORTER = 1,
    MINGA_PLUGIN_EXPORTER = 2
};

/* Levels of government (bit masks, in the case format's canonical order). */
enum minga_level {
    MINGA_LEVEL_LOCAL = 1u << 0,
    MINGA_LEVEL_REGIONAL = 1u << 1,
    MINGA_LEVEL_NATIONAL = 1u << 2,
    MINGA_LEVEL_MULTILATERAL = 1u << 3
};
#define MINGA_N_LEVELS 4

/* Actors (bit masks, canonical order). */
enum minga_actor {
    MINGA_ACTOR_PUBLIC_SECTOR = 1u << 0,
    MINGA_ACTOR_CIVIL_SOCIETY = 1u << 1,
    MINGA_ACTOR_PRIVATE_SECTOR = 1u << 2,
    MINGA_ACTOR_ACADEMIA = 1u << 3,
    MINGA_ACTOR_COMMUNITY = 1u << 4,
    MINGA_ACTOR_INTERNATIONAL_ORGANIZATION = 1u << 5
};
#define MINGA_N_ACTORS 6

/* ---- Cases as exporters see them ------------------------------------- */

/* One attachment of a case. The host may append fields in a later
 * minor version: reach the attachments of a case with
 * minga_case_attachment(c, i), never with c->attachments[i], so that a
 * plugin built now steps over them right. */
struct minga_attachment {
    const char *path;       /* relative to the case file, as declared */
    const char *sha256;     /* hex, 64 chars */
    const char *media_type; /* "application/pdf", ... */
    uint64_t size;          /* bytes of the original file */
    const char *text;       /* extracted text; "" when none */
};
/* Its layout in ABI 1.0-1.2, frozen here so that its size, the stride of
 * an older host's array, stays known when the struct above grows. */
struct minga_attachment_1_0 {
    const char *path, *sha256, *media_type;
    uint64_t size;
    const char *text;
};
#define MINGA_ATTACHMENT_SIZE_1_0 sizeof(struct minga_attachment_1_0)

/* A validated case. Every pointer is owned by whoever built the struct; an
 * exporter only borrows it for the duration of write_case. Arrays are in
 * canonical order: goals ascending, targets by goal then number, levels and
 * actors in enum order. Absent optional strings are NULL. */
struct minga_case {
    size_t struct_size;
    const char *id;
    const char *title;
    const char *summary;
    const char *body;
    const char *language;
    const char *city;
    const char *country;
    const char *region;
    int year_start;
    int year_end;       /* 0 when absent */
    uint32_t goal_mask; /* bit g set for goal g, 1..17 */
    const char *const *targets;
    size_t n_targets;
    uint32_t level_mask; /* enum minga_level bits */
    uint32_t actor_mask; /* enum minga_actor bits */
    const char *const *tags;
    size_t n_tags;
    const char *source_url;
    const char *license;
    const struct minga_attachment *attachments;
    size_t n_attachments;
    const char *created_at; /* ISO 8601 UTC; NULL before it is stored */
    const char *updated_at;
    /* Since ABI 1.2: sizeof(struct minga_attachment) as the host built
     * the array, its stride (0: MINGA_ATTACHMENT_SIZE_1_0). Read through
     * minga_case_attachment. */
    size_t attachment_size;
};

/* Attachment i (< c->n_attachments) of case c, whatever the minor
 * version of the host that built c. */
static inline const struct minga_attachment *
minga_case_attachment(const struct minga_case *c, size_t i)
{
    size_t stride = MINGA_ATTACHMENT_SIZE_1_0;
    if (c->struct_size >=
            offsetof(struct minga_case, attachment_size) + sizeof(size_t) &&
        c->attachment_size >= MINGA_ATTACHMENT_SIZE_1_0)
        stride = c->attachment_size;
    return (const struct minga_attachment *)(const void *)((const char *)
                                                               c->attachments +
                                                           i * stride);
}

/* ---- Values reported by importers ------------------------------------ */

enum minga_value_type {
    MINGA_VALUE_NULL = 0,
    MINGA_VALUE_STRING, /* typed string (JSON, quoted YAML) */
    MINGA_VALUE_TEXT,   /* untyped text (CSV cell, plain YAML scalar):
                                the host converts it to the field's type, and
                                splits it on ';' for array fields */
    MINGA_VALUE_INTEGER,
    MINGA_VALUE_REAL,
    MINGA_VALUE_BOOL,
    MINGA_VALUE_ARRAY, /* an array follows as case_item calls */
    MINGA_VALUE_OBJECT /* a nested object: never valid in v1 */
};

/* A value an importer reports. Its layout is fixed for major version 1
 * (it carries no size, and the importer, not the host, builds it): a
 * later minor version that needs more from a value adds a host function
 * taking a larger struct, as SQLite adds sqlite3_bind_* functions,
 * and leaves this one as it is. */
struct minga_value {
    int type;        /* enum minga_value_type */
    const char *str; /* STRING, TEXT: bytes, not NUL-terminated */
    size_t len;
    long long integer; /* INTEGER, BOOL */
    double real;       /* REAL */
    int line;          /* 1-based; 0 when the format has no lines */
    int column;        /* 1-based; 0 when unknown */
};

/* The host-side state of one import; opaque to plugins. */
struct minga_import_sink;
/* The host-side state of one export; opaque to plugins. */
struct minga_export_ctx;

/* Limits importers must enforce, counting what they actually read, never
 * what a file declares. 0 in a field means its default. */
struct minga_limits {
    size_t struct_size;
    uint64_t max_compressed;   /* the archive file itself */
    uint64_t max_uncompressed; /* sum of all entries */
    uint64_t max_entries;
    uint64_t max_entry_size; /* one entry */
    /* Since ABI 1.1: the budgets of the case-file parsers. A host built
     * before them passes a shorter struct: read them with MINGA_LIMIT. */
    uint64_t max_json_values; /* values in one case: an element of
                                    a .json list, a .json file of one
                                    case, a line of a JSON Lines file */
    uint64_t max_depth;       /* nesting of JSON arrays and objects and
                                    of YAML sequences and mappings */
    uint64_t max_csv_columns; /* cells in a CSV header row */
};

/* Defaults of the parser budgets, far above any real case file (a case has
 * a few dozen values, a list at most hundreds of items) and low enough
 * that the worst input under them stays well inside 256 MiB: jansson
 * spends up to about 270 bytes on a JSON value (an object holding an
 * object), so 500 000 values cost at most about 135 MiB. */
#define MINGA_DEFAULT_MAX_JSON_VALUES 500000u
/* max_entry_size also bounds a case file read whole (all but JSON Lines
 * and archives), so that no parser's copies of it pass 256 MiB. */
#define MINGA_DEFAULT_MAX_ENTRY_SIZE (64ull << 20)
#define MINGA_DEFAULT_MAX_DEPTH 64u
#define MINGA_DEFAULT_MAX_CSV_COLUMNS 1000u

/* The value of a limit field, or `dflt` when the host's struct is too old
 * to hold that field or leaves it 0:
 *   const struct minga_limits *l = host->limits(sink);
 *   uint64_t max_depth = MINGA_LIMIT(l, max_depth, MINGA_DEFAULT_MAX_DEPTH);
 */
static inline uint64_t minga_limit_at(const struct minga_limits *limits,
                                      size_t offset, uint64_t dflt)
{
    if (!limits || limits->struct_size < offset + sizeof(uint64_t))
        return dflt;
    uint64_t value = *(const uint64_t *)((const char *)limits + offset);
    return value ? value : dflt;
}
#define MINGA_LIMIT(limits, field, dflt)                                      \
    minga_limit_at((limits), offsetof(struct minga_limits, field), (dflt))

/* What an exporter is asked to produce. */
struct minga_export_info {
    size_t struct_size;
    const char *query;        /* free text as typed; "" for none */
    const char *filters;      /* human-readable, e.g. "sdg:11 level:local" */
    const char *lang;         /* "es", "pt" or "en": labels and goal names */
    uint64_t n_cases;         /* how many cases write_case will receive */
    const char *generated_at; /* ISO 8601 UTC */
    const char *minga_version;
};

/* One of the 17 goals, from the host's reference data. */
struct minga_goal_info {
    size_t struct_size;
    int number;
    const char *color; /* "#E5243B" */
    const char *name_es, *name_pt, *name_en;
    const char *title_es, *title_pt, *title_en;
};

/* One experience like a case, from host->related_cases (ABI 1.2). */
struct minga_related_case {
    size_t struct_size;
    const char *id;
    const char *title;
    const char *city;
    const char *country; /* ISO 3166-1 alpha-2 */
    int year_start;
    int year_end;              /* 0 when absent */
    double score;              /* higher is closer; only for ordering */
    int is_same_city;          /* the same city and country as the case */
    int is_exported;           /* also in this export: link to it */
    uint32_t shared_goal_mask; /* bit g set: both have goal g */
    const char *const *shared_targets; /* "11.2", the case's order */
    size_t n_shared_targets;
    /* Words and phrases both use, strongest first, as the case writes
     * them; a match through a translation reads "huerta = horta". */
    const char *const *shared_terms;
    size_t n_shared_terms;
};

struct minga_host_api {
    size_t struct_size;
    uint32_t abi_major;
    uint32_t abi_minor;

    /* -- importers ---------------------------------------------------- */
    /* What the int-returning importer functions below return: 0; or
     * MINGA_EINVAL when the input was refused and the host has already
     * reported why (keep reading: every error of a file is shown, and
     * the import fails at its end); or MINGA_ENOMEM, MINGA_ELIMIT (a
     * budget crossed) or MINGA_EIO, after which the importer stops and
     * returns that code from import_buffer or import_fd. */
    /* Starts a case at `line` (0 when unknown) of the current file. */
    int (*case_begin)(struct minga_import_sink *sink, int line);
    /* Reports one field of the current case. For an array field, report
     * type MINGA_VALUE_ARRAY here, then each item with case_item. */
    int (*case_field)(struct minga_import_sink *sink, const char *name,
                      const struct minga_value *value);
    int (*case_item)(struct minga_import_sink *sink, const char *name,
                     size_t index, const struct minga_value *value);
    /* Ends the current case; `body_line` is unused in v1, pass 0. */
    int (*case_end)(struct minga_import_sink *sink);
    /* Reports a problem in the current file; `field` may be NULL. Errors
     * make the whole import fail; warnings are printed and the import goes
     * on. The host caps how many are shown. */
    void (*error)(struct minga_import_sink *sink, int line, int column,
                  const char *field, const char *fmt, ...) MINGA_PRINTF(5, 6);
    void (*warning)(struct minga_import_sink *sink, int line, int column,
                    const char *field, const char *fmt, ...)
        MINGA_PRINTF(5, 6);
    /* Archives: hands one member to the importer for its type. `name` is
     * the member's path inside the archive, already checked to be relative
     * and free of "..". Returns MINGA_ENOTFOUND when no importer takes that
     * type (the member is then kept only as a possible attachment). */
    int (*import_member)(struct minga_import_sink *sink, const char *name,
                         const void *data, size_t len);
    /* Archives: offers a member as a possible attachment of the cases in
     * the same archive; the host keeps it only if a case names it. */
    int (*add_file)(struct minga_import_sink *sink, const char *name,
                    const void *data, size_t len);
    const struct minga_limits *(*limits)(struct minga_import_sink *sink);
    /* Progress of a long read, for the host's progress bar. */
    void (*progress)(struct minga_import_sink *sink, uint64_t done,
                     uint64_t total);

    /* -- exporters ---------------------------------------------------- */
    int (*write)(struct minga_export_ctx *ctx, const void *data, size_t len);
    const struct minga_export_info *(*export_info)(struct minga_export_ctx *);
    /* Reads an attachment's original bytes by sha256. The pointer is
     * borrowed and valid until the next call on the same ctx. */
    int (*attachment_read)(struct minga_export_ctx *ctx, const char *sha256,
                           const void **data, size_t *len);
    /* Goal 1..17; NULL otherwise. */
    const struct minga_goal_info *(*goal_info)(int number);
    /* A target's or level's or actor's label in a language, for display. */
    const char *(*level_label)(uint32_t level_bit, const char *lang);
    const char *(*actor_label)(uint32_t actor_bit, const char *lang);
    /* English short name of a country code ("BR" -> "Brazil"); NULL if
     * unknown. */
    const char *(*country_name)(const char *alpha2);

    /* -- ABI 1.2 ------------------------------------------------------ */
    /* Exporters: says what went wrong, in one line, before begin,
     * write_case or finish returns a negative code; the host hands the
     * text to the caller (`minga export` prints it) instead of "failed
     * (code N)". The last call before the failure wins. Test for it with
     * MINGA_HOST_HAS(host, export_error): a 1.1 host does not have it. */
    void (*export_error)(struct minga_export_ctx *ctx, const char *fmt, ...)
        MINGA_PRINTF(2, 3);
    /* Exporters: up to `limit` (1..20) experiences most like case `id`,
     * another city's before an equally close one of the same city, each
     * with what it shares with the case (as GET /api/cases/{id}/related).
     * *items is borrowed: valid until the next related_cases call on the
     * same ctx or the end of the export. Returns 0, with *n_items 0 when
     * nothing is like the case or the index does not hold it yet; a
     * negative MINGA_E... code (MINGA_ENOMEM, MINGA_EIO) when the search
     * failed, which an exporter may treat as "none". Test for it with
     * MINGA_HOST_HAS(host, related_cases). */
    int (*related_cases)(struct minga_export_ctx *ctx, const char *id,
                         unsigned limit,
                         const struct minga_related_case **items,
                         size_t *n_items);
};

/* Nonzero when `host` is long enough to hold the function pointer `field`
 * and sets it. Fields are only ever added at the end of the table, so a
 * plugin built against a newer header than its host tests each field newer
 * than 1.0 before calling it:
 *   if (MINGA_HOST_HAS(host, export_error))
 *       host->export_error(ctx, "cannot open %s", path);  */
#define MINGA_HOST_HAS(host, field)                                           \
    ((host) != NULL &&                                                        \
     (host)->struct_size >=                                                   \
         offsetof(struct minga_host_api, field) + sizeof((host)->field) &&    \
     (host)->field != NULL)

/* ---- What a plugin provides ------------------------------------------ */

struct minga_importer {
    size_t struct_size;
    /* NULL-terminated list of lower-case file name endings it handles,
     * longest first where they overlap: ".tar.gz", ".json". */
    const char *const *extensions;
    /* Reads one whole file from memory. `name` is for messages. Returns
     * 0 when the file was read to its end (its errors, reported through
     * host->error, still fail the import), MINGA_EINVAL when it could
     * not be read as this format (say why with host->error first), or
     * the MINGA_ENOMEM, MINGA_ELIMIT or MINGA_EIO a host function
     * returned; any nonzero return fails the whole import. */
    int (*import_buffer)(const struct minga_host_api *host,
                         struct minga_import_sink *sink, const char *name,
                         const void *data, size_t len);
    /* Optional: reads a file from an open descriptor, for formats too large
     * to hold in memory (archives). NULL when unsupported. Returns as
     * import_buffer does. */
    int (*import_fd)(const struct minga_host_api *host,
                     struct minga_import_sink *sink, const char *name, int fd);
};

struct minga_exporter {
    size_t struct_size;
    const char *format;     /* the --format name: "json" */
    const char *media_type; /* "application/json" */
    const char *extension;  /* file name ending without dot: "json" */
    /* Starts an export; *state is the plugin's own, freed by finish. */
    /* Each returns 0 on success or a negative MINGA_E... code: MINGA_EIO
     * when host->write failed or a file could not be written, MINGA_ENOMEM
     * when out of memory, MINGA_EINVAL when a case cannot be rendered.
     * Any nonzero return stops the export; the host then calls finish with
     * ok == 0 (if begin set *state). Say why with host->export_error. */
    int (*begin)(const struct minga_host_api *host,
                 struct minga_export_ctx *ctx, void **state);
    int (*write_case)(void *state, const struct minga_case *c);
    /* Completes the output when ok is nonzero, and frees state either way. */
    int (*finish)(void *state, int ok);
};

struct minga_plugin_desc {
    uint32_t abi_major;
    uint32_t abi_minor;
    size_t struct_size;
    const char *name;
    int kind; /* enum minga_plugin_kind */
    const char *version;
    const char *description;
    const struct minga_importer *importer; /* when kind is IMPORTER */
    const struct minga_exporter *exporter; /* when kind is EXPORTER */
    /* -- ABI 1.2, optional (NULL for none); a descriptor built against an
     *    older header ends before them, as its struct_size says. */
    /* Called once, after the host has checked the descriptor and before
     * any other call, from the thread that loads plugins: set up what
     * the plugin shares across calls (a library's global init). Returns
     * 0, or a negative MINGA_E... code with a one-line reason written
     * into why (why_size bytes, NUL-terminated; the host's buffer): the
     * plugin is then refused with that reason and never called again. */
    int (*init)(const struct minga_host_api *host, char *why, size_t why_size);
    /* Called once when the process exits normally, after the last call,
     * in the reverse order of loading; a plugin whose init failed is not
     * released. */
    void (*release)(void);
};

#define MINGA_PLUGIN_SYMBOL "minga_plugin"

/* Defines the plugin's one exported symbol. Use once per plugin:
 *   MINGA_PLUGIN_DEFINE("csv", MINGA_PLUGIN_IMPORTER, "1.0.0",
 *                       "CSV case files", &csv_importer, NULL);  */
#define MINGA_PLUGIN_DEFINE(name, kind, version, description, importer,       \
                            exporter)                                         \
    MINGA_PLUGIN_DEFINE_HOOKS(name, kind, version, description, importer,     \
                              exporter, NULL, NULL)

/* The same with init and release functions (ABI 1.2):
 *   MINGA_PLUGIN_DEFINE_HOOKS("pdf", MINGA_PLUGIN_EXPORTER, "1.0.0",
 *                             "PDF briefing", NULL, &pdf_exporter,
 *                             pdf_init, NULL);  */
#define MINGA_PLUGIN_DEFINE_HOOKS(name, kind, version, description, importer, \
                                  exporter, init, release)                    \
    MINGA_EXPORT extern const struct minga_plugin_desc minga_plugin;          \
    MINGA_EXPORT const struct minga_plugin_desc minga_plugin = {              \
        MINGA_ABI_MAJOR, MINGA_ABI_MINOR, sizeof(struct minga_plugin_desc),   \
        (name),          (kind),          (version),                          \
        (description),   (importer),      (exporter),                         \
        (init),          (release)}

#ifdef __cplusplus
}
#endif

#endif /* MINGA_PLUGIN_H */
