/* Unit tests: configuration loading, defaults, bounds, relative paths, secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "core.h"

static const char minimal[] =
	"[imap]\nhost = 127.0.0.1\nuser = d\npassword_file = imap.pw\n"
	"[smtp]\nhost = 127.0.0.1\nfrom = d@p.test\n"
	"[store]\ndatabase = state/pd.db\nspool = /abs/spool\n";

static char *write_conf(const char *dir, const char *text)
{
	char *path = g_build_filename(dir, "pdgate.conf", NULL);
	assert_true(g_file_set_contents(path, text, -1, NULL));
	return path;
}

static void test_minimal_defaults_and_paths(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *path = write_conf(dir, minimal), *error = NULL;
	struct config *c = NULL;
	assert_int_equal(config_load(path, &c, &error), 1);
	assert_int_equal(c->imap.port, 993);
	assert_int_equal(c->imap.tls, PD_TLS_IMPLICIT);
	assert_int_equal(c->smtp.tls, PD_TLS_STARTTLS);
	assert_string_equal(c->imap.mailbox, "INBOX");
	assert_string_equal(c->gateway.reference_prefix, "PD");
	char *expect = g_build_filename(dir, "state/pd.db", NULL);
	assert_string_equal(c->store.database, expect); /* relative to the config's folder */
	assert_string_equal(c->store.spool, "/abs/spool");
	assert_int_equal(c->gateway.identity_reuse_days, 365);
	assert_null(c->holidays.added[0][0]); /* no bank holiday changes */
	assert_null(c->warnings[0]);
	/* Every notice text has a default that names the routes the law and safety need. */
	assert_non_null(strstr(c->notices.not_for_emergencies, "999"));
	assert_non_null(strstr(c->notices.not_for_emergencies, "101"));
	assert_non_null(strstr(c->notices.identity_routes, "police station"));
	assert_non_null(strstr(c->notices.identity_retention, "delete"));
	assert_non_null(strstr(c->notices.redirect[0], "999"));
	assert_non_null(strstr(c->notices.redirect[2], "Professional Standards"));
	assert_non_null(strstr(c->notices.redirect[3], "ACRO"));
	for (size_t i = 0; i < G_N_ELEMENTS(c->notices.redirect); i++)
		assert_true(c->notices.redirect[i][0] != '\0');
	g_free(expect);
	config_free(&c);
	assert_null(c);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

struct bad_case {
	const char *extra;
	const char *expect; /* substring of the error */
};

