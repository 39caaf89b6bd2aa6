/*
 * The index handle: opening, reopening, and the batched writes.
 *
 * Every write runs inside one unflushed Xapian transaction that begins
 * lazily at the first write after a commit; mindex_commit ends it and
 * commits, mindex_rollback cancels it. Inside a transaction Xapian never
 * auto-flushes, so an import of any size is all or nothing, and readers
 * see nothing of it before mindex_commit.
 */
#include "mindex_internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <algorithm>

using namespace mindex_impl;

/* Gap between fields so a phrase never spans two of them. */
static const Xapian::termpos FIELD_GAP = 100;

bool mindex::reopen_db()
{
    if (mode == MINDEX_WRITE)
        return false;
    if (!rdb.reopen())
        return false;
    load_languages();
    enquire.reset(new Xapian::Enquire(rdb));
    return true;
}

static int require_writer(struct mindex *ix, char **errmsg, const char *what)
{
    if (!ix) {
        set_errmsg(errmsg, std::string(what) + ": no index handle");
        return MINGA_EINVAL;
    }
    if (ix->mode != MINDEX_WRITE) {
        set_errmsg(errmsg, std::string(what) + ": index " + ix->dir +
                           " is open read-only");
        return MINGA_EINVAL;
    }
    return 0;
}

/* Starts the transaction that holds every write until the next commit. */
static void begin_write(struct mindex *ix)
{
    if (!ix->in_txn) {
        ix->wdb.begin_transaction(false);
        ix->in_txn = true;
    }
}

/* The TermGenerator added a spelling entry per word occurrence; take them
 * back for the document that `idterm` names, before it is replaced or
 * deleted, so suggestions never point at words no case holds. */
static void forget_spelling(struct mindex *ix, const std::string &idterm)
{
    Xapian::PostingIterator p = ix->wdb.postlist_begin(idterm);
    if (p == ix->wdb.postlist_end(idterm))
        return;
    Xapian::Document old = ix->wdb.get_document(*p);
    for (auto t = old.termlist_begin(); t != old.termlist_end(); ++t) {
        const std::string &term = *t;
        if (term.empty() || (term[0] >= 'A' && term[0] <= 'Z'))
            continue;   /* prefixed: not spelling data */
        Xapian::termcount occurrences = t.positionlist_count();
        if (occurrences > 0)
            ix->wdb.remove_spelling(term, occurrences);
    }
}

static std::string str_or_empty(const char *s)
{
    return s ? std::string(s) : std::string();
}

extern "C" int mindex_open(struct mindex **out, const char *dir, int mode,
                           char **errmsg)
{
    if (!out || !dir || !*dir ||
        (mode != MINDEX_READ && mode != MINDEX_WRITE)) {
        set_errmsg(errmsg, "index open: invalid arguments");
        return MINGA_EINVAL;
    }
    std::string what = std::string("index open ") + dir;
    if (mode == MINDEX_READ) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            set_errmsg(errmsg, what + ": no index at this path");
            return MINGA_ENOTFOUND;
        }
    }
    return guard(errmsg, what.c_str(), [&]() -> int {
        std::unique_ptr<struct mindex> ix(new struct mindex());
        ix->mode = mode;
        ix->dir = dir;
        if (mode == MINDEX_WRITE) {
            ix->wdb = Xapian::WritableDatabase(dir, Xapian::DB_CREATE_OR_OPEN);
            ix->indexer.set_database(ix->wdb);
            ix->indexer.set_flags(Xapian::TermGenerator::FLAG_SPELLING);
            ix->indexer.set_stemming_strategy(
                Xapian::TermGenerator::STEM_SOME);
        } else {
            ix->rdb = Xapian::Database(dir);
        }
        ix->tokenizer.set_stemming_strategy(Xapian::TermGenerator::STEM_NONE);
        ix->load_languages();
        ix->enquire.reset(new Xapian::Enquire(ix->db()));
        ix->newest_first.add_value(SLOT_YEAR_START, true);
        ix->newest_first.add_value(SLOT_ID);
        *out = ix.release();
        return 0;
    });
}

extern "C" void mindex_close(struct mindex *ix)
{
    if (!ix)
        return;
    try {
        if (ix->in_txn)
            ix->wdb.cancel_transaction();
        ix->enquire.reset();
        if (ix->mode == MINDEX_WRITE)
            ix->wdb.close();
        else
            ix->rdb.close();
    } catch (...) {
        /* closing is best effort: the destructor releases the lock */
    }
    try {
        delete ix;
    } catch (...) {
    }
}

extern "C" int mindex_reopen(struct mindex *ix, char **errmsg)
{
    if (!ix) {
        set_errmsg(errmsg, "index reopen: no index handle");
        return MINGA_EINVAL;
    }
    return guard(errmsg, "index reopen", [&]() -> int {
        ix->reopen_db();
        return 0;
    });
}

