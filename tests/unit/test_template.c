/* Unit tests for template: parse errors with exact lines, blocks, whole-line tag removal,
   literal braces, value injection, limits, lists ({{#each}}) and the HTML part. Pure: no files
   except one template_load case; one case goes on through mime_compose and mime_parse. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "template.h"

/* Two lists: deadlines, and people whose "name" field shadows the variable "name". */
static const char *const allowed[] = {
	"reference", "name", "note", "team", "a", "b",
	"deadlines[]", "deadlines.kind_words", "deadlines.date", "deadlines.days_left",
	"people[]", "people.name", "people.role", NULL
};

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
	{ "Subject: x\n\n{{#for a}}\n", "t:3: unknown tag {{#for a}}" },
	{ "Subject: x\n\n{{#each}}\n", "t:3: unknown tag {{#each}}" },
	/* Lists: each kind of mistake, with its line. */
	{ "Subject: x\n\n{{#each nobody}}\n{{/each}}\n", "t:3: unknown list {{#each nobody}}" },
	{ "Subject: x\n\n{{#each a}}{{/each}}\n", "t:3: unknown list {{#each a}}" },
	{ "Subject: x\n\n{{#each Deadlines}}{{/each}}\n",
	  "t:3: bad list name \"Deadlines\" (use a-z, 0-9 and _)" },
	{ "Subject: x\n\n{{#each deadlines}}\n{{date}} {{colour}}\n{{/each}}\n",
	  "t:4: unknown field {{colour}} in {{#each deadlines}}" },
	{ "Subject: x\n\n{{#each deadlines}}\n{{#if colour}}c{{/if}}\n{{/each}}\n",
	  "t:4: unknown field {{colour}} in {{#each deadlines}}" },
	{ "Subject: x\n\nDue {{date}}\n",
	  "t:3: {{date}} is a field of deadlines[], usable only inside {{#each deadlines}}" },
	{ "Subject: {{#if days_left}}soon{{/if}}\n\nb\n",
	  "t:1: {{days_left}} is a field of deadlines[], usable only inside {{#each deadlines}}" },
	{ "Subject: x\n\n{{#each deadlines}}{{date}}{{/each}}\nthen {{date}}\n",
	  "t:4: {{date}} is a field of deadlines[], usable only inside {{#each deadlines}}" },
	{ "Subject: x\n\n{{#each people}}\n{{role}} {{date}}\n{{/each}}\n",
	  "t:4: {{date}} is a field of deadlines[], usable only inside {{#each deadlines}}" },
	{ "Subject: x\n\n{{deadlines}}\n", "t:3: unknown placeholder {{deadlines}}" },
	{ "Subject: x\n\n{{#each deadlines}}\n{{#each people}}\n{{/each}}\n{{/each}}\n",
	  "t:4: {{#each people}} inside {{#each deadlines}} (lists do not nest)" },
	{ "Subject: x\n\nA\n{{#each deadlines}}\n{{date}}\n", "t:4: unclosed {{#each deadlines}}" },
	{ "Subject: {{#each deadlines}}{{date}}\n\nb\n", "t:1: unclosed {{#each deadlines}}" },
	{ "Subject: x\n\nA\n{{/each}}\n", "t:4: {{/each}} without {{#each}}" },
	{ "Subject: x\n\n{{#if a}}{{/each}}{{/if}}\n", "t:3: {{/each}} without {{#each}}" },
	{ "Subject: x\n\n{{#each deadlines}}{{#if date}}\n{{/each}}\n{{/if}}{{/each}}\n",
	  "t:4: {{/each}} inside {{#if date}}: close that first" },
	{ "Subject: x\n\n{{#if a}}{{#each deadlines}}\n{{/if}}\n{{/each}}{{/if}}\n",
	  "t:4: {{/if}} inside {{#each deadlines}}: close that first" },
	{ "Subject: x\n\n{{#each deadlines}}\n{{else}}\n{{/each}}\n",
	  "t:4: {{else}} inside {{#each deadlines}} (only {{#if}} has one)" },
	/* The HTML part: a part of its own (blocks close inside it), checked like the body. */
	{ "Subject: x\n\n{{#each deadlines}}\n--- html ---\n<p>x</p>\n{{/each}}\n",
	  "t:3: unclosed {{#each deadlines}}\nt:6: {{/each}} without {{#each}}" },
	{ "Subject: x\n\nA\n--- html ---\n<p>{{nobody}}</p>\n", "t:5: unknown placeholder {{nobody}}" },
	{ "Subject: x\n\nA\n--- html ---\n<p>{{#each deadlines}}{{colour}}{{/each}}</p>\n",
	  "t:5: unknown field {{colour}} in {{#each deadlines}}" },
	{ "Subject: x\n\nA\n--- html ---\n<p>A</p>\n--- html ---\nB\n",
	  "t:6: second \"--- html ---\" line" },
	{ "Subject: x\n\nA\n--- html ---\n", "t:4: empty HTML part after \"--- html ---\"" },
	{ "Subject: x\n\nA\n--- html ---", "t:4: empty HTML part after \"--- html ---\"" },
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
	/* mime_compose refuses control characters in a Subject: the template's own text must
	   not carry one (tests/fuzz/regressions/template/subject-control). Tab is allowed. */
	{ "Subject: A fee for your r\x0f\x0f" "equest\n\nbody\n",
	  "t:1: control character in the Subject" },
	{ "Subject: a\rb\n\nbody\n", "t:1: control character in the Subject" },
	{ "Subject: x \xc2\x85 y\n\nbody\n", "t:1: control character in the Subject" },
	{ "Subject: \x1b[1mBold\t{{bad}}\n\nbody\n", "t:1: control character in the Subject" },
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

