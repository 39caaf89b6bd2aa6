/* Cases as JSON in a stream, and read back (json_stream.h). */
#include "json_stream.h"

#include <stdlib.h>
#include <string.h>

#include "labels.h"

static int dump_to_out(const char *buffer, size_t size, void *data)
{
    return exp_out_write(data, buffer, size) == MINGA_OK ? 0 : -1;
}

/* Writes c with jansson flags; strings stay UTF-8 (no JSON_ENSURE_ASCII). */
static int write_case(struct exp_out *out, const struct minga_case *c,
                      size_t flags)
{
    json_t *obj = case_json_new(c, 0);
    if (!obj)
        return MINGA_EINVAL;
    int rc =
        json_dump_callback(obj, dump_to_out, out, flags | JSON_PRESERVE_ORDER);
    json_decref(obj);
    if (rc != 0 && exp_out_status(out) == MINGA_OK)
        return MINGA_EINTERNAL;
    return exp_out_status(out);
}

void exp_json_array_begin(struct exp_json_array *arr, struct exp_out *out)
{
    arr->out = out;
    arr->n_items = 0;
    exp_out_puts(out, "[");
}

int exp_json_array_add(struct exp_json_array *arr, const struct minga_case *c)
{
    exp_out_puts(arr->out, arr->n_items == 0 ? "\n" : ",\n");
    arr->n_items++;
    return write_case(arr->out, c, JSON_INDENT(2));
}

int exp_json_array_end(struct exp_json_array *arr)
{
    return exp_out_puts(arr->out, arr->n_items == 0 ? "]\n" : "\n]\n");
}

int exp_json_write_line(struct exp_out *out, const struct minga_case *c)
{
    int rc = write_case(out, c, JSON_COMPACT);
    if (rc != MINGA_OK)
        return rc;
    return exp_out_puts(out, "\n");
}

static const char *get_string(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* A new array of the strings in obj[key]; NULL with *n_items 0 when absent.
 * Returns -1 when out of memory. */
static int get_strings(const json_t *obj, const char *key, const char ***items,
                       size_t *n_items)
{
    const json_t *arr = json_object_get(obj, key);
    *items = NULL;
    *n_items = 0;
    size_t n = json_array_size(arr);
    if (n == 0)
        return 0;
    *items = calloc(n, sizeof **items);
    if (!*items)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s)
            (*items)[(*n_items)++] = s;
    }
    return 0;
}

static uint32_t get_mask(const json_t *obj, const char *key, unsigned n_bits,
                         const char *(*name_of)(unsigned))
{
    uint32_t mask = 0;
    const json_t *arr = json_object_get(obj, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        for (unsigned bit = 0; s && bit < n_bits; bit++)
            if (strcmp(s, name_of(bit)) == 0)
                mask |= 1u << bit;
    }
    return mask;
}

int exp_case_from_json(struct exp_case_holder *holder, const json_t *obj)
{
    memset(holder, 0, sizeof *holder);
    if (!json_is_object(obj))
        return MINGA_EINVAL;
    struct minga_case *c = &holder->c;
    c->struct_size = sizeof *c;
    c->id = get_string(obj, "id");
    c->title = get_string(obj, "title");
    c->summary = get_string(obj, "summary");
    c->body = get_string(obj, "body");
    c->language = get_string(obj, "language");
    c->city = get_string(obj, "city");
    c->country = get_string(obj, "country");
    c->region = get_string(obj, "region");
    c->year_start =
        (int)json_integer_value(json_object_get(obj, "year_start"));
    c->year_end = (int)json_integer_value(json_object_get(obj, "year_end"));
    const json_t *goals = json_object_get(obj, "sdg_goals");
    for (size_t i = 0; i < json_array_size(goals); i++) {
        json_int_t g = json_integer_value(json_array_get(goals, i));
        if (g >= 1 && g <= 17)
            c->goal_mask |= 1u << g;
    }
    c->level_mask = get_mask(obj, "levels", MINGA_N_LEVELS, vocab_level_name);
    c->actor_mask = get_mask(obj, "actors", MINGA_N_ACTORS, vocab_actor_name);
    c->source_url = get_string(obj, "source_url");
    c->license = get_string(obj, "license");

    const char **paths = NULL;
    size_t n_paths = 0;
    if (get_strings(obj, "sdg_targets", &holder->targets, &c->n_targets) ||
        get_strings(obj, "tags", &holder->tags, &c->n_tags) ||
        get_strings(obj, "attachments", &paths, &n_paths)) {
        free(paths);
        exp_case_holder_release(holder);
        return MINGA_ENOMEM;
    }
    c->targets = holder->targets;
    c->tags = holder->tags;
    if (n_paths > 0) {
        holder->attachments = calloc(n_paths, sizeof *holder->attachments);
        if (!holder->attachments) {
            free(paths);
            exp_case_holder_release(holder);
            return MINGA_ENOMEM;
        }
        for (size_t i = 0; i < n_paths; i++) {
            holder->attachments[i].path = paths[i];
            holder->attachments[i].text = "";
        }
        c->attachments = holder->attachments;
        c->attachment_size = sizeof *holder->attachments;
        c->n_attachments = n_paths;
    }
    free(paths);
    if (!c->title || !c->summary || !c->city || !c->country) {
        exp_case_holder_release(holder);
        return MINGA_EINVAL;
    }
    return MINGA_OK;
}

void exp_case_holder_release(struct exp_case_holder *holder)
{
    free(holder->targets);
    free(holder->tags);
    free(holder->attachments);
    memset(holder, 0, sizeof *holder);
}
