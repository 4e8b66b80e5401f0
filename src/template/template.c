/* template: compiles a notice template once into a node tree, renders it many times.
   Trusts the template text only as far as the operator who wrote it, and still checks it
   (UTF-8, known placeholders, balanced blocks) so a typo fails at start-up, not in a notice.
   Trusts nothing in variable values or list rows: values are inserted as plain text, never
   parsed again, and cleaned of control characters (folded to spaces in the Subject); in the
   HTML part they are also escaped, so a value never becomes markup. However many rows a list
   has, every part is rendered against a byte budget. */
#include "template.h"

#include <stdarg.h>
#include <string.h>

#include "core.h"
#include "pd-limits.h"

/* Enough to fix a template in one go without flooding the log. */
#define MAX_ERRORS 20
#define MAX_NAME_LEN 64

/* The line that starts the HTML part: unlikely in plain text, easy to see in a file. */
#define HTML_SEPARATOR "--- html ---"

enum node_kind { NODE_TEXT, NODE_VAR, NODE_IF, NODE_EACH };

struct node {
	enum node_kind kind;
	GString *text;         /* NODE_TEXT */
	char *name;            /* NODE_VAR, NODE_IF: the value; NODE_EACH: the list */
	int field;             /* NODE_VAR, NODE_IF: name is a field of the current row */
	GPtrArray *then_nodes; /* NODE_IF; NODE_EACH: the block repeated per row */
	GPtrArray *else_nodes; /* NODE_IF */
};

struct template {
	GPtrArray *subject;
	GPtrArray *body;
	GPtrArray *html; /* NULL when there is no "--- html ---" part */
};

/* An open {{#if}} or {{#each}} (node->kind says which). */
struct open_block {
	struct node *node;
	unsigned int line;
	int in_else;
};

struct parser {
	const char *name;
	const char *const *allowed;
	GPtrArray *root;    /* part being parsed (subject, body or html) */
	GArray *stack;      /* struct open_block, innermost last */
	struct node *each;  /* the open {{#each}} whose fields names may refer to, or NULL */
	GString *errors;
	unsigned int n_errors;
	int seen_subject;
};

enum tag_kind { TAG_VAR, TAG_IF, TAG_ELSE, TAG_ENDIF, TAG_EACH, TAG_ENDEACH, TAG_BAD };

/* ---- nodes ---- */

static void node_free(gpointer data)
{
	struct node *node = data;

	if (node->text != NULL)
		g_string_free(node->text, TRUE);
	g_free(node->name);
	if (node->then_nodes != NULL)
		g_ptr_array_unref(node->then_nodes);
	if (node->else_nodes != NULL)
		g_ptr_array_unref(node->else_nodes);
	g_free(node);
}

static GPtrArray *nodes_new(void)
{
	return g_ptr_array_new_with_free_func(node_free);
}

static struct node *node_add(GPtrArray *nodes, enum node_kind kind, const char *name)
{
	/* Not g_new0: with -O it needs ULONG_MAX, and -Iinclude makes <limits.h> ours. */
	struct node *node = g_malloc0(sizeof(*node));

	node->kind = kind;
	node->name = g_strdup(name);
	if (kind == NODE_IF || kind == NODE_EACH) {
		node->then_nodes = nodes_new();
		node->else_nodes = nodes_new();
	}
	g_ptr_array_add(nodes, node);
	return node;
}

/* ---- parser ---- */

static void G_GNUC_PRINTF(3, 4) parse_error(struct parser *p, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	p->n_errors++;
	if (p->n_errors > MAX_ERRORS)
		return;
	if (p->errors->len > 0)
		g_string_append_c(p->errors, '\n');
	if (p->n_errors == MAX_ERRORS) {
		g_string_append_printf(p->errors, "%s:%u: too many errors", p->name, line);
		return;
	}
	g_string_append_printf(p->errors, "%s:%u: ", p->name, line);
	va_start(ap, fmt);
	g_string_append_vprintf(p->errors, fmt, ap);
	va_end(ap);
}

