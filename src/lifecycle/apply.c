/* lifecycle/apply: what a team action does to a case, or exactly why it may not. The rules
   of each action are one table row; the checks that need dates follow it. */
#include "lifecycle-private.h"

#include <string.h>

#define S(state) (1u << (state))
#define ACTIVE (S(CASE_AWAITING_IDENTITY) | S(CASE_AWAITING_CLARIFICATION) | S(CASE_OPEN) | \
		S(CASE_EXTENDED) | S(CASE_AWAITING_FEE))
/* Where a decision on the request can be taken: its clock runs or waits for an answer. */
#define DECIDE (S(CASE_OPEN) | S(CASE_EXTENDED) | S(CASE_AWAITING_CLARIFICATION))
#define ANY ((1u << CASE_STATE_COUNT) - 1)
#define ENDS (S(CASE_RESPONDED) | S(CASE_REFUSED) | S(CASE_WITHDRAWN) | S(CASE_CLOSED))
#define SAME CASE_STATE_COUNT /* the state does not change */

enum need {
	NEED_TEXT = 0x1,    /* a reason, question or note */
	NEED_DP = 0x2,      /* a data-protection kind */
	NEED_REGIME = 0x4,  /* the regime, on a case with a data-protection kind */
	NEED_PART3 = 0x8,   /* the law-enforcement regime */
	NEED_GROUND = 0x10,
	ALLOW_ON = 0x20,    /* --on may say when it happened */
	NEED_GDPR = 0x40,   /* the general (UK GDPR) regime */
	NEED_RESTRICTION = 0x80, /* a restriction-of-processing request */
	FUTURE_ON = 0x100,  /* --on is a day to come (today at the earliest) */
	NEED_COMPLAINT = 0x200, /* a complaint */
	DATES_TOLD = 0x400, /* may start or move a date the requester was told */
	NEED_ADDRESS = 0x800, /* the text is an e-mail address */
};

struct action_rule {
	unsigned from;        /* mask of states it may be taken in */
	enum case_state to;   /* SAME, or the state it leads to */
	unsigned needs;
	const char *event;
	const char *notice;   /* template name, or NULL */
};

