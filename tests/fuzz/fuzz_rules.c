/* libFuzzer target: the rules parser (src/classify/rules-parse.c) on a rule file an admin
   edits, then the compiled rules evaluated against two small fixed messages (rules-eval.c).
   rules_load reads a path, so the input is written to a file in this process's own folder;
   beside it is other.rules, so that an "include other.rules" (and include loops through
   fuzz.rules itself) are reachable. Promises checked: success has no error and failure
   always says why; what rules_eval reports is consistent with the thresholds. */
#include "fuzz.h"

#include <math.h>

#include "mime.h"
#include "rules.h"

static struct mime_message *msgs[2];
static const char other_rules[] =
	"body OTHER_BODY /police/\nscore OTHER_BODY foi=0.5\n"
	"subject OTHER_SUBJ /request/\nmeta OTHER_META OTHER_BODY && !OTHER_SUBJ\n";

static const char *const raw[2] = {
	"From: Jo Bloggs <jo@example.org>\r\nTo: disclosure@police.example.uk\r\n"
	"Subject: Subject access request PD-2026-000123\r\nMessage-ID: <a@b>\r\n"
	"Auto-Submitted: no\r\n\r\nPlease send me a copy of all the personal data you hold "
	"about me.\r\n> quoted line\r\nOn Mon, Jo wrote:\r\n> old\r\n",
	"From: =?utf-8?q?Ren=C3=A9e?= <r@example.net>\r\nSubject: FOI: how many police cars\r\n"
	"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
	"How many vehicles did the force buy in each year since 2020?\r\n--b\r\n"
	"Content-Type: image/jpeg\r\nContent-Disposition: attachment; filename=passport.jpg\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\n/9j/4AAQ\r\n--b--\r\n",
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	mime_init();
	for (size_t i = 0; i < G_N_ELEMENTS(raw); i++) {
		char *error = NULL;
		FUZZ_REQUIRE(mime_parse(raw[i], strlen(raw[i]), &msgs[i], &error), "%s", error);
	}
	fuzz_write_file("other.rules", other_rules, sizeof(other_rules) - 1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_write_file("fuzz.rules", data, size);
	struct rules *rules = NULL;
	char *error = NULL;

	if (!rules_load(path, &rules, &error)) {
		FUZZ_REQUIRE(rules == NULL && error != NULL && *error != '\0',
			     "failure without an error");
		g_free(error);
		return 0;
	}
	FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
	(void)rules_count(rules);
	for (size_t i = 0; i < G_N_ELEMENTS(msgs); i++) {
		struct rules_result res;
		double sum[LABEL_COUNT] = { 0 };

		rules_eval(rules, msgs[i], &res);
		for (size_t h = 0; h < res.n_hits; h++) {
			FUZZ_REQUIRE(res.hits[h].name != NULL, "hit without a name");
			for (unsigned l = 0; l < LABEL_COUNT; l++)
				sum[l] += res.hits[h].score[l];
		}
		/* What fired is the sum of the hits' scores (rules.h); exact in doubles only
		   up to rounding, so compare loosely. */
		for (unsigned l = 0; l < LABEL_COUNT; l++)
			FUZZ_REQUIRE(fabs(sum[l] - res.score[l]) <= 1e-6 * (1.0 + fabs(sum[l])) ||
				     isnan(sum[l]) || isinf(sum[l]),
				     "label %u: hits add to %g, score %g", l, sum[l],
				     res.score[l]);
		rules_result_clear(&res);
	}
	rules_free(&rules);
	return 0;
}
