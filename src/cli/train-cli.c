/* cli/train: `pdgate train`, the learning loop (as SpamAssassin's sa-learn): a model from
   the shipped labelled corpus plus every case whose kinds the team confirmed or corrected,
   written over [store] model with the previous one kept for `--rollback`. The corpus
   files and the spooled messages are read as untrusted mail, like anything else. */
#include "cli.h"
#include "classify.h"
#include "core.h"
#include "lifecycle.h"
#include "mime.h"
#include "model.h"
#include "pd-limits.h"
#include "rules.h"
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#define CV_FOLDS 5
/* A folder holding this file is a sealed held-out set: measured, never learnt from. */
#define SEALED_MARK "SHA256SUMS"

struct learner {
	const struct rules *rules;
	struct model_trainer *trainer;
	struct store *store;
	GArray *case_ids; /* int64_t: the cases learnt from */
	GPtrArray *names; /* what each message added was (file or reference), in order */
	GArray *kinds;    /* unsigned: its kinds */
	size_t corpus, skipped;
};

/* Add one message (raw bytes) with its kinds. 1, or 0 when it cannot be parsed. */
static int learn_raw(struct learner *l, const char *name, const char *raw, size_t len,
		     unsigned kinds)
{
	struct mime_message *msg = NULL;
	struct classify_result r;
	struct model_features *f;
	char *error = NULL;

	if (!mime_parse(raw, len, &msg, &error)) {
		g_free(error);
		return 0;
	}
	classify_message(l->rules, msg, &r);
	f = model_features_new(msg, &r.rules, FALSE);
	model_trainer_add(l->trainer, f, kinds);
	g_ptr_array_add(l->names, g_strdup(name));
	g_array_append_val(l->kinds, kinds);
	model_features_free(&f);
	classify_result_clear(&r);
	mime_message_free(&msg);
	return 1;
}

/* One labels.tsv line: file, kinds, auto, ... Machine mail never reaches the model. */
static void learn_line(struct learner *l, const char *dir, const char *line)
{
	char **cols = g_strsplit(line, "\t", 4);
	char *path = NULL, *raw = NULL, *error = NULL;
	size_t len = 0;
	unsigned kinds = 0;

	if (g_strv_length(cols) < 3 || strcmp(cols[2], "1") == 0)
		goto out;
	if (strcmp(cols[1], "other") != 0 && !case_kinds_parse(cols[1], &kinds))
		goto skip;
	path = g_build_filename(dir, cols[0], NULL);
	if (strchr(cols[0], '/') != NULL ||
	    !pd_read_file(path, PD_MAX_MESSAGE_SIZE, &raw, &len, &error) ||
	    !learn_raw(l, path, raw, len, kinds))
		goto skip;
	l->corpus++;
	goto out;
skip:
	log_warn("%s: %s: not learnt from (%s)", dir, cols[0],
		 error != NULL ? error : "bad kinds or unreadable mail");
	l->skipped++;
out:
	g_strfreev(cols);
	g_free(path);
	g_free(raw);
	g_free(error);
}

static int learn_folder(struct learner *l, const char *dir, char **error_r)
{
	char *labels = g_build_filename(dir, "labels.tsv", NULL);
	char *sealed = g_build_filename(dir, SEALED_MARK, NULL);
	char *text = NULL, **lines = NULL;
	size_t len = 0;
	int ok = 1;

	if (g_file_test(sealed, G_FILE_TEST_EXISTS) || !g_file_test(labels, G_FILE_TEST_EXISTS))
		goto out;
	if (!(ok = pd_read_file(labels, PD_MAX_MESSAGE_SIZE, &text, &len, error_r)))
		goto out;
	lines = g_strsplit(text, "\n", -1);
	for (size_t i = 1; lines[i] != NULL; i++) {
		g_strchomp(lines[i]);
		if (*lines[i] != '\0')
			learn_line(l, dir, lines[i]);
	}
out:
	g_strfreev(lines);
	g_free(text);
	g_free(labels);
	g_free(sealed);
	return ok;
}

