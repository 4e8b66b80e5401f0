/* Unit tests for the statutory report (digest_report_*) and its charts (digest_chart_png).
   Thirty snapshot cases, written as text like test_lifecycle's, with their deadlines computed
   by case_deadlines_compute against tu_shipped (rules/deadlines.tsv) as of Mon 10 Aug 2026;
   the report covers Fri 1 May to Fri 31 Jul 2026, and every expected figure is worked out by
   hand beside it (domain-rules 3). Each case's due days are checked too, so the hand
   reckoning and the clock agree before the report is judged.
   2026 facts used: bank holidays Mon 4 May and Mon 25 May (all of the UK), Mon 13 Jul
   (Northern Ireland: 12 Jul is a Sunday), Mon 3 Aug (Scotland); so FOI/EIR working days
   skip all four, data-protection dates move only past the England and Wales ones. 1 May is
   a Friday, 1 Jun a Monday, 1 Jul a Wednesday. BST: a time at 23:30 UTC is the next
   London day. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <json-glib/json-glib.h>

#include "clock.h"
#include "digest.h"
#include "lifecycle.h"
#include "pd-limits.h"
#include "testutil.h"

/* ---- the seeded cases ---- */

#define TODAY "2026-08-10"
#define FROM "2026-05-01"
#define TO "2026-07-31"

struct case_spec {
	const char *ref;
	enum case_state state;
	const char *kinds, *regime, *complaint;
	const char *received;  /* the London day; delivered at 12:00 UTC unless `at` */
	const char *at;        /* the delivery time (ISO 8601) where the hour matters */
	const char *identity_on, *extended_on, *stops;
	const char *outcome, *ended; /* ended: a day, 12:00 UTC */
	const char *ack_sent;  /* a day (12:00 UTC) or an ISO 8601 time */
	const char *due;       /* each kind's due day in kind order, as the clock computes it */
};

/* Due days by hand: a month to the same date, then past a weekend or E&W bank holiday;
   FOI/EIR: the 20th UK working day after receipt (40th when extended); a complaint's
   internal target received + 30 days; its s164A acknowledgement received + 29. */
