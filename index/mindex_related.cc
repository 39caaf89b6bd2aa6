/*
 * Related cases: the cases most like one case (GET /api/cases/{id}/related,
 * `minga related`, the case page).
 *
 * The case's own document says what it is about: Xapian's ESet over it
 * (an RSet of that one document) ranks its words by how often the case
 * uses them, field weights included, against how rare they are in the
 * catalog; and the thesaurus phrases it uses ("presupuesto participativo",
 * "agricultura urbana") are found by stemming its text and looking each
 * run of words up among the thesaurus keys. Each word and phrase is then
 * searched as a query's unit is (mindex_query.cc): by its stems, and by
 * its translations at half weight, so a Spanish case finds its Portuguese
 * and English kin; the case's targets add a fixed weight each. The case
 * itself is excluded; a case of the same city has its weight multiplied
 * by SAME_CITY_FACTOR, so it ranks below one from elsewhere that is as
 * like the case.
 *
 * Each result says why: the goals and targets the two share, and the
 * words and phrases they have in common, as the case writes them (its
 * stored text maps each folded word back to its original spelling; the
 * index holds only folded words and stems).
 */
#include "mindex_internal.h"
#include "mindex_text.h"
#include "mindex_thesaurus.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include <algorithm>
#include <cmath>

using namespace mindex_impl;

