/* Unit tests: the model (features, training, the file, forced rules) and the forwarded
   sender mime reads for it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "classify.h"
#include "core.h"
#include "mime.h"
#include "model.h"
#include "rules.h"

static struct mime_message *parse_text(const char *subject, const char *body)
{
	char *raw = g_strdup_printf("From: Sam Writer <sam@public.test>\r\n"
				    "To: disclosure@pdgate.test\r\nSubject: %s\r\n"
				    "Message-ID: <%u@public.test>\r\n\r\n%s\r\n",
				    subject, g_str_hash(body), body);
	struct mime_message *msg = NULL;
	char *error = NULL;

	assert_true(mime_parse(raw, strlen(raw), &msg, &error));
	g_free(raw);
	return msg;
}

static struct model_features *features_of(const char *subject, const char *body, int names)
{
	struct mime_message *msg = parse_text(subject, body);
	struct model_features *f = model_features_new(msg, NULL, names);
	mime_message_free(&msg);
	return f;
}

static int has_name(const struct model_features *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++) {
		if (strcmp(f->names[i], name) == 0)
			return 1;
	}
	return 0;
}

static void test_features_words_pairs_negation(void **state)
{
	struct model_features *f = features_of("FOI please",
					       "I am not making a request yet. Send the policy.",
					       TRUE);
	(void)state;
	assert_true(has_name(f, "w:policy"));
	assert_true(has_name(f, "b:making a"));
	assert_true(has_name(f, "n:making"));     /* within the negation's span */
	assert_true(has_name(f, "n:request"));
	assert_false(has_name(f, "n:send"));   /* a new sentence ends it */
	assert_false(has_name(f, "b:yet send")); /* pairs stay within a sentence */
	assert_true(has_name(f, "s:foi"));
	assert_true(has_name(f, "m:short"));
	for (size_t i = 1; i < f->n; i++)
		assert_true(f->ids[i - 1] < f->ids[i]); /* sorted, unique */
	model_features_free(&f);
}

static void test_features_numbers_and_stable_hashes(void **state)
{
	struct model_features *a = features_of("x", "My 999 call on 12/03/2026, ref 4471823.", TRUE);
	struct model_features *b = features_of("x", "My 999 call on 12/03/2026, ref 4471823.", FALSE);
	(void)state;
	assert_true(has_name(a, "w:999"));
	assert_true(has_name(a, "w:#num"));
	assert_false(has_name(a, "w:4471823")); /* long numbers say who, not what */
	assert_int_equal(a->n, b->n);
	assert_memory_equal(a->ids, b->ids, a->n * sizeof(*a->ids));
	model_features_free(&a);
	model_features_free(&b);
}

static void test_clean_text_quotes_and_forward(void **state)
{
	struct mime_message *reply = parse_text("Re: case", "Thanks, passport attached.\n\n"
						"On Mon, 2 Mar 2026, PD Team wrote:\n> We need ID\n");
	struct mime_message *fwd = parse_text("FW: footage", "FYI please deal.\n\n"
					      "________________________________\n"
					      "From: Jo Bloggs <jo@public.test>\nSent: 1 March\n"
					      "Subject: footage\n\nPlease send my bodycam footage.\n");
	char *r = model_clean_text(reply), *w = model_clean_text(fwd);
	(void)state;
	assert_null(strstr(r, "We need ID"));
	assert_non_null(strstr(w, "Please send my bodycam footage"));
	assert_null(strstr(w, "jo@public.test")); /* the forwarded header lines go */
	assert_string_equal(fwd->forwarded_from_addr, "jo@public.test");
	assert_string_equal(fwd->forwarded_from_name, "Jo Bloggs");
	assert_null(reply->forwarded_from_addr);
	g_free(r);
	g_free(w);
	mime_message_free(&reply);
	mime_message_free(&fwd);
}

struct sample {
	const char *body;
	unsigned kinds;
};

#define ACCESS (1u << LABEL_ACCESS)
#define FOI (1u << LABEL_FOI)
#define ERASURE (1u << LABEL_ERASURE)

