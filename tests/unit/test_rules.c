/* Unit tests for rules: every load error with its exact file:line (files written to a temp
   folder), several errors in one report, includes, meta expressions and cycles, scores and
   thresholds, each test type, quoted-reply removal, Unicode case folding, the hits list. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>

#include "core.h"
#include "mime.h"
#include "rules.h"

/* ---- helpers ---- */

struct file {
	const char *name; /* relative to the temp folder; may have a sub-folder */
	const char *text;
};

static void write_file(const char *dir, const char *name, const char *text, gssize len)
{
	char *path = g_build_filename(dir, name, NULL), *parent = g_path_get_dirname(path);

	assert_int_equal(g_mkdir_with_parents(parent, 0700), 0);
	assert_true(g_file_set_contents(path, text, len, NULL));
	g_free(parent);
	g_free(path);
}

static void remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		char *child = g_build_filename(path, name, NULL);
		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
		g_free(child);
	}
	if (dir != NULL)
		g_dir_close(dir);
	g_rmdir(path);
}

static char *make_dir(void)
{
	char *dir = g_dir_make_tmp("pdgate-rules-XXXXXX", NULL);
	assert_non_null(dir);
	return dir;
}

/* s with every "@D" replaced by dir. */
static char *expand(const char *s, const char *dir)
{
	char **parts = g_strsplit(s, "@D", -1);
	char *out = g_strjoinv(dir, parts);
	g_strfreev(parts);
	return out;
}

/* Load text as main.rules of a fresh folder; fails the test on errors. */
static struct rules *load_text(const char *text)
{
	char *dir = make_dir(), *path = g_build_filename(dir, "main.rules", NULL), *error = NULL;
	struct rules *rules = NULL;

	write_file(dir, "main.rules", text, -1);
	if (!rules_load(path, &rules, &error))
		fail_msg("unexpected load error:\n%s", error);
	remove_tree(dir);
	g_free(path);
	g_free(dir);
	return rules;
}

static struct mime_message *parse_msg(const char *raw)
{
	struct mime_message *msg = NULL;
	char *error = NULL;

	if (!mime_parse(raw, strlen(raw), &msg, &error))
		fail_msg("mime_parse: %s", error);
	return msg;
}

/* "A,B,C": the names of the hits in order. g_malloc'd. */
static char *hits_string(const struct rules_result *r)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < r->n_hits; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? "," : "", r->hits[i].name);
	return g_string_free(s, FALSE);
}

/* Evaluate rules on raw and check the hit names. */
static void check_hits(const struct rules *rules, const char *what, const char *raw,
		       const char *hits)
{
	struct mime_message *msg = parse_msg(raw);
	struct rules_result result;
	char *got;

	rules_eval(rules, msg, &result);
	got = hits_string(&result);
	if (strcmp(got, hits) != 0)
		fail_msg("%s: expected hits \"%s\", got \"%s\"", what, hits, got);
	g_free(got);
	rules_result_clear(&result);
	mime_message_free(&msg);
}

/* ---- load errors: the whole error text, every file:line exact ---- */

struct error_case {
	const char *what;
	struct file files[4]; /* files[0] is loaded */
	const char *error;    /* "@D" is the temp folder */
};

