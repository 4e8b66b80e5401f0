/* Runs mime_parse over real-world mail nobody on this project wrote: ../shared/corpora (or
   $PDGATE_CORPORA) and CPython's e-mail test data when installed. Every file must parse, or be
   rejected with an error: never crash, never break a promise of mime.h. Skips when absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "core.h"
#include "pd-limits.h"
#include "mime.h"
#include "testutil.h"


struct counts {
	unsigned parsed;
	unsigned rejected;
};

static int skip_name(const char *name)
{
	return name[0] == '.' || g_str_has_prefix(name, "LICENSE") ||
	       g_str_has_prefix(name, "README") || g_str_has_prefix(name, "COPYING");
}

static void parse_file(const char *path, struct counts *c)
{
	struct mime_message *m = NULL;
	char *data = NULL, *error = NULL;
	size_t len = 0;
	int ret;

	data = tu_read_file(path, &len);
	if (data == NULL)
		return;
	ret = mime_parse(data, len, &m, &error);
	if (ret == 1) {
		assert_null(error);
		tu_assert_mime_message(m);
		c->parsed++;
	} else {
		if (ret != 0 || m != NULL || error == NULL)
			fail_msg("%s: ret %d without an error", path, ret);
		c->rejected++;
	}
	mime_message_free(&m);
	g_free(error);
	g_free(data);
}

static void walk_dir(const char *dir, struct counts *c)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		if (skip_name(name))
			;
		else if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			;
		else if (g_file_test(path, G_FILE_TEST_IS_DIR))
			walk_dir(path, c);
		else if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			parse_file(path, c);
		g_free(path);
	}
	g_dir_close(d);
}

static void run_corpus(const char *dir, const char *label)
{
	struct counts c = { 0, 0 };

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		print_message("%s: %s not found, skipping\n", label, dir);
		skip();
	}
	walk_dir(dir, &c);
	print_message("%s: %u parsed, %u rejected\n", label, c.parsed, c.rejected);
	assert_true(c.parsed > 0);
}

static void test_shared_corpora(void **state)
{
	char *dir = tu_corpora_path(NULL);

	run_corpus(dir, "corpus");
	g_free(dir);
}

static void test_cpython_email_data(void **state)
{
	run_corpus(TU_CPYTHON_EMAIL_DATA, "cpython corpus");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_corpora),
		cmocka_unit_test(test_cpython_email_data),
	};

	return cmocka_run_group_tests_name("corpus", tests, group_setup, group_teardown);
}
