/*
 * The briefing's charts as standalone SVG: horizontal bars, one row per
 * goal (in the official SDG colours), level of government or country.
 * Text is XML-escaped; fonts are generic families so nothing is fetched.
 */
#include <string.h>

#include "briefing.h"
#include "l10n.h"
#include "labels.h"

struct svg_bar {
    const char *label;
    const char *color;
    uint64_t value;
    int badge; /* goal number drawn in a square, 0 for none */
};

enum {
    SVG_WIDTH = 720,
    SVG_TOP = 44,
    SVG_ROW = 26,
    SVG_BAR_X = 340,
    SVG_BAR_MAX = 320
};

static void svg_bars(struct exp_out *out, const char *title,
                     const struct svg_bar *bars, size_t n_bars)
{
    uint64_t max_value = 1;
    for (size_t i = 0; i < n_bars; i++)
        if (bars[i].value > max_value)
            max_value = bars[i].value;
    int height = SVG_TOP + (int)n_bars * SVG_ROW + 10;
    exp_out_printf(out,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" "
                   "height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
                   " font-size=\"13\">\n<title>",
                   SVG_WIDTH, height, SVG_WIDTH, height);
    exp_out_html(out, title);
    exp_out_puts(out, "</title>\n<rect width=\"100%\" height=\"100%\" "
                      "fill=\"#ffffff\"/>\n<text x=\"12\" y=\"24\" "
                      "font-size=\"16\" font-weight=\"bold\" "
                      "fill=\"#1a1a1a\">");
    exp_out_html(out, title);
    exp_out_puts(out, "</text>\n");
    for (size_t i = 0; i < n_bars; i++) {
        const struct svg_bar *bar = &bars[i];
        int y = SVG_TOP + (int)i * SVG_ROW;
        int label_x = 12;
        exp_out_puts(out, "<g>");
        if (bar->badge) {
            exp_out_printf(out,
                           "<rect x=\"12\" y=\"%d\" width=\"22\" "
                           "height=\"22\" rx=\"3\" fill=\"%s\"/>"
                           "<text x=\"23\" y=\"%d\" text-anchor=\"middle\""
                           " font-weight=\"bold\" fill=\"%s\">%d</text>",
                           y, bar->color, y + 16, briefing_ink_on(bar->color),
                           bar->badge);
            label_x = 42;
        }
        exp_out_printf(out, "<text x=\"%d\" y=\"%d\" fill=\"#1a1a1a\">",
                       label_x, y + 16);
        /* Long names are cut so they never run into the bars. */
        char label[48];
        snprintf(label, sizeof label, "%s", bar->label ? bar->label : "");
        if (bar->label && strlen(bar->label) >= sizeof label) {
            size_t cut = sizeof label - 4;
            while (cut > 0 && ((unsigned char)label[cut] & 0xC0) == 0x80)
                cut--;
            strcpy(label + cut, "…");
        }
        exp_out_html(out, label);
        exp_out_puts(out, "</text>");
        int width =
            (int)((double)bar->value / (double)max_value * SVG_BAR_MAX);
        if (bar->value > 0 && width < 2)
            width = 2;
        exp_out_printf(out,
                       "<rect x=\"%d\" y=\"%d\" width=\"%d\" "
                       "height=\"18\" fill=\"%s\"/>"
                       "<text x=\"%d\" y=\"%d\" fill=\"#1a1a1a\">%llu"
                       "</text></g>\n",
                       SVG_BAR_X, y + 2, width, bar->color,
                       SVG_BAR_X + width + 6, y + 16,
                       (unsigned long long)bar->value);
    }
    exp_out_puts(out, "</svg>\n");
}

void briefing_chart_goals(struct exp_out *out, const struct exp_l10n *l10n,
                          const struct exp_stats *stats)
{
    const struct minga_host_api *host = l10n->host;
    const char *lang = l10n->lang;
    struct svg_bar bars[17];
    for (int g = 1; g <= 17; g++) {
        bars[g - 1] = (struct svg_bar){exp_goal_name(host->goal_info(g), lang),
                                       briefing_goal_color(host, g),
                                       stats->per_goal[g], g};
    }
    svg_bars(out, exp_label(EXP_L_PER_GOAL, lang), bars, 17);
}

void briefing_chart_levels(struct exp_out *out, const struct exp_l10n *l10n,
                           const struct exp_stats *stats)
{
    const char *lang = l10n->lang;
    static const char *const level_colors[MINGA_N_LEVELS] = {
        "#2f6f8f", "#4f8f6f", "#8f6f2f", "#6f4f8f"};
    struct svg_bar bars[MINGA_N_LEVELS];
    for (unsigned i = 0; i < MINGA_N_LEVELS; i++)
        bars[i] = (struct svg_bar){exp_level_label(i, lang), level_colors[i],
                                   stats->per_level[i], 0};
    svg_bars(out, exp_label(EXP_L_PER_LEVEL, lang), bars, MINGA_N_LEVELS);
}

void briefing_chart_countries(struct exp_out *out, const struct exp_l10n *l10n,
                              const struct exp_stats *stats)
{
    const char *lang = l10n->lang;
    struct exp_country_count top[EXP_TOP_COUNTRIES];
    uint64_t n_other = 0;
    size_t n_top =
        exp_stats_top_countries(stats, top, EXP_TOP_COUNTRIES, &n_other);
    struct svg_bar bars[EXP_TOP_COUNTRIES + 1];
    for (size_t i = 0; i < n_top; i++) {
        bars[i] = (struct svg_bar){exp_country_name(l10n, top[i].code),
                                   "#2f6f8f", top[i].n_cases, 0};
    }
    size_t n_bars = n_top;
    if (n_other > 0)
        bars[n_bars++] = (struct svg_bar){exp_label(EXP_L_OTHER, lang),
                                          "#9a9a9a", n_other, 0};
    svg_bars(out, exp_label(EXP_L_PER_COUNTRY, lang), bars, n_bars);
}
