/* gateway/digestmail: the team's daily digest and the statutory report as mail. Snapshots of
   every case come from the store; the digest module sorts them into sections and draws the
   chart; the team_digest / team_report templates word them (an admin may change them); they
   are queued like any notice (exactly once, journal copy, retries) to [team] notify. The
   schedule sends one digest a working day at [digest] time and records it in the same
   transaction, so a restart never sends two. Nothing here reads untrusted mail: the values
   come from the store, and the templates escape them in HTML. */
#include "gateway-private.h"
#include "digest.h"

#include <math.h>
#include <string.h>

#define CHART_CID "chart.png@pdgate"
#define CHART_WIDTH 640
#define CHART_HEIGHT 260
/* Quarantined mail is listed this long: long enough for a request's clock to matter. */
#define QUARANTINE_DAYS 30
/* After a news story 300 requests may come in a day: a section lists this many, then says
   how many more (`pdgate cases` lists them all), so the digest stays readable. */
#define SECTION_ROWS 40
#define BOARD_ROWS 80

/* ---- snapshots ---- */

struct snap {
	struct store_case c;
	struct case_record rec;
	struct case_deadlines d;
};

struct snapshots {
	struct gateway *gw;
	GPtrArray *snaps;             /* struct snap * */
	GArray *cases;                /* struct digest_case, pointing into snaps */
	GArray *items[DIGEST_ITEMS_COUNT]; /* struct digest_item */
	GStringChunk *strings;        /* the items' strings */
};

static void snap_free(gpointer p)
{
	struct snap *s = p;
	case_deadlines_clear(&s->d);
	case_record_clear(&s->rec);
	store_case_clear(&s->c);
	g_free(s);
}

/* A running case opened on a guess is listed every day until the team confirms its kinds;
   past the day the requester was promised, it says so first. */
static void take_uncertain(struct snapshots *ss, const struct snap *s)
{
	const GDate *today = &gateway_env(ss->gw)->today;
	struct digest_item it = { s->c.reference, NULL, s->c.received };
	GDate by;
	char *when, *what;

	if (s->c.kinds_uncertain == NULL || case_state_is_end(s->rec.state))
		return;
	g_date_clear(&by, 1);
	if (s->c.confirm_by != NULL)
		clock_date_parse(s->c.confirm_by, &by);
	when = g_date_valid(&by) ? clock_date_long(&by) : g_strdup("?");
	what = g_date_valid(&by) && g_date_compare(&by, today) < 0 ?
	       g_strdup_printf("PAST its confirm-by day %s: kinds uncertain (%s); confirm with "
			       "#kinds", when, s->c.kinds_uncertain) :
	       g_strdup_printf("kinds uncertain (%s); confirm by %s with #kinds",
			       s->c.kinds_uncertain, when);
	it.what = g_string_chunk_insert(ss->strings, what);
	it.reference = g_string_chunk_insert(ss->strings, s->c.reference);
	g_array_append_val(ss->items[DIGEST_UNCERTAIN], it);
	g_free(when);
	g_free(what);
}

/* One case into the snapshots: its record, deadlines as of today and the facts the digest
   needs. A case that cannot be read is left out and logged, never stops the digest. */
static int take_case(void *ctx, const struct store_case *c)
{
	struct snapshots *ss = ctx;
	struct snap *s = g_new0(struct snap, 1);
	struct store_case_facts f;
	struct digest_case dc;
	char *error = NULL;

	store_case_copy(&s->c, c);
	if (!case_record_from_store(&s->c, &s->rec, &error) ||
	    !case_deadlines_compute(gateway_env(ss->gw), &s->rec, &s->d, &error) ||
	    store_case_facts(ss->gw->store, s->c.id, &f, &error) != 1) {
		log_warn("digest: case %s left out: %s", s->c.reference, error);
		g_free(error);
		snap_free(s);
		return 1;
	}
	g_ptr_array_add(ss->snaps, s);
	dc = (struct digest_case){
		.id = s->c.id, .reference = s->c.reference, .requester = s->c.requester_addr,
		.owner = s->c.owner, .rec = &s->rec, .d = &s->d, .outcome = s->c.outcome,
		.received = s->c.received, .ended = case_state_is_end(s->rec.state) ? f.ended : 0,
		.last_reply = f.last_reply, .last_team = f.last_team, .ack_sent = f.ack_sent,
		.possible_repeat = f.possible_repeat,
	};
	g_array_append_val(ss->cases, dc);
	take_uncertain(ss, s);
	return 1;
}

