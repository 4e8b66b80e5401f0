/* store: the SQLite database (cases, messages, events, outbox, mailbox sync state) and the
   content-addressed spool of raw messages. The only module with SQL; prepared statements only.
   All functions return 1 done, 0 permanent failure / not found (as documented), -1 temporary
   (database busy or locked, disk full, I/O error: worth trying again later). Strings passed in are borrowed; strings returned are g_malloc'd and
   owned by the caller unless documented otherwise. */
#ifndef PDGATE_STORE_H
#define PDGATE_STORE_H

#include <stddef.h>
#include <stdint.h>

struct store;

#define STORE_SCHEMA_VERSION 12

/* Open (creating 0600, migrating to STORE_SCHEMA_VERSION) the database and spool folder.
   1 with *store_r (free with store_close) or 0. */
int store_open(const char *db_path, const char *spool_dir, struct store **store_r, char **error_r);
void store_close(struct store **store);

/* PRAGMA user_version of the open database. */
int store_schema_version(struct store *store);

/* Transactions (BEGIN IMMEDIATE, so writers serialise up front). */
int store_begin(struct store *store, char **error_r);
int store_commit(struct store *store, char **error_r);
void store_rollback(struct store *store);
/* One step inside a transaction that may be undone alone (a team command refused after the
   mail that carried it was recorded): savepoint, then release (keep) or rollback (undo).
   Steps do not nest. */
int store_savepoint(struct store *store, char **error_r);
int store_savepoint_release(struct store *store, char **error_r);
void store_savepoint_rollback(struct store *store);

/* Make every commit so far durable (WAL checkpoint with fsync): call before telling the
   IMAP server it may move mail away. 1 or -1. */
int store_sync(struct store *store, char **error_r);

/* Spool: write raw under spool/ab/<sha256> (0600, atomic, once). *sha256_r g_malloc'd. 1 or 0. */
int store_spool_put(struct store *store, const char *raw, size_t len, char **sha256_r,
		    char **error_r);
/* Read the spooled bytes of sha256. 1, or 0 (missing/corrupt: the hash is re-checked).
   The whole file comes into memory: for our own notices, not for inbound mail. */
int store_spool_get(struct store *store, const char *sha256, char **raw_r, size_t *len_r,
		    char **error_r);

/* Lookups return 1 found, 0 not found, -1 database error: every caller tells the two apart
   and a safety check fails closed on -1. */

/* Spool writer: a message written as its bytes arrive (never whole in memory), hashed on the
   way, into a temporary file (0600) under spool/tmp that becomes spool/ab/<sha256> only on
   finish, replacing a file of that name (same bytes, or a damaged copy being repaired).
   Not fsynced unless asked: store_sync() syncs the whole batch before mail is moved.
   Abort, or a crash, leaves no spool key; a crashed writer's temporary file is removed by
   the next store_open (never one another live process is writing: each is flock()ed).
   The writer is owned by the caller, who ends it with exactly one finish or abort. */
struct store_spool_writer;
/* 1 with *w_r, or -1 (cannot create the file: disk trouble, retry later). */
int store_spool_writer_open(struct store *store, struct store_spool_writer **w_r,
			    char **error_r);
/* Append len bytes (data borrowed). 1, or -1 (write failed: the caller aborts). */
int store_spool_writer_append(struct store_spool_writer *w, const void *data, size_t len,
			      char **error_r);
/* Bytes appended so far. */
uint64_t store_spool_writer_size(const struct store_spool_writer *w);
/* Publish under the SHA-256 of the bytes (fsync first with `sync`). Frees *w and sets it to
   NULL whatever happens. 1 with *sha256_r (g_malloc'd), or -1 (the temporary file is gone). */
int store_spool_writer_finish(struct store_spool_writer **w, int sync, char **sha256_r,
			      char **error_r);
/* Remove the temporary file, free *w, set it to NULL. NULL-safe. */
void store_spool_writer_abort(struct store_spool_writer **w);

