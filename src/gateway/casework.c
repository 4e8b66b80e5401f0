/* gateway/casework: a team action on a case, from the command line or from a member's e-mail
   commands (each in a savepoint of the mail's transaction): load the record, ask the
   lifecycle, write the change, its event and its notice together. */
#include "gateway-private.h"

#include <string.h>

/* The message a notice answers: the requester's latest (its References plus its id). */
struct thread {
	struct store_inbound in;
	char **references;
};

static void thread_load(struct gateway *gw, int64_t case_id, struct thread *t)
{
	GPtrArray *refs = g_ptr_array_new();
	char **old;

	memset(t, 0, sizeof(*t));
	/* A lookup error leaves the notice unthreaded, which loses nothing. */
	if (store_case_last_inbound(gw->store, case_id, &t->in) == 1) {
		old = g_strsplit(t->in.references != NULL ? t->in.references : "", " ", -1);
		for (char **r = old; *r != NULL; r++) {
			if (**r != '\0')
				g_ptr_array_add(refs, g_strdup(*r));
		}
		g_strfreev(old);
		if (t->in.message_id != NULL)
			g_ptr_array_add(refs, g_strdup(t->in.message_id));
	}
	g_ptr_array_add(refs, NULL);
	t->references = (char **)g_ptr_array_free(refs, FALSE);
}

static void thread_clear(struct thread *t)
{
	store_inbound_clear(&t->in);
	g_strfreev(t->references);
}

int gateway_case_notice(struct gateway *gw, const struct gateway_facts *f, const char *name,
			const char *in_reply_to, char **references, char **error_r)
{
	const struct store_case *c = f->c;
	GHashTable *vars, *lists;
	int ret;

	if (c->requester_addr == NULL)
		return store_event_add(gw->store, c->id, "gateway", "notice_not_sent",
				       "no reply address", error_r);
	vars = gateway_notice_values(gw, f);
	lists = gateway_notice_lists(gw, f);
	struct gateway_notice n = {
		.name = name, .case_id = c->id, .reference = c->reference,
		.rcpt = c->requester_addr, .to_name = c->requester_name,
		.in_reply_to = in_reply_to, .references = references, .vars = vars,
		.lists = lists, .child = c->child, .files = f->files, .n_files = f->n_files,
	};
	ret = gateway_queue_notice(gw, &n, error_r);
	g_hash_table_unref(vars);
	g_hash_table_unref(lists);
	return ret;
}

int gateway_case_save(struct gateway *gw, struct store_case *c, const struct case_record *rec,
		      struct case_deadlines *d_r, char **error_r)
{
	int ret = case_deadlines_compute(gateway_env(gw), rec, d_r, error_r);

	if (ret == 1) {
		case_record_to_store(rec, c);
		g_free(c->deadlines);
		c->deadlines = case_deadlines_summary(d_r);
		ret = store_case_save(gw->store, c, error_r);
	}
	return ret;
}

/* Did the requester's latest message come after we asked (the identity request or the
   clarification question)? By the time the notice was composed when there is one, else by
   the day the stop began / by not being the request itself. */
static int came_after_question(struct gateway *gw, const struct store_case *c,
			       const struct case_record *rec, const struct thread *t,
			       const char *notice)
{
	int64_t asked = 0;
	const struct clock_stop *stop = rec->stops != NULL && rec->stops->len > 0 ?
		&g_array_index(rec->stops, struct clock_stop, rec->stops->len - 1) : NULL;
	GDate day;

	/* Unknown: not taken as the answer (the team still sees the reply raised). */
	if (store_case_last_notice(gw->store, c->id, notice, &asked) != 1)
		return 0;
	if (asked != 0)
		return t->in.received > asked;
	if (strcmp(notice, "identity_request") == 0)
		return t->in.id != t->in.first_id;
	pd_london_day(t->in.received, &day);
	return stop != NULL && g_date_compare(&day, &stop->from) >= 0;
}

