/* gateway/notice: render a notice from its template, compose it, spool it byte-exact as an
   outbound message of the case, and queue it. Values come from the case record and the
   validated message struct only; automatic notices never quote the request beyond its
   subject. */
#include "gateway-private.h"

#include <string.h>

const char *const gateway_notice_names[] = {
	"acknowledgement", "identity_request", "clarification_request", "extension_notice",
	"restriction_notice", "refusal_notice", "no_action_notice", "restriction_lift_notice",
	"response_cover", "withdrawal_confirmation", "clock_started", "deadline_changed",
	"redirect_notice", "team_new_case", "team_notice_failed",
	NULL
};

/* What every notice may use (README "Templates" says what each means). */
const char *const gateway_notice_vars[] = {
	"reference", "name", "received_date", "request_subject", "team_name", "reply_address",
	"kinds_words", "kinds_names", "deadline", "deadlines_text", "identity_needed",
	"data_protection", "access", "foi", "foia", "eir", "complaint", "complaint_dp",
	"complaint_foi_review", "complaint_eir", "complaint_conduct", "complaint_statutory_ack",
	"other_only", "part3", "uk_gdpr", "child", "parent", "on_behalf", "reason", "question",
	"ground_words", "extended_deadline", "extendable", "pausable", "regulator_name",
	"regulator_contact", "court_section", "clock_stopped", "lift_date", "requester_addr",
	"state", "why_text", "attachments_text", "commands_text", "days_left",
	"not_for_emergencies", "identity_routes", "identity_retention", "change_reason",
	"exemptions", "outcome_part", "outcome_not_held", "partial_restriction",
	"redirect_text",
	/* one row per running clock the notice's reader may be told of */
	"deadlines[]", "deadlines.kind_words", "deadlines.date", "deadlines.days_left",
	"deadlines.unit", "deadlines.target", "deadlines.extended", "deadlines.paused",
	/* one row per clock with a time limit, whatever its state (clarification) */
	"clocks[]", "clocks.kind_words", "clocks.date", "clocks.paused", "clocks.running",
	"clocks.restarts", "clocks.not_started", "clocks.target",
	NULL
};

char *gateway_format_date(int64_t when)
{
	/* British style and locale-independent: "25 November 2026". */
	GDate day;
	pd_london_day(when, &day);
	return clock_date_long(&day);
}

int gateway_year(int64_t when)
{
	GDateTime *t = pd_london_time(when);
	int year = g_date_time_get_year(t);
	g_date_time_unref(t);
	return year;
}

/* A Message-ID unique forever and recognisable as ours: it is how replies find the case. */
static char *new_message_id(struct gateway *gw, const char *reference, const char *notice)
{
	char *rnd = g_uuid_string_random();
	char *id = g_strdup_printf("%s.%s.%s@%s", reference, notice, rnd, gw->message_id_domain);
	g_free(rnd);
	return id;
}

static void put(GHashTable *vars, const char *name, char *value)
{
	g_hash_table_insert(vars, (gpointer)name, value != NULL ? value : g_strdup(""));
}

static void put_flag(GHashTable *vars, const char *name, int on)
{
	put(vars, name, g_strdup(on ? "yes" : ""));
}

/* "- a copy of your personal data: 13 April 2026", one line per running clock. */
static char *deadline_lines(const struct case_deadlines *d, char **latest_extended_r)
{
	GString *s = g_string_new(NULL);
	const GDate *ext = NULL;

	for (unsigned i = 0; i < d->n; i++) {
		const struct case_deadline *it = &d->item[i];
		if (!it->has_days_left)
			continue;
		char *when = clock_date_long(clock_result_due(&it->res));
		g_string_append_printf(s, "%s- %s: %s", s->len > 0 ? "\n" : "",
				       case_kind_words(it->kind), when);
		g_free(when);
		if (g_date_valid(&it->res.extended_deadline) &&
		    (ext == NULL || g_date_compare(&it->res.extended_deadline, ext) > 0))
			ext = &it->res.extended_deadline;
	}
	*latest_extended_r = ext != NULL ? clock_date_long(ext) : NULL;
	return g_string_free(s, FALSE);
}

static int waits_for_identity(const struct case_deadlines *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->item[i].clock == CASE_CLOCK_NOT_STARTED &&
		    case_kinds_need_identity(CASE_KIND_BIT(d->item[i].kind)))
			return 1;
	}
	return 0;
}

/* A clarification stops only the clocks whose rule allows it (not Part 3 erasure...). */
static int any_stopped(const struct case_deadlines *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->item[i].clock == CASE_CLOCK_STOPPED)
			return 1;
	}
	return 0;
}

/* What the team can do now, one command per line. */
static char *commands_lines(const struct store_case *c, enum case_state state)
{
	unsigned allowed = lifecycle_allowed(state);
	GString *s = g_string_new(NULL);

	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		if (allowed & (1u << a))
			g_string_append_printf(s, "%spdgate case %s %s", s->len > 0 ? "\n" : "",
					       c->reference, case_action_name((enum case_action)a));
	}
	return g_string_free(s, FALSE);
}

