/* gateway: the only module that knows the whole pipeline: mailbox -> mime -> classify ->
   store -> template -> outbox -> smtp. */
#ifndef PDGATE_GATEWAY_H
#define PDGATE_GATEWAY_H

#include <glib.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

struct gateway;

/* Every notice's template name (NULL-terminated; NAME.child variants are optional), and the
   placeholder names every notice provides ("list[]" and "list.field" for lists). */
extern const char *const gateway_notice_names[];
extern const char *const gateway_notice_vars[];
/* Each notice declares what it may use: the case notices gateway_notice_vars, the digest and
   the report mail their own (they are about many cases). By template name (NAME.child too). */
extern const char *const gateway_digest_vars[];
extern const char *const gateway_report_vars[];
const char *const *gateway_notice_vars_of(const char *name);

/* Take the single-poller lock (a file next to the database) before anything else opens the
   database, so two pollers never even race to create it. Released by gateway_deinit. */
#define GATEWAY_FLAG_POLLER 0x1
/* Templates, rules and the deadline table only: no database (templates check). */
#define GATEWAY_FLAG_NO_STORE 0x2

/* Load templates and rules and open the store (secrets are read when connecting).
   Returns 1 with *gw_r (free with gateway_deinit); 0 with *error_r (bad templates or rules,
   unusable database); -1 when GATEWAY_FLAG_POLLER was given and another poller holds the
   lock (*error_r says which pid). */
int gateway_init(const struct config *config, unsigned flags, struct gateway **gw_r,
		 char **error_r);
void gateway_deinit(struct gateway **gw);

/* Reload templates, rules, the deadline table and the config's [holidays] (SIGHUP). All or
   nothing: when any file is invalid the old set stays in force and 0 is returned with
   *error_r saying why. Other config changes need a restart. */
int gateway_reload(struct gateway *gw, char **error_r);

/* The model in force: [store] model when that file exists (trained by the team's
   corrections), else [gateway] model when set (shipped), else none (*m_r NULL: the rules
   alone). 1, or 0 with *error_r when the chosen file is not a valid model (a broken trained
   model is an error, never a silent fall back: roll it back). */
struct pd_model;
int gateway_model_load(const struct config *config, struct pd_model **m_r, char **error_r);

/* Where an inbound message was found: its folder and, read over IMAP, its (UIDVALIDITY,
   UID), recorded in the message's own transaction: a crash can never leave it stored with
   its UID unrecorded (which would process it again). uid 0: not from IMAP. Borrowed. */
struct gateway_origin {
	const char *mailbox;
	uint32_t uidvalidity, uid;
};

/* Process one raw inbound message received at `received` (Unix time) from `origin`: store
   it, open or continue a case, queue notices, record its UID, all in one transaction.
   Duplicate bytes are recognised and not processed twice (their UID is recorded). Returns
   1 stored (*message_row_r set), 0 the database refused it permanently, -1 temporary failure
   (the disk, a busy database: nothing committed). */
int gateway_process_raw(struct gateway *gw, const char *raw, size_t len, int64_t received,
			const struct gateway_origin *origin, int64_t *message_row_r,
			char **error_r);

/* A message recorded without being processed, quarantined with `why`: its spool key (NULL
   when its bytes could not be kept; the mailbox keeps them) and its UID in one transaction.
   Bytes stored before keep their row (the UID is recorded for it). 1 with *message_row_r,
   0 or -1. */
int gateway_quarantine_spooled(struct gateway *gw, const char *sha256, uint64_t size,
			       int64_t received, const struct gateway_origin *origin,
			       const char *why, int64_t *message_row_r, char **error_r);
/* The same for a message already in the spool under sha256 (size bytes, at most
   PD_MAX_MESSAGE_SIZE), parsed from its spool file: how the poller takes mail, so that a
   large message is never whole in memory. gateway_process_raw spools, then calls this. */
int gateway_process_spooled(struct gateway *gw, const char *sha256, uint64_t size,
			    int64_t received, const struct gateway_origin *origin,
			    int64_t *message_row_r, char **error_r);

/* A team member's action on case `reference` (the same path for the CLI and the team's
   e-mail commands), all in one transaction. actor says who ("local:alice", a team address).
   files (n_files of them, may be 0): what `respond` sends with the cover (borrowed).
   1 done with *reply_r (g_malloc'd, one line per fact); 0 refused or unknown case with
   *error_r saying exactly why (nothing changed); -1 temporary (database busy). */
