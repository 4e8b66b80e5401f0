/* Storms and bounces (issue 13): the storm rule's window edges, checked exhaustively against
   a brute-force oracle and on worked sequences; the bounce matcher on hand-made reports and
   on the real bounces of ../shared/corpora/sisimai/bsd (skipped, and said so, when absent). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "classify.h"
#include "core.h"
#include "pd-limits.h"
#include "storm.h"
#include "testutil.h"

#define BOUNCE_RECOGNISED_PCT 97
#define BOUNCE_WITH_ID_PCT 88

/* ---- the window ---- */

static void test_window_edges(void **state)
{
	(void)state;
	/* window 600: 600 s older has left it, 599 s older is in, later is not counted */
	assert_false(storm_in_window(1000 - 600, 1000, 600));
	assert_true(storm_in_window(1000 - 599, 1000, 600));
	assert_true(storm_in_window(1000, 1000, 600));
	assert_false(storm_in_window(1001, 1000, 600));
	/* exhaustively on small numbers: in the window exactly when 0 <= now - then < window */
	for (int64_t w = 1; w <= 7; w++) {
		for (int64_t now = -5; now <= 12; now++) {
			for (int64_t then = now - 12; then <= now + 3; then++) {
				int age_in = now - then >= 0 && now - then < w;
				assert_int_equal(storm_in_window(then, now, w), age_in);
			}
		}
	}
}

/* The oracle: message i is held when at least `threshold` earlier messages are less than
   `window` seconds older (or as old); it starts a new storm unless a held message came less
   than a window before it. Written from the definition, not from storm.c. */
static enum storm_verdict oracle(const int64_t *t, const int *held, size_t i,
				 int64_t threshold, int64_t w)
{
	int64_t earlier = 0, last_held = 0;

	for (size_t j = 0; j < i; j++) {
		if (t[i] - t[j] >= 0 && t[i] - t[j] < w)
			earlier++;
		if (held[j] && (last_held == 0 || t[j] > last_held))
			last_held = t[j];
	}
	if (earlier < threshold)
		return STORM_NONE;
	return last_held != 0 && t[i] - last_held < w ? STORM_MORE : STORM_NEW;
}

/* Run a sequence through storm_count + storm_decide as the gateway does; held_r[i] and the
   verdicts, which are checked against the oracle at every step. */
static void run_sequence(const int64_t *t, size_t n, int64_t threshold, int64_t w,
			 enum storm_verdict *v)
{
	int held[64];
	int64_t last_storm = 0;

	assert_true(n <= 64);
	for (size_t i = 0; i < n; i++) {
		int64_t earlier = (int64_t)storm_count(t, i, t[i], w);
		v[i] = storm_decide(earlier, threshold, last_storm, t[i], w);
		assert_int_equal(v[i], oracle(t, held, i, threshold, w));
		held[i] = v[i] != STORM_NONE;
		if (held[i] && t[i] > last_storm)
			last_storm = t[i];
	}
}

/* Every sequence of up to 6 arrivals over times 1..5 (in any order: INTERNALDATE need not
   rise), for thresholds 1..3 and windows 1..4. */
static void test_exhaustive_small(void **state)
{
	enum storm_verdict v[8];
	int64_t t[8];
	unsigned long sequences = 0;

	(void)state;
	for (size_t n = 1; n <= 6; n++) {
		unsigned long combos = 1;
		for (size_t k = 0; k < n; k++)
			combos *= 5;
		for (unsigned long c = 0; c < combos; c++) {
			unsigned long x = c;
			for (size_t k = 0; k < n; k++, x /= 5)
				t[k] = 1 + (int64_t)(x % 5);
			for (int64_t th = 1; th <= 3; th++) {
				for (int64_t w = 1; w <= 4; w++)
					run_sequence(t, n, th, w, v);
			}
			sequences++;
		}
	}
	print_message("%lu arrival sequences checked against the oracle\n", sequences);
}

static size_t count_verdicts(const enum storm_verdict *v, size_t n, enum storm_verdict which)
{
	size_t count = 0;

	for (size_t i = 0; i < n; i++)
		count += v[i] == which;
	return count;
}

