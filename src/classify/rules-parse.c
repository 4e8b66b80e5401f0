/* classify/rules-parse: reads the admin-edited rule files (format in rules.h) and compiles
   them once: regexes, meta expressions (to a small tree), scores, thresholds.
   Trusts the files only as far as the operator who wrote them, and still checks everything
   (names, regexes, labels, meta references and cycles, includes, sizes) so a typo fails at
   start-up with every error listed, never silently at classification time.
   As in SpamAssassin, an unescaped '#' starts a comment anywhere on a line: write \# for a
   literal '#' (PCRE reads \# as '#'; describe texts get the backslash removed). */
#include "rules-private.h"
#include "errors.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"

/* Enough to fix a rule set in one go without flooding the log. */
#define MAX_ERRORS 100
#define MAX_KEPT_ERRORS 1000
/* ( and ! nesting in one meta: deeper is a mistake, and it bounds the evaluator's recursion. */
#define MAX_META_DEPTH 32
#define NO_RULE G_MAXUINT

static const char *const label_names[LABEL_COUNT] = {
	"access", "rectification", "erasure", "restriction", "portability", "objection",
	"automated_decision", "foi", "eir", "complaint",
	"auto", "identity_attached", "child", "vague", "on_behalf_solicitor", "on_behalf_parent",
	"on_behalf_other", "regime_law_enforcement", "regime_general", "withdrawal",
};

/* A file and line, for error messages. */
struct pos {
	unsigned file, line;
};

/* A score or describe line, checked once every rule of every file is known (so they may come
   before the rule they are for). */
struct pending {
	struct pos at;
	char *name;
	char *describe; /* NULL for a score line */
	double score[LABEL_COUNT];
};

struct loader {
	struct pd_errors *errors;
	GPtrArray *paths;  /* every file read, as built from the includes (error prefixes) */
	GPtrArray *reals;  /* their realpath()s, for include loops */
	GArray *chain;     /* unsigned: indices of the files being read, outermost first */
	GArray *rules;     /* struct rule, file order */
	GHashTable *names; /* rule name (borrowed) -> index + 1 */
	GArray *pending;   /* struct pending */
	GArray *meta_order;
	double threshold[LABEL_COUNT];
	int threshold_set[LABEL_COUNT];
	double default_threshold;
	int too_many_rules;
};

struct directive {
	const char *name;
	void (*parse)(struct loader *l, struct pos at, const struct directive *d, char *args);
	enum rule_kind kind;
};

/* ---- labels ---- */

const char *rules_label_name(enum rules_label label)
{
	return (unsigned)label < LABEL_COUNT ? label_names[label] : NULL;
}

int rules_label_parse(const char *name, enum rules_label *label_r)
{
	for (unsigned i = 0; i < LABEL_COUNT; i++) {
		if (strcmp(label_names[i], name) == 0) {
			*label_r = (enum rules_label)i;
			return 1;
		}
	}
	return 0;
}

/* ---- errors ---- */

/* Errors are listed sorted by file (in reading order) and line, whichever check found them:
   parsing, or the checks once every file is read. */
static void G_GNUC_PRINTF(3, 4) pos_error(struct loader *l, struct pos at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pd_errors_addv(l->errors, at.file, at.line == 0 ? NULL : l->paths->pdata[at.file], at.line,
		       fmt, ap);
	va_end(ap);
}

/* ---- rules ---- */

void rules_meta_free(struct meta_node *node)
{
	if (node == NULL)
		return;
	for (unsigned i = 0; i < node->n_kids; i++)
		rules_meta_free(node->kids[i]);
	g_free(node->kids);
	g_free(node->name);
	g_free(node);
}

static void rule_clear(struct rule *r)
{
	g_free(r->name);
	g_free(r->header);
	g_free(r->describe);
	g_free(r->pattern);
	g_free(r->engine_note);
	if (r->re != NULL)
		g_regex_unref(r->re);
	rules_meta_free(r->meta);
}

static struct rule *rule_at(struct loader *l, unsigned i)
{
	return &g_array_index(l->rules, struct rule, i);
}

static struct rule *find_rule(struct loader *l, const char *name)
{
	unsigned i = GPOINTER_TO_UINT(g_hash_table_lookup(l->names, name));
	return i == 0 ? NULL : rule_at(l, i - 1);
}

/* The new rule (valid until the next one is added), or NULL after reporting why not. */
static struct rule *add_rule(struct loader *l, struct pos at, const char *name,
			     enum rule_kind kind)
{
	const struct rule *first = find_rule(l, name);
	struct rule r = { .kind = kind, .file = at.file, .line = at.line };

