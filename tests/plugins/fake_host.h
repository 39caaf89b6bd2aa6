/*
 * A fake minga host for exporter tests: collects host->write into memory,
 * answers export_info, goal_info (the official SDG colours), labels,
 * country names and attachment_read (fixture bytes), and runs an exporter
 * module from its path over the three fixture cases.
 */
#ifndef MINGA_TEST_FAKE_HOST_H
#define MINGA_TEST_FAKE_HOST_H

#include <stddef.h>

#include "minga/plugin.h"

#define N_FIXTURE_CASES 3

struct minga_export_ctx {
    char *data;
    size_t len, cap;
    struct minga_export_info info;
    int n_attachment_reads;
};

extern const struct minga_case fixture_cases[N_FIXTURE_CASES];
extern const char fixture_attachment[]; /* bytes of the one attachment */
extern const char *const fixture_titles[N_FIXTURE_CASES];

/* Loads the module, checks its descriptor and exports the fixtures in
 * `lang`. Returns the output (caller frees ctx->data) in *ctx, and the
 * exporter's media type in *media_type when not NULL. Returns finish's
 * result. */
int fake_host_export(struct minga_export_ctx *ctx, const char *module_path,
                     const char *lang, const char **media_type);
/* The same over other cases. */
int fake_host_export_cases(struct minga_export_ctx *ctx,
                           const char *module_path, const char *lang,
                           const char **media_type,
                           const struct minga_case *cases, size_t n_cases);

#endif /* MINGA_TEST_FAKE_HOST_H */
