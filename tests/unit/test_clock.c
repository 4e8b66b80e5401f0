/* Unit tests for clock: dated deadlines computed by hand from domain-rules section 3 (every
   worked example of 3.4 among them), the published bank-holiday lists, property tests over every
   start day 2019-2035, extension refusals, days left, and rules-table errors with file:line.
   The dated cases use the tu_shipped rules/deadlines.tsv, so they also check the tu_shipped data. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "clock.h"
#include "core.h"
#include "testutil.h"


/* ---- helpers ---- */


/* "+ew:2025-07-02 -sc:2026-01-02": dates added (+) or cancelled (-) per calendar. */
static void parse_overrides(const char *spec, struct clock_holiday_overrides *ov)
{
	char **items = g_strsplit(spec, " ", -1);

	for (unsigned i = 0; items[i] != NULL; i++) {
		const char *it = items[i];
		enum clock_calendar part = strncmp(it + 1, "ew", 2) == 0 ? CLOCK_CAL_EW :
					   strncmp(it + 1, "sc", 2) == 0 ? CLOCK_CAL_SCOTLAND :
					   CLOCK_CAL_NI;
		GDate d = tu_date(it + 4);
		clock_overrides_add(ov, part, &d, it[0] == '-');
	}
	g_strfreev(items);
}

/* "FROM:TO,FROM:TO" into stops (max 4). */
static unsigned parse_stops(const char *spec, struct clock_stop *stops)
{
	char **items = g_strsplit(spec, ",", -1);
	unsigned n = 0;

	for (; items[n] != NULL && n < 4; n++) {
		char **ends = g_strsplit(items[n], ":", 2);
		stops[n].from = tu_date(ends[0]);
		stops[n].to = tu_date(ends[1]);
		g_strfreev(ends);
	}
	g_strfreev(items);
	return n;
}

/* ---- the dated cases ---- */

struct dcase {
	const char *name, *kind, *regime, *received;
	const char *valid_from;  /* NULL = received */
	const char *stops;       /* "FROM:TO,..." or NULL */
	const char *holidays;    /* overrides, see parse_overrides, or NULL */
	int extended;
	const char *asked;       /* extension asked on, or NULL */
	const char *deadline;    /* "-" = none */
	const char *notice;      /* extension_notice_by; "-" = none; NULL = not checked */
	const char *ext;         /* extended_deadline; NULL = "-" */
	const char *refused;     /* substring of extension_refused; NULL = not refused */
	const char *rule;        /* exact rule id, or NULL = not checked */
	const char *complaint;   /* complaint type; NULL = data_protection */
	const char *ack;         /* acknowledge_by; NULL = "-" (none) */
	const char *basis;       /* statutory, target, internal; NULL = not checked */
};

