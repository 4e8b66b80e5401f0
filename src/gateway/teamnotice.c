/* gateway/teamnotice: the notices that go to the disclosure team rather than to a requester:
   a new case, a requester's reply raised at once, a notice that failed, a possible forgery,
   and the answer to a member's command mail. They may show the requester's details and
   words: they go only to the team's own addresses. */
#include "gateway-private.h"

#include <string.h>

/* Values for a notice with no case (the answer to commands that named none). */
static GHashTable *caseless_values(const struct gateway *gw)
{
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	g_hash_table_insert(vars, "team_name", g_strdup(gw->config->smtp.from_name));
	g_hash_table_insert(vars, "reply_address", g_strdup(gw->config->smtp.from));
	g_hash_table_insert(vars, "commands_text", gateway_commands_text(NULL));
	return vars;
}

int gateway_team_notice(struct gateway *gw, const struct gateway_team_notice *t, char **error_r)
{
	const struct gateway_facts *f = t->facts;
	GHashTable *vars = f != NULL ? gateway_notice_values(gw, f) : caseless_values(gw);
	GHashTable *lists = f != NULL ? gateway_notice_lists(gw, f) : NULL;
	int ret;

	for (const char *const *e = t->extra; e != NULL && e[0] != NULL; e += 2)
		g_hash_table_insert(vars, (gpointer)e[0], g_strdup(e[1] != NULL ? e[1] : ""));
	struct gateway_notice n = {
		.name = t->name, .case_id = f != NULL ? f->c->id : 0,
		.reference = f != NULL ? f->c->reference : NULL, .rcpt = t->rcpt,
		.in_reply_to = t->in_reply_to, .references = t->references, .vars = vars,
		.lists = lists, .files = t->files, .n_files = t->n_files,
	};
	ret = gateway_queue_notice(gw, &n, error_r);
	g_hash_table_unref(vars);
	if (lists != NULL)
		g_hash_table_unref(lists);
	return ret;
}

int gateway_team_notify(struct gateway *gw, const struct gateway_team_notice *t, char **error_r)
{
	struct gateway_team_notice each = *t;
	int ret = 1;

	for (char **a = gw->config->team.notify; ret == 1 && a != NULL && *a != NULL; a++) {
		each.rcpt = *a;
		ret = gateway_team_notice(gw, &each, error_r);
	}
	return ret;
}

/* ---- telling the team never undoes the mail ---- */

int gateway_tell_team(struct gateway *gw, int64_t case_id, gateway_tell_fn *fn, void *ctx,
		      char **error_r)
{
	char *why = NULL;
	int ret;

	if (store_savepoint(gw->store, error_r) != 1)
		return -1;
	ret = fn(gw, ctx, &why);
	if (ret == 1) {
		g_free(why);
		return store_savepoint_release(gw->store, error_r) == 1 ? 1 : -1;
	}
	/* The step's own writes go; the mail and what was done with it stay. */
	store_savepoint_rollback(gw->store);
	if (ret < 0) {
		error_set(error_r, -1, "%s", why != NULL ? why : "database busy");
		g_free(why);
		return -1;
	}
	log_warn("the team could not be told: %s", why != NULL ? why : "?");
	ret = case_id == 0 ? 1 : store_event_add(gw->store, case_id, "gateway", "team_not_told",
						 why != NULL ? why : "?", error_r);
	g_free(why);
	return ret;
}

/* ---- a case's values ---- */

int gateway_case_team_notice(struct gateway *gw, const char *reference,
			     const struct gateway_team_notice *t, char **error_r)
{
	struct gateway_loaded l;
	int ret = gateway_case_load(gw, reference, &l, error_r);

	if (ret == 1) {
		struct gateway_facts f = { .c = &l.c, .rec = &l.rec, .d = &l.d, .to_team = 1 };
		struct gateway_team_notice with = *t;
		with.facts = &f;
		ret = gateway_team_notice(gw, &with, error_r);
	}
	gateway_loaded_clear(&l);
	return ret;
}

