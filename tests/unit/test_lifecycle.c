/* Unit tests for lifecycle: names, kinds and stops as text, each case's deadlines as of a fixed
   "today" (every date computed by hand from domain-rules 2-3, the reasoning beside each row),
   every action from every state against the README table, the rules the actions enforce, and
   command-line parsing. The deadlines use the tu_shipped rules/deadlines.tsv, as test_clock does.
   2026 facts used throughout: Tue 17 Mar is a Northern Ireland holiday (so no FOI working day);
   Good Friday is 3 Apr and Easter Monday 6 Apr; 1 Apr is a Wednesday, 1 Jun a Monday. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "lifecycle.h"
#include "testutil.h"


/* ---- helpers ---- */


/* A case record as text, so the tables read like the store. NULL dates are cleared. */
struct rec_spec {
	enum case_state state;
	const char *kinds, *regime, *received;
	const char *identity_on, *restart_on, *extended_on;
	const char *stops; /* case_stops_format text, or NULL */
	const char *complaint; /* complaint type, NULL = data_protection */
	const char *reopened_on;
};

static void rec_make(const struct rec_spec *s, struct case_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->state = s->state;
	if (!case_kinds_parse(s->kinds, &rec->kinds))
		fail_msg("bad kinds in test: %s", s->kinds);
	if (!clock_regime_parse(s->regime, &rec->regime))
		fail_msg("bad regime in test: %s", s->regime);
	rec->received = tu_date(s->received);
	rec->identity_on = tu_date(s->identity_on);
	rec->restart_on = tu_date(s->restart_on);
	rec->extended_on = tu_date(s->extended_on);
	rec->reopened_on = tu_date(s->reopened_on);
	if (s->stops != NULL && !case_stops_parse(s->stops, rec))
		fail_msg("bad stops in test: %s", s->stops);
	if (s->complaint != NULL && !clock_complaint_parse(s->complaint, &rec->complaint))
		fail_msg("bad complaint type in test: %s", s->complaint);
}

static struct case_env env_on(const char *today, const struct clock_holiday_overrides *ov)
{
	struct case_env env = { .table = tu_shipped, .holidays = ov, .exemptions = tu_exemptions,
				.today = tu_date(today) };
	return env;
}

/* A team command as text; NULL fields take the "not given" value. */
struct cmd_spec {
	enum case_action action;
	const char *text, *ground, *regime, *kinds, *on;
	const char *exemptions, *outcome, *to, *complaint;
};

static void cmd_make(const struct cmd_spec *c, struct case_command *cmd)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->action = c->action;
	cmd->regime = CLOCK_REGIME_UNKNOWN;
	cmd->ground = CASE_GROUND_NONE;
	cmd->text = c->text;
	cmd->on = tu_date(c->on);
	if (c->ground != NULL && !case_ground_parse(c->ground, &cmd->ground))
		fail_msg("bad ground in test: %s", c->ground);
	if (c->regime != NULL && !clock_regime_parse(c->regime, &cmd->regime))
		fail_msg("bad regime in test: %s", c->regime);
	if (c->kinds != NULL && !case_kinds_parse(c->kinds, &cmd->kinds))
		fail_msg("bad kinds in test: %s", c->kinds);
	if (c->exemptions != NULL && !case_exemptions_parse(c->exemptions, &cmd->exemptions))
		fail_msg("bad exemptions in test: %s", c->exemptions);
	if (c->outcome != NULL && !case_outcome_parse(c->outcome, &cmd->outcome))
		fail_msg("bad outcome in test: %s", c->outcome);
	if (c->to != NULL && !case_redirect_parse(c->to, &cmd->redirect))
		fail_msg("bad redirect in test: %s", c->to);
	if (c->complaint != NULL && !clock_complaint_parse(c->complaint, &cmd->complaint))
		fail_msg("bad complaint type in test: %s", c->complaint);
}

/* ---- 1. names ---- */

static const char *const state_names[CASE_STATE_COUNT] = {
	"awaiting_identity", "awaiting_clarification", "open", "extended", "awaiting_fee",
	"responded", "refused", "withdrawn", "closed",
};

static const char *const action_names[CASE_ACTION_COUNT] = {
	"verify-identity", "request-identity", "clarify", "clarified", "set-regime", "set-kinds",
	"extend", "restrict", "refuse", "respond", "withdraw", "close", "note", "no-action",
	"lift-restriction", "set-complaint-type", "redirect", "assign", "reopen",
	"refuse-foi", "cost-limit", "vexatious", "refuse-eir", "ncnd", "refuse-rectification",
	"refuse-erasure", "restrict-instead-of-erase", "fee", "fee-paid", "fee-unpaid",
};

static void test_state_names(void **state)
{
	static const char *const unknown[] = { "", "pending", "open ", "awaiting", "end" };

	for (int i = 0; i < CASE_STATE_COUNT; i++) {
		enum case_state s = CASE_STATE_COUNT;
		assert_string_equal(case_state_name((enum case_state)i), state_names[i]);
		assert_true(case_state_parse(state_names[i], &s));
		assert_int_equal(s, i);
		/* The four ends are the last four states. */
		assert_int_equal(!!case_state_is_end((enum case_state)i), i >= CASE_RESPONDED);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
		enum case_state s;
		assert_false(case_state_parse(unknown[i], &s));
	}
}

static void test_action_names(void **state)
{
	static const char *const unknown[] = { "", "verify", "extend-now", "frobnicate", "notes" };

	for (int i = 0; i < CASE_ACTION_COUNT; i++) {
		enum case_action a = CASE_ACTION_COUNT;
		assert_string_equal(case_action_name((enum case_action)i), action_names[i]);
		assert_true(case_action_parse(action_names[i], &a));
		assert_int_equal(a, i);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(unknown); i++) {
		enum case_action a;
		assert_false(case_action_parse(unknown[i], &a));
	}
}

static void test_ground_and_clock_names(void **state)
{
	static const struct { enum case_ground ground; const char *name; } grounds[] = {
		{ CASE_GROUND_MANIFESTLY_UNFOUNDED, "manifestly_unfounded" },
		{ CASE_GROUND_EXCESSIVE, "excessive" },
	};
	/* The names of `pdgate case show --json` (README). */
	static const char *const clocks[] = { "running", "stopped", "not_started", "no_limit",
					      "ended" };
	enum case_ground g;

	for (size_t i = 0; i < G_N_ELEMENTS(grounds); i++) {
		assert_string_equal(case_ground_name(grounds[i].ground), grounds[i].name);
		assert_true(case_ground_parse(grounds[i].name, &g));
		assert_int_equal(g, grounds[i].ground);
	}
	/* Vexatious is FOI's word (s14), not a data-protection ground. */
	assert_false(case_ground_parse("vexatious", &g));
	assert_false(case_ground_parse("", &g));
	assert_false(case_ground_parse("manifestly unfounded", &g));
	for (size_t i = 0; i < G_N_ELEMENTS(clocks); i++)
		assert_string_equal(case_clock_name((enum case_clock)i), clocks[i]);
}

/* ---- kinds ---- */

static void test_kinds_round_trip(void **state)
{
	static const struct { const char *text; unsigned mask; const char *canonical; } rows[] = {
		/* The bits are the clock kinds: access 0, erasure 2. */
		{ "access,erasure", 0x5u, "access,erasure" },
		/* Any order in, sorted by name out (the form cases have always stored). */
		{ "erasure,access", 0x5u, "access,erasure" },
		{ "other", 0u, "other" },
		{ "automated_decision", 0x40u, "automated_decision" },
		{ "foi,eir,complaint", 0x380u, "complaint,eir,foi" },
		{ "access,rectification,erasure,restriction,portability,objection,"
		  "automated_decision", CASE_KINDS_DATA_PROTECTION,
		  "access,automated_decision,erasure,objection,portability,rectification,"
		  "restriction" },
	};
	static const char *const bad[] = { "acces", "access,bogus", "access;erasure", "ACCESS?" };
	unsigned k;

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++) {
		char *s;
		k = 12345;
		if (!case_kinds_parse(rows[i].text, &k))
			fail_msg("kinds \"%s\" refused", rows[i].text);
		assert_int_equal(k, rows[i].mask);
		s = case_kinds_string(k);
		assert_string_equal(s, rows[i].canonical);
		g_free(s);
	}
	/* Each single kind: its clock name is its text. */
	for (int i = CLOCK_KIND_ACCESS; i <= CLOCK_KIND_COMPLAINT; i++) {
		char *s = case_kinds_string(CASE_KIND_BIT(i));
		assert_string_equal(s, clock_kind_name((enum clock_kind)i));
		assert_true(case_kinds_parse(s, &k));
		assert_int_equal(k, CASE_KIND_BIT(i));
		g_free(s);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++)
		assert_false(case_kinds_parse(bad[i], &k));
}

static void test_kinds_identity_and_words(void **state)
{
	char *words[CLOCK_KIND_COMPLAINT + 1];
	char *both;

	/* domain-rules 2: every data-protection right needs identity, FOI/EIR/complaints none. */
	for (int i = CLOCK_KIND_ACCESS; i <= CLOCK_KIND_AUTOMATED_DECISION; i++) {
		assert_true(case_kinds_need_identity(CASE_KIND_BIT(i)));
		assert_true(case_kinds_need_identity(CASE_KIND_BIT(i) |
						     CASE_KIND_BIT(CLOCK_KIND_FOI)));
	}
	assert_false(case_kinds_need_identity(CASE_KIND_BIT(CLOCK_KIND_FOI)));
	assert_false(case_kinds_need_identity(CASE_KIND_BIT(CLOCK_KIND_EIR)));
	assert_false(case_kinds_need_identity(CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)));
	assert_false(case_kinds_need_identity(0x380u));
	assert_false(case_kinds_need_identity(0));

	/* Words for notices: every right requested non-empty, in plain and in a child's words,
	   no two kinds worded alike; a complaint and "other" have none ("asking for: your
	   complaint" reads wrongly: the notices say those in their own sentences). */
	for (int child = 0; child < 2; child++) {
		for (int i = CLOCK_KIND_ACCESS; i < CLOCK_KIND_COMPLAINT; i++) {
			words[i] = case_kinds_words(CASE_KIND_BIT(i), child);
			assert_non_null(words[i]);
			assert_true(words[i][0] != '\0');
			tu_assert_clean(words[i], 400, 0);
			for (int j = 0; j < i; j++)
				assert_string_not_equal(words[i], words[j]);
		}
		/* A child's words never say "personal data". */
		for (int i = CLOCK_KIND_ACCESS; child && i < CLOCK_KIND_COMPLAINT; i++)
			assert_null(strstr(words[i], "personal data"));
		/* Two kinds are joined for a sentence (lifecycle.h's example). */
		both = case_kinds_words(0x5u, child);
		assert_non_null(strstr(both, " and "));
		assert_non_null(strstr(both, words[CLOCK_KIND_ACCESS]));
		assert_non_null(strstr(both, words[CLOCK_KIND_ERASURE]));
		g_free(both);
		for (int i = CLOCK_KIND_ACCESS; i < CLOCK_KIND_COMPLAINT; i++)
			g_free(words[i]);
		both = case_kinds_words(CASE_KIND_BIT(CLOCK_KIND_COMPLAINT), child);
		assert_string_equal(both, "");
		g_free(both);
		both = case_kinds_words(0, child);
		assert_string_equal(both, "");
		g_free(both);
		/* A complaint alongside a request: only the request is worded. */
		both = case_kinds_words(CASE_KIND_BIT(CLOCK_KIND_COMPLAINT) | 1u, child);
		assert_null(strstr(both, " and "));
		g_free(both);
	}
	/* What a complaint about an earlier case is about. */
	assert_int_equal(case_complaint_about(CASE_KIND_BIT(CLOCK_KIND_FOI)),
			 CLOCK_COMPLAINT_FOI_REVIEW);
	assert_int_equal(case_complaint_about(CASE_KIND_BIT(CLOCK_KIND_EIR)),
			 CLOCK_COMPLAINT_EIR_RECONSIDERATION);
	assert_int_equal(case_complaint_about(CASE_KIND_BIT(CLOCK_KIND_ACCESS)),
			 CLOCK_COMPLAINT_DATA_PROTECTION);
	assert_int_equal(case_complaint_about(0), CLOCK_COMPLAINT_DATA_PROTECTION);
}

/* ---- 2. stops as text ---- */

