/* A record's metadata into a case: see harvest_map.h. */
#include "harvest_map.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harvest_oai.h"
#include "minga_impl.h"
#include "refdata.h"

#define DC_NS "http://purl.org/dc/elements/1.1/"
#define MAX_DC_VALUES 256

static struct minga_value text_value(const char *s)
{
    struct minga_value v = {
        .type = MINGA_VALUE_TEXT, .str = s, .len = strlen(s)};
    return v;
}

static void put_field(struct case_builder *b, const char *name, const char *s)
{
    struct minga_value v = text_value(s);
    case_builder_field(b, name, &v);
}

static void put_array(struct case_builder *b, const char *name,
                      const char *const *items, size_t n)
{
    struct minga_value arr = {.type = MINGA_VALUE_ARRAY};
    case_builder_field(b, name, &arr);
    for (size_t i = 0; i < n; i++) {
        struct minga_value v = text_value(items[i]);
        case_builder_item(b, name, i, &v);
    }
}

/* -- minga: element for element ----------------------------------------- */

static int is_container(const char *name)
{
    static const char *const names[] = {
        "sdg_goals", "sdg_targets", "levels", "actors", "tags", "attachments"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(name, names[i]) == 0)
            return 1;
    return 0;
}

int harvest_map_minga(struct case_builder *b, struct diag_list *dl,
                      xmlNodePtr meta, const char *display,
                      struct built_case *out,
                      struct harvest_attachment_ref **refs)
{
    *refs = NULL;
    if (!harvest_node_is(meta, HARVEST_MINGA_NS, "case")) {
        diag_add(dl, DIAG_ERROR, display, 0, 0, "metadata",
                 "expected <case> in %s (the minga format), got <%s>; the "
                 "record is skipped",
                 HARVEST_MINGA_NS,
                 meta ? (const char *)meta->name : "nothing");
        return MINGA_EINVAL;
    }
    xmlChar *format = xmlGetProp(meta, BAD_CAST "format");
    int is_v1 = format && strcmp((const char *)format, "1") == 0;
    if (!is_v1)
        diag_add(dl, DIAG_ERROR, display, 0, 0, "format",
                 "case format version \"%s\" is not known (this minga "
                 "reads version 1); the record is skipped",
                 format ? (const char *)format : "");
    xmlFree(format);
    if (!is_v1)
        return MINGA_EINVAL;
    struct harvest_attachment_ref *atts = NULL;
    size_t n_atts = 0;
    case_builder_begin(b, display, 0);
    for (xmlNodePtr e = meta->children; e; e = e->next) {
        if (e->type != XML_ELEMENT_NODE)
            continue;
        const char *name = (const char *)e->name;
        if (!harvest_node_is(e, HARVEST_MINGA_NS, name)) {
            diag_add(dl, DIAG_ERROR, display, (int)xmlGetLineNo(e), 0, name,
                     "an element outside %s", HARVEST_MINGA_NS);
            continue;
        }
        /* the catalog keeps its own times: the case's are its source's */
        if (strcmp(name, "created_at") == 0 || strcmp(name, "updated_at") == 0)
            continue;
        if (!is_container(name)) {
            char *text = harvest_node_text(e);
            put_field(b, name, text ? text : "");
            free(text);
            continue;
        }
        struct minga_value arr = {.type = MINGA_VALUE_ARRAY};
        case_builder_field(b, name, &arr);
        size_t index = 0;
        int is_attachments = strcmp(name, "attachments") == 0;
        for (xmlNodePtr it = e->children; it; it = it->next) {
            if (it->type != XML_ELEMENT_NODE)
                continue;
            char *text = harvest_node_text(it);
            struct minga_value v = text_value(text ? text : "");
            case_builder_item(b, name, index++, &v);
            free(text);
            if (!is_attachments)
                continue;
            struct harvest_attachment_ref *grown =
                realloc(atts, (n_atts + 1) * sizeof *atts);
            if (!grown)
                break;
            atts = grown;
            xmlChar *sha = xmlGetProp(it, BAD_CAST "sha256");
            xmlChar *size = xmlGetProp(it, BAD_CAST "size");
            atts[n_atts].sha256 = sha ? strdup((const char *)sha) : NULL;
            atts[n_atts].size =
                size ? strtoull((const char *)size, NULL, 10) : 0;
            n_atts++;
            xmlFree(sha);
            xmlFree(size);
        }
    }
    size_t errors_before = dl->n_errors;
    int rc = case_builder_end(b, out);
    if (!rc && dl->n_errors != errors_before)
        rc = MINGA_EINVAL;
    if (!rc && out->c->n_attachments != n_atts) {
        diag_add(dl, DIAG_ERROR, display, 0, 0, "attachments",
                 "%zu attachments declared, %zu kept; the record is "
                 "skipped",
                 n_atts, out->c->n_attachments);
        built_case_release(out);
        rc = MINGA_EINVAL;
    }
    if (rc) {
        for (size_t i = 0; i < n_atts; i++)
            free(atts[i].sha256);
        free(atts);
        return MINGA_EINVAL;
    }
    *refs = atts;
    return MINGA_OK;
}