struct case_command;
struct mime_blob;
int gateway_case_action(struct gateway *gw, const char *reference,
			const struct case_command *cmd, const char *actor,
			const struct mime_blob *files, size_t n_files, char **reply_r,
			char **error_r);

/* Recompute the deadlines of every case still running and record a deadlines_recomputed
   event on each whose deadlines changed (the table or the bank holidays were edited).
   Done when a poller starts and on reload. 1, or 0/-1 with *error_r. */
int gateway_recompute_deadlines(struct gateway *gw, char **error_r);

/* pdgate templates render: the exact message notice `name` would be for case `reference`,
   or for a sample case (reference NULL) in `regime`; child picks NAME.child when shipped.
   1 with *raw_r (g_malloc'd bytes, CRLF) or 0 with *error_r. */
struct gateway_preview {
	const char *name, *reference;
	int regime;  /* enum clock_regime, for the sample case */
	int child;
};
int gateway_render_notice(struct gateway *gw, const struct gateway_preview *p, char **raw_r,
			  size_t *len_r, char **error_r);
/* The loaded templates' names, sorted (g_strfreev). */
char **gateway_template_names(struct gateway *gw);

/* pdgate digest: queue a digest now to [team] notify (extra: the scheduled one still
   goes). 1/0/-1 with *error_r. */
int gateway_digest_send(struct gateway *gw, char **error_r);
/* The digest as it would be now: *text_r "Subject: ...\n\nbody", *html_r a standalone HTML
   page (the chart inline as a data: URL). g_malloc'd. 1, or 0/-1 with *error_r. */
int gateway_digest_render(struct gateway *gw, char **text_r, char **html_r, char **error_r);

/* pdgate report: the statutory report over [from, to] as text, CSV or JSON (*out_r), and
   with png_r its chart (monthly volumes, on-time rate) as PNG bytes. g_malloc'd. 1, or 0/-1
   with *error_r. gateway_report_send mails it to [team] notify. */
enum gateway_report_format { GATEWAY_REPORT_TEXT, GATEWAY_REPORT_CSV, GATEWAY_REPORT_JSON };
int gateway_report_render(struct gateway *gw, const GDate *from, const GDate *to,
			  enum gateway_report_format format, char **out_r, char **png_r,
			  size_t *png_len_r, char **error_r);
int gateway_report_send(struct gateway *gw, const GDate *from, const GDate *to,
			char **error_r);

/* pdgate storm open ID: a case for each message storm ID holds that no case took yet,
   opened as any new request (its acknowledgement within max_auto_notices_per_day, the team
   notified), all in one transaction; the poller sends the notices. 1 with *opened_r; 0 no
   such storm or a message unreadable (*error_r, nothing changed); -1 temporary. */
int gateway_storm_open(struct gateway *gw, int64_t id, int64_t *opened_r, char **error_r);

/* Send what is due in the outbox over one reused SMTP connection. Returns the number sent,
   or -1 when the SMTP server could not be reached (items stay queued). */
int gateway_flush_outbox(struct gateway *gw);

/* One pass: connect to IMAP, process every message of the mailbox, move them, flush the
   outbox. 1 all done; 0 permanent failure (login refused, bad certificate); -1 temporary. */
int gateway_poll_once(struct gateway *gw, char **error_r);

/* Keep polling (IDLE when offered) until *stop becomes non-zero; when *reload becomes
   non-zero, reload templates and rules between passes and clear it. Returns the exit status. */
int gateway_run(struct gateway *gw, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload);

/* pdgate quarantine retry ID: quarantined message ID processed again from its spool copy
   (after a fix), through the normal intake in one transaction on its own row: it becomes
   stored (a case opened or joined, notices queued for the poller to send) or stays
   quarantined with its new reason. Either way the retry is recorded (message_events, and
   the case's events), with the old reason. The IMAP copy is not touched. 1 done (*r says
   how); 0 refused with *error_r (no such quarantined message; r->unretriable: its bytes
   were never kept or the spool copy is gone); -1 temporary. Clear *r whatever the return. */
struct gateway_retry {
	int quarantined;          /* still quarantined, because of `reason` */
	char *reason;
	char *reference;          /* the case it opened or joined, or NULL */
	char *auto_reason;        /* machine-generated: why (no case, no notice) */
	int unretriable;
};
int gateway_quarantine_retry(struct gateway *gw, int64_t id, const char *actor,
			     struct gateway_retry *r, char **error_r);
void gateway_retry_clear(struct gateway_retry *r);

#endif
