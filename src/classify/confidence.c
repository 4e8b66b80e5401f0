/* classify/confidence: how sure the classifier is of the kinds it found, from each kind's
   probability (today the rules' scores through a logistic curve; later a statistical model).
   Pure: no I/O. */
#include "classify.h"

#include <math.h>


void classify_prob_from_rules(const struct rules *rules, struct classify_result *r)
{
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		double x = r->rules.score[k] - rules_threshold(rules, (enum rules_label)k);
		r->prob[k] = r->auto_mail ? 0.0 : 1.0 / (1.0 + exp(-CLASSIFY_PROB_SLOPE * x));
	}
}

/* Strictly inside the band where a kind is neither clearly in nor clearly out. */
static int near_line(double p, double confidence)
{
	return p > 1.0 - confidence && p < confidence;
}

int classify_is_uncertain(const struct classify_result *r, double confidence)
{
	double best = 0.0;

	/* 0.5 is the documented "off"; NaN fails every comparison and is off too. */
	if (r->auto_mail || !(confidence > 0.5))
		return 0;
	for (int k = 0; k < LABEL_KIND_COUNT; k++) {
		if (near_line(r->prob[k], confidence))
			return 1;
		if (r->prob[k] > best)
			best = r->prob[k];
	}
	/* "Other" is a guess too when some kind came close. */
	return r->kinds == 0 && best >= 1.0 - confidence;
}

/* Indices of the kinds by probability, highest first (ties: label order). */
static void by_prob(const struct classify_result *r, int order[LABEL_KIND_COUNT])
{
	for (int i = 0; i < LABEL_KIND_COUNT; i++) {
		int j = i;
		for (; j > 0 && r->prob[order[j - 1]] < r->prob[i]; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

char *classify_uncertain_text(const struct classify_result *r, double confidence)
{
	int order[LABEL_KIND_COUNT];
	GString *s = g_string_new(NULL);
	int n = 0;

	by_prob(r, order);
	for (int i = 0; i < LABEL_KIND_COUNT && n < CLASSIFY_UNSURE_MAX; i++) {
		int k = order[i];
		int fired = (r->kinds & (1u << k)) != 0;
		if (n > 0 && !fired && !near_line(r->prob[k], confidence))
			continue;
		g_string_append_printf(s, "%s%s %.2f", n > 0 ? ", " : "",
				       rules_label_name((enum rules_label)k), r->prob[k]);
		n++;
	}
	return g_string_free(s, FALSE);
}
