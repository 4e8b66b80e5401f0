/* Unit tests for the digest's sections (digest/digest.c) with a fixed "today", Thursday 3
   December 2026: overdue, due within 5 working days, extension decisions due, waiting for
   the requester, new since the last digest, replies not acted on, possible repeats, the
   coloured board and the weeks of the chart. Deadlines come from the shipped table; every
   date below was counted by hand (comments). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core.h"
#include "digest.h"
#include "testutil.h"

#define TODAY "2026-12-03"

/* A case as text. */
struct spec {
	const char *ref;
	enum case_state state;
	const char *kinds, *regime, *received, *identity_on, *stops, *extended_on;
	int64_t last_reply, last_team;
	int repeat;
	int64_t received_at;          /* Unix time for DIGEST_NEW; 0: long ago */
};

struct built {
	struct case_record rec[16];
	struct case_deadlines d[16];
	struct digest_case c[16];
	size_t n;
};

static void build(const struct spec *specs, size_t n, struct built *b)
{
	struct case_env env = { .table = tu_shipped, .today = tu_date(TODAY) };
	char *error = NULL;

	assert_true(n <= G_N_ELEMENTS(b->c));
	memset(b, 0, sizeof(*b));
	for (size_t i = 0; i < n; i++) {
		const struct spec *s = &specs[i];
		struct case_record *r = &b->rec[i];
		r->state = s->state;
		assert_true(case_kinds_parse(s->kinds, &r->kinds));
		assert_true(clock_regime_parse(s->regime, &r->regime));
		r->received = tu_date(s->received);
		r->identity_on = tu_date(s->identity_on);
		r->restart_on = tu_date(NULL);
		r->extended_on = tu_date(s->extended_on);
		r->reopened_on = tu_date(NULL);
		assert_true(case_stops_parse(s->stops != NULL ? s->stops : "", r));
		if (!case_deadlines_compute(&env, r, &b->d[i], &error))
			fail_msg("%s: %s", s->ref, error);
		b->c[i] = (struct digest_case){
			.id = (int64_t)i + 1, .reference = s->ref, .requester = "someone@public.test",
	  .rec = r,
			.d = &b->d[i], .received = s->received_at, .last_reply = s->last_reply,
			.last_team = s->last_team, .possible_repeat = s->repeat,
		};
	}
	b->n = n;
}

static void built_clear(struct built *b)
{
	for (size_t i = 0; i < b->n; i++) {
		case_deadlines_clear(&b->d[i]);
		case_record_clear(&b->rec[i]);
	}
}

#define OP CASE_OPEN
#define NOW 1796284800 /* Thu 3 Dec 2026 08:00 UTC */

