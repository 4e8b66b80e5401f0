/* mime: the one boundary where hostile raw mail becomes a bounded, validated struct
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
#include "pd-limits.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include <gmime/gmime.h>

/* Notes kept in mime_message.defects: enough to explain a quarantine, never a flood. */
#define DEFECTS_MAX 32
#define DEFECT_ITEM_MAX 60
/* RFC 6838: a media type and subtype are each at most 127 characters. */
#define CONTENT_TYPE_MAX 255
/* A charset name longer than this, or with odd characters, is not a charset. */
#define CHARSET_NAME_MAX 64
/* UTF-8 bytes of HTML converted before tag stripping; the text kept is PD_MAX_BODY_TEXT. */
#define HTML_SOURCE_MAX (16u * PD_MAX_BODY_TEXT)
#define UTF8_REPLACEMENT "\xEF\xBF\xBD"
/* RFC 5322 section 2.1.1: lines must not exceed 998 characters. */
#define LINE_MAX_OCTETS 998

/* ---------------------------------------------------------------- defects */

struct defects {
	GString *text;
	unsigned count;
};

static void defect_add(struct defects *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void defect_add(struct defects *d, const char *fmt, ...)
{
	va_list ap;
	char *note = NULL;

	if (d->count > DEFECTS_MAX)
		goto out;
	va_start(ap, fmt);
	note = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_strdelimit(note, ";", ',');
	if (strstr(d->text->str, note) != NULL)
		goto out;
	if (d->text->len > 0)
		g_string_append_c(d->text, ';');
	g_string_append(d->text, ++d->count > DEFECTS_MAX ? "more defects" : note);
out:
	g_free(note);
}

static char *defects_finish(const struct defects *d)
{
	if (d->text->len == 0)
		return NULL;
	return pd_utf8_clean(d->text->str, PD_MAX_HEADER_VALUE, 0);
}

static const char *parser_warning_name(GMimeParserWarning code)
{
	switch (code) {
	case GMIME_WARN_DUPLICATED_HEADER: return "duplicated header";
	case GMIME_WARN_DUPLICATED_PARAMETER: return "duplicated parameter";
	case GMIME_WARN_UNENCODED_8BIT_HEADER: return "unencoded 8-bit header";
	case GMIME_WARN_INVALID_CONTENT_TYPE: return "invalid content type";
	case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE: return "invalid RFC 2047 header";
	case GMIME_WARN_MALFORMED_MULTIPART: return "malformed multipart";
	case GMIME_WARN_TRUNCATED_MESSAGE: return "truncated message";
	case GMIME_WARN_MALFORMED_MESSAGE: return "malformed message";
	case GMIME_CRIT_INVALID_HEADER_NAME: return "invalid header name";
	case GMIME_CRIT_CONFLICTING_HEADER: return "conflicting header";
	case GMIME_CRIT_CONFLICTING_PARAMETER: return "conflicting parameter";
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY: return "multipart without boundary";
	case GMIME_WARN_INVALID_PARAMETER: return "invalid parameter";
	case GMIME_WARN_INVALID_ADDRESS_LIST: return "invalid address list";
	case GMIME_CRIT_NESTING_OVERFLOW: return "MIME nesting overflow";
	case GMIME_WARN_PART_WITHOUT_CONTENT: return "part without content";
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT: return "part without headers or content";
	}
	return "parser warning";
}

static void on_parser_warning(gint64 offset, GMimeParserWarning code, const gchar *item,
			      gpointer user_data)
{
	struct defects *d = user_data;
	char *clean = item == NULL ? NULL : pd_utf8_clean(item, DEFECT_ITEM_MAX, 0);

	if (clean == NULL || clean[0] == '\0')
		defect_add(d, "%s", parser_warning_name(code));
	else
		defect_add(d, "%s: %s", parser_warning_name(code), clean);
	g_free(clean);
}

/* ---------------------------------------------------------------- syntax checks */

/* Cleaned, stripped copy of s, or NULL when s is NULL or nothing is left. */
static char *clean_or_null(const char *s, size_t max)
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
static int utf8_printable(const char *s, size_t max)
{
	char *c = pd_utf8_clean(s, max, 0);
	int ok = strlen(s) <= max && strcmp(c, s) == 0 && strchr(s, '\n') == NULL;

	g_free(c);
	return ok;
}

static int addr_local_char_ok(unsigned char c)
{
	return c >= 0x80 || g_ascii_isalnum(c) || strchr("!#$%&'*+-/=?^_`{|}~.", c) != NULL;
}

static int addr_domain_ok(const char *domain)
{
	size_t label = 0;

	if (domain[0] == '.' || domain[0] == '-')
		return 0;
	for (const char *p = domain; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
		} else if (c >= 0x80 || g_ascii_isalnum(c) || c == '-' || c == '_') {
			label++;
		} else {
			return 0;
		}
	}
	return label > 0;
}