static const struct error_case error_cases[] = {
	{ "unknown directive", { { "main.rules", "# c\n\nbodyx A /x/\n" } },
	  "@D/main.rules:3: unknown directive \"bodyx\"" },
	{ "missing rule name", { { "main.rules", "body\n" } },
	  "@D/main.rules:1: body: missing rule name" },
	{ "lowercase rule name", { { "main.rules", "subject sar /x/\n" } },
	  "@D/main.rules:1: subject: bad rule name \"sar\" (use A-Z, 0-9 and _, starting with A-Z)" },
	{ "rule name with dash", { { "main.rules", "from A-B /x/\n" } },
	  "@D/main.rules:1: from: bad rule name \"A-B\" (use A-Z, 0-9 and _, starting with A-Z)" },
	{ "no regex", { { "main.rules", "body A delete\n" } },
	  "@D/main.rules:1: A: expected /regex/" },
	{ "missing regex", { { "main.rules", "rawbody A\n" } },
	  "@D/main.rules:1: A: expected /regex/" },
	{ "unclosed regex", { { "main.rules", "body A /delete my\n" } },
	  "@D/main.rules:1: A: regex not closed with /" },
	{ "escaped slash does not close", { { "main.rules", "body A /and\\/or\n" } },
	  "@D/main.rules:1: A: regex not closed with /" },
	{ "empty regex", { { "main.rules", "body A //\n" } },
	  "@D/main.rules:1: A: empty regex" },
	{ "flag i", { { "main.rules", "subject A /x/i\n" } },
	  "@D/main.rules:1: A: unknown regex flags \"i\" (only s and x)" },
	{ "flags sm", { { "main.rules", "subject A /x/sm\n" } },
	  "@D/main.rules:1: A: unknown regex flags \"sm\" (only s and x)" },
	{ "text after regex", { { "main.rules", "body A /x/s more\n" } },
	  "@D/main.rules:1: A: unexpected \"more\" after the regex" },
	{ "duplicate rule", { { "main.rules", "body A /x/\nsubject B /y/\nfrom A /z/\n" } },
	  "@D/main.rules:3: duplicate rule A (first defined at @D/main.rules:1)" },
	{ "duplicate test and meta", { { "main.rules", "body A /x/\nmeta A A\n" } },
	  "@D/main.rules:2: duplicate rule A (first defined at @D/main.rules:1)" },
	{ "duplicate across files",
	  { { "main.rules", "include other.rules\nbody A /x/\n" },
	    { "other.rules", "\nbody A /y/\n" } },
	  "@D/main.rules:2: duplicate rule A (first defined at @D/other.rules:2)" },
	{ "header without name", { { "main.rules", "header A\n" } },
	  "@D/main.rules:1: A: missing header name" },
	{ "header without =~", { { "main.rules", "header A X-Mailer /x/\n" } },
	  "@D/main.rules:1: A: expected =~ /regex/ or exists:Header-Name" },
	{ "header name with colon", { { "main.rules", "header A X-Mailer: =~ /x/\n" } },
	  "@D/main.rules:1: A: bad header name \"X-Mailer:\"" },
	{ "exists: empty", { { "main.rules", "header A exists:\n" } },
	  "@D/main.rules:1: A: bad header name \"\"" },
	{ "exists: trailing", { { "main.rules", "header A exists:List-Id extra\n" } },
	  "@D/main.rules:1: A: unexpected \"extra\" after the header name" },
	{ "header bad regex flags", { { "main.rules", "header A Subject =~ /x/g\n" } },
	  "@D/main.rules:1: A: unknown regex flags \"g\" (only s and x)" },
	{ "body_words operator", { { "main.rules", "body_words A = 3\n" } },
	  "@D/main.rules:1: A: expected < N or > N (N a whole number)" },
	{ "body_words number", { { "main.rules", "body_words A < three\n" } },
	  "@D/main.rules:1: A: expected < N or > N (N a whole number)" },
	{ "body_words negative", { { "main.rules", "body_words A > -1\n" } },
	  "@D/main.rules:1: A: expected < N or > N (N a whole number)" },
	{ "body_words trailing", { { "main.rules", "body_words A < 3 4\n" } },
	  "@D/main.rules:1: A: expected < N or > N (N a whole number)" },
	{ "meta empty", { { "main.rules", "meta M\n" } },
	  "@D/main.rules:1: M: empty meta expression" },
	{ "meta dangling &&", { { "main.rules", "body A /x/\nmeta M A &&\n" } },
	  "@D/main.rules:2: M: bad meta expression: expected a rule name, ( or ! at the end" },
	{ "meta unclosed (", { { "main.rules", "body A /x/\nmeta M (A || A\n" } },
	  "@D/main.rules:2: M: bad meta expression: expected ) at the end" },
	{ "meta two names", { { "main.rules", "body A /x/\nbody B /y/\nmeta M A B\n" } },
	  "@D/main.rules:3: M: bad meta expression: unexpected text at \"B\"" },
	{ "meta single &", { { "main.rules", "body A /x/\nmeta M A & A\n" } },
	  "@D/main.rules:2: M: bad meta expression: unexpected text at \"& A\"" },
	{ "meta leading ||", { { "main.rules", "body A /x/\nmeta M || A\n" } },
	  "@D/main.rules:2: M: bad meta expression: expected a rule name, ( or ! at \"|| A\"" },
	{ "meta lowercase name", { { "main.rules", "meta M a && b\n" } },
	  "@D/main.rules:1: M: bad meta expression: expected a rule name, ( or ! at \"a && b\"" },
	{ "meta nested too deep",
	  { { "main.rules", "body A /x/\nmeta M !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!A\n" } },
	  "@D/main.rules:2: M: bad meta expression: more than 32 nested ( and ! at \"!A\"" },
	{ "meta unknown rule", { { "main.rules", "body A /x/\nmeta M A && !GHOST\n" } },
	  "@D/main.rules:2: meta M: unknown rule GHOST" },
	{ "meta refers to itself", { { "main.rules", "body A /x/\nmeta M M || A\n" } },
	  "@D/main.rules:2: meta M: cycle M -> M" },
	{ "meta cycle through others",
	  { { "main.rules", "body A /x/\nmeta M1 A && M2\nmeta M2 (M3)\nmeta M3 !M1\n" } },
	  "@D/main.rules:2: meta M1: cycle M1 -> M2 -> M3 -> M1" },
	{ "meta cycle across files",
	  { { "main.rules", "meta M1 M2\ninclude more.rules\n" },
	    { "more.rules", "meta M2 M1 || M2X\nbody M2X /x/\n" } },
	  "@D/main.rules:1: meta M1: cycle M1 -> M2 -> M1" },
	{ "score unknown rule", { { "main.rules", "body A /x/\nscore B access=1\n" } },
	  "@D/main.rules:2: score for unknown rule B" },
	{ "describe unknown rule", { { "main.rules", "body A /x/\ndescribe B what B is\n" } },
	  "@D/main.rules:2: describe for unknown rule B" },
	{ "score unknown label", { { "main.rules", "body A /x/\nscore A access=1 sar=2\n" } },
	  "@D/main.rules:2: score A: unknown label \"sar\"" },
	{ "score bad number", { { "main.rules", "body A /x/\nscore A access=1x\n" } },
	  "@D/main.rules:2: score A: bad number \"1x\"" },
	{ "score empty number", { { "main.rules", "body A /x/\nscore A access=\n" } },
	  "@D/main.rules:2: score A: bad number \"\"" },
	{ "score not LABEL=N", { { "main.rules", "body A /x/\nscore A access 1\n" } },
	  "@D/main.rules:2: score A: expected LABEL=N, not \"access\"\n"
	  "@D/main.rules:2: score A: expected LABEL=N, not \"1\"" },
	{ "score without labels", { { "main.rules", "body A /x/\nscore A\n" } },
	  "@D/main.rules:2: score A: missing LABEL=N" },
	{ "score label twice", { { "main.rules", "body A /x/\nscore A foi=1 foi=2\n" } },
	  "@D/main.rules:2: score A: label foi given twice" },
	{ "second score", { { "main.rules", "body A /x/\nscore A foi=1\nscore A eir=1\n" } },
	  "@D/main.rules:3: second score for A" },
	{ "second describe", { { "main.rules", "body A /x/\ndescribe A a\ndescribe A b\n" } },
	  "@D/main.rules:3: second describe for A" },
	{ "describe without text", { { "main.rules", "body A /x/\ndescribe A   \n" } },
	  "@D/main.rules:2: describe A: missing text" },
	{ "threshold missing", { { "main.rules", "threshold\n" } },
	  "@D/main.rules:1: threshold: expected [LABEL] N" },
	{ "threshold too many", { { "main.rules", "threshold foi 1 2\n" } },
	  "@D/main.rules:1: threshold: expected [LABEL] N" },
	{ "threshold unknown label", { { "main.rules", "threshold sar 1\n" } },
	  "@D/main.rules:1: threshold: unknown label \"sar\"" },
	{ "threshold not a number", { { "main.rules", "threshold foi high\n" } },
	  "@D/main.rules:1: threshold: \"high\" is not a number greater than 0" },
	{ "threshold zero", { { "main.rules", "threshold 0\n" } },
	  "@D/main.rules:1: threshold: \"0\" is not a number greater than 0" },
	{ "not UTF-8", { { "main.rules", "body A /x/\nbody B /caf\xe9/\n" } },
	  "@D/main.rules:2: not valid UTF-8" },
	{ "include missing", { { "main.rules", "body A /x/\ninclude nope.rules\n" } },
	  "@D/main.rules:2: include nope.rules: No such file or directory" },
	/* a device would be read for ever (or until memory runs out): files only */
	{ "include a device", { { "main.rules", "body A /x/\ninclude /dev/zero\n" } },
	  "@D/main.rules:2: include: /dev/zero: not a regular file" },
	{ "include without name", { { "main.rules", "include   # nothing\n" } },
	  "@D/main.rules:1: include: missing file name" },
	{ "include itself", { { "main.rules", "\ninclude main.rules\n" } },
	  "@D/main.rules:2: include loop: @D/main.rules -> @D/main.rules" },
	{ "include loop", { { "main.rules", "include a.rules\n" },
			    { "a.rules", "include b.rules\n" },
			    { "b.rules", "# back\ninclude a.rules\n" } },
	  "@D/b.rules:2: include loop: @D/a.rules -> @D/b.rules -> @D/a.rules" },
	{ "include twice", { { "main.rules", "include a.rules\ninclude sub/b.rules\n" },
			     { "a.rules", "body A /x/\n" },
			     { "sub/b.rules", "include ../a.rules\n" } },
	  "@D/sub/b.rules:1: include ../a.rules: already included" },
	{ "include relative to the including file",
	  { { "main.rules", "include sub/a.rules\n" },
	    { "sub/a.rules", "include b.rules\n" },
	    { "sub/b.rules", "body B /x/\nbogus\n" } },
	  "@D/sub/b.rules:2: unknown directive \"bogus\"" },
	/* Several errors in one pass, across files, sorted by file (reading order) and line,
	   whether found while parsing or by the checks after every file is read. */
	{ "many errors",
	  { { "main.rules", "# several mistakes\n"
			    "body A /ok/\n"
			    "body a /x/\n"
			    "body A /dup/\n"
			    "include sub/more.rules\n"
			    "score A access=1 nope=2\n"
			    "meta M A && GHOST\n"
			    "describe NOBODY text\n"
			    "meta C1 C2\nmeta C2 C1\n" },
	    { "sub/more.rules", "subject S /x/q\nthreshold foo 1\n\nfrobnicate\n" } },
	  "@D/main.rules:3: body: bad rule name \"a\" (use A-Z, 0-9 and _, starting with A-Z)\n"
	  "@D/main.rules:4: duplicate rule A (first defined at @D/main.rules:2)\n"
	  "@D/main.rules:6: score A: unknown label \"nope\"\n"
	  "@D/main.rules:7: meta M: unknown rule GHOST\n"
	  "@D/main.rules:8: describe for unknown rule NOBODY\n"
	  "@D/main.rules:9: meta C1: cycle C1 -> C2 -> C1\n"
	  "@D/sub/more.rules:1: S: unknown regex flags \"q\" (only s and x)\n"
	  "@D/sub/more.rules:2: threshold: unknown label \"foo\"\n"
	  "@D/sub/more.rules:4: unknown directive \"frobnicate\"" },
};

