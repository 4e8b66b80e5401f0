/* clock: statutory deadlines, computed the way the regulator does (domain-rules section 3).
   Pure logic: no I/O and no clock reads, except clock_table_load() which reads the rules file.
   "Today" is always a parameter. Dates are GLib GDates holding a day (no time, no zone): the
   caller converts a delivery time to its Europe/London calendar date first (domain-rules 3.1.6).
   A cleared GDate (g_date_clear) means "no date" wherever a date is optional. */
#ifndef PDGATE_CLOCK_H
#define PDGATE_CLOCK_H

#include <glib.h>

/* ---- kinds, regimes, dates ---- */

enum clock_kind {
	CLOCK_KIND_ACCESS, CLOCK_KIND_RECTIFICATION, CLOCK_KIND_ERASURE, CLOCK_KIND_RESTRICTION,
	CLOCK_KIND_PORTABILITY, CLOCK_KIND_OBJECTION, CLOCK_KIND_AUTOMATED_DECISION,
	CLOCK_KIND_FOI, CLOCK_KIND_EIR, CLOCK_KIND_COMPLAINT, CLOCK_KIND_OTHER,
	CLOCK_KIND_COUNT
};

/* law_enforcement = DPA 2018 Part 3, general = UK GDPR. A request may have regime unknown
   (the team has not decided: the stricter regime applies); a table row may have regime any. */
enum clock_regime {
	CLOCK_REGIME_LAW_ENFORCEMENT, CLOCK_REGIME_GENERAL, CLOCK_REGIME_UNKNOWN, CLOCK_REGIME_ANY,
	CLOCK_REGIME_COUNT
};

/* What a complaint is about, which decides its clock (domain-rules 3): data protection (DPA
   2018 s164A), an FOI internal review (code of practice), an EIR reconsideration (reg 11), or
   police conduct (not a disclosure matter: redirected to Professional Standards). */
enum clock_complaint {
	CLOCK_COMPLAINT_DATA_PROTECTION, CLOCK_COMPLAINT_FOI_REVIEW,
	CLOCK_COMPLAINT_EIR_RECONSIDERATION, CLOCK_COMPLAINT_CONDUCT,
	CLOCK_COMPLAINT_COUNT
};

/* Whether a time limit is the law's, a published target (told to the requester as one), or
   the force's internal target (shown to the team only). */
enum clock_basis { CLOCK_BASIS_STATUTORY, CLOCK_BASIS_TARGET, CLOCK_BASIS_INTERNAL,
		   CLOCK_BASIS_COUNT };

/* The names used in files and on the command line ("access", "law_enforcement"...). */
const char *clock_complaint_name(enum clock_complaint type);
int clock_complaint_parse(const char *name, enum clock_complaint *type_r);
const char *clock_basis_name(enum clock_basis basis);
const char *clock_kind_name(enum clock_kind kind);
int clock_kind_parse(const char *name, enum clock_kind *kind_r);
const char *clock_regime_name(enum clock_regime regime);
int clock_regime_parse(const char *name, enum clock_regime *regime_r);

/* Strict YYYY-MM-DD, years 1900-9000 (the range every clock function accepts). 1 or 0. */
int clock_date_parse(const char *s, GDate *date_r);
/* "2026-02-05" into buf (11 bytes), or "-" for a cleared date. Returns buf. */
char *clock_date_iso(const GDate *date, char buf[static 11]);
/* "5 February 2026" (British order, English month names whatever the locale). g_malloc'd. */
char *clock_date_long(const GDate *date);

/* ---- bank holidays (holidays.c) ---- */

/* The three UK calendars, and CLOCK_CAL_UK: a day that is a holiday in any of them (FOIA
   s10(6) working days, which also always excludes Christmas Day and Good Friday). */
enum clock_calendar { CLOCK_CAL_EW, CLOCK_CAL_SCOTLAND, CLOCK_CAL_NI, CLOCK_CAL_UK };
#define CLOCK_CAL_PARTS 3

/* Dates an admin added or cancelled per calendar (from config: new holidays are made by
   proclamation). A zeroed struct means none. A date both added and cancelled is cancelled. */
struct clock_holiday_overrides {
	GArray *added[CLOCK_CAL_PARTS];     /* of GDate; NULL = none */
	GArray *cancelled[CLOCK_CAL_PARTS]; /* of GDate; NULL = none */
};
/* part is EW, SCOTLAND or NI. */
void clock_overrides_add(struct clock_holiday_overrides *ov, enum clock_calendar part,
			 const GDate *date, int cancelled);
void clock_overrides_clear(struct clock_holiday_overrides *ov);

/* Easter Sunday of a Gregorian year (1583 on). */
void clock_easter(int year, GDate *date_r);
/* The year's bank holidays of a calendar in date order, into out (max entries; 40 is always
   enough). Returns how many there are. ov may be NULL. */
unsigned clock_holidays(enum clock_calendar cal, int year,
			const struct clock_holiday_overrides *ov, GDate *out, unsigned max);
int clock_is_holiday(enum clock_calendar cal, const GDate *date,
		     const struct clock_holiday_overrides *ov);
/* Not a Saturday, Sunday or holiday of cal (for CLOCK_CAL_UK: of any part). */
int clock_is_working_day(enum clock_calendar cal, const GDate *date,
			 const struct clock_holiday_overrides *ov);
