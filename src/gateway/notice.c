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
	"redirect_notice", "team_new_case", "team_notice_failed", "team_reply",
	"team_case_reply", "team_alert", "team_digest", "team_report", "team_storm",
	/* the decisions (refusals, NCND, fees) */
	"foi_refusal_notice", "foi_cost_limit_notice", "foi_vexatious_notice",
	"eir_refusal_notice", "ncnd_notice", "rectification_refusal_notice",
	"erasure_refusal_notice", "restrict_instead_notice", "fee_notice", "fee_unpaid_notice",
	NULL
};

/* The digest's own placeholders (it is about many cases, not one): its day and summary, a
   list per section whose rows are cases, a list per kind of other item, and a count of each
   for {{#if}} (empty when 0). */
#define CASE_ROWS(l) (l "[]"), (l ".reference"), (l ".requester"), (l ".kinds"), \
	(l ".state"), (l ".owner"), (l ".due"), (l ".days_left"), (l ".days_text"), \
	(l ".status"), (l ".colour"), (l ".background"), (l "_count"), (l "_more")
#define ITEM_ROWS(l) (l "[]"), (l ".reference"), (l ".what"), (l ".when"), (l "_count")
const char *const gateway_digest_vars[] = {
	"date", "team_name", "reply_address", "summary", "nothing_due", "chart_src",
	"chase_after",
	CASE_ROWS("overdue"), CASE_ROWS("due_soon"), CASE_ROWS("extension_due"),
	CASE_ROWS("chase"), CASE_ROWS("new_cases"), CASE_ROWS("replies"), CASE_ROWS("repeats"),
	CASE_ROWS("board"),
	ITEM_ROWS("failed"), ITEM_ROWS("quarantined"), ITEM_ROWS("forged"), ITEM_ROWS("stray"),
	ITEM_ROWS("storms"), ITEM_ROWS("uncertain"),
	NULL
};

/* The statutory report mail: its period, the report as text, its chart. */
const char *const gateway_report_vars[] = {
	"from", "to", "team_name", "reply_address", "report_text", "chart_src", NULL
};

const char *const *gateway_notice_vars_of(const char *name)
{
	if (g_str_has_prefix(name, "team_digest"))
		return gateway_digest_vars;
	if (g_str_has_prefix(name, "team_report"))
		return gateway_report_vars;
	return gateway_notice_vars;
}

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
	"redirect_text", "answer_text", "signals_text", "text", "probably_text",
	/* a case opened on a guess: what the classifier was unsure between (for the team), the
	   day the team confirms by, and, once it has, that the kinds were checked */
	"kinds_uncertain", "uncertain_text", "confirm_by", "kinds_checked",
	/* the decisions (refusals, NCND, a partial answer, fees) */
	"public_interest", "advice", "restriction_reason", "exceptions", "ncnd", "repeated",
	"qualified", "cost_limit", "cost_rate", "cost_hours", "fee_amount", "fee_how_to_pay",
	"fee_last_day",
	/* one row per provision a refusal cites: "section 31(1)(a)", its title, qualified */
	"cited[]", "cited.provision", "cited.title", "cited.qualified",
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

/* Whether the reader of the notice may be told of a clock: the force's internal targets are
   for the team only. */
static int shown(const struct gateway_facts *f, const struct case_deadline *it)
{
	return f->to_team || it->clock == CASE_CLOCK_NOT_STARTED ||
	       it->res.basis != CLOCK_BASIS_INTERNAL;
}

/* The running clock with the earliest due date the reader may be told of, or NULL. */
static const struct case_deadline *next_shown(const struct gateway_facts *f)
{
	const struct case_deadline *best = NULL;

	for (unsigned i = 0; i < f->d->n; i++) {
		const struct case_deadline *it = &f->d->item[i];
		if (!it->has_days_left || !shown(f, it))
			continue;
		if (best == NULL || g_date_compare(clock_result_due(&it->res),
						   clock_result_due(&best->res)) < 0)
			best = it;
	}
	return best;
}

