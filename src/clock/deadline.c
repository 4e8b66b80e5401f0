/* clock/deadline: one request's deadlines under the rules table (domain-rules 3.1 and 3.2).
   Trusts the table (checked when loaded) and nothing in the request: dates out of order or out
   of range are refused, never computed into a plausible-looking wrong deadline. */
#include "clock-private.h"

#include <string.h>

#include "core.h"

/* A stop as julian days, merged with any it overlaps so no day counts twice. */
struct span {
	guint32 from, to;
};

/* What one rule gives for the request. 0 = no such date. */
struct outcome {
	const struct clock_rule *rule;
	guint32 deadline, notice_by, extended, ack_by;
	unsigned stopped;
};

struct job {
	const struct clock_request *req;
	guint32 start;
	GArray *stops; /* struct span, sorted, disjoint */
	struct clock_daybook book;
};

/* ---- request checks ---- */

static int check_date(const GDate *d, const char *what, char **error_r)
{
	if (!clock_date_in_range(d))
		return error_set(error_r, 0, "%s is missing or not within %d-%d", what,
				 CLOCK_YEAR_MIN, CLOCK_YEAR_MAX);
	return 1;
}

static gint span_cmp(gconstpointer a, gconstpointer b)
{
	const struct span *x = a, *y = b;
	return x->from < y->from ? -1 : x->from > y->from;
}

static int check_stops(struct job *job, char **error_r)
{
	const struct clock_request *req = job->req;

	for (unsigned i = 0; i < req->n_stops; i++) {
		struct span s;
		if (!check_date(&req->stops[i].from, "a stop's first day", error_r) ||
		    !check_date(&req->stops[i].to, "a stop's last day", error_r))
			return 0;
		s.from = clock_jd(&req->stops[i].from);
		s.to = clock_jd(&req->stops[i].to);
		if (s.to < s.from)
			return error_set(error_r, 0, "stop %u ends before it starts", i + 1);
		if (s.from < job->start)
			return error_set(error_r, 0, "stop %u starts before the clock started", i + 1);
		g_array_append_val(job->stops, s);
	}
	g_array_sort(job->stops, span_cmp);
	for (guint i = 1; i < job->stops->len; i++) {
		struct span *prev = &g_array_index(job->stops, struct span, i - 1);
		struct span *cur = &g_array_index(job->stops, struct span, i);
		if (cur->from > prev->to)
			continue;
		prev->to = MAX(prev->to, cur->to);
		g_array_remove_index(job->stops, i--);
	}
	return 1;
}

static int check_request(struct job *job, char **error_r)
{
	const struct clock_request *req = job->req;

	if ((unsigned)req->kind >= CLOCK_KIND_COUNT ||
	    (req->regime != CLOCK_REGIME_LAW_ENFORCEMENT && req->regime != CLOCK_REGIME_GENERAL &&
	     req->regime != CLOCK_REGIME_UNKNOWN))
		return error_set(error_r, 0, "bad kind or regime");
	if (!check_date(&req->received, "the date received", error_r))
		return 0;
	job->start = clock_jd(&req->received);
	if (g_date_valid(&req->valid_from)) {
		if (!check_date(&req->valid_from, "the date the request became valid", error_r))
			return 0;
		/* Identity or a fee can only make a request valid later, never earlier. */
		if (clock_jd(&req->valid_from) < job->start)
			return error_set(error_r, 0, "the request cannot become valid before it "
					 "was received");
		job->start = clock_jd(&req->valid_from);
	}
	if (g_date_valid(&req->extension_asked_on) &&
	    (!check_date(&req->extension_asked_on, "the extension date", error_r) ||
	     clock_jd(&req->extension_asked_on) < job->start))
		return error_set(error_r, 0, "an extension cannot be notified before the clock "
				 "started");
	return check_stops(job, error_r);
}

/* ---- one rule ---- */

static guint32 next_ew_working_day(struct job *job, guint32 jd)
{
	while (!clock_daybook_working(&job->book, CLOCK_CAL_EW, jd))
		jd++;
	return jd;
}

