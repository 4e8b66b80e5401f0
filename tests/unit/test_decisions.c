/* Unit tests for the decisions of domain-rules 4 beyond a plain answer (lifecycle/decisions.c,
   lifecycle/exemptions.c): the shipped exemptions table and bad ones; FOI and EIR citations
   as the team writes them; each decision's command line and e-mail form; what each decision
   needs, the state, notice and outcome it leads to, from every state; and the fee's clocks,
   every date worked out by hand from the shipped deadline table (2026: Good Friday 3 Apr,
   Easter Monday 6 Apr). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "testutil.h"

/* The tables below give each row only the fields it is about; the rest are NULL or 0. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

/* ---- 1. the exemptions table ---- */

static void expect_row(enum case_law law, const char *cited, const char *provision,
		       int qualified, const char *ncnd)
{
	const struct case_exemption *e = case_exemption_find(tu_exemptions, law, cited);

	if (provision == NULL) {
		if (e != NULL)
			fail_msg("%s: found %s, expected none", cited, e->provision);
		return;
	}
	if (e == NULL)
		fail_msg("%s: not found, expected %s", cited, provision);
	assert_string_equal(e->provision, provision);
	assert_int_equal(e->qualified, qualified);
	if (ncnd == NULL)
		assert_null(e->ncnd);
	else
		assert_string_equal(e->ncnd, ncnd);
	assert_true(e->title != NULL && e->title[0] != '\0');
}

static void test_shipped_table(void **state)
{
	(void)state;
	/* FOIA Part II: s21 to s44 but s25 (a certificate, not an exemption) with s22A: 24
	   sections, and three s37(1) subsections; EIR: reg 12(4)(a)-(e), 12(5)(a)-(g), 13. */
	assert_int_equal(tu_exemptions->n, 27 + 13);
	expect_row(CASE_LAW_FOIA, "s31", "s31", 1, "s31(3)");
	expect_row(CASE_LAW_FOIA, "s31(1)(a)", "s31", 1, "s31(3)");
	expect_row(CASE_LAW_FOIA, "s37(1)(a)", "s37(1)(a)", 0, "s37(2)");
	expect_row(CASE_LAW_FOIA, "s37(1)(b)", "s37", 1, "s37(2)");
	expect_row(CASE_LAW_FOIA, "s22A", "s22A", 1, "s22A(2)");
	expect_row(CASE_LAW_FOIA, "s22", "s22", 1, "s22(2)");
	expect_row(CASE_LAW_FOIA, "s21", "s21", 0, NULL);
	expect_row(CASE_LAW_FOIA, "s40(2)", "s40", 0, "s40(5)");
	expect_row(CASE_LAW_FOIA, "s25", NULL, 0, NULL);  /* not an exemption */
	expect_row(CASE_LAW_EIR, "12(4)(b)", "12(4)(b)", 1, NULL);
	expect_row(CASE_LAW_EIR, "12(5)(a)", "12(5)(a)", 1, "12(6)");
	expect_row(CASE_LAW_EIR, "13", "13", 0, "13(5A)");
	expect_row(CASE_LAW_EIR, "12(6)", NULL, 0, NULL);
	/* The laws do not mix. */
	expect_row(CASE_LAW_EIR, "s31", NULL, 0, NULL);
	expect_row(CASE_LAW_FOIA, "13", NULL, 0, NULL);
}

