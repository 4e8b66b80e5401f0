/* digest/chart: a bar chart as PNG bytes, drawn with cairo in memory (no file, no display),
   for the statutory report's figures (cases a month, with the on-time rate as a line).
   Trusts nothing of its input: sizes, counts and colours are checked, titles and labels must
   be UTF-8 (cairo draws them as text and nothing else). Deterministic: the same input gives
   the same pixels on one machine (the font is fontconfig's "DejaVu Sans").

   The layout: the title on top; the bars' scale on the left (0 to a round number, four or
   five gridlines); each bar's value above it and its label under it (turned 45 degrees when
   the labels are wider than the bars' slots, cut with an ellipsis when too long even then);
   the line, when given, on a 0-100 % scale with its own axis on the right. A line value that
   is NaN is a gap (a month with nothing completed has no on-time rate). */
#include "digest.h"
#include "core.h"
#include "pd-limits.h"

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <math.h>
#include <string.h>

#define CHART_TEXT_GREY 0.2
#define CHART_GRID_GREY 0.87
#define CHART_PAD 8.0
/* No count comes near; the bound keeps the scale's arithmetic finite. */
#define CHART_MAX_VALUE 1e12
/* Below this a bar has no height: the scale is the one of an empty chart. */
#define CHART_MIN_SCALE 1e-9

/* The line series: a blue the bars are unlikely to use. */
static const double chart_line_rgb[3] = { 0x00 / 255.0, 0x5e / 255.0, 0xa5 / 255.0 };

struct chart {
	cairo_t *cr;
	double width, height;
	double font, title_font;       /* sizes in pixels */
	double value_font;             /* 0: values not shown */
	double left, right, top, bottom; /* the plot area */
	double max_value, step;        /* the bars' scale: 0 to max_value by step */
	int turned;                    /* labels at 45 degrees */
	double label_room;             /* the longest a label may be drawn */
	const char *title;
	const char *const *labels;
	const double *values, *line;
	size_t n;
	double rgb[DIGEST_CHART_MAX_BARS][3];
};

/* ---- input ---- */

/* "#rrggbb" only: a name or a short form is refused rather than guessed. */
static int chart_colour(const char *s, double rgb[3])
{
	if (s == NULL || strlen(s) != 7 || s[0] != '#')
		return 0;
	for (int i = 1; i < 7; i++) {
		if (!g_ascii_isxdigit(s[i]))
			return 0;
	}
	for (int c = 0; c < 3; c++)
		rgb[c] = (g_ascii_xdigit_value(s[1 + 2 * c]) * 16 +
			  g_ascii_xdigit_value(s[2 + 2 * c])) / 255.0;
	return 1;
}

static int chart_check_bar(struct chart *ch, size_t i, const char *const *colours,
			   char **error_r)
{
	const char *label = ch->labels != NULL ? ch->labels[i] : NULL;

	if (!(ch->values[i] >= 0 && ch->values[i] <= CHART_MAX_VALUE))
		return error_set(error_r, 0, "chart: bar %zu: a value must be a number from 0 to "
				 "10^12", i + 1);
	if (!chart_colour(colours[i], ch->rgb[i]))
		return error_set(error_r, 0, "chart: bar %zu: colour \"%s\" is not #rrggbb", i + 1,
				 colours[i] != NULL ? colours[i] : "(none)");
	if (label != NULL && !g_utf8_validate(label, -1, NULL))
		return error_set(error_r, 0, "chart: bar %zu: the label is not UTF-8", i + 1);
	if (ch->line != NULL && !isnan(ch->line[i]) && !(ch->line[i] >= 0 && ch->line[i] <= 100))
		return error_set(error_r, 0, "chart: bar %zu: the line's value is not 0-100 %%",
				 i + 1);
	return 1;
}

