/* report: the CLI's read-only views of the store, as text tables or JSON (json-glib). */
#ifndef PDGATE_REPORT_H
#define PDGATE_REPORT_H

#include <stdio.h>
#include "store.h"

/* Print the case list. 1 or 0. */
int report_cases(struct store *store, int json, FILE *out, char **error_r);
/* Print one case with its messages, events and outbox. 1, or 0 (unknown reference). */
int report_case(struct store *store, const char *reference, int json, FILE *out, char **error_r);
/* Print every stored message / every outbox row. 1 or 0. */
int report_messages(struct store *store, int json, FILE *out, char **error_r);
int report_outbox(struct store *store, int json, FILE *out, char **error_r);

#endif
