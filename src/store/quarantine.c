/* store/quarantine: the rows `pdgate quarantine retry` reads and rewrites. A retried message
   keeps its row (and its id, its spool key, its received time: the statutory clock runs from
   the first receipt, not from the retry); only what the new intake found replaces the old. */
#include "store-private.h"

#include <string.h>

void store_quarantined_clear(struct store_quarantined *q)
{
	g_free(q->sha256);
	g_free(q->error);
	g_free(q->mailbox);
	memset(q, 0, sizeof(*q));
}

static char *column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *v = sqlite3_column_text(st, i);
	return v != NULL ? g_strdup((const char *)v) : NULL;
}

int store_quarantined_load(struct store *store, int64_t id, struct store_quarantined *q,
			   char **error_r)
{
	sqlite3_stmt *st = store_stmt_query(
		store, error_r,
		"SELECT status, sha256, received, size, error, mailbox FROM messages"
		" WHERE id = ? AND direction = 'in'", "i", id);
	int rc, ret = 0;

	memset(q, 0, sizeof(*q));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && strcmp((const char *)sqlite3_column_text(st, 0), "quarantined")) {
		error_set(error_r, 0, "message %" G_GINT64_FORMAT " is not quarantined", id);
	} else if (rc == SQLITE_ROW) {
		q->id = id;
		q->sha256 = column_dup(st, 1);
		q->received = sqlite3_column_int64(st, 2);
		q->size = sqlite3_column_int64(st, 3);
		q->error = column_dup(st, 4);
		q->mailbox = column_dup(st, 5);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		error_set(error_r, 0, "no inbound message %" G_GINT64_FORMAT, id);
	} else {
		ret = store_sql_error(store, error_r, "quarantined message");
	}
	sqlite3_reset(st);
	return ret;
}

int store_message_replace(struct store *store, int64_t id, const struct store_message *m,
			  char **error_r)
{
	return store_stmt_exec(
		store, error_r,
		"UPDATE messages SET case_id = NULLIF(?, 0), message_id = ?, in_reply_to = ?,"
		" refs = ?, from_addr = ?, from_name = ?, to_addr = ?, subject = ?,"
		" date_header = ?, date = ?, auto_reason = ?, status = ?, error = ?,"
		" classification = ?, notice = ?, from_team = ?, auth = ?"
		" WHERE id = ? AND direction = 'in'",
		"issssssssisssssisi", m->case_id, m->message_id, m->in_reply_to, m->references,
		m->from_addr, m->from_name, m->to_addr, m->subject, m->date_header, m->date,
		m->auto_reason, m->status, m->error, m->classification, m->notice,
		(int64_t)m->from_team, m->auth, id);
}

int store_message_event_add(struct store *store, int64_t message_row, const char *actor,
			    const char *action, const char *detail, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "INSERT INTO message_events (message_row, at, actor, action, detail)"
			       " VALUES (?, ?, ?, ?, ?)",
			       "iisss", message_row, pd_now(), actor, action, detail);
}