static int chart_check(struct chart *ch, const char *const *colours, int width, int height,
		       char **error_r)
{
	if (ch->n > DIGEST_CHART_MAX_BARS)
		return error_set(error_r, 0, "chart: %zu bars, at most %d can be read", ch->n,
				 DIGEST_CHART_MAX_BARS);
	if (width < DIGEST_CHART_MIN_SIDE || width > DIGEST_CHART_MAX_SIDE ||
	    height < DIGEST_CHART_MIN_SIDE || height > DIGEST_CHART_MAX_SIDE)
		return error_set(error_r, 0, "chart: %dx%d pixels: each side must be %d to %d",
				 width, height, DIGEST_CHART_MIN_SIDE, DIGEST_CHART_MAX_SIDE);
	if (ch->n > 0 && (ch->values == NULL || colours == NULL))
		return error_set(error_r, 0, "chart: bars need values and colours");
	if (ch->title != NULL && !g_utf8_validate(ch->title, -1, NULL))
		return error_set(error_r, 0, "chart: the title is not UTF-8");
	for (size_t i = 0; i < ch->n; i++) {
		if (!chart_check_bar(ch, i, colours, error_r))
			return 0;
	}
	return 1;
}

/* ---- layout ---- */

/* A round scale above the highest bar: steps of 1, 2 or 5 times a power of ten, whole
   numbers when every value is one (counts are never shown as 0.5). */
static void chart_scale(struct chart *ch)
{
	double most = 0, raw, mag;
	int whole = 1;

	for (size_t i = 0; i < ch->n; i++) {
		most = MAX(most, ch->values[i]);
		whole = whole && ch->values[i] == floor(ch->values[i]);
	}
	raw = most > CHART_MIN_SCALE ? most / 4 : 0.25;
	mag = pow(10, floor(log10(raw)));
	ch->step = raw <= mag ? mag : raw <= 2 * mag ? 2 * mag : raw <= 5 * mag ? 5 * mag :
		   10 * mag;
	if (whole && ch->step < 1)
		ch->step = 1;
	ch->max_value = MAX(ch->step, ceil(most / ch->step - 1e-9) * ch->step);
}

