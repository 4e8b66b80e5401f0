/* cli/quarantine: `pdgate quarantine [--json]`, the mail the gateway could not process, and
   `pdgate quarantine retry ID`, one of them processed again after a fix. What is listed comes
   from mail: every text is escaped for the terminal (and the same in JSON, so that a script
   printing a value is as safe as the table). */
#include "quarantine.h"
#include "cli.h"
#include "core.h"
#include "gateway.h"
#include "mime.h"
#include "report.h"

#include <json-glib/json-glib.h>
#include <string.h>
#include <sysexits.h>

/* Characters that reorder what a terminal shows (the "Trojan Source" ones). */
static int is_bidi_control(gunichar c)
{
	return c == 0x061c || c == 0x200e || c == 0x200f || (c >= 0x202a && c <= 0x202e) ||
	       (c >= 0x2066 && c <= 0x2069);
}

char *quarantine_escape(const char *s)
{
	char *valid;
	GString *out;

	if (s == NULL)
		return NULL;
	valid = g_utf8_make_valid(s, -1);
	out = g_string_sized_new(strlen(valid));
	for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		if (c == '\\')
			g_string_append(out, "\\\\");
		else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			g_string_append_printf(out, "\\x%02x", (unsigned)c);
		else if (is_bidi_control(c))
			g_string_append_printf(out, "\\u{%04x}", (unsigned)c);
		else
			g_string_append_unichar(out, c);
	}
	g_free(valid);
	return g_string_free(out, FALSE);
}

struct list_ctx {
	struct store *store;
	JsonArray *rows;
};

static const char *column(int n, const char *const *names, const char *const *values,
			  const char *name)
{
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return values[i];
	}
	return NULL;
}

static void set_text(JsonObject *o, const char *name, const char *value)
{
	char *safe = quarantine_escape(value);

	if (safe != NULL)
		json_object_set_string_member(o, name, safe);
	else
		json_object_set_null_member(o, name);
	g_free(safe);
}

static void set_time(JsonObject *o, const char *name, const char *value)
{
	GDateTime *t = pd_london_time(value != NULL ? g_ascii_strtoll(value, NULL, 10) : 0);
	char *iso = g_date_time_format_iso8601(t);

	json_object_set_string_member(o, name, iso);
	g_free(iso);
	g_date_time_unref(t);
}

static int64_t int_value(const char *value)
{
	return value != NULL ? g_ascii_strtoll(value, NULL, 10) : 0;
}

/* Mail that could not be parsed has no From or Subject in its row: read them from its bytes. */
static void peek_spool(struct store *store, const char *sha256, char **from_r, char **subject_r)
{
	char *raw = NULL;
	size_t len = 0;

	*from_r = *subject_r = NULL;
	if (sha256 != NULL && store_spool_get(store, sha256, &raw, &len, NULL) == 1)
		mime_peek_headers(raw, len, from_r, subject_r);
	g_free(raw);
}

static void add_row(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct list_ctx *l = ctx;
	JsonObject *o = json_object_new();
	const char *from = column(n, names, values, "from");
	const char *subject = column(n, names, values, "subject");
	const char *sha256 = column(n, names, values, "sha256");
	char *peek_from = NULL, *peek_subject = NULL;

	if (from == NULL || subject == NULL)
		peek_spool(l->store, sha256, &peek_from, &peek_subject);
	json_object_set_int_member(o, "id", int_value(column(n, names, values, "id")));
	set_time(o, "received", column(n, names, values, "received"));
	set_text(o, "from", from != NULL ? from : peek_from);
	set_text(o, "subject", subject != NULL ? subject : peek_subject);
	json_object_set_int_member(o, "size", int_value(column(n, names, values, "size")));
	set_text(o, "reason", column(n, names, values, "reason"));
	set_text(o, "folder", column(n, names, values, "folder"));
	json_object_set_boolean_member(o, "retriable", sha256 != NULL);
	json_object_set_int_member(o, "retries", int_value(column(n, names, values, "retries")));
	set_text(o, "sha256", sha256);
	json_array_add_object_element(l->rows, o);
	g_free(peek_from);
	g_free(peek_subject);
}