/* Worked sequences at the defaults (20 in 10 minutes). */
static void test_worked_sequences(void **state)
{
	int64_t t[64];
	enum storm_verdict v[64];

	(void)state;
	/* 50 in the same second: 20 open cases, the 21st starts the storm, 29 join it */
	for (size_t i = 0; i < 50; i++)
		t[i] = 1000;
	run_sequence(t, 50, 20, 600, v);
	assert_int_equal(count_verdicts(v, 50, STORM_NONE), 20);
	assert_int_equal(v[20], STORM_NEW);
	assert_int_equal(count_verdicts(v, 50, STORM_MORE), 29);
	/* one every 30 s: never more than 20 in a window (the one 600 s older has left) */
	for (size_t i = 0; i < 60; i++)
		t[i] = 1000 + 30 * (int64_t)i;
	run_sequence(t, 60, 20, 600, v);
	assert_int_equal(count_verdicts(v, 60, STORM_NONE), 60);
	/* one every 29 s: the 21st is 580 s after the first, a storm, and it never ends */
	for (size_t i = 0; i < 60; i++)
		t[i] = 1000 + 29 * (int64_t)i;
	run_sequence(t, 60, 20, 600, v);
	assert_int_equal(v[19], STORM_NONE);
	assert_int_equal(v[20], STORM_NEW);
	assert_int_equal(count_verdicts(v, 60, STORM_NEW), 1);
	/* 21 at once, then one exactly a window later: the storm is over, an ordinary mail;
	   then 21 more a day later: a second storm, a second record */
	for (size_t i = 0; i < 21; i++)
		t[i] = 1000;
	t[21] = 1600;
	for (size_t i = 22; i < 43; i++)
		t[i] = 1000 + 86400;
	run_sequence(t, 43, 20, 600, v);
	assert_int_equal(v[20], STORM_NEW);
	assert_int_equal(v[21], STORM_NONE);
	assert_int_equal(v[42], STORM_NEW);
	assert_int_equal(count_verdicts(v, 43, STORM_NEW), 2);
	/* one second less and it still belongs to the storm */
	t[21] = 1599;
	run_sequence(t, 22, 20, 600, v);
	assert_int_equal(v[21], STORM_MORE);
}

static void test_decide_table(void **state)
{
	static const struct {
		int64_t earlier, threshold, last_storm, now, window;
		enum storm_verdict want;
	} cases[] = {
		{ 19, 20, 0, 1000, 600, STORM_NONE },     /* the 20th: still a case */
		{ 20, 20, 0, 1000, 600, STORM_NEW },      /* the 21st: a storm */
		{ 20, 20, 400, 1000, 600, STORM_NEW },    /* the last held left the window */
		{ 20, 20, 401, 1000, 600, STORM_MORE },   /* 599 s ago: the same storm */
		{ 20, 20, 1200, 1000, 600, STORM_MORE },  /* held later (out of order): same */
		{ 0, 1, 0, 5, 1, STORM_NONE },
		{ 1, 1, 0, 5, 1, STORM_NEW },
		{ 500, 20, 999, 1000, 600, STORM_MORE },
	};
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		assert_int_equal(storm_decide(cases[i].earlier, cases[i].threshold,
					      cases[i].last_storm, cases[i].now, cases[i].window),
				 cases[i].want);
}

static void test_sender_key(void **state)
{
	char *k = storm_sender_key(" Ann.Example@Example.ORG ");

	(void)state;
	assert_string_equal(k, "ann.example@example.org");
	g_free(k);
	assert_null(storm_sender_key(NULL));
	assert_null(storm_sender_key("  "));
}

/* ---- bounces ---- */

#define OUR_ID "PD-2026-000001.acknowledgement.abc123@pd.example.police.uk"

