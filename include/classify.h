/* classify: pure decisions about one parsed message (no I/O): is it machine-generated mail
   that must never be answered (RFC 3834), and which case reference does it carry. */
#ifndef PDGATE_CLASSIFY_H
#define PDGATE_CLASSIFY_H

#include "mime.h"

/* Why msg must not be auto-answered, as a static string ("auto-submitted: auto-replied",
   "bounce: multipart/report", ...), or NULL when it is ordinary person-written mail. */
const char *classify_auto_reason(const struct mime_message *msg);

/* Find a case reference PREFIX-YYYY-NNNNNN anywhere in text (word-bounded, prefix matched
   case-insensitively). Returns a g_malloc'd canonical reference (prefix as configured) or
   NULL. prefix must be [A-Za-z0-9]+. */
char *classify_find_reference(const char *text, const char *prefix);

#endif