static const struct spec specs[] = {
	/* Access from Thu 1 Oct: Sun 1 Nov -> Mon 2 Nov. Overdue: 23 working days past. */
	{ .ref = "PD-2026-000001", .state = OP, .kinds = "access", .regime = "general",
	  .received = "2026-10-01", .identity_on = "2026-10-01" },
	/* FOI from Thu 5 Nov: 1 Fri 6, 2-6 9-13, 7-11 16-20, 12-16 23-27, (Mon 30 Nov St
	   Andrew's), 17-20 Tue 1-Fri 4 Dec: due Fri 4 Dec, 1 working day left. */
	{ .ref = "PD-2026-000002", .state = OP, .kinds = "foi", .regime = "unknown",
	  .received = "2026-11-05" },
	/* Access from Tue 10 Nov: Thu 10 Dec; its first period ends then too: extension
	   decision due (4, 7, 8, 9, 10 Dec: 5 working days), and due within 5. */
	{ .ref = "PD-2026-000003", .state = OP, .kinds = "access", .regime = "general",
	  .received = "2026-11-10", .identity_on = "2026-11-10" },
	/* Waiting for identity since Tue 10 Nov: 23 days, more than 10: chase. */
	{ .ref = "PD-2026-000004", .state = CASE_AWAITING_IDENTITY, .kinds = "access",
	  .regime = "general",
	  .received = "2026-11-10" },
	/* A question sent on Mon 30 Nov: 3 days: not yet to chase. Access paused. */
	{ .ref = "PD-2026-000005", .state = CASE_AWAITING_CLARIFICATION,
	  .kinds = "access", .regime = "general",
	  .received = "2026-11-20", .identity_on = "2026-11-20", .stops = "2026-11-30:" },
	/* New today: FOI from Thu 3 Dec; on time. */
	{ .ref = "PD-2026-000006", .state = OP, .kinds = "foi", .regime = "unknown",
	  .received = "2026-12-03", .received_at = NOW },
	/* Answered, then the requester wrote and nobody acted: a reply not acted on. */
	{ .ref = "PD-2026-000007", .state = CASE_RESPONDED, .kinds = "access", .regime = "general",
	  .received = "2026-10-01", .identity_on = "2026-10-01", .last_reply = NOW - 3600,
	  .last_team = NOW - 86400 },
	/* Extended on 20 Nov: no extension decision due, not a repeat until flagged... */
	{ .ref = "PD-2026-000008", .state = CASE_EXTENDED, .kinds = "access", .regime = "general",
	  .received = "2026-11-06", .identity_on = "2026-11-06", .stops = NULL,
	  .extended_on = "2026-11-20", .repeat = 1 },
	/* Other: no time limit, so not on the board. A reply the team answered. */
	{ .ref = "PD-2026-000009", .state = OP, .kinds = "other", .regime = "unknown",
	  .received = "2026-11-30", .last_reply = NOW - 7200, .last_team = NOW - 3600 },
};

static int has(const GArray *rows, const char *ref)
{
	for (guint i = 0; i < rows->len; i++) {
		if (strcmp(g_array_index(rows, struct digest_row, i).c->reference, ref) == 0)
			return 1;
	}
	return 0;
}

static const struct digest_row *row(const GArray *rows, guint i)
{
	assert_true(i < rows->len);
	return &g_array_index(rows, struct digest_row, i);
}

static char *refs(const GArray *rows)
{
	GString *s = g_string_new(NULL);
	for (guint i = 0; i < rows->len; i++)
		g_string_append_printf(s, "%s%s", i ? " " : "",
				       g_array_index(rows, struct digest_row, i).c->reference + 8);
	return g_string_free(s, FALSE);
}

static void expect_section(const struct digest *d, enum digest_section s, const char *want)
{
	char *got = refs(d->section[s]);
	if (strcmp(got, want) != 0)
		fail_msg("%s: got \"%s\", expected \"%s\"", digest_section_title(s), got, want);
	g_free(got);
}

