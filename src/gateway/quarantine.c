/* gateway/quarantine: `pdgate quarantine retry ID`, a quarantined message processed again
   from its spool copy after a fix (rules, a parser bug). The spool copy is authoritative:
   it is the bytes as fetched, checked against their SHA-256. The copy in the IMAP
   quarantine folder is left where it is (the poller never reads that folder, so it cannot
   be processed twice); deleting it is the administrator's choice. */
#include "gateway-private.h"

#include <string.h>

void gateway_retry_clear(struct gateway_retry *r)
{
	g_free(r->reason);
	g_free(r->reference);
	g_free(r->auto_reason);
	memset(r, 0, sizeof(*r));
}

/* What the retry found, for the person who ran it and for the record. */
static void retry_outcome(struct gateway *gw, const struct intake *in, int64_t row,
			  struct gateway_retry *r)
{
	r->quarantined = store_message_quarantined(gw->store, row);
	if (r->quarantined)
		r->reason = g_strdup(in->parse_error != NULL ? in->parse_error : "?");
	if (in->case_id != 0)
		store_case_reference(gw->store, in->case_id, &r->reference);
	if (in->msg != NULL && in->cls.auto_reason != NULL)
		r->auto_reason = g_strdup(in->cls.auto_reason);
}

static char *retry_detail(const struct store_quarantined *q, const struct gateway_retry *r)
{
	GString *s = g_string_new(NULL);

	g_string_append_printf(s, "message %" G_GINT64_FORMAT " processed again from its spool "
			       "copy; it was quarantined: %s; ", q->id,
			       q->error != NULL ? q->error : "?");
	if (r->quarantined)
		g_string_append_printf(s, "still quarantined: %s", r->reason);
	else if (r->reference != NULL)
		g_string_append_printf(s, "stored on case %s", r->reference);
	else if (r->auto_reason != NULL)
		g_string_append_printf(s, "stored, machine-generated (%s): no case",
				       r->auto_reason);
	else
		g_string_append(s, "stored, no case");
	return g_string_free(s, FALSE);
}

/* The retry on the message's own record, and on its case when it has one now. */
static int record_retry(struct gateway *gw, const struct intake *in,
			const struct store_quarantined *q, const char *actor,
			struct gateway_retry *r, char **error_r)
{
	char *detail;
	int ret;

	retry_outcome(gw, in, q->id, r);
	detail = retry_detail(q, r);
	ret = store_message_event_add(gw->store, q->id, actor, "quarantine_retried", detail,
				      error_r);
	if (ret == 1 && in->case_id != 0)
		ret = store_event_add(gw->store, in->case_id, actor, "quarantine_retried", detail,
				      error_r);
	g_free(detail);
	return ret;
}

/* The normal intake, in one transaction, on the message's existing row, parsed from its
   spool file as a stream (it may be as large as the largest message). */
static int retry_write(struct gateway *gw, const struct store_quarantined *q, uint64_t size,
		       const char *actor, struct gateway_retry *r, char **error_r)
{
	struct intake in = { .len = (size_t)size, .received = q->received,
			     .mailbox = q->mailbox, .retry_row = q->id };
	int64_t row = 0;
	int ret;

	in.sha256 = g_strdup(q->sha256);
	in.path = store_spool_path(gw->store, q->sha256);
	ret = in.path != NULL ? mime_parse_file(in.path, &in.msg, &in.parse_error) : -1;
	if (ret < 0) {
		ret = error_set(error_r, -1, "the spool copy cannot be read: %s",
				in.parse_error != NULL ? in.parse_error : "invalid key");
		goto out;
	}
	if (ret == 0)
		log_warn("message %" G_GINT64_FORMAT " still quarantined: %s", q->id,
			 in.parse_error);
	if ((ret = store_begin(gw->store, error_r)) != 1)
		goto out;
	ret = gateway_intake_write(gw, &in, &row, error_r);
	if (ret == 1)
		ret = record_retry(gw, &in, q, actor, r, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
out:
	gateway_intake_clear(&in);
	return ret;
}

int gateway_quarantine_retry(struct gateway *gw, int64_t id, const char *actor,
			     struct gateway_retry *r, char **error_r)
{
	struct store_quarantined q;
	uint64_t size = 0;
	int ret = store_quarantined_load(gw->store, id, &q, error_r);

	memset(r, 0, sizeof(*r));
	if (ret == 1 && q.sha256 == NULL) {
		r->unretriable = 1;
		ret = error_set(error_r, 0, "message %" G_GINT64_FORMAT " was quarantined "
				"without its bytes (%s): it cannot be processed again; the only "
				"copy is the one in the IMAP quarantine folder", id,
				q.error != NULL ? q.error : "?");
	} else if (ret == 1 && store_spool_verify(gw->store, q.sha256, &size, error_r) != 1) {
		r->unretriable = 1;
		ret = 0;
	}
	if (ret == 1)
		ret = retry_write(gw, &q, size, actor, r, error_r);
	if (ret == 1)
		log_info("message %" G_GINT64_FORMAT " processed again by %s: %s", id, actor,
			 r->quarantined ? "still quarantined" : "stored");
	store_quarantined_clear(&q);
	return ret;
}
