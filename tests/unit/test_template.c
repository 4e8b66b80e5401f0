/* Unit tests for template: parse errors with exact lines, blocks, whole-line tag removal,
   literal braces, value injection, limits. Pure: no files except one template_load case. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "pd-limits.h"
#include "template.h"

static const char *const allowed[] = { "reference", "name", "note", "team", "a", "b", NULL };

/* ---- parse errors: the whole error text, every line number exact ---- */

struct error_case {
	const char *text;
	const char *error;
};

static const struct error_case error_cases[] = {
	{ "Subject: x\n\nHello {{nobody}}\n", "t:3: unknown placeholder {{nobody}}" },
	{ "Subject: x\n\n{{#if a}}\nA\n", "t:3: unclosed {{#if a}}" },
	{ "Subject: x\n\nA\n{{/if}}\n", "t:4: {{/if}} without {{#if}}" },
	{ "Subject: x\n\nA {{else}} B\n", "t:3: {{else}} without {{#if}}" },
	{ "Subject: x\n\n{{#if a}}1{{else}}2{{else}}3{{/if}}\n",
	  "t:3: second {{else}} for {{#if a}}" },
	{ "Subject: x\n\nline\nHello {{name\n", "t:4: unterminated {{ (no }} on the same line)" },
	{ "Subject: x\n\n{{Name}}\n", "t:3: bad placeholder name \"Name\" (use a-z, 0-9 and _)" },
	{ "Subject: x\n\n{{caf\xc3\xa9}}\n",
	  "t:3: bad placeholder name \"caf\xc3\xa9\" (use a-z, 0-9 and _)" },
	{ "Subject: x\n\n{{1a}}\n", "t:3: bad placeholder name \"1a\" (use a-z, 0-9 and _)" },
	{ "Subject: x\n\n{{}}\n", "t:3: bad placeholder name \"\" (use a-z, 0-9 and _)" },
	{ "Subject: x\n\n{{#each a}}\n", "t:3: unknown tag {{#each a}}" },
	{ "# comment\n\nbody\n", "t:2: missing Subject header" },
	{ "Subject: x\nFrom: y\n\nbody\n", "t:2: unknown header \"From\" (only Subject is allowed)" },
	{ "Subject: x\nSubject: y\n\nbody\n", "t:2: duplicate Subject header" },
	{ "Subject:   \n\nbody\n", "t:1: empty Subject header" },
	{ "Subject: x\nHello there\n",
	  "t:2: expected \"Name: value\" or the blank line before the body" },
	{ "Subject: x\n", "t:1: missing blank line between the headers and the body" },
	{ "Subject: x", "t:1: missing blank line between the headers and the body" },
	{ "", "t:1: missing blank line between the headers and the body\nt:1: missing Subject header" },
	{ "Subject: x\n\nok\nbad \xff byte\n", "t:4: not valid UTF-8" },
	{ "Subject: \xc3\x28\n\nok\n", "t:1: not valid UTF-8" },
	{ "Subject: {{#if a}}x\n\nbody\n", "t:1: unclosed {{#if a}}" },
	{ "Subject: {{ref}}\n\nbody\n", "t:1: unknown placeholder {{ref}}" },
	/* Several errors in one pass, in line order within each part. */
	{ "Subject: {{x}}\nX-Foo: 1\n\n{{#if y}}\n{{z}}\n{{/if}}\n{{/if}}\n{{#if a}}\n",
	  "t:1: unknown placeholder {{x}}\n"
	  "t:2: unknown header \"X-Foo\" (only Subject is allowed)\n"
	  "t:4: unknown placeholder {{y}}\n"
	  "t:5: unknown placeholder {{z}}\n"
	  "t:7: {{/if}} without {{#if}}\n"
	  "t:8: unclosed {{#if a}}" },
	/* A missing blank line: the rest is still checked as body. */
	{ "Subject: x\nDear {{who}}\n",
	  "t:2: expected \"Name: value\" or the blank line before the body\n"
	  "t:2: unknown placeholder {{who}}" },
	/* CRLF files count lines the same way. */
	{ "Subject: x\r\n\r\nA\r\n{{bad}}\r\n", "t:4: unknown placeholder {{bad}}" },
};

