/* config: reads the INI file with GKeyFile against a table of known keys. Trusts the admin
   who wrote the file, but still checks every value's type and bounds. */
#include "config.h"
#include "clock.h"
#include "core.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

/* KEY_OBSOLETE: a key older versions read; when set it is ignored with a warning (def says
   why), so an upgrade never refuses a config that used to work. */
enum key_type { KEY_STRING, KEY_PATH, KEY_INT, KEY_TLS, KEY_LIST, KEY_DATES, KEY_OBSOLETE,
		KEY_SIZE, KEY_BOOL, KEY_TIME, KEY_CONFIDENCE };

struct key_def {
	const char *group, *key;
	enum key_type type;
	const char *def;   /* NULL = required */
	int min, max;      /* for KEY_INT */
	size_t offset;     /* into struct config */
};

#define OFF(field) offsetof(struct config, field)
static const struct key_def keys[] = {
	{ "imap", "host", KEY_STRING, NULL, 0, 0, OFF(imap.host) },
	{ "imap", "port", KEY_INT, "993", 1, 65535, OFF(imap.port) },
	{ "imap", "tls", KEY_TLS, "implicit", 0, 0, OFF(imap.tls) },
	{ "imap", "ca_file", KEY_PATH, "", 0, 0, OFF(imap.ca_file) },
	{ "imap", "user", KEY_STRING, NULL, 0, 0, OFF(imap.user) },
	{ "imap", "password_file", KEY_PATH, NULL, 0, 0, OFF(imap.password_file) },
	{ "imap", "mailbox", KEY_STRING, "INBOX", 0, 0, OFF(imap.mailbox) },
	{ "imap", "processed_mailbox", KEY_STRING, "Processed", 0, 0, OFF(imap.processed_mailbox) },
	{ "imap", "quarantine_mailbox", KEY_STRING, "Quarantine", 0, 0, OFF(imap.quarantine_mailbox) },
	{ "imap", "journal_mailbox", KEY_STRING, "Journal", 0, 0, OFF(imap.journal_mailbox) },
	{ "imap", "poll_interval", KEY_INT, "60", 1, 86400, OFF(imap.poll_interval) },
	/* RFC 2177: servers may drop an IDLE after 30 minutes. */
	{ "imap", "idle_minutes", KEY_INT, "25", 1, 28, OFF(imap.idle_minutes) },
	{ "imap", "timeout", KEY_INT, "60", 1, 3600, OFF(imap.timeout) },
	/* a message that fails (or crashes the poller) this many times is quarantined */
	{ "imap", "max_attempts", KEY_INT, "3", 1, 100, OFF(imap.max_attempts) },
	{ "smtp", "host", KEY_STRING, NULL, 0, 0, OFF(smtp.host) },
	{ "smtp", "port", KEY_INT, "587", 1, 65535, OFF(smtp.port) },
	{ "smtp", "tls", KEY_TLS, "starttls", 0, 0, OFF(smtp.tls) },
	{ "smtp", "ca_file", KEY_PATH, "", 0, 0, OFF(smtp.ca_file) },
	{ "smtp", "user", KEY_STRING, "", 0, 0, OFF(smtp.user) },
	{ "smtp", "password_file", KEY_PATH, "", 0, 0, OFF(smtp.password_file) },
	{ "smtp", "from", KEY_STRING, NULL, 0, 0, OFF(smtp.from) },
	{ "smtp", "from_name", KEY_STRING, "Public Disclosure Team", 0, 0, OFF(smtp.from_name) },
	{ "smtp", "retry_base", KEY_INT, "60", 1, 86400, OFF(smtp.retry_base) },
	{ "smtp", "max_attempts", KEY_INT, "10", 1, 100, OFF(smtp.max_attempts) },
	{ "smtp", "timeout", KEY_INT, "60", 1, 3600, OFF(smtp.timeout) },
	/* Every notice also goes, in the same SMTP transaction, to this address, which must
	   deliver into [imap] journal_mailbox: the copy there proves the server accepted a
	   notice whose outcome a crash left unknown, so it is never sent twice. */
	{ "smtp", "journal", KEY_STRING, "", 0, 0, OFF(smtp.journal) },
	{ "smtp", "journal_wait", KEY_INT, "120", 1, 86400, OFF(smtp.journal_wait) },
	{ "store", "database", KEY_PATH, NULL, 0, 0, OFF(store.database) },
	{ "store", "spool", KEY_PATH, NULL, 0, 0, OFF(store.spool) },
	/* The model `pdgate train` makes from the team's corrections; preferred to the shipped
	   one when present. "": trained.model beside the database. */
	{ "store", "model", KEY_PATH, "", 0, 0, OFF(store.model) },
	{ "gateway", "reference_prefix", KEY_STRING, "PD", 0, 0, OFF(gateway.reference_prefix) },
	{ "gateway", "team", KEY_LIST, "", 0, 0, OFF(gateway.team) },
	/* Mail from these domains that forwards someone else's mail is the force's staff
	   passing a request on: the requester is the forwarded mail's sender. "": the domain
	   of [smtp] from. */
	{ "gateway", "staff_domains", KEY_LIST, "", 0, 0, OFF(gateway.staff_domains) },
	{ "gateway", "templates", KEY_PATH, "templates", 0, 0, OFF(gateway.templates) },
	{ "gateway", "rules", KEY_PATH, "rules/pdgate.rules", 0, 0, OFF(gateway.rules) },
	/* The model shipped beside the rules ("": the rules alone), and the labelled corpus
	   it was built from, which `pdgate train` learns from again with the team's cases. */
	{ "gateway", "model", KEY_PATH, "", 0, 0, OFF(gateway.model) },
	{ "gateway", "corpus", KEY_PATH, "", 0, 0, OFF(gateway.corpus) },
	{ "gateway", "deadlines", KEY_PATH, "rules/deadlines.tsv", 0, 0, OFF(gateway.deadlines) },
	{ "gateway", "exemptions", KEY_PATH, "", 0, 0,
	  OFF(gateway.exemptions) },
	/* A repeat of the same right within this window is flagged for the "manifestly
	   unfounded or excessive" assessment; the team decides. */
	{ "gateway", "repeat_window_days", KEY_INT, "90", 0, 3650,
	  OFF(gateway.repeat_window_days) },
	{ "gateway", "message_id_domain", KEY_STRING, "", 0, 0, OFF(gateway.message_id_domain) },
	{ "gateway", "log_level", KEY_STRING, "info", 0, 0, OFF(gateway.log_level) },
	/* A requester whose identity the team verified within this many days is not asked
	   again on a new case (0: always ask). */
	{ "gateway", "identity_reuse_days", KEY_INT, "365", 0, 3650,
	  OFF(gateway.identity_reuse_days) },
	/* Automatic notices (acknowledgement, identity request) to one address in 24 hours:
	   a mail storm or a loop with another auto-responder must not make us a spammer. */
	{ "gateway", "max_auto_notices_per_day", KEY_INT, "5", 1, 1000,
	  OFF(gateway.max_auto_notices_per_day) },
	/* A storm (issue 13): more than storm_threshold new messages from one sender within
	   storm_window minutes. Those past the threshold are stored and held in one storm
	   record, raised to the team once: no case, no reply, until the team opens them. */
	{ "gateway", "storm_threshold", KEY_INT, "20", 1, 100000,
	  OFF(gateway.storm_threshold) },
	{ "gateway", "storm_window", KEY_INT, "10", 1, 1440, OFF(gateway.storm_window) },
	/* A case opened on a guess: the team confirms what was asked within this many working
	   days of receipt (the hedged acknowledgement promises it). */
	{ "gateway", "confirm_within", KEY_INT, "3", 1, 20, OFF(gateway.confirm_within) },
	/* The regulator is being renamed (the Information Commission): notices take its name
	   and contact details from here, never from the templates' literal text. */
	{ "gateway", "regulator_name", KEY_STRING, "Information Commissioner's Office", 0, 0,
	  OFF(gateway.regulator_name) },
	{ "gateway", "regulator_contact", KEY_STRING,
	  "ico.org.uk/make-a-complaint, telephone 0303 123 1113", 0, 0,
	  OFF(gateway.regulator_contact) },
	{ "gateway", "court_section_access", KEY_OBSOLETE,
	  "no longer used: Part 3 notices always cite DPA 2018 s167 as the court route "
	  "(s45(5)(e), s48(4)(d)); s165 is the complaint to the Commissioner. Remove the key.",
	  0, 0, 0 },
	/* The disclosure team by mail: who may command, how their mail is authenticated. */
	/* How sure the classifier must be of each kind (0.5: never unsure). */
	{ "classify", "confidence", KEY_CONFIDENCE, "0.8", 0, 0, OFF(classify.confidence) },
	{ "team", "members", KEY_LIST, "", 0, 0, OFF(team.members) },
	{ "team", "notify", KEY_LIST, "", 0, 0, OFF(team.notify) },
	{ "team", "authserv_id", KEY_STRING, "", 0, 0, OFF(team.authserv_id) },
	{ "team", "require_auth", KEY_STRING, "dkim", 0, 0, OFF(team.require_auth) },
	/* Outlook and Exchange refuse much larger mail; 40 MB is the message limit anyway. */
	{ "team", "max_response_size", KEY_SIZE, "20M", 1024, 40 * 1024 * 1024,
	  OFF(team.max_response_size) },
	/* The team's daily digest and the monthly statutory report. */
	{ "digest", "send", KEY_BOOL, "yes", 0, 0, OFF(digest.send) },
	{ "digest", "time", KEY_TIME, "08:00", 0, 0, OFF(digest.time) },
	{ "digest", "non_working_days", KEY_BOOL, "no", 0, 0, OFF(digest.non_working_days) },
	{ "digest", "chase_after", KEY_INT, "10", 1, 365, OFF(digest.chase_after) },
	{ "report", "monthly", KEY_BOOL, "no", 0, 0, OFF(report.monthly) },
	/* FOIA s12, the Freedom of Information (Appropriate Limit and Fees) Regulations 2004:
	   £450 for bodies outside central government, staff time at £25 an hour. */
	{ "fees", "foi_cost_limit", KEY_INT, "450", 1, 100000, OFF(fees.foi_cost_limit) },
	{ "fees", "foi_hourly_rate", KEY_INT, "25", 1, 1000, OFF(fees.foi_hourly_rate) },
	{ "fees", "how_to_pay", KEY_STRING,
	  "To pay, reply to this message and we will call you to take a card payment, or send "
	  "a cheque payable to the Police and Crime Commissioner to the Public Disclosure Team "
	  "at our headquarters, quoting the reference above.", 0, 0, OFF(fees.how_to_pay) },
	/* The force's own words in notices (domain-rules 2 and 4). */
	{ "notices", "not_for_emergencies", KEY_STRING,
	  "This mailbox is not for emergencies or for reporting a crime. In an emergency, "
	  "call 999. To report a crime, call 101 or report it online on our website.", 0, 0,
	  OFF(notices.not_for_emergencies) },
	{ "notices", "identity_routes", KEY_STRING,
	  "If you would rather not send copies by email, you can show your documents at the "
	  "front counter of any of our police stations, or send copies by post to the Public "
	  "Disclosure Team at our headquarters.", 0, 0, OFF(notices.identity_routes) },
	{ "notices", "identity_retention", KEY_STRING,
	  "We use copies of your documents only to check who you are. We keep them securely "
	  "with the record of your request and delete them when that record is deleted under "
	  "our retention schedule.", 0, 0, OFF(notices.identity_retention) },
	{ "notices", "redirect_emergency", KEY_STRING,
	  "If you or someone else is in danger now, call 999.", 0, 0,
	  OFF(notices.redirect[0]) },
	{ "notices", "redirect_crime", KEY_STRING,
	  "To report a crime, call 101 or report it online on our website. In an emergency, "
	  "call 999.", 0, 0, OFF(notices.redirect[1]) },
	{ "notices", "redirect_conduct", KEY_STRING,
	  "Complaints about the conduct of police officers or staff are dealt with by our "
	  "Professional Standards Department. You can make a complaint on our website, or "
	  "through the Independent Office for Police Conduct at policeconduct.gov.uk.", 0, 0,
	  OFF(notices.redirect[2]) },
	{ "notices", "redirect_acro", KEY_STRING,
	  "For a copy of your record on the Police National Computer, or a police certificate, "
	  "please apply to ACRO Criminal Records Office at acro.police.uk.", 0, 0,
	  OFF(notices.redirect[3]) },
	{ "notices", "redirect_other_force", KEY_STRING,
	  "The information you ask about is held by another police force. Please write to that "
	  "force's disclosure team: each force's contact details are on its website.", 0, 0,
	  OFF(notices.redirect[4]) },
	{ "notices", "redirect_other", KEY_STRING,
	  "Your message is not a request for information, so we have not opened a request. To "
	  "contact us about something else, please use the contact details on our website.",
	  0, 0, OFF(notices.redirect[5]) },
	/* Bank holidays made or cancelled by proclamation, as YYYY-MM-DD lists. */
	{ "holidays", "add_england_wales", KEY_DATES, "", 0, 0, OFF(holidays.added[0]) },
	{ "holidays", "cancel_england_wales", KEY_DATES, "", 0, 0, OFF(holidays.cancelled[0]) },
	{ "holidays", "add_scotland", KEY_DATES, "", 0, 0, OFF(holidays.added[1]) },
	{ "holidays", "cancel_scotland", KEY_DATES, "", 0, 0, OFF(holidays.cancelled[1]) },
	{ "holidays", "add_northern_ireland", KEY_DATES, "", 0, 0, OFF(holidays.added[2]) },
	{ "holidays", "cancel_northern_ireland", KEY_DATES, "", 0, 0,
	  OFF(holidays.cancelled[2]) },
};

