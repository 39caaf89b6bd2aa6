/*
 * Reading a search's text (see mindex_plan.h): the query is built here
 * rather than by Xapian's QueryParser, because a QueryParser stems with
 * one language and the index holds cases in many. Each query word matches
 * its folded, unstemmed term or "Z" + its stem under each query stemmer
 * (es, pt, en and every language seen in the index); a case only holds
 * the stem its own language produced, so the extra stems cost little and
 * never match the wrong way round. Quoted phrases match folded, unstemmed
 * terms by position. Thesaurus groups widen n-grams of the query across
 * languages at half weight, so a match in the query's own words ranks
 * above an equally strong translated one. Stopwords are optional outside
 * quotes; a long text is read as its most discriminating words; the
 * spelling data corrects words no case holds.
 */
#include "mindex_plan.h"
#include "mindex_snippet.h"
#include "mindex_suggested.h"
#include "mindex_text.h"
#include "mindex_thesaurus.h"
#include "vocab.h"

#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <cmath>

using namespace mindex_impl;

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' ||
           ch == '\v';
}

/* Length of a quote mark at s[i] (", “ or ”), or 0. */
static size_t quote_len(const std::string &s, size_t i)
{
    if (s[i] == '"')
        return 1;
    if (i + 2 < s.size() && (unsigned char)s[i] == 0xE2 &&
        (unsigned char)s[i + 1] == 0x80 &&
        ((unsigned char)s[i + 2] == 0x9C || (unsigned char)s[i + 2] == 0x9D))
        return 3;
    return 0;
}

static QWord make_word(struct mindex *ix, const std::string &text,
                       size_t start, size_t end)
{
    QWord w;
    w.offset = start;
    w.length = end - start;
    w.terms = ix->tokenize(fold_text(text.data() + start, end - start));
    return w;
}

/* Words and phrases a query may hold, repeats not counted. Each costs a
 * posting list per stem and translation, and a query of hundreds of
 * frequent words held the matcher for seconds at 34 000 cases (issue 18);
 * a question or a title has far fewer. */
static const size_t QUERY_MAX_ITEMS = 64;

/* True when `items` already holds `item`: a repeated word adds nothing to
 * the AND of the words, and "a a a ..." must not cost one list each. */
static bool is_repeated(const std::vector<QItem> &items, const QItem &item)
{
    for (const QItem &other : items)
        if (other.is_negated == item.is_negated &&
            other.is_quoted == item.is_quoted && other.terms == item.terms)
            return true;
    return false;
}

/* Distinct words a long text (searched as "cases like this text") may
 * hold: its words are weighed, not each searched. */
static const size_t QUERY_MAX_TEXT_WORDS = 4096;

/* Words of a long text searched (its most discriminating ones). */
static const size_t SIMILAR_TERMS = 12;

static std::string too_many(size_t max)
{
    return "the query has more than " + std::to_string(max) +
           " different words and phrases; search with fewer";
}

/* Splits the free text into words and quoted phrases, each once; throws
 * std::invalid_argument past QUERY_MAX_ITEMS phrases and negated words,
 * or QUERY_MAX_TEXT_WORDS in all. */
static std::vector<QItem> parse_text(struct mindex *ix, const std::string &t)
{
    size_t n_other = 0; /* phrases and negated words */
    std::vector<QItem> items;
    size_t i = 0;
    while (i < t.size()) {
        while (i < t.size() && is_space(t[i]))
            i++;
        if (i >= t.size())
            break;
        QItem item;
        if (t[i] == '-' || t[i] == '+') {
            item.is_negated = t[i] == '-';
            i++;
            if (i >= t.size() || is_space(t[i]))
                continue;
        }
        size_t ql = quote_len(t, i);
        if (ql) {
            item.is_quoted = true;
            i += ql;
            for (;;) {
                while (i < t.size() && is_space(t[i]))
                    i++;
                if (i >= t.size())
                    break;
                if ((ql = quote_len(t, i))) {
                    i += ql;
                    break;
                }
                size_t start = i;
                while (i < t.size() && !is_space(t[i]) && !quote_len(t, i))
                    i++;
                item.words.push_back(make_word(ix, t, start, i));
            }
        } else {
            size_t start = i;
            while (i < t.size() && !is_space(t[i]) && !quote_len(t, i))
                i++;
            item.words.push_back(make_word(ix, t, start, i));
        }
        for (const QWord &w : item.words)
            item.terms.insert(item.terms.end(), w.terms.begin(),
                              w.terms.end());
        if (item.terms.empty() || is_repeated(items, item))
            continue;
        bool is_plain =
            !item.is_negated && !item.is_quoted && item.terms.size() == 1;
        if (!is_plain && n_other++ == QUERY_MAX_ITEMS)
            throw std::invalid_argument(too_many(QUERY_MAX_ITEMS));
        if (items.size() == QUERY_MAX_TEXT_WORDS)
            throw std::invalid_argument(too_many(QUERY_MAX_TEXT_WORDS));
        items.push_back(std::move(item));
    }
    return items;
}

