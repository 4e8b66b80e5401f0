/* Unit tests: the intake pipeline without servers — new case, acknowledgement queued and
   composed, threading by reference and by Message-ID, loop detection, de-duplication. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <string.h>

#include "config.h"
#include "core.h"
#include "gateway.h"
#include "lifecycle.h"
#include "mime.h"
#include "store.h"
#include "testutil.h"

/* Mail handed in without IMAP: no UID to record. */
static const struct gateway_origin inbox = { .mailbox = "INBOX" };

static int setup(void **state)
{
	*state = tu_gateway_open("pdgate-gw-XXXXXX", "");
	return 0;
}

static int teardown(void **state)
{
	tu_gateway_close(*state);
	return 0;
}

static int64_t feed(struct tu_gateway *f, const char *raw)
{
	int64_t row = 0;
	char *error = NULL;
	int ret = gateway_process_raw(f->gw, raw, strlen(raw), 1795608000, &inbox, &row, &error);
	if (ret != 1)
		fail_msg("process_raw: %s", error != NULL ? error : "?");
	return row;
}

struct rows {
	GPtrArray *values; /* one value of the named column per row */
	const char *column;
};

static void collect(void *ctx, int n, const char *const *names, const char *const *values)
{
	struct rows *r = ctx;
	for (int i = 0; i < n; i++) {
		if (strcmp(names[i], r->column) == 0)
			g_ptr_array_add(r->values, g_strdup(values[i] != NULL ? values[i] : ""));
	}
}

/* Values of one column of a named query, as a NULL-terminated strv. */
static char **column(struct tu_gateway *f, const char *kind, const char *arg, const char *col)
{
	struct store *s = NULL;
	char *error = NULL;
	struct rows r = { g_ptr_array_new(), col };
	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &s, &error),
			 1);
	assert_int_equal(store_query(s, kind, arg, collect, &r, &error), 1);
	store_close(&s);
	g_ptr_array_add(r.values, NULL);
	return (char **)g_ptr_array_free(r.values, FALSE);
}

static const char request[] =
	"From: =?UTF-8?Q?Si=C3=A2n_Jones?= <sian@public.test>\r\n"
	"To: disclosure@pdgate.test\r\n"
	"Subject: Subject access request\r\n"
	"Date: Tue, 25 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <req1@public.test>\r\n"
	"\r\n"
	"Please send me all the information you hold about me.\r\n";

static void test_new_case_and_ack(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, request);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	assert_string_equal(refs[0], "PD-2026-000001");
	char **names = column(f, "cases", NULL, "requester_name");
	assert_string_equal(names[0], "Si\xc3\xa2n Jones");
	/* An access request without identity: one message, the acknowledgement, which asks
	   for identity itself (two automatic mails in one second confuse people). */
	char **rcpts = column(f, "case_outbox", refs[0], "rcpt");
	assert_int_equal(g_strv_length(rcpts), 1);
	assert_string_equal(rcpts[0], "sian@public.test");
	char **notices = column(f, "case_outbox", refs[0], "notice");
	assert_string_equal(notices[0], "acknowledgement");
	g_strfreev(notices);
	char **states = column(f, "case", refs[0], "state");
	assert_string_equal(states[0], "awaiting_identity");
	g_strfreev(states);
	char **events = column(f, "case_events", refs[0], "action");
	assert_true(g_strv_contains((const char *const *)events, "case_opened"));
	assert_true(g_strv_contains((const char *const *)events, "classified"));
	assert_true(g_strv_contains((const char *const *)events, "notice_queued"));
	assert_false(g_strv_contains((const char *const *)events, "possible_repeat"));
	char **kinds = column(f, "case", refs[0], "kinds");
	assert_string_equal(kinds[0], "access");
	g_strfreev(kinds);
	g_strfreev(refs);
	g_strfreev(names);
	g_strfreev(rcpts);
	g_strfreev(events);
}

static void test_same_bytes_once(void **state)
{
	struct tu_gateway *f = *state;
	int64_t a = feed(f, request), b = feed(f, request);
	assert_int_equal(a, b);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	g_strfreev(refs);
}

