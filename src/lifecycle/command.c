/* lifecycle/command: a team action's words ("extend --reason ...") into a struct
   case_command. The same parser will read the team's e-mail commands, so every value is
   checked, never trusted. */
#include "lifecycle-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const usage[CASE_ACTION_COUNT] = {
	[CASE_VERIFY_IDENTITY] = "verify-identity [--on YYYY-MM-DD] [--reason TEXT]",
	[CASE_REQUEST_IDENTITY] = "request-identity [--reason TEXT]",
	[CASE_CLARIFY] = "clarify --question TEXT [--on YYYY-MM-DD]",
	[CASE_CLARIFIED] = "clarified [--on YYYY-MM-DD]",
	[CASE_SET_REGIME] = "set-regime law_enforcement|general",
	[CASE_SET_KINDS] = "set-kinds KIND[,KIND...]",
	[CASE_EXTEND] = "extend --reason TEXT [--exemption S[,S]] (FOI: the exemption(s) whose "
			"public interest test needs the time)",
	[CASE_RESTRICT] = "restrict [--reason TEXT]",
	[CASE_REFUSE] = "refuse --ground manifestly_unfounded|excessive --reason TEXT",
	[CASE_RESPOND] = "respond [--outcome full|part|not_held | --partial] [--answer TEXT] "
			 "[--reason TEXT] [--restriction-reason TEXT] [--internal-reason TEXT] "
			 "[--exemption S[,S]] [--public-interest TEXT] (part: why parts were "
			 "withheld; FOI: the exemptions)",
	[CASE_WITHDRAW] = "withdraw [--reason TEXT]",
	[CASE_CLOSE] = "close --reason TEXT",
	[CASE_NOTE] = "note TEXT",
	[CASE_NO_ACTION] = "no-action --reason TEXT",
	[CASE_LIFT_RESTRICTION] = "lift-restriction --on YYYY-MM-DD [--reason TEXT]",
	[CASE_SET_COMPLAINT_TYPE] = "set-complaint-type data_protection|foi_review|"
				    "eir_reconsideration|conduct",
	[CASE_REDIRECT] = "redirect --to emergency|crime|conduct|acro|other_force|other "
			  "[--reason TEXT]",
	[CASE_ASSIGN] = "assign ADDRESS",
	[CASE_REOPEN] = "reopen --reason TEXT",
	[CASE_REFUSE_FOI] = "refuse-foi --exemption S[,S] --reason TEXT [--public-interest TEXT] "
			    "[--ncnd]",
	[CASE_COST_LIMIT] = "cost-limit --advice TEXT",
	[CASE_VEXATIOUS] = "vexatious --reason TEXT [--repeated] [--no-notice]",
	[CASE_REFUSE_EIR] = "refuse-eir --exception E[,E] --reason TEXT [--public-interest TEXT]",
	[CASE_NCND] = "ncnd --internal-reason TEXT [--exemption S[,S] [--public-interest TEXT]] "
		      "(FOI: the exemptions that allow it)",
	[CASE_REFUSE_RECTIFICATION] = "refuse-rectification --reason TEXT",
	[CASE_REFUSE_ERASURE] = "refuse-erasure --reason TEXT",
	[CASE_RESTRICT_INSTEAD] = "restrict-instead-of-erase --reason TEXT",
	[CASE_FEE] = "fee --amount POUNDS --reason TEXT",
	[CASE_FEE_PAID] = "fee-paid [--on YYYY-MM-DD]",
	[CASE_FEE_UNPAID] = "fee-unpaid",
};

const char *case_action_usage(enum case_action action)
{
	return (unsigned)action < CASE_ACTION_COUNT ? usage[action] : "?";
}

/* The one positional value: set-regime, set-kinds and note take one. */
static int positional(struct case_command *cmd, const char *value)
{
	switch (cmd->action) {
	case CASE_SET_REGIME:
		return clock_regime_parse(value, &cmd->regime) &&
		       (cmd->regime == CLOCK_REGIME_LAW_ENFORCEMENT ||
			cmd->regime == CLOCK_REGIME_GENERAL);
	case CASE_SET_KINDS:
		return case_kinds_parse(value, &cmd->kinds);
	case CASE_SET_COMPLAINT_TYPE:
		return clock_complaint_parse(value, &cmd->complaint);
	case CASE_ASSIGN:
	case CASE_NOTE:
		cmd->text = value;
		return 1;
	default:
		return 0;
	}
}

