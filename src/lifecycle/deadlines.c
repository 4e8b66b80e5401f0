/* lifecycle/deadlines: each kind of a case, its clock and its deadline, from the case record
   and the deadline engine. Which day starts which clock is decided here (domain-rules 2-3). */
#include "lifecycle-private.h"

#include <string.h>

struct clock_stop *case_open_stop(const struct case_record *rec)
{
	struct clock_stop *last;

	if (rec->stops == NULL || rec->stops->len == 0)
		return NULL;
	last = &g_array_index(rec->stops, struct clock_stop, rec->stops->len - 1);
	return g_date_valid(&last->to) ? NULL : last;
}

static int is_foi(enum clock_kind kind)
{
	return kind == CLOCK_KIND_FOI || kind == CLOCK_KIND_EIR;
}

static int is_data_protection(enum clock_kind kind)
{
	return (CASE_KIND_BIT(kind) & CASE_KINDS_DATA_PROTECTION) != 0;
}

/* The clarification stops that count for a data-protection clock starting on `start`: a
   running stop ends today (shown as if answered today), days before the start never count. */
static void clipped_stops(const struct case_env *env, const struct case_record *rec,
			  const GDate *start, GArray *out)
{
	for (guint i = 0; rec->stops != NULL && i < rec->stops->len; i++) {
		struct clock_stop st = g_array_index(rec->stops, struct clock_stop, i);
		if (!g_date_valid(&st.to))
			st.to = env->today;
		if (g_date_compare(&st.to, start) < 0)
			continue;
		if (g_date_compare(&st.from, start) < 0)
			st.from = *start;
		if (g_date_compare(&st.to, &st.from) >= 0)
			g_array_append_val(out, st);
	}
}

/* A fee asked and not paid. */
static int fee_unpaid(const struct case_record *rec)
{
	return g_date_valid(&rec->fee_on) && !g_date_valid(&rec->fee_paid_on);
}

static enum case_clock clock_of(const struct case_record *rec, enum clock_kind kind)
{
	if (is_data_protection(kind) && rec->state == CASE_AWAITING_IDENTITY &&
	    !g_date_valid(&rec->identity_on))
		return CASE_CLOCK_NOT_STARTED;
	/* UK GDPR Art 12(5), DPA s53: nothing is due until the fee is paid; then the clock
	   starts afresh. */
	if (is_data_protection(kind) && rec->state == CASE_AWAITING_FEE && fee_unpaid(rec))
		return CASE_CLOCK_NOT_STARTED;
	/* FOI: a request needing clarification is not yet one to answer (FOIA s1(3)). */
	if (is_foi(kind) && rec->state == CASE_AWAITING_CLARIFICATION)
		return CASE_CLOCK_NOT_STARTED;
	if (case_state_is_end(rec->state))
		return CASE_CLOCK_ENDED;
	return CASE_CLOCK_RUNNING;
}

/* The days from a fee notice to its payment (today while unpaid), from the clock's start. */
static void fee_stop(const struct case_env *env, const struct case_record *rec,
		     const GDate *start, GArray *out)
{
	struct clock_stop st;

	if (!g_date_valid(&rec->fee_on))
		return;
	st.from = g_date_compare(&rec->fee_on, start) < 0 ? *start : rec->fee_on;
	st.to = g_date_valid(&rec->fee_paid_on) ? rec->fee_paid_on : env->today;
	if (g_date_compare(&st.to, &st.from) >= 0)
		g_array_append_val(out, st);
}

/* Was the extension notified between receipt and the start of this clock? */
static int extension_before_start(const struct case_record *rec, const struct clock_request *req)
{
	return g_date_valid(&req->valid_from) &&
	       g_date_compare(&rec->extended_on, &rec->received) >= 0 &&
	       g_date_compare(&rec->extended_on, &req->valid_from) < 0;
}