static void expect_load_error(const char *text, const char *has)
{
	struct case_exemptions *x = NULL;
	char *error = NULL;

	if (case_exemptions_load(text, "t.tsv", &x, &error))
		fail_msg("loaded, expected an error with \"%s\"", has);
	assert_null(x);
	if (strstr(error, has) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", error, has);
	g_free(error);
}

static void test_bad_tables(void **state)
{
	(void)state;
	expect_load_error("", "no exemption listed");
	expect_load_error("# only a comment\n\n", "no exemption listed");
	expect_load_error("fsa\ts31\tqualified\t-\tLaw\n", "t.tsv:1: law must be");
	expect_load_error("foia\ts45\tqualified\t-\tNo such\n", "t.tsv:1: provision must be");
	expect_load_error("eir\t14\tqualified\t-\tNo such\n", "t.tsv:1: provision must be");
	expect_load_error("foia\ts31\tsometimes\t-\tLaw\n", "t.tsv:1: class must be");
	expect_load_error("foia\ts31\tqualified\t-\n", "t.tsv:1: 5 TAB-separated");
	expect_load_error("foia\ts31\tqualified\t-\t\xff\n", "title must be");
	expect_load_error("foia\ts31\tqualified\t-\t\n", "5 TAB-separated");
	/* Every error, each with its line. */
	expect_load_error("foia\ts31\tqualified\ts31(3)\tLaw enforcement\n\nfoia\ts9\tx\t-\tA\n"
			  "eir\t13\tabsolute\t-\n", "t.tsv:3:");
	expect_load_error("foia\ts31\tqualified\ts31(3)\tLaw enforcement\n\nfoia\ts9\tx\t-\tA\n"
			  "eir\t13\tabsolute\t-\n", "t.tsv:4:");
}

/* ---- 2. citations ---- */

static void test_exceptions_parse(void **state)
{
	static const struct { const char *in, *out; } good[] = {
		{ "12(4)(b)", "12(4)(b)" }, { "reg 12(4)(b)", "12(4)(b)" },
		{ "regulation 13", "13" }, { "r13", "13" }, { "Reg.12(5)(a)", "12(5)(a)" },
		{ "12(4)(b), 13", "12(4)(b),13" }, { "12(5)(e); reg 13(1)", "12(5)(e),13(1)" },
	};
	static const char *const bad[] = { "", "14", "121", "s31", "12 (4)", "12(4)(b)!", ",",
					   "regulation", "13(1)(aaaaaaaaaaaaaaaaaaa)" };
	char *canon = NULL, *words;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		if (!case_exceptions_parse(good[i].in, &canon))
			fail_msg("\"%s\" refused", good[i].in);
		assert_string_equal(canon, good[i].out);
		g_clear_pointer(&canon, g_free);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		if (case_exceptions_parse(bad[i], &canon))
			fail_msg("\"%s\" accepted as %s", bad[i], canon);
	}
	words = case_exceptions_words("12(4)(b),12(5)(a),13");
	assert_string_equal(words, "regulation 12(4)(b), regulation 12(5)(a) and regulation 13");
	g_free(words);
}

/* ---- 3. the command line ---- */

static void parse_ok(const char *const *argv, struct case_command *cmd)
{
	char *error = NULL;
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (!case_command_parse(argc, (char **)argv, cmd, &error))
		fail_msg("%s: %s", argv[0], error);
}

static void parse_bad(const char *const *argv)
{
	struct case_command cmd;
	char *error = NULL;
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	if (case_command_parse(argc, (char **)argv, &cmd, &error))
		fail_msg("%s accepted", argv[0]);
	assert_non_null(strstr(error, "usage"));
	g_free(error);
	case_command_clear(&cmd);
}

static void test_command_line(void **state)
{
	struct case_command cmd;

	(void)state;
	parse_ok((const char *const[]){ "refuse-foi", "--exemption", "s31(1)(a), section 30",
					"--reason", "would prejudice", "--public-interest",
					"outweighs", "--ncnd", NULL }, &cmd);
	assert_string_equal(cmd.exemptions, "s31(1)(a),s30");
	assert_string_equal(cmd.text, "would prejudice");
	assert_string_equal(cmd.public_interest, "outweighs");
	assert_true(cmd.ncnd);
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "cost-limit", "--advice", "ask for one year", NULL },
		 &cmd);
	assert_string_equal(cmd.advice, "ask for one year");
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "vexatious", "--reason", "the fifth identical request",
					"--repeated", "--no-notice", NULL }, &cmd);
	assert_true(cmd.repeated && cmd.no_notice);
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "refuse-eir", "--exception", "12(4)(b),reg 13", "--reason",
					"r", NULL }, &cmd);
	assert_string_equal(cmd.exceptions, "12(4)(b),13");
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "ncnd", "--internal-reason", "live operation", NULL },
		 &cmd);
	assert_string_equal(cmd.internal_reason, "live operation");
	assert_null(cmd.text);
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "respond", "--partial", "--restriction-reason",
					"third parties", "--internal-reason", "informant",
					"--exemption", "s40", NULL }, &cmd);
	assert_int_equal(cmd.outcome, CASE_OUTCOME_PART);
	assert_string_equal(cmd.restriction_reason, "third parties");
	assert_string_equal(cmd.internal_reason, "informant");
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "fee", "--amount", "\xc2\xa3" "10.50", "--reason",
					"further copies", NULL }, &cmd);
	assert_int_equal(cmd.fee_pence, 1050);
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "fee", "--amount", "25", "--reason", "r", NULL }, &cmd);
	assert_int_equal(cmd.fee_pence, 2500);
	case_command_clear(&cmd);
	parse_ok((const char *const[]){ "fee-paid", "--on", "2026-03-13", NULL }, &cmd);
	case_command_clear(&cmd);
	/* Required options, values and flags that belong to other actions. */
	parse_bad((const char *const[]){ "refuse-foi", "--reason", "r", NULL });
	parse_bad((const char *const[]){ "refuse-foi", "--exemption", "s31", NULL });
	parse_bad((const char *const[]){ "refuse-foi", "--exemption", "s50", "--reason", "r",
					 NULL });
	parse_bad((const char *const[]){ "refuse-eir", "--exception", "s31", "--reason", "r",
					 NULL });
	parse_bad((const char *const[]){ "cost-limit", NULL });
	parse_bad((const char *const[]){ "ncnd", NULL });
	parse_bad((const char *const[]){ "vexatious", "--ncnd", "--reason", "r", NULL });
	parse_bad((const char *const[]){ "refuse", "--ground", "excessive", "--reason", "r",
					 "--repeated", NULL });
	parse_bad((const char *const[]){ "fee", "--reason", "r", NULL });
	static const char *const amounts[] = { "10.5", "-1", "0", "abc", "1000001", "10.505",
					       "\xc2\xa3", "1e3" };
	for (size_t i = 0; i < G_N_ELEMENTS(amounts); i++)
		parse_bad((const char *const[]){ "fee", "--amount", amounts[i], "--reason", "r",
						 NULL });
}

