/* clock/table: the deadline rules as data (rules/deadlines.tsv documents the format), plus the
   names and date formats the module reads and prints.
   Trusts the file only as far as the admin who wrote it: every field is checked and every error
   of the file listed in one pass as "file:line: message", so a typo fails check-config rather
   than silently moving a statutory deadline. */
#include "clock-private.h"

#include <stdarg.h>
#include <string.h>

#include "core.h"
#include "errors.h"

/* Enough to fix a table in one go without flooding the log. */
#define MAX_ERRORS 100
#define MAX_RULES 10000
#define MAX_FILE_SIZE (1024 * 1024)
/* Larger limits are typos: no statutory period comes near. */
#define MAX_AMOUNT 999
#define N_FIELDS 10

static const char *const kind_names[CLOCK_KIND_COUNT] = {
	"access", "rectification", "erasure", "restriction", "portability", "objection",
	"automated_decision", "foi", "eir", "complaint", "other",
};
static const char *const complaint_names[CLOCK_COMPLAINT_COUNT] = {
	"data_protection", "foi_review", "eir_reconsideration", "conduct",
};
static const char *const basis_names[CLOCK_BASIS_COUNT] = {
	"statutory", "target", "internal",
};
static const char *const regime_names[CLOCK_REGIME_COUNT] = {
	"law_enforcement", "general", "unknown", "any",
};
/* English whatever the locale: notices and refusals are written in English. */
static const char *const month_names[12] = {
	"January", "February", "March", "April", "May", "June", "July", "August", "September",
	"October", "November", "December",
};

struct clock_table {
	GArray *rules; /* struct clock_rule, file order */
};

struct parser {
	const char *name;
	struct pd_errors *errors;
	GArray *rules;
};

/* ---- names and dates ---- */

static int name_index(const char *const *names, unsigned n, const char *name)
{
	for (unsigned i = 0; i < n; i++) {
		if (strcmp(names[i], name) == 0)
			return (int)i;
	}
	return -1;
}

const char *clock_kind_name(enum clock_kind kind)
{
	return (unsigned)kind < CLOCK_KIND_COUNT ? kind_names[kind] : NULL;
}

int clock_kind_parse(const char *name, enum clock_kind *kind_r)
{
	int i = name_index(kind_names, CLOCK_KIND_COUNT, name);

	if (i < 0)
		return 0;
	*kind_r = (enum clock_kind)i;
	return 1;
}

const char *clock_complaint_name(enum clock_complaint type)
{
	return (unsigned)type < CLOCK_COMPLAINT_COUNT ? complaint_names[type] : NULL;
}

int clock_complaint_parse(const char *name, enum clock_complaint *type_r)
{
	int i = name_index(complaint_names, CLOCK_COMPLAINT_COUNT, name);

	if (i < 0)
		return 0;
	*type_r = (enum clock_complaint)i;
	return 1;
}

const char *clock_basis_name(enum clock_basis basis)
{
	return (unsigned)basis < CLOCK_BASIS_COUNT ? basis_names[basis] : NULL;
}

const char *clock_regime_name(enum clock_regime regime)
{
	return (unsigned)regime < CLOCK_REGIME_COUNT ? regime_names[regime] : NULL;
}

int clock_regime_parse(const char *name, enum clock_regime *regime_r)
{
	int i = name_index(regime_names, CLOCK_REGIME_COUNT, name);

	if (i < 0)
		return 0;
	*regime_r = (enum clock_regime)i;
	return 1;
}

int clock_date_in_range(const GDate *date)
{
	return g_date_valid(date) && g_date_get_year(date) >= CLOCK_YEAR_MIN &&
	       g_date_get_year(date) <= CLOCK_YEAR_MAX;
}

static int digits(const char *s, unsigned n, unsigned *value_r)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!g_ascii_isdigit(s[i]))
			return 0;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*value_r = v;
	return 1;
}

int clock_date_parse(const char *s, GDate *date_r)
{
	unsigned y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) ||
	    !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	if (y < CLOCK_YEAR_MIN || y > CLOCK_YEAR_MAX ||
	    !g_date_valid_dmy((GDateDay)d, (GDateMonth)m, (GDateYear)y))
		return 0;
	g_date_clear(date_r, 1);
	g_date_set_dmy(date_r, (GDateDay)d, (GDateMonth)m, (GDateYear)y);
	return 1;
}

