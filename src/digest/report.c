/* digest/report: the statutory report over a period (the figures a force publishes and the
   regulator asks for), counted from snapshots of the cases, and its text, CSV and JSON forms.
   Pure: no I/O, no clock reads. Trusts the snapshots (made by the store and lifecycle from
   our own records); no text from mail reaches the output: every string written is a name
   from a fixed table, a date or a number.

   The rules, one per column (the README describes each column from these):
   - Days. Times (`received`, `ended`, `ack_sent`) become Europe/London calendar days
     (pd_london_day). The period is [from, to], both days included.
   - Rows. A case counts once in the row of each of its kinds (no kind: "other"). A
     data-protection kind is reported under the case's regime (law_enforcement, general,
     or unknown while the team has not set one); FOI, EIR, complaints and other under
     unknown. Complaints have one row per complaint type. Rows come in the order of
     enum clock_kind, then law_enforcement, general, unknown, then complaint type; a row
     whose every count is 0 is left out.
   - received: the received day is in the period.
   - completed: the ended day is in the period and the outcome is a decision: "full",
     "part", "not_held", "no_action", "restricted", "restricted_instead" (DPA s47(2)), any
     "refused..." (also on the merits: "refused_rectification", "refused_erasure"),
     "ncnd", "fee_unpaid" (the request lapsed: FOIA s9(2)), and FOI/EIR's "foi_refused",
     "eir_refused", "cost_limit", "vexatious". The ends that decide
     nothing have their own columns and are never completed: "withdrawn", "redirected_...",
     "closed" (not a request). An ended case with no outcome recorded (it ended before
     outcomes were kept) is in none of them, and is not open either.
   - on_time: of the completed, those that ended on or before the row's kind's due day
     (clock_result_due: the extended deadline when granted). A kind with no due day (no time
     limit: "other", a conduct complaint; or no deadline computed) cannot be late, so it is
     on time: counting it late would report the breach of a limit that does not exist.
   - days taken: calendar days to the ended day from the clock's start (res.start: identity,
     a clarified FOI request, a reopening: the way the law measures) and from the received
     day, over every completed case of the row: median (the mean of the two middle values
     for an even count) and worst (the most). Kinds with no limit are included: how long we
     took is a fact with or without a limit, and those kinds have rows of their own, so they
     never dilute a statutory row. Where no start was computed the clock is taken to start
     on the received day. So a row has days taken exactly when it has a completion.
   - extended: the extension was notified (rec->extended_on) in the period and granted for
     the row's kind (res.extended_deadline set): a kind whose rule has no extension (Part 3
     before 5 February 2026, automated decisions under Part 3) was not extended.
   - refused_unfounded ("refused_manifestly_unfounded"), refused_excessive, no_action,
     restricted, withdrawn, redirected ("redirected_..."), closed: by outcome, ended in the
     period. The first four are also completed; restricted also counts "restricted_instead"
     and, on a data-protection row, "ncnd" (s45(4) is a restriction).
   - open_at_end: received on or before `to` and not ended on or before `to` (still running,
     or ended after it). overdue_at_end: of those, the row's kind has a due day before `to`.
     The deadlines are the snapshot's, computed as of the report's today (on or after `to`):
     a case stopped or extended after `to` is judged on today's dates.
   - foi (FOI and EIR rows), of the completed: "full", "part", "not_held" as named,
     "cost_limit" (FOIA s12), "vexatious" (FOIA s14; under the EIR both are "manifestly
     unreasonable", reg 12(4)(b), recorded as whichever the team chose), "ncnd" (neither
     confirmed nor denied), "fee_unpaid" (a fees notice not paid in three months), any
     other decision refused ("foi_refused", "eir_refused", a data-protection refusal...).
   - acknowledged (complaint rows): received in the period with a statutory acknowledgement
     due (res.acknowledge_by: DPA 2018 s164A, complaints received from 19 June 2026);
     ack_on_time: of those, the acknowledgement accepted by the SMTP server (ack_sent) on or
     before that day.
   - months: every calendar month of the period, empty or not (the first and last only for
     their days in the period), with received, completed and on_time counted per case, not
     per kind: a case with two kinds counts once, and is on time only when every kind was.

   The forms. CSV and JSON carry every field of struct report_row under its own name (foi[]
   as foi_full, foi_part, foi_refused, foi_not_held, foi_cost_limit, foi_vexatious,
   foi_ncnd, foi_fee_unpaid), after
   kind, regime, complaint (complaints only) and a label in words for a published table
   ("Subject access, UK GDPR"); with on_time_pct and ack_on_time_pct, percentages to one
   decimal place. Where a row has nothing completed (nothing acknowledged) its percentage
   and days are empty in CSV and null in JSON, never 0. JSON adds the months. */