static unsigned stopped_days(const struct job *job)
{
	unsigned n = 0;

	for (guint i = 0; i < job->stops->len; i++) {
		const struct span *s = &g_array_index(job->stops, struct span, i);
		n += s->to - s->from + 1;
	}
	return n;
}

static int in_stop(const struct job *job, guint32 jd)
{
	for (guint i = 0; i < job->stops->len; i++) {
		const struct span *s = &g_array_index(job->stops, struct span, i);
		if (jd >= s->from && jd <= s->to)
			return 1;
	}
	return 0;
}

/* 3.1: same date n months on (GLib clamps to the month's last day), plus stopped days.
   Always counted from the start, never from the first deadline, so 31 Jan + 3 months is
   30 Apr even though 31 Jan + 1 month is 28 Feb. Not yet moved to a working day. */
static guint32 months_after(const struct job *job, unsigned n, unsigned stopped)
{
	GDate d;

	clock_jd_to_date(job->start, &d);
	g_date_add_months(&d, n);
	return clock_jd(&d) + stopped;
}

/* 3.2: day 1 is the first UK working day after the start; stopped working days (a fee
   notice to payment, FOIA s10(2)) are disregarded. */
static guint32 working_days_after(struct job *job, unsigned n, int stops, unsigned *stopped_r)
{
	guint32 jd = job->start;
	unsigned counted = 0;

	*stopped_r = 0;
	while (counted < n) {
		jd++;
		if (!clock_daybook_working(&job->book, CLOCK_CAL_UK, jd))
			continue;
		if (stops && in_stop(job, jd))
			(*stopped_r)++;
		else
			counted++;
	}
	return jd;
}

/* The last day of a period of n units from the start, and in *end_r the same before any move
   to a working day (the day an extension notice is still due by). 0 = no limit. */
static guint32 period_end(struct job *job, enum clock_unit unit, unsigned n, int stops,
			  unsigned *stopped_r, guint32 *end_r)
{
	*stopped_r = stops ? stopped_days(job) : 0;
	switch (unit) {
	case CLOCK_UNIT_MONTHS:
		*end_r = months_after(job, n, *stopped_r);
		return next_ew_working_day(job, *end_r);
	case CLOCK_UNIT_DAYS:
		*end_r = job->start + n + *stopped_r;
		return next_ew_working_day(job, *end_r);
	case CLOCK_UNIT_DAYS_BEGINNING:
		/* "within the period of N days beginning with" the day: it counts as day 1. */
		*end_r = job->start + n - 1 + *stopped_r;
		return *end_r;
	case CLOCK_UNIT_WORKING_DAYS:
		*end_r = working_days_after(job, n, stops, stopped_r);
		return *end_r;
	case CLOCK_UNIT_NONE:
		break;
	}
	*stopped_r = 0;
	*end_r = 0;
	return 0;
}

static void apply_rule(struct job *job, const struct clock_rule *r, struct outcome *o)
{
	unsigned stopped;
	guint32 first_end;

	memset(o, 0, sizeof(*o));
	o->rule = r;
	/* Receipt must be acknowledged however long the clock waits (DPA s164A). */
	o->ack_by = period_end(job, r->ack_unit, r->ack_limit, 0, &stopped, &first_end);
	if (r->unit == CLOCK_UNIT_NONE)
		return;
	o->deadline = period_end(job, r->unit, r->limit, r->stop_the_clock, &o->stopped,
				 &first_end);
	if (r->extension == 0)
		return;
	/* Notice is due "before the end of the period of one month beginning with the relevant
	   time": the period's own end, not the working day it may move to (3.4: 28 Feb). */
	o->notice_by = first_end;
	if (job->req->extended)
		o->extended = period_end(job, r->unit, r->extension, r->stop_the_clock, &stopped,
					 &first_end);
}

/* ---- regime unknown: the stricter of both ---- */

