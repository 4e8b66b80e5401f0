/* clock/holidays: bank holidays of England and Wales, Scotland and Northern Ireland for any
   year (domain-rules 3.3), and the working days built on them.
   Trusts its callers for dates within CLOCK_YEAR_MIN..MAX (clock_deadline checks them) and the
   admin's overrides as given. The modern pattern (early May holiday since 1978, St Andrew's
   Day since 2007) is applied to every year: deadlines before 2018 are out of scope. */
#include "clock-private.h"

#include <string.h>

/* Changes made by proclamation, all UK-wide. A move is a removal plus an addition.
   Scotland and Northern Ireland for 1995-2012 are taken to follow England [check]. */
static const struct one_off {
	int year, month, day;
	int add;
} one_offs[] = {
	{ 1995, 5, 1, 0 }, { 1995, 5, 8, 1 },                     /* VE day 50: early May moved */
	{ 1999, 12, 31, 1 },                                        /* millennium */
	{ 2002, 5, 27, 0 }, { 2002, 6, 3, 1 }, { 2002, 6, 4, 1 },   /* golden jubilee, spring moved */
	{ 2011, 4, 29, 1 },                                         /* royal wedding */
	{ 2012, 5, 28, 0 }, { 2012, 6, 4, 1 }, { 2012, 6, 5, 1 },   /* diamond jubilee, spring moved */
	{ 2020, 5, 4, 0 }, { 2020, 5, 8, 1 },                     /* VE day 75: early May moved */
	{ 2022, 5, 30, 0 }, { 2022, 6, 2, 1 }, { 2022, 6, 3, 1 },   /* platinum jubilee */
	{ 2022, 9, 19, 1 },                                         /* the Queen's funeral */
	{ 2023, 5, 8, 1 },                                          /* coronation */
};

/* ---- julian day helpers ---- */

guint32 clock_jd(const GDate *date)
{
	return g_date_valid(date) ? g_date_get_julian(date) : 0;
}

guint32 clock_jd_dmy(int year, int month, int day)
{
	GDate d;

	g_date_clear(&d, 1);
	g_date_set_dmy(&d, (GDateDay)day, (GDateMonth)month, (GDateYear)year);
	return g_date_get_julian(&d);
}

void clock_jd_to_date(guint32 jd, GDate *date_r)
{
	g_date_clear(date_r, 1);
	if (jd != 0)
		g_date_set_julian(date_r, jd);
}

int clock_jd_year(guint32 jd)
{
	GDate d;

	clock_jd_to_date(jd, &d);
	return g_date_get_year(&d);
}

static GDateWeekday jd_weekday(guint32 jd)
{
	GDate d;

	clock_jd_to_date(jd, &d);
	return g_date_get_weekday(&d);
}

static int jd_weekend(guint32 jd)
{
	GDateWeekday wd = jd_weekday(jd);
	return wd == G_DATE_SATURDAY || wd == G_DATE_SUNDAY;
}

static guint32 first_monday(int year, int month)
{
	guint32 first = clock_jd_dmy(year, month, 1);
	return first + (G_DATE_SUNDAY + 1 - jd_weekday(first)) % 7;
}

static guint32 last_monday(int year, int month)
{
	guint32 last = clock_jd_dmy(year, month,
				    g_date_get_days_in_month((GDateMonth)month, (GDateYear)year));
	return last - (jd_weekday(last) - G_DATE_MONDAY);
}

/* Anonymous Gregorian computus (Meeus/Jones/Butcher). */
void clock_easter(int year, GDate *date_r)
{
	int a = year % 19, b = year / 100, c = year % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3;
	int h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4;
	int l = (32 + 2 * e + 2 * i - h - k) % 7, m = (a + 11 * h + 22 * l) / 451;
	int n = h + l - 7 * m + 114;

	g_date_clear(date_r, 1);
	g_date_set_dmy(date_r, (GDateDay)(n % 31 + 1), (GDateMonth)(n / 31), (GDateYear)year);
}