namespace
{

/* Words asked of the ESet, before those no other case can match (used
 * by this case only, without a translation) and second inflections of a
 * stem are dropped. */
const Xapian::termcount ESET_CANDIDATES = 60;
/* Words and thesaurus phrases searched. */
const size_t RELATED_WORDS = 16;
const size_t RELATED_PHRASES = 6;
/* Longest thesaurus entry looked for in the text, in words. */
const size_t PHRASE_MAX_WORDS = 5;
/* A word's weight in the query, relative to the ESet's best word, is
 * never below this: the twentieth word still counts. */
const double WORD_SCALE_MIN = 0.3;
/* A translation weighs as the case's own words: a Portuguese case as
 * like a Spanish one as a Spanish case is ranks with it (a search weighs
 * translations at half, so the words typed come first). */
const double TRANSLATED_SCALE = 1.0;
/* A shared target weighs this many times BM25's term-frequency part at
 * its highest, times how rare the target is (its idf): about two words
 * the case uses often. */
const double TARGET_WEIGHT = 2.0;
/* The weight of a case of the same city and country. */
const double SAME_CITY_FACTOR = 0.8;
/* Words and phrases a reason lists. */
const size_t REASON_TERMS_MAX = 6;

/* The ESet's candidates: plain folded words of three bytes or more that
 * begin with a letter (no filter term, stem, number) and are no
 * stopword. */
class WordDecider : public Xapian::ExpandDecider
{
  public:
    bool operator()(const std::string &term) const override
    {
        if (term.size() < 3)
            return false;
        unsigned char ch = (unsigned char)term[0];
        if (ch >= 'A' && ch <= 'Z')
            return false;
        return term_is_stemmable(term) && !is_stopword(term);
    }
};

/* One word of an original text: its bytes there and its folded form. */
struct TextWord {
    std::string original, folded;
};

bool is_word_char(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

/* The words of a stored text, in order: runs of letters, marks and
 * digits, as the snippets cut them. A word that folds to more than one
 * (an apostrophe inside) is left out. */
std::vector<TextWord> text_words(const std::string &text)
{
    std::vector<TextWord> out;
    /* a text repeats its words: each folded once (fold_text is most of
     * the cost) */
    std::unordered_map<std::string, std::string> folds;
    const utf8proc_uint8_t *data = (const utf8proc_uint8_t *)text.data();
    size_t pos = 0, start = std::string::npos;
    while (pos <= text.size()) {
        utf8proc_int32_t cp = -1;
        utf8proc_ssize_t n = 1;
        if (pos < text.size()) {
            n = utf8proc_iterate(data + pos,
                                 (utf8proc_ssize_t)(text.size() - pos), &cp);
            if (n <= 0)
                n = 1, cp = -1;
        }
        bool is_word = cp >= 0 && is_word_char(cp);
        if (is_word && start == std::string::npos)
            start = pos;
        if (!is_word && start != std::string::npos) {
            TextWord w;
            w.original = text.substr(start, pos - start);
            auto known = folds.find(w.original);
            if (known != folds.end()) {
                w.folded = known->second;
            } else {
                try {
                    w.folded = fold_text(w.original);
                } catch (const std::invalid_argument &) {
                    w.folded.clear();
                }
                folds.emplace(w.original, w.folded);
            }
            if (!w.folded.empty() && w.folded.find(' ') == std::string::npos)
                out.push_back(std::move(w));
            start = std::string::npos;
        }
        pos += (size_t)n;
    }
    return out;
}

bool starts_upper(const std::string &s)
{
    return !s.empty() && s[0] >= 'A' && s[0] <= 'Z';
}

/* Folded word -> how the text writes it: a lower-case occurrence when
 * there is one (so "Presupuesto" at a sentence's start reads
 * "presupuesto" when the text also says so), else the first. */
std::map<std::string, std::string>
readable_forms(const std::vector<TextWord> &words)
{
    std::map<std::string, std::string> out;
    for (const TextWord &w : words) {
        auto it = out.find(w.folded);
        if (it == out.end())
            out.emplace(w.folded, w.original);
        else if (starts_upper(it->second) && !starts_upper(w.original))
            it->second = w.original;
    }
    return out;
}

/* Folded words as a text writes them. A word the text does not hold as
 * such (a translation matched by its stem) reads as the text's word of
 * the same stem under `stem` when there is one; else the word stays
 * folded, or, with `found` given, *found is set false. */
std::string readable(const std::map<std::string, std::string> &forms,
                     const std::vector<std::string> &folded,
                     StemMemo *stem = nullptr, bool *found = nullptr)
{
    std::string out;
    for (const std::string &w : folded) {
        auto it = forms.find(w);
        if (it == forms.end() && stem && term_is_stemmable(w)) {
            const std::string want = (*stem)(w);
            for (it = forms.begin(); it != forms.end(); ++it)
                if (term_is_stemmable(it->first) && (*stem)(it->first) == want)
                    break;
        }
        if (it == forms.end() && found)
            *found = false;
        if (!out.empty())
            out += ' ';
        out += it != forms.end() ? it->second : w;
    }
    return out;
}

/* A word or thesaurus phrase of the case, searched as one unit. */
struct RelUnit {
    std::vector<std::string> words; /* folded */
    std::vector<SynEntry> synonyms;
    std::string label; /* as the case writes it */
    double scale = 1.0;
};

/* The ESet's words of a case, best first, with their weights. */
typedef std::vector<std::pair<std::string, double>> WordWeights;

/* A unit's scale from the ESet weights of its words: its best word's
 * against the case's best word, at least WORD_SCALE_MIN. */
double unit_scale(const std::vector<std::string> &words,
                  const WordWeights &eset)
{
    double best = eset.empty() ? 0 : eset[0].second, mine = 0;
    for (const auto &ww : eset)
        for (const std::string &w : words)
            if (ww.first == w)
                mine = std::max(mine, ww.second);
    return best > 0 ? std::max(WORD_SCALE_MIN, mine / best) : 1.0;
}

/* The thesaurus keys (one a line in the metadata). */
std::set<std::string> thesaurus_keys(struct mindex *ix)
{
    std::set<std::string> keys;
    if (!ix->has_thesaurus)
        return keys;
    ix->db(); /* a writer: its workers idle first */
    std::string list =
        ix->shards.at(0)->db(ix->mode).get_metadata(META_THESAURUS);
    for (size_t p = 0; p < list.size();) {
        size_t nl = list.find('\n', p);
        if (nl == std::string::npos)
            nl = list.size();
        if (nl > p)
            keys.insert(list.substr(p, nl - p));
        p = nl + 1;
    }
    return keys;
}

/* The thesaurus phrases (two words or more) the text uses, the most
 * used first, at most RELATED_PHRASES, longest match at each place. */
std::vector<RelUnit>
text_phrases(struct mindex *ix, const std::vector<TextWord> &words,
             const std::string &lang, const WordWeights &eset,
             const std::map<std::string, std::string> &forms)
{
    std::vector<RelUnit> out;
    std::set<std::string> keys = thesaurus_keys(ix);
    if (keys.empty())
        return out;
    StemMemo &stem = ix->stem_memo_for(lang);
    struct Found {
        std::vector<std::string> words;
        size_t count = 0, first = 0;
    };
    std::map<std::string, Found> found;
    for (size_t i = 0; i < words.size();) {
        size_t taken = 1;
        for (size_t n = std::min(PHRASE_MAX_WORDS, words.size() - i); n >= 2;
             n--) {
            std::vector<std::string> gram;
            for (size_t k = i; k < i + n; k++)
                gram.push_back(words[k].folded);
            std::string key = thesaurus_key(gram, stem);
            if (!keys.count(key))
                continue;
            Found &f = found[key];
            if (f.count++ == 0) {
                f.words = gram;
                f.first = i;
            }
            taken = n;
            break;
        }
        i += taken;
    }
    std::vector<Found *> order;
    for (auto &kv : found)
        order.push_back(&kv.second);
    std::stable_sort(order.begin(), order.end(),
                     [](const Found *a, const Found *b) {
                         return a->count != b->count ? a->count > b->count
                                                     : a->first < b->first;
                     });
    for (const Found *f : order) {
        if (out.size() == RELATED_PHRASES)
            break;
        RelUnit u;
        u.words = f->words;
        u.label = readable(forms, u.words);
        u.synonyms = ix->thesaurus_lookup(u.words);
        u.scale = unit_scale(u.words, eset);
        out.push_back(std::move(u));
    }
    return out;
}

/* Drops the goal links of a thesaurus lookup: goals are compared
 * directly (shared_goal_mask), and a goal's name would weigh every case
 * of the goal. */
void drop_goal_links(std::vector<SynEntry> &synonyms)
{
    synonyms.erase(
        std::remove_if(synonyms.begin(), synonyms.end(),
                       [](const SynEntry &e) { return e.lang == "sdg"; }),
        synonyms.end());
}

/* The case's most discriminating words: Xapian's ESet over its own
 * document, best first. */
WordWeights eset_of(struct mindex *ix, Xapian::docid did)
{
    Xapian::RSet rset;
    rset.add_document(did);
    WordDecider decider;
    /* INCLUDE_QUERY_TERMS: the shared Enquire may hold the last search's
     * query, whose words must not be left out */
    Xapian::ESet eset = ix->enquire->get_eset(
        ESET_CANDIDATES, rset, Xapian::Enquire::INCLUDE_QUERY_TERMS, &decider);
    WordWeights out;
    for (auto it = eset.begin(); it != eset.end(); ++it)
        out.emplace_back(*it, it.get_weight());
    return out;
}

/* The ESet's words as units, each inflection of a stem once, leaving out
 * the words of `phrases`, those no other case can match, and the city's
 * name (its other cases say it too: a place, not a topic). */
std::vector<RelUnit>
eset_words(struct mindex *ix, const WordWeights &eset, const std::string &lang,
           const std::set<std::string> &city_words,
           const std::vector<RelUnit> &phrases,
           const std::map<std::string, std::string> &forms)
{
    Xapian::Database &db = ix->db();
    std::set<std::string> in_phrases, stems_seen;
    for (const RelUnit &p : phrases)
        in_phrases.insert(p.words.begin(), p.words.end());
    StemMemo &stem = ix->stem_memo_for(lang);
    std::vector<RelUnit> out;
    for (const auto &ww : eset) {
        if (out.size() == RELATED_WORDS)
            break;
        const std::string &word = ww.first;
        if (in_phrases.count(word) || city_words.count(word) ||
            !stems_seen.insert(stem(word)).second)
            continue;
        RelUnit u;
        u.words = {word};
        u.synonyms = ix->thesaurus_lookup(u.words);
        drop_goal_links(u.synonyms);
        Xapian::doccount df = 0;
        for (const std::string &t : query_word_terms(ix, word))
            df = std::max(df, db.get_termfreq(t));
        if (df <= 1 && u.synonyms.empty())
            continue; /* only this case says it */
        u.scale = unit_scale(u.words, eset);
        u.label = readable(forms, u.words);
        out.push_back(std::move(u));
    }
    return out;
}

/* The targets of a document, from its "XT" terms. */
std::vector<std::string> doc_targets(const Xapian::Document &doc)
{
    std::vector<std::string> out;
    Xapian::TermIterator t = doc.termlist_begin();
    for (t.skip_to("XT"); t != doc.termlist_end(); ++t) {
        const std::string term = *t;
        if (term.compare(0, 2, "XT") != 0)
            break;
        out.push_back(term.substr(2));
    }
    return out;
}

std::string fold_city(const std::string &city)
{
    try {
        return fold_text(city);
    } catch (const std::invalid_argument &) {
        return city;
    }
}

char *dup_str(const std::string &s)
{
    char *copy = strdup(s.c_str());
    if (!copy)
        throw std::bad_alloc();
    return copy;
}

char **dup_strings(const std::vector<std::string> &v, size_t *n)
{
    *n = 0;
    if (v.empty())
        return nullptr;
    char **out = (char **)calloc(v.size(), sizeof *out);
    if (!out)
        throw std::bad_alloc();
    for (const std::string &s : v) {
        out[*n] = strdup(s.c_str());
        if (!out[*n]) {
            for (size_t i = 0; i < *n; i++)
                free(out[i]);
            free(out);
            *n = 0;
            throw std::bad_alloc();
        }
        (*n)++;
    }
    return out;
}

} /* namespace */

extern "C" void mindex_related_release(struct mindex_related *r)
{
    free(r->id);
    free(r->title);
    free(r->city);
    free(r->country);
    free(r->language);
    for (size_t i = 0; i < r->n_shared_targets; i++)
        free(r->shared_targets[i]);
    free(r->shared_targets);
    for (size_t i = 0; i < r->n_shared_terms; i++)
        free(r->shared_terms[i]);
    free(r->shared_terms);
    memset(r, 0, sizeof *r);
}

namespace
{

/* One result before it is copied out. */
struct Found {
    DocData data;
    double score = 0;
    bool is_same_city = false;
    uint32_t shared_goals = 0;
    Xapian::doccount rank = 0; /* in the MSet */
    std::vector<std::string> targets, terms;
};

/* A word list's terms, word by word, stopwords left out (unless every
 * word is one), for telling whether a case holds them all. */
std::vector<std::set<std::string>>
word_term_sets(struct mindex *ix, const std::vector<std::string> &words)
{
    std::vector<std::set<std::string>> out;
    bool all_stop = true;
    for (const std::string &w : words)
        all_stop = all_stop && is_stopword(w);
    for (const std::string &w : words)
        if (all_stop || !is_stopword(w))
            out.push_back(query_word_terms(ix, w));
    return out;
}

/* A unit's words and each translation's, as term sets. */
struct UnitTerms {
    std::vector<std::set<std::string>> own;
    std::vector<std::vector<std::set<std::string>>> translations;
};

bool holds_all(const std::vector<std::set<std::string>> &word_sets,
               const std::set<std::string> &matched)
{
    if (word_sets.empty())
        return false;
    for (const std::set<std::string> &terms : word_sets) {
        bool has = false;
        for (const std::string &t : terms)
            if ((has = matched.count(t) > 0))
                break;
        if (!has)
            return false;
    }
    return true;
}

/* The words and phrases a result shares with the case, strongest first
 * (the units' order), each one it holds whole: all its words, or all
 * the words of one of its translations, which then reads "ours =
 * theirs" (their words as the result writes them). `matched`: the query
 * terms the result holds. */
std::vector<std::string> shared_terms(struct mindex *ix,
                                      const std::vector<RelUnit> &units,
                                      const std::vector<UnitTerms> &terms,
                                      const std::set<std::string> &matched,
                                      const DocData &data)
{
    std::vector<std::string> out;
    std::unique_ptr<std::map<std::string, std::string>> their_forms;
    for (size_t i = 0; i < units.size() && out.size() < REASON_TERMS_MAX;
         i++) {
        if (holds_all(terms[i].own, matched)) {
            out.push_back(units[i].label);
            continue;
        }
        for (size_t s = 0; s < terms[i].translations.size(); s++) {
            if (!holds_all(terms[i].translations[s], matched))
                continue;
            if (!their_forms)
                their_forms.reset(
                    new std::map<std::string, std::string>(readable_forms(
                        text_words(data.title + "\n" + data.text))));
            /* their words as they write them; the stored text lacks the
             * tags, and a folded word ("gestao") is no word of theirs:
             * then our words alone */
            bool is_found = true;
            std::string theirs =
                readable(*their_forms, units[i].synonyms[s].words,
                         &ix->stem_memo_for(data.language), &is_found);
            out.push_back(is_found ? units[i].label + " = " + theirs
                                   : units[i].label);
            break;
        }
    }
    return out;
}

} /* namespace */

extern "C" int mindex_related_cases(struct mindex *ix, const char *id,
                                    unsigned limit,
                                    struct mindex_related_list **out,
                                    char **errmsg)
{
    if (!ix || !id || !*id || !out || limit < 1 ||
        limit > MINDEX_RELATED_MAX) {
        set_errmsg(errmsg, "index related: invalid arguments");
        return MINGA_EINVAL;
    }
    std::vector<Found> found;
    int rc = guard_read(ix, errmsg, "index related", [&]() -> int {
        found.clear();
        Xapian::Database &db = ix->db();
        const std::string idterm = std::string("Q") + id;
        Xapian::PostingIterator p = db.postlist_begin(idterm);
        if (p == db.postlist_end(idterm)) {
            set_errmsg(errmsg, std::string("no case with id \"") + id +
                                   "\" in the index");
            return MINGA_ENOTFOUND;
        }
        const Xapian::docid did = *p;
        const Xapian::Document doc = db.get_document(did);
        DocData self;
        if (!docdata_decode(doc.get_data(), &self))
            throw std::invalid_argument("the case's stored data is not "
                                        "minga's");
        const std::vector<TextWord> words =
            text_words(self.title + "\n" + self.text);
        const std::map<std::string, std::string> forms = readable_forms(words);

        const WordWeights eset = eset_of(ix, did);
        std::vector<RelUnit> units =
            text_phrases(ix, words, self.language, eset, forms);
        for (RelUnit &u : units)
            drop_goal_links(u.synonyms);
        std::set<std::string> city_words;
        for (const TextWord &w : text_words(self.city))
            city_words.insert(w.folded);
        std::vector<RelUnit> singles =
            eset_words(ix, eset, self.language, city_words, units, forms);
        for (RelUnit &u : singles)
            units.push_back(std::move(u));

        std::vector<UnitTerms> unit_terms;
        std::vector<Xapian::Query> parts;
        for (const RelUnit &u : units) {
            UnitTerms ut;
            ut.own = word_term_sets(ix, u.words);
            for (const SynEntry &e : u.synonyms)
                ut.translations.push_back(word_term_sets(ix, e.words));
            unit_terms.push_back(std::move(ut));
            Xapian::Query q =
                unit_words_query(ix, u.words, u.synonyms, TRANSLATED_SCALE);
            parts.push_back(u.scale == 1.0
                                ? q
                                : Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                                q, u.scale));
        }
        /* each target: a fixed weight, as a goal link weighs in a
         * search, times TARGET_WEIGHT and its idf */
        const double tf_part =
            ix->length_norms
                ? (BM25_K1 * LENGTH_NORM_SCALE + 1) / (BM25_K1 + 1)
                : 1.0;
        const double n_docs = (double)db.get_doccount();
        const std::vector<std::string> targets = doc_targets(doc);
        for (const std::string &t : targets) {
            double idf = std::log((n_docs + 1) /
                                  ((double)db.get_termfreq("XT" + t) + 1));
            if (idf <= 0)
                continue;
            Xapian::Query weight((new Xapian::FixedWeightPostingSource(
                                      TARGET_WEIGHT * tf_part * idf))
                                     ->release());
            parts.emplace_back(Xapian::Query::OP_AND, weight,
                               Xapian::Query("XT" + t));
        }
        if (parts.empty())
            return 0; /* nothing to compare: no related case */
        Xapian::Query query(Xapian::Query::OP_OR, parts.begin(), parts.end());
        query = Xapian::Query(Xapian::Query::OP_AND_NOT, query,
                              Xapian::Query(idterm));

        Xapian::Enquire &enquire = *ix->enquire;
        enquire.clear_matchspies();
        sort_by_relevance_then_id(enquire);
        enquire.set_query(query);
        /* room for the same city's cases to fall behind */
        Xapian::MSet mset = enquire.get_mset(0, limit * 2 + 10);
        const std::string self_city = fold_city(self.city);
        for (auto it = mset.begin(); it != mset.end(); ++it) {
            Found f;
            if (!docdata_decode(it.get_document().get_data(), &f.data))
                continue;
            f.is_same_city = !self_city.empty() &&
                             f.data.country == self.country &&
                             fold_city(f.data.city) == self_city;
            f.shared_goals = f.data.goal_mask & self.goal_mask;
            f.score =
                it.get_weight() * (f.is_same_city ? SAME_CITY_FACTOR : 1.0);
            f.rank = it.get_rank();
            found.push_back(std::move(f));
        }
        std::stable_sort(
            found.begin(), found.end(),
            [](const Found &a, const Found &b) { return a.score > b.score; });
        if (found.size() > limit)
            found.resize(limit);
        /* the reasons of those kept only: reading a result's matching
         * terms and its text cost more than the match itself */
        for (Found &f : found) {
            Xapian::MSetIterator it = mset[f.rank];
            std::set<std::string> matched;
            for (auto t = enquire.get_matching_terms_begin(it);
                 t != enquire.get_matching_terms_end(it); ++t)
                matched.insert(*t);
            for (const std::string &t : targets)
                if (matched.count("XT" + t))
                    f.targets.push_back(t);
            f.terms = shared_terms(ix, units, unit_terms, matched, f.data);
        }
        return 0;
    });
    if (rc)
        return rc;

