/* classify/bounce: is a machine-generated message a delivery failure report, and which of
   the mail it returns was ours. The raw bytes are untrusted: they are only scanned, byte by
   byte within len, for Message-ID lines; what is taken is bounded (PD_MAX_BOUNCE_IDS ids of
   at most PD_MAX_MESSAGE_ID bytes, each checked as an id) and looked up, never shown. */
#include "classify.h"
#include "core.h"
#include "pd-limits.h"

#include <string.h>

static int has_part(const struct mime_message *msg, const char *const *types)
{
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const char *t = msg->attachments[i].content_type;
		if (t != NULL && g_strv_contains(types, t))
			return 1;
	}
	return 0;
}

/* A sender whose mail is a delivery report (RFC 5321's null reverse-path users). */
static int daemon_sender(const struct mime_message *msg)
{
	const char *addr = msg->from_addr;
	size_t n = addr != NULL ? strcspn(addr, "@") : 0;

	char *local = n > 0 ? g_ascii_strdown(addr, (gssize)n) : NULL;
	int daemon = local != NULL && (strstr(local, "mailer-daemon") != NULL ||
				       strstr(local, "postmaster") != NULL ||
				       strcmp(local, "post_master") == 0);

	g_free(local);
	return daemon;
}

static int bounce_subject(const char *subject)
{
	static const char *const tokens[] = {
		"undeliverable", "undelivered mail", "delivery status notification (failure)",
		"mail delivery failed", "returned mail", "delivery failure", "failure notice",
		"mail delivery subsystem", "non remis", "nondeliverable", "could not be delivered",
		NULL
	};
	for (size_t i = 0; subject != NULL && tokens[i] != NULL; i++) {
		if (strcasestr(subject, tokens[i]) != NULL)
			return 1;
	}
	return 0;
}

int classify_is_bounce(const struct mime_message *msg)
{
	static const char *const dsn[] = { "message/delivery-status",
					   "message/global-delivery-status",
					   "text/rfc822-headers", NULL };
	/* Read receipts and abuse reports are reports too, but say nothing failed. */
	static const char *const other[] = { "message/disposition-notification",
					     "message/feedback-report", NULL };
	const char *rp = mime_message_header(msg, "Return-Path");

	if (has_part(msg, other))
		return 0;
	if (has_part(msg, dsn) || daemon_sender(msg))
		return 1;
	if (msg->content_type != NULL && strcmp(msg->content_type, "multipart/report") == 0)
		return 1;
	/* A bounce subject alone could be a person's words: it needs a machine's envelope too
	   (the null reverse-path, no usable From, or Auto-Submitted). */
	return bounce_subject(msg->subject) &&
	       ((rp != NULL && strstr(rp, "<>") != NULL) || msg->from_addr == NULL ||
		mime_message_header(msg, "Auto-Submitted") != NULL);
}

/* Where the top-level header ends (the first empty line), or len. */
static size_t header_end(const char *raw, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (raw[i] == '\n' && (raw[i + 1] == '\n' ||
				       (raw[i + 1] == '\r' && i + 2 < len && raw[i + 2] == '\n')))
			return i + 1;
	}
	return len;
}

/* At p (a line's start, quote marks and indentation skipped): a header named
   [Original-|X-Original-]Message-ID? Returns the offset just past the colon, or 0. */
static size_t msgid_label(const char *p, size_t left)
{
	static const char *const names[] = { "message-id:", "original-message-id:",
					     "x-original-message-id:", NULL };
	for (size_t i = 0; names[i] != NULL; i++) {
		size_t n = strlen(names[i]);
		if (left >= n && g_ascii_strncasecmp(p, names[i], n) == 0)
			return n;
	}
	return 0;
}

/* The <id> after a label, across white space and one folded line: g_malloc'd without the
   brackets, or NULL when what follows is not a plausible id. */
static char *take_id(const char *p, size_t left)
{
	size_t i = 0, start;

	while (i < left && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n') && i < 8)
		i++;
	if (i >= left || p[i] != '<')
		return NULL;
	start = ++i;
	while (i < left && i - start <= PD_MAX_MESSAGE_ID && p[i] != '>') {
		if ((unsigned char)p[i] <= ' ' || (unsigned char)p[i] >= 0x7f || p[i] == '<')
			return NULL;
		i++;
	}
	if (i >= left || p[i] != '>' || i == start || memchr(p + start, '@', i - start) == NULL)
		return NULL;
	return g_strndup(p + start, i - start);
}

static void scan(const char *text, size_t len, GPtrArray *ids)
{
	size_t i = 0;

	while (i < len && ids->len < PD_MAX_BOUNCE_IDS) {
		size_t j = i, label;
		while (j < len && (text[j] == ' ' || text[j] == '\t' || text[j] == '>'))
			j++;
		label = msgid_label(text + j, len - j);
		if (label > 0) {
			char *id = take_id(text + j + label, len - j - label);
			int seen = 0;
			for (guint k = 0; id != NULL && k < ids->len; k++)
				seen |= strcmp(ids->pdata[k], id) == 0;
			if (id != NULL && !seen)
				g_ptr_array_add(ids, id);
			else
				g_free(id);
		}
		const char *nl = memchr(text + i, '\n', len - i);
		i = nl != NULL ? (size_t)(nl - text) + 1 : len;
	}
}

char **classify_bounce_ids(const char *raw, size_t len, const char *body_text)
{
	GPtrArray *ids = g_ptr_array_new();
	size_t body = header_end(raw, len);

	scan(raw + body, len - body, ids);
	/* A report whose returned text is encoded (base64 bodies) is read decoded too. */
	if (body_text != NULL)
		scan(body_text, strlen(body_text), ids);
	g_ptr_array_add(ids, NULL);
	return (char **)g_ptr_array_free(ids, FALSE);
}

/* The value of the first line labelled `label` (case-insensitive) after the header, as
   printable ASCII, or NULL. */
static char *report_field(const char *raw, size_t len, const char *label)
{
	size_t n = strlen(label), i = header_end(raw, len);

	while (i < len) {
		const char *nl = memchr(raw + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - raw) : len;
		if (end - i > n && g_ascii_strncasecmp(raw + i, label, n) == 0) {
			GString *s = g_string_new(NULL);
			for (size_t k = i + n; k < end && s->len < PD_MAX_BOUNCE_REASON; k++) {
				unsigned char c = (unsigned char)raw[k];
				g_string_append_c(s, c >= ' ' && c < 0x7f ? (char)c : ' ');
			}
			return g_strstrip(g_string_free(s, FALSE));
		}
		i = end + 1;
	}
	return NULL;
}

char *classify_bounce_reason(const char *raw, size_t len)
{
	char *status = report_field(raw, len, "Status:");
	char *diag = report_field(raw, len, "Diagnostic-Code:");
	char *reason;

	if (status != NULL && diag != NULL)
		reason = g_strdup_printf("status %s: %s", status, diag);
	else if (status != NULL || diag != NULL)
		reason = g_strdup_printf("%s%s", status != NULL ? "status " : "",
					 status != NULL ? status : diag);
	else
		reason = g_strdup("a delivery failure report (no standard status)");
	g_free(status);
	g_free(diag);
	return reason;
}
