/* Real-world mail through the WHOLE intake path (gateway_process_raw: spool, parse, classify,
   case opened or joined, notices queued, one transaction) into a temporary store, without
   IMAP: every file of ../shared/corpora (or $PDGATE_CORPORA) and of CPython's e-mail test
   data. Each must be stored, or quarantined with a reason; nothing may crash; every bounce,
   DSN, MDN, feedback report and RFC 3834 auto-reply must be recognised as machine-generated
   (stored, auto_reason set, no case, no notice). Skips, saying so, when a corpus is absent.
   Under valgrind only a sample is run (every PDGATE_CORPUS_SAMPLE-th file, default 10): the
   whole run takes minutes there. The counts are printed for the record. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <string.h>

#include "config.h"
#include "core.h"
#include "gateway.h"
#include "mime.h"
#include "testutil.h"

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>

/* Mail handed in without IMAP: no UID to record. */
static const struct gateway_origin inbox = { .mailbox = "INBOX" };
#define UNDER_VALGRIND() (RUNNING_ON_VALGRIND != 0)
#endif
#endif
#ifndef UNDER_VALGRIND
#define UNDER_VALGRIND() 0
#endif

#define RECEIVED 1795608000 /* 2026-11-25 */

/* What must be machine-generated: the corpora's bounces, DSNs, MDNs, ARF reports, RFC 3834
   replies. By path (corpus-relative, a prefix) or by file name (CPython's data). */
static const char *const machine_paths[] = {
	"sisimai/bsd/", "mikel-mail/multipart_report_emails/", "mimekit/messages/bounce",
	"mimekit/messages/delivery-status", "mimekit/messages/disposition-notification",
	"mimekit/messages/feedback-report", NULL,
};
static const char *const machine_cpython[] = {
	"msg_05.txt", "msg_16.txt", "msg_25.txt", "msg_43.txt", NULL,
};

/* Machine-generated mail not recognised today, each with why (the report lists them): the
   test fails on any miss not listed here. */
static const char *const known_misses[] = {
	NULL,
};

struct run {
	const char *root;            /* the corpus folder, to name files relative to it */
	int cpython;
	unsigned sample, seen;
	unsigned files, stored, quarantined, duplicates, cases, notices;
	unsigned machine, machine_ok, machine_quarantined;
	GString *failures, *misses, *others;
	GHashTable *groups;          /* group name -> unsigned[5]: machine, recognised, files,
					duplicates, machine-generated among the others */
	struct gateway *gw;
	sqlite3 *db;                 /* a reader of the same database, for the checks */
};

static int setup(void **state)
{
	*state = tu_gateway_open("pdgate-corpus-XXXXXX", "[team]\nnotify = team@pdgate.test\n");
	return 0;
}

static int teardown(void **state)
{
	tu_gateway_close(*state);
	return 0;
}

