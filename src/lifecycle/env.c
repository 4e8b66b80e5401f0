/* lifecycle/env: what a computation needs from the configuration: the deadline table (the
   module's only file read) and the bank holidays an admin added or cancelled. */
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

int case_env_load(const struct config *config, int64_t now, struct case_env *env,
		  char **error_r)
{
	struct clock_table *table = NULL;
	struct clock_holiday_overrides *ov;

	memset(env, 0, sizeof(*env));
	if (!clock_table_load(config->gateway.deadlines, &table, error_r))
		return 0;
	ov = g_new0(struct clock_holiday_overrides, 1);
	for (int part = 0; part < CLOCK_CAL_PARTS; part++) {
		add_days(ov, (enum clock_calendar)part, config->holidays.added[part], 0);
		add_days(ov, (enum clock_calendar)part, config->holidays.cancelled[part], 1);
	}
	env->table = table;
	env->holidays = ov;
	pd_london_day(now, &env->today);
	return 1;
}

void case_env_free(struct case_env *env)
{
	struct clock_table *table = (struct clock_table *)env->table;
	struct clock_holiday_overrides *ov = (struct clock_holiday_overrides *)env->holidays;

	clock_table_free(&table);
	if (ov != NULL) {
		clock_overrides_clear(ov);
		g_free(ov);
	}
	env->table = NULL;
	env->holidays = NULL;
}