static void test_reused_message_id_is_new(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, request);
	char *other = g_strdup(request);
	memcpy(strstr(other, "Please send"), "Kindly send", 11);
	feed(f, other);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 2);
	/* Same requester, same right, within the window: flagged for the team, not refused. */
	char **events = column(f, "case_events", refs[1], "action");
	assert_true(g_strv_contains((const char *const *)events, "possible_repeat"));
	assert_true(g_strv_contains((const char *const *)events, "notice_queued"));
	g_strfreev(events);
	g_strfreev(refs);
	g_free(other);
}

/* Received now: the actions below run "today", so the case must be new today whenever the
   test runs (exact dates are checked by test_lifecycle and the integration walk-through). */
/* The reference of the n-th case opened now (n = 1 or 2): its year is this year's, so the
   tests below stay right whenever they run. */
static const char *now_ref(int n)
{
	static char refs[3][32];
	GDateTime *t = pd_london_time(pd_now());

	g_snprintf(refs[n], sizeof(refs[n]), "PD-%04d-%06d", g_date_time_get_year(t), n);
	g_date_time_unref(t);
	return refs[n];
}

static void feed_now(struct tu_gateway *f, const char *raw)
{
	int64_t row = 0;
	char *error = NULL;
	if (gateway_process_raw(f->gw, raw, strlen(raw), pd_now(), &inbox, &row, &error) != 1)
		fail_msg("process_raw: %s", error != NULL ? error : "?");
}

/* Run one team action; returns what gateway_case_action returned. */
static int act(struct tu_gateway *f, const char *words)
{
	char **argv = g_strsplit(words, "|", -1);
	struct case_command cmd;
	char *error = NULL, *reply = NULL;
	int ret;

	assert_int_equal(case_command_parse((int)g_strv_length(argv), argv, &cmd, &error), 1);
	ret = gateway_case_action(f->gw, now_ref(1), &cmd, "local:test", NULL, 0, &reply, &error);
	assert_true(ret == 1 ? reply != NULL : error != NULL);
	g_free(reply);
	g_free(error);
	g_strfreev(argv);
	return ret;
}

static void assert_state(struct tu_gateway *f, const char *state)
{
	char **states = column(f, "case", now_ref(1), "state");
	assert_string_equal(states[0], state);
	g_strfreev(states);
}

static void test_team_actions_walk(void **state)
{
	struct tu_gateway *f = *state;
	feed_now(f, request);
	assert_state(f, "awaiting_identity");
	assert_int_equal(act(f, "clarify|--question|Which years?"), 0); /* not yet */
	assert_int_equal(act(f, "verify-identity"), 1);
	assert_state(f, "open");
	assert_int_equal(act(f, "clarify|--question|Which years?"), 1);
	assert_state(f, "awaiting_clarification");
	assert_int_equal(act(f, "clarified"), 1);
	assert_state(f, "open");
	assert_int_equal(act(f, "extend|--reason|Many systems"), 0); /* regime unknown */
	assert_int_equal(act(f, "set-regime|general"), 1);
	assert_int_equal(act(f, "extend|--reason|Many systems"), 1);
	assert_state(f, "extended");
	assert_int_equal(act(f, "respond"), 1);
	assert_state(f, "responded");
	assert_int_equal(act(f, "extend|--reason|Again"), 0);
	assert_int_equal(act(f, "note|Called the requester"), 1);
	assert_int_equal(act(f, "respond"), 0);
	/* The acknowledgement (asking for identity); the date once identity is verified; the
	   question; the new date once answered; the extension; the response. Setting the regime
	   moved no date (access has the same rule in both since 5 February 2026): nothing. */
	char **notices = column(f, "case_outbox", now_ref(1), "notice");
	const char *sent[] = { "acknowledgement", "clock_started", "clarification_request",
			       "deadline_changed", "extension_notice", "response_cover", NULL };
	assert_int_equal(g_strv_length(notices), G_N_ELEMENTS(sent) - 1);
	for (size_t i = 0; sent[i] != NULL; i++)
		assert_string_equal(notices[i], sent[i]);
	g_strfreev(notices);
	char **actors = column(f, "case_events", now_ref(1), "actor");
	assert_true(g_strv_contains((const char *const *)actors, "local:test"));
	g_strfreev(actors);
	char **actions = column(f, "case_events", now_ref(1), "action");
	const char *expected[] = { "identity_verified", "clarification_requested", "clarified",
				   "regime_set", "extended", "responded", "note" };
	for (size_t i = 0; i < G_N_ELEMENTS(expected); i++)
		assert_true(g_strv_contains((const char *const *)actions, expected[i]));
	g_strfreev(actions);
}

