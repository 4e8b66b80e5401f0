/* classify-bench: CPU cost of the rules alone. Loads a rule file, parses each message once,
   then evaluates all of them in a loop for about 2 s of process CPU time and prints
   "classify: N messages x R rules: X.X us per message (CPU)".
   Usage: classify-bench RULES_FILE MESSAGE.eml... */
#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "rules.h"

#include <stdio.h>
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

/* Evaluate every message once per round until BENCH_SECONDS of CPU; the rounds done. */
static unsigned long run(const struct rules *rules, struct mime_message **msgs, int n,
			 double *seconds_r)
{
	double start = cpu_seconds(), now = start;
	unsigned long rounds = 0;
	struct rules_result result;

	while (now - start < BENCH_SECONDS) {
		for (int i = 0; i < n; i++) {
			rules_eval(rules, msgs[i], &result);
			rules_result_clear(&result);
		}
		rounds++;
		now = cpu_seconds();
	}
	*seconds_r = now - start;
	return rounds;
}

int main(int argc, char **argv)
{
	struct rules *rules = NULL;
	struct mime_message **msgs = NULL;
	char *error = NULL;
	double seconds = 0;
	unsigned long rounds;
	int n = argc - 2, ret = 1;

	if (argc < 3) {
		fprintf(stderr, "usage: %s RULES_FILE MESSAGE.eml...\n", argv[0]);
		return 2;
	}
	mime_init();
	msgs = g_malloc0_n((gsize)n, sizeof(*msgs));
	if (!rules_load(argv[1], &rules, &error)) {
		fprintf(stderr, "%s\n", error);
		goto out;
	}
	for (int i = 0; i < n; i++) {
		if (!parse_file(argv[i + 2], &msgs[i]))
			goto out;
	}
	rounds = run(rules, msgs, n, &seconds);
	printf("classify: %d messages x %u rules: %.1f us per message (CPU)\n", n,
	       rules_count(rules), seconds * 1e6 / ((double)rounds * n));
	ret = 0;
out:
	for (int i = 0; i < n; i++)
		mime_message_free(&msgs[i]);
	g_free(msgs);
	rules_free(&rules);
	g_free(error);
	mime_deinit();
	return ret;
}