static int64_t db_int(sqlite3 *db, const char *sql, int64_t arg)
{
	sqlite3_stmt *st = NULL;
	int64_t v = -1;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_bind_int64(st, 1, arg);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

static int skip_name(const char *name)
{
	return name[0] == '.' || g_str_has_prefix(name, "LICENSE") ||
	       g_str_has_prefix(name, "README") || g_str_has_prefix(name, "COPYING");
}

static int in_list(const char *const *list, const char *s, int prefix)
{
	for (size_t i = 0; list[i] != NULL; i++) {
		if (prefix ? g_str_has_prefix(s, list[i]) : strcmp(s, list[i]) == 0)
			return 1;
	}
	return 0;
}

static int expected_machine(const struct run *r, const char *rel)
{
	if (r->cpython)
		return in_list(machine_cpython, rel, 0);
	return in_list(machine_paths, rel, 1);
}

/* Counts per group of files: the corpus folder, and for sisimai the kind of file (lhost-,
   rhost-, rfc3464-: bounces; rfc3834-: auto-replies; arf-: feedback reports). */
static unsigned *group_counts(struct run *r, const char *rel)
{
	const char *slash = strrchr(rel, '/'), *name = slash != NULL ? slash + 1 : rel;
	const char *dash = strchr(name, '-');
	char *key = g_str_has_prefix(rel, "sisimai/") && dash != NULL ?
		    g_strdup_printf("sisimai %.*s", (int)(dash - name), name) :
		    strchr(rel, '/') != NULL ? g_strndup(rel, strcspn(rel, "/")) : g_strdup("data");
	unsigned *g = g_hash_table_lookup(r->groups, key);

	if (g == NULL) {
		g = g_new0(unsigned, 5);
		g_hash_table_insert(r->groups, key, g);
	} else {
		g_free(key);
	}
	return g;
}

static void print_group(gpointer key, gpointer value, gpointer label)
{
	const unsigned *g = value;
	print_message("%s:   %s: %u files (%u duplicates), machine-generated %u of %u "
		      "recognised; %u others marked automatic\n", (const char *)label,
		      (const char *)key, g[2], g[3], g[1], g[0], g[4]);
}

/* Mail outside the expected list marked automatic is never answered: listed, for a person
   to judge (a mailing-list post is automatic by design; a request would be a miss). */
static void note_automatic(struct run *r, const char *rel, int64_t row)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(r->db, "SELECT auto_reason FROM messages WHERE id = ?", -1, &st,
			       NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, row);
	if (sqlite3_step(st) == SQLITE_ROW)
		g_string_append_printf(r->others, "  %s: %s\n", rel,
				       (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

/* The message's row after intake: stored, or quarantined with a reason; machine mail
   without a case. */
static void check_row(struct run *r, const char *rel, int64_t row, int64_t outbox_before)
{
	int quarantined = db_int(r->db, "SELECT status = 'quarantined' FROM messages WHERE id = ?",
				 row) == 1;
	int reason = db_int(r->db, "SELECT LENGTH(error) > 0 FROM messages WHERE id = ?", row) == 1;
	int automatic = db_int(r->db, "SELECT auto_reason IS NOT NULL FROM messages WHERE id = ?",
			       row) == 1;
	int has_case = db_int(r->db, "SELECT case_id IS NOT NULL FROM messages WHERE id = ?",
			      row) == 1;
	int64_t notices = db_int(r->db, "SELECT COUNT(*) FROM outbox", 0) - outbox_before;

	if (quarantined && !reason)
		g_string_append_printf(r->failures, "%s: quarantined without a reason\n", rel);
	unsigned *g = group_counts(r, rel);
	g[0] += expected_machine(r, rel);
	g[4] += !expected_machine(r, rel) && automatic;
	if (!expected_machine(r, rel) && automatic)
		note_automatic(r, rel, row);
	g[1] += expected_machine(r, rel) && !quarantined && automatic && !has_case && notices == 0;
	r->quarantined += quarantined;
	r->stored += !quarantined;
	r->cases += has_case;
	r->notices += (unsigned)notices;
	if (!expected_machine(r, rel))
		return;
	r->machine++;
	if (quarantined) {
		r->machine_quarantined++;  /* never answered either; listed for the record */
		g_string_append_printf(r->misses, "  %s (quarantined)\n", rel);
	} else if (automatic && !has_case && notices == 0) {
		r->machine_ok++;
	} else if (!in_list(known_misses, rel, 0)) {
		g_string_append_printf(r->failures, "%s: machine-generated mail not recognised "
				       "(auto %d, case %d, notices %" G_GINT64_FORMAT ")\n", rel,
				       automatic, has_case, notices);
		g_string_append_printf(r->misses, "  %s\n", rel);
	} else {
		g_string_append_printf(r->misses, "  %s (known)\n", rel);
	}
}

static void feed_file(struct run *r, const char *path)
{
	const char *rel = path + strlen(r->root) + 1;
	char *data = NULL, *error = NULL;
	size_t len = 0;
	int64_t row = 0, outbox, rows;
	int ret;

	if (r->seen++ % r->sample != 0)
		return;
	if ((data = tu_read_file(path, &len)) == NULL)
		return;
	r->files++;
	group_counts(r, rel)[2]++;
	outbox = db_int(r->db, "SELECT COUNT(*) FROM outbox", 0);
	rows = db_int(r->db, "SELECT COUNT(*) FROM messages WHERE direction = 'in'", 0);
	ret = gateway_process_raw(r->gw, data, len, RECEIVED, &inbox, &row, &error);
	if (ret != 1) {
		g_string_append_printf(r->failures, "%s: intake returned %d: %s\n", rel, ret,
				       error != NULL ? error : "?");
	} else if (db_int(r->db, "SELECT COUNT(*) FROM messages WHERE direction = 'in'", 0) ==
		   rows) {
		r->duplicates++;  /* the same bytes twice in a corpus: recognised, not redone */
		group_counts(r, rel)[3]++;
	} else {
		check_row(r, rel, row, outbox);
	}
	g_free(error);
	g_free(data);
}

static void walk_dir(struct run *r, const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_strdup(name));
	g_dir_close(d);
	/* Sorted, so that the sample and the counts are the same on every machine. */
	g_ptr_array_sort(names, (GCompareFunc)(void *)g_strcmp0);
	for (guint i = 0; i < names->len; i++) {
		const char *n = *(const char **)(void *)&names->pdata[i];
		char *path = g_build_filename(dir, n, NULL);
		if (skip_name(n) || g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			;
		else if (g_file_test(path, G_FILE_TEST_IS_DIR))
			walk_dir(r, path);
		else if (g_file_test(path, G_FILE_TEST_IS_REGULAR))
			feed_file(r, path);
		g_free(path);
	}
	g_ptr_array_free(names, TRUE);
}

static unsigned sample_every(void)
{
	const char *s = g_getenv("PDGATE_CORPUS_SAMPLE");
	unsigned n = s != NULL ? (unsigned)g_ascii_strtoull(s, NULL, 10) : 0;

	if (n == 0)
		n = UNDER_VALGRIND() ? 10 : 1;
	return n;
}

static void print_run(const struct run *r, const char *label)
{
	print_message("%s: %u files%s: %u stored, %u quarantined, %u duplicates; %u on a case, "
		      "%u notices queued; machine-generated: %u of %u recognised, %u quarantined\n",
		      label, r->files, r->sample > 1 ? " (a sample)" : "", r->stored,
		      r->quarantined, r->duplicates, r->cases, r->notices, r->machine_ok,
		      r->machine, r->machine_quarantined);
	g_hash_table_foreach(r->groups, print_group, (gpointer)label);
	if (r->others->len > 0)
		print_message("%s: others marked automatic (never answered):\n%s", label,
			      r->others->str);
	if (r->misses->len > 0)
		print_message("%s: machine-generated mail not recognised:\n%s", label,
			      r->misses->str);
}

static void run_corpus(void **state, const char *dir, const char *label, int cpython)
{
	struct tu_gateway *f = *state;
	struct run r = { .root = dir, .cpython = cpython, .sample = sample_every(), .gw = f->gw,
			 .failures = g_string_new(NULL), .misses = g_string_new(NULL),
			 .others = g_string_new(NULL),
			 .groups = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
							 g_free) };
	char *db = g_build_filename(f->dir, "pd.db", NULL);

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		print_message("%s: %s not found, skipping\n", label, dir);
		g_free(db);
		g_string_free(r.failures, TRUE);
		g_string_free(r.misses, TRUE);
		g_string_free(r.others, TRUE);
		g_hash_table_destroy(r.groups);
		skip();
	}
	assert_int_equal(sqlite3_open_v2(db, &r.db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	walk_dir(&r, dir);
	sqlite3_close(r.db);
	print_run(&r, label);
	g_hash_table_destroy(r.groups);
	if (r.failures->len > 0)
		fail_msg("%s", r.failures->str);
	assert_true(r.files > 0);
	g_free(db);
	g_string_free(r.failures, TRUE);
	g_string_free(r.misses, TRUE);
	g_string_free(r.others, TRUE);
}

static void test_shared_corpora(void **state)
{
	char *dir = tu_corpora_path(NULL);

	run_corpus(state, dir, "intake corpus", 0);
	g_free(dir);
}

static void test_cpython_email_data(void **state)
{
	run_corpus(state, TU_CPYTHON_EMAIL_DATA, "intake cpython corpus", 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shared_corpora, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpython_email_data, setup, teardown),
	};

	/* The gateway logs a line per case and per quarantined message: not wanted here. */
	log_set_level(LOG_LEVEL_ERROR);
	mime_init();
	int ret = cmocka_run_group_tests_name("intake corpus", tests, NULL, NULL);
	mime_deinit();
	return ret;
}
