/* gateway/storm: storms (one sender far past a normal rate) and bounces of our own notices.
   Both are about mail that must not start a conversation: a storm's messages are kept and
   held for the team in one record; a bounce is matched to the notice it returns and raised.
   Trusts only the validated mime struct and the store; the head of a bounce's spool file
   (PD_MAX_BOUNCE_SCAN bytes) is scanned by classify_bounce_ids, which bounds what it takes. */
#include "gateway-private.h"
#include "storm.h"

#include <stdio.h>
#include <string.h>

/* The address a storm is counted under: whom we would answer (Reply-To, else From), so the
   requests a web form relays from its one From address are never taken for a storm. */
static const char *storm_address(const struct mime_message *msg)
{
	return msg->reply_to_addr != NULL ? msg->reply_to_addr : msg->from_addr;
}

struct storm_mail {
	const struct store_storm *s;
	int64_t received;
};

/* The one team mail of a storm: who, how many in how long, and how to open cases. */
static int tell_storm(struct gateway *gw, void *ctx, char **error_r)
{
	const struct storm_mail *m = ctx;
	const struct store_storm *s = m->s;
	GDateTime *at = g_date_time_new_from_unix_utc(m->received);
	char *when = g_date_time_format(at, "%Y-%m-%d %H:%M:%S UTC");
	char *text = g_strdup_printf(
		"More than %" G_GINT64_FORMAT " new messages from %s arrived within %" G_GINT64_FORMAT
		" minutes (storm %" G_GINT64_FORMAT ", from %s). The first %" G_GINT64_FORMAT
		" opened cases as usual. This message and every further one while the storm lasts "
		"(until %" G_GINT64_FORMAT " minutes pass without one) are stored, open no case and "
		"get no reply. This is the only mail about this storm: the digest lists it with its "
		"count.", s->threshold, s->sender, s->window_s / 60, s->id, when, s->threshold,
		s->window_s / 60);
	char *commands = g_strdup_printf(
		"pdgate storms                      (every storm and its count)\n"
		"pdgate storm show %" G_GINT64_FORMAT "                (its messages)\n"
		"pdgate storm open %" G_GINT64_FORMAT "                (a case for each held message,"
		" acknowledged within max_auto_notices_per_day)", s->id, s->id);
	const char *extra[] = { "text", text, "requester_addr", s->sender,
				"commands_text", commands, NULL };
	struct gateway_team_notice t = { .name = "team_storm", .extra = extra };
	int ret = gateway_team_notify(gw, &t, error_r);

	g_free(commands);
	g_free(text);
	g_free(when);
	g_date_time_unref(at);
	return ret;
}

static int storm_start(struct gateway *gw, struct intake *in, char **error_r)
{
	struct store_storm s = {
		.sender = in->storm_sender, .started = in->received,
		.last_seen = in->received, .held = 1,
		.window_s = (int64_t)gw->config->gateway.storm_window * 60,
		.threshold = gw->config->gateway.storm_threshold,
	};
	int ret = store_storm_add(gw->store, &s, &in->storm_id, error_r);
	struct storm_mail m = { &s, in->received };

	s.id = in->storm_id;
	if (ret == 1)
		log_warn("storm %" G_GINT64_FORMAT ": more than %d messages from one sender in %d "
			 "minutes: holding the rest without a case", in->storm_id,
			 gw->config->gateway.storm_threshold, gw->config->gateway.storm_window);
	if (ret == 1)
		ret = gateway_tell_team(gw, 0, tell_storm, &m, error_r);
	return ret;
}

int gateway_storm_check(struct gateway *gw, struct intake *in, char **error_r)
{
	int64_t window = (int64_t)gw->config->gateway.storm_window * 60, earlier = 0;
	struct store_storm latest;
	enum storm_verdict v;
	int ret;

	in->storm_sender = storm_sender_key(storm_address(in->msg));
	if (in->storm_sender == NULL || in->from_team)
		return 1;
	if (store_sender_count(gw->store, in->storm_sender, in->received - window, in->received,
			       &earlier) != 1 ||
	    (ret = store_storm_latest(gw->store, in->storm_sender, &latest)) < 0)
		return error_set(error_r, -1, "storm count unreadable: message tried again");
	v = storm_decide(earlier, gw->config->gateway.storm_threshold,
			 ret == 1 ? latest.last_seen : 0, in->received, window);
	if (v == STORM_MORE) {
		in->storm_id = latest.id;
		ret = store_storm_grow(gw->store, latest.id, in->received, error_r);
	} else {
		ret = v == STORM_NEW ? storm_start(gw, in, error_r) : 1;
	}
	store_storm_clear(&latest);
	return ret;
}

int gateway_storm_log(struct gateway *gw, const struct intake *in, int64_t row,
		      char **error_r)
{
	if (in->storm_sender == NULL || in->from_team)
		return 1;
	return store_sender_log(gw->store, row, in->storm_sender, in->received, in->storm_id,
				error_r);
}

/* ---- bounces of our notices ---- */

