#include "plugin_host.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "host_impl.h"
#include "refdata.h"

/* A registry: the plugins one handle sees, and those its folders
 * refused. The plugin objects themselves are the process's (dlopen), kept
 * in `loaded` so that each is loaded, checked and initialised once
 * however many registries list it. */
struct plugin_registry {
    struct loaded_plugin *items;
    size_t n, cap;
    struct refused_plugin *refused;
    size_t n_refused, cap_refused;
};

/* Every plugin object this process has loaded and initialised, by path. */
static struct plugin_registry loaded;
static struct plugin_registry default_registry;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t load_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *host_level_label(uint32_t bit, const char *lang)
{
    return refdata_level_label(bit, lang);
}

static const char *host_actor_label(uint32_t bit, const char *lang)
{
    return refdata_actor_label(bit, lang);
}

static const struct minga_host_api host_api = {
    .struct_size = sizeof(struct minga_host_api),
    .abi_major = MINGA_ABI_MAJOR,
    .abi_minor = MINGA_ABI_MINOR,
    .case_begin = sink_case_begin,
    .case_field = sink_case_field,
    .case_item = sink_case_item,
    .case_end = sink_case_end,
    .error = sink_error,
    .warning = sink_warning,
    .import_member = sink_import_member,
    .add_file = sink_add_file,
    .limits = sink_limits,
    .progress = sink_progress,
    .write = export_write,
    .export_info = export_info,
    .attachment_read = export_attachment_read,
    .goal_info = refdata_goal,
    .level_label = host_level_label,
    .actor_label = host_actor_label,
    .country_name = refdata_country_name,
    .export_error = export_error,
    .related_cases = export_related_cases,
};

const struct minga_host_api *plugin_host_api(void)
{
    return &host_api;
}

static int grow(void **items, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t new_cap = *cap ? 2 * *cap : 16;
    void *grown = realloc(*items, new_cap * size);
    if (!grown)
        return -1;
    *items = grown;
    *cap = new_cap;
    return 0;
}

static void refuse(struct plugin_registry *r, const char *path,
                   const char *fmt, const char *detail)
{
    if (grow((void **)&r->refused, &r->cap_refused, r->n_refused,
             sizeof *r->refused))
        return;
    char *reason = NULL;
    if (asprintf(&reason, fmt, detail) < 0)
        reason = NULL;
    r->refused[r->n_refused].path = strdup(path);
    r->refused[r->n_refused].reason = reason;
    r->n_refused++;
}

static int add(struct plugin_registry *r, const struct minga_plugin_desc *d,
               const char *path)
{
    if (grow((void **)&r->items, &r->cap, r->n, sizeof *r->items))
        return -1;
    char *copy = strdup(path);
    if (!copy)
        return -1;
    r->items[r->n].desc = d;
    r->items[r->n].path = copy;
    r->n++;
    return 0;
}

/* Names are unique per kind: the csv importer and the csv exporter are
 * two plugins. */
static int is_known_name(const struct plugin_registry *r, const char *name,
                         int kind)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->items[i].desc->kind == kind &&
            strcmp(r->items[i].desc->name, name) == 0)
            return 1;
    return 0;
}

/* Checks the descriptor before anything in it is trusted. */
static const char *check_desc(const struct minga_plugin_desc *d)
{
    if (d->abi_major != MINGA_ABI_MAJOR)
        return "it was built for another plugin ABI major version";
    if (d->struct_size > sizeof(struct minga_plugin_desc))
        return "its descriptor is larger than this host knows (built for a "
               "newer minga)";
    if (d->struct_size <
        offsetof(struct minga_plugin_desc, exporter) + sizeof d->exporter)
        return "its descriptor is too small";
    if (!d->name || !*d->name || !d->version)
        return "its descriptor has no name or version";
    if (d->kind == MINGA_PLUGIN_IMPORTER) {
        if (!d->importer || !d->importer->extensions ||
            !d->importer->import_buffer ||
            d->importer->struct_size > sizeof(struct minga_importer))
            return "its importer table is missing or malformed";
    } else if (d->kind == MINGA_PLUGIN_EXPORTER) {
        if (!d->exporter || !d->exporter->format || !d->exporter->begin ||
            !d->exporter->write_case || !d->exporter->finish ||
            d->exporter->struct_size > sizeof(struct minga_exporter))
            return "its exporter table is missing or malformed";
    } else {
        return "its kind is neither importer nor exporter";
    }
    return NULL;
}

/* Whether the descriptor reaches the init and release fields (ABI 1.2). */
static int has_hooks(const struct minga_plugin_desc *d)
{
    return d->struct_size >=
           offsetof(struct minga_plugin_desc, release) + sizeof d->release;
}

