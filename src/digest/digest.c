/* digest/digest: the sections of the team's daily digest from snapshots of the cases. Pure:
   "today" is a parameter. Working days are counted the way FOI counts them (any UK bank
   holiday), so "5 working days" means the same for every right. */
#include "digest.h"

#include <string.h>

#include "core.h"

static const char *const section_titles[DIGEST_SECTION_COUNT] = {
	"Overdue",
	"Due within 5 working days",
	"Extension decisions due",
	"Waiting for the requester",
	"New since the last digest",
	"Requester replies not acted on",
	"Possible repeat requests",
};

const char *digest_section_title(enum digest_section s)
{
	return (unsigned)s < DIGEST_SECTION_COUNT ? section_titles[s] : "?";
}

/* UK working days in (from, to]. */
static int working_days_between(const GDate *from, const GDate *to,
				const struct clock_holiday_overrides *ov)
{
	GDate d = *from;
	int n = 0;

	while (g_date_compare(&d, to) < 0) {
		g_date_add_days(&d, 1);
		n += clock_is_working_day(CLOCK_CAL_UK, &d, ov);
	}
	return n;
}

/* UK working days left to day: 0 on the day, negative once past (-1 at least, whatever
   weekend follows). */
static int working_days_to(const GDate *today, const GDate *day,
			   const struct clock_holiday_overrides *ov)
{
	if (g_date_compare(day, today) >= 0)
		return working_days_between(today, day, ov);
	return -MAX(1, working_days_between(day, today, ov));
}

/* The case's next running deadline (running or paused), or NULL. */
static const struct case_deadline *next_item(const struct digest_case *c)
{
	return c->d->next >= 0 ? &c->d->item[c->d->next] : NULL;
}

static int is_open(const struct digest_case *c)
{
	return !case_state_is_end(c->rec->state);
}

static void add_row(struct digest *out, enum digest_section s, const struct digest_case *c,
		    const GDate *due, const struct digest_input *in)
{
	struct digest_row r = { .c = c, .colour = DIGEST_GREY, .status = "waiting" };

	g_date_clear(&r.due, 1);
	if (due != NULL && g_date_valid(due)) {
		r.has_due = 1;
		r.due = *due;
		r.days_left = working_days_to(&in->today, due, in->holidays);
		r.colour = r.days_left < 0 ? DIGEST_RED : r.days_left <= DIGEST_SOON ?
			   DIGEST_AMBER : DIGEST_GREEN;
		r.status = r.days_left < 0 ? "overdue" : r.days_left <= DIGEST_SOON ? "due soon" :
			   "on time";
	}
	g_array_append_val(s == DIGEST_SECTION_COUNT ? out->board : out->section[s], r);
}

/* The first period of a running clock ends within DIGEST_SOON working days and no extension
   was notified: extend now or never. */
static const GDate *extension_due(const struct digest_case *c, const struct digest_input *in)
{
	for (unsigned i = 0; i < c->d->n; i++) {
		const struct case_deadline *it = &c->d->item[i];
		int left;
		if (it->clock != CASE_CLOCK_RUNNING || g_date_valid(&c->rec->extended_on) ||
		    !g_date_valid(&it->res.extension_notice_by))
			continue;
		left = working_days_to(&in->today, &it->res.extension_notice_by, in->holidays);
		if (left >= 0 && left <= DIGEST_SOON)
			return &it->res.extension_notice_by;
	}
	return NULL;
}

/* How long the case has waited for the requester, in days, or -1 when it does not wait. */
static int waiting_days(const struct digest_case *c, const GDate *today)
{
	const struct clock_stop *stop = case_open_stop(c->rec);
	const GDate *since = NULL;

	if (c->rec->state == CASE_AWAITING_IDENTITY)
		since = &c->rec->received;
	else if (c->rec->state == CASE_AWAITING_CLARIFICATION && stop != NULL)
		since = &stop->from;
	if (since == NULL || !g_date_valid(since))
		return -1;
	return g_date_days_between(since, today);
}