static const struct case_spec seed_specs[] = {
	/* access/general. Received 20 Apr (before the period), answered 12 May: due 20 May. */
	{ "PD-01", CASE_RESPONDED, "access", "general", NULL, "2026-04-20", NULL, NULL, NULL,
	  NULL, "full", "2026-05-12", NULL, "2026-05-20" },
	/* Identity 11 May: the clock starts then, due 11 Jun; answered 15 Jun, late. */
	{ "PD-02", CASE_RESPONDED, "access", "general", NULL, "2026-05-05", NULL, "2026-05-11",
	  NULL, NULL, "part", "2026-06-15", NULL, "2026-06-11" },
	/* First due 14 Jun (Sun) -> 15 Jun; extended 1 Jun: 3 months from 14 May = 14 Aug. */
	{ "PD-03", CASE_RESPONDED, "access", "general", NULL, "2026-05-14", NULL, NULL,
	  "2026-06-01", NULL, "full", "2026-07-20", NULL, "2026-08-14" },
	/* Received 27 Apr, still open: due 27 May, overdue at 31 Jul. */
	{ "PD-04", CASE_OPEN, "access", "general", NULL, "2026-04-27", NULL, NULL, NULL, NULL,
	  NULL, NULL, NULL, "2026-05-27" },
	/* Refused as excessive on Sat 20 Jun: due 10 Jul. */
	{ "PD-05", CASE_REFUSED, "access", "general", NULL, "2026-06-10", NULL, NULL, NULL,
	  NULL, "refused_excessive", "2026-06-20", NULL, "2026-07-10" },
	/* Two kinds, Part 3 (rules from 5 Feb 2026). Identity Fri 22 May: due 22 Jun; the
	   access clock stood stopped 1-5 Jun (5 days): 27 Jun (Sat) -> Mon 29 Jun; erasure has
	   no stop: 22 Jun. Answered 24 Jun: access on time, erasure late. */
	{ "PD-06", CASE_RESPONDED, "access,erasure", "law_enforcement", NULL, "2026-05-20", NULL,
	  "2026-05-22", NULL, "2026-06-01:2026-06-05", "full", "2026-06-24", NULL,
	  "2026-06-29 2026-06-22" },
	/* Part 3 access stopped 5-12 Jun (8 days): 2 Jul + 8 = 10 Jul; restricted 8 Jul. */
	{ "PD-07", CASE_RESPONDED, "access", "law_enforcement", NULL, "2026-06-02", NULL, NULL,
	  NULL, "2026-06-05:2026-06-12", "restricted", "2026-07-08", NULL, "2026-07-10" },
	/* Received 10 Jul, answered 5 Aug, after the period: open at its end, due 10 Aug. */
	{ "PD-08", CASE_RESPONDED, "access", "law_enforcement", NULL, "2026-07-10", NULL, NULL,
	  NULL, NULL, "full", "2026-08-05", NULL, "2026-08-10" },
	/* Regime not set, identity never came: no clock, open, never overdue. */
	{ "PD-09", CASE_AWAITING_IDENTITY, "access", "unknown", NULL, "2026-07-01", NULL, NULL,
	  NULL, NULL, NULL, NULL, NULL, "-" },
	/* Regime not set, withdrawn: the stricter of both, 6 Jun (Sat) -> 8 Jun. */
	{ "PD-10", CASE_WITHDRAWN, "access", "unknown", NULL, "2026-05-06", NULL, NULL, NULL,
	  NULL, "withdrawn", "2026-05-20", NULL, "2026-06-08" },
	/* Received and answered in April: nothing in the period, so no rectification row. */
	{ "PD-11", CASE_RESPONDED, "rectification", "general", NULL, "2026-04-01", NULL, NULL,
	  NULL, NULL, "full", "2026-04-20", NULL, "2026-05-01" },
	/* erasure/general: no action, 3 days (due 3 Aug: Scotland's holiday moves no E&W date). */
	{ "PD-12", CASE_REFUSED, "erasure", "general", NULL, "2026-07-03", NULL, NULL, NULL,
	  NULL, "no_action", "2026-07-06", NULL, "2026-08-03" },
	/* Refused as manifestly unfounded 30 Jun, due 11 Jun: late. */
	{ "PD-13", CASE_REFUSED, "erasure", "general", NULL, "2026-05-11", NULL, NULL, NULL,
	  NULL, "refused_manifestly_unfounded", "2026-06-30", NULL, "2026-06-11" },
	/* FOI delivered 23:30 UTC 30 Apr = 00:30 BST 1 May: received in the period. Day 1 Tue
	   5 May (4 May a holiday), 5-8 (4), 11-15 (9), 18-22 (14), 26-29 (18), 1 Jun (19),
	   2 Jun (20). */
	{ "PD-14", CASE_RESPONDED, "foi", "unknown", NULL, "2026-05-01", "2026-04-30T23:30:00Z",
	  NULL, NULL, NULL, "full", "2026-05-29", NULL, "2026-06-02" },
	/* 12-15 May (4), 18-22 (9), 26-29 (13), 1-5 Jun (18), 8 (19), 9 (20); answered that
	   day: on time. */
	{ "PD-15", CASE_RESPONDED, "foi", "unknown", NULL, "2026-05-11", NULL, NULL, NULL, NULL,
	  "part", "2026-06-09", NULL, "2026-06-09" },
	/* 2-5 Jun (4), 8-12 (9), 15-19 (14), 22-26 (19), 29 (20); refused 2 Jul: late. */
	{ "PD-16", CASE_REFUSED, "foi", "unknown", NULL, "2026-06-01", NULL, NULL, NULL, NULL,
	  "foi_refused", "2026-07-02", NULL, "2026-06-29" },
	/* 16-19 Jun (4), 22-26 (9), 29 Jun-3 Jul (14), 6-10 (19), 13 NI, 14 Jul (20). */
	{ "PD-17", CASE_RESPONDED, "foi", "unknown", NULL, "2026-06-15", NULL, NULL, NULL, NULL,
	  "not_held", "2026-07-14", NULL, "2026-07-14" },
	/* 23-26 Jun (4), 29 Jun-3 Jul (9), 6-10 (14), 14-17 (18), 20 (19), 21 Jul (20). */
	{ "PD-18", CASE_REFUSED, "foi", "unknown", NULL, "2026-06-22", NULL, NULL, NULL, NULL,
	  "cost_limit", "2026-07-10", NULL, "2026-07-21" },
	/* 2-3 Jul (2), 6-10 (7), 14-17 (11), 20-24 (16), 27-30 (20): due 30 Jul, ended 31st. */
	{ "PD-19", CASE_REFUSED, "foi", "unknown", NULL, "2026-07-01", NULL, NULL, NULL, NULL,
	  "vexatious", "2026-07-31", NULL, "2026-07-30" },
	/* Open: 7-10 Jul (4), 14-17 (8), 20-24 (13), 27-31 (18), 3 Aug Scotland, 4 (19), 5 Aug
	   (20): due after the period, not overdue. */
	{ "PD-20", CASE_OPEN, "foi", "unknown", NULL, "2026-07-06", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, "2026-08-05" },
	/* Open: 9-12 Jun (4), 15-19 (9), 22-26 (14), 29 Jun-3 Jul (19), 6 Jul (20): overdue. */
	{ "PD-21", CASE_OPEN, "foi", "unknown", NULL, "2026-06-08", NULL, NULL, NULL, NULL, NULL,
	  NULL, NULL, "2026-07-06" },
	/* Neither confirm nor deny, 2 days: 16-17 Jul (2), 20-24 (7), 27-31 (12), 4-7 Aug (16),
	   10-13 (20). */
	{ "PD-22", CASE_REFUSED, "foi", "unknown", NULL, "2026-07-15", NULL, NULL, NULL, NULL,
	  "ncnd", "2026-07-17", NULL, "2026-08-13" },
	/* EIR extended 1 Jun (notice due by day 20, 16 Jun): 19-22 May (4), 26-29 (8), 1-5 Jun
	   (13), 8-12 (18), 15 (19), 16 (20); 17-19 (23), 22-26 (28), 29 Jun-3 Jul (33), 6-10
	   (38), 14 (39), 15 Jul (40). Answered 1 Jul. */
	{ "PD-23", CASE_RESPONDED, "eir", "unknown", NULL, "2026-05-18", NULL, NULL,
	  "2026-06-01", NULL, "full", "2026-07-01", NULL, "2026-07-15" },
	/* Complaint before 19 Jun 2026: no statutory acknowledgement. Target 10 Jun + 30. */
	{ "PD-24", CASE_RESPONDED, "complaint", "unknown", "data_protection", "2026-06-10", NULL,
	  NULL, NULL, NULL, "full", "2026-06-30", "2026-06-10", "2026-07-10" },
	/* After: acknowledge by 22 Jun + 29 = 21 Jul; sent 22:30 UTC 21 Jul = 23:30 BST, that
	   same day: on time. Target 22 Jul passed: overdue at the end. */
	{ "PD-25", CASE_OPEN, "complaint", "unknown", "data_protection", "2026-06-22", NULL, NULL,
	  NULL, NULL, NULL, NULL, "2026-07-21T22:30:00Z", "2026-07-22" },
	/* Acknowledge by 1 Jul + 29 = 30 Jul; sent 23:30 UTC 30 Jul = 00:30 BST 31 Jul: late.
	   Target 31 Jul, the period's last day: due, not overdue. */
	{ "PD-26", CASE_OPEN, "complaint", "unknown", "data_protection", "2026-07-01", NULL, NULL,
	  NULL, NULL, NULL, NULL, "2026-07-30T23:30:00Z", "2026-07-31" },
	/* FOI internal review, 20 working days (a target): 9-10 Jul (2), 14-17 (6), 20-24 (11),
	   27-31 (16), 4-7 Aug (20). */
	{ "PD-27", CASE_RESPONDED, "complaint", "unknown", "foi_review", "2026-07-08", NULL, NULL,
	  NULL, NULL, "part", "2026-07-28", NULL, "2026-08-07" },
	/* A complaint about an officer: redirected to Professional Standards, no limit. */
	{ "PD-28", CASE_CLOSED, "complaint", "unknown", "conduct", "2026-05-15", NULL, NULL, NULL,
	  NULL, "redirected_conduct", "2026-05-15", NULL, "-" },
	/* Not a request: closed. */
	{ "PD-29", CASE_CLOSED, "other", "unknown", NULL, "2026-07-20", NULL, NULL, NULL, NULL,
	  "closed", "2026-07-21", NULL, "-" },
	/* Other mail answered after 42 days: no limit, so not late. */
	{ "PD-30", CASE_RESPONDED, "other", "unknown", NULL, "2026-05-04", NULL, NULL, NULL, NULL,
	  "full", "2026-06-15", NULL, "-" },
};
#define N_SEED G_N_ELEMENTS(seed_specs)

struct seed {
	struct case_record rec[N_SEED];
	struct case_deadlines d[N_SEED];
	struct digest_case c[N_SEED];
};

/* A day at 12:00 UTC (13:00 BST, the same London day), or an ISO 8601 time; NULL is 0. */
static int64_t unix_of(const char *s)
{
	GDateTime *t;
	int64_t u;

	if (s == NULL)
		return 0;
	if (strlen(s) == 10) {
		GDate d = tu_date(s);
		t = g_date_time_new_utc(g_date_get_year(&d), g_date_get_month(&d),
					g_date_get_day(&d), 12, 0, 0);
	} else {
		t = g_date_time_new_from_iso8601(s, NULL);
	}
	if (t == NULL)
		fail_msg("bad time in test: %s", s);
	u = g_date_time_to_unix(t);
	g_date_time_unref(t);
	return u;
}

static void rec_of(const struct case_spec *s, struct case_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->state = s->state;
	if (!case_kinds_parse(s->kinds, &rec->kinds))
		fail_msg("%s: bad kinds %s", s->ref, s->kinds);
	if (!clock_regime_parse(s->regime, &rec->regime))
		fail_msg("%s: bad regime %s", s->ref, s->regime);
	if (s->complaint != NULL && !clock_complaint_parse(s->complaint, &rec->complaint))
		fail_msg("%s: bad complaint type %s", s->ref, s->complaint);
	rec->received = tu_date(s->received);
	rec->identity_on = tu_date(s->identity_on);
	rec->restart_on = tu_date(NULL);
	rec->extended_on = tu_date(s->extended_on);
	rec->reopened_on = tu_date(NULL);
	if (s->stops != NULL && !case_stops_parse(s->stops, rec))
		fail_msg("%s: bad stops %s", s->ref, s->stops);
}

