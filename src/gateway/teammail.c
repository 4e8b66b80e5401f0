/* gateway/teammail: mail from a member of the disclosure team. Who sent it (a member address
   and our own MTA's Authentication-Results for it), which case it is about (the subject, the
   thread and a "#case" line must agree), the "#commands" at the top of its new text run one
   by one through the same path as `pdgate case REF ACTION`, and the answer to the member.
   Trusts nothing in the mail: a From address proves nothing without our MTA's result; a
   command is only words until the lifecycle accepts it; nothing a member writes leaves for
   a requester except #clarify's question, #respond's answer and files, and the reasons the
   law says a notice must state. Everything happens in the intake's transaction, each command
   in a savepoint: a refused command changes nothing and never undoes the mail's intake. */
#include "gateway-private.h"
#include "team.h"

#include <string.h>

struct team_mail {
	struct gateway *gw;
	struct intake *in;
	/* The requester's dates as they last heard them in this mail, and why a command since
	   moved them (NULL: none did). */
	struct gateway_loaded told;
	const char *date_reason;
	struct team_block block;
	int block_ok;
	char *block_error;
	char *reference;  /* the case the mail is about, or NULL */
	char *problem;    /* why no case can be trusted (references disagree), or NULL */
	int db_failed;    /* a lookup failed: nothing may run, the mail is read again later */
	GString *answer;  /* what the member is told, one line per fact */
};

/* ---- which case ---- */

/* Every existing case named in the subject, distinct, in order. */
static GPtrArray *subject_cases(struct gateway *gw, const char *subject, int *db_failed)
{
	GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);
	const char *prefix = gw->config->gateway.reference_prefix, *p = subject;
	char *ref;
	int64_t id;

	while (p != NULL && (ref = classify_find_reference(p, prefix)) != NULL) {
		const char *at = strcasestr(p, ref);
		int found = store_case_by_reference(gw->store, ref, &id);
		*db_failed |= found < 0;
		if (found == 1 &&
		    !g_ptr_array_find_with_equal_func(refs, ref, g_str_equal, NULL))
			g_ptr_array_add(refs, ref);
		else
			g_free(ref);
		p = at != NULL ? at + 1 : NULL;
	}
	return refs;
}

/* The case of one of our Message-IDs into refs, once. */
static void add_thread_case(struct gateway *gw, const char *mid, GPtrArray *refs,
			    int *db_failed)
{
	int64_t id;
	char *ref;
	int ret = mid != NULL ? store_case_by_sent_message_id(gw->store, mid, &id) : 0;

	if (ret == 1)
		ret = store_case_reference(gw->store, id, &ref);
	*db_failed |= ret < 0;
	if (ret != 1)
		return;
	if (g_ptr_array_find_with_equal_func(refs, ref, g_str_equal, NULL))
		g_free(ref);
	else
		g_ptr_array_add(refs, ref);
}

/* The cases whose mail the member's In-Reply-To and References name, distinct. */
static GPtrArray *thread_cases(struct gateway *gw, const struct mime_message *msg,
			       int *db_failed)
{
	GPtrArray *refs = g_ptr_array_new_with_free_func(g_free);

	add_thread_case(gw, msg->in_reply_to, refs, db_failed);
	for (char **r = msg->references; r != NULL && *r != NULL; r++)
		add_thread_case(gw, *r, refs, db_failed);
	return refs;
}

/* A #respond on the wrong case would disclose to the wrong person: when the subject, the
   thread and #case disagree, nothing runs. */
