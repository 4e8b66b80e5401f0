/* classify/rules-eval: runs the compiled rules against one parsed message. Pure, no I/O.
   Trusts the struct from mime (valid UTF-8, bounded) and the rules as compiled by
   rules-parse.c (every regex compiled, every meta resolved, metas in dependency order).
   Each text a rule looks at is made once per message. Subject, body and rawbody are each
   scanned once by Hyperscan (rules-hs.c) when the rules have it; a rule runs GRegex only
   when Hyperscan cannot decide it. The `body` text is mime_reply_new_text's (quoted replies
   removed by mime). */
#include "rules-private.h"
#include "classify.h"

#include <string.h>

/* Sums of decimal scores are not exact (0.1 + 0.2 < 0.3): a label exactly at its threshold
   must still fire. */
#define SCORE_EPSILON 1e-9

/* The texts of one message, made once. */
struct texts {
	const struct mime_message *msg;
	const char *subject, *from, *body, *rawbody;
	enum hs_cover covered[TEXT_COUNT]; /* for which rules hs_hit holds the answer */
	unsigned char *hs_hit;   /* per rule: its Hyperscan expression matched */
	unsigned long words;
	char *owned_body, *owned_from;
};

/* ---- words ---- */

/* Words: whitespace-separated runs holding at least one letter or digit, so a lone "-" or
   "--" signature marker does not count. counted: the current run has been counted. */
static unsigned long count_words(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long n = 0;
	int counted = 0, space, alnum;

	while (*p != '\0') {
		if (*p < 0x80) {
			/* ASCII without branches on the text: random words mispredict. */
			space = (g_ascii_table[*p] & G_ASCII_SPACE) != 0;
			alnum = (g_ascii_table[*p] & G_ASCII_ALNUM) != 0;
			p++;
		} else {
			gunichar c = g_utf8_get_char((const char *)p);
			space = g_unichar_isspace(c);
			alnum = g_unichar_isalnum(c);
			p = (const unsigned char *)g_utf8_next_char(p);
		}
		n += (unsigned long)(alnum & !counted);
		counted = (counted | alnum) & !space;
	}
	return n;
}

/* ---- texts ---- */

static void texts_init(struct texts *t, const struct rules *rules,
		       const struct mime_message *msg)
{
	const char *name = msg->from_name, *addr = msg->from_addr;

	memset(t, 0, sizeof(*t));
	t->msg = msg;
	t->subject = msg->subject != NULL ? msg->subject : "";
	t->rawbody = msg->body_text != NULL ? msg->body_text : "";
	/* Quotes only: a request forwarded to us is still the request (also under an Outlook
	   header block, which a reply's quoted history would be). */
	t->owned_body = classify_request_text(msg, 0);
	t->body = t->owned_body;
	t->words = rules->need_words ? count_words(t->body) : 0;
	if (name != NULL && addr != NULL)
		t->owned_from = g_strdup_printf("%s <%s>", name, addr);
	else if (addr != NULL)
		t->owned_from = g_strdup_printf("<%s>", addr);
	t->from = t->owned_from != NULL ? t->owned_from : name != NULL ? name : "";
}

static void texts_clear(struct texts *t)
{
	g_free(t->owned_body);
	g_free(t->owned_from);
}

/* ---- tests ---- */

static int match(const GRegex *re, const char *s)
{
	return g_regex_match(re, s, 0, NULL);
}

static int match_header(const struct rule *r, const struct mime_message *msg)
{
	for (size_t i = 0; i < msg->n_headers; i++) {
		if (g_ascii_strcasecmp(msg->headers[i].name, r->header) == 0 &&
		    (r->kind == RULE_HEADER_EXISTS || match(r->re, msg->headers[i].value)))
			return 1;
	}
	return 0;
}

static int match_attachment(const struct rule *r, const struct mime_message *msg)
{
	for (size_t i = 0; i < msg->n_attachments; i++) {
		const char *s = r->kind == RULE_ATTACHMENT_NAME ? msg->attachments[i].filename
								: msg->attachments[i].content_type;
		if (s != NULL && match(r->re, s))
			return 1;
	}
	return 0;
}

/* Scan each text once with its Hyperscan database (hit: zeroed, one byte per rule). */
static void texts_scan(struct texts *t, const struct rules *rules, unsigned char *hit)
{
	const char *text[TEXT_COUNT] = { t->subject, t->body, t->rawbody };

	t->hs_hit = hit;
	if (rules->hs == NULL)
		return;
	memset(hit, 0, rules->n_rules);
	for (unsigned k = 0; k < TEXT_COUNT; k++)
		t->covered[k] = rules_hs_scan(rules->hs, (enum rules_text)k, text[k], hit);
}