static const struct dcase dcases[] = {
	/* -- domain-rules 3.4, every worked example -- */
	/* 31 Jan + 1 month: no 31 Feb, so the last day, Fri 28 Feb (a working day). */
	{ "3.4 month from 31 Jan", "access", "general", "2025-01-31",
	  .deadline = "2025-02-28", .notice = "2025-02-28", .rule = "access/general from 2018-05-25" },
	/* Extended: 3 months from the same start, no 31 Apr, so Wed 30 Apr; notice by 28 Feb. */
	{ "3.4 extended from 31 Jan", "access", "general", "2025-01-31", .extended = 1,
	  .deadline = "2025-02-28", .notice = "2025-02-28", .ext = "2025-04-30" },
	/* 30 May + 1 month = Mon 30 Jun, a working day. */
	{ "3.4 30 May", "access", "general", "2025-05-30", .deadline = "2025-06-30" },
	/* 1 May + 1 month = Sun 1 Jun, so Mon 2 Jun. */
	{ "3.4 1 May", "access", "general", "2025-05-01", .deadline = "2025-06-02" },
	/* 25 Apr + 1 month = Sun 25 May; Mon 26 May is the spring bank holiday: Tue 27 May. */
	{ "3.4 25 Apr", "access", "general", "2025-04-25", .deadline = "2025-05-27" },
	/* 29 Feb 2024 + 1 month = Fri 29 Mar, Good Friday; Sat, Sun, Easter Monday 1 Apr:
	   Tue 2 Apr. */
	{ "3.4 29 Feb 2024", "access", "general", "2024-02-29", .deadline = "2024-04-02" },
	/* 26 Nov + 1 month = Fri 26 Dec, Boxing Day; Sat, Sun: Mon 29 Dec. */
	{ "3.4 26 Nov", "access", "general", "2025-11-26", .deadline = "2025-12-29" },
	/* Part 3 access since 5 Feb 2026, stopped 5-12 Mar (8 days, both ends): 3 Apr + 8 =
	   Sat 11 Apr, Sun 12: Mon 13 Apr (Easter Monday was 6 Apr). The extension notice is
	   due by the period's own end, Sat 11 Apr, before the move to Monday. */
	{ "3.4 Part 3 access with stop", "access", "law_enforcement", "2026-03-03",
	  .stops = "2026-03-05:2026-03-12", .deadline = "2026-04-13", .notice = "2026-04-11",
	  .rule = "access/law_enforcement from 2026-02-05", .basis = "statutory" },
	/* FOI from Fri 20 Dec 2024: day 1 Mon 23, 2 Tue 24, (25, 26 holidays) 3 Fri 27, 4 Mon 30,
	   5 Tue 31, (1 Jan, 2 Jan Scotland) 6 Fri 3 Jan, 7-11 6-10 Jan, 12-16 13-17 Jan, 17 Mon 20,
	   18 Tue 21, 19 Wed 22, 20 Thu 23 Jan. */
	{ "3.4 FOI over Christmas 2024", "foi", "general", "2024-12-20", .deadline = "2025-01-23",
	  .rule = "foi/any from 2005-01-01" },
	/* FOI from Sat 1 Feb 2025: day 1 Mon 3 Feb, four full weeks: day 20 Fri 28 Feb. */
	{ "3.4 FOI from a Saturday", "foi", "unknown", "2025-02-01", .deadline = "2025-02-28" },
	/* EIR extended: day 20 Thu 23 Jan as above; 21-26 Fri 24-Fri 31 Jan, 27-31 3-7 Feb,
	   32-36 10-14 Feb, 37 Mon 17, 38 Tue 18, 39 Wed 19, 40 Thu 20 Feb. */
	{ "3.4 EIR extended to 40", "eir", "general", "2024-12-20", .extended = 1,
	  .deadline = "2025-01-23", .notice = "2025-01-23", .ext = "2025-02-20" },

	/* -- starts on the 31st, 29th, 30th -- */
	/* 31 Mar + 1 month: no 31 Apr, Wed 30 Apr. */
	{ "31 Mar", "access", "general", "2025-03-31", .deadline = "2025-04-30" },
	/* 31 Oct + 1 month: no 31 Nov, 30 Nov is a Sunday: Mon 1 Dec. */
	{ "31 Oct", "access", "general", "2025-10-31", .deadline = "2025-12-01" },
	/* 31 Jan 2024 (leap year): last day of Feb is Thu 29 Feb. */
	{ "31 Jan leap year", "access", "general", "2024-01-31", .deadline = "2024-02-29" },
	/* A Sunday start counts (day 1 need not be a working day): 31 Aug -> Tue 30 Sep. */
	{ "31 Aug, a Sunday", "access", "general", "2025-08-31", .deadline = "2025-09-30" },
	/* 29 Jan 2024 -> Thu 29 Feb 2024 exists. */
	{ "29 Jan to leap day", "access", "general", "2024-01-29", .deadline = "2024-02-29" },
	/* 29 Jan 2025 -> no 29 Feb 2025: Fri 28 Feb. */
	{ "29 Jan non-leap", "access", "general", "2025-01-29", .deadline = "2025-02-28" },
	/* 30 Jan 2024 -> no 30 Feb: Thu 29 Feb. */
	{ "30 Jan leap year", "access", "general", "2024-01-30", .deadline = "2024-02-29" },
	/* 29 Feb 2028 -> Wed 29 Mar 2028 (Easter 2028 is 16 Apr). */
	{ "29 Feb 2028", "access", "general", "2028-02-29", .deadline = "2028-03-29" },
	/* 29 Feb 2024 extended: 29 May 2024 is a Wednesday (spring holiday was Mon 27);
	   notice by Fri 29 Mar, the first period's end (Good Friday: the deadline moves to
	   Tue 2 Apr, the notice does not). */
	{ "29 Feb 2024 extended", "access", "general", "2024-02-29", .extended = 1,
	  .deadline = "2024-04-02", .notice = "2024-03-29", .ext = "2024-05-29" },
	/* 28 Jan 2026 -> Sat 28 Feb, Sun 1 Mar: Mon 2 Mar. */
	{ "28 Jan 2026", "access", "general", "2026-01-28", .deadline = "2026-03-02" },
	/* 29 Jan 2026 -> no 29 Feb: Sat 28 Feb -> Mon 2 Mar. */
	{ "29 Jan 2026", "access", "general", "2026-01-29", .deadline = "2026-03-02" },

	/* -- 30 and 31 December -- */
	/* 31 Dec 2025 -> Sat 31 Jan 2026 -> Mon 2 Feb. */
	{ "31 Dec 2025", "access", "general", "2025-12-31", .deadline = "2026-02-02" },
	/* 30 Dec 2025 -> Fri 30 Jan 2026. */
	{ "30 Dec 2025", "access", "general", "2025-12-30", .deadline = "2026-01-30" },
	/* 31 Dec 2024 -> Fri 31 Jan 2025. */
	{ "31 Dec 2024", "access", "general", "2024-12-31", .deadline = "2025-01-31" },
	/* 30 Dec 2024 -> Thu 30 Jan 2025. */
	{ "30 Dec 2024", "access", "general", "2024-12-30", .deadline = "2025-01-30" },
	/* 31 Dec 2026 -> Sun 31 Jan 2027 -> Mon 1 Feb. */
	{ "31 Dec 2026", "access", "general", "2026-12-31", .deadline = "2027-02-01" },
	/* 30 Dec 2026 -> Sat 30 Jan 2027 -> Mon 1 Feb. */
	{ "30 Dec 2026", "access", "general", "2026-12-30", .deadline = "2027-02-01" },
	/* 31 Dec 2025 extended: 31 Mar 2026 is a Tuesday; notice by Sat 31 Jan, not Mon 2 Feb. */
	{ "31 Dec extended", "access", "general", "2025-12-31", .extended = 1,
	  .deadline = "2026-02-02", .notice = "2026-01-31", .ext = "2026-03-31" },

	/* -- Easter -- */
	/* 18 Mar 2025 -> Fri 18 Apr, Good Friday; weekend; Mon 21 Easter Monday: Tue 22 Apr. */
	{ "Easter 2025", "access", "general", "2025-03-18", .deadline = "2025-04-22" },
	/* 6 Mar 2026 -> Mon 6 Apr, Easter Monday: Tue 7 Apr. */
	{ "Easter Monday 2026", "access", "general", "2026-03-06", .deadline = "2026-04-07" },
	/* 3 Mar 2026, no stop -> Fri 3 Apr Good Friday, weekend, Easter Monday: Tue 7 Apr. */
	{ "Good Friday 2026", "access", "law_enforcement", "2026-03-03", .deadline = "2026-04-07" },
	/* 26 Feb 2027 -> Fri 26 Mar 2027 Good Friday, weekend, 29 Mar Easter Monday: Tue 30. */
	{ "Easter 2027", "access", "general", "2027-02-26", .deadline = "2027-03-30" },

	/* -- before a Monday bank holiday -- */
	/* 23 Jul 2025 -> Sat 23 Aug, Sun, Mon 25 Aug summer holiday (E&W): Tue 26 Aug. */
	{ "summer holiday 2025", "access", "general", "2025-07-23", .deadline = "2025-08-26" },
	/* 2 Apr 2026 -> Sat 2 May, Sun, Mon 4 May early May holiday: Tue 5 May. */
	{ "early May 2026", "access", "general", "2026-04-02", .deadline = "2026-05-05" },
	/* 4 Apr 2025 -> Sun 4 May, Mon 5 May early May holiday: Tue 6 May. */
	{ "early May 2025", "access", "general", "2025-04-04", .deadline = "2025-05-06" },
	/* 29 Jul 2026 -> Sat 29 Aug, Sun, Mon 31 Aug summer holiday: Tue 1 Sep. */
	{ "summer holiday 2026", "access", "general", "2026-07-29", .deadline = "2026-09-01" },
	/* 1 Jul 2026 -> Sat 1 Aug, Sun -> Mon 3 Aug: Scotland's holiday only, E&W calendar. */
	{ "Scotland's August is not E&W's", "access", "general", "2026-07-01",
	  .deadline = "2026-08-03" },
	/* 1 Dec 2021 -> Sat 1 Jan 2022, Sun, Mon 3 Jan substitute: Tue 4 Jan (Scotland's
	   substitute for 2 Jan, not E&W's). */
	{ "New Year substitute 2022", "access", "general", "2021-12-01", .deadline = "2022-01-04" },

	/* -- Christmas substitutes -- */
	/* 25 Nov 2025 -> Thu 25 Dec, Fri 26 Boxing Day, weekend: Mon 29 Dec. */
	{ "Christmas 2025", "access", "general", "2025-11-25", .deadline = "2025-12-29" },
	/* 25 Nov 2026 -> Fri 25 Dec; Sat 26, Sun 27, Mon 28 Boxing Day substitute: Tue 29. */
	{ "Christmas 2026 Friday", "access", "general", "2026-11-25", .deadline = "2026-12-29" },
	/* 26 Nov 2026 -> Sat 26 Dec -> Sun -> Mon 28 substitute: Tue 29 Dec. */
	{ "Boxing Day 2026 Saturday", "access", "general", "2026-11-26", .deadline = "2026-12-29" },
	/* 27 Nov 2027 -> Mon 27 Dec 2027, substitute for Sat 25; Tue 28 substitute for Sun 26:
	   Wed 29 Dec. */
	{ "Christmas 2027 Saturday", "access", "general", "2027-11-27", .deadline = "2027-12-29" },
	/* 26 Nov 2022 -> Mon 26 Dec Boxing Day, Tue 27 substitute for Sun 25: Wed 28 Dec. */
	{ "Christmas 2022 Sunday", "access", "general", "2022-11-26", .deadline = "2022-12-28" },
	/* Start on Christmas Day counts as day 1: 25 Dec 2025 -> Sun 25 Jan -> Mon 26 Jan. */
	{ "start on Christmas Day", "access", "general", "2025-12-25", .deadline = "2026-01-26" },

	/* -- one-off bank holidays -- */
	/* 8 Apr 2020 -> Fri 8 May 2020 (VE day, early May moved), weekend: Mon 11 May. */
	{ "2020 VE day", "access", "general", "2020-04-08", .deadline = "2020-05-11" },
	/* 4 Apr 2020 -> Mon 4 May 2020: the early May holiday moved away, a working day. */
	{ "2020 4 May working", "access", "general", "2020-04-04", .deadline = "2020-05-04" },
	/* 2 May 2022 -> Thu 2 Jun (spring, moved), Fri 3 Jun (jubilee), weekend: Mon 6 Jun. */
	{ "2022 2 Jun", "access", "general", "2022-05-02", .deadline = "2022-06-06" },
	/* 3 May 2022 -> Fri 3 Jun (jubilee), weekend: Mon 6 Jun. */
	{ "2022 3 Jun", "access", "general", "2022-05-03", .deadline = "2022-06-06" },
	/* 19 Aug 2022 -> Mon 19 Sep (state funeral): Tue 20 Sep. */
	{ "2022 19 Sep", "access", "general", "2022-08-19", .deadline = "2022-09-20" },
	/* 30 Apr 2022 -> Mon 30 May 2022: the spring holiday moved to 2 Jun, a working day. */
	{ "2022 30 May working", "access", "general", "2022-04-30", .deadline = "2022-05-30" },
	/* 8 Apr 2023 -> Mon 8 May 2023 (coronation): Tue 9 May. */
	{ "2023 coronation", "access", "general", "2023-04-08", .deadline = "2023-05-09" },
	/* 1 Apr 2023 -> Mon 1 May 2023 early May holiday: Tue 2 May. */
	{ "2023 early May", "access", "general", "2023-04-01", .deadline = "2023-05-02" },

	/* -- stops -- */
	/* Stop 28 Jan-3 Feb spans the month end: 7 days. 10 Feb + 7 = Mon 17 Feb. */
	{ "stop over month end", "access", "general", "2025-01-10",
	  .stops = "2025-01-28:2025-02-03", .deadline = "2025-02-17" },
	/* Overlapping stops count each day once: 28 Jan-5 Feb = 9 days; 10 Feb + 9 = Wed 19 Feb. */
	{ "overlapping stops", "access", "general", "2025-01-10",
	  .stops = "2025-01-28:2025-02-03,2025-02-01:2025-02-05", .deadline = "2025-02-19" },
	/* Two stops add up: 2 + 1 days; 2 Jul + 3 = Sat 5 Jul -> Mon 7 Jul. */
	{ "two stops", "access", "general", "2025-06-02",
	  .stops = "2025-06-05:2025-06-06,2025-06-20:2025-06-20", .deadline = "2025-07-07" },
	/* Part 3 before 5 Feb 2026 had no stop: the stop is ignored, Wed 2 Jul. */
	{ "Part 3 stop before 2026", "access", "law_enforcement", "2025-06-02",
	  .stops = "2025-06-05:2025-06-06", .deadline = "2025-07-02" },
	/* Part 3 rectification has no stop even now: 3 Apr Good Friday ... Tue 7 Apr. */
	{ "Part 3 rectification no stop", "rectification", "law_enforcement", "2026-03-03",
	  .stops = "2026-03-05:2026-03-12", .deadline = "2026-04-07" },
	/* Nor has UK GDPR rectification (the stop is for access): 2 Jul 2025, a Wednesday, not
	   Fri 4 Jul. */
	{ "UK GDPR rectification no stop", "rectification", "general", "2025-06-02",
	  .stops = "2025-06-05:2025-06-06", .deadline = "2025-07-02" },
	{ "UK GDPR erasure no stop", "erasure", "general", "2025-06-02",
	  .stops = "2025-06-05:2025-06-06", .deadline = "2025-07-02" },
	{ "UK GDPR objection no stop", "objection", "general", "2025-06-02",
	  .stops = "2025-06-05:2025-06-06", .deadline = "2025-07-02" },

	/* -- extensions -- */
	/* Asked 3 Mar, after the first month ended Fri 28 Feb: refused. */
	{ "extension asked late", "access", "general", "2025-01-31", .extended = 1,
	  .asked = "2025-03-03", .deadline = "2025-02-28", .notice = "2025-02-28",
	  .refused = "can only be notified by 28 February 2025" },
	/* Asked on the last day of the first month: granted, Wed 30 Apr. */
	{ "extension asked on the last day", "access", "general", "2025-01-31", .extended = 1,
	  .asked = "2025-02-28", .deadline = "2025-02-28", .notice = "2025-02-28",
	  .ext = "2025-04-30" },
	/* First deadline rolled from Sun 1 Jun to Mon 2 Jun: the notice was still due by
	   Sun 1 Jun ("before the end of the period of one month"), so asking on the rolled day
	   is too late... */
	{ "extension asked on the rolled day", "access", "general", "2025-05-01", .extended = 1,
	  .asked = "2025-06-02", .deadline = "2025-06-02", .notice = "2025-06-01",
	  .refused = "can only be notified by 1 June 2025" },
	/* ...and on Fri 30 May in time: 1 Aug 2025 is a Friday. */
	{ "extension asked before the weekend", "access", "general", "2025-05-01", .extended = 1,
	  .asked = "2025-05-30", .deadline = "2025-06-02", .notice = "2025-06-01",
	  .ext = "2025-08-01" },
	/* Part 3 access valid 20 Jan 2026, before the change: no extension then. 20 Feb Fri. */
	{ "Part 3 extension before 5 Feb 2026", "access", "law_enforcement", "2026-01-20",
	  .extended = 1, .asked = "2026-01-25", .deadline = "2026-02-20", .notice = "-",
	  .refused = "no extension is allowed under access/law_enforcement from 2018-05-25",
	  .rule = "access/law_enforcement from 2018-05-25" },
	/* Received 20 Jan, identity 5 Feb 2026: the clock starts 5 Feb (Thu 5 Mar), but the
	   request's day decides the rule (transitional provisions key on the request): the old
	   one, with no extension. */
	{ "Part 3 identity after the change", "access", "law_enforcement", "2026-01-20",
	  .valid_from = "2026-02-05", .extended = 1, .asked = "2026-02-20",
	  .deadline = "2026-03-05", .notice = "-",
	  .refused = "the rule in force when the request was received on 20 January 2026",
	  .rule = "access/law_enforcement from 2018-05-25" },
	/* Received 4 Feb, identity 10 Feb 2026: old rule, 1 month from 10 Feb = Tue 10 Mar; its
	   stop is ignored (the old rule had none). */
	{ "Part 3 received 4 Feb, identity 10 Feb", "access", "law_enforcement", "2026-02-04",
	  .valid_from = "2026-02-10", .stops = "2026-02-12:2026-02-16", .deadline = "2026-03-10",
	  .notice = "-", .rule = "access/law_enforcement from 2018-05-25" },
	/* Received 5 Feb, identity 10 Feb: the new rule, extension and stop: 10 Mar + 5 = Sun
	   15 Mar -> Mon 16 Mar; notice by Sun 15 Mar. */
	{ "Part 3 received 5 Feb, identity 10 Feb", "access", "law_enforcement", "2026-02-05",
	  .valid_from = "2026-02-10", .stops = "2026-02-12:2026-02-16", .deadline = "2026-03-16",
	  .notice = "2026-03-15", .rule = "access/law_enforcement from 2026-02-05" },
	/* Received 4 Feb 2026, the last day of the old rule: Wed 4 Mar, no extension. */
	{ "Part 3 on 4 Feb 2026", "access", "law_enforcement", "2026-02-04", .extended = 1,
	  .deadline = "2026-03-04", .notice = "-", .refused = "no extension" },
	/* Part 3 erasure from 10 Feb 2026: Tue 10 Mar; extended Sun 10 May -> Mon 11 May. */
	{ "Part 3 erasure extended", "erasure", "law_enforcement", "2026-02-10", .extended = 1,
	  .deadline = "2026-03-10", .notice = "2026-03-10", .ext = "2026-05-11" },
	/* UK GDPR automated decision: 1 month + 2 like the other rights (Art 12(3)). 10 Jul
	   2025 Thu; extended Wed 10 Sep. Stops ignored. */
	{ "automated decision UK GDPR", "automated_decision", "general", "2025-06-10",
	  .extended = 1, .stops = "2025-06-12:2025-06-13", .deadline = "2025-07-10",
	  .notice = "2025-07-10", .ext = "2025-09-10",
	  .rule = "automated_decision/general from 2018-05-25" },
	/* Part 3 (s50A-50D since 5 Feb 2026): 1 month, never extended. 10 Apr 2026 Fri. */
	{ "automated decision Part 3", "automated_decision", "law_enforcement", "2026-03-10",
	  .extended = 1, .deadline = "2026-04-10", .notice = "-", .refused = "no extension",
	  .rule = "automated_decision/law_enforcement from 2026-02-05" },
	/* Part 3 under s50 as enacted: 1 month from the request to reconsider: Thu 10 Jul 2025. */
	{ "automated decision Part 3 s50", "automated_decision", "law_enforcement", "2025-06-10",
	  .deadline = "2025-07-10", .notice = "-",
	  .rule = "automated_decision/law_enforcement from 2018-05-25" },
	/* Identity received 31 Jan after a request of 6 Jan: clock from 31 Jan, Fri 28 Feb. */
	{ "valid from identity", "access", "general", "2025-01-06", .valid_from = "2025-01-31",
	  .deadline = "2025-02-28" },

	/* -- regime unknown: the stricter of both -- */
	/* 20 Jan 2026: both Fri 20 Feb, but Part 3 then had no extension: refused. */
	{ "unknown before 2026", "access", "unknown", "2026-01-20", .extended = 1,
	  .deadline = "2026-02-20", .notice = "-", .refused = "no extension",
	  .rule = "access/law_enforcement from 2018-05-25 (regime unknown: stricter than "
		  "access/general from 2018-05-25)" },
	/* 3 Mar 2026, stop 5-12 Mar: both stop, both 13 Apr; both extend: 3 Jun + 8 = Thu 11 Jun.
	   Notice by Sat 11 Apr. */
	{ "unknown access 2026", "access", "unknown", "2026-03-03",
	  .stops = "2026-03-05:2026-03-12", .extended = 1, .deadline = "2026-04-13",
	  .notice = "2026-04-11", .ext = "2026-06-11" },
	/* Rectification: neither regime stops: Fri 3 Apr (Good Friday) -> Tue 7 Apr. Extended:
	   Wed 3 Jun. Notice by Fri 3 Apr, the period's end. */
	{ "unknown rectification with stop", "rectification", "unknown", "2026-03-03",
	  .stops = "2026-03-05:2026-03-12", .extended = 1, .deadline = "2026-04-07",
	  .notice = "2026-04-03", .ext = "2026-06-03",
	  .rule = "rectification/law_enforcement from 2026-02-05 (regime unknown: stricter than "
		  "rectification/general from 2018-05-25)" },
	/* Portability exists only under UK GDPR: 10 Jul 2025. */
	{ "unknown portability", "portability", "unknown", "2025-06-10", .deadline = "2025-07-10",
	  .rule = "portability/general from 2018-05-25" },

	/* -- FOI and EIR, UK-wide working days -- */
	/* From Fri 12 Dec 2025: 1-5 15-19 Dec, 6 Mon 22, 7 Tue 23, 8 Wed 24, (25, 26, weekend)
	   9 Mon 29, 10 Tue 30, 11 Wed 31, (1 Jan, 2 Jan Scotland, weekend) 12-16 5-9 Jan,
	   17 Mon 12, 18 Tue 13, 19 Wed 14, 20 Thu 15 Jan. */
	{ "FOI over Christmas 2025", "foi", "general", "2025-12-12", .deadline = "2026-01-15" },
	/* From Wed 31 Dec 2025: 1 Jan, 2 Jan (Scotland) not working: day 1 Mon 5 Jan, four
	   weeks: Fri 30 Jan (Thu 29 Jan without Scotland's 2 January). */
	{ "FOI over Scotland's 2 January", "foi", "law_enforcement", "2025-12-31",
	  .deadline = "2026-01-30" },
	/* From Sat 14 Mar 2026: 1 Mon 16, (Tue 17 St Patrick's, NI) 2-4 18-20, 5-9 23-27,
	   10 Mon 30, 11 Tue 31, 12 Wed 1 Apr, 13 Thu 2, (Good Friday, Easter Monday) 14-17 7-10,
	   18 Mon 13, 19 Tue 14, 20 Wed 15 Apr. */
	{ "FOI over 17 March and Easter", "foi", "general", "2026-03-14", .deadline = "2026-04-15" },
	/* From Wed 1 Jul 2026: 1 Thu 2, 2 Fri 3, 3-7 6-10, (Mon 13 NI substitute for Sun 12 Jul)
	   8-11 14-17, 12-16 20-24, 17-20 27-30: Thu 30 Jul. */
	{ "FOI over 12 July", "foi", "general", "2026-07-01", .deadline = "2026-07-30" },
	/* From Fri 20 Nov 2026: 1-5 23-27, (Mon 30 Nov St Andrew's) 6-9 1-4 Dec, 10-14 7-11,
	   15-19 14-18, 20 Mon 21 Dec. */
	{ "FOI over St Andrew's Day", "foi", "general", "2026-11-20", .deadline = "2026-12-21" },
	/* Clarified Mon 16 Jun 2025 (request of 2 Jun): fresh clock, 1-4 17-20, 5-9 23-27,
	   10 Mon 30, 11-14 1-4 Jul, 15-19 7-11, (Mon 14 Jul: NI substitute for Sat 12 Jul)
	   20 Tue 15 Jul. */
	{ "FOI clarification restarts", "foi", "general", "2025-06-02", .valid_from = "2025-06-16",
	  .deadline = "2025-07-15" },
	/* From Mon 2 Jun 2025: 1-4 3-6 Jun, 5-9 9-13, 10-14 16-20, 15-19 23-27, 20 Mon 30 Jun. */
	{ "FOI from a Monday", "foi", "general", "2025-06-02", .deadline = "2025-06-30" },
	/* Fee notice Thu 5 Jun to payment Tue 10 Jun: working days 5, 6, 9, 10 disregarded, so
	   four more: 1-2 3-4 Jun, 3-5 11-13, 6-10 16-20, 11-15 23-27, 16 Mon 30, 17-20 1-4 Jul. */
	{ "FOI fee stop", "foi", "general", "2025-06-02", .stops = "2025-06-05:2025-06-10",
	  .deadline = "2025-07-04" },
	/* From Thu 10 Apr 2025: 1 Fri 11, 2-5 14-17, (Good Friday, Easter Monday) 6-9 22-25,
	   10-12 28-30, 13 Thu 1 May, 14 Fri 2, (Mon 5 May) 15-18 6-9, 19 Mon 12, 20 Tue 13 May. */
	{ "FOI over Easter 2025", "foi", "general", "2025-04-10", .deadline = "2025-05-13" },
	/* FOI public-interest extension from Sat 1 Feb 2025: day 20 Fri 28 Feb, 21-30 3-14 Mar,
	   (Mon 17 Mar St Patrick's, NI) 31-34 18-21, 35-39 24-28, 40 Mon 31 Mar. */
	{ "FOI extended", "foi", "general", "2025-02-01", .extended = 1, .deadline = "2025-02-28",
	  .notice = "2025-02-28", .ext = "2025-03-31" },
	/* EIR from Sat 1 Feb 2025: day 20 Fri 28 Feb, as FOI. */
	{ "EIR 20", "eir", "general", "2025-02-01", .deadline = "2025-02-28",
	  .rule = "eir/any from 2005-01-01" },
	/* EIR extension asked Fri 24 Jan 2025, after day 20 (Thu 23 Jan): refused. */
	{ "EIR extension late", "eir", "general", "2024-12-20", .extended = 1,
	  .asked = "2025-01-24", .deadline = "2025-01-23", .notice = "2025-01-23",
	  .refused = "by 23 January 2025" },

	/* -- complaints by type, other (none) -- */
	/* Data protection: the outcome's internal target, 30 days: 2 Jun 2025 -> Wed 2 Jul. No
	   statutory acknowledgement before DPA s164A (19 June 2026). */
	{ "complaint", "complaint", "general", "2025-06-02", .deadline = "2025-07-02",
	  .rule = "complaint:data_protection/any from 2018-05-25", .basis = "internal" },
	/* Thu 18 Jun 2026, the day before s164A: Sat 18 Jul -> Mon 20 Jul, no acknowledgement. */
	{ "complaint 18 Jun 2026", "complaint", "general", "2026-06-18",
	  .deadline = "2026-07-20", .rule = "complaint:data_protection/any from 2018-05-25" },
	/* Fri 19 Jun 2026: acknowledge within 30 days beginning with receipt: 19 Jun is day 1,
	   day 30 is Sat 18 Jul, not moved to a working day. Outcome target Sun 19 Jul -> Mon 20. */
	{ "complaint 19 Jun 2026", "complaint", "law_enforcement", "2026-06-19",
	  .deadline = "2026-07-20", .ack = "2026-07-18",
	  .rule = "complaint:data_protection/any from 2026-06-19", .basis = "internal" },
	/* 31 Jan 2027: day 30 is Mon 1 Mar (28 days in Feb). */
	{ "complaint acknowledgement over February", "complaint", "unknown", "2027-01-31",
	  .deadline = "2027-03-02", .ack = "2027-03-01" },
	/* FOI internal review from Mon 1 Jun 2026: a target of 20 working days: day 1 Tue 2 Jun,
	   2-4 3-5 Jun, 5-9 8-12, 10-14 15-19, 15-19 22-26, 20 Mon 29 Jun. 40 at most: 21 Tue 30,
	   22-24 1-3 Jul, 25-29 6-10, (Mon 13 Jul NI) 30-33 14-17, 34-38 20-24, 39 Mon 27,
	   40 Tue 28 Jul. */
	{ "FOI internal review", "complaint", "general", "2026-06-01", .complaint = "foi_review",
	  .extended = 1, .deadline = "2026-06-29", .notice = "2026-06-29", .ext = "2026-07-28",
	  .rule = "complaint:foi_review/any from 2005-01-01", .basis = "target" },
	/* EIR reconsideration: 40 working days, statute: Tue 28 Jul 2026 as above. */
	{ "EIR reconsideration", "complaint", "unknown", "2026-06-01",
	  .complaint = "eir_reconsideration", .deadline = "2026-07-28", .notice = "-",
	  .rule = "complaint:eir_reconsideration/any from 2005-01-01", .basis = "statutory" },
	/* Police conduct: not a disclosure matter, no clock. */
	{ "conduct complaint", "complaint", "general", "2026-06-01", .complaint = "conduct",
	  .deadline = "-", .notice = "-", .rule = "complaint:conduct/any from 1900-01-01" },
	/* 26 Nov 2025 + 30 days = Fri 26 Dec, Boxing Day, weekend: Mon 29 Dec. */
	{ "complaint over Christmas", "complaint", "unknown", "2025-11-26",
	  .deadline = "2025-12-29" },
	/* Sat 26 Apr 2025 + 30 days = Mon 26 May, spring holiday: Tue 27 May. */
	{ "complaint spring holiday", "complaint", "general", "2025-04-26", .deadline = "2025-05-27" },
	/* Other: no limit, nothing to extend. */
	{ "other", "other", "general", "2025-06-02", .deadline = "-", .notice = "-",
	  .rule = "other/any from 1900-01-01" },
	{ "other extended", "other", "unknown", "2025-06-02", .extended = 1, .deadline = "-",
	  .notice = "-", .refused = "no time limit" },

	/* -- admin overrides -- */
	/* 2 Jun 2025 -> Wed 2 Jul; an added E&W holiday on 2 Jul moves it to Thu 3 Jul. */
	{ "added holiday", "access", "general", "2025-06-02", .holidays = "+ew:2025-07-02",
	  .deadline = "2025-07-03" },
	/* 25 Apr 2025 -> Sun 25 May -> Mon 26 May, its spring holiday cancelled: Mon 26 May. */
	{ "cancelled holiday", "access", "general", "2025-04-25", .holidays = "-ew:2025-05-26",
	  .deadline = "2025-05-26" },
	/* A Scotland-only addition does not move a calendar-month deadline (E&W)... */
	{ "Scottish addition, month", "access", "general", "2025-06-02",
	  .holidays = "+sc:2025-07-02", .deadline = "2025-07-02" },
	/* ...but does move FOI (UK-wide): from Mon 2 Jun 2025, day 20 Mon 30 Jun; a Scottish
	   holiday on Tue 17 Jun pushes it to Tue 1 Jul. */
	{ "Scottish addition, FOI", "foi", "general", "2025-06-02", .holidays = "+sc:2025-06-17",
	  .deadline = "2025-07-01" },
	/* Cancelling Christmas Day in every part cannot make it a FOI working day (s10(6)): from
	   Fri 12 Dec 2025 still Thu 15 Jan 2026. */
	{ "Christmas cannot be cancelled for FOI", "foi", "general", "2025-12-12",
	  .holidays = "-ew:2025-12-25 -sc:2025-12-25 -ni:2025-12-25", .deadline = "2026-01-15" },
};

