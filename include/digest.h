/* digest: what the disclosure team reads each working morning (the digest's sections) and the
   figures a force publishes and the regulator asks for (the statutory report), computed from
   snapshots of the cases. Pure: no I/O, no clock reads; "today" and every time are
   parameters; charts are PNG bytes drawn with cairo in memory.

   Ownership: the caller owns the snapshots (struct digest_case and what it points to) for as
   long as a struct digest or struct digest_report made from them lives; those own only their
   arrays (digest_clear, digest_report_clear). Strings returned are g_malloc'd. */
#ifndef PDGATE_DIGEST_H
#define PDGATE_DIGEST_H

#include <stddef.h>
#include <stdint.h>

#include "lifecycle.h"

/* ---- the snapshot ---- */

/* A case as the digest and the report see it. Times are Unix seconds, 0 = none. */
struct digest_case {
	int64_t id;                   /* the store's: a later case has a higher one */
	const char *reference;
	const char *requester;        /* the requester's address, or NULL */
	const char *owner;            /* #assign, or NULL */
	const struct case_record *rec; /* state, kinds, regime, complaint type, dates */
	const struct case_deadlines *d; /* each kind's deadline, computed as of the digest's or
					   report's today */
	const char *outcome;          /* how it ended (lifecycle's outcome names: "full",
					 "part", "not_held", "refused_excessive", ...) or NULL */
	int64_t received;             /* delivered to the mailbox */
	int64_t ended;                /* when it reached an end state, 0 = running */
	int64_t last_reply;           /* the requester's latest message after the request */
	int64_t last_team;            /* the team's latest command or note */
	int64_t ack_sent;             /* the acknowledgement accepted by the SMTP server */
	int possible_repeat;          /* flagged as a possible repeat of an earlier case */
};

/* ---- the digest (digest.c) ---- */

enum digest_section {
	DIGEST_OVERDUE,        /* a running deadline has passed */
	DIGEST_DUE_SOON,       /* due within DIGEST_SOON working days */
	DIGEST_EXTENSION_DUE,  /* the first period ends within DIGEST_SOON working days and the
				  case is not extended: decide now */
	DIGEST_CHASE,          /* awaiting identity or clarification for more than chase_after
				  days */
	DIGEST_NEW,            /* opened since the previous digest */
	DIGEST_REPLIES,        /* a requester message after which the team did nothing */
	DIGEST_REPEATS,        /* possible repeats still open */
	DIGEST_SECTION_COUNT
};
#define DIGEST_SOON 5

/* Colour is never the only signal: every row also says its status in words. */
enum digest_colour { DIGEST_RED, DIGEST_AMBER, DIGEST_GREEN, DIGEST_GREY };

struct digest_row {
	const struct digest_case *c;
	int has_due;
	GDate due;                    /* the next deadline the section is about */
	int days_left;                /* UK working days (negative: overdue) */
	enum digest_colour colour;
	const char *status;           /* "overdue", "due soon", "on time", "waiting": static */
};

/* Something that is not a case line: a notice that failed (or bounced), quarantined mail,
   a possible forgery, commands from a non-member, a storm of mail held without cases, a case
   whose kinds the team must confirm. */
struct digest_item {
	const char *reference;        /* its case, or NULL */
	const char *what;             /* one line, borrowed */
	int64_t when;
};

/* DIGEST_UNCERTAIN: a running case opened on a guess whose kinds the team has not yet
   confirmed, with its confirm-by day (flagged once past). */
enum digest_items { DIGEST_FAILED, DIGEST_QUARANTINED, DIGEST_FORGED, DIGEST_STRAY,
		    DIGEST_STORMS, DIGEST_UNCERTAIN, DIGEST_ITEMS_COUNT };

struct digest_input {
	const struct digest_case *cases;
	size_t n_cases;
	const struct digest_item *items[DIGEST_ITEMS_COUNT];
	size_t n_items[DIGEST_ITEMS_COUNT];
	GDate today;
	int64_t since;                /* the previous digest, 0 = none: everything is new */
	int64_t since_case;           /* the newest case it saw: higher ids are new (exact
					 where times share a second); 0: received >= since */
	unsigned chase_after;         /* days */
	const struct clock_holiday_overrides *holidays; /* may be NULL */
};