static int takes_exemption(enum case_action action)
{
	return action == CASE_EXTEND || action == CASE_REFUSE_FOI || action == CASE_NCND ||
	       action == CASE_RESPOND;
}

/* "10", "10.50", "£10.50": whole pence, at most £100,000. 1 or 0. */
static int parse_pounds(const char *text, int64_t *pence_r)
{
	const char *p = g_str_has_prefix(text, "\xc2\xa3") ? text + 2 : text;
	unsigned long pounds = 0, pence = 0;
	size_t digits = strspn(p, "0123456789");

	if (digits == 0 || digits > 6)
		return 0;
	pounds = strtoul(p, NULL, 10);
	p += digits;
	if (*p == '.') {
		if (strspn(p + 1, "0123456789") != 2 || p[3] != '\0')
			return 0;
		pence = strtoul(p + 1, NULL, 10);
	} else if (*p != '\0') {
		return 0;
	}
	*pence_r = (int64_t)pounds * 100 + (int64_t)pence;
	return *pence_r > 0 && *pence_r <= 10000000;
}

/* The options of the decisions (refusals, NCND, fees, a partial answer). 2 or 0. */
static int decision_option(struct case_command *cmd, const char *opt, const char *val)
{
	enum case_action a = cmd->action;

	if (strcmp(opt, "--public-interest") == 0 && (a == CASE_REFUSE_FOI ||
	    a == CASE_REFUSE_EIR || a == CASE_NCND || a == CASE_RESPOND))
		cmd->public_interest = val;
	else if (strcmp(opt, "--internal-reason") == 0 && (a == CASE_NCND || a == CASE_RESPOND))
		cmd->internal_reason = val;
	else if (strcmp(opt, "--restriction-reason") == 0 && a == CASE_RESPOND)
		cmd->restriction_reason = val;
	else if (strcmp(opt, "--advice") == 0 && a == CASE_COST_LIMIT)
		cmd->advice = val;
	else if (strcmp(opt, "--exception") == 0 && a == CASE_REFUSE_EIR &&
		 cmd->exceptions == NULL)
		return case_exceptions_parse(val, &cmd->exceptions) ? 2 : 0;
	else if (strcmp(opt, "--amount") == 0 && a == CASE_FEE)
		return parse_pounds(val, &cmd->fee_pence) ? 2 : 0;
	else
		return 0;
	return 2;
}

/* A flag without a value: 1 or 0. */
static int flag(struct case_command *cmd, const char *opt)
{
	if (strcmp(opt, "--ncnd") == 0 && cmd->action == CASE_REFUSE_FOI)
		cmd->ncnd = 1;
	else if (strcmp(opt, "--repeated") == 0 && cmd->action == CASE_VEXATIOUS)
		cmd->repeated = 1;
	else if (strcmp(opt, "--no-notice") == 0 && cmd->action == CASE_VEXATIOUS)
		cmd->no_notice = 1;
	else if (strcmp(opt, "--partial") == 0 && cmd->action == CASE_RESPOND &&
		 cmd->outcome == CASE_OUTCOME_NONE)
		cmd->outcome = CASE_OUTCOME_PART;
	else
		return 0;
	return 1;
}