static void test_sections(void **state)
{
	struct built b;
	struct digest d;
	struct digest_input in = { .today = tu_date(TODAY), .since = NOW - 86400,
				   .chase_after = 10 };

	build(specs, G_N_ELEMENTS(specs), &b);
	in.cases = b.c;
	in.n_cases = b.n;
	digest_build(&in, &d);
	expect_section(&d, DIGEST_OVERDUE, "000001");
	expect_section(&d, DIGEST_DUE_SOON, "000002 000003");
	/* The FOI's public-interest extension must be notified by day 20 too (Fri 4 Dec). */
	expect_section(&d, DIGEST_EXTENSION_DUE, "000002 000003");
	expect_section(&d, DIGEST_CHASE, "000004");
	expect_section(&d, DIGEST_NEW, "000006");
	expect_section(&d, DIGEST_REPLIES, "000007");
	expect_section(&d, DIGEST_REPEATS, "000008");
	assert_false(d.nothing_due);
	/* Overdue in red, says so in words; 23 working days: Tue 3 Nov to Thu 3 Dec, less
	   St Andrew's Day (Mon 30 Nov). */
	const struct digest_row *r = row(d.section[DIGEST_OVERDUE], 0);
	assert_int_equal(r->colour, DIGEST_RED);
	assert_string_equal(r->status, "overdue");
	assert_int_equal(r->days_left, -22);
	tu_assert_date("due", "overdue", &r->due, "2026-11-02");
	/* Due soon in amber: the FOI with 1 working day, then access with 5. */
	r = row(d.section[DIGEST_DUE_SOON], 0);
	assert_int_equal(r->colour, DIGEST_AMBER);
	assert_int_equal(r->days_left, 1);
	assert_string_equal(row(d.section[DIGEST_DUE_SOON], 1)->status, "due soon");
	assert_int_equal(row(d.section[DIGEST_DUE_SOON], 1)->days_left, 5);
	tu_assert_date("ext", "extension", &row(d.section[DIGEST_EXTENSION_DUE], 1)->due,
		       "2026-12-10");
	/* The board: every open case with a running deadline, most urgent first; the FOI
	   opened today in green; the paused access case too; not "other", not the ended. */
	char *board = refs(d.board);
	assert_false(has(d.board, "PD-2026-000009") || has(d.board, "PD-2026-000007"));
	assert_true(has(d.board, "PD-2026-000005") && has(d.board, "PD-2026-000006"));
	assert_true(g_str_has_prefix(board, "000001 000002 000003"));
	g_free(board);
	assert_int_equal(row(d.board, d.board->len - 1)->colour, DIGEST_GREEN);
	/* The weeks from Monday 30 Nov: overdue and 4 Dec in this week, 10 Dec next week. */
	unsigned total = 0;
	for (int w = 0; w < 8; w++)
		total += d.weeks[w];
	assert_int_equal(total, d.board->len);
	assert_true(d.weeks[0] >= 2 && d.weeks[1] >= 1);
	digest_clear(&d);
	/* After a digest that saw cases 1-7, only 8 and 9 are new, though 6 arrived within the
	   day: the case ids decide, not times that may share a second. */
	in.since_case = 7;
	digest_build(&in, &d);
	expect_section(&d, DIGEST_NEW, "000008 000009");
	digest_clear(&d);
	built_clear(&b);
}

/* Nothing in any section nor any item: the digest says "nothing due". One failed notice is
   enough to say something. */
static void test_nothing_due(void **state)
{
	struct digest d;
	struct digest_item failed = { "PD-2026-000001", "notice acknowledgement failed", NOW };
	struct digest_input in = { .today = tu_date(TODAY), .since = NOW, .chase_after = 10 };

	digest_build(&in, &d);
	assert_true(d.nothing_due);
	assert_int_equal(d.board->len, 0);
	digest_clear(&d);
	in.items[DIGEST_FAILED] = &failed;
	in.n_items[DIGEST_FAILED] = 1;
	digest_build(&in, &d);
	assert_false(d.nothing_due);
	assert_int_equal(d.n_items[DIGEST_FAILED], 1);
	digest_clear(&d);
	assert_null(d.board);
}

/* A deadline of Friday seen on Monday is one working day overdue, not three days: the
   digest counts UK working days, whatever the right. */
static void test_weekend_overdue(void **state)
{
	struct built b;
	struct digest d;
	struct digest_input in = { .today = tu_date("2026-12-07"), .chase_after = 10 };

	build(&specs[1], 1, &b); /* the FOI due Fri 4 Dec */
	in.cases = b.c;
	in.n_cases = 1;
	digest_build(&in, &d);
	assert_int_equal(d.section[DIGEST_OVERDUE]->len, 1);
	assert_int_equal(row(d.section[DIGEST_OVERDUE], 0)->days_left, -1);
	digest_clear(&d);
	/* On the Friday itself: due today, 0 left, amber. */
	in.today = tu_date("2026-12-04");
	digest_build(&in, &d);
	assert_int_equal(row(d.section[DIGEST_DUE_SOON], 0)->days_left, 0);
	assert_int_equal(row(d.section[DIGEST_DUE_SOON], 0)->colour, DIGEST_AMBER);
	digest_clear(&d);
	built_clear(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_nothing_due),
		cmocka_unit_test(test_weekend_overdue),
	};
	return cmocka_run_group_tests(tests, tu_load_shipped, tu_free_shipped);
}
