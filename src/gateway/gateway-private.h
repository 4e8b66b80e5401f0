/* gateway internals, shared by the gateway's own files only. */
#ifndef PDGATE_GATEWAY_PRIVATE_H
#define PDGATE_GATEWAY_PRIVATE_H

#include "classify.h"
#include "clock.h"
#include "lifecycle.h"
#include "config.h"
#include "core.h"
#include "gateway.h"
#include "imap.h"
#include "pd-limits.h"
#include "mime.h"
#include "smtp.h"
#include "store.h"
#include "template.h"

struct gateway {
	const struct config *config;   /* borrowed */
	struct store *store;
	GHashTable *templates;         /* notice name -> struct template */
	struct case_env env;
	struct rules *rules;
	struct pd_model *model;        /* NULL: the rules alone */
	char *message_id_domain;
	int lock_fd;
	int64_t started;               /* 'sending' rows older than this were left by a crash */
	char fees_checked[11];         /* the day lapsed fees were last looked for */
};

/* Everything known about the inbound message being processed (per-message lifetime). */
struct intake {
	char *path;                    /* its spool file: parsed from there, never from memory */
	size_t len;
	int64_t received;
	const char *mailbox;
	char *sha256;
	struct mime_message *msg;      /* NULL when unparsable */
	char *parse_error;
	struct classify_result cls;    /* valid when msg != NULL */
	char *cls_json;                /* cls as JSON, for the record */
	int64_t case_id;               /* the case it continues, or 0 */
	int from_team;                 /* sent from our own address, or an authenticated member */
	int member;                    /* the From address is a [team] member's */
	char *auth;                    /* a member's mail: "pass", or "fail: why" */
	int64_t retry_row;             /* quarantine retry: the row rewritten instead of added */
	/* storm.c: the sender key it was counted under (NULL: not counted) and the storm
	   that holds it (0: none) */
	char *storm_sender;
	int64_t storm_id;
};

/* ---- spoolfetch.c, for poll.c ---- */
/* A message fetched from the mailbox into the spool. */
struct gateway_fetched {
	char *sha256;         /* spool key (g_malloc'd), or NULL when the bytes were not kept */
	uint64_t size;        /* bytes kept; when not kept, the most the server claimed or sent */
	int64_t internaldate;
	int too_large;        /* over PD_MAX_MESSAGE_SIZE: to be quarantined, never parsed */
};
/* Fetch uid into the spool chunk by chunk (never whole in memory). Mail over the limit is
   kept too, up to PD_MAX_SPOOL_FILE; beyond that only its size is known. 1 with *f (free
   f->sha256), 0 the UID is gone, -1 temporary (IMAP or disk): nothing is left in the spool. */
int gateway_fetch_spooled(struct gateway *gw, struct imap *imap, uint32_t uid,
			  struct gateway_fetched *f, char **error_r);

/* A message a storm held, opened as a new case at the team's word (intake.c): read again
   from the spool, classified and opened like any new request, the row moved onto the case
   (*case_id_r; a message that now continues a case joins it). Inside the caller's
   transaction. 1/0/-1. */
int gateway_intake_open_held(struct gateway *gw, int64_t storm_id, int64_t row,
			     int64_t received, int64_t *case_id_r, char **error_r);

/* ---- storm.c (issue 13) ---- */
/* A person-written message that would open a new case: count it against its sender's
   storm_threshold; past it, hold it in the sender's storm (in->storm_id, a new record raised
   to the team once). Fails closed: -1 when the count cannot be read. 1/0/-1. */
int gateway_storm_check(struct gateway *gw, struct intake *in, char **error_r);
/* After the message is stored as row: log it under its sender (so later ones count it).
   Does nothing for a message gateway_storm_check did not see. 1/0/-1. */
int gateway_storm_log(struct gateway *gw, const struct intake *in, int64_t row,
		      char **error_r);
/* A machine-generated message: when it is a bounce naming one of our notices, it joins that
   notice's case (in->case_id), the notice is marked failed and raised to the team. 1/0/-1. */
int gateway_bounce_check(struct gateway *gw, struct intake *in, char **error_r);

/* ---- intake.c, for teammail.c ---- */
/* Store the message of *in (on in->case_id, as in->from_team, with in->auth). 1/0/-1. */
int gateway_intake_store(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r);
/* What happens to anyone's mail: continue its case or open one. 1/0/-1. */
int gateway_intake_as_anyone(struct gateway *gw, struct intake *in, int64_t *row_r,
			     char **error_r);

/* For quarantine.c: classify *in and write everything for it (in the caller's transaction),
   as gateway_process_raw does; then free what *in owns. 1/0/-1. */
int gateway_intake_write(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r);
void gateway_intake_clear(struct intake *in);

/* ---- fees.c ---- */
/* Close the cases whose fee was not paid within three months of its notice, once a day. */
void gateway_fees_due(struct gateway *gw);

/* ---- digestmail.c ---- */
/* Send today's scheduled digest if it is time and it was not sent yet (the poller calls it
   every pass); errors are logged and tried again on the next pass. */