static void test_stops_round_trip(void **state)
{
	static const struct { const char *text; unsigned n; int open; } good[] = {
		{ "2026-03-05:2026-03-12", 1, 0 },
		{ "2026-03-05:", 1, 1 },
		{ "2026-03-05:2026-03-05", 1, 0 },
		{ "2026-03-05:2026-03-12 2026-04-01:", 2, 1 },
		{ "2026-03-05:2026-03-06 2026-03-16:2026-03-18 2026-04-01:", 3, 1 },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		struct case_record rec = { .stops = NULL };
		const struct clock_stop *last;
		char *text;
		if (!case_stops_parse(good[i].text, &rec))
			fail_msg("stops \"%s\" refused", good[i].text);
		assert_non_null(rec.stops);
		assert_int_equal(rec.stops->len, good[i].n);
		last = &g_array_index(rec.stops, struct clock_stop, rec.stops->len - 1);
		assert_true(g_date_valid(&last->from));
		assert_int_equal(!g_date_valid(&last->to), good[i].open);
		text = case_stops_format(rec.stops);
		assert_string_equal(text, good[i].text);
		g_free(text);
		case_record_clear(&rec);
	}
}

static void test_stops_values_and_errors(void **state)
{
	/* Open stop only last (lifecycle.h: only the last one's `to` is cleared); wrong
	   separators; half dates; impossible dates. */
	static const char *const bad[] = {
		"x", "2026-03-05", "2026-03-05:2026-03-1", ":2026-03-12", "2026-02-30:2026-03-01",
		"2026-03-05:2026-03-12,2026-04-01:", "2026-03-05:2026-03-12:2026-03-13",
		"2026-03-05-2026-03-12", "2026-03-05: 2026-04-01:2026-04-02",
	};
	struct case_record rec = { .stops = NULL };
	struct clock_stop *s;
	char *text;

	assert_true(case_stops_parse("2026-03-05:2026-03-12 2026-04-01:", &rec));
	s = &g_array_index(rec.stops, struct clock_stop, 0);
	tu_assert_date("from", "stop 1", &s->from, "2026-03-05");
	tu_assert_date("to", "stop 1", &s->to, "2026-03-12");
	s = &g_array_index(rec.stops, struct clock_stop, 1);
	tu_assert_date("from", "stop 2", &s->from, "2026-04-01");
	tu_assert_date("to", "stop 2", &s->to, "-");
	/* Replacing: no stops at all is the empty text. */
	assert_true(case_stops_parse("", &rec));
	assert_true(rec.stops == NULL || rec.stops->len == 0);
	text = case_stops_format(rec.stops);
	assert_string_equal(text, "");
	g_free(text);
	text = case_stops_format(NULL);
	assert_string_equal(text, "");
	g_free(text);
	case_record_clear(&rec);

	for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
		struct case_record r = { .stops = NULL };
		if (case_stops_parse(bad[i], &r))
			fail_msg("malformed stops \"%s\" accepted", bad[i]);
		case_record_clear(&r);
	}
}

/* ---- 3. deadlines ---- */

struct want_dl {
	const char *kind;
	enum case_clock clock;
	const char *start;    /* NULL = not checked */
	const char *deadline; /* "-" = none */
	const char *notice;   /* extension_notice_by; NULL = not checked */
	const char *ext;      /* extended_deadline; NULL = "-" */
	int days;             /* days_left, unless no_days */
	int no_days;          /* has_days_left must be 0 */
	const char *refused;  /* substring of extension_refused; NULL = none */
	const char *ack;      /* acknowledge_by; NULL = not checked */
};

struct dl_case {
	const char *name;
	const char *today;
	struct rec_spec rec;
	unsigned n;
	struct want_dl want[2];
	const char *next;     /* kind of item[next], NULL = -1 */
	const char *next_due; /* case_deadlines_next() */
};

/* Short names that keep the table rows on one line. */
#define AI CASE_AWAITING_IDENTITY
#define AC CASE_AWAITING_CLARIFICATION
#define OP CASE_OPEN
#define EX CASE_EXTENDED
#define AF CASE_AWAITING_FEE
#define RUNNING CASE_CLOCK_RUNNING
#define STOPPED CASE_CLOCK_STOPPED
#define NOT_STARTED CASE_CLOCK_NOT_STARTED
#define NO_LIMIT CASE_CLOCK_NO_LIMIT
#define ENDED CASE_CLOCK_ENDED

/* Reused records: Part 3 access received Tue 3 Mar 2026 with identity, stopped 5-12 Mar
   (domain-rules 3.4); the same without a stop; waiting for identity; waiting for an answer
   since 5 Mar. FOI received Mon 2 Mar; "other" received 3 Mar. */
#define PART3_STOPPED(st) { st, "access", "law_enforcement", .received = "2026-03-03", \
			    .identity_on = "2026-03-03", .stops = "2026-03-05:2026-03-12" }
#define OPEN_PART3 { OP, "access", "law_enforcement", .received = "2026-03-03", \
		     .identity_on = "2026-03-03" }
#define NEW_PART3 { AI, "access", "law_enforcement", .received = "2026-03-03" }
#define OPEN_FOI { OP, "foi", "unknown", .received = "2026-03-02" }
#define OPEN_OTHER { OP, "other", "unknown", .received = "2026-03-03" }
#define WAITING_PART3 { AC, "access", "law_enforcement", .received = "2026-03-03", \
			.identity_on = "2026-03-03", .stops = "2026-03-05:" }