/* ---- one calendar's year ---- */

static int year_test(const struct clock_year *y, guint32 jd)
{
	guint32 i = jd - y->jan1;
	return jd >= y->jan1 && i < y->ndays && (y->bits[i / 8] & (1u << (i % 8))) != 0;
}

static void year_set(struct clock_year *y, guint32 jd, int on)
{
	guint32 i = jd - y->jan1;

	/* A substitute can only run past the year's end for admin-made oddities: ignore it. */
	if (jd < y->jan1 || i >= y->ndays)
		return;
	if (on)
		y->bits[i / 8] |= (guint8)(1u << (i % 8));
	else
		y->bits[i / 8] &= (guint8)~(1u << (i % 8));
}

/* A fixed-date holiday: on a weekend, or on a day already taken by the holiday before it
   (Boxing Day after a substituted Christmas), it moves to the next free weekday. Called in date
   order, this gives exactly 3.3's table: 25 Dec Sat -> Mon 27 + Tue 28, Sun -> Mon 26 + Tue 27. */
static void year_add_substituted(struct clock_year *y, int month, int day)
{
	guint32 jd = clock_jd_dmy(y->year, month, day);

	while (jd_weekend(jd) || year_test(y, jd))
		jd++;
	year_set(y, jd, 1);
}

static void year_apply_overrides(struct clock_year *y, const struct clock_holiday_overrides *ov,
				 enum clock_calendar part)
{
	const GArray *lists[2] = { ov->added[part], ov->cancelled[part] };

	/* Added first, cancelled second: a date in both ends up cancelled. */
	for (unsigned l = 0; l < 2; l++) {
		for (guint i = 0; lists[l] != NULL && i < lists[l]->len; i++)
			year_set(y, clock_jd(&g_array_index(lists[l], GDate, i)), l == 0);
	}
}

static void year_build(struct clock_year *y, enum clock_calendar part, int year,
		       const struct clock_holiday_overrides *ov)
{
	GDate easter;
	guint32 e;

	memset(y, 0, sizeof(*y));
	y->year = year;
	y->jan1 = clock_jd_dmy(year, 1, 1);
	y->ndays = g_date_is_leap_year((GDateYear)year) ? 366 : 365;
	clock_easter(year, &easter);
	e = clock_jd(&easter);
	y->christmas = clock_jd_dmy(year, 12, 25);
	y->good_friday = e - 2;

	year_add_substituted(y, 1, 1);
	if (part == CLOCK_CAL_SCOTLAND)
		year_add_substituted(y, 1, 2);
	if (part == CLOCK_CAL_NI)
		year_add_substituted(y, 3, 17);
	year_set(y, e - 2, 1);
	if (part != CLOCK_CAL_SCOTLAND)
		year_set(y, e + 1, 1);
	year_set(y, first_monday(year, 5), 1);
	year_set(y, last_monday(year, 5), 1);
	if (part == CLOCK_CAL_NI)
		year_add_substituted(y, 7, 12);
	year_set(y, part == CLOCK_CAL_SCOTLAND ? first_monday(year, 8) : last_monday(year, 8), 1);
	if (part == CLOCK_CAL_SCOTLAND)
		year_add_substituted(y, 11, 30);
	year_add_substituted(y, 12, 25);
	year_add_substituted(y, 12, 26);

	for (size_t i = 0; i < G_N_ELEMENTS(one_offs); i++) {
		const struct one_off *o = &one_offs[i];
		if (o->year == year)
			year_set(y, clock_jd_dmy(o->year, o->month, o->day), o->add);
	}
	if (ov != NULL)
		year_apply_overrides(y, ov, part);
}

/* ---- day book ---- */

void clock_daybook_init(struct clock_daybook *book, const struct clock_holiday_overrides *ov)
{
	memset(book, 0, sizeof(*book));
	book->ov = ov;
}

static const struct clock_year *daybook_year(struct clock_daybook *book,
					     enum clock_calendar part, guint32 jd)
{
	struct clock_year *y = &book->part[part];

