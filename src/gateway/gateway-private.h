/* gateway internals, shared by the gateway's own files only. */
#ifndef PDGATE_GATEWAY_PRIVATE_H
#define PDGATE_GATEWAY_PRIVATE_H

#include "classify.h"
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
	struct template *ack_template;
	struct rules *rules;
	char *message_id_domain;
	int lock_fd;
};

/* Everything known about the inbound message being processed (per-message lifetime). */
struct intake {
	const char *raw;
	size_t len;
	int64_t received;
	const char *mailbox;
	char *sha256;
	struct mime_message *msg;      /* NULL when unparsable */
	char *parse_error;
	struct classify_result cls;    /* valid when msg != NULL */
	char *cls_json;                /* cls as JSON, for the record */
	int64_t case_id;               /* the case it continues, or 0 */
};

/* Queue the acknowledgement of a new case (inside the caller's transaction). 1/0/-1. */
int gateway_queue_acknowledgement(struct gateway *gw, int64_t case_id, const char *reference,
				  const struct intake *in, const char *rcpt, char **error_r);

/* Template placeholder names the acknowledgement provides. */
extern const char *const gateway_ack_vars[];

/* "25 November 2026" in Europe/London (g_malloc'd). */
char *gateway_format_date(int64_t when);
/* Calendar year of `when` in Europe/London. */
int gateway_year(int64_t when);

#endif
