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

/* What a team member would type with the action, shown as such. */
static void sample_command(struct case_command *cmd, const struct case_env *env)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->action = CASE_NOTE;
	cmd->text = "[the reason the team member gives]";
	cmd->ground = CASE_GROUND_EXCESSIVE;
	cmd->on = env->today;
	g_date_add_days(&cmd->on, 14);
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
		   const struct store_case *c, const struct case_record *rec, char **raw_r,
		   size_t *len_r, char **error_r)
{
	const char *team = gw->config->gateway.team != NULL ? gw->config->gateway.team[0] : NULL;
	int to_team = strcmp(p->name, "team_new_case") == 0;
	struct case_command cmd;
	struct case_deadlines d;
	int ret;

	sample_command(&cmd, gateway_env(gw));
	if ((ret = case_deadlines_compute(gateway_env(gw), rec, &d, error_r)) == 1) {
		GHashTable *vars = gateway_notice_values(gw, c, rec, &d, &cmd);
		struct gateway_notice n = {
			.name = p->name, .case_id = c->id, .reference = c->reference,
			.rcpt = to_team ? (team != NULL && *team != '\0' ? team :
					   "team@example.invalid") : c->requester_addr,
			.to_name = to_team ? NULL : c->requester_name, .vars = vars,
			.child = p->child || c->child,
		};
		if (strcmp(p->name, "clarification_request") == 0)
			g_hash_table_insert(vars, "question",
					    g_strdup("[the question the team member asks]"));
		ret = gateway_preview_notice(gw, &n, raw_r, len_r, error_r);
		g_hash_table_unref(vars);
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
	if (p->reference != NULL)
		ret = load_real(gw, p->reference, &c, &rec, error_r);
	else
		sample_case(gw, (enum clock_regime)p->regime, p->child, &c, &rec);
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