static void take_item(void *ctx, int n, const char *const *names, const char *const *values)
{
	GArray *items = ((void **)ctx)[0];
	GStringChunk *strings = ((void **)ctx)[1];
	struct digest_item it = { NULL, NULL, 0 };

	for (int i = 0; i < n; i++) {
		if (values[i] == NULL)
			continue;
		if (strcmp(names[i], "reference") == 0)
			it.reference = g_string_chunk_insert(strings, values[i]);
		else if (strcmp(names[i], "what") == 0)
			it.what = g_string_chunk_insert(strings, values[i]);
		else if (strcmp(names[i], "at") == 0)
			it.when = g_ascii_strtoll(values[i], NULL, 10);
	}
	if (it.what != NULL)
		g_array_append_val(items, it);
}

static int take_items(struct snapshots *ss, int64_t since, char **error_r)
{
	static const char *const queries[DIGEST_ITEMS_COUNT] = {
		[DIGEST_FAILED] = "failed_notices", [DIGEST_QUARANTINED] = "quarantined",
		[DIGEST_FORGED] = "forgeries", [DIGEST_STRAY] = "stray_commands",
		[DIGEST_STORMS] = "storms",
		/* DIGEST_UNCERTAIN: from the cases themselves (take_uncertain) */
	};
	int64_t recent = pd_now() - (int64_t)QUARANTINE_DAYS * 86400;
	int ret = 1;

	for (int k = 0; k < DIGEST_ITEMS_COUNT && ret == 1; k++) {
		if (queries[k] == NULL)
			continue;
		char *arg = g_strdup_printf("%" G_GINT64_FORMAT, k == DIGEST_QUARANTINED ? recent :
					    since);
		void *ctx[2] = { ss->items[k], ss->strings };
		ret = store_query(ss->gw->store, queries[k], arg, take_item, ctx, error_r);
		g_free(arg);
	}
	return ret;
}

static void snapshots_init(struct snapshots *ss, struct gateway *gw)
{
	memset(ss, 0, sizeof(*ss));
	ss->gw = gw;
	ss->snaps = g_ptr_array_new_with_free_func(snap_free);
	ss->cases = g_array_new(FALSE, FALSE, sizeof(struct digest_case));
	for (int k = 0; k < DIGEST_ITEMS_COUNT; k++)
		ss->items[k] = g_array_new(FALSE, FALSE, sizeof(struct digest_item));
	ss->strings = g_string_chunk_new(4096);
}

static void snapshots_clear(struct snapshots *ss)
{
	if (ss->cases == NULL)
		return;
	g_array_free(ss->cases, TRUE);
	g_ptr_array_free(ss->snaps, TRUE);
	for (int k = 0; k < DIGEST_ITEMS_COUNT; k++)
		g_array_free(ss->items[k], TRUE);
	g_string_chunk_free(ss->strings);
	memset(ss, 0, sizeof(*ss));
}

static int snapshots_take(struct snapshots *ss, int64_t since, char **error_r)
{
	int ret = store_case_each(ss->gw->store, take_case, ss, error_r);
	return ret == 1 ? take_items(ss, since, error_r) : ret;
}

/* ---- the digest's values ---- */