	if (first != NULL) {
		pos_error(l, at, "duplicate rule %s (first defined at %s:%u)", name,
			  (const char *)l->paths->pdata[first->file], first->line);
		return NULL;
	}
	if (l->rules->len >= RULES_MAX_RULES) {
		if (!l->too_many_rules)
			pos_error(l, at, "more than %d rules", RULES_MAX_RULES);
		l->too_many_rules = 1;
		return NULL;
	}
	r.name = g_strdup(name);
	g_array_append_val(l->rules, r);
	g_hash_table_insert(l->names, r.name, GUINT_TO_POINTER(l->rules->len));
	return rule_at(l, l->rules->len - 1);
}

/* ---- tokens ---- */

static char *skip_ws(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* Next whitespace-separated word (NUL-terminated in place), or NULL at the end. */
static char *next_word(char **p)
{
	char *start = skip_ws(*p), *end = start + strcspn(start, " \t");

	*p = end;
	if (start == end)
		return NULL;
	if (*end != '\0')
		*p = end + 1;
	*end = '\0';
	return start;
}

static int name_is_valid(const char *s)
{
	if (!(*s >= 'A' && *s <= 'Z'))
		return 0;
	for (s++; *s != '\0'; s++) {
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	}
	return 1;
}

static char *take_name(struct loader *l, struct pos at, const struct directive *d, char **p)
{
	char *name = next_word(p);

	if (name == NULL)
		pos_error(l, at, "%s: missing rule name", d->name);
	else if (!name_is_valid(name))
		pos_error(l, at, "%s: bad rule name \"%s\" (use A-Z, 0-9 and _, starting with A-Z)",
			  d->name, name);
	else
		return name;
	return NULL;
}

static int parse_number(const char *s, double *v_r)
{
	char *end = NULL;
	double v = g_ascii_strtod(s, &end);

	if (end == s || *end != '\0' || !isfinite(v))
		return 0;
	*v_r = v;
	return 1;
}

/* RFC 5322 field name: printable ASCII except ':'. */
static int header_name_is_valid(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (*s < 33 || *s > 126 || *s == ':')
			return 0;
	}
	return 1;
}

/* ---- regexes ---- */

/* The flags word after the closing slash, and nothing after it. */
static int take_flags(struct loader *l, struct pos at, const char *name, char *p,
		      GRegexCompileFlags *flags, unsigned *re_flags)
{
	char *end = p + strcspn(p, " \t"), *rest = skip_ws(end);

	*end = '\0';
	if (*rest != '\0') {
		pos_error(l, at, "%s: unexpected \"%s\" after the regex", name, rest);
		return 0;
	}
	for (const char *f = p; *f != '\0'; f++) {
		if (*f == 's') {
			*flags |= G_REGEX_DOTALL;
			*re_flags |= RULE_RE_DOTALL;
		} else if (*f == 'x') {
			*flags |= G_REGEX_EXTENDED;
			*re_flags |= RULE_RE_EXTENDED;
		} else {
			pos_error(l, at, "%s: unknown regex flags \"%s\" (only s and x)", name, p);
			return 0;
		}
	}
	return 1;
}

/* "/RE/flags" to the end of the line: the compiled regex (and into *r the pattern and flags,
   for Hyperscan, when r is not NULL), or NULL after reporting why.
   \/ inside is left to PCRE, which reads it as '/'. */
static GRegex *take_regex(struct loader *l, struct pos at, const char *name, char *p,
			  struct rule *r)
{
	GRegexCompileFlags flags = G_REGEX_CASELESS | G_REGEX_OPTIMIZE;
	unsigned re_flags = 0;
	GError *err = NULL;
	GRegex *re = NULL;
	char *q;

	p = skip_ws(p);
	if (*p != '/') {
		pos_error(l, at, "%s: expected /regex/", name);
		return NULL;
	}
	for (q = p + 1; *q != '\0' && *q != '/'; q++) {
		if (*q == '\\' && q[1] != '\0')
			q++;
	}
	if (*q == '\0') {
		pos_error(l, at, "%s: regex not closed with /", name);
		return NULL;
	}
	*q = '\0';
	if (q == p + 1) {
		pos_error(l, at, "%s: empty regex", name);
		return NULL;
	}
	if (!take_flags(l, at, name, q + 1, &flags, &re_flags))
		return NULL;
	re = g_regex_new(p + 1, flags, 0, &err);
	if (re == NULL) {
		pos_error(l, at, "%s: bad regex: %s", name, err->message);
		g_error_free(err);
	} else if (r != NULL) {
		r->pattern = g_strdup(p + 1);
		r->re_flags = re_flags;
	}
	return re;
}

