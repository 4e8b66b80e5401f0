/* lifecycle/decisions: the decisions a disclosure unit makes beyond a plain answer (FOI and
   EIR refusals, neither confirm nor deny, refusals on the merits, a partial answer, fees):
   what each needs before it may be taken, the notice it sends, the outcome it records.
   The rows of apply.c's table say the states and the common needs; the rest is here. */
#include "lifecycle-private.h"

#include <string.h>

static int has_kind(const struct case_record *rec, enum clock_kind kind)
{
	return (rec->kinds & CASE_KIND_BIT(kind)) != 0;
}

enum cited_needs {
	CITED_ONLY = 0,     /* listed in the table */
	CITED_NCND = 1,     /* and each allows neither-confirm-nor-deny */
	CITED_PI = 2,       /* and a qualified one comes with the public interest reasons */
};

/* Each cited provision is in the table, allows NCND when asked, and a qualified one has the
   public interest reasons (FOIA s17(3), EIR reg 14(3)(b)). */
static int check_cited(const struct case_env *env, enum case_law law, const char *canonical,
		       unsigned needs, const char *public_interest, char **error_r)
{
	char **cited = g_strsplit(canonical, ",", -1);
	int qualified = 0, ret = 1;

	for (char **c = cited; ret == 1 && *c != NULL; c++) {
		const struct case_exemption *e = case_exemption_find(env->exemptions, law, *c);
		if (e == NULL)
			ret = error_set(error_r, 0, "%s %s is not in the exemptions table (%s)",
					law == CASE_LAW_FOIA ? "section" : "regulation",
					*c + (**c == 's'),
					law == CASE_LAW_FOIA ? "FOIA s21 to s44" :
					"EIR regulations 12 and 13");
		else if ((needs & CITED_NCND) && e->ncnd == NULL)
			ret = error_set(error_r, 0, "%s does not allow neither confirming nor denying",
					*c);
		else
			qualified |= e->qualified;
	}
	g_strfreev(cited);
	if (ret == 1 && (needs & CITED_PI) && qualified &&
	    (public_interest == NULL || *public_interest == '\0'))
		ret = error_set(error_r, 0, "a qualified %s needs the public interest reasons "
				"(--public-interest; by e-mail, below the command lines)",
				law == CASE_LAW_FOIA ? "exemption" : "exception");
	return ret;
}

/* A refusal on the merits decides the whole case: one right, nothing else asked. */
static int only_kind(const struct case_record *rec, enum clock_kind kind, const char *action,
		     char **error_r)
{
	if (!has_kind(rec, kind))
		return error_set(error_r, 0, "%s applies to a request for %s only (use set-kinds "
				 "if the kinds are wrong)", action, clock_kind_name(kind));
	if (rec->kinds != CASE_KIND_BIT(kind))
		return error_set(error_r, 0, "%s decides the whole case, which also asks for other "
				 "rights: answer those first, or set-kinds %s if they are a "
				 "separate matter", action, clock_kind_name(kind));
	return 1;
}

static int check_foi(const struct case_env *env, const struct case_record *rec,
		     const struct case_command *cmd, char **error_r)
{
	const char *name = case_action_name(cmd->action);

	if (!has_kind(rec, CLOCK_KIND_FOI))
		return error_set(error_r, 0, "%s is for Freedom of Information requests%s", name,
				 has_kind(rec, CLOCK_KIND_EIR) ? " (for EIR use refuse-eir)" : "");
	if (cmd->action != CASE_REFUSE_FOI)
		return 1;
	return check_cited(env, CASE_LAW_FOIA, cmd->exemptions,
			   CITED_PI | (cmd->ncnd ? CITED_NCND : 0), cmd->public_interest, error_r);
}

/* Part 3 access (DPA s45(4)/(5)), or FOI citing exemptions that allow it. */
static int check_ncnd(const struct case_env *env, const struct case_record *rec,
		      const struct case_command *cmd, char **error_r)
{
	if (has_kind(rec, CLOCK_KIND_FOI)) {
		if (cmd->exemptions == NULL)
			return error_set(error_r, 0, "an FOI neither-confirm-nor-deny names the "
					 "exemption(s) that allow it (--exemption)");
		return check_cited(env, CASE_LAW_FOIA, cmd->exemptions, CITED_NCND | CITED_PI,
				   cmd->public_interest, error_r);
	}
	if (!has_kind(rec, CLOCK_KIND_ACCESS) || rec->regime != CLOCK_REGIME_LAW_ENFORCEMENT)
		return error_set(error_r, 0, "ncnd is for law-enforcement (Part 3) access requests "
				 "(DPA 2018 s45(4)) and FOI requests: set-regime or set-kinds "
				 "first if they are wrong");
	if (cmd->exemptions != NULL)
		return error_set(error_r, 0, "--exemption is for FOI requests");
	return 1;
}