static const struct action_rule rules[CASE_ACTION_COUNT] = {
	[CASE_VERIFY_IDENTITY] = { ACTIVE, SAME, NEED_DP | ALLOW_ON | DATES_TOLD,
				   "identity_verified", NULL },
	[CASE_REQUEST_IDENTITY] = { S(CASE_OPEN), CASE_AWAITING_IDENTITY, NEED_DP,
				    "identity_requested", "identity_request" },
	[CASE_CLARIFY] = { S(CASE_OPEN) | S(CASE_EXTENDED), CASE_AWAITING_CLARIFICATION,
			   NEED_TEXT | ALLOW_ON, "clarification_requested",
			   "clarification_request" },
	[CASE_CLARIFIED] = { S(CASE_AWAITING_CLARIFICATION), SAME, ALLOW_ON | DATES_TOLD,
			     "clarified", NULL },
	[CASE_SET_REGIME] = { ACTIVE, SAME, DATES_TOLD, "regime_set", NULL },
	[CASE_SET_KINDS] = { ACTIVE, SAME, DATES_TOLD, "kinds_set", NULL },
	[CASE_EXTEND] = { S(CASE_OPEN), CASE_EXTENDED, NEED_TEXT | NEED_REGIME, "extended",
			  "extension_notice" },
	[CASE_RESTRICT] = { S(CASE_OPEN) | S(CASE_EXTENDED) | S(CASE_AWAITING_CLARIFICATION),
			    CASE_RESPONDED, NEED_DP | NEED_PART3, "restricted",
			    "restriction_notice" },
	/* DPA s53 / UK GDPR Art 12(5): a data-protection ground; the reasons are always given. */
	[CASE_REFUSE] = { ACTIVE, CASE_REFUSED, NEED_TEXT | NEED_DP | NEED_GROUND | NEED_REGIME,
			  "refused", "refusal_notice" },
	[CASE_RESPOND] = { S(CASE_OPEN) | S(CASE_EXTENDED) | S(CASE_AWAITING_CLARIFICATION),
			   CASE_RESPONDED, NEED_REGIME, "responded", "response_cover" },
	[CASE_WITHDRAW] = { ACTIVE, CASE_WITHDRAWN, 0, "withdrawn", "withdrawal_confirmation" },
	[CASE_CLOSE] = { ACTIVE, CASE_CLOSED, NEED_TEXT, "closed", NULL },
	[CASE_NOTE] = { ANY, SAME, NEED_TEXT, "note", NULL },
	/* UK GDPR Art 12(4): not acting on a request, with the reasons and the rights. */
	[CASE_NO_ACTION] = { ACTIVE, CASE_REFUSED, NEED_TEXT | NEED_DP | NEED_GDPR, "no_action",
			     "no_action_notice" },
	/* Art 18(3) / DPA s47: the requester is told before a restriction is lifted, which
	   may be long after the case was answered. */
	[CASE_LIFT_RESTRICTION] = { S(CASE_OPEN) | S(CASE_EXTENDED) | S(CASE_RESPONDED), SAME,
				    NEED_RESTRICTION | FUTURE_ON, "restriction_lift_notified",
				    "restriction_lift_notice" },
	[CASE_SET_COMPLAINT_TYPE] = { ACTIVE, SAME, NEED_COMPLAINT | DATES_TOLD,
				      "complaint_type_set", NULL },
	/* Not a disclosure matter (an emergency, a crime report, police conduct...): closed, and
	   the requester told where to go. */
	[CASE_REDIRECT] = { ACTIVE, CASE_CLOSED, 0, "redirected", "redirect_notice" },
	/* Who in the team owns the case: shown in listings and the digest. */
	[CASE_ASSIGN] = { ANY, SAME, NEED_TEXT | NEED_ADDRESS, "assigned", NULL },
	/* A late reply may be a complaint, or the answer was wrong: the case runs again, its
	   clocks counted from the reopening as if the request came that day. */
	[CASE_REOPEN] = { ENDS, CASE_OPEN, NEED_TEXT | DATES_TOLD, "reopened", NULL },
	/* FOIA s17: the exemptions and why; neither-confirm-nor-deny sends ncnd_notice. */
	[CASE_REFUSE_FOI] = { DECIDE, CASE_REFUSED, NEED_TEXT, "refused_foi",
			      "foi_refusal_notice" },
	[CASE_COST_LIMIT] = { DECIDE, CASE_REFUSED, 0, "cost_limit", "foi_cost_limit_notice" },
	[CASE_VEXATIOUS] = { DECIDE, CASE_REFUSED, NEED_TEXT, "vexatious",
			     "foi_vexatious_notice" },
	[CASE_REFUSE_EIR] = { DECIDE, CASE_REFUSED, NEED_TEXT, "refused_eir",
			      "eir_refusal_notice" },
	/* DPA s45(4)/(5), FOI NCND exemptions: the same words whether or not anything is
	   held; the internal reasons stay on the case. */
	[CASE_NCND] = { DECIDE, CASE_RESPONDED, 0, "ncnd", "ncnd_notice" },
	/* DPA s48(1)(b), UK GDPR Art 12(4): refused on the merits. */
	[CASE_REFUSE_RECTIFICATION] = { DECIDE, CASE_REFUSED, NEED_TEXT | NEED_DP | NEED_REGIME,
					"rectification_refused", "rectification_refusal_notice" },
	[CASE_REFUSE_ERASURE] = { DECIDE, CASE_REFUSED, NEED_TEXT | NEED_DP | NEED_REGIME,
				  "erasure_refused", "erasure_refusal_notice" },
	/* DPA s47(2): the data is kept, its processing restricted instead of erased. */
	[CASE_RESTRICT_INSTEAD] = { DECIDE, CASE_RESPONDED, NEED_TEXT | NEED_DP | NEED_PART3,
				    "restricted_instead_of_erased", "restrict_instead_notice" },
	/* UK GDPR Art 12(5)(a), 15(3); DPA s53(1)(a); FOIA s9; EIR reg 8. */
	[CASE_FEE] = { S(CASE_OPEN) | S(CASE_EXTENDED), CASE_AWAITING_FEE, NEED_TEXT | NEED_REGIME,
		       "fee_requested", "fee_notice" },
	[CASE_FEE_PAID] = { S(CASE_AWAITING_FEE), SAME, ALLOW_ON | DATES_TOLD, "fee_paid", NULL },
	/* FOIA s9(2): not paid within three months of the notice. */
	[CASE_FEE_UNPAID] = { S(CASE_AWAITING_FEE), CASE_CLOSED, 0, "fee_unpaid",
			      "fee_unpaid_notice" },
};