/* ---- 4. the e-mail forms ---- */

struct email_form_case {
	const char *name, *args, *rest;
	enum case_action action;
	const char *exemptions, *exceptions, *text, *public_interest, *internal, *advice;
	const char *restriction;
	int ncnd, repeated;
	int64_t pence;
};

static const struct email_form_case email_forms[] = {
	{ "refuse-foi", "ncnd s31 s30(1) would prejudice an operation", "The balance favours "
	  "withholding.", CASE_REFUSE_FOI, "s31,s30(1)", NULL, "would prejudice an operation",
	  "The balance favours withholding.", .ncnd = 1 },
	{ "refuse-foi", "s40(2) third parties' data", NULL, CASE_REFUSE_FOI, "s40(2)", NULL,
	  "third parties' data" },
	{ "refuse-eir", "12(4)(b) reg13 manifestly unreasonable", "Public interest: none.",
	  CASE_REFUSE_EIR, NULL, "12(4)(b),13", "manifestly unreasonable",
	  "Public interest: none." },
	{ "cost-limit", "", "Ask for one station's figures.", CASE_COST_LIMIT,
	  .advice = "Ask for one station's figures." },
	{ "cost-limit", "one year only", NULL, CASE_COST_LIMIT, .advice = "one year only" },
	{ "vexatious", "repeated the same request as PD-2026-000001", NULL, CASE_VEXATIOUS,
	  .text = "the same request as PD-2026-000001", .repeated = 1 },
	{ "ncnd", "s23 security bodies", NULL, CASE_NCND, "s23", .internal = "security bodies" },
	{ "ncnd", "live covert operation", "kept as a note", CASE_NCND,
	  .internal = "live covert operation" },
	{ "fee", "10.00 further copies", NULL, CASE_FEE, .text = "further copies", .pence = 1000 },
	{ "respond", "part s40 names of witnesses", "Here is your data.", CASE_RESPOND, "s40",
	  .restriction = "names of witnesses" },
	{ "refuse-erasure", "needed as evidence", NULL, CASE_REFUSE_ERASURE,
	  .text = "needed as evidence" },
	{ "restrict-instead", "accuracy contested", NULL, CASE_RESTRICT_INSTEAD,
	  .text = "accuracy contested" },
	{ "fee-paid", "yesterday", NULL, CASE_FEE_PAID },
};