static void resolve_case(struct team_mail *tm)
{
	GPtrArray *subj = subject_cases(tm->gw, tm->in->msg->subject, &tm->db_failed);
	GPtrArray *thread = thread_cases(tm->gw, tm->in->msg, &tm->db_failed);
	const char *named = tm->block_ok ? tm->block.case_ref : NULL;
	const char *s = subj->len > 0 ? subj->pdata[0] : NULL;
	const char *t = thread->len > 0 ? thread->pdata[0] : NULL;
	int64_t id;
	int named_ret = named != NULL ? store_case_by_reference(tm->gw->store, named, &id) : 1;

	tm->db_failed |= named_ret < 0;
	if (named_ret == 0)
		tm->problem = g_strdup_printf("#case %s: there is no such case", named);
	else if (subj->len > 1)
		tm->problem = g_strdup_printf("the subject names two cases (%s and %s)", s,
					      (const char *)subj->pdata[1]);
	else if (thread->len > 1)
		tm->problem = g_strdup_printf("your mail replies to mail of two cases (%s and %s)",
					      t, (const char *)thread->pdata[1]);
	else if (named != NULL && ((s != NULL && strcmp(s, named) != 0) ||
				   (t != NULL && strcmp(t, named) != 0)))
		tm->problem = g_strdup_printf("#case %s, but your mail is about %s", named,
					      s != NULL && strcmp(s, named) != 0 ? s : t);
	else if (named == NULL && s != NULL && t != NULL && strcmp(s, t) != 0)
		tm->problem = g_strdup_printf("the subject names %s but your mail replies to mail "
					      "of %s", s, t);
	else
		tm->reference = g_strdup(named != NULL ? named : s != NULL ? s : t);
	g_ptr_array_free(subj, TRUE);
	g_ptr_array_free(thread, TRUE);
}

/* ---- commands ---- */