/* local@domain with the domain lowercased (g_malloc'd), or NULL when addr is not one. Stricter
   than RFC 5322 (no quoted local parts, no domain literals): replies go to these addresses. */
static char *addr_normalize(const char *addr)
{
	const char *at = addr == NULL ? NULL : strrchr(addr, '@');
	char *local = NULL, *domain = NULL, *ret = NULL;

	if (at == NULL || at == addr || !utf8_printable(addr, PD_MAX_ADDRESS))
		goto out;
	local = g_strndup(addr, (gsize)(at - addr));
	domain = g_utf8_strdown(at + 1, -1);
	for (const char *p = local; *p != '\0'; p++) {
		if (!addr_local_char_ok((unsigned char)*p))
			goto out;
	}
	if (local[0] == '.' || g_str_has_suffix(local, ".") || !addr_domain_ok(domain))
		goto out;
	ret = g_strconcat(local, "@", domain, NULL);
	if (strlen(ret) > PD_MAX_ADDRESS)
		g_clear_pointer(&ret, g_free);
out:
	g_free(local);
	g_free(domain);
	return ret;
}

/* A message-id without <>: printable, no spaces, bounded. */
static int msgid_valid(const char *id)
{
	if (id == NULL || id[0] == '\0' || !utf8_printable(id, PD_MAX_MESSAGE_ID))
		return 0;
	for (const char *p = id; *p != '\0'; p++) {
		if (*p == ' ' || *p == '\t' || *p == '<' || *p == '>')
			return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------- envelope */

typedef int (*mailbox_fn)(InternetAddressMailbox *mb, void *ctx);

/* Calls fn on each mailbox of list in order, groups flattened one level, until fn returns 1. */
static int foreach_mailbox(InternetAddressList *list, int depth, mailbox_fn fn, void *ctx)
{
	int n = list == NULL ? 0 : internet_address_list_length(list);

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);
		if (INTERNET_ADDRESS_IS_MAILBOX(ia) && fn(INTERNET_ADDRESS_MAILBOX(ia), ctx))
			return 1;
		if (INTERNET_ADDRESS_IS_GROUP(ia) && depth == 0 &&
		    foreach_mailbox(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)),
				    1, fn, ctx))
			return 1;
	}
	return 0;
}

static int take_first(InternetAddressMailbox *mb, void *ctx)
{
	*(InternetAddressMailbox **)ctx = mb;
	return 1;
}

struct first_valid {
	char *addr;
	int seen;
};

static int take_first_valid(InternetAddressMailbox *mb, void *ctx)
{
	struct first_valid *fv = ctx;

	fv->seen = 1;
	fv->addr = addr_normalize(internet_address_mailbox_get_addr(mb));
	return fv->addr != NULL;
}

static void fill_from(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	InternetAddressMailbox *mb = NULL;

	if (!foreach_mailbox(g_mime_message_get_from(gm), 0, take_first, &mb))
		return;
	m->from_name = clean_or_null(internet_address_get_name(INTERNET_ADDRESS(mb)), PD_MAX_NAME);
	m->from_addr = addr_normalize(internet_address_mailbox_get_addr(mb));
	if (m->from_addr == NULL)
		defect_add(d, "invalid From address");
}

static void fill_reply_to(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	struct first_valid fv = { NULL, 0 };

	foreach_mailbox(g_mime_message_get_reply_to(gm), 0, take_first_valid, &fv);
	m->reply_to_addr = fv.addr;
	if (fv.seen && fv.addr == NULL)
		defect_add(d, "invalid Reply-To address");
}

static void fill_to(struct mime_message *m, GMimeMessage *gm)
{
	InternetAddressList *list = g_mime_message_get_to(gm);
	char *text = NULL;

	if (list == NULL || internet_address_list_length(list) == 0)
		return;
	text = internet_address_list_to_string(list, NULL, FALSE);
	m->to = clean_or_null(text, PD_MAX_HEADER_VALUE);
	g_free(text);
}

static void fill_date(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	GDateTime *date = g_mime_message_get_date(gm);

	m->date_header = clean_or_null(g_mime_object_get_header(GMIME_OBJECT(gm), "Date"),
				       PD_MAX_HEADER_VALUE);
	if (date != NULL)
		m->date = (int64_t)g_date_time_to_unix(date);
	else if (m->date_header != NULL)
		defect_add(d, "invalid Date");
}

