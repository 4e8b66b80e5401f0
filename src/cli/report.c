/* report: formats rows from store_query for people (tables) and scripts (JSON).
   Values may come from mail: in text output control characters are already removed by mime;
   JSON is escaped by json-glib. */
#include "report.h"
#include "core.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* Columns holding Unix times are shown as ISO 8601 in Europe/London. */
static int is_time_column(const char *name)
{
	static const char *const names[] = { "received", "at", "sent_at", "next_attempt",
					     "started", "last_seen", NULL };
	return g_strv_contains(names, name);
}

static int is_int_column(const char *name)
{
	static const char *const names[] = { "id", "attempts", "size", "held", "opened",
					     "threshold", "window_minutes", NULL };
	return g_strv_contains(names, name);
}

static int is_bool_column(const char *name)
{
	static const char *const names[] = { "child", "vague", "identity_attached", NULL };
	return g_strv_contains(names, name);
}

/* Columns that hold JSON written by pdgate itself, embedded as JSON rather than a string. */
static JsonNode *json_column(const char *value)
{
	JsonNode *node = json_from_string(value, NULL);
	return node != NULL ? node : json_node_init_string(json_node_alloc(), value);
}

static char *format_time(const char *value)
{
	GDateTime *local = pd_london_time(g_ascii_strtoll(value, NULL, 10));
	char *s = g_date_time_format_iso8601(local);
	g_date_time_unref(local);
	return s;
}

static JsonNode *value_node(const char *name, const char *value)
{
	if (value != NULL && strcmp(name, "classification") == 0)
		return json_column(value);
	JsonNode *node = json_node_new(JSON_NODE_VALUE);
	if (value == NULL) {
		json_node_init_null(node);
	} else if (is_time_column(name)) {
		char *t = format_time(value);
		json_node_set_string(node, t);
		g_free(t);
	} else if (is_int_column(name)) {
		json_node_set_int(node, g_ascii_strtoll(value, NULL, 10));
	} else if (is_bool_column(name)) {
		json_node_set_boolean(node, g_ascii_strtoll(value, NULL, 10) != 0);
	} else {
		json_node_set_string(node, value);
	}
	return node;
}

static void row_to_array(void *ctx, int n, const char *const *names, const char *const *values)
{
	JsonArray *array = ctx;
	JsonObject *obj = json_object_new();
	for (int i = 0; i < n; i++) {
		json_object_set_member(obj, names[i], value_node(names[i], values[i]));
		if (strcmp(names[i], "auto_reason") == 0)
			json_object_set_boolean_member(obj, "auto", values[i] != NULL);
	}
	json_array_add_object_element(array, obj);
}

static int query_array(struct store *store, const char *kind, const char *arg,
		       JsonArray **array_r, char **error_r)
{
	JsonArray *array = json_array_new();
	if (!store_query(store, kind, arg, row_to_array, array, error_r)) {
		json_array_unref(array);
		return 0;
	}
	*array_r = array;
	return 1;
}

void report_print_json(JsonNode *root, FILE *out)
{
	JsonGenerator *gen = json_generator_new();
	json_generator_set_pretty(gen, TRUE);
	json_generator_set_root(gen, root);
	char *text = json_generator_to_data(gen, NULL);
	fprintf(out, "%s\n", text);
	g_free(text);
	g_object_unref(gen);
}

static void print_array_json(JsonArray *array, FILE *out)
{
	JsonNode *root = json_node_new(JSON_NODE_ARRAY);
	json_node_take_array(root, array);
	report_print_json(root, out);
	json_node_unref(root);
}

static char *cell_text(JsonObject *o, const char *column)
{
	JsonNode *v = json_object_get_member(o, column);
	if (v == NULL || JSON_NODE_HOLDS_NULL(v))
		return g_strdup("-");
	if (json_node_get_value_type(v) == G_TYPE_INT64)
		return g_strdup_printf("%" G_GINT64_FORMAT, json_node_get_int(v));
	if (json_node_get_value_type(v) == G_TYPE_BOOLEAN)
		return g_strdup(json_node_get_boolean(v) ? "yes" : "no");
	return g_strdup(json_node_get_string(v));
}

static void print_padded(FILE *out, const char *s, size_t width, int last)
{
	fputs(s, out);
	for (size_t n = g_utf8_strlen(s, -1); !last && n < width + 2; n++)
		fputc(' ', out);
}

/* A plain table: a header line, then one line per row, columns aligned. */
void report_print_table(JsonArray *array, const char *const *columns, FILE *out)
{
	size_t ncols = g_strv_length((char **)columns), nrows = json_array_get_length(array);
	char **cells = g_new0(char *, (nrows + 1) * ncols);
	size_t *width = g_new0(size_t, ncols);

	for (size_t c = 0; c < ncols; c++)
		cells[c] = g_strdup(columns[c]);
	for (size_t r = 0; r < nrows; r++) {
		JsonObject *o = json_array_get_object_element(array, (guint)r);
		for (size_t c = 0; c < ncols; c++)
			cells[(r + 1) * ncols + c] = cell_text(o, columns[c]);
	}
	for (size_t i = 0; i < (nrows + 1) * ncols; i++)
		width[i % ncols] = MAX(width[i % ncols], (size_t)g_utf8_strlen(cells[i], -1));
	for (size_t i = 0; i < (nrows + 1) * ncols; i++) {
		print_padded(out, cells[i], width[i % ncols], i % ncols == ncols - 1);
		if (i % ncols == ncols - 1)
			fputc('\n', out);
		g_free(cells[i]);
	}
	g_free(cells);
	g_free(width);
}