int config_parse_tls(const char *s, enum pd_tls *tls_r)
{
	static const char *const names[] = { "implicit", "starttls", "none" };
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		if (strcmp(s, names[i]) == 0) {
			*tls_r = (enum pd_tls)i;
			return 1;
		}
	}
	return 0;
}

static char *resolve_path(const char *dir, const char *value)
{
	if (*value == '\0' || g_path_is_absolute(value))
		return g_strdup(value);
	return g_build_filename(dir, value, NULL);
}

/* A list of days, each YYYY-MM-DD; empty entries are ignored. */
static char *apply_dates(char ***field, const char *value)
{
	char **parts = g_strsplit_set(value, ";, \t", -1);
	GPtrArray *days = g_ptr_array_new();
	char *err = NULL;
	GDate d;

	for (char **p = parts; *p != NULL; p++) {
		if (**p == '\0')
			continue;
		if (!clock_date_parse(*p, &d) && err == NULL)
			err = g_strdup_printf("'%s' is not a date (YYYY-MM-DD)", *p);
		g_ptr_array_add(days, g_strdup(*p));
	}
	g_ptr_array_add(days, NULL);
	*field = (char **)g_ptr_array_free(days, FALSE);
	g_strfreev(parts);
	return err;
}

/* "08:00": minutes after midnight. */
static char *apply_time(void *field, const char *value)
{
	unsigned h, m;
	char tail;

	if (sscanf(value, "%2u:%2u%c", &h, &m, &tail) != 2 || strlen(value) != 5 || h > 23 ||
	    m > 59)
		return g_strdup_printf("must be a time HH:MM, not '%s'", value);
	*(int *)field = (int)(h * 60 + m);
	return NULL;
}