/* ---- meta expressions: or := and ("||" and)*, and := unary ("&&" unary)*,
   unary := "!" unary | "(" or ")" | NAME ---- */

struct mparser {
	const char *p;
	unsigned depth;
	char *error;
};

typedef struct meta_node *mparse_fn(struct mparser *m);

static struct meta_node *m_new(enum meta_op op)
{
	struct meta_node *n = g_malloc0(sizeof(*n));

	n->op = op;
	n->rule = NO_RULE;
	return n;
}

static void m_fail(struct mparser *m, const char *what)
{
	const char *end = m->p;

	if (m->error != NULL)
		return;
	if (*m->p == '\0') {
		m->error = g_strdup_printf("%s at the end", what);
		return;
	}
	/* Quote a little of what follows, cut on a character boundary. */
	for (int i = 0; i < 20 && *end != '\0'; i++)
		end = g_utf8_next_char(end);
	m->error = g_strdup_printf("%s at \"%.*s\"", what, (int)(end - m->p), m->p);
}

static void m_skip(struct mparser *m)
{
	while (*m->p == ' ' || *m->p == '\t')
		m->p++;
}

static struct meta_node *m_name(struct mparser *m)
{
	const char *start = m->p;
	struct meta_node *n;

	if (!(*m->p >= 'A' && *m->p <= 'Z')) {
		m_fail(m, "expected a rule name, ( or !");
		return NULL;
	}
	while ((*m->p >= 'A' && *m->p <= 'Z') || (*m->p >= '0' && *m->p <= '9') || *m->p == '_')
		m->p++;
	n = m_new(META_RULE);
	n->name = g_strndup(start, (gsize)(m->p - start));
	return n;
}

static struct meta_node *m_unary(struct mparser *m);

static struct meta_node *m_not(struct mparser *m)
{
	struct meta_node *n, *kid;

	m->p++;
	if ((kid = m_unary(m)) == NULL)
		return NULL;
	n = m_new(META_NOT);
	n->kids = g_malloc(sizeof(*n->kids));
	n->kids[0] = kid;
	n->n_kids = 1;
	return n;
}

/* "||"-separated (op META_OR, sep "||", item m_and) or "&&"-separated (META_AND, m_unary)
   items: the single item itself, or one n-ary node so long chains stay shallow. */
static struct meta_node *m_chain(struct mparser *m, enum meta_op op, const char *sep,
				 mparse_fn *item)
{
	GPtrArray *kids = g_ptr_array_new_with_free_func((GDestroyNotify)rules_meta_free);
	struct meta_node *n = NULL;

	for (;;) {
		if ((n = item(m)) == NULL)
			goto out;
		g_ptr_array_add(kids, n);
		m_skip(m);
		if (strncmp(m->p, sep, 2) != 0)
			break;
		m->p += 2;
	}
	if (kids->len == 1) {
		n = g_ptr_array_steal_index(kids, 0);
		goto out;
	}
	n = m_new(op);
	n->n_kids = kids->len;
	n->kids = (struct meta_node **)g_ptr_array_free(kids, FALSE);
	kids = NULL;
out:
	if (kids != NULL)
		g_ptr_array_unref(kids);
	return n;
}

static struct meta_node *m_and(struct mparser *m)
{
	return m_chain(m, META_AND, "&&", m_unary);
}

static struct meta_node *m_or(struct mparser *m)
{
	return m_chain(m, META_OR, "||", m_and);
}

static struct meta_node *m_paren(struct mparser *m)
{
	struct meta_node *n;

	m->p++;
	if ((n = m_or(m)) == NULL)
		return NULL;
	m_skip(m);
	if (*m->p != ')') {
		m_fail(m, "expected )");
		rules_meta_free(n);
		return NULL;
	}
	m->p++;
	return n;
}

static struct meta_node *m_unary(struct mparser *m)
{
	struct meta_node *n;

	m_skip(m);
	if (*m->p != '!' && *m->p != '(')
		return m_name(m);
	if (++m->depth > MAX_META_DEPTH) {
		m_fail(m, "more than " G_STRINGIFY(MAX_META_DEPTH) " nested ( and !");
		return NULL;
	}
	n = *m->p == '!' ? m_not(m) : m_paren(m);
	m->depth--;
	return n;
}

