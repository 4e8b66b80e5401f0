/* store/cases: a case's lifecycle record (load, save, iterate) and the facts about a
   requester and a case's mail that the lifecycle asks for. */
#include "store-private.h"

#include <stddef.h>
#include <string.h>

#define CASE_COLUMNS "id, received, reference, state, regime, kinds, requester_addr," \
	" requester_name, subject, kinds_mask, child, identity_on, restart_on, extended_on," \
	" stops, deadlines, complaint_type, on_behalf, related_case, owner, reopened_on, outcome," \
	" fee_on, fee_paid_on, fee_pence, kinds_uncertain, confirm_by, kinds_labelled," \
	" identity_attached"

static char *column_dup(sqlite3_stmt *st, int col)
{
	const unsigned char *v = sqlite3_column_text(st, col);
	return v != NULL ? g_strdup((const char *)v) : NULL;
}

static void read_case(sqlite3_stmt *st, struct store_case *c)
{
	c->id = sqlite3_column_int64(st, 0);
	c->received = sqlite3_column_int64(st, 1);
	c->reference = column_dup(st, 2);
	c->state = column_dup(st, 3);
	c->regime = column_dup(st, 4);
	c->kinds = column_dup(st, 5);
	c->requester_addr = column_dup(st, 6);
	c->requester_name = column_dup(st, 7);
	c->subject = column_dup(st, 8);
	c->kinds_mask = (unsigned)sqlite3_column_int64(st, 9);
	c->child = sqlite3_column_int(st, 10);
	c->identity_on = column_dup(st, 11);
	c->restart_on = column_dup(st, 12);
	c->extended_on = column_dup(st, 13);
	c->stops = column_dup(st, 14);
	c->deadlines = column_dup(st, 15);
	c->complaint_type = column_dup(st, 16);
	c->on_behalf = column_dup(st, 17);
	c->related_case = column_dup(st, 18);
	c->owner = column_dup(st, 19);
	c->reopened_on = column_dup(st, 20);
	c->outcome = column_dup(st, 21);
	c->fee_on = column_dup(st, 22);
	c->fee_paid_on = column_dup(st, 23);
	c->fee_pence = sqlite3_column_int64(st, 24);
	c->kinds_uncertain = column_dup(st, 25);
	c->confirm_by = column_dup(st, 26);
	c->kinds_labelled = column_dup(st, 27);
	c->identity_attached = sqlite3_column_int(st, 28);
}

/* The strings of a store_case, for clearing and copying them all. */
static const size_t case_strings[] = {
	offsetof(struct store_case, reference), offsetof(struct store_case, state),
	offsetof(struct store_case, regime), offsetof(struct store_case, kinds),
	offsetof(struct store_case, requester_addr), offsetof(struct store_case, requester_name),
	offsetof(struct store_case, subject), offsetof(struct store_case, identity_on),
	offsetof(struct store_case, restart_on), offsetof(struct store_case, extended_on),
	offsetof(struct store_case, stops), offsetof(struct store_case, deadlines),
	offsetof(struct store_case, complaint_type), offsetof(struct store_case, on_behalf),
	offsetof(struct store_case, related_case), offsetof(struct store_case, owner),
	offsetof(struct store_case, reopened_on), offsetof(struct store_case, outcome),
	offsetof(struct store_case, fee_on), offsetof(struct store_case, fee_paid_on),
	offsetof(struct store_case, kinds_uncertain), offsetof(struct store_case, confirm_by),
	offsetof(struct store_case, kinds_labelled),
};

static char **case_string(struct store_case *c, size_t i)
{
	return (char **)(void *)((char *)c + case_strings[i]);
}

void store_case_clear(struct store_case *c)
{
	for (size_t i = 0; i < G_N_ELEMENTS(case_strings); i++)
		g_clear_pointer(case_string(c, i), g_free);
}

void store_case_copy(struct store_case *dst, const struct store_case *src)
{
	*dst = *src;
	for (size_t i = 0; i < G_N_ELEMENTS(case_strings); i++)
		*case_string(dst, i) = g_strdup(*case_string(dst, i));
}

