/* Small helpers shared by the unit tests. Include after <cmocka.h> (the checks use its asserts).
   Everything is static and marked unused so each test includes only what it needs. */
#ifndef PDGATE_TESTUTIL_H
#define PDGATE_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "lifecycle.h"

#define TU_UNUSED __attribute__((unused))

/* The real-world corpora nobody here wrote: ../shared/corpora, or $PDGATE_CORPORA; `sub` a
   folder inside (may be NULL). g_malloc'd. A fresh clone has no ../shared: tests skip, and
   say so, when the folder is absent. */
static TU_UNUSED char *tu_corpora_path(const char *sub)
{
	const char *env = g_getenv("PDGATE_CORPORA");
	const char *root = env != NULL && env[0] != '\0' ? env : "../shared/corpora";
	return g_build_filename(root, sub, NULL);
}
/* CPython's e-mail test messages (Debian's libpython3.11-testsuite). */
#define TU_CPYTHON_EMAIL_DATA "/usr/lib/python3.11/test/test_email/data"

/* Whole file as a NUL-terminated g_malloc'd buffer, or NULL. */
TU_UNUSED static char *tu_read_file(const char *path, size_t *len_r)
{
	char *data = NULL;
	gsize len = 0;

	if (!g_file_get_contents(path, &data, &len, NULL))
		return NULL;
	*len_r = len;
	return data;
}

/* s is NULL, or non-empty valid UTF-8 of at most max bytes with no control characters
   (\t always allowed, \n when newlines). */
TU_UNUSED static void tu_assert_clean(const char *s, size_t max, int newlines)
{
	if (s == NULL)
		return;
	assert_true(g_utf8_validate(s, -1, NULL));
	assert_true(strlen(s) <= max);
	for (const char *p = s; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);
		assert_false(c == '\r' || c == 0x7f || (c >= 0x80 && c < 0xa0));
		assert_false(c < 0x20 && c != '\t' && !(newlines && c == '\n'));
	}
}

#if defined(PDGATE_MIME_H) && defined(PDGATE_LIMITS_H)
/* Everything mime.h promises about a parsed message. */
TU_UNUSED static void tu_assert_mime_message(const struct mime_message *m)
{
	const char *strings[] = { m->from_name, m->from_addr, m->reply_to_addr, m->to, m->subject,
				  m->date_header, m->message_id, m->in_reply_to, m->defects };

	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		tu_assert_clean(strings[i], PD_MAX_HEADER_VALUE, 0);
		assert_true(strings[i] == NULL || strings[i][0] != '\0');
	}
	tu_assert_clean(m->subject, PD_MAX_SUBJECT, 0);
	tu_assert_clean(m->from_name, PD_MAX_NAME, 0);
	assert_true(m->from_addr == NULL || strlen(m->from_addr) <= PD_MAX_ADDRESS);
	assert_true(m->from_addr == NULL || strchr(m->from_addr, '@') != NULL);
	assert_true(m->from_addr == NULL || strchr(m->from_addr, ' ') == NULL);
	assert_non_null(m->content_type);
	assert_non_null(strchr(m->content_type, '/'));
	tu_assert_clean(m->body_text, PD_MAX_BODY_TEXT, 1);
	assert_true(m->body_text == NULL || m->body_text[0] != '\0');
	for (size_t i = 0; m->references != NULL && m->references[i] != NULL; i++) {
		assert_true(i < PD_MAX_REFERENCES);
		tu_assert_clean(m->references[i], PD_MAX_MESSAGE_ID, 0);
		assert_null(strchr(m->references[i], ' '));
	}
	assert_true(m->n_attachments <= PD_MAX_ATTACHMENTS);
	for (size_t i = 0; i < m->n_attachments; i++) {
		tu_assert_clean(m->attachments[i].filename, PD_MAX_NAME, 0);
		assert_true(m->attachments[i].filename == NULL ||
			    (strchr(m->attachments[i].filename, '/') == NULL &&
			     strchr(m->attachments[i].filename, '\\') == NULL));
		assert_non_null(m->attachments[i].content_type);
	}
	assert_true(m->n_headers <= PD_MAX_HEADERS);
	for (size_t i = 0; i < m->n_headers; i++) {
		tu_assert_clean(m->headers[i].name, PD_MAX_HEADER_VALUE, 0);
		assert_non_null(m->headers[i].value);
		tu_assert_clean(m->headers[i].value, PD_MAX_HEADER_VALUE, 0);
	}
}
#endif

/* A day from "YYYY-MM-DD"; NULL or "-" is a cleared date. A bad string fails the test. */
TU_UNUSED static GDate tu_date(const char *s)
{
	GDate d;

	g_date_clear(&d, 1);
	if (s != NULL && strcmp(s, "-") != 0 && !clock_date_parse(s, &d))
		fail_msg("bad date in test: %s", s);
	return d;
}

