/* libFuzzer target: a team member's reply to commands. The input is the body of the reply;
   as in the gateway (teammail.c) it is cleaned as mime_parse cleans body text, its quoted
   history is removed (mime_reply_new_text), then the command block is parsed
   (src/team/command.c, team_block_parse) and each command turned into the action's command
   line (src/lifecycle/command.c, case_email_parse), its DATE read by case_date_parse.
   The raw input also goes to team_block_parse directly (it promises to refuse text that is
   not UTF-8). Promises checked (team.h): names are [a-z][a-z0-9_-]*, at most
   TEAM_MAX_COMMANDS, the case reference is canonical, rest is never NULL. */
#include "fuzz.h"

#include "classify.h"
#include "core.h"
#include "lifecycle.h"
#include "mime.h"
#include "pd-limits.h"
#include "team.h"

static GDate today;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	g_date_clear(&today, 1);
	g_date_set_dmy(&today, 3, G_DATE_DECEMBER, 2026);
	return 0;
}

static void check_block(const struct team_block *b)
{
	FUZZ_REQUIRE(b->n <= TEAM_MAX_COMMANDS, "%zu commands", b->n);
	FUZZ_REQUIRE(b->rest != NULL && g_utf8_validate(b->rest, -1, NULL), "rest");
	if (b->case_ref != NULL) {
		char *again = classify_find_reference(b->case_ref, "PD");
		FUZZ_REQUIRE(again != NULL && strcmp(again, b->case_ref) == 0,
			     "case_ref %s not canonical", b->case_ref);
		g_free(again);
	}
	for (size_t i = 0; i < b->n; i++) {
		const char *n = b->cmds[i].name;
		FUZZ_REQUIRE(n != NULL && g_ascii_islower(n[0]) &&
			     strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_-") == strlen(n),
			     "command name \"%s\"", n);
		FUZZ_REQUIRE(b->cmds[i].args != NULL && g_utf8_validate(b->cmds[i].args, -1, NULL),
			     "args of #%s", n);
		FUZZ_REQUIRE(b->cmds[i].line >= 1, "line 0");
	}
}

static void run_block(const char *text)
{
	struct team_block b;
	char *error = NULL;

	if (!team_block_parse(text, "PD", &b, &error)) {
		FUZZ_REQUIRE(error != NULL && b.n == 0 && b.cmds == NULL && b.rest == NULL,
			     "failure without an error, or *out not zeroed");
		g_free(error);
		return;
	}
	FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
	check_block(&b);
	for (size_t i = 0; i < b.n; i++) {
		struct case_email e;
		GDate day;

		if (case_email_parse(b.cmds[i].name, b.cmds[i].args, b.rest, &today, &e, &error)) {
			FUZZ_REQUIRE(error == NULL && e.argv != NULL && e.argv[0] != NULL,
				     "#%s: no argv", b.cmds[i].name);
			(void)case_email_uses_rest(e.cmd.action);
			FUZZ_REQUIRE(case_email_usage(e.cmd.action) != NULL, "no usage");
		} else {
			FUZZ_REQUIRE(error != NULL, "#%s failed without an error", b.cmds[i].name);
			g_clear_pointer(&error, g_free);
		}
		case_email_clear(&e);
		(void)case_date_parse(b.cmds[i].args, &today, &day);
	}
	team_block_clear(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *raw = fuzz_strndup(data, size);
	char *body = pd_utf8_clean(raw, PD_MAX_BODY_TEXT, 1);
	char *text = mime_reply_new_text(body, 0);

	run_block(text);
	run_block(raw);
	g_free(text);
	g_free(body);
	g_free(raw);
	return 0;
}
