/* lifecycle/names: the names of states, actions, grounds and kinds, in files, on the command
   line and in notices; a case's stops as text (how the store keeps them). */
#include "lifecycle-private.h"

#include <string.h>

static const char *const state_names[CASE_STATE_COUNT] = {
	"awaiting_identity", "awaiting_clarification", "open", "extended", "awaiting_fee",
	"responded", "refused", "withdrawn", "closed",
};
static const char *const action_names[CASE_ACTION_COUNT] = {
	"verify-identity", "request-identity", "clarify", "clarified", "set-regime", "set-kinds",
	"extend", "restrict", "refuse", "respond", "withdraw", "close", "note", "no-action",
	"lift-restriction", "set-complaint-type", "redirect", "assign", "reopen",
	"refuse-foi", "cost-limit", "vexatious", "refuse-eir", "ncnd", "refuse-rectification",
	"refuse-erasure", "restrict-instead-of-erase", "fee", "fee-paid", "fee-unpaid",
};
static const char *const ground_names[] = { "none", "manifestly_unfounded", "excessive" };
static const char *const outcome_names[CASE_OUTCOME_COUNT] = { "none", "full", "part",
							     "not_held" };
static const char *const redirect_names[CASE_REDIRECT_COUNT] = {
	"none", "emergency", "crime", "conduct", "acro", "other_force", "other",
};
static const char *const clock_names[] = { "running", "stopped", "not_started", "no_limit",
					   "ended" };
/* What the requester asked for, as the notices say it; a complaint and "other" are said in
   the notices' own sentences ("asking for: your complaint" reads wrongly). */
static const char *const kind_words[2][CLOCK_KIND_COUNT] = {
	{
		"a copy of your personal data",
		"the correction of your personal data",
		"the deletion of your personal data",
		"a restriction on the use of your personal data",
		"your personal data in a portable, machine-readable form",
		"your objection to the use of your personal data",
		"a person to review a decision made about you by automated means",
		"information under the Freedom of Information Act",
		"environmental information under the Environmental Information Regulations",
		"", "",
	},
	{ /* a child's notice: plain words */
		"a copy of the information we have about you",
		"to put right information we have about you that is wrong",
		"to delete information we have about you",
		"for us to stop using information about you for now",
		"a copy of your information that you can take somewhere else",
		"for us to stop using information about you",
		"for a person to look again at a decision a computer made about you",
		"information the police hold (a Freedom of Information question)",
		"information the police hold about the environment",
		"", "",
	},
};

G_STATIC_ASSERT(CLOCK_KIND_OTHER == 10 && CLOCK_KIND_COMPLAINT == 9);
G_STATIC_ASSERT(CASE_KINDS_DATA_PROTECTION == (1u << (CLOCK_KIND_AUTOMATED_DECISION + 1)) - 1);

