/*
 * gen_corpus: a deterministic corpus of synthetic city case studies for the
 * benchmarks, valid under the case format v1 (shared/docs/case-format.md).
 *
 *   gen_corpus --n N --out DIR [--seed S] [--sdg data/sdg.json]
 *              [--queries 200] [--dict-dir /usr/share/dict]
 *
 * Writes into DIR:
 *   cases.jsonl      one case a line; ~10% name an attachment att/ID.txt
 *   att/ID.txt       the attachments (extra text, same language)
 *   cases.tar.gz     the same cases as ID.json files plus att/ID.txt
 *   queries.tsv      the fixed query mix: "GOAL<TAB>words" (GOAL 0 = none)
 *   corpus.env       sizes for bench/run.sh (N, TEXT_BYTES, ...)
 *
 * Languages, countries, goals, levels and actors follow the spread of
 * data/sample (15 es, 13 pt, 10 en of 38). Words are drawn Zipf-like
 * (p(rank r) ~ 1/r) from Debian's word lists (wspanish, wportuguese,
 * wamerican), after a seeded shuffle, with a few dozen function words and
 * domain words of each language at the top ranks so the text has the
 * shape of real prose. Summary + body are about 3 KB. The same seed and N
 * give byte-identical output (the tar.gz has fixed times and no gzip
 * timestamp).
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* -- random numbers: splitmix64 ------------------------------------------ */

static uint64_t rng_state;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double rng_unit(void) /* [0, 1) */
{
    return (double)(rng_next() >> 11) * (1.0 / 9007199254740992.0);
}

static unsigned rng_range(unsigned lo, unsigned hi) /* [lo, hi] */
{
    return lo + (unsigned)(rng_next() % (uint64_t)(hi - lo + 1));
}

static int rng_chance(double p)
{
    return rng_unit() < p;
}

static unsigned pick_weighted(const double *w, unsigned n)
{
    double total = 0;
    for (unsigned i = 0; i < n; i++)
        total += w[i];
    double x = rng_unit() * total;
    for (unsigned i = 0; i < n; i++) {
        if (x < w[i])
            return i;
        x -= w[i];
    }
    return n - 1;
}

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "gen_corpus: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory");
    return p;
}

/* -- a growable string --------------------------------------------------- */

struct buf {
    char *s;
    size_t len, cap;
};

static void buf_reserve(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->s = xrealloc(b->s, cap);
    b->cap = cap;
}

static void buf_add(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = 0;
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char tmp[512];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        die("buf_printf: too long");
    buf_add(b, tmp, (size_t)n);
}

static void buf_clear(struct buf *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}

/* A JSON string literal of s (ASCII controls escaped; UTF-8 kept). */
static void buf_json(struct buf *b, const char *s, size_t n)
{
    buf_reserve(b, n + 2);
    buf_add(b, "\"", 1);
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = NULL;
        char tmp[8];
        if (ch == '"')
            esc = "\\\"";
        else if (ch == '\\')
            esc = "\\\\";
        else if (ch == '\n')
            esc = "\\n";
        else if (ch == '\t')
            esc = "\\t";
        else if (ch < 0x20) {
            snprintf(tmp, sizeof tmp, "\\u%04x", ch);
            esc = tmp;
        }
        if (esc) {
            buf_add(b, s + start, i - start);
            buf_puts(b, esc);
            start = i + 1;
        }
    }
    buf_add(b, s + start, n - start);
    buf_add(b, "\"", 1);
}

static void buf_json_str(struct buf *b, const char *s)
{
    buf_json(b, s, strlen(s));
}

/* -- languages and vocabularies ------------------------------------------ */

enum {
    L_ES,
    L_PT,
    L_EN,
    N_LANGS
};

static const char *const LANG_CODE[N_LANGS] = {"es", "pt", "en"};
static const char *const DICT_FILE[N_LANGS] = {"spanish", "portuguese",
                                               "american-english"};
/* data/sample: 15 es, 13 pt, 10 en */
static const double LANG_WEIGHT[N_LANGS] = {15, 13, 10};

