/* What the loaded plugins offer: see plugin_offers.h. */
#include "plugin_offers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_host.h"

/* Appends `item` to the ", "-separated list unless it is there already. */
static int offers_add(char **list, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = *list; (p = strstr(p, item)) != NULL; p += n)
        if ((p == *list || p[-1] == ' ') && (p[n] == ',' || p[n] == '\0'))
            return 0;
    char *grown;
    if (asprintf(&grown, "%s%s%s", *list, **list ? ", " : "", item) < 0)
        return -1;
    free(*list);
    *list = grown;
    return 0;
}

char *plugin_offers(const struct plugin_registry *r, int kind)
{
    char *list = strdup("");
    for (size_t i = 0; list && i < plugin_registry_count(r); i++) {
        const struct minga_plugin_desc *d = plugin_registry_get(r, i)->desc;
        int rc = 0;
        if (kind == MINGA_PLUGIN_IMPORTER && d->kind == kind && d->importer)
            for (const char *const *e = d->importer->extensions;
                 !rc && e && *e; e++)
                rc = offers_add(&list, *e);
        else if (kind == MINGA_PLUGIN_EXPORTER && d->kind == kind &&
                 d->exporter && d->exporter->format)
            rc = offers_add(&list, d->exporter->format);
        if (rc) {
            free(list);
            list = NULL;
        }
    }
    return list;
}