static const char foi_request[] =
	"From: Dan Hughes <d.hughes@public.test>\r\n"
	"To: disclosure@pdgate.test\r\n"
	"Subject: Freedom of Information request\r\n"
	"Message-ID: <foi1@public.test>\r\n"
	"\r\n"
	"Under the Freedom of Information Act please tell me how many bicycle thefts were\r\n"
	"recorded in 2025.\r\n";

/* A bank holiday proclaimed on a case's deadline day: the next poller start moves the
   deadline and says so on the case. */
static void test_holiday_change_recomputes(void **state)
{
	struct tu_gateway *f = *state;
	struct store_case c;
	struct config *changed = NULL;
	struct gateway *gw = NULL;
	char *error = NULL, *text = NULL, *path = NULL;

	struct store *reader = NULL;
	feed_now(f, foi_request);
	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &reader,
				    &error), 1);
	assert_int_equal(store_case_load(reader, now_ref(1), &c, &error), 1);
	store_close(&reader);
	assert_true(g_str_has_prefix(c.deadlines, "foi 20"));
	char *day = g_strndup(c.deadlines + 4, 10);
	assert_true(g_file_get_contents(f->config->path, &text, NULL, NULL));
	char *more = g_strdup_printf("%s[holidays]\nadd_england_wales = %s\n", text, day);
	path = g_build_filename(f->dir, "changed.conf", NULL);
	assert_true(g_file_set_contents(path, more, -1, NULL));
	assert_int_equal(config_load(path, &changed, &error), 1);
	assert_int_equal(gateway_init(changed, 0, &gw, &error), 1);
	assert_int_equal(gateway_recompute_deadlines(gw, &error), 1);
	assert_int_equal(gateway_recompute_deadlines(gw, &error), 1); /* once only */
	char **actions = column(f, "case_events", now_ref(1), "action");
	int n = 0;
	for (char **a = actions; *a != NULL; a++)
		n += strcmp(*a, "deadlines_recomputed") == 0;
	assert_int_equal(n, 1);
	store_case_clear(&c);
	g_strfreev(actions);
	gateway_deinit(&gw);
	config_free(&changed);
	g_free(day);
	g_free(text);
	g_free(more);
	g_free(path);
}

/* The same proclaimed holiday picked up by a running poller on SIGHUP (gateway_reload);
   a config made invalid meanwhile is refused and the old calendar kept. */
static void test_holiday_reload(void **state)
{
	struct tu_gateway *f = *state;
	struct store *reader = NULL;
	struct store_case c;
	char *error = NULL, *text = NULL, *more = NULL, *day = NULL;

	feed_now(f, foi_request);
	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &reader,
				    &error), 1);
	assert_int_equal(store_case_load(reader, now_ref(1), &c, &error), 1);
	store_close(&reader);
	day = g_strndup(c.deadlines + 4, 10);
	assert_true(g_file_get_contents(f->config->path, &text, NULL, NULL));
	more = g_strdup_printf("%s[holidays]\nadd_scotland = 2026-02-30\n", text);
	assert_true(g_file_set_contents(f->config->path, more, -1, NULL));
	assert_int_equal(gateway_reload(f->gw, &error), 0);
	assert_non_null(strstr(error, "add_scotland"));
	g_free(error);
	error = NULL;
	g_free(more);
	more = g_strdup_printf("%s[holidays]\nadd_scotland = %s\n", text, day);
	assert_true(g_file_set_contents(f->config->path, more, -1, NULL));
	assert_int_equal(gateway_reload(f->gw, &error), 1);
	assert_int_equal(gateway_recompute_deadlines(f->gw, &error), 1);
	char **actions = column(f, "case_events", now_ref(1), "action");
	assert_true(g_strv_contains((const char *const *)actions, "deadlines_recomputed"));
	g_strfreev(actions);
	store_case_clear(&c);
	g_free(day);
	g_free(text);
	g_free(more);
}

