/* gateway/poll: the mailbox loop. Order per message: fetch -> commit -> move, so a crash at
   any point repeats safely: a committed UID (or the same bytes) is only moved, never processed
   again. The server's responses are untrusted and handled by the imap module. */
#include "gateway-private.h"

#include <string.h>
#include <time.h>

struct poll_ctx {
	struct gateway *gw;
	struct imap *imap;
	uint32_t uidvalidity;
	unsigned processed, failed;
	GArray *to_processed, *to_quarantine; /* committed UIDs waiting to be moved */
	volatile sig_atomic_t *stop; /* the daemon's stop request; NULL for poll --once */
};

static int connect_imap(struct gateway *gw, struct imap **imap_r, char **error_r)
{
	const struct config *c = gw->config;
	char *password = NULL;
	int ret = 0;

	if (!config_read_secret(c->imap.password_file, &password, error_r))
		goto out;
	struct imap_settings set = {
		.host = c->imap.host,
		.port = (unsigned)c->imap.port,
		.tls = c->imap.tls,
		.ca_file = *c->imap.ca_file != '\0' ? c->imap.ca_file : NULL,
		.user = c->imap.user,
		.password = password,
		.timeout_secs = c->imap.timeout,
	};
	ret = imap_connect(&set, imap_r, error_r);
out:
	pd_secret_free(&password);
	return ret;
}

/* Record that a batch was moved. A failure only means the UIDs are looked up again (and
   found gone) on the next pass. */
static int record_moved(struct poll_ctx *p, GArray *uids, const char *dest, char **error_r)
{
	const struct config *c = p->gw->config;
	int ret = store_begin(p->gw->store, error_r);

	for (guint i = 0; i < uids->len && ret == 1; i++)
		ret = store_uid_set_moved(p->gw->store, c->imap.mailbox, p->uidvalidity,
					  g_array_index(uids, uint32_t, i), dest, error_r);
	if (ret == 1)
		ret = store_commit(p->gw->store, error_r);
	if (ret != 1)
		store_rollback(p->gw->store);
	return ret;
}

/* Move a batch of committed UIDs out of the mailbox with one command, and remember it. */
static void move_batch(struct poll_ctx *p, GArray *uids, const char *dest)
{
	char *error = NULL;

	if (uids->len == 0)
		return;
	pd_fault_point("before_move");
	if (imap_move(p->imap, (const uint32_t *)(void *)uids->data, uids->len, dest,
		      &error) != 1) {
		log_warn("imap: moving %u message(s) to %s failed (will retry): %s", uids->len,
			 dest, error != NULL ? error : "?");
		goto out;
	}
	pd_fault_point("after_move");
	if (record_moved(p, uids, dest, &error) != 1)
		log_warn("store: %u message(s) moved to %s but not recorded: %s", uids->len, dest,
			 error != NULL ? error : "?");
out:
	g_free(error);
	g_array_set_size(uids, 0);
}

/* End of a batch: make the commits durable, only then move the mail away, then send the
   acknowledgements of the batch (a storm is answered batch by batch, not at the end). */
static void finish_batch(struct poll_ctx *p)
{
	const struct config *c = p->gw->config;
	char *error = NULL;

	if (store_sync(p->gw->store, &error) == 1) {
		move_batch(p, p->to_processed, c->imap.processed_mailbox);
		move_batch(p, p->to_quarantine, c->imap.quarantine_mailbox);
	} else {
		log_warn("store: %s: mail stays in the mailbox until the next pass", error);
		g_array_set_size(p->to_processed, 0);
		g_array_set_size(p->to_quarantine, 0);
	}
	g_free(error);
	gateway_flush_outbox(p->gw);
}

static struct gateway_origin origin_of(const struct poll_ctx *p, uint32_t uid)
{
	return (struct gateway_origin){ .mailbox = p->gw->config->imap.mailbox,
					.uidvalidity = p->uidvalidity, .uid = uid };
}

/* Mail over the limit is never parsed: recorded as quarantined, with its bytes when the spool
   kept them, with its UID, and moved to the quarantine folder. */
