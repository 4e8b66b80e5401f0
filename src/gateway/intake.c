/* gateway/intake: one inbound message, from its spool file to a committed case record.
   The raw bytes are untrusted: they are hashed and spooled as they are, parsed from the spool
   file (never copied whole into memory), and only the struct that mime validated is looked
   at. */
#include "gateway-private.h"
#include "team.h"

#include <string.h>

/* The address we answer: Reply-To or, from a no-reply web form, its "Email:" field
   (classify_form_requester), else From. */
static const char *reply_address(const struct mime_message *msg)
{
	const char *person = classify_form_requester(msg);
	return person != NULL ? person : msg->from_addr;
}

/* addr is at one of the staff domains (or a subdomain of one). */
static int is_staff(const struct gateway *gw, const char *addr)
{
	const char *domain = addr != NULL ? strrchr(addr, '@') : NULL;

	for (char **d = gw->config->gateway.staff_domains; domain != NULL && *d != NULL; d++) {
		size_t dl = strlen(domain + 1), sl = strlen(*d);
		if (g_ascii_strcasecmp(domain + 1, *d) == 0 ||
		    (dl > sl && domain[dl - sl] == '.' &&
		     g_ascii_strcasecmp(domain + 1 + dl - sl, *d) == 0))
			return 1;
	}
	return 0;
}

/* Who the request is from: for mail a member of staff forwards (not a team member: theirs
   are commands), the forwarded mail's sender; else the reply address. *name_r borrowed. */
static const char *requester_of(const struct gateway *gw, const struct intake *in,
				const char **name_r)
{
	const struct mime_message *msg = in->msg;

	if (!in->member && msg->forwarded_from_addr != NULL && is_staff(gw, msg->from_addr) &&
	    !is_staff(gw, msg->forwarded_from_addr)) {
		*name_r = msg->forwarded_from_name;
		return msg->forwarded_from_addr;
	}
	*name_r = msg->form_addr != NULL && reply_address(msg) == msg->form_addr ? msg->form_name
									     : msg->from_name;
	return reply_address(msg);
}

static char *join_references(const struct mime_message *msg)
{
	return msg->references != NULL ? g_strjoinv(" ", msg->references) : NULL;
}

/* Which of our cases does this message continue? Reference in the subject first, then any
   Message-ID we sent named in In-Reply-To or References. 1 found, 0 none, -1 database
   error (a reply must not open a second case because a lookup failed). */