/* Each kind's due day, space-separated, as the spec writes them. */
static void check_due(const struct case_spec *s, const struct case_deadlines *d)
{
	GString *got = g_string_new(NULL);
	char buf[11];

	for (unsigned i = 0; i < d->n; i++)
		g_string_append_printf(got, "%s%s", i > 0 ? " " : "",
				       clock_date_iso(clock_result_due(&d->item[i].res), buf));
	if (strcmp(got->str, s->due) != 0)
		fail_msg("%s: due %s, the hand reckoning says %s", s->ref, got->str, s->due);
	g_string_free(got, TRUE);
}

static void case_of(const struct case_spec *spec, const struct case_env *env,
		    struct case_record *rec, struct case_deadlines *d, struct digest_case *c)
{
	char *error = NULL;

	rec_of(spec, rec);
	if (!case_deadlines_compute(env, rec, d, &error))
		fail_msg("%s: %s", spec->ref, error);
	check_due(spec, d);
	memset(c, 0, sizeof(*c));
	c->reference = spec->ref;
	c->rec = rec;
	c->d = d;
	c->outcome = spec->outcome;
	c->received = unix_of(spec->at != NULL ? spec->at : spec->received);
	c->ended = unix_of(spec->ended);
	c->ack_sent = unix_of(spec->ack_sent);
}

static struct seed *seed_build(void)
{
	struct case_env env = { .table = tu_shipped, .holidays = NULL, .today = tu_date(TODAY) };
	struct seed *s = g_new0(struct seed, 1);

	for (size_t i = 0; i < N_SEED; i++)
		case_of(&seed_specs[i], &env, &s->rec[i], &s->d[i], &s->c[i]);
	return s;
}

static void seed_free(struct seed **s)
{
	for (size_t i = 0; i < N_SEED; i++) {
		case_deadlines_clear(&(*s)->d[i]);
		case_record_clear(&(*s)->rec[i]);
	}
	g_free(*s);
	*s = NULL;
}

static void seed_report(const struct seed *s, struct digest_report *r)
{
	GDate from = tu_date(FROM), to = tu_date(TO);
	char *error = NULL;

	if (!digest_report_build(s->c, N_SEED, &from, &to, r, &error))
		fail_msg("report refused: %s", error);
}

/* ---- the expected rows ---- */

struct row_want {
	const char *kind, *regime, *complaint;
	unsigned received, completed, on_time;
	double median_start;
	int worst_start;
	double median_receipt;
	int worst_receipt;
	unsigned extended, unfounded, excessive, no_action, restricted, withdrawn, redirected,
		 closed, open, overdue;
	unsigned foi[REPORT_FOI_COUNT]; /* full, part, refused, not held, cost limit, vexatious,
					   ncnd, fee unpaid */
	unsigned acknowledged, ack_on_time;
};

static const struct row_want want_rows[] = {
	/* access/law_enforcement: received PD-06, 07, 08 (3). Completed PD-06 (24 Jun, access
	   due 29 Jun), PD-07 (8 Jul, due 10 Jul): 2, both on time; PD-08 ended 5 Aug, open at
	   the end, due 10 Aug: not overdue. From start: PD-06 22 May -> 24 Jun = 33, PD-07
	   2 Jun -> 8 Jul = 36: even count, median (33 + 36) / 2 = 34.5, worst 36. From receipt:
	   PD-06 20 May -> 24 Jun = 35, PD-07 36: 35.5, 36. PD-07 restricted. */
	{ "access", "law_enforcement", NULL, 3, 2, 2, 34.5, 36, 35.5, 36,
	  0, 0, 0, 0, 1, 0, 0, 0, 1, 0, { 0 }, 0, 0 },
	/* access/general: received PD-02, 03, 05 (PD-01 and 04 came in April): 3. Completed
	   PD-01 (12 May, due 20 May), PD-02 (15 Jun, due 11 Jun: late), PD-03 (20 Jul,
	   extended to 14 Aug), PD-05 (20 Jun, due 10 Jul): 4, on time 3. From start: PD-01
	   20 Apr -> 12 May = 22, PD-02 11 May -> 15 Jun = 35, PD-03 14 May -> 20 Jul = 67,
	   PD-05 10 Jun -> 20 Jun = 10: sorted 10 22 35 67, median 28.5, worst 67. From
	   receipt PD-02 is 5 May -> 15 Jun = 41: 10 22 41 67, median 31.5, worst 67. PD-03
	   extended 1 Jun; PD-05 refused as excessive; PD-04 open and overdue (due 27 May). */
	{ "access", "general", NULL, 3, 4, 3, 28.5, 67, 31.5, 67,
	  1, 0, 1, 0, 0, 0, 0, 0, 1, 1, { 0 }, 0, 0 },
	/* access/unknown: received PD-09, PD-10; PD-10 withdrawn (not completed); PD-09 open,
	   no clock: not overdue. */
	{ "access", "unknown", NULL, 2, 0, 0, 0, 0, 0, 0,
	  0, 0, 0, 0, 0, 1, 0, 0, 1, 0, { 0 }, 0, 0 },
	/* erasure/law_enforcement: PD-06 alone, due 22 Jun, answered 24 Jun: late. 33 days
	   from identity (22 May), 35 from receipt (20 May). */
	{ "erasure", "law_enforcement", NULL, 1, 1, 0, 33, 33, 35, 35,
	  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, 0, 0 },
	/* erasure/general: PD-12 no action after 3 days (due 3 Aug), PD-13 refused as
	   manifestly unfounded after 50 (11 May -> 30 Jun, due 11 Jun: late). Median
	   (3 + 50) / 2 = 26.5, worst 50, the same from receipt (no identity wait). */
	{ "erasure", "general", NULL, 2, 2, 1, 26.5, 50, 26.5, 50,
	  0, 1, 0, 1, 0, 0, 0, 0, 0, 0, { 0 }, 0, 0 },
	/* foi: received PD-14 (1 May BST) to PD-22: 9. Completed PD-14 full (28 days, on time),
	   15 part (29, on the day), 16 foi_refused (31, late), 17 not_held (29, on the day),
	   18 cost_limit (18), 19 vexatious (30, a day late), 22 ncnd (2): 7, on time 5.
	   Sorted 2 18 28 29 29 30 31: odd count, median 29, worst 31 (start = receipt: no
	   clarification). Refused: foi_refused; ncnd its own category. Open PD-20 (due 5 Aug)
	   and PD-21 (due 6 Jul: overdue). */
	{ "foi", "unknown", NULL, 9, 7, 5, 29, 31, 29, 31,
	  0, 0, 0, 0, 0, 0, 0, 0, 2, 1, { 1, 1, 1, 1, 1, 1, 1, 0 }, 0, 0 },
	/* eir: PD-23 extended 1 Jun, due 15 Jul, answered 1 Jul: 18 May -> 1 Jul = 44. */
	{ "eir", "unknown", NULL, 1, 1, 1, 44, 44, 44, 44,
	  1, 0, 0, 0, 0, 0, 0, 0, 0, 0, { 1, 0, 0, 0, 0, 0 }, 0, 0 },
	/* complaint/data_protection: received PD-24, 25, 26. PD-24 answered 30 Jun (target
	   10 Jul) after 20 days. Open PD-25 (target 22 Jul: overdue) and PD-26 (31 Jul: not).
	   Statutory acknowledgement: PD-25 and PD-26 (from 19 Jun), on time PD-25 only. */
	{ "complaint", "unknown", "data_protection", 3, 1, 1, 20, 20, 20, 20,
	  0, 0, 0, 0, 0, 0, 0, 0, 2, 1, { 0 }, 2, 1 },
	/* complaint/foi_review: PD-27, 8 -> 28 Jul = 20 days, target 7 Aug. */
	{ "complaint", "unknown", "foi_review", 1, 1, 1, 20, 20, 20, 20,
	  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, 0, 0 },
	/* complaint/conduct: PD-28 redirected on the day. */
	{ "complaint", "unknown", "conduct", 1, 0, 0, 0, 0, 0, 0,
	  0, 0, 0, 0, 0, 0, 1, 0, 0, 0, { 0 }, 0, 0 },
	/* other: PD-29 closed; PD-30 answered 4 May -> 15 Jun = 42 days, no limit: on time. */
	{ "other", "unknown", NULL, 2, 1, 1, 42, 42, 42, 42,
	  0, 0, 0, 0, 0, 0, 0, 1, 0, 0, { 0 }, 0, 0 },
};