/* Where new nodes go: the innermost open block's current branch, else the part's root. */
static GPtrArray *parser_target(const struct parser *p)
{
	if (p->stack->len == 0)
		return p->root;
	const struct open_block *top =
		&g_array_index(p->stack, struct open_block, p->stack->len - 1);
	return top->in_else ? top->node->else_nodes : top->node->then_nodes;
}

static void add_text(struct parser *p, const char *s, size_t len)
{
	GPtrArray *nodes = parser_target(p);
	struct node *last = nodes->len > 0 ? g_ptr_array_index(nodes, nodes->len - 1) : NULL;

	if (len == 0)
		return;
	if (last == NULL || last->kind != NODE_TEXT) {
		last = node_add(nodes, NODE_TEXT, NULL);
		last->text = g_string_new(NULL);
	}
	g_string_append_len(last->text, s, (gssize)len);
}

static int name_is_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > MAX_NAME_LEN || !(name[0] >= 'a' && name[0] <= 'z'))
		return 0;
	for (size_t i = 1; i < len; i++) {
		char c = name[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return 0;
	}
	return 1;
}

static int name_is_allowed(const struct parser *p, const char *name)
{
	for (size_t i = 0; p->allowed != NULL && p->allowed[i] != NULL; i++) {
		if (strcmp(p->allowed[i], name) == 0)
			return 1;
	}
	return 0;
}

/* Is a + sep + b allowed? Lists are declared as "list[]", their fields as "list.field". */
static int allowed_has(const struct parser *p, const char *a, const char *sep, const char *b)
{
	char *joined = g_strconcat(a, sep, b, NULL);
	int ret = name_is_allowed(p, joined);

	g_free(joined);
	return ret;
}

/* The list that declares `field` ("list.field" allowed), g_malloc'd, or NULL: only to say
   where a field may be used. */
static char *field_owner(const struct parser *p, const char *field)
{
	for (size_t i = 0; p->allowed != NULL && p->allowed[i] != NULL; i++) {
		const char *dot = strchr(p->allowed[i], '.');
		if (dot != NULL && strcmp(dot + 1, field) == 0)
			return g_strndup(p->allowed[i], (gsize)(dot - p->allowed[i]));
	}
	return NULL;
}

/* "#if name" / "#each name": 1 with *arg_r at the name when content is keyword + blank. */
static int tag_with_arg(char *content, const char *keyword, const char **arg_r)
{
	size_t len = strlen(keyword);

	if (strncmp(content, keyword, len) != 0 || (content[len] != ' ' && content[len] != '\t'))
		return 0;
	*arg_r = g_strchug(content + len);
	return 1;
}

/* Classify the trimmed inside of a tag; *arg_r points into content (the name, if any). */
static enum tag_kind tag_classify(char *content, const char **arg_r)
{
	*arg_r = content;
	if (strcmp(content, "else") == 0)
		return TAG_ELSE;
	if (strcmp(content, "/if") == 0)
		return TAG_ENDIF;
	if (strcmp(content, "/each") == 0)
		return TAG_ENDEACH;
	if (tag_with_arg(content, "#if", arg_r))
		return TAG_IF;
	if (tag_with_arg(content, "#each", arg_r))
		return TAG_EACH;
	if (content[0] == '#' || content[0] == '/')
		return TAG_BAD;
	return TAG_VAR;
}

/* Says why a name that is neither a variable nor a field of the open list is refused. */
static void unknown_name(struct parser *p, unsigned int line, const char *name)
{
	char *owner = field_owner(p, name);

	if (owner != NULL)
		parse_error(p, line, "{{%s}} is a field of %s[], usable only inside {{#each %s}}",
			    name, owner, owner);
	else if (p->each != NULL)
		parse_error(p, line, "unknown field {{%s}} in {{#each %s}}", name, p->each->name);
	else
		parse_error(p, line, "unknown placeholder {{%s}}", name);
	g_free(owner);
}

