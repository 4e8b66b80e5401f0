/* store/models: the cases the team labelled, for `pdgate train`, and the record of every
   model trained or rolled back. */
#include "store-private.h"

#include <string.h>

/* The opening message is the case's first inbound one. */
#define LABELLED_SQL \
	"SELECT c.id, c.reference, c.kinds_mask, m.sha256 FROM cases c" \
	" JOIN messages m ON m.id = (SELECT MIN(id) FROM messages" \
	"  WHERE case_id = c.id AND direction = 'in' AND sha256 IS NOT NULL)" \
	" WHERE EXISTS (SELECT 1 FROM events e WHERE e.case_id = c.id" \
	"  AND e.action = 'kinds_set') ORDER BY c.id"

int store_cases_labelled(struct store *store, int (*fn)(const struct store_labelled *l,
							   void *ctx),
			 void *ctx, char **error_r)
{
	sqlite3_stmt *st = store_stmt_query(store, error_r, LABELLED_SQL, "");
	int rc = SQLITE_DONE;

	if (st == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_labelled l = {
			sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
			(const char *)sqlite3_column_text(st, 3),
			(unsigned)sqlite3_column_int64(st, 2)
		};
		if (!fn(&l, ctx)) {
			rc = SQLITE_DONE;
			break;
		}
	}
	if (rc != SQLITE_DONE) {
		store_sql_error(store, error_r, "labelled cases");
		sqlite3_reset(st);
		return -1;
	}
	sqlite3_reset(st);
	return 1;
}

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
