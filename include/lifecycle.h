/* lifecycle: the case state machine and each case's deadlines (domain-rules 2-3).
   Pure logic: no I/O and no clock reads. "Today" comes in the env; the caller (the gateway's
   casework, the CLI) loads the record from the store, asks lifecycle_apply() what an action
   does, and writes the change back with its event in one transaction.

   Ownership: struct case_record owns its stops array (case_record_clear frees it);
   case_change owns `after` and `detail` (case_change_clear); case_deadlines owns its results
   (case_deadlines_clear). Everything else is borrowed. */
#ifndef PDGATE_LIFECYCLE_H
#define PDGATE_LIFECYCLE_H

#include "clock.h"

enum case_state {
	CASE_AWAITING_IDENTITY,     /* identity asked for; data-protection clocks not started */
	CASE_AWAITING_CLARIFICATION,/* clock stopped (DP) / to restart on the answer (FOI, EIR) */
	CASE_OPEN,                  /* clock running */
	CASE_EXTENDED,              /* clock running to the extended deadline */
	CASE_AWAITING_FEE,          /* a fee asked: DP clocks start again on payment, FOI's
				       days to payment do not count (FOIA s10(2)) */
	CASE_RESPONDED, CASE_REFUSED, CASE_WITHDRAWN, CASE_CLOSED, /* the ends */
	CASE_STATE_COUNT
};

enum case_action {
	CASE_VERIFY_IDENTITY, CASE_REQUEST_IDENTITY, CASE_CLARIFY, CASE_CLARIFIED,
	CASE_SET_REGIME, CASE_SET_KINDS, CASE_EXTEND, CASE_RESTRICT, CASE_REFUSE, CASE_RESPOND,
	CASE_WITHDRAW, CASE_CLOSE, CASE_NOTE, CASE_NO_ACTION, CASE_LIFT_RESTRICTION,
	CASE_SET_COMPLAINT_TYPE, CASE_REDIRECT, CASE_ASSIGN, CASE_REOPEN,
	/* the decisions of domain-rules 4 beyond a plain answer */
	CASE_REFUSE_FOI, CASE_COST_LIMIT, CASE_VEXATIOUS, CASE_REFUSE_EIR, CASE_NCND,
	CASE_REFUSE_RECTIFICATION, CASE_REFUSE_ERASURE, CASE_RESTRICT_INSTEAD,
	CASE_FEE, CASE_FEE_PAID, CASE_FEE_UNPAID,
	CASE_ACTION_COUNT
};

enum case_ground { CASE_GROUND_NONE, CASE_GROUND_MANIFESTLY_UNFOUNDED, CASE_GROUND_EXCESSIVE };

/* How a request was answered (respond --outcome): in full, in part, or nothing held. */
enum case_outcome { CASE_OUTCOME_NONE, CASE_OUTCOME_FULL, CASE_OUTCOME_PART,
		    CASE_OUTCOME_NOT_HELD, CASE_OUTCOME_COUNT };

/* Where misdirected mail belongs (redirect --to): not a disclosure matter. */
enum case_redirect { CASE_REDIRECT_NONE, CASE_REDIRECT_EMERGENCY, CASE_REDIRECT_CRIME,
		     CASE_REDIRECT_CONDUCT, CASE_REDIRECT_ACRO, CASE_REDIRECT_OTHER_FORCE,
		     CASE_REDIRECT_OTHER, CASE_REDIRECT_COUNT };

/* "awaiting_identity", ...; "verify-identity", ...; "manifestly_unfounded", ... */
const char *case_state_name(enum case_state state);
int case_state_parse(const char *name, enum case_state *state_r);
int case_state_is_end(enum case_state state);
const char *case_action_name(enum case_action action);
int case_action_parse(const char *name, enum case_action *action_r);
const char *case_ground_name(enum case_ground ground);
int case_ground_parse(const char *name, enum case_ground *ground_r);
/* "full", "part", "not_held"; "emergency", "crime", "conduct", "acro", "other_force",
   "other". NONE has no name a parser accepts. */
const char *case_outcome_name(enum case_outcome outcome);
int case_outcome_parse(const char *name, enum case_outcome *outcome_r);
const char *case_redirect_name(enum case_redirect to);
int case_redirect_parse(const char *name, enum case_redirect *to_r);

/* FOI exemptions as the team names them ("s31", "31(1)(a)", "section 30"; ","-separated,
   sections 21-44 of FOIA 2000): 1 with *canonical_r "s30,s31(1)(a)" (g_malloc'd), or 0. */
