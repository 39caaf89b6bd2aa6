/*
 * Text handling shared by indexing and searching: folding, tokenising the
 * way the TermGenerator does, stemmers per language, and the compact
 * encodings of the document data and the packed facet value.
 */
#include "mindex_text.h"
#include "mindex_internal.h"
#include "mindex_thesaurus.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>

extern "C" {
#include "textfold.h"
}

namespace mindex_impl
{

const char *const META_GENERATION = "minga_generation";
const char *const META_LANGUAGES = "minga_languages";
const char *const META_WEIGHTING = "minga_weighting";
const char *const WEIGHTING_LENGTH_NORMS = "bm25-length-norms-1";
const char *const META_THESAURUS = "minga_thesaurus_keys";
const char *const META_SUGGESTED = "minga_suggested";
const char *const SUGGESTED_TERMS_V1 = "sdg-packs-1";
const char *const SHARDS_FILE = "minga-index-shards";
const char *const SPELLING_DIR = "spelling";

void set_errmsg(char **errmsg, const std::string &msg)
{
    if (!errmsg)
        return;
    *errmsg = strdup(msg.c_str()); /* NULL on OOM: nothing better to do */
}

int error_code(const Xapian::Error &e)
{
    const std::string type = e.get_type();
    if (type == "DatabaseNotFoundError")
        return MINGA_ENOTFOUND;
    if (type == "DatabaseLockError")
        return MINGA_EBUSY;
    if (type == "InvalidArgumentError" || type == "InvalidOperationError")
        return MINGA_EINVAL;
    if (type.find("Database") == 0 || type == "DocNotFoundError")
        return MINGA_EIO;
    return MINGA_EINTERNAL;
}

std::string fold_text(const char *s, size_t len)
{
    if (len == 0)
        return std::string();
    char *folded = text_fold(s, len);
    if (!folded) {
        if (!text_is_valid_utf8(s, len))
            throw std::invalid_argument("invalid UTF-8");
        throw std::bad_alloc();
    }
    std::string out(folded);
    free(folded);
    /* Apostrophes would glue "l'agriculture" into one term. U+2019 is
     * E2 80 99; U+02BC (modifier apostrophe) is CA BC. */
    std::string result;
    result.reserve(out.size());
    for (size_t i = 0; i < out.size(); i++) {
        unsigned char ch = (unsigned char)out[i];
        if (ch == '\'') {
            result += ' ';
        } else if (ch == 0xE2 && i + 2 < out.size() &&
                   (unsigned char)out[i + 1] == 0x80 &&
                   (unsigned char)out[i + 2] == 0x99) {
            result += ' ';
            i += 2;
        } else if (ch == 0xCA && i + 1 < out.size() &&
                   (unsigned char)out[i + 1] == 0xBC) {
            result += ' ';
            i += 1;
        } else {
            result += (char)ch;
        }
    }
    return result;
}

Xapian::Stem make_stem(const std::string &lang)
{
    /* Xapian 1.4 knows ISO 639-1 codes ("es", "pt", "ca" ...). */
    if (lang.empty())
        return Xapian::Stem();
    try {
        return Xapian::Stem(lang);
    } catch (const Xapian::InvalidArgumentError &) {
        return Xapian::Stem("none");
    }
}

bool term_is_stemmable(const std::string &term)
{
    if (term.empty())
        return false;
    Xapian::Utf8Iterator it(term);
    switch (Xapian::Unicode::get_category(*it)) {
    case Xapian::Unicode::UPPERCASE_LETTER:
    case Xapian::Unicode::LOWERCASE_LETTER:
    case Xapian::Unicode::TITLECASE_LETTER:
    case Xapian::Unicode::MODIFIER_LETTER:
    case Xapian::Unicode::OTHER_LETTER:
        return true;
    default:
        return false;
    }
}

/* -- document data: version byte, then varint-framed fields ---------- */

static const unsigned char DOCDATA_VERSION = 1;

static void put_varint(std::string &out, uint64_t v)
{
    while (v >= 0x80) {
        out += (char)((v & 0x7f) | 0x80);
        v >>= 7;
    }
    out += (char)v;
}

static bool get_varint(const std::string &in, size_t &pos, uint64_t *v)
{
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && pos < in.size(); shift += 7) {
        unsigned char ch = (unsigned char)in[pos++];
        result |= (uint64_t)(ch & 0x7f) << shift;
        if (!(ch & 0x80)) {
            *v = result;
            return true;
        }
    }
    return false;
}

static void put_string(std::string &out, const std::string &s)
{
    put_varint(out, s.size());
    out += s;
}