/* A name used by {{x}} or {{#if x}}: 1 if usable, with *field_r set when it names a field of
   the open list's row (a field shadows the variable of the same name; decided here once, so
   a row without the field renders empty, never the outer value), else reports why. */
static int resolve_name(struct parser *p, unsigned int line, const char *name, int *field_r)
{
	*field_r = 0;
	if (!name_is_valid(name)) {
		parse_error(p, line, "bad placeholder name \"%s\" (use a-z, 0-9 and _)", name);
		return 0;
	}
	if (p->each != NULL && allowed_has(p, p->each->name, ".", name)) {
		*field_r = 1;
		return 1;
	}
	if (name_is_allowed(p, name))
		return 1;
	unknown_name(p, line, name);
	return 0;
}

static const char *block_word(const struct node *node)
{
	return node->kind == NODE_EACH ? "each" : "if";
}

static struct open_block *stack_top(const struct parser *p)
{
	return p->stack->len == 0 ? NULL
				  : &g_array_index(p->stack, struct open_block, p->stack->len - 1);
}

static int stack_has(const struct parser *p, enum node_kind kind)
{
	for (guint i = 0; i < p->stack->len; i++) {
		if (g_array_index(p->stack, struct open_block, i).node->kind == kind)
			return 1;
	}
	return 0;
}

/* {{/if}} or {{/each}}. A closer that does not match the innermost block closes nothing:
   guessing which block was meant would only move the error. */
static void close_block(struct parser *p, unsigned int line, enum node_kind kind)
{
	const char *word = kind == NODE_EACH ? "each" : "if";
	struct open_block *top = stack_top(p);

	if (top != NULL && top->node->kind == kind) {
		if (top->node == p->each)
			p->each = NULL;
		g_array_set_size(p->stack, p->stack->len - 1);
	} else if (stack_has(p, kind)) {
		parse_error(p, line, "{{/%s}} inside {{#%s %s}}: close that first", word,
			    block_word(top->node), top->node->name);
	} else {
		parse_error(p, line, "{{/%s}} without {{#%s}}", word, word);
	}
}

static void enter_else(struct parser *p, unsigned int line)
{
	struct open_block *top = stack_top(p);

	if (top == NULL) {
		parse_error(p, line, "{{else}} without {{#if}}");
		return;
	}
	if (top->node->kind != NODE_IF) {
		parse_error(p, line, "{{else}} inside {{#each %s}} (only {{#if}} has one)",
			    top->node->name);
		return;
	}
	if (top->in_else)
		parse_error(p, line, "second {{else}} for {{#if %s}}", top->node->name);
	top->in_else = 1;
}

static struct node *push_block(struct parser *p, unsigned int line, enum node_kind kind,
			       const char *name)
{
	struct open_block entry = { 0 };

	entry.node = node_add(parser_target(p), kind, name);
	entry.line = line;
	g_array_append_val(p->stack, entry);
	return entry.node;
}

static void open_if(struct parser *p, unsigned int line, const char *name)
{
	int field;

	/* A bad name is reported but the block is still opened, so its {{/if}} is not stray. */
	resolve_name(p, line, name, &field);
	push_block(p, line, NODE_IF, name)->field = field;
}

/* Like open_if, a bad list still opens its block. Inside a nested one, names keep referring
   to the outer list, the only one a row could come from. */
static void open_each(struct parser *p, unsigned int line, const char *name)
{
	struct node *node;

	if (p->each != NULL)
		parse_error(p, line, "{{#each %s}} inside {{#each %s}} (lists do not nest)", name,
			    p->each->name);
	else if (!name_is_valid(name))
		parse_error(p, line, "bad list name \"%s\" (use a-z, 0-9 and _)", name);
	else if (!allowed_has(p, name, "[]", ""))
		parse_error(p, line, "unknown list {{#each %s}}", name);
	node = push_block(p, line, NODE_EACH, name);
	if (p->each == NULL)
		p->each = node;
}

