/* mime-peek: From and Subject of mail mime_parse rejected, so that `pdgate quarantine` can say
   what it is. Only the header block is read (up to the first empty line, bounded), folded
   lines are joined and RFC 2047 words decoded by GMime. Nothing else is interpreted: this
   text is for a person to recognise the message, never for a decision. */
#include "mime.h"

#include "pd-limits.h"

#include <string.h>

#include <gmime/gmime.h>

/* How much of a quarantined message's head is looked at: enough for any real header block. */
#define PEEK_MAX_HEAD (256u * 1024u)

/* The value of header `name` starting at line (after "Name:"), unfolded. NULL if not it. */
static char *header_value(const char *line, const char *end, const char *name, const char **next)
{
	size_t n = strlen(name);
	GString *v;
	const char *p;

	if ((size_t)(end - line) <= n || g_ascii_strncasecmp(line, name, n) != 0 || line[n] != ':')
		return NULL;
	v = g_string_new(NULL);
	for (p = line + n + 1; p < end; p++) {
		/* A line break followed by a space or tab continues the header (RFC 5322 2.2.3). */
		if (*p == '\r' || *p == '\n') {
			const char *q = p + (*p == '\r' && p + 1 < end && p[1] == '\n' ? 2 : 1);
			if (q >= end || (*q != ' ' && *q != '\t'))
				break;
			p = q - 1;
			continue;
		}
		if (v->len < PD_MAX_HEADER_VALUE)
			g_string_append_c(v, *p);
	}
	*next = p;
	return g_string_free(v, FALSE);
}

/* Decoded, valid UTF-8, trimmed, bounded, or NULL when empty; control characters are the
   caller's to escape. */
static char *decode_value(char *raw)
{
	char *valid = g_utf8_make_valid(g_strstrip(raw), -1);
	char *decoded = g_mime_utils_header_decode_text(NULL, valid);
	char *out = g_utf8_make_valid(decoded != NULL ? decoded : valid, -1);

	if (strlen(out) > PD_MAX_SUBJECT) {
		char *cut = out + PD_MAX_SUBJECT;
		while (cut > out && ((unsigned char)*cut & 0xc0) == 0x80)
			cut--;  /* on a character boundary */
		*cut = '\0';
	}
	g_free(decoded);
	g_free(valid);
	g_free(raw);
	if (out[0] == '\0') {
		g_free(out);
		out = NULL;  /* "missing values are NULL, never \"\"", as in mime_message */
	}
	return out;
}

static const char *next_line(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));
	return nl != NULL ? nl + 1 : end;
}

void mime_peek_headers(const char *raw, size_t len, char **from_r, char **subject_r)
{
	const char *p = raw, *end = raw + MIN(len, PEEK_MAX_HEAD);

	*from_r = *subject_r = NULL;
	/* Header lines until the first empty one; other headers' lines are skipped. */
	while (p < end && *p != '\r' && *p != '\n') {
		const char *stop = NULL;
		char *v;

		if (*from_r == NULL && (v = header_value(p, end, "From", &stop)) != NULL)
			*from_r = decode_value(v);
		else if (*subject_r == NULL && (v = header_value(p, end, "Subject", &stop)) != NULL)
			*subject_r = decode_value(v);
		p = next_line(stop != NULL ? stop : p, end);
	}
}
