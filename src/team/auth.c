/* team/auth: who may give the team's commands, decided without I/O: membership of the
   configured addresses and domains, and what our own MTA wrote in Authentication-Results
   (RFC 8601). Trusts msg from mime (header values bounded, valid UTF-8, unfolded, in
   message order, topmost first) and the configured authserv-id. Trusts nothing in the
   header values: every loop advances through a NUL-terminated string, comments nest by a
   counter, never by recursion, and whatever cannot be read is "no", never "pass". */
#include "team.h"

#include "core.h"

#include <string.h>

static const char *const auth_names[] = {
	[TEAM_AUTH_NONE] = "none", [TEAM_AUTH_SPF] = "spf", [TEAM_AUTH_DKIM] = "dkim",
	[TEAM_AUTH_DMARC] = "dmarc",
};

int team_auth_parse(const char *name, enum team_auth *auth_r)
{
	for (size_t i = 0; name != NULL && i < G_N_ELEMENTS(auth_names); i++) {
		if (g_ascii_strcasecmp(name, auth_names[i]) == 0) {
			*auth_r = (enum team_auth)i;
			return 1;
		}
	}
	return 0;
}

const char *team_auth_name(enum team_auth auth)
{
	return (size_t)auth < G_N_ELEMENTS(auth_names) ? auth_names[auth] : "?";
}

/* ---- members ---- */

int team_is_member(const char *addr, char *const *members)
{
	const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

	if (at == NULL || at == addr || at[1] == '\0' || members == NULL)
		return 0;
	for (size_t i = 0; members[i] != NULL; i++) {
		const char *m = members[i];
		if (m[0] == '@' ? m[1] != '\0' && g_ascii_strcasecmp(m + 1, at + 1) == 0
				: g_ascii_strcasecmp(m, addr) == 0)
			return 1;
	}
	return 0;
}

/* ---- RFC 8601 lexing ---- */

/* Characters that end a token (RFC 2045 tspecials and white space). */
#define TSPECIALS "()<>@,;:\\\"/[]?= \t\r\n"
/* A method, result, ptype or property name ends here too: "header.d", "dkim/1". */
#define KEYWORD_END TSPECIALS "."
/* A property value is a token, a quoted string or local@domain; base64 (header.b) has
   '=', '/' and '+' in it. It ends only at white space, a comment or ';'. */
#define PVALUE_END "(); \t\r\n"

/* p past white space and comments (nested; "\)" escapes). An unclosed comment runs to the
   end of the value. */
static const char *skip_cfws(const char *p)
{
	unsigned depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '(')
			depth++;
		else if (depth > 0 && *p == ')')
			depth--;
		else if (depth > 0 && *p == '\\' && p[1] != '\0')
			p++;
		else if (depth == 0 && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			break;
	}
	return p;
}

/* A quoted string or a run of characters not in `stops` at p, appended to out (without
   quotes and escapes). Returns where it ended: p itself when nothing was read. */
static const char *read_value(const char *p, const char *stops, GString *out)
{
	g_string_truncate(out, 0);
	if (*p != '"') {
		while (*p != '\0' && strchr(stops, *p) == NULL)
			g_string_append_c(out, *p++);
		return p;
	}
	for (p++; *p != '\0' && *p != '"'; p++) {
		if (*p == '\\' && p[1] != '\0')
			p++;
		g_string_append_c(out, *p);
	}
	return *p == '"' ? p + 1 : p;
}

/* ---- one header ---- */

/* What the results of one method in our header said. */
struct verdict {
	enum team_auth method;
	const char *domain;  /* the From address's domain */
	int pass;            /* a pass for `domain` */
	char *first_result;  /* "dkim=fail" of the first result of the method, or NULL */
	char *other_domain;  /* the domain of a pass for another domain, or NULL */
	int pass_no_domain;  /* a pass that named no domain */
};

/* The property that names the authenticated domain for a method. */
static int domain_property(enum team_auth method, const char *ptype, const char *property)
{
	switch (method) {
	case TEAM_AUTH_DKIM:
		return g_ascii_strcasecmp(ptype, "header") == 0 &&
		       g_ascii_strcasecmp(property, "d") == 0;
	case TEAM_AUTH_SPF:
		return g_ascii_strcasecmp(ptype, "smtp") == 0 &&
		       g_ascii_strcasecmp(property, "mailfrom") == 0;
	case TEAM_AUTH_DMARC:
		return g_ascii_strcasecmp(ptype, "header") == 0 &&
		       g_ascii_strcasecmp(property, "from") == 0;
	case TEAM_AUTH_NONE:
		break;
	}
	return 0;
}

/* "local@domain", "<local@domain>", "domain." -> "domain" (g_malloc'd). */
static char *value_domain(const char *value)
{
	const char *at = strrchr(value, '@');
	char *d = g_strdup(at != NULL ? at + 1 : value);
	size_t n = strlen(d);

	if (n > 0 && d[n - 1] == '>')
		d[--n] = '\0';
	if (n > 0 && d[n - 1] == '.')
		d[--n] = '\0';
	return d;
}

/* The properties of one resinfo ("header.d=x smtp.mailfrom=y reason=z ..."), up to the
   next ';'. *domain_r: the first value of the method's domain property, or NULL. */
