/* Unit tests: loop detection (RFC 3834) and case references in subjects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "classify.h"
#include "lifecycle.h"
#include "core.h"
#include "mime.h"

struct auto_case {
	const char *name;
	const char *headers; /* extra header lines, \r\n-terminated */
	const char *content_type;
	const char *from;
	const char *subject;
	int is_auto;
};

static const struct auto_case auto_cases[] = {
	{ "plain request", "", "text/plain", "jane@public.test", "Subject access request", 0 },
	{ "auto-submitted no", "Auto-Submitted: no\r\n", "text/plain", "jane@public.test", "SAR", 0 },
	{ "auto-submitted no comment", "Auto-Submitted: no (person)\r\n", "text/plain",
	  "jane@public.test", "SAR", 0 },
	{ "auto-replied", "Auto-Submitted: auto-replied\r\n", "text/plain", "jane@public.test",
	  "Re: your request", 1 },
	{ "auto-generated", "Auto-Submitted: auto-generated\r\n", "text/plain", "x@public.test",
	  "Report", 1 },
	{ "web form relay", "Auto-Submitted: auto-generated\r\nReply-To: citizen@public.test\r\n",
	  "text/plain", "noreply@forms.police.test", "Online form: subject access request", 0 },
	{ "auto-generated, reply-to self", "Auto-Submitted: auto-generated\r\n"
	  "Reply-To: x@public.test\r\n", "text/plain", "x@public.test", "Report", 1 },
	{ "auto-replied with reply-to", "Auto-Submitted: auto-replied\r\n"
	  "Reply-To: citizen@public.test\r\n", "text/plain", "away@public.test", "Away", 1 },
	{ "precedence bulk", "Precedence: bulk\r\n", "text/plain", "news@public.test", "News", 1 },
	{ "precedence junk", "Precedence: junk\r\n", "text/plain", "a@public.test", "Hi", 1 },
	{ "precedence list", "Precedence: list\r\n", "text/plain", "a@public.test", "Hi", 1 },
	{ "list-id", "List-Id: <news.public.test>\r\n", "text/plain", "a@public.test", "News", 1 },
	{ "list-unsubscribe", "List-Unsubscribe: <mailto:u@public.test>\r\n", "text/plain",
	  "a@public.test", "Offer", 1 },
	{ "null return-path", "Return-Path: <>\r\n", "text/plain", "a@public.test", "Hi", 1 },
	{ "return-path set", "Return-Path: <a@public.test>\r\n", "text/plain", "a@public.test",
	  "My data", 0 },
	{ "mailer-daemon", "", "text/plain", "MAILER-DAEMON@mx.public.test", "failure", 1 },
	{ "postmaster", "", "text/plain", "postmaster@public.test", "notice", 1 },
	{ "no-reply without reply-to", "", "text/plain", "no-reply@alerts.public.test", "Alert", 1 },
	{ "no-reply form with person", "Reply-To: jo@public.test\r\n", "text/plain",
	  "noreply@forms.police.test", "Online form: my data", 0 },
	{ "no-reply with no-reply reply-to", "Reply-To: noreply@x.public.test\r\n", "text/plain",
	  "no-reply@public.test", "Notice", 1 },
	{ "null from", "", "text/plain", "<>", "Delivery Status", 1 },
	{ "owner-list", "", "text/plain", "owner-police@lists.public.test", "digest", 1 },
	{ "list request", "", "text/plain", "police-request@lists.public.test", "digest", 1 },
	{ "multipart/report", "", "multipart/report; report-type=delivery-status; boundary=b",
	  "someone@public.test", "Delivery Status", 1 },
	{ "suppress all", "X-Auto-Response-Suppress: All\r\n", "text/plain", "a@public.test",
	  "Hi", 1 },
	{ "suppress oof", "X-Auto-Response-Suppress: DR, OOF\r\n", "text/plain", "a@public.test",
	  "Hi", 1 },
	{ "x-autoreply", "X-Autoreply: yes\r\n", "text/plain", "a@public.test", "Away", 1 },
	{ "automatic reply subject", "", "text/plain", "a@public.test",
	  "Automatic reply: We have received your request", 1 },
	{ "out of office subject", "", "text/plain", "a@public.test", "Out of Office: back Monday",
	  1 },
	{ "officer word is not ooo", "", "text/plain", "a@public.test",
	  "Complaint about an officer in the office", 0 },
};