extern "C" uint64_t mindex_generation(struct mindex *ix)
{
    uint64_t generation = 0;
    if (!ix)
        return 0;
    guard_read(ix, NULL, "index generation", [&]() -> int {
        std::string value = ix->db().get_metadata(META_GENERATION);
        generation = value.empty() ? 0 : strtoull(value.c_str(), NULL, 10);
        return 0;
    });
    return generation;
}

extern "C" uint64_t mindex_doccount(struct mindex *ix)
{
    uint64_t count = 0;
    if (!ix)
        return 0;
    guard_read(ix, NULL, "index doccount", [&]() -> int {
        count = ix->db().get_doccount();
        return 0;
    });
    return count;
}

/* -- writing ----------------------------------------------------------- */

/* One field's text, folded, with its within-document frequency step. */
struct FoldedField {
    std::string text;
    Xapian::termcount wdf_inc;
};

static void add_field(std::vector<FoldedField> &fields, const char *text,
                      Xapian::termcount wdf_inc)
{
    if (text && *text)
        fields.push_back({ fold_text(text, strlen(text)), wdf_inc });
}

/* Summary and body as shown in snippets: whitespace runs collapsed and
 * Markdown's emphasis and heading marks dropped, cut at a character
 * boundary near SNIPPET_SOURCE_MAX bytes. */
static std::string snippet_source(const struct minga_case *c)
{
    std::string raw = str_or_empty(c->summary);
    if (c->body && *c->body) {
        raw += "\n";
        raw += c->body;
    }
    std::string out;
    out.reserve(std::min(raw.size(), SNIPPET_SOURCE_MAX + 4));
    bool in_space = false, at_line_start = true;
    for (size_t i = 0; i < raw.size() && out.size() < SNIPPET_SOURCE_MAX;
         i++) {
        char ch = raw[i];
        if (ch == '\n') {
            at_line_start = true;
            in_space = true;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r') {
            in_space = true;
            continue;
        }
        if (ch == '*' || ch == '`' || (ch == '#' && at_line_start))
            continue;
        at_line_start = false;
        if (in_space && !out.empty())
            out += ' ';
        in_space = false;
        out += ch;
    }
    /* never end inside a UTF-8 sequence */
    size_t end = out.size();
    if (end >= SNIPPET_SOURCE_MAX) {
        while (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0x80)
            end--;
        if (end > 0 && ((unsigned char)out[end - 1] & 0x80))
            end--;   /* the lead byte of a cut sequence */
        out.resize(end);
    }
    return out;
}

static int check_case(const struct minga_case *c, char **errmsg)
{
    if (!c || !c->id || !*c->id || !c->title || !c->language) {
        set_errmsg(errmsg, "index put_case: case without id, title or "
                           "language");
        return MINGA_EINVAL;
    }
    if (strlen(c->id) > 200) {
        set_errmsg(errmsg, std::string("index put_case: id too long: ") +
                           c->id);
        return MINGA_EINVAL;
    }
    return 0;
}

extern "C" int mindex_put_case(struct mindex *ix, const struct minga_case *c,
                               char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index put_case");
    if (rc == 0)
        rc = check_case(c, errmsg);
    if (rc)
        return rc;
    std::string what = std::string("index put_case ") + c->id;
    return guard(errmsg, what.c_str(), [&]() -> int {
        /* Fold everything first: invalid UTF-8 must fail before the
         * TermGenerator has added any spelling data. */
        std::vector<FoldedField> fields;
        add_field(fields, c->title, 5);
        for (size_t i = 0; i < c->n_tags; i++)
            add_field(fields, c->tags[i], 3);
        add_field(fields, c->city, 2);
        add_field(fields, c->region, 2);
        add_field(fields, c->summary, 2);
        add_field(fields, c->body, 1);
        for (size_t i = 0; i < c->n_attachments; i++)
            add_field(fields, c->attachments[i].text, 1);

        const std::string lang = c->language;
        const std::string country = str_or_empty(c->country);
        const std::string idterm = std::string("Q") + c->id;
        begin_write(ix);
        forget_spelling(ix, idterm);

        Xapian::Document doc;
        ix->indexer.set_document(doc);
        ix->indexer.set_stemmer(ix->stem_for(lang));
        for (const FoldedField &f : fields) {
            ix->indexer.index_text(f.text, f.wdf_inc);
            ix->indexer.increase_termpos(FIELD_GAP);
        }

        for (int g = 1; g <= 17; g++)
            if (c->goal_mask & (1u << g))
                doc.add_boolean_term("XG" + std::to_string(g));
        for (size_t i = 0; i < c->n_targets; i++)
            if (c->targets[i] && *c->targets[i])
                doc.add_boolean_term(std::string("XT") + c->targets[i]);
        for (int b = 0; b < MINGA_N_LEVELS; b++)
            if (c->level_mask & (1u << b))
                doc.add_boolean_term(std::string("XL") + LEVEL_NAMES[b]);
        for (int b = 0; b < MINGA_N_ACTORS; b++)
            if (c->actor_mask & (1u << b))
                doc.add_boolean_term(std::string("XA") + ACTOR_NAMES[b]);
        if (!country.empty())
            doc.add_boolean_term("XC" + country);
        doc.add_boolean_term("XN" + lang);
        doc.add_boolean_term(idterm);

        int year_end = c->year_end ? c->year_end : c->year_start;
        doc.add_value(SLOT_YEAR_START, Xapian::sortable_serialise(
                                           c->year_start));
        doc.add_value(SLOT_YEAR_END, Xapian::sortable_serialise(year_end));
        doc.add_value(SLOT_FACETS,
                      facets_encode(c->goal_mask, c->level_mask,
                                    c->actor_mask, country, lang));
        doc.add_value(SLOT_ID, c->id);

        DocData data;
        data.id = c->id;
        data.title = c->title;
        data.city = str_or_empty(c->city);
        data.country = country;
        data.language = lang;
        data.year_start = c->year_start;
        data.year_end = c->year_end;
        data.goal_mask = c->goal_mask;
        data.level_mask = c->level_mask;
        data.actor_mask = c->actor_mask;
        data.text = snippet_source(c);
        doc.set_data(docdata_encode(data));

        ix->wdb.replace_document(idterm, doc);
        if (ix->languages.insert(lang).second) {
            std::string list;
            for (const std::string &l : ix->languages)
                list += (list.empty() ? "" : " ") + l;
            ix->wdb.set_metadata(META_LANGUAGES, list);
            ix->refresh_query_stems();
        }
        return 0;
    });
}