/* Function words, then domain words: the top ranks, in this order. */
static const char *const TOP_WORDS[N_LANGS] = {
    "de la que el en y a los se del las un por con no una su para es al lo "
    "como más o pero sus le ha si sin sobre este entre cuando todo esta ser "
    "son dos también fue había muy años hasta desde está porque "
    "ciudad municipal programa proyecto barrio vecinos gobierno política "
    "desarrollo agua transporte presupuesto participativo comunidad "
    "servicios públicos espacio urbano salud educación vivienda residuos "
    "reciclaje energía movilidad participación sostenible",
    "de a o que e do da em um para é com não uma os no se na por mais as "
    "dos como mas foi ao ele das tem à seu sua ou ser quando muito há nos "
    "já está também só pelo pela até isso entre era depois sem mesmo aos "
    "cidade municipal programa projeto bairro moradores governo política "
    "desenvolvimento água transporte orçamento participativo comunidade "
    "serviços públicos espaço urbano saúde educação moradia resíduos "
    "reciclagem energia mobilidade participação sustentável",
    "the of and to a in is that for it as was with be by on not this are "
    "or from at which but have an they were has would when if will more "
    "can its who out about up what some into them than only other then "
    "city municipal program project neighborhood residents government "
    "policy development water transport budget participatory community "
    "services public space urban health education housing waste recycling "
    "energy mobility participation sustainable"};

static const char *const HEADINGS[N_LANGS][6] = {
    {"Contexto", "Funcionamiento", "Resultados", "Actores", "Financiamiento",
     "Lecciones aprendidas"},
    {"Contexto", "Funcionamento", "Resultados", "Atores", "Financiamento",
     "Lições aprendidas"},
    {"Context", "How it works", "Results", "Actors", "Funding",
     "Lessons learned"}};

struct vocab {
    char **words;
    size_t n;
    size_t n_top;      /* function + domain words at ranks 0..n_top-1 */
    size_t n_function; /* function words only (excluded from titles) */
    double *cdf;       /* cumulative Zipf weights, cdf[n-1] = 1 */
};

static struct vocab vocabs[N_LANGS];

/* Keeps lower-case words only: no capitals (names), apostrophes ("AA's"),
 * digits or punctuation; UTF-8 letters beyond ASCII are kept. */
static int is_plain_word(const char *w)
{
    size_t n = strlen(w);
    if (n < 2 || n > 24)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)w[i];
        if (ch >= 0x80)
            continue;
        if (ch < 'a' || ch > 'z')
            return 0;
    }
    /* Latin-1 capitals in UTF-8 (C3 80..C3 9E): proper nouns */
    for (size_t i = 0; i + 1 < n; i++)
        if ((unsigned char)w[i] == 0xC3 && (unsigned char)w[i + 1] >= 0x80 &&
            (unsigned char)w[i + 1] <= 0x9E)
            return 0;
    return 1;
}

static int in_list(char **list, size_t n, const char *w)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], w) == 0)
            return 1;
    return 0;
}

#define VOCAB_MAX 100000