static const struct sample samples[] = {
	{ "Please send me a copy of all the personal data you hold about me.", ACCESS },
	{ "I want a copy of my custody record and the interview recording.", ACCESS },
	{ "Could I have copies of everything you hold on me, my records and notes.", ACCESS },
	{ "Send me the bodycam footage of my arrest and my custody record please.", ACCESS },
	{ "How many officers were dismissed in 2025? Please give figures by month.", FOI },
	{ "Please tell me how much the force spent on drones and the contracts.", FOI },
	{ "What is your policy on stop and search, and how many searches in 2025?", FOI },
	{ "How many Taser deployments were there last year, by district?", FOI },
	{ "Please delete my DNA and fingerprints, no further action was taken.", ERASURE },
	{ "Delete the photos you took of me and remove my details from your system.", ERASURE },
	{ "I want my job application deleted and my data erased.", ERASURE },
	{ "Erase my details from your records, I withdraw consent, delete everything.", ERASURE },
};

static struct model_trainer *trainer_of(const struct sample *s, size_t n)
{
	struct model_trainer *t = model_trainer_new();
	for (size_t i = 0; i < n; i++) {
		struct model_features *f = features_of("request", s[i].body, FALSE);
		model_trainer_add(t, f, s[i].kinds);
		model_features_free(&f);
	}
	return t;
}

static struct pd_model *train(const struct sample *s, size_t n)
{
	struct model_trainer *t = trainer_of(s, n);
	struct pd_model *m = NULL;
	char *error = NULL;

	assert_true(model_trainer_build(t, "unit test", 1767225600, &m, &error));
	model_trainer_free(&t);
	return m;
}

static double prob_of(const struct pd_model *m, const char *body, enum rules_label k)
{
	struct model_features *f = features_of("request", body, FALSE);
	double p[LABEL_KIND_COUNT];
	model_score(m, f, p);
	model_features_free(&f);
	return p[k];
}

static void test_train_learns_kinds(void **state)
{
	struct pd_model *m = train(samples, G_N_ELEMENTS(samples));
	(void)state;
	assert_true(prob_of(m, "a copy of the personal data you hold about me", LABEL_ACCESS) >
		    0.5);
	assert_true(prob_of(m, "how many officers in 2025, figures please", LABEL_FOI) > 0.5);
	assert_true(prob_of(m, "please delete my fingerprints and photos", LABEL_ERASURE) > 0.5);
	assert_true(prob_of(m, "how many officers in 2025, figures please", LABEL_ACCESS) < 0.5);
	assert_true(g_str_has_prefix(model_version(m), "20260101T000000Z-"));
	model_free(&m);
}

/* A word in fewer than MODEL_MIN_CASES training messages never enters the model: no
   requester's name can be read out of it. */
static void test_rare_words_never_kept(void **state)
{
	struct sample s[G_N_ELEMENTS(samples)];
	struct pd_model *m;
	struct model_features *f;
	struct model_weight w[64];
	size_t n;
	(void)state;

	memcpy(s, samples, sizeof(s));
	s[0].body = "Zebedee Quistorp asks for a copy of the personal data you hold about me.";
	s[1].body = "Zebedee Quistorp wants my custody record and the interview recording.";
	m = train(s, G_N_ELEMENTS(s));
	f = features_of("request", "Zebedee Quistorp: copy of my data", TRUE);
	n = model_explain(m, f, LABEL_ACCESS, w, G_N_ELEMENTS(w));
	for (size_t i = 0; i < n; i++)
		assert_null(strstr(w[i].feature, "zebedee"));
	model_features_free(&f);
	model_free(&m);

	s[2].body = "Zebedee Quistorp: copies of everything you hold on me, records and notes.";
	m = train(s, G_N_ELEMENTS(s));
	f = features_of("request", "Zebedee Quistorp: copy of my data", TRUE);
	n = model_explain(m, f, LABEL_ACCESS, w, G_N_ELEMENTS(w));
	int seen = 0;
	for (size_t i = 0; i < n; i++)
		seen |= strcmp(w[i].feature, "w:zebedee") == 0;
	assert_true(seen); /* three messages: now it counts */
	model_features_free(&f);
	model_free(&m);
}

/* The team's corrections change the next classification of a similar message: "how many
   times" reads as FOI until the team says that, about their own house, it is access. */