static int child_words(const struct gateway_facts *f)
{
	return f->c->child && !f->to_team;
}

/* "- a copy of your personal data: 13 April 2026", one line per running clock shown. */
static char *deadline_lines(const struct gateway_facts *f, char **latest_extended_r)
{
	GString *s = g_string_new(NULL);
	const GDate *ext = NULL;

	for (unsigned i = 0; i < f->d->n; i++) {
		const struct case_deadline *it = &f->d->item[i];
		if (!it->has_days_left || !shown(f, it))
			continue;
		char *when = clock_date_long(clock_result_due(&it->res));
		g_string_append_printf(s, "%s- %s: %s%s", s->len > 0 ? "\n" : "",
				       case_kind_words(it->kind, child_words(f)), when,
				       it->res.basis == CLOCK_BASIS_STATUTORY ? "" : " (target)");
		g_free(when);
		if (g_date_valid(&it->res.extended_deadline) &&
		    (ext == NULL || g_date_compare(&it->res.extended_deadline, ext) > 0))
			ext = &it->res.extended_deadline;
	}
	*latest_extended_r = ext != NULL ? clock_date_long(ext) : NULL;
	return g_string_free(s, FALSE);
}

/* Facts about the case's clocks that notices state as caveats. */
struct clock_facts {
	int identity_needed, stopped, extendable, pausable, statutory_ack;
};

static void clock_facts(const struct case_deadlines *d, struct clock_facts *cf)
{
	memset(cf, 0, sizeof(*cf));
	for (unsigned i = 0; i < d->n; i++) {
		const struct case_deadline *it = &d->item[i];
		int dp = case_kinds_need_identity(CASE_KIND_BIT(it->kind));
		cf->identity_needed |= it->clock == CASE_CLOCK_NOT_STARTED && dp;
		cf->stopped |= it->clock == CASE_CLOCK_STOPPED;
		if (it->clock != CASE_CLOCK_RUNNING)
			continue;
		/* FOI's stop is the fee period: only data-protection clocks pause for a question
		   (and of those, only access: the table says which). */
		cf->pausable |= dp && it->res.stop_the_clock;
		cf->extendable |= g_date_valid(&it->res.extension_notice_by) &&
				  !g_date_valid(&it->res.extended_deadline);
		cf->statutory_ack |= it->kind == CLOCK_KIND_COMPLAINT &&
				     g_date_valid(&it->res.acknowledge_by);
	}
}

char *gateway_commands_text(const struct case_record *rec)
{
	unsigned allowed = lifecycle_allowed_for(rec);
	GString *s = g_string_new(NULL);

	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		if (allowed & (1u << a))
			g_string_append_printf(s, "%s\n", case_email_usage((enum case_action)a));
	}
	g_string_append(s, "#help");
	return g_string_free(s, FALSE);
}

/* Kinds uncertain: the acknowledgement hedges, the team is asked to confirm by a day; the
   acknowledgement sent once the team has confirmed says the kinds were checked. */
static void put_uncertain(GHashTable *vars, const struct store_case *c)
{
	GDate by;

	g_date_clear(&by, 1);
	if (c->confirm_by != NULL)
		clock_date_parse(c->confirm_by, &by);
	put_flag(vars, "kinds_uncertain", c->kinds_uncertain != NULL);
	put(vars, "uncertain_text", g_strdup(c->kinds_uncertain));
	put(vars, "confirm_by", g_date_valid(&by) ? clock_date_long(&by) : NULL);
	put_flag(vars, "kinds_checked", c->kinds_uncertain == NULL && c->kinds_labelled != NULL &&
		 g_date_valid(&by));
}