/* ---- lists and the HTML part ---- */

/* One template rendered with a list of 0, 1 and 3 rows, text and HTML, plus the list in the
   Subject (folded like any value) and a row field in {{#if}}. */
static const char deadlines_template[] =
	"Subject: {{reference}}: {{#each deadlines}}{{kind_words}}; {{/each}}\n"
	"\n"
	"Deadlines for {{name}}:\n"
	"{{#each deadlines}}\n"
	"- {{kind_words}} by {{date}}{{#if days_left}} ({{days_left}} days left){{/if}} [{{reference}}]\n"
	"{{/each}}\n"
	"End.\n"
	"--- html ---\n"
	"<ul>\n"
	"  {{#each deadlines}}\n"
	"  <li>{{kind_words}}: {{date}}</li>\n"
	"  {{/each}}\n"
	"</ul>\n";

/* Shadowing: the row's "name" wins inside the block, even when the row lacks it; other
   variables stay visible; outside, "name" is the variable again. */
static const char people_template[] =
	"Subject: {{name}}\n"
	"\n"
	"{{name}}\n"
	"{{#each people}}\n"
	"{{#if name}}{{name}}{{else}}anon{{/if}} ({{role}}) of {{team}}\n"
	"{{/each}}\n"
	"{{name}}\n";

struct list_case {
	const char *template;
	const char *vars[8];     /* name, value pairs, NULL-terminated */
	const char *list;        /* the list's name, NULL: no lists table at all */
	int n_rows;              /* -1: list absent from the table */
	const char *rows[3][8];  /* field, value pairs per row, NULL-terminated */
	const char *subject, *text, *html; /* html NULL: template has no HTML part */
};