extern "C" int mindex_remove_case(struct mindex *ix, const char *id,
                                  char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index remove_case");
    if (rc)
        return rc;
    if (!id || !*id) {
        set_errmsg(errmsg, "index remove_case: empty id");
        return MINGA_EINVAL;
    }
    std::string what = std::string("index remove_case ") + id;
    return guard(errmsg, what.c_str(), [&]() -> int {
        const std::string idterm = std::string("Q") + id;
        if (!ix->wdb.term_exists(idterm)) {
            set_errmsg(errmsg, what + ": no such case in the index");
            return MINGA_ENOTFOUND;
        }
        begin_write(ix);
        forget_spelling(ix, idterm);
        ix->wdb.delete_document(idterm);
        return 0;
    });
}

extern "C" int mindex_remove_all(struct mindex *ix, char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index remove_all");
    if (rc)
        return rc;
    return guard(errmsg, "index remove_all", [&]() -> int {
        begin_write(ix);
        std::vector<Xapian::docid> docids;
        for (auto p = ix->wdb.postlist_begin(""); p != ix->wdb.postlist_end("");
             ++p)
            docids.push_back(*p);
        for (Xapian::docid did : docids)
            ix->wdb.delete_document(did);
        std::vector<std::pair<std::string, Xapian::termcount>> words;
        for (auto s = ix->wdb.spellings_begin(); s != ix->wdb.spellings_end();
             ++s)
            words.emplace_back(*s, s.get_termfreq());
        for (const auto &w : words)
            ix->wdb.remove_spelling(w.first, w.second);
        ix->wdb.set_metadata(META_LANGUAGES, "");
        ix->languages.clear();
        ix->refresh_query_stems();
        return 0;
    });
}

extern "C" int mindex_commit(struct mindex *ix, uint64_t generation,
                             char **errmsg)
{
    int rc = require_writer(ix, errmsg, "index commit");
    if (rc)
        return rc;
    return guard(errmsg, "index commit", [&]() -> int {
        try {
            begin_write(ix);
            ix->wdb.set_metadata(META_GENERATION, std::to_string(generation));
            ix->wdb.commit_transaction();
            ix->in_txn = false;
            ix->wdb.commit();
        } catch (...) {
            if (ix->in_txn) {
                try {
                    ix->wdb.cancel_transaction();
                } catch (...) {
                }
                ix->in_txn = false;
            }
            try {
                ix->load_languages();
            } catch (...) {
            }
            throw;
        }
        return 0;
    });
}

extern "C" void mindex_rollback(struct mindex *ix)
{
    if (!ix || ix->mode != MINDEX_WRITE || !ix->in_txn)
        return;
    try {
        ix->wdb.cancel_transaction();
    } catch (...) {
    }
    ix->in_txn = false;
    try {
        ix->load_languages();
    } catch (...) {
    }
}

extern "C" int mindex_foreach_id(struct mindex *ix,
                                 int (*fn)(void *arg, const char *id),
                                 void *arg, char **errmsg)
{
    if (!ix || !fn) {
        set_errmsg(errmsg, "index foreach_id: invalid arguments");
        return MINGA_EINVAL;
    }
    /* Collect first: a retry after DatabaseModifiedError must not call fn
     * twice for one id. */
    std::vector<std::string> ids;
    int rc = guard_read(ix, errmsg, "index foreach_id", [&]() -> int {
        ids.clear();
        Xapian::Database &db = ix->db();
        for (auto t = db.allterms_begin("Q"); t != db.allterms_end("Q"); ++t)
            ids.push_back((*t).substr(1));
        return 0;
    });
    if (rc)
        return rc;
    for (const std::string &id : ids)
        if (fn(arg, id.c_str()))
            break;
    return 0;
}
