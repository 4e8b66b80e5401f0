/* errors: "file:line: message" errors collected in one pass over admin-edited files (rules,
   deadline table) and listed sorted by file and line, whichever check found them. */
#ifndef PDGATE_ERRORS_H
#define PDGATE_ERRORS_H

#include <glib.h>
#include <stdarg.h>

struct pd_errors;

/* List at most `listed` errors; keep at most `kept` in memory (a garbage file must not cost
   memory per line), counting the rest. kept >= listed. Free with pd_errors_free. */
struct pd_errors *pd_errors_new(unsigned listed, unsigned kept);
void pd_errors_free(struct pd_errors **errors);

/* Add an error. file_order sorts files (e.g. reading order); file is borrowed for the call.
   With file NULL or line 0 the message is listed without a position, first. */
void pd_errors_add(struct pd_errors *errors, unsigned file_order, const char *file,
		   unsigned line, const char *fmt, ...) G_GNUC_PRINTF(5, 6);
void pd_errors_addv(struct pd_errors *errors, unsigned file_order, const char *file,
		    unsigned line, const char *fmt, va_list ap) G_GNUC_PRINTF(5, 0);

/* Errors added so far, dropped ones included. */
unsigned pd_errors_count(const struct pd_errors *errors);

/* Every listed error, one per line, sorted by file order, line and arrival, then
   "N more errors not listed" when there were more. g_malloc'd. */
char *pd_errors_text(struct pd_errors *errors);

#endif