#include "digest.h"
#include "core.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* law_enforcement, general, unknown: the regimes a row can have (enum order). */
#define REPORT_REGIMES 3
#define REPORT_SLOTS (CLOCK_KIND_COUNT * REPORT_REGIMES * CLOCK_COMPLAINT_COUNT)

enum report_end { REPORT_END_NONE, REPORT_END_DECISION, REPORT_END_WITHDRAWN,
		  REPORT_END_REDIRECTED, REPORT_END_CLOSED };

/* A row being counted, with the days taken by each of its completed cases. */
struct report_slot {
	struct report_row row;
	GArray *from_start, *from_receipt; /* of int; NULL until a completion */
};

/* Indexed in the rows' order (kind, regime, complaint type), so collecting is a scan. */
struct report_job {
	GDate from, to;
	struct report_slot slot[REPORT_SLOTS];
	GArray *months;
};

/* One case's days, worked out once for all its kinds. */
struct report_days {
	GDate received, ended;         /* ended cleared while running */
	int received_in, ended_in;     /* in the period */
	enum report_end end;
};

static const char *const report_month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December",
};

/* ---- counting ---- */

static enum report_end report_end_of(const char *outcome)
{
	static const char *const decisions[] = { "full", "part", "not_held", "no_action",
		"restricted", "restricted_instead", "foi_refused", "eir_refused", "ncnd",
		"cost_limit", "vexatious", "fee_unpaid", NULL };

	if (outcome == NULL)
		return REPORT_END_NONE;
	if (g_strv_contains(decisions, outcome) || g_str_has_prefix(outcome, "refused"))
		return REPORT_END_DECISION;
	if (strcmp(outcome, "withdrawn") == 0)
		return REPORT_END_WITHDRAWN;
	if (g_str_has_prefix(outcome, "redirected_"))
		return REPORT_END_REDIRECTED;
	return strcmp(outcome, "closed") == 0 ? REPORT_END_CLOSED : REPORT_END_NONE;
}

/* The category forces publish for an FOI/EIR decision: anything not granted, not held or
   refused on its own published ground is "refused". */
static enum report_foi report_foi_of(const char *outcome)
{
	static const struct { const char *name; enum report_foi foi; } named[] = {
		{ "full", REPORT_FOI_FULL }, { "part", REPORT_FOI_PART },
		{ "not_held", REPORT_FOI_NOT_HELD }, { "cost_limit", REPORT_FOI_COST_LIMIT },
		{ "vexatious", REPORT_FOI_VEXATIOUS }, { "ncnd", REPORT_FOI_NCND },
		{ "fee_unpaid", REPORT_FOI_FEE_UNPAID },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(named); i++) {
		if (strcmp(outcome, named[i].name) == 0)
			return named[i].foi;
	}
	return REPORT_FOI_REFUSED;
}

static int report_in_period(const struct report_job *job, const GDate *day)
{
	return g_date_valid(day) && g_date_compare(day, &job->from) >= 0 &&
	       g_date_compare(day, &job->to) <= 0;
}

static void report_days_of(const struct report_job *job, const struct digest_case *c,
			   struct report_days *days)
{
	pd_london_day(c->received, &days->received);
	g_date_clear(&days->ended, 1);
	if (c->ended != 0)
		pd_london_day(c->ended, &days->ended);
	days->received_in = report_in_period(job, &days->received);
	days->ended_in = report_in_period(job, &days->ended);
	days->end = report_end_of(c->outcome);
}

/* The deadline of one kind of the case, or NULL when none was computed. */
static const struct case_deadline *report_item(const struct case_deadlines *d,
					       enum clock_kind kind)
{
	for (unsigned i = 0; d != NULL && i < d->n && i < CLOCK_KIND_COUNT; i++) {
		if (d->item[i].kind == kind)
			return &d->item[i];
	}
	return NULL;
}

/* No due day, no way to be late (see the top of the file). */
static int report_on_time(const struct case_deadline *item, const GDate *ended)
{
	const GDate *due = item != NULL ? clock_result_due(&item->res) : NULL;

	return due == NULL || !g_date_valid(due) || g_date_compare(ended, due) <= 0;
}