/* Path of sha256's spool file, to read it as a stream (g_malloc'd), or NULL when sha256 is
   not a valid key. Whether the file exists is not checked. */
char *store_spool_path(struct store *store, const char *sha256);
/* Re-hash sha256's spool file in chunks (never whole in memory). 1 intact (*size_r, may be
   NULL), or 0 (missing, unreadable or corrupt, with *error_r). */
int store_spool_verify(struct store *store, const char *sha256, uint64_t *size_r,
		       char **error_r);

/* Mailbox sync state. store_mailbox_get: 1 known, 0 never seen, -1. */
int store_mailbox_get(struct store *store, const char *mailbox, uint32_t *uidvalidity_r);
int store_mailbox_set(struct store *store, const char *mailbox, uint32_t uidvalidity,
		      char **error_r);
/* 1 when (mailbox, uidvalidity, uid) was committed already (sets *message_row_r), 0 not, -1. */
int store_uid_get(struct store *store, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
		  int64_t *message_row_r, int *moved_r);
int store_uid_put(struct store *store, const char *mailbox, uint32_t uidvalidity, uint32_t uid,
		  int64_t message_row, char **error_r);
int store_uid_set_moved(struct store *store, const char *mailbox, uint32_t uidvalidity,
			uint32_t uid, const char *dest, char **error_r);

/* Attempts to process a UID. Counted before each attempt, in a transaction of its own (not
   inside the caller's), so an attempt that crashes the poller still counts: sets *attempts_r
   to this attempt's number and *last_error_r (g_malloc'd, or NULL) to why the last one
   failed. 1 or -1. */
int store_uid_attempt_begin(struct store *store, const char *mailbox, uint32_t uidvalidity,
			    uint32_t uid, int *attempts_r, char **last_error_r, char **error_r);
enum store_attempt_outcome {
	STORE_ATTEMPT_DONE,      /* processed: the count is dropped */
	STORE_ATTEMPT_FAILED,    /* the message failed: the attempt counts */
	STORE_ATTEMPT_NOT_OURS,  /* the network, the disk or the database failed: not counted */
};
/* Record how the attempt ended (error: why it failed, or NULL). 1 or -1. */
int store_uid_attempt_end(struct store *store, const char *mailbox, uint32_t uidvalidity,
			  uint32_t uid, enum store_attempt_outcome outcome, const char *error,
			  char **error_r);

enum store_direction { STORE_IN = 0, STORE_OUT = 1 };

struct store_message {
	enum store_direction direction;
	int64_t case_id;          /* 0 = no case */
	const char *sha256;       /* spool key, or NULL when the raw bytes were not kept */
	uint64_t size;
	const char *message_id, *in_reply_to, *references; /* references: space-separated */
	const char *from_addr, *from_name, *to_addr, *subject, *date_header;
	int64_t date;             /* Date header as Unix time, 0 unknown */
	int64_t received;         /* inbound: INTERNALDATE; outbound: time composed */
	const char *auto_reason;  /* non-NULL: machine-generated, never answered */
	const char *status;       /* "stored" or "quarantined" */
	const char *error;        /* why quarantined, or NULL */
	const char *mailbox;      /* where it was found (inbound), or NULL */
	const char *classification; /* JSON of the classification (inbound), or NULL */
	const char *notice;       /* outbound: the notice's template name, or NULL */
	int from_team;            /* inbound from our own or a team address */
	const char *auth;         /* a team address's mail: "pass", or why it failed; NULL */
};

int store_message_add(struct store *store, const struct store_message *m, int64_t *id_r,
		      char **error_r);
/* Spool key of a message row: 1 with *sha256_r (g_malloc'd), 0 (none kept, or no row), -1. */
int store_message_sha256(struct store *store, int64_t id, char **sha256_r);
/* 1 when message row id is quarantined, 0 not (or no such row), -1. */
int store_message_quarantined(struct store *store, int64_t id);
/* 1 when the spool holds sha256 intact, else 0. */
int store_spool_check(struct store *store, const char *sha256);
/* Inbound message with these exact bytes: 1 (sets *id_r), 0, -1. */
int store_message_find_by_sha256(struct store *store, const char *sha256, int64_t *id_r);