static int find_case(struct gateway *gw, const struct mime_message *msg, int64_t *case_id_r)
{
	char *ref = classify_find_reference(msg->subject, gw->config->gateway.reference_prefix);
	int ret = ref != NULL ? store_case_by_reference(gw->store, ref, case_id_r) : 0;

	g_free(ref);
	if (ret == 0 && msg->in_reply_to != NULL)
		ret = store_case_by_sent_message_id(gw->store, msg->in_reply_to, case_id_r);
	for (char **r = msg->references; ret == 0 && r != NULL && *r != NULL; r++)
		ret = store_case_by_sent_message_id(gw->store, *r, case_id_r);
	return ret;
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

static void fill_message_row(const struct intake *in, struct store_message *m, char *refs)
{
	const struct mime_message *msg = in->msg;
	memset(m, 0, sizeof(*m));
	m->direction = STORE_IN;
	m->case_id = in->case_id;
	m->sha256 = in->sha256;
	m->size = in->len;
	m->received = in->received;
	m->mailbox = in->mailbox;
	m->status = msg != NULL ? "stored" : "quarantined";
	m->error = in->parse_error;
	if (msg == NULL)
		return;
	m->auto_reason = in->cls.auto_reason;
	m->classification = in->cls_json;
	m->message_id = msg->message_id;
	m->in_reply_to = msg->in_reply_to;
	m->references = refs;
	m->from_addr = msg->from_addr;
	m->from_name = msg->from_name;
	m->to_addr = msg->to;
	m->subject = msg->subject;
	m->date_header = msg->date_header;
	m->date = msg->date;
	m->from_team = in->from_team;
	m->auth = in->auth;
}

static int add_message(struct gateway *gw, const struct intake *in, int64_t *id_r,
		       char **error_r)
{
	struct store_message m;
	char *refs = in->msg != NULL ? join_references(in->msg) : NULL;
	fill_message_row(in, &m, refs);
	/* A quarantined message processed again keeps its row: same id, bytes and receipt. */
	int ret = in->retry_row != 0 ?
		  store_message_replace(gw->store, in->retry_row, &m, error_r) :
		  store_message_add(gw->store, &m, id_r, error_r);
	if (ret == 1 && in->retry_row != 0 && id_r != NULL)
		*id_r = in->retry_row;
	g_free(refs);
	return ret;
}

/* Never answer our own address or the team's: that is how mail loops start. */
static int is_own_address(struct gateway *gw, const char *addr)
{
	if (g_ascii_strcasecmp(addr, gw->config->smtp.from) == 0)
		return 1;
	for (char **t = gw->config->team.notify; t != NULL && *t != NULL; t++) {
		if (g_ascii_strcasecmp(addr, *t) == 0)
			return 1;
	}
	return 0;
}

/* Identity is needed for a data-protection right, unless a document came with the request or
   the team verified this requester recently. 1 needed, 0 not (*known_r: verified before). */
static int identity_needed(struct gateway *gw, const struct intake *in, const char *rcpt,
			   int *known_r)
{
	int days = gw->config->gateway.identity_reuse_days;

	*known_r = 0;
	if (!case_kinds_need_identity(in->cls.kinds) || in->cls.identity_attached)
		return 0;
	/* a lookup error counts as not verified: identity is asked for (fails closed) */
	*known_r = days > 0 && store_requester_verified(gw->store, rcpt,
							in->received - (int64_t)days * 86400) == 1;
	return !*known_r;
}

/* The earlier case records the complaint about it, with the new case's reference. */
static int note_complaint(struct gateway *gw, const char *earlier, int64_t case_id,
			  char **error_r)
{
	int64_t earlier_id = 0;
	char *reference = NULL, *detail;
	int ret = store_case_by_reference(gw->store, earlier, &earlier_id);

	if (ret == 1)
		ret = store_case_reference(gw->store, case_id, &reference);
	if (ret != 1)
		return ret == 0 ? 1 : error_set(error_r, -1, "store: the earlier case not read");
	detail = g_strdup_printf("a complaint about this case opened %s", reference);
	ret = store_event_add(gw->store, earlier_id, "gateway", "complaint_received", detail,
			      error_r);
	g_free(detail);
	g_free(reference);
	return ret;
}

static int record_opening(struct gateway *gw, const struct intake *in, const char *state,
			  int known, char **error_r)
{
	const struct classify_result *cls = &in->cls;
	char *opened = g_strdup_printf("request received by e-mail; state %s%s", state,
				       strcmp(state, "awaiting_identity") == 0 ?
				       " (a data-protection right and no proof of identity)" : "");
	int ret = store_event_add(gw->store, in->case_id, "gateway", "case_opened", opened,
				  error_r);

	g_free(opened);
	if (ret == 1)
		ret = store_event_add(gw->store, in->case_id, "gateway", "classified", in->cls_json,
				      error_r);
	if (ret == 1 && known)
		ret = store_event_add(gw->store, in->case_id, "gateway", "identity_known",
				      "identity verified on an earlier case of this requester: "
				      "not asked again", error_r);
	if (ret == 1 && cls->complaint_about != NULL)
		ret = note_complaint(gw, cls->complaint_about, in->case_id, error_r);
	if (ret == 1 && cls->repeat_of != NULL) {
		char *detail = g_strdup_printf("same requester and right as %s within %d days: "
					       "for the team to assess, not a decision",
					       cls->repeat_of, gw->config->gateway.repeat_window_days);
		ret = store_event_add(gw->store, in->case_id, "gateway", "possible_repeat", detail,
				      error_r);
		g_free(detail);
	}
	return ret;
}

/* Why the gateway thinks what it thinks: the rules that fired, for the team. */
static char *why_lines(const struct classify_result *cls)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < cls->rules.n_hits; i++) {
		const struct rules_hit *h = &cls->rules.hits[i];
		g_string_append_printf(s, "%s- %s%s%s", s->len > 0 ? "\n" : "", h->name,
				       h->describe != NULL ? ": " : "",
				       h->describe != NULL ? h->describe : "");
	}
	return g_string_free(s, FALSE);
}

static char *attachment_lines(const struct mime_message *msg)
{
	GString *s = g_string_new(NULL);
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const struct mime_attachment *a = &msg->attachments[i];
		g_string_append_printf(s, "%s- %s (%s, %zu KB)", s->len > 0 ? "\n" : "",
				       a->filename != NULL ? a->filename : "(no name)",
				       a->content_type, (a->size + 1023) / 1024);
	}
	return g_string_free(s, FALSE);
}

