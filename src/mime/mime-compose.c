/* mime-compose.c: mime_compose, our notices as RFC 5322 text. Holds the checks on a notice
   (addresses, display names, subject, bodies, message-ids), the envelope headers and Date in
   Europe/London, the body as one text/plain part or a multipart/alternative with the HTML
   part, encoded so no body text can end the multipart, files attached after it, and the final
   CRLF and 998-octet line check. */
#include "mime.h"

#include "core.h"
#include "mime-private.h"
#include "pd-limits.h"

#include <string.h>

#include <gmime/gmime.h>

/* A header value we write: valid UTF-8, no control characters but tab (so no CR/LF). */
static int header_text_ok(const char *s, size_t max)
{
	return s == NULL || mime_utf8_printable(s, max);
}

static int notice_ids_ok(const struct mime_notice *n, char **error_r)
{
	if (!mime_msgid_valid(n->message_id))
		return error_set(error_r, 0, "invalid Message-ID");
	if (n->in_reply_to != NULL && !mime_msgid_valid(n->in_reply_to))
		return error_set(error_r, 0, "invalid In-Reply-To");
	for (size_t i = 0; n->references != NULL && n->references[i] != NULL; i++) {
		if (!mime_msgid_valid(n->references[i]))
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
	if ((*from_r = mime_addr_normalize(n->from_addr)) == NULL)
		return error_set(error_r, 0, "invalid From address");
	if ((*to_r = mime_addr_normalize(n->to_addr)) == NULL)
		return error_set(error_r, 0, "invalid To address");
	if (!header_text_ok(n->from_name, PD_MAX_NAME) || !header_text_ok(n->to_name, PD_MAX_NAME))
		return error_set(error_r, 0, "invalid display name (control characters or too long)");
	if (!header_text_ok(n->subject, PD_MAX_HEADER_VALUE))
		return error_set(error_r, 0, "invalid Subject (control characters or too long)");
	if (!body_ok(n->body_text, "body", error_r) || !body_ok(n->body_html, "HTML body", error_r))
		return 0;
	if (n->n_inline > 0 && (n->body_html == NULL || n->inline_images == NULL))
		return error_set(error_r, 0, "inline images without an HTML part");
	for (size_t i = 0; i < n->n_inline; i++) {
		const struct mime_blob *b = &n->inline_images[i];
		if (b->data == NULL || b->filename == NULL || !mime_msgid_valid(b->filename))
			return error_set(error_r, 0, "invalid inline image %zu", i + 1);
	}
	for (size_t i = 0; i < n->n_attachments; i++) {
		const struct mime_blob *b = &n->attachments[i];
		if ((b->data == NULL && b->len > 0) || !header_text_ok(b->filename, PD_MAX_NAME) ||
		    !header_text_ok(b->content_type, PD_MAX_NAME))
			return error_set(error_r, 0, "invalid attachment %zu", i + 1);
	}
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
	/* RFC 3834: an answer to a message is auto-replied; a digest or an alert answers
	   nothing and is auto-generated. Either way no one auto-answers it. */
	if (n->auto_replied)
		g_mime_object_set_header(obj, "Auto-Submitted", n->in_reply_to != NULL ?
					 "auto-replied" : "auto-generated", NULL);
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

static GMimeObject *attachment_part(const struct mime_blob *b);

/* The HTML and the images it shows (RFC 2387): mail clients resolve "cid:NAME" to the part
   whose Content-ID is NAME; no remote image is ever fetched. */
static GMimeObject *html_with_images(GMimePart *html, const struct mime_notice *n)
{
	GMimeMultipart *related = g_mime_multipart_new_with_subtype("related");

	g_mime_object_set_content_type_parameter(GMIME_OBJECT(related), "type", "text/html");
	g_mime_multipart_add(related, GMIME_OBJECT(html));
	for (size_t i = 0; i < n->n_inline; i++) {
		struct mime_blob named = n->inline_images[i];
		/* Named as the Content-ID up to its '@': "chart.png" for "chart.png@pdgate". */
		char *name = g_strndup(named.filename, strcspn(named.filename, "@"));
		GMimeObject *img;

		named.filename = name;
		img = attachment_part(&named);
		g_mime_object_set_disposition(img, GMIME_DISPOSITION_INLINE);
		g_mime_object_set_content_id(img, n->inline_images[i].filename);
		g_free(name);
		g_mime_multipart_add(related, img);
		g_object_unref(img);
	}
	return GMIME_OBJECT(related);
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
	if (n->n_inline > 0) {
		GMimeObject *related = html_with_images(html, n);
		g_mime_multipart_add(alternative, related);
		g_object_unref(related);
	} else {
		g_mime_multipart_add(alternative, GMIME_OBJECT(html));
	}
	g_object_unref(plain);
	g_object_unref(html);
	return GMIME_OBJECT(alternative);
}

/* A file after the body: base64 whatever it holds, its name as GMime encodes it (RFC 2231),
   its type from the source or application/octet-stream. */
static GMimeObject *attachment_part(const struct mime_blob *b)
{
	GMimeContentType *ct = b->content_type != NULL ?
			       g_mime_content_type_parse(NULL, b->content_type) : NULL;
	GMimePart *part = ct != NULL && g_mime_content_type_get_media_type(ct) != NULL ?
			  g_mime_part_new_with_type(g_mime_content_type_get_media_type(ct),
						    g_mime_content_type_get_media_subtype(ct)) :
			  g_mime_part_new_with_type("application", "octet-stream");
	GMimeStream *stream = g_mime_stream_mem_new_with_buffer(b->data, b->len);
	GMimeDataWrapper *content = g_mime_data_wrapper_new_with_stream(stream,
									GMIME_CONTENT_ENCODING_DEFAULT);

	g_mime_part_set_content(part, content);
	g_mime_part_set_content_encoding(part, GMIME_CONTENT_ENCODING_BASE64);
	g_mime_object_set_disposition(GMIME_OBJECT(part), GMIME_DISPOSITION_ATTACHMENT);
	if (b->filename != NULL)
		g_mime_part_set_filename(part, b->filename);
	g_object_unref(content);
	g_object_unref(stream);
	if (ct != NULL)
		g_object_unref(ct);
	return GMIME_OBJECT(part);
}

/* The body, then the files: multipart/mixed when there are any. */
static GMimeObject *notice_with_files(const struct mime_notice *n)
{
	GMimeObject *body = notice_content(n);
	GMimeMultipart *mixed;

	if (n->n_attachments == 0)
		return body;
	mixed = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mixed, body);
	g_object_unref(body);
	for (size_t i = 0; i < n->n_attachments; i++) {
		GMimeObject *part = attachment_part(&n->attachments[i]);
		g_mime_multipart_add(mixed, part);
		g_object_unref(part);
	}
	return GMIME_OBJECT(mixed);
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
	content = notice_with_files(n);
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
