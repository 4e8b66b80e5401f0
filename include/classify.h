/* classify: pure decisions about one parsed message (no I/O): which rights it exercises and
   the indicators the team needs (rules.h does the scoring), whether it is machine-generated
   mail that must never be answered (RFC 3834), and which case reference it carries. */
#ifndef PDGATE_CLASSIFY_H
#define PDGATE_CLASSIFY_H

#include "mime.h"
#include "rules.h"
#include "model.h"

enum classify_on_behalf {
	ON_BEHALF_NONE = 0, ON_BEHALF_SOLICITOR, ON_BEHALF_PARENT, ON_BEHALF_OTHER
};
enum classify_regime { REGIME_UNKNOWN = 0, REGIME_LAW_ENFORCEMENT, REGIME_GENERAL };

struct classify_result {
	unsigned kinds;          /* bit (1u << LABEL_x) per kind that fired; 0 means "other" */
	int auto_mail;           /* never answer it */
	const char *auto_reason; /* why (static or borrowed from the rules), or NULL */
	int identity_attached, child, vague;
	int withdrawal;          /* asks to withdraw a request (a reply: for the team to confirm) */
	enum classify_on_behalf on_behalf;
	enum classify_regime regime_hint;
	char *case_ref;          /* the case it continues (set by the caller), or NULL */
	char *repeat_of;         /* earlier case, same requester and right (caller), or NULL */
	/* A complaint about an earlier case it continues or names (caller): that case, and
	   what the complaint is therefore about ("foi_review"...: static), or NULL. */
	char *complaint_about;
	const char *complaint_type;
	struct rules_result rules; /* the scores and the rules that fired */
	double prob[LABEL_KIND_COUNT]; /* how likely each kind is, 0..1 (auto mail: all 0) */
	const char *model_version; /* the model that gave prob (borrowed), NULL: the rules */
	/* With explain: the features that weighed most for the kinds found (or, for "other",
	   for the most likely kind), largest first. */
	struct classify_why {
		char *feature;
		enum rules_label kind;
		double weight;
	} *why;
	size_t n_why;
};

/* A rule scoring a kind at least this much forces it on, at most minus this forces it off,
   whatever the model says: admins keep the last word. */
#define CLASSIFY_RULE_FORCE 10.0

/* Classify msg with the compiled rules (NULL: header checks only). Fills *r; free with
   classify_result_clear. Machine-generated mail always has kinds 0 ("other"). */
void classify_message(const struct rules *rules, const struct mime_message *msg,
		      struct classify_result *r);
void classify_result_clear(struct classify_result *r);
/* classify_message with a model (NULL: the same as classify_message): the kinds are the
   model's (model_kinds), then CLASSIFY_RULE_FORCE applies. explain:
   also fill r->why (up to CLASSIFY_MAX_WHY). */
#define CLASSIFY_MAX_WHY 8
void classify_message_model(const struct rules *rules, const struct pd_model *model,
			    const struct mime_message *msg, int explain,
			    struct classify_result *r);

/* Confidence (classify/confidence.c). Pure. */
/* The slope k of prob = 1 / (1 + exp(-k * (score - threshold))): at k = 4 a kind scored
   0.27 either side of its threshold is 25% / 75% likely, one scored nothing 2%. */
#define CLASSIFY_PROB_SLOPE 4.0
/* Fill r->prob from the rules' scores and thresholds (rules NULL: every threshold 1.0), until
   a statistical model gives the probabilities instead; machine mail gets all 0. */
void classify_prob_from_rules(const struct rules *rules, struct classify_result *r);
/* 1 when a new case would be opened on a guess: not machine mail, and some kind's
   probability lies strictly between (1 - confidence) and confidence, or no kind fired and
   the most likely kind is at least (1 - confidence) likely. confidence is [classify]
   confidence, in (0.5, 1); 0.5 (or less) disables the check: always 0. */
int classify_is_uncertain(const struct classify_result *r, double confidence);
/* What the classifier was unsure between, for the team: the kinds that fired or lie within
   (1 - confidence, confidence), most likely first, at most CLASSIFY_UNSURE_MAX of them,
   as "access 0.55, foi 0.48" (at least the most likely kind). g_malloc'd. */
#define CLASSIFY_UNSURE_MAX 3
char *classify_uncertain_text(const struct classify_result *r, double confidence);

/* The kinds as text: case_kinds_string() and case_kinds_parse() (lifecycle.h); the bits are
   the same. */
const char *classify_on_behalf_name(enum classify_on_behalf v);
const char *classify_regime_name(enum classify_regime v);

/* The result as one JSON object (keys: file when non-NULL, kinds (sorted array), auto,
   identity_attached, on_behalf, child, regime_hint, vague, case_ref, repeat_of,
   complaint_about, complaint_type, rules
   (array of {name, describe, scores{label: n}})). g_malloc'd. */
char *classify_result_json(const struct classify_result *r, const char *file, int pretty);

/* Why msg must not be auto-answered, as a static string ("auto-submitted: auto-replied",
   "bounce: multipart/report", ...), or NULL when it is ordinary person-written mail. */
const char *classify_auto_reason(const struct mime_message *msg);

/* A forward ("FW:", "Fwd:", a forwarded-message separator in the text): its request is the
   forwarded mail. */
int classify_is_forward(const struct mime_message *msg);
/* The text a request is read from (the rules' `body`, the model's words): what the sender
   wrote without the quoted history (mime_reply_new_text with MIME_REPLY_QUOTES_ONLY and
   flags), or for a forward every line but the forwarded header lines, '>' removed.
   g_malloc'd, never NULL. */
char *classify_request_text(const struct mime_message *msg, unsigned flags);

/* The person behind a relay: a Reply-To that is no no-reply address, or, from a no-reply
   sender, the web form's "Email:" field (mime_form_sender). NULL when neither: borrowed. */
const char *classify_form_requester(const struct mime_message *msg);

/* Bounces (classify/bounce.c). 1 when msg reports that delivery failed: a delivery-status
   or returned-headers part, a multipart/report that is no read receipt or abuse report, a
   MAILER-DAEMON/postmaster sender, or a bounce subject from a null Return-Path or with
   Auto-Submitted. An out-of-office reply is not one. */
int classify_is_bounce(const struct mime_message *msg);
/* The Message-IDs of the mail a bounce returns: every Message-ID (or Original-Message-ID)
   line below its own header (in the returned message or headers part, or quoted in the
   text), and in body_text (its decoded text, may be NULL), in order, once each, at most
   PD_MAX_BOUNCE_IDS, without <>. raw is untrusted and need not be NUL-terminated.
   NULL-terminated, g_strfreev. */
char **classify_bounce_ids(const char *raw, size_t len, const char *body_text);
/* Why it failed, as the report says (Status, Diagnostic-Code), printable ASCII of bounded
   length: g_malloc'd, never NULL. */
char *classify_bounce_reason(const char *raw, size_t len);

/* Find a case reference PREFIX-YYYY-NNNNNN anywhere in text (word-bounded, prefix matched
   case-insensitively). Returns a g_malloc'd canonical reference (prefix as configured) or
   NULL. prefix must be [A-Za-z0-9]+. */
char *classify_find_reference(const char *text, const char *prefix);

#endif