void gateway_digest_due(struct gateway *gw);
/* The same for the monthly report ([report] monthly = yes): the previous month's, on the
   first working day of the month. */
void gateway_report_due(struct gateway *gw);

/* ---- teammail.c ---- */
/* A member's mail (in->member): authenticated, its case found, its commands run, the member
   answered; or, with no command and no case, a request like anyone's. 1/0/-1. */
int gateway_team_mail(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r);
/* A non-member's reply with #commands: recorded on its case (the digest lists it); nothing
   runs. 1/0/-1. */
int gateway_note_stray_commands(struct gateway *gw, const struct intake *in, char **error_r);

/* A notice to queue: the template `name` rendered with `vars`, to rcpt, threaded as a reply
   (in_reply_to and references may be NULL), with files attached. Everything borrowed. */
struct gateway_notice {
	const char *name;
	int64_t case_id;
	const char *reference, *rcpt, *to_name;
	const char *in_reply_to;
	char **references;             /* NULL-terminated, or NULL */
	GHashTable *vars;
	GHashTable *lists;             /* list name -> GPtrArray of rows, or NULL */
	int child;                     /* use NAME.child when there is one */
	const struct mime_blob *files;
	size_t n_files;
	const struct mime_blob *inline_images; /* the HTML part's images (cid: filename) */
	size_t n_inline;
};
/* Render, compose, spool, record and queue it (inside the caller's transaction). 1/0/-1. */
int gateway_queue_notice(struct gateway *gw, const struct gateway_notice *n, char **error_r);

/* The exact message gateway_queue_notice would send, composed but neither stored nor
   queued: *raw_r g_malloc'd. 1 or 0. */
int gateway_preview_notice(struct gateway *gw, const struct gateway_notice *n, char **raw_r,
			   size_t *len_r, char **error_r);
/* The same for the team's mails about many cases: today's digest as it would go now, and
   last month's report. 1, 0 or -1. */
int gateway_digest_preview(struct gateway *gw, char **raw_r, size_t *len_r, char **error_r);
int gateway_report_preview(struct gateway *gw, char **raw_r, size_t *len_r, char **error_r);

/* What a case notice is rendered from. Everything borrowed. */
struct gateway_facts {
	const struct store_case *c;
	const struct case_record *rec;     /* c's record */
	const struct case_deadlines *d;    /* rec's deadlines */
	const struct case_command *cmd;    /* the team's action, or NULL */
	const char *change_reason;         /* clock_started / deadline_changed: why, or NULL */
	int to_team;                       /* the team sees internal targets; a requester not */
	const struct mime_blob *files;     /* sent with the notice (a response), or NULL */
	size_t n_files;
};

/* The values of the placeholders for a case. g_hash_table_unref. */
GHashTable *gateway_notice_values(const struct gateway *gw, const struct gateway_facts *f);
/* The lists: "deadlines" (one row per running clock shown) and "clocks" (every clock with a
   limit, any state). Unref. */
GHashTable *gateway_notice_lists(const struct gateway *gw, const struct gateway_facts *f);
/* notice-decisions.c: the placeholders of the decision notices (refusals, NCND, fees), put
   into vars; and the "cited" list, the provisions a refusal cites. */
void gateway_decision_values(GHashTable *vars, const struct gateway *gw,
			     const struct gateway_facts *f);
GPtrArray *gateway_cited_rows(const struct gateway *gw, const struct gateway_facts *f);

/* A team action as the gateway runs it. Everything borrowed. */
struct gateway_act {
	const char *reference;
	const struct case_command *cmd;
	const char *actor;
	const struct mime_blob *files;  /* respond: sent with the cover */
	size_t n_files;
	int defer_date_notice;          /* a mail of several commands tells the requester of a
					   changed date once, at its end (gateway_case_date_notice) */
	int *told_r;                    /* out, or NULL: 1 when a notice other than a date
					   notice went to the requester (it gives today's dates) */
};
/* The team's action inside the caller's transaction (gateway_case_action without begin and
   commit; the team's e-mail commands run each in a savepoint). Same returns. */
int gateway_case_act(struct gateway *gw, const struct gateway_act *a, char **reply_r,
		     char **error_r);

/* A case as a notice needs it: its row, its record and its deadlines today. */
struct gateway_loaded {
	struct store_case c;
	struct case_record rec;
	struct case_deadlines d;
};
/* 1, 0 no such case or unreadable, -1; clear *l whatever the return. */
int gateway_case_load(struct gateway *gw, const char *reference, struct gateway_loaded *l,
		      char **error_r);
void gateway_loaded_clear(struct gateway_loaded *l);
/* The one date notice (clock_started / deadline_changed) a batch of the team's actions owes
   the requester, comparing the deadlines before it with today's; none when nothing told
   moved. 1/0/-1. */
int gateway_case_date_notice(struct gateway *gw, const char *reference,
			     const struct case_deadlines *before, const char *reason,
			     char **error_r);

/* The e-mail commands that fit a case now (its state, kinds and regime; NULL: any open
   case), one usage per line, then #help. g_malloc'd. */