/* One option with its value: 2 (arguments used) or 0. */
static int option(struct case_command *cmd, const char *opt, const char *val)
{
	if (val == NULL)
		return 0;
	if (strcmp(opt, "--answer") == 0 && cmd->action == CASE_RESPOND) {
		cmd->answer = val;
		return 2;
	}
	if (strcmp(opt, "--reason") == 0 && cmd->action != CASE_CLARIFY &&
	    cmd->action != CASE_NOTE && cmd->action != CASE_ASSIGN) {
		cmd->text = val;
		return 2;
	}
	if (strcmp(opt, "--question") == 0 && cmd->action == CASE_CLARIFY) {
		cmd->text = val;
		return 2;
	}
	if (strcmp(opt, "--ground") == 0 && cmd->action == CASE_REFUSE)
		return case_ground_parse(val, &cmd->ground) ? 2 : 0;
	if (strcmp(opt, "--outcome") == 0 && cmd->action == CASE_RESPOND)
		return case_outcome_parse(val, &cmd->outcome) ? 2 : 0;
	if (strcmp(opt, "--to") == 0 && cmd->action == CASE_REDIRECT)
		return case_redirect_parse(val, &cmd->redirect) ? 2 : 0;
	if (strcmp(opt, "--exemption") == 0 && takes_exemption(cmd->action) &&
	    cmd->exemptions == NULL)
		return case_exemptions_parse(val, &cmd->exemptions) ? 2 : 0;
	if (strcmp(opt, "--on") == 0)
		return clock_date_parse(val, &cmd->on) ? 2 : 0;
	return decision_option(cmd, opt, val);
}

static int needs_positional(enum case_action action)
{
	return action == CASE_SET_REGIME || action == CASE_SET_KINDS ||
	       action == CASE_SET_COMPLAINT_TYPE || action == CASE_NOTE || action == CASE_ASSIGN;
}

/* What the usage line marks as required, beyond the positional value. */
static int has_required(const struct case_command *cmd)
{
	switch (cmd->action) {
	case CASE_CLARIFY:
	case CASE_EXTEND:
	case CASE_CLOSE:
	case CASE_NO_ACTION:
	case CASE_REOPEN:
		return cmd->text != NULL;
	case CASE_LIFT_RESTRICTION:
		return g_date_valid(&cmd->on);
	case CASE_REDIRECT:
		return cmd->redirect != CASE_REDIRECT_NONE;
	case CASE_REFUSE:
		return cmd->text != NULL && cmd->ground != CASE_GROUND_NONE;
	case CASE_REFUSE_FOI:
		return cmd->text != NULL && cmd->exemptions != NULL;
	case CASE_REFUSE_EIR:
		return cmd->text != NULL && cmd->exceptions != NULL;
	case CASE_COST_LIMIT:
		return cmd->advice != NULL;
	case CASE_NCND:
		return cmd->internal_reason != NULL;
	case CASE_VEXATIOUS:
	case CASE_REFUSE_RECTIFICATION:
	case CASE_REFUSE_ERASURE:
	case CASE_RESTRICT_INSTEAD:
		return cmd->text != NULL;
	case CASE_FEE:
		return cmd->text != NULL && cmd->fee_pence > 0;
	default:
		return 1;
	}
}

static int parse_args(struct case_command *cmd, int argc, char **argv)
{
	int have_positional = 0;

	for (int i = 1; i < argc;) {
		int used = 0;
		if (strncmp(argv[i], "--", 2) == 0 && flag(cmd, argv[i]))
			used = 1;
		else if (strncmp(argv[i], "--", 2) == 0)
			used = option(cmd, argv[i], i + 1 < argc ? argv[i + 1] : NULL);
		else if (!have_positional && positional(cmd, argv[i]))
			used = have_positional = 1;
		if (used == 0)
			return 0;
		i += used;
	}
	return (have_positional || !needs_positional(cmd->action)) && has_required(cmd);
}

void case_command_clear(struct case_command *cmd)
{
	g_free(cmd->exemptions);
	g_free(cmd->exceptions);
	cmd->exemptions = cmd->exceptions = NULL;
}

int case_command_parse(int argc, char **argv, struct case_command *cmd, char **error_r)
{
	memset(cmd, 0, sizeof(*cmd));
	g_date_clear(&cmd->on, 1);
	cmd->regime = CLOCK_REGIME_UNKNOWN;
	if (argc < 1 || !case_action_parse(argv[0], &cmd->action)) {
		GString *s = g_string_new("unknown action; actions:");
		for (int a = 0; a < CASE_ACTION_COUNT; a++)
			g_string_append_printf(s, "\n  %s", usage[a]);
		error_set(error_r, 0, "%s", s->str);
		g_string_free(s, TRUE);
		return 0;
	}
	if (!parse_args(cmd, argc, argv))
		return error_set(error_r, 0, "usage: %s", usage[cmd->action]);
	return 1;
}

/* ---- e-mail commands ---- */

