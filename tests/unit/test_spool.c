/* Unit tests: the spool writer (a message written as it arrives, hashed on the way, published
   under its SHA-256 only when finished), its temporary files after an abort or a crash, and
   the chunked verification of spool files. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core.h"
#include "store.h"

struct fixture {
	char *dir, *db, *spool, *tmp;
	struct store *store;
};

static int setup(void **state)
{
	struct fixture *f = g_new0(struct fixture, 1);
	char *error = NULL;

	f->dir = g_dir_make_tmp("pdgate-spool-XXXXXX", NULL);
	f->db = g_build_filename(f->dir, "pd.db", NULL);
	f->spool = g_build_filename(f->dir, "spool", NULL);
	f->tmp = g_build_filename(f->spool, "tmp", NULL);
	assert_int_equal(store_open(f->db, f->spool, &f->store, &error), 1);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char *cmd = g_strdup_printf("rm -rf '%s'", f->dir);

	store_close(&f->store);
	assert_int_equal(system(cmd), 0);
	g_free(cmd);
	g_free(f->dir);
	g_free(f->db);
	g_free(f->spool);
	g_free(f->tmp);
	g_free(f);
	return 0;
}

/* Files in spool/tmp (0 when it does not exist). */
static unsigned tmp_files(const struct fixture *f)
{
	GDir *d = g_dir_open(f->tmp, 0, NULL);
	unsigned n = 0;

	while (d != NULL && g_dir_read_name(d) != NULL)
		n++;
	if (d != NULL)
		g_dir_close(d);
	return n;
}

/* Deterministic bytes, NULs and CRLFs included. */
static GByteArray *sample(size_t len)
{
	GByteArray *b = g_byte_array_sized_new((guint)len);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		guint8 c = (guint8)x;
		g_byte_array_append(b, &c, 1);
	}
	return b;
}

/* Write data through a writer in pieces of `piece` bytes; 1 with *sha_r. */
static int write_pieces(struct store *s, const guint8 *data, size_t len, size_t piece,
			char **sha_r)
{
	struct store_spool_writer *w = NULL;
	char *error = NULL;

	assert_int_equal(store_spool_writer_open(s, &w, &error), 1);
	for (size_t off = 0; off < len; off += piece)
		assert_int_equal(store_spool_writer_append(w, data + off, MIN(piece, len - off),
							   &error), 1);
	assert_int_equal(store_spool_writer_size(w), len);
	int ret = store_spool_writer_finish(&w, 0, sha_r, &error);
	assert_null(w);
	g_free(error);
	return ret;
}

static void test_writer_hash_mode_and_bytes(void **state)
{
	struct fixture *f = *state;
	GByteArray *b = sample(3 * 1024 * 1024 + 17);
	char *sha = NULL, *expect = pd_sha256_hex(b->data, b->len), *raw = NULL;
	char *path = NULL, *error = NULL;
	size_t len = 0;
	uint64_t size = 0;
	struct stat st;

	/* 0600 by the writer itself, whatever the umask (store_open sets 077). */
	mode_t old = umask(022);
	assert_int_equal(write_pieces(f->store, b->data, b->len, 65521, &sha), 1);
	umask(old);
	assert_string_equal(sha, expect);
	path = store_spool_path(f->store, sha);
	assert_non_null(path);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(store_spool_get(f->store, sha, &raw, &len, &error), 1);
	assert_int_equal(len, b->len);
	assert_memory_equal(raw, b->data, len);
	assert_int_equal(store_spool_verify(f->store, sha, &size, &error), 1);
	assert_int_equal(size, b->len);
	assert_int_equal(tmp_files(f), 0);
	g_free(raw);
	g_free(path);
	g_free(expect);
	g_free(sha);
	g_byte_array_free(b, TRUE);
}