/* Suffix pairs whose singular and plural the stemmers do not conflate
 * once accents are folded: the index stems folded words, and Snowball
 * needs the accent to strip "-ción" or "-ção" ("inundación" stems to
 * "inundacion" but "inundaciones" to "inund"; Portuguese "inundação" and
 * "inundações" to "inundaca" and "inundaco"). Both sides of each pair are
 * folded, as terms are. */
static const char *const NUMBER_SUFFIXES[][2] = {
    {"cion", "ciones"}, {"sion", "siones"}, /* es */
    {"cao", "coes"},    {"sao", "soes"},    {"ao", "oes"},
    {"ao", "aos"},      {"ao", "aes"},     /* pt -ão */
    {"avel", "aveis"},  {"ivel", "iveis"}, /* pt -vel */
};

static bool ends_with(const std::string &s, const char *suffix)
{
    size_t n = strlen(suffix);
    return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

/* The other number of a folded word when its suffix is one of those
 * pairs ("inundacion" -> "inundaciones"); empty for other words. Only
 * words of at least 5 letters, so short words are left alone. */
static std::vector<std::string> number_variants(const std::string &term)
{
    std::vector<std::string> out;
    if (term.size() < 5 || !term_is_stemmable(term))
        return out;
    for (const auto &pair : NUMBER_SUFFIXES) {
        for (int from = 0; from < 2; from++) {
            const char *a = pair[from], *b = pair[1 - from];
            if (!ends_with(term, a) || term.size() < strlen(a) + 3)
                continue;
            std::string v = term.substr(0, term.size() - strlen(a)) + b;
            if (std::find(out.begin(), out.end(), v) == out.end())
                out.push_back(v);
        }
    }
    return out;
}

/* Adds a stemmable word, its other number when folding hides it from
 * the stemmers, and "Z" + the stem of each under `stem`. */
static void add_stemmed(std::set<std::string> &terms, const std::string &word,
                        StemMemo &stem)
{
    terms.insert(word);
    terms.insert("Z" + stem(word));
    for (const std::string &v : number_variants(word)) {
        terms.insert(v);
        terms.insert("Z" + stem(v));
    }
}

/* The term itself and its stems under each query stemmer (its other
 * number's too). OR-ed, a case that holds the very form typed scores
 * above one that holds another inflection (both the term and a stem
 * match). */
static std::set<std::string> word_terms(struct mindex *ix,
                                        const std::string &term)
{
    std::set<std::string> terms{term};
    if (term_is_stemmable(term))
        for (const auto &ls : ix->query_stems)
            add_stemmed(terms, term, *ls.second);
    return terms;
}

static Xapian::Query or_query(const std::set<std::string> &terms)
{
    if (terms.size() == 1)
        return Xapian::Query(*terms.begin());
    return Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end());
}

static Xapian::Query word_query(struct mindex *ix, const std::string &term)
{
    return or_query(word_terms(ix, term));
}

/* `parts` (one per word of `words`) AND-ed, the stopwords' parts
 * optional (OP_AND_MAYBE) unless every word is one: "violência contra a
 * mulher" finds a case that says "violência" and "mulher" only. */
static Xapian::Query and_optional_stops(const std::vector<std::string> &words,
                                        std::vector<Xapian::Query> parts)
{
    std::vector<Xapian::Query> required, optional;
    for (size_t i = 0; i < words.size(); i++)
        (is_stopword(words[i]) ? optional : required).push_back(parts[i]);
    if (required.empty())
        return Xapian::Query(Xapian::Query::OP_AND, parts.begin(),
                             parts.end());
    Xapian::Query all(Xapian::Query::OP_AND, required.begin(), required.end());
    if (optional.empty())
        return all;
    return Xapian::Query(
        Xapian::Query::OP_AND_MAYBE, all,
        Xapian::Query(Xapian::Query::OP_OR, optional.begin(), optional.end()));
}