/* What follows "#name": the shapes an action's arguments take in a reply. */
enum email_args {
	EA_NONE,        /* nothing */
	EA_DATE_OPT,    /* [DATE] -> --on */
	EA_DATE,        /* DATE -> --on */
	EA_REASON_OPT,  /* [REASON] -> --reason */
	EA_REASON,      /* REASON -> --reason */
	EA_VALUE,       /* VALUE -> the positional value */
	EA_TEXT,        /* TEXT -> the positional value, the whole line (a note) */
	EA_EXTEND,      /* [sNN ...] REASON -> --exemption, --reason */
	EA_GROUND,      /* GROUND REASON -> --ground, --reason */
	EA_OUTCOME,     /* [OUTCOME], the rest -> --outcome, --answer */
	EA_QUESTION,    /* the rest -> --question */
	EA_REDIRECT,    /* WHERE [REASON] -> --to, --reason */
	EA_REFUSE_FOI,  /* [ncnd] sNN [sNN...] REASON, the rest -> --public-interest */
	EA_REFUSE_EIR,  /* 12(4)(b) [13...] REASON, the rest -> --public-interest */
	EA_ADVICE,      /* [ADVICE], the rest -> --advice */
	EA_VEXATIOUS,   /* [repeated] REASON */
	EA_NCND,        /* [sNN...] INTERNAL REASON -> --exemption, --internal-reason */
	EA_FEE,         /* AMOUNT REASON -> --amount, --reason */
};

struct email_form {
	const char *name;
	enum email_args args;
	const char *usage;
};

static const struct email_form email_forms[CASE_ACTION_COUNT] = {
	[CASE_VERIFY_IDENTITY] = { "verified", EA_DATE_OPT, "#verified [DATE]" },
	[CASE_REQUEST_IDENTITY] = { "request-identity", EA_REASON_OPT,
				    "#request-identity [REASON]" },
	[CASE_CLARIFY] = { "clarify", EA_QUESTION,
			   "#clarify (the question goes below the command lines)" },
	[CASE_CLARIFIED] = { "clarified", EA_DATE_OPT, "#clarified [DATE]" },
	[CASE_SET_REGIME] = { "regime", EA_VALUE, "#regime law_enforcement|general" },
	[CASE_SET_KINDS] = { "kinds", EA_VALUE, "#kinds KIND[,KIND]" },
	[CASE_EXTEND] = { "extend", EA_EXTEND, "#extend [s31 s30 ...] REASON" },
	[CASE_RESTRICT] = { "restrict", EA_REASON_OPT, "#restrict [REASON]" },
	[CASE_REFUSE] = { "refuse", EA_GROUND, "#refuse manifestly_unfounded|excessive REASON" },
	[CASE_RESPOND] = { "respond", EA_OUTCOME,
			   "#respond [full|not_held] | #respond part [s40 ...] WHY PARTS WERE "
			   "WITHHELD (the answer goes below, files attached)" },
	[CASE_WITHDRAW] = { "withdraw", EA_NONE, "#withdraw" },
	[CASE_CLOSE] = { "close", EA_REASON, "#close REASON" },
	[CASE_NOTE] = { "note", EA_TEXT, "#note TEXT" },
	[CASE_NO_ACTION] = { "no-action", EA_REASON, "#no-action REASON" },
	[CASE_LIFT_RESTRICTION] = { "lift-restriction", EA_DATE, "#lift-restriction DATE" },
	[CASE_SET_COMPLAINT_TYPE] = { "complaint-type", EA_VALUE,
				      "#complaint-type data_protection|foi_review|"
				      "eir_reconsideration|conduct" },
	[CASE_REDIRECT] = { "redirect", EA_REDIRECT,
			    "#redirect emergency|crime|conduct|acro|other_force|other" },
	[CASE_ASSIGN] = { "assign", EA_VALUE, "#assign ADDRESS" },
	[CASE_REOPEN] = { "reopen", EA_REASON, "#reopen REASON" },
	[CASE_REFUSE_FOI] = { "refuse-foi", EA_REFUSE_FOI,
			      "#refuse-foi [ncnd] s31 [s30 ...] REASON (the public interest "
			      "reasons go below the command lines)" },
	[CASE_COST_LIMIT] = { "cost-limit", EA_ADVICE,
			      "#cost-limit (the advice on narrowing the request goes below)" },
	[CASE_VEXATIOUS] = { "vexatious", EA_VEXATIOUS, "#vexatious [repeated] REASON" },
	[CASE_REFUSE_EIR] = { "refuse-eir", EA_REFUSE_EIR,
			      "#refuse-eir 12(4)(b) [13 ...] REASON (the public interest reasons "
			      "go below the command lines)" },
	[CASE_NCND] = { "ncnd", EA_NCND, "#ncnd [s23 ...] INTERNAL REASON (never sent)" },
	[CASE_REFUSE_RECTIFICATION] = { "refuse-rectification", EA_REASON,
					"#refuse-rectification REASON" },
	[CASE_REFUSE_ERASURE] = { "refuse-erasure", EA_REASON, "#refuse-erasure REASON" },
	[CASE_RESTRICT_INSTEAD] = { "restrict-instead", EA_REASON, "#restrict-instead REASON" },
	[CASE_FEE] = { "fee", EA_FEE, "#fee AMOUNT REASON (e.g. #fee 10.00 further copies)" },
	[CASE_FEE_PAID] = { "fee-paid", EA_DATE_OPT, "#fee-paid [DATE]" },
	[CASE_FEE_UNPAID] = { "fee-unpaid", EA_NONE, "#fee-unpaid" },
};