/* The first PD_MAX_BOUNCE_SCAN bytes of the bounce's spool file (the returned message's
   header comes early; its body, which may be a whole response, is not needed). g_malloc'd;
   empty when the file cannot be read (the decoded text is still searched). */
static char *read_head(const char *path, size_t *len_r)
{
	char *buf = g_malloc(PD_MAX_BOUNCE_SCAN + 1);
	FILE *f = path != NULL ? fopen(path, "rb") : NULL;

	*len_r = f != NULL ? fread(buf, 1, PD_MAX_BOUNCE_SCAN, f) : 0;
	buf[*len_r] = '\0';
	if (f != NULL)
		fclose(f);
	return buf;
}

/* The first Message-ID the bounce returns that is one of our notices: 1 with *n, 0 none,
   -1 database error. */
static int bounced_notice(struct gateway *gw, const struct intake *in, const char *head,
			  size_t len, struct store_sent_notice *n)
{
	char **ids = classify_bounce_ids(head, len, in->msg->body_text);
	int ret = 0;

	memset(n, 0, sizeof(*n));
	for (char **id = ids; ret == 0 && *id != NULL; id++)
		ret = store_sent_notice_find(gw->store, *id, n);
	g_strfreev(ids);
	return ret;
}

static int record_bounce(struct gateway *gw, const char *head, size_t len,
			 const struct store_sent_notice *n, char **error_r)
{
	char *reason = classify_bounce_reason(head, len);
	char *detail = g_strdup_printf("notice %s to %s bounced (%s); pdgate outbox retry %"
				       G_GINT64_FORMAT " once the address is right",
				       n->notice != NULL ? n->notice : "?", n->rcpt, reason,
				       n->outbox_id);
	int ret = store_event_add(gw->store, n->case_id, "gateway", "notice_bounced", detail,
				  error_r);
	char *why = g_strdup_printf("bounced: %s", reason);

	/* A bounce after the server's 250 is a failure all the same: the outbox says so, the
	   digest lists it, and retry works as for a refused notice. */
	if (ret == 1 && strcmp(n->state, "failed") != 0)
		ret = store_outbox_mark_failed(gw->store, n->outbox_id, why, error_r);
	/* Raised once: a second bounce of the same notice is only recorded. */
	if (ret == 1 && strcmp(n->state, "failed") != 0)
		ret = gateway_raise_failed_notice(gw, n->case_id, n->outbox_id, n->rcpt, why);
	log_warn("notice %s of case %" G_GINT64_FORMAT " bounced", n->notice != NULL ? n->notice :
		 "?", n->case_id);
	g_free(why);
	g_free(detail);
	g_free(reason);
	return ret;
}

int gateway_bounce_check(struct gateway *gw, struct intake *in, char **error_r)
{
	struct store_sent_notice n;
	char *head;
	size_t len = 0;
	int ret;

	if (in->msg == NULL || !in->cls.auto_mail || !classify_is_bounce(in->msg))
		return 1;
	head = read_head(in->path, &len);
	ret = bounced_notice(gw, in, head, len, &n);
	if (ret < 0)
		ret = error_set(error_r, -1, "bounce lookup failed: message tried again");
	else if (ret == 1 && n.case_id != 0) {
		in->case_id = n.case_id;
		ret = record_bounce(gw, head, len, &n, error_r);
	} else {
		ret = 1;
	}
	store_sent_notice_clear(&n);
	g_free(head);
	return ret;
}

/* ---- the team opens cases from a storm ---- */

static int open_held(struct gateway *gw, int64_t id, int64_t *opened_r, char **error_r)
{
	int64_t *rows = NULL, *received = NULL, case_id = 0;
	size_t n = 0;
	int ret = store_storm_waiting(gw->store, id, &rows, &received, &n);

	if (ret != 1)
		ret = error_set(error_r, -1, "storm %" G_GINT64_FORMAT ": messages unreadable", id);
	for (size_t i = 0; ret == 1 && i < n; i++) {
		ret = gateway_intake_open_held(gw, id, rows[i], received[i], &case_id, error_r);
		*opened_r += ret == 1 ? 1 : 0;
	}
	g_free(rows);
	g_free(received);
	return ret;
}

int gateway_storm_open(struct gateway *gw, int64_t id, int64_t *opened_r, char **error_r)
{
	struct store_storm s;
	int ret = store_storm_load(gw->store, id, &s);

	*opened_r = 0;
	if (ret == 0)
		ret = error_set(error_r, 0, "no storm %" G_GINT64_FORMAT, id);
	else if (ret < 0)
		ret = error_set(error_r, -1, "database busy");
	if (ret == 1 && (ret = store_begin(gw->store, error_r)) == 1) {
		ret = open_held(gw, id, opened_r, error_r);
		if (ret == 1)
			ret = store_commit(gw->store, error_r);
		if (ret != 1)
			store_rollback(gw->store);
	}
	if (ret != 1)
		*opened_r = 0;
	store_storm_clear(&s);
	return ret;
}