/* Case whose outbound message had this Message-ID: 1 (sets *case_id_r), 0, -1. */
int store_case_by_sent_message_id(struct store *store, const char *message_id,
				  int64_t *case_id_r);
/* Case by reference: 1, 0, -1. */
int store_case_by_reference(struct store *store, const char *reference, int64_t *case_id_r);

struct store_new_case {
	const char *prefix;       /* reference prefix, e.g. "PD" */
	int year;                 /* reference year (of receipt) */
	const char *requester_addr, *requester_name, *subject;
	int64_t received;
	const char *state;
	/* classification of the opening request */
	const char *kinds;        /* "access,erasure" or "other" */
	unsigned kinds_mask;
	const char *regime_hint, *on_behalf;
	int child, vague, identity_attached;
	const char *complaint_type; /* what a complaint is about, or NULL (data_protection) */
	const char *related_case;   /* the earlier case it is about (a complaint), or NULL */
};
/* Allocate the next reference for the year and insert the case. Must be inside a
   transaction. 1 with *case_id_r and *reference_r (g_malloc'd), or 0. */
int store_case_create(struct store *store, const struct store_new_case *nc, int64_t *case_id_r,
		      char **reference_r, char **error_r);

/* Reference of a case: 1 with *reference_r (g_malloc'd), 0, -1. */
int store_case_reference(struct store *store, int64_t case_id, char **reference_r);

/* The latest case of requester_addr received at or after `since` that shares a kind with
   kinds_mask: 1 with *reference_r (g_malloc'd), 0 none, -1. */
int store_case_find_repeat(struct store *store, const char *requester_addr, unsigned kinds_mask,
			   int64_t since, char **reference_r);

/* A case as the lifecycle and the CLI see it. Days are "YYYY-MM-DD" or NULL; stops and
   deadlines are the lifecycle's text forms. All strings g_malloc'd (store_case_clear). */
struct store_case {
	int64_t id, received;
	char *reference, *state, *regime, *kinds, *requester_addr, *requester_name, *subject;
	unsigned kinds_mask;
	int child;
	char *identity_on, *restart_on, *extended_on, *stops, *deadlines;
	char *complaint_type, *on_behalf, *related_case;
	char *owner, *reopened_on, *outcome;
	char *fee_on, *fee_paid_on;
	int64_t fee_pence;
	/* Kinds uncertain: what the classifier was unsure between, or NULL (sure, or the team
	   confirmed); the day the team promised to confirm by; "confirmed" / "corrected" once
	   the team said, else NULL. Read only: store_case_save leaves them; see
	   store_case_set_uncertain and store_case_kinds_labelled. */
	char *kinds_uncertain, *confirm_by, *kinds_labelled;
	int identity_attached;    /* the request came with proof of identity (read only) */
};
void store_case_clear(struct store_case *c);
/* dst becomes a copy of src (every string duplicated). */
void store_case_copy(struct store_case *dst, const struct store_case *src);
/* Replace one of c's strings with a copy of value ("" and NULL clear it). */
void store_case_set_text(char **field, const char *value);
/* By reference: 1, 0 no such case, -1 database error. */
int store_case_load(struct store *store, const char *reference, struct store_case *c,
		    char **error_r);
/* Write state, regime, kinds, kinds_mask, complaint_type, identity_on, restart_on,
   extended_on, reopened_on, stops, deadlines, owner, outcome and the fee of c (by c->id).
   Inside the caller's transaction. 1/0/-1. */
int store_case_save(struct store *store, const struct store_case *c, char **error_r);
/* Every case in reference order; cb returns 1 to go on, 0 to stop. 1, or 0/-1 on error. */
typedef int store_case_cb(void *ctx, const struct store_case *c);
int store_case_each(struct store *store, store_case_cb *cb, void *ctx, char **error_r);

