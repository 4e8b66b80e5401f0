/* Unit tests: schema migrations, references, de-duplication, events, outbox, spool. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#include "core.h"
#include "store.h"

struct fixture {
	char *dir, *db, *spool;
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	f->dir = g_dir_make_tmp("pdgate-store-XXXXXX", NULL);
	f->db = g_build_filename(f->dir, "pd.db", NULL);
	f->spool = g_build_filename(f->dir, "spool", NULL);
	char *error = NULL;
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	store_close(&f->store);
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(f->dir);
	g_free(f->db);
	g_free(f->spool);
	g_free(f);
	return 0;
}

static void test_schema_fresh_and_reopen(void **state)
{
	struct fixture *f = *state;
	char *error = NULL;
	assert_int_equal(store_schema_version(f->store), STORE_SCHEMA_VERSION);
	store_close(&f->store);
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 1);
	assert_int_equal(store_schema_version(f->store), STORE_SCHEMA_VERSION);
	struct stat st;
	assert_int_equal(stat(f->db, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
}

static void exec_sql(const char *db_path, const char *sql)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_schema_newer_refused(void **state)
{
	struct fixture *f = *state;
	char *error = NULL;
	store_close(&f->store);
	exec_sql(f->db, "PRAGMA user_version = 999");
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 0);
	assert_non_null(strstr(error, "newer"));
	g_free(error);
	error = NULL;
	char *sql = g_strdup_printf("PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	exec_sql(f->db, sql);
	g_free(sql);
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 1);
}

static void test_schema_migrates_empty_file(void **state)
{
	struct fixture *f = *state;
	char *error = NULL, *db2 = g_build_filename(f->dir, "old.db", NULL);
	struct store *s = NULL;
	/* An empty database is version 0: every migration runs in order. */
	exec_sql(db2, "CREATE TABLE unrelated (x)");
	assert_int_equal(store_open(db2, f->spool, &s, &error), 1);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	store_close(&s);
	g_free(db2);
}

static int64_t new_case(struct store *s, int year, char **ref_r)
{
	struct store_new_case nc = { .prefix = "PD", .year = year, .requester_addr = "a@b.test",
				     .subject = "SAR", .received = 1764000000, .state = "open" };
	int64_t id = 0;
	char *error = NULL;
	assert_int_equal(store_begin(s, &error), 1);
	assert_int_equal(store_case_create(s, &nc, &id, ref_r, &error), 1);
	assert_int_equal(store_commit(s, &error), 1);
	return id;
}

/* A database left at version 1 by an older pdgate gains the classification columns. */
static void test_schema_upgrade_from_1(void **state)
{
	struct fixture *f = *state;
	char *error = NULL, *db1 = g_build_filename(f->dir, "v1.db", NULL);
	struct store *s = NULL;
	exec_sql(db1, "CREATE TABLE cases (id INTEGER PRIMARY KEY, reference TEXT NOT NULL UNIQUE,"
		      " requester_addr TEXT, requester_name TEXT, subject TEXT, state TEXT NOT NULL,"
		      " received INTEGER NOT NULL, created INTEGER NOT NULL);"
		      "CREATE TABLE messages (id INTEGER PRIMARY KEY, direction, to_addr, received);"
		      "CREATE TABLE events (id INTEGER PRIMARY KEY, case_id, at, actor, action,"
		      " detail);"
		      "CREATE TABLE outbox (id INTEGER PRIMARY KEY, state);"
		      "INSERT INTO cases VALUES (1, 'PD-2026-000001', 'a@b.test', NULL, 's', 'open', 1, 1);"
		      "PRAGMA user_version = 1;");
	assert_int_equal(store_open(db1, f->spool, &s, &error), 1);
	assert_int_equal(store_schema_version(s), STORE_SCHEMA_VERSION);
	char *ref = NULL;
	/* The old case kept, with the new columns' defaults. */
	assert_int_equal(store_case_find_repeat(s, "a@b.test", 0, 0, &ref), 0);
	assert_int_equal(store_case_reference(s, 1, &ref), 1);
	assert_string_equal(ref, "PD-2026-000001");
	g_free(ref);
	/* ...and the lifecycle columns: regime unknown, no clock days, no stops. */
	struct store_case c;
	assert_int_equal(store_case_load(s, "PD-2026-000001", &c, &error), 1);
	assert_string_equal(c.regime, "unknown");
	assert_string_equal(c.state, "open");
	assert_null(c.identity_on);
	assert_string_equal(c.stops, "");
	/* ...and migration 11's: neither uncertain nor labelled */
	assert_null(c.kinds_uncertain);
	assert_null(c.confirm_by);
	assert_null(c.kinds_labelled);
	store_case_clear(&c);
	store_close(&s);
	g_free(db1);
}

