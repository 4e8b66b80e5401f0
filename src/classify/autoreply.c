/* classify/autoreply: RFC 3834 and de-facto signs of machine-generated mail. Input is the
   validated struct from mime; header values are untrusted text and only compared. */
#include "classify.h"
#include "core.h"

#include <string.h>

static int header_has_token(const char *value, const char *const *tokens)
{
	for (size_t i = 0; tokens[i] != NULL; i++) {
		if (strcasestr(value, tokens[i]) != NULL)
			return 1;
	}
	return 0;
}

static const char *by_auto_submitted(const struct mime_message *msg)
{
	const char *v = mime_message_header(msg, "Auto-Submitted");
	if (v == NULL)
		return NULL;
	char *t = g_strstrip(g_ascii_strdown(v, -1));
	/* "no" (with optional comment) means a person sent it. */
	int is_no = strncmp(t, "no", 2) == 0 && (t[2] == '\0' || t[2] == ' ' || t[2] == '(' ||
						 t[2] == ';');
	/* A web-form relay marks its notification auto-generated but names the person who filled
	   in the form in Reply-To: that is a real request, and answering a person cannot loop.
	   Auto-replies (auto-replied) are never excused. */
	const char *person = classify_form_requester(msg);
	int relay = g_str_has_prefix(t, "auto-generated") && person != NULL &&
		    (msg->from_addr == NULL || g_ascii_strcasecmp(person, msg->from_addr) != 0);
	g_free(t);
	return is_no || relay ? NULL : "Auto-Submitted header";
}

static const char *by_headers(const struct mime_message *msg)
{
	static const char *const precedence[] = { "bulk", "junk", "list", NULL };
	static const char *const suppress[] = { "all", "autoreply", "oof", NULL };
	const char *v;

	if ((v = mime_message_header(msg, "Precedence")) != NULL && header_has_token(v, precedence))
		return "Precedence bulk/junk/list";
	for (size_t i = 0; i < msg->n_headers; i++) {
		if (g_ascii_strncasecmp(msg->headers[i].name, "List-", 5) == 0)
			return "mailing list (List-* header)";
	}
	if ((v = mime_message_header(msg, "X-Auto-Response-Suppress")) != NULL &&
	    header_has_token(v, suppress))
		return "X-Auto-Response-Suppress";
	if (mime_message_header(msg, "X-Autoreply") != NULL ||
	    mime_message_header(msg, "X-Autorespond") != NULL ||
	    mime_message_header(msg, "X-Autoresponder") != NULL)
		return "X-Autoreply header";
	return NULL;
}

/* "<>" or empty, ignoring white space. */
static int is_null_address(const char *v)
{
	while (g_ascii_isspace(*v))
		v++;
	if (strncmp(v, "<>", 2) == 0)
		v += 2;
	while (g_ascii_isspace(*v))
		v++;
	return *v == '\0';
}

/* An empty or null Return-Path (<>) is how bounces are sent (RFC 5321 4.5.5). A missing one
   is not a sign: our own IMAP store may not add it. */
static const char *by_return_path(const struct mime_message *msg)
{
	const char *v = mime_message_header(msg, "Return-Path");
	return v != NULL && is_null_address(v) ? "null Return-Path (bounce)" : NULL;
}

static int is_noreply(const char *addr)
{
	static const char *const prefixes[] = { "noreply", "no-reply", "no_reply", "donotreply",
						"do-not-reply", "do_not_reply", NULL };
	for (size_t i = 0; prefixes[i] != NULL; i++) {
		if (g_ascii_strncasecmp(addr, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	}
	return 0;
}

const char *classify_form_requester(const struct mime_message *msg)
{
	if (msg->reply_to_addr != NULL && !is_noreply(msg->reply_to_addr))
		return msg->reply_to_addr;
	if (msg->from_addr != NULL && is_noreply(msg->from_addr) && msg->form_addr != NULL &&
	    !is_noreply(msg->form_addr))
		return msg->form_addr;
	return NULL;
}

static const char *by_sender(const struct mime_message *msg)
{
	const char *addr = msg->from_addr;
	if (addr == NULL)
		return NULL;
	const char *at = strchr(addr, '@');
	size_t local_len = at != NULL ? (size_t)(at - addr) : strlen(addr);
	char *local = g_ascii_strdown(addr, (gssize)local_len);
	const char *reason = NULL;

	if (strcmp(local, "mailer-daemon") == 0 || strcmp(local, "postmaster") == 0 ||
	    strcmp(local, "post_master") == 0)
		reason = "sender is MAILER-DAEMON/postmaster";
	else if (g_str_has_prefix(local, "owner-") || g_str_has_suffix(local, "-request"))
		reason = "sender is a list address";
	/* An address that takes no replies, with no Reply-To naming a person, is a notification
	   system; web forms that relay a request name the person in Reply-To. */
	else if (is_noreply(addr) && classify_form_requester(msg) == NULL)
		reason = "sender takes no replies (no-reply address without a person's Reply-To)";
	g_free(local);
	return reason;
}

/* Delivery and disposition reports and abuse feedback carry their machine-readable part
   even when the sender did not wrap them in multipart/report. */
static const char *by_report_part(const struct mime_message *msg)
{
	static const char *const types[] = { "message/delivery-status",
					     "message/global-delivery-status",
					     "message/disposition-notification",
					     "message/feedback-report", "text/rfc822-headers", NULL };
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const char *t = msg->attachments[i].content_type;
		if (t != NULL && g_strv_contains(types, t))
			return "delivery, read or abuse report part";
	}
	const char *from = mime_message_header(msg, "From");
	if (from != NULL && is_null_address(from))
		return "null From address";
	return NULL;
}

static const char *by_content(const struct mime_message *msg)
{
	static const char *const ooo_subjects[] = {
		"automatic reply:", "auto reply:", "autoreply:", "auto-reply:", "out of office",
		"out of the office", "abwesenheitsnotiz", "automatische antwort",
		"undeliverable:", "undelivered mail returned to sender", "delivery status notification",
		"mail delivery failed", "returned mail:", "delivery failure",
		/* Hotmail/Outlook.com junk-mail feedback (JMRP), mailing-list loop detectors */
		"complaint about message from", "loop alert:", NULL
	};
	if (msg->content_type != NULL && strcmp(msg->content_type, "multipart/report") == 0)
		return "multipart/report (delivery or read report)";
	if (msg->subject != NULL && header_has_token(msg->subject, ooo_subjects))
		return "auto-reply or bounce subject";
	return NULL;
}

const char *classify_auto_reason(const struct mime_message *msg)
{
	const char *reason;
	if ((reason = by_auto_submitted(msg)) != NULL || (reason = by_headers(msg)) != NULL ||
	    (reason = by_return_path(msg)) != NULL || (reason = by_sender(msg)) != NULL ||
	    (reason = by_report_part(msg)) != NULL || (reason = by_content(msg)) != NULL)
		return reason;
	return NULL;
}