static void answer(struct team_mail *tm, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void answer(struct team_mail *tm, const char *fmt, ...)
{
	va_list ap;

	if (tm->answer->len > 0)
		g_string_append_c(tm->answer, '\n');
	va_start(ap, fmt);
	g_string_append_vprintf(tm->answer, fmt, ap);
	va_end(ap);
}

/* #help: what can be done on the case now. */
static void help(struct team_mail *tm)
{
	struct gateway_loaded l;
	char *list;

	if (gateway_case_load(tm->gw, tm->reference, &l, NULL) != 1) {
		gateway_loaded_clear(&l);
		answer(tm, "#help: %s cannot be read now", tm->reference);
		return;
	}
	list = gateway_commands_text(&l.rec);
	answer(tm, "#help: on %s (%s) you can use:\n%s", tm->reference,
	       case_state_name(l.rec.state), list);
	g_free(list);
	gateway_loaded_clear(&l);
}

/* The member's files, for #respond. 1, or 0 (*error_r: too large, unreadable). */
static int respond_files(struct team_mail *tm, struct mime_blob **blobs_r, size_t *n_r,
			 char **error_r)
{
	size_t max = (size_t)tm->gw->config->team.max_response_size;
	char *why = NULL;

	if (tm->in->msg->n_attachments == 0)
		return 1;
	if (mime_attachments_read_file(tm->in->path, MIME_FILES_ATTACHED, max, blobs_r, n_r,
				       &why))
		return 1;
	error_set(error_r, 0, "%s ([team] max_response_size is %zu bytes): nothing was sent",
		  why, max);
	g_free(why);
	return 0;
}

/* The requester was just sent a notice with today's dates (an extension, a response): the
   dates to compare with at the end are these. */
static void dates_told(struct team_mail *tm)
{
	gateway_loaded_clear(&tm->told);
	gateway_case_load(tm->gw, tm->reference, &tm->told, NULL);
	tm->date_reason = NULL;
}

/* Why the dates moved, in the one notice: identity or an answer to a question is what
   starts or restarts a clock, so it wins; otherwise the first reason given. */
static void note_date_reason(struct team_mail *tm, enum case_action action)
{
	const char *why = case_change_reason(action);

	if (why != NULL && (tm->date_reason == NULL || action == CASE_VERIFY_IDENTITY ||
			    action == CASE_CLARIFIED))
		tm->date_reason = why;
}

/* One action in its own savepoint: 1 done, 0 refused (undone), -1 temporary. A date it
   moves is told once for the whole mail (run_commands), not once per command. */
static int act(struct team_mail *tm, const struct case_command *cmd,
	       const struct mime_blob *files, size_t n_files, char **reply_r, char **error_r)
{
	struct store *store = tm->gw->store;
	int told = 0;
	struct gateway_act a = { .reference = tm->reference, .cmd = cmd,
				 .actor = tm->in->msg->from_addr, .files = files,
				 .n_files = n_files, .defer_date_notice = 1, .told_r = &told };
	int ret = store_savepoint(store, error_r);

	if (ret != 1)
		return -1;
	ret = gateway_case_act(tm->gw, &a, reply_r, error_r);
	if (ret == 1 && store_savepoint_release(store, error_r) == 1) {
		if (told)
			dates_told(tm);
		return 1;
	}
	store_savepoint_rollback(store);
	return ret == 1 ? -1 : ret;
}

/* One "#name args" line. 1 done, 0 refused (the member is told, the rest do not run), -1
   temporary. *used_rest_r: it took the text below for the requester. */
static int run_one(struct team_mail *tm, const struct team_command *tc, const GDate *today,
		   int *used_rest_r)
{
	struct case_email e;
	struct mime_blob *files = NULL;
	size_t n_files = 0;
	char *error = NULL, *reply = NULL;
	int ret;

	if (strcmp(tc->name, "help") == 0) {
		help(tm);
		return 1;
	}
	if (!case_email_parse(tc->name, tc->args, tm->block.rest, today, &e, &error)) {
		answer(tm, "#%s: not done: %s", tc->name, error);
		g_free(error);
		return 0;
	}
	ret = e.cmd.action != CASE_RESPOND || respond_files(tm, &files, &n_files, &error);
	if (ret == 1)
		ret = act(tm, &e.cmd, files, n_files, &reply, &error);
	if (ret == 1) {
		answer(tm, "#%s: done. %s", tc->name, reply);
		*used_rest_r |= case_email_uses_rest(e.cmd.action);
		note_date_reason(tm, e.cmd.action);
	} else if (ret == 0) {
		answer(tm, "#%s: not done: %s", tc->name, error);
	}
	mime_blobs_free(&files, n_files);
	case_email_clear(&e);
	g_free(reply);
	g_free(error);
	return ret;
}

/* Whatever the member wrote below the commands that no command sends on is an internal note
   on the case, never mail to the requester. */
static int keep_note(struct team_mail *tm, const char *text)
{
	struct case_command note = { .action = CASE_NOTE };
	char *clean = pd_utf8_clean(text, PD_MAX_CASE_TEXT, 1), *reply = NULL, *error = NULL;
	int ret;

	g_date_clear(&note.on, 1);
	note.text = clean;
	ret = act(tm, &note, NULL, 0, &reply, &error);
	if (ret == 1)
		answer(tm, "The text below your commands was kept as an internal note%s.",
		       strlen(text) > strlen(clean) ? " (shortened; the whole mail is on the case)" :
		       "");
	else if (ret == 0)
		answer(tm, "The text below your commands could not be kept as a note: %s", error);
	g_free(clean);
	g_free(reply);
	g_free(error);
	return ret < 0 ? -1 : 1;
}

/* The one notice the requester gets when the mail's commands moved a date they were told
   (several in one mail would arrive in the same second). */
static int tell_dates(struct team_mail *tm)
{
	char *error = NULL;
	int ret;

	if (tm->date_reason == NULL)
		return 1;
	ret = gateway_case_date_notice(tm->gw, tm->reference, &tm->told.d, tm->date_reason,
				       &error);
	if (ret == 0)
		answer(tm, "The requester could not be told the new date: %s", error);
	g_free(error);
	return ret < 0 ? -1 : 1;
}

/* Every command in order; the first refusal stops the rest, and the answer says which ran.
   The text below the commands is kept as a note whatever ran (it may be the internal
   reasons of a restriction), unless a command sent it to the requester. */
static int run_commands(struct team_mail *tm)
{
	int used_rest = 0, ret;
	size_t i;
	GDate today;

	pd_london_day(pd_now(), &today);
	ret = gateway_case_load(tm->gw, tm->reference, &tm->told, NULL) < 0 ? -1 : 1;
	for (i = 0; i < tm->block.n && ret == 1; i++)
		ret = run_one(tm, &tm->block.cmds[i], &today, &used_rest);
	if (ret == 0 && i < tm->block.n)
		answer(tm, "Not run, because of the refusal above: %zu later command(s).",
		       tm->block.n - i);
	if (ret == 0 && i > 1)
		answer(tm, "The %zu command(s) before it were done.", i - 1);
	if (ret >= 0 && !used_rest && *tm->block.rest != '\0')
		ret = keep_note(tm, tm->block.rest);
	if (ret >= 0)
		ret = tell_dates(tm);
	gateway_loaded_clear(&tm->told);
	return ret;
}

/* ---- the mail itself ---- */

struct alert {
	const char *reference, *what, *in_reply_to;
};

static int tell_alert(struct gateway *gw, void *ctx, char **error_r)
{
	const struct alert *a = ctx;
	return gateway_team_alert(gw, a->reference, a->what, a->in_reply_to, error_r);
}

/* A member's mail that our MTA did not authenticate: perhaps a forgery. It runs nothing, is
   kept on its case marked as such (or without a case), and the team is told. */
static int suspect(struct team_mail *tm, const char *why, int64_t *row_r, char **error_r)
{
	struct intake *in = tm->in;
	char *detail = g_strdup_printf("mail from the team address %s failed authentication (%s): "
				       "nothing in it was run", in->msg->from_addr, why);
	int64_t id = 0;
	int ret;

	log_warn("%s%s", detail, tm->reference != NULL ? "" : " (it names no case)");
	if (tm->reference != NULL &&
	    store_case_by_reference(tm->gw->store, tm->reference, &id) < 0)
		return error_set(error_r, -1, "store: case %s not read", tm->reference);
	/* Not the team's until proven: never a command, never the team's word on the case. */
	in->case_id = id;
	in->from_team = 0;
	ret = gateway_intake_store(tm->gw, in, row_r, error_r);
	if (ret == 1 && id != 0)
		ret = store_event_add(tm->gw->store, id, "gateway", "possible_forgery", detail,
				      error_r);
	if (ret == 1) {
		struct alert a = { tm->reference, detail, in->msg->message_id };
		ret = gateway_tell_team(tm->gw, id, tell_alert, &a, error_r);
	}
	g_free(detail);
	return ret;
}

/* The answer to the member: threaded to their mail, the case's reference in the subject. */
static int answer_member(struct gateway *gw, void *ctx, char **error_r)
{
	struct team_mail *tm = ctx;
	const char *extra[] = { "text", tm->answer->str, NULL };
	struct gateway_team_notice t = { .name = "team_reply", .extra = extra,
					 .rcpt = tm->in->msg->from_addr,
					 .in_reply_to = tm->in->msg->message_id };

	if (tm->reference == NULL)
		return gateway_team_notice(gw, &t, error_r);
	return gateway_case_team_notice(gw, tm->reference, &t, error_r);
}

/* Store the member's mail on its case, then run, or say why not. */
static int command_mail(struct team_mail *tm, int64_t *row_r, char **error_r)
{
	struct intake *in = tm->in;
	int ret;

	in->from_team = 1;
	in->case_id = 0;
	if (tm->reference != NULL &&
	    store_case_by_reference(tm->gw->store, tm->reference, &in->case_id) < 0)
		return error_set(error_r, -1, "store: case %s not read", tm->reference);
	if ((ret = gateway_intake_store(tm->gw, in, row_r, error_r)) != 1)
		return ret;
	if (!tm->block_ok)
		answer(tm, "Nothing was done: %s", tm->block_error);
	else if (tm->problem != NULL)
		answer(tm, "Nothing was done: %s. Reply to a mail of the one case, or write "
		       "#case REF as the first line.", tm->problem);
	else if (tm->reference == NULL)
		answer(tm, "Nothing was done: your mail names no case. Reply to a mail of the case, "
		       "or write #case REF as the first line.");
	else if ((ret = run_commands(tm)) != 1)
		return ret;
	return gateway_tell_team(tm->gw, in->case_id, answer_member, tm, error_r);
}

/* A plain reply of the team on a case: its new text is an internal note. */
static int plain_reply(struct team_mail *tm, int64_t *row_r, char **error_r)
{
	struct intake *in = tm->in;
	int ret;

	in->from_team = 1;
	if (store_case_by_reference(tm->gw->store, tm->reference, &in->case_id) < 0)
		return error_set(error_r, -1, "store: case %s not read", tm->reference);
	ret = gateway_intake_store(tm->gw, in, row_r, error_r);
	if (ret == 1 && tm->block_ok && *tm->block.rest != '\0')
		ret = keep_note(tm, tm->block.rest);
	return ret;
}

/* A member writing about their own request (a staff SAR) is its requester there: nothing
   runs, and the reply is raised like anyone's (its commands recorded as a non-member's). */
static int own_case(struct team_mail *tm)
{
	struct store_case c;
	int own = 0, ret = tm->reference != NULL ?
			       store_case_load(tm->gw->store, tm->reference, &c, NULL) : 0;

	tm->db_failed |= ret < 0;
	if (ret == 1) {
		own = c.requester_addr != NULL && tm->in->msg->from_addr != NULL &&
		      g_ascii_strcasecmp(c.requester_addr, tm->in->msg->from_addr) == 0;
		store_case_clear(&c);
	}
	return own;
}

static void team_mail_clear(struct team_mail *tm)
{
	if (tm->block_ok)
		team_block_clear(&tm->block);
	g_free(tm->block_error);
	g_free(tm->reference);
	g_free(tm->problem);
	g_string_free(tm->answer, TRUE);
}

int gateway_team_mail(struct gateway *gw, struct intake *in, int64_t *row_r, char **error_r)
{
	struct team_mail tm = { .gw = gw, .in = in, .answer = g_string_new(NULL) };
	const struct config *cfg = gw->config;
	enum team_auth method = TEAM_AUTH_DKIM;
	char *text = mime_reply_new_text(in->msg->body_text != NULL ? in->msg->body_text : "", 0);
	char *why = NULL;
	int commands, own, ret;

	tm.block_ok = team_block_parse(text, cfg->gateway.reference_prefix, &tm.block,
				       &tm.block_error);
	commands = !tm.block_ok || tm.block.n > 0 || tm.block.case_ref != NULL;
	resolve_case(&tm);
	own = own_case(&tm);
	if (tm.db_failed) {
		/* Which case a command is for is unknown: run nothing now, read it again later. */
		ret = error_set(error_r, -1, "store: the cases this mail names could not be read");
		goto out;
	}
	team_auth_parse(cfg->team.require_auth, &method);
	g_free(in->auth);
	in->auth = team_auth_check(in->msg, cfg->team.authserv_id, method, &why) ?
		   g_strdup("pass") : g_strdup_printf("fail: %s", why);
	if ((!commands && tm.reference == NULL && tm.problem == NULL) || own)
		ret = gateway_intake_as_anyone(gw, in, row_r, error_r); /* staff make requests */
	else if (strcmp(in->auth, "pass") != 0)
		ret = suspect(&tm, why, row_r, error_r);
	else if (commands)
		ret = command_mail(&tm, row_r, error_r);
	else
		ret = tm.problem != NULL ? command_mail(&tm, row_r, error_r) :
		      plain_reply(&tm, row_r, error_r);
out:
	g_free(why);
	g_free(text);
	team_mail_clear(&tm);
	return ret;
}

int gateway_note_stray_commands(struct gateway *gw, const struct intake *in, char **error_r)
{
	struct team_block block;
	char *text = mime_reply_new_text(in->msg->body_text != NULL ? in->msg->body_text : "", 0);
	char *error = NULL;
	int ret = 1;

	if (team_block_parse(text, gw->config->gateway.reference_prefix, &block, &error)) {
		if (block.n > 0)
			ret = store_event_add(gw->store, in->case_id, "gateway",
					      "commands_from_non_member", in->msg->from_addr,
					      error_r);
		team_block_clear(&block);
	}
	g_free(error);
	g_free(text);
	return ret;
}