static struct report_slot *report_slot_of(struct report_job *job,
					  const struct case_record *rec, enum clock_kind kind)
{
	enum clock_regime regime = CLOCK_REGIME_UNKNOWN;
	enum clock_complaint type = CLOCK_COMPLAINT_DATA_PROTECTION;
	struct report_slot *s;

	if ((CASE_KIND_BIT(kind) & CASE_KINDS_DATA_PROTECTION) != 0 &&
	    (rec->regime == CLOCK_REGIME_LAW_ENFORCEMENT || rec->regime == CLOCK_REGIME_GENERAL))
		regime = rec->regime;
	if (kind == CLOCK_KIND_COMPLAINT && (unsigned)rec->complaint < CLOCK_COMPLAINT_COUNT)
		type = rec->complaint;
	s = &job->slot[((size_t)kind * REPORT_REGIMES + (size_t)regime) * CLOCK_COMPLAINT_COUNT +
		       (size_t)type];
	s->row.kind = kind;
	s->row.regime = regime;
	s->row.complaint = type;
	return s;
}

static void report_add_days(GArray **days, int n)
{
	if (*days == NULL)
		*days = g_array_new(FALSE, FALSE, sizeof(int));
	g_array_append_val(*days, n);
}

/* A decision ended in the period: completed, on time or not, its days and its category. */
static void report_count_decision(const char *outcome, const struct report_days *days,
				  const struct case_deadline *item, struct report_slot *s)
{
	struct report_row *row = &s->row;
	const GDate *start = item != NULL && g_date_valid(&item->res.start) ? &item->res.start :
			     &days->received;

	row->completed++;
	if (report_on_time(item, &days->ended))
		row->on_time++;
	report_add_days(&s->from_start, g_date_days_between(start, &days->ended));
	report_add_days(&s->from_receipt, g_date_days_between(&days->received, &days->ended));
	if (strcmp(outcome, "refused_manifestly_unfounded") == 0)
		row->refused_unfounded++;
	else if (strcmp(outcome, "refused_excessive") == 0)
		row->refused_excessive++;
	else if (strcmp(outcome, "no_action") == 0)
		row->no_action++;
	/* Restricting processing instead of erasing (s47(2)) and neither confirming nor denying
	   access (s45(4)) are restrictions too. */
	else if (strcmp(outcome, "restricted") == 0 || strcmp(outcome, "restricted_instead") == 0 ||
		 (strcmp(outcome, "ncnd") == 0 && row->kind != CLOCK_KIND_FOI &&
		  row->kind != CLOCK_KIND_EIR))
		row->restricted++;
	if (row->kind == CLOCK_KIND_FOI || row->kind == CLOCK_KIND_EIR)
		row->foi[report_foi_of(outcome)]++;
}

static void report_count_end(const char *outcome, const struct report_days *days,
			     const struct case_deadline *item, struct report_slot *s)
{
	switch (days->end) {
	case REPORT_END_DECISION:
		report_count_decision(outcome, days, item, s);
		break;
	case REPORT_END_WITHDRAWN:
		s->row.withdrawn++;
		break;
	case REPORT_END_REDIRECTED:
		s->row.redirected++;
		break;
	case REPORT_END_CLOSED:
		s->row.closed++;
		break;
	case REPORT_END_NONE:
		break;
	}
}

/* Open at the end of `to`, and overdue then: a due day that had passed. */
static void report_count_open(const struct report_job *job, const struct report_days *days,
			      const struct case_deadline *item, struct report_row *row)
{
	const GDate *due = item != NULL ? clock_result_due(&item->res) : NULL;

	if (g_date_compare(&days->received, &job->to) > 0 ||
	    (g_date_valid(&days->ended) && g_date_compare(&days->ended, &job->to) <= 0))
		return;
	row->open_at_end++;
	if (due != NULL && g_date_valid(due) && g_date_compare(due, &job->to) < 0)
		row->overdue_at_end++;
}

static void report_count_kind(const struct report_job *job, const struct digest_case *c,
			      const struct report_days *days, const struct case_deadline *item,
			      struct report_slot *s)
{
	struct report_row *row = &s->row;

	if (days->received_in)
		row->received++;
	if (report_in_period(job, &c->rec->extended_on) && item != NULL &&
	    g_date_valid(&item->res.extended_deadline))
		row->extended++;
	if (days->ended_in)
		report_count_end(c->outcome, days, item, s);
	report_count_open(job, days, item, row);
	if (row->kind == CLOCK_KIND_COMPLAINT && days->received_in && item != NULL &&
	    g_date_valid(&item->res.acknowledge_by)) {
		GDate sent;
		row->acknowledged++;
		if (c->ack_sent != 0) {
			pd_london_day(c->ack_sent, &sent);
			row->ack_on_time += g_date_compare(&sent, &item->res.acknowledge_by) <= 0;
		}
	}
}

static struct report_month *report_month_at(struct report_job *job, const GDate *day)
{
	int i = ((int)g_date_get_year(day) - (int)g_date_get_year(&job->from)) * 12 +
		(int)g_date_get_month(day) - (int)g_date_get_month(&job->from);