/* How each ending action ends a case, for the record and the statutory report. */
static const char *const redirect_outcomes[CASE_REDIRECT_COUNT] = {
	NULL, "redirected_emergency", "redirected_crime", "redirected_conduct",
	"redirected_acro", "redirected_other_force", "redirected_other",
};

/* What the requester is told when the team's word starts or moves a date. */
static const char *const change_reasons[CASE_ACTION_COUNT] = {
	[CASE_VERIFY_IDENTITY] = "we have confirmed your identity",
	[CASE_CLARIFIED] = "we have received your answer to our question",
	[CASE_SET_KINDS] = "we have corrected what we understood you are asking for",
	[CASE_SET_REGIME] = "we have confirmed which law applies to your request",
	[CASE_SET_COMPLAINT_TYPE] = "we have confirmed what your complaint is about",
	[CASE_REOPEN] = "we have reopened your request",
	[CASE_FEE_PAID] = "we have received your payment",
};

const char *case_change_reason(enum case_action action)
{
	return (unsigned)action < CASE_ACTION_COUNT ? change_reasons[action] : NULL;
}

unsigned lifecycle_allowed(enum case_state state)
{
	unsigned mask = 0;
	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		if (rules[a].from & S(state))
			mask |= 1u << a;
	}
	return mask;
}

static void states_in_words(unsigned mask, GString *s)
{
	for (int st = 0; st < CASE_STATE_COUNT; st++) {
		if (mask & S(st))
			g_string_append_printf(s, "%s%s", s->len > 0 ? ", " : "",
					       case_state_name((enum case_state)st));
	}
}

static int check_state(const struct action_rule *r, const struct case_record *rec,
		       const struct case_command *cmd, char **error_r)
{
	GString *allowed;

	if (r->from & S(rec->state))
		return 1;
	allowed = g_string_new(NULL);
	states_in_words(r->from, allowed);
	error_set(error_r, 0, "%s is not possible while the case is %s (only when it is %s)",
		  case_action_name(cmd->action), case_state_name(rec->state), allowed->str);
	g_string_free(allowed, TRUE);
	return 0;
}

static int check_text(const struct case_command *cmd, char **error_r)
{
	static const char *const what[CASE_ACTION_COUNT] = {
		[CASE_CLARIFY] = "--question", [CASE_NOTE] = "the note's text",
	};
	const char *name = what[cmd->action] != NULL ? what[cmd->action] : "--reason";

	for (const char *p = cmd->text; p != NULL && *p != '\0'; p++) {
		if (!g_ascii_isspace(*p))
			return 1;
	}
	return error_set(error_r, 0, "%s needs %s", case_action_name(cmd->action), name);
}