static int quarantine_large(struct poll_ctx *p, uint32_t uid, const struct gateway_fetched *f,
			    int64_t *row_r, char **error_r)
{
	struct gateway_origin o = origin_of(p, uid);
	char *why = g_strdup_printf("message of %" G_GUINT64_FORMAT " bytes exceeds the limit of "
				    "%u%s", f->size, PD_MAX_MESSAGE_SIZE,
				    f->sha256 == NULL ? " (too large to keep)" : "");
	int ret = gateway_quarantine_spooled(p->gw, f->sha256, f->size, f->internaldate, &o, why,
					     row_r, error_r);

	log_warn("imap: UID %u quarantined: %s", uid, why);
	g_free(why);
	return ret;
}

/* Fetch (into the spool) and commit one UID, its UID recorded with it; sets *row_r to its
   message row. 1, 0 (the message was refused, or the UID is gone: *gone_r), -1 temporary. */
static int process_uid(struct poll_ctx *p, uint32_t uid, int64_t *row_r, int *gone_r,
		       char **error_r)
{
	struct gateway_origin o = origin_of(p, uid);
	struct gateway_fetched f;
	int ret = gateway_fetch_spooled(p->gw, p->imap, uid, &f, error_r);

	*gone_r = ret == 0;
	if (ret != 1)
		goto out;
	pd_fault_point("fetched");
	if (f.too_large)
		ret = quarantine_large(p, uid, &f, row_r, error_r);
	else
		ret = gateway_process_spooled(p->gw, f.sha256, f.size, f.internaldate, &o, row_r,
					      error_r);
	pd_fault_point("after_commit"); /* the message and its UID are committed together */
out:
	g_free(f.sha256);
	return ret;
}

/* A UID tried max_attempts times already: kept, unprocessed, in quarantine. Its bytes are
   spooled without parsing them; if even that failed before, it is recorded without them (the
   mailbox's Quarantine folder keeps the message). */
static int quarantine_failing(struct poll_ctx *p, uint32_t uid, int attempts,
			      const char *last_error, int64_t *row_r, char **error_r)
{
	struct gateway_origin o = origin_of(p, uid);
	struct gateway_fetched f = { 0 };
	char *why = g_strdup_printf("not processed after %d attempts: %s", attempts - 1,
				    last_error != NULL ? last_error :
				    "the poller stopped while processing it (crashed or killed)");
	int ret = 1;

	if (attempts <= p->gw->config->imap.max_attempts + 1)
		ret = gateway_fetch_spooled(p->gw, p->imap, uid, &f, error_r);
	if (ret == 1)
		ret = gateway_quarantine_spooled(p->gw, f.sha256, f.size, f.internaldate, &o, why,
						 row_r, error_r);
	g_free(f.sha256);
	g_free(why);
	return ret;
}

/* A UID committed by a run that died before its batch was synced: the spool file may not
   have reached the disk. Rewrite it from the mailbox before the message is moved away. */
static int repair_spool(struct poll_ctx *p, uint32_t uid, int64_t row)
{
	char *sha = NULL, *error = NULL;
	struct gateway_fetched f = { 0 };
	int ok = store_message_sha256(p->gw->store, row, &sha);

	if (ok != 1 || store_spool_check(p->gw->store, sha)) {
		ok = ok >= 0; /* no bytes kept, or intact; a database error moves nothing */
		goto out;
	}
	ok = gateway_fetch_spooled(p->gw, p->imap, uid, &f, &error) == 1 && f.sha256 != NULL &&
	     strcmp(f.sha256, sha) == 0;
	log_warn("spool file of UID %u was lost: %s", uid,
		 ok ? "rewritten from the mailbox" : "could not be rewritten; message left in place");
out:
	g_free(sha);
	g_free(f.sha256);
	g_free(error);
	return ok;
}

/* Queue a committed UID for moving: quarantined mail to the quarantine folder. Unknown (a
   database error): it stays where it is until the next pass. */
static void queue_move(struct poll_ctx *p, uint32_t uid, int64_t row)
{
	int quarantine = store_message_quarantined(p->gw->store, row);
	if (quarantine >= 0)
		g_array_append_val(quarantine ? p->to_quarantine : p->to_processed, uid);
}

/* Count the attempt, then process the UID (or quarantine it once it has failed too often),
   then say how the attempt ended. 1 committed (*row_r), 0 nothing to move, -1 failed. */
