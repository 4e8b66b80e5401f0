/* classify/train: learns a model from labelled messages with liblinear: one L2-regularised
   logistic regression per kind (a message may ask for several), over the features at least
   MODEL_MIN_CASES messages share. Pure: messages in, a model out; no file is touched. */
#include "model.h"
#include "core.h"
#include "model-private.h"

#include <glib.h>
#include <linear.h>
#include <math.h>
#include <string.h>

#define K LABEL_KIND_COUNT
/* Chosen by cross-validation on the training corpus (`pdgate train --evaluate`). */
#define TRAIN_C 4.0
#define TRAIN_EPS 0.001
/* Rare kinds (portability: 3% of mail) would never reach 0.5: their examples weigh as many
   times more as it takes to balance them, up to this. */
#define MAX_POSITIVE_WEIGHT 16.0


struct example {
	uint32_t *ids;
	size_t n;
	unsigned kinds;
};

struct model_trainer {
	GArray *examples; /* struct example */
};

struct model_trainer *model_trainer_new(void)
{
	struct model_trainer *t = g_new0(struct model_trainer, 1);
	t->examples = g_array_new(FALSE, FALSE, sizeof(struct example));
	return t;
}

void model_trainer_free(struct model_trainer **tp)
{
	struct model_trainer *t = *tp;
	if (t == NULL)
		return;
	for (guint i = 0; i < t->examples->len; i++)
		g_free(g_array_index(t->examples, struct example, i).ids);
	g_array_free(t->examples, TRUE);
	g_free(t);
	*tp = NULL;
}

void model_trainer_add(struct model_trainer *t, const struct model_features *f, unsigned kinds)
{
	struct example e = { g_memdup2(f->ids, (f->n + 1) * sizeof(uint32_t)), f->n, kinds };
	g_array_append_val(t->examples, e);
}

size_t model_trainer_count(const struct model_trainer *t)
{
	return t->examples->len;
}

static void quiet(const char *s)
{
	(void)s;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return (x > y) - (x < y);
}

/* The features at least MODEL_MIN_CASES of the chosen examples have, sorted. Each
   example's ids are unique, so counting ids counts examples. */
static uint32_t *shared_features(const struct example *ex, const int *use, size_t n_ex,
				 size_t *n_r)
{
	GArray *all = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	uint32_t *keep;
	size_t n = 0;

	for (size_t i = 0; i < n_ex; i++) {
		if (use[i])
			g_array_append_vals(all, ex[i].ids, (guint)ex[i].n);
	}
	g_array_sort(all, cmp_u32);
	keep = g_new(uint32_t, all->len + 1);
	for (guint i = 0; i < all->len;) {
		guint j = i;
		uint32_t id = g_array_index(all, uint32_t, i);
		while (j < all->len && g_array_index(all, uint32_t, j) == id)
			j++;
		if (j - i >= MODEL_MIN_CASES)
			keep[n++] = id;
		i = j;
	}
	g_array_free(all, TRUE);
	*n_r = n;
	return keep;
}

static long index_of(const uint32_t *keep, size_t n, uint32_t id)
{
	const uint32_t *p = bsearch(&id, keep, n, sizeof(*keep), cmp_u32);
	return p != NULL ? (long)(p - keep) : -1;
}

/* One example as liblinear's sparse row: kept features (1-based indices), text features at
   MODEL_TEXT_WEIGHT/sqrt(their count), facts at 1 (model.h), then the bias feature at
   n_keep + 1. */
static struct feature_node *row(const struct example *e, const uint32_t *keep, size_t n_keep)
{
	struct feature_node *x = g_new(struct feature_node, e->n + 2);
	size_t n = 0;

	size_t n_text = 0;

	for (size_t i = 0; i < e->n; i++) {
		long at = index_of(keep, n_keep, e->ids[i]);
		if (at < 0)
			continue;
		x[n].value = (e->ids[i] & MODEL_FACT_BIT) ? 1.0 : -1.0;
		n_text += x[n].value < 0;
		x[n++].index = (int)at + 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (x[i].value < 0)
			x[i].value = MODEL_TEXT_WEIGHT / sqrt((double)n_text);
	}
	x[n].index = (int)n_keep + 1;
	x[n++].value = 1.0;
	x[n].index = -1;
	return x;
}

