/* cli/case: `pdgate cases` (each case's state and next deadline, most urgent first),
   `pdgate case show REF` (with every deadline) and `pdgate case REF ACTION` (the team's
   actions, through the gateway's casework). */
#include "cli.h"
#include "core.h"
#include "gateway.h"
#include "lifecycle.h"
#include "mime.h"
#include "report.h"
#include "store.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static void set_day(JsonObject *o, const char *name, const GDate *d)
{
	char buf[11];
	if (d != NULL && g_date_valid(d))
		json_object_set_string_member(o, name, clock_date_iso(d, buf));
	else
		json_object_set_null_member(o, name);
}

static const char *unit_name(enum clock_unit unit)
{
	switch (unit) {
	case CLOCK_UNIT_MONTHS: return "calendar_days";
	case CLOCK_UNIT_DAYS: return "calendar_days";
	case CLOCK_UNIT_DAYS_BEGINNING: return "calendar_days";
	case CLOCK_UNIT_WORKING_DAYS: return "working_days";
	case CLOCK_UNIT_NONE: break;
	}
	return NULL;
}

static JsonObject *deadline_object(const struct case_deadline *d)
{
	JsonObject *o = json_object_new();
	int computed = d->clock != CASE_CLOCK_NOT_STARTED;
	const char *unit = computed ? unit_name(d->res.unit) : NULL;

	json_object_set_string_member(o, "kind", clock_kind_name(d->kind));
	json_object_set_string_member(o, "clock", case_clock_name(d->clock));
	set_day(o, "start", computed ? &d->res.start : NULL);
	set_day(o, "deadline", computed ? &d->res.deadline : NULL);
	set_day(o, "extension_notice_by", computed ? &d->res.extension_notice_by : NULL);
	set_day(o, "extended_deadline", computed ? &d->res.extended_deadline : NULL);
	set_day(o, "due", computed ? clock_result_due(&d->res) : NULL);
	set_day(o, "acknowledge_by", computed ? &d->res.acknowledge_by : NULL);
	if (computed && d->res.unit != CLOCK_UNIT_NONE)
		json_object_set_string_member(o, "basis", clock_basis_name(d->res.basis));
	else
		json_object_set_null_member(o, "basis");
	if (d->has_days_left)
		json_object_set_int_member(o, "days_left", d->days_left);
	else
		json_object_set_null_member(o, "days_left");
	if (unit != NULL)
		json_object_set_string_member(o, "unit", unit);
	else
		json_object_set_null_member(o, "unit");
	json_object_set_int_member(o, "stopped_days", computed ? d->res.stopped_days : 0);
	if (computed && d->res.rule != NULL)
		json_object_set_string_member(o, "rule", d->res.rule);
	else
		json_object_set_null_member(o, "rule");
	if (computed && d->res.extension_refused != NULL)
		json_object_set_string_member(o, "extension_refused", d->res.extension_refused);
	else
		json_object_set_null_member(o, "extension_refused");
	return o;
}

/* The record's deadlines as of env: 1 computed, 0 the record cannot be read or computed. */
static int case_deadlines_of(const struct case_env *env, const struct store_case *c,
			     struct case_deadlines *d, char **error_r)
{
	struct case_record rec;
	int ret = case_record_from_store(c, &rec, error_r);

	memset(d, 0, sizeof(*d));
	d->next = -1;
	if (ret == 1)
		ret = case_deadlines_compute(env, &rec, d, error_r);
	case_record_clear(&rec);
	return ret;
}

/* ---- case show ---- */

struct show_ctx {
	struct store *store;
	const struct case_env *env;
	const char *reference;
};

static int add_deadlines(void *ctx, JsonObject *obj, char **error_r)
{
	struct show_ctx *sc = ctx;
	struct store_case c;
	struct case_deadlines d;
	JsonArray *items = json_array_new();
	int ret = store_case_load(sc->store, sc->reference, &c, error_r);

	memset(&d, 0, sizeof(d));
	if (ret == 1)
		ret = case_deadlines_of(sc->env, &c, &d, error_r);
	for (unsigned i = 0; ret == 1 && i < d.n; i++)
		json_array_add_object_element(items, deadline_object(&d.item[i]));
	if (ret == 1) {
		json_object_set_array_member(obj, "deadlines", json_array_ref(items));
		if (d.next >= 0)
			json_object_set_object_member(obj, "next_deadline",
						      deadline_object(&d.item[d.next]));
		else
			json_object_set_null_member(obj, "next_deadline");
	}
	case_deadlines_clear(&d);
	json_array_unref(items);
	store_case_clear(&c);
	return ret == 1;
}

