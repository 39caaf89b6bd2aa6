/* Canonical names and the es/pt/en label table. */
#include "labels.h"

#include <stdio.h>
#include <string.h>

#include "vocab.h"

/* Columns: es, pt, en. */
static const char *const labels[EXP_L_COUNT_][3] = {
    [EXP_L_CASES] = {"Casos", "Casos", "Cases"},
    [EXP_L_COUNTRIES] = {"Países", "Países", "Countries"},
    [EXP_L_GOALS] = {"Objetivos (ODS)", "Objetivos (ODS)", "Goals (SDGs)"},
    [EXP_L_TARGETS] = {"Metas", "Metas", "Targets"},
    [EXP_L_LEVELS] = {"Niveles de gobierno", "Níveis de governo",
                      "Levels of government"},
    [EXP_L_ACTORS] = {"Actores", "Atores", "Actors"},
    [EXP_L_TAGS] = {"Etiquetas", "Etiquetas", "Tags"},
    [EXP_L_CITY] = {"Ciudad", "Cidade", "City"},
    [EXP_L_REGION] = {"Región", "Região", "Region"},
    [EXP_L_COUNTRY] = {"País", "País", "Country"},
    [EXP_L_YEARS] = {"Años", "Anos", "Years"},
    [EXP_L_YEAR] = {"Año", "Ano", "Year"},
    [EXP_L_SOURCE] = {"Fuente", "Fonte", "Source"},
    [EXP_L_LICENSE] = {"Licencia", "Licença", "License"},
    [EXP_L_SUMMARY] = {"Resumen", "Resumo", "Summary"},
    [EXP_L_ATTACHMENTS] = {"Documentos adjuntos", "Anexos", "Attachments"},
    [EXP_L_QUERY] = {"Búsqueda", "Busca", "Query"},
    [EXP_L_FILTERS] = {"Filtros", "Filtros", "Filters"},
    [EXP_L_GENERATED] = {"Generado", "Gerado em", "Generated"},
    [EXP_L_SELECTION] = {"Selección", "Seleção", "Selection"},
    [EXP_L_NO_QUERY] = {"(sin búsqueda)", "(sem busca)", "(no query)"},
    [EXP_L_NO_FILTERS] = {"(sin filtros)", "(sem filtros)", "(no filters)"},
    [EXP_L_PER_GOAL] = {"Casos por objetivo", "Casos por objetivo",
                        "Cases per goal"},
    [EXP_L_PER_LEVEL] = {"Casos por nivel de gobierno",
                         "Casos por nível de governo",
                         "Cases per level of government"},
    [EXP_L_PER_COUNTRY] = {"Casos por país (15 principales)",
                           "Casos por país (15 principais)",
                           "Cases per country (top 15)"},
    [EXP_L_OTHER] = {"otros", "outros", "other"},
    [EXP_L_ALL_CASES] = {"Todos los casos", "Todos os casos", "All cases"},
    [EXP_L_TRUNCATED] =
        {"El texto continúa: se recortó para caber en dos páginas.",
         "O texto continua: foi cortado para caber em duas páginas.",
         "The text continues: it was cut to fit on two pages."},
    [EXP_L_OVERVIEW] = {"Panorama", "Panorama", "Overview"},
    [EXP_L_LANGUAGE] = {"Idioma", "Idioma", "Language"},
    [EXP_L_TITLE] = {"Título", "Título", "Title"},
    [EXP_L_BODY] = {"Descripción", "Descrição", "Description"},
    [EXP_L_BRIEFING_TITLE] = {"Dossier de casos", "Dossiê de casos",
                              "Case briefing"},
    [EXP_L_SDG_SHORT] = {"ODS", "ODS", "SDG"},
    [EXP_L_TARGET_ONE] = {"Meta", "Meta", "Target"},
    [EXP_L_LEVEL_ONE] = {"Nivel de gobierno", "Nível de governo",
                         "Level of government"},
    [EXP_L_ACTOR_ONE] = {"Actor", "Ator", "Actor"},
    [EXP_L_FROM] = {"desde", "a partir de", "from"},
    [EXP_L_UNTIL] = {"hasta", "até", "until"},
    [EXP_L_CONTENTS] = {"Índice", "Sumário", "Contents"},
    [EXP_L_PAGE] = {"Página", "Página", "Page"},
    [EXP_L_CASE_LANGUAGE] = {"Idioma del caso", "Idioma do caso",
                             "Language of the case"},
    [EXP_L_OPEN_FILE] = {"abrir", "abrir", "open"},
    [EXP_L_RELATED] = {"Experiencias relacionadas",
                       "Experiências relacionadas", "Related experiences"},
    [EXP_L_IN_COMMON] = {"En común", "Em comum", "In common"},
    [EXP_L_NOT_IN_PACK] = {"no está en este dossier", "não está neste dossiê",
                           "not in this briefing"},
    /* a printf format with one %d: the most cases a pack lists them in */
    [EXP_L_RELATED_LIMIT] =
        {"se listan en los dossiers de hasta %d casos; seleccione menos "
         "casos para verlas.",
         "são listadas nos dossiês de até %d casos; selecione menos casos "
         "para vê-las.",
         "listed in briefings of up to %d cases; select fewer cases to see "
         "them."},
};

static int lang_column(const char *lang)
{
    if (lang && strncmp(lang, "es", 2) == 0)
        return 0;
    if (lang && strncmp(lang, "pt", 2) == 0)
        return 1;
    return 2;
}

const char *exp_lang_norm(const char *lang)
{
    static const char *const codes[3] = {"es", "pt", "en"};
    return codes[lang_column(lang)];
}

const char *exp_label(enum exp_label label, const char *lang)
{
    if ((unsigned)label >= EXP_L_COUNT_)
        return "";
    return labels[label][lang_column(lang)];
}

const char *exp_level_label(unsigned index, const char *lang)
{
    const char *label = vocab_level_label(index, exp_lang_norm(lang));
    return label ? label : "";
}

const char *exp_actor_label(unsigned index, const char *lang)
{
    const char *label = vocab_actor_label(index, exp_lang_norm(lang));
    return label ? label : "";
}

const char *exp_goal_name(const struct minga_goal_info *goal, const char *lang)
{
    if (!goal)
        return "";
    const char *names[3] = {goal->name_es, goal->name_pt, goal->name_en};
    const char *name = names[lang_column(lang)];
    if (!name)
        name = goal->name_en;
    return name ? name : "";
}

void exp_format_time(char *buf, size_t size, const char *iso)
{
    int year, month, day, hour, minute;
    if (iso && sscanf(iso, "%4d-%2d-%2dT%2d:%2d", &year, &month, &day, &hour,
                      &minute) == 5)
        snprintf(buf, size, "%04d-%02d-%02d %02d:%02d UTC", year, month, day,
                 hour, minute);
    else
        snprintf(buf, size, "%s", iso ? iso : "");
}