static void put_case(GHashTable *vars, const struct gateway *gw, const struct store_case *c)
{
	put(vars, "reference", g_strdup(c->reference));
	put(vars, "name", g_strdup(c->requester_name));
	put(vars, "received_date", gateway_format_date(c->received));
	put(vars, "request_subject", g_strdup(c->subject));
	put(vars, "team_name", g_strdup(gw->config->smtp.from_name));
	put(vars, "reply_address", g_strdup(gw->config->smtp.from));
	put(vars, "regulator_name", g_strdup(gw->config->gateway.regulator_name));
	put(vars, "regulator_contact", g_strdup(gw->config->gateway.regulator_contact));
	put_flag(vars, "child", c->child);
	put(vars, "requester_addr", g_strdup(c->requester_addr));
}

static void put_record(GHashTable *vars, const struct case_record *rec,
		       const struct case_deadlines *d)
{
	const GDate *next = case_deadlines_next(d);
	char *extended = NULL;

	put(vars, "state", g_strdup(case_state_name(rec->state)));
	put(vars, "days_left", d->next < 0 ? NULL :
	    g_strdup_printf("%d", d->item[d->next].days_left));
	put(vars, "kinds_words", case_kinds_words(rec->kinds));
	put(vars, "deadline", next != NULL ? clock_date_long(next) : NULL);
	put(vars, "deadlines_text", deadline_lines(d, &extended));
	put(vars, "extended_deadline", extended);
	put_flag(vars, "identity_needed", waits_for_identity(d));
	put_flag(vars, "clock_stopped", any_stopped(d));
	put_flag(vars, "data_protection", case_kinds_need_identity(rec->kinds));
	put_flag(vars, "foi", (rec->kinds & (CASE_KIND_BIT(CLOCK_KIND_FOI) |
					     CASE_KIND_BIT(CLOCK_KIND_EIR))) != 0);
	put_flag(vars, "part3", rec->regime == CLOCK_REGIME_LAW_ENFORCEMENT);
	put_flag(vars, "uk_gdpr", rec->regime == CLOCK_REGIME_GENERAL);
}

/* The court route of a Part 3 notice: domain-rules 4 gives s165 for access and s167 for the
   other rights; the access one is configurable for the DPO to confirm [check]. */
static void put_court(GHashTable *vars, const struct gateway *gw, const struct case_record *rec)
{
	int access = (rec->kinds & CASE_KIND_BIT(CLOCK_KIND_ACCESS)) != 0;
	put(vars, "court_section",
	    g_strdup(access ? gw->config->gateway.court_section_access : "167"));
}

static void put_command(GHashTable *vars, const struct case_command *cmd)
{
	int question = cmd != NULL && cmd->action == CASE_CLARIFY;
	const char *text = cmd != NULL ? cmd->text : NULL;
	int lift = cmd != NULL && cmd->action == CASE_LIFT_RESTRICTION;

	put(vars, "lift_date", lift ? clock_date_long(&cmd->on) : NULL);
	put(vars, "question", g_strdup(question ? text : NULL));
	put(vars, "reason", g_strdup(question ? NULL : text));
	put(vars, "ground_words",
	    g_strdup(cmd == NULL || cmd->ground == CASE_GROUND_NONE ? NULL :
		     cmd->ground == CASE_GROUND_EXCESSIVE ? "excessive" : "manifestly unfounded"));
}

GHashTable *gateway_notice_values(const struct gateway *gw, const struct store_case *c,
				  const struct case_record *rec, const struct case_deadlines *d,
				  const struct case_command *cmd)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	put_case(vars, gw, c);
	put_record(vars, rec, d);
	put_court(vars, gw, rec);
	put_command(vars, cmd);
	put(vars, "commands_text", commands_lines(c, rec->state));
	put(vars, "why_text", NULL);
	put(vars, "attachments_text", NULL);
	return vars;
}

static GHashTable *deadline_row(const struct case_deadline *it)
{
	GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	g_hash_table_insert(row, "kind_words", g_strdup(case_kind_words(it->kind)));
	g_hash_table_insert(row, "date", clock_date_long(clock_result_due(&it->res)));
	g_hash_table_insert(row, "days_left", g_strdup_printf("%d", it->days_left));
	g_hash_table_insert(row, "unit", g_strdup(it->res.unit == CLOCK_UNIT_WORKING_DAYS ?
						  "working days" : "days"));
	return row;
}

GHashTable *gateway_notice_lists(const struct case_deadlines *d)
{
	GHashTable *lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						  (GDestroyNotify)g_ptr_array_unref);
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (unsigned i = 0; i < d->n; i++) {
		if (d->item[i].has_days_left)
			g_ptr_array_add(rows, deadline_row(&d->item[i]));
	}
	g_hash_table_insert(lists, "deadlines", rows);
	return lists;
}

struct composed {
	char *raw, *sha256, *message_id, *subject;
	size_t len;
	int64_t date;
};