static void put_case(GHashTable *vars, const struct gateway *gw, const struct store_case *c)
{
	const struct config *cfg = gw->config;

	put(vars, "reference", g_strdup(c->reference));
	put(vars, "name", g_strdup(c->requester_name));
	put(vars, "received_date", gateway_format_date(c->received));
	put(vars, "request_subject", g_strdup(c->subject));
	put(vars, "team_name", g_strdup(cfg->smtp.from_name));
	put(vars, "reply_address", g_strdup(cfg->smtp.from));
	put(vars, "regulator_name", g_strdup(cfg->gateway.regulator_name));
	put(vars, "regulator_contact", g_strdup(cfg->gateway.regulator_contact));
	put(vars, "not_for_emergencies", g_strdup(cfg->notices.not_for_emergencies));
	put(vars, "identity_routes", g_strdup(cfg->notices.identity_routes));
	put(vars, "identity_retention", g_strdup(cfg->notices.identity_retention));
	/* The Part 3 court route is s167 (s45(5)(e), s48(1)(b)(iv), s48(4)(d)). */
	put(vars, "court_section", g_strdup("167"));
	put_flag(vars, "child", c->child);
	put_flag(vars, "parent", g_strcmp0(c->on_behalf, "parent") == 0);
	put_flag(vars, "on_behalf", c->on_behalf != NULL && strcmp(c->on_behalf, "none") != 0);
	put(vars, "requester_addr", g_strdup(c->requester_addr));
	put_uncertain(vars, c);
}

static void put_kinds(GHashTable *vars, const struct gateway_facts *f)
{
	unsigned k = f->rec->kinds;
	int complaint = (k & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)) != 0;
	enum clock_complaint type = f->rec->complaint;

	put(vars, "kinds_words", case_kinds_words(k, child_words(f)));
	put(vars, "kinds_names", case_kinds_string(k));
	put_flag(vars, "data_protection", case_kinds_need_identity(k));
	put_flag(vars, "access", (k & CASE_KIND_BIT(CLOCK_KIND_ACCESS)) != 0);
	put_flag(vars, "foia", (k & CASE_KIND_BIT(CLOCK_KIND_FOI)) != 0);
	put_flag(vars, "eir", (k & CASE_KIND_BIT(CLOCK_KIND_EIR)) != 0);
	put_flag(vars, "foi", (k & (CASE_KIND_BIT(CLOCK_KIND_FOI) |
				    CASE_KIND_BIT(CLOCK_KIND_EIR))) != 0);
	put_flag(vars, "complaint", complaint);
	put_flag(vars, "complaint_dp", complaint && type == CLOCK_COMPLAINT_DATA_PROTECTION);
	put_flag(vars, "complaint_foi_review", complaint && type == CLOCK_COMPLAINT_FOI_REVIEW);
	put_flag(vars, "complaint_eir", complaint && type == CLOCK_COMPLAINT_EIR_RECONSIDERATION);
	put_flag(vars, "complaint_conduct", complaint && type == CLOCK_COMPLAINT_CONDUCT);
	put_flag(vars, "other_only", k == 0);
	put_flag(vars, "part3", f->rec->regime == CLOCK_REGIME_LAW_ENFORCEMENT);
	put_flag(vars, "uk_gdpr", f->rec->regime == CLOCK_REGIME_GENERAL);
}

static void put_clocks(GHashTable *vars, const struct gateway_facts *f)
{
	const struct case_deadline *next = next_shown(f);
	char *extended = NULL;
	struct clock_facts cf;

	clock_facts(f->d, &cf);
	put(vars, "state", g_strdup(case_state_name(f->rec->state)));
	put(vars, "days_left", next == NULL ? NULL : g_strdup_printf("%d", next->days_left));
	put(vars, "deadline", next == NULL ? NULL : clock_date_long(clock_result_due(&next->res)));
	put(vars, "deadlines_text", deadline_lines(f, &extended));
	put(vars, "extended_deadline", extended);
	put_flag(vars, "identity_needed", cf.identity_needed);
	put_flag(vars, "clock_stopped", cf.stopped);
	put_flag(vars, "extendable", cf.extendable);
	put_flag(vars, "pausable", cf.pausable);
	put_flag(vars, "complaint_statutory_ack", cf.statutory_ack);
}

