/*
 * Snippets: computed from the original text stored with each case, not
 * from the folded text the index holds (folding changes byte lengths, so
 * offsets in one are meaningless in the other). Tokens are runs of
 * letters, marks and digits (utf8proc categories); each is folded and
 * stemmed with the case's language and compared with what the query
 * looked for. Cuts fall on token boundaries, so a UTF-8 sequence is never
 * split.
 *
 * Cost: this runs over up to SNIPPET_SOURCE_MAX bytes for each hit, so
 * ASCII and Latin letters are classified and folded without utf8proc,
 * a word is only stemmed when its first bytes could begin a highlighted
 * stem (stem_head_len), and what a search learnt about a word is kept for
 * its other hits (SnippetCache). The output is the same as folding and
 * stemming every token.
 */
#include "mindex_internal.h"

#include <string.h>
#include <utf8proc.h>

#include <algorithm>
#include <string>
#include <vector>

namespace mindex_impl {

const std::string &StemMemo::operator()(const std::string &word)
{
    auto it = memo.find(word);
    if (it != memo.end())
        return it->second;
    if (memo.size() >= STEM_MEMO_MAX)
        memo.clear();
    return memo.emplace(word, stem(word)).first->second;
}

struct Token {
    size_t byte_start, byte_end;
    size_t char_start, char_end;
    int key;             /* what makes two matches "the same word": an id
                            in the SnippetCache; -1 when no match */
};

static bool is_word_char(utf8proc_int32_t cp)
{
    switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
        return true;
    default:
        return false;
    }
}

/* is_word_char for ASCII, by byte: letters and digits only (utf8proc's
 * categories of the other ASCII characters are controls, spaces,
 * punctuation and symbols); false for every byte of a multi-byte
 * character. A table: the scan of a snippet's text tests every byte, and
 * three range checks a byte were a third of make_snippet's time. */
struct AsciiWordBytes {
    bool is_word[256] = {};
    AsciiWordBytes()
    {
        for (int ch = 0; ch < 0x80; ch++)
            is_word[ch] = (ch >= 'a' && ch <= 'z') ||
                          (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    }
};
static const AsciiWordBytes ascii_word_bytes;

static int key_id(SnippetCache &cache, const std::string &key)
{
    return cache.keys.emplace(key, (int)cache.keys.size()).first->second;
}

/* How many leading bytes of a folded word the stemmer of `lang` never
 * changes; 0 when not known. Snowball's Spanish and Portuguese stemmers
 * only rewrite suffixes inside R1, R2 or RV, which never start before the
 * third letter; the English one also turns "y" into "i" after the first
 * letter ("cry" -> "cri", "dying" -> "die") but never touches the first
 * byte. So a word whose first bytes begin no highlighted stem cannot stem
 * to one, and need not be stemmed. */
static size_t stem_head_len(const std::string &lang)
{
    if (lang == "es" || lang == "pt")
        return 2;
    if (lang == "en")
        return 1;
    return 0;
}

static size_t head2_bit(unsigned char b0, unsigned char b1)
{
    return ((size_t)b0 << 8) | b1;
}

static void add_head(SnippetCache &cache, const std::string &s, size_t len)
{
    if (s.empty())
        return;
    if (len < 2 || s.size() < 2) {
        cache.any_first[(unsigned char)s[0]] = true;
        return;
    }
    size_t bit = head2_bit((unsigned char)s[0], (unsigned char)s[1]);
    cache.head2[bit / 64] |= (uint64_t)1 << (bit % 64);
}

/* Fills the filter: a highlighted word must match whole, so its first two
 * bytes; a highlighted stem, its first head_len bytes, which any word that
 * stems to it shares. */
static void prepare(SnippetCache &cache, const std::string &lang,
                    const Highlight &hl)
{
    cache.ready = true;
    cache.head2.assign(65536 / 64, 0);
    for (const std::string &w : hl.words)
        add_head(cache, w, 2);
    size_t head_len = stem_head_len(lang);
    if (!head_len) {
        std::fill(std::begin(cache.any_first), std::end(cache.any_first),
                  true);
        return;
    }
    for (const std::string &s : hl.stems)
        add_head(cache, s, head_len);
}

/* Whether a token that folds to bytes starting b0, b1 (b1 is 0 for a
 * one-byte token) may be one the query looked for. */
static bool may_match(const SnippetCache &cache, unsigned char b0,
                      unsigned char b1)
{
    if (cache.any_first[b0])
        return true;
    if (!b1)
        return false;
    size_t bit = head2_bit(b0, b1);
    return (cache.head2[bit / 64] >> (bit % 64)) & 1;
}

static bool is_stemmable(const std::string &folded)
{
    if (folded.empty())
        return false;
    unsigned char ch = (unsigned char)folded[0];
    if (ch < 0x80)
        return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
    return term_is_stemmable(folded);
}

/* Whether a folded token is one the query looked for: it is in hl.words,
 * or its stem in hl.stems. Returns its key's id, or -1. */
static int match_folded(const std::string &folded, StemMemo &stem,
                        const Highlight &hl, SnippetCache &cache)
{
    if (folded.empty() ||
        !may_match(cache, (unsigned char)folded[0],
                   folded.size() > 1 ? (unsigned char)folded[1] : 0))
        return -1;
    auto it = cache.folded.find(folded);
    if (it != cache.folded.end())
        return it->second;
    bool is_word = hl.words.count(folded) > 0;
    bool stemmable = is_stemmable(folded);
    int key = -1;
    if (is_word) {
        key = key_id(cache, stemmable ? stem(folded) : folded);
    } else if (stemmable) {
        const std::string &stemmed = stem(folded);
        if (hl.stems.count(stemmed))
            key = key_id(cache, stemmed);
    }
    cache.folded.emplace(folded, key);
    return key;
}

/* Folding of the characters U+0080..U+024F (Latin-1 and Latin
 * Extended-A and B) that fold_text turns into ASCII. fold_text
 * decomposes, strips marks and case-folds each character on its own (no
 * composition), so a token of ASCII and of these characters folds to the
 * concatenation of its characters' folds. Built with fold_text itself. */
struct LatinFold {
    static const utf8proc_int32_t FIRST = 0x80, LAST = 0x24F;
    struct Entry {
        char text[5];
        unsigned char len;   /* 0: not folded to ASCII, use fold_text */
    } entries[LAST - FIRST + 1];