/* The expression's tree with names unresolved, or NULL with *error_r. */
static struct meta_node *meta_parse(const char *expr, char **error_r)
{
	struct mparser m = { .p = expr };
	struct meta_node *n = m_or(&m);

	m_skip(&m);
	if (n != NULL && *m.p != '\0') {
		m_fail(&m, "unexpected text");
		rules_meta_free(n);
		n = NULL;
	}
	if (n == NULL)
		*error_r = m.error;
	else
		g_free(m.error);
	return n;
}

/* ---- directives ---- */

static void parse_regex_rule(struct loader *l, struct pos at, const struct directive *d,
			     char *args)
{
	char *name = take_name(l, at, d, &args);
	struct rule *r;
	GRegex *re;

	if (name == NULL)
		return;
	/* Defined even when its regex is bad, so metas using it report nothing more. */
	r = add_rule(l, at, name, d->kind);
	re = take_regex(l, at, name, args, r);
	if (r != NULL)
		r->re = re;
	else if (re != NULL)
		g_regex_unref(re);
}

static void parse_header_exists(struct loader *l, struct pos at, struct rule *r,
				const char *name, const char *header, const char *rest)
{
	if (!header_name_is_valid(header))
		pos_error(l, at, "%s: bad header name \"%s\"", name, header);
	else if (*rest != '\0')
		pos_error(l, at, "%s: unexpected \"%s\" after the header name", name, rest);
	else if (r != NULL)
		r->header = g_strdup(header);
	if (r != NULL)
		r->kind = RULE_HEADER_EXISTS;
}

static void parse_header_rule(struct loader *l, struct pos at, const struct directive *d,
			      char *args)
{
	char *name = take_name(l, at, d, &args), *header, *op;
	struct rule *r;
	GRegex *re = NULL;

	if (name == NULL)
		return;
	r = add_rule(l, at, name, RULE_HEADER);
	if ((header = next_word(&args)) == NULL) {
		pos_error(l, at, "%s: missing header name", name);
		return;
	}
	if (g_str_has_prefix(header, "exists:")) {
		parse_header_exists(l, at, r, name, header + 7, skip_ws(args));
		return;
	}
	op = next_word(&args);
	if (!header_name_is_valid(header))
		pos_error(l, at, "%s: bad header name \"%s\"", name, header);
	else if (op == NULL || strcmp(op, "=~") != 0)
		pos_error(l, at, "%s: expected =~ /regex/ or exists:Header-Name", name);
	else
		re = take_regex(l, at, name, args, NULL);
	if (r != NULL) {
		r->header = g_strdup(header);
		r->re = re;
	} else if (re != NULL) {
		g_regex_unref(re);
	}
}

static void parse_words_rule(struct loader *l, struct pos at, const struct directive *d,
			     char *args)
{
	char *name = take_name(l, at, d, &args), *op, *num;
	struct rule *r;
	guint64 n = 0;

	if (name == NULL)
		return;
	r = add_rule(l, at, name, RULE_BODY_WORDS);
	op = next_word(&args);
	num = next_word(&args);
	if (op == NULL || (strcmp(op, "<") != 0 && strcmp(op, ">") != 0) || num == NULL ||
	    !g_ascii_string_to_unsigned(num, 10, 0, G_MAXUINT, &n, NULL) ||
	    *skip_ws(args) != '\0') {
		pos_error(l, at, "%s: expected < N or > N (N a whole number)", name);
		return;
	}
	if (r != NULL) {
		r->words_less = op[0] == '<';
		r->words = (unsigned long)n;
	}
}

static void parse_meta_rule(struct loader *l, struct pos at, const struct directive *d,
			    char *args)
{
	char *name = take_name(l, at, d, &args), *error = NULL;
	struct meta_node *meta = NULL;
	struct rule *r;

	if (name == NULL)
		return;
	r = add_rule(l, at, name, RULE_META);
	if (*skip_ws(args) == '\0')
		pos_error(l, at, "%s: empty meta expression", name);
	else if ((meta = meta_parse(args, &error)) == NULL)
		pos_error(l, at, "%s: bad meta expression: %s", name, error);
	if (r != NULL)
		r->meta = meta;
	else
		rules_meta_free(meta);
	g_free(error);
}

/* \# was a literal '#' (see the header comment); other backslashes stay. */
static void unescape_hashes(char *s)
{
	char *out = s;

	for (; *s != '\0'; s++) {
		if (s[0] == '\\' && s[1] == '#')
			s++;
		*out++ = *s;
	}
	*out = '\0';
}