    struct mindex_related_list *list =
        (struct mindex_related_list *)calloc(1, sizeof *list);
    if (!list) {
        set_errmsg(errmsg, "index related: out of memory");
        return MINGA_ENOMEM;
    }
    rc = guard(errmsg, "index related", [&]() -> int {
        if (found.empty())
            return 0;
        list->items =
            (struct mindex_related *)calloc(found.size(), sizeof *list->items);
        if (!list->items)
            throw std::bad_alloc();
        for (const Found &f : found) {
            struct mindex_related *r = &list->items[list->n_items++];
            r->id = dup_str(f.data.id);
            r->title = dup_str(f.data.title);
            r->city = dup_str(f.data.city);
            r->country = dup_str(f.data.country);
            r->language = dup_str(f.data.language);
            r->year_start = f.data.year_start;
            r->year_end = f.data.year_end;
            r->goal_mask = f.data.goal_mask;
            r->score = f.score;
            r->is_same_city = f.is_same_city;
            r->shared_goal_mask = f.shared_goals;
            r->shared_targets = dup_strings(f.targets, &r->n_shared_targets);
            r->shared_terms = dup_strings(f.terms, &r->n_shared_terms);
        }
        return 0;
    });
    if (rc) {
        mindex_related_free(list);
        return rc;
    }
    *out = list;
    return 0;
}

extern "C" void mindex_related_free(struct mindex_related_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->n_items; i++)
        mindex_related_release(&list->items[i]);
    free(list->items);
    free(list);
}