static struct mime_message *parse_case(const struct auto_case *c)
{
	/* A from value with its own brackets ("<>") is used as the whole header value. */
	char *from = strchr(c->from, '<') != NULL ? g_strdup(c->from)
						  : g_strdup_printf("Someone <%s>", c->from);
	char *raw = g_strdup_printf("From: %s\r\nTo: disclosure@pdgate.test\r\n"
				    "Subject: %s\r\n%sMIME-Version: 1.0\r\nContent-Type: %s\r\n"
				    "Message-ID: <t1@public.test>\r\n\r\nbody\r\n",
				    from, c->subject, c->headers, c->content_type);
	g_free(from);
	struct mime_message *msg = NULL;
	char *error = NULL;
	assert_int_equal(mime_parse(raw, strlen(raw), &msg, &error), 1);
	g_free(raw);
	return msg;
}

static void test_auto_reason_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(auto_cases); i++) {
		struct mime_message *msg = parse_case(&auto_cases[i]);
		const char *reason = classify_auto_reason(msg);
		if ((reason != NULL) != auto_cases[i].is_auto)
			fail_msg("%s: expected auto=%d, got reason %s", auto_cases[i].name,
				 auto_cases[i].is_auto, reason != NULL ? reason : "(none)");
		mime_message_free(&msg);
	}
}

struct ref_case {
	const char *text;
	const char *expected; /* NULL: none */
};

static const struct ref_case ref_cases[] = {
	{ "We have received your request [PD-2026-000123]", "PD-2026-000123" },
	{ "Re: We have received your request [PD-2026-000123]", "PD-2026-000123" },
	{ "AW: SV: VS: Fwd: [PD-2026-000123]", "PD-2026-000123" },
	{ "RE: pd-2026-000042 any update?", "PD-2026-000042" },
	{ "ref PD-2026-000123.", "PD-2026-000123" },
	{ "PD-2026-0001234 too many digits", NULL },
	{ "XPD-2026-000123 glued prefix", NULL },
	{ "PD-26-000123 short year", NULL },
	{ "no reference at all", NULL },
	{ "", NULL },
};

static void test_find_reference_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(ref_cases); i++) {
		char *got = classify_find_reference(ref_cases[i].text, "PD");
		if (ref_cases[i].expected == NULL)
			assert_null(got);
		else
			assert_string_equal(got, ref_cases[i].expected);
		g_free(got);
	}
	assert_null(classify_find_reference(NULL, "PD"));
}

static void test_find_reference_custom_prefix(void **state)
{
	(void)state;
	char *got = classify_find_reference("Re: [FOI-2026-000001]", "FOI");
	assert_string_equal(got, "FOI-2026-000001");
	g_free(got);
	assert_null(classify_find_reference("Re: [PD-2026-000001]", "FOI"));
}

static const char glue_rules[] =
	"body SAR /all the data you hold about me/\nscore SAR access=2\n"
	"body DEL /delete/\nscore DEL erasure=1\n"
	"body SOL /our client/\nscore SOL on_behalf_solicitor=1\n"
	"body MUM /my son/\nscore MUM on_behalf_parent=1.5\n"
	"body LE /arrest/\nscore LE regime_law_enforcement=1\n"
	"body HR /vetting/\nscore HR regime_general=2\n"
	"body OOO /out of the office/\nscore OOO auto=1\ndescribe OOO Out-of-office wording\n";

static struct rules *load_glue_rules(void)
{
	char *dir = g_dir_make_tmp("pdgate-cls-XXXXXX", NULL);
	char *path = g_build_filename(dir, "t.rules", NULL), *error = NULL;
	struct rules *rules = NULL;
	assert_true(g_file_set_contents(path, glue_rules, -1, NULL));
	if (!rules_load(path, &rules, &error))
		fail_msg("%s", error);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	return rules;
}