void store_case_set_text(char **field, const char *value)
{
	g_free(*field);
	*field = value != NULL && *value != '\0' ? g_strdup(value) : NULL;
}

int store_case_load(struct store *store, const char *reference, struct store_case *c,
		    char **error_r)
{
	sqlite3_stmt *st = store_stmt_query(store, error_r,
		"SELECT " CASE_COLUMNS " FROM cases WHERE reference = ?", "s", reference);
	int rc, ret;

	memset(c, 0, sizeof(*c));
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		read_case(st, c);
		ret = 1;
	} else if (rc == SQLITE_DONE) {
		ret = error_set(error_r, 0, "no case %s", reference);
	} else {
		ret = store_sql_error(store, error_r, "case");
	}
	sqlite3_reset(st);
	return ret;
}

int store_case_save(struct store *store, const struct store_case *c, char **error_r)
{
	return store_stmt_exec(store, error_r,
		"UPDATE cases SET state = ?, regime = ?, kinds = ?, kinds_mask = ?,"
		" complaint_type = ?, identity_on = ?, restart_on = ?, extended_on = ?,"
		" reopened_on = ?, owner = ?, outcome = ?, stops = ?, deadlines = ?, fee_on = ?,"
		" fee_paid_on = ?, fee_pence = ? WHERE id = ?", "sssisssssssssssii", c->state,
		c->regime, c->kinds, (int64_t)c->kinds_mask,
		c->complaint_type != NULL ? c->complaint_type : "data_protection",
		c->identity_on, c->restart_on, c->extended_on, c->reopened_on, c->owner,
		c->outcome != NULL && *c->outcome != '\0' ? c->outcome : NULL,
		c->stops != NULL ? c->stops : "", c->deadlines != NULL ? c->deadlines : "",
		c->fee_on, c->fee_paid_on, c->fee_pence, c->id);
}

int store_case_each(struct store *store, store_case_cb *cb, void *ctx, char **error_r)
{
	/* Not the statement cache: a callback may run other queries (even this one). */
	sqlite3_stmt *st = NULL;
	int rc, go_on = 1, ret = 1;

	if (sqlite3_prepare_v2(store->db, "SELECT " CASE_COLUMNS " FROM cases ORDER BY id", -1,
			       &st, NULL) != SQLITE_OK)
		return store_sql_error(store, error_r, "cases");
	while (go_on && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_case c;
		memset(&c, 0, sizeof(c));
		read_case(st, &c);
		go_on = cb(ctx, &c);
		store_case_clear(&c);
	}
	if (go_on && rc != SQLITE_DONE)
		ret = store_sql_error(store, error_r, "cases");
	sqlite3_finalize(st);
	return ret;
}

int store_case_set_uncertain(struct store *store, int64_t case_id, const char *why,
			     const char *confirm_by, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE cases SET kinds_uncertain = ?, confirm_by = ? WHERE id = ?",
			       "ssi", why, confirm_by, case_id);
}

int store_case_kinds_labelled(struct store *store, int64_t case_id, const char *how,
			      const char *who, int64_t at, char **error_r)
{
	return store_stmt_exec(store, error_r,
			       "UPDATE cases SET kinds_uncertain = NULL, kinds_labelled = ?,"
			       " kinds_labelled_at = ?, kinds_labelled_by = ? WHERE id = ?",
			       "sisi", how, at, who, case_id);
}

static void read_labelled(struct store *store, sqlite3_stmt *st, struct store_labelled *l,
			  char **path_r)
{
	const char *sha = (const char *)sqlite3_column_text(st, 6);

	l->case_id = sqlite3_column_int64(st, 0);
	l->reference = (const char *)sqlite3_column_text(st, 1);
	l->kinds = (const char *)sqlite3_column_text(st, 2);
	l->kinds_mask = (unsigned)sqlite3_column_int64(st, 3);
	l->how = (const char *)sqlite3_column_text(st, 4);
	l->at = sqlite3_column_int64(st, 5);
	l->sha256 = sha;
	l->message_id = (const char *)sqlite3_column_text(st, 7);
	*path_r = sha != NULL ? store_spool_path(store, sha) : NULL;
	l->spool_path = *path_r;
}

