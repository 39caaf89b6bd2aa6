#include "case.h"

#include <stdlib.h>
#include <string.h>

struct minga_case *case_new(void)
{
    struct minga_case *c = calloc(1, sizeof *c);
    if (c) {
        c->struct_size = sizeof *c;
        c->attachment_size = sizeof(struct minga_attachment);
    }
    return c;
}

static void strv_free(const char *const *items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free((char *)items[i]);
    free((void *)items);
}

void case_free(struct minga_case *c)
{
    if (!c)
        return;
    const char **strings[] = {&c->id,      &c->title,      &c->summary,
                              &c->body,    &c->language,   &c->city,
                              &c->country, &c->region,     &c->source_url,
                              &c->license, &c->created_at, &c->updated_at};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++)
        free((char *)*strings[i]);
    strv_free(c->targets, c->n_targets);
    strv_free(c->tags, c->n_tags);
    for (size_t i = 0; i < c->n_attachments; i++) {
        const struct minga_attachment *a = &c->attachments[i];
        free((char *)a->path);
        free((char *)a->sha256);
        free((char *)a->media_type);
        free((char *)a->text);
    }
    free((void *)c->attachments);
    free(c);
}

int case_set(const char **slot, const char *s)
{
    char *copy = NULL;
    if (s && !(copy = strdup(s)))
        return -1;
    free((char *)*slot);
    *slot = copy;
    return 0;
}

int case_strv_push(const char *const **items, size_t *n, const char *s)
{
    char *copy = strdup(s);
    const char **grown = realloc((void *)*items, (*n + 1) * sizeof *grown);
    if (!copy || !grown) {
        free(copy);
        if (grown)
            *items = grown;
        return -1;
    }
    grown[(*n)++] = copy;
    *items = grown;
    return 0;
}

int case_add_attachment(struct minga_case *c, const char *path,
                        const char *sha256, const char *media_type,
                        uint64_t size, const char *text)
{
    struct minga_attachment *grown = realloc(
        (void *)c->attachments, (c->n_attachments + 1) * sizeof *grown);
    if (!grown)
        return -1;
    c->attachments = grown;
    struct minga_attachment *a = &grown[c->n_attachments];
    a->path = strdup(path);
    a->sha256 = strdup(sha256 ? sha256 : "");
    a->media_type =
        strdup(media_type ? media_type : "application/octet-stream");
    a->size = size;
    a->text = strdup(text ? text : "");
    if (!a->path || !a->sha256 || !a->media_type || !a->text) {
        free((char *)a->path);
        free((char *)a->sha256);
        free((char *)a->media_type);
        free((char *)a->text);
        return -1;
    }
    c->n_attachments++;
    return 0;
}

int case_goal_count(uint32_t goal_mask)
{
    return __builtin_popcount(goal_mask);
}
