/* mime-private.h: what the files of src/mime/ share with each other and with nothing else:
   the defect notes, the limits more than one file needs, and the helpers one file defines
   for another, grouped by the file that defines them. The module's API is include/mime.h;
   nothing outside src/mime/ includes this. */
#ifndef PDGATE_MIME_PRIVATE_H
#define PDGATE_MIME_PRIVATE_H

#include "mime.h"

#include <stddef.h>

#include <gmime/gmime.h>

/* RFC 5322 section 2.1.1: lines must not exceed 998 characters. */
#define LINE_MAX_OCTETS 998

struct defects {
	GString *text;
	unsigned count;
};

/* mime.c */
void mime_defect_add(struct defects *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
char *mime_defects_finish(const struct defects *d);
/* Cleaned, stripped copy of s, or NULL when s is NULL or nothing is left. */
char *mime_clean_or_null(const char *s, size_t max);
/* Valid UTF-8 without control characters (C0, DEL, C1): what pd_utf8_clean leaves alone. */
int mime_utf8_printable(const char *s, size_t max);

/* mime-headers.c */
/* local@domain with the domain lowercased (g_malloc'd), or NULL when addr is not one. */
char *mime_addr_normalize(const char *addr);
/* A message-id without <>: printable, no spaces, bounded. */
int mime_msgid_valid(const char *id);
/* From, Reply-To, To, Subject, Date and the message-ids of gm into m. */
void mime_fill_envelope(struct mime_message *m, GMimeMessage *gm, GMimeParserOptions *opts,
			struct defects *d);
/* The top-level headers of gm, in the order they were sent, into m. */
void mime_fill_headers(struct mime_message *m, GMimeMessage *gm, struct defects *d);

/* mime-text.c */
/* The text of part as cleaned UTF-8 (HTML reduced to text), or NULL when empty. */
char *mime_part_text(GMimePart *part, int html, struct defects *d);

#endif