static int check_needs(const struct action_rule *r, const struct case_record *rec,
		       const struct case_command *cmd, char **error_r)
{
	int dp = case_kinds_need_identity(rec->kinds);

	if ((r->needs & NEED_TEXT) && !check_text(cmd, error_r))
		return 0;
	if ((r->needs & NEED_DP) && !dp)
		return error_set(error_r, 0, "%s applies to data-protection requests only (use "
				 "set-kinds if the kinds are wrong)", case_action_name(cmd->action));
	if ((r->needs & (NEED_REGIME | NEED_PART3)) && dp &&
	    rec->regime == CLOCK_REGIME_UNKNOWN)
		return error_set(error_r, 0, "set the regime first (set-regime law_enforcement|"
				 "general): the wording of the %s depends on it",
				 r->notice != NULL ? r->notice : "notice");
	if ((r->needs & NEED_PART3) && rec->regime != CLOCK_REGIME_LAW_ENFORCEMENT)
		return error_set(error_r, 0, "restriction notices (DPA 2018 s44, s45, s48) are "
				 "for law-enforcement (Part 3) cases; under UK GDPR use refuse or "
				 "respond");
	if ((r->needs & NEED_GDPR) && rec->regime != CLOCK_REGIME_GENERAL)
		return error_set(error_r, 0, "a no-action notice (UK GDPR Art 12(4)) is for UK GDPR "
				 "cases: set-regime general first, or for Part 3 use restrict or "
				 "refuse");
	if ((r->needs & NEED_RESTRICTION) &&
	    !(rec->kinds & CASE_KIND_BIT(CLOCK_KIND_RESTRICTION)))
		return error_set(error_r, 0, "lift-restriction applies to requests to restrict "
				 "processing only (use set-kinds if the kinds are wrong)");
	if ((r->needs & NEED_ADDRESS) && !pd_address_plausible(cmd->text))
		return error_set(error_r, 0, "%s needs an e-mail address, not \"%s\"",
				 case_action_name(cmd->action), cmd->text);
	if ((r->needs & NEED_COMPLAINT) && !(rec->kinds & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)))
		return error_set(error_r, 0, "%s applies to complaints only (use set-kinds if the "
				 "kinds are wrong)", case_action_name(cmd->action));
	if ((r->needs & NEED_GROUND) && cmd->ground == CASE_GROUND_NONE)
		return error_set(error_r, 0, "refuse needs --ground manifestly_unfounded|excessive");
	if (cmd->action == CASE_REDIRECT && cmd->redirect == CASE_REDIRECT_NONE)
		return error_set(error_r, 0, "redirect needs --to emergency|crime|conduct|acro|"
				 "other_force|other");
	if (cmd->action == CASE_EXTEND && (rec->kinds & CASE_KIND_BIT(CLOCK_KIND_FOI)) &&
	    cmd->exemptions == NULL)
		return error_set(error_r, 0, "an FOI extension is time to consider the public "
				 "interest (FOIA s10(3)): name the exemption(s) with --exemption, "
				 "as the notice must (s17(2))");
	if (cmd->action == CASE_REFUSE &&
	    (rec->kinds & CASE_KIND_BIT(CLOCK_KIND_AUTOMATED_DECISION)))
		return error_set(error_r, 0, "a request about an automated decision can never be "
				 "refused as manifestly unfounded or excessive");
	return 1;
}

/* A day announced in advance (a restriction lifted on it): today or later. */
static int future_day(const struct case_env *env, const struct case_command *cmd,
		      GDate *day_r, char **error_r)
{
	char *a, *b;

	if (!g_date_valid(&cmd->on))
		return error_set(error_r, 0, "%s needs --on, the day it will happen",
				 case_action_name(cmd->action));
	if (g_date_compare(&cmd->on, &env->today) < 0) {
		a = clock_date_long(&cmd->on);
		b = clock_date_long(&env->today);
		error_set(error_r, 0, "the requester must be told before: --on %s is in the past "
			  "(today is %s)", a, b);
		g_free(a);
		g_free(b);
		return 0;
	}
	*day_r = cmd->on;
	return 1;
}

/* The day it happened: --on, else today; never in the future, never before the request. */
static int event_day(const struct case_env *env, const struct action_rule *r,
		     const struct case_record *rec, const struct case_command *cmd, GDate *day_r,
		     char **error_r)
{
	char *a, *b;
	int ok = 1;

	*day_r = env->today;
	if (r->needs & FUTURE_ON)
		return future_day(env, cmd, day_r, error_r);
	if (!g_date_valid(&cmd->on))
		return 1;
	if (!(r->needs & ALLOW_ON))
		return error_set(error_r, 0, "--on does not apply to %s: it happens today",
				 case_action_name(cmd->action));
	*day_r = cmd->on;
	a = clock_date_long(&cmd->on);
	if (g_date_compare(&cmd->on, &env->today) > 0) {
		b = clock_date_long(&env->today);
		ok = error_set(error_r, 0, "--on %s is in the future (today is %s)", a, b);
		g_free(b);
	} else if (g_date_compare(&cmd->on, &rec->received) < 0) {
		b = clock_date_long(&rec->received);
		ok = error_set(error_r, 0, "--on %s is before the request was received (%s)", a, b);
		g_free(b);
	}
	g_free(a);
	return ok;
}

