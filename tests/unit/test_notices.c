/* Unit tests for the shipped notice templates (templates/, read from the repository root as
   the Makefile runs the tests): every file loads with the placeholders notices provide,
   renders (with its lists, through template_render_values) for every regime (Part 3, UK
   GDPR, not set), kind mix (data-protection rights, FOI, EIR, each type of complaint, a
   message that is no request), waiting state and flag (identity, clarification, parent,
   representative, extendable, pausable, outcome, partial restriction; for the decisions:
   qualified or absolute exemptions, a repeated request, why parts were withheld), with and
   without the child flag, and carries the elements domain-rules section 4 requires of its
   notice (table-driven below) and none of the wording the law or the style rules out (a
   second table). Also: the regulator is never named literally, Part 3 and UK GDPR wording
   stay in their own regime, FOI and data-protection wording stay in their own notices,
   automatic notices quote no personal data, child versions stay plain and carry the safety
   lines, refusals always give their reasons, a neither-confirm-nor-deny notice reads the
   same whether or not anything is held, and the layout is mail-friendly (76 columns, no
   runs of blank lines). Sample values are realistic but kept short: the 76-column check is about the
   templates' own text, not about a long value the gateway inserts on a line of its own. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "gateway.h"
#include "template.h"
#include "testutil.h"

#define TEMPLATES_DIR "templates"
#define MAX_COLUMNS 76

/* Every placeholder a notice may use: the gateway's own list, so the test cannot drift. */
#define placeholders gateway_notice_vars

/* ---- the conditions a sample case is rendered under ---- */

typedef uint64_t cond_t;
#define BIT(n) ((cond_t)1 << (n))

/* regime */
#define C_P3 BIT(0)   /* law enforcement (DPA 2018 Part 3) */
#define C_GDPR BIT(1) /* general (UK GDPR) */
#define C_NONE BIT(2) /* not set yet */
#define C_REGIMES (C_P3 | C_GDPR | C_NONE)
/* kinds */
#define C_DP BIT(3)        /* a data-protection right */
#define C_ACCESS BIT(4)    /* access: its clock pauses for a clarification */
#define C_ERASE BIT(5)     /* erasure: its clock keeps running */
#define C_FOIA BIT(6)      /* Freedom of Information Act */
#define C_EIR BIT(7)       /* Environmental Information Regulations */
#define C_FOI BIT(8)       /* C_FOIA or C_EIR */
#define C_COMPLAINT BIT(9) /* one of the four complaint types below */
#define C_CDP BIT(10)      /* about data-protection handling (DPA s164A) */
#define C_CFOI BIT(11)     /* an FOI internal review (a target, not statute) */
#define C_CEIR BIT(12)     /* an EIR reconsideration (reg 11) */
#define C_CCONDUCT BIT(13) /* police conduct: not a disclosure matter */
#define C_STATACK BIT(14)  /* a DP complaint on or after 19 June 2026: the s164A ack */
#define C_OTHER BIT(15)    /* nothing recognised as a request */
/* state and flags */
#define C_CHILD BIT(16)
#define C_REASON BIT(17) /* the team gave a reason */
#define C_NOREASON BIT(18)
#define C_ID BIT(19) /* waiting for identity */
#define C_NOID BIT(20)
#define C_STOP BIT(21) /* a clarification stopped the clock */
#define C_NOSTOP BIT(22)
#define C_PARENT BIT(23)    /* a parent applies for a child */
#define C_BEHALF BIT(24)    /* a representative applies for someone else */
#define C_EXT BIT(25)       /* extendable: a running deadline can still be extended */
#define C_PAUSE BIT(26)     /* pausable: a running clock would pause for a clarification */
#define C_PART BIT(27)      /* answered in part */
#define C_NOTHELD BIT(28)   /* information not held */
#define C_PARTIAL BIT(29)   /* Part 3 access answered with redactions: s45(5) elements */
#define C_EXCESSIVE BIT(30) /* the ground is "excessive", else "manifestly unfounded" */
#define C_NOATTACH BIT(31)  /* the response cover encloses no file */
#define C_EXTDP BIT(32)     /* the data-protection deadlines were extended */
#define C_EXTALL BIT(33)    /* every deadline was extended */
#define C_NOCONFIG BIT(34)  /* the config texts and change_reason are empty */
#define C_RECT BIT(35)      /* rectification: its clock keeps running */
#define C_QUAL BIT(36)      /* a qualified exemption is cited: public interest reasons given */
#define C_REPEATED BIT(37)  /* refused as a repeated request (FOIA s14(2)) */
#define C_WITHHELD BIT(38)  /* answered in part, saying why parts were withheld */
#define C_UNSURE BIT(39)    /* the classifier was unsure of the kinds: hedged acknowledgement */
#define C_CHECKED BIT(46)   /* the team has since confirmed the kinds of an unsure case */
/* derived from the above (combos_new) */
#define C_ROWS BIT(40)      /* the deadlines list has rows */
#define C_KINDS BIT(41)     /* kinds_words is not empty */
#define C_FOIONLY BIT(42)   /* FOI/EIR only (requests or their complaints): no DP wording */
#define C_EXTMIX BIT(43)    /* some deadlines moved, some did not */
#define C_ROWEXT BIT(44)    /* some deadline in the list was extended */
#define C_CHILDFILE BIT(45) /* the NAME.child file (set per render) */
/* what a case asked for (a shape) */
#define C_KIND_BITS                                                                             \
	(C_DP | C_ACCESS | C_ERASE | C_RECT | C_FOIA | C_EIR | C_FOI | C_COMPLAINT | C_CDP |   \
	 C_CFOI | C_CEIR | C_CCONDUCT | C_STATACK | C_OTHER)

struct notice {
	const char *name;
	cond_t regimes;   /* the regimes it can be sent in */
	cond_t kinds;     /* it is sent only for a case with one of these kinds; 0: any */
	int requester;    /* to the requester, with a NAME.child version; else to the team */
	int automatic;    /* sent without a person: quotes no personal data */
	int needs_reason; /* the team's action cannot be taken without a reason */
	int (*sendable)(cond_t cond); /* beyond regimes and kinds: can it be sent? NULL: yes */
};

/* A decision on the request is taken while it is open, extended or waiting for a
   clarification, never while identity is awaited (lifecycle DECIDE). */
static int decided(cond_t c)
{
	return (c & C_ID) == 0;
}

/* A refusal on the merits decides the whole case: one right, nothing else asked. */
static int only_rectification(cond_t c)
{
	return decided(c) && (c & C_KIND_BITS) == (C_DP | C_RECT);
}

static int only_erasure(cond_t c)
{
	return decided(c) && (c & C_KIND_BITS) == (C_DP | C_ERASE);
}

/* Neither confirm nor deny: FOI citing exemptions that allow it, or Part 3 access (DPA 2018
   s45(4)). */
static int ncnd_case(cond_t c)
{
	return decided(c) && ((c & C_FOIA) != 0 || (c & (C_P3 | C_ACCESS)) == (C_P3 | C_ACCESS));
}

/* A fee is asked while the request is open or extended; a data-protection case has its
   regime set (the wording depends on it). */
static int fee_case(cond_t c)
{
	return (c & (C_ID | C_STOP)) == 0 && ((c & C_DP) == 0 || (c & C_NONE) == 0);
}

static const struct notice notices[] = {
	{ "acknowledgement", C_REGIMES, 0, 1, 1, 0, NULL },
	{ "identity_request", C_REGIMES, C_DP, 1, 1, 0, NULL },
	{ "clarification_request", C_REGIMES, C_DP | C_FOI, 1, 0, 0, NULL },
	{ "extension_notice", C_REGIMES, C_DP | C_FOI, 1, 0, 0, NULL },
	/* DPA 2018 s44, s45, s48: Part 3 only */
	{ "restriction_notice", C_P3, C_DP, 1, 0, 0, NULL },
	/* s53 / Art 12(5): refuse takes a reason (lifecycle NEED_TEXT) and gives it */
	{ "refusal_notice", C_REGIMES, C_DP | C_FOI, 1, 0, 1, NULL },
	/* UK GDPR Article 12(4) only */
	{ "no_action_notice", C_GDPR, C_DP, 1, 0, 0, NULL },
	{ "restriction_lift_notice", C_REGIMES, C_DP, 1, 0, 0, NULL },
	{ "response_cover", C_REGIMES, C_DP | C_FOI | C_COMPLAINT, 1, 0, 0, NULL },
	{ "withdrawal_confirmation", C_REGIMES, 0, 1, 0, 0, NULL },
	/* may follow an automatic recomputation (a bank holiday added): quotes nothing */
	{ "clock_started", C_REGIMES, C_DP | C_FOI, 1, 1, 0, NULL },
	{ "deadline_changed", C_REGIMES, 0, 1, 1, 0, NULL },
	{ "redirect_notice", C_REGIMES, 0, 1, 0, 0, NULL },
	{ "team_new_case", C_REGIMES, 0, 0, 0, 0, NULL },
	{ "team_notice_failed", C_REGIMES, 0, 0, 0, 0, NULL },
	/* the answer to a member's command mail; a requester's reply raised; a possible forgery */
	{ "team_reply", C_REGIMES, 0, 0, 0, 0, NULL },
	{ "team_case_reply", C_REGIMES, 0, 0, 0, 0, NULL },
	{ "team_alert", C_REGIMES, 0, 0, 0, 0, NULL },
	/* a storm held without cases (issue 13): no case, raised once */
	{ "team_storm", C_REGIMES, 0, 0, 0, 0, NULL },
	/* the decisions (issue 12): FOIA s17 (refuse-foi, cost-limit, vexatious), EIR reg 14 */
	{ "foi_refusal_notice", C_REGIMES, C_FOIA, 1, 0, 1, decided },
	{ "foi_cost_limit_notice", C_REGIMES, C_FOIA, 1, 0, 0, decided },
	{ "foi_vexatious_notice", C_REGIMES, C_FOIA, 1, 0, 1, decided },
	{ "eir_refusal_notice", C_REGIMES, C_EIR, 1, 0, 1, decided },
	/* never a reason: it is rendered with one too, to show the notice ignores it */
	{ "ncnd_notice", C_REGIMES, C_FOIA | C_ACCESS, 1, 0, 0, ncnd_case },
	/* DPA 2018 s48, UK GDPR Art 12(4): refused on the merits (the regime is set) */
	{ "rectification_refusal_notice", C_P3 | C_GDPR, C_RECT, 1, 0, 1, only_rectification },
	{ "erasure_refusal_notice", C_P3 | C_GDPR, C_ERASE, 1, 0, 1, only_erasure },
	/* DPA 2018 s47(2): Part 3 only */
	{ "restrict_instead_notice", C_P3, C_ERASE, 1, 0, 1, only_erasure },
	{ "fee_notice", C_REGIMES, C_DP | C_FOI, 1, 0, 1, fee_case },
	/* sent by the poller when a fee lapses: quotes nothing */
	{ "fee_unpaid_notice", C_REGIMES, C_DP | C_FOI, 1, 1, 0, fee_case },
};

/* ---- sample values ---- */

#define S_REFERENCE "PD-2026-000123"
#define S_NAME "Ann Example"
#define S_ADDR "ann.example@example.org"
#define S_REASON "Your request covers 14 years of custody records in three systems."
#define S_QUESTION "Which police station were you taken to, and in which year?"
#define S_REGULATOR "Information Commissioner's Office"
#define S_CONTACT "ico.org.uk/make-a-complaint, telephone 0303 123 1113"
#define S_WHY                                                                                   \
	"- rule sar-words: \"subject access\" in the subject\n"                                 \
	"- rule custody: \"custody record\" in the body"
#define S_ATTACHMENTS "- passport.jpg (image/jpeg, 120 KB)\n- bill.pdf (application/pdf, 80 KB)"
#define S_ENCLOSED "- response-PD-2026-000123.pdf\n- custody-record-redacted.pdf"
#define S_COMMANDS                                                                              \
	"#verified [DATE]\n#kinds KIND[,KIND]\n#regime law_enforcement|general\n"               \
	"#clarify (the question goes below the command lines)\n#withdraw\n#close REASON\n#help"
#define S_ANSWER "Your custody record of 3 January 2026 is attached, with two pages redacted."
#define S_SIGNALS "- possibly a repeat of PD-2026-000101 (same right within 90 days)\n" \
		  "- vague: a clarification question may be needed (#clarify)"
#define S_TEXT "#extend: done. PD-2026-000123: extended (state open -> extended)"
#define S_PROBABLY "identity documents: check them, then #verified"
/* Config texts, wrapped as an admin would write them. */
#define S_EMERGENCY                                                                             \
	"This mailbox is not for emergencies or for reporting a crime.\n"                      \
	"In an emergency, call 999. To report a crime, call 101 or report it\nonline."
#define S_ID_ROUTES                                                                             \
	"You can bring your documents to the front counter of any police\n"                    \
	"station, or post copies to Public Disclosure Team, PO Box 123,\nExampletown EX1 2AB."
#define S_ID_RETENTION                                                                          \
	"We keep copies of identity documents only until we have checked\n"                   \
	"them, and delete them within 30 days."
#define S_CHANGE "we have now confirmed your identity"
#define S_EXEMPTIONS "section 31 (law enforcement)"
#define S_REDIRECT                                                                              \
	"If your message is about the behaviour of a police officer or member\n"               \
	"of staff, contact our Professional Standards Department:\n"                            \
	"example.police.uk/professional-standards"
/* The decisions: the team's public interest reasons, advice on narrowing a request, why
   parts were withheld; the fee and the cost limit as the gateway writes them. */
