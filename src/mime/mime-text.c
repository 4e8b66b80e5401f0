/* mime-text.c: the text of a body part as cleaned, bounded UTF-8 (mime_part_text). Holds the
   charset choice and conversion (undeclared or mislabelled 8-bit text, invalid sequences
   replaced by U+FFFD) and the linear HTML-to-text scan (tags, entities, block layout, script
   and style skipped). Which part is the body is chosen by the walk in mime-parse.c. */
#include "mime.h"

#include "core.h"
#include "mime-private.h"
#include "pd-limits.h"

#include <errno.h>
#include <string.h>

#include <gmime/gmime.h>

#define UTF8_REPLACEMENT "\xEF\xBF\xBD"

/* ---------------------------------------------------------------- charsets */

static int charset_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > PD_MAX_CHARSET_NAME)
		return 0;
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("-_.:()+", *p) == NULL)
			return 0;
	}
	return 1;
}

static int is_ascii_charset(const char *canon)
{
	return g_ascii_strcasecmp(canon, "us-ascii") == 0 ||
	       g_ascii_strcasecmp(canon, "ascii") == 0 ||
	       g_ascii_strcasecmp(canon, "ANSI_X3.4-1968") == 0;
}

/* Which iconv name to convert from. Undeclared or ASCII-declared 8-bit text is UTF-8 when it
   validates, else Windows-1252; ISO-8859-1 and friends become their Windows supersets, as
   every mail client does, so "smart quotes" survive. NULL means: not a charset we know. */
static const char *pick_charset(const char *data, size_t len, const char *declared)
{
	const char *canon;

	if (declared == NULL || is_ascii_charset(declared))
		return g_utf8_validate(data, (gssize)len, NULL) ? "UTF-8" : "WINDOWS-1252";
	if (!charset_name_ok(declared))
		return NULL;
	canon = g_mime_charset_canon_name(declared);
	if (canon == NULL)
		return NULL;
	if (is_ascii_charset(canon))
		return g_utf8_validate(data, (gssize)len, NULL) ? "UTF-8" : "WINDOWS-1252";
	return g_mime_charset_iconv_name(g_mime_charset_iso_to_windows(canon));
}

/* Convert all of data through cd into out (at most max bytes), replacing every invalid
   sequence by U+FFFD. Returns the number of replacements. Always makes progress. */
static size_t iconv_all(GIConv cd, const char *data, size_t len, size_t max, GString *out)
{
	gchar *in = (gchar *)data;
	gsize inleft = len;
	size_t bad = 0;
	char buf[4096];

	while (inleft > 0 && out->len < max) {
		gchar *o = buf;
		gsize oleft = sizeof(buf);
		gsize r = g_iconv(cd, &in, &inleft, &o, &oleft);
		int err = errno;
		g_string_append_len(out, buf, o - buf);
		if (r != (gsize)-1 || err == E2BIG)
			continue;
		g_string_append(out, UTF8_REPLACEMENT);
		in++;
		inleft--;
		bad++;
		g_iconv(cd, NULL, NULL, NULL, NULL);
	}
	return bad;
}

static void strip_nuls(GString *s)
{
	size_t j = 0;

	for (size_t i = 0; i < s->len; i++) {
		if (s->str[i] != '\0')
			s->str[j++] = s->str[i];
	}
	g_string_truncate(s, j);
}

/* data in charset `declared` as UTF-8 (not yet cleaned), at most about max bytes. */
static GString *to_utf8(const char *data, size_t len, const char *declared, size_t max,
			struct defects *d)
{
	const char *from = pick_charset(data, len, declared);
	GIConv cd = from == NULL ? (GIConv)-1 : g_iconv_open("UTF-8", from);
	GString *out = g_string_sized_new(MIN(len, max) + 16);
	size_t bad;

	if (cd == (GIConv)-1) {
		char *name = pd_utf8_clean(declared == NULL ? "" : declared, PD_MAX_DEFECT_ITEM, 0);
		mime_defect_add(d, "invalid charset %s", name);
		g_free(name);
		from = "WINDOWS-1252";
		cd = g_iconv_open("UTF-8", from);
	}
	if (cd == (GIConv)-1) {
		g_string_append_len(out, data, (gssize)MIN(len, max));
		goto out;
	}
	bad = iconv_all(cd, data, len, max, out);
	if (bad > 0)
		mime_defect_add(d, "invalid %s text", from);
	g_iconv_close(cd);
out:
	strip_nuls(out);
	return out;
}

/* ---------------------------------------------------------------- HTML to text */

struct html_out {
	GString *s;
	int pending_space;
	int newlines; /* newlines just emitted; -1 at the very start */
};

