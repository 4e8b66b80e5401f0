/* gateway/notice-decisions: the placeholders of the decision notices (FOI and EIR refusals,
   neither confirm nor deny, a partial answer, fees): the provisions cited with their titles
   from rules/exemptions.tsv, the public interest reasons, the cost limit, the fee. The
   internal reasons of a decision are never among them. */
#include "gateway-private.h"

#include <string.h>

static void put(GHashTable *vars, const char *name, char *value)
{
	g_hash_table_insert(vars, (gpointer)name, value != NULL ? value : g_strdup(""));
}

static char *pounds(int64_t pence)
{
	if (pence <= 0)
		return NULL;
	if (pence % 100 == 0)
		return g_strdup_printf("\xc2\xa3%" G_GINT64_FORMAT, pence / 100);
	return g_strdup_printf("\xc2\xa3%" G_GINT64_FORMAT ".%02d", pence / 100,
			       (int)(pence % 100));
}

/* The last day a fee can be paid: the period of three months beginning with the day of
   its notice (FOIA s9(2)). */
static char *fee_last_day(const struct case_record *rec)
{
	GDate last = rec->fee_on;

	if (!g_date_valid(&last))
		return NULL;
	g_date_add_months(&last, 3);
	g_date_subtract_days(&last, 1);
	return clock_date_long(&last);
}

/* Whether any provision the command cites is qualified (a public interest test). */
static int any_qualified(const struct case_exemptions *x, enum case_law law,
			 const char *canonical)
{
	char **cited = g_strsplit(canonical != NULL ? canonical : "", ",", -1);
	int qualified = 0;

	for (char **c = cited; *c != NULL && **c != '\0'; c++) {
		const struct case_exemption *e = case_exemption_find(x, law, *c);
		qualified |= e != NULL && e->qualified;
	}
	g_strfreev(cited);
	return qualified;
}

void gateway_decision_values(GHashTable *vars, const struct gateway *gw,
			     const struct gateway_facts *f)
{
	const struct case_command *cmd = f->cmd;
	const struct case_exemptions *x = gateway_env((struct gateway *)gw)->exemptions;
	const struct config *c = gw->config;
	int ncnd = cmd != NULL && (cmd->action == CASE_NCND || cmd->ncnd);

	put(vars, "public_interest", g_strdup(cmd != NULL ? cmd->public_interest : NULL));
	put(vars, "advice", g_strdup(cmd != NULL ? cmd->advice : NULL));
	put(vars, "restriction_reason", g_strdup(cmd != NULL ? cmd->restriction_reason : NULL));
	put(vars, "exceptions", cmd != NULL && cmd->exceptions != NULL ?
	    case_exceptions_words(cmd->exceptions) : NULL);
	put(vars, "ncnd", g_strdup(ncnd ? "yes" : ""));
	put(vars, "repeated", g_strdup(cmd != NULL && cmd->repeated ? "yes" : ""));
	put(vars, "qualified", g_strdup(cmd != NULL &&
		(any_qualified(x, CASE_LAW_FOIA, cmd->exemptions) ||
		 any_qualified(x, CASE_LAW_EIR, cmd->exceptions)) ? "yes" : ""));
	put(vars, "cost_limit", g_strdup_printf("\xc2\xa3%d", c->fees.foi_cost_limit));
	put(vars, "cost_rate", g_strdup_printf("\xc2\xa3%d", c->fees.foi_hourly_rate));
	put(vars, "cost_hours", g_strdup_printf("%d", c->fees.foi_cost_limit /
						c->fees.foi_hourly_rate));
	put(vars, "fee_amount", pounds(cmd != NULL && cmd->fee_pence > 0 ? cmd->fee_pence :
				       f->rec->fee_pence));
	put(vars, "fee_how_to_pay", g_strdup(c->fees.how_to_pay));
	put(vars, "fee_last_day", fee_last_day(f->rec));
}

static GHashTable *cited_row(const struct case_exemptions *x, enum case_law law,
			     const char *provision)
{
	GHashTable *row = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
	const struct case_exemption *e = case_exemption_find(x, law, provision);
	int foia = law == CASE_LAW_FOIA;

	g_hash_table_insert(row, "provision", g_strdup_printf("%s %s", foia ? "section" :
							      "regulation",
							      provision + (provision[0] == 's')));
	g_hash_table_insert(row, "title", g_strdup(e != NULL ? e->title : ""));
	g_hash_table_insert(row, "qualified", g_strdup(e != NULL && e->qualified ? "yes" : ""));
	return row;
}

static void add_cited(GPtrArray *rows, const struct case_exemptions *x, enum case_law law,
		      const char *canonical)
{
	char **cited = g_strsplit(canonical != NULL ? canonical : "", ",", -1);

	for (char **c = cited; *c != NULL && **c != '\0'; c++)
		g_ptr_array_add(rows, cited_row(x, law, *c));
	g_strfreev(cited);
}

GPtrArray *gateway_cited_rows(const struct gateway *gw, const struct gateway_facts *f)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	const struct case_exemptions *x = gateway_env((struct gateway *)gw)->exemptions;

	if (f->cmd != NULL) {
		add_cited(rows, x, CASE_LAW_FOIA, f->cmd->exemptions);
		add_cited(rows, x, CASE_LAW_EIR, f->cmd->exceptions);
	}
	return rows;
}
