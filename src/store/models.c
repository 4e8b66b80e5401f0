/* store/models: the record of every model `pdgate train` made or rolled back. */
#include "store-private.h"

#include <string.h>

static int record_cases(struct store *store, const char *version, const int64_t *case_ids,
			size_t n, char **error_r)
{
	char *detail = g_strdup_printf("its kinds trained model %s", version);
	int ok = 1;

	for (size_t i = 0; i < n && ok; i++)
		ok = store_event_add(store, case_ids[i], "pdgate train", "model_trained", detail,
				     error_r);
	g_free(detail);
	return ok;
}

int store_model_record(struct store *store, const char *version, const char *action,
		       const char *trained_on, const int64_t *case_ids, size_t n, int64_t at,
		       char **error_r)
{
	if (!store_begin(store, error_r))
		return 0;
	if (!store_stmt_exec(store, error_r,
			     "INSERT INTO models (version, action, trained_on, cases, at)"
			     " VALUES (?, ?, ?, ?, ?)", "sssii", version, action, trained_on,
			     (int64_t)n, at) ||
	    !record_cases(store, version, case_ids, n, error_r)) {
		store_rollback(store);
		return 0;
	}
	return store_commit(store, error_r);
}