static void test_email_forms(void **state)
{
	GDate today = tu_date("2026-12-03");

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(email_forms); i++) {
		const struct email_form_case *c = &email_forms[i];
		struct case_email e;
		char *error = NULL;

		if (!case_email_parse(c->name, c->args, c->rest, &today, &e, &error))
			fail_msg("#%s %s: %s", c->name, c->args, error);
		assert_int_equal(e.cmd.action, c->action);
		assert_string_equal(e.cmd.exemptions != NULL ? e.cmd.exemptions : "-",
				    c->exemptions != NULL ? c->exemptions : "-");
		assert_string_equal(e.cmd.exceptions != NULL ? e.cmd.exceptions : "-",
				    c->exceptions != NULL ? c->exceptions : "-");
		assert_true(g_strcmp0(e.cmd.text, c->text) == 0);
		assert_true(g_strcmp0(e.cmd.public_interest, c->public_interest) == 0);
		assert_true(g_strcmp0(e.cmd.internal_reason, c->internal) == 0);
		assert_true(g_strcmp0(e.cmd.advice, c->advice) == 0);
		assert_true(g_strcmp0(e.cmd.restriction_reason, c->restriction) == 0);
		assert_int_equal(e.cmd.ncnd, c->ncnd);
		assert_int_equal(e.cmd.repeated, c->repeated);
		assert_int_equal(e.cmd.fee_pence, c->pence);
		case_email_clear(&e);
	}
	/* The text below #ncnd is never taken for the requester: it stays a note. */
	assert_false(case_email_uses_rest(CASE_NCND));
	assert_true(case_email_uses_rest(CASE_REFUSE_FOI));
	assert_true(case_email_uses_rest(CASE_COST_LIMIT));
}

/* ---- 5. what each decision needs and leads to ---- */

#define OP CASE_OPEN
#define AF CASE_AWAITING_FEE
#define REFUSED CASE_REFUSED
#define RESPONDED CASE_RESPONDED

struct rec_spec {
	enum case_state state;
	const char *kinds, *regime, *received, *identity_on, *fee_on, *fee_paid_on, *extended_on;
};

struct decision_case {
	const char *name, *today;
	struct rec_spec rec;
	const char *argv[12];
	int ok;
	enum case_state to;
	const char *notice, *outcome, *has; /* has: in the error, or in the warning when ok */
};

#define FOI_OPEN { OP, "foi", "unknown", "2026-03-02" }
#define EIR_OPEN { OP, "eir", "unknown", "2026-03-02" }
#define P3_ACCESS { OP, "access", "law_enforcement", "2026-03-03", "2026-03-03" }
#define GDPR_ACCESS { OP, "access", "general", "2026-03-03", "2026-03-03" }

