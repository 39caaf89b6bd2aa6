/*
 * The cross-language thesaurus, kept in Xapian's synonym table.
 *
 * Text format (data/thesaurus.txt): one group per line, entries separated
 * by '|', each "lang: words"; '#' starts a comment (at the start of a line
 * or after a space); blank lines are ignored:
 *
 *   es: presupuesto participativo | pt: orçamento participativo | why: ...
 *
 * "why: text" says where the group comes from (a source or a reasoning);
 * it is checked (at most one, not empty, nothing after it) but never a
 * key or a synonym. Any other field name that is not a language with a
 * stemmer is an error naming the line.
 *
 * Each entry's key is its words folded and stemmed with its own language's
 * stemmer ("presupuest participat"), so a query finds it whatever the
 * inflection; its synonyms are the group's other entries as
 * "lang:folded words", which the query side turns back into phrases. The
 * keys written are listed in the metadata so the next load can clear them.
 */
#include "mindex_thesaurus.h"
#include "mindex_internal.h"
#include "mindex_text.h"

#include <cstdlib>

#include <string.h>

using namespace mindex_impl;

namespace mindex_impl
{

} /* namespace mindex_impl */

/* Longest key we store; Xapian keys must stay well under 245 bytes. */
static const size_t MAX_KEY_BYTES = 200;

struct ParsedEntry {
    SynEntry entry;
    std::string key;
    std::string value; /* "lang:folded words" */
};

static std::string trim(const std::string &s)
{
    size_t b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos)
        return std::string();
    size_t e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