static void chart_font(struct chart *ch, double size, int bold)
{
	cairo_select_font_face(ch->cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
			       bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
	cairo_set_font_size(ch->cr, size);
}

static double chart_text_width(struct chart *ch, const char *text)
{
	cairo_text_extents_t ext;

	cairo_text_extents(ch->cr, text, &ext);
	return ext.x_advance;
}

/* A number as the chart shows it: whole numbers without decimals. buf: 32 bytes. */
static const char *chart_number(char *buf, double v)
{
	return g_ascii_formatd(buf, 32, v == floor(v) && v < 1e15 ? "%.0f" : "%.1f", v);
}

static double chart_slot(const struct chart *ch)
{
	return (ch->right - ch->left) / (double)MAX(ch->n, 1);
}

/* Labels go flat when each fits its slot, else at 45 degrees in a band under the plot of at
   most 30 % of the height; the first label, hanging left of its bar, must stay on the image
   (the left margin grows to a quarter of the width for it, then labels are cut). */
static void chart_layout_labels(struct chart *ch)
{
	double widest = 0;

	for (size_t i = 0; ch->labels != NULL && i < ch->n; i++) {
		if (ch->labels[i] != NULL)
			widest = MAX(widest, chart_text_width(ch, ch->labels[i]));
	}
	ch->turned = widest > chart_slot(ch) * 0.9;
	if (!ch->turned) {
		ch->label_room = chart_slot(ch);
		ch->bottom = ch->height - CHART_PAD - ch->font * 1.6;
		return;
	}
	ch->label_room = MIN(widest, ch->height * 0.3 * G_SQRT2);
	ch->left = MAX(ch->left, MIN(ch->width / 4, ch->label_room / G_SQRT2 -
				     chart_slot(ch) / 2));
	ch->label_room = MIN(ch->label_room, (ch->left + chart_slot(ch) / 2) * G_SQRT2);
	ch->bottom = ch->height - CHART_PAD - ch->label_room / G_SQRT2 - ch->font;
}

static void chart_layout_values(struct chart *ch);

static void chart_layout(struct chart *ch)
{
	char buf[32];

	ch->font = CLAMP(ch->height / 40, 10, 16);
	ch->title_font = CLAMP(ch->height / 25, 12, 26);
	chart_scale(ch);
	chart_font(ch, ch->font, 0);
	ch->top = CHART_PAD + (ch->title != NULL ? ch->title_font * 1.6 : 0) + ch->font * 1.5;
	ch->left = CHART_PAD + chart_text_width(ch, chart_number(buf, ch->max_value)) +
		   CHART_PAD;
	ch->right = ch->width - CHART_PAD -
		    (ch->line != NULL ? chart_text_width(ch, "100%") + CHART_PAD : 0);
	chart_layout_labels(ch);
	chart_layout_values(ch);
}

/* ---- drawing ---- */

static double chart_y(const struct chart *ch, double value)
{
	return ch->bottom - (ch->bottom - ch->top) * value / ch->max_value;
}

static double chart_bar_x(const struct chart *ch, size_t i)
{
	return ch->left + (ch->right - ch->left) * ((double)i + 0.5) / (double)ch->n;
}

/* Text with its centre (align 0.5), left (0) or right (1) at x, its baseline at y. */
static void chart_text(struct chart *ch, const char *text, double x, double y, double align)
{
	cairo_move_to(ch->cr, x - chart_text_width(ch, text) * align, y);
	cairo_show_text(ch->cr, text);
}

static void chart_grid(struct chart *ch)
{
	cairo_t *cr = ch->cr;
	char buf[32];

	cairo_set_line_width(cr, 1);
	for (double v = 0; v <= ch->max_value + ch->step / 2; v += ch->step) {
		double y = floor(chart_y(ch, v)) + 0.5;
		cairo_set_source_rgb(cr, CHART_GRID_GREY, CHART_GRID_GREY, CHART_GRID_GREY);
		cairo_move_to(cr, ch->left, y);
		cairo_line_to(cr, ch->right, y);
		cairo_stroke(cr);
		cairo_set_source_rgb(cr, CHART_TEXT_GREY, CHART_TEXT_GREY, CHART_TEXT_GREY);
		chart_text(ch, chart_number(buf, v), ch->left - CHART_PAD / 2, y + ch->font * 0.35,
			   1);
	}
}

/* Whole pixels, so each bar is its own colour edge to edge. */
/* The values' size: the labels', else smaller, else none at all when the widest does not fit
   its slot even then (sixty bars on a small chart): numbers drawn over each other read as
   wrong ones, and sizes differing from bar to bar look like emphasis. */
static void chart_layout_values(struct chart *ch)
{
	double widest = 0, room = chart_slot(ch) - 2;
	char buf[32];

	for (size_t i = 0; i < ch->n; i++)
		widest = MAX(widest, chart_text_width(ch, chart_number(buf, ch->values[i])));
	ch->value_font = widest <= room ? ch->font : widest * 0.75 <= room ? ch->font * 0.75 : 0;
}

static void chart_value(struct chart *ch, size_t i, double top)
{
	char buf[32];

	if (ch->value_font == 0)
		return;
	chart_font(ch, ch->value_font, 0);
	cairo_set_source_rgb(ch->cr, CHART_TEXT_GREY, CHART_TEXT_GREY, CHART_TEXT_GREY);
	chart_text(ch, chart_number(buf, ch->values[i]), chart_bar_x(ch, i),
		   top - ch->font * 0.4, 0.5);
	chart_font(ch, ch->font, 0);
}

static void chart_bars(struct chart *ch)
{
	double w = MAX(1, floor(MIN(chart_slot(ch) * 0.7, 120)));

	for (size_t i = 0; i < ch->n; i++) {
		double x = floor(chart_bar_x(ch, i) - w / 2);
		double top = round(chart_y(ch, ch->values[i]));
		if (ch->bottom - top >= 1) {
			cairo_set_source_rgb(ch->cr, ch->rgb[i][0], ch->rgb[i][1], ch->rgb[i][2]);
			cairo_rectangle(ch->cr, x, top, w, round(ch->bottom) - top);
			cairo_fill(ch->cr);
		}
		chart_value(ch, i, top);
	}
}

/* The label cut to `room` pixels with an ellipsis. g_malloc'd. */
static char *chart_fit(struct chart *ch, const char *label, double room)
{
	/* Nothing longer fits any chart: measuring stays cheap whatever the caller passes. */
	glong chars = MIN(g_utf8_strlen(label, -1), 200);
	char *s = g_utf8_substring(label, 0, chars);

	while (chars > 0 && chart_text_width(ch, s) > room) {
		char *cut = g_utf8_substring(label, 0, --chars);
		g_free(s);
		s = g_strconcat(cut, "\u2026", NULL);
		g_free(cut);
	}
	return s;
}

/* Turned labels a line's height apart at least: every `every`-th bar is labelled when the
   bars are narrower than that (the first always). */
static size_t chart_label_every(const struct chart *ch)
{
	double apart = chart_slot(ch) / G_SQRT2;

	if (!ch->turned || apart >= ch->font * 1.2)
		return 1;
	return (size_t)ceil(ch->font * 1.2 / MAX(apart, 0.1));
}

static void chart_labels(struct chart *ch)
{
	size_t every = chart_label_every(ch);

	cairo_set_source_rgb(ch->cr, CHART_TEXT_GREY, CHART_TEXT_GREY, CHART_TEXT_GREY);
	for (size_t i = 0; ch->labels != NULL && i < ch->n; i++) {
		char *text;
		if (ch->labels[i] == NULL || i % every != 0)
			continue;
		text = chart_fit(ch, ch->labels[i], ch->label_room);
		if (!ch->turned) {
			chart_text(ch, text, chart_bar_x(ch, i), ch->bottom + ch->font * 1.3, 0.5);
		} else {
			/* Ends under its bar, reading up to the right. */
			cairo_save(ch->cr);
			cairo_translate(ch->cr, chart_bar_x(ch, i) + ch->font * 0.3,
					ch->bottom + ch->font * 0.6);
			cairo_rotate(ch->cr, -G_PI / 4);
			chart_text(ch, text, 0, 0, 1);
			cairo_restore(ch->cr);
		}
		g_free(text);
	}
}

static double chart_line_y(const struct chart *ch, double pct)
{
	return ch->bottom - (ch->bottom - ch->top) * pct / 100;
}

static void chart_line_axis(struct chart *ch)
{
	cairo_t *cr = ch->cr;
	char buf[32];

	cairo_set_source_rgb(cr, chart_line_rgb[0], chart_line_rgb[1], chart_line_rgb[2]);
	cairo_set_line_width(cr, 1);
	cairo_move_to(cr, floor(ch->right) + 0.5, ch->top);
	cairo_line_to(cr, floor(ch->right) + 0.5, ch->bottom);
	cairo_stroke(cr);
	for (int pct = 0; pct <= 100; pct += 25) {
		char *text = g_strconcat(chart_number(buf, pct), "%", NULL);
		chart_text(ch, text, ch->right + CHART_PAD / 2,
			   chart_line_y(ch, pct) + ch->font * 0.35, 0);
		g_free(text);
	}
}

static void chart_line(struct chart *ch)
{
	cairo_t *cr = ch->cr;
	/* Points no wider than half a bar's slot. */
	double radius = CLAMP(chart_slot(ch) / 4, 1.5, 4);
	int drawing = 0;

	chart_line_axis(ch);
	cairo_set_line_width(cr, MIN(2.5, radius));
	cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
	for (size_t i = 0; i < ch->n; i++) {
		if (isnan(ch->line[i])) {
			drawing = 0;
			continue;
		}
		if (drawing)
			cairo_line_to(cr, chart_bar_x(ch, i), chart_line_y(ch, ch->line[i]));
		else
			cairo_move_to(cr, chart_bar_x(ch, i), chart_line_y(ch, ch->line[i]));
		drawing = 1;
	}
	cairo_stroke(cr);
	for (size_t i = 0; i < ch->n; i++) {
		if (isnan(ch->line[i]))
			continue;
		cairo_arc(cr, chart_bar_x(ch, i), chart_line_y(ch, ch->line[i]), radius, 0,
			  2 * G_PI);
		cairo_fill(cr);
	}
}

static void chart_title(struct chart *ch)
{
	char *title;

	chart_font(ch, ch->title_font, 1);
	title = chart_fit(ch, ch->title, ch->width - 2 * CHART_PAD);
	cairo_set_source_rgb(ch->cr, CHART_TEXT_GREY, CHART_TEXT_GREY, CHART_TEXT_GREY);
	chart_text(ch, title, ch->width / 2, CHART_PAD + ch->title_font, 0.5);
	chart_font(ch, ch->font, 0);
	g_free(title);
}

static void chart_draw(struct chart *ch)
{
	cairo_t *cr = ch->cr;

	cairo_set_source_rgb(cr, 1, 1, 1);
	cairo_paint(cr);
	chart_layout(ch);
	if (ch->title != NULL)
		chart_title(ch);
	chart_grid(ch);
	if (ch->n > 0) {
		chart_bars(ch);
		chart_labels(ch);
	}
	/* The base line last, over the bars' feet. */
	cairo_set_source_rgb(cr, CHART_TEXT_GREY, CHART_TEXT_GREY, CHART_TEXT_GREY);
	cairo_set_line_width(cr, 1);
	cairo_move_to(cr, ch->left, floor(ch->bottom) + 0.5);
	cairo_line_to(cr, ch->right, floor(ch->bottom) + 0.5);
	cairo_stroke(cr);
	if (ch->line != NULL && ch->n > 0)
		chart_line(ch);
}

static cairo_status_t chart_write(void *closure, const unsigned char *data,
				  unsigned int length)
{
	g_byte_array_append(closure, data, length);
	return CAIRO_STATUS_SUCCESS;
}

int digest_chart_png(const char *title, const char *const *labels, const double *values,
		     const char *const *colours, const double *line, size_t n, int width,
		     int height, char **png_r, size_t *len_r, char **error_r)
{
	struct chart ch = { .title = title, .labels = labels, .values = values, .line = line,
			    .n = n, .width = width, .height = height };
	cairo_surface_t *surface = NULL;
	GByteArray *png = g_byte_array_new();
	cairo_status_t status;
	int ret = 0;

	if (!chart_check(&ch, colours, width, height, error_r))
		goto out;
	surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
	ch.cr = cairo_create(surface);
	chart_draw(&ch);
	if ((status = cairo_status(ch.cr)) == CAIRO_STATUS_SUCCESS)
		status = cairo_surface_write_to_png_stream(surface, chart_write, png);
	if (status != CAIRO_STATUS_SUCCESS) {
		error_set(error_r, 0, "chart: cairo: %s", cairo_status_to_string(status));
		goto out;
	}
	*len_r = png->len;
	*png_r = (char *)g_byte_array_free(png, FALSE);
	png = NULL;
	ret = 1;
out:
	if (ch.cr != NULL)
		cairo_destroy(ch.cr);
	if (surface != NULL)
		cairo_surface_destroy(surface);
	if (png != NULL)
		g_byte_array_free(png, TRUE);
	return ret;
}

/* Found by the integration suite under ASan (make check-full): every pdgate command that drew
   a chart (poll sending the digest, report --png, templates render team_digest) ended with
   LeakSanitizer reporting fontconfig's pattern cache, which cairo's toy font API fills and
   never empties. */
void digest_chart_deinit(void)
{
	cairo_debug_reset_static_data();
	FcFini();
}