/* Train kind k on prob; its weights into w (n_keep rows of K) and bias[k]. */
static void train_kind(struct problem *prob, const unsigned *kinds, int k, size_t n_keep,
		       float *w, double *bias)
{
	int pos = 0, labels[2] = { 1, -1 }, lab[2];
	double weights[2] = { 1.0, 1.0 };
	struct parameter param = { .solver_type = L2R_LR, .eps = TRAIN_EPS, .C = TRAIN_C,
				   .nr_weight = 2, .weight_label = labels, .weight = weights };
	struct model *lm;

	for (int i = 0; i < prob->l; i++) {
		prob->y[i] = (kinds[i] & (1u << k)) ? 1 : -1;
		pos += prob->y[i] > 0;
	}
	if (pos == 0 || pos == prob->l) {
		/* Nothing to tell apart: the kind is never (or always) asked for. */
		bias[k] = pos == 0 ? -10.0 : 10.0;
		for (size_t i = 0; i < n_keep; i++)
			w[i * K + k] = 0;
		return;
	}
	weights[0] = MIN(MAX_POSITIVE_WEIGHT, (double)(prob->l - pos) / pos);
	lm = train(prob, &param);
	get_labels(lm, lab);
	int idx = lab[0] == 1 ? 0 : 1;
	for (size_t i = 0; i < n_keep; i++)
		w[i * K + k] = (float)get_decfun_coef(lm, (int)i + 1, idx);
	bias[k] = get_decfun_coef(lm, (int)n_keep + 1, idx);
	free_and_destroy_model(&lm);
}

/* Train on the examples where use[i]; returns a model (version and trained_on given). */
static struct pd_model *train_on(const struct model_trainer *t, const int *use,
			      const char *trained_on, int64_t now)
{
	const struct example *ex = (const struct example *)t->examples->data;
	size_t n_ex = t->examples->len, n_keep = 0;
	uint32_t *keep = shared_features(ex, use, n_ex, &n_keep);
	struct problem prob = { 0, (int)n_keep + 1, NULL, NULL, -1 };
	unsigned *kinds = g_new(unsigned, n_ex + 1);
	float *w = g_new0(float, n_keep * K + 1);
	double bias[K];

	prob.x = g_new(struct feature_node *, n_ex + 1);
	prob.y = g_new(double, n_ex + 1);
	for (size_t i = 0; i < n_ex; i++) {
		if (!use[i])
			continue;
		kinds[prob.l] = ex[i].kinds;
		prob.x[prob.l++] = row(&ex[i], keep, n_keep);
	}
	set_print_string_function(quiet);
	for (int k = 0; k < K; k++)
		train_kind(&prob, kinds, k, n_keep, w, bias);
	for (int i = 0; i < prob.l; i++)
		g_free(prob.x[i]);
	g_free(prob.x);
	g_free(prob.y);
	g_free(kinds);
	return model_new_internal(trained_on, n_keep, keep, w, bias, now);
}

int model_trainer_build(const struct model_trainer *t, const char *trained_on, int64_t now,
			struct pd_model **m_r, char **error_r)
{
	size_t n = t->examples->len;
	int *use;

	if (n == 0)
		return error_set(error_r, 0, "no labelled messages to learn from");
	use = g_new(int, n);
	for (size_t i = 0; i < n; i++)
		use[i] = 1;
	*m_r = train_on(t, use, trained_on, now);
	g_free(use);
	return 1;
}

static unsigned predict_kinds(const struct pd_model *m, const struct model_features *f)
{
	double prob[K];

	model_score(m, f, prob);
	return model_kinds(prob);
}

double model_trainer_cross_validate(const struct model_trainer *t, int folds,
				    unsigned **predicted_r)
{
	const struct example *ex = (const struct example *)t->examples->data;
	size_t n = t->examples->len, right = 0;
	int *use = g_new(int, n + 1);
	unsigned *predicted = g_new0(unsigned, n + 1);

	for (int fold = 0; fold < folds && n > 0; fold++) {
		for (size_t i = 0; i < n; i++)
			use[i] = (int)(i % (size_t)folds) != fold;
		struct pd_model *m = train_on(t, use, "cross-validation", 0);
		for (size_t i = 0; i < n; i++) {
			struct model_features f = { ex[i].ids, NULL, ex[i].n };
			if (use[i])
				continue;
			predicted[i] = predict_kinds(m, &f);
			right += predicted[i] == ex[i].kinds;
		}
		model_free(&m);
	}
	g_free(use);
	if (predicted_r != NULL)
		*predicted_r = predicted;
	else
		g_free(predicted);
	return n > 0 ? (double)right / (double)n : 0.0;
}
