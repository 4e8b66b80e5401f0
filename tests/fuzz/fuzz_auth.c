/* libFuzzer target: the RFC 8601 Authentication-Results reader (src/team/auth.c), which
   decides whether a team member's mail was authenticated by our own MTA. The input's first
   line is the From address (as mime_parse would give it: cleaned; a fixed member address
   when it has no '@'), every further line one Authentication-Results header, topmost first.
   The struct is built directly, as mime_parse leaves it (values cleaned and bounded), so the
   fuzzer spends its time on the lexer rather than on MIME. Promises checked: a "no" always
   says why, a "yes" never; and a pass needs our authserv-id, the method's name and the From
   domain to be in some header at all. */
#include "fuzz.h"

#include "core.h"
#include "mime.h"
#include "pd-limits.h"
#include "team.h"

#define MAX_HEADERS 64

static const char *const members[] = { "jo@example.police.uk", "@force.police.uk", NULL };

static int some_header_has(const struct mime_message *m, const char *needle)
{
	char *n = g_ascii_strdown(needle, -1);
	int found = 0;

	for (size_t i = 0; !found && i < m->n_headers; i++) {
		char *v = g_ascii_strdown(m->headers[i].value, -1);
		found = strstr(v, n) != NULL;
		g_free(v);
	}
	g_free(n);
	return found;
}

static void check(const struct mime_message *m, const char *authserv_id)
{
	static const enum team_auth methods[] = { TEAM_AUTH_SPF, TEAM_AUTH_DKIM, TEAM_AUTH_DMARC };

	for (size_t i = 0; i < G_N_ELEMENTS(methods); i++) {
		char *why = NULL;
		int ok = team_auth_check(m, authserv_id, methods[i], &why);

		FUZZ_REQUIRE(ok == 1 ? why == NULL : why != NULL && *why != '\0',
			     "%s: %d without/with a reason: %s", team_auth_name(methods[i]), ok,
			     why);
		FUZZ_REQUIRE(!ok || (some_header_has(m, authserv_id) &&
				     some_header_has(m, team_auth_name(methods[i])) &&
				     some_header_has(m, strrchr(m->from_addr, '@') + 1)),
			     "%s passed without our id, the method or the From domain",
			     team_auth_name(methods[i]));
		g_free(why);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size);
	char **lines = g_strsplit(text, "\n", MAX_HEADERS + 1);
	struct mime_message *m = g_new0(struct mime_message, 1);
	char *why = NULL;

	m->from_addr = lines[0] != NULL ? g_strstrip(pd_utf8_clean(lines[0], PD_MAX_ADDRESS, 0)) :
		       g_strdup("");
	if (strchr(m->from_addr, '@') == NULL) {
		g_free(m->from_addr);
		m->from_addr = g_strdup(members[0]);
	}
	m->headers = g_new0(struct mime_header, MAX_HEADERS);
	for (size_t i = 1; lines[0] != NULL && lines[i] != NULL && i <= MAX_HEADERS; i++) {
		m->headers[m->n_headers].name = g_strdup("Authentication-Results");
		m->headers[m->n_headers].value = pd_utf8_clean(lines[i], PD_MAX_HEADER_VALUE, 0);
		m->n_headers++;
	}
	FUZZ_REQUIRE(team_auth_check(m, "", TEAM_AUTH_DKIM, &why) == 0 && why != NULL,
		     "no authserv-id configured, yet a pass");
	g_free(why);
	FUZZ_REQUIRE(team_auth_check(m, "mx.force.police.uk", TEAM_AUTH_NONE, NULL) == 1, "none");
	check(m, "mx.force.police.uk");
	check(m, "spf");
	(void)team_is_member(m->from_addr, (char *const *)members);
	mime_message_free(&m);
	g_strfreev(lines);
	g_free(text);
	return 0;
}