static void load_vocab(int lang, const char *dict_dir)
{
    struct vocab *v = &vocabs[lang];
    size_t cap = 1024;
    v->words = xmalloc(cap * sizeof *v->words);
    v->n = 0;
    /* the top words */
    char *top = strdup(TOP_WORDS[lang]);
    int domain = 0;
    for (char *tok = strtok(top, " "); tok; tok = strtok(NULL, " ")) {
        if (!domain &&
            (strcmp(tok, "ciudad") == 0 || strcmp(tok, "cidade") == 0 ||
             strcmp(tok, "city") == 0)) {
            domain = 1;
            v->n_function = v->n;
        }
        v->words[v->n++] = strdup(tok);
    }
    free(top);
    v->n_top = v->n;

    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dict_dir, DICT_FILE[lang]);
    FILE *f = fopen(path, "r");
    if (!f)
        die("%s: %s (install wspanish, wportuguese, wamerican)", path,
            strerror(errno));
    char **all = NULL;
    size_t n_all = 0, cap_all = 0;
    char line[256];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = 0;
        if (!is_plain_word(line))
            continue;
        if (n_all == cap_all) {
            cap_all = cap_all ? cap_all * 2 : 65536;
            all = xrealloc(all, cap_all * sizeof *all);
        }
        all[n_all++] = strdup(line);
    }
    fclose(f);
    if (n_all < 1000)
        die("%s: only %zu usable words", path, n_all);
    /* seeded Fisher-Yates: the rank of a word is arbitrary but fixed */
    for (size_t i = n_all - 1; i > 0; i--) {
        size_t j = (size_t)(rng_next() % (i + 1));
        char *t = all[i];
        all[i] = all[j];
        all[j] = t;
    }
    for (size_t i = 0; i < n_all && v->n < VOCAB_MAX; i++) {
        if (in_list(v->words, v->n_top, all[i]))
            continue; /* freed below */
        if (v->n == cap) {
            cap *= 2;
            v->words = xrealloc(v->words, cap * sizeof *v->words);
        }
        v->words[v->n++] = all[i];
        all[i] = NULL;
    }
    for (size_t i = 0; i < n_all; i++)
        free(all[i]);
    free(all);

    /* Zipf, exponent 1: weight of rank r (0-based) is 1 / (r + 1). */
    v->cdf = xmalloc(v->n * sizeof *v->cdf);
    double total = 0;
    for (size_t r = 0; r < v->n; r++) {
        total += 1.0 / (double)(r + 1);
        v->cdf[r] = total;
    }
    for (size_t r = 0; r < v->n; r++)
        v->cdf[r] /= total;
}