static void html_char(struct html_out *o, char c)
{
	if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
		o->pending_space = 1;
		return;
	}
	if (o->pending_space && o->newlines == 0)
		g_string_append_c(o->s, ' ');
	o->pending_space = 0;
	o->newlines = 0;
	g_string_append_c(o->s, c);
}

/* Ensure the text ends with at least `want` newlines (1: line break, 2: blank line);
   extra = 1 adds one more, for <br>. Never more than a blank line, never at the start. */
static void html_newline(struct html_out *o, int want, int extra)
{
	o->pending_space = 0;
	if (o->newlines < 0)
		return;
	if (extra)
		want = o->newlines + 1;
	while (o->newlines < MIN(want, 2)) {
		g_string_append_c(o->s, '\n');
		o->newlines++;
	}
}

static void html_unichar(struct html_out *o, gunichar c)
{
	char buf[6];
	int n;

	if (c == 0xA0 || c == ' ') {
		html_char(o, ' ');
		return;
	}
	if (c == 0 || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD;
	n = g_unichar_to_utf8(c, buf);
	for (int i = 0; i < n; i++)
		html_char(o, buf[i]);
}

static const struct {
	const char *name;
	gunichar c;
} html_entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' }, { "apos", '\'' },
	{ "nbsp", 0xA0 }, { "copy", 0xA9 }, { "reg", 0xAE }, { "pound", 0xA3 },
	{ "euro", 0x20AC }, { "ndash", 0x2013 }, { "mdash", 0x2014 }, { "lsquo", 0x2018 },
	{ "rsquo", 0x2019 }, { "ldquo", 0x201C }, { "rdquo", 0x201D }, { "hellip", 0x2026 },
	{ "bull", 0x2022 },
};

static gunichar html_numeric_entity(const char *s)
{
	int hex = s[0] == 'x' || s[0] == 'X';
	const char *digits = hex ? s + 1 : s;
	char *end = NULL;
	guint64 v;

	if (digits[0] == '\0')
		return (gunichar)-1;
	v = g_ascii_strtoull(digits, &end, hex ? 16 : 10);
	if (end == NULL || *end != '\0' || (hex ? !g_ascii_isxdigit(digits[0]) :
					     !g_ascii_isdigit(digits[0])))
		return (gunichar)-1;
	return v > 0x10FFFF ? 0xFFFD : (gunichar)v;
}

/* p points at '&'. Emits the entity (or a literal '&') and returns where to continue. */
static const char *html_entity(struct html_out *o, const char *p, const char *end)
{
	char name[12];
	size_t n = 0;
	gunichar c = (gunichar)-1;

	while (p + 1 + n < end && n < sizeof(name) - 1 && p[1 + n] != ';' &&
	       (g_ascii_isalnum(p[1 + n]) || (n == 0 && p[1] == '#')))
		n++;
	if (n == 0 || p + 1 + n >= end || p[1 + n] != ';') {
		html_char(o, '&');
		return p + 1;
	}
	memcpy(name, p + 1, n);
	name[n] = '\0';
	if (name[0] == '#') {
		c = html_numeric_entity(name + 1);
	} else {
		for (size_t i = 0; i < G_N_ELEMENTS(html_entities); i++) {
			if (strcmp(name, html_entities[i].name) == 0)
				c = html_entities[i].c;
		}
	}
	if (c == (gunichar)-1) {
		html_char(o, '&');
		return p + 1;
	}
	html_unichar(o, c);
	return p + n + 2;
}

/* Newlines a tag stands for: 2 for paragraph-like blocks, 1 for line-like ones. */
static int html_block_tag(const char *name)
{
	static const char *const paragraphs[] = {
		"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol", "blockquote", "pre",
	};
	static const char *const lines[] = { "div", "li", "tr", "hr", "dt", "dd" };

	for (size_t i = 0; i < G_N_ELEMENTS(paragraphs); i++) {
		if (strcmp(name, paragraphs[i]) == 0)
			return 2;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(lines); i++) {
		if (strcmp(name, lines[i]) == 0)
			return 1;
	}
	return 0;
}

/* First "</name" (case-insensitive) in [p, end), or end. Linear: memchr for each '<'. */
static const char *html_find_close(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);

	while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
		if ((size_t)(end - p) >= n + 2 && p[1] == '/' &&
		    g_ascii_strncasecmp(p + 2, name, n) == 0)
			return p;
		p++;
	}
	return end;
}

/* p points at '<' followed by '!' or '?': a comment, doctype or processing instruction. */
static const char *html_skip_markup(const char *p, const char *end)
{
	const char *q;

	if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
		q = memmem(p + 4, (size_t)(end - p - 4), "-->", 3);
		return q == NULL ? end : q + 3;
	}
	q = memchr(p, '>', (size_t)(end - p));
	return q == NULL ? end : q + 1;
}