/* The classifier's signals the team weighs when triaging, one per line. */
static char *signal_lines(const struct gateway *gw, const struct classify_result *cls)
{
	GString *s = g_string_new(NULL);

	if (cls->repeat_of != NULL)
		g_string_append_printf(s, "- possibly a repeat of %s (same right within %d "
				       "days)\n", cls->repeat_of,
				       gw->config->gateway.repeat_window_days);
	if (cls->on_behalf != ON_BEHALF_NONE)
		g_string_append_printf(s, "- on behalf of someone else (%s): check the "
				       "authority\n", classify_on_behalf_name(cls->on_behalf));
	if (cls->vague)
		g_string_append(s, "- vague: a clarification question may be needed (#clarify)\n");
	if (cls->child)
		g_string_append(s, "- may be a child: plain-language notices are sent\n");
	if (cls->complaint_about != NULL)
		g_string_append_printf(s, "- a complaint about %s (%s)\n", cls->complaint_about,
				       cls->complaint_type);
	if (s->len > 0)
		g_string_truncate(s, s->len - 1);
	return g_string_free(s, FALSE);
}

/* The team hears of every new case, with what it needs to triage it. */
static int notify_team(struct gateway *gw, const struct intake *in, const struct store_case *c,
		       const struct case_record *rec, const struct case_deadlines *d,
		       char **error_r)
{
	struct gateway_facts f = { .c = c, .rec = rec, .d = d, .to_team = 1 };
	char *why = why_lines(&in->cls), *files = attachment_lines(in->msg);
	char *signals = signal_lines(gw, &in->cls);
	const char *extra[] = { "why_text", why, "attachments_text", files,
				"signals_text", signals, NULL };
	struct gateway_team_notice t = { .facts = &f, .name = "team_new_case", .extra = extra,
					 .in_reply_to = in->msg->message_id };
	int ret = gateway_team_notify(gw, &t, error_r);

	g_free(why);
	g_free(files);
	g_free(signals);
	return ret;
}

/* Would `wanted` more automatic notices exceed rcpt's share of the last 24 hours? Then none
   is sent, and the case records why. */
static int rate_limited(struct gateway *gw, const struct store_case *c, int64_t now,
			int wanted, int *limited_r, char **error_r)
{
	int max = gw->config->gateway.max_auto_notices_per_day;
	int64_t n = 0;
	char *detail;
	int ret;

	/* Unknown count: nothing is sent and the message is processed again later. */
	*limited_r = 1;
	if (store_auto_notices_since(gw->store, c->requester_addr, now - 86400, &n) != 1)
		return error_set(error_r, -1, "store: notices sent to the requester not counted");
	*limited_r = n + wanted > max;
	if (!*limited_r)
		return 1;
	detail = g_strdup_printf("%" G_GINT64_FORMAT " automatic notices to this address in 24 "
				 "hours (max_auto_notices_per_day = %d): acknowledgement not sent",
				 n, max);
	log_warn("case %s: %s", c->reference, detail);
	ret = store_event_add(gw->store, c->id, "gateway", "notice_suppressed", detail, error_r);
	g_free(detail);
	return ret;
}

/* One message per new request: the acknowledgement, which asks for identity itself when it
   is needed (two automatic mails in the same second confuse people). */
static int notify_requester(struct gateway *gw, const struct intake *in,
			    const struct store_case *c, const struct case_record *rec,
			    const struct case_deadlines *d, char **error_r)
{
	struct gateway_facts f = { .c = c, .rec = rec, .d = d };
	char **refs = reply_references(in->msg);
	int limited = 0;
	int ret = rate_limited(gw, c, in->received > pd_now() ? in->received : pd_now(), 1,
			       &limited, error_r);

	if (ret == 1 && !limited)
		ret = gateway_case_notice(gw, &f, "acknowledgement", in->msg->message_id, refs,
					  error_r);
	g_strfreev(refs);
	return ret;
}

/* The clock: a data-protection request with identity (attached or known) is valid on
   receipt; one without waits in awaiting_identity. Then the opening notices. */