static const char *const colour_hex[] = { "#b00020", "#a15c00", "#1b7a2e", "#555555" };
static const char *const colour_light[] = { "#fde2e5", "#fff0d4", "#e2f3e6", "#f0f0f0" };
/* The section lists' names in team_digest (and gateway_digest_vars). */
static const char *const section_lists[DIGEST_SECTION_COUNT] = {
	"overdue", "due_soon", "extension_due", "chase", "new_cases", "replies", "repeats",
};
static const char *const section_counts[DIGEST_SECTION_COUNT] = {
	"overdue_count", "due_soon_count", "extension_due_count", "chase_count",
	"new_cases_count", "replies_count", "repeats_count",
};
static const char *const section_more[DIGEST_SECTION_COUNT] = {
	"overdue_more", "due_soon_more", "extension_due_more", "chase_more",
	"new_cases_more", "replies_more", "repeats_more",
};
static const char *const item_lists[DIGEST_ITEMS_COUNT] = {
	"failed", "quarantined", "forged", "stray", "storms", "uncertain",
};
static const char *const item_counts[DIGEST_ITEMS_COUNT] = {
	"failed_count", "quarantined_count", "forged_count", "stray_count", "storms_count",
	"uncertain_count",
};

static void set(GHashTable *h, const char *name, char *value)
{
	g_hash_table_insert(h, (gpointer)name, value != NULL ? value : g_strdup(""));
}

/* "3 working days left", "due today", "24 working days overdue". */
static char *days_text(const struct digest_row *r)
{
	int n = r->days_left < 0 ? -r->days_left : r->days_left;

	if (!r->has_due)
		return NULL;
	if (n == 0)
		return g_strdup("due today");
	return g_strdup_printf("%d working day%s %s", n, n == 1 ? "" : "s",
			       r->days_left < 0 ? "overdue" : "left");
}

static GHashTable *case_row(const struct digest_row *r)
{
	GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	const struct digest_case *c = r->c;

	set(row, "reference", g_strdup(c->reference));
	set(row, "requester", g_strdup(c->requester != NULL ? c->requester : "(no address)"));
	set(row, "kinds", case_kinds_string(c->rec->kinds));
	set(row, "state", g_strdup(case_state_name(c->rec->state)));
	set(row, "owner", g_strdup(c->owner));
	set(row, "due", r->has_due ? clock_date_long(&r->due) : NULL);
	set(row, "days_left", r->has_due ? g_strdup_printf("%d", r->days_left) : NULL);
	set(row, "days_text", days_text(r));
	set(row, "status", g_strdup(r->status));
	set(row, "colour", g_strdup(colour_hex[r->colour]));
	set(row, "background", g_strdup(colour_light[r->colour]));
	return row;
}

static GPtrArray *case_rows(const GArray *rows, guint max)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; i < rows->len && i < max; i++)
		g_ptr_array_add(out, case_row(&g_array_index(rows, struct digest_row, i)));
	return out;
}

static char *more_text(guint n, guint max)
{
	return n > max ? g_strdup_printf("and %u more (pdgate cases lists them all)", n - max) :
	       NULL;
}

static GPtrArray *item_rows(const GArray *items)
{
	GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (guint i = 0; i < items->len; i++) {
		const struct digest_item *it = &g_array_index(items, struct digest_item, i);
		GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
		set(row, "reference", g_strdup(it->reference));
		set(row, "what", g_strdup(it->what));
		set(row, "when", gateway_format_date(it->when));
		g_ptr_array_add(out, row);
	}
	return out;
}

static char *count_text(unsigned n)
{
	return n > 0 ? g_strdup_printf("%u", n) : NULL;
}