static void close_open_stop(struct case_record *rec, const GDate *day)
{
	struct clock_stop *open = case_open_stop(rec);
	if (open != NULL)
		open->to = g_date_compare(day, &open->from) >= 0 ? *day : open->from;
}

static int start_stop(struct case_record *rec, const GDate *day, char **error_r)
{
	struct clock_stop st = { .from = *day };
	const struct clock_stop *last = NULL;
	char *when;

	if (rec->stops->len > 0)
		last = &g_array_index(rec->stops, struct clock_stop, rec->stops->len - 1);
	if (last != NULL && g_date_compare(day, &last->to) <= 0) {
		when = clock_date_long(&last->to);
		error_set(error_r, 0, "the previous clarification stop ended on %s: a new one "
			  "can only start after it", when);
		g_free(when);
		return 0;
	}
	g_date_clear(&st.to, 1);
	g_array_append_val(rec->stops, st);
	rec->state = CASE_AWAITING_CLARIFICATION;
	return 1;
}

static int end_stop(struct case_record *rec, const GDate *day, char **error_r)
{
	struct clock_stop *open = case_open_stop(rec);
	char *a, *b;

	if (open != NULL && g_date_compare(day, &open->from) < 0) {
		a = clock_date_long(day);
		b = clock_date_long(&open->from);
		error_set(error_r, 0, "the answer cannot have arrived on %s, before the question "
			  "was sent on %s", a, b);
		g_free(a);
		g_free(b);
		return 0;
	}
	close_open_stop(rec, day);
	/* FOIA s1(3): the clarified request is answered as a new one from that day; an extension
	   of the old one does not carry over (a request with nothing else is simply open). */
	if (rec->kinds & (CASE_KIND_BIT(CLOCK_KIND_FOI) | CASE_KIND_BIT(CLOCK_KIND_EIR))) {
		rec->restart_on = *day;
		if (!case_kinds_need_identity(rec->kinds))
			g_date_clear(&rec->extended_on, 1);
	}
	rec->state = g_date_valid(&rec->extended_on) ? CASE_EXTENDED : CASE_OPEN;
	return 1;
}

static int set_regime(struct case_record *rec, const struct case_command *cmd, char **error_r)
{
	if (cmd->regime != CLOCK_REGIME_LAW_ENFORCEMENT && cmd->regime != CLOCK_REGIME_GENERAL)
		return error_set(error_r, 0, "set-regime needs law_enforcement or general");
	if (cmd->regime == rec->regime)
		return error_set(error_r, 0, "the regime is already %s",
				 clock_regime_name(rec->regime));
	rec->regime = cmd->regime;
	return 1;
}

static int set_kinds(struct case_record *rec, const struct case_command *cmd,
		     struct case_change *ch, char **error_r)
{
	if (cmd->kinds == rec->kinds)
		return error_set(error_r, 0, "the kinds are already those");
	rec->kinds = cmd->kinds;
	if (rec->state == CASE_AWAITING_IDENTITY && !case_kinds_need_identity(rec->kinds))
		rec->state = CASE_OPEN;
	if (case_kinds_need_identity(rec->kinds) && !g_date_valid(&rec->identity_on) &&
	    rec->state != CASE_AWAITING_IDENTITY)
		ch->warning = g_strdup("the requester's identity has not been verified: use "
				       "request-identity or verify-identity");
	return 1;
}

/* Apply the action's own effect to ch->after. */
static void verify_identity(struct case_record *rec, const struct case_command *cmd,
			    const GDate *day)
{
	/* An explicit --on also corrects the day recorded earlier. */
	if (rec->state == CASE_AWAITING_IDENTITY || !g_date_valid(&rec->identity_on) ||
	    g_date_valid(&cmd->on))
		rec->identity_on = *day;
	if (rec->state == CASE_AWAITING_IDENTITY)
		rec->state = CASE_OPEN;
}