int store_cases_labelled(struct store *store, store_labelled_cb *cb, void *ctx,
			 char **error_r)
{
	/* Not the statement cache: the callback may query the store. */
	static const char sql[] =
		"SELECT c.id, c.reference, c.kinds, c.kinds_mask, c.kinds_labelled,"
		" c.kinds_labelled_at, m.sha256, m.message_id FROM cases c"
		" LEFT JOIN messages m ON m.id = (SELECT MIN(id) FROM messages"
		"  WHERE case_id = c.id AND direction = 'in')"
		" WHERE c.kinds_labelled IS NOT NULL ORDER BY c.kinds_labelled_at, c.id";
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_DONE, go_on = 1, ret = 1;

	if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK)
		return store_sql_error(store, error_r, "labelled cases");
	while (go_on && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_labelled l;
		char *path = NULL;
		read_labelled(store, st, &l, &path);
		go_on = cb(ctx, &l);
		g_free(path);
	}
	if (go_on && rc != SQLITE_DONE)
		ret = store_sql_error(store, error_r, "labelled cases");
	sqlite3_finalize(st);
	return ret;
}

int store_requester_verified(struct store *store, const char *requester_addr, int64_t since)
{
	int64_t one = 0;

	if (requester_addr == NULL)
		return 0;
	return store_stmt_int(store, &one,
		"SELECT 1 FROM events e JOIN cases c ON c.id = e.case_id"
		" WHERE e.action = 'identity_verified' AND e.at >= ?"
		" AND c.requester_addr = ? COLLATE NOCASE LIMIT 1", "is", since,
		requester_addr);
}

int store_requester_had_outcome(struct store *store, const char *requester_addr,
				const char *outcome, int64_t other_than)
{
	int64_t one = 0;

	if (requester_addr == NULL)
		return 0;
	return store_stmt_int(store, &one,
		"SELECT 1 FROM cases WHERE requester_addr = ? COLLATE NOCASE AND outcome = ?"
		" AND id <> ? LIMIT 1", "ssi", requester_addr, outcome, other_than);
}

int store_case_last_inbound(struct store *store, int64_t case_id, struct store_inbound *in)
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT id, received, message_id, refs, from_name,"
		" (SELECT MIN(id) FROM messages WHERE case_id = ?1 AND direction = 'in')"
		" FROM messages WHERE case_id = ?1 AND direction = 'in' AND status = 'stored'"
		" AND auto_reason IS NULL AND from_team = 0"
		/* the requester's own mail (or the request itself: web forms send it from
		   another address), never a third party writing "Re: REF" */
		" AND (from_addr = (SELECT requester_addr FROM cases WHERE id = ?1) COLLATE NOCASE"
		" OR id = (SELECT MIN(id) FROM messages WHERE case_id = ?1 AND direction = 'in'))"
		" ORDER BY received DESC, id DESC LIMIT 1", "i", case_id);
	int ret = 0, rc;

	memset(in, 0, sizeof(*in));
	if (st == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("store: query failed: %s", sqlite3_errmsg(store->db));
		ret = -1;
	}
	if (rc == SQLITE_ROW) {
		in->id = sqlite3_column_int64(st, 0);
		in->received = sqlite3_column_int64(st, 1);
		in->message_id = column_dup(st, 2);
		in->references = column_dup(st, 3);
		in->from_name = column_dup(st, 4);
		in->first_id = sqlite3_column_int64(st, 5);
		ret = 1;
	}
	sqlite3_reset(st);
	return ret;
}

void store_inbound_clear(struct store_inbound *in)
{
	g_free(in->message_id);
	g_free(in->references);
	g_free(in->from_name);
	memset(in, 0, sizeof(*in));
}

int store_auto_notices_since(struct store *store, const char *rcpt, int64_t since,
			     int64_t *count_r)
{
	*count_r = 0;
	if (rcpt == NULL)
		return 1;
	/* COUNT(*) always has a row: anything but 1 is a database error */
	return store_stmt_int(store, count_r,
			      "SELECT COUNT(*) FROM messages WHERE direction = 'out'"
			      " AND to_addr = ? COLLATE NOCASE AND received >= ?"
			      " AND notice IN ('acknowledgement', 'identity_request')", "si", rcpt,
			      since) == 1 ? 1 : -1;
}

