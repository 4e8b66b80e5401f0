/* classify/rules-eval: runs the compiled rules against one parsed message. Pure, no I/O.
   Trusts the struct from mime (valid UTF-8, bounded) and the rules as compiled by
   rules-parse.c (every regex compiled, every meta resolved, metas in dependency order).
   Each text a rule looks at is made once per message; rules only run GRegex over them. */
#include "rules-private.h"

#include <string.h>

/* Sums of decimal scores are not exact (0.1 + 0.2 < 0.3): a label exactly at its threshold
   must still fire. */
#define SCORE_EPSILON 1e-9

/* The texts of one message, made once. */
struct texts {
	const struct mime_message *msg;
	const char *subject, *from, *body, *rawbody;
	unsigned long words;
	char *owned_body, *owned_from;
};

/* ---- quoted replies ---- */

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* end, less trailing blanks. */
static const char *trim_end(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return end;
}

static int starts_with_ci(const char *p, const char *end, const char *prefix)
{
	size_t n = strlen(prefix);
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(p, prefix, n) == 0;
}

static int ends_with_ci(const char *p, const char *end, const char *suffix)
{
	size_t n = strlen(suffix);
	return (size_t)(end - p) >= n && g_ascii_strncasecmp(end - n, suffix, n) == 0;
}

/* p advanced over at least min copies of c, or NULL. */
static const char *skip_run(const char *p, const char *end, char c, int min)
{
	int n = 0;

	for (; p < end && *p == c; p++)
		n++;
	return n >= min ? p : NULL;
}

/* "-----Original Message-----" (Outlook's reply/forward separator). */
static int is_original_message(const char *p, const char *end)
{
	static const char words[] = "original message";

	p = skip_run(skip_blanks(p, end), end, '-', 2);
	if (p == NULL)
		return 0;
	p = skip_blanks(p, end);
	if (!starts_with_ci(p, end, words))
		return 0;
	p = skip_run(skip_blanks(p + sizeof(words) - 1, end), end, '-', 2);
	return p != NULL && skip_blanks(p, end) == end;
}

/* "________________________________" (Outlook's separator before the quoted header block). */
static int is_underscore_rule(const char *p, const char *end)
{
	p = skip_run(skip_blanks(p, end), end, '_', 10);
	return p != NULL && skip_blanks(p, end) == end;
}

/* "From: ..." with "Sent: ..." on the same line (HTML flattened) or the next: the header
   block Outlook puts above the message it quotes. '*' for bold turned into text. */
static int is_outlook_header(const char *p, const char *end, const char *next,
			     const char *next_end)
{
	p = skip_blanks(p, end);
	if (p < end && *p == '*')
		p++;
	if (!starts_with_ci(p, end, "From:"))
		return 0;
	for (const char *s = p; s + 5 <= end; s++) {
		if (g_ascii_strncasecmp(s, "Sent:", 5) == 0)
			return 1;
	}
	next = skip_blanks(next, next_end);
	if (next < next_end && *next == '*')
		next++;
	return starts_with_ci(next, next_end, "Sent:");
}

/* "On Tue, 3 Mar 2026 at 10:00, X <x@y> wrote:", which mail clients often wrap in two. */
static int is_on_wrote(const char *p, const char *end, const char *next, const char *next_end)
{
	p = skip_blanks(p, end);
	if (!starts_with_ci(p, end, "On "))
		return 0;
	return ends_with_ci(p, trim_end(p, end), "wrote:") ||
	       (next < next_end && ends_with_ci(next, trim_end(next, next_end), "wrote:"));
}

static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl != NULL ? nl : p + strlen(p);
}

/* Whether the line at p starts the quoted part that runs to the end of the message. */
static int starts_quoted_tail(const char *p, const char *end)
{
	const char *next = *end == '\n' ? end + 1 : end, *next_end = line_end(next);

	return is_original_message(p, end) || is_underscore_rule(p, end) ||
	       is_outlook_header(p, end, next, next_end) || is_on_wrote(p, end, next, next_end);
}

static int is_quote_line(const char *p, const char *end)
{
	p = skip_blanks(p, end);
	return p < end && *p == '>';
}

/* body without quoted reply text. Returns body itself when nothing is quoted (most new
   requests), else a copy in *owned_r. */
static const char *strip_quotes(const char *body, char **owned_r)
{
	GString *out = NULL;
	const char *p = body, *end;

	for (; *p != '\0'; p = *end != '\0' ? end + 1 : end) {
		end = line_end(p);
		int tail = starts_quoted_tail(p, end), quote = !tail && is_quote_line(p, end);
		if ((tail || quote) && out == NULL)
			out = g_string_new_len(body, p - body);
		if (tail)
			break;
		if (!quote && out != NULL)
			g_string_append_len(out, p, *end != '\0' ? end + 1 - p : end - p);
	}
	if (out == NULL)
		return body;
	*owned_r = g_string_free(out, FALSE);
	return *owned_r;
}

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
	t->body = strip_quotes(t->rawbody, &t->owned_body);
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

static int test_fires(const struct rule *r, const struct texts *t)
{
	switch (r->kind) {
	case RULE_SUBJECT:
		return match(r->re, t->subject);
	case RULE_BODY:
		return match(r->re, t->body);
	case RULE_RAWBODY:
		return match(r->re, t->rawbody);
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
	/* At most RULES_MAX_RULES bytes: on the stack, so a message costs no allocation here. */
	unsigned char fired[RULES_MAX_RULES];
	struct texts t;

	memset(result, 0, sizeof(*result));
	if (rules == NULL || rules->n_rules == 0)
		return;
	texts_init(&t, rules, msg);
	for (unsigned i = 0; i < rules->n_rules; i++) {
		const struct rule *r = &rules->rules[i];
		fired[i] = r->kind != RULE_META && test_fires(r, &t);
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
