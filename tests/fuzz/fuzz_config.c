/* libFuzzer target: the configuration file (src/config/config.c) from its text through
   GKeyFile (config_parse, the same checks as config_load). Promises checked on a config that
   loads: every bounded number within its bounds, the team lists are NULL-terminated lists
   of plausible addresses or "@domain", the holiday lists are dates, and a failure says why. */
#include "fuzz.h"

#include "clock.h"
#include "config.h"
#include "core.h"

static void check_addresses(char **list, const char *what)
{
	FUZZ_REQUIRE(list != NULL, "%s NULL", what);
	for (char **p = list; *p != NULL; p++) {
		char *probe = **p == '@' ? g_strconcat("x", *p, NULL) : g_strdup(*p);
		FUZZ_REQUIRE(pd_address_plausible(probe), "%s: '%s' accepted", what, *p);
		g_free(probe);
	}
}

static void check_config(const struct config *c)
{
	FUZZ_REQUIRE(c->imap.port >= 1 && c->imap.port <= 65535, "imap port %d", c->imap.port);
	FUZZ_REQUIRE(c->smtp.port >= 1 && c->smtp.port <= 65535, "smtp port %d", c->smtp.port);
	FUZZ_REQUIRE(c->imap.idle_minutes >= 1 && c->imap.idle_minutes <= 28, "idle");
	FUZZ_REQUIRE(c->team.max_response_size >= 1024 &&
		     c->team.max_response_size <= 40 * 1024 * 1024,
		     "max_response_size %d", c->team.max_response_size);
	FUZZ_REQUIRE(c->digest.time >= 0 && c->digest.time < 24 * 60, "digest time %d",
		     c->digest.time);
	FUZZ_REQUIRE(c->imap.host != NULL && c->smtp.from != NULL && c->store.database != NULL,
		     "required key NULL");
	check_addresses(c->team.members, "members");
	check_addresses(c->team.notify, "notify");
	for (unsigned i = 0; i < 3; i++) {
		for (char **d = c->holidays.added[i]; d != NULL && *d != NULL; d++) {
			GDate day;
			FUZZ_REQUIRE(clock_date_parse(*d, &day), "holiday '%s' accepted", *d);
		}
	}
	FUZZ_REQUIRE(c->warnings != NULL, "warnings NULL");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config *c = NULL;
	char *error = NULL;

	if (config_parse("/etc/pdgate/pdgate.conf", (const char *)data, size, &c, &error)) {
		FUZZ_REQUIRE(error == NULL, "error on success: %s", error);
		check_config(c);
		config_free(&c);
	} else {
		FUZZ_REQUIRE(c == NULL && error != NULL, "failure without an error");
		g_free(error);
	}
	return 0;
}