struct labelled_seen {
	GString *s;
};

static int note_labelled(void *ctx, const struct store_labelled *l)
{
	struct labelled_seen *seen = ctx;
	g_string_append_printf(seen->s, "%s %s %s %s %s %s;", l->reference, l->kinds, l->how,
			       l->sha256 != NULL ? l->sha256 : "-",
			       l->spool_path != NULL && g_str_has_suffix(l->spool_path, l->sha256)
			       ? "path" : "-", l->message_id != NULL ? l->message_id : "-");
	return 1;
}

/* Kinds uncertain (migration 11): marked on a new case, cleared when the team confirms or
   corrects; every labelled case listed for training with its first message. */
static void test_kinds_uncertain_and_labelled(void **state)
{
	struct fixture *f = *state;
	char *ref1 = NULL, *ref2 = NULL, *ref3 = NULL, *error = NULL, *sha = NULL;
	int64_t id1 = new_case(f->store, 2026, &ref1), id2 = new_case(f->store, 2026, &ref2);
	int64_t row = 0;
	struct store_case c;
	struct labelled_seen seen = { g_string_new(NULL) };

	new_case(f->store, 2026, &ref3);
	assert_int_equal(store_spool_put(f->store, "request", 7, &sha, &error), 1);
	struct store_message m = { .direction = STORE_IN, .case_id = id1, .sha256 = sha,
				   .size = 7, .received = 1, .status = "stored",
				   .message_id = "req1@public.test" };
	assert_int_equal(store_begin(f->store, &error), 1);
	assert_int_equal(store_message_add(f->store, &m, &row, &error), 1);
	assert_int_equal(store_case_set_uncertain(f->store, id1, "access 0.55, foi 0.48",
						  "2026-03-05", &error), 1);
	assert_int_equal(store_commit(f->store, &error), 1);
	assert_int_equal(store_case_load(f->store, ref1, &c, &error), 1);
	assert_string_equal(c.kinds_uncertain, "access 0.55, foi 0.48");
	assert_string_equal(c.confirm_by, "2026-03-05");
	assert_null(c.kinds_labelled);
	store_case_clear(&c);
	/* nothing labelled yet */
	assert_int_equal(store_cases_labelled(f->store, note_labelled, &seen, &error), 1);
	assert_string_equal(seen.s->str, "");
	/* confirmed: no longer uncertain, the day kept for the record */
	assert_int_equal(store_case_kinds_labelled(f->store, id1, "confirmed", "jo@p.test", 100,
						   &error), 1);
	assert_int_equal(store_case_load(f->store, ref1, &c, &error), 1);
	assert_null(c.kinds_uncertain);
	assert_string_equal(c.confirm_by, "2026-03-05");
	assert_string_equal(c.kinds_labelled, "confirmed");
	store_case_clear(&c);
	/* a case never uncertain can be corrected (and labelled) too; a case without a message
	   is listed without one */
	assert_int_equal(store_case_kinds_labelled(f->store, id2, "corrected", "local:x", 50,
						   &error), 1);
	/* only confirmed or corrected */
	assert_int_equal(store_case_kinds_labelled(f->store, id2, "guessed", "local:x", 60,
						   &error), 0);
	g_free(error);
	error = NULL;
	assert_int_equal(store_cases_labelled(f->store, note_labelled, &seen, &error), 1);
	char *want = g_strdup_printf("%s other corrected - - -;%s other confirmed %s path "
				     "req1@public.test;", ref2, ref1, sha);
	assert_string_equal(seen.s->str, want);
	g_free(want);
	g_string_free(seen.s, TRUE);
	g_free(sha);
	g_free(ref1);
	g_free(ref2);
	g_free(ref3);
}

