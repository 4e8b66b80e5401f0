/* Unit tests: `pdgate quarantine` and its retry, without servers. A message quarantined by the
   parser, one an older pdgate quarantined by mistake (seeded as it would have left it: the row
   quarantined, the bytes in the spool), a bounce, one kept without its bytes; the listing's
   escaping and the From/Subject read from the bytes of unparsable mail. */
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
#include "mime.h"
#include "quarantine.h"
#include "store.h"
#include "testutil.h"

/* Mail handed in without IMAP: no UID to record. */
static const struct gateway_origin inbox = { .mailbox = "INBOX" };

static int setup(void **state)
{
	*state = tu_gateway_open("pdgate-quar-XXXXXX", "");
	return 0;
}

static int teardown(void **state)
{
	tu_gateway_close(*state);
	return 0;
}

static const char request[] =
	"From: Sam Jones <sam@public.test>\r\n"
	"To: disclosure@pdgate.test\r\n"
	"Subject: Freedom of Information request\r\n"
	"Date: Tue, 25 Nov 2026 10:00:00 +0000\r\n"
	"Message-ID: <foi1@public.test>\r\n"
	"\r\n"
	"Under the Freedom of Information Act please tell me how many dogs the force has.\r\n";

static const char bounce[] =
	"From: Mail Delivery System <MAILER-DAEMON@mx.public.test>\r\n"
	"To: disclosure@pdgate.test\r\n"
	"Subject: Undelivered Mail Returned to Sender\r\n"
	"Auto-Submitted: auto-replied\r\n"
	"Message-ID: <bounce1@mx.public.test>\r\n"
	"\r\n"
	"This is the mail system. Your message could not be delivered.\r\n";

/* A message the parser refuses today: more boundary lines than any real message has. Its
   subject carries an escape sequence that would recolour a terminal. */
static char *unparsable(size_t *len_r)
{
	GString *s = g_string_new("From: =?UTF-8?Q?Mallory_=1B[31m?= <m@public.test>\r\n"
				  "Subject: =?UTF-8?Q?red=1B[31m_text?=\r\n"
				  "\r\n");
	for (int i = 0; i < 40001; i++)
		g_string_append(s, "--\r\n");
	*len_r = s->len;
	return g_string_free(s, FALSE);
}

/* Seed a row as an older pdgate left it: quarantined (a bug since fixed), bytes spooled. */
static int64_t seed_quarantined(struct tu_gateway *f, const char *raw, const char *why)
{
	struct store *s = NULL;
	char *error = NULL, *sha = NULL;
	int64_t row = 0;

	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &s, &error),
			 1);
	if (raw != NULL)
		assert_int_equal(store_spool_put(s, raw, strlen(raw), &sha, &error), 1);
	struct store_message m = { .direction = STORE_IN, .sha256 = sha,
				   .size = raw != NULL ? strlen(raw) : 50u * 1024 * 1024,
				   .received = 1795608000, .status = "quarantined", .error = why,
				   .mailbox = "INBOX" };
	assert_int_equal(store_message_add(s, &m, &row, &error), 1);
	store_close(&s);
	g_free(sha);
	return row;
}

/* One integer from the database (a direct query: what the record holds). */
static int64_t db_int(struct tu_gateway *f, const char *sql)
{
	char *path = g_build_filename(f->dir, "pd.db", NULL);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	g_free(path);
	return v;
}

/* What `pdgate quarantine` prints (text or JSON). */
static char *listing(struct tu_gateway *f, int json)
{
	struct store *s = NULL;
	char *error = NULL, *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	assert_int_equal(store_open(f->config->store.database, f->config->store.spool, &s, &error),
			 1);
	assert_int_equal(quarantine_list(s, json, out, &error), 1);
	fclose(out);
	store_close(&s);
	return buf;
}