/* ---- cases ---- */

struct list_filter {
	int json, overdue, due_within; /* due_within < 0: no filter */
};

struct list_row {
	JsonObject *obj;
	GDate due;      /* cleared: nothing running */
	char *reference;
};

struct list_ctx {
	const struct case_env *env;
	const struct list_filter *filter;
	GArray *rows;   /* of struct list_row */
};

static JsonObject *case_summary(const struct store_case *c)
{
	JsonObject *o = json_object_new();
	GDateTime *t = pd_london_time(c->received);
	char *received = g_date_time_format_iso8601(t);

	json_object_set_string_member(o, "reference", c->reference);
	json_object_set_string_member(o, "state", c->state);
	json_object_set_string_member(o, "regime", c->regime);
	json_object_set_string_member(o, "kinds", c->kinds);
	json_object_set_string_member(o, "requester", c->requester_addr);
	json_object_set_string_member(o, "requester_name", c->requester_name);
	json_object_set_string_member(o, "subject", c->subject);
	json_object_set_string_member(o, "owner", c->owner);
	json_object_set_string_member(o, "received", received);
	g_free(received);
	g_date_time_unref(t);
	return o;
}

static int keep(const struct list_filter *f, const struct case_deadlines *d)
{
	const struct case_deadline *next = d->next >= 0 ? &d->item[d->next] : NULL;

	if (f->overdue && (next == NULL || next->days_left >= 0))
		return 0;
	if (f->due_within >= 0 && (next == NULL || next->days_left > f->due_within))
		return 0;
	return 1;
}

static int list_one(void *ctx, const struct store_case *c)
{
	struct list_ctx *lc = ctx;
	struct case_deadlines d;
	struct list_row row = { .obj = NULL };
	char *error = NULL;

	g_date_clear(&row.due, 1);
	if (!case_deadlines_of(lc->env, c, &d, &error))
		log_warn("%s: deadlines not computed: %s", c->reference, error);
	if (keep(lc->filter, &d)) {
		row.obj = case_summary(c);
		row.reference = g_strdup(c->reference);
		if (d.next >= 0) {
			row.due = *clock_result_due(&d.item[d.next].res);
			json_object_set_object_member(row.obj, "next_deadline",
						      deadline_object(&d.item[d.next]));
		} else {
			json_object_set_null_member(row.obj, "next_deadline");
		}
		g_array_append_val(lc->rows, row);
	}
	case_deadlines_clear(&d);
	g_free(error);
	return 1;
}

/* Most urgent first; cases with nothing running last; then by reference. */
static gint row_cmp(gconstpointer a, gconstpointer b)
{
	const struct list_row *x = a, *y = b;
	int vx = g_date_valid(&x->due), vy = g_date_valid(&y->due);

	if (vx != vy)
		return vx ? -1 : 1;
	if (vx && vy && g_date_compare(&x->due, &y->due) != 0)
		return g_date_compare(&x->due, &y->due);
	return strcmp(x->reference, y->reference);
}

/* Text columns: the next deadline flattened. */
static void flatten(JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "next_deadline");
	JsonObject *next = n != NULL && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
	char *left = NULL;

	if (next == NULL) {
		json_object_set_string_member(o, "due", "-");
		json_object_set_string_member(o, "left", "-");
		return;
	}
	json_object_set_string_member(o, "due", json_object_get_string_member(next, "due"));
	left = g_strdup_printf("%" G_GINT64_FORMAT "%s",
			       json_object_get_int_member(next, "days_left"),
			       g_strcmp0(json_object_get_string_member(next, "unit"),
					 "working_days") == 0 ? " wd" : " d");
	json_object_set_string_member(o, "left", left);
	json_object_set_string_member(o, "clock", json_object_get_string_member(next, "clock"));
	g_free(left);
}