/* Per case, not per kind (the month is about cases): received by month, PD-01, 04, 11
   before the period: May PD-02 03 06 10 13 14 15 23 28 30 (10), June 05 07 16 17 18 21 24
   25 (8), July 08 09 12 19 20 22 26 27 29 (9). Completed: May PD-01, 14 (both on time);
   June 02 (late) 05 06 (erasure late) 13 (late) 15 24 30: 7, on time 4; July 03 07 12 16
   (late) 17 18 19 (late) 22 23 27: 10, on time 8. */
static const struct report_month want_months[] = {
	{ 2026, 5, 10, 2, 2 }, { 2026, 6, 8, 7, 4 }, { 2026, 7, 9, 10, 8 },
};

static void check_row(const struct report_row *got, const struct row_want *w)
{
	const char *what = w->complaint != NULL ? w->complaint : w->regime;

	assert_string_equal(clock_kind_name(got->kind), w->kind);
	assert_string_equal(clock_regime_name(got->regime), w->regime);
	if (w->complaint != NULL)
		assert_string_equal(clock_complaint_name(got->complaint), w->complaint);
	if (got->received != w->received || got->completed != w->completed ||
	    got->on_time != w->on_time)
		fail_msg("%s/%s: received %u completed %u on time %u", w->kind, what,
			 got->received, got->completed, got->on_time);
	if (got->median_from_start != w->median_start || got->worst_from_start != w->worst_start ||
	    got->median_from_receipt != w->median_receipt ||
	    got->worst_from_receipt != w->worst_receipt)
		fail_msg("%s/%s: days %.1f/%d from start, %.1f/%d from receipt", w->kind, what,
			 got->median_from_start, got->worst_from_start, got->median_from_receipt,
			 got->worst_from_receipt);
	if (got->extended != w->extended || got->refused_unfounded != w->unfounded ||
	    got->refused_excessive != w->excessive || got->no_action != w->no_action ||
	    got->restricted != w->restricted || got->withdrawn != w->withdrawn ||
	    got->redirected != w->redirected || got->closed != w->closed)
		fail_msg("%s/%s: extended %u unfounded %u excessive %u no action %u restricted %u "
			 "withdrawn %u redirected %u closed %u", w->kind, what, got->extended,
			 got->refused_unfounded, got->refused_excessive, got->no_action,
			 got->restricted, got->withdrawn, got->redirected, got->closed);
	if (got->open_at_end != w->open || got->overdue_at_end != w->overdue)
		fail_msg("%s/%s: open %u overdue %u", w->kind, what, got->open_at_end,
			 got->overdue_at_end);
	for (int i = 0; i < REPORT_FOI_COUNT; i++) {
		if (got->foi[i] != w->foi[i])
			fail_msg("%s/%s: foi[%d] %u, want %u", w->kind, what, i, got->foi[i],
				 w->foi[i]);
	}
	if (got->acknowledged != w->acknowledged || got->ack_on_time != w->ack_on_time)
		fail_msg("%s/%s: acknowledged %u on time %u", w->kind, what, got->acknowledged,
			 got->ack_on_time);
}

static void test_report_rows(void **state)
{
	struct seed *s = seed_build();
	struct digest_report r;

	seed_report(s, &r);
	tu_assert_date("from", "report", &r.from, FROM);
	tu_assert_date("to", "report", &r.to, TO);
	/* No rectification row: PD-11 has nothing in the period. */
	assert_int_equal(r.rows->len, G_N_ELEMENTS(want_rows));
	for (guint i = 0; i < r.rows->len; i++)
		check_row(&g_array_index(r.rows, struct report_row, i), &want_rows[i]);
	assert_int_equal(r.months->len, G_N_ELEMENTS(want_months));
	for (guint i = 0; i < r.months->len; i++) {
		const struct report_month *m = &g_array_index(r.months, struct report_month, i);
		const struct report_month *w = &want_months[i];
		if (m->year != w->year || m->month != w->month || m->received != w->received ||
		    m->completed != w->completed || m->on_time != w->on_time)
			fail_msg("month %d-%02d: received %u completed %u on time %u", m->year,
				 m->month, m->received, m->completed, m->on_time);
	}
	digest_report_clear(&r);
	assert_null(r.rows);
	seed_free(&s);
}

/* ---- the rules at their edges, with small sets ---- */

static struct report_row only_row(const struct case_spec *specs, size_t n, const char *from,
				  const char *to, unsigned *rows_r)
{
	struct case_env env = { .table = tu_shipped, .holidays = NULL, .today = tu_date(TODAY) };
	struct case_record rec[4];
	struct case_deadlines d[4];
	struct digest_case c[4];
	struct digest_report r;
	GDate f = tu_date(from), t = tu_date(to);
	struct report_row row = { .kind = CLOCK_KIND_COUNT };

	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++)
		case_of(&specs[i], &env, &rec[i], &d[i], &c[i]);
	assert_true(digest_report_build(c, n, &f, &t, &r, NULL));
	*rows_r = r.rows->len;
	if (r.rows->len > 0)
		row = g_array_index(r.rows, struct report_row, 0);
	digest_report_clear(&r);
	for (size_t i = 0; i < n; i++) {
		case_deadlines_clear(&d[i]);
		case_record_clear(&rec[i]);
	}
	return row;
}