static Xapian::Query phrase_query(const std::vector<std::string> &terms)
{
    if (terms.size() == 1)
        return Xapian::Query(terms[0]);
    return Xapian::Query(Xapian::Query::OP_PHRASE, terms.begin(), terms.end(),
                         (Xapian::termcount)terms.size());
}

/* A thesaurus entry as a query for the cases that hold none of `own`
 * (the unit's own terms, when the unit matches any of them): one word
 * stemmed with its own language (its other number too, as for query
 * words) less the terms in `own`, which such cases cannot hold; several
 * words as the query's own words are matched: a phrase when the unit is
 * one (quoted), else all of them anywhere (checking positions for every
 * case that holds the words cost 3-4 ms of a 6 ms query at 100 000 cases,
 * for a distinction the unquoted query itself does not make). An empty
 * query when the entry cannot match those cases (every term of a word in
 * `own`, or several words one of which is in it). */
static Xapian::Query synonym_query(struct mindex *ix, const SynEntry &e,
                                   bool as_phrase,
                                   const std::set<std::string> &own)
{
    if (e.lang == "sdg") {
        /* a goal's name finds the cases tagged with the goal, with a small
         * fixed weight (a boolean term alone would weigh nothing), the
         * same against words whichever way the index weighs them */
        double fixed = ix->length_norms
                           ? (BM25_K1 * LENGTH_NORM_SCALE + 1) / (BM25_K1 + 1)
                           : 1.0;
        Xapian::Query weight(
            (new Xapian::FixedWeightPostingSource(fixed))->release());
        return Xapian::Query(Xapian::Query::OP_AND, weight,
                             Xapian::Query("XG" + e.words[0]));
    }
    if (e.words.size() > 1) {
        for (const std::string &w : e.words)
            if (own.count(w))
                return Xapian::Query();
        if (as_phrase)
            return phrase_query(e.words);
        std::vector<Xapian::Query> parts(e.words.begin(), e.words.end());
        return and_optional_stops(e.words, parts);
    }
    const std::string &w = e.words[0];
    StemMemo &stem = ix->stem_memo_for(e.lang);
    std::set<std::string> terms{w};
    if (term_is_stemmable(w) && !stem.stem.is_none())
        add_stemmed(terms, w, stem);
    for (const std::string &t : own)
        terms.erase(t);
    if (terms.empty())
        return Xapian::Query();
    return or_query(terms);
}

/* `translated_scale`: what a translation weighs against the unit's own
 * words (half in a search: the words typed come first). */
static Xapian::Query unit_query(struct mindex *ix, const Unit &u,
                                Xapian::Query::op op,
                                double translated_scale = 0.5)
{
    Xapian::Query own;
    /* the terms of which a case must hold one to match `own`, when
     * holding any one is enough: a word, or words OR-ed */
    std::set<std::string> own_terms;
    if (u.is_phrase) {
        own = phrase_query(u.words);
    } else if (u.words.size() == 1 || op == Xapian::Query::OP_OR) {
        for (const std::string &w : u.words) {
            std::set<std::string> terms = word_terms(ix, w);
            own_terms.insert(terms.begin(), terms.end());
        }
        own = or_query(own_terms);
    } else {
        std::vector<Xapian::Query> parts;
        for (const std::string &w : u.words)
            parts.push_back(word_query(ix, w));
        own = and_optional_stops(u.words, parts);
    }
    /* Translations count only for cases the query's own words miss: a
     * case that holds both the words (a cognate, a shared stem) and a
     * translation must not outrank one that holds the words alone.
     * Dropping from the translations what `own` already matches changes
     * no match and keeps a common word's cognates ("energía": energia,
     * Zenergi) from being read three times over.
     *
     * Nor may a case that uses several translations outrank one that uses
     * a single one: the one-word translations are joined in one
     * OP_SYNONYM, weighed as one word whose frequency is theirs together,
     * so BM25's saturation caps what several add. Translations of several
     * words and goal links stand beside it, OR-ed: a case seldom holds two
     * of them. Not OP_MAX, which would weigh the best one alone: Xapian
     * 1.4.22's MaxPostList::recalc_maxweight() reads a freed child when
     * all its children end in one next() or skip_to() (the matcher asks
     * for a recalculation before the parent prunes it), and that crashed
     * searches such as "equipamiento sanitation y" (issue 18). */
    std::vector<Xapian::Query> words, others;
    for (const SynEntry &e : u.synonyms) {
        Xapian::Query alt = synonym_query(ix, e, u.is_phrase, own_terms);
        if (alt.empty())
            continue;
        if (e.lang != "sdg" && e.words.size() == 1)
            words.push_back(alt);
        else
            others.push_back(alt);
    }
    if (!words.empty())
        others.emplace_back(Xapian::Query::OP_SYNONYM, words.begin(),
                            words.end());
    if (others.empty())
        return own;
    Xapian::Query translated(Xapian::Query::OP_OR, others.begin(),
                             others.end());
    translated = Xapian::Query(Xapian::Query::OP_AND_NOT, translated, own);
    return Xapian::Query(Xapian::Query::OP_OR, own,
                         Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT,
                                       translated, translated_scale));
}

