/* mime-headers.c: the header side of mime_parse. Syntax checks for addresses and message-ids
   (also used by mime-compose.c for what we send), the envelope (From, Reply-To, To, Subject,
   Date, Message-ID, In-Reply-To, References) read from GMime's parse, the list of top-level
   headers in the order they were sent, and mime_message_header. RFC 2047 decoding itself is
   GMime's; every value it hands back is re-cleaned and bounded here. */
#include "mime.h"

#include "core.h"
#include "mime-private.h"
#include "pd-limits.h"

#include <string.h>

#include <gmime/gmime.h>

/* ---------------------------------------------------------------- addresses and message-ids */

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
char *mime_addr_normalize(const char *addr)
{
	const char *at = addr == NULL ? NULL : strrchr(addr, '@');
	char *local = NULL, *domain = NULL, *ret = NULL;

	if (at == NULL || at == addr || !mime_utf8_printable(addr, PD_MAX_ADDRESS))
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
int mime_msgid_valid(const char *id)
{
	if (id == NULL || id[0] == '\0' || !mime_utf8_printable(id, PD_MAX_MESSAGE_ID))
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
	fv->addr = mime_addr_normalize(internet_address_mailbox_get_addr(mb));
	return fv->addr != NULL;
}

static void fill_from(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	InternetAddressMailbox *mb = NULL;

	if (!foreach_mailbox(g_mime_message_get_from(gm), 0, take_first, &mb))
		return;
	m->from_name = mime_clean_or_null(internet_address_get_name(INTERNET_ADDRESS(mb)),
					  PD_MAX_NAME);
	m->from_addr = mime_addr_normalize(internet_address_mailbox_get_addr(mb));
	if (m->from_addr == NULL)
		mime_defect_add(d, "invalid From address");
}

static void fill_reply_to(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	struct first_valid fv = { NULL, 0 };

	foreach_mailbox(g_mime_message_get_reply_to(gm), 0, take_first_valid, &fv);
	m->reply_to_addr = fv.addr;
	if (fv.seen && fv.addr == NULL)
		mime_defect_add(d, "invalid Reply-To address");
}

static void fill_to(struct mime_message *m, GMimeMessage *gm)
{
	InternetAddressList *list = g_mime_message_get_to(gm);
	char *text = NULL;

	if (list == NULL || internet_address_list_length(list) == 0)
		return;
	text = internet_address_list_to_string(list, NULL, FALSE);
	m->to = mime_clean_or_null(text, PD_MAX_HEADER_VALUE);
	g_free(text);
}

static void fill_date(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	GDateTime *date = g_mime_message_get_date(gm);

	m->date_header = mime_clean_or_null(g_mime_object_get_header(GMIME_OBJECT(gm), "Date"),
					    PD_MAX_HEADER_VALUE);
	if (date != NULL)
		m->date = (int64_t)g_date_time_to_unix(date);
	else if (m->date_header != NULL)
		mime_defect_add(d, "invalid Date");
}

static char *first_reference(GMimeParserOptions *opts, const char *value)
{
	GMimeReferences *refs = value == NULL ? NULL : g_mime_references_parse(opts, value);
	char *ret = NULL;

	if (refs == NULL)
		goto out;
	for (int i = 0; i < g_mime_references_length(refs) && ret == NULL; i++) {
		const char *id = g_mime_references_get_message_id(refs, i);
		if (mime_msgid_valid(id))
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
		if (mime_msgid_valid(id))
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

	if (mime_msgid_valid(id))
		m->message_id = g_strdup(id);
	else if (g_mime_object_get_header(obj, "Message-ID") != NULL)
		mime_defect_add(d, "invalid Message-ID");
	m->in_reply_to = first_reference(opts, g_mime_object_get_header(obj, "In-Reply-To"));
	m->references = parse_references(opts, g_mime_object_get_header(obj, "References"));
}

void mime_fill_envelope(struct mime_message *m, GMimeMessage *gm, GMimeParserOptions *opts,
			struct defects *d)
{
	fill_from(m, gm, d);
	fill_reply_to(m, gm, d);
	fill_to(m, gm);
	m->subject = mime_clean_or_null(g_mime_message_get_subject(gm), PD_MAX_SUBJECT);
	fill_date(m, gm, d);
	fill_ids(m, gm, opts, d);
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
void mime_fill_headers(struct mime_message *m, GMimeMessage *gm, struct defects *d)
{
	GPtrArray *all = g_ptr_array_new();

	collect_headers(all, GMIME_OBJECT(gm));
	collect_headers(all, g_mime_message_get_mime_part(gm));
	g_ptr_array_sort(all, header_offset_cmp);
	if (all->len > PD_MAX_HEADERS)
		mime_defect_add(d, "header limit reached");
	if (all->len > 0)
		m->headers = g_malloc0_n(MIN(all->len, PD_MAX_HEADERS), sizeof(struct mime_header));
	for (guint i = 0; i < all->len && m->n_headers < PD_MAX_HEADERS; i++) {
		GMimeHeader *h = g_ptr_array_index(all, i);
		const char *name = g_mime_header_get_name(h), *value = g_mime_header_get_value(h);
		if (!header_name_ok(name)) {
			mime_defect_add(d, "invalid header name");
			continue;
		}
		m->headers[m->n_headers].name = g_strdup(name);
		m->headers[m->n_headers].value =
			g_strstrip(pd_utf8_clean(value == NULL ? "" : value, PD_MAX_HEADER_VALUE, 0));
		m->n_headers++;
	}
	g_ptr_array_free(all, TRUE);
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