static size_t zipf_rank(const struct vocab *v)
{
    double x = rng_unit();
    size_t lo = 0, hi = v->n - 1;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (v->cdf[mid] < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const char *word_any(int lang)
{
    return vocabs[lang].words[zipf_rank(&vocabs[lang])];
}

/* A content word: not a function word. */
static const char *word_content(int lang)
{
    const struct vocab *v = &vocabs[lang];
    for (;;) {
        size_t r = zipf_rank(v);
        if (r >= v->n_function)
            return v->words[r];
    }
}

/* Appends w with its first letter upper-cased (ASCII and Latin-1). */
static void buf_capitalized(struct buf *b, const char *w)
{
    unsigned char c0 = (unsigned char)w[0];
    if (c0 >= 'a' && c0 <= 'z') {
        char up = (char)(c0 - 32);
        buf_add(b, &up, 1);
        buf_puts(b, w + 1);
    } else if (c0 == 0xC3 && (unsigned char)w[1] >= 0xA0 &&
               (unsigned char)w[1] <= 0xBE && (unsigned char)w[1] != 0xB7) {
        char up[2] = {(char)0xC3, (char)((unsigned char)w[1] - 0x20)};
        buf_add(b, up, 2);
        buf_puts(b, w + 2);
    } else {
        buf_puts(b, w);
    }
}

static void gen_sentence(struct buf *b, int lang)
{
    unsigned n = rng_range(6, 18);
    for (unsigned i = 0; i < n; i++) {
        const char *w = word_any(lang);
        if (i == 0) {
            buf_capitalized(b, w);
        } else {
            buf_add(b, " ", 1);
            buf_puts(b, w);
        }
        if (i + 1 < n && i > 1 && rng_chance(0.07))
            buf_add(b, ",", 1);
    }
    buf_add(b, ".", 1);
}

static void gen_paragraph(struct buf *b, int lang, unsigned min_s,
                          unsigned max_s)
{
    unsigned n = rng_range(min_s, max_s);
    for (unsigned i = 0; i < n; i++) {
        if (i)
            buf_add(b, " ", 1);
        gen_sentence(b, lang);
    }
}

/* -- places ---------------------------------------------------------------- */

struct place {
    const char *country, *city, *slug, *region;
};

static const struct place PLACES[] = {
    {"BR", "Porto Alegre", "porto-alegre", "Rio Grande do Sul"},
    {"BR", "Curitiba", "curitiba", "Paraná"},
    {"BR", "Belo Horizonte", "belo-horizonte", "Minas Gerais"},
    {"BR", "Rio de Janeiro", "rio-de-janeiro", "Rio de Janeiro"},
    {"BR", "São Paulo", "sao-paulo", "São Paulo"},
    {"BR", "Recife", "recife", "Pernambuco"},
    {"BR", "Niterói", "niteroi", "Rio de Janeiro"},
    {"BR", "Sobral", "sobral", "Ceará"},
    {"BR", "Fortaleza", "fortaleza", "Ceará"},
    {"BR", "Belém", "belem", "Pará"},
    {"CO", "Bogotá", "bogota", "Bogotá D.C."},
    {"CO", "Medellín", "medellin", "Antioquia"},
    {"CO", "Cali", "cali", "Valle del Cauca"},
    {"CO", "Barranquilla", "barranquilla", "Atlántico"},
    {"CO", "Manizales", "manizales", "Caldas"},
    {"AR", "Rosario", "rosario", "Santa Fe"},
    {"AR", "Buenos Aires", "buenos-aires", "Ciudad Autónoma de Buenos Aires"},
    {"AR", "Córdoba", "cordoba", "Córdoba"},
    {"AR", "Mendoza", "mendoza", "Mendoza"},
    {"CL", "Santiago", "santiago", "Región Metropolitana"},
    {"CL", "Valparaíso", "valparaiso", "Valparaíso"},
    {"CL", "Concepción", "concepcion", "Biobío"},
    {"EC", "Quito", "quito", "Pichincha"},
    {"EC", "Cuenca", "cuenca", "Azuay"},
    {"EC", "Guayaquil", "guayaquil", "Guayas"},
    {"ES", "Barcelona", "barcelona", "Cataluña"},
    {"ES", "Madrid", "madrid", "Comunidad de Madrid"},
    {"ES", "Sevilla", "sevilla", "Andalucía"},
    {"MX", "Ciudad de México", "ciudad-de-mexico", NULL},
    {"MX", "Guadalajara", "guadalajara", "Jalisco"},
    {"MX", "Monterrey", "monterrey", "Nuevo León"},
    {"PY", "Asunción", "asuncion", NULL},
    {"PY", "Encarnación", "encarnacion", "Itapúa"},
    {"UY", "Montevideo", "montevideo", "Montevideo"},
    {"UY", "Salto", "salto", "Salto"},
    {"IN", "Pune", "pune", "Maharashtra"},
    {"IN", "Ahmedabad", "ahmedabad", "Gujarat"},
    {"IN", "Surat", "surat", "Gujarat"},
    {"IN", "Indore", "indore", "Madhya Pradesh"},
    {"KR", "Seoul", "seoul", NULL},
    {"KR", "Suwon", "suwon", "Gyeonggi"},
    {"KR", "Gwangju", "gwangju", NULL},
    {"ZA", "Cape Town", "cape-town", "Western Cape"},
    {"ZA", "Durban", "durban", "KwaZulu-Natal"},
    {"ZA", "Johannesburg", "johannesburg", "Gauteng"},
    {"UG", "Kampala", "kampala", NULL},
    {"UG", "Jinja", "jinja", "Eastern Region"},
    {"US", "New York City", "new-york-city", "New York"},
    {"US", "Chicago", "chicago", "Illinois"},
    {"US", "Portland", "portland", "Oregon"},
};
#define N_PLACES (sizeof PLACES / sizeof PLACES[0])

/* Country weights per language, from data/sample. */
struct country_weight {
    const char *code;
    double w;
};
static const struct country_weight COUNTRIES_ES[] = {
    {"CO", 6}, {"AR", 3}, {"CL", 2}, {"EC", 2},
    {"ES", 1}, {"MX", 1}, {"PY", 1}, {"UY", 1}};
static const struct country_weight COUNTRIES_PT[] = {{"BR", 13}};
static const struct country_weight COUNTRIES_EN[] = {
    {"IN", 2}, {"KR", 2}, {"ZA", 1}, {"UG", 1},
    {"US", 1}, {"CO", 1}, {"ES", 1}};

static const struct place *pick_place(int lang)
{
    const struct country_weight *cw;
    unsigned n;
    if (lang == L_ES)
        cw = COUNTRIES_ES, n = sizeof COUNTRIES_ES / sizeof *cw;
    else if (lang == L_PT)
        cw = COUNTRIES_PT, n = sizeof COUNTRIES_PT / sizeof *cw;
    else
        cw = COUNTRIES_EN, n = sizeof COUNTRIES_EN / sizeof *cw;
    double w[16];
    for (unsigned i = 0; i < n; i++)
        w[i] = cw[i].w;
    const char *code = cw[pick_weighted(w, n)].code;
    const struct place *c[16];
    unsigned nc = 0;
    for (size_t i = 0; i < N_PLACES; i++)
        if (strcmp(PLACES[i].country, code) == 0)
            c[nc++] = &PLACES[i];
    return c[rng_next() % nc];
}

/* -- goals, targets, levels, actors (data/sample frequencies) ------------ */

static const double GOAL_WEIGHT[18] = {0, 5,  5,  7, 3,  4, 6, 2, 6,
                                       4, 11, 30, 5, 12, 2, 3, 7, 4};
/* how many goals a case has: 1: 1, 2: 8, 3: 17, 4: 12 */
static const double N_GOALS_WEIGHT[4] = {1, 8, 17, 12};

static char **targets[18];
static size_t n_targets[18];

static void load_targets(const char *sdg_path)
{
    json_error_t err;
    json_t *root = json_load_file(sdg_path, 0, &err);
    if (!root)
        die("%s:%d: %s", sdg_path, err.line, err.text);
    json_t *goals = json_object_get(root, "goals");
    size_t i;
    json_t *g;
    json_array_foreach(goals, i, g)
    {
        int num = (int)json_integer_value(json_object_get(g, "number"));
        if (num < 1 || num > 17)
            die("%s: bad goal number", sdg_path);
        json_t *ts = json_object_get(g, "targets");
        n_targets[num] = json_array_size(ts);
        targets[num] = xmalloc(n_targets[num] * sizeof(char *));
        for (size_t k = 0; k < n_targets[num]; k++)
            targets[num][k] = strdup(json_string_value(json_array_get(ts, k)));
    }
    json_decref(root);
    for (int num = 1; num <= 17; num++)
        if (!n_targets[num])
            die("%s: goal %d has no targets", sdg_path, num);
}

static const char *const LEVELS[4] = {"local", "regional", "national",
                                      "multilateral"};
static const double LEVEL_P[4] = {35.0 / 38, 5.0 / 38, 8.0 / 38, 7.0 / 38};
static const char *const ACTORS[6] = {
    "public_sector", "civil_society", "private_sector",
    "academia",      "community",     "international_organization"};
static const double ACTOR_P[6] = {1.0,      16.0 / 38, 5.0 / 38,
                                  6.0 / 38, 23.0 / 38, 8.0 / 38};

/* -- one case ---------------------------------------------------------------- */

struct gen_case {
    struct buf json; /* the case object, one line */
    struct buf att;  /* attachment text, empty when none */
    char id[64];
    size_t text_bytes; /* title, tags, city, region, summary, body */
};

static void gen_case(struct gen_case *gc, size_t index)
{
    buf_clear(&gc->json);
    buf_clear(&gc->att);
    gc->text_bytes = 0;
    double lw[N_LANGS];
    memcpy(lw, LANG_WEIGHT, sizeof lw);
    int lang = (int)pick_weighted(lw, N_LANGS);
    const struct place *pl = pick_place(lang);
    snprintf(gc->id, sizeof gc->id, "%s-%07zu", pl->slug, index);

    struct buf title = {0}, summary = {0}, body = {0};
    unsigned nt = rng_range(3, 7);
    for (unsigned i = 0; i < nt; i++) {
        if (i)
            buf_add(&title, " ", 1);
        buf_capitalized(&title, word_content(lang));
    }
    buf_printf(&title, " (%s)", pl->city);

    gen_paragraph(&summary, lang, 3, 5);
    /* summary + body about 3 KB (2.6-3.4 KB) */
    size_t target = rng_range(2600, 3400);
    int h = 0;
    while (summary.len + 1 + body.len < target) {
        if (body.len)
            buf_puts(&body, "\n\n");
        buf_puts(&body, "## ");
        buf_puts(&body, HEADINGS[lang][h++ % 6]);
        buf_puts(&body, "\n\n");
        if (rng_chance(0.3)) {
            unsigned items = rng_range(2, 4);
            for (unsigned i = 0; i < items; i++) {
                buf_puts(&body, i ? "\n- **" : "- **");
                buf_capitalized(&body, word_content(lang));
                buf_puts(&body, ":** ");
                gen_sentence(&body, lang);
            }
        } else {
            gen_paragraph(&body, lang, 2, 5);
        }
    }

    struct buf *j = &gc->json;
    buf_puts(j, "{\"id\":");
    buf_json_str(j, gc->id);
    buf_puts(j, ",\"title\":");
    buf_json(j, title.s, title.len);
    buf_puts(j, ",\"summary\":");
    buf_json(j, summary.s, summary.len);
    buf_puts(j, ",\"body\":");
    buf_json(j, body.s, body.len);
    buf_printf(j, ",\"language\":\"%s\",\"city\":", LANG_CODE[lang]);
    buf_json_str(j, pl->city);
    buf_printf(j, ",\"country\":\"%s\"", pl->country);
    gc->text_bytes += title.len + summary.len + body.len + strlen(pl->city);
    if (pl->region && rng_chance(0.9)) {
        buf_puts(j, ",\"region\":");
        buf_json_str(j, pl->region);
        gc->text_bytes += strlen(pl->region);
    }
    int year_start = (int)rng_range(1975, 2023);
    buf_printf(j, ",\"year_start\":%d", year_start);
    if (rng_chance(0.1)) {
        int year_end = year_start + (int)rng_range(1, 15);
        if (year_end > 2025)
            year_end = 2025;
        buf_printf(j, ",\"year_end\":%d", year_end);
    }

    /* goals: 1-4 distinct, by sample frequency */
    int goals[4], ng = (int)pick_weighted(N_GOALS_WEIGHT, 4) + 1;
    double gw[18];
    memcpy(gw, GOAL_WEIGHT, sizeof gw);
    buf_puts(j, ",\"sdg_goals\":[");
    for (int i = 0; i < ng; i++) {
        goals[i] = (int)pick_weighted(gw, 18);
        gw[goals[i]] = 0;
        buf_printf(j, "%s%d", i ? "," : "", goals[i]);
    }
    buf_puts(j, "]");
    if (rng_chance(0.7)) {
        /* 1-2 official targets of the case's own goals */
        unsigned ntg = rng_range(1, 2);
        const char *chosen[2] = {NULL, NULL};
        buf_puts(j, ",\"sdg_targets\":[");
        for (unsigned i = 0; i < ntg; i++) {
            int g = goals[rng_next() % (unsigned)ng];
            const char *t = targets[g][rng_next() % n_targets[g]];
            if (i && strcmp(t, chosen[0]) == 0)
                break;
            chosen[i] = t;
            buf_printf(j, "%s\"%s\"", i ? "," : "", t);
        }
        buf_puts(j, "]");
    }
    buf_puts(j, ",\"levels\":[");
    int nl = 0;
    for (int i = 0; i < 4; i++)
        if (rng_chance(LEVEL_P[i]))
            buf_printf(j, "%s\"%s\"", nl++ ? "," : "", LEVELS[i]);
    if (!nl)
        buf_puts(j, "\"local\"");
    buf_puts(j, "],\"actors\":[");
    int na = 0;
    for (int i = 0; i < 6; i++)
        if (rng_chance(ACTOR_P[i]))
            buf_printf(j, "%s\"%s\"", na++ ? "," : "", ACTORS[i]);
    buf_puts(j, "],\"tags\":[");
    unsigned ntags = rng_range(2, 4);
    for (unsigned i = 0; i < ntags; i++) {
        struct buf tag = {0};
        buf_puts(&tag, word_content(lang));
        if (rng_chance(0.5)) {
            buf_add(&tag, " ", 1);
            buf_puts(&tag, word_content(lang));
        }
        if (i)
            buf_add(j, ",", 1);
        buf_json(j, tag.s, tag.len);
        gc->text_bytes += tag.len;
        free(tag.s);
    }
    buf_puts(j, "]");
    if (rng_chance(0.1)) {
        /* a TXT attachment of extra text, 1.5-6 KB */
        size_t att_target = rng_range(1500, 6000);
        while (gc->att.len < att_target) {
            if (gc->att.len)
                buf_puts(&gc->att, "\n\n");
            gen_paragraph(&gc->att, lang, 3, 6);
        }
        buf_add(&gc->att, "\n", 1);
        buf_printf(j, ",\"attachments\":[\"att/%s.txt\"]", gc->id);
    }
    buf_printf(j, ",\"source_url\":\"https://cases.example.org/%s\"", gc->id);
    buf_puts(j, ",\"license\":\"CC-BY-4.0\"}");
    free(title.s);
    free(summary.s);
    free(body.s);
}

/* -- the query mix ------------------------------------------------------------ */

/* 1-3 words of one language, ranks log-uniform in [top, 20000) so the mix
 * spans frequent domain words to rare ones; half with a goal filter. */
static void gen_queries(const char *path, unsigned n)
{
    FILE *f = fopen(path, "w");
    if (!f)
        die("%s: %s", path, strerror(errno));
    for (unsigned i = 0; i < n; i++) {
        double lw[N_LANGS];
        memcpy(lw, LANG_WEIGHT, sizeof lw);
        int lang = (int)pick_weighted(lw, N_LANGS);
        const struct vocab *v = &vocabs[lang];
        int goal = 0;
        if (i % 2 == 1) {
            double gw[18];
            memcpy(gw, GOAL_WEIGHT, sizeof gw);
            goal = (int)pick_weighted(gw, 18);
        }
        unsigned nw = rng_range(1, 3);
        fprintf(f, "%d\t", goal);
        for (unsigned k = 0; k < nw; k++) {
            double lo = log((double)v->n_function);
            double hi = log(20000.0 < (double)v->n ? 20000.0 : (double)v->n);
            size_t r = (size_t)exp(lo + rng_unit() * (hi - lo));
            if (r >= v->n)
                r = v->n - 1;
            fprintf(f, "%s%s", k ? " " : "", v->words[r]);
        }
        fprintf(f, "\n");
    }
    if (fclose(f))
        die("%s: %s", path, strerror(errno));
}

/* -- output ------------------------------------------------------------------ */

static void write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f))
        die("%s: %s", path, strerror(errno));
}

