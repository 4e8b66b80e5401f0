/* classify/request-text: the text a message's request is read from, the same for the rules'
   `body` and the model's features. Pure. */
#include "classify.h"

#include <string.h>

static int has_prefix_ci(const char *s, const char *prefix)
{
	return s != NULL && g_ascii_strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* A forward: the request is in the forwarded part, under its header lines. */
int classify_is_forward(const struct mime_message *msg)
{
	const char *body = msg->body_text != NULL ? msg->body_text : "";
	return has_prefix_ci(msg->subject, "fw:") || has_prefix_ci(msg->subject, "fwd:") ||
	       strstr(body, "Forwarded message") != NULL ||
	       strstr(body, "Begin forwarded message") != NULL;
}

static int is_header_line(const char *line)
{
	static const char *const names[] = { "from:", "sent:", "to:", "cc:", "subject:",
					     "date:", "reply-to:", NULL };
	while (*line == ' ' || *line == '\t' || *line == '>' || *line == '*')
		line++;
	for (size_t i = 0; names[i] != NULL; i++) {
		if (has_prefix_ci(line, names[i]))
			return 1;
	}
	return strstr(line, "Forwarded message") != NULL ||
	       strstr(line, "Original Message") != NULL;
}

/* Every line of a forward but the header lines of the mail it carries, '>' removed. (Lines
   are walked, not split: g_strsplit's strstr per line is quadratic under AddressSanitizer.) */
static char *forward_text(const char *body)
{
	GString *out = g_string_new(NULL);
	char *copy = g_strdup(body), *line = copy, *nl;

	while (line != NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (!is_header_line(line)) {
			const char *l = line;
			while (*l == '>' || *l == ' ')
				l++;
			g_string_append(out, l);
			g_string_append_c(out, '\n');
		}
		line = nl != NULL ? nl + 1 : NULL;
	}
	g_free(copy);
	return g_string_free(out, FALSE);
}

char *classify_request_text(const struct mime_message *msg, unsigned flags)
{
	if (msg->body_text == NULL)
		return g_strdup("");
	if (classify_is_forward(msg))
		return forward_text(msg->body_text);
	return mime_reply_new_text(msg->body_text, MIME_REPLY_QUOTES_ONLY | flags);
}
