/* lifecycle/record: a case record to and from the text the store keeps. No I/O: the store
   reads and writes the row. */
#include "lifecycle-private.h"
#include "store.h"

#include <string.h>

static int parse_day(const char *text, GDate *day, const char *what, char **error_r)
{
	g_date_clear(day, 1);
	if (text == NULL || *text == '\0')
		return 1;
	if (clock_date_parse(text, day))
		return 1;
	return error_set(error_r, 0, "stored %s is not a date: %s", what, text);
}

int case_record_from_store(const struct store_case *c, struct case_record *rec,
			   char **error_r)
{
	memset(rec, 0, sizeof(*rec));
	pd_london_day(c->received, &rec->received);
	rec->kinds = c->kinds_mask & ((1u << CLOCK_KIND_OTHER) - 1);
	if (!case_state_parse(c->state, &rec->state))
		return error_set(error_r, 0, "%s: unknown state %s", c->reference, c->state);
	if (!clock_regime_parse(c->regime, &rec->regime) || rec->regime == CLOCK_REGIME_ANY)
		return error_set(error_r, 0, "%s: unknown regime %s", c->reference, c->regime);
	if (c->complaint_type != NULL && !clock_complaint_parse(c->complaint_type, &rec->complaint))
		return error_set(error_r, 0, "%s: unknown complaint type %s", c->reference,
				 c->complaint_type);
	if (!parse_day(c->identity_on, &rec->identity_on, "identity day", error_r) ||
	    !parse_day(c->restart_on, &rec->restart_on, "restart day", error_r) ||
	    !parse_day(c->extended_on, &rec->extended_on, "extension day", error_r) ||
	    !parse_day(c->reopened_on, &rec->reopened_on, "reopening day", error_r) ||
	    !parse_day(c->fee_on, &rec->fee_on, "fee day", error_r) ||
	    !parse_day(c->fee_paid_on, &rec->fee_paid_on, "fee payment day", error_r))
		return 0;
	rec->fee_pence = c->fee_pence;
	if (!case_stops_parse(c->stops, rec))
		return error_set(error_r, 0, "%s: stored stops not understood: %s", c->reference,
				 c->stops);
	return 1;
}

static void set_day(char **field, const GDate *day)
{
	char buf[11];
	g_free(*field);
	*field = g_date_valid(day) ? g_strdup(clock_date_iso(day, buf)) : NULL;
}

void case_record_to_store(const struct case_record *rec, struct store_case *c)
{
	g_free(c->state);
	c->state = g_strdup(case_state_name(rec->state));
	g_free(c->regime);
	c->regime = g_strdup(clock_regime_name(rec->regime));
	g_free(c->kinds);
	c->kinds = case_kinds_string(rec->kinds);
	c->kinds_mask = rec->kinds;
	g_free(c->complaint_type);
	c->complaint_type = g_strdup(clock_complaint_name(rec->complaint));
	set_day(&c->identity_on, &rec->identity_on);
	set_day(&c->restart_on, &rec->restart_on);
	set_day(&c->extended_on, &rec->extended_on);
	set_day(&c->reopened_on, &rec->reopened_on);
	set_day(&c->fee_on, &rec->fee_on);
	set_day(&c->fee_paid_on, &rec->fee_paid_on);
	c->fee_pence = rec->fee_pence;
	g_free(c->stops);
	c->stops = case_stops_format(rec->stops);
}