/* n * unit, or -1 (outside every key's bounds) when that does not fit in a long: a value
   such as "9999999999999M" was a signed overflow, undefined behaviour
   (tests/fuzz/regressions/config/size-overflow). */
static long size_scale(long n, long unit)
{
	return n > LONG_MAX / unit || n < LONG_MIN / unit ? -1 : n * unit;
}

/* "20M", "512K", "1048576": bytes, within the key's bounds. */
static char *apply_size(void *field, const struct key_def *k, const char *value)
{
	char *end = NULL;
	long n;

	errno = 0;
	n = strtol(value, &end, 10);
	if (errno == 0 && end != value && (*end == 'K' || *end == 'k') && end[1] == '\0')
		n = size_scale(n, 1024);
	else if (errno == 0 && end != value && (*end == 'M' || *end == 'm') && end[1] == '\0')
		n = size_scale(n, 1024 * 1024);
	else if (errno != 0 || end == value || *end != '\0')
		n = -1;
	if (n < k->min || n > k->max)
		return g_strdup_printf("must be a size from %dK to %dM (e.g. 20M), not '%s'",
				       k->min / 1024, k->max / (1024 * 1024), value);
	*(int *)field = (int)n;
	return NULL;
}

/* 0.5 (off) or a probability in (0.5, 1). */
static char *apply_confidence(void *field, const char *value)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = g_ascii_strtod(value, &end);
	if (errno != 0 || end == value || *end != '\0' || !(v >= 0.5 && v < 1.0))
		return g_strdup_printf("must be 0.5 (never unsure) or a number above 0.5 and "
				       "below 1, not '%s'", value);
	*(double *)field = v;
	return NULL;
}

