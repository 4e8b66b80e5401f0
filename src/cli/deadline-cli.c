/* cli/deadline: `pdgate deadline`, the deadline engine for admins and scripts. Arguments are
   the operator's; they are still parsed strictly (dates YYYY-MM-DD, known kinds/regimes). */
#include "cli.h"
#include "clock.h"
#include "lifecycle.h"
#include "core.h"

#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

struct deadline_args {
	struct clock_request req;
	GArray *stops; /* of struct clock_stop */
	int json;
};

static int parse_stop(const char *s, struct clock_stop *stop)
{
	char **parts = g_strsplit(s, ":", 3);
	int ok = g_strv_length(parts) == 2 && clock_date_parse(parts[0], &stop->from) &&
		 clock_date_parse(parts[1], &stop->to);
	g_strfreev(parts);
	return ok;
}

/* Parse one option (and its value); returns the number of argv entries used, or 0. */
static int parse_option(struct deadline_args *a, int argc, char **argv, int i)
{
	const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
	struct clock_stop stop;

	if (strcmp(opt, "--json") == 0)
		return a->json = 1;
	if (strcmp(opt, "--extended") == 0)
		return a->req.extended = 1;
	if (val == NULL)
		return 0;
	if (strcmp(opt, "--kind") == 0)
		return clock_kind_parse(val, &a->req.kind) ? 2 : 0;
	if (strcmp(opt, "--complaint-type") == 0)
		return clock_complaint_parse(val, &a->req.complaint) ? 2 : 0;
	if (strcmp(opt, "--regime") == 0)
		return clock_regime_parse(val, &a->req.regime) &&
		       a->req.regime != CLOCK_REGIME_ANY ? 2 : 0;
	if (strcmp(opt, "--received") == 0)
		return clock_date_parse(val, &a->req.received) ? 2 : 0;
	if (strcmp(opt, "--valid-from") == 0)
		return clock_date_parse(val, &a->req.valid_from) ? 2 : 0;
	if (strcmp(opt, "--extension-asked") == 0)
		return clock_date_parse(val, &a->req.extension_asked_on) ? 2 : 0;
	if (strcmp(opt, "--stopped") == 0 && parse_stop(val, &stop)) {
		g_array_append_val(a->stops, stop);
		return 2;
	}
	return 0;
}

static int parse_args(struct deadline_args *a, int argc, char **argv)
{
	int have_kind = 0, have_regime = 0;
	for (int i = 1; i < argc;) {
		int used = parse_option(a, argc, argv, i);
		if (used == 0) {
			fprintf(stderr, "pdgate deadline: invalid option or value: %s\n", argv[i]);
			return 0;
		}
		have_kind |= strcmp(argv[i], "--kind") == 0;
		have_regime |= strcmp(argv[i], "--regime") == 0;
		i += used;
	}
	if (!have_kind || !have_regime || !g_date_valid(&a->req.received)) {
		fprintf(stderr, "pdgate deadline: --kind, --regime and --received are required\n");
		return 0;
	}
	a->req.stops = (const struct clock_stop *)(void *)a->stops->data;
	a->req.n_stops = a->stops->len;
	return 1;
}

static void set_date(JsonBuilder *b, const char *name, const GDate *d)
{
	char buf[11];
	json_builder_set_member_name(b, name);
	if (g_date_valid(d))
		json_builder_add_string_value(b, clock_date_iso(d, buf));
	else
		json_builder_add_null_value(b);
}

/* Stops given for a rule that has none (the clarification stop is for access only). */
static int stops_ignored(const struct deadline_args *a, const struct clock_result *res)
{
	return a->req.n_stops > 0 && !res->stop_the_clock;
}

static void print_json(const struct deadline_args *a, const struct clock_result *res)
{
	JsonBuilder *b = json_builder_new();
	json_builder_begin_object(b);
	set_date(b, "deadline", &res->deadline);
	set_date(b, "extension_notice_by", &res->extension_notice_by);
	set_date(b, "extended_deadline", &res->extended_deadline);
	set_date(b, "acknowledge_by", &res->acknowledge_by);
	json_builder_set_member_name(b, "basis");
	json_builder_add_string_value(b, clock_basis_name(res->basis));
	json_builder_set_member_name(b, "stops_ignored");
	json_builder_add_boolean_value(b, stops_ignored(a, res));
	json_builder_set_member_name(b, "rule");
	json_builder_add_string_value(b, res->rule);
	json_builder_set_member_name(b, "extension_refused");
	if (res->extension_refused != NULL)
		json_builder_add_string_value(b, res->extension_refused);
	else
		json_builder_add_null_value(b);
	json_builder_end_object(b);
	char *text = pd_json_finish(b, TRUE);
	printf("%s\n", text);
	g_free(text);
}

static void print_line(const char *label, const GDate *d)
{
	char *s = g_date_valid(d) ? clock_date_long(d) : g_strdup("-");
	printf("%-21s %s\n", label, s);
	g_free(s);
}

static void print_text(const struct deadline_args *a, const struct clock_result *res)
{
	print_line("deadline", &res->deadline);
	print_line("extension notice by", &res->extension_notice_by);
	print_line("extended deadline", &res->extended_deadline);
	if (g_date_valid(&res->acknowledge_by))
		print_line("acknowledge by", &res->acknowledge_by);
	printf("%-21s %s\n", "basis", clock_basis_name(res->basis));
	printf("%-21s %s\n", "rule", res->rule != NULL ? res->rule : "-");
	if (stops_ignored(a, res))
		printf("%-21s %s\n", "stops ignored",
		       "this rule has no clarification stop (it is for access requests only)");
	if (res->extension_refused != NULL)
		printf("%-21s %s\n", "extension refused", res->extension_refused);
}

int cli_deadline(const struct config *config, int argc, char **argv)
{
	struct deadline_args a = { .stops = g_array_new(FALSE, FALSE, sizeof(struct clock_stop)) };
	struct case_env env = { .table = NULL };
	struct clock_result res;
	char *error = NULL;
	int status = EX_USAGE;

	memset(&res, 0, sizeof(res));
	g_date_clear(&a.req.received, 1);
	g_date_clear(&a.req.valid_from, 1);
	g_date_clear(&a.req.extension_asked_on, 1);
	if (!parse_args(&a, argc, argv))
		goto out;
	status = EX_CONFIG;
	/* The configured bank-holiday changes apply here too. */
	if (!case_env_load(config, pd_now(), &env, &error))
		goto out;
	a.req.holidays = env.holidays;
	status = EX_DATAERR;
	if (!clock_deadline(env.table, &a.req, &res, &error))
		goto out;
	if (a.json)
		print_json(&a, &res);
	else
		print_text(&a, &res);
	status = EX_OK;
out:
	if (error != NULL)
		fprintf(stderr, "pdgate deadline: %s\n", error);
	g_free(error);
	clock_result_clear(&res);
	case_env_free(&env);
	g_array_free(a.stops, TRUE);
	return status;
}