	return &g_array_index(job->months, struct report_month, i);
}

static void report_count_case(struct report_job *job, const struct digest_case *c)
{
	unsigned kinds = c->rec->kinds & (CASE_KIND_BIT(CLOCK_KIND_COUNT) - 1);
	struct report_days days;
	int all_on_time = 1, completed;

	report_days_of(job, c, &days);
	completed = days.ended_in && days.end == REPORT_END_DECISION;
	if (kinds == 0)
		kinds = CASE_KIND_BIT(CLOCK_KIND_OTHER);
	for (int k = 0; k < CLOCK_KIND_COUNT; k++) {
		const struct case_deadline *item = report_item(c->d, (enum clock_kind)k);
		if (!(kinds & CASE_KIND_BIT(k)))
			continue;
		report_count_kind(job, c, &days, item,
				  report_slot_of(job, c->rec, (enum clock_kind)k));
		if (completed && !report_on_time(item, &days.ended))
			all_on_time = 0;
	}
	if (days.received_in)
		report_month_at(job, &days.received)->received++;
	if (completed) {
		report_month_at(job, &days.ended)->completed++;
		report_month_at(job, &days.ended)->on_time += all_on_time;
	}
}

/* ---- collecting ---- */

static int report_int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* Sorts days; 0 for none. */
static double report_median(GArray *days, int *worst_r)
{
	const int *v;
	guint n;

	*worst_r = 0;
	if (days == NULL || days->len == 0)
		return 0;
	qsort(days->data, days->len, sizeof(int), report_int_cmp);
	v = (const int *)(void *)days->data;
	n = days->len;
	*worst_r = v[n - 1];
	return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int report_row_empty(const struct report_row *r)
{
	unsigned sum = r->received + r->completed + r->extended + r->withdrawn + r->redirected +
		       r->closed + r->open_at_end + r->acknowledged;
	/* Every other count is part of one of these. */
	return sum == 0;
}

static GArray *report_rows_collect(struct report_job *job)
{
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct report_row));

	for (size_t i = 0; i < REPORT_SLOTS; i++) {
		struct report_slot *s = &job->slot[i];
		s->row.median_from_start = report_median(s->from_start, &s->row.worst_from_start);
		s->row.median_from_receipt = report_median(s->from_receipt,
							   &s->row.worst_from_receipt);
		if (!report_row_empty(&s->row))
			g_array_append_val(rows, s->row);
	}
	return rows;
}

static GArray *report_months_new(const GDate *from, const GDate *to)
{
	GArray *months = g_array_new(FALSE, TRUE, sizeof(struct report_month));
	int y = g_date_get_year(from), m = g_date_get_month(from);

	while (y < (int)g_date_get_year(to) ||
	       (y == (int)g_date_get_year(to) && m <= (int)g_date_get_month(to))) {
		struct report_month month = { .year = y, .month = m };
		g_array_append_val(months, month);
		if (++m > 12) {
			m = 1;
			y++;
		}
	}
	return months;
}

static void report_job_free(struct report_job **job_p)
{
	struct report_job *job = *job_p;

	if (job == NULL)
		return;
	for (size_t i = 0; i < REPORT_SLOTS; i++) {
		if (job->slot[i].from_start != NULL)
			g_array_free(job->slot[i].from_start, TRUE);
		if (job->slot[i].from_receipt != NULL)
			g_array_free(job->slot[i].from_receipt, TRUE);
	}
	if (job->months != NULL)
		g_array_free(job->months, TRUE);
	g_free(job);
	*job_p = NULL;
}

int digest_report_build(const struct digest_case *cases, size_t n, const GDate *from,
			const GDate *to, struct digest_report *out, char **error_r)
{
	struct report_job *job = NULL;
	char a[11], b[11];

	memset(out, 0, sizeof(*out));
	if (!g_date_valid(from) || !g_date_valid(to))
		return error_set(error_r, 0, "the report's period needs a first and a last day");
	if (g_date_compare(from, to) > 0)
		return error_set(error_r, 0, "the report's period starts (%s) after it ends (%s)",
				 clock_date_iso(from, a), clock_date_iso(to, b));
	job = g_new0(struct report_job, 1);
	job->from = *from;
	job->to = *to;
	job->months = report_months_new(from, to);
	for (size_t i = 0; i < n; i++) {
		if (cases[i].rec != NULL)
			report_count_case(job, &cases[i]);
	}
	out->from = *from;
	out->to = *to;
	out->rows = report_rows_collect(job);
	out->months = job->months;
	job->months = NULL;
	report_job_free(&job);
	return 1;
}