static int is_release_registered;

/* At exit, each loaded plugin's release, the last loaded first. */
static void release_all(void)
{
    for (size_t i = loaded.n; i-- > 0;) {
        const struct minga_plugin_desc *d = loaded.items[i].desc;
        if (has_hooks(d) && d->release)
            d->release();
    }
}

/* The plugin object at `path`: loaded, checked and initialised the first
 * time; NULL, with the reason added to r's refusals, when it is refused.
 * Call with load_lock held. */
static const struct minga_plugin_desc *load_object(struct plugin_registry *r,
                                                   const char *path)
{
    for (size_t i = 0; i < loaded.n; i++)
        if (strcmp(loaded.items[i].path, path) == 0)
            return loaded.items[i].desc;
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        refuse(r, path, "cannot load: %s", dlerror());
        return NULL;
    }
    const struct minga_plugin_desc *d = dlsym(handle, MINGA_PLUGIN_SYMBOL);
    if (!d) {
        refuse(r, path, "%s", "no minga_plugin symbol (not a minga plugin)");
        dlclose(handle);
        return NULL;
    }
    /* A newer minor may call host functions this host lacks: refuse it
     * by name rather than let it crash on a short table. */
    if (d->abi_major == MINGA_ABI_MAJOR && d->abi_minor > MINGA_ABI_MINOR) {
        char detail[96];
        snprintf(detail, sizeof detail, "%u.%u, this host has ABI %u.%u",
                 (unsigned)d->abi_major, (unsigned)d->abi_minor,
                 (unsigned)MINGA_ABI_MAJOR, (unsigned)MINGA_ABI_MINOR);
        refuse(r, path, "refused: it was built for a newer plugin ABI, %s",
               detail);
        dlclose(handle);
        return NULL;
    }
    const char *problem = check_desc(d);
    if (problem) {
        refuse(r, path, "refused: %s", problem);
        dlclose(handle);
        return NULL;
    }
    if (has_hooks(d) && d->init) {
        char why[256] = "";
        int rc = d->init(&host_api, why, sizeof why);
        if (rc != MINGA_OK) {
            why[sizeof why - 1] = '\0';
            char detail[300];
            snprintf(detail, sizeof detail, "%s (code %d)",
                     *why ? why : "no reason given", rc);
            refuse(r, path, "refused: its init failed: %s", detail);
            dlclose(handle);
            return NULL;
        }
    }
    /* never dlclose a loaded plugin: its code may still be referenced */
    if (add(&loaded, d, path)) {
        refuse(r, path, "%s", "out of memory");
        return NULL;
    }
    if (has_hooks(d) && d->release && !is_release_registered) {
        is_release_registered = 1;
        atexit(release_all);
    }
    return d;
}

static int load_one(struct plugin_registry *r, const char *path)
{
    const struct minga_plugin_desc *d = load_object(r, path);
    if (!d || is_known_name(r, d->name, d->kind))
        return 0; /* an earlier folder's plugin of that name wins */
    return add(r, d, path) == 0;
}

static int is_shared_object(const struct dirent *e)
{
    size_t len = strlen(e->d_name);
    return len > 3 && strcmp(e->d_name + len - 3, ".so") == 0;
}

/* Byte order, not the locale's: the same folder loads in the same order
 * everywhere, and the first of two plugins with one name wins. */
static int name_cmp(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every .so of the folder, however many (scandir; a fixed array once
 * stopped silently at 256 names). Call with load_lock held. */
static int load_dir_locked(struct plugin_registry *r, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, is_shared_object, name_cmp);
    if (n < 0)
        return 0;
    int n_loaded = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        n_loaded += load_one(r, path);
        free(names[i]);
    }
    free(names);
    return n_loaded;
}

/* The folders of a ':'-separated path, in order. */
static void load_path_locked(struct plugin_registry *r, const char *path)
{
    if (!path || !*path)
        return;
    char *copy = strdup(path), *save = NULL;
    for (char *dir = copy ? strtok_r(copy, ":", &save) : NULL; dir;
         dir = strtok_r(NULL, ":", &save))
        load_dir_locked(r, dir);
    free(copy);
}

/* The folder of the shared object holding this code, when that is
 * libminga rather than the program: a program linked with libminga finds
 * the plugins installed beside the library, wherever the program is. */
static void load_beside_library(struct plugin_registry *r)
{
    Dl_info info;
    if (!dladdr((void *)plugin_registry_default, &info) || !info.dli_fname)
        return;
    const char *base = strrchr(info.dli_fname, '/');
    if (!base || strncmp(base + 1, "libminga.so", 11) != 0)
        return;
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%.*s/%s", (int)(base - info.dli_fname),
             info.dli_fname, MINGA_LIB_TO_PLUGINS);
    load_dir_locked(r, dir);
}