static const char *redirect_text(const struct gateway *gw, const struct case_command *cmd)
{
	if (cmd == NULL || cmd->redirect <= CASE_REDIRECT_NONE ||
	    cmd->redirect >= CASE_REDIRECT_COUNT)
		return NULL;
	return gw->config->notices.redirect[cmd->redirect - CASE_REDIRECT_EMERGENCY];
}

/* The commands whose text is written for the requester; a note's, a close's or an
   assignment's text is the team's own and never reaches a notice. */
static int reason_for_requester(const struct case_command *cmd)
{
	switch (cmd != NULL ? cmd->action : CASE_ACTION_COUNT) {
	case CASE_EXTEND: case CASE_REFUSE: case CASE_NO_ACTION: case CASE_RESTRICT:
	case CASE_LIFT_RESTRICTION: case CASE_RESPOND: case CASE_COST_LIMIT:
	case CASE_VEXATIOUS: case CASE_REFUSE_EIR: case CASE_REFUSE_RECTIFICATION:
	case CASE_REFUSE_ERASURE: case CASE_RESTRICT_INSTEAD: case CASE_FEE:
		return 1;
	/* Neither confirm nor deny: its reasons would say what it must not. */
	case CASE_REFUSE_FOI:
		return !cmd->ncnd;
	default:
		return 0;
	}
}

static void put_command(GHashTable *vars, const struct gateway *gw,
			const struct gateway_facts *f)
{
	const struct case_command *cmd = f->cmd;
	int question = cmd != NULL && cmd->action == CASE_CLARIFY;
	const char *text = cmd != NULL ? cmd->text : NULL;
	int lift = cmd != NULL && cmd->action == CASE_LIFT_RESTRICTION;
	enum case_outcome outcome = cmd != NULL ? cmd->outcome : CASE_OUTCOME_NONE;

	put(vars, "lift_date", lift ? clock_date_long(&cmd->on) : NULL);
	put(vars, "question", g_strdup(question ? text : NULL));
	put(vars, "reason", g_strdup(reason_for_requester(cmd) ? text : NULL));
	put(vars, "ground_words",
	    g_strdup(cmd == NULL || cmd->ground == CASE_GROUND_NONE ? NULL :
		     cmd->ground == CASE_GROUND_EXCESSIVE ? "excessive" : "manifestly unfounded"));
	put(vars, "exemptions", cmd != NULL && cmd->exemptions != NULL ?
	    case_exemptions_words(cmd->exemptions) : NULL);
	put_flag(vars, "outcome_part", outcome == CASE_OUTCOME_PART);
	put_flag(vars, "outcome_not_held", outcome == CASE_OUTCOME_NOT_HELD);
	/* A Part 3 access answer with redactions is a partial restriction (s45(4)): its cover
	   carries the s45(5) elements. */
	put_flag(vars, "partial_restriction", outcome == CASE_OUTCOME_PART &&
		 f->rec->regime == CLOCK_REGIME_LAW_ENFORCEMENT &&
		 (f->rec->kinds & CASE_KIND_BIT(CLOCK_KIND_ACCESS)));
	put(vars, "redirect_text", g_strdup(redirect_text(gw, cmd)));
	put(vars, "answer_text", g_strdup(cmd != NULL ? cmd->answer : NULL));
	put(vars, "change_reason", g_strdup(f->change_reason));
}