/* A partial answer withholds parts: why (sent), and for FOI the exemptions. */
static int check_partial(const struct case_env *env, const struct case_record *rec,
			 const struct case_command *cmd, char **error_r)
{
	if (cmd->outcome != CASE_OUTCOME_PART) {
		if (cmd->exemptions != NULL || cmd->restriction_reason != NULL)
			return error_set(error_r, 0, "--exemption and --restriction-reason are for a "
					 "partial answer (--partial)");
		return 1;
	}
	if (!has_kind(rec, CLOCK_KIND_FOI))
		return cmd->exemptions == NULL ? 1 :
		       error_set(error_r, 0, "--exemption is for FOI requests");
	if (cmd->exemptions == NULL)
		return error_set(error_r, 0, "an FOI answer in part names the exemptions applied to "
				 "what was withheld (FOIA s17(1))");
	/* The public interest reasons may be in the answer itself: not required here. */
	return check_cited(env, CASE_LAW_FOIA, cmd->exemptions, CITED_ONLY, NULL, error_r);
}

static int check_fee(const struct case_record *rec, const struct case_command *cmd,
		     const GDate *day, const GDate *today, char **error_r)
{
	GDate lapse;

	switch (cmd->action) {
	case CASE_FEE:
		if ((rec->kinds & ~CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)) == 0)
			return error_set(error_r, 0, "a fee applies to requests for information or "
					 "personal data, not to a complaint or other mail");
		if (g_date_valid(&rec->fee_on))
			return error_set(error_r, 0, "a fee was already asked on this case");
		return 1;
	case CASE_FEE_PAID:
		if (g_date_compare(day, &rec->fee_on) < 0)
			return error_set(error_r, 0, "the fee cannot be paid before it was asked");
		return 1;
	case CASE_FEE_UNPAID:
		lapse = rec->fee_on;
		g_date_add_months(&lapse, 3);
		if (g_date_compare(today, &lapse) < 0) {
			char *when = clock_date_long(&lapse);
			error_set(error_r, 0, "the fee may still be paid: the request lapses on %s "
				  "(three months from the fee notice, FOIA s9(2))", when);
			g_free(when);
			return 0;
		}
		return 1;
	default:
		return 1;
	}
}

int lifecycle_check_decision(const struct case_env *env, const struct case_record *rec,
			     const struct case_command *cmd, const GDate *day, char **error_r)
{
	switch (cmd->action) {
	case CASE_EXTEND:
		/* The public interest test is what the extra time is for. */
		return cmd->exemptions == NULL ||
		       check_cited(env, CASE_LAW_FOIA, cmd->exemptions, CITED_ONLY, NULL, error_r);
	case CASE_REFUSE_FOI:
	case CASE_COST_LIMIT:
	case CASE_VEXATIOUS:
		return check_foi(env, rec, cmd, error_r);
	case CASE_REFUSE_EIR:
		if (!has_kind(rec, CLOCK_KIND_EIR))
			return error_set(error_r, 0, "refuse-eir is for Environmental Information "
					 "requests");
		return check_cited(env, CASE_LAW_EIR, cmd->exceptions, CITED_PI,
				   cmd->public_interest, error_r);
	case CASE_NCND:
		return check_ncnd(env, rec, cmd, error_r);
	case CASE_RESPOND:
		return check_partial(env, rec, cmd, error_r);
	case CASE_REFUSE_RECTIFICATION:
		return only_kind(rec, CLOCK_KIND_RECTIFICATION, "refuse-rectification", error_r);
	case CASE_REFUSE_ERASURE:
	case CASE_RESTRICT_INSTEAD:
		return only_kind(rec, CLOCK_KIND_ERASURE, case_action_name(cmd->action), error_r);
	default:
		return check_fee(rec, cmd, day, &env->today, error_r);
	}
}