static int start_case(struct gateway *gw, const struct intake *in, const char *reference,
		      const char *rcpt, char **error_r)
{
	struct store_case c;
	struct case_record rec;
	struct case_deadlines d;
	int ret = store_case_load(gw->store, reference, &c, error_r);

	memset(&rec, 0, sizeof(rec));
	memset(&d, 0, sizeof(d));
	if (ret == 1)
		ret = case_record_from_store(&c, &rec, error_r);
	if (ret == 1 && rec.state == CASE_OPEN && case_kinds_need_identity(rec.kinds))
		rec.identity_on = rec.received;
	/* The deadlines computed for the record serve every notice of the case. */
	if (ret == 1)
		ret = gateway_case_save(gw, &c, &rec, &d, error_r);
	if (ret == 1 && rcpt != NULL)
		ret = notify_requester(gw, in, &c, &rec, &d, error_r);
	if (ret == 1)
		ret = notify_team(gw, in, &c, &rec, &d, error_r);
	case_deadlines_clear(&d);
	case_record_clear(&rec);
	store_case_clear(&c);
	return ret;
}

/* A new case opened on a guess (the classifier unsure of its kinds, classify.h): the team
   confirms what was asked within [gateway] confirm_within working days of receipt, and the
   acknowledgement says so instead of promising a date. The team's own mail never is. */
static int mark_uncertain(struct gateway *gw, const struct intake *in, char **error_r)
{
	double confidence = gw->config->classify.confidence;
	char day[11], *why, *when, *detail;
	GDate received, by;
	int ret;

	/* A complaint in reply to a case (complaint_as_new_case) names that case: no guess. */
	if (in->member || in->from_team || in->cls.case_ref != NULL ||
	    !classify_is_uncertain(&in->cls, confidence))
		return 1;
	pd_london_day(in->received, &received);
	clock_add_working_days(&received, (unsigned)gw->config->gateway.confirm_within,
			       gateway_env(gw)->holidays, &by);
	why = classify_uncertain_text(&in->cls, confidence);
	when = clock_date_long(&by);
	detail = g_strdup_printf("kinds uncertain: %s; the team confirms by %s", why, when);
	ret = store_case_set_uncertain(gw->store, in->case_id, why, clock_date_iso(&by, day),
				       error_r);
	if (ret == 1)
		ret = store_event_add(gw->store, in->case_id, "gateway", "kinds_uncertain", detail,
				      error_r);
	g_free(why);
	g_free(when);
	g_free(detail);
	return ret;
}

/* A new case for a person-written message that continues none of ours. */
static int open_case(struct gateway *gw, struct intake *in, char **error_r)
{
	const struct mime_message *msg = in->msg;
	const struct classify_result *cls = &in->cls;
	const char *name = NULL, *rcpt = requester_of(gw, in, &name);
	int known = 0, needed = identity_needed(gw, in, rcpt, &known);
	char *kinds = case_kinds_string(cls->kinds);
	int own = rcpt != NULL && is_own_address(gw, rcpt);
	struct store_new_case nc = {
		.prefix = gw->config->gateway.reference_prefix,
		.year = gateway_year(in->received),
		.requester_addr = own ? NULL : rcpt,
		.requester_name = name,
		.subject = msg->subject,
		.received = in->received,
		.state = case_state_name(needed ? CASE_AWAITING_IDENTITY : CASE_OPEN),
		.kinds = kinds,
		.kinds_mask = cls->kinds,
		.regime_hint = classify_regime_name(cls->regime_hint),
		.on_behalf = classify_on_behalf_name(cls->on_behalf),
		.child = cls->child,
		.vague = cls->vague,
		.identity_attached = cls->identity_attached,
		.complaint_type = cls->complaint_type,
		.related_case = cls->complaint_about,
	};
	char *reference = NULL;
	int ret = store_case_create(gw->store, &nc, &in->case_id, &reference, error_r);

	if (ret == 1)
		ret = record_opening(gw, in, nc.state, known, error_r);
	if (ret == 1 && rcpt != reply_address(msg))
		ret = store_event_add(gw->store, in->case_id, "gateway", "forwarded_by_staff",
				      msg->from_addr, error_r);
	if (ret == 1)
		ret = mark_uncertain(gw, in, error_r);
	if (ret == 1 && nc.requester_addr == NULL)
		ret = store_event_add(gw->store, in->case_id, "gateway", "no_reply_address",
				      rcpt == NULL ? "no valid From or Reply-To: acknowledgement not sent"
						   : "reply address is our own: acknowledgement not sent",
				      error_r);
	if (ret == 1)
		ret = start_case(gw, in, reference, nc.requester_addr, error_r);
	if (ret == 1)
		log_info("case %s opened (%s)", reference, nc.state);
	g_free(reference);
	g_free(kinds);
	return ret;
}

