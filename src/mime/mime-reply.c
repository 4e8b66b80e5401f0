/* mime-reply.c: what the sender of a reply wrote (mime_reply_new_text): the body without the
   quoted history and forwarded messages and, on request, without the signature. Pure text
   work, no GMime. The input is normally body_text from mime_parse (valid UTF-8, '\n' line
   ends, bounded), but any NUL-terminated string is handled: every scan is linear and every
   look-ahead is a line or two. It trusts nothing about the layout: a recogniser that
   misfires loses a line of text, it never makes text that was not written. */
#include "mime.h"

#include <string.h>

#include <glib.h>

/* A sign-off ("Kind regards,") is a signature when at most this many short lines follow it
   (name, title, team, phone, address): more, or a longer line, and it is still the text. */
#define SIGNOFF_MAX_AFTER 6
#define SIGNOFF_LINE_MAX_CHARS 72
/* A mobile footer or a sign-off is one short line; longer lines are sentences. */
#define FOOTER_MAX_BYTES 80
#define SIGNOFF_MAX_BYTES 40
/* Footers and sign-offs are cut from the end one after the other ("Thanks,\nJo\n\nSent from
   my iPhone"); this many rounds is more than any real mail has. */
#define SIGNATURE_ROUNDS 4

/* ---- lines ---- */

/* Blanks inside a line, for the recognisers the classifier has always used: ASCII only. */
static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	return p;
}

/* end, less trailing blanks. */
static const char *trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	return end;
}

static int is_nbsp(const char *p, const char *end)
{
	return end - p >= 2 && (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0;
}

/* Whitespace for blank lines and signatures: ASCII blanks and U+00A0, which Outlook writes
   into lines that look empty. */
static const char *skip_ws(const char *p, const char *end)
{
	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		else if (is_nbsp(p, end))
			p += 2;
		else
			return p;
	}
}

static const char *trim_ws_end(const char *p, const char *end)
{
	for (;;) {
		if (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		else if (end - p >= 2 && (unsigned char)end[-2] == 0xC2 &&
			 (unsigned char)end[-1] == 0xA0)
			end -= 2;
		else
			return end;
	}
}

static int is_blank_line(const char *p, const char *end)
{
	return skip_ws(p, end) == end;
}

static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl != NULL ? nl : p + strlen(p);
}

static const char *next_line(const char *end)
{
	return *end == '\n' ? end + 1 : end;
}

static int starts_with_ci(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(p, prefix, n) == 0;
}

static int ends_with_ci(const char *p, const char *end, const char *suffix)
{
	size_t n = strlen(suffix);
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(end - n, suffix, n) == 0;
}

/* p advanced over at least min copies of c, or NULL. */
static const char *skip_run(const char *p, const char *end, char c, int min)
{
	int n = 0;

	for (; p < end && *p == c; p++)
		n++;
	return n >= min ? p : NULL;
}

static int is_quote_line(const char *p, const char *end)
{
	p = skip_blanks(p, end);
	return p < end && *p == '>';
}

/* ---- where the quoted history starts (what the classifier has always removed) ---- */

/* "-- words --" with at least two dashes each side: "-----Original Message-----",
   "---------- Forwarded message ---------". */
static int is_dashed_words(const char *p, const char *end, const char *words)
{
	p = skip_run(skip_blanks(p, end), end, '-', 2);
	if (p == NULL)
		return 0;
	p = skip_blanks(p, end);
	if (!starts_with_ci(p, end, words))
		return 0;
	p = skip_run(skip_blanks(p + strlen(words), end), end, '-', 2);
	return p != NULL && skip_blanks(p, end) == end;
}

/* "________________________________" (Outlook's separator before the quoted header block). */
static int is_underscore_rule(const char *p, const char *end)
{
	p = skip_run(skip_blanks(p, end), end, '_', 10);
	return p != NULL && skip_blanks(p, end) == end;
}

/* "From: ..." with "Sent: ..." on the same line (HTML flattened) or the next: the header
   block Outlook puts above the message it quotes. '*' for bold turned into text. */
static int is_outlook_header(const char *p, const char *end, const char *next,
			     const char *next_end)
{
	p = skip_blanks(p, end);
	if (p < end && *p == '*')
		p++;
	if (!starts_with_ci(p, end, "From:"))
		return 0;
	for (const char *s = p; s + 5 <= end; s++) {
		if (g_ascii_strncasecmp(s, "Sent:", 5) == 0)
			return 1;
	}
	next = skip_blanks(next, next_end);
	if (next < next_end && *next == '*')
		next++;
	return starts_with_ci(next, next_end, "Sent:");
}