static void test_parse_errors(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(error_cases); i++) {
		struct template *tpl = NULL;
		char *error = NULL;
		int ret = template_parse("t", error_cases[i].text, allowed, &tpl, &error);
		if (ret != 0 || error == NULL || strcmp(error, error_cases[i].error) != 0)
			fail_msg("case %zu: ret %d, got \"%s\", want \"%s\"", i, ret,
				 error != NULL ? error : "(null)", error_cases[i].error);
		assert_null(tpl);
		g_free(error);
	}
}

static void test_too_many_errors(void **state)
{
	GString *text = g_string_new("Subject: x\n\n");
	struct template *tpl = NULL;
	char *error = NULL;

	for (int i = 0; i < 50; i++)
		g_string_append(text, "{{nope}}\n");
	assert_int_equal(template_parse("t", text->str, allowed, &tpl, &error), 0);
	/* Capped: 19 errors then one "too many errors" line. */
	gchar **lines = g_strsplit(error, "\n", -1);
	assert_int_equal(g_strv_length(lines), 20);
	assert_string_equal(lines[0], "t:3: unknown placeholder {{nope}}");
	assert_string_equal(lines[19], "t:22: too many errors");
	g_strfreev(lines);
	g_free(error);
	g_string_free(text, TRUE);
}

/* ---- rendering ---- */

struct render_case {
	const char *text;
	const char *vars[8]; /* name, value pairs, NULL-terminated */
	const char *subject;
	const char *body;
};

static const struct render_case render_cases[] = {
	{ "Subject: Your request {{reference}}\n\nDear {{name}},\nRef {{ reference }}.\n",
	  { "reference", "PD-2026-000123", "name", "Ann", NULL },
	  "Your request PD-2026-000123", "Dear Ann,\nRef PD-2026-000123.\n" },
	/* Comments in the header block; the header name is case-insensitive. */
	{ "# notice sent on receipt\nsubject: Hi\n# another\n\nBody\n", { NULL }, "Hi", "Body\n" },
	/* Missing and empty variables render empty; {{#if}} is false for both. */
	{ "Subject: [{{name}}]\n\n<{{note}}>{{#if note}}N{{else}}-{{/if}}\n", { "name", "", NULL },
	  "[]", "<>-\n" },
	/* Whole-line tags vanish with their line; inline tags keep the text around them. */
	{ "Subject: x\n\nHello\n  {{#if note}}  \nNote: {{note}}\n{{ else }}\nNo note.\n{{/if}}\nBye\n",
	  { "note", "see below", NULL }, "x", "Hello\nNote: see below\nBye\n" },
	{ "Subject: x\n\nHello\n{{#if note}}\nNote: {{note}}\n{{else}}\nNo note.\n{{/if}}\nBye\n",
	  { NULL }, "x", "Hello\nNo note.\nBye\n" },
	{ "Subject: x\n\nA {{#if a}}yes{{else}}no{{/if}} B\n", { "a", "1", NULL }, "x", "A yes B\n" },
	/* Nesting, across lines. */
	{ "Subject: x\n\n{{#if a}}\nA\n{{#if b}}\nAB\n{{else}}\nA-\n{{/if}}\n{{else}}\n-\n{{/if}}\nend",
	  { "a", "1", NULL }, "x", "A\nA-\nend" },
	{ "Subject: x\n\n{{#if a}}\nA\n{{#if b}}\nAB\n{{else}}\nA-\n{{/if}}\n{{else}}\n-\n{{/if}}\nend",
	  { "a", "1", "b", "2", NULL }, "x", "A\nAB\nend" },
	{ "Subject: x\n\n{{#if a}}\nA\n{{#if b}}\nAB\n{{/if}}\n{{else}}\n-\n{{/if}}\nend",
	  { "b", "2", NULL }, "x", "-\nend" },
	/* Blocks in the Subject. */
	{ "Subject: {{#if reference}}Re {{reference}}{{else}}New{{/if}}\n\nb", { NULL }, "New", "b" },
	/* Literal braces: {{{{ writes {{; lone braces and }} are plain text. */
	{ "Subject: {{{{x}}\n\n{{{{name}} is {{name}} } { }}\n", { "name", "N", NULL },
	  "{{x}}", "{{name}} is N } { }}\n" },
	{ "Subject: x\n\n{{{{#if a}}\n", { NULL }, "x", "{{#if a}}\n" },
	/* Injection: a value is text, never parsed, and cannot add header lines to the Subject. */
	{ "Subject: Re: {{name}}\n\nHi {{name}}\n", { "name", "x\r\nBcc: victim@example.com", NULL },
	  "Re: x Bcc: victim@example.com", "Hi x\nBcc: victim@example.com\n" },
	{ "Subject: {{name}}\n\n{{note}}\n", { "name", "{{reference}}", "note", "{{#if a}}{{{{", NULL },
	  "{{reference}}", "{{#if a}}{{{{\n" },
	/* Subject: tabs, controls, Unicode line separators fold to one space; trimmed. */
	{ "Subject: {{name}}!\n\nb", { "name", " \t a\x01\x02\tb\xe2\x80\xa8" "c\n", NULL },
	  "a b c !", "b" },
	/* Body: newlines kept (CRLF and CR become \n), other controls dropped, tab kept. */
	{ "Subject: x\n\n{{note}}\n", { "note", "l1\r\nl2\rl3\n\x1b[31mred\x7f\tend", NULL },
	  "x", "l1\nl2\nl3\n[31mred\tend\n" },
	/* Invalid UTF-8 in values becomes U+FFFD. */
	{ "Subject: {{name}}\n\n{{name}}", { "name", "a\xff" "b", NULL },
	  "a\xef\xbf\xbd" "b", "a\xef\xbf\xbd" "b" },
	/* Non-ASCII text in the template and values. */
	{ "Subject: R\xc3\xa9ponse \xe2\x80\x94 {{name}}\n\nBonjour {{name}} \xf0\x9f\x99\x82\n",
	  { "name", "Zo\xc3\xab", NULL }, "R\xc3\xa9ponse \xe2\x80\x94 Zo\xc3\xab",
	  "Bonjour Zo\xc3\xab \xf0\x9f\x99\x82\n" },
	/* An empty body is allowed. */
	{ "Subject: x\n\n", { NULL }, "x", "" },
	/* CRLF template: \n out. */
	{ "Subject: x\r\n\r\nA\r\nB\r\n", { NULL }, "x", "A\nB\n" },
};