static char *first_reference(GMimeParserOptions *opts, const char *value)
{
	GMimeReferences *refs = value == NULL ? NULL : g_mime_references_parse(opts, value);
	char *ret = NULL;

	if (refs == NULL)
		goto out;
	for (int i = 0; i < g_mime_references_length(refs) && ret == NULL; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		if (msgid_valid(id))
			ret = g_strdup(id);
	}
out:
	if (refs != NULL)
		g_mime_references_free(refs);
	return ret;
}

/* The last PD_MAX_REFERENCES valid ids, oldest first, NULL-terminated; NULL when none. */
static char **parse_references(GMimeParserOptions *opts, const char *value)
{
	GMimeReferences *refs = value == NULL ? NULL : g_mime_references_parse(opts, value);
	char *kept[PD_MAX_REFERENCES];
	char **ret = NULL;
	size_t n = 0;

	if (refs == NULL)
		goto out;
	for (int i = g_mime_references_length(refs) - 1; i >= 0 && n < PD_MAX_REFERENCES; i--) {
		const char *id = g_mime_references_get_message_id(refs, i);
		if (msgid_valid(id))
			kept[n++] = g_strdup(id);
	}
	if (n == 0)
		goto out;
	ret = g_malloc0_n(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		ret[i] = kept[n - 1 - i];
out:
	if (refs != NULL)
		g_mime_references_free(refs);
	return ret;
}

static void fill_ids(struct mime_message *m, GMimeMessage *gm, GMimeParserOptions *opts,
		     struct defects *d)
{
	GMimeObject *obj = GMIME_OBJECT(gm);
	const char *id = g_mime_message_get_message_id(gm);

	if (msgid_valid(id))
		m->message_id = g_strdup(id);
	else if (g_mime_object_get_header(obj, "Message-ID") != NULL)
		defect_add(d, "invalid Message-ID");
	m->in_reply_to = first_reference(opts, g_mime_object_get_header(obj, "In-Reply-To"));
	m->references = parse_references(opts, g_mime_object_get_header(obj, "References"));
}

static void fill_envelope(struct mime_message *m, GMimeMessage *gm, GMimeParserOptions *opts,
			  struct defects *d)
{
	fill_from(m, gm, d);
	fill_reply_to(m, gm, d);
	fill_to(m, gm);
	m->subject = clean_or_null(g_mime_message_get_subject(gm), PD_MAX_SUBJECT);
	fill_date(m, gm, d);
	fill_ids(m, gm, opts, d);
}

/* ---------------------------------------------------------------- charsets */

static int charset_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > CHARSET_NAME_MAX)
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
		char *name = pd_utf8_clean(declared == NULL ? "" : declared, DEFECT_ITEM_MAX, 0);
		defect_add(d, "invalid charset %s", name);
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
		defect_add(d, "invalid %s text", from);
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

/* ---------------------------------------------------------------- MIME tree */

enum text_slot { TEXT_PLAIN, TEXT_HTML, TEXT_FWD_PLAIN, TEXT_FWD_HTML, TEXT_SLOTS };

struct walk {
	struct defects *defects;
	GArray *attachments; /* struct mime_attachment */
	GMimePart *text[TEXT_SLOTS];
	unsigned parts;
	int stopped;
};

static void walk_object(struct walk *w, GMimeObject *obj, unsigned depth, int in_fwd);

static char *content_type_string(GMimeObject *obj)
{
	GMimeContentType *ct = obj == NULL ? NULL : g_mime_object_get_content_type(obj);
	char *mime_type = NULL, *lower = NULL, *ret = NULL;

	if (ct == NULL)
		return g_strdup("text/plain");
	mime_type = g_mime_content_type_get_mime_type(ct);
	lower = g_ascii_strdown(mime_type, -1);
	ret = clean_or_null(lower, CONTENT_TYPE_MAX);
	if (ret == NULL)
		ret = g_strdup("application/octet-stream");
	g_free(mime_type);
	g_free(lower);
	return ret;
}

/* Last path component of name, cleaned; NULL for nothing, "." or "..". */
static char *clean_filename(const char *name)
{
	const char *base = name;
	char *ret;

	if (name == NULL)
		return NULL;
	for (const char *p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == '\\')
			base = p + 1;
	}
	ret = clean_or_null(base, PD_MAX_NAME);
	if (ret != NULL && (strcmp(ret, ".") == 0 || strcmp(ret, "..") == 0))
		g_clear_pointer(&ret, g_free);
	return ret;
}

static size_t decoded_size(GMimeObject *obj)
{
	GMimeStream *null = g_mime_stream_null_new();
	size_t size;

	if (GMIME_IS_PART(obj)) {
		GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(obj));
		if (content != NULL)
			g_mime_data_wrapper_write_to_stream(content, null);
	} else {
		g_mime_object_write_content_to_stream(obj, NULL, null);
	}
	size = GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return size;
}

