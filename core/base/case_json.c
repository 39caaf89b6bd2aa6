/* The case format's JSON writer, through jansson. */
#include "case_json.h"

#include <string.h>

#include "vocab.h"

/* Sets key to a string when s is non-NULL; -1 on invalid UTF-8 or memory
 * (json_stringn checks the encoding). */
static int set_string(json_t *obj, const char *key, const char *s)
{
    if (!s)
        return 0;
    json_t *value = json_stringn(s, strlen(s));
    return value ? json_object_set_new(obj, key, value) : -1;
}

static int set_string_array(json_t *obj, const char *key,
                            const char *const *items, size_t n_items)
{
    if (n_items == 0)
        return 0;
    json_t *arr = json_array();
    if (!arr)
        return -1;
    for (size_t i = 0; i < n_items; i++) {
        json_t *value =
            items[i] ? json_stringn(items[i], strlen(items[i])) : NULL;
        if (!value || json_array_append_new(arr, value) != 0) {
            json_decref(arr);
            return -1;
        }
    }
    return json_object_set_new(obj, key, arr);
}

/* Names of the bits set in mask, in bit order, from `name_of`. */
static int set_mask_array(json_t *obj, const char *key, uint32_t mask,
                          unsigned n_bits, const char *(*name_of)(unsigned))
{
    const char *names[32];
    size_t n_names = 0;
    for (unsigned i = 0; i < n_bits && i < 32; i++)
        if (mask & (1u << i))
            names[n_names++] = name_of(i);
    return set_string_array(obj, key, names, n_names);
}

json_t *case_json_goals(uint32_t goal_mask)
{
    json_t *goals = json_array();
    for (int g = 1; goals && g <= 17; g++)
        if ((goal_mask & (1u << g)) &&
            json_array_append_new(goals, json_integer(g)) != 0) {
            json_decref(goals);
            return NULL;
        }
    return goals;
}

static int set_attachments(json_t *obj, const struct minga_case *c)
{
    if (c->n_attachments == 0)
        return 0;
    json_t *paths = json_array();
    int rc = paths ? 0 : -1;
    for (size_t i = 0; paths && i < c->n_attachments; i++) {
        const char *path = minga_case_attachment(c, i)->path;
        json_t *value = path ? json_stringn(path, strlen(path)) : NULL;
        rc |= value ? json_array_append_new(paths, value) : -1;
    }
    return rc | (paths ? json_object_set_new(obj, "attachments", paths) : -1);
}

json_t *case_json_new(const struct minga_case *c, unsigned flags)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    int rc = 0;
    rc |= set_string(obj, "id", c->id);
    rc |= set_string(obj, "title", c->title);
    rc |= set_string(obj, "summary", c->summary);
    rc |= set_string(obj, "body", c->body);
    rc |= set_string(obj, "language", c->language);
    rc |= set_string(obj, "city", c->city);
    rc |= set_string(obj, "country", c->country);
    rc |= set_string(obj, "region", c->region);
    rc |= json_object_set_new(obj, "year_start", json_integer(c->year_start));
    if (c->year_end != 0)
        rc |= json_object_set_new(obj, "year_end", json_integer(c->year_end));
    json_t *goals = case_json_goals(c->goal_mask);
    rc |= goals ? json_object_set_new(obj, "sdg_goals", goals) : -1;
    rc |= set_string_array(obj, "sdg_targets", c->targets, c->n_targets);
    rc |= set_mask_array(obj, "levels", c->level_mask, MINGA_N_LEVELS,
                         vocab_level_name);
    rc |= set_mask_array(obj, "actors", c->actor_mask, MINGA_N_ACTORS,
                         vocab_actor_name);
    rc |= set_string_array(obj, "tags", c->tags, c->n_tags);
    rc |= set_string(obj, "source_url", c->source_url);
    rc |= set_string(obj, "license", c->license);
    rc |= set_attachments(obj, c);
    if (flags & CASE_JSON_TIMES) {
        rc |= set_string(obj, "created_at", c->created_at);
        rc |= set_string(obj, "updated_at", c->updated_at);
    }
    if (rc != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}