static void test_repeat_lookup(void **state)
{
	struct fixture *f = *state;
	struct store_new_case nc = { .prefix = "PD", .year = 2026, .requester_addr = "r@p.test",
				     .received = 1000, .state = "open", .kinds = "access",
				     .kinds_mask = 1 };
	int64_t id = 0;
	char *ref = NULL, *found = NULL, *error = NULL;
	assert_int_equal(store_begin(f->store, &error), 1);
	assert_int_equal(store_case_create(f->store, &nc, &id, &ref, &error), 1);
	assert_int_equal(store_commit(f->store, &error), 1);
	assert_int_equal(store_case_find_repeat(f->store, "r@p.test", 1, 500, &found), 1);
	assert_string_equal(found, ref);
	g_free(found);
	assert_int_equal(store_case_find_repeat(f->store, "r@p.test", 2, 500, &found), 0);
	assert_int_equal(store_case_find_repeat(f->store, "r@p.test", 1, 1001, &found), 0);
	assert_int_equal(store_case_find_repeat(f->store, "x@p.test", 1, 0, &found), 0);
	g_free(ref);
}

/* The lifecycle record round-trips; unknown references are 0, not errors. */
static void test_case_save_load(void **state)
{
	struct fixture *f = *state;
	char *ref = NULL, *error = NULL;
	int64_t id = new_case(f->store, 2026, &ref);
	struct store_case c;

	assert_int_equal(store_case_load(f->store, "PD-2026-999999", &c, &error), 0);
	assert_non_null(error);
	g_free(error);
	error = NULL;
	assert_int_equal(store_case_load(f->store, ref, &c, &error), 1);
	assert_int_equal(c.id, id);
	g_free(c.state);
	c.state = g_strdup("awaiting_clarification");
	g_free(c.stops);
	c.stops = g_strdup("2026-03-05:");
	c.identity_on = g_strdup("2026-03-03");
	assert_int_equal(store_begin(f->store, &error), 1);
	assert_int_equal(store_case_save(f->store, &c, &error), 1);
	assert_int_equal(store_event_add(f->store, id, "local:x", "identity_verified", "", &error),
			 1);
	assert_int_equal(store_commit(f->store, &error), 1);
	store_case_clear(&c);
	assert_int_equal(store_case_load(f->store, ref, &c, &error), 1);
	assert_string_equal(c.state, "awaiting_clarification");
	assert_string_equal(c.stops, "2026-03-05:");
	assert_string_equal(c.identity_on, "2026-03-03");
	assert_null(c.restart_on);
	store_case_clear(&c);
	/* Verified requesters are recognised whatever the case of the address. */
	assert_int_equal(store_requester_verified(f->store, "A@B.test", 0), 1);
	assert_int_equal(store_requester_verified(f->store, "a@b.test", pd_now() + 10), 0);
	assert_int_equal(store_requester_verified(f->store, "z@b.test", 0), 0);
	g_free(ref);
}

static void test_references_per_year(void **state)
{
	struct fixture *f = *state;
	char *r1 = NULL, *r2 = NULL, *r3 = NULL;
	new_case(f->store, 2026, &r1);
	new_case(f->store, 2026, &r2);
	new_case(f->store, 2027, &r3);
	assert_string_equal(r1, "PD-2026-000001");
	assert_string_equal(r2, "PD-2026-000002");
	assert_string_equal(r3, "PD-2027-000001");
	int64_t id = 0;
	assert_int_equal(store_case_by_reference(f->store, "PD-2026-000002", &id), 1);
	assert_int_equal(store_case_by_reference(f->store, "PD-2026-000009", &id), 0);
	g_free(r1);
	g_free(r2);
	g_free(r3);
}

static void test_events_append_only(void **state)
{
	struct fixture *f = *state;
	char *ref = NULL, *error = NULL;
	int64_t id = new_case(f->store, 2026, &ref);
	assert_int_equal(store_event_add(f->store, id, "gateway", "case_opened", "x", &error), 1);
	store_close(&f->store);
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "UPDATE events SET detail = 'y'", NULL, NULL, NULL),
			     SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(db, "DELETE FROM events", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 1);
	g_free(ref);
}

static int64_t add_inbound(struct store *s, const char *sha, const char *msgid)
{
	struct store_message m = { .direction = STORE_IN, .sha256 = sha, .size = 10,
				   .message_id = msgid, .received = 1, .status = "stored" };
	int64_t row = 0;
	char *error = NULL;
	int ret = store_message_add(s, &m, &row, &error);
	g_free(error);
	return ret == 1 ? row : -1;
}