static void composed_free(struct composed *c)
{
	g_free(c->raw);
	g_free(c->sha256);
	g_free(c->message_id);
	g_free(c->subject);
}

/* Threading ids from mail are the sender's: one too long to repeat is dropped, never
   allowed to make the notice fail. The array is new; its strings are borrowed. */
static const char **usable_references(char **refs)
{
	GPtrArray *ok = g_ptr_array_new();
	for (char **r = refs; r != NULL && *r != NULL; r++) {
		if (strlen(*r) <= PD_MAX_THREAD_ID)
			g_ptr_array_add(ok, *r);
	}
	g_ptr_array_add(ok, NULL);
	return (const char **)g_ptr_array_free(ok, FALSE);
}

static int compose(struct gateway *gw, const struct gateway_notice *n,
		   const struct template_output *body, struct composed *out, char **error_r)
{
	const char **refs = usable_references(n->references);
	int ret;
	struct mime_notice m = {
		.from_name = gw->config->smtp.from_name,
		.from_addr = gw->config->smtp.from,
		.to_name = n->to_name,
		.to_addr = n->rcpt,
		.subject = out->subject,
		.body_text = body->text,
		.body_html = body->html,
		.message_id = out->message_id,
		.in_reply_to = n->in_reply_to != NULL && strlen(n->in_reply_to) <= PD_MAX_THREAD_ID ?
			       n->in_reply_to : NULL,
		.references = refs,
		.date = out->date,
		.auto_replied = 1,
	};
	ret = mime_compose(&m, &out->raw, &out->len, error_r);
	g_free(refs);
	return ret;
}

static int store_outbound(struct gateway *gw, const struct gateway_notice *n,
			  const struct composed *c, char **error_r)
{
	struct store_message m = {
		.direction = STORE_OUT,
		.case_id = n->case_id,
		.sha256 = c->sha256,
		.size = c->len,
		.message_id = c->message_id,
		.from_addr = gw->config->smtp.from,
		.to_addr = n->rcpt,
		.subject = c->subject,
		.date = c->date,
		.received = c->date,
		.status = "stored",
		.notice = n->name,
	};
	int64_t row = 0;
	int ret = store_message_add(gw->store, &m, &row, error_r);
	if (ret == 1)
		ret = store_outbox_add(gw->store, n->case_id, row, gw->config->smtp.from, n->rcpt,
				       error_r);
	return ret;
}

/* Replies find their case by the reference in the subject: make sure it is there whatever
   an admin wrote in the template. */
static void ensure_reference(char **subject, const char *reference)
{
	if (strstr(*subject, reference) != NULL)
		return;
	char *with = g_strdup_printf("%s [%s]", *subject, reference);
	g_free(*subject);
	*subject = with;
}

/* NAME.child when the requester is a child and the admin shipped one, else NAME. */
static const struct template *pick_template(struct gateway *gw, const struct gateway_notice *n)
{
	const struct template *tpl = NULL;
	if (n->child) {
		char *name = g_strconcat(n->name, ".child", NULL);
		tpl = g_hash_table_lookup(gw->templates, name);
		g_free(name);
	}
	return tpl != NULL ? tpl : g_hash_table_lookup(gw->templates, n->name);
}

/* Render and compose n (nothing stored): c is filled, the caller frees it. */
static int render_compose(struct gateway *gw, const struct gateway_notice *n,
			  struct composed *c, char **error_r)
{
	const struct template *tpl = pick_template(gw, n);
	struct template_values values = { .vars = n->vars, .lists = n->lists };
	struct template_output body;
	int ret;

	memset(&body, 0, sizeof(body));
	c->date = pd_now();
	if (tpl == NULL)
		return error_set(error_r, 0, "no template %s", n->name);
	if ((ret = template_render_values(tpl, &values, &body, error_r)) != 1)
		goto out;
	c->subject = g_strdup(body.subject);
	ensure_reference(&c->subject, n->reference);
	c->message_id = new_message_id(gw, n->reference, n->name);
	ret = compose(gw, n, &body, c, error_r);
out:
	template_output_clear(&body);
	return ret;
}

int gateway_queue_notice(struct gateway *gw, const struct gateway_notice *n, char **error_r)
{
	struct composed c = { .raw = NULL };
	int ret = render_compose(gw, n, &c, error_r);

	if (ret == 1)
		ret = store_spool_put(gw->store, c.raw, c.len, &c.sha256, error_r);
	if (ret == 1)
		ret = store_outbound(gw, n, &c, error_r);
	if (ret == 1)
		ret = store_event_add(gw->store, n->case_id, "gateway", "notice_queued", n->name,
				      error_r);
	composed_free(&c);
	return ret;
}

int gateway_preview_notice(struct gateway *gw, const struct gateway_notice *n, char **raw_r,
			   size_t *len_r, char **error_r)
{
	struct composed c = { .raw = NULL };
	int ret = render_compose(gw, n, &c, error_r);

	if (ret == 1) {
		*raw_r = c.raw;
		*len_r = c.len;
		c.raw = NULL;
	}
	composed_free(&c);
	return ret;
}
