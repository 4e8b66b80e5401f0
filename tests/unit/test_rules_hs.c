/* Hyperscan against GRegex (rules-hs.c): for every rule of rules/pdgate.rules and every
   message of tests/corpus/ and of the shared corpora, the rules that fire with Hyperscan and
   its GRegex fallback are the rules that fire with GRegex alone; likewise for a rule file of
   the constructs the translation must get right (., \b next to non-ASCII letters, letters
   scanned as '_' against regexes holding '_', no-break spaces, long gaps, $, lookarounds)
   over texts made to trip them. Run from the source root. */
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
#include "pd-limits.h"
#include "rules.h"
#include "testutil.h"

struct pair {
	struct rules *hs, *gregex;
	unsigned messages;
	GString *diffs; /* the first differences, one per line */
	unsigned n_diffs;
};

/* "A,B,C": the names of the hits in order. g_malloc'd. */
static char *hits_string(const struct rules_result *r)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < r->n_hits; i++)
		g_string_append_printf(s, "%s%s", i > 0 ? "," : "", r->hits[i].name);
	return g_string_free(s, FALSE);
}

static void compare(struct pair *p, const char *what, const struct mime_message *msg)
{
	struct rules_result a, b;
	char *ha, *hb;

	rules_eval(p->hs, msg, &a);
	rules_eval(p->gregex, msg, &b);
	ha = hits_string(&a);
	hb = hits_string(&b);
	p->messages++;
	if (strcmp(ha, hb) != 0 && p->n_diffs++ < 20)
		g_string_append_printf(p->diffs, "%s:\n  Hyperscan %s\n  GRegex    %s\n", what, ha,
				       hb);
	g_free(ha);
	g_free(hb);
	rules_result_clear(&a);
	rules_result_clear(&b);
}

static void compare_raw(struct pair *p, const char *what, const char *raw, size_t len)
{
	struct mime_message *msg = NULL;
	char *error = NULL;

	if (mime_parse(raw, len, &msg, &error))
		compare(p, what, msg);
	mime_message_free(&msg);
	g_free(error);
}

static void compare_file(struct pair *p, const char *path)
{
	char *raw = NULL, *error = NULL;
	size_t len = 0;

	if (pd_read_file(path, PD_MAX_MESSAGE_SIZE, &raw, &len, &error))
		compare_raw(p, path, raw, len);
	g_free(raw);
	g_free(error);
}

/* Every regular file under dir (any depth), or only *.eml when eml_only. */
static void walk(struct pair *p, const char *dir, int eml_only)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL);
		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			;
		else if (g_file_test(path, G_FILE_TEST_IS_DIR))
			walk(p, path, eml_only);
		else if (!eml_only || g_str_has_suffix(name, ".eml"))
			compare_file(p, path);
		g_free(path);
	}
	g_dir_close(d);
}

static void pair_load(struct pair *p, const char *path)
{
	struct rules_engine_info info;
	char *error = NULL;

	memset(p, 0, sizeof(*p));
	p->diffs = g_string_new(NULL);
	if (!rules_load_engine(path, RULES_ENGINE_AUTO, &p->hs, &error) ||
	    !rules_load_engine(path, RULES_ENGINE_GREGEX, &p->gregex, &error))
		fail_msg("%s", error);
	rules_engine_get(p->hs, &info);
#ifdef PDGATE_HYPERSCAN
	/* Built with Hyperscan: the comparison means something only if it runs. */
	if (info.off != NULL || info.n_hyperscan == 0)
		fail_msg("Hyperscan not in use: %s", info.off != NULL ? info.off : "no regex");
#endif
	rules_engine_get(p->gregex, &info);
	assert_int_equal(info.n_hyperscan, 0);
}

static void pair_check(struct pair *p, const char *label)
{
	print_message("%s: %u messages compared, %u differ\n", label, p->messages, p->n_diffs);
	if (p->n_diffs > 0)
		fail_msg("%u messages classified differently:\n%s", p->n_diffs, p->diffs->str);
	rules_free(&p->hs);
	rules_free(&p->gregex);
	g_string_free(p->diffs, TRUE);
}

static void test_project_corpus(void **state)
{
	struct pair p;

	pair_load(&p, "rules/pdgate.rules");
	walk(&p, "tests/corpus", 1);
	assert_true(p.messages >= 200);
	pair_check(&p, "tests/corpus");
}