static void check_load_error(const char *dir, const char *main_name, const char *expected,
			     const char *what)
{
	char *path = g_build_filename(dir, main_name, NULL), *error = NULL;
	char *want = expand(expected, dir);
	struct rules *rules = NULL;

	if (rules_load(path, &rules, &error)) {
		rules_free(&rules);
		fail_msg("%s: loaded, expected error\n%s", what, want);
	}
	assert_null(rules);
	if (strcmp(error, want) != 0)
		fail_msg("%s: expected\n%s\ngot\n%s", what, want, error);
	g_free(error);
	g_free(want);
	g_free(path);
}

static void test_load_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		const struct error_case *c = &error_cases[i];
		char *dir = make_dir();
		for (size_t f = 0; f < G_N_ELEMENTS(c->files) && c->files[f].name != NULL; f++)
			write_file(dir, c->files[f].name, c->files[f].text, -1);
		check_load_error(dir, c->files[0].name, c->error, c->what);
		remove_tree(dir);
		g_free(dir);
	}
}

/* GRegex's own reason is passed on. */
static void test_bad_regex_reason(void **state)
{
	char *dir = make_dir(), *want;
	GError *err = NULL;

	(void)state;
	assert_null(g_regex_new("(unclosed", G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &err));
	want = g_strdup_printf("@D/main.rules:2: BAD: bad regex: %s", err->message);
	write_file(dir, "main.rules", "body OK /fine/\nbody BAD /(unclosed/\n", -1);
	check_load_error(dir, "main.rules", want, "bad regex");
	g_error_free(err);
	g_free(want);
	remove_tree(dir);
	g_free(dir);
}