int case_exemptions_parse(const char *text, char **canonical_r);
/* "section 30 and section 31(1)(a)" for a notice. g_malloc'd. */
char *case_exemptions_words(const char *canonical);
/* EIR exceptions as the team names them ("12(4)(b)", "reg 13", "regulation 12(5)(a)";
   ","-separated): 1 with *canonical_r "12(4)(b),13" (g_malloc'd), or 0. */
int case_exceptions_parse(const char *text, char **canonical_r);
/* "regulation 12(4)(b) and regulation 13". g_malloc'd. */
char *case_exceptions_words(const char *canonical);

/* What a refusal may cite (rules/exemptions.tsv): FOIA exemptions and EIR exceptions, each
   absolute or qualified (a public interest test applies) and whether it lifts the duty to
   confirm or deny. Owned by the table. */
enum case_law { CASE_LAW_FOIA, CASE_LAW_EIR };
struct case_exemption {
	enum case_law law;
	char *provision;     /* "s31", "s37(1)(a)", "12(4)(b)", "13" */
	int qualified;
	char *ncnd;          /* the provision allowing neither-confirm-nor-deny, or NULL */
	char *title;
};
struct case_exemptions {
	struct case_exemption *item;
	size_t n;
};
/* Parse the file's text (name for messages). 1 with *out (free with
   case_exemptions_free), or 0 with *error_r listing every error as name:line. */
int case_exemptions_load(const char *text, const char *name, struct case_exemptions **out,
			 char **error_r);
void case_exemptions_free(struct case_exemptions **x);
/* The row a citation falls under: the provision itself, else its section ("s31(1)(a)" ->
   "s31", "12(4)(b)" has its own row), or NULL when the table does not list it. */
const struct case_exemption *case_exemption_find(const struct case_exemptions *x,
						 enum case_law law, const char *cited);

/* Kinds are a mask of (1u << CLOCK_KIND_x) for access..complaint; 0 means "other". The bits
   are the classifier's label bits (rules.h LABEL_ACCESS...). */
#define CASE_KINDS_DATA_PROTECTION 0x7fu /* access .. automated_decision */
#define CASE_KIND_BIT(k) (1u << (k))
/* "access,erasure" (sorted by name) <-> mask ("other" = 0; an indicator such as "auto" is
   not a kind). 1 or 0. The one text form of a set of kinds. */
int case_kinds_parse(const char *s, unsigned *kinds_r);
char *case_kinds_string(unsigned kinds);
/* What was asked for, for requester notices: "a copy of your personal data and the deletion
   of your personal data". Only the rights requested: a complaint, and "other", have no words
   here (the notices say those in their own sentences), so the result may be "". child: the
   plainer words of a child's notice. g_malloc'd. */
char *case_kinds_words(unsigned kinds, int child);
/* The words for one kind ("a copy of your personal data"), static. */
const char *case_kind_words(enum clock_kind kind, int child);
/* What a complaint about an earlier case with these kinds is: an FOI internal review, an EIR
   reconsideration, or (any data-protection right, or nothing known) data protection. */
enum clock_complaint case_complaint_about(unsigned earlier_kinds);
/* A data-protection right needs the requester's identity; FOI, EIR, complaints do not. */
int case_kinds_need_identity(unsigned kinds);

/* What the clock needs to know about a case. Dates are days (Europe/London). */
struct case_record {
	enum case_state state;
	unsigned kinds;
	enum clock_complaint complaint; /* what a complaint is about (kind complaint) */
	enum clock_regime regime;   /* law_enforcement, general or unknown */
	GDate received;             /* day the request was delivered */
	GDate identity_on;          /* identity information received; cleared = not yet */
	GDate restart_on;           /* FOI/EIR: the clarified request received; cleared = none */
	GDate extended_on;          /* extension notified; cleared = not extended */
	GDate reopened_on;          /* an ended case reopened: its clocks count from this day as
				       if the request came then; cleared = never */
	GDate fee_on;               /* a fee notice given (one per case); cleared = none */
	GDate fee_paid_on;          /* that fee received; cleared = not (yet) */
	int64_t fee_pence;          /* the fee asked, in pence */
	GArray *stops;              /* of struct clock_stop, in order; the last one's `to` is
				       cleared while the clock stands stopped. NULL = none */
};

void case_record_clear(struct case_record *rec);
void case_record_copy(struct case_record *dst, const struct case_record *src);
/* The record of a case as the store keeps it (store.h), and back: only the lifecycle's
   fields are written to c (its strings replaced). 1, or 0 with *error_r when the stored text
   is not understood (a database edited by hand). */
