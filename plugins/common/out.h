/*
 * Output sinks for exporter plugins.
 *
 * Every exporter writes through a struct exp_out so the same code can write
 * to the host (host->write), to a spool file (tmpfile()) or to anything else
 * with a write callback (a zip entry). The first failure is sticky: later
 * writes are skipped and exp_out_status() reports it, so callers may write a
 * whole page and check once.
 */
#ifndef MINGA_EXP_OUT_H
#define MINGA_EXP_OUT_H

#include <stdio.h>
#include "minga/plugin.h"

struct exp_out;
typedef int (*exp_write_fn)(struct exp_out *out, const void *data, size_t len);

struct exp_out {
    exp_write_fn write;
    void *opaque;                      /* for custom callbacks */
    const struct minga_host_api *host; /* exp_out_init_host */
    struct minga_export_ctx *ctx;
    FILE *file; /* exp_out_init_file */
    int status; /* first error, or MINGA_OK */
    uint64_t bytes_written;
};

void exp_out_init_host(struct exp_out *out, const struct minga_host_api *host,
                       struct minga_export_ctx *ctx);
void exp_out_init_file(struct exp_out *out, FILE *file);
void exp_out_init_custom(struct exp_out *out, exp_write_fn write,
                         void *opaque);

int exp_out_write(struct exp_out *out, const void *data, size_t len);
int exp_out_puts(struct exp_out *out, const char *s);
int exp_out_printf(struct exp_out *out, const char *fmt, ...)
    MINGA_PRINTF(2, 3);
/* Writes s with & < > " ' replaced by entities: safe in HTML and XML text
 * and in quoted attribute values. NULL writes nothing. */
int exp_out_html(struct exp_out *out, const char *s);
/* Writes s percent-encoded for a relative URL path: unreserved bytes and
 * '/' stay, everything else becomes %XX. */
int exp_out_url_path(struct exp_out *out, const char *s);
static inline int exp_out_status(const struct exp_out *out)
{
    return out->status;
}

#endif /* MINGA_EXP_OUT_H */