/* Whether an action can apply to a case of these kinds and regime at all. */
static int fits(enum case_action a, const struct case_record *rec)
{
	int dp = case_kinds_need_identity(rec->kinds);
	/* A regime not yet set may turn out either. */
	int part3 = rec->regime != CLOCK_REGIME_GENERAL;
	int gdpr = rec->regime != CLOCK_REGIME_LAW_ENFORCEMENT;

	switch (a) {
	case CASE_REFUSE_FOI: case CASE_COST_LIMIT: case CASE_VEXATIOUS:
		return has_kind(rec, CLOCK_KIND_FOI);
	case CASE_REFUSE_EIR:
		return has_kind(rec, CLOCK_KIND_EIR);
	case CASE_NCND:
		return has_kind(rec, CLOCK_KIND_FOI) || (has_kind(rec, CLOCK_KIND_ACCESS) && part3);
	case CASE_REFUSE_RECTIFICATION:
		return has_kind(rec, CLOCK_KIND_RECTIFICATION);
	case CASE_REFUSE_ERASURE:
		return has_kind(rec, CLOCK_KIND_ERASURE);
	case CASE_RESTRICT_INSTEAD:
		return has_kind(rec, CLOCK_KIND_ERASURE) && part3;
	case CASE_FEE:
		return (rec->kinds & ~CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)) != 0;
	case CASE_RESTRICT: case CASE_VERIFY_IDENTITY: case CASE_REQUEST_IDENTITY:
	case CASE_REFUSE:
		return dp && (a != CASE_RESTRICT || part3);
	case CASE_NO_ACTION:
		return dp && gdpr;
	case CASE_LIFT_RESTRICTION:
		return has_kind(rec, CLOCK_KIND_RESTRICTION);
	case CASE_SET_COMPLAINT_TYPE:
		return has_kind(rec, CLOCK_KIND_COMPLAINT);
	default:
		return 1;
	}
}

unsigned lifecycle_allowed_for(const struct case_record *rec)
{
	unsigned mask = lifecycle_allowed(rec != NULL ? rec->state : CASE_OPEN), out = 0;

	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		if ((mask & (1u << a)) && (rec == NULL || fits((enum case_action)a, rec)))
			out |= 1u << a;
	}
	return out;
}

const char *lifecycle_decision_notice(const struct case_command *cmd, const char *table_notice)
{
	if (cmd->action == CASE_REFUSE_FOI && cmd->ncnd)
		return "ncnd_notice";
	if (cmd->action == CASE_VEXATIOUS && cmd->no_notice)
		return NULL;
	return table_notice;
}

const char *lifecycle_decision_outcome(const struct case_command *cmd)
{
	switch (cmd->action) {
	case CASE_REFUSE_FOI:
		return cmd->ncnd ? "ncnd" : "foi_refused";
	case CASE_COST_LIMIT:
		return "cost_limit";
	case CASE_VEXATIOUS:
		return "vexatious";
	case CASE_REFUSE_EIR:
		return "eir_refused";
	case CASE_NCND:
		return "ncnd";
	case CASE_REFUSE_RECTIFICATION:
		return "refused_rectification";
	case CASE_REFUSE_ERASURE:
		return "refused_erasure";
	case CASE_RESTRICT_INSTEAD:
		return "restricted_instead";
	case CASE_FEE_UNPAID:
		return "fee_unpaid";
	default:
		return NULL;
	}
}

/* Disclosure with redactions is a partial restriction: the case records both. */
void lifecycle_decision_extra(const struct case_command *cmd, struct case_change *ch)
{
	int why = cmd->restriction_reason != NULL && *cmd->restriction_reason != '\0';

	if (cmd->action != CASE_RESPOND || cmd->outcome != CASE_OUTCOME_PART)
		return;
	ch->also_event = "partially_restricted";
	ch->also_detail = g_strdup_printf("withheld: %s%s%s", why ? cmd->restriction_reason :
					  "(no reason given to the requester)",
					  cmd->internal_reason != NULL ? "; internal reason: " : "",
					  cmd->internal_reason != NULL ? cmd->internal_reason : "");
	/* The reasons may be left out only where giving them would undermine the restriction
	   (DPA s45(5)): the member should know they were. */
	if (!why && ch->warning == NULL)
		ch->warning = g_strdup("no --restriction-reason: the cover says parts were withheld "
				       "without saying why, which the law allows only where saying "
				       "why would undermine the restriction");
}

void lifecycle_decision_describe(const struct case_command *cmd, GString *s)
{
	if (cmd->exceptions != NULL)
		g_string_append_printf(s, "exceptions %s; ", cmd->exceptions);
	if (cmd->ncnd)
		g_string_append(s, "neither confirm nor deny; ");
	if (cmd->repeated)
		g_string_append(s, "repeated request (FOIA s14(2)); ");
	if (cmd->no_notice)
		g_string_append(s, "no notice (FOIA s17(6): refused as vexatious before); ");
	if (cmd->fee_pence > 0)
		g_string_append_printf(s, "fee \xc2\xa3%" G_GINT64_FORMAT ".%02d; ",
				       cmd->fee_pence / 100, (int)(cmd->fee_pence % 100));
	if (cmd->public_interest != NULL)
		g_string_append_printf(s, "public interest: %s; ", cmd->public_interest);
	if (cmd->advice != NULL)
		g_string_append_printf(s, "advice: %s; ", cmd->advice);
	if (cmd->restriction_reason != NULL)
		g_string_append_printf(s, "withheld because: %s; ", cmd->restriction_reason);
	if (cmd->internal_reason != NULL)
		g_string_append_printf(s, "internal reason (never sent): %s; ",
				       cmd->internal_reason);
}