static const struct bad_case bad_cases[] = {
	{ "[imap]\nport = 70000\n", "[imap] port: must be a number from 1 to 65535" },
	{ "[imap]\nport = 99x\n", "[imap] port" },
	{ "[imap]\ntls = maybe\n", "[imap] tls: must be implicit, starttls or none" },
	{ "[imap]\nidle_minutes = 30\n", "[imap] idle_minutes" },
	{ "[imap]\nhots = typo\n", "[imap] hots: unknown key" },
	{ "[gateway]\nlog_level = loud\n", "[gateway] log_level" },
	{ "[holidays]\nadd_scotland = 2026-02-30\n", "[holidays] add_scotland: '2026-02-30'" },
	{ "[holidays]\ncancel_england_wales = 2026-12-25, 26/12/2026\n",
	  "[holidays] cancel_england_wales: '26/12/2026' is not a date" },
	{ "[holidays]\nadd_wales = 2026-06-01\n", "[holidays] add_wales: unknown key" },
	{ "[gateway]\nidentity_reuse_days = -1\n", "[gateway] identity_reuse_days" },
	{ "[smtp]\njournal = disclosure journal\n", "[smtp] journal: not an e-mail address" },
	{ "[notices]\nnot_for_emergency = x\n", "[notices] not_for_emergency: unknown key" },
	{ "[team]\nrequire_auth = arc\n", "[team] require_auth: must be none, spf, dkim or dmarc" },
	{ "[team]\nmembers = jo@force.police.uk\nnotify = t@force.police.uk\n",
	  "[team] authserv_id: required" },
	{ "[team]\nmembers = jo@force.police.uk\nrequire_auth = none\n",
	  "[team] notify: required with members" },
	{ "[team]\nmembers = jo bloggs\nrequire_auth = none\n",
	  "[team] members: 'jo bloggs' is not an address or @domain" },
	{ "[team]\nnotify = @\n", "[team] notify: '@' is not an address or @domain" },
	{ "[team]\nmax_response_size = 50M\n", "[team] max_response_size: must be a size" },
	{ "[digest]\ntime = 8am\n", "[digest] time" },
	{ "[digest]\ntime = 24:00\n", "[digest] time" },
	{ "[digest]\nsend = sometimes\n", "[digest] send" },
	{ "[digest]\nchase_after = 0\n", "[digest] chase_after" },
	/* [classify] confidence: 0.5 (off) or above 0.5 and below 1 */
	{ "[classify]\nconfidence = 1\n", "[classify] confidence: must be 0.5" },
	{ "[classify]\nconfidence = 0.49\n", "[classify] confidence: must be 0.5" },
	{ "[classify]\nconfidence = 0.8x\n", "[classify] confidence: must be 0.5" },
	{ "[classify]\nconfidence = nan\n", "[classify] confidence: must be 0.5" },
	{ "[classify]\nconfidence = 75%\n", "[classify] confidence: must be 0.5" },
	{ "[gateway]\nconfirm_within = 0\n", "[gateway] confirm_within" },
	{ "[team]\nmax_response_size = 20G\n", "[team] max_response_size: must be a size" },
	/* a password (and personal data) in clear only over this machine's loopback */
	{ "[imap]\nhost = imap.force.police.uk\ntls = none\n", "[imap] tls = none: only allowed" },
	{ "[smtp]\nhost = 10.0.0.25\ntls = none\n", "[smtp] tls = none: only allowed" },
	{ "[imap]\nhost = localhost.force.police.uk\ntls = none\n", "[imap] tls = none" },
	{ "[imap]\nmax_attempts = 0\n", "[imap] max_attempts" },
	/* Too large to scale: refused, not a signed overflow (UBSan in the san build). */
	{ "[team]\nmax_response_size = 9999999999999M\n",
	  "[team] max_response_size: must be a size" },
	{ "[team]\nmax_response_size = -9999999999999999K\n",
	  "[team] max_response_size: must be a size" },
};

/* Loopback: the names and addresses that never leave the machine, and no others. */
static void test_loopback_hosts(void **state)
{
	(void)state;
	static const char *const yes[] = { "localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3",
					   "::1" };
	static const char *const no[] = { "", "localhost.example", "10.0.0.1", "::", "0.0.0.0",
					  "128.0.0.1", "imap.force.police.uk", "127.0.0.1.nip.io",
					  "::ffff:10.0.0.1" };
	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		assert_int_equal(pd_host_is_loopback(yes[i]), 1);
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++) {
		if (pd_host_is_loopback(no[i]))
			fail_msg("%s taken for loopback", no[i]);
	}
	assert_int_equal(pd_host_is_loopback(NULL), 0);
}

/* [classify] confidence: 0.8 by default, 0.5 turns it off, any value within (0.5, 1);
   [gateway] confirm_within 3 working days by default. */
static void test_confidence(void **state)
{
	static const struct {
		const char *text;
		double want;
	} good[] = { { "", 0.8 }, { "[classify]\nconfidence = 0.5\n", 0.5 },
		     { "[classify]\nconfidence = 0.999\n", 0.999 },
		     { "[classify]\nconfidence = 0.51\n", 0.51 } };
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(good); i++) {
		char *text = g_strconcat(minimal, good[i].text, NULL);
		char *path = write_conf(dir, text), *error = NULL;
		struct config *c = NULL;
		if (config_load(path, &c, &error) != 1)
			fail_msg("'%s' refused: %s", good[i].text, error);
		assert_true(c->classify.confidence == good[i].want);
		assert_int_equal(c->gateway.confirm_within, 3);
		config_free(&c);
		g_unlink(path);
		g_free(path);
		g_free(text);
	}
	g_rmdir(dir);
	g_free(dir);
}