std::set<std::string> mindex_impl::query_word_terms(struct mindex *ix,
                                                    const std::string &word)
{
    return word_terms(ix, word);
}

Xapian::Query mindex_impl::unit_words_query(
    struct mindex *ix, const std::vector<std::string> &words,
    const std::vector<SynEntry> &synonyms, double translated_scale)
{
    Unit u;
    u.words = words;
    u.synonyms = synonyms;
    return unit_query(ix, u, Xapian::Query::OP_AND, translated_scale);
}

/* What a snippet marks for a query word: the word, and every stem the
 * query matches it by (its other number's too: "participacion" matches
 * "participativo" through the stem of "participaciones", and the
 * snippet must mark the word that matched). Never a stopword. */
static void add_highlight(struct mindex *ix, Highlight &hl,
                          const std::string &term)
{
    if (is_stopword(term))
        return;
    for (const std::string &t : word_terms(ix, term)) {
        if (t.size() > 1 && t[0] == 'Z')
            hl.stems.insert(t.substr(1));
        else if (!is_stopword(t))
            hl.words.insert(t);
    }
}

/* Longest thesaurus entry, in words, a query n-gram is matched against:
 * the goals' names run to 7 ("ação contra a mudança global do clima"). */
static const size_t MAX_NGRAM = 8;

/* A long text's words worth searching: each plain word that is no
 * stopword and that some case holds (as typed or by a stem), weighed by
 * how often the text uses it times how rare it is in the index (its
 * inverse document frequency, over its commonest form), the
 * SIMILAR_TERMS best. The terms an Enquire::get_eset would pick from
 * the text as a document of its own, without indexing it. */
static std::vector<std::string>
similar_terms(struct mindex *ix, const std::vector<QItem> &items,
              const std::vector<std::string> &repeated)
{
    Xapian::Database &db = ix->db();
    const double n_docs =
        (double)std::max<Xapian::doccount>(1, db.get_doccount());
    std::map<std::string, int> qtf;
    for (const std::string &w : repeated)
        qtf[w]++;
    std::vector<std::pair<double, std::string>> scored;
    for (const QItem &item : items) {
        if (item.is_negated || item.is_quoted || item.terms.size() != 1)
            continue;
        const std::string &w = item.terms[0];
        if (is_stopword(w) || w.size() < 2)
            continue;
        Xapian::doccount df = 0;
        for (const std::string &t : word_terms(ix, w))
            df = std::max(df, db.get_termfreq(t));
        if (df == 0)
            continue;
        double idf = std::log((n_docs + 1) / (double)df);
        scored.emplace_back(qtf[w] * idf, w);
    }
    std::stable_sort(scored.begin(), scored.end(),
                     [](const std::pair<double, std::string> &a,
                        const std::pair<double, std::string> &b) {
                         return a.first > b.first;
                     });
    std::vector<std::string> out;
    for (size_t i = 0; i < scored.size() && out.size() < SIMILAR_TERMS; i++)
        out.push_back(scored[i].second);
    return out;
}

/* Every plain word of the text as typed, repeats included (parse_text
 * keeps each once): how often a long text uses a word. */
static std::vector<std::string> plain_words(struct mindex *ix,
                                            const std::string &text)
{
    std::vector<std::string> out;
    for (const std::string &t : ix->tokenize(fold_text(text)))
        out.push_back(t);
    return out;
}