/* -- oai_dc: a mapping -------------------------------------------------- */

struct dc_values {
    char *items[MAX_DC_VALUES];
    size_t n;
};

static void dc_collect(xmlNodePtr meta, const char *name,
                       struct dc_values *out)
{
    out->n = 0;
    for (xmlNodePtr e = meta->children; e && out->n < MAX_DC_VALUES;
         e = e->next)
        if (harvest_node_is(e, DC_NS, name)) {
            char *t = harvest_node_text(e);
            if (t && *t)
                out->items[out->n++] = t;
            else
                free(t);
        }
}

static void dc_release(struct dc_values *v)
{
    for (size_t i = 0; i < v->n; i++)
        free(v->items[i]);
    v->n = 0;
}

char *harvest_id_from_identifier(const char *identifier)
{
    const char *last = strrchr(identifier, ':');
    const char *s = last && last[1] ? last + 1 : identifier;
    char *id = malloc(101);
    if (!id)
        return NULL;
    size_t n = 0;
    int was_dash = 1;
    for (; *s && n < 100; s++) {
        unsigned char ch = (unsigned char)*s;
        if (isalnum(ch) && ch < 0x80) {
            id[n++] = (char)tolower(ch);
            was_dash = 0;
        } else if (!was_dash) {
            id[n++] = '-';
            was_dash = 1;
        }
    }
    while (n && id[n - 1] == '-')
        n--;
    id[n] = '\0';
    if (!n) {
        free(id);
        return NULL;
    }
    return id;
}

/* "es", "es-AR", "spa", "Spanish" ... to an ISO 639-1 code; NULL. */
static const char *dc_language(const char *s)
{
    static const char *const names[][3] = {
        {"es", "spa", "spanish"},   {"pt", "por", "portuguese"},
        {"en", "eng", "english"},   {"fr", "fra", "french"},
        {"fr", "fre", "français"},  {"it", "ita", "italian"},
        {"de", "deu", "german"},    {"de", "ger", "deutsch"},
        {"nl", "nld", "dutch"},     {"nl", "dut", "nederlands"},
        {"ca", "cat", "catalan"},   {"es", "spa", "español"},
        {"pt", "por", "português"},
    };
    char head[32];
    size_t n = strcspn(s, "-_ ");
    if (n >= sizeof head)
        return NULL;
    for (size_t i = 0; i < n; i++)
        head[i] = (char)tolower((unsigned char)s[i]);
    head[n] = '\0';
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(head, names[i][0]) == 0 || strcmp(head, names[i][1]) == 0 ||
            strcasecmp(s, names[i][2]) == 0)
            return refdata_is_language(names[i][0]) ? names[i][0] : NULL;
    return NULL;
}

/* "SDG 11" -> goal 11; "SDG 11.2" -> target "11.2". 0 when not one. */
static int dc_sdg(const char *s, int *goal, char target[16])
{
    if (strncasecmp(s, "SDG", 3) != 0)
        return 0;
    s += 3;
    while (*s == ' ' || *s == '-')
        s++;
    char *end = NULL;
    long g = strtol(s, &end, 10);
    if (end == s || g < 1 || g > 17)
        return 0;
    *goal = (int)g;
    target[0] = '\0';
    if (*end == '.' && isalnum((unsigned char)end[1])) {
        size_t n = strcspn(end + 1, " :;,");
        if (n > 4)
            return 0;
        snprintf(target, 16, "%d.%.*s", (int)g, (int)n, end + 1);
    }
    return 1;
}