static const struct decision_case decision_cases[] = {
	/* -- FOI refusals (FOIA s17) -- */
	{ "refuse-foi qualified with public interest", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s31(1)(a)", "--reason", "prejudice to prevention of "
	    "crime", "--public-interest", "outweighs", NULL }, 1, REFUSED, "foi_refusal_notice",
	  "foi_refused" },
	{ "refuse-foi qualified without public interest", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s31", "--reason", "r", NULL }, 0, .has = "public "
	  "interest" },
	{ "refuse-foi absolute needs no public interest", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s40(2)", "--reason", "third parties", NULL }, 1,
	  REFUSED, "foi_refusal_notice", "foi_refused" },
	{ "refuse-foi, section not an exemption", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s25", "--reason", "r", NULL }, 0,
	  .has = "section 25 is not in the exemptions table" },
	{ "refuse-foi ncnd", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s23", "--reason", "security body", "--ncnd", NULL }, 1,
	  REFUSED, "ncnd_notice", "ncnd" },
	{ "refuse-foi ncnd where the exemption has none", "2026-03-10", FOI_OPEN,
	  { "refuse-foi", "--exemption", "s21", "--reason", "published", "--ncnd", NULL }, 0,
	  .has = "does not allow neither confirming nor denying" },
	{ "refuse-foi on an EIR request", "2026-03-10", EIR_OPEN,
	  { "refuse-foi", "--exemption", "s40", "--reason", "r", NULL }, 0, .has = "refuse-eir" },
	{ "refuse-foi on an access request", "2026-03-10", P3_ACCESS,
	  { "refuse-foi", "--exemption", "s40", "--reason", "r", NULL }, 0,
	  .has = "Freedom of Information" },
	{ "refuse-foi while awaiting the fee", "2026-03-10", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-05" }, { "refuse-foi", "--exemption", "s40", "--reason", "r", NULL },
	  0, .has = "awaiting_fee" },
	/* -- cost limit (s12), vexatious (s14) -- */
	{ "cost-limit", "2026-03-10", FOI_OPEN, { "cost-limit", "--advice", "one year", NULL }, 1,
	  REFUSED, "foi_cost_limit_notice", "cost_limit" },
	{ "cost-limit on EIR", "2026-03-10", EIR_OPEN, { "cost-limit", "--advice", "a", NULL }, 0,
	  .has = "Freedom of Information" },
	{ "vexatious", "2026-03-10", FOI_OPEN, { "vexatious", "--reason", "r", NULL }, 1,
	  REFUSED, "foi_vexatious_notice", "vexatious" },
	{ "vexatious without a notice (s17(6))", "2026-03-10", FOI_OPEN,
	  { "vexatious", "--reason", "r", "--repeated", "--no-notice", NULL }, 1, REFUSED, NULL,
	  "vexatious" },
	/* -- EIR (reg 14) -- */
	{ "refuse-eir qualified with public interest", "2026-03-10", EIR_OPEN,
	  { "refuse-eir", "--exception", "12(4)(b)", "--reason", "r", "--public-interest", "p",
	    NULL }, 1, REFUSED, "eir_refusal_notice", "eir_refused" },
	{ "refuse-eir qualified without", "2026-03-10", EIR_OPEN,
	  { "refuse-eir", "--exception", "12(5)(b)", "--reason", "r", NULL }, 0,
	  .has = "public interest" },
	{ "refuse-eir personal data", "2026-03-10", EIR_OPEN,
	  { "refuse-eir", "--exception", "13", "--reason", "r", NULL }, 1, REFUSED,
	  "eir_refusal_notice", "eir_refused" },
	{ "refuse-eir not listed", "2026-03-10", EIR_OPEN,
	  { "refuse-eir", "--exception", "12(3)", "--reason", "r", NULL }, 0,
	  .has = "regulation 12(3) is not in the exemptions table" },
	{ "refuse-eir on FOI", "2026-03-10", FOI_OPEN,
	  { "refuse-eir", "--exception", "13", "--reason", "r", NULL }, 0,
	  .has = "Environmental" },
	/* -- neither confirm nor deny -- */
	{ "ncnd Part 3 access", "2026-03-10", P3_ACCESS,
	  { "ncnd", "--internal-reason", "live operation", NULL }, 1, RESPONDED, "ncnd_notice",
	  "ncnd" },
	{ "ncnd UK GDPR access", "2026-03-10", GDPR_ACCESS,
	  { "ncnd", "--internal-reason", "r", NULL }, 0, .has = "Part 3" },
	{ "ncnd FOI without exemption", "2026-03-10", FOI_OPEN,
	  { "ncnd", "--internal-reason", "r", NULL }, 0, .has = "--exemption" },
	{ "ncnd FOI absolute", "2026-03-10", FOI_OPEN,
	  { "ncnd", "--internal-reason", "r", "--exemption", "s23", NULL }, 1, RESPONDED,
	  "ncnd_notice", "ncnd" },
	{ "ncnd FOI qualified without public interest", "2026-03-10", FOI_OPEN,
	  { "ncnd", "--internal-reason", "r", "--exemption", "s30", NULL }, 0,
	  .has = "public interest" },
	{ "ncnd Part 3 with an exemption", "2026-03-10", P3_ACCESS,
	  { "ncnd", "--internal-reason", "r", "--exemption", "s30", NULL }, 0,
	  .has = "FOI requests" },
	/* -- refusals on the merits (s48(1)(b), Art 12(4)), s47(2) -- */
	{ "refuse-rectification Part 3", "2026-03-10",
	  { OP, "rectification", "law_enforcement", "2026-03-03", "2026-03-03" },
	  { "refuse-rectification", "--reason", "the record is accurate", NULL }, 1, REFUSED,
	  "rectification_refusal_notice", "refused_rectification" },
	{ "refuse-rectification with access too", "2026-03-10",
	  { OP, "access,rectification", "general", "2026-03-03", "2026-03-03" },
	  { "refuse-rectification", "--reason", "r", NULL }, 0, .has = "whole case" },
	{ "refuse-rectification regime unknown", "2026-03-10",
	  { OP, "rectification", "unknown", "2026-03-03", "2026-03-03" },
	  { "refuse-rectification", "--reason", "r", NULL }, 0, .has = "set the regime" },
	{ "refuse-erasure UK GDPR", "2026-03-10",
	  { OP, "erasure", "general", "2026-03-03", "2026-03-03" },
	  { "refuse-erasure", "--reason", "legal obligation", NULL }, 1, REFUSED,
	  "erasure_refusal_notice", "refused_erasure" },
	{ "refuse-erasure of an access request", "2026-03-10", GDPR_ACCESS,
	  { "refuse-erasure", "--reason", "r", NULL }, 0, .has = "erasure only" },
	{ "restrict instead of erase, Part 3", "2026-03-10",
	  { OP, "erasure", "law_enforcement", "2026-03-03", "2026-03-03" },
	  { "restrict-instead-of-erase", "--reason", "needed as evidence", NULL }, 1, RESPONDED,
	  "restrict_instead_notice", "restricted_instead" },
	{ "restrict instead of erase, UK GDPR", "2026-03-10",
	  { OP, "erasure", "general", "2026-03-03", "2026-03-03" },
	  { "restrict-instead-of-erase", "--reason", "r", NULL }, 0, .has = "Part 3" },
	/* -- a partial answer -- */
	{ "respond in part, Part 3, with its reason", "2026-03-10", P3_ACCESS,
	  { "respond", "--partial", "--restriction-reason", "third parties", "--internal-reason",
	    "an informant", NULL }, 1, RESPONDED, "response_cover", "part" },
	{ "respond in part, FOI without exemption", "2026-03-10", FOI_OPEN,
	  { "respond", "--partial", "--restriction-reason", "third parties", NULL }, 0,
	  .has = "names the exemptions" },
	{ "respond in part, FOI", "2026-03-10", FOI_OPEN,
	  { "respond", "--partial", "--restriction-reason", "third parties", "--exemption",
	    "s40(2)", NULL }, 1, RESPONDED, "response_cover", "part" },
	{ "respond in full with a restriction reason", "2026-03-10", FOI_OPEN,
	  { "respond", "--restriction-reason", "x", NULL }, 0, .has = "--partial" },
	/* -- fees -- */
	{ "fee on FOI", "2026-03-10", FOI_OPEN,
	  { "fee", "--amount", "12.50", "--reason", "photocopying 250 pages", NULL }, 1, AF,
	  "fee_notice" },
	{ "fee on Part 3 access", "2026-03-10", P3_ACCESS,
	  { "fee", "--amount", "10", "--reason", "excessive: a further copy", NULL }, 1, AF,
	  "fee_notice" },
	{ "fee, regime unknown", "2026-03-10",
	  { OP, "access", "unknown", "2026-03-03", "2026-03-03" },
	  { "fee", "--amount", "10", "--reason", "r", NULL }, 0, .has = "set the regime" },
	{ "fee on a complaint", "2026-03-10", { OP, "complaint", "unknown", "2026-03-03" },
	  { "fee", "--amount", "10", "--reason", "r", NULL }, 0, .has = "not to a complaint" },
	{ "a second fee", "2026-03-20", { OP, "foi", "unknown", "2026-03-02", .fee_on =
	  "2026-03-05", .fee_paid_on = "2026-03-06" },
	  { "fee", "--amount", "10", "--reason", "r", NULL }, 0, .has = "already asked" },
	{ "fee while waiting for identity", "2026-03-10",
	  { CASE_AWAITING_IDENTITY, "access", "general", "2026-03-03" },
	  { "fee", "--amount", "10", "--reason", "r", NULL }, 0, .has = "awaiting_identity" },
	/* Paid: FOI's date moves by the fee days; a DP clock starts on payment. */
	{ "fee paid, FOI", "2026-03-13", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-10" }, { "fee-paid", NULL }, 1, OP, "deadline_changed" },
	{ "fee paid, Part 3 access", "2026-03-20", { AF, "access", "law_enforcement",
	  "2026-03-03", "2026-03-03", .fee_on = "2026-03-10" }, { "fee-paid", NULL }, 1, OP,
	  "clock_started" },
	{ "fee paid back to extended", "2026-04-10", { AF, "access", "general", "2026-03-03",
	  "2026-03-03", .fee_on = "2026-04-01", .extended_on = "2026-03-20" },
	  { "fee-paid", NULL }, 1, CASE_EXTENDED, "clock_started" },
	{ "fee paid before it was asked", "2026-03-20", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-10" }, { "fee-paid", "--on", "2026-03-09", NULL }, 0,
	  .has = "before it was asked" },
	{ "fee paid when none is due", "2026-03-20", FOI_OPEN, { "fee-paid", NULL }, 0,
	  .has = "open" },
	/* Three months beginning with Tue 10 Mar: the last day to pay is Tue 9 Jun. */
	{ "fee unpaid too soon", "2026-06-09", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-10" }, { "fee-unpaid", NULL }, 0, .has = "10 June 2026" },
	{ "fee unpaid", "2026-06-10", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-10" }, { "fee-unpaid", NULL }, 1, CASE_CLOSED, "fee_unpaid_notice",
	  "fee_unpaid" },
};

static void rec_make(const struct rec_spec *s, struct case_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->state = s->state;
	assert_true(case_kinds_parse(s->kinds, &rec->kinds));
	assert_true(clock_regime_parse(s->regime, &rec->regime));
	rec->received = tu_date(s->received);
	rec->identity_on = tu_date(s->identity_on);
	rec->restart_on = tu_date(NULL);
	rec->extended_on = tu_date(s->extended_on);
	rec->reopened_on = tu_date(NULL);
	rec->fee_on = tu_date(s->fee_on);
	rec->fee_paid_on = tu_date(s->fee_paid_on);
	rec->fee_pence = s->fee_on != NULL ? 1000 : 0;
}

static struct case_env env_on(const char *today)
{
	struct case_env env = { .table = tu_shipped, .exemptions = tu_exemptions,
				.today = tu_date(today) };
	return env;
}

static void check_result(const struct decision_case *c, int ret, const char *error,
			 const struct case_change *ch)
{
	if (ret != c->ok)
		fail_msg("%s: expected %s, got %s (%s)", c->name, c->ok ? "allowed" : "refused",
			 ret ? "allowed" : "refused", error != NULL ? error : "");
	if (!ret) {
		if (c->has != NULL && strstr(error, c->has) == NULL)
			fail_msg("%s: error \"%s\" lacks \"%s\"", c->name, error, c->has);
		return;
	}
	if (ch->after.state != c->to)
		fail_msg("%s: state %s, expected %s", c->name, case_state_name(ch->after.state),
			 case_state_name(c->to));
	if (g_strcmp0(ch->notice, c->notice) != 0)
		fail_msg("%s: notice %s, expected %s", c->name, ch->notice, c->notice);
	if (g_strcmp0(ch->outcome, c->outcome) != 0)
		fail_msg("%s: outcome %s, expected %s", c->name, ch->outcome, c->outcome);
	if (ch->event == NULL || ch->detail == NULL || ch->detail[0] == '\0')
		fail_msg("%s: no event or detail", c->name);
}

static void test_decision_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(decision_cases); i++) {
		const struct decision_case *c = &decision_cases[i];
		struct case_env env = env_on(c->today);
		struct case_record rec;
		struct case_command cmd;
		struct case_change ch;
		char *error = NULL;
		int argc = 0, ret;

		while (c->argv[argc] != NULL)
			argc++;
		rec_make(&c->rec, &rec);
		if (!case_command_parse(argc, (char **)c->argv, &cmd, &error))
			fail_msg("%s: %s", c->name, error);
		ret = lifecycle_apply(&env, &rec, &cmd, &ch, &error);
		check_result(c, ret, error, &ch);
		case_change_clear(&ch);
		case_command_clear(&cmd);
		case_record_clear(&rec);
		g_free(error);
	}
}