/* "2 overdue, 3 due within 5 working days, 1 new": the subject's summary. */
static char *summary(const struct digest *d)
{
	static const char *const words[DIGEST_SECTION_COUNT] = {
		"overdue", "due within 5 working days", "extension decisions", "to chase",
		"new", "replies to act on", "possible repeats",
	};
	GString *s = g_string_new(NULL);

	for (int k = 0; k < DIGEST_SECTION_COUNT; k++) {
		if (d->section[k]->len > 0)
			g_string_append_printf(s, "%s%u %s", s->len > 0 ? ", " : "",
					       d->section[k]->len, words[k]);
	}
	if (d->n_items[DIGEST_FAILED] > 0)
		g_string_append_printf(s, "%s%zu failed notices", s->len > 0 ? ", " : "",
				       d->n_items[DIGEST_FAILED]);
	if (d->n_items[DIGEST_STORMS] > 0)
		g_string_append_printf(s, "%s%zu mail storm%s", s->len > 0 ? ", " : "",
				       d->n_items[DIGEST_STORMS],
				       d->n_items[DIGEST_STORMS] == 1 ? "" : "s");
	if (d->n_items[DIGEST_UNCERTAIN] > 0)
		g_string_append_printf(s, "%s%zu kinds to confirm", s->len > 0 ? ", " : "",
				       d->n_items[DIGEST_UNCERTAIN]);
	if (s->len == 0)
		g_string_append(s, "nothing due");
	return g_string_free(s, FALSE);
}

/* ---- the chart ---- */

/* Open cases by week due, as an inline PNG (no remote image, no script). */
static int chart(const struct digest *d, struct mime_blob *png, char **error_r)
{
	static const char *const labels[8] = { "this week", "next week", "+2 weeks", "+3 weeks",
					       "+4 weeks", "+5 weeks", "+6 weeks", "later" };
	/* Red and amber as the table's overdue and due-soon rows; later weeks blue, so the chart
	   is never mistaken for the table's green. */
	static const char *const colours[8] = { "#b00020", "#a15c00", "#2f5597", "#2f5597",
						"#2f5597", "#2f5597", "#2f5597", "#2f5597" };
	double values[8];

	for (int i = 0; i < 8; i++)
		values[i] = d->weeks[i];
	memset(png, 0, sizeof(*png));
	png->filename = g_strdup(CHART_CID);
	png->content_type = g_strdup("image/png");
	return digest_chart_png("Open cases by week due (this week includes overdue)", labels,
				values, colours, NULL, 8, CHART_WIDTH, CHART_HEIGHT, &png->data,
				&png->len, error_r);
}

/* ---- the digest as a notice ---- */

struct digest_mail {
	struct snapshots ss;
	struct digest d;
	GHashTable *vars, *lists;
	struct mime_blob png;
	int has_png;
};

static void fill_values(struct digest_mail *m, const GDate *today)
{
	m->vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	m->lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					 (GDestroyNotify)g_ptr_array_unref);
	set(m->vars, "date", clock_date_long(today));
	set(m->vars, "team_name", g_strdup(m->ss.gw->config->smtp.from_name));
	set(m->vars, "reply_address", g_strdup(m->ss.gw->config->smtp.from));
	set(m->vars, "summary", summary(&m->d));
	set(m->vars, "nothing_due", g_strdup(m->d.nothing_due ? "yes" : ""));
	set(m->vars, "chart_src", m->has_png ? g_strdup("cid:" CHART_CID) : NULL);
	set(m->vars, "chase_after", g_strdup_printf("%d", m->ss.gw->config->digest.chase_after));
	for (int k = 0; k < DIGEST_SECTION_COUNT; k++) {
		g_hash_table_insert(m->lists, (gpointer)section_lists[k],
				    case_rows(m->d.section[k], SECTION_ROWS));
		set(m->vars, section_counts[k], count_text(m->d.section[k]->len));
		set(m->vars, section_more[k], more_text(m->d.section[k]->len, SECTION_ROWS));
	}
	g_hash_table_insert(m->lists, "board", case_rows(m->d.board, BOARD_ROWS));
	set(m->vars, "board_count", count_text(m->d.board->len));
	set(m->vars, "board_more", more_text(m->d.board->len, BOARD_ROWS));
	for (int k = 0; k < DIGEST_ITEMS_COUNT; k++) {
		g_hash_table_insert(m->lists, (gpointer)item_lists[k], item_rows(m->ss.items[k]));
		set(m->vars, item_counts[k], count_text(m->ss.items[k]->len));
	}
}