struct store_case;
int case_record_from_store(const struct store_case *c, struct case_record *rec,
			   char **error_r);
void case_record_to_store(const struct case_record *rec, struct store_case *c);

/* The running stop of rec (the last, with no end), or NULL. Points into rec->stops. */
struct clock_stop *case_open_stop(const struct case_record *rec);

/* Stops as text, "2026-03-05:2026-03-12 2026-04-01:" (open stop has no end). g_malloc'd. */
char *case_stops_format(const GArray *stops);
/* Parse that text into rec->stops (replacing it). 1, or 0 when malformed. */
int case_stops_parse(const char *text, struct case_record *rec);

/* Everything a computation needs besides the case. */
struct case_env {
	const struct clock_table *table;
	const struct clock_holiday_overrides *holidays; /* NULL = none */
	const struct case_exemptions *exemptions; /* NULL = none: no refusal can cite one */
	GDate today;
};

/* Load the deadline table, the exemptions and the bank-holiday changes of a config, with
   today's date in Europe/London from `now` (Unix time). The only I/O of this module: it
   reads the two files.
   1, or 0 with *error_r listing every error of the table. Free with case_env_free. */
struct config;
int case_env_load(const struct config *config, int64_t now, struct case_env *env,
		  char **error_r);
void case_env_free(struct case_env *env);

enum case_clock {
	CASE_CLOCK_RUNNING,
	CASE_CLOCK_STOPPED,      /* waiting for clarification: shown as if answered today */
	CASE_CLOCK_NOT_STARTED,  /* waiting for identity (DP) or clarification (FOI, EIR) */
	CASE_CLOCK_NO_LIMIT,     /* the rule sets no time limit ("other") */
	CASE_CLOCK_ENDED         /* the case is over: deadlines kept for the record */
};
const char *case_clock_name(enum case_clock clock);

struct case_deadline {
	enum clock_kind kind;
	enum case_clock clock;
	struct clock_result res;  /* computed unless NOT_STARTED */
	int has_days_left;        /* running or stopped with a limit */
	int days_left;            /* calendar days, or UK working days for FOI/EIR */
};

struct case_deadlines {
	struct case_deadline item[CLOCK_KIND_COUNT];
	unsigned n;
	int next;                 /* index of the earliest due date among running/stopped, or -1 */
};

/* Each kind's deadline for rec as of env->today. 1, or 0 with *error_r (no rule in force,
   dates out of order). Clear *out with case_deadlines_clear whatever the return. */
int case_deadlines_compute(const struct case_env *env, const struct case_record *rec,
			   struct case_deadlines *out, char **error_r);
void case_deadlines_clear(struct case_deadlines *d);
/* The next deadline's due date, or NULL when nothing is running. */
const GDate *case_deadlines_next(const struct case_deadlines *d);
/* A canonical one-line summary ("access 2026-04-13 ext 2026-06-11 ...") used to notice that
   a deadline changed, and to say how, in a case event. g_malloc'd. */
char *case_deadlines_summary(const struct case_deadlines *d);

/* A team action, as parsed from the command line or (later) a command e-mail. */
struct case_command {
	enum case_action action;
	enum clock_regime regime;  /* set-regime */
	unsigned kinds;            /* set-kinds */
	enum clock_complaint complaint; /* set-complaint-type */
	enum case_ground ground;   /* refuse */
	enum case_outcome outcome; /* respond (NONE = full) */
	enum case_redirect redirect; /* redirect --to */
	char *exemptions;          /* extend, refuse-foi, ncnd, respond --exemption, canonical
				      (owned: case_command_clear) */
	char *exceptions;          /* refuse-eir --exception, canonical (owned) */
	const char *text;          /* reason, question, note or owner (borrowed) */
	const char *answer;        /* respond: the answer sent to the requester (borrowed) */
	const char *public_interest; /* refuse-foi, refuse-eir, ncnd, respond: the public
				      interest reasons for qualified exemptions (sent) */
	const char *internal_reason; /* ncnd, respond: recorded on the case, never sent */
	const char *restriction_reason; /* respond --partial: why parts were withheld (sent) */
	const char *advice;        /* cost-limit: how to narrow the request (FOIA s16) */
	int ncnd;                  /* refuse-foi --ncnd: neither confirm nor deny */
	int repeated;              /* vexatious --repeated (FOIA s14(2)) */
	int no_notice;             /* vexatious --no-notice: a repeat after an earlier s14
				      notice (s17(6)): recorded, nothing sent */
	int64_t fee_pence;         /* fee --amount */
	GDate on;                  /* the day it happened (identity or answer received, question
				      sent); cleared = today. lift-restriction: the day the
				      restriction of processing will be lifted (required) */
};