static void test_missing_top_file(void **state)
{
	char *dir = make_dir();

	(void)state;
	check_load_error(dir, "none.rules", "@D/none.rules: No such file or directory",
			 "missing top file");
	remove_tree(dir);
	g_free(dir);
}

/* d0 includes d1 ... : files 10 includes deep load, the 11th level is refused. */
static void write_include_chain(const char *dir, int levels)
{
	for (int i = 0; i <= levels; i++) {
		char *name = g_strdup_printf("d%d.rules", i);
		char *text = i < levels ? g_strdup_printf("body R%d /x/\ninclude d%d.rules\n", i, i + 1)
					: g_strdup_printf("body R%d /x/\n", i);
		write_file(dir, name, text, -1);
		g_free(text);
		g_free(name);
	}
}

static void test_include_depth(void **state)
{
	char *dir = make_dir(), *path = g_build_filename(dir, "d0.rules", NULL), *error = NULL;
	struct rules *rules = NULL;

	(void)state;
	write_include_chain(dir, 10);
	if (!rules_load(path, &rules, &error))
		fail_msg("10 levels: %s", error);
	assert_int_equal(rules_count(rules), 11);
	rules_free(&rules);
	assert_null(rules);
	write_include_chain(dir, 11);
	check_load_error(dir, "d0.rules",
			 "@D/d10.rules:2: include d11.rules: includes nested deeper than 10",
			 "11 levels");
	remove_tree(dir);
	g_free(path);
	g_free(dir);
}