/* What the record keeps: the internal reasons go into the event's detail and the second
   event of a partial answer, never anywhere a notice reads. */
static void test_record_of_decisions(void **state)
{
	static const char *const ncnd[] = { "ncnd", "--internal-reason", "live operation", NULL };
	static const char *const part[] = { "respond", "--partial", "--restriction-reason",
					    "third parties", "--internal-reason", "informant",
					    NULL };
	static const char *const fee[] = { "fee", "--amount", "12.50", "--reason", "copies",
					   NULL };
	struct case_env env = env_on("2026-03-10");
	struct rec_spec p3 = P3_ACCESS;
	struct case_record rec;
	struct case_command cmd;
	struct case_change ch;
	char *error = NULL;

	(void)state;
	rec_make(&p3, &rec);
	assert_true(case_command_parse(3, (char **)ncnd, &cmd, &error));
	assert_int_equal(lifecycle_apply(&env, &rec, &cmd, &ch, &error), 1);
	assert_non_null(strstr(ch.detail, "internal reason (never sent): live operation"));
	assert_null(ch.also_event);
	case_change_clear(&ch);
	case_command_clear(&cmd);
	assert_true(case_command_parse(6, (char **)part, &cmd, &error));
	assert_int_equal(lifecycle_apply(&env, &rec, &cmd, &ch, &error), 1);
	assert_string_equal(ch.also_event, "partially_restricted");
	assert_string_equal(ch.also_detail, "withheld: third parties; internal reason: informant");
	assert_null(ch.warning);
	case_change_clear(&ch);
	case_command_clear(&cmd);
	assert_true(case_command_parse(5, (char **)fee, &cmd, &error));
	assert_int_equal(lifecycle_apply(&env, &rec, &cmd, &ch, &error), 1);
	tu_assert_date("fee_on", "fee", &ch.after.fee_on, "2026-03-10");
	assert_int_equal(ch.after.fee_pence, 1250);
	assert_non_null(strstr(ch.detail, "fee \xc2\xa3" "12.50"));
	case_change_clear(&ch);
	case_command_clear(&cmd);
	case_record_clear(&rec);
}

