/* Unit tests: loop detection (RFC 3834) and case references in subjects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "classify.h"
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
	char *raw = g_strdup_printf("From: Someone <%s>\r\nTo: disclosure@pdgate.test\r\n"
				    "Subject: %s\r\n%sMIME-Version: 1.0\r\nContent-Type: %s\r\n"
				    "Message-ID: <t1@public.test>\r\n\r\nbody\r\n",
				    c->from, c->subject, c->headers, c->content_type);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto_reason_table),
		cmocka_unit_test(test_find_reference_table),
		cmocka_unit_test(test_find_reference_custom_prefix),
	};
	mime_init();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	mime_deinit();
	return failed;
}
