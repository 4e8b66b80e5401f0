/* classify-bench: cost of classifying one message. Loads a rule file twice (GRegex only,
   then Hyperscan with its GRegex fallback), parses each message once, evaluates every message
   in rounds for about 2 s per engine, and prints for each engine the median and p99 over the
   messages of the mean wall time of one evaluation, in microseconds: the rules alone, then
   the whole classification with the model (classify_message_model: header checks, rules,
   features, the model's sparse dot product).
   Usage: classify-bench RULES_FILE MODEL_FILE MESSAGE.eml... */
#include "classify.h"
#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define BENCH_SECONDS 2.0

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_file(const char *path, struct mime_message **msg_r)
{
	char *raw = NULL, *error = NULL;
	size_t len = 0;
	int ret = 0;

	if (!pd_read_file(path, PD_MAX_MESSAGE_SIZE, &raw, &len, &error) ||
	    !mime_parse(raw, len, msg_r, &error)) {
		fprintf(stderr, "%s: %s\n", path, error);
		goto out;
	}
	ret = 1;
out:
	g_free(raw);
	g_free(error);
	return ret;
}

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One evaluation: the rules alone (model NULL) or the whole classification. */
static void evaluate(const struct rules *rules, const struct pd_model *model,
		     const struct mime_message *msg)
{
	struct rules_result result;
	struct classify_result r;

	if (model == NULL) {
		rules_eval(rules, msg, &result);
		rules_result_clear(&result);
	} else {
		classify_message_model(rules, model, msg, FALSE, &r);
		classify_result_clear(&r);
	}
}

/* Evaluate every message once per round until BENCH_SECONDS of CPU; per_msg[i]: the mean
   time of one evaluation of message i, in microseconds. */
static void run(const struct rules *rules, const struct pd_model *model,
		struct mime_message **msgs, int n, double *per_msg)
{
	double start = cpu_seconds(), t;
	unsigned long rounds = 0;

	for (int i = 0; i < n; i++)
		per_msg[i] = 0;
	while (cpu_seconds() - start < BENCH_SECONDS) {
		for (int i = 0; i < n; i++) {
			t = now_seconds();
			evaluate(rules, model, msgs[i]);
			per_msg[i] += now_seconds() - t;
		}
		rounds++;
	}
	for (int i = 0; i < n; i++)
		per_msg[i] = per_msg[i] * 1e6 / (double)rounds;
}

/* One engine: load, run, print "classify LABEL: ...". 0 on a load error. */
static int bench(const char *path, enum rules_engine engine, const struct pd_model *model,
		 const char *label, struct mime_message **msgs, int n)
{
	struct rules *rules = NULL;
	struct rules_engine_info info;
	double *per_msg = g_malloc_n((gsize)n, sizeof(*per_msg)), load = now_seconds();
	char *error = NULL;
	int ret = 0;

	if (!rules_load_engine(path, engine, &rules, &error)) {
		fprintf(stderr, "%s\n", error);
		goto out;
	}
	load = now_seconds() - load;
	rules_engine_get(rules, &info);
	run(rules, model, msgs, n, per_msg);
	qsort(per_msg, (size_t)n, sizeof(*per_msg), cmp_double);
	printf("classify %-17s %d messages, %u rules (%u regexes: %u in Hyperscan, %u by GRegex):"
	       " median %.1f us, p99 %.1f us per message (load %.2f s)\n", label, n,
	       rules_count(rules), info.n_text_regexes, info.n_hyperscan, info.n_gregex,
	       per_msg[n / 2], per_msg[(n * 99 + 99) / 100 - 1], load);
	ret = 1;
out:
	rules_free(&rules);
	g_free(per_msg);
	g_free(error);
	return ret;
}

int main(int argc, char **argv)
{
	struct mime_message **msgs = NULL;
	struct pd_model *model = NULL;
	char *error = NULL;
	int n = argc - 3, ret = 1;

	if (argc < 4) {
		fprintf(stderr, "usage: %s RULES_FILE MODEL_FILE MESSAGE.eml...\n", argv[0]);
		return 2;
	}
	mime_init();
	msgs = g_malloc0_n((gsize)n, sizeof(*msgs));
	if (!model_load(argv[2], &model, &error)) {
		fprintf(stderr, "%s\n", error);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!parse_file(argv[i + 3], &msgs[i]))
			goto out;
	}
	/* CLASSIFY_BENCH_ONLY=production: only what the poller runs, for a profiler. */
	if (g_strcmp0(g_getenv("CLASSIFY_BENCH_ONLY"), "production") == 0)
		ret = !bench(argv[1], RULES_ENGINE_AUTO, model, "+model Hyperscan", msgs, n);
	else if (bench(argv[1], RULES_ENGINE_GREGEX, NULL, "rules GRegex", msgs, n) &&
		 bench(argv[1], RULES_ENGINE_AUTO, NULL, "rules Hyperscan", msgs, n) &&
		 bench(argv[1], RULES_ENGINE_GREGEX, model, "+model GRegex", msgs, n) &&
		 bench(argv[1], RULES_ENGINE_AUTO, model, "+model Hyperscan", msgs, n))
		ret = 0;
out:
	model_free(&model);
	g_free(error);
	for (int i = 0; i < n; i++)
		mime_message_free(&msgs[i]);
	g_free(msgs);
	mime_deinit();
	return ret;
}