/* The nth UK working day after `from` (day 1 is the first working day after it, as FOIA
   counts), into *out. from must be a date clock_date_in_range accepts. */
void clock_add_working_days(const GDate *from, unsigned n,
			    const struct clock_holiday_overrides *ov, GDate *out);

/* ---- the rules table (table.c; format documented in rules/deadlines.tsv) ---- */

enum clock_unit {
	CLOCK_UNIT_NONE,         /* no time limit */
	CLOCK_UNIT_MONTHS,       /* calendar-month method, domain-rules 3.1 */
	CLOCK_UNIT_WORKING_DAYS, /* UK-wide working days after receipt, 3.2 */
	CLOCK_UNIT_DAYS,         /* calendar days, then the next E&W working day */
	CLOCK_UNIT_DAYS_BEGINNING /* "N days beginning with" the start: start + N - 1, never
				     moved to a working day (DPA s164A acknowledgement) */
};

struct clock_rule {
	enum clock_kind kind;
	enum clock_complaint complaint; /* kind complaint only */
	enum clock_regime regime; /* law_enforcement, general or any */
	GDate from, to;           /* in force on both; to cleared = open-ended */
	enum clock_unit unit;
	unsigned limit;           /* in unit; 0 with CLOCK_UNIT_NONE */
	unsigned extension;       /* total when extended, in unit (3 for "+2m"); 0 = none */
	int stop_the_clock;
	enum clock_basis basis;
	enum clock_unit ack_unit; /* an acknowledgement due within ack_limit; NONE = none */
	unsigned ack_limit;
	char *source;
	unsigned line;            /* in the file it came from */
};

struct clock_table;

/* Read a table file. Every error of the file is listed, one per line, as "file:line: message".
   1, or 0 with *error_r set. The only I/O of this module. */
int clock_table_load(const char *path, struct clock_table **table_r, char **error_r);
/* The same from text (name is used in messages). */
int clock_table_parse(const char *name, const char *text, size_t len,
		      struct clock_table **table_r, char **error_r);
void clock_table_free(struct clock_table **table);
const struct clock_rule *clock_table_rules(const struct clock_table *t, unsigned *n_r);
/* The row for kind (and, for a complaint, its type) under regime (law_enforcement or general;
   rows of regime any match both) in force on `day`, or NULL. */
const struct clock_rule *clock_table_find(const struct clock_table *t, enum clock_kind kind,
					  enum clock_complaint complaint,
					  enum clock_regime regime, const GDate *day);
/* "access/law_enforcement from 2026-02-05", "complaint:foi_review/any from ...". g_malloc'd. */
char *clock_rule_id(const struct clock_rule *rule);

/* ---- deadlines (deadline.c) ---- */

/* A period the clock stood stopped; both days count as stopped. */
struct clock_stop {
	GDate from, to;
};

/* The row that applies is the one in force on the day the request was received, even when the
   clock starts later (identity after a change in the law): transitional provisions key on the
   request. */
struct clock_request {
	enum clock_kind kind;
	enum clock_complaint complaint; /* kind complaint only */
	enum clock_regime regime;       /* law_enforcement, general or unknown */
	GDate received;
	GDate valid_from;               /* latest of identity/fee received; cleared = received.
					   For FOI/EIR after clarification: the clarified date */
	const struct clock_stop *stops; /* each must start on or after the start */
	unsigned n_stops;
	int extended;                   /* an extension was notified */
	GDate extension_asked_on;       /* cleared = not known (taken as in time) */
	const struct clock_holiday_overrides *holidays; /* NULL = none */
};

struct clock_result {
	GDate start;                /* the day the clock started */
	GDate deadline;             /* cleared when the rule has no limit */
	GDate extension_notice_by;  /* last day to notify an extension: the end of the first
				       period before any move to a working day; cleared if none
				       is allowed */
	GDate extended_deadline;    /* cleared unless extended and the extension was allowed */
	GDate acknowledge_by;       /* an acknowledgement is due by then; cleared if none */
	enum clock_unit unit;
	enum clock_basis basis;
	int stop_the_clock;         /* the rule adds (disregards) days stopped for clarification */
	unsigned working_days;      /* working-day rules: the count of the deadline that applies */
	unsigned stopped_days;      /* days added for stops (0 where the rule has no stops) */
	char *rule;                 /* the row(s) used, printable */
	char *extension_refused;    /* why req->extended was refused, or NULL */
};

/* Compute the deadlines of req under t. 1, or 0 with *error_r set (bad request: dates out of
   order or out of range, no rule in force). A refused extension is not an error: res says why.
   Free res with clock_result_clear() whatever the return. */
int clock_deadline(const struct clock_table *t, const struct clock_request *req,
		   struct clock_result *res, char **error_r);
void clock_result_clear(struct clock_result *res);
/* The deadline that applies: the extended one when granted, else the first. */
const GDate *clock_result_due(const struct clock_result *res);
/* Days from today to the due date: calendar days, or UK working days after today for
   working-day rules. 0 = due today, negative = overdue (at least -1 once past). Returns 1, or
   0 when there is no deadline. ov may be NULL. */
int clock_days_left(const struct clock_result *res, const GDate *today,
		    const struct clock_holiday_overrides *ov, int *days_r);

#endif