static int index_of(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; name != NULL && i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *case_state_name(enum case_state state)
{
	return (unsigned)state < CASE_STATE_COUNT ? state_names[state] : "?";
}

int case_state_parse(const char *name, enum case_state *state_r)
{
	int i = index_of(state_names, CASE_STATE_COUNT, name);
	if (i >= 0)
		*state_r = (enum case_state)i;
	return i >= 0;
}

int case_state_is_end(enum case_state state)
{
	return state >= CASE_RESPONDED;
}

const char *case_action_name(enum case_action action)
{
	return (unsigned)action < CASE_ACTION_COUNT ? action_names[action] : "?";
}

int case_action_parse(const char *name, enum case_action *action_r)
{
	int i = index_of(action_names, CASE_ACTION_COUNT, name);
	if (i >= 0)
		*action_r = (enum case_action)i;
	return i >= 0;
}

const char *case_ground_name(enum case_ground ground)
{
	return (unsigned)ground < G_N_ELEMENTS(ground_names) ? ground_names[ground] : "?";
}

int case_ground_parse(const char *name, enum case_ground *ground_r)
{
	int i = index_of(ground_names, G_N_ELEMENTS(ground_names), name);
	if (i > 0) /* "none" is not a ground */
		*ground_r = (enum case_ground)i;
	return i > 0;
}

const char *case_outcome_name(enum case_outcome outcome)
{
	return (unsigned)outcome < CASE_OUTCOME_COUNT ? outcome_names[outcome] : "?";
}

int case_outcome_parse(const char *name, enum case_outcome *outcome_r)
{
	int i = index_of(outcome_names, CASE_OUTCOME_COUNT, name);
	if (i > 0)
		*outcome_r = (enum case_outcome)i;
	return i > 0;
}

const char *case_redirect_name(enum case_redirect to)
{
	return (unsigned)to < CASE_REDIRECT_COUNT ? redirect_names[to] : "?";
}

int case_redirect_parse(const char *name, enum case_redirect *to_r)
{
	int i = index_of(redirect_names, CASE_REDIRECT_COUNT, name);
	if (i > 0)
		*to_r = (enum case_redirect)i;
	return i > 0;
}

const char *case_clock_name(enum case_clock clock)
{
	return (unsigned)clock < G_N_ELEMENTS(clock_names) ? clock_names[clock] : "?";
}

int case_kinds_parse(const char *s, unsigned *kinds_r)
{
	char **parts = g_strsplit(s, ",", -1);
	unsigned kinds = 0;
	int ok = parts[0] != NULL;

	for (char **p = parts; ok && *p != NULL; p++) {
		enum clock_kind k;
		ok = clock_kind_parse(g_strstrip(*p), &k);
		if (ok && k != CLOCK_KIND_OTHER)
			kinds |= CASE_KIND_BIT(k);
	}
	g_strfreev(parts);
	if (ok)
		*kinds_r = kinds;
	return ok;
}

static gint cmp_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sorted by name, as the classifier's JSON lists them and as cases have always stored them. */
char *case_kinds_string(unsigned kinds)
{
	GPtrArray *names = g_ptr_array_new();
	char *s;

	for (int k = 0; k < CLOCK_KIND_OTHER; k++) {
		if (kinds & CASE_KIND_BIT(k))
			g_ptr_array_add(names, (gpointer)clock_kind_name((enum clock_kind)k));
	}
	g_ptr_array_sort(names, cmp_name);
	if (names->len == 0)
		g_ptr_array_add(names, (gpointer)"other");
	g_ptr_array_add(names, NULL);
	s = g_strjoinv(",", (char **)names->pdata);
	g_ptr_array_free(names, TRUE);
	return s;
}

/* "a, b and c" */
char *case_kinds_words(unsigned kinds, int child)
{
	GPtrArray *words = g_ptr_array_new();
	GString *s = g_string_new(NULL);

	for (int k = 0; k < CLOCK_KIND_COMPLAINT; k++) {
		if (kinds & CASE_KIND_BIT(k))
			g_ptr_array_add(words, (gpointer)kind_words[child != 0][k]);
	}
	for (guint i = 0; i < words->len; i++) {
		const char *sep = i == 0 ? "" : i + 1 == words->len ? " and " : ", ";
		g_string_append_printf(s, "%s%s", sep, (const char *)words->pdata[i]);
	}
	g_ptr_array_free(words, TRUE);
	return g_string_free(s, FALSE);
}

const char *case_kind_words(enum clock_kind kind, int child)
{
	if (kind == CLOCK_KIND_COMPLAINT)
		return "your complaint";
	return (unsigned)kind < CLOCK_KIND_COUNT ? kind_words[child != 0][kind] : "?";
}

enum clock_complaint case_complaint_about(unsigned earlier_kinds)
{
	if (earlier_kinds & CASE_KIND_BIT(CLOCK_KIND_FOI))
		return CLOCK_COMPLAINT_FOI_REVIEW;
	if (earlier_kinds & CASE_KIND_BIT(CLOCK_KIND_EIR))
		return CLOCK_COMPLAINT_EIR_RECONSIDERATION;
	return CLOCK_COMPLAINT_DATA_PROTECTION;
}

int case_kinds_need_identity(unsigned kinds)
{
	return (kinds & CASE_KINDS_DATA_PROTECTION) != 0;
}

/* ---- stops as text ---- */

char *case_stops_format(const GArray *stops)
{
	GString *s = g_string_new(NULL);
	char from[11], to[11];

	for (guint i = 0; stops != NULL && i < stops->len; i++) {
		const struct clock_stop *st = &g_array_index(stops, struct clock_stop, i);
		g_string_append_printf(s, "%s%s:%s", i > 0 ? " " : "", clock_date_iso(&st->from, from),
				       g_date_valid(&st->to) ? clock_date_iso(&st->to, to) : "");
	}
	return g_string_free(s, FALSE);
}

/* "FROM:TO" or "FROM:" (open); only the last stop may be open, and each follows the last. */
static int parse_stop(const char *text, struct clock_stop *st)
{
	char **parts = g_strsplit(text, ":", 3);
	int ok = g_strv_length(parts) == 2 && clock_date_parse(parts[0], &st->from);

	g_date_clear(&st->to, 1);
	if (ok && parts[1][0] != '\0')
		ok = clock_date_parse(parts[1], &st->to) &&
		     g_date_compare(&st->to, &st->from) >= 0;
	g_strfreev(parts);
	return ok;
}

int case_stops_parse(const char *text, struct case_record *rec)
{
	char **parts = g_strsplit(text != NULL ? text : "", " ", -1);
	GArray *stops = g_array_new(FALSE, FALSE, sizeof(struct clock_stop));
	int ok = 1;

	for (char **p = parts; ok && *p != NULL; p++) {
		struct clock_stop st, *prev = NULL;
		if (**p == '\0')
			continue;
		if (stops->len > 0)
			prev = &g_array_index(stops, struct clock_stop, stops->len - 1);
		ok = parse_stop(*p, &st) &&
		     (prev == NULL || (g_date_valid(&prev->to) &&
				       g_date_compare(&st.from, &prev->to) > 0));
		if (ok)
			g_array_append_val(stops, st);
	}
	g_strfreev(parts);
	if (!ok) {
		g_array_free(stops, TRUE);
		return 0;
	}
	if (rec->stops != NULL)
		g_array_free(rec->stops, TRUE);
	rec->stops = stops;
	return 1;
}

void case_record_clear(struct case_record *rec)
{
	if (rec->stops != NULL)
		g_array_free(rec->stops, TRUE);
	rec->stops = NULL;
}

void case_record_copy(struct case_record *dst, const struct case_record *src)
{
	*dst = *src;
	dst->stops = g_array_new(FALSE, FALSE, sizeof(struct clock_stop));
	if (src->stops != NULL)
		g_array_append_vals(dst->stops, src->stops->data, src->stops->len);
}