static void run_dcase(const struct dcase *c)
{
	struct clock_holiday_overrides ov = { .added = { NULL } };
	struct clock_stop stops[4];
	struct clock_request req = { .n_stops = 0 };
	struct clock_result res;
	char *error = NULL;

	if (!clock_kind_parse(c->kind, &req.kind) || !clock_regime_parse(c->regime, &req.regime) ||
	    (c->complaint != NULL && !clock_complaint_parse(c->complaint, &req.complaint)))
		fail_msg("%s: bad kind, complaint type or regime", c->name);
	req.received = tu_date(c->received);
	req.valid_from = tu_date(c->valid_from);
	req.extension_asked_on = tu_date(c->asked);
	req.extended = c->extended;
	if (c->stops != NULL)
		req.n_stops = parse_stops(c->stops, stops);
	req.stops = stops;
	if (c->holidays != NULL)
		parse_overrides(c->holidays, &ov);
	req.holidays = &ov;
	if (!clock_deadline(tu_shipped, &req, &res, &error))
		fail_msg("%s: %s", c->name, error);
	tu_assert_date("deadline", c->name, &res.deadline, c->deadline);
	if (c->notice != NULL)
		tu_assert_date("extension_notice_by", c->name, &res.extension_notice_by, c->notice);
	tu_assert_date("extended_deadline", c->name, &res.extended_deadline,
		    c->ext != NULL ? c->ext : "-");
	if (c->refused == NULL && res.extension_refused != NULL)
		fail_msg("%s: unexpected refusal: %s", c->name, res.extension_refused);
	if (c->refused != NULL &&
	    (res.extension_refused == NULL || strstr(res.extension_refused, c->refused) == NULL))
		fail_msg("%s: expected refusal with \"%s\", got \"%s\"", c->name, c->refused,
			 res.extension_refused != NULL ? res.extension_refused : "(none)");
	if (c->rule != NULL && strcmp(res.rule, c->rule) != 0)
		fail_msg("%s: expected rule \"%s\", got \"%s\"", c->name, c->rule, res.rule);
	tu_assert_date("acknowledge_by", c->name, &res.acknowledge_by, c->ack != NULL ? c->ack : "-");
	if (c->basis != NULL && strcmp(clock_basis_name(res.basis), c->basis) != 0)
		fail_msg("%s: expected basis %s, got %s", c->name, c->basis,
			 clock_basis_name(res.basis));
	clock_result_clear(&res);
	clock_overrides_clear(&ov);
}