static void test_corrections_change_the_next_answer(void **state)
{
	const char *probe = "How many times have officers visited my house, and what did they record?";
	struct sample s[G_N_ELEMENTS(samples) + 4];
	struct pd_model *before, *after;
	(void)state;

	memcpy(s, samples, sizeof(samples));
	before = train(s, G_N_ELEMENTS(samples));
	s[G_N_ELEMENTS(samples)] = (struct sample){
		"How many times did officers come to my house last year, what did they record?", ACCESS };
	s[G_N_ELEMENTS(samples) + 1] = (struct sample){
		"How many times have police visited my house? I want what they recorded.", ACCESS };
	s[G_N_ELEMENTS(samples) + 2] = (struct sample){
		"How many visits to my house were logged, and what did the officers record?", ACCESS };
	s[G_N_ELEMENTS(samples) + 3] = (struct sample){
		"How many times were officers sent to my house and what was recorded about me?", ACCESS };
	after = train(s, G_N_ELEMENTS(s));
	assert_true(prob_of(before, probe, LABEL_FOI) > prob_of(before, probe, LABEL_ACCESS));
	assert_true(prob_of(after, probe, LABEL_ACCESS) > 0.5);
	assert_true(prob_of(after, probe, LABEL_FOI) < 0.5);
	model_free(&before);
	model_free(&after);
}

static void test_deterministic_and_file_round_trip(void **state)
{
	struct pd_model *a = train(samples, G_N_ELEMENTS(samples));
	struct pd_model *b = train(samples, G_N_ELEMENTS(samples));
	char *dir = g_dir_make_tmp("pdgate-model-XXXXXX", NULL);
	char *pa = g_build_filename(dir, "a.model", NULL), *pb = g_build_filename(dir, "b.model", NULL);
	char *ta = NULL, *tb = NULL, *error = NULL;
	struct pd_model *loaded = NULL;
	(void)state;

	assert_string_equal(model_version(a), model_version(b));
	assert_true(model_save(a, pa, &error));
	assert_true(model_save(b, pb, &error));
	assert_true(g_file_get_contents(pa, &ta, NULL, NULL));
	assert_true(g_file_get_contents(pb, &tb, NULL, NULL));
	assert_string_equal(ta, tb);
	assert_true(model_load(pa, &loaded, &error));
	assert_string_equal(model_version(loaded), model_version(a));
	assert_int_equal(model_feature_count(loaded), model_feature_count(a));
	for (size_t i = 0; i < G_N_ELEMENTS(samples); i++) {
		for (int k = 0; k < LABEL_KIND_COUNT; k++)
			assert_true(fabs(prob_of(a, samples[i].body, k) -
					 prob_of(loaded, samples[i].body, k)) < 1e-4);
	}
	model_free(&loaded);
	model_free(&a);
	model_free(&b);
	g_unlink(pa);
	g_unlink(pb);
	g_rmdir(dir);
	g_free(ta);
	g_free(tb);
	g_free(pa);
	g_free(pb);
	g_free(dir);
}

