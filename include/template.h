/* template: notice templates as pure data in, text out. No I/O except template_load.
   Format: a header block ("Name: value" lines, Subject required), a blank line, the body.
   Placeholders are {{name}}; {{#if name}}...{{else}}...{{/if}} shows a block when the value
   is present and non-empty. "{{{{" writes a literal "{{". Unknown placeholders, unclosed
   blocks and stray {{/if}} are errors reported as file:line.
   Lists: {{#each list}}...{{/each}} repeats its block once per row; inside it {{field}} and
   {{#if field}} name the row's fields (a field shadows a variable of the same name; other
   variables stay visible). Lists do not nest.
   HTML: an optional line exactly "--- html ---" after the plain-text body starts an HTML
   alternative in the same language, where every inserted value is HTML-escaped. */
#ifndef PDGATE_TEMPLATE_H
#define PDGATE_TEMPLATE_H

#include <glib.h>

struct template;

/* Parse template text (name used in errors, e.g. the file path). `allowed` is a
   NULL-terminated list of the placeholder names this notice provides; any other name is an
   error. A list is allowed as "list[]" and each of its fields as "list.field" (for example
   "deadlines[]", "deadlines.date"). Returns 1 and *tpl_r (free with template_free) or 0 with
   *error_r "name:line: ...", one line per error. */
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
   than Subject are rejected at parse time (only Subject is allowed for now). Lists render no
   rows and the HTML part is ignored: use template_render_values for those. */
int template_render(const struct template *tpl, GHashTable *vars, char **subject_r,
		    char **body_r, char **error_r);

/* What a notice provides. Everything is borrowed; either table may be NULL. */
struct template_values {
	GHashTable *vars;  /* name -> UTF-8 string */
	GHashTable *lists; /* name -> GPtrArray of GHashTable * rows (field -> UTF-8 string) */
};

/* A rendered notice; every member g_malloc'd. */
struct template_output {
	char *subject; /* one line, as template_render's */
	char *text;    /* plain-text body, \n line ends */
	char *html;    /* HTML body, or NULL when the template has no HTML part */
};

/* Render every part. A missing variable, field or list renders empty (a missing list has no
   rows); a row field shadows the variable of the same name even when the row lacks it.
   *out is overwritten without being freed (it is zeroed first, so template_output_clear is
   always safe after a call). Returns 1 with *out filled; 0 with *error_r as template_render,
   where the subject plus either body must fit in PD_MAX_RENDERED. */
int template_render_values(const struct template *tpl, const struct template_values *v,
			   struct template_output *out, char **error_r);

/* Free the members of out and set them to NULL. NULL-safe. */
void template_output_clear(struct template_output *out);

#endif