static void test_dedup_by_hash_not_message_id(void **state)
{
	struct fixture *f = *state;
	int64_t a = add_inbound(f->store, "aaaa", "same@id");
	int64_t b = add_inbound(f->store, "bbbb", "same@id"); /* reused id, other bytes */
	assert_true(a > 0 && b > 0 && a != b);
	assert_int_equal(add_inbound(f->store, "aaaa", "other@id"), -1); /* same bytes */
	int64_t found = 0;
	assert_int_equal(store_message_find_by_sha256(f->store, "bbbb", &found), 1);
	assert_int_equal(found, b);
	assert_int_equal(store_message_find_by_sha256(f->store, "cccc", &found), 0);
}

static void test_uid_tracking(void **state)
{
	struct fixture *f = *state;
	char *error = NULL;
	uint32_t v = 0;
	int64_t row = add_inbound(f->store, "dddd", NULL), got = 0;
	int moved = -1;
	assert_int_equal(store_mailbox_get(f->store, "INBOX", &v), 0);
	assert_int_equal(store_mailbox_set(f->store, "INBOX", 77, &error), 1);
	assert_int_equal(store_mailbox_get(f->store, "INBOX", &v), 1);
	assert_int_equal(v, 77);
	assert_int_equal(store_uid_put(f->store, "INBOX", 77, 5, row, &error), 1);
	assert_int_equal(store_uid_get(f->store, "INBOX", 77, 5, &got, &moved), 1);
	assert_int_equal(got, row);
	assert_int_equal(moved, 0);
	assert_int_equal(store_uid_get(f->store, "INBOX", 78, 5, &got, &moved), 0);
	assert_int_equal(store_uid_set_moved(f->store, "INBOX", 77, 5, "Processed", &error), 1);
	assert_int_equal(store_uid_get(f->store, "INBOX", 77, 5, &got, &moved), 1);
	assert_int_equal(moved, 1);
}

static void test_outbox_flow(void **state)
{
	struct fixture *f = *state;
	char *ref = NULL, *error = NULL;
	int64_t case_id = new_case(f->store, 2026, &ref), row = 0;
	struct store_message m = { .direction = STORE_OUT, .case_id = case_id, .sha256 = "eeee",
				   .size = 3, .message_id = "ack@pdgate.test", .received = 1,
				   .status = "stored" };
	assert_int_equal(store_message_add(f->store, &m, &row, &error), 1);
	assert_int_equal(store_outbox_add(f->store, case_id, row, "d@p.test", "a@b.test", &error), 1);
	struct store_outbox_item *items = NULL;
	size_t n = 0;
	assert_int_equal(store_outbox_due(f->store, pd_now(), 0, pd_now() + 1, 10, &items, &n), 1);
	assert_int_equal(n, 1);
	assert_string_equal(items[0].message_id, "ack@pdgate.test");
	int64_t id = items[0].id;
	store_outbox_items_free(&items, n);
	/* A crash after marking 'sending' leaves it due, so it is reconciled, not lost. */
	assert_int_equal(store_outbox_mark_sending(f->store, id, pd_now(), &error), 1);
	assert_int_equal(store_outbox_due(f->store, pd_now(), 0, pd_now() + 1, 10, &items, &n), 1);
	assert_int_equal(n, 1);
	assert_int_equal(items[0].attempts, 1);
	store_outbox_items_free(&items, n);
	assert_int_equal(store_outbox_mark_retry(f->store, id, pd_now() + 600, "451", &error), 1);
	assert_int_equal(store_outbox_due(f->store, pd_now(), 0, pd_now() + 1, 10, &items, &n), 1);
	assert_int_equal(n, 0);
	store_outbox_items_free(&items, n);
	assert_int_equal(store_outbox_due(f->store, pd_now() + 601, 0, pd_now() + 1, 10, &items, &n), 1);
	assert_int_equal(n, 1);
	store_outbox_items_free(&items, n);
	assert_int_equal(store_outbox_mark_sent(f->store, id, pd_now(), &error), 1);
	assert_int_equal(store_outbox_due(f->store, pd_now() + 100000, 0, pd_now() + 1, 10, &items, &n), 1);
	assert_int_equal(n, 0);
	store_outbox_items_free(&items, n);
	int64_t found = 0;
	assert_int_equal(store_case_by_sent_message_id(f->store, "ack@pdgate.test", &found), 1);
	assert_int_equal(found, case_id);
	g_free(ref);
}