int quarantine_list(struct store *store, int json, FILE *out, char **error_r)
{
	static const char *const cols[] = { "id", "received", "from", "subject", "size",
					    "folder", "retriable", "reason", NULL };
	struct list_ctx l = { .store = store, .rows = json_array_new() };
	JsonNode *root;

	if (!store_query(store, "quarantine", NULL, add_row, &l, error_r)) {
		json_array_unref(l.rows);
		return 0;
	}
	if (!json) {
		report_print_table(l.rows, cols, out);
		json_array_unref(l.rows);
		return 1;
	}
	root = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(root, l.rows);
	report_print_json(root, out);
	json_node_unref(root);
	return 1;
}

static int list(const struct config *config, int json)
{
	struct store *store = NULL;
	char *error = NULL;
	int ok = store_open(config->store.database, config->store.spool, &store, &error) &&
		 quarantine_list(store, json, stdout, &error);

	if (!ok)
		fprintf(stderr, "pdgate quarantine: %s\n", error != NULL ? error : "?");
	g_free(error);
	store_close(&store);
	return ok ? EX_OK : EX_DATAERR;
}

static void print_outcome(const struct config *config, int64_t id, const struct gateway_retry *r)
{
	printf("message %" G_GINT64_FORMAT " processed again from its spool copy: ", id);
	if (r->quarantined) {
		char *why = quarantine_escape(r->reason);
		printf("still quarantined: %s\n", why);
		g_free(why);
		return;
	}
	if (r->reference != NULL)
		printf("stored on case %s; its notices are queued: the poller sends them on its "
		       "next pass\n", r->reference);
	else if (r->auto_reason != NULL)
		printf("stored, machine-generated (%s): no case, no notice\n", r->auto_reason);
	else
		printf("stored, no case\n");
	printf("its copy in the IMAP folder %s stays there: the spool copy is the one that "
	       "counts\n", config->imap.quarantine_mailbox);
}

/* Exit status: 0 stored, 65 still quarantined (or not a quarantined message), 66 its bytes
   were never kept, 75 database busy, 78 configuration invalid. */
static int retry_status(int ret, const struct gateway_retry *r)
{
	if (ret < 0)
		return EX_TEMPFAIL;
	if (ret == 0)
		return r->unretriable ? EX_NOINPUT : EX_DATAERR;
	return r->quarantined ? EX_DATAERR : EX_OK;
}

static int retry(const struct config *config, const char *arg)
{
	struct gateway *gw = NULL;
	struct gateway_retry r = { 0 };
	char *error = NULL, *end = NULL, *actor = NULL;
	int64_t id = g_ascii_strtoll(arg, &end, 10);
	int status, ret;

	if (id <= 0 || end == NULL || *end != '\0') {
		fprintf(stderr, "usage: pdgate quarantine retry ID\n");
		return EX_USAGE;
	}
	if (gateway_init(config, 0, &gw, &error) != 1) {
		fprintf(stderr, "pdgate quarantine retry: %s\n", error != NULL ? error : "?");
		status = EX_CONFIG;
		goto out;
	}
	actor = g_strdup_printf("local:%s", g_get_user_name());
	ret = gateway_quarantine_retry(gw, id, actor, &r, &error);
	status = retry_status(ret, &r);
	if (ret == 1)
		print_outcome(config, id, &r);
	else
		fprintf(stderr, "pdgate quarantine retry: %s\n", error != NULL ? error : "?");
out:
	gateway_retry_clear(&r);
	gateway_deinit(&gw);
	g_free(actor);
	g_free(error);
	return status;
}

int cli_quarantine(const struct config *config, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "retry") == 0)
		return retry(config, argv[2]);
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "--json") == 0))
		return list(config, argc == 2);
	fprintf(stderr, "usage: pdgate quarantine [--json] | pdgate quarantine retry ID\n");
	return EX_USAGE;
}