static void test_dated_cases(void **state)
{
	/* The brief asks for at least 60 hand-computed cases. */
	assert_true(G_N_ELEMENTS(dcases) >= 60);
	for (size_t i = 0; i < G_N_ELEMENTS(dcases); i++)
		run_dcase(&dcases[i]);
}

static void test_result_details(void **state)
{
	struct clock_stop stop = { tu_date("2025-06-05"), tu_date("2025-06-10") };
	struct clock_request req = {
		.kind = CLOCK_KIND_FOI, .regime = CLOCK_REGIME_GENERAL, .received = tu_date("2025-06-02"),
		.valid_from = tu_date(NULL), .extension_asked_on = tu_date(NULL), .stops = &stop,
		.n_stops = 1,
	};
	struct clock_result res;
	char *error = NULL;

	/* FOI: 20 working days, 4 disregarded for the fee (5, 6, 9, 10 June). */
	assert_int_equal(clock_deadline(tu_shipped, &req, &res, &error), 1);
	assert_int_equal(res.unit, CLOCK_UNIT_WORKING_DAYS);
	assert_int_equal(res.working_days, 20);
	assert_int_equal(res.stopped_days, 4);
	tu_assert_date("start", "details", &res.start, "2025-06-02");
	clock_result_clear(&res);

	/* EIR extended: 40. */
	req.kind = CLOCK_KIND_EIR;
	req.n_stops = 0;
	req.extended = 1;
	assert_int_equal(clock_deadline(tu_shipped, &req, &res, &error), 1);
	assert_int_equal(res.working_days, 40);
	clock_result_clear(&res);

	/* Calendar month with a 6-day stop (5-10 June): stopped_days 6, start is valid_from. */
	req.kind = CLOCK_KIND_ACCESS;
	req.extended = 0;
	req.n_stops = 1;
	req.valid_from = tu_date("2025-06-03");
	assert_int_equal(clock_deadline(tu_shipped, &req, &res, &error), 1);
	assert_int_equal(res.unit, CLOCK_UNIT_MONTHS);
	assert_int_equal(res.stopped_days, 6);
	assert_int_equal(res.working_days, 0);
	tu_assert_date("start", "details", &res.start, "2025-06-03");
	/* 3 Jul + 6 = Wed 9 Jul. */
	tu_assert_date("deadline", "details", &res.deadline, "2025-07-09");
	clock_result_clear(&res);
	assert_null(error);
}