static void test_bad_values(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++) {
		char *text = g_strconcat(minimal, bad_cases[i].extra, NULL);
		/* GKeyFile rejects duplicate groups only by merging: append keys to existing groups. */
		char *path = write_conf(dir, text), *error = NULL;
		struct config *c = NULL;
		assert_int_equal(config_load(path, &c, &error), 0);
		if (strstr(error, bad_cases[i].expect) == NULL)
			fail_msg("case %zu: '%s' not in '%s'", i, bad_cases[i].expect, error);
		g_free(error);
		g_unlink(path);
		g_free(path);
		g_free(text);
	}
	g_rmdir(dir);
	g_free(dir);
}

/* Bank holidays by proclamation: each calendar's lists kept, blanks and spaces ignored. */
static void test_holiday_lists(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *text = g_strconcat(minimal, "[holidays]\nadd_northern_ireland = 2027-03-18, "
				 "2027-07-13,\ncancel_scotland = 2027-11-30\n", NULL);
	char *path = write_conf(dir, text), *error = NULL;
	struct config *c = NULL;
	assert_int_equal(config_load(path, &c, &error), 1);
	assert_int_equal(g_strv_length(c->holidays.added[2]), 2);
	assert_string_equal(c->holidays.added[2][1], "2027-07-13");
	assert_string_equal(c->holidays.cancelled[1][0], "2027-11-30");
	assert_int_equal(g_strv_length(c->holidays.added[0]), 0);
	config_free(&c);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(text);
	g_free(dir);
}

/* A key an older version read is a warning, never an error: an upgrade keeps working. The
   court route is no longer a setting (DPA 2018 s167 always). */
static void test_obsolete_key_warns(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *text = g_strconcat(minimal, "[gateway]\ncourt_section_access = 165\n"
				 "[notices]\nredirect_acro = Write to ACRO.\n", NULL);
	char *path = write_conf(dir, text), *error = NULL;
	struct config *c = NULL;
	assert_int_equal(config_load(path, &c, &error), 1);
	assert_null(error);
	assert_int_equal(g_strv_length(c->warnings), 1);
	assert_non_null(strstr(c->warnings[0], "[gateway] court_section_access: no longer used"));
	assert_non_null(strstr(c->warnings[0], "s167"));
	assert_string_equal(c->notices.redirect[3], "Write to ACRO.");
	config_free(&c);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(text);
	g_free(dir);
}

/* [team]: members and @domain entries (kept lower case), the old [gateway] team read as
   notify with a warning, require_auth none accepted with a warning, sizes with suffixes. */
static void test_team(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *text = g_strconcat(minimal, "[gateway]\nteam = Team@Force.Police.UK\n"
				 "[team]\nmembers = Jo@force.police.uk; @Disclosure.force.police.uk\n"
				 "authserv_id = mx.force.police.uk\nmax_response_size = 512K\n", NULL);
	char *path = write_conf(dir, text), *error = NULL;
	struct config *c = NULL;
	assert_int_equal(config_load(path, &c, &error), 1);
	assert_int_equal(g_strv_length(c->team.members), 2);
	assert_string_equal(c->team.members[0], "jo@force.police.uk");
	assert_string_equal(c->team.members[1], "@disclosure.force.police.uk");
	assert_string_equal(c->team.notify[0], "team@force.police.uk");
	assert_string_equal(c->team.require_auth, "dkim");
	assert_int_equal(c->team.max_response_size, 512 * 1024);
	/* The digest's defaults: sent, at 08:00, working days only, chase after 10 days. */
	assert_true(c->digest.send);
	assert_int_equal(c->digest.time, 8 * 60);
	assert_false(c->digest.non_working_days);
	assert_int_equal(c->digest.chase_after, 10);
	assert_false(c->report.monthly);
	assert_int_equal(g_strv_length(c->warnings), 1);
	assert_non_null(strstr(c->warnings[0], "[gateway] team: read as [team] notify"));
	config_free(&c);
	g_free(text);
	/* require_auth = none: accepted, warned; the default size is 20 MB. */
	text = g_strconcat(minimal, "[team]\nmembers = jo@force.police.uk\nrequire_auth = none\n"
			   "notify = disclosure@force.police.uk\n", NULL);
	g_free(path);
	path = write_conf(dir, text);
	assert_int_equal(config_load(path, &c, &error), 1);
	assert_int_equal(c->team.max_response_size, 20 * 1024 * 1024);
	assert_int_equal(g_strv_length(c->warnings), 1);
	assert_non_null(strstr(c->warnings[0], "require_auth = none"));
	assert_string_equal(c->team.notify[0], "disclosure@force.police.uk");
	config_free(&c);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(text);
	g_free(dir);
}

