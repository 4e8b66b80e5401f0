/* cli/classify: `pdgate classify` and `pdgate rules check`. Files named on the command line
   are read as untrusted mail (bounded, parsed by mime) like anything from the mailbox. */
#include "cli.h"
#include "lifecycle.h"
#include "classify.h"
#include "gateway.h"
#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "rules.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

/* "N rules, M in Hyperscan, K by GRegex:" and a line per rule Hyperscan left to GRegex. */
static void print_engine(const struct rules *rules)
{
	struct rules_engine_info info;

	rules_engine_get(rules, &info);
	printf("%u rules, %u in Hyperscan, %u by GRegex%s%s%s\n", rules_count(rules),
	       info.n_hyperscan, info.n_gregex, info.off != NULL ? " (" : ":",
	       info.off != NULL ? info.off : "", info.off != NULL ? ")" : "");
	for (unsigned i = 0; i < info.n_notes; i++)
		printf("  %s\n", info.notes[i]);
}

int cli_rules_check(const struct config *config)
{
	struct rules *rules = NULL;
	char *error = NULL;
	int ok = rules_load(config->gateway.rules, &rules, &error);

	if (ok) {
		printf("%s: %u rules, valid\n", config->gateway.rules, rules_count(rules));
		print_engine(rules);
	} else
		fprintf(stderr, "%s\n", error);
	rules_free(&rules);
	g_free(error);
	return ok ? EX_OK : EX_CONFIG;
}

static void print_text(const char *file, const struct classify_result *r)
{
	char *kinds = case_kinds_string(r->kinds);
	printf("%s\n  kinds %s; auto %s%s%s; identity attached %s; on behalf %s; child %s;"
	       " regime %s; vague %s; case %s; repeat of %s\n",
	       file, kinds, r->auto_mail ? "yes" : "no", r->auto_mail ? " - " : "",
	       r->auto_mail ? r->auto_reason : "", r->identity_attached ? "yes" : "no",
	       classify_on_behalf_name(r->on_behalf), r->child ? "yes" : "no",
	       classify_regime_name(r->regime_hint), r->vague ? "yes" : "no",
	       r->case_ref != NULL ? r->case_ref : "-", r->repeat_of != NULL ? r->repeat_of : "-");
	if (r->model_version != NULL) {
		printf("  model %s:", r->model_version);
		for (int k = 0; k < LABEL_KIND_COUNT; k++) {
			if (r->prob[k] >= 0.01)
				printf(" %s %.2f", rules_label_name((enum rules_label)k), r->prob[k]);
		}
		printf("\n");
	}
	for (size_t i = 0; i < r->rules.n_hits; i++) {
		const struct rules_hit *h = &r->rules.hits[i];
		printf("  %-28s", h->name);
		for (int l = 0; l < LABEL_COUNT; l++) {
			if (h->score[l] != 0)
				printf(" %s%+.1f", rules_label_name((enum rules_label)l), h->score[l]);
		}
		printf("%s%s\n", h->describe != NULL ? "  # " : "",
		       h->describe != NULL ? h->describe : "");
	}
	g_free(kinds);
}

/* Classify one file; prints its result (text) or returns its JSON in *json_r. 1 or 0. */
static int classify_file(const struct config *config, const struct rules *rules,
			 const struct pd_model *model, const char *file, int json, GPtrArray *out)
{
	char *raw = NULL, *error = NULL;
	size_t len = 0;
	struct mime_message *msg = NULL;
	struct classify_result r;
	int ret = 0;

	memset(&r, 0, sizeof(r));
	if (!pd_read_file(file, PD_MAX_MESSAGE_SIZE, &raw, &len, &error) ||
	    !mime_parse(raw, len, &msg, &error)) {
		log_error("%s: %s", file, error);
		goto out;
	}
	classify_message_model(rules, model, msg, json, &r);
	r.case_ref = classify_find_reference(msg->subject, config->gateway.reference_prefix);
	if (json)
		g_ptr_array_add(out, classify_result_json(&r, file, FALSE));
	else
		print_text(file, &r);
	ret = 1;
out:
	classify_result_clear(&r);
	mime_message_free(&msg);
	g_free(raw);
	g_free(error);
	return ret;
}

int cli_classify(const struct config *config, int argc, char **argv)
{
	struct rules *rules = NULL;
	struct pd_model *model = NULL;
	char *error = NULL;
	int json = 0, failed = 0, status = EX_OK;
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	if (!rules_load(config->gateway.rules, &rules, &error) ||
	    !gateway_model_load(config, &model, &error)) {
		fprintf(stderr, "%s\n", error);
		status = EX_CONFIG;
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (!classify_file(config, rules, model, argv[i], json, out))
			failed++;
	}
	if (json) {
		/* One object per line inside the array: easy to read and to grep. */
		printf("[\n");
		for (guint i = 0; i < out->len; i++)
			printf("%s%s\n", (char *)out->pdata[i], i + 1 < out->len ? "," : "");
		printf("]\n");
	}
	status = failed > 0 ? EX_DATAERR : EX_OK;
out:
	g_ptr_array_free(out, TRUE);
	rules_free(&rules);
	model_free(&model);
	g_free(error);
	return status;
}