void digest_report_clear(struct digest_report *r)
{
	if (r->rows != NULL)
		g_array_free(r->rows, TRUE);
	if (r->months != NULL)
		g_array_free(r->months, TRUE);
	r->rows = NULL;
	r->months = NULL;
}

/* ---- one row's values, for CSV and JSON ---- */

/* A column of CSV and a member of JSON: absent (empty, null) when the row has no value. */
struct report_field {
	const char *name;
	int present, decimals;
	double value;
};

#define REPORT_MAX_FIELDS 32

static void report_put(struct report_field *f, size_t *n, const char *name, int present,
		       int decimals, double value)
{
	f[*n].name = name;
	f[*n].present = present;
	f[*n].decimals = decimals;
	f[*n].value = value;
	(*n)++;
}

/* Percentages to one decimal place: the figure forces publish. */
static double report_pct(unsigned part, unsigned whole)
{
	return whole == 0 ? 0 : (double)(long)(1000.0 * part / whole + 0.5) / 10.0;
}

/* The numbers of a row after its names, in the CSV's column order. Returns how many. */
static size_t report_row_fields(const struct report_row *r, struct report_field *f)
{
	static const char *const foi_names[REPORT_FOI_COUNT] = { "foi_full", "foi_part",
		"foi_refused", "foi_not_held", "foi_cost_limit", "foi_vexatious", "foi_ncnd",
		"foi_fee_unpaid" };
	const unsigned counts[] = { r->extended, r->refused_unfounded, r->refused_excessive,
		r->no_action, r->restricted, r->withdrawn, r->redirected, r->closed,
		r->open_at_end, r->overdue_at_end };
	static const char *const count_names[] = { "extended", "refused_unfounded",
		"refused_excessive", "no_action", "restricted", "withdrawn", "redirected",
		"closed", "open_at_end", "overdue_at_end" };
	int done = r->completed > 0;
	size_t n = 0;

	report_put(f, &n, "received", 1, 0, r->received);
	report_put(f, &n, "completed", 1, 0, r->completed);
	report_put(f, &n, "on_time", 1, 0, r->on_time);
	report_put(f, &n, "on_time_pct", done, 1, report_pct(r->on_time, r->completed));
	report_put(f, &n, "median_from_start", done, 1, r->median_from_start);
	report_put(f, &n, "worst_from_start", done, 0, r->worst_from_start);
	report_put(f, &n, "median_from_receipt", done, 1, r->median_from_receipt);
	report_put(f, &n, "worst_from_receipt", done, 0, r->worst_from_receipt);
	for (size_t i = 0; i < G_N_ELEMENTS(counts); i++)
		report_put(f, &n, count_names[i], 1, 0, counts[i]);
	for (int i = 0; i < REPORT_FOI_COUNT; i++)
		report_put(f, &n, foi_names[i], 1, 0, r->foi[i]);
	report_put(f, &n, "acknowledged", 1, 0, r->acknowledged);
	report_put(f, &n, "ack_on_time", 1, 0, r->ack_on_time);
	report_put(f, &n, "ack_on_time_pct", r->acknowledged > 0, 1,
		   report_pct(r->ack_on_time, r->acknowledged));
	return n;
}

/* A number the same whatever the locale (a decimal comma would break CSV and JSON). */
static const char *report_number(char buf[static G_ASCII_DTOSTR_BUF_SIZE], int decimals,
				 double value)
{
	return g_ascii_formatd(buf, G_ASCII_DTOSTR_BUF_SIZE, decimals > 0 ? "%.1f" : "%.0f",
			       value);
}

static const char *report_kind_label(enum clock_kind kind)
{
	static const char *const labels[CLOCK_KIND_COUNT] = {
		"Subject access", "Rectification", "Erasure", "Restriction of processing",
		"Data portability", "Objection", "Automated decision-making",
		"Freedom of Information", "Environmental Information Regulations", "Complaint",
		"Other correspondence",
	};
	return (unsigned)kind < CLOCK_KIND_COUNT ? labels[kind] : "?";
}

/* The row in words for a published table: "Subject access, UK GDPR". g_malloc'd. */
static char *report_row_label(const struct report_row *r)
{
	static const char *const regimes[REPORT_REGIMES] = { "DPA 2018 Part 3", "UK GDPR",
							     "regime not yet decided" };
	static const char *const types[CLOCK_COMPLAINT_COUNT] = { "data protection",
		"FOI internal review", "EIR reconsideration", "police conduct" };

	if (r->kind == CLOCK_KIND_COMPLAINT)
		return g_strdup_printf("%s, %s", report_kind_label(r->kind), types[r->complaint]);
	if ((CASE_KIND_BIT(r->kind) & CASE_KINDS_DATA_PROTECTION) != 0)
		return g_strdup_printf("%s, %s", report_kind_label(r->kind), regimes[r->regime]);
	return g_strdup(report_kind_label(r->kind));
}

