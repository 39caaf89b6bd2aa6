/* An exporter with init and release (ABI 1.2): init runs once, before any
 * export, and says so in every export's output; release, at exit, writes
 * "released" to the file MINGA_TEST_RELEASE_FILE names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minga/plugin.h"

static int n_inits;
static unsigned host_minor;

static int hooks_init(const struct minga_host_api *host, char *why,
                      size_t why_size)
{
    (void)why;
    (void)why_size;
    n_inits++;
    host_minor = host->abi_minor;
    return MINGA_OK;
}

static void hooks_release(void)
{
    const char *path = getenv("MINGA_TEST_RELEASE_FILE");
    FILE *f = path ? fopen(path, "w") : NULL;
    if (f) {
        fprintf(f, "released after %d init\n", n_inits);
        fclose(f);
    }
}

struct hooks_state {
    const struct minga_host_api *host;
    struct minga_export_ctx *ctx;
};
static struct hooks_state the_state;

static int hooks_begin(const struct minga_host_api *host,
                       struct minga_export_ctx *ctx, void **state)
{
    the_state.host = host;
    the_state.ctx = ctx;
    *state = &the_state;
    char line[64];
    int n = snprintf(line, sizeof line, "inits %d minor %u\n", n_inits,
                     host_minor);
    return host->write(ctx, line, (size_t)n);
}

static int hooks_write_case(void *state, const struct minga_case *c)
{
    (void)state;
    (void)c;
    return MINGA_OK;
}

static int hooks_finish(void *state, int ok)
{
    (void)state;
    (void)ok;
    return MINGA_OK;
}

static const struct minga_exporter hooks_exporter = {
    .struct_size = sizeof(struct minga_exporter),
    .format = "abihooks",
    .media_type = "text/plain",
    .extension = "txt",
    .begin = hooks_begin,
    .write_case = hooks_write_case,
    .finish = hooks_finish,
};

MINGA_PLUGIN_DEFINE_HOOKS("abihooks", MINGA_PLUGIN_EXPORTER, "1.0.0",
                          "init and release", NULL, &hooks_exporter,
                          hooks_init, hooks_release);