char *gateway_commands_text(const struct case_record *rec);

/* "- name (type, 120 KB)" per file, for a notice or the record. g_malloc'd. */
char *gateway_files_text(const struct mime_blob *files, size_t n_files);

/* Queue notice `name` of case f->c to its requester, threaded as a reply. 1/0/-1. */
int gateway_case_notice(struct gateway *gw, const struct gateway_facts *f, const char *name,
			const char *in_reply_to, char **references, char **error_r);
/* Write rec into case c with its freshly computed deadlines, which are left in *d_r for the
   notices (the caller clears them, whatever the return). 1/0/-1. */
int gateway_case_save(struct gateway *gw, struct store_case *c, const struct case_record *rec,
		      struct case_deadlines *d_r, char **error_r);

/* A notice to the requester of case_id failed for good: tell the team (team_notice_failed),
   with the command to queue it again. Notices to others (the team's own) are not raised. */
int gateway_raise_failed_notice(struct gateway *gw, int64_t case_id, int64_t outbox_id,
				const char *rcpt, const char *error);

/* ---- the team's word on the kinds (kinds.c) ---- */

/* The team confirmed (before == after) or corrected the kinds of case c: recorded for
   training with who and when, an event kinds_confirmed / kinds_corrected, and c (in memory
   too) no longer uncertain. 1/0/-1. */
int gateway_kinds_labelled(struct gateway *gw, struct store_case *c, const char *actor,
			   unsigned before, unsigned after, char **error_r);
/* An uncertain case whose kinds were just corrected to a data-protection right: identity is
   needed as on receipt (rec goes to awaiting_identity) unless the request came with it or
   the requester was verified recently (the clock then runs from receipt). */
void gateway_kinds_identity(struct gateway *gw, const struct store_case *c,
			    struct case_record *rec);
/* The acknowledgement an uncertain case owed, now with the kinds and dates. 1/0/-1. */
int gateway_kinds_acknowledge(struct gateway *gw, const struct store_case *c,
			      const struct case_record *rec, const struct case_deadlines *d,
			      const char *in_reply_to, char **references, char **error_r);
/* set-kinds with the same kinds on an uncertain case: confirmed, and acknowledged.
   *reply_r for the member. 1/0/-1. */
struct gateway_act;
int gateway_kinds_confirm(struct gateway *gw, struct store_case *c, const struct gateway_act *a,
			  const struct case_record *rec, const char *in_reply_to,
			  char **references, char **reply_r, char **error_r);

/* ---- notices to the team (teamnotice.c) ---- */

/* A notice to the team: a case's values (facts, NULL for none) plus extra (name, value pairs,
   NULL-terminated, copied), to rcpt (gateway_team_notify: to every [team] notify address),
   threaded to in_reply_to, with files attached. Everything borrowed. */
struct gateway_team_notice {
	const struct gateway_facts *facts;
	const char *name;
	const char *const *extra;
	const char *rcpt;
	const char *in_reply_to;
	char **references;
	const struct mime_blob *files;
	size_t n_files;
};
int gateway_team_notice(struct gateway *gw, const struct gateway_team_notice *t,
			char **error_r);
int gateway_team_notify(struct gateway *gw, const struct gateway_team_notice *t,
			char **error_r);
/* Tell the team something (fn) in a savepoint: when it cannot be told (a template or a case
   that cannot be rendered), its writes are undone, the case records team_not_told and the
   caller's mail is kept all the same; only a temporary failure (-1) undoes everything. */
typedef int gateway_tell_fn(struct gateway *gw, void *ctx, char **error_r);
int gateway_tell_team(struct gateway *gw, int64_t case_id, gateway_tell_fn *fn, void *ctx,
		      char **error_r);
/* gateway_team_notice about case `reference` (its values loaded). 1/0/-1. */
int gateway_case_team_notice(struct gateway *gw, const char *reference,
			     const struct gateway_team_notice *t, char **error_r);
/* A possible forgery on case `reference` (NULL: it names none), told to the team
   (team_alert). 1/0/-1. */
int gateway_team_alert(struct gateway *gw, const char *reference, const char *what,
		       const char *in_reply_to, char **error_r);
/* The requester's message in *in, on an existing case, raised to the team at once
   (team_case_reply): its new text, what it probably is, its files. 1/0/-1. */
int gateway_raise_reply(struct gateway *gw, const struct intake *in, char **error_r);

/* A notice failed for good: marked failed, recorded on its case and raised to the team, in
   one transaction. 1, or 0/-1 (logged; the row is left as it was and tried again). */
int gateway_outbox_failed(struct gateway *gw, const struct store_outbox_item *it,
			  const char *error);

/* Today in Europe/London, refreshed into gw->env (a poller runs for days). */
const struct case_env *gateway_env(struct gateway *gw);

/* "25 November 2026" in Europe/London (g_malloc'd). */
char *gateway_format_date(int64_t when);
/* Calendar year of `when` in Europe/London. */
int gateway_year(int64_t when);

#endif
