/* libFuzzer target: the deadline table (src/clock/table.c, rules/deadlines.tsv's format) from
   text, then every row it accepts put to work: clock_table_find must find a row for the row's
   own kind and first day, and clock_deadline / clock_days_left run on a request received
   that day (with a clarification stop and an extension), so that odd limits, units and dates
   an admin may write reach the date arithmetic of src/clock/deadline.c too. */
#include "fuzz.h"

#include "clock.h"

/* Rows computed per input: the parser takes up to 10000, the arithmetic is what matters. */
#define MAX_ROWS 32

static void compute(const struct clock_table *t, const struct clock_rule *rule)
{
	enum clock_regime regime = rule->regime == CLOCK_REGIME_ANY ? CLOCK_REGIME_GENERAL :
				   rule->regime;
	const struct clock_rule *found = clock_table_find(t, rule->kind, rule->complaint, regime,
							  &rule->from);
	struct clock_stop stop;
	struct clock_request req = {
		.kind = rule->kind, .complaint = rule->complaint, .regime = regime,
		.received = rule->from, .stops = &stop, .n_stops = 1, .extended = 1,
	};
	struct clock_result res;
	char *error = NULL, *id = clock_rule_id(rule);
	GDate today;
	int days;

	FUZZ_REQUIRE(found != NULL, "no row found for its own kind and day: %s", id);
	g_free(id);
	g_date_clear(&req.valid_from, 1);
	g_date_clear(&req.extension_asked_on, 1);
	stop.from = stop.to = rule->from;
	/* Stops and "today" a little later, where the calendar still has room (the clock
	   accepts years up to 9000 only). */
	if (g_date_get_year(&rule->from) < 8990) {
		g_date_add_days(&stop.from, 3);
		g_date_add_days(&stop.to, 10);
	} else {
		req.n_stops = 0;
	}
	today = stop.to;
	for (int with_stop = 0; with_stop < 2; with_stop++) {
		req.n_stops = with_stop ? req.n_stops : 0;
		if (clock_deadline(t, &req, &res, &error)) {
			FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
			(void)clock_days_left(&res, &today, NULL, &days);
		} else {
			FUZZ_REQUIRE(error != NULL, "failure without an error");
			g_clear_pointer(&error, g_free);
		}
		clock_result_clear(&res);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	struct clock_table *t = NULL;
	char *error = NULL;

	if (clock_table_parse("fuzz.tsv", text, size, &t, &error)) {
		unsigned n = 0;
		const struct clock_rule *rules = clock_table_rules(t, &n);

		FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
		for (unsigned i = 0; i < n && i < MAX_ROWS; i++)
			compute(t, &rules[i]);
		clock_table_free(&t);
	} else {
		FUZZ_REQUIRE(t == NULL && error != NULL, "failure without an error");
		g_free(error);
	}
	g_free(text);
	return 0;
}