/* A new case opened on a guess: why ("access 0.55, foi 0.48") and the day (YYYY-MM-DD) the
   team confirms by. Inside the caller's transaction. 1/0/-1. */
int store_case_set_uncertain(struct store *store, int64_t case_id, const char *why,
			     const char *confirm_by, char **error_r);
/* The team has confirmed ("confirmed") or corrected ("corrected") the kinds of a case, by
   `who` at `at`: recorded for training, and the case is no longer uncertain. A later call
   overwrites the earlier one (the latest word counts). 1/0/-1. */
int store_case_kinds_labelled(struct store *store, int64_t case_id, const char *how,
			      const char *who, int64_t at, char **error_r);

/* The cases whose kinds the team confirmed or corrected, oldest first, for `pdgate train`:
   the kinds as they stand (the team's word) and the request that opened the case (its first
   inbound message; sha256 and spool_path NULL when its bytes were not kept). Borrowed for the
   callback only. */
struct store_labelled {
	int64_t case_id;
	const char *reference;
	const char *kinds;        /* "access,foi" or "other" */
	unsigned kinds_mask;
	const char *how;          /* "confirmed" or "corrected" */
	int64_t at;               /* when the team said so */
	const char *sha256, *spool_path, *message_id;
};
/* cb returns 1 to go on, 0 to stop. 1, or 0/-1 on a database error. */
typedef int store_labelled_cb(void *ctx, const struct store_labelled *l);
int store_cases_labelled(struct store *store, store_labelled_cb *cb, void *ctx,
			 char **error_r);

/* 1 when another case of requester_addr than other_than ended with outcome ("vexatious"),
   0 not, -1. */
int store_requester_had_outcome(struct store *store, const char *requester_addr,
				const char *outcome, int64_t other_than);
/* 1 when a case of requester_addr (any case) had its identity verified at or after `since`,
   0 not, -1. */
int store_requester_verified(struct store *store, const char *requester_addr, int64_t since);

/* The requester's latest person-written inbound message of a case (not the team's: for
   threading a notice and for the day an answer arrived). Strings g_malloc'd; clear with
   store_inbound_clear. 1, 0 none, -1. */
struct store_inbound {
	int64_t id, received;
	int64_t first_id;         /* the case's first inbound message (the request) */
	char *message_id, *references, *from_name;
};
int store_case_last_inbound(struct store *store, int64_t case_id, struct store_inbound *in);
void store_inbound_clear(struct store_inbound *in);
/* When the latest notice `notice` of a case was composed (Unix time; 0 none) in *when_r.
   1, or -1 database error. */
int store_case_last_notice(struct store *store, int64_t case_id, const char *notice,
			   int64_t *when_r);

/* How many automatic notices (acknowledgement, identity_request) were composed for rcpt at
   or after `since` (*count_r): the per-requester rate limit. 1, or -1 database error (the
   caller then sends nothing: a limit fails closed). */
int store_auto_notices_since(struct store *store, const char *rcpt, int64_t since,
			     int64_t *count_r);

/* What the digest and the report need of a case beyond its row. Times Unix, 0 = none. */
struct store_case_facts {
	int64_t ended;        /* the latest ending event (responded, refused, ...) */
	int64_t last_reply;   /* the latest person-written inbound mail after the request */
	int64_t last_team;    /* the latest event of a team member (not the gateway's own) */
	int64_t ack_sent;     /* the acknowledgement's acceptance by the SMTP server */
	int possible_repeat;
};
int store_case_facts(struct store *store, int64_t case_id, struct store_case_facts *f,
		     char **error_r);

/* The digests sent. kind: "scheduled" (one a day: a second one for the same day fails with
   0), "manual", "report" (one a month). day: YYYY-MM-DD. The newest case id is recorded
   with it: cases opened later, even in the same second, are new to the next one. */
int store_digest_add(struct store *store, const char *kind, const char *day, int64_t sent_at,
		     char **error_r);