/* ---- request errors ---- */

static void expect_error(struct clock_request *req, const char *want)
{
	struct clock_result res;
	char *error = NULL;

	assert_int_equal(clock_deadline(tu_shipped, req, &res, &error), 0);
	assert_non_null(error);
	if (strstr(error, want) == NULL)
		fail_msg("expected error with \"%s\", got \"%s\"", want, error);
	clock_result_clear(&res);
	g_free(error);
}

static void test_request_errors(void **state)
{
	struct clock_stop stop = { tu_date("2025-06-01"), tu_date("2025-06-04") };
	struct clock_request req = {
		.kind = CLOCK_KIND_ACCESS, .regime = CLOCK_REGIME_GENERAL,
		.received = tu_date("2025-06-02"), .valid_from = tu_date("2025-06-01"),
		.extension_asked_on = tu_date(NULL),
	};

	expect_error(&req, "cannot become valid before it was received");
	req.valid_from = tu_date(NULL);
	req.stops = &stop;
	req.n_stops = 1;
	expect_error(&req, "stop 1 starts before the clock started");
	stop.from = tu_date("2025-06-05");
	expect_error(&req, "stop 1 ends before it starts");
	req.n_stops = 0;
	req.extension_asked_on = tu_date("2025-05-30");
	expect_error(&req, "before the clock started");
	req.extension_asked_on = tu_date(NULL);
	req.received = tu_date(NULL);
	expect_error(&req, "the date received is missing");
	/* Before UK GDPR: the table does not cover it. */
	req.received = tu_date("2017-06-01");
	expect_error(&req, "no deadline rule for access/general in force on 1 June 2017");
	req.received = tu_date("2025-06-10");
	req.kind = CLOCK_KIND_PORTABILITY;
	req.regime = CLOCK_REGIME_LAW_ENFORCEMENT;
	expect_error(&req, "no deadline rule for portability/law_enforcement in force on "
		     "10 June 2025");
	req.regime = CLOCK_REGIME_ANY;
	expect_error(&req, "bad kind or regime");
}