static void test_report_edges(void **state)
{
	/* Part 3 automated decisions have no extension (s50A-50D): notified or not, the row
	   reports none; UK GDPR access, extended the same day, one. */
	static const struct case_spec no_ext[] = {
		{ "X-1", CASE_OPEN, "automated_decision", "law_enforcement", NULL, "2026-05-04",
		  NULL, NULL, "2026-05-20", NULL, NULL, NULL, NULL, "2026-06-04" },
	};
	static const struct case_spec ext[] = {
		{ "X-2", CASE_EXTENDED, "access", "general", NULL, "2026-05-04", NULL, NULL,
		  "2026-05-20", NULL, NULL, NULL, NULL, "2026-08-04" },
	};
	/* Ended with no outcome recorded (before outcomes were kept): not completed, not open;
	   the row still shows it was received. */
	static const struct case_spec no_outcome[] = {
		{ "X-3", CASE_RESPONDED, "access", "general", NULL, "2026-05-04", NULL, NULL, NULL,
		  NULL, NULL, "2026-05-10", NULL, "2026-06-04" },
	};
	/* A case ended before the period and received before it: no row at all. */
	static const struct case_spec before[] = {
		{ "X-4", CASE_RESPONDED, "erasure", "general", NULL, "2026-03-02", NULL, NULL, NULL,
		  NULL, "full", "2026-03-20", NULL, "2026-04-02" },
	};
	struct report_row row;
	unsigned n;

	row = only_row(no_ext, 1, FROM, TO, &n);
	assert_int_equal(n, 1);
	assert_int_equal(row.kind, CLOCK_KIND_AUTOMATED_DECISION);
	assert_int_equal(row.extended, 0);
	row = only_row(ext, 1, FROM, TO, &n);
	assert_int_equal(row.extended, 1);
	/* Notified before the period: not this period's extension. */
	row = only_row(ext, 1, "2026-06-01", TO, &n);
	assert_int_equal(n, 1);
	assert_int_equal(row.extended, 0);
	assert_int_equal(row.open_at_end, 1);
	row = only_row(no_outcome, 1, FROM, TO, &n);
	assert_int_equal(row.received, 1);
	assert_int_equal(row.completed + row.withdrawn + row.closed + row.open_at_end, 0);
	row = only_row(before, 1, FROM, TO, &n);
	assert_int_equal(n, 0);
	/* One day, the day it was received: received, and open at the end of it. */
	row = only_row(ext, 1, "2026-05-04", "2026-05-04", &n);
	assert_int_equal(row.received, 1);
	assert_int_equal(row.open_at_end, 1);
	assert_int_equal(row.overdue_at_end, 0);
}

/* A snapshot without deadlines (none computed): nothing to be late against, so on time, and
   the clock taken to start on receipt. */
static void test_report_no_deadline(void **state)
{
	struct case_record rec = { .state = CASE_RESPONDED, .kinds = 1u,
				   .regime = CLOCK_REGIME_GENERAL, .stops = NULL };
	struct digest_case c = { .reference = "X-5", .rec = &rec, .d = NULL, .outcome = "full",
				 .received = unix_of("2026-05-04"),
				 .ended = unix_of("2026-06-14") };
	GDate from = tu_date(FROM), to = tu_date(TO);
	struct digest_report r;
	const struct report_row *row;

	rec.received = tu_date("2026-05-04");
	assert_true(digest_report_build(&c, 1, &from, &to, &r, NULL));
	assert_int_equal(r.rows->len, 1);
	row = &g_array_index(r.rows, struct report_row, 0);
	/* 4 May -> 14 Jun = 27 + 14 = 41 days, from receipt and so from the start. */
	assert_int_equal(row->completed, 1);
	assert_int_equal(row->on_time, 1);
	assert_true(row->median_from_start == 41 && row->median_from_receipt == 41);
	assert_int_equal(row->worst_from_start, 41);
	assert_int_equal(g_array_index(r.months, struct report_month, 1).on_time, 1);
	digest_report_clear(&r);
}

static void test_report_period(void **state)
{
	GDate from = tu_date("2026-12-15"), to = tu_date("2027-02-03"), bad;
	struct digest_report r;
	char *error = NULL, *text;

	/* Three calendar months across a new year, every one listed though nothing came. */
	assert_true(digest_report_build(NULL, 0, &from, &to, &r, &error));
	assert_int_equal(r.rows->len, 0);
	assert_int_equal(r.months->len, 3);
	assert_int_equal(g_array_index(r.months, struct report_month, 0).year, 2026);
	assert_int_equal(g_array_index(r.months, struct report_month, 0).month, 12);
	assert_int_equal(g_array_index(r.months, struct report_month, 1).year, 2027);
	assert_int_equal(g_array_index(r.months, struct report_month, 1).month, 1);
	assert_int_equal(g_array_index(r.months, struct report_month, 2).month, 2);
	text = digest_report_text(&r);
	assert_non_null(strstr(text, "15 December 2026 to 3 February 2027"));
	assert_non_null(strstr(text, "No cases in the period."));
	g_free(text);
	digest_report_clear(&r);

	/* One day is a period; the day before is not. */
	assert_true(digest_report_build(NULL, 0, &from, &from, &r, &error));
	assert_int_equal(r.months->len, 1);
	digest_report_clear(&r);
	assert_false(digest_report_build(NULL, 0, &to, &from, &r, &error));
	assert_non_null(strstr(error, "2027-02-03"));
	assert_null(r.rows);
	g_free(error);
	error = NULL;
	g_date_clear(&bad, 1);
	assert_false(digest_report_build(NULL, 0, &bad, &to, &r, &error));
	g_free(error);
}

/* ---- CSV ---- */

/* One RFC 4180 line into its fields (quotes removed, "" unescaped). */
static GPtrArray *csv_split(const char *line)
{
	GPtrArray *fields = g_ptr_array_new_with_free_func(g_free);
	GString *f = g_string_new(NULL);
	int quoted = 0;

	for (const char *p = line;; p++) {
		if (quoted && *p == '"' && p[1] == '"') {
			g_string_append_c(f, '"');
			p++;
		} else if (*p == '"') {
			quoted = !quoted;
		} else if (*p == '\0' || (!quoted && *p == ',')) {
			g_ptr_array_add(fields, g_strdup(f->str));
			g_string_truncate(f, 0);
			if (*p == '\0')
				break;
		} else {
			g_string_append_c(f, *p);
		}
	}
	g_string_free(f, TRUE);
	return fields;
}