static void test_size_limits(void **state)
{
	char *dir = make_dir();
	GString *s = g_string_new(NULL);

	(void)state;
	/* A line of exactly 8 KiB is fine, one byte more is not. */
	g_string_append_c(s, '#');
	while (s->len < 8192)
		g_string_append_c(s, 'x');
	g_string_append(s, "\nbody A /");
	while (s->len < 8193 + 1 + 8193)
		g_string_append_c(s, 'y');
	g_string_append(s, "/\n");
	write_file(dir, "main.rules", s->str, (gssize)s->len);
	check_load_error(dir, "main.rules", "@D/main.rules:2: line longer than 8192 bytes",
			 "long line");
	/* 5000 rules load, the 5001st is refused (body_words: no regex to compile). */
	g_string_truncate(s, 0);
	for (int i = 1; i <= 5001; i++)
		g_string_append_printf(s, "body_words W%d > %d\n", i, i);
	write_file(dir, "main.rules", s->str, (gssize)s->len);
	check_load_error(dir, "main.rules", "@D/main.rules:5001: more than 5000 rules", "5001 rules");
	/* Files over 1 MiB. */
	g_string_truncate(s, 0);
	while (s->len <= 1024 * 1024)
		g_string_append(s, "# padding padding padding padding padding padding padding\n");
	write_file(dir, "big.rules", s->str, (gssize)s->len);
	write_file(dir, "main.rules", "include big.rules\n", -1);
	check_load_error(dir, "main.rules",
			 "@D/main.rules:1: include: @D/big.rules: larger than 1048576 bytes",
			 "big include");
	check_load_error(dir, "big.rules", "@D/big.rules: larger than 1048576 bytes", "big top");
	g_string_free(s, TRUE);
	remove_tree(dir);
	g_free(dir);
}

/* More than 100 errors: the first 100, then a count. */
static void test_error_cap(void **state)
{
	char *dir = make_dir(), *path = g_build_filename(dir, "main.rules", NULL), *error = NULL;
	GString *s = g_string_new(NULL);
	struct rules *rules = NULL;
	char **lines;

	(void)state;
	for (int i = 0; i < 150; i++)
		g_string_append(s, "nonsense\n");
	write_file(dir, "main.rules", s->str, -1);
	assert_int_equal(rules_load(path, &rules, &error), 0);
	lines = g_strsplit(error, "\n", -1);
	assert_int_equal(g_strv_length(lines), 101);
	assert_true(g_str_has_suffix(lines[99], "main.rules:100: unknown directive \"nonsense\""));
	assert_string_equal(lines[100], "50 more errors not listed");
	g_strfreev(lines);
	g_free(error);
	g_string_free(s, TRUE);
	remove_tree(dir);
	g_free(path);
	g_free(dir);
}

/* ---- loading what is valid ---- */

static void test_valid_file(void **state)
{
	struct rules *rules;

	(void)state;
	rules = load_text("# every directive once, comments and blank lines anywhere\n"
			  "\n"
			  "   threshold 2   # trailing comment\r\n"
			  "threshold foi 0.5\n"
			  "score LATE access=1   # score and describe may come before the rule\n"
			  "describe LATE Defined \\# further down\n"
			  "subject S /x/\n"
			  "body B /a\\/b/sx\n"
			  "rawbody RB /x/s\n"
			  "from F /x/\n"
			  "header H X-Mailer =~ /x/\n"
			  "header HE exists:X-Priority\n"
			  "attachment_name AN /x/\n"
			  "attachment_type AT /x/\n"
			  "body_words BW < 3\n"
			  "meta M (S || B) && !(RB || F) || H && HE\n"
			  "meta NOSCORE AN\n"
			  "body LATE /late/\n");
	assert_int_equal(rules_count(rules), 12);
	rules_free(&rules);
	assert_null(rules);
	rules_free(&rules);
	rules = load_text("");
	assert_int_equal(rules_count(rules), 0);
	rules_free(&rules);
}