static void parse_describe(struct loader *l, struct pos at, const struct directive *d,
			   char *args)
{
	char *name = take_name(l, at, d, &args), *text = skip_ws(args);
	struct pending p = { .at = at };

	if (name == NULL)
		return;
	if (*text == '\0') {
		pos_error(l, at, "describe %s: missing text", name);
		return;
	}
	unescape_hashes(text);
	p.name = g_strdup(name);
	p.describe = g_strdup(text);
	g_array_append_val(l->pending, p);
}

/* One LABEL=N into p->score; seen[] catches a label given twice. */
static int parse_score_item(struct loader *l, struct pos at, struct pending *p, char *item,
			    int *seen)
{
	char *eq = strchr(item, '=');
	enum rules_label label;
	double v;

	if (eq == NULL) {
		pos_error(l, at, "score %s: expected LABEL=N, not \"%s\"", p->name, item);
		return 0;
	}
	*eq = '\0';
	if (!rules_label_parse(item, &label)) {
		pos_error(l, at, "score %s: unknown label \"%s\"", p->name, item);
		return 0;
	}
	if (!parse_number(eq + 1, &v)) {
		pos_error(l, at, "score %s: bad number \"%s\"", p->name, eq + 1);
		return 0;
	}
	if (seen[label]++) {
		pos_error(l, at, "score %s: label %s given twice", p->name, item);
		return 0;
	}
	p->score[label] = v;
	return 1;
}

static void parse_score(struct loader *l, struct pos at, const struct directive *d, char *args)
{
	char *name = take_name(l, at, d, &args), *item;
	struct pending p = { .at = at };
	int seen[LABEL_COUNT] = { 0 }, n = 0, ok = 1;

	if (name == NULL)
		return;
	p.name = name;
	while ((item = next_word(&args)) != NULL) {
		ok = parse_score_item(l, at, &p, item, seen) && ok;
		n++;
	}
	if (n == 0) {
		pos_error(l, at, "score %s: missing LABEL=N", name);
		return;
	}
	if (!ok)
		return;
	p.name = g_strdup(name);
	g_array_append_val(l->pending, p);
}

static void parse_threshold(struct loader *l, struct pos at, const struct directive *d,
			    char *args)
{
	char *a = next_word(&args), *b = next_word(&args);
	const char *num = b != NULL ? b : a;
	enum rules_label label = LABEL_ACCESS;
	double v;

	if (a == NULL || next_word(&args) != NULL) {
		pos_error(l, at, "threshold: expected [LABEL] N");
		return;
	}
	if (b != NULL && !rules_label_parse(a, &label)) {
		pos_error(l, at, "threshold: unknown label \"%s\"", a);
		return;
	}
	/* A threshold of 0 or less would fire the label on every message. */
	if (!parse_number(num, &v) || v <= 0) {
		pos_error(l, at, "threshold: \"%s\" is not a number greater than 0", num);
		return;
	}
	if (b == NULL) {
		l->default_threshold = v;
		return;
	}
	l->threshold[label] = v;
	l->threshold_set[label] = 1;
}

static void read_file(struct loader *l, const char *path, const char *real,
		      const struct pos *from);

static int in_chain(struct loader *l, const char *real, unsigned *at_r)
{
	for (unsigned i = 0; i < l->chain->len; i++) {
		unsigned f = g_array_index(l->chain, unsigned, i);
		if (strcmp(l->reals->pdata[f], real) == 0) {
			*at_r = i;
			return 1;
		}
	}
	return 0;
}

static void include_loop_error(struct loader *l, struct pos at, unsigned from,
			       const char *path)
{
	GString *s = g_string_new(NULL);

	for (unsigned i = from; i < l->chain->len; i++) {
		unsigned f = g_array_index(l->chain, unsigned, i);
		g_string_append_printf(s, "%s -> ", (const char *)l->paths->pdata[f]);
	}
	g_string_append(s, path);
	pos_error(l, at, "include loop: %s", s->str);
	g_string_free(s, TRUE);
}

static int already_read(struct loader *l, const char *real)
{
	for (unsigned i = 0; i < l->reals->len; i++) {
		if (strcmp(l->reals->pdata[i], real) == 0)
			return 1;
	}
	return 0;
}

