#include "case.h"

#include <stdlib.h>
#include <string.h>

#include "refdata.h"

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

static void put_str(json_t *o, const char *key, const char *value)
{
    if (value)
        json_object_set_new(o, key, json_string(value));
}

static json_t *strv_json(const char *const *items, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_string(items[i]));
    return arr;
}

json_t *case_mask_json(uint32_t mask, int n_bits,
                       const char *(*name)(uint32_t))
{
    json_t *arr = json_array();
    for (int i = 0; i < n_bits; i++)
        if (mask & (1u << i))
            json_array_append_new(arr, json_string(name(1u << i)));
    return arr;
}

json_t *case_goals_json(uint32_t goal_mask)
{
    json_t *arr = json_array();
    for (int g = 1; g <= REFDATA_N_GOALS; g++)
        if (goal_mask & (1u << g))
            json_array_append_new(arr, json_integer(g));
    return arr;
}

json_t *case_to_json(const struct minga_case *c, int with_times)
{
    json_t *o = json_object();
    put_str(o, "id", c->id);
    put_str(o, "title", c->title);
    put_str(o, "summary", c->summary);
    put_str(o, "body", c->body);
    put_str(o, "language", c->language);
    put_str(o, "city", c->city);
    put_str(o, "country", c->country);
    put_str(o, "region", c->region);
    json_object_set_new(o, "year_start", json_integer(c->year_start));
    if (c->year_end)
        json_object_set_new(o, "year_end", json_integer(c->year_end));
    json_object_set_new(o, "sdg_goals", case_goals_json(c->goal_mask));
    if (c->n_targets)
        json_object_set_new(o, "sdg_targets",
                            strv_json(c->targets, c->n_targets));
    json_object_set_new(
        o, "levels",
        case_mask_json(c->level_mask, MINGA_N_LEVELS, refdata_level_name));
    if (c->actor_mask)
        json_object_set_new(
            o, "actors",
            case_mask_json(c->actor_mask, MINGA_N_ACTORS, refdata_actor_name));
    if (c->n_tags)
        json_object_set_new(o, "tags", strv_json(c->tags, c->n_tags));
    put_str(o, "source_url", c->source_url);
    put_str(o, "license", c->license);
    if (c->n_attachments) {
        json_t *arr = json_array();
        for (size_t i = 0; i < c->n_attachments; i++)
            json_array_append_new(arr, json_string(c->attachments[i].path));
        json_object_set_new(o, "attachments", arr);
    }
    if (with_times) {
        put_str(o, "created_at", c->created_at);
        put_str(o, "updated_at", c->updated_at);
    }
    return o;
}