/* 0 (none) sorts last: any limit is stricter than none. */
static guint32 earlier(guint32 a, guint32 b)
{
	if (a == 0 || b == 0)
		return a == 0 ? b : a;
	return MIN(a, b);
}

static void combine(struct outcome *a, const struct outcome *b)
{
	guint32 deadline = earlier(a->deadline, b->deadline);
	int take_b = deadline != a->deadline ||
		     (b->deadline == a->deadline && b->notice_by == 0 && a->notice_by != 0);
	const struct clock_rule *rule = take_b ? b->rule : a->rule;
	unsigned stopped = take_b ? b->stopped : a->stopped;

	/* An extension only where both regimes allow one; each date the earlier. */
	a->notice_by = a->notice_by != 0 && b->notice_by != 0 ? MIN(a->notice_by, b->notice_by) : 0;
	a->extended = a->extended != 0 && b->extended != 0 ? MIN(a->extended, b->extended) : 0;
	a->ack_by = earlier(a->ack_by, b->ack_by);
	a->deadline = deadline;
	a->rule = rule;
	a->stopped = stopped;
}

/* The row in force on the day the request was received: a change in the law between the
   request and its identity does not change the rules it is answered under. */
static int find_rule(const struct clock_table *t, struct job *job, enum clock_regime regime,
		     const struct clock_rule **rule_r, char **error_r)
{
	const struct clock_request *req = job->req;
	char *when;

	*rule_r = clock_table_find(t, req->kind, req->complaint, regime, &req->received);
	if (*rule_r != NULL || req->regime == CLOCK_REGIME_UNKNOWN)
		return 1;
	when = clock_date_long(&req->received);
	error_set(error_r, 0, "no deadline rule for %s/%s in force on %s",
		  clock_kind_name(req->kind), clock_regime_name(regime), when);
	g_free(when);
	return 0;
}

/* The outcome for the request's regime; for unknown, the stricter of both. */
static int resolve(const struct clock_table *t, struct job *job, struct outcome *o,
		   char **rule_r, char **error_r)
{
	const struct clock_rule *le = NULL, *gen = NULL;
	struct outcome other;
	char *id_le, *id_gen;

	if (job->req->regime != CLOCK_REGIME_UNKNOWN) {
		if (!find_rule(t, job, job->req->regime, &le, error_r))
			return 0;
		apply_rule(job, le, o);
		*rule_r = clock_rule_id(le);
		return 1;
	}
	find_rule(t, job, CLOCK_REGIME_LAW_ENFORCEMENT, &le, error_r);
	find_rule(t, job, CLOCK_REGIME_GENERAL, &gen, error_r);
	if (le == NULL && gen == NULL)
		return error_set(error_r, 0, "no deadline rule for %s in force for either regime",
				 clock_kind_name(job->req->kind));
	/* One regime only (portability is UK GDPR only), or one row for both: nothing to pick. */
	if (le == NULL || gen == NULL || le == gen) {
		apply_rule(job, le != NULL ? le : gen, o);
		*rule_r = clock_rule_id(o->rule);
		return 1;
	}
	apply_rule(job, le, o);
	apply_rule(job, gen, &other);
	combine(o, &other);
	id_le = clock_rule_id(le);
	id_gen = clock_rule_id(gen);
	*rule_r = g_strdup_printf("%s (regime unknown: stricter than %s)",
				  o->rule == le ? id_le : id_gen, o->rule == le ? id_gen : id_le);
	g_free(id_le);
	g_free(id_gen);
	return 1;
}

/* ---- extension ---- */