static int record_continuation(struct gateway *gw, const struct intake *in, char **error_r)
{
	const char *action = in->cls.auto_mail ? "auto_message_received" :
			     in->from_team ? "team_message_received" : "message_received";
	return store_event_add(gw->store, in->case_id, "gateway", action, in->cls_json, error_r);
}

/* A complaint about a case it continues, or names in its text, is about what that case was:
   an FOI answer's complaint is an internal review (domain-rules 3). The team can correct it. */
static int complaint_about(struct gateway *gw, struct intake *in)
{
	struct classify_result *cls = &in->cls;
	const char *text = in->msg->body_text, *from = reply_address(in->msg);
	struct store_case earlier;
	char *ref = NULL;
	int ret = 0;

	if (!(cls->kinds & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)))
		return 1;
	if (cls->case_ref != NULL)
		ref = g_strdup(cls->case_ref);
	else if (text != NULL)
		ref = classify_find_reference(text, gw->config->gateway.reference_prefix);
	if (ref == NULL || (ret = store_case_load(gw->store, ref, &earlier, NULL)) != 1) {
		g_free(ref);
		return ret < 0 ? -1 : 1;
	}
	/* Only the requester's own case says what their complaint is about: a stranger naming
	   someone's reference learns nothing of it and links nothing to it. */
	if (earlier.requester_addr != NULL && from != NULL &&
	    g_ascii_strcasecmp(earlier.requester_addr, from) == 0) {
		cls->complaint_about = g_strdup(ref);
		cls->complaint_type = clock_complaint_name(
			case_complaint_about(earlier.kinds_mask));
	}
	g_free(ref);
	store_case_clear(&earlier);
	return 1;
}

/* A requester's complaint in reply to a case that is not itself a complaint is a new case:
   its own clock (DPA s164A: acknowledged within 30 days of the complaint's receipt, not the
   request's), linked to the earlier case, whose type it takes. */
static int complaint_as_new_case(struct gateway *gw, struct intake *in)
{
	struct classify_result *cls = &in->cls;
	struct store_case earlier;
	int ret;

	if (in->case_id == 0 || cls->auto_mail || in->from_team || in->member ||
	    !(cls->kinds & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)) || cls->complaint_about == NULL)
		return 1;
	if ((ret = store_case_load(gw->store, cls->case_ref, &earlier, NULL)) != 1)
		return ret < 0 ? -1 : 1;
	if (!(earlier.kinds_mask & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT)))
		in->case_id = 0;
	store_case_clear(&earlier);
	return 1;
}

/* A requester's reply on a case is about that case ("here is my passport", "any news?"):
   it carries the case's kinds, never "other". 1, or -1 on a database error. */
static int reply_takes_case_kinds(struct gateway *gw, struct intake *in)
{
	struct store_case c;
	int ret;

	if (in->case_id == 0 || in->cls.auto_mail || in->from_team || in->member)
		return 1;
	if ((ret = store_case_load(gw->store, in->cls.case_ref, &c, NULL)) != 1)
		return ret < 0 ? -1 : 1;
	if (c.kinds_mask != 0)
		in->cls.kinds = c.kinds_mask;
	store_case_clear(&c);
	return 1;
}

/* Classify, and find the case it continues or the earlier case it may repeat. 1, or -1 when
   the database could not say (the message is then processed again later). */
static int intake_classify(struct gateway *gw, struct intake *in)
{
	struct classify_result *cls = &in->cls;
	const struct config *c = gw->config;

	classify_message_model(gw->rules, gw->model, in->msg, FALSE, cls);
	in->from_team = in->msg->from_addr != NULL && is_own_address(gw, in->msg->from_addr);
	in->member = in->msg->from_addr != NULL &&
		     team_is_member(in->msg->from_addr, c->team.members);
	int ret = find_case(gw, in->msg, &in->case_id);
	if (ret == 1)
		ret = store_case_reference(gw->store, in->case_id, &cls->case_ref);
	if (ret != 1)
		in->case_id = 0;
	if (ret == 0 && !cls->auto_mail && c->gateway.repeat_window_days > 0) {
		int64_t since = in->received - (int64_t)c->gateway.repeat_window_days * 86400;
		const char *name;
		ret = store_case_find_repeat(gw->store, requester_of(gw, in, &name), cls->kinds, since,
					     &cls->repeat_of);
	}
	if (ret >= 0)
		ret = complaint_about(gw, in);
	if (ret >= 0)
		ret = complaint_as_new_case(gw, in);
	if (ret >= 0)
		ret = reply_takes_case_kinds(gw, in);
	if (ret < 0)
		return -1;
	in->cls_json = classify_result_json(cls, NULL, FALSE);
	return 1;
}