static const char dsn[] =
	"Return-Path: <>\r\n"
	"From: Mail Delivery System <MAILER-DAEMON@mx.example.org>\r\n"
	"To: disclosure@example.police.uk\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"Message-ID: <20261203.bounce@mx.example.org>\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\r\n"
	"\r\n"
	"--b\r\nContent-Type: text/plain\r\n\r\nI'm sorry to have to inform you...\r\n"
	"--b\r\nContent-Type: message/delivery-status\r\n\r\n"
	"Reporting-MTA: dns; mx.example.org\r\n\r\n"
	"Final-Recipient: rfc822; ann@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
	"Diagnostic-Code: smtp; 550 5.1.1 <ann@example.org>: user unknown\r\n"
	"--b\r\nContent-Type: message/rfc822\r\n\r\n"
	"From: Disclosure <disclosure@example.police.uk>\r\n"
	"Message-ID:\r\n <" OUR_ID ">\r\n"
	"In-Reply-To: <request.1@example.org>\r\n"
	"Subject: PD-2026-000001\r\n\r\nWe received your request.\r\n"
	"--b--\r\n";

static void check_ids(const char *raw, size_t len, const char *const *want)
{
	char **ids = classify_bounce_ids(raw, len, NULL);
	size_t n = 0;

	while (want[n] != NULL) {
		assert_non_null(ids[n]);
		assert_string_equal(ids[n], want[n]);
		n++;
	}
	assert_null(ids[n]);
	g_strfreev(ids);
}

static void test_bounce_ids(void **state)
{
	static const char *const ours[] = { OUR_ID, NULL };
	static const char *const none[] = { NULL };
	(void)state;
	/* the DSN's own Message-ID is not taken; the folded one of the returned mail is, and
	   In-Reply-To (the requester's id) is not */
	check_ids(dsn, sizeof(dsn) - 1, ours);
	/* Gmail/Exchange: the original's headers quoted in the text, once each */
	const char *quoted = "From: postmaster@outlook.example\r\nSubject: Undeliverable\r\n\r\n"
			     "Original message headers:\r\n"
			     "  Message-Id: <" OUR_ID ">\r\n> MESSAGE-ID: <" OUR_ID ">\r\n"
			     "Original-Message-ID: <second@x.example>\r\n";
	static const char *const two[] = { OUR_ID, "second@x.example", NULL };
	check_ids(quoted, strlen(quoted), two);
	/* not ids: no @, a space, unterminated, the header only */
	const char *bad = "Subject: x\n\nMessage-ID: <no-at-sign>\nMessage-ID: <a b@c>\n"
			  "Message-ID: a@b\nMessage-ID: <open@end";
	check_ids(bad, strlen(bad), none);
	const char *header_only = "Message-ID: <" OUR_ID ">\r\nSubject: x\r\n";
	check_ids(header_only, strlen(header_only), none);
	/* the buffer's end is respected: an id cut by len is not taken */
	check_ids(dsn, sizeof(dsn) - 1 - strlen(OUR_ID ">\r\nIn-Reply-To: <request.1@example.org>"
						  "\r\nSubject: PD-2026-000001\r\n\r\nWe received "
						  "your request.\r\n--b--\r\n") + 5, none);
}

static void test_bounce_ids_bounded(void **state)
{
	GString *s = g_string_new("Subject: x\n\n");
	char **ids;

	(void)state;
	for (int i = 0; i < 100; i++)
		g_string_append_printf(s, "Message-ID: <id%d@x.example>\n", i);
	ids = classify_bounce_ids(s->str, s->len, NULL);
	assert_int_equal(g_strv_length(ids), PD_MAX_BOUNCE_IDS);
	g_strfreev(ids);
	/* the decoded text is searched too (a base64 body), without repeating an id */
	ids = classify_bounce_ids("Subject: x\n\nZm9v\n", 16, "Message-ID: <" OUR_ID ">\n");
	assert_int_equal(g_strv_length(ids), 1);
	assert_string_equal(ids[0], OUR_ID);
	g_strfreev(ids);
	g_string_free(s, TRUE);
}

static struct mime_message *parse(const char *raw)
{
	struct mime_message *m = NULL;
	char *error = NULL;

	if (!mime_parse(raw, strlen(raw), &m, &error))
		fail_msg("unparsable: %s", error);
	return m;
}

