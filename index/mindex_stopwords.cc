/*
 * Stopwords: the Snowball lists for Spanish, Portuguese and English
 * (data/stopwords/, built into the binary), folded as the index folds
 * text. One Xapian::SimpleStopper holds the three lists together: the
 * catalog mixes the languages, a query does not say its own, and a
 * stopword only ever makes a word optional (see mindex_query.cc), so a
 * word that is a stopword in one language ("sin", "son") costs a query
 * in another little. Built once a process (a function-local static:
 * thread-safe) and only read afterwards.
 */
#include "mindex_text.h"

extern "C" {
extern const unsigned char minga_stopwords_es[];
extern const size_t minga_stopwords_es_len;
extern const unsigned char minga_stopwords_pt[];
extern const size_t minga_stopwords_pt_len;
extern const unsigned char minga_stopwords_en[];
extern const size_t minga_stopwords_en_len;
}

namespace mindex_impl
{

/* Adds each line of a list (one word a line; "|" starts a comment, as
 * in Snowball's own files) folded. */
static void add_list(Xapian::SimpleStopper &stopper,
                     std::set<std::string> &all, const unsigned char *text,
                     size_t len)
{
    std::string list((const char *)text, len);
    size_t pos = 0;
    while (pos < list.size()) {
        size_t end = list.find('\n', pos);
        if (end == std::string::npos)
            end = list.size();
        std::string line = list.substr(pos, end - pos);
        pos = end + 1;
        size_t bar = line.find('|');
        if (bar != std::string::npos)
            line.resize(bar);
        size_t a = line.find_first_not_of(" \t\r");
        if (a == std::string::npos)
            continue;
        size_t b = line.find_first_of(" \t\r", a);
        std::string word = fold_text(line.substr(
            a, b == std::string::npos ? std::string::npos : b - a));
        if (!word.empty() && all.insert(word).second)
            stopper.add(word);
    }
}

struct Stopwords {
    Xapian::SimpleStopper stopper;
    std::set<std::string> words;
    Stopwords()
    {
        add_list(stopper, words, minga_stopwords_es, minga_stopwords_es_len);
        add_list(stopper, words, minga_stopwords_pt, minga_stopwords_pt_len);
        add_list(stopper, words, minga_stopwords_en, minga_stopwords_en_len);
    }
};

static const Stopwords &stopwords()
{
    static const Stopwords lists;
    return lists;
}

bool is_stopword(const std::string &folded)
{
    return stopwords().stopper(folded);
}

size_t stopword_count()
{
    return stopwords().words.size();
}

} /* namespace mindex_impl */
