/* report: the CLI's read-only views of the store, as text tables or JSON (json-glib). */
#ifndef PDGATE_REPORT_H
#define PDGATE_REPORT_H

#include <stdio.h>
#include "store.h"

/* Print one case with its messages, events and outbox. hook (may be NULL) adds members to the
   case object before it is printed (the deadlines). 1, or 0 (unknown reference). */
struct _JsonObject;
struct _JsonNode;
struct _JsonArray;
typedef int report_case_hook(void *ctx, struct _JsonObject *case_obj, char **error_r);
int report_case(struct store *store, const char *reference, report_case_hook *hook, void *ctx,
		int json, FILE *out, char **error_r);
/* Pretty JSON of root, and a plain aligned table of an array of objects (columns named). */
void report_print_json(struct _JsonNode *root, FILE *out);
void report_print_table(struct _JsonArray *array, const char *const *columns, FILE *out);
/* Print every stored message / every outbox row. 1 or 0. */
int report_messages(struct store *store, int json, FILE *out, char **error_r);
int report_outbox(struct store *store, int json, FILE *out, char **error_r);
/* pdgate storms: every storm record (storm_id NULL), or the messages storm_id holds. 1/0. */
int report_storms(struct store *store, const char *storm_id, int json, FILE *out,
		  char **error_r);

#endif
