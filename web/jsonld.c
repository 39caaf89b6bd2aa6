/*
 * schema.org JSON-LD in the page of a case's current version (issue 22):
 * a Report that search engines read (name, description, the city, the
 * years, each goal a DefinedTerm of the UN's SDG vocabulary, keywords,
 * license, publisher), and the one escaping that lets its text sit in a
 * <script type="application/ld+json"> whatever the case says. The page
 * (web/page_case.c) calls both; declarations in federation.h.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "federation.h"
#include "refdata.h"

char *fed_jsonld_script_text(const char *json)
{
    size_t len = strlen(json), n_extra = 0;
    for (size_t i = 0; i < len; i++)
        if (json[i] == '<')
            n_extra += 5;
        else if ((unsigned char)json[i] == 0xE2 && i + 2 < len &&
                 (unsigned char)json[i + 1] == 0x80 &&
                 ((unsigned char)json[i + 2] == 0xA8 ||
                  (unsigned char)json[i + 2] == 0xA9))
            n_extra += 3;
    char *out = malloc(len + n_extra + 1), *p = out;
    if (!out)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)json[i];
        if (ch == '<') {
            /* "</script" and "<!--" can then never appear: "<" only
             * occurs inside JSON strings, where \u003c means the same */
            memcpy(p, "\\u003c", 6);
            p += 6;
        } else if (ch == 0xE2 && i + 2 < len &&
                   (unsigned char)json[i + 1] == 0x80 &&
                   ((unsigned char)json[i + 2] == 0xA8 ||
                    (unsigned char)json[i + 2] == 0xA9)) {
            memcpy(p, json[i + 2] == (char)0xA8 ? "\\u2028" : "\\u2029", 6);
            p += 6;
            i += 2;
        } else {
            *p++ = (char)ch;
        }
    }
    *p = '\0';
    return out;
}

static void set_str(json_t *o, const char *key, const char *value)
{
    if (value && *value)
        json_object_set_new(o, key, json_string(value));
}

json_t *fed_case_jsonld(const struct fed_site *site, json_t *c)
{
    const char *id = json_string_value(json_object_get(c, "id"));
    if (!id)
        return NULL;
    json_t *d = json_pack("{s:s, s:s}", "@context", "https://schema.org",
                          "@type", "Report");
    char *page = fed_case_url(site, id);
    if (page) {
        json_object_set_new(d, "@id", json_string(page));
        json_object_set_new(d, "url", json_string(page));
    }
    free(page);
    json_object_set_new(d, "identifier", json_string(id));
    set_str(d, "name", json_string_value(json_object_get(c, "title")));
    set_str(d, "description",
            json_string_value(json_object_get(c, "summary")));
    set_str(d, "inLanguage",
            json_string_value(json_object_get(c, "language")));
    set_str(d, "dateCreated",
            json_string_value(json_object_get(c, "created_at")));
    set_str(d, "dateModified",
            json_string_value(json_object_get(c, "updated_at")));
    /* the city, within its region and country */
    const char *country = json_string_value(json_object_get(c, "country"));
    json_t *place = json_pack("{s:s}", "@type", "City");
    set_str(place, "name", json_string_value(json_object_get(c, "city")));
    if (country && *country) {
        json_t *addr = json_pack("{s:s, s:s}", "@type", "PostalAddress",
                                 "addressCountry", country);
        set_str(addr, "addressRegion",
                json_string_value(json_object_get(c, "region")));
        set_str(addr, "addressLocality",
                json_string_value(json_object_get(c, "city")));
        json_object_set_new(place, "address", addr);
        json_object_set_new(place, "containedInPlace",
                            json_pack("{s:s, s:s}", "@type", "Country",
                                      "identifier", country));
    }
    json_object_set_new(d, "spatialCoverage", place);
    json_t *ys = json_object_get(c, "year_start"),
           *ye = json_object_get(c, "year_end");
    if (json_is_integer(ys)) {
        char span[32];
        if (json_is_integer(ye))
            snprintf(span, sizeof span, "%lld/%lld", json_integer_value(ys),
                     json_integer_value(ye));
        else
            snprintf(span, sizeof span, "%lld/..", json_integer_value(ys));
        json_object_set_new(d, "temporalCoverage", json_string(span));
    }
    /* each goal a term of the UN's SDG vocabulary */
    json_t *about = json_array(), *keywords = json_array(), *g;
    size_t i;
    json_array_foreach(json_object_get(c, "sdg_goals"), i, g)
    {
        int goal = (int)json_integer_value(g);
        const struct minga_goal_info *info = refdata_goal(goal);
        char code[8], url[64], label[16];
        snprintf(code, sizeof code, "%d", goal);
        snprintf(url, sizeof url, "http://metadata.un.org/sdg/%d", goal);
        snprintf(label, sizeof label, "SDG %d", goal);
        json_t *term =
            json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:s}}", "@type",
                      "DefinedTerm", "@id", url, "termCode", code, "name",
                      info && info->title_en ? info->title_en : label,
                      "inDefinedTermSet", "@type", "DefinedTermSet", "@id",
                      "http://metadata.un.org/sdg", "name",
                      "Sustainable Development Goals");
        if (term)
            json_array_append_new(about, term);
        json_array_append_new(keywords, json_string(label));
    }
    json_array_foreach(json_object_get(c, "sdg_targets"), i, g)
    {
        char label[32];
        snprintf(label, sizeof label, "SDG %s", json_string_value(g));
        json_array_append_new(keywords, json_string(label));
    }
    json_array_foreach(json_object_get(c, "tags"), i, g)
        json_array_append(keywords, g);
    json_object_set_new(d, "about", about);
    json_object_set_new(d, "keywords", keywords);
    const char *lic = json_string_value(json_object_get(c, "license"));
    if (lic && *lic) {
        char *url = NULL;
        if (asprintf(&url, "https://spdx.org/licenses/%s", lic) >= 0) {
            json_object_set_new(d, "license", json_string(url));
            free(url);
        }
    }
    set_str(d, "isBasedOn",
            json_string_value(json_object_get(c, "source_url")));
    json_object_set_new(d, "publisher",
                        json_pack("{s:s, s:s, s:s}", "@type", "Organization",
                                  "name", site->name ? site->name : "minga",
                                  "url",
                                  site->base_url ? site->base_url : ""));
    return d;
}