static std::string strip_comment(const std::string &line)
{
    for (size_t i = 0; i < line.size(); i++)
        if (line[i] == '#' &&
            (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return line.substr(0, i);
    return line;
}

static bool is_lang_code(const std::string &lang)
{
    if (lang.size() < 2 || lang.size() > 3)
        return false;
    for (char ch : lang)
        if (ch < 'a' || ch > 'z')
            return false;
    return true;
}

/* Parses one group; returns "" or a message for the line. */
static std::string parse_group(struct mindex *ix, const std::string &line,
                               std::vector<ParsedEntry> *group)
{
    size_t pos = 0;
    bool has_why = false;
    while (pos <= line.size()) {
        size_t bar = line.find('|', pos);
        if (bar == std::string::npos)
            bar = line.size();
        std::string part = trim(line.substr(pos, bar - pos));
        pos = bar + 1;
        if (part.empty())
            return "empty entry";
        size_t colon = part.find(':');
        if (colon == std::string::npos)
            return "entry '" + part + "' does not start with 'lang:'";
        ParsedEntry pe;
        pe.entry.lang = trim(part.substr(0, colon));
        if (pe.entry.lang == "why") {
            /* the group's source or reasoning: read, never matched */
            if (trim(part.substr(colon + 1)).empty())
                return "entry '" + part + "': empty source";
            if (has_why)
                return "a group has one 'why:'";
            has_why = true;
            continue;
        }
        if (has_why)
            return "entry '" + part + "' after 'why:' (it comes last)";
        if (pe.entry.lang == "sdg") {
            /* "sdg: 5": the group names a goal; its words also find the
             * goal's cases. Never a key: nobody types "sdg: 5" as text. */
            std::string number = trim(part.substr(colon + 1));
            int goal = atoi(number.c_str());
            if (goal < 1 || goal > 17 || number != std::to_string(goal))
                return "entry '" + part + "': not a goal number (1-17)";
            pe.entry.words.push_back(number);
            pe.value = "sdg:" + number;
            group->push_back(std::move(pe));
            continue;
        }
        if (!is_lang_code(pe.entry.lang) ||
            ix->stem_for(pe.entry.lang).is_none())
            return "entry '" + part + "': '" + pe.entry.lang +
                   "' is not a language with a stemmer";
        pe.entry.words = ix->tokenize(fold_text(part.substr(colon + 1)));
        if (pe.entry.words.empty())
            return "entry '" + part + "' has no words";
        pe.key = thesaurus_key(pe.entry.words, ix->stem_for(pe.entry.lang));
        if (pe.key.size() > MAX_KEY_BYTES)
            return "entry '" + part + "' is too long";
        pe.value = pe.entry.lang + ":";
        for (size_t i = 0; i < pe.entry.words.size(); i++)
            pe.value += (i ? " " : "") + pe.entry.words[i];
        group->push_back(std::move(pe));
    }
    if (group->size() < 2)
        return "a group needs at least two entries";
    return std::string();
}

extern "C" int mindex_set_thesaurus(struct mindex *ix, const char *text,
                                    size_t len, char **errmsg)
{
    if (!ix || (!text && len)) {
        set_errmsg(errmsg, "index set_thesaurus: invalid arguments");
        return MINGA_EINVAL;
    }
    if (ix->mode != MINDEX_WRITE) {
        set_errmsg(errmsg, "index set_thesaurus: index is open read-only");
        return MINGA_EINVAL;
    }
    return guard(errmsg, "index set_thesaurus", [&]() -> int {
        /* Parse everything before touching the database. */
        std::vector<std::vector<ParsedEntry>> groups;
        std::string all(text ? text : "", len);
        size_t pos = 0;
        int line_no = 0;
        while (pos < all.size()) {
            size_t nl = all.find('\n', pos);
            if (nl == std::string::npos)
                nl = all.size();
            std::string line = trim(strip_comment(all.substr(pos, nl - pos)));
            pos = nl + 1;
            line_no++;
            if (line.empty())
                continue;
            std::vector<ParsedEntry> group;
            std::string problem = parse_group(ix, line, &group);
            if (!problem.empty()) {
                set_errmsg(errmsg, "thesaurus line " +
                                       std::to_string(line_no) + ": " +
                                       problem);
                return MINGA_EINVAL;
            }
            groups.push_back(std::move(group));
        }

        /* the synonyms and their key list live in shard 0 */
        Xapian::WritableDatabase &wdb = ix->meta_writer();
        std::string old_keys = wdb.get_metadata(META_THESAURUS);
        for (size_t p = 0; p < old_keys.size();) {
            size_t nl = old_keys.find('\n', p);
            if (nl == std::string::npos)
                nl = old_keys.size();
            if (nl > p)
                wdb.clear_synonyms(old_keys.substr(p, nl - p));
            p = nl + 1;
        }
        std::set<std::string> keys;
        for (const auto &group : groups) {
            for (const ParsedEntry &from : group) {
                if (from.key.empty())
                    continue; /* a goal link */
                for (const ParsedEntry &to : group) {
                    if (to.value == from.value)
                        continue;
                    wdb.add_synonym(from.key, to.value);
                    keys.insert(from.key);
                }
            }
        }
        std::string key_list;
        for (const std::string &k : keys)
            key_list += k + "\n";
        wdb.set_metadata(META_THESAURUS, key_list);
        ix->has_thesaurus = !keys.empty();
        return 0;
    });
}

std::vector<SynEntry>
mindex::thesaurus_lookup(const std::vector<std::string> &words)
{
    std::vector<SynEntry> found;
    if (!has_thesaurus || words.empty())
        return found;
    std::set<std::string> keys_tried, values_seen;
    for (const auto &ls : query_stems) {
        std::string key = thesaurus_key(words, *ls.second);
        if (!keys_tried.insert(key).second)
            continue;
        Xapian::Database &d = db();
        for (auto s = d.synonyms_begin(key); s != d.synonyms_end(key); ++s) {
            const std::string value = *s;
            size_t colon = value.find(':');
            if (colon == std::string::npos ||
                !values_seen.insert(value).second)
                continue;
            SynEntry e;
            e.lang = value.substr(0, colon);
            for (size_t p = colon + 1; p < value.size();) {
                size_t sp = value.find(' ', p);
                if (sp == std::string::npos)
                    sp = value.size();
                if (sp > p)
                    e.words.push_back(value.substr(p, sp - p));
                p = sp + 1;
            }
            if (!e.words.empty())
                found.push_back(std::move(e));
        }
    }
    return found;
}