#define S_PUBLIC_INTEREST "Releasing the details would help offenders avoid detection."
#define S_ADVICE "Ask for one year and one police station, and we can probably answer."
#define S_WITHHELD "Two pages name other people, so we have removed them."
#define S_HOW_TO_PAY "Pay by card on 0300 123 4567, quoting your reference."
#define POUND "\xc2\xa3"
#define S_FEE POUND "10"
#define S_FEE_LAST_DAY "3 March 2027"
/* Kinds uncertain: what the classifier was unsure between, the day the team confirms by. */
#define S_UNSURE "access 0.55, foi 0.48"
#define S_CONFIRM_BY "5 October 2026"
/* The provisions a decision cites (the `cited` rows), as the gateway names them. */
#define S_FOIA_QUALIFIED "section 31(1)(a)", "Law enforcement"
#define S_FOIA_ABSOLUTE "section 40(2)", "Personal information"
#define S_EIR_EXCEPTION "regulation 12(4)(b)", "The request is manifestly unreasonable"
/* Dates: the received day, and each clock's due date. */
#define S_RECEIVED "30 September 2026"
#define S_RECEIVED_BEFORE "30 May 2026" /* a DP complaint before s164A was in force */
#define S_FOI_DATE "28 October 2026"
#define S_REVIEW_DATE "29 October 2026"
#define S_ERASE_DATE "30 October 2026"
#define S_RECON_DATE "25 November 2026"
#define S_DP_DATE "30 November 2026"
#define S_EXT_DATE "30 January 2027"
#define ALL_DATES                                                                               \
	S_FOI_DATE "|" S_REVIEW_DATE "|" S_ERASE_DATE "|" S_RECON_DATE "|" S_DP_DATE "|"       \
		S_EXT_DATE
/* The kinds in words, as the gateway says them (plainer in a NAME.child render). */
#define W_ACCESS "a copy of your personal data"
#define W_ACCESS_CHILD "a copy of the information we have about you"
#define W_ERASE "the deletion of your personal data"
#define W_ERASE_CHILD "deleting information we have about you"
#define W_RECT "the correction of your personal data"
#define W_RECT_CHILD "to put right information we have about you that is wrong"
#define W_FOIA "information under the Freedom of Information Act"
#define W_FOIA_CHILD "information the police hold"
#define W_EIR "environmental information"
#define W_EIR_CHILD "information about the environment"
#define W_REVIEW "an internal review of our answer"
#define W_RECON "a reconsideration of our answer"
#define W_COMPLAINT_CHILD "a second look at our answer"

/* One kind's clock: its row in `deadlines` (when running) and in `clocks` (always). */
enum clarified { PAUSES, RUNS, RESTARTS };

struct kind_sample {
	cond_t kind;
	const char *words, *child_words;
	const char *date, *days_left, *unit;
	int order;  /* earliest first */
	int dp;     /* a data-protection right: its clock waits for identity */
	int target; /* a target, not a legal time limit */
	enum clarified clarified;
};

static const struct kind_sample kind_samples[] = {
	{ C_FOIA, W_FOIA, W_FOIA_CHILD, S_FOI_DATE, "19", "working days", 1, 0, 0, RESTARTS },
	{ C_EIR, W_EIR, W_EIR_CHILD, S_FOI_DATE, "19", "working days", 1, 0, 0, RESTARTS },
	{ C_CFOI, W_REVIEW, W_COMPLAINT_CHILD, S_REVIEW_DATE, "20", "working days", 2, 0, 1,
	  RUNS },
	{ C_ERASE, W_ERASE, W_ERASE_CHILD, S_ERASE_DATE, "30", "days", 3, 1, 0, RUNS },
	{ C_RECT, W_RECT, W_RECT_CHILD, S_ERASE_DATE, "30", "days", 3, 1, 0, RUNS },
	{ C_CEIR, W_RECON, W_COMPLAINT_CHILD, S_RECON_DATE, "40", "working days", 4, 0, 0, RUNS },
	{ C_ACCESS, W_ACCESS, W_ACCESS_CHILD, S_DP_DATE, "61", "days", 5, 1, 0, PAUSES },
};
#define EXT_ORDER 9

/* What a case asked for, and how it can be (regimes, waits). */
enum { W_NONE = 1, W_ID = 2, W_STOP = 4, W_ALL = 7 };

struct shape {
	cond_t kinds;
	cond_t regimes;
	unsigned int waits;
	const char *names, *words, *child_words;
};

static const struct shape shapes[] = {
	{ C_DP | C_ACCESS, C_REGIMES, W_ALL, "access", W_ACCESS, W_ACCESS_CHILD },
	/* an erasure clock does not stop for a clarification */
	{ C_DP | C_ERASE, C_REGIMES, W_NONE | W_ID, "erasure", W_ERASE, W_ERASE_CHILD },
	/* nor does a rectification clock */
	{ C_DP | C_RECT, C_REGIMES, W_NONE | W_ID, "rectification", W_RECT, W_RECT_CHILD },
	{ C_DP | C_ACCESS | C_ERASE, C_REGIMES, W_ALL, "access,erasure",
	  "a copy of your personal data and the deletion of it",
	  "a copy of the information we have about you, and deleting it" },
	{ C_DP | C_ACCESS | C_FOIA | C_FOI, C_REGIMES, W_ALL, "access,foi",
	  "a copy of your personal data and FOI information",
	  "a copy of the information we have about you, and other information" },
	{ C_FOIA | C_FOI, C_NONE, W_NONE, "foi", W_FOIA, W_FOIA_CHILD },
	{ C_EIR | C_FOI, C_NONE, W_NONE, "eir", W_EIR, W_EIR_CHILD },
	/* complaints: kinds_words leaves the complaint out */
	{ C_COMPLAINT | C_CDP, C_REGIMES, W_NONE, "complaint", "", "" },
	{ C_COMPLAINT | C_CDP | C_STATACK, C_REGIMES, W_NONE, "complaint", "", "" },
	{ C_COMPLAINT | C_CFOI, C_NONE, W_NONE, "complaint", "", "" },
	{ C_COMPLAINT | C_CEIR, C_NONE, W_NONE, "complaint", "", "" },
	{ C_COMPLAINT | C_CCONDUCT, C_NONE, W_NONE, "complaint", "", "" },
	{ C_DP | C_ACCESS | C_COMPLAINT | C_CDP | C_STATACK, C_REGIMES, W_ALL, "access,complaint",
	  W_ACCESS, W_ACCESS_CHILD },
	{ C_OTHER, C_NONE, W_NONE, "other", "", "" },
};

/* Who applies, how it ends, what moved: each a realistic bundle, so every flag is seen
   both on and off in every shape without multiplying them all. */
static const cond_t variants[] = {
	0,
	/* answered in part without saying why (before issue 12; a partial answer now takes
	   --restriction-reason): the partial restriction's "cannot tell you" fallback */
	C_EXT | C_PARENT | C_PART | C_PARTIAL | C_EXCESSIVE | C_EXTDP | C_QUAL,
	C_EXT | C_BEHALF | C_NOTHELD | C_NOATTACH | C_EXTALL | C_REPEATED,
	C_PART | C_PARTIAL | C_WITHHELD | C_EXCESSIVE | C_REPEATED,
	C_NOCONFIG, /* an admin left the config texts empty: the notices still make sense */
	C_PART | C_PARTIAL | C_WITHHELD | C_QUAL,
	C_UNSURE,  /* opened on a guess: the acknowledgement promises no date */
	C_CHECKED, /* the acknowledgement sent once the team confirmed the kinds */
};

static const struct shape *shape_of(cond_t cond)
{
	for (size_t i = 0; i < G_N_ELEMENTS(shapes); i++) {
		if (shapes[i].kinds == (cond & C_KIND_BITS))
			return &shapes[i];
	}
	fail_msg("no shape for condition %#llx", (unsigned long long)cond);
	return NULL;
}

/* Is this kind's clock running (so in `deadlines`)? */
static int row_running(const struct kind_sample *k, cond_t cond)
{
	return (cond & k->kind) != 0 && !(k->dp && (cond & C_ID) != 0);
}

/* Only requests are extended: a complaint's time limit is not. */
static int row_extended(const struct kind_sample *k, cond_t cond)
{
	const int request = k->dp || (k->kind & (C_FOIA | C_EIR)) != 0;
	return request && ((cond & C_EXTALL) != 0 || ((cond & C_EXTDP) != 0 && k->dp));
}

/* Every combination that can happen: FOI/EIR requests and their complaints have no regime,
   no identity check and no stopped clock; only an access clock stops for a clarification;
   a case waits for identity or for a clarification, not both. */
static void add_combo(GArray *all, const struct shape *sh, cond_t regime, unsigned int wait,
		      cond_t flags)
{
	cond_t c = sh->kinds | regime | flags;

	c |= wait == W_ID ? C_ID : C_NOID;
	c |= wait == W_STOP ? C_STOP : C_NOSTOP;
	const int dp_runs = (c & C_DP) != 0 && (c & C_ID) == 0;
	const int other_rows = (c & (C_FOI | C_CFOI | C_CEIR)) != 0;
	if (dp_runs || other_rows)
		c |= C_ROWS;
	if (!(dp_runs || (c & C_FOI) != 0))
		c &= ~C_EXT; /* nothing running can be extended */
	if ((c & C_ACCESS) != 0 && (c & C_ID) == 0)
		c |= C_PAUSE;
	if ((c & (C_P3 | C_ACCESS)) != (C_P3 | C_ACCESS))
		c &= ~C_PARTIAL;
	if ((c & (C_DP | C_FOI)) != 0)
		c |= C_KINDS;
	if (other_rows && (c & (C_DP | C_CDP | C_CCONDUCT | C_OTHER)) == 0)
		c |= C_FOIONLY;
	if ((c & C_EXTDP) != 0 && dp_runs && other_rows)
		c |= C_EXTMIX;
	if (((c & C_EXTALL) != 0 && (dp_runs || (c & C_FOI) != 0)) ||
	    ((c & C_EXTDP) != 0 && dp_runs))
		c |= C_ROWEXT;
	g_array_append_val(all, c);
}

/* Every combination that can happen: FOI/EIR requests and their complaints have no regime,
   no identity check and no stopped clock; only an access clock stops for a clarification;
   a case waits for identity or for a clarification, not both. */
static GArray *combos_new(void)
{
	static const cond_t regimes[] = { C_P3, C_GDPR, C_NONE };
	static const unsigned int waits[] = { W_NONE, W_ID, W_STOP };
	static const cond_t person[] = { 0, C_CHILD };
	static const cond_t reasons[] = { C_REASON, C_NOREASON };
	GArray *all = g_array_new(FALSE, FALSE, sizeof(cond_t));

	for (size_t s = 0; s < G_N_ELEMENTS(shapes); s++) {
		const struct shape *sh = &shapes[s];
		for (size_t r = 0; r < G_N_ELEMENTS(regimes); r++) {
			if ((sh->regimes & regimes[r]) == 0)
				continue;
			for (size_t w = 0; w < G_N_ELEMENTS(waits); w++) {
				if ((sh->waits & waits[w]) == 0)
					continue;
				for (size_t p = 0; p < G_N_ELEMENTS(person); p++)
					for (size_t e = 0; e < G_N_ELEMENTS(reasons); e++)
						for (size_t v = 0; v < G_N_ELEMENTS(variants); v++)
							add_combo(all, sh, regimes[r], waits[w],
								  person[p] | reasons[e] |
									  variants[v]);
			}
		}
	}
	return all;
}

static char *cond_words(cond_t c)
{
	static const struct {
		cond_t bit;
		const char *word;
	} words[] = {
		{ C_DP, "data protection" }, { C_ACCESS, "access" }, { C_ERASE, "erasure" },
		{ C_RECT, "rectification" },
		{ C_FOIA, "foia" }, { C_EIR, "eir" }, { C_CDP, "complaint (data protection)" },
		{ C_CFOI, "complaint (FOI review)" }, { C_CEIR, "complaint (EIR)" },
		{ C_CCONDUCT, "complaint (conduct)" }, { C_STATACK, "s164A acknowledgement" },
		{ C_OTHER, "other only" }, { C_CHILD, "child" }, { C_REASON, "reason" },
		{ C_NOREASON, "no reason" }, { C_ID, "identity awaited" },
		{ C_STOP, "clock stopped" }, { C_PARENT, "parent" }, { C_BEHALF, "on behalf" },
		{ C_EXT, "extendable" }, { C_PAUSE, "pausable" }, { C_PART, "answered in part" },
		{ C_NOTHELD, "not held" }, { C_PARTIAL, "partial restriction" },
		{ C_EXCESSIVE, "excessive" }, { C_NOATTACH, "nothing enclosed" },
		{ C_EXTDP, "DP deadlines extended" }, { C_EXTALL, "all deadlines extended" },
		{ C_ROWEXT, "a listed deadline extended" }, { C_NOCONFIG, "config texts empty" },
		{ C_QUAL, "a qualified exemption cited" }, { C_REPEATED, "repeated request" },
		{ C_WITHHELD, "why parts were withheld" }, { C_UNSURE, "kinds uncertain" },
		{ C_CHECKED, "kinds checked by the team" },
		{ C_CHILDFILE, "the .child file" },
	};
	GString *s = g_string_new(c & C_P3 ? "regime part3" : c & C_GDPR ? "regime uk_gdpr" :
								   "regime unset");
	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		if (c & words[i].bit)
			g_string_append_printf(s, ", %s", words[i].word);
	}
	return g_string_free(s, FALSE);
}

struct sample {
	cond_t cond;
	GHashTable *vars;  /* name -> value; the values are static or in `owned` */
	GHashTable *lists; /* name -> GPtrArray of rows (field -> static value) */
	GPtrArray *owned;
};

static GHashTable *row_new(void)
{
	return g_hash_table_new(g_str_hash, g_str_equal);
}

#define YES(x) ((x) ? "yes" : "")

static GHashTable *cited_row(const char *provision, const char *title, int qualified)
{
	GHashTable *row = row_new();
	g_hash_table_insert(row, "provision", (gpointer)provision);
	g_hash_table_insert(row, "title", (gpointer)title);
	g_hash_table_insert(row, "qualified", (gpointer)YES(qualified));
	return row;
}

