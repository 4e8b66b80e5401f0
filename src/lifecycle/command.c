/* lifecycle/command: a team action's words ("extend --reason ...") into a struct
   case_command. The same parser will read the team's e-mail commands, so every value is
   checked, never trusted. */
#include "lifecycle-private.h"

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
	[CASE_RESPOND] = "respond [--outcome full|part|not_held] [--reason TEXT]",
	[CASE_WITHDRAW] = "withdraw [--reason TEXT]",
	[CASE_CLOSE] = "close --reason TEXT",
	[CASE_NOTE] = "note TEXT",
	[CASE_NO_ACTION] = "no-action --reason TEXT",
	[CASE_LIFT_RESTRICTION] = "lift-restriction --on YYYY-MM-DD [--reason TEXT]",
	[CASE_SET_COMPLAINT_TYPE] = "set-complaint-type data_protection|foi_review|"
				    "eir_reconsideration|conduct",
	[CASE_REDIRECT] = "redirect --to emergency|crime|conduct|acro|other_force|other "
			  "[--reason TEXT]",
};

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
	case CASE_NOTE:
		cmd->text = value;
		return 1;
	default:
		return 0;
	}
}

/* One option with its value: 2 (arguments used) or 0. */
static int option(struct case_command *cmd, const char *opt, const char *val)
{
	if (val == NULL)
		return 0;
	if (strcmp(opt, "--reason") == 0 && cmd->action != CASE_CLARIFY &&
	    cmd->action != CASE_NOTE) {
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
	if (strcmp(opt, "--exemption") == 0 && cmd->action == CASE_EXTEND &&
	    cmd->exemptions == NULL)
		return case_exemptions_parse(val, &cmd->exemptions) ? 2 : 0;
	if (strcmp(opt, "--on") == 0)
		return clock_date_parse(val, &cmd->on) ? 2 : 0;
	return 0;
}

static int needs_positional(enum case_action action)
{
	return action == CASE_SET_REGIME || action == CASE_SET_KINDS ||
	       action == CASE_SET_COMPLAINT_TYPE || action == CASE_NOTE;
}

/* What the usage line marks as required, beyond the positional value. */
static int has_required(const struct case_command *cmd)
{
	switch (cmd->action) {
	case CASE_CLARIFY:
	case CASE_EXTEND:
	case CASE_CLOSE:
	case CASE_NO_ACTION:
		return cmd->text != NULL;
	case CASE_LIFT_RESTRICTION:
		return g_date_valid(&cmd->on);
	case CASE_REDIRECT:
		return cmd->redirect != CASE_REDIRECT_NONE;
	case CASE_REFUSE:
		return cmd->text != NULL && cmd->ground != CASE_GROUND_NONE;
	default:
		return 1;
	}
}

static int parse_args(struct case_command *cmd, int argc, char **argv)
{
	int have_positional = 0;

	for (int i = 1; i < argc;) {
		int used = 0;
		if (strncmp(argv[i], "--", 2) == 0)
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
	cmd->exemptions = NULL;
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
