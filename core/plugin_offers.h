/*
 * What the loaded plugins offer, said in messages ("no importer reads
 * this type of file (the importers read .json, .csv ...)", "--format is
 * required (json, csv ...)"), so that a message names what this process
 * can do, not a list written when the plugins were fewer.
 */
#ifndef MINGA_PLUGIN_OFFERS_H
#define MINGA_PLUGIN_OFFERS_H

struct plugin_registry;

/* The importers' file endings for MINGA_PLUGIN_IMPORTER, the exporters'
 * formats for MINGA_PLUGIN_EXPORTER, of registry r, ", "-separated in
 * load order, each once; "" when none is loaded. A new string (caller
 * frees), or NULL when out of memory. */
char *plugin_offers(const struct plugin_registry *r, int kind);

#endif