static GHashTable *vars_new(const char *const *pairs)
{
	GHashTable *vars = g_hash_table_new(g_str_hash, g_str_equal);

	for (size_t i = 0; pairs[i] != NULL; i += 2)
		g_hash_table_insert(vars, (gpointer)pairs[i], (gpointer)pairs[i + 1]);
	return vars;
}

static void test_render_cases(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(render_cases); i++) {
		const struct render_case *c = &render_cases[i];
		struct template *tpl = NULL;
		char *error = NULL, *subject = NULL, *body = NULL;
		if (template_parse("t", c->text, allowed, &tpl, &error) != 1)
			fail_msg("case %zu: parse: %s", i, error);
		GHashTable *vars = vars_new(c->vars);
		if (template_render(tpl, vars, &subject, &body, &error) != 1)
			fail_msg("case %zu: render: %s", i, error);
		if (strcmp(subject, c->subject) != 0 || strcmp(body, c->body) != 0)
			fail_msg("case %zu: got [%s] [%s], want [%s] [%s]", i, subject, body,
				 c->subject, c->body);
		assert_null(strpbrk(subject, "\r\n\t"));
		g_hash_table_unref(vars);
		g_free(subject);
		g_free(body);
		template_free(&tpl);
		assert_null(tpl);
	}
}

static void test_render_null_vars(void **state)
{
	struct template *tpl = NULL;
	char *error = NULL, *subject = NULL, *body = NULL;

	assert_int_equal(template_parse(NULL, "Subject: s{{a}}\n\n[{{b}}]", allowed, &tpl, &error), 1);
	assert_int_equal(template_render(tpl, NULL, &subject, &body, &error), 1);
	assert_string_equal(subject, "s");
	assert_string_equal(body, "[]");
	g_free(subject);
	g_free(body);
	template_free(&tpl);
	template_free(&tpl); /* NULL-safe */
}