static int set_complaint_type(struct case_record *rec, const struct case_command *cmd,
			      struct case_change *ch, char **error_r)
{
	if (cmd->complaint == rec->complaint)
		return error_set(error_r, 0, "the complaint type is already %s",
				 clock_complaint_name(rec->complaint));
	rec->complaint = cmd->complaint;
	if (rec->complaint == CLOCK_COMPLAINT_CONDUCT)
		ch->warning = g_strdup("a complaint about police conduct is not a disclosure "
				       "matter: redirect --to conduct sends the requester to "
				       "Professional Standards");
	return 1;
}

/* A reopened case is a new request from today: its old stops and extension are gone. */
static void reopen(struct case_record *rec, const GDate *day)
{
	rec->reopened_on = *day;
	g_date_clear(&rec->extended_on, 1);
	g_date_clear(&rec->restart_on, 1);
	g_array_set_size(rec->stops, 0);
	rec->state = CASE_OPEN;
}

static int effect(const struct action_rule *r, const struct case_command *cmd,
		  const GDate *day, struct case_change *ch, char **error_r)
{
	struct case_record *rec = &ch->after;

	switch (cmd->action) {
	case CASE_VERIFY_IDENTITY:
		verify_identity(rec, cmd, day);
		return 1;
	case CASE_REQUEST_IDENTITY:
		g_date_clear(&rec->identity_on, 1);
		break;
	case CASE_CLARIFY:
		return start_stop(rec, day, error_r);
	case CASE_CLARIFIED:
		return end_stop(rec, day, error_r);
	case CASE_SET_REGIME:
		return set_regime(rec, cmd, error_r);
	case CASE_SET_KINDS:
		return set_kinds(rec, cmd, ch, error_r);
	case CASE_SET_COMPLAINT_TYPE:
		return set_complaint_type(rec, cmd, ch, error_r);
	case CASE_EXTEND:
		rec->extended_on = *day;
		break;
	case CASE_LIFT_RESTRICTION:
		return 1;
	case CASE_ASSIGN:
		ch->owner = cmd->text;
		return 1;
	case CASE_REOPEN:
		reopen(rec, day);
		return 1;
	case CASE_FEE:
		rec->fee_on = *day;
		rec->fee_pence = cmd->fee_pence;
		break;
	case CASE_FEE_PAID:
		rec->fee_paid_on = *day;
		rec->state = g_date_valid(&rec->extended_on) ? CASE_EXTENDED : CASE_OPEN;
		return 1;
	default:
		break;
	}
	/* Ending a case ends a running clarification stop on the same day. */
	if (r->to != SAME && case_state_is_end(r->to))
		close_open_stop(rec, day);
	if (r->to != SAME)
		rec->state = r->to;
	return 1;
}

/* An extension is granted when at least one kind's rule allows it in time. */
static int check_extension(const struct case_deadlines *d, char **error_r)
{
	const char *why = NULL;

	for (unsigned i = 0; i < d->n; i++) {
		if (g_date_valid(&d->item[i].res.extended_deadline))
			return 1;
		if (why == NULL)
			why = d->item[i].res.extension_refused;
	}
	return error_set(error_r, 0, "extension refused: %s",
			 why != NULL ? why : "no deadline of this case can be extended");
}

static void describe(const struct case_record *before, const struct case_command *cmd,
		     const GDate *day, const char *old_deadlines, const char *new_deadlines,
		     struct case_change *ch)
{
	GString *s = g_string_new(NULL);
	char *when = clock_date_long(day);