/* The per-requester limit: with 1 a day, a second access request gets no acknowledgement,
   and says so on its case. */
static void test_rate_limit(void **state)
{
	struct tu_gateway *f = *state;
	struct config *limited = NULL;
	struct gateway *gw = NULL;
	char *error = NULL, *text = NULL, *more = NULL;
	char *path = g_build_filename(f->dir, "limited.conf", NULL);
	char *second = g_strdup(request);

	assert_true(g_file_get_contents(f->config->path, &text, NULL, NULL));
	more = g_strdup_printf("%smax_auto_notices_per_day = 1\n", text);
	assert_true(g_file_set_contents(path, more, -1, NULL));
	assert_int_equal(config_load(path, &limited, &error), 1);
	assert_int_equal(gateway_init(limited, 0, &gw, &error), 1);
	memcpy(strstr(second, "req1@"), "req2@", 5);
	int64_t row = 0;
	assert_int_equal(gateway_process_raw(gw, request, strlen(request), pd_now(), &inbox,
					     &row, &error), 1);
	assert_int_equal(gateway_process_raw(gw, second, strlen(second), pd_now(), &inbox, &row,
					     &error), 1);
	char **rcpts = column(f, "case_outbox", now_ref(2), "rcpt");
	assert_int_equal(g_strv_length(rcpts), 0);
	g_strfreev(rcpts);
	rcpts = column(f, "case_outbox", now_ref(1), "rcpt");
	assert_int_equal(g_strv_length(rcpts), 1);
	char **actions = column(f, "case_events", now_ref(2), "action");
	assert_true(g_strv_contains((const char *const *)actions, "notice_suppressed"));
	g_strfreev(actions);
	g_strfreev(rcpts);
	gateway_deinit(&gw);
	config_free(&limited);
	g_free(second);
	g_free(text);
	g_free(more);
	g_free(path);
}

/* A Message-ID too long to repeat in a notice's In-Reply-To/References (still valid as
   received) is left out of the threading; it never stops the case or its notices. */
static void test_long_message_id_not_repeated(void **state)
{
	struct tu_gateway *f = *state;
	char *local = g_strnfill(984, 'x'); /* 996 with the domain: just within 998 */
	char *raw = g_strdup_printf("From: Sam <sam@public.test>\r\nTo: disclosure@pdgate.test\r\n"
				    "Subject: FOI request\r\nMessage-ID: <%s@public.test>\r\n\r\n"
				    "Under the Freedom of Information Act please send the number of "
				    "thefts recorded in 2025.\r\n", local);
	feed_now(f, raw);
	char **rcpts = column(f, "case_outbox", now_ref(1), "rcpt");
	assert_int_equal(g_strv_length(rcpts), 1); /* the acknowledgement */
	g_strfreev(rcpts);
	g_free(raw);
	g_free(local);
}

static void test_reply_threads_by_message_id(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, request);
	char **ids = column(f, "case_outbox", "PD-2026-000001", "message_id");
	char *reply = g_strdup_printf("From: sian@public.test\r\nTo: disclosure@pdgate.test\r\n"
				      "Subject: my passport\r\nMessage-ID: <r2@public.test>\r\n"
				      "In-Reply-To: <%s>\r\n\r\nAttached.\r\n", ids[0]);
	feed(f, reply);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	char **dirs = column(f, "case_messages", "PD-2026-000001", "direction");
	assert_int_equal(g_strv_length(dirs), 3); /* request, ack, reply */
	char **rcpts = column(f, "outbox", NULL, "rcpt");
	assert_int_equal(g_strv_length(rcpts), 1); /* nothing answers the reply */
	g_strfreev(ids);
	g_strfreev(refs);
	g_strfreev(dirs);
	g_strfreev(rcpts);
	g_free(reply);
}