static void test_shared_corpora(void **state)
{
	char *dir = tu_corpora_path(NULL);
	struct pair p;

	if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
		print_message("%s not found, skipping\n", dir);
		g_free(dir);
		skip();
	}
	pair_load(&p, "rules/pdgate.rules");
	walk(&p, dir, 0);
	assert_true(p.messages > 0);
	pair_check(&p, dir);
	g_free(dir);
}

/* ---- constructs the translation must get right, over texts that trip them ---- */

static const char edge_rules[] =
	"body DOT /a.b/\n"
	"body DOT_S /a.b/s\n"
	"body WORD /\\bcaf\\w?\\b/\n"
	"body WORD2 /\\bdata\\b/\n"
	"body SPACE /my\\s+data/\n"
	"body DIGIT /\\b\\d+\\s+days/\n"
	"body GAP /\\bwant\\b[^.?!]{0,12}\\bcopy\\b/\n"
	"body GAP_DOT /\\bnot\\b.{0,15}\\bagree/\n"
	"body NEG /x[^a-z]y/\n"
	"body NONWORD /q\\W+r/\n"
	"body DOLLAR /end$/\n"
	"body BEHIND /(?<!not\\s)\\bdelete\\b/\n"
	"body AHEAD /\\bupdate(?!\\s+on)\\b/\n"
	"body KELVIN /\\bkilo\\b/\n"
	"body LONGS /\\bsend\\b/\n"
	"body X_MODE /a \\s+ copy/x\n"
	"body EMPTY /(z)*/\n"
	"body UNDER /a_b/\n"
	"body UNDER_CLASS /x[_y]z/\n"
	"body RANGE /x[A-z]y/\n"
	"body LETTERS /\\bna\\w+e\\b/\n"
	"body NOT_SPACE /zo\\S{2}\\b/\n"
	"body NOT_WORD /x\\W+y/\n"
	"subject SUBJ /^\\s*(fwd?|fw)\\s*:/\n"
	"rawbody RAW /^>\\s*quoted/\n";

static const char *const edge_bodies[] = {
	"a\rb a\nb", "a\x0b" "b", "a\x0c" "b", "a\r\x0c" "b", "aXb", "a\xe2\x80\xa8" "b", "a\xe2\x80\x99" "b", "a\xc2\x85" "b",
	"caf\xc3\xa9 is open", "cafe data", "\xc3\xa9" "data here", "data\xc3\xa9",
	"the data\xe2\x80\x99s owner", "my\xc2\xa0" "data", "my \xe2\x80\x83 data", "my\tdata",
	"\xd9\xa3\xd9\xa3 days", "30 days", "I want a \xe2\x80\x9c" "copy\xe2\x80\x9d",
	"I want \xe2\x80\x94\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94 a copy",
	"I want \xe2\x80\x94\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94\xe2\x80\x94 a copy",
	"I want \xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9 a copy",
	"I do not really \xe2\x80\x98" "agree",
	"x\xe2\x80\x99y", "x\xc3\xa9y", "x y", "q\xe2\x82\xac r", "q\xc3\xa9r",
	"the end", "the end\n", "the end\n\n", "please do not delete it", "please delete it",
	"update on it", "update it", "\xe2\x84\xaailo", "\xc5\xbf" "end", "a  copy",
	"nothing here", "a\xc3\xa9" "b", "a_b", "x\xc3\xa9z", "x_z", "x\xc5\x82y",
	"na\xc3\xafve", "na\xc3\xaf" "ve\xc2\xa0", "zo\xc3\xab\xc3\xab", "zo\xc3\xab" "e",
	"x\xc3\xa9\xc3\xa9y",
};

static const char *const edge_subjects[] = {
	"Fwd: x", "  fw : y", "\xc3\xa9 Fwd: z", "Re: Fwd: w", "\u201cFwd:\u201d",
};