/* "On Tue, 3 Mar 2026 at 10:00, X <x@y> wrote:", which mail clients often wrap in two. */
static int is_on_wrote(const char *p, const char *end, const char *next, const char *next_end)
{
	p = skip_blanks(p, end);
	if (!starts_with_ci(p, end, "On "))
		return 0;
	return ends_with_ci(p, trim_end(p, end), "wrote:") ||
	       (next < next_end && ends_with_ci(next, trim_end(next, next_end), "wrote:"));
}

/* Whether the line at p starts the quoted part that runs to the end of the message, by the
   rules the classifier's `body` test has always used (MIME_REPLY_QUOTES_ONLY). */
static int starts_quoted_tail(const char *p, const char *end)
{
	const char *next = next_line(end), *next_end = line_end(next);

	return is_dashed_words(p, end, "original message") || is_underscore_rule(p, end) ||
	       is_outlook_header(p, end, next, next_end) || is_on_wrote(p, end, next, next_end);
}

/* ---- more of the quoted history, for the text a person is shown ---- */

/* Header names of a quoted message's header block, as mail clients write them in English,
   Welsh and the languages most often seen in a UK force's mailbox. */
static const char *const from_names[] = {
	"From", "Oddi wrth", "Von", "De", "Da", "Van", "Od", "Fra", "Från", "От",
};
static const char *const date_names[] = {
	"Sent", "Date", "Anfonwyd", "Dyddiad", "Gesendet", "Datum", "Envoyé", "Enviado",
	"Inviato", "Verzonden", "Wysłane", "Data", "Skickat", "Sendt", "Отправлено", "Дата",
};
static const char *const other_names[] = {
	"To", "Cc", "Subject", "Reply-To", "At", "Pwnc", "An", "Betreff", "À", "Objet", "Para",
	"Asunto", "A", "Oggetto", "Aan", "Onderwerp", "Do", "Temat", "Till", "Ämne", "Til",
	"Emne", "Кому", "Тема", "Копия",
};

enum header_name { HEADER_NONE, HEADER_FROM, HEADER_DATE, HEADER_OTHER };

static int names_match(const char *p, const char *end, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *s = p + strlen(names[i]);
		if (!starts_with_ci(p, end, names[i]))
			continue;
		s = skip_blanks(s < end && *s == '*' ? s + 1 : s, end);
		if (s < end && *s == ':')
			return 1;
	}
	return 0;
}

/* Which header of a quoted header block the line is ("*From:* Jo", "De : Jo"), if any. */
static enum header_name header_line(const char *p, const char *end)
{
	p = skip_ws(p, end);
	if (p < end && *p == '*')
		p++;
	if (names_match(p, end, from_names, G_N_ELEMENTS(from_names)))
		return HEADER_FROM;
	if (names_match(p, end, date_names, G_N_ELEMENTS(date_names)))
		return HEADER_DATE;
	if (names_match(p, end, other_names, G_N_ELEMENTS(other_names)))
		return HEADER_OTHER;
	return HEADER_NONE;
}

/* At least three header lines in a row, with a sender and a date among them: the block a
   client puts above a message it quotes in any order (Hotmail: Date, Subject, From, To). */
static int is_header_block(const char *p, const char *end)
{
	int lines = 0, from = 0, date = 0;
	enum header_name h;

	while (lines < 8 && (h = header_line(p, end)) != HEADER_NONE) {
		lines++;
		from |= h == HEADER_FROM;
		date |= h == HEADER_DATE;
		if (*end == '\0')
			break;
		p = end + 1;
		end = line_end(p);
	}
	return lines >= 3 && from && date;
}

static int has_at_or_time(const char *p, const char *end)
{
	for (const char *s = p; s < end; s++) {
		if (*s == '@')
			return 1;
		if (*s == ':' && s > p && g_ascii_isdigit(s[-1]) && s + 2 < end &&
		    g_ascii_isdigit(s[1]) && g_ascii_isdigit(s[2]))
			return 1;
	}
	return 0;
}

/* "26.06.2014, 14:41, "Jo" <jo@example.org>:" (Yandex, Mail.ru): an address closing the
   line with a colon, in any language. */
