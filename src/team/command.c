/* team/command: the command block at the top of a team member's reply. Pure, no I/O.
   Trusts nothing in the text (normally mime_reply_new_text of a parsed message, so the
   quoted history, with our own notifications and any quoted "#close", is gone already):
   checks UTF-8, bounds each command line by PD_MAX_CASE_TEXT and their number by
   TEAM_MAX_COMMANDS, and only reads: a command is a name, its words and its line, which
   the gateway checks against the actions it knows. */
#include "team.h"

#include "classify.h"
#include "core.h"
#include "pd-limits.h"

#include <string.h>

/* How much of a bad line an error message quotes back to the member. */
#define ERROR_EXCERPT_CHARS 60

struct block_parse {
	const char *prefix;
	GArray *cmds;        /* struct team_command */
	char *case_ref;
	unsigned case_line;
	const char *rest;    /* where the block ended, or NULL */
	char *error;
};

static int is_nbsp(const char *p)
{
	return (unsigned char)p[0] == 0xC2 && (unsigned char)p[1] == 0xA0;
}

/* Spaces around and between a command's words: ASCII blanks and U+00A0 (Outlook's HTML). */
static const char *skip_space(const char *p, const char *end)
{
	for (;;) {
		if (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		else if (end - p >= 2 && is_nbsp(p))
			p += 2;
		else
			return p;
	}
}

static const char *trim_space_end(const char *p, const char *end)
{
	for (;;) {
		if (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			end--;
		else if (end - p >= 2 && is_nbsp(end - 2))
			end -= 2;
		else
			return end;
	}
}

static const char *line_end(const char *p)
{
	const char *nl = strchr(p, '\n');
	return nl != NULL ? nl : p + strlen(p);
}

/* [p, end) trimmed, with every U+00A0 as a space. g_malloc'd. */
static char *words_copy(const char *p, const char *end)
{
	GString *s;

	p = skip_space(p, end);
	end = trim_space_end(p, end);
	s = g_string_sized_new((size_t)(end - p) + 1);
	while (p < end) {
		if (end - p >= 2 && is_nbsp(p)) {
			g_string_append_c(s, ' ');
			p += 2;
		} else {
			g_string_append_c(s, *p++);
		}
	}
	return g_string_free(s, FALSE);
}

/* The end of the command name after '#' at p, or NULL when the line is not a command:
   an ASCII letter, then letters, digits, '-' or '_', then a space or the end. */
static const char *command_name_end(const char *p, const char *end)
{
	const char *q = p + 1;

	if (q >= end || !g_ascii_isalpha(*q))
		return NULL;
	while (q < end && (g_ascii_isalnum(*q) || *q == '-' || *q == '_'))
		q++;
	return skip_space(q, end) != q || q == end ? q : NULL;
}

/* The start of line, at most ERROR_EXCERPT_CHARS characters, for an error message. */
static char *excerpt(const char *p, const char *end)
{
	const char *q = p;

	for (int n = 0; q < end && n < ERROR_EXCERPT_CHARS; n++)
		q = g_utf8_next_char(q);
	if (q > end)
		q = end;
	return q < end ? g_strdup_printf("%.*s...", (int)(q - p), p)
		       : g_strndup(p, (size_t)(q - p));
}

static int case_line(struct block_parse *bp, const char *args, unsigned line)
{
	const char *prefix = bp->prefix != NULL ? bp->prefix : "PD";
	char *ref, *shown;

	if (bp->case_ref != NULL)
		return error_set(&bp->error, 0, "line %u: a second #case line (line %u already "
				 "names %s); one reply acts on one case", line, bp->case_line,
				 bp->case_ref);
	ref = classify_find_reference(args, bp->prefix);
	if (ref == NULL && args[0] == '\0')
		return error_set(&bp->error, 0, "line %u: #case needs a case reference such as "
				 "%s-YYYY-NNNNNN", line, prefix);
	if (ref == NULL) {
		shown = excerpt(args, args + strlen(args));
		error_set(&bp->error, 0, "line %u: \"#case %s\" has no case reference such as "
			  "%s-YYYY-NNNNNN", line, shown, prefix);
		g_free(shown);
		return 0;
	}
	bp->case_ref = ref;
	bp->case_line = line;
	return 1;
}

/* One command line [p, end), '#' at hash, its name ending at name_end. 1, or 0 with
   bp->error. */
static int command_line(struct block_parse *bp, const char *p, const char *hash,
			const char *name_end, const char *end, unsigned line)
{
	struct team_command cmd = { NULL, NULL, line };
	char *shown;

	if ((size_t)(end - p) > PD_MAX_CASE_TEXT) {
		shown = excerpt(hash, end);
		error_set(&bp->error, 0, "line %u: the command line \"%s\" is %zu bytes long; "
			  "at most %u", line, shown, (size_t)(end - p), (unsigned)PD_MAX_CASE_TEXT);
		g_free(shown);
		return 0;
	}
	cmd.name = g_ascii_strdown(hash + 1, name_end - hash - 1);
	cmd.args = words_copy(name_end, end);
	if (strcmp(cmd.name, "case") == 0) {
		int ok = case_line(bp, cmd.args, line);
		g_free(cmd.name);
		g_free(cmd.args);
		return ok;
	}
	if (bp->cmds->len == TEAM_MAX_COMMANDS) {
		g_free(cmd.name);
		g_free(cmd.args);
		return error_set(&bp->error, 0, "line %u: more than %d commands in one reply; "
				 "send the rest in another", line, TEAM_MAX_COMMANDS);
	}
	g_array_append_val(bp->cmds, cmd);
	return 1;
}

/* The lines of the block: 1 with bp->rest set where it ended (NULL: the text ended), or 0
   with bp->error. */
static int parse_lines(struct block_parse *bp, const char *text)
{
	const char *p = text, *end, *q, *name_end;
	unsigned line = 1;

	for (; *p != '\0'; p = *end == '\n' ? end + 1 : end, line++) {
		end = line_end(p);
		q = skip_space(p, end);
		if (q == end)
			continue;
		if (*q != '#' || (name_end = command_name_end(q, end)) == NULL) {
			bp->rest = p;
			return 1;
		}
		if (!command_line(bp, p, q, name_end, end, line))
			return 0;
	}
	return 1;
}

/* text with every CRLF as LF, so lines, trimming and `rest` see one line end. */
static char *lf_copy(const char *text)
{
	GString *s = g_string_sized_new(strlen(text) + 1);

	for (const char *p = text; *p != '\0'; p++) {
		if (!(p[0] == '\r' && p[1] == '\n'))
			g_string_append_c(s, *p);
	}
	return g_string_free(s, FALSE);
}

/* The text after the block: no signature, no blank lines or spaces around it. */
static char *rest_text(const char *rest)
{
	char *text, *trimmed;
	const char *p, *end;

	if (rest == NULL)
		return g_strdup("");
	text = mime_reply_new_text(rest, MIME_REPLY_NO_SIGNATURE);
	p = text;
	end = text + strlen(text);
	for (;;) {
		const char *q = skip_space(p, end);
		if (q < end && *q == '\n')
			q++;
		if (q == p)
			break;
		p = q;
	}
	trimmed = g_strndup(p, (size_t)(trim_space_end(p, end) - p));
	g_free(text);
	return trimmed;
}

static void commands_free(GArray *cmds)
{
	for (guint i = 0; i < cmds->len; i++) {
		struct team_command *c = &g_array_index(cmds, struct team_command, i);
		g_free(c->name);
		g_free(c->args);
	}
	g_array_free(cmds, TRUE);
}

int team_block_parse(const char *new_text, const char *reference_prefix,
		     struct team_block *out, char **error_r)
{
	struct block_parse bp = { reference_prefix, NULL, NULL, 0, NULL, NULL };
	char *text = NULL;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (new_text == NULL)
		new_text = "";
	if (!g_utf8_validate(new_text, -1, NULL)) {
		error_set(error_r, 0, "the reply's text is not valid UTF-8");
		goto out;
	}
	text = lf_copy(new_text);
	bp.cmds = g_array_new(FALSE, FALSE, sizeof(struct team_command));
	if (!parse_lines(&bp, text)) {
		error_set(error_r, 0, "%s", bp.error);
		goto out;
	}
	out->rest = rest_text(bp.rest);
	out->n = bp.cmds->len;
	out->cmds = (struct team_command *)(void *)g_array_free(bp.cmds, FALSE);
	out->case_ref = g_steal_pointer(&bp.case_ref);
	bp.cmds = NULL;
	ret = 1;
out:
	if (bp.cmds != NULL)
		commands_free(bp.cmds);
	g_free(bp.case_ref);
	g_free(bp.error);
	g_free(text);
	return ret;
}

void team_block_clear(struct team_block *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++) {
		g_free(b->cmds[i].name);
		g_free(b->cmds[i].args);
	}
	g_free(b->cmds);
	g_free(b->case_ref);
	g_free(b->rest);
	memset(b, 0, sizeof(*b));
}
