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

#define MAX_PLUGINS 64

static struct loaded_plugin plugins[MAX_PLUGINS];
static size_t n_plugins;
static struct refused_plugin refused[MAX_PLUGINS];
static size_t n_refused;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
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

static void refuse(const char *path, const char *fmt, const char *detail)
{
    if (n_refused >= MAX_PLUGINS)
        return;
    char *reason = NULL;
    if (asprintf(&reason, fmt, detail) < 0)
        reason = NULL;
    refused[n_refused].path = strdup(path);
    refused[n_refused].reason = reason;
    n_refused++;
}

/* Names are unique per kind: the csv importer and the csv exporter are
 * two plugins. */
static int is_known_name(const char *name, int kind)
{
    for (size_t i = 0; i < n_plugins; i++)
        if (plugins[i].desc->kind == kind &&
            strcmp(plugins[i].desc->name, name) == 0)
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
    for (size_t i = n_plugins; i-- > 0;) {
        const struct minga_plugin_desc *d = plugins[i].desc;
        if (has_hooks(d) && d->release)
            d->release();
    }
}

static int load_one(const char *path)
{
    if (n_plugins >= MAX_PLUGINS) {
        refuse(path, "%s", "too many plugins");
        return 0;
    }
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        refuse(path, "cannot load: %s", dlerror());
        return 0;
    }
    const struct minga_plugin_desc *d = dlsym(handle, MINGA_PLUGIN_SYMBOL);
    if (!d) {
        refuse(path, "%s", "no minga_plugin symbol (not a minga plugin)");
        dlclose(handle);
        return 0;
    }
    /* A newer minor may call host functions this host lacks: refuse it
     * by name rather than let it crash on a short table. */
    if (d->abi_major == MINGA_ABI_MAJOR && d->abi_minor > MINGA_ABI_MINOR) {
        char detail[96];
        snprintf(detail, sizeof detail, "%u.%u, this host has ABI %u.%u",
                 (unsigned)d->abi_major, (unsigned)d->abi_minor,
                 (unsigned)MINGA_ABI_MAJOR, (unsigned)MINGA_ABI_MINOR);
        refuse(path, "refused: it was built for a newer plugin ABI, %s",
               detail);
        dlclose(handle);
        return 0;
    }
    const char *problem = check_desc(d);
    if (problem) {
        refuse(path, "refused: %s", problem);
        dlclose(handle);
        return 0;
    }
    if (is_known_name(d->name, d->kind)) {
        dlclose(handle); /* an earlier folder's plugin of that name wins */
        return 0;
    }
    if (has_hooks(d) && d->init) {
        char why[256] = "";
        int rc = d->init(&host_api, why, sizeof why);
        if (rc != MINGA_OK) {
            why[sizeof why - 1] = '\0';
            char detail[300];
            snprintf(detail, sizeof detail, "%s (code %d)",
                     *why ? why : "no reason given", rc);
            refuse(path, "refused: its init failed: %s", detail);
            dlclose(handle);
            return 0;
        }
    }
    if (has_hooks(d) && d->release && !is_release_registered) {
        is_release_registered = 1;
        atexit(release_all);
    }
    /* never dlclose a loaded plugin: its code may still be referenced */
    plugins[n_plugins].desc = d;
    plugins[n_plugins].path = strdup(path);
    n_plugins++;
    return 1;
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

static int load_dir_locked(const char *dir)
{
    /* scandir: every .so of the folder, however many (a fixed array
     * stopped silently at 256 names); past MAX_PLUGINS each further one
     * is refused by name in `minga plugins`. */
    struct dirent **names = NULL;
    int n = scandir(dir, &names, is_shared_object, name_cmp);
    if (n < 0)
        return 0;
    int loaded = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        loaded += load_one(path);
        free(names[i]);
    }
    free(names);
    return loaded;
}

int plugin_host_load_dir(const char *dir)
{
    pthread_mutex_lock(&load_lock);
    int n = load_dir_locked(dir);
    pthread_mutex_unlock(&load_lock);
    return n;
}

/* The folder of the shared object holding this code, when that is
 * libminga rather than the program: a program linked with libminga finds
 * the plugins installed beside the library, wherever the program is. */
static void load_beside_library(void)
{
    Dl_info info;
    if (!dladdr((void *)plugin_host_init, &info) || !info.dli_fname)
        return;
    const char *base = strrchr(info.dli_fname, '/');
    if (!base || strncmp(base + 1, "libminga.so", 11) != 0)
        return;
    char dir[PATH_MAX + 64];
    snprintf(dir, sizeof dir, "%.*s/%s", (int)(base - info.dli_fname),
             info.dli_fname, MINGA_LIB_TO_PLUGINS);
    plugin_host_load_dir(dir);
}

static void load_all(void)
{
    const char *env = getenv("MINGA_PLUGIN_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *dir = strtok_r(copy, ":", &save); dir;
             dir = strtok_r(NULL, ":", &save))
            plugin_host_load_dir(dir);
        free(copy);
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char dir[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%s/../lib/minga/plugins", exe);
            plugin_host_load_dir(dir);
        }
    }
    load_beside_library();
}

void plugin_host_init(void)
{
    pthread_once(&init_once, load_all);
}

size_t plugin_host_count(void)
{
    return n_plugins;
}

const struct loaded_plugin *plugin_host_get(size_t i)
{
    return i < n_plugins ? &plugins[i] : NULL;
}

size_t plugin_host_refused_count(void)
{
    return n_refused;
}

const struct refused_plugin *plugin_host_refused(size_t i)
{
    return i < n_refused ? &refused[i] : NULL;
}

const struct minga_importer *plugin_host_importer_for(const char *name)
{
    const struct minga_importer *best = NULL;
    size_t best_len = 0, name_len = strlen(name);
    for (size_t i = 0; i < n_plugins; i++) {
        const struct minga_plugin_desc *d = plugins[i].desc;
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

const struct minga_exporter *plugin_host_exporter(const char *format)
{
    for (size_t i = 0; i < n_plugins; i++) {
        const struct minga_plugin_desc *d = plugins[i].desc;
        if (d->kind == MINGA_PLUGIN_EXPORTER &&
            strcmp(d->exporter->format, format) == 0)
            return d->exporter;
    }
    return NULL;
}

json_t *plugin_host_json(void)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n_plugins; i++) {
        const struct minga_plugin_desc *d = plugins[i].desc;
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
                           plugins[i].path, "formats", formats, "abi_major",
                           (int)d->abi_major, "abi_minor", (int)d->abi_minor,
                           "loaded", 1));
    }
    for (size_t i = 0; i < n_refused; i++)
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:b}", "file", refused[i].path, "reason",
                      refused[i].reason ? refused[i].reason : "refused",
                      "loaded", 0));
    return arr;
}
