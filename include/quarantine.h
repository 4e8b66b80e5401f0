/* quarantine: `pdgate quarantine [--json]` and `pdgate quarantine retry ID` (cli/quarantine-cli.c).
   The listing is a function of its own so unit tests can run it on a store. */
#ifndef PDGATE_QUARANTINE_H
#define PDGATE_QUARANTINE_H

#include <stdio.h>

#include "store.h"

/* s (valid UTF-8) made safe to print on a terminal: C0 and C1 control characters, DEL and
   the bidirectional overrides (which reorder what the reader sees) become \xNN or \u{NNNN},
   and a backslash becomes \\ so that an escape cannot be faked. Invalid UTF-8 becomes U+FFFD.
   g_malloc'd; NULL for NULL. */
char *quarantine_escape(const char *s);

/* Every quarantined inbound message: id, received, from, subject (read from the spool copy
   when the message could not be parsed; escaped), size, reason, the folder it was moved to,
   whether it can be retried. A table, or JSON (an array of objects). 1, or 0 with *error_r. */
int quarantine_list(struct store *store, int json, FILE *out, char **error_r);

#endif
