/* template: notice templates as pure data in, text out. No I/O except template_load.
   Format: a header block ("Name: value" lines, Subject required), a blank line, the body.
   Placeholders are {{name}}; {{#if name}}...{{else}}...{{/if}} shows a block when the value
   is present and non-empty. "{{{{" writes a literal "{{". Unknown placeholders, unclosed
   blocks and stray {{/if}} are errors reported as file:line. */
#ifndef PDGATE_TEMPLATE_H
#define PDGATE_TEMPLATE_H

#include <glib.h>

struct template;

/* Parse template text (name used in errors, e.g. the file path). `allowed` is a
   NULL-terminated list of the placeholder names this notice provides; any other name is an
   error. Returns 1 and *tpl_r (free with template_free) or 0 with *error_r "name:line: ...". */
int template_parse(const char *name, const char *text, const char *const *allowed,
		   struct template **tpl_r, char **error_r);

/* Read and parse a file (bounded size). Same returns as template_parse. */
int template_load(const char *path, const char *const *allowed, struct template **tpl_r,
		  char **error_r);

void template_free(struct template **tpl);

/* Render with vars (name -> UTF-8 value; borrowed). A missing variable renders empty.
   Returns 1 with *subject_r (single line: CR/LF/control characters in values are folded to
   spaces) and *body_r (\n line ends), both g_malloc'd; 0 with *error_r when the result is
   unusable (empty subject, larger than PD_MAX_RENDERED). Extra headers of the template other
   than Subject are rejected at parse time (only Subject is allowed for now). */
int template_render(const struct template *tpl, GHashTable *vars, char **subject_r,
		    char **body_r, char **error_r);

#endif