/* A subject, body or rawbody rule: Hyperscan's answer where it has one, else GRegex. */
static int text_fires(const struct rule *r, unsigned i, const struct texts *t,
		      enum rules_text kind, const char *text)
{
	if (r->engine != ENGINE_GREGEX &&
	    (t->covered[kind] == HS_COVERED ||
	     (t->covered[kind] == HS_COVERED_LETTERS && r->hs_letters))) {
		if (r->engine == ENGINE_HS || !t->hs_hit[i])
			return t->hs_hit[i];
	}
	return match(r->re, text);
}

static int test_fires(const struct rule *r, unsigned i, const struct texts *t)
{
	switch (r->kind) {
	case RULE_SUBJECT:
		return text_fires(r, i, t, TEXT_SUBJECT, t->subject);
	case RULE_BODY:
		return text_fires(r, i, t, TEXT_BODY, t->body);
	case RULE_RAWBODY:
		return text_fires(r, i, t, TEXT_RAWBODY, t->rawbody);
	case RULE_FROM:
		return match(r->re, t->from);
	case RULE_HEADER:
	case RULE_HEADER_EXISTS:
		return match_header(r, t->msg);
	case RULE_ATTACHMENT_NAME:
	case RULE_ATTACHMENT_TYPE:
		return match_attachment(r, t->msg);
	case RULE_BODY_WORDS:
		return r->words_less ? t->words < r->words : t->words > r->words;
	case RULE_META:
		break;
	}
	return 0;
}

static int meta_true(const struct meta_node *n, const unsigned char *fired)
{
	switch (n->op) {
	case META_RULE:
		return fired[n->rule];
	case META_NOT:
		return !meta_true(n->kids[0], fired);
	case META_AND:
		for (unsigned i = 0; i < n->n_kids; i++) {
			if (!meta_true(n->kids[i], fired))
				return 0;
		}
		return 1;
	case META_OR:
		for (unsigned i = 0; i < n->n_kids; i++) {
			if (meta_true(n->kids[i], fired))
				return 1;
		}
		return 0;
	}
	return 0;
}

/* ---- result ---- */

static void result_fill(const struct rules *rules, const unsigned char *fired,
			struct rules_result *result)
{
	size_t n = 0;

	for (unsigned i = 0; i < rules->n_rules; i++)
		result->n_hits += fired[i];
	if (result->n_hits > 0)
		result->hits = g_malloc_n(result->n_hits, sizeof(*result->hits));
	for (unsigned i = 0; i < rules->n_rules; i++) {
		const struct rule *r = &rules->rules[i];
		if (!fired[i])
			continue;
		result->hits[n].name = r->name;
		result->hits[n].describe = r->describe;
		memcpy(result->hits[n].score, r->score, sizeof(r->score));
		for (unsigned label = 0; label < LABEL_COUNT; label++)
			result->score[label] += r->score[label];
		n++;
	}
	for (unsigned label = 0; label < LABEL_COUNT; label++)
		result->fired[label] =
			result->score[label] >= rules->threshold[label] - SCORE_EPSILON;
}

void rules_eval(const struct rules *rules, const struct mime_message *msg,
		struct rules_result *result)
{
	/* At most RULES_MAX_RULES bytes each: on the stack, so a message costs no allocation
	   here. */
	unsigned char fired[RULES_MAX_RULES], hit[RULES_MAX_RULES];
	struct texts t;

	memset(result, 0, sizeof(*result));
	if (rules == NULL || rules->n_rules == 0)
		return;
	texts_init(&t, rules, msg);
	texts_scan(&t, rules, hit);
	for (unsigned i = 0; i < rules->n_rules; i++) {
		const struct rule *r = &rules->rules[i];
		fired[i] = r->kind != RULE_META && test_fires(r, i, &t);
	}
	for (unsigned i = 0; i < rules->n_metas; i++) {
		unsigned m = rules->meta_order[i];
		fired[m] = (unsigned char)meta_true(rules->rules[m].meta, fired);
	}
	result_fill(rules, fired, result);
	texts_clear(&t);
}

void rules_result_clear(struct rules_result *result)
{
	g_free(result->hits);
	memset(result, 0, sizeof(*result));
}