int store_case_last_notice(struct store *store, int64_t case_id, const char *notice,
			   int64_t *when_r)
{
	*when_r = 0;
	return store_stmt_int(store, when_r,
			      "SELECT IFNULL(MAX(received), 0) FROM messages WHERE case_id = ?"
			      " AND direction = 'out' AND notice = ?", "is", case_id,
			      notice) == 1 ? 1 : -1;
}

int store_case_facts(struct store *store, int64_t case_id, struct store_case_facts *f,
		     char **error_r)
{
	sqlite3_stmt *st = store_stmt_query(store, error_r,
		"SELECT"
		/* the events of the lifecycle's actions that end a case (apply.c's table) */
		" (SELECT IFNULL(MAX(at), 0) FROM events WHERE case_id = ?1 AND action IN"
		"  ('responded', 'refused', 'restricted', 'no_action', 'withdrawn', 'closed',"
		"   'redirected', 'refused_foi', 'cost_limit', 'vexatious', 'refused_eir', 'ncnd',"
		"   'rectification_refused', 'erasure_refused', 'restricted_instead_of_erased',"
		"   'fee_unpaid')),"
		" (SELECT IFNULL(MAX(received), 0) FROM messages WHERE case_id = ?1"
		"  AND direction = 'in' AND from_team = 0 AND auto_reason IS NULL"
		"  AND status = 'stored' AND id > (SELECT MIN(id) FROM messages"
		"  WHERE case_id = ?1 AND direction = 'in')),"
		" (SELECT IFNULL(MAX(at), 0) FROM events WHERE case_id = ?1 AND actor <> 'gateway'),"
		" (SELECT IFNULL(MIN(o.sent_at), 0) FROM outbox o JOIN messages m"
		"  ON m.id = o.message_row WHERE o.case_id = ?1 AND o.state = 'sent'"
		"  AND m.notice = 'acknowledgement'),"
		" EXISTS (SELECT 1 FROM events WHERE case_id = ?1 AND action = 'possible_repeat')",
		"i", case_id);
	int ret;

	memset(f, 0, sizeof(*f));
	if (st == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW) {
		f->ended = sqlite3_column_int64(st, 0);
		f->last_reply = sqlite3_column_int64(st, 1);
		f->last_team = sqlite3_column_int64(st, 2);
		f->ack_sent = sqlite3_column_int64(st, 3);
		f->possible_repeat = sqlite3_column_int(st, 4);
		ret = 1;
	} else {
		ret = store_sql_error(store, error_r, "case facts");
	}
	sqlite3_reset(st);
	return ret;
}

int store_digest_add(struct store *store, const char *kind, const char *day, int64_t sent_at,
		     char **error_r)
{
	int ret = store_stmt_exec(store, error_r,
				  "INSERT INTO digests (kind, day, sent_at, last_case) VALUES"
				  " (?, ?, ?, (SELECT IFNULL(MAX(id), 0) FROM cases))", "ssi",
				  kind, day, sent_at);
	/* The unique index says it was sent already: not a database fault. */
	if (ret != 1 && sqlite3_extended_errcode(store->db) == SQLITE_CONSTRAINT_UNIQUE)
		return 0;
	return ret;
}

int store_digest_last(struct store *store, const char *kind, int64_t *sent_at_r,
		      int64_t *last_case_r, char day_r[static 11])
{
	sqlite3_stmt *st = store_stmt_query(store, NULL,
		"SELECT sent_at, day, last_case FROM digests WHERE kind = ?"
		" ORDER BY sent_at DESC, id DESC LIMIT 1", "s", kind);
	int rc;

	*sent_at_r = 0;
	*last_case_r = 0;
	day_r[0] = '\0';
	if (st == NULL)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*sent_at_r = sqlite3_column_int64(st, 0);
		g_strlcpy(day_r, (const char *)sqlite3_column_text(st, 1), 11);
		*last_case_r = sqlite3_column_int64(st, 2);
	}
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 1 : -1;
}