/* The day identity or an answer arrived, when the member did not say: the delivery day of
   the requester's latest message if it came after the question, else today (cleared). */
static void default_day(struct gateway *gw, const struct store_case *c,
			const struct case_record *rec, const struct thread *t,
			struct case_command *cmd)
{
	const char *notice = cmd->action == CASE_VERIFY_IDENTITY ? "identity_request" :
			     cmd->action == CASE_CLARIFIED ? "clarification_request" : NULL;
	const struct clock_stop *open = case_open_stop(rec);

	if (g_date_valid(&cmd->on) || t->in.id == 0 || notice == NULL)
		return;
	if (cmd->action == CASE_VERIFY_IDENTITY && rec->state != CASE_AWAITING_IDENTITY)
		return;
	if (cmd->action == CASE_CLARIFIED && open == NULL)
		return;
	if (came_after_question(gw, c, rec, t, notice))
		pd_london_day(t->in.received, &cmd->on);
}

/* "next deadline 13 April 2026 (access, 31 days left)", or "no deadline running". */
static void append_next(const struct case_deadlines *d, GString *s)
{
	if (d->next >= 0) {
		const struct case_deadline *it = &d->item[d->next];
		char *when = clock_date_long(clock_result_due(&it->res));
		g_string_append_printf(s, "\nnext deadline %s (%s, %d %s left)", when,
				       clock_kind_name(it->kind), it->days_left,
				       it->res.unit == CLOCK_UNIT_WORKING_DAYS ? "working days" :
				       "days");
		g_free(when);
	} else {
		g_string_append(s, "\nno deadline running");
	}
}

static char *describe_result(const struct store_case *c, const struct case_change *ch,
			     const struct case_deadlines *d)
{
	GString *s = g_string_new(NULL);
	g_string_append_printf(s, "%s: %s", c->reference, ch->event);
	if (ch->detail != NULL && *ch->detail != '\0')
		g_string_append_printf(s, " (%s)", ch->detail);
	if (ch->notice != NULL && c->requester_addr != NULL)
		g_string_append_printf(s, "; %s queued", ch->notice);
	else if (ch->notice != NULL)
		g_string_append_printf(s, "; %s NOT sent: the case has no reply address",
				       ch->notice);
	append_next(d, s);
	if (ch->warning != NULL)
		g_string_append_printf(s, "\nwarning: %s", ch->warning);
	return g_string_free(s, FALSE);
}

char *gateway_files_text(const struct mime_blob *files, size_t n_files)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < n_files; i++)
		g_string_append_printf(s, "%s- %s (%s, %zu KB)", s->len > 0 ? "\n" : "",
				       files[i].filename != NULL ? files[i].filename : "(no name)",
				       files[i].content_type, (files[i].len + 1023) / 1024);
	return g_string_free(s, FALSE);
}

/* The files a response sends are part of the record: by name, type and size. */
static int record_files(struct gateway *gw, const struct store_case *c, const char *actor,
			const struct mime_blob *files, size_t n_files, char **error_r)
{
	char *list;
	int ret;

	if (n_files == 0)
		return 1;
	list = gateway_files_text(files, n_files);
	ret = store_event_add(gw->store, c->id, actor, "response_files", list, error_r);
	g_free(list);
	return ret;
}

/* The action's notice, unless it is a date notice a batch sends once at its end. */
static int action_notice(struct gateway *gw, const struct gateway_act *a,
			 const struct store_case *c, const struct case_change *ch,
			 const struct case_deadlines *d, const struct case_command *cmd,
			 const struct thread *t, char **error_r)
{
	struct gateway_facts f = { .c = c, .rec = &ch->after, .d = d, .cmd = cmd,
				   .change_reason = ch->change_reason, .files = a->files,
				   .n_files = a->n_files };

	if (ch->notice == NULL || (a->defer_date_notice && ch->change_reason != NULL))
		return 1;
	if (a->told_r != NULL && ch->change_reason == NULL)
		*a->told_r = 1;
	return gateway_case_notice(gw, &f, ch->notice, t->in.message_id, t->references, error_r);
}