/* ---- 6. the fee's clocks ---- */

struct clock_case {
	const char *name, *today;
	struct rec_spec rec;
	enum case_clock clock;
	const char *due;  /* NULL: not started */
};

static const struct clock_case clock_cases[] = {
	/* FOI from Mon 2 Mar: day 1 Tue 3 Mar; UK working days skip St Patrick's Day (Tue 17
	   Mar, Northern Ireland): day 20 is Tue 31 Mar. */
	{ "FOI, no fee", "2026-03-10", FOI_OPEN, CASE_CLOCK_RUNNING, "2026-03-31" },
	/* Fee notice Tue 10 Mar, paid Fri 13 Mar: 10-13 Mar (4 working days) not counted:
	   Wed 1, Thu 2 Apr, (Good Friday 3, Easter Monday 6), Tue 7, Wed 8 Apr. */
	{ "FOI, fee paid", "2026-03-20", { OP, "foi", "unknown", "2026-03-02", .fee_on =
	  "2026-03-10", .fee_paid_on = "2026-03-13" }, CASE_CLOCK_RUNNING, "2026-04-08" },
	/* Unpaid on Mon 16 Mar: 10-13 and 16 Mar (5) stand still, shown as if paid today:
	   Thu 9 Apr. */
	{ "FOI, awaiting the fee", "2026-03-16", { AF, "foi", "unknown", "2026-03-02",
	  .fee_on = "2026-03-10" }, CASE_CLOCK_STOPPED, "2026-04-09" },
	/* EIR: the shipped table counts no stop for EIR (reg 8 has no FOIA s10(2)). */
	{ "EIR, fee paid", "2026-03-20", { OP, "eir", "unknown", "2026-03-02", .fee_on =
	  "2026-03-10", .fee_paid_on = "2026-03-13" }, CASE_CLOCK_RUNNING, "2026-03-31" },
	/* Access: nothing runs until the fee is paid, then a month from the payment. */
	{ "access, awaiting the fee", "2026-03-16", { AF, "access", "general", "2026-03-03",
	  "2026-03-03", .fee_on = "2026-03-10" }, CASE_CLOCK_NOT_STARTED, NULL },
	{ "access, fee paid Fri 20 Mar", "2026-03-25", { OP, "access", "general", "2026-03-03",
	  "2026-03-03", .fee_on = "2026-03-10", .fee_paid_on = "2026-03-20" },
	  CASE_CLOCK_RUNNING, "2026-04-20" },
	/* Paid before identity arrived: the clock starts with identity, Wed 1 Apr -> Fri 1 May. */
	{ "access, identity after the fee", "2026-04-02", { OP, "access", "general", "2026-03-03",
	  "2026-04-01", .fee_on = "2026-03-10", .fee_paid_on = "2026-03-20" },
	  CASE_CLOCK_RUNNING, "2026-05-01" },
};