static const struct list_case list_cases[] = {
	{ deadlines_template, { "reference", "PD-1", "name", "Ann", NULL }, "deadlines", 0, { { NULL } },
	  "PD-1:", "Deadlines for Ann:\nEnd.\n", "<ul>\n</ul>\n" },
	{ deadlines_template, { "reference", "PD-1", "name", "Ann", NULL }, NULL, -1, { { NULL } },
	  "PD-1:", "Deadlines for Ann:\nEnd.\n", "<ul>\n</ul>\n" },
	{ deadlines_template, { "reference", "PD-1", "name", "Ann", NULL }, "people", -1, { { NULL } },
	  "PD-1:", "Deadlines for Ann:\nEnd.\n", "<ul>\n</ul>\n" },
	{ deadlines_template, { "reference", "PD-1", "name", "Ann", NULL }, "deadlines", 1,
	  { { "kind_words", "access", "date", "1 May 2026", "days_left", "3", NULL } },
	  "PD-1: access;",
	  "Deadlines for Ann:\n- access by 1 May 2026 (3 days left) [PD-1]\nEnd.\n",
	  "<ul>\n  <li>access: 1 May 2026</li>\n</ul>\n" },
	{ deadlines_template, { "reference", "PD-1", "name", "Ann", NULL }, "deadlines", 3,
	  { { "kind_words", "access", "date", "1 May 2026", "days_left", "3", NULL },
	    { "kind_words", "erasure & rectification", "date", "2 May", "days_left", "", NULL },
	    { "kind_words", "line\r\nbreak", "date", "3 May", NULL } },
	  "PD-1: access; erasure & rectification; line break;",
	  "Deadlines for Ann:\n- access by 1 May 2026 (3 days left) [PD-1]\n"
	  "- erasure & rectification by 2 May [PD-1]\n- line\nbreak by 3 May [PD-1]\nEnd.\n",
	  "<ul>\n  <li>access: 1 May 2026</li>\n  <li>erasure &amp; rectification: 2 May</li>\n"
	  "  <li>line\nbreak: 3 May</li>\n</ul>\n" },
	{ people_template, { "name", "Outer", "team", "Disclosure", NULL }, "people", 3,
	  { { "name", "Rita", "role", "lead", NULL }, { "role", "clerk", NULL },
	    { "name", "", "role", "temp", NULL } },
	  "Outer",
	  "Outer\nRita (lead) of Disclosure\nanon (clerk) of Disclosure\nanon (temp) of Disclosure\n"
	  "Outer\n",
	  NULL },
	/* HTML escaping: values are text in element content and in attributes; the template's
	   own markup and the text part are untouched; {{{{ works in HTML too. */
	{ "Subject: Re: {{name}}\n\nDear {{name}}, {{note}}\n--- html ---\n"
	  "<p title=\"{{note}}\">Dear <b>{{name}}</b>, {{note}} {{{{x}}</p>\n",
	  { "name", "<script>alert('x')</script>", "note", "Tom & \"Jerry\" 'O'Brien' &amp;", NULL },
	  NULL, -1, { { NULL } },
	  "Re: <script>alert('x')</script>",
	  "Dear <script>alert('x')</script>, Tom & \"Jerry\" 'O'Brien' &amp;\n",
	  "<p title=\"Tom &amp; &quot;Jerry&quot; &#39;O&#39;Brien&#39; &amp;amp;\">Dear "
	  "<b>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</b>, Tom &amp; &quot;Jerry&quot; "
	  "&#39;O&#39;Brien&#39; &amp;amp; {{x}}</p>\n" },
	/* Injection through the Subject is folded; the bodies keep the line as text. */
	{ "Subject: Re: {{name}}\n\n{{name}}\n--- html ---\n<p>{{name}}</p>\n",
	  { "name", "x\r\nBcc: x@y", NULL }, NULL, -1, { { NULL } },
	  "Re: x Bcc: x@y", "x\nBcc: x@y\n", "<p>x\nBcc: x@y</p>\n" },
	/* A template may end its text without a newline before the separator line; CRLF files
	   split the same way; only the exact line separates. */
	{ "Subject: x\r\n\r\nA\r\n--- html ---\r\n<p>A</p>\r\n", { NULL }, NULL, -1, { { NULL } },
	  "x", "A\n", "<p>A</p>\n" },
	{ "Subject: x\n\n--- html --- \n -- html --\n--- HTML ---\n", { NULL }, NULL, -1, { { NULL } },
	  "x", "--- html --- \n -- html --\n--- HTML ---\n", NULL },
	{ "Subject: x\n\n--- html ---\n<p>only HTML</p>", { NULL }, NULL, -1, { { NULL } },
	  "x", "", "<p>only HTML</p>" },
};

/* lists: { c->list: [rows...] } built from the case; rows borrow the case's strings. */
static GHashTable *lists_new(const struct list_case *c)
{
	GHashTable *lists;
	GPtrArray *rows;

	if (c->list == NULL)
		return NULL;
	lists = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
				      (GDestroyNotify)g_ptr_array_unref);
	if (c->n_rows < 0)
		return lists;
	rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
	for (int i = 0; i < c->n_rows; i++)
		g_ptr_array_add(rows, vars_new(c->rows[i]));
	g_hash_table_insert(lists, (gpointer)c->list, rows);
	return lists;
}