static void add_attachment(struct walk *w, GMimeObject *obj, const char *filename)
{
	struct mime_attachment a;

	if (w->attachments->len >= PD_MAX_ATTACHMENTS) {
		defect_add(w->defects, "attachment limit reached");
		return;
	}
	a.filename = clean_filename(filename);
	a.content_type = content_type_string(obj);
	a.size = decoded_size(obj);
	g_array_append_val(w->attachments, a);
}

static void walk_leaf(struct walk *w, GMimePart *part, int in_fwd)
{
	GMimeContentType *ct = g_mime_object_get_content_type(GMIME_OBJECT(part));
	const char *filename = g_mime_part_get_filename(part);
	int slot = -1;

	if (g_mime_part_is_attachment(part) || filename != NULL || ct == NULL ||
	    !g_mime_content_type_is_type(ct, "text", "*")) {
		add_attachment(w, GMIME_OBJECT(part), filename);
		return;
	}
	if (g_mime_content_type_is_type(ct, "text", "plain"))
		slot = in_fwd ? TEXT_FWD_PLAIN : TEXT_PLAIN;
	else if (g_mime_content_type_is_type(ct, "text", "html"))
		slot = in_fwd ? TEXT_FWD_HTML : TEXT_HTML;
	if (slot >= 0 && w->text[slot] == NULL)
		w->text[slot] = part;
}

/* A forwarded message: listed as an attachment only when marked as one; its parts are
   walked, its text kept aside in case the outer message has none. */
static void walk_message_part(struct walk *w, GMimeMessagePart *mp, unsigned depth)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);
	const char *filename = g_mime_object_get_content_disposition_parameter(obj, "filename");
	GMimeMessage *inner = g_mime_message_part_get_message(mp);

	if (filename == NULL)
		filename = g_mime_object_get_content_type_parameter(obj, "name");
	if (filename != NULL || (disp != NULL && g_mime_content_disposition_is_attachment(disp)))
		add_attachment(w, obj, filename);
	if (inner != NULL)
		walk_object(w, g_mime_message_get_mime_part(inner), depth + 1, 1);
}

static void walk_object(struct walk *w, GMimeObject *obj, unsigned depth, int in_fwd)
{
	if (obj == NULL || w->stopped)
		return;
	if (depth > PD_MAX_MIME_DEPTH) {
		defect_add(w->defects, "MIME depth limit reached");
		return;
	}
	if (++w->parts > PD_MAX_MIME_PARTS) {
		defect_add(w->defects, "part limit reached");
		w->stopped = 1;
		return;
	}
	if (GMIME_IS_MULTIPART(obj)) {
		GMimeMultipart *mp = GMIME_MULTIPART(obj);
		int n = g_mime_multipart_get_count(mp);
		for (int i = 0; i < n && !w->stopped; i++)
			walk_object(w, g_mime_multipart_get_part(mp, i), depth + 1, in_fwd);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		walk_message_part(w, GMIME_MESSAGE_PART(obj), depth);
	} else if (GMIME_IS_PART(obj)) {
		walk_leaf(w, GMIME_PART(obj), in_fwd);
	}
}

static int is_blank(const char *s)
{
	while (g_ascii_isspace(*s))
		s++;
	return *s == '\0';
}

/* The text of part as cleaned UTF-8 (HTML reduced to text), or NULL when empty. */
static char *part_text(GMimePart *part, int html, struct defects *d)
{
	GMimeDataWrapper *content = g_mime_part_get_content(part);
	GMimeStream *mem = g_mime_stream_mem_new();
	const char *charset = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part), "charset");
	GByteArray *bytes;
	GString *utf8 = NULL, *text = NULL;
	char *ret = NULL;

	if (content == NULL)
		goto out;
	g_mime_data_wrapper_write_to_stream(content, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	if (bytes == NULL || bytes->len == 0)
		goto out;
	utf8 = to_utf8((const char *)bytes->data, bytes->len, charset,
		       html ? HTML_SOURCE_MAX : PD_MAX_BODY_TEXT + 8, d);
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
	g_object_unref(mem);
	return ret;
}

/* Text of the first filled slot in [from, to), or NULL; sets *html_r. */
static char *slot_text(struct walk *w, int from, int to, struct defects *d, int *html_r)
{
	char *text = NULL;
	for (int slot = from; slot < to && text == NULL; slot++) {
		if (w->text[slot] == NULL)
			continue;
		*html_r = slot == TEXT_HTML || slot == TEXT_FWD_HTML;
		text = part_text(w->text[slot], *html_r, d);
	}
	return text;
}

/* The body, then the text of a forwarded message after a Gmail-style separator: a request
   forwarded to the mailbox is usually in the attached message, not in "see below". */