int gateway_intake_store(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r)
{
	return add_message(gw, in, row_r, error_r);
}

static int raise_reply(struct gateway *gw, void *ctx, char **error_r)
{
	return gateway_raise_reply(gw, ctx, error_r);
}

int gateway_intake_as_anyone(struct gateway *gw, struct intake *in, int64_t *row_r,
			     char **error_r)
{
	/* A requester's reply is raised to the team at once: nobody else reads the mailbox. */
	int reply = in->case_id != 0 && in->msg != NULL && !in->cls.auto_mail && !in->from_team;
	/* A bounce of one of our notices joins its case (issue 13: storm.c). */
	int ret = gateway_bounce_check(gw, in, error_r);

	if (ret != 1)
		return ret;
	if (in->case_id != 0) {
		ret = record_continuation(gw, in, error_r);
	} else if (in->msg != NULL && !in->cls.auto_mail) {
		/* Past its sender's storm threshold it is held: stored, no case, no reply. */
		ret = gateway_storm_check(gw, in, error_r);
		if (ret == 1 && in->storm_id == 0)
			ret = open_case(gw, in, error_r);
	} else {
		/* Machine mail that continues no case, or unparsable mail: kept, no case. */
		ret = 1;
	}
	pd_fault_point("mid_transaction");
	if (ret == 1)
		ret = add_message(gw, in, row_r, error_r);
	if (ret == 1)
		ret = gateway_storm_log(gw, in, *row_r, error_r);
	if (ret == 1 && reply)
		ret = gateway_note_stray_commands(gw, in, error_r);
	if (ret == 1 && reply)
		ret = gateway_tell_team(gw, in->case_id, raise_reply, in, error_r);
	return ret;
}

/* Decide and write everything for one message; the caller owns the transaction. */
int gateway_intake_write(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r)
{
	if (in->msg != NULL && intake_classify(gw, in) != 1)
		return error_set(error_r, -1, "store: the case of the message could not be looked up");
	if (in->msg != NULL && !in->cls.auto_mail && in->member)
		return gateway_team_mail(gw, in, row_r, error_r);
	return gateway_intake_as_anyone(gw, in, row_r, error_r);
}

void gateway_intake_clear(struct intake *in)
{
	classify_result_clear(&in->cls);
	g_free(in->cls_json);
	g_free(in->sha256);
	g_free(in->path);
	mime_message_free(&in->msg);
	g_free(in->parse_error);
	g_free(in->auth);
	g_free(in->storm_sender);
}

int gateway_intake_open_held(struct gateway *gw, int64_t storm_id, int64_t row,
			     int64_t received, int64_t *case_id_r, char **error_r)
{
	struct intake in = { .received = received };
	int ret = store_message_sha256(gw->store, row, &in.sha256);

	if (ret != 1)
		ret = error_set(error_r, ret < 0 ? -1 : 0, "message %" G_GINT64_FORMAT
				" has no stored bytes", row);
	else if ((in.path = store_spool_path(gw->store, in.sha256)) == NULL)
		ret = error_set(error_r, 0, "message %" G_GINT64_FORMAT ": invalid spool key", row);
	/* Parsed from its spool file, as on receipt (never whole in memory). */
	if (ret == 1 && (ret = mime_parse_file(in.path, &in.msg, &in.parse_error)) != 1)
		ret = error_set(error_r, ret, "message %" G_GINT64_FORMAT " unreadable: %s", row,
				in.parse_error);
	if (ret == 1 && intake_classify(gw, &in) != 1)
		ret = error_set(error_r, -1, "store: the case of message %" G_GINT64_FORMAT
				" could not be looked up", row);
	if (ret == 1 && in.case_id == 0)
		ret = open_case(gw, &in, error_r);
	else if (ret == 1)
		ret = record_continuation(gw, &in, error_r);
	if (ret == 1)
		ret = store_storm_opened(gw->store, storm_id, row, in.case_id, error_r);
	*case_id_r = in.case_id;
	gateway_intake_clear(&in);
	return ret;
}