static void test_csv_field(void **state)
{
	static const struct { const char *in, *out; } quoting[] = {
		{ "plain", "plain" }, { "", "" }, { "a,b", "\"a,b\"" },
		{ "say \"no\"", "\"say \"\"no\"\"\"" }, { "two\r\nlines", "\"two\r\nlines\"" },
		{ "\"", "\"\"\"\"" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(quoting); i++) {
		char *q = digest_csv_field(quoting[i].in);
		GPtrArray *back = csv_split(q);
		assert_string_equal(q, quoting[i].out);
		/* And read back as the one field it was. */
		assert_int_equal(back->len, 1);
		assert_string_equal(back->pdata[0], quoting[i].in);
		g_ptr_array_free(back, TRUE);
		g_free(q);
	}
}

static void test_report_csv(void **state)
{
	struct seed *s = seed_build();
	struct digest_report r;
	char *csv, **lines;
	GPtrArray *header, *fields;
	guint n;

	seed_report(s, &r);
	csv = digest_report_csv(&r);
	/* CRLF line ends, the last line ended too: rows + header + the empty tail. */
	lines = g_strsplit(csv, "\r\n", -1);
	n = g_strv_length(lines);
	assert_int_equal(n, r.rows->len + 2);
	assert_string_equal(lines[n - 1], "");
	header = csv_split(lines[0]);
	assert_string_equal(header->pdata[0], "kind");
	for (const char *const *name = (const char *const[]){ "regime", "complaint", "label",
		"received", "completed", "on_time", "on_time_pct", "median_from_start",
		"worst_from_receipt", "extended", "refused_unfounded", "closed", "open_at_end",
		"overdue_at_end", "foi_cost_limit", "foi_vexatious", "ack_on_time", NULL };
	     *name != NULL; name++) {
		if (!g_ptr_array_find_with_equal_func(header, *name, g_str_equal, NULL))
			fail_msg("CSV header has no %s column", *name);
	}
	/* Every line has the header's fields; the first row is access/law_enforcement, its
	   label quoted for its comma, its percentage with one decimal. */
	for (guint i = 1; i + 1 < n; i++) {
		fields = csv_split(lines[i]);
		assert_int_equal(fields->len, header->len);
		g_ptr_array_free(fields, TRUE);
	}
	assert_true(g_str_has_prefix(lines[1], "access,law_enforcement,,\"Subject access, DPA "
					       "2018 Part 3\",3,2,2,100.0,34.5,36,35.5,36,"));
	/* access/unknown: nothing completed, so no percentage and no days: empty fields. */
	assert_true(g_str_has_prefix(lines[3], "access,unknown,,\"Subject access, regime not "
					       "yet decided\",2,0,0,,,,,,"));
	g_ptr_array_free(header, TRUE);
	g_strfreev(lines);
	g_free(csv);
	digest_report_clear(&r);
	seed_free(&s);
}

/* ---- JSON ---- */

static double member_number(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (n == NULL || JSON_NODE_TYPE(n) != JSON_NODE_VALUE)
		fail_msg("JSON: %s missing or not a number", name);
	return json_node_get_double(n);
}

static void check_json_row(JsonObject *o, const struct report_row *w)
{
	const char *foi[REPORT_FOI_COUNT] = { "foi_full", "foi_part", "foi_refused",
		"foi_not_held", "foi_cost_limit", "foi_vexatious", "foi_ncnd", "foi_fee_unpaid" };
	const struct { const char *name; unsigned value; } counts[] = {
		{ "received", w->received }, { "completed", w->completed },
		{ "on_time", w->on_time }, { "extended", w->extended },
		{ "refused_unfounded", w->refused_unfounded },
		{ "refused_excessive", w->refused_excessive }, { "no_action", w->no_action },
		{ "restricted", w->restricted }, { "withdrawn", w->withdrawn },
		{ "redirected", w->redirected }, { "closed", w->closed },
		{ "open_at_end", w->open_at_end }, { "overdue_at_end", w->overdue_at_end },
		{ "acknowledged", w->acknowledged }, { "ack_on_time", w->ack_on_time },
	};

	assert_string_equal(json_object_get_string_member(o, "kind"), clock_kind_name(w->kind));
	assert_string_equal(json_object_get_string_member(o, "regime"),
			    clock_regime_name(w->regime));
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++)
		assert_int_equal((unsigned)member_number(o, counts[i].name), counts[i].value);
	for (int i = 0; i < REPORT_FOI_COUNT; i++)
		assert_int_equal((unsigned)member_number(o, foi[i]), w->foi[i]);
	if (w->completed == 0) {
		assert_true(json_object_get_null_member(o, "on_time_pct"));
		assert_true(json_object_get_null_member(o, "median_from_start"));
		return;
	}
	assert_true(fabs(member_number(o, "on_time_pct") - 100.0 * w->on_time / w->completed) <
		    0.05);
	assert_true(member_number(o, "median_from_start") == w->median_from_start);
	assert_true(member_number(o, "median_from_receipt") == w->median_from_receipt);
	assert_int_equal((int)member_number(o, "worst_from_start"), w->worst_from_start);
	assert_int_equal((int)member_number(o, "worst_from_receipt"), w->worst_from_receipt);
}

static void test_report_json(void **state)
{
	struct seed *s = seed_build();
	struct digest_report r;
	JsonParser *parser = json_parser_new();
	GError *gerr = NULL;
	JsonObject *root;
	JsonArray *rows, *months;
	char *json;

	seed_report(s, &r);
	json = digest_report_json(&r);
	if (!json_parser_load_from_data(parser, json, -1, &gerr))
		fail_msg("JSON does not parse: %s\n%s", gerr->message, json);
	root = json_node_get_object(json_parser_get_root(parser));
	assert_string_equal(json_object_get_string_member(root, "from"), FROM);
	assert_string_equal(json_object_get_string_member(root, "to"), TO);
	rows = json_object_get_array_member(root, "rows");
	assert_int_equal(json_array_get_length(rows), r.rows->len);
	for (guint i = 0; i < r.rows->len; i++)
		check_json_row(json_array_get_object_element(rows, i),
			       &g_array_index(r.rows, struct report_row, i));
	/* A complaint row names its type; the others have none. */
	assert_string_equal(json_object_get_string_member(json_array_get_object_element(rows, 7),
							  "complaint"), "data_protection");
	assert_true(json_object_get_null_member(json_array_get_object_element(rows, 0),
						"complaint"));
	months = json_object_get_array_member(root, "months");
	assert_int_equal(json_array_get_length(months), 3);
	for (guint i = 0; i < 3; i++) {
		JsonObject *m = json_array_get_object_element(months, i);
		assert_int_equal((int)member_number(m, "month"), want_months[i].month);
		assert_int_equal((unsigned)member_number(m, "received"), want_months[i].received);
		assert_int_equal((unsigned)member_number(m, "completed"), want_months[i].completed);
		assert_int_equal((unsigned)member_number(m, "on_time"), want_months[i].on_time);
	}
	/* June: 4 of 7 on time = 57.142..., published as 57.1. */
	assert_true(member_number(json_array_get_object_element(months, 1), "on_time_pct") ==
		    57.1);
	g_object_unref(parser);
	g_free(json);
	digest_report_clear(&r);
	seed_free(&s);
}

/* ---- text ---- */

static void test_report_text(void **state)
{
	struct seed *s = seed_build();
	struct digest_report r;
	char *text, **lines;
	size_t width = 0;
	guint i, table_lines = 0;

	seed_report(s, &r);
	text = digest_report_text(&r);
	lines = g_strsplit(text, "\n", -1);
	assert_string_equal(lines[0], "Statutory report, 1 May 2026 to 31 July 2026 "
			    "(Europe/London days)");
	/* The main table: a header and a line per row, all the same width (aligned, the last
	   column right-aligned), until the blank line. */
	for (i = 2; lines[i] != NULL && lines[i][0] != '\0'; i++) {
		if (width == 0)
			width = strlen(lines[i]);
		assert_int_equal(strlen(lines[i]), width);
		table_lines++;
	}
	assert_int_equal(table_lines, r.rows->len + 1);
	assert_true(g_str_has_prefix(lines[2], "kind "));
	/* access/general: 3 received, 4 completed, 3 on time (75.0%), 28.5 / 67, 31.5 / 67. */
	assert_true(g_str_has_prefix(lines[4], "access "));
	assert_non_null(strstr(lines[4], " general "));
	assert_non_null(strstr(lines[4], "  75.0%  "));
	assert_non_null(strstr(lines[4], "28.5 / 67"));
	assert_non_null(strstr(lines[4], "31.5 / 67"));
	assert_non_null(strstr(text, "FOI and EIR decisions"));
	assert_non_null(strstr(text, "Complaints"));
	assert_non_null(strstr(text, "June 2026"));
	tu_assert_clean(text, 100000, 1);
	g_strfreev(lines);
	g_free(text);
	digest_report_clear(&r);
	seed_free(&s);
}