/* Handle the inside of one {{...}} tag (without the braces). */
static void handle_tag(struct parser *p, unsigned int line, const char *inner, size_t len)
{
	char *content = g_strstrip(g_strndup(inner, len));
	const char *arg;
	int field;

	switch (tag_classify(content, &arg)) {
	case TAG_ELSE:
		enter_else(p, line);
		break;
	case TAG_ENDIF:
		close_block(p, line, NODE_IF);
		break;
	case TAG_ENDEACH:
		close_block(p, line, NODE_EACH);
		break;
	case TAG_IF:
		open_if(p, line, arg);
		break;
	case TAG_EACH:
		open_each(p, line, arg);
		break;
	case TAG_BAD:
		parse_error(p, line, "unknown tag {{%s}}", content);
		break;
	case TAG_VAR:
		if (resolve_name(p, line, arg, &field))
			node_add(parser_target(p), NODE_VAR, arg)->field = field;
		break;
	}
	g_free(content);
}

/* Is [s, s+len) whitespace and one block tag ({{#if}}, {{else}}, {{/if}}, {{#each}},
   {{/each}}) only? Then the whole line is dropped so blocks leave no blank lines. Sets the
   tag's inside on success. */
static int line_is_block_tag(const char *s, size_t len, const char **inner_r, size_t *inner_len_r)
{
	const char *end = s + len;
	const char *arg;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (end - s < 4 || strncmp(s, "{{", 2) != 0 || s[2] == '{' ||
	    g_strstr_len(s + 2, end - (s + 2), "}}") != end - 2)
		return 0;
	char *content = g_strstrip(g_strndup(s + 2, (gsize)(end - 2 - (s + 2))));
	int block = tag_classify(content, &arg) != TAG_VAR;
	g_free(content);
	*inner_r = s + 2;
	*inner_len_r = (size_t)(end - 2 - (s + 2));
	return block;
}

/* Parse one line (len includes its \n if any) into nodes. Tags never span lines. */
static void parse_text(struct parser *p, unsigned int line, const char *s, size_t len)
{
	const char *end = s + len;

	while (s < end) {
		const char *open = g_strstr_len(s, end - s, "{{");
		if (open == NULL) {
			add_text(p, s, (size_t)(end - s));
			return;
		}
		add_text(p, s, (size_t)(open - s));
		if (end - open >= 4 && strncmp(open, "{{{{", 4) == 0) {
			add_text(p, "{{", 2);
			s = open + 4;
			continue;
		}
		const char *close = g_strstr_len(open + 2, end - (open + 2), "}}");
		if (close == NULL) {
			parse_error(p, line, "unterminated {{ (no }} on the same line)");
			add_text(p, open, (size_t)(end - open));
			return;
		}
		handle_tag(p, line, open + 2, (size_t)(close - (open + 2)));
		s = close + 2;
	}
}

static void parse_line(struct parser *p, unsigned int line, const char *s, size_t len, int body)
{
	size_t text_len = len > 0 && s[len - 1] == '\n' ? len - 1 : len;
	const char *inner;
	size_t inner_len;

	if (!g_utf8_validate(s, (gssize)len, NULL)) {
		parse_error(p, line, "not valid UTF-8");
		return;
	}
	if (body && line_is_block_tag(s, text_len, &inner, &inner_len)) {
		handle_tag(p, line, inner, inner_len);
		return;
	}
	parse_text(p, line, s, len);
}

/* Start a part (subject or body) and finish it: every block must be closed inside it. */
static void part_begin(struct parser *p, GPtrArray *root)
{
	p->root = root;
	g_array_set_size(p->stack, 0);
}

static void part_end(struct parser *p)
{
	for (guint i = 0; i < p->stack->len; i++) {
		const struct open_block *entry = &g_array_index(p->stack, struct open_block, i);
		parse_error(p, entry->line, "unclosed {{#%s %s}}", block_word(entry->node),
			    entry->node->name);
	}
	g_array_set_size(p->stack, 0);
	p->each = NULL;
}