/* p points at '<'. Skips the tag, emitting a newline for block tags and skipping the content
   of script/style/title. A tag never closed ends the text, as in a browser. */
static const char *html_tag(struct html_out *o, const char *p, const char *end)
{
	const char *q = p + 1, *close;
	int closing = q < end && *q == '/';
	char name[16];
	size_t n = 0;

	if (q < end && (*q == '!' || *q == '?'))
		return html_skip_markup(p, end);
	q += closing;
	if (q >= end || !g_ascii_isalpha(*q)) {
		html_char(o, '<');
		return p + 1;
	}
	while (q < end && g_ascii_isalnum(*q) && n < sizeof(name) - 1)
		name[n++] = g_ascii_tolower(*q++);
	name[n] = '\0';
	close = memchr(q, '>', (size_t)(end - q));
	if (close == NULL)
		return end;
	if (strcmp(name, "br") == 0)
		html_newline(o, 1, 1);
	else if (html_block_tag(name) > 0)
		html_newline(o, html_block_tag(name), 0);
	if (!closing && (strcmp(name, "script") == 0 || strcmp(name, "style") == 0 ||
			 strcmp(name, "title") == 0))
		return html_find_close(close + 1, end, name);
	return close + 1;
}

static GString *html_to_text(const char *html, size_t len, size_t max)
{
	struct html_out o = { g_string_sized_new(MIN(len, max) + 16), 0, -1 };
	const char *p = html, *end = html + len;

	while (p < end && o.s->len < max) {
		if (*p == '<') {
			p = html_tag(&o, p, end);
		} else if (*p == '&') {
			p = html_entity(&o, p, end);
		} else {
			if (*p != '\0')
				html_char(&o, *p);
			p++;
		}
	}
	return o.s;
}

/* ---------------------------------------------------------------- part text */

static int is_blank(const char *s)
{
	while (g_ascii_isspace(*s))
		s++;
	return *s == '\0';
}

/* The decoded bytes of part's content, at most max of them: a text part may be as large as
   the message, and only the first bytes can become the text kept. NULL when it has none. */
static GByteArray *decoded_prefix(GMimePart *part, size_t max)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *src, *filtered;
	GMimeContentEncoding enc;
	GByteArray *bytes = NULL;
	gint64 len;
	char buf[16384];
	ssize_t n;

	if (content == NULL || (src = g_mime_data_wrapper_get_stream(content)) == NULL)
		return NULL;
	enc = g_mime_data_wrapper_get_encoding(content);
	filtered = g_mime_stream_filter_new(src);
	/* As g_mime_data_wrapper_write_to_stream decodes, without writing it all anywhere. */
	if (enc == GMIME_CONTENT_ENCODING_BASE64 || enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		GMimeFilter *dec = g_mime_filter_basic_new(enc, FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), dec);
		g_object_unref(dec);
	}
	g_mime_stream_reset(src);
	/* Sized once (the decoded bytes are at most the encoded ones): growing a buffer of
	   megabytes step by step would hold two copies at each step. */
	len = g_mime_stream_length(src);
	bytes = g_byte_array_sized_new((guint)MIN(max, len > 0 ? (size_t)len : 16384u));
	while (bytes->len < max && (n = g_mime_stream_read(filtered, buf, sizeof(buf))) > 0)
		g_byte_array_append(bytes, (const guint8 *)buf, (guint)MIN((size_t)n,
									   max - bytes->len));
	g_object_unref(filtered);
	g_mime_stream_reset(src);
	return bytes;
}

/* The text of part as cleaned UTF-8 (HTML reduced to text), or NULL when empty. */
char *mime_part_text(GMimePart *part, int html, struct defects *d)
{
	const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	/* Enough source for the text kept from any charset (UTF-32 takes 4 bytes a character). */
	GByteArray *bytes = decoded_prefix(part, html ? PD_MAX_HTML_SOURCE :
						  4 * (PD_MAX_BODY_TEXT + 8));
	GString *utf8 = NULL, *text = NULL;
	char *ret = NULL;

	if (bytes == NULL || bytes->len == 0)
		goto out;
	utf8 = to_utf8((const char *)bytes->data, bytes->len, charset,
		       html ? PD_MAX_HTML_SOURCE : PD_MAX_BODY_TEXT + 8, d);
	if (html)
		text = html_to_text(utf8->str, utf8->len, PD_MAX_BODY_TEXT + 8);
	ret = pd_utf8_clean(text != NULL ? text->str : utf8->str, PD_MAX_BODY_TEXT, 1);
	if (is_blank(ret))
		g_clear_pointer(&ret, g_free);
out:
	if (utf8 != NULL)
		g_string_free(utf8, TRUE);
	if (text != NULL)
		g_string_free(text, TRUE);
	if (bytes != NULL)
		g_byte_array_free(bytes, TRUE);
	return ret;
}
