/* store/attempts: how many times each mailbox UID was tried. Each count is its own small
   transaction, taken before the attempt, so a message that crashes the poller is counted
   and, after [imap] max_attempts, quarantined instead of crashing it for ever. */
#include "store-private.h"

int store_uid_attempt_begin(struct store *store, const char *mailbox, uint32_t uidvalidity,
			    uint32_t uid, int *attempts_r, char **last_error_r, char **error_r)
{
	/* One statement (its own transaction in autocommit): counted and read back together,
	   since it runs once for every message the poller takes. */
	sqlite3_stmt *st = store_stmt_query(store, error_r,
		"INSERT INTO uid_attempts (mailbox, uidvalidity, uid, attempts) VALUES (?, ?, ?, 1)"
		" ON CONFLICT (mailbox, uidvalidity, uid) DO UPDATE SET attempts = attempts + 1"
		" RETURNING attempts, last_error", "sii", mailbox, (int64_t)uidvalidity,
		(int64_t)uid);
	int ret = -1;

	*attempts_r = 0;
	*last_error_r = NULL;
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		*attempts_r = sqlite3_column_int(st, 0);
		if (sqlite3_column_text(st, 1) != NULL)
			*last_error_r = g_strdup((const char *)sqlite3_column_text(st, 1));
		ret = 1;
	}
	/* RETURNING's statement is done (its change committed) only once stepped to the end */
	if (ret == 1 && sqlite3_step(st) != SQLITE_DONE)
		ret = -1;
	if (ret != 1)
		store_sql_error(store, error_r, "attempts");
	sqlite3_reset(st);
	if (ret != 1) {
		g_free(*last_error_r);
		*last_error_r = NULL;
	}
	return ret;
}

int store_uid_attempt_end(struct store *store, const char *mailbox, uint32_t uidvalidity,
			  uint32_t uid, enum store_attempt_outcome outcome, const char *error,
			  char **error_r)
{
	int ret;

	if (outcome == STORE_ATTEMPT_DONE)
		ret = store_stmt_exec(store, error_r,
			"DELETE FROM uid_attempts WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
			"sii", mailbox, (int64_t)uidvalidity, (int64_t)uid);
	else
		ret = store_stmt_exec(store, error_r,
			"UPDATE uid_attempts SET last_error = ?,"
			" attempts = attempts - (CASE WHEN ? THEN 1 ELSE 0 END)"
			" WHERE mailbox = ? AND uidvalidity = ? AND uid = ?", "sisii", error,
			(int64_t)(outcome == STORE_ATTEMPT_NOT_OURS), mailbox,
			(int64_t)uidvalidity, (int64_t)uid);
	return ret == 1 ? 1 : -1;
}
