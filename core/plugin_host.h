/*
 * The plugin host: finds importer and exporter plugins (shared objects),
 * loads them with dlopen, checks their ABI and keeps them loaded for the
 * life of the process.
 *
 * Search order: the folders in MINGA_PLUGIN_PATH (':'-separated), then
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

/* Loads all plugins once per process (later calls return at once). */
void plugin_host_init(void);
/* Loads the plugins of one folder (for tests and tools); returns how many
 * were loaded. */
int plugin_host_load_dir(const char *dir);

size_t plugin_host_count(void);
const struct loaded_plugin *plugin_host_get(size_t i);
size_t plugin_host_refused_count(void);
const struct refused_plugin *plugin_host_refused(size_t i);

/* The importer whose extension matches the end of `name` (longest match,
 * case-insensitive), or NULL. */
const struct minga_importer *plugin_host_importer_for(const char *name);
const struct minga_exporter *plugin_host_exporter(const char *format);

/* The table of host functions every plugin receives. */
const struct minga_host_api *plugin_host_api(void);

json_t *plugin_host_json(void);

#endif
