/* classify: turns rule scores into the result the team sees. Pure: the message is the
   validated struct from mime; the rules were compiled at load. */
#include "classify.h"
#include "core.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const on_behalf_names[] = { "none", "solicitor", "parent", "other" };
static const char *const regime_names[] = { "unknown", "law_enforcement", "general" };

const char *classify_on_behalf_name(enum classify_on_behalf v)
{
	return on_behalf_names[v];
}

const char *classify_regime_name(enum classify_regime v)
{
	return regime_names[v];
}

/* Of the labels given, the one with the highest score that fired, or -1. */
static int best_fired(const struct rules_result *rr, const enum rules_label *labels, size_t n)
{
	int best = -1;
	for (size_t i = 0; i < n; i++) {
		if (rr->fired[labels[i]] &&
		    (best < 0 || rr->score[labels[i]] > rr->score[labels[best]]))
			best = (int)i;
	}
	return best;
}

static void set_indicators(struct classify_result *r)
{
	static const enum rules_label behalf[] = { LABEL_ON_BEHALF_SOLICITOR,
						   LABEL_ON_BEHALF_PARENT,
						   LABEL_ON_BEHALF_OTHER };
	static const enum rules_label regime[] = { LABEL_REGIME_LAW_ENFORCEMENT,
						   LABEL_REGIME_GENERAL };
	const struct rules_result *rr = &r->rules;
	int b = best_fired(rr, behalf, G_N_ELEMENTS(behalf));
	int g = best_fired(rr, regime, G_N_ELEMENTS(regime));

	r->identity_attached = rr->fired[LABEL_IDENTITY_ATTACHED];
	r->child = rr->fired[LABEL_CHILD];
	r->vague = rr->fired[LABEL_VAGUE];
	r->withdrawal = rr->fired[LABEL_WITHDRAWAL];
	r->on_behalf = b < 0 ? ON_BEHALF_NONE : (enum classify_on_behalf)(b + 1);
	r->regime_hint = g < 0 ? REGIME_UNKNOWN : (enum classify_regime)(g + 1);
}

/* The first fired rule that scores `auto`, as the reason. */
static const char *rules_auto_reason(const struct rules_result *rr)
{
	for (size_t i = 0; i < rr->n_hits; i++) {
		if (rr->hits[i].score[LABEL_AUTO] > 0)
			return rr->hits[i].describe != NULL ? rr->hits[i].describe : rr->hits[i].name;
	}
	return "automatic mail (rules)";
}

void classify_message(const struct rules *rules, const struct mime_message *msg,
		      struct classify_result *r)
{
	memset(r, 0, sizeof(*r));
	if (rules != NULL)
		rules_eval(rules, msg, &r->rules);
	r->auto_reason = classify_auto_reason(msg);
	if (r->auto_reason == NULL && r->rules.fired[LABEL_AUTO])
		r->auto_reason = rules_auto_reason(&r->rules);
	r->auto_mail = r->auto_reason != NULL;
	set_indicators(r);
	if (r->auto_mail) {
		/* machine mail exercises no right, is written for no one; every prob stays 0 */
		r->on_behalf = ON_BEHALF_NONE;
		return;
	}
	classify_prob_from_rules(rules, r);
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		if (r->rules.fired[k])
			r->kinds |= 1u << k;
	}
}

/* The kinds a rule forces on (*on) or off (*off), whatever the model says. */
static void forced_kinds(const struct rules_result *rr, unsigned *on, unsigned *off)
{
	*on = *off = 0;
	for (size_t i = 0; i < rr->n_hits; i++) {
		for (int k = 0; k < LABEL_KIND_COUNT; k++) {
			if (rr->hits[i].score[k] >= CLASSIFY_RULE_FORCE)
				*on |= 1u << k;
			else if (rr->hits[i].score[k] <= -CLASSIFY_RULE_FORCE)
				*off |= 1u << k;
		}
	}
}

static int most_likely(const double *prob)
{
	int best = 0;
	for (int k = 1; k < LABEL_KIND_COUNT; k++) {
		if (prob[k] > prob[best])
			best = k;
	}
	return best;
}

/* Why: the features that weighed most for each kind found, or the most likely one. */
static void explain(const struct pd_model *model, const struct model_features *f,
		    struct classify_result *r)
{
	struct model_weight w[CLASSIFY_MAX_WHY];
	unsigned kinds = r->kinds != 0 ? r->kinds : 1u << most_likely(r->prob);
	int n_kinds = __builtin_popcount(kinds);
	size_t per_kind = MAX(1, CLASSIFY_MAX_WHY / n_kinds);

	r->why = g_new0(struct classify_why, CLASSIFY_MAX_WHY);
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		if (!(kinds & (1u << k)))
			continue;
		size_t n = model_explain(model, f, (enum rules_label)k, w,
					 MIN(per_kind, CLASSIFY_MAX_WHY - r->n_why));
		for (size_t i = 0; i < n; i++) {
			struct classify_why *y = &r->why[r->n_why++];
			y->feature = g_strdup(w[i].feature);
			y->kind = (enum rules_label)k;
			y->weight = w[i].weight;
		}
	}
}