/* Why req->extended cannot be honoured, or NULL. g_malloc'd. */
static char *extension_refusal(struct job *job, const struct outcome *o, const char *rule)
{
	const struct clock_request *req = job->req;
	char *when, *asked, *why;
	GDate d;

	if (o->deadline == 0)
		return g_strdup_printf("there is no time limit to extend (%s)", rule);
	if (o->notice_by == 0) {
		when = clock_date_long(&req->received);
		why = g_strdup_printf("no extension is allowed under %s, the rule in force when "
				      "the request was received on %s", rule, when);
		g_free(when);
		return why;
	}
	if (!g_date_valid(&req->extension_asked_on) ||
	    clock_jd(&req->extension_asked_on) <= o->notice_by)
		return NULL;
	clock_jd_to_date(o->notice_by, &d);
	when = clock_date_long(&d);
	asked = clock_date_long(&req->extension_asked_on);
	why = g_strdup_printf("an extension can only be notified by %s, the end of the first "
			      "period; it was asked for on %s", when, asked);
	g_free(when);
	g_free(asked);
	return why;
}

/* ---- public ---- */

static void result_init(struct clock_result *res)
{
	memset(res, 0, sizeof(*res));
	g_date_clear(&res->start, 1);
	g_date_clear(&res->deadline, 1);
	g_date_clear(&res->extension_notice_by, 1);
	g_date_clear(&res->extended_deadline, 1);
	g_date_clear(&res->acknowledge_by, 1);
}

static void result_fill(struct job *job, const struct outcome *o, struct clock_result *res)
{
	clock_jd_to_date(job->start, &res->start);
	clock_jd_to_date(o->deadline, &res->deadline);
	clock_jd_to_date(o->notice_by, &res->extension_notice_by);
	clock_jd_to_date(o->ack_by, &res->acknowledge_by);
	res->unit = o->rule->unit;
	res->basis = o->rule->basis;
	res->stop_the_clock = o->rule->stop_the_clock;
	res->stopped_days = o->stopped;
	if (job->req->extended)
		res->extension_refused = extension_refusal(job, o, res->rule);
	if (job->req->extended && res->extension_refused == NULL)
		clock_jd_to_date(o->extended, &res->extended_deadline);
	if (o->rule->unit == CLOCK_UNIT_WORKING_DAYS)
		res->working_days = g_date_valid(&res->extended_deadline) ? o->rule->extension :
					o->rule->limit;
}

int clock_deadline(const struct clock_table *t, const struct clock_request *req,
		   struct clock_result *res, char **error_r)
{
	struct job job = { .req = req };
	struct outcome o = { .rule = NULL };
	int ret = 0;

	result_init(res);
	job.stops = g_array_new(FALSE, FALSE, sizeof(struct span));
	clock_daybook_init(&job.book, req->holidays);
	if (!check_request(&job, error_r) || !resolve(t, &job, &o, &res->rule, error_r))
		goto out;
	result_fill(&job, &o, res);
	ret = 1;
out:
	g_array_free(job.stops, TRUE);
	return ret;
}

void clock_result_clear(struct clock_result *res)
{
	g_free(res->rule);
	g_free(res->extension_refused);
	result_init(res);
}

const GDate *clock_result_due(const struct clock_result *res)
{
	return g_date_valid(&res->extended_deadline) ? &res->extended_deadline : &res->deadline;
}

/* UK working days in (from, to]. */
static int working_days_between(struct clock_daybook *book, guint32 from, guint32 to)
{
	int n = 0;

	for (guint32 jd = from + 1; jd <= to; jd++)
		n += clock_daybook_working(book, CLOCK_CAL_UK, jd);
	return n;
}

int clock_days_left(const struct clock_result *res, const GDate *today,
		    const struct clock_holiday_overrides *ov, int *days_r)
{
	const GDate *due = clock_result_due(res);
	struct clock_daybook book;
	guint32 d, now;

	if (!g_date_valid(due) || !clock_date_in_range(today))
		return 0;
	d = clock_jd(due);
	now = clock_jd(today);
	if (res->unit != CLOCK_UNIT_WORKING_DAYS) {
		*days_r = (int)d - (int)now;
		return 1;
	}
	clock_daybook_init(&book, ov);
	if (now <= d)
		*days_r = working_days_between(&book, now, d);
	else /* a weekend after the deadline is still overdue */
		*days_r = -MAX(1, working_days_between(&book, d, now));
	return 1;
}