static void print_rows(GArray *rows, int json)
{
	static const char *const cols[] = { "reference", "state", "regime", "kinds", "due", "left",
					    "owner", "requester", "subject", NULL };
	JsonArray *array = json_array_new();

	for (guint i = 0; i < rows->len; i++) {
		struct list_row *r = &g_array_index(rows, struct list_row, i);
		if (!json)
			flatten(r->obj);
		json_array_add_object_element(array, r->obj);
		g_free(r->reference);
	}
	if (json) {
		JsonNode *root = json_node_new(JSON_NODE_ARRAY);
		json_node_take_array(root, array);
		report_print_json(root, stdout);
		json_node_unref(root);
	} else {
		report_print_table(array, cols, stdout);
		json_array_unref(array);
	}
}

static int parse_list_args(int argc, char **argv, struct list_filter *f)
{
	f->json = f->overdue = 0;
	f->due_within = -1;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--json") == 0) {
			f->json = 1;
		} else if (strcmp(argv[i], "--overdue") == 0) {
			f->overdue = 1;
		} else if (strcmp(argv[i], "--due-within") == 0 && i + 1 < argc) {
			long n = strtol(argv[++i], &end, 10);
			if (end == argv[i] || *end != '\0' || n < 0 || n > 3650)
				return 0;
			f->due_within = (int)n;
		} else {
			return 0;
		}
	}
	return 1;
}

static int open_store_env(const struct config *config, struct store **store_r,
			  struct case_env *env, char **error_r)
{
	if (!case_env_load(config, pd_now(), env, error_r))
		return 0;
	return store_open(config->store.database, config->store.spool, store_r, error_r);
}

int cli_cases(const struct config *config, int argc, char **argv)
{
	struct list_filter filter;
	struct store *store = NULL;
	struct case_env env;
	char *error = NULL;
	int status = EX_OK;

	if (!parse_list_args(argc, argv, &filter)) {
		fprintf(stderr, "usage: pdgate cases [--json] [--overdue] [--due-within DAYS]\n");
		return EX_USAGE;
	}
	struct list_ctx lc = { .env = &env, .filter = &filter,
			       .rows = g_array_new(FALSE, FALSE, sizeof(struct list_row)) };
	if (!open_store_env(config, &store, &env, &error) ||
	    !store_case_each(store, list_one, &lc, &error)) {
		log_error("%s", error);
		status = EX_DATAERR;
	} else {
		g_array_sort(lc.rows, row_cmp);
		print_rows(lc.rows, filter.json);
	}
	g_array_free(lc.rows, TRUE);
	case_env_free(&env);
	store_close(&store);
	g_free(error);
	return status;
}

static int case_show(const struct config *config, const char *reference, int json)
{
	struct store *store = NULL;
	struct case_env env;
	char *error = NULL;
	int ok = open_store_env(config, &store, &env, &error);

	if (ok) {
		struct show_ctx sc = { .store = store, .env = &env, .reference = reference };
		ok = report_case(store, reference, add_deadlines, &sc, json, stdout, &error);
	}
	if (!ok)
		log_error("%s", error);
	case_env_free(&env);
	store_close(&store);
	g_free(error);
	return ok ? EX_OK : EX_DATAERR;
}

static char *local_actor(void)
{
	return g_strdup_printf("local:%s", g_get_user_name());
}

/* One file sent with a response: its name without the path, its type guessed from its name
   and first bytes. */
static int read_file_blob(const char *path, size_t max, struct mime_blob *b, char **error_r)
{
	char *type, *mime;

	memset(b, 0, sizeof(*b));
	if (!pd_read_file(path, max, &b->data, &b->len, error_r))
		return 0;
	b->filename = g_path_get_basename(path);
	type = g_content_type_guess(b->filename, (const guchar *)b->data, MIN(b->len, 4096), NULL);
	mime = g_content_type_get_mime_type(type);
	b->content_type = g_ascii_strdown(mime != NULL ? mime : "application/octet-stream", -1);
	g_free(type);
	g_free(mime);
	return 1;
}

/* Take "--attach FILE" pairs out of argv (the lifecycle knows nothing of files) and read the
   files, within [team] max_response_size altogether. */
