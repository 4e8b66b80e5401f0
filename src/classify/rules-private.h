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

struct rule {
	char *name;
	enum rule_kind kind;
	GRegex *re;            /* regex kinds and RULE_HEADER */
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

struct rules {
	struct rule *rules;    /* file order */
	unsigned n_rules;
	unsigned *meta_order;  /* indices of metas, each after every meta it refers to */
	unsigned n_metas;
	double threshold[LABEL_COUNT];
	int need_words;        /* some body_words rule: count the words of each message */
};

/* Free a meta expression tree. NULL-safe. */
void rules_meta_free(struct meta_node *node);

#endif
