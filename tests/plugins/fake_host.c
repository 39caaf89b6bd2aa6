/* The fake host and the fixture cases (real experiences, abridged). */
#include "fake_host.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Fixtures ---------------------------------------------------------- */

#define ATTACHMENT_SHA                                                        \
    "3a1f5e0c9b7d2e4f6a8c0b1d3e5f7a9c2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0f"

const char fixture_attachment[] =
    "Relatório anual do Orçamento Participativo, 2003.\n";

static const struct minga_attachment porto_alegre_attachments[] = {
    {"docs/relatório 2003.txt", ATTACHMENT_SHA, "text/plain",
     sizeof fixture_attachment - 1, "Relatório anual"}};
static const char *const porto_alegre_targets[] = {"11.3", "16.7"};
static const char *const porto_alegre_tags[] = {"participação", "orçamento"};
static const char *const rosario_targets[] = {"2.4", "11.7"};
static const char *const rosario_tags[] = {"agricultura urbana",
                                           "seguridad alimentaria"};
static const char *const hostile_tags[] = {"a;b", " padded "};

static const char porto_alegre_body[] =
    "# Origem\n\n"
    "Em **1989** a prefeitura abriu o orçamento de investimentos a "
    "*assembleias* regionais e temáticas.\n\n"
    "- 16 regiões\n- 6 temas\n- um Conselho do Orçamento\n\n"
    "<script>alert('body')</script>\n\n"
    "[clique](javascript:alert(1)) e [site](https://www.portoalegre.rs.gov.br)"
    "\n";

#define ROSARIO_PARAGRAPH                                                     \
    "Las huertas comunitarias ocupan terrenos vacantes de la ciudad; las "    \
    "familias producen verduras agroecológicas, las venden en ferias y "     \
    "agregan valor en agroindustrias sociales. El municipio cede tierras, "   \
    "el INTA y ProHuerta aportan semillas y asistencia técnica.\n\n"
#define ROSARIO_4                                                             \
    ROSARIO_PARAGRAPH ROSARIO_PARAGRAPH ROSARIO_PARAGRAPH ROSARIO_PARAGRAPH
static const char rosario_body[] =
    "## Cómo funciona\n\n" ROSARIO_4 ROSARIO_4 ROSARIO_4 ROSARIO_4
    "1. Ferias\n2. Parques huerta\n3. Agroindustrias\n\n" ROSARIO_4 ROSARIO_4
        ROSARIO_4 ROSARIO_4 ROSARIO_4 ROSARIO_4 ROSARIO_4;

const char *const fixture_titles[N_FIXTURE_CASES] = {
    "Orçamento Participativo de Porto Alegre",
    "Programa de Agricultura Urbana de Rosario",
    "<script>alert(1)</script> & \"quotes\""};

const struct minga_case fixture_cases[N_FIXTURE_CASES] = {
    {
        .struct_size = sizeof(struct minga_case),
        .id = "porto-alegre-orcamento-participativo",
        .title = "Orçamento Participativo de Porto Alegre",
        .summary = "Cidadãos decidem, em assembleias, o \"orçamento\" de "
                   "investimentos da cidade.",
        .body = porto_alegre_body,
        .language = "pt",
        .city = "Porto Alegre",
        .country = "BR",
        .region = "Rio Grande do Sul",
        .year_start = 1989,
        .year_end = 2004,
        .goal_mask = (1u << 11) | (1u << 16),
        .targets = porto_alegre_targets,
        .n_targets = 2,
        .level_mask = MINGA_LEVEL_LOCAL,
        .actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_CIVIL_SOCIETY |
                      MINGA_ACTOR_COMMUNITY,
        .tags = porto_alegre_tags,
        .n_tags = 2,
        .source_url = "https://www.portoalegre.rs.gov.br/op",
        .license = "CC-BY-4.0",
        .attachments = porto_alegre_attachments,
        .n_attachments = 1,
    },
    {
        .struct_size = sizeof(struct minga_case),
        .id = "rosario-agricultura-urbana",
        .title = "Programa de Agricultura Urbana de Rosario",
        .summary = "Desde 2002 el municipio de Rosario apoya huertas y "
                   "parques huerta en tierras vacantes, con ferias "
                   "propias.",
        .body = rosario_body,
        .language = "es",
        .city = "Rosario",
        .country = "AR",
        .region = "Santa Fe",
        .year_start = 2002,
        .goal_mask = (1u << 2) | (1u << 11) | (1u << 12),
        .targets = rosario_targets,
        .n_targets = 2,
        .level_mask = MINGA_LEVEL_LOCAL | MINGA_LEVEL_NATIONAL,
        .actor_mask = MINGA_ACTOR_PUBLIC_SECTOR | MINGA_ACTOR_ACADEMIA |
                      MINGA_ACTOR_COMMUNITY |
                      MINGA_ACTOR_INTERNATIONAL_ORGANIZATION,
        .tags = rosario_tags,
        .n_tags = 2,
        .source_url = "https://www.rosario.gob.ar/",
    },
    {
        .struct_size = sizeof(struct minga_case),
        .id = "hostile-title",
        .title = "<script>alert(1)</script> & \"quotes\"",
        .summary = "<b>not bold</b> & <img src=x onerror=alert(2)>",
        .language = "en",
        .city = "Montevideo",
        .country = "UY",
        .year_start = 2010,
        .goal_mask = 1u << 6,
        .level_mask = MINGA_LEVEL_REGIONAL,
        .tags = hostile_tags,
        .n_tags = 2,
    },
};