static int attempt_uid(struct poll_ctx *p, uint32_t uid, int64_t *row_r, char **error_r)
{
	const struct config *c = p->gw->config;
	enum store_attempt_outcome outcome = STORE_ATTEMPT_DONE;
	char *last = NULL;
	int attempts = 0, gone = 0, ret;

	/* Uncounted attempts could crash the poller for ever: no count, no attempt. */
	if ((ret = store_uid_attempt_begin(p->gw->store, c->imap.mailbox, p->uidvalidity, uid,
					   &attempts, &last, error_r)) != 1)
		goto out;
	if (attempts > c->imap.max_attempts)
		ret = quarantine_failing(p, uid, attempts, last, row_r, error_r);
	else
		ret = process_uid(p, uid, row_r, &gone, error_r);
	if (ret != 1)
		outcome = ret < 0 || gone ? STORE_ATTEMPT_NOT_OURS : STORE_ATTEMPT_FAILED;
	if (store_uid_attempt_end(p->gw->store, c->imap.mailbox, p->uidvalidity, uid, outcome,
				  error_r != NULL ? *error_r : NULL, NULL) != 1)
		log_warn("store: the outcome of UID %u's attempt not recorded", uid);
	if (ret == 0 && !gone)
		ret = -1; /* refused: left in the mailbox, counted, quarantined in the end */
out:
	g_free(last);
	return ret;
}

static void handle_uid(struct poll_ctx *p, uint32_t uid)
{
	const struct config *c = p->gw->config;
	char *error = NULL;
	int64_t row = 0;
	int known = store_uid_get(p->gw->store, c->imap.mailbox, p->uidvalidity, uid, &row, NULL);

	if (known == 1) {
		/* Committed by an earlier run that stopped before the move. */
		if (repair_spool(p, uid, row))
			queue_move(p, uid, row);
		return;
	}
	int ret = known < 0 ? error_set(&error, -1, "store: the UID could not be looked up") :
			      attempt_uid(p, uid, &row, &error);
	if (ret == 1) {
		p->processed++;
		queue_move(p, uid, row);
	} else if (ret < 0) {
		/* One bad message must not block the rest: it stays in the mailbox for a retry. */
		p->failed++;
		log_error("imap: UID %u not processed: %s", uid, error != NULL ? error : "?");
	}
	g_free(error);
}

static int check_uidvalidity(struct poll_ctx *p, char **error_r)
{
	const char *mailbox = p->gw->config->imap.mailbox;
	uint32_t known = 0;
	int ret = store_mailbox_get(p->gw->store, mailbox, &known);

	if (ret < 0)
		return error_set(error_r, -1, "store: the mailbox's UIDVALIDITY not read");
	if (ret == 1 && known != p->uidvalidity)
		log_warn("imap: UIDVALIDITY of %s changed (%u -> %u): resyncing by content hash",
			 mailbox, known, p->uidvalidity);
	return store_mailbox_set(p->gw->store, mailbox, p->uidvalidity, error_r);
}

/* Process every message currently in the mailbox, then send the outbox. 1/0/-1. */
static int reconcile_outbox(struct poll_ctx *p, char **error_r);

static int scan_mailbox(struct poll_ctx *p, char **error_r)
{
	const struct config *c = p->gw->config;
	uint32_t *uids = NULL;
	size_t count = 0;
	int ret = reconcile_outbox(p, error_r);

	if (ret == 1)
		ret = imap_select(p->imap, c->imap.mailbox, &p->uidvalidity, error_r);
	if (ret != 1 || (ret = check_uidvalidity(p, error_r)) != 1)
		goto out;
	if ((ret = imap_list_uids(p->imap, &uids, &count, error_r)) != 1)
		goto out;
	/* On a stop request the rest waits: committed UIDs are moved by the next start. */
	for (size_t i = 0; i < count && (p->stop == NULL || !*p->stop); i++) {
		handle_uid(p, uids[i]);
		if ((i + 1) % PD_POLL_BATCH == 0 || i + 1 == count)
			finish_batch(p);
	}
	if (count > 0)
		log_info("imap: %u processed, %u failed", p->processed, p->failed);
	if (count == 0)
		gateway_flush_outbox(p->gw);
out:
	g_free(uids);
	return ret;
}

static int prepare_mailboxes(struct poll_ctx *p, char **error_r)
{
	const struct config *c = p->gw->config;
	int ret = imap_ensure_mailbox(p->imap, c->imap.processed_mailbox, error_r);
	if (ret == 1)
		ret = imap_ensure_mailbox(p->imap, c->imap.quarantine_mailbox, error_r);
	if (ret == 1 && *c->smtp.journal != '\0')
		ret = imap_ensure_mailbox(p->imap, c->imap.journal_mailbox, error_r);
	return ret;
}