/* A complaint that names an earlier FOI case is an internal review of it (the classifier's
   word, for the team to confirm): the new case records both. */
static void test_complaint_about_earlier_case(void **state)
{
	struct tu_gateway *f = *state;
	feed_now(f, foi_request);
	char *complaint = g_strdup_printf(
		"From: Dan Hughes <d.hughes@public.test>\r\nTo: disclosure@pdgate.test\r\n"
		"Subject: Formal complaint\r\nMessage-ID: <c1@public.test>\r\n\r\n"
		"I wish to make a formal complaint about how you handled my request %s: the "
		"answer left out most of what I asked for.\r\n", now_ref(1));
	feed_now(f, complaint);
	char **kinds = column(f, "case", now_ref(2), "kinds");
	assert_string_equal(kinds[0], "complaint");
	char **type = column(f, "case", now_ref(2), "complaint_type");
	assert_string_equal(type[0], "foi_review");
	char **related = column(f, "case", now_ref(2), "related_case");
	assert_string_equal(related[0], now_ref(1));
	/* Its clock is the review's target, not the internal one of a data-protection one. */
	char **notices = column(f, "case_outbox", now_ref(2), "notice");
	assert_string_equal(notices[0], "acknowledgement");
	g_strfreev(kinds);
	g_strfreev(type);
	g_strfreev(related);
	g_strfreev(notices);
	g_free(complaint);
}

/* A complaint sent as a reply to the earlier case's mail is a case of its own with its own
   clock, linked to the earlier one, which records that it came. */
static void test_complaint_as_reply(void **state)
{
	struct tu_gateway *f = *state;
	feed_now(f, foi_request);
	char *complaint = g_strdup_printf(
		"From: Dan Hughes <d.hughes@public.test>\r\nTo: disclosure@pdgate.test\r\n"
		"Subject: Re: Your request %s\r\nMessage-ID: <c2@public.test>\r\n\r\n"
		"I wish to make a formal complaint about how you handled my request %s: the "
		"answer left out most of what I asked for.\r\n", now_ref(1), now_ref(1));
	feed_now(f, complaint);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 2);
	char **kinds = column(f, "case", now_ref(2), "kinds");
	assert_string_equal(kinds[0], "complaint");
	char **related = column(f, "case", now_ref(2), "related_case");
	assert_string_equal(related[0], now_ref(1));
	char **events = column(f, "case_events", now_ref(1), "action");
	assert_true(g_strv_contains((const char *const *)events, "complaint_received"));
	g_strfreev(refs);
	g_strfreev(kinds);
	g_strfreev(related);
	g_strfreev(events);
	g_free(complaint);
}

static void test_reply_threads_by_subject(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, request);
	feed(f, "From: solicitor@law.test\r\nSubject: AW: SV: [PD-2026-000001] client authority\r\n"
		"Message-ID: <s1@law.test>\r\n\r\nAuthority attached.\r\n");
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	g_strfreev(refs);
}

static void test_auto_mail_opens_no_case(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, "From: jane@public.test\r\nSubject: Automatic reply: away\r\n"
		"Auto-Submitted: auto-replied\r\nMessage-ID: <o1@public.test>\r\n\r\nAway.\r\n");
	feed(f, "From: MAILER-DAEMON@mx.public.test\r\nReturn-Path: <>\r\nSubject: failure\r\n"
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status;"
		" boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfailed\r\n--b--\r\n");
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 0);
	char **reasons = column(f, "messages", NULL, "auto_reason");
	assert_int_equal(g_strv_length(reasons), 2);
	assert_true(*reasons[0] != '\0' && *reasons[1] != '\0');
	char **out = column(f, "outbox", NULL, "rcpt");
	assert_int_equal(g_strv_length(out), 0);
	g_strfreev(refs);
	g_strfreev(reasons);
	g_strfreev(out);
}

static void test_garbage_is_kept(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, "\x01\x02 not a mail at all");
	char **status = column(f, "messages", NULL, "status");
	assert_int_equal(g_strv_length(status), 1);
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 0);
	g_strfreev(status);
	g_strfreev(refs);
}

