/* lifecycle/env: what a computation needs from the configuration: the deadline table and the
   exemptions (the module's only files read) and the bank holidays an admin added or
   cancelled. */
#include "lifecycle-private.h"
#include "config.h"

#include <string.h>

static void add_days(struct clock_holiday_overrides *ov, enum clock_calendar part,
		     char **days, int cancelled)
{
	GDate d;
	for (char **p = days; p != NULL && *p != NULL; p++) {
		if (clock_date_parse(*p, &d)) /* config_load validated them */
			clock_overrides_add(ov, part, &d, cancelled);
	}
}

static int exemptions_read(const char *path, struct case_exemptions **x, char **error_r)
{
	char *text = NULL;
	GError *gerr = NULL;
	int ret;

	if (!g_file_get_contents(path, &text, NULL, &gerr)) {
		error_set(error_r, 0, "%s", gerr->message);
		g_error_free(gerr);
		return 0;
	}
	ret = case_exemptions_load(text, path, x, error_r);
	g_free(text);
	return ret;
}

int case_env_load(const struct config *config, int64_t now, struct case_env *env,
		  char **error_r)
{
	struct clock_table *table = NULL;
	struct case_exemptions *exemptions = NULL;
	struct clock_holiday_overrides *ov;

	memset(env, 0, sizeof(*env));
	if (!clock_table_load(config->gateway.deadlines, &table, error_r))
		return 0;
	if (!exemptions_read(config->gateway.exemptions, &exemptions, error_r)) {
		clock_table_free(&table);
		return 0;
	}
	ov = g_new0(struct clock_holiday_overrides, 1);
	for (int part = 0; part < CLOCK_CAL_PARTS; part++) {
		add_days(ov, (enum clock_calendar)part, config->holidays.added[part], 0);
		add_days(ov, (enum clock_calendar)part, config->holidays.cancelled[part], 1);
	}
	env->table = table;
	env->exemptions = exemptions;
	env->holidays = ov;
	pd_london_day(now, &env->today);
	return 1;
}

void case_env_free(struct case_env *env)
{
	struct clock_table *table = (struct clock_table *)env->table;
	struct clock_holiday_overrides *ov = (struct clock_holiday_overrides *)env->holidays;
	struct case_exemptions *exemptions = (struct case_exemptions *)env->exemptions;

	clock_table_free(&table);
	case_exemptions_free(&exemptions);
	env->exemptions = NULL;
	if (ov != NULL) {
		clock_overrides_clear(ov);
		g_free(ov);
	}
	env->table = NULL;
	env->holidays = NULL;
}