static gint cmp_path(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every folder of the corpus with a labels.tsv, in name order (deterministic training). */
static int learn_corpus(struct learner *l, const char *corpus, char **error_r)
{
	GError *err = NULL;
	GDir *d = g_dir_open(corpus, 0, &err);
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	int ok = 1;

	if (d == NULL) {
		error_set(error_r, 0, "[gateway] corpus %s: %s", corpus, err->message);
		g_error_free(err);
		g_ptr_array_free(names, TRUE);
		return 0;
	}
	while ((name = g_dir_read_name(d)) != NULL)
		g_ptr_array_add(names, g_build_filename(corpus, name, NULL));
	g_dir_close(d);
	g_ptr_array_sort(names, cmp_path);
	for (guint i = 0; i < names->len && ok; i++) {
		if (g_file_test(names->pdata[i], G_FILE_TEST_IS_DIR))
			ok = learn_folder(l, names->pdata[i], error_r);
	}
	g_ptr_array_free(names, TRUE);
	return ok;
}

static int learn_case(void *ctx, const struct store_labelled *c)
{
	struct learner *l = ctx;
	char *raw = NULL, *error = NULL;
	size_t len = 0;

	if (c->sha256 != NULL && store_spool_get(l->store, c->sha256, &raw, &len, &error) &&
	    learn_raw(l, c->reference, raw, len, c->kinds_mask)) {
		g_array_append_val(l->case_ids, c->case_id);
	} else {
		log_warn("%s: not learnt from (%s)", c->reference,
			 error != NULL ? error : "its message cannot be read");
		l->skipped++;
	}
	g_free(raw);
	g_free(error);
	return 1;
}

/* The previous model kept for --rollback. g_malloc'd. */
static char *previous_path(const char *path)
{
	return g_strconcat(path, ".prev", NULL);
}

/* Write m to path, the model there (if any) becoming the previous one; when the new one
   cannot be written, the one in force is put back. */
static int install_model(const struct pd_model *m, const char *path, char **error_r)
{
	char *prev = previous_path(path);
	int ok = 1, had = g_file_test(path, G_FILE_TEST_EXISTS);

	if (had && rename(path, prev) != 0)
		ok = error_set(error_r, 0, "%s: %s", prev, g_strerror(errno));
	if (ok && !(ok = model_save(m, path, error_r)) && had && rename(prev, path) != 0)
		log_error("%s: %s: the previous model stays as %s", path, g_strerror(errno), prev);
	g_free(prev);
	return ok;
}

/* Back to the previous trained model or, when there is none, to the shipped one: the
   replaced model is kept as PATH.rejected for a look. */
static int rollback(const struct config *c, struct store *store, char **error_r)
{
	char *prev = previous_path(c->store.model);
	char *rejected = g_strconcat(c->store.model, ".rejected", NULL);
	struct pd_model *m = NULL;
	const char *now_in_force = "the shipped model";
	int ok = 0;

	if (!g_file_test(c->store.model, G_FILE_TEST_EXISTS)) {
		error_set(error_r, 0, "%s: no trained model to roll back", c->store.model);
		goto out;
	}
	if (g_file_test(prev, G_FILE_TEST_EXISTS)) {
		if (!model_load(prev, &m, error_r))
			goto out;
		now_in_force = model_version(m);
	}
	if (rename(c->store.model, rejected) != 0 ||
	    (m != NULL && rename(prev, c->store.model) != 0)) {
		error_set(error_r, 0, "%s: %s", c->store.model, g_strerror(errno));
		goto out;
	}
	ok = store_model_record(store, now_in_force, "rolled_back", NULL, NULL, 0, time(NULL),
				error_r);
	if (ok)
		printf("rolled back: %s is in force (the poller loads it on SIGHUP or restart)\n",
		       now_in_force);
out:
	model_free(&m);
	g_free(prev);
	g_free(rejected);
	return ok;
}

/* Cross-validated accuracy; with list, each message the model gets wrong. */
static void evaluate(const struct learner *l, int list)
{
	unsigned *predicted = NULL;
	double share = model_trainer_cross_validate(l->trainer, CV_FOLDS, &predicted);

	for (guint i = 0; list && i < l->names->len; i++) {
		unsigned want = g_array_index(l->kinds, unsigned, i);
		if (predicted[i] == want)
			continue;
		char *w = case_kinds_string(want), *p = case_kinds_string(predicted[i]);
		printf("%s: %s, predicted %s\n", (char *)l->names->pdata[i], w, p);
		g_free(w);
		g_free(p);
	}
	printf("%d-fold cross-validation over %zu messages: %.1f%% exact kinds\n", CV_FOLDS,
	       model_trainer_count(l->trainer), 100.0 * share);
	g_free(predicted);
}

struct train_opts {
	int evaluate, verbose, shipped_only, rollback;
	const char *output;
};

static int parse_opts(int argc, char **argv, struct train_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--evaluate") == 0)
			o->evaluate = 1;
		else if (strcmp(argv[i], "--list") == 0)
			o->verbose = 1;
		else if (strcmp(argv[i], "--shipped") == 0)
			o->shipped_only = 1;
		else if (strcmp(argv[i], "--rollback") == 0)
			o->rollback = 1;
		else if (strcmp(argv[i], "--output") == 0 && i + 1 < argc)
			o->output = argv[++i];
		else
			return 0;
	}
	return !(o->rollback && (o->evaluate || o->shipped_only || o->output != NULL));
}