static void fill_body(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	struct walk w = { .defects = d };
	int html = 0, fwd_html = 0;

	w.attachments = g_array_new(FALSE, TRUE, sizeof(struct mime_attachment));
	walk_object(&w, g_mime_message_get_mime_part(gm), 0, 0);
	char *own = slot_text(&w, TEXT_PLAIN, TEXT_FWD_PLAIN, d, &html);
	char *fwd = slot_text(&w, TEXT_FWD_PLAIN, TEXT_SLOTS, d, &fwd_html);
	if (own != NULL && fwd != NULL) {
		char *both = g_strconcat(own, "\n\n---------- Forwarded message ----------\n", fwd,
					 NULL);
		m->body_text = pd_utf8_clean(both, PD_MAX_BODY_TEXT, 1);
		m->body_from_html = html;
		g_free(both);
		g_free(own);
		g_free(fwd);
	} else if (own != NULL) {
		m->body_text = own;
		m->body_from_html = html;
	} else {
		m->body_text = fwd;
		m->body_from_html = fwd != NULL && fwd_html;
	}
	m->n_attachments = w.attachments->len;
	m->attachments = (struct mime_attachment *)(void *)g_array_free(w.attachments,
									 m->n_attachments == 0);
}

/* ---------------------------------------------------------------- headers */

static int header_name_ok(const char *name)
{
	if (name == NULL || name[0] == '\0' || strlen(name) > LINE_MAX_OCTETS)
		return 0;
	for (const unsigned char *p = (const unsigned char *)name; *p != '\0'; p++) {
		if (*p <= ' ' || *p >= 0x7f || *p == ':')
			return 0;
	}
	return 1;
}

static gint header_offset_cmp(gconstpointer a, gconstpointer b)
{
	gint64 oa = g_mime_header_get_offset(*(GMimeHeader *const *)a);
	gint64 ob = g_mime_header_get_offset(*(GMimeHeader *const *)b);

	return oa < ob ? -1 : oa > ob;
}

static void collect_headers(GPtrArray *all, GMimeObject *obj)
{
	GMimeHeaderList *list = obj == NULL ? NULL : g_mime_object_get_header_list(obj);
	int n = list == NULL ? 0 : g_mime_header_list_get_count(list);

	for (int i = 0; i < n; i++)
		g_ptr_array_add(all, g_mime_header_list_get_header_at(list, i));
}

/* GMime keeps Content-* headers on the top-level part, the rest on the message: merge them
   back into the order they were sent in. */
static void fill_headers(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	GPtrArray *all = g_ptr_array_new();

	collect_headers(all, GMIME_OBJECT(gm));
	collect_headers(all, g_mime_message_get_mime_part(gm));
	g_ptr_array_sort(all, header_offset_cmp);
	if (all->len > PD_MAX_HEADERS)
		defect_add(d, "header limit reached");
	if (all->len > 0)
		m->headers = g_malloc0_n(MIN(all->len, PD_MAX_HEADERS), sizeof(struct mime_header));
	for (guint i = 0; i < all->len && m->n_headers < PD_MAX_HEADERS; i++) {
		GMimeHeader *h = g_ptr_array_index(all, i);
		const char *name = g_mime_header_get_name(h), *value = g_mime_header_get_value(h);
		if (!header_name_ok(name)) {
			defect_add(d, "invalid header name");
			continue;
		}
		m->headers[m->n_headers].name = g_strdup(name);
		m->headers[m->n_headers].value =
			g_strstrip(pd_utf8_clean(value == NULL ? "" : value, PD_MAX_HEADER_VALUE, 0));
		m->n_headers++;
	}
	g_ptr_array_free(all, TRUE);
}

/* ---------------------------------------------------------------- parse */

/* GMime builds an object for every header, part, address and parameter, costing about 100
   times their bytes: a 40 MiB message of nothing but tiny headers or boundaries would take
   gigabytes and a minute. Before GMime sees the bytes, count what could become such objects.
   This over-approximates (any line that looks like a header or a boundary counts) and never
   interprets MIME: it can only reject, and rejected mail is quarantined, not lost. Base64
   lines never look like either; real mail stays far below these bounds. */
#define GUARD_BOUNDARY_LINES (4 * PD_MAX_MIME_PARTS)
#define GUARD_HEADER_LINES (100 * PD_MAX_HEADERS)
#define GUARD_HEADER_BYTES (32u * PD_MAX_HEADER_VALUE)

struct guard {
	size_t boundary_lines, header_lines, header_bytes;
	int in_header; /* the previous line looked like a header (continuations count too) */
};