/* ---- CSV ---- */

char *digest_csv_field(const char *field)
{
	GString *s;

	if (strpbrk(field, ",\"\r\n") == NULL)
		return g_strdup(field);
	s = g_string_new("\"");
	for (const char *p = field; *p != '\0'; p++) {
		if (*p == '"')
			g_string_append_c(s, '"');
		g_string_append_c(s, *p);
	}
	g_string_append_c(s, '"');
	return g_string_free(s, FALSE);
}

static void report_csv_cell(GString *s, const char *text)
{
	char *field = digest_csv_field(text);

	if (s->len > 0 && s->str[s->len - 1] != '\n')
		g_string_append_c(s, ',');
	g_string_append(s, field);
	g_free(field);
}

static void report_csv_row(GString *s, const struct report_row *r, int header)
{
	struct report_field f[REPORT_MAX_FIELDS];
	size_t n = report_row_fields(r, f);
	char buf[G_ASCII_DTOSTR_BUF_SIZE];
	char *label = header ? NULL : report_row_label(r);

	report_csv_cell(s, header ? "kind" : clock_kind_name(r->kind));
	report_csv_cell(s, header ? "regime" : clock_regime_name(r->regime));
	report_csv_cell(s, header ? "complaint" : r->kind == CLOCK_KIND_COMPLAINT ?
			clock_complaint_name(r->complaint) : "");
	report_csv_cell(s, header ? "label" : label);
	for (size_t i = 0; i < n; i++)
		report_csv_cell(s, header ? f[i].name : !f[i].present ? "" :
				report_number(buf, f[i].decimals, f[i].value));
	g_string_append(s, "\r\n");
	g_free(label);
}

/* RFC 4180: CRLF line ends, a header row, fields quoted when they must be. */
char *digest_report_csv(const struct digest_report *r)
{
	GString *s = g_string_new(NULL);
	struct report_row none = { .kind = CLOCK_KIND_OTHER };

	report_csv_row(s, &none, 1);
	for (guint i = 0; r->rows != NULL && i < r->rows->len; i++)
		report_csv_row(s, &g_array_index(r->rows, struct report_row, i), 0);
	return g_string_free(s, FALSE);
}

/* ---- JSON ----
   Written here rather than with json-glib, which prints every double with 17 significant
   digits (66.700000000000003). Safe to write by hand: the only strings are names from fixed
   tables and ISO dates, none needing an escape. */

static void report_json_number(GString *s, const struct report_field *f)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	g_string_append_printf(s, ", \"%s\": %s", f->name,
			       f->present ? report_number(buf, f->decimals, f->value) : "null");
}

static void report_json_row(GString *s, const struct report_row *r)
{
	struct report_field f[REPORT_MAX_FIELDS];
	size_t n = report_row_fields(r, f);
	char *label = report_row_label(r);

	g_string_append_printf(s, "    {\"kind\": \"%s\", \"regime\": \"%s\", \"complaint\": ",
			       clock_kind_name(r->kind), clock_regime_name(r->regime));
	if (r->kind == CLOCK_KIND_COMPLAINT)
		g_string_append_printf(s, "\"%s\"", clock_complaint_name(r->complaint));
	else
		g_string_append(s, "null");
	g_string_append_printf(s, ", \"label\": \"%s\"", label);
	for (size_t i = 0; i < n; i++)
		report_json_number(s, &f[i]);
	g_string_append(s, "}");
	g_free(label);
}

static void report_json_month(GString *s, const struct report_month *m)
{
	struct report_field pct = { "on_time_pct", m->completed > 0, 1,
				    report_pct(m->on_time, m->completed) };

	g_string_append_printf(s, "    {\"year\": %d, \"month\": %d, \"received\": %u, "
			       "\"completed\": %u, \"on_time\": %u", m->year, m->month,
			       m->received, m->completed, m->on_time);
	report_json_number(s, &pct);
	g_string_append(s, "}");
}