static int is_html_separator(const char *s, size_t len)
{
	size_t text_len = len > 0 && s[len - 1] == '\n' ? len - 1 : len;

	return text_len == strlen(HTML_SEPARATOR) && memcmp(s, HTML_SEPARATOR, text_len) == 0;
}

/* The separator ends the text part (its blocks must be closed) and starts the HTML one. */
static void begin_html(struct parser *p, struct template *tpl, unsigned int line)
{
	if (tpl->html != NULL) {
		parse_error(p, line, "second \"" HTML_SEPARATOR "\" line");
		return;
	}
	part_end(p);
	tpl->html = nodes_new();
	part_begin(p, tpl->html);
}

/* Body and optional HTML part: from s to the end, first line numbered `line`. */
static void parse_body(struct parser *p, struct template *tpl, const char *s, unsigned int line)
{
	unsigned int html_line = 0;

	part_begin(p, tpl->body);
	for (; *s != '\0'; line++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl != NULL ? (size_t)(nl - s) + 1 : strlen(s);
		if (is_html_separator(s, len)) {
			if (html_line == 0)
				html_line = line;
			begin_html(p, tpl, line);
		} else {
			parse_line(p, line, s, len, 1);
		}
		s += len;
	}
	part_end(p);
	/* An empty alternative would show HTML readers a blank notice. */
	if (tpl->html != NULL && tpl->html->len == 0)
		parse_error(p, html_line, "empty HTML part after \"" HTML_SEPARATOR "\"");
}

/* A control character mime_compose refuses in a header (C0 but tab, DEL, C1) in s. */
static int has_header_control(const char *s, size_t len)
{
	for (const char *end = s + len; s < end; s = g_utf8_next_char(s)) {
		gunichar c = g_utf8_get_char(s);
		if ((c < 0x20 && c != '\t') || c == 0x7f || (c >= 0x80 && c < 0xa0))
			return 1;
	}
	return 0;
}

static void parse_subject(struct parser *p, struct template *tpl, unsigned int line,
			  const char *value, size_t len)
{
	if (p->seen_subject) {
		parse_error(p, line, "duplicate Subject header");
		return;
	}
	p->seen_subject = 1;
	while (len > 0 && (*value == ' ' || *value == '\t'))
		value++, len--;
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len == 0) {
		parse_error(p, line, "empty Subject header");
		return;
	}
	/* Values are folded at render time, but the template's own text is not: a control
	   character typed into the Subject line (a stray ESC, a lone CR) made every notice
	   fail in mime_compose ("invalid Subject") after `templates check` had passed it.
	   Found by tests/fuzz/fuzz_template. */
	if (g_utf8_validate(value, (gssize)len, NULL) && has_header_control(value, len)) {
		parse_error(p, line, "control character in the Subject");
		return;
	}
	part_begin(p, tpl->subject);
	parse_line(p, line, value, len, 0);
	part_end(p);
}

/* One "Name: value" line of the header block. Returns 0 if it is not a header line at all
   (the body started without the blank line). */
static int parse_header(struct parser *p, struct template *tpl, unsigned int line,
			const char *s, size_t len)
{
	const char *colon = memchr(s, ':', len);
	size_t name_len = colon != NULL ? (size_t)(colon - s) : 0;

	for (size_t i = 0; i < name_len; i++) {
		if (!g_ascii_isalnum(s[i]) && s[i] != '-')
			return 0;
	}
	if (name_len == 0)
		return 0;
	if (name_len == 7 && g_ascii_strncasecmp(s, "Subject", 7) == 0)
		parse_subject(p, tpl, line, colon + 1, len - name_len - 1);
	else
		parse_error(p, line, "unknown header \"%.*s\" (only Subject is allowed)",
			    (int)name_len, s);
	return 1;
}

