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
#include "mindex_snippet.h"
#include "mindex_text.h"

#include <string.h>
#include <utf8proc.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <algorithm>
#include <string>
#include <vector>

namespace mindex_impl
{

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
    int key; /* what makes two matches "the same word": an id
                            in the SnippetCache; -1 when no match */
};

static bool is_word_char(utf8proc_int32_t cp)
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

/* is_word_char for ASCII, by byte: letters and digits only (utf8proc's
 * categories of the other ASCII characters are controls, spaces,
 * punctuation and symbols); false for every byte of a multi-byte
 * character. A table: the scan of a snippet's text tests every byte, and
 * three range checks a byte were a third of make_snippet's time. */
struct AsciiWordBytes {
    bool is_word[256] = {};
    unsigned char lower[256]; /* ASCII lowercased; other bytes as they are */
    AsciiWordBytes()
    {
        for (int ch = 0; ch < 256; ch++) {
            is_word[ch] = (ch >= 'a' && ch <= 'z') ||
                          (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
            lower[ch] =
                (unsigned char)(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
        }
    }
};
static const AsciiWordBytes ascii_word_bytes;

static int key_id(SnippetCache &cache, const std::string &key)
{
    return cache.keys.emplace(key, (int)cache.keys.size()).first->second;
}

/* How many leading bytes of a folded word the stemmer of `lang` keeps in
 * its stem, when the stem is that long; 0 when not known. So a word
 * whose first bytes begin no highlighted stem cannot stem to one, and
 * need not be stemmed.
 *
 * Snowball's Spanish and Portuguese stemmers only rewrite suffixes
 * inside R1, R2 or RV: RV and R2 never start before the fourth letter,
 * R1 before the third, and in R1 they only delete ("amente"), which
 * leaves a prefix of the word. So a stem of 3 bytes or more begins with
 * the word's first 3 bytes, a shorter one is the word's first bytes.
 *
 * The English one (Porter2) keeps the first 2 bytes but for three
 * exceptions, dying, lying and tying (die, lie, tie: see prepare),
 * and for a vowel followed by "ing" (a letter and "ing" is no English
 * word); it turns "y" into "i" from the third letter on ("cry" -> "cri"),
 * so not 3. */
static size_t stem_head_len(const std::string &lang)
{
    if (lang == "es" || lang == "pt")
        return 3;
    if (lang == "en")
        return 2;
    return 0;
}

static void set_bit(std::vector<uint64_t> &bits, size_t bit)
{
    bits[bit / 64] |= (uint64_t)1 << (bit % 64);
}

static bool has_bit(const std::vector<uint64_t> &bits, size_t bit)
{
    return (bits[bit / 64] >> (bit % 64)) & 1;
}

static size_t head2_bit(unsigned char b0, unsigned char b1)
{
    return ((size_t)b0 << 8) | b1;
}

/* three bytes hashed to one of 65 536 bits (a filter: a collision only
 * lets a token through to the exact check) */
static size_t head3_bit(unsigned char b0, unsigned char b1, unsigned char b2)
{
    uint32_t v = ((uint32_t)b0 << 16) | ((uint32_t)b1 << 8) | b2;
    return (size_t)((v * 2654435761u) >> 16);
}

/* Lets through the tokens whose folded form begins with the first
 * min(len, size) bytes of s. */
static void add_head(SnippetCache &cache, const std::string &s, size_t len)
{
    size_t n = std::min(len, s.size());
    if (n == 0)
        return;
    const unsigned char *b = (const unsigned char *)s.data();
    if (n == 1) {
        cache.any_first[b[0]] = true;
        for (size_t b1 = 0; b1 < 256; b1++)
            set_bit(cache.start2, head2_bit(b[0], (unsigned char)b1));
        return;
    }
    set_bit(cache.start2, head2_bit(b[0], b[1]));
    if (n == 2)
        set_bit(cache.head2, head2_bit(b[0], b[1]));
    else
        set_bit(cache.head3, head3_bit(b[0], b[1], b[2]));
}

/* Fills the filter: a highlighted word must match whole, so its first
 * three bytes; a highlighted stem, its first head_len bytes, which any
 * word that stems to it shares. */
static void prepare(SnippetCache &cache, const std::string &lang,
                    const Highlight &hl)
{
    cache.ready = true;
    cache.start2.assign(65536 / 64, 0);
    cache.head2.assign(65536 / 64, 0);
    cache.head3.assign(65536 / 64, 0);
    for (const std::string &w : hl.words)
        add_head(cache, w, 3);
    size_t head_len = stem_head_len(lang);
    if (!head_len) {
        std::fill(std::begin(cache.any_first), std::end(cache.any_first),
                  true);
        std::fill(cache.start2.begin(), cache.start2.end(), ~(uint64_t)0);
        return;
    }
    for (const std::string &s : hl.stems) {
        add_head(cache, s, head_len);
        /* Porter2's exceptions whose second byte the stem changes */
        if (lang == "en" && (s == "die" || s == "lie" || s == "tie"))
            add_head(cache, std::string(1, s[0]) + "y", head_len);
    }
}

/* Whether a token that folds to bytes starting b0, b1 (0 past its end)
 * may be one the query looked for, whatever its third byte. */
static bool may_match_start(const SnippetCache &cache, unsigned char b0,
                            unsigned char b1)
{
    return has_bit(cache.start2, head2_bit(b0, b1));
}

/* The same knowing its third byte b2 (0 past its end). */
static bool may_match(const SnippetCache &cache, unsigned char b0,
                      unsigned char b1, unsigned char b2)
{
    if (!may_match_start(cache, b0, b1))
        return false;
    if (cache.any_first[b0] || has_bit(cache.head2, head2_bit(b0, b1)))
        return true;
    return b1 && b2 && has_bit(cache.head3, head3_bit(b0, b1, b2));
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
    const unsigned char *f = (const unsigned char *)folded.c_str();
    if (folded.empty() || !may_match(cache, f[0], f[1], f[1] ? f[2] : 0))
        return -1;
    auto it = cache.folded.find(folded);
    if (it != cache.folded.end())
        return it->second;
    bool is_word = hl.words.count(folded) > 0;
    bool stemmable = is_stemmable(folded);
    int key = -1;
    if (is_stopword(folded)) {
        /* never marked, whatever it stems to ("estados" and "estado") */
    } else if (is_word) {
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
        unsigned char len; /* 0: not folded to ASCII, use fold_text */
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

/* Folds a token of ASCII and Latin letters into out; false when it holds
 * another character (out is then garbage). */
static bool fold_latin(const char *s, size_t len, std::string &out)
{
    static const LatinFold table;
    /* a two-byte character folds to at most 4 bytes, an ASCII one to 1 */
    out.resize(len * 2);
    char *o = &out[0];
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x80) {
            *o++ = (char)ascii_word_bytes.lower[ch];
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
        memcpy(o, e.text, e.len);
        o += e.len;
        i++;
    }
    out.resize((size_t)(o - &out[0]));
    return true;
}

/* Whether a token is surely none the query looked for: its first ASCII
 * bytes (which fold to themselves lowercased) begin no highlighted word
 * or stem. Most tokens end here, before any folding. */
static bool is_rejected_ascii(const SnippetCache &cache,
                              const unsigned char *s, size_t len)
{
    const unsigned char *lower = ascii_word_bytes.lower;
    unsigned char b0 = s[0], b1 = len > 1 ? s[1] : 0;
    if (b0 >= 0x80 || b1 >= 0x80)
        return false;
    if (!may_match_start(cache, lower[b0], lower[b1]))
        return true;
    unsigned char b2 = len > 2 ? s[2] : 0;
    return b2 < 0x80 && !may_match(cache, lower[b0], lower[b1], lower[b2]);
}

/* match_folded for a token of the original text: one of ASCII and Latin
 * letters is folded here, another is looked up by its bytes first, as
 * fold_text costs more. */
static int match_token(const char *s, size_t len, StemMemo &stem,
                       const Highlight &hl, SnippetCache &cache)
{
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

/* The tokens of a text as it is scanned: where the scan is, in bytes
 * and characters, and whether the last byte was inside a token. */
struct TokenScan {
    const unsigned char *data; /* NUL-terminated (std::string::c_str) */
    size_t size, pos = 0, chars = 0;
    bool in_token = false;
    std::vector<Token> tokens;

    /* One step: a run of ASCII letters and digits (most of a text, one
     * byte per character) or one other character. */
    void step()
    {
        unsigned char ch = data[pos];
        if (ascii_word_bytes.is_word[ch]) {
            if (!in_token)
                tokens.push_back({pos, pos, chars, chars, -1});
            size_t start = pos;
            /* the NUL after the text is not a word byte: no length check */
            do
                pos++;
            while (ascii_word_bytes.is_word[data[pos]]);
            chars += pos - start;
            tokens.back().byte_end = pos;
            tokens.back().char_end = chars;
            in_token = true;
            return;
        }
        size_t n = 1;
        bool word = false;
        if (ch >= 0x80) {
            utf8proc_int32_t cp;
            utf8proc_ssize_t len = utf8proc_iterate(
                data + pos, (utf8proc_ssize_t)(size - pos), &cp);
            if (len > 0) { /* stored text is valid UTF-8; be safe */
                n = (size_t)len;
                word = is_word_char(cp);
            }
        }
        if (word && !in_token)
            tokens.push_back({pos, pos, chars, chars, -1});
        if (word) {
            tokens.back().byte_end = pos + n;
            tokens.back().char_end = chars + 1;
        }
        in_token = word;
        pos += n;
        chars++;
    }

#ifdef __SSE2__
    /* 16 bytes at pos, all ASCII, at once: their letters and digits as a
     * bit mask, whose runs of ones are tokens (or continue one). The
     * same tokens as step() gives: the scan of the bench mix's texts
     * went from about 100 to 65 million instructions (callgrind). */
    void ascii_block(__m128i v)
    {
        const __m128i lower = _mm_or_si128(v, _mm_set1_epi8(0x20));
        const __m128i letter =
            _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                          _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
        const __m128i digit =
            _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                          _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        const uint32_t mask =
            (uint32_t)_mm_movemask_epi8(_mm_or_si128(letter, digit));
        /* a run at bit 0 continues the token the last block ended in */
        bool continues = in_token;
        for (uint32_t m = mask; m;) {
            unsigned first = (unsigned)__builtin_ctz(m);
            /* the run's end: the first zero bit from `first` on; m has
             * no bit above 15, so at most 16 */
            unsigned end = (unsigned)__builtin_ctz(~(m >> first)) + first;
            if (first > 0 || !continues)
                tokens.push_back({pos + first, 0, chars + first, 0, -1});
            continues = false;
            tokens.back().byte_end = pos + end;
            tokens.back().char_end = chars + end;
            m &= ~((1u << end) - 1);
        }
        in_token = (mask >> 15) & 1;
        pos += 16;
        chars += 16;
    }
#endif

    void run()
    {
#ifdef __SSE2__
        while (size - pos >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(data + pos));
            if (_mm_movemask_epi8(v)) { /* a byte of a UTF-8 sequence */
                size_t end = pos + 16;
                while (pos < end)
                    step();
            } else {
                ascii_block(v);
            }
        }
#endif
        while (pos < size)
            step();
    }
};

/* Splits text into tokens and marks those the query looked for. Sets
 * *n_chars to the text's length in characters. */
static std::vector<Token>
tokenize_original(const std::string &text, StemMemo &stem, const Highlight &hl,
                  SnippetCache &cache, size_t *n_chars)
{
    TokenScan scan;
    scan.data = (const unsigned char *)text.c_str();
    scan.size = text.size();
    scan.tokens.reserve(text.size() / 6 + 1);
    scan.run();
    *n_chars = scan.chars;
    for (Token &t : scan.tokens) {
        const unsigned char *s = scan.data + t.byte_start;
        size_t len = t.byte_end - t.byte_start;
        if (!is_rejected_ascii(cache, s, len))
            t.key = match_token((const char *)s, len, stem, hl, cache);
    }
    return std::move(scan.tokens);
}

static void append_escaped(std::string &out, const std::string &text,
                           size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        switch (text[i]) {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        case '\n':
            out += ' ';
            break; /* a block break (see
                                             snippet_source) */
        default:
            out += text[i];
            break;
        }
    }
}

std::string make_snippet(const std::string &text, const std::string &lang,
                         StemMemo &stem, const Highlight &hl,
                         SnippetCache &cache, size_t *n_matched)
{
    if (n_matched)
        *n_matched = 0;
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

    if (n_matched)
        *n_matched = best_count;

    /* Where sentences begin: the first token, and each token after a
     * block break or after ". ", "! ", "? ". */
    std::vector<char> starts(tokens.size() + 1, 0);
    starts[0] = 1;
    starts[tokens.size()] = 1;
    for (size_t i = 1; i < tokens.size(); i++) {
        bool has_end = false, has_space = false;
        for (size_t b = tokens[i - 1].byte_end; b < tokens[i].byte_start;
             b++) {
            char ch = text[b];
            if (ch == '\n') {
                has_end = has_space = true;
            } else if (ch == '.' || ch == '!' || ch == '?') {
                has_end = true;
            } else if (ch == ' ' && has_end) {
                has_space = true;
            }
        }
        starts[i] = has_end && has_space;
    }

    /* Begin at the sentence holding the first match when it starts
     * close enough before it; else centre the matches in the window and
     * snap to token boundaries. */
    size_t first = 0;
    bool at_sentence = true;
    if (best_count > 0) {
        size_t s = best_first;
        while (!starts[s])
            s--;
        if (tokens[best_first].char_start - tokens[s].char_start <=
            SNIPPET_LEAD_MAX) {
            first = s;
        } else {
            at_sentence = false;
            size_t span =
                tokens[best_last].char_end - tokens[best_first].char_start;
            size_t slack =
                span < SNIPPET_CHARS ? (SNIPPET_CHARS - span) / 2 : 0;
            size_t start_char = tokens[best_first].char_start > slack
                                    ? tokens[best_first].char_start - slack
                                    : 0;
            if (n_chars > SNIPPET_CHARS &&
                start_char + SNIPPET_CHARS > n_chars)
                start_char = n_chars - SNIPPET_CHARS;
            while (first < best_first && tokens[first].char_start < start_char)
                first++;
            if (start_char == 0)
                first = 0;
            at_sentence = starts[first];
        }
    }
    size_t start_byte = first == 0 ? 0 : tokens[first].byte_start;
    size_t end_limit = tokens[first].char_start + SNIPPET_CHARS;
    size_t last = first;
    while (last + 1 < tokens.size() && tokens[last + 1].char_end <= end_limit)
        last++;
    /* End at the last sentence end in the window past its matches and
     * its first half, with the sentence's punctuation. */
    size_t end_byte =
        last + 1 == tokens.size() ? text.size() : tokens[last].byte_end;
    bool at_end = last + 1 == tokens.size();
    if (!at_end) {
        size_t min_last = best_count > 0 ? std::max(best_last, first) : first;
        for (size_t j = last; j >= min_last && j > first; j--) {
            if (!starts[j + 1] ||
                tokens[j].char_end <
                    tokens[first].char_start + SNIPPET_CHARS / 2)
                continue;
            last = j;
            end_byte = tokens[j].byte_end;
            size_t gap_end = tokens[j + 1].byte_start;
            while (end_byte < gap_end && text[end_byte] != ' ' &&
                   text[end_byte] != '\n')
                end_byte++; /* "." and a closing quote or bracket */
            at_end = true;
            break;
        }
    }
    if (start_byte > 0 && at_sentence) {
        /* an opening quote or bracket before the sentence's first word */
        size_t b = start_byte;
        while (b > 0 && text[b - 1] != ' ' && text[b - 1] != '\n' &&
               (b == start_byte || b > tokens[first - 1].byte_end))
            b--;
        if (b >= tokens[first - 1].byte_end)
            start_byte = b;
    }

    std::string out;
    if (start_byte > 0 && !at_sentence)
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
    if (end_byte < text.size() && !at_end)
        out += "\u2026";
    return out;
}

} /* namespace mindex_impl */
