/* Output sinks: host, FILE and callback targets with a sticky error. */
#include "out.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static int out_write_host(struct exp_out *out, const void *data, size_t len)
{
    return out->host->write(out->ctx, data, len);
}

static int out_write_file(struct exp_out *out, const void *data, size_t len)
{
    if (len > 0 && fwrite(data, 1, len, out->file) != len)
        return MINGA_EIO;
    return MINGA_OK;
}

static void out_init(struct exp_out *out, exp_write_fn write)
{
    memset(out, 0, sizeof *out);
    out->write = write;
    out->status = MINGA_OK;
}

void exp_out_init_host(struct exp_out *out, const struct minga_host_api *host,
                       struct minga_export_ctx *ctx)
{
    out_init(out, out_write_host);
    out->host = host;
    out->ctx = ctx;
}

void exp_out_init_file(struct exp_out *out, FILE *file)
{
    out_init(out, out_write_file);
    out->file = file;
}

void exp_out_init_custom(struct exp_out *out, exp_write_fn write, void *opaque)
{
    out_init(out, write);
    out->opaque = opaque;
}

int exp_out_write(struct exp_out *out, const void *data, size_t len)
{
    if (out->status != MINGA_OK)
        return out->status;
    if (len == 0)
        return MINGA_OK;
    int rc = out->write(out, data, len);
    if (rc != MINGA_OK)
        out->status = rc < 0 ? rc : MINGA_EIO;
    else
        out->bytes_written += len;
    return out->status;
}

int exp_out_puts(struct exp_out *out, const char *s)
{
    return s ? exp_out_write(out, s, strlen(s)) : out->status;
}

int exp_out_printf(struct exp_out *out, const char *fmt, ...)
{
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        if (out->status == MINGA_OK)
            out->status = MINGA_EINTERNAL;
        return out->status;
    }
    if ((size_t)n < sizeof small)
        return exp_out_write(out, small, (size_t)n);
    char *big = malloc((size_t)n + 1);
    if (!big) {
        if (out->status == MINGA_OK)
            out->status = MINGA_ENOMEM;
        return out->status;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    exp_out_write(out, big, (size_t)n);
    free(big);
    return out->status;
}

int exp_out_html(struct exp_out *out, const char *s)
{
    if (!s)
        return out->status;
    const char *run = s;
    for (const char *p = s; *p; p++) {
        const char *entity;
        switch (*p) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            continue;
        }
        exp_out_write(out, run, (size_t)(p - run));
        exp_out_puts(out, entity);
        run = p + 1;
    }
    return exp_out_puts(out, run);
}

int exp_out_url_path(struct exp_out *out, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        unsigned char ch = *p;
        if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
            (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.' ||
            ch == '~' || ch == '/') {
            exp_out_write(out, p, 1);
        } else {
            char esc[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            exp_out_write(out, esc, 3);
        }
    }
    return out->status;
}