static void check_list_case(size_t i, const struct list_case *c, const struct template_output *o)
{
	if (strcmp(o->subject, c->subject) != 0 || strcmp(o->text, c->text) != 0)
		fail_msg("case %zu: got [%s] [%s], want [%s] [%s]", i, o->subject, o->text,
			 c->subject, c->text);
	if (c->html == NULL && o->html != NULL)
		fail_msg("case %zu: html [%s], want none", i, o->html);
	if (c->html != NULL && (o->html == NULL || strcmp(o->html, c->html) != 0))
		fail_msg("case %zu: html [%s], want [%s]", i, o->html ? o->html : "(null)", c->html);
	assert_null(strpbrk(o->subject, "\r\n\t"));
	assert_null(strchr(o->text, '\r'));
	assert_true(o->html == NULL || strchr(o->html, '\r') == NULL);
}

static void test_render_lists_and_html(void **state)
{
	for (size_t i = 0; i < G_N_ELEMENTS(list_cases); i++) {
		const struct list_case *c = &list_cases[i];
		struct template *tpl = NULL;
		struct template_output out;
		char *error = NULL;
		if (template_parse("t", c->template, allowed, &tpl, &error) != 1)
			fail_msg("case %zu: parse: %s", i, error);
		struct template_values v = { .vars = vars_new(c->vars), .lists = lists_new(c) };
		if (template_render_values(tpl, &v, &out, &error) != 1)
			fail_msg("case %zu: render: %s", i, error);
		check_list_case(i, c, &out);
		template_output_clear(&out);
		assert_null(out.subject);
		template_output_clear(&out); /* idempotent */
		g_hash_table_unref(v.vars);
		if (v.lists != NULL)
			g_hash_table_unref(v.lists);
		template_free(&tpl);
	}
}

/* template_render is template_render_values without lists, the HTML part ignored. */
static void test_render_legacy_with_new_syntax(void **state)
{
	struct template *tpl = NULL;
	char *error = NULL, *subject = NULL, *body = NULL;
	GHashTable *vars = vars_new((const char *const[]){ "reference", "PD-9", "name", "Bo", NULL });
	struct template_output out;

	assert_int_equal(template_parse("t", deadlines_template, allowed, &tpl, &error), 1);
	assert_int_equal(template_render(tpl, vars, &subject, &body, &error), 1);
	assert_string_equal(subject, "PD-9:");
	assert_string_equal(body, "Deadlines for Bo:\nEnd.\n");
	assert_int_equal(template_render_values(tpl, NULL, &out, &error), 1);
	assert_string_equal(out.subject, ":"); /* no values at all */
	assert_string_equal(out.text, "Deadlines for :\nEnd.\n");
	assert_string_equal(out.html, "<ul>\n</ul>\n");
	template_output_clear(&out);
	template_output_clear(NULL);
	g_free(subject);
	g_free(body);
	g_hash_table_unref(vars);
	template_free(&tpl);
}

/* Render text with one variable note = count copies of unit; returns the render result. */
static int render_note(const char *text, const char *unit, size_t count, GPtrArray *rows,
		       char **error_r)
{
	struct template *tpl = NULL;
	struct template_output out;
	GString *note = g_string_new(NULL);
	int ret;

	for (size_t i = 0; i < count; i++)
		g_string_append(note, unit);
	GHashTable *vars = vars_new((const char *const[]){ "note", note->str, NULL });
	GHashTable *lists = g_hash_table_new(g_str_hash, g_str_equal);
	g_hash_table_insert(lists, "deadlines", rows);
	struct template_values v = { .vars = vars, .lists = lists };
	assert_int_equal(template_parse("t", text, allowed, &tpl, error_r), 1);
	ret = template_render_values(tpl, &v, &out, error_r);
	if (ret == 0)
		assert_null(out.subject);
	template_output_clear(&out);
	g_hash_table_unref(lists);
	g_hash_table_unref(vars);
	g_string_free(note, TRUE);
	template_free(&tpl);
	return ret;
}