static void test_render_empty_subject(void **state)
{
	struct template *tpl = NULL;
	char *error = NULL, *subject = NULL, *body = NULL;
	GHashTable *vars = vars_new((const char *const[]){ "name", " \r\n\t ", NULL });

	assert_int_equal(template_parse("t", "Subject: {{name}}\n\nb", allowed, &tpl, &error), 1);
	assert_int_equal(template_render(tpl, vars, &subject, &body, &error), 0);
	assert_string_equal(error, "rendered Subject is empty");
	assert_null(subject);
	assert_null(body);
	g_free(error);
	g_hash_table_unref(vars);
	template_free(&tpl);
}

static void render_with_value(const char *text, size_t value_len, int want, char **error_r)
{
	struct template *tpl = NULL;
	char *subject = NULL, *body = NULL;
	char *value = g_malloc(value_len + 1);
	GHashTable *vars;

	memset(value, 'v', value_len);
	value[value_len] = '\0';
	vars = vars_new((const char *const[]){ "note", value, NULL });
	assert_int_equal(template_parse("t", text, allowed, &tpl, error_r), 1);
	assert_int_equal(template_render(tpl, vars, &subject, &body, error_r), want);
	g_free(subject);
	g_free(body);
	g_hash_table_unref(vars);
	g_free(value);
	template_free(&tpl);
}

static void test_render_oversize(void **state)
{
	char *error = NULL;

	/* "Subject: x" renders 1 byte: the body may have PD_MAX_RENDERED - 1. */
	render_with_value("Subject: x\n\n{{note}}", PD_MAX_RENDERED - 1, 1, &error);
	render_with_value("Subject: x\n\n{{note}}", PD_MAX_RENDERED, 0, &error);
	assert_string_equal(error, "rendered notice is larger than 262144 bytes");
	g_free(error);
	error = NULL;
	/* A value repeated in a template can also blow the limit. */
	render_with_value("Subject: x\n\n{{note}}{{note}}{{note}}", PD_MAX_RENDERED / 2, 0, &error);
	g_free(error);
	error = NULL;
	/* A huge Subject value fails too (the budget is shared). */
	render_with_value("Subject: {{note}}\n\nb", PD_MAX_RENDERED + 1, 0, &error);
	g_free(error);
}

static void test_subject_truncated(void **state)
{
	struct template *tpl = NULL;
	char *error = NULL, *subject = NULL, *body = NULL;
	GString *value = g_string_new(NULL);

	/* 2-byte characters: the cut must land on a character boundary. */
	for (int i = 0; i < 600; i++)
		g_string_append(value, "\xc3\xa9");
	GHashTable *vars = vars_new((const char *const[]){ "name", value->str, NULL });
	assert_int_equal(template_parse("t", "Subject: x{{name}}\n\nb", allowed, &tpl, &error), 1);
	assert_int_equal(template_render(tpl, vars, &subject, &body, &error), 1);
	assert_true(strlen(subject) <= PD_MAX_SUBJECT);
	assert_true(strlen(subject) >= PD_MAX_SUBJECT - 1);
	assert_true(g_utf8_validate(subject, -1, NULL));
	g_free(subject);
	g_free(body);
	g_hash_table_unref(vars);
	g_string_free(value, TRUE);
	template_free(&tpl);
}

static void test_load(void **state)
{
	char path[] = "/tmp/pdgate-test-template-XXXXXX";
	int fd = mkstemp(path);
	struct template *tpl = NULL;
	char *error = NULL;
	static const char text[] = "Subject: x\n\n{{nope}}\n";

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fd);
	assert_int_equal(template_load(path, allowed, &tpl, &error), 0);
	char *want = g_strdup_printf("%s:3: unknown placeholder {{nope}}", path);
	assert_string_equal(error, want);
	g_free(want);
	g_free(error);
	error = NULL;
	unlink(path);
	assert_int_equal(template_load(path, allowed, &tpl, &error), 0);
	assert_non_null(error);
	assert_null(tpl);
	g_free(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_too_many_errors),
		cmocka_unit_test(test_render_cases),
		cmocka_unit_test(test_render_null_vars),
		cmocka_unit_test(test_render_empty_subject),
		cmocka_unit_test(test_render_oversize),
		cmocka_unit_test(test_subject_truncated),
		cmocka_unit_test(test_load),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