static void parse_include(struct loader *l, struct pos at, const struct directive *d,
			  char *args)
{
	char *dir = g_path_get_dirname(l->paths->pdata[at.file]), *path = NULL, *real = NULL;
	unsigned loop_at = 0;

	if (*args == '\0') {
		pos_error(l, at, "include: missing file name");
		goto out;
	}
	path = g_path_is_absolute(args) ? g_strdup(args) : g_build_filename(dir, args, NULL);
	if ((real = realpath(path, NULL)) == NULL)
		pos_error(l, at, "include %s: %s", args, g_strerror(errno));
	else if (in_chain(l, real, &loop_at))
		include_loop_error(l, at, loop_at, path);
	else if (already_read(l, real))
		pos_error(l, at, "include %s: already included", args);
	else if (l->chain->len > RULES_MAX_INCLUDE_DEPTH)
		pos_error(l, at, "include %s: includes nested deeper than %d", args,
			  RULES_MAX_INCLUDE_DEPTH);
	else
		read_file(l, path, real, &at);
out:
	free(real);
	g_free(path);
	g_free(dir);
}

static const struct directive directives[] = {
	{ "include", parse_include, RULE_META },
	{ "threshold", parse_threshold, RULE_META },
	{ "subject", parse_regex_rule, RULE_SUBJECT },
	{ "body", parse_regex_rule, RULE_BODY },
	{ "rawbody", parse_regex_rule, RULE_RAWBODY },
	{ "from", parse_regex_rule, RULE_FROM },
	{ "header", parse_header_rule, RULE_HEADER },
	{ "attachment_name", parse_regex_rule, RULE_ATTACHMENT_NAME },
	{ "attachment_type", parse_regex_rule, RULE_ATTACHMENT_TYPE },
	{ "body_words", parse_words_rule, RULE_BODY_WORDS },
	{ "meta", parse_meta_rule, RULE_META },
	{ "describe", parse_describe, RULE_META },
	{ "score", parse_score, RULE_META },
};

/* ---- lines and files ---- */

static void strip_comment(char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '#')
			break;
	}
	*s = '\0';
}

static void parse_directive(struct loader *l, struct pos at, char *s)
{
	char *word = next_word(&s);

	for (size_t i = 0; i < G_N_ELEMENTS(directives); i++) {
		if (strcmp(directives[i].name, word) == 0) {
			directives[i].parse(l, at, &directives[i], skip_ws(s));
			return;
		}
	}
	pos_error(l, at, "unknown directive \"%s\"", word);
}

static void parse_line(struct loader *l, struct pos at, const char *s, size_t len)
{
	char *copy;

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len > RULES_MAX_LINE) {
		pos_error(l, at, "line longer than %d bytes", RULES_MAX_LINE);
		return;
	}
	if (!g_utf8_validate(s, (gssize)len, NULL)) {
		pos_error(l, at, "not valid UTF-8");
		return;
	}
	copy = g_strndup(s, len);
	strip_comment(copy);
	g_strstrip(copy);
	if (*copy != '\0')
		parse_directive(l, at, copy);
	g_free(copy);
}

static void parse_text(struct loader *l, unsigned file, const char *data, size_t len)
{
	const char *p = data, *end = data + len;
	struct pos at = { .file = file };

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end;
		at.line++;
		parse_line(l, at, p, (size_t)(e - p));
		p = e < end ? e + 1 : end;
	}
}

/* Read and parse one file; from is the include line, NULL for the top file. */
static void read_file(struct loader *l, const char *path, const char *real,
		      const struct pos *from)
{
	char *data = NULL, *error = NULL;
	size_t len = 0;
	unsigned file = l->paths->len;

	if (!pd_read_file(path, RULES_MAX_FILE, &data, &len, &error)) {
		if (from != NULL)
			pos_error(l, *from, "include: %s", error);
		else
			pos_error(l, (struct pos){ 0, 0 }, "%s", error);
		goto out;
	}
	g_ptr_array_add(l->paths, g_strdup(path));
	g_ptr_array_add(l->reals, g_strdup(real));
	g_array_append_val(l->chain, file);
	parse_text(l, file, data, len);
	g_array_set_size(l->chain, l->chain->len - 1);
out:
	g_free(data);
	g_free(error);
}

/* ---- checks once everything is read ---- */

static void check_pending(struct loader *l)
{
	for (unsigned i = 0; i < l->pending->len; i++) {
		struct pending *p = &g_array_index(l->pending, struct pending, i);
		const char *what = p->describe != NULL ? "describe" : "score";
		struct rule *r = find_rule(l, p->name);

		if (r == NULL) {
			pos_error(l, p->at, "%s for unknown rule %s", what, p->name);
		} else if (p->describe != NULL ? r->describe != NULL : r->scored) {
			pos_error(l, p->at, "second %s for %s", what, p->name);
		} else if (p->describe != NULL) {
			r->describe = p->describe;
			p->describe = NULL;
		} else {
			memcpy(r->score, p->score, sizeof(r->score));
			r->scored = 1;
		}
	}
}