void classify_message_model(const struct rules *rules, const struct pd_model *model,
			    const struct mime_message *msg, int want_why,
			    struct classify_result *r)
{
	struct model_features *f;
	unsigned on, off;

	classify_message(rules, msg, r);
	if (model == NULL || r->auto_mail)
		return;
	f = model_features_new(msg, &r->rules, want_why);
	model_score(model, f, r->prob);
	r->model_version = model_version(model);
	forced_kinds(&r->rules, &on, &off);
	r->kinds = (model_kinds(r->prob) | on) & ~off;
	if (want_why)
		explain(model, f, r);
	model_features_free(&f);
}

void classify_result_clear(struct classify_result *r)
{
	for (size_t i = 0; i < r->n_why; i++)
		g_free(r->why[i].feature);
	g_free(r->why);
	rules_result_clear(&r->rules);
	g_free(r->case_ref);
	g_free(r->repeat_of);
	g_free(r->complaint_about);
	memset(r, 0, sizeof(*r));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Names of the kinds in kinds, sorted; NULL-terminated, strings borrowed. */
static const char **kind_names(unsigned kinds, size_t *n_r)
{
	const char **names = g_new0(const char *, LABEL_KIND_COUNT + 1);
	size_t n = 0;
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		if (kinds & (1u << k))
			names[n++] = rules_label_name((enum rules_label)k);
	}
	qsort(names, n, sizeof(*names), cmp_str);
	*n_r = n;
	return names;
}

static void add_kinds(JsonBuilder *b, unsigned kinds)
{
	size_t n = 0;
	const char **names = kind_names(kinds, &n);
	json_builder_set_member_name(b, "kinds");
	json_builder_begin_array(b);
	if (n == 0)
		json_builder_add_string_value(b, "other");
	for (size_t i = 0; i < n; i++)
		json_builder_add_string_value(b, names[i]);
	json_builder_end_array(b);
	g_free(names);
}

static void add_hit(JsonBuilder *b, const struct rules_hit *h)
{
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "name");
	json_builder_add_string_value(b, h->name);
	json_builder_set_member_name(b, "describe");
	json_builder_add_string_value(b, h->describe);
	json_builder_set_member_name(b, "scores");
	json_builder_begin_object(b);
	for (int l = 0; l < LABEL_COUNT; l++) {
		if (h->score[l] == 0)
			continue;
		json_builder_set_member_name(b, rules_label_name((enum rules_label)l));
		json_builder_add_double_value(b, h->score[l]);
	}
	json_builder_end_object(b);
	json_builder_end_object(b);
}

static void add_member_string(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value != NULL)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

static void add_member_bool(JsonBuilder *b, const char *name, int value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_boolean_value(b, value != 0);
}

/* What the model said: its version, each kind's probability, what weighed most. */
static void add_model(JsonBuilder *b, const struct classify_result *r)
{
	add_member_string(b, "model", r->model_version);
	json_builder_set_member_name(b, "probabilities");
	json_builder_begin_object(b);
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		json_builder_set_member_name(b, rules_label_name((enum rules_label)k));
		json_builder_add_double_value(b, round(r->prob[k] * 1000) / 1000);
	}
	json_builder_end_object(b);
	json_builder_set_member_name(b, "why");
	json_builder_begin_array(b);
	for (size_t i = 0; i < r->n_why; i++) {
		json_builder_begin_object(b);
		add_member_string(b, "feature", r->why[i].feature);
		add_member_string(b, "kind", rules_label_name(r->why[i].kind));
		json_builder_set_member_name(b, "weight");
		json_builder_add_double_value(b, round(r->why[i].weight * 1000) / 1000);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}

char *classify_result_json(const struct classify_result *r, const char *file, int pretty)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	if (file != NULL)
		add_member_string(b, "file", file);
	add_kinds(b, r->kinds);
	add_member_bool(b, "auto", r->auto_mail);
	add_member_string(b, "auto_reason", r->auto_reason);
	add_member_bool(b, "identity_attached", r->identity_attached);
	add_member_string(b, "on_behalf", classify_on_behalf_name(r->on_behalf));
	add_member_bool(b, "child", r->child);
	add_member_string(b, "regime_hint", classify_regime_name(r->regime_hint));
	add_member_bool(b, "vague", r->vague);
	add_member_bool(b, "withdrawal", r->withdrawal);
	add_member_string(b, "case_ref", r->case_ref);
	add_member_string(b, "repeat_of", r->repeat_of);
	add_member_string(b, "complaint_about", r->complaint_about);
	add_member_string(b, "complaint_type", r->complaint_type);
	json_builder_set_member_name(b, "rules");
	json_builder_begin_array(b);
	for (size_t i = 0; i < r->rules.n_hits; i++)
		add_hit(b, &r->rules.hits[i]);
	json_builder_end_array(b);
	add_model(b, r);
	json_builder_end_object(b);
	return pd_json_finish(b, pretty);
}