static void test_missing_required_all_reported(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *path = write_conf(dir, "[imap]\nport = 143\n"), *error = NULL;
	struct config *c = NULL;
	assert_int_equal(config_load(path, &c, &error), 0);
	/* Every problem in one pass, not just the first. */
	assert_non_null(strstr(error, "[imap] host: required"));
	assert_non_null(strstr(error, "[smtp] from: required"));
	assert_non_null(strstr(error, "[store] database: required"));
	g_free(error);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

static void test_secret_file_permissions(void **state)
{
	(void)state;
	char *dir = g_dir_make_tmp("pdgate-conf-XXXXXX", NULL);
	char *path = g_build_filename(dir, "pw", NULL), *secret = NULL, *error = NULL;
	assert_true(g_file_set_contents(path, "s3cret\n", -1, NULL));
	chmod(path, 0644);
	assert_int_equal(config_read_secret(path, &secret, &error), 0);
	assert_non_null(strstr(error, "chmod 600"));
	g_free(error);
	chmod(path, 0600);
	assert_int_equal(config_read_secret(path, &secret, &error), 1);
	assert_string_equal(secret, "s3cret");
	g_free(secret);
	g_unlink(path);
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
}

/* config_parse: the file's text, read as if from the path it is given. */
static void test_parse_from_text(void **state)
{
	(void)state;
	struct config *c = NULL;
	char *error = NULL;

	assert_int_equal(config_parse("/etc/pdgate/pdgate.conf", minimal, strlen(minimal), &c,
				      &error), 1);
	assert_null(error);
	assert_string_equal(c->path, "/etc/pdgate/pdgate.conf");
	assert_string_equal(c->store.database, "/etc/pdgate/state/pd.db");
	assert_int_equal(c->imap.port, 993);
	config_free(&c);
	/* Not a key file at all, and a key file with a bad value: the path in both messages. */
	assert_int_equal(config_parse("/etc/pdgate/pdgate.conf", "[imap\n", 6, &c, &error), 0);
	assert_null(c);
	assert_true(g_str_has_prefix(error, "/etc/pdgate/pdgate.conf: "));
	g_clear_pointer(&error, g_free);
	assert_int_equal(config_parse("x.conf", "[imap]\nport = 0\n", 16, &c, &error), 0);
	assert_non_null(strstr(error, "x.conf: invalid configuration:"));
	assert_non_null(strstr(error, "[imap] port: must be a number from 1 to 65535"));
	g_free(error);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_minimal_defaults_and_paths),
		cmocka_unit_test(test_parse_from_text),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_confidence),
		cmocka_unit_test(test_loopback_hosts),
		cmocka_unit_test(test_holiday_lists),
		cmocka_unit_test(test_obsolete_key_warns),
		cmocka_unit_test(test_team),
		cmocka_unit_test(test_missing_required_all_reported),
		cmocka_unit_test(test_secret_file_permissions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