    LatinFold()
    {
        for (utf8proc_int32_t cp = FIRST; cp <= LAST; cp++) {
            Entry &e = entries[cp - FIRST];
            e.len = 0;
            utf8proc_uint8_t utf8[4];
            utf8proc_ssize_t n = utf8proc_encode_char(cp, utf8);
            std::string folded;
            try {
                folded = fold_text((const char *)utf8, (size_t)n);
            } catch (...) {
                continue;
            }
            bool is_ascii = !folded.empty() && folded.size() < sizeof e.text;
            for (char ch : folded)
                is_ascii = is_ascii && !((unsigned char)ch & 0x80);
            if (!is_ascii)
                continue;
            memcpy(e.text, folded.data(), folded.size());
            e.len = (unsigned char)folded.size();
        }
    }
};

static unsigned char ascii_lower(unsigned char ch)
{
    return ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch - 'A' + 'a') : ch;
}

/* Folds a token of ASCII and Latin letters into out; false when it holds
 * another character (out is then garbage). */
static bool fold_latin(const char *s, size_t len, std::string &out)
{
    static const LatinFold table;
    out.clear();
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            out += (char)ascii_lower(ch);
            continue;
        }
        /* two-byte sequences C2 80 .. C9 8F are U+0080 .. U+024F */
        if (ch < 0xC2 || ch > 0xC9 || i + 1 >= len ||
            ((unsigned char)s[i + 1] & 0xC0) != 0x80)
            return false;
        utf8proc_int32_t cp = ((ch & 0x1F) << 6) | (s[i + 1] & 0x3F);
        const LatinFold::Entry &e = table.entries[cp - LatinFold::FIRST];
        if (!e.len)
            return false;
        out.append(e.text, e.len);
        i++;
    }
    return true;
}

/* match_folded for a token of the original text: one of ASCII and Latin
 * letters is folded here, another is looked up by its bytes first, as
 * fold_text costs more. */
static int match_token(const char *s, size_t len, StemMemo &stem,
                       const Highlight &hl, SnippetCache &cache)
{
    /* most tokens start with two ASCII bytes, which fold to themselves
     * lowercased: reject those before folding the rest */
    unsigned char b0 = (unsigned char)s[0];
    unsigned char b1 = len > 1 ? (unsigned char)s[1] : 0;
    if (b0 < 0x80 && b1 < 0x80 &&
        !may_match(cache, ascii_lower(b0), ascii_lower(b1)))
        return -1;
    std::string &buf = cache.scratch;
    if (fold_latin(s, len, buf))
        return match_folded(buf, stem, hl, cache);
    buf.assign(s, len);
    auto it = cache.tokens.find(buf);
    if (it != cache.tokens.end())
        return it->second;
    int key = match_folded(fold_text(s, len), stem, hl, cache);
    cache.tokens.emplace(buf, key);
    return key;
}

/* Splits text into tokens and marks those the query looked for. Sets
 * *n_chars to the text's length in characters. */