/* ---- charts ---- */

struct png_reader {
	const unsigned char *data;
	size_t len, at;
};

static cairo_status_t png_read(void *closure, unsigned char *out, unsigned int n)
{
	struct png_reader *rd = closure;

	if (rd->len - rd->at < n)
		return CAIRO_STATUS_READ_ERROR;
	memcpy(out, rd->data + rd->at, n);
	rd->at += n;
	return CAIRO_STATUS_SUCCESS;
}

/* The PNG decoded, checked to be width x height. */
static cairo_surface_t *png_decode(const char *png, size_t len, int width, int height)
{
	struct png_reader rd = { (const unsigned char *)png, len, 0 };
	cairo_surface_t *img = cairo_image_surface_create_from_png_stream(png_read, &rd);

	assert_int_equal(cairo_surface_status(img), CAIRO_STATUS_SUCCESS);
	assert_int_equal(cairo_image_surface_get_width(img), width);
	assert_int_equal(cairo_image_surface_get_height(img), height);
	cairo_surface_flush(img);
	return img;
}

static uint32_t pixel(cairo_surface_t *img, int x, int y)
{
	const unsigned char *row = cairo_image_surface_get_data(img) +
				   (size_t)y * (size_t)cairo_image_surface_get_stride(img);
	return ((const uint32_t *)(const void *)row)[x] & 0xffffffu;
}

/* Pixels of exactly rgb in column x. */
static int column_count(cairo_surface_t *img, int x, uint32_t rgb)
{
	int n = 0;

	for (int y = 0; y < cairo_image_surface_get_height(img); y++)
		n += pixel(img, x, y) == rgb;
	return n;
}

/* The first and last column holding rgb, -1 when none does. */
static void colour_columns(cairo_surface_t *img, uint32_t rgb, int *first, int *last)
{
	*first = *last = -1;
	for (int x = 0; x < cairo_image_surface_get_width(img); x++) {
		if (column_count(img, x, rgb) == 0)
			continue;
		if (*first < 0)
			*first = x;
		*last = x;
	}
}

static char *chart(const double *values, const char *const *colours, const double *line,
		   size_t n, int width, int height, size_t *len_r)
{
	static const char *const labels[] = { "May 2026", "June 2026", "July 2026",
					      "August 2026", "September 2026" };
	char *png = NULL, *error = NULL;

	if (!digest_chart_png("Requests received", labels, values, colours, line, n, width,
			      height, &png, len_r, &error))
		fail_msg("chart refused: %s", error);
	return png;
}

static void test_chart_bars(void **state)
{
	static const double values[] = { 10, 0, 5, 20, 3 };
	static const char *const colours[] = { "#b00020", "#1b5e20", "#ff8f00", "#4a148c",
						"#00838f" };
	static const uint32_t rgb[] = { 0xb00020, 0x1b5e20, 0xff8f00, 0x4a148c, 0x00838f };
	size_t len;
	char *png = chart(values, colours, NULL, 5, 600, 400, &len);
	cairo_surface_t *img = png_decode(png, len, 600, 400);
	int first[5], last[5], height[5];

	for (int i = 0; i < 5; i++) {
		colour_columns(img, rgb[i], &first[i], &last[i]);
		if (values[i] == 0) {
			/* A 0 is its value written above the axis, in no bar colour. */
			assert_int_equal(first[i], -1);
			continue;
		}
		if (first[i] < 0)
			fail_msg("bar %d's colour %s is nowhere", i + 1, colours[i]);
		/* The bar is solid: its colour all the way across and in its middle column. */
		height[i] = column_count(img, (first[i] + last[i]) / 2, rgb[i]);
		assert_true(height[i] > 0);
		assert_int_equal(column_count(img, first[i], rgb[i]), height[i]);
	}
	/* Left to right in order, with the empty slot of bar 2 between bars 1 and 3. */
	assert_true(last[0] < first[2] && last[2] < first[3] && last[3] < first[4]);
	assert_true(first[2] - last[0] > (first[3] - last[2]) * 3 / 2);
	/* Heights in proportion: 20 is twice 10 and four times 5 (within a pixel's rounding). */
	assert_true(abs(height[3] - 2 * height[0]) <= 2);
	assert_true(abs(height[3] - 4 * height[2]) <= 3);
	cairo_surface_destroy(img);
	g_free(png);
}

static void test_chart_line_and_determinism(void **state)
{
	static const double values[] = { 10, 0, 5, 20 };
	static const char *const colours[] = { "#b00020", "#b00020", "#b00020", "#b00020" };
	static const double line[] = { 50, NAN, 75, 100 };
	size_t len_a, len_b, len_c;
	char *a = chart(values, colours, NULL, 4, 500, 300, &len_a);
	char *b = chart(values, colours, line, 4, 500, 300, &len_b);
	char *c = chart(values, colours, line, 4, 500, 300, &len_c);
	cairo_surface_t *ia = png_decode(a, len_a, 500, 300), *ib = png_decode(b, len_b, 500, 300);
	cairo_surface_t *ic = png_decode(c, len_c, 500, 300);
	int differ = 0, right_differ = 0;

	for (int y = 0; y < 300; y++) {
		for (int x = 0; x < 500; x++) {
			/* The same input draws the same pixels. */
			assert_int_equal(pixel(ib, x, y), pixel(ic, x, y));
			if (pixel(ia, x, y) != pixel(ib, x, y)) {
				differ++;
				right_differ += x >= 450;
			}
		}
	}
	/* The line, its points and its own axis on the right ("100%"). */
	assert_true(differ > 300);
	assert_true(right_differ > 30);
	cairo_surface_destroy(ia);
	cairo_surface_destroy(ib);
	cairo_surface_destroy(ic);
	g_free(a);
	g_free(b);
	g_free(c);
}

static void test_chart_colours(void **state)
{
	static const char *const bad_colours[] = { "red", "#b0002", "#b000201", "#g00020",
						   "b00020", "#b00020 ", "" };
	const double values[2] = { 1, 2 };
	const char *colours[2] = { "#0b0c0c", NULL };
	char *png = NULL, *error = NULL;
	size_t len = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(bad_colours); i++) {
		colours[1] = bad_colours[i];
		assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, 400, 300, &png,
					      &len, &error));
		assert_non_null(strstr(error, "colour"));
		assert_null(png);
		g_clear_pointer(&error, g_free);
	}
	colours[1] = NULL;
	assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, 400, 300, &png, &len,
				      &error));
	g_clear_pointer(&error, g_free);
}