GHashTable *gateway_notice_values(const struct gateway *gw, const struct gateway_facts *f)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	put_case(vars, gw, f->c);
	put_kinds(vars, f);
	put_clocks(vars, f);
	put_command(vars, gw, f);
	gateway_decision_values(vars, gw, f);
	put(vars, "commands_text", gateway_commands_text(f->rec));
	put(vars, "why_text", NULL);
	put(vars, "signals_text", NULL);
	put(vars, "text", NULL);
	put(vars, "probably_text", NULL);
	put(vars, "attachments_text", f->n_files > 0 ? gateway_files_text(f->files, f->n_files) :
	    NULL);
	return vars;
}

static GHashTable *row_new(const struct gateway_facts *f, const struct case_deadline *it)
{
	GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	int dated = it->clock == CASE_CLOCK_RUNNING || it->clock == CASE_CLOCK_STOPPED;

	g_hash_table_insert(row, "kind_words", g_strdup(case_kind_words(it->kind,
									child_words(f))));
	g_hash_table_insert(row, "date", dated ? clock_date_long(clock_result_due(&it->res)) :
			    g_strdup(""));
	g_hash_table_insert(row, "target", g_strdup(dated && it->res.basis !=
						    CLOCK_BASIS_STATUTORY ? "yes" : ""));
	return row;
}

static GHashTable *deadline_row(const struct gateway_facts *f, const struct case_deadline *it)
{
	GHashTable *row = row_new(f, it);
	g_hash_table_insert(row, "days_left", g_strdup_printf("%d", it->days_left));
	g_hash_table_insert(row, "unit", g_strdup(it->res.unit == CLOCK_UNIT_WORKING_DAYS ?
						  "working days" : "days"));
	g_hash_table_insert(row, "extended", g_strdup(g_date_valid(&it->res.extended_deadline) ?
						      "yes" : ""));
	g_hash_table_insert(row, "paused", g_strdup(it->clock == CASE_CLOCK_STOPPED ? "yes" : ""));
	return row;
}

/* A clock and what a clarification does to it: paused (access), running (the other
   rights), restarts (FOI, EIR) or not started (waiting for identity). */
static GHashTable *clock_row(const struct gateway_facts *f, const struct case_deadline *it)
{
	GHashTable *row = row_new(f, it);
	int foi = it->kind == CLOCK_KIND_FOI || it->kind == CLOCK_KIND_EIR;
	int waiting = it->clock == CASE_CLOCK_NOT_STARTED;

	g_hash_table_insert(row, "paused", g_strdup(it->clock == CASE_CLOCK_STOPPED ? "yes" : ""));
	g_hash_table_insert(row, "running", g_strdup(it->clock == CASE_CLOCK_RUNNING ? "yes" : ""));
	g_hash_table_insert(row, "restarts", g_strdup(waiting && foi ? "yes" : ""));
	g_hash_table_insert(row, "not_started", g_strdup(waiting && !foi ? "yes" : ""));
	return row;
}

GHashTable *gateway_notice_lists(const struct gateway *gw, const struct gateway_facts *f)
{
	GHashTable *lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						  (GDestroyNotify)g_ptr_array_unref);
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	GPtrArray *clocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);

	for (unsigned i = 0; i < f->d->n; i++) {
		const struct case_deadline *it = &f->d->item[i];
		if (!shown(f, it))
			continue;
		if (it->has_days_left)
			g_ptr_array_add(rows, deadline_row(f, it));
		if (it->has_days_left || it->clock == CASE_CLOCK_NOT_STARTED)
			g_ptr_array_add(clocks, clock_row(f, it));
	}
	g_hash_table_insert(lists, "deadlines", rows);
	g_hash_table_insert(lists, "clocks", clocks);
	g_hash_table_insert(lists, "cited", gateway_cited_rows(gw, f));
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
		.attachments = n->files,
		.n_attachments = n->n_files,
		.inline_images = n->inline_images,
		.n_inline = n->n_inline,
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
	if (n->reference != NULL)
		ensure_reference(&c->subject, n->reference);
	c->message_id = new_message_id(gw, n->reference != NULL ? n->reference : "pdgate", n->name);
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
	if (ret == 1 && n->case_id != 0)
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