static int take_files(const struct config *config, int *argc, char **argv, GArray *files,
		      char **error_r)
{
	size_t total = 0, max = (size_t)config->team.max_response_size;
	int out = 0;

	for (int i = 0; i < *argc; i++) {
		struct mime_blob b;
		if (strcmp(argv[i], "--attach") != 0) {
			argv[out++] = argv[i];
			continue;
		}
		if (i + 1 >= *argc)
			return error_set(error_r, 0, "--attach needs a file");
		if (!read_file_blob(argv[++i], max, &b, error_r))
			return 0;
		g_array_append_val(files, b);
		if ((total += b.len) > max)
			return error_set(error_r, 0, "the files add up to more than [team] "
					 "max_response_size (%zu bytes)", max);
	}
	*argc = out;
	return 1;
}

/* The array's files and the array. */
static void files_free(GArray *files)
{
	size_t n = files->len;
	struct mime_blob *blobs = (struct mime_blob *)(void *)g_array_free(files, FALSE);

	mime_blobs_free(&blobs, n);
}

static int case_action(const struct config *config, const char *reference, int argc,
		       char **argv)
{
	struct gateway *gw = NULL;
	struct case_command cmd;
	GArray *files = g_array_new(FALSE, TRUE, sizeof(struct mime_blob));
	char *error = NULL, *reply = NULL, *actor = local_actor();
	int status = EX_OK, ret;

	memset(&cmd, 0, sizeof(cmd));
	if (!take_files(config, &argc, argv, files, &error) ||
	    !case_command_parse(argc, argv, &cmd, &error)) {
		fprintf(stderr, "pdgate case %s: %s\n", reference, error);
		status = EX_USAGE;
	} else if (gateway_init(config, 0, &gw, &error) != 1) {
		log_error("%s", error);
		status = EX_CONFIG;
	} else if ((ret = gateway_case_action(gw, reference, &cmd, actor,
					      (const struct mime_blob *)(void *)files->data,
					      files->len, &reply, &error)) != 1) {
		fprintf(stderr, "pdgate case %s: %s\n", reference, error);
		status = ret < 0 ? EX_TEMPFAIL : EX_DATAERR;
	} else {
		printf("%s\n", reply);
	}
	gateway_deinit(&gw);
	case_command_clear(&cmd);
	files_free(files);
	g_free(reply);
	g_free(error);
	g_free(actor);
	return status;
}

int cli_case(const struct config *config, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "show") == 0) {
		int json = argc >= 4 && strcmp(argv[3], "--json") == 0;
		return case_show(config, argv[2], json);
	}
	if (argc >= 3)
		return case_action(config, argv[1], argc - 2, argv + 2);
	fprintf(stderr, "usage: pdgate case show REF [--json] | pdgate case REF ACTION [ARGS]\n");
	return EX_USAGE;
}

/* pdgate outbox retry ID: a failed notice queued again, the case's record saying who did. */
static int outbox_retry(struct store *store, int64_t id, const char *actor, char **error_r)
{
	int64_t case_id = 0;
	char *detail = g_strdup_printf("notice %" G_GINT64_FORMAT " queued again by hand", id);
	int ret = store_begin(store, error_r);

	if (ret == 1)
		ret = store_outbox_retry(store, id, pd_now(), error_r);
	if (ret == 1 && store_outbox_case(store, id, &case_id) == 1 && case_id != 0)
		ret = store_event_add(store, case_id, actor, "notice_requeued", detail, error_r);
	if (ret == 1)
		ret = store_commit(store, error_r);
	if (ret != 1)
		store_rollback(store);
	g_free(detail);
	return ret;
}

int cli_outbox_retry(const struct config *config, int argc, char **argv)
{
	struct store *store = NULL;
	char *error = NULL, *end = NULL, *actor = local_actor();
	int64_t id = argc == 3 ? g_ascii_strtoll(argv[2], &end, 10) : 0;
	int status = EX_OK, ret;

	if (id <= 0 || end == NULL || *end != '\0') {
		fprintf(stderr, "usage: pdgate outbox retry ID\n");
		status = EX_USAGE;
	} else if (!store_open(config->store.database, config->store.spool, &store, &error) ||
		   (ret = outbox_retry(store, id, actor, &error)) != 1) {
		fprintf(stderr, "pdgate outbox retry: %s\n", error != NULL ? error : "?");
		status = EX_DATAERR;
	} else {
		printf("notice %" G_GINT64_FORMAT " queued: the poller sends it on its next pass\n",
		       id);
	}
	store_close(&store);
	g_free(error);
	g_free(actor);
	return status;
}
