/* rules internals shared by rules-parse.c (load, compile, check) and rules-eval.c (match). */
#ifndef PDGATE_RULES_PRIVATE_H
#define PDGATE_RULES_PRIVATE_H

#include "rules.h"

#define RULES_MAX_RULES 5000
#define RULES_MAX_LINE 8192
#define RULES_MAX_FILE (1024u * 1024u)
#define RULES_MAX_INCLUDE_DEPTH 10

enum rule_kind {
	RULE_SUBJECT, RULE_BODY, RULE_RAWBODY, RULE_FROM, RULE_HEADER, RULE_HEADER_EXISTS,
	RULE_ATTACHMENT_NAME, RULE_ATTACHMENT_TYPE, RULE_BODY_WORDS, RULE_META
};

enum meta_op { META_RULE, META_NOT, META_AND, META_OR };

/* Meta expression node. AND/OR are n-ary so long chains stay shallow. */
struct meta_node {
	enum meta_op op;
	unsigned rule;              /* META_RULE: index into rules->rules, once resolved */
	char *name;                 /* META_RULE: the name as written (for resolving) */
	struct meta_node **kids;    /* META_NOT: 1; META_AND/OR: n_kids >= 2 */
	unsigned n_kids;
};

/* How a subject, body or rawbody rule's regex runs (rules-hs.c). */
enum rule_engine {
	ENGINE_GREGEX = 0,  /* GRegex on every message */
	ENGINE_HS,          /* Hyperscan decides alone (texts it covers) */
	ENGINE_HS_PREFILTER /* GRegex, only when Hyperscan finds the regex minus its lookarounds */
};

struct rule {
	char *name;
	enum rule_kind kind;
	GRegex *re;            /* regex kinds and RULE_HEADER */
	char *pattern;         /* the regex as written, between the slashes (for Hyperscan) */
	unsigned re_flags;     /* RULE_RE_DOTALL, RULE_RE_EXTENDED */
	enum rule_engine engine;
	char *engine_note;     /* why not ENGINE_HS, "NAME (reason)"; NULL for ENGINE_HS */
	int hs_letters;        /* its Hyperscan answer holds on a text whose letters are mapped
				  (HS_COVERED_LETTERS, rules-hs.c) */
	char *header;          /* RULE_HEADER, RULE_HEADER_EXISTS */
	int words_less;        /* RULE_BODY_WORDS: 1 for "<", 0 for ">" */
	unsigned long words;   /* RULE_BODY_WORDS */
	struct meta_node *meta;
	char *describe;
	double score[LABEL_COUNT];
	int scored;            /* a score line was given (a second one is an error) */
	/* where it was defined, for errors found after parsing (file index into the loader's list) */
	unsigned file, line;
};

#define RULE_RE_DOTALL 1u
#define RULE_RE_EXTENDED 2u

/* The texts a Hyperscan database is built for. */
enum rules_text { TEXT_SUBJECT, TEXT_BODY, TEXT_RAWBODY, TEXT_COUNT };

struct rules_hs;

struct rules {
	struct rule *rules;    /* file order */
	unsigned n_rules;
	unsigned *meta_order;  /* indices of metas, each after every meta it refers to */
	unsigned n_metas;
	double threshold[LABEL_COUNT];
	int need_words;        /* some body_words rule: count the words of each message */
	struct rules_hs *hs;   /* NULL: every regex runs on GRegex */
	const char *hs_off;    /* why hs is NULL (static text), or NULL */
	GPtrArray *notes;      /* char *: engine_note of each rule not decided by Hyperscan */
};

/* Free a meta expression tree. NULL-safe. */
void rules_meta_free(struct meta_node *node);

/* ---- rules-hs.c: Hyperscan (built with PDGATE_HYPERSCAN), GRegex semantics kept ----
   A text is "covered" when it holds no non-ASCII letter, number, mark or space: there
   Hyperscan's ASCII \b \w \s \d equal GRegex's Unicode ones, and its result is exact.
   A text whose only such characters are letters without an ASCII case partner ("café") is
   covered for the rules marked hs_letters. An uncovered text runs its rules on GRegex, as
   without Hyperscan. */
enum hs_cover {
	HS_UNCOVERED = 0,   /* every rule of the text runs on GRegex */
	HS_COVERED_LETTERS, /* hit[] holds for the rules with hs_letters only */
	HS_COVERED          /* hit[] holds for every Hyperscan rule */
};

/* NULL when Hyperscan can be used, else why not (static text). */
const char *rules_hs_unavailable(void);
/* Compile every subject, body and rawbody regex of rules into one database per text; set
   each rule's engine and engine_note. NULL (every rule ENGINE_GREGEX) when nothing compiled,
   with *why_r (static text). */
struct rules_hs *rules_hs_build(struct rule *rules, unsigned n_rules, const char **why_r);
void rules_hs_free(struct rules_hs **hs);
/* Scan text (NUL-terminated, valid UTF-8) with the database of kind; set hit[i] to 1 for
   every rule i whose Hyperscan expression matched (others untouched). How far the text is
   covered (which rules hit[] holds for); HS_UNCOVERED when they all run on GRegex.
   Thread-safe. */
enum hs_cover rules_hs_scan(const struct rules_hs *hs, enum rules_text kind, const char *text,
		  unsigned char *hit);

#endif
