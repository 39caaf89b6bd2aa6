/*
 * Building a case's Xapian document (in the caller's thread of a writer):
 * its text folded, tokenised and stemmed with positions, its boolean
 * filter terms, values and stored data. See mindex_internal.h for the
 * terms and slots.
 */
#include "mindex_internal.h"
#include "mindex_suggested.h"
#include "mindex_text.h"

#include <algorithm>
#include <cmath>

#include <string.h>

extern "C" {
#include "textfold.h"
#include "vocab.h"
}

namespace mindex_impl
{

/* Gap between fields so a phrase never spans two of them. */
static const Xapian::termpos FIELD_GAP = 100;

static std::string str_or_empty(const char *s)
{
    return s ? std::string(s) : std::string();
}

/* One field's text, folded, with its within-document frequency step. */
struct FoldedField {
    std::string text;
    Xapian::termcount wdf_inc;
};

static void add_field(std::vector<FoldedField> &fields,
                      const std::string &text, Xapian::termcount wdf_inc)
{
    if (!text.empty())
        fields.push_back({fold_text(text), wdf_inc});
}

/* Bytes of attachment text one case's document indexes, all its
 * attachments together: a long report's first megabyte (some 150 000
 * words). Past it the text is kept in the catalog, not searched. Each
 * case that names a file indexes its text again, so without a bound 60
 * cases naming one 4 MiB text in a 214 KB zip made 93 MB of index
 * (issue 18). */
static const size_t ATTACHMENT_INDEX_MAX = 1u << 20;

/* The length of the first `max` bytes of `text`, or fewer so as not to
 * end inside a UTF-8 sequence. */
static size_t utf8_prefix(const char *text, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t end = max;
    while (end > 0 && ((unsigned char)text[end] & 0xC0) == 0x80)
        end--;
    return end;
}

/* The case's attachment texts as fields, each distinct file once (two
 * paths may name the same bytes), up to ATTACHMENT_INDEX_MAX in all. */
static void add_attachment_fields(std::vector<FoldedField> &fields,
                                  const struct minga_case *c)
{
    size_t left = ATTACHMENT_INDEX_MAX;
    for (size_t i = 0; i < c->n_attachments && left > 0; i++) {
        const struct minga_attachment *a = &c->attachments[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen && a->sha256; j++)
            seen = c->attachments[j].sha256 &&
                   strcmp(c->attachments[j].sha256, a->sha256) == 0;
        const char *text = a->text ? a->text : "";
        if (seen || !*text)
            continue;
        size_t take = utf8_prefix(text, strlen(text), left);
        add_field(fields, std::string(text, take), 1);
        left -= take;
    }
}

/* Whether a line (without its newline) is a Markdown heading: ATX
 * ("## Importancia") or a setext underline ("====", "----"). */
static bool is_heading_line(const std::string &line)
{
    size_t i = line.find_first_not_of(" \t\r");
    if (i == std::string::npos || i > 3)
        return false;
    if (line[i] == '#') {
        size_t n = line.find_first_not_of('#', i);
        return n - i <= 6 &&
               (n == std::string::npos || line[n] == ' ' || line[n] == '\t');
    }
    if (line[i] == '=' || line[i] == '-') {
        size_t end = line.find_last_not_of(" \t\r");
        for (size_t k = i; k <= end; k++)
            if (line[k] != line[i])
                return false;
        return end - i >= 2;
    }
    return false;
}

/* A list item's marker ("- ", "* ", "+ ", "1. ", "1) ") at the start of
 * a line: its length, or 0. */
static size_t list_marker_len(const std::string &line)
{
    size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos)
        return 0;
    if ((line[i] == '-' || line[i] == '*' || line[i] == '+') &&
        i + 1 < line.size() && line[i + 1] == ' ')
        return i + 2;
    size_t d = i;
    while (d < line.size() && line[d] >= '0' && line[d] <= '9')
        d++;
    if (d > i && d + 1 < line.size() && (line[d] == '.' || line[d] == ')') &&
        line[d + 1] == ' ')
        return d + 2;
    return 0;
}