/* ---- days left ---- */

static int days_left(const char *kind, const char *received, const char *today)
{
	struct clock_request req = {
		.received = tu_date(received), .valid_from = tu_date(NULL),
		.extension_asked_on = tu_date(NULL), .regime = CLOCK_REGIME_GENERAL,
	};
	struct clock_result res;
	GDate t = tu_date(today);
	char *error = NULL;
	int days = 12345;

	assert_true(clock_kind_parse(kind, &req.kind));
	assert_int_equal(clock_deadline(tu_shipped, &req, &res, &error), 1);
	if (!clock_days_left(&res, &t, NULL, &days))
		days = 9999;
	clock_result_clear(&res);
	return days;
}

static void test_days_left(void **state)
{
	/* Access from 31 Jan 2025: due Fri 28 Feb. Calendar days. */
	assert_int_equal(days_left("access", "2025-01-31", "2025-02-20"), 8);
	assert_int_equal(days_left("access", "2025-01-31", "2025-02-28"), 0);
	assert_int_equal(days_left("access", "2025-01-31", "2025-03-02"), -2);
	/* FOI from Sat 1 Feb 2025: due Fri 28 Feb. Working days after today. */
	assert_int_equal(days_left("foi", "2025-02-01", "2025-02-24"), 4);
	assert_int_equal(days_left("foi", "2025-02-01", "2025-02-21"), 5);
	assert_int_equal(days_left("foi", "2025-02-01", "2025-02-28"), 0);
	/* Saturday after a Friday deadline: no working day since, still overdue. */
	assert_int_equal(days_left("foi", "2025-02-01", "2025-03-01"), -1);
	assert_int_equal(days_left("foi", "2025-02-01", "2025-03-04"), -2);
	/* Other: no deadline. */
	assert_int_equal(days_left("other", "2025-02-01", "2025-03-04"), 9999);
}

/* ---- bank holidays against the published lists ---- */

static void check_holidays(enum clock_calendar cal, int year, const char *want)
{
	GDate list[40];
	unsigned n = clock_holidays(cal, year, NULL, list, G_N_ELEMENTS(list));
	GString *got = g_string_new(NULL);
	char buf[11];

	for (unsigned i = 0; i < n; i++)
		g_string_append_printf(got, "%s%s", i > 0 ? " " : "", clock_date_iso(&list[i], buf));
	if (strcmp(got->str, want) != 0)
		fail_msg("holidays %d/%d:\n expected %s\n got      %s", cal, year, want, got->str);
	g_string_free(got, TRUE);
}

static void test_holiday_lists(void **state)
{
	/* England and Wales, as published (gov.uk) and in domain-rules 3.3 for 2026. */
	check_holidays(CLOCK_CAL_EW, 2024, "2024-01-01 2024-03-29 2024-04-01 2024-05-06 "
		       "2024-05-27 2024-08-26 2024-12-25 2024-12-26");
	check_holidays(CLOCK_CAL_EW, 2025, "2025-01-01 2025-04-18 2025-04-21 2025-05-05 "
		       "2025-05-26 2025-08-25 2025-12-25 2025-12-26");
	check_holidays(CLOCK_CAL_EW, 2026, "2026-01-01 2026-04-03 2026-04-06 2026-05-04 "
		       "2026-05-25 2026-08-31 2026-12-25 2026-12-28");
	check_holidays(CLOCK_CAL_EW, 2027, "2027-01-01 2027-03-26 2027-03-29 2027-05-03 "
		       "2027-05-31 2027-08-30 2027-12-27 2027-12-28");
	/* One-off years. */
	check_holidays(CLOCK_CAL_EW, 2020, "2020-01-01 2020-04-10 2020-04-13 2020-05-08 "
		       "2020-05-25 2020-08-31 2020-12-25 2020-12-28");
	check_holidays(CLOCK_CAL_EW, 2022, "2022-01-03 2022-04-15 2022-04-18 2022-05-02 "
		       "2022-06-02 2022-06-03 2022-08-29 2022-09-19 2022-12-26 2022-12-27");
	check_holidays(CLOCK_CAL_EW, 2023, "2023-01-02 2023-04-07 2023-04-10 2023-05-01 "
		       "2023-05-08 2023-05-29 2023-08-28 2023-12-25 2023-12-26");
	check_holidays(CLOCK_CAL_EW, 2012, "2012-01-02 2012-04-06 2012-04-09 2012-05-07 "
		       "2012-06-04 2012-06-05 2012-08-27 2012-12-25 2012-12-26");
	check_holidays(CLOCK_CAL_EW, 2011, "2011-01-03 2011-04-22 2011-04-25 2011-04-29 "
		       "2011-05-02 2011-05-30 2011-08-29 2011-12-26 2011-12-27");
	check_holidays(CLOCK_CAL_EW, 1999, "1999-01-01 1999-04-02 1999-04-05 1999-05-03 "
		       "1999-05-31 1999-08-30 1999-12-27 1999-12-28 1999-12-31");
	/* Scotland 2026: 1, 2 Jan; Good Friday (no Easter Monday); 4, 25 May; 3 Aug; 30 Nov;
	   25 Dec and Mon 28 Dec for Boxing Day. */
	check_holidays(CLOCK_CAL_SCOTLAND, 2026, "2026-01-01 2026-01-02 2026-04-03 2026-05-04 "
		       "2026-05-25 2026-08-03 2026-11-30 2026-12-25 2026-12-28");
	/* Scotland 2024: St Andrew's Day Sat 30 Nov -> Mon 2 Dec. */
	check_holidays(CLOCK_CAL_SCOTLAND, 2024, "2024-01-01 2024-01-02 2024-03-29 2024-05-06 "
		       "2024-05-27 2024-08-05 2024-12-02 2024-12-25 2024-12-26");
	/* Scotland 2023: Sun 1 Jan -> Mon 2, 2 Jan -> Tue 3. */
	check_holidays(CLOCK_CAL_SCOTLAND, 2023, "2023-01-02 2023-01-03 2023-04-07 2023-05-01 "
		       "2023-05-08 2023-05-29 2023-08-07 2023-11-30 2023-12-25 2023-12-26");
	/* Northern Ireland 2026: E&W plus Tue 17 Mar and Mon 13 Jul (12 Jul is a Sunday). */
	check_holidays(CLOCK_CAL_NI, 2026, "2026-01-01 2026-03-17 2026-04-03 2026-04-06 "
		       "2026-05-04 2026-05-25 2026-07-13 2026-08-31 2026-12-25 2026-12-28");
	/* UK-wide 2026: the union. */
	check_holidays(CLOCK_CAL_UK, 2026, "2026-01-01 2026-01-02 2026-03-17 2026-04-03 "
		       "2026-04-06 2026-05-04 2026-05-25 2026-07-13 2026-08-03 2026-08-31 "
		       "2026-11-30 2026-12-25 2026-12-28");
}

static void test_easter(void **state)
{
	static const struct { int year; const char *sunday; } known[] = {
		{ 1943, "1943-04-25" }, { 1961, "1961-04-02" }, { 2000, "2000-04-23" },
		{ 2008, "2008-03-23" }, { 2019, "2019-04-21" }, { 2024, "2024-03-31" },
		{ 2025, "2025-04-20" }, { 2026, "2026-04-05" }, { 2038, "2038-04-25" },
		{ 2285, "2285-03-22" },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(known); i++) {
		GDate d;
		clock_easter(known[i].year, &d);
		tu_assert_date("easter", known[i].sunday, &d, known[i].sunday);
	}
}