static void tar_add(struct archive *a, struct archive_entry *e,
                    const char *name, const char *data, size_t len)
{
    archive_entry_clear(e);
    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t)len);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, 1700000000, 0);
    archive_entry_set_uname(e, "minga");
    archive_entry_set_gname(e, "minga");
    if (archive_write_header(a, e) != ARCHIVE_OK)
        die("tar: %s", archive_error_string(a));
    if (archive_write_data(a, data, len) != (la_ssize_t)len)
        die("tar: %s", archive_error_string(a));
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

static void usage(void)
{
    fprintf(stderr,
            "usage: gen_corpus --n N --out DIR [--seed S] [--sdg FILE]\n"
            "                  [--queries N] [--dict-dir DIR] [--no-tar]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    size_t n = 0;
    uint64_t seed = 42;
    unsigned n_queries = 200;
    const char *out = NULL, *sdg = "data/sdg.json";
    const char *dict_dir = "/usr/share/dict";
    int want_tar = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--no-tar") == 0) {
            want_tar = 0;
            continue;
        }
        if (!v)
            usage();
        if (strcmp(a, "--n") == 0)
            n = strtoull(v, NULL, 10);
        else if (strcmp(a, "--seed") == 0)
            seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--out") == 0)
            out = v;
        else if (strcmp(a, "--sdg") == 0)
            sdg = v;
        else if (strcmp(a, "--queries") == 0)
            n_queries = (unsigned)strtoul(v, NULL, 10);
        else if (strcmp(a, "--dict-dir") == 0)
            dict_dir = v;
        else
            usage();
        i++;
    }
    if (!n || !out)
        usage();

    rng_state = seed;
    load_targets(sdg);
    for (int l = 0; l < N_LANGS; l++)
        load_vocab(l, dict_dir);

    char path[4096];
    mkdir(out, 0755);
    snprintf(path, sizeof path, "%s/att", out);
    mkdir(path, 0755);

    /* The query mix comes from its own stream so that it is the same for
     * every corpus size of one seed. */
    uint64_t saved = rng_state;
    rng_state = seed ^ 0x5175657279ull;
    snprintf(path, sizeof path, "%s/queries.tsv", out);
    gen_queries(path, n_queries);
    rng_state = saved;

    snprintf(path, sizeof path, "%s/cases.jsonl", out);
    FILE *jl = fopen(path, "wb");
    if (!jl)
        die("%s: %s", path, strerror(errno));
    static char jl_buf[1 << 20];
    setvbuf(jl, jl_buf, _IOFBF, sizeof jl_buf);

    struct archive *a = NULL;
    struct archive_entry *e = NULL;
    if (want_tar) {
        a = archive_write_new();
        archive_write_set_format_pax_restricted(a);
        archive_write_add_filter_gzip(a);
        archive_write_set_options(a,
                                  "gzip:!timestamp,gzip:compression-level=6");
        snprintf(path, sizeof path, "%s/cases.tar.gz", out);
        if (archive_write_open_filename(a, path) != ARCHIVE_OK)
            die("%s: %s", path, archive_error_string(a));
        e = archive_entry_new();
    }

    struct gen_case gc = {0};
    unsigned long long text_bytes = 0, att_bytes = 0, n_att = 0;
    for (size_t i = 0; i < n; i++) {
        gen_case(&gc, i);
        text_bytes += gc.text_bytes;
        if (fwrite(gc.json.s, 1, gc.json.len, jl) != gc.json.len ||
            fputc('\n', jl) == EOF)
            die("cases.jsonl: %s", strerror(errno));
        char name[128];
        if (gc.att.len) {
            n_att++;
            att_bytes += gc.att.len;
            snprintf(path, sizeof path, "%s/att/%s.txt", out, gc.id);
            write_file(path, gc.att.s, gc.att.len);
        }
        if (want_tar) {
            snprintf(name, sizeof name, "%s.json", gc.id);
            tar_add(a, e, name, gc.json.s, gc.json.len);
            if (gc.att.len) {
                snprintf(name, sizeof name, "att/%s.txt", gc.id);
                tar_add(a, e, name, gc.att.s, gc.att.len);
            }
        }
    }
    if (fclose(jl))
        die("cases.jsonl: %s", strerror(errno));
    if (want_tar) {
        archive_entry_free(e);
        if (archive_write_close(a) != ARCHIVE_OK)
            die("tar: %s", archive_error_string(a));
        archive_write_free(a);
    }

    snprintf(path, sizeof path, "%s/corpus.env", out);
    FILE *env = fopen(path, "w");
    if (!env)
        die("%s: %s", path, strerror(errno));
    snprintf(path, sizeof path, "%s/cases.jsonl", out);
    long long jsonl_bytes = file_size(path);
    snprintf(path, sizeof path, "%s/cases.tar.gz", out);
    long long tgz_bytes = want_tar ? file_size(path) : 0;
    fprintf(env,
            "N=%zu\nSEED=%llu\nTEXT_BYTES=%llu\nATT_BYTES=%llu\nN_ATT=%llu\n"
            "ALL_TEXT_BYTES=%llu\nJSONL_BYTES=%lld\nTGZ_BYTES=%lld\n"
            "VOCAB_ES=%zu\nVOCAB_PT=%zu\nVOCAB_EN=%zu\n",
            n, (unsigned long long)seed, text_bytes, att_bytes, n_att,
            text_bytes + att_bytes, jsonl_bytes, tgz_bytes, vocabs[L_ES].n,
            vocabs[L_PT].n, vocabs[L_EN].n);
    fclose(env);
    free(gc.json.s);
    free(gc.att.s);
    return 0;
}