static void request_of(const struct case_env *env, const struct case_record *rec,
		       enum clock_kind kind, GArray *stops, struct clock_request *req)
{
	memset(req, 0, sizeof(*req));
	req->kind = kind;
	req->complaint = rec->complaint;
	req->regime = rec->regime;
	/* A reopened case counts as a request received on the day it was reopened. */
	req->received = g_date_valid(&rec->reopened_on) &&
			g_date_compare(&rec->reopened_on, &rec->received) > 0 ?
			rec->reopened_on : rec->received;
	req->holidays = env->holidays;
	g_date_clear(&req->valid_from, 1);
	g_date_clear(&req->extension_asked_on, 1);
	if (is_data_protection(kind) && g_date_valid(&rec->identity_on) &&
	    g_date_compare(&rec->identity_on, &req->received) > 0)
		req->valid_from = rec->identity_on;
	if (is_foi(kind) && g_date_valid(&rec->restart_on) &&
	    g_date_compare(&rec->restart_on, &req->received) > 0)
		req->valid_from = rec->restart_on;
	if (is_data_protection(kind) && g_date_valid(&rec->fee_paid_on) &&
	    g_date_compare(&rec->fee_paid_on, g_date_valid(&req->valid_from) ? &req->valid_from :
			   &req->received) > 0)
		req->valid_from = rec->fee_paid_on;
	/* FOI/EIR clarification restarts the clock rather than stopping it; their stop is
	   the fee's, from its notice to its payment (FOIA s10(2); the rule table says
	   whether a kind counts it). */
	if (is_data_protection(kind))
		clipped_stops(env, rec, g_date_valid(&req->valid_from) ? &req->valid_from :
					&req->received, stops);
	else
		fee_stop(env, rec, g_date_valid(&req->valid_from) ? &req->valid_from :
			 &req->received, stops);
	req->stops = (const struct clock_stop *)(void *)stops->data;
	req->n_stops = stops->len;
	/* An extension notified after receipt but before this clock started (a clarified FOI
	   request is a new one) does not extend it; one before receipt stays an error. */
	if (g_date_valid(&rec->extended_on) && !extension_before_start(rec, req)) {
		req->extended = 1;
		req->extension_asked_on = rec->extended_on;
	}
}

static int compute_one(const struct case_env *env, const struct case_record *rec,
		       enum clock_kind kind, struct case_deadline *d, char **error_r)
{
	GArray *stops = g_array_new(FALSE, FALSE, sizeof(struct clock_stop));
	struct clock_request req;
	int ret = 1;

	d->kind = kind;
	d->clock = clock_of(rec, kind);
	if (d->clock == CASE_CLOCK_NOT_STARTED)
		goto out;
	request_of(env, rec, kind, stops, &req);
	if ((ret = clock_deadline(env->table, &req, &d->res, error_r)) != 1)
		goto out;
	if (!g_date_valid(&d->res.deadline))
		d->clock = CASE_CLOCK_NO_LIMIT;
	else if (d->clock == CASE_CLOCK_RUNNING && d->res.stopped_days > 0 &&
		 (case_open_stop(rec) != NULL || (is_foi(kind) && fee_unpaid(rec))))
		d->clock = CASE_CLOCK_STOPPED;
	if (d->clock == CASE_CLOCK_RUNNING || d->clock == CASE_CLOCK_STOPPED)
		d->has_days_left = clock_days_left(&d->res, &env->today, env->holidays,
						   &d->days_left);
out:
	g_array_free(stops, TRUE);
	return ret;
}

static void pick_next(struct case_deadlines *out)
{
	const GDate *best = NULL;

	out->next = -1;
	for (unsigned i = 0; i < out->n; i++) {
		const struct case_deadline *d = &out->item[i];
		const GDate *due = clock_result_due(&d->res);
		if (!d->has_days_left)
			continue;
		if (best == NULL || g_date_compare(due, best) < 0) {
			best = due;
			out->next = (int)i;
		}
	}
}

int case_deadlines_compute(const struct case_env *env, const struct case_record *rec,
			   struct case_deadlines *out, char **error_r)
{
	unsigned kinds = rec->kinds != 0 ? rec->kinds : CASE_KIND_BIT(CLOCK_KIND_OTHER);
	int ret = 1;

	memset(out, 0, sizeof(*out));
	out->next = -1;
	for (int k = 0; k < CLOCK_KIND_COUNT && ret == 1; k++) {
		if (!(kinds & CASE_KIND_BIT(k)))
			continue;
		ret = compute_one(env, rec, (enum clock_kind)k, &out->item[out->n++], error_r);
	}
	if (ret == 1)
		pick_next(out);
	return ret;
}

void case_deadlines_clear(struct case_deadlines *d)
{
	for (unsigned i = 0; i < d->n; i++)
		clock_result_clear(&d->item[i].res);
	d->n = 0;
	d->next = -1;
}

const GDate *case_deadlines_next(const struct case_deadlines *d)
{
	return d->next < 0 ? NULL : clock_result_due(&d->item[d->next].res);
}

/* Only what does not move by itself from day to day: a stopped clock's date does. */
char *case_deadlines_summary(const struct case_deadlines *d)
{
	GString *s = g_string_new(NULL);
	char a[11], b[11];

	for (unsigned i = 0; i < d->n; i++) {
		const struct case_deadline *it = &d->item[i];
		g_string_append_printf(s, "%s%s ", i > 0 ? "; " : "", clock_kind_name(it->kind));
		if (it->clock == CASE_CLOCK_NOT_STARTED || it->clock == CASE_CLOCK_STOPPED ||
		    it->clock == CASE_CLOCK_NO_LIMIT) {
			g_string_append(s, case_clock_name(it->clock));
			continue;
		}
		g_string_append(s, clock_date_iso(&it->res.deadline, a));
		if (g_date_valid(&it->res.extended_deadline))
			g_string_append_printf(s, " extended %s",
					       clock_date_iso(&it->res.extended_deadline, b));
	}
	return g_string_free(s, FALSE);
}
