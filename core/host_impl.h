/*
 * The host functions behind struct minga_host_api, implemented by the
 * import session (import_sink.c) and the export driver (export.c); the
 * plugin host assembles them into the one table plugins receive.
 */
#ifndef MINGA_HOST_IMPL_H
#define MINGA_HOST_IMPL_H

#include "minga/plugin.h"

int sink_case_begin(struct minga_import_sink *sink, int line);
int sink_case_field(struct minga_import_sink *sink, const char *name,
                    const struct minga_value *value);
int sink_case_item(struct minga_import_sink *sink, const char *name,
                   size_t index, const struct minga_value *value);
int sink_case_end(struct minga_import_sink *sink);
void sink_error(struct minga_import_sink *sink, int line, int column,
                const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void sink_warning(struct minga_import_sink *sink, int line, int column,
                  const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int sink_import_member(struct minga_import_sink *sink, const char *name,
                       const void *data, size_t len);
int sink_add_file(struct minga_import_sink *sink, const char *name,
                  const void *data, size_t len);
const struct minga_limits *sink_limits(struct minga_import_sink *sink);
void sink_progress(struct minga_import_sink *sink, uint64_t done,
                   uint64_t total);

int export_write(struct minga_export_ctx *ctx, const void *data, size_t len);
const struct minga_export_info *export_info(struct minga_export_ctx *ctx);
int export_attachment_read(struct minga_export_ctx *ctx, const char *sha256,
                           const void **data, size_t *len);
/* ABI 1.2: why the exporter failed; the last message before it fails
 * reaches minga_export's caller. */
void export_error(struct minga_export_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* ABI 1.2: the cases like `id` (minga_related), as views valid until the
 * next call on ctx. */
int export_related_cases(struct minga_export_ctx *ctx, const char *id,
                         unsigned limit,
                         const struct minga_related_case **items,
                         size_t *n_items);

#endif