static void resolve_node(struct loader *l, const struct rule *meta, struct meta_node *n)
{
	const struct rule *r;

	for (unsigned i = 0; i < n->n_kids; i++)
		resolve_node(l, meta, n->kids[i]);
	if (n->op != META_RULE)
		return;
	if ((r = find_rule(l, n->name)) == NULL) {
		pos_error(l, (struct pos){ meta->file, meta->line }, "meta %s: unknown rule %s",
			  meta->name, n->name);
		return;
	}
	n->rule = (unsigned)(r - rule_at(l, 0));
}

/* Depth-first search over the metas: a meta referring to one still on the path is a cycle;
   the finishing order puts every meta after the metas it uses (the evaluation order). */
struct dfs {
	struct loader *l;
	unsigned char *state; /* 0 not seen, 1 on the path, 2 done */
	GArray *path;         /* unsigned rule indices */
};

static void dfs_visit(struct dfs *d, unsigned i);

static void cycle_error(struct dfs *d, unsigned target)
{
	struct rule *t = rule_at(d->l, target);
	GString *s = g_string_new(NULL);
	unsigned i = d->path->len;

	while (i > 0 && g_array_index(d->path, unsigned, i - 1) != target)
		i--;
	for (i = i > 0 ? i - 1 : 0; i < d->path->len; i++)
		g_string_append_printf(s, "%s -> ",
				       rule_at(d->l, g_array_index(d->path, unsigned, i))->name);
	g_string_append(s, t->name);
	pos_error(d->l, (struct pos){ t->file, t->line }, "meta %s: cycle %s", t->name, s->str);
	g_string_free(s, TRUE);
}

static void dfs_node(struct dfs *d, const struct meta_node *n)
{
	if (n == NULL)
		return;
	for (unsigned i = 0; i < n->n_kids; i++)
		dfs_node(d, n->kids[i]);
	if (n->op != META_RULE || n->rule == NO_RULE || rule_at(d->l, n->rule)->kind != RULE_META)
		return;
	if (d->state[n->rule] == 1)
		cycle_error(d, n->rule);
	else if (d->state[n->rule] == 0)
		dfs_visit(d, n->rule);
}

static void dfs_visit(struct dfs *d, unsigned i)
{
	d->state[i] = 1;
	g_array_append_val(d->path, i);
	dfs_node(d, rule_at(d->l, i)->meta);
	g_array_set_size(d->path, d->path->len - 1);
	d->state[i] = 2;
	g_array_append_val(d->l->meta_order, i);
}

static void check_metas(struct loader *l)
{
	struct dfs d = { .l = l, .state = g_malloc0(l->rules->len + 1),
			 .path = g_array_new(FALSE, FALSE, sizeof(unsigned)) };

	for (unsigned i = 0; i < l->rules->len; i++) {
		if (rule_at(l, i)->meta != NULL)
			resolve_node(l, rule_at(l, i), rule_at(l, i)->meta);
	}
	for (unsigned i = 0; i < l->rules->len; i++) {
		if (rule_at(l, i)->kind == RULE_META && d.state[i] == 0)
			dfs_visit(&d, i);
	}
	g_array_unref(d.path);
	g_free(d.state);
}

/* ---- load ---- */

static void loader_init(struct loader *l)
{
	memset(l, 0, sizeof(*l));
	l->errors = pd_errors_new(MAX_ERRORS, MAX_KEPT_ERRORS);
	l->paths = g_ptr_array_new_with_free_func(g_free);
	l->reals = g_ptr_array_new_with_free_func(g_free);
	l->chain = g_array_new(FALSE, FALSE, sizeof(unsigned));
	l->rules = g_array_new(FALSE, FALSE, sizeof(struct rule));
	l->names = g_hash_table_new(g_str_hash, g_str_equal);
	l->pending = g_array_new(FALSE, FALSE, sizeof(struct pending));
	l->meta_order = g_array_new(FALSE, FALSE, sizeof(unsigned));
	l->default_threshold = 1.0;
}