/* Store one key's value into the struct; returns an error message or NULL. */
static char *apply_key(struct config *c, const struct key_def *k, const char *value,
		       const char *dir)
{
	void *field = (char *)c + k->offset;
	char *end = NULL;
	long n;

	switch (k->type) {
	case KEY_STRING:
		*(char **)field = g_strdup(value);
		return NULL;
	case KEY_PATH:
		*(char **)field = resolve_path(dir, value);
		return NULL;
	case KEY_LIST:
		*(char ***)field = g_strsplit_set(value, ";,", -1);
		for (char **p = *(char ***)field; *p != NULL; p++)
			g_strstrip(*p);
		return NULL;
	case KEY_DATES:
		return apply_dates((char ***)field, value);
	case KEY_TLS:
		if (!config_parse_tls(value, (enum pd_tls *)field))
			return g_strdup_printf("must be implicit, starttls or none, not '%s'", value);
		return NULL;
	case KEY_OBSOLETE:
		return NULL;
	case KEY_SIZE:
		return apply_size(field, k, value);
	case KEY_BOOL:
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return g_strdup_printf("must be yes or no, not '%s'", value);
		*(int *)field = strcmp(value, "yes") == 0;
		return NULL;
	case KEY_TIME:
		return apply_time(field, value);
	case KEY_CONFIDENCE:
		return apply_confidence(field, value);
	case KEY_INT:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno != 0 || end == value || *end != '\0' || n < k->min || n > k->max)
			return g_strdup_printf("must be a number from %d to %d, not '%s'",
					       k->min, k->max, value);
		*(int *)field = (int)n;
		return NULL;
	}
	return g_strdup("unknown key type");
}