static int is_http_url(const char *s)
{
    return strncasecmp(s, "http://", 7) == 0 ||
           strncasecmp(s, "https://", 8) == 0;
}

static uint32_t dc_actor(const char *s)
{
    static const char *const langs[] = {"en", "es", "pt"};
    for (uint32_t bit = 1; bit < (1u << MINGA_N_ACTORS); bit <<= 1) {
        if (strcasecmp(s, refdata_actor_name(bit)) == 0)
            return bit;
        for (size_t l = 0; l < 3; l++) {
            const char *label = refdata_actor_label(bit, langs[l]);
            if (label && strcasecmp(s, label) == 0)
                return bit;
        }
    }
    return 0;
}

static int missing(struct diag_list *dl, const char *display,
                   const char *field, const char *what)
{
    diag_add(dl, DIAG_ERROR, display, 0, 0, field, "%s; the record is skipped",
             what);
    return 1;
}

int harvest_map_dc(struct case_builder *b, struct diag_list *dl,
                   xmlNodePtr meta, const char *display,
                   const char *identifier, struct built_case *out)
{
    if (!harvest_node_is(meta, "http://www.openarchives.org/OAI/2.0/oai_dc/",
                         "dc")) {
        diag_add(dl, DIAG_ERROR, display, 0, 0, "metadata",
                 "expected <oai_dc:dc>, got <%s>; the record is skipped",
                 meta ? (const char *)meta->name : "nothing");
        return MINGA_EINVAL;
    }
    struct dc_values title, desc, lang, cov, date, subj, contrib, source,
        ident, rights;
    dc_collect(meta, "title", &title);
    dc_collect(meta, "description", &desc);
    dc_collect(meta, "language", &lang);
    dc_collect(meta, "coverage", &cov);
    dc_collect(meta, "date", &date);
    dc_collect(meta, "subject", &subj);
    dc_collect(meta, "contributor", &contrib);
    dc_collect(meta, "source", &source);
    dc_collect(meta, "identifier", &ident);
    dc_collect(meta, "rights", &rights);

    int n_problems = 0;
    char *id = harvest_id_from_identifier(identifier);
    if (!id)
        n_problems += missing(dl, display, "identifier",
                              "no case id can be made of the identifier");
    if (!title.n)
        n_problems +=
            missing(dl, display, "dc:title", "no dc:title (the case's title)");
    if (!desc.n)
        n_problems += missing(dl, display, "dc:description",
                              "no dc:description (the case's summary)");
    const char *language = NULL;
    for (size_t i = 0; i < lang.n && !language; i++)
        language = dc_language(lang.items[i]);
    if (!language)
        n_problems += missing(dl, display, "dc:language",
                              "no dc:language minga can index (es, pt, "
                              "en, fr, it, de, nl, ca)");
    const char *country = NULL, *city = NULL, *region = NULL;
    for (size_t i = 0; i < cov.n; i++) {
        const char *v = cov.items[i];
        if (!country && strlen(v) == 2 && isupper((unsigned char)v[0]) &&
            isupper((unsigned char)v[1]) && refdata_is_country(v))
            country = v;
        else if (!city)
            city = v;
        else if (!region)
            region = v;
    }
    if (!country)
        n_problems += missing(dl, display, "dc:coverage",
                              "no dc:coverage holds an ISO 3166-1 country "
                              "code (BR, UY ...)");
    if (!city)
        n_problems += missing(dl, display, "dc:coverage",
                              "no dc:coverage names the city");
    int year_start = 0, year_end = 0;
    for (size_t i = 0; i < date.n; i++) {
        const char *v = date.items[i];
        if (!(isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
              isdigit((unsigned char)v[2]) && isdigit((unsigned char)v[3])))
            continue;
        int y = atoi(v); /* the first four digits: "2014-05-01" too */
        if (y > 9999)
            y = (v[0] - '0') * 1000 + (v[1] - '0') * 100 + (v[2] - '0') * 10 +
                (v[3] - '0');
        if (!year_start || y < year_start)
            year_start = y;
        if (y > year_end)
            year_end = y;
    }
    if (!year_start)
        n_problems +=
            missing(dl, display, "dc:date", "no dc:date gives a year");
    const char *goals[17], *targets[MAX_DC_VALUES], *tags[MAX_DC_VALUES];
    char goal_text[17][4], target_text[MAX_DC_VALUES][16];
    size_t n_goals = 0, n_targets = 0, n_tags = 0;
    uint32_t goal_seen = 0;
    for (size_t i = 0; i < subj.n; i++) {
        int g;
        char t[16];
        if (!dc_sdg(subj.items[i], &g, t)) {
            tags[n_tags++] = subj.items[i];
        } else if (t[0]) {
            memcpy(target_text[n_targets], t, sizeof t);
            targets[n_targets] = target_text[n_targets];
            n_targets++;
        } else if (!(goal_seen & (1u << g))) {
            goal_seen |= 1u << g;
            snprintf(goal_text[n_goals], sizeof goal_text[n_goals], "%d", g);
            goals[n_goals] = goal_text[n_goals];
            n_goals++;
        }
    }
    if (!n_goals && !n_targets)
        n_problems += missing(dl, display, "dc:subject",
                              "no dc:subject names an SDG goal (\"SDG 11\")");
    const char *actors[MINGA_N_ACTORS];
    size_t n_actors = 0;
    uint32_t actor_seen = 0;
    for (size_t i = 0; i < contrib.n; i++) {
        uint32_t bit = dc_actor(contrib.items[i]);
        if (bit && !(actor_seen & bit)) {
            actor_seen |= bit;
            actors[n_actors++] = refdata_actor_name(bit);
        }
    }
    const char *source_url = NULL;
    for (size_t i = 0; i < source.n && !source_url; i++)
        if (is_http_url(source.items[i]))
            source_url = source.items[i];
    for (size_t i = 0; i < ident.n && !source_url; i++)
        if (is_http_url(ident.items[i]))
            source_url = ident.items[i];
    /* rights in free text ("All rights reserved") is no SPDX id: left out */
    const char *license =
        rights.n && !strpbrk(rights.items[0], " \t,") ? rights.items[0] : NULL;

    int rc = MINGA_EINVAL;
    if (!n_problems) {
        char ys[16], ye[16];
        snprintf(ys, sizeof ys, "%d", year_start);
        snprintf(ye, sizeof ye, "%d", year_end);
        const char *local[] = {"local"};
        case_builder_begin(b, display, 0);
        put_field(b, "id", id);
        put_field(b, "title", title.items[0]);
        put_field(b, "summary", desc.items[0]);
        put_field(b, "language", language);
        put_field(b, "city", city);
        put_field(b, "country", country);
        if (region)
            put_field(b, "region", region);
        put_field(b, "year_start", ys);
        if (year_end > year_start)
            put_field(b, "year_end", ye);
        if (n_goals) /* else the targets' goals, which the builder adds */
            put_array(b, "sdg_goals", goals, n_goals);
        if (n_targets)
            put_array(b, "sdg_targets", targets, n_targets);
        put_array(b, "levels", local, 1);
        if (n_actors)
            put_array(b, "actors", actors, n_actors);
        if (n_tags)
            put_array(b, "tags", tags, n_tags);
        if (source_url)
            put_field(b, "source_url", source_url);
        if (license)
            put_field(b, "license", license);
        size_t errors_before = dl->n_errors;
        rc = case_builder_end(b, out);
        if (!rc && dl->n_errors != errors_before) {
            built_case_release(out);
            rc = MINGA_EINVAL;
        }
    }
    free(id);
    dc_release(&title);
    dc_release(&desc);
    dc_release(&lang);
    dc_release(&cov);
    dc_release(&date);
    dc_release(&subj);
    dc_release(&contrib);
    dc_release(&source);
    dc_release(&ident);
    dc_release(&rights);
    return rc;
}