static void test_escape(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "plain text", "plain text" },
		{ "red\x1b[31m", "red\\x1b[31m" },
		{ "bell\a tab\t nl\n del\x7f", "bell\\x07 tab\\x09 nl\\x0a del\\x7f" },
		{ "c1 \xc2\x9b" "31m", "c1 \\x9b31m" },
		{ "bidi \xe2\x80\xae" "gpj.exe", "bidi \\u{202e}gpj.exe" },
		{ "back\\x1b", "back\\\\x1b" },
		{ "Si\xc3\xa2n \xe2\x82\xac", "Si\xc3\xa2n \xe2\x82\xac" },
		{ "bad \xff utf8", "bad \xef\xbf\xbd utf8" },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *got = quarantine_escape(cases[i].in);
		assert_string_equal(got, cases[i].out);
		g_free(got);
	}
	assert_null(quarantine_escape(NULL));
}

static void test_peek(void **state)
{
	static const char raw[] =
		"Received: from x\r\n  by y\r\n"
		"subject: =?UTF-8?Q?Si=C3=A2n?=\r\n\t folded\x1b\r\n"
		"From: A <a@public.test>\r\n"
		"\r\n"
		"Subject: in the body, not a header\r\n";
	char *from = NULL, *subject = NULL;

	mime_peek_headers(raw, sizeof(raw) - 1, &from, &subject);
	assert_string_equal(from, "A <a@public.test>");
	assert_string_equal(subject, "Si\xc3\xa2n\t folded\x1b");
	g_free(from);
	g_free(subject);
	mime_peek_headers("X: y\n\nFrom: body\n", 17, &from, &subject);
	assert_null(from);
	assert_null(subject);
	mime_peek_headers("From: cut", 5, &from, &subject);  /* the bound is respected */
	assert_null(from);
}

/* A message the parser refuses stays quarantined on retry, with the retry recorded. */
static void test_retry_still_quarantined(void **state)
{
	struct tu_gateway *f = *state;
	struct gateway_retry r;
	char *error = NULL;
	size_t len = 0;
	char *raw = unparsable(&len);
	int64_t row = 0;

	assert_int_equal(gateway_process_raw(f->gw, raw, len, 1795608000, &inbox, &row, &error),
			 1);
	assert_int_equal(db_int(f, "SELECT status = 'quarantined' FROM messages"), 1);
	assert_int_equal(gateway_quarantine_retry(f->gw, row, "local:test", &r, &error), 1);
	assert_true(r.quarantined);
	assert_non_null(strstr(r.reason, "boundary lines"));
	assert_null(r.reference);
	gateway_retry_clear(&r);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM messages"), 1);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM message_events WHERE action = "
				"'quarantine_retried' AND detail LIKE '%it was quarantined: "
				"too many boundary lines%still quarantined: too many "
				"boundary lines%'"), 1);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM cases"), 0);

	/* The listing names it by the From and Subject of its bytes, escaped. */
	char *text = listing(f, 0), *json = listing(f, 1);
	assert_non_null(strstr(text, "red\\x1b[31m text"));
	assert_null(strchr(text, '\x1b'));
	assert_non_null(strstr(text, "too many boundary lines"));
	assert_non_null(strstr(json, "\"retries\" : 1"));
	assert_non_null(strstr(json, "\"retriable\" : true"));
	assert_null(strchr(json, '\x1b'));
	free(text);
	free(json);
	g_free(raw);
}

/* A message quarantined by a bug since fixed: stored on its own row, a case opened, the
   acknowledgement queued, the old reason on the case's record; a second retry is refused. */