static void digest_mail_clear(struct digest_mail *m)
{
	if (m->vars != NULL)
		g_hash_table_unref(m->vars);
	if (m->lists != NULL)
		g_hash_table_unref(m->lists);
	g_free(m->png.filename);
	g_free(m->png.content_type);
	g_free(m->png.data);
	digest_clear(&m->d);
	snapshots_clear(&m->ss);
}

/* What the previous scheduled digest saw: when it was sent, and its newest case. */
struct since {
	int64_t at, last_case;
};

/* Everything the digest says as of now, for what is new since `since`. 1, or 0/-1. */
static int digest_mail_make(struct gateway *gw, const struct since *since,
			    struct digest_mail *m, char **error_r)
{
	const struct case_env *env = gateway_env(gw);
	char *why = NULL;
	int ret;

	memset(m, 0, sizeof(*m));
	snapshots_init(&m->ss, gw);
	if ((ret = snapshots_take(&m->ss, since->at, error_r)) != 1)
		return ret;
	struct digest_input in = {
		.cases = (const struct digest_case *)(void *)m->ss.cases->data,
		.n_cases = m->ss.cases->len, .today = env->today, .since = since->at,
		.since_case = since->last_case,
		.chase_after = (unsigned)gw->config->digest.chase_after,
		.holidays = env->holidays,
	};
	for (int k = 0; k < DIGEST_ITEMS_COUNT; k++) {
		in.items[k] = (const struct digest_item *)(void *)m->ss.items[k]->data;
		in.n_items[k] = m->ss.items[k]->len;
	}
	digest_build(&in, &m->d);
	/* The chart is a courtesy: without it the table says everything. */
	m->has_png = chart(&m->d, &m->png, &why);
	if (!m->has_png)
		log_warn("digest: no chart: %s", why);
	g_free(why);
	fill_values(m, &env->today);
	return 1;
}

/* Queue the digest to every [team] notify address. */
static int digest_mail_queue(struct gateway *gw, struct digest_mail *m, char **error_r)
{
	int ret = 1;

	for (char **a = gw->config->team.notify; ret == 1 && a != NULL && *a != NULL; a++) {
		struct gateway_notice n = {
			.name = "team_digest", .rcpt = *a, .vars = m->vars, .lists = m->lists,
			.inline_images = m->has_png ? &m->png : NULL, .n_inline = m->has_png,
		};
		ret = gateway_queue_notice(gw, &n, error_r);
	}
	return ret;
}

/* The previous scheduled digest: what it saw is not new (a day ago when there was none). */
static struct since previous(struct gateway *gw)
{
	struct since p = { 0, 0 };
	char day[11];

	if (store_digest_last(gw->store, "scheduled", &p.at, &p.last_case, day) != 1 ||
	    p.at == 0)
		p = (struct since){ pd_now() - 86400, 0 };
	return p;
}

/* Build, queue and record in one transaction: sent exactly once (a second scheduled one for
   the same day is refused by the store and rolled back). 1 sent, 0 already sent, -1. */