static int is_address_attribution(const char *p, const char *end)
{
	end = trim_end(p, end);
	return ends_with_ci(p, end, ">:") && memchr(p, '@', (size_t)(end - p)) != NULL &&
	       has_at_or_time(p, end);
}

/* "--- On Wed, 4/4/12, X <x@y> wrote:" (Yahoo): dashes before the attribution. */
static int is_dashed_on_wrote(const char *p, const char *end, const char *next,
			      const char *next_end)
{
	p = skip_run(skip_blanks(p, end), end, '-', 1);
	return p != NULL && is_on_wrote(p, end, next, next_end);
}

static int starts_more_history(const char *p, const char *end)
{
	const char *next = next_line(end), *next_end = line_end(next);

	return is_dashed_words(p, end, "forwarded message") ||
	       (starts_with_ci(skip_blanks(p, end), end, "Begin forwarded message:")) ||
	       is_header_block(p, end) || is_address_attribution(p, end) ||
	       is_dashed_on_wrote(p, end, next, next_end);
}

/* ---- attributions above `>` quotes ---- */

static int ends_with_colon(const char *p, const char *end)
{
	end = trim_end(p, end);
	return end > p && end[-1] == ':';
}

/* A '<' not closed on its line: an address wrapped onto the next one. */
static int has_open_angle(const char *p, const char *end)
{
	const char *lt = NULL;

	for (const char *s = p; s < end; s++) {
		if (*s == '<')
			lt = s;
		else if (*s == '>')
			lt = NULL;
	}
	return lt != NULL;
}

/* How many lines (0, 1 or 2) at p read as an attribution: "On ... wrote:", or in any
   language a line ending in ':' with an address or a time ("02.04.2012 14:20 Jo
   <jo@x> написал:"), wrapped in two when the first line leaves an address open or the
   second alone would not read as one. */
static int attribution_lines(const char *p, const char *end, const char *next,
			     const char *next_end)
{
	const char *q = skip_run(skip_blanks(p, end), end, '-', 1);

	q = q != NULL ? q : p;
	if (starts_with_ci(skip_blanks(q, end), end, "On ") &&
	    ends_with_ci(p, trim_end(p, end), "wrote:"))
		return 1;
	if (is_on_wrote(q, end, next, next_end))
		return 2;
	if (ends_with_colon(p, end) && has_at_or_time(p, end))
		return 1;
	if (*end == '\n' && ends_with_colon(next, next_end) && has_at_or_time(p, end) &&
	    (has_open_angle(p, end) || !has_at_or_time(next, next_end)))
		return 2;
	return 0;
}

/* Where the text goes on after an attribution at p that introduces `>` quoted lines (the
   first of them), or NULL. Only above `>` lines is it an attribution: the words of a
   bottom-posted or inline reply below the quote are kept. */
static const char *skip_attribution(const char *p, const char *end)
{
	const char *next = next_line(end), *next_end = line_end(next);
	int lines = attribution_lines(p, end, next, next_end);

	if (lines == 0)
		return NULL;
	p = lines == 1 ? next : next_line(next_end);
	for (end = line_end(p); *p != '\0' && is_blank_line(p, end); end = line_end(p))
		p = next_line(end);
	return is_quote_line(p, end) ? p : NULL;
}

/* ---- the body without the quoted history ---- */

static GString *strip_quoted(const char *body, int quotes_only)
{
	GString *out = g_string_sized_new(strlen(body) + 1);
	const char *p = body, *end, *after;

	for (; *p != '\0'; p = next_line(end)) {
		end = line_end(p);
		if (is_quote_line(p, end))
			continue;
		if (!quotes_only && (after = skip_attribution(p, end)) != NULL) {
			/* Go on at the first quoted line, which the loop drops. */
			end = after - 1;
			continue;
		}
		if (starts_quoted_tail(p, end) || (!quotes_only && starts_more_history(p, end)))
			break;
		g_string_append_len(out, p, next_line(end) - p);
	}
	return out;
}

/* ---- signatures ---- */

/* Start of the line that ends at pos (a '\n' or the end of s). */
static size_t line_start_before(const GString *s, size_t pos)
{
	while (pos > 0 && s->str[pos - 1] != '\n')
		pos--;
	return pos;
}

/* Drop blank lines (and the newline) at the end of s. */
static void trim_blank_tail(GString *s)
{
	size_t end = s->len, start;

	for (;;) {
		start = line_start_before(s, end);
		if (!is_blank_line(s->str + start, s->str + end))
			break;
		if (start == 0) {
			end = 0;
			break;
		}
		end = start - 1;
	}
	g_string_truncate(s, end);
}