static void loader_clear(struct loader *l)
{
	for (unsigned i = 0; l->rules != NULL && i < l->rules->len; i++)
		rule_clear(rule_at(l, i));
	for (unsigned i = 0; i < l->pending->len; i++) {
		g_free(g_array_index(l->pending, struct pending, i).name);
		g_free(g_array_index(l->pending, struct pending, i).describe);
	}
	if (l->rules != NULL)
		g_array_unref(l->rules);
	if (l->meta_order != NULL)
		g_array_unref(l->meta_order);
	g_array_unref(l->pending);
	g_hash_table_unref(l->names);
	g_array_unref(l->chain);
	g_ptr_array_unref(l->reals);
	g_ptr_array_unref(l->paths);
	pd_errors_free(&l->errors);
}

/* Move the compiled rules out of the loader. */
static struct rules *loader_finish(struct loader *l)
{
	struct rules *rules = g_malloc0(sizeof(*rules));

	for (unsigned i = 0; i < LABEL_COUNT; i++)
		rules->threshold[i] = l->threshold_set[i] ? l->threshold[i] : l->default_threshold;
	for (unsigned i = 0; i < l->rules->len; i++)
		rules->need_words |= rule_at(l, i)->kind == RULE_BODY_WORDS;
	rules->n_rules = l->rules->len;
	rules->rules = (struct rule *)(void *)g_array_free(l->rules, FALSE);
	rules->n_metas = l->meta_order->len;
	rules->meta_order = (unsigned *)(void *)g_array_free(l->meta_order, FALSE);
	l->rules = NULL;
	l->meta_order = NULL;
	return rules;
}

/* The Hyperscan databases, unless engine or the build says GRegex; the notes list. */
static void build_engine(struct rules *rules, enum rules_engine engine)
{
	rules->notes = g_ptr_array_new();
	rules->hs_off = engine == RULES_ENGINE_GREGEX ? "GRegex only, as asked"
						      : rules_hs_unavailable();
	if (rules->hs_off == NULL)
		rules->hs = rules_hs_build(rules->rules, rules->n_rules, &rules->hs_off);
	for (unsigned i = 0; rules->hs != NULL && i < rules->n_rules; i++) {
		if (rules->rules[i].engine_note != NULL)
			g_ptr_array_add(rules->notes, rules->rules[i].engine_note);
	}
}

int rules_load(const char *path, struct rules **rules_r, char **error_r)
{
	return rules_load_engine(path, RULES_ENGINE_AUTO, rules_r, error_r);
}

int rules_load_engine(const char *path, enum rules_engine engine, struct rules **rules_r,
		      char **error_r)
{
	struct loader l;
	char *real = realpath(path, NULL);
	char *text = NULL;
	int real_errno = errno, ret = 0;

	loader_init(&l);
	if (real == NULL)
		pos_error(&l, (struct pos){ 0, 0 }, "%s: %s", path, g_strerror(real_errno));
	else
		read_file(&l, path, real, NULL);
	check_pending(&l);
	check_metas(&l);
	if (pd_errors_count(l.errors) > 0) {
		text = pd_errors_text(l.errors);
		error_set(error_r, 0, "%s", text);
		goto out;
	}
	*rules_r = loader_finish(&l);
	build_engine(*rules_r, engine);
	ret = 1;
out:
	g_free(text);
	free(real);
	loader_clear(&l);
	return ret;
}

void rules_free(struct rules **rules)
{
	if (*rules == NULL)
		return;
	rules_hs_free(&(*rules)->hs);
	if ((*rules)->notes != NULL)
		g_ptr_array_unref((*rules)->notes);
	for (unsigned i = 0; i < (*rules)->n_rules; i++)
		rule_clear(&(*rules)->rules[i]);
	g_free((*rules)->rules);
	g_free((*rules)->meta_order);
	g_free(*rules);
	*rules = NULL;
}

unsigned rules_count(const struct rules *rules)
{
	return rules != NULL ? rules->n_rules : 0;
}

double rules_threshold(const struct rules *rules, enum rules_label label)
{
	if (rules == NULL || (unsigned)label >= LABEL_COUNT)
		return 1.0;
	return rules->threshold[label];
}

void rules_engine_get(const struct rules *rules, struct rules_engine_info *info)
{
	memset(info, 0, sizeof(*info));
	info->off = rules->hs_off;
	info->notes = (const char *const *)rules->notes->pdata;
	info->n_notes = rules->notes->len;
	for (unsigned i = 0; i < rules->n_rules; i++) {
		const struct rule *r = &rules->rules[i];
		if (r->kind != RULE_SUBJECT && r->kind != RULE_BODY && r->kind != RULE_RAWBODY)
			continue;
		info->n_text_regexes++;
		info->n_hyperscan += r->engine == ENGINE_HS;
	}
	info->n_gregex = info->n_text_regexes - info->n_hyperscan;
}
