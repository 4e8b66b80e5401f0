/* store: SQLite state and the raw-message spool. Values from mail arrive here already
   validated by mime, but are still only ever bound as parameters, never spliced into SQL. */
#include "store-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void stmt_finalize(gpointer p)
{
	sqlite3_finalize(p);
}

int store_sql_error(struct store *s, char **error_r, const char *what)
{
	int code = sqlite3_errcode(s->db);
	/* A full disk or an I/O error passes: the message is tried again, not blamed. */
	int ret = (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_FULL ||
		   code == SQLITE_IOERR || code == SQLITE_NOMEM) ? -1 : 0;
	return error_set(error_r, ret, "%s: %s", what, sqlite3_errmsg(s->db));
}

/* Bind values by a type string: 's' text (NULL binds NULL), 'i' int64. */
static void bind_values(sqlite3_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i] != '\0'; i++) {
		if (types[i] == 's') {
			const char *v = va_arg(ap, const char *);
			if (v == NULL)
				sqlite3_bind_null(st, i + 1);
			else
				sqlite3_bind_text(st, i + 1, v, -1, SQLITE_TRANSIENT);
		} else {
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		}
	}
}

/* A reset, freshly bound statement for sql (owned by the cache), or NULL with error. */
sqlite3_stmt *store_stmt_prepare(struct store *s, const char *sql, const char *types,
				  va_list ap, char **error_r)
{
	sqlite3_stmt *st = g_hash_table_lookup(s->stmts, sql);

	if (st == NULL) {
		if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
		    SQLITE_OK) {
			store_sql_error(s, error_r, "prepare");
			return NULL;
		}
		g_hash_table_insert(s->stmts, (gpointer)sql, st);
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	bind_values(st, types, ap);
	return st;
}

sqlite3_stmt *store_stmt_query(struct store *s, char **error_r, const char *sql,
			       const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = store_stmt_prepare(s, sql, types, ap, error_r);
	va_end(ap);
	return st;
}

/* Run a statement that returns no rows. 1, 0 or -1. */
int store_stmt_exec(struct store *s, char **error_r, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = store_stmt_prepare(s, sql, types, ap, error_r);
	va_end(ap);
	if (st == NULL)
		return 0;
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return store_sql_error(s, error_r, "write");
	return 1;
}

/* Run a query for one int64 column of the first row. 1 found, 0 none, -1 error. */
int store_stmt_int(struct store *s, int64_t *value_r, const char *sql, const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = store_stmt_prepare(s, sql, types, ap, NULL);
	va_end(ap);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW) {
		*value_r = sqlite3_column_int64(st, 0);
		ret = 1;
	} else if (rc != SQLITE_DONE) {
		log_error("store: query failed: %s", sqlite3_errmsg(s->db));
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

int store_db_user_version(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int version = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return version;
}

int store_schema_version(struct store *store)
{
	return store_db_user_version(store->db);
}

static int ensure_dir(const char *path, char **error_r)
{
	if (g_mkdir_with_parents(path, 0700) < 0)
		return error_set(error_r, 0, "mkdir %s: %s", path, g_strerror(errno));
	return 1;
}

/* Create the database file 0600 before SQLite does, since it holds personal data. */
static int create_private_file(const char *path, char **error_r)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set(error_r, 0, "open %s: %s", path, g_strerror(errno));
	close(fd);
	return 1;
}

static int db_setup(sqlite3 *db, char **error_r)
{
	char *errmsg = NULL;
	int rc;

	/* First, so that even switching to WAL waits for another process opening the database. */
	sqlite3_busy_timeout(db, 10000);
	/* WAL lets the CLI read while the poller writes; NORMAL sync is durable in WAL mode
	   across process crashes, which is the failure we design for (store_sync covers power).
	   Switching journal modes can report BUSY without calling the busy handler while
	   another process creates the database: retry for up to 10 s. */
	for (int tries = 0; tries < 200; tries++) {
		sqlite3_free(errmsg);
		errmsg = NULL;
		rc = sqlite3_exec(db,
				  "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
				  "PRAGMA foreign_keys = ON;",
				  NULL, NULL, &errmsg);
		if (rc != SQLITE_BUSY && rc != SQLITE_LOCKED)
			break;
		g_usleep(50 * 1000);
	}
	if (rc != SQLITE_OK) {
		error_set(error_r, 0, "database setup: %s", errmsg != NULL ? errmsg : "?");
		sqlite3_free(errmsg);
		return 0;
	}
	return 1;
}