static int line_looks_like_header(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (g_ascii_isalnum(p[i]) || p[i] == '-' || p[i] == '_'))
		i++;
	return i > 0 && i < len && p[i] == ':';
}

static void guard_line(struct guard *g, const char *p, size_t len)
{
	if (len >= 2 && p[0] == '-' && p[1] == '-') {
		g->boundary_lines++;
		g->in_header = 0;
	} else if (line_looks_like_header(p, len) ||
		   (g->in_header && len > 0 && (p[0] == ' ' || p[0] == '\t'))) {
		g->header_lines++;
		g->header_bytes += len;
		g->in_header = 1;
	} else {
		g->in_header = 0;
	}
}

static int structure_guard(const char *raw, size_t len, char **error_r)
{
	struct guard g = { 0, 0, 0, 0 };
	const char *p = raw, *end = raw + len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		guard_line(&g, p, (size_t)((nl == NULL ? end : nl) - p));
		p = nl == NULL ? end : nl + 1;
	}
	if (g.boundary_lines > GUARD_BOUNDARY_LINES)
		return error_set(error_r, 0, "too many boundary lines (%zu)", g.boundary_lines);
	if (g.header_lines > GUARD_HEADER_LINES || g.header_bytes > GUARD_HEADER_BYTES)
		return error_set(error_r, 0, "too much header data (%zu lines, %zu bytes)",
				 g.header_lines, g.header_bytes);
	return 1;
}

static GMimeParserOptions *parser_options_new(struct defects *d)
{
	static const char *fallback[] = { "UTF-8", "WINDOWS-1252", NULL };
	GMimeParserOptions *opts = g_mime_parser_options_new();

	g_mime_parser_options_set_address_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_parameter_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_rfc2047_compliance_mode(opts, GMIME_RFC_COMPLIANCE_LOOSE);
	g_mime_parser_options_set_fallback_charsets(opts, fallback);
	g_mime_parser_options_set_warning_callback(opts, on_parser_warning, d);
	return opts;
}

static GMimeMessage *construct_message(const char *raw, size_t len, GMimeParserOptions *opts)
{
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *gm;

	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	g_object_unref(stream);
	return gm;
}

static int has_headers(GMimeMessage *gm)
{
	GMimeObject *part = g_mime_message_get_mime_part(gm);

	return g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(gm))) > 0 ||
	       (part != NULL &&
		g_mime_header_list_get_count(g_mime_object_get_header_list(part)) > 0);
}

int mime_parse(const char *raw, size_t len, struct mime_message **msg_r, char **error_r)
{
	struct defects defects = { g_string_new(NULL), 0 };
	GMimeParserOptions *opts = NULL;
	GMimeMessage *gm = NULL;
	struct mime_message *m = NULL;
	int ret = 0;

	*msg_r = NULL;
	if (raw == NULL || len == 0) {
		error_set(error_r, 0, "empty message");
		goto out;
	}
	if (len > PD_MAX_MESSAGE_SIZE) {
		error_set(error_r, 0, "message larger than %u bytes", PD_MAX_MESSAGE_SIZE);
		goto out;
	}
	if (!structure_guard(raw, len, error_r))
		goto out;
	opts = parser_options_new(&defects);
	gm = construct_message(raw, len, opts);
	if (gm == NULL || !has_headers(gm)) {
		error_set(error_r, 0, "not a mail message: no headers");
		goto out;
	}
	m = g_malloc0(sizeof(*m));
	fill_envelope(m, gm, opts, &defects);
	m->content_type = content_type_string(g_mime_message_get_mime_part(gm));
	fill_body(m, gm, &defects);
	fill_headers(m, gm, &defects);
	m->defects = defects_finish(&defects);
	*msg_r = m;
	m = NULL;
	ret = 1;
out:
	mime_message_free(&m);
	if (gm != NULL)
		g_object_unref(gm);
	if (opts != NULL)
		g_mime_parser_options_free(opts);
	g_string_free(defects.text, TRUE);
	return ret;
}

void mime_message_free(struct mime_message **msg)
{
	struct mime_message *m = msg == NULL ? NULL : *msg;

	if (m == NULL)
		return;
	g_free(m->from_name);
	g_free(m->from_addr);
	g_free(m->reply_to_addr);
	g_free(m->to);
	g_free(m->subject);
	g_free(m->date_header);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_strfreev(m->references);
	g_free(m->content_type);
	g_free(m->body_text);
	for (size_t i = 0; i < m->n_attachments; i++) {
		g_free(m->attachments[i].filename);
		g_free(m->attachments[i].content_type);
	}
	g_free(m->attachments);
	for (size_t i = 0; i < m->n_headers; i++) {
		g_free(m->headers[i].name);
		g_free(m->headers[i].value);
	}
	g_free(m->headers);
	g_free(m->defects);
	g_free(m);
	*msg = NULL;
}