static void run_sql(struct tu_gateway *f, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->config->store.database, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* The message row a UID names, read as another process would: 1, 0 or -1. */
static int uid_row(struct tu_gateway *f, uint32_t uidvalidity, uint32_t uid, int64_t *row_r)
{
	struct store *s = NULL;
	char *error = NULL;
	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &s, &error),
			 1);
	int ret = store_uid_get(s, "INBOX", uidvalidity, uid, row_r, NULL);
	store_close(&s);
	return ret;
}

static guint count_rows(struct tu_gateway *f, const char *kind)
{
	char **ids = column(f, kind, NULL, strcmp(kind, "cases") == 0 ? "reference" : "id");
	guint n = g_strv_length(ids);
	g_strfreev(ids);
	return n;
}

/* A message and its UID are one transaction: when the UID cannot be recorded, nothing of the
   message is either (else the next pass, seeing no UID, would record it again: an over-size
   message has no hash to catch that). Then, recorded, the UID names the message. */
static void test_uid_in_the_message_transaction(void **state)
{
	struct tu_gateway *f = *state;
	const struct gateway_origin imap = { .mailbox = "INBOX", .uidvalidity = 5, .uid = 7 };
	char *error = NULL;
	int64_t row = 0, got = 0;

	run_sql(f, "CREATE TRIGGER no_uids BEFORE INSERT ON mailbox_uids "
		   "BEGIN SELECT RAISE(FAIL, 'uid refused'); END;");
	assert_int_not_equal(gateway_quarantine_spooled(f->gw, NULL, 50u << 20, pd_now(), &imap,
							"too large", &row, &error), 1);
	g_free(error);
	error = NULL;
	assert_int_not_equal(gateway_process_raw(f->gw, request, strlen(request), pd_now(), &imap,
						 &row, &error), 1);
	g_free(error);
	error = NULL;
	assert_int_equal(count_rows(f, "messages"), 0);
	assert_int_equal(count_rows(f, "cases"), 0);

	run_sql(f, "DROP TRIGGER no_uids;");
	assert_int_equal(gateway_process_raw(f->gw, request, strlen(request), pd_now(), &imap,
					     &row, &error), 1);
	assert_int_equal(count_rows(f, "cases"), 1);
	assert_int_equal(uid_row(f, 5, 7, &got), 1);
	assert_int_equal(got, row);
	/* the same bytes under another UID: not processed again, but that UID is known too */
	const struct gateway_origin again = { .mailbox = "INBOX", .uidvalidity = 5, .uid = 8 };
	assert_int_equal(gateway_process_raw(f->gw, request, strlen(request), pd_now(), &again,
					     &got, &error), 1);
	assert_int_equal(got, row);
	assert_int_equal(uid_row(f, 5, 8, &got), 1);
	assert_int_equal(got, row);
	assert_int_equal(count_rows(f, "messages"), 2); /* the request and its acknowledgement */
	assert_null(error);
}

/* A request a member of staff forwards (Outlook's header block) is the forwarded sender's. */
static void test_staff_forward_requester(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, "From: PC Dan Smith <dan.smith@pdgate.test>\r\nTo: disclosure@pdgate.test\r\n"
	     "Subject: FW: bodycam\r\nMessage-ID: <fw1@pdgate.test>\r\n\r\n"
	     "FYI, came into the neighbourhood inbox, please deal.\r\n\r\n"
	     "________________________________\r\nFrom: Jo Bloggs <jo@public.test>\r\n"
	     "Sent: 01 March 2026 09:00\r\nTo: Neighbourhood Team\r\nSubject: bodycam\r\n\r\n"
	     "I was arrested on 3 February. Please send me the body worn video of my arrest.\r\n");
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	char **who = column(f, "case", refs[0], "requester");
	assert_string_equal(who[0], "jo@public.test");
	char **name = column(f, "case", refs[0], "requester_name");
	assert_string_equal(name[0], "Jo Bloggs");
	char **rcpts = column(f, "case_outbox", refs[0], "rcpt");
	assert_string_equal(rcpts[0], "jo@public.test");
	char **events = column(f, "case_events", refs[0], "action");
	assert_true(g_strv_contains((const char *const *)events, "forwarded_by_staff"));
	char **kinds = column(f, "case", refs[0], "kinds");
	assert_string_equal(kinds[0], "access");
	g_strfreev(kinds);
	g_strfreev(events);
	g_strfreev(rcpts);
	g_strfreev(name);
	g_strfreev(who);
	g_strfreev(refs);
}

