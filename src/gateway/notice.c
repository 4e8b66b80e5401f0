/* gateway/notice: render a notice from its template, compose it, spool it byte-exact as an
   outbound message of the case, and queue it. Values come from the validated struct only. */
#include "gateway-private.h"

#include <string.h>

const char *const gateway_ack_vars[] = {
	"reference", "name", "received_date", "request_subject", "team_name", "reply_address",
	NULL
};

/* Europe/London, parsed once: loading the zone file costs more than the rest of a date. */
static GTimeZone *london(void)
{
	static GTimeZone *tz;
	if (g_once_init_enter(&tz)) {
		GTimeZone *t = g_time_zone_new_identifier("Europe/London");
		g_once_init_leave(&tz, t != NULL ? t : g_time_zone_new_utc());
	}
	return g_time_zone_ref(tz);
}

static GDateTime *london_time(int64_t when)
{
	GTimeZone *tz = london();
	GDateTime *utc = g_date_time_new_from_unix_utc(when);
	GDateTime *local = g_date_time_to_timezone(utc, tz);
	g_date_time_unref(utc);
	g_time_zone_unref(tz);
	return local;
}

char *gateway_format_date(int64_t when)
{
	/* British style and locale-independent: "25 November 2026". */
	static const char *const months[] = { "January", "February", "March", "April", "May",
					      "June", "July", "August", "September", "October",
					      "November", "December" };
	GDateTime *t = london_time(when);
	char *s = g_strdup_printf("%d %s %d", g_date_time_get_day_of_month(t),
				  months[g_date_time_get_month(t) - 1], g_date_time_get_year(t));
	g_date_time_unref(t);
	return s;
}

int gateway_year(int64_t when)
{
	GDateTime *t = london_time(when);
	int year = g_date_time_get_year(t);
	g_date_time_unref(t);
	return year;
}

/* A Message-ID unique forever and recognisable as ours: it is how replies find the case. */
static char *new_message_id(struct gateway *gw, const char *reference, const char *notice)
{
	char *rnd = g_uuid_string_random();
	char *id = g_strdup_printf("%s.%s.%s@%s", reference, notice, rnd, gw->message_id_domain);
	g_free(rnd);
	return id;
}

static GHashTable *ack_vars(struct gateway *gw, const char *reference, const struct intake *in,
			    const char *rcpt)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	const struct mime_message *msg = in->msg;
	g_hash_table_insert(vars, "reference", g_strdup(reference));
	g_hash_table_insert(vars, "name", g_strdup(msg->from_name != NULL ? msg->from_name : ""));
	g_hash_table_insert(vars, "received_date", gateway_format_date(in->received));
	g_hash_table_insert(vars, "request_subject",
			    g_strdup(msg->subject != NULL ? msg->subject : ""));
	g_hash_table_insert(vars, "team_name", g_strdup(gw->config->smtp.from_name));
	g_hash_table_insert(vars, "reply_address", g_strdup(gw->config->smtp.from));
	(void)rcpt;
	return vars;
}

/* References of a reply: the request's References (or In-Reply-To) plus its Message-ID. */
static char **reply_references(const struct mime_message *msg)
{
	GPtrArray *refs = g_ptr_array_new();
	if (msg->references != NULL) {
		for (char **r = msg->references; *r != NULL; r++)
			g_ptr_array_add(refs, g_strdup(*r));
	} else if (msg->in_reply_to != NULL) {
		g_ptr_array_add(refs, g_strdup(msg->in_reply_to));
	}
	if (msg->message_id != NULL)
		g_ptr_array_add(refs, g_strdup(msg->message_id));
	g_ptr_array_add(refs, NULL);
	return (char **)g_ptr_array_free(refs, FALSE);
}

struct composed {
	char *raw, *sha256, *message_id, *subject;
	size_t len;
	int64_t date;
};

static void composed_free(struct composed *c)
{
	g_free(c->raw);
	g_free(c->sha256);
	g_free(c->message_id);
	g_free(c->subject);
}

static int compose_reply(struct gateway *gw, const struct intake *in, const char *rcpt,
			 const char *subject, const char *body, struct composed *out,
			 char **error_r)
{
	char **refs = reply_references(in->msg);
	struct mime_notice n = {
		.from_name = gw->config->smtp.from_name,
		.from_addr = gw->config->smtp.from,
		.to_name = in->msg->from_name,
		.to_addr = rcpt,
		.subject = subject,
		.body_text = body,
		.message_id = out->message_id,
		.in_reply_to = in->msg->message_id,
		.references = (const char *const *)refs,
		.date = out->date,
		.auto_replied = 1,
	};
	int ret = mime_compose(&n, &out->raw, &out->len, error_r);
	g_strfreev(refs);
	return ret;
}

static int store_outbound(struct gateway *gw, int64_t case_id, const char *rcpt,
			  const struct composed *c, char **error_r)
{
	struct store_message m = {
		.direction = STORE_OUT,
		.case_id = case_id,
		.sha256 = c->sha256,
		.size = c->len,
		.message_id = c->message_id,
		.from_addr = gw->config->smtp.from,
		.to_addr = rcpt,
		.subject = c->subject,
		.date = c->date,
		.received = c->date,
		.status = "stored",
	};
	int64_t row = 0;
	int ret = store_message_add(gw->store, &m, &row, error_r);
	if (ret == 1)
		ret = store_outbox_add(gw->store, case_id, row, gw->config->smtp.from, rcpt, error_r);
	return ret;
}

/* Replies find their case by the reference in the subject: make sure it is there whatever
   an admin wrote in the template. */
static void ensure_reference(char **subject, const char *reference)
{
	if (strstr(*subject, reference) != NULL)
		return;
	char *with = g_strdup_printf("%s [%s]", *subject, reference);
	g_free(*subject);
	*subject = with;
}

int gateway_queue_acknowledgement(struct gateway *gw, int64_t case_id, const char *reference,
				  const struct intake *in, const char *rcpt, char **error_r)
{
	GHashTable *vars = ack_vars(gw, reference, in, rcpt);
	struct composed c = { .date = pd_now() };
	char *body = NULL;
	int ret = template_render(gw->ack_template, vars, &c.subject, &body, error_r);

	if (ret != 1)
		goto out;
	ensure_reference(&c.subject, reference);
	c.message_id = new_message_id(gw, reference, "acknowledgement");
	if ((ret = compose_reply(gw, in, rcpt, c.subject, body, &c, error_r)) != 1)
		goto out;
	if ((ret = store_spool_put(gw->store, c.raw, c.len, &c.sha256, error_r)) != 1)
		goto out;
	if ((ret = store_outbound(gw, case_id, rcpt, &c, error_r)) != 1)
		goto out;
	ret = store_event_add(gw->store, case_id, "gateway", "notice_queued", "acknowledgement",
			      error_r);
out:
	g_free(body);
	composed_free(&c);
	g_hash_table_unref(vars);
	return ret;
}
