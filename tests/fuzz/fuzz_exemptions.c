/* libFuzzer target: the exemptions table (src/lifecycle/exemptions.c, rules/exemptions.tsv's
   format) from text, and the citations the team types ("s31(1)(a), section 30",
   "reg 12(4)(b)"): each line of the input is also read as a list of FOIA exemptions and of
   EIR exceptions, turned into words for a notice and looked up in the table. Promises
   checked: the canonical form is canonical (parsing it again gives it back), a table that
   loads has rows, and what case_exemption_find returns is one of them. */
#include "fuzz.h"

#include "lifecycle.h"

#define MAX_LINES 16

static void citation(const struct case_exemptions *x, const char *line, enum case_law law)
{
	int (*parse)(const char *, char **) = law == CASE_LAW_FOIA ? case_exemptions_parse :
					      case_exceptions_parse;
	char *(*words)(const char *) = law == CASE_LAW_FOIA ? case_exemptions_words :
				      case_exceptions_words;
	char *canonical = NULL, *again = NULL, *w;
	char **items;

	if (!parse(line, &canonical))
		return;
	FUZZ_REQUIRE(parse(canonical, &again) && strcmp(again, canonical) == 0,
		     "canonical \"%s\" parses as \"%s\"", canonical, again);
	w = words(canonical);
	FUZZ_REQUIRE(w != NULL && g_utf8_validate(w, -1, NULL), "words");
	items = g_strsplit(canonical, ",", -1);
	for (char **i = items; x != NULL && *i != NULL; i++) {
		const struct case_exemption *e = case_exemption_find(x, law, *i);
		FUZZ_REQUIRE(e == NULL || (e >= x->item && e < x->item + x->n && e->law == law),
			     "find %s: a row not in the table or of the other law", *i);
	}
	g_strfreev(items);
	g_free(w);
	g_free(again);
	g_free(canonical);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct case_exemptions *x = NULL;
	char *error = NULL;
	char **lines;

	if (case_exemptions_load(text, "fuzz.tsv", &x, &error)) {
		FUZZ_REQUIRE(error == NULL && x != NULL && x->n > 0, "loaded without rows");
		for (size_t i = 0; i < x->n; i++)
			FUZZ_REQUIRE(x->item[i].provision != NULL && x->item[i].title != NULL,
				     "row %zu incomplete", i);
	} else {
		FUZZ_REQUIRE(x == NULL && error != NULL, "failure without an error");
		g_free(error);
	}
	lines = g_strsplit(text, "\n", MAX_LINES + 1);
	for (unsigned i = 0; lines[i] != NULL && i < MAX_LINES; i++) {
		citation(x, lines[i], CASE_LAW_FOIA);
		citation(x, lines[i], CASE_LAW_EIR);
	}
	g_strfreev(lines);
	case_exemptions_free(&x);
	g_free(text);
	return 0;
}