static void test_working_days(void **state)
{
	struct clock_holiday_overrides ov = { .added = { NULL } };
	GDate d = tu_date("2026-01-02");

	/* Scotland's 2 January: working in E&W, not UK-wide. */
	assert_true(clock_is_working_day(CLOCK_CAL_EW, &d, NULL));
	assert_false(clock_is_working_day(CLOCK_CAL_UK, &d, NULL));
	assert_true(clock_is_holiday(CLOCK_CAL_SCOTLAND, &d, NULL));
	d = tu_date("2026-03-17");
	assert_true(clock_is_working_day(CLOCK_CAL_EW, &d, NULL));
	assert_false(clock_is_working_day(CLOCK_CAL_UK, &d, NULL));
	/* A weekend is never a working day, nor a holiday. */
	d = tu_date("2026-03-14");
	assert_false(clock_is_working_day(CLOCK_CAL_EW, &d, NULL));
	assert_false(clock_is_holiday(CLOCK_CAL_EW, &d, NULL));
	/* Overrides: cancelled wins over added. */
	d = tu_date("2026-06-10");
	clock_overrides_add(&ov, CLOCK_CAL_EW, &d, 0);
	assert_false(clock_is_working_day(CLOCK_CAL_EW, &d, &ov));
	assert_false(clock_is_working_day(CLOCK_CAL_UK, &d, &ov));
	clock_overrides_add(&ov, CLOCK_CAL_EW, &d, 1);
	assert_true(clock_is_working_day(CLOCK_CAL_EW, &d, &ov));
	/* Good Friday cancelled everywhere still is no FOI working day. */
	d = tu_date("2026-04-03");
	for (unsigned p = 0; p < CLOCK_CAL_PARTS; p++)
		clock_overrides_add(&ov, (enum clock_calendar)p, &d, 1);
	assert_true(clock_is_working_day(CLOCK_CAL_EW, &d, &ov));
	assert_false(clock_is_working_day(CLOCK_CAL_UK, &d, &ov));
	clock_overrides_clear(&ov);
}

/* ---- properties over every start day 2019-2035 ---- */

struct prop {
	const char *name;
	enum clock_kind kind;
	int extended;
	enum clock_calendar cal;
};

static void check_property(const struct prop *p)
{
	struct clock_request req = {
		.kind = p->kind, .regime = CLOCK_REGIME_GENERAL, .extended = p->extended,
		.valid_from = tu_date(NULL), .extension_asked_on = tu_date(NULL),
	};
	GDate start = tu_date("2019-01-01"), end = tu_date("2035-12-31"), prev;
	struct clock_result res;
	char *error = NULL;
	char a[11], b[11];
	unsigned n = 0;

	g_date_clear(&prev, 1);
	for (; g_date_compare(&start, &end) <= 0; g_date_add_days(&start, 1), n++) {
		const GDate *due;
		req.received = start;
		if (!clock_deadline(tu_shipped, &req, &res, &error))
			fail_msg("%s %s: %s", p->name, clock_date_iso(&start, a), error);
		due = clock_result_due(&res);
		if (!clock_is_working_day(p->cal, due, NULL) ||
		    g_date_compare(due, &start) <= 0 ||
		    (g_date_valid(&prev) && g_date_compare(due, &prev) < 0) ||
		    (p->extended && g_date_compare(&res.extended_deadline, &res.deadline) <= 0))
			fail_msg("%s: start %s gives %s (previous start gave %s)", p->name,
				 clock_date_iso(&start, a), clock_date_iso(due, b),
				 clock_date_iso(&prev, a));
		/* The extension notice is due by the period's end: on or before the first deadline,
		   and that deadline is the first working day on or after it. */
		if (g_date_valid(&res.extension_notice_by)) {
			GDate d = res.extension_notice_by;
			if (g_date_compare(&d, &res.deadline) > 0)
				fail_msg("%s %s: notice after the deadline", p->name,
					 clock_date_iso(&start, a));
			while (!clock_is_working_day(p->cal, &d, NULL))
				g_date_add_days(&d, 1);
			if (g_date_compare(&d, &res.deadline) != 0)
				fail_msg("%s %s: notice by %s, deadline %s", p->name,
					 clock_date_iso(&start, a),
					 clock_date_iso(&res.extension_notice_by, b),
					 clock_date_iso(&res.deadline, a));
		}
		prev = *due;
		clock_result_clear(&res);
	}
	assert_int_equal(n, 6209); /* 17 years, 4 of them leap */
}

static void test_properties(void **state)
{
	static const struct prop props[] = {
		{ "calendar month", CLOCK_KIND_ACCESS, 0, CLOCK_CAL_EW },
		{ "calendar month extended", CLOCK_KIND_ACCESS, 1, CLOCK_CAL_EW },
		{ "calendar days", CLOCK_KIND_COMPLAINT, 0, CLOCK_CAL_EW },
		{ "FOI working days", CLOCK_KIND_FOI, 0, CLOCK_CAL_UK },
		{ "EIR extended working days", CLOCK_KIND_EIR, 1, CLOCK_CAL_UK },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(props); i++)
		check_property(&props[i]);
}

/* ---- the table file ---- */

static void test_table_shipped(void **state)
{
	unsigned n;
	const struct clock_rule *rules = clock_table_rules(tu_shipped, &n);
	GDate d = tu_date("2026-02-05");
	const struct clock_rule *r;

	assert_int_equal(n, 25);
	assert_non_null(rules);
	r = clock_table_find(tu_shipped, CLOCK_KIND_ACCESS, 0, CLOCK_REGIME_LAW_ENFORCEMENT, &d);
	assert_non_null(r);
	assert_int_equal(r->extension, 3);
	assert_true(r->stop_the_clock);
	r = clock_table_find(tu_shipped, CLOCK_KIND_RESTRICTION, 0, CLOCK_REGIME_LAW_ENFORCEMENT,
			     &d);
	assert_int_equal(r->extension, 3);
	assert_false(r->stop_the_clock);
	d = tu_date("2026-02-04");
	r = clock_table_find(tu_shipped, CLOCK_KIND_ACCESS, 0, CLOCK_REGIME_LAW_ENFORCEMENT, &d);
	assert_int_equal(r->extension, 0);
	assert_false(r->stop_the_clock);
	assert_null(clock_table_find(tu_shipped, CLOCK_KIND_ACCESS, 0, CLOCK_REGIME_UNKNOWN, &d));
	/* domain-rules 3: the clarification stop is for access only, in both regimes. */
	for (unsigned i = 0; i < n; i++) {
		if (rules[i].stop_the_clock && rules[i].kind != CLOCK_KIND_ACCESS &&
		    rules[i].kind != CLOCK_KIND_FOI)
			fail_msg("line %u: a %s rule stops the clock", rules[i].line,
				 clock_kind_name(rules[i].kind));
	}
	/* Every complaint type has a row today, and only data protection's is internal. */
	d = tu_date("2026-12-03");
	for (int t = 0; t < CLOCK_COMPLAINT_COUNT; t++) {
		r = clock_table_find(tu_shipped, CLOCK_KIND_COMPLAINT, (enum clock_complaint)t,
				     CLOCK_REGIME_GENERAL, &d);
		assert_non_null(r);
		assert_int_equal(r->basis == CLOCK_BASIS_INTERNAL,
				 t == CLOCK_COMPLAINT_DATA_PROTECTION);
	}
	r = clock_table_find(tu_shipped, CLOCK_KIND_COMPLAINT, CLOCK_COMPLAINT_FOI_REVIEW,
			     CLOCK_REGIME_LAW_ENFORCEMENT, &d);
	assert_int_equal(r->basis, CLOCK_BASIS_TARGET);
	assert_int_equal(r->extension, 40);
}

static void expect_table_errors(const char *text, const char *want)
{
	struct clock_table *t = NULL;
	char *error = NULL;

	assert_int_equal(clock_table_parse("t.tsv", text, strlen(text), &t, &error), 0);
	assert_null(t);
	if (strcmp(error, want) != 0)
		fail_msg("expected errors:\n%s\ngot:\n%s", want, error);
	g_free(error);
}

