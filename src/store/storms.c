/* store/storms: the sender log that storms are counted from, the storm records, and the
   notice a bounce names. Senders are stored lower-cased by the caller; every lookup tells
   "none" from "database error" so the storm check fails closed. */
#include "store-private.h"

#include <string.h>

int store_sender_log(struct store *store, int64_t message_row, const char *sender,
		     int64_t received, int64_t storm_id, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "INSERT INTO sender_log (message_row, sender, received, storm_id)"
			       " VALUES (?, ?, ?, NULLIF(?, 0))", "isii", message_row, sender,
			       received, storm_id);
}

int store_sender_count(struct store *store, const char *sender, int64_t after, int64_t until,
		       int64_t *count_r)
{
	/* COUNT(*) always gives a row: 0 here means no row at all, which cannot happen. */
	int ret = store_stmt_int(store, count_r,
				 "SELECT COUNT(*) FROM sender_log WHERE sender = ?"
				 " AND received > ? AND received <= ?", "sii", sender, after, until);
	return ret == 1 ? 1 : -1;
}

void store_storm_clear(struct store_storm *s)
{
	g_free(s->sender);
	memset(s, 0, sizeof(*s));
}

#define STORM_COLUMNS "id, sender, started, last_seen, held, window_s, threshold, opened"

static void read_storm(sqlite3_stmt *st, struct store_storm *s)
{
	const unsigned char *sender = sqlite3_column_text(st, 1);

	s->id = sqlite3_column_int64(st, 0);
	s->sender = g_strdup(sender != NULL ? (const char *)sender : "");
	s->started = sqlite3_column_int64(st, 2);
	s->last_seen = sqlite3_column_int64(st, 3);
	s->held = sqlite3_column_int64(st, 4);
	s->window_s = sqlite3_column_int64(st, 5);
	s->threshold = sqlite3_column_int64(st, 6);
	s->opened = sqlite3_column_int64(st, 7);
}

/* One storm row from a bound query: 1, 0 none, -1 error. */
static int step_storm(struct store *store, sqlite3_stmt *st, struct store_storm *s)
{
	int rc, ret = -1;

	memset(s, 0, sizeof(*s));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_storm(st, s);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		log_error("store: storm query failed: %s", sqlite3_errmsg(store->db));
	}
	sqlite3_reset(st);
	return ret;
}

int store_storm_latest(struct store *store, const char *sender, struct store_storm *s)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT " STORM_COLUMNS " FROM storms WHERE sender = ?"
		" ORDER BY last_seen DESC, id DESC LIMIT 1", "s", sender);
	return step_storm(store, st, s);
}

int store_storm_load(struct store *store, int64_t id, struct store_storm *s)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT " STORM_COLUMNS " FROM storms WHERE id = ?", "i", id);
	return step_storm(store, st, s);
}

int store_storm_add(struct store *store, const struct store_storm *s, int64_t *id_r,
		    char **error_r)
{
	int ret = store_stmt_exec(store, error_r,
				  "INSERT INTO storms (sender, started, last_seen, held, window_s,"
				  " threshold, created) VALUES (?, ?, ?, 1, ?, ?, ?)", "siiiii",
				  s->sender, s->started, s->started, s->window_s, s->threshold,
				  pd_now());
	if (ret == 1)
		*id_r = sqlite3_last_insert_rowid(store->db);
	return ret;
}

int store_storm_grow(struct store *store, int64_t id, int64_t received, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE storms SET held = held + 1, last_seen = MAX(last_seen, ?)"
			       " WHERE id = ?", "ii", received, id);
}

int store_storm_waiting(struct store *store, int64_t id, int64_t **rows_r,
			int64_t **received_r, size_t *n_r)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT l.message_row, l.received FROM sender_log l"
		" JOIN messages m ON m.id = l.message_row"
		" WHERE l.storm_id = ? AND m.case_id IS NULL ORDER BY l.received, l.message_row",
		"i", id);
	GArray *rows = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GArray *received = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int rc = SQLITE_DONE;

	if (st != NULL) {
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int64_t row = sqlite3_column_int64(st, 0), at = sqlite3_column_int64(st, 1);
			g_array_append_val(rows, row);
			g_array_append_val(received, at);
		}
		sqlite3_reset(st);
	}
	*n_r = rows->len;
	*rows_r = (int64_t *)(void *)g_array_free(rows, FALSE);
	*received_r = (int64_t *)(void *)g_array_free(received, FALSE);
	return st != NULL && rc == SQLITE_DONE ? 1 : -1;
}

int store_storm_opened(struct store *store, int64_t storm_id, int64_t message_row,
		       int64_t case_id, char **error_r)
{
	int ret = store_stmt_exec(store, error_r, "UPDATE messages SET case_id = ? WHERE id = ?",
				  "ii", case_id, message_row);
	if (ret == 1)
		ret = store_stmt_exec(store, error_r,
				      "UPDATE storms SET opened = opened + 1 WHERE id = ?", "i",
				      storm_id);
	return ret;
}

void store_sent_notice_clear(struct store_sent_notice *n)
{
	g_free(n->notice);
	g_free(n->rcpt);
	g_free(n->state);
	memset(n, 0, sizeof(*n));
}

int store_sent_notice_find(struct store *store, const char *message_id,
			   struct store_sent_notice *n)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT o.id, IFNULL(o.case_id, 0), m.id, m.notice, o.rcpt, o.state FROM messages m"
		" JOIN outbox o ON o.message_row = m.id WHERE m.direction = 'out'"
		" AND m.message_id = ? ORDER BY o.id LIMIT 1", "s", message_id);
	int rc, ret = -1;

	memset(n, 0, sizeof(*n));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		n->outbox_id = sqlite3_column_int64(st, 0);
		n->case_id = sqlite3_column_int64(st, 1);
		n->message_row = sqlite3_column_int64(st, 2);
		n->notice = g_strdup((const char *)sqlite3_column_text(st, 3));
		n->rcpt = g_strdup((const char *)sqlite3_column_text(st, 4));
		n->state = g_strdup((const char *)sqlite3_column_text(st, 5));
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = 0;
	} else {
		log_error("store: sent notice query failed: %s", sqlite3_errmsg(store->db));
	}
	sqlite3_reset(st);
	return ret;
}