static void classify_text(const struct rules *rules, const char *body, const char *headers,
			  struct classify_result *r)
{
	char *raw = g_strdup_printf("From: a@public.test\r\nSubject: request\r\n%s\r\n%s\r\n",
				    headers, body);
	struct mime_message *msg = NULL;
	char *error = NULL;
	assert_int_equal(mime_parse(raw, strlen(raw), &msg, &error), 1);
	classify_message(rules, msg, r);
	mime_message_free(&msg);
	g_free(raw);
}

static void test_result_from_scores(void **state)
{
	(void)state;
	struct rules *rules = load_glue_rules();
	struct classify_result r;

	classify_text(rules, "Please send all the data you hold about me and delete it after. "
		      "Our client was on arrest; my son too.", "", &r);
	char *kinds = case_kinds_string(r.kinds);
	assert_string_equal(kinds, "access,erasure"); /* sorted by name */
	assert_false(r.auto_mail);
	/* Both behalf labels fired: the higher score wins. */
	assert_int_equal(r.on_behalf, ON_BEHALF_PARENT);
	assert_int_equal(r.regime_hint, REGIME_LAW_ENFORCEMENT);
	char *json = classify_result_json(&r, "x.eml", FALSE);
	assert_non_null(strstr(json, "\"kinds\":[\"access\",\"erasure\"]"));
	assert_non_null(strstr(json, "\"file\":\"x.eml\""));
	assert_non_null(strstr(json, "\"name\":\"SAR\""));
	g_free(json);
	g_free(kinds);
	classify_result_clear(&r);

	classify_text(rules, "I will be out of the office. Delete all the data you hold about me.",
		      "", &r);
	assert_true(r.auto_mail); /* machine mail exercises no right */
	assert_int_equal(r.kinds, 0);
	assert_string_equal(r.auto_reason, "Out-of-office wording");
	classify_result_clear(&r);

	classify_text(rules, "All the data you hold about me.", "Auto-Submitted: auto-replied\r\n",
		      &r);
	assert_true(r.auto_mail);
	assert_int_equal(r.kinds, 0);
	classify_result_clear(&r);

	classify_text(rules, "Hello, vetting and arrest.", "", &r);
	assert_int_equal(r.regime_hint, REGIME_GENERAL);
	assert_int_equal(r.kinds, 0);
	kinds = case_kinds_string(r.kinds);
	assert_string_equal(kinds, "other");
	g_free(kinds);
	classify_result_clear(&r);
	rules_free(&rules);
}

static void test_kinds_parse(void **state)
{
	(void)state;
	unsigned k = 0;
	assert_int_equal(case_kinds_parse("erasure, access", &k), 1);
	char *s = case_kinds_string(k);
	assert_string_equal(s, "access,erasure");
	g_free(s);
	assert_int_equal(case_kinds_parse("other", &k), 1);
	assert_int_equal(k, 0);
	assert_int_equal(case_kinds_parse("access,auto", &k), 0); /* an indicator, not a kind */
	assert_int_equal(case_kinds_parse("acces", &k), 0);
}

/* Every bounce, DSN, feedback report and auto-reply of the shared corpora (../shared/corpora,
   when present) is machine mail by the header checks alone: stored, never answered. */
static void test_shared_bounces_all_auto(void **state)
{
	(void)state;
	static const char *const dirs[] = { "../shared/corpora/sisimai/bsd",
					    "../shared/corpora/mikel-mail/multipart_report_emails",
					    NULL };
	unsigned seen = 0, missed = 0;
	for (size_t d = 0; dirs[d] != NULL; d++) {
		GDir *dir = g_dir_open(dirs[d], 0, NULL);
		const char *name;
		while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
			char *path = g_build_filename(dirs[d], name, NULL), *raw = NULL;
			gsize len = 0;
			struct mime_message *msg = NULL;
			if (strcmp(name, "LICENSE") != 0 && g_file_get_contents(path, &raw, &len, NULL) &&
			    mime_parse(raw, len, &msg, NULL) == 1) {
				seen++;
				if (classify_auto_reason(msg) == NULL) {
					missed++;
					print_message("not recognised as automatic: %s\n", path);
				}
			}
			mime_message_free(&msg);
			g_free(raw);
			g_free(path);
		}
		if (dir != NULL)
			g_dir_close(dir);
	}
	if (seen == 0)
		skip(); /* a fresh clone has no ../shared/corpora */
	print_message("shared bounces and reports: %u read, %u not recognised\n", seen, missed);
	assert_int_equal(missed, 0);
}