/* The provisions a decision cites: FOIA exemptions (one qualified when C_QUAL, one absolute),
   an EIR exception (every regulation 12 exception is qualified). Returns whether any is
   qualified. */
static int cited_rows(cond_t cond, GPtrArray *rows)
{
	if ((cond & C_FOIA) != 0) {
		if ((cond & C_QUAL) != 0)
			g_ptr_array_add(rows, cited_row(S_FOIA_QUALIFIED, 1));
		g_ptr_array_add(rows, cited_row(S_FOIA_ABSOLUTE, 0));
	}
	if ((cond & C_EIR) != 0)
		g_ptr_array_add(rows, cited_row(S_EIR_EXCEPTION, 1));
	return (cond & (C_QUAL | C_EIR)) != 0;
}

static void sample_init(struct sample *s, cond_t cond, const char *notice, int child_file)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
	GPtrArray *deadlines = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	GPtrArray *clocks = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	GPtrArray *cited = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	GString *lines = g_string_new(NULL);
	const struct shape *sh = shape_of(cond);
	const char *deadline = "", *days_left = "";
	int earliest = 100;
	const int qualified = cited_rows(cond, cited);

	s->owned = g_ptr_array_new_with_free_func(g_free);
	for (size_t i = 0; i < G_N_ELEMENTS(kind_samples); i++) {
		const struct kind_sample *k = &kind_samples[i];
		if ((cond & k->kind) == 0)
			continue;
		const char *words = child_file ? k->child_words : k->words;
		const int waits = k->dp && (cond & C_ID) != 0;
		const int paused = k->clarified == PAUSES;
		GHashTable *clock = row_new();
		g_hash_table_insert(clock, "kind_words", (gpointer)words);
		g_hash_table_insert(clock, "date", (gpointer)(waits ? "" : k->date));
		/* an access clock awaiting identity is both: not started wins */
		g_hash_table_insert(clock, "paused", (gpointer)YES(paused));
		g_hash_table_insert(clock, "running", (gpointer)YES(!waits && k->clarified == RUNS));
		g_hash_table_insert(clock, "restarts", (gpointer)YES(k->clarified == RESTARTS));
		g_hash_table_insert(clock, "not_started", (gpointer)YES(waits));
		g_hash_table_insert(clock, "target", (gpointer)YES(k->target));
		g_ptr_array_add(clocks, clock);
		if (!row_running(k, cond))
			continue;
		const int extended = row_extended(k, cond);
		const char *date = extended ? S_EXT_DATE : k->date;
		const int order = extended ? EXT_ORDER : k->order;
		GHashTable *row = row_new();
		g_hash_table_insert(row, "kind_words", (gpointer)words);
		g_hash_table_insert(row, "date", (gpointer)date);
		g_hash_table_insert(row, "days_left", (gpointer)(extended ? "122" : k->days_left));
		g_hash_table_insert(row, "unit", (gpointer)k->unit);
		g_hash_table_insert(row, "target", (gpointer)YES(k->target));
		g_hash_table_insert(row, "extended", (gpointer)YES(extended));
		g_hash_table_insert(row, "paused", (gpointer)YES(paused && (cond & C_STOP) != 0));
		g_ptr_array_add(deadlines, row);
		g_string_append_printf(lines, "%s- %s: %s", lines->len > 0 ? "\n" : "", words, date);
		if (order < earliest) {
			earliest = order;
			deadline = date;
			days_left = g_hash_table_lookup(row, "days_left");
		}
	}
	char *deadlines_text = g_string_free(lines, FALSE);
	g_ptr_array_add(s->owned, deadlines_text);

#define SET(n, val) g_hash_table_insert(v, (gpointer)(n), (gpointer)(val))
#define FLAG(n, c) SET(n, YES((cond & (c)) != 0))
	SET("reference", S_REFERENCE);
	SET("name", S_NAME);
	SET("requester_addr", S_ADDR);
	SET("received_date", (cond & C_CDP) != 0 && (cond & C_STATACK) == 0 ? S_RECEIVED_BEFORE :
									 S_RECEIVED);
	SET("request_subject", "Subject access request - custody record");
	SET("team_name", "Public Disclosure Team, Example Police");
	SET("reply_address", "public.disclosure@example.police.uk");
	SET("kinds_words", child_file ? sh->child_words : sh->words);
	SET("kinds_names", sh->names);
	SET("deadline", deadline);
	SET("days_left", days_left);
	SET("deadlines_text", deadlines_text);
	SET("extended_deadline", S_EXT_DATE);
	FLAG("identity_needed", C_ID);
	FLAG("clock_stopped", C_STOP);
	FLAG("data_protection", C_DP);
	FLAG("access", C_ACCESS);
	FLAG("foi", C_FOI);
	FLAG("foia", C_FOIA);
	FLAG("eir", C_EIR);
	FLAG("complaint", C_COMPLAINT);
	FLAG("complaint_dp", C_CDP);
	FLAG("complaint_foi_review", C_CFOI);
	FLAG("complaint_eir", C_CEIR);
	FLAG("complaint_conduct", C_CCONDUCT);
	FLAG("complaint_statutory_ack", C_STATACK);
	FLAG("other_only", C_OTHER);
	FLAG("part3", C_P3);
	FLAG("uk_gdpr", C_GDPR);
	FLAG("child", C_CHILD);
	FLAG("parent", C_PARENT);
	FLAG("on_behalf", C_BEHALF);
	FLAG("extendable", C_EXT);
	FLAG("pausable", C_PAUSE);
	FLAG("outcome_part", C_PART);
	FLAG("outcome_not_held", C_NOTHELD);
	FLAG("partial_restriction", C_PARTIAL);
	SET("reason", (cond & C_REASON) != 0 ? S_REASON : "");
	SET("question", S_QUESTION);
	SET("ground_words", (cond & C_EXCESSIVE) != 0 ? "excessive" : "manifestly unfounded");
	SET("regulator_name", S_REGULATOR);
	SET("regulator_contact", S_CONTACT);
	SET("court_section", "167");
	SET("lift_date", "30 September 2027");
	SET("state", (cond & C_ID) != 0 ? "awaiting_identity" : "open");
	SET("why_text", S_WHY);
	/* the files received (to the team) or enclosed (with the response) */
	SET("attachments_text", strcmp(notice, "response_cover") != 0 ? S_ATTACHMENTS :
				(cond & C_NOATTACH) != 0 ? "" : S_ENCLOSED);
	SET("commands_text", S_COMMANDS);
	const int config = (cond & C_NOCONFIG) == 0;
	SET("not_for_emergencies", config ? S_EMERGENCY : "");
	SET("identity_routes", config ? S_ID_ROUTES : "");
	SET("identity_retention", config ? S_ID_RETENTION : "");
	SET("change_reason", config ? S_CHANGE : "");
	SET("exemptions", (cond & C_FOIA) != 0 ? S_EXEMPTIONS : "");
	SET("redirect_text", config ? S_REDIRECT : "");
	SET("answer_text", strcmp(notice, "response_cover") == 0 && (cond & C_REASON) != 0 ?
			   S_ANSWER : "");
	SET("signals_text", (cond & C_REASON) != 0 ? S_SIGNALS : "");
	SET("text", S_TEXT);
	SET("probably_text", S_PROBABLY);
	/* the decisions: a qualified provision always comes with the public interest reasons
	   (refuse-foi, refuse-eir and ncnd require them) */
	SET("public_interest", qualified ? S_PUBLIC_INTEREST : "");
	SET("advice", S_ADVICE);
	SET("restriction_reason", (cond & (C_PART | C_WITHHELD)) == (C_PART | C_WITHHELD) ?
				  S_WITHHELD : "");
	SET("exceptions", (cond & C_EIR) != 0 ? "regulation 12(4)(b)" : "");
	SET("ncnd", YES(strcmp(notice, "ncnd_notice") == 0));
	FLAG("repeated", C_REPEATED);
	SET("qualified", YES(qualified));
	SET("cost_limit", POUND "450");
	SET("cost_rate", POUND "25");
	SET("cost_hours", "18");
	SET("fee_amount", S_FEE);
	SET("fee_how_to_pay", config ? S_HOW_TO_PAY : "");
	SET("fee_last_day", S_FEE_LAST_DAY);
	FLAG("kinds_uncertain", C_UNSURE);
	SET("uncertain_text", (cond & C_UNSURE) != 0 ? S_UNSURE : "");
	SET("confirm_by", (cond & (C_UNSURE | C_CHECKED)) != 0 ? S_CONFIRM_BY : "");
	FLAG("kinds_checked", C_CHECKED);
#undef FLAG
#undef SET
	s->cond = cond;
	s->vars = v;
	s->lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					 (GDestroyNotify)g_ptr_array_unref);
	g_hash_table_insert(s->lists, "deadlines", deadlines);
	g_hash_table_insert(s->lists, "clocks", clocks);
	g_hash_table_insert(s->lists, "cited", cited);
}

static void sample_clear(struct sample *s)
{
	g_hash_table_unref(s->vars);
	g_hash_table_unref(s->lists);
	g_ptr_array_unref(s->owned);
}

/* ---- files ---- */

static char *file_path(const char *notice, int child)
{
	char *file = g_strconcat(notice, child ? ".child" : "", NULL);
	char *path = g_build_filename(TEMPLATES_DIR, file, NULL);
	g_free(file);
	return path;
}

static struct template *load(const char *path)
{
	struct template *tpl = NULL;
	char *error = NULL;

	if (template_load(path, placeholders, &tpl, &error) != 1)
		fail_msg("%s does not load:\n%s", path, error != NULL ? error : "(no error)");
	return tpl;
}

/* One rendered notice and what it was rendered from. */
struct rendered {
	const struct notice *notice;
	const char *path;
	int child_file;
	const struct sample *sample;
	cond_t cond; /* the sample's, plus C_CHILDFILE */
	const char *subject, *body;
	char *flat; /* body, lower case, every run of white space one space */
};

typedef void check_fn(const struct rendered *r);

/* Lower case, white space folded: a phrase may be wrapped anywhere in the notice. */
static char *flatten(const char *text)
{
	GString *out = g_string_new(NULL);
	int space = 0;

	for (const char *p = text; *p != '\0'; p++) {
		if (g_ascii_isspace(*p)) {
			space = out->len > 0;
			continue;
		}
		if (space)
			g_string_append_c(out, ' ');
		space = 0;
		g_string_append_c(out, g_ascii_tolower(*p));
	}
	return g_string_free(out, FALSE);
}

/* Render every file of every notice for every combination the notice can be sent in, and
   run `check` on each. Returns the number of renders. */
static unsigned int for_each_render(check_fn *check)
{
	GArray *combos = combos_new();
	unsigned int n = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		const struct notice *nt = &notices[i];
		for (int child_file = 0; child_file <= nt->requester; child_file++) {
			char *path = file_path(nt->name, child_file);
			struct template *tpl = load(path);
			for (guint k = 0; k < combos->len; k++) {
				cond_t cond = g_array_index(combos, cond_t, k);
				if ((cond & nt->regimes) == 0)
					continue;
				if (nt->kinds != 0 && (cond & nt->kinds) == 0)
					continue;
				if (nt->needs_reason && (cond & C_REASON) == 0)
					continue;
				if (nt->sendable != NULL && !nt->sendable(cond))
					continue;
				struct sample s;
				struct template_output out;
				char *error = NULL;
				sample_init(&s, cond, nt->name, child_file);
				struct template_values values = { .vars = s.vars, .lists = s.lists };
				if (template_render_values(tpl, &values, &out, &error) != 1)
					fail_msg("%s does not render: %s", path, error);
				struct rendered r = { nt,
						      path,
						      child_file,
						      &s,
						      cond | (child_file ? C_CHILDFILE : 0),
						      out.subject,
						      out.text,
						      flatten(out.text) };
				check(&r);
				n++;
				g_free(r.flat);
				template_output_clear(&out);
				sample_clear(&s);
			}
			template_free(&tpl);
			g_free(path);
		}
	}
	g_array_free(combos, TRUE);
	return n;
}

static void G_GNUC_PRINTF(2, 3) fail_render(const struct rendered *r, const char *fmt, ...)
{
	va_list args;
	char *cond = cond_words(r->cond);

	va_start(args, fmt);
	char *what = g_strdup_vprintf(fmt, args);
	va_end(args);
	/* cmocka truncates long messages: the notice goes to stderr first. */
	fprintf(stderr, "---- subject\n%s\n---- body\n%s---- end\n", r->subject, r->body);
	fail_msg("%s (%s): %s", r->path, cond, what);
	g_free(what);
	g_free(cond);
}