static void test_fee_clocks(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(clock_cases); i++) {
		const struct clock_case *c = &clock_cases[i];
		struct case_env env = env_on(c->today);
		struct case_record rec;
		struct case_deadlines d;
		char *error = NULL;

		rec_make(&c->rec, &rec);
		if (!case_deadlines_compute(&env, &rec, &d, &error))
			fail_msg("%s: %s", c->name, error);
		assert_int_equal(d.n, 1);
		if (d.item[0].clock != c->clock)
			fail_msg("%s: clock %s, expected %s", c->name,
				 case_clock_name(d.item[0].clock), case_clock_name(c->clock));
		if (c->due != NULL)
			tu_assert_date("due", c->name, clock_result_due(&d.item[0].res), c->due);
		case_deadlines_clear(&d);
		case_record_clear(&rec);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_table),
		cmocka_unit_test(test_bad_tables),
		cmocka_unit_test(test_exceptions_parse),
		cmocka_unit_test(test_command_line),
		cmocka_unit_test(test_email_forms),
		cmocka_unit_test(test_decision_cases),
		cmocka_unit_test(test_record_of_decisions),
		cmocka_unit_test(test_fee_clocks),
	};
	return cmocka_run_group_tests_name("decisions", tests, tu_load_shipped, tu_free_shipped);
}