/* Every way a model file can be wrong is refused with a reason, never half loaded. */
static void test_bad_files_refused(void **state)
{
	static const struct {
		const char *text, *reason;
	} cases[] = {
		{ "", "expected \"pdgate-model\"" },
		{ "pdgate-model 2\n", "format 2" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access foi\n", "other kinds" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access rectification erasure "
		  "restriction portability objection automated_decision foi eir complaint\n"
		  "hash fnv1a 16\n", "hash" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access rectification erasure "
		  "restriction portability objection automated_decision foi eir complaint\n"
		  "hash fnv1a 20\nbias 0 0 0 0 0 0 0 0 0 nan\n", "bias" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access rectification erasure "
		  "restriction portability objection automated_decision foi eir complaint\n"
		  "hash fnv1a 20\nbias 0 0 0 0 0 0 0 0 0 0\nfeatures 2\n5 1 1 1 1 1 1 1 1 1 1\n"
		  "5 1 1 1 1 1 1 1 1 1 1\nend\n", "bad feature" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access rectification erasure "
		  "restriction portability objection automated_decision foi eir complaint\n"
		  "hash fnv1a 20\nbias 0 0 0 0 0 0 0 0 0 0\nfeatures 1\n5 1 1 1 1 1 1 1 1 1 1\n",
		  "expected \"end\"" },
		{ "pdgate-model 1\nversion v\ntrained-on x\nkinds access rectification erasure "
		  "restriction portability objection automated_decision foi eir complaint\n"
		  "hash fnv1a 20\nbias 0 0 0 0 0 0 0 0 0 0\nfeatures 1\n5 1 1 1 1 1 1 1 1 1 1\n"
		  "end\ngarbage\n", "after the end" },
	};
	char *dir = g_dir_make_tmp("pdgate-model-XXXXXX", NULL);
	char *path = g_build_filename(dir, "bad.model", NULL);
	(void)state;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		struct pd_model *m = NULL;
		char *error = NULL;
		assert_true(g_file_set_contents(path, cases[i].text, -1, NULL));
		assert_false(model_load(path, &m, &error));
		assert_null(m);
		if (strstr(error, cases[i].reason) == NULL)
			fail_msg("case %zu: \"%s\" does not say %s", i, error, cases[i].reason);
		g_free(error);
	}
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* A rule scoring CLASSIFY_RULE_FORCE wins over the model, both ways. */
static void test_rules_force_over_model(void **state)
{
	char *dir = g_dir_make_tmp("pdgate-model-XXXXXX", NULL);
	char *path = g_build_filename(dir, "force.rules", NULL);
	struct pd_model *m = train(samples, G_N_ELEMENTS(samples));
	struct rules *rules = NULL;
	struct classify_result r;
	struct mime_message *msg;
	char *error = NULL;
	(void)state;

	assert_true(g_file_set_contents(path,
					"body FORCE_EIR /\\bzebra crossing\\b/\n"
					"score FORCE_EIR eir=10\n"
					"body NEVER_ACCESS /\\bnot about me\\b/\n"
					"score NEVER_ACCESS access=-10\n", -1, NULL));
	assert_true(rules_load(path, &rules, &error));
	msg = parse_text("request", "How many officers were dismissed, figures by zebra crossing.");
	classify_message_model(rules, m, msg, TRUE, &r);
	assert_true(r.kinds & (1u << LABEL_EIR));
	assert_true(r.prob[LABEL_EIR] < 0.5); /* the model alone would not */
	assert_non_null(r.model_version);
	assert_true(r.n_why > 0);
	classify_result_clear(&r);
	mime_message_free(&msg);

	msg = parse_text("request", "A copy of all the personal data you hold, not about me.");
	classify_message_model(rules, m, msg, FALSE, &r);
	assert_false(r.kinds & (1u << LABEL_ACCESS));
	assert_true(r.prob[LABEL_ACCESS] > 0.5);
	classify_result_clear(&r);
	mime_message_free(&msg);
	rules_free(&rules);
	model_free(&m);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_forwarded_sender(void **state)
{
	static const struct {
		const char *body, *addr, *name;
	} cases[] = {
		{ "fyi\n\n---------- Forwarded message ---------\nFrom: Ann Lee <ann@public.test>\n"
		  "Date: Mon\nSubject: x\n\nplease send my file", "ann@public.test", "Ann Lee" },
		{ "see below\n\nFrom: Bob Roe [mailto:Bob@Public.TEST]\nSent: 1 March 2026\n"
		  "To: NPT\nSubject: cctv\n\nmy cctv please", "Bob@public.test", "Bob Roe" },
		{ "Begin forwarded message:\n\n> From: cat@public.test\n> Date: today\n> hi",
		  "cat@public.test", NULL },
		{ "-----Original Message-----\n*From:* Dee <dee@public.test>\n*Sent:* now\n",
		  "dee@public.test", "Dee" },
		/* no header block: a From: in a sentence is not one */
		{ "From: me, to you. Please send my records.\nThanks", NULL, NULL },
		{ "---------- Forwarded message ---------\nFrom: Eve <not an address>\nDate: x\n",
		  NULL, NULL },
		{ "no forward at all", NULL, NULL },
	};
	(void)state;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char *addr = NULL, *name = NULL;
		int found = mime_forwarded_sender(cases[i].body, &addr, &name);
		assert_int_equal(found, cases[i].addr != NULL);
		if (cases[i].addr != NULL)
			assert_string_equal(addr, cases[i].addr);
		if (cases[i].name != NULL)
			assert_string_equal(name, cases[i].name);
		else
			assert_null(name);
		g_free(addr);
		g_free(name);
	}
}

static int group_setup(void **state)
{
	(void)state;
	mime_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	mime_deinit();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_words_pairs_negation),
		cmocka_unit_test(test_features_numbers_and_stable_hashes),
		cmocka_unit_test(test_clean_text_quotes_and_forward),
		cmocka_unit_test(test_train_learns_kinds),
		cmocka_unit_test(test_rare_words_never_kept),
		cmocka_unit_test(test_corrections_change_the_next_answer),
		cmocka_unit_test(test_deterministic_and_file_round_trip),
		cmocka_unit_test(test_bad_files_refused),
		cmocka_unit_test(test_rules_force_over_model),
		cmocka_unit_test(test_forwarded_sender),
	};
	return cmocka_run_group_tests_name("model", tests, group_setup, group_teardown);
}