int gateway_team_alert(struct gateway *gw, const char *reference, const char *what,
		       const char *in_reply_to, char **error_r)
{
	struct gateway_loaded l;
	int ret;

	if (reference == NULL) {
		const char *extra[] = { "text", what, NULL };
		struct gateway_team_notice t = { .name = "team_alert", .extra = extra,
						 .in_reply_to = in_reply_to };
		return gateway_team_notify(gw, &t, error_r);
	}
	ret = gateway_case_load(gw, reference, &l, error_r);

	if (ret == 1) {
		struct gateway_facts f = { .c = &l.c, .rec = &l.rec, .d = &l.d, .to_team = 1 };
		const char *extra[] = { "text", what, NULL };
		struct gateway_team_notice t = { .facts = &f, .name = "team_alert", .extra = extra,
						 .in_reply_to = in_reply_to };
		ret = gateway_team_notify(gw, &t, error_r);
	}
	gateway_loaded_clear(&l);
	return ret;
}

/* ---- a requester's reply, raised at once ---- */

/* What the reply probably is, from the case's state and the classifier: a guess for the
   team, who confirm with a command; pdgate never changes a clock on it. */
static const char *probably(const struct store_case *c, const struct intake *in)
{
	enum case_state state = CASE_OPEN;

	case_state_parse(c->state, &state);
	if (in->cls.withdrawal)
		return "a withdrawal of the request: confirm with #withdraw";
	if (case_state_is_end(state))
		return "a reply to a case that has ended: possibly a complaint or a request for an "
		       "internal review (#reopen REASON, or a new case)";
	if (state == CASE_AWAITING_IDENTITY)
		return in->msg->n_attachments > 0 ?
		       "identity documents: check them, then #verified" :
		       "about the proof of identity we asked for (no file attached)";
	if (state == CASE_AWAITING_CLARIFICATION)
		return "the answer to your question: #clarified once it is enough";
	if (in->cls.kinds & CASE_KIND_BIT(CLOCK_KIND_COMPLAINT))
		return "a complaint: a new case, or #kinds on this one";
	return "a message from the requester";
}

/* The requester's files, attached when they fit in max_response_size; else listed. */
static void reply_files(struct gateway *gw, const struct intake *in, struct mime_blob **blobs_r,
			size_t *n_r, char **listed_r)
{
	char *error = NULL;

	*listed_r = NULL;
	if (in->msg->n_attachments == 0 ||
	    mime_attachments_read_file(in->path, MIME_FILES_LISTED,
				       (size_t)gw->config->team.max_response_size,
				       blobs_r, n_r, &error))
		return;
	GString *s = g_string_new("Not attached (");
	g_string_append_printf(s, "%s): ", error);
	for (size_t i = 0; i < in->msg->n_attachments; i++) {
		const struct mime_attachment *a = &in->msg->attachments[i];
		g_string_append_printf(s, "\n- %s (%s, %zu KB)", a->filename != NULL ? a->filename :
				       "(no name)", a->content_type, (a->size + 1023) / 1024);
	}
	*listed_r = g_string_free(s, FALSE);
	g_free(error);
}

int gateway_raise_reply(struct gateway *gw, const struct intake *in, char **error_r)
{
	struct gateway_loaded l;
	struct mime_blob *blobs = NULL;
	size_t n = 0;
	char *text = NULL, *listed = NULL, *files = NULL, *reference = NULL;
	int ret;

	memset(&l, 0, sizeof(l));
	if ((ret = store_case_reference(gw->store, in->case_id, &reference)) != 1)
		return error_set(error_r, ret < 0 ? -1 : 0, "case %" G_GINT64_FORMAT " not found", in->case_id);
	if ((ret = gateway_case_load(gw, reference, &l, error_r)) == 1) {
		struct gateway_facts f = { .c = &l.c, .rec = &l.rec, .d = &l.d, .to_team = 1 };
		text = mime_reply_new_text(in->msg->body_text != NULL ? in->msg->body_text : "",
					   MIME_REPLY_NO_SIGNATURE);
		reply_files(gw, in, &blobs, &n, &listed);
		files = listed != NULL ? g_strdup(listed) : gateway_files_text(blobs, n);
		const char *extra[] = { "text", text, "probably_text", probably(&l.c, in),
					"attachments_text", files, NULL };
		struct gateway_team_notice t = { .facts = &f, .name = "team_case_reply",
						 .extra = extra, .in_reply_to = in->msg->message_id,
						 .files = blobs, .n_files = n };
		ret = gateway_team_notify(gw, &t, error_r);
	}
	mime_blobs_free(&blobs, n);
	g_free(files);
	g_free(text);
	g_free(listed);
	g_free(reference);
	gateway_loaded_clear(&l);
	return ret;
}
