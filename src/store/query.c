/* store/query: the read side for the CLI. Named queries only; the caller formats rows. */
#include "store-private.h"

#include <string.h>

struct named_query {
	const char *kind;
	int takes_arg;
	const char *sql;
};

/* Times are Unix seconds; the CLI formats them. */
static const struct named_query queries[] = {
	{ "cases", 0,
	  "SELECT reference, requester_addr AS requester, requester_name, state,"
	  " received, subject, kinds FROM cases ORDER BY received, id" },
	{ "case", 1,
	  "SELECT reference, requester_addr AS requester, requester_name, state,"
	  " received, subject, kinds, regime, regime_hint, on_behalf, child, vague,"
	  " identity_attached, identity_on, restart_on, extended_on, stops,"
	  " CASE WHEN ',' || kinds || ',' LIKE '%,complaint,%' THEN complaint_type END"
	  " AS complaint_type, related_case, owner, outcome, reopened_on, fee_on, fee_paid_on,"
	  " NULLIF(fee_pence, 0) AS fee_pence, kinds_uncertain, confirm_by, kinds_labelled,"
	  " kinds_labelled_at, kinds_labelled_by FROM cases WHERE reference = ?" },
	{ "case_messages", 1,
	  "SELECT m.id, m.direction, m.message_id, m.from_addr AS \"from\", m.to_addr AS \"to\","
	  " m.subject, m.received, m.date_header, m.sha256, m.size, m.auto_reason, m.status,"
	  " m.classification FROM messages m JOIN cases c ON c.id = m.case_id WHERE c.reference = ?"
	  " ORDER BY m.id" },
	{ "case_events", 1,
	  "SELECT e.at, e.actor, e.action, e.detail FROM events e"
	  " JOIN cases c ON c.id = e.case_id WHERE c.reference = ? ORDER BY e.id" },
	{ "case_outbox", 1,
	  "SELECT o.id, m.notice, o.state, o.rcpt, m.message_id, o.attempts, o.last_error,"
	  " o.sent_at FROM outbox o JOIN cases c ON c.id = o.case_id"
	  " JOIN messages m ON m.id = o.message_row"
	  " WHERE c.reference = ? ORDER BY o.id" },
	{ "messages", 0,
	  "SELECT m.id, c.reference AS \"case\", m.direction, m.message_id, m.from_addr AS \"from\","
	  " m.subject, m.received, m.auto_reason, m.status, m.error FROM messages m"
	  " LEFT JOIN cases c ON c.id = m.case_id ORDER BY m.id" },
	{ "failed_notices", 0,
	  "SELECT c.reference, 'notice ' || IFNULL(m.notice, '?') || ' to ' || o.rcpt ||"
	  " ' failed: ' || IFNULL(o.last_error, '?') || ' (pdgate outbox retry ' || o.id || ')'"
	  " AS what, IFNULL(o.last_attempt, o.created) AS at FROM outbox o"
	  " LEFT JOIN cases c ON c.id = o.case_id JOIN messages m ON m.id = o.message_row"
	  " WHERE o.state = 'failed' ORDER BY o.id" },
	{ "quarantined", 1,
	  "SELECT NULL AS reference, 'from ' || IFNULL(from_addr, '?') || ': ' ||"
	  " IFNULL(subject, '(no subject)') || ' (' || IFNULL(error, '?') || ')' AS what,"
	  " received AS at FROM messages WHERE status = 'quarantined' AND received >= ?"
	  " ORDER BY id" },
	/* `pdgate quarantine`: the folder is where the poller moved it (NULL: not moved yet);
	   from and subject are NULL for mail that could not be parsed (the CLI reads them from
	   the spool copy); spooled 0 means it cannot be retried. */
	{ "quarantine", 0,
	  "SELECT m.id, m.received, m.from_addr AS \"from\", m.subject, m.size, m.error AS reason,"
	  " (SELECT u.moved_to FROM mailbox_uids u WHERE u.message_row = m.id"
	  "  ORDER BY u.rowid DESC LIMIT 1) AS folder, m.sha256 IS NOT NULL AS spooled, m.sha256,"
	  " (SELECT COUNT(*) FROM message_events e WHERE e.message_row = m.id"
	  "  AND e.action = 'quarantine_retried') AS retries"
	  " FROM messages m WHERE m.direction = 'in' AND m.status = 'quarantined' ORDER BY m.id" },
	{ "forgeries", 1,
	  "SELECT c.reference, e.detail AS what, e.at FROM events e JOIN cases c ON c.id = e.case_id"
	  " WHERE e.action = 'possible_forgery' AND e.at >= ? ORDER BY e.id" },
	{ "stray_commands", 1,
	  "SELECT c.reference, 'commands from ' || e.detail || ', not a team member: not run'"
	  " AS what, e.at FROM events e JOIN cases c ON c.id = e.case_id"
	  " WHERE e.action = 'commands_from_non_member' AND e.at >= ? ORDER BY e.id" },
	/* issue 13: storms seen since the previous digest (and any with mail still held) */
	{ "storms", 1,
	  "SELECT NULL AS reference, 'storm ' || id || ': ' || held || ' message(s) from ' ||"
	  " sender || ' held without a case (more than ' || threshold || ' in ' ||"
	  " (window_s / 60) || ' min), from ' || datetime(started, 'unixepoch') || ' to ' ||"
	  " datetime(last_seen, 'unixepoch') || ' UTC; ' || opened || ' opened since'"
	  " || CASE WHEN held > opened THEN ' (pdgate storm open ' || id || ')' ELSE '' END"
	  " AS what, last_seen AS at FROM storms WHERE last_seen >= ? OR held > opened"
	  " ORDER BY id" },
	{ "storm_list", 0,
	  "SELECT id, sender, held, opened, threshold, window_s / 60 AS window_minutes,"
	  " started, last_seen FROM storms ORDER BY id" },
	{ "storm_messages", 1,
	  "SELECT m.id, c.reference AS \"case\", m.received, m.from_addr AS \"from\", m.subject"
	  " FROM sender_log l JOIN messages m ON m.id = l.message_row"
	  " LEFT JOIN cases c ON c.id = m.case_id WHERE l.storm_id = ?"
	  " ORDER BY l.received, m.id" },
	{ "outbox", 0,
	  "SELECT o.id, c.reference AS \"case\", m.notice, o.state, o.rcpt, m.message_id,"
	  " o.attempts, o.next_attempt, o.last_error, o.sent_at FROM outbox o"
	  " LEFT JOIN cases c ON c.id = o.case_id JOIN messages m ON m.id = o.message_row"
	  " ORDER BY o.id" },
};