/* When the latest digest of kind was sent (0: never), the newest case it saw and its day
   (11 bytes). 1, or -1 on a database error. */
int store_digest_last(struct store *store, const char *kind, int64_t *sent_at_r,
		      int64_t *last_case_r, char day_r[static 11]);

/* Append to a case's record. actor: "gateway", a team address, or "requester". */
int store_event_add(struct store *store, int64_t case_id, const char *actor, const char *action,
		    const char *detail, char **error_r);

/* ---- models (models.c): what `pdgate train` learns from, and its history ---- */

/* Record, in one transaction, that model `version` was trained (action "trained", with an
   event "model_trained" on each case of case_ids, n of them) or rolled back to
   ("rolled_back", no cases). 1 or 0. */
int store_model_record(struct store *store, const char *version, const char *action,
		       const char *trained_on, const int64_t *case_ids, size_t n, int64_t at,
		       char **error_r);

/* Outbox. */
int store_outbox_add(struct store *store, int64_t case_id, int64_t message_row, const char *sender,
		     const char *rcpt, char **error_r);

struct store_outbox_item {
	int64_t id, case_id, message_row, last_attempt;
	char *sender, *rcpt, *sha256, *message_id;
	char *last_error;         /* of the last attempt, or NULL */
	int attempts;
	int sending;              /* state 'sending': an attempt whose outcome is unknown */
};
/* Up to `max` items due at `now`. Without a journal: queued with next_attempt <= now, or
   'sending' left by a crash, i.e. attempted before `started` (sent again: at-least-once).
   With one (journal != 0): queued and either never tried or checked against the journal
   since the last attempt. *items_r g_malloc'd; free with store_outbox_items_free. 1 / -1. */
int store_outbox_due(struct store *store, int64_t now, int journal, int64_t started,
		     size_t max, struct store_outbox_item **items_r, size_t *count_r);
/* Attempts whose outcome is unknown: 'sending', or retries not yet checked. 1 or -1. */
int store_outbox_unsettled(struct store *store, struct store_outbox_item **items_r,
			   size_t *count_r);
/* The journal has no copy: the attempt was not accepted; it may be sent again. */
int store_outbox_mark_checked(struct store *store, int64_t id, const char *why,
			      char **error_r);
/* `pdgate outbox retry ID`: a failed (or queued) notice is queued again now. 1, 0 (no such
   failed or queued notice), -1. */
int store_outbox_retry(struct store *store, int64_t id, int64_t now, char **error_r);
/* The case of an outbox row: 1 with *case_id_r (0 = none), 0 no such row, -1. */
int store_outbox_case(struct store *store, int64_t id, int64_t *case_id_r);
void store_outbox_items_free(struct store_outbox_item **items, size_t count);
/* Record the attempt before sending, so a crash leaves evidence. */
int store_outbox_mark_sending(struct store *store, int64_t id, int64_t now, char **error_r);
int store_outbox_mark_sent(struct store *store, int64_t id, int64_t now, char **error_r);
int store_outbox_mark_retry(struct store *store, int64_t id, int64_t next_attempt,
			    const char *error, char **error_r);
int store_outbox_mark_failed(struct store *store, int64_t id, const char *error,
			     char **error_r);

/* ---- storms and bounces (store/storms.c) ---- */

/* Log a person-written inbound message that continued no case under its normalised sender
   (lower-case), at its INTERNALDATE, held in storm_id (0: not held). 1/0/-1. */
int store_sender_log(struct store *store, int64_t message_row, const char *sender,
		     int64_t received, int64_t storm_id, char **error_r);
/* How many logged messages of sender were received in (after, until]: 1 with *count_r, -1
   on a database error (the caller fails closed: the message is tried again). */
int store_sender_count(struct store *store, const char *sender, int64_t after, int64_t until,
		       int64_t *count_r);

