/* store internals shared by the store's own files only. */
#ifndef PDGATE_STORE_PRIVATE_H
#define PDGATE_STORE_PRIVATE_H

#include <sqlite3.h>
#include <stdarg.h>
#include "pd-limits.h"
#include "core.h"
#include "store.h"

struct store {
	sqlite3 *db;
	char *spool;
	GHashTable *stmts; /* SQL text (static) -> prepared statement */
};

/* Statement helpers. Types string: 's' text (NULL binds NULL), 'i' int64_t. */
sqlite3_stmt *store_stmt_prepare(struct store *s, const char *sql, const char *types, va_list ap,
				 char **error_r);
/* Prepared and bound statement for a query (owned by the cache: step, then sqlite3_reset). */
sqlite3_stmt *store_stmt_query(struct store *s, char **error_r, const char *sql,
			       const char *types, ...);
int store_stmt_exec(struct store *s, char **error_r, const char *sql, const char *types, ...);
/* First column of the first row: 1 found, 0 none, -1 error. */
int store_stmt_int(struct store *s, int64_t *value_r, const char *sql, const char *types, ...);
int store_sql_error(struct store *s, char **error_r, const char *what);

/* spool/ab/<sha256> (g_malloc'd); sha256 must be a valid key. */
char *store_spool_file(struct store *s, const char *sha256);
/* Remove the temporary files that crashed writers left in spool/tmp (spool.c). */
void store_spool_clean_tmp(struct store *store);

/* Number of migrations this build knows. */
int store_schema_latest(void);
/* Apply migrations until user_version == target. 1 or 0. */
int store_schema_migrate(sqlite3 *db, int target, char **error_r);
int store_db_user_version(sqlite3 *db);

#endif