struct digest {
	GArray *section[DIGEST_SECTION_COUNT]; /* struct digest_row, most urgent first */
	GArray *board;                /* every case with a running deadline, most urgent first:
					 the coloured table */
	unsigned weeks[8];            /* open cases by week due: [0] overdue or this week, [1]
					 next week, ... [7] later */
	size_t n_items[DIGEST_ITEMS_COUNT];
	int nothing_due;              /* every section and item list is empty */
};

void digest_build(const struct digest_input *in, struct digest *out);
void digest_clear(struct digest *d);
const char *digest_section_title(enum digest_section s);

/* ---- the statutory report (report.c) ---- */

/* What a case's outcome counts as in the FOI/EIR categories forces publish. */
enum report_foi { REPORT_FOI_FULL, REPORT_FOI_PART, REPORT_FOI_REFUSED, REPORT_FOI_NOT_HELD,
		  REPORT_FOI_COST_LIMIT, REPORT_FOI_VEXATIOUS, REPORT_FOI_NCND,
		  REPORT_FOI_FEE_UNPAID, REPORT_FOI_COUNT };

/* One kind under one regime (complaints: one complaint type) over the period. */
struct report_row {
	enum clock_kind kind;
	enum clock_regime regime;     /* law_enforcement, general, or unknown (regime not set;
					 FOI, EIR, complaints and other are reported as unknown) */
	enum clock_complaint complaint; /* kind complaint only */
	unsigned received;            /* received in the period */
	unsigned completed;           /* ended in the period by a decision (responded, refused,
					 restricted, no action) */
	unsigned on_time;             /* of those, on or before the deadline that applied */
	double median_from_start, median_from_receipt; /* days taken, of the completed */
	int worst_from_start, worst_from_receipt;
	unsigned extended, refused_unfounded, refused_excessive, no_action, restricted,
		 withdrawn, redirected;
	unsigned closed;              /* closed as not a request: like withdrawn and redirected,
					 an end that is no decision (added with report.c, so every
					 end of the period has a column) */
	unsigned open_at_end, overdue_at_end;
	unsigned foi[REPORT_FOI_COUNT]; /* FOI and EIR only */
	unsigned acknowledged, ack_on_time; /* complaints with a statutory acknowledgement */
};

struct digest_report {
	GDate from, to;               /* inclusive, Europe/London days */
	GArray *rows;                 /* struct report_row, in kind, regime, type order; rows
					 with nothing to report are left out */
	GArray *months;               /* struct report_month, one per calendar month touched */
};

struct report_month {
	int year, month;
	unsigned received, completed, on_time;
};

/* The report of the cases over [from, to]. Days taken are calendar days from the clock's
   start (the way the law measures) and from receipt, to the day the case ended; a
   completion is on time when it ended on or before that kind's due date (the extended one
   when granted). 1, or 0 with *error_r (from after to). Clear with digest_report_clear. */
int digest_report_build(const struct digest_case *cases, size_t n, const GDate *from,
			const GDate *to, struct digest_report *out, char **error_r);
void digest_report_clear(struct digest_report *r);
/* The report as an aligned text table, CSV (RFC 4180, a header row) or JSON. */
char *digest_report_text(const struct digest_report *r);
char *digest_report_csv(const struct digest_report *r);
char *digest_report_json(const struct digest_report *r);
/* field as one CSV field (RFC 4180): in double quotes, each '"' doubled, when it holds a
   comma, a quote, CR or LF; else as it is. g_malloc'd. The report's quoting, for any other
   CSV pdgate writes. */
char *digest_csv_field(const char *field);

/* ---- charts (chart.c) ---- */

/* A bar chart as PNG: n bars with labels, values and colours ("#b00020"); line, when not
   NULL, a second series drawn as a line on a 0-100 % scale (the on-time rate). Sizes in
   pixels. 1 with *png_r (g_malloc'd) and *len_r, or 0 with *error_r. */
int digest_chart_png(const char *title, const char *const *labels, const double *values,
		     const char *const *colours, const double *line, size_t n, int width,
		     int height, char **png_r, size_t *len_r, char **error_r);
/* Give back what cairo and fontconfig keep for the process once a chart was drawn (font
   caches): at exit, so that a leak checker sees only real leaks. Nothing may draw after. */
void digest_chart_deinit(void);

#endif