static int digest_send(struct gateway *gw, const char *kind, char **error_r)
{
	struct digest_mail m;
	struct since since;
	char day[11];
	int ret = store_begin(gw->store, error_r);

	memset(&m, 0, sizeof(m));
	if (ret != 1)
		return -1;
	/* Read before this one is recorded, which would otherwise be "the previous". */
	since = previous(gw);
	clock_date_iso(&gateway_env(gw)->today, day);
	ret = store_digest_add(gw->store, kind, day, pd_now(), error_r);
	if (ret == 1)
		ret = digest_mail_make(gw, &since, &m, error_r);
	if (ret == 1)
		ret = digest_mail_queue(gw, &m, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	digest_mail_clear(&m);
	return ret;
}

int gateway_digest_send(struct gateway *gw, char **error_r)
{
	return digest_send(gw, "manual", error_r);
}

/* Is it time for today's digest: a working day (or any day when configured), at or after
   [digest] time, Europe/London. */
static int digest_time(struct gateway *gw, int64_t now)
{
	const struct config *c = gw->config;
	GDateTime *t = pd_london_time(now);
	int minutes = g_date_time_get_hour(t) * 60 + g_date_time_get_minute(t);
	GDate today;

	g_date_time_unref(t);
	pd_london_day(now, &today);
	if (minutes < c->digest.time)
		return 0;
	return c->digest.non_working_days ||
	       clock_is_working_day(CLOCK_CAL_EW, &today, gateway_env(gw)->holidays);
}

void gateway_digest_due(struct gateway *gw)
{
	int64_t last = 0, last_case = 0;
	char day[11], today[11];
	char *error = NULL;
	int ret;

	if (!gw->config->digest.send || gw->config->team.notify[0] == NULL ||
	    !digest_time(gw, pd_now()))
		return;
	clock_date_iso(&gateway_env(gw)->today, today);
	if (store_digest_last(gw->store, "scheduled", &last, &last_case, day) == 1 &&
	    strcmp(day, today) == 0)
		return;
	ret = digest_send(gw, "scheduled", &error);
	if (ret == 1)
		log_info("digest of %s queued for the team", today);
	else if (ret < 0)
		log_warn("digest not sent (tried again on the next pass): %s", error);
	g_free(error);
}

/* ---- the digest for the command line ---- */

int gateway_digest_render(struct gateway *gw, char **text_r, char **html_r, char **error_r)
{
	struct digest_mail m;
	struct template_output out;
	const struct template *tpl = g_hash_table_lookup(gw->templates, "team_digest");
	struct since since = previous(gw);
	int ret;

	memset(&out, 0, sizeof(out));
	if ((ret = digest_mail_make(gw, &since, &m, error_r)) == 1) {
		/* A file has no cid: the chart goes in as a data: URL instead. */
		if (m.has_png) {
			char *b64 = g_base64_encode((const guchar *)m.png.data, m.png.len);
			g_hash_table_insert(m.vars, "chart_src", g_strdup_printf(
					    "data:image/png;base64,%s", b64));
			g_free(b64);
		}
		struct template_values v = { .vars = m.vars, .lists = m.lists };
		ret = template_render_values(tpl, &v, &out, error_r);
	}
	if (ret == 1) {
		*text_r = g_strdup_printf("Subject: %s\n\n%s", out.subject, out.text);
		*html_r = out.html;
		out.html = NULL;
	}
	template_output_clear(&out);
	digest_mail_clear(&m);
	return ret;
}

/* ---- the statutory report ---- */

struct report_mail {
	struct snapshots ss;
	struct digest_report r;
	int built;
};

static void report_mail_clear(struct report_mail *m)
{
	if (m->built)
		digest_report_clear(&m->r);
	snapshots_clear(&m->ss);
}

static int report_mail_make(struct gateway *gw, const GDate *from, const GDate *to,
			    struct report_mail *m, char **error_r)
{
	int ret;

	memset(m, 0, sizeof(*m));
	snapshots_init(&m->ss, gw);
	if ((ret = snapshots_take(&m->ss, pd_now(), error_r)) != 1)
		return ret;
	ret = digest_report_build((const struct digest_case *)(void *)m->ss.cases->data,
				  m->ss.cases->len, from, to, &m->r, error_r);
	m->built = ret == 1;
	return ret;
}

/* Monthly volumes as bars and the on-time rate as a line. */
static int report_chart(const struct digest_report *r, struct mime_blob *png, char **error_r)
{
	static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
						"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	guint n = MIN(r->months->len, 60);
	char **labels = g_new0(char *, n + 1);
	const char **colours = g_new0(const char *, n + 1);
	double *values = g_new0(double, n + 1), *line = g_new0(double, n + 1);
	int ret;

	for (guint i = 0; i < n; i++) {
		const struct report_month *m = &g_array_index(r->months, struct report_month, i);
		labels[i] = g_strdup_printf("%s %02d", months[(m->month - 1) % 12], m->year % 100);
		values[i] = m->received;
		/* Nothing completed: no rate, a gap in the line rather than a false 0 %. */
		line[i] = m->completed > 0 ? 100.0 * m->on_time / m->completed : NAN;
		colours[i] = "#2f5597";
	}
	memset(png, 0, sizeof(*png));
	png->filename = g_strdup(CHART_CID);
	png->content_type = g_strdup("image/png");
	ret = digest_chart_png("Requests received by month; line: share answered on time (%)",
			       (const char *const *)labels, values, colours, line, n, CHART_WIDTH,
			       CHART_HEIGHT, &png->data, &png->len, error_r);
	g_strfreev(labels);
	g_free(colours);
	g_free(values);
	g_free(line);
	return ret;
}

int gateway_report_render(struct gateway *gw, const GDate *from, const GDate *to,
			  enum gateway_report_format format, char **out_r, char **png_r,
			  size_t *png_len_r, char **error_r)
{
	struct report_mail m;
	struct mime_blob png = { NULL, NULL, NULL, 0 };
	int ret = report_mail_make(gw, from, to, &m, error_r);

	if (ret == 1)
		*out_r = format == GATEWAY_REPORT_CSV ? digest_report_csv(&m.r) :
			 format == GATEWAY_REPORT_JSON ? digest_report_json(&m.r) :
			 digest_report_text(&m.r);
	if (ret == 1 && png_r != NULL && (ret = report_chart(&m.r, &png, error_r)) == 1) {
		*png_r = png.data;
		*png_len_r = png.len;
		png.data = NULL;
	}
	g_free(png.filename);
	g_free(png.content_type);
	g_free(png.data);
	report_mail_clear(&m);
	return ret;
}

/* The report as a mail: its values and its chart, for the outbox or a preview. */
struct report_notice {
	struct report_mail m;
	struct mime_blob png;
	int has_png;
	GHashTable *vars;
};

static void report_notice_clear(struct report_notice *rn)
{
	g_free(rn->png.filename);
	g_free(rn->png.content_type);
	g_free(rn->png.data);
	if (rn->vars != NULL)
		g_hash_table_unref(rn->vars);
	report_mail_clear(&rn->m);
	memset(rn, 0, sizeof(*rn));
}

static int report_notice_make(struct gateway *gw, const GDate *from, const GDate *to,
			      struct report_notice *rn, char **error_r)
{
	char *why = NULL;
	int ret;

	memset(rn, 0, sizeof(*rn));
	rn->vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	if ((ret = report_mail_make(gw, from, to, &rn->m, error_r)) != 1)
		return ret;
	/* The chart is a courtesy: the table says everything. */
	rn->has_png = report_chart(&rn->m.r, &rn->png, &why);
	if (!rn->has_png)
		log_warn("report: no chart: %s", why);
	g_free(why);
	set(rn->vars, "from", clock_date_long(from));
	set(rn->vars, "to", clock_date_long(to));
	set(rn->vars, "team_name", g_strdup(gw->config->smtp.from_name));
	set(rn->vars, "reply_address", g_strdup(gw->config->smtp.from));
	set(rn->vars, "report_text", digest_report_text(&rn->m.r));
	set(rn->vars, "chart_src", rn->has_png ? g_strdup("cid:" CHART_CID) : NULL);
	return 1;
}

static struct gateway_notice report_notice_to(const struct report_notice *rn, const char *rcpt)
{
	return (struct gateway_notice){ .name = "team_report", .rcpt = rcpt, .vars = rn->vars,
					.inline_images = rn->has_png ? &rn->png : NULL,
					.n_inline = rn->has_png };
}

/* The report mail to every [team] notify address, recorded as `kind`. 1, 0 (a monthly one
   was sent already), -1. */
static int report_send(struct gateway *gw, const GDate *from, const GDate *to, const char *kind,
		       char **error_r)
{
	struct report_notice rn;
	char day[11];
	int ret = store_begin(gw->store, error_r);

	memset(&rn, 0, sizeof(rn));
	if (ret == 1)
		ret = store_digest_add(gw->store, kind, clock_date_iso(&gateway_env(gw)->today, day),
				       pd_now(), error_r);
	if (ret == 1)
		ret = report_notice_make(gw, from, to, &rn, error_r);
	for (char **a = gw->config->team.notify; ret == 1 && a != NULL && *a != NULL; a++) {
		struct gateway_notice n = report_notice_to(&rn, *a);
		ret = gateway_queue_notice(gw, &n, error_r);
	}
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	report_notice_clear(&rn);
	return ret;
}

/* Where a preview says the team mail goes. */
static const char *preview_rcpt(const struct gateway *gw)
{
	const char *const *notify = (const char *const *)gw->config->team.notify;
	return notify != NULL && notify[0] != NULL ? notify[0] : "team@example.invalid";
}

int gateway_report_preview(struct gateway *gw, char **raw_r, size_t *len_r, char **error_r)
{
	struct report_notice rn;
	GDate from, to = gateway_env(gw)->today;
	int ret;

	/* Last month's, as the monthly mail would be. */
	g_date_set_day(&to, 1);
	g_date_subtract_days(&to, 1);
	from = to;
	g_date_set_day(&from, 1);
	ret = report_notice_make(gw, &from, &to, &rn, error_r);
	if (ret == 1) {
		struct gateway_notice n = report_notice_to(&rn, preview_rcpt(gw));
		ret = gateway_preview_notice(gw, &n, raw_r, len_r, error_r);
	}
	report_notice_clear(&rn);
	return ret;
}

int gateway_digest_preview(struct gateway *gw, char **raw_r, size_t *len_r, char **error_r)
{
	struct digest_mail m;
	struct since since = previous(gw);
	int ret = digest_mail_make(gw, &since, &m, error_r);

	if (ret == 1) {
		struct gateway_notice n = {
			.name = "team_digest", .rcpt = preview_rcpt(gw), .vars = m.vars,
			.lists = m.lists, .inline_images = m.has_png ? &m.png : NULL,
			.n_inline = m.has_png,
		};
		ret = gateway_preview_notice(gw, &n, raw_r, len_r, error_r);
	}
	digest_mail_clear(&m);
	return ret;
}

int gateway_report_send(struct gateway *gw, const GDate *from, const GDate *to, char **error_r)
{
	return report_send(gw, from, to, "manual", error_r);
}

/* The first working day of the month: the previous month's report goes then. */
static int first_working_day(struct gateway *gw, const GDate *today)
{
	GDate d = *today;

	g_date_set_day(&d, 1);
	while (!clock_is_working_day(CLOCK_CAL_EW, &d, gateway_env(gw)->holidays))
		g_date_add_days(&d, 1);
	return g_date_compare(&d, today) == 0;
}

void gateway_report_due(struct gateway *gw)
{
	const GDate *today = &gateway_env(gw)->today;
	GDate from, to;
	char *error = NULL;
	int ret;

	if (!gw->config->report.monthly || gw->config->team.notify[0] == NULL ||
	    !digest_time(gw, pd_now()) || !first_working_day(gw, today))
		return;
	to = *today;
	g_date_set_day(&to, 1);
	g_date_subtract_days(&to, 1);
	from = to;
	g_date_set_day(&from, 1);
	ret = report_send(gw, &from, &to, "report", &error);
	if (ret == 1)
		log_info("monthly report queued for the team");
	else if (ret < 0)
		log_warn("monthly report not sent (tried again on the next pass): %s", error);
	g_free(error);
}