/* Replace {{name}} in a phrase with the sample's value. */
static char *expand(const char *phrase, GHashTable *vars)
{
	GString *out = g_string_new(NULL);
	const char *p = phrase;

	for (const char *open; (open = strstr(p, "{{")) != NULL;) {
		const char *close = strstr(open, "}}");
		assert_non_null(close);
		g_string_append_len(out, p, open - p);
		char *name = g_strndup(open + 2, (gsize)(close - open - 2));
		const char *value = g_hash_table_lookup(vars, name);
		if (value == NULL)
			fail_msg("phrase \"%s\": no sample value for {{%s}}", phrase, name);
		g_string_append(out, value);
		g_free(name);
		p = close + 2;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

/* Does the flattened body contain the phrase (after expansion and flattening)? */
static int has_phrase(const struct rendered *r, const char *phrase)
{
	char *expanded = expand(phrase, r->sample->vars);
	char *flat = flatten(expanded);
	int found = flat[0] != '\0' && strstr(r->flat, flat) != NULL;
	g_free(flat);
	g_free(expanded);
	return found;
}

/* The first of the '|'-separated alternatives present, as a new string, or NULL. */
static char *found_any(const struct rendered *r, const char *alternatives)
{
	gchar **alt = g_strsplit(alternatives, "|", -1);
	char *found = NULL;

	for (size_t i = 0; alt[i] != NULL && found == NULL; i++) {
		if (has_phrase(r, alt[i]))
			found = g_strdup(alt[i]);
	}
	g_strfreev(alt);
	return found;
}

static int has_any(const struct rendered *r, const char *alternatives)
{
	char *found = found_any(r, alternatives);
	g_free(found);
	return found != NULL;
}

/* ---- the directory holds exactly the notices this test and the gateway know ---- */

/* Notices about many cases, with their own placeholders (test_own_declarations). */
static const char *const many_case_notices[] = { "team_digest", "team_report", NULL };

static int notice_file_known(const char *file)
{
	if (g_strv_contains(many_case_notices, file))
		return 1;
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (strcmp(file, notices[i].name) == 0)
			return 1;
		if (notices[i].requester && g_str_has_prefix(file, notices[i].name) &&
		    strcmp(file + strlen(notices[i].name), ".child") == 0)
			return 1;
	}
	return 0;
}

static void test_directory_complete(void **state)
{
	GDir *dir = g_dir_open(TEMPLATES_DIR, 0, NULL);
	const char *file;

	if (dir == NULL)
		fail_msg("cannot open %s/: run the tests from the repository root", TEMPLATES_DIR);
	while ((file = g_dir_read_name(dir)) != NULL) {
		if (file[0] == '.' || g_str_has_suffix(file, "~"))
			continue;
		if (!notice_file_known(file))
			fail_msg("%s/%s is not a notice this test knows: add it to notices[] and "
				 "to the table of required elements",
				 TEMPLATES_DIR, file);
	}
	g_dir_close(dir);
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
				fail_msg("%s is missing", path);
			g_free(path);
		}
	}
}

/* The gateway loads gateway_notice_names: each needs a file, and this test covers each. */
static void test_gateway_names_covered(void **state)
{
	for (const char *const *name = gateway_notice_names; *name != NULL; name++) {
		size_t i = 0;
		while (i < G_N_ELEMENTS(notices) && strcmp(notices[i].name, *name) != 0)
			i++;
		if (i == G_N_ELEMENTS(notices) && !g_strv_contains(many_case_notices, *name))
			fail_msg("the gateway sends %s, which this test does not know", *name);
	}
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (!g_strv_contains(gateway_notice_names, notices[i].name))
			fail_msg("%s is not in gateway_notice_names", notices[i].name);
	}
}

/* Every placeholder the gateway provides has a sample value (a list: rows with every
   field), so a template using it is rendered with something, and nothing else is set; and
   across the combinations each value and row field is non-empty at least once (every flag
   is seen on), so no branch of a template goes unrendered for want of a sample. */
static void note_seen(GHashTable *seen, const char *name, const char *value)
{
	if (value != NULL && value[0] != '\0' && !g_hash_table_contains(seen, name))
		g_hash_table_add(seen, g_strdup(name));
}

static void test_sample_complete(void **state)
{
	GArray *combos = combos_new();
	GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	/* The cover has the most notice-specific values; ncnd is set for ncnd_notice alone. */
	static const char *const sample_notices[] = { "response_cover", "ncnd_notice" };

	for (guint k = 0; k < combos->len * G_N_ELEMENTS(sample_notices); k++) {
		cond_t cond = g_array_index(combos, cond_t, k / G_N_ELEMENTS(sample_notices));
		struct sample s;
		sample_init(&s, cond, sample_notices[k % G_N_ELEMENTS(sample_notices)], 0);
		for (const char *const *p = placeholders; *p != NULL; p++) {
			const char *dot = strchr(*p, '.');
			if (g_str_has_suffix(*p, "[]")) {
				char *list = g_strndup(*p, strlen(*p) - 2);
				GPtrArray *rows = g_hash_table_lookup(s.lists, list);
				if (rows == NULL)
					fail_msg("no sample list %s", list);
				if (rows->len > 0)
					note_seen(seen, *p, "rows");
				g_free(list);
			} else if (dot != NULL) {
				char *list = g_strndup(*p, (gsize)(dot - *p));
				GPtrArray *rows = g_hash_table_lookup(s.lists, list);
				assert_non_null(rows);
				for (guint i = 0; i < rows->len; i++) {
					const char *v = g_hash_table_lookup(rows->pdata[i], dot + 1);
					if (v == NULL)
						fail_msg("a sample %s row has no %s", list, dot + 1);
					note_seen(seen, *p, v);
				}
				g_free(list);
			} else if (!g_hash_table_contains(s.vars, *p)) {
				fail_msg("no sample value for {{%s}}", *p);
			} else {
				note_seen(seen, *p, g_hash_table_lookup(s.vars, *p));
			}
		}
		GHashTableIter it;
		gpointer key;
		g_hash_table_iter_init(&it, s.vars);
		while (g_hash_table_iter_next(&it, &key, NULL)) {
			if (!g_strv_contains(placeholders, key))
				fail_msg("sample value {{%s}} is not a placeholder", (char *)key);
		}
		sample_clear(&s);
	}
	for (const char *const *p = placeholders; *p != NULL; p++) {
		if (!g_hash_table_contains(seen, *p))
			fail_msg("{{%s}} is never set in any sample: its branches go untested", *p);
	}
	g_hash_table_unref(seen);
	g_array_free(combos, TRUE);
}

static void test_load_all(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			struct template *tpl = load(path);
			assert_non_null(tpl);
			template_free(&tpl);
			assert_null(tpl);
			g_free(path);
		}
	}
}

/* ---- the raw files ---- */

/* The body of a template file: after the header block. */
static const char *raw_body(const char *text)
{
	const char *blank = strstr(text, "\n\n");
	return blank != NULL ? blank + 2 : text;
}

static void test_no_literal_regulator(void **state)
{
	/* domain-rules 4: the name and contact details come from the config. */
	static const char *const banned[] = { "information commission", "0303", "ico.org.uk",
					      "ico.gov", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		for (int child = 0; child <= notices[i].requester; child++) {
			char *path = file_path(notices[i].name, child);
			size_t len = 0;
			char *text = tu_read_file(path, &len);
			assert_non_null(text);
			char *lower = g_ascii_strdown(text, -1);
			for (size_t b = 0; banned[b] != NULL; b++) {
				if (strstr(lower, banned[b]) != NULL)
					fail_msg("%s names the regulator literally (\"%s\"): use "
						 "{{regulator_name}} and {{regulator_contact}}",
						 path, banned[b]);
			}
			g_free(lower);
			g_free(text);
			g_free(path);
		}
	}
}

/* Child versions: no legal jargon beyond the section numbers the law requires. */
static void test_child_files_plain(void **state)
{
	static const char *const jargon[] = { "data subject", "controller", "pursuant", "lodge",
					      "judicial", "article", "hereby", "processing",
					      "manifestly", "vexatious", "undue delay",
					      "notwithstanding", "uk gdpr", "personal data", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (!notices[i].requester)
			continue;
		char *path = file_path(notices[i].name, 1);
		size_t len = 0;
		char *text = tu_read_file(path, &len);
		assert_non_null(text);
		char *lower = g_ascii_strdown(raw_body(text), -1);
		for (size_t j = 0; jargon[j] != NULL; j++) {
			if (strstr(lower, jargon[j]) != NULL)
				fail_msg("%s: legal jargon \"%s\" in a child's notice", path,
					 jargon[j]);
		}
		/* The non-child versions' {{#if child}} hint has no place here. */
		if (strstr(lower, "{{#if child}}") != NULL)
			fail_msg("%s: {{#if child}} in a child's notice", path);
		g_free(lower);
		g_free(text);
		g_free(path);
	}
}

/* Child versions: the safety lines, in the file itself, whatever the config says. */
static void test_child_files_safety(void **state)
{
	static const char *const lines[] = { "If you are in danger now, call 999.", "Childline",
					     "0800 1111", NULL };

	for (size_t i = 0; i < G_N_ELEMENTS(notices); i++) {
		if (!notices[i].requester)
			continue;
		char *path = file_path(notices[i].name, 1);
		size_t len = 0;
		char *text = tu_read_file(path, &len);
		assert_non_null(text);
		for (size_t j = 0; lines[j] != NULL; j++) {
			if (strstr(raw_body(text), lines[j]) == NULL)
				fail_msg("%s: a child's notice without \"%s\"", path, lines[j]);
		}
		g_free(text);
		g_free(path);
	}
}

/* A refusal (s53 / Art 12(5)) always gives its reasons: the action takes one, so the
   renders above never lack it, and the file must not hold a fallback for when it does. */
static void test_refusal_always_gives_reasons(void **state)
{
	static const char *const fallback[] = { "{{#if reason}}", "cannot tell you",
						"separate message", NULL };

	for (int child = 0; child <= 1; child++) {
		char *path = file_path("refusal_notice", child);
		size_t len = 0;
		char *text = tu_read_file(path, &len);
		assert_non_null(text);
		char *lower = g_ascii_strdown(raw_body(text), -1);
		if (strstr(lower, "{{reason}}") == NULL)
			fail_msg("%s does not give the reasons ({{reason}})", path);
		for (size_t i = 0; fallback[i] != NULL; i++) {
			if (strstr(lower, fallback[i]) != NULL)
				fail_msg("%s: a fallback for missing reasons (\"%s\")", path,
					 fallback[i]);
		}
		g_free(lower);
		g_free(text);
		g_free(path);
	}
}

/* ---- layout, subject, signature: every render ---- */