/* How many cases a unit's own words can match: for one word, its
 * commonest form (as typed or a stem); for several, their rarest. */
static Xapian::doccount unit_df(struct mindex *ix, const Unit &u,
                                const Xapian::MSet &stats)
{
    Xapian::doccount df = 0;
    bool first = true;
    for (const std::string &w : u.words) {
        if (is_stopword(w) && u.words.size() > 1)
            continue;
        Xapian::doccount word_df = 0;
        for (const std::string &t : word_terms(ix, w))
            word_df = std::max(word_df, stats.get_termfreq(t));
        df = first ? word_df : std::min(df, word_df);
        first = false;
    }
    return df;
}

/* Each content unit's steps (Unit::steps) from how rare it is against
 * the query's other units, and the plan's total. `stats`: the MSet of
 * the query of all the words (its term statistics cost no read). */
void mindex_impl::set_unit_steps(struct mindex *ix, Plan &plan,
                                 const Xapian::MSet &stats)
{
    plan.total_steps = 0;
    size_t n = 0;
    for (const Unit &u : plan.units)
        n += !u.is_stop;
    if (n < 2) {
        plan.total_steps = (int)n;
        return;
    }
    const double n_docs = (double)ix->db().get_doccount();
    std::vector<double> idf;
    double max_idf = 0;
    for (const Unit &u : plan.units) {
        double v =
            u.is_stop
                ? 0
                : std::log((n_docs + 1) / ((double)unit_df(ix, u, stats) + 1));
        idf.push_back(v);
        max_idf = std::max(max_idf, v);
    }
    for (size_t i = 0; i < plan.units.size(); i++) {
        Unit &u = plan.units[i];
        u.steps = max_idf > 0 ? 1 + (int)std::lround(3 * idf[i] / max_idf) : 1;
        plan.total_steps += u.is_stop ? 0 : u.steps;
    }
}

/* Groups the positive items into units: runs of plain words are matched
 * against the thesaurus greedily, longest n-gram (up to MAX_NGRAM words)
 * first; a unit of one stopword is marked so (optional). A text of more
 * than MINDEX_LONG_QUERY_WORDS plain words is a pasted paragraph: its
 * units are its most discriminating words (similar_terms). */
Plan mindex_impl::make_plan(struct mindex *ix, const std::string &text)
{
    Plan plan;
    plan.items = parse_text(ix, text);
    size_t n_plain = 0;
    for (const QItem &item : plan.items)
        n_plain +=
            !item.is_negated && !item.is_quoted && item.terms.size() == 1;
    if (n_plain > MINDEX_LONG_QUERY_WORDS) {
        plan.is_similar = true;
        for (const std::string &w :
             similar_terms(ix, plan.items, plain_words(ix, text))) {
            Unit u;
            u.words = {w};
            u.synonyms = ix->thesaurus_lookup(u.words);
            add_highlight(ix, plan.highlight, w);
            plan.units.push_back(std::move(u));
        }
        plan.n_words = plan.n_content = plan.units.size();
        return plan;
    }
    std::vector<std::string> run;
    auto flush_run = [&]() {
        size_t i = 0;
        while (i < run.size()) {
            Unit u;
            size_t n = std::min<size_t>(MAX_NGRAM, run.size() - i);
            for (; n >= 1; n--) {
                std::vector<std::string> gram(run.begin() + i,
                                              run.begin() + i + n);
                u.synonyms = ix->thesaurus_lookup(gram);
                if (!u.synonyms.empty() || n == 1) {
                    u.words = gram;
                    break;
                }
            }
            if (u.words.size() == 1 && is_stopword(u.words[0])) {
                u.is_stop = true;
                u.synonyms.clear();
            }
            i += u.words.size();
            plan.units.push_back(std::move(u));
        }
        run.clear();
    };
    for (const QItem &item : plan.items) {
        if (item.is_negated)
            continue;
        for (const std::string &t : item.terms)
            add_highlight(ix, plan.highlight, t);
        if (!item.is_quoted && item.terms.size() == 1) {
            run.push_back(item.terms[0]);
            plan.n_words++;
            continue;
        }
        flush_run();
        Unit u;
        u.words = item.terms;
        u.is_phrase = true;
        u.synonyms = ix->thesaurus_lookup(item.terms);
        plan.units.push_back(std::move(u));
        plan.n_words++;
    }
    flush_run();
    for (const Unit &u : plan.units) {
        plan.n_content += !u.is_stop;
        for (const SynEntry &e : u.synonyms) {
            if (e.lang == "sdg")
                continue; /* a goal link: no words to mark */
            for (const std::string &w : e.words) {
                if (is_stopword(w))
                    continue;
                plan.highlight.words.insert(w);
                if (e.words.size() == 1 && term_is_stemmable(w))
                    plan.highlight.stems.insert(ix->stem_for(e.lang)(w));
            }
        }
    }
    return plan;
}