/* The same bytes through the writer and through store_spool_put: one key, one file. */
static void test_writer_matches_put(void **state)
{
	struct fixture *f = *state;
	const char raw[] = "From: a@b\r\nSubject: x\r\n\r\nbody\r\n";
	char *put = NULL, *written = NULL, *error = NULL;

	assert_int_equal(store_spool_put(f->store, raw, strlen(raw), &put, &error), 1);
	assert_int_equal(write_pieces(f->store, (const guint8 *)raw, strlen(raw), 3, &written), 1);
	assert_string_equal(put, written);
	/* An empty message has a key too. */
	g_free(written);
	assert_int_equal(write_pieces(f->store, (const guint8 *)"", 0, 1, &written), 1);
	assert_string_equal(written,
			    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_free(put);
	g_free(written);
}

static void test_writer_abort_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct store_spool_writer *w = NULL;
	const char raw[] = "partial message";
	char *sha = pd_sha256_hex(raw, strlen(raw)), *path = store_spool_path(f->store, sha);
	char *error = NULL;

	assert_int_equal(store_spool_writer_open(f->store, &w, &error), 1);
	assert_int_equal(store_spool_writer_append(w, raw, strlen(raw), &error), 1);
	assert_int_equal(tmp_files(f), 1);
	store_spool_writer_abort(&w);
	assert_null(w);
	store_spool_writer_abort(&w); /* NULL-safe */
	assert_int_equal(tmp_files(f), 0);
	assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	assert_int_equal(store_spool_check(f->store, sha), 0);
	g_free(path);
	g_free(sha);
}

/* A writer killed mid-message leaves only its temporary file, which the next store_open
   removes; a temporary file a live writer holds is left alone. */
static void test_crash_mid_write_cleaned_on_open(void **state)
{
	struct fixture *f = *state;
	struct store_spool_writer *live = NULL;
	struct store *again = NULL;
	char *error = NULL;
	int status = 0;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct store_spool_writer *w = NULL;
		if (store_spool_writer_open(f->store, &w, NULL) == 1 &&
		    store_spool_writer_append(w, "half a mess", 11, NULL) == 1)
			_exit(0); /* no finish, no abort: a crash */
		_exit(1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(tmp_files(f), 1);
	char *spool_dirs = g_strdup_printf("find '%s' -type f ! -path '*/tmp/*' | grep -q .",
					   f->spool);
	assert_int_not_equal(system(spool_dirs), 0); /* no spool key was published */
	g_free(spool_dirs);

	assert_int_equal(store_spool_writer_open(f->store, &live, &error), 1);
	assert_int_equal(store_spool_writer_append(live, "busy", 4, &error), 1);
	assert_int_equal(tmp_files(f), 2);
	/* Another process (the CLI) opening the store meanwhile. */
	assert_int_equal(store_open(f->db, f->spool, &again, &error), 1);
	assert_int_equal(tmp_files(f), 1);
	store_close(&again);
	char *sha = NULL;
	assert_int_equal(store_spool_writer_finish(&live, 1, &sha, &error), 1);
	assert_int_equal(tmp_files(f), 0);
	assert_int_equal(store_spool_check(f->store, sha), 1);
	g_free(sha);
}

/* finish replaces a damaged file of the same key: how a lost spool file is repaired. */
static void test_finish_repairs_damaged_file(void **state)
{
	struct fixture *f = *state;
	const char raw[] = "From: a@b\r\n\r\nthe real bytes\r\n";
	char *sha = NULL, *again = NULL, *path = NULL, *error = NULL;
	uint64_t size = 0;

	assert_int_equal(write_pieces(f->store, (const guint8 *)raw, strlen(raw), 7, &sha), 1);
	path = store_spool_path(f->store, sha);
	assert_true(g_file_set_contents(path, "", 0, NULL)); /* a crash before syncfs */
	assert_int_equal(store_spool_check(f->store, sha), 0);
	assert_int_equal(store_spool_verify(f->store, sha, &size, &error), 0);
	assert_non_null(strstr(error, "corrupt"));
	g_clear_pointer(&error, g_free);
	assert_int_equal(write_pieces(f->store, (const guint8 *)raw, strlen(raw), 64, &again), 1);
	assert_string_equal(again, sha);
	assert_int_equal(store_spool_verify(f->store, sha, &size, &error), 1);
	assert_int_equal(size, strlen(raw));
	assert_null(store_spool_path(f->store, "../../etc/passwd"));
	assert_int_equal(store_spool_verify(f->store, "../../etc/passwd", NULL, &error), 0);
	g_free(error);
	g_free(path);
	g_free(again);
	g_free(sha);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_writer_hash_mode_and_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_matches_put, setup, teardown),
		cmocka_unit_test_setup_teardown(test_writer_abort_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_mid_write_cleaned_on_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_finish_repairs_damaged_file, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