static int key_known(const char *group, const char *key)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		if (strcmp(keys[i].group, group) == 0 && strcmp(keys[i].key, key) == 0)
			return 1;
	}
	return 0;
}

/* Report keys that are not in the table: a typo must not silently become a default. */
static void check_unknown_keys(GKeyFile *kf, GString *errors)
{
	gchar **groups = g_key_file_get_groups(kf, NULL);
	for (gchar **g = groups; *g != NULL; g++) {
		gchar **names = g_key_file_get_keys(kf, *g, NULL, NULL);
		for (gchar **k = names; names != NULL && *k != NULL; k++) {
			if (!key_known(*g, *k))
				g_string_append_printf(errors, "\n  [%s] %s: unknown key", *g, *k);
		}
		g_strfreev(names);
	}
	g_strfreev(groups);
}

/* Every entry is an address or "@domain"; empty entries are dropped. */
static void check_addresses(char ***list, const char *key, GString *errors)
{
	GPtrArray *kept = g_ptr_array_new();

	for (char **p = *list; p != NULL && *p != NULL; p++) {
		char *probe = **p == '@' ? g_strconcat("x", *p, NULL) : g_strdup(*p);
		if (**p != '\0' && !pd_address_plausible(probe))
			g_string_append_printf(errors, "\n  [team] %s: '%s' is not an address or "
					       "@domain", key, *p);
		if (**p != '\0')
			g_ptr_array_add(kept, g_ascii_strdown(*p, -1));
		g_free(probe);
	}
	g_ptr_array_add(kept, NULL);
	g_strfreev(*list);
	*list = (char **)g_ptr_array_free(kept, FALSE);
}

/* [team]: the old [gateway] team is where notifications go when notify is not set; mail
   from members needs a way to be authenticated. */