/* ---- confidence (classify/confidence.c) ---- */

/* The probabilities come from the rules' scores: at the threshold 0.5, above it more, an
   unscored kind 1 / (1 + e^4); machine mail all 0. A threshold set per label counts. */
static void test_prob_from_rules(void **state)
{
	(void)state;
	struct rules *rules = load_glue_rules();
	struct classify_result r;

	classify_text(rules, "Please send all the data you hold about me and delete it.", "", &r);
	/* access scored 2 (threshold 1): 1 / (1 + e^-4) */
	assert_float_equal(r.prob[LABEL_ACCESS], 1.0 / (1.0 + exp(-4.0)), 1e-12);
	assert_float_equal(r.prob[LABEL_ERASURE], 0.5, 1e-12); /* exactly at the line */
	assert_float_equal(r.prob[LABEL_FOI], 1.0 / (1.0 + exp(4.0)), 1e-12);
	assert_true(classify_is_uncertain(&r, 0.75)); /* erasure sits on the line */
	char *why = classify_uncertain_text(&r, 0.75);
	assert_string_equal(why, "access 0.98, erasure 0.50");
	g_free(why);
	classify_result_clear(&r);

	classify_text(rules, "All the data you hold about me.", "Auto-Submitted: auto-replied\r\n",
		      &r);
	for (int k = 0; k < LABEL_KIND_COUNT; k++)
		assert_true(r.prob[k] == 0.0);
	assert_false(classify_is_uncertain(&r, 0.999));
	classify_result_clear(&r);
	rules_free(&rules);

	/* No rules: every threshold 1.0, every score 0. */
	memset(&r, 0, sizeof(r));
	classify_prob_from_rules(NULL, &r);
	for (int k = 0; k < LABEL_KIND_COUNT; k++)
		assert_float_equal(r.prob[k], 1.0 / (1.0 + exp(4.0)), 1e-12);
	assert_false(classify_is_uncertain(&r, 0.75));  /* 0.018: clearly nothing */
	assert_true(classify_is_uncertain(&r, 0.999));  /* 0.018 > 0.001: close enough */
	assert_false(classify_is_uncertain(&r, 0.5));   /* off */
}

/* The rule restated independently: over every mix of kinds fired and probabilities from a
   grid that hits each edge (exactly 1 - c, exactly c, either side by a hair), for every
   confidence, auto or not. */
static int oracle_uncertain(const double *p, unsigned kinds, int auto_mail, double c)
{
	int near = 0;
	double max = 0.0;

	if (auto_mail || c <= 0.5)
		return 0;
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		near |= p[k] > 1.0 - c && p[k] < c;
		max = p[k] > max ? p[k] : max;
	}
	return near || (kinds == 0 && max >= 1.0 - c);
}