static void require_subject(struct parser *p, unsigned int line)
{
	if (!p->seen_subject)
		parse_error(p, line, "missing Subject header");
}

/* Header block: returns the start of the body and its first line number in *line_r. */
static const char *parse_headers(struct parser *p, struct template *tpl, const char *s,
				 unsigned int *line_r)
{
	for (unsigned int line = 1;; line++) {
		const char *nl = strchr(s, '\n');
		size_t len = nl != NULL ? (size_t)(nl - s) : strlen(s);
		if (len == 0) {
			unsigned int at = nl != NULL || line == 1 ? line : line - 1;
			if (nl == NULL)
				parse_error(p, at, "missing blank line between the headers and the body");
			require_subject(p, at);
			*line_r = line + 1;
			return nl != NULL ? nl + 1 : s;
		}
		if (s[0] != '#' && !parse_header(p, tpl, line, s, len)) {
			/* Recover by reading the rest as body, so its errors are reported too. */
			parse_error(p, line, "expected \"Name: value\" or the blank line before the body");
			require_subject(p, line);
			*line_r = line;
			return s;
		}
		if (nl == NULL) {
			parse_error(p, line, "missing blank line between the headers and the body");
			require_subject(p, line);
			*line_r = line + 1;
			return s + len;
		}
		s = nl + 1;
	}
}

/* CRLF files (edited on Windows) parse like LF ones. */
static char *normalize_newlines(const char *text)
{
	GString *out = g_string_sized_new(strlen(text) + 1);

	for (const char *s = text; *s != '\0'; s++) {
		if (s[0] == '\r' && s[1] == '\n')
			continue;
		g_string_append_c(out, *s);
	}
	return g_string_free(out, FALSE);
}

static struct template *template_new(void)
{
	struct template *tpl = g_malloc0(sizeof(*tpl));

	tpl->subject = nodes_new();
	tpl->body = nodes_new();
	return tpl;
}

int template_parse(const char *name, const char *text, const char *const *allowed,
		   struct template **tpl_r, char **error_r)
{
	struct parser p = { 0 };
	struct template *tpl = template_new();
	char *norm = normalize_newlines(text);
	unsigned int body_line = 1;
	int ret = 0;

	p.name = name != NULL ? name : "template";
	p.allowed = allowed;
	p.stack = g_array_new(FALSE, TRUE, sizeof(struct open_block));
	p.errors = g_string_new(NULL);
	const char *body = parse_headers(&p, tpl, norm, &body_line);
	parse_body(&p, tpl, body, body_line);
	if (p.n_errors > 0) {
		error_set(error_r, 0, "%s", p.errors->str);
		goto out;
	}
	*tpl_r = tpl;
	tpl = NULL;
	ret = 1;
out:
	template_free(&tpl);
	g_array_unref(p.stack);
	g_string_free(p.errors, TRUE);
	g_free(norm);
	return ret;
}

int template_load(const char *path, const char *const *allowed, struct template **tpl_r,
		  char **error_r)
{
	char *data = NULL;
	size_t len = 0;
	int ret = 0;

	/* A template larger than what it may render is a mistake, not a template. */
	if (pd_read_file(path, PD_MAX_RENDERED, &data, &len, error_r) != 1)
		goto out;
	if (strlen(data) != len) {
		error_set(error_r, 0, "%s: contains a NUL byte", path);
		goto out;
	}
	ret = template_parse(path, data, allowed, tpl_r, error_r);
out:
	g_free(data);
	return ret;
}

void template_free(struct template **tpl)
{
	if (*tpl == NULL)
		return;
	g_ptr_array_unref((*tpl)->subject);
	g_ptr_array_unref((*tpl)->body);
	if ((*tpl)->html != NULL)
		g_ptr_array_unref((*tpl)->html);
	g_free(*tpl);
	*tpl = NULL;
}

/* ---- rendering ---- */

