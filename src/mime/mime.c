/* mime.c: what the other files of the module share (declared in mime-private.h): the defect
   notes kept in mime_message.defects, the two string checks every file needs
   (mime_clean_or_null, mime_utf8_printable), and mime_init/mime_deinit. The rest of the module:
   mime-parse.c (mime_parse, the walk of the MIME tree and its bounds), mime-headers.c
   (addresses, message-ids, the envelope, the header list), mime-text.c (charsets, HTML to
   text, the text of a body part) and mime-compose.c (mime_compose).

   mime: the one boundary where hostile raw mail becomes a bounded, validated struct
   mime_message (mime_parse), and where our own notices become RFC 5322 text (mime_compose).

   Trusts: GMime 3 to tokenise MIME (headers, boundaries, transfer encodings, RFC 2047/2231) and
   to bound its own recursion (it stops at 1024/512 levels); GLib's iconv for charsets; callers
   of mime_compose for what a notice says, never for its syntax.
   Does not trust: any byte of raw mail, nor any string GMime hands back from it. Every string
   leaving mime_parse is re-cleaned to UTF-8 without control characters and bounded by limits.h;
   addresses and message-ids are syntax-checked here; our walk of the MIME tree is bounded in
   depth and part count; HTML is reduced to text by one linear scan (no quadratic searches). */
#include "mime.h"

#include "core.h"
#include "mime-private.h"
#include "pd-limits.h"

#include <stdarg.h>
#include <string.h>

#include <gmime/gmime.h>

/* ---------------------------------------------------------------- defects */

void mime_defect_add(struct defects *d, const char *fmt, ...)
{
	va_list ap;
	char *note = NULL;

	if (d->count > PD_MAX_DEFECTS)
		goto out;
	va_start(ap, fmt);
	note = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_strdelimit(note, ";", ',');
	if (strstr(d->text->str, note) != NULL)
		goto out;
	if (d->text->len > 0)
		g_string_append_c(d->text, ';');
	g_string_append(d->text, ++d->count > PD_MAX_DEFECTS ? "more defects" : note);
out:
	g_free(note);
}

char *mime_defects_finish(const struct defects *d)
{
	if (d->text->len == 0)
		return NULL;
	return pd_utf8_clean(d->text->str, PD_MAX_HEADER_VALUE, 0);
}

/* ---------------------------------------------------------------- syntax checks */

/* Cleaned, stripped copy of s, or NULL when s is NULL or nothing is left. */
char *mime_clean_or_null(const char *s, size_t max)
{
	char *c;

	if (s == NULL)
		return NULL;
	c = g_strstrip(pd_utf8_clean(s, max, 0));
	if (c[0] == '\0') {
		g_free(c);
		return NULL;
	}
	return c;
}

/* Valid UTF-8 without control characters (C0, DEL, C1): what pd_utf8_clean leaves alone. */
int mime_utf8_printable(const char *s, size_t max)
{
	char *c = pd_utf8_clean(s, max, 0);
	int ok = strlen(s) <= max && strcmp(c, s) == 0 && strchr(s, '\n') == NULL;

	g_free(c);
	return ok;
}

/* ---------------------------------------------------------------- init */

void mime_init(void)
{
	g_mime_init();
}

void mime_deinit(void)
{
	g_mime_shutdown();
}