/* One unit of a QUORUM query: its words any of them (BM25), plus
 * QUORUM_STEP when the case matches the unit whole. */
static Xapian::Query quorum_part(struct mindex *ix, const Unit &u)
{
    Xapian::Query any = unit_query(ix, u, Xapian::Query::OP_OR);
    Xapian::Query step(
        (new Xapian::FixedWeightPostingSource(QUORUM_STEP * u.steps))
            ->release());
    if (u.words.size() == 1 || u.is_phrase) /* any is whole: an AND adds
                                                 its parts' weights */
        return Xapian::Query(Xapian::Query::OP_AND, step, any);
    Xapian::Query whole = unit_query(ix, u, Xapian::Query::OP_AND);
    return Xapian::Query(
        Xapian::Query::OP_OR, any,
        Xapian::Query(
            Xapian::Query::OP_AND, step,
            Xapian::Query(Xapian::Query::OP_SCALE_WEIGHT, whole, 0.0)));
}

/* The text part of the query, its units combined as `how` says (the
 * stopwords optional, unless the text holds nothing else); MatchAll
 * when there is nothing positive to look for. */
Xapian::Query mindex_impl::text_query(struct mindex *ix, const Plan &plan,
                                      Combine how)
{
    /* Query(""), not the static Query::MatchAll: copying that shared
     * object from several server threads races on its reference count
     * (Xapian's are not atomic), which ASan caught as a use after free */
    Xapian::Query main{std::string()};
    if (!plan.units.empty()) {
        std::vector<Xapian::Query> parts, stops;
        const bool all_stop = plan.n_content == 0;
        for (const Unit &u : plan.units) {
            if (u.is_stop && !all_stop)
                stops.push_back(unit_query(ix, u, Xapian::Query::OP_AND));
            else if (how == Combine::QUORUM)
                parts.push_back(quorum_part(ix, u));
            else
                parts.push_back(unit_query(ix, u,
                                           how == Combine::ALL
                                               ? Xapian::Query::OP_AND
                                               : Xapian::Query::OP_OR));
        }
        main = Xapian::Query(how == Combine::ALL ? Xapian::Query::OP_AND
                                                 : Xapian::Query::OP_OR,
                             parts.begin(), parts.end());
        if (!stops.empty())
            main = Xapian::Query(Xapian::Query::OP_AND_MAYBE, main,
                                 Xapian::Query(Xapian::Query::OP_OR,
                                               stops.begin(), stops.end()));
    }
    std::vector<Xapian::Query> excluded;
    for (const QItem &item : plan.items) {
        if (!item.is_negated)
            continue;
        if (!item.is_quoted && item.terms.size() == 1)
            excluded.push_back(word_query(ix, item.terms[0]));
        else
            excluded.push_back(phrase_query(item.terms));
    }
    if (!excluded.empty())
        main = Xapian::Query(Xapian::Query::OP_AND_NOT, main,
                             Xapian::Query(Xapian::Query::OP_OR,
                                           excluded.begin(), excluded.end()));
    return main;
}

/* Adds OR(prefix + value) for one filter field, if it has values. */
static void add_field_filter(std::vector<Xapian::Query> &fields,
                             const std::vector<std::string> &terms)
{
    if (terms.empty())
        return;
    std::vector<Xapian::Query> alternatives(terms.begin(), terms.end());
    fields.emplace_back(Xapian::Query::OP_OR, alternatives.begin(),
                        alternatives.end());
}

/* The filters a reader's facet table cannot check, as terms: the
 * targets (the table does not hold them), OR-ed, and, in a search with
 * suggestions, the goals (the table holds the tagged ones only), AND-ed
 * with them; an empty query when there are none. */