/* How values are written: folded to one line, as text, or as escaped HTML text. */
enum render_mode { MODE_SUBJECT, MODE_TEXT, MODE_HTML };

struct render {
	const struct template_values *v;
	GHashTable *row; /* the current row inside {{#each}}, else NULL */
	GString *out;
	size_t budget;   /* bytes out may hold */
	enum render_mode mode;
};

static const char *node_value(const struct render *r, const struct node *node)
{
	GHashTable *table = node->field ? r->row : r->v->vars;

	return table != NULL ? g_hash_table_lookup(table, node->name) : NULL;
}

/* C0, DEL, C1 and the Unicode line/paragraph separators: anything a mail reader could
   take as a line break or hide. */
static int is_control(gunichar c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == 0x2028 || c == 0x2029;
}

/* One character of a value. In HTML, the five characters that could open markup, an
   entity or end an attribute value are written as entities, so a value stays text
   wherever the template put it. */
static void append_char(struct render *r, gunichar c)
{
	const char *entity = NULL;

	if (r->mode == MODE_HTML) {
		switch (c) {
		case '&': entity = "&amp;"; break;
		case '<': entity = "&lt;"; break;
		case '>': entity = "&gt;"; break;
		case '"': entity = "&quot;"; break;
		case '\'': entity = "&#39;"; break;
		default: break;
		}
	}
	if (entity != NULL)
		g_string_append(r->out, entity);
	else
		g_string_append_unichar(r->out, c);
}

/* Append one value as text. Subject: every run of control characters becomes one space.
   Body (text and HTML): CRLF and CR become \n, tab stays, other controls are dropped.
   Invalid UTF-8 bytes become U+FFFD. Returns 0 when the budget is exceeded. */
static int append_value(struct render *r, const char *s)
{
	int subject = r->mode == MODE_SUBJECT;
	int in_space = 0;

	while (*s != '\0') {
		gunichar c = g_utf8_get_char_validated(s, -1);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			c = 0xFFFD;
			s++;
		} else {
			s = g_utf8_next_char(s);
		}
		if (subject && is_control(c)) {
			if (!in_space)
				g_string_append_c(r->out, ' ');
			in_space = 1;
			continue;
		}
		in_space = 0;
		if (!subject && c == '\r') {
			if (*s == '\n')
				continue;
			c = '\n';
		}
		if (!subject && is_control(c) && c != '\n' && c != '\t')
			continue;
		append_char(r, c);
		if (r->out->len > r->budget)
			return 0;
	}
	return 1;
}

static int render_nodes(struct render *r, const GPtrArray *nodes);

/* The block once per row of the list; a missing list has no rows. A NULL row is an empty
   one. The row count is the caller's, the output is still bounded by the budget. */
static int render_each(struct render *r, const struct node *node)
{
	GPtrArray *rows = r->v->lists != NULL ? g_hash_table_lookup(r->v->lists, node->name) : NULL;
	int ret = 1;

	for (guint i = 0; rows != NULL && i < rows->len && ret; i++) {
		r->row = g_ptr_array_index(rows, i);
		ret = render_nodes(r, node->then_nodes);
	}
	r->row = NULL; /* lists do not nest: outside a block there is no row */
	return ret;
}

static int render_nodes(struct render *r, const GPtrArray *nodes)
{
	for (guint i = 0; i < nodes->len; i++) {
		const struct node *node = g_ptr_array_index(nodes, i);
		const char *value;
		switch (node->kind) {
		case NODE_TEXT:
			g_string_append_len(r->out, node->text->str, (gssize)node->text->len);
			if (r->out->len > r->budget)
				return 0;
			break;
		case NODE_VAR:
			value = node_value(r, node);
			if (value != NULL && !append_value(r, value))
				return 0;
			break;
		case NODE_IF:
			value = node_value(r, node);
			if (!render_nodes(r, value != NULL && *value != '\0' ? node->then_nodes
									     : node->else_nodes))
				return 0;
			break;
		case NODE_EACH:
			if (!render_each(r, node))
				return 0;
			break;
		}
	}
	return 1;
}