/* Words the team may write for a value (the CLI's names work too). */
static const struct { const char *word, *value; } email_aliases[] = {
	{ "law", "law_enforcement" }, { "part3", "law_enforcement" },
	{ "gdpr", "general" }, { "uk_gdpr", "general" },
	{ "unfounded", "manifestly_unfounded" },
};

const char *case_email_usage(enum case_action action)
{
	return (unsigned)action < CASE_ACTION_COUNT ? email_forms[action].usage : "?";
}

int case_email_uses_rest(enum case_action action)
{
	return action == CASE_CLARIFY || action == CASE_RESPOND || action == CASE_REFUSE_FOI ||
	       action == CASE_REFUSE_EIR || action == CASE_COST_LIMIT;
}

int case_date_parse(const char *text, const GDate *today, GDate *day_r)
{
	unsigned d, m, y;
	char tail;

	if (g_ascii_strcasecmp(text, "today") == 0 || g_ascii_strcasecmp(text, "yesterday") == 0) {
		if (!g_date_valid(today))
			return 0;
		*day_r = *today;
		if (g_ascii_tolower(text[0]) == 'y')
			g_date_subtract_days(day_r, 1);
		return 1;
	}
	if (clock_date_parse(text, day_r))
		return 1;
	/* UK order only: 03/12/2026 is the 3rd of December. */
	if (sscanf(text, "%2u/%2u/%4u%c", &d, &m, &y, &tail) != 3 || strlen(text) != 10 ||
	    y < 1900 || y > 9000 || !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return 0;
	g_date_clear(day_r, 1);
	g_date_set_dmy(day_r, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return 1;
}

static const char *alias(const char *word)
{
	for (size_t i = 0; i < G_N_ELEMENTS(email_aliases); i++) {
		if (g_ascii_strcasecmp(word, email_aliases[i].word) == 0)
			return email_aliases[i].value;
	}
	return word;
}

/* The first word of args (into *word_r, g_malloc'd) and what follows it, trimmed. */
static const char *first_word(const char *args, char **word_r)
{
	const char *p = args + strspn(args, " \t"), *end = p + strcspn(p, " \t");

	*word_r = g_strndup(p, (gsize)(end - p));
	return end + strspn(end, " \t");
}

static void push(GPtrArray *argv, const char *s)
{
	g_ptr_array_add(argv, g_strdup(s));
}

static int push_date(GPtrArray *argv, const char *text, const GDate *today, char **error_r)
{
	GDate day;
	char buf[11];

	if (*text == '\0')
		return error_set(error_r, 0, "a DATE is needed (YYYY-MM-DD, DD/MM/YYYY, today or "
				 "yesterday)");
	if (!case_date_parse(text, today, &day))
		return error_set(error_r, 0, "\"%s\" is not a date (YYYY-MM-DD, DD/MM/YYYY, today "
				 "or yesterday)", text);
	push(argv, "--on");
	push(argv, clock_date_iso(&day, buf));
	return 1;
}

/* A word that names an FOI section: an 's' or "section" is required, so "#extend 40 hours
   of video" stays a reason. */
static int names_section(const char *word)
{
	return g_ascii_tolower(word[0]) == 's' && g_ascii_isdigit(word[1 + (word[1] == '.')]);
}

/* A word that names an EIR regulation: "12(4)(b)", "13", "reg13", "r12(5)(a)". */
static int names_regulation(const char *word)
{
	const char *p = word;
	if (g_ascii_strncasecmp(p, "reg", 3) == 0)
		p += 3 + (p[3] == '.');
	else if (*p == 'r' || *p == 'R')
		p++;
	return (strncmp(p, "12(", 3) == 0 || strcmp(p, "13") == 0 || strncmp(p, "13(", 3) == 0);
}

/* Leading words that name provisions ("s31 s30(1) ..."), pushed as one option; returns
   what follows them. */
static const char *push_cited(GPtrArray *argv, const char *args, const char *option,
			      int (*names)(const char *), int (*parse)(const char *, char **))
{
	GString *cited = g_string_new(NULL);
	const char *p = args;
	char *word = NULL, *canon = NULL;

	for (;;) {
		const char *next = first_word(p, &word);
		if (!names(word) || !parse(word, &canon))
			break;
		g_string_append_printf(cited, "%s%s", cited->len > 0 ? "," : "", canon);
		g_clear_pointer(&canon, g_free);
		g_clear_pointer(&word, g_free);
		p = next;
	}
	if (cited->len > 0) {
		push(argv, option);
		push(argv, cited->str);
	}
	g_free(word);
	g_string_free(cited, TRUE);
	return p;
}

/* "#extend s31 s30(1) reason...": the exemptions, then the reason. */
static void push_extend(GPtrArray *argv, const char *args)
{
	const char *p = push_cited(argv, args, "--exemption", names_section,
				   case_exemptions_parse);
	if (*p != '\0') {
		push(argv, "--reason");
		push(argv, p);
	}
}

/* The value of EA_VALUE-like forms, with its aliases. */
static const char *push_value(GPtrArray *argv, const char *option, const char *args)
{
	char *word = NULL;
	const char *after = first_word(args, &word);

	if (*word != '\0') {
		if (option != NULL)
			push(argv, option);
		push(argv, alias(word));
	}
	g_free(word);
	return after;
}

static void push_reason(GPtrArray *argv, const char *text)
{
	if (*text == '\0')
		return;
	push(argv, "--reason");
	push(argv, text);
}

/* The text below the command lines, for the requester (an answer, a question). */
static void push_rest(GPtrArray *argv, const char *option, const char *rest)
{
	if (rest == NULL || *rest == '\0')
		return;
	push(argv, option);
	push(argv, rest);
}

/* A leading word: 1 and *after_r past it when args starts with it (any case). */
static int leading(const char *args, const char *word, const char **after_r)
{
	size_t n = strlen(word);

	if (g_ascii_strncasecmp(args, word, n) != 0 || (args[n] != '\0' && args[n] != ' '))
		return 0;
	*after_r = args + n + strspn(args + n, " \t");
	return 1;
}

/* "#respond [full|not_held]" or "#respond part [s40 ...] WHY PARTS WERE WITHHELD"; the
   answer is the text below. */
static int push_outcome(GPtrArray *argv, const char *args, const char *rest, char **error_r)
{
	const char *after = push_value(argv, "--outcome", args);

	if (*after != '\0' && !leading(args, "part", &after))
		return error_set(error_r, 0, "%s: the answer goes below the command lines",
				 email_forms[CASE_RESPOND].usage);
	after = push_cited(argv, after, "--exemption", names_section, case_exemptions_parse);
	push_rest(argv, "--restriction-reason", after);
	push_rest(argv, "--answer", rest);
	return 1;
}

/* The e-mail forms of the decisions: refusals, NCND, fees. */
static int decision_argv(enum case_action action, const char *args, const char *rest,
			 GPtrArray *argv, char **error_r)
{
	switch (email_forms[action].args) {
	case EA_REFUSE_FOI:
		if (leading(args, "ncnd", &args))
			push(argv, "--ncnd");
		push_reason(argv, push_cited(argv, args, "--exemption", names_section,
					     case_exemptions_parse));
		push_rest(argv, "--public-interest", rest);
		return 1;
	case EA_REFUSE_EIR:
		push_reason(argv, push_cited(argv, args, "--exception", names_regulation,
					     case_exceptions_parse));
		push_rest(argv, "--public-interest", rest);
		return 1;
	case EA_ADVICE:
		push_rest(argv, "--advice", *args != '\0' ? args : rest);
		return 1;
	case EA_VEXATIOUS:
		if (leading(args, "repeated", &args))
			push(argv, "--repeated");
		push_reason(argv, args);
		return 1;
	case EA_NCND:
		push_rest(argv, "--internal-reason", push_cited(argv, args, "--exemption",
								names_section,
								case_exemptions_parse));
		return 1;
	case EA_FEE:
		push_reason(argv, push_value(argv, "--amount", args));
		return 1;
	default:
		return error_set(error_r, 0, "%s: not an e-mail command", email_forms[action].usage);
	}
}

static int email_argv(enum case_action action, const char *args, const char *rest,
		      const GDate *today, GPtrArray *argv, char **error_r)
{
	const char *after;

	push(argv, case_action_name(action));
	switch (email_forms[action].args) {
	case EA_NONE:
		return *args == '\0' ? 1 :
		       error_set(error_r, 0, "%s takes nothing after it", email_forms[action].usage);
	case EA_DATE_OPT:
		return *args == '\0' || push_date(argv, args, today, error_r);
	case EA_DATE:
		return push_date(argv, args, today, error_r);
	case EA_REASON_OPT:
	case EA_REASON:
		push_reason(argv, args);
		return 1;
	case EA_VALUE:
		after = push_value(argv, NULL, args);
		return *after == '\0' ? 1 :
		       error_set(error_r, 0, "one value only: %s", email_forms[action].usage);
	case EA_TEXT:
		if (*args != '\0')
			push(argv, args);
		return 1;
	case EA_EXTEND:
		push_extend(argv, args);
		return 1;
	case EA_GROUND:
		push_reason(argv, push_value(argv, "--ground", args));
		return 1;
	case EA_OUTCOME:
		return push_outcome(argv, args, rest, error_r);
	case EA_QUESTION:
		push_rest(argv, "--question", rest);
		return 1;
	case EA_REDIRECT:
		push_reason(argv, push_value(argv, "--to", args));
		return 1;
	default:
		return decision_argv(action, args, rest, argv, error_r);
	}
	return 0;
}

static int email_action(const char *name, enum case_action *action_r)
{
	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		if (g_ascii_strcasecmp(name, email_forms[a].name) == 0 ||
		    g_ascii_strcasecmp(name, case_action_name((enum case_action)a)) == 0) {
			*action_r = (enum case_action)a;
			return 1;
		}
	}
	return 0;
}

int case_email_parse(const char *name, const char *args, const char *rest, const GDate *today,
		     struct case_email *out, char **error_r)
{
	GPtrArray *argv = g_ptr_array_new_with_free_func(g_free);
	enum case_action action;
	char *why = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (!email_action(name, &action)) {
		error_set(error_r, 0, "#%s is not a command (#help lists them)", name);
		goto out;
	}
	if (!email_argv(action, args != NULL ? args : "", rest, today, argv, error_r))
		goto out;
	g_ptr_array_add(argv, NULL);
	out->argv = (char **)g_ptr_array_free(argv, FALSE);
	argv = NULL;
	if (!case_command_parse((int)g_strv_length(out->argv), out->argv, &out->cmd, &why)) {
		error_set(error_r, 0, "#%s: write it as %s", name, email_forms[action].usage);
		goto out;
	}
	ret = 1;
out:
	g_free(why);
	if (argv != NULL)
		g_ptr_array_free(argv, TRUE);
	if (ret != 1)
		case_email_clear(out);
	return ret;
}

void case_email_clear(struct case_email *e)
{
	case_command_clear(&e->cmd);
	g_strfreev(e->argv);
	e->argv = NULL;
}