int store_open(const char *db_path, const char *spool_dir, struct store **store_r,
	       char **error_r)
{
	struct store *s = g_new0(struct store, 1);
	/* Keys are the SQL string literals themselves: static, never freed. */
	s->stmts = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, stmt_finalize);
	char *dir = g_path_get_dirname(db_path);
	int ret = 0;

	umask(077);
	if (!ensure_dir(dir, error_r) || !ensure_dir(spool_dir, error_r) ||
	    !create_private_file(db_path, error_r))
		goto out;
	if (sqlite3_open_v2(db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		error_set(error_r, 0, "open %s: %s", db_path, sqlite3_errmsg(s->db));
		goto out;
	}
	if (!db_setup(s->db, error_r) ||
	    !store_schema_migrate(s->db, store_schema_latest(), error_r))
		goto out;
	s->spool = g_strdup(spool_dir);
	store_spool_clean_tmp(s);
	*store_r = s;
	s = NULL;
	ret = 1;
out:
	store_close(&s);
	g_free(dir);
	return ret;
}

void store_close(struct store **store)
{
	struct store *s = *store;
	if (s == NULL)
		return;
	/* Statements must be finalized before the connection closes. */
	g_hash_table_unref(s->stmts);
	sqlite3_close(s->db);
	g_free(s->spool);
	g_free(s);
	*store = NULL;
}

int store_begin(struct store *store, char **error_r)
{
	return store_stmt_exec(store, error_r, "BEGIN IMMEDIATE", "");
}

int store_commit(struct store *store, char **error_r)
{
	return store_stmt_exec(store, error_r, "COMMIT", "");
}