/* The message's UID, recorded in the transaction that records the message. */
static int record_uid(struct gateway *gw, const struct gateway_origin *o, int64_t row,
		      char **error_r)
{
	if (o->uid == 0)
		return 1;
	return store_uid_put(gw->store, o->mailbox, o->uidvalidity, o->uid, row, error_r);
}

/* Bytes stored before: nothing is processed again, but this UID now names them too. */
static int known_bytes(struct gateway *gw, const char *sha256, const struct gateway_origin *o,
		       int64_t row, char **error_r)
{
	int ret;

	log_info("message %.12s already stored: not processed again", sha256);
	if (o->uid == 0)
		return 1;
	if ((ret = store_begin(gw->store, error_r)) != 1)
		return ret;
	ret = record_uid(gw, o, row, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	return ret;
}

/* Is sha256 stored already? 1 yes (handled: its UID recorded), 0 no, -1 unknown. */
static int already_stored(struct gateway *gw, const char *sha256,
			  const struct gateway_origin *o, int64_t *row_r, char **error_r)
{
	int ret = store_message_find_by_sha256(gw->store, sha256, row_r);

	if (ret < 0)
		return error_set(error_r, -1, "store: the message's hash could not be looked up");
	if (ret == 1 && known_bytes(gw, sha256, o, *row_r, error_r) != 1)
		return -1;
	return ret;
}

int gateway_process_spooled(struct gateway *gw, const char *sha256, uint64_t size,
			    int64_t received, const struct gateway_origin *origin,
			    int64_t *message_row_r, char **error_r)
{
	struct intake in = { .sha256 = g_strdup(sha256), .len = (size_t)size,
			     .received = received, .mailbox = origin->mailbox };
	int ret = 1;

	pd_fault_point("spooled");
	if ((in.path = store_spool_path(gw->store, sha256)) == NULL) {
		ret = error_set(error_r, 0, "invalid spool key");
		goto out;
	}
	if ((ret = already_stored(gw, sha256, origin, message_row_r, error_r)) != 0)
		goto out;
	ret = mime_parse_file(in.path, &in.msg, &in.parse_error);
	if (ret == -1) {
		/* The spool file cannot be opened: disk trouble, retry later. */
		error_set(error_r, -1, "%s", in.parse_error);
		goto out;
	}
	if (ret == 0)
		log_warn("message %.12s quarantined: %s", in.sha256, in.parse_error);
	if ((ret = store_begin(gw->store, error_r)) != 1)
		goto out;
	ret = gateway_intake_write(gw, &in, message_row_r, error_r);
	if (ret == 1)
		ret = record_uid(gw, origin, *message_row_r, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
out:
	gateway_intake_clear(&in);
	return ret;
}

int gateway_process_raw(struct gateway *gw, const char *raw, size_t len, int64_t received,
			const struct gateway_origin *origin, int64_t *message_row_r,
			char **error_r)
{
	char *sha256 = NULL;
	int ret = store_spool_put(gw->store, raw, len, &sha256, error_r);

	if (ret != 1)
		ret = -1; /* disk trouble: leave the message in the mailbox and retry later */
	else
		ret = gateway_process_spooled(gw, sha256, len, received, origin, message_row_r,
					      error_r);
	g_free(sha256);
	return ret;
}

int gateway_quarantine_spooled(struct gateway *gw, const char *sha256, uint64_t size,
			       int64_t received, const struct gateway_origin *origin,
			       const char *why, int64_t *message_row_r, char **error_r)
{
	struct store_message m = {
		.direction = STORE_IN, .sha256 = sha256, .size = size, .received = received,
		.status = "quarantined", .error = why, .mailbox = origin->mailbox,
	};
	int ret = 0;

	if (sha256 != NULL &&
	    (ret = already_stored(gw, sha256, origin, message_row_r, error_r)) != 0)
		return ret;
	if ((ret = store_begin(gw->store, error_r)) != 1)
		return ret;
	ret = store_message_add(gw->store, &m, message_row_r, error_r);
	if (ret == 1)
		ret = record_uid(gw, origin, *message_row_r, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	else
		log_warn("message quarantined without processing: %s", why);
	return ret;
}