char *clock_date_iso(const GDate *date, char buf[static 11])
{
	if (!g_date_valid(date)) {
		strcpy(buf, "-");
		return buf;
	}
	g_snprintf(buf, 11, "%04u-%02u-%02u", (unsigned)g_date_get_year(date),
		   (unsigned)g_date_get_month(date), (unsigned)g_date_get_day(date));
	return buf;
}

char *clock_date_long(const GDate *date)
{
	if (!g_date_valid(date))
		return g_strdup("-");
	return g_strdup_printf("%u %s %u", (unsigned)g_date_get_day(date),
			       month_names[g_date_get_month(date) - 1],
			       (unsigned)g_date_get_year(date));
}

char *clock_rule_id(const struct clock_rule *rule)
{
	char from[11];

	return g_strdup_printf("%s%s%s/%s from %s", clock_kind_name(rule->kind),
			       rule->kind == CLOCK_KIND_COMPLAINT ? ":" : "",
			       rule->kind == CLOCK_KIND_COMPLAINT ?
			       clock_complaint_name(rule->complaint) : "",
			       clock_regime_name(rule->regime), clock_date_iso(&rule->from, from));
}

/* ---- errors ---- */

static void G_GNUC_PRINTF(3, 4) line_error(struct parser *p, unsigned line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pd_errors_addv(p->errors, 0, p->name, line, fmt, ap);
	va_end(ap);
}

/* ---- fields ---- */

/* "none", or a number with a unit: "1m", "20wd", "30d", "30db". A leading '+' only where
   plus_ok. */
static int parse_amount(const char *s, int plus_ok, int *plus_r, enum clock_unit *unit_r,
			unsigned *n_r)
{
	static const struct { const char *suffix; enum clock_unit unit; } units[] = {
		{ "wd", CLOCK_UNIT_WORKING_DAYS }, { "m", CLOCK_UNIT_MONTHS }, { "d", CLOCK_UNIT_DAYS },
		{ "db", CLOCK_UNIT_DAYS_BEGINNING },
	};
	size_t len = strspn(s + (*s == '+'), "0123456789");
	unsigned n;

	*plus_r = *s == '+';
	if (strcmp(s, "none") == 0) {
		*unit_r = CLOCK_UNIT_NONE;
		*n_r = 0;
		return 1;
	}
	if ((*plus_r && !plus_ok) || len == 0 || len > 3 || !digits(s + *plus_r, len, &n) ||
	    n == 0 || n > MAX_AMOUNT)
		return 0;
	for (size_t i = 0; i < G_N_ELEMENTS(units); i++) {
		if (strcmp(s + *plus_r + len, units[i].suffix) == 0) {
			*unit_r = units[i].unit;
			*n_r = n;
			return 1;
		}
	}
	return 0;
}

static void parse_limits(struct parser *p, unsigned line, char **f, struct clock_rule *r)
{
	enum clock_unit ext_unit;
	unsigned ext;
	int plus;

	if (!parse_amount(f[4], 0, &plus, &r->unit, &r->limit)) {
		line_error(p, line, "bad limit \"%s\" (e.g. 1m, 20wd, 30d, 30db or none)", f[4]);
		return;
	}
	if (!parse_amount(f[5], 1, &plus, &ext_unit, &ext)) {
		line_error(p, line, "bad extension \"%s\" (e.g. +2m, 40wd or none)", f[5]);
		return;
	}
	if (ext_unit == CLOCK_UNIT_NONE)
		return;
	/* "+2m" adds to the limit; "40wd" is the total. Kept as the total either way. */
	r->extension = plus ? r->limit + ext : ext;
	if (ext_unit != r->unit || r->unit == CLOCK_UNIT_NONE)
		line_error(p, line, "extension \"%s\" is not in the unit of the limit \"%s\"",
			   f[5], f[4]);
	else if (r->extension <= r->limit || r->extension > MAX_AMOUNT)
		line_error(p, line, "extension \"%s\" must be longer than the limit \"%s\"", f[5],
			   f[4]);
}