void store_rollback(struct store *store)
{
	if (!sqlite3_get_autocommit(store->db))
		sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int store_savepoint(struct store *store, char **error_r)
{
	return store_stmt_exec(store, error_r, "SAVEPOINT step", "");
}

int store_savepoint_release(struct store *store, char **error_r)
{
	return store_stmt_exec(store, error_r, "RELEASE step", "");
}

void store_savepoint_rollback(struct store *store)
{
	sqlite3_exec(store->db, "ROLLBACK TO step; RELEASE step", NULL, NULL, NULL);
}

/* Flush the spool's file system (new spool files and their directory entries). */
static int spool_sync(struct store *store, char **error_r)
{
	int fd = open(store->spool, O_RDONLY | O_DIRECTORY | O_CLOEXEC), ret = 1;
	if (fd < 0 || syncfs(fd) < 0)
		ret = error_set(error_r, -1, "sync %s: %s", store->spool, g_strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}

int store_sync(struct store *store, char **error_r)
{
	if (spool_sync(store, error_r) != 1)
		return -1;
	/* synchronous=NORMAL leaves the last commits in an unsynced WAL; a FULL checkpoint syncs
	   the WAL and the database, so a power cut after the MOVE cannot lose the record.
	   It waits for readers (busy_timeout); if they outlast that, the caller moves later. */
	if (sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_sql_error(store, error_r, "checkpoint");
	return 1;
}

char *store_spool_file(struct store *s, const char *sha256)
{
	char sub[3] = { sha256[0], sha256[1], '\0' };
	return g_build_filename(s->spool, sub, sha256, NULL);
}

int store_spool_put(struct store *store, const char *raw, size_t len, char **sha256_r,
		    char **error_r)
{
	char *sha = pd_sha256_hex(raw, len);
	char *path = store_spool_file(store, sha);
	char *dir = g_path_get_dirname(path);
	int ret = 0;

	if (!ensure_dir(dir, error_r))
		goto out;
	/* Content-addressed: an existing file already holds these exact bytes. Not fsynced one
	   by one: store_sync() syncs the whole batch before any mail leaves the mailbox. */
	if (!g_file_test(path, G_FILE_TEST_EXISTS) &&
	    !pd_write_file_atomic(path, raw, len, 0, error_r))
		goto out;
	*sha256_r = sha;
	sha = NULL;
	ret = 1;
out:
	g_free(sha);
	g_free(path);
	g_free(dir);
	return ret;
}

int store_spool_get(struct store *store, const char *sha256, char **raw_r, size_t *len_r,
		    char **error_r)
{
	char *path = NULL, *data = NULL, *check = NULL;
	size_t len = 0;
	int ret = 0;

	if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64) {
		error_set(error_r, 0, "invalid spool key");
		goto out;
	}
	path = store_spool_file(store, sha256);
	if (!pd_read_file(path, PD_MAX_SPOOL_FILE, &data, &len, error_r))
		goto out;
	check = pd_sha256_hex(data, len);
	if (strcmp(check, sha256) != 0) {
		error_set(error_r, 0, "spool file %s is corrupt (hash mismatch)", path);
		goto out;
	}
	*raw_r = data;
	data = NULL;
	*len_r = len;
	ret = 1;
out:
	g_free(path);
	g_free(data);
	g_free(check);
	return ret;
}

int store_mailbox_get(struct store *store, const char *mailbox, uint32_t *uidvalidity_r)
{
	int64_t v = 0;
	int ret = store_stmt_int(store, &v, "SELECT uidvalidity FROM mailboxes WHERE name = ?", "s",
			   mailbox);
	if (ret == 1)
		*uidvalidity_r = (uint32_t)v;
	return ret;
}

int store_mailbox_set(struct store *store, const char *mailbox, uint32_t uidvalidity,
		      char **error_r)
{
	return store_stmt_exec(store, error_r,
			 "INSERT INTO mailboxes (name, uidvalidity) VALUES (?, ?) "
			 "ON CONFLICT (name) DO UPDATE SET uidvalidity = excluded.uidvalidity",
			 "si", mailbox, (int64_t)uidvalidity);
}

int store_uid_get(struct store *store, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
		  int64_t *message_row_r, int *moved_r)
{
	int64_t row = 0, moved = 0;
	int ret = store_stmt_int(store, &row,
			   "SELECT message_row FROM mailbox_uids "
			   "WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
			   "sii", mailbox, (int64_t)uidvalidity, (int64_t)uid);
	if (ret != 1)
		return ret;
	if (store_stmt_int(store, &moved,
		     "SELECT moved_to IS NOT NULL FROM mailbox_uids "
		     "WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
		     "sii", mailbox, (int64_t)uidvalidity, (int64_t)uid) != 1)
		return -1;
	*message_row_r = row;
	if (moved_r != NULL)
		*moved_r = (int)moved;
	return 1;
}

int store_uid_put(struct store *store, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
		  int64_t message_row, char **error_r)
{
	return store_stmt_exec(store, error_r,
			 "INSERT INTO mailbox_uids (mailbox, uidvalidity, uid, message_row) "
			 "VALUES (?, ?, ?, ?)",
			 "siii", mailbox, (int64_t)uidvalidity, (int64_t)uid, message_row);
}

int store_uid_set_moved(struct store *store, const char *mailbox, uint32_t uidvalidity,
			uint32_t uid, const char *dest, char **error_r)
{
	return store_stmt_exec(store, error_r,
			 "UPDATE mailbox_uids SET moved_to = ? "
			 "WHERE mailbox = ? AND uidvalidity = ? AND uid = ?",
			 "ssii", dest, mailbox, (int64_t)uidvalidity, (int64_t)uid);
}

int store_message_add(struct store *store, const struct store_message *m, int64_t *id_r,
		      char **error_r)
{
	int ret = store_stmt_exec(
		store, error_r,
		"INSERT INTO messages (case_id, direction, sha256, size, message_id, in_reply_to,"
		" refs, from_addr, from_name, to_addr, subject, date_header, date, received,"
		" auto_reason, status, error, mailbox, created, classification, notice, from_team,"
		" auth)"
		" VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?)",
		"ississssssssiissssissis", m->case_id, m->direction == STORE_IN ? "in" : "out",
		m->sha256, (int64_t)m->size, m->message_id, m->in_reply_to, m->references,
		m->from_addr, m->from_name, m->to_addr, m->subject, m->date_header, m->date,
		m->received, m->auto_reason, m->status, m->error, m->mailbox, pd_now(),
		m->classification, m->notice, (int64_t)m->from_team, m->auth);
	if (ret == 1 && id_r != NULL)
		*id_r = sqlite3_last_insert_rowid(store->db);
	return ret;
}


int store_message_quarantined(struct store *store, int64_t id)
{
	int64_t q = 0;
	int ret = store_stmt_int(store, &q,
				 "SELECT status = 'quarantined' FROM messages WHERE id = ?", "i", id);
	return ret == 1 ? q != 0 : ret;
}

int store_spool_check(struct store *store, const char *sha256)
{
	/* Hashed as it is read: a spool file may be as large as the largest message. */
	return store_spool_verify(store, sha256, NULL, NULL) == 1;
}

int store_message_find_by_sha256(struct store *store, const char *sha256, int64_t *id_r)
{
	return store_stmt_int(store, id_r,
			"SELECT id FROM messages WHERE direction = 'in' AND sha256 = ?", "s",
			sha256);
}

int store_case_by_sent_message_id(struct store *store, const char *message_id,
				  int64_t *case_id_r)
{
	return store_stmt_int(store, case_id_r,
			"SELECT case_id FROM messages WHERE direction = 'out' AND message_id = ? "
			"AND case_id IS NOT NULL",
			"s", message_id);
}

int store_case_by_reference(struct store *store, const char *reference, int64_t *case_id_r)
{
	return store_stmt_int(store, case_id_r, "SELECT id FROM cases WHERE reference = ?", "s",
			reference);
}

int store_case_create(struct store *store, const struct store_new_case *nc, int64_t *case_id_r,
		      char **reference_r, char **error_r)
{
	int64_t seq = 0;
	char *ref = NULL;
	int ret;

	ret = store_stmt_int(store, &seq,
		       "INSERT INTO reference_seq (year, last) VALUES (?, 1) "
		       "ON CONFLICT (year) DO UPDATE SET last = last + 1 RETURNING last",
		       "i", (int64_t)nc->year);
	if (ret != 1)
		return store_sql_error(store, error_r, "reference sequence");
	ref = g_strdup_printf("%s-%04d-%06" G_GINT64_FORMAT, nc->prefix, nc->year, seq);
	ret = store_stmt_exec(store, error_r,
			"INSERT INTO cases (reference, requester_addr, requester_name, subject,"
			" state, received, created, kinds, kinds_mask, regime_hint, on_behalf,"
			" child, vague, identity_attached, complaint_type, related_case)"
			" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			"sssssiisissiiiss", ref, nc->requester_addr, nc->requester_name,
			nc->subject, nc->state, nc->received, pd_now(),
			nc->kinds != NULL ? nc->kinds : "other", (int64_t)nc->kinds_mask,
			nc->regime_hint != NULL ? nc->regime_hint : "unknown",
			nc->on_behalf != NULL ? nc->on_behalf : "none", (int64_t)nc->child,
			(int64_t)nc->vague, (int64_t)nc->identity_attached,
			nc->complaint_type != NULL ? nc->complaint_type : "data_protection",
			nc->related_case);
	if (ret != 1) {
		g_free(ref);
		return ret;
	}
	*case_id_r = sqlite3_last_insert_rowid(store->db);
	*reference_r = ref;
	return 1;
}

static int query_string(struct store *store, char **value_r, const char *sql,
			const char *types, ...)
{
	va_list ap;
	va_start(ap, types);
	sqlite3_stmt *st = store_stmt_prepare(store, sql, types, ap, NULL);
	va_end(ap);
	if (st == NULL)
		return -1;
	int rc = sqlite3_step(st), ret = 0;
	if (rc == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL) {
		*value_r = g_strdup((const char *)sqlite3_column_text(st, 0));
		ret = 1;
	} else if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		log_error("store: query failed: %s", sqlite3_errmsg(store->db));
		ret = -1;
	}
	sqlite3_reset(st);
	return ret;
}

int store_message_sha256(struct store *store, int64_t id, char **sha256_r)
{
	return query_string(store, sha256_r, "SELECT sha256 FROM messages WHERE id = ?", "i", id);
}

int store_case_reference(struct store *store, int64_t case_id, char **reference_r)
{
	return query_string(store, reference_r, "SELECT reference FROM cases WHERE id = ?", "i",
			    case_id);
}

int store_case_find_repeat(struct store *store, const char *requester_addr, unsigned kinds_mask,
			   int64_t since, char **reference_r)
{
	if (requester_addr == NULL || kinds_mask == 0)
		return 0;
	return query_string(store, reference_r,
			    "SELECT reference FROM cases WHERE requester_addr = ? AND received >= ?"
			    " AND (kinds_mask & ?) != 0 ORDER BY received DESC, id DESC LIMIT 1",
			    "sii", requester_addr, since, (int64_t)kinds_mask);
}

int store_event_add(struct store *store, int64_t case_id, const char *actor, const char *action,
		    const char *detail, char **error_r)
{
	return store_stmt_exec(store, error_r,
			 "INSERT INTO events (case_id, at, actor, action, detail) "
			 "VALUES (?, ?, ?, ?, ?)",
			 "iisss", case_id, pd_now(), actor, action, detail);
}
