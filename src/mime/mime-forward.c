/* mime/forward: who wrote the mail a forward carries, read from its header block in the
   text. The text is untrusted: only a From: line that GMime parses into an address that
   passes mime_addr_normalize is believed. */
#include "mime-private.h"
#include "pd-limits.h"

#include <string.h>

/* How far below a marker the header block's From: line may be. */
#define FROM_WITHIN 6
/* A forward's header block is near its top: the rest of a long text stays one line. */
#define MAX_LINES 2000
#define MAX_HEAD (64 * 1024)

/* The line without '>' quoting, blanks and Markdown-ish '*'. */
static const char *unquote(const char *l)
{
	while (*l == '>' || *l == ' ' || *l == '\t' || *l == '*')
		l++;
	return l;
}

static int is_marker(const char *l)
{
	l = unquote(l);
	return strstr(l, "Forwarded message") != NULL ||
	       g_ascii_strncasecmp(l, "Begin forwarded message", 23) == 0 ||
	       strstr(l, "Original Message") != NULL || g_str_has_prefix(l, "________");
}

static int is_field(const char *l, const char *name)
{
	l = unquote(l);
	return g_ascii_strncasecmp(l, name, strlen(name)) == 0;
}

/* An Outlook block: From: with Sent:, Date:, To: or Subject: on one of the next lines. */
static int starts_block(char **lines, size_t i)
{
	for (size_t j = i + 1; j <= i + 4 && lines[j] != NULL; j++) {
		if (is_field(lines[j], "sent:") || is_field(lines[j], "date:") ||
		    is_field(lines[j], "to:") || is_field(lines[j], "subject:"))
			return 1;
	}
	return 0;
}

/* Parse "Name <addr>" (or "addr", or Outlook's "Name [mailto:addr]"). */
static int parse_from(const char *value, char **addr_r, char **name_r)
{
	char *fixed = g_strdelimit(g_strdup(value), "[]", ' ');
	char *mailto = strstr(fixed, "mailto:");
	InternetAddressList *list;
	InternetAddress *ia;
	int ok = 0;

	if (mailto != NULL) {
		memset(mailto, ' ', 7);
		mailto[-1] = '<';
		g_strchomp(fixed);
		if (strchr(mailto, '>') == NULL) {
			char *closed = g_strconcat(fixed, ">", NULL);
			g_free(fixed);
			fixed = closed;
		}
	}
	list = internet_address_list_parse(NULL, fixed);
	ia = list != NULL && internet_address_list_length(list) > 0 ?
	     internet_address_list_get_address(list, 0) : NULL;
	if (ia != NULL && INTERNET_ADDRESS_IS_MAILBOX(ia)) {
		*addr_r = mime_addr_normalize(
			internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
		*name_r = *addr_r != NULL ? mime_clean_or_null(internet_address_get_name(ia),
							      PD_MAX_NAME) : NULL;
		ok = *addr_r != NULL;
	}
	if (list != NULL)
		g_object_unref(list);
	g_free(fixed);
	return ok;
}

int mime_forwarded_sender(const char *body, char **addr_r, char **name_r)
{
	char **lines, *head;
	size_t marker = (size_t)-1;
	int found = 0;

	*addr_r = *name_r = NULL;
	if (body == NULL)
		return 0;
	/* The block is near the top: the split looks at a bounded head only. */
	head = g_strndup(body, MAX_HEAD);
	lines = g_strsplit(head, "\n", MAX_LINES);
	for (size_t i = 0; lines[i] != NULL && !found; i++) {
		if (is_marker(lines[i])) {
			marker = i;
			continue;
		}
		if (!is_field(lines[i], "from:"))
			continue;
		if ((marker != (size_t)-1 && i - marker <= FROM_WITHIN) || starts_block(lines, i))
			found = parse_from(unquote(unquote(lines[i]) + 5), addr_r, name_r);
	}
	g_strfreev(lines);
	g_free(head);
	return found;
}

/* A form's fields come first: an "Email:" far down a letter is a signature's. */
#define FORM_WITHIN 40

/* The value of a "Label: value" line whose label is one of labels, or NULL. */
static const char *field_value(const char *line, const char *const *labels)
{
	line = unquote(line);
	for (size_t i = 0; labels[i] != NULL; i++) {
		size_t n = strlen(labels[i]);
		if (g_ascii_strncasecmp(line, labels[i], n) == 0)
			return line + n;
	}
	return NULL;
}

int mime_form_sender(const char *body, char **addr_r, char **name_r)
{
	static const char *const email[] = { "email:", "e-mail:", "email address:",
					     "e-mail address:", "your email:", NULL };
	static const char *const name[] = { "name:", "full name:", "your name:", NULL };
	char **lines;
	const char *v;
	char *head;

	*addr_r = *name_r = NULL;
	if (body == NULL)
		return 0;
	head = g_strndup(body, MAX_HEAD);
	lines = g_strsplit(head, "\n", FORM_WITHIN + 1);
	for (size_t i = 0; lines[i] != NULL && i < FORM_WITHIN; i++) {
		if (*addr_r == NULL && (v = field_value(lines[i], email)) != NULL) {
			char *value = g_strstrip(g_strdup(v));
			*addr_r = mime_addr_normalize(value);
			g_free(value);
		} else if (*name_r == NULL && (v = field_value(lines[i], name)) != NULL)
			*name_r = mime_clean_or_null(v, PD_MAX_NAME);
	}
	g_strfreev(lines);
	g_free(head);
	if (*addr_r == NULL)
		g_clear_pointer(name_r, g_free);
	return *addr_r != NULL;
}