	if (before->state != ch->after.state)
		g_string_append_printf(s, "state %s -> %s; ", case_state_name(before->state),
				       case_state_name(ch->after.state));
	if (cmd->action == CASE_SET_REGIME)
		g_string_append_printf(s, "regime %s -> %s; ", clock_regime_name(before->regime),
				       clock_regime_name(ch->after.regime));
	if (cmd->action == CASE_SET_KINDS) {
		char *a = case_kinds_string(before->kinds), *b = case_kinds_string(ch->after.kinds);
		g_string_append_printf(s, "kinds %s -> %s; ", a, b);
		g_free(a);
		g_free(b);
	}
	if (cmd->action == CASE_SET_COMPLAINT_TYPE)
		g_string_append_printf(s, "complaint type %s -> %s; ",
				       clock_complaint_name(before->complaint),
				       clock_complaint_name(ch->after.complaint));
	if (cmd->redirect != CASE_REDIRECT_NONE)
		g_string_append_printf(s, "to %s; ", case_redirect_name(cmd->redirect));
	if (cmd->action == CASE_RESPOND)
		g_string_append_printf(s, "outcome %s; ", case_outcome_name(
				       cmd->outcome != CASE_OUTCOME_NONE ? cmd->outcome :
				       CASE_OUTCOME_FULL));
	if (cmd->exemptions != NULL)
		g_string_append_printf(s, "exemptions %s; ", cmd->exemptions);
	lifecycle_decision_describe(cmd, s);
	if (cmd->action == CASE_ASSIGN)
		g_string_append_printf(s, "owner %s; ", cmd->text);
	if (rules[cmd->action].needs & ALLOW_ON)
		g_string_append_printf(s, "on %s; ", when);
	if (rules[cmd->action].needs & FUTURE_ON)
		g_string_append_printf(s, "to be lifted on %s; ", when);
	if (cmd->ground != CASE_GROUND_NONE)
		g_string_append_printf(s, "ground %s; ", case_ground_name(cmd->ground));
	if (cmd->text != NULL && *cmd->text != '\0' && cmd->action != CASE_ASSIGN)
		g_string_append_printf(s, "%s: %s; ", cmd->action == CASE_CLARIFY ? "question" :
				       cmd->action == CASE_NOTE ? "note" : "reason", cmd->text);
	if (strcmp(old_deadlines, new_deadlines) != 0)
		g_string_append_printf(s, "deadlines %s", new_deadlines);
	while (s->len > 0 && (s->str[s->len - 1] == ' ' || s->str[s->len - 1] == ';'))
		g_string_truncate(s, s->len - 1);
	ch->detail = g_string_free(s, FALSE);
	g_free(when);
}

/* A date the requester may be told of: a running clock with a limit that is not only the
   force's internal target. */
static const GDate *told_date(const struct case_deadline *it)
{
	if (it->clock != CASE_CLOCK_RUNNING || !it->has_days_left ||
	    it->res.basis == CLOCK_BASIS_INTERNAL)
		return NULL;
	return clock_result_due(&it->res);
}

static const struct case_deadline *find_kind(const struct case_deadlines *d,
					     enum clock_kind kind)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->item[i].kind == kind)
			return &d->item[i];
	}
	return NULL;
}

/* Is a told date of `from` gone or moved in `to`? */
static int dates_differ(const struct case_deadlines *from, const struct case_deadlines *to)
{
	for (unsigned i = 0; i < from->n; i++) {
		const GDate *a = told_date(&from->item[i]), *b;
		const struct case_deadline *other = find_kind(to, from->item[i].kind);
		if (a == NULL)
			continue;
		b = other != NULL ? told_date(other) : NULL;
		if (b == NULL || g_date_compare(a, b) != 0)
			return 1;
	}
	return 0;
}

const char *case_date_notice(const struct case_deadlines *old, const struct case_deadlines *now)
{
	int had = 0;

	for (unsigned i = 0; i < old->n; i++)
		had |= told_date(&old->item[i]) != NULL || old->item[i].clock == CASE_CLOCK_STOPPED;
	/* A date new or moved, or one they were told that is gone (a kind corrected away). */
	if (!dates_differ(now, old) && !dates_differ(old, now))
		return NULL;
	return had ? "deadline_changed" : "clock_started";
}

/* A question on a case with no access request pauses nothing: say so to the team. */
static char *clarify_warning(const struct case_record *rec, const struct case_deadlines *d)
{
	for (unsigned i = 0; i < d->n; i++) {
		if (d->item[i].clock == CASE_CLOCK_STOPPED)
			return NULL;
	}
	if (!case_kinds_need_identity(rec->kinds))
		return NULL;
	return g_strdup("no clock is paused: the clarification stop is for access requests only "
			"(UK GDPR Art 12A, DPA 2018 s54(3C)); the other deadlines keep running, "
			"and the notice says so");
}