/* "access", or "complaint:TYPE": a complaint's clock depends on what it is about. */
static void parse_kind(struct parser *p, unsigned line, const char *field, struct clock_rule *r)
{
	char **parts = g_strsplit(field, ":", 2);
	/* g_strsplit gives no element at all for "": an empty kind field (a row indented with a
	   TAB) passed NULL to strcmp and crashed check-config (found by fuzz_deadlines). */
	int ok = parts[0] != NULL && clock_kind_parse(parts[0], &r->kind);

	if (!ok)
		line_error(p, line, "unknown kind \"%s\"", field);
	else if (r->kind == CLOCK_KIND_COMPLAINT &&
		 (parts[1] == NULL || !clock_complaint_parse(parts[1], &r->complaint)))
		line_error(p, line, "a complaint row names its type: complaint:data_protection, "
			   "complaint:foi_review, complaint:eir_reconsideration or "
			   "complaint:conduct, not \"%s\"", field);
	else if (r->kind != CLOCK_KIND_COMPLAINT && parts[1] != NULL)
		line_error(p, line, "only complaint rows have a type (\"%s\")", field);
	g_strfreev(parts);
}

static void parse_names(struct parser *p, unsigned line, char **f, struct clock_rule *r)
{
	parse_kind(p, line, f[0], r);
	if (!clock_regime_parse(f[1], &r->regime) || r->regime == CLOCK_REGIME_UNKNOWN)
		line_error(p, line, "unknown regime \"%s\" (law_enforcement, general or any)", f[1]);
}

static void parse_dates(struct parser *p, unsigned line, char **f, struct clock_rule *r)
{
	int ok = 1;

	g_date_clear(&r->to, 1);
	if (!clock_date_parse(f[2], &r->from)) {
		line_error(p, line, "bad in_force_from \"%s\" (YYYY-MM-DD)", f[2]);
		ok = 0;
	}
	if (strcmp(f[3], "-") != 0 && !clock_date_parse(f[3], &r->to)) {
		line_error(p, line, "bad in_force_to \"%s\" (YYYY-MM-DD or -)", f[3]);
		ok = 0;
	}
	if (ok && g_date_valid(&r->to) && g_date_compare(&r->to, &r->from) < 0)
		line_error(p, line, "in_force_to %s is before in_force_from %s", f[3], f[2]);
}

/* Statutory, a target or internal; and an acknowledgement period ("30db") or none. */
static void parse_basis(struct parser *p, unsigned line, char **f, struct clock_rule *r)
{
	int i = name_index(basis_names, CLOCK_BASIS_COUNT, f[7]), plus;

	if (i < 0)
		line_error(p, line, "basis must be statutory, target or internal, not \"%s\"", f[7]);
	else
		r->basis = (enum clock_basis)i;
	if (!parse_amount(f[8], 0, &plus, &r->ack_unit, &r->ack_limit) ||
	    r->ack_unit == CLOCK_UNIT_MONTHS)
		line_error(p, line, "bad acknowledge \"%s\" (e.g. 30db, 20wd or none)", f[8]);
}

static void parse_line(struct parser *p, unsigned line, const char *text)
{
	char **f = g_strsplit(text, "\t", -1);
	struct clock_rule r = { .line = line };
	unsigned n_errors = pd_errors_count(p->errors);

	g_date_clear(&r.from, 1);
	if (g_strv_length(f) != N_FIELDS) {
		line_error(p, line, "expected %d tab-separated fields, found %u (kind regime "
			   "in_force_from in_force_to limit extension stop_the_clock basis "
			   "acknowledge source)", N_FIELDS, g_strv_length(f));
		goto out;
	}
	parse_names(p, line, f, &r);
	parse_dates(p, line, f, &r);
	parse_limits(p, line, f, &r);
	if (strcmp(f[6], "yes") != 0 && strcmp(f[6], "no") != 0)
		line_error(p, line, "stop_the_clock must be yes or no, not \"%s\"", f[6]);
	r.stop_the_clock = strcmp(f[6], "yes") == 0;
	parse_basis(p, line, f, &r);
	if (*g_strstrip(f[9]) == '\0')
		line_error(p, line, "missing source note");
	if (pd_errors_count(p->errors) > n_errors)
		goto out;
	if (p->rules->len >= MAX_RULES) {
		line_error(p, line, "more than %d rules", MAX_RULES);
		goto out;
	}
	r.source = g_strdup(f[9]);
	g_array_append_val(p->rules, r);
out:
	g_strfreev(f);
}

/* ---- whole file ---- */

static int ranges_overlap(const struct clock_rule *a, const struct clock_rule *b)
{
	return (!g_date_valid(&b->to) || g_date_compare(&a->from, &b->to) <= 0) &&
	       (!g_date_valid(&a->to) || g_date_compare(&b->from, &a->to) <= 0);
}

