/* clock internals shared by holidays.c, deadline.c and table.c. Dates inside the module are
   GLib julian day numbers (guint32, 1 = 1 Jan of year 1, 0 = none): cheap to compare and step,
   converted with GDate at the edges. */
#ifndef PDGATE_CLOCK_PRIVATE_H
#define PDGATE_CLOCK_PRIVATE_H

#include "clock.h"

#define CLOCK_YEAR_MIN 1900
#define CLOCK_YEAR_MAX 9000

/* One year's holidays of one calendar, a bit per day of the year. */
struct clock_year {
	int year; /* 0 = not built yet */
	guint32 jan1, ndays;
	guint32 christmas, good_friday; /* the year's, whatever the calendar says (FOIA s10(6)) */
	guint8 bits[(366 + 7) / 8];
};

/* Holiday look-ups for one computation: each part's current year is built once and kept,
   so walking day by day costs a bit test, not a holiday computation per day. */
struct clock_daybook {
	const struct clock_holiday_overrides *ov;
	struct clock_year part[CLOCK_CAL_PARTS];
};

void clock_daybook_init(struct clock_daybook *book, const struct clock_holiday_overrides *ov);
int clock_daybook_holiday(struct clock_daybook *book, enum clock_calendar cal, guint32 jd);
int clock_daybook_working(struct clock_daybook *book, enum clock_calendar cal, guint32 jd);

guint32 clock_jd(const GDate *date);
guint32 clock_jd_dmy(int year, int month, int day);
void clock_jd_to_date(guint32 jd, GDate *date_r);
int clock_jd_year(guint32 jd);
int clock_date_in_range(const GDate *date);

#endif
