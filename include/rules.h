/* rules: the admin-edited rule files of rules/ (a SpamAssassin-like format), compiled once,
   evaluated against one parsed message. Pure: no I/O except rules_load reading the files.

   File format (one directive per line; '#' starts a comment; blank lines ignored):
     include FILE                      other file, relative to this one's folder
     threshold [LABEL] N               score a label needs (default 1.0 for every label)
     subject NAME /RE/[i]              regex on the decoded subject
     body NAME /RE/                    regex on the body text (quoted replies removed)
     rawbody NAME /RE/                 regex on the whole body text, quotes included
     from NAME /RE/                    regex on "Display Name <addr>"
     header NAME Header-Name =~ /RE/   regex on every value of that header
     header NAME exists:Header-Name    the header is present
     attachment_name NAME /RE/         any attachment's file name
     attachment_type NAME /RE/         any attachment's MIME type ("image/jpeg")
     body_words NAME < N | > N         word count of the body text (quotes removed)
     meta NAME EXPR                    other rules combined with && || ! ( )
     describe NAME TEXT                a line saying what the rule means (shown in output)
     score NAME LABEL=N [LABEL=N ...]  what the rule adds to which labels (N may be negative)
   Regexes are PCRE via GRegex, always case-insensitive and Unicode; /.../ may be followed by
   flags from "sx" only. Rule names are [A-Z][A-Z0-9_]*, unique across all files.
   Matching: the subject, body and rawbody regexes of the set are compiled into one Hyperscan
   database per text (built with libhs, PDGATE_HYPERSCAN), so one scan of a text finds them
   all; GRegex remains the reference and runs what Hyperscan would read differently
   (lookarounds, '$', backreferences, what Hyperscan rejects: listed by rules_engine_get),
   and, for a text holding a non-ASCII number or space or a letter with an ASCII case
   partner, the regexes that text could match differently (src/classify/rules-hs.c says
   which and why: other letters are scanned as '_').
   Results are the same either way. PDGATE_NO_HYPERSCAN=1 in the environment of rules_load
   (or at build time: `make PDGATE_NO_HYPERSCAN=1`) runs everything on GRegex.
   Labels: the kinds (access rectification erasure restriction portability objection
   automated_decision foi eir complaint) and the indicators auto, identity_attached, child,
   vague, on_behalf_solicitor, on_behalf_parent, on_behalf_other, regime_law_enforcement,
   regime_general, withdrawal (a reply asking to withdraw the request). */
#ifndef PDGATE_RULES_H
#define PDGATE_RULES_H

#include <glib.h>
#include "mime.h"

enum rules_label {
	LABEL_ACCESS = 0, LABEL_RECTIFICATION, LABEL_ERASURE, LABEL_RESTRICTION,
	LABEL_PORTABILITY, LABEL_OBJECTION, LABEL_AUTOMATED_DECISION, LABEL_FOI, LABEL_EIR,
	LABEL_COMPLAINT,
	/* indicators */
	LABEL_AUTO, LABEL_IDENTITY_ATTACHED, LABEL_CHILD, LABEL_VAGUE, LABEL_ON_BEHALF_SOLICITOR,
	LABEL_ON_BEHALF_PARENT, LABEL_ON_BEHALF_OTHER, LABEL_REGIME_LAW_ENFORCEMENT,
	LABEL_REGIME_GENERAL, LABEL_WITHDRAWAL,
	LABEL_COUNT
};
#define LABEL_KIND_COUNT (LABEL_COMPLAINT + 1)

/* Name of a label ("access", "on_behalf_solicitor"...). */
const char *rules_label_name(enum rules_label label);
/* 1 and *label_r when name is a label, else 0. */
int rules_label_parse(const char *name, enum rules_label *label_r);

struct rules;

/* Load and compile path and everything it includes. Returns 1 with *rules_r (free with
   rules_free), or 0 with *error_r listing EVERY error found, one per line, as
   "file:line: message" (unknown directive, bad regex with GRegex's reason, unknown or
   duplicate rule name, meta referring to an unknown rule or forming a cycle, score for an
   unknown label, include loop or missing file, score without a test...). */
int rules_load(const char *path, struct rules **rules_r, char **error_r);
enum rules_engine {
	RULES_ENGINE_AUTO,  /* Hyperscan where built in and not disabled, GRegex for the rest */
	RULES_ENGINE_GREGEX /* GRegex only (the reference; tests and benchmarks compare) */
};
/* rules_load choosing the engine. */
int rules_load_engine(const char *path, enum rules_engine engine, struct rules **rules_r,
		      char **error_r);
void rules_free(struct rules **rules);
/* Number of rules loaded (for "rules check"). */
unsigned rules_count(const struct rules *rules);
/* The score a label needs to fire (1.0, the default, when rules is NULL). */
double rules_threshold(const struct rules *rules, enum rules_label label);

/* How the subject, body and rawbody regexes run (for "rules check" and the start-up log). */
struct rules_engine_info {
	unsigned n_text_regexes; /* subject, body and rawbody rules */
	unsigned n_hyperscan;    /* of those, decided by Hyperscan alone */
	unsigned n_gregex;       /* the others: GRegex (some only when Hyperscan finds a hint) */
	const char *off;         /* why Hyperscan is not used at all (static), or NULL */
	/* with Hyperscan: one "NAME (reason)" per rule left to GRegex; borrowed from rules */
	const char *const *notes;
	unsigned n_notes;
};
void rules_engine_get(const struct rules *rules, struct rules_engine_info *info);

struct rules_hit {
	const char *name;     /* borrowed from the rules */
	const char *describe; /* borrowed, may be NULL */
	/* score added per label; 0 where the rule does not score that label */
	double score[LABEL_COUNT];
};

struct rules_result {
	double score[LABEL_COUNT];  /* sum of scores of the rules that fired */
	int fired[LABEL_COUNT];     /* score >= that label's threshold */
	struct rules_hit *hits;     /* rules that fired (tests and metas), in file order */
	size_t n_hits;
};

/* Evaluate every rule against msg. Fills *result (free with rules_result_clear). Pure, and
   safe to call from several threads at once on one rules object (Hyperscan scratch comes
   from a pool in the rules, see rules-hs.c). */
void rules_eval(const struct rules *rules, const struct mime_message *msg,
		struct rules_result *result);
void rules_result_clear(struct rules_result *result);

#endif