static std::vector<Token> tokenize_original(const std::string &text,
                                            StemMemo &stem,
                                            const Highlight &hl,
                                            SnippetCache &cache,
                                            size_t *n_chars)
{
    std::vector<Token> tokens;
    tokens.reserve(text.size() / 6 + 1);
    const char *data = text.data();
    const size_t size = text.size();
    size_t pos = 0, chars = 0;
    bool in_token = false;
    while (pos < size) {
        unsigned char ch = (unsigned char)data[pos];
        if (ascii_word_bytes.is_word[ch]) {
            /* a run of ASCII letters and digits at once: most of the
             * text, one byte per character */
            if (!in_token)
                tokens.push_back({ pos, pos, chars, chars, -1 });
            size_t start = pos;
            while (pos < size &&
                   ascii_word_bytes.is_word[(unsigned char)data[pos]])
                pos++;
            chars += pos - start;
            tokens.back().byte_end = pos;
            tokens.back().char_end = chars;
            in_token = true;
            continue;
        }
        size_t n = 1;
        bool word = false;
        if (ch >= 0x80) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t len = utf8proc_iterate(
                (const utf8proc_uint8_t *)data + pos,
                (utf8proc_ssize_t)(size - pos), &cp);
            if (len > 0) {   /* stored text is valid UTF-8; be safe */
                n = (size_t)len;
                word = is_word_char(cp);
            }
        }
        if (word && !in_token)
            tokens.push_back({ pos, pos, chars, chars, -1 });
        if (word) {
            tokens.back().byte_end = pos + n;
            tokens.back().char_end = chars + 1;
        }
        in_token = word;
        pos += n;
        chars++;
    }
    *n_chars = chars;
    for (Token &t : tokens)
        t.key = match_token(data + t.byte_start, t.byte_end - t.byte_start,
                            stem, hl, cache);
    return tokens;
}

static void append_escaped(std::string &out, const std::string &text,
                           size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        switch (text[i]) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += text[i]; break;
        }
    }
}

std::string make_snippet(const std::string &text, const std::string &lang,
                         StemMemo &stem, const Highlight &hl,
                         SnippetCache &cache)
{
    if (!cache.ready)
        prepare(cache, lang, hl);
    size_t n_chars = 0;
    std::vector<Token> tokens =
        tokenize_original(text, stem, hl, cache, &n_chars);
    if (tokens.empty())
        return std::string();

    /* The window starting at a match that holds the most distinct
     * matches; the earliest wins a tie. */
    std::vector<size_t> matches;
    for (size_t i = 0; i < tokens.size(); i++)
        if (tokens[i].key >= 0)
            matches.push_back(i);
    /* seen[key] == i + 1: the key counted for the window at matches[i] */
    std::vector<size_t> seen(cache.keys.size(), 0);
    size_t best_first = 0, best_last = 0, best_count = 0;
    for (size_t i = 0; i < matches.size(); i++) {
        const Token &a = tokens[matches[i]];
        size_t count = 0, last = matches[i];
        for (size_t j = i; j < matches.size(); j++) {
            const Token &b = tokens[matches[j]];
            if (b.char_end > a.char_start + SNIPPET_CHARS)
                break;
            if (seen[(size_t)b.key] != i + 1) {
                seen[(size_t)b.key] = i + 1;
                count++;
            }
            last = matches[j];
        }
        if (count > best_count) {
            best_count = count;
            best_first = matches[i];
            best_last = last;
        }
    }

    /* Centre the matches in the window, then snap to token boundaries. */
    size_t start_char = 0;
    if (best_count > 0) {
        size_t span =
            tokens[best_last].char_end - tokens[best_first].char_start;
        size_t slack = span < SNIPPET_CHARS ? (SNIPPET_CHARS - span) / 2 : 0;
        start_char = tokens[best_first].char_start > slack
                         ? tokens[best_first].char_start - slack : 0;
        if (n_chars > SNIPPET_CHARS && start_char + SNIPPET_CHARS > n_chars)
            start_char = n_chars - SNIPPET_CHARS;
    }
    size_t first = 0;
    while (first < best_first && tokens[first].char_start < start_char)
        first++;
    if (start_char == 0)
        first = 0;
    size_t start_byte = first == 0 ? 0 : tokens[first].byte_start;
    size_t end_limit = tokens[first].char_start + SNIPPET_CHARS;
    size_t last = first;
    while (last + 1 < tokens.size() && tokens[last + 1].char_end <= end_limit)
        last++;
    size_t end_byte = last + 1 == tokens.size() ? text.size()
                                                : tokens[last].byte_end;

    std::string out;
    if (start_byte > 0)
        out += "\u2026";
    size_t pos = start_byte;
    for (size_t i = first; i <= last; i++) {
        const Token &t = tokens[i];
        if (t.key < 0)
            continue;
        append_escaped(out, text, pos, t.byte_start);
        out += "<mark>";
        append_escaped(out, text, t.byte_start, t.byte_end);
        out += "</mark>";
        pos = t.byte_end;
    }
    append_escaped(out, text, pos, end_byte);
    if (end_byte < text.size())
        out += "\u2026";
    return out;
}

} /* namespace mindex_impl */