static const char *read_properties(const char *p, enum team_auth method, char **domain_r)
{
	GString *ptype = g_string_new(NULL), *property = g_string_new(NULL);
	GString *value = g_string_new(NULL);

	while (*(p = skip_cfws(p)) != '\0' && *p != ';') {
		const char *start = p;
		g_string_truncate(property, 0);
		p = skip_cfws(read_value(p, KEYWORD_END, ptype));
		if (*p == '.')
			p = skip_cfws(read_value(skip_cfws(p + 1), KEYWORD_END, property));
		if (*p == '=') {
			p = read_value(skip_cfws(p + 1), PVALUE_END, value);
			if (*domain_r == NULL && domain_property(method, ptype->str, property->str))
				*domain_r = value_domain(value->str);
		}
		if (p == start)
			p++; /* a stray character ('@', '=', '"'...): never loop on it */
	}
	g_string_free(ptype, TRUE);
	g_string_free(property, TRUE);
	g_string_free(value, TRUE);
	return p;
}

static void verdict_add(struct verdict *v, const char *result, char *domain)
{
	int pass = g_ascii_strcasecmp(result, "pass") == 0;

	if (v->first_result == NULL)
		v->first_result = g_strdup_printf("%s=%s", team_auth_name(v->method), result);
	if (pass && domain != NULL && g_ascii_strcasecmp(domain, v->domain) == 0)
		v->pass = 1;
	else if (pass && domain != NULL && v->other_domain == NULL)
		v->other_domain = g_strdup(domain);
	else if (pass && domain == NULL)
		v->pass_no_domain = 1;
}

/* One resinfo after its ';': "dkim=pass (comment) header.d=example.org". "none" alone
   (RFC 8601 no-result) and anything unreadable add nothing. */
static const char *read_resinfo(const char *p, struct verdict *v)
{
	GString *method = g_string_new(NULL), *result = g_string_new(NULL);
	char *domain = NULL;
	int is_method;

	p = skip_cfws(read_value(skip_cfws(p), KEYWORD_END, method));
	if (*p == '/') /* a method version: "dkim/1" */
		p = skip_cfws(read_value(skip_cfws(p + 1), KEYWORD_END, result));
	is_method = *p == '=' && g_ascii_strcasecmp(method->str, team_auth_name(v->method)) == 0;
	if (*p == '=')
		p = read_value(skip_cfws(p + 1), KEYWORD_END, result);
	p = read_properties(p, v->method, &domain);
	if (is_method && result->len > 0)
		verdict_add(v, result->str, domain);
	g_free(domain);
	g_string_free(method, TRUE);
	g_string_free(result, TRUE);
	return p;
}

/* Where the results start (the first ';') when value begins with authserv-id (and an
   optional version), else NULL. A value that starts with a resinfo ("spf=pass ...",
   Microsoft 365) names no server at all. */
static const char *our_results(const char *value, const char *authserv_id)
{
	GString *id = g_string_new(NULL);
	const char *p = skip_cfws(read_value(skip_cfws(value), TSPECIALS, id));
	int ours = id->len > 0 && g_ascii_strcasecmp(id->str, authserv_id) == 0 && *p != '=' &&
		   *p != '/';

	g_string_free(id, TRUE);
	if (!ours)
		return NULL;
	while (g_ascii_isdigit(*p))
		p++;
	return skip_cfws(p);
}

/* The results of our header for v->method into v. */
static void read_results(const char *p, struct verdict *v)
{
	while (*p == ';')
		p = read_resinfo(p + 1, v);
}

static int verdict_why(const struct verdict *v, const char *authserv_id, char **why_r)
{
	if (v->other_domain != NULL)
		return error_set(why_r, 0, "%s=pass for %s, not the From domain %s",
				 team_auth_name(v->method), v->other_domain, v->domain);
	if (v->pass_no_domain)
		return error_set(why_r, 0, "%s=pass names no domain to compare with the From "
				 "domain %s", team_auth_name(v->method), v->domain);
	if (v->first_result != NULL)
		return error_set(why_r, 0, "%s", v->first_result);
	return error_set(why_r, 0, "no %s result in the Authentication-Results from %s",
			 team_auth_name(v->method), authserv_id);
}

static const char *top_header_of(const struct mime_message *msg, const char *authserv_id)
{
	for (size_t i = 0; i < msg->n_headers; i++) {
		const char *p;
		if (g_ascii_strcasecmp(msg->headers[i].name, "Authentication-Results") != 0)
			continue;
		if ((p = our_results(msg->headers[i].value, authserv_id)) != NULL)
			return p;
	}
	return NULL;
}

int team_auth_check(const struct mime_message *msg, const char *authserv_id,
		    enum team_auth method, char **why_r)
{
	struct verdict v = { method, NULL, 0, NULL, NULL, 0 };
	const char *results, *at;
	int ret;

	if (method == TEAM_AUTH_NONE)
		return 1;
	if (authserv_id == NULL || authserv_id[0] == '\0')
		return error_set(why_r, 0, "no authserv-id configured to trust");
	at = msg->from_addr != NULL ? strrchr(msg->from_addr, '@') : NULL;
	if (at == NULL)
		return error_set(why_r, 0, "no valid From address");
	results = top_header_of(msg, authserv_id);
	if (results == NULL)
		return error_set(why_r, 0, "no Authentication-Results from %s", authserv_id);
	v.domain = at + 1;
	read_results(results, &v);
	ret = v.pass ? 1 : verdict_why(&v, authserv_id, why_r);
	g_free(v.first_result);
	g_free(v.other_domain);
	return ret;
}