static void check_team(struct config *c, GString *errors, GPtrArray *warnings)
{
	static const char *const methods[] = { "none", "spf", "dkim", "dmarc", NULL };

	if ((c->team.notify == NULL || c->team.notify[0] == NULL ||
	     *c->team.notify[0] == '\0') && c->gateway.team != NULL && c->gateway.team[0] != NULL &&
	    *c->gateway.team[0] != '\0') {
		g_strfreev(c->team.notify);
		c->team.notify = g_strdupv(c->gateway.team);
		g_ptr_array_add(warnings, g_strdup("[gateway] team: read as [team] notify; "
						   "move it there"));
	}
	check_addresses(&c->team.members, "members", errors);
	check_addresses(&c->team.notify, "notify", errors);
	/* Members' commands are answered, but raised replies and alerts need somewhere to go. */
	if (c->team.members[0] != NULL && c->team.notify[0] == NULL)
		g_string_append(errors, "\n  [team] notify: required with members (where "
				"requesters' replies, alerts and the digest are sent)");
	if (c->team.require_auth == NULL ||
	    !g_strv_contains(methods, c->team.require_auth)) {
		g_string_append(errors, "\n  [team] require_auth: must be none, spf, dkim or dmarc");
		return;
	}
	if (strcmp(c->team.require_auth, "none") == 0) {
		g_ptr_array_add(warnings, g_strdup("[team] require_auth = none: anyone who writes "
						   "a member's From address can act on cases (for "
						   "local tests only)"));
		return;
	}
	if (c->team.members[0] != NULL && *c->team.authserv_id == '\0')
		g_string_append(errors, "\n  [team] authserv_id: required with members and "
				"require_auth (the authserv-id of your own MTA's "
				"Authentication-Results: see the README)");
}

/* tls = none: a password (and, for SMTP, personal data) in clear, so loopback only. */
static void check_plaintext(const char *group, const char *host, enum pd_tls tls,
			    GString *errors)
{
	if (tls == PD_TLS_NONE && host != NULL && !pd_host_is_loopback(host))
		g_string_append_printf(errors, "\n  [%s] tls = none: only allowed when host is "
				       "this machine (localhost, 127.0.0.1, ::1), not %s", group,
				       host);
}

/* An obsolete key that is set: a warning, never an error. */
static void warn_obsolete(const struct key_def *k, const char *value, GPtrArray *warnings)
{
	if (value != NULL)
		g_ptr_array_add(warnings, g_strdup_printf("[%s] %s: %s", k->group, k->key,
							  k->def));
}

static void apply_all(struct config *c, GKeyFile *kf, const char *dir, GString *errors,
		      GPtrArray *warnings)
{
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		const struct key_def *k = &keys[i];
		char *value = g_key_file_get_string(kf, k->group, k->key, NULL);
		if (value != NULL)
			g_strstrip(value);
		if (k->type == KEY_OBSOLETE) {
			warn_obsolete(k, value, warnings);
			g_free(value);
			continue;
		}
		if (value == NULL && k->def == NULL) {
			g_string_append_printf(errors, "\n  [%s] %s: required", k->group, k->key);
			continue;
		}
		char *err = apply_key(c, k, value != NULL ? value : k->def, dir);
		if (err != NULL)
			g_string_append_printf(errors, "\n  [%s] %s: %s", k->group, k->key, err);
		g_free(err);
		g_free(value);
	}
	enum log_level lvl;
	if (c->gateway.log_level != NULL && !log_level_parse(c->gateway.log_level, &lvl))
		g_string_append(errors, "\n  [gateway] log_level: must be error, warn, info or debug");
	if (c->smtp.journal != NULL && *c->smtp.journal != '\0' &&
	    !pd_address_plausible(c->smtp.journal))
		g_string_append(errors, "\n  [smtp] journal: not an e-mail address");
	check_team(c, errors, warnings);
	check_plaintext("imap", c->imap.host, c->imap.tls, errors);
	check_plaintext("smtp", c->smtp.host, c->smtp.tls, errors);
	/* The exemptions are kept beside the deadline rules unless placed elsewhere. */
	if (c->gateway.exemptions != NULL && *c->gateway.exemptions == '\0' &&
	    c->gateway.deadlines != NULL) {
		char *rules_dir = g_path_get_dirname(c->gateway.deadlines);
		g_free(c->gateway.exemptions);
		c->gateway.exemptions = g_build_filename(rules_dir, "exemptions.tsv", NULL);
		g_free(rules_dir);
	}
	/* Staff write from the force's own domain unless told otherwise. */
	if (c->gateway.staff_domains != NULL && c->gateway.staff_domains[0] == NULL &&
	    c->smtp.from != NULL && strchr(c->smtp.from, '@') != NULL) {
		g_strfreev(c->gateway.staff_domains);
		c->gateway.staff_domains = g_new0(char *, 2);
		c->gateway.staff_domains[0] = g_ascii_strdown(strchr(c->smtp.from, '@') + 1, -1);
	}
	/* The trained model lives with the rest of the state. */
	if (c->store.model != NULL && *c->store.model == '\0' && c->store.database != NULL) {
		char *state_dir = g_path_get_dirname(c->store.database);
		g_free(c->store.model);
		c->store.model = g_build_filename(state_dir, "trained.model", NULL);
		g_free(state_dir);
	}
}