/* Summary and body as shown in snippets: each block (a paragraph, a
 * list item) on a line of its own, whitespace runs collapsed inside it;
 * Markdown headings dropped (they would run into the sentence that
 * follows: "Importancia El caso es"), and list markers, emphasis and
 * code marks with them; cut at a character boundary near
 * SNIPPET_SOURCE_MAX bytes. make_snippet cuts fragments at these line
 * breaks and at sentence ends, and shows a break as a space. */
static std::string snippet_source(const char *summary, const char *body)
{
    std::string raw = str_or_empty(summary);
    if (body && *body) {
        raw += "\n\n";
        raw += body;
    }
    std::string out;
    out.reserve(std::min(raw.size(), SNIPPET_SOURCE_MAX + 4));
    bool in_space = false, new_block = false;
    size_t pos = 0;
    while (pos < raw.size() && out.size() < SNIPPET_SOURCE_MAX) {
        size_t eol = raw.find('\n', pos);
        if (eol == std::string::npos)
            eol = raw.size();
        std::string line = raw.substr(pos, eol - pos);
        pos = eol + 1;
        /* a setext heading's text is the line before its underline */
        size_t next_eol = raw.find('\n', pos);
        std::string next =
            pos < raw.size()
                ? raw.substr(pos, (next_eol == std::string::npos ? raw.size()
                                                                 : next_eol) -
                                      pos)
                : std::string();
        bool is_blank = line.find_first_not_of(" \t\r") == std::string::npos;
        bool next_is_underline = !is_blank && is_heading_line(next) &&
                                 next.find('#') == std::string::npos;
        if (is_blank || is_heading_line(line) || next_is_underline) {
            new_block = true;
            continue;
        }
        size_t marker = list_marker_len(line);
        if (marker)
            new_block = true;
        for (size_t i = marker;
             i < line.size() && out.size() < SNIPPET_SOURCE_MAX; i++) {
            char ch = line[i];
            if (ch == ' ' || ch == '\t' || ch == '\r') {
                in_space = true;
                continue;
            }
            if (ch == '*' || ch == '`')
                continue;
            if (!out.empty() && new_block)
                out += '\n';
            else if (!out.empty() && in_space)
                out += ' ';
            new_block = in_space = false;
            out += ch;
        }
        in_space = true; /* a line break inside a paragraph */
    }
    /* never end inside a UTF-8 sequence */
    size_t end = out.size();
    if (end >= SNIPPET_SOURCE_MAX) {
        while (end > 0 && ((unsigned char)out[end - 1] & 0xC0) == 0x80)
            end--;
        if (end > 0 && ((unsigned char)out[end - 1] & 0x80))
            end--; /* the lead byte of a cut sequence */
        out.resize(end);
    }
    return out;
}

/* The start of the case's first ATTACHMENT_SNIPPET_SOURCES attachments
 * with text (each distinct file once), cleaned as summary and body are,
 * for snippets: a match found only inside a report shows there. The
 * index searches far more of their text (ATTACHMENT_INDEX_MAX) than it
 * keeps for snippets: a match past this start shows the summary. */
static SnippetSources attachment_sources(const struct minga_case *c)
{
    SnippetSources sources;
    for (size_t i = 0;
         i < c->n_attachments && sources.size() < ATTACHMENT_SNIPPET_SOURCES;
         i++) {
        const struct minga_attachment *a = &c->attachments[i];
        bool seen = false;
        for (size_t j = 0; j < i && !seen && a->sha256; j++)
            seen = c->attachments[j].sha256 &&
                   strcmp(c->attachments[j].sha256, a->sha256) == 0;
        if (seen || !a->text || !*a->text || !a->path)
            continue;
        /* snippet_source keeps SNIPPET_SOURCE_MAX bytes of what it is
         * given: give it a bounded start of a long report */
        size_t len =
            utf8_prefix(a->text, strlen(a->text), 4 * SNIPPET_SOURCE_MAX);
        std::string start(a->text, len);
        std::string source = snippet_source(start.c_str(), nullptr);
        if (!source.empty())
            sources.emplace_back(a->path, std::move(source));
    }
    return sources;
}

/* Words in folded text: runs of letters and digits, any byte of a
 * multi-byte character counting as a letter (close to the indexer's
 * count, which is all a norm needs). */
