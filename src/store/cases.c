/* store/cases: a case's lifecycle record (load, save, iterate) and the facts about a
   requester and a case's mail that the lifecycle asks for. */
#include "store-private.h"

#include <string.h>

#define CASE_COLUMNS "id, received, reference, state, regime, kinds, requester_addr," \
	" requester_name, subject, kinds_mask, child, identity_on, restart_on, extended_on," \
	" stops, deadlines, complaint_type, on_behalf, related_case, owner, reopened_on, outcome"

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
}

void store_case_clear(struct store_case *c)
{
	char **strings[] = { &c->reference, &c->state, &c->regime, &c->kinds,
			     &c->requester_addr, &c->requester_name, &c->subject,
			     &c->identity_on, &c->restart_on, &c->extended_on, &c->stops,
			     &c->deadlines, &c->complaint_type, &c->on_behalf,
			     &c->related_case, &c->owner, &c->reopened_on, &c->outcome };
	for (size_t i = 0; i < G_N_ELEMENTS(strings); i++) {
		g_free(*strings[i]);
		*strings[i] = NULL;
	}
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
		" reopened_on = ?, owner = ?, outcome = ?, stops = ?, deadlines = ?"
		" WHERE id = ?", "sssisssssssssi", c->state, c->regime, c->kinds,
		(int64_t)c->kinds_mask,
		c->complaint_type != NULL ? c->complaint_type : "data_protection",
		c->identity_on, c->restart_on, c->extended_on, c->reopened_on, c->owner,
		c->outcome != NULL && *c->outcome != '\0' ? c->outcome : NULL,
		c->stops != NULL ? c->stops : "", c->deadlines != NULL ? c->deadlines : "", c->id);
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

int store_requester_verified(struct store *store, const char *requester_addr, int64_t since)
{
	int64_t one = 0;

	if (requester_addr == NULL)
		return 0;
	return store_stmt_int(store, &one,
		"SELECT 1 FROM events e JOIN cases c ON c.id = e.case_id"
		" WHERE e.action = 'identity_verified' AND e.at >= ?"
		" AND c.requester_addr = ? COLLATE NOCASE LIMIT 1", "is", since,
		requester_addr) == 1;
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
	int ret = 0;

	memset(in, 0, sizeof(*in));
	if (st == NULL)
		return 0;
	if (sqlite3_step(st) == SQLITE_ROW) {
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

int64_t store_auto_notices_since(struct store *store, const char *rcpt, int64_t since)
{
	int64_t n = 0;

	if (rcpt == NULL)
		return 0;
	if (store_stmt_int(store, &n,
			   "SELECT COUNT(*) FROM messages WHERE direction = 'out'"
			   " AND to_addr = ? COLLATE NOCASE AND received >= ?"
			   " AND notice IN ('acknowledgement', 'identity_request')", "si", rcpt,
			   since) != 1)
		return 0;
	return n;
}

int64_t store_case_last_notice(struct store *store, int64_t case_id, const char *notice)
{
	int64_t when = 0;

	if (store_stmt_int(store, &when,
			   "SELECT IFNULL(MAX(received), 0) FROM messages WHERE case_id = ?"
			   " AND direction = 'out' AND notice = ?", "is", case_id, notice) != 1)
		return 0;
	return when;
}