/* ---- Host functions ---------------------------------------------------- */

static const struct minga_goal_info goals[17] = {
#define GOAL(n, color, es, pt, en)                                            \
    {                                                                         \
        sizeof(struct minga_goal_info), n, color, es, pt, en, es, pt, en      \
    }
    GOAL(1, "#E5243B", "Fin de la pobreza", "Erradicação da pobreza",
         "No poverty"),
    GOAL(2, "#DDA63A", "Hambre cero", "Fome zero e agricultura sustentável",
         "Zero hunger"),
    GOAL(3, "#4C9F38", "Salud y bienestar", "Saúde e bem-estar",
         "Good health and well-being"),
    GOAL(4, "#C5192D", "Educación de calidad", "Educação de qualidade",
         "Quality education"),
    GOAL(5, "#FF3A21", "Igualdad de género", "Igualdade de gênero",
         "Gender equality"),
    GOAL(6, "#26BDE2", "Agua limpia y saneamiento",
         "Água potável e saneamento", "Clean water and sanitation"),
    GOAL(7, "#FCC30B", "Energía asequible y no contaminante",
         "Energia limpa e acessível", "Affordable and clean energy"),
    GOAL(8, "#A21942", "Trabajo decente y crecimiento económico",
         "Trabalho decente e crescimento econômico",
         "Decent work and economic growth"),
    GOAL(9, "#FD6925", "Industria, innovación e infraestructura",
         "Indústria, inovação e infraestrutura",
         "Industry, innovation and infrastructure"),
    GOAL(10, "#DD1367", "Reducción de las desigualdades",
         "Redução das desigualdades", "Reduced inequalities"),
    GOAL(11, "#FD9D24", "Ciudades y comunidades sostenibles",
         "Cidades e comunidades sustentáveis",
         "Sustainable cities and communities"),
    GOAL(12, "#BF8B2E", "Producción y consumo responsables",
         "Consumo e produção responsáveis",
         "Responsible consumption and production"),
    GOAL(13, "#3F7E44", "Acción por el clima",
         "Ação contra a mudança global do clima", "Climate action"),
    GOAL(14, "#0A97D9", "Vida submarina", "Vida na água", "Life below water"),
    GOAL(15, "#56C02B", "Vida de ecosistemas terrestres", "Vida terrestre",
         "Life on land"),
    GOAL(16, "#00689D", "Paz, justicia e instituciones sólidas",
         "Paz, justiça e instituições eficazes",
         "Peace, justice and strong institutions"),
    GOAL(17, "#19486A", "Alianzas para lograr los objetivos",
         "Parcerias e meios de implementação", "Partnerships for the goals"),
#undef GOAL
};

static int host_write(struct minga_export_ctx *ctx, const void *data,
                      size_t len)
{
    if (ctx->len + len + 1 > ctx->cap) {
        size_t cap = ctx->cap ? ctx->cap : 4096;
        while (cap < ctx->len + len + 1)
            cap *= 2;
        char *grown = realloc(ctx->data, cap);
        if (!grown)
            return MINGA_ENOMEM;
        ctx->data = grown;
        ctx->cap = cap;
    }
    memcpy(ctx->data + ctx->len, data, len);
    ctx->len += len;
    ctx->data[ctx->len] = '\0';
    return MINGA_OK;
}

static const struct minga_export_info *
host_export_info(struct minga_export_ctx *ctx)
{
    return &ctx->info;
}