/* Many rows, or HTML escaping that multiplies a value, still stop at PD_MAX_RENDERED. */
static void test_render_values_oversize(void **state)
{
	GHashTable *row = vars_new((const char *const[]){ "date", "1 January 2026", NULL });
	GPtrArray *rows = g_ptr_array_new();
	char *error = NULL;

	for (size_t i = 0; i < PD_MAX_RENDERED / 10; i++)
		g_ptr_array_add(rows, row);
	assert_int_equal(render_note("Subject: x\n\n{{#each deadlines}}{{date}}\n{{/each}}",
				     "", 0, rows, &error), 0);
	assert_string_equal(error, "rendered notice is larger than 262144 bytes");
	g_clear_pointer(&error, g_free);
	/* An empty block repeated any number of times renders nothing and fits. */
	assert_int_equal(render_note("Subject: x\n\n{{#each deadlines}}{{/each}}", "", 0, rows,
				     &error), 1);
	g_ptr_array_set_size(rows, 0);
	/* 60,000 "&" fit as text, but not as 300,000 bytes of "&amp;". */
	assert_int_equal(render_note("Subject: x\n\n{{note}}\n--- html ---\n{{note}}", "&", 60000,
				     rows, &error), 0);
	assert_string_equal(error, "rendered notice is larger than 262144 bytes");
	g_clear_pointer(&error, g_free);
	assert_int_equal(render_note("Subject: x\n\n{{note}}\n--- html ---\n{{note}}", "&", 50000,
				     rows, &error), 1);
	g_ptr_array_unref(rows);
	g_hash_table_unref(row);
}

/* Every line of raw ends CRLF and holds at most 998 octets before it. */
static void assert_lines_short(const char *raw)
{
	for (const char *line = raw, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		assert_true(nl > line && nl[-1] == '\r');
		assert_true(nl - 1 - line <= 998);
	}
}

/* Rendered values through compose and parse: the subject is one RFC 2047 line, nothing a
   value holds becomes a header or a MIME boundary, long lines are wrapped. */
static void test_render_then_compose(void **state)
{
	static const char text[] =
		"Subject: Re: {{name}}\n\nDear {{name}},\n{{note}}\n--- html ---\n<p>{{note}}</p>\n";
	GString *note = g_string_new("--==boundary\nContent-Type: text/html\n\n<b>x</b>\n"
				     "--==boundary--\n--=-\n");
	struct template *tpl = NULL;
	struct template_output out;
	struct mime_message *m = NULL;
	char *error = NULL, *raw = NULL;
	size_t len = 0;

	for (int i = 0; i < 3000; i++)
		g_string_append_c(note, 'w'); /* one 3,000-octet word */
	GHashTable *vars = vars_new((const char *const[]){
		"name", "Zo\xc3\xab \xc3\x93 Briain\r\nBcc: x@y", "note", note->str, NULL });
	struct template_values v = { .vars = vars };
	assert_int_equal(template_parse("t", text, allowed, &tpl, &error), 1);
	assert_int_equal(template_render_values(tpl, &v, &out, &error), 1);
	struct mime_notice n = {
		.from_addr = "disclosure@police.example", .to_addr = "zoe@example.org",
		.subject = out.subject, .body_text = out.text, .message_id = "n.1@police.example",
		.date = 1700000000, .body_html = out.html,
	};
	assert_int_equal(mime_compose(&n, &raw, &len, &error), 1);
	assert_lines_short(raw);
	/* The bodies do have a "Bcc: x@y" line, as text; the header block must not. */
	char *headers = g_strndup(raw, (gsize)(strstr(raw, "\r\n\r\n") - raw));
	assert_null(strcasestr(headers, "\nBcc:"));
	g_free(headers);
	assert_non_null(strcasestr(raw, "Subject: Re: =?utf-8?"));
	assert_int_equal(mime_parse(raw, len, &m, &error), 1);
	assert_string_equal(m->subject, "Re: Zo\xc3\xab \xc3\x93 Briain Bcc: x@y");
	assert_string_equal(m->content_type, "multipart/alternative");
	assert_string_equal(m->body_text, out.text);
	assert_int_equal(m->n_attachments, 0);
	assert_null(m->defects);
	mime_message_free(&m);
	g_free(raw);
	template_output_clear(&out);
	g_hash_table_unref(vars);
	g_string_free(note, TRUE);
	template_free(&tpl);
}

static int group_setup(void **state)
{
	mime_init();
	return 0;
}

static int group_teardown(void **state)
{
	mime_deinit();
	return 0;
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
		cmocka_unit_test(test_render_lists_and_html),
		cmocka_unit_test(test_render_legacy_with_new_syntax),
		cmocka_unit_test(test_render_values_oversize),
		cmocka_unit_test(test_render_then_compose),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
