/* mime-parse.c: mime_parse and mime_message_free. Holds the structure guard run before GMime
   sees the bytes, the parser options and the GMime warnings turned into defects, the bounded
   walk of the MIME tree (depth, part and attachment limits) that finds the body parts and
   lists the attachments, and the assembly of the body with a forwarded message's text. The
   envelope and header list come from mime-headers.c, the text of a part from mime-text.c. */
#include "mime.h"

#include "core.h"
#include "mime-private.h"
#include "pd-limits.h"

#include <fcntl.h>
#include <string.h>

#include <gmime/gmime.h>


/* ---------------------------------------------------------------- parser warnings */

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
	char *clean = item == NULL ? NULL : pd_utf8_clean(item, PD_MAX_DEFECT_ITEM, 0);

	if (clean == NULL || clean[0] == '\0')
		mime_defect_add(d, "%s", parser_warning_name(code));
	else
		mime_defect_add(d, "%s: %s", parser_warning_name(code), clean);
	g_free(clean);
}

/* ---------------------------------------------------------------- MIME tree */

enum text_slot { TEXT_PLAIN, TEXT_HTML, TEXT_FWD_PLAIN, TEXT_FWD_HTML, TEXT_SLOTS };

struct walk {
	struct defects *defects;
	GArray *attachments; /* struct mime_attachment */
	GArray *blobs;       /* struct mime_blob, when the bytes are wanted, else NULL */
	size_t blob_bytes, blob_max;
	int too_big;
	int files_only;      /* MIME_FILES_ATTACHED: only what the sender attached */
	GMimePart *text[TEXT_SLOTS];
	InternetAddressList *fwd_from; /* From of the first forwarded message, borrowed */
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
	ret = mime_clean_or_null(lower, PD_MAX_CONTENT_TYPE);
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
	ret = mime_clean_or_null(base, PD_MAX_NAME);
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

/* The decoded bytes of an attachment into w->blobs, while they fit in w->blob_max. */
static void add_blob(struct walk *w, GMimeObject *obj, const struct mime_attachment *a)
{
	struct mime_blob b = { NULL, NULL, NULL, 0 };
	GMimeStream *mem;
	GByteArray *bytes;

	if (w->too_big || a->size > w->blob_max - w->blob_bytes) {
		w->too_big = 1;
		return;
	}
	mem = g_mime_stream_mem_new();
	if (GMIME_IS_PART(obj) && g_mime_part_get_content(GMIME_PART(obj)) != NULL)
		g_mime_data_wrapper_write_to_stream(g_mime_part_get_content(GMIME_PART(obj)), mem);
	else if (!GMIME_IS_PART(obj))
		g_mime_object_write_content_to_stream(obj, NULL, mem);
	bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	b.filename = g_strdup(a->filename);
	b.content_type = g_strdup(a->content_type);
	b.len = bytes->len;
	b.data = g_memdup2(bytes->data, bytes->len);
	w->blob_bytes += b.len;
	g_array_append_val(w->blobs, b);
	g_object_unref(mem);
}

/* A file the sender attached, as opposed to an image their mail program put in the body
   (a signature's logo has a Content-ID and is not marked as an attachment). */
static int sender_attached(GMimeObject *obj)
{
	GMimeContentDisposition *disp = g_mime_object_get_content_disposition(obj);

	if (disp != NULL && g_mime_content_disposition_is_attachment(disp))
		return 1;
	return g_mime_object_get_content_id(obj) == NULL;
}

static void add_attachment(struct walk *w, GMimeObject *obj, const char *filename)
{
	struct mime_attachment a;

	if (w->files_only && !sender_attached(obj))
		return;
	if (w->attachments->len >= PD_MAX_ATTACHMENTS) {
		mime_defect_add(w->defects, "attachment limit reached");
		return;
	}
	a.filename = clean_filename(filename);
	a.content_type = content_type_string(obj);
	a.size = decoded_size(obj);
	g_array_append_val(w->attachments, a);
	if (w->blobs != NULL)
		add_blob(w, obj, &a);
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
	if (inner != NULL && w->fwd_from == NULL)
		w->fwd_from = g_mime_message_get_from(inner);
	/* A forwarded message is passed on whole or not at all, never its files one by one. */
	if (inner != NULL && !w->files_only)
		walk_object(w, g_mime_message_get_mime_part(inner), depth + 1, 1);
}

static void walk_object(struct walk *w, GMimeObject *obj, unsigned depth, int in_fwd)
{
	if (obj == NULL || w->stopped)
		return;
	if (depth > PD_MAX_MIME_DEPTH) {
		mime_defect_add(w->defects, "MIME depth limit reached");
		return;
	}
	if (++w->parts > PD_MAX_MIME_PARTS) {
		mime_defect_add(w->defects, "part limit reached");
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

/* Text of the first filled slot in [from, to), or NULL; sets *html_r. */
static char *slot_text(struct walk *w, int from, int to, struct defects *d, int *html_r)
{
	char *text = NULL;
	for (int slot = from; slot < to && text == NULL; slot++) {
		if (w->text[slot] == NULL)
			continue;
		*html_r = slot == TEXT_HTML || slot == TEXT_FWD_HTML;
		text = mime_part_text(w->text[slot], *html_r, d);
	}
	return text;
}

/* Who wrote the forwarded mail: an attached message says in its From; an inline forward in
   its text's header block. */
static void fill_forwarded_from(struct mime_message *m, InternetAddressList *from)
{
	InternetAddress *ia = from != NULL && internet_address_list_length(from) > 0 ?
			      internet_address_list_get_address(from, 0) : NULL;

	if (ia != NULL && INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		m->forwarded_from_addr = mime_addr_normalize(
			internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
		if (m->forwarded_from_addr != NULL)
			m->forwarded_from_name = mime_clean_or_null(internet_address_get_name(ia),
								    PD_MAX_NAME);
	}
	if (m->forwarded_from_addr == NULL)
		mime_forwarded_sender(m->body_text, &m->forwarded_from_addr,
				      &m->forwarded_from_name);
	mime_form_sender(m->body_text, &m->form_addr, &m->form_name);
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
	fill_forwarded_from(m, w.fwd_from);
	m->n_attachments = w.attachments->len;
	m->attachments = (struct mime_attachment *)(void *)g_array_free(w.attachments,
									 m->n_attachments == 0);
}

/* ---------------------------------------------------------------- parse */

/* Bytes the guard reads at a time. */
#define GUARD_READ (64u * 1024u)

/* The guard reads the message once, in pieces (it may be a file of PD_MAX_MESSAGE_SIZE), so
   each line is classified as its bytes go by: its length, its first two bytes, and whether it
   starts with a header name followed by ':' (head: -1 not known yet, 0 no, 1 yes). */
struct guard {
	size_t boundary_lines, header_lines, header_bytes;
	int in_header; /* the previous line looked like a header (continuations count too) */
	size_t line_len, name_len;
	char first[2];
	int head;
};

static void guard_init(struct guard *g)
{
	memset(g, 0, sizeof(*g));
	g->head = -1;
}

static void guard_end_line(struct guard *g)
{
	if (g->line_len >= 2 && g->first[0] == '-' && g->first[1] == '-') {
		g->boundary_lines++;
		g->in_header = 0;
	} else if (g->head == 1 || (g->in_header && g->line_len > 0 &&
				    (g->first[0] == ' ' || g->first[0] == '\t'))) {
		g->header_lines++;
		g->header_bytes += g->line_len;
		g->in_header = 1;
	} else {
		g->in_header = 0;
	}
	g->line_len = g->name_len = 0;
	g->head = -1;
}

/* One byte of a line whose start is not classified yet. */
static void guard_name_byte(struct guard *g, char c)
{
	if (g_ascii_isalnum(c) || c == '-' || c == '_')
		g->name_len++;
	else
		g->head = c == ':' && g->name_len > 0;
}

static void guard_feed(struct guard *g, const char *p, size_t len)
{
	const char *end = p + len;

	while (p < end) {
		if (*p == '\n') {
			guard_end_line(g);
			p++;
			continue;
		}
		if (g->line_len < 2)
			g->first[g->line_len] = *p;
		if (g->head == -1) {
			guard_name_byte(g, *p);
			g->line_len++;
			p++;
			continue;
		}
		/* Classified: only the length counts until the end of the line. */
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl == NULL ? end : nl;
		for (const char *q = p; q < stop && g->line_len + (size_t)(q - p) < 2; q++)
			g->first[g->line_len + (size_t)(q - p)] = *q;
		g->line_len += (size_t)(stop - p);
		p = stop;
	}
}

static int guard_finish(struct guard *g, char **error_r)
{
	if (g->line_len > 0)
		guard_end_line(g);
	if (g->boundary_lines > PD_GUARD_BOUNDARY_LINES)
		return error_set(error_r, 0, "too many boundary lines (%zu)", g->boundary_lines);
	if (g->header_lines > PD_GUARD_HEADER_LINES || g->header_bytes > PD_GUARD_HEADER_BYTES)
		return error_set(error_r, 0, "too much header data (%zu lines, %zu bytes)",
				 g->header_lines, g->header_bytes);
	return 1;
}

/* The guard over stream, read from its start and reset afterwards. 1, or 0 with *error_r. */
static int structure_guard(GMimeStream *stream, char **error_r)
{
	struct guard g;
	char *buf = g_malloc(GUARD_READ);
	ssize_t n;
	int ret;

	guard_init(&g);
	g_mime_stream_reset(stream);
	while ((n = g_mime_stream_read(stream, buf, GUARD_READ)) > 0)
		guard_feed(&g, buf, (size_t)n);
	ret = n < 0 ? error_set(error_r, 0, "the message cannot be read") :
		      guard_finish(&g, error_r);
	g_mime_stream_reset(stream);
	g_free(buf);
	return ret;
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

static GMimeMessage *construct_message(GMimeStream *stream, GMimeParserOptions *opts)
{
	GMimeParser *parser = g_mime_parser_new_with_stream(stream);
	GMimeMessage *gm;

	/* A seekable stream (memory or file) is kept by reference: the parts' contents are
	   ranges of it, never copies, so a large file is not read into memory. */
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	gm = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	return gm;
}

static int has_headers(GMimeMessage *gm)
{
	GMimeObject *part = g_mime_message_get_mime_part(gm);

	return g_mime_header_list_get_count(g_mime_object_get_header_list(GMIME_OBJECT(gm))) > 0 ||
	       (part != NULL &&
		g_mime_header_list_get_count(g_mime_object_get_header_list(part)) > 0);
}

/* The checks before GMime sees a message, then the parse. NULL with *error_r when the
   message cannot be parsed at all. */
static GMimeMessage *guarded_parse(GMimeStream *stream, GMimeParserOptions *opts, char **error_r)
{
	gint64 len = g_mime_stream_length(stream);
	GMimeMessage *gm = NULL;

	if (len <= 0)
		error_set(error_r, 0, len == 0 ? "empty message" : "the message cannot be read");
	else if (len > (gint64)PD_MAX_MESSAGE_SIZE)
		error_set(error_r, 0, "message larger than %u bytes", PD_MAX_MESSAGE_SIZE);
	else if (structure_guard(stream, error_r) &&
		 ((gm = construct_message(stream, opts)) == NULL || !has_headers(gm))) {
		error_set(error_r, 0, "not a mail message: no headers");
		g_clear_object(&gm);
	}
	return gm;
}

static int parse_stream(GMimeStream *stream, struct mime_message **msg_r, char **error_r)
{
	struct defects defects = { g_string_new(NULL), 0 };
	GMimeParserOptions *opts = parser_options_new(&defects);
	GMimeMessage *gm = guarded_parse(stream, opts, error_r);
	struct mime_message *m = NULL;

	if (gm != NULL) {
		m = g_malloc0(sizeof(*m));
		mime_fill_envelope(m, gm, opts, &defects);
		m->content_type = content_type_string(g_mime_message_get_mime_part(gm));
		fill_body(m, gm, &defects);
		mime_fill_headers(m, gm, &defects);
		m->defects = mime_defects_finish(&defects);
		g_object_unref(gm);
	}
	g_mime_parser_options_free(opts);
	g_string_free(defects.text, TRUE);
	*msg_r = m;
	return m != NULL;
}

/* A read-only GMime stream on the file at path, or NULL with *error_r. */
static GMimeStream *file_stream(const char *path, char **error_r)
{
	GError *err = NULL;
	GMimeStream *stream = g_mime_stream_fs_open(path, O_RDONLY | O_CLOEXEC, 0, &err);

	if (stream == NULL) {
		error_set(error_r, -1, "open %s: %s", path, err != NULL ? err->message : "?");
		g_clear_error(&err);
	}
	return stream;
}

int mime_parse(const char *raw, size_t len, struct mime_message **msg_r, char **error_r)
{
	GMimeStream *stream;
	int ret;

	*msg_r = NULL;
	if (raw == NULL || len == 0)
		return error_set(error_r, 0, "empty message");
	if (len > PD_MAX_MESSAGE_SIZE)
		return error_set(error_r, 0, "message larger than %u bytes", PD_MAX_MESSAGE_SIZE);
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	ret = parse_stream(stream, msg_r, error_r);
	g_object_unref(stream);
	return ret;
}

int mime_parse_file(const char *path, struct mime_message **msg_r, char **error_r)
{
	GMimeStream *stream = file_stream(path, error_r);
	int ret;

	*msg_r = NULL;
	if (stream == NULL)
		return -1;
	ret = parse_stream(stream, msg_r, error_r);
	g_object_unref(stream);
	return ret;
}

static void attachments_free(GArray *attachments)
{
	for (guint i = 0; i < attachments->len; i++) {
		g_free(g_array_index(attachments, struct mime_attachment, i).filename);
		g_free(g_array_index(attachments, struct mime_attachment, i).content_type);
	}
	g_array_free(attachments, TRUE);
}

static void blobs_array_free(GArray *blobs)
{
	for (guint i = 0; i < blobs->len; i++) {
		struct mime_blob *b = &g_array_index(blobs, struct mime_blob, i);
		g_free(b->filename);
		g_free(b->content_type);
		g_free(b->data);
	}
	g_array_free(blobs, TRUE);
}

/* The same walk as mime_parse's, keeping the attachments' bytes. */
static int read_blobs(GMimeMessage *gm, size_t max_total, enum mime_files which, GArray *blobs,
		      char **error_r)
{
	struct defects defects = { g_string_new(NULL), 0 };
	struct walk w = { .defects = &defects, .blobs = blobs, .blob_max = max_total,
			  .files_only = which == MIME_FILES_ATTACHED };

	w.attachments = g_array_new(FALSE, TRUE, sizeof(struct mime_attachment));
	walk_object(&w, g_mime_message_get_mime_part(gm), 0, 0);
	attachments_free(w.attachments);
	g_string_free(defects.text, TRUE);
	if (w.too_big)
		return error_set(error_r, 0, "the attachments add up to more than %zu bytes",
				 max_total);
	return 1;
}

static int attachments_stream(GMimeStream *stream, enum mime_files which, size_t max_total,
			      struct mime_blob **blobs_r, size_t *n_r, char **error_r)
{
	struct defects defects = { g_string_new(NULL), 0 };
	GArray *blobs = g_array_new(FALSE, TRUE, sizeof(struct mime_blob));
	GMimeParserOptions *opts = parser_options_new(&defects);
	GMimeMessage *gm = guarded_parse(stream, opts, error_r);
	int ret = gm != NULL ? read_blobs(gm, max_total, which, blobs, error_r) : 0;

	if (ret == 1) {
		*n_r = blobs->len;
		*blobs_r = (struct mime_blob *)(void *)g_array_free(blobs, FALSE);
		blobs = NULL;
	}
	if (blobs != NULL)
		blobs_array_free(blobs);
	if (gm != NULL)
		g_object_unref(gm);
	g_mime_parser_options_free(opts);
	g_string_free(defects.text, TRUE);
	return ret;
}

int mime_attachments_read(const char *raw, size_t len, enum mime_files which, size_t max_total,
			  struct mime_blob **blobs_r, size_t *n_r, char **error_r)
{
	GMimeStream *stream;
	int ret;

	*blobs_r = NULL;
	*n_r = 0;
	if (raw == NULL || len == 0 || len > PD_MAX_MESSAGE_SIZE)
		return error_set(error_r, 0, "the message cannot be read");
	stream = g_mime_stream_mem_new_with_buffer(raw, len);
	ret = attachments_stream(stream, which, max_total, blobs_r, n_r, error_r);
	g_object_unref(stream);
	return ret;
}

int mime_attachments_read_file(const char *path, enum mime_files which, size_t max_total,
			       struct mime_blob **blobs_r, size_t *n_r, char **error_r)
{
	GMimeStream *stream = file_stream(path, error_r);
	int ret;

	*blobs_r = NULL;
	*n_r = 0;
	if (stream == NULL)
		return 0;
	ret = attachments_stream(stream, which, max_total, blobs_r, n_r, error_r);
	g_object_unref(stream);
	return ret;
}

void mime_blobs_free(struct mime_blob **blobs, size_t n)
{
	for (size_t i = 0; *blobs != NULL && i < n; i++) {
		g_free((*blobs)[i].filename);
		g_free((*blobs)[i].content_type);
		g_free((*blobs)[i].data);
	}
	g_free(*blobs);
	*blobs = NULL;
}

void mime_message_free(struct mime_message **msg)
{
	struct mime_message *m = msg == NULL ? NULL : *msg;

	if (m == NULL)
		return;
	g_free(m->from_name);
	g_free(m->from_addr);
	g_free(m->forwarded_from_name);
	g_free(m->forwarded_from_addr);
	g_free(m->form_name);
	g_free(m->form_addr);
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
