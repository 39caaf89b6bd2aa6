/*
 * The plugin host: finds importer and exporter plugins (shared objects),
 * loads them with dlopen, checks their ABI and keeps them loaded for the
 * life of the process.
 *
 * A registry is the list of plugins one handle sees (struct minga holds
 * one); the default registry's search order: the folders in
 * MINGA_PLUGIN_PATH (':'-separated), then
 * ../lib/minga/plugins beside the running binary (the build tree and the
 * install tree have the same layout, so no variable is needed). The first
 * plugin of a name wins. A plugin that fails to load, has another ABI major
 * version or a descriptor larger than this host knows is refused with a
 * message naming its file; the others still load.
 */
#ifndef MINGA_PLUGIN_HOST_H
#define MINGA_PLUGIN_HOST_H

#include <jansson.h>
#include "minga/plugin.h"

struct loaded_plugin {
    const struct minga_plugin_desc *desc;
    char *path;
};

struct refused_plugin {
    char *path;
    char *reason;
};

/* The plugins one handle sees; opaque. */
struct plugin_registry;

/* The registry every handle sees unless given its own: the plugins of
 * MINGA_PLUGIN_PATH's folders, then those beside the binary and beside
 * libminga. Loaded at the first call, once per process; never freed. */
const struct plugin_registry *plugin_registry_default(void);
/* A registry of the plugins in the folders of `path` (':'-separated),
 * then the default registry's (a name found in `path` wins): a handle's
 * own (minga_plugins_add_path). A plugin object is loaded, checked and
 * initialised once per process, whichever registries list it. NULL when
 * out of memory; free with plugin_registry_free (the default one is
 * never freed). */
struct plugin_registry *plugin_registry_with(const char *path);
void plugin_registry_free(struct plugin_registry *r);

size_t plugin_registry_count(const struct plugin_registry *r);
const struct loaded_plugin *
plugin_registry_get(const struct plugin_registry *r, size_t i);
size_t plugin_registry_refused_count(const struct plugin_registry *r);
const struct refused_plugin *
plugin_registry_refused(const struct plugin_registry *r, size_t i);

/* The importer whose extension matches the end of `name` (longest match,
 * case-insensitive), or NULL. */
const struct minga_importer *
plugin_registry_importer_for(const struct plugin_registry *r,
                             const char *name);
const struct minga_exporter *
plugin_registry_exporter(const struct plugin_registry *r, const char *format);

/* `minga plugins --json`: the loaded and the refused. */
json_t *plugin_registry_json(const struct plugin_registry *r);

/* The table of host functions every plugin receives. */
const struct minga_host_api *plugin_host_api(void);

#endif