static void emit_row(sqlite3_stmt *st, store_row_cb *cb, void *ctx)
{
	int n = sqlite3_column_count(st);
	const char **names = g_new0(const char *, n + 1);
	const char **values = g_new0(const char *, n + 1);

	for (int i = 0; i < n; i++) {
		names[i] = sqlite3_column_name(st, i);
		values[i] = (const char *)sqlite3_column_text(st, i);
	}
	cb(ctx, n, names, values);
	g_free(names);
	g_free(values);
}

int store_query(struct store *store, const char *kind, const char *arg, store_row_cb *cb,
		void *ctx, char **error_r)
{
	const struct named_query *q = NULL;
	sqlite3_stmt *st = NULL;
	int rc, ret = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(queries); i++) {
		if (strcmp(queries[i].kind, kind) == 0)
			q = &queries[i];
	}
	if (q == NULL)
		return error_set(error_r, 0, "unknown query %s", kind);
	if (sqlite3_prepare_v2(store->db, q->sql, -1, &st, NULL) != SQLITE_OK) {
		store_sql_error(store, error_r, kind);
		goto out;
	}
	if (q->takes_arg)
		sqlite3_bind_text(st, 1, arg, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		emit_row(st, cb, ctx);
	if (rc != SQLITE_DONE) {
		store_sql_error(store, error_r, kind);
		goto out;
	}
	ret = 1;
out:
	sqlite3_finalize(st);
	return ret;
}