static void load_default(void)
{
    pthread_mutex_lock(&load_lock);
    struct plugin_registry *r = &default_registry;
    load_path_locked(r, getenv("MINGA_PLUGIN_PATH"));
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char dir[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%s/../lib/minga/plugins", exe);
            load_dir_locked(r, dir);
        }
    }
    load_beside_library(r);
    pthread_mutex_unlock(&load_lock);
}

const struct plugin_registry *plugin_registry_default(void)
{
    pthread_once(&default_once, load_default);
    return &default_registry;
}

struct plugin_registry *plugin_registry_with(const char *path)
{
    const struct plugin_registry *base = plugin_registry_default();
    struct plugin_registry *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_lock(&load_lock);
    load_path_locked(r, path);
    int rc = 0;
    for (size_t i = 0; !rc && i < base->n; i++)
        if (!is_known_name(r, base->items[i].desc->name,
                           base->items[i].desc->kind))
            rc = add(r, base->items[i].desc, base->items[i].path);
    for (size_t i = 0; !rc && i < base->n_refused; i++)
        refuse(r, base->refused[i].path, "%s",
               base->refused[i].reason ? base->refused[i].reason : "refused");
    pthread_mutex_unlock(&load_lock);
    if (rc) {
        plugin_registry_free(r);
        return NULL;
    }
    return r;
}

void plugin_registry_free(struct plugin_registry *r)
{
    if (!r || r == &default_registry)
        return;
    for (size_t i = 0; i < r->n; i++)
        free(r->items[i].path);
    for (size_t i = 0; i < r->n_refused; i++) {
        free(r->refused[i].path);
        free(r->refused[i].reason);
    }
    free(r->items);
    free(r->refused);
    free(r);
}

size_t plugin_registry_count(const struct plugin_registry *r)
{
    return r->n;
}

const struct loaded_plugin *
plugin_registry_get(const struct plugin_registry *r, size_t i)
{
    return i < r->n ? &r->items[i] : NULL;
}

size_t plugin_registry_refused_count(const struct plugin_registry *r)
{
    return r->n_refused;
}

const struct refused_plugin *
plugin_registry_refused(const struct plugin_registry *r, size_t i)
{
    return i < r->n_refused ? &r->refused[i] : NULL;
}

const struct minga_importer *
plugin_registry_importer_for(const struct plugin_registry *r, const char *name)
{
    const struct minga_importer *best = NULL;
    size_t best_len = 0, name_len = strlen(name);
    for (size_t i = 0; i < r->n; i++) {
        const struct minga_plugin_desc *d = r->items[i].desc;
        if (d->kind != MINGA_PLUGIN_IMPORTER)
            continue;
        for (const char *const *ext = d->importer->extensions; *ext; ext++) {
            size_t len = strlen(*ext);
            if (len <= name_len && len > best_len &&
                strcasecmp(name + name_len - len, *ext) == 0) {
                best = d->importer;
                best_len = len;
            }
        }
    }
    return best;
}

const struct minga_exporter *
plugin_registry_exporter(const struct plugin_registry *r, const char *format)
{
    for (size_t i = 0; i < r->n; i++) {
        const struct minga_plugin_desc *d = r->items[i].desc;
        if (d->kind == MINGA_PLUGIN_EXPORTER &&
            strcmp(d->exporter->format, format) == 0)
            return d->exporter;
    }
    return NULL;
}

json_t *plugin_registry_json(const struct plugin_registry *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n; i++) {
        const struct minga_plugin_desc *d = r->items[i].desc;
        json_t *formats = json_array();
        if (d->kind == MINGA_PLUGIN_IMPORTER) {
            for (const char *const *e = d->importer->extensions; *e; e++)
                json_array_append_new(formats, json_string(*e));
        } else {
            json_array_append_new(formats, json_string(d->exporter->format));
        }
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:i, s:i, s:b}",
                           "name", d->name, "kind",
                           d->kind == MINGA_PLUGIN_IMPORTER ? "importer"
                                                            : "exporter",
                           "version", d->version, "description",
                           d->description ? d->description : "", "file",
                           r->items[i].path, "formats", formats, "abi_major",
                           (int)d->abi_major, "abi_minor", (int)d->abi_minor,
                           "loaded", 1));
    }
    for (size_t i = 0; i < r->n_refused; i++)
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:b}", "file", r->refused[i].path, "reason",
                      r->refused[i].reason ? r->refused[i].reason : "refused",
                      "loaded", 0));
    return arr;
}