static void sort_case(struct digest *out, const struct digest_case *c,
		      const struct digest_input *in)
{
	const struct case_deadline *next = next_item(c);
	const GDate *due = next != NULL ? clock_result_due(&next->res) : NULL;
	const GDate *ext = is_open(c) ? extension_due(c, in) : NULL;
	int left = due != NULL ? working_days_to(&in->today, due, in->holidays) : 0;

	if (is_open(c) && due != NULL) {
		add_row(out, DIGEST_SECTION_COUNT, c, due, in);
		if (left < 0)
			add_row(out, DIGEST_OVERDUE, c, due, in);
		else if (left <= DIGEST_SOON)
			add_row(out, DIGEST_DUE_SOON, c, due, in);
	}
	if (ext != NULL)
		add_row(out, DIGEST_EXTENSION_DUE, c, ext, in);
	if (is_open(c) && waiting_days(c, &in->today) > (int)in->chase_after)
		add_row(out, DIGEST_CHASE, c, due, in);
	if (in->since_case > 0 ? c->id > in->since_case : c->received >= in->since)
		add_row(out, DIGEST_NEW, c, is_open(c) ? due : NULL, in);
	if (c->last_reply != 0 && c->last_reply > c->last_team)
		add_row(out, DIGEST_REPLIES, c, is_open(c) ? due : NULL, in);
	if (is_open(c) && c->possible_repeat)
		add_row(out, DIGEST_REPEATS, c, due, in);
}

/* Most urgent first: a due date before none, earlier before later, then the reference. */
static gint row_cmp(gconstpointer a, gconstpointer b)
{
	const struct digest_row *x = a, *y = b;

	if (x->has_due != y->has_due)
		return x->has_due ? -1 : 1;
	if (x->has_due && g_date_compare(&x->due, &y->due) != 0)
		return g_date_compare(&x->due, &y->due);
	return strcmp(x->c->reference, y->c->reference);
}

/* Open cases by the week their next deadline falls in, from this week's Monday. */
static void count_weeks(struct digest *out, const GDate *today)
{
	GDate monday = *today;

	g_date_subtract_days(&monday, g_date_get_weekday(today) - G_DATE_MONDAY);
	for (guint i = 0; i < out->board->len; i++) {
		const struct digest_row *r = &g_array_index(out->board, struct digest_row, i);
		int week = g_date_days_between(&monday, &r->due) / 7;
		out->weeks[CLAMP(week, 0, (int)G_N_ELEMENTS(out->weeks) - 1)]++;
	}
}

void digest_build(const struct digest_input *in, struct digest *out)
{
	memset(out, 0, sizeof(*out));
	for (int s = 0; s < DIGEST_SECTION_COUNT; s++)
		out->section[s] = g_array_new(FALSE, FALSE, sizeof(struct digest_row));
	out->board = g_array_new(FALSE, FALSE, sizeof(struct digest_row));
	for (size_t i = 0; i < in->n_cases; i++)
		sort_case(out, &in->cases[i], in);
	out->nothing_due = 1;
	for (int s = 0; s < DIGEST_SECTION_COUNT; s++) {
		g_array_sort(out->section[s], row_cmp);
		out->nothing_due &= out->section[s]->len == 0;
	}
	for (int k = 0; k < DIGEST_ITEMS_COUNT; k++) {
		out->n_items[k] = in->n_items[k];
		out->nothing_due &= in->n_items[k] == 0;
	}
	g_array_sort(out->board, row_cmp);
	count_weeks(out, &in->today);
}

void digest_clear(struct digest *d)
{
	for (int s = 0; s < DIGEST_SECTION_COUNT; s++) {
		if (d->section[s] != NULL)
			g_array_free(d->section[s], TRUE);
		d->section[s] = NULL;
	}
	if (d->board != NULL)
		g_array_free(d->board, TRUE);
	d->board = NULL;
}