static void test_table_errors(void **state)
{
	/* Every error of the file in one pass, in line order, overlaps included. */
	expect_table_errors(
		"# comment\n"
		"access\tgeneral\t2018-05-25\t-\t1m\t+2m\tyes\tstatutory\tnone\tok\n"
		"acces\tgeneral\t2018-05-25\t-\t1m\t+2m\tyes\tstatutory\tnone\tx\n"
		"access\tpolice\t2018-13-01\t2017-01-01\t1m\t+2m\tmaybe\tstatutory\tnone\tx\n"
		"\n"
		"foi\tany\t2005-01-01\t2004-01-01\t20wd\t+2m\tno\tstatutory\tnone\tx\n"
		"eir\tany\t2005-01-01\t-\t20x\t40wd\tno\tstatutory\tnone\t \n"
		"eir\tany\t2005-01-01\t-\t20wd\t10wd\tno\tstatutory\tnone\tx\n"
		"other\tany\t1900-01-01\t-\tnone\t+1m\tno\tstatutory\tnone\tx\n"
		"access\tany\t2020-01-01\t2020-12-31\t1m\tnone\tno\tstatutory\tnone\tx\n"
		"complaint\tany\t2018-05-25\n"
		"foi\tunknown\t2005-01-01\t-\t20wd\tnone\tno\tstatutory\tnone\tx\n",
		"t.tsv:3: unknown kind \"acces\"\n"
		"t.tsv:4: unknown regime \"police\" (law_enforcement, general or any)\n"
		"t.tsv:4: bad in_force_from \"2018-13-01\" (YYYY-MM-DD)\n"
		"t.tsv:4: stop_the_clock must be yes or no, not \"maybe\"\n"
		"t.tsv:6: in_force_to 2004-01-01 is before in_force_from 2005-01-01\n"
		"t.tsv:6: extension \"+2m\" is not in the unit of the limit \"20wd\"\n"
		"t.tsv:7: bad limit \"20x\" (e.g. 1m, 20wd, 30d, 30db or none)\n"
		"t.tsv:7: missing source note\n"
		"t.tsv:8: extension \"10wd\" must be longer than the limit \"20wd\"\n"
		"t.tsv:9: extension \"+1m\" is not in the unit of the limit \"none\"\n"
		"t.tsv:10: in force on the same days as access/general from 2018-05-25 (line 2)\n"
		"t.tsv:11: expected 10 tab-separated fields, found 3 (kind regime in_force_from "
		"in_force_to limit extension stop_the_clock basis acknowledge source)\n"
		"t.tsv:12: unknown regime \"unknown\" (law_enforcement, general or any)");
	/* Same kind, different regimes, adjacent ranges: fine; missing coverage: fine. */
	{
		const char *ok =
			"access\tlaw_enforcement\t2018-05-25\t2026-02-04\t1m\tnone\tno\tstatutory"
			"\tnone\ta\r\n"
			"access\tlaw_enforcement\t2026-02-05\t-\t1m\t+2m\tyes\tstatutory\tnone\tb\r\n"
			"access\tgeneral\t2018-05-25\t-\t1m\t3m\tyes\tstatutory\tnone\tc\r\n"
			/* one kind, two complaint types: not an overlap */
			"complaint:foi_review\tany\t2005-01-01\t-\t20wd\t40wd\tno\ttarget\tnone\td\n"
			"complaint:data_protection\tany\t2005-01-01\t-\t30d\tnone\tno\tinternal"
			"\t30db\te\n";
		struct clock_table *t = NULL;
		char *error = NULL;
		assert_int_equal(clock_table_parse("ok.tsv", ok, strlen(ok), &t, &error), 1);
		assert_null(error);
		clock_table_free(&t);
		assert_null(t);
	}
	expect_table_errors("foi\tany\t2005-01-01\t-\t20wd\tnone\tno\tstatutory\tnone\tx\n"
			    "foi\tgeneral\t2010-01-01\t2010-12-31\t20wd\tnone\tno\tstatutory\tnone\tx\n",
			    "t.tsv:2: in force on the same days as foi/any from 2005-01-01 (line 1)");
	/* An empty kind (a row indented with a TAB) is an error, not a crash
	   (tests/fuzz/regressions/deadlines/empty-kind). */
	expect_table_errors("\tany\t2005-01-01\t-\t20wd\t+20wd\tyes\tstatutory\tnone\tx\n",
			    "t.tsv:1: unknown kind \"\"");
	expect_table_errors("foi\tany\t2005-01-01\t-\t0wd\tnone\tno\tstatutory\tnone\tx\n",
			    "t.tsv:1: bad limit \"0wd\" (e.g. 1m, 20wd, 30d, 30db or none)");
	/* Complaint types, basis and acknowledgement periods. */
	expect_table_errors(
		"complaint\tany\t2005-01-01\t-\t30d\tnone\tno\tinternal\tnone\tx\n"
		"complaint:appeal\tany\t2005-01-01\t-\t30d\tnone\tno\tinternal\tnone\tx\n"
		"access:foi_review\tany\t2005-01-01\t-\t1m\tnone\tno\tstatutory\tnone\tx\n"
		"foi\tany\t2005-01-01\t-\t20wd\tnone\tno\tlaw\t1m\tx\n"
		"complaint:conduct\tany\t2005-01-01\t-\tnone\tnone\tno\tstatutory\tnone\tx\n"
		"complaint:conduct\tany\t2010-01-01\t-\tnone\tnone\tno\tstatutory\tnone\tx\n",
		"t.tsv:1: a complaint row names its type: complaint:data_protection, "
		"complaint:foi_review, complaint:eir_reconsideration or complaint:conduct, not "
		"\"complaint\"\n"
		"t.tsv:2: a complaint row names its type: complaint:data_protection, "
		"complaint:foi_review, complaint:eir_reconsideration or complaint:conduct, not "
		"\"complaint:appeal\"\n"
		"t.tsv:3: only complaint rows have a type (\"access:foi_review\")\n"
		"t.tsv:4: basis must be statutory, target or internal, not \"law\"\n"
		"t.tsv:4: bad acknowledge \"1m\" (e.g. 30db, 20wd or none)\n"
		"t.tsv:6: in force on the same days as complaint:conduct/any from 2005-01-01 "
		"(line 5)");
}

static void test_table_load_file(void **state)
{
	char *dir = g_dir_make_tmp("pdgate-clock-XXXXXX", NULL);
	char *path = g_build_filename(dir, "deadlines.tsv", NULL);
	char *want, *error = NULL;
	struct clock_table *t = NULL;

	assert_non_null(dir);
	assert_true(g_file_set_contents(path, "# x\nfoi\tany\t2005-01-01\t-\t20wd\tnone\tno\tx\n",
					-1, NULL));
	assert_int_equal(clock_table_load(path, &t, &error), 0);
	want = g_strdup_printf("%s:2: expected 10 tab-separated fields, found 8 (kind regime "
			       "in_force_from in_force_to limit extension stop_the_clock basis "
			       "acknowledge source)", path);
	assert_string_equal(error, want);
	g_free(error);
	error = NULL;
	g_unlink(path);
	assert_int_equal(clock_table_load(path, &t, &error), 0);
	assert_non_null(error);
	g_free(error);
	g_free(want);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_dates(void **state)
{
	GDate d;
	char *s;

	assert_false(clock_date_parse("2025-02-29", &d));
	assert_false(clock_date_parse("2025-2-28", &d));
	assert_false(clock_date_parse("1899-12-31", &d));
	assert_false(clock_date_parse("2025-02-28x", &d));
	assert_true(clock_date_parse("2024-02-29", &d));
	s = clock_date_long(&d);
	assert_string_equal(s, "29 February 2024");
	g_free(s);
}


/* The confirm-by day of a case opened on a guess: n UK working days after receipt. */
static void test_add_working_days(void **state)
{
	static const struct {
		const char *from;
		unsigned n;
		const char *want;
	} cases[] = {
		{ "2026-03-02", 3, "2026-03-05" }, /* Monday: Thursday */
		{ "2026-03-06", 3, "2026-03-11" }, /* Friday: over the weekend */
		{ "2026-04-02", 3, "2026-04-09" }, /* Good Friday, Easter Monday */
		{ "2026-12-24", 1, "2026-12-29" }, /* Christmas, Boxing Day (Monday 28th) */
		{ "2026-03-14", 1, "2026-03-16" }, /* from a Saturday */
		{ "2026-03-16", 0, "2026-03-16" },
	};
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		GDate from, got;
		char buf[11];
		assert_true(clock_date_parse(cases[i].from, &from));
		clock_add_working_days(&from, cases[i].n, NULL, &got);
		assert_string_equal(clock_date_iso(&got, buf), cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_working_days),
		cmocka_unit_test(test_dated_cases),
		cmocka_unit_test(test_result_details),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_days_left),
		cmocka_unit_test(test_holiday_lists),
		cmocka_unit_test(test_easter),
		cmocka_unit_test(test_working_days),
		cmocka_unit_test(test_properties),
		cmocka_unit_test(test_table_shipped),
		cmocka_unit_test(test_table_errors),
		cmocka_unit_test(test_table_load_file),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, tu_load_shipped, tu_free_shipped);
}