/* The notice and warnings that follow from the new deadlines. */
static const char *outcome_of(const struct case_command *cmd)
{
	switch (cmd->action) {
	case CASE_RESPOND:
		return case_outcome_name(cmd->outcome != CASE_OUTCOME_NONE ? cmd->outcome :
					 CASE_OUTCOME_FULL);
	case CASE_REFUSE:
		return cmd->ground == CASE_GROUND_EXCESSIVE ? "refused_excessive" :
		       "refused_manifestly_unfounded";
	case CASE_NO_ACTION:
		return "no_action";
	case CASE_RESTRICT:
		return "restricted";
	case CASE_WITHDRAW:
		return "withdrawn";
	case CASE_CLOSE:
		return "closed";
	case CASE_REDIRECT:
		return redirect_outcomes[cmd->redirect];
	case CASE_REOPEN:
		return "";
	default:
		return lifecycle_decision_outcome(cmd);
	}
}

static void follow_up(const struct action_rule *r, const struct case_command *cmd,
		      const struct case_deadlines *old, const struct case_deadlines *now,
		      struct case_change *ch)
{
	ch->event = r->event;
	ch->notice = lifecycle_decision_notice(cmd, r->notice);
	ch->outcome = outcome_of(cmd);
	lifecycle_decision_extra(cmd, ch);
	if (r->notice == NULL && (r->needs & DATES_TOLD) &&
	    (ch->notice = case_date_notice(old, now)) != NULL)
		ch->change_reason = change_reasons[cmd->action];
	if (cmd->action == CASE_CLARIFY && ch->warning == NULL)
		ch->warning = clarify_warning(&ch->after, now);
}

/* Every text the team gives (but an answer, which may be a long letter) is bounded UTF-8:
   it goes into notices and the record. */
static int check_text_value(const struct case_command *cmd, char **error_r)
{
	const char *texts[] = { cmd->text, cmd->public_interest,
				cmd->internal_reason, cmd->restriction_reason, cmd->advice };

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		const char *t = texts[i];
		if (t != NULL && (strlen(t) > PD_MAX_CASE_TEXT || !g_utf8_validate(t, -1, NULL)))
			return error_set(error_r, 0, "the text must be valid UTF-8 of at most %u "
					 "bytes", PD_MAX_CASE_TEXT);
	}
	return 1;
}

int lifecycle_apply(const struct case_env *env, const struct case_record *before,
		    const struct case_command *cmd, struct case_change *change_r, char **error_r)
{
	const struct action_rule *r;
	struct case_deadlines old_d, new_d;
	char *old_s = NULL, *new_s = NULL;
	GDate day;
	int ret = 0;

	memset(change_r, 0, sizeof(*change_r));
	memset(&old_d, 0, sizeof(old_d));
	memset(&new_d, 0, sizeof(new_d));
	case_record_copy(&change_r->after, before);
	if ((unsigned)cmd->action >= CASE_ACTION_COUNT)
		return error_set(error_r, 0, "unknown action");
	r = &rules[cmd->action];
	if (!check_state(r, before, cmd, error_r) || !check_needs(r, before, cmd, error_r) ||
	    !check_text_value(cmd, error_r) || !event_day(env, r, before, cmd, &day, error_r) ||
	    !lifecycle_check_decision(env, before, cmd, &day, error_r) ||
	    !effect(r, cmd, &day, change_r, error_r))
		goto out;
	/* The change must leave a case whose deadlines can be computed (a rule in force). */
	if (!case_deadlines_compute(env, &change_r->after, &new_d, error_r))
		goto out;
	if (cmd->action == CASE_EXTEND && !check_extension(&new_d, error_r))
		goto out;
	case_deadlines_compute(env, before, &old_d, NULL);
	old_s = case_deadlines_summary(&old_d);
	new_s = case_deadlines_summary(&new_d);
	describe(before, cmd, &day, old_s, new_s, change_r);
	follow_up(r, cmd, &old_d, &new_d, change_r);
	ret = 1;
out:
	g_free(old_s);
	g_free(new_s);
	case_deadlines_clear(&old_d);
	case_deadlines_clear(&new_d);
	return ret;
}

void case_change_clear(struct case_change *change)
{
	case_record_clear(&change->after);
	g_free(change->detail);
	g_free(change->warning);
	g_free(change->also_detail);
	change->detail = change->warning = change->also_detail = NULL;
}
