/*
 * Snippets: computed from the original text stored with each case, not
 * from the folded text the index holds (folding changes byte lengths, so
 * offsets in one are meaningless in the other). Tokens are runs of
 * letters, marks and digits (utf8proc categories); each is folded and
 * stemmed with the case's language and compared with what the query
 * looked for. Cuts fall on token boundaries, so a UTF-8 sequence is never
 * split.
 */
#include "mindex_internal.h"

#include <utf8proc.h>

#include <map>

namespace mindex_impl {

struct Token {
    size_t byte_start, byte_end;
    size_t char_start, char_end;
    bool is_match;
    std::string key;     /* what makes two matches "the same word" */
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

static std::string fold_token(const std::string &text, const Token &t)
{
    bool is_ascii = true;
    for (size_t i = t.byte_start; i < t.byte_end && is_ascii; i++)
        is_ascii = !((unsigned char)text[i] & 0x80);
    if (!is_ascii)
        return fold_text(text.data() + t.byte_start, t.byte_end - t.byte_start);
    std::string folded(text, t.byte_start, t.byte_end - t.byte_start);
    for (char &ch : folded)
        if (ch >= 'A' && ch <= 'Z')
            ch = (char)(ch - 'A' + 'a');
    return folded;
}

/* Splits text into tokens and marks those the query looked for. Sets
 * *n_chars to the text's length in characters. */
static std::vector<Token> tokenize_original(const std::string &text,
                                            const Xapian::Stem &stem,
                                            const Highlight &hl,
                                            size_t *n_chars)
{
    std::vector<Token> tokens;
    size_t pos = 0, chars = 0;
    bool in_token = false;
    while (pos < text.size()) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t n = utf8proc_iterate(
            (const utf8proc_uint8_t *)text.data() + pos,
            (utf8proc_ssize_t)(text.size() - pos), &cp);
        if (n <= 0) {   /* stored text is valid UTF-8; be safe anyway */
            n = 1;
            cp = ' ';
        }
        bool word = is_word_char(cp);
        if (word && !in_token)
            tokens.push_back({ pos, pos, chars, chars, false, std::string() });
        if (word) {
            tokens.back().byte_end = pos + (size_t)n;
            tokens.back().char_end = chars + 1;
        }
        in_token = word;
        pos += (size_t)n;
        chars++;
    }
    *n_chars = chars;
    for (Token &t : tokens) {
        std::string folded = fold_token(text, t);
        if (hl.words.count(folded)) {
            t.is_match = true;
            t.key = term_is_stemmable(folded) ? stem(folded) : folded;
        } else if (term_is_stemmable(folded)) {
            std::string stemmed = stem(folded);
            if (hl.stems.count(stemmed)) {
                t.is_match = true;
                t.key = stemmed;
            }
        }
    }
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

std::string make_snippet(const std::string &text, const Xapian::Stem &stem,
                         const Highlight &hl)
{
    size_t n_chars = 0;
    std::vector<Token> tokens = tokenize_original(text, stem, hl, &n_chars);
    if (tokens.empty())
        return std::string();

    /* The window starting at a match that holds the most distinct
     * matches; the earliest wins a tie. */
    size_t best_first = 0, best_last = 0, best_count = 0;
    for (size_t a = 0; a < tokens.size(); a++) {
        if (!tokens[a].is_match)
            continue;
        std::set<std::string> keys;
        size_t last = a;
        for (size_t b = a; b < tokens.size(); b++) {
            if (tokens[b].char_end > tokens[a].char_start + SNIPPET_CHARS)
                break;
            if (tokens[b].is_match) {
                keys.insert(tokens[b].key);
                last = b;
            }
        }
        if (keys.size() > best_count) {
            best_count = keys.size();
            best_first = a;
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
        if (!t.is_match)
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