static void test_labels(void **state)
{
	enum rules_label label;

	(void)state;
	assert_string_equal(rules_label_name(LABEL_ACCESS), "access");
	assert_string_equal(rules_label_name(LABEL_AUTOMATED_DECISION), "automated_decision");
	assert_string_equal(rules_label_name(LABEL_REGIME_GENERAL), "regime_general");
	assert_null(rules_label_name(LABEL_COUNT));
	for (int i = 0; i < LABEL_COUNT; i++) {
		assert_true(rules_label_parse(rules_label_name((enum rules_label)i), &label));
		assert_int_equal(label, i);
	}
	assert_false(rules_label_parse("Access", &label));
	assert_false(rules_label_parse("other", &label));
}

/* ---- each test type ---- */

static const char type_rules[] =
	"subject T_SUBJECT /subject access/\n"
	"body T_BODY /my records/\n"
	"rawbody T_RAWBODY /old request/\n"
	"from T_FROM_NAME /^Jane Doe </\n"
	"from T_FROM_ADDR /^<bob@example\\.org>$/\n"
	"header T_HEADER X-Mailer =~ /outlook/\n"
	"header T_EVERY_VALUE X-Tag =~ /^second$/\n"
	"header T_EXISTS exists:X-Priority\n"
	"attachment_name T_ATT_NAME /passport\\.(jpe?g|pdf)$/\n"
	"attachment_type T_ATT_TYPE /^image\\//\n"
	"body_words T_SHORT < 3\n"
	"body_words T_LONG > 8\n"
	"body T_DOTALL /alpha.beta/s\n"
	"body T_NO_DOTALL /gamma.delta/\n"
	"body T_EXTENDED / ref \\s+ \\#12 /x\n"
	"body T_SLASH /and\\/or/\n"
	"subject T_UNICODE /écrire/\n"
	"body T_UNICODE_BODY /straße/\n";

struct type_case {
	const char *what;
	const char *raw;
	const char *hits;
};

#define MIXED "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b1\n\n"
#define PART(type, name) "--b1\nContent-Type: " type "\nContent-Disposition: attachment; " \
	"filename=\"" name "\"\nContent-Transfer-Encoding: base64\n\naGVsbG8=\n"

static const struct type_case type_cases[] = {
	{ "subject, body, from name",
	  "From: Jane Doe <jane@example.org>\nSubject: Subject Access Request\n\n"
	  "Please send me my records held by you.\n",
	  "T_SUBJECT,T_BODY,T_FROM_NAME" },
	{ "from without display name is <addr>",
	  "From: bob@example.org\n\nhi\n", "T_FROM_ADDR,T_SHORT" },
	{ "no body at all", "From: bob@example.org\nSubject: x\n", "T_FROM_ADDR,T_SHORT" },
	{ "header regex, exists, long body",
	  "From: a@example.org\nX-Mailer: Microsoft Outlook 16.0\nx-priority: 3\n\n"
	  "one two three four five six seven eight nine\n",
	  "T_HEADER,T_EXISTS,T_LONG" },
	{ "every value of a repeated header",
	  "From: a@example.org\nX-Tag: first\nX-Tag: second\n\nsome words here\n",
	  "T_EVERY_VALUE" },
	{ "header regex is on the value, not the name",
	  "From: a@example.org\nX-Outlook: yes\n\nsome words here\n", "" },
	{ "attachments: name and type",
	  "From: a@example.org\nSubject: id\n" MIXED
	  "--b1\nContent-Type: text/plain\n\nmy ID attached\n" PART("image/jpeg", "Passport.JPG")
	  "--b1--\n",
	  "T_ATT_NAME,T_ATT_TYPE" },
	{ "attachment that matches neither",
	  "From: a@example.org\nSubject: id\n" MIXED
	  "--b1\nContent-Type: text/plain\n\nthe form attached\n" PART("application/pdf", "form.pdf")
	  "--b1--\n",
	  "" },
	{ "rawbody sees quotes, body and word count do not",
	  "From: a@example.org\n\nFine thanks\n> my old request about my records\n",
	  "T_RAWBODY,T_SHORT" },
	{ "word count ignores lone punctuation",
	  "From: a@example.org\n\nyes -- ok\n", "T_SHORT" },
	{ "s flag and without it",
	  "From: a@example.org\n\nalpha\nbeta and gamma\ndelta here\n", "T_DOTALL" },
	{ "x flag, \\# and \\/",
	  "From: a@example.org\n\nsee ref   #12 and/or the rest\n", "T_EXTENDED,T_SLASH" },
	{ "Unicode case folding",
	  "From: a@example.org\nSubject: =?UTF-8?Q?=C3=89CRIRE?=\n\n"
	  "STRASSE STRA\xc3\x9f" "E nichts\n",
	  "T_UNICODE,T_UNICODE_BODY" },
};