static int host_attachment_read(struct minga_export_ctx *ctx,
                                const char *sha256, const void **data,
                                size_t *len)
{
    ctx->n_attachment_reads++;
    if (strcmp(sha256, ATTACHMENT_SHA) != 0)
        return MINGA_ENOTFOUND;
    *data = fixture_attachment;
    *len = sizeof fixture_attachment - 1;
    return MINGA_OK;
}

static const struct minga_goal_info *host_goal_info(int number)
{
    return number >= 1 && number <= 17 ? &goals[number - 1] : NULL;
}

static int lang_index(const char *lang)
{
    return strcmp(lang, "es") == 0 ? 0 : strcmp(lang, "pt") == 0 ? 1 : 2;
}

static int bit_index(uint32_t bit)
{
    int index = 0;
    while (bit > 1) {
        bit >>= 1;
        index++;
    }
    return index;
}

static const char *host_level_label(uint32_t level_bit, const char *lang)
{
    static const char *const labels[MINGA_N_LEVELS][3] = {
        {"Local", "Local", "Local"},
        {"Regional", "Regional", "Regional"},
        {"Nacional", "Nacional", "National"},
        {"Multilateral", "Multilateral", "Multilateral"}};
    int index = bit_index(level_bit);
    return index < MINGA_N_LEVELS ? labels[index][lang_index(lang)] : NULL;
}

static const char *host_actor_label(uint32_t actor_bit, const char *lang)
{
    static const char *const labels[MINGA_N_ACTORS][3] = {
        {"Sector público", "Setor público", "Public sector"},
        {"Sociedad civil", "Sociedade civil", "Civil society"},
        {"Sector privado", "Setor privado", "Private sector"},
        {"Academia", "Academia", "Academia"},
        {"Comunidad", "Comunidade", "Community"},
        {"Organismos internacionales", "Organizações internacionais",
         "International organizations"}};
    int index = bit_index(actor_bit);
    return index < MINGA_N_ACTORS ? labels[index][lang_index(lang)] : NULL;
}

static const char *host_country_name(const char *alpha2)
{
    if (strcmp(alpha2, "BR") == 0)
        return "Brazil";
    if (strcmp(alpha2, "AR") == 0)
        return "Argentina";
    if (strcmp(alpha2, "UY") == 0)
        return "Uruguay";
    if (strcmp(alpha2, "KR") == 0)
        return "Korea, Republic of";
    return NULL;
}

static const struct minga_host_api host = {
    .struct_size = sizeof(struct minga_host_api),
    .abi_major = MINGA_ABI_MAJOR,
    .abi_minor = MINGA_ABI_MINOR,
    .write = host_write,
    .export_info = host_export_info,
    .attachment_read = host_attachment_read,
    .goal_info = host_goal_info,
    .level_label = host_level_label,
    .actor_label = host_actor_label,
    .country_name = host_country_name,
};

int fake_host_export(struct minga_export_ctx *ctx, const char *module_path,
                     const char *lang, const char **media_type)
{
    return fake_host_export_cases(ctx, module_path, lang, media_type,
                                  fixture_cases, N_FIXTURE_CASES);
}

int fake_host_export_cases(struct minga_export_ctx *ctx,
                           const char *module_path, const char *lang,
                           const char **media_type,
                           const struct minga_case *cases, size_t n_cases)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->info = (struct minga_export_info){sizeof(struct minga_export_info),
                                           "participación ciudadana",
                                           "sdg:11 level:local",
                                           lang,
                                           n_cases,
                                           "2024-05-06T14:30:00Z",
                                           "0.1.0"};
    /* The host keeps plugins loaded for the life of the process. */
    void *module = dlopen(module_path, RTLD_NOW | RTLD_LOCAL);
    if (!module) {
        fprintf(stderr, "dlopen %s: %s\n", module_path, dlerror());
        return MINGA_ENOTFOUND;
    }
    const struct minga_plugin_desc *desc = dlsym(module, MINGA_PLUGIN_SYMBOL);
    if (!desc || desc->abi_major != MINGA_ABI_MAJOR ||
        desc->struct_size > sizeof *desc ||
        desc->kind != MINGA_PLUGIN_EXPORTER || !desc->exporter)
        return MINGA_EINVAL;
    const struct minga_exporter *exporter = desc->exporter;
    if (media_type)
        *media_type = exporter->media_type;
    void *state = NULL;
    int rc = exporter->begin(&host, ctx, &state);
    for (size_t i = 0; rc == MINGA_OK && i < n_cases; i++)
        rc = exporter->write_case(state, &cases[i]);
    if (state) {
        int finish_rc = exporter->finish(state, rc == MINGA_OK);
        if (rc == MINGA_OK)
            rc = finish_rc;
    }
    return rc;
}