static const struct dl_case dl_cases[] = {
	/* domain-rules 3.4: Part 3 access from Tue 3 Mar 2026, stopped 5-12 Mar (8 days, both
	   ends): 3 Apr + 8 = Sat 11 Apr, Sun 12: Mon 13 Apr. Notice by the period's end, Sat
	   11 Apr. Days left from Fri 20 Mar: 11 to 31 Mar + 13 = 24. */
	{ "Part 3 access, closed stop", "2026-03-20", PART3_STOPPED(OP), 1,
	  { { "access", RUNNING, "2026-03-03", "2026-04-13", "2026-04-11", .days = 24 } },
	  "access", "2026-04-13" },
	/* Waiting since Thu 5 Mar, today 5 Mar: as if answered today, a 1-day stop: 3 Apr + 1 =
	   Sat 4 Apr, Sun 5, Easter Monday 6: Tue 7 Apr. 26 days to 31 Mar + 7 = 33. */
	{ "Part 3 access, stopped today", "2026-03-05",
	  { AC, "access", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03", .stops = "2026-03-05:" }, 1,
	  { { "access", STOPPED, "2026-03-03", "2026-04-07", "2026-04-04", .days = 33 } },
	  "access", "2026-04-07" },
	/* Same, today Tue 10 Mar: 5-10 Mar is 6 days: 3 Apr + 6 = Thu 9 Apr. 21 + 9 = 30. */
	{ "Part 3 access, stopped 6 days", "2026-03-10",
	  { AC, "access", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03", .stops = "2026-03-05:" }, 1,
	  { { "access", STOPPED, "2026-03-03", "2026-04-09", .days = 30 } },
	  "access", "2026-04-09" },
	/* UK GDPR, an earlier stop 5-6 Mar (2 days) and one open since Mon 16 Mar, today Wed 18
	   (3 days): 3 Apr + 5 = Wed 8 Apr. 13 days to 31 Mar + 8 = 21. */
	{ "GDPR access, two stops", "2026-03-18",
	  { AC, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-05:2026-03-06 2026-03-16:" }, 1,
	  { { "access", STOPPED, "2026-03-03", "2026-04-08", .days = 21 } },
	  "access", "2026-04-08" },
	/* Part 3 rectification has no stop (README: stopped "where the rule allows"), so it keeps
	   running: 3 Apr Good Friday, weekend, Easter Monday: Tue 7 Apr. 21 + 7 = 28. */
	{ "Part 3 rectification does not stop", "2026-03-10",
	  { AC, "rectification", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03", .stops = "2026-03-05:" }, 1,
	  { { "rectification", RUNNING, "2026-03-03", "2026-04-07", .days = 28 } },
	  "rectification", "2026-04-07" },
	/* Nor does UK GDPR erasure: the clarification stop is for access only (Art 12A). */
	{ "UK GDPR erasure does not stop", "2026-03-10",
	  { AC, "erasure", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-05:" }, 1,
	  { { "erasure", RUNNING, "2026-03-03", "2026-04-07", "2026-04-03", .days = 28 } },
	  "erasure", "2026-04-07" },
	/* Access and erasure waiting for the same answer: access paused, erasure running. */
	{ "access paused, erasure running", "2026-03-10",
	  { AC, "access,erasure", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03", .stops = "2026-03-05:" }, 2,
	  { { "access", STOPPED, "2026-03-03", "2026-04-09", .days = 30 },
	    { "erasure", RUNNING, "2026-03-03", "2026-04-07", .days = 28 } },
	  "erasure", "2026-04-07" },
	/* Identity asked for, none yet: the access clock has not started (domain-rules 2). */
	{ "awaiting identity, access only", "2026-03-10",
	  { AI, "access", "unknown", .received = "2026-03-03" }, 1,
	  { { "access", NOT_STARTED, .deadline = "-", .no_days = 1 } }, NULL, NULL },
	/* Same case with a FOI part: FOI needs no identity, so it runs from receipt Tue 3 Mar:
	   day 1 Wed 4, 2-3 Thu 5-Fri 6, 4-8 9-13, 9 Mon 16, (Tue 17 NI), 10-12 18-20,
	   13-17 23-27, 18 Mon 30, 19 Tue 31, 20 Wed 1 Apr. Working days after Tue 10 Mar:
	   11-13 (3), 16 (4), 18-20 (7), 23-27 (12), 30-31 (14), 1 Apr (15). */
	{ "awaiting identity, FOI runs", "2026-03-10",
	  { AI, "access,foi", "unknown", .received = "2026-03-03" }, 2,
	  { { "access", NOT_STARTED, .deadline = "-", .no_days = 1 },
	    { "foi", RUNNING, "2026-03-03", "2026-04-01", "2026-04-01", .days = 15 } },
	  "foi", "2026-04-01" },
	/* Identity received Tue 10 Mar: the clock starts then: Fri 10 Apr. From Fri 20 Mar:
	   11 + 10 = 21. */
	{ "identity later than receipt", "2026-03-20",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-10" }, 1,
	  { { "access", RUNNING, "2026-03-10", "2026-04-10", .days = 21 } },
	  "access", "2026-04-10" },
	/* Identity already known on Mon 2 Mar (domain-rules 2: a police employee), request Tue
	   3 Mar: the clock starts at the later, receipt: 3 Apr Good Friday, weekend, Easter
	   Monday: Tue 7 Apr; 21 + 7 = 28 days from 10 Mar. */
	{ "identity known before receipt", "2026-03-10",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-02" }, 1,
	  { { "access", RUNNING, "2026-03-03", "2026-04-07", .days = 28 } },
	  "access", "2026-04-07" },
	/* The FOI part ignores identity: Wed 1 Apr as above; working days after Fri 20 Mar:
	   23-27 (5), 30-31 (7), 1 Apr (8). FOI is due first. */
	{ "identity later, FOI from receipt", "2026-03-20",
	  { OP, "access,foi", "general", .received = "2026-03-03", .identity_on = "2026-03-10" },
	  2,
	  { { "access", RUNNING, "2026-03-10", "2026-04-10", .days = 21 },
	    { "foi", RUNNING, "2026-03-03", "2026-04-01", .days = 8 } },
	  "foi", "2026-04-01" },
	/* FOI from Mon 2 Mar: day 1 Tue 3, 2-4 4-6, 5-9 9-13, 10 Mon 16, (Tue 17 NI), 11-13
	   18-20, 14-18 23-27, 19 Mon 30, 20 Tue 31 Mar. Working days after Mon 16 Mar:
	   18-20 (3), 23-27 (8), 30-31 (10): not the 15 calendar days. */
	{ "FOI 20 working days", "2026-03-16",
	  { OP, "foi", "unknown", .received = "2026-03-02" }, 1,
	  { { "foi", RUNNING, "2026-03-02", "2026-03-31", "2026-03-31", .days = 10 } },
	  "foi", "2026-03-31" },
	/* Clarified Mon 9 Mar: 20 fresh working days from then: 1-4 Tue 10-Fri 13, 5 Mon 16,
	   (17), 6-8 18-20, 9-13 23-27, 14-15 30-31, 16-17 1-2 Apr, (Good Friday, Easter Monday)
	   18-20 Tue 7-Thu 9 Apr. The question's stop (4-9 Mar) is not a fee stop: ignored.
	   After Mon 16 Mar: 18-20 (3), 23-27 (8), 30-31 (10), 1-2 (12), 7-9 (15). */
	{ "FOI restarts on clarification", "2026-03-16",
	  { OP, "foi", "unknown", .received = "2026-03-02", .restart_on = "2026-03-09",
	    .stops = "2026-03-04:2026-03-09" }, 1,
	  { { "foi", RUNNING, "2026-03-09", "2026-04-09", .days = 15 } },
	  "foi", "2026-04-09" },
	/* A clarification stop never stops FOI (kinds changed after it, no restart): Tue 31 Mar
	   as if there were no stop; as a fee stop it would have moved to Thu 9 Apr. */
	{ "FOI ignores clarification stops", "2026-03-16",
	  { OP, "foi", "general", .received = "2026-03-02", .stops = "2026-03-05:2026-03-12" }, 1,
	  { { "foi", RUNNING, "2026-03-02", "2026-03-31", .days = 10 } },
	  "foi", "2026-03-31" },
	/* EIR counts like FOI: clarified Mon 9 Mar -> Thu 9 Apr, 15 working days left. */
	{ "EIR restarts on clarification", "2026-03-16",
	  { OP, "eir", "unknown", .received = "2026-03-02", .restart_on = "2026-03-09",
	    .stops = "2026-03-04:2026-03-09" }, 1,
	  { { "eir", RUNNING, "2026-03-09", "2026-04-09", .days = 15 } },
	  "eir", "2026-04-09" },
	/* EIR waiting for an answer: restarts on it, so not started (lifecycle.h). */
	{ "EIR waiting for clarification", "2026-03-06",
	  { AC, "eir", "unknown", .received = "2026-03-02", .stops = "2026-03-04:" }, 1,
	  { { "eir", NOT_STARTED, .deadline = "-", .no_days = 1 } }, NULL, NULL },
	/* Both waiting: access stopped 5-10 Mar (6 days): 3 Apr + 6 = Thu 9 Apr, 30 days; the
	   FOI part waits for the answer. */
	{ "access stopped, FOI waiting", "2026-03-10",
	  { AC, "access,foi", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-05:" }, 2,
	  { { "access", STOPPED, "2026-03-03", "2026-04-09", .days = 30 },
	    { "foi", NOT_STARTED, .deadline = "-", .no_days = 1 } },
	  "access", "2026-04-09" },
	/* Extended on Wed 1 Apr, within the first period (to Sat 11 Apr): 3 months from 3 Mar =
	   3 Jun + 8 stopped days = Thu 11 Jun. From Mon 20 Apr: 10 + 31 + 11 = 52. */
	{ "Part 3 extended in time", "2026-04-20",
	  { EX, "access", "law_enforcement", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .extended_on = "2026-04-01", .stops = "2026-03-05:2026-03-12" }, 1,
	  { { "access", RUNNING, "2026-03-03", "2026-04-13", "2026-04-11", "2026-06-11",
	      .days = 52 } },
	  "access", "2026-06-11" },
	/* Extended on Mon 13 Apr, the first deadline but after the period ended (Sat 11 Apr):
	   refused; due 13 Apr, 7 days overdue on 20 Apr. */
	{ "Part 3 extended too late", "2026-04-20",
	  { EX, "access", "law_enforcement", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .extended_on = "2026-04-13", .stops = "2026-03-05:2026-03-12" }, 1,
	  { { "access", RUNNING, "2026-03-03", "2026-04-13", "2026-04-11", .days = -7,
	      .refused = "11 April 2026" } },
	  "access", "2026-04-13" },
	/* Regime unknown, valid Sat 10 Jan 2026, before Part 3 had an extension (5 Feb): both
	   regimes give Tue 10 Feb, but the stricter allows no extension. 11 + 10 = 21 days. */
	{ "unknown regime before the change", "2026-01-20",
	  { EX, "access", "unknown", .received = "2026-01-10", .identity_on = "2026-01-10",
	    .extended_on = "2026-01-20" }, 1,
	  { { "access", RUNNING, "2026-01-10", "2026-02-10", "-", .days = 21,
	      .refused = "no extension" } },
	  "access", "2026-02-10" },
	/* The same under UK GDPR: extended to 10 Jan + 3 months = Fri 10 Apr. 11 + 28 + 31 + 10
	   = 80 days. */
	{ "general regime before the change", "2026-01-20",
	  { EX, "access", "general", .received = "2026-01-10", .identity_on = "2026-01-10",
	    .extended_on = "2026-01-20" }, 1,
	  { { "access", RUNNING, "2026-01-10", "2026-02-10", "2026-02-10", "2026-04-10",
	      .days = 80 } },
	  "access", "2026-04-10" },
	/* "other": no time limit, one item, nothing running. */
	{ "other", "2026-03-10",
	  { OP, "other", "unknown", .received = "2026-03-03" }, 1,
	  { { "other", NO_LIMIT, .deadline = "-", .no_days = 1 } }, NULL, NULL },
	/* Two kinds: access Tue 7 Apr (Good Friday, Easter Monday), 28 days from 10 Mar; FOI
	   Wed 1 Apr, 15 working days: FOI is next. */
	{ "access and FOI, FOI first", "2026-03-10",
	  { OP, "access,foi", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  2,
	  { { "access", RUNNING, "2026-03-03", "2026-04-07", .days = 28 },
	    { "foi", RUNNING, "2026-03-03", "2026-04-01", .days = 15 } },
	  "foi", "2026-04-01" },
	/* After a clarification 5-12 Mar: access Mon 13 Apr (24 days from 20 Mar); FOI afresh
	   from Thu 12 Mar: 1 Fri 13, 2 Mon 16, (17), 3-5 18-20, 6-10 23-27, 11-12 30-31,
	   13-14 1-2 Apr, (3, 6), 15-18 7-10, 19 Mon 13, 20 Tue 14 Apr; after Fri 20 Mar:
	   23-27 (5), 30-31 (7), 1-2 (9), 7-10 (13), 13 (14), 14 (15). Access is next. */
	{ "access and FOI, access first", "2026-03-20",
	  { OP, "access,foi", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .restart_on = "2026-03-12", .stops = "2026-03-05:2026-03-12" }, 2,
	  { { "access", RUNNING, "2026-03-03", "2026-04-13", .days = 24 },
	    { "foi", RUNNING, "2026-03-12", "2026-04-14", .days = 15 } },
	  "access", "2026-04-13" },
	/* Complaint about data protection: the outcome's internal target, 3 Mar + 30 days = Thu
	   2 Apr, a working day; 21 + 2 = 23 days. No statutory acknowledgement before s164A. */
	{ "complaint 30 days", "2026-03-10",
	  { OP, "complaint", "unknown", .received = "2026-03-03" }, 1,
	  { { "complaint", RUNNING, "2026-03-03", "2026-04-02", .days = 23, .ack = "-" } },
	  "complaint", "2026-04-02" },
	/* From 19 June 2026 (s164A): acknowledge within 30 days beginning with receipt, Mon 22
	   Jun: Tue 21 Jul; the target 22 Jul. */
	{ "complaint acknowledged under s164A", "2026-06-25",
	  { OP, "complaint", "general", .received = "2026-06-22" }, 1,
	  { { "complaint", RUNNING, "2026-06-22", "2026-07-22", .days = 27,
	      .ack = "2026-07-21" } },
	  "complaint", "2026-07-22" },
	/* FOI internal review from Mon 1 Jun 2026: Mon 29 Jun (a target); working days after
	   Mon 15 Jun: 16-19 (4), 22-26 (9), 29 (10). */
	{ "FOI internal review", "2026-06-15",
	  { OP, "complaint", "unknown", .received = "2026-06-01", .complaint = "foi_review" }, 1,
	  { { "complaint", RUNNING, "2026-06-01", "2026-06-29", "2026-06-29", .days = 10 } },
	  "complaint", "2026-06-29" },
	/* Reopened on Mon 20 Apr after a response: counted as a request of that day, Wed 20 May;
	   the old stop and extension count no more. 30 days from 20 Apr. */
	{ "reopened", "2026-04-20",
	  { OP, "access", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03", .reopened_on = "2026-04-20" }, 1,
	  { { "access", RUNNING, "2026-04-20", "2026-05-20", "2026-05-20", .days = 30 } },
	  "access", "2026-05-20" },
	/* A conduct complaint is not a disclosure matter: no clock. */
	{ "conduct complaint", "2026-06-15",
	  { OP, "complaint", "unknown", .received = "2026-06-01", .complaint = "conduct" }, 1,
	  { { "complaint", NO_LIMIT, .deadline = "-", .no_days = 1 } }, NULL, NULL },
	/* Responded: the Part 3 deadline (13 Apr) is kept for the record, nothing runs. */
	{ "responded", "2026-05-01", PART3_STOPPED(CASE_RESPONDED), 1,
	  { { "access", ENDED, "2026-03-03", "2026-04-13", .no_days = 1 } }, NULL, NULL },
	/* Withdrawn FOI: Tue 31 Mar kept. */
	{ "withdrawn", "2026-03-16",
	  { CASE_WITHDRAWN, "foi", "unknown", .received = "2026-03-02" }, 1,
	  { { "foi", ENDED, "2026-03-02", "2026-03-31", .no_days = 1 } }, NULL, NULL },
};

static const struct case_deadline *find_item(const struct case_deadlines *d, const char *kind,
					     const char *case_name)
{
	enum clock_kind k;

	if (!clock_kind_parse(kind, &k))
		fail_msg("%s: bad kind in test: %s", case_name, kind);
	for (unsigned i = 0; i < d->n; i++)
		if (d->item[i].kind == k)
			return &d->item[i];
	fail_msg("%s: no deadline for %s", case_name, kind);
	return NULL;
}

static void check_item(const struct case_deadline *it, const struct want_dl *w, const char *name)
{
	if (it->clock != w->clock)
		fail_msg("%s: %s clock: expected %s, got %s", name, w->kind,
			 case_clock_name(w->clock), case_clock_name(it->clock));
	if (w->start != NULL)
		tu_assert_date("start", name, &it->res.start, w->start);
	tu_assert_date("deadline", name, &it->res.deadline, w->deadline);
	if (w->notice != NULL)
		tu_assert_date("extension_notice_by", name, &it->res.extension_notice_by,
	  w->notice);
	tu_assert_date("extended_deadline", name, &it->res.extended_deadline,
		    w->ext != NULL ? w->ext : "-");
	if (w->no_days && it->has_days_left)
		fail_msg("%s: %s: unexpected days left %d", name, w->kind, it->days_left);
	if (!w->no_days && (!it->has_days_left || it->days_left != w->days))
		fail_msg("%s: %s: expected %d days left, got %d (has %d)", name, w->kind, w->days,
			 it->days_left, it->has_days_left);
	if (w->refused == NULL && it->res.extension_refused != NULL)
		fail_msg("%s: unexpected refusal: %s", name, it->res.extension_refused);
	if (w->refused != NULL && (it->res.extension_refused == NULL ||
				   strstr(it->res.extension_refused, w->refused) == NULL))
		fail_msg("%s: expected refusal with \"%s\", got \"%s\"", name, w->refused,
			 it->res.extension_refused != NULL ? it->res.extension_refused : "(none)");
	if (w->ack != NULL)
		tu_assert_date("acknowledge_by", name, &it->res.acknowledge_by, w->ack);
}

static void check_next(const struct case_deadlines *d, const struct dl_case *c)
{
	const GDate *due = case_deadlines_next(d);

	if (c->next == NULL) {
		if (d->next != -1 || due != NULL)
			fail_msg("%s: expected nothing next, got index %d", c->name, d->next);
		return;
	}
	if (d->next < 0 || (unsigned)d->next >= d->n || due == NULL)
		fail_msg("%s: expected %s next, got index %d", c->name, c->next, d->next);
	if (strcmp(clock_kind_name(d->item[d->next].kind), c->next) != 0)
		fail_msg("%s: expected %s next, got %s", c->name, c->next,
			 clock_kind_name(d->item[d->next].kind));
	tu_assert_date("next due", c->name, due, c->next_due);
}

static void run_dl_case(const struct dl_case *c)
{
	struct case_env env = env_on(c->today, NULL);
	struct case_record rec;
	struct case_deadlines d;
	char *error = NULL;

	rec_make(&c->rec, &rec);
	memset(&d, 0, sizeof(d));
	if (!case_deadlines_compute(&env, &rec, &d, &error))
		fail_msg("%s: %s", c->name, error);
	assert_null(error);
	if (d.n != c->n)
		fail_msg("%s: expected %u deadlines, got %u", c->name, c->n, d.n);
	for (unsigned i = 0; i < c->n; i++)
		check_item(find_item(&d, c->want[i].kind, c->name), &c->want[i], c->name);
	check_next(&d, c);
	case_deadlines_clear(&d);
	case_record_clear(&rec);
}

static void test_deadlines(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(dl_cases); i++)
		run_dl_case(&dl_cases[i]);
}

/* Dates out of order give no deadline: 0 with a reason. A reversed stop may be refused
   already when parsed. */
static void expect_compute_error(const struct rec_spec *s, const char *name)
{
	struct case_env env = env_on("2026-03-10", NULL);
	struct case_record rec = { .stops = NULL };
	struct case_deadlines d;
	char *error = NULL;

	if (s->stops != NULL && !case_stops_parse(s->stops, &rec)) {
		case_record_clear(&rec);
		return;
	}
	case_record_clear(&rec);
	rec_make(s, &rec);
	memset(&d, 0, sizeof(d));
	if (case_deadlines_compute(&env, &rec, &d, &error))
		fail_msg("%s: computed, expected an error", name);
	if (error == NULL || error[0] == '\0')
		fail_msg("%s: no error message", name);
	g_free(error);
	case_deadlines_clear(&d);
	case_record_clear(&rec);
}

static void test_deadline_errors(void **state)
{
	static const struct { const char *name; struct rec_spec rec; } rows[] = {
		/* Portability exists only under UK GDPR: no Part 3 rule in force. */
		{ "portability under Part 3", { OP, "portability", "law_enforcement",
		  .received = "2026-03-03", .identity_on = "2026-03-03" } },
		/* No day received: nothing to count from. */
		{ "no day received", { OP, "access", "general", .received = NULL } },
		/* Extended on 1 Mar, before the request of 3 Mar arrived. */
		{ "extended before receipt", { EX, "access", "general", .received = "2026-03-03",
		  .identity_on = "2026-03-03", .extended_on = "2026-03-01" } },
		/* A stop that ends (5 Mar) before it starts (12 Mar). */
		{ "reversed stop", { OP, "access", "general", .received = "2026-03-03",
		  .identity_on = "2026-03-03", .stops = "2026-03-12:2026-03-05" } },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(rows); i++)
		expect_compute_error(&rows[i].rec, rows[i].name);
}

/* The summary with the given holidays; *due_r gets the access deadline. */
static char *summary_with(const struct clock_holiday_overrides *ov, char due_r[static 11])
{
	static const struct rec_spec part3 = PART3_STOPPED(CASE_OPEN);
	struct case_env env = env_on("2026-03-20", ov);
	struct case_record rec;
	struct case_deadlines d;
	char *error = NULL, *s;

	rec_make(&part3, &rec);
	memset(&d, 0, sizeof(d));
	if (!case_deadlines_compute(&env, &rec, &d, &error))
		fail_msg("summary: %s", error);
	clock_date_iso(&find_item(&d, "access", "summary")->res.deadline, due_r);
	s = case_deadlines_summary(&d);
	assert_non_null(s);
	tu_assert_clean(s, 1000, 0);
	case_deadlines_clear(&d);
	case_record_clear(&rec);
	return s;
}

static void test_summary_holidays(void **state)
{
	struct clock_holiday_overrides ov = { .added = { NULL } };
	GDate day = tu_date("2026-04-13");
	char due[11];
	char *plain, *again, *scottish, *moved;

	/* Without overrides: Mon 13 Apr (domain-rules 3.4); the summary is canonical. */
	plain = summary_with(NULL, due);
	assert_string_equal(due, "2026-04-13");
	assert_non_null(strstr(plain, "2026-04-13"));
	again = summary_with(NULL, due);
	assert_string_equal(plain, again);
	/* A Scottish holiday on 13 Apr does not move a calendar-month deadline (E&W). */
	clock_overrides_add(&ov, CLOCK_CAL_SCOTLAND, &day, 0);
	scottish = summary_with(&ov, due);
	assert_string_equal(due, "2026-04-13");
	assert_string_equal(plain, scottish);
	/* An England-and-Wales one on 13 Apr moves it to Tue 14 Apr, and the summary says so. */
	clock_overrides_add(&ov, CLOCK_CAL_EW, &day, 0);
	moved = summary_with(&ov, due);
	assert_string_equal(due, "2026-04-14");
	assert_string_not_equal(plain, moved);
	assert_non_null(strstr(moved, "2026-04-14"));
	assert_null(strstr(moved, "2026-04-13"));
	clock_overrides_clear(&ov);
	g_free(plain);
	g_free(again);
	g_free(scottish);
	g_free(moved);
}

/* ---- 4. actions ---- */

/* Checks every successful change: a static event, a detail naming any state change. */
static void check_change(const char *name, enum case_state from, const struct case_change *ch)
{
	enum case_state to = ch->after.state;

	if (ch->event == NULL || ch->event[0] == '\0')
		fail_msg("%s: no event", name);
	if (ch->detail == NULL || ch->detail[0] == '\0')
		fail_msg("%s: no detail", name);
	tu_assert_clean(ch->detail, 2000, 1);
	if (to != from && (strstr(ch->detail, case_state_name(from)) == NULL ||
			   strstr(ch->detail, case_state_name(to)) == NULL))
		fail_msg("%s: detail \"%s\" does not say %s -> %s", name, ch->detail,
			 case_state_name(from), case_state_name(to));
}

/* Refused: 0, a reason, and nothing in the change to write. */
static void check_refused(const char *name, int ret, const char *error,
			  const struct case_change *ch)
{
	if (ret != 0)
		fail_msg("%s: allowed, expected a refusal", name);
	if (error == NULL || error[0] == '\0')
		fail_msg("%s: refused without a reason", name);
	tu_assert_clean(error, 2000, 1);
	if (ch->event != NULL || ch->detail != NULL || ch->notice != NULL || ch->warning != NULL)
		fail_msg("%s: refused but left a change to write", name);
}

/* Applies cmd; on success checks the change and that its event outlives case_change_clear
   (a static string: the sanitizer build catches a freed one). Returns the result. */
static int apply(const char *name, const struct case_env *env, const struct case_record *before,
		 const struct case_command *cmd, struct case_change *ch, char **error_r)
{
	int ret;

	memset(ch, 0, sizeof(*ch));
	*error_r = NULL;
	ret = lifecycle_apply(env, before, cmd, ch, error_r);
	if (ret == 1) {
		check_change(name, before->state, ch);
		assert_null(*error_r);
	} else {
		check_refused(name, ret, *error_r, ch);
	}
	return ret;
}

#define REF (-1)

/* The README table: the state each action leads to from each state, or REF. Columns:
   awaiting_identity, awaiting_clarification, open, extended, awaiting_fee, then the four
   ends. The decisions of domain-rules 4 (refuse-foi ... fee-unpaid) have their own table in
   test_decisions.c: each needs a case of its own kind. */
static const int matrix[CASE_REOPEN + 1][CASE_STATE_COUNT] = {
	[CASE_VERIFY_IDENTITY] = { OP, AC, OP, EX, AF, REF, REF, REF, REF },
	[CASE_REQUEST_IDENTITY] = { REF, REF, AI, REF, REF, REF, REF, REF, REF },
	[CASE_CLARIFY] = { REF, REF, AC, AC, REF, REF, REF, REF, REF },
	[CASE_CLARIFIED] = { REF, OP, REF, REF, REF, REF, REF, REF, REF },
	[CASE_SET_REGIME] = { AI, AC, OP, EX, AF, REF, REF, REF, REF },
	[CASE_SET_KINDS] = { AI, AC, OP, EX, AF, REF, REF, REF, REF },
	[CASE_EXTEND] = { REF, REF, EX, REF, REF, REF, REF, REF, REF },
	[CASE_RESTRICT] = { REF, CASE_RESPONDED, CASE_RESPONDED, CASE_RESPONDED, REF, REF,
	  REF, REF, REF },
	[CASE_REFUSE] = { CASE_REFUSED, CASE_REFUSED, CASE_REFUSED, CASE_REFUSED,
	  CASE_REFUSED, REF, REF, REF, REF },
	[CASE_RESPOND] = { REF, CASE_RESPONDED, CASE_RESPONDED, CASE_RESPONDED, REF, REF,
	  REF, REF, REF },
	[CASE_WITHDRAW] = { CASE_WITHDRAWN, CASE_WITHDRAWN, CASE_WITHDRAWN,
	  CASE_WITHDRAWN, CASE_WITHDRAWN, REF, REF, REF, REF },
	[CASE_CLOSE] = { CASE_CLOSED, CASE_CLOSED, CASE_CLOSED, CASE_CLOSED, CASE_CLOSED,
	  REF, REF, REF, REF },
	[CASE_NOTE] = { AI, AC, OP, EX, AF, CASE_RESPONDED, CASE_REFUSED, CASE_WITHDRAWN,
	  CASE_CLOSED },
	/* The matrix case is Part 3 access: no-action is UK GDPR only, lift-restriction is for
	   restriction requests only (their states are checked in apply_cases). */
	[CASE_NO_ACTION] = { REF, REF, REF, REF, REF, REF, REF, REF, REF },
	[CASE_LIFT_RESTRICTION] = { REF, REF, REF, REF, REF, REF, REF, REF, REF },
	/* ...and set-complaint-type is for complaints. */
	[CASE_SET_COMPLAINT_TYPE] = { REF, REF, REF, REF, REF, REF, REF, REF, REF },
	[CASE_REDIRECT] = { CASE_CLOSED, CASE_CLOSED, CASE_CLOSED, CASE_CLOSED,
	  CASE_CLOSED, REF, REF, REF, REF },
	[CASE_ASSIGN] = { AI, AC, OP, EX, AF, CASE_RESPONDED, CASE_REFUSED,
	  CASE_WITHDRAWN, CASE_CLOSED },
	[CASE_REOPEN] = { REF, REF, REF, REF, REF, OP, OP, OP, OP },
};

/* The notice each allowed action queues (README), NULL for none. */
static const char *const matrix_notice[CASE_ACTION_COUNT] = {
	[CASE_REQUEST_IDENTITY] = "identity_request",
	[CASE_CLARIFY] = "clarification_request",
	[CASE_EXTEND] = "extension_notice",
	[CASE_RESTRICT] = "restriction_notice",
	[CASE_REFUSE] = "refusal_notice",
	[CASE_RESPOND] = "response_cover",
	[CASE_WITHDRAW] = "withdrawal_confirmation",
	[CASE_REDIRECT] = "redirect_notice",
};

/* Beyond an action's own notice: the requester is told when the team's word starts the
   clock (identity verified) or moves a date they were told (the answer arrived, a kind
   added with its own date). */
static const char *expected_notice(int action, int state)
{
	if (action == CASE_VERIFY_IDENTITY && state == AI)
		return "clock_started";
	if (action == CASE_CLARIFIED)
		return "deadline_changed";
	/* Waiting for a fee, no data-protection clock runs: nothing moves. */
	if (action == CASE_SET_KINDS && state != AI && state != AF)
		return "deadline_changed";
	if (action == CASE_REOPEN)
		return "clock_started";
	return matrix_notice[action];
}

/* One command per action with everything it could need, so only the state decides. */
static const struct cmd_spec matrix_cmd[CASE_REOPEN + 1] = {
	[CASE_VERIFY_IDENTITY] = { CASE_VERIFY_IDENTITY, .on = "2026-03-03" },
	[CASE_REQUEST_IDENTITY] = { CASE_REQUEST_IDENTITY, .text = "passport unreadable" },
	[CASE_CLARIFY] = { CASE_CLARIFY, .text = "Which incident do you mean?" },
	[CASE_CLARIFIED] = { .action = CASE_CLARIFIED },
	[CASE_SET_REGIME] = { CASE_SET_REGIME, .regime = "general" },
	[CASE_SET_KINDS] = { CASE_SET_KINDS, .kinds = "access,erasure" },
	[CASE_EXTEND] = { CASE_EXTEND, .text = "complex: 40 hours of body-worn video" },
	[CASE_RESTRICT] = { CASE_RESTRICT, .text = "would prejudice an investigation" },
	[CASE_REFUSE] = { CASE_REFUSE, .text = "repeat of an answered request",
			  .ground = "excessive" },
	[CASE_RESPOND] = { CASE_RESPOND, .text = "sent by secure e-mail" },
	[CASE_WITHDRAW] = { CASE_WITHDRAW, .text = "the requester no longer wants it" },
	[CASE_CLOSE] = { CASE_CLOSE, .text = "not a request" },
	[CASE_NOTE] = { CASE_NOTE, .text = "phoned the requester" },
	[CASE_NO_ACTION] = { CASE_NO_ACTION, .text = "no data held" },
	[CASE_LIFT_RESTRICTION] = { CASE_LIFT_RESTRICTION, .on = "2026-03-20" },
	[CASE_SET_COMPLAINT_TYPE] = { CASE_SET_COMPLAINT_TYPE, .complaint = "foi_review" },
	[CASE_REDIRECT] = { CASE_REDIRECT, .to = "crime" },
	[CASE_ASSIGN] = { CASE_ASSIGN, .text = "jo.bloggs@force.police.uk" },
	[CASE_REOPEN] = { CASE_REOPEN, .text = "the requester says records are missing" },
};

/* A Part 3 access case received Tue 3 Mar 2026 in each state, seen on Tue 10 Mar: inside the
   first period (Tue 7 Apr), regime set, so every rule but the state is satisfied. */
static void matrix_record(enum case_state st, struct case_record *rec)
{
	struct rec_spec s = { st, "access", "law_enforcement", .received = "2026-03-03",
			      .identity_on = "2026-03-03" };

	if (st == AI)
		s.identity_on = NULL;
	if (st == AC)
		s.stops = "2026-03-05:";
	if (st == EX)
		s.extended_on = "2026-03-06";
	rec_make(&s, rec);
	if (st == AF)
		rec->fee_on = tu_date("2026-03-06");
}

static void test_matrix(void **state)
{
	struct case_env env = env_on("2026-03-10", NULL);
	unsigned allowed = 0, refused = 0;

	for (int a = 0; a <= CASE_REOPEN; a++) {
		for (int s = 0; s < CASE_STATE_COUNT; s++) {
			struct case_record before;
			struct case_command cmd;
			struct case_change ch;
			char *error = NULL, *name;
			const char *event;
			int ret;

			name = g_strdup_printf("%s from %s", action_names[a], state_names[s]);
			matrix_record((enum case_state)s, &before);
			cmd_make(&matrix_cmd[a], &cmd);
			ret = apply(name, &env, &before, &cmd, &ch, &error);
			if (ret != (matrix[a][s] != REF))
				fail_msg("%s: expected %s, got %s (%s)", name,
					 matrix[a][s] != REF ? "allowed" : "refused",
					 ret ? "allowed" : "refused", error != NULL ? error : "");
			if (ret && (int)ch.after.state != matrix[a][s])
				fail_msg("%s: expected %s, got %s", name, state_names[matrix[a][s]],
					 case_state_name(ch.after.state));
			if (ret && g_strcmp0(ch.notice, expected_notice(a, s)) != 0)
				fail_msg("%s: expected notice %s, got %s", name,
					 expected_notice(a, s) != NULL ? expected_notice(a, s) :
					 "(none)", ch.notice != NULL ? ch.notice : "(none)");
			/* A date notice always says why. */
			if (ret && (g_strcmp0(ch.notice, "clock_started") == 0 ||
				    g_strcmp0(ch.notice, "deadline_changed") == 0) &&
			    (ch.change_reason == NULL || ch.change_reason[0] == '\0'))
				fail_msg("%s: %s without a reason", name, ch.notice);
			assert_int_equal(before.state, s);
			event = ch.event;
			case_change_clear(&ch);
			if (ret)
				assert_true(strlen(event) > 0);
			if (ret)
				allowed++;
			else
				refused++;
			g_free(error);
			g_free(name);
			case_command_clear(&cmd);
			case_record_clear(&before);
		}
	}
	/* Counted from the README table: 68 of the 19 x 9 pairs are allowed. */
	assert_int_equal(allowed, 68);
	assert_int_equal(refused, 103);
}

/* One action on one case with what must come of it. */
struct apply_case {
	const char *name;
	const char *today;
	struct rec_spec before;
	struct cmd_spec cmd;
	int ok;
	enum case_state to;
	const char *notice;      /* when ok; NULL = none */
	const char *error_has;   /* substring of the refusal, or NULL */
	/* After the change, NULL = not checked, "-" = cleared. */
	const char *identity_on, *restart_on, *extended_on, *stops, *regime, *kinds;
	const char *warning_has; /* substring of the warning to the team; NULL = none */
	const char *complaint;   /* complaint type after; NULL = not checked */
	const char *owner;       /* the owner set; NULL = none */
	const char *outcome;     /* the outcome recorded ("" = cleared); NULL = none */
	const char *reopened_on;
};

static const struct apply_case apply_cases[] = {
	/* -- verify-identity, request-identity -- */
	/* Identity arrived Tue 3 Mar: valid from then, case open, and the requester is told the
	   date (they must never learn it only when it has passed). */
	{ "verify on 3 Mar", "2026-03-10", NEW_PART3,
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-03" }, .ok = 1, OP, "clock_started",
	  .identity_on = "2026-03-03" },
	/* No --on: today, Tue 10 Mar. */
	{ "verify today", "2026-03-10", NEW_PART3,
	  { .action = CASE_VERIFY_IDENTITY }, .ok = 1, OP, "clock_started",
	  .identity_on = "2026-03-10" },
	/* An earlier day corrected on an open case moves the date: deadline_changed. */
	{ "verify corrects the day", "2026-03-20",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-10" },
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-05" }, .ok = 1, OP, "deadline_changed",
	  .identity_on = "2026-03-05" },
	/* The same day again changes no date: nothing to tell. */
	{ "verify the same day", "2026-03-20",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-10" },
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-10" }, .ok = 1, OP, NULL,
	  .identity_on = "2026-03-10" },
	/* Wed 11 Mar is after today: never in the future. */
	{ "verify in the future", "2026-03-10", NEW_PART3,
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-11" }, .ok = 0 },
	/* Mon 2 Mar is before the request was received. */
	{ "verify before receipt", "2026-03-10", NEW_PART3,
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-02" }, .ok = 0 },
	/* FOI needs no identity: both identity actions need a data-protection kind. */
	{ "verify a FOI case", "2026-03-10", OPEN_FOI,
	  { CASE_VERIFY_IDENTITY, .on = "2026-03-03" }, .ok = 0 },
	{ "request identity on FOI", "2026-03-10", OPEN_FOI,
	  { CASE_REQUEST_IDENTITY, .text = "please send a passport" }, .ok = 0 },
	{ "request identity", "2026-03-10",
	  { OP, "access", "law_enforcement", .received = "2026-03-03" },
	  { CASE_REQUEST_IDENTITY, .text = "please send a passport" }, .ok = 1, AI,
	  "identity_request" },

	/* -- clarify -- */
	{ "clarify without a question", "2026-03-10", OPEN_PART3,
	  { .action = CASE_CLARIFY }, .ok = 0 },
	/* Question sent today, Tue 10 Mar: an open stop from 10 Mar. */
	{ "clarify today", "2026-03-10", OPEN_PART3,
	  { CASE_CLARIFY, .text = "Which incident?" }, .ok = 1, AC, "clarification_request",
	  .stops = "2026-03-10:" },
	/* Question sent Fri 6 Mar: the stop starts then. */
	{ "clarify on 6 Mar", "2026-03-10", OPEN_PART3,
	  { CASE_CLARIFY, .text = "Which incident?", .on = "2026-03-06" }, .ok = 1, AC,
	  "clarification_request", .stops = "2026-03-06:" },
	/* A second question: appended after the first (closed) stop. */
	{ "clarify again", "2026-03-10",
	  { OP, "access", "law_enforcement", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-04:2026-03-05" },
	  { CASE_CLARIFY, .text = "And which date?" }, .ok = 1, AC, "clarification_request",
	  .stops = "2026-03-04:2026-03-05 2026-03-10:" },
	{ "clarify in the future", "2026-03-10", OPEN_PART3,
	  { CASE_CLARIFY, .text = "Which incident?", .on = "2026-03-11" }, .ok = 0 },
	/* A question on an erasure request is allowed but stops no clock (Art 12A is for access):
	   the team is told. */
	{ "clarify erasure", "2026-03-10",
	  { OP, "erasure", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_CLARIFY, .text = "Which records?" }, .ok = 1, AC, "clarification_request",
	  .stops = "2026-03-10:", .warning_has = "access requests only" },
	/* With an access part, the access clock is paused: no warning. */
	{ "clarify access and erasure", "2026-03-10",
	  { OP, "access,erasure", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_CLARIFY, .text = "Which records?" }, .ok = 1, AC, "clarification_request",
	  .stops = "2026-03-10:" },

	/* -- clarified -- */
	/* Answer today, Thu 12 Mar: the stop closes on 12 Mar (both ends count); the requester
	   is told the new date, as the clarification request promised. */
	{ "clarified today", "2026-03-12", WAITING_PART3,
	  { .action = CASE_CLARIFIED }, .ok = 1, OP, "deadline_changed",
	  .stops = "2026-03-05:2026-03-12" },
	{ "clarified on 11 Mar", "2026-03-12", WAITING_PART3,
	  { CASE_CLARIFIED, .on = "2026-03-11" }, .ok = 1, OP, "deadline_changed",
	  .stops = "2026-03-05:2026-03-11" },
	/* An erasure request never stopped: the answer moves no date, nothing to tell. */
	{ "clarified erasure", "2026-03-12",
	  { AC, "erasure", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-05:" },
	  { .action = CASE_CLARIFIED }, .ok = 1, OP, NULL, .stops = "2026-03-05:2026-03-12" },
	/* Extended on 4 Mar before the question: back to extended, the extension kept. */
	{ "clarified back to extended", "2026-03-12",
	  { AC, "access", "law_enforcement", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .extended_on = "2026-03-04", .stops = "2026-03-05:" },
	  { .action = CASE_CLARIFIED }, .ok = 1, EX, "deadline_changed",
	  .extended_on = "2026-03-04", .stops = "2026-03-05:2026-03-12" },
	/* A FOI part starts afresh on the answer's day. */
	{ "clarified with FOI", "2026-03-12",
	  { AC, "access,foi", "general", .received = "2026-03-03", .identity_on = "2026-03-03",
	    .stops = "2026-03-05:" },
	  { .action = CASE_CLARIFIED }, .ok = 1, OP, "deadline_changed",
	  .restart_on = "2026-03-12", .stops = "2026-03-05:2026-03-12" },
	/* FOI starts afresh on the answer: its clock starts. */
	{ "clarified FOI on 9 Mar", "2026-03-12",
	  { AC, "foi", "unknown", .received = "2026-03-02", .stops = "2026-03-04:" },
	  { CASE_CLARIFIED, .on = "2026-03-09" }, .ok = 1, OP, "clock_started",
	  .restart_on = "2026-03-09" },
	/* FOI extended (public interest) on Thu 5 Mar, then a question the same day, answered
	   Thu 12 Mar: the clarified request is new, the old extension does not carry over. */
	{ "clarified FOI after an extension", "2026-03-12",
	  { AC, "foi", "unknown", .received = "2026-03-02", .extended_on = "2026-03-05",
	    .stops = "2026-03-05:" },
	  { .action = CASE_CLARIFIED }, .ok = 1, OP, "clock_started", .restart_on = "2026-03-12",
	  .extended_on = "-" },
	/* With an access part the extension stays for access; FOI starts afresh. */
	{ "clarified access and FOI after an extension", "2026-03-12",
	  { AC, "access,foi", "general", .received = "2026-03-02", .identity_on = "2026-03-02",
	    .extended_on = "2026-03-04", .stops = "2026-03-05:" },
	  { .action = CASE_CLARIFIED }, .ok = 1, EX, "deadline_changed",
	  .restart_on = "2026-03-12", .extended_on = "2026-03-04" },
	/* An answer on 4 Mar, before the question of 5 Mar: a stop cannot end before it starts. */
	{ "clarified before the question", "2026-03-12", WAITING_PART3,
	  { CASE_CLARIFIED, .on = "2026-03-04" }, .ok = 0 },
	{ "clarified in the future", "2026-03-12", WAITING_PART3,
	  { CASE_CLARIFIED, .on = "2026-03-13" }, .ok = 0 },

	/* -- extend -- */
	/* The first period ended Sat 11 Apr (3.4 example; the deadline moved to Mon 13 Apr, the
	   notice did not): on Mon 13 Apr too late, and the refusal names the date. */
	{ "extend on the moved deadline", "2026-04-13", PART3_STOPPED(OP),
	  { CASE_EXTEND, .text = "complex" }, .ok = 0, .error_has = "11 April 2026" },
	/* On the period's last day itself, a Saturday: granted, notified today. */
	{ "extend on the last day", "2026-04-11", PART3_STOPPED(OP),
	  { CASE_EXTEND, .text = "complex" }, .ok = 1, EX, "extension_notice",
	  .extended_on = "2026-04-11" },
	/* No stop: the period ends Fri 3 Apr (Good Friday), the deadline Tue 7 Apr: on Tue
	   7 Apr it is too late. */
	{ "extend after Easter", "2026-04-07", OPEN_PART3,
	  { CASE_EXTEND, .text = "complex" }, .ok = 0, .error_has = "3 April 2026" },
	/* domain-rules 3: the extension is notified "with reasons". */
	{ "extend without a reason", "2026-03-10", OPEN_PART3,
	  { .action = CASE_EXTEND }, .ok = 0 },
	/* The notice's wording depends on the regime: set it first. */
	{ "extend, regime unknown", "2026-03-10",
	  { OP, "access", "unknown", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_EXTEND, .text = "complex" }, .ok = 0, .error_has = "set-regime" },
	/* Automated decisions: none under Part 3 (s50)... */
	{ "extend automated decision Part 3", "2026-03-10",
	  { OP, "automated_decision", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_EXTEND, .text = "complex" }, .ok = 0, .error_has = "no extension" },
	/* ...+2 months under UK GDPR like the other rights (Art 12(3)). */
	{ "extend automated decision UK GDPR", "2026-03-10",
	  { OP, "automated_decision", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_EXTEND, .text = "complex" }, .ok = 1, EX, "extension_notice" },
	/* One kind allowing it is enough; the other keeps its first deadline. */
	{ "extend access and automated", "2026-03-10",
	  { OP, "access,automated_decision", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_EXTEND, .text = "complex" }, .ok = 1, EX, "extension_notice",
	  .extended_on = "2026-03-10" },
	/* FOI (public interest) needs no regime; within day 20 (Tue 31 Mar); it names the
	   exemption(s) whose public interest test needs the time (s17(2)). */
	{ "extend FOI", "2026-03-16", OPEN_FOI,
	  { CASE_EXTEND, .text = "public interest test", .exemptions = "s31" }, .ok = 1, EX,
	  "extension_notice", .extended_on = "2026-03-16" },
	{ "extend FOI without an exemption", "2026-03-16", OPEN_FOI,
	  { CASE_EXTEND, .text = "public interest test" }, .ok = 0, .error_has = "--exemption" },
	/* Wed 1 Apr is after day 20, Tue 31 Mar. */
	{ "extend FOI late", "2026-04-01", OPEN_FOI,
	  { CASE_EXTEND, .text = "public interest test", .exemptions = "30,31" }, .ok = 0,
	  .error_has = "31 March 2026" },
	/* EIR's extension is for complex and voluminous requests: no exemption. */
	{ "extend EIR", "2026-03-16", { OP, "eir", "unknown", .received = "2026-03-02" },
	  { CASE_EXTEND, .text = "complex and voluminous" }, .ok = 1, EX, "extension_notice" },

	/* -- restrict: a Part 3 notice -- */
	{ "restrict Part 3", "2026-03-10", OPEN_PART3,
	  { CASE_RESTRICT, .text = "investigation" }, .ok = 1, CASE_RESPONDED,
	  "restriction_notice" },
	{ "restrict UK GDPR", "2026-03-10",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_RESTRICT, .text = "investigation" }, .ok = 0 },
	{ "restrict unknown", "2026-03-10",
	  { OP, "access", "unknown", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_RESTRICT, .text = "investigation" }, .ok = 0 },

	/* -- refuse -- */
	{ "refuse without ground", "2026-03-10", OPEN_PART3,
	  { CASE_REFUSE, .text = "repeat" }, .ok = 0 },
	{ "refuse", "2026-03-10", OPEN_PART3,
	  { CASE_REFUSE, .text = "repeat", .ground = "manifestly_unfounded" }, .ok = 1,
	  CASE_REFUSED, "refusal_notice" },
	/* domain-rules 2: never an automated-decision request, even with another kind. */
	{ "refuse with automated decision", "2026-03-10",
	  { OP, "access,automated_decision", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_REFUSE, .text = "repeat", .ground = "excessive" }, .ok = 0 },
	{ "refuse automated decision", "2026-03-10",
	  { OP, "automated_decision", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_REFUSE, .text = "repeat", .ground = "excessive" }, .ok = 0 },
	{ "refuse, regime unknown", "2026-03-10",
	  { OP, "access", "unknown", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_REFUSE, .text = "repeat", .ground = "excessive" }, .ok = 0 },
	/* Manifestly unfounded or excessive is data-protection law (s53, Art 12(5)); FOI has
	   its own grounds. */
	{ "refuse FOI", "2026-03-10", OPEN_FOI,
	  { CASE_REFUSE, .text = "repeat", .ground = "excessive" }, .ok = 0,
	  .error_has = "data-protection" },

	/* -- respond, withdraw, close, note -- */
	{ "respond", "2026-03-10", OPEN_PART3,
	  { .action = CASE_RESPOND }, .ok = 1, CASE_RESPONDED, "response_cover" },
	/* No reason given for what was withheld: allowed (s45(5)), the member warned. */
	{ "respond in part", "2026-03-10", OPEN_PART3,
	  { CASE_RESPOND, .outcome = "part" }, .ok = 1, CASE_RESPONDED, "response_cover",
	  .warning_has = "without saying why" },
	{ "respond, regime unknown", "2026-03-10",
	  { OP, "access", "unknown", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { .action = CASE_RESPOND }, .ok = 0 },
	{ "respond FOI, regime unknown", "2026-03-10",
	  OPEN_FOI,
	  { .action = CASE_RESPOND }, .ok = 1, CASE_RESPONDED, "response_cover" },
	/* Withdrawing needs no regime and works while identity is awaited. */
	{ "withdraw", "2026-03-10", { AI, "access", "unknown", .received = "2026-03-03" },
	  { .action = CASE_WITHDRAW }, .ok = 1, CASE_WITHDRAWN, "withdrawal_confirmation" },
	{ "close without reason", "2026-03-10", OPEN_OTHER,
	  { .action = CASE_CLOSE }, .ok = 0 },
	{ "close", "2026-03-10", OPEN_OTHER,
	  { CASE_CLOSE, .text = "not a request" }, .ok = 1, CASE_CLOSED },
	{ "note without text", "2026-03-10", OPEN_OTHER,
	  { .action = CASE_NOTE }, .ok = 0 },
	{ "note without text, closed", "2026-03-10",
	  { CASE_CLOSED, "other", "unknown", .received = "2026-03-03" },
	  { .action = CASE_NOTE }, .ok = 0 },
	{ "note on a closed case", "2026-03-10",
	  { CASE_CLOSED, "other", "unknown", .received = "2026-03-03" },
	  { CASE_NOTE, .text = "requester rang again" }, .ok = 1, CASE_CLOSED },

	/* -- set-regime, set-kinds -- */
	/* Portability is UK GDPR only: no Part 3 rule, nothing changes. */
	{ "set-regime Part 3 on portability", "2026-03-10",
	  { OP, "portability", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_SET_REGIME, .regime = "law_enforcement" }, .ok = 0 },
	{ "set-regime Part 3", "2026-03-10",
	  { OP, "access", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_SET_REGIME, .regime = "law_enforcement" }, .ok = 1, OP,
	  .regime = "law_enforcement" },
	{ "set-regime while awaiting identity", "2026-03-10",
	  { AI, "access", "unknown", .received = "2026-03-03" },
	  { CASE_SET_REGIME, .regime = "general" }, .ok = 1, AI, .regime = "general" },
	/* The erasure part brings a date the requester has not been told. */
	{ "set-kinds", "2026-03-10", OPEN_PART3,
	  { CASE_SET_KINDS, .kinds = "access,erasure" }, .ok = 1, OP, "deadline_changed",
	  .kinds = "access,erasure" },
	/* From access to FOI while identity is awaited: FOI runs from receipt, a first date. */
	{ "set-kinds to FOI", "2026-03-10", NEW_PART3,
	  { CASE_SET_KINDS, .kinds = "foi" }, .ok = 1, OP, "clock_started", .kinds = "foi" },
	/* Dropping a kind moves no date that was told. */
	/* They were told an erasure date that is gone: they are told the dates again. */
	{ "set-kinds drops one", "2026-03-10",
	  { OP, "access,erasure", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_SET_KINDS, .kinds = "access" }, .ok = 1, OP, "deadline_changed",
	  .kinds = "access" },
	/* As with set-regime: no Part 3 rule for portability. */
	{ "set-kinds portability under Part 3", "2026-03-10", OPEN_PART3,
	  { CASE_SET_KINDS, .kinds = "portability" }, .ok = 0 },
	/* -- a note changes nothing, not even a running stop -- */
	{ "note while stopped", "2026-03-10", WAITING_PART3,
	  { CASE_NOTE, .text = "rang the requester" }, .ok = 1, AC, .stops = "2026-03-05:" },

	/* -- no-action (UK GDPR Art 12(4)) -- */
	{ "no-action under UK GDPR", "2026-03-10",
	  { OP, "erasure", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { CASE_NO_ACTION, .text = "we hold no data about you" }, .ok = 1, CASE_REFUSED,
	  "no_action_notice" },
	{ "no-action under Part 3", "2026-03-10", OPEN_PART3,
	  { CASE_NO_ACTION, .text = "x" }, .ok = 0, .error_has = "UK GDPR" },
	{ "no-action without reasons", "2026-03-10",
	  { OP, "erasure", "general", .received = "2026-03-03", .identity_on = "2026-03-03" },
	  { .action = CASE_NO_ACTION }, .ok = 0 },
	/* An answered request stays answered: nothing more to refuse. */
	{ "no-action after responding", "2026-03-10",
	  { CASE_RESPONDED, "erasure", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_NO_ACTION, .text = "x" }, .ok = 0 },

	/* -- lift-restriction: told before, even after the case was answered -- */
	{ "lift restriction after responding", "2026-05-01",
	  { CASE_RESPONDED, "restriction", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_LIFT_RESTRICTION, .on = "2026-05-15" }, .ok = 1, CASE_RESPONDED,
	  "restriction_lift_notice" },
	{ "lift restriction today", "2026-05-01",
	  { OP, "restriction", "law_enforcement", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_LIFT_RESTRICTION, .on = "2026-05-01" }, .ok = 1, OP, "restriction_lift_notice" },
	{ "lift restriction in the past", "2026-05-01",
	  { CASE_RESPONDED, "restriction", "general", .received = "2026-03-03",
	    .identity_on = "2026-03-03" },
	  { CASE_LIFT_RESTRICTION, .on = "2026-04-30" }, .ok = 0, .error_has = "before" },
	{ "lift restriction on an access case", "2026-05-01", OPEN_PART3,
	  { CASE_LIFT_RESTRICTION, .on = "2026-05-15" }, .ok = 0 },
	{ "lift restriction after withdrawal", "2026-05-01",
	  { CASE_WITHDRAWN, "restriction", "general", .received = "2026-03-03" },
	  { CASE_LIFT_RESTRICTION, .on = "2026-05-15" }, .ok = 0 },

	/* -- set-complaint-type -- */
	/* A data-protection complaint's target is internal (never told); an FOI internal
	   review's is a published target: its date is new to the requester. */
	{ "complaint type foi_review", "2026-03-10",
	  { OP, "complaint", "unknown", .received = "2026-03-03" },
	  { CASE_SET_COMPLAINT_TYPE, .complaint = "foi_review" }, .ok = 1, OP, "clock_started",
	  .complaint = "foi_review" },
	/* Conduct: no clock here; the team is pointed to redirect. */
	{ "complaint type conduct", "2026-03-10",
	  { OP, "complaint", "unknown", .received = "2026-03-03" },
	  { CASE_SET_COMPLAINT_TYPE, .complaint = "conduct" }, .ok = 1, OP, NULL,
	  .complaint = "conduct", .warning_has = "redirect --to conduct" },
	{ "complaint type unchanged", "2026-03-10",
	  { OP, "complaint", "unknown", .received = "2026-03-03" },
	  { CASE_SET_COMPLAINT_TYPE, .complaint = "data_protection" }, .ok = 0,
	  .error_has = "already" },
	{ "complaint type on an access case", "2026-03-10", OPEN_PART3,
	  { CASE_SET_COMPLAINT_TYPE, .complaint = "foi_review" }, .ok = 0,
	  .error_has = "complaints only" },

	/* -- redirect: not a disclosure matter -- */
	{ "redirect to conduct", "2026-03-10",
	  { OP, "complaint", "unknown", .received = "2026-03-03", .complaint = "conduct" },
	  { CASE_REDIRECT, .to = "conduct" }, .ok = 1, CASE_CLOSED, "redirect_notice" },
	{ "redirect a crime report", "2026-03-10", OPEN_OTHER,
	  { CASE_REDIRECT, .to = "crime" }, .ok = 1, CASE_CLOSED, "redirect_notice" },
	{ "redirect nowhere", "2026-03-10", OPEN_OTHER,
	  { .action = CASE_REDIRECT }, .ok = 0, .error_has = "--to" },
	{ "redirect a closed case", "2026-03-10",
	  { CASE_CLOSED, "other", "unknown", .received = "2026-03-03" },
	  { CASE_REDIRECT, .to = "crime" }, .ok = 0 },

	/* -- how a case ends is recorded (the statutory report counts outcomes) -- */
	{ "respond records full", "2026-03-10", OPEN_PART3,
	  { .action = CASE_RESPOND }, .ok = 1, CASE_RESPONDED, "response_cover",
	  .outcome = "full" },
	{ "respond records not held", "2026-03-10", OPEN_FOI,
	  { CASE_RESPOND, .outcome = "not_held" }, .ok = 1, CASE_RESPONDED, "response_cover",
	  .outcome = "not_held" },
	{ "refuse records its ground", "2026-03-10", OPEN_PART3,
	  { CASE_REFUSE, .text = "repeat", .ground = "manifestly_unfounded" }, .ok = 1,
	  CASE_REFUSED, "refusal_notice", .outcome = "refused_manifestly_unfounded" },
	{ "redirect records where", "2026-03-10", OPEN_OTHER,
	  { CASE_REDIRECT, .to = "acro" }, .ok = 1, CASE_CLOSED, "redirect_notice",
	  .outcome = "redirected_acro" },

	/* -- assign: any state, an address -- */
	{ "assign", "2026-03-10", OPEN_PART3,
	  { CASE_ASSIGN, .text = "jo.bloggs@force.police.uk" }, .ok = 1, OP,
	  .owner = "jo.bloggs@force.police.uk" },
	{ "assign a closed case", "2026-03-10",
	  { CASE_CLOSED, "other", "unknown", .received = "2026-03-03" },
	  { CASE_ASSIGN, .text = "jo@force.police.uk" }, .ok = 1, CASE_CLOSED,
	  .owner = "jo@force.police.uk" },
	{ "assign a name", "2026-03-10", OPEN_PART3,
	  { CASE_ASSIGN, .text = "Jo Bloggs" }, .ok = 0, .error_has = "e-mail address" },

	/* -- reopen: an ended case runs again from the reopening -- */
	/* Responded Part 3 access reopened Mon 20 Apr: 1 month from then, Wed 20 May; told. */
	{ "reopen responded", "2026-04-20", PART3_STOPPED(CASE_RESPONDED),
	  { CASE_REOPEN, .text = "records were missing" }, .ok = 1, OP, "clock_started",
	  .reopened_on = "2026-04-20", .stops = "", .extended_on = "-", .outcome = "" },
	{ "reopen without a reason", "2026-04-20", PART3_STOPPED(CASE_RESPONDED),
	  { .action = CASE_REOPEN }, .ok = 0 },
	{ "reopen an open case", "2026-04-20", OPEN_PART3,
	  { CASE_REOPEN, .text = "x" }, .ok = 0 },
};

static void check_after(const struct apply_case *c, const struct case_record *after)
{
	if (c->identity_on != NULL)
		tu_assert_date("identity_on", c->name, &after->identity_on, c->identity_on);
	if (c->restart_on != NULL)
		tu_assert_date("restart_on", c->name, &after->restart_on, c->restart_on);
	if (c->extended_on != NULL)
		tu_assert_date("extended_on", c->name, &after->extended_on, c->extended_on);
	if (c->stops != NULL) {
		char *s = case_stops_format(after->stops);
		if (strcmp(s, c->stops) != 0)
			fail_msg("%s: stops: expected \"%s\", got \"%s\"", c->name, c->stops, s);
		g_free(s);
	}
	if (c->regime != NULL)
		assert_string_equal(clock_regime_name(after->regime), c->regime);
	if (c->kinds != NULL) {
		char *s = case_kinds_string(after->kinds);
		assert_string_equal(s, c->kinds);
		g_free(s);
	}
	if (c->complaint != NULL)
		assert_string_equal(clock_complaint_name(after->complaint), c->complaint);
	if (c->reopened_on != NULL)
		tu_assert_date("reopened_on", c->name, &after->reopened_on, c->reopened_on);
}

static void run_apply_case(const struct apply_case *c)
{
	struct case_env env = env_on(c->today, NULL);
	struct case_record before;
	struct case_command cmd;
	struct case_change ch;
	char *error = NULL;
	int ret;

	rec_make(&c->before, &before);
	cmd_make(&c->cmd, &cmd);
	ret = apply(c->name, &env, &before, &cmd, &ch, &error);
	if (ret != c->ok)
		fail_msg("%s: expected %s, got %s (%s)", c->name, c->ok ? "allowed" : "refused",
			 ret ? "allowed" : "refused", error != NULL ? error : "");
	if (!ret && c->error_has != NULL && strstr(error, c->error_has) == NULL)
		fail_msg("%s: expected a refusal with \"%s\", got \"%s\"", c->name, c->error_has,
			 error);
	if (ret && ch.after.state != c->to)
		fail_msg("%s: expected %s, got %s", c->name, case_state_name(c->to),
			 case_state_name(ch.after.state));
	if (ret && g_strcmp0(ch.notice, c->notice) != 0)
		fail_msg("%s: expected notice %s, got %s", c->name,
			 c->notice != NULL ? c->notice : "(none)",
			 ch.notice != NULL ? ch.notice : "(none)");
	if (ret)
		check_after(c, &ch.after);
	if (ret && g_strcmp0(ch.owner, c->owner) != 0)
		fail_msg("%s: owner %s, expected %s", c->name, ch.owner, c->owner);
	if (ret && g_strcmp0(ch.outcome, c->outcome) != 0 && c->outcome != NULL)
		fail_msg("%s: outcome %s, expected %s", c->name, ch.outcome, c->outcome);
	if (ret && c->warning_has == NULL && ch.warning != NULL)
		fail_msg("%s: unexpected warning: %s", c->name, ch.warning);
	if (ret && c->warning_has != NULL &&
	    (ch.warning == NULL || strstr(ch.warning, c->warning_has) == NULL))
		fail_msg("%s: expected a warning with \"%s\", got \"%s\"", c->name,
			 c->warning_has, ch.warning != NULL ? ch.warning : "(none)");
	case_change_clear(&ch);
	case_command_clear(&cmd);
	g_free(error);
	case_record_clear(&before);
}

static void test_apply_cases(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(apply_cases); i++)
		run_apply_case(&apply_cases[i]);
}

/* The extension granted on the last day gives the 3 Jun + 8 = Thu 11 Jun deadline. */
static void test_extend_then_compute(void **state)
{
	static const struct rec_spec part3 = PART3_STOPPED(CASE_OPEN);
	struct case_env env = env_on("2026-04-13", NULL);
	struct case_record before;
	struct case_command cmd;
	struct case_change ch;
	struct case_deadlines d;
	char *error = NULL;
	const struct cmd_spec spec = { .action = CASE_EXTEND, "complex" };

	env.today = tu_date("2026-04-11");
	rec_make(&part3, &before);
	cmd_make(&spec, &cmd);
	assert_int_equal(apply("extend, recompute", &env, &before, &cmd, &ch, &error), 1);
	memset(&d, 0, sizeof(d));
	assert_int_equal(case_deadlines_compute(&env, &ch.after, &d, &error), 1);
	assert_int_equal(d.n, 1);
	tu_assert_date("extended_deadline", "extend, recompute", &d.item[0].res.extended_deadline,
		    "2026-06-11");
	/* 19 days to 30 Apr + 31 in May + 11 = 61. */
	assert_int_equal(d.item[0].days_left, 61);
	case_deadlines_clear(&d);
	case_change_clear(&ch);
	case_record_clear(&before);
}

/* ---- 5. command parsing ---- */

struct parse_case {
	int ok;
	enum case_action action;
	const char *argv[8]; /* NULL-terminated */
	const char *text;    /* NULL = must be NULL */
	const char *on;      /* NULL = cleared */
	const char *regime;  /* set-regime */
	const char *kinds;   /* set-kinds */
	enum case_ground ground;
	const char *exemptions; /* extend, canonical */
	enum case_outcome outcome;
	enum case_redirect to;
	const char *complaint;
};

#define PARSED(a) 1, CASE_##a
#define REFUSED(...) { 0, .argv = { __VA_ARGS__ } }

static const struct parse_case parse_cases[] = {
	{ PARSED(VERIFY_IDENTITY), { "verify-identity" }, .on = NULL },
	{ PARSED(VERIFY_IDENTITY), { "verify-identity", "--on", "2026-03-03" },
	  .on = "2026-03-03" },
	{ PARSED(REQUEST_IDENTITY), { "request-identity" }, .text = NULL },
	{ PARSED(REQUEST_IDENTITY), { "request-identity", "--reason", "blurred photo" },
	  .text = "blurred photo" },
	{ PARSED(CLARIFY), { "clarify", "--question", "Which incident?" },
	  .text = "Which incident?" },
	{ PARSED(CLARIFY), { "clarify", "--question", "Which incident?", "--on", "2026-03-05" },
	  .text = "Which incident?", .on = "2026-03-05" },
	{ PARSED(CLARIFIED), { "clarified" }, .on = NULL },
	{ PARSED(CLARIFIED), { "clarified", "--on", "2026-03-12" }, .on = "2026-03-12" },
	{ PARSED(SET_REGIME), { "set-regime", "law_enforcement" }, .regime = "law_enforcement" },
	{ PARSED(SET_REGIME), { "set-regime", "general" }, .regime = "general" },
	{ PARSED(SET_KINDS), { "set-kinds", "access,erasure" }, .kinds = "access,erasure" },
	{ PARSED(EXTEND), { "extend", "--reason", "complex" }, .text = "complex" },
	{ PARSED(RESTRICT), { "restrict", "--reason", "investigation" },
	  .text = "investigation" },
	{ PARSED(REFUSE), { "refuse", "--ground", "excessive", "--reason", "repeat" },
	  .text = "repeat", .ground = CASE_GROUND_EXCESSIVE },
	/* Options in any order. */
	{ PARSED(REFUSE), { "refuse", "--reason", "vexatious", "--ground", "manifestly_unfounded" },
	  .text = "vexatious", .ground = CASE_GROUND_MANIFESTLY_UNFOUNDED },
	{ PARSED(RESPOND), { "respond" }, .text = NULL },
	{ PARSED(RESPOND), { "respond", "--reason", "sent by post" }, .text = "sent by post" },
	{ PARSED(WITHDRAW), { "withdraw" }, .text = NULL },
	{ PARSED(CLOSE), { "close", "--reason", "not a request" }, .text = "not a request" },
	{ PARSED(NOTE), { "note", "phoned the requester" }, .text = "phoned the requester" },
	/* Missing or bad required parts. */
	REFUSED("extend"),
	REFUSED("extend", "--reason"),
	REFUSED("refuse", "--reason", "repeat"),
	REFUSED("refuse", "--ground", "vexatious", "--reason", "repeat"),
	REFUSED("clarify"),
	REFUSED("clarify", "--on", "2026-03-05"),
	REFUSED("set-regime"),
	REFUSED("set-regime", "police"),
	REFUSED("set-kinds"),
	REFUSED("set-kinds", "acces"),
	REFUSED("verify-identity", "--on", "2026-02-30"),
	REFUSED("verify-identity", "--on", "3 March 2026"),
	REFUSED("clarified", "--on", "yesterday"),
	REFUSED("clarified", "--on"),
	/* The question only with --question: a bare word is more likely a slip. */
	REFUSED("clarify", "Which incident?"),
	/* Reasons may be withheld from a restriction notice (DPA 2018 s45(5)). */
	{ PARSED(RESTRICT), { "restrict" }, .text = NULL },
	REFUSED("close"),
	REFUSED("note"),
	REFUSED("frobnicate"),
	{ PARSED(NO_ACTION), { "no-action", "--reason", "no data held" }, .text = "no data held" },
	REFUSED("no-action"),
	{ PARSED(LIFT_RESTRICTION), { "lift-restriction", "--on", "2026-05-15" },
	  .on = "2026-05-15" },
	REFUSED("lift-restriction"),
	REFUSED("respond", "--bogus", "x"),
	/* FOI extensions name the exemptions: canonical "sNN", sections 21 to 44 only. */
	{ PARSED(EXTEND), { "extend", "--reason", "PIT", "--exemption", "31, s.30(1)(a)" },
	  .text = "PIT", .exemptions = "s31,s30(1)(a)" },
	{ PARSED(EXTEND), { "extend", "--exemption", "section 40", "--reason", "PIT" },
	  .text = "PIT", .exemptions = "s40" },
	REFUSED("extend", "--reason", "PIT", "--exemption", "s12"),
	REFUSED("extend", "--reason", "PIT", "--exemption", "s45"),
	REFUSED("extend", "--reason", "PIT", "--exemption", "s31;drop table"),
	REFUSED("extend", "--reason", "PIT", "--exemption", ""),
	REFUSED("extend", "--reason", "PIT", "--exemption", "s31", "--exemption", "s30"),
	{ PARSED(RESPOND), { "respond", "--outcome", "part" }, .outcome = CASE_OUTCOME_PART },
	{ PARSED(RESPOND), { "respond", "--outcome", "not_held", "--reason", "none held" },
	  .text = "none held", .outcome = CASE_OUTCOME_NOT_HELD },
	REFUSED("respond", "--outcome", "partly"),
	{ PARSED(REDIRECT), { "redirect", "--to", "acro" }, .to = CASE_REDIRECT_ACRO },
	{ PARSED(REDIRECT), { "redirect", "--to", "other_force", "--reason", "Kent" },
	  .text = "Kent", .to = CASE_REDIRECT_OTHER_FORCE },
	REFUSED("redirect"),
	REFUSED("redirect", "--to", "none"),
	REFUSED("redirect", "--to", "ipcc"),
	{ PARSED(SET_COMPLAINT_TYPE), { "set-complaint-type", "eir_reconsideration" },
	  .complaint = "eir_reconsideration" },
	REFUSED("set-complaint-type"),
	REFUSED("set-complaint-type", "appeal"),
	{ PARSED(ASSIGN), { "assign", "jo@force.police.uk" }, .text = "jo@force.police.uk" },
	REFUSED("assign"),
	REFUSED("assign", "--reason", "x"),
	{ PARSED(REOPEN), { "reopen", "--reason", "late complaint" }, .text = "late complaint" },
	REFUSED("reopen"),
	{ PARSED(RESPOND), { "respond", "--answer", "Your records are attached." },
	  .text = NULL },
};

/* What differs between the parsed command and the row, appended to bad. */
static void compare_parsed(const struct parse_case *c, const struct case_command *cmd,
			   GString *bad)
{
	char buf[11];
	char *kinds = case_kinds_string(cmd->kinds);

	if (cmd->action != c->action)
		g_string_append_printf(bad, " action %s;", case_action_name(cmd->action));
	if (g_strcmp0(cmd->text, c->text) != 0)
		g_string_append_printf(bad, " text \"%s\";",
				       cmd->text != NULL ? cmd->text : "(null)");
	if (strcmp(clock_date_iso(&cmd->on, buf), c->on != NULL ? c->on : "-") != 0)
		g_string_append_printf(bad, " on %s;", buf);
	if (c->regime != NULL && strcmp(clock_regime_name(cmd->regime), c->regime) != 0)
		g_string_append_printf(bad, " regime %s;", clock_regime_name(cmd->regime));
	if (c->kinds != NULL && strcmp(kinds, c->kinds) != 0)
		g_string_append_printf(bad, " kinds %s;", kinds);
	if (c->action == CASE_REFUSE && cmd->ground != c->ground)
		g_string_append_printf(bad, " ground %d;", cmd->ground);
	if (g_strcmp0(cmd->exemptions, c->exemptions) != 0)
		g_string_append_printf(bad, " exemptions %s;",
				       cmd->exemptions != NULL ? cmd->exemptions : "(null)");
	if (cmd->outcome != c->outcome)
		g_string_append_printf(bad, " outcome %s;", case_outcome_name(cmd->outcome));
	if (cmd->redirect != c->to)
		g_string_append_printf(bad, " to %s;", case_redirect_name(cmd->redirect));
	if (c->complaint != NULL &&
	    strcmp(clock_complaint_name(cmd->complaint), c->complaint) != 0)
		g_string_append_printf(bad, " complaint %s;", clock_complaint_name(cmd->complaint));
	g_free(kinds);
}

/* Parses one row; anything wrong is added to failures as a line. */
static void run_parse_case(const struct parse_case *c, GString *failures)
{
	char *argv[8] = { NULL };
	struct case_command cmd;
	GString *bad = g_string_new(NULL);
	char *error = NULL, *name;
	int argc = 0, ret;

	while (c->argv[argc] != NULL) {
		argv[argc] = g_strdup(c->argv[argc]);
		argc++;
	}
	name = g_strjoinv(" ", argv);
	memset(&cmd, 0, sizeof(cmd));
	g_date_clear(&cmd.on, 1);
	ret = case_command_parse(argc, argv, &cmd, &error);
	if (ret != c->ok)
		g_string_append_printf(bad, " expected %s, got %s (%s)",
				       c->ok ? "parsed" : "refused", ret ? "parsed" : "refused",
				       error != NULL ? error : "no message");
	else if (ret && error != NULL)
		g_string_append_printf(bad, " parsed with an error set: %s", error);
	else if (ret)
		compare_parsed(c, &cmd, bad);
	else if (error == NULL || error[0] == '\0')
		g_string_append(bad, " refused without a usage message");
	if (bad->len > 0)
		g_string_append_printf(failures, "\n  \"%s\":%s", name, bad->str);
	g_string_free(bad, TRUE);
	case_command_clear(&cmd);
	g_free(error);
	g_free(name);
	for (int i = 0; i < argc; i++)
		g_free(argv[i]);
}

/* Every row is run, so one report lists every disagreement. */
static void test_command_parse(void **state)
{
	GString *failures = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(parse_cases); i++)
		run_parse_case(&parse_cases[i], failures);
	if (failures->len > 0)
		fail_msg("case_command_parse:%s", failures->str);
	g_string_free(failures, TRUE);
}

/* ---- 6. e-mail commands: the same actions, written in a reply ---- */

struct email_case {
	const char *name, *args, *rest;
	int ok;
	enum case_action action;
	const char *text, *on, *exemptions, *answer, *regime, *error_has;
	enum case_ground ground;
	enum case_outcome outcome;
	enum case_redirect to;
};

static const struct email_case email_cases[] = {
	/* Dates: ISO, UK order, today, yesterday (today is Thu 3 Dec 2026). */
	{ "verified", "", NULL, 1, CASE_VERIFY_IDENTITY, .text = NULL },
	{ "verified", "2026-12-01", NULL, 1, CASE_VERIFY_IDENTITY, .on = "2026-12-01" },
	{ "verified", "01/12/2026", NULL, 1, CASE_VERIFY_IDENTITY, .on = "2026-12-01" },
	{ "verified", "yesterday", NULL, 1, CASE_VERIFY_IDENTITY, .on = "2026-12-02" },
	{ "Verified", "today", NULL, 1, CASE_VERIFY_IDENTITY, .on = "2026-12-03" },
	/* Never US order: 12/31/2026 is not a date. */
	{ "verified", "12/31/2026", NULL, 0, .error_has = "not a date" },
	{ "verified", "1/12/2026", NULL, 0, .error_has = "not a date" },
	{ "clarified", "03/12/2026", NULL, 1, CASE_CLARIFIED, .on = "2026-12-03" },
	/* The question is the text below the command lines. */
	{ "clarify", "", "Which station were you taken to?", 1, CASE_CLARIFY,
	  .text = "Which station were you taken to?" },
	{ "clarify", "", "", 0, .error_has = "#clarify" },
	{ "regime", "law", NULL, 1, CASE_SET_REGIME, .regime = "law_enforcement" },
	{ "regime", "general", NULL, 1, CASE_SET_REGIME, .regime = "general" },
	{ "regime", "police", NULL, 0, .error_has = "#regime law_enforcement|general" },
	{ "kinds", "access,erasure", NULL, 1, CASE_SET_KINDS, .text = NULL },
	{ "extend", "The records span many systems", "internal note", 1, CASE_EXTEND,
	  .text = "The records span many systems" },
	/* Leading FOI sections are the exemptions; "40 hours" stays a reason. */
	{ "extend", "s31 s30(1) Public interest test", NULL, 1, CASE_EXTEND,
	  .text = "Public interest test", .exemptions = "s31,s30(1)" },
	{ "extend", "s31,s40 Public interest test", NULL, 1, CASE_EXTEND,
	  .text = "Public interest test", .exemptions = "s31,s40" },
	{ "extend", "40 hours of video to review", NULL, 1, CASE_EXTEND,
	  .text = "40 hours of video to review" },
	{ "extend", "", NULL, 0, .error_has = "#extend" },
	{ "refuse", "unfounded A repeat of PD-2026-000001", NULL, 1, CASE_REFUSE,
	  .text = "A repeat of PD-2026-000001", .ground = CASE_GROUND_MANIFESTLY_UNFOUNDED },
	{ "refuse", "excessive Thirty years of records", NULL, 1, CASE_REFUSE,
	  .text = "Thirty years of records", .ground = CASE_GROUND_EXCESSIVE },
	{ "refuse", "vexatious x", NULL, 0, .error_has = "#refuse" },
	{ "no-action", "We hold nothing", NULL, 1, CASE_NO_ACTION, .text = "We hold nothing" },
	/* The answer of #respond is the text below; attachments travel with the mail. */
	{ "respond", "", "Your records are attached.", 1, CASE_RESPOND,
	  .answer = "Your records are attached." },
	{ "respond", "part", "Some records are withheld.", 1, CASE_RESPOND,
	  .answer = "Some records are withheld.", .outcome = CASE_OUTCOME_PART },
	{ "respond", "not_held", "", 1, CASE_RESPOND, .outcome = CASE_OUTCOME_NOT_HELD },
	{ "respond", "partly", "", 0, .error_has = "#respond" },
	/* After "part": why parts were withheld (the answer itself goes below). */
	{ "respond", "part s40 third parties' data", "", 1, CASE_RESPOND,
	  .exemptions = "s40", .outcome = CASE_OUTCOME_PART },
	{ "respond", "full here is my answer", "", 0, .error_has = "below" },
	{ "withdraw", "", "the requester rang", 1, CASE_WITHDRAW, .text = NULL },
	{ "withdraw", "now", NULL, 0, .error_has = "nothing after it" },
	{ "close", "Not a request", NULL, 1, CASE_CLOSE, .text = "Not a request" },
	{ "redirect", "crime", NULL, 1, CASE_REDIRECT, .to = CASE_REDIRECT_CRIME },
	{ "redirect", "conduct rude officer", NULL, 1, CASE_REDIRECT, .text = "rude officer",
	  .to = CASE_REDIRECT_CONDUCT },
	{ "redirect", "ipcc", NULL, 0, .error_has = "#redirect" },
	{ "note", "rang the requester", NULL, 1, CASE_NOTE, .text = "rang the requester" },
	{ "lift-restriction", "15/12/2026", NULL, 1, CASE_LIFT_RESTRICTION, .on = "2026-12-15" },
	{ "lift-restriction", "", NULL, 0, .error_has = "DATE" },
	{ "complaint-type", "foi_review", NULL, 1, CASE_SET_COMPLAINT_TYPE, .text = NULL },
	{ "assign", "jo@force.police.uk", NULL, 1, CASE_ASSIGN, .text = "jo@force.police.uk" },
	{ "assign", "jo bloggs", NULL, 0, .error_has = "one value only" },
	{ "reopen", "A late complaint", NULL, 1, CASE_REOPEN, .text = "A late complaint" },
	{ "request-identity", "", NULL, 1, CASE_REQUEST_IDENTITY, .text = NULL },
	{ "restrict", "", "internal reasons", 1, CASE_RESTRICT, .text = NULL },
	/* The CLI's names are accepted too. */
	{ "verify-identity", "", NULL, 1, CASE_VERIFY_IDENTITY, .text = NULL },
	{ "set-regime", "law", NULL, 1, CASE_SET_REGIME, .regime = "law_enforcement" },
	{ "frobnicate", "", NULL, 0, .error_has = "#help" },
};

static void run_email_case(const struct email_case *c, const GDate *today, GString *bad)
{
	struct case_email e;
	char *error = NULL, buf[11];
	int ret = case_email_parse(c->name, c->args, c->rest, today, &e, &error);
	const struct case_command *cmd = &e.cmd;

	if (ret != c->ok) {
		g_string_append_printf(bad, "\n  #%s %s: %s (%s)", c->name, c->args,
				       ret ? "parsed" : "refused", error != NULL ? error : "");
	} else if (!ret) {
		if (error == NULL || strstr(error, c->error_has) == NULL)
			g_string_append_printf(bad, "\n  #%s %s: error \"%s\" lacks \"%s\"",
	  c->name,
					       c->args, error != NULL ? error : "", c->error_has);
	} else if (cmd->action != c->action || g_strcmp0(cmd->text, c->text) != 0 ||
		   g_strcmp0(cmd->exemptions, c->exemptions) != 0 ||
		   g_strcmp0(cmd->answer, c->answer) != 0 || cmd->ground != c->ground ||
		   cmd->outcome != c->outcome || cmd->redirect != c->to ||
		   strcmp(clock_date_iso(&cmd->on, buf), c->on != NULL ? c->on : "-") != 0 ||
		   (c->regime != NULL && strcmp(clock_regime_name(cmd->regime), c->regime) != 0)) {
		g_string_append_printf(bad, "\n  #%s %s: parsed as %s text=%s exemptions=%s "
				       "answer=%s on=%s", c->name, c->args,
				       case_action_name(cmd->action), cmd->text, cmd->exemptions,
				       cmd->answer, buf);
	}
	if (ret)
		case_email_clear(&e);
	g_free(error);
}

static void test_email_commands(void **state)
{
	GDate today = tu_date("2026-12-03");
	GString *bad = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(email_cases); i++)
		run_email_case(&email_cases[i], &today, bad);
	/* Every action has an e-mail form, and every form names its command. */
	for (int a = 0; a < CASE_ACTION_COUNT; a++) {
		const char *u = case_email_usage((enum case_action)a);
		if (u == NULL || u[0] != '#')
			g_string_append_printf(bad, "\n  %s has no e-mail form",
					       case_action_name((enum case_action)a));
	}
	assert_true(case_email_uses_rest(CASE_CLARIFY) && case_email_uses_rest(CASE_RESPOND));
	assert_false(case_email_uses_rest(CASE_NOTE) || case_email_uses_rest(CASE_EXTEND));
	if (bad->len > 0)
		fail_msg("e-mail commands:%s", bad->str);
	g_string_free(bad, TRUE);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_action_names),
		cmocka_unit_test(test_ground_and_clock_names),
		cmocka_unit_test(test_kinds_round_trip),
		cmocka_unit_test(test_kinds_identity_and_words),
		cmocka_unit_test(test_stops_round_trip),
		cmocka_unit_test(test_stops_values_and_errors),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_deadline_errors),
		cmocka_unit_test(test_summary_holidays),
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_apply_cases),
		cmocka_unit_test(test_extend_then_compute),
		cmocka_unit_test(test_command_parse),
		cmocka_unit_test(test_email_commands),
	};

	return cmocka_run_group_tests(tests, tu_load_shipped, tu_free_shipped);
}