/* With a journal, an attempt of unknown outcome is never sent again until the journal has
   been checked; a failed notice can be queued again by hand. */
static void test_outbox_journal(void **state)
{
	struct fixture *f = *state;
	char *ref = NULL, *error = NULL;
	int64_t case_id = new_case(f->store, 2026, &ref), row = 0, owner = -1;
	struct store_message m = { .direction = STORE_OUT, .case_id = case_id, .sha256 = "ffff",
				   .size = 3, .message_id = "n1@pdgate.test", .received = 1,
				   .to_addr = "a@b.test",
				   .status = "stored", .notice = "acknowledgement" };
	struct store_outbox_item *items = NULL;
	size_t n = 0;

	assert_int_equal(store_message_add(f->store, &m, &row, &error), 1);
	assert_int_equal(store_outbox_add(f->store, case_id, row, "d@p.test", "a@b.test", &error), 1);
	int64_t sent = 0;
	assert_int_equal(store_auto_notices_since(f->store, "A@b.test", 0, &sent), 1);
	assert_int_equal(sent, 1);
	assert_int_equal(store_outbox_due(f->store, pd_now(), 1, 0, 10, &items, &n), 1);
	assert_int_equal(n, 1);
	int64_t id = items[0].id;
	store_outbox_items_free(&items, n);
	assert_int_equal(store_outbox_case(f->store, id, &owner), 1);
	assert_int_equal(owner, case_id);
	/* Crash after 'sending': not due, but unsettled. */
	assert_int_equal(store_outbox_mark_sending(f->store, id, pd_now(), &error), 1);
	assert_int_equal(store_outbox_due(f->store, pd_now() + 10, 1, 0, 10, &items, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_unsettled(f->store, &items, &n), 1);
	assert_int_equal(n, 1);
	assert_true(items[0].sending);
	store_outbox_items_free(&items, n);
	/* Not in the journal: checked, queued, due again. */
	assert_int_equal(store_outbox_mark_checked(f->store, id, "not in the journal", &error), 1);
	assert_int_equal(store_outbox_unsettled(f->store, &items, &n), 1);
	assert_int_equal(n, 0);
	assert_int_equal(store_outbox_due(f->store, pd_now() + 10, 1, 0, 10, &items, &n), 1);
	assert_int_equal(n, 1);
	store_outbox_items_free(&items, n);
	/* Failed, then retried by hand: unsettled (checked first), then due. */
	assert_int_equal(store_outbox_mark_failed(f->store, id, "550", &error), 1);
	assert_int_equal(store_outbox_retry(f->store, 999, pd_now(), &error), 0);
	g_free(error);
	error = NULL;
	assert_int_equal(store_outbox_retry(f->store, id, pd_now(), &error), 1);
	assert_int_equal(store_outbox_unsettled(f->store, &items, &n), 1);
	assert_int_equal(n, 1);
	store_outbox_items_free(&items, n);
	g_free(ref);
}

static void test_spool_roundtrip_and_corruption(void **state)
{
	struct fixture *f = *state;
	const char raw[] = "From: a@b\r\n\r\nbody\0with nul";
	char *sha = NULL, *back = NULL, *error = NULL;
	size_t len = 0;
	assert_int_equal(store_spool_put(f->store, raw, sizeof(raw), &sha, &error), 1);
	assert_int_equal(store_spool_get(f->store, sha, &back, &len, &error), 1);
	assert_int_equal(len, sizeof(raw));
	assert_memory_equal(back, raw, len);
	g_free(back);
	char sub[3] = { sha[0], sha[1], 0 };
	char *path = g_build_filename(f->spool, sub, sha, NULL);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(g_file_set_contents(path, "tampered", -1, NULL));
	assert_int_equal(store_spool_get(f->store, sha, &back, &len, &error), 0);
	assert_non_null(strstr(error, "corrupt"));
	g_free(error);
	error = NULL;
	assert_int_equal(store_spool_get(f->store, "../../etc/passwd", &back, &len, &error), 0);
	g_free(error);
	g_free(path);
	g_free(sha);
}

/* A database error is not "not found": every lookup says -1, so a safety check built on it
   (the per-requester limit, "already stored?", "which case?") can fail closed. The tables
   are renamed away by another connection, as a damaged or foreign database would be. */
static void test_lookups_tell_error_from_none(void **state)
{
	struct fixture *f = *state;
	char *ref = NULL, *s = NULL;
	int64_t case_id = new_case(f->store, 2026, &ref), v = 0;
	uint32_t uv = 0;
	struct store_inbound in;

	exec_sql(f->db, "ALTER TABLE messages RENAME TO gone_messages;"
			"ALTER TABLE cases RENAME TO gone_cases;"
			"ALTER TABLE mailboxes RENAME TO gone_mailboxes;"
			"ALTER TABLE mailbox_uids RENAME TO gone_uids;"
			"ALTER TABLE outbox RENAME TO gone_outbox;");
	assert_int_equal(store_auto_notices_since(f->store, "a@b.test", 0, &v), -1);
	assert_int_equal(store_case_last_notice(f->store, case_id, "acknowledgement", &v), -1);
	assert_int_equal(store_message_find_by_sha256(f->store, "aaaa", &v), -1);
	assert_int_equal(store_message_quarantined(f->store, 1), -1);
	assert_int_equal(store_message_sha256(f->store, 1, &s), -1);
	assert_int_equal(store_case_by_reference(f->store, ref, &v), -1);
	assert_int_equal(store_case_by_sent_message_id(f->store, "a@b", &v), -1);
	assert_int_equal(store_case_reference(f->store, case_id, &s), -1);
	assert_int_equal(store_case_find_repeat(f->store, "a@b.test", 1, 0, &s), -1);
	assert_int_equal(store_requester_verified(f->store, "a@b.test", 0), -1);
	assert_int_equal(store_requester_had_outcome(f->store, "a@b.test", "vexatious", 0), -1);
	assert_int_equal(store_case_last_inbound(f->store, case_id, &in), -1);
	assert_int_equal(store_mailbox_get(f->store, "INBOX", &uv), -1);
	assert_int_equal(store_uid_get(f->store, "INBOX", 1, 1, &v, NULL), -1);
	assert_int_equal(store_outbox_case(f->store, 1, &v), -1);
	assert_null(s);
	g_free(ref);
}

/* Attempts per UID: counted before each try (a crash still counts), given back when the
   failure was not the message's, dropped once it is processed. */
static void test_uid_attempts(void **state)
{
	struct fixture *f = *state;
	char *last = NULL, *error = NULL;
	int n = 0;

	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 9, 4, &n, &last, &error), 1);
	assert_int_equal(n, 1);
	assert_null(last);
	/* the poller died here: the next try is the second */
	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 9, 4, &n, &last, &error), 1);
	assert_int_equal(n, 2);
	assert_int_equal(store_uid_attempt_end(f->store, "INBOX", 9, 4, STORE_ATTEMPT_NOT_OURS,
					       "disk full", &error), 1);
	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 9, 4, &n, &last, &error), 1);
	assert_int_equal(n, 2);
	assert_string_equal(last, "disk full");
	g_free(last);
	assert_int_equal(store_uid_attempt_end(f->store, "INBOX", 9, 4, STORE_ATTEMPT_FAILED,
					       "refused", &error), 1);
	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 9, 4, &n, &last, &error), 1);
	assert_int_equal(n, 3);
	assert_string_equal(last, "refused");
	g_free(last);
	/* another UID, or the same UID under another UIDVALIDITY, counts apart */
	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 10, 4, &n, &last, &error), 1);
	assert_int_equal(n, 1);
	assert_int_equal(store_uid_attempt_end(f->store, "INBOX", 9, 4, STORE_ATTEMPT_DONE, NULL,
					       &error), 1);
	assert_int_equal(store_uid_attempt_begin(f->store, "INBOX", 9, 4, &n, &last, &error), 1);
	assert_int_equal(n, 1);
	assert_null(last);
	assert_null(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_fresh_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_journal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_newer_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_migrates_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_upgrade_from_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kinds_uncertain_and_labelled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_references_per_year, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events_append_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dedup_by_hash_not_message_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_tracking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lookups_tell_error_from_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uid_attempts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_flow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spool_roundtrip_and_corruption, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