/* Learn from the corpus and (unless shipped_only) the team's cases. */
static int learn_all(const struct config *c, const struct train_opts *o, struct learner *l,
		     char **error_r)
{
	if (*c->gateway.corpus == '\0' && o->shipped_only)
		return error_set(error_r, 0, "[gateway] corpus is not set: nothing to learn from");
	if (*c->gateway.corpus != '\0' && !learn_corpus(l, c->gateway.corpus, error_r))
		return 0;
	if (!o->shipped_only && store_cases_labelled(l->store, learn_case, l, error_r) != 1)
		return 0;
	if (model_trainer_count(l->trainer) == 0)
		return error_set(error_r, 0, "no labelled messages to learn from");
	return 1;
}

static int train_and_write(const struct config *c, const struct train_opts *o,
			   struct learner *l, char **error_r)
{
	struct pd_model *m = NULL;
	char *on = g_strdup_printf("corpus %zu messages; %u cases", l->corpus,
				   l->case_ids->len);
	const char *path = o->output != NULL ? o->output : c->store.model;
	int ok = model_trainer_build(l->trainer, on, time(NULL), &m, error_r) &&
		 install_model(m, path, error_r);

	if (ok && o->output == NULL)
		ok = store_model_record(l->store, model_version(m), "trained", on,
					(const int64_t *)(void *)l->case_ids->data,
					l->case_ids->len, time(NULL), error_r);
	if (ok)
		printf("trained model %s on %s (%zu features kept, %zu skipped): %s\n",
		       model_version(m), on, model_feature_count(m), l->skipped, path);
	model_free(&m);
	g_free(on);
	return ok;
}

int cli_train(const struct config *config, int argc, char **argv)
{
	struct learner l = { NULL, model_trainer_new(), NULL,
			     g_array_new(FALSE, FALSE, sizeof(int64_t)),
			     g_ptr_array_new_with_free_func(g_free),
			     g_array_new(FALSE, FALSE, sizeof(unsigned)), 0, 0 };
	struct rules *rules = NULL;
	struct train_opts o;
	char *error = NULL;
	int ok = 0, status = EX_SOFTWARE;

	if (!parse_opts(argc, argv, &o)) {
		fprintf(stderr, "usage: pdgate train [--evaluate [--list]] [--shipped] [--output FILE] | "
			"pdgate train --rollback\n");
		status = EX_USAGE;
		goto out;
	}
	if (!o.shipped_only && !store_open(config->store.database, config->store.spool,
					   &l.store, &error))
		goto out;
	if (o.rollback) {
		ok = rollback(config, l.store, &error);
		goto out;
	}
	if (!rules_load(config->gateway.rules, &rules, &error))
		goto out;
	l.rules = rules;
	if (!(ok = learn_all(config, &o, &l, &error)))
		goto out;
	if (o.evaluate)
		evaluate(&l, o.verbose);
	else
		ok = train_and_write(config, &o, &l, &error);
out:
	if (error != NULL)
		log_error("%s", error);
	if (status != EX_USAGE)
		status = ok ? EX_OK : EX_DATAERR;
	g_free(error);
	rules_free(&rules);
	model_trainer_free(&l.trainer);
	g_array_free(l.case_ids, TRUE);
	g_ptr_array_free(l.names, TRUE);
	g_array_free(l.kinds, TRUE);
	store_close(&l.store);
	return status;
}