static void test_retry_after_fix(void **state)
{
	struct tu_gateway *f = *state;
	struct gateway_retry r;
	char *error = NULL;
	int64_t row = seed_quarantined(f, request, "an old parser bug");

	assert_int_equal(gateway_quarantine_retry(f->gw, row, "local:test", &r, &error), 1);
	assert_false(r.quarantined);
	assert_string_equal(r.reference, "PD-2026-000001");
	gateway_retry_clear(&r);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM messages WHERE direction = 'in'"), 1);
	assert_int_equal(db_int(f, "SELECT id FROM messages WHERE direction = 'in' AND "
				"status = 'stored' AND error IS NULL AND case_id = 1 AND "
				"received = 1795608000"), row);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM outbox o JOIN messages m ON "
				"m.id = o.message_row WHERE m.notice = 'acknowledgement' AND "
				"o.rcpt = 'sam@public.test'"), 1);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM events WHERE case_id = 1 AND action = "
				"'quarantine_retried' AND actor = 'local:test' AND detail LIKE "
				"'%quarantined: an old parser bug%stored on case "
				"PD-2026-000001%'"), 1);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM message_events"), 1);
	char *text = listing(f, 0);
	assert_null(strstr(text, "Freedom"));
	free(text);

	assert_int_equal(gateway_quarantine_retry(f->gw, row, "local:test", &r, &error), 0);
	assert_non_null(strstr(error, "not quarantined"));
	assert_false(r.unretriable);
	gateway_retry_clear(&r);
	g_free(error);
}

/* A bounce quarantined by mistake: stored, machine-generated, no case, no notice; the retry
   is on the message's own record. */
static void test_retry_bounce(void **state)
{
	struct tu_gateway *f = *state;
	struct gateway_retry r;
	char *error = NULL;
	int64_t row = seed_quarantined(f, bounce, "an old parser bug");

	assert_int_equal(gateway_quarantine_retry(f->gw, row, "local:test", &r, &error), 1);
	assert_false(r.quarantined);
	assert_null(r.reference);
	assert_non_null(r.auto_reason);
	gateway_retry_clear(&r);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM cases"), 0);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM outbox"), 0);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM messages WHERE status = 'stored' AND "
				"auto_reason IS NOT NULL"), 1);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM message_events WHERE detail LIKE "
				"'%an old parser bug%machine-generated%'"), 1);
}

/* Over-size mail of older versions has no bytes: a clear refusal, nothing changes; so does
   a spool copy that went missing, and an unknown id. */
static void test_retry_refused(void **state)
{
	struct tu_gateway *f = *state;
	struct gateway_retry r;
	char *error = NULL;
	int64_t big = seed_quarantined(f, NULL, "message of 52428800 bytes exceeds the limit");

	assert_int_equal(gateway_quarantine_retry(f->gw, big, "local:test", &r, &error), 0);
	assert_true(r.unretriable);
	assert_non_null(strstr(error, "without its bytes"));
	assert_non_null(strstr(error, "exceeds the limit"));
	gateway_retry_clear(&r);
	g_free(error);
	error = NULL;
	char *json = listing(f, 1);
	assert_non_null(strstr(json, "\"retriable\" : false"));
	free(json);

	int64_t lost = seed_quarantined(f, request, "an old parser bug");
	char *cmd = g_strdup_printf("rm -rf '%s/spool'", f->dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	assert_int_equal(gateway_quarantine_retry(f->gw, lost, "local:test", &r, &error), 0);
	assert_true(r.unretriable);
	gateway_retry_clear(&r);
	g_free(error);
	error = NULL;

	assert_int_equal(gateway_quarantine_retry(f->gw, 999, "local:test", &r, &error), 0);
	assert_non_null(strstr(error, "no inbound message 999"));
	gateway_retry_clear(&r);
	g_free(error);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM message_events"), 0);
	assert_int_equal(db_int(f, "SELECT COUNT(*) FROM messages WHERE status = 'quarantined'"),
			 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_peek),
		cmocka_unit_test_setup_teardown(test_retry_still_quarantined, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_after_fix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_bounce, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_refused, setup, teardown),
	};

	mime_init();
	int ret = cmocka_run_group_tests_name("quarantine", tests, NULL, NULL);
	mime_deinit();
	return ret;
}