Xapian::Query mindex_impl::target_filter_query(const struct minga_query *q)
{
    std::vector<std::string> terms = target_filter_terms(q);
    Xapian::Query targets(Xapian::Query::OP_OR, terms.begin(), terms.end());
    if (!q->want_suggested || !q->goal_mask)
        return targets;
    terms = goal_filter_terms(q);
    Xapian::Query goals(Xapian::Query::OP_OR, terms.begin(), terms.end());
    return targets.empty()
               ? goals
               : Xapian::Query(Xapian::Query::OP_AND, goals, targets);
}

/* Every filter: OR within one field, AND across fields, the years
 * ([year_start, effective year_end]) overlapping [year_from, year_to];
 * an empty query when there are none. */
Xapian::Query mindex_impl::filter_query(const struct minga_query *q)
{
    std::vector<Xapian::Query> fields;
    std::vector<std::string> terms = goal_filter_terms(q);
    add_field_filter(fields, terms);
    terms = target_filter_terms(q);
    add_field_filter(fields, terms);
    terms.clear();
    for (int b = 0; b < MINGA_N_LEVELS; b++)
        if (q->level_mask & (1u << b))
            terms.push_back(std::string("XL") + vocab_level_name(b));
    add_field_filter(fields, terms);
    terms.clear();
    for (int b = 0; b < MINGA_N_ACTORS; b++)
        if (q->actor_mask & (1u << b))
            terms.push_back(std::string("XA") + vocab_actor_name(b));
    add_field_filter(fields, terms);
    terms.clear();
    for (size_t i = 0; i < q->n_countries; i++)
        terms.push_back(std::string("XC") + q->countries[i]);
    add_field_filter(fields, terms);
    terms.clear();
    for (size_t i = 0; i < q->n_languages; i++)
        terms.push_back(std::string("XN") + q->languages[i]);
    add_field_filter(fields, terms);
    if (q->year_to)
        fields.emplace_back(Xapian::Query::OP_VALUE_LE, SLOT_YEAR_START,
                            Xapian::sortable_serialise(q->year_to));
    if (q->year_from)
        fields.emplace_back(Xapian::Query::OP_VALUE_GE, SLOT_YEAR_END,
                            Xapian::sortable_serialise(q->year_from));
    if (fields.empty())
        return Xapian::Query();
    return Xapian::Query(Xapian::Query::OP_AND, fields.begin(), fields.end());
}

/* Words shorter than this (in bytes, folded) get suggestions at most one
 * edit away. */
static const size_t SPELLING_SHORT = 5;

/* The query text with each misspelt word (one that neither as typed nor
 * stemmed matches any case, nor belongs to a thesaurus entry the query
 * matched: "sequía" is a word even when only an English case speaks of
 * drought) replaced by the spelling data's best guess; "" when nothing
 * changed. */
std::string mindex_impl::suggest(struct mindex *ix, const std::string &text,
                                 const Plan &plan)
{
    Xapian::Database &db = ix->db();
    std::set<std::string> known;
    for (const Unit &u : plan.units)
        if (!u.synonyms.empty())
            known.insert(u.words.begin(), u.words.end());
    std::string out;
    size_t copied = 0;
    bool changed = false;
    for (const QItem &item : plan.items) {
        if (item.is_negated)
            continue;
        for (const QWord &w : item.words) {
            if (w.terms.size() != 1)
                continue;
            const std::string &term = w.terms[0];
            if (known.count(term))
                continue;
            std::vector<std::string> forms{term};
            for (const std::string &v : number_variants(term))
                forms.push_back(v);
            bool found = false;
            for (const std::string &f : forms) {
                found = found || db.term_exists(f);
                for (size_t s = 0; !found && s < ix->query_stems.size(); s++)
                    found =
                        term_is_stemmable(f) &&
                        db.term_exists("Z" + (*ix->query_stems[s].second)(f));
            }
            if (found)
                continue;
            /* Two edits turn most short words into other words ("paz"
             * into "para"): one only below SPELLING_SHORT bytes. */
            std::string better = ix->spelling_db().get_spelling_suggestion(
                term, term.size() < SPELLING_SHORT ? 1 : 2);
            if (better.empty() || better == term)
                continue;
            out.append(text, copied, w.offset - copied);
            out += better;
            copied = w.offset + w.length;
            changed = true;
        }
    }
    if (!changed)
        return std::string();
    out.append(text, copied, std::string::npos);
    return out;
}