static void test_edge_cases(void **state)
{
	char *dir = g_dir_make_tmp("pdgate-rules-hs-XXXXXX", NULL);
	char *path = g_build_filename(dir, "edge.rules", NULL);
	struct rules_engine_info info;
	struct pair p;

	assert_true(g_file_set_contents(path, edge_rules, -1, NULL));
	pair_load(&p, path);
	rules_engine_get(p.hs, &info);
#ifdef PDGATE_HYPERSCAN
	/* $, lookarounds and an empty match go to GRegex, and say why. */
	GString *notes = g_string_new(NULL);
	for (unsigned i = 0; i < info.n_notes; i++)
		g_string_append_printf(notes, "%s\n", info.notes[i]);
	assert_non_null(strstr(notes->str, "DOLLAR ($"));
	assert_non_null(strstr(notes->str, "BEHIND (lookbehind"));
	assert_non_null(strstr(notes->str, "AHEAD (lookahead"));
	assert_non_null(strstr(notes->str, "EMPTY (Hyperscan: "));
	assert_null(strstr(notes->str, "WORD "));
	g_string_free(notes, TRUE);
#endif
	for (size_t s = 0; s < G_N_ELEMENTS(edge_subjects); s++) {
		for (size_t b = 0; b < G_N_ELEMENTS(edge_bodies); b++) {
			char *subj = g_base64_encode((const guchar *)edge_subjects[s],
						     strlen(edge_subjects[s]));
			char *raw = g_strdup_printf(
				"From: a@example.org\r\nSubject: =?utf-8?b?%s?=\r\n"
				"Content-Type: text/plain; charset=utf-8\r\n"
				"Content-Transfer-Encoding: 8bit\r\n\r\n> quoted\r\n%s\r\n",
				subj, edge_bodies[b]);
			compare_raw(&p, edge_bodies[b], raw, strlen(raw));
			g_free(raw);
			g_free(subj);
		}
	}
	assert_int_equal(p.messages, G_N_ELEMENTS(edge_subjects) * G_N_ELEMENTS(edge_bodies));
	pair_check(&p, "edge cases");
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* COPY_VERB and ACCESS_MEDIA_ASK spell their lookbehinds out so that Hyperscan decides them:
   the spelt-out form fires exactly where the lookbehinds would, after every context that
   could tell them apart. */
static const char spelt_rules[] =
	"body ORIG /(?<!not\\s)(?<!or\\s)(?<!n't\\s)\\b(watch|copies|see\\s+it)\\b/\n"
	"body SPELT /(^|[^\\w\\s]|(^|[^rt])\\s|(^|[^o])r\\s|(^|[^o'])t\\s|(^|[^n])[o']t\\s)"
	"(watch|copies|see\\s+it)\\b/\n";

static const char *const spelt_before[] = {
	"", "not ", "or ", "n't ", "for ", "nor ", "cannot ", "knot ", "don't ", "NOT  ", "not\n",
	"'t ", "ot ", "t ", "r ", " ", ".", "_", "\xc3\xa9", "\xc3\xa9 ", "not\xc2\xa0", "N'T ",
	"nOR ", "a", "oT ", "no't ", "n''t ", "n't\t", "(", "\xc3\xb3r ", "n\xc3\xb3t ",
};

static void test_spelt_out_lookbehinds(void **state)
{
	char *dir = g_dir_make_tmp("pdgate-rules-hs-XXXXXX", NULL);
	char *path = g_build_filename(dir, "spelt.rules", NULL);
	struct rules *rules = NULL;
	char *error = NULL;
	unsigned fired = 0;

	assert_true(g_file_set_contents(path, spelt_rules, -1, NULL));
	if (!rules_load_engine(path, RULES_ENGINE_GREGEX, &rules, &error))
		fail_msg("%s", error);
	for (size_t b = 0; b < G_N_ELEMENTS(spelt_before); b++) {
		for (int lead = 0; lead < 2; lead++) {
			char *raw = g_strdup_printf("From: a@example.org\r\nSubject: x\r\n"
				"Content-Type: text/plain; charset=utf-8\r\n"
				"Content-Transfer-Encoding: 8bit\r\n\r\n%s%swatch it\r\n",
				lead ? "hello " : "", spelt_before[b]);
			struct mime_message *msg = NULL;
			struct rules_result r;
			assert_true(mime_parse(raw, strlen(raw), &msg, &error));
			rules_eval(rules, msg, &r);
			/* both or neither: then one hit per rule */
			if (r.n_hits == 1)
				fail_msg("only %s fires on \"%s\"", r.hits[0].name, spelt_before[b]);
			fired += r.n_hits > 0;
			rules_result_clear(&r);
			mime_message_free(&msg);
			g_free(raw);
		}
	}
	assert_true(fired > 10);
	rules_free(&rules);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_edge_cases),
		cmocka_unit_test(test_spelt_out_lookbehinds),
		cmocka_unit_test(test_project_corpus),
		cmocka_unit_test(test_shared_corpora),
	};
	int ret;

	mime_init();
	ret = cmocka_run_group_tests_name("rules-hs", tests, NULL, NULL);
	mime_deinit();
	return ret;
}
