/* errors: the one way admin-file parsers collect and report their errors. */
#include "errors.h"

struct error_line {
	unsigned file, line, seq;
	char *text;
};

struct pd_errors {
	GArray *lines; /* struct error_line */
	unsigned listed, kept, dropped;
};

struct pd_errors *pd_errors_new(unsigned listed, unsigned kept)
{
	struct pd_errors *e = g_new0(struct pd_errors, 1);
	e->lines = g_array_new(FALSE, FALSE, sizeof(struct error_line));
	e->listed = listed;
	e->kept = MAX(kept, listed);
	return e;
}

void pd_errors_free(struct pd_errors **errors)
{
	struct pd_errors *e = *errors;
	if (e == NULL)
		return;
	for (guint i = 0; i < e->lines->len; i++)
		g_free(g_array_index(e->lines, struct error_line, i).text);
	g_array_free(e->lines, TRUE);
	g_free(e);
	*errors = NULL;
}

void pd_errors_addv(struct pd_errors *e, unsigned file_order, const char *file, unsigned line,
		    const char *fmt, va_list ap)
{
	struct error_line l = { .file = file_order, .line = line, .seq = e->lines->len };

	if (e->lines->len >= e->kept) {
		e->dropped++;
		return;
	}
	char *msg = g_strdup_vprintf(fmt, ap);
	if (file == NULL || line == 0) {
		l.text = msg;
		l.line = 0;
	} else {
		l.text = g_strdup_printf("%s:%u: %s", file, line, msg);
		g_free(msg);
	}
	g_array_append_val(e->lines, l);
}

void pd_errors_add(struct pd_errors *e, unsigned file_order, const char *file, unsigned line,
		   const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pd_errors_addv(e, file_order, file, line, fmt, ap);
	va_end(ap);
}

unsigned pd_errors_count(const struct pd_errors *e)
{
	return e->lines->len + e->dropped;
}

static gint line_cmp(gconstpointer a, gconstpointer b)
{
	const struct error_line *x = a, *y = b;

	if (x->file != y->file)
		return x->file < y->file ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

char *pd_errors_text(struct pd_errors *e)
{
	GString *s = g_string_new(NULL);
	unsigned total = pd_errors_count(e);

	g_array_sort(e->lines, line_cmp);
	for (guint i = 0; i < e->lines->len && i < e->listed; i++) {
		if (i > 0)
			g_string_append_c(s, '\n');
		g_string_append(s, g_array_index(e->lines, struct error_line, i).text);
	}
	if (total > e->listed)
		g_string_append_printf(s, "\n%u more errors not listed", total - e->listed);
	return g_string_free(s, FALSE);
}