/* One part as a new string, or NULL when it would exceed budget bytes. */
static GString *render_part(const struct template_values *v, const GPtrArray *nodes,
			    enum render_mode mode, size_t budget)
{
	struct render r = { .v = v, .out = g_string_new(NULL), .budget = budget, .mode = mode };

	if (render_nodes(&r, nodes))
		return r.out;
	g_string_free(r.out, TRUE);
	return NULL;
}

/* Trim, then cut to PD_MAX_SUBJECT on a character boundary (the header line limit). */
static void subject_finish(GString *subject)
{
	g_strstrip(subject->str);
	g_string_set_size(subject, strlen(subject->str));
	if (subject->len > PD_MAX_SUBJECT) {
		const char *cut = g_utf8_find_prev_char(subject->str, subject->str + PD_MAX_SUBJECT + 1);
		g_string_truncate(subject, (gsize)(cut - subject->str));
		g_strchomp(subject->str);
		g_string_set_size(subject, strlen(subject->str));
	}
}

static void error_too_large(char **error_r)
{
	error_set(error_r, 0, "rendered notice is larger than %u bytes", PD_MAX_RENDERED);
}

static char *string_take(GString **s)
{
	char *ret = *s != NULL ? g_string_free(*s, FALSE) : NULL;

	*s = NULL;
	return ret;
}

/* Subject, then the text body and (when want_html and the template has one) the HTML body,
   each body within what the subject leaves of PD_MAX_RENDERED: either is the whole notice
   for its reader. *out is written only on success. */
static int render_all(const struct template *tpl, const struct template_values *v,
		      int want_html, struct template_output *out, char **error_r)
{
	GString *subject = NULL, *text = NULL, *html = NULL;
	size_t budget;
	int ret = 0;

	if ((subject = render_part(v, tpl->subject, MODE_SUBJECT, PD_MAX_RENDERED)) == NULL) {
		error_too_large(error_r);
		goto out;
	}
	subject_finish(subject);
	if (subject->len == 0) {
		error_set(error_r, 0, "rendered Subject is empty");
		goto out;
	}
	budget = PD_MAX_RENDERED - MIN(subject->len, PD_MAX_RENDERED);
	text = render_part(v, tpl->body, MODE_TEXT, budget);
	if (want_html && tpl->html != NULL && text != NULL)
		html = render_part(v, tpl->html, MODE_HTML, budget);
	if (text == NULL || (want_html && tpl->html != NULL && html == NULL)) {
		error_too_large(error_r);
		goto out;
	}
	out->subject = string_take(&subject);
	out->text = string_take(&text);
	out->html = string_take(&html);
	ret = 1;
out:
	if (subject != NULL)
		g_string_free(subject, TRUE);
	if (text != NULL)
		g_string_free(text, TRUE);
	if (html != NULL)
		g_string_free(html, TRUE);
	return ret;
}

int template_render(const struct template *tpl, GHashTable *vars, char **subject_r,
		    char **body_r, char **error_r)
{
	const struct template_values v = { .vars = vars, .lists = NULL };
	struct template_output out = { NULL, NULL, NULL };

	if (!render_all(tpl, &v, 0, &out, error_r))
		return 0;
	*subject_r = out.subject;
	*body_r = out.text;
	return 1;
}

int template_render_values(const struct template *tpl, const struct template_values *v,
			   struct template_output *out, char **error_r)
{
	static const struct template_values none = { NULL, NULL };

	out->subject = out->text = out->html = NULL;
	return render_all(tpl, v != NULL ? v : &none, 1, out, error_r);
}

void template_output_clear(struct template_output *out)
{
	if (out == NULL)
		return;
	g_clear_pointer(&out->subject, g_free);
	g_clear_pointer(&out->text, g_free);
	g_clear_pointer(&out->html, g_free);
}