/* Two rows that could both apply to one request make the answer depend on their order. */
static void check_overlaps(struct parser *p)
{
	for (guint j = 1; j < p->rules->len; j++) {
		const struct clock_rule *b = &g_array_index(p->rules, struct clock_rule, j);
		for (guint i = 0; i < j; i++) {
			const struct clock_rule *a = &g_array_index(p->rules, struct clock_rule, i);
			char *id;
			if (a->kind != b->kind || a->complaint != b->complaint ||
			    !ranges_overlap(a, b) ||
			    (a->regime != b->regime && a->regime != CLOCK_REGIME_ANY &&
			     b->regime != CLOCK_REGIME_ANY))
				continue;
			id = clock_rule_id(a);
			line_error(p, b->line, "in force on the same days as %s (line %u)", id,
				   a->line);
			g_free(id);
		}
	}
}

static void parse_text(struct parser *p, const char *text, size_t len)
{
	char **lines;

	if (strlen(text) != len) {
		line_error(p, 1, "the file contains a NUL byte");
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (unsigned i = 0; lines[i] != NULL; i++) {
		char *l = lines[i];
		size_t n = strlen(l);
		if (n > 0 && l[n - 1] == '\r')
			l[n - 1] = '\0';
		if (!g_utf8_validate(l, -1, NULL))
			line_error(p, i + 1, "not valid UTF-8");
		else if (l[strspn(l, " \t")] != '\0' && l[strspn(l, " \t")] != '#')
			parse_line(p, i + 1, l);
	}
	g_strfreev(lines);
	check_overlaps(p);
}

static void rules_free(GArray *rules)
{
	for (guint i = 0; i < rules->len; i++)
		g_free(g_array_index(rules, struct clock_rule, i).source);
	g_array_free(rules, TRUE);
}

int clock_table_parse(const char *name, const char *text, size_t len,
		      struct clock_table **table_r, char **error_r)
{
	struct parser p = { .name = name };
	int ret = 0;

	*table_r = NULL;
	p.errors = pd_errors_new(MAX_ERRORS, MAX_ERRORS);
	p.rules = g_array_new(FALSE, FALSE, sizeof(struct clock_rule));
	parse_text(&p, text, len);
	if (pd_errors_count(p.errors) > 0) {
		char *all = pd_errors_text(p.errors);
		error_set(error_r, 0, "%s", all);
		g_free(all);
		goto out;
	}
	*table_r = g_new0(struct clock_table, 1);
	(*table_r)->rules = p.rules;
	p.rules = NULL;
	ret = 1;
out:
	pd_errors_free(&p.errors);
	if (p.rules != NULL)
		rules_free(p.rules);
	return ret;
}

int clock_table_load(const char *path, struct clock_table **table_r, char **error_r)
{
	char *text = NULL;
	size_t len = 0;
	int ret;

	*table_r = NULL;
	if (!pd_read_file(path, MAX_FILE_SIZE, &text, &len, error_r))
		return 0;
	ret = clock_table_parse(path, text, len, table_r, error_r);
	g_free(text);
	return ret;
}

void clock_table_free(struct clock_table **table)
{
	if (*table == NULL)
		return;
	rules_free((*table)->rules);
	g_free(*table);
	*table = NULL;
}

const struct clock_rule *clock_table_rules(const struct clock_table *t, unsigned *n_r)
{
	*n_r = t->rules->len;
	return (const struct clock_rule *)(void *)t->rules->data;
}

const struct clock_rule *clock_table_find(const struct clock_table *t, enum clock_kind kind,
					  enum clock_complaint complaint,
					  enum clock_regime regime, const GDate *day)
{
	if (regime != CLOCK_REGIME_LAW_ENFORCEMENT && regime != CLOCK_REGIME_GENERAL)
		return NULL;
	for (guint i = 0; i < t->rules->len; i++) {
		const struct clock_rule *r = &g_array_index(t->rules, struct clock_rule, i);
		if (r->kind == kind &&
		    (kind != CLOCK_KIND_COMPLAINT || r->complaint == complaint) &&
		    (r->regime == regime || r->regime == CLOCK_REGIME_ANY) &&
		    g_date_compare(&r->from, day) <= 0 &&
		    (!g_date_valid(&r->to) || g_date_compare(day, &r->to) <= 0))
			return r;
	}
	return NULL;
}
