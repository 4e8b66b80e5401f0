/* store/schema: versioned migrations, applied in order, each in its own transaction.
   PRAGMA user_version is the number of migrations applied. Never edit a shipped migration:
   add a new one. */
#include "store-private.h"

static const char *const migrations[] = {
	/* 1: initial schema */
	"CREATE TABLE cases ("
	"  id INTEGER PRIMARY KEY,"
	"  reference TEXT NOT NULL UNIQUE,"
	"  requester_addr TEXT,"
	"  requester_name TEXT,"
	"  subject TEXT,"
	"  state TEXT NOT NULL,"
	"  received INTEGER NOT NULL,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE TABLE reference_seq (year INTEGER PRIMARY KEY, last INTEGER NOT NULL);"
	"CREATE TABLE messages ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER REFERENCES cases(id),"
	"  direction TEXT NOT NULL CHECK (direction IN ('in','out')),"
	"  sha256 TEXT,"
	"  size INTEGER NOT NULL,"
	"  message_id TEXT, in_reply_to TEXT, refs TEXT,"
	"  from_addr TEXT, from_name TEXT, to_addr TEXT, subject TEXT, date_header TEXT,"
	"  date INTEGER NOT NULL DEFAULT 0,"
	"  received INTEGER NOT NULL,"
	"  auto_reason TEXT,"
	"  status TEXT NOT NULL CHECK (status IN ('stored','quarantined')),"
	"  error TEXT,"
	"  mailbox TEXT,"
	"  created INTEGER NOT NULL"
	");"
	/* The same bytes delivered twice are one message; a reused Message-ID is not. */
	"CREATE UNIQUE INDEX messages_in_sha ON messages(sha256) WHERE direction = 'in';"
	"CREATE INDEX messages_case ON messages(case_id);"
	"CREATE INDEX messages_out_msgid ON messages(message_id) WHERE direction = 'out';"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER NOT NULL REFERENCES cases(id),"
	"  at INTEGER NOT NULL,"
	"  actor TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT"
	");"
	"CREATE INDEX events_case ON events(case_id);"
	/* The record must be unalterable: events are append-only. */
	"CREATE TRIGGER events_no_update BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;"
	"CREATE TRIGGER events_no_delete BEFORE DELETE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'case events are append-only'); END;"
	"CREATE TABLE outbox ("
	"  id INTEGER PRIMARY KEY,"
	"  case_id INTEGER REFERENCES cases(id),"
	"  message_row INTEGER NOT NULL UNIQUE REFERENCES messages(id),"
	"  sender TEXT NOT NULL,"
	"  rcpt TEXT NOT NULL,"
	"  state TEXT NOT NULL CHECK (state IN ('queued','sending','sent','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt INTEGER NOT NULL,"
	"  last_attempt INTEGER,"
	"  last_error TEXT,"
	"  sent_at INTEGER,"
	"  created INTEGER NOT NULL"
	");"
	"CREATE INDEX outbox_due ON outbox(state, next_attempt);"
	"CREATE TABLE mailboxes (name TEXT PRIMARY KEY, uidvalidity INTEGER NOT NULL);"
	"CREATE TABLE mailbox_uids ("
	"  mailbox TEXT NOT NULL,"
	"  uidvalidity INTEGER NOT NULL,"
	"  uid INTEGER NOT NULL,"
	"  message_row INTEGER NOT NULL REFERENCES messages(id),"
	"  moved_to TEXT,"
	"  PRIMARY KEY (mailbox, uidvalidity, uid)"
	");",
	/* 2: classification of each message and, on the case, of the request that opened it */
	"ALTER TABLE cases ADD COLUMN kinds TEXT NOT NULL DEFAULT 'other';"
	"ALTER TABLE cases ADD COLUMN kinds_mask INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN regime_hint TEXT NOT NULL DEFAULT 'unknown';"
	"ALTER TABLE cases ADD COLUMN on_behalf TEXT NOT NULL DEFAULT 'none';"
	"ALTER TABLE cases ADD COLUMN child INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN vague INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE cases ADD COLUMN identity_attached INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE messages ADD COLUMN classification TEXT;"
	"CREATE INDEX cases_requester ON cases(requester_addr, received);",
	/* 3: the case lifecycle: regime set by the team, the days that drive the clocks (text
	   YYYY-MM-DD, Europe/London), clarification stops, and the last deadlines computed */
	"ALTER TABLE cases ADD COLUMN regime TEXT NOT NULL DEFAULT 'unknown';"
	"ALTER TABLE cases ADD COLUMN identity_on TEXT;"
	"ALTER TABLE cases ADD COLUMN restart_on TEXT;"
	"ALTER TABLE cases ADD COLUMN extended_on TEXT;"
	"ALTER TABLE cases ADD COLUMN stops TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE cases ADD COLUMN deadlines TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX events_action ON events(action, case_id);",
	/* 4: which notice an outbound message is (rate limit); inbound mail from the team
	   (never the requester's word, never a thread to answer); whether an attempt of unknown
	   outcome was checked against the journal (exactly-once sending) */
	"ALTER TABLE messages ADD COLUMN notice TEXT;"
	"ALTER TABLE messages ADD COLUMN from_team INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX messages_out_rcpt ON messages(to_addr COLLATE NOCASE, received)"
	" WHERE direction = 'out';",
	/* 5: what a complaint is about (its clock depends on it) and the earlier case it names;
	   the team's owner of a case, the day an ended case was reopened, how it ended; whether
	   mail from a team address was authenticated (its Authentication-Results). In
	   parentheses: clang reads a string made of joined literals in this array as a missing
	   comma unless told. */
	("ALTER TABLE cases ADD COLUMN complaint_type TEXT NOT NULL DEFAULT 'data_protection';"
	 "ALTER TABLE cases ADD COLUMN related_case TEXT;"
	 "ALTER TABLE cases ADD COLUMN owner TEXT;"
	 "ALTER TABLE cases ADD COLUMN reopened_on TEXT;"
	 "ALTER TABLE cases ADD COLUMN outcome TEXT;"
	 "ALTER TABLE messages ADD COLUMN auth TEXT;"),
	/* 6: the digests and reports sent: one scheduled digest a day and one monthly report a
	   month, whatever restarts happen (the unique indexes make a second one fail) */
	("CREATE TABLE digests ("
	 "  id INTEGER PRIMARY KEY,"
	 "  kind TEXT NOT NULL CHECK (kind IN ('scheduled', 'manual', 'report')),"
	 "  day TEXT NOT NULL,"
	 "  sent_at INTEGER NOT NULL,"
	 "  last_case INTEGER NOT NULL DEFAULT 0"  /* the newest case it saw: later ones are new */
	 ");"
	 "CREATE UNIQUE INDEX digests_daily ON digests(day) WHERE kind = 'scheduled';"
	 "CREATE UNIQUE INDEX digests_monthly ON digests(substr(day, 1, 7)) WHERE kind = 'report';"),
	/* 7: a fee asked (the day of its notice, the day it was paid, how much in pence) */
	("ALTER TABLE cases ADD COLUMN fee_on TEXT;"
	 "ALTER TABLE cases ADD COLUMN fee_paid_on TEXT;"
	 "ALTER TABLE cases ADD COLUMN fee_pence INTEGER NOT NULL DEFAULT 0;"),
	/* 8: attempts to process each mailbox UID, so a message that keeps failing (or
	   crashing the poller) is quarantined instead of retried for ever */
	("CREATE TABLE uid_attempts ("
	 "  mailbox TEXT NOT NULL,"
	 "  uidvalidity INTEGER NOT NULL,"
	 "  uid INTEGER NOT NULL,"
	 "  attempts INTEGER NOT NULL,"
	 "  last_error TEXT,"
	 "  PRIMARY KEY (mailbox, uidvalidity, uid)"
	 ");"),
	/* 9: what happened to a message itself, outside any case: a quarantined message
	   processed again (`pdgate quarantine retry`), with the reason it had. Append-only like
	   the case events: a retry that leaves it quarantined still keeps the old reason here. */
	("CREATE TABLE message_events ("
	 "  id INTEGER PRIMARY KEY,"
	 "  message_row INTEGER NOT NULL REFERENCES messages(id),"
	 "  at INTEGER NOT NULL,"
	 "  actor TEXT NOT NULL,"
	 "  action TEXT NOT NULL,"
	 "  detail TEXT"
	 ");"
	 "CREATE INDEX message_events_row ON message_events(message_row);"
	 "CREATE TRIGGER message_events_no_update BEFORE UPDATE ON message_events"
	 "  BEGIN SELECT RAISE(ABORT, 'message events are append-only'); END;"
	 "CREATE TRIGGER message_events_no_delete BEFORE DELETE ON message_events"
	 "  BEGIN SELECT RAISE(ABORT, 'message events are append-only'); END;"),
	/* 10: storms (issue 13). Every person-written message that continues no case, by its
	   sender (lower-cased) and INTERNALDATE, so the rate of one sender can be counted; the
	   messages past [gateway] storm_threshold are held in one storm record each, open no
	   case and get no reply until the team opens cases from it. Self-contained: no other
	   table changes. */
	("CREATE TABLE storms ("
	 "  id INTEGER PRIMARY KEY,"
	 "  sender TEXT NOT NULL,"
	 "  started INTEGER NOT NULL,"      /* INTERNALDATE of the first message held */
	 "  last_seen INTEGER NOT NULL,"    /* of the latest: the storm goes on within a window */
	 "  held INTEGER NOT NULL,"         /* messages held in it */
	 "  window_s INTEGER NOT NULL,"     /* the settings it was judged by */
	 "  threshold INTEGER NOT NULL,"
	 "  opened INTEGER NOT NULL DEFAULT 0,"  /* cases the team opened from it */
	 "  created INTEGER NOT NULL"
	 ");"
	 "CREATE INDEX storms_sender ON storms(sender, last_seen);"
	 "CREATE TABLE sender_log ("
	 "  message_row INTEGER PRIMARY KEY REFERENCES messages(id),"
	 "  sender TEXT NOT NULL,"
	 "  received INTEGER NOT NULL,"
	 "  storm_id INTEGER REFERENCES storms(id)"  /* held in this storm, or NULL */
	 ");"
	 "CREATE INDEX sender_log_recent ON sender_log(sender, received);"
	 "CREATE INDEX sender_log_storm ON sender_log(storm_id) WHERE storm_id IS NOT NULL;"),
	/* 11: kinds uncertain (issue 14). A case the classifier opened on a guess: what
	   it was unsure between ("access 0.55, foi 0.48"; NULL: it was sure or the team has
	   since confirmed) and the day the team promised to confirm by (YYYY-MM-DD, kept for
	   the record). Whether the team confirmed or corrected the kinds of any case, when and
	   who: the labelled cases a statistical model is trained on. */
	("ALTER TABLE cases ADD COLUMN kinds_uncertain TEXT;"
	 "ALTER TABLE cases ADD COLUMN confirm_by TEXT;"
	 "ALTER TABLE cases ADD COLUMN kinds_labelled TEXT"
	 "  CHECK (kinds_labelled IN ('confirmed', 'corrected'));"
	 "ALTER TABLE cases ADD COLUMN kinds_labelled_at INTEGER;"
	 "ALTER TABLE cases ADD COLUMN kinds_labelled_by TEXT;"
	 "CREATE INDEX cases_uncertain ON cases(id) WHERE kinds_uncertain IS NOT NULL;"
	 "CREATE INDEX cases_labelled ON cases(id) WHERE kinds_labelled IS NOT NULL;"),
	/* 12: the models `pdgate train` made and rolled back (issue 14): which version, when,
	   what it learnt from (the cases' references are also in each case's events). */
	("CREATE TABLE models ("
	 "  id INTEGER PRIMARY KEY,"
	 "  version TEXT NOT NULL,"
	 "  action TEXT NOT NULL CHECK (action IN ('trained','rolled_back')),"
	 "  trained_on TEXT,"
	 "  cases INTEGER NOT NULL DEFAULT 0,"
	 "  at INTEGER NOT NULL"
	 ");"
	 "CREATE TRIGGER models_no_update BEFORE UPDATE ON models"
	 "  BEGIN SELECT RAISE(ABORT, 'the model history is append-only'); END;"),
};

