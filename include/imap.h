/* imap: the mailbox, over IMAP with libetpan. Knows nothing of cases or the database. */
#ifndef PDGATE_IMAP_H
#define PDGATE_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "core.h" /* enum pd_tls */

struct imap_settings {
	const char *host;
	unsigned int port;
	enum pd_tls tls;
	const char *ca_file;  /* extra trust anchors (PEM), or NULL for the system store only */
	const char *user;
	const char *password; /* never logged */
	int timeout_secs;     /* network timeout for each command */
};

struct imap;

struct imap_fetched {
	uint32_t uid;
	char *raw;            /* byte-exact message, g_malloc'd, NUL-terminated; NULL if too_large */
	size_t len;
	uint32_t size;        /* RFC822.SIZE as reported, or the bytes received if more */
	int too_large;        /* 1 when larger than PD_MAX_MESSAGE_SIZE: raw not kept */
	int64_t internaldate; /* INTERNALDATE as Unix time */
};

/* Connect, verify TLS (certificate chain against the system store + ca_file, and host name),
   log in. 1 ok; 0 permanent (auth refused, certificate invalid); -1 temporary (network).
   *imap_r is owned by the caller: free with imap_disconnect. */
int imap_connect(const struct imap_settings *set, struct imap **imap_r, char **error_r);

/* LOGOUT (best effort), close, free, *imap = NULL. NULL-safe. */
void imap_disconnect(struct imap **imap);

/* For a SIGTERM/SIGINT handler (async-signal-safe: one shutdown()): end the open session's
   connection so that the read it blocks in, or the next one, fails at once instead of after
   the IMAP timeout. Every later command on that session fails; the caller then stops. */
void imap_abort_from_signal(void);

/* 1 if the server offers the capability (e.g. "IDLE", "MOVE", "UIDPLUS"), else 0. */
int imap_has_capability(struct imap *imap, const char *name);

/* Create mailbox if missing (ignores "already exists"). 1 / 0 / -1. */
int imap_ensure_mailbox(struct imap *imap, const char *mailbox, char **error_r);

/* SELECT mailbox (read-write). Sets *uidvalidity_r. 1 / 0 / -1. */
int imap_select(struct imap *imap, const char *mailbox, uint32_t *uidvalidity_r, char **error_r);

/* All UIDs in the selected mailbox, ascending (g_malloc'd array; caller frees). 1 / 0 / -1. */
int imap_list_uids(struct imap *imap, uint32_t **uids_r, size_t *count_r, char **error_r);

/* Receives a message's bytes in order, piece by piece (data borrowed for the call only).
   Returns 1 to go on; 0 or -1 (with *error_r) stops the fetch, which then returns it. */
typedef int imap_sink(void *ctx, const char *data, size_t len, char **error_r);

/* What imap_fetch_to_sink learnt of a message. */
struct imap_message {
	uint32_t size;        /* RFC822.SIZE as the server reported it (untrusted) */
	int64_t internaldate; /* INTERNALDATE as Unix time, 0 when invalid */
	uint64_t fetched;     /* bytes given to the sink */
	int over_max;         /* 1: longer than max. Nothing fetched when RFC822.SIZE said so;
				 else the server sent more: the sink had only the first max */
};

/* Fetch one message by UID into sink, never whole in memory: RFC822.SIZE and INTERNALDATE,
   then BODY.PEEK[]<offset.length> (flags untouched) in parts of PD_FETCH_CHUNK bytes. The
   bytes the server sends decide, not RFC822.SIZE: a short or empty part ends the message; a
   part longer than asked, or at another offset, is a protocol error (-1); at most max + 1
   bytes are asked for, and the sink gets at most max. 1 (check msg_r->over_max); 0 the UID
   no longer exists; -1 temporary; or the sink's 0/-1 (the message is then incomplete). */
int imap_fetch_to_sink(struct imap *imap, uint32_t uid, size_t max, imap_sink *sink, void *ctx,
		       struct imap_message *msg_r, char **error_r);

/* imap_fetch_to_sink into memory, for small tools (benchmarks): the whole message, at most
   PD_MAX_MESSAGE_SIZE. Fills *out (free its raw with g_free). 1 ok; 0 the UID no longer
   exists; -1 temporary. The poller streams into the spool instead. */
int imap_fetch(struct imap *imap, uint32_t uid, struct imap_fetched *out, char **error_r);

/* Move the `count` UIDs to dest in one command: UID MOVE when offered, else UID COPY +
   UID STORE +FLAGS (\Deleted) + UID EXPUNGE (plain EXPUNGE only when UIDPLUS is missing).
   UIDs that no longer exist are ignored by the server. 1 / 0 / -1. */
int imap_move(struct imap *imap, const uint32_t *uids, size_t count, const char *dest,
	      char **error_r);

/* Is a message with this Message-ID (without <>) in mailbox? EXAMINEs it (read-only), so
   the caller selects its working mailbox again afterwards. 1 with *found_r, 0 / -1. */
int imap_find_message_id(struct imap *imap, const char *mailbox, const char *message_id,
			 int *found_r, char **error_r);

/* Wait for mailbox changes with IDLE for at most timeout_secs (caller keeps it under
   29 minutes). 1 something changed (or timeout reached: caller rescans either way);
   -1 connection lost. Only call when imap_has_capability(imap, "IDLE"). */
int imap_idle(struct imap *imap, int timeout_secs, char **error_r);

/* NOOP, to detect new mail without IDLE. 1 / -1. */
int imap_noop(struct imap *imap, char **error_r);

#endif