/* Everything from the first "-- " line (RFC 3676; many clients drop the space). */
static void cut_dashes(GString *s)
{
	const char *p = s->str, *end;

	for (; *p != '\0'; p = next_line(end)) {
		const char *q = skip_blanks(p, end = line_end(p));
		if (end - q >= 2 && q[0] == '-' && q[1] == '-' && skip_ws(q + 2, end) == end) {
			g_string_truncate(s, (size_t)(p - s->str));
			return;
		}
	}
}

static const char *const footers[] = {
	"Sent from my ", "Sent from Outlook", "Sent from Mail for ", "Sent from Yahoo Mail",
	"Sent from Samsung", "Sent from the ", "Sent from Gmail", "Sent from Proton",
	"Sent from AOL", "Sent via ", "Sent with ", "Sent using ", "Get Outlook for ",
	"Download Outlook for ",
};

static int is_footer(const char *p, const char *end)
{
	p = skip_ws(p, end);
	end = trim_ws_end(p, end);
	if (end - p > FOOTER_MAX_BYTES)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(footers); i++) {
		if (starts_with_ci(p, end, footers[i]))
			return 1;
	}
	return 0;
}

static const char *const signoffs[] = {
	"kind regards", "regards", "best regards", "warm regards", "kindest regards",
	"with regards", "thanks", "many thanks", "thank you", "thanks again", "with thanks",
	"thanks and regards", "best wishes", "kind wishes", "warm wishes", "all the best",
	"best", "cheers", "yours sincerely", "yours faithfully", "yours truly", "sincerely",
	"respectfully", "take care", "diolch", "cofion",
};

/* "Kind regards," "Many  thanks!" "Yours sincerely" alone on the line (U+00A0 a space). */
static int is_signoff(const char *p, const char *end)
{
	char buf[SIGNOFF_MAX_BYTES + 1];
	size_t n = 0;

	p = skip_ws(p, end);
	end = trim_ws_end(p, end);
	while (end > p && strchr(",.!:;-", end[-1]) != NULL)
		end--;
	if (end - p > SIGNOFF_MAX_BYTES)
		return 0;
	while (p < end) {
		const char *space = skip_ws(p, end);
		if (space > p) {
			if (n > 0 && buf[n - 1] != ' ')
				buf[n++] = ' ';
			p = space;
		} else {
			buf[n++] = g_ascii_tolower(*p++);
		}
	}
	buf[n] = '\0';
	for (size_t i = 0; i < G_N_ELEMENTS(signoffs); i++) {
		if (strcmp(buf, signoffs[i]) == 0)
			return 1;
	}
	return 0;
}

/* Cut a last line that is a mobile footer, or the last sign-off line when at most
   SIGNOFF_MAX_AFTER short lines follow it. s has no blank tail. 1 when something was cut. */
static int cut_signature_tail(GString *s)
{
	size_t end = s->len, start;
	unsigned after = 0;

	start = line_start_before(s, end);
	if (is_footer(s->str + start, s->str + end)) {
		g_string_truncate(s, start);
		return 1;
	}
	for (;;) {
		const char *p = s->str + start, *e = s->str + end;
		if (!is_blank_line(p, e)) {
			if (is_signoff(p, e)) {
				g_string_truncate(s, start);
				return 1;
			}
			if (after++ == SIGNOFF_MAX_AFTER ||
			    g_utf8_strlen(p, e - p) > SIGNOFF_LINE_MAX_CHARS)
				return 0;
		}
		if (start == 0)
			return 0;
		end = start - 1;
		start = line_start_before(s, end);
	}
}

static void cut_signature(GString *s)
{
	cut_dashes(s);
	trim_blank_tail(s);
	for (int i = 0; i < SIGNATURE_ROUNDS && s->len > 0 && cut_signature_tail(s); i++)
		trim_blank_tail(s);
}

char *mime_reply_new_text(const char *body, unsigned flags)
{
	int quotes_only = (flags & MIME_REPLY_QUOTES_ONLY) != 0;
	GString *out;

	if (body == NULL)
		return g_strdup("");
	out = strip_quoted(body, quotes_only);
	if ((flags & MIME_REPLY_NO_SIGNATURE) != 0)
		cut_signature(out);
	if (!quotes_only)
		trim_blank_tail(out);
	return g_string_free(out, FALSE);
}