/* What the lifecycle cannot know, being about one case: FOIA s17(6) spares a notice only
   for a requester already refused as vexatious or repeated. 1 or 0. */
static int history_allows(struct gateway *gw, const struct store_case *c,
			  const struct case_command *cmd, char **error_r)
{
	int had;

	if (cmd->action != CASE_VEXATIOUS || !cmd->no_notice)
		return 1;
	had = store_requester_had_outcome(gw->store, c->requester_addr, "vexatious", c->id);
	if (had == 1)
		return 1;
	if (had < 0)
		return error_set(error_r, -1, "store: the requester's earlier cases not read");
	return error_set(error_r, 0, "--no-notice is for a requester already sent a notice "
			 "refusing a request as vexatious or repeated (FOIA s17(6)); %s has none",
			 c->requester_addr != NULL ? c->requester_addr : "this requester");
}

/* Everything inside the transaction. 1 done, 0 refused, -1 temporary. */
static int action_write(struct gateway *gw, struct store_case *c, const struct gateway_act *a,
			char **reply_r, char **error_r)
{
	struct case_command cmd = *a->cmd;
	/* set-kinds on a case opened on a guess (the kinds uncertain) */
	int uncertain = cmd.action == CASE_SET_KINDS && c->kinds_uncertain != NULL;
	struct case_record rec;
	struct case_change ch;
	struct case_deadlines d;
	struct thread t;
	int ret;

	memset(&ch, 0, sizeof(ch));
	memset(&d, 0, sizeof(d));
	thread_load(gw, c->id, &t);
	if ((ret = case_record_from_store(c, &rec, error_r)) != 1)
		goto out;
	/* The same kinds on a case opened on a guess confirm them (kinds.c). */
	if (uncertain && cmd.kinds == rec.kinds && !case_state_is_end(rec.state)) {
		ret = gateway_kinds_confirm(gw, c, a, &rec, t.in.message_id, t.references, reply_r,
					    error_r);
		goto out;
	}
	default_day(gw, c, &rec, &t, &cmd);
	if ((ret = history_allows(gw, c, &cmd, error_r)) != 1 ||
	    (ret = lifecycle_apply(gateway_env(gw), &rec, &cmd, &ch, error_r)) != 1)
		goto out;
	if (uncertain) {
		/* Its one acknowledgement is still owed: it asks for identity if needed, gives
		   the dates; no separate date notice. */
		gateway_kinds_identity(gw, c, &ch.after);
		g_clear_pointer(&ch.warning, g_free);
		ch.notice = "acknowledgement";
		ch.change_reason = NULL;
	}
	if (ch.owner != NULL)
		store_case_set_text(&c->owner, ch.owner);
	if (ch.outcome != NULL)
		store_case_set_text(&c->outcome, ch.outcome);
	if ((ret = gateway_case_save(gw, c, &ch.after, &d, error_r)) != 1 ||
	    (ret = store_event_add(gw->store, c->id, a->actor, ch.event, ch.detail,
				   error_r)) != 1)
		goto out;
	if (ch.also_event != NULL &&
	    (ret = store_event_add(gw->store, c->id, a->actor, ch.also_event, ch.also_detail,
				   error_r)) != 1)
		goto out;
	if (a->n_files > 0 && cmd.action != CASE_RESPOND) {
		ret = error_set(error_r, 0, "only respond sends files");
		goto out;
	}
	ret = record_files(gw, c, a->actor, a->files, a->n_files, error_r);
	if (ret == 1 && cmd.action == CASE_SET_KINDS)
		ret = gateway_kinds_labelled(gw, c, a->actor, rec.kinds, ch.after.kinds, error_r);
	if (ret == 1)
		ret = action_notice(gw, a, c, &ch, &d, &cmd, &t, error_r);
	if (ret == 1)
		*reply_r = describe_result(c, &ch, &d);
out:
	case_deadlines_clear(&d);
	case_change_clear(&ch);
	case_record_clear(&rec);
	thread_clear(&t);
	return ret;
}