char *digest_report_json(const struct digest_report *r)
{
	GString *s = g_string_new(NULL);
	char a[11], b[11];

	g_string_append_printf(s, "{\n  \"from\": \"%s\",\n  \"to\": \"%s\",\n  \"rows\": [",
			       clock_date_iso(&r->from, a), clock_date_iso(&r->to, b));
	for (guint i = 0; r->rows != NULL && i < r->rows->len; i++) {
		g_string_append(s, i > 0 ? ",\n" : "\n");
		report_json_row(s, &g_array_index(r->rows, struct report_row, i));
	}
	g_string_append(s, "\n  ],\n  \"months\": [");
	for (guint i = 0; r->months != NULL && i < r->months->len; i++) {
		g_string_append(s, i > 0 ? ",\n" : "\n");
		report_json_month(s, &g_array_index(r->months, struct report_month, i));
	}
	g_string_append(s, "\n  ]\n}\n");
	return g_string_free(s, FALSE);
}

/* ---- text ---- */

static void report_cell(GPtrArray *cells, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void report_cell(GPtrArray *cells, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_ptr_array_add(cells, g_strdup_vprintf(fmt, ap));
	va_end(ap);
}

static void report_cell_pct(GPtrArray *cells, unsigned part, unsigned whole)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (whole == 0)
		report_cell(cells, "-");
	else
		report_cell(cells, "%s%%", report_number(buf, 1, report_pct(part, whole)));
}

/* cells holds `cols` header cells then each line's: the first n_left columns are written
   left-aligned (names), the others right-aligned (numbers), two spaces apart. */
static void report_table(GString *s, GPtrArray *cells, guint cols, guint n_left)
{
	guint *width = g_new0(guint, cols);

	for (guint i = 0; i < cells->len; i++)
		width[i % cols] = MAX(width[i % cols],
				      (guint)g_utf8_strlen(cells->pdata[i], -1));
	for (guint i = 0; i < cells->len; i++) {
		guint col = i % cols;
		guint pad = width[col] - (guint)g_utf8_strlen(cells->pdata[i], -1);
		if (col > 0)
			g_string_append(s, "  ");
		if (col >= n_left)
			g_string_append_printf(s, "%*s", (int)pad, "");
		g_string_append(s, cells->pdata[i]);
		if (col < n_left && col + 1 < cols)
			g_string_append_printf(s, "%*s", (int)pad, "");
		if (col + 1 == cols)
			g_string_append_c(s, '\n');
	}
	g_free(width);
}

static void report_cells_days(GPtrArray *cells, const struct report_row *r, double median,
			      int worst)
{
	char buf[G_ASCII_DTOSTR_BUF_SIZE];

	if (r->completed == 0)
		report_cell(cells, "-");
	else
		report_cell(cells, "%s / %d", report_number(buf, 1, median), worst);
}

/* A row's regime, or for a complaint its type; FOI, EIR and other have none to show. */
static const char *report_row_regime(const struct report_row *r)
{
	if (r->kind == CLOCK_KIND_COMPLAINT)
		return clock_complaint_name(r->complaint);
	if ((CASE_KIND_BIT(r->kind) & CASE_KINDS_DATA_PROTECTION) != 0)
		return clock_regime_name(r->regime);
	return "-";
}


/* A table's cells, starting with its header row (the cells are g_free'd with the array). */
static GPtrArray *report_cells_new(const char *const *header, size_t n)
{
	GPtrArray *cells = g_ptr_array_new_with_free_func(g_free);

	for (size_t i = 0; i < n; i++)
		report_cell(cells, "%s", header[i]);
	return cells;
}

/* A titled section: the table of cells (freed here), or `none` when it has no rows. */
static void report_section(GString *s, const char *title, GPtrArray *cells, size_t cols,
			   const char *none)
{
	g_string_append_printf(s, "\n%s\n", title);
	if (none != NULL)
		g_string_append_printf(s, "%s\n", none);
	else
		report_table(s, cells, cols, 1);
	g_ptr_array_free(cells, TRUE);
}
static void report_text_rows(GString *s, const struct digest_report *r)
{
	static const char *const header[] = { "kind", "regime/type", "received", "completed",
		"on time", "%", "days from start", "days from receipt", "extended",
		"refused unfounded", "refused excessive", "no action", "restricted", "withdrawn",
		"redirected", "closed", "open at end", "overdue at end" };
	GPtrArray *cells = report_cells_new(header, G_N_ELEMENTS(header));

	for (guint i = 0; i < r->rows->len; i++) {
		const struct report_row *w = &g_array_index(r->rows, struct report_row, i);
		report_cell(cells, "%s", clock_kind_name(w->kind));
		report_cell(cells, "%s", report_row_regime(w));
		report_cell(cells, "%u", w->received);
		report_cell(cells, "%u", w->completed);
		report_cell(cells, "%u", w->on_time);
		report_cell_pct(cells, w->on_time, w->completed);
		report_cells_days(cells, w, w->median_from_start, w->worst_from_start);
		report_cells_days(cells, w, w->median_from_receipt, w->worst_from_receipt);
		report_cell(cells, "%u", w->extended);
		report_cell(cells, "%u", w->refused_unfounded);
		report_cell(cells, "%u", w->refused_excessive);
		report_cell(cells, "%u", w->no_action);
		report_cell(cells, "%u", w->restricted);
		report_cell(cells, "%u", w->withdrawn);
		report_cell(cells, "%u", w->redirected);
		report_cell(cells, "%u", w->closed);
		report_cell(cells, "%u", w->open_at_end);
		report_cell(cells, "%u", w->overdue_at_end);
	}
	report_table(s, cells, G_N_ELEMENTS(header), 2);
	g_ptr_array_free(cells, TRUE);
}