	if (y->year == 0 || jd < y->jan1 || jd - y->jan1 >= y->ndays)
		year_build(y, part, clock_jd_year(jd), book->ov);
	return y;
}

int clock_daybook_holiday(struct clock_daybook *book, enum clock_calendar cal, guint32 jd)
{
	const struct clock_year *ew;

	if (cal != CLOCK_CAL_UK)
		return year_test(daybook_year(book, cal, jd), jd);
	for (unsigned p = 0; p < CLOCK_CAL_PARTS; p++) {
		if (year_test(daybook_year(book, (enum clock_calendar)p, jd), jd))
			return 1;
	}
	ew = daybook_year(book, CLOCK_CAL_EW, jd);
	/* FOIA s10(6) names these two itself: an admin's cancellation cannot make them count. */
	return jd == ew->christmas || jd == ew->good_friday;
}

int clock_daybook_working(struct clock_daybook *book, enum clock_calendar cal, guint32 jd)
{
	return !jd_weekend(jd) && !clock_daybook_holiday(book, cal, jd);
}

/* ---- public ---- */

void clock_overrides_add(struct clock_holiday_overrides *ov, enum clock_calendar part,
			 const GDate *date, int cancelled)
{
	GArray **list;

	g_return_if_fail((unsigned)part < CLOCK_CAL_PARTS && g_date_valid(date));
	list = cancelled ? &ov->cancelled[part] : &ov->added[part];
	if (*list == NULL)
		*list = g_array_new(FALSE, FALSE, sizeof(GDate));
	g_array_append_val(*list, *date);
}

void clock_overrides_clear(struct clock_holiday_overrides *ov)
{
	for (unsigned p = 0; p < CLOCK_CAL_PARTS; p++) {
		if (ov->added[p] != NULL)
			g_array_free(ov->added[p], TRUE);
		if (ov->cancelled[p] != NULL)
			g_array_free(ov->cancelled[p], TRUE);
	}
	memset(ov, 0, sizeof(*ov));
}

unsigned clock_holidays(enum clock_calendar cal, int year,
			const struct clock_holiday_overrides *ov, GDate *out, unsigned max)
{
	struct clock_daybook book;
	guint32 jan1, ndays;
	unsigned n = 0;

	g_return_val_if_fail(year >= CLOCK_YEAR_MIN && year <= CLOCK_YEAR_MAX, 0);
	clock_daybook_init(&book, ov);
	jan1 = clock_jd_dmy(year, 1, 1);
	ndays = g_date_is_leap_year((GDateYear)year) ? 366 : 365;
	for (guint32 jd = jan1; jd < jan1 + ndays; jd++) {
		if (!clock_daybook_holiday(&book, cal, jd))
			continue;
		if (n < max)
			clock_jd_to_date(jd, &out[n]);
		n++;
	}
	return n;
}

int clock_is_holiday(enum clock_calendar cal, const GDate *date,
		     const struct clock_holiday_overrides *ov)
{
	struct clock_daybook book;

	g_return_val_if_fail(clock_date_in_range(date), 0);
	clock_daybook_init(&book, ov);
	return clock_daybook_holiday(&book, cal, clock_jd(date));
}

int clock_is_working_day(enum clock_calendar cal, const GDate *date,
			 const struct clock_holiday_overrides *ov)
{
	struct clock_daybook book;

	g_return_val_if_fail(clock_date_in_range(date), 0);
	clock_daybook_init(&book, ov);
	return clock_daybook_working(&book, cal, clock_jd(date));
}

void clock_add_working_days(const GDate *from, unsigned n,
			    const struct clock_holiday_overrides *ov, GDate *out)
{
	struct clock_daybook book;
	guint32 jd = clock_jd(from);

	clock_daybook_init(&book, ov);
	for (unsigned counted = 0; counted < n;) {
		jd++;
		counted += clock_daybook_working(&book, CLOCK_CAL_UK, jd) != 0;
	}
	clock_jd_to_date(jd, out);
}