static void test_types(void **state)
{
	struct rules *rules = load_text(type_rules);

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(type_cases); i++)
		check_hits(rules, type_cases[i].what, type_cases[i].raw, type_cases[i].hits);
	rules_free(&rules);
}

/* ---- quoted replies ---- */

static const struct type_case quote_cases[] = {
	{ "not quoted", "From: a@example.org\n\nPlease delete my data now.\n", "BODY,RAW" },
	{ "> lines, indented",
	  "From: a@example.org\n\nThanks, no.\n\n  > Please delete my data\n>> delete my data\n",
	  "RAW" },
	{ "text after a quote line stays",
	  "From: a@example.org\n\n> you asked\nPlease delete my data\n", "BODY,RAW" },
	{ "Outlook -----Original Message-----",
	  "From: a@example.org\n\nYes that is fine.\n\n-----Original Message-----\n"
	  "From: Team\nSubject: x\n\nDo you want us to delete my data?\n",
	  "RAW" },
	{ "Outlook From:/Sent: block",
	  "From: a@example.org\n\nYes that is fine.\n\nFrom: Disclosure Team <d@police.test>\n"
	  "Sent: 03 March 2026 10:00\nTo: Jane\nSubject: x\n\nYou wrote: delete my data\n",
	  "RAW" },
	{ "Outlook separator line",
	  "From: a@example.org\n\nYes.\n________________________________\n"
	  "From: Team\ndelete my data\n",
	  "RAW" },
	{ "On ... wrote:",
	  "From: a@example.org\n\nNo thank you.\n\nOn Tue, 3 Mar 2026 at 10:00, X wrote:\n"
	  "Would you like us to delete my data?\n",
	  "RAW" },
	{ "On ... wrote: wrapped over two lines",
	  "From: a@example.org\n\nNo thank you.\n\nOn Tue, 3 Mar 2026 at 10:00, Jane Doe <\n"
	  "jane@example.org> wrote:\n\nThe request: delete my data\n",
	  "RAW" },
	{ "a sentence starting with On is kept",
	  "From: a@example.org\n\nOn reflection, please delete my data.\n", "BODY,RAW" },
};

static void test_quotes(void **state)
{
	struct rules *rules = load_text("body BODY /delete my data/\nrawbody RAW /delete my data/\n");

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(quote_cases); i++)
		check_hits(rules, quote_cases[i].what, quote_cases[i].raw, quote_cases[i].hits);
	rules_free(&rules);
}

/* ---- metas ---- */

static const struct type_case meta_cases[] = {
	{ "A only", "From: a@example.org\nSubject: alpha\n\nx\n", "A,TOP,M1" },
	{ "A and C", "From: a@example.org\nSubject: alpha gamma\n\nx\n", "A,C,TOP,M2" },
	{ "A, B and C", "From: a@example.org\nSubject: alpha beta gamma\n\nx\n", "A,B,C,TOP,M1" },
	{ "C only", "From: a@example.org\nSubject: gamma\n\nx\n", "C,TOP,M2" },
	{ "B only", "From: a@example.org\nSubject: beta\n\nx\n", "B" },
	{ "none", "From: a@example.org\nSubject: nothing\n\nx\n", "NONE" },
};

static void test_metas(void **state)
{
	/* TOP comes before the metas it uses: evaluation follows dependencies, hits file order. */
	struct rules *rules = load_text("subject A /alpha/\n"
					"subject B /beta/\n"
					"subject C /gamma/\n"
					"meta TOP M1 || M2\n"
					"meta M1 A && (B || !C)\n"
					"meta M2 !M1 && C\n"
					"meta NONE !(A || B || C)\n");

	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(meta_cases); i++)
		check_hits(rules, meta_cases[i].what, meta_cases[i].raw, meta_cases[i].hits);
	rules_free(&rules);
}

/* ---- scores, thresholds, hits ---- */

static const char score_rules[] =
	"threshold 2\n"
	"threshold erasure 1.5\n"
	"threshold eir 0.3\n"
	"subject S1 /one/\n"
	"score S1 access=1.5 erasure=1\n"
	"describe S1 First \\# rule\n"
	"subject S2 /two/\n"
	"score S2 access=0.5 erasure=0.5 complaint=2\n"
	"subject S3 /three/\n"
	"score S3 access=-1 complaint=-0.5\n"
	"meta M S1 && S2\n"
	"score M foi=0.1\n"
	"subject P1 /pp/\n"
	"score P1 eir=0.1\n"
	"subject P2 /qq/\n"
	"score P2 eir=0.2\n";