/* A notice found in the journal: sent, and its case says so, both or neither (a failure
   leaves it unsettled: it is looked up again, never sent again). */
static void mark_reconciled(struct gateway *gw, const struct store_outbox_item *it)
{
	char *error = NULL;
	int ret = store_begin(gw->store, &error);

	if (ret != 1)
		goto out;
	ret = store_outbox_mark_sent(gw->store, it->id, pd_now(), &error);
	if (ret == 1 && it->case_id != 0)
		ret = store_event_add(gw->store, it->case_id, "gateway", "notice_reconciled",
				      "the journal copy shows the SMTP server accepted it before "
				      "pdgate could record it: not sent again", &error);
	if (ret == 1)
		ret = store_commit(gw->store, &error);
	if (ret != 1)
		store_rollback(gw->store);
out:
	if (ret == 1)
		log_info("notice %" G_GINT64_FORMAT " found in the journal: sent", it->id);
	else
		log_warn("notice %" G_GINT64_FORMAT " found in the journal but not recorded "
			 "(looked up again later): %s", it->id, error != NULL ? error : "?");
	g_free(error);
}

/* One attempt of unknown outcome: its copy in the journal proves the server accepted it;
   none after journal_wait proves it did not. 1 settled or left for later, -1 IMAP failed. */
static int settle_one(struct poll_ctx *p, const struct store_outbox_item *it, char **error_r)
{
	struct gateway *gw = p->gw;
	int found = 0;
	int ret = imap_find_message_id(p->imap, gw->config->imap.journal_mailbox,
				       it->message_id, &found, error_r);

	if (ret != 1)
		return ret;
	if (found) {
		mark_reconciled(gw, it);
	} else if (it->last_attempt > pd_now() - gw->config->smtp.journal_wait) {
		/* too early to tell: the copy may still be on its way */
	} else if (it->attempts >= gw->config->smtp.max_attempts) {
		gateway_outbox_failed(gw, it, it->last_error != NULL ? it->last_error :
				      "interrupted, and not in the journal");
	} else if (store_outbox_mark_checked(gw->store, it->id, it->sending ?
					     "interrupted, and not in the journal: sending again" :
					     NULL, NULL) != 1) {
		log_warn("notice %" G_GINT64_FORMAT ": its journal check not recorded (checked "
			 "again later)", it->id);
	}
	return 1;
}

/* Settle every attempt whose outcome is unknown before anything is sent (exactly once). */
static int reconcile_outbox(struct poll_ctx *p, char **error_r)
{
	struct store_outbox_item *items = NULL;
	size_t count = 0;
	int ret = 1;

	if (*p->gw->config->smtp.journal == '\0')
		return 1;
	if (store_outbox_unsettled(p->gw->store, &items, &count) != 1)
		return 1; /* the database is busy: the rows wait, nothing is sent twice */
	for (size_t i = 0; i < count && ret == 1; i++)
		ret = settle_one(p, &items[i], error_r);
	store_outbox_items_free(&items, count);
	/* The journal refused (no such folder, no right): the unsettled notices wait, nothing
	   is sent twice, and the mail must still be read. */
	if (ret == 0) {
		log_error("imap: the journal folder %s cannot be searched: %s; notices of unknown "
			  "outcome wait", p->gw->config->imap.journal_mailbox,
			  error_r != NULL && *error_r != NULL ? *error_r : "?");
		if (error_r != NULL) {
			g_free(*error_r);
			*error_r = NULL;
		}
		ret = 1;
	}
	return ret;
}

static void poll_ctx_init(struct poll_ctx *p, struct gateway *gw)
{
	memset(p, 0, sizeof(*p));
	p->gw = gw;
	p->to_processed = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	p->to_quarantine = g_array_new(FALSE, FALSE, sizeof(uint32_t));
}

static void poll_ctx_deinit(struct poll_ctx *p)
{
	imap_disconnect(&p->imap);
	g_array_free(p->to_processed, TRUE);
	g_array_free(p->to_quarantine, TRUE);
}