const char *mime_message_header(const struct mime_message *msg, const char *name)
{
	if (msg == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < msg->n_headers; i++) {
		if (g_ascii_strcasecmp(msg->headers[i].name, name) == 0)
			return msg->headers[i].value;
	}
	return NULL;
}

/* ---------------------------------------------------------------- compose */

/* A header value we write: valid UTF-8, no control characters but tab (so no CR/LF). */
static int header_text_ok(const char *s, size_t max)
{
	return s == NULL || utf8_printable(s, max);
}

static int notice_ids_ok(const struct mime_notice *n, char **error_r)
{
	if (!msgid_valid(n->message_id))
		return error_set(error_r, 0, "invalid Message-ID");
	if (n->in_reply_to != NULL && !msgid_valid(n->in_reply_to))
		return error_set(error_r, 0, "invalid In-Reply-To");
	for (size_t i = 0; n->references != NULL && n->references[i] != NULL; i++) {
		if (!msgid_valid(n->references[i]))
			return error_set(error_r, 0, "invalid References id");
	}
	return 1;
}

/* A body (text or HTML) we write: NULL, or UTF-8 no larger than a rendered notice. */
static int body_ok(const char *body, const char *what, char **error_r)
{
	if (body != NULL && !g_utf8_validate(body, -1, NULL))
		return error_set(error_r, 0, "%s is not UTF-8", what);
	if (body != NULL && strlen(body) > PD_MAX_RENDERED)
		return error_set(error_r, 0, "%s larger than %u bytes", what, PD_MAX_RENDERED);
	return 1;
}

static int notice_valid(const struct mime_notice *n, char **from_r, char **to_r, char **error_r)
{
	if (n == NULL)
		return error_set(error_r, 0, "no notice");
	if ((*from_r = addr_normalize(n->from_addr)) == NULL)
		return error_set(error_r, 0, "invalid From address");
	if ((*to_r = addr_normalize(n->to_addr)) == NULL)
		return error_set(error_r, 0, "invalid To address");
	if (!header_text_ok(n->from_name, PD_MAX_NAME) || !header_text_ok(n->to_name, PD_MAX_NAME))
		return error_set(error_r, 0, "invalid display name (control characters or too long)");
	if (!header_text_ok(n->subject, PD_MAX_HEADER_VALUE))
		return error_set(error_r, 0, "invalid Subject (control characters or too long)");
	if (!body_ok(n->body_text, "body", error_r) || !body_ok(n->body_html, "HTML body", error_r))
		return 0;
	return notice_ids_ok(n, error_r);
}

/* n->date in Europe/London (what the recipients read), UTC when tzdata is missing. */
static GDateTime *notice_date(int64_t t)
{
	GDateTime *utc = g_date_time_new_from_unix_utc(t);
	GTimeZone *tz = g_time_zone_new_identifier("Europe/London");
	GDateTime *local = NULL;

	if (utc == NULL)
		utc = g_date_time_new_from_unix_utc(0);
	if (tz == NULL)
		return utc;
	local = g_date_time_to_timezone(utc, tz);
	g_time_zone_unref(tz);
	if (local == NULL)
		return utc;
	g_date_time_unref(utc);
	return local;
}

static char *references_text(const char *const *refs)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; refs != NULL && refs[i] != NULL; i++)
		g_string_append_printf(s, "%s<%s>", i > 0 ? " " : "", refs[i]);
	if (s->len == 0) {
		g_string_free(s, TRUE);
		return NULL;
	}
	return g_string_free(s, FALSE);
}

static void set_envelope(GMimeMessage *gm, const struct mime_notice *n, const char *from,
			 const char *to)
{
	GMimeObject *obj = GMIME_OBJECT(gm);
	GDateTime *date = notice_date(n->date);
	char *refs = references_text(n->references);

	g_mime_message_add_mailbox(gm, GMIME_ADDRESS_TYPE_FROM, n->from_name, from);
	g_mime_message_add_mailbox(gm, GMIME_ADDRESS_TYPE_TO, n->to_name, to);
	if (n->subject != NULL)
		g_mime_message_set_subject(gm, n->subject, "utf-8");
	g_mime_message_set_date(gm, date);
	g_mime_message_set_message_id(gm, n->message_id);
	if (n->in_reply_to != NULL) {
		char *irt = g_strdup_printf("<%s>", n->in_reply_to);
		g_mime_object_set_header(obj, "In-Reply-To", irt, NULL);
		g_free(irt);
	}
	if (refs != NULL)
		g_mime_object_set_header(obj, "References", refs, NULL);
	if (n->auto_replied)
		g_mime_object_set_header(obj, "Auto-Submitted", "auto-replied", NULL);
	g_mime_object_set_header(obj, "MIME-Version", "1.0", NULL);
	g_date_time_unref(date);
	g_free(refs);
}