static void eval_subject(const struct rules *rules, const char *subject,
			 struct rules_result *result)
{
	char *raw = g_strdup_printf("From: a@example.org\nSubject: %s\n\nbody\n", subject);
	struct mime_message *msg = parse_msg(raw);

	rules_eval(rules, msg, result);
	mime_message_free(&msg);
	g_free(raw);
}

static void test_scores_and_hits(void **state)
{
	struct rules *rules = load_text(score_rules);
	struct rules_result r;

	(void)state;
	eval_subject(rules, "one two", &r);
	assert_int_equal(r.n_hits, 3);
	assert_string_equal(r.hits[0].name, "S1");
	assert_string_equal(r.hits[0].describe, "First # rule");
	assert_true(r.hits[0].score[LABEL_ACCESS] == 1.5 && r.hits[0].score[LABEL_ERASURE] == 1.0);
	assert_true(r.hits[0].score[LABEL_FOI] == 0.0);
	assert_string_equal(r.hits[1].name, "S2");
	assert_null(r.hits[1].describe);
	assert_string_equal(r.hits[2].name, "M");
	assert_true(r.hits[2].score[LABEL_FOI] == 0.1);
	assert_true(r.score[LABEL_ACCESS] == 2.0 && r.fired[LABEL_ACCESS]);
	assert_true(r.score[LABEL_ERASURE] == 1.5 && r.fired[LABEL_ERASURE]);
	assert_true(r.score[LABEL_COMPLAINT] == 2.0 && r.fired[LABEL_COMPLAINT]);
	assert_true(r.score[LABEL_FOI] == 0.1 && !r.fired[LABEL_FOI]);
	rules_result_clear(&r);
	assert_null(r.hits);
	assert_int_equal(r.n_hits, 0);

	/* A negative score takes labels back under their thresholds. */
	eval_subject(rules, "one two three", &r);
	assert_int_equal(r.n_hits, 4);
	assert_true(r.score[LABEL_ACCESS] == 1.0 && !r.fired[LABEL_ACCESS]);
	assert_true(r.score[LABEL_COMPLAINT] == 1.5 && !r.fired[LABEL_COMPLAINT]);
	assert_true(r.fired[LABEL_ERASURE]);
	rules_result_clear(&r);

	eval_subject(rules, "one", &r);
	assert_false(r.fired[LABEL_ACCESS] || r.fired[LABEL_ERASURE]);
	rules_result_clear(&r);

	/* 0.1 + 0.2 is not exactly 0.3 in binary, and must still reach a 0.3 threshold. */
	eval_subject(rules, "pp qq", &r);
	assert_true(r.fired[LABEL_EIR]);
	rules_result_clear(&r);

	eval_subject(rules, "nothing", &r);
	assert_int_equal(r.n_hits, 0);
	assert_null(r.hits);
	for (int i = 0; i < LABEL_COUNT; i++)
		assert_false(r.fired[i] || r.score[i] != 0.0);
	rules_result_clear(&r);
	rules_free(&rules);
}

static void test_thresholds(void **state)
{
	/* Default 1.0; a label's own threshold wins over "threshold N" in any order. */
	struct rules *rules = load_text("subject S /x/\nscore S vague=1 child=0.9\n");
	struct rules_result r;

	(void)state;
	eval_subject(rules, "x", &r);
	assert_true(r.fired[LABEL_VAGUE] && !r.fired[LABEL_CHILD]);
	rules_result_clear(&r);
	rules_free(&rules);

	rules = load_text("threshold child 0.5\nthreshold 3\n"
			  "subject S /x/\nscore S vague=2.5 child=0.5 foi=3\n");
	eval_subject(rules, "x", &r);
	assert_true(!r.fired[LABEL_VAGUE] && r.fired[LABEL_CHILD] && r.fired[LABEL_FOI]);
	rules_result_clear(&r);
	rules_free(&rules);
}

static void test_no_rules(void **state)
{
	struct mime_message *msg = parse_msg("From: a@example.org\n\nhello\n");
	struct rules_result r;

	(void)state;
	rules_eval(NULL, msg, &r);
	assert_int_equal(r.n_hits, 0);
	assert_false(r.fired[LABEL_ACCESS]);
	rules_result_clear(&r);
	mime_message_free(&msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_bad_regex_reason),
		cmocka_unit_test(test_missing_top_file),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_size_limits),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_valid_file),
		cmocka_unit_test(test_labels),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_quotes),
		cmocka_unit_test(test_metas),
		cmocka_unit_test(test_scores_and_hits),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_no_rules),
	};
	int failed;

	mime_init();
	failed = cmocka_run_group_tests(tests, NULL, NULL);
	mime_deinit();
	return failed;
}