struct store_storm {
	int64_t id, started, last_seen, held, window_s, threshold, opened;
	char *sender;             /* g_malloc'd when loaded (store_storm_clear) */
};
void store_storm_clear(struct store_storm *s);
/* The sender's latest storm: 1 with *s, 0 none, -1 database error. */
int store_storm_latest(struct store *store, const char *sender, struct store_storm *s);
/* By id: 1, 0 no such storm, -1. */
int store_storm_load(struct store *store, int64_t id, struct store_storm *s);
/* A new storm of s->sender holding one message received at s->started: *id_r. 1/0/-1. */
int store_storm_add(struct store *store, const struct store_storm *s, int64_t *id_r,
		    char **error_r);
/* One more message held in storm id, received at `received`. 1/0/-1. */
int store_storm_grow(struct store *store, int64_t id, int64_t received, char **error_r);
/* The messages held in storm id that no case took yet, oldest first: their rows and
   INTERNALDATEs (*rows_r, *received_r: n each, g_malloc'd). 1 or -1. */
int store_storm_waiting(struct store *store, int64_t id, int64_t **rows_r,
			int64_t **received_r, size_t *n_r);
/* A held message now belongs to case_id (the team opened it): the message row and the
   storm's count of cases opened. 1/0/-1. */
int store_storm_opened(struct store *store, int64_t storm_id, int64_t message_row,
		       int64_t case_id, char **error_r);

/* The notice we sent with Message-ID message_id (a bounce names it): its outbox row, case,
   template name and recipient (g_malloc'd; store_sent_notice_clear). 1 found, 0 none, -1. */
struct store_sent_notice {
	int64_t outbox_id, case_id, message_row;
	char *notice, *rcpt, *state;
};
int store_sent_notice_find(struct store *store, const char *message_id,
			   struct store_sent_notice *n);
void store_sent_notice_clear(struct store_sent_notice *n);

/* Read side, for the CLI: each row as a NULL-terminated array of column names and values
   (values may be NULL); the callback borrows them. `kind` selects the query:
   "cases" (arg unused), "case" (arg = reference), "case_messages", "case_events",
   "case_outbox" (arg = reference), "messages" (arg unused), "outbox" (arg unused),
   "quarantine" (arg unused: every quarantined inbound message, for `pdgate quarantine`);
   for the digest, columns reference, what, at: "failed_notices" (arg unused),
   "quarantined" (arg = Unix time: received since), "forgeries", "stray_commands" (arg =
   Unix time: recorded since), "storms" (arg = Unix time: storms seen since, and any with
   mail still held); for `pdgate storms`: "storm_list" (arg unused),
   "storm_messages" (arg = storm id). 1 or 0. */
typedef void store_row_cb(void *ctx, int ncols, const char *const *names,
			  const char *const *values);
int store_query(struct store *store, const char *kind, const char *arg, store_row_cb *cb,
		void *ctx, char **error_r);

/* ---- quarantine (store/quarantine.c): `pdgate quarantine` and its retry ---- */
/* A quarantined inbound message as the retry needs it. Strings g_malloc'd or NULL
   (store_quarantined_clear). */
struct store_quarantined {
	int64_t id, received, size;
	char *sha256;             /* NULL: quarantined without its bytes (too large to fetch) */
	char *error, *mailbox;
};
/* Message row id if it is an inbound quarantined message: 1, 0 (no such message, or not
   quarantined: *error_r says which), -1 (database error). */
int store_quarantined_load(struct store *store, int64_t id, struct store_quarantined *q,
			   char **error_r);
void store_quarantined_clear(struct store_quarantined *q);
/* Rewrite inbound message row id with what a new intake of its bytes found (every column
   store_message_add writes, except sha256, size, received and mailbox: those are the
   bytes' own and stay). Inside the caller's transaction. 1, 0, -1. */
int store_message_replace(struct store *store, int64_t id, const struct store_message *m,
			  char **error_r);
/* Append to a message's own record (message_events): what happened to it outside a case. */
int store_message_event_add(struct store *store, int64_t message_row, const char *actor,
			    const char *action, const char *detail, char **error_r);

#endif