/* Every check on a key file already read; path names it in messages, and relative paths
   start from its folder. */
static int config_from_keyfile(GKeyFile *kf, const char *path, struct config **config_r,
			       char **error_r)
{
	GString *errors = g_string_new(NULL);
	struct config *c = g_new0(struct config, 1);
	GPtrArray *warnings = g_ptr_array_new_with_free_func(g_free);
	char *dir = NULL;
	int ret = 0;

	c->path = g_strdup(path);
	dir = g_path_get_dirname(path);
	apply_all(c, kf, dir, errors, warnings);
	check_unknown_keys(kf, errors);
	if (errors->len > 0) {
		error_set(error_r, 0, "%s: invalid configuration:%s", path, errors->str);
		goto out;
	}
	g_ptr_array_add(warnings, NULL);
	c->warnings = (char **)g_ptr_array_free(warnings, FALSE);
	warnings = NULL;
	*config_r = c;
	c = NULL;
	ret = 1;
out:
	if (warnings != NULL)
		g_ptr_array_free(warnings, TRUE);
	config_free(&c);
	g_free(dir);
	g_string_free(errors, TRUE);
	return ret;
}

int config_load(const char *path, struct config **config_r, char **error_r)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	int ret = 0;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &gerr))
		error_set(error_r, 0, "%s: %s", path, gerr->message);
	else
		ret = config_from_keyfile(kf, path, config_r, error_r);
	if (gerr != NULL)
		g_error_free(gerr);
	g_key_file_free(kf);
	return ret;
}

int config_parse(const char *path, const char *data, size_t len, struct config **config_r,
		 char **error_r)
{
	GKeyFile *kf = g_key_file_new();
	GError *gerr = NULL;
	int ret = 0;

	if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &gerr))
		error_set(error_r, 0, "%s: %s", path, gerr->message);
	else
		ret = config_from_keyfile(kf, path, config_r, error_r);
	if (gerr != NULL)
		g_error_free(gerr);
	g_key_file_free(kf);
	return ret;
}

void config_free(struct config **config)
{
	struct config *c = *config;
	if (c == NULL)
		return;
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		void *field = (char *)c + keys[i].offset;
		if (keys[i].type == KEY_LIST || keys[i].type == KEY_DATES)
			g_strfreev(*(char ***)field);
		else if (keys[i].type == KEY_STRING || keys[i].type == KEY_PATH)
			g_free(*(char **)field);
	}
	g_strfreev(c->warnings);
	g_free(c->path);
	g_free(c);
	*config = NULL;
}

int config_read_secret(const char *path, char **secret_r, char **error_r)
{
	struct stat st;
	char *data = NULL;
	int ret = 0;

	if (stat(path, &st) < 0) {
		error_set(error_r, 0, "%s: %s", path, g_strerror(errno));
		goto out;
	}
	/* A password readable by others is a leak waiting to happen: refuse, like ssh does. */
	if ((st.st_mode & 0077) != 0) {
		error_set(error_r, 0, "%s: readable by group or others; chmod 600 it", path);
		goto out;
	}
	if (!pd_read_file(path, 4096, &data, NULL, error_r))
		goto out;
	data[strcspn(data, "\r\n")] = '\0';
	*secret_r = data;
	data = NULL;
	ret = 1;
out:
	g_free(data);
	return ret;
}