/* got is the day want ("YYYY-MM-DD", or "-" for cleared), else the test fails naming what. */
TU_UNUSED static void tu_assert_date(const char *what, const char *case_name, const GDate *got,
				     const char *want)
{
	char buf[11];

	if (strcmp(clock_date_iso(got, buf), want) != 0)
		fail_msg("%s: %s: expected %s, got %s", case_name, what, want, buf);
}

/* The shipped deadline table, from the top of the tree (as run-all.sh runs tests), else
   relative to this file; NULL (with the errors printed) when it does not load. */
TU_UNUSED static struct clock_table *tu_load_deadlines(void)
{
	char *dir = g_path_get_dirname(__FILE__);
	char *alt = g_build_filename(dir, "..", "..", "rules", "deadlines.tsv", NULL);
	const char *path = g_file_test("rules/deadlines.tsv", G_FILE_TEST_EXISTS) ?
			   "rules/deadlines.tsv" : alt;
	struct clock_table *table = NULL;
	char *error = NULL;

	if (!clock_table_load(path, &table, &error)) {
		fprintf(stderr, "%s\n", error);
		g_free(error);
	}
	g_free(alt);
	g_free(dir);
	return table;
}

/* The shipped exemptions (rules/exemptions.tsv), found as the deadlines are; NULL (errors
   printed) when it does not load. */
TU_UNUSED static struct case_exemptions *tu_load_exemptions(void)
{
	char *dir = g_path_get_dirname(__FILE__);
	char *alt = g_build_filename(dir, "..", "..", "rules", "exemptions.tsv", NULL);
	const char *path = g_file_test("rules/exemptions.tsv", G_FILE_TEST_EXISTS) ?
			   "rules/exemptions.tsv" : alt;
	struct case_exemptions *x = NULL;
	char *text = NULL, *error = NULL;

	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    !case_exemptions_load(text, path, &x, &error)) {
		fprintf(stderr, "%s: %s\n", path, error != NULL ? error : "not readable");
		g_free(error);
	}
	g_free(text);
	g_free(alt);
	g_free(dir);
	return x;
}

/* Group setup/teardown for the tests that compute with the shipped table (and cite the
   shipped exemptions). */
TU_UNUSED static struct clock_table *tu_shipped;
TU_UNUSED static struct case_exemptions *tu_exemptions;

TU_UNUSED static int tu_load_shipped(void **state)
{
	(void)state;
	tu_shipped = tu_load_deadlines();
	tu_exemptions = tu_load_exemptions();
	return tu_shipped != NULL && tu_exemptions != NULL ? 0 : -1;
}

TU_UNUSED static int tu_free_shipped(void **state)
{
	(void)state;
	clock_table_free(&tu_shipped);
	case_exemptions_free(&tu_exemptions);
	return 0;
}

#if defined(PDGATE_GATEWAY_H) && defined(PDGATE_CONFIG_H)
/* A gateway over a fresh store in a temporary folder (dir_template: g_dir_make_tmp's), with
   the project's templates, rules and deadline table; `extra` is appended to the config (may be
   ""). Free everything, folder included, with tu_gateway_close. */
struct tu_gateway {
	char *dir;
	struct config *config;
	struct gateway *gw;
};

static TU_UNUSED struct tu_gateway *tu_gateway_open(const char *dir_template, const char *extra)
{
	struct tu_gateway *t = g_new0(struct tu_gateway, 1);
	char *error = NULL, *cwd = g_get_current_dir();
	t->dir = g_dir_make_tmp(dir_template, NULL);
	char *conf = g_strdup_printf(
		"[imap]\nhost = 127.0.0.1\nuser = d\npassword_file = pw\n"
		"[smtp]\nhost = 127.0.0.1\nfrom = disclosure@pdgate.test\n"
		"[store]\ndatabase = pd.db\nspool = spool\n"
		"[gateway]\ntemplates = %s/templates\nrules = %s/rules/pdgate.rules\n"
		"deadlines = %s/rules/deadlines.tsv\n%s", cwd, cwd, cwd, extra);
	char *path = g_build_filename(t->dir, "pdgate.conf", NULL);
	if (t->dir == NULL || !g_file_set_contents(path, conf, -1, NULL) ||
	    config_load(path, &t->config, &error) != 1 ||
	    gateway_init(t->config, 0, &t->gw, &error) != 1) {
		fprintf(stderr, "test gateway: %s\n", error != NULL ? error : "cannot set up");
		abort();
	}
	g_free(conf);
	g_free(path);
	g_free(cwd);
	return t;
}

static TU_UNUSED void tu_gateway_close(struct tu_gateway *t)
{
	gateway_deinit(&t->gw);
	config_free(&t->config);
	char *cmd = g_strdup_printf("rm -rf '%s'", t->dir);
	if (system(cmd) != 0)
		abort();
	g_free(cmd);
	g_free(t->dir);
	g_free(t);
}
#endif

#endif