/* A member of the public forwarding someone's mail is not staff: the writer is answered. */
static void test_public_forward_keeps_writer(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, "From: Al <al@public.test>\r\nTo: disclosure@pdgate.test\r\n"
	     "Subject: Fwd: my data\r\nMessage-ID: <fw2@public.test>\r\n\r\n"
	     "See below, this is my request.\r\n\r\n---------- Forwarded message ---------\r\n"
	     "From: Al at work <al@work.test>\r\nDate: Mon\r\nSubject: my data\r\n\r\n"
	     "Please send me a copy of all the personal data you hold about me.\r\n");
	char **refs = column(f, "cases", NULL, "reference");
	char **who = column(f, "case", refs[0], "requester");
	assert_string_equal(who[0], "al@public.test");
	g_strfreev(who);
	g_strfreev(refs);
}

/* A web form's relay from a no-reply address without Reply-To: a person's request, answered
   at the form's Email field. */
static void test_form_without_reply_to(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, "From: Online Forms <noreply@forms.public.test>\r\nTo: disclosure@pdgate.test\r\n"
	     "Subject: New submission: data protection request\r\n"
	     "Auto-Submitted: auto-generated\r\nMessage-ID: <form1@forms.public.test>\r\n\r\n"
	     "Name: Ann Lee\r\nEmail: ann@public.test\r\nRequest type: Other\r\n\r\n"
	     "Details:\r\nPlease send me a copy of my custody record from 3 March.\r\n\r\n"
	     "This message was generated by the online forms service. Do not reply.\r\n");
	char **refs = column(f, "cases", NULL, "reference");
	assert_int_equal(g_strv_length(refs), 1);
	char **who = column(f, "case", refs[0], "requester");
	assert_string_equal(who[0], "ann@public.test");
	char **name = column(f, "case", refs[0], "requester_name");
	assert_string_equal(name[0], "Ann Lee");
	g_strfreev(name);
	g_strfreev(who);
	g_strfreev(refs);
}

/* "Here is my passport" on an access case is about access, never "other". */
static void test_reply_carries_case_kinds(void **state)
{
	struct tu_gateway *f = *state;
	feed(f, request);
	feed(f, "From: sian@public.test\r\nTo: disclosure@pdgate.test\r\n"
	     "Subject: Re: We have received your request [PD-2026-000001]\r\n"
	     "Message-ID: <reply-id@public.test>\r\n\r\nHello, thank you. Sian\r\n");
	char **details = column(f, "case_events", "PD-2026-000001", "detail");
	char **actions = column(f, "case_events", "PD-2026-000001", "action");
	int seen = 0;
	for (size_t i = 0; actions[i] != NULL; i++) {
		if (strcmp(actions[i], "message_received") != 0)
			continue;
		assert_non_null(strstr(details[i], "\"kinds\":[\"access\"]"));
		seen = 1;
	}
	assert_true(seen);
	g_strfreev(actions);
	g_strfreev(details);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_case_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_bytes_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_in_the_message_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_team_actions_walk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holiday_change_recomputes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_message_id_not_repeated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_holiday_reload, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rate_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_about_earlier_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_complaint_as_reply, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reused_message_id_is_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_threads_by_message_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_threads_by_subject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_mail_opens_no_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_garbage_is_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_staff_forward_requester, setup, teardown),
		cmocka_unit_test_setup_teardown(test_public_forward_keeps_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_form_without_reply_to, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reply_carries_case_kinds, setup, teardown),
	};
	mime_init();
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	mime_deinit();
	return failed;
}
