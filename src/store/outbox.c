/* store/outbox: the queue of outgoing notices. A row moves queued -> sending -> sent, or back
   to queued with a later next_attempt, or to failed. 'sending' is written and committed before
   the SMTP transaction starts, so a crash in between is visible afterwards. */
#include "store-private.h"

#include <string.h>

int store_outbox_add(struct store *store, int64_t case_id, int64_t message_row, const char *sender,
		     const char *rcpt, char **error_r)
{
	int64_t now = pd_now();
	return store_stmt_exec(store, error_r,
			       "INSERT INTO outbox (case_id, message_row, sender, rcpt, state,"
			       " next_attempt, created) VALUES (NULLIF(?, 0), ?, ?, ?, 'queued', ?, ?)",
			       "iissii", case_id, message_row, sender, rcpt, now, now);
}

#define ITEM_COLUMNS "o.id, IFNULL(o.case_id, 0), o.message_row, o.sender, o.rcpt," \
	" m.sha256, m.message_id, o.attempts, IFNULL(o.last_attempt, 0), o.state, o.last_error"

static void item_from_row(sqlite3_stmt *st, struct store_outbox_item *it)
{
	it->id = sqlite3_column_int64(st, 0);
	it->case_id = sqlite3_column_int64(st, 1);
	it->message_row = sqlite3_column_int64(st, 2);
	it->sender = g_strdup((const char *)sqlite3_column_text(st, 3));
	it->rcpt = g_strdup((const char *)sqlite3_column_text(st, 4));
	it->sha256 = g_strdup((const char *)sqlite3_column_text(st, 5));
	it->message_id = g_strdup((const char *)sqlite3_column_text(st, 6));
	it->attempts = sqlite3_column_int(st, 7);
	it->last_attempt = sqlite3_column_int64(st, 8);
	it->sending = g_strcmp0((const char *)sqlite3_column_text(st, 9), "sending") == 0;
	it->last_error = g_strdup((const char *)sqlite3_column_text(st, 10));
}

static int items_collect(struct store *store, sqlite3_stmt *st,
			 struct store_outbox_item **items_r, size_t *count_r)
{
	GArray *items = g_array_new(FALSE, TRUE, sizeof(struct store_outbox_item));
	int rc = SQLITE_DONE;

	*items_r = NULL;
	*count_r = 0;
	if (st == NULL) {
		g_array_free(items, TRUE);
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_outbox_item it;
		item_from_row(st, &it);
		g_array_append_val(items, it);
	}
	sqlite3_reset(st);
	*count_r = items->len;
	*items_r = (struct store_outbox_item *)(void *)g_array_free(items, FALSE);
	if (rc != SQLITE_DONE) {
		log_error("store: outbox query failed: %s", sqlite3_errmsg(store->db));
		return -1;
	}
	return 1;
}

int store_outbox_due(struct store *store, int64_t now, int journal, int64_t started,
		     size_t max, struct store_outbox_item **items_r, size_t *count_r)
{
	sqlite3_stmt *st;

	/* With a journal, a row that may have been accepted already ('sending' after a crash,
	   or a retry) waits until the journal said it was not (checked). */
	if (journal)
		st = store_stmt_query(store, NULL,
			"SELECT " ITEM_COLUMNS " FROM outbox o JOIN messages m ON m.id = o.message_row"
			" WHERE o.state = 'queued' AND o.next_attempt <= ?"
			" AND (o.attempts = 0 OR o.checked = 1)"
			" ORDER BY o.next_attempt, o.id LIMIT ?", "ii", now, (int64_t)max);
	else
		st = store_stmt_query(store, NULL,
			"SELECT " ITEM_COLUMNS " FROM outbox o JOIN messages m ON m.id = o.message_row"
			" WHERE (o.state = 'queued' AND o.next_attempt <= ?)"
			" OR (o.state = 'sending' AND o.last_attempt < ?)"
			" ORDER BY o.next_attempt, o.id LIMIT ?", "iii", now, started, (int64_t)max);
	return items_collect(store, st, items_r, count_r);
}

int store_outbox_unsettled(struct store *store, struct store_outbox_item **items_r,
			   size_t *count_r)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT " ITEM_COLUMNS " FROM outbox o JOIN messages m ON m.id = o.message_row"
		" WHERE o.state = 'sending' OR (o.state = 'queued' AND o.attempts > 0"
		" AND o.checked = 0) ORDER BY o.id LIMIT 1000", "");
	return items_collect(store, st, items_r, count_r);
}

int store_outbox_mark_checked(struct store *store, int64_t id, const char *why,
			      char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE outbox SET checked = 1, state = 'queued',"
			       " last_error = IFNULL(?, last_error)"
			       " WHERE id = ? AND state IN ('sending', 'queued')", "si", why, id);
}

int store_outbox_retry(struct store *store, int64_t id, int64_t now, char **error_r)
{
	int ret = store_stmt_exec(store, error_r,
				  "UPDATE outbox SET state = 'queued', next_attempt = ?, checked = 0"
				  " WHERE id = ? AND state IN ('failed', 'queued')", "ii", now, id);
	if (ret == 1 && sqlite3_changes(store->db) == 0)
		return error_set(error_r, 0, "no failed or queued notice %" G_GINT64_FORMAT, id);
	return ret;
}

int store_outbox_case(struct store *store, int64_t id, int64_t *case_id_r)
{
	return store_stmt_int(store, case_id_r,
			      "SELECT IFNULL(case_id, 0) FROM outbox WHERE id = ?", "i", id);
}

void store_outbox_items_free(struct store_outbox_item **items, size_t count)
{
	if (*items == NULL)
		return;
	for (size_t i = 0; i < count; i++) {
		g_free((*items)[i].sender);
		g_free((*items)[i].rcpt);
		g_free((*items)[i].sha256);
		g_free((*items)[i].message_id);
		g_free((*items)[i].last_error);
	}
	g_free(*items);
	*items = NULL;
}

int store_outbox_mark_sending(struct store *store, int64_t id, int64_t now, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE outbox SET state = 'sending', attempts = attempts + 1,"
			       " last_attempt = ?, checked = 0 WHERE id = ?",
			       "ii", now, id);
}

int store_outbox_mark_sent(struct store *store, int64_t id, int64_t now, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE outbox SET state = 'sent', sent_at = ?, last_error = NULL"
			       " WHERE id = ?",
			       "ii", now, id);
}

int store_outbox_mark_retry(struct store *store, int64_t id, int64_t next_attempt,
			    const char *error, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE outbox SET state = 'queued', next_attempt = ?, last_error = ?"
			       " WHERE id = ?",
			       "isi", next_attempt, error, id);
}

int store_outbox_mark_failed(struct store *store, int64_t id, const char *error, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE outbox SET state = 'failed', last_error = ? WHERE id = ?", "si",
			       error, id);
}