static size_t count_words(const std::string &text)
{
    size_t n = 0;
    bool in_word = false;
    for (unsigned char ch : text) {
        bool is_word = ch >= 0x80 || (ch >= '0' && ch <= '9') ||
                       (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
        n += is_word && !in_word;
        in_word = is_word;
    }
    return n;
}

/* The case's length norm as a multiplier of its fields' wdf steps (see
 * "Length norms" in mindex_internal.h): LENGTH_NORM_SCALE over BM25's
 * length factor, never below 1. */
static Xapian::termcount
length_norm_step(const std::vector<FoldedField> &fields)
{
    double words = 0;
    for (const FoldedField &f : fields)
        words += (double)f.wdf_inc * (double)count_words(f.text);
    double ratio = std::max(words / LENGTH_NORM_REF, 0.5);
    double factor = (1 - BM25_B) + BM25_B * ratio;
    return (Xapian::termcount)std::max(
        1.0, std::floor(LENGTH_NORM_SCALE / factor + 0.5));
}

/* The case's document: folded, tokenised and stemmed text with positions,
 * boolean filter terms, values and the stored data. Runs in the caller's
 * thread, on the writer's own TermGenerator and stemmers; reads the case
 * in place. Throws (before anything is queued). */
Xapian::Document build_document(struct mindex *ix, const struct minga_case *c,
                                const struct mindex_suggested *suggested)
{
    std::vector<FoldedField> fields;
    add_field(fields, str_or_empty(c->title), 5);
    for (size_t i = 0; i < c->n_tags; i++)
        add_field(fields, str_or_empty(c->tags[i]), 3);
    add_field(fields, str_or_empty(c->city), 2);
    add_field(fields, str_or_empty(c->region), 2);
    add_field(fields, str_or_empty(c->summary), 2);
    add_field(fields, str_or_empty(c->body), 1);
    add_attachment_fields(fields, c);

    const std::string lang = c->language;
    const std::string country = str_or_empty(c->country);
    Xapian::Document doc;
    Xapian::TermGenerator &indexer = ix->indexer;
    indexer.set_document(doc);
    indexer.set_stemmer(ix->stem_for(lang));
    const Xapian::termcount step =
        ix->length_norms ? length_norm_step(fields) : 1;
    for (const FoldedField &f : fields) {
        indexer.index_text(f.text, f.wdf_inc * step);
        indexer.increase_termpos(FIELD_GAP);
    }
    /* the indexer lets go of the document: it goes to another thread */
    indexer.set_document(Xapian::Document());

    for (int g = 1; g <= 17; g++)
        if (c->goal_mask & (1u << g))
            doc.add_boolean_term("XG" + std::to_string(g));
    for (size_t i = 0; i < c->n_targets; i++)
        if (c->targets[i] && *c->targets[i])
            doc.add_boolean_term(std::string("XT") + c->targets[i]);
    for (int b = 0; b < MINGA_N_LEVELS; b++)
        if (c->level_mask & (1u << b))
            doc.add_boolean_term(std::string("XL") + vocab_level_name(b));
    for (int b = 0; b < MINGA_N_ACTORS; b++)
        if (c->actor_mask & (1u << b))
            doc.add_boolean_term(std::string("XA") + vocab_actor_name(b));
    if (!country.empty())
        doc.add_boolean_term("XC" + country);
    doc.add_boolean_term("XN" + lang);
    doc.add_boolean_term(std::string("Q") + c->id);
    if (suggested)
        add_suggested_terms(doc, c, *suggested);

    int year_end = c->year_end ? c->year_end : c->year_start;
    doc.add_value(SLOT_YEAR_START, Xapian::sortable_serialise(c->year_start));
    doc.add_value(SLOT_YEAR_END, Xapian::sortable_serialise(year_end));
    doc.add_value(SLOT_FACETS, facets_encode(c->goal_mask, c->level_mask,
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
    data.text = snippet_source(c->summary, c->body);
    doc.set_data(docdata_encode(data));
    SnippetSources sources = attachment_sources(c);
    if (!sources.empty())
        doc.add_value(SLOT_SNIPPET_SOURCES, snippet_sources_encode(sources));
    return doc;
}

} /* namespace mindex_impl */