G_STATIC_ASSERT(G_N_ELEMENTS(migrations) == STORE_SCHEMA_VERSION);

int store_schema_latest(void)
{
	return (int)G_N_ELEMENTS(migrations);
}

static int exec_sql(sqlite3 *db, const char *sql, char **error_r, const char *what)
{
	char *errmsg = NULL;
	int ret = 1;
	if (sqlite3_exec(db, sql, NULL, NULL, &errmsg) != SQLITE_OK) {
		error_set(error_r, 0, "%s: %s", what, errmsg != NULL ? errmsg : "?");
		ret = 0;
	}
	sqlite3_free(errmsg);
	return ret;
}

/* Apply the next migration, if still needed once the write lock is held: another process
   may have migrated between our check and our lock. Sets *version_r to the new version. */
static int migrate_step(sqlite3 *db, int *version_r, char **error_r)
{
	char *sql = NULL;
	int ret = 0;

	if (!exec_sql(db, "BEGIN IMMEDIATE", error_r, "schema migration"))
		return 0;
	int version = store_db_user_version(db);
	if (version < store_schema_latest()) {
		sql = g_strdup_printf("%s PRAGMA user_version = %d;", migrations[version],
				      version + 1);
		if (!exec_sql(db, sql, error_r, "schema migration"))
			goto out;
		version++;
	}
	if (!exec_sql(db, "COMMIT", error_r, "schema migration"))
		goto out;
	*version_r = version;
	ret = 1;
out:
	if (ret != 1)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	g_free(sql);
	return ret;
}

int store_schema_migrate(sqlite3 *db, int target, char **error_r)
{
	int version = store_db_user_version(db);

	if (version > store_schema_latest())
		return error_set(error_r, 0,
				 "database schema version %d is newer than this pdgate (%d)",
				 version, store_schema_latest());
	while (version < target) {
		if (!migrate_step(db, &version, error_r))
			return 0;
	}
	return 1;
}