static void test_chart_bounds(void **state)
{
	double values[DIGEST_CHART_MAX_BARS + 1] = { 1, 2 };
	const char *colours[DIGEST_CHART_MAX_BARS + 1];
	double line[2] = { 50, 101 };
	char *png = NULL, *error = NULL;
	size_t len = 0;

	for (int i = 0; i <= DIGEST_CHART_MAX_BARS; i++)
		colours[i] = "#0b0c0c";
	/* Too many bars, sides out of 200..2000, a line value out of 0-100, a value below 0,
	   a label that is not UTF-8. */
	assert_false(digest_chart_png("t", NULL, values, colours, NULL,
				      DIGEST_CHART_MAX_BARS + 1, 800, 400, &png, &len, &error));
	assert_non_null(strstr(error, "bars"));
	g_clear_pointer(&error, g_free);
	for (int i = 0; i < 4; i++) {
		static const int sizes[4][2] = { { 199, 300 }, { 2001, 300 }, { 400, 199 },
						 { 400, 2001 } };
		assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, sizes[i][0],
					      sizes[i][1], &png, &len, &error));
		g_clear_pointer(&error, g_free);
	}
	assert_false(digest_chart_png("t", NULL, values, colours, line, 2, 400, 300, &png, &len,
				      &error));
	g_clear_pointer(&error, g_free);
	values[1] = -1;
	assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, 400, 300, &png, &len,
				      &error));
	g_clear_pointer(&error, g_free);
	values[1] = 2e12;
	assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, 400, 300, &png, &len,
				      &error));
	g_clear_pointer(&error, g_free);
	values[1] = NAN;
	assert_false(digest_chart_png("t", NULL, values, colours, NULL, 2, 400, 300, &png, &len,
				      &error));
	g_clear_pointer(&error, g_free);
	values[1] = 2;
	assert_false(digest_chart_png("t", (const char *const[]){ "ok", "\xff" }, values,
				      colours, NULL, 2, 400, 300, &png, &len, &error));
	g_clear_pointer(&error, g_free);
	assert_null(png);
	/* The bounds themselves are fine: 60 bars at the smallest size. */
	for (int i = 0; i < DIGEST_CHART_MAX_BARS; i++)
		values[i] = i;
	assert_true(digest_chart_png(NULL, NULL, values, colours, NULL, DIGEST_CHART_MAX_BARS,
				     DIGEST_CHART_MIN_SIDE, DIGEST_CHART_MIN_SIDE, &png, &len,
				     &error));
	cairo_surface_destroy(png_decode(png, len, DIGEST_CHART_MIN_SIDE, DIGEST_CHART_MIN_SIDE));
	g_free(png);
	/* And no bars at the largest: the axes alone. */
	assert_true(digest_chart_png("Nothing yet", NULL, NULL, NULL, NULL, 0,
				     DIGEST_CHART_MAX_SIDE, DIGEST_CHART_MAX_SIDE, &png, &len,
				     &error));
	cairo_surface_destroy(png_decode(png, len, DIGEST_CHART_MAX_SIDE, DIGEST_CHART_MAX_SIDE));
	g_free(png);
}

static int teardown(void **state)
{
	/* cairo keeps fonts and caches for the process; give them back for valgrind. This is
	   also the regression test of digest_chart_deinit, which pdgate calls at exit: under
	   ASan (tests-san) and valgrind a leak of those caches fails this binary. */
	digest_chart_deinit();
	return tu_free_shipped(state);
}

/* The decisions of domain-rules 4 in the report: a lapsed fee and neither-confirm-nor-deny
   have their own FOI categories; on a data-protection row, NCND (s45(4)) and restricting
   instead of erasing (s47(2)) count as restricted, a refusal on the merits as completed. */
static void test_report_decision_outcomes(void **state)
{
	static const struct case_spec specs[] = {
		/* FOI 1 Jun, fees notice 2 Jun never paid: closed 2 Sep (three months). The
		   fee days stand still, so no due day passed. */
		{ "PD-A", CASE_CLOSED, "foi", "unknown", NULL, "2026-06-01", NULL, NULL, NULL,
		  NULL, "fee_unpaid", "2026-09-02", NULL, NULL },
		{ "PD-B", CASE_RESPONDED, "foi", "unknown", NULL, "2026-06-01", NULL, NULL, NULL,
		  NULL, "ncnd", "2026-06-10", NULL, NULL },
		{ "PD-C", CASE_RESPONDED, "access", "law_enforcement", NULL, "2026-06-01", NULL,
		  "2026-06-01", NULL, NULL, "ncnd", "2026-06-10", NULL, NULL },
		{ "PD-D", CASE_RESPONDED, "erasure", "law_enforcement", NULL, "2026-06-01", NULL,
		  "2026-06-01", NULL, NULL, "restricted_instead", "2026-06-10", NULL, NULL },
		{ "PD-E", CASE_REFUSED, "rectification", "general", NULL, "2026-06-01", NULL,
		  "2026-06-01", NULL, NULL, "refused_rectification", "2026-06-10", NULL, NULL },
	};
	struct case_env env = { .table = tu_shipped, .today = tu_date("2026-10-01") };
	struct case_record rec[G_N_ELEMENTS(specs)];
	struct case_deadlines d[G_N_ELEMENTS(specs)];
	struct digest_case c[G_N_ELEMENTS(specs)];
	GDate from = tu_date("2026-06-01"), to = tu_date("2026-09-30");
	struct digest_report r;
	char *error = NULL;
	unsigned seen = 0;

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		rec_of(&specs[i], &rec[i]);
		if (i == 0) {
			rec[i].fee_on = tu_date("2026-06-02");
			rec[i].fee_paid_on = tu_date(NULL);
		}
		assert_int_equal(case_deadlines_compute(&env, &rec[i], &d[i], &error), 1);
		memset(&c[i], 0, sizeof(c[i]));
		c[i].reference = specs[i].ref;
		c[i].rec = &rec[i];
		c[i].d = &d[i];
		c[i].outcome = specs[i].outcome;
		c[i].received = unix_of(specs[i].received);
		c[i].ended = unix_of(specs[i].ended);
	}
	assert_int_equal(digest_report_build(c, G_N_ELEMENTS(specs), &from, &to, &r, &error), 1);
	for (guint i = 0; i < r.rows->len; i++) {
		const struct report_row *w = &g_array_index(r.rows, struct report_row, i);
		assert_int_equal(w->completed, w->received);
		if (w->kind == CLOCK_KIND_FOI) {
			assert_int_equal(w->foi[REPORT_FOI_FEE_UNPAID], 1);
			assert_int_equal(w->foi[REPORT_FOI_NCND], 1);
			assert_int_equal(w->foi[REPORT_FOI_REFUSED], 0);
			assert_int_equal(w->restricted, 0);
			seen |= 1;
		} else if (w->kind == CLOCK_KIND_ACCESS || w->kind == CLOCK_KIND_ERASURE) {
			assert_int_equal(w->restricted, 1);
			seen |= w->kind == CLOCK_KIND_ACCESS ? 2 : 4;
		} else if (w->kind == CLOCK_KIND_RECTIFICATION) {
			assert_int_equal(w->restricted, 0);
			seen |= 8;
		}
	}
	assert_int_equal(seen, 15);
	digest_report_clear(&r);
	for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
		case_deadlines_clear(&d[i]);
		case_record_clear(&rec[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_report_rows),
		cmocka_unit_test(test_report_edges),
		cmocka_unit_test(test_report_no_deadline),
		cmocka_unit_test(test_report_period),
		cmocka_unit_test(test_csv_field),
		cmocka_unit_test(test_report_csv),
		cmocka_unit_test(test_report_json),
		cmocka_unit_test(test_report_text),
		cmocka_unit_test(test_report_decision_outcomes),
		cmocka_unit_test(test_chart_bars),
		cmocka_unit_test(test_chart_line_and_determinism),
		cmocka_unit_test(test_chart_colours),
		cmocka_unit_test(test_chart_bounds),
	};

	return cmocka_run_group_tests(tests, tu_load_shipped, teardown);
}