static bool get_string(const std::string &in, size_t &pos, std::string *s)
{
    uint64_t len;
    if (!get_varint(in, pos, &len) || len > in.size() - pos)
        return false;
    s->assign(in, pos, (size_t)len);
    pos += (size_t)len;
    return true;
}

/* A count, then (path, text) pairs, from `pos` to the end. */
static bool sources_decode_at(const std::string &in, size_t pos,
                              SnippetSources *out)
{
    uint64_t n = 0;
    if (!get_varint(in, pos, &n) || n > ATTACHMENT_SNIPPET_SOURCES)
        return false;
    for (uint64_t i = 0; i < n; i++) {
        std::pair<std::string, std::string> a;
        if (!get_string(in, pos, &a.first) || !get_string(in, pos, &a.second))
            return false;
        out->push_back(std::move(a));
    }
    return pos == in.size();
}

std::string docdata_encode(const DocData &d)
{
    std::string out;
    out += (char)DOCDATA_VERSION;
    put_string(out, d.id);
    put_string(out, d.title);
    put_string(out, d.city);
    put_string(out, d.country);
    put_string(out, d.language);
    put_varint(out, (uint64_t)d.year_start);
    put_varint(out, (uint64_t)d.year_end);
    put_varint(out, d.goal_mask);
    put_varint(out, d.level_mask);
    put_varint(out, d.actor_mask);
    put_string(out, d.text);
    /* appended after the fields of version 1, which a decoder of data
     * made before finds absent; only tests write it now */
    if (!d.attachments.empty())
        out += snippet_sources_encode(d.attachments);
    return out;
}

bool docdata_decode(const std::string &data, DocData *out)
{
    if (data.empty() || (unsigned char)data[0] != DOCDATA_VERSION)
        return false;
    size_t pos = 1;
    uint64_t ys, ye, goals, levels, actors;
    out->attachments.clear();
    bool ok =
        get_string(data, pos, &out->id) &&
        get_string(data, pos, &out->title) &&
        get_string(data, pos, &out->city) &&
        get_string(data, pos, &out->country) &&
        get_string(data, pos, &out->language) && get_varint(data, pos, &ys) &&
        get_varint(data, pos, &ye) && get_varint(data, pos, &goals) &&
        get_varint(data, pos, &levels) && get_varint(data, pos, &actors) &&
        get_string(data, pos, &out->text) &&
        (out->year_start = (int)ys, out->year_end = (int)ye,
         out->goal_mask = (uint32_t)goals, out->level_mask = (uint32_t)levels,
         out->actor_mask = (uint32_t)actors, true);
    if (!ok || pos >= data.size())
        return ok;
    return sources_decode_at(data, pos, &out->attachments);
}

std::string snippet_sources_encode(const SnippetSources &sources)
{
    std::string out;
    put_varint(out, sources.size());
    for (const auto &a : sources) {
        put_string(out, a.first);
        put_string(out, a.second);
    }
    return out;
}

bool snippet_sources_decode(const std::string &value, SnippetSources *out)
{
    out->clear();
    return value.empty() || sources_decode_at(value, 0, out);
}

/* -- packed facet value: goals (4 bytes LE), levels, actors, country
 *    length, country, language ------------------------------------- */

std::string facets_encode(uint32_t goal_mask, uint32_t level_mask,
                          uint32_t actor_mask, const std::string &country,
                          const std::string &language)
{
    std::string out;
    for (int i = 0; i < 4; i++)
        out += (char)((goal_mask >> (8 * i)) & 0xff);
    out += (char)(level_mask & 0xff);
    out += (char)(actor_mask & 0xff);
    out += (char)std::min<size_t>(country.size(), 7);
    out.append(country, 0, std::min<size_t>(country.size(), 7));
    out.append(language, 0, std::min<size_t>(language.size(), 7));
    return out;
}

/* At most 7 bytes (see facets_encode) as a number. */
static uint64_t code_key(const unsigned char *p, size_t len)
{
    uint64_t key = 0;
    for (size_t i = 0; i < len && i < 8; i++)
        key |= (uint64_t)p[i] << (8 * i);
    return key;
}

uint64_t facet_code_key(const std::string &code)
{
    return code_key((const unsigned char *)code.data(),
                    std::min<size_t>(code.size(), 7));
}

bool facets_decode(const std::string &packed, PackedFacets *out)
{
    if (packed.size() < 7)
        return false;
    const unsigned char *p = (const unsigned char *)packed.data();
    size_t country_len = p[6];
    if (7 + country_len > packed.size())
        return false;
    out->goal_mask = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                     (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    out->level_mask = p[4];
    out->actor_mask = p[5];
    out->country = code_key(p + 7, country_len);
    out->language =
        code_key(p + 7 + country_len, packed.size() - 7 - country_len);
    return true;
}

} /* namespace mindex_impl */