/* Does a line of s start with "--", as a boundary line would? */
static int has_dash_line(const char *s)
{
	return strncmp(s, "--", 2) == 0 || strstr(s, "\n--") != NULL || strstr(s, "\r--") != NULL;
}

/* text/<subtype>; charset=utf-8 with 7bit, quoted-printable or base64, whichever GMime finds
   best under the 7-bit constraint (so every line stays short and ASCII). Inside a multipart,
   text with a line starting "--" is sent quoted-printable or base64, never as is: GMime's
   boundaries start with "=", which quoted-printable writes as "=3D" and base64 never writes,
   so no line of the part can match the boundary whatever a value put in the text, rather
   than only probably not (the boundary is random). */
static GMimePart *body_part(const char *text, const char *subtype, int in_multipart)
{
	GMimePart *part = g_mime_part_new_with_type("text", subtype);
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(text, strlen(text));
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream,
									GMIME_CONTENT_ENCODING_DEFAULT);
	GMimeContentEncoding encoding;

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(part), "charset", "utf-8");
	g_mime_part_set_content(part, content);
	encoding = g_mime_part_get_best_content_encoding(part, GMIME_ENCODING_CONSTRAINT_7BIT);
	/* For plain ASCII GMime answers DEFAULT (no header, i.e. 7bit), not 7BIT. */
	if (in_multipart && encoding != GMIME_CONTENT_ENCODING_BASE64 && has_dash_line(text))
		encoding = GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
	g_mime_part_set_content_encoding(part, encoding);
	g_object_unref(content);
	g_object_unref(stream);
	return part;
}

/* The message body: one text/plain part as always, or with an HTML alternative a
   multipart/alternative of text/plain then text/html (RFC 2046: the preferred form last). */
static GMimeObject *notice_content(const struct mime_notice *n)
{
	const char *text = n->body_text == NULL ? "" : n->body_text;
	GMimeMultipart *alternative;
	GMimePart *plain, *html;

	if (n->body_html == NULL)
		return GMIME_OBJECT(body_part(text, "plain", 0));
	alternative = g_mime_multipart_new_with_subtype("alternative");
	plain = body_part(text, "plain", 1);
	html = body_part(n->body_html, "html", 1);
	g_mime_multipart_add(alternative, GMIME_OBJECT(plain));
	g_mime_multipart_add(alternative, GMIME_OBJECT(html));
	g_object_unref(plain);
	g_object_unref(html);
	return GMIME_OBJECT(alternative);
}

/* Every line ends CRLF and is at most 998 octets: what we promise the SMTP module. */
static int lines_ok(const char *s)
{
	const char *line = s, *nl;

	while ((nl = strchr(line, '\n')) != NULL) {
		if (nl == line || nl[-1] != '\r' || (size_t)(nl - 1 - line) > LINE_MAX_OCTETS)
			return 0;
		line = nl + 1;
	}
	return strlen(line) <= LINE_MAX_OCTETS;
}

int mime_compose(const struct mime_notice *n, char **raw_r, size_t *len_r, char **error_r)
{
	GMimeMessage *gm = NULL;
	GMimeObject *content = NULL;
	GMimeFormatOptions *fmt = NULL;
	char *from = NULL, *to = NULL, *raw = NULL;
	int ret = 0;

	*raw_r = NULL;
	*len_r = 0;
	if (!notice_valid(n, &from, &to, error_r))
		goto out;
	gm = g_mime_message_new(TRUE);
	set_envelope(gm, n, from, to);
	content = notice_content(n);
	g_mime_message_set_mime_part(gm, content);
	fmt = g_mime_format_options_new();
	g_mime_format_options_set_newline_format(fmt, GMIME_NEWLINE_FORMAT_DOS);
	raw = g_mime_object_to_string(GMIME_OBJECT(gm), fmt);
	if (raw == NULL || !lines_ok(raw)) {
		error_set(error_r, 0, "composed message has a line over %d octets", LINE_MAX_OCTETS);
		goto out;
	}
	*len_r = strlen(raw);
	*raw_r = raw;
	raw = NULL;
	ret = 1;
out:
	g_free(raw);
	g_free(from);
	g_free(to);
	if (fmt != NULL)
		g_mime_format_options_free(fmt);
	if (content != NULL)
		g_object_unref(content);
	if (gm != NULL)
		g_object_unref(gm);
	return ret;
}

void mime_init(void)
{
	g_mime_init();
}

void mime_deinit(void)
{
	g_mime_shutdown();
}