static void test_is_bounce(void **state)
{
	struct mime_message *m = parse(dsn);
	char *reason = classify_bounce_reason(dsn, sizeof(dsn) - 1);

	(void)state;
	assert_true(classify_is_bounce(m));
	assert_string_equal(reason, "status 5.1.1: smtp; 550 5.1.1 <ann@example.org>: user "
			    "unknown");
	g_free(reason);
	mime_message_free(&m);
	/* an out-of-office reply quotes our id in In-Reply-To but is no bounce */
	m = parse("From: bob@example.org\r\nAuto-Submitted: auto-replied\r\n"
		  "Subject: Automatic reply: PD-2026-000001\r\nIn-Reply-To: <" OUR_ID ">\r\n\r\n"
		  "I am away.\r\n");
	assert_false(classify_is_bounce(m));
	mime_message_free(&m);
	/* a read receipt is a report, not a failure */
	m = parse("From: bob@example.org\r\nContent-Type: multipart/report; "
		  "report-type=disposition-notification; boundary=b\r\n\r\n--b\r\n"
		  "Content-Type: text/plain\r\n\r\nRead.\r\n--b\r\nContent-Type: "
		  "message/disposition-notification\r\n\r\nDisposition: manual-action/"
		  "MDN-sent-manually; displayed\r\n--b--\r\n");
	assert_false(classify_is_bounce(m));
	mime_message_free(&m);
	reason = classify_bounce_reason("Subject: x\n\nsorry\n", 19);
	assert_string_equal(reason, "a delivery failure report (no standard status)");
	g_free(reason);
}

/* ---- the real bounces ---- */

struct corpus_counts {
	unsigned bounces, recognised, with_id, autoreplies, autoreply_as_bounce;
};

static void corpus_file(const char *dir, const char *name, struct corpus_counts *c)
{
	char *path = g_build_filename(dir, name, NULL), *raw, *error = NULL;
	struct mime_message *m = NULL;
	size_t len = 0;
	int bounce = g_str_has_prefix(name, "lhost-") || g_str_has_prefix(name, "rhost-") ||
		     g_str_has_prefix(name, "rfc3464-");

	raw = tu_read_file(path, &len);
	if (raw != NULL && mime_parse(raw, len, &m, &error)) {
		if (bounce) {
			char **ids = classify_bounce_ids(raw, len, m->body_text);
			c->bounces++;
			c->recognised += classify_is_bounce(m) ? 1 : 0;
			c->with_id += ids[0] != NULL ? 1 : 0;
			g_strfreev(ids);
		} else if (g_str_has_prefix(name, "rfc3834-")) {
			c->autoreplies++;
			c->autoreply_as_bounce += classify_is_bounce(m) ? 1 : 0;
		}
	}
	mime_message_free(&m);
	g_free(error);
	g_free(raw);
	g_free(path);
}

static void test_sisimai_corpus(void **state)
{
	char *dir = tu_corpora_path("sisimai/bsd");
	struct corpus_counts c = { 0 };
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	(void)state;
	if (d == NULL) {
		print_message("sisimai bounces: %s not found, skipping\n", dir);
		g_free(dir);
		skip();
	}
	while ((name = g_dir_read_name(d)) != NULL)
		corpus_file(dir, name, &c);
	g_dir_close(d);
	print_message("sisimai: %u bounces, %u recognised as bounces, %u naming a Message-ID of "
		      "the returned mail; %u auto-replies, %u taken for bounces\n", c.bounces,
		      c.recognised, c.with_id, c.autoreplies, c.autoreply_as_bounce);
	g_free(dir);
	assert_true(c.bounces > 500);
	/* floors measured on the corpus (see the README): a regression shows here */
	assert_true(c.recognised * 100 >= c.bounces * BOUNCE_RECOGNISED_PCT);
	assert_true(c.with_id * 100 >= c.bounces * BOUNCE_WITH_ID_PCT);
	assert_int_equal(c.autoreply_as_bounce, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_exhaustive_small),
		cmocka_unit_test(test_worked_sequences),
		cmocka_unit_test(test_decide_table),
		cmocka_unit_test(test_sender_key),
		cmocka_unit_test(test_bounce_ids),
		cmocka_unit_test(test_bounce_ids_bounded),
		cmocka_unit_test(test_is_bounce),
		cmocka_unit_test(test_sisimai_corpus),
	};
	int failed;

	mime_init();
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	mime_deinit();
	return failed;
}