/* Parse "ACTION [ARGS]" (argv[0] is the action): --reason TEXT, --ground G, --question TEXT,
   --on YYYY-MM-DD, --exemption S[,S], --outcome O, --to WHERE, --answer TEXT; set-regime,
   set-kinds, set-complaint-type, assign and note take one value (a note is one argument).
   Options the action's usage marks as required are checked. cmd->text points into argv.
   1, or 0 with *error_r (usage message). Clear *cmd with case_command_clear whatever the
   return. */
int case_command_parse(int argc, char **argv, struct case_command *cmd, char **error_r);
void case_command_clear(struct case_command *cmd);
/* "extend --reason TEXT [--exemption S[,S]] ...": the command line of an action, static. */
const char *case_action_usage(enum case_action action);

/* ---- the same actions as e-mail commands (command.c) ----
   Each action has one "#name [args]" form, made from the same table, and is turned into the
   argv of case_command_parse, so an e-mail command follows exactly the rules and the code
   path of `pdgate case REF ACTION`. */
struct case_email {
	struct case_command cmd;   /* cmd.text etc. point into argv */
	char **argv;               /* owned */
};
/* name: the command without '#' ("verified", "extend"...); args: the rest of its line;
   rest: the text below the command lines (the question of #clarify, the answer of
   #respond; ignored by the others); today: for DATE ("today", "yesterday", YYYY-MM-DD or
   DD/MM/YYYY, UK order). 1 with *out filled (clear with case_email_clear), or 0 with
   *error_r saying what is wrong and how the command is written. */
int case_email_parse(const char *name, const char *args, const char *rest, const GDate *today,
		     struct case_email *out, char **error_r);
void case_email_clear(struct case_email *e);
/* "#extend [sNN ...] REASON": the e-mail form of an action, static. */
const char *case_email_usage(enum case_action action);
/* 1 when the action takes the text below the command lines for the requester (#clarify's
   question, #respond's answer); for every other action that text is an internal note. */
int case_email_uses_rest(enum case_action action);
/* A day as the team writes it: YYYY-MM-DD, DD/MM/YYYY (UK order, never US), "today",
   "yesterday". 1 or 0. */
int case_date_parse(const char *text, const GDate *today, GDate *day_r);

struct case_change {
	struct case_record after;
	const char *event;         /* the event's action ("identity_verified"...), static */
	char *detail;              /* the event's detail: state change, reason, new deadline */
	const char *notice;        /* template name of the notice the requester must get, or NULL:
				      the action's own, or clock_started / deadline_changed when
				      the team's word started or moved a date the requester was
				      told (they must never learn it only when it has passed) */
	const char *change_reason; /* why, in the requester's words (those two notices), static */
	char *warning;             /* something the team member should know, or NULL */
	const char *owner;         /* assign: the new owner (borrowed from the command), or NULL */
	const char *outcome;       /* how the case ended ("full", "part", "not_held",
				      "refused_excessive", "redirected_crime"...: the statutory
				      report counts them), "" when reopened, NULL unchanged; static */
	const char *also_event;    /* a second event the change records ("partially_restricted"
				      with the internal reason), or NULL; static */
	char *also_detail;         /* its detail, owned */
};

/* The notice a requester needs when the deadlines go from old to now: clock_started when
   no date was running or paused before and one is now, deadline_changed when a date they
   may be told of is new, moved or gone, else NULL. Static. */
const char *case_date_notice(const struct case_deadlines *old, const struct case_deadlines *now);
/* Why a date changed when `action` changed it, in the requester's words, or NULL. Static. */
const char *case_change_reason(enum case_action action);

/* The actions allowed in a state, as a mask of (1u << action). */
unsigned lifecycle_allowed(enum case_state state);
/* Those of them that fit the case's kinds and regime (no refuse-foi on a subject access
   request): the commands worth offering the team. rec NULL: by state only, a case open. */
unsigned lifecycle_allowed_for(const struct case_record *rec);

/* What cmd does to the case `before`: 1 with *change_r filled, or 0 with *error_r saying
   exactly why the action is refused (nothing to write then). Always clear *change_r. */
int lifecycle_apply(const struct case_env *env, const struct case_record *before,
		    const struct case_command *cmd, struct case_change *change_r, char **error_r);
void case_change_clear(struct case_change *change);

#endif