int gateway_case_act(struct gateway *gw, const struct gateway_act *a, char **reply_r,
		     char **error_r)
{
	struct store_case c;
	int ret;

	memset(&c, 0, sizeof(c));
	if ((ret = store_case_load(gw->store, a->reference, &c, error_r)) == 1)
		ret = action_write(gw, &c, a, reply_r, error_r);
	store_case_clear(&c);
	return ret;
}

int gateway_case_load(struct gateway *gw, const char *reference, struct gateway_loaded *l,
		      char **error_r)
{
	int ret;

	memset(l, 0, sizeof(*l));
	ret = store_case_load(gw->store, reference, &l->c, error_r);
	if (ret == 1)
		ret = case_record_from_store(&l->c, &l->rec, error_r);
	if (ret == 1)
		ret = case_deadlines_compute(gateway_env(gw), &l->rec, &l->d, error_r);
	return ret;
}

void gateway_loaded_clear(struct gateway_loaded *l)
{
	case_deadlines_clear(&l->d);
	case_record_clear(&l->rec);
	store_case_clear(&l->c);
}

int gateway_case_date_notice(struct gateway *gw, const char *reference,
			     const struct case_deadlines *before, const char *reason,
			     char **error_r)
{
	struct gateway_loaded l;
	struct thread t;
	const char *notice;
	int ret = gateway_case_load(gw, reference, &l, error_r);

	memset(&t, 0, sizeof(t));
	/* An ended case has no dates left to tell: its last notice said how it ended. */
	if (ret == 1 && !case_state_is_end(l.rec.state) &&
	    (notice = case_date_notice(before, &l.d)) != NULL) {
		struct gateway_facts f = { .c = &l.c, .rec = &l.rec, .d = &l.d,
					   .change_reason = reason };
		thread_load(gw, l.c.id, &t);
		ret = gateway_case_notice(gw, &f, notice, t.in.message_id, t.references, error_r);
	}
	thread_clear(&t);
	gateway_loaded_clear(&l);
	return ret;
}

int gateway_case_action(struct gateway *gw, const char *reference,
			const struct case_command *cmd, const char *actor,
			const struct mime_blob *files, size_t n_files, char **reply_r,
			char **error_r)
{
	int ret;

	if ((ret = store_begin(gw->store, error_r)) != 1)
		return ret;
	struct gateway_act a = { .reference = reference, .cmd = cmd, .actor = actor,
				 .files = files, .n_files = n_files };
	ret = gateway_case_act(gw, &a, reply_r, error_r);
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	return ret;
}

/* ---- recomputation after the deadline table or the bank holidays changed ---- */

struct stale {
	struct gateway *gw;
	GPtrArray *references;
};

static char *fresh_summary(struct gateway *gw, const struct store_case *c)
{
	struct case_record rec;
	struct case_deadlines d;
	char *summary = NULL;

	memset(&d, 0, sizeof(d));
	if (case_record_from_store(c, &rec, NULL) &&
	    case_deadlines_compute(gateway_env(gw), &rec, &d, NULL))
		summary = case_deadlines_summary(&d);
	case_deadlines_clear(&d);
	case_record_clear(&rec);
	return summary;
}

static int find_stale(void *ctx, const struct store_case *c)
{
	struct stale *st = ctx;
	enum case_state state;
	char *now;

	if (!case_state_parse(c->state, &state) || case_state_is_end(state) ||
	    c->deadlines == NULL || *c->deadlines == '\0')
		return 1;
	now = fresh_summary(st->gw, c);
	if (now != NULL && strcmp(now, c->deadlines) != 0)
		g_ptr_array_add(st->references, g_strdup(c->reference));
	g_free(now);
	return 1;
}

