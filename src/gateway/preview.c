/* gateway/preview: what a notice would look like, for an admin editing templates: the exact
   message for a real case, or for a sample one. Nothing is stored or sent. */
#include "gateway-private.h"

#include <string.h>

/* A made-up case that exercises most placeholders: a Part 3 (or UK GDPR) access request
   received today, identity known, open. */
static void sample_case(struct gateway *gw, enum clock_regime regime, int child,
			struct store_case *c, struct case_record *rec)
{
	memset(c, 0, sizeof(*c));
	memset(rec, 0, sizeof(*rec));
	c->received = pd_now();
	c->reference = g_strdup_printf("%s-%04d-000123", gw->config->gateway.reference_prefix,
				       gateway_year(c->received));
	c->requester_addr = g_strdup("alex.sample@example.org");
	c->requester_name = g_strdup("Alex Sample");
	c->subject = g_strdup("Subject access request");
	c->child = child;
	rec->state = CASE_OPEN;
	rec->kinds = CASE_KIND_BIT(CLOCK_KIND_ACCESS);
	rec->regime = regime;
	pd_london_day(c->received, &rec->received);
	rec->identity_on = rec->received;
	g_date_clear(&rec->restart_on, 1);
	g_date_clear(&rec->extended_on, 1);
}

/* The action that sends each notice (the others are automatic). */
static enum case_action action_of(const char *notice)
{
	static const struct { const char *notice; enum case_action action; } map[] = {
		{ "identity_request", CASE_REQUEST_IDENTITY },
		{ "clarification_request", CASE_CLARIFY },
		{ "extension_notice", CASE_EXTEND },
		{ "restriction_notice", CASE_RESTRICT },
		{ "refusal_notice", CASE_REFUSE },
		{ "no_action_notice", CASE_NO_ACTION },
		{ "restriction_lift_notice", CASE_LIFT_RESTRICTION },
		{ "response_cover", CASE_RESPOND },
		{ "withdrawal_confirmation", CASE_WITHDRAW },
		{ "redirect_notice", CASE_REDIRECT },
		{ "clock_started", CASE_VERIFY_IDENTITY },
		{ "deadline_changed", CASE_CLARIFIED },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(map); i++) {
		if (strcmp(map[i].notice, notice) == 0)
			return map[i].action;
	}
	return CASE_NOTE;
}

/* What a team member would type with the action, shown as such. */
static void sample_command(const char *notice, struct case_command *cmd,
			   const struct case_env *env)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->action = action_of(notice);
	cmd->text = cmd->action == CASE_CLARIFY ? "[the question the team member asks]" :
		    "[the reason the team member gives]";
	cmd->ground = CASE_GROUND_EXCESSIVE;
	cmd->redirect = cmd->action == CASE_REDIRECT ? CASE_REDIRECT_OTHER : CASE_REDIRECT_NONE;
	cmd->on = env->today;
	g_date_add_days(&cmd->on, 14);
}


/* The extension notice shows the extended date: preview it as if extended today. */
static void as_if_extended(const char *notice, const struct case_env *env,
			   struct case_record *rec)
{
	if (strcmp(notice, "extension_notice") == 0 && !g_date_valid(&rec->extended_on))
		rec->extended_on = env->today;
}

static int load_real(struct gateway *gw, const char *reference, struct store_case *c,
		     struct case_record *rec, char **error_r)
{
	int ret = store_case_load(gw->store, reference, c, error_r);
	if (ret == 1)
		ret = case_record_from_store(c, rec, error_r);
	return ret;
}

static int preview(struct gateway *gw, const struct gateway_preview *p,
		   const struct store_case *c, struct case_record *rec, char **raw_r,
		   size_t *len_r, char **error_r)
{
	const char *team = gw->config->team.notify != NULL ? gw->config->team.notify[0] : NULL;
	int to_team = g_str_has_prefix(p->name, "team_");
	struct case_command cmd;
	struct case_deadlines d;
	int ret;

	sample_command(p->name, &cmd, gateway_env(gw));
	if ((ret = case_deadlines_compute(gateway_env(gw), rec, &d, error_r)) == 1) {
		struct gateway_facts f = { .c = c, .rec = rec, .d = &d, .cmd = &cmd,
					   .change_reason = case_change_reason(cmd.action),
					   .to_team = to_team };
		GHashTable *vars = gateway_notice_values(gw, &f);
		GHashTable *lists = gateway_notice_lists(gw, &f);
		struct gateway_notice n = {
			.name = p->name, .case_id = c->id, .reference = c->reference,
			.rcpt = to_team ? (team != NULL && *team != '\0' ? team :
					   "team@example.invalid") : c->requester_addr,
			.to_name = to_team ? NULL : c->requester_name, .vars = vars,
			.lists = lists,
			.child = p->child || c->child,
		};
		ret = gateway_preview_notice(gw, &n, raw_r, len_r, error_r);
		g_hash_table_unref(vars);
		g_hash_table_unref(lists);
	}
	case_deadlines_clear(&d);
	return ret;
}

int gateway_render_notice(struct gateway *gw, const struct gateway_preview *p, char **raw_r,
			  size_t *len_r, char **error_r)
{
	struct store_case c;
	struct case_record rec;
	int ret = 1;

	memset(&rec, 0, sizeof(rec));
	memset(&c, 0, sizeof(c));
	if (!g_strv_contains(gateway_notice_names, p->name))
		return error_set(error_r, 0, "no notice %s", p->name);
	/* About many cases or none: rendered from the database as they would be sent (the
	   caller opened it). */
	if (strcmp(p->name, "team_digest") == 0)
		return gateway_digest_preview(gw, raw_r, len_r, error_r);
	if (strcmp(p->name, "team_report") == 0)
		return gateway_report_preview(gw, raw_r, len_r, error_r);
	if (p->reference != NULL)
		ret = load_real(gw, p->reference, &c, &rec, error_r);
	else
		sample_case(gw, (enum clock_regime)p->regime, p->child, &c, &rec);
	if (ret == 1)
		as_if_extended(p->name, gateway_env(gw), &rec);
	if (ret == 1 && c.requester_addr == NULL)
		ret = error_set(error_r, 0, "case %s has no reply address", c.reference);
	if (ret == 1)
		ret = preview(gw, p, &c, &rec, raw_r, len_r, error_r);
	case_record_clear(&rec);
	store_case_clear(&c);
	return ret;
}

char **gateway_template_names(struct gateway *gw)
{
	GList *keys = g_list_sort(g_hash_table_get_keys(gw->templates), (GCompareFunc)strcmp);
	GPtrArray *names = g_ptr_array_new();

	for (GList *k = keys; k != NULL; k = k->next)
		g_ptr_array_add(names, g_strdup(k->data));
	g_ptr_array_add(names, NULL);
	g_list_free(keys);
	return (char **)g_ptr_array_free(names, FALSE);
}
