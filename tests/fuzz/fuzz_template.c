/* libFuzzer target: the notice templates (src/template/template.c). Arbitrary template text is
   parsed with the placeholder names the gateway really allows (the case notices', else the
   digest's), then rendered with a fixed set of values: every variable set (some empty, some
   with line breaks, control characters and HTML), every list with rows. Promises checked
   (template.h): the subject is one clean line, the bodies are UTF-8, a value inserted into
   the HTML part is escaped, the old template_render agrees with the new one, and what
   renders can be sent: mime_compose accepts it (as the gateway's notices use it) and
   mime_parse reads the same subject back. */
#include "fuzz.h"

#include "gateway.h"
#include "mime.h"
#include "pd-limits.h"
#include "template.h"

/* A value no template is expected to contain: found raw in the HTML, it was not escaped. */
#define MARK "<q7x&\">"
static const char *const samples[] = {
	"PD-2026-000123", "", "line one\nline two\r\nthree", "tab\there \x01\x1b[31m bell\x07",
	"caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80", MARK, "{{reference}} {{#if x}}",
};
static GHashTable *vars, *lists;

static void add_names(const char *const *names)
{
	unsigned i = 0;

	for (const char *const *n = names; *n != NULL; n++, i++) {
		const char *dot = strchr(*n, '.');
		size_t len = strlen(*n);

		if (len > 2 && strcmp(*n + len - 2, "[]") == 0) {
			char *list = g_strndup(*n, len - 2);
			if (g_hash_table_lookup(lists, list) == NULL)
				g_hash_table_insert(lists, list, g_ptr_array_new_with_free_func(
					(GDestroyNotify)g_hash_table_unref));
			else
				g_free(list);
		} else if (dot == NULL) {
			g_hash_table_insert(vars, g_strdup(*n),
					    g_strdup(samples[i % G_N_ELEMENTS(samples)]));
		}
	}
	/* Two rows per list, each field set: the second row differently. */
	for (const char *const *n = names; *n != NULL; n++, i++) {
		const char *dot = strchr(*n, '.');
		char *list;
		GPtrArray *rows;

		if (dot == NULL)
			continue;
		list = g_strndup(*n, (gsize)(dot - *n));
		rows = g_hash_table_lookup(lists, list);
		g_free(list);
		if (rows == NULL)
			continue;
		while (rows->len < 2)
			g_ptr_array_add(rows, g_hash_table_new_full(g_str_hash, g_str_equal,
								    g_free, g_free));
		for (guint r = 0; r < rows->len; r++)
			g_hash_table_insert(rows->pdata[r], g_strdup(dot + 1),
					    g_strdup(samples[(i + r) % G_N_ELEMENTS(samples)]));
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mime_init();
	vars = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	lists = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				      (GDestroyNotify)g_ptr_array_unref);
	add_names(gateway_notice_vars);
	add_names(gateway_digest_vars);
	return 0;
}

/* A rendered notice must compose: `templates check` passing a template whose every notice
   then fails in mime_compose is the bug this target first found. */
static void compose(const struct template_output *out)
{
	const struct mime_notice n = {
		.from_name = "Public Disclosure Team", .from_addr = "disclosure@police.example.uk",
		.to_addr = "jo@example.org", .subject = out->subject, .body_text = out->text,
		.body_html = out->html, .message_id = "PD-2026-000123.x.1@police.example.uk",
		.date = 1780000000,
	};
	struct mime_message *m = NULL;
	char *raw = NULL, *error = NULL;
	size_t len = 0;

	FUZZ_REQUIRE(mime_compose(&n, &raw, &len, &error), "rendered, but mime_compose: %s",
		     error);
	FUZZ_REQUIRE(mime_parse(raw, len, &m, &error), "composed, but mime_parse: %s", error);
	FUZZ_REQUIRE(g_strcmp0(m->subject, out->subject) == 0, "subject [%s] reads back as [%s]",
		     out->subject, m->subject);
	mime_message_free(&m);
	g_free(raw);
}

static void render(const struct template *tpl, const char *text)
{
	const struct template_values v = { .vars = vars, .lists = lists };
	struct template_output out;
	char *error = NULL, *subject = NULL, *body = NULL;
	int ok = template_render_values(tpl, &v, &out, &error);

	if (ok) {
		FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
		FUZZ_REQUIRE(out.subject != NULL && *out.subject != '\0' &&
			     fuzz_clean_text(out.subject, PD_MAX_RENDERED, 0),
			     "subject not one clean line: %.200s", out.subject);
		FUZZ_REQUIRE(out.text != NULL && g_utf8_validate(out.text, -1, NULL),
			     "text body not UTF-8");
		FUZZ_REQUIRE(out.html == NULL || g_utf8_validate(out.html, -1, NULL),
			     "HTML body not UTF-8");
		FUZZ_REQUIRE(out.html == NULL || strstr(text, MARK) != NULL ||
			     strstr(out.html, MARK) == NULL, "a value reached the HTML unescaped");
		compose(&out);
	} else {
		FUZZ_REQUIRE(error != NULL, "failure without an error");
		g_clear_pointer(&error, g_free);
	}
	/* The plain renderer: same subject and same text, except that it renders no list
	   rows, so only the subject is compared. */
	if (template_render(tpl, vars, &subject, &body, &error)) {
		FUZZ_REQUIRE(fuzz_clean_text(subject, PD_MAX_RENDERED, 0), "render subject");
		FUZZ_REQUIRE(!ok || strcmp(subject, out.subject) == 0 ||
			     strstr(text, "{{#each") != NULL,
			     "subjects differ: [%s] [%s]", subject, out.subject);
		g_free(subject);
		g_free(body);
	}
	g_free(error);
	template_output_clear(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const *const allowed[] = { gateway_notice_vars, gateway_digest_vars };
	char *text = fuzz_strndup(data, size);

	for (size_t i = 0; i < G_N_ELEMENTS(allowed); i++) {
		struct template *tpl = NULL;
		char *error = NULL;

		if (template_parse("fuzz", text, allowed[i], &tpl, &error)) {
			FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
			render(tpl, text);
			template_free(&tpl);
			break;
		}
		FUZZ_REQUIRE(tpl == NULL && error != NULL, "failure without an error");
		g_free(error);
	}
	g_free(text);
	return 0;
}