static void report_text_foi(GString *s, const struct digest_report *r)
{
	static const char *const header[] = { "kind", "completed", "granted in full",
		"granted in part", "refused", "not held", "cost limit", "vexatious", "NCND",
		"fee unpaid" };
	GPtrArray *cells = report_cells_new(header, G_N_ELEMENTS(header));
	guint lines = 0;

	for (guint i = 0; i < r->rows->len; i++) {
		const struct report_row *w = &g_array_index(r->rows, struct report_row, i);
		if ((w->kind != CLOCK_KIND_FOI && w->kind != CLOCK_KIND_EIR) || w->completed == 0)
			continue;
		report_cell(cells, "%s", clock_kind_name(w->kind));
		report_cell(cells, "%u", w->completed);
		for (int k = 0; k < REPORT_FOI_COUNT; k++)
			report_cell(cells, "%u", w->foi[k]);
		lines++;
	}
	report_section(s, "FOI and EIR decisions, in the categories forces publish", cells,
		       G_N_ELEMENTS(header), lines > 0 ? NULL : "none completed in the period");
}

static void report_text_complaints(GString *s, const struct digest_report *r)
{
	static const char *const header[] = { "complaint type", "received", "completed",
		"statutory acknowledgement due", "acknowledged on time", "%" };
	GPtrArray *cells = report_cells_new(header, G_N_ELEMENTS(header));
	guint lines = 0;

	for (guint i = 0; i < r->rows->len; i++) {
		const struct report_row *w = &g_array_index(r->rows, struct report_row, i);
		if (w->kind != CLOCK_KIND_COMPLAINT)
			continue;
		report_cell(cells, "%s", clock_complaint_name(w->complaint));
		report_cell(cells, "%u", w->received);
		report_cell(cells, "%u", w->completed);
		report_cell(cells, "%u", w->acknowledged);
		report_cell(cells, "%u", w->ack_on_time);
		report_cell_pct(cells, w->ack_on_time, w->acknowledged);
		lines++;
	}
	report_section(s, "Complaints (acknowledgement: DPA 2018 s164A, from 19 June 2026)", cells,
		       G_N_ELEMENTS(header), lines > 0 ? NULL : "none in the period");
}

static void report_text_months(GString *s, const struct digest_report *r)
{
	static const char *const header[] = { "month", "received", "completed", "on time",
					      "%" };
	GPtrArray *cells = report_cells_new(header, G_N_ELEMENTS(header));

	for (guint i = 0; i < r->months->len; i++) {
		const struct report_month *m = &g_array_index(r->months, struct report_month, i);
		report_cell(cells, "%s %d", report_month_names[(m->month - 1) % 12], m->year);
		report_cell(cells, "%u", m->received);
		report_cell(cells, "%u", m->completed);
		report_cell(cells, "%u", m->on_time);
		report_cell_pct(cells, m->on_time, m->completed);
	}
	report_section(s, "By month (each case once, on time when every kind was)", cells,
		       G_N_ELEMENTS(header), NULL);
}

char *digest_report_text(const struct digest_report *r)
{
	GString *s = g_string_new(NULL);
	char *from = clock_date_long(&r->from), *to = clock_date_long(&r->to);

	g_string_append_printf(s, "Statutory report, %s to %s (Europe/London days)\n\n", from,
			       to);
	if (r->rows == NULL || r->months == NULL || r->rows->len == 0) {
		g_string_append(s, "No cases in the period.\n");
		goto out;
	}
	report_text_rows(s, r);
	g_string_append(s, "\non time: completed on or before the deadline that applied (the "
			"extended one when granted).\ndays: median / worst calendar days to the "
			"day the case ended, from the day its clock started and from receipt.\n");
	report_text_foi(s, r);
	report_text_complaints(s, r);
	report_text_months(s, r);
out:
	g_free(from);
	g_free(to);
	return g_string_free(s, FALSE);
}