static int recompute_one(struct gateway *gw, const char *reference, char **error_r)
{
	struct store_case c;
	char *now = NULL, *detail = NULL;
	int ret = store_begin(gw->store, error_r);

	memset(&c, 0, sizeof(c));
	if (ret == 1)
		ret = store_case_load(gw->store, reference, &c, error_r);
	if (ret == 1 && (now = fresh_summary(gw, &c)) != NULL && strcmp(now, c.deadlines) != 0) {
		detail = g_strdup_printf("the deadline table or the configured bank holidays "
					 "changed; deadlines were %s; now %s", c.deadlines, now);
		g_free(c.deadlines);
		c.deadlines = g_strdup(now);
		ret = store_case_save(gw->store, &c, error_r);
		if (ret == 1)
			ret = store_event_add(gw->store, c.id, "gateway", "deadlines_recomputed",
					      detail, error_r);
	}
	if (ret == 1)
		ret = store_commit(gw->store, error_r);
	if (ret != 1)
		store_rollback(gw->store);
	g_free(now);
	g_free(detail);
	store_case_clear(&c);
	return ret;
}

int gateway_recompute_deadlines(struct gateway *gw, char **error_r)
{
	struct stale st = { .gw = gw, .references = g_ptr_array_new_with_free_func(g_free) };
	int ret = store_case_each(gw->store, find_stale, &st, error_r);

	for (guint i = 0; ret == 1 && i < st.references->len; i++)
		ret = recompute_one(gw, st.references->pdata[i], error_r);
	if (ret == 1 && st.references->len > 0)
		log_info("deadlines of %u open case(s) recomputed", st.references->len);
	g_ptr_array_free(st.references, TRUE);
	return ret;
}

/* ---- a notice that could not be delivered is raised to the team ---- */

static int raise_failed(struct gateway *gw, const struct store_case *c, int64_t outbox_id,
			const char *error, char **error_r)
{
	struct case_record rec;
	struct case_deadlines d;
	int ret = case_record_from_store(c, &rec, error_r);

	memset(&d, 0, sizeof(d));
	if (ret == 1)
		ret = case_deadlines_compute(gateway_env(gw), &rec, &d, error_r);
	if (ret == 1) {
		struct gateway_facts f = { .c = c, .rec = &rec, .d = &d, .to_team = 1 };
		char *retry = g_strdup_printf("pdgate outbox retry %" G_GINT64_FORMAT, outbox_id);
		const char *extra[] = { "reason", error, "commands_text", retry, NULL };
		struct gateway_team_notice t = { .facts = &f, .name = "team_notice_failed",
						 .extra = extra };
		ret = gateway_team_notify(gw, &t, error_r);
		g_free(retry);
	}
	case_deadlines_clear(&d);
	case_record_clear(&rec);
	return ret;
}

int gateway_raise_failed_notice(struct gateway *gw, int64_t case_id, int64_t outbox_id,
				const char *rcpt, const char *error)
{
	struct store_case c;
	char *reference = NULL, *err = NULL;
	int ret = 1;

	/* Only the requester's notices: a failed team notification raising another would
	   loop. */
	memset(&c, 0, sizeof(c));
	if (store_case_reference(gw->store, case_id, &reference) != 1 ||
	    store_case_load(gw->store, reference, &c, &err) != 1 || c.requester_addr == NULL ||
	    g_ascii_strcasecmp(c.requester_addr, rcpt) != 0)
		goto out;
	ret = raise_failed(gw, &c, outbox_id, error, &err);
out:
	if (err != NULL)
		log_warn("case %s: the team could not be told of a failed notice: %s",
			 reference != NULL ? reference : "?", err);
	g_free(err);
	g_free(reference);
	store_case_clear(&c);
	return ret;
}