static void check_layout(const struct rendered *r)
{
	const char *line = r->body;
	unsigned int lineno = 1, empty_run = 0;
	GHashTable *v = r->sample->vars;

	/* A storm's mail is about messages that opened no case: it names the sender instead. */
	static const char *const caseless[] = { "team_storm", NULL };

	if (strstr(r->subject, S_REFERENCE) == NULL && !g_strv_contains(caseless, r->notice->name))
		fail_render(r, "the subject lacks the reference");
	if (r->notice->requester && strstr(r->subject, "[" S_REFERENCE "]") == NULL)
		fail_render(r, "the subject lacks \"[reference]\"");
	if (strstr(r->subject, "{{") != NULL || strstr(r->body, "{{") != NULL)
		fail_render(r, "an unexpanded \"{{\"");
	if (r->body[0] == '\n')
		fail_render(r, "the body starts with an empty line");
	while (*line != '\0') {
		const char *nl = strchr(line, '\n');
		size_t len = nl != NULL ? (size_t)(nl - line) : strlen(line);
		glong columns = g_utf8_strlen(line, (gssize)len);
		if (columns > MAX_COLUMNS)
			fail_render(r, "line %u has %ld characters (max %d): \"%.*s\"", lineno,
				    columns, MAX_COLUMNS, (int)len, line);
		if (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			fail_render(r, "line %u ends with white space", lineno);
		empty_run = len == 0 ? empty_run + 1 : 0;
		if (empty_run >= 3)
			fail_render(r, "three empty lines in a row at line %u", lineno);
		if (nl == NULL)
			break;
		line = nl + 1;
		lineno++;
	}
	if (r->notice->requester) {
		char *signature = g_strdup_printf("\n\n%s\n%s\n",
						  (const char *)g_hash_table_lookup(v, "team_name"),
						  (const char *)g_hash_table_lookup(v, "reply_address"));
		if (!g_str_has_suffix(r->body, signature))
			fail_render(r, "the body does not end with the team's signature");
		g_free(signature);
	}
}

static void test_layout(void **state)
{
	unsigned int n = for_each_render(check_layout);
	/* 23 requester notices x 2 files + the team's 5, over the cases each is sent for. */
	assert_true(n > 10000);
}

/* ---- the elements each notice must carry (domain-rules section 4, issue 9) ---- */

struct need {
	const char *notice;
	cond_t when;         /* required when all of these hold... */
	cond_t unless;       /* ...and none of these */
	const char *phrases; /* alternatives separated by '|'; {{name}} is the sample's value */
	const char *element; /* what the law asks for, for the failure message */
};

/* A kind's row, as either file words it. */
#define ROW(words, child_words, date) words ": " date "|" child_words ": " date
#define COMPLAIN_TO_US "you can complain to us"
/* A cited provision's row, "section 40(2) of the Act: Personal information". */
#define CITED(provision, title) provision " of the act: " title "|" provision ": " title
#define CITED_QUALIFIED CITED("section 31(1)(a)", "law enforcement")
#define CITED_ABSOLUTE CITED("section 40(2)", "personal information")
#define CITED_EIR CITED("regulation 12(4)(b)", "the request is manifestly unreasonable")
/* The right to complain to us and to the regulator, with its contact details. */
#define REGULATOR_RIGHTS(n)                                                                     \
	{ n, 0, 0, COMPLAIN_TO_US, "the right to complain to us" },                             \
	{ n, 0, 0, "complain to the {{regulator_name}}", "the right to complain to the regulator" }, \
	{ n, 0, 0, "{{regulator_contact}}", "the regulator's contact details" }
/* FOIA s17(7): the internal review (when to ask, our target) and section 50. */
#define FOI_RIGHTS(n)                                                                           \
	{ n, 0, 0, "internal review", "the internal review procedure (s17(7)(a))" },            \
	{ n, 0, 0, "within 40 working days", "when to ask for an internal review" },            \
	{ n, 0, 0, "within 20 working days", "when we aim to answer a review" },                \
	{ n, 0, 0, "section 50 of the freedom of information act 2000",                         \
	  "the right to complain to the regulator under section 50 (s17(7)(b))" },              \
	REGULATOR_RIGHTS(n)
/* A refusal on the merits (DPA 2018 s48(1)(b); UK GDPR Art 12(4)): refused, the reasons,
   the rights. DP_REFUSAL_P3 for the notices only Part 3 has (s47(2)). */
#define DP_REFUSAL_P3(n)                                                                        \
	{ n, 0, 0, "{{reference}}", "the case reference" },                                     \
	{ n, 0, 0, "refused|said no|will not erase|cannot delete", "that the request is refused" }, \
	{ n, 0, 0, "{{reason}}", "the reasons" },                                               \
	{ n, C_P3, 0, "ask the {{regulator_name}} to check", "Part 3: the regulator can check" }, \
	{ n, C_P3, 0, "section 51 of the data protection act 2018", "Part 3: section 51" },     \
	{ n, C_P3, 0, "section 167 of the data protection act 2018",                            \
	  "Part 3: a court under section 167" },                                                \
	REGULATOR_RIGHTS(n)
#define DP_REFUSAL(n)                                                                           \
	DP_REFUSAL_P3(n),                                                                       \
	{ n, C_GDPR, 0, "ask a court", "UK GDPR: the right to ask a court (judicial remedy)" }

static const struct need needs[] = {
	/* acknowledgement: reference; kinds in words; the deadline with its caveats, or that
	   the clock starts when identity arrives, asking for it in the same message; what
	   happens next; how to reply; not for emergencies; for a complaint, that this is the
	   acknowledgement the law requires; for no request at all, no promise of an answer. */
	{ "acknowledgement", 0, 0, "{{reference}}", "the case reference" },
	{ "acknowledgement", C_KINDS, 0, "{{kinds_words}}", "what was understood (kinds in words)" },
	{ "acknowledgement", C_ROWS, 0, "{{deadline}}", "the deadline" },
	{ "acknowledgement", C_ACCESS | C_NOID, C_EXTDP | C_EXTALL,
	  ROW(W_ACCESS, W_ACCESS_CHILD, S_DP_DATE), "the access row of the deadlines list" },
	{ "acknowledgement", C_ERASE | C_NOID, C_EXTDP | C_EXTALL,
	  ROW(W_ERASE, W_ERASE_CHILD, S_ERASE_DATE), "the erasure row of the deadlines list" },
	{ "acknowledgement", C_FOIA, C_EXTALL, ROW(W_FOIA, W_FOIA_CHILD, S_FOI_DATE),
	  "the FOI row of the deadlines list" },
	{ "acknowledgement", C_ID, 0,
	  "starts on the day we receive your proof of identity|"
	  "starts on the day we get proof of your identity",
	  "that the clock starts when identity arrives" },
	{ "acknowledgement", C_ID | C_FOI, 0, "{{deadline}}",
	  "the FOI deadline, which runs without identity" },
	{ "acknowledgement", C_ID, 0, "cannot start work on your request until we have proof of",
	  "\"we cannot start work on your request until we have proof of your identity\"" },
	{ "acknowledgement", C_ID, 0, "full name", "identity: evidence of full name" },
	{ "acknowledgement", C_ID, 0, "current address", "identity: evidence of current address" },
	{ "acknowledgement", C_ID, 0, "photo", "identity: a photo where images are sought" },
	{ "acknowledgement", C_ID, 0, "cctv", "identity: when a photo is needed (CCTV)" },
	{ "acknowledgement", C_ID, C_NOCONFIG, "{{identity_routes}}", "identity: a route other than email" },
	{ "acknowledgement", C_ID, C_NOCONFIG, "{{identity_retention}}",
	  "identity: how copies are kept and deleted" },
	{ "acknowledgement", C_ID | C_PARENT, 0, "parental responsibility",
	  "identity: evidence of parental responsibility" },
	{ "acknowledgement", C_ID | C_BEHALF, 0, "written authority|a letter from them",
	  "identity: the written authority of the person represented" },
	{ "acknowledgement", C_ID | C_CHILDFILE, 0, "do not have to email photos",
	  "a child is not asked to email photographs" },
	{ "acknowledgement", C_ID | C_CHILDFILE, 0, "police station",
	  "a child's identity route: a police station" },
	{ "acknowledgement", C_ID | C_CHILDFILE, 0, "school",
	  "a child's identity route: school" },
	{ "acknowledgement", C_ROWS | C_EXT, 0, "more time", "caveat: the date can be extended" },
	{ "acknowledgement", C_ROWS | C_EXT, C_CHILDFILE, "tell you, and why, before",
	  "caveat: we tell you why before the first date" },
	{ "acknowledgement", C_PAUSE, 0, "paused|stops until you answer",
	  "caveat: the clock pauses for a clarification" },
	{ "acknowledgement", C_FOI, 0, "start again", "caveat: a clarified FOI request restarts" },
	{ "acknowledgement", C_FOI, 0, "20 working days", "caveat: 20 working days afresh" },
	{ "acknowledgement", C_STOP | C_ACCESS, 0, "paused", "that the access row is paused" },
	{ "acknowledgement", C_STATACK, 0, "section 164a", "s164A" },
	{ "acknowledgement", C_STATACK, 0,
	  "this message is the acknowledgement of your complaint that the law requires|"
	  "the law says we must send you this message",
	  "that this is the acknowledgement the law requires" },
	{ "acknowledgement", C_STATACK, C_CHILDFILE, "take appropriate steps to respond",
	  "that we will take appropriate steps to respond" },
	{ "acknowledgement", C_CDP, 0, "tell you the outcome|tell you what we decide",
	  "that we will tell the outcome" },
	{ "acknowledgement", C_CDP, 0, "complain to the {{regulator_name}}",
	  "the regulator, if unhappy with the outcome" },
	{ "acknowledgement", C_CFOI, 0, "internal review", "an FOI complaint is an internal review" },
	{ "acknowledgement", C_CFOI, 0, "we aim to answer by this date",
	  "the review date labelled as a target" },
	{ "acknowledgement", C_CFOI, 0, S_REVIEW_DATE, "the review's target date" },
	{ "acknowledgement", C_CEIR, 0, "reconsider|look at our answer again",
	  "an EIR complaint is a reconsideration" },
	{ "acknowledgement", C_CEIR, 0, S_RECON_DATE, "the reconsideration's date" },
	{ "acknowledgement", C_CCONDUCT, 0, "tell you where to send it|tell you who to send it to",
	  "a conduct complaint will be redirected" },
	{ "acknowledgement", C_OTHER, 0, "we read every message, but we may not reply",
	  "no promise of an answer when nothing was recognised" },
	{ "acknowledgement", 0, C_NOCONFIG, "{{not_for_emergencies}}",
	  "not for emergencies (999, 101)" },
	{ "acknowledgement", C_NOCONFIG, C_CHILDFILE,
	  "not for emergencies or for reporting a crime. in an emergency, call 999. to report a "
	  "crime, call 101",
	  "not for emergencies, when the config says nothing" },
	{ "acknowledgement", C_ID | C_NOCONFIG, 0,
	  "we will arrange another way|front counter of a police station",
	  "a route other than email, when the config says nothing" },
	{ "acknowledgement", 0, 0, "what happens next", "what happens next" },
	{ "acknowledgement", 0, 0, "reply to this message", "how to reply" },
	{ "acknowledgement", C_CHECKED, 0, "we have now checked", "that the kinds were checked" },
	/* the hedged acknowledgement (the classifier unsure what was asked: applies()): instead
	   of a date, that the team will confirm what was asked and the date by a stated day */
	{ "acknowledgement", C_UNSURE, 0, "{{reference}}", "the case reference" },
	{ "acknowledgement", C_UNSURE | C_KINDS, 0, "{{kinds_words}}",
	  "what we think was asked (kinds in words)" },
	{ "acknowledgement", C_UNSURE, 0, "may be asking for|not yet tell|not sure yet",
	  "that what was asked is not yet certain" },
	{ "acknowledgement", C_UNSURE, 0, "by {{confirm_by}}", "the day the team confirms by" },
	{ "acknowledgement", C_UNSURE, 0,
	  "confirm what you have asked for and the date|say what you asked for and the date",
	  "that the team will confirm what was asked and the date" },
	{ "acknowledgement", C_UNSURE | C_STATACK, 0, "section 164a", "s164A" },
	{ "acknowledgement", C_UNSURE, C_NOCONFIG, "{{not_for_emergencies}}",
	  "not for emergencies (999, 101)" },
	{ "acknowledgement", C_UNSURE | C_CHILDFILE, 0, "call 999", "999 in the child version" },
	{ "acknowledgement", C_UNSURE, 0, "what happens next", "what happens next" },
	{ "acknowledgement", C_UNSURE, 0, "reply to this message", "how to reply" },
	{ "team_new_case", C_UNSURE, 0,
	  "check the kinds: the classifier was unsure ({{uncertain_text}})",
	  "that the team must check the kinds, and why" },
	{ "team_new_case", C_UNSURE, 0, "confirm by {{confirm_by}} with #kinds",
	  "the day to confirm by and the command" },
	/* identity request: the evidence accepted; that we cannot start until then; a route
	   other than email; how copies are kept; parental responsibility; written authority. */
	{ "identity_request", C_DP, 0, "full name", "evidence of full name" },
	{ "identity_request", C_DP, 0, "current address", "evidence of current address" },
	{ "identity_request", C_DP, 0, "photo", "a photo where images are sought" },
	{ "identity_request", C_DP, 0, "cannot start work on your request until we have proof of",
	  "\"we cannot start work on your request until we have proof of your identity\"" },
	{ "identity_request", C_DP, 0,
	  "time limit for our answer does not start until|time we have to answer has not started",
	  "that the time limit has not started" },
	{ "identity_request", C_DP, C_NOCONFIG, "{{identity_routes}}", "a route other than email" },
	{ "identity_request", C_DP, C_NOCONFIG, "{{identity_retention}}",
	  "how copies are kept and deleted" },
	{ "identity_request", C_PARENT, 0, "parental responsibility",
	  "evidence of parental responsibility" },
	{ "identity_request", C_BEHALF, 0, "written authority|a letter from them",
	  "the written authority of the person represented" },
	{ "identity_request", C_DP | C_NOCONFIG, 0,
	  "we will arrange another way|front counter of a police station",
	  "a route other than email, when the config says nothing" },
	{ "identity_request", C_CHILDFILE, 0, "do not have to email photos",
	  "a child is not asked to email photographs" },
	{ "identity_request", C_CHILDFILE, 0, "police station", "a child's route: a police station" },
	{ "identity_request", C_CHILDFILE, 0, "school", "a child's route: school" },
	{ "identity_request", 0, 0, "{{reference}}", "the case reference" },
	{ "identity_request", 0, 0, "reply to this message", "how to send it" },
	/* clarification request: the question; clock by clock, paused, running or afresh; the
	   new date once answered; what happens without an answer. */
	{ "clarification_request", 0, 0, "{{question}}", "the question" },
	{ "clarification_request", 0, 0, "{{reference}}", "the case reference" },
	{ "clarification_request", C_STOP, 0, "paused", "that the clock is stopped" },
	{ "clarification_request", C_DP | C_NOID, C_STOP | C_ACCESS, "keeps running|keeps going",
	  "that this clock does not stop" },
	{ "clarification_request", C_ACCESS | C_NOID, 0,
	  ROW(W_ACCESS, W_ACCESS_CHILD, "paused"), "the access clock, paused" },
	{ "clarification_request", C_ERASE | C_NOID, 0,
	  ROW(W_ERASE, W_ERASE_CHILD, "keeps running") "|" W_ERASE_CHILD ": keeps going",
	  "the erasure clock, running" },
	{ "clarification_request", C_ERASE | C_NOID, 0, S_ERASE_DATE,
	  "the running clock's date" },
	{ "clarification_request", C_DP | C_ID, 0, "not started yet",
	  "that a clock waiting for identity has not started" },
	{ "clarification_request", C_FOI, 0, "20 working days", "FOI: 20 working days afresh" },
	{ "clarification_request", C_FOI, 0, "start again", "FOI: the clarified request starts afresh" },
	{ "clarification_request", C_FOIA, 0,
	  W_FOIA ": starts again|" W_FOIA_CHILD ": we start again",
	  "the FOI clock, starting afresh" },
	{ "clarification_request", 0, 0, "new date", "that we will tell the new date" },
	{ "clarification_request", 0, 0, "once we have your answer|when we get your answer",
	  "when we will tell the new date" },
	{ "clarification_request", 0, 0, "if we do not hear from you within 2 months",
	  "what happens without an answer" },
	/* extension notice: the new deadline; the reasons; which dates moved; FOI: the
	   exemptions still being considered (s17(2)); EIR: 40 working days at most. */
	{ "extension_notice", 0, 0, "{{extended_deadline}}", "the new deadline" },
	{ "extension_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "extension_notice", C_DP | C_NOREASON, 0, "complex|complicated",
	  "the reasons (complexity, number of requests)" },
	{ "extension_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "extension_notice", C_FOIA, 0, "{{exemptions}}", "FOI: the exemption(s) considered" },
	{ "extension_notice", C_FOIA, 0, "still considering the public interest in",
	  "FOI: that the public interest test needs more time" },
	{ "extension_notice", C_EIR, 0, "40 working days", "EIR: 40 working days" },
	{ "extension_notice", C_EIR, 0, "maximum", "EIR: 40 working days is the maximum" },
	{ "extension_notice", C_EXTMIX, 0, "this date has not changed",
	  "which date does not move" },
	{ "extension_notice", C_EXTMIX, 0, ROW(W_FOIA, W_FOIA_CHILD, S_FOI_DATE),
	  "the date that does not move" },
	{ "extension_notice", C_EXTMIX, 0, "new, later date", "which date moves" },
	{ "extension_notice", C_ROWEXT, 0, "new, later date", "which date moves" },
	{ "extension_notice", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	/* clock started / deadline changed: the new date and why. */
	{ "clock_started", 0, C_NOCONFIG, "{{change_reason}}", "why" },
	{ "clock_started", C_ROWS, 0, "{{deadline}}", "the new date" },
	{ "clock_started", C_ACCESS | C_NOID, C_EXTDP | C_EXTALL,
	  ROW(W_ACCESS, W_ACCESS_CHILD, S_DP_DATE), "the access row" },
	{ "clock_started", C_ROWS | C_EXT, 0, "more time", "caveat: the date can be extended" },
	{ "clock_started", C_PAUSE, 0, "paused|stops until you answer",
	  "caveat: the clock pauses for a clarification" },
	{ "clock_started", C_FOI, 0, "start again", "caveat: a clarified FOI request restarts" },
	{ "clock_started", 0, 0, "{{reference}}", "the case reference" },
	{ "deadline_changed", 0, C_NOCONFIG, "{{change_reason}}", "why" },
	{ "deadline_changed", C_ROWS, 0, "{{deadline}}", "the new date" },
	{ "deadline_changed", C_FOIA, C_EXTALL, ROW(W_FOIA, W_FOIA_CHILD, S_FOI_DATE),
	  "the FOI row" },
	{ "deadline_changed", C_CFOI, 0, "we aim to answer by this date",
	  "a target labelled as a target" },
	{ "deadline_changed", C_ROWEXT, 0,
	  "we have extended this time limit|we needed more time for this part",
	  "which date was extended" },
	{ "deadline_changed", C_ROWS | C_EXT, 0, "more time", "caveat: the date can be extended" },
	{ "deadline_changed", C_PAUSE, 0, "paused|stops until you answer",
	  "caveat: the clock pauses for a clarification" },
	{ "deadline_changed", C_FOI, 0, "start again", "caveat: a clarified FOI request restarts" },
	{ "deadline_changed", 0, 0, "{{reference}}", "the case reference" },
	/* restriction notice (Part 3): restricted; reasons (or withheld); s51; complaint;
	   court under s167; complaint to us. */
	{ "restriction_notice", 0, 0, "restricted", "that the rights were restricted" },
	{ "restriction_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "restriction_notice", C_NOREASON, 0, "cannot tell you",
	  "that the reasons are withheld (stating them would undermine the restriction)" },
	{ "restriction_notice", 0, 0, "ask the {{regulator_name}} to check",
	  "the right to ask the regulator to check" },
	{ "restriction_notice", 0, 0, "section 51 of the data protection act 2018",
	  "section 51" },
	{ "restriction_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "restriction_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "restriction_notice", 0, 0, "court", "the right to apply to a court" },
	{ "restriction_notice", 0, 0, "section 167 of the data protection act 2018",
	  "the court section (s167)" },
	{ "restriction_notice", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	/* refusal (manifestly unfounded or excessive): the ground, explained; the reasons,
	   always; complaint; court (s167 for Part 3, "ask a court" for UK GDPR). */
	{ "refusal_notice", 0, 0, "{{ground_words}}", "the ground" },
	{ "refusal_notice", 0, 0, "{{reason}}", "the reasons (always given)" },
	{ "refusal_notice", 0, C_CHILDFILE, "a request is \"manifestly unfounded\" when",
	  "\"manifestly unfounded\" in plain words" },
	{ "refusal_notice", 0, C_CHILDFILE, "a request is \"excessive\" when",
	  "\"excessive\" in plain words" },
	{ "refusal_notice", C_CHILDFILE, 0, "too much", "\"excessive\" in a child's words" },
	{ "refusal_notice", C_CHILDFILE, 0, "not \"too much\" just because it is big",
	  "a child: size alone is not excessive" },
	{ "refusal_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "refusal_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "refusal_notice", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	{ "refusal_notice", C_DP, 0, "court", "the right to apply to a court" },
	{ "refusal_notice", C_DP | C_P3, 0, "section 167 of the data protection act 2018",
	  "the court section (s167)" },
	{ "refusal_notice", C_DP | C_GDPR, 0, "ask a court", "the right to ask a court" },
	{ "refusal_notice", C_FOI, 0, "internal review", "FOI: the internal review" },
	/* UK GDPR no action (Art 12(4)): reasons; complaint; a court. */
	{ "no_action_notice", 0, 0, "not to take action|not to do what you asked",
	  "that no action will be taken" },
	{ "no_action_notice", C_REASON, 0, "{{reason}}", "the reasons" },
	{ "no_action_notice", C_NOREASON, 0, "separate message", "that the reasons follow" },
	{ "no_action_notice", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "no_action_notice", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "no_action_notice", 0, 0, "ask a court", "the right to ask a court (judicial remedy)" },
	{ "no_action_notice", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	/* restriction lift: that it will be lifted, and when. */
	{ "restriction_lift_notice", 0, 0, "lift the restriction", "that it will be lifted" },
	{ "restriction_lift_notice", 0, 0, "{{lift_date}}", "when" },
	{ "restriction_lift_notice", C_REASON, 0, "{{reason}}", "the reasons given" },
	{ "restriction_lift_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "restriction_lift_notice", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	/* response cover: what is enclosed, by name; the outcome; rights to complain; for a
	   partial restriction (Part 3 access with redactions), the s45(5) elements. */
	{ "response_cover", 0, C_NOATTACH, "attached", "that files are enclosed" },
	{ "response_cover", 0, C_NOATTACH, "{{attachments_text}}", "what is enclosed, by name" },
	{ "response_cover", C_NOATTACH, 0, "in this message", "where the response is" },
	{ "response_cover", C_NOATTACH, 0, "separately", "that the response may follow" },
	{ "response_cover", C_PART, 0, "answered part of", "answered in part" },
	{ "response_cover", C_NOTHELD, 0, "do not hold|do not have the information",
	  "information not held" },
	{ "response_cover", C_PARTIAL, 0, "restricted", "partial restriction: rights restricted" },
	{ "response_cover", C_PARTIAL | C_REASON, 0, "{{reason}}", "partial restriction: reasons" },
	{ "response_cover", C_PARTIAL | C_NOREASON, C_WITHHELD, "cannot tell you",
	  "partial restriction: that the reasons cannot be given" },
	{ "response_cover", C_PARTIAL | C_NOREASON | C_WITHHELD, 0,
	  "our reasons are above|we have told you why above",
	  "partial restriction: the reasons, given for the withheld parts" },
	/* answered in part (issue 12): why parts were withheld; for FOI the refusal notice of
	   the withheld parts (FOIA s17(1), (3)); FOI and EIR rights (s17(7), reg 11, reg 18). */
	{ "response_cover", C_PART | C_WITHHELD, 0, "{{restriction_reason}}",
	  "why parts were withheld" },
	{ "response_cover", C_PART | C_FOIA, 0, CITED_ABSOLUTE, "FOI in part: each exemption" },
	{ "response_cover", C_PART | C_FOIA | C_QUAL, 0, CITED_QUALIFIED,
	  "FOI in part: the qualified exemption" },
	{ "response_cover", C_PART | C_FOIA | C_QUAL, 0, "{{public_interest}}",
	  "FOI in part: the public interest reasons" },
	{ "response_cover", C_PART | C_FOIA, C_CHILDFILE, "refusal notice under section 17",
	  "FOI in part: that this is the refusal notice for the withheld parts" },
	{ "response_cover", C_PART | C_EIR, 0,
	  "names the exceptions|parts of the environmental information regulations 2004",
	  "EIR in part: where the exceptions are named" },
	{ "response_cover", C_FOIA, 0, "internal review", "FOI: the internal review" },
	{ "response_cover", C_FOIA, 0, "within 40 working days", "FOI: when to ask for a review" },
	{ "response_cover", C_FOIA, 0, "section 50 of the freedom of information act 2000",
	  "FOI: the regulator under section 50" },
	{ "response_cover", C_EIR, 0, "regulation 11", "EIR: reconsideration (regulation 11)" },
	{ "response_cover", C_EIR, 0, "40 working days", "EIR: 40 working days" },
	{ "response_cover", C_EIR, 0, "regulation 18", "EIR: the regulator (regulation 18)" },
	{ "response_cover", C_PARTIAL, 0, "section 51 of the data protection act 2018",
	  "partial restriction: section 51" },
	{ "response_cover", C_PARTIAL, 0, "ask the {{regulator_name}} to check",
	  "partial restriction: the regulator can check" },
	{ "response_cover", C_PARTIAL, 0, "section 167 of the data protection act 2018",
	  "partial restriction: a court under section 167" },
	{ "response_cover", 0, 0, "complain to the {{regulator_name}}",
	  "the right to complain to the regulator" },
	{ "response_cover", 0, 0, "{{regulator_contact}}", "the regulator's contact details" },
	{ "response_cover", 0, 0, COMPLAIN_TO_US, "the right to complain to us" },
	{ "response_cover", C_DP, 0, "court", "the right to apply to a court" },
	{ "response_cover", C_DP | C_P3, 0, "section 167 of the data protection act 2018",
	  "the court section (s167)" },
	{ "response_cover", C_DP | C_GDPR, 0, "ask a court", "the right to ask a court" },
	/* withdrawal: the case is closed. */
	{ "withdrawal_confirmation", 0, 0, "closed", "that the case is closed" },
	{ "withdrawal_confirmation", 0, 0, "{{reference}}", "the case reference" },
	/* redirect: closed here, where to go instead, not for emergencies. */
	{ "redirect_notice", 0, 0, "closed", "that the case is closed" },
	{ "redirect_notice", 0, C_NOCONFIG, "{{redirect_text}}", "where to go instead" },
	{ "redirect_notice", 0, C_NOCONFIG, "{{not_for_emergencies}}",
	  "not for emergencies (999, 101)" },
	{ "redirect_notice", C_NOCONFIG, 0, "call 999", "not for emergencies (999)" },
	{ "redirect_notice", 0, 0, "{{reference}}", "the case reference" },
	/* FOI refusal (FOIA s17): each exemption and why; the public interest reasons of a
	   qualified one; the internal review (s17(7)(a)); section 50 (s17(7)(b)). */
	{ "foi_refusal_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "foi_refusal_notice", 0, 0, CITED_ABSOLUTE, "each exemption, by section and title" },
	{ "foi_refusal_notice", C_QUAL, 0, CITED_QUALIFIED, "the qualified exemption" },
	{ "foi_refusal_notice", 0, C_QUAL, "no public interest test|always applies",
	  "that an absolute exemption has no public interest test" },
	{ "foi_refusal_notice", 0, 0, "{{reason}}", "why the exemptions apply (s17(1)(c))" },
	{ "foi_refusal_notice", C_QUAL, 0, "public interest", "the public interest test" },
	{ "foi_refusal_notice", C_QUAL, 0, "{{public_interest}}",
	  "the public interest reasons (s17(3))" },
	{ "foi_refusal_notice", 0, C_CHILDFILE, "refusal notice under section 17",
	  "that this is the s17 refusal notice" },
	FOI_RIGHTS("foi_refusal_notice"),
	/* FOI cost limit (s12): the limit, in money and hours; advice on narrowing (s16). */
	{ "foi_cost_limit_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "foi_cost_limit_notice", 0, 0, "section 12", "section 12" },
	{ "foi_cost_limit_notice", 0, 0, "{{cost_limit}}", "the appropriate limit (" POUND "450)" },
	{ "foi_cost_limit_notice", 0, 0, "{{cost_hours}} hours of work at {{cost_rate}} an hour",
	  "the limit in hours at the hourly rate (18 hours at " POUND "25)" },
	{ "foi_cost_limit_notice", 0, 0, "{{advice}}", "advice on narrowing the request (s16)" },
	{ "foi_cost_limit_notice", 0, 0, "narrower|smaller", "that a narrower request may do" },
	{ "foi_cost_limit_notice", C_REASON, 0, "{{reason}}", "the team's estimate, when given" },
	FOI_RIGHTS("foi_cost_limit_notice"),
	/* FOI vexatious or repeated (s14(1), s14(2)): which, and why (s17(5)); the request,
	   not the person. */
	{ "foi_vexatious_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "foi_vexatious_notice", 0, C_REPEATED, "section 14(1)", "section 14(1)" },
	{ "foi_vexatious_notice", 0, C_REPEATED | C_CHILDFILE, "the request is vexatious",
	  "that the request (not the person) is vexatious" },
	{ "foi_vexatious_notice", C_REPEATED, 0, "section 14(2)", "section 14(2)" },
	{ "foi_vexatious_notice", C_REPEATED, 0, "already answered",
	  "a repeat of a request already answered" },
	{ "foi_vexatious_notice", 0, 0, "{{reason}}", "the reason" },
	{ "foi_vexatious_notice", 0, 0, "about this request, not about you",
	  "that the decision is about the request, not the person" },
	FOI_RIGHTS("foi_vexatious_notice"),
	/* EIR refusal (reg 14): the exceptions and why; the public interest with the reg 12(2)
	   presumption; reconsideration under reg 11 (40 working days); the regulator (reg 18). */
	{ "eir_refusal_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "eir_refusal_notice", 0, 0, CITED_EIR, "each exception, by regulation and title" },
	{ "eir_refusal_notice", 0, 0, "{{reason}}", "why the exceptions apply (reg 14(3))" },
	{ "eir_refusal_notice", 0, 0, "regulation 12(2)", "the presumption in favour of release" },
	{ "eir_refusal_notice", 0, 0, "{{public_interest}}",
	  "the public interest reasons (reg 14(3)(b))" },
	{ "eir_refusal_notice", 0, 0, "regulation 11", "reconsideration (reg 14(5)(a))" },
	{ "eir_refusal_notice", 0, 0, "within 40 working days", "asking within 40 working days" },
	{ "eir_refusal_notice", 0, 0, "40 working days of receiving|40 working days of getting",
	  "our decision within 40 working days" },
	{ "eir_refusal_notice", 0, 0, "regulation 18", "the regulator (reg 14(5)(b), reg 18)" },
	REGULATOR_RIGHTS("eir_refusal_notice"),
	/* neither confirm nor deny: the same words whether or not anything is held (also
	   test_ncnd_same_whatever_is_held). Part 3 access: s45(4), the s45(5) rights; FOI: the
	   exemptions, the public interest reasons, the internal review and section 50. */
	{ "ncnd_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "ncnd_notice", 0, 0, "neither confirm nor deny|not going to tell you whether",
	  "that we neither confirm nor deny" },
	{ "ncnd_notice", 0, 0, "same reply whatever|same message whatever",
	  "that the reply is the same whatever the position" },
	{ "ncnd_notice", C_P3 | C_ACCESS, 0, "section 45(4)", "Part 3: section 45(4)" },
	{ "ncnd_notice", C_P3 | C_ACCESS, 0, "ask the {{regulator_name}} to check",
	  "Part 3: the regulator can check" },
	{ "ncnd_notice", C_P3 | C_ACCESS, 0, "section 51 of the data protection act 2018",
	  "Part 3: section 51" },
	{ "ncnd_notice", C_P3 | C_ACCESS, 0, "section 167 of the data protection act 2018",
	  "Part 3: a court under section 167" },
	{ "ncnd_notice", C_FOIA, 0, "section 1(1)(a)", "FOI: the duty to confirm or deny" },
	{ "ncnd_notice", C_FOIA, 0, CITED_ABSOLUTE, "FOI: each exemption" },
	{ "ncnd_notice", C_FOIA | C_QUAL, 0, CITED_QUALIFIED, "FOI: the qualified exemption" },
	{ "ncnd_notice", C_FOIA | C_QUAL, 0, "{{public_interest}}",
	  "FOI: the public interest reasons" },
	{ "ncnd_notice", C_FOIA, 0, "internal review", "FOI: the internal review" },
	{ "ncnd_notice", C_FOIA, 0, "within 40 working days", "FOI: when to ask for a review" },
	{ "ncnd_notice", C_FOIA, 0, "section 50 of the freedom of information act 2000",
	  "FOI: the regulator under section 50" },
	REGULATOR_RIGHTS("ncnd_notice"),
	/* refusals on the merits: Part 3 s48(1)(b) (reasons, s51, the regulator, a court under
	   s167, a complaint to us); UK GDPR Art 12(4) (reasons, the regulator, a court). */
	DP_REFUSAL("rectification_refusal_notice"),
	{ "rectification_refusal_notice", 0, 0, "correct", "what was refused (rectification)" },
	{ "rectification_refusal_notice", C_GDPR, C_CHILDFILE, "article 12(4)", "Article 12(4)" },
	DP_REFUSAL("erasure_refusal_notice"),
	{ "erasure_refusal_notice", 0, 0, "delete", "what was refused (erasure)" },
	{ "erasure_refusal_notice", C_GDPR, C_CHILDFILE, "article 17(3)",
	  "the Article 17(3) exceptions" },
	{ "erasure_refusal_notice", C_GDPR, C_CHILDFILE, "article 12(4)", "Article 12(4)" },
	{ "erasure_refusal_notice", C_GDPR | C_CHILDFILE, 0, "the law lets us keep information",
	  "when the law lets us keep it, in plain words" },
	/* restricted instead of erased (Part 3 s47(2)): not erased, restricted instead, kept
	   for what the law allows; the s48 rights. */
	DP_REFUSAL_P3("restrict_instead_notice"),
	{ "restrict_instead_notice", 0, 0, "will not erase|cannot delete",
	  "that the data will not be erased" },
	{ "restrict_instead_notice", 0, 0, "section 47(2)", "section 47(2)" },
	{ "restrict_instead_notice", 0, 0, "restricted", "that its processing is restricted" },
	{ "restrict_instead_notice", 0, 0, "evidence", "kept as evidence" },
	{ "restrict_instead_notice", 0, 0, "except for|other than those the law allows",
	  "used only for what the law allows" },
	/* fee: the amount, why, how to pay, the last day; what it does to each clock. */
	{ "fee_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "fee_notice", 0, 0, "{{fee_amount}}", "the amount" },
	{ "fee_notice", 0, 0, "{{reason}}", "why" },
	{ "fee_notice", 0, C_NOCONFIG, "{{fee_how_to_pay}}", "how to pay" },
	{ "fee_notice", C_NOCONFIG, 0, "tell you how to pay",
	  "how to pay, when the config says nothing" },
	{ "fee_notice", 0, 0, "pay by {{fee_last_day}}", "the last day to pay" },
	{ "fee_notice", 0, 0, "close your request", "that the request closes after it" },
	{ "fee_notice", C_DP, 0, "do not have to act on your request until|do not have to start",
	  "data protection: nothing is done until the fee arrives" },
	{ "fee_notice", C_DP, 0, "starts again", "data protection: the time limit starts again" },
	{ "fee_notice", C_DP | C_P3, 0, "section 53 of the data protection act 2018",
	  "Part 3: section 53" },
	{ "fee_notice", C_DP | C_GDPR, C_CHILDFILE, "articles 12(5) and 15(3)",
	  "UK GDPR: Articles 12(5) and 15(3)" },
	{ "fee_notice", C_FOIA, 0, "section 9", "FOI: a fees notice under section 9" },
	{ "fee_notice", C_FOIA, C_CHILDFILE, "section 10(2)", "FOI: section 10(2)" },
	{ "fee_notice", C_FOI, 0, "do not count", "FOI, EIR: the days until payment not counted" },
	{ "fee_notice", C_FOIA, 0, "20 working days", "FOI: the 20 working days" },
	{ "fee_notice", C_EIR, 0, "regulation 8", "EIR: a charge under regulation 8" },
	{ "fee_notice", C_FOIA, 0, "internal review", "FOI: the internal review" },
	{ "fee_notice", C_EIR, 0, "regulation 11", "EIR: reconsideration" },
	REGULATOR_RIGHTS("fee_notice"),
	/* fee not paid: closed; a new request any time. */
	{ "fee_unpaid_notice", 0, 0, "{{reference}}", "the case reference" },
	{ "fee_unpaid_notice", 0, 0, "{{fee_amount}}", "the fee" },
	{ "fee_unpaid_notice", 0, 0, "{{fee_last_day}}", "the last day to pay" },
	{ "fee_unpaid_notice", 0, 0, "closed your request", "that the request is closed" },
	{ "fee_unpaid_notice", 0, 0, "new request", "that a new request can be made" },
	{ "fee_unpaid_notice", C_FOIA, 0, "section 9(2)", "FOI: section 9(2)" },
	{ "fee_unpaid_notice", C_EIR, 0, "regulation 8", "EIR: regulation 8" },
	{ "fee_unpaid_notice", C_DP, 0, "not acted on your request|not done what you asked",
	  "data protection: that we have not acted on it" },
	REGULATOR_RIGHTS("fee_unpaid_notice"),
	/* every child's notice: the safety lines. */
	{ NULL, C_CHILDFILE, 0, "if you are in danger now, call 999", "a child: call 999" },
	{ NULL, C_CHILDFILE, 0, "childline", "a child: Childline" },
	{ NULL, C_CHILDFILE, 0, "0800 1111", "a child: Childline's number" },
	/* team notification (USERS.md): who, what and why, the deadline, attachments,
	   the commands usable now. */
	{ "team_new_case", 0, 0, "{{reference}}", "the case reference" },
	{ "team_new_case", 0, 0, "{{name}} <{{requester_addr}}>", "who" },
	{ "team_new_case", 0, 0, "{{received_date}}", "the received date" },
	{ "team_new_case", 0, 0, "{{request_subject}}", "the subject" },
	{ "team_new_case", 0, 0, "kinds: {{kinds_names}}", "the kinds by name" },
	{ "team_new_case", C_KINDS, 0, "{{kinds_words}}", "the kinds in words" },
	{ "team_new_case", C_CDP, 0, "complaint: data protection handling (dpa 2018 s164a)",
	  "the complaint type (data protection)" },
	{ "team_new_case", C_STATACK, 0, "the one s164a requires",
	  "that the s164A acknowledgement went out" },
	{ "team_new_case", C_CDP, C_STATACK, "no s164a acknowledgement",
	  "that no s164A acknowledgement went out (before 19 June 2026)" },
	{ "team_new_case", C_CFOI, 0, "complaint: foi internal review",
	  "the complaint type (FOI review)" },
	{ "team_new_case", C_CFOI, 0, "a target, not a legal time limit",
	  "a target labelled as a target" },
	{ "team_new_case", C_CEIR, 0, "complaint: eir reconsideration",
	  "the complaint type (EIR)" },
	{ "team_new_case", C_CCONDUCT, 0, "professional standards",
	  "the complaint type (conduct: redirect)" },
	{ "team_new_case", C_OTHER, 0, "no request recognised", "nothing recognised" },
	{ "team_new_case", C_PARENT, 0, "parental responsibility", "a parent applies" },
	{ "team_new_case", C_BEHALF, 0, "written authority", "someone applies for another" },
	{ "team_new_case", 0, 0, "{{why_text}}", "why the gateway thinks so" },
	{ "team_new_case", 0, 0, "state: {{state}}", "the state" },
	{ "team_new_case", C_ROWS, 0, "{{deadline}}", "the deadline" },
	{ "team_new_case", C_ID, 0, "clock not started", "that the clock waits for identity" },
	{ "team_new_case", C_ID | C_FOI, 0, "{{deadline}}", "the FOI deadline" },
	{ "team_new_case", C_ROWS, 0, "days left: {{days_left}}", "days left" },
	{ "team_new_case", 0, C_ROWS | C_ID, "no statutory deadline", "that there is no deadline" },
	{ "team_new_case", C_ACCESS | C_NOID, C_EXTDP | C_EXTALL,
	  W_ACCESS ": " S_DP_DATE " (61 days left)", "the access row" },
	{ "team_new_case", C_ROWEXT, 0, "extended", "an extended row" },
	{ "team_new_case", C_STOP | C_ACCESS, 0, "paused", "a paused row" },
	{ "team_new_case", 0, 0, "{{attachments_text}}", "the attachments" },
	{ "team_new_case", 0, 0, "{{commands_text}}", "the commands usable now" },
	{ "team_new_case", C_CHILD, 0, "child", "that the requester is a child" },
	{ "team_new_case", C_DP | C_P3, 0, "law enforcement", "the regime" },
	{ "team_new_case", C_DP | C_GDPR, 0, "uk gdpr", "the regime" },
	{ "team_new_case", C_DP | C_NONE, 0, "not set", "that the regime is not set" },
	/* a notice that could not be delivered: which case, to whom, why, what to do. */
	{ "team_notice_failed", 0, 0, "{{reference}}", "the case reference" },
	{ "team_notice_failed", 0, 0, "<{{requester_addr}}>", "the requester's address" },
	{ "team_notice_failed", C_REASON, 0, "{{reason}}", "the error" },
	{ "team_notice_failed", 0, 0, "{{commands_text}}", "the command to queue it again" },
	{ "team_new_case", C_REASON, 0, "{{signals_text}}", "the classifier's signals" },
	{ "team_new_case", 0, 0, "internal note", "that words below the commands stay inside" },
	/* the answer to a member: what was done, what can be done now */
	{ "team_reply", 0, 0, "{{text}}", "what each command did" },
	{ "team_reply", 0, 0, "{{commands_text}}", "the commands usable now" },
	{ "team_reply", 0, 0, "{{reference}} is now: {{state}}", "the state after" },
	/* a requester's reply raised: who, the case, the new text, what it probably is, files */
	{ "team_case_reply", 0, 0, "<{{requester_addr}}> replied on {{reference}}", "who and which" },
	{ "team_case_reply", 0, 0, "{{text}}", "the new text" },
	{ "team_case_reply", 0, 0, "probably: {{probably_text}}", "what it probably is" },
	{ "team_case_reply", 0, 0, "{{attachments_text}}", "the files" },
	{ "team_case_reply", 0, 0, "{{commands_text}}", "the commands usable now" },
	{ "team_alert", 0, 0, "{{text}}", "what happened" },
	{ "team_alert", 0, 0, "{{reference}}", "the case" },
	{ "team_storm", 0, 0, "{{requester_addr}}", "the sender" },
	{ "team_storm", 0, 0, "{{text}}", "how many, in how long" },
	{ "team_storm", 0, 0, "{{commands_text}}", "how to open cases from it" },
	/* #respond's answer reaches the requester in the cover */
	{ "response_cover", C_REASON, 0, "{{answer_text}}", "the team's answer" },
};

/* How many renders each row of needs[] and bans[] applied to: a row that never applies
   checks nothing (a condition that cannot happen, a notice misspelt). */
static unsigned int need_applied[G_N_ELEMENTS(needs)];

static int applies(const struct need *n, const struct rendered *r)
{
	/* The hedged acknowledgement has needs and bans of its own (marked C_UNSURE), which
	   apply to nothing else. */
	int ack = n->notice != NULL && strcmp(n->notice, "acknowledgement") == 0;
	int hedged = (r->cond & C_UNSURE) != 0;

	if (ack && hedged != ((n->when & C_UNSURE) != 0))
		return 0;
	return (n->notice == NULL || strcmp(n->notice, r->notice->name) == 0) &&
	       (r->cond & n->when) == n->when && (r->cond & n->unless) == 0;
}

static void check_needs(const struct rendered *r)
{
	int any = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(needs); i++) {
		const struct need *n = &needs[i];
		any |= n->notice != NULL && strcmp(n->notice, r->notice->name) == 0;
		if (!applies(n, r))
			continue;
		need_applied[i]++;
		if (!has_any(r, n->phrases))
			fail_render(r, "missing %s (\"%s\")", n->element, n->phrases);
	}
	if (!any)
		fail_render(r, "no required elements listed for this notice");
}

static void test_required_elements(void **state)
{
	memset(need_applied, 0, sizeof(need_applied));
	for_each_render(check_needs);
	for (size_t i = 0; i < G_N_ELEMENTS(needs); i++) {
		if (need_applied[i] == 0)
			fail_msg("needs[%zu] (%s: %s) applies to no render", i,
				 needs[i].notice != NULL ? needs[i].notice : "every notice",
				 needs[i].element);
	}
}

/* ---- the wording the law or the style rules out ---- */

static const struct need bans[] = {
	/* every notice */
	{ NULL, 0, 0, "section 165|s165|s.165|s 165",
	  "section 165 as a court route (the court is section 167; s165 is the complaint to "
	  "the regulator)" },
	{ NULL, 0, 0, "e-mail", "\"e-mail\" (GOV.UK style: \"email\")" },
	{ NULL, 0, 0, "judicial remedy", "\"judicial remedy\" (plain English: \"ask a court\")" },
	{ NULL, 0, 0, "not valid|invalid",
	  "a request called not valid (say: we cannot start work until we have proof of "
	  "identity)" },
	{ NULL, C_FOIONLY, 0,
	  "data protection|data-protection|personal data|section 51|uk gdpr|164a",
	  "data-protection wording on an FOI or EIR case" },
	/* a s53 / Art 12(5) refusal: no s51, reasons always given */
	{ "refusal_notice", 0, 0, "section 51|s51", "section 51 in a s53 refusal" },
	{ "refusal_notice", 0, 0,
	  "cannot tell you the reasons|cannot tell you why|reasons in a separate message|"
	  "send you our reasons|reasons for our decision in a separate",
	  "withheld or deferred reasons in a refusal" },
	/* s51 only where something was restricted */
	{ "response_cover", 0, C_PARTIAL, "section 51", "section 51 without a restriction" },
	/* a complaint-only acknowledgement has no "answer by" date; nor has a message that is
	   no request */
	{ "acknowledgement", C_CDP, C_KINDS, "answer by|" ALL_DATES,
	  "an answer date on a data-protection complaint (s164A: acknowledgement only)" },
	{ "acknowledgement", C_CCONDUCT, 0, "answer by|" ALL_DATES,
	  "an answer date on a conduct complaint" },
	{ "acknowledgement", C_OTHER, 0, "answer by|we will write to you|we will reply|" ALL_DATES,
	  "a promised answer when nothing was recognised as a request" },
	{ "acknowledgement", 0, 0, "asking for: your message|asking for: your complaint",
	  "\"asking for: your message/complaint\"" },
	/* the hedged acknowledgement promises no date and asks for no identity yet */
	{ "acknowledgement", C_UNSURE, 0, "answer by|" ALL_DATES,
	  "a date promised while the kinds are uncertain" },
	{ "acknowledgement", C_UNSURE, 0,
	  "proof of your identity|proof of who you are|what to send|what we need to see",
	  "identity asked for while the kinds are uncertain" },
	{ "acknowledgement", C_UNSURE, 0, "we may not reply|asking for: your message",
	  "no answer promised, or a kind-less \"asking for\"" },
	/* identity is asked for in the acknowledgement itself, not in a later message */
	{ "acknowledgement", C_ID, 0, "we will send you a separate message|another message to tell",
	  "a second message promised for identity" },
};

static unsigned int ban_applied[G_N_ELEMENTS(bans)];

static void check_bans(const struct rendered *r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(bans); i++) {
		const struct need *b = &bans[i];
		if (!applies(b, r))
			continue;
		ban_applied[i]++;
		char *found = found_any(r, b->phrases);
		if (found != NULL) {
			fail_render(r, "%s (\"%s\")", b->element, found);
			g_free(found);
		}
	}
}

static void test_banned_wording(void **state)
{
	memset(ban_applied, 0, sizeof(ban_applied));
	for_each_render(check_bans);
	for (size_t i = 0; i < G_N_ELEMENTS(bans); i++) {
		if (ban_applied[i] == 0)
			fail_msg("bans[%zu] (%s) applies to no render", i, bans[i].element);
	}
}

/* NCND (s45(4), FOIA s1(1)(a) with an exemption): the reply must be the same whether or not
   anything is held, so nothing the case knows about its data may reach it. Each NCND render
   is rendered again as if data were held (an answer, files, reasons, withheld parts) and as
   if nothing were, and all three must be byte-identical. */
static unsigned int ncnd_compared;

static void render_as(const struct rendered *r, int held)
{
	static const char *const facts[] = { "outcome_not_held", "outcome_part",
					     "partial_restriction", "answer_text",
					     "attachments_text", "restriction_reason", "reason" };
	static const char *const if_held[] = { "", "yes", "yes", S_ANSWER,
					       S_ENCLOSED, S_WITHHELD, S_REASON };
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, r->sample->vars);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_hash_table_insert(vars, k, v);
	for (size_t i = 0; i < G_N_ELEMENTS(facts); i++)
		g_hash_table_insert(vars, (gpointer)facts[i],
				    (gpointer)(held ? if_held[i] : i == 0 ? "yes" : ""));
	struct template *tpl = load(r->path);
	struct template_values values = { .vars = vars, .lists = r->sample->lists };
	struct template_output out;
	char *error = NULL;
	if (template_render_values(tpl, &values, &out, &error) != 1)
		fail_msg("%s does not render: %s", r->path, error);
	if (strcmp(out.subject, r->subject) != 0 || strcmp(out.text, r->body) != 0)
		fail_render(r, "the NCND reply differs when %s:\n%s", held ? "data is held" :
									    "nothing is held",
			    out.text);
	ncnd_compared++;
	template_output_clear(&out);
	template_free(&tpl);
	g_hash_table_unref(vars);
}

static void check_ncnd_same(const struct rendered *r)
{
	if (strcmp(r->notice->name, "ncnd_notice") != 0)
		return;
	render_as(r, 1);
	render_as(r, 0);
}

static void test_ncnd_same_whatever_is_held(void **state)
{
	ncnd_compared = 0;
	for_each_render(check_ncnd_same);
	assert_true(ncnd_compared > 0);
}

/* Every team notice names the case and its kinds in the subject: the team triages by it. */
static void check_team_subject(const struct rendered *r)
{
	if (strcmp(r->notice->name, "team_new_case") != 0)
		return;
	const char *kinds = g_hash_table_lookup(r->sample->vars, "kinds_names");
	char *want = g_strdup_printf("New case %s: %s%s", S_REFERENCE, kinds,
				     (r->cond & C_UNSURE) != 0 ? " (check the kinds)" : "");
	if (strcmp(r->subject, want) != 0)
		fail_render(r, "the subject is not \"%s\"", want);
	g_free(want);
}

static void test_team_subject(void **state)
{
	for_each_render(check_team_subject);
}

/* ---- complaints name the regulator; child versions explain it ---- */

static void check_complaints(const struct rendered *r)
{
	if (!r->notice->requester)
		return;
	if (strstr(r->flat, "complain") != NULL &&
	    (!has_phrase(r, "{{regulator_name}}") || !has_phrase(r, "{{regulator_contact}}")))
		fail_render(r, "complaints are mentioned without the regulator's name and contact");
	if (!r->child_file)
		return;
	if (has_phrase(r, "{{regulator_name}}") &&
	    !has_phrase(r, "the organisation that makes sure we follow the law about your "
			   "information"))
		fail_render(r, "a child's notice names the regulator without saying what it is");
	if (!has_phrase(r, "an adult you trust"))
		fail_render(r, "a child's notice does not suggest asking a trusted adult");
}

static void test_complaints_name_regulator(void **state)
{
	for_each_render(check_complaints);
}

/* ---- each regime's wording stays in its regime (domain-rules 4) ---- */

static void check_regime_wording(const struct rendered *r)
{
	static const char *const part3[] = { "section 51", "s51", "s.51", "s 51", "part 3",
					     "section 165", "section 167", "section 53", NULL };
	static const char *const uk_gdpr[] = { "article 12", "article 79", "uk gdpr", NULL };
	cond_t cond = r->cond;

	for (size_t i = 0; part3[i] != NULL; i++) {
		if ((cond & C_P3) == 0 && strstr(r->flat, part3[i]) != NULL)
			fail_render(r, "Part 3 wording \"%s\" outside a Part 3 case", part3[i]);
	}
	for (size_t i = 0; uk_gdpr[i] != NULL; i++) {
		if ((cond & C_GDPR) == 0 && strstr(r->flat, uk_gdpr[i]) != NULL)
			fail_render(r, "UK GDPR wording \"%s\" outside a UK GDPR case", uk_gdpr[i]);
	}
}

static void test_regime_wording(void **state)
{
	for_each_render(check_regime_wording);
}

/* ---- automatic notices quote no personal data (domain-rules 4) ---- */

static void check_automatic(const struct rendered *r)
{
	static const char *const personal[] = { S_NAME, S_ADDR, S_REASON, S_QUESTION, S_WHY,
						"passport.jpg", S_COMMANDS, NULL };

	if (!r->notice->automatic)
		return;
	for (size_t i = 0; personal[i] != NULL; i++) {
		if (strstr(r->body, personal[i]) != NULL || strstr(r->subject, personal[i]) != NULL)
			fail_render(r, "an automatic notice quotes \"%s\"", personal[i]);
	}
}

static void test_automatic_quotes_nothing(void **state)
{
	for_each_render(check_automatic);
}

/* ---- the digest and the report: their own declarations ---- */

static GHashTable *row_of(const char *ref, const char *status, const char *colour)
{
	GHashTable *r = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(r, "reference", (gpointer)ref);
	g_hash_table_insert(r, "requester", "ann@example.org");
	g_hash_table_insert(r, "kinds", "foi");
	g_hash_table_insert(r, "state", "open");
	g_hash_table_insert(r, "owner", "");
	g_hash_table_insert(r, "due", "2 November 2026");
	g_hash_table_insert(r, "days_left", "-22");
	g_hash_table_insert(r, "status", (gpointer)status);
	g_hash_table_insert(r, "colour", (gpointer)colour);
	g_hash_table_insert(r, "background", "#fde2e5");
	return r;
}

static struct template_output render_digest(int with_cases)
{
	struct template *tpl = NULL;
	struct template_output out;
	char *error = NULL;
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTable *lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
						  (GDestroyNotify)g_ptr_array_unref);

	/* Loaded with its own declaration: a case notice's placeholder would be an error. */
	if (template_load("templates/team_digest", gateway_notice_vars_of("team_digest"), &tpl,
			  &error) != 1)
		fail_msg("team_digest: %s", error);
	g_hash_table_insert(vars, "date", "3 December 2026");
	g_hash_table_insert(vars, "team_name", "Public Disclosure Team");
	g_hash_table_insert(vars, "summary", with_cases ? "1 overdue" : "nothing due");
	g_hash_table_insert(vars, "nothing_due", with_cases ? "" : "yes");
	g_hash_table_insert(vars, "chart_src", with_cases ? "cid:chart.png@pdgate" : "");
	if (with_cases) {
		GPtrArray *overdue = g_ptr_array_new_with_free_func(
			(GDestroyNotify)g_hash_table_unref);
		GPtrArray *board = g_ptr_array_new_with_free_func(
			(GDestroyNotify)g_hash_table_unref);
		g_ptr_array_add(overdue, row_of("PD-2026-000001", "overdue", "#b00020"));
		g_ptr_array_add(board, row_of("PD-2026-000001", "overdue", "#b00020"));
		g_hash_table_insert(lists, "overdue", overdue);
		g_hash_table_insert(lists, "board", board);
		g_hash_table_insert(vars, "overdue_count", "1");
		g_hash_table_insert(vars, "board_count", "1");
	}
	struct template_values v = { .vars = vars, .lists = lists };
	if (template_render_values(tpl, &v, &out, &error) != 1)
		fail_msg("team_digest: %s", error);
	template_free(&tpl);
	g_hash_table_unref(vars);
	g_hash_table_unref(lists);
	return out;
}

static void test_own_declarations(void **state)
{
	struct template_output out = render_digest(1);
	char *error = NULL;
	struct template *tpl = NULL;

	/* Each case line names its case; overdue says so in words and in red. */
	assert_non_null(strstr(out.text, "OVERDUE: 1\n- PD-2026-000001  overdue"));
	assert_non_null(strstr(out.html, "PD-2026-000001"));
	assert_non_null(strstr(out.html, "background:#b00020"));
	assert_non_null(strstr(out.html, ">overdue<"));
	assert_non_null(strstr(out.html, "src=\"cid:chart.png@pdgate\""));
	/* Tables and inline styles only: no script, no remote image, no SVG, no stylesheet. */
	assert_null(strstr(out.html, "<script"));
	assert_null(strstr(out.html, "<svg"));
	assert_null(strstr(out.html, "http"));
	assert_null(strstr(out.html, "<link"));
	assert_null(strstr(out.text, "Nothing due"));
	template_output_clear(&out);
	out = render_digest(0);
	assert_non_null(strstr(out.text, "Nothing due"));
	assert_null(strstr(out.html, "<img"));
	template_output_clear(&out);
	/* The digest's declaration is not a case notice's: {{reference}} alone is unknown. */
	assert_int_equal(template_parse("t", "Subject: x\n\n{{reference}}\n",
					gateway_notice_vars_of("team_digest"), &tpl, &error), 0);
	g_free(error);
	error = NULL;
	assert_int_equal(template_load("templates/team_report",
				       gateway_notice_vars_of("team_report"), &tpl, &error), 1);
	template_free(&tpl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_directory_complete),
		cmocka_unit_test(test_own_declarations),
		cmocka_unit_test(test_gateway_names_covered),
		cmocka_unit_test(test_sample_complete),
		cmocka_unit_test(test_load_all),
		cmocka_unit_test(test_no_literal_regulator),
		cmocka_unit_test(test_child_files_plain),
		cmocka_unit_test(test_child_files_safety),
		cmocka_unit_test(test_refusal_always_gives_reasons),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_required_elements),
		cmocka_unit_test(test_banned_wording),
		cmocka_unit_test(test_ncnd_same_whatever_is_held),
		cmocka_unit_test(test_team_subject),
		cmocka_unit_test(test_complaints_name_regulator),
		cmocka_unit_test(test_regime_wording),
		cmocka_unit_test(test_automatic_quotes_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