/* Lapsed fees, the digest and the monthly report, when due; sent with the outbox. */
static void timed_mail(struct gateway *gw)
{
	gateway_fees_due(gw);
	gateway_digest_due(gw);
	gateway_report_due(gw);
	gateway_flush_outbox(gw);
}

int gateway_poll_once(struct gateway *gw, char **error_r)
{
	struct poll_ctx p;
	int ret;

	poll_ctx_init(&p, gw);
	/* Notices left from an earlier run go first, even if the IMAP server is down. */
	gateway_flush_outbox(gw);
	if ((ret = connect_imap(gw, &p.imap, error_r)) != 1)
		goto out;
	if ((ret = prepare_mailboxes(&p, error_r)) != 1)
		goto out;
	ret = scan_mailbox(&p, error_r);
out:
	/* The digest is about the database, not the mailbox: it goes even when IMAP does not. */
	timed_mail(gw);
	poll_ctx_deinit(&p);
	return ret;
}

/* Sleep up to secs, waking early when asked to stop or reload. */
static void sleep_interruptible(int secs, volatile sig_atomic_t *stop,
				volatile sig_atomic_t *reload)
{
	for (int i = 0; i < secs * 10 && !*stop && !*reload; i++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
}

/* Wait for new mail on an open connection: IDLE when offered, else NOOP every poll_interval. */
static int wait_for_mail(struct poll_ctx *p, volatile sig_atomic_t *stop,
			 volatile sig_atomic_t *reload, char **error_r)
{
	const struct config *c = p->gw->config;
	if (imap_has_capability(p->imap, "IDLE")) {
		/* Short IDLE slices so a stop request is noticed; re-issued well before 29 min. */
		int slice = MIN(c->imap.poll_interval, c->imap.idle_minutes * 60);
		return imap_idle(p->imap, slice, error_r);
	}
	sleep_interruptible(c->imap.poll_interval, stop, reload);
	return imap_noop(p->imap, error_r);
}

/* SIGHUP: a bad edit must never stop the gateway, so the old set stays on error. */
static void reload_if_asked(struct gateway *gw, volatile sig_atomic_t *reload)
{
	char *error = NULL;
	if (!*reload)
		return;
	*reload = 0;
	if (!gateway_reload(gw, &error))
		log_error("reload refused, keeping the rules and templates in force:\n%s", error);
	else if (gateway_recompute_deadlines(gw, &error) != 1)
		log_error("deadlines not recomputed: %s", error);
	g_free(error);
}

/* One IMAP session: scan, wait, scan... Sets *scanned_r once a scan succeeded. */
static int run_session(struct poll_ctx *p, volatile sig_atomic_t *stop,
		       volatile sig_atomic_t *reload, int *scanned_r, char **error_r)
{
	int ret;
	if ((ret = connect_imap(p->gw, &p->imap, error_r)) != 1)
		return ret;
	if ((ret = prepare_mailboxes(p, error_r)) != 1)
		goto out;
	while (!*stop) {
		reload_if_asked(p->gw, reload);
		if ((ret = scan_mailbox(p, error_r)) != 1)
			break;
		*scanned_r = 1;
		if (!*stop)
			timed_mail(p->gw);
		if (*stop || (ret = wait_for_mail(p, stop, reload, error_r)) != 1)
			break;
	}
out:
	imap_disconnect(&p->imap);
	return ret;
}

int gateway_run(struct gateway *gw, volatile sig_atomic_t *stop, volatile sig_atomic_t *reload)
{
	int backoff = 5;
	while (!*stop) {
		struct poll_ctx p;
		char *error = NULL;
		int scanned = 0;
		poll_ctx_init(&p, gw);
		p.stop = stop;
		int ret = run_session(&p, stop, reload, &scanned, &error);
		poll_ctx_deinit(&p);
		if (scanned)
			backoff = 5; /* the server was fine until now: reconnect soon */
		if (!*stop) {
			/* A refused login or certificate needs an admin; keep trying, loudly. */
			enum log_level lvl = ret == 0 ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN;
			log_msg(lvl, "imap: %s; reconnecting in %d s",
				error != NULL ? error : "session ended", backoff);
			/* Notices, and the digest, still go out while the mailbox is unreachable. */
			timed_mail(gw);
		}
		g_free(error);
		sleep_interruptible(backoff, stop, reload);
		reload_if_asked(gw, reload);
		backoff = MIN(backoff * 2, 300);
	}
	return 0;
}