static int report_list_of(struct store *store, const char *kind, const char *arg,
			  const char *const *columns, int json, FILE *out, char **error_r)
{
	JsonArray *array = NULL;
	if (!query_array(store, kind, arg, &array, error_r))
		return 0;
	if (json) {
		print_array_json(array, out);
	} else {
		report_print_table(array, columns, out);
		json_array_unref(array);
	}
	return 1;
}

static int report_list(struct store *store, const char *kind, const char *const *columns,
		       int json, FILE *out, char **error_r)
{
	return report_list_of(store, kind, NULL, columns, json, out, error_r);
}

int report_storms(struct store *store, const char *storm_id, int json, FILE *out,
		  char **error_r)
{
	static const char *const storms[] = { "id", "sender", "held", "opened", "threshold",
					      "window_minutes", "started", "last_seen", NULL };
	static const char *const messages[] = { "id", "case", "received", "from", "subject",
						NULL };
	return storm_id == NULL ? report_list(store, "storm_list", storms, json, out, error_r) :
	       report_list_of(store, "storm_messages", storm_id, messages, json, out, error_r);
}

int report_messages(struct store *store, int json, FILE *out, char **error_r)
{
	static const char *const cols[] = { "id", "case", "direction", "status", "received",
					    "from", "subject", NULL };
	return report_list(store, "messages", cols, json, out, error_r);
}

int report_outbox(struct store *store, int json, FILE *out, char **error_r)
{
	static const char *const cols[] = { "id", "case", "notice", "state", "attempts", "rcpt",
					    "last_error", NULL };
	return report_list(store, "outbox", cols, json, out, error_r);
}

static void print_case_text(JsonObject *c, FILE *out)
{
	static const char *const msg_cols[] = { "id", "direction", "received", "from", "subject",
						"auto_reason", NULL };
	static const char *const ev_cols[] = { "at", "actor", "action", "detail", NULL };
	static const char *const ob_cols[] = { "id", "notice", "state", "attempts", "rcpt",
					       "last_error", NULL };
	static const char *const fields[] = { "reference", "state", "received", "requester",
					      "requester_name", "subject", "kinds", "regime",
					      "regime_hint", "identity_on", "stops", "extended_on",
					      "on_behalf", "child", "vague", "identity_attached",
					      NULL };
	for (size_t i = 0; fields[i] != NULL; i++) {
		char *v = cell_text(c, fields[i]);
		fprintf(out, "%-18s %s\n", fields[i], v);
		g_free(v);
	}
	if (json_object_has_member(c, "deadlines")) {
		static const char *const dl_cols[] = { "kind", "clock", "start", "due",
							"days_left", "unit", "extension_notice_by",
							"rule", NULL };
		fputs("\ndeadlines:\n", out);
		report_print_table(json_object_get_array_member(c, "deadlines"), dl_cols, out);
	}
	fputs("\nmessages:\n", out);
	report_print_table(json_object_get_array_member(c, "messages"), msg_cols, out);
	fputs("\nevents:\n", out);
	report_print_table(json_object_get_array_member(c, "events"), ev_cols, out);
	fputs("\noutbox:\n", out);
	report_print_table(json_object_get_array_member(c, "outbox"), ob_cols, out);
}

/* Attach the case's related rows under `member`. */
static int add_related(struct store *store, JsonObject *c, const char *member, const char *kind,
		       const char *reference, char **error_r)
{
	JsonArray *rows = NULL;
	if (!query_array(store, kind, reference, &rows, error_r))
		return 0;
	json_object_set_array_member(c, member, rows);
	return 1;
}

int report_case(struct store *store, const char *reference, report_case_hook *hook, void *ctx,
		int json, FILE *out, char **error_r)
{
	JsonArray *cases = NULL;
	JsonNode *root = NULL;
	int ret = 0;

	if (!query_array(store, "case", reference, &cases, error_r))
		goto out;
	if (json_array_get_length(cases) == 0) {
		error_set(error_r, 0, "no case %s", reference);
		goto out;
	}
	root = json_node_copy(json_array_get_element(cases, 0));
	JsonObject *c = json_node_get_object(root);
	if (!add_related(store, c, "messages", "case_messages", reference, error_r) ||
	    !add_related(store, c, "events", "case_events", reference, error_r) ||
	    !add_related(store, c, "outbox", "case_outbox", reference, error_r))
		goto out;
	if (hook != NULL && !hook(ctx, c, error_r))
		goto out;
	if (json)
		report_print_json(root, out);
	else
		print_case_text(c, out);
	ret = 1;
out:
	if (root != NULL)
		json_node_unref(root);
	if (cases != NULL)
		json_array_unref(cases);
	return ret;
}