using namespace mindex_impl;

const Xapian::Stem &mindex::stem_for(const std::string &lang)
{
    auto it = stems.find(lang);
    if (it != stems.end())
        return it->second;
    return stems.emplace(lang, make_stem(lang)).first->second;
}

StemMemo &mindex::stem_memo_for(const std::string &lang)
{
    auto it = stem_memos.find(lang);
    if (it != stem_memos.end())
        return it->second;
    StemMemo &memo = stem_memos[lang];
    memo.stem = stem_for(lang);
    return memo;
}

void mindex::refresh_query_stems()
{
    static const char *const base[] = {"es", "pt", "en"};
    query_stems.clear();
    for (const char *lang : base)
        query_stems.emplace_back(lang, &stem_memo_for(lang));
    for (const std::string &lang : languages) {
        if (lang == "es" || lang == "pt" || lang == "en")
            continue;
        StemMemo &memo = stem_memo_for(lang);
        if (memo.stem.is_none())
            continue;
        query_stems.emplace_back(lang, &memo);
    }
}

void mindex::load_metadata()
{
    if (mode == MINDEX_READ)
        settle_generation();
    languages.clear();
    /* shard 0 holds the thesaurus; every shard the same language list */
    if (mode == MINDEX_WRITE)
        sync();
    Xapian::Database &db0 = shards.at(0)->db(mode);
    std::string list = db0.get_metadata(META_LANGUAGES);
    size_t pos = 0;
    while (pos < list.size()) {
        size_t end = list.find(' ', pos);
        if (end == std::string::npos)
            end = list.size();
        if (end > pos)
            languages.insert(list.substr(pos, end - pos));
        pos = end + 1;
    }
    refresh_query_stems();
    has_thesaurus = !db0.get_metadata(META_THESAURUS).empty();
    length_norms = db0.get_metadata(META_WEIGHTING) == WEIGHTING_LENGTH_NORMS;
    if (!length_norms && mode == MINDEX_WRITE) {
        /* a new or emptied index starts with norms; one holding cases
         * with plain steps keeps them (mixed, they would not compare) */
        Xapian::doccount n = 0;
        for (auto &sh : shards)
            n += sh->db(mode).get_doccount();
        length_norms = n == 0;
    }
    suggested_terms = db0.get_metadata(META_SUGGESTED) == SUGGESTED_TERMS_V1;
    if (!suggested_terms) {
        /* an empty index lacks nothing */
        Xapian::doccount n = 0;
        for (auto &sh : shards)
            n += sh->db(mode).get_doccount();
        suggested_terms = n == 0;
    }
    reset_enquire();
}

void mindex::settle_generation()
{
    /* A writer commits its shards in parallel, one database each: a
     * reader that opens between the first commit and the last sees part
     * of an import (reliability_concurrency caught 750 of 1 500 cases).
     * The rest follows within milliseconds, so wait for it, reopening;
     * a commit that stopped half-way (a crash) stays mixed until the
     * next write or `minga check --repair` rebuilds, so after about a
     * second search what is there. */
    generation = read_generation();
    for (int attempt = 1;
         generation == MINDEX_GENERATION_MIXED && attempt <= 10; attempt++) {
        read_backoff(attempt); /* 1, 2, 4 ... 512 ms */
        rdb.reopen();
        spell_all.reopen();
        generation = read_generation();
    }
}

void mindex::reset_enquire()
{
    enquire.reset(new Xapian::Enquire(db()));
    /* Counting every match for exact facets (check_at_least) stops after
     * this long and the facets are then estimated: a query of many common
     * words must not hold a server thread for seconds. */
    enquire->set_time_limit(MATCH_TIME_LIMIT_S);
    if (length_norms)
        enquire->set_weighting_scheme(
            Xapian::BM25Weight(BM25_K1 * LENGTH_NORM_SCALE, 0, 1, 0, 0.5));
    else
        enquire->set_weighting_scheme(
            Xapian::BM25Weight(BM25_K1, 0, 1, BM25_B, 0.5));
}

std::vector<std::string> mindex::tokenize(const std::string &folded)
{
    Xapian::Document scratch;
    tokenizer.set_document(scratch);
    tokenizer.index_text(folded);
    std::vector<std::pair<Xapian::termpos, std::string>> at;
    for (auto t = scratch.termlist_begin(); t != scratch.termlist_end(); ++t) {
        for (auto p = t.positionlist_begin(); p != t.positionlist_end(); ++p)
            at.emplace_back(*p, *t);
    }
    std::sort(at.begin(), at.end());
    std::vector<std::string> words;
    words.reserve(at.size());
    for (auto &pw : at)
        words.push_back(std::move(pw.second));
    return words;
}
