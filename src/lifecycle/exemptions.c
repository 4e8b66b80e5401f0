/* lifecycle/exemptions: what a refusal may cite. FOIA exemptions ("s31(1)(a)") and EIR
   exceptions ("12(4)(b)") as the team writes them, in one canonical form; and the table of
   rules/exemptions.tsv that says which are qualified (a public interest test) and which
   allow neither-confirm-nor-deny. Pure: the caller reads the file. */
#include "lifecycle-private.h"

#include <string.h>

/* One section: "s31", "s.31", "section 31", "31(1)(a)"; FOIA Part II is s21 to s44.
   Appends "s31(1)(a)" to out. 1 or 0. */
static int exemption_one(const char *token, GString *out)
{
	const char *p = token;
	unsigned n = 0;
	size_t digits;

	if (g_ascii_strncasecmp(p, "section", 7) == 0)
		p += 7;
	else if (*p == 's' || *p == 'S')
		p += 1 + (p[1] == '.');
	while (*p == ' ')
		p++;
	digits = strspn(p, "0123456789");
	if (digits == 0 || digits > 2)
		return 0;
	for (size_t i = 0; i < digits; i++)
		n = n * 10 + (unsigned)(p[i] - '0');
	if (n < 21 || n > 44)
		return 0;
	for (const char *q = p + digits; *q != '\0'; q++) {
		if (!g_ascii_isalnum(*q) && *q != '(' && *q != ')')
			return 0;
	}
	if (strlen(p + digits) > 16)
		return 0;
	g_string_append_printf(out, "%ss%s", out->len > 0 ? "," : "", p);
	return 1;
}

/* A ","-separated list, each item canonicalised by one(). */
static int parse_list(const char *text, int (*one)(const char *, GString *), char **canonical_r)
{
	char **parts = g_strsplit_set(text != NULL ? text : "", ",;", -1);
	GString *out = g_string_new(NULL);
	int ok = 1;

	for (char **p = parts; ok && *p != NULL; p++) {
		g_strstrip(*p);
		if (**p != '\0')
			ok = one(*p, out);
	}
	g_strfreev(parts);
	if (!ok || out->len == 0) {
		g_string_free(out, TRUE);
		return 0;
	}
	*canonical_r = g_string_free(out, FALSE);
	return 1;
}

int case_exemptions_parse(const char *text, char **canonical_r)
{
	return parse_list(text, exemption_one, canonical_r);
}

/* "section 30 and section 31": word before each item, its 's' dropped. */
static char *list_words(const char *canonical, const char *word)
{
	char **parts = g_strsplit(canonical != NULL ? canonical : "", ",", -1);
	GString *s = g_string_new(NULL);
	guint n = g_strv_length(parts);

	for (guint i = 0; i < n; i++) {
		const char *sep = i == 0 ? "" : i + 1 == n ? " and " : ", ";
		g_string_append_printf(s, "%s%s %s", sep, word, parts[i] + (parts[i][0] == 's'));
	}
	g_strfreev(parts);
	return g_string_free(s, FALSE);
}

char *case_exemptions_words(const char *canonical)
{
	return list_words(canonical, "section");
}

/* One EIR exception: "12(4)(b)", "reg 12(4)(b)", "regulation 13", "r13". Appends the
   canonical "12(4)(b)" to out. Only regulations 12 and 13 hold exceptions. 1 or 0. */
static int exception_one(const char *token, GString *out)
{
	const char *p = token;

	if (g_ascii_strncasecmp(p, "regulation", 10) == 0)
		p += 10;
	else if (g_ascii_strncasecmp(p, "reg", 3) == 0)
		p += 3 + (p[3] == '.');
	else if (*p == 'r' || *p == 'R')
		p += 1;
	while (*p == ' ')
		p++;
	if (strncmp(p, "12", 2) != 0 && strncmp(p, "13", 2) != 0)
		return 0;
	if (g_ascii_isdigit(p[2]) || strlen(p) > 16)
		return 0;
	for (const char *q = p + 2; *q != '\0'; q++) {
		if (!g_ascii_isalnum(*q) && *q != '(' && *q != ')')
			return 0;
	}
	g_string_append_printf(out, "%s%s", out->len > 0 ? "," : "", p);
	return 1;
}

int case_exceptions_parse(const char *text, char **canonical_r)
{
	return parse_list(text, exception_one, canonical_r);
}

char *case_exceptions_words(const char *canonical)
{
	return list_words(canonical, "regulation");
}

/* ---- the table ---- */