static void test_uncertain_exhaustive(void **state)
{
	static const double confidences[] = { 0.4, 0.5, 0.5000001, 0.6, 0.75, 0.9, 0.999 };
	(void)state;
	unsigned checked = 0, uncertain = 0;

	for (size_t ci = 0; ci < G_N_ELEMENTS(confidences); ci++) {
		const double c = confidences[ci];
		/* the edges for this confidence, and values clearly in and out */
		const double grid[] = { 0.0, 1.0 - c - 1e-9, 1.0 - c, 1.0 - c + 1e-9, 0.5,
					c - 1e-9, c, c + 1e-9, 1.0 };
		const size_t n = G_N_ELEMENTS(grid);
		/* three kinds get grid values (first, a middle one, last); the rest 0 or 1 */
		for (size_t a = 0; a < n; a++)
		for (size_t b = 0; b < n; b++)
		for (size_t d = 0; d < n; d++)
		for (unsigned fired = 0; fired < 8; fired++)
		for (int rest = 0; rest < 2; rest++)
		for (int au = 0; au < 2; au++) {
			struct classify_result r;
			memset(&r, 0, sizeof(r));
			for (int k = 0; k < LABEL_KIND_COUNT; k++)
				r.prob[k] = rest ? 1.0 : 0.0;
			r.prob[LABEL_ACCESS] = grid[a];
			r.prob[LABEL_FOI] = grid[b];
			r.prob[LABEL_COMPLAINT] = grid[d];
			r.kinds = ((fired & 1) ? 1u << LABEL_ACCESS : 0) |
				  ((fired & 2) ? 1u << LABEL_FOI : 0) |
				  ((fired & 4) ? 1u << LABEL_COMPLAINT : 0);
			r.auto_mail = au;
			int want = oracle_uncertain(r.prob, r.kinds, au, c);
			if (classify_is_uncertain(&r, c) != want)
				fail_msg("c %.9g p %.9g %.9g %.9g rest %d fired %#x auto %d: "
					 "want %d", c, grid[a], grid[b], grid[d], rest, fired, au,
					 want);
			checked++;
			uncertain += (unsigned)want;
		}
	}
	/* the grid reaches both answers */
	assert_true(uncertain > 0 && uncertain < checked);
	print_message("classify_is_uncertain: %u cases, %u uncertain\n", checked, uncertain);
}

/* Worked examples, as the team would read them. */
static void test_uncertain_examples(void **state)
{
	(void)state;
	struct classify_result r;

	memset(&r, 0, sizeof(r));
	r.prob[LABEL_ACCESS] = 0.55;
	r.prob[LABEL_FOI] = 0.48;
	r.kinds = 1u << LABEL_ACCESS;
	assert_true(classify_is_uncertain(&r, 0.75));
	char *why = classify_uncertain_text(&r, 0.75);
	assert_string_equal(why, "access 0.55, foi 0.48");
	g_free(why);
	assert_false(classify_is_uncertain(&r, 0.5));
	/* sure of access, sure it is nothing else */
	r.prob[LABEL_ACCESS] = 0.95;
	r.prob[LABEL_FOI] = 0.02;
	assert_false(classify_is_uncertain(&r, 0.75));
	assert_true(classify_is_uncertain(&r, 0.99)); /* 0.95 is not 0.99 sure */
	why = classify_uncertain_text(&r, 0.75);
	assert_string_equal(why, "access 0.95"); /* foi is clearly out: not listed */
	g_free(why);
	/* "other", but foi came exactly to 1 - confidence: a guess too */
	r.kinds = 0;
	r.prob[LABEL_ACCESS] = 0.1;
	r.prob[LABEL_FOI] = 0.25;
	assert_true(classify_is_uncertain(&r, 0.75));
	why = classify_uncertain_text(&r, 0.75);
	assert_string_equal(why, "foi 0.25"); /* the most likely, listed even on the edge */
	g_free(why);
	/* at most CLASSIFY_UNSURE_MAX kinds, most likely first */
	for (int k = 0; k < LABEL_KIND_COUNT; k++)
		r.prob[k] = 0.3 + 0.01 * k;
	why = classify_uncertain_text(&r, 0.75);
	assert_string_equal(why, "complaint 0.39, eir 0.38, foi 0.37");
	g_free(why);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_result_from_scores),
		cmocka_unit_test(test_prob_from_rules),
		cmocka_unit_test(test_uncertain_exhaustive),
		cmocka_unit_test(test_uncertain_examples),
		cmocka_unit_test(test_shared_bounces_all_auto),
		cmocka_unit_test(test_kinds_parse),
		cmocka_unit_test(test_auto_reason_table),
		cmocka_unit_test(test_find_reference_table),
		cmocka_unit_test(test_find_reference_custom_prefix),
	};
	mime_init();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	mime_deinit();
	return failed;
}