static void exemption_clear(struct case_exemption *e)
{
	g_free(e->provision);
	g_free(e->ncnd);
	g_free(e->title);
}

void case_exemptions_free(struct case_exemptions **x)
{
	if (*x == NULL)
		return;
	for (size_t i = 0; i < (*x)->n; i++)
		exemption_clear(&(*x)->item[i]);
	g_free((*x)->item);
	g_free(*x);
	*x = NULL;
}

/* One line's five fields into e. 1, or 0 with why in *why_r (static). */
static int parse_row(char **f, struct case_exemption *e, const char **why_r)
{
	GString *canon = g_string_new(NULL);
	int ok;

	memset(e, 0, sizeof(*e));
	if (strcmp(f[0], "foia") != 0 && strcmp(f[0], "eir") != 0) {
		*why_r = "law must be foia or eir";
		g_string_free(canon, TRUE);
		return 0;
	}
	e->law = strcmp(f[0], "foia") == 0 ? CASE_LAW_FOIA : CASE_LAW_EIR;
	ok = e->law == CASE_LAW_FOIA ? exemption_one(f[1], canon) : exception_one(f[1], canon);
	e->provision = g_string_free(canon, FALSE);
	if (!ok)
		*why_r = e->law == CASE_LAW_FOIA ? "provision must be a FOIA section s21 to s44" :
			 "provision must be an EIR regulation 12(...) or 13";
	else if (strcmp(f[2], "absolute") != 0 && strcmp(f[2], "qualified") != 0)
		*why_r = "class must be absolute or qualified", ok = 0;
	else if (!g_utf8_validate(f[4], -1, NULL) || f[4][0] == '\0')
		*why_r = "title must be UTF-8 text", ok = 0;
	e->qualified = strcmp(f[2], "qualified") == 0;
	e->ncnd = strcmp(f[3], "-") == 0 ? NULL : g_strdup(f[3]);
	e->title = g_strdup(f[4]);
	return ok;
}

int case_exemptions_load(const char *text, const char *name, struct case_exemptions **out,
			 char **error_r)
{
	char **lines = g_strsplit(text != NULL ? text : "", "\n", -1);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct case_exemption));
	GString *errors = g_string_new(NULL);

	*out = NULL;
	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strchomp(lines[i]);
		char **f = g_strsplit(line, "\t", -1);
		struct case_exemption e;
		const char *why = "5 TAB-separated fields expected";

		if (line[0] != '\0' && line[0] != '#') {
			int whole = g_strv_length(f) == 5;
			if (whole && parse_row(f, &e, &why)) {
				g_array_append_val(rows, e);
			} else {
				if (whole)
					exemption_clear(&e);
				g_string_append_printf(errors, "%s%s:%u: %s", errors->len > 0 ? "\n" :
						       "", name, i + 1, why);
			}
		}
		g_strfreev(f);
	}
	g_strfreev(lines);
	if (errors->len == 0 && rows->len == 0)
		g_string_append_printf(errors, "%s: no exemption listed", name);
	if (errors->len > 0) {
		error_set(error_r, 0, "%s", errors->str);
		for (guint i = 0; i < rows->len; i++)
			exemption_clear(&g_array_index(rows, struct case_exemption, i));
		g_array_free(rows, TRUE);
		g_string_free(errors, TRUE);
		return 0;
	}
	g_string_free(errors, TRUE);
	*out = g_new0(struct case_exemptions, 1);
	(*out)->n = rows->len;
	(*out)->item = (struct case_exemption *)(void *)g_array_free(rows, FALSE);
	return 1;
}

static const struct case_exemption *find_exact(const struct case_exemptions *x,
					       enum case_law law, const char *provision, size_t len)
{
	for (size_t i = 0; x != NULL && i < x->n; i++) {
		const struct case_exemption *e = &x->item[i];
		if (e->law == law && strlen(e->provision) == len &&
		    strncmp(e->provision, provision, len) == 0)
			return e;
	}
	return NULL;
}

const struct case_exemption *case_exemption_find(const struct case_exemptions *x,
						 enum case_law law, const char *cited)
{
	size_t len = strlen(cited);
	const struct case_exemption *e = NULL;

	/* The most specific listed provision: "s37(1)(a)(i)" -> "s37(1)(a)" -> "s37". */
	while (len > 0 && (e = find_exact(x, law, cited, len)) == NULL) {
		const char *open = g_strrstr_len(cited, (gssize)len, "(");
		if (open == NULL)
			break;
		len = (size_t)(open - cited);
	}
	return e;
}
